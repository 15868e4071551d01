//! The player: enrolling, "My learning", launching, and on the content origin the player
//! page with the SCORM API and the tracking API it commits to.
//!
//! A launch (from the portal, signed in) fixes the enrolment's version, then hands the
//! learner to the content origin with a random token that covers that one enrolment and
//! expires (`player_hours`). There the player page starts a session of one SCO: the
//! values it begins with come from what is stored (resumed, or a new attempt, by each
//! version's rules), and only this session may write to the attempt from now on, so a
//! second tab takes over and the first is told. The page holds the run-time rules
//! (`static/scorm-runtime.js`, with tables generated from `packager::cmi`) and sends the
//! SCO's SetValue calls to `commit`, where they are checked again and stored.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;

use crate::model::{Part, package_parts};
use crate::secrets::{random_token, token_hash};
use crate::state::{Access, AppState, Routes};
use crate::store::{CatalogueQuery, CommitWrite, Enrolment, PackageRecord, Stored, now};
use crate::tracking::{self, CommitBody, LaunchData};
use crate::web::{self, Error, Viewer, templates};

pub fn routes(r: &mut Routes) {
    r.add("/learning", Access::SignedIn, get(my_learning));
    r.add(
        "/learning/{enrolment_id}/launch",
        Access::SignedIn,
        get(launch),
    );
    r.add(
        "/catalogue/{course_id}/enrol",
        Access::SignedIn,
        post(self_enrol),
    );
}

/// The run-time rules, for the player page.
const RUNTIME_JS: &str = include_str!("../../static/scorm-runtime.js");
/// The player page's script: the API objects, commits, status.
const PLAYER_JS: &str = include_str!("../../static/player.js");

/// The content origin's player routes.
pub fn content_routes(router: axum::Router<AppState>) -> axum::Router<AppState> {
    router
        .route(
            "/static/scorm-runtime.js",
            get(|| async { web::script(RUNTIME_JS) }),
        )
        .route(
            "/static/player.js",
            get(|| async { web::script(PLAYER_JS) }),
        )
        .route("/play/{token}/", get(player_page))
        .route("/play/{token}/files/{*path}", get(play_file))
        .route("/play/{token}/commit", post(commit))
}

/// A course `org_id` may enrol its people on: its own, or another's free listing, with a
/// published version.
pub async fn enrollable(
    state: &AppState,
    org_id: i64,
    course_id: i64,
) -> web::Result<Option<crate::store::CatalogueEntry>> {
    let query = CatalogueQuery {
        course_id: Some(course_id),
        viewer_orgs: vec![org_id],
        limit: 1,
        ..CatalogueQuery::default()
    };
    let entry = state.store.catalogue(&query).await?.0.into_iter().next();
    Ok(entry.filter(|e| e.org_id == org_id || e.listing.price_pence == 0))
}

/// The newest published version of a course.
async fn newest_published(
    state: &AppState,
    owner: i64,
    course_id: i64,
) -> web::Result<Option<crate::store::Version>> {
    Ok(state
        .store
        .versions(owner, course_id)
        .await?
        .into_iter()
        .filter(|v| v.published_at.is_some())
        .max_by_key(|v| v.number))
}

/// What "My learning" shows of an enrolment.
pub fn status_label(status: &str) -> &'static str {
    match status {
        "not-started" => "Not started",
        "in-progress" => "In progress",
        "completed" => "Completed",
        "passed" => "Passed",
        "failed" => "Failed",
        _ => "Unknown",
    }
}

/// A duration in seconds as people read it: "1 hour 5 minutes", "3 minutes".
pub fn time_spent(seconds: f64) -> String {
    let minutes = (seconds / 60.0).round() as i64;
    let (h, m) = (minutes / 60, minutes % 60);
    let plural = |n: i64, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
    match (h, m) {
        (0, 0) if seconds > 0.0 => "Under a minute".into(),
        (0, 0) => "None".into(),
        (0, m) => plural(m, "minute"),
        (h, 0) => plural(h, "hour"),
        (h, m) => format!("{} {}", plural(h, "hour"), plural(m, "minute")),
    }
}

