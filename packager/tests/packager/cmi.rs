//! The data-model rules against ADL's conformance scripts (decoded to JSON), every step
//! replayed on a fresh [`Runtime`] per activity, and element-by-element checks from the
//! specifications' tables.

use std::path::Path;

use packager::cmi::{Runtime, Version};
use serde_json::Value;

fn fixtures() -> Vec<(String, Value)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/conformance/adl-cts/scorm-again-decoded");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .chain(std::fs::read_dir(dir.join("generated")).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap(),
            )
        })
        .collect()
}

/// `{"cmi": {"objectives": {"0": {"id": "x"}}}}` → `cmi.objectives.0.id = x`.
fn flatten(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten(&format!("{prefix}.{i}"), v, out);
            }
        }
        Value::String(s) => out.push((prefix.to_string(), s.clone())),
        other => out.push((prefix.to_string(), other.to_string())),
    }
}

fn s(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or("").to_string()
}

#[test]
fn every_decoded_adl_step_returns_what_the_script_expects() {
    let mut steps = 0;
    let mut failures = Vec::new();
    for (file, doc) in fixtures() {
        let version = if s(&doc, "scormVersion") == "1.2" {
            Version::Scorm12
        } else {
            Version::Scorm2004
        };
        for act in doc["activities"].as_array().unwrap() {
            let mut rt = Runtime::new(version);
            if let Some(init) = act.get("initialState") {
                let mut seeds = Vec::new();
                flatten("", init, &mut seeds);
                for (k, v) in seeds {
                    rt.seed(&k, &v);
                }
            }
            for (i, step) in act["steps"].as_array().unwrap().iter().enumerate() {
                steps += 1;
                let method = s(step, "method");
                let element = s(step, "element");
                let value = s(step, "value");
                let got = match method.as_str() {
                    "Initialize" | "LMSInitialize" => bool_str(rt.initialize(&value)),
                    "Terminate" | "LMSFinish" => bool_str(rt.terminate(&value)),
                    "Commit" | "LMSCommit" => bool_str(rt.commit(&value)),
                    "GetValue" | "LMSGetValue" => rt.get_value(&element),
                    "SetValue" | "LMSSetValue" => bool_str(rt.set_value(&element, &value)),
                    "GetLastError" | "LMSGetLastError" => rt.last_error(),
                    "GetErrorString" | "LMSGetErrorString" => rt.error_string(&value),
                    "GetDiagnostic" | "LMSGetDiagnostic" => rt.diagnostic(&value),
                    other => panic!("{file}: unknown method {other}"),
                };
                let code = rt.last_error();
                let want_code = s(step, "expectedErrorCode");
                let ret_ok = match &step["expectedReturn"] {
                    Value::String(w) => &got == w,
                    Value::Object(m)
                        if m.get("match").and_then(Value::as_str) == Some("nonEmptyMax255") =>
                    {
                        !got.is_empty() && got.chars().count() <= 255
                    }
                    other => panic!("{file}: unknown expectation {other}"),
                };
                if !ret_ok || code != want_code {
                    failures.push(format!(
                        "{file} {} step {i}: {method}({element}{}{value}) returned {got:?} error {code}; expected {} error {want_code}",
                        s(act, "id"),
                        if value.is_empty() || element.is_empty() { "" } else { ", " },
                        step["expectedReturn"],
                    ));
                }
            }
        }
    }
    assert!(steps >= 633, "all steps replayed: {steps}");
    assert!(
        failures.is_empty(),
        "{} of {steps} steps differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn bool_str(b: bool) -> String {
    if b { "true".into() } else { "false".into() }
}

/// Visit N+1 of a DMB activity must start from what `next_session` makes of visit N.
#[test]
fn the_next_visit_starts_where_adl_expects() {
    let doc = fixtures()
        .into_iter()
        .find(|(f, _)| f == "DMB.json")
        .unwrap()
        .1;
    let properties = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../shared/conformance/adl-cts/TestCases/DMB.properties"),
    )
    .unwrap();
    let acts = doc["activities"].as_array().unwrap();
    let mut checked = 0;
    for pair in acts.windows(2) {
        let (a, b) = (&pair[0], &pair[1]);
        let (ida, idb) = (s(a, "id"), s(b, "id"));
        // Act1V1 → Act1V2: same activity, next visit.
        if ida.split('V').next() != idb.split('V').next() {
            continue;
        }
        let mut rt = Runtime::new(Version::Scorm2004);
        let mut seeds = Vec::new();
        flatten("", &a["initialState"], &mut seeds);
        for (k, v) in seeds {
            rt.seed(&k, &v);
        }
        for step in a["steps"].as_array().unwrap() {
            match s(step, "method").as_str() {
                "Initialize" => {
                    rt.initialize("");
                }
                "SetValue" => {
                    rt.set_value(&s(step, "element"), &s(step, "value"));
                }
                _ => {}
            }
        }
        // The decoder drops navigation requests; DMB ends some visits with suspendAll.
        if properties
            .lines()
            .any(|l| l.starts_with(&format!("{ida}.commands.")) && l.contains("SET->a~n~r!N.sa->"))
        {
            assert!(rt.set_value("adl.nav.request", "suspendAll"));
        }
        rt.terminate("");
        let mut next = rt.next_session();
        next.initialize("");
        let mut expected = Vec::new();
        flatten("", &b["initialState"], &mut expected);
        for (k, v) in expected {
            let got = next.get_value(&k);
            let same = match (
                packager::cmi::types::duration_seconds(&got),
                packager::cmi::types::duration_seconds(&v),
            ) {
                (Some(x), Some(y)) => (x - y).abs() < 0.001,
                _ => got == v,
            };
            assert!(same, "{ida} → {idb}: {k} is {got:?}, ADL expects {v:?}");
        }
        checked += 1;
    }
    assert!(checked >= 2, "{checked}");
}

