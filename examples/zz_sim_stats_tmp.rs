use std::collections::BTreeMap;
use wayfinder::catalog::{Catalog, Strictness};
use wayfinder::graph::{GraphOptions, PrereqGraph};
use wayfinder::simulate::{program, simulate, SimParams};
fn main() {
    let (catalog, _) = Catalog::from_json(include_bytes!("../data/demo/catalog.json"), Strictness::Strict).unwrap();
    let graph = PrereqGraph::new(&catalog, GraphOptions::default());
    let e = simulate(&catalog, &graph, &SimParams { learners: 800, seed: 42, ..SimParams::default() }).unwrap();
    let mut per = vec![0usize; catalog.len()];
    let mut lev = BTreeMap::new();
    for x in &e { per[x.course] += 1; *lev.entry(catalog.course(x.course).level.unwrap()).or_insert(0) += 1; }
    let mut v: Vec<(usize, &str)> = per.iter().enumerate().map(|(c, &n)| (n, catalog.course(c).id.as_str())).collect();
    v.sort();
    println!("rows {} courses taken {} levels {:?}", e.len(), per.iter().filter(|&&n| n > 0).count(), lev);
    println!("least {:?}", &v[..25]);
    println!("most {:?}", &v[v.len() - 8..]);
    let mut by_prog: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for (c, &n) in per.iter().enumerate() { let p = by_prog.entry(program(&catalog.course(c).id)).or_default(); p.0 += n; p.1 += 1; }
    println!("{by_prog:?}");
    let mut stars = BTreeMap::new();
    for x in &e { *stars.entry(x.rating as i32).or_insert(0) += 1; }
    println!("stars {stars:?}");
    let l1: Vec<String> = e.iter().filter(|x| x.learner == "L0003" || x.learner == "L0004").map(|x| format!("{} {} t{} r{}", x.learner, catalog.course(x.course).id, x.term, x.rating)).collect();
    println!("{l1:#?}");
}
