//! Markdown courses built on the server: sources uploaded over HTTP (a page or the API)
//! become build jobs; a worker builds them in a child process under limits, and the
//! package it makes is imported like any upload. Broken courses fail with the compiler's
//! diagnostics, with file and line; courses that reach outside their folder fail safely.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use marketplace::content::builds;
use marketplace::demo::zip_course_folder;
use marketplace::settings::Settings;
use marketplace::store::{MAX_BUILD_ATTEMPTS, now};

use crate::support::{Client, TestApp, every_backend};

const TRAINING: (&str, &str) = ("training@northshire.example", "violet harbour kestrel");
const TRUST: &str = "northshire-teaching";

fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../sample-courses")
        .join(name)
}

/// A copy of the sample course `name` to change.
fn copy_of(name: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for entry in walkdir::WalkDir::new(sample(name)) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(sample(name)).unwrap();
        let to = dir.path().join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
    dir
}

fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "{file} has no {from:?}");
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// Uploads `zip` from the build page as the trust's training manager: the build's page.
async fn upload(c: &mut Client, zip: &[u8], format: &str) -> String {
    let page = format!("/o/{TRUST}/admin/courses/build");
    let csrf = c.get(&page).await.csrf();
    let r = c
        .upload(
            &page,
            &[("csrf", &csrf), ("format", format)],
            ("package", "course.zip", zip),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.location().to_string()
}

/// Runs every build waiting, as the service's worker does.
async fn run_builds(app: &TestApp) {
    while builds::run_next(&app.state).await.unwrap() {}
}

async fn build_json(c: &mut Client, page: &str) -> serde_json::Value {
    let r = c
        .send(
            Request::get(page)
                .header(header::ACCEPT, "application/json")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

#[tokio::test]
async fn a_sample_course_uploaded_as_sources_becomes_a_playable_listing() {
    let app = TestApp::demo().await;
    let mut manager = app.signed_in(TRAINING.0, TRAINING.1).await;
    let zip = zip_course_folder(&sample("fire-safety")).unwrap();
    let page = upload(&mut manager, &zip, "scorm2004").await;
    // The request only queued it: nothing is built until a worker takes it.
    let waiting = manager.get(&page).await;
    assert_eq!(waiting.status, StatusCode::OK);
    assert!(
        waiting.body.contains("Waiting to be built"),
        "{}",
        waiting.body
    );
    assert!(waiting.body.contains("/static/build.js"));
    assert_eq!(build_json(&mut manager, &page).await["finished"], false);

    run_builds(&app).await;
    let done = build_json(&mut manager, &page).await;
    assert_eq!(done["status"], "succeeded", "{done:#}");
    assert_eq!(done["version"], 1);
    assert_eq!(done["report"]["verdict"], "accepted", "{done:#}");
    let course_id = done["course_id"].as_i64().unwrap();
    let shown = manager.get(&page).await;
    assert!(shown.body.contains("Built and imported"), "{}", shown.body);
    assert!(shown.body.contains(&format!("/admin/courses/{course_id}")));
    assert!(!shown.body.contains("/static/build.js"));

    // The course is the built package: SCORM 2004, its files unpacked, its launch page
    // there to be played.
    let org = app.org(TRUST).await;
    let course = app.store.course(org.id, course_id).await.unwrap().unwrap();
    assert_eq!(course.listing.title, "Fire safety awareness");
    let versions = app.store.versions(org.id, course_id).await.unwrap();
    assert_eq!(versions.len(), 1);
    assert!(
        versions[0].scorm_version.starts_with("2004"),
        "{versions:?}"
    );
    let package = app
        .store
        .package_by_sha(&versions[0].sha256)
        .await
        .unwrap()
        .unwrap();
    let launch = app
        .state
        .files
        .get(&format!(
            "content/{}/{}",
            package.package.sha256, package.package.launch
        ))
        .await
        .unwrap()
        .expect("the launch page is stored");
    assert!(String::from_utf8_lossy(&launch).contains("<html"));

    // Published from its page, the trust's staff find it in the catalogue.
    let course_page = format!("/o/{TRUST}/admin/courses/{course_id}");
    let r = manager
        .submit(
            &course_page,
            &course_page,
            &[
                ("title", "Fire safety awareness"),
                ("summary", "Built from Markdown."),
                ("visibility", "private"),
                ("action", "publish"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let found = manager.get("/catalogue?q=fire").await;
    assert!(
        found.body.contains("Fire safety awareness"),
        "{}",
        found.body
    );
    // The sources are gone from storage once built.
    assert!(
        app.state
            .files
            .folders("builds")
            .await
            .unwrap_or_default()
            .is_empty()
    );
}

#[tokio::test]
async fn a_broken_course_shows_the_diagnostics_course_check_gives() {
    let app = TestApp::demo().await;
    let mut manager = app.signed_in(TRAINING.0, TRAINING.1).await;
    let course = copy_of("fire-safety");
    edit(
        course.path(),
        "lessons/extinguishers.md",
        "\n\n",
        "\n\n![A missing picture](media/not-there.png)\n\n::: question nonsense\n:::\n\n",
    );
    let zip = zip_course_folder(course.path()).unwrap();
    let page = upload(&mut manager, &zip, "scorm2004").await;
    run_builds(&app).await;
    let done = build_json(&mut manager, &page).await;
    assert_eq!(done["status"], "failed", "{done:#}");
    assert!(done["course_id"].is_null());

    // Exactly what `course check` prints for the same folder.
    let expected =
        authoring::check(course.path(), &authoring::BuildOptions::default()).render(course.path());
    assert!(expected.contains("lessons/extinguishers.md:"), "{expected}");
    assert_eq!(done["diagnostics"], expected.as_str());
    let findings = done["findings"].as_array().unwrap();
    let missing = findings
        .iter()
        .find(|f| f["message"].as_str().unwrap().contains("not-there.png"))
        .unwrap_or_else(|| panic!("{findings:#?}"));
    assert_eq!(missing["file"], "lessons/extinguishers.md");
    assert!(missing["line"].as_u64().unwrap() > 1);

    let shown = manager.get(&page).await;
    assert!(shown.body.contains("Failed"), "{}", shown.body);
    // (Tera writes `/` as `&#x2F;`.)
    assert!(shown.body.contains("extinguishers.md:"), "{}", shown.body);
    assert!(shown.body.contains("not-there.png"));
    // Nothing was made of it.
    let org = app.org(TRUST).await;
    assert!(app.store.courses_of(org.id).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_course_that_points_outside_its_folder_fails_safely() {
    let app = TestApp::demo().await;
    let mut manager = app.signed_in(TRAINING.0, TRAINING.1).await;
    let course = copy_of("fire-safety");
    edit(
        course.path(),
        "course.toml",
        "lessons = [\"lessons/fire-triangle.md\"]",
        "lessons = [\"lessons/fire-triangle.md\", \"../../../../../../../../etc/passwd\"]",
    );
    edit(
        course.path(),
        "lessons/fire-triangle.md",
        "\n\n",
        "\n\n![Secret](/etc/hostname)\n\n![Secret too](../../../../../../../../etc/passwd)\n\n",
    );
    let zip = zip_course_folder(course.path()).unwrap();
    let page = upload(&mut manager, &zip, "scorm12").await;
    // A link in the zip pointing out is refused before anything is unpacked.
    let linked = with_symlink(
        &zip_course_folder(&sample("fire-safety")).unwrap(),
        "lessons/raise-the-alarm.md",
        "/etc/passwd",
    );
    let linked_page = upload(&mut manager, &linked, "scorm12").await;
    run_builds(&app).await;
    let refused = build_json(&mut manager, &linked_page).await;
    assert_eq!(refused["status"], "failed", "{refused:#}");
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("symbolic link"),
        "{refused:#}"
    );
    let done = build_json(&mut manager, &page).await;
    assert_eq!(done["status"], "failed", "{done:#}");
    let text = done["diagnostics"].as_str().unwrap();
    assert!(text.contains("course.toml"), "{text}");
    assert!(text.contains("lessons/fire-triangle.md"), "{text}");
    assert!(!text.contains("root:"), "a file outside leaked: {text}");
    // No server path is shown.
    let data_dir = app.state.settings.data_dir.display().to_string();
    assert!(!text.contains(&data_dir), "{text}");
    assert!(!done["message"].as_str().unwrap().contains(&data_dir));
    let org = app.org(TRUST).await;
    assert!(app.store.courses_of(org.id).await.unwrap().is_empty());
}

/// `zip` with `name` replaced by a symbolic link to `target`.
fn with_symlink(zip: &[u8], name: &str, target: &str) -> Vec<u8> {
    let mut from = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default();
    for i in 0..from.len() {
        let entry = from.by_index_raw(i).unwrap();
        if entry.name().unwrap() != name {
            out.raw_copy_file(entry).unwrap();
        }
    }
    out.add_symlink(name, target, options).unwrap();
    out.finish().unwrap().into_inner()
}

#[tokio::test]
async fn sources_that_are_not_a_course_are_refused_with_a_reason() {
    let app = TestApp::demo().await;
    let mut manager = app.signed_in(TRAINING.0, TRAINING.1).await;
    let page = format!("/o/{TRUST}/admin/courses/build");
    // No file, and an unknown format: the form again, with the reason.
    let csrf = manager.get(&page).await.csrf();
    let r = manager
        .upload(&page, &[("csrf", &csrf)], ("package", "", b""))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("Select the course"), "{}", r.body);
    let r = manager
        .upload(
            &page,
            &[("csrf", &csrf), ("format", "flash")],
            ("package", "c.zip", b"PK"),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(
        r.body.contains("Choose SCORM 2004 or SCORM 1.2"),
        "{}",
        r.body
    );

    // Not a zip; a zip with no course.toml: each build fails saying why.
    let not_zip = upload(&mut manager, b"this is not a zip file", "scorm2004").await;
    let files = std::collections::BTreeMap::from([("notes.txt".to_string(), b"hi".to_vec())]);
    let no_course = upload(
        &mut manager,
        &packager::archive::write_zip(&files).unwrap(),
        "scorm2004",
    )
    .await;
    run_builds(&app).await;
    let first = build_json(&mut manager, &not_zip).await;
    assert_eq!(first["status"], "failed");
    assert!(
        first["message"]
            .as_str()
            .unwrap()
            .starts_with("The zip cannot be used"),
        "{first:#}"
    );
    let second = build_json(&mut manager, &no_course).await;
    assert_eq!(second["status"], "failed");
    assert!(
        second["message"].as_str().unwrap().contains("course.toml"),
        "{second:#}"
    );
    // Another organisation cannot see the builds.
    let mut other = app
        .signed_in("org.admin@dalesfield.example", "amber quill pebble")
        .await;
    let theirs = not_zip.replace(TRUST, "dalesfield-community");
    assert_eq!(other.get(&theirs).await.status, StatusCode::NOT_FOUND);
    assert_eq!(other.get(&not_zip).await.status, StatusCode::FORBIDDEN);
}

/// The app with other settings, sharing the store and files.
fn with_settings(app: &TestApp, change: impl FnOnce(&mut Settings)) -> marketplace::app::AppState {
    let mut settings = (*app.state.settings).clone();
    change(&mut settings);
    marketplace::app::AppState::new(app.store.clone(), app.state.files.clone(), settings)
}

#[tokio::test]
async fn a_build_over_its_time_or_memory_limit_is_stopped() {
    let app = TestApp::demo().await;
    let mut manager = app.signed_in(TRAINING.0, TRAINING.1).await;
    let zip = zip_course_folder(&sample("hand-hygiene")).unwrap();

    // A builder that never finishes is killed at the time limit.
    let dir = tempfile::tempdir().unwrap();
    let slow = dir.path().join("slow-builder");
    {
        let mut f = std::fs::File::create(&slow).unwrap();
        writeln!(f, "#!/bin/sh\nsleep 60").unwrap();
    }
    std::os::unix::fs::PermissionsExt::set_mode(
        &mut std::fs::metadata(&slow).unwrap().permissions(),
        0o755,
    );
    std::fs::set_permissions(&slow, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let page = upload(&mut manager, &zip, "scorm2004").await;
    let state = with_settings(&app, |s| {
        s.builder_program = slow.clone();
        s.build_time_limit_secs = 1;
    });
    let started = std::time::Instant::now();
    assert!(builds::run_next(&state).await.unwrap());
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
    let done = build_json(&mut manager, &page).await;
    assert_eq!(done["status"], "failed");
    assert!(
        done["message"]
            .as_str()
            .unwrap()
            .contains("longer than 1 seconds"),
        "{done:#}"
    );

    // The real builder with too little memory stops, and says so.
    let page = upload(&mut manager, &zip, "scorm2004").await;
    let state = with_settings(&app, |s| s.build_memory_mib = 8);
    assert!(builds::run_next(&state).await.unwrap());
    let done = build_json(&mut manager, &page).await;
    assert_eq!(done["status"], "failed", "{done:#}");
    assert!(
        done["message"]
            .as_str()
            .unwrap()
            .contains("8 MiB of memory"),
        "{done:#}"
    );
}

#[tokio::test]
async fn build_jobs_are_claimed_once_and_retaken_when_their_worker_died() {
    for db in every_backend().await {
        let app = TestApp::on(db).await;
        marketplace::ops::create_org(
            &app.store,
            "jobs-trust",
            "Jobs Trust",
            marketplace::model::OrgKind::Trust,
        )
        .await
        .unwrap();
        let user = marketplace::ops::create_user(
            &app.store,
            &app.state.settings,
            "jobs@example.nhs.uk",
            "Jo",
            None,
        )
        .await
        .unwrap();
        let org = app.org("jobs-trust").await;
        let store = &app.store;
        let receiving = store
            .create_build(org.id, user.id, None, "scorm2004", "a.zip", 10)
            .await
            .unwrap();
        // Still receiving its sources: not for a worker.
        assert!(store.claim_build(now() + 60).await.unwrap().is_none());
        store.queue_build(receiving).await.unwrap();
        let first = store.claim_build(now() + 60).await.unwrap().unwrap();
        assert_eq!((first.id, first.attempts), (receiving, 1));
        // Taken: not again while its lease lasts.
        assert!(store.claim_build(now() + 60).await.unwrap().is_none());
        // A worker that dies leaves its lease to pass (here, at once): another worker
        // takes the job again, until it has been taken too often and is failed.
        let dying = store
            .create_build(org.id, user.id, None, "scorm2004", "b.zip", 10)
            .await
            .unwrap();
        store.queue_build(dying).await.unwrap();
        for attempt in 1..=MAX_BUILD_ATTEMPTS {
            let again = store.claim_build(now() - 1).await.unwrap().unwrap();
            assert_eq!((again.id, again.attempts), (dying, attempt));
        }
        assert!(store.claim_build(now() + 60).await.unwrap().is_none());
        let given_up = store.build(org.id, dying).await.unwrap().unwrap();
        assert_eq!(given_up.status, "failed");
        assert!(given_up.message.contains("stopped 3 times"), "{given_up:?}");
        // The first job, still leased, was never taken twice.
        let first = store.build(org.id, receiving).await.unwrap().unwrap();
        assert_eq!((first.status.as_str(), first.attempts), ("running", 1));
        // Sources still arriving from a process that died are failed after a while.
        let stale = store
            .create_build(org.id, user.id, None, "scorm12", "c.zip", 10)
            .await
            .unwrap();
        assert_eq!(
            store.fail_stale_receiving(now() + 1).await.unwrap(),
            vec![stale]
        );
        assert!(!store.build_needs_source(stale).await.unwrap());
    }
}

#[tokio::test]
async fn sources_go_in_through_the_api_and_the_build_is_followed_there() {
    let app = TestApp::demo().await;
    let token = marketplace::ops::create_token(
        &app.store,
        TRUST,
        TRAINING.0,
        &["courses:write".into(), "courses:read".into()],
    )
    .await
    .unwrap();
    let mut c = app.client();
    let zip = zip_course_folder(&sample("data-security")).unwrap();
    let r = c
        .send(
            Request::post(format!(
                "/api/v1/orgs/{TRUST}/course-builds?format=scorm12&name=data-security.zip"
            ))
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/zip")
            .body(Body::from(zip))
            .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let location = r.headers[header::LOCATION].to_str().unwrap().to_string();
    let queued: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(queued["status"], "queued");
    assert_eq!(queued["source_name"], "data-security.zip");
    run_builds(&app).await;
    let r = c
        .send(
            Request::get(&location)
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let done: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(done["status"], "succeeded", "{done:#}");
    assert_eq!(done["report"]["version"], "SCORM 1.2", "{done:#}");
    // A bad format is a 400 that says what is allowed.
    let r = c
        .send(
            Request::post(format!("/api/v1/orgs/{TRUST}/course-builds?format=flash"))
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::from("PK"))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("scorm2004 or scorm12"), "{}", r.body);
}
