//! The JSON API under `/api/v1/`, for scripts and HR systems: bearer tokens that each
//! belong to one organisation and carry scopes (issued with `marketplace token create`),
//! errors as problem details (RFC 9457), and the OpenAPI document that describes it.

use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::model::Organisation;
use crate::secrets::token_hash;
use crate::state::{Access, AppState, Routes};
use crate::store::{ApiToken, StoreError};

pub fn routes(r: &mut Routes) {
    r.add("/api/v1/openapi.json", Access::Public, get(openapi));
    r.add("/api/v1/orgs/{slug}", Access::Api, get(organisation));
    r.add("/api/v1/orgs/{slug}/members", Access::Api, get(members));
    r.add("/api/v1/orgs/{slug}/staff", Access::Api, post(import_staff));
    r.add("/api/v1/orgs/{slug}/catalogue", Access::Api, get(catalogue));
    r.add_upload(
        "/api/v1/orgs/{slug}/catalogue-uploads",
        Access::Api,
        post(upload_catalogue),
    );
    r.add_upload(
        "/api/v1/orgs/{slug}/packages",
        Access::Api,
        post(upload_package),
    );
    r.add_upload(
        "/api/v1/orgs/{slug}/course-builds",
        Access::Api,
        post(upload_course_sources),
    );
    r.add(
        "/api/v1/orgs/{slug}/course-builds/{build_id}",
        Access::Api,
        get(course_build),
    );
}

/// `GET /api/v1/orgs/{slug}/catalogue`: the catalogue as the organisation's people see
/// it (listed courses, and its own), with the page's query parameters.
async fn catalogue(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
    search: Result<Query<crate::catalogue::Search>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Problem> {
    let org = caller.org(&slug, "courses:read")?;
    let Query(search) =
        search.map_err(|e| Problem::new(StatusCode::BAD_REQUEST, "Bad request", e.body_text()))?;
    let (query, page) = search.query(vec![org.id]);
    let (courses, total) = state.store.catalogue(&query).await?;
    let cap = crate::store::SEARCH_COUNT_CAP;
    let pages = crate::web::page_count(total.min(cap), query.limit);
    Ok(axum::Json(serde_json::json!({
        "courses": courses,
        // A search stops counting past the cap: then `total` is the cap and `more`
        // says there were more.
        "total": total.min(cap),
        "more": total > cap,
        "page": page,
        "pages": pages,
    }))
    .into_response())
}

/// `POST /api/v1/orgs/{slug}/catalogue-uploads`: a zip of packages and
/// `catalogue.csv` (or `.json`) as the body; a report per row.
async fn upload_catalogue(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
    request: axum::extract::Request,
) -> Result<Response, Problem> {
    let org = caller.org(&slug, "courses:write")?.clone();
    let received = crate::content::import::receive(
        request.into_body().into_data_stream(),
        &state.settings.data_dir.join("uploads"),
        state.settings.max_catalogue_bytes,
    )
    .await?;
    match crate::content::bulk::run(&state, &org, caller.0.user_id, &received).await {
        Ok(report) => Ok(axum::Json(report).into_response()),
        Err(crate::content::bulk::BulkError::File(message)) => Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Catalogue refused",
            message,
        )),
        Err(crate::content::bulk::BulkError::Import(e)) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct PackageQuery {
    /// The course the package is a new version of; without it, a new course.
    course: Option<i64>,
}

impl From<crate::content::import::ImportError> for Problem {
    fn from(e: crate::content::import::ImportError) -> Self {
        use crate::content::import::ImportError as E;
        match e {
            E::TooLarge(max) => Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Too large",
                format!("A package may be at most {max} bytes"),
            ),
            E::Empty => Problem::new(
                StatusCode::BAD_REQUEST,
                "Bad request",
                "Send the package's zip as the request body",
            ),
            E::Interrupted(why) => Problem::new(
                StatusCode::BAD_REQUEST,
                "Bad request",
                format!("The upload was interrupted: {why}"),
            ),
            E::Busy => Problem::new(StatusCode::CONFLICT, "Conflict", e.to_string()),
            E::Store(e) => e.into(),
            other => Problem::internal(other),
        }
    }
}

