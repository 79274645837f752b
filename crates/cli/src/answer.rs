//! `wayfinder recommend`, `path` and `graph`: answers from a bundle, as the browser gives them.

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use serde_json::{json, Value};
use wayfinder::bundle::Bundle;
use wayfinder::catalog::{Catalog, CourseIx};
use wayfinder::graph::{GraphOptions, PrereqGraph};
use wayfinder::path::{plan, Minimize, PathRequest, StepReason};
use wayfinder::rank::{Learner, RankOptions, Recommender, Scratch, Weights};

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
    /// MMR lambda: 1 ranks by relevance only; lower trades relevance for variety.
    #[arg(long, default_value_t = RankOptions::default().lambda)]
    lambda: f32,
    /// Weights as `collaborative=0.3,content=0.2,goal_text=0.25,goal_skills=0.2,unlocks=0.05`.
    #[arg(long)]
    weights: Option<String>,
    /// The directory holding model.onnx and tokenizer.json (for --goal).
    #[arg(long, default_value = "model")]
    model: PathBuf,
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

fn list(s: &str) -> impl Iterator<Item = &str> {
    s.split(',').map(str::trim).filter(|x| !x.is_empty())
}

fn ids(catalog: &Catalog, flag: &str, s: &str) -> Result<Vec<CourseIx>> {
    let (known, unknown) = catalog.resolve(list(s));
    if !unknown.is_empty() {
        bail!("--{flag}: unknown course id(s): {}", unknown.join(", "));
    }
    Ok(known)
}

fn levels(flag: &str, s: &str) -> Result<BTreeMap<String, f32>> {
    list(s)
        .map(|pair| {
            let (k, v) = pair.split_once('=').with_context(|| format!("--{flag}: {pair:?} is not name=value"))?;
            let v: f32 = v.trim().parse().with_context(|| format!("--{flag}: {v:?} is not a number"))?;
            Ok((k.trim().to_string(), v))
        })
        .collect()
}

fn weights(s: &str) -> Result<Weights> {
    let mut w = Weights { collaborative: 0.0, content: 0.0, goal_text: 0.0, goal_skills: 0.0, unlocks: 0.0 };
    for (name, v) in levels("weights", s)? {
        *match name.as_str() {
            "collaborative" => &mut w.collaborative,
            "content" => &mut w.content,
            "goal_text" => &mut w.goal_text,
            "goal_skills" => &mut w.goal_skills,
            "unlocks" => &mut w.unlocks,
            other => bail!("--weights: unknown weight {other:?}"),
        } = v;
    }
    Ok(w)
}

fn engine(bundle: Bundle) -> Result<Recommender> {
    let graph = PrereqGraph::new(&bundle.catalog, GraphOptions::default());
    Ok(Recommender::new(bundle.catalog, graph, bundle.model, bundle.embeddings, bundle.taxonomy)?)
}

pub fn recommend(args: RecommendArgs) -> Result<()> {
    let bundle = files::bundle(&args.bundle)?;
    let goal_embedding = match (&args.goal, &bundle.embeddings) {
        (Some(goal), Some(_)) => {
            let embedder = files::embedder(&args.model)?;
            bundle.check_embedder(embedder.model_sha256(), embedder.tokenizer_sha256())?;
            Some(embedder.embed(goal)?.vector)
        }
        _ => None,
    };
    let engine = engine(bundle)?;
    let catalog = engine.catalog();
    let ratings = levels("ratings", &args.ratings)?
        .into_iter()
        .map(|(id, r)| Ok((catalog.require(&id).with_context(|| "--ratings")?, r)))
        .collect::<Result<Vec<_>>>()?;
    let learner = Learner {
        completed: ids(catalog, "completed", &args.completed)?,
        in_progress: ids(catalog, "in-progress", &args.in_progress)?,
        ratings,
        skills: levels("skills", &args.skills)?,
        goal_embedding,
        goal_skills: levels("goal-skills", &args.goal_skills)?,
    };
    let options = RankOptions {
        k: args.k,
        lambda: args.lambda,
        weights: args.weights.as_deref().map(weights).transpose()?.unwrap_or_default(),
        ..RankOptions::default()
    };
    let ranking = engine.recommend(&learner, &options, &mut Scratch::default())?;
    if args.json {
        let recs: Vec<Value> = ranking
            .recommendations
            .iter()
            .map(|r| {
                let c = catalog.course(r.course);
                json!({"id": c.id, "title": c.title, "score": r.score, "parts": r.parts, "explanation": r.explanation.iter().map(|e| &e.text).collect::<Vec<_>>()})
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&json!({"recommendations": recs, "candidates": ranking.candidates}))?);
    } else {
        for (i, r) in ranking.recommendations.iter().enumerate() {
            let c = catalog.course(r.course);
            println!("{:>2}. {} {} ({:.3})", i + 1, c.id, c.title, r.score);
            for e in &r.explanation {
                println!("      - {}", e.text);
            }
        }
    }
    Ok(())
}

