//! Tracking: what a SCO session starts from, every commit checked again with
//! `packager::cmi` (the browser is not trusted) and stored, and the enrolment's roll-up.
//!
//! A session is rebuilt from what is stored, never from what the browser says it holds:
//! the values it started with (`start`) and the SCO's SetValue calls since (`sets`, in the
//! order the SCO first made them, each with its latest value), replayed through a
//! [`Runtime`]. A call the rules refuse refuses the whole commit, and nothing is stored.

pub mod load;
pub mod manager;

use std::collections::BTreeMap;

use packager::cmi::{Runtime, Version};
use serde::Deserialize;

use crate::store::{Attempt, InteractionRow, ObjectiveRow};

/// The version of a package's run-time API, from its stored version text.
pub fn api_version(scorm_version: &str) -> Version {
    if scorm_version.starts_with("1.2") {
        Version::Scorm12
    } else {
        Version::Scorm2004
    }
}

/// What the LMS tells a SCO at launch: who the learner is and what the manifest says.
#[derive(Debug, Clone, Default)]
pub struct LaunchData {
    pub learner_id: String,
    pub learner_name: String,
    pub mastery_score: Option<f64>,
    pub scaled_passing_score: Option<f64>,
    pub data_from_lms: Option<String>,
    pub max_time_allowed: Option<String>,
    pub time_limit_action: Option<String>,
    pub completion_threshold: Option<String>,
}

/// "Asha Patel" as SCORM writes a learner's name: "Patel, Asha".
pub fn scorm_name(name: &str) -> String {
    match name.trim().rsplit_once(' ') {
        Some((first, last)) => format!("{last}, {first}"),
        None => name.trim().to_string(),
    }
}

/// The values a first session of a SCO starts from.
pub fn launch_values(version: Version, d: &LaunchData) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = Vec::new();
    let mut put = |k: &str, val: &str| v.push((k.to_string(), val.to_string()));
    match version {
        Version::Scorm12 => {
            put("cmi.core.student_id", &d.learner_id);
            put("cmi.core.student_name", &d.learner_name);
            put("cmi.core.credit", "credit");
            put("cmi.core.lesson_mode", "normal");
            put("cmi.core.lesson_status", "not attempted");
            put("cmi.core.entry", "ab-initio");
            put("cmi.core.total_time", "0000:00:00.00");
            if let Some(m) = d.mastery_score {
                put("cmi.student_data.mastery_score", &trim_number(m));
            }
            if let Some(x) = &d.data_from_lms {
                put("cmi.launch_data", x);
            }
            if let Some(x) = &d.max_time_allowed {
                put("cmi.student_data.max_time_allowed", x);
            }
            if let Some(x) = &d.time_limit_action {
                put("cmi.student_data.time_limit_action", x);
            }
        }
        Version::Scorm2004 => {
            put("cmi.learner_id", &d.learner_id);
            put("cmi.learner_name", &d.learner_name);
            put("cmi.credit", "credit");
            put("cmi.mode", "normal");
            put("cmi.entry", "ab-initio");
            put("cmi.total_time", "PT0H0M0S");
            if let Some(x) = &d.data_from_lms {
                put("cmi.launch_data", x);
            }
            if let Some(x) = &d.completion_threshold {
                put("cmi.completion_threshold", x);
            }
            if let Some(x) = d.scaled_passing_score {
                put("cmi.scaled_passing_score", &trim_number(x));
            }
            if let Some(x) = &d.max_time_allowed {
                put("cmi.max_time_allowed", x);
            }
            if let Some(x) = &d.time_limit_action {
                put("cmi.time_limit_action", x);
            }
        }
    }
    v
}