/// Receives the request's body (up to `max` bytes) to disk, once `course`, if named, is
/// known to be one of `org`'s.
async fn receive_for(
    state: &AppState,
    org: &Organisation,
    course: Option<i64>,
    request: axum::extract::Request,
    max: u64,
) -> Result<crate::content::import::Received, Problem> {
    if let Some(id) = course
        && state.store.course(org.id, id).await?.is_none()
    {
        return Err(Problem::new(
            StatusCode::NOT_FOUND,
            "Not found",
            "No such course in this organisation",
        ));
    }
    Ok(crate::content::import::receive(
        request.into_body().into_data_stream(),
        &state.settings.data_dir.join("uploads"),
        max,
    )
    .await?)
}

/// `POST /api/v1/orgs/{slug}/packages`: the zip as the body, streamed to disk; the
/// inspector's report, with the course it became (201), or why it was refused (422).
async fn upload_package(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
    query: Result<Query<PackageQuery>, axum::extract::rejection::QueryRejection>,
    request: axum::extract::Request,
) -> Result<Response, Problem> {
    let org = caller.org(&slug, "courses:write")?.clone();
    let Query(q) = query.map_err(|e| {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "Bad request",
            format!("`course` is a course's id: {}", e.body_text()),
        )
    })?;
    let received = receive_for(
        &state,
        &org,
        q.course,
        request,
        state.settings.max_package_bytes,
    )
    .await?;
    let (report, placed) =
        crate::content::accept_upload(&state, &org, Some(caller.0.user_id), q.course, &received)
            .await?;
    match placed {
        Some(placed) => {
            let status = if placed.new_version {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            Ok((
                status,
                axum::Json(serde_json::json!({
                    "report": report,
                    "course": placed.course,
                    "version": placed.version,
                })),
            )
                .into_response())
        }
        None => {
            let mut p = Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "Package refused",
                report
                    .refusal
                    .as_ref()
                    .map(|r| r.reason.clone())
                    .or_else(|| report.notes.first().cloned())
                    .unwrap_or_else(|| "The package has errors: see the report".into()),
            );
            p.extra = Some(("report", serde_json::json!(report)));
            Err(p)
        }
    }
}

#[derive(Debug, Deserialize)]
struct BuildQuery {
    /// The course the sources are a new version of; without it, a new course.
    course: Option<i64>,
    /// `scorm2004` (the default) or `scorm12`.
    format: Option<String>,
    /// The sources' file name, for the build's page.
    name: Option<String>,
}

/// `POST /api/v1/orgs/{slug}/course-builds`: a zip of a Markdown course's folder as the
/// body, queued to be built (202, with the build and where to follow it).
async fn upload_course_sources(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
    query: Result<Query<BuildQuery>, axum::extract::rejection::QueryRejection>,
    request: axum::extract::Request,
) -> Result<Response, Problem> {
    let org = caller.org(&slug, "courses:write")?.clone();
    let bad = |detail: String| Problem::new(StatusCode::BAD_REQUEST, "Bad request", detail);
    let Query(q) = query.map_err(|e| {
        bad(format!(
            "`course` is a course's id, `format` scorm2004 or scorm12: {}",
            e.body_text()
        ))
    })?;
    let format_name = q.format.as_deref().unwrap_or("scorm2004");
    let format = crate::content::builds::format_named(format_name).ok_or_else(|| {
        bad(format!(
            "`format` is scorm2004 or scorm12, not {format_name}"
        ))
    })?;
    let received = receive_for(
        &state,
        &org,
        q.course,
        request,
        state.settings.max_course_source_bytes,
    )
    .await?;
    let id = crate::content::builds::enqueue(
        &state,
        &org,
        caller.0.user_id,
        q.course,
        format,
        q.name.as_deref().unwrap_or("sources.zip"),
        &received,
    )
    .await?;
    let build = state
        .store
        .build(org.id, id)
        .await?
        .ok_or_else(|| Problem::internal("the build just queued is missing"))?;
    let location = format!("/api/v1/orgs/{slug}/course-builds/{id}");
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, location)],
        axum::Json(crate::content::builds::build_json(&build)),
    )
        .into_response())
}

