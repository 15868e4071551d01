//! `course.toml`: the course's identity, structure, rules, theme and governance data,
//! parsed then validated with every problem reported at once.
//!
//! Unknown keys are found by walking the parsed table against [`KNOWN_KEYS`] rather than
//! with serde's `deny_unknown_fields`, because serde stops at the first one and authors
//! should see all of their typos in one run, each with a "did you mean".

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::diagnostics::{Diagnostic, Diagnostics, LineIndex};

pub const FILE_NAME: &str = "course.toml";

/// The parsed `course.toml`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct CourseConfig {
    pub id: String,
    pub title: String,
    pub version: String,
    pub language: String,
    pub summary: String,
    pub audience: String,
    pub minutes: u32,
    pub outcomes: Vec<String>,
    pub theme: ThemeConfig,
    pub completion: Completion,
    pub governance: Governance,
    pub variables: BTreeMap<String, String>,
    pub glossary: BTreeMap<String, String>,
    pub links: Links,
    pub package: PackageConfig,
    pub modules: Vec<ModuleConfig>,
}

/// Settings for `course package`.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct PackageConfig {
    /// The most a package may weigh, in kilobytes; a bigger one fails the build.
    pub size_budget_kb: Option<u64>,
}

/// Theme choice and branding a course may set without copying a theme.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ThemeConfig {
    /// A built-in theme (`nhs`, `plain`) or a folder, relative to the course.
    pub name: String,
    /// An image shown in the header instead of the theme's own.
    pub logo: Option<String>,
    /// Alternative text for the logo (usually the organisation's name).
    pub logo_alt: Option<String>,
    /// The colour of the header and buttons, as `#rrggbb`.
    pub primary_colour: Option<String>,
    /// A message shown at the top of every page (a trust's key message).
    pub key_message: Option<String>,
    /// The organisation that presents the course, shown in the header and footer.
    pub organisation: Option<String>,
}

/// When a learner has completed the course.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum CompletionRule {
    /// Every page has been viewed.
    #[default]
    AllPages,
    /// The assessment has been passed.
    Assessment,
    /// Both of the above.
    Both,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(default)]
pub struct Completion {
    pub rule: CompletionRule,
    /// Percentage of the assessment's marks needed to pass.
    pub pass_mark: u32,
}

impl Default for Completion {
    fn default() -> Self {
        Self {
            rule: CompletionRule::AllPages,
            pass_mark: 80,
        }
    }
}

/// Who wrote and approved the content, and when it must be reviewed.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Governance {
    pub author: String,
    pub approver: String,
    pub approver_role: String,
    #[serde(serialize_with = "date_as_text")]
    pub last_reviewed: Option<toml::value::Datetime>,
    #[serde(serialize_with = "date_as_text")]
    pub review_by: Option<toml::value::Datetime>,
    pub references: Vec<String>,
}

/// Templates show dates as written (2026-03-01), not as TOML's internal structure.
fn date_as_text<S: serde::Serializer>(
    d: &Option<toml::value::Datetime>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match d {
        Some(d) => s.serialize_some(&d.to_string()),
        None => s.serialize_none(),
    }
}

/// External addresses a course may link to. A built course makes no network calls, so
/// media must be local; links to pages outside the course must be on this list.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Links {
    pub allow: Vec<String>,
}

/// A module: a titled group of lessons, in the order given.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct ModuleConfig {
    pub title: String,
    pub lessons: Vec<String>,
}

/// Every key `course.toml` may hold, by table (`""` is the top level).
pub const KNOWN_KEYS: &[(&str, &[&str])] = &[
    (
        "",
        &[
            "id",
            "title",
            "version",
            "language",
            "summary",
            "audience",
            "minutes",
            "outcomes",
            "theme",
            "completion",
            "governance",
            "variables",
            "glossary",
            "links",
            "package",
            "modules",
        ],
    ),
    ("package", &["size_budget_kb"]),
    (
        "theme",
        &[
            "name",
            "logo",
            "logo_alt",
            "primary_colour",
            "key_message",
            "organisation",
        ],
    ),
    ("completion", &["rule", "pass_mark"]),
    (
        "governance",
        &[
            "author",
            "approver",
            "approver_role",
            "last_reviewed",
            "review_by",
            "references",
        ],
    ),
    ("links", &["allow"]),
    ("modules", &["title", "lessons"]),
];

/// Tables whose keys are the author's own names.
const FREE_TABLES: &[&str] = &["variables", "glossary"];