/// A score from 0 to 1 as a percentage.
pub fn percent(score: Option<f64>) -> Option<String> {
    score.map(|s| format!("{}%", (s * 100.0).round() as i64))
}

/// `GET /learning`: the viewer's courses with status and due date, to launch and relaunch.
async fn my_learning(State(state): State<AppState>, viewer: Viewer) -> web::Result<Response> {
    let me = viewer.require("/learning")?;
    let today = crate::model::today();
    let rows: Vec<serde_json::Value> = state
        .store
        .learning(me.user.id)
        .await?
        .into_iter()
        .map(|r| {
            let e = &r.enrolment;
            let overdue = e.due_on.as_deref().is_some_and(|d| d < today.as_str())
                && !matches!(e.status.as_str(), "completed" | "passed");
            json!({
                "id": e.id,
                "course_id": e.course_id,
                "title": r.title,
                "status": e.status,
                "status_label": status_label(&e.status),
                "due_on": e.due_on,
                "overdue": overdue,
                "score": percent(e.score),
                "action": match e.status.as_str() {
                    "not-started" => "Start",
                    "in-progress" => "Continue",
                    _ => "Open again",
                },
            })
        })
        .collect();
    templates().page(
        "learning.html",
        "My learning",
        &viewer,
        None,
        json!({ "enrolments": rows }),
    )
}

/// `GET /learning/{enrolment_id}/launch`: fixes the version at the first launch and opens
/// the player on the content origin.
async fn launch(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> web::Result<Response> {
    let me = viewer.require("/learning")?;
    let id: i64 = id.parse().map_err(|_| Error::NotFound)?;
    let enrolment = state
        .store
        .enrolment(id)
        .await?
        .filter(|e| e.user_id == me.user.id)
        .ok_or(Error::NotFound)?;
    if enrolment.version_id.is_none() {
        let owner = course_owner(&state, enrolment.course_id).await?;
        let Some(v) = newest_published(&state, owner, enrolment.course_id).await? else {
            return Err(Error::Conflict(
                "This course has no published version to play yet. Try again later, or ask your training team.".into(),
            ));
        };
        state.store.pin_version(enrolment.id, v.id).await?;
    }
    let token = random_token();
    let expires = now() + i64::from(state.settings.player_hours) * 3600;
    state
        .store
        .create_player_session(&token_hash(&token), enrolment.id, expires)
        .await?;
    Ok(Redirect::to(&format!("{}/play/{token}/", state.settings.content_base())).into_response())
}

/// The organisation that owns `course_id`.
async fn course_owner(state: &AppState, course_id: i64) -> web::Result<i64> {
    state
        .store
        .course_org(course_id)
        .await?
        .ok_or(Error::NotFound)
}

#[derive(Deserialize)]
struct EnrolForm {
    #[serde(default)]
    csrf: String,
    /// The organisation (slug) the learner enrols through, when they belong to several.
    #[serde(default)]
    org: String,
}

/// `POST /catalogue/{course_id}/enrol`: the viewer enrols themselves, through an
/// organisation of theirs that allows it and may use the course.
async fn self_enrol(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::Form(form): axum::Form<EnrolForm>,
) -> web::Result<Response> {
    let me = viewer.require(&format!("/catalogue/{id}"))?;
    web::check_csrf(&viewer, &form.csrf)?;
    let course_id: i64 = id.parse().map_err(|_| Error::NotFound)?;
    for m in state.store.memberships(me.user.id).await? {
        if (!form.org.is_empty() && m.org.slug != form.org)
            || !state.store.self_enrolment(m.org.id).await?
        {
            continue;
        }
        if enrollable(&state, m.org.id, course_id).await?.is_some() {
            state
                .store
                .enrol(
                    m.org.id,
                    me.user.id,
                    course_id,
                    "self",
                    Some(me.user.id),
                    None,
                )
                .await?;
            return Ok(Redirect::to("/learning").into_response());
        }
    }
    Err(Error::Forbidden(
        "Your organisation does not let you enrol yourself on this course. Ask your training team to enrol you.".into(),
    ))
}

/// The viewer's organisations that may use `course_id`, as `(slug, name)`: those through
/// which they may enrol themselves, and those whose training they manage.
pub async fn enrolling_orgs(
    state: &AppState,
    viewer: &Viewer,
    course_id: i64,
) -> web::Result<(Vec<(String, String)>, Vec<(String, String)>)> {
    let (mut own, mut managed) = (Vec::new(), Vec::new());
    let Some(me) = &viewer.user else {
        return Ok((own, managed));
    };
    for m in state.store.memberships(me.user.id).await? {
        if enrollable(state, m.org.id, course_id).await?.is_none() {
            continue;
        }
        let named = (m.org.slug.clone(), m.org.name.clone());
        if state.store.self_enrolment(m.org.id).await? {
            own.push(named.clone());
        }
        let roles = state.store.roles(m.org.id, me.user.id).await?;
        if roles.iter().any(|r| r.manages_training()) {
            managed.push(named);
        }
    }
    Ok((own, managed))
}

/// The content origin's answer to a token that opens nothing.
fn gone() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CACHE_CONTROL, "no-store")],
        "Not found: this launch has expired. Open the course again from My learning.",
    )
        .into_response()
}

