//! Knowledge-gap analysis: how far a learner's skills are from a goal's profile, which gaps
//! matter most, and roughly how many courses closing them takes.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::catalog::normalise_skill;
use crate::error::{Error, Result};

/// Skill areas and, optionally, what each skill builds on.
///
/// ```json
/// {"areas": {"data science": ["python", "statistics", "machine learning"]},
///  "builds_on": {"machine learning": ["linear algebra", "probability"]}}
/// ```
/// The first two skills of an area are its foundations.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Taxonomy {
    pub areas: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub builds_on: BTreeMap<String, Vec<String>>,
}

impl Taxonomy {
    /// Parses and normalises a taxonomy file.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming `taxonomy` when the JSON is malformed.
    pub fn from_json(bytes: &[u8]) -> Result<Taxonomy> {
        let raw: Taxonomy = serde_json::from_slice(bytes).map_err(|e| Error::param("taxonomy", e.to_string()))?;
        let norm = |v: Vec<String>| v.iter().map(|s| normalise_skill(s)).collect::<Vec<_>>();
        Ok(Taxonomy {
            areas: raw.areas.into_iter().map(|(k, v)| (k, norm(v))).collect(),
            builds_on: raw.builds_on.into_iter().map(|(k, v)| (normalise_skill(&k), norm(v))).collect(),
        })
    }

    /// Foundational skills: the first two of every area.
    pub fn foundations(&self) -> BTreeSet<&str> {
        self.areas.values().flat_map(|v| v.iter().take(2)).map(String::as_str).collect()
    }

    /// The skills `skill` builds on, directly.
    pub fn builds_on(&self, skill: &str) -> &[String] {
        self.builds_on.get(skill).map(Vec::as_slice).unwrap_or(&[])
    }
}

/// The analysis's tunable numbers, validated by [`GapParams::validate`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase", deny_unknown_fields)]
pub struct GapParams {
    /// Priority multiplier for foundational skills (and skills another goal skill builds on).
    pub foundational_weight: f32,
    /// Gaps smaller than this are not gaps.
    pub min_gap: f32,
    /// A skill at or above this level is a strength.
    pub strength_level: f32,
    /// How much skill level one course adds, on average, for the course estimate.
    pub gain_per_course: f32,
}

impl Default for GapParams {
    fn default() -> Self {
        GapParams { foundational_weight: 1.5, min_gap: 0.05, strength_level: 0.7, gain_per_course: 0.3 }
    }
}

impl GapParams {
    /// # Errors
    /// [`Error::InvalidParameter`] naming the field that is out of range.
    pub fn validate(&self) -> Result<()> {
        let check = |name: &'static str, v: f32, ok: bool| {
            if v.is_finite() && ok {
                Ok(())
            } else {
                Err(Error::param(name, format!("{v} is out of range")))
            }
        };
        check("foundational_weight", self.foundational_weight, self.foundational_weight >= 1.0)?;
        check("min_gap", self.min_gap, (0.0..1.0).contains(&self.min_gap))?;
        check("strength_level", self.strength_level, (0.0..=1.0).contains(&self.strength_level))?;
        check("gain_per_course", self.gain_per_course, self.gain_per_course > 0.0)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SkillGap {
    pub skill: String,
    pub current: f32,
    pub required: f32,
    pub gap: f32,
    /// `gap`, weighted up for foundational skills; the list is sorted by it.
    pub priority: f32,
    pub foundational: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Strength {
    pub skill: String,
    pub level: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GapAnalysis {
    pub gaps: Vec<SkillGap>,
    pub strengths: Vec<Strength>,
    /// 1 minus the share of the goal's required skill that is missing: 1 means ready.
    pub readiness: f32,
    pub estimated_courses: usize,
}

/// Skill levels are in `[0, 1]`.
///
/// # Errors
/// [`Error::InvalidParameter`] naming the skill whose level is not a number in `[0, 1]`, or
/// the parameter out of range.
///
/// # Example
/// ```
/// use std::collections::BTreeMap;
/// use wayfinder::gaps::{analyze, GapParams};
/// let skills = BTreeMap::from([("python".to_string(), 0.8)]);
/// let goal = BTreeMap::from([("python".to_string(), 0.6), ("sql".to_string(), 0.7)]);
/// let a = analyze(&skills, &goal, None, &GapParams::default()).unwrap();
/// assert_eq!(a.gaps[0].skill, "sql");
/// assert_eq!(a.estimated_courses, 3);
/// ```
pub fn analyze(
    skills: &BTreeMap<String, f32>,
    goal: &BTreeMap<String, f32>,
    taxonomy: Option<&Taxonomy>,
    params: &GapParams,
) -> Result<GapAnalysis> {
    params.validate()?;
    let skills = normalise_levels("skills", skills)?;
    let goal = normalise_levels("goal", goal)?;
    let mut foundational: BTreeSet<String> = BTreeSet::new();
    if let Some(t) = taxonomy {
        foundational.extend(t.foundations().into_iter().map(str::to_string));
        for g in goal.keys() {
            foundational.extend(t.builds_on(g).iter().cloned());
        }
    }
    let mut gaps = Vec::new();
    let (mut missing, mut required_total) = (0.0f32, 0.0f32);
    for (skill, &required) in &goal {
        let current = skills.get(skill).copied().unwrap_or(0.0);
        let gap = (required - current).max(0.0);
        required_total += required;
        missing += gap;
        if gap >= params.min_gap {
            let is_foundational = foundational.contains(skill);
            let priority = gap * if is_foundational { params.foundational_weight } else { 1.0 };
            gaps.push(SkillGap {
                skill: skill.clone(),
                current,
                required,
                gap,
                priority,
                foundational: is_foundational,
            });
        }
    }
    gaps.sort_by(|a, b| b.priority.total_cmp(&a.priority).then_with(|| a.skill.cmp(&b.skill)));
    let mut strengths: Vec<Strength> = skills
        .iter()
        .filter(|(_, &l)| l >= params.strength_level)
        .map(|(s, &l)| Strength { skill: s.clone(), level: l })
        .collect();
    strengths.sort_by(|a, b| b.level.total_cmp(&a.level).then_with(|| a.skill.cmp(&b.skill)));
    let readiness = if required_total > 0.0 { 1.0 - missing / required_total } else { 1.0 };
    let gap_total: f32 = gaps.iter().map(|g| g.gap).sum();
    // Round before the ceiling so 0.9 / 0.3 counts as 3 courses, not 4.
    let estimated_courses = ((gap_total / params.gain_per_course * 1e4).round() / 1e4).ceil() as usize;
    Ok(GapAnalysis { gaps, strengths, readiness, estimated_courses })
}

fn normalise_levels(what: &'static str, levels: &BTreeMap<String, f32>) -> Result<BTreeMap<String, f32>> {
    let mut out = BTreeMap::new();
    for (skill, &level) in levels {
        if !level.is_finite() || !(0.0..=1.0).contains(&level) {
            return Err(Error::param(what, format!("level of {skill:?} is {level}; levels are numbers from 0 to 1")));
        }
        let skill = normalise_skill(skill);
        let entry = out.entry(skill).or_insert(level);
        *entry = entry.max(level);
    }
    Ok(out)
}
