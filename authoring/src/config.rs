//! `course.toml`: the course's identity, structure, rules, theme and governance data,
//! parsed then validated with every problem reported at once.
//!
//! Unknown keys are found by walking the parsed table against [`known_keys`] (read from
//! the structs themselves) rather than with serde's `deny_unknown_fields`, because serde
//! stops at the first one and authors should see all of their typos in one run, each
//! with a "did you mean". Positions come from the parser's spans.

use std::collections::BTreeMap;
use std::path::Path;

use serde::de::IntoDeserializer as _;
use serde::{Deserialize, Serialize};

use crate::diagnostics::{Diagnostic, Diagnostics, LineIndex};
use crate::source::ReadError;

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
    /// Interface strings that replace the language's own (`next = "Ymlaen"`).
    pub strings: BTreeMap<String, String>,
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

/// When a learner has completed the course: the packager's rule, which decides what
/// the manifests declare.
pub use packager::CompletionRule;

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
    /// The line of `course.toml` each lesson is named on, for diagnostics.
    #[serde(skip)]
    pub lesson_lines: Vec<usize>,
}

/// The keys a table of `course.toml` may hold (`""` is the top level), read from the
/// structs that define them, so the two can never disagree. `None` for tables whose keys
/// are the author's own names, and for tables the format does not have.
pub fn known_keys(section: &str) -> Option<&'static [&'static str]> {
    use serde_aux::serde_introspection::serde_introspect as fields;
    Some(match section {
        "" => fields::<CourseConfig>(),
        "package" => fields::<PackageConfig>(),
        "theme" => fields::<ThemeConfig>(),
        "completion" => fields::<Completion>(),
        "governance" => fields::<Governance>(),
        "links" => fields::<Links>(),
        "modules" => fields::<ModuleConfig>(),
        "strings" => crate::i18n::KEYS.as_slice(),
        _ => return None,
    })
}

/// Tables whose keys are the author's own names.
const FREE_TABLES: &[&str] = &["variables", "glossary"];

