//! A form posted as `multipart/form-data`: its text fields and one file.

use axum::extract::multipart::MultipartError;
use axum::extract::{FromRequest, Multipart, Request};

use super::Error;

/// The fields of an upload form, and its file if one was chosen.
#[derive(Debug, Default)]
pub struct Upload {
    fields: Vec<(String, String)>,
    /// The file's contents; empty when no file was chosen.
    pub file: Vec<u8>,
}

impl Upload {
    /// Reads the form of `request`; its file is the field `file` (or any of `names`),
    /// refused when larger than `max_file` bytes.
    pub async fn read(request: Request, names: &[&str], max_file: usize) -> Result<Self, Error> {
        let mut form = Multipart::from_request(request, &()).await.map_err(|e| {
            Error::BadRequest(format!(
                "Upload the file with the form on this page ({})",
                e.body_text()
            ))
        })?;
        let unreadable = |e: MultipartError| {
            Error::BadRequest(format!("The upload could not be read: {}", e.body_text()))
        };
        let mut upload = Upload::default();
        while let Some(mut field) = form.next_field().await.map_err(unreadable)? {
            let name = field.name().unwrap_or("").to_string();
            if name == "file" || names.contains(&name.as_str()) {
                // Chunk by chunk, so that a file over the limit is refused as soon as it is.
                let mut file = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
                    if file.len() + chunk.len() > max_file {
                        return Err(Error::BadRequest(format!(
                            "The file is too large: the largest accepted is {}",
                            size(max_file)
                        )));
                    }
                    file.extend_from_slice(&chunk);
                }
                if !file.is_empty() {
                    upload.file = file;
                }
            } else if upload.fields.len() < 32 {
                let value = field.text().await.map_err(unreadable)?;
                upload.fields.push((name, value));
            }
        }
        Ok(upload)
    }

    /// The text field `name`, or empty.
    pub fn field(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

/// A size in bytes as people read it: `512 KB`, `2 MB`.
pub fn size(bytes: usize) -> String {
    if bytes >= 1024 * 1024 {
        format!("{} MB", bytes.div_ceil(1024 * 1024))
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}
