//! Plain-words reasons for a recommendation, strongest first.

use serde::Serialize;

use super::score::ScoredCourse;
use super::{RankOptions, Recommender, ScoreParts};
use crate::graph::Progress;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReasonKind {
    GoalSkills,
    Similar,
    GoalText,
    Collaborative,
    Unlocks,
    Ready,
    AlreadyHave,
}

/// A reason as data, so a site can word it in its own language: `{"kind": "gap_skill",
/// "skills": [...]}`, `{"kind": "similar_to", "course": id}`, `{"kind": "goal_text"}`,
/// `{"kind": "peers"}`, `{"kind": "unlocks", "courses": n}`, `{"kind": "ready",
/// "prerequisites": bool}` (no prerequisites, or all met).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReasonData {
    GapSkill {
        skills: Vec<String>,
    },
    SimilarTo {
        course: String,
    },
    GoalText,
    Peers,
    Unlocks {
        courses: usize,
    },
    Ready {
        prerequisites: bool,
    },
    /// Ranked down: everything it teaches, the learner's completed `from` already taught.
    AlreadyHave {
        skills: Vec<String>,
        from: String,
    },
}

/// One reason: what it is, how much of the score it carried, the sentence to show, and the
/// same as data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    pub kind: ReasonKind,
    /// `weight * part`: this reason's share of the score.
    pub contribution: f32,
    pub text: String,
    pub data: ReasonData,
}

/// A reason carrying less than this share of the weights is not worth a sentence.
const MIN_SHARE: f32 = 0.02;

/// A similarity or affinity reason is shown only when its part is strong: at least this in
/// absolute terms (cosine of MiniLM embeddings for `content` and `goal_text`; the
/// candidates' min-max-scaled affinity for `collaborative`), or among the top tenth of the
/// candidates that have it and at least [`RELATIVE_FLOOR`] of this. A goal part of 0.19 ("close to the goal you described" for a
/// drawing course and a data goal) is neither.
pub const STRONG_CONTENT: f32 = 0.5;
/// See [`STRONG_CONTENT`].
pub const STRONG_GOAL_TEXT: f32 = 0.45;
/// See [`STRONG_CONTENT`].
pub const STRONG_COLLABORATIVE: f32 = 0.6;

/// A part in the candidates' top tenth must still reach this share of its absolute threshold:
/// on UIUC, "PS 101 Intro to US Government" was in the top tenth for a CS learner at a
/// content similarity of 0.31, which no reader would call similar.
pub const RELATIVE_FLOOR: f32 = 0.8;

/// Whether a part's value is strong enough to be named (see [`STRONG_CONTENT`]).
pub fn strong(value: f32, absolute: f32, top_decile: f32) -> bool {
    value >= absolute || (value >= top_decile && value >= RELATIVE_FLOOR * absolute)
}
/// At most this many reasons per course.
const MAX_REASONS: usize = 3;

pub(crate) fn explain(
    engine: &Recommender,
    s: &ScoredCourse,
    top: &ScoreParts,
    progress: &Progress,
    options: &RankOptions,
) -> Vec<Reason> {
    let w = &options.weights;
    let p = &s.parts;
    let mut reasons = Vec::new();
    if !s.gap_skills.is_empty() {
        let skills = &s.gap_skills[..s.gap_skills.len().min(2)];
        let text = match skills {
            [one] => format!("teaches {one}, a gap for your goal"),
            [a, b] => format!("teaches {a} and {b}, gaps for your goal"),
            _ => unreachable!("one or two skills"),
        };
        reasons.push(Reason {
            kind: ReasonKind::GoalSkills,
            contribution: w.goal_skills * p.goal_skills,
            text,
            data: ReasonData::GapSkill { skills: skills.to_vec() },
        });
    }
    if let (Some(c), true) = (s.similar_to, strong(p.content, STRONG_CONTENT, top.content)) {
        let id = &engine.catalog.course(c).id;
        reasons.push(Reason {
            kind: ReasonKind::Similar,
            contribution: w.content * p.content,
            text: format!("similar to {id}, which you completed"),
            data: ReasonData::SimilarTo { course: id.clone() },
        });
    }
    if strong(p.goal_text, STRONG_GOAL_TEXT, top.goal_text) {
        reasons.push(Reason {
            kind: ReasonKind::GoalText,
            contribution: w.goal_text * p.goal_text,
            text: "close to the goal you described".into(),
            data: ReasonData::GoalText,
        });
    }
    if strong(p.collaborative, STRONG_COLLABORATIVE, top.collaborative) {
        reasons.push(Reason {
            kind: ReasonKind::Collaborative,
            contribution: w.collaborative * p.collaborative,
            text: "learners like you took it".into(),
            data: ReasonData::Peers,
        });
    }
    if s.unlocks > 0 {
        let plural = if s.unlocks == 1 { "course" } else { "courses" };
        reasons.push(Reason {
            kind: ReasonKind::Unlocks,
            contribution: w.unlocks * p.unlocks,
            text: format!("unlocks {} {plural}", s.unlocks),
            data: ReasonData::Unlocks { courses: s.unlocks },
        });
    }
    reasons.sort_by(|a, b| b.contribution.total_cmp(&a.contribution));
    let floor = MIN_SHARE * w.total();
    reasons.retain(|r| r.contribution >= floor);
    reasons.truncate(MAX_REASONS);
    if reasons.is_empty() {
        reasons.push(ready_reason(engine, s, progress));
    }
    if let Some((skills, from)) = &s.already_have {
        let from = engine.catalog.course(*from).id.clone();
        let shown = &skills[..skills.len().min(2)];
        let text = format!("you already have {} from {from}", shown.join(" and "));
        reasons.push(Reason {
            kind: ReasonKind::AlreadyHave,
            contribution: 0.0,
            text,
            data: ReasonData::AlreadyHave { skills: shown.to_vec(), from },
        });
    }
    reasons
}

/// The reason every recommendation has even when no score part speaks: it can be taken now.
fn ready_reason(engine: &Recommender, s: &ScoredCourse, progress: &Progress) -> Reason {
    let met = engine.graph.groups(s.course).iter().filter(|g| progress.satisfies(g)).count();
    let text = if met == 0 {
        "has no prerequisites, so you can start it now".to_string()
    } else {
        "you have met its prerequisites".to_string()
    };
    Reason { kind: ReasonKind::Ready, contribution: 0.0, text, data: ReasonData::Ready { prerequisites: met > 0 } }
}
