//! Enrolment, launching and tracking over HTTP, on SQLite and PostgreSQL: a training
//! manager enrols a learner, who launches the course and commits; repeated, late, invalid
//! and second-tab commits; resume after a suspend and a new attempt after a normal exit;
//! the manager's view and its CSV; and who may see what.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};

use crate::support::{Client, Resp, TestApp, every_backend};

const MANAGER: (&str, &str) = ("training@northshire.example", "violet harbour kestrel");
const NURSE: (&str, &str) = ("nurse@northshire.example", "juniper canal falcon");
const PORTER: (&str, &str) = ("porter@northshire.example", "hazel orbit thimble");
const CARER: (&str, &str) = ("carer@dalesfield.example", "cobalt meadow fennel");
const PUBLISHER: (&str, &str) = ("publisher@clearpath.example", "tundra violet spindle");

/// A request to the content origin's router.
async fn content(app: &TestApp, method: &str, path: &str, body: Option<String>) -> Resp {
    let request = Request::builder()
        .method(method)
        .uri(path)
        .header(header::CONTENT_TYPE, "text/plain;charset=UTF-8")
        .body(body.map(Body::from).unwrap_or_else(Body::empty))
        .unwrap();
    crate::support::on_content(app, request).await
}

/// A free listed course of the vendor, made of the demo's small package.
async fn free_course(app: &TestApp, title: &str, scorm2004: bool) -> i64 {
    let zip = marketplace::demo::package(title, scorm2004);
    let (course, _) =
        crate::support::import_course(app, "clearpath-learning", PUBLISHER.0, &zip).await;
    crate::support::publish_listed(app, "clearpath-learning", course.id, title).await;
    course.id
}

/// The player page's data, and its path on the content origin, from a launch.
struct Launched {
    path: String,
    data: Value,
}

impl Launched {
    fn session(&self) -> String {
        self.data["session"].as_str().unwrap().to_string()
    }

    fn start(&self, key: &str) -> Option<String> {
        self.data["start"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p[0] == key)
            .map(|p| p[1].as_str().unwrap().to_string())
    }

    fn commit_path(&self) -> String {
        format!("{}commit", self.path)
    }
}

