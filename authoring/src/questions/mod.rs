//! Questions: the `::: question TYPE #id` syntax, its checks, the accessible HTML form a
//! learner answers, and the encoded answer key the runtime scores against.
//!
//! Ids are stable: the author's `#id`, or one derived from the question's type and
//! prompt, never from its position, so saved progress survives reordering and
//! republishing.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::blocks::Container;
use crate::diagnostics::{Diagnostic, Diagnostics};

mod render;

pub use render::{decode_key, encode_key, escape, render_html};

/// The kinds of question, as authors write them after `::: question`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    Single,
    Multiple,
    TrueFalse,
    FillIn,
    Numeric,
    Matching,
    Ordering,
}

const KIND_NAMES: &[(&str, Kind)] = &[
    ("single", Kind::Single),
    ("single-choice", Kind::Single),
    ("multiple", Kind::Multiple),
    ("multiple-choice", Kind::Multiple),
    ("true-false", Kind::TrueFalse),
    ("fill-in", Kind::FillIn),
    ("numeric", Kind::Numeric),
    ("matching", Kind::Matching),
    ("ordering", Kind::Ordering),
];

/// Keys a question may hold, as `key: value` lines after its prompt.
const KEYS: &[&str] = &[
    "answer",
    "tolerance",
    "case-sensitive",
    "correct",
    "incorrect",
];

/// One option of a choice question, or one item of a matching or ordering question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Choice {
    /// Stable id derived from the text.
    pub id: String,
    /// Markdown (inline).
    pub text: String,
    pub correct: bool,
    /// Markdown shown when this option is chosen.
    pub feedback: Option<String>,
    /// For matching: the right-hand side.
    pub matches: Option<String>,
}

/// A parsed question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Question {
    pub id: String,
    pub kind: Kind,
    /// Markdown.
    pub prompt: String,
    pub choices: Vec<Choice>,
    /// Fill-in: accepted answers.
    pub answers: Vec<String>,
    pub case_sensitive: bool,
    /// Numeric: the accepted range.
    pub range: Option<(f64, f64)>,
    pub correct_feedback: Option<String>,
    pub incorrect_feedback: Option<String>,
    #[serde(skip)]
    pub file: PathBuf,
    #[serde(skip)]
    pub line: usize,
}

/// Parses a `question` container.
/// The most options, pairs or steps one question may have: SCORM 1.2 records each as a
/// single character, `0`-`9` and `a`-`z` (RTE 3.4.2.8 `cmi.interactions.n.student_response`).
pub const MAX_OPTIONS: usize = 36;

/// The longest question id: it is the interaction's id, and SCORM 1.2 identifiers hold at
/// most 255 characters (RTE 3.4.2, CMIIdentifier).
pub const MAX_ID_CHARS: usize = 255;