/// Reads and validates `course.toml`. Returns the config (with defaults filled in) when it
/// could be parsed at all; every problem goes to `diags`.
pub fn load(course_dir: &Path, diags: &mut Diagnostics) -> Option<CourseConfig> {
    let text = match crate::source::read_text(course_dir, Path::new(FILE_NAME)) {
        Ok(t) => t,
        Err(ReadError::NotUtf8(d)) => {
            diags.push(d);
            return None;
        }
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

/// Parses and validates the text of a `course.toml`. Every syntax error is reported in
/// one run, then every value of the wrong type, then every unknown key and missing value.
pub fn parse(text: &str, diags: &mut Diagnostics) -> Option<CourseConfig> {
    let index = LineIndex::new(text, 1);
    let (mut doc, errors) = toml::de::DeTable::parse_recoverable(text);
    if !errors.is_empty() {
        for e in &errors {
            diags.push(toml_error(text, &index, e));
        }
        return None;
    }
    let keys = KeyLines::new(doc.get_ref(), &index, text);
    check_unknown_keys(doc.get_ref(), &index, text, diags);
    // serde stops at the first value of the wrong type: report it, set that value aside,
    // and try again, so the author sees all of them at once.
    let mut failed = false;
    let config = loop {
        match CourseConfig::deserialize(doc.clone().into_deserializer()) {
            Ok(c) => break c,
            Err(e) => {
                failed = true;
                diags.push(toml_error(text, &index, &e));
                let removed = e
                    .span()
                    .is_some_and(|span| remove_value_at(doc.get_mut(), span.start));
                if !removed {
                    return None;
                }
            }
        }
    };
    if failed {
        return None;
    }
    let mut config = with_defaults(config);
    record_lesson_lines(&mut config, doc.get_ref(), &index, text);
    validate(&config, &keys, diags);
    Some(config)
}

fn record_lesson_lines(
    config: &mut CourseConfig,
    doc: &toml::de::DeTable<'_>,
    index: &LineIndex,
    text: &str,
) {
    let Some(toml::de::DeValue::Array(modules)) = doc.get("modules").map(|v| v.get_ref()) else {
        return;
    };
    for (module, value) in config.modules.iter_mut().zip(modules) {
        if let toml::de::DeValue::Table(t) = value.get_ref()
            && let Some(toml::de::DeValue::Array(lessons)) = t.get("lessons").map(|v| v.get_ref())
        {
            module.lesson_lines = lessons
                .iter()
                .map(|l| index.position(text, l.span().start).line)
                .collect();
        }
    }
}

/// Removes the innermost key whose value holds byte `offset`, so a second pass can read
/// the rest. `false` when no key holds it. (A table's own span is only its header, so
/// every table is searched, not only those whose span holds the offset.)
fn remove_value_at(table: &mut toml::de::DeTable<'_>, offset: usize) -> bool {
    fn in_value(v: &mut toml::Spanned<toml::de::DeValue<'_>>, offset: usize) -> bool {
        match v.get_mut() {
            toml::de::DeValue::Table(t) => remove_value_at(t, offset),
            toml::de::DeValue::Array(items) => items.iter_mut().any(|item| in_value(item, offset)),
            _ => false,
        }
    }
    if table.iter_mut().any(|(_, v)| in_value(v, offset)) {
        return true;
    }
    let holder = table
        .iter()
        .find(|(k, v)| v.span().contains(&offset) || k.span().contains(&offset))
        .map(|(k, _)| k.get_ref().to_string());
    holder.is_some_and(|key| table.remove(key.as_str()).is_some())
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

fn check_unknown_keys(
    table: &toml::de::DeTable<'_>,
    index: &LineIndex,
    text: &str,
    diags: &mut Diagnostics,
) {
    let mut visit = |section: &str, t: &toml::de::DeTable<'_>| {
        let Some(allowed) = known_keys(section) else {
            return;
        };
        for spanned in t.keys() {
            let key = spanned.get_ref().as_ref();
            if allowed.contains(&key) {
                continue;
            }
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
            .at_pos(index.position(text, spanned.span().start));
            d = d.suggest(
                key,
                allowed.iter().copied(),
                format!("the keys allowed here are: {}", allowed.join(", ")),
            );
            diags.push(d);
        }
    };
    visit("", table);
    for (name, value) in table.iter() {
        let name = name.get_ref().as_ref();
        if FREE_TABLES.contains(&name) {
            continue;
        }
        match value.get_ref() {
            toml::de::DeValue::Table(t) => visit(name, t),
            toml::de::DeValue::Array(items) => {
                for item in items {
                    if let toml::de::DeValue::Table(t) = item.get_ref() {
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
    if !is_language_tag(&c.language) {
        diags.push(
            Diagnostic::error(
                "invalid-language",
                FILE_NAME,
                format!("`{}` is not a language tag", c.language),
            )
            .at(keys.line_of("", "language"), 1)
            .help("write the language as a BCP 47 tag, such as \"en-GB\" or \"cy-GB\""),
        );
    }
    let translated = crate::i18n::KEYS.iter().all(|k| c.strings.contains_key(*k));
    if is_language_tag(&c.language) && !crate::i18n::speaks(&c.language) && !translated {
        diags.push(
            Diagnostic::warning(
                "untranslated-interface",
                FILE_NAME,
                format!(
                    "the interface has no words in `{}`, so buttons, headings and messages will be in English",
                    c.language
                ),
            )
            .at(keys.line_of("", "language"), 1)
            .help(format!(
                "translate them under [strings] in course.toml (docs/course-format.md says how), or use one of: {}",
                crate::i18n::languages().collect::<Vec<_>>().join(", ")
            )),
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
    if let Some(colour) = &c.theme.primary_colour
        && let Some(ratio) = contrast_with_white(colour)
        && ratio < 4.5
    {
        diags.push(
            Diagnostic::warning(
                "low-contrast",
                FILE_NAME,
                format!(
                    "white text on `{colour}` has a contrast of {ratio:.1}:1; WCAG 2.2 AA needs 4.5:1"
                ),
            )
            .at(keys.line_of("theme", "primary_colour"), 1)
            .help("the header and buttons put white text on this colour: choose a darker shade, such as NHS blue \"#005eb8\" (5.1:1)"),
        );
    }
    for (section, key, text) in crate::scaffold::PLACEHOLDERS {
        let value = match (*section, *key) {
            ("", "summary") => Some(&c.summary),
            ("governance", "author") => Some(&c.governance.author),
            ("governance", "approver") => Some(&c.governance.approver),
            ("governance", "approver_role") => Some(&c.governance.approver_role),
            ("variables", name) => c.variables.get(name),
            _ => None,
        };
        if value.is_some_and(|v| v == text) {
            let name = if section.is_empty() {
                format!("`{key}`")
            } else {
                format!("`{key}` in [{section}]")
            };
            diags.push(
                Diagnostic::warning(
                    "placeholder",
                    FILE_NAME,
                    format!("{name} still holds the text `course new` wrote: \"{text}\""),
                )
                .at(keys.line_of(section, key), 1)
                .help("replace it with the course's own details before publishing"),
            );
        }
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

/// What [`expand_variables`] could not expand.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VariableProblem<'a> {
    /// `{{ name }}` with no such variable (left as written).
    Unknown(&'a str),
    /// A `{{` with no `}}` after it (left as written).
    Unclosed,
}

/// Replaces `{{ name }}` in `text` with `vars`. Names with no value, and a `{{` never
/// closed, are passed to `problem` with the byte offset of their `{{` in `text`, and
/// left as written.
pub fn expand_variables(
    text: &str,
    vars: &BTreeMap<String, String>,
    mut problem: impl FnMut(VariableProblem<'_>, usize),
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
            problem(VariableProblem::Unclosed, text.len() - rest.len() + start);
            out.push_str(&rest[start..]);
            return out;
        };
        let name = after[..end].trim();
        match vars.get(name) {
            Some(v) => out.push_str(v),
            None => {
                problem(
                    VariableProblem::Unknown(name),
                    text.len() - rest.len() + start,
                );
                out.push_str(&rest[start..start + end + 4]);
            }
        }
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    out
}

/// The diagnostic for a variable that could not be expanded in `file`; `what` says where
/// (a config key, or nothing in a lesson).
pub fn variable_problem(
    problem: VariableProblem<'_>,
    file: &Path,
    what: &str,
    vars: &BTreeMap<String, String>,
) -> Diagnostic {
    match problem {
        VariableProblem::Unknown(name) => Diagnostic::error(
            "unknown-variable",
            file,
            format!("unknown variable `{name}`{what}"),
        )
        .suggest(
            name,
            vars.keys().map(String::as_str),
            format!("define it in course.toml under [variables]: {name} = \"…\""),
        ),
        VariableProblem::Unclosed => Diagnostic::error(
            "unclosed-variable",
            file,
            format!("`{{{{` is never closed with `}}}}`{what}"),
        )
        .help("write a variable as {{ name }}; to show braces, put them in `code`"),
    }
}

/// Checks variables' values once `--set` has replaced some: a value is used as written,
/// so `{{` inside one would be published literally; and `--set` may only set variables
/// the course has.
pub fn check_variables(
    c: &CourseConfig,
    overrides: &BTreeMap<String, String>,
    diags: &mut Diagnostics,
) {
    for (name, value) in &c.variables {
        if value.contains("{{") {
            let origin = if overrides.contains_key(name) {
                format!("`--set {name}=…`")
            } else {
                format!("variable `{name}`")
            };
            diags.push(
                Diagnostic::error(
                    "variable-in-variable",
                    FILE_NAME,
                    format!("the value of {origin} holds `{{{{`: variables are not expanded inside variables"),
                )
                .help("write the value out in full"),
            );
        }
    }
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
        *value = expand_variables(value, &vars, |problem, _| {
            diags.push(variable_problem(
                problem,
                Path::new(FILE_NAME),
                &format!(" in `{key}`"),
                &vars,
            ));
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

/// A BCP 47 language tag's shape: a 2-3 letter language, then `-` and 1-8 letters or
/// digits per subtag (`en-GB`, `cy`, `zh-Hant-TW`).
pub fn is_language_tag(s: &str) -> bool {
    let mut parts = s.split('-');
    let lang = parts.next().unwrap_or("");
    (2..=3).contains(&lang.len())
        && lang.chars().all(|c| c.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

/// The WCAG contrast ratio of white on a `#rrggbb` colour (1 to 21).
pub fn contrast_with_white(hex: &str) -> Option<f64> {
    if !is_hex_colour(hex) {
        return None;
    }
    let channel = |i: usize| -> f64 {
        let v = f64::from(u8::from_str_radix(&hex[i..i + 2], 16).unwrap_or(0)) / 255.0;
        if v <= 0.04045 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    let luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
    Some(1.05 / (luminance + 0.05))
}

fn is_hex_colour(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].chars().all(|c| c.is_ascii_hexdigit())
}

/// Where keys and tables stand in the text, for diagnostics, from the parser's spans (so
/// multi-line values and odd quoting cannot mislead it).
struct KeyLines {
    /// (section, key) → line; for arrays of tables the first occurrence wins.
    keys: Vec<(String, String, usize)>,
    /// Tables in order: (name, line); an array of tables has one per element.
    headers: Vec<(String, usize)>,
}

impl KeyLines {
    fn new(doc: &toml::de::DeTable<'_>, index: &LineIndex, text: &str) -> Self {
        let line = |offset: usize| index.position(text, offset).line;
        let mut keys = Vec::new();
        let mut headers = Vec::new();
        let mut record = |section: &str, t: &toml::de::DeTable<'_>| {
            for k in t.keys() {
                keys.push((
                    section.to_string(),
                    k.get_ref().to_string(),
                    line(k.span().start),
                ));
            }
        };
        record("", doc);
        for (name, value) in doc.iter() {
            let name = name.get_ref().as_ref();
            match value.get_ref() {
                toml::de::DeValue::Table(t) => {
                    headers.push((name.to_string(), line(value.span().start)));
                    record(name, t);
                }
                toml::de::DeValue::Array(items) => {
                    for item in items {
                        if let toml::de::DeValue::Table(t) = item.get_ref() {
                            headers.push((name.to_string(), line(item.span().start)));
                            record(name, t);
                        }
                    }
                }
                _ => {}
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

    #[test]
    fn a_typo_after_a_multi_line_value_is_reported_on_its_own_line() {
        let text = GOOD.replace(
            "version = \"1.0.0\"",
            "version = \"1.0.0\"\nsummary = \"\"\"\n[NHS](https://www.nhs.uk) = guidance\n\"\"\"\nminuts = 30",
        );
        let mut d = Diagnostics::default();
        parse(&text, &mut d);
        let typo = d.iter().find(|d| d.message == "unknown key `minuts`");
        assert_eq!(typo.map(|d| d.position.line), Some(8), "{d:?}");
        assert_eq!(
            typo.and_then(|d| d.help.as_deref()),
            Some("did you mean `minutes`?")
        );
    }

    #[test]
    fn every_syntax_error_is_reported_in_one_run() {
        let text =
            "id = \"a\"\ntitle = = \"x\"\nversion = \"1\nminutes = 3\n[theme\nname = \"nhs\"\n";
        let mut d = Diagnostics::default();
        assert!(parse(text, &mut d).is_none());
        let lines: Vec<usize> = d.iter().map(|d| d.position.line).collect();
        assert!(d.iter().count() >= 3, "{d:?}");
        assert!(
            lines.contains(&2) && lines.contains(&3) && lines.contains(&5),
            "{lines:?}"
        );
    }

    #[test]
    fn every_value_of_the_wrong_type_is_reported_in_one_run() {
        let text = GOOD
            .replace(
                "version = \"1.0.0\"",
                "version = \"1.0.0\"\nminutes = \"thirty\"",
            )
            .replace("author = \"IPC team\"", "author = 7")
            + "\n[completion]\nrule = \"sometimes\"\n";
        let mut d = Diagnostics::default();
        assert!(parse(&text, &mut d).is_none());
        let mut lines: Vec<usize> = d.iter().map(|d| d.position.line).collect();
        lines.sort();
        assert_eq!(lines, [5, 8, 15], "{d:?}");
    }

    #[test]
    fn an_unclosed_variable_is_reported_and_the_text_kept_once() {
        let vars = BTreeMap::from([("trust".to_string(), "Leeds".to_string())]);
        let mut problems = Vec::new();
        let out = expand_variables("At {{ trust }} call {{ fire", &vars, |p, at| {
            problems.push(format!("{p:?} at {at}"))
        });
        assert_eq!(out, "At Leeds call {{ fire");
        assert_eq!(problems, ["Unclosed at 20"]);
    }

    #[test]
    fn a_colour_too_light_for_white_text_is_warned_about() {
        assert!((contrast_with_white("#ffffff").unwrap() - 1.0).abs() < 1e-9);
        assert!((contrast_with_white("#000000").unwrap() - 21.0).abs() < 1e-9);
        assert!(contrast_with_white("#005eb8").unwrap() > 4.5);
        for (colour, warned) in [
            ("#ffff00", true),
            ("#41b6e6", true),
            ("#005eb8", false),
            ("#7c2855", false),
        ] {
            let text = GOOD.to_string() + &format!("\n[theme]\nprimary_colour = \"{colour}\"\n");
            let mut d = Diagnostics::default();
            parse(&text, &mut d);
            assert_eq!(
                d.iter().any(|d| d.code == "low-contrast"),
                warned,
                "{colour}: {d:?}"
            );
        }
    }

    #[test]
    fn the_language_must_be_a_language_tag() {
        for (lang, ok) in [
            ("en-GB", true),
            ("cy", true),
            ("zh-Hant-TW", true),
            ("日本語", false),
            ("e", false),
            ("en_GB", false),
            ("en-", false),
        ] {
            let text = GOOD.replace(
                "version = \"1.0.0\"",
                &format!("version = \"1.0.0\"\nlanguage = \"{lang}\""),
            );
            let mut d = Diagnostics::default();
            parse(&text, &mut d);
            let flagged = d
                .iter()
                .any(|d| d.code == "invalid-language" && d.position.line == 5);
            assert_eq!(flagged, !ok, "{lang}: {d:?}");
        }
    }

    #[test]
    fn known_keys_come_from_the_structs() {
        let top = known_keys("").unwrap();
        assert!(top.contains(&"modules") && top.contains(&"package"));
        assert_eq!(known_keys("completion").unwrap(), ["rule", "pass_mark"]);
        assert!(known_keys("theme").unwrap().contains(&"primary_colour"));
        assert!(!known_keys("modules").unwrap().contains(&"lesson_lines"));
        assert_eq!(known_keys("variables"), None);
    }

    #[test]
    fn module_lessons_remember_their_lines() {
        let text = GOOD.replace(
            "lessons = [\"lessons/a.md\"]",
            "lessons = [\n  \"lessons/a.md\",\n  \"lessons/b.md\",\n]",
        );
        let mut d = Diagnostics::default();
        let c = parse(&text, &mut d).unwrap();
        assert_eq!(c.modules[0].lesson_lines, [12, 13]);
    }
}
