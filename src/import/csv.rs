//! `wayfinder import csv`: any school's catalog as a CSV with a header row, one course per
//! row, into Wayfinder's catalog.
//!
//! Columns (the header names; [`Columns`] maps them when a file names them otherwise):
//!
//! | column | required | meaning |
//! | --- | --- | --- |
//! | `id` | yes | the course id, e.g. `CS 101` |
//! | `title` | yes | |
//! | `description` | no | |
//! | `credits` | no | a non-negative number |
//! | `level` | no | a whole number, e.g. `100` or `300` |
//! | `tags`, `teaches`, `requires` | no | lists separated by `;` |
//! | `prerequisites` | no | groups separated by `;` or ` and `, alternatives within a group by ` or ` (or `|`); a group may be wrapped in parentheses and may end in `(concurrent)`: `CS 101 or CS 102; MATH 120 (concurrent)` |
//! | `same_as`, `no_credit_with` | no | lists of course ids separated by `;` |
//!
//! Every error names the CSV row (its line in the file, the header being line 1) and column.
//! In lenient mode, a prerequisite or equivalent naming a course the file does not hold is
//! kept as an alternative the catalog does not hold (it never satisfies its group), a bad
//! credit or level value is left out, and a row with an empty id is skipped; each is reported.
//! A malformed prerequisite expression is an error in both modes: dropping it would make the
//! course look open to everyone.

use std::collections::HashSet;

use serde::Serialize;

use crate::catalog::{Catalog, Course, GroupSpec, Strictness};
use crate::error::{Error, Result};

/// The file's header name for each field; `Columns::default()` expects the field names.
#[derive(Debug, Clone, PartialEq)]
pub struct Columns {
    names: Vec<(&'static str, String)>,
}

/// The fields, in the order of the table above.
pub const FIELDS: [&str; 11] = [
    "id",
    "title",
    "description",
    "credits",
    "level",
    "tags",
    "teaches",
    "requires",
    "prerequisites",
    "same_as",
    "no_credit_with",
];

impl Default for Columns {
    fn default() -> Self {
        Columns { names: FIELDS.iter().map(|&f| (f, f.to_string())).collect() }
    }
}

impl Columns {
    /// Parses `field=Header,field=Header`: the fields to rename, the rest keep their names.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming an unknown field or a pair without `=`.
    ///
    /// # Example
    /// ```
    /// use wayfinder::import::csv::Columns;
    /// let columns = Columns::parse("id=Course Code, title=Name").unwrap();
    /// assert_eq!(columns.header("id"), "Course Code");
    /// assert_eq!(columns.header("credits"), "credits");
    /// ```
    pub fn parse(spec: &str) -> Result<Columns> {
        let mut columns = Columns::default();
        for pair in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let bad = |reason: String| Error::InvalidParameter { name: "columns", reason };
            let (field, header) = pair.split_once('=').ok_or_else(|| bad(format!("{pair:?} is not field=Header")))?;
            let field = field.trim();
            let slot = columns
                .names
                .iter_mut()
                .find(|(f, _)| *f == field)
                .ok_or_else(|| bad(format!("{field:?} is not a field (fields: {})", FIELDS.join(", "))))?;
            slot.1 = header.trim().to_string();
        }
        Ok(columns)
    }

    /// The header name of `field`.
    pub fn header<'a>(&'a self, field: &'a str) -> &'a str {
        self.names.iter().find(|(f, _)| *f == field).map_or(field, |(_, h)| h)
    }
}

/// What a CSV import kept and, in lenient mode, left out.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CsvReport {
    pub courses: usize,
    pub prerequisite_groups: usize,
    /// `(row, course, id)`: a prerequisite or equivalent naming a course the file does not
    /// hold, kept as `not_in_catalog` (prerequisites) or left out (equivalents).
    pub unknown_courses: Vec<(u64, String, String)>,
    /// `(row, column, value)`: credit or level values that are not numbers, left out.
    pub bad_values: Vec<(u64, String, String)>,
    /// Rows skipped for an empty id.
    pub rows_without_id: Vec<u64>,
}

impl CsvReport {
    /// How many things lenient mode left out or marked.
    pub fn dropped(&self) -> usize {
        self.unknown_courses.len() + self.bad_values.len() + self.rows_without_id.len()
    }
}

/// One row's fields, with the row's line for errors.
struct Row {
    line: u64,
    course: Course,
    /// Per prerequisite group: the alternatives and whether it may be taken concurrently.
    groups: Vec<(Vec<String>, bool)>,
}

