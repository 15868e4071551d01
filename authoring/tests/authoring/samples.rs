//! The sample courses pass the strictest check and build.

use crate::support::{Fixture, workspace_root};

#[test]
fn every_sample_passes_strict_checks_and_builds() {
    let dir = workspace_root().join("sample-courses");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| dir.join(n).join("course.toml").exists())
        .collect();
    names.sort();
    assert!(names.len() >= 3, "at least three samples: {names:?}");
    for name in names {
        let f = Fixture::sample(&name);
        let run = f.course(&["check", "--deny-warnings"]);
        assert_eq!(run.code, 0, "{name}: {}", run.stderr);
        f.course(&["build"]).assert_ok();
        assert!(f.path().join("_site/index.html").exists(), "{name}");
    }
}
