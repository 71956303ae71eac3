//! The codebook (`docs/CODEBOOK.md`, `conflictdb codebook`), generated from the schema
//! (`src/schema.rs`: every table and column, its type, whether it is required, what it holds)
//! and the vocabulary files (every code with its label, description and its ACLED, UCDP or CAMEO
//! equivalent), so that it cannot drift from what the loader reads. A test regenerates it and
//! compares; `UPDATE_GOLDEN=1 cargo test --test tests codebook::` writes it.
//!
//! It reads like the ACLED and UCDP codebooks: what the unit of observation is, how dates,
//! precision, scopes, claims and allegations are coded, the rules the shipped data follows, then
//! every table and every vocabulary.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::schema::seed_columns::written_as;
use crate::schema::{Table, Value, TABLES};

/// What each table records, one sentence, for the codebook's table sections.
const TABLE_ABOUT: &[(&str, &str)] = &[
    ("sources", "A document or work that rows are taken from: every event, statement, casualty claim, allegation and event link names the source that reports it."),
    ("actors", "A state, organisation, ministry, armed force or person that takes part in events, makes statements or claims, or is alleged to have acted. An actor may belong to another (its parent), up to the state or body it represents."),
    ("actor_aliases", "Another name or spelling of an actor; reports and messages accept it in place of the key."),
    ("places", "A country, region, city or other place where events happen, with coordinates where known and how precise they are."),
    ("place_aliases", "Another name or spelling of a place."),
    ("events", "The unit of observation: something that happened at a time and place, at the date precision its source gives. An event may be part of a larger one (a battle of a war)."),
    ("event_places", "A further place where an event happened, besides its main place."),
    ("event_actors", "An actor that took part in an event, and in what role. The sides of a fight are each `side`; their order means nothing."),
    ("event_sources", "A source that reports an event, with the passage that backs it, verbatim."),
    ("statements", "What an actor said, when, about which event and to whom, with the kind of statement (CAMEO-coded), the side it favours, a neutral summary and the quote."),
    ("casualties", "A casualty or damage figure as a claim: whose losses, what happened to whom, the figures as given (low, best, high), who claimed them and which source reports them."),
    ("allegations", "An allegation that an actor carried out an act or started the fighting: who is alleged, who alleges it, and which source reports it. A denial is a statement."),
    ("event_links", "A relation between two events that a source states: one in response to, in consequence of, or in violation of the other, or (between datasets) the same event."),
    ("event_attributes", "A value an imported file gives an event that the model has no column for (ACLED's `tags` or `source_scale`, UCDP's `event_clarity`), kept under the file's own column name so that nothing in the file is lost."),
    ("statement_attributes", "A value an imported file gives a statement that the model has no column for (GDELT's `GoldsteinScale`, `AvgTone`, mention counts), under the file's own column name."),
];

