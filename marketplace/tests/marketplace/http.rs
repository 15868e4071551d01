//! Every route over HTTP, in-process: signing in and out, CSRF, throttling, roles,
//! organisations kept apart, branding, and logs that hold no secrets.

use axum::http::StatusCode;
use marketplace::app::{Access, route_table};

use crate::support::{TestApp, postgres_db};

const NORTHSHIRE_ADMIN: (&str, &str) = ("org.admin@northshire.example", "copper lantern meadow");
const DALESFIELD_ADMIN: (&str, &str) = ("org.admin@dalesfield.example", "amber quill pebble");
const NURSE: (&str, &str) = ("nurse@northshire.example", "juniper canal falcon");

#[tokio::test]
async fn health_home_and_sub_sites() {
    let app = TestApp::demo().await;
    let mut c = app.client();
    assert_eq!(c.get("/healthz").await.status, StatusCode::OK);
    assert_eq!(c.get("/readyz").await.body, "ready");
    let home = c.get("/").await;
    assert!(
        home.body
            .contains("Northshire Teaching Hospitals NHS Foundation Trust")
    );
    assert!(home.body.contains("/o/clearpath-learning/"));
    assert!(
        !home.body.contains("/o/platform/"),
        "the platform is not listed as an organisation"
    );
    assert!(home.headers.get("x-request-id").is_some());
    assert_eq!(home.headers["x-frame-options"], "DENY");
    let site = c.get("/o/northshire-teaching/").await;
    assert!(
        site.body.contains("<strong>Mandatory training</strong>"),
        "key messages as Markdown"
    );
    assert!(site.body.contains("/o/northshire-teaching/branding.css"));
    assert_eq!(
        c.get("/o/northshire-teaching/branding.css")
            .await
            .body
            .trim(),
        ":root { --course-primary: #005eb8; }"
    );
    assert_eq!(c.get("/o/nowhere/").await.status, StatusCode::NOT_FOUND);
    assert_eq!(c.get("/no/such/page").await.status, StatusCode::NOT_FOUND);
    assert!(
        c.get("/o/dalesfield-community/accessibility")
            .await
            .body
            .contains("WCAG")
    );
    assert!(
        c.get("/catalogue")
            .await
            .body
            .contains("No courses are listed yet")
    );
}

