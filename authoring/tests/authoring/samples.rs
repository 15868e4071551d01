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

/// The question and bank examples in docs/course-format.md, copied into a course, pass
/// `course check`: authors copy them, so they must work as written.
#[test]
fn documented_question_examples_work_as_written() {
    let doc = std::fs::read_to_string(workspace_root().join("docs/course-format.md")).unwrap();
    let blocks: Vec<&str> = doc
        .split("```markdown\n")
        .skip(1)
        .filter_map(|b| b.split("\n```").next())
        .collect();
    let questions: Vec<&str> = blocks
        .iter()
        .copied()
        .filter(|b| b.starts_with("::: question"))
        .collect();
    let banks: Vec<&str> = blocks
        .iter()
        .copied()
        .filter(|b| b.starts_with("::: bank"))
        .collect();
    assert!(
        questions.len() >= 7,
        "one example per question type: {}",
        questions.len()
    );
    assert_eq!(banks.len(), 1);
    let f = Fixture::new("minimal");
    f.write(
        "lessons/second.md",
        format!(
            "---\ntitle: Second page\n---\n\n## Details\n\n{}\n",
            questions.join("\n\n")
        ),
    );
    f.write(
        "lessons/quiz.md",
        format!(
            "---\ntitle: Quiz\ntype: assessment\n---\n\n{}\n",
            banks.join("\n\n")
        ),
    );
    let run = f.course(&["check", "--deny-warnings"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}
