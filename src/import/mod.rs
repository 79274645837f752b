//! Importers that turn other catalog formats into Wayfinder's. The UIUC importer reads the
//! course-catalog CSV and the prerequisite-group CSV (one course from each
//! `PrereqGroupNum` group of a course), as published in wadefagen/datasets.

pub mod csv;

use std::collections::{BTreeMap, HashMap, HashSet};

use serde::{Deserialize, Serialize};

use crate::catalog::{Catalog, Course, GroupSpec, Strictness};
use crate::error::{Error, Result};
use crate::graph::{GraphOptions, PrereqGraph};
use crate::interactions::KgatLine;

/// What the UIUC import kept, mapped and found.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ImportReport {
    pub courses: usize,
    pub groups_kept: usize,
    /// Group members naming a course this catalog does not hold, mapped to the course the
    /// catalog's own prerequisite sentences name in its place: `(from, to, groups)`.
    pub renamed: Vec<(String, String, usize)>,
    /// `(course, member)`: group members naming a course that is not in the catalog and could
    /// not be mapped. They stay in their group, marked; they never satisfy it.
    pub not_in_catalog: Vec<(String, String)>,
    /// Courses with a group none of whose members is in the catalog: such a group cannot be
    /// met, so the course is never ready (it was dropped before, which made the course ready).
    pub unsatisfiable_groups: Vec<String>,
    /// Prerequisite rows for courses that are not in the catalog.
    pub rows_for_unknown_courses: usize,
    /// Groups whose members disagreed on concurrent enrolment (kept as not concurrent).
    pub mixed_concurrency_groups: usize,
    /// Duplicate catalog rows (same subject and number) after the first.
    pub duplicate_rows: usize,
    /// Courses with a "Same as ..." sentence naming another catalog course.
    pub cross_listed: usize,
    /// Courses with a "Credit is not given for both ..." sentence naming another catalog course.
    pub credit_exclusions: usize,
    /// Ids in those sentences that are not in the catalog (skipped).
    pub unknown_equivalents: usize,
    /// Each prerequisite cycle found, as course ids.
    pub cycles: Vec<Vec<String>>,
}

#[derive(Deserialize)]
struct CatalogRow {
    #[serde(rename = "Subject")]
    subject: String,
    #[serde(rename = "Number")]
    number: String,
    #[serde(rename = "Name")]
    name: String,
    #[serde(rename = "Description")]
    description: String,
    #[serde(rename = "Credit Hours")]
    credit_hours: String,
}

#[derive(Deserialize)]
struct PrereqRow {
    #[serde(rename = "CourseName")]
    course: String,
    #[serde(rename = "PrereqName")]
    prerequisite: String,
    #[serde(rename = "ConcurrentAllowed")]
    concurrent: String,
    #[serde(rename = "PrereqGroupNum")]
    group: u32,
}

