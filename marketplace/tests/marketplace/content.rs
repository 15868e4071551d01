//! Content: packages uploaded over HTTP are accepted or refused exactly as the inspector
//! decides, kept once, imported all or nothing, and become courses with versions.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use marketplace::content::import;
use packager::inspect::{Limits, inspect_zip};

use crate::support::{Client, Resp, TestApp};

#[path = "../../../packager/tests/packager/hostile_cases.rs"]
#[allow(dead_code)]
mod hostile_cases;

const PUBLISHER: (&str, &str) = ("publisher@clearpath.example", "tundra violet spindle");

fn conformance_packages() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/packages");
    let mut out = Vec::new();
    for dir in ["golf", "edge-cases"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir)) else {
            continue;
        };
        for e in entries.flatten() {
            if e.path().extension().is_some_and(|x| x == "zip") {
                out.push(e.path());
            }
        }
    }
    out.sort();
    out
}

async fn token(app: &TestApp) -> String {
    marketplace::ops::create_token(
        &app.store,
        "clearpath-learning",
        PUBLISHER.0,
        &["courses:write".into()],
    )
    .await
    .unwrap()
}

async fn post_package(c: &mut Client, token: &str, query: &str, zip: Vec<u8>) -> Resp {
    c.send(
        Request::post(format!("/api/v1/orgs/clearpath-learning/packages{query}"))
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::CONTENT_TYPE, "application/zip")
            .body(Body::from(zip))
            .unwrap(),
    )
    .await
}

