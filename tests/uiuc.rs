//! The UIUC import on the real files, when `../shared/data` is present.

mod common;

use wayfinder::graph::{GraphOptions, PrereqGraph, Progress};
use wayfinder::import;

#[test]
fn uiuc_catalog_imports_with_its_cycles_reported() {
    let Some(dir) = common::data_dir("uiuc_catalog") else { return };
    let catalog_csv = std::fs::read(dir.join("uiuc-2019-fa-catalog.csv")).unwrap();
    let prereqs_csv = std::fs::read(dir.join("uiuc-prerequisites-2023.csv")).unwrap();
    let (catalog, report) = import::uiuc(&catalog_csv, &prereqs_csv).unwrap();
    eprintln!("{}", serde_json::to_string(&report).unwrap());
    assert_eq!(catalog.len(), 8589);
    assert!(report.groups_kept > 1500, "{report:?}");
    assert!(report.rows_for_unknown_courses > 0);
    // The 2023 group file names courses created after 2019: renamed ones are mapped where the
    // 2019 catalog's own sentences say so, the rest are kept, marked, and reported.
    let renamed = |from: &str| report.renamed.iter().find(|r| r.0 == from).map(|r| r.1.as_str());
    assert_eq!(renamed("CS 124"), Some("CS 125"), "{:?}", report.renamed);
    assert_eq!(renamed("CS 341"), Some("CS 241"), "{:?}", report.renamed);
    assert!(!report.not_in_catalog.is_empty());
    for course in &report.unsatisfiable_groups {
        let c = catalog.course(catalog.require(course).unwrap());
        assert!(c.prerequisites.iter().any(|g| g.members().is_empty() && !g.not_in_catalog().is_empty()), "{course}");
    }
    assert!(!report.cycles.is_empty(), "the data has cycles, and they must be reported");
    for cycle in &report.cycles {
        assert_eq!(cycle.first(), cycle.last());
    }
    let with_prereq_text = catalog.courses().iter().filter(|c| c.description.contains("Prerequisite:")).count();
    assert!(with_prereq_text < 50, "{with_prereq_text} descriptions still state prerequisites");
    assert!(catalog.courses().iter().all(|c| !c.title.contains("&amp;") && !c.description.contains("&amp;")));
    let cs225 = catalog.course(catalog.require("CS 225").unwrap());
    // Two discrete-maths groups as the 2023 regex read them, and "CS 128 or ECE 220" with
    // CS 128 (created after 2019 from CS 125) mapped to CS 125.
    assert_eq!(cs225.prerequisites.len(), 3, "{:?}", cs225.prerequisites);
    assert!(cs225
        .prerequisites
        .iter()
        .any(|g| g.members().contains(&"CS 125".to_string()) && g.members().contains(&"ECE 220".to_string())));

    let graph = PrereqGraph::new(&catalog, GraphOptions::default());
    let cs = |id: &str| catalog.require(id).unwrap();
    let p = Progress::new(catalog.len(), &[cs("CS 125"), cs("ECE 220"), cs("CS 173")], &[], []);
    assert!(graph.is_ready(cs("CS 225"), &p));
    assert!(!graph.is_ready(cs("CS 374"), &p));
    // The school's rule: one of CS 125, ECE 220; one of MATH 220, MATH 221.
    for first in ["CS 125", "ECE 220"] {
        let p = Progress::new(catalog.len(), &[cs(first), cs("MATH 221")], &[], []);
        assert!(graph.is_ready(cs("CS 173"), &p), "CS 173 after {first} and MATH 221");
    }
    assert!(!graph.is_ready(cs("CS 173"), &Progress::new(catalog.len(), &[cs("MATH 221")], &[], [])));
}
