//! Load for the tracking API, for `bench/tracking.sh` (through the `commit_load`
//! example) and the fault tests: simulated learners, each in a session of its own on one
//! course, committing as a SCO does (a realistic 2 KB CMI update: bookmark, suspend
//! data, progress, session time, now and then an interaction) over HTTP; and a check
//! that every acknowledged commit is stored.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::files::Files;
use crate::settings::Settings;
use crate::state::AppState;
use crate::store::Store;

/// A suspend data string as content writes it: about 1.6 KB of state.
fn suspend_data(learner: usize, n: u64) -> String {
    let mut s = format!("v2|l{learner}|n{n}|");
    while s.len() < 1600 {
        s.push_str("q1=a;q2=b,c;q3=7;seen=1,2,3,4,5,6,7,8;");
    }
    s
}

/// One commit of learner `i`'s session, number `seq`: about 2 KB of JSON.
pub fn commit_body(session: &str, i: usize, seq: u64) -> String {
    let mut sets = vec![
        ("cmi.location".to_string(), format!("page-{}", seq % 40)),
        ("cmi.suspend_data".to_string(), suspend_data(i, seq)),
        (
            "cmi.progress_measure".to_string(),
            format!("0.{}", seq % 10),
        ),
        ("cmi.session_time".to_string(), format!("PT{}S", seq * 30)),
        ("cmi.exit".to_string(), "suspend".to_string()),
    ];
    if seq.is_multiple_of(5) {
        // Appended in order, then answered again: at most 20 interactions.
        let n = (seq / 5 - 1) % 20;
        sets.push((format!("cmi.interactions.{n}.id"), format!("q{n}")));
        sets.push((format!("cmi.interactions.{n}.type"), "choice".into()));
        sets.push((
            format!("cmi.interactions.{n}.learner_response"),
            "a[,]b".into(),
        ));
        sets.push((format!("cmi.interactions.{n}.result"), "correct".into()));
    }
    serde_json::json!({ "session": session, "sco": 1, "seq": seq, "sets": sets, "end": false })
        .to_string()
}

/// Makes an organisation, `learners` learners, a course, their enrolments and sessions,
/// and writes each learner's commit address, session and enrolment to `out`; `scratch`
/// is a folder for the course's files.
pub async fn seed(
    url: &str,
    learners: usize,
    out: &str,
    scratch: &std::path::Path,
) -> anyhow::Result<()> {
    let store = Store::connect(url).await?;
    let settings = Settings {
        data_dir: scratch.join("data"),
        ..Settings::default()
    };
    let state = AppState::new(store.clone(), Files::local(&scratch.join("s"))?, settings);
    let org = store
        .create_org(
            "load-trust",
            "Load Test NHS Trust",
            crate::model::OrgKind::Trust,
        )
        .await?;
    let zip = crate::demo::package("Load test course", true);
    let received = crate::content::import::receive_blocking(
        &mut zip.as_slice(),
        &state.settings.data_dir.join("uploads"),
    )?;
    let (_, placed) = crate::content::accept_upload(&state, &org, None, None, &received)
        .await
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let course = placed.context("the course was refused")?.course;
    store.publish_version(org.id, course.id, 1).await?;
    let version = store.versions(org.id, course.id).await?[0].id;
    let mut lines = String::new();
    for i in 0..learners {
        let user = store
            .create_user(
                &format!("learner{i}@load.example"),
                &format!("Learner {i}"),
                None,
            )
            .await?;
        store
            .add_member(org.id, user.id, &[crate::model::Role::Learner])
            .await?;
        let (enrolment, _) = store
            .enrol(org.id, user.id, course.id, "assigned", None, None)
            .await?;
        store.pin_version(enrolment, version).await?;
        let token = crate::secrets::random_token();
        store
            .create_player_session(
                &crate::secrets::token_hash(&token),
                enrolment,
                crate::store::now() + 86_400,
            )
            .await?;
        let play = crate::player::play_of_enrolment(&state, enrolment)
            .await
            .map_err(|_| anyhow::anyhow!("enrolment {enrolment} cannot be played"))?;
        let begun = crate::player::begin_session(&state, &play, 1).await?;
        lines.push_str(&format!(
            "/play/{token}/commit {} {enrolment}\n",
            begun.session
        ));
    }
    store.close().await;
    std::fs::write(out, lines)?;
    Ok(())
}

/// A seeded learner: the address to commit to, the session, the enrolment.
pub struct Learner {
    pub path: String,
    pub session: String,
    pub enrolment: i64,
}

/// The learners `seed` wrote to `out`.
pub fn learners(out: &str) -> anyhow::Result<Vec<Learner>> {
    std::fs::read_to_string(out)?
        .lines()
        .map(|l| {
            let mut p = l.split(' ');
            Ok(Learner {
                path: p.next().context("path")?.to_string(),
                session: p.next().context("session")?.to_string(),
                enrolment: p.next().context("enrolment")?.parse()?,
            })
        })
        .collect()
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i] as f64 / 1000.0
}

/// What a run measured: its summary line, and each learner's last acknowledged commit
/// as `ACKED enrolment seq` lines.
pub struct Measured {
    pub summary: String,
    pub acked: String,
}

