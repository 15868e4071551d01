//! Load for the tracking API: LEARNERS simulated learners, each in a session of its own
//! on one course, committing as a SCO does (a realistic 2 KB CMI update: bookmark,
//! suspend data, progress, session time, now and then an interaction) as fast as the
//! service answers, for SECONDS, over HTTP to the content origin at BASE. Then it checks
//! that every acknowledged commit is stored.
//!
//! `commit_load seed DATABASE_URL LEARNERS OUT` makes the organisation, the learners, the
//! course, their enrolments and sessions, and writes each learner's commit address and
//! session to OUT (the service must not be running on a SQLite file while seeding).
//! `commit_load run BASE OUT SECONDS [RATE]` puts the load on and prints commits per
//! second and latency percentiles, and ACKED lines to check after: with RATE, the
//! learners together offer that many commits a second, each on a schedule of its own,
//! and latency counts from when a commit was due (so a slow answer that delays the next
//! is not hidden); without, each commits again as soon as it is answered (the most the
//! service can take). The first two seconds warm the service up (connections opened,
//! caches filled) and are not counted. `commit_load check DATABASE_URL
//! OUT ACKED` says whether each learner's stored commit is at least the last one
//! acknowledged. `commit_load inserts DATABASE_URL OUT SECONDS` is the baseline: plain
//! inserts of the same rows (each commit's log row, in its own transaction) straight
//! into the database, from one task per learner.

use marketplace::tracking::load::{check, inserts, run, seed};

fn usage() -> anyhow::Error {
    anyhow::anyhow!(
        "usage: commit_load seed DATABASE_URL LEARNERS OUT | run BASE OUT SECONDS | check DATABASE_URL OUT ACKED | inserts DATABASE_URL OUT SECONDS"
    )
}

#[tokio::main(flavor = "multi_thread")]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("seed") if args.len() == 4 => {
            let scratch = std::env::temp_dir().join(format!("commit-load-{}", std::process::id()));
            let seeded = seed(&args[1], args[2].parse()?, &args[3], &scratch).await;
            let _ = std::fs::remove_dir_all(&scratch);
            seeded
        }
        Some("run") if args.len() == 4 || args.len() == 5 => {
            let rate = args.get(4).map(|r| r.parse()).transpose()?;
            let m = run(&args[1], &args[2], args[3].parse()?, rate).await?;
            println!("{}", m.summary);
            print!("{}", m.acked);
            Ok(())
        }
        Some("check") if args.len() == 4 => {
            println!(
                "{}",
                check(&args[1], &args[2], &std::fs::read_to_string(&args[3])?).await?
            );
            Ok(())
        }
        Some("inserts") if args.len() == 4 => {
            println!("{}", inserts(&args[1], &args[2], args[3].parse()?).await?);
            Ok(())
        }
        _ => Err(usage()),
    }
}
