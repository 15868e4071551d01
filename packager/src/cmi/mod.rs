//! The SCORM run-time data models, enforced as an LMS must: the API call states, every
//! element's access, type, range and dependencies, array order, and the error code for
//! each violation, in SCORM 1.2's numbering or 2004's. The marketplace's player runs each
//! call a SCO makes through a [`Runtime`], so stored tracking data is valid whatever the
//! content sends.
//!
//! Policies where the specifications leave a choice (see the conformance checklist):
//! values longer than the smallest permitted maximum are stored whole, never truncated,
//! except `suspend_data`, which over the version's limit (1.2: 4096 characters, 2004:
//! 64000) is refused with a type error (1.2: 405, 2004: 406) so that no system cuts it
//! later; 1.2 calls after `LMSFinish` fail with 301.
//!
//! [`tables`] gives the same data models as JSON, for the player's API in the browser.

mod errors;
pub mod model;
mod tables;
pub mod types;

pub use tables::tables;

pub use errors::{ErrorCode, Scorm12Error, Scorm2004Error};

use std::collections::BTreeMap;

use model::{Access, Model};
use types::{Invalid, Type};

/// Which run-time API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    Scorm12,
    Scorm2004,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    NotInitialized,
    Running,
    Terminated,
}

/// One SCO's session: the data model's values and the API's call state.
///
/// ```
/// use packager::cmi::{Runtime, Version};
///
/// let mut api = Runtime::new(Version::Scorm2004);
/// api.seed("cmi.learner_id", "staff-0042");
/// assert!(api.initialize(""));
/// assert!(!api.set_value("cmi.score.scaled", "1.5"));
/// assert_eq!(api.last_error(), "407"); // out of range
/// assert!(!api.set_value("cmi.learner_id", "someone-else"));
/// assert_eq!(api.last_error(), "404"); // read-only
/// assert!(api.set_value("cmi.score.scaled", "0.9"));
/// assert_eq!(api.get_value("cmi.score.scaled"), "0.9");
/// ```
#[derive(Debug, Clone)]
pub struct Runtime {
    version: Version,
    state: State,
    values: BTreeMap<String, String>,
    /// Concrete array paths (`cmi.interactions.0.objectives`) → count.
    counts: BTreeMap<String, usize>,
    /// Values the LMS provided at launch, kept into a new attempt.
    launch: BTreeMap<String, String>,
    /// Elements the SCO set in this session.
    set_by_sco: std::collections::BTreeSet<String>,
    last_error: ErrorCode,
    diagnostic: String,
}

impl Runtime {
    pub fn new(version: Version) -> Self {
        Self {
            version,
            state: State::NotInitialized,
            values: BTreeMap::new(),
            counts: BTreeMap::new(),
            launch: BTreeMap::new(),
            set_by_sco: Default::default(),
            last_error: ErrorCode::none(version),
            diagnostic: String::new(),
        }
    }

