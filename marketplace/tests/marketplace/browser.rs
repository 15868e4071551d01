//! Runs the portal's browser tests (`marketplace/tests/browser/*.mjs`, Node's test
//! runner driving headless Chromium through playwright-core) against the service,
//! started in this process on the demo's data. Skipped with a message when Node, the
//! npm packages or Chromium are missing, except under CI.

use std::path::Path;
use std::process::Command;

use marketplace::app;

use crate::support::TestApp;

fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace")
}

fn missing() -> Option<String> {
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if Command::new("node").arg("--version").output().is_err() {
        return Some("node is not installed".into());
    }
    if !workspace_root()
        .join("node_modules/playwright-core")
        .exists()
    {
        return Some("node_modules is missing: run `npm ci` at the workspace root".into());
    }
    if !Path::new(&chromium).exists() {
        return Some(format!("no Chromium at {chromium}"));
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_in_headless_chromium() {
    if let Some(why) = missing() {
        assert!(
            std::env::var("CI").is_err(),
            "browser tests cannot run in CI: {why}"
        );
        eprintln!("SKIPPED browser tests: {why}");
        return;
    }
    let app = TestApp::demo().await;
    let mut state = app.state.clone();
    // Plain HTTP on this machine: cookies without Secure, as the demo runs.
    let mut settings = (*state.settings).clone();
    settings.secure_cookies = false;
    state.settings = settings.into();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app::serve(listener, state, async {
        let _ = stopped.await;
    }));
    let out = tokio::task::spawn_blocking(move || {
        Command::new("node")
            .args(["--test", "--test-reporter=spec"])
            .arg(workspace_root().join("marketplace/tests/browser/portal.test.mjs"))
            .env("PORTAL_URL", &url)
            .current_dir(workspace_root())
            .output()
            .expect("run node")
    })
    .await
    .unwrap();
    let _ = stop.send(());
    server.await.unwrap().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "browser tests failed:\n{text}");
    eprintln!("{text}");
}
