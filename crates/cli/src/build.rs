//! `wayfinder build`: catalog (+ enrolments, + taxonomy) -> a versioned, checksummed bundle.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context, Result};
use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{json, Value};
use wayfinder::bundle::{Bundle, BundleParts, EmbedderInfo, Storage};
use wayfinder::catalog::{Catalog, Strictness};
use wayfinder::embed::Embedder;
use wayfinder::gaps::Taxonomy;
use wayfinder::graph::{GraphOptions, PrereqGraph};
use wayfinder::interactions::{self, Interactions};
use wayfinder::mf::FoldInRule;
use wayfinder::pipeline::{
    self, compact, Histories, ModelKind, ModelParams, Ridge, SiteOptions, Texts, TuneParams, Tuned,
};
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

#[derive(Clone, Copy, PartialEq, ValueEnum)]
pub enum StorageArg {
    /// f16, or int8 for a catalog of more than 20,000 courses.
    Auto,
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
    #[arg(long, conflicts_with = "item_factors")]
    interactions: Option<PathBuf>,
    /// Item factors trained elsewhere (pipeline/spark/train_als.py's output directory: als.json,
    /// courses.csv, item_factors.safetensors): the bundle ships them as its MF model, and the
    /// browser folds learners in by the trainer's own rule; nothing is trained here.
    #[arg(long, conflicts_with_all = ["kind", "factors"])]
    item_factors: Option<PathBuf>,
    /// A course that fewer learners took ships no collaborative data (docs/privacy.md).
    #[arg(long, default_value_t = pipeline::privacy::DEFAULT_MIN_COHORT)]
    min_cohort: usize,
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
    #[arg(long, value_enum, default_value = "auto")]
    storage: StorageArg,
    /// Dimensions the course embeddings are stored in: `auto` keeps the model's 384 up to
    /// 20,000 courses and above that takes the fewest principal components whose content
    /// neighbours keep 90% of the full space's (printed); a number asks for that many.
    #[arg(long, default_value = "auto")]
    embedding_dim: String,
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

/// A catalog made ready for ranking ([`pipeline::prepare`]), as `build` and the evaluations
/// all need it, with what the edge adds: the validation report, the embedder and its time.
pub struct Site {
    pub site: pipeline::Site,
    pub report: wayfinder::catalog::ValidationReport,
    pub embedder: Embedder,
    pub embed_seconds: f64,
}

impl std::ops::Deref for Site {
    type Target = pipeline::Site;
    fn deref(&self) -> &pipeline::Site {
        &self.site
    }
}

impl Site {
    pub fn load(catalog: &Path, taxonomy: Option<&Path>, model: &Path, lenient: bool, quiet: bool) -> Result<Site> {
        Site::load_with(catalog, taxonomy, model, lenient, quiet, 1, &SiteOptions::default())
    }

    /// A catalog already loaded (the prerequisite evaluation hides its lists first).
    pub fn from_catalog(catalog: Catalog, taxonomy: Option<&Path>, model: &Path, quiet: bool) -> Result<Site> {
        Site::prepare(catalog, Default::default(), taxonomy, model, quiet, 1, &SiteOptions::default())
    }

    fn load_with(
        catalog_path: &Path,
        taxonomy: Option<&Path>,
        model: &Path,
        lenient: bool,
        quiet: bool,
        batch: usize,
        options: &SiteOptions,
    ) -> Result<Site> {
        let catalog_bytes = files::read(catalog_path)?;
        let strictness = if lenient { Strictness::Lenient } else { Strictness::Strict };
        let (catalog, report) = Catalog::from_json(&catalog_bytes, strictness)
            .with_context(|| format!("catalog {}", catalog_path.display()))?;
        Site::prepare(catalog, report, taxonomy, model, quiet, batch, options)
    }