/// `GET /api/v1/orgs/{slug}/course-builds/{build_id}`: a build: its status, and when it
/// has finished, the compiler's diagnostics or the course and version it made.
async fn course_build(
    State(state): State<AppState>,
    caller: Caller,
    Path((slug, id)): Path<(String, String)>,
) -> Result<Response, Problem> {
    let org = caller.org(&slug, "courses:read")?;
    let missing = || Problem::new(StatusCode::NOT_FOUND, "Not found", "No such build");
    let id: i64 = id.parse().map_err(|_| missing())?;
    let build = state.store.build(org.id, id).await?.ok_or_else(missing)?;
    Ok(axum::Json(crate::content::builds::build_json(&build)).into_response())
}

/// An API error, as `application/problem+json`.
#[derive(Debug)]
pub struct Problem {
    status: StatusCode,
    title: &'static str,
    detail: String,
    /// Members added to the problem object (RFC 9457 extensions), such as a report.
    extra: Option<(&'static str, serde_json::Value)>,
}

impl Problem {
    fn new(status: StatusCode, title: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            title,
            detail: detail.into(),
            extra: None,
        }
    }

    /// 500: logged under a reference, which is all the response shows.
    fn internal(e: impl std::fmt::Display) -> Self {
        Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal error",
            format!(
                "Something went wrong; quote reference {} to support",
                crate::web::log_internal(e)
            ),
        )
    }
}

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => {
                Problem::new(StatusCode::NOT_FOUND, "Not found", "No such resource")
            }
            StoreError::Conflict(what) => Problem::new(
                StatusCode::CONFLICT,
                "Conflict",
                format!("That {what} is already taken"),
            ),
            other => Problem::internal(other),
        }
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let mut body = serde_json::json!({
            "type": "about:blank",
            "title": self.title,
            "status": self.status.as_u16(),
            "detail": self.detail,
        });
        if let Some((name, value)) = self.extra {
            body[name] = value;
        }
        let mut r = (self.status, body.to_string()).into_response();
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            header::HeaderValue::from_static("application/problem+json"),
        );
        if self.status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        r
    }
}

/// The caller: a live bearer token.
pub struct Caller(pub ApiToken);

impl FromRequestParts<AppState> for Caller {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                Problem::new(
                    StatusCode::UNAUTHORIZED,
                    "Unauthorised",
                    "Send an API token: Authorization: Bearer mkt_…",
                )
            })?;
        match state.store.token(&token_hash(token)).await? {
            Some(t) => Ok(Caller(t)),
            None => Err(Problem::new(
                StatusCode::UNAUTHORIZED,
                "Unauthorised",
                "The API token is not valid, or has been revoked",
            )),
        }
    }
}

impl Caller {
    /// The caller's own organisation, when `slug` is it and the token has `scope`.
    fn org(&self, slug: &str, scope: &str) -> Result<&Organisation, Problem> {
        if self.0.org.slug != slug {
            // Another organisation's existence is not confirmed or denied.
            return Err(Problem::new(
                StatusCode::NOT_FOUND,
                "Not found",
                "No such organisation for this token",
            ));
        }
        if !self.0.scopes.iter().any(|s| s == scope) {
            return Err(Problem::new(
                StatusCode::FORBIDDEN,
                "Forbidden",
                format!("This token lacks the `{scope}` scope"),
            ));
        }
        Ok(&self.0.org)
    }
}

/// `GET /api/v1/orgs/{slug}`: the organisation, with its logo's address when it has one.
async fn organisation(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
    headers: axum::http::HeaderMap,
) -> Result<Response, Problem> {
    let org = caller.org(&slug, "org:read")?;
    let mut body = serde_json::json!(org);
    body["logo_url"] = org
        .logo_url()
        .map(|url| format!("{}{url}", crate::web::link_base(&state, &headers)))
        .into();
    Ok(axum::Json(body).into_response())
}

/// Members returned in one page when the caller does not say.
const MEMBERS_PAGE: i64 = 100;
/// The most members one page holds.
const MEMBERS_PAGE_MAX: i64 = 1000;

#[derive(Deserialize)]
struct MembersQuery {
    /// The `id` of the last member of the previous page.
    after: Option<i64>,
    limit: Option<i64>,
}

