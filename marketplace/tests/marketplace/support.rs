//! Fresh databases for each test, on each backend, and an in-process HTTP client that
//! keeps cookies like a browser.

use std::collections::BTreeMap;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use marketplace::app::{AppState, router};
use marketplace::settings::Settings;
use marketplace::store::Store;
use tower::ServiceExt as _;

/// A database that exists for one test: a SQLite file in a temporary folder, or a new
/// PostgreSQL database dropped afterwards.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    drop_pg: Option<(String, String)>,
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin, name)) = self.drop_pg.take() {
            // Dropped on a thread of its own: a test's runtime may be shutting down.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .ok()?;
                rt.block_on(async {
                    let pool = sqlx::PgPool::connect(&admin).await.ok()?;
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                    )))
                    .execute(&pool)
                    .await
                    .ok()
                })
            })
            .join();
        }
    }
}

fn unique() -> String {
    marketplace::secrets::random_token()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(12)
        .collect::<String>()
        .to_ascii_lowercase()
}

pub fn sqlite_db() -> TestDb {
    let dir = tempfile::tempdir().unwrap();
    TestDb {
        url: format!("sqlite://{}", dir.path().join("test.db").display()),
        _dir: Some(dir),
        drop_pg: None,
    }
}

/// A fresh PostgreSQL database when `TEST_DATABASE_URL` names a server; under CI its
/// absence fails the test.
pub async fn postgres_db() -> Option<TestDb> {
    let Ok(admin) = std::env::var("TEST_DATABASE_URL") else {
        assert!(
            std::env::var("CI").is_err(),
            "CI must run the PostgreSQL tests: set TEST_DATABASE_URL"
        );
        eprintln!("SKIPPED PostgreSQL: TEST_DATABASE_URL is not set");
        return None;
    };
    let name = format!("mkt_test_{}", unique());
    let pool = sqlx::PgPool::connect(&admin)
        .await
        .expect("connect to TEST_DATABASE_URL");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&pool)
        .await
        .expect("create a test database");
    pool.close().await;
    let (base, _) = admin
        .rsplit_once('/')
        .expect("a database URL ends with /NAME");
    Some(TestDb {
        url: format!("{base}/{name}"),
        _dir: None,
        drop_pg: Some((admin, name)),
    })
}

/// A fresh database on every backend there is: SQLite always, PostgreSQL when set.
pub async fn every_backend() -> Vec<TestDb> {
    let mut dbs = vec![sqlite_db()];
    dbs.extend(postgres_db().await);
    dbs
}

/// What an import records of a one-page package of `scorm_version` whose hash is
/// `sha256`, for tests that need a package row and no files.
pub fn new_package(sha256: &str, scorm_version: &str) -> marketplace::store::NewPackage {
    marketplace::store::NewPackage {
        sha256: sha256.into(),
        scorm_version: scorm_version.into(),
        title: "x".into(),
        launch: "index.html".into(),
        sco_count: 1,
        file_count: 1,
        unpacked_bytes: 1,
        zip_bytes: 1,
        inspection: "{}".into(),
    }
}

/// Settings for tests: cheap password hashing, plain-HTTP cookies off.
pub fn settings() -> Settings {
    Settings {
        argon2_memory_kib: 8 * 1024,
        // Courses are built by the service's own binary, which a test is not.
        builder_program: env!("CARGO_BIN_EXE_marketplace").into(),
        ..Settings::default()
    }
}

/// The service on a fresh store, with a client.
pub struct TestApp {
    pub store: Store,
    pub state: AppState,
    _db: TestDb,
    _files: tempfile::TempDir,
}

impl TestApp {
    pub async fn on(db: TestDb) -> Self {
        Self::on_with_files(db, None).await
    }

    /// On SQLite, with the demo's organisations and people, keeping files in `files`.
    pub async fn demo_with_files(files: marketplace::files::Files) -> Self {
        let app = Self::on_with_files(sqlite_db(), Some(files)).await;
        marketplace::ops::demo_data(&app.store, &app.state.settings)
            .await
            .unwrap();
        app
    }