/// Reads and validates `course.toml`. Returns the config (with defaults filled in) when it
/// could be parsed at all; every problem goes to `diags`.
pub fn load(course_dir: &Path, diags: &mut Diagnostics) -> Option<CourseConfig> {
    let path = course_dir.join(FILE_NAME);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) => {
            diags.push(
                Diagnostic::error(
                    "missing-course-toml",
                    FILE_NAME,
                    format!("cannot read {FILE_NAME}: {e}"),
                )
                .help("a course folder needs a course.toml; `course new DIR` creates one"),
            );
            return None;
        }
    };
    parse(&text, diags)
}

/// Parses and validates the text of a `course.toml`.
pub fn parse(text: &str, diags: &mut Diagnostics) -> Option<CourseConfig> {
    let index = LineIndex::new(text, 1);
    let table: toml::Table = match text.parse() {
        Ok(t) => t,
        Err(e) => {
            diags.push(toml_error(text, &index, &e));
            return None;
        }
    };
    let keys = KeyLines::scan(text);
    check_unknown_keys(&table, &keys, diags);
    let config: CourseConfig = match toml::from_str(text) {
        Ok(c) => c,
        Err(e) => {
            diags.push(toml_error(text, &index, &e));
            return None;
        }
    };
    let config = with_defaults(config);
    validate(&config, &keys, diags);
    Some(config)
}

fn with_defaults(mut c: CourseConfig) -> CourseConfig {
    if c.language.is_empty() {
        c.language = "en-GB".into();
    }
    if c.theme.name.is_empty() {
        c.theme.name = "nhs".into();
    }
    c
}

fn toml_error(text: &str, index: &LineIndex, e: &toml::de::Error) -> Diagnostic {
    let pos = e
        .span()
        .map(|s| index.position(text, s.start))
        .unwrap_or_default();
    let message = e.message().trim().to_string();
    let help = if message.contains("unknown variant") {
        "use one of the values listed in the message"
    } else {
        "check the value's type: text goes in quotes, lists in [ ], dates as 2026-01-31"
    };
    Diagnostic::error(
        "invalid-course-toml",
        FILE_NAME,
        format!("course.toml: {message}"),
    )
    .at_pos(pos)
    .help(help)
}

fn check_unknown_keys(table: &toml::Table, keys: &KeyLines, diags: &mut Diagnostics) {
    fn known(section: &str) -> Option<&'static [&'static str]> {
        KNOWN_KEYS
            .iter()
            .find(|(s, _)| *s == section)
            .map(|(_, k)| *k)
    }
    let mut visit = |section: &str, t: &toml::Table| {
        let Some(allowed) = known(section) else {
            return;
        };
        for key in t.keys() {
            if allowed.contains(&key.as_str()) {
                continue;
            }
            let line = keys.line_of(section, key);
            let where_ = if section.is_empty() {
                String::new()
            } else {
                format!(" in [{section}]")
            };
            let mut d = Diagnostic::error(
                "unknown-key",
                FILE_NAME,
                format!("unknown key `{key}`{where_}"),
            )
            .at(line, 1);
            d = d.suggest(
                key,
                allowed.iter().copied(),
                format!("the keys allowed here are: {}", allowed.join(", ")),
            );
            diags.push(d);
        }
    };
    visit("", table);
    for (name, value) in table {
        if FREE_TABLES.contains(&name.as_str()) {
            continue;
        }
        match value {
            toml::Value::Table(t) => visit(name, t),
            toml::Value::Array(items) => {
                for item in items {
                    if let toml::Value::Table(t) = item {
                        visit(name, t);
                    }
                }
            }
            _ => {}
        }
    }
}

