//! `wayfinder recommend`, `path` and `graph`: answers from a bundle through `wayfinder::api`,
//! the same code and shapes the browser module uses.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use wayfinder::api::{self, PathQuery, PathReason, RecommendQuery};
use wayfinder::engine::Engine;
use wayfinder::path::Minimize;
use wayfinder::rank::{PartialWeights, Rules, Scratch};

use crate::files;

#[derive(Args)]
pub struct RecommendArgs {
    /// The bundle directory `wayfinder build` wrote.
    #[arg(long)]
    bundle: PathBuf,
    /// Completed course ids, oldest first, comma-separated.
    #[arg(long, default_value = "")]
    completed: String,
    /// Courses taken this term, comma-separated.
    #[arg(long, default_value = "")]
    in_progress: String,
    /// Ratings as `ID=4,ID=5`.
    #[arg(long, default_value = "")]
    ratings: String,
    /// The learner's goal in their own words (embedded with the bundle's model).
    #[arg(long)]
    goal: Option<String>,
    /// Skill levels as `skill=0.4,...` (0 to 1).
    #[arg(long, default_value = "")]
    skills: String,
    /// Skill levels the goal needs, as `skill=0.8,...`.
    #[arg(long, default_value = "")]
    goal_skills: String,
    #[arg(short, long, default_value_t = 10)]
    k: usize,
    /// MMR lambda: 1 ranks by relevance only; lower trades relevance for variety (default:
    /// the bundle's).
    #[arg(long)]
    lambda: Option<f32>,
    /// Weights as `collaborative=0.3,content=0.2,goalText=0.25,goalSkills=0.2,unlocks=0.05`;
    /// any left out come from the bundle's defaults.
    #[arg(long)]
    weights: Option<String>,
    /// The directory holding model.onnx and tokenizer.json (for --goal).
    #[arg(long, default_value = "model")]
    model: PathBuf,
    /// Advising rules to switch off, comma-separated: equivalents, outgrown, levels, standing.
    #[arg(long, default_value = "")]
    no_rules: String,
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, ValueEnum)]
enum MinimizeArg {
    Courses,
    Credits,
}

#[derive(Args)]
pub struct PathArgs {
    #[arg(long)]
    bundle: PathBuf,
    /// Target skills, comma-separated.
    #[arg(long)]
    target: String,
    #[arg(long, default_value = "")]
    completed: String,
    /// Skills the learner has, as `skill=0.6,...`; levels of at least 0.5 count as known.
    #[arg(long, default_value = "")]
    skills: String,
    /// Split the path into terms of at most this many credits.
    #[arg(long)]
    max_credits: Option<f32>,
    #[arg(long, value_enum, default_value = "courses")]
    minimize: MinimizeArg,
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
pub struct GraphArgs {
    #[arg(long)]
    bundle: PathBuf,
    #[arg(long)]
    json: bool,
}

fn list(s: &str) -> Vec<String> {
    s.split(',').map(str::trim).filter(|x| !x.is_empty()).map(str::to_string).collect()
}

fn pairs(flag: &str, s: &str) -> Result<BTreeMap<String, f32>> {
    list(s)
        .iter()
        .map(|pair| {
            let (k, v) = pair.split_once('=').with_context(|| format!("--{flag}: {pair:?} is not name=value"))?;
            let v: f32 = v.trim().parse().with_context(|| format!("--{flag}: {v:?} is not a number"))?;
            Ok((k.trim().to_string(), v))
        })
        .collect()
}

fn weights(s: &str) -> Result<PartialWeights> {
    let mut w = serde_json::Map::new();
    for (name, v) in pairs("weights", s)? {
        w.insert(name, v.into());
    }
    serde_json::from_value(serde_json::Value::Object(w))
        .map_err(|e| anyhow::anyhow!("--weights: {e} (collaborative, content, goalText, goalSkills, unlocks)"))
}

fn rules_off(list_of: &str) -> Result<Rules> {
    let mut rules = Rules::default();
    for name in list(list_of) {
        match name.as_str() {
            "equivalents" => rules.equivalents = false,
            "outgrown" => rules.outgrown = false,
            "levels" => rules.levels = false,
            "standing" => rules.standing = false,
            other => anyhow::bail!("--no-rules: unknown rule {other:?} (equivalents, outgrown, levels, standing)"),
        }
    }
    Ok(rules)
}

/// Loads a bundle directory into the core's engine.
fn engine(dir: &std::path::Path) -> Result<Engine> {
    let bundle = files::bundle(dir)?;
    Engine::from_bundle(bundle).with_context(|| format!("bundle {} is not valid", dir.display()))
}

fn warn_unknown(unknown: &[String]) {
    if !unknown.is_empty() {
        eprintln!("warning: not in the catalog, ignored: {}", unknown.join(", "));
    }
}

pub fn recommend(args: RecommendArgs) -> Result<()> {
    let mut engine = engine(&args.bundle)?;
    if engine.needs_embedder(args.goal.as_deref()) {
        engine = engine.with_embedder(files::embedder(&args.model)?)?;
    }
    let query = RecommendQuery {
        completed: list(&args.completed),
        in_progress: list(&args.in_progress),
        ratings: pairs("ratings", &args.ratings)?,
        skills: pairs("skills", &args.skills)?,
        goal_text: args.goal.clone(),
        goal_skills: pairs("goal-skills", &args.goal_skills)?,
        k: Some(args.k),
        weights: args.weights.as_deref().map(weights).transpose()?,
        diversity: args.lambda,
        rules: Some(rules_off(&args.no_rules)?),
    };
    let answer = api::recommend(&engine, &query, &mut Scratch::default())?;
    warn_unknown(&answer.unknown_courses);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&answer)?);
    } else {
        for (i, r) in answer.recommendations.iter().enumerate() {
            println!("{:>2}. {} {} ({:.3})", i + 1, r.id, r.title, r.score);
            for e in &r.explanation {
                println!("      - {e}");
            }
        }
    }
    Ok(())
}

