//! S3-compatible storage: the same file storage over a bucket, against a local S3
//! server (`TEST_S3_ENDPOINT`; CI runs moto's). Files go in whole and in parts, come
//! back as they went, and a package uploaded over HTTP is unpacked into the bucket and
//! previewed from it.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use marketplace::files::{Files, S3};
use sha2::Digest as _;

/// A new bucket on the test's S3 server, or `None` (with a message) when there is none.
async fn bucket() -> Option<(String, S3)> {
    let Ok(endpoint) = std::env::var("TEST_S3_ENDPOINT") else {
        assert!(
            std::env::var("CI").is_err(),
            "CI must set TEST_S3_ENDPOINT (an S3 server such as moto's)"
        );
        eprintln!("SKIPPED S3 storage tests: TEST_S3_ENDPOINT is not set");
        return None;
    };
    let name = format!(
        "portal-{}",
        marketplace::secrets::random_token().to_lowercase()
    );
    let name: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(40)
        .collect();
    // Made with a plain request: the file storage never makes buckets.
    marketplace::files::install_tls_provider();
    let made = reqwest::Client::new()
        .put(format!("{endpoint}/{name}"))
        .send()
        .await
        .expect("the S3 server answers");
    assert!(made.status().is_success(), "make bucket: {}", made.status());
    Some((
        name,
        S3 {
            endpoint,
            region: "us-east-1".into(),
            access_key_id: "test".into(),
            secret_access_key: "test".into(),
        },
    ))
}

#[tokio::test]
async fn files_go_into_a_bucket_and_come_back_as_they_went() {
    let Some((bucket, options)) = bucket().await else {
        return;
    };
    let files = Files::s3(&format!("s3://{bucket}/portal"), &options).unwrap();
    files.put("logos/1/a.png", b"logo".to_vec()).await.unwrap();
    assert_eq!(
        files.get("logos/1/a.png").await.unwrap().unwrap().as_ref(),
        b"logo"
    );
    assert!(files.get("logos/1/missing.png").await.unwrap().is_none());
    // Larger than a part: written in parts, a few at a time, and read back whole.
    let big: Vec<u8> = (0..20 << 20).map(|i: u32| (i % 251) as u8).collect();
    let (store, key) = (files.clone(), "content/abc/video.mp4");
    let runtime = tokio::runtime::Handle::current();
    let data = big.clone();
    tokio::task::spawn_blocking(move || {
        store
            .put_reader_blocking(&runtime, key, &mut data.as_slice())
            .unwrap()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("video.mp4");
    assert!(files.get_to_file(key, &local).await.unwrap());
    assert_eq!(
        sha2::Sha256::digest(std::fs::read(&local).unwrap()),
        sha2::Sha256::digest(&big)
    );
    let (size, _) = files.get_stream(key).await.unwrap().unwrap();
    assert_eq!(size, big.len() as u64);
    // Folders, and removing them.
    assert_eq!(files.folders("content").await.unwrap(), ["abc"]);
    files.delete_folder("content/abc").await.unwrap();
    assert!(files.folders("content").await.unwrap().is_empty());
    files.delete("logos/1/a.png").await.unwrap();
    files.delete("logos/1/a.png").await.unwrap();
    // The prefix kept everything under it: another prefix of the bucket sees nothing.
    let other = Files::s3(&format!("s3://{bucket}/other"), &options).unwrap();
    files.put("logos/2/b.png", b"b".to_vec()).await.unwrap();
    assert!(other.get("logos/2/b.png").await.unwrap().is_none());
    // What is not an S3 address is refused with a reason.
    for bad in ["s3://", "gs://bucket", "bucket"] {
        assert!(Files::s3(bad, &options).is_err(), "{bad}");
    }
}

#[tokio::test]
async fn a_package_uploaded_over_http_is_unpacked_into_the_bucket_and_previewed() {
    let Some((bucket, options)) = bucket().await else {
        return;
    };
    let files = Files::s3(&format!("s3://{bucket}"), &options).unwrap();
    let app = crate::support::TestApp::demo_with_files(files.clone()).await;
    let token = marketplace::ops::create_token(
        &app.store,
        "clearpath-learning",
        "publisher@clearpath.example",
        &["courses:write".into()],
    )
    .await
    .unwrap();
    let zip = marketplace::demo::package("Stored in a bucket", false);
    let sha = format!("{:x}", sha2::Sha256::digest(&zip));
    let mut c = app.client();
    let r = c
        .send(
            Request::post("/api/v1/orgs/clearpath-learning/packages")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::from(zip))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(files.folders("content").await.unwrap(), vec![sha.clone()]);
    assert!(
        files
            .get(&format!("packages/{sha}.zip"))
            .await
            .unwrap()
            .is_some()
    );
    let course: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let course = course["course"]["id"].as_i64().unwrap();
    let link = marketplace::delivery::preview_link(&app.state, course, &sha)
        .await
        .unwrap();
    let path = link
        .strip_prefix(&app.state.settings.content_base())
        .unwrap();
    let response = tower::ServiceExt::oneshot(
        marketplace::app::content_router(app.state.clone()),
        Request::get(format!("{path}files/index.html"))
            .body(Body::empty())
            .unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let page = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    assert!(String::from_utf8_lossy(&page).contains("Stored in a bucket"));
}
