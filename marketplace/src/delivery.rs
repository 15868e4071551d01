//! The content origin: uploaded packages are untrusted code, so their files are served
//! from an origin of their own (`content_url`, on `content_port`), never the portal's.
//! It sets no cookie and reads none: a request is let in by a grant in its path, a random
//! token (kept hashed in `content_grants`) for one package of one course, which expires.
//! Content there can read neither the learner's session nor the portal's pages.
//!
//! Now it plays untracked previews: a player page whose SCORM API records nothing,
//! around the package's launch file in a sandboxed frame of the same origin (content
//! finds the API in its parent, which must be same-origin), with a list of the package's
//! parts when it has several SCOs. The frame is of the content origin, so its sandbox
//! keeps scripts and the same origin: what isolates content is the origin, which holds
//! nothing of the portal's.

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use tower_http::compression::Predicate as _;
use tower_http::set_header::SetResponseHeaderLayer;

use crate::secrets::token_hash;
use crate::state::AppState;
use crate::store::{ContentGrant, now};

/// The purpose of a preview's grant.
pub const PREVIEW: &str = "preview";

/// The largest commit the player sends: 2004's 64,000 characters of suspend data
/// (up to four bytes each in UTF-8), with interactions and the rest.
const COMMIT_LIMIT: usize = 1024 * 1024;

/// Files up to this size are read whole rather than streamed.
const SMALL_FILE: u64 = 1024 * 1024;

/// The no-op SCORM API of previews.
const PREVIEW_JS: &str = include_str!("../static/preview.js");

/// The content origin's routes, with `more` (the player's) under the same layers.
pub fn router(state: AppState, more: Router<AppState>) -> Router {
    let router = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route(
            "/static/preview.js",
            get(|| async { crate::web::script(PREVIEW_JS) }),
        )
        .route(
            "/static/nhs.css",
            get(|| async { crate::web::css(crate::web::NHS_CSS) }),
        )
        .route(
            "/static/marketplace.css",
            get(|| async { crate::web::css(crate::web::PORTAL_CSS) }),
        )
        .route("/preview/{token}/", get(preview_player))
        .route("/preview/{token}/files/{*path}", get(preview_file))
        .fallback(|| async { not_found() });
    router
        .merge(more)
        .layer(axum::extract::DefaultBodyLimit::max(COMMIT_LIMIT))
        .with_state(state)
        // Text (HTML, scripts, styles, SVG, JSON) is sent compressed to browsers that
        // ask; images, video and parts of files are sent as they are.
        .layer(
            tower_http::compression::CompressionLayer::new().compress_when(
                tower_http::compression::predicate::DefaultPredicate::new().and(
                    |status: StatusCode,
                     _: axum::http::Version,
                     _: &HeaderMap,
                     _: &axum::http::Extensions| {
                        status != StatusCode::PARTIAL_CONTENT
                    },
                ),
            ),
        )
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        // Grants are in paths: never sent on to whatever a package links to.
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        // Other sites may not load or frame content; only the player (same origin) may.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::HeaderName::from_static("cross-origin-resource-policy"),
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("frame-ancestors 'self'"),
        ))
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CACHE_CONTROL, "no-store")],
        "Not found: this preview may have expired. Open it again from the course's page.",
    )
        .into_response()
}

/// The live grant of `token`, when it is one for `purpose`.
async fn grant_of(state: &AppState, token: &str, purpose: &str) -> Result<ContentGrant, Response> {
    let hash = token_hash(token);
    let at = now();
    if let Some(g) = state
        .plays
        .grant(&hash, at)
        .filter(|g| g.purpose == purpose)
    {
        return Ok(g);
    }
    match state.store.grant(&hash, at).await {
        Ok(Some(g)) if g.purpose == purpose => {
            state.plays.remember_grant(hash, g.clone());
            Ok(g)
        }
        Ok(_) => Err(not_found()),
        Err(e) => {
            tracing::error!(error = %e, "could not read a content grant");
            Err(StatusCode::SERVICE_UNAVAILABLE.into_response())
        }
    }
}

/// `GET /preview/{token}/`: the preview player.
/// Which part of a package the preview plays, from 1.
#[derive(Debug, serde::Deserialize)]
struct PartQuery {
    part: Option<usize>,
}

