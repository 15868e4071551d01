//! One broken fixture per diagnostic: `course check` must name the file, the line and
//! what is wrong, and exit 1 (or 0 for a warning without `--deny-warnings`).

use crate::support::Fixture;

struct Case {
    name: &'static str,
    break_it: fn(&Fixture),
    code: &'static str,
    file: &'static str,
    line: usize,
    message: &'static str,
    warning: bool,
}

fn png(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(width, height, image::Rgb([0, 94, 184]));
    let mut buf = Vec::new();
    img.write_to(&mut std::io::Cursor::new(&mut buf), image::ImageFormat::Png)
        .expect("png");
    buf
}

const CASES: &[Case] = &[
    Case {
        name: "unknown key",
        break_it: |f| {
            f.edit("course.toml", "summary =", "sumary =");
        },
        code: "unknown-key",
        file: "course.toml",
        line: 4,
        message: "did you mean `summary`?",
        warning: false,
    },
    Case {
        name: "unknown key in a table",
        break_it: |f| {
            f.edit("course.toml", "approver_role", "approver_rol");
        },
        code: "unknown-key",
        file: "course.toml",
        line: 14,
        message: "unknown key `approver_rol` in [governance]",
        warning: false,
    },
    Case {
        name: "missing key",
        break_it: |f| {
            f.edit("course.toml", "version = \"1.0.0\"\n", "");
        },
        code: "missing-key",
        file: "course.toml",
        line: 1,
        message: "missing required key `version`",
        warning: false,
    },
    Case {
        name: "wrong type",
        break_it: |f| {
            f.edit("course.toml", "minutes = 5", "minutes = \"five\"");
        },
        code: "invalid-course-toml",
        file: "course.toml",
        line: 5,
        message: "invalid type",
        warning: false,
    },
    Case {
        name: "unknown front matter",
        break_it: |f| {
            f.edit(
                "lessons/first.md",
                "title: First page",
                "title: First page\ntitel: x",
            );
        },
        code: "unknown-key",
        file: "lessons/first.md",
        line: 3,
        message: "did you mean `title`?",
        warning: false,
    },
    Case {
        name: "broken internal link",
        break_it: |f| {
            f.edit("lessons/first.md", "second.md#details", "secnd.md");
        },
        code: "broken-link",
        file: "lessons/first.md",
        line: 11,
        message: "not a lesson of this course",
        warning: false,
    },
    Case {
        name: "broken anchor",
        break_it: |f| {
            f.edit("lessons/first.md", "#details", "#detials");
        },
        code: "broken-anchor",
        file: "lessons/first.md",
        line: 11,
        message: "did you mean `#details`?",
        warning: false,
    },
    Case {
        name: "missing media",
        break_it: |f| {
            f.edit("lessons/first.md", "square.png", "circle.png");
        },
        code: "missing-media",
        file: "lessons/first.md",
        line: 9,
        message: "file not found",
        warning: false,
    },
    Case {
        name: "missing alt text",
        break_it: |f| {
            f.edit("lessons/first.md", "![A blue square]", "![]");
        },
        code: "missing-alt",
        file: "lessons/first.md",
        line: 9,
        message: "has no alt text",
        warning: false,
    },
    Case {
        name: "file-name alt text",
        break_it: |f| {
            f.edit("lessons/first.md", "![A blue square]", "![IMG_2041.jpg]");
        },
        code: "filename-alt",
        file: "lessons/first.md",
        line: 9,
        message: "looks like a file name",
        warning: true,
    },
    Case {
        name: "skipped heading level",
        break_it: |f| {
            f.edit("lessons/first.md", "## Section one", "#### Section one");
        },
        code: "skipped-heading-level",
        file: "lessons/first.md",
        line: 7,
        message: "heading level 4 follows level 1",
        warning: true,
    },
    Case {
        name: "vague link text",
        break_it: |f| {
            f.edit("lessons/first.md", "[the second page]", "[click here]");
        },
        code: "vague-link-text",
        file: "lessons/first.md",
        line: 11,
        message: "does not say where the link goes",
        warning: true,
    },
    Case {
        name: "video without captions",
        break_it: |f| {
            f.write("media/clip.mp4", b"not really a video");
            f.edit(
                "lessons/second.md",
                "## Details",
                "::: video ../media/clip.mp4\nA nurse explains the policy.\n:::\n\n## Details",
            );
        },
        code: "video-without-captions",
        file: "lessons/second.md",
        line: 5,
        message: "has no captions",
        warning: false,
    },
    Case {
        name: "captions that are not WebVTT",
        break_it: |f| {
            f.write("media/clip.mp4", b"x");
            f.write("media/clip.vtt", "1\n00:00:01,000 --> 00:00:02,000\nHi\n");
            f.edit("lessons/second.md", "## Details", "::: video ../media/clip.mp4\ncaptions: ../media/clip.vtt\n\nTranscript.\n:::\n\n## Details");
        },
        code: "captions-format",
        file: "lessons/second.md",
        line: 6,
        message: "does not start with WEBVTT",
        warning: false,
    },
    Case {
        name: "question with no correct answer",
        break_it: |f| {
            f.edit("lessons/first.md", "- [x] Right", "- [ ] Right");
        },
        code: "no-correct-answer",
        file: "lessons/first.md",
        line: 13,
        message: "question has no correct answer",
        warning: false,
    },
    Case {
        name: "duplicate question id",
        break_it: |f| {
            f.edit("lessons/quiz.md", "#quiz-q", "#first-q");
        },
        code: "duplicate-question-id",
        file: "lessons/quiz.md",
        line: 6,
        message: "already used at lessons/first.md:13",
        warning: false,
    },
    Case {
        name: "image far larger than shown",
        break_it: |f| {
            f.write("media/square.png", png(3000, 20));
        },
        code: "image-too-large",
        file: "lessons/first.md",
        line: 9,
        message: "3000×20 pixels",
        warning: true,
    },
    Case {
        name: "review date passed",
        break_it: |f| {
            f.edit(
                "course.toml",
                "review_by = 2030-01-01",
                "review_by = 2026-06-30",
            );
        },
        code: "review-overdue",
        file: "course.toml",
        line: 16,
        message: "2026-06-30 has passed",
        warning: true,
    },
    Case {
        name: "external address not allowed",
        break_it: |f| {
            f.edit(
                "lessons/second.md",
                "https://www.nhs.uk/conditions/",
                "https://example.com/tracker",
            );
        },
        code: "external-url",
        file: "lessons/second.md",
        line: 7,
        message: "not on the course's list of allowed addresses",
        warning: false,
    },
    Case {
        name: "external image",
        break_it: |f| {
            f.edit(
                "lessons/first.md",
                "../media/square.png",
                "https://www.nhs.uk/logo.png",
            );
        },
        code: "external-media",
        file: "lessons/first.md",
        line: 9,
        message: "is on another site",
        warning: false,
    },
    Case {
        name: "unknown variable",
        break_it: |f| {
            f.edit("lessons/first.md", "{{ trust_name }}", "{{ trust_nme }}");
        },
        code: "unknown-variable",
        file: "lessons/first.md",
        line: 5,
        message: "did you mean `trust_name`?",
        warning: false,
    },
    Case {
        name: "unclosed section",
        break_it: |f| {
            f.edit(
                "lessons/second.md",
                "## Details",
                "::: details More\n\n## Details",
            );
        },
        code: "unclosed-container",
        file: "lessons/second.md",
        line: 5,
        message: "is never closed",
        warning: false,
    },
    Case {
        name: "unknown question type",
        break_it: |f| {
            f.edit("lessons/first.md", "question single", "question singel");
        },
        code: "unknown-question-type",
        file: "lessons/first.md",
        line: 13,
        message: "did you mean `single`?",
        warning: false,
    },
    Case {
        name: "missing lesson file",
        break_it: |f| {
            f.edit("course.toml", "lessons/second.md", "lessons/2nd.md");
        },
        code: "missing-lesson",
        file: "course.toml",
        line: 29,
        message: "lessons/2nd.md",
        warning: false,
    },
];

