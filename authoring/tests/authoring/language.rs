//! The interface speaks the course's language: a Welsh course's pages hold no English
//! word that the theme or the runtime wrote, and a course can change single words.

use authoring::i18n;

use crate::support::Fixture;

/// The English interface's words that Welsh says differently, as fragments between the
/// placeholders (`You have viewed `, ` of `, ...), long enough to mean something.
pub fn english_fragments() -> Vec<(String, String)> {
    let english = i18n::table("en-GB");
    let welsh = i18n::table("cy-GB");
    let mut out = Vec::new();
    for (key, en) in english {
        if welsh[key] == *en {
            continue;
        }
        let mut rest = en.as_str();
        let mut text = String::new();
        while let Some(open) = rest.find('{') {
            text.push_str(&rest[..open]);
            text.push('\n');
            rest = rest[open..].split_once('}').map_or("", |(_, r)| r);
        }
        text.push_str(rest);
        for piece in text.split('\n') {
            let piece = piece.trim_matches(|c: char| !c.is_alphanumeric());
            if piece.chars().filter(|c| c.is_alphabetic()).count() >= 4 {
                out.push((key.clone(), piece.to_string()));
            }
        }
    }
    out
}

/// Every English fragment found in `text` (placeholders such as `{minutes}` aside), with
/// its key.
pub fn english_in(text: &str) -> Vec<String> {
    let mut words = String::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        words.push_str(&rest[..open]);
        match rest[open..].split_once('}') {
            Some((name, after))
                if name[1..]
                    .chars()
                    .all(|c| c == '_' || c.is_ascii_lowercase()) =>
            {
                rest = after;
            }
            _ => {
                words.push('{');
                rest = &rest[open + 1..];
            }
        }
    }
    words.push_str(rest);
    let text = words;
    english_fragments()
        .into_iter()
        .filter(|(_, piece)| text.contains(piece.as_str()))
        .map(|(key, piece)| format!("{key}: {piece:?}"))
        .collect()
}

/// What a page says to a person or a screen reader: its text (not scripts or styles)
/// and the attributes that are read out or shown.
fn readable(html: &str) -> String {
    use html5gum::{Token, Tokenizer};
    const SPOKEN: &[&[u8]] = &[b"aria-label", b"alt", b"title", b"label", b"placeholder"];
    let mut out = String::new();
    let mut hidden = false;
    for token in Tokenizer::new(html).flatten() {
        match token {
            Token::StartTag(tag) => {
                hidden = matches!(&tag.name[..], b"script" | b"style");
                for (name, value) in &tag.attributes {
                    if SPOKEN.contains(&&name[..]) {
                        out.push_str(&String::from_utf8_lossy(value));
                        out.push('\n');
                    }
                }
            }
            Token::EndTag(_) => hidden = false,
            Token::String(s) if !hidden => out.push_str(&String::from_utf8_lossy(&s)),
            _ => {}
        }
    }
    out
}

/// Every string value in the runtime's data (`window.COURSE_DATA = {...};`).
fn runtime_words(js: &str) -> String {
    fn walk(v: &serde_json::Value, out: &mut String) {
        match v {
            serde_json::Value::String(s) => {
                out.push_str(s);
                out.push('\n');
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
            serde_json::Value::Object(o) => o.values().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let json = js
        .trim()
        .trim_start_matches("window.COURSE_DATA = ")
        .trim_end_matches(';');
    let mut out = String::new();
    walk(&serde_json::from_str(json).expect("runtime data"), &mut out);
    out
}

#[test]
fn a_welsh_course_has_no_english_interface_text() {
    let f = Fixture::new("welsh");
    f.course(&["build", "-o", "out"]).assert_ok();
    let mut pages = 0;
    for e in walkdir::WalkDir::new(f.path().join("out")) {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        if !(name.ends_with(".html") || name == "course-data.js") {
            continue;
        }
        pages += 1;
        let source = std::fs::read_to_string(e.path()).unwrap();
        let text = if name.ends_with(".html") {
            assert!(source.contains("<html lang=\"cy-GB\">"), "{name}");
            readable(&source)
        } else {
            runtime_words(&source)
        };
        assert!(text.len() > 100, "{name}: {text}");
        assert_eq!(english_in(&text), Vec::<String>::new(), "{name}");
    }
    assert_eq!(pages, 6, "five pages and the runtime's data");
    let lesson = readable(&f.read("out/gofal-llaw.html"));
    for welsh in [
        "Gwirio'r ateb",
        "Dewiswch bob un sy'n berthnasol.",
        "Nesaf",
        "Safle",
    ] {
        assert!(lesson.contains(welsh), "{welsh} in {lesson}");
    }
    let intro = readable(&f.read("out/cyflwyniad.html"));
    for welsh in ["\nGwir", "\nGau", "Nodyn", "Rhybudd", "\nTabl\n"] {
        assert!(intro.contains(welsh), "{welsh} in {intro}");
    }
}

#[test]
fn the_same_course_in_english_is_caught_by_the_check() {
    // The check above could pass by finding nothing at all: in English it must find a lot.
    let f = Fixture::new("welsh");
    f.edit(
        "course.toml",
        "language = \"cy-GB\"",
        "language = \"en-GB\"",
    );
    f.course(&["build", "-o", "out"]).assert_ok();
    let found = english_in(&readable(&f.read("out/asesiad.html")));
    for key in [
        "submit_answers",
        "course_contents",
        "try_again",
        "pass_needed",
    ] {
        assert!(
            found.iter().any(|f| f.starts_with(&format!("{key}:"))),
            "{key} in {found:?}"
        );
    }
    assert!(english_in(&readable(&f.read("out/cyflwyniad.html"))).len() > 10);
    assert!(english_in(&runtime_words(&f.read("out/assets/course-data.js"))).len() > 20);
}

#[test]
fn a_course_overrides_single_strings_and_is_told_of_misspelt_keys() {
    let f = Fixture::new("welsh");
    f.edit(
        "course.toml",
        "[glossary]",
        "[strings]\nstart_course = \"Dechrau arni\"\nnxet = \"Ymlaen\"\n\n[glossary]",
    );
    let run = f.course(&["check"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    run.assert_diagnostic(
        "unknown-key",
        "course.toml",
        29,
        "unknown key `nxet` in [strings]",
    );
    assert!(run.stderr.contains("did you mean `next`"), "{}", run.stderr);
    f.edit("course.toml", "nxet = \"Ymlaen\"\n", "");
    f.course(&["build", "-o", "out"]).assert_ok();
    let index = f.read("out/index.html");
    assert!(index.contains(">Dechrau arni<"), "{index}");
    assert!(!index.contains("Dechrau&#x27;r cwrs"));
}

#[test]
fn a_language_with_no_table_is_warned_about_and_falls_back_to_english() {
    let f = Fixture::new("welsh");
    f.edit(
        "course.toml",
        "language = \"cy-GB\"",
        "language = \"ga-IE\"",
    );
    let run = f.course(&["check"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    run.assert_diagnostic(
        "untranslated-interface",
        "course.toml",
        4,
        "the interface has no words in `ga-IE`",
    );
}