async fn members(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
    query: Result<Query<MembersQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Problem> {
    let org = caller.org(&slug, "members:read")?;
    let Query(q) = query.map_err(|e| {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "Bad request",
            format!("`after` and `limit` are whole numbers: {}", e.body_text()),
        )
    })?;
    let limit = q.limit.unwrap_or(MEMBERS_PAGE);
    if !(1..=MEMBERS_PAGE_MAX).contains(&limit) {
        return Err(Problem::new(
            StatusCode::BAD_REQUEST,
            "Bad request",
            format!("`limit` is from 1 to {MEMBERS_PAGE_MAX}"),
        ));
    }
    let members = state
        .store
        .member_records(org.id, q.after.unwrap_or(0), limit)
        .await?;
    // A full page may have more after it; the last page says so by having no `next`.
    let next = (members.len() as i64 == limit)
        .then(|| {
            members
                .last()
                .map(|m| format!("/api/v1/orgs/{slug}/members?after={}&limit={limit}", m.id))
        })
        .flatten();
    Ok(axum::Json(serde_json::json!({ "members": members, "next": next })).into_response())
}

#[derive(Deserialize)]
struct DryRun {
    #[serde(default)]
    dry_run: bool,
}

async fn import_staff(
    State(state): State<AppState>,
    caller: Caller,
    Path(slug): Path<String>,
    Query(q): Query<DryRun>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Result<Response, Problem> {
    let org = caller.org(&slug, "members:write")?.clone();
    let base = crate::web::link_base(&state, &headers);
    match crate::orgs::staff::import(
        &state.store,
        &org,
        &body,
        !q.dry_run,
        Some(caller.0.user_id),
        Some(&base),
    )
    .await
    {
        Ok(report) => Ok(axum::Json(report).into_response()),
        Err(crate::orgs::staff::ImportError::File(m)) => Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "The file cannot be imported",
            m,
        )),
        Err(crate::orgs::staff::ImportError::Store(e)) => Err(e.into()),
    }
}

/// The OpenAPI document: what each route takes and returns.
async fn openapi() -> Response {
    axum::Json(document()).into_response()
}