pub fn parse(c: &Container, diags: &mut Diagnostics) -> Option<Question> {
    let file = c.file.as_path();
    let mut kind = None;
    let mut id = None;
    for arg in c.args.split_whitespace() {
        if let Some(rest) = arg.strip_prefix('#') {
            if rest.len() > MAX_ID_CHARS {
                diags.push(
                    Diagnostic::error(
                        "question-id-too-long",
                        &c.file,
                        format!(
                            "question id `#{}…` is {} characters; an LMS accepts at most {MAX_ID_CHARS}",
                            rest.chars().take(20).collect::<String>(),
                            rest.len()
                        ),
                    )
                    .at(c.line, 1)
                    .help("use a short id, such as `#five-moments`"),
                );
            } else if crate::config::is_slug(rest) {
                id = Some(rest.to_string());
            } else {
                diags.push(
                    Diagnostic::error(
                        "invalid-id",
                        file,
                        format!("question id `{rest}` is not a valid id"),
                    )
                    .at(c.line, 1)
                    .help("use lower-case letters, digits and hyphens, such as #five-moments"),
                );
            }
        } else if let Some((_, k)) = KIND_NAMES.iter().find(|(n, _)| *n == arg) {
            kind = Some(*k);
        } else {
            let mut d = Diagnostic::error(
                "unknown-question-type",
                file,
                format!("unknown question type `{arg}`"),
            )
            .at(c.line, 1);
            let names = KIND_NAMES.iter().map(|(n, _)| *n);
            d = d.suggest(
                arg,
                names,
                "the types are: single, multiple, true-false, fill-in, numeric, matching, ordering",
            );
            diags.push(d);
            return None;
        }
    }
    let Some(kind) = kind else {
        diags.push(
            Diagnostic::error("missing-question-type", file, "question has no type")
                .at(c.line, 1)
                .help("write the type after `question`, such as `::: question single`"),
        );
        return None;
    };

    let mut prompt: Vec<&str> = Vec::new();
    let mut prompt_done = false;
    let mut choices: Vec<Choice> = Vec::new();
    let mut keys: Vec<(&str, String, usize)> = Vec::new();
    for (no, raw) in &c.lines {
        let line = raw.trim_end();
        let t = line.trim_start();
        let indented = line.len() - t.len() >= 2;
        if t.is_empty() {
            if !prompt_done {
                prompt.push("");
            }
            continue;
        }
        if let Some(fb) = t
            .strip_prefix('>')
            .filter(|_| indented && !choices.is_empty())
        {
            let last = choices.last_mut().expect("checked non-empty");
            let fb = fb.trim();
            last.feedback = Some(match last.feedback.take() {
                Some(prev) => format!("{prev} {fb}"),
                None => fb.to_string(),
            });
            continue;
        }
        if let Some((checked, text)) = task_item(t) {
            prompt_done = true;
            choices.push(choice(text, checked, None));
            continue;
        }
        if let Some(text) = t.strip_prefix("- ").or_else(|| t.strip_prefix("* ")) {
            prompt_done = true;
            let (left, right) = match text.split_once("->") {
                Some((l, r)) => (l.trim(), Some(r.trim().to_string())),
                None => (text.trim(), None),
            };
            choices.push(choice(left, false, right));
            continue;
        }
        if let Some(text) = ordered_item(t).filter(|_| kind == Kind::Ordering) {
            prompt_done = true;
            choices.push(choice(text, false, None));
            continue;
        }
        if let Some((k, v)) = t.split_once(':') {
            let key = k.trim().to_ascii_lowercase();
            if let Some(known) = KEYS.iter().find(|n| **n == key) {
                prompt_done = true;
                keys.push((known, v.trim().to_string(), *no));
                continue;
            }
            if prompt_done && !key.contains(' ') {
                let mut d = Diagnostic::error(
                    "unknown-key",
                    file,
                    format!("unknown question key `{}`", k.trim()),
                )
                .at(*no, 1);
                d = d.suggest(
                    &key,
                    KEYS.iter().copied(),
                    format!("the keys are: {}", KEYS.join(", ")),
                );
                diags.push(d);
                continue;
            }
        }
        if prompt_done {
            diags.push(
                Diagnostic::error(
                    "question-syntax",
                    file,
                    "text after the answers is not part of any answer",
                )
                .at(*no, 1)
                .help(
                    "put the question text before the answers; indent option feedback as `  > …`",
                ),
            );
            continue;
        }
        prompt.push(line);
    }
    let prompt = prompt.join("\n").trim().to_string();
    let err = |diags: &mut Diagnostics, code: &'static str, msg: String, help: &str| {
        diags.push(
            Diagnostic::error(code, file, msg)
                .at(c.line, 1)
                .help(help.to_string()),
        );
    };
    if prompt.is_empty() {
        err(
            diags,
            "question-no-prompt",
            "question has no text".into(),
            "write the question on the lines after `::: question`",
        );
    }
    let get = |name: &str| {
        keys.iter()
            .find(|(k, _, _)| *k == name)
            .map(|(_, v, l)| (v.clone(), *l))
    };
    let mut q = Question {
        id: String::new(),
        kind,
        prompt,
        choices,
        answers: Vec::new(),
        case_sensitive: matches!(
            get("case-sensitive").map(|(v, _)| v).as_deref(),
            Some("yes" | "true")
        ),
        range: None,
        correct_feedback: get("correct").map(|(v, _)| v),
        incorrect_feedback: get("incorrect").map(|(v, _)| v),
        file: file.to_path_buf(),
        line: c.line,
    };
    match kind {
        Kind::Single | Kind::Multiple => {
            let n_correct = q.choices.iter().filter(|c| c.correct).count();
            if q.choices.len() < 2 {
                err(
                    diags,
                    "question-options",
                    "a choice question needs at least two options".into(),
                    "list options as `- [ ] wrong` and `- [x] right`",
                );
            }
            if n_correct == 0 {
                err(
                    diags,
                    "no-correct-answer",
                    "question has no correct answer".into(),
                    "mark the right option with an x: `- [x] Five`",
                );
            }
            if kind == Kind::Single && n_correct > 1 {
                err(
                    diags,
                    "several-correct-answers",
                    format!("single-choice question has {n_correct} correct answers"),
                    "use `::: question multiple` when more than one option is right",
                );
            }
        }
        Kind::TrueFalse => {
            if q.choices.is_empty() {
                match get("answer").map(|(v, l)| (v.to_ascii_lowercase(), l)) {
                    Some((v, _)) if v == "true" || v == "false" => {
                        q.choices = vec![
                            Choice {
                                id: "true".into(),
                                text: "True".into(),
                                correct: v == "true",
                                feedback: None,
                                matches: None,
                            },
                            Choice {
                                id: "false".into(),
                                text: "False".into(),
                                correct: v == "false",
                                feedback: None,
                                matches: None,
                            },
                        ];
                    }
                    Some((v, l)) => diags.push(
                        Diagnostic::error(
                            "invalid-answer",
                            file,
                            format!("a true-false answer is `true` or `false`, not `{v}`"),
                        )
                        .at(l, 1)
                        .help("write `answer: true` or `answer: false`"),
                    ),
                    None => err(
                        diags,
                        "no-correct-answer",
                        "true-false question has no answer".into(),
                        "add `answer: true` or `answer: false`",
                    ),
                }
            } else {
                if q.choices.len() != 2 {
                    err(
                        diags,
                        "question-options",
                        "a true-false question has exactly two options".into(),
                        "list `- [x] True` and `- [ ] False`",
                    );
                }
                if q.choices.iter().filter(|c| c.correct).count() != 1 {
                    err(
                        diags,
                        "no-correct-answer",
                        "mark exactly one of the two options correct".into(),
                        "mark the right option with an x: `- [x] True`",
                    );
                }
            }
        }
        Kind::FillIn => match get("answer") {
            Some((v, _)) => {
                q.answers = v
                    .split('|')
                    .map(|a| a.trim().to_string())
                    .filter(|a| !a.is_empty())
                    .collect();
                if q.answers.is_empty() {
                    err(
                        diags,
                        "no-correct-answer",
                        "fill-in question has an empty answer".into(),
                        "write accepted answers separated by |, such as `answer: MRSA | meticillin-resistant Staphylococcus aureus`",
                    );
                }
            }
            None => err(
                diags,
                "no-correct-answer",
                "fill-in question has no answer".into(),
                "add `answer: …`, with alternatives separated by |",
            ),
        },
        Kind::Numeric => match get("answer") {
            Some((v, l)) => match v.parse::<f64>().ok().filter(|x| x.is_finite()).ok_or(()) {
                Ok(x) => {
                    let tol = match get("tolerance") {
                        Some((t, tl)) => t
                            .parse::<f64>()
                            .ok()
                            .filter(|t| t.is_finite() && *t >= 0.0)
                            .unwrap_or_else(|| {
                                diags.push(
                                    Diagnostic::error(
                                        "invalid-answer",
                                        file,
                                        format!("tolerance `{t}` is not a positive number"),
                                    )
                                    .at(tl, 1)
                                    .help("write it as a number, such as `tolerance: 0.5`"),
                                );
                                0.0
                            }),
                        None => 0.0,
                    };
                    q.range = Some((x - tol, x + tol));
                }
                Err(_) => diags.push(
                    Diagnostic::error(
                        "invalid-answer",
                        file,
                        format!("numeric answer `{v}` is not a finite number"),
                    )
                    .at(l, 1)
                    .help("write digits with a dot for decimals, such as `answer: 37.5`"),
                ),
            },
            None => err(
                diags,
                "no-correct-answer",
                "numeric question has no answer".into(),
                "add `answer: 20`, and `tolerance: 2` to accept 18 to 22",
            ),
        },
        Kind::Matching => {
            if q.choices.iter().any(|c| {
                c.text.trim().is_empty()
                    || c.matches.as_deref().is_some_and(|m| m.trim().is_empty())
            }) {
                err(
                    diags,
                    "question-options",
                    "a matching pair has an empty side, so the question cannot be answered".into(),
                    "write both sides of each pair: `- Alcohol hand rub -> 20 to 30 seconds`",
                );
            }
            if q.choices.len() < 2 || q.choices.iter().any(|c| c.matches.is_none()) {
                err(
                    diags,
                    "question-options",
                    "a matching question needs at least two `- left -> right` pairs".into(),
                    "write each pair as `- Alcohol hand rub -> 20 to 30 seconds`",
                );
            }
        }
        Kind::Ordering => {
            if q.choices.len() < 2 {
                err(
                    diags,
                    "question-options",
                    "an ordering question needs at least two numbered steps".into(),
                    "list the steps in the right order as `1. Wet hands`, `2. Apply soap`…",
                );
            }
        }
    }
    if q.choices.len() > MAX_OPTIONS {
        err(
            diags,
            "too-many-options",
            format!(
                "question has {} options; SCORM 1.2 can record at most {MAX_OPTIONS}",
                q.choices.len()
            ),
            "SCORM 1.2 names each option with one letter or digit (a-z, 0-9): split the question, or use fewer options",
        );
    }
    let mut texts: Vec<&str> = q.choices.iter().map(|c| c.text.as_str()).collect();
    texts.sort_unstable();
    if texts.windows(2).any(|w| w[0] == w[1]) {
        err(
            diags,
            "duplicate-option",
            "two options have the same text".into(),
            "make each option different",
        );
    }
    q.id = id.unwrap_or_else(|| derived_id(kind, &q.prompt));
    Some(q)
}