fn unavailable(e: impl std::fmt::Display) -> Response {
    tracing::error!(error = %e, "the player could not reach storage");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, "5")],
        "The service is busy: try again in a moment.",
    )
        .into_response()
}

/// What a launch opens: the enrolment and its version's package.
pub struct Play {
    pub enrolment: Enrolment,
    pub package: Arc<PackageRecord>,
    pub parts: Arc<Vec<Part>>,
}

async fn play_of(state: &AppState, token: &str) -> Result<Play, Response> {
    let hash = token_hash(token);
    let at = now();
    if let Some(enrolment) = state.plays.token(&hash, at) {
        return play_with(state, enrolment).await;
    }
    let (id, expires) = match state.store.player_session(&hash, at).await {
        Ok(Some(found)) => found,
        Ok(None) => return Err(gone()),
        Err(e) => return Err(unavailable(e)),
    };
    let enrolment = match state.store.enrolment(id).await {
        Ok(Some(e)) => e,
        Ok(None) => return Err(gone()),
        Err(e) => return Err(unavailable(e)),
    };
    // A launch's enrolment and version never change: the next request needs no query.
    state.plays.remember_token(hash, expires, enrolment.clone());
    play_with(state, enrolment).await
}

/// What enrolment `id` plays, once its version is fixed.
pub async fn play_of_enrolment(state: &AppState, id: i64) -> Result<Play, Response> {
    let enrolment = match state.store.enrolment(id).await {
        Ok(Some(e)) => e,
        Ok(None) => return Err(gone()),
        Err(e) => return Err(unavailable(e)),
    };
    play_with(state, enrolment).await
}

async fn play_with(state: &AppState, enrolment: Enrolment) -> Result<Play, Response> {
    let Some(version) = enrolment.version_id else {
        return Err(gone());
    };
    if let Some((package, parts)) = state.plays.version(version) {
        return Ok(Play {
            enrolment,
            package,
            parts,
        });
    }
    let package = match state.store.version_package(version).await {
        Ok(Some(p)) => Arc::new(p),
        Ok(None) => return Err(gone()),
        Err(e) => return Err(unavailable(e)),
    };
    let p = &package.package;
    let parts = Arc::new(package_parts(&p.inspection, &p.title, &p.launch));
    state
        .plays
        .remember_version(version, package.clone(), parts.clone());
    Ok(Play {
        enrolment,
        package,
        parts,
    })
}