/// Imports the UIUC catalog and prerequisite files.
///
/// # Errors
/// [`Error::CatalogCsv`] naming the file and line of a malformed row, and catalog validation
/// errors.
pub fn uiuc(catalog_csv: &[u8], prereqs_csv: &[u8]) -> Result<(Catalog, ImportReport)> {
    let mut report = ImportReport::default();
    let mut courses: Vec<Course> = Vec::new();
    // The catalog's own prerequisite sentences, kept aside to map renamed group members.
    let mut prerequisite_text: Vec<String> = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for (i, row) in ::csv::Reader::from_reader(catalog_csv).deserialize::<CatalogRow>().enumerate() {
        let row = row.map_err(|e| csv_error("catalog", i, e))?;
        let id = format!("{} {}", row.subject.trim(), row.number.trim());
        if !seen.insert(id.clone()) {
            report.duplicate_rows += 1;
            continue;
        }
        let number: Option<u32> = row.number.trim().parse().ok();
        let description = decode(&row.description);
        let (same_as, no_credit_with) = equivalence_sentences(&description, &id);
        let (kept, prerequisites) = split_prerequisite_sentences(&description);
        prerequisite_text.push(prerequisites);
        courses.push(Course {
            id,
            same_as,
            no_credit_with,
            title: decode(&row.name),
            description: kept,
            tags: vec![row.subject.trim().to_string()],
            credits: first_number(&row.credit_hours),
            level: number.map(|n| n / 100 * 100),
            ..Course::default()
        });
    }
    let known: HashMap<String, usize> = courses.iter().enumerate().map(|(i, c)| (c.id.clone(), i)).collect();
    for course in &mut courses {
        for (list, count) in [
            (&mut course.same_as, &mut report.cross_listed),
            (&mut course.no_credit_with, &mut report.credit_exclusions),
        ] {
            let before = list.len();
            list.retain(|id| known.contains_key(id));
            report.unknown_equivalents += before - list.len();
            *count += usize::from(!list.is_empty());
        }
    }

    // course -> group number -> the group as the file gives it
    let mut groups: BTreeMap<usize, BTreeMap<u32, RawGroup>> = BTreeMap::new();
    for (i, row) in ::csv::Reader::from_reader(prereqs_csv).deserialize::<PrereqRow>().enumerate() {
        let row = row.map_err(|e| csv_error("prerequisites", i, e))?;
        let Some(&course) = known.get(row.course.trim()) else {
            report.rows_for_unknown_courses += 1;
            continue;
        };
        let concurrent = row.concurrent.trim().eq_ignore_ascii_case("true");
        let entry = groups
            .entry(course)
            .or_default()
            .entry(row.group)
            .or_insert(RawGroup { all_concurrent: true, ..RawGroup::default() });
        entry.all_concurrent &= concurrent;
        entry.any_concurrent |= concurrent;
        let prerequisite = row.prerequisite.trim().to_string();
        if prerequisite == courses[course].id {
            continue;
        }
        let list = if known.contains_key(&prerequisite) { &mut entry.members } else { &mut entry.unknown };
        if !list.contains(&prerequisite) {
            list.push(prerequisite);
        }
    }
    let renames = renames_from_sentences(&groups, &prerequisite_text, &known, &courses);
    for (from, (to, _)) in &renames {
        let mut n = 0;
        for (&course, by_number) in groups.iter_mut() {
            for group in by_number.values_mut().filter(|_| courses[course].id != *to) {
                let Some(at) = group.unknown.iter().position(|u| u == from) else { continue };
                group.unknown.remove(at);
                if !group.members.contains(to) {
                    group.members.push(to.clone());
                }
                n += 1;
            }
        }
        report.renamed.push((from.clone(), to.clone(), n));
    }
    for (course, by_number) in groups {
        for (_, group) in by_number {
            if group.members.is_empty() && group.unknown.is_empty() {
                continue; // the course named only itself
            }
            if group.any_concurrent && !group.all_concurrent {
                report.mixed_concurrency_groups += 1;
            }
            let id = &courses[course].id;
            report.not_in_catalog.extend(group.unknown.iter().map(|u| (id.clone(), u.clone())));
            if group.members.is_empty() {
                report.unsatisfiable_groups.push(id.clone());
            }
            report.groups_kept += 1;
            let spec = if group.all_concurrent || !group.unknown.is_empty() {
                GroupSpec::Detailed {
                    any_of: group.members,
                    concurrent: group.all_concurrent,
                    not_in_catalog: group.unknown,
                }
            } else {
                GroupSpec::AnyOf(group.members)
            };
            courses[course].prerequisites.push(spec);
        }
    }
    let (catalog, _) = Catalog::new(courses, Strictness::Strict)?;
    report.courses = catalog.len();
    let graph = PrereqGraph::new(&catalog, GraphOptions::default());
    report.cycles =
        graph.cycles().iter().map(|c| c.cycle.iter().map(|&i| catalog.course(i).id.clone()).collect()).collect();
    Ok((catalog, report))
}

/// One prerequisite group as the UIUC file gives it.
#[derive(Default)]
struct RawGroup {
    /// Members the catalog holds, in file order.
    members: Vec<String>,
    /// Members it does not hold.
    unknown: Vec<String>,
    all_concurrent: bool,
    any_concurrent: bool,
}

