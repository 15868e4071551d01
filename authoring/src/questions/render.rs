//! A question as HTML: an accessible form for each kind, and the encoded answer key the
//! runtime scores against.

use std::fmt::Write as _;

use base64::Engine as _;
use serde::Serialize;

use super::{Choice, Kind, Question, short_hash, state_key};
use crate::i18n::Strings;

/// What the runtime needs to score a question, before encoding.
#[derive(Serialize)]
struct Key<'a> {
    kind: Kind,
    /// Choice: ids of the correct options. Ordering: ids in order. Matching: `left.right`.
    correct: Vec<String>,
    answers: &'a [String],
    case_sensitive: bool,
    range: Option<(f64, f64)>,
    feedback: Vec<(String, String)>,
    correct_feedback: Option<String>,
    incorrect_feedback: Option<String>,
    /// Option (or matching left, or ordering item) ids in the order the author wrote
    /// them, for reports that identify options by position (SCORM 1.2).
    options: Vec<String>,
    /// Matching: the right-hand sides' ids, in the order first written.
    targets: Vec<String>,
}

/// Renders a question as a form, its interface words from `strings`. `inline` and
/// `block` render Markdown.
pub fn render_html(
    q: &Question,
    graded: bool,
    strings: &Strings,
    inline: &mut dyn FnMut(&str, usize) -> String,
    block: &mut dyn FnMut(&str, usize) -> String,
) -> String {
    let id = &q.id;
    let mut h = String::new();
    let prompt_html = block(&q.prompt, q.line + 1);
    let single_para = prompt_html.matches("<p>").count() == 1
        && prompt_html.starts_with("<p>")
        && prompt_html.trim_end().ends_with("</p>");
    let _ = writeln!(
        h,
        "<form class=\"course-question\" id=\"q-{id}\" data-question=\"{id}\" data-key=\"{}\" data-kind=\"{}\"{}>",
        state_key(id),
        kind_name(q.kind),
        if graded { " data-graded=\"true\"" } else { "" }
    );
    let described = if single_para {
        String::new()
    } else {
        format!(" aria-describedby=\"q-{id}-prompt\"")
    };
    let _ = write!(
        h,
        "<fieldset class=\"course-question__fieldset\"{described}>\n<legend class=\"course-question__legend\">"
    );
    if single_para {
        let inner = prompt_html
            .trim_end()
            .trim_start_matches("<p>")
            .trim_end_matches("</p>");
        let _ = write!(h, "{inner}");
    } else {
        h.push_str(&escape(strings.get("question")));
    }
    h.push_str("</legend>\n");
    if !single_para {
        let _ = writeln!(
            h,
            "<div class=\"course-question__prompt\" id=\"q-{id}-prompt\">{prompt_html}</div>"
        );
    }
    match q.kind {
        Kind::Single | Kind::TrueFalse | Kind::Multiple => {
            let input = if q.kind == Kind::Multiple {
                "checkbox"
            } else {
                "radio"
            };
            if q.kind == Kind::Multiple {
                let _ = writeln!(
                    h,
                    "<p class=\"course-hint\">{}</p>",
                    escape(strings.get("select_all"))
                );
            }
            h.push_str("<div class=\"course-choices\">\n");
            for c in &q.choices {
                // The options `answer: true` makes are the interface's words.
                let text = match (q.kind, c.id.as_str()) {
                    (Kind::TrueFalse, id @ ("true" | "false")) => escape(strings.get(id)),
                    _ => inline(&c.text, q.line),
                };
                let _ = writeln!(
                    h,
                    "<div class=\"course-choice\"><input class=\"course-choice__input\" type=\"{input}\" name=\"q-{id}\" id=\"q-{id}-{cid}\" value=\"{cid}\"><label class=\"course-choice__label\" for=\"q-{id}-{cid}\">{text}</label></div>",
                    cid = c.id,
                );
            }
            h.push_str("</div>\n");
        }
        Kind::FillIn | Kind::Numeric => {
            let mode = if q.kind == Kind::Numeric {
                " inputmode=\"decimal\" maxlength=\"30\""
            } else {
                " maxlength=\"200\""
            };
            let label = escape(strings.get(if q.kind == Kind::Numeric {
                "your_answer_number"
            } else {
                "your_answer"
            }));
            let _ = writeln!(
                h,
                "<div class=\"course-field\"><label class=\"course-label\" for=\"q-{id}-input\">{label}</label><input class=\"course-input\" type=\"text\" id=\"q-{id}-input\" name=\"q-{id}\" autocomplete=\"off\" spellcheck=\"false\"{mode}></div>"
            );
        }
        Kind::Matching => {
            let mut rights: Vec<(String, String)> = q
                .choices
                .iter()
                .filter_map(|c| c.matches.as_ref().map(|r| (short_hash(r), r.clone())))
                .collect();
            rights.sort_by(|a, b| a.1.cmp(&b.1));
            rights.dedup();
            for c in &q.choices {
                let _ = write!(
                    h,
                    "<div class=\"course-field course-match\"><label class=\"course-label\" for=\"q-{id}-{cid}\">{text}</label><select class=\"course-select\" id=\"q-{id}-{cid}\" name=\"{cid}\"><option value=\"\">{choose}</option>",
                    choose = escape(strings.get("choose_match")),
                    cid = c.id,
                    text = inline(&c.text, q.line)
                );
                for (rid, r) in &rights {
                    let _ = write!(h, "<option value=\"{rid}\">{}</option>", escape(r));
                }
                h.push_str("</select></div>\n");
            }
        }
        Kind::Ordering => {
            let n = q.choices.len();
            let mut shown: Vec<&Choice> = q.choices.iter().collect();
            shown.sort_by(|a, b| a.id.cmp(&b.id));
            if shown
                .iter()
                .map(|c| &c.id)
                .eq(q.choices.iter().map(|c| &c.id))
            {
                shown.reverse();
            }
            let _ = writeln!(
                h,
                "<p class=\"course-hint\">{}</p>",
                escape(strings.get("position_hint"))
            );
            for c in shown {
                let _ = write!(
                    h,
                    "<div class=\"course-field course-order\"><label class=\"course-label\" for=\"q-{id}-{cid}\">{text}</label><select class=\"course-select\" id=\"q-{id}-{cid}\" name=\"{cid}\"><option value=\"\">{position}</option>",
                    position = escape(strings.get("position")),
                    cid = c.id,
                    text = inline(&c.text, q.line)
                );
                for p in 1..=n {
                    let _ = write!(h, "<option value=\"{p}\">{p}</option>");
                }
                h.push_str("</select></div>\n");
            }
        }
    }
    h.push_str("</fieldset>\n");
    if !graded {
        let _ = writeln!(
            h,
            "<button type=\"submit\" class=\"course-button course-button--secondary\">{}</button>",
            escape(strings.get("check_answer"))
        );
    }
    let _ = writeln!(
        h,
        "<div class=\"course-feedback\" id=\"q-{id}-feedback\" role=\"status\" aria-live=\"polite\"></div>"
    );
    let key = Key {
        kind: q.kind,
        correct: match q.kind {
            Kind::Matching => q
                .choices
                .iter()
                .map(|c| {
                    format!(
                        "{}.{}",
                        c.id,
                        short_hash(c.matches.as_deref().unwrap_or(""))
                    )
                })
                .collect(),
            Kind::Ordering => q.choices.iter().map(|c| c.id.clone()).collect(),
            _ => q
                .choices
                .iter()
                .filter(|c| c.correct)
                .map(|c| c.id.clone())
                .collect(),
        },
        answers: &q.answers,
        case_sensitive: q.case_sensitive,
        range: q.range,
        feedback: q
            .choices
            .iter()
            .filter_map(|c| {
                c.feedback
                    .as_ref()
                    .map(|f| (c.id.clone(), inline(f, q.line)))
            })
            .collect(),
        correct_feedback: q.correct_feedback.as_ref().map(|f| inline(f, q.line)),
        incorrect_feedback: q.incorrect_feedback.as_ref().map(|f| inline(f, q.line)),
        options: q.choices.iter().map(|c| c.id.clone()).collect(),
        targets: {
            let mut t: Vec<String> = Vec::new();
            for c in &q.choices {
                if let Some(r) = &c.matches {
                    let id = short_hash(r);
                    if !t.contains(&id) {
                        t.push(id);
                    }
                }
            }
            t
        },
    };
    let json = serde_json::to_string(&key).unwrap_or_default();
    let _ = writeln!(
        h,
        "<script type=\"application/json\" class=\"course-question__key\">\"{}\"</script>\n</form>",
        encode_key(id, &json)
    );
    h
}

fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Single => "single",
        Kind::Multiple => "multiple",
        Kind::TrueFalse => "true-false",
        Kind::FillIn => "fill-in",
        Kind::Numeric => "numeric",
        Kind::Matching => "matching",
        Kind::Ordering => "ordering",
    }
}

/// Encodes an answer key so that it is not readable in the page source. This is
/// obfuscation, not security: any scoring done in a learner's browser can be inspected.
pub fn encode_key(question_id: &str, json: &str) -> String {
    let key: Vec<u8> = format!("{question_id}:course").bytes().collect();
    let bytes: Vec<u8> = json
        .bytes()
        .enumerate()
        .map(|(i, b)| b ^ key[i % key.len()])
        .collect();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The inverse of [`encode_key`], for tests and tools.
pub fn decode_key(question_id: &str, encoded: &str) -> Option<String> {
    let key: Vec<u8> = format!("{question_id}:course").bytes().collect();
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    let plain: Vec<u8> = bytes
        .iter()
        .enumerate()
        .map(|(i, b)| b ^ key[i % key.len()])
        .collect();
    String::from_utf8(plain).ok()
}

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_round_trips_and_is_not_plain() {
        let enc = encode_key("q1", "{\"correct\":[\"abc\"]}");
        assert!(!enc.contains("correct"));
        assert_eq!(decode_key("q1", &enc).unwrap(), "{\"correct\":[\"abc\"]}");
    }
}
