//! A bounded slice of every fuzz target (`fuzz/`), run by `make test`: each target's seed
//! corpus, then seeded mutations of it. libFuzzer's coverage-guided runs are `make fuzz`.
//! A failure names the target, the seed, the run and a file holding the input.

#[path = "../fuzz/src/lib.rs"]
#[allow(dead_code)]
mod targets;

use std::panic::{catch_unwind, AssertUnwindSafe};

use targets::{mutate, Rng};

/// Mutated inputs per target (`WAYFINDER_FUZZ_RUNS` overrides); the seed is
/// `WAYFINDER_FUZZ_SEED`, 42 unless set.
fn runs() -> usize {
    std::env::var("WAYFINDER_FUZZ_RUNS").ok().and_then(|v| v.parse().ok()).unwrap_or(20_000)
}

fn seed() -> u64 {
    std::env::var("WAYFINDER_FUZZ_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(42)
}

/// Runs `target` on each seed, then on `runs()` mutations: half start again from a seed, half
/// mutate the previous input further.
fn slice(name: &str, seeds: Vec<Vec<u8>>, target: impl Fn(&[u8])) {
    let seed = seed();
    let mut rng = Rng::new(seed);
    let mut input = seeds[0].clone();
    let total = runs();
    for run in 0..seeds.len() + total {
        input = match run {
            r if r < seeds.len() => seeds[r].clone(),
            _ if rng.below(2) == 0 => {
                let start = rng.below(seeds.len());
                mutate(&mut rng, &seeds[start], &seeds)
            }
            _ => mutate(&mut rng, &input, &seeds),
        };
        if catch_unwind(AssertUnwindSafe(|| target(&input))).is_err() {
            let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("fuzz-{name}-{seed}-{run}"));
            std::fs::write(&path, &input).expect("write the failing input");
            panic!(
                "fuzz target {name} panicked on run {run} with WAYFINDER_FUZZ_SEED={seed}; input in {}",
                path.display()
            );
        }
    }
}

#[test]
fn bundle_loader() {
    slice("bundle_loader", targets::bundle_seeds(), targets::bundle);
}

#[test]
fn taxonomy() {
    slice("taxonomy", targets::taxonomy_seeds(), targets::taxonomy);
}

#[test]
fn catalog_importers() {
    slice("catalog_importers", targets::catalog_seeds(), targets::catalog);
}

#[test]
fn query() {
    let engine = targets::query_engine();
    slice("query", targets::query_seeds(), |data| targets::query(&engine, data));
}

#[cfg(feature = "embed")]
#[test]
fn onnx_rewrite() {
    slice("onnx_rewrite", targets::onnx_seeds(), targets::onnx_rewrite);
}