/// The OpenAPI 3.1 description of the API.
pub fn document() -> serde_json::Value {
    let problem = serde_json::json!({ "$ref": "#/components/responses/Problem" });
    let slug = serde_json::json!({ "name": "slug", "in": "path", "required": true, "schema": { "type": "string" } });
    serde_json::json!({
        "openapi": "3.1.0",
        "info": { "title": "NHS learning portal API", "version": "1" },
        "components": {
            "securitySchemes": { "token": { "type": "http", "scheme": "bearer", "description": "An API token from `marketplace token create`; it belongs to one organisation and carries scopes." } },
            "responses": { "Problem": { "description": "A problem (RFC 9457)", "content": { "application/problem+json": { "schema": { "type": "object", "properties": { "type": { "type": "string" }, "title": { "type": "string" }, "status": { "type": "integer" }, "detail": { "type": "string" } } } } } } }
        },
        "security": [{ "token": [] }],
        "paths": {
            "/api/v1/orgs/{slug}": { "get": {
                "summary": "The organisation (scope org:read): its sub-site's details, and `logo_url`, the address of its logo (null without one)", "parameters": [slug],
                "responses": { "200": { "description": "The organisation and its branding" }, "401": problem, "403": problem, "404": problem }
            } },
            "/api/v1/orgs/{slug}/catalogue": { "get": {
                "summary": "The national catalogue as this organisation's people see it (scope courses:read), 20 courses a page",
                "parameters": [slug,
                    { "name": "q", "in": "query", "description": "words to search for", "schema": { "type": "string" } },
                    { "name": "topic", "in": "query", "schema": { "type": "string" } },
                    { "name": "provider", "in": "query", "description": "an organisation's slug", "schema": { "type": "string" } },
                    { "name": "price", "in": "query", "schema": { "enum": ["free", "paid"] } },
                    { "name": "format", "in": "query", "schema": { "enum": ["1.2", "2004"] } },
                    { "name": "duration", "in": "query", "schema": { "enum": ["short", "medium", "long"] } },
                    { "name": "sort", "in": "query", "schema": { "enum": ["relevance", "title", "newest", "price"] } },
                    { "name": "page", "in": "query", "schema": { "type": "integer", "minimum": 1 } }],
                "responses": { "200": { "description": "{ courses: [{ id, title, summary, topics, audience, duration_minutes, language, accessibility_notes, price_pence, licence_months, review_by, provider, provider_slug, scorm_version }], total, page, pages }" }, "401": problem, "403": problem, "404": problem }
            } },
            "/api/v1/orgs/{slug}/catalogue-uploads": { "post": {
                "summary": "Upload a whole catalogue (scope courses:write): a zip of packages and catalogue.csv or catalogue.json, as the body",
                "parameters": [slug],
                "requestBody": { "content": { "application/zip": { "schema": { "type": "string", "format": "binary" } } } },
                "responses": { "200": { "description": "{ rows: [{ line, course_id, title, outcome, detail }], created, new_versions, updated, unchanged, errors }" }, "413": problem, "422": problem, "401": problem, "403": problem, "404": problem }
            } },
            "/api/v1/orgs/{slug}/course-builds": { "post": {
                "summary": "Upload a Markdown course's folder as a zip, the body, to be built (scope courses:write): ?format=scorm2004 (default) or scorm12, ?course=ID for a new version, ?name= the file's name. Answers 202 with the build; follow Location",
                "parameters": [slug, { "name": "format", "in": "query", "schema": { "type": "string", "enum": ["scorm2004", "scorm12"] } }, { "name": "course", "in": "query", "schema": { "type": "integer" } }, { "name": "name", "in": "query", "schema": { "type": "string" } }],
                "requestBody": { "content": { "application/zip": { "schema": { "type": "string", "format": "binary" } } } },
                "responses": { "202": { "description": "Queued" }, "401": { "description": "No valid token" }, "413": { "description": "Too large" } } } },
            "/api/v1/orgs/{slug}/course-builds/{build_id}": { "get": {
                "summary": "A build (scope courses:read): status (queued, running, succeeded, failed), the compiler's findings with file and line, and the course and version made",
                "parameters": [slug, { "name": "build_id", "in": "path", "required": true, "schema": { "type": "integer" } }],
                "responses": { "200": { "description": "The build" }, "404": { "description": "No such build" } } } },
            "/api/v1/orgs/{slug}/packages": { "post": {
                "summary": "Upload a SCORM 1.2 or 2004 package, the zip as the body (scope courses:write): a new course, or with ?course=ID a new version of one",
                "parameters": [slug, { "name": "course", "in": "query", "schema": { "type": "integer" } }],
                "requestBody": { "content": { "application/zip": { "schema": { "type": "string", "format": "binary" } } } },
                "responses": { "201": { "description": "{ report, course, version }: accepted as a new course or version" }, "200": { "description": "the package is already the course's newest version" }, "413": problem, "422": problem, "401": problem, "403": problem, "404": problem }
            } },
            "/api/v1/orgs/{slug}/members": { "get": {
                "summary": "Its members, their roles and HR details, a page at a time by account id (scope members:read); follow `next` until it is null",
                "parameters": [slug,
                    { "name": "after", "in": "query", "description": "the `id` of the last member of the previous page", "schema": { "type": "integer" } },
                    { "name": "limit", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": MEMBERS_PAGE_MAX, "default": MEMBERS_PAGE } }],
                "responses": { "200": { "description": "{ members: [{ id, email, name, roles, employee_number, job_role, department, line_manager_email, start_date }], next: URL or null }" }, "400": problem, "401": problem, "403": problem, "404": problem }
            } },
            "/api/v1/orgs/{slug}/staff": { "post": {
                "summary": "Import a staff CSV (scope members:write); ?dry_run=true only reports", "parameters": [slug, { "name": "dry_run", "in": "query", "schema": { "type": "boolean" } }],
                "requestBody": { "required": true, "content": { "text/csv": { "schema": { "type": "string" } } } },
                "responses": { "200": { "description": "The report: a line per row" }, "401": problem, "403": problem, "404": problem, "422": problem }
            } },
            "/api/v1/openapi.json": { "get": { "summary": "This document", "security": [], "responses": { "200": { "description": "OpenAPI 3.1" } } } }
        }
    })
}