/// The codebook as markdown. `shipped` is the seed files by name (`seed/` in the repository, or
/// the built-in copy): the vocabularies' codes are read from them.
pub fn markdown(shipped: &BTreeMap<String, Vec<u8>>) -> String {
    let mut out = String::new();
    out.push_str(INTRODUCTION);
    let data: Vec<&Table> = TABLES.iter().filter(|t| !t.is_vocabulary).collect();
    let vocabularies: Vec<&Table> = TABLES.iter().filter(|t| t.is_vocabulary).collect();

    out.push_str("\n## 3. Tables\n\n");
    out.push_str(
        "Each table is one CSV file in a seed directory (`TABLE.csv`) and one table in the \
         database. A column is required when every row must give it; an optional column may be \
         empty. \"Written as\" says how a value is written in the file and, where it differs, how \
         it is stored. Every table also has `dataset_id`, the dataset the row belongs to (see \
         `conflictdb datasets`), which no seed file gives.\n",
    );
    for (n, table) in data.iter().enumerate() {
        let _ = writeln!(out, "\n### 3.{} `{}`\n", n + 1, table.name);
        let about = TABLE_ABOUT
            .iter()
            .find(|(name, _)| *name == table.name)
            .map_or("", |(_, about)| about);
        let _ = writeln!(out, "{about}\n");
        let _ = writeln!(out, "{}\n", identity(table));
        columns(&mut out, table);
    }

    out.push_str("\n## 4. Vocabularies\n\n");
    out.push_str(
        "Every coded column takes a `code` of a vocabulary table (`code`, `label`, `description`, \
         stored in the database with a foreign key). Where a code corresponds to a value of \
         ACLED, UCDP GED or CAMEO, the vocabulary says which. A mapping is marked **lossy** where \
         it cannot be reversed: several codes share one outside value (converting to it merges \
         them), or a code has none (converting drops the distinction).\n",
    );
    for (n, table) in vocabularies.iter().enumerate() {
        let _ = writeln!(out, "\n### 4.{} `{}`\n", n + 1, table.name);
        let used_by: Vec<String> = TABLES
            .iter()
            .flat_map(|t| t.columns.iter().map(move |c| (t, c)))
            .filter(|(_, c)| c.value == Value::Code(table.name))
            .map(|(t, c)| format!("`{}.{}` ({})", t.name, c.name, lower_first(c.about)))
            .collect();
        if !used_by.is_empty() {
            let _ = writeln!(out, "Used by {}.\n", join(&used_by));
        }
        codes(&mut out, table, shipped.get(&table.file_name()));
    }
    out.push_str(CITING);
    out
}

/// The table of a table's columns.
fn columns(out: &mut String, table: &Table) {
    out.push_str("| column | required | meaning | written as |\n|---|---|---|---|\n");
    for column in table.columns {
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} |",
            column.name,
            if column.required { "yes" } else { "no" },
            cell(&with_default(column.about, column.default)),
            cell(&written_as(table, column)),
        );
    }
}

fn with_default(about: &str, default: Option<&str>) -> String {
    match default {
        Some(default) => format!("{about}; empty means `{default}`"),
        None => about.to_string(),
    }
}

/// What makes a row the same row when a dataset is seeded again.
fn identity(table: &Table) -> String {
    match table.identity {
        crate::schema::Identity::Key => {
            "Each row is identified by its `key`, unique in the database.".to_string()
        }
        crate::schema::Identity::Columns(columns) => format!(
            "Each row is identified by all of {}: a link row.",
            join(&columns.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>())
        ),
    }
}

/// The table of a vocabulary's codes, with every outside equivalent the file gives and where
/// mapping onto it loses a distinction.
fn codes(out: &mut String, table: &Table, file: Option<&Vec<u8>>) {
    let Some(bytes) = file else {
        out.push_str("(no codes in the shipped data)\n");
        return;
    };
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let headers: Vec<String> = reader
        .headers()
        .map(|h| h.iter().map(String::from).collect())
        .unwrap_or_default();
    let rows: Vec<Vec<String>> = reader
        .records()
        .map_while(Result::ok)
        .map(|r| r.iter().map(String::from).collect())
        .collect();
    let at = |name: &str| headers.iter().position(|h| h == name);
    let (Some(code), Some(label), Some(description)) = (at("code"), at("label"), at("description"))
    else {
        return;
    };
    // Every column past the three a vocabulary always has maps onto another scheme.
    let outside: Vec<usize> = (0..headers.len())
        .filter(|&i| ![code, label, description].contains(&i))
        .collect();
    for &i in &outside {
        let about = table
            .column(&headers[i])
            .map_or("an equivalent in another scheme", |c| c.about);
        let _ = writeln!(out, "- `{}`: {}.", headers[i], lower_first(about));
    }
    if !outside.is_empty() {
        out.push('\n');
    }
    out.push_str("| code | label | description |");
    for &i in &outside {
        let _ = write!(out, " `{}` |", headers[i]);
    }
    out.push_str("\n|---|---|---|");
    out.push_str(&"---|".repeat(outside.len()));
    out.push('\n');
    for row in &rows {
        let get = |i: usize| row.get(i).map_or("", String::as_str);
        let _ = write!(
            out,
            "| `{}` | {} | {} |",
            get(code),
            cell(get(label)),
            cell(get(description))
        );
        for &i in &outside {
            let value = get(i);
            let shared: Vec<String> = rows
                .iter()
                .filter(|other| other.get(code) != row.get(code))
                .filter(|other| {
                    !value.is_empty() && other.get(i).map(String::as_str) == Some(value)
                })
                .map(|other| format!("`{}`", other.get(code).map_or("", String::as_str)))
                .collect();
            let note = match (value.is_empty(), shared.is_empty()) {
                (true, _) => "none (lossy)".to_string(),
                (false, true) => format!("`{}`", cell(value)),
                (false, false) => format!("`{}` (lossy: also {})", cell(value), join(&shared)),
            };
            let _ = write!(out, " {note} |");
        }
        out.push('\n');
    }
}

