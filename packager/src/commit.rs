//! The budget for what one commit to the LMS can carry.
//!
//! Many LMSs send the whole data model on every commit, and the last commit of a session
//! leaves as the page closes, through `navigator.sendBeacon` or a keep-alive `fetch`,
//! which browsers limit to 64 KiB. A commit over that is dropped, and with it everything
//! the learner did since the last one. So a package must bound what it ever writes: its
//! saved progress (suspend data), and how many interactions it journals.
//!
//! [`plan`] takes the worst cases the compiler worked out and returns how many
//! interactions the course may journal so that the whole commit stays under the limit,
//! or refuses the course when even its saved progress and one assessment attempt do not
//! fit.

use serde::Serialize;

use crate::Format;

/// What a browser lets a page send as it closes (`sendBeacon`, keep-alive `fetch`).
pub const BEACON_LIMIT_BYTES: usize = 64 * 1024;

/// The rest of the data model as an LMS serialises it (names, learner, launch data,
/// status, score, times, preferences), measured from real commits and rounded well up.
pub const COMMIT_OVERHEAD_BYTES: usize = 8 * 1024;

/// SCORM 2004's smallest permitted maximum of interactions (RTE 4.2.9). An LMS may
/// refuse the 251st.
pub const MAX_INTERACTIONS: usize = 250;

/// The names and fixed-length values of one serialised interaction (id, type,
/// timestamp, weighting, result, latency and the keys around them).
pub const INTERACTION_OVERHEAD_BYTES: usize = 320;

/// What the compiler knows about a course's tracking, in the worst case.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CommitFacts {
    /// The most bytes the saved progress can take inside a commit (JSON-escaped and
    /// UTF-8 encoded).
    pub suspend_bytes: usize,
    /// Knowledge checks: questions that are journalled once, when first answered.
    pub checks: usize,
    /// Questions one submission of every assessment journals.
    pub per_attempt: usize,
    /// The most bytes one interaction's own values can take (its id, description,
    /// response and correct-response patterns), besides [`INTERACTION_OVERHEAD_BYTES`].
    pub interaction_bytes: usize,
}

/// How many interactions a package journals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct InteractionCaps {
    /// Never more than this many interactions in all.
    pub max: usize,
    /// Knowledge checks stop being journalled at this count, which leaves room for at
    /// least one attempt at every assessment.
    pub checks: usize,
}

/// A course whose commit cannot fit the budget.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "a commit to the LMS could reach {bytes} bytes ({what}), over the {limit} bytes a browser sends as a page closes, so a learner who closed the tab could lose their progress; \
     split the course into smaller courses, or use fewer pages and questions"
)]
pub struct CommitTooLarge {
    pub bytes: usize,
    pub limit: usize,
    pub what: &'static str,
}

/// Works out the interactions a course may journal in `format` so that every commit,
/// the last one included, stays within [`BEACON_LIMIT_BYTES`].
pub fn plan(facts: &CommitFacts, format: Format) -> Result<InteractionCaps, CommitTooLarge> {
    if format == Format::Web {
        return Ok(InteractionCaps { max: 0, checks: 0 });
    }
    let fixed = COMMIT_OVERHEAD_BYTES + facts.suspend_bytes;
    if fixed > BEACON_LIMIT_BYTES {
        return Err(CommitTooLarge {
            bytes: fixed,
            limit: BEACON_LIMIT_BYTES,
            what: "the saved progress alone",
        });
    }
    let each = INTERACTION_OVERHEAD_BYTES + facts.interaction_bytes;
    let room = (BEACON_LIMIT_BYTES - fixed) / each;
    let max = room.min(MAX_INTERACTIONS);
    if facts.per_attempt > max {
        return Err(CommitTooLarge {
            bytes: fixed + facts.per_attempt * each,
            limit: BEACON_LIMIT_BYTES,
            what: "the saved progress and one attempt at the assessment",
        });
    }
    Ok(InteractionCaps {
        max,
        checks: (max - facts.per_attempt).min(facts.checks),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(suspend: usize, checks: usize, per_attempt: usize) -> CommitFacts {
        CommitFacts {
            suspend_bytes: suspend,
            checks,
            per_attempt,
            interaction_bytes: 180,
        }
    }

    #[test]
    fn a_small_course_journals_everything() {
        let caps = plan(&facts(2_000, 10, 8), Format::Scorm2004).unwrap();
        assert_eq!(caps.checks, 10);
        assert!(caps.max >= 18 && caps.max <= MAX_INTERACTIONS);
    }

    #[test]
    fn knowledge_checks_give_way_to_the_assessment() {
        let caps = plan(&facts(20_000, 500, 20), Format::Scorm2004).unwrap();
        let worst = COMMIT_OVERHEAD_BYTES + 20_000 + caps.max * (INTERACTION_OVERHEAD_BYTES + 180);
        assert!(worst <= BEACON_LIMIT_BYTES, "{worst}");
        assert_eq!(caps.checks, caps.max - 20);
        assert!(caps.max < 500);
    }

    #[test]
    fn never_past_the_interactions_an_lms_must_keep() {
        let caps = plan(
            &CommitFacts {
                interaction_bytes: 0,
                ..facts(0, 1_000, 0)
            },
            Format::Scorm12,
        )
        .unwrap();
        let fit = (BEACON_LIMIT_BYTES - COMMIT_OVERHEAD_BYTES) / INTERACTION_OVERHEAD_BYTES;
        assert_eq!(caps.max, fit.min(MAX_INTERACTIONS));
        assert!(caps.max <= MAX_INTERACTIONS);
    }

    #[test]
    fn too_much_progress_or_too_long_an_assessment_is_refused() {
        let e = plan(&facts(60_000, 0, 0), Format::Scorm2004).unwrap_err();
        assert_eq!(e.what, "the saved progress alone");
        let e = plan(&facts(20_000, 0, 200), Format::Scorm2004).unwrap_err();
        assert!(e.bytes > BEACON_LIMIT_BYTES);
        assert!(e.to_string().contains("65536"), "{e}");
        assert!(plan(&facts(60_000, 0, 200), Format::Web).is_ok());
    }
}
