//! `course serve`: builds the course into a preview folder, serves it on localhost, and
//! rebuilds when a source file changes. Pages hold a small script that long-polls the
//! server and reloads the page after each rebuild, or shows the problems found.

use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use notify::{RecursiveMode, Watcher};
use tokio::sync::watch;

use crate::media::CACHE_DIR;
use crate::site::{self, BuildOptions};

/// How `course serve` runs.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub course_dir: PathBuf,
    pub host: String,
    pub port: u16,
    pub build: BuildOptions,
}

/// What the pages learn after each rebuild.
#[derive(Debug, Clone, Default, serde::Serialize)]
struct Status {
    version: u64,
    /// Diagnostics when the last rebuild failed.
    problems: Option<String>,
}

struct AppState {
    out_dir: PathBuf,
    status: watch::Receiver<Status>,
}

const RELOAD_JS: &str = r#"(function () {
  var v = window.__COURSE_PREVIEW_VERSION || 0;
  function show(text) {
    var box = document.getElementById('course-preview-problems');
    if (!box) {
      box = document.createElement('div');
      box.id = 'course-preview-problems';
      box.setAttribute('role', 'alert');
      box.style.cssText = 'position:fixed;left:0;right:0;bottom:0;max-height:50vh;overflow:auto;background:#fff;color:#212b32;border-top:6px solid #d5281b;padding:16px;font:14px/1.4 monospace;z-index:9999;white-space:pre-wrap';
      document.body.appendChild(box);
    }
    box.textContent = 'The course has problems, so the preview shows the last good build:\n\n' + text;
  }
  if (window.__COURSE_PREVIEW_PROBLEMS) { show(window.__COURSE_PREVIEW_PROBLEMS); }
  function poll() {
    fetch('/__course/wait?v=' + v, { cache: 'no-store' }).then(function (r) { return r.json(); }).then(function (s) {
      if (s.problems) { v = s.version; show(s.problems); poll(); }
      else if (s.version !== v) { location.reload(); }
      else { poll(); }
    }).catch(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
"#;

/// Runs the preview server until interrupted.
pub async fn run(opts: ServeOptions) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind((opts.host.as_str(), opts.port))
        .await
        .map_err(|e| {
            let hint = if e.kind() == std::io::ErrorKind::AddrInUse {
                "another program is using that port: choose another with --port, or --port 0 for any free one"
            } else {
                "check --host and --port"
            };
            anyhow::anyhow!("cannot listen on {}:{}: {e}; {hint}", opts.host, opts.port)
        })?;
    serve_on(listener, opts, shutdown_signal()).await
}

async fn shutdown_signal() {
    let _ = tokio::signal::ctrl_c().await;
}

/// Serves on an already-bound listener (tests bind port 0) until `shutdown` completes.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    opts: ServeOptions,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let course_dir = opts.course_dir.clone();
    let out_dir = course_dir.join(CACHE_DIR).join("preview");
    let (tx, rx) = watch::channel(Status::default());
    rebuild(&course_dir, &out_dir, &opts.build, &tx);

    let (ev_tx, mut ev_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let watch_dir = course_dir.clone();
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        if let Ok(ev) = res
            && ev.paths.iter().any(|p| !site::is_generated(&watch_dir, p))
            && !matches!(ev.kind, notify::EventKind::Access(_))
        {
            let _ = ev_tx.send(());
        }
    })?;
    watcher.watch(&course_dir, RecursiveMode::Recursive)?;
    let build_opts = opts.build.clone();
    let (cd, od) = (course_dir.clone(), out_dir.clone());
    tokio::spawn(async move {
        let _watcher = watcher;
        while ev_rx.recv().await.is_some() {
            // Editors save in several steps; let them finish, then build once.
            tokio::time::sleep(Duration::from_millis(25)).await;
            while ev_rx.try_recv().is_ok() {}
            let (cd, od, bo, tx) = (cd.clone(), od.clone(), build_opts.clone(), tx.clone());
            let _ = tokio::task::spawn_blocking(move || rebuild(&cd, &od, &bo, &tx)).await;
        }
    });

    let state = Arc::new(AppState {
        out_dir,
        status: rx,
    });
    let app = Router::new()
        .route("/__course/wait", get(wait))
        .route(
            "/__course/reload.js",
            get(|| async { ([(header::CONTENT_TYPE, "text/javascript")], RELOAD_JS) }),
        )
        .fallback(get(file))
        .with_state(state);
    let addr: SocketAddr = listener.local_addr()?;
    println!(
        "Previewing {} at http://{addr}/ (Ctrl+C to stop)",
        course_dir.display()
    );
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}

