//! Enrolment and rating files for the pipeline, resolved against a catalog: CSV
//! `user,course[,rating][,timestamp]` (a header line is optional) or the kgat format
//! `user item item ...`. Course ids map to catalog rows; an unknown one is an error naming
//! the line, never a silent drop.

use std::collections::HashMap;

use crate::catalog::{Catalog, CourseIx};
use crate::error::{Error, Result};

/// One line of a kgat-format file: a user id followed by the ids of their items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KgatLine {
    /// The line in the file, 1-based.
    pub line: usize,
    pub user: u64,
    pub items: Vec<u64>,
}

/// Parses kgat `user item item ...` lines (white-space-separated non-negative integers), the
/// one reader of the format: the interactions of `build`, the MOOCCubeX importer and the
/// MF evaluation all call it. Blank lines are skipped; a user with no items is allowed.
///
/// # Errors
/// [`Error::InteractionLine`] with the 1-based line number for a token that is not an integer.
///
/// # Example
/// ```
/// let lines = wayfinder::interactions::kgat_lines("7 1 2\n\n8 3\n").unwrap();
/// assert_eq!((lines[1].line, lines[1].user, lines[1].items.clone()), (3, 8, vec![3]));
/// ```
pub fn kgat_lines(text: &str) -> Result<Vec<KgatLine>> {
    let mut lines = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let mut ids = line.split_whitespace().map(|t| {
            t.parse::<u64>().map_err(|_| Error::InteractionLine {
                line: n + 1,
                reason: format!("{t:?} is not a non-negative integer id"),
            })
        });
        let Some(user) = ids.next() else { continue };
        lines.push(KgatLine { line: n + 1, user: user?, items: ids.collect::<Result<_>>()? });
    }
    Ok(lines)
}

/// One learner's interaction with one course.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interaction {
    pub user: usize,
    pub course: CourseIx,
    pub rating: Option<f32>,
    pub timestamp: Option<i64>,
}

/// Interactions with dense user indices.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Interactions {
    /// User names in first-seen order; `Interaction::user` indexes this.
    pub users: Vec<String>,
    pub entries: Vec<Interaction>,
    /// Lenient parsing only: interactions skipped because they name a course the catalog
    /// does not hold (a retired course), counted per course id.
    pub unknown_courses: std::collections::BTreeMap<String, usize>,
}

impl Interactions {
    /// Whether every entry carries a rating.
    pub fn has_ratings(&self) -> bool {
        !self.entries.is_empty() && self.entries.iter().all(|e| e.rating.is_some())
    }

    fn user(&mut self, index: &mut HashMap<String, usize>, name: &str) -> usize {
        *index.entry(name.to_string()).or_insert_with(|| {
            self.users.push(name.to_string());
            self.users.len() - 1
        })
    }
}

/// Parses `user,course[,rating][,timestamp]`. A first line whose course field is not a course
/// id and whose rating field is not a number is taken as a header.
///
/// # Errors
/// [`Error::InteractionLine`] naming the line: too few fields, an unknown course, a rating
/// that is not a finite number, a timestamp that is not an integer.
pub fn parse_csv(text: &[u8], catalog: &Catalog) -> Result<Interactions> {
    parse_csv_with(text, catalog, false)
}

