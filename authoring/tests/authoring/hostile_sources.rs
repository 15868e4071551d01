//! Sources an attacker or a careless author might write: each gives a diagnostic with
//! its file and line, quickly, and never a crash (exit 101) or a stack overflow.

use std::time::{Duration, Instant};

use crate::support::Fixture;

/// Runs `course check` and asserts it ended as a compiler should: 0 or 1, never a panic
/// or a signal, within `limit`.
fn check_within(f: &Fixture, limit: Duration) -> crate::support::Run {
    let started = Instant::now();
    let run = f.course(&["check"]);
    let took = started.elapsed();
    assert!(
        run.code == 0 || run.code == 1,
        "exit {}:\n{}",
        run.code,
        run.stderr
    );
    assert!(took < limit, "check took {took:?}");
    run
}

#[test]
fn a_percent_before_a_multi_byte_character_is_a_diagnostic_not_a_panic() {
    let f = Fixture::new("minimal");
    f.edit(
        "lessons/first.md",
        "Welcome to",
        "[policy](docs/%é.pdf) and ![x](media/%🙂.png) and [a](%e9%)\n\nWelcome to",
    );
    let run = check_within(&f, Duration::from_secs(30));
    assert!(run.stderr.contains("lessons/first.md"), "{}", run.stderr);
}

#[test]
fn deeply_nested_sections_are_refused_with_their_line() {
    let f = Fixture::new("minimal");
    let depth = 20_000;
    let text = format!(
        "---\ntitle: Deep\n---\n\n{}{}",
        "::: details Deeper\n".repeat(depth),
        ":::\n".repeat(depth)
    );
    f.write("lessons/first.md", text);
    let run = check_within(&f, Duration::from_secs(20));
    run.assert_diagnostic(
        "nesting-too-deep",
        "lessons/first.md",
        4 + authoring::blocks::MAX_NESTING,
        "nested more than",
    );
}

#[test]
fn deeply_nested_markdown_is_not_a_stack_overflow() {
    let f = Fixture::new("minimal");
    let text = format!(
        "---\ntitle: Deep\n---\n\n{}quote\n\n{}item\n",
        "> ".repeat(5_000),
        "- ".repeat(5_000)
    );
    f.write("lessons/first.md", text);
    check_within(&f, Duration::from_secs(30));
}

#[test]
fn a_snippet_that_includes_itself_many_times_is_stopped_before_it_grows() {
    let f = Fixture::new("minimal");
    f.write("snippets/boom.md", "{{> boom }}\n".repeat(50));
    f.edit(
        "lessons/first.md",
        "Welcome to",
        "{{> boom }}\n\nWelcome to",
    );
    let run = check_within(&f, Duration::from_secs(10));
    run.assert_diagnostic("snippet-loop", "snippets/boom.md", 1, "includes itself");
}

#[test]
fn a_lesson_that_is_not_utf8_says_where() {
    let f = Fixture::new("minimal");
    let mut bytes = b"---\ntitle: Latin-1\n---\n\nCaf".to_vec();
    bytes.push(0xe9); // é in Latin-1
    bytes.extend_from_slice(b"\n");
    f.write("lessons/second.md", bytes);
    let run = check_within(&f, Duration::from_secs(30));
    assert_eq!(run.code, 1);
    run.assert_diagnostic(
        "not-utf8",
        "lessons/second.md",
        5,
        "is not UTF-8 at byte 27",
    );
    assert!(!run.stderr.contains("does not exist"), "{}", run.stderr);
}

#[test]
fn a_course_toml_that_is_not_utf8_says_where() {
    let f = Fixture::new("minimal");
    let mut toml = f.read("course.toml").into_bytes();
    let at = toml.len();
    let line = toml.iter().filter(|&&b| b == b'\n').count() + 2;
    toml.extend_from_slice(b"\n# caf\xe9\n");
    f.write("course.toml", toml);
    let run = check_within(&f, Duration::from_secs(30));
    assert_eq!(run.code, 1);
    run.assert_diagnostic(
        "not-utf8",
        "course.toml",
        line,
        &format!("is not UTF-8 at byte {}", at + 6),
    );
}