/// Renamed courses, read from the catalog's own prerequisite sentences. The group file can be
/// newer than the catalog (UIUC's 2023 groups name `CS 124` where the 2019 catalog has
/// `CS 125`). For a group with one unknown member, the clause of the course's own sentence
/// ("One of CS 125, ECE 220; ...") that shares members with the group, or for a group with
/// no known member the one clause that shares none with the course's other groups, is its
/// version of the group; when that clause names exactly one catalog course the group lacks,
/// that course is a vote for the unknown member's new name. A rename is kept when every vote
/// for the member agrees: `from -> (to, votes)`.
fn renames_from_sentences(
    groups: &BTreeMap<usize, BTreeMap<u32, RawGroup>>,
    prerequisite_text: &[String],
    known: &HashMap<String, usize>,
    courses: &[Course],
) -> BTreeMap<String, (String, usize)> {
    let mut votes: BTreeMap<String, BTreeMap<String, usize>> = BTreeMap::new();
    for (&course, by_number) in groups {
        let clauses: Vec<Vec<String>> = prerequisite_text[course]
            .split([';', '.'])
            .map(|clause| {
                course_ids(clause)
                    .into_iter()
                    .filter(|id| known.contains_key(id) && *id != courses[course].id)
                    .collect::<Vec<_>>()
            })
            .filter(|ids| !ids.is_empty())
            .collect();
        for (number, group) in by_number {
            let [unknown] = group.unknown.as_slice() else { continue };
            let others: HashSet<&String> =
                by_number.iter().filter(|(n, _)| *n != number).flat_map(|(_, g)| &g.members).collect();
            let overlap = |ids: &Vec<String>| ids.iter().filter(|id| group.members.contains(id)).count();
            let matching: Vec<&Vec<String>> = if group.members.is_empty() {
                clauses.iter().filter(|ids| ids.iter().all(|id| !others.contains(id))).collect()
            } else {
                let best = clauses.iter().map(overlap).max().unwrap_or(0);
                clauses.iter().filter(|ids| best > 0 && overlap(ids) == best).collect()
            };
            let [clause] = matching.as_slice() else { continue };
            let fresh: Vec<&String> =
                clause.iter().filter(|id| !group.members.contains(id) && !others.contains(id)).collect();
            if let [to] = fresh.as_slice() {
                *votes.entry(unknown.clone()).or_default().entry((*to).clone()).or_default() += 1;
            }
        }
    }
    votes
        .into_iter()
        .filter_map(|(from, to)| {
            (to.len() == 1).then(|| to.into_iter().next().map(|(to, n)| (from, (to, n)))).flatten()
        })
        .collect()
}

/// A public data set as a catalog plus an interactions CSV (`user,course[,rating,timestamp]`),
/// the two files `wayfinder build` and `wayfinder eval recommend` read.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub catalog: Catalog,
    pub interactions_csv: String,
}

/// MovieLens 100k: `u.item` (id|title|date|video date|url|19 genre flags) and `u.genre`
/// become a catalog whose titles are the text and whose genres are the skills (taught) and
/// tags; `u.data` (user, item, rating, timestamp, tab-separated) the interactions.
///
/// # Errors
/// [`Error::CatalogCsv`] naming the file and line of a malformed row.
pub fn movielens(items: &[u8], genres: &[u8], data: &[u8]) -> Result<Dataset> {
    // The files are Latin-1; each byte is one character.
    let latin1 = |b: &[u8]| -> String { b.iter().map(|&c| c as char).collect() };
    let bad = |file: &'static str, line: usize, reason: String| Error::CatalogCsv { file, line: line as u64, reason };
    // (column index, name, line)
    let mut genre_names: Vec<(usize, String, usize)> = Vec::new();
    for (i, line) in latin1(genres).lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let (name, ix) = line.rsplit_once('|').ok_or_else(|| bad("u.genre", i + 1, "expected name|index".into()))?;
        let ix: usize =
            ix.trim().parse().map_err(|_| bad("u.genre", i + 1, format!("index {ix:?} is not a number")))?;
        genre_names.push((ix, name.trim().to_lowercase(), i + 1));
    }
    genre_names.sort();
    // The indices number the genre columns: each of 0..n exactly once.
    if let Some(at) = genre_names.iter().enumerate().position(|(i, (ix, _, _))| *ix != i) {
        let (ix, name, line) = &genre_names[at];
        let last = genre_names.len() - 1;
        return Err(bad(
            "u.genre",
            *line,
            format!("genre {name:?} has index {ix}; the indices must be 0 to {last} once each"),
        ));
    }
    let mut courses = Vec::new();
    for (i, line) in latin1(items).lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let fields: Vec<&str> = line.split('|').collect();
        if fields.len() != 5 + genre_names.len() {
            return Err(bad("u.item", i + 1, format!("{} fields, expected {}", fields.len(), 5 + genre_names.len())));
        }
        let genres: Vec<String> = genre_names
            .iter()
            .filter(|(ix, name, _)| fields[5 + ix] == "1" && name != "unknown")
            .map(|(_, n, _)| n.clone())
            .collect();
        courses.push(Course {
            id: fields[0].trim().to_string(),
            title: fields[1].trim().to_string(),
            tags: genres.clone(),
            teaches: genres,
            ..Course::default()
        });
    }
    let (catalog, _) = Catalog::new(courses, Strictness::Strict)?;
    let mut csv = String::from("user,course,rating,timestamp\n");
    for (i, line) in latin1(data).lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() != 4 {
            return Err(bad("u.data", i + 1, format!("{} fields, expected user item rating timestamp", f.len())));
        }
        csv.push_str(&format!("{},{},{},{}\n", f[0], f[1], f[2], f[3]));
    }
    Ok(Dataset { catalog, interactions_csv: csv })
}