fn validate(c: &CourseConfig, keys: &KeyLines, diags: &mut Diagnostics) {
    let mut missing = |key: &str, section: &str, help: &str| {
        let line = if section.is_empty() {
            1
        } else {
            keys.section_line(section)
        };
        let name = if section.is_empty() {
            format!("`{key}`")
        } else {
            format!("`{key}` in [{section}]")
        };
        diags.push(
            Diagnostic::error(
                "missing-key",
                FILE_NAME,
                format!("missing required key {name}"),
            )
            .at(line, 1)
            .help(help.to_string()),
        );
    };
    if c.id.is_empty() {
        missing(
            "id",
            "",
            "add a short, stable name such as id = \"hand-hygiene\"",
        );
    }
    if c.title.is_empty() {
        missing(
            "title",
            "",
            "add the title learners will see, such as title = \"Hand hygiene\"",
        );
    }
    if c.version.is_empty() {
        missing("version", "", "add a version such as version = \"1.0.0\"");
    }
    if c.governance.author.is_empty() {
        missing(
            "author",
            "governance",
            "NHS content must name its author: author = \"Infection Prevention and Control team\"",
        );
    }
    if !c.id.is_empty() && !is_slug(&c.id) {
        diags.push(
            Diagnostic::error(
                "invalid-id",
                FILE_NAME,
                format!("course id `{}` is not a valid id", c.id),
            )
            .at(keys.line_of("", "id"), 1)
            .help("use lower-case letters, digits and hyphens, such as \"fire-safety\""),
        );
    }
    if !c.version.is_empty()
        && !c
            .version
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ".-+".contains(ch))
    {
        diags.push(
            Diagnostic::error(
                "invalid-version",
                FILE_NAME,
                format!(
                    "version `{}` has characters a version cannot have",
                    c.version
                ),
            )
            .at(keys.line_of("", "version"), 1)
            .help("use numbers and dots, such as \"1.2.0\""),
        );
    }
    if c.completion.pass_mark > 100 {
        diags.push(
            Diagnostic::error(
                "invalid-pass-mark",
                FILE_NAME,
                format!("pass mark {} is over 100", c.completion.pass_mark),
            )
            .at(keys.line_of("completion", "pass_mark"), 1)
            .help("the pass mark is a percentage from 0 to 100"),
        );
    }
    if let Some(colour) = &c.theme.primary_colour
        && !is_hex_colour(colour)
    {
        diags.push(
            Diagnostic::error(
                "invalid-colour",
                FILE_NAME,
                format!("`{colour}` is not a colour"),
            )
            .at(keys.line_of("theme", "primary_colour"), 1)
            .help("write colours as #rrggbb, such as \"#005eb8\""),
        );
    }
    if c.modules.is_empty() {
        diags.push(
            Diagnostic::error("no-modules", FILE_NAME, "the course has no modules")
                .at(1, 1)
                .help("add at least one [[modules]] table with a title and a list of lessons"),
        );
    }
    for (i, m) in c.modules.iter().enumerate() {
        if m.title.is_empty() {
            diags.push(
                Diagnostic::error(
                    "missing-key",
                    FILE_NAME,
                    format!("module {} has no title", i + 1),
                )
                .at(keys.nth_array_table("modules", i), 1)
                .help("add title = \"…\" to the module"),
            );
        }
        if m.lessons.is_empty() {
            diags.push(
                Diagnostic::error(
                    "missing-key",
                    FILE_NAME,
                    format!("module {} has no lessons", i + 1),
                )
                .at(keys.nth_array_table("modules", i), 1)
                .help("add lessons = [\"lessons/first.md\"] listing its lesson files in order"),
            );
        }
    }
    for name in c.variables.keys() {
        if !is_variable_name(name) {
            diags.push(
                Diagnostic::error(
                    "invalid-variable",
                    FILE_NAME,
                    format!("`{name}` is not a usable variable name"),
                )
                .at(keys.line_of("variables", name), 1)
                .help("use letters, digits and underscores, such as trust_name"),
            );
        }
    }
}

