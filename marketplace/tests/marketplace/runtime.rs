//! The browser's SCORM API (`static/scorm-runtime.js`, with tables generated from
//! `packager::cmi`) against the Rust runtime: ADL's decoded scripts, and a corpus of
//! values set on every element of both data models, replayed on both in headless
//! Chromium. Every call must return the same value and leave the same error code.

use std::path::Path;
use std::process::Command;

use packager::cmi::{Runtime, Version, tables};
use serde_json::{Value, json};

fn workspace_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace")
}

/// One call: method (2004 names), element, value.
type Step = (String, String, String);

struct Scenario {
    version: Version,
    name: String,
    seeds: Vec<(String, String)>,
    steps: Vec<Step>,
}

fn step(method: &str, element: &str, value: &str) -> Step {
    (method.to_string(), element.to_string(), value.to_string())
}

/// The Rust runtime's answer to every step: (returned value, error code after it).
fn replay(s: &Scenario) -> Vec<(String, String)> {
    let mut rt = Runtime::new(s.version);
    for (k, v) in &s.seeds {
        rt.seed(k, v);
    }
    let b = |x: bool| if x { "true" } else { "false" }.to_string();
    s.steps
        .iter()
        .map(|(m, e, v)| {
            let got = match m.as_str() {
                "Initialize" => b(rt.initialize(v)),
                "Terminate" => b(rt.terminate(v)),
                "Commit" => b(rt.commit(v)),
                "GetValue" => rt.get_value(e),
                "SetValue" => b(rt.set_value(e, v)),
                "GetLastError" => rt.last_error(),
                "GetErrorString" => rt.error_string(v),
                "GetDiagnostic" => rt.diagnostic(v),
                other => panic!("unknown method {other}"),
            };
            (got, rt.last_error())
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

/// ADL's conformance scripts, as decoded for the packager's own test.
fn adl_scenarios() -> Vec<Scenario> {
    let dir = workspace_root().join("../shared/conformance/adl-cts/scorm-again-decoded");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .chain(std::fs::read_dir(dir.join("generated")).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let version = if doc["scormVersion"] == "1.2" {
            Version::Scorm12
        } else {
            Version::Scorm2004
        };
        for act in doc["activities"].as_array().unwrap() {
            let mut seeds = Vec::new();
            if let Some(init) = act.get("initialState") {
                flatten("", init, &mut seeds);
            }
            let steps = act["steps"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| {
                    let text = |k: &str| s[k].as_str().unwrap_or("").to_string();
                    let method = text("method");
                    (
                        method.strip_prefix("LMS").map_or(method.clone(), |m| {
                            if m == "Finish" {
                                "Terminate".into()
                            } else {
                                m.to_string()
                            }
                        }),
                        text("element"),
                        text("value"),
                    )
                })
                .collect();
            out.push(Scenario {
                version,
                name: format!(
                    "{} {}",
                    path.file_name().unwrap().to_string_lossy(),
                    act["id"].as_str().unwrap_or("")
                ),
                seeds,
                steps,
            });
        }
    }
    out
}

const INTERACTION_TYPES: &[&str] = &[
    "true-false",
    "choice",
    "fill-in",
    "long-fill-in",
    "likert",
    "matching",
    "performance",
    "sequencing",
    "numeric",
    "other",
];

/// Values that probe every type's edges.
fn candidates() -> Vec<String> {
    let mut v: Vec<String> = [
        "",
        "0",
        "1",
        "-1",
        "0.5",
        "1.5",
        "100",
        "101",
        "-0.5",
        "-100",
        "-101",
        "abc",
        "1e3",
        ".",
        "1.",
        ".5",
        "-",
        "--1",
        "+5",
        "0x10",
        "NaN",
        "Infinity",
        " ",
        " 1",
        "١",
        "99999999999999999999",
        "9223372036854775808",
        "true",
        "false",
        "completed",
        "passed",
        "failed",
        "incomplete",
        "browsed",
        "not attempted",
        "unknown",
        "suspend",
        "logout",
        "time-out",
        "normal",
        "ab-initio",
        "resume",
        "credit",
        "no-credit",
        "browse",
        "review",
        "PT0S",
        "PT1.234S",
        "PT1.5S",
        "P1Y2M3DT4H5M6.78S",
        "PT",
        "P",
        "PT05H",
        "P1H",
        "00:05:30",
        "0000:05:30.5",
        "9999:59:59.99",
        "00:60:00",
        "5:30:00",
        "23:59:59.5",
        "24:00:00",
        "2026",
        "2026-11",
        "2026-11-29T10:05:30.5Z",
        "2026-13-01",
        "2026-11-29T10:05:30+01:00",
        "2026-11-29T10:05:30.123",
        "2026-11-29T10",
        "en",
        "en-GB",
        "i-klingon",
        "x-abc-def",
        "toolong-xx",
        "e1",
        "{lang=en}Hello",
        "{lang=zz-123456789}x",
        "{lang=}x",
        "a[,]b",
        "a[,]a",
        "a[.]b[,]c[.]d",
        "a[.]",
        "1[:]5",
        "5[:]1",
        "[:]5",
        "1[:]",
        "{case_matters=true}Hi",
        "{case_matters=maybe}Hi",
        "{order_matters=true}a[.]b",
        "{lang=en}{case_matters=false}x",
        "step[.]x[,]",
        "a b",
        "a\u{2028}b",
        "a\u{feff}b",
        "a\u{85}b",
        "é",
        "日本語",
        "😀",
        "continue",
        "previous",
        "{target=ID}choice",
        "{target=ID}jump",
        "_none_",
        "exitAll",
        "suspendAll",
        "correct",
        "wrong",
        "incorrect",
        "neutral",
        "unanticipated",
        "exit,message",
        "continue,no message",
        "choice",
        "numeric",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.push("x".repeat(251));
    v.push("é".repeat(126));
    v
}

/// Long values, only for the elements that take text.
fn long_candidates() -> Vec<String> {
    vec![
        "x".repeat(255),
        "x".repeat(256),
        "x".repeat(4000),
        "x".repeat(4001),
        "x".repeat(4096),
        "x".repeat(4097),
        "😀".repeat(4096),
        "x".repeat(64000),
        "x".repeat(64001),
    ]
}

/// Every element of both models set to every candidate (after what it depends on),
/// then read back; the error methods over many codes.
fn corpus_scenarios() -> Vec<Scenario> {
    let mut out = Vec::new();
    for version in [Version::Scorm12, Version::Scorm2004] {
        let t = tables(version);
        let is12 = version == Version::Scorm12;
        let seeds = marketplace::tracking::launch_values(
            version,
            &marketplace::tracking::LaunchData {
                learner_id: "42".into(),
                learner_name: "Patel, Asha".into(),
                mastery_score: Some(80.0),
                scaled_passing_score: Some(0.8),
                completion_threshold: Some("0.75".into()),
                ..Default::default()
            },
        );
        for (path, def) in t["elements"].as_object().unwrap() {
            let element = path.replace(".n.", ".0.").replace(".n.", ".0.");
            let kind = def["type"]["kind"].as_str().unwrap();
            let mut values = candidates();
            if ["text", "limited", "localized", "identifier"].contains(&kind) {
                values.extend(long_candidates());
            }
            // What must be set first: an interaction's or objective's id, and for
            // responses its type (each type in turn).
            let mut prereqs: Vec<Vec<Step>> = vec![Vec::new()];
            if element.starts_with("cmi.interactions.0.") {
                let mut base = vec![step("SetValue", "cmi.interactions.0.id", "q1")];
                if element.starts_with("cmi.interactions.0.objectives.0.")
                    && !element.ends_with(".id")
                {
                    base.push(step(
                        "SetValue",
                        "cmi.interactions.0.objectives.0.id",
                        "obj1",
                    ));
                }
                if !is12 && (element.ends_with("learner_response") || element.ends_with("pattern"))
                {
                    prereqs = INTERACTION_TYPES
                        .iter()
                        .map(|ty| {
                            let mut p = base.clone();
                            p.push(step("SetValue", "cmi.interactions.0.type", ty));
                            p
                        })
                        .collect();
                } else {
                    prereqs = vec![base];
                }
            } else if element.starts_with("cmi.objectives.0.") && !element.ends_with(".id") {
                prereqs = vec![vec![step("SetValue", "cmi.objectives.0.id", "o1")]];
            } else if element.starts_with("cmi.comments_from_learner.0.")
                && !element.ends_with(".comment")
            {
                prereqs = vec![vec![step(
                    "SetValue",
                    "cmi.comments_from_learner.0.comment",
                    "c",
                )]];
            }
            for pre in &prereqs {
                for value in &values {
                    let mut steps = vec![step("Initialize", "", "")];
                    steps.extend(pre.iter().cloned());
                    steps.extend([
                        step("SetValue", &element, value),
                        step("GetLastError", "", ""),
                        step("GetValue", &element, ""),
                        step("GetLastError", "", ""),
                        step("GetValue", "cmi.completion_status", ""),
                        step("GetValue", "cmi.success_status", ""),
                        step("GetValue", &format!("{element}._count"), ""),
                        step("GetValue", &format!("{element}._children"), ""),
                        step("SetValue", &format!("{element}.bogus"), value),
                    ]);
                    out.push(Scenario {
                        version,
                        name: format!(
                            "{element} = {:?}",
                            value.chars().take(40).collect::<String>()
                        ),
                        seeds: seeds.clone(),
                        steps,
                    });
                }
            }
        }
        // The error methods, and the API's states.
        let mut steps = vec![
            step("GetValue", "cmi.location", ""),
            step("SetValue", "cmi.location", "x"),
            step("Commit", "", ""),
            step("Terminate", "", ""),
            step("Initialize", "x", ""),
            step("Initialize", "", ""),
            step("Initialize", "", ""),
            step("GetValue", "", ""),
            step("GetDiagnostic", "", ""),
            step("SetValue", "", "x"),
            step("Commit", "x", ""),
            step("Commit", "", ""),
        ];
        for code in (0..=1000).map(|n| n.to_string()).chain(
            [
                "+101", "0101", "00", "abc", "65536", "65537", "101 ", "", "-1", "1e2",
            ]
            .iter()
            .map(|s| s.to_string()),
        ) {
            steps.push(step("GetErrorString", "", &code));
            steps.push(step("GetLastError", "", ""));
        }
        steps.extend([
            step("Terminate", "", ""),
            step("Terminate", "", ""),
            step("GetValue", "cmi.location", ""),
            step("SetValue", "cmi.location", "y"),
            step("Commit", "", ""),
            step("Initialize", "", ""),
            step("GetLastError", "", ""),
        ]);
        out.push(Scenario {
            version,
            name: "states and error strings".into(),
            seeds: seeds.clone(),
            steps,
        });
    }
    out
}

#[test]
fn the_browser_api_answers_as_packager_cmi_does_in_headless_chromium() {
    if crate::browser::skipped("the browser runtime test") {
        return;
    }
    let adl = adl_scenarios();
    assert!(adl.len() > 50, "ADL's scripts were found: {}", adl.len());
    let scenarios: Vec<Scenario> = adl.into_iter().chain(corpus_scenarios()).collect();
    let steps: usize = scenarios.iter().map(|s| s.steps.len()).sum();
    let doc = json!({
        "tables": { "1.2": tables(Version::Scorm12), "2004": tables(Version::Scorm2004) },
        "scenarios": scenarios.iter().map(|s| json!({
            "name": s.name,
            "version": if s.version == Version::Scorm12 { "1.2" } else { "2004" },
            "seeds": s.seeds,
            "steps": s.steps,
            "expected": replay(s),
        })).collect::<Vec<_>>(),
    });
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scenarios.json");
    std::fs::write(&file, doc.to_string()).unwrap();
    let out = Command::new("node")
        .arg(workspace_root().join("marketplace/tests/browser/runtime.mjs"))
        .env("SCENARIOS", &file)
        .current_dir(workspace_root())
        .output()
        .expect("run node");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "the browser's API differs from packager::cmi ({} scenarios, {steps} calls):\n{text}",
        scenarios.len()
    );
    assert!(
        text.contains(&format!("{steps} calls")),
        "every call was replayed: {text}"
    );
}
