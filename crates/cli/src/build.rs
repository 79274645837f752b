//! `wayfinder build`: catalog (+ enrolments, + taxonomy) -> a versioned, checksummed bundle.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{bail, Context, Result};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{json, Value};
use wayfinder::bundle::{Bundle, BundleParts, Counts, EmbedderInfo, ModelInfo, Storage};
use wayfinder::catalog::{Catalog, Course, Strictness};
use wayfinder::embed::{Embedder, DIM};
use wayfinder::eval::{evaluate_ranking, leave_one_out, rating_errors, Popularity};
use wayfinder::gaps::Taxonomy;
use wayfinder::graph::{GraphOptions, PrereqGraph, Progress};
use wayfinder::interactions::{self, Interactions};
use wayfinder::mf::{als, sgd, Confidence, Fitted, MfModel, Rating, Ratings};
use wayfinder::neighbours::Neighbours;
use wayfinder::pipeline::{self, Histories, TuneParams, Tuned};
use wayfinder::rank::Recommender;
use wayfinder::similarity::Embeddings;
use wayfinder::skills;

use crate::files;

#[derive(Clone, Copy, ValueEnum)]
pub enum Format {
    Csv,
    Kgat,
}

#[derive(Clone, Copy, PartialEq, ValueEnum)]
pub enum Kind {
    /// Implicit ALS on enrolments (best for ranking); ratings, if any, are ignored.
    Implicit,
    /// Biased MF by SGD on the ratings column.
    Explicit,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum StorageArg {
    F32,
    F16,
    Int8,
}

#[derive(Args)]
pub struct BuildArgs {
    /// The catalog JSON.
    #[arg(long)]
    catalog: PathBuf,
    /// Enrolments or ratings: CSV `user,course[,rating][,timestamp]`, or kgat with --format kgat.
    #[arg(long)]
    interactions: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "csv")]
    format: Format,
    /// Skill taxonomy JSON: infers skills for courses that list none.
    #[arg(long)]
    taxonomy: Option<PathBuf>,
    /// The directory holding model.onnx and tokenizer.json.
    #[arg(long)]
    model: PathBuf,
    /// The bundle directory to write.
    #[arg(long)]
    out: PathBuf,
    #[arg(long, value_enum, default_value = "implicit")]
    kind: Kind,
    /// How course embeddings are stored.
    #[arg(long, value_enum, default_value = "f16")]
    storage: StorageArg,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    #[arg(long, default_value_t = 32)]
    factors: usize,
    /// Texts per model run. Runs go to every core; one text per run was fastest here (UIUC,
    /// 1,200 courses: 1.7x the throughput of batches of 32, whose padded activations outgrow
    /// the cache), so larger batches only pay where a CPU favours them.
    #[arg(long, default_value_t = 1)]
    batch: usize,
    /// Keep prerequisites naming courses the catalog does not hold (marked, never satisfying
    /// their group), and skip interactions naming such courses, reporting both, instead of
    /// failing.
    #[arg(long)]
    lenient: bool,
    /// Minimum cosine for an inferred skill.
    #[arg(long, default_value_t = skills::InferParams::default().threshold)]
    skill_threshold: f32,
    /// Without --taxonomy, a catalog that names no skills gets skills from the built-in
    /// vocabulary (data/skills/builtin-taxonomy.json); this leaves it without.
    #[arg(long)]
    no_skill_vocabulary: bool,
    /// A catalog that lists prerequisites for fewer than half of its courses above the lowest
    /// level gets prerequisites inferred from the texts for the rest; this leaves it without.
    #[arg(long)]
    no_inferred_prerequisites: bool,
    /// Write the catalog as plain catalog.json instead of catalog.json.gz (the default:
    /// descriptions are most of a large catalog's bytes and compress about 3x; the browser
    /// module and the CLI read either form).
    #[arg(long, conflicts_with = "compress_catalog")]
    plain_catalog: bool,
    /// The default; kept so that existing scripts keep working.
    #[arg(long, hide = true)]
    compress_catalog: bool,
    /// No progress bars.
    #[arg(long)]
    quiet: bool,
    /// Print a JSON summary.
    #[arg(long)]
    json: bool,
}