fn join(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn lower_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        // An acronym (UCDP, ACLED, CAMEO) keeps its capitals.
        Some(first) if chars.clone().next().is_some_and(|c| c.is_uppercase()) => {
            format!("{first}{}", chars.as_str())
        }
        Some(first) => format!("{}{}", first.to_lowercase(), chars.as_str()),
        None => String::new(),
    }
}

/// Text made safe for a table cell: a `|` would end the cell, a line break the row.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

const INTRODUCTION: &str = "# conflictdb codebook

<!-- Generated from src/schema.rs and the vocabulary files of seed/ by src/codebook.rs; do not
edit by hand. `UPDATE_GOLDEN=1 cargo test --test tests codebook::` writes it again, and
`conflictdb codebook` prints it. -->

This codebook describes how conflictdb codes a conflict's events and the claims made about them:
what each table and column holds, every code of every vocabulary with its equivalent in ACLED,
UCDP GED or CAMEO, and the rules the shipped data follows. It applies to the built-in data and to
any dataset loaded with `conflictdb seed`.

## 1. What is recorded

The **unit of observation is the event**: something that happened at a time and place (a clash, a
ceasefire, a strike, a protest, a diplomatic meeting), with the actors that took part and the
sources that report it. Around events, the database records **claims**, each attributed to who made
it and to the source that reports it:

- a **statement**: what an actor said, when, about which event, with its kind and the side it
  favours;
- a **casualty claim**: a figure of losses or damage as someone gave it;
- an **allegation**: that an actor carried out an act or started the fighting, as someone alleges;
- an **event link**: that one event answered, followed from or violated another, as a source says.

### Rules of the shipped data

- **Claims, not verdicts.** The database never says who is right. The sides of a fight are listed
  with the role `side`, in no order; who started a fight or carried out a contested act is an
  allegation with its claimant; a denial is a statement. Figures that disagree are kept side by
  side, never averaged or picked.
- **Published figures are never altered.** Low, best and high are recorded as given; figures that
  disagree are shown side by side (the `contested-casualties` report), never corrected.
- **Nothing from outside the documents.** Every value of the built-in data comes from its five
  source documents (or works they cite); nothing is added from general knowledge. Where a document
  is vague, the row has the precision the text gives and its notes say so.
- **Neutral words.** Summaries are neutral; loaded words appear only inside quotes attributed to
  their source. Every quote is verbatim.
- **Every row is sourced.** Every event, statement, casualty claim, allegation and event link names
  a source; `conflictdb seed` warns about rows that do not, and `conflictdb check` fails on them.

## 2. How values are coded

**Keys.** Every row of a main table has a `key`: lower case words joined by `-`, unique in the
database, by which other rows refer to it (`lavrov`, `2020-09-second-nagorno-karabakh-war`). Events
are keyed by their date and a short name. A vocabulary entry has a `code` instead. Reports accept
a name, alias or title where a key is asked for, and the loader answers a name with its key.