    fn model(&self) -> &'static Model {
        match self.version {
            Version::Scorm12 => &model::SCORM_12,
            Version::Scorm2004 => &model::SCORM_2004,
        }
    }

    fn is12(&self) -> bool {
        self.version == Version::Scorm12
    }

    /// Sets a value as the LMS, before the SCO starts: learner details, launch data from
    /// the manifest, restored state. No access or type rules apply.
    pub fn seed(&mut self, element: &str, value: &str) {
        self.bump_counts(element);
        self.values.insert(element.to_string(), value.to_string());
        self.launch.insert(element.to_string(), value.to_string());
    }

    /// All values, as stored (for persisting a commit).
    pub fn values(&self) -> &BTreeMap<String, String> {
        &self.values
    }

    fn ok(&mut self) {
        self.last_error = ErrorCode::none(self.version);
        self.diagnostic.clear();
    }

    /// Records error `code`, a number of this version's API.
    fn fail(&mut self, code: u16, diagnostic: impl Into<String>) {
        let known = ErrorCode::from_number(self.version, code);
        debug_assert!(
            known.is_some(),
            "{code} is not a {:?} error code",
            self.version
        );
        self.last_error = known.unwrap_or(match self.version {
            Version::Scorm12 => ErrorCode::Scorm12(Scorm12Error::GeneralException),
            Version::Scorm2004 => ErrorCode::Scorm2004(Scorm2004Error::GeneralException),
        });
        self.diagnostic = diagnostic.into();
    }

    /// `Initialize("")` / `LMSInitialize("")`.
    pub fn initialize(&mut self, arg: &str) -> bool {
        if !arg.is_empty() {
            self.fail(201, "the argument must be the empty string");
            return false;
        }
        match (self.state, self.is12()) {
            (State::NotInitialized, _) => {
                self.state = State::Running;
                self.ok();
                true
            }
            (State::Running, true) | (State::Terminated, true) => {
                self.fail(101, "already initialized");
                false
            }
            (State::Running, false) => {
                self.fail(103, "already initialized");
                false
            }
            (State::Terminated, false) => {
                self.fail(104, "the session has terminated");
                false
            }
        }
    }

    /// `Terminate("")` / `LMSFinish("")`.
    pub fn terminate(&mut self, arg: &str) -> bool {
        if !arg.is_empty() {
            self.fail(201, "the argument must be the empty string");
            return false;
        }
        match self.state {
            State::Running => {
                if self.is12() {
                    self.finish_12();
                }
                self.state = State::Terminated;
                self.ok();
                true
            }
            State::NotInitialized => {
                self.fail(if self.is12() { 301 } else { 112 }, "not initialized");
                false
            }
            State::Terminated => {
                self.fail(if self.is12() { 101 } else { 113 }, "already terminated");
                false
            }
        }
    }

    /// `Commit("")` / `LMSCommit("")`. The caller stores `values()` durably and returns
    /// `false` with 391 (1.2: 101) if it cannot.
    pub fn commit(&mut self, arg: &str) -> bool {
        if !arg.is_empty() {
            self.fail(201, "the argument must be the empty string");
            return false;
        }
        match self.state {
            State::Running => {
                self.ok();
                true
            }
            State::NotInitialized => {
                self.fail(if self.is12() { 301 } else { 142 }, "not initialized");
                false
            }
            State::Terminated => {
                self.fail(if self.is12() { 301 } else { 143 }, "already terminated");
                false
            }
        }
    }

    /// Records that the LMS failed to store a commit.
    pub fn commit_failed(&mut self) {
        self.fail(
            if self.is12() { 101 } else { 391 },
            "the LMS could not store the data",
        );
    }

    /// `GetLastError()`: the last call's error code, as a string (`"0"`: none).
    pub fn last_error(&self) -> String {
        self.last_error.to_string()
    }

    /// The last call's error code, typed.
    pub fn last_error_code(&self) -> ErrorCode {
        self.last_error
    }

    /// `GetErrorString(code)`: a short description, or "" for a code the API does not use.
    pub fn error_string(&self, code: &str) -> String {
        code.parse::<u16>()
            .ok()
            .filter(|_| !code.starts_with('0') || code == "0")
            .and_then(|c| ErrorCode::from_number(self.version, c))
            .map(|e| e.description().to_string())
            .unwrap_or_default()
    }

    /// `GetDiagnostic(code)`: details of the last error, or the description of `code`.
    pub fn diagnostic(&self, code: &str) -> String {
        if code.is_empty() || code == self.last_error.as_str() {
            if !self.diagnostic.is_empty() {
                return self.diagnostic.chars().take(255).collect();
            }
            return self.last_error.description().to_string();
        }
        self.error_string(code)
    }

    /// `GetValue(element)`.
    pub fn get_value(&mut self, element: &str) -> String {
        match self.try_get(element) {
            Ok(v) => {
                self.ok();
                v
            }
            Err((code, why)) => {
                self.fail(code, why);
                String::new()
            }
        }
    }

    /// `SetValue(element, value)`.
    pub fn set_value(&mut self, element: &str, value: &str) -> bool {
        match self.try_set(element, value) {
            Ok(()) => {
                self.ok();
                true
            }
            Err((code, why)) => {
                self.fail(code, why);
                false
            }
        }
    }

    fn try_get(&self, element: &str) -> Result<String, (u16, String)> {
        let is12 = self.is12();
        match self.state {
            State::Running => {}
            State::NotInitialized => {
                return Err((if is12 { 301 } else { 122 }, "not initialized".into()));
            }
            State::Terminated => {
                return Err((if is12 { 301 } else { 123 }, "already terminated".into()));
            }
        }
        if element.is_empty() {
            return Err((if is12 { 201 } else { 301 }, "no element named".into()));
        }
        let m = self.model();
        if let Some(base) = element.strip_suffix("._children") {
            let p = pattern(base);
            return match m.children_of(&p) {
                Some(c) => Ok(c.to_string()),
                None if m.knows(&p) => Err((
                    if is12 { 202 } else { 301 },
                    format!("{base} has no children"),
                )),
                None => Err((401, format!("{base} is not in the data model"))),
            };
        }
        if let Some(base) = element.strip_suffix("._count") {
            let p = pattern(base);
            self.check_indices(base, false)?;
            return if m.is_array(&p) {
                Ok(self.counts.get(base).copied().unwrap_or(0).to_string())
            } else if m.knows(&p) {
                Err((
                    if is12 { 203 } else { 301 },
                    format!("{base} is not an array"),
                ))
            } else {
                Err((401, format!("{base} is not in the data model")))
            };
        }
        if let Some(base) = element.strip_suffix("._version")
            && base != "cmi"
        {
            return Err((
                if m.knows(&pattern(base)) {
                    if is12 { 201 } else { 301 }
                } else {
                    401
                },
                "_version is only defined on cmi".into(),
            ));
        }
        if !is12
            && let Some(rest) = element.strip_prefix("adl.nav.request_valid.")
            && (rest.starts_with("choice.{target=") || rest.starts_with("jump.{target="))
        {
            return Ok("unknown".into());
        }
        let p = pattern(element);
        let Some(def) = m.element(&p) else {
            return Err(self.undefined(element));
        };
        self.check_indices(element, false)?;
        if def.access == Access::WriteOnly {
            return Err((
                if is12 { 404 } else { 405 },
                format!("{element} is write-only"),
            ));
        }
        if !is12 && element == "cmi.completion_status" {
            return Ok(self.completion_status());
        }
        if !is12 && element == "cmi.success_status" {
            return Ok(self.success_status());
        }
        match self.values.get(element) {
            Some(v) => Ok(v.clone()),
            None => match def.default {
                Some(d) => Ok(d.to_string()),
                None if is12 => Ok(String::new()),
                None => Err((403, format!("{element} has not been set"))),
            },
        }
    }

    /// The error for an element the model does not have. SCORM 1.2 (as ADL's 1.2 test
    /// suite checks it) answers 201 for an unknown leaf of a known category
    /// (`cmi.core.bogus`) and 401 for an unknown category (`cmi.bogus`).
    fn undefined(&self, element: &str) -> (u16, String) {
        let parent = element.rsplit_once('.').map(|(p, _)| p).unwrap_or("");
        if self.is12() && parent != "cmi" && self.model().knows(&pattern(parent)) {
            (201, format!("{element} is not an element of {parent}"))
        } else {
            (401, format!("{element} is not in the data model"))
        }
    }

    /// Checks every array index in `element` against its array's count. `setting` allows
    /// one past the end (appending).
    fn check_indices(&self, element: &str, setting: bool) -> Result<(), (u16, String)> {
        let m = self.model();
        let parts: Vec<&str> = element.split('.').collect();
        for i in 1..parts.len() {
            if !parts[i].chars().all(|c| c.is_ascii_digit()) || parts[i].is_empty() {
                continue;
            }
            let base = parts[..i].join(".");
            if !m.is_array(&pattern(&base)) {
                continue;
            }
            let index: usize = parts[i].parse().unwrap_or(usize::MAX);
            let count = self.counts.get(&base).copied().unwrap_or(0);
            let beyond = if setting {
                index > count
            } else {
                index >= count
            };
            if beyond {
                let code = match (self.is12(), setting) {
                    (true, _) => 201,
                    (false, true) => 351,
                    (false, false) => 301,
                };
                return Err((
                    code,
                    format!("{base} has {count} entries; index {index} is out of order"),
                ));
            }
        }
        Ok(())
    }

    fn try_set(&mut self, element: &str, value: &str) -> Result<(), (u16, String)> {
        let is12 = self.is12();
        match self.state {
            State::Running => {}
            State::NotInitialized => {
                return Err((if is12 { 301 } else { 132 }, "not initialized".into()));
            }
            State::Terminated => {
                return Err((if is12 { 301 } else { 133 }, "already terminated".into()));
            }
        }
        if element.is_empty() {
            return Err((if is12 { 201 } else { 351 }, "no element named".into()));
        }
        let m = self.model();
        for kw in ["._children", "._count", "._version"] {
            if let Some(base) = element.strip_suffix(kw) {
                if is12 {
                    return Err((402, format!("{kw} is a keyword and cannot be set")));
                }
                return Err(if m.knows(&pattern(base)) || element == "cmi._version" {
                    (404, format!("{element} is read-only"))
                } else {
                    (401, format!("{base} is not in the data model"))
                });
            }
        }
        let p = pattern(element);
        let Some(def) = m.element(&p) else {
            return Err(self.undefined(element));
        };
        if def.access == Access::ReadOnly {
            return Err((
                if is12 { 403 } else { 404 },
                format!("{element} is read-only"),
            ));
        }
        self.check_indices(element, true)?;
        let parts: Vec<&str> = element.split('.').collect();
        // Dependencies (2004): an interaction or objective's id comes first, and an
        // interaction's type before its responses.
        if !is12 {
            for (array, fixed) in [("cmi.interactions", 2usize), ("cmi.objectives", 2)] {
                if element.starts_with(array) && parts.len() > fixed + 1 && parts[fixed + 1] != "id"
                {
                    let id_key = format!("{}.id", parts[..=fixed].join("."));
                    if !self.values.contains_key(&id_key) {
                        return Err((408, format!("{id_key} must be set first")));
                    }
                }
            }
            if p == "cmi.interactions.n.learner_response"
                || p == "cmi.interactions.n.correct_responses.n.pattern"
            {
                let type_key = format!("{}.type", parts[..3].join("."));
                let Some(kind) = self.values.get(&type_key).cloned() else {
                    return Err((408, format!("{type_key} must be set first")));
                };
                if p.ends_with("pattern") {
                    let index: usize = parts[4].parse().unwrap_or(0);
                    let max = match kind.as_str() {
                        "true-false" | "likert" | "numeric" | "other" => 1,
                        "choice" => 10,
                        _ => 5,
                    };
                    if index >= max {
                        return Err((
                            351,
                            format!("a {kind} interaction has at most {max} correct responses"),
                        ));
                    }
                }
                types::check_response_2004(&kind, value, p.ends_with("pattern"))
                    .map_err(|_| (406, format!("{value:?} is not a {kind} response")))?;
            }
        }
        // The value itself.
        if is12 && p == "cmi.core.lesson_status" && value == "not attempted" {
            return Err((
                405,
                "a SCO cannot set lesson_status to \"not attempted\"".into(),
            ));
        }
        let nav_target = !is12
            && p == "adl.nav.request"
            && (value.starts_with("{target=")
                && (value.ends_with("}choice") || value.ends_with("}jump")));
        if !nav_target {
            let checked = match def.ty {
                Type::Localized(_) if !is12 => check_localized(value),
                ty => types::check(ty, value),
            };
            if let Err(kind) = checked {
                let code = match (is12, kind) {
                    (true, _) => 405,
                    (false, Invalid::Type) => 406,
                    (false, Invalid::Range) => 407,
                };
                return Err((
                    code,
                    format!("{value:?} is not a valid value for {element}"),
                ));
            }
        }
        // Objective ids are unique and, once set, fixed (2004).
        if !is12 && (p == "cmi.objectives.n.id" || p == "cmi.interactions.n.objectives.n.id") {
            if let Some(current) = self.values.get(element)
                && current != value
            {
                return Err((
                    351,
                    format!("{element} is already {current:?} and cannot change"),
                ));
            }
            let array = parts[..parts.len() - 2].join(".");
            let clash = (0..self.counts.get(&array).copied().unwrap_or(0))
                .map(|i| format!("{array}.{i}.id"))
                .any(|k| k != element && self.values.get(&k).is_some_and(|v| v == value));
            if clash {
                return Err((351, format!("objective id {value:?} is already used")));
            }
        }
        self.bump_counts(element);
        self.values.insert(element.to_string(), value.to_string());
        self.set_by_sco.insert(element.to_string());
        Ok(())
    }

    /// Appending `x.N.y` when N equals the array's count adds an entry.
    fn bump_counts(&mut self, element: &str) {
        let m = self.model();
        let parts: Vec<&str> = element.split('.').collect();
        for i in 1..parts.len() {
            let Ok(index) = parts[i].parse::<usize>() else {
                continue;
            };
            let base = parts[..i].join(".");
            if !m.is_array(&pattern(&base)) {
                continue;
            }
            let count = self.counts.entry(base).or_insert(0);
            if index >= *count {
                *count = index + 1;
            }
        }
    }

    /// 2004 completion status as the LMS reports it (RTE 4.2.4.1): with a completion
    /// threshold, progress measure decides; without one, the SCO's value.
    fn completion_status(&self) -> String {
        if let Some(t) = self
            .values
            .get("cmi.completion_threshold")
            .and_then(|v| v.parse::<f64>().ok())
        {
            return match self
                .values
                .get("cmi.progress_measure")
                .and_then(|v| v.parse::<f64>().ok())
            {
                Some(p) if p >= t => "completed".into(),
                Some(_) => "incomplete".into(),
                None => "unknown".into(),
            };
        }
        self.values
            .get("cmi.completion_status")
            .cloned()
            .unwrap_or_else(|| "unknown".into())
    }

    /// 2004 success status (RTE 4.2.22.1): with a scaled passing score, the scaled score
    /// decides; without one, the SCO's value.
    fn success_status(&self) -> String {
        if let Some(pass) = self
            .values
            .get("cmi.scaled_passing_score")
            .and_then(|v| v.parse::<f64>().ok())
        {
            return match self
                .values
                .get("cmi.score.scaled")
                .and_then(|v| v.parse::<f64>().ok())
            {
                Some(s) if s >= pass => "passed".into(),
                Some(_) => "failed".into(),
                None => "unknown".into(),
            };
        }
        self.values
            .get("cmi.success_status")
            .cloned()
            .unwrap_or_else(|| "unknown".into())
    }

    /// 1.2 at LMSFinish: a SCO that never set a status is completed, then passed or failed
    /// against the mastery score when it set a raw score (1.2 RTE, lesson_status).
    fn finish_12(&mut self) {
        if self.set_by_sco.contains("cmi.core.lesson_status") {
            return;
        }
        let mut status = "completed".to_string();
        let mastery = self
            .values
            .get("cmi.student_data.mastery_score")
            .and_then(|v| v.parse::<f64>().ok());
        let raw = self
            .values
            .get("cmi.core.score.raw")
            .and_then(|v| v.parse::<f64>().ok());
        if let (Some(m), Some(r)) = (mastery, raw) {
            status = if r >= m {
                "passed".into()
            } else {
                "failed".into()
            };
        }
        self.values.insert("cmi.core.lesson_status".into(), status);
    }

    /// What a report needs of this session: statuses as the LMS evaluates them, the
    /// score, time spent (total time with this session's) and the bookmark.
    pub fn outcome(&self) -> Outcome {
        let get = |k: &str| self.values.get(k).map(String::as_str);
        let num = |k: &str| {
            get(k)
                .filter(|v| types::is_real(v))
                .and_then(|v| v.parse::<f64>().ok())
        };
        if self.is12() {
            let status = get("cmi.core.lesson_status").unwrap_or("not attempted");
            let completion = match status {
                "passed" | "completed" | "failed" => "completed",
                "incomplete" | "browsed" => "incomplete",
                _ => "not attempted",
            };
            let success = match status {
                "passed" => "passed",
                "failed" => "failed",
                _ => "unknown",
            };
            let score = num("cmi.core.score.raw").map(|raw| {
                match (num("cmi.core.score.min"), num("cmi.core.score.max")) {
                    (min, Some(max)) if max > min.unwrap_or(0.0) => {
                        (raw - min.unwrap_or(0.0)) / (max - min.unwrap_or(0.0))
                    }
                    _ => raw / 100.0,
                }
            });
            let seconds = get("cmi.core.total_time")
                .and_then(types::timespan_seconds)
                .unwrap_or(0.0)
                + get("cmi.core.session_time")
                    .and_then(types::timespan_seconds)
                    .unwrap_or(0.0);
            return Outcome {
                completion: completion.into(),
                success: success.into(),
                score,
                seconds,
                location: get("cmi.core.lesson_location").unwrap_or("").into(),
            };
        }
        let score = num("cmi.score.scaled").or_else(|| {
            let raw = num("cmi.score.raw")?;
            let min = num("cmi.score.min").unwrap_or(0.0);
            let max = num("cmi.score.max")?;
            (max > min).then(|| (raw - min) / (max - min))
        });
        Outcome {
            completion: self.completion_status(),
            success: self.success_status(),
            score,
            seconds: get("cmi.total_time")
                .and_then(types::duration_seconds)
                .unwrap_or(0.0)
                + get("cmi.session_time")
                    .and_then(types::duration_seconds)
                    .unwrap_or(0.0),
            location: get("cmi.location").unwrap_or("").into(),
        }
    }

    /// Whether the SCO has set `element` in this session.
    pub fn set_by_sco(&self, element: &str) -> bool {
        self.set_by_sco.contains(element)
    }

    /// The state the next launch of this SCO starts from: resumed after a suspend, a new
    /// attempt otherwise (2004); in 1.2 data and total time always carry over.
    pub fn next_session(&self) -> Runtime {
        let mut next = Runtime::new(self.version);
        if self.is12() {
            let suspended = self
                .values
                .get("cmi.core.exit")
                .is_some_and(|v| v == "suspend");
            let total = self
                .values
                .get("cmi.core.total_time")
                .and_then(|v| types::timespan_seconds(v))
                .unwrap_or(0.0)
                + self
                    .values
                    .get("cmi.core.session_time")
                    .and_then(|v| types::timespan_seconds(v))
                    .unwrap_or(0.0);
            for (k, v) in &self.values {
                if k != "cmi.core.exit"
                    && k != "cmi.core.session_time"
                    && !k.starts_with("cmi.interactions.")
                {
                    next.seed(k, v);
                }
            }
            next.seed("cmi.core.total_time", &types::format_timespan(total));
            next.seed("cmi.core.entry", if suspended { "resume" } else { "" });
            return next;
        }
        let suspended = self.values.get("cmi.exit").is_some_and(|v| v == "suspend")
            || self
                .values
                .get("adl.nav.request")
                .is_some_and(|v| v == "suspendAll");
        if suspended {
            let total = self
                .values
                .get("cmi.total_time")
                .and_then(|v| types::duration_seconds(v))
                .unwrap_or(0.0)
                + self
                    .values
                    .get("cmi.session_time")
                    .and_then(|v| types::duration_seconds(v))
                    .unwrap_or(0.0);
            for (k, v) in &self.values {
                if ![
                    "cmi.exit",
                    "cmi.session_time",
                    "adl.nav.request",
                    "cmi.entry",
                    "cmi.total_time",
                ]
                .contains(&k.as_str())
                {
                    next.seed(k, v);
                }
            }
            next.seed("cmi.total_time", &types::format_duration(total));
            next.seed("cmi.entry", "resume");
        } else {
            for (k, v) in &self.launch {
                if ![
                    "cmi.entry",
                    "cmi.total_time",
                    "cmi.suspend_data",
                    "cmi.location",
                ]
                .contains(&k.as_str())
                    && !k.starts_with("cmi.interactions")
                {
                    next.seed(k, v);
                }
            }
            next.seed("cmi.entry", "ab-initio");
        }
        next
    }
}

/// A session's result as reports show it (see [`Runtime::outcome`]).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Outcome {
    /// `completed`, `incomplete`, `not attempted` or `unknown`.
    pub completion: String,
    /// `passed`, `failed` or `unknown`.
    pub success: String,
    /// The score from 0 to 1 (2004's scaled score, or raw against min and max).
    pub score: Option<f64>,
    /// Total time, with this session's.
    pub seconds: f64,
    /// The SCO's bookmark.
    pub location: String,
}

/// 2004 localized strings may start with `{lang=xx}`; a malformed tag is a type error.
fn check_localized(v: &str) -> Result<(), Invalid> {
    if let Some(rest) = v.strip_prefix("{lang=")
        && let Some(end) = rest.find('}')
        && !types::language(&rest[..end])
    {
        return Err(Invalid::Type);
    }
    Ok(())
}

/// An element path with array indices replaced by `n`.
pub fn pattern(element: &str) -> String {
    element
        .split('.')
        .map(|p| {
            if !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()) {
                "n"
            } else {
                p
            }
        })
        .collect::<Vec<_>>()
        .join(".")
}