/// A catalog made ready for ranking, as `build` and `eval recommend` both need it: read and
/// validated, embedded, skills inferred with a taxonomy.
pub struct Site {
    pub catalog: Catalog,
    pub report: wayfinder::catalog::ValidationReport,
    pub taxonomy: Option<Taxonomy>,
    pub embeddings: Embeddings,
    pub embedder: Embedder,
    pub inferred_courses: usize,
    pub embed_seconds: f64,
}

impl Site {
    pub fn load(catalog: &Path, taxonomy: Option<&Path>, model: &Path, lenient: bool, quiet: bool) -> Result<Site> {
        Site::load_with(
            catalog,
            taxonomy,
            model,
            lenient,
            quiet,
            1,
            skills::InferParams::default().threshold,
            true,
            true,
        )
    }

    /// A catalog already loaded (the prerequisite evaluation hides its lists first).
    pub fn from_catalog(catalog: Catalog, taxonomy: Option<&Path>, model: &Path, quiet: bool) -> Result<Site> {
        Site::prepare(
            catalog,
            Default::default(),
            taxonomy,
            model,
            quiet,
            1,
            skills::InferParams::default().threshold,
            true,
            true,
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn load_with(
        catalog_path: &Path,
        taxonomy: Option<&Path>,
        model: &Path,
        lenient: bool,
        quiet: bool,
        batch: usize,
        skill_threshold: f32,
        vocabulary: bool,
        prerequisites: bool,
    ) -> Result<Site> {
        let catalog_bytes = files::read(catalog_path)?;
        let strictness = if lenient { Strictness::Lenient } else { Strictness::Strict };
        let (catalog, report) = Catalog::from_json(&catalog_bytes, strictness)
            .with_context(|| format!("catalog {}", catalog_path.display()))?;
        Site::prepare(catalog, report, taxonomy, model, quiet, batch, skill_threshold, vocabulary, prerequisites)
    }

    #[allow(clippy::too_many_arguments)]
    fn prepare(
        catalog: Catalog,
        report: wayfinder::catalog::ValidationReport,
        taxonomy: Option<&Path>,
        model: &Path,
        quiet: bool,
        batch: usize,
        skill_threshold: f32,
        vocabulary: bool,
        prerequisites: bool,
    ) -> Result<Site> {
        let mut taxonomy = taxonomy
            .map(|p| Taxonomy::from_json(&files::read(p)?).with_context(|| format!("taxonomy {}", p.display())))
            .transpose()?;
        // A catalog with no skills of its own and no taxonomy gets the built-in vocabulary.
        let names_skills = catalog.courses().iter().any(|c| !c.teaches.is_empty() || !c.requires.is_empty());
        if taxonomy.is_none() && vocabulary && !names_skills {
            taxonomy = Some(skills::builtin_taxonomy()?);
            if !quiet {
                eprintln!("the catalog names no skills: inferring them against the built-in vocabulary (--no-skill-vocabulary to skip)");
            }
        }
        let embedder = files::embedder(model)?;

        // Embed every course; with a taxonomy, infer skills for courses that list none, then
        // rebuild the catalog so the inferred skills are validated like listed ones.
        let texts: Vec<String> = catalog.courses().iter().map(course_text).collect();
        let embed_started = Instant::now();
        let vectors = embed_all(&embedder, &texts, batch, quiet)?;
        let embed_seconds = embed_started.elapsed().as_secs_f64();
        let mut inferred_courses = 0;
        let mut courses: Vec<Course> = catalog.courses().to_vec();
        if let Some(t) = &taxonomy {
            let vocabulary = skills::vocabulary(t);
            let skill_vectors =
                embedder.embed_batch(&vocabulary, batch)?.into_iter().map(|e| e.vector).collect::<Vec<_>>();
            let params = skills::InferParams { threshold: skill_threshold, ..Default::default() };
            inferred_courses = skills::infer(&mut courses, &vectors, &vocabulary, &skill_vectors, t, &params)?;
        }
        // A catalog that lists prerequisites for few of its courses gets related lower-level
        // courses as inferred prerequisites of the rest (skills::infer_prerequisites).
        let mut inferred_prerequisites = 0;
        if prerequisites && skills::lists_few_prerequisites(&courses) {
            inferred_prerequisites =
                skills::infer_prerequisites(&mut courses, &vectors, &skills::PrerequisiteModel::default())?;
            if !quiet {
                eprintln!("the catalog lists prerequisites for few courses: inferred them for {inferred_prerequisites} courses from the texts (--no-inferred-prerequisites to skip)");
            }
        }
        let catalog = if inferred_courses + inferred_prerequisites > 0 {
            Catalog::new(courses, Strictness::Strict)?.0
        } else {
            catalog
        };
        let embeddings = Embeddings::from_vec(catalog.len(), DIM, vectors.concat())?;
        Ok(Site { catalog, report, taxonomy, embeddings, embedder, inferred_courses, embed_seconds })
    }

    /// Reads the interactions; with `lenient`, interactions naming a course the catalog does not hold are counted
    /// and reported on stderr instead of failing.
    pub fn interactions(&self, path: &Path, format: Format, lenient: bool) -> Result<Interactions> {
        let bytes = files::read(path)?;
        let parsed = match format {
            Format::Csv => interactions::parse_csv_with(&bytes, &self.catalog, lenient),
            Format::Kgat => interactions::parse_kgat(&String::from_utf8_lossy(&bytes), &self.catalog),
        };
        let parsed = parsed.with_context(|| format!("interactions {}", path.display()))?;
        if !parsed.unknown_courses.is_empty() {
            let total: usize = parsed.unknown_courses.values().sum();
            let named: Vec<String> =
                parsed.unknown_courses.iter().take(10).map(|(c, n)| format!("{c} ({n})")).collect();
            eprintln!(
                "interactions {}: skipped {total} naming {} course(s) not in the catalog: {}{}",
                path.display(),
                parsed.unknown_courses.len(),
                named.join(", "),
                if parsed.unknown_courses.len() > 10 { ", ..." } else { "" }
            );
        }
        Ok(parsed)
    }

    /// The recommender without collaborative models (the pipeline adds them).
    pub fn recommender(&self) -> Result<Recommender> {
        let graph = PrereqGraph::new(&self.catalog, GraphOptions::default());
        Ok(Recommender::new(self.catalog.clone(), graph, None, Some(self.embeddings.clone()), self.taxonomy.clone())?)
    }
}

pub fn run(args: BuildArgs) -> Result<()> {
    let started = Instant::now();
    let site = Site::load_with(
        &args.catalog,
        args.taxonomy.as_deref(),
        &args.model,
        args.lenient,
        args.quiet,
        args.batch,
        args.skill_threshold,
        !args.no_skill_vocabulary,
        !args.no_inferred_prerequisites,
    )?;
    let graph = PrereqGraph::new(&site.catalog, GraphOptions::default());
    let interactions =
        args.interactions.as_ref().map(|p| site.interactions(p, args.format, args.lenient)).transpose()?;
    let (catalog, report, taxonomy, embeddings, embedder, inferred_courses, embed_seconds) = (
        &site.catalog,
        &site.report,
        &site.taxonomy,
        &site.embeddings,
        &site.embedder,
        site.inferred_courses,
        site.embed_seconds,
    );
    let train_started = Instant::now();
    let trained = match &interactions {
        Some(i) => Some(train(catalog, &graph, i, &args)?),
        None => None,
    };
    let train_seconds = train_started.elapsed().as_secs_f64();

    // Ranking defaults chosen on a validation split of the site's own interactions, and the
    // item-neighbour model of the kind that won there, fit on all of them.
    let tune_started = Instant::now();
    let (tuned, neighbours) = match &interactions {
        Some(i) => {
            let histories = Histories::from_interactions(i, catalog.len());
            let params = TuneParams { seed: args.seed, factors: args.factors, ..TuneParams::default() };
            let tuned =
                pipeline::tune(&site.recommender()?, &histories, &params).context("tuning the ranking defaults")?;
            let neighbours = match tuned.neighbours {
                Some(kind) => Some(Neighbours::from_dense(
                    catalog.len(),
                    &pipeline::fit_dense(&histories.ratings()?, kind)?,
                    tuned.per_course,
                )),
                None => None,
            };
            (Some(tuned), neighbours)
        }
        None => (None, None),
    };
    let tune_seconds = tune_started.elapsed().as_secs_f64();
    if let (Some(t), false) = (&tuned, args.quiet || args.json) {
        print_tuning(t);
    }

    let counts = Counts {
        learners: interactions.as_ref().map_or(0, |i| i.users.len()),
        interactions: interactions.as_ref().map_or(0, |i| i.entries.len()),
        explicit_groups: (0..catalog.len()).map(|c| graph.groups(c).iter().filter(|g| !g.inferred).count()).sum(),
        inferred_groups: (0..catalog.len()).map(|c| graph.groups(c).iter().filter(|g| g.inferred).count()).sum(),
        cycles: graph.cycles().len(),
        ..Counts::default()
    };
    let evaluation = trained.as_ref().map_or(Value::Null, |t| t.evaluation.clone());
    let files = Bundle::write(BundleParts {
        created: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        catalog,
        model: trained.as_ref().map(|t| (&t.model, t.info.clone())),
        neighbours: neighbours.as_ref(),
        ranking: tuned.as_ref().map(|t| t.defaults),
        embeddings: Some(embeddings),
        storage: match args.storage {
            StorageArg::F32 => Storage::F32,
            StorageArg::F16 => Storage::F16,
            StorageArg::Int8 => Storage::Int8,
        },
        embedder: Some(EmbedderInfo {
            name: "all-MiniLM-L6-v2 (int8 ONNX)".into(),
            model_sha256: embedder.model_sha256().into(),
            tokenizer_sha256: embedder.tokenizer_sha256().into(),
        }),
        taxonomy: taxonomy.as_ref(),
        counts,
        evaluation: evaluation.clone(),
        compress_catalog: !args.plain_catalog,
    })?;
    std::fs::create_dir_all(&args.out).with_context(|| format!("cannot create {}", args.out.display()))?;
    let mut total_bytes = 0;
    for (name, bytes) in &files {
        let path = args.out.join(name);
        std::fs::write(&path, bytes).with_context(|| format!("cannot write {}", path.display()))?;
        total_bytes += bytes.len();
    }
    let summary = json!({
        "out": args.out,
        "courses": catalog.len(),
        "dropped_prerequisites": report.dropped(),
        "courses_with_inferred_skills": inferred_courses,
        "cycles": graph.cycles().len(),
        "learners": interactions.as_ref().map_or(0, |i| i.users.len()),
        "interactions": interactions.as_ref().map_or(0, |i| i.entries.len()),
        "embed_seconds": embed_seconds,
        "courses_per_second": catalog.len() as f64 / embed_seconds.max(1e-9),
        "train_seconds": train_seconds,
        "tune_seconds": tune_seconds,
        "tuning": tuned,
        "evaluation": evaluation,
        "bytes": total_bytes,
        "seconds": started.elapsed().as_secs_f64(),
    });
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else if !args.quiet {
        eprintln!(
            "wrote {} ({} courses, {} bytes) in {:.1}s; embedding {:.0} courses/s",
            args.out.display(),
            catalog.len(),
            total_bytes,
            started.elapsed().as_secs_f64(),
            summary["courses_per_second"].as_f64().unwrap_or(0.0)
        );
    }
    Ok(())
}

fn print_tuning(t: &Tuned) {
    if let Some(why) = &t.fallback {
        eprintln!("ranking defaults: fallback ({why})");
        return;
    }
    eprintln!("ranking defaults tuned on {} validation learners (HR@10, NDCG@10):", t.validation_users);
    for row in &t.table {
        let w = &row.defaults.weights;
        let chosen = if row.defaults == t.defaults && Some(row.neighbours) == t.neighbours { " <- chosen" } else { "" };
        eprintln!(
            "  {:<22} mf {:.2} collab {:.2} content {:.3} unlocks {:.2} lambda {:.2}: {:.4} {:.4}{chosen}",
            serde_json::to_string(&row.neighbours).unwrap_or_default(),
            row.defaults.mf_share,
            w.collaborative,
            w.content,
            w.unlocks,
            row.defaults.diversity,
            row.hr,
            row.ndcg
        );
    }
}

/// The text a course is embedded from: title, description and tags.
pub fn course_text(c: &Course) -> String {
    let mut text = c.title.clone();
    if !c.description.is_empty() {
        text.push_str(". ");
        text.push_str(&c.description);
    }
    if !c.tags.is_empty() {
        text.push_str(" (");
        text.push_str(&c.tags.join(", "));
        text.push(')');
    }
    text
}

fn bar(len: u64, quiet: bool, what: &str) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template("{msg:>10} [{bar:40}] {pos}/{len} {per_sec} eta {eta}")
            .expect("a valid template")
            .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}

fn embed_all(embedder: &Embedder, texts: &[String], batch: usize, quiet: bool) -> Result<Vec<Vec<f32>>> {
    let progress = bar(texts.len() as u64, quiet, "embedding");
    let mut out = Vec::with_capacity(texts.len());
    // Chunks of many batches keep the length-sorting effective and still move the bar.
    for chunk in texts.chunks((batch.max(1) * 16).max(256)) {
        out.extend(embedder.embed_batch(chunk, batch)?.into_iter().map(|e| e.vector));
        progress.inc(chunk.len() as u64);
    }
    progress.finish_and_clear();
    Ok(out)
}

struct Trained {
    model: MfModel,
    info: ModelInfo,
    evaluation: Value,
}

fn ratings(catalog: &Catalog, interactions: &Interactions, kind: Kind) -> Result<Ratings> {
    let entries = interactions
        .entries
        .iter()
        .map(|e| Rating {
            user: e.user,
            item: e.course,
            value: if kind == Kind::Explicit { e.rating.unwrap_or(f32::NAN) } else { 1.0 },
        })
        .collect();
    Ok(Ratings::new(interactions.users.len(), catalog.len(), entries)?)
}

fn train(catalog: &Catalog, graph: &PrereqGraph, interactions: &Interactions, args: &BuildArgs) -> Result<Trained> {
    if args.kind == Kind::Explicit && !interactions.has_ratings() {
        bail!("--kind explicit needs a rating on every interaction line");
    }
    let data = ratings(catalog, interactions, args.kind)?;
    let spinner = if args.quiet { ProgressBar::hidden() } else { ProgressBar::new_spinner() };
    spinner.enable_steady_tick(Duration::from_millis(120));
    spinner.set_message("training: held-out evaluation");
    let split = leave_one_out(&data, args.seed);
    let trainer = Trainer { kind: args.kind, factors: args.factors, seed: args.seed };
    let held_out = trainer.fit(&split.train)?;
    let evaluation = match args.kind {
        Kind::Implicit => {
            // Readiness as each learner stood when their training courses were done.
            let by_user = split.train.by_user();
            let ready = |u: usize, i: usize| {
                graph.is_ready(i, &Progress::new(catalog.len(), by_user.cols(u), &[], Vec::<String>::new()))
            };
            let model = evaluate_ranking(&held_out, &split.train, &split.test, 10, Some(&ready))?;
            let popularity =
                evaluate_ranking(&Popularity::fit(&split.train), &split.train, &split.test, 10, Some(&ready))?;
            json!({"split": "leave-one-out", "seed": args.seed, "model": model, "popularity": popularity})
        }
        Kind::Explicit => {
            json!({"split": "leave-one-out", "seed": args.seed, "ratings": rating_errors(&held_out, &split.test)?})
        }
    };
    spinner.set_message("training: final model");
    let fitted = trainer.fit(&data)?;
    spinner.finish_and_clear();
    let f = fitted.model.fold_in_params();
    let info = ModelInfo {
        kind: match args.kind {
            Kind::Implicit => "implicit",
            Kind::Explicit => "explicit",
        }
        .into(),
        fold_in_reg: f.reg,
        fold_in_bias_reg: f.bias_reg,
        alpha: f.alpha,
        log_confidence_eps: match f.confidence {
            Confidence::Linear => None,
            Confidence::Log { eps } => Some(eps),
        },
        rating_range: fitted.model.rating_range(),
        seed: args.seed,
        params: trainer.describe(),
    };
    Ok(Trained { model: fitted.model, info, evaluation })
}

/// The model `--kind` asks for, with the build's factors and seed.
struct Trainer {
    kind: Kind,
    factors: usize,
    seed: u64,
}

impl Trainer {
    fn als(&self) -> als::AlsParams {
        als::AlsParams { factors: self.factors, seed: self.seed, ..Default::default() }
    }
    fn sgd(&self) -> sgd::SgdParams {
        sgd::SgdParams { factors: self.factors, seed: self.seed, ..Default::default() }
    }
    fn fit(&self, data: &Ratings) -> Result<Fitted> {
        Ok(match self.kind {
            Kind::Implicit => als::train(data, &self.als())?,
            Kind::Explicit => sgd::train(data, &self.sgd())?,
        })
    }
    fn describe(&self) -> Value {
        match self.kind {
            Kind::Implicit => serde_json::to_value(self.als()).unwrap_or(Value::Null),
            Kind::Explicit => serde_json::to_value(self.sgd()).unwrap_or(Value::Null),
        }
    }
}
