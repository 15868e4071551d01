//! Sources an attacker or a careless author might write: each gives a diagnostic with
//! its file and line, quickly, and never a crash (exit 101) or a stack overflow.

use std::time::{Duration, Instant};

use crate::support::Fixture;

/// Runs `course check` and asserts it ended as a compiler should: 0 or 1, never a panic
/// or a signal, within `limit` (a run still going then is killed and fails the test, so a
/// hang is a failure, not a stuck suite).
fn check_within(f: &Fixture, limit: Duration) -> crate::support::Run {
    use std::io::Read as _;
    let started = Instant::now();
    let mut child = crate::support::course_command()
        .arg("check")
        .current_dir(f.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run course");
    // Drain the pipes on threads so a long report cannot block the child.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for course") {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("course check was still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let run = crate::support::Run {
        code: status.code().unwrap_or(-1),
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    };
    assert!(
        run.code == 0 || run.code == 1,
        "exit {}:\n{}",
        run.code,
        run.stderr
    );
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

#[cfg(unix)]
#[test]
fn theme_and_template_folders_cannot_reach_outside_the_course() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("secret.txt"), "SECRET-FROM-OUTSIDE").unwrap();
    std::fs::write(
        outside.path().join("index.html"),
        "{% extends \"base.html\" %}{% block content %}SECRET-FROM-OUTSIDE{% endblock %}",
    )
    .unwrap();
    // A template override folder that is a link out of the course.
    let f = Fixture::new("minimal");
    std::os::unix::fs::symlink(outside.path(), f.path().join("templates")).unwrap();
    let run = f.course(&["build", "-o", "_site"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("symbolic link"), "{}", run.stderr);
    // A theme named by an absolute path, or one that climbs out.
    for name in [
        outside.path().display().to_string(),
        "../outside-theme".to_string(),
    ] {
        let f = Fixture::new("minimal");
        f.edit(
            "course.toml",
            "[completion]",
            &format!("[theme]\nname = {name:?}\n\n[completion]"),
        );
        let run = f.course(&["check"]);
        assert_eq!(run.code, 1, "{name}: {}", run.stderr);
        assert!(
            run.stderr.contains("error[theme-file]"),
            "{name}: {}",
            run.stderr
        );
    }
    // A real theme folder whose static files link out.
    let f = Fixture::new("minimal");
    std::fs::create_dir_all(f.path().join("mytheme/static")).unwrap();
    std::fs::write(f.path().join("mytheme/static/course.css"), "body{}").unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("secret.txt"),
        f.path().join("mytheme/static/leak.txt"),
    )
    .unwrap();
    f.edit(
        "course.toml",
        "[completion]",
        "[theme]\nname = \"mytheme\"\n\n[completion]",
    );
    let run = f.course(&["build", "-o", "_site"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!f.path().join("_site/assets/leak.txt").exists());
}

#[cfg(unix)]
#[test]
fn captions_are_read_only_once_known_to_be_the_course_s_own() {
    let f = Fixture::new("minimal");
    std::fs::write(f.path().join("media/clip.mp4"), b"not really a video").unwrap();
    // A named pipe would block a reader for ever; a link leads outside.
    let fifo = f.path().join("media/clip.vtt");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    f.edit(
        "lessons/first.md",
        "Welcome to",
        "::: video ../media/clip.mp4\ncaptions: ../media/clip.vtt\n\nTranscript.\n:::\n\nWelcome to",
    );
    let run = check_within(&f, Duration::from_secs(20));
    assert_eq!(run.code, 1, "{}", run.stderr);
}

#[test]
fn a_language_that_is_not_a_tag_is_an_error_not_a_panic() {
    let f = Fixture::new("minimal");
    f.edit(
        "course.toml",
        "minutes = 5",
        "minutes = 5\nlanguage = \"日本語\"",
    );
    std::fs::write(f.path().join("media/clip.mp4"), b"x").unwrap();
    std::fs::write(f.path().join("media/clip.vtt"), b"WEBVTT\n").unwrap();
    f.edit(
        "lessons/first.md",
        "Welcome to",
        "::: video ../media/clip.mp4\ncaptions: ../media/clip.vtt\n\nTranscript.\n:::\n\nWelcome to",
    );
    let run = check_within(&f, Duration::from_secs(20));
    run.assert_diagnostic(
        "invalid-language",
        "course.toml",
        6,
        "is not a language tag",
    );
}

