//! MiniLM embedding speed, natively: the latency of one short query (the browser's path) and
//! the throughput of the batch path on catalog-length texts (the pipeline's path).
//!
//! Needs `make model`; prints a note and measures nothing without it. Criterion reports the
//! median as the middle of the three `time:` figures; the throughput group also prints
//! sentences per second (`thrpt:`).

use std::path::PathBuf;
use std::time::Duration;

use criterion::{black_box, criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use wayfinder::embed::Embedder;

/// 14 word pieces plus [CLS] and [SEP] (the bench's name prints the count): a typical goal.
const QUERY: &str = "a beginner friendly course on machine learning with python and statistics for data analysts";

/// Course-description-like texts of about 60 to 120 tokens, built from fixed phrases so every
/// run embeds the same texts.
fn catalog_texts(n: usize) -> Vec<String> {
    const TOPICS: [&str; 8] = [
        "relational databases and SQL query optimisation",
        "linear algebra for data science",
        "organic chemistry laboratory techniques",
        "the history of modern European art",
        "distributed systems and cloud computing",
        "financial accounting for small businesses",
        "introductory Spanish conversation and grammar",
        "deep learning for computer vision",
    ];
    const SENTENCES: [&str; 6] = [
        "Students learn the core ideas through weekly lectures, readings and short quizzes.",
        "Hands-on projects apply each concept to realistic problems drawn from industry and research.",
        "The final assessment is a team project presented to the class and reviewed by peers.",
        "No prior experience is required beyond basic algebra and comfort with a computer.",
        "Guest speakers discuss how practitioners use these methods in their daily work.",
        "Optional workshops cover tools, study skills, and preparation for further courses.",
    ];
    (0..n)
        .map(|i| {
            let mut text = format!("An in-depth course on {}.", TOPICS[i % TOPICS.len()]);
            for k in 0..3 + i % 4 {
                text.push(' ');
                text.push_str(SENTENCES[(i + k) % SENTENCES.len()]);
            }
            text
        })
        .collect()
}

fn load() -> Option<Embedder> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("model");
    let (Ok(model), Ok(tokenizer)) = (std::fs::read(dir.join("model.onnx")), std::fs::read(dir.join("tokenizer.json")))
    else {
        eprintln!("embed bench: model/model.onnx or model/tokenizer.json missing (run `make model`); skipping");
        return None;
    };
    // The kernels the CLI runs (AMX or AVX-512 where the CPU has them).
    wayfinder_kernels::register_native(wayfinder_kernels::Amx::Allowed);
    Some(Embedder::from_bytes(&model, &tokenizer).expect("the model in model/ loads"))
}

fn bench(c: &mut Criterion) {
    let Some(embedder) = load() else { return };

    let tokens = embedder.tokenize(QUERY).unwrap().ids.len();
    c.bench_function(&format!("embed/query_{tokens}_tokens"), |b| b.iter(|| embedder.embed(black_box(QUERY)).unwrap()));

    let texts = catalog_texts(64);
    let lengths: Vec<usize> = texts.iter().map(|t| embedder.tokenize(t).unwrap().ids.len()).collect();
    eprintln!(
        "embed bench: {} catalog texts of {} to {} tokens",
        texts.len(),
        lengths.iter().min().unwrap(),
        lengths.iter().max().unwrap()
    );
    let mut group = c.benchmark_group("embed/catalog_64_texts");
    group
        .throughput(Throughput::Elements(texts.len() as u64))
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.bench_function("single_path", |b| {
        b.iter(|| texts.iter().map(|t| embedder.embed(t).unwrap()).collect::<Vec<_>>())
    });
    // Batch 1 is the pipeline's default: one text per run, runs spread over every core.
    for batch in [1, 8, 32] {
        group.bench_with_input(BenchmarkId::new("batch_path", batch), &batch, |b, &batch| {
            b.iter(|| embedder.embed_batch(black_box(&texts), batch).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
