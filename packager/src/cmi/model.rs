//! The elements of the SCORM 1.2 and 2004 data models, as the specifications' tables
//! give them: path (array indices written `n`), access, type and default.

use super::types::Type;

/// Who may read and write an element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    ReadOnly,
    WriteOnly,
    ReadWrite,
}

use Access::{ReadOnly as RO, ReadWrite as RW, WriteOnly as WO};

/// One element of a data model.
#[derive(Debug, Clone, Copy)]
pub struct Element {
    pub path: &'static str,
    pub access: Access,
    pub ty: Type,
    /// The value before anything sets it; `None` means "not initialised" (2004: 403).
    pub default: Option<&'static str>,
}

const fn el(
    path: &'static str,
    access: Access,
    ty: Type,
    default: Option<&'static str>,
) -> Element {
    Element {
        path,
        access,
        ty,
        default,
    }
}

/// A data model: its elements, the `_children` lists and which paths are arrays.
pub struct Model {
    pub elements: &'static [Element],
    pub children: &'static [(&'static str, &'static str)],
    pub arrays: &'static [&'static str],
}

impl Model {
    pub fn element(&self, pattern: &str) -> Option<&'static Element> {
        self.elements.iter().find(|e| e.path == pattern)
    }

    pub fn children_of(&self, pattern: &str) -> Option<&'static str> {
        self.children
            .iter()
            .find(|(p, _)| *p == pattern)
            .map(|(_, c)| *c)
    }

    pub fn is_array(&self, pattern: &str) -> bool {
        self.arrays.contains(&pattern)
    }

    /// Whether `pattern` names anything in the model (an element, a parent or an array).
    pub fn knows(&self, pattern: &str) -> bool {
        self.element(pattern).is_some()
            || self.children_of(pattern).is_some()
            || self.is_array(pattern)
            || self
                .elements
                .iter()
                .any(|e| e.path.starts_with(pattern) && e.path[pattern.len()..].starts_with('.'))
    }
}

