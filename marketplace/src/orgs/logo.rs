//! Organisations' logos: uploaded by their administrators from the branding page,
//! checked and redrawn as a PNG of a sensible size (so that what is served is always an
//! image the service drew, never the uploaded bytes), kept in the file storage, and
//! shown in the sub-site's header.

use std::io::Cursor;

use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use image::{ImageFormat, ImageReader, Limits, imageops::FilterType};

use super::{admin_of, branding_view};
use crate::state::AppState;
use crate::web::{self, Error, FieldError, Upload, Viewer, check_csrf};

/// The largest logo file accepted.
pub const MAX_BYTES: usize = 1024 * 1024;
/// The largest logo kept: twice the header's height, for sharp high-density screens.
const MAX_WIDTH: u32 = 640;
const MAX_HEIGHT: u32 = 160;
/// The largest image decoded, so that a small file that unpacks to a vast image (a
/// decompression bomb) is refused before it takes the memory.
const MAX_DECODED_SIDE: u32 = 8000;

/// The uploaded `bytes` as the PNG to keep, or what is wrong with them.
pub fn prepare(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let start = bytes.trim_ascii_start();
    if start.starts_with(b"<") {
        return Err("Save the logo as a PNG or JPEG image: SVG and other text files are not accepted because they can carry scripts".into());
    }
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| format!("The file could not be read: {e}"))?;
    match reader.format() {
        Some(ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::Gif | ImageFormat::WebP) => {}
        _ => return Err("The file is not a PNG, JPEG, GIF or WebP image".into()),
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_DECODED_SIDE);
    limits.max_image_height = Some(MAX_DECODED_SIDE);
    limits.max_alloc = Some(256 * 1024 * 1024);
    reader.limits(limits);
    let image = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => format!(
            "The image is too large: make it at most {MAX_DECODED_SIDE} pixels on each side"
        ),
        e => format!("The image could not be read: {e}"),
    })?;
    if image.width() < 16 || image.height() < 16 {
        return Err("The image is too small: make it at least 16 pixels on each side".into());
    }
    let image = if image.width() > MAX_WIDTH || image.height() > MAX_HEIGHT {
        image.resize(MAX_WIDTH, MAX_HEIGHT, FilterType::Lanczos3)
    } else {
        image
    };
    let mut png = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .map_err(|e| format!("The image could not be redrawn: {e}"))?;
    Ok(png)
}

/// `GET /o/{slug}/logo.png`: the organisation's logo.
pub async fn logo(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    headers: HeaderMap,
) -> web::Result<Response> {
    let org = super::org(&state, &slug).await?;
    let key = org.logo_key.ok_or(Error::NotFound)?;
    let etag = format!("\"{}\"", crate::model::logo_version(&key));
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        return Ok(StatusCode::NOT_MODIFIED.into_response());
    }
    let png = state.files.get(&key).await?.ok_or(Error::NotFound)?;
    let etag = HeaderValue::from_str(&etag).map_err(Error::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("image/png")),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=86400"),
            ),
            (header::ETAG, etag),
        ],
        png,
    )
        .into_response())
}

/// `POST /o/{slug}/admin/logo`: a new logo (`file`), or none (`action=remove`).
pub async fn change(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(slug): Path<String>,
    request: Request,
) -> web::Result<Response> {
    let (org, me) = admin_of(&state, &viewer, &slug, "branding").await?;
    let refuse = |message: String| {
        branding_view(
            &viewer,
            &org,
            None,
            FieldError::only("logo", Some(message)),
            false,
        )
    };
    let upload = match Upload::read(request, &["logo"], MAX_BYTES).await {
        Ok(upload) => upload,
        // Only an administrator gets here: telling them what was wrong is safe.
        Err(Error::BadRequest(message)) => return refuse(message),
        Err(e) => return Err(e),
    };
    check_csrf(&viewer, upload.field("csrf"))?;
    let (key, action) = if upload.field("action") == "remove" {
        (None, "removed the logo")
    } else {
        if upload.file.is_empty() {
            return refuse("Select an image file for the logo".into());
        }
        let file = upload.file;
        let png = match tokio::task::spawn_blocking(move || prepare(&file)).await {
            Ok(Ok(png)) => png,
            Ok(Err(message)) => return refuse(message),
            Err(e) => return Err(Error::internal(e)),
        };
        let hash = packager::archive::sha256_hex(&png);
        let key = format!("logos/{}/{}.png", org.id, &hash[..24]);
        state.files.put(&key, png).await?;
        (Some(key), "changed the logo")
    };
    let old = state.store.set_logo(org.id, key.as_deref()).await?;
    if let Some(old) = old
        && Some(&old) != key.as_ref()
    {
        // The row no longer names it; a failure here leaves only an unused file.
        if let Err(e) = state.files.delete(&old).await {
            tracing::warn!(error = %e, "could not delete the previous logo");
        }
    }
    state
        .store
        .audit(Some(org.id), Some(me.user.id), "changed branding", action)
        .await?;
    Ok(Redirect::to(&format!("/o/{slug}/admin/branding?saved=1")).into_response())
}