fn trim_number(x: f64) -> String {
    let s = format!("{x}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

/// A SetValue the rules refused, replayed on the server.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Refused {
    pub element: String,
    pub value_chars: usize,
    pub error: String,
    pub why: String,
}

/// The session as stored: replays `sets` on a runtime started from `start`.
pub fn rebuild(
    version: Version,
    start: &[(String, String)],
    sets: &[(String, String)],
) -> Result<Runtime, Refused> {
    let mut rt = Runtime::new(version);
    for (k, v) in start {
        rt.seed(k, v);
    }
    rt.initialize("");
    for (k, v) in sets {
        if !rt.set_value(k, v) {
            return Err(Refused {
                element: k.clone(),
                value_chars: v.chars().count(),
                error: rt.last_error(),
                why: rt.diagnostic(""),
            });
        }
    }
    Ok(rt)
}

/// What a report records of a session: in 2004, a SCO that never reported completion
/// is completed once its attempt has ended, not suspended (`completionSetByContent` is
/// false unless the manifest says otherwise, so the End Attempt Process of the SN book
/// sets it).
pub fn report(rt: &Runtime, version: Version, ended: bool) -> packager::cmi::Outcome {
    let mut o = rt.outcome();
    let values = rt.values();
    let suspended = values.get("cmi.exit").is_some_and(|v| v == "suspend")
        || values
            .get("adl.nav.request")
            .is_some_and(|v| v == "suspendAll");
    if ended && !suspended && version == Version::Scorm2004 && o.completion == "unknown" {
        o.completion = "completed".into();
    }
    o
}

/// Ends a session as the LMS must, whether the SCO called Terminate or the learner
/// closed the page: the LMS's own measure of the session's length when the SCO gave
/// none, then Terminate (in 1.2, the status rules of LMSFinish).
pub fn end_session(rt: &mut Runtime, version: Version, measured_seconds: f64) {
    let key = match version {
        Version::Scorm12 => "cmi.core.session_time",
        Version::Scorm2004 => "cmi.session_time",
    };
    if !rt.set_by_sco(key) {
        let value = match version {
            Version::Scorm12 => packager::cmi::types::format_timespan(measured_seconds.max(0.0)),
            Version::Scorm2004 => packager::cmi::types::format_duration(measured_seconds.max(0.0)),
        };
        rt.set_value(key, &value);
    }
    rt.terminate("");
}

/// The session after `previous` and whether it continues the same attempt: in 2004, a
/// suspended attempt resumes and any other ending starts a new one with clean data; in
/// 1.2, data always carries over into the same attempt. `launch` is refreshed.
pub fn next_start(
    version: Version,
    previous: &Attempt,
    launch: &[(String, String)],
) -> (i64, Vec<(String, String)>) {
    let start = parse_pairs(&previous.start);
    let sets = parse_pairs(&previous.sets);
    if sets.is_empty() && previous.ended == 0 {
        // Opened and left without a word from the SCO: start the same session again.
        let mut fresh = start;
        overlay(&mut fresh, launch, version);
        return (previous.number, fresh);
    }
    let Ok(mut rt) = rebuild(version, &start, &sets) else {
        // Stored sets were checked when stored; a newer rule refusing them now starts
        // a new attempt rather than losing the learner's way in.
        return (previous.number + 1, launch.to_vec());
    };
    let measured = (previous.updated_at - previous.session_started_at) as f64;
    if previous.ended == 0 {
        // Never ended: a crash, a killed tab, or still open in another tab. What was last
        // stored is kept as a suspend, so the learner carries on from there.
        let exit = match version {
            Version::Scorm12 => "cmi.core.exit",
            Version::Scorm2004 => "cmi.exit",
        };
        rt.set_value(exit, "suspend");
    }
    end_session(&mut rt, version, measured);
    let next = rt.next_session();
    let values: Vec<(String, String)> = next
        .values()
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let resumed = match version {
        Version::Scorm12 => true,
        Version::Scorm2004 => values
            .iter()
            .any(|(k, v)| k == "cmi.entry" && v == "resume"),
    };
    if !resumed {
        return (previous.number + 1, launch.to_vec());
    }
    let mut values = values;
    overlay(&mut values, launch, version);
    (previous.number, values)
}

/// Puts the learner's current details over carried-over values.
fn overlay(values: &mut Vec<(String, String)>, launch: &[(String, String)], version: Version) {
    let identity: &[&str] = match version {
        Version::Scorm12 => &["cmi.core.student_id", "cmi.core.student_name"],
        Version::Scorm2004 => &["cmi.learner_id", "cmi.learner_name"],
    };
    for (k, v) in launch {
        if identity.contains(&k.as_str()) {
            match values.iter_mut().find(|(x, _)| x == k) {
                Some(slot) => slot.1 = v.clone(),
                None => values.push((k.clone(), v.clone())),
            }
        }
    }
}

/// `[["k","v"],…]` as stored; anything else is empty.
pub fn parse_pairs(json: &str) -> Vec<(String, String)> {
    serde_json::from_str(json).unwrap_or_default()
}

pub fn pairs_json(pairs: &[(String, String)]) -> String {
    serde_json::to_string(pairs).unwrap_or_else(|_| "[]".into())
}

/// Adds a commit's SetValue calls to the session's: an element set before keeps its
/// place with its new value, a new one goes at the end.
pub fn merge(sets: &mut Vec<(String, String)>, delta: &[(String, String)]) {
    let mut at: BTreeMap<String, usize> = sets
        .iter()
        .enumerate()
        .map(|(i, (k, _))| (k.clone(), i))
        .collect();
    for (k, v) in delta {
        match at.get(k) {
            Some(&i) => sets[i].1 = v.clone(),
            None => {
                at.insert(k.clone(), sets.len());
                sets.push((k.clone(), v.clone()));
            }
        }
    }
}

/// A commit as the player sends it.
#[derive(Debug, Deserialize)]
pub struct CommitBody {
    pub session: String,
    pub sco: usize,
    pub seq: i64,
    /// The SetValue calls not yet acknowledged, each element with its latest value.
    pub sets: Vec<(String, String)>,
    /// The session is over: Terminate, or the page closing.
    #[serde(default)]
    pub end: bool,
}

/// The entries of array `array` (`cmi.objectives`) in a runtime's values, each made by
/// `row` from its id and a reader of its sub-elements; `None` when the session's calls
/// (`sets`) touched none, so the stored rows stand.
fn entries<T>(
    rt: &Runtime,
    sets: &[(String, String)],
    array: &str,
    row: impl Fn(&str, &dyn Fn(&str) -> String) -> T,
) -> Option<Vec<T>> {
    let prefix = format!("{array}.");
    if !sets.iter().any(|(k, _)| k.starts_with(&prefix)) {
        return None;
    }
    let values = rt.values();
    let mut rows = Vec::new();
    for i in 0.. {
        let base = format!("{array}.{i}");
        let Some(id) = values.get(&format!("{base}.id")) else {
            break;
        };
        let get = |k: &str| {
            values
                .get(&format!("{base}.{k}"))
                .cloned()
                .unwrap_or_default()
        };
        rows.push(row(id, &get));
    }
    Some(rows)
}

/// The objectives in a runtime's values, when the session has set any.
pub fn objectives(
    version: Version,
    rt: &Runtime,
    sets: &[(String, String)],
) -> Option<Vec<ObjectiveRow>> {
    entries(rt, sets, "cmi.objectives", |id, get| {
        let (success, completion, score) = match version {
            Version::Scorm12 => (get("status"), String::new(), get("score.raw")),
            Version::Scorm2004 => (
                get("success_status"),
                get("completion_status"),
                get("score.scaled"),
            ),
        };
        ObjectiveRow {
            objective_id: id.to_string(),
            success,
            completion,
            score: score.parse().ok(),
        }
    })
}

/// The interactions in a runtime's values, when the session has set any.
pub fn interactions(
    version: Version,
    rt: &Runtime,
    sets: &[(String, String)],
) -> Option<Vec<InteractionRow>> {
    entries(rt, sets, "cmi.interactions", |id, get| {
        let (response, at) = match version {
            Version::Scorm12 => (get("student_response"), get("time")),
            Version::Scorm2004 => (get("learner_response"), get("timestamp")),
        };
        InteractionRow {
            interaction_id: id.to_string(),
            kind: get("type"),
            response,
            result: get("result"),
            at,
        }
    })
}

/// What one SCO's attempts come to: passed, completed, failed, in progress or not started.
fn sco_state(attempts: &[&Attempt]) -> &'static str {
    let any = |f: &dyn Fn(&Attempt) -> bool| attempts.iter().any(|a| f(a));
    if any(&|a| a.success == "passed") {
        "passed"
    } else if any(&|a| a.completion == "completed" && a.success != "failed") {
        "completed"
    } else if any(&|a| a.success == "failed") {
        "failed"
    } else if any(&|a| a.seq > 0 || a.ended != 0 || a.completion == "incomplete") {
        "in-progress"
    } else {
        "not-started"
    }
}