async fn preview_player(
    State(state): State<AppState>,
    Path(token): Path<String>,
    part: Result<Query<PartQuery>, axum::extract::rejection::QueryRejection>,
) -> Response {
    let grant = match grant_of(&state, &token, PREVIEW).await {
        Ok(g) => g,
        Err(r) => return r,
    };
    let package = match state.store.package_by_sha(&grant.sha256).await {
        Ok(Some(p)) => p,
        Ok(None) => return not_found(),
        Err(e) => {
            tracing::error!(error = %e, "could not read a package");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let title = package.package.title.clone();
    let p = &package.package;
    let parts = crate::model::package_parts(&p.inspection, &p.title, &p.launch);
    // A part that is not a number, or not there, plays the first.
    let current = part
        .ok()
        .and_then(|Query(q)| q.part)
        .unwrap_or(1)
        .clamp(1, parts.len());
    let launch = parts[current - 1].launch.clone();
    let parts: Vec<serde_json::Value> = parts
        .iter()
        .enumerate()
        .map(|(i, p)| serde_json::json!({ "number": i + 1, "title": p.title }))
        .collect();
    let ctx = serde_json::json!({
        "title": title,
        "launch": launch,
        "parts": if parts.len() > 1 { parts } else { Vec::new() },
        "current": current,
        "back": format!("{}/catalogue/{}", state.settings.portal_base(), grant.course_id),
        "version": package.package.scorm_version,
    });
    match crate::web::templates().render("preview.html", &ctx) {
        Ok(html) => (
            [
                (header::CACHE_CONTROL, "no-store"),
                (
                    header::CONTENT_SECURITY_POLICY,
                    "default-src 'self'; img-src 'self' data:; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
                ),
            ],
            Html(html),
        )
            .into_response(),
        Err(e) => {
            tracing::error!(error = ?e, "could not render the preview player");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// `GET /preview/{token}/files/{*path}`: one file of the package, streamed, with its type
/// and an ETag (a package's files never change: its hash names them).
async fn preview_file(
    State(state): State<AppState>,
    Path((token, path)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let grant = match grant_of(&state, &token, PREVIEW).await {
        Ok(g) => g,
        Err(r) => return r,
    };
    serve_file(&state, &grant.sha256, &path, &headers).await
}

/// One file of package `sha256`, streamed, with its type and an ETag (a package's files
/// never change: its hash names them).
pub(crate) async fn serve_file(
    state: &AppState,
    sha256: &str,
    path: &str,
    headers: &HeaderMap,
) -> Response {
    let etag = format!("\"{}\"", &sha256[..sha256.len().min(32)]);
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let cache = "private, max-age=3600";
    if fresh {
        return (
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, etag), (header::CACHE_CONTROL, cache.into())],
        )
            .into_response();
    }
    let key = format!("{}/{path}", crate::content::import::content_folder(sha256));
    let kind = mime_guess::from_path(path).first_or_octet_stream();
    // A part of the file (video and audio seek this way), when one range is asked for
    // and the ETag, if given as If-Range, is still this file's.
    let range = headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .filter(|_| {
            headers
                .get(header::IF_RANGE)
                .and_then(|v| v.to_str().ok())
                .is_none_or(|v| v.trim() == etag)
        });
    if let Some(range) = range {
        return match serve_range(state, &key, range).await {
            Ok(Some((first, last, size, stream))) => (
                StatusCode::PARTIAL_CONTENT,
                [
                    (header::CONTENT_TYPE, kind.essence_str().to_string()),
                    (header::CONTENT_LENGTH, (last - first + 1).to_string()),
                    (
                        header::CONTENT_RANGE,
                        format!("bytes {first}-{last}/{size}"),
                    ),
                    (header::ACCEPT_RANGES, "bytes".into()),
                    (header::ETAG, etag),
                    (header::CACHE_CONTROL, cache.into()),
                ],
                Body::from_stream(stream),
            )
                .into_response(),
            Ok(None) => not_found(),
            Err(Some(size)) => (
                StatusCode::RANGE_NOT_SATISFIABLE,
                [(header::CONTENT_RANGE, format!("bytes */{size}"))],
            )
                .into_response(),
            Err(None) => not_found(),
        };
    }
    // Most of a package is small files: read whole, in one go, where storage allows.
    if let Some(bytes) = state.files.small_file(&key, SMALL_FILE).await {
        return (
            [
                (header::CONTENT_TYPE, kind.essence_str().to_string()),
                (header::ACCEPT_RANGES, "bytes".into()),
                (header::ETAG, etag),
                (header::CACHE_CONTROL, cache.into()),
            ],
            bytes,
        )
            .into_response();
    }
    match state.files.get_stream(&key).await {
        Ok(Some((size, stream))) => (
            [
                (header::CONTENT_TYPE, kind.essence_str().to_string()),
                (header::CONTENT_LENGTH, size.to_string()),
                (header::ACCEPT_RANGES, "bytes".into()),
                (header::ETAG, etag),
                (header::CACHE_CONTROL, cache.into()),
            ],
            Body::from_stream(stream),
        )
            .into_response(),
        Ok(None) | Err(crate::files::FilesError::BadKey(_)) => not_found(),
        Err(e) => {
            // A folder asked for as a file, or storage failing: nothing to serve.
            tracing::warn!(error = %e, "could not serve a package's file");
            not_found()
        }
    }
}

/// A byte stream of the one range `header` asks for in the file `key`: its first and
/// last byte and the file's size; `Ok(None)` when there is no such file; `Err(size)` when
/// the range cannot be satisfied (several ranges are served as one that covers them).
#[allow(clippy::type_complexity)]
async fn serve_range(
    state: &AppState,
    key: &str,
    header: &str,
) -> Result<
    Option<(
        u64,
        u64,
        u64,
        impl futures_util::Stream<Item = Result<axum::body::Bytes, object_store::Error>> + use<>,
    )>,
    Option<u64>,
> {
    let size = match state.files.size(key).await {
        Ok(Some(size)) => size,
        Ok(None) | Err(_) => return Ok(None),
    };
    let ranges = http_range_header::parse_range_header(header)
        .and_then(|r| r.validate(size))
        .map_err(|_| Some(size))?;
    let first = ranges.iter().map(|r| *r.start()).min().ok_or(Some(size))?;
    let last = ranges.iter().map(|r| *r.end()).max().ok_or(Some(size))?;
    match state.files.get_range_stream(key, first..last + 1).await {
        Ok(stream) => Ok(Some((first, last, size, stream))),
        Err(_) => Ok(None),
    }
}

/// Lets the viewer preview `course_id`'s package `sha256`: a grant for
/// `preview_minutes`, and the player's address on the content origin.
pub async fn preview_link(
    state: &AppState,
    course_id: i64,
    sha256: &str,
) -> Result<String, crate::store::StoreError> {
    let token = crate::secrets::random_token();
    let expires = now() + i64::from(state.settings.preview_minutes) * 60;
    state
        .store
        .create_grant(&token_hash(&token), sha256, course_id, PREVIEW, expires)
        .await?;
    Ok(format!(
        "{}/preview/{token}/",
        state.settings.content_base()
    ))
}