**Dates and precision.** A date is written `YYYY`, `YYYY-MM` or `YYYY-MM-DD`, as precisely as the
source gives it, never more. It is stored as the first and last day of that period (`start_date`
and `end_date` of an event, `said_on` and `said_on_end` of a statement) with its precision
(`date_precisions`: `year`, `month`, `day`), so that a range query finds every row that may fall in
the range: an event dated only \"October 2020\" is found by `from=2020-10-05`. A span is written with
its end (`end_date`, `said_until`); a statement known only to fall within a span (\"between 27
September and October 2020\") is written as that span. The precision maps onto UCDP GED's
`date_prec` and ACLED's `time_precision` (section 4).

**Date basis.** Each event and statement says how its date is known (`date_bases`): `stated` in the
text, or `inferred` from its context (the publication date, the events around it). An inferred date
is never given to the day, and the notes say how it was inferred.

**Places and geographic precision.** An event's place is a row of `places`, with coordinates in
decimal degrees and a `geo_precision` saying how precisely they locate it (mapping onto UCDP GED's
`where_prec` and ACLED's `geo_precision`). More places go in `event_places`.

**Actors and whom they represent.** An actor's `parent` is the body it belongs to or speaks for
(Lavrov → Russia's foreign ministry → Russia); a statement is counted for the top of that chain
(`v_statements.represents`). `is_party` marks the parties to the conflict.

**Statements.** A statement has a `kind` (CAMEO-coded, `statement_kinds`), a `stance` (which side
it favours: `pro_armenia`, `pro_azerbaijan`, `neutral`, or `none` for a statement that takes no
side, such as a monitor's factual report), an optional `target` and `event`, a neutral `summary`
and the `quote`.

**Casualty claims and scopes.** A casualty claim gives figures as its source gives them:
`count_low` (\"at least\"), `count_best` (the figure given as the count), `count_high` (\"up to\"),
any of which may be empty, with low ≤ best ≤ high where given. Its `scope` (`casualty_scopes`) says
whose losses they are: `one_side` (then `side` names the side, and only then), `all_sides`
combined, or `not_stated`. `category` says who or what was hit, `outcome` what happened to them,
`status` whether the figure is reported, an estimate, or planned; `part_of` names a claim whose
figures include these (four officers among seventeen soldiers), so that a part is never compared
with its whole; `claimed_by` is who made the claim (empty when the source attributes it to no one);
`as_of` the date the figures are given as of.

**Allegations.** An allegation records that `actor` is alleged, by `alleged_by`, to have carried
out an act (`perpetrator`) or started the fighting (`initiator`), as `source` reports it. When a
document says so in its own voice, the claimant is its authors, who are actors.

**Datasets.** Every row belongs to one dataset: the built-in data, a seed directory loaded with
`conflictdb seed DIR`, or a file imported with `conflictdb import` (ACLED, UCDP GED, GDELT). Rows of a dataset may refer by key to rows of any other. Each dataset records
where it was loaded from, when, its licence and how to cite it (`conflictdb cite`).
";

const CITING: &str = "
## 5. Citing

`conflictdb cite` prints how to cite the software (see also `CITATION.cff`) and each dataset in
the database, in plain text or BibTeX (`--format bibtex`). Data from another publisher keeps its
terms: cite UCDP (CC BY 4.0) and acknowledge ACLED with a link wherever their rows are used.
";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_data_table_says_what_it_records() {
        for table in TABLES.iter().filter(|t| !t.is_vocabulary) {
            assert!(
                TABLE_ABOUT.iter().any(|(name, _)| *name == table.name),
                "{} has no sentence in TABLE_ABOUT",
                table.name
            );
        }
    }

    #[test]
    fn a_shared_or_missing_equivalent_is_marked_lossy() {
        let files = BTreeMap::from([(
            "event_kinds.csv".to_string(),
            b"code,label,description,acled_event_type\nclash,Clash,A fight,Battles\nsiege,Siege,A siege,Battles\nwar,War,A war,\n"
                .to_vec(),
        )]);
        let text = markdown(&files);
        assert!(
            text.contains("| `clash` | Clash | A fight | `Battles` (lossy: also `siege`) |"),
            "{text}"
        );
        assert!(
            text.contains("| `war` | War | A war | none (lossy) |"),
            "{text}"
        );
    }
}