/// Imports a catalog CSV.
///
/// # Errors
/// [`Error::CsvField`] naming the row and column of an empty id, a duplicate id, a bad number
/// or a malformed prerequisite expression (strict mode), of an unknown course (strict mode),
/// or the missing column of a required field; [`Error::CatalogCsv`] for a row the CSV reader
/// cannot read.
pub fn import(bytes: &[u8], columns: &Columns, strictness: Strictness) -> Result<(Catalog, CsvReport)> {
    let lenient = strictness == Strictness::Lenient;
    let mut reader = ::csv::ReaderBuilder::new().flexible(false).from_reader(bytes);
    let headers = reader.headers().map_err(|e| csv_error(1, e))?.clone();
    let position = |field: &str| headers.iter().position(|h| h.trim() == columns.header(field));
    for required in ["id", "title"] {
        if position(required).is_none() {
            return Err(Error::CsvField {
                row: 1,
                column: columns.header(required).to_string(),
                reason: format!(
                    "the header has no such column (it has: {})",
                    headers.iter().collect::<Vec<_>>().join(", ")
                ),
            });
        }
    }
    let at: Vec<Option<usize>> = FIELDS.iter().map(|f| position(f)).collect();
    let mut report = CsvReport::default();
    let mut rows: Vec<Row> = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| csv_error(i as u64 + 2, e))?;
        let line = record.position().map_or(i as u64 + 2, |p| p.line());
        let get = |field: &str| -> &str {
            let ix = FIELDS.iter().position(|f| *f == field).and_then(|f| at[f]);
            ix.and_then(|c| record.get(c)).unwrap_or("").trim()
        };
        let field_error = |field: &str, reason: String| Error::CsvField {
            row: line,
            column: columns.header(field).to_string(),
            reason,
        };
        let id = get("id");
        if id.is_empty() {
            if lenient {
                report.rows_without_id.push(line);
                continue;
            }
            return Err(field_error("id", "the course id is empty".into()));
        }
        let mut number = |field: &'static str| -> Result<Option<f64>> {
            let text = get(field);
            if text.is_empty() {
                return Ok(None);
            }
            match text.parse::<f64>() {
                Ok(v) if v.is_finite() && v >= 0.0 && (field != "level" || v.fract() == 0.0) => Ok(Some(v)),
                _ if lenient => {
                    report.bad_values.push((line, columns.header(field).to_string(), text.to_string()));
                    Ok(None)
                }
                _ => Err(field_error(
                    field,
                    format!(
                        "{text:?} is not a {}",
                        if field == "level" { "whole number" } else { "non-negative number" }
                    ),
                )),
            }
        };
        let credits = number("credits")?.map(|v| v as f32);
        let level = number("level")?.map(|v| v as u32);
        let groups =
            parse_prerequisites(get("prerequisites")).map_err(|reason| field_error("prerequisites", reason))?;
        rows.push(Row {
            line,
            course: Course {
                id: id.to_string(),
                title: get("title").to_string(),
                description: get("description").to_string(),
                credits,
                level,
                tags: list(get("tags")),
                teaches: list(get("teaches")),
                requires: list(get("requires")),
                same_as: list(get("same_as")),
                no_credit_with: list(get("no_credit_with")),
                ..Course::default()
            },
            groups,
        });
    }

    let mut ids: HashSet<&str> = HashSet::new();
    for row in &rows {
        if !ids.insert(&row.course.id) {
            let first = rows.iter().find(|r| r.course.id == row.course.id).map_or(0, |r| r.line);
            return Err(Error::CsvField {
                row: row.line,
                column: columns.header("id").to_string(),
                reason: format!("course id {:?} already appears on row {first}", row.course.id),
            });
        }
    }
    let mut courses = Vec::with_capacity(rows.len());
    for row in &rows {
        let mut course = row.course.clone();
        let mut unknown = |id: &str, field: &'static str| -> Result<()> {
            if lenient {
                report.unknown_courses.push((row.line, row.course.id.clone(), id.to_string()));
                Ok(())
            } else {
                Err(Error::CsvField {
                    row: row.line,
                    column: columns.header(field).to_string(),
                    reason: format!("{id:?} is not a course in this file"),
                })
            }
        };
        for (alternatives, concurrent) in &row.groups {
            let (mut known, mut missing) = (Vec::new(), Vec::new());
            for id in alternatives {
                if ids.contains(id.as_str()) {
                    known.push(id.clone());
                } else {
                    unknown(id, "prerequisites")?;
                    missing.push(id.clone());
                }
            }
            course.prerequisites.push(GroupSpec::Detailed {
                any_of: known,
                concurrent: *concurrent,
                not_in_catalog: missing,
            });
        }
        for field in ["same_as", "no_credit_with"] {
            let list = if field == "same_as" { &mut course.same_as } else { &mut course.no_credit_with };
            let before = std::mem::take(list);
            for id in before {
                if ids.contains(id.as_str()) {
                    list.push(id);
                } else {
                    unknown(&id, field)?;
                }
            }
        }
        report.prerequisite_groups += course.prerequisites.len();
        courses.push(course);
    }
    report.courses = courses.len();
    // The file's own rules are checked above with rows and columns; the catalog's checks
    // (a course listing itself, say) run as for any catalog.
    let (catalog, _) = Catalog::new(courses, strictness)?;
    Ok((catalog, report))
}