/// The kgat files of MOOCCubeX (XuetangX): `train.txt` and `test.txt` (`user item item ...`)
/// and `kg_final.txt` (`head relation tail`). Every item becomes a course named by its
/// number; the knowledge-graph entities an item links to become its skills (relation 2, the
/// most common, linking courses to concepts) and tags (the other relations, as
/// `r<relation>:<entity>`). The interactions are each user's training items in file order,
/// then their test item.
///
/// # Errors
/// [`Error::CatalogCsv`] naming the file and line of a malformed row.
pub fn kgat(train: &str, test: &str, kg: &str) -> Result<Dataset> {
    let bad = |file: &'static str, line: usize, reason: String| Error::CatalogCsv { file, line: line as u64, reason };
    let mut items: BTreeMap<u64, Course> = BTreeMap::new();
    let mut rows: Vec<(String, Vec<u64>)> = Vec::new();
    for (file, text) in [("train.txt", train), ("test.txt", test)] {
        let lines = crate::interactions::kgat_lines(text).map_err(|e| match e {
            Error::InteractionLine { line, reason } => bad(file, line, reason),
            other => other,
        })?;
        for KgatLine { user, items: ids, .. } in lines {
            for &id in &ids {
                items.entry(id).or_insert_with(|| Course {
                    id: id.to_string(),
                    title: format!("Course {id}"),
                    ..Course::default()
                });
            }
            rows.push((user.to_string(), ids));
        }
    }
    for (i, line) in kg.lines().enumerate() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.is_empty() {
            continue;
        }
        if f.len() != 3 {
            return Err(bad("kg_final.txt", i + 1, format!("{} fields, expected head relation tail", f.len())));
        }
        let head: u64 =
            f[0].parse().map_err(|_| bad("kg_final.txt", i + 1, format!("head {:?} is not a number", f[0])))?;
        if let Some(course) = items.get_mut(&head) {
            if f[1] == "2" {
                course.teaches.push(format!("concept {}", f[2]));
            } else {
                course.tags.push(format!("r{}:{}", f[1], f[2]));
            }
        }
    }
    let (catalog, _) = Catalog::new(items.into_values().collect(), Strictness::Strict)?;
    // Train lines come first, so each user's test item follows their training items.
    let mut by_user: BTreeMap<&str, Vec<u64>> = BTreeMap::new();
    let mut order: Vec<&str> = Vec::new();
    for (user, ids) in &rows {
        let entry = by_user.entry(user).or_insert_with(|| {
            order.push(user);
            Vec::new()
        });
        entry.extend(ids);
    }
    let mut csv = String::from("user,course\n");
    for user in order {
        for id in &by_user[user] {
            csv.push_str(&format!("{user},{id}\n"));
        }
    }
    Ok(Dataset { catalog, interactions_csv: csv })
}

/// The course ids of a description's "Same as ..." and "Credit is not given for (both) ..."
/// sentences, other than the course's own id, in order.
pub fn equivalence_sentences(description: &str, own: &str) -> (Vec<String>, Vec<String>) {
    let (mut same, mut excluded) = (Vec::new(), Vec::new());
    for sentence in description.split(". ") {
        let s = sentence.trim();
        let target = if s.starts_with("Same as ") {
            &mut same
        } else if s.starts_with("Credit is not given for") {
            &mut excluded
        } else {
            continue;
        };
        for id in course_ids(s) {
            if id != own && !target.contains(&id) {
                target.push(id);
            }
        }
    }
    (same, excluded)
}