/// The manifest's data for the item `item` (mastery score, launch data, limits).
fn item_data(inspection: &serde_json::Value, item: &str) -> LaunchData {
    fn find<'a>(items: &'a serde_json::Value, id: &str) -> Option<&'a serde_json::Value> {
        for it in items.as_array()? {
            if it["identifier"] == id {
                return Some(it);
            }
            if let Some(found) = find(&it["children"], id) {
                return Some(found);
            }
        }
        None
    }
    let found = inspection["organizations"]
        .as_array()
        .into_iter()
        .flatten()
        .find_map(|o| find(&o["items"], item));
    let Some(it) = found else {
        return LaunchData::default();
    };
    let text = |k: &str| it[k].as_str().map(str::to_string);
    LaunchData {
        mastery_score: it["mastery_score"].as_f64(),
        scaled_passing_score: it["scaled_passing_score"].as_f64(),
        data_from_lms: text("data_from_lms"),
        max_time_allowed: text("max_time_allowed"),
        time_limit_action: text("time_limit_action"),
        completion_threshold: text("completion_threshold"),
        ..LaunchData::default()
    }
}

#[derive(Debug, Deserialize)]
struct ScoQuery {
    sco: Option<usize>,
}

/// `GET /play/{token}/`: starts a session of one SCO (`?sco=N`, from 1) and plays it.
async fn player_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    query: Result<Query<ScoQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let play = match play_of(&state, &token).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let current = query
        .ok()
        .and_then(|Query(q)| q.sco)
        .unwrap_or(1)
        .clamp(1, play.parts.len());
    match start(&state, &play, current).await {
        Ok(html) => (
            [
                (header::CACHE_CONTROL, "no-store"),
                (
                    header::CONTENT_SECURITY_POLICY,
                    "default-src 'self'; img-src 'self' data:; frame-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
                ),
            ],
            Html(html),
        )
            .into_response(),
        Err(r) => r,
    }
}

/// Starts the session and renders the player.
/// A session begun: its id, and the values the SCO starts from.
pub struct Begun {
    pub session: String,
    pub values: Vec<(String, String)>,
}

/// Begins a session of part `current` (from 1) of the enrolment: the values it starts
/// from (resumed, or a new attempt), and from now on only this session may write.
pub async fn begin_session(
    state: &AppState,
    play: &Play,
    current: usize,
) -> Result<Begun, crate::store::StoreError> {
    let version = tracking::api_version(&play.package.package.scorm_version);
    let part = &play.parts[current - 1];
    let inspection: serde_json::Value =
        serde_json::from_str(&play.package.package.inspection).unwrap_or_default();
    let name = state
        .store
        .user_by_id(play.enrolment.user_id)
        .await?
        .map(|u| u.name)
        .unwrap_or_default();
    let data = LaunchData {
        learner_id: play.enrolment.user_id.to_string(),
        learner_name: tracking::scorm_name(&name),
        ..item_data(&inspection, &part.item)
    };
    let launch = tracking::launch_values(version, &data);
    let previous = state
        .store
        .latest_attempt(play.enrolment.id, &part.item)
        .await?;
    let (number, values) = match &previous {
        Some(p) => tracking::next_start(version, p, &launch),
        None => (1, launch),
    };
    // Start values are the LMS's own: no rule applies to them, so this cannot refuse.
    let outcome = tracking::rebuild(version, &values, &[])
        .map(|rt| rt.outcome())
        .unwrap_or_else(|_| packager::cmi::Runtime::new(version).outcome());
    let session = random_token();
    state.plays.forget_attempts(play.enrolment.id);
    state
        .store
        .start_session(
            play.enrolment.id,
            &part.item,
            number,
            &tracking::pairs_json(&values),
            &session,
            &outcome,
        )
        .await?;
    Ok(Begun { session, values })
}

