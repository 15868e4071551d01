//! Zips, both ways.
//!
//! - Writing: reproducible zips ([`write_zip`]): entries sorted by path, one fixed
//!   timestamp (1980-01-01, the earliest a zip can hold), fixed permissions, deflate at a
//!   fixed level. The same files always give the same bytes, so a buyer can check a
//!   package against its SHA-256.
//! - Reading untrusted zips: [`CheckedArchive`], the one zip reader for uploads. It reads
//!   the central directory itself, refuses hostile archives with a [`Refusal`] naming the
//!   real reason, and extracts (to a folder or a storage writer) under the same
//!   [`Limits`].

mod checked;
mod names;

pub use crate::inspect::{Limits, Refusal, RefusalCode};
pub use checked::{CheckedArchive, Entry, ExtractError, Method};
pub(crate) use names::is_bidi_control;

use std::collections::BTreeMap;
use std::io::{Cursor, Write as _};

use sha2::{Digest, Sha256};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

/// Writes `files` (path → bytes) as a zip.
pub fn write_zip(files: &BTreeMap<String, Vec<u8>>) -> zip::result::ZipResult<Vec<u8>> {
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let deflated = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(9))
        .last_modified_time(DateTime::default())
        .unix_permissions(0o644);
    // Media is already compressed; deflating it again only costs time.
    let stored = deflated
        .compression_method(CompressionMethod::Stored)
        .compression_level(None);
    for (path, bytes) in files {
        let ext = path.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
        let opts = if [
            "png", "jpg", "jpeg", "gif", "webp", "mp4", "webm", "mp3", "m4a", "ogg", "woff2", "zip",
        ]
        .contains(&ext.as_str())
        {
            stored
        } else {
            deflated
        };
        zip.start_file(path.as_str(), opts)?;
        zip.write_all(bytes)?;
    }
    Ok(zip.finish()?.into_inner())
}

/// A relative path as a zip entry name: components joined with `/` on every platform.
pub fn zip_name(rel: &std::path::Path) -> String {
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// The SHA-256 of `bytes`, in lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_files_same_bytes_in_sorted_order() {
        let mut files = BTreeMap::new();
        files.insert("b.txt".to_string(), b"bee".to_vec());
        files.insert("a/z.html".to_string(), b"<p>zed</p>".to_vec());
        let one = write_zip(&files).unwrap();
        let two = write_zip(&files).unwrap();
        assert_eq!(one, two);
        let mut z = zip::ZipArchive::new(Cursor::new(one)).unwrap();
        let names: Vec<String> = (0..z.len())
            .map(|i| z.by_index(i).unwrap().name().unwrap().to_string())
            .collect();
        assert_eq!(names, ["a/z.html", "b.txt"]);
        let f = z.by_index(0).unwrap();
        assert_eq!(f.unix_mode().map(|m| m & 0o777), Some(0o644));
        assert_eq!(f.last_modified().map(|d| d.year()), Some(1980));
    }
}