/// `SUBJ 123` ids in text: 2 to 5 capital letters, a space, 3 digits.
fn course_ids(text: &str) -> Vec<String> {
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c == ',' || c == ';' || c == '(' || c == ')')
        .filter(|w| !w.is_empty())
        .collect();
    words
        .windows(2)
        .filter_map(|w| {
            let subject = w[0];
            let number = w[1].trim_end_matches('.');
            let ok = (2..=5).contains(&subject.len())
                && subject.chars().all(|c| c.is_ascii_uppercase())
                && number.len() == 3
                && number.chars().all(|c| c.is_ascii_digit());
            ok.then(|| format!("{subject} {number}"))
        })
        .collect()
}

fn csv_error(file: &'static str, index: usize, e: ::csv::Error) -> Error {
    // Line numbers count the header as line 1.
    let line = e.position().map_or(index as u64 + 2, |p| p.line());
    Error::CatalogCsv { file, line, reason: e.to_string() }
}

fn decode(s: &str) -> String {
    html_escape::decode_html_entities(s.trim()).into_owned()
}

/// The first number in text such as `3 hours.`, `1 TO 5 hours.` or `3 OR 4 hours.`.
fn first_number(s: &str) -> Option<f32> {
    s.split(|c: char| !(c.is_ascii_digit() || c == '.'))
        .filter(|t| !t.is_empty() && *t != ".")
        .find_map(|t| t.trim_end_matches('.').parse().ok())
}

/// Removes sentences that state prerequisites (they leak the answer into content features).
pub fn strip_prerequisite_sentences(description: &str) -> String {
    split_prerequisite_sentences(description).0
}