/// The seeds are valid inputs: each loads, parses or rewrites without error, so the slice and
/// libFuzzer start from deep inside each reader, not from its first check.
#[test]
fn the_seeds_are_valid_inputs() {
    for (n, seed) in targets::bundle_seeds().iter().enumerate() {
        let files = targets::parts(seed, 4);
        let bundle = wayfinder::bundle::Bundle::from_files(files[0], |name| targets::bundle_file(&files, name))
            .unwrap_or_else(|e| panic!("bundle seed {n} does not load: {e}"));
        assert!(bundle.model.is_some() && bundle.embeddings.is_some() && bundle.neighbours.is_some());
    }
    let storages: std::collections::BTreeSet<String> = targets::bundle_seeds()
        .iter()
        .map(|s| {
            let manifest: serde_json::Value = serde_json::from_slice(targets::parts(s, 4)[0]).unwrap();
            format!("{} {}", manifest["embedding_storage"], manifest["model"]["kind"])
        })
        .collect();
    assert_eq!(storages.len(), 6, "every storage with both model kinds: {storages:?}");
    for (n, seed) in targets::taxonomy_seeds().iter().enumerate() {
        wayfinder::gaps::Taxonomy::from_json(seed).unwrap_or_else(|e| panic!("taxonomy seed {n}: {e}"));
    }
    let engine = targets::query_engine();
    for (n, seed) in targets::query_seeds().iter().enumerate() {
        let json = &seed[1..];
        let ok = match seed[0] {
            0 => serde_json::from_slice::<wayfinder::api::RecommendQuery>(json)
                .map(|q| wayfinder::api::recommend(&engine, &q, &mut Default::default()).is_ok()),
            1 => serde_json::from_slice::<wayfinder::api::PathQuery>(json)
                .map(|q| wayfinder::api::learning_path(&engine, &q).is_ok()),
            _ => serde_json::from_slice::<wayfinder::api::GapsQuery>(json)
                .map(|q| wayfinder::api::gaps(&engine, &q).is_ok()),
        };
        assert!(matches!(ok, Ok(true)), "query seed {n} is not answered: {ok:?}");
    }
    for (n, seed) in targets::catalog_seeds().iter().enumerate() {
        let files = targets::parts(&seed[1..], 3);
        let text = |i: usize| std::str::from_utf8(files.get(i).copied().unwrap_or_default()).unwrap();
        let courses = match seed[0] {
            0 => wayfinder::Catalog::from_json(files[0], wayfinder::Strictness::Strict).map(|c| c.0.len()),
            1 if files[0].is_empty() => wayfinder::import::csv::parse_prerequisites(text(1))
                .map(|g| g.len())
                .map_err(|e| wayfinder::Error::InvalidParameter { name: "prerequisites", reason: e }),
            1 => wayfinder::import::csv::Columns::parse(text(0)).and_then(|c| {
                wayfinder::import::csv::import(files[1], &c, wayfinder::Strictness::Strict).map(|c| c.0.len())
            }),
            2 => wayfinder::import::uiuc(files[0], files[1]).map(|c| c.0.len()),
            3 => wayfinder::import::movielens(files[0], files[1], files[2]).map(|d| d.catalog.len()),
            _ => wayfinder::import::kgat(text(0), text(1), text(2)).map(|d| d.catalog.len()),
        };
        assert!(matches!(courses, Ok(c) if c > 0), "catalog seed {n} does not import: {courses:?}");
    }
}

#[cfg(feature = "embed")]
#[test]
fn the_onnx_seeds_hold_each_pattern() {
    let counts: Vec<[usize; 6]> =
        targets::onnx_seeds().iter().map(|m| wayfinder::embed::rewrite_for_fuzzing(m).unwrap()).collect();
    // Three lookups (per-row, scalar and per-column scales), then the linear layer, scaled
    // after the product on one copy and folded on the other; a second pass of each finds
    // nothing left to rewrite.
    assert_eq!(counts, vec![[1, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0], [0, 1, 0, 0, 1, 0]]);
}

/// Writes each target's seeds into `$WAYFINDER_FUZZ_CORPUS/<target>/seed-<n>` for libFuzzer
/// (`make fuzz`); does nothing without that variable.
#[test]
fn write_seed_corpora() {
    let Some(root) = std::env::var_os("WAYFINDER_FUZZ_CORPUS") else { return };
    #[allow(unused_mut)]
    let mut corpora = vec![
        ("bundle_loader", targets::bundle_seeds()),
        ("taxonomy", targets::taxonomy_seeds()),
        ("catalog_importers", targets::catalog_seeds()),
        ("query", targets::query_seeds()),
    ];
    #[cfg(feature = "embed")]
    corpora.push(("onnx_rewrite", targets::onnx_seeds()));
    for (target, seeds) in corpora {
        let dir = std::path::Path::new(&root).join(target);
        std::fs::create_dir_all(&dir).unwrap();
        for (n, seed) in seeds.iter().enumerate() {
            std::fs::write(dir.join(format!("seed-{n}")), seed).unwrap();
        }
        eprintln!("{target}: {} seeds in {}", seeds.len(), dir.display());
    }
}