fn choice(text: &str, correct: bool, matches: Option<String>) -> Choice {
    Choice {
        id: short_hash(text.trim()),
        text: text.trim().to_string(),
        correct,
        feedback: None,
        matches,
    }
}

fn task_item(t: &str) -> Option<(bool, &str)> {
    let rest = t.strip_prefix("- [").or_else(|| t.strip_prefix("* ["))?;
    let (mark, text) = rest.split_once(']')?;
    match mark {
        "x" | "X" => Some((true, text.trim())),
        " " | "" => Some((false, text.trim())),
        _ => None,
    }
}

fn ordered_item(t: &str) -> Option<&str> {
    let digits = t.chars().take_while(char::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    t[digits..]
        .strip_prefix(". ")
        .or_else(|| t[digits..].strip_prefix(") "))
        .map(str::trim)
}

/// The key that stands for a page or question in a learner's saved state: five base-36
/// characters from the id's hash, so saved progress stays small (SCORM 1.2 allows 4,096
/// characters) and survives reordering. Collisions are reported by the build.
pub fn state_key(id: &str) -> String {
    let d = Sha256::digest(id.as_bytes());
    let mut n = u64::from_be_bytes([0, 0, 0, d[0], d[1], d[2], d[3], d[4]]);
    let mut out = String::with_capacity(5);
    for _ in 0..5 {
        out.push(char::from_digit((n % 36) as u32, 36).expect("digit"));
        n /= 36;
    }
    out
}

/// Longest answer a learner can type into a fill-in question (and numeric: 30).
pub const MAX_TEXT_ANSWER: usize = 200;
pub const MAX_NUMBER_ANSWER: usize = 30;
/// The most characters JSON writes for one typed character: `\u` and four hex digits.
const JSON_ESCAPE_MAX: usize = 6;

/// The most characters this question's saved answer can take in the learner's state,
/// as `"key":answer,` in JSON.
pub fn worst_case_state_chars(q: &Question) -> usize {
    let n = q.choices.len();
    let answer = match q.kind {
        Kind::Single | Kind::TrueFalse => 8,
        Kind::Multiple => 2 + n * 9,
        // JSON writes a typed character as at most six (a control character as \u001f).
        Kind::FillIn => 2 + JSON_ESCAPE_MAX * MAX_TEXT_ANSWER,
        Kind::Numeric => 2 + JSON_ESCAPE_MAX * MAX_NUMBER_ANSWER,
        Kind::Matching => 2 + n * 18,
        Kind::Ordering => 2 + n * (8 + 1 + 2 + n.to_string().len() + 1),
    };
    8 + answer + 1
}

/// The most characters a learner can type into this question's answer.
fn typed_chars(q: &Question) -> usize {
    match q.kind {
        Kind::FillIn => MAX_TEXT_ANSWER,
        Kind::Numeric => MAX_NUMBER_ANSWER,
        _ => 0,
    }
}

/// The most bytes this question's saved answer can take inside a commit to the LMS,
/// where the saved state is itself a JSON string: every character of the state's own
/// JSON at most doubles (`"` becomes `\"`), and a typed character costs at most seven
/// bytes (a control character, `\u001f` in the state, is `\\u001f` in the commit).
pub fn worst_case_state_commit_bytes(q: &Question) -> usize {
    let typed = typed_chars(q);
    let structure = worst_case_state_chars(q) - JSON_ESCAPE_MAX * typed;
    2 * structure + 7 * typed
}

/// The most bytes this question's own values take when it is journalled as an
/// interaction (id, description, response and correct-response patterns, as the SCORM
/// runtime writes them, JSON-escaped and UTF-8 encoded), in either SCORM version.
pub fn worst_case_interaction_bytes(q: &Question) -> usize {
    const DESCRIPTION: usize = 250;
    let n = q.choices.len();
    let id = 2 * q.id.len();
    // The description is the prompt's text, cut at 250 UTF-16 units, each at most three
    // bytes of UTF-8 (or two for an escaped quote).
    let description = 3 * q.prompt.encode_utf16().count().min(DESCRIPTION);
    let (response, patterns) = match q.kind {
        Kind::Single | Kind::TrueFalse => (8, 8),
        Kind::Multiple | Kind::Ordering => (9 * n, 9 * n),
        Kind::Matching => (18 * n, 18 * n),
        Kind::FillIn => (
            JSON_ESCAPE_MAX * MAX_TEXT_ANSWER,
            q.answers
                .iter()
                .take(5)
                .map(|a| 3 * (a.encode_utf16().count().min(250) + 20))
                .sum(),
        ),
        Kind::Numeric => (JSON_ESCAPE_MAX * MAX_NUMBER_ANSWER, 64),
    };
    id + description + response + patterns
}

/// A short, stable id for a piece of text.
pub fn short_hash(text: &str) -> String {
    let d = Sha256::digest(text.as_bytes());
    d.iter().take(3).fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

fn derived_id(kind: Kind, prompt: &str) -> String {
    let normal: String = prompt
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    let d = Sha256::digest(format!("{kind:?}\n{normal}").as_bytes());
    let hex = d.iter().take(4).fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    });
    format!("q-{hex}")
}