/// Replaces `{{ name }}` in `text` with `vars`; names with no value are passed to
/// `unknown` and left as written.
pub fn expand_variables(
    text: &str,
    vars: &BTreeMap<String, String>,
    mut unknown: impl FnMut(&str),
) -> String {
    if !text.contains("{{") {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            break;
        };
        let name = after[..end].trim();
        match vars.get(name) {
            Some(v) => out.push_str(v),
            None => {
                unknown(name);
                out.push_str(&rest[start..start + end + 4]);
            }
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// Expands variables in the text fields of `[theme]`, the summary and audience, so branding can
/// differ per trust like the lessons do.
pub fn expand_config(c: &mut CourseConfig, diags: &mut Diagnostics) {
    let vars = c.variables.clone();
    let mut fields: Vec<(&str, &mut String)> =
        vec![("summary", &mut c.summary), ("audience", &mut c.audience)];
    for (k, v) in [
        ("organisation", &mut c.theme.organisation),
        ("key_message", &mut c.theme.key_message),
        ("logo_alt", &mut c.theme.logo_alt),
    ] {
        if let Some(v) = v.as_mut() {
            fields.push((k, v));
        }
    }
    for (key, value) in fields {
        *value = expand_variables(value, &vars, |name| {
            let mut d = Diagnostic::error(
                "unknown-variable",
                FILE_NAME,
                format!("unknown variable `{name}` in `{key}`"),
            );
            d = d.suggest(
                name,
                vars.keys().map(String::as_str),
                format!("define it under [variables]: {name} = \"…\""),
            );
            diags.push(d);
        });
    }
}

/// `true` for lower-case letters, digits and single hyphens: ids used in file names and URLs.
pub fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

pub fn is_variable_name(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn is_hex_colour(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].chars().all(|c| c.is_ascii_hexdigit())
}

/// Where keys and table headers stand in the text, for diagnostics.
struct KeyLines {
    /// (section, key) → line; for arrays of tables the first occurrence wins.
    keys: Vec<(String, String, usize)>,
    /// section headers in order: (name, line).
    headers: Vec<(String, usize)>,
}

impl KeyLines {
    fn scan(text: &str) -> Self {
        let mut section = String::new();
        let mut keys = Vec::new();
        let mut headers = Vec::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if let Some(h) = line.strip_prefix('[') {
                let name = h.trim_start_matches('[');
                let name = name
                    .split(']')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .trim_matches('"');
                section = name.to_string();
                headers.push((section.clone(), i + 1));
                continue;
            }
            if let Some((k, _)) = line.split_once('=') {
                let k = k.trim().trim_matches('"').trim_matches('\'');
                if !k.is_empty() && !k.starts_with('#') {
                    keys.push((section.clone(), k.to_string(), i + 1));
                }
            }
        }
        Self { keys, headers }
    }

    fn line_of(&self, section: &str, key: &str) -> usize {
        self.keys
            .iter()
            .find(|(s, k, _)| s == section && k == key)
            .map(|(_, _, l)| *l)
            .unwrap_or_else(|| self.section_line(section))
    }

    fn section_line(&self, section: &str) -> usize {
        self.headers
            .iter()
            .find(|(s, _)| s == section)
            .map(|(_, l)| *l)
            .unwrap_or(1)
    }

    fn nth_array_table(&self, section: &str, n: usize) -> usize {
        self.headers
            .iter()
            .filter(|(s, _)| s == section)
            .nth(n)
            .map(|(_, l)| *l)
            .unwrap_or(1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
id = "hand-hygiene"
title = "Hand hygiene"
version = "1.0.0"

[governance]
author = "IPC team"

[[modules]]
title = "One"
lessons = ["lessons/a.md"]
"#;

    #[test]
    fn a_minimal_course_parses_with_defaults() {
        let mut d = Diagnostics::default();
        let c = parse(GOOD, &mut d).expect("parses");
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(c.language, "en-GB");
        assert_eq!(c.theme.name, "nhs");
        assert_eq!(c.completion.rule, CompletionRule::AllPages);
        assert_eq!(c.completion.pass_mark, 80);
    }

    #[test]
    fn every_unknown_key_is_reported_with_a_suggestion() {
        let text = GOOD
            .replace("title = \"Hand", "titel = \"Hand")
            .replace("author =", "autor =")
            + "\n[theme]\nprimary_color = \"#005eb8\"\n";
        let mut d = Diagnostics::default();
        parse(&text, &mut d);
        let msgs: Vec<_> = d
            .iter()
            .map(|d| (d.message.clone(), d.position.line, d.help.clone()))
            .collect();
        assert!(
            msgs.iter().any(|(m, l, h)| m == "unknown key `titel`"
                && *l == 3
                && h.as_deref() == Some("did you mean `title`?")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter()
                .any(|(m, _, h)| m == "unknown key `autor` in [governance]"
                    && h.as_deref() == Some("did you mean `author`?")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter()
                .any(|(m, _, h)| m == "unknown key `primary_color` in [theme]"
                    && h.as_deref() == Some("did you mean `primary_colour`?")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter()
                .any(|(m, _, _)| m == "missing required key `title`"),
            "{msgs:?}"
        );
    }

    #[test]
    fn a_bad_value_points_at_its_line() {
        let text = GOOD.replace(
            "version = \"1.0.0\"",
            "version = \"1.0.0\"\nminutes = \"thirty\"",
        );
        let mut d = Diagnostics::default();
        assert!(parse(&text, &mut d).is_none());
        let first = d.iter().next().unwrap();
        assert_eq!(first.position.line, 5);
        assert!(first.message.contains("invalid type"), "{}", first.message);
    }
}
