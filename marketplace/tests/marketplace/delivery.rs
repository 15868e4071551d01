//! The content origin: previews of a course's package are served apart from the portal,
//! let in by an expiring grant in the path, never by a session; they record nothing.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use crate::support::{Resp, TestApp};

const PUBLISHER: (&str, &str) = ("publisher@clearpath.example", "tundra violet spindle");

/// A GET on the content origin's router.
async fn content_get(app: &TestApp, path: &str, etag: Option<&str>) -> Resp {
    let mut request = Request::get(path);
    if let Some(etag) = etag {
        request = request.header(header::IF_NONE_MATCH, etag);
    }
    crate::support::on_content(app, request.body(Body::empty()).unwrap()).await
}

/// Imports `zip` as a new course of the vendor, uploaded by its publisher: the course,
/// and the package's hash.
async fn import_for_vendor(app: &TestApp, zip: &[u8]) -> (marketplace::store::Course, String) {
    crate::support::import_course(app, "clearpath-learning", PUBLISHER.0, zip).await
}

/// Imports the demo's small package as a course of the vendor; publishes it (listed)
/// when asked. Returns the course's id.
async fn vendor_course(app: &TestApp, title: &str, publish: bool) -> i64 {
    let (course, _) = import_for_vendor(app, &marketplace::demo::package(title, true)).await;
    if publish {
        crate::support::publish_listed(app, "clearpath-learning", course.id, title).await;
    }
    course.id
}

/// The path on the content origin a preview link leads to.
fn content_path(location: &str, base: &str) -> String {
    location
        .strip_prefix(base)
        .unwrap_or_else(|| panic!("{location} is not on {base}"))
        .to_string()
}