/// No temporary upload is left in the data folder.
fn assert_no_uploads_left(app: &TestApp) {
    let uploads = app.state.settings.data_dir.join("uploads");
    assert_eq!(
        std::fs::read_dir(&uploads).map(|d| d.count()).unwrap_or(0),
        0,
        "uploads left in {}",
        uploads.display()
    );
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Nothing of the package `sha` is in storage or in the database.
async fn nothing_kept(app: &TestApp, sha: &str) {
    assert_eq!(app.store.package_by_sha(sha).await.unwrap(), None);
    assert!(!app.store.package_or_import(sha).await.unwrap());
    assert!(
        !app.state
            .files
            .folders("content")
            .await
            .unwrap()
            .contains(&sha.to_string()),
        "files of {sha} were left"
    );
    assert_eq!(
        app.state.files.get(&import::zip_key(sha)).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn every_conformance_package_is_accepted_or_refused_as_the_inspector_decides() {
    let packages = conformance_packages();
    if packages.is_empty() {
        assert!(
            std::env::var_os("CI").is_none(),
            "the conformance kit is missing"
        );
        eprintln!("SKIPPED: no conformance kit beside the workspace");
        return;
    }
    let app = TestApp::demo().await;
    let token = token(&app).await;
    let mut c = app.client();
    let (mut accepted, mut refused, mut assets_only) = (0, 0, 0);
    for path in packages {
        let zip = std::fs::read(&path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let expected = match inspect_zip(Cursor::new(&zip), &Limits::default()) {
            // No errors, and something to open: a SCO, or (untracked) an asset.
            Ok(i) => i.errors().next().is_none() && import::first_launch(&i).is_some(),
            Err(_) => false,
        };
        let r = post_package(&mut c, &token, "", zip.clone()).await;
        let sha = sha256(&zip);
        if expected {
            accepted += 1;
            assert_eq!(r.status, StatusCode::CREATED, "{name}: {}", r.body);
            let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
            assert_eq!(body["version"], 1);
            if inspect_zip(Cursor::new(&zip), &Limits::default())
                .unwrap()
                .scos
                .is_empty()
            {
                // Assets alone: accepted, with a word that nothing is tracked.
                assert_eq!(
                    body["report"]["verdict"], "accepted-with-warnings",
                    "{name}"
                );
                assert!(
                    body["report"]["notes"][0]
                        .as_str()
                        .unwrap()
                        .contains("nothing they do in it is tracked")
                );
                assets_only += 1;
            }
            let package = app.store.package_by_sha(&sha).await.unwrap().unwrap();
            let launch = package
                .package
                .launch
                .split(['?', '#'])
                .next()
                .unwrap()
                .to_string();
            let launch = percent_encoding::percent_decode_str(&launch)
                .decode_utf8()
                .unwrap();
            assert!(
                app.state
                    .files
                    .get(&format!("{}/{launch}", import::content_folder(&sha)))
                    .await
                    .unwrap()
                    .is_some(),
                "{name}: its launch file {launch} is in storage"
            );
            assert_eq!(
                app.state
                    .files
                    .get(&import::zip_key(&sha))
                    .await
                    .unwrap()
                    .unwrap()
                    .len(),
                zip.len()
            );
        } else {
            refused += 1;
            assert_eq!(
                r.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{name}: {}",
                r.body
            );
            let problem: serde_json::Value = serde_json::from_str(&r.body).unwrap();
            assert_eq!(problem["report"]["verdict"], "refused", "{name}");
            nothing_kept(&app, &sha).await;
        }
    }
    assert!(
        accepted >= 11 && refused >= 1,
        "{accepted} accepted, {refused} refused"
    );
    assert!(
        assets_only >= 1,
        "a golf package of assets alone is accepted"
    );
    // No temporary upload is left behind.
    assert_no_uploads_left(&app);
}

#[tokio::test]
async fn every_hostile_zip_is_refused_over_http_and_nothing_is_kept() {
    let app = TestApp::demo().await;
    let token = token(&app).await;
    for (what, zip, limits, code) in hostile_cases::hostile_cases() {
        let settings = marketplace::settings::Settings {
            max_package_entries: limits.max_entries,
            max_package_entry_bytes: limits.max_entry_bytes,
            max_package_unpacked_bytes: limits.max_total_bytes,
            ..(*app.state.settings).clone()
        };
        let mut c = app.client_with(settings);
        let sha = sha256(&zip);
        let r = post_package(&mut c, &token, "", zip).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{what}: {}",
            r.body
        );
        let problem: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(
            problem["report"]["refusal"]["code"], code,
            "{what}: {}",
            r.body
        );
        nothing_kept(&app, &sha).await;
    }
    assert!(
        app.store
            .courses_of(org_id(&app).await)
            .await
            .unwrap()
            .is_empty()
    );
}

async fn org_id(app: &TestApp) -> i64 {
    app.org("clearpath-learning").await.id
}

fn small_package(title: &str) -> Vec<u8> {
    let manifest =
        hostile_cases::MANIFEST.replace("<title>T</title>", &format!("<title>{title}</title>"));
    hostile_cases::zip_of(&[
        ("imsmanifest.xml", manifest.as_bytes()),
        ("index.html", format!("<h1>{title}</h1>").as_bytes()),
    ])
}

#[tokio::test]
async fn a_package_is_kept_once_and_new_packages_become_versions() {
    let app = TestApp::demo().await;
    let token = token(&app).await;
    let mut c = app.client();
    let first = small_package("Fire safety");
    let r = post_package(&mut c, &token, "", first.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let course = body["course"]["id"].as_i64().unwrap();
    assert_eq!(body["course"]["title"], "Fire safety");
    assert_ne!(body["report"]["verdict"], "refused");
    // The same package again, as a version of that course: nothing new.
    let again = post_package(&mut c, &token, &format!("?course={course}"), first.clone()).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.body);
    let again: serde_json::Value = serde_json::from_str(&again.body).unwrap();
    assert_eq!(again["report"]["already_held"], true);
    assert_eq!(again["version"], 1);
    // A changed package is version 2; version 1 is still there for those on it.
    let second = small_package("Fire safety 2027");
    let r = post_package(&mut c, &token, &format!("?course={course}"), second).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let org = org_id(&app).await;
    let versions = app.store.versions(org, course).await.unwrap();
    assert_eq!(
        versions.iter().map(|v| v.number).collect::<Vec<_>>(),
        [2, 1]
    );
    assert_ne!(versions[0].sha256, versions[1].sha256);
    // Another organisation's course cannot be given a version through this one.
    let dales = app.org("dalesfield-community").await;
    let theirs = app
        .store
        .create_course(dales.id, None, &Default::default(), versions[1].package_id)
        .await
        .unwrap();
    let r = post_package(
        &mut c,
        &token,
        &format!("?course={}", theirs.id),
        small_package("X"),
    )
    .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    // Without the scope, or with no body.
    let reader = marketplace::ops::create_token(
        &app.store,
        "clearpath-learning",
        PUBLISHER.0,
        &["org:read".into()],
    )
    .await
    .unwrap();
    assert_eq!(
        post_package(&mut c, &reader, "", small_package("Y"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post_package(&mut c, &token, "", Vec::new()).await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn an_upload_over_the_limit_is_refused_and_leaves_nothing() {
    let app = TestApp::demo().await;
    let token = token(&app).await;
    let settings = marketplace::settings::Settings {
        max_package_bytes: 1000,
        ..(*app.state.settings).clone()
    };
    let mut c = app.client_with(settings);
    let zip = hostile_cases::zip_of(&[
        ("imsmanifest.xml", hostile_cases::MANIFEST.as_bytes()),
        ("big.bin", &vec![9u8; 5000]),
    ]);
    let zip = {
        // Stored, not deflated, so that it stays over the limit.
        let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        z.start_file("imsmanifest.xml", opts).unwrap();
        std::io::Write::write_all(&mut z, hostile_cases::MANIFEST.as_bytes()).unwrap();
        z.start_file("index.html", opts).unwrap();
        std::io::Write::write_all(&mut z, &zip).unwrap();
        z.finish().unwrap().into_inner()
    };
    let r = post_package(&mut c, &token, "", zip.clone()).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", r.body);
    nothing_kept(&app, &sha256(&zip)).await;
    assert_no_uploads_left(&app);
}

/// An import killed half-way (its files stored, its deadline passed, no package row)
/// and files that no row names are removed by the clean-up that runs at start; an
/// import still under way is left alone.
#[tokio::test]
async fn what_a_killed_import_left_is_cleaned_up() {
    let app = TestApp::demo().await;
    let files = &app.state.files;
    let store = &app.store;
    let killed = "a".repeat(64);
    let orphan = "b".repeat(64);
    let running = "c".repeat(64);
    assert!(
        store
            .begin_import(&killed, marketplace::store::now() - 1)
            .await
            .unwrap()
    );
    assert!(
        store
            .begin_import(&running, marketplace::store::now() + 600)
            .await
            .unwrap()
    );
    for sha in [&killed, &orphan, &running] {
        files
            .put(
                &format!("{}/index.html", import::content_folder(sha)),
                b"x".to_vec(),
            )
            .await
            .unwrap();
        files
            .put(&import::zip_key(sha), b"zip".to_vec())
            .await
            .unwrap();
    }
    // A real package stays.
    let token = token(&app).await;
    let kept = small_package("Kept");
    let r = post_package(&mut app.client(), &token, "", kept.clone()).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let removed = import::clean_up(store, files).await.unwrap();
    assert_eq!(removed, 2);
    nothing_kept(&app, &killed).await;
    nothing_kept(&app, &orphan).await;
    assert!(store.package_or_import(&running).await.unwrap());
    assert!(
        files
            .get(&import::zip_key(&running))
            .await
            .unwrap()
            .is_some()
    );
    let kept = sha256(&kept);
    assert!(files.folders("content").await.unwrap().contains(&kept));
    assert!(files.get(&import::zip_key(&kept)).await.unwrap().is_some());
}

#[tokio::test]
async fn a_publisher_uploads_from_the_page_reads_the_report_and_publishes() {
    let app = TestApp::demo().await;
    let mut publisher = app.signed_in(PUBLISHER.0, PUBLISHER.1).await;
    let page = "/o/clearpath-learning/admin/courses/upload";
    let form = publisher.get(page).await;
    assert_eq!(form.status, StatusCode::OK);
    let csrf = form.csrf();
    let r = publisher
        .upload(
            page,
            &[("csrf", &csrf)],
            (
                "package",
                "fire.zip",
                &small_package("Fire safety for porters"),
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let course_page = r.location().to_string();
    let shown = publisher.get(&course_page).await;
    assert!(
        shown.body.contains("accepted as version 1"),
        "{}",
        shown.body
    );
    assert!(shown.body.contains("Version 1 is not published yet"));
    let csrf = shown.csrf();
    let action = course_page.split('?').next().unwrap();
    let bad = publisher
        .post(
            action,
            &[
                ("csrf", &csrf),
                ("title", "Fire safety for porters"),
                ("price", "12.505"),
                ("visibility", "listed"),
                ("action", "publish"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("Enter a price in pounds and pence"));
    let ok = publisher
        .post(
            action,
            &[
                ("csrf", &csrf),
                ("title", "Fire safety for porters"),
                ("summary", "What to do when the alarm sounds."),
                ("topics", "fire safety, mandatory"),
                ("duration", "30"),
                ("price", "12.50"),
                ("licence_months", "12"),
                ("review_by", "2027-06-30"),
                ("visibility", "listed"),
                ("action", "publish"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let shown = publisher.get(action).await;
    assert!(
        shown.body.contains("Version 1 is published"),
        "{}",
        shown.body
    );
    assert!(shown.body.contains("Listed in the national catalogue"));
    let list = publisher.get("/o/clearpath-learning/admin/courses").await;
    assert!(
        list.body.contains("Fire safety for porters") && list.body.contains("£12.50"),
        "{}",
        list.body
    );
    // A refused package shows its report with the reason, and keeps nothing.
    let csrf = publisher.get(page).await.csrf();
    let refused = publisher
        .upload(
            page,
            &[("csrf", &csrf)],
            (
                "package",
                "notes.zip",
                &hostile_cases::zip_of(&[("index.html", b"x")]),
            ),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.body.contains("The package was refused"),
        "{}",
        refused.body
    );
    // Learners and other organisations cannot upload or see the courses.
    let mut nurse = app
        .signed_in("nurse@northshire.example", "juniper canal falcon")
        .await;
    assert_eq!(nurse.get(page).await.status, StatusCode::FORBIDDEN);
    let csrf = nurse.get("/account").await.csrf();
    let r = nurse
        .upload(
            page,
            &[("csrf", &csrf)],
            ("package", "x.zip", &small_package("Sneaky")),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.store
            .courses_of(org_id(&app).await)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn buyers_find_published_courses_in_the_catalogue() {
    let app = TestApp::demo().await;
    let token = token(&app).await;
    let mut c = app.client();
    let org = org_id(&app).await;
    let mut ids = Vec::new();
    for (title, topics, pence, review_by) in [
        (
            "Moving and handling people",
            "manual handling",
            0,
            "2099-01-01",
        ),
        (
            "Sepsis: spotting the signs",
            "sepsis, deterioration",
            1500,
            "2020-01-01",
        ),
    ] {
        let r = post_package(&mut c, &token, "", small_package(title)).await;
        let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        let id = body["course"]["id"].as_i64().unwrap();
        let listing = marketplace::store::Listing {
            title: title.into(),
            topics: topics.into(),
            summary: format!("{title}, for clinical staff."),
            price_pence: pence,
            review_by: Some(review_by.into()),
            language: "en-GB".into(),
            ..Default::default()
        };
        app.store
            .update_listing(org, id, &listing, true)
            .await
            .unwrap();
        ids.push(id);
    }
    // Not published yet: not in the catalogue.
    let mut anon = app.client();
    assert!(
        anon.get("/catalogue")
            .await
            .body
            .contains("No courses are listed yet")
    );
    for id in &ids {
        app.store.publish_version(org, *id, 1).await.unwrap();
    }
    let all = anon.get("/catalogue").await;
    assert!(all.body.contains("2 courses"), "{}", all.body);
    let found = anon.get("/catalogue?q=signs+of+sepsis").await.body;
    assert!(
        found.contains("Sepsis: spotting the signs") && !found.contains("Moving and handling"),
        "{found}"
    );
    assert!(
        found.contains("£15.00 per enrolment") && found.contains("Review overdue since 2020-01-01")
    );
    let free = anon.get("/catalogue?price=free").await.body;
    assert!(free.contains("Moving and handling") && !free.contains("Sepsis"));
    // Its owner is told too.
    let mut publisher = app.signed_in(PUBLISHER.0, PUBLISHER.1).await;
    let own = publisher
        .get("/o/clearpath-learning/admin/courses")
        .await
        .body;
    assert!(own.contains("Review overdue since 2020-01-01"), "{own}");
    let none = anon.get("/catalogue?q=zzzqqq").await.body;
    assert!(none.contains("No courses found") && none.contains("Try fewer words"));
    // Each course has a page with its listing and published versions.
    let page = anon.get(&format!("/catalogue/{}", ids[1])).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("This course&#x27;s review is overdue")
            || page.body.contains("This course's review is overdue"),
        "{}",
        page.body
    );
    assert!(page.body.contains("ClearPath Learning Ltd"));
    // A trust's private course is seen by its own people only.
    let northshire = app.org("northshire-teaching").await;
    let versions = app.store.versions(org, ids[0]).await.unwrap();
    let private = app
        .store
        .create_course(
            northshire.id,
            None,
            &marketplace::store::Listing {
                title: "Northshire ward induction".into(),
                ..Default::default()
            },
            versions[0].package_id,
        )
        .await
        .unwrap();
    app.store
        .publish_version(northshire.id, private.id, 1)
        .await
        .unwrap();
    assert!(
        !anon
            .get("/catalogue")
            .await
            .body
            .contains("Northshire ward induction")
    );
    assert_eq!(
        anon.get(&format!("/catalogue/{}", private.id)).await.status,
        StatusCode::NOT_FOUND
    );
    let mut nurse = app
        .signed_in("nurse@northshire.example", "juniper canal falcon")
        .await;
    let theirs = nurse.get("/catalogue").await.body;
    assert!(
        theirs.contains("Northshire ward induction") && theirs.contains("only your organisation"),
        "{theirs}"
    );
    assert_eq!(
        nurse
            .get(&format!("/catalogue/{}", private.id))
            .await
            .status,
        StatusCode::OK
    );
    let mut outsider = app
        .signed_in("org.admin@dalesfield.example", "amber quill pebble")
        .await;
    assert!(
        !outsider
            .get("/catalogue")
            .await
            .body
            .contains("Northshire ward induction")
    );
}

#[tokio::test]
async fn the_catalogue_comes_a_page_at_a_time() {
    let app = TestApp::demo().await;
    let org = org_id(&app).await;
    let package = app
        .store
        .finish_import(&crate::support::new_package(&"d".repeat(64), "1.2"))
        .await
        .unwrap();
    for i in 0..45 {
        let listing = marketplace::store::Listing {
            title: format!("Course {i:02}"),
            ..Default::default()
        };
        let c = app
            .store
            .create_course(org, None, &listing, package.id)
            .await
            .unwrap();
        app.store
            .update_listing(org, c.id, &listing, true)
            .await
            .unwrap();
        app.store.publish_version(org, c.id, 1).await.unwrap();
    }
    let mut anon = app.client();
    let first = anon.get("/catalogue?sort=title").await.body;
    assert!(
        first.contains("45 courses") && first.contains("Page 1 of 3"),
        "{first}"
    );
    assert!(first.contains("Course 00") && !first.contains("Course 20"));
    assert!(first.contains("rel=\"next\""));
    let third = anon.get("/catalogue?sort=title&page=3").await.body;
    assert!(
        third.contains("Course 44")
            && third.contains("Previous page")
            && !third.contains("Next page")
    );
    // A page past the end, or not a number, is not an error.
    assert_eq!(anon.get("/catalogue?page=999").await.status, StatusCode::OK);
    assert_eq!(
        anon.get("/catalogue?page=x&price=%ZZ").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_catalogue_answers_through_the_api() {
    let app = TestApp::demo().await;
    let token = token(&app).await;
    let mut c = app.client();
    let r = post_package(
        &mut c,
        &token,
        "",
        small_package("Safeguarding adults level 2"),
    )
    .await;
    let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    let id = body["course"]["id"].as_i64().unwrap();
    let org = org_id(&app).await;
    app.store.publish_version(org, id, 1).await.unwrap();
    let listing = marketplace::store::Listing {
        title: "Safeguarding adults level 2".into(),
        topics: "safeguarding".into(),
        ..Default::default()
    };
    app.store
        .update_listing(org, id, &listing, true)
        .await
        .unwrap();
    let reader = marketplace::ops::create_token(
        &app.store,
        "northshire-teaching",
        "training@northshire.example",
        &["courses:read".into()],
    )
    .await
    .unwrap();
    let get = |path: &str| {
        Request::get(path)
            .header(header::AUTHORIZATION, format!("Bearer {reader}"))
            .body(Body::empty())
            .unwrap()
    };
    let r = c
        .send(get(
            "/api/v1/orgs/northshire-teaching/catalogue?q=safeguard",
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let found: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(found["total"], 1);
    assert_eq!(found["courses"][0]["provider"], "ClearPath Learning Ltd");
    let r = c
        .send(get(
            "/api/v1/orgs/northshire-teaching/catalogue?q=cardiology",
        ))
        .await;
    let none: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(none["total"], 0);
    // A token reads the catalogue only as its own organisation.
    let r = c
        .send(get("/api/v1/orgs/dalesfield-community/catalogue"))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

/// A vendor's catalogue zip: `rows` of catalogue.csv, and the packages they name.
fn catalogue_zip(csv: &str, packages: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut entries: Vec<(&str, &[u8])> = vec![("catalogue.csv", csv.as_bytes())];
    for (name, bytes) in packages {
        entries.push((name.as_str(), bytes.as_slice()));
    }
    hostile_cases::zip_of(&entries)
}

async fn post_catalogue(c: &mut Client, token: &str, zip: Vec<u8>) -> serde_json::Value {
    let r = c
        .send(
            Request::post("/api/v1/orgs/clearpath-learning/catalogue-uploads")
                .header(header::AUTHORIZATION, format!("Bearer {token}"))
                .body(Body::from(zip))
                .unwrap(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

#[tokio::test]
async fn a_500_course_catalogue_with_10_bad_rows_goes_in_once() {
    let app = TestApp::demo().await;
    let token = token(&app).await;
    let mut c = app.client();
    let header = "course_id,title,summary,topics,audience,duration,language,accessibility_notes,price_pence,licence_months,package\n";
    let mut csv = String::from(header);
    let mut packages = Vec::new();
    for i in 0..490 {
        csv.push_str(&format!(
            "CP-{i:04},Course {i:04},Summary {i},\"topic {}, clinical\",Nurses,{},en-GB,Captions on every video,{},12,packages/c{i:04}.zip\n",
            i % 7,
            10 + i % 50,
            (i % 4) * 500,
        ));
        packages.push((
            format!("packages/c{i:04}.zip"),
            small_package(&format!("Course {i:04}")),
        ));
    }
    packages.push((
        "packages/notes.zip".into(),
        hostile_cases::zip_of(&[("index.html", b"x")]),
    ));
    for bad in [
        ",No id,,,,,,,0,,packages/c0000.zip",
        "CP-B01,,,,,,,,0,,packages/c0001.zip",
        "CP-B02,Bad price,,,,,,,12.50,,packages/c0002.zip",
        "CP-B03,Missing package,,,,,,,0,,packages/nowhere.zip",
        "CP-B04,Not a package,,,,,,,0,,packages/notes.zip",
        "CP-B05,Bad duration,,,,abc,,,0,,packages/c0003.zip",
        "CP-B06,Bad language,,,,,en GB!,,0,,packages/c0004.zip",
        "CP-B07,Bad licence,,,,,,,0,0,packages/c0005.zip",
        "CP-B08,No package named,,,,,,,0,,",
        "CP-B09,Negative price,,,,,,,-5,,packages/c0006.zip",
    ] {
        csv.push_str(bad);
        csv.push('\n');
    }
    let zip = catalogue_zip(&csv, &packages);
    let started = std::time::Instant::now();
    let report = post_catalogue(&mut c, &token, zip.clone()).await;
    eprintln!("500-row catalogue imported in {:?}", started.elapsed());
    assert_eq!(report["created"], 490, "{report:#}");
    assert_eq!(report["errors"], 10);
    let rows = report["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 500);
    let problem = |id: &str| {
        rows.iter()
            .find(|r| r["course_id"] == id && r["outcome"] == "error")
            .map(|r| r["detail"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("{id} is not reported as a problem"))
    };
    assert!(problem("").contains("course_id is empty"));
    assert!(problem("CP-B02").contains("whole number of pence"));
    assert!(problem("CP-B03").contains("no package called packages/nowhere.zip"));
    assert!(problem("CP-B04").contains("was refused"));
    assert!(problem("CP-B08").contains("package is empty"));
    assert_eq!(rows[0]["line"], 2);
    // In the catalogue, priced and described.
    let (found, total) = app
        .store
        .catalogue(&marketplace::store::CatalogueQuery {
            text: "Course 0042".into(),
            limit: 5,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(total >= 1);
    assert_eq!(found[0].listing.title, "Course 0042");
    assert_eq!(found[0].listing.price_pence, 1000);
    // The same upload again: nothing new.
    let again = post_catalogue(&mut c, &token, zip).await;
    assert_eq!(
        (
            again["created"].as_i64(),
            again["new_versions"].as_i64(),
            again["updated"].as_i64(),
            again["unchanged"].as_i64()
        ),
        (Some(0), Some(0), Some(0), Some(490)),
        "{again:#}"
    );
    assert_eq!(
        app.store
            .courses_of(org_id(&app).await)
            .await
            .unwrap()
            .len(),
        490
    );
    // One package changed and one price changed: a new version, and an updated listing.
    let csv2 = format!(
        "{header}CP-0001,Course 0001,Summary 1,\"topic 1, clinical\",Nurses,11,en-GB,Captions on every video,500,12,packages/c0001.zip\nCP-0002,Course 0002,Summary 2,\"topic 2, clinical\",Nurses,12,en-GB,Captions on every video,9999,12,packages/c0002.zip\n"
    );
    let zip2 = catalogue_zip(
        &csv2,
        &[
            (
                "packages/c0001.zip".into(),
                small_package("Course 0001, revised"),
            ),
            ("packages/c0002.zip".into(), small_package("Course 0002")),
        ],
    );
    let third = post_catalogue(&mut c, &token, zip2).await;
    assert_eq!(
        (third["new_versions"].as_i64(), third["updated"].as_i64()),
        (Some(1), Some(1)),
        "{third:#}"
    );
    let course = app
        .store
        .course_by_external_id(org_id(&app).await, "CP-0001")
        .await
        .unwrap()
        .unwrap();
    let versions = app
        .store
        .versions(org_id(&app).await, course.id)
        .await
        .unwrap();
    assert_eq!(versions.len(), 2);
    assert!(versions.iter().all(|v| v.published_at.is_some()));
}

#[tokio::test]
async fn a_catalogue_without_its_list_is_refused_with_a_reason() {
    let app = TestApp::demo().await;
    let token = token(&app).await;
    let mut c = app.client();
    for (zip, says) in [
        (
            hostile_cases::zip_of(&[("course.zip", &small_package("x"))]),
            "no catalogue.csv",
        ),
        (b"not a zip".to_vec(), "not a zip"),
        (
            hostile_cases::zip_of(&[("catalogue.json", b"{ not json")]),
            "not a JSON list",
        ),
    ] {
        let r = c
            .send(
                Request::post("/api/v1/orgs/clearpath-learning/catalogue-uploads")
                    .header(header::AUTHORIZATION, format!("Bearer {token}"))
                    .body(Body::from(zip))
                    .unwrap(),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(r.body.contains(says), "{}", r.body);
    }
    // The JSON list works as the CSV does, numbers as numbers.
    let json = r#"[{"course_id": "J-1", "title": "Consent", "price_pence": 250, "duration": 15, "topics": ["consent", "law"], "package": "consent.zip"}]"#;
    let zip = hostile_cases::zip_of(&[
        ("catalogue.json", json.as_bytes()),
        ("consent.zip", &small_package("Consent")),
    ]);
    let report = post_catalogue(&mut c, &token, zip).await;
    assert_eq!(report["created"], 1, "{report:#}");
    let course = app
        .store
        .course_by_external_id(org_id(&app).await, "J-1")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            course.listing.price_pence,
            course.listing.duration_minutes,
            course.listing.topics.as_str()
        ),
        (250, Some(15), "consent, law")
    );
}