const STATUS_2004: &[&str] = &["completed", "incomplete", "not attempted", "unknown"];
const SUCCESS_2004: &[&str] = &["passed", "failed", "unknown"];
const INTERACTION_TYPES_2004: &[&str] = &[
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
const NAV_REQUESTS: &[&str] = &[
    "continue",
    "previous",
    "exit",
    "exitAll",
    "abandon",
    "abandonAll",
    "suspendAll",
    "_none_",
];
const TIME_LIMIT_ACTIONS: Type = Type::Vocabulary(&[
    "exit,message",
    "exit,no message",
    "continue,message",
    "continue,no message",
]);
const CREDIT: Type = Type::Vocabulary(&["credit", "no-credit"]);
const MODES: Type = Type::Vocabulary(&["browse", "normal", "review"]);
const ENTRY: Type = Type::Vocabulary(&["ab-initio", "resume", ""]);
const REAL: Type = Type::Real {
    min: None,
    max: None,
};
const UNIT: Type = Type::Real {
    min: Some(0.0),
    max: Some(1.0),
};
const SCALED: Type = Type::Real {
    min: Some(-1.0),
    max: Some(1.0),
};

/// SCORM 2004 4th Edition (RTE 4.2).
pub static SCORM_2004: Model = Model {
    elements: &[
        el("cmi._version", RO, Type::Text(10), Some("1.0")),
        el(
            "cmi.comments_from_learner.n.comment",
            RW,
            Type::Localized(4000),
            None,
        ),
        el(
            "cmi.comments_from_learner.n.location",
            RW,
            Type::Text(250),
            None,
        ),
        el(
            "cmi.comments_from_learner.n.timestamp",
            RW,
            Type::Timestamp,
            None,
        ),
        el(
            "cmi.comments_from_lms.n.comment",
            RO,
            Type::Localized(4000),
            None,
        ),
        el(
            "cmi.comments_from_lms.n.location",
            RO,
            Type::Text(250),
            None,
        ),
        el(
            "cmi.comments_from_lms.n.timestamp",
            RO,
            Type::Timestamp,
            None,
        ),
        el(
            "cmi.completion_status",
            RW,
            Type::Vocabulary(STATUS_2004),
            Some("unknown"),
        ),
        el("cmi.completion_threshold", RO, UNIT, None),
        el("cmi.credit", RO, CREDIT, Some("credit")),
        el("cmi.entry", RO, ENTRY, Some("")),
        el(
            "cmi.exit",
            WO,
            Type::Vocabulary(&["time-out", "suspend", "logout", "normal", ""]),
            Some(""),
        ),
        el("cmi.interactions.n.id", RW, Type::Identifier(4000), None),
        el(
            "cmi.interactions.n.type",
            RW,
            Type::Vocabulary(INTERACTION_TYPES_2004),
            None,
        ),
        el(
            "cmi.interactions.n.objectives.n.id",
            RW,
            Type::Identifier(4000),
            None,
        ),
        el("cmi.interactions.n.timestamp", RW, Type::Timestamp, None),
        el(
            "cmi.interactions.n.correct_responses.n.pattern",
            RW,
            Type::Response,
            None,
        ),
        el("cmi.interactions.n.weighting", RW, REAL, None),
        el(
            "cmi.interactions.n.learner_response",
            RW,
            Type::Response,
            None,
        ),
        el("cmi.interactions.n.result", RW, Type::Result2004, None),
        el("cmi.interactions.n.latency", RW, Type::Duration, None),
        el(
            "cmi.interactions.n.description",
            RW,
            Type::Localized(250),
            None,
        ),
        el("cmi.launch_data", RO, Type::Text(4000), None),
        el("cmi.learner_id", RO, Type::Identifier(4000), Some("")),
        el("cmi.learner_name", RO, Type::Localized(250), Some("")),
        el(
            "cmi.learner_preference.audio_level",
            RW,
            Type::Real {
                min: Some(0.0),
                max: None,
            },
            Some("1"),
        ),
        el(
            "cmi.learner_preference.language",
            RW,
            Type::Language,
            Some(""),
        ),
        el(
            "cmi.learner_preference.delivery_speed",
            RW,
            Type::Real {
                min: Some(0.0),
                max: None,
            },
            Some("1"),
        ),
        el(
            "cmi.learner_preference.audio_captioning",
            RW,
            Type::Vocabulary(&["-1", "0", "1"]),
            Some("0"),
        ),
        el("cmi.location", RW, Type::Text(1000), None),
        el("cmi.max_time_allowed", RO, Type::Duration, None),
        el("cmi.mode", RO, MODES, Some("normal")),
        el("cmi.objectives.n.id", RW, Type::Identifier(4000), None),
        el("cmi.objectives.n.score.scaled", RW, SCALED, None),
        el("cmi.objectives.n.score.raw", RW, REAL, None),
        el("cmi.objectives.n.score.min", RW, REAL, None),
        el("cmi.objectives.n.score.max", RW, REAL, None),
        el(
            "cmi.objectives.n.success_status",
            RW,
            Type::Vocabulary(SUCCESS_2004),
            Some("unknown"),
        ),
        el(
            "cmi.objectives.n.completion_status",
            RW,
            Type::Vocabulary(STATUS_2004),
            Some("unknown"),
        ),
        el("cmi.objectives.n.progress_measure", RW, UNIT, None),
        el(
            "cmi.objectives.n.description",
            RW,
            Type::Localized(250),
            None,
        ),
        el("cmi.progress_measure", RW, UNIT, None),
        el("cmi.scaled_passing_score", RO, SCALED, None),
        el("cmi.score.scaled", RW, SCALED, None),
        el("cmi.score.raw", RW, REAL, None),
        el("cmi.score.min", RW, REAL, None),
        el("cmi.score.max", RW, REAL, None),
        el("cmi.session_time", WO, Type::Duration, None),
        el(
            "cmi.success_status",
            RW,
            Type::Vocabulary(SUCCESS_2004),
            Some("unknown"),
        ),
        el("cmi.suspend_data", RW, Type::Limited(64000), None),
        el(
            "cmi.time_limit_action",
            RO,
            TIME_LIMIT_ACTIONS,
            Some("continue,no message"),
        ),
        el("cmi.total_time", RO, Type::Duration, Some("PT0H0M0S")),
        el(
            "adl.nav.request",
            RW,
            Type::Vocabulary(NAV_REQUESTS),
            Some("_none_"),
        ),
        el(
            "adl.nav.request_valid.continue",
            RO,
            Type::Text(10),
            Some("unknown"),
        ),
        el(
            "adl.nav.request_valid.previous",
            RO,
            Type::Text(10),
            Some("unknown"),
        ),
    ],
    children: &[
        ("cmi.comments_from_learner", "comment,location,timestamp"),
        ("cmi.comments_from_lms", "comment,location,timestamp"),
        (
            "cmi.interactions",
            "id,type,objectives,timestamp,correct_responses,weighting,learner_response,result,latency,description",
        ),
        (
            "cmi.learner_preference",
            "audio_level,language,delivery_speed,audio_captioning",
        ),
        (
            "cmi.objectives",
            "id,score,success_status,completion_status,progress_measure,description",
        ),
        ("cmi.objectives.n.score", "scaled,raw,min,max"),
        ("cmi.score", "scaled,raw,min,max"),
    ],
    arrays: &[
        "cmi.comments_from_learner",
        "cmi.comments_from_lms",
        "cmi.interactions",
        "cmi.interactions.n.objectives",
        "cmi.interactions.n.correct_responses",
        "cmi.objectives",
    ],
};

const STATUS_12: &[&str] = &[
    "passed",
    "completed",
    "failed",
    "incomplete",
    "browsed",
    "not attempted",
];
const INTERACTION_TYPES_12: &[&str] = &[
    "true-false",
    "choice",
    "fill-in",
    "matching",
    "performance",
    "sequencing",
    "likert",
    "numeric",
];

/// SCORM 1.2 (1.2 RTE, chapter 3).
pub static SCORM_12: Model = Model {
    elements: &[
        el("cmi.core.student_id", RO, Type::Identifier(255), Some("")),
        el("cmi.core.student_name", RO, Type::Text(255), Some("")),
        el("cmi.core.lesson_location", RW, Type::Text(255), Some("")),
        el("cmi.core.credit", RO, CREDIT, Some("credit")),
        el(
            "cmi.core.lesson_status",
            RW,
            Type::Vocabulary(STATUS_12),
            Some("not attempted"),
        ),
        el("cmi.core.entry", RO, ENTRY, Some("")),
        el("cmi.core.score.raw", RW, Type::Score12, Some("")),
        el("cmi.core.score.min", RW, Type::Score12, Some("")),
        el("cmi.core.score.max", RW, Type::Score12, Some("")),
        el(
            "cmi.core.total_time",
            RO,
            Type::Timespan,
            Some("0000:00:00.00"),
        ),
        el("cmi.core.lesson_mode", RO, MODES, Some("normal")),
        el(
            "cmi.core.exit",
            WO,
            Type::Vocabulary(&["time-out", "suspend", "logout", ""]),
            Some(""),
        ),
        el("cmi.core.session_time", WO, Type::Timespan, None),
        el("cmi.suspend_data", RW, Type::Limited(4096), Some("")),
        el("cmi.launch_data", RO, Type::Text(4096), Some("")),
        el("cmi.comments", RW, Type::Text(4096), Some("")),
        el("cmi.comments_from_lms", RO, Type::Text(4096), Some("")),
        el("cmi.objectives.n.id", RW, Type::Identifier(255), Some("")),
        el("cmi.objectives.n.score.raw", RW, Type::Score12, Some("")),
        el("cmi.objectives.n.score.min", RW, Type::Score12, Some("")),
        el("cmi.objectives.n.score.max", RW, Type::Score12, Some("")),
        el(
            "cmi.objectives.n.status",
            RW,
            Type::Vocabulary(STATUS_12),
            Some("not attempted"),
        ),
        el(
            "cmi.student_data.mastery_score",
            RO,
            Type::Score12,
            Some(""),
        ),
        el(
            "cmi.student_data.max_time_allowed",
            RO,
            Type::Timespan,
            Some(""),
        ),
        el(
            "cmi.student_data.time_limit_action",
            RO,
            TIME_LIMIT_ACTIONS,
            Some(""),
        ),
        el(
            "cmi.student_preference.audio",
            RW,
            Type::Integer { min: -1, max: 100 },
            Some(""),
        ),
        el(
            "cmi.student_preference.language",
            RW,
            Type::Text(255),
            Some(""),
        ),
        el(
            "cmi.student_preference.speed",
            RW,
            Type::Integer {
                min: -100,
                max: 100,
            },
            Some(""),
        ),
        el(
            "cmi.student_preference.text",
            RW,
            Type::Integer { min: -1, max: 1 },
            Some(""),
        ),
        el("cmi.interactions.n.id", WO, Type::Identifier(255), None),
        el(
            "cmi.interactions.n.objectives.n.id",
            WO,
            Type::Identifier(255),
            None,
        ),
        el("cmi.interactions.n.time", WO, Type::Time12, None),
        el(
            "cmi.interactions.n.type",
            WO,
            Type::Vocabulary(INTERACTION_TYPES_12),
            None,
        ),
        el(
            "cmi.interactions.n.correct_responses.n.pattern",
            WO,
            Type::Text(255),
            None,
        ),
        el(
            "cmi.interactions.n.weighting",
            WO,
            Type::Real {
                min: None,
                max: None,
            },
            None,
        ),
        el(
            "cmi.interactions.n.student_response",
            WO,
            Type::Text(255),
            None,
        ),
        el("cmi.interactions.n.result", WO, Type::Result12, None),
        el("cmi.interactions.n.latency", WO, Type::Timespan, None),
    ],
    children: &[
        (
            "cmi.core",
            "student_id,student_name,lesson_location,credit,lesson_status,entry,score,total_time,lesson_mode,exit,session_time",
        ),
        ("cmi.core.score", "raw,min,max"),
        ("cmi.objectives", "id,score,status"),
        ("cmi.objectives.n.score", "raw,min,max"),
        (
            "cmi.student_data",
            "mastery_score,max_time_allowed,time_limit_action",
        ),
        ("cmi.student_preference", "audio,language,speed,text"),
        (
            "cmi.interactions",
            "id,objectives,time,type,correct_responses,weighting,student_response,result,latency",
        ),
        (
            "cmi",
            "core,suspend_data,launch_data,comments,objectives,student_data,student_preference,interactions",
        ),
    ],
    arrays: &[
        "cmi.objectives",
        "cmi.interactions",
        "cmi.interactions.n.objectives",
        "cmi.interactions.n.correct_responses",
    ],
};