async fn launch(app: &TestApp, learner: &mut Client, enrolment: i64) -> Launched {
    let r = learner.get(&format!("/learning/{enrolment}/launch")).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let base = app.state.settings.content_base();
    let path = r
        .location()
        .strip_prefix(&base)
        .unwrap_or_else(|| panic!("{} is on the content origin", r.location()))
        .to_string();
    assert!(path.starts_with("/play/") && path.ends_with('/'), "{path}");
    let page = content(app, "GET", &path, None).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let csp = page.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(csp.contains("frame-ancestors 'none'") && csp.contains("connect-src 'self'"));
    let start = page
        .body
        .find(r#"<script type="application/json" id="player-data">"#)
        .unwrap();
    let json = &page.body[start..];
    let json = &json[json.find('>').unwrap() + 1..json.find("</script>").unwrap()];
    Launched {
        path,
        data: serde_json::from_str(json).unwrap(),
    }
}

async fn commit(app: &TestApp, l: &Launched, seq: i64, sets: &[(&str, &str)], end: bool) -> Resp {
    let body = json!({ "session": l.session(), "sco": 1, "seq": seq, "sets": sets, "end": end });
    content(app, "POST", &l.commit_path(), Some(body.to_string())).await
}

async fn enrolment_of(app: &TestApp, email: &str, course: i64) -> marketplace::store::Enrolment {
    let user = app.store.user_by_email(email).await.unwrap().unwrap();
    let rows = app.store.learning(user.id).await.unwrap();
    rows.into_iter()
        .find(|r| r.enrolment.course_id == course)
        .expect("enrolled")
        .enrolment
}

#[tokio::test]
async fn a_learner_is_enrolled_launches_commits_and_resumes_on_every_backend() {
    for db in every_backend().await {
        let app = TestApp::demo_on(db).await;
        let course = free_course(&app, "Moving and handling", true).await;
        let page = format!("/o/northshire-teaching/admin/training/{course}");

        // The training manager enrols the nurse, with a due date.
        let mut manager = app.signed_in(MANAGER.0, MANAGER.1).await;
        let r = manager
            .submit(
                &page,
                &page,
                &[
                    ("who", "person"),
                    ("email", NURSE.0),
                    ("due_on", "2027-01-31"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert!(r.body.contains("1 person enrolled."), "{}", r.body);
        let again = manager
            .submit(&page, &page, &[("who", "person"), ("email", NURSE.0)])
            .await;
        assert!(
            again.body.contains("0 people enrolled. 1 already were."),
            "{}",
            again.body
        );
        let nobody = manager
            .submit(&page, &page, &[("who", "person"), ("email", CARER.0)])
            .await;
        assert!(
            nobody.body.contains("No one in"),
            "another trust's person is not ours to enrol"
        );
        let bad_date = manager
            .submit(
                &page,
                &page,
                &[
                    ("who", "person"),
                    ("email", PORTER.0),
                    ("due_on", "2027-02-30"),
                ],
            )
            .await;
        assert!(bad_date.body.contains("real date"), "{}", bad_date.body);

        // My learning lists it, not started, with its due date.
        let mut nurse = app.signed_in(NURSE.0, NURSE.1).await;
        let mine = nurse.get("/learning").await;
        assert!(mine.body.contains("Moving and handling") && mine.body.contains("2027-01-31"));
        assert!(
            mine.body.contains("Not started") && mine.body.contains(">Start<"),
            "{}",
            mine.body
        );
        let enrolment = enrolment_of(&app, NURSE.0, course).await;
        assert_eq!(enrolment.source, "assigned");
        assert_eq!(
            enrolment.version_id, None,
            "the version is fixed at the first launch"
        );

        // Someone else cannot launch it.
        let mut porter = app.signed_in(PORTER.0, PORTER.1).await;
        let theirs = porter
            .get(&format!("/learning/{}/launch", enrolment.id))
            .await;
        assert_eq!(theirs.status, StatusCode::NOT_FOUND);

        // First launch: a new attempt from the learner's details.
        let first = launch(&app, &mut nurse, enrolment.id).await;
        assert_eq!(first.start("cmi.entry").as_deref(), Some("ab-initio"));
        assert_eq!(
            first.start("cmi.learner_name").as_deref(),
            Some("Rahman, Aisha")
        );
        assert_eq!(first.data["tables"]["version"], "2004");
        let r = commit(
            &app,
            &first,
            1,
            &[
                ("cmi.location", "page-2"),
                ("cmi.suspend_data", "abc"),
                ("cmi.exit", "suspend"),
            ],
            false,
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        // The same commit again, and an older one: acknowledged, nothing changes.
        assert_eq!(
            commit(&app, &first, 1, &[("cmi.location", "page-1")], false)
                .await
                .status,
            StatusCode::OK
        );
        let stale = commit(&app, &first, 0, &[("cmi.location", "page-0")], false).await;
        assert!(stale.body.contains("stale"), "{}", stale.body);
        // A value the rules refuse: 422, and nothing of that commit is stored.
        let refused = commit(
            &app,
            &first,
            2,
            &[("cmi.location", "page-3"), ("cmi.score.scaled", "2")],
            false,
        )
        .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.body
        );
        assert!(
            refused.body.contains("cmi.score.scaled") && refused.body.contains("407"),
            "{}",
            refused.body
        );
        let over = "x".repeat(64001);
        let too_long = commit(&app, &first, 2, &[("cmi.suspend_data", &over)], false).await;
        assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
        // Not JSON, or another part than the package has: 400.
        let junk = content(&app, "POST", &first.commit_path(), Some("{not json".into())).await;
        assert_eq!(junk.status, StatusCode::BAD_REQUEST);
        let body = json!({ "session": first.session(), "sco": 7, "seq": 3, "sets": [] });
        let nowhere = content(&app, "POST", &first.commit_path(), Some(body.to_string())).await;
        assert_eq!(nowhere.status, StatusCode::BAD_REQUEST);
        // Closing the page ends the session.
        let r = commit(&app, &first, 3, &[("cmi.session_time", "PT5M")], true).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let e = enrolment_of(&app, NURSE.0, course).await;
        assert_eq!(e.status, "in-progress");
        assert!(e.version_id.is_some());
        assert_eq!(e.seconds, 300.0);

        // Relaunched: resumed where it was, with the suspend data intact.
        let second = launch(&app, &mut nurse, enrolment.id).await;
        assert_eq!(second.start("cmi.entry").as_deref(), Some("resume"));
        assert_eq!(second.start("cmi.location").as_deref(), Some("page-2"));
        assert_eq!(second.start("cmi.suspend_data").as_deref(), Some("abc"));
        assert_eq!(second.start("cmi.total_time").as_deref(), Some("PT0H5M0S"));
        // A second tab takes the attempt over; the first is told.
        let third = launch(&app, &mut nurse, enrolment.id).await;
        let old = commit(&app, &second, 1, &[("cmi.location", "page-9")], false).await;
        assert_eq!(old.status, StatusCode::CONFLICT, "{}", old.body);
        assert!(old.body.contains("superseded"));
        // The newer tab finishes: passed.
        let done = commit(
            &app,
            &third,
            1,
            &[
                ("cmi.completion_status", "completed"),
                ("cmi.success_status", "passed"),
                ("cmi.score.scaled", "0.9"),
                ("cmi.exit", "normal"),
                ("cmi.interactions.0.id", "q1"),
                ("cmi.interactions.0.type", "choice"),
                ("cmi.interactions.0.learner_response", "a[,]b"),
                ("cmi.interactions.0.result", "correct"),
            ],
            true,
        )
        .await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        let e = enrolment_of(&app, NURSE.0, course).await;
        assert_eq!((e.status.as_str(), e.score), ("passed", Some(0.9)));
        assert_eq!(e.attempts, 1);

        // After a normal exit, the next launch is a new attempt with clean data; the
        // course stays passed.
        let fourth = launch(&app, &mut nurse, enrolment.id).await;
        assert_eq!(fourth.start("cmi.entry").as_deref(), Some("ab-initio"));
        assert_eq!(fourth.start("cmi.suspend_data"), None);
        let e = enrolment_of(&app, NURSE.0, course).await;
        assert_eq!((e.status.as_str(), e.attempts), ("passed", 2));

        // The manager's view and its CSV.
        let view = manager.get(&page).await;
        assert!(
            view.body.contains("Aisha Rahman")
                && view.body.contains("Passed")
                && view.body.contains("90%"),
            "{}",
            view.body
        );
        let csv = manager.get(&format!("{page}?format=csv")).await;
        assert_eq!(csv.headers[header::CONTENT_TYPE], "text/csv; charset=utf-8");
        let line = csv
            .body
            .lines()
            .find(|l| l.contains(NURSE.0))
            .expect("the nurse's row");
        assert!(
            line.contains(",passed,90,") && line.contains("2027-01-31"),
            "{line}"
        );
        // Only the organisation's managers see it.
        assert_eq!(nurse.get(&page).await.status, StatusCode::FORBIDDEN);
        let mut carer = app.signed_in(CARER.0, CARER.1).await;
        assert_eq!(carer.get(&page).await.status, StatusCode::FORBIDDEN);

        // The owner sees who is on which version: the other trust's learners as a count.
        let mut publisher = app.signed_in(PUBLISHER.0, PUBLISHER.1).await;
        let owner = publisher
            .get(&format!("/o/clearpath-learning/admin/courses/{course}"))
            .await;
        assert!(owner.body.contains("1 at Northshire"), "{}", owner.body);
        assert!(!owner.body.contains("Aisha"), "not the other trust's names");

        // An expired or unknown token opens nothing.
        let unknown = content(&app, "GET", "/play/not-a-token/", None).await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);
        let body = json!({ "session": "x", "sco": 1, "seq": 9, "sets": [] });
        let nothing = content(
            &app,
            "POST",
            "/play/not-a-token/commit",
            Some(body.to_string()),
        )
        .await;
        assert_eq!(nothing.status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn learners_enrol_themselves_where_their_organisation_allows_it() {
    let app = TestApp::demo().await;
    let course = free_course(&app, "Information governance", false).await;
    let mut porter = app.signed_in(PORTER.0, PORTER.1).await;
    let page = porter.get(&format!("/catalogue/{course}")).await;
    assert!(page.body.contains("Enrol myself"), "{}", page.body);
    let csrf = page.csrf();
    let r = porter
        .post(
            &format!("/catalogue/{course}/enrol"),
            &[("csrf", &csrf), ("org", "northshire-teaching")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let e = enrolment_of(&app, PORTER.0, course).await;
    assert_eq!(e.source, "self");
    // Without the form's token: refused.
    let forged = porter
        .post(
            &format!("/catalogue/{course}/enrol"),
            &[("org", "northshire-teaching")],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);

    // A 1.2 course: LMSFinish with no status set is completed.
    let l = launch(&app, &mut porter, e.id).await;
    assert_eq!(
        l.start("cmi.core.lesson_status").as_deref(),
        Some("not attempted")
    );
    assert_eq!(l.data["tables"]["version"], "1.2");
    let r = commit(&app, &l, 1, &[("cmi.core.lesson_location", "end")], true).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        enrolment_of(&app, PORTER.0, course).await.status,
        "completed"
    );

    // The trust turns self-enrolment off: the button goes, and posting is refused.
    let mut admin = app
        .signed_in("org.admin@northshire.example", "copper lantern meadow")
        .await;
    let r = admin
        .submit(
            "/o/northshire-teaching/admin/training",
            "/o/northshire-teaching/admin/training",
            &[("self_enrolment", "no")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let other = free_course(&app, "Conflict resolution", true).await;
    let page = porter.get(&format!("/catalogue/{other}")).await;
    assert!(!page.body.contains("Enrol myself"));
    let r = porter
        .post(
            &format!("/catalogue/{other}/enrol"),
            &[("csrf", &page.csrf())],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
}

#[tokio::test]
async fn a_department_and_a_list_are_enrolled_at_once() {
    let app = TestApp::demo().await;
    let course = free_course(&app, "Sepsis awareness", true).await;
    let page = format!("/o/northshire-teaching/admin/training/{course}");
    let mut manager = app.signed_in(MANAGER.0, MANAGER.1).await;
    let org = app.org("northshire-teaching").await;
    let departments = app.store.departments(org.id).await.unwrap();
    let medicine = departments
        .iter()
        .find(|d| d.name == "Medicine")
        .expect("the demo's Medicine");
    let r = manager
        .submit(
            &page,
            &page,
            &[
                ("who", "department"),
                ("department", &medicine.id.to_string()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let enrolled = app
        .store
        .course_learners(org.id, course, None)
        .await
        .unwrap();
    assert!(!enrolled.is_empty(), "Medicine's wards' people: {}", r.body);
    assert!(
        enrolled.iter().any(|e| e.email == NURSE.0),
        "a ward inside Medicine counts"
    );
    let before = enrolled.len();
    let list = format!(
        "name,email\nKieran Walsh,{}\nNobody,nobody@nowhere.example\n",
        PORTER.0
    );
    let r = manager
        .submit(&page, &page, &[("who", "list"), ("list", &list)])
        .await;
    assert!(
        r.body.contains("1 person enrolled.") && r.body.contains("nobody@nowhere.example"),
        "{}",
        r.body
    );
    assert_eq!(
        app.store
            .course_learners(org.id, course, None)
            .await
            .unwrap()
            .len(),
        before + 1
    );
    // Filtered by department.
    let ward = departments
        .iter()
        .find(|d| d.name.starts_with("Ward 12"))
        .expect("a ward");
    let only = app
        .store
        .course_learners(org.id, course, Some(ward.id))
        .await
        .unwrap();
    assert!(
        only.iter()
            .all(|e| e.department.as_deref() == Some(ward.name.as_str()))
            && !only.is_empty()
    );
}

/// A request to the content origin with headers.
async fn content_with(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> Resp {
    let mut request = Request::get(path);
    for (k, v) in headers {
        request = request.header(*k, *v);
    }
    crate::support::on_content(app, request.body(Body::empty()).unwrap()).await
}

#[tokio::test]
async fn the_players_files_come_in_ranges_and_compressed() {
    let app = TestApp::demo().await;
    let course = free_course(&app, "Video consultations", true).await;
    let mut porter = app.signed_in(PORTER.0, PORTER.1).await;
    let page = porter.get(&format!("/catalogue/{course}")).await;
    porter
        .post(
            &format!("/catalogue/{course}/enrol"),
            &[("csrf", &page.csrf())],
        )
        .await;
    let e = enrolment_of(&app, PORTER.0, course).await;
    let l = launch(&app, &mut porter, e.id).await;
    let file = format!("{}files/index.html", l.path);
    let whole = content_with(&app, &file, &[]).await;
    assert_eq!(whole.status, StatusCode::OK);
    assert_eq!(whole.headers[header::ACCEPT_RANGES], "bytes");
    assert!(
        whole.headers.get(header::CONTENT_ENCODING).is_none(),
        "not compressed unless asked"
    );
    let size = whole.bytes.len();

    let part = content_with(&app, &file, &[("range", "bytes=0-9")]).await;
    assert_eq!(part.status, StatusCode::PARTIAL_CONTENT);
    assert_eq!(part.bytes, whole.bytes[..10]);
    assert_eq!(
        part.headers[header::CONTENT_RANGE],
        format!("bytes 0-9/{size}")
    );
    let tail = content_with(&app, &file, &[("range", "bytes=-5")]).await;
    assert_eq!(tail.bytes, whole.bytes[size - 5..]);
    let beyond = content_with(&app, &file, &[("range", &format!("bytes={}-", size + 10))]).await;
    assert_eq!(beyond.status, StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(
        beyond.headers[header::CONTENT_RANGE],
        format!("bytes */{size}")
    );
    // A range of an older version of the file (If-Range) gets the whole file.
    let changed = content_with(
        &app,
        &file,
        &[("range", "bytes=0-9"), ("if-range", "\"other\"")],
    )
    .await;
    assert_eq!(
        (changed.status, changed.bytes.len()),
        (StatusCode::OK, size)
    );

    let gzipped = content_with(&app, &file, &[("accept-encoding", "gzip")]).await;
    assert_eq!(gzipped.headers[header::CONTENT_ENCODING], "gzip");
    let mut plain = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(&gzipped.bytes[..]),
        &mut plain,
    )
    .unwrap();
    assert_eq!(plain, whole.bytes);
    assert_eq!(gzipped.headers[header::VARY], "accept-encoding");
}