/// Starts the session and renders the player.
async fn start(state: &AppState, play: &Play, current: usize) -> Result<String, Response> {
    let version = tracking::api_version(&play.package.package.scorm_version);
    let part = &play.parts[current - 1];
    let Begun { session, values } = begin_session(state, play, current)
        .await
        .map_err(unavailable)?;
    let statuses = state
        .store
        .latest_attempts(play.enrolment.id)
        .await
        .unwrap_or_default();
    let parts: Vec<serde_json::Value> = play
        .parts
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let status = statuses
                .iter()
                .find(|a| a.sco == p.item)
                .map(|a| part_status(&a.completion, &a.success))
                .unwrap_or("Not started");
            json!({ "number": i + 1, "title": p.title, "item": p.item, "status": status })
        })
        .collect();
    let course = state
        .store
        .course_title(play.enrolment.course_id)
        .await
        .ok()
        .flatten()
        .unwrap_or_else(|| play.package.package.title.clone());
    let tables = packager::cmi::tables(version);
    let window = state
        .store
        .launch_in(play.enrolment.course_id)
        .await
        .unwrap_or_default()
        == "window";
    let data = json!({
        "tables": tables,
        "start": values,
        "session": session,
        "sco": current,
        "items": play.parts.iter().map(|p| &p.item).collect::<Vec<_>>(),
        "back": format!("{}/learning", state.settings.portal_base()),
        "window": window,
        "launch": format!("files/{}", part.launch),
    });
    // The data sits in a script element: no `<` may close it early.
    let data = data.to_string().replace('<', "\\u003c");
    let ctx = json!({
        "title": course,
        "part": part.title,
        "launch": part.launch,
        "parts": if parts.len() > 1 { parts } else { Vec::new() },
        "current": current,
        "previous": (current > 1).then(|| current - 1),
        "next": (current < play.parts.len()).then(|| current + 1),
        "back": format!("{}/learning", state.settings.portal_base()),
        "data": data,
        "window": window,
    });
    templates().render("player.html", &ctx).map_err(|e| {
        tracing::error!(error = ?e, "could not render the player");
        StatusCode::INTERNAL_SERVER_ERROR.into_response()
    })
}

/// A part's status as the table of contents shows it.
fn part_status(completion: &str, success: &str) -> &'static str {
    match (completion, success) {
        (_, "passed") => "Passed",
        (_, "failed") => "Failed",
        ("completed", _) => "Completed",
        ("incomplete", _) => "In progress",
        _ => "Started",
    }
}

