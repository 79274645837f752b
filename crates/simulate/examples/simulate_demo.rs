//! Writes `data/demo/enrollments.csv`: 800 simulated learners (seed 42) over the demo catalog.
//!
//! ```sh
//! cargo run -p wayfinder-simulate --example simulate_demo
//! ```
//! The simulator is deterministic, so running this again after changing the catalog or the
//! simulator is the way to refresh the file.

use std::error::Error;
use std::path::Path;

use wayfinder::catalog::{Catalog, Strictness};
use wayfinder::graph::{GraphOptions, PrereqGraph};
use wayfinder_simulate::{simulate, to_csv, SimParams};

fn main() -> Result<(), Box<dyn Error>> {
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/demo");
    let (catalog, _) = Catalog::from_json(&std::fs::read(demo.join("catalog.json"))?, Strictness::Strict)?;
    let graph = PrereqGraph::new(&catalog, GraphOptions::default());
    let params = SimParams { learners: 800, seed: 42, ..SimParams::default() };
    let enrolments = simulate(&catalog, &graph, &params)?;
    let out = demo.join("enrollments.csv");
    std::fs::write(&out, to_csv(&catalog, &enrolments))?;
    println!("wrote {} enrolments of {} learners to {}", enrolments.len(), params.learners, out.display());
    Ok(())
}
