//! Organisations' logos: uploaded, checked, redrawn, shown, replaced and removed.

use std::io::Cursor;

use axum::http::StatusCode;
use image::{ImageBuffer, ImageFormat, Rgba};

use crate::support::TestApp;

const ADMIN: (&str, &str) = ("org.admin@northshire.example", "copper lantern meadow");
const BRANDING: &str = "/o/northshire-teaching/admin/branding";
const UPLOAD: &str = "/o/northshire-teaching/admin/logo";

/// An image `width` × `height` in `format`.
fn image(width: u32, height: u32, format: ImageFormat) -> Vec<u8> {
    let img = ImageBuffer::from_fn(width, height, |x, _| Rgba([0, (x % 256) as u8, 184, 255]));
    let mut out = Vec::new();
    let img = image::DynamicImage::ImageRgba8(img);
    let img = if format == ImageFormat::Jpeg {
        image::DynamicImage::ImageRgb8(img.to_rgb8())
    } else {
        img
    };
    img.write_to(&mut Cursor::new(&mut out), format).unwrap();
    out
}

#[tokio::test]
async fn an_administrator_uploads_replaces_and_removes_the_logo() {
    let app = TestApp::demo().await;
    let mut admin = app.signed_in(ADMIN.0, ADMIN.1).await;
    let mut anon = app.client();
    assert_eq!(
        anon.get("/o/northshire-teaching/logo.png").await.status,
        StatusCode::NOT_FOUND
    );
    let page = admin.get(BRANDING).await;
    assert!(page.body.contains("has no logo yet"));
    // A large JPEG is redrawn as a PNG no larger than the header needs.
    let csrf = page.csrf();
    let r = admin
        .upload(
            UPLOAD,
            &[("csrf", &csrf), ("action", "upload")],
            ("logo", "logo.jpg", &image(2000, 500, ImageFormat::Jpeg)),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Tera escapes the slashes of attribute values.
    let home = anon
        .get("/o/northshire-teaching/")
        .await
        .body
        .replace("&#x2F;", "/");
    let at = home
        .find("/o/northshire-teaching/logo.png?v=")
        .expect(&home);
    let src = &home[at..at + home[at..].find('"').unwrap()];
    let logo = anon.get(src).await;
    assert_eq!(logo.status, StatusCode::OK);
    assert_eq!(logo.headers["content-type"], "image/png");
    let drawn = image::load_from_memory_with_format(&logo.bytes, ImageFormat::Png).unwrap();
    assert_eq!((drawn.width(), drawn.height()), (640, 160));
    // Kept by browsers, and not sent again when they ask whether it changed.
    let etag = logo.headers["etag"].to_str().unwrap().to_string();
    let again = anon
        .send(
            axum::http::Request::get(src)
                .header("if-none-match", &etag)
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    // The API gives the same address, whole.
    let token = marketplace::ops::create_token(
        &app.store,
        "northshire-teaching",
        ADMIN.0,
        &["org:read".into()],
    )
    .await
    .unwrap();
    let org = anon
        .send(
            axum::http::Request::get("/api/v1/orgs/northshire-teaching")
                .header("authorization", format!("Bearer {token}"))
                .header("host", "learning.example")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    let org: serde_json::Value = serde_json::from_str(&org.body).unwrap();
    assert_eq!(org["logo_url"], format!("http://learning.example{src}"));
    // A new logo gets a new address, and the old file is gone.
    let org = app.org("northshire-teaching").await;
    let first = org.logo_key.clone().unwrap();
    let csrf = admin.get(BRANDING).await.csrf();
    let r = admin
        .upload(
            UPLOAD,
            &[("csrf", &csrf), ("action", "upload")],
            ("logo", "small.png", &image(100, 40, ImageFormat::Png)),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let org = app.org("northshire-teaching").await;
    let second = org.logo_key.clone().unwrap();
    assert_ne!(first, second);
    assert_eq!(app.state.files.get(&first).await.unwrap(), None);
    let small = anon.get("/o/northshire-teaching/logo.png").await;
    let drawn = image::load_from_memory(&small.bytes).unwrap();
    assert_eq!(
        (drawn.width(), drawn.height()),
        (100, 40),
        "small logos are kept as they are"
    );
    // Removed: the header shows the name alone.
    let csrf = admin.get(BRANDING).await.csrf();
    let r = admin
        .upload(
            UPLOAD,
            &[("csrf", &csrf), ("action", "remove")],
            ("logo", "", b""),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        anon.get("/o/northshire-teaching/logo.png").await.status,
        StatusCode::NOT_FOUND
    );
    assert!(
        !anon
            .get("/o/northshire-teaching/")
            .await
            .body
            .contains("logo.png")
    );
    assert_eq!(app.state.files.get(&second).await.unwrap(), None);
    let audit = admin.get("/o/northshire-teaching/admin/audit").await.body;
    assert!(audit.contains("changed the logo") && audit.contains("removed the logo"));
}

#[tokio::test]
async fn what_is_not_a_safe_image_is_refused_with_a_reason() {
    let app = TestApp::demo().await;
    let mut admin = app.signed_in(ADMIN.0, ADMIN.1).await;
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
    let mut huge = image(16, 16, ImageFormat::Png);
    huge.resize(1024 * 1024 + 1, 0);
    let cases: [(&str, &[u8], &str); 6] = [
        ("logo.svg", svg, "SVG and other text files are not accepted"),
        (
            "logo.png",
            b"\x89PNG\r\n\x1a\nnot really",
            "could not be read",
        ),
        (
            "logo.bmp",
            b"BM\x00\x00 a bitmap",
            "is not a PNG, JPEG, GIF or WebP image",
        ),
        ("tiny.png", &image(8, 8, ImageFormat::Png), "too small"),
        // Small on disk, vast once decoded.
        ("wide.png", &image(9000, 16, ImageFormat::Png), "too large"),
        (
            "big.png",
            &huge,
            "The file is too large: the largest accepted is 1 MB",
        ),
    ];
    for (name, bytes, says) in cases {
        let csrf = admin.get(BRANDING).await.csrf();
        let r = admin
            .upload(
                UPLOAD,
                &[("csrf", &csrf), ("action", "upload")],
                ("logo", name, bytes),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{name}");
        assert!(r.body.contains(says), "{name}: {}", r.body);
        assert!(
            r.body.contains("href=\"#logo\""),
            "{name}: the error links to the field"
        );
    }
    let csrf = admin.get(BRANDING).await.csrf();
    let r = admin
        .upload(
            UPLOAD,
            &[("csrf", &csrf), ("action", "upload")],
            ("logo", "", b""),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("Select an image file"));
    let org = app.org("northshire-teaching").await;
    assert_eq!(org.logo_key, None, "nothing was kept");
}