struct Rule {
    element: &'static str,
    /// A value that must be accepted (None for read-only elements).
    good: Option<&'static str>,
    /// A value that must be refused, with the error code.
    bad: Option<(&'static str, &'static str)>,
    /// GetValue's error code after a good value is set (or for a read-only element).
    get: &'static str,
}

fn check_rules(version: Version, setup: &[(&str, &str)], rules: &[Rule]) {
    let mut failures = Vec::new();
    for r in rules {
        let mut rt = Runtime::new(version);
        rt.initialize("");
        for (k, v) in setup {
            assert!(rt.set_value(k, v), "setup {k}={v}: {}", rt.last_error());
        }
        match r.good {
            Some(v) => {
                if !rt.set_value(r.element, v) {
                    failures.push(format!(
                        "{}: set {v:?} failed with {}",
                        r.element,
                        rt.last_error()
                    ));
                }
            }
            None => {
                let code = if version == Version::Scorm12 {
                    "403"
                } else {
                    "404"
                };
                if rt.set_value(r.element, "x") || rt.last_error() != code {
                    failures.push(format!(
                        "{}: read-only, but set gave {}",
                        r.element,
                        rt.last_error()
                    ));
                }
            }
        }
        let got = rt.get_value(r.element);
        if rt.last_error() != r.get {
            failures.push(format!(
                "{}: get gave {} ({got:?}), expected {}",
                r.element,
                rt.last_error(),
                r.get
            ));
        } else if r.get == "0"
            && let Some(v) = r.good
            && got != v
        {
            failures.push(format!("{}: get returned {got:?}, set {v:?}", r.element));
        }
        if let Some((v, code)) = r.bad
            && (rt.set_value(r.element, v) || rt.last_error() != code)
        {
            failures.push(format!(
                "{}: bad value {v:?} gave {}, expected {code}",
                r.element,
                rt.last_error()
            ));
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn scorm_12_elements_follow_the_spec_table() {
    let rules = [
        Rule {
            element: "cmi.core.student_id",
            good: None,
            bad: None,
            get: "0",
        },
        Rule {
            element: "cmi.core.student_name",
            good: None,
            bad: None,
            get: "0",
        },
        Rule {
            element: "cmi.core.lesson_location",
            good: Some("page-3"),
            bad: None,
            get: "0",
        },
        Rule {
            element: "cmi.core.credit",
            good: None,
            bad: None,
            get: "0",
        },
        Rule {
            element: "cmi.core.lesson_status",
            good: Some("incomplete"),
            bad: Some(("not attempted", "405")),
            get: "0",
        },
        Rule {
            element: "cmi.core.entry",
            good: None,
            bad: None,
            get: "0",
        },
        Rule {
            element: "cmi.core.score.raw",
            good: Some("85"),
            bad: Some(("150", "405")),
            get: "0",
        },
        Rule {
            element: "cmi.core.score.min",
            good: Some("0"),
            bad: Some(("abc", "405")),
            get: "0",
        },
        Rule {
            element: "cmi.core.score.max",
            good: Some("100"),
            bad: Some(("-1", "405")),
            get: "0",
        },
        Rule {
            element: "cmi.core.total_time",
            good: None,
            bad: None,
            get: "0",
        },
        Rule {
            element: "cmi.core.lesson_mode",
            good: None,
            bad: None,
            get: "0",
        },
        Rule {
            element: "cmi.core.exit",
            good: Some("suspend"),
            bad: Some(("normal", "405")),
            get: "404",
        },
        Rule {
            element: "cmi.core.session_time",
            good: Some("0000:05:30.5"),
            bad: Some(("PT5M", "405")),
            get: "404",
        },
        Rule {
            element: "cmi.suspend_data",
            good: Some("{\"v\":1}"),
            bad: None,
            get: "0",
        },
        Rule {
            element: "cmi.launch_data",
            good: None,
            bad: None,
            get: "0",
        },
        Rule {
            element: "cmi.comments",
            good: Some("Good course"),
            bad: None,
            get: "0",
        },
        Rule {
            element: "cmi.comments_from_lms",
            good: None,
            bad: None,
            get: "0",
        },
        Rule {
            element: "cmi.objectives.0.id",
            good: Some("obj-1"),
            bad: Some(("has space", "405")),
            get: "0",
        },
        Rule {
            element: "cmi.objectives.0.status",
            good: Some("passed"),
            bad: Some(("Passed", "405")),
            get: "0",
        },
        Rule {
            element: "cmi.student_data.mastery_score",
            good: None,
            bad: None,
            get: "0",
        },
        Rule {
            element: "cmi.student_preference.audio",
            good: Some("50"),
            bad: Some(("101", "405")),
            get: "0",
        },
        Rule {
            element: "cmi.student_preference.speed",
            good: Some("-100"),
            bad: Some(("1.5", "405")),
            get: "0",
        },
        Rule {
            element: "cmi.student_preference.text",
            good: Some("1"),
            bad: Some(("2", "405")),
            get: "0",
        },
        Rule {
            element: "cmi.interactions.0.id",
            good: Some("q1"),
            bad: None,
            get: "404",
        },
        Rule {
            element: "cmi.interactions.0.type",
            good: Some("choice"),
            bad: Some(("long-fill-in", "405")),
            get: "404",
        },
        Rule {
            element: "cmi.interactions.0.time",
            good: Some("10:05:30"),
            bad: Some(("2026-01-01T10:05:30", "405")),
            get: "404",
        },
        Rule {
            element: "cmi.interactions.0.result",
            good: Some("wrong"),
            bad: Some(("incorrect", "405")),
            get: "404",
        },
        Rule {
            element: "cmi.interactions.0.latency",
            good: Some("00:00:05"),
            bad: None,
            get: "404",
        },
        Rule {
            element: "cmi.interactions.0.student_response",
            good: Some("a,b"),
            bad: None,
            get: "404",
        },
        Rule {
            element: "cmi.interactions.0.correct_responses.0.pattern",
            good: Some("b"),
            bad: None,
            get: "404",
        },
    ];
    check_rules(Version::Scorm12, &[], &rules);
}

#[test]
fn scorm_12_keywords_arrays_and_states() {
    let mut rt = Runtime::new(Version::Scorm12);
    assert_eq!(rt.get_value("cmi.core.lesson_status"), "");
    assert_eq!(rt.last_error(), "301");
    assert!(rt.initialize(""));
    assert!(!rt.initialize(""));
    assert_eq!(rt.last_error(), "101");
    assert_eq!(
        rt.get_value("cmi.core._children"),
        "student_id,student_name,lesson_location,credit,lesson_status,entry,score,total_time,lesson_mode,exit,session_time"
    );
    assert_eq!(rt.get_value("cmi.core.lesson_status._children"), "");
    assert_eq!(rt.last_error(), "202");
    assert_eq!(rt.get_value("cmi.core._count"), "");
    assert_eq!(rt.last_error(), "203");
    assert!(!rt.set_value("cmi.core._children", "x"));
    assert_eq!(rt.last_error(), "402");
    assert_eq!(rt.get_value("cmi.bogus"), "");
    assert_eq!(rt.last_error(), "401");
    assert_eq!(rt.get_value("cmi.interactions._count"), "0");
    assert!(!rt.set_value("cmi.interactions.1.id", "q2"), "out of order");
    assert_eq!(rt.last_error(), "201");
    assert!(rt.set_value("cmi.interactions.0.id", "q1"));
    assert_eq!(rt.get_value("cmi.interactions._count"), "1");
    assert_eq!(rt.get_value("cmi.core.lesson_status"), "not attempted");
    // GetLastError and friends do not change the error.
    rt.get_value("cmi.core.exit");
    assert_eq!(rt.last_error(), "404");
    assert_eq!(rt.error_string("404"), "Element is write only");
    assert_eq!(rt.last_error(), "404");
    assert!(rt.error_string("999").is_empty());
    assert!(rt.terminate(""));
    assert!(!rt.set_value("cmi.core.lesson_location", "x"));
    assert_eq!(rt.last_error(), "301");
}

#[test]
fn scorm_12_finish_applies_the_default_status_and_mastery_score() {
    let mut rt = Runtime::new(Version::Scorm12);
    rt.seed("cmi.student_data.mastery_score", "80");
    rt.initialize("");
    rt.set_value("cmi.core.score.raw", "75");
    rt.set_value("cmi.core.session_time", "00:10:00");
    rt.set_value("cmi.core.exit", "suspend");
    rt.terminate("");
    assert_eq!(rt.values()["cmi.core.lesson_status"], "failed");
    let mut next = rt.next_session();
    next.initialize("");
    assert_eq!(next.get_value("cmi.core.entry"), "resume");
    assert_eq!(next.get_value("cmi.core.total_time"), "0000:10:00.00");
    assert_eq!(next.get_value("cmi.core.score.raw"), "75");

    let mut untouched = Runtime::new(Version::Scorm12);
    untouched.initialize("");
    untouched.terminate("");
    assert_eq!(untouched.values()["cmi.core.lesson_status"], "completed");
}

#[test]
fn scorm_2004_elements_follow_the_spec_table() {
    let rules = [
        Rule {
            element: "cmi.completion_status",
            good: Some("completed"),
            bad: Some(("done", "406")),
            get: "0",
        },
        Rule {
            element: "cmi.success_status",
            good: Some("passed"),
            bad: Some(("Passed", "406")),
            get: "0",
        },
        Rule {
            element: "cmi.score.scaled",
            good: Some("-0.5"),
            bad: Some(("1.5", "407")),
            get: "0",
        },
        Rule {
            element: "cmi.score.raw",
            good: Some("150"),
            bad: Some(("1e3", "406")),
            get: "0",
        },
        Rule {
            element: "cmi.progress_measure",
            good: Some("0.5"),
            bad: Some(("2", "407")),
            get: "0",
        },
        Rule {
            element: "cmi.location",
            good: Some("page-2"),
            bad: None,
            get: "0",
        },
        Rule {
            element: "cmi.suspend_data",
            good: Some("x"),
            bad: None,
            get: "0",
        },
        Rule {
            element: "cmi.exit",
            good: Some("suspend"),
            bad: Some(("finish", "406")),
            get: "405",
        },
        Rule {
            element: "cmi.session_time",
            good: Some("PT1H2M3.5S"),
            bad: Some(("00:05:00", "406")),
            get: "405",
        },
        Rule {
            element: "cmi.entry",
            good: None,
            bad: None,
            get: "0",
        },
        Rule {
            element: "cmi.credit",
            good: None,
            bad: None,
            get: "0",
        },
        Rule {
            element: "cmi.mode",
            good: None,
            bad: None,
            get: "0",
        },
        Rule {
            element: "cmi.total_time",
            good: None,
            bad: None,
            get: "0",
        },
        Rule {
            element: "cmi.launch_data",
            good: None,
            bad: None,
            get: "403",
        },
        Rule {
            element: "cmi.max_time_allowed",
            good: None,
            bad: None,
            get: "403",
        },
        Rule {
            element: "cmi.scaled_passing_score",
            good: None,
            bad: None,
            get: "403",
        },
        Rule {
            element: "cmi.completion_threshold",
            good: None,
            bad: None,
            get: "403",
        },
        Rule {
            element: "cmi.learner_preference.audio_level",
            good: Some("2.5"),
            bad: Some(("-1", "407")),
            get: "0",
        },
        Rule {
            element: "cmi.learner_preference.audio_captioning",
            good: Some("-1"),
            bad: Some(("2", "406")),
            get: "0",
        },
        Rule {
            element: "cmi.learner_preference.language",
            good: Some("en-GB"),
            bad: Some(("english language", "406")),
            get: "0",
        },
        Rule {
            element: "cmi.objectives.0.id",
            good: Some("obj-1"),
            bad: None,
            get: "0",
        },
        Rule {
            element: "cmi.interactions.0.id",
            good: Some("q1"),
            bad: None,
            get: "0",
        },
        Rule {
            element: "cmi.comments_from_learner.0.timestamp",
            good: Some("2026-11-29T10:05:30"),
            bad: Some(("29/11/2026", "406")),
            get: "0",
        },
        Rule {
            element: "adl.nav.request",
            good: Some("{target=item2}choice"),
            bad: Some(("jump", "406")),
            get: "0",
        },
    ];
    check_rules(Version::Scorm2004, &[], &rules);
    let interaction = [
        ("cmi.interactions.0.id", "q1"),
        ("cmi.interactions.0.type", "choice"),
    ];
    let rules = [
        Rule {
            element: "cmi.interactions.0.learner_response",
            good: Some("a[,]b"),
            bad: Some(("a[,]a", "406")),
            get: "0",
        },
        Rule {
            element: "cmi.interactions.0.correct_responses.0.pattern",
            good: Some("b"),
            bad: None,
            get: "0",
        },
        Rule {
            element: "cmi.interactions.0.result",
            good: Some("incorrect"),
            bad: Some(("wrong", "406")),
            get: "0",
        },
        Rule {
            element: "cmi.interactions.0.weighting",
            good: Some("1"),
            bad: Some(("heavy", "406")),
            get: "0",
        },
        Rule {
            element: "cmi.interactions.0.latency",
            good: Some("PT5S"),
            bad: Some(("00:00:05", "406")),
            get: "0",
        },
        Rule {
            element: "cmi.interactions.0.description",
            good: Some("{lang=en}Which?"),
            bad: Some(("{lang=??}Which?", "406")),
            get: "0",
        },
    ];
    check_rules(Version::Scorm2004, &interaction, &rules);
}

#[test]
fn scorm_2004_dependencies_order_and_evaluated_statuses() {
    let mut rt = Runtime::new(Version::Scorm2004);
    rt.seed("cmi.scaled_passing_score", "0.8");
    rt.seed("cmi.completion_threshold", "0.75");
    rt.initialize("");
    assert!(!rt.set_value("cmi.interactions.0.type", "choice"));
    assert_eq!(rt.last_error(), "408", "id first");
    rt.set_value("cmi.interactions.0.id", "q1");
    assert!(!rt.set_value("cmi.interactions.0.learner_response", "a"));
    assert_eq!(rt.last_error(), "408", "type before response");
    assert!(!rt.set_value("cmi.interactions.2.id", "q3"));
    assert_eq!(rt.last_error(), "351", "arrays fill in order");
    assert_eq!(rt.get_value("cmi.interactions.1.id"), "");
    assert_eq!(rt.last_error(), "301", "get beyond count");
    rt.set_value("cmi.objectives.0.id", "o1");
    assert!(!rt.set_value("cmi.objectives.1.id", "o1"));
    assert_eq!(rt.last_error(), "351", "objective ids are unique");
    assert!(!rt.set_value("cmi.objectives.0.id", "o2"));
    assert_eq!(rt.last_error(), "351", "an objective id cannot change");
    // Status the LMS evaluates from measures, whatever the SCO says.
    rt.set_value("cmi.success_status", "passed");
    assert_eq!(
        rt.get_value("cmi.success_status"),
        "unknown",
        "no scaled score yet"
    );
    rt.set_value("cmi.score.scaled", "0.7");
    assert_eq!(rt.get_value("cmi.success_status"), "failed");
    rt.set_value("cmi.completion_status", "completed");
    rt.set_value("cmi.progress_measure", "0.5");
    assert_eq!(rt.get_value("cmi.completion_status"), "incomplete");
    assert!(!rt.set_value("cmi._version", "2"));
    assert_eq!(rt.last_error(), "404");
    assert!(!rt.set_value("cmi.interactions._count", "2"));
    assert_eq!(rt.last_error(), "404");
    assert_eq!(rt.get_value("cmi.location._children"), "");
    assert_eq!(rt.last_error(), "301");
    // A normal exit ends the attempt: the next launch starts afresh, keeping launch data.
    rt.set_value("cmi.exit", "normal");
    rt.set_value("cmi.suspend_data", "state");
    rt.terminate("");
    let mut next = rt.next_session();
    next.initialize("");
    assert_eq!(next.get_value("cmi.entry"), "ab-initio");
    assert_eq!(next.get_value("cmi.suspend_data"), "");
    assert_eq!(next.last_error(), "403");
    assert_eq!(next.get_value("cmi.scaled_passing_score"), "0.8");
}

#[test]
fn error_codes_are_typed_with_stable_numbers_per_version() {
    use packager::cmi::{ErrorCode, Scorm12Error, Scorm2004Error};
    // 1.2: setting a read-only element is 403.
    let mut api = Runtime::new(Version::Scorm12);
    api.initialize("");
    assert!(!api.set_value("cmi.core.student_id", "x"));
    assert_eq!(
        api.last_error_code(),
        ErrorCode::Scorm12(Scorm12Error::ElementIsReadOnly)
    );
    assert_eq!(api.last_error_code().as_str(), "403");
    assert_eq!(api.last_error(), "403");
    // 2004: 403 means something else, and read-only is 404.
    let mut api = Runtime::new(Version::Scorm2004);
    api.initialize("");
    assert!(!api.set_value("cmi.learner_id", "x"));
    assert_eq!(
        api.last_error_code(),
        ErrorCode::Scorm2004(Scorm2004Error::ElementIsReadOnly)
    );
    assert_eq!(
        serde_json::to_string(&api.last_error_code()).unwrap(),
        "\"404\""
    );
    assert_eq!(
        ErrorCode::from_number(Version::Scorm2004, 403),
        Some(ErrorCode::Scorm2004(Scorm2004Error::ValueNotInitialized))
    );
    assert_eq!(ErrorCode::from_number(Version::Scorm12, 406), None);
    assert!(api.get_value("cmi.score.raw").is_empty());
    assert_eq!(api.last_error_code().number(), 403);
    assert!(api.set_value("cmi.score.raw", "50"));
    assert_eq!(api.last_error_code(), ErrorCode::none(Version::Scorm2004));
    assert!(!api.last_error_code().is_error());
    for e in Scorm12Error::ALL {
        assert_eq!(e.as_str().parse::<Scorm12Error>().unwrap(), *e);
        assert_eq!(e.number().to_string(), e.as_str());
        assert!(!e.description().is_empty());
    }
    for e in Scorm2004Error::ALL {
        assert_eq!(e.as_str().parse::<Scorm2004Error>().unwrap(), *e);
        assert_eq!(e.number().to_string(), e.as_str());
        assert_eq!(api.error_string(e.as_str()), e.description());
    }
    assert_eq!(Scorm12Error::ALL.len(), 11);
    assert_eq!(Scorm2004Error::ALL.len(), 26);
}

/// `suspend_data` over the version's limit is refused, never stored to be cut later.
#[test]
fn suspend_data_over_the_limit_is_refused_with_the_versions_error() {
    for (version, limit, code) in [
        (Version::Scorm12, 4096, "405"),
        (Version::Scorm2004, 64000, "406"),
    ] {
        let mut rt = Runtime::new(version);
        assert!(rt.initialize(""));
        assert!(rt.set_value("cmi.suspend_data", &"x".repeat(limit)));
        assert_eq!(rt.get_value("cmi.suspend_data").len(), limit);
        // Characters, not bytes: 4096 emoji fit in 1.2.
        assert!(rt.set_value("cmi.suspend_data", &"😀".repeat(limit)));
        assert!(!rt.set_value("cmi.suspend_data", &"x".repeat(limit + 1)));
        assert_eq!(rt.last_error(), code);
        assert_eq!(
            rt.get_value("cmi.suspend_data"),
            "😀".repeat(limit),
            "the stored value is unchanged"
        );
    }
}

/// The browser's tables are the model's: every element with its access and default.
#[test]
fn the_generated_tables_are_the_data_model() {
    for (version, model) in [
        (Version::Scorm12, &packager::cmi::model::SCORM_12),
        (Version::Scorm2004, &packager::cmi::model::SCORM_2004),
    ] {
        let t = packager::cmi::tables(version);
        let elements = t["elements"].as_object().unwrap();
        assert_eq!(elements.len(), model.elements.len());
        for e in model.elements {
            let j = &elements[e.path];
            let access = match e.access {
                packager::cmi::model::Access::ReadOnly => "r",
                packager::cmi::model::Access::WriteOnly => "w",
                packager::cmi::model::Access::ReadWrite => "rw",
            };
            assert_eq!(j["access"], access, "{}", e.path);
            assert_eq!(j["default"].as_str(), e.default, "{}", e.path);
        }
        assert_eq!(t["arrays"].as_array().unwrap().len(), model.arrays.len());
        assert_eq!(t["errors"]["0"].as_str().map(str::is_empty), Some(false));
    }
}

/// What reports read of a session: statuses as the LMS evaluates them, score, time.
#[test]
fn outcomes_for_reports() {
    let mut rt = Runtime::new(Version::Scorm2004);
    rt.seed("cmi.completion_threshold", "0.8");
    rt.seed("cmi.total_time", "PT1H");
    assert!(rt.initialize(""));
    assert!(rt.set_value("cmi.completion_status", "completed"));
    assert!(rt.set_value("cmi.progress_measure", "0.5"));
    assert!(rt.set_value("cmi.score.raw", "30"));
    assert!(rt.set_value("cmi.score.max", "40"));
    assert!(rt.set_value("cmi.session_time", "PT30M"));
    let o = rt.outcome();
    assert_eq!(o.completion, "incomplete", "the threshold decides");
    assert_eq!(o.score, Some(0.75));
    assert_eq!(o.seconds, 5400.0);

    let mut rt = Runtime::new(Version::Scorm12);
    rt.seed("cmi.student_data.mastery_score", "80");
    assert!(rt.initialize(""));
    assert!(rt.set_value("cmi.core.score.raw", "85"));
    assert_eq!(rt.outcome().completion, "not attempted");
    assert!(rt.terminate(""));
    let o = rt.outcome();
    assert_eq!(
        (o.completion.as_str(), o.success.as_str()),
        ("completed", "passed")
    );
    assert_eq!(o.score, Some(0.85));
}
