//! The interface's words: every string the theme and the course runtime write, in one
//! table per language (`authoring/strings/*.toml`), picked by the course's `language`,
//! with single strings overridden under `[strings]` in `course.toml`.
//!
//! A page in Welsh whose buttons say "Check answer" is read by a screen reader as
//! English in a Welsh voice; every interface word therefore comes from here, never from
//! a template or the runtime directly.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::Serialize;

/// The languages shipped complete: tag and table.
const TABLES: &[(&str, &str)] = &[
    ("en-GB", include_str!("../strings/en-GB.toml")),
    ("cy-GB", include_str!("../strings/cy-GB.toml")),
];

/// The language used when a course's has no table.
pub const FALLBACK: &str = "en-GB";

fn parse(text: &str) -> BTreeMap<String, String> {
    toml::from_str(text).unwrap_or_default()
}

static PARSED: LazyLock<Vec<(&'static str, BTreeMap<String, String>)>> =
    LazyLock::new(|| TABLES.iter().map(|(tag, t)| (*tag, parse(t))).collect());

/// Every string's key, from the English table (the others are tested to match it).
pub static KEYS: LazyLock<Vec<&'static str>> =
    LazyLock::new(|| table(FALLBACK).keys().map(String::as_str).collect());

/// The shipped table for `tag` (exact, case-insensitive).
pub fn table(tag: &str) -> &'static BTreeMap<String, String> {
    PARSED
        .iter()
        .find(|(t, _)| t.eq_ignore_ascii_case(tag))
        .or_else(|| PARSED.first())
        .map(|(_, m)| m)
        .expect("the English table is built in")
}

/// The shipped languages' tags.
pub fn languages() -> impl Iterator<Item = &'static str> {
    TABLES.iter().map(|(tag, _)| *tag)
}

/// Whether a table is shipped for `language`.
pub fn speaks(language: &str) -> bool {
    matching(language).is_some()
}

/// The shipped table that speaks `language`: the same tag, else the same language
/// (`cy` and `cy-Latn-GB` are Welsh). `None` when no table speaks it.
fn matching(language: &str) -> Option<&'static str> {
    let primary = |t: &str| t.split('-').next().unwrap_or("").to_ascii_lowercase();
    languages()
        .find(|t| t.eq_ignore_ascii_case(language))
        .or_else(|| languages().find(|t| primary(t) == primary(language)))
}

/// The interface strings of one course.
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct Strings(BTreeMap<String, String>);

impl Strings {
    /// The strings for a course in `language` with its `[strings]` `overrides`. A
    /// language with no table gets English (`course check` warns about it).
    pub fn for_course(language: &str, overrides: &BTreeMap<String, String>) -> Self {
        let found = matching(language);
        let mut map = table(found.unwrap_or(FALLBACK)).clone();
        for (k, v) in overrides {
            // Unknown keys are reported with the other unknown keys of course.toml.
            if let Some(slot) = map.get_mut(k) {
                slot.clone_from(v);
            }
        }
        Self(map)
    }

    /// English, for tests and tools.
    pub fn english() -> Self {
        Self(table(FALLBACK).clone())
    }

    /// The string `key` (the key itself if there is none, which a test rules out).
    pub fn get<'a>(&'a self, key: &'a str) -> &'a str {
        self.0.get(key).map(String::as_str).unwrap_or(key)
    }

    /// The string `key` with each `{name}` replaced by its value.
    pub fn fill(&self, key: &str, values: &[(&str, &str)]) -> String {
        fill(self.get(key), values)
    }
}

/// `text` with each `{name}` replaced by its value.
pub fn fill(text: &str, values: &[(&str, &str)]) -> String {
    values.iter().fold(text.to_string(), |t, (name, value)| {
        t.replace(&format!("{{{name}}}"), value)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placeholders(s: &str) -> Vec<&str> {
        let mut out: Vec<&str> = s
            .split('{')
            .skip(1)
            .filter_map(|p| p.split_once('}').map(|(name, _)| name))
            .collect();
        out.sort_unstable();
        out
    }

    #[test]
    fn every_language_has_every_string_with_the_same_placeholders() {
        let english = table(FALLBACK);
        assert!(english.len() > 50, "{}", english.len());
        for tag in languages() {
            let t = table(tag);
            let keys: Vec<_> = t.keys().collect();
            assert_eq!(keys, english.keys().collect::<Vec<_>>(), "{tag}");
            for (k, v) in t {
                assert!(!v.trim().is_empty(), "{tag} {k}");
                assert_eq!(placeholders(v), placeholders(&english[k]), "{tag} {k}");
            }
        }
    }

    #[test]
    fn the_course_language_picks_the_table() {
        let mut overrides = BTreeMap::new();
        assert_eq!(Strings::for_course("cy", &overrides).get("next"), "Nesaf");
        assert_eq!(Strings::for_course("en-US", &overrides).get("next"), "Next");
        assert!(speaks("cy-Latn-GB") && speaks("EN") && !speaks("fr-FR"));
        overrides.insert("next".into(), "Suivant".into());
        let s = Strings::for_course("fr-FR", &overrides);
        assert_eq!(s.get("next"), "Suivant");
        assert_eq!(s.get("previous"), "Previous");
    }

    #[test]
    fn placeholders_are_filled() {
        let s = Strings::english();
        assert_eq!(
            s.fill("question_of", &[("number", "2"), ("total", "9")]),
            "Question 2 of 9: "
        );
    }
}