/// [`parse_csv`], or with `lenient` a line naming a course the catalog does not hold is
/// skipped and counted in `unknown_courses` instead of failing.
///
/// # Errors
/// As [`parse_csv`], less the unknown courses when lenient.
pub fn parse_csv_with(text: &[u8], catalog: &Catalog, lenient: bool) -> Result<Interactions> {
    let mut out = Interactions::default();
    let mut index = HashMap::new();
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).trim(csv::Trim::All).from_reader(text);
    for (i, record) in reader.records().enumerate() {
        let line = i + 1;
        let bad = |reason: String| Error::InteractionLine { line, reason };
        let record = record.map_err(|e| bad(e.to_string()))?;
        if record.len() < 2 {
            return Err(bad(format!("expected user,course[,rating][,timestamp], got {} field(s)", record.len())));
        }
        let (user, course) = (&record[0], &record[1]);
        if line == 1 && catalog.ix(course).is_none() && record.get(2).is_none_or(|r| r.parse::<f32>().is_err()) {
            continue;
        }
        let Some(course) = catalog.ix(course) else {
            if lenient {
                *out.unknown_courses.entry(course.to_string()).or_default() += 1;
                continue;
            }
            return Err(bad(format!("course {course:?} is not in the catalog")));
        };
        let rating = match record.get(2).filter(|r| !r.is_empty()) {
            Some(r) => Some(
                r.parse::<f32>()
                    .ok()
                    .filter(|x| x.is_finite())
                    .ok_or_else(|| bad(format!("rating {r:?} is not a finite number")))?,
            ),
            None => None,
        };
        let timestamp = match record.get(3).filter(|t| !t.is_empty()) {
            Some(t) => Some(t.parse::<i64>().map_err(|_| bad(format!("timestamp {t:?} is not an integer")))?),
            None => None,
        };
        let user = out.user(&mut index, user);
        out.entries.push(Interaction { user, course, rating, timestamp });
    }
    Ok(out)
}

/// Parses the kgat format, `user item item ...` per line, items looked up as course ids.
///
/// # Errors
/// [`Error::InteractionLine`] naming the line of an unknown course.
pub fn parse_kgat(text: &str, catalog: &Catalog) -> Result<Interactions> {
    let mut out = Interactions::default();
    let mut index = HashMap::new();
    for row in kgat_lines(text)? {
        let user = out.user(&mut index, &row.user.to_string());
        for item in row.items {
            let course = catalog.ix(&item.to_string()).ok_or_else(|| Error::InteractionLine {
                line: row.line,
                reason: format!("course \"{item}\" is not in the catalog"),
            })?;
            out.entries.push(Interaction { user, course, rating: None, timestamp: None });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Strictness;

    fn catalog() -> Catalog {
        Catalog::from_json(br#"{"courses": [{"id": "CS 101"}, {"id": "CS 201"}]}"#, Strictness::Strict).unwrap().0
    }

    #[test]
    fn lenient_parsing_counts_retired_courses_instead_of_failing() {
        let text = b"ann,CS 101,4\nbob,CS 999,4\ncid,CS 999,3\ncid,OLD 1,3\n";
        assert!(matches!(parse_csv(text, &catalog()), Err(Error::InteractionLine { line: 2, .. })));
        let got = parse_csv_with(text, &catalog(), true).unwrap();
        assert_eq!(got.entries.len(), 1);
        assert_eq!(
            got.unknown_courses,
            std::collections::BTreeMap::from([("CS 999".to_string(), 2), ("OLD 1".to_string(), 1)])
        );
    }

    #[test]
    fn parses_with_and_without_header() {
        let with =
            parse_csv(b"user,course,rating,timestamp\nann,CS 101,4,1\nbob,CS 201,5,2\nann,CS 201,3,3\n", &catalog())
                .unwrap();
        assert_eq!(with.users, ["ann", "bob"]);
        assert_eq!(with.entries[2], Interaction { user: 0, course: 1, rating: Some(3.0), timestamp: Some(3) });
        assert!(with.has_ratings());
        let without = parse_csv(b"ann,CS 101\n", &catalog()).unwrap();
        assert!(!without.has_ratings());
        assert_eq!(without.entries.len(), 1);
    }

    #[test]
    fn bad_lines_are_named() {
        let err = |text: &[u8]| parse_csv(text, &catalog()).unwrap_err();
        assert_eq!(
            err(b"ann,CS 101,4\nbob,CS 999,4\n"),
            Error::InteractionLine { line: 2, reason: "course \"CS 999\" is not in the catalog".into() }
        );
        assert!(matches!(err(b"ann,CS 101,NaN\n"), Error::InteractionLine { line: 1, .. }));
        assert!(matches!(err(b"ann,CS 101,4\nbob\n"), Error::InteractionLine { line: 2, .. }));
        assert!(matches!(parse_kgat("1 CS 101\n", &catalog()), Err(Error::InteractionLine { line: 1, .. })));
    }
}
