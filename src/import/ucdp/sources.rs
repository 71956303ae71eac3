//! The sources a UCDP GED row cites: one per office, date and headline item across the import,
//! or the row's `source_article` as given, or the dataset itself.

use super::DATASET_SOURCE;
use crate::import::keys;
use crate::import::record::Record;
use crate::import::sink::Sink;

/// The keys of the sources the row cites, each written the first time.
pub(super) fn sources(record: &Record, sink: &mut Sink) -> Vec<String> {
    let list = |column: &str| -> Vec<&str> {
        match record.get(column) {
            "" => Vec::new(),
            text => text.split(';').map(str::trim).collect(),
        }
    };
    let (offices, dates, headlines) = (
        list("source_office"),
        list("source_date"),
        list("source_headline"),
    );
    let mut cited: Vec<String> = Vec::new();
    if !offices.is_empty() && offices.len() == dates.len() && dates.len() == headlines.len() {
        for ((office, date), headline) in offices.iter().zip(&dates).zip(&headlines) {
            let key = sink.key(&format!("source:{}", keys::hash(&[office, date, headline])));
            if let Some(row) = sink.shared("sources", &key) {
                let dated = *date != "1753-01-01" && crate::date::parse(date).is_ok();
                let notes = match (dated, *date) {
                    (true, _) | (false, "" | "1753-01-01") => String::new(),
                    (false, given) => format!("UCDP GED gives the date as {given:?}."),
                };
                row.set(
                    "title",
                    if headline.is_empty() {
                        *office
                    } else {
                        *headline
                    },
                )
                .set("publisher", *office)
                .set("published_on", if dated { *date } else { "" })
                .set("kind", "news")
                .set_key("cited_in", DATASET_SOURCE)
                .set("notes", notes)
                .add();
            }
            if !cited.contains(&key) {
                cited.push(key);
            }
        }
        return cited;
    }
    let article = record.get("source_article");
    if !article.is_empty() {
        let key = sink.key(&format!("source:{}", keys::hash(&[article])));
        if let Some(row) = sink.shared("sources", &key) {
            row.set("title", article)
                .set("kind", "news")
                .set_key("cited_in", DATASET_SOURCE)
                .set(
                    "notes",
                    "UCDP GED's source_article as given: its office, date and headline lists do not give the source item by item.",
                )
                .add();
        }
        return vec![key];
    }
    vec![sink.key(DATASET_SOURCE)]
}