fn list(text: &str) -> Vec<String> {
    text.split(';').map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

/// `CS 101 or CS 102; MATH 120 (concurrent)` -> `[(["CS 101", "CS 102"], false), (["MATH 120"], true)]`.
/// The reason of an error quotes the part that is malformed.
pub fn parse_prerequisites(text: &str) -> std::result::Result<Vec<(Vec<String>, bool)>, String> {
    let mut groups = Vec::new();
    for part in split_words(text, ";", " and ") {
        let mut group = part.trim();
        if group.is_empty() {
            return Err(format!("an empty group in {text:?}"));
        }
        let mut concurrent = false;
        if let Some(stripped) = strip_suffix_ignore_case(group, "(concurrent)") {
            concurrent = true;
            group = stripped.trim();
        }
        if let Some(inner) = group.strip_prefix('(').and_then(|g| g.strip_suffix(')')) {
            group = inner.trim();
        }
        let mut alternatives = Vec::new();
        for member in split_words(group, "|", " or ") {
            let member = member.trim();
            if member.is_empty() || member.contains(['(', ')', ';', ',']) {
                return Err(format!("{member:?} in {text:?} is not a course id"));
            }
            if !alternatives.iter().any(|a| a == member) {
                alternatives.push(member.to_string());
            }
        }
        groups.push((alternatives, concurrent));
    }
    Ok(groups)
}

/// Splits on `symbol` and on `word` (case-insensitive, with its spaces) outside parentheses.
/// The text is padded with a space at each end first, so that a connective at either end
/// (`CS 101 or`) leaves an empty part for the caller to refuse.
fn split_words(text: &str, symbol: &str, word: &str) -> Vec<String> {
    if text.trim().is_empty() {
        return Vec::new();
    }
    let padded = format!(" {text} ");
    let lower = padded.to_ascii_lowercase();
    let (mut parts, mut start, mut depth, mut i) = (Vec::new(), 0, 0i32, 0);
    while i < padded.len() {
        let rest = &lower[i..];
        let cut = if rest.starts_with('(') {
            depth += 1;
            None
        } else if rest.starts_with(')') {
            depth -= 1;
            None
        } else if depth == 0 && rest.starts_with(symbol) {
            Some(symbol.len())
        } else if depth == 0 && rest.starts_with(word) {
            // The word's trailing space may begin the next connective: keep it.
            Some(word.len() - 1)
        } else {
            None
        };
        match cut {
            Some(len) => {
                parts.push(padded[start..i].to_string());
                i += len;
                start = i;
            }
            None => i += rest.chars().next().map_or(1, char::len_utf8),
        }
    }
    parts.push(padded[start..].to_string());
    parts
}

fn strip_suffix_ignore_case<'a>(text: &'a str, suffix: &str) -> Option<&'a str> {
    let cut = text.len().checked_sub(suffix.len())?;
    (text.is_char_boundary(cut) && text[cut..].eq_ignore_ascii_case(suffix)).then(|| &text[..cut])
}

