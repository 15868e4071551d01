//! Runs the portal's browser tests (`marketplace/tests/browser/*.mjs`, Node's test
//! runner driving headless Chromium through playwright-core) against the service,
//! started in this process on the demo's data. Skipped with a message when Node, the
//! npm packages or Chromium are missing, except under CI.

use std::path::Path;
use std::process::Command;

use marketplace::app;

use crate::support::TestApp;

fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace")
}

fn missing() -> Option<String> {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if Command::new("node").arg("--version").output().is_err() {
        return Some("node is not installed".into());
    }
    if !workspace_root()
        .join("node_modules/playwright-core")
        .exists()
    {
        return Some("node_modules is missing: run `npm ci` at the workspace root".into());
    }
    if !Path::new(&chromium).exists() {
        return Some(format!("no Chromium at {chromium}"));
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_in_headless_chromium() {
    if skipped("browser tests") {
        return;
    }
    let app = TestApp::demo().await;
    // A sample course's sources as a training team zips them, and a broken copy.
    let zips = tempfile::tempdir().unwrap();
    let sample = workspace_root().join("sample-courses/hand-hygiene");
    let course_zip = zips.path().join("hand-hygiene.zip");
    std::fs::write(
        &course_zip,
        marketplace::demo::zip_course_folder(&sample).unwrap(),
    )
    .unwrap();
    let broken = zips.path().join("broken");
    copy_folder(&sample, &broken);
    let toml = std::fs::read_to_string(broken.join("course.toml")).unwrap();
    std::fs::write(
        broken.join("course.toml"),
        toml.replacen("title = ", "title = = ", 1),
    )
    .unwrap();
    let broken_zip = zips.path().join("broken-course.zip");
    std::fs::write(
        &broken_zip,
        marketplace::demo::zip_course_folder(&broken).unwrap(),
    )
    .unwrap();
    let (url, stop, server) = serve_for_browser(&app).await;
    let out = node(
        "portal.test.mjs",
        vec![
            ("PORTAL_URL", url),
            ("COURSE_ZIP", course_zip.display().to_string()),
            ("BROKEN_COURSE_ZIP", broken_zip.display().to_string()),
        ],
    )
    .await;
    let _ = stop.send(());
    server.await.unwrap().unwrap();
    assert!(out.0, "browser tests failed:\n{}", out.1);
    eprintln!("{}", out.1);
}

/// Whether the browser tests named `what` must be skipped here (said so, never in CI).
pub fn skipped(what: &str) -> bool {
    let Some(why) = missing() else {
        return false;
    };
    assert!(
        std::env::var("CI").is_err(),
        "{what} cannot run in CI: {why}"
    );
    eprintln!("SKIPPED {what}: {why}");
    true
}

/// Runs the browser test file `script` with Node's test runner and `env`: whether it
/// passed, and what it printed.
async fn node(script: &'static str, env: Vec<(&'static str, String)>) -> (bool, String) {
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .args(["--test", "--test-reporter=spec", "--test-concurrency=1"])
            .arg(
                workspace_root()
                    .join("marketplace/tests/browser")
                    .join(script),
            )
            .envs(env)
            .current_dir(workspace_root())
            .output()
            .expect("run node")
    })
    .await
    .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn copy_folder(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The portal and its content origin on two host names, served from this process: the
/// service's address, the content origin's, and the stop signal.
async fn serve_for_browser(
    app: &TestApp,
) -> (
    String,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let mut state = app.state.clone();
    let mut settings = (*state.settings).clone();
    settings.secure_cookies = false;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let content = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    settings.content_url = format!("http://localhost:{}", content.local_addr().unwrap().port());
    settings.public_url = url.clone();
    state.settings = settings.into();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app::serve(listener, Some(content), state, async {
        let _ = stopped.await;
    }));
    (url, stop, server)
}