    /// On `db`, keeping files in `files` (a new local folder when `None`).
    async fn on_with_files(db: TestDb, files: Option<marketplace::files::Files>) -> Self {
        let store = Store::connect(&db.url).await.unwrap();
        let files_dir = tempfile::tempdir().unwrap();
        let files = files.unwrap_or_else(|| {
            marketplace::files::Files::local(&files_dir.path().join("storage")).unwrap()
        });
        let settings = Settings {
            data_dir: files_dir.path().join("data"),
            ..settings()
        };
        let state = AppState::new(store.clone(), files, settings);
        Self {
            store,
            state,
            _db: db,
            _files: files_dir,
        }
    }

    /// On `db`, with the demo's organisations and people.
    pub async fn demo_on(db: TestDb) -> Self {
        let app = Self::on(db).await;
        marketplace::ops::demo_data(&app.store, &app.state.settings)
            .await
            .unwrap();
        app
    }

    /// On SQLite, with the demo's organisations and people.
    pub async fn demo() -> Self {
        let app = Self::on(sqlite_db()).await;
        marketplace::ops::demo_data(&app.store, &app.state.settings)
            .await
            .unwrap();
        app
    }

    /// `route` from the router's table with every placeholder filled with something real
    /// of organisation `slug`: its slug, `member`'s id, a department of its own.
    pub async fn fill_route(&self, route: &str, slug: &str, member: &str) -> String {
        let org = self.store.org_by_slug(slug).await.unwrap().unwrap();
        let member = self.store.user_by_email(member).await.unwrap().unwrap().id;
        let department = self
            .store
            .department(org.id, "Swept department", None)
            .await
            .unwrap();
        let course = match self
            .store
            .course_by_external_id(org.id, "swept")
            .await
            .unwrap()
        {
            Some(c) => c.id,
            None => {
                let sha = "5".repeat(64);
                let package = match self.store.package_by_sha(&sha).await.unwrap() {
                    Some(p) => p,
                    None => self
                        .store
                        .finish_import(&new_package(&sha, "1.2"))
                        .await
                        .unwrap(),
                };
                let listing = marketplace::store::Listing {
                    title: "Swept course".into(),
                    ..Default::default()
                };
                self.store
                    .create_course(org.id, Some("swept"), &listing, package.id)
                    .await
                    .unwrap()
                    .id
            }
        };
        let build = self
            .store
            .create_build(org.id, member, None, "scorm2004", "swept.zip", 1)
            .await
            .unwrap();
        let (enrolment, _) = self
            .store
            .enrol(org.id, member, course, "assigned", None, None)
            .await
            .unwrap();
        let filled = route
            .replace("{slug}", slug)
            .replace("{user_id}", &member.to_string())
            .replace("{department_id}", &department.to_string())
            .replace("{token}", "not-a-real-token")
            .replace("{course_id}", &course.to_string())
            .replace("{build_id}", &build.to_string())
            .replace("{enrolment_id}", &enrolment.to_string());
        assert!(!filled.contains('{'), "fill the placeholder of {route}");
        filled
    }

    /// The organisation `slug`, which the test knows is there.
    pub async fn org(&self, slug: &str) -> marketplace::model::Organisation {
        self.store.org_by_slug(slug).await.unwrap().unwrap()
    }

    /// A client of the same service run with other settings (smaller limits, say).
    pub fn client_with(&self, settings: Settings) -> Client {
        Client {
            state: AppState::new(self.store.clone(), self.state.files.clone(), settings),
            cookies: BTreeMap::new(),
        }
    }

    pub fn client(&self) -> Client {
        Client {
            state: self.state.clone(),
            cookies: BTreeMap::new(),
        }
    }

    /// A client signed in as `email`.
    pub async fn signed_in(&self, email: &str, password: &str) -> Client {
        let mut c = self.client();
        let r = c.sign_in(email, password).await;
        assert_eq!(
            r.status,
            StatusCode::SEE_OTHER,
            "sign in as {email}: {}",
            r.body
        );
        c
    }
}

/// Imports `zip` as a new course of organisation `slug`, uploaded by `email`: the course,
/// and its package's hash.
pub async fn import_course(
    app: &TestApp,
    slug: &str,
    email: &str,
    zip: &[u8],
) -> (marketplace::store::Course, String) {
    let org = app.org(slug).await;
    let person = app.store.user_by_email(email).await.unwrap().unwrap();
    let received = marketplace::content::import::receive_blocking(
        &mut &zip[..],
        &app.state.settings.data_dir.join("uploads"),
    )
    .unwrap();
    let (report, placed) =
        marketplace::content::accept_upload(&app.state, &org, Some(person.id), None, &received)
            .await
            .unwrap();
    let placed = placed.unwrap_or_else(|| panic!("refused: {report:?}"));
    (placed.course, report.package.unwrap().package.sha256)
}

