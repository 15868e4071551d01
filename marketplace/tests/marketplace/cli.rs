//! The binary: operator commands on a database, and `marketplace demo` started, signed
//! into over real HTTP, and stopped, with its logs checked for secrets.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::sqlite_db;

fn marketplace(db: &str, args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_marketplace"))
        .args(args)
        .env("MARKETPLACE_DATABASE_URL", db)
        .env("MARKETPLACE_ARGON2_MEMORY_KIB", "8192")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn operators_wire_up_organisations_people_and_tokens_from_a_shell() {
    let db = sqlite_db();
    let run = |args: &[&str]| marketplace(&db.url, args, None);
    let (code, out, err) = run(&[
        "org",
        "create",
        "--slug",
        "leeds",
        "--name",
        "Leeds Teaching Hospitals",
        "--kind",
        "trust",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("/o/leeds/"));
    let (code, _, err) = run(&[
        "org", "create", "--slug", "leeds", "--name", "Again", "--kind", "trust",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("already taken"), "{err}");
    let (code, _, err) = run(&[
        "org",
        "create",
        "--slug",
        "Leeds Trust",
        "--name",
        "X",
        "--kind",
        "trust",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("cannot be an address"), "{err}");
    let (code, _, err) = run(&[
        "org", "create", "--slug", "x1", "--name", "X", "--kind", "hospital",
    ]);
    assert_eq!(code, 2, "a usage error: {err}");

    let (code, _, err) = marketplace(
        &db.url,
        &[
            "user",
            "create",
            "--email",
            "Sam@Leeds.example",
            "--name",
            "Sam Jones",
            "--password-stdin",
        ],
        Some("password1\n"),
    );
    assert_eq!(code, 1, "a weak password is refused");
    assert!(err.contains("at least 10 characters"), "{err}");
    let (code, out, err) = marketplace(
        &db.url,
        &[
            "user",
            "create",
            "--email",
            "Sam@Leeds.example",
            "--name",
            "Sam Jones",
            "--password-stdin",
        ],
        Some("plum kettle orbit\n"),
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("sam@leeds.example"));

    let add = [
        "member",
        "add",
        "--org",
        "leeds",
        "--user",
        "sam@leeds.example",
        "--role",
        "training-manager",
        "--role",
        "coach",
    ];
    let (code, out, _) = run(&add);
    assert_eq!(code, 0);
    assert!(out.contains("training-manager, coach"), "{out}");
    let (_, out, _) = run(&add);
    assert!(
        out.contains("already had those roles"),
        "running it twice changes nothing: {out}"
    );

    let (code, _, err) = run(&[
        "token",
        "create",
        "--org",
        "leeds",
        "--user",
        "sam@leeds.example",
        "--scope",
        "everything",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("members:read"), "lists the scopes: {err}");
    let (code, out, err) = run(&[
        "token",
        "create",
        "--org",
        "leeds",
        "--user",
        "sam@leeds.example",
        "--scope",
        "members:read",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.trim().starts_with("mkt_") && out.trim().len() > 40,
        "{out}"
    );
    let (code, _, err) = run(&[
        "token",
        "create",
        "--org",
        "york",
        "--user",
        "sam@leeds.example",
        "--scope",
        "org:read",
    ]);
    assert_eq!(code, 1);
    assert!(
        err.contains("no organisation has the address `york`"),
        "{err}"
    );
}

/// A request over a real connection.
fn http(addr: &str, request: &str) -> String {
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

fn header<'a>(response: &'a str, name: &str) -> Vec<&'a str> {
    response
        .lines()
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(": "))
        .filter(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
        .collect()
}

#[test]
fn the_demo_is_ready_quickly_and_its_sign_ins_work() {
    let data = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_marketplace"))
        .args(["demo", "--port", "0", "--data"])
        .arg(data.path().join("demo"))
        .env("MARKETPLACE_LOG", "info")
        .env("MARKETPLACE_LOG_FORMAT", "json")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        let done = line.starts_with("Press Ctrl+C");
        printed.push(line);
        if done {
            break;
        }
    }
    let ready = started.elapsed();
    // The 5 seconds is for a release build; a debug build gets more room.
    assert!(ready < Duration::from_secs(20), "ready after {ready:?}");
    eprintln!("demo ready in {ready:?}: {printed:#?}");
    let addr = printed[0]
        .rsplit("http://")
        .next()
        .unwrap()
        .trim_end_matches('/')
        .to_string();
    let admin = printed
        .iter()
        .find(|l| l.contains("org.admin@northshire.example"))
        .unwrap();
    let password = admin
        .split("password: ")
        .nth(1)
        .unwrap()
        .split("  ")
        .next()
        .unwrap()
        .trim()
        .to_string();

    // The vendor's catalogue is in, at least 30 varied courses.
    let catalogue = http(
        &addr,
        &format!("GET /catalogue HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
    );
    let listed: usize = catalogue
        .split("id=\"results-heading\">")
        .nth(1)
        .and_then(|h| h.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(listed >= 30, "{listed} courses listed");
    assert!(catalogue.contains("SCORM 2004 3rd Edition") && catalogue.contains("SCORM 1.2"));
    let form = http(
        &addr,
        &format!("GET /sign-in HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"),
    );
    let csrf_cookie = header(&form, "set-cookie")[0]
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let csrf = csrf_cookie.split('=').nth(1).unwrap().to_string();
    assert!(form.contains(&format!("value=\"{csrf}\"")));
    let body = format!(
        "csrf={csrf}&email=org.admin%40northshire.example&password={}",
        password.replace(' ', "+")
    );
    let signed = http(
        &addr,
        &format!(
            "POST /sign-in HTTP/1.1\r\nHost: {addr}\r\nCookie: {csrf_cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    );
    assert!(signed.starts_with("HTTP/1.1 303"), "{signed}");
    let session = header(&signed, "set-cookie")
        .into_iter()
        .find(|c| c.starts_with("portal_session="))
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    assert!(
        !header(&signed, "set-cookie")
            .iter()
            .any(|c| c.contains("Secure")),
        "the demo runs on plain HTTP"
    );
    let page = http(
        &addr,
        &format!(
            "GET /o/northshire-teaching/admin/members HTTP/1.1\r\nHost: {addr}\r\nCookie: {session}\r\nConnection: close\r\n\r\n"
        ),
    );
    assert!(
        page.starts_with("HTTP/1.1 200") && page.contains("Aisha Rahman"),
        "{page}"
    );

    // Stopped with SIGTERM, it shuts down cleanly.
    let _ = Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status();
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
    let mut logs = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    assert!(logs.contains("signed in"), "{logs}");
    // One JSON object a line; every line logged while serving a request carries its id.
    let mut requests = 0;
    for line in logs.lines() {
        let entry: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        if let Some(span) = entry.get("span").filter(|s| s["name"] == "request") {
            requests += 1;
            assert!(
                span["id"].as_str().is_some_and(|id| id.len() == 36),
                "{line}"
            );
        }
    }
    assert!(requests >= 3, "{logs}");
    let token = session.split('=').nth(1).unwrap();
    for secret in [password.as_str(), token, csrf.as_str()] {
        assert!(!logs.contains(secret), "the logs hold a secret: {secret}");
    }
}