/// The player with real packages: every golf package of the conformance kit and the
/// three sample courses, built from their sources, played to the end by a learner; left
/// half-way and resumed; offline and back; two tabs; what content can reach.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn player_in_headless_chromium() {
    if skipped("player browser tests") {
        return;
    }
    let app = TestApp::demo().await;
    let golf = workspace_root().join("../shared/conformance/packages/golf");
    marketplace::demo::content(
        &app.state,
        "clearpath-learning",
        "publisher@clearpath.example",
        Some(&golf),
    )
    .await
    .unwrap();
    marketplace::demo::sample_courses(
        &app.state,
        "northshire-teaching",
        "training@northshire.example",
        &workspace_root().join("sample-courses"),
    )
    .await
    .unwrap();
    // The nurse is enrolled on each golf package and each sample course; the porter on
    // two, for the tests that leave and come back.
    let org = app.org("northshire-teaching").await;
    let vendor = app.org("clearpath-learning").await;
    let enrol = |email: &'static str, courses: Vec<i64>| {
        let app = &app;
        async move {
            let user = app.store.user_by_email(email).await.unwrap().unwrap();
            for c in courses {
                app.store
                    .enrol(org.id, user.id, c, "assigned", None, Some("2027-03-31"))
                    .await
                    .unwrap();
            }
        }
    };
    let golf_courses: Vec<i64> = app
        .store
        .courses_of(vendor.id)
        .await
        .unwrap()
        .into_iter()
        .filter(|c| {
            c.external_id
                .as_deref()
                .is_some_and(|x| x.starts_with("GOLF-"))
        })
        .map(|c| c.id)
        .collect();
    assert!(golf_courses.len() >= 9, "every golf package is a course");
    let expected = golf_courses.len() + 3;
    let samples: Vec<i64> = app
        .store
        .courses_of(org.id)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(samples.len(), 3);
    enrol(
        "nurse@northshire.example",
        golf_courses.iter().chain(&samples).copied().collect(),
    )
    .await;
    let runtime_basic = app
        .store
        .courses_of(vendor.id)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.external_id.as_deref() == Some("GOLF-RuntimeBasicCalls_SCORM20043rdEdition"))
        .unwrap()
        .id;
    let hand_hygiene = app
        .store
        .courses_of(org.id)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.listing.title.contains("Hand hygiene"))
        .unwrap()
        .id;
    // Two courses of the trust's own for the porter: one of two parts that move on by
    // navigation requests, one that opens in a window of its own.
    let navigation = own_course(
        &app,
        "northshire-teaching",
        "training@northshire.example",
        &two_part_package(),
    )
    .await;
    let window = own_course(
        &app,
        "northshire-teaching",
        "training@northshire.example",
        &marketplace::demo::package("Window check", true),
    )
    .await;
    app.store
        .set_launch_in(org.id, window, "window")
        .await
        .unwrap();
    enrol(
        "porter@northshire.example",
        vec![runtime_basic, hand_hygiene, navigation, window],
    )
    .await;

    let (url, stop, server) = serve_for_browser(&app).await;
    let out = node(
        "player.test.mjs",
        vec![
            ("PORTAL_URL", url),
            ("EXPECTED_COURSES", expected.to_string()),
        ],
    )
    .await;
    // What the browser did is in the store: the nurse finished every course.
    let nurse = app
        .store
        .user_by_email("nurse@northshire.example")
        .await
        .unwrap()
        .unwrap();
    let rows = app.store.learning(nurse.id).await.unwrap();
    let _ = stop.send(());
    server.await.unwrap().unwrap();
    assert!(out.0, "player browser tests failed:\n{}", out.1);
    eprintln!("{}", out.1);
    assert_eq!(rows.len(), expected);
    for row in rows {
        assert!(
            matches!(row.enrolment.status.as_str(), "completed" | "passed"),
            "{}: {}",
            row.title,
            row.enrolment.status
        );
    }
}

/// A SCORM 2004 package of two SCOs that move on by navigation requests: the first asks
/// to continue, the second to exit all.
fn two_part_package() -> Vec<u8> {
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest identifier="nav" version="1" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_v1p3">
  <metadata><schema>ADL SCORM</schema><schemaversion>2004 4th Edition</schemaversion></metadata>
  <organizations default="org"><organization identifier="org"><title>Navigation check</title>
    <item identifier="one" identifierref="r1"><title>Part one</title></item>
    <item identifier="two" identifierref="r2"><title>Part two</title></item></organization></organizations>
  <resources>
    <resource identifier="r1" type="webcontent" adlcp:scormType="sco" href="one.html"><file href="one.html"/></resource>
    <resource identifier="r2" type="webcontent" adlcp:scormType="sco" href="two.html"><file href="two.html"/></resource>
  </resources>
</manifest>"#;
    let page = |title: &str, request: &str| {
        format!(
            r#"<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>{title}</title></head>
<body><main><h1>{title}</h1><button type="button" id="go">Done with {title}</button></main>
<script>
var api = window.parent.API_1484_11 || (window.opener && window.opener.API_1484_11);
api.Initialize('');
document.getElementById('go').onclick = function () {{
  api.SetValue('cmi.completion_status', 'completed');
  api.SetValue('adl.nav.request', '{request}');
  api.Terminate('');
}};
</script></body></html>"#
        )
        .into_bytes()
    };
    let files = std::collections::BTreeMap::from([
        ("imsmanifest.xml".to_string(), manifest.as_bytes().to_vec()),
        ("one.html".to_string(), page("Part one", "continue")),
        ("two.html".to_string(), page("Part two", "exitAll")),
    ]);
    packager::archive::write_zip(&files).unwrap()
}

/// Imports `zip` as a published course of `slug`, uploaded by `email`; its id.
async fn own_course(app: &TestApp, slug: &str, email: &str, zip: &[u8]) -> i64 {
    let (course, _) = crate::support::import_course(app, slug, email, zip).await;
    let org = app.org(slug).await;
    app.store
        .publish_version(org.id, course.id, 1)
        .await
        .unwrap();
    course.id
}