/// Lists course `id` of `slug` in the national catalogue as `title`, free, and publishes
/// its first version.
pub async fn publish_listed(app: &TestApp, slug: &str, id: i64, title: &str) {
    let org = app.org(slug).await;
    let listing = marketplace::store::Listing {
        title: title.into(),
        language: "en-GB".into(),
        ..Default::default()
    };
    app.store
        .update_listing(org.id, id, &listing, true)
        .await
        .unwrap();
    app.store.publish_version(org.id, id, 1).await.unwrap();
}

/// Sends `request` to the content origin's router of `app`.
pub async fn on_content(app: &TestApp, request: Request<Body>) -> Resp {
    let response = marketplace::app::content_router(app.state.clone())
        .oneshot(request)
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    Resp {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
        bytes: bytes.to_vec(),
    }
}

/// What a request got back.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
    /// The body as sent, for what is not text.
    pub bytes: Vec<u8>,
}

impl Resp {
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_string))
            .collect()
    }

    /// The value of the first form's hidden CSRF field.
    pub fn csrf(&self) -> String {
        let at = self
            .body
            .find("name=\"csrf\" value=\"")
            .expect("a form with a CSRF field");
        let rest = &self.body[at + "name=\"csrf\" value=\"".len()..];
        rest[..rest.find('"').unwrap()].to_string()
    }
}

/// Calls the router in-process, keeping cookies as a browser would.
pub struct Client {
    state: AppState,
    pub cookies: BTreeMap<String, String>,
}

impl Client {
    pub async fn send(&mut self, req: Request<Body>) -> Resp {
        let mut req = req;
        if !self.cookies.is_empty() {
            let header = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>()
                .join("; ");
            req.headers_mut()
                .insert(header::COOKIE, header.parse().unwrap());
        }
        let res = router(self.state.clone()).oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let body = axum::body::to_bytes(res.into_body(), 16 << 20)
            .await
            .unwrap();
        let resp = Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
            bytes: body.to_vec(),
        };
        for c in resp.set_cookies() {
            let c = cookie::Cookie::parse(c).unwrap();
            if c.max_age() == Some(time::Duration::ZERO) || c.value().is_empty() {
                self.cookies.remove(c.name());
            } else {
                self.cookies
                    .insert(c.name().to_string(), c.value().to_string());
            }
        }
        resp
    }

    pub async fn get(&mut self, path: &str) -> Resp {
        self.send(Request::get(path).body(Body::empty()).unwrap())
            .await
    }

    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let body = fields
            .iter()
            .map(|(k, v)| {
                format!(
                    "{}={}",
                    percent_encoding::utf8_percent_encode(k, percent_encoding::NON_ALPHANUMERIC),
                    percent_encoding::utf8_percent_encode(v, percent_encoding::NON_ALPHANUMERIC)
                )
            })
            .collect::<Vec<_>>()
            .join("&");
        self.send(
            Request::post(path)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }

    /// Posts `fields` and one file as `multipart/form-data`, as a browser uploads.
    pub async fn upload(
        &mut self,
        path: &str,
        fields: &[(&str, &str)],
        file: (&str, &str, &[u8]),
    ) -> Resp {
        let boundary = "----portal-test-boundary-7d3f";
        let mut body = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        let (name, filename, bytes) = file;
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: text/csv\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        self.send(
            Request::post(path)
                .header(
                    header::CONTENT_TYPE,
                    format!("multipart/form-data; boundary={boundary}"),
                )
                .body(Body::from(body))
                .unwrap(),
        )
        .await
    }

    /// Posts a form read from `page` first, with its CSRF token.
    pub async fn submit(&mut self, page: &str, action: &str, fields: &[(&str, &str)]) -> Resp {
        let csrf = self.get(page).await.csrf();
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post(action, &all).await
    }

    pub async fn sign_in(&mut self, email: &str, password: &str) -> Resp {
        self.submit(
            "/sign-in",
            "/sign-in",
            &[("email", email), ("password", password)],
        )
        .await
    }
}