pub fn path(args: PathArgs) -> Result<()> {
    let bundle = files::bundle(&args.bundle)?;
    let graph = PrereqGraph::new(&bundle.catalog, GraphOptions::default());
    let catalog = &bundle.catalog;
    let request = PathRequest {
        targets: list(&args.target).map(str::to_string).collect(),
        completed: ids(catalog, "completed", &args.completed)?,
        known_skills: levels("skills", &args.skills)?.into_iter().filter(|(_, l)| *l >= wayfinder::rank::KNOWN_SKILL_LEVEL).map(|(s, _)| s).collect(),
        max_credits_per_term: args.max_credits,
        minimize: match args.minimize {
            MinimizeArg::Courses => Minimize::Courses,
            MinimizeArg::Credits => Minimize::Credits,
        },
    };
    let path = plan(catalog, &graph, &request)?;
    let id = |c: &CourseIx| catalog.course(*c).id.clone();
    if args.json {
        let steps: Vec<Value> = path
            .steps
            .iter()
            .map(|s| {
                let c = catalog.course(s.course);
                let reasons: Vec<Value> = s
                    .reasons
                    .iter()
                    .map(|r| match r {
                        StepReason::Teaches { skills } => json!({"kind": "teaches", "skills": skills}),
                        StepReason::PrerequisiteOf { courses } => json!({"kind": "prerequisite_of", "courses": courses.iter().map(id).collect::<Vec<_>>()}),
                    })
                    .collect();
                json!({"id": c.id, "title": c.title, "credits": c.credits(), "term": s.term, "after": s.after.iter().map(id).collect::<Vec<_>>(), "reasons": reasons})
            })
            .collect();
        let terms: Vec<Vec<String>> = path.terms.iter().map(|t| t.iter().map(id).collect()).collect();
        println!(
            "{}",
            serde_json::to_string_pretty(&json!({"steps": steps, "terms": terms, "already_met": path.already_met, "untaught": path.untaught, "unreachable": path.unreachable, "total_credits": path.total_credits}))?
        );
    } else {
        for s in &path.steps {
            let c = catalog.course(s.course);
            let term = s.term.map(|t| format!("term {}: ", t + 1)).unwrap_or_default();
            println!("{term}{} {} ({} credits)", c.id, c.title, c.credits());
        }
        println!("total: {} courses, {} credits", path.steps.len(), path.total_credits);
        for (label, skills) in [("already met", &path.already_met), ("no course teaches", &path.untaught), ("unreachable (prerequisite cycle)", &path.unreachable)] {
            if !skills.is_empty() {
                println!("{label}: {}", skills.join(", "));
            }
        }
    }
    Ok(())
}

pub fn graph(args: GraphArgs) -> Result<()> {
    let bundle = files::bundle(&args.bundle)?;
    let catalog = &bundle.catalog;
    let graph = PrereqGraph::new(catalog, GraphOptions::default());
    let mut edges = Vec::new();
    for c in 0..catalog.len() {
        for (g, group) in graph.groups(c).iter().enumerate() {
            for (m, score) in group.members.iter().zip(&group.scores) {
                edges.push(json!({
                    "course": catalog.course(c).id, "prerequisite": catalog.course(*m).id, "group": g,
                    "inferred": group.inferred_from.is_some(), "skill": group.inferred_from, "concurrent": group.concurrent, "score": score,
                }));
            }
        }
    }
    let cycles: Vec<Vec<String>> = graph.cycles().iter().map(|r| r.cycle.iter().map(|&c| catalog.course(c).id.clone()).collect()).collect();
    if args.json {
        println!("{}", serde_json::to_string(&json!({"edges": edges, "cycles": cycles}))?);
    } else {
        let inferred = edges.iter().filter(|e| e["inferred"] == true).count();
        println!("{} courses, {} prerequisite edges ({} inferred from skills), {} cycle(s)", catalog.len(), edges.len(), inferred, cycles.len());
        for cycle in &cycles {
            println!("  cycle: {}", cycle.join(" -> "));
        }
    }
    Ok(())
}