/// An enrolment's status from all its attempts: a SCO counts as done once any attempt
/// passed or completed it (reviewing a finished course does not undo it); the course is
/// done when all `sco_count` SCOs are.
pub fn rollup(enrolment_id: i64, sco_count: usize, attempts: &[Attempt]) -> crate::store::Rollup {
    let mut by_sco: BTreeMap<&str, Vec<&Attempt>> = BTreeMap::new();
    for a in attempts {
        by_sco.entry(a.sco.as_str()).or_default().push(a);
    }
    let states: Vec<&str> = by_sco.values().map(|a| sco_state(a)).collect();
    let finished = |s: &&str| matches!(*s, "passed" | "completed" | "failed");
    let all = states.len() >= sco_count.max(1);
    let status = if all && states.iter().all(finished) {
        if states.contains(&"failed") {
            "failed"
        } else if states.contains(&"passed") {
            "passed"
        } else {
            "completed"
        }
    } else if attempts.is_empty() {
        "not-started"
    } else {
        "in-progress"
    };
    // Each SCO's best score, averaged.
    let scores: Vec<f64> = by_sco
        .values()
        .filter_map(|a| {
            a.iter()
                .filter_map(|x| x.score)
                .fold(None, |best: Option<f64>, s| {
                    Some(best.map_or(s, |b| b.max(s)))
                })
        })
        .collect();
    let score = (!scores.is_empty()).then(|| scores.iter().sum::<f64>() / scores.len() as f64);
    crate::store::Rollup {
        enrolment_id,
        status,
        score,
        seconds: attempts.iter().map(|a| a.seconds).sum(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_keeps_first_places_and_latest_values() {
        let mut sets = vec![("a".to_string(), "1".to_string()), ("b".into(), "2".into())];
        merge(
            &mut sets,
            &[("c".into(), "3".into()), ("a".into(), "9".into())],
        );
        assert_eq!(
            sets,
            vec![
                ("a".to_string(), "9".to_string()),
                ("b".into(), "2".into()),
                ("c".into(), "3".into())
            ]
        );
    }

    #[test]
    fn names_are_written_surname_first() {
        assert_eq!(scorm_name("Asha Patel"), "Patel, Asha");
        assert_eq!(scorm_name("Prince"), "Prince");
    }
}