#[test]
fn glossary_terms_beside_letters_that_change_length_are_not_a_panic() {
    let f = Fixture::new("minimal");
    f.edit(
        "course.toml",
        "\"Hand rub\" = \"Alcohol gel.\"",
        "\"Hand rub\" = \"Alcohol gel.\"\n\"k\" = \"Kelvin.\"",
    );
    // İ grows by a byte when lower-cased and the Kelvin sign shrinks by two: the same
    // total length, different character boundaries.
    f.edit(
        "lessons/first.md",
        "Welcome to",
        "\u{130}\u{130}\u{212a} hand rub k\n\nWelcome to",
    );
    let run = check_within(&f, Duration::from_secs(30));
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[cfg(unix)]
#[test]
fn a_planted_image_cache_cannot_read_or_write_outside_the_course() {
    // An image wide enough to be scaled, so the build uses the cache.
    let wide = |f: &Fixture| {
        let img = image::RgbImage::from_fn(2600, 60, |x, _| image::Rgb([(x % 256) as u8, 90, 160]));
        img.save(f.path().join("media/wide.png")).unwrap();
        f.edit(
            "lessons/first.md",
            "Welcome to",
            "![A wide banner](../media/wide.png)\n\nWelcome to",
        );
    };
    let outside = tempfile::tempdir().unwrap();
    // The whole cache folder as a link out of the course: refused, nothing written there.
    let f = Fixture::new("minimal");
    wide(&f);
    std::os::unix::fs::symlink(outside.path(), f.path().join(".course-cache")).unwrap();
    let run = f.course(&["build", "-o", "_site"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("image cache"), "{}", run.stderr);
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
    // A cached scaled copy planted as a link: taken for a miss, the link replaced.
    let f = Fixture::new("minimal");
    wide(&f);
    f.course(&["build", "-o", "_site"]).assert_ok();
    std::fs::write(outside.path().join("secret"), "SECRET-FROM-OUTSIDE").unwrap();
    let images = f.path().join(".course-cache/images");
    let mut planted = 0;
    for e in std::fs::read_dir(&images).unwrap().flatten() {
        if e.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        std::fs::remove_file(e.path()).unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret"), e.path()).unwrap();
        planted += 1;
    }
    assert!(planted > 0, "the wide image should be cached");
    std::fs::remove_dir_all(f.path().join("_site")).unwrap();
    f.course(&["build", "-o", "_site"]).assert_ok();
    let mut leaked = false;
    for e in walkdir::WalkDir::new(f.path().join("_site"))
        .into_iter()
        .flatten()
    {
        if e.file_type().is_file() {
            leaked |= std::fs::read(e.path())
                .unwrap()
                .windows(19)
                .any(|w| w == b"SECRET-FROM-OUTSIDE");
        }
    }
    assert!(!leaked, "a planted cache link was published");
}

#[cfg(unix)]
#[test]
fn a_package_name_planted_as_a_link_is_replaced_not_followed() {
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join("victim.zip");
    std::fs::write(&victim, "KEEP").unwrap();
    let f = Fixture::new("minimal");
    let first = f.course(&["package", "--format", "web", "-o", "_packages"]);
    first.assert_ok();
    let zips: Vec<_> = std::fs::read_dir(f.path().join("_packages"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(zips.len(), 1, "{zips:?}");
    std::fs::remove_file(&zips[0]).unwrap();
    std::os::unix::fs::symlink(&victim, &zips[0]).unwrap();
    f.course(&["package", "--format", "web", "-o", "_packages"])
        .assert_ok();
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "KEEP");
    assert!(
        !std::fs::symlink_metadata(&zips[0])
            .unwrap()
            .file_type()
            .is_symlink()
    );
}
