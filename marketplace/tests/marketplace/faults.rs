//! Faults under load, with the service as its own process: `kill -9` while 100 learners
//! commit loses no commit the service acknowledged, on SQLite and on PostgreSQL; and
//! when the service is down a commit fails, and sent again once it is back, is stored.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use marketplace::tracking::load;

use crate::support::every_backend;

/// Starts `marketplace serve` on `url`; the child and the content origin's address.
fn serve(url: &str, data: &std::path::Path) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_marketplace"))
        .arg("serve")
        .env("MARKETPLACE_DATABASE_URL", url)
        .env("MARKETPLACE_PORT", "0")
        .env("MARKETPLACE_CONTENT_PORT", "0")
        .env("MARKETPLACE_DATA_DIR", data)
        .env("MARKETPLACE_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lines = BufReader::new(child.stdout.take().unwrap()).lines();
    for line in lines {
        let line = line.unwrap();
        if let Some(rest) = line.strip_prefix("Content origin: http://") {
            let port = rest.rsplit(':').next().unwrap().trim_end_matches('/');
            return (child, format!("http://127.0.0.1:{port}"));
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the service did not say where its content origin is");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_under_load_loses_no_acknowledged_commit_on_every_backend() {
    for db in every_backend().await {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("learners.txt");
        let out = out.to_str().unwrap();
        load::seed(&db.url, 100, out, &dir.path().join("scratch"))
            .await
            .unwrap();
        let (child, base) = serve(&db.url, &dir.path().join("data"));
        // Killed without warning half-way through three seconds of commits.
        let pid = child.id();
        let killer = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(1500));
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
            child
        });
        let measured = load::run(&base, out, 3, None).await.unwrap();
        let mut child = killer.join().unwrap();
        let _ = child.wait();
        let acked: Vec<i64> = measured
            .acked
            .lines()
            .filter_map(|l| l.rsplit(' ').next()?.parse().ok())
            .collect();
        assert!(
            acked.iter().filter(|&&s| s > 0).count() > 50,
            "the learners committed before the kill: {}",
            measured.summary
        );
        assert!(
            measured.summary.contains("failed") && !measured.summary.ends_with("failed 0"),
            "commits failed once the service was gone: {}",
            measured.summary
        );
        let verdict = load::check(&db.url, out, &measured.acked).await.unwrap();
        assert!(verdict.contains("none lost"), "{verdict}");

        // Back up: a learner's next commit is stored.
        let (mut child, base) = serve(&db.url, &dir.path().join("data"));
        let learner = &load::learners(out).unwrap()[0];
        let next = acked[0] + 1;
        let client = reqwest::Client::new();
        let r = client
            .post(format!("{base}{}", learner.path))
            .body(load::commit_body(&learner.session, 0, next as u64))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap_or_default());
        let _ = child.kill();
        let _ = child.wait();
    }
}