fn csv_error(line: u64, e: ::csv::Error) -> Error {
    let line = e.position().map_or(line, |p| p.line());
    Error::CatalogCsv { file: "catalog", line, reason: e.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "id,title,description,credits,level,tags,teaches,requires,prerequisites\n";

    fn import_text(body: &str, strictness: Strictness) -> Result<(Catalog, CsvReport)> {
        import(format!("{HEADER}{body}").as_bytes(), &Columns::default(), strictness)
    }

    fn field_error(result: Result<(Catalog, CsvReport)>) -> (u64, String, String) {
        match result {
            Err(Error::CsvField { row, column, reason }) => (row, column, reason),
            other => panic!("expected a CsvField error, got {other:?}"),
        }
    }

    #[test]
    fn prerequisite_expressions_become_groups() {
        let parse = |t: &str| parse_prerequisites(t).unwrap();
        assert_eq!(
            parse("CS 101 or CS 102; MATH 120 (concurrent)"),
            vec![(vec!["CS 101".to_string(), "CS 102".to_string()], false), (vec!["MATH 120".to_string()], true)]
        );
        assert_eq!(parse("(CS 101 OR CS 102) and STAT 100"), parse("CS 101 or CS 102; STAT 100"));
        assert_eq!(parse(""), Vec::<(Vec<String>, bool)>::new());
        assert!(parse_prerequisites("CS 101 or").unwrap_err().contains("\"\""));
        assert!(parse_prerequisites("CS 101;; CS 102").unwrap_err().contains("empty group"));
        assert!(parse_prerequisites("(CS 101 or (CS 102 and CS 103))").unwrap_err().contains("not a course id"));
    }

    #[test]
    fn a_catalog_imports_with_its_groups_lists_and_numbers() {
        let (catalog, report) = import_text(
            "CS 101,Intro,Programming,4,100,cs;intro,python,,\n\
             MATH 120,Calculus,,3,100,,calculus,,\n\
             CS 201,Data Structures,,\"3\",200,,algorithms,python,CS 101 or MATH 120; MATH 120 (concurrent)\n",
            Strictness::Strict,
        )
        .unwrap();
        assert_eq!(report.courses, 3);
        assert_eq!(report.prerequisite_groups, 2);
        let cs201 = catalog.course(catalog.ix("CS 201").unwrap());
        assert_eq!(cs201.credits, Some(3.0));
        assert_eq!(cs201.level, Some(200));
        assert_eq!(cs201.requires, vec!["python"]);
        assert_eq!(cs201.prerequisites[0].members(), ["CS 101", "MATH 120"]);
        assert!(cs201.prerequisites[1].concurrent());
        assert_eq!(catalog.course(catalog.ix("CS 101").unwrap()).tags, vec!["cs", "intro"]);
    }

    #[test]
    fn bad_rows_name_their_row_and_column() {
        let (row, column, reason) =
            field_error(import_text("CS 101,Intro,,4,,,,,\n,Nameless,,3,,,,,\n", Strictness::Strict));
        assert_eq!((row, column.as_str()), (3, "id"));
        assert!(reason.contains("empty"));
        let (row, column, reason) = field_error(import_text("CS 101,Intro,,four,,,,,\n", Strictness::Strict));
        assert_eq!((row, column.as_str()), (2, "credits"));
        assert!(reason.contains("\"four\""));
        let (row, column, reason) = field_error(import_text("CS 101,Intro,,4,,,,,CS 999\n", Strictness::Strict));
        assert_eq!((row, column.as_str()), (2, "prerequisites"));
        assert!(reason.contains("CS 999"));
        let (row, column, reason) = field_error(import_text("CS 101,Intro,,4,,,,,CS 100 or\n", Strictness::Strict));
        assert_eq!((row, column.as_str()), (2, "prerequisites"));
        assert!(reason.contains("not a course id"));
        let (row, _, reason) = field_error(import_text("CS 101,A,,,,,,,\nCS 101,B,,,,,,,\n", Strictness::Strict));
        assert_eq!(row, 3);
        assert!(reason.contains("row 2"));
        let (_, column, reason) =
            field_error(import(b"code,name\nCS 101,Intro\n", &Columns::default(), Strictness::Strict));
        assert_eq!(column, "id");
        assert!(reason.contains("code, name"));
    }

    #[test]
    fn lenient_mode_reports_each_thing_it_leaves_out() {
        let (catalog, report) = import_text(
            "CS 101,Intro,,4,,,,,\n,Nameless,,3,,,,,\nCS 201,Next,,x,1.5,,,,CS 101 or CS 999\n",
            Strictness::Lenient,
        )
        .unwrap();
        assert_eq!(catalog.len(), 2);
        assert_eq!(report.rows_without_id, vec![3]);
        assert_eq!(
            report.bad_values,
            vec![(4, "credits".to_string(), "x".to_string()), (4, "level".to_string(), "1.5".to_string())]
        );
        assert_eq!(report.unknown_courses, vec![(4, "CS 201".to_string(), "CS 999".to_string())]);
        // The unknown alternative is kept, marked: it never satisfies the group.
        let cs201 = catalog.course(catalog.ix("CS 201").unwrap());
        assert_eq!(cs201.prerequisites[0].not_in_catalog(), ["CS 999"]);
        assert_eq!(report.dropped(), 4);
        // A malformed expression is an error even here.
        assert!(import_text("CS 101,Intro,,4,,,,,(CS 100\n", Strictness::Lenient).is_err());
    }

    #[test]
    fn columns_map_other_header_names() {
        let columns = Columns::parse("id=Course Code,title=Name,prerequisites=Prereqs").unwrap();
        let (catalog, _) =
            import(b"Course Code,Name,Prereqs\nCS 101,Intro,\nCS 201,Next,CS 101\n", &columns, Strictness::Strict)
                .unwrap();
        assert_eq!(catalog.len(), 2);
        assert!(Columns::parse("identifier=Code").is_err());
        assert!(Columns::parse("id").is_err());
    }
}