    fn prepare(
        catalog: Catalog,
        report: wayfinder::catalog::ValidationReport,
        taxonomy: Option<&Path>,
        model: &Path,
        quiet: bool,
        batch: usize,
        options: &SiteOptions,
    ) -> Result<Site> {
        let taxonomy = taxonomy
            .map(|p| Taxonomy::from_json(&files::read(p)?).with_context(|| format!("taxonomy {}", p.display())))
            .transpose()?;
        let embedder = files::embedder(model)?;
        let mut embed_seconds = 0.0;
        // The course texts alone are timed: `courses_per_second` is the pipeline's throughput.
        let mut embed = |what: Texts, texts: &[String]| -> wayfinder::Result<Vec<Vec<f32>>> {
            let started = Instant::now();
            let label = match what {
                Texts::Courses => "embedding",
                Texts::Skills => "skills",
            };
            let vectors = embed_all(&embedder, texts, batch, quiet, label);
            if what == Texts::Courses {
                embed_seconds += started.elapsed().as_secs_f64();
            }
            vectors
        };
        let site = pipeline::prepare(catalog, taxonomy, options, &mut embed)?;
        if !quiet {
            if site.builtin_vocabulary {
                eprintln!("the catalog names no skills: inferred them against the built-in vocabulary (--no-skill-vocabulary to skip)");
            }
            if site.inferred_prerequisites > 0 {
                eprintln!(
                    "the catalog lists prerequisites for few courses: inferred them for {} courses from the texts (--no-inferred-prerequisites to skip)",
                    site.inferred_prerequisites
                );
            }
        }
        Ok(Site { site, report, embedder, embed_seconds })
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
}

pub fn run(args: BuildArgs) -> Result<()> {
    let started = Instant::now();
    let options = SiteOptions {
        skill_threshold: args.skill_threshold,
        vocabulary: !args.no_skill_vocabulary,
        prerequisites: !args.no_inferred_prerequisites,
    };
    let site = Site::load_with(
        &args.catalog,
        args.taxonomy.as_deref(),
        &args.model,
        args.lenient,
        args.quiet,
        args.batch,
        &options,
    )?;
    let graph = PrereqGraph::new(&site.catalog, GraphOptions::default());
    let interactions =
        args.interactions.as_ref().map(|p| site.interactions(p, args.format, args.lenient)).transpose()?;
    let catalog = &site.catalog;
    // Ranking defaults chosen on a validation split of the site's own interactions, and the
    // item-neighbour model of the kind that won there, fit on all of them; the MF model below is
    // trained with the ridge tuning chose.
    let tune_started = Instant::now();
    let (tuned, neighbours) = match &interactions {
        Some(i) => {
            let histories = Histories::from_interactions(i, catalog.len());
            let params = TuneParams { seed: args.seed, factors: args.factors, ..TuneParams::default() };
            let (tuned, neighbours) = pipeline::tune_and_fit(&site.recommender()?, &histories, &params)
                .context("tuning the ranking defaults")?;
            (Some(tuned), neighbours)
        }
        None => (None, None),
    };
    let tune_seconds = tune_started.elapsed().as_secs_f64();
    let train_started = Instant::now();
    let trained = match &interactions {
        Some(i) => {
            let spinner = if args.quiet { ProgressBar::hidden() } else { ProgressBar::new_spinner() };
            spinner.enable_steady_tick(Duration::from_millis(120));
            let params = ModelParams {
                kind: match args.kind {
                    Kind::Implicit => ModelKind::Implicit,
                    Kind::Explicit => ModelKind::Explicit,
                },
                factors: args.factors,
                seed: args.seed,
                ridge: tuned.as_ref().map_or_else(Ridge::default, |t| t.mf_ridge),
            };
            let trained = pipeline::train(catalog, &graph, i, &params, &mut |stage| {
                spinner.set_message(format!("training: {stage}"))
            })
            .context("training the matrix-factorization model")?;
            spinner.finish_and_clear();
            Some(trained)
        }
        None => None,
    };
    let imported = args.item_factors.as_ref().map(|dir| files::item_factors(dir, catalog, args.lenient)).transpose()?;
    if let (Some(f), false) = (&imported, args.quiet) {
        eprintln!(
            "item factors: {} courses of the catalog covered, {} not (zero rows){}",
            catalog.len() - f.uncovered.len(),
            f.uncovered.len(),
            if f.unknown.is_empty() {
                String::new()
            } else {
                format!("; skipped {} naming courses not in the catalog: {}", f.unknown.len(), f.unknown.join(", "))
            }
        );
    }
    let train_seconds = train_started.elapsed().as_secs_f64();

    if let (Some(t), false) = (&tuned, args.quiet || args.json) {
        print_tuning(t);
    }

    // The minimum cohort, on the counts of the interactions or those the trainer reported.
    let learners = match (&interactions, &imported) {
        (Some(i), _) => Some(Histories::from_interactions(i, catalog.len()).learners_per_course()),
        (None, Some(f)) => Some(f.learners.clone()),
        (None, None) => None,
    };
    let model = trained.as_ref().map(|t| (&t.model, &t.info)).or(imported.as_ref().map(|f| (&f.model, &f.info)));
    let cohorted = match &learners {
        Some(learners) => {
            let min_cohort = args.min_cohort.max(imported.as_ref().map_or(0, |f| f.meta.min_cohort));
            Some(pipeline::privacy::apply_min_cohort(
                catalog,
                model.map(|(m, _)| m),
                neighbours.as_ref(),
                learners,
                min_cohort,
            )?)
        }
        None => None,
    };
    if let (Some(c), false) = (&cohorted, args.quiet || args.json) {
        eprintln!(
            "privacy: {} courses with fewer than {} learners ship no collaborative data",
            c.privacy.courses_below_min_cohort, c.privacy.min_cohort
        );
    }

    // Large catalogs: embeddings in fewer dimensions, at one byte a value.
    let large = catalog.len() > compact::LARGE_CATALOG;
    let storage = match args.storage {
        StorageArg::Auto if large => Storage::Int8,
        StorageArg::Auto | StorageArg::F16 => Storage::F16,
        StorageArg::F32 => Storage::F32,
        StorageArg::Int8 => Storage::Int8,
    };
    let reduced = match args.embedding_dim.as_str() {
        "auto" if large => Some(compact::reduce(&site.embeddings, storage, args.seed)?),
        "auto" => None,
        n => {
            let dim: usize =
                n.parse().with_context(|| format!("--embedding-dim {n:?} is neither auto nor a number"))?;
            (dim < site.embeddings.dim())
                .then(|| -> Result<compact::Reduced> {
                    let p = compact::principal_components(&site.embeddings, dim, args.seed)?;
                    let embeddings = compact::project(&site.embeddings, p)?;
                    Ok(compact::Reduced { dim, full_recall: f64::NAN, table: Vec::new(), embeddings })
                })
                .transpose()?
        }
    };
    if let (Some(r), false) = (&reduced, args.quiet || args.json) {
        let table: Vec<String> = r.table.iter().map(|row| format!("{} {:.3}", row.dim, row.recall)).collect();
        eprintln!(
            "embeddings: {} of {} dimensions (content-neighbour recall@10 by width: {}; full width at this precision {:.3})",
            r.dim,
            site.embeddings.dim(),
            table.join(", "),
            r.full_recall
        );
    }

    let mut counts = pipeline::counts(&graph, interactions.as_ref());
    if let Some(f) = &imported {
        counts.learners = f.meta.learners;
        counts.interactions = f.meta.interactions;
    }
    let evaluation = match (&trained, &imported) {
        (Some(t), _) => t.evaluation.clone(),
        (None, Some(f)) => json!({"trained_elsewhere": f.meta.trainer, "fit_seconds": f.meta.fit_seconds}),
        (None, None) => Value::Null,
    };
    let shipped_model = cohorted.as_ref().and_then(|c| c.model.as_ref()).zip(model.map(|(_, info)| info.clone()));
    let files = Bundle::write(BundleParts {
        created: humantime::format_rfc3339_seconds(SystemTime::now()).to_string(),
        catalog,
        model: shipped_model,
        neighbours: cohorted.as_ref().and_then(|c| c.neighbours.as_ref()),
        ranking: tuned.as_ref().map(|t| t.defaults),
        embeddings: Some(reduced.as_ref().map_or(&site.embeddings, |r| &r.embeddings)),
        storage,
        embedder: Some(EmbedderInfo {
            name: "all-MiniLM-L6-v2 (int8 ONNX)".into(),
            model_sha256: site.embedder.model_sha256().into(),
            tokenizer_sha256: site.embedder.tokenizer_sha256().into(),
        }),
        taxonomy: site.taxonomy.as_ref(),
        counts: counts.clone(),
        evaluation: evaluation.clone(),
        compress_catalog: !args.plain_catalog,
        privacy: cohorted.as_ref().map(|c| c.privacy.clone()),
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
        "dropped_prerequisites": site.report.dropped(),
        "courses_with_inferred_skills": site.inferred_courses,
        "cycles": graph.cycles().len(),
        "learners": counts.learners,
        "interactions": counts.interactions,
        "privacy": cohorted.as_ref().map(|c| json!({
            "min_cohort": c.privacy.min_cohort,
            "courses_below_min_cohort": c.privacy.courses_below_min_cohort,
        })),
        "embed_seconds": site.embed_seconds,
        "courses_per_second": catalog.len() as f64 / site.embed_seconds.max(1e-9),
        "train_seconds": train_seconds,
        "tune_seconds": tune_seconds,
        "tuning": tuned,
        "embeddings": json!({
            "storage": storage,
            "dim": reduced.as_ref().map_or(site.embeddings.dim(), |r| r.dim),
            "model_dim": site.embeddings.dim(),
            "recall_by_dim": reduced.as_ref().map(|r| &r.table),
            "full_dim_recall": reduced.as_ref().map(|r| r.full_recall),
        }),
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
        let chosen = row.defaults == t.defaults
            && Some(row.neighbours) == t.neighbours
            && (row.defaults.mf_share == 0.0 || row.mf_ridge == t.mf_ridge);
        let chosen = if chosen { " <- chosen" } else { "" };
        let ridge = match row.mf_ridge.rule {
            FoldInRule::CountScaled => format!("{} per course", row.mf_ridge.reg),
            _ => format!("λ {}", row.mf_ridge.reg),
        };
        eprintln!(
            "  {:<22} mf {:.2} ({ridge}) collab {:.2} content {:.3} unlocks {:.2} lambda {:.2}: {:.4} {:.4}{chosen}",
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

fn embed_all(
    embedder: &Embedder,
    texts: &[String],
    batch: usize,
    quiet: bool,
    label: &str,
) -> wayfinder::Result<Vec<Vec<f32>>> {
    let progress = bar(texts.len() as u64, quiet, label);
    let mut out = Vec::with_capacity(texts.len());
    // Chunks of many batches keep the length-sorting effective and still move the bar.
    for chunk in texts.chunks((batch.max(1) * 16).max(256)) {
        out.extend(embedder.embed_batch(chunk, batch)?.into_iter().map(|e| e.vector));
        progress.inc(chunk.len() as u64);
    }
    progress.finish_and_clear();
    Ok(out)
}
