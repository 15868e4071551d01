//! Runs the browser tests (`authoring/tests/browser/*.mjs`, Node's test runner driving
//! headless Chromium through playwright-core) against a served sample course.
//!
//! Needs Node.js, `npm ci` at the workspace root and Chromium. Where any is missing the
//! test says so and passes, except under CI (`CI=true`), where it fails.

use std::process::Command;

use crate::support::{Fixture, Server, workspace_root};

fn missing() -> Option<String> {
    let root = workspace_root();
    let chromium = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    if Command::new("node").arg("--version").output().is_err() {
        return Some("node is not installed".into());
    }
    if !root.join("node_modules/playwright-core").exists()
        || !root.join("node_modules/axe-core").exists()
    {
        return Some("node_modules is missing: run `npm ci` at the workspace root".into());
    }
    if !std::path::Path::new(&chromium).exists() {
        return Some(format!(
            "no Chromium at {chromium}: install Debian's chromium package"
        ));
    }
    None
}

#[test]
fn course_runtime_in_headless_chromium() {
    if let Some(why) = missing() {
        assert!(
            std::env::var("CI").is_err(),
            "browser tests cannot run in CI: {why}"
        );
        eprintln!("SKIPPED browser tests: {why}");
        return;
    }
    let f = Fixture::sample("hand-hygiene");
    let server = Server::start(f.path());
    // Every page of the other samples is checked too, one of them in the plain theme.
    let security = Fixture::sample("data-security");
    security.edit("course.toml", "name = \"nhs\"", "name = \"plain\"");
    let fire = Fixture::sample("fire-safety");
    let others = [Server::start(security.path()), Server::start(fire.path())];
    let other_urls: Vec<&str> = others.iter().map(|s| s.url.as_str()).collect();
    // A Welsh course in both themes, checked for English as a learner meets it.
    let welsh = Fixture::new("welsh");
    let welsh_plain = Fixture::new("welsh");
    welsh_plain.edit("course.toml", "name = \"nhs\"", "name = \"plain\"");
    let welsh_servers = [
        Server::start(welsh.path()),
        Server::start(welsh_plain.path()),
    ];
    let welsh_urls: Vec<&str> = welsh_servers.iter().map(|s| s.url.as_str()).collect();
    let english: Vec<String> = crate::language::english_fragments()
        .into_iter()
        .map(|(_, piece)| piece)
        .collect();
    let out = Command::new("node")
        .arg("--test")
        .arg("--test-reporter=spec")
        .arg(workspace_root().join("authoring/tests/browser/course.test.mjs"))
        .env("COURSE_URL", &server.url)
        .env("OTHER_COURSE_URLS", other_urls.join(" "))
        .env("WELSH_COURSE_URLS", welsh_urls.join(" "))
        .env(
            "ENGLISH_FRAGMENTS",
            serde_json::to_string(&english).unwrap(),
        )
        .current_dir(workspace_root())
        .output()
        .expect("run node");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "browser tests failed:\n{text}");
    eprintln!("{text}");
}