fn rebuild(course_dir: &Path, out_dir: &Path, opts: &BuildOptions, tx: &watch::Sender<Status>) {
    let started = Instant::now();
    let version = tx.borrow().version + 1;
    match site::build(course_dir, out_dir, opts) {
        Ok(r) => {
            if !r.diagnostics.is_empty() {
                eprint!("{}", r.diagnostics.render(course_dir));
            }
            eprintln!(
                "Rebuilt {} pages in {} ms",
                r.pages,
                started.elapsed().as_millis()
            );
            tx.send_replace(Status {
                version,
                problems: None,
            });
        }
        Err(site::BuildError::Invalid(d)) => {
            let text = d.render(course_dir);
            eprint!("{text}");
            tx.send_replace(Status {
                version,
                problems: Some(text),
            });
        }
        Err(e) => {
            eprintln!("error: {e}");
            tx.send_replace(Status {
                version,
                problems: Some(e.to_string()),
            });
        }
    }
}

#[derive(serde::Deserialize)]
struct WaitQuery {
    v: u64,
}

async fn wait(State(state): State<Arc<AppState>>, Query(q): Query<WaitQuery>) -> Response {
    let mut rx = state.status.clone();
    // Mark the current value as seen, so `changed` waits for the next build.
    if rx.borrow_and_update().version == q.v {
        let _ = tokio::time::timeout(Duration::from_secs(25), rx.changed()).await;
    }
    let status = rx.borrow().clone();
    ([(header::CACHE_CONTROL, "no-store")], axum::Json(status)).into_response()
}

async fn file(State(state): State<Arc<AppState>>, uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    let rel = if path.is_empty() || path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path.to_string()
    };
    let rel = PathBuf::from(rel);
    if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return (StatusCode::BAD_REQUEST, "bad path").into_response();
    }
    let full = state.out_dir.join(&rel);
    let status = state.status.borrow().clone();
    let ext = rel.extension().and_then(|e| e.to_str()).unwrap_or("");
    let Ok(bytes) = tokio::fs::read(&full).await else {
        if ext == "html" {
            // No page (yet): a page that says why and reloads once the course builds,
            // so a course broken from the start still shows its problems.
            let page = format!(
                "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Course preview</title></head><body><h1>There is no page {} in the preview</h1><p>It appears here as soon as the course builds.</p>{}</body></html>",
                crate::questions::escape(&rel.to_string_lossy()),
                preview_scripts(&status)
            );
            return (
                StatusCode::NOT_FOUND,
                [
                    (header::CONTENT_TYPE, content_type("html")),
                    (header::CACHE_CONTROL, "no-cache"),
                ],
                page,
            )
                .into_response();
        }
        return (StatusCode::NOT_FOUND, "Not found").into_response();
    };
    let ctype = content_type(ext);
    let body = if ext == "html" {
        let html = String::from_utf8_lossy(&bytes);
        let tag = format!("{}</body>", preview_scripts(&status));
        html.replacen("</body>", &tag, 1).into_bytes()
    } else {
        bytes
    };
    (
        [
            (header::CONTENT_TYPE, ctype),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// The scripts every preview page carries: the build it shows, the problems of the
/// latest build if it failed (shown at once, not only after the next edit), and the
/// reload script.
fn preview_scripts(status: &Status) -> String {
    let problems = status
        .problems
        .as_ref()
        .map(|p| {
            // JSON is a JavaScript literal; `</` is escaped so no text ends the script.
            let json = serde_json::to_string(p)
                .unwrap_or_default()
                .replace("</", "<\\/");
            format!("window.__COURSE_PREVIEW_PROBLEMS={json};")
        })
        .unwrap_or_default();
    format!(
        "<script>window.__COURSE_PREVIEW_VERSION={};{problems}</script><script src=\"/__course/reload.js\"></script>",
        status.version
    )
}

/// The content type of a file in a built course.
pub fn content_type(ext: &str) -> &'static str {
    match ext {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "vtt" => "text/vtt; charset=utf-8",
        "mp4" | "m4v" => "video/mp4",
        "webm" => "video/webm",
        "mp3" => "audio/mpeg",
        "ogg" | "oga" => "audio/ogg",
        "wav" => "audio/wav",
        "pdf" => "application/pdf",
        "woff2" => "font/woff2",
        _ => "application/octet-stream",
    }
}