/// `GET /play/{token}/files/{*path}`: a file of the enrolment's package.
async fn play_file(
    State(state): State<AppState>,
    Path((token, path)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let play = match play_of(&state, &token).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    crate::delivery::serve_file(&state, &play.package.package.sha256, &path, &headers).await
}

fn answer(status: StatusCode, body: serde_json::Value) -> Response {
    (
        status,
        [(header::CACHE_CONTROL, "no-store")],
        axum::Json(body),
    )
        .into_response()
}

/// `POST /play/{token}/commit`: the SCO's SetValue calls since the last acknowledged
/// commit, checked again with `packager::cmi` and stored in one transaction. Answers
/// 200 once durable (or when a newer commit is stored already), 409 when another
/// session has taken the attempt over, 422 when the rules refuse a value, nothing stored.
/// The body is read as JSON whatever its declared type (a beacon sends `text/plain`).
async fn commit(State(state): State<AppState>, Path(token): Path<String>, body: Bytes) -> Response {
    let play = match play_of(&state, &token).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let Ok(text) = std::str::from_utf8(&body) else {
        return answer(
            StatusCode::BAD_REQUEST,
            json!({ "error": "the commit is not UTF-8 text" }),
        );
    };
    let c: CommitBody = match serde_json::from_str(text) {
        Ok(c) => c,
        Err(e) => {
            return answer(
                StatusCode::BAD_REQUEST,
                json!({ "error": format!("the commit is not what the player sends: {e}") }),
            );
        }
    };
    match apply_commit(&state, &play, &c, text).await {
        Ok(Stored::Stored) => answer(StatusCode::OK, json!({ "stored": c.seq })),
        Ok(Stored::Stale) => answer(StatusCode::OK, json!({ "stored": c.seq, "stale": true })),
        Ok(Stored::Superseded) => answer(StatusCode::CONFLICT, json!({ "error": "superseded" })),
        Ok(Stored::Moved) => answer(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({ "error": "busy: send it again" }),
        ),
        Err(CommitError::NoSuchPart) => answer(
            StatusCode::BAD_REQUEST,
            json!({ "error": "no such part of the course" }),
        ),
        Err(CommitError::Refused(refused)) => {
            tracing::warn!(element = %refused.element, error = %refused.error, "a commit was refused");
            answer(
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({ "error": "refused", "refused": refused }),
            )
        }
        Err(CommitError::Store(e)) => unavailable(e),
    }
}

/// Why a commit was not stored.
#[derive(Debug)]
pub enum CommitError {
    NoSuchPart,
    Refused(tracking::Refused),
    Store(crate::store::StoreError),
}

impl From<crate::store::StoreError> for CommitError {
    fn from(e: crate::store::StoreError) -> Self {
        CommitError::Store(e)
    }
}

/// Checks commit `c` of the enrolment again with `packager::cmi` and stores it, with the
/// enrolment's roll-up, in one transaction; `text` is the commit as received.
pub async fn apply_commit(
    state: &AppState,
    play: &Play,
    c: &CommitBody,
    text: &str,
) -> Result<Stored, CommitError> {
    let part = c
        .sco
        .checked_sub(1)
        .and_then(|i| play.parts.get(i))
        .ok_or(CommitError::NoSuchPart)?;
    let enrolment = play.enrolment.id;
    // From what this process stored last, or the database; once more from the database
    // if another instance has stored a commit of this attempt since.
    for fresh in [false, true] {
        let cached = if fresh {
            None
        } else {
            state.plays.attempts(enrolment)
        };
        let all = match cached {
            Some(all) => all,
            None => state.store.attempts_of(enrolment).await?,
        };
        let (stored, all) = commit_on(state, play, part, c, text, all).await?;
        match stored {
            Stored::Stored => {
                state.plays.remember_attempts(enrolment, all);
                return Ok(Stored::Stored);
            }
            // Only what the database says now is the answer: the memory may hold an
            // older session's attempt, remembered as a new one began.
            other => {
                state.plays.forget_attempts(enrolment);
                if fresh && other != Stored::Moved {
                    return Ok(other);
                }
            }
        }
    }
    // Moved again while read afresh: the player sends it again.
    Ok(Stored::Moved)
}

/// Commit `c` built on `all`, the enrolment's attempts as read: what became of it, and
/// the attempts as they are now if it was stored.
async fn commit_on(
    state: &AppState,
    play: &Play,
    part: &Part,
    c: &CommitBody,
    text: &str,
    mut all: Vec<crate::store::Attempt>,
) -> Result<(Stored, Vec<crate::store::Attempt>), CommitError> {
    let Some(attempt) = all
        .iter()
        .filter(|a| a.sco == part.item)
        .max_by_key(|a| a.number)
        .cloned()
    else {
        return Ok((Stored::Superseded, all));
    };
    if attempt.session != c.session {
        return Ok((Stored::Superseded, all));
    }
    if c.seq <= attempt.seq {
        return Ok((Stored::Stale, all));
    }
    let version = tracking::api_version(&play.package.package.scorm_version);
    let start = tracking::parse_pairs(&attempt.start);
    let mut sets = tracking::parse_pairs(&attempt.sets);
    tracking::merge(&mut sets, &c.sets);
    let mut rt = tracking::rebuild(version, &start, &sets).map_err(CommitError::Refused)?;
    if c.end {
        tracking::end_session(
            &mut rt,
            version,
            (now() - attempt.session_started_at) as f64,
        );
    }
    let outcome = tracking::report(&rt, version, c.end);
    let sets_json = tracking::pairs_json(&sets);
    for a in all.iter_mut().filter(|a| a.id == attempt.id) {
        a.completion = outcome.completion.clone();
        a.success = outcome.success.clone();
        a.score = outcome.score;
        a.seconds = outcome.seconds;
        a.location = outcome.location.clone();
        a.seq = c.seq;
        a.sets = sets_json.clone();
        a.ended = i64::from(c.end);
        a.updated_at = now();
    }
    let write = CommitWrite {
        attempt_id: attempt.id,
        session: c.session.clone(),
        seq: c.seq,
        based_on: attempt.seq,
        sets: sets_json,
        ended: c.end,
        objectives: tracking::objectives(version, &rt, &c.sets),
        interactions: tracking::interactions(version, &rt, &c.sets),
        rollup: tracking::rollup(play.enrolment.id, play.parts.len(), &all),
        outcome,
        body: text.to_string(),
    };
    Ok((state.store.save_commit(write).await?, all))
}