pub fn path(args: PathArgs) -> Result<()> {
    let engine = engine(&args.bundle)?;
    let query = PathQuery {
        target_skills: list(&args.target),
        completed: list(&args.completed),
        skills: pairs("skills", &args.skills)?,
        max_credits_per_term: args.max_credits,
        minimize: Some(match args.minimize {
            MinimizeArg::Courses => Minimize::Courses,
            MinimizeArg::Credits => Minimize::Credits,
        }),
    };
    let path = api::learning_path(&engine, &query)?;
    warn_unknown(&path.unknown_courses);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&path)?);
        return Ok(());
    }
    for s in &path.steps {
        let term = s.term.map(|t| format!("term {}: ", t + 1)).unwrap_or_default();
        let why: Vec<String> = s
            .reasons
            .iter()
            .map(|r| match r {
                PathReason::Teaches { skills } => format!("teaches {}", skills.join(", ")),
                PathReason::PrerequisiteOf { courses } => format!("needed for {}", courses.join(", ")),
            })
            .collect();
        println!("{term}{} {} ({} credits): {}", s.id, s.title, s.credits, why.join("; "));
    }
    println!("total: {} courses, {} credits", path.steps.len(), path.total_credits);
    for (label, skills) in [
        ("already met", &path.already_met),
        ("no course teaches", &path.untaught),
        ("unreachable (prerequisite cycle)", &path.unreachable),
    ] {
        if !skills.is_empty() {
            println!("{label}: {}", skills.join(", "));
        }
    }
    Ok(())
}

pub fn graph(args: GraphArgs) -> Result<()> {
    let engine = engine(&args.bundle)?;
    let graph = api::graph(&engine);
    if args.json {
        println!("{}", serde_json::to_string(&graph)?);
    } else {
        let inferred = graph.edges.iter().filter(|e| e.inferred).count();
        println!(
            "{} courses, {} prerequisite edges ({} inferred from skills), {} cycle(s)",
            engine.recommender().catalog().len(),
            graph.edges.len(),
            inferred,
            graph.cycles.len()
        );
        for cycle in &graph.cycles {
            println!("  cycle: {}", cycle.join(" -> "));
        }
    }
    Ok(())
}
