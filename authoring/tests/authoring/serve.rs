//! `course serve`: the preview serves the built course and a saved edit reaches the
//! browser's reload request quickly.

use std::time::{Duration, Instant};

use crate::support::{Fixture, Server};

/// The build a preview page shows, as its script tells the reload script.
fn preview_version(body: &str) -> u64 {
    body.split("__COURSE_PREVIEW_VERSION=")
        .nth(1)
        .and_then(|s| s.split(';').next())
        .and_then(|s| s.parse().ok())
        .expect("version in page")
}

#[test]
fn preview_serves_pages_and_reloads_after_an_edit() {
    let f = Fixture::new("minimal");
    let server = Server::start(f.path());
    let (status, body) = server.get("/first.html");
    assert_eq!(status, 200);
    assert!(body.contains("Welcome to Example Trust."));
    assert!(
        body.contains("/__course/reload.js"),
        "preview pages carry the reload script"
    );
    assert_eq!(server.get("/nothing-here.html").0, 404);
    let (outside, outside_body) = server.get("/../course.toml");
    assert!(
        outside == 400 || outside == 404,
        "nothing outside the built course: {outside}"
    );
    assert!(!outside_body.contains("fixture-course"));

    let version = preview_version(&body);
    // A browser waits for the next build; the edit must reach it well under a second.
    let waiter = {
        let url = server.url.clone();
        std::thread::spawn(move || {
            let s = Server::probe(&url);
            let started = Instant::now();
            let (_, body) = s.get(&format!("/__course/wait?v={version}"));
            (started.elapsed(), body)
        })
    };
    std::thread::sleep(Duration::from_millis(200));
    let edited = Instant::now();
    f.edit(
        "lessons/first.md",
        "Use hand rub often.",
        "Use hand rub at every moment.",
    );
    let (_, wait_body) = waiter.join().unwrap();
    let latency = edited.elapsed();
    assert!(
        wait_body.contains(&format!("\"version\":{}", version + 1)),
        "{wait_body}"
    );
    assert!(
        latency < Duration::from_millis(1000),
        "edit took {latency:?} to reach the browser"
    );
    assert!(
        server
            .get("/first.html")
            .1
            .contains("</a> at every moment.")
    );

    // A broken edit is reported to the page, and the last good build stays up.
    f.edit("lessons/first.md", "- [x] Right", "- [ ] Right");
    let (_, problems) = server.get(&format!("/__course/wait?v={}", version + 1));
    assert!(problems.contains("no-correct-answer"), "{problems}");
    assert!(
        server
            .get("/first.html")
            .1
            .contains("</a> at every moment.")
    );
}

#[test]
fn a_course_broken_from_the_start_shows_its_problems_and_recovers() {
    let f = Fixture::new("minimal");
    f.edit("lessons/first.md", "- [x] Right", "- [ ] Right");
    let server = Server::start(f.path());
    // No page was ever built: the browser still gets a page with the problems and the
    // reload script, not a bare 404.
    let (status, body) = server.get("/");
    assert_eq!(status, 404);
    assert!(body.contains("/__course/reload.js"), "{body}");
    assert!(
        body.contains("__COURSE_PREVIEW_PROBLEMS") && body.contains("no-correct-answer"),
        "{body}"
    );
    let version = preview_version(&body);
    f.edit("lessons/first.md", "- [ ] Right", "- [x] Right");
    let (_, wait) = server.get(&format!("/__course/wait?v={version}"));
    assert!(wait.contains("\"problems\":null"), "{wait}");
    let (status, body) = server.get("/");
    assert_eq!(status, 200, "{body}");
    assert!(!body.contains("__COURSE_PREVIEW_PROBLEMS"), "{body}");

    // Broken again: a reload shows the last good page, with the current problems on it.
    f.edit("lessons/first.md", "- [x] Right", "- [ ] Right");
    let (_, wait) = server.get(&format!("/__course/wait?v={}", version + 1));
    assert!(wait.contains("no-correct-answer"), "{wait}");
    let (status, body) = server.get("/first.html");
    assert_eq!(status, 200);
    assert!(
        body.contains("__COURSE_PREVIEW_PROBLEMS") && body.contains("no-correct-answer"),
        "{body}"
    );
}