#[test]
fn every_toml_syntax_error_is_shown_in_one_run() {
    let f = Fixture::new("minimal");
    f.edit("course.toml", "minutes = 5", "minutes = = 5");
    f.edit("course.toml", "rule = \"both\"", "rule = \"both");
    let run = check_within(&f, Duration::from_secs(30));
    run.assert_diagnostic("invalid-course-toml", "course.toml", 5, "");
    run.assert_diagnostic("invalid-course-toml", "course.toml", 8, "");
}

#[cfg(unix)]
#[test]
fn a_lesson_that_is_a_link_out_of_the_course_is_refused() {
    let f = Fixture::new("minimal");
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("secret.md"),
        "---\ntitle: Secret\n---\n\nSECRET-FROM-OUTSIDE\n",
    )
    .unwrap();
    std::fs::remove_file(f.path().join("lessons/second.md")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.md"),
        f.path().join("lessons/second.md"),
    )
    .unwrap();
    let run = check_within(&f, Duration::from_secs(30));
    run.assert_diagnostic("lesson-outside-course", "course.toml", 29, "symbolic link");
    let build = f.course(&["build", "-o", "_site"]);
    assert_eq!(build.code, 1, "{}", build.stderr);
}

#[test]
fn external_loads_in_raw_html_are_found_however_they_are_written() {
    let cases = [
        "<img SRC=\"https://tracker.example/p.gif\" alt=\"\">",
        "<img src = 'https://tracker.example/p.gif' alt=\"\">",
        "<img srcset=\"local.png 1x, https://cdn.example/p.png 2x\" alt=\"\">",
        "<div style=\"background: URL( 'https://cdn.example/bg.png' )\">x</div>",
        "<style>\n@import \"https://cdn.example/a.css\";\n</style>",
        "<img\n  src=\"//cdn.example/p.gif\"\n  alt=\"\">",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<img src=\"h&#116;tps://cdn.example/p.gif\" alt=\"\">",
    ];
    for html in cases {
        let f = Fixture::new("minimal");
        f.edit(
            "lessons/first.md",
            "Welcome to",
            &format!("{html}\n\nWelcome to"),
        );
        let run = check_within(&f, Duration::from_secs(30));
        assert!(
            run.diagnostics()
                .iter()
                .any(|d| d.starts_with("error[external-url]") && d.contains("lessons/first.md")),
            "{html}: {}",
            run.stderr
        );
    }
    // A link on the allow list and local files are still fine.
    let f = Fixture::new("minimal");
    f.edit(
        "lessons/first.md",
        "Welcome to",
        "<a href=\"https://www.nhs.uk/\">NHS website</a> <img src=\"../media/square.png\" alt=\"A square\">\n\nWelcome to",
    );
    let run = check_within(&f, Duration::from_secs(30));
    assert!(!run.stderr.contains("external-url"), "{}", run.stderr);
}

#[test]
fn many_bad_lines_are_reported_in_linear_time() {
    let f = Fixture::new("minimal");
    let bad = "::: detials x\n:::\n".repeat(30_000);
    f.write("lessons/first.md", format!("---\ntitle: Bad\n---\n\n{bad}"));
    let run = check_within(&f, Duration::from_secs(30));
    let count = run.stderr.matches("error[unknown-container]").count();
    assert_eq!(count, 30_000);
}

#[test]
fn a_course_of_five_thousand_lessons_checks_in_seconds() {
    let f = Fixture::new("minimal");
    let n = 5_000;
    let mut lessons = Vec::new();
    for i in 0..n {
        let rel = format!("lessons/l{i}.md");
        f.write(
            &rel,
            format!(
                "---\ntitle: Lesson {i}\n---\n\n## Part {i}\n\nSee [the next](l{}.md).\n",
                (i + 1) % n
            ),
        );
        lessons.push(format!("\"{rel}\""));
    }
    let toml = f
        .read("course.toml")
        .replace("rule = \"both\"", "rule = \"all-pages\"");
    let start = toml.find("[[modules]]").unwrap();
    f.write(
        "course.toml",
        format!(
            "{}[[modules]]\ntitle = \"All\"\nlessons = [{}]\n",
            &toml[..start],
            lessons.join(",\n")
        ),
    );
    let run = check_within(&f, Duration::from_secs(20));
    run.assert_ok();
}
