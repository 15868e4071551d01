//! The command line: new, build, check, exit codes, variables set per trust.

use crate::support::{Fixture, course_command, run_in};

#[test]
fn new_scaffolds_a_course_that_builds_and_passes_strict_checks() {
    let tmp = tempfile::tempdir().unwrap();
    let run = run_in(
        tmp.path(),
        &["new", "fire-safety", "--title", "Fire safety"],
    );
    run.assert_ok();
    let dir = tmp.path().join("fire-safety");
    let toml = std::fs::read_to_string(dir.join("course.toml")).unwrap();
    assert!(toml.contains("id = \"fire-safety\""), "{toml}");
    assert!(toml.contains("title = \"Fire safety\""), "{toml}");
    // It checks clean but for the placeholders, which strict checking refuses to publish.
    run_in(&dir, &["check"]).assert_ok();
    let strict = run_in(&dir, &["check", "--deny-warnings"]);
    assert_eq!(strict.code, 1, "{}", strict.stderr);
    assert_eq!(
        strict.stderr.matches("error[placeholder]").count(),
        authoring::scaffold::PLACEHOLDERS.len(),
        "{}",
        strict.stderr
    );
    let mut toml = std::fs::read_to_string(dir.join("course.toml")).unwrap();
    for (_, _, text) in authoring::scaffold::PLACEHOLDERS {
        assert!(toml.contains(text), "course new no longer writes {text:?}");
        toml = toml.replace(text, "Riverside Community Health NHS Trust");
    }
    std::fs::write(dir.join("course.toml"), toml).unwrap();
    run_in(&dir, &["check", "--deny-warnings"]).assert_ok();
    // The header's organisation follows --set like the body's text does.
    run_in(
        &dir,
        &["build", "--set", "trust_name=Leeds Teaching Hospitals"],
    )
    .assert_ok();
    let welcome = std::fs::read_to_string(dir.join("_site/welcome.html")).unwrap();
    assert!(
        welcome.matches("Leeds Teaching Hospitals").count() >= 2,
        "header and body: {welcome}"
    );
    run_in(&dir, &["build"]).assert_ok();
    assert!(dir.join("_site/index.html").exists());
    assert!(dir.join("_site/welcome.html").exists());
    // A second `new` into the same folder refuses rather than overwriting.
    let again = run_in(tmp.path(), &["new", "fire-safety"]);
    assert_eq!(again.code, 1);
    assert!(again.stderr.contains("not empty"), "{}", again.stderr);
}

#[test]
fn build_writes_pages_assets_and_media() {
    let f = Fixture::new("minimal");
    let run = f.course(&["build", "-o", "out"]);
    run.assert_ok();
    assert!(run.stdout.contains("Built 3 pages"), "{}", run.stdout);
    for p in [
        "index.html",
        "first.html",
        "second.html",
        "quiz.html",
        "glossary.html",
        "assets/course.js",
        "assets/course.css",
        "assets/course-data.js",
    ] {
        assert!(f.path().join("out").join(p).is_file(), "missing {p}");
    }
    let media: Vec<_> = std::fs::read_dir(f.path().join("out/media"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(media.len(), 1);
    assert!(
        media[0].to_string_lossy().starts_with("square-"),
        "{media:?}"
    );
    // No course source is published.
    assert!(!f.path().join("out/lessons").exists());
    assert!(
        walkdir::WalkDir::new(f.path().join("out"))
            .into_iter()
            .all(|e| !e.unwrap().path().to_string_lossy().ends_with(".md"))
    );
}

#[test]
fn a_rebuild_removes_pages_that_no_longer_exist() {
    let f = Fixture::new("minimal");
    f.course(&["build"]).assert_ok();
    assert!(f.path().join("_site/second.html").exists());
    f.edit("course.toml", "\"lessons/second.md\", ", "");
    f.edit("lessons/first.md", "second.md#details", "quiz.md");
    f.course(&["build"]).assert_ok();
    assert!(!f.path().join("_site/second.html").exists());
    assert!(f.path().join("_site/quiz.html").exists());
}

#[test]
fn build_refuses_to_overwrite_an_unrelated_folder() {
    let f = Fixture::new("minimal");
    f.write("precious/notes.txt", "keep me");
    let run = f.course(&["build", "-o", "precious"]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("refusing to write"), "{}", run.stderr);
    assert_eq!(f.read("precious/notes.txt"), "keep me");
}

#[test]
fn variables_can_be_set_per_trust_on_the_command_line() {
    let f = Fixture::new("minimal");
    f.course(&["build", "--set", "trust_name=Leeds Teaching Hospitals"])
        .assert_ok();
    let html = f.read("_site/first.html");
    assert!(
        html.contains("Welcome to Leeds Teaching Hospitals."),
        "{html}"
    );
}

#[test]
fn usage_errors_exit_2_and_missing_courses_exit_1() {
    let out = course_command().arg("bogus").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let tmp = tempfile::tempdir().unwrap();
    let run = run_in(tmp.path(), &["check"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("cannot read course.toml"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_course_can_use_the_plain_theme_and_override_one_template() {
    let f = Fixture::new("minimal");
    f.edit(
        "course.toml",
        "[completion]",
        "[theme]\nname = \"plain\"\n\n[completion]",
    );
    f.course(&["build"]).assert_ok();
    let page = f.read("_site/first.html");
    assert!(
        page.contains("class=\"pager\""),
        "plain theme's lesson template"
    );
    assert!(!page.contains("course-header"), "not the NHS theme");

    let f = Fixture::new("minimal");
    f.edit("course.toml", "[completion]", "[theme]\nkey_message = \"Report every incident\"\nprimary_colour = \"#330072\"\n\n[completion]");
    f.write("templates/glossary.html", "{% extends \"base.html\" %}{% block page_id %}glossary{% endblock %}{% block main %}<h1>Words we use</h1>{% endblock %}");
    f.course(&["build"]).assert_ok();
    assert!(
        f.read("_site/glossary.html")
            .contains("<h1>Words we use</h1>")
    );
    assert!(f.read("_site/first.html").contains("Report every incident"));
    assert!(
        f.read("_site/assets/branding.css")
            .contains("--course-primary: #330072")
    );
}

#[test]
fn an_unknown_theme_is_an_error_with_a_suggestion() {
    let f = Fixture::new("minimal");
    f.edit(
        "course.toml",
        "[completion]",
        "[theme]\nname = \"nhss\"\n\n[completion]",
    );
    let run = f.course(&["check"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("unknown theme `nhss`") && run.stderr.contains("did you mean `nhs`?"),
        "{}",
        run.stderr
    );
}

#[test]
fn deny_warnings_stops_build_and_package_before_writing() {
    let f = Fixture::new("minimal");
    f.edit("lessons/first.md", "[the second page]", "[click here]");
    let lenient = f.course(&["build", "-o", "lenient"]);
    lenient.assert_ok();
    assert!(
        lenient.stderr.contains("warning[vague-link-text]"),
        "{}",
        lenient.stderr
    );
    for args in [
        &["build", "-o", "strict", "--deny-warnings"][..],
        &["package", "-o", "pkgs", "--deny-warnings"][..],
    ] {
        let run = f.course(args);
        assert_eq!(run.code, 1, "{args:?}");
        assert!(
            run.stderr.contains("error[vague-link-text]"),
            "{}",
            run.stderr
        );
    }
    assert!(!f.path().join("strict").exists() && !f.path().join("pkgs").exists());
}
