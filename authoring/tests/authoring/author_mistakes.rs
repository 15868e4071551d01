//! Mistakes authors make that used to pass silently: variables that cannot be expanded,
//! callouts that do not exist. Each is now a diagnostic at its line.

use crate::support::Fixture;

#[test]
fn an_unclosed_variable_is_an_error_at_its_line() {
    let f = Fixture::new("minimal");
    f.edit(
        "lessons/first.md",
        "Welcome to",
        "Call {{ fire_number now.\n\nWelcome to",
    );
    let run = f.course(&["check"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    run.assert_diagnostic(
        "unclosed-variable",
        "lessons/first.md",
        5,
        "is never closed",
    );
}

#[test]
fn a_variable_whose_value_holds_braces_is_an_error() {
    let f = Fixture::new("minimal");
    f.edit(
        "course.toml",
        "trust_name = \"Example Trust\"",
        "trust_name = \"{{ org }} Trust\"",
    );
    let run = f.course(&["check"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("error[variable-in-variable]") && run.stderr.contains("trust_name"),
        "{}",
        run.stderr
    );
    // The same through --set.
    let f = Fixture::new("minimal");
    let run = f.course(&["check", "--set", "trust_name={{ x }}"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("`--set trust_name=…`"),
        "{}",
        run.stderr
    );
}

#[test]
fn set_with_a_name_the_course_does_not_have_is_an_error() {
    let f = Fixture::new("minimal");
    let run = f.course(&["check", "--set", "trust_nme=Leeds"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("`--set trust_nme=…` names no variable")
            && run.stderr.contains("did you mean `trust_name`?"),
        "{}",
        run.stderr
    );
    f.course(&["check", "--set", "trust_name=Leeds"])
        .assert_ok();
}

#[test]
fn a_callout_that_does_not_exist_is_an_error_not_a_plain_quote() {
    let f = Fixture::new("minimal");
    f.edit(
        "lessons/first.md",
        "Welcome to",
        "> [!DANGER]\n> Do not block fire doors.\n\n> [!WARNING]\n> Real callout.\n\n> Just a quote.\n\nWelcome to",
    );
    let run = f.course(&["check"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    run.assert_diagnostic(
        "unknown-callout",
        "lessons/first.md",
        5,
        "`[!DANGER]` is not a callout",
    );
    assert_eq!(
        run.stderr.matches("unknown-callout").count(),
        1,
        "{}",
        run.stderr
    );
}

#[test]
fn a_course_folder_that_does_not_exist_is_a_usage_error_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    for cmd in ["check", "build", "package"] {
        let run = crate::support::run_in(tmp.path(), &[cmd, "no-such-course"]);
        assert_eq!(run.code, 2, "{cmd}: {}", run.stderr);
        assert!(
            run.stderr.contains("there is no folder no-such-course"),
            "{cmd}: {}",
            run.stderr
        );
        assert!(!run.stderr.contains("course.toml:"), "{}", run.stderr);
    }
}

#[test]
fn a_misspelt_title_is_reported_once() {
    let f = Fixture::new("minimal");
    f.edit("lessons/second.md", "title:", "titel:");
    let run = f.course(&["check"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let blocks = run.diagnostics();
    let second: Vec<_> = blocks
        .iter()
        .filter(|b| b.contains("lessons/second.md:"))
        .collect();
    assert_eq!(second.len(), 1, "{}", run.stderr);
    assert!(
        second[0].contains("did you mean `title`?"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_contents_page_shows_the_pass_mark_the_assessment_uses() {
    let f = Fixture::new("minimal");
    f.edit(
        "lessons/quiz.md",
        "type: assessment",
        "type: assessment\npass_mark: 70",
    );
    f.course(&["build", "-o", "_site"]).assert_ok();
    let index = f.read("_site/index.html");
    assert!(index.contains("70% to pass"), "{index}");
    assert!(!index.contains("50% to pass"), "{index}");
}

#[test]
fn check_says_when_a_course_is_too_large_for_scorm_12() {
    let f = Fixture::new("minimal");
    let questions: String = (0..20)
        .map(|i| format!("::: question fill-in #name-{i}\nName {i}?\n\nanswer: x\n:::\n\n"))
        .collect();
    f.edit(
        "lessons/second.md",
        "\n---\n",
        &format!("\n---\n\n{questions}"),
    );
    let run = f.course(&["check"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("warning[too-large-for-scorm12]")
            && run.stderr.contains("--format scorm2004"),
        "{}",
        run.stderr
    );
    let package = f.course(&["package", "--format", "scorm12", "-o", "_packages"]);
    assert_eq!(
        package.code, 1,
        "check and package agree: {}",
        package.stderr
    );
    f.course(&["package", "--format", "scorm2004", "-o", "_packages"])
        .assert_ok();
}

#[test]
fn an_output_path_that_is_a_file_is_said_once() {
    let f = Fixture::new("minimal");
    f.write("outfile", "not a folder");
    for cmd in ["build", "package"] {
        let run = f.course(&[cmd, "-o", "outfile"]);
        assert_eq!(run.code, 1, "{cmd}: {}", run.stderr);
        assert!(run.stderr.contains("outfile"), "{cmd}: {}", run.stderr);
        assert_eq!(
            run.stderr.matches("os error").count(),
            1,
            "{cmd}: {}",
            run.stderr
        );
    }
}

#[test]
fn a_port_in_use_is_named_with_what_to_do() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let f = Fixture::new("minimal");
    let run = f.course(&["serve", "--port", &port]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!("127.0.0.1:{port}")) && run.stderr.contains("--port 0"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_lesson_file_named_in_welsh_gets_a_page_id_the_launch_page_resumes_to() {
    let f = Fixture::new("minimal");
    f.write(
        "lessons/gofal-llâw.md",
        "---\ntitle: Gofal llaw\n---\n\nGolchwch eich dwylo.\n",
    );
    f.edit(
        "course.toml",
        "\"lessons/second.md\",",
        "\"lessons/second.md\", \"lessons/gofal-llâw.md\",",
    );
    f.course(&["build", "-o", "_site"]).assert_ok();
    assert!(f.path().join("_site/gofal-llaw.html").exists());
    // The SCORM launch page resumes only to locations of this shape.
    let data = f.read("_site/assets/course-data.js");
    let ids: Vec<&str> = data
        .split("\"id\":\"")
        .skip(2) // the course's own id, then each page's
        .filter_map(|s| s.split('"').next())
        .collect();
    assert!(ids.contains(&"gofal-llaw"), "{data}");
    assert!(
        ids.iter().all(|id| id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')),
        "{ids:?}"
    );
}

#[test]
fn a_misspelt_variable_is_pointed_at_where_it_stands() {
    let f = Fixture::new("minimal");
    f.edit("lessons/first.md", "{{ trust_name }}", "{{ trust_nme }}");
    let run = f.course(&["check"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    // "Welcome to {{ trust_nme }}.": the braces are the 12th character of line 5.
    run.assert_diagnostic(
        "unknown-variable",
        "lessons/first.md",
        5,
        "did you mean `trust_name`?",
    );
    assert!(
        run.stderr.contains("--> lessons/first.md:5:12"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_course_file_named_in_html_is_an_error_not_a_broken_image() {
    let f = Fixture::new("minimal");
    f.edit(
        "lessons/first.md",
        "Welcome to",
        "<img src=\"media/square.png\" alt=\"A square\">\n\nSee <a href=\"second.md\">the next page</a> or <a href=\"#top\">the top</a>.\n\nWelcome to",
    );
    let run = f.course(&["check"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    run.assert_diagnostic(
        "local-file-in-html",
        "lessons/first.md",
        5,
        "`media/square.png` in HTML",
    );
    run.assert_diagnostic(
        "local-file-in-html",
        "lessons/first.md",
        7,
        "`second.md` in HTML",
    );
    assert_eq!(
        run.stderr.matches("local-file-in-html").count(),
        2,
        "{}",
        run.stderr
    );
}