/// Puts the load on the content origin at `base` for `seconds` (paced at `rate` commits a
/// second in all, or as fast as answered).
pub async fn run(
    base: &str,
    out: &str,
    seconds: u64,
    rate: Option<f64>,
) -> anyhow::Result<Measured> {
    let all = learners(out)?;
    // Each learner's interval between commits, when paced.
    let interval = rate.map(|r| Duration::from_secs_f64(all.len() as f64 / r));
    crate::files::install_tls_provider();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(all.len())
        .timeout(Duration::from_secs(30))
        .build()?;
    let stop = Arc::new(AtomicBool::new(false));
    let warm = Instant::now() + Duration::from_secs(2);
    let mut tasks = Vec::new();
    for (i, l) in all.into_iter().enumerate() {
        let client = client.clone();
        let stop = stop.clone();
        let url = format!("{base}{}", l.path);
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let (mut acked, mut failed) = (0u64, 0u64);
            let mut seq = 0u64;
            // Learners start spread over one interval.
            let mut due = Instant::now()
                + interval.map_or(Duration::ZERO, |d| d.mul_f64((i % 97) as f64 / 97.0));
            while !stop.load(Ordering::Relaxed) {
                if interval.is_some() {
                    tokio::time::sleep_until(due.into()).await;
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                }
                seq += 1;
                let body = commit_body(&l.session, i, seq);
                let t = if interval.is_some() {
                    due
                } else {
                    Instant::now()
                };
                if let Some(d) = interval {
                    due += d;
                }
                match client
                    .post(&url)
                    .header("content-type", "text/plain;charset=UTF-8")
                    .body(body)
                    .send()
                    .await
                {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        if t >= warm {
                            latencies.push(t.elapsed().as_micros() as u64);
                        }
                        acked = seq;
                    }
                    _ => failed += 1,
                }
            }
            (l.enrolment, acked, failed, latencies)
        }));
    }
    tokio::time::sleep_until(warm.into()).await;
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    let (mut commits, mut failed) = (0usize, 0u64);
    let mut acked_lines = String::new();
    for t in tasks {
        let (enrolment, acked, f, l) = t.await?;
        commits += l.len();
        failed += f;
        latencies.extend(l);
        acked_lines.push_str(&format!("ACKED {enrolment} {acked}\n"));
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let summary = format!(
        "commits {commits} in {elapsed:.1} s: {:.0}/s, p50 {:.1} ms, p95 {:.1} ms, p99 {:.1} ms, failed {failed}",
        commits as f64 / elapsed,
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.95),
        percentile(&latencies, 0.99),
    );
    Ok(Measured {
        summary,
        acked: acked_lines,
    })
}

/// Whether each learner's stored commit is at least the last one acknowledged (`acked`:
/// the lines of [`Measured::acked`]); the answer as a line.
pub async fn check(url: &str, out: &str, acked: &str) -> anyhow::Result<String> {
    let store = Store::connect(url).await?;
    let _ = learners(out)?;
    let (mut ok, mut lost) = (0, 0);
    for line in acked.lines() {
        let Some(rest) = line.strip_prefix("ACKED ") else {
            continue;
        };
        let (enrolment, seq) = rest.split_once(' ').context("ACKED line")?;
        let enrolment: i64 = enrolment.parse()?;
        let seq: i64 = seq.parse()?;
        let stored = store
            .attempts_of(enrolment)
            .await?
            .iter()
            .map(|a| a.seq)
            .max()
            .unwrap_or(0);
        if stored >= seq {
            ok += 1;
        } else {
            lost += 1;
            eprintln!("enrolment {enrolment}: acknowledged {seq}, stored {stored}");
        }
    }
    store.close().await;
    if lost > 0 {
        anyhow::bail!("{lost} of {} acknowledged commits were lost", ok + lost);
    }
    Ok(format!(
        "checked {ok} learners' last acknowledged commits: none lost"
    ))
}

/// The baseline: the same rows inserted straight into the database, one transaction each,
/// from one task per learner; its summary line.
pub async fn inserts(url: &str, out: &str, seconds: u64) -> anyhow::Result<String> {
    let store = Store::connect(url).await?;
    let mut attempts = Vec::new();
    for l in learners(out)? {
        let a = store.attempts_of(l.enrolment).await?;
        attempts.push(a.first().context("a seeded attempt")?.id);
    }
    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let mut handles = Vec::new();
    for (i, attempt) in attempts.into_iter().enumerate() {
        let store = store.clone();
        let stop = stop.clone();
        handles.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut seq = 0u64;
            while !stop.load(Ordering::Relaxed) {
                seq += 1;
                let body = commit_body("baseline", i, seq);
                let t = Instant::now();
                if store.log_commit(attempt, seq as i64, &body).await.is_ok() {
                    latencies.push(t.elapsed().as_micros() as u64);
                }
            }
            latencies
        }));
    }
    tokio::time::sleep(Duration::from_secs(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let mut latencies = Vec::new();
    for h in handles {
        latencies.extend(h.await?);
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    Ok(format!(
        "inserts {} in {elapsed:.1} s: {:.0}/s, p50 {:.1} ms, p99 {:.1} ms",
        latencies.len(),
        latencies.len() as f64 / elapsed,
        percentile(&latencies, 0.50),
        percentile(&latencies, 0.99),
    ))
}
