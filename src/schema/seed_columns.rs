//! The README's tables of seed-file columns, generated from `TABLES` so that they cannot drift
//! from what the loader reads: per file, each CSV column with whether it is required, what it
//! holds, how it is written and where it is stored, and an example taken from the shipped data.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{Column, Table, Value, TABLES};

/// Examples longer than this many characters are cut, so that the tables stay readable.
const EXAMPLE_CHARS: usize = 40;

/// The markdown the README holds between `<!-- seed-columns:start -->` and
/// `<!-- seed-columns:end -->`. `shipped` is the shipped seed files by name (`seed/`); each
/// example is the first non-empty value of its column there, free text cut to 40 characters.
pub fn markdown(shipped: &BTreeMap<String, Vec<u8>>) -> String {
    let mut out = String::new();
    // The data files first, in load order, then the vocabularies they draw codes from.
    let data = TABLES.iter().filter(|t| !t.is_vocabulary);
    let vocabularies = TABLES.iter().filter(|t| t.is_vocabulary);
    for table in data.chain(vocabularies) {
        let examples = first_values(shipped.get(&table.file_name()));
        let _ = writeln!(out, "\n**`{}`**\n", table.file_name());
        out.push_str("| column | | what it holds | written as | example |\n");
        out.push_str("|---|---|---|---|---|\n");
        for column in table.columns {
            let example = match examples.get(column.name) {
                // Prose is cut; a key or a code is only an example whole.
                Some(value) if column.value == Value::Text => {
                    format!("`{}`", cell(&shorten(value)))
                }
                Some(value) => format!("`{}`", cell(value)),
                None => "(none in the shipped file)".to_string(),
            };
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} | {example} |",
                column.name,
                if column.required {
                    "required"
                } else {
                    "optional"
                },
                cell(column.about),
                written_as(table, column),
            );
        }
    }
    out
}

/// How a value is written in the file, and where it goes when that is not a column of its name.
pub(crate) fn written_as(table: &Table, column: &Column) -> String {
    const DATE: &str = "`YYYY`, `YYYY-MM` or `YYYY-MM-DD`";
    match column.value {
        Value::Key => "text, unique in the file".to_string(),
        Value::Text => "text".to_string(),
        Value::Ref(target) => {
            let whose = if target == table.name {
                "another row of this file".to_string()
            } else {
                format!("a row of `{target}.csv`")
            };
            format!("the `key` of {whose}; stored as its id in `{}`", column.db)
        }
        Value::Code(vocabulary) => format!("a `code` of `{vocabulary}.csv`"),
        Value::Period {
            end,
            end_db,
            precision_db,
            ..
        } => {
            let through = end.map_or(String::new(), |end| format!(" (or `{end}`'s, if given)"));
            format!(
                "{DATE}; stored as the first day of its period in `{}`, the last day of its \
                 period{through} in `{end_db}`, and its precision in `{precision_db}`",
                column.db
            )
        }
        Value::PeriodEnd => {
            let start = table.columns.iter().find_map(|other| match other.value {
                Value::Period {
                    end: Some(end),
                    end_db,
                    ..
                } if end == column.name => Some((other.name, end_db)),
                _ => None,
            });
            match start {
                Some((start, end_db)) => format!(
                    "{DATE}, not before `{start}`; stored as the last day of its period in \
                     `{end_db}`"
                ),
                None => DATE.to_string(),
            }
        }
        Value::PeriodPrecision => {
            "a `code` of `date_precisions.csv`, stored in place of the precision the dates give"
                .to_string()
        }
        Value::PartialDate => format!("{DATE}, stored as written"),
        Value::Integer => "a whole number".to_string(),
        Value::Count => "a whole number, 0 or more".to_string(),
        Value::Latitude => "a decimal number from -90 to 90".to_string(),
        Value::Longitude => "a decimal number from -180 to 180".to_string(),
        Value::Flag => "`1` or `0` (`true` or `false`); empty is 0".to_string(),
        Value::Country => "an ISO 3166-1 alpha-3 code".to_string(),
    }
}

/// The first non-empty value of each column of a CSV file, by header name.
fn first_values(file: Option<&Vec<u8>>) -> BTreeMap<String, String> {
    let mut found = BTreeMap::new();
    let Some(bytes) = file else {
        return found;
    };
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let Ok(headers) = reader.headers().cloned() else {
        return found;
    };
    for record in reader.records().map_while(Result::ok) {
        for (header, value) in headers.iter().zip(record.iter()) {
            if !value.is_empty() && !found.contains_key(header) {
                found.insert(header.to_string(), value.to_string());
            }
        }
        if found.len() == headers.len() {
            break;
        }
    }
    found
}

fn shorten(value: &str) -> String {
    let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
    match value.char_indices().nth(EXAMPLE_CHARS) {
        Some((cut, _)) => format!("{}…", value[..cut].trim_end()),
        None => value,
    }
}

/// Text made safe for a table cell: a `|` would end the cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_column_says_what_it_holds() {
        for table in TABLES {
            for column in table.columns {
                assert!(
                    !column.about.is_empty(),
                    "{}.{} has no description",
                    table.name,
                    column.name
                );
            }
        }
    }

    #[test]
    fn a_long_example_is_cut_and_a_pipe_kept_inside_its_cell() {
        assert_eq!(shorten("short"), "short");
        assert_eq!(
            shorten(&"word ".repeat(20)),
            "word word word word word word word word…"
        );
        assert_eq!(cell("a|b"), "a\\|b");
    }
}