/// Reports questions that share an id anywhere in the course.
pub fn check_unique_ids<'a>(
    questions: impl IntoIterator<Item = &'a Question>,
    diags: &mut Diagnostics,
) {
    let mut seen: std::collections::BTreeMap<&str, (&Path, usize)> = Default::default();
    for q in questions {
        if let Some((file, line)) = seen.get(q.id.as_str()) {
            diags.push(
                Diagnostic::error(
                    "duplicate-question-id",
                    &q.file,
                    format!(
                        "question id `{}` is already used at {}:{}",
                        q.id,
                        file.display(),
                        line
                    ),
                )
                .at(q.line, 1)
                .help("give each question its own id, such as `::: question single #moments-2`"),
            );
        } else {
            seen.insert(&q.id, (&q.file, q.line));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn container(args: &str, body: &str) -> Container {
        Container {
            name: "question".into(),
            args: args.into(),
            file: "l.md".into(),
            line: 10,
            lines: body
                .lines()
                .enumerate()
                .map(|(i, l)| (11 + i, l.to_string()))
                .collect(),
            children: vec![],
        }
    }

    fn q(args: &str, body: &str) -> (Option<Question>, Vec<Diagnostic>) {
        let mut d = Diagnostics::default();
        let q = parse(&container(args, body), &mut d);
        (q, d.into_vec())
    }

    #[test]
    fn single_choice_with_feedback() {
        let (q, d) = q(
            "single #moments",
            "How many moments?\n\n- [ ] Three\n  > Not quite.\n- [x] Five\n\ncorrect: Yes.\nincorrect: No.\n",
        );
        assert!(d.is_empty(), "{d:?}");
        let q = q.unwrap();
        assert_eq!(q.id, "moments");
        assert_eq!(q.prompt, "How many moments?");
        assert_eq!(q.choices.len(), 2);
        assert_eq!(q.choices[0].feedback.as_deref(), Some("Not quite."));
        assert!(q.choices[1].correct);
        assert_eq!(q.correct_feedback.as_deref(), Some("Yes."));
    }

    #[test]
    fn derived_ids_ignore_position_and_spacing() {
        let (a, _) = q("single", "How many  moments?\n- [x] Five\n- [ ] Six\n");
        let (b, _) = q(
            "single",
            "How many moments?\n- [ ] Six\n- [x] Five\n- [ ] Seven\n",
        );
        assert_eq!(a.unwrap().id, b.unwrap().id);
    }

    #[test]
    fn more_options_than_scorm_12_can_record_are_refused() {
        let options = |n: usize| {
            (0..n)
                .map(|i| format!("- [{}] Option {i}\n", if i == 0 { "x" } else { " " }))
                .collect::<String>()
        };
        let (_, d) = q("single", &format!("Pick\n{}", options(MAX_OPTIONS)));
        assert!(d.is_empty(), "{d:?}");
        let (_, d) = q("single", &format!("Pick\n{}", options(MAX_OPTIONS + 1)));
        assert_eq!(
            d.iter().map(|d| d.code).collect::<Vec<_>>(),
            ["too-many-options"]
        );
        let steps: String = (1..=40).map(|i| format!("{i}. Step {i}\n")).collect();
        let (_, d) = q("ordering", &format!("Order these\n{steps}"));
        assert_eq!(
            d.iter().map(|d| d.code).collect::<Vec<_>>(),
            ["too-many-options"]
        );
    }

    #[test]
    fn answers_an_lms_would_refuse_or_no_learner_could_give_are_errors() {
        let long = "a".repeat(MAX_ID_CHARS + 1);
        let (_, d) = q(&format!("single #{long}"), "Pick\n- [x] a\n- [ ] b\n");
        assert_eq!(
            d.iter().map(|d| d.code).collect::<Vec<_>>(),
            ["question-id-too-long"]
        );
        let ok = "a".repeat(MAX_ID_CHARS);
        let (q1, d) = q(&format!("single #{ok}"), "Pick\n- [x] a\n- [ ] b\n");
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(q1.unwrap().id, ok);
        for answer in ["NaN", "inf", "-infinity", "1e400"] {
            let (_, d) = q("numeric", &format!("How many?\n\nanswer: {answer}\n"));
            assert_eq!(
                d.iter().map(|d| d.code).collect::<Vec<_>>(),
                ["invalid-answer"],
                "{answer}"
            );
        }
        let (_, d) = q("numeric", "How many?\n\nanswer: 5\ntolerance: inf\n");
        assert_eq!(
            d.iter().map(|d| d.code).collect::<Vec<_>>(),
            ["invalid-answer"]
        );
        let (_, d) = q(
            "matching",
            "Match\n\n- Gel -> 20 seconds\n-  -> 40 seconds\n- Soap -> \n",
        );
        assert!(d.iter().any(|d| d.message.contains("empty side")), "{d:?}");
    }

    #[test]
    fn no_correct_answer_is_an_error() {
        let (_, d) = q("single", "Pick\n- [ ] a\n- [ ] b\n");
        assert_eq!(d[0].code, "no-correct-answer");
        assert_eq!(d[0].position.line, 10);
    }

    #[test]
    fn each_kind_parses() {
        let (n, d) = q("numeric", "Seconds?\n\nanswer: 20\ntolerance: 2\n");
        assert!(d.is_empty());
        assert_eq!(n.unwrap().range, Some((18.0, 22.0)));
        let (f, _) = q(
            "fill-in",
            "Name it\nanswer: MRSA | Meticillin-resistant Staphylococcus aureus\n",
        );
        assert_eq!(f.unwrap().answers.len(), 2);
        let (m, d) = q("matching", "Match\n- Rub -> 20 s\n- Wash -> 40 s\n");
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(m.unwrap().choices[1].matches.as_deref(), Some("40 s"));
        let (o, d) = q("ordering", "Order\n1. Wet\n2. Soap\n3. Rinse\n");
        assert!(d.is_empty());
        assert_eq!(o.unwrap().choices.len(), 3);
        let (t, _) = q("true-false", "Gloves replace washing.\nanswer: false\n");
        assert!(t.unwrap().choices[1].correct);
    }

    #[test]
    fn unknown_type_and_key_suggest_fixes() {
        let (_, d) = q("multiple-choise", "x\n");
        assert_eq!(
            d[0].help.as_deref(),
            Some("did you mean `multiple-choice`?")
        );
        let (_, d) = q("fill-in", "x\nanswer: a\ncorect: yes\n");
        assert_eq!(d[0].help.as_deref(), Some("did you mean `correct`?"));
    }
}