#[tokio::test]
async fn signing_in_and_out() {
    let app = TestApp::demo().await;
    let mut c = app.client();
    // Every visitor gets a CSRF cookie, HttpOnly and SameSite.
    let form = c.get("/sign-in").await;
    let csrf_cookie = form
        .set_cookies()
        .into_iter()
        .find(|s| s.starts_with("portal_csrf="))
        .unwrap();
    assert!(
        csrf_cookie.contains("HttpOnly") && csrf_cookie.contains("SameSite=Lax"),
        "{csrf_cookie}"
    );
    assert!(
        csrf_cookie.contains("Secure"),
        "Secure by default: {csrf_cookie}"
    );

    let wrong = c.sign_in(NURSE.0, "not the password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(
        wrong
            .body
            .contains("Enter a correct email address and password")
    );
    let unknown = c.sign_in("nobody@nhs.example", "whatever it is").await;
    assert_eq!(
        unknown.status,
        StatusCode::UNAUTHORIZED,
        "no hint that the account does not exist"
    );
    let malformed = c.sign_in("not an address", "x").await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);

    // A failed sign-in is not a use of the password; a good one is recorded.
    let nurse = app.store.user_by_email(NURSE.0).await.unwrap().unwrap().id;
    assert_eq!(
        app.store
            .identity_last_used(nurse, "password")
            .await
            .unwrap(),
        None
    );
    // A session id planted before sign-in is replaced.
    c.cookies.insert("portal_session".into(), "planted".into());
    let ok = c.sign_in(NURSE.0, NURSE.1).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let used = app
        .store
        .identity_last_used(nurse, "password")
        .await
        .unwrap();
    assert!(
        used.is_some_and(|t| t >= marketplace::store::now() - 60),
        "{used:?}"
    );
    assert_eq!(ok.location(), "/account");
    let session = ok
        .set_cookies()
        .into_iter()
        .find(|s| s.starts_with("portal_session="))
        .unwrap();
    assert!(
        session.contains("HttpOnly")
            && session.contains("SameSite=Lax")
            && session.contains("Secure"),
        "{session}"
    );
    assert_ne!(c.cookies["portal_session"], "planted");
    assert_eq!(c.cookies["portal_session"].len(), 43);
    let account = c.get("/account").await;
    assert!(
        account.body.contains("Aisha Rahman") && account.body.contains("Northshire"),
        "{}",
        account.body
    );

    // Sign out: the old cookie no longer works.
    let old = c.cookies["portal_session"].clone();
    let out = c.submit("/account", "/sign-out", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    let mut thief = app.client();
    thief.cookies.insert("portal_session".into(), old);
    let r = thief.get("/account").await;
    assert_eq!(
        (r.status, r.location()),
        (StatusCode::SEE_OTHER, "/sign-in?next=%2Faccount")
    );

    // Sign out everywhere ends every session of the person.
    let mut a = app.signed_in(NURSE.0, NURSE.1).await;
    let mut b = app.signed_in(NURSE.0, NURSE.1).await;
    a.submit("/account", "/sign-out-everywhere", &[]).await;
    assert_eq!(b.get("/account").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn after_sign_in_only_a_path_on_this_site() {
    let app = TestApp::demo().await;
    for (next, to) in [
        ("/o/northshire-teaching/", "/o/northshire-teaching/"),
        ("https://evil.example/", "/account"),
        ("//evil.example/", "/account"),
        ("/\\evil.example", "/account"),
    ] {
        let mut c = app.client();
        let csrf = c.get("/sign-in").await.csrf();
        let r = c
            .post(
                "/sign-in",
                &[
                    ("csrf", &csrf),
                    ("email", NURSE.0),
                    ("password", NURSE.1),
                    ("next", next),
                ],
            )
            .await;
        assert_eq!(r.location(), to, "{next}");
    }
}

#[tokio::test]
async fn every_form_needs_its_csrf_token() {
    let app = TestApp::demo().await;
    let mut c = app.client();
    c.get("/sign-in").await;
    for token in ["", "forged-token-forged-token-forged-token-xx"] {
        let r = c
            .post(
                "/sign-in",
                &[("csrf", token), ("email", NURSE.0), ("password", NURSE.1)],
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{token:?}");
    }
    let mut admin = app.signed_in(NORTHSHIRE_ADMIN.0, NORTHSHIRE_ADMIN.1).await;
    // The anonymous token is not the session's.
    let anon = admin.cookies["portal_csrf"].clone();
    let r = admin
        .post(
            "/o/northshire-teaching/admin/branding",
            &[("csrf", &anon), ("name", "Hacked")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = admin.post("/sign-out", &[("csrf", "")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        app.org("northshire-teaching")
            .await
            .name
            .starts_with("Northshire")
    );
}

#[tokio::test]
async fn throttling_engages_per_account() {
    let app = TestApp::demo().await;
    let mut c = app.client();
    for _ in 0..5 {
        assert_eq!(
            c.sign_in(NURSE.0, "wrong password!").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    // Now even the right password is refused, with when to try again.
    let r = c.sign_in(NURSE.0, NURSE.1).await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.body.contains("Wait 15 minutes"));
    // Other accounts are not affected.
    assert_eq!(
        c.sign_in(DALESFIELD_ADMIN.0, DALESFIELD_ADMIN.1)
            .await
            .status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn an_administrator_brands_their_sub_site() {
    let app = TestApp::demo().await;
    let mut admin = app.signed_in(NORTHSHIRE_ADMIN.0, NORTHSHIRE_ADMIN.1).await;
    let page = "/o/northshire-teaching/admin/branding";
    let bad = admin
        .submit(
            page,
            page,
            &[
                ("name", "Northshire"),
                ("primary_colour", "#ffff00"),
                ("key_messages", ""),
                ("contact", ""),
                ("accessibility_statement", ""),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.body.contains("There is a problem") && bad.body.contains("contrast of only 1.1 to 1"),
        "{}",
        bad.body
    );
    let ok = admin
        .submit(
            page,
            page,
            &[
                ("name", "Northshire Teaching Hospitals"),
                ("primary_colour", "#7C2855"),
                (
                    "key_messages",
                    "Book your **fire safety** refresher. <script>alert(1)</script>",
                ),
                ("contact", "0113 496 0000"),
                ("accessibility_statement", ""),
            ],
        )
        .await;
    assert_eq!(
        (ok.status, ok.location()),
        (
            StatusCode::SEE_OTHER,
            "/o/northshire-teaching/admin/branding?saved=1"
        )
    );
    let site = app.client().get("/o/northshire-teaching/").await;
    assert!(site.body.contains("<strong>fire safety</strong>"));
    assert!(
        !site.body.contains("<script>alert"),
        "key messages are sanitised"
    );
    assert!(site.body.contains("0113 496 0000"));
    assert!(
        app.client()
            .get("/o/northshire-teaching/branding.css")
            .await
            .body
            .contains("#7c2855")
    );
    let audit = admin.get("/o/northshire-teaching/admin/audit").await;
    assert!(
        audit.body.contains("changed branding")
            && audit
                .body
                .contains("name, colour, key messages, contact details"),
        "{}",
        audit.body
    );
}

#[tokio::test]
async fn roles_decide_who_administers() {
    let app = TestApp::demo().await;
    let page = "/o/northshire-teaching/admin/members";
    let r = app.client().get(page).await;
    assert_eq!(
        (r.status, r.location()),
        (
            StatusCode::SEE_OTHER,
            "/sign-in?next=%2Fo%2Fnorthshire-teaching%2Fadmin%2Fmembers"
        )
    );
    let mut nurse = app.signed_in(NURSE.0, NURSE.1).await;
    assert_eq!(nurse.get(page).await.status, StatusCode::FORBIDDEN);
    let mut admin = app.signed_in(NORTHSHIRE_ADMIN.0, NORTHSHIRE_ADMIN.1).await;
    let members = admin.get(page).await;
    assert!(members.body.contains("Aisha Rahman") && members.body.contains("Learner"));
    let mut platform = app
        .signed_in("admin@portal.example", "saffron tide harbour")
        .await;
    assert_eq!(
        platform.get(page).await.status,
        StatusCode::OK,
        "platform administrators administer every organisation"
    );
    assert_eq!(
        platform.get("/platform/outbox").await.status,
        StatusCode::OK
    );
    assert_eq!(
        admin.get("/platform/outbox").await.status,
        StatusCode::FORBIDDEN
    );
}

/// Every organisation route of the router, asked about another organisation by an
/// administrator of this one: refused, and nothing of the other organisation shown.
#[tokio::test]
async fn no_route_shows_one_organisation_another_s_data() {
    let app = TestApp::demo().await;
    let mut intruder = app.signed_in(DALESFIELD_ADMIN.0, DALESFIELD_ADMIN.1).await;
    let routes = route_table();
    let org_routes: Vec<&str> = routes
        .iter()
        .filter(|(_, a)| *a == Access::Organisation)
        .map(|(p, _)| *p)
        .collect();
    assert!(org_routes.len() >= 3, "{org_routes:?}");
    let secrets = [
        "Aisha Rahman",
        "nurse@northshire.example",
        "Mandatory training",
        "learning@northshire-teaching.example",
    ];
    for path in org_routes {
        let path = app.fill_route(path, "northshire-teaching", NURSE.0).await;
        let csrf = intruder.get("/account").await.csrf();
        for r in [
            intruder.get(&path).await,
            intruder
                .post(&path, &[("csrf", &csrf), ("name", "Taken over")])
                .await,
        ] {
            assert!(
                matches!(
                    r.status,
                    StatusCode::FORBIDDEN | StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED
                ),
                "{path}: {}",
                r.status
            );
            for s in secrets {
                assert!(!r.body.contains(s), "{path} shows {s}");
            }
        }
    }
    assert_eq!(
        app.org("northshire-teaching").await.name,
        "Northshire Teaching Hospitals NHS Foundation Trust"
    );
    // Signed-in routes show only the viewer's own data.
    for (path, access) in &routes {
        if *access == Access::SignedIn && !path.contains('{') {
            let r = intruder.get(path).await;
            for s in secrets {
                assert!(!r.body.contains(s), "{path} shows {s}");
            }
        }
    }
}

#[tokio::test]
async fn bad_requests_get_4xx_with_a_message_never_500() {
    let app = TestApp::demo().await;
    let mut admin = app.signed_in(NORTHSHIRE_ADMIN.0, NORTHSHIRE_ADMIN.1).await;
    let csrf = admin.get("/account").await.csrf();
    let long = "x".repeat(6000);
    for (path, fields) in [
        (
            "/o/northshire-teaching/admin/branding",
            vec![("csrf", csrf.as_str()), ("name", "")],
        ),
        (
            "/o/northshire-teaching/admin/branding",
            vec![
                ("csrf", csrf.as_str()),
                ("name", "N"),
                ("key_messages", long.as_str()),
            ],
        ),
        (
            "/o/northshire-teaching/admin/branding",
            vec![
                ("csrf", csrf.as_str()),
                ("name", "N"),
                ("primary_colour", "red; }</style>"),
            ],
        ),
        ("/sign-in", vec![("email", "\u{0}\u{ffff}")]),
    ] {
        let r = admin.post(path, &fields).await;
        assert!(
            r.status.is_client_error(),
            "{path} {fields:?}: {}",
            r.status
        );
        assert!(
            r.body.contains("There is a problem") || r.body.contains("You cannot do that"),
            "{}",
            r.body
        );
    }
    // A body that is not a form at all.
    let r = admin
        .send(
            axum::http::Request::post("/sign-in")
                .header("content-type", "application/json")
                .body(axum::body::Body::from("{}"))
                .unwrap(),
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
    // Over the body limit.
    let huge = "a".repeat(3 * 1024 * 1024);
    let r = admin.post("/sign-in", &[("email", &huge)]).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn the_service_runs_the_same_on_postgres() {
    let Some(db) = postgres_db().await else {
        return;
    };
    let app = TestApp::on(db).await;
    marketplace::ops::demo_data(&app.store, &app.state.settings)
        .await
        .unwrap();
    let mut admin = app.signed_in(NORTHSHIRE_ADMIN.0, NORTHSHIRE_ADMIN.1).await;
    assert_eq!(admin.get("/readyz").await.body, "ready");
    let members = admin.get("/o/northshire-teaching/admin/members").await;
    assert!(members.body.contains("Aisha Rahman"));
    let mut other = app.signed_in(DALESFIELD_ADMIN.0, DALESFIELD_ADMIN.1).await;
    assert_eq!(
        other
            .get("/o/northshire-teaching/admin/members")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

/// The link in the newest e-mail to `to`, from the outbox.
async fn mailed_link(app: &TestApp, to: &str) -> String {
    let mail = app
        .store
        .outbox(50)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.recipient == to)
        .expect("an e-mail");
    let at = mail.body.find("http://").expect("a link");
    let link = mail.body[at..].split_whitespace().next().unwrap();
    link.split_once("://")
        .unwrap()
        .1
        .split_once('/')
        .map(|(_, p)| format!("/{p}"))
        .unwrap()
}

#[tokio::test]
async fn people_join_by_invitation() {
    let app = TestApp::demo().await;
    let mut admin = app.signed_in(NORTHSHIRE_ADMIN.0, NORTHSHIRE_ADMIN.1).await;
    let page = "/o/northshire-teaching/admin/invite";
    let bad = admin
        .submit(page, page, &[("email", "not-an-address")])
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(
        bad.body.contains("correct format") && bad.body.contains("Select at least one role"),
        "{}",
        bad.body
    );
    let forged = admin
        .submit(
            page,
            page,
            &[("email", "x@nhs.example"), ("role", "platform-admin")],
        )
        .await;
    assert_eq!(
        forged.status,
        StatusCode::BAD_REQUEST,
        "no one grants platform administration here"
    );
    let sent = admin
        .submit(
            page,
            page,
            &[
                ("email", "New.Starter@NHS.example"),
                ("role", "learner"),
                ("role", "coach"),
            ],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    let link = mailed_link(&app, "new.starter@nhs.example").await;
    assert!(link.starts_with("/invitations/"), "{link}");

    let mut newcomer = app.client();
    let offer = newcomer.get(&link).await;
    assert!(
        offer.body.contains("Create your account") && offer.body.contains("Coach"),
        "{}",
        offer.body
    );
    let weak = newcomer
        .submit(
            &link,
            &link,
            &[("name", "Nia Starter"), ("password", "password123")],
        )
        .await;
    assert_eq!(weak.status, StatusCode::BAD_REQUEST);
    let joined = newcomer
        .submit(
            &link,
            &link,
            &[
                ("name", "Nia Starter"),
                ("password", "orchid lantern ferry"),
            ],
        )
        .await;
    assert_eq!(
        (joined.status, joined.location()),
        (StatusCode::SEE_OTHER, "/o/northshire-teaching/")
    );
    let account = newcomer.get("/account").await;
    assert!(
        account.body.contains("Nia Starter") && account.body.contains("Coach, Learner"),
        "{}",
        account.body
    );
    assert!(
        newcomer
            .get(&link)
            .await
            .body
            .contains("expired or been used"),
        "the link works once"
    );
    let audit = admin.get("/o/northshire-teaching/admin/audit").await;
    assert!(audit.body.contains("invited") && audit.body.contains("joined by invitation"));

    // Someone with an account joins with it, signed in as themselves.
    let mut dales = app.signed_in(DALESFIELD_ADMIN.0, DALESFIELD_ADMIN.1).await;
    let page = "/o/dalesfield-community/admin/invite";
    dales
        .submit(page, page, &[("email", NURSE.0), ("role", "learner")])
        .await;
    let link = mailed_link(&app, NURSE.0).await;
    let mut stranger = app
        .signed_in("porter@northshire.example", "hazel orbit thimble")
        .await;
    assert_eq!(
        stranger.submit(&link, &link, &[]).await.status,
        StatusCode::FORBIDDEN
    );
    let mut nurse = app.signed_in(NURSE.0, NURSE.1).await;
    let r = nurse.submit(&link, &link, &[]).await;
    assert_eq!(r.location(), "/o/dalesfield-community/");
    assert!(nurse.get("/account").await.body.contains("Dalesfield"));
}

#[tokio::test]
async fn a_forgotten_password_is_reset_by_e_mail() {
    let app = TestApp::demo().await;
    let mut elsewhere = app.signed_in(NURSE.0, NURSE.1).await;
    let mut c = app.client();
    let asked = c
        .submit(
            "/forgot-password",
            "/forgot-password",
            &[("email", "nobody@nhs.example")],
        )
        .await;
    assert!(asked.body.contains("Check your e-mail"));
    assert!(
        app.store.outbox(10).await.unwrap().is_empty(),
        "no mail for an unknown address"
    );
    let asked = c
        .submit(
            "/forgot-password",
            "/forgot-password",
            &[("email", NURSE.0)],
        )
        .await;
    assert!(asked.body.contains("Check your e-mail"), "the same answer");
    let link = mailed_link(&app, NURSE.0).await;
    assert!(link.starts_with("/reset-password/"));
    let weak = c
        .submit(&link, &link, &[("password", "aaaaaaaaaaaa")])
        .await;
    assert_eq!(weak.status, StatusCode::BAD_REQUEST);
    let done = c
        .submit(&link, &link, &[("password", "walnut signal harbour")])
        .await;
    assert_eq!(
        (done.status, done.location()),
        (StatusCode::SEE_OTHER, "/sign-in")
    );
    assert_eq!(
        elsewhere.get("/account").await.status,
        StatusCode::SEE_OTHER,
        "signed out everywhere"
    );
    assert_eq!(
        app.client().sign_in(NURSE.0, NURSE.1).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        app.client()
            .sign_in(NURSE.0, "walnut signal harbour")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert!(c.get(&link).await.body.contains("expired or been used"));
}

#[tokio::test]
async fn an_administrator_uploads_a_staff_list_previews_it_then_imports_it() {
    let app = TestApp::demo().await;
    let mut admin = app.signed_in(DALESFIELD_ADMIN.0, DALESFIELD_ADMIN.1).await;
    let page = "/o/dalesfield-community/admin/staff";
    let csrf = admin.get(page).await.csrf();
    let file = b"Name,E-mail address,Job title,Ward\nOwen Price,owen@dalesfield.example,District nurse,Community > North team\nbad row,,,\n";
    let preview = admin
        .upload(
            page,
            &[("csrf", &csrf), ("mode", "preview")],
            ("file", "staff.csv", file),
        )
        .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert!(
        preview.body.contains("Check the changes before importing")
            && preview.body.contains("owen@dalesfield.example")
    );
    assert!(
        preview.body.contains("1 new") && preview.body.contains("1 with problems"),
        "{}",
        preview.body
    );
    assert!(
        app.store
            .user_by_email("owen@dalesfield.example")
            .await
            .unwrap()
            .is_none(),
        "a preview changes nothing"
    );
    let csrf = preview.csrf();
    let text = std::str::from_utf8(file).unwrap();
    let done = admin
        .upload(
            page,
            &[("csrf", &csrf), ("mode", "import")],
            ("csv", "", text.as_bytes()),
        )
        .await;
    assert!(done.body.contains("Import finished"), "{}", done.body);
    let members = admin.get("/o/dalesfield-community/admin/members").await;
    assert!(members.body.contains("Owen Price"));
    // Without the CSRF token, or as another organisation's administrator: refused.
    let r = admin
        .upload(page, &[("mode", "import")], ("file", "staff.csv", file))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut other = app.signed_in(NORTHSHIRE_ADMIN.0, NORTHSHIRE_ADMIN.1).await;
    let csrf = other.get("/account").await.csrf();
    let r = other
        .upload(
            page,
            &[("csrf", &csrf), ("mode", "import")],
            ("file", "staff.csv", file),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let csrf = admin.get(page).await.csrf();
    let bad = admin
        .upload(
            page,
            &[("csrf", &csrf), ("mode", "preview")],
            ("file", "x.csv", b"\xff\xfe\x00"),
        )
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("not UTF-8"));
}

/// Every organisation route, asked by a learner of that same organisation: refused.
#[tokio::test]
async fn no_organisation_route_serves_a_member_without_the_role() {
    let app = TestApp::demo().await;
    let mut learner = app.signed_in(NURSE.0, NURSE.1).await;
    for (path, access) in route_table() {
        if access != Access::Organisation {
            continue;
        }
        let path = app.fill_route(path, "northshire-teaching", NURSE.0).await;
        let csrf = learner.get("/account").await.csrf();
        for r in [
            learner.get(&path).await,
            learner
                .post(&path, &[("csrf", &csrf), ("role", "org-admin")])
                .await,
        ] {
            assert!(
                matches!(
                    r.status,
                    StatusCode::FORBIDDEN | StatusCode::METHOD_NOT_ALLOWED
                ),
                "{path}: {}",
                r.status
            );
            assert!(
                !r.body.contains("porter@northshire.example"),
                "{path} lists members"
            );
        }
    }
    let org = app.org("northshire-teaching").await;
    let id = app.store.user_by_email(NURSE.0).await.unwrap().unwrap().id;
    assert_eq!(
        app.store.roles(org.id, id).await.unwrap(),
        [marketplace::model::Role::Learner]
    );
}

#[tokio::test]
async fn administrators_change_roles_and_the_log_says_so() {
    let app = TestApp::demo().await;
    let mut admin = app.signed_in(NORTHSHIRE_ADMIN.0, NORTHSHIRE_ADMIN.1).await;
    let org = app.org("northshire-teaching").await;
    let nurse = app.store.user_by_email(NURSE.0).await.unwrap().unwrap();
    let page = format!("/o/northshire-teaching/admin/members/{}", nurse.id);
    assert!(
        admin
            .get("/o/northshire-teaching/admin/members")
            .await
            .body
            .contains(&page)
    );
    let r = admin
        .submit(
            &page,
            &page,
            &[("role", "coach"), ("role", "training-manager")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        app.store.roles(org.id, nurse.id).await.unwrap(),
        [
            marketplace::model::Role::TrainingManager,
            marketplace::model::Role::Coach
        ]
    );
    let audit = admin.get("/o/northshire-teaching/admin/audit").await;
    assert!(
        audit.body.contains("roles changed") && audit.body.contains("-learner"),
        "{}",
        audit.body
    );
    // Not their own administrator role, not nothing, not another organisation's member.
    let me = app
        .store
        .user_by_email(NORTHSHIRE_ADMIN.0)
        .await
        .unwrap()
        .unwrap();
    let mine = format!("/o/northshire-teaching/admin/members/{}", me.id);
    let r = admin.submit(&mine, &mine, &[("role", "learner")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("cannot remove your own administrator role"));
    assert_eq!(
        admin.submit(&page, &page, &[]).await.status,
        StatusCode::BAD_REQUEST
    );
    let carer = app
        .store
        .user_by_email("carer@dalesfield.example")
        .await
        .unwrap()
        .unwrap();
    let theirs = format!("/o/northshire-teaching/admin/members/{}", carer.id);
    assert_eq!(admin.get(&theirs).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        admin
            .get("/o/northshire-teaching/admin/members/not-a-number")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn departments_form_a_tree() {
    let app = TestApp::demo().await;
    let mut admin = app.signed_in(NORTHSHIRE_ADMIN.0, NORTHSHIRE_ADMIN.1).await;
    let page = "/o/northshire-teaching/admin/departments";
    // The demo's HR extract made the trust's wards and teams.
    assert!(
        admin
            .get(page)
            .await
            .body
            .contains("Medicine &gt; Ward 12 (Respiratory)")
    );
    let mut fresh = app.signed_in(DALESFIELD_ADMIN.0, DALESFIELD_ADMIN.1).await;
    assert!(
        fresh
            .get("/o/dalesfield-community/admin/departments")
            .await
            .body
            .contains("There are no departments yet")
    );
    assert_eq!(
        admin
            .submit(page, page, &[("name", "Surgery"), ("parent", "")])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let org = app.org("northshire-teaching").await;
    let surgery = app
        .store
        .find_department(org.id, "Surgery")
        .await
        .unwrap()
        .unwrap()
        .to_string();
    assert_eq!(
        admin
            .submit(page, page, &[("name", "Ward 7"), ("parent", &surgery)])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let tree = admin.get(page).await.body;
    assert!(
        tree.contains("Surgery &gt; Ward 7") && tree.contains("in Surgery"),
        "{tree}"
    );
    let dup = admin
        .submit(page, page, &[("name", "Ward 7"), ("parent", "")])
        .await;
    assert_eq!(dup.status, StatusCode::BAD_REQUEST);
    assert!(dup.body.contains("already has a department called Ward 7"));
    // A parent from another organisation is not a choice.
    let dales = app.org("dalesfield-community").await;
    let theirs = app
        .store
        .department(dales.id, "Community", None)
        .await
        .unwrap()
        .to_string();
    let r = admin
        .submit(page, page, &[("name", "Ward 9"), ("parent", &theirs)])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(!admin.get(page).await.body.contains("Community"));
}

#[tokio::test]
async fn a_large_trust_s_members_come_a_page_at_a_time() {
    let app = TestApp::demo().await;
    let org = app.org("dalesfield-community").await;
    let mut csv = String::from("name,email\n");
    for i in 0..230 {
        csv.push_str(&format!("Staff {i:03},staff{i:03}@dalesfield.example\n"));
    }
    marketplace::orgs::staff::import(
        &app.store,
        &org,
        csv.as_bytes(),
        true,
        None,
        Some("http://portal"),
    )
    .await
    .unwrap();
    let mut admin = app.signed_in(DALESFIELD_ADMIN.0, DALESFIELD_ADMIN.1).await;
    let first = admin.get("/o/dalesfield-community/admin/members").await;
    assert!(
        first.body.contains("232 members, page 1 of 3"),
        "{}",
        first.body
    );
    assert_eq!(first.body.matches("Change roles<").count(), 100);
    assert!(first.body.contains("?page=2") && !first.body.contains("rel=\"prev\""));
    let last = admin
        .get("/o/dalesfield-community/admin/members?page=3")
        .await;
    assert_eq!(last.body.matches("Change roles<").count(), 32);
    assert!(last.body.contains("Staff 229") && last.body.contains("rel=\"prev\""));
    // Out of range and nonsense pages are a page, not an error.
    assert!(
        admin
            .get("/o/dalesfield-community/admin/members?page=99")
            .await
            .body
            .contains("page 3 of 3")
    );
    assert_eq!(
        admin
            .get("/o/dalesfield-community/admin/members?page=abc")
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
}

/// Every route that is not public, asked by someone signed out: sent to sign in (pages),
/// or refused (API), and nothing changes.
#[tokio::test]
async fn no_private_route_serves_someone_signed_out() {
    let app = TestApp::demo().await;
    let mut anon = app.client();
    for (route, access) in route_table() {
        if access == Access::Public {
            continue;
        }
        let path = app.fill_route(route, "northshire-teaching", NURSE.0).await;
        let csrf = anon.get("/sign-in").await.csrf();
        for r in [
            anon.get(&path).await,
            anon.post(&path, &[("csrf", &csrf), ("name", "Taken over")])
                .await,
        ] {
            match access {
                Access::Api => assert!(
                    matches!(
                        r.status,
                        StatusCode::UNAUTHORIZED | StatusCode::METHOD_NOT_ALLOWED
                    ),
                    "{path}: {}",
                    r.status
                ),
                _ => assert!(
                    r.status == StatusCode::METHOD_NOT_ALLOWED
                        || (r.status == StatusCode::SEE_OTHER
                            && r.location().starts_with("/sign-in?next=")),
                    "{path}: {} {}",
                    r.status,
                    r.location()
                ),
            }
            assert!(!r.body.contains("nurse@northshire.example"), "{path}");
        }
    }
    let org = app.org("northshire-teaching").await;
    assert!(org.name.starts_with("Northshire"));
}

/// Every organisation and platform form, posted by its own administrator without the
/// session's CSRF token or with a forged one: refused.
#[tokio::test]
async fn every_administration_form_needs_its_csrf_token() {
    let app = TestApp::demo().await;
    let mut admin = app
        .signed_in("admin@portal.example", "saffron tide harbour")
        .await;
    for (route, access) in route_table() {
        if !matches!(
            access,
            Access::Organisation | Access::Platform | Access::SignedIn
        ) {
            continue;
        }
        let path = app.fill_route(route, "northshire-teaching", NURSE.0).await;
        for token in ["", "forged-token-forged-token-forged-token-xx"] {
            let fields = [
                ("csrf", token),
                ("name", "Taken over"),
                ("action", "remove"),
            ];
            // As a form and as an upload: whichever the route reads is refused for the
            // token; the other is not even read.
            let statuses = [
                admin.post(&path, &fields).await.status,
                admin
                    .upload(&path, &fields, ("file", "x.csv", b"name,email\n"))
                    .await
                    .status,
            ];
            assert!(
                statuses.iter().all(|s| matches!(
                    *s,
                    StatusCode::FORBIDDEN
                        | StatusCode::METHOD_NOT_ALLOWED
                        | StatusCode::BAD_REQUEST
                        | StatusCode::UNSUPPORTED_MEDIA_TYPE
                )) && (statuses.contains(&StatusCode::FORBIDDEN)
                    || statuses == [StatusCode::METHOD_NOT_ALLOWED; 2]),
                "{path} with {token:?}: {statuses:?}"
            );
        }
    }
    let org = app.org("northshire-teaching").await;
    assert!(org.name.starts_with("Northshire"));
    assert!(
        app.store
            .find_department(org.id, "Swept department")
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn departments_are_renamed_moved_and_removed() {
    let app = TestApp::demo().await;
    let org = app.org("northshire-teaching").await;
    let s = &app.store;
    let surgery = s.department(org.id, "Surgery", None).await.unwrap();
    let ward = s.department(org.id, "Ward 7", Some(surgery)).await.unwrap();
    let bay = s.department(org.id, "Bay A", Some(ward)).await.unwrap();
    let nurse = s.user_by_email(NURSE.0).await.unwrap().unwrap().id;
    let mut details = s.staff_details(org.id, nurse).await.unwrap().unwrap();
    details.department_id = Some(ward);
    s.set_staff_details(org.id, nurse, &details).await.unwrap();
    let mut admin = app.signed_in(NORTHSHIRE_ADMIN.0, NORTHSHIRE_ADMIN.1).await;
    let page = format!("/o/northshire-teaching/admin/departments/{ward}");
    let form = admin.get(&page).await;
    assert!(
        form.body
            .contains("1 member, in Surgery; 1 department inside it"),
        "{}",
        form.body
    );
    // It cannot go inside itself or what is inside it, and those are not offered.
    assert!(!form.body.contains(&format!("<option value=\"{bay}\"")));
    for inside in [ward, bay] {
        let r = admin
            .submit(
                &page,
                &page,
                &[
                    ("name", "Ward 7"),
                    ("parent", &inside.to_string()),
                    ("action", "save"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert!(r.body.contains("cannot go inside itself"), "{}", r.body);
    }
    let r = admin
        .submit(
            &page,
            &page,
            &[("name", "Surgery"), ("parent", ""), ("action", "save")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("already has a department called Surgery"));
    // Renamed and moved to the top.
    let r = admin
        .submit(
            &page,
            &page,
            &[
                ("name", "Ward 7 (Acute Medicine)"),
                ("parent", ""),
                ("action", "save"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let all = s.departments(org.id).await.unwrap();
    let moved = all.iter().find(|d| d.id == ward).unwrap();
    assert_eq!(
        (moved.name.as_str(), moved.parent_id),
        ("Ward 7 (Acute Medicine)", None)
    );
    // Moved back under Surgery, then removed: its bay and its nurse move up to Surgery.
    admin
        .submit(
            &page,
            &page,
            &[
                ("name", "Ward 7"),
                ("parent", &surgery.to_string()),
                ("action", "save"),
            ],
        )
        .await;
    let r = admin.submit(&page, &page, &[("action", "remove")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let all = s.departments(org.id).await.unwrap();
    assert!(all.iter().all(|d| d.id != ward));
    assert_eq!(
        all.iter().find(|d| d.id == bay).unwrap().parent_id,
        Some(surgery)
    );
    let details = s.staff_details(org.id, nurse).await.unwrap().unwrap();
    assert_eq!(details.department_id, Some(surgery));
    assert_eq!(admin.get(&page).await.status, StatusCode::NOT_FOUND);
    let audit = admin.get("/o/northshire-teaching/admin/audit").await.body;
    assert!(
        audit.contains("renamed Ward 7 to Ward 7 (Acute Medicine)"),
        "{audit}"
    );
    assert!(audit.contains("department removed"));
    // Another organisation's department is not found through this one.
    let dales = s
        .org_by_slug("dalesfield-community")
        .await
        .unwrap()
        .unwrap();
    let theirs = s.department(dales.id, "Community", None).await.unwrap();
    let r = admin
        .get(&format!(
            "/o/northshire-teaching/admin/departments/{theirs}"
        ))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(!r.body.contains("Community"));
}

/// Every route of the router, sent malformed requests by someone allowed to use it:
/// odd query strings, bodies that are not what the route reads, bad encodings. Each gets
/// an answer below 500, and a refusal says what is wrong.
#[tokio::test]
async fn no_route_answers_malformed_input_with_a_500() {
    let app = TestApp::demo().await;
    let mut admin = app
        .signed_in("admin@portal.example", "saffron tide harbour")
        .await;
    let token = marketplace::ops::create_token(
        &app.store,
        "northshire-teaching",
        NORTHSHIRE_ADMIN.0,
        &[
            "org:read".into(),
            "members:read".into(),
            "members:write".into(),
        ],
    )
    .await
    .unwrap();
    let queries = [
        "?page=abc",
        "?page=-9999999999999999999999",
        "?saved=%ZZ&x",
        "?after=1e9&limit=%00",
        "?next=%2F%2Fevil.example",
    ];
    let bodies: [(&str, &[u8]); 4] = [
        (
            "application/x-www-form-urlencoded",
            b"csrf=%ZZ&name=%FF%FE&&=&action=\xff",
        ),
        ("application/json", b"{\"name\": 1}"),
        ("multipart/form-data; boundary=x", b"--x\r\nnot a part"),
        ("text/csv", b"\xff\xfe\x00garbage,,,\n\"unterminated"),
    ];
    for (route, access) in route_table() {
        let path = app.fill_route(route, "northshire-teaching", NURSE.0).await;
        let authorise = |req: axum::http::request::Builder| {
            if access == Access::Api {
                req.header("authorization", format!("Bearer {token}"))
            } else {
                req
            }
        };
        for q in queries {
            let r = admin
                .send(
                    authorise(axum::http::Request::get(format!("{path}{q}")))
                        .body(axum::body::Body::empty())
                        .unwrap(),
                )
                .await;
            assert!(
                r.status.as_u16() < 500,
                "GET {path}{q}: {} {}",
                r.status,
                r.body
            );
        }
        for (kind, body) in bodies {
            let r = admin
                .send(
                    authorise(axum::http::Request::post(&path))
                        .header("content-type", kind)
                        .body(axum::body::Body::from(body.to_vec()))
                        .unwrap(),
                )
                .await;
            assert!(
                r.status.as_u16() < 500,
                "POST {path} as {kind}: {} {}",
                r.status,
                r.body
            );
            if r.status.is_client_error() && r.status != StatusCode::METHOD_NOT_ALLOWED {
                assert!(
                    !r.body.trim().is_empty(),
                    "POST {path} as {kind}: {} says nothing",
                    r.status
                );
            }
        }
    }
}