#[tokio::test]
async fn a_listed_course_is_previewed_on_the_content_origin_with_a_grant_not_a_session() {
    let app = TestApp::demo().await;
    let course = vendor_course(&app, "Preview me", true).await;
    let base = app.state.settings.content_base();
    // Anyone who may see the course may preview it, signed in or not.
    let mut visitor = app.client();
    let r = visitor.get(&format!("/catalogue/{course}")).await;
    assert!(r.body.contains(&format!("/catalogue/{course}/preview")));
    let r = visitor.get(&format!("/catalogue/{course}/preview")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let player = content_path(r.location(), &base);
    assert!(
        player.starts_with("/preview/") && player.ends_with('/'),
        "{player}"
    );

    // The player: the no-op API and the launch file in a sandboxed frame of its origin.
    let page = content_get(&app, &player, None).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("Nothing you do here is recorded"));
    assert!(
        page.body.contains("src=\"files/index.html\""),
        "{}",
        page.body
    );
    assert!(page.body.contains("/static/preview.js"));
    assert!(
        page.body
            .contains("sandbox=\"allow-scripts allow-same-origin")
    );
    let csp = page.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(
        csp.contains("frame-ancestors 'none'") && csp.contains("frame-src 'self'"),
        "{csp}"
    );
    assert_eq!(page.headers[header::REFERRER_POLICY], "no-referrer");
    assert!(page.headers.get(header::SET_COOKIE).is_none());

    // Its files, with their type and an ETag; unchanged, a 304.
    let file = content_get(&app, &format!("{player}files/index.html"), None).await;
    assert_eq!(file.status, StatusCode::OK);
    assert!(file.body.contains("Preview me"));
    assert_eq!(file.headers[header::CONTENT_TYPE], "text/html");
    assert_eq!(file.headers["cross-origin-resource-policy"], "same-origin");
    assert!(file.headers.get(header::SET_COOKIE).is_none());
    let etag = file.headers[header::ETAG].to_str().unwrap().to_string();
    let again = content_get(&app, &format!("{player}files/index.html"), Some(&etag)).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    let manifest = content_get(&app, &format!("{player}files/imsmanifest.xml"), None).await;
    assert_eq!(manifest.headers[header::CONTENT_TYPE], "text/xml");

    // Nothing outside the package, and nothing without a live grant.
    for bad in [
        format!("{player}files/../../../etc/passwd"),
        format!("{player}files/%2e%2e/%2e%2e/etc/passwd"),
        format!("{player}files/missing.html"),
        format!("{player}files/"),
        "/preview/not-a-grant/files/index.html".to_string(),
        "/preview/not-a-grant/".to_string(),
        "/catalogue".to_string(),
        "/sign-in".to_string(),
    ] {
        let r = content_get(&app, &bad, None).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{bad}: {}", r.body);
    }
    // The portal does not serve content.
    assert_eq!(
        visitor
            .get(&format!("{player}files/index.html"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_preview_grant_expires_and_private_courses_are_previewed_only_by_their_owners() {
    let app = TestApp::demo().await;
    let draft = vendor_course(&app, "Not yet published", false).await;
    // Not in the catalogue yet: nobody previews it from there.
    let mut visitor = app.client();
    assert_eq!(
        visitor
            .get(&format!("/catalogue/{draft}/preview"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    // Its owner previews the newest version before publishing it.
    let mut publisher = app.signed_in(PUBLISHER.0, PUBLISHER.1).await;
    let own = format!("/o/clearpath-learning/admin/courses/{draft}/preview");
    let r = publisher.get(&own).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let player = content_path(r.location(), &app.state.settings.content_base());
    assert_eq!(
        content_get(&app, &player, None).await.status,
        StatusCode::OK
    );
    // Another organisation's staff may not.
    let mut outsider = app
        .signed_in("training@northshire.example", "violet harbour kestrel")
        .await;
    assert_eq!(outsider.get(&own).await.status, StatusCode::FORBIDDEN);

    // A grant that has expired lets nothing in.
    let mut settings = (*app.state.settings).clone();
    settings.preview_minutes = 0;
    let mut hurried = app.client_with(settings);
    hurried.sign_in(PUBLISHER.0, PUBLISHER.1).await;
    let r = hurried.get(&own).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let expired = content_path(r.location(), &app.state.settings.content_base());
    assert_eq!(
        content_get(&app, &expired, None).await.status,
        StatusCode::NOT_FOUND
    );
    assert!(
        app.store
            .delete_expired_grants(marketplace::store::now())
            .await
            .unwrap()
            >= 1
    );
}

#[tokio::test]
async fn a_package_of_several_parts_is_previewed_part_by_part() {
    let app = TestApp::demo().await;
    // Two SCOs, the second's file name with a space (the inspector percent-encodes it).
    let manifest = r#"<?xml version="1.0"?>
<manifest identifier="m" xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="o"><organization identifier="o"><title>Two parts</title>
    <item identifier="i1" identifierref="r1"><title>The first part</title></item>
    <item identifier="i2" identifierref="r2"><title>The second part</title></item>
  </organization></organizations>
  <resources>
    <resource identifier="r1" type="webcontent" adlcp:scormtype="sco" href="one.html"><file href="one.html"/></resource>
    <resource identifier="r2" type="webcontent" adlcp:scormtype="sco" href="part two.html"><file href="part two.html"/></resource>
  </resources>
</manifest>"#;
    let files = std::collections::BTreeMap::from([
        ("imsmanifest.xml".to_string(), manifest.as_bytes().to_vec()),
        ("one.html".to_string(), b"<p>First</p>".to_vec()),
        ("part two.html".to_string(), b"<p>Second</p>".to_vec()),
    ]);
    let zip = packager::archive::write_zip(&files).unwrap();
    let (course, sha) = import_for_vendor(&app, &zip).await;
    let link = marketplace::delivery::preview_link(&app.state, course.id, &sha)
        .await
        .unwrap();
    let player = content_path(&link, &app.state.settings.content_base());

    let first = content_get(&app, &player, None).await;
    assert!(
        first.body.contains("aria-label=\"Parts of the course\""),
        "{}",
        first.body
    );
    assert!(first.body.contains("The second part"));
    assert!(
        first.body.contains("src=\"files/one.html\""),
        "{}",
        first.body
    );
    let second = content_get(&app, &format!("{player}?part=2"), None).await;
    assert!(
        second.body.contains("src=\"files/part%20two.html\""),
        "encoded once: {}",
        second.body
    );
    let file = content_get(&app, &format!("{player}files/part%20two.html"), None).await;
    assert_eq!(file.status, StatusCode::OK);
    assert!(file.body.contains("Second"));
    // A part that is not there plays the nearest; one that is not a number, the first.
    for (query, src) in [("?part=9", "part%20two.html"), ("?part=x", "one.html")] {
        let page = content_get(&app, &format!("{player}{query}"), None).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains(&format!("src=\"files/{src}\"")),
            "{query}"
        );
    }
}