#[test]
fn each_broken_fixture_gives_its_diagnostic() {
    let mut failures = Vec::new();
    for case in CASES {
        let f = Fixture::new("minimal");
        (case.break_it)(&f);
        let run = f.course(&["check"]);
        let result = std::panic::catch_unwind(|| {
            run.assert_diagnostic(case.code, case.file, case.line, case.message);
            let expected = if case.warning { 0 } else { 1 };
            assert_eq!(run.code, expected, "exit code");
            if case.warning {
                let strict = f.course(&["check", "--deny-warnings"]);
                assert_eq!(strict.code, 1, "--deny-warnings makes warnings errors");
            }
        });
        if result.is_err() {
            failures.push(case.name);
        }
    }
    assert!(failures.is_empty(), "failing cases: {failures:?}");
}

#[test]
fn the_fixture_itself_is_clean() {
    let f = Fixture::new("minimal");
    let run = f.course(&["check", "--deny-warnings"]);
    run.assert_ok();
    assert!(run.stdout.contains("No problems found."), "{}", run.stdout);
}

#[test]
fn every_problem_is_reported_in_one_run() {
    let f = Fixture::new("minimal");
    f.edit("course.toml", "summary =", "sumary =")
        .edit("lessons/first.md", "![A blue square]", "![]")
        .edit("lessons/first.md", "second.md#details", "secnd.md")
        .edit("lessons/quiz.md", "answer: true", "answer: maybe");
    let run = f.course(&["check"]);
    assert_eq!(run.code, 1);
    run.assert_diagnostic("unknown-key", "course.toml", 4, "sumary");
    run.assert_diagnostic("missing-alt", "lessons/first.md", 9, "no alt text");
    run.assert_diagnostic("broken-link", "lessons/first.md", 11, "secnd.md");
    run.assert_diagnostic("invalid-answer", "lessons/quiz.md", 9, "`maybe`");
    assert!(
        run.stderr.contains("4 errors, 0 warnings"),
        "{}",
        run.stderr
    );
}

#[test]
fn diagnostics_show_the_source_line_and_a_caret() {
    let f = Fixture::new("minimal");
    f.edit("lessons/first.md", "[the second page]", "[here]");
    let run = f.course(&["check"]);
    let block = run
        .diagnostics()
        .into_iter()
        .find(|b| b.contains("vague-link-text"))
        .expect("diagnostic");
    assert!(
        block.contains("11 | See [here](second.md#details)."),
        "{block}"
    );
    assert!(block.contains("   |     ^"), "{block}");
    assert!(
        block.contains("= help: describe the destination"),
        "{block}"
    );
}

#[test]
fn a_build_with_errors_writes_nothing() {
    let f = Fixture::new("minimal");
    f.edit("lessons/first.md", "- [x] Right", "- [ ] Right");
    let run = f.course(&["build"]);
    assert_eq!(run.code, 1);
    assert!(!f.path().join("_site").exists());
}
