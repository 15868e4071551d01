//! The service: its state, its router, and serving it from a bound listener until a
//! shutdown signal, so tests can bind port 0.

use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::serve::ListenerExt as _;
use tower_http::request_id::{
    MakeRequestUuid, PropagateRequestIdLayer, RequestId, SetRequestIdLayer,
};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};

pub use crate::state::{Access, AppState, Routes};
use crate::web;

const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Every page route of the service and who it is for (health checks and stylesheets
/// aside), as the router has them.
pub fn route_table() -> Vec<(&'static str, Access)> {
    page_routes().into_parts().2
}

fn page_routes() -> Routes {
    let mut r = Routes::new();
    crate::orgs::routes(&mut r);
    crate::content::routes(&mut r);
    crate::catalogue::routes(&mut r);
    crate::player::routes(&mut r);
    crate::tracking::manager::routes(&mut r);
    crate::accounts::routes(&mut r);
    crate::api::routes(&mut r);
    r
}

/// Every route of the service, with its layers: request ids on every log line,
/// security headers, body and time limits, and CSRF cookies.
pub fn router(state: AppState) -> Router {
    let (pages, uploads, _) = page_routes().into_parts();
    let pages = pages
        .layer(DefaultBodyLimit::max(state.settings.max_body_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ));
    // Uploads stream to disk and count their own bytes; they may take long on a slow line.
    let uploads = uploads
        .layer(DefaultBodyLimit::disable())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(state.settings.upload_timeout_secs),
        ));
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .route("/static/nhs.css", get(|| async { web::css(web::NHS_CSS) }))
        .route("/static/marketplace.css", get(|| async { web::css(web::PORTAL_CSS) }))
        .route("/static/upload.js", get(|| async { web::script(web::UPLOAD_JS) }))
        .route("/static/build.js", get(|| async { web::script(web::BUILD_JS) }))
        .merge(pages)
        .merge(uploads)
        .fallback(|| async { web::Error::NotFound })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            web::csrf_cookie_layer,
        ))
        .with_state(state)
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
            ),
        ))
        .layer(PropagateRequestIdLayer::new(X_REQUEST_ID))
        // The request's id is on the span, so every log line of the request carries it.
        // The URI is logged without its query, which could hold a token.
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request| {
            let id = req
                .extensions()
                .get::<RequestId>()
                .and_then(|r| r.header_value().to_str().ok())
                .unwrap_or("-")
                .to_string();
            tracing::info_span!("request", id = %id, method = %req.method(), path = %req.uri().path())
        })
        .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)))
        .layer(SetRequestIdLayer::new(X_REQUEST_ID, MakeRequestUuid))
}

async fn ready(State(state): State<AppState>) -> Response {
    if state.store.ping().await {
        "ready".into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            "the database is not reachable",
        )
            .into_response()
    }
}

/// The content origin: packages' files and previews, and the player.
pub fn content_router(state: AppState) -> Router {
    crate::delivery::router(state, crate::player::content_routes(Router::new()))
}

/// Sends each response at once: without `TCP_NODELAY`, a body written after its headers
/// waits for the client's delayed acknowledgement (40 ms on Linux).
fn no_delay(stream: &mut tokio::net::TcpStream) {
    if let Err(e) = stream.set_nodelay(true) {
        tracing::debug!(error = %e, "could not set TCP_NODELAY");
    }
}

/// Serves `state` on `listener` (and the content origin on `content`, when given) until
/// `shutdown` completes, then lets requests in flight finish and closes the database.
pub async fn serve(
    listener: tokio::net::TcpListener,
    content: Option<tokio::net::TcpListener>,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let store = state.store.clone();
    let mailer = (!state.settings.smtp_url.is_empty()).then(|| {
        tokio::spawn(crate::mailer::run(
            store.clone(),
            state.settings.smtp_url.expose().to_string(),
            state.settings.mail_from.clone(),
        ))
    });
    let janitor = tokio::spawn(janitor(state.clone()));
    let builders: Vec<_> = (0..state.settings.build_workers)
        .map(|_| tokio::spawn(crate::content::builds::worker(state.clone())))
        .collect();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let content = content.map(|listener| {
        let router = content_router(state.clone());
        let mut stopped = stopped.clone();
        tokio::spawn(async move {
            axum::serve(listener.tap_io(no_delay), router)
                .with_graceful_shutdown(async move {
                    let _ = stopped.changed().await;
                })
                .await
        })
    });
    let app = router(state);
    axum::serve(
        listener.tap_io(no_delay),
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async move {
        shutdown.await;
        let _ = stop.send(true);
    })
    .await?;
    if let Some(content) = content {
        let _ = content.await;
    }
    if let Some(m) = mailer {
        m.abort();
    }
    janitor.abort();
    // A build stopped here is taken again once its lease has passed.
    for b in builders {
        b.abort();
    }
    store.close().await;
    Ok(())
}

/// Removes what killed or failed imports left behind: at start, then every few minutes
/// (another instance's import may pass its deadline at any time).
async fn janitor(state: AppState) {
    remove_stale_uploads(
        &state.settings.data_dir.join("uploads"),
        Duration::from_secs(state.settings.upload_timeout_secs),
    );
    // Builds this process was running when it stopped left their folders.
    let _ = std::fs::remove_dir_all(state.settings.data_dir.join("builds"));
    loop {
        if let Err(e) = crate::content::builds::clean_up(&state).await {
            tracing::warn!(error = %e, "could not clean up after builds");
        }
        if let Err(e) = state.store.delete_expired_grants(crate::store::now()).await {
            tracing::warn!(error = %e, "could not forget expired content grants");
        }
        let now = crate::store::now();
        let log_before = now - i64::from(state.settings.commit_log_days) * 86_400;
        if let Err(e) = state.store.prune_tracking(now, log_before).await {
            tracing::warn!(error = %e, "could not prune player tokens and the commit log");
        }
        match crate::content::import::clean_up(&state.store, &state.files).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(packages = n, "removed what failed imports left"),
            Err(e) => tracing::warn!(error = %e, "could not clean up after failed imports"),
        }
        tokio::time::sleep(Duration::from_secs(300)).await;
    }
}

/// Removes uploads older than `age` from `dir`: a process stopped while receiving them.
fn remove_stale_uploads(dir: &std::path::Path, age: Duration) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|elapsed| elapsed > age);
        let ours = entry.file_name().to_string_lossy().starts_with("upload-");
        if old && ours {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}
