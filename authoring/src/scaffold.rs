//! `course new DIR`: a small course that builds as created, showing a lesson, a knowledge
//! check and an assessment. Its placeholder text (author, approver, summary…) is warned
//! about by `course check` until the author replaces it, so `--deny-warnings` stops a
//! trust publishing placeholders.

use std::path::Path;

const COURSE_TOML: &str = r#"# The course's identity. `id` never changes once learners have started.
id = {ID}
title = {TITLE}
version = "0.1.0"
language = "en-GB"
summary = "What this course covers, in one or two sentences."
audience = "All staff"
minutes = 10
outcomes = [
  "Explain why this topic matters",
  "Answer questions about it with confidence",
]

[theme]
name = "nhs"
organisation = "{{ trust_name }}"

[completion]
rule = "both"      # "all-pages", "assessment" or "both"
pass_mark = 80

[governance]
author = "Your team's name"
approver = "Name of the clinical or subject approver"
approver_role = "Their role"
last_reviewed = {TODAY}
review_by = {NEXT_YEAR}
references = ["The guidance this course is based on"]

[variables]
trust_name = "Your NHS Trust"

[glossary]
"Knowledge check" = "A question that helps you learn. It does not count towards your result."

[[modules]]
title = "Getting started"
lessons = ["lessons/welcome.md", "lessons/assessment.md"]
"#;

const WELCOME: &str = r#"---
title: Welcome
minutes: 5
---

This course was written by {{ trust_name }}.

## What you will learn

- Why the topic matters
- What to do in practice

> [!TIP]
> Use the **Next** link at the bottom of each page to move through the course.

::: question single #first-check
Which page comes after this one?

- [ ] There are no more pages
  > Not quite: there is an assessment at the end.
- [x] The assessment

correct: That's right.
:::

A knowledge check does not count towards your result.
"#;

const ASSESSMENT: &str = r#"---
title: Assessment
type: assessment
pass_mark: 80
attempts: 3
---

Answer the questions, then select **Submit answers**.

::: question true-false #welcome-read
You have read the welcome page.

answer: true
:::
"#;

/// The text `course new` writes where the author must write their own, by table and key:
/// `course check` warns about each one still there.
pub const PLACEHOLDERS: &[(&str, &str, &str)] = &[
    (
        "",
        "summary",
        "What this course covers, in one or two sentences.",
    ),
    ("governance", "author", "Your team's name"),
    (
        "governance",
        "approver",
        "Name of the clinical or subject approver",
    ),
    ("governance", "approver_role", "Their role"),
    ("variables", "trust_name", "Your NHS Trust"),
];

/// Creates a new course in `dir`, which must not exist or be empty.
pub fn create(dir: &Path, title: Option<&str>) -> std::io::Result<()> {
    if dir.exists() && std::fs::read_dir(dir)?.next().is_some() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            "the folder already exists and is not empty",
        ));
    }
    let name = dir
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("my-course");
    // Course ids are ASCII slugs (they end up in package identifiers and URLs).
    let id: String = crate::source::slugify(name)
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    let id = id.trim_matches('-');
    let id = if id.is_empty() { "course" } else { id };
    let title = title.map(str::to_string).unwrap_or_else(|| {
        let mut t = name.replace(['-', '_'], " ");
        if let Some(first) = t.get_mut(..1) {
            first.make_ascii_uppercase();
        }
        t
    });
    let today = time::OffsetDateTime::now_utc().date();
    let next = today.replace_year(today.year() + 1).unwrap_or(today);
    // Values are written by the TOML library, so any title (quotes, backslashes, new
    // lines) comes out as valid TOML; the title goes in last, so nothing in it is taken
    // for a placeholder.
    let quoted = |s: &str| toml::Value::String(s.to_string()).to_string();
    let toml = COURSE_TOML
        .replace("{ID}", &quoted(id))
        .replace("{TODAY}", &today.to_string())
        .replace("{NEXT_YEAR}", &next.to_string())
        .replace("{TITLE}", &quoted(&title));
    std::fs::create_dir_all(dir.join("lessons"))?;
    std::fs::create_dir_all(dir.join("media"))?;
    std::fs::write(dir.join("course.toml"), toml)?;
    std::fs::write(dir.join("lessons/welcome.md"), WELCOME)?;
    std::fs::write(dir.join("lessons/assessment.md"), ASSESSMENT)?;
    std::fs::write(dir.join(".gitignore"), "_site/\n.course-cache/\n")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_title_gives_a_course_toml_that_reads_back() {
        for title in [
            "Fire\\safety",
            "Say \"hello\" {ID} {TODAY}",
            "Two\nlines",
            "Hygiène des mains",
        ] {
            let dir = tempfile::tempdir().unwrap();
            let course = dir.path().join("Ärzte-kurs");
            create(&course, Some(title)).unwrap();
            let mut d = crate::Diagnostics::default();
            let config = crate::config::load(&course, &mut d).expect("course.toml parses");
            assert!(!d.has_errors(), "{title:?}: {d:?}");
            assert!(
                d.iter().all(|d| d.code == "placeholder"),
                "{title:?}: {d:?}"
            );
            assert_eq!(config.title, title);
            assert!(crate::config::is_slug(&config.id), "{}", config.id);
        }
    }
}