/// A description split into the sentences that do not state prerequisites and those that do.
fn split_prerequisite_sentences(description: &str) -> (String, String) {
    let (mut kept, mut prerequisites) = (Vec::new(), Vec::new());
    let mut rest = description;
    while !rest.is_empty() {
        // A sentence ends at ". " (or the end); course numbers like "CS 225." end one too.
        let end = rest.find(". ").map_or(rest.len(), |i| i + 1);
        let sentence = rest[..end].trim();
        let lower = sentence.to_ascii_lowercase();
        let about_prerequisites = lower.starts_with("prerequisite")
            || lower.starts_with("prereq")
            || lower.starts_with("credit or concurrent registration");
        if about_prerequisites {
            prerequisites.push(sentence);
        } else if !sentence.is_empty() {
            kept.push(sentence);
        }
        rest = &rest[end..];
    }
    (kept.join(" "), prerequisites.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    const CATALOG: &str = "Year,Term,YearTerm,Subject,Number,Name,Description,Credit Hours,Section Info,Degree Attributes,Schedule Information
2019,Fall,2019-fa,CS,125,Intro to Computer Science,Basic concepts &amp; techniques. Prerequisite: None.,3 hours.,,,
2019,Fall,2019-fa,CS,225,Data Structures,\"Data abstractions. Prerequisite: One of CS 125, ECE 220; CS 173. More text.\",4 hours.,,,
2019,Fall,2019-fa,CS,173,Discrete Structures,Logic.,1 TO 3 hours.,,,
2019,Fall,2019-fa,CS,374,Algorithms,Graphs.,4 hours.,,,
2019,Fall,2019-fa,ECE,220,Computer Systems,C programming.,4 hours.,,,
";
    // A newer group file: CS 125 was split and renamed (CS 124), ECE 999 does not exist.
    const PREREQS: &str = "CourseName,PrereqName,ConcurrentAllowed,PrereqGroupNum
CS 225,CS 124,False,0
CS 225,ECE 220,False,0
CS 225,CS 173,True,1
CS 374,CS 225,False,0
CS 374,ECE 999,False,1
CS 999,CS 124,False,0
";

    #[test]
    fn imports_groups_maps_renamed_members_and_keeps_unknown_ones() {
        let (catalog, report) = uiuc(CATALOG.as_bytes(), PREREQS.as_bytes()).unwrap();
        let cs225 = catalog.course(catalog.require("CS 225").unwrap());
        assert_eq!(cs225.description, "Data abstractions. More text.");
        assert_eq!(cs225.level, Some(200));
        assert_eq!(
            cs225.prerequisites,
            vec![
                GroupSpec::AnyOf(vec!["ECE 220".into(), "CS 125".into()]),
                GroupSpec::Detailed { any_of: vec!["CS 173".into()], concurrent: true, not_in_catalog: vec![] }
            ],
            "the catalog's own sentence names CS 125 where the group file names CS 124"
        );
        assert_eq!(report.renamed, vec![("CS 124".to_string(), "CS 125".to_string(), 1)]);
        let cs374 = catalog.course(catalog.require("CS 374").unwrap());
        assert_eq!(
            cs374.prerequisites[1],
            GroupSpec::Detailed { any_of: vec![], concurrent: false, not_in_catalog: vec!["ECE 999".into()] }
        );
        assert_eq!(report.not_in_catalog, vec![("CS 374".to_string(), "ECE 999".to_string())]);
        assert_eq!(report.unsatisfiable_groups, vec!["CS 374".to_string()]);
        assert_eq!(catalog.course(0).description, "Basic concepts & techniques.");
        assert_eq!(catalog.course(2).credits, Some(1.0));
        assert_eq!(report.rows_for_unknown_courses, 1);
        assert_eq!(report.groups_kept, 4);
        assert!(report.cycles.is_empty());
    }

    #[test]
    fn a_malformed_row_names_file_and_line() {
        let bad = "CourseName,PrereqName,ConcurrentAllowed,PrereqGroupNum\nCS 225,CS 124,False,zero\n";
        let err = uiuc(CATALOG.as_bytes(), bad.as_bytes()).unwrap_err();
        assert!(matches!(err, Error::CatalogCsv { file: "prerequisites", line: 2, .. }), "{err}");
    }

    #[test]
    fn kgat_items_become_courses_with_their_concepts() {
        let d = kgat("7 10 11\n8 11\n", "7 12\n8 10\n", "10 2 500\n10 0 600\n99 2 501\n").unwrap();
        assert_eq!(d.catalog.len(), 3);
        let c10 = d.catalog.course(d.catalog.ix("10").unwrap());
        assert_eq!(c10.teaches, ["concept 500"]);
        assert_eq!(c10.tags, ["r0:600"]);
        // Each user's training items, then their test item.
        assert_eq!(d.interactions_csv, "user,course\n7,10\n7,11\n7,12\n8,11\n8,10\n");
        assert!(matches!(kgat("7 x\n", "", ""), Err(Error::CatalogCsv { file: "train.txt", line: 1, .. })));
        assert!(matches!(kgat("7 10\n", "", "10 2\n"), Err(Error::CatalogCsv { file: "kg_final.txt", line: 1, .. })));
    }

    #[test]
    fn movielens_titles_and_genres() {
        let genres = b"unknown|0\nAction|1\nComedy|2\n\n";
        let items = b"1|Toy Story (1995)|01-Jan-1995||http://x|0|0|1\n2|GoldenEye (1995)|01-Jan-1995||http://y|0|1|0\n";
        let d = movielens(items, genres, b"5\t1\t4\t881250949\n").unwrap();
        let toy = d.catalog.course(d.catalog.ix("1").unwrap());
        assert_eq!((toy.title.as_str(), toy.teaches.as_slice()), ("Toy Story (1995)", &["comedy".to_string()][..]));
        assert_eq!(d.interactions_csv, "user,course,rating,timestamp\n5,1,4,881250949\n");
        assert!(matches!(movielens(b"1|short\n", genres, b""), Err(Error::CatalogCsv { file: "u.item", line: 1, .. })));
    }

    #[test]
    fn equivalence_sentences_name_cross_listings_and_exclusions() {
        let (same, none) = equivalence_sentences("Basic stats. Same as MATH 463. 4 undergraduate hours.", "STAT 400");
        assert_eq!((same, none), (vec!["MATH 463".to_string()], vec![]));
        let (none, excluded) = equivalence_sentences(
            "Calculus. Credit is not given for both MATH 220 and either MATH 221 or MATH 234. Prerequisite: MATH 112.",
            "MATH 220",
        );
        assert_eq!((none, excluded), (vec![], vec!["MATH 221".to_string(), "MATH 234".to_string()]));
        let (same, _) = equivalence_sentences("Same as AFRO 281, HIST 281, and LLS 281.", "AAS 281");
        assert_eq!(same, ["AFRO 281", "HIST 281", "LLS 281"]);
    }
}
