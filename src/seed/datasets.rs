//! A load's dataset in the database: the row of `datasets` it goes to (created, or its provenance
//! brought up to date), and the files it was loaded from (`dataset_files`).

use rusqlite::{Connection, OptionalExtension};

use super::diagnose::SeedError;
use super::input::{Dataset, Source};
use super::Counts;
use crate::attribution;
use crate::schema;

/// The id of `dataset`'s row, which now says it was loaded from here, now, by this program.
pub(super) fn register(conn: &Connection, dataset: &Dataset) -> Result<i64, SeedError> {
    // Refused naming where the data comes from.
    let refused = |message: String| SeedError::File {
        file: dataset
            .loaded_from
            .clone()
            .unwrap_or_else(|| dataset.name.clone()),
        message,
    };
    let built_in = dataset.kind == Dataset::built_in().kind;
    if (dataset.name == Dataset::BUILT_IN) != built_in {
        return Err(refused(format!(
            "the dataset name {:?} is the shipped data's own: give this data another name with --dataset",
            Dataset::BUILT_IN
        )));
    }
    // A dataset is loaded again only from data of its own kind and format: an ACLED file loaded
    // as a UCDP import would flag every UCDP event retracted and take over its credit line.
    let stored: Option<(String, String)> = conn
        .query_row(
            "SELECT kind, coalesce(format, 'seed') FROM datasets WHERE name = ?1",
            [&dataset.name],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .optional()?;
    if let Some((kind, format)) = stored {
        if kind != dataset.kind || format != dataset.format {
            return Err(refused(format!(
                "dataset {:?} holds {} and this is {}: a dataset is loaded again only from its own kind of data; give this one another name with --dataset, or remove that one first (conflictdb datasets remove {})",
                dataset.name,
                what_it_holds(&kind, &format),
                what_it_holds(dataset.kind, dataset.format),
                dataset.name
            )));
        }
    }
    let credit = attribution::of(Some(dataset.format));
    Ok(conn.query_row(
        "INSERT INTO datasets (name, kind, loaded_from, loaded_at, program_version,
             format, licence, attribution, citation)
         VALUES (?1, ?2, ?3, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'), ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT (name) DO UPDATE SET kind = excluded.kind,
             loaded_from = excluded.loaded_from, loaded_at = excluded.loaded_at,
             program_version = excluded.program_version, format = excluded.format,
             licence = excluded.licence, attribution = excluded.attribution,
             citation = excluded.citation
         RETURNING id",
        rusqlite::params![
            dataset.name,
            dataset.kind,
            dataset.loaded_from,
            concat!("conflictdb ", env!("CARGO_PKG_VERSION")),
            credit.format,
            credit.licence,
            credit.line,
            credit.citation
        ],
        |row| row.get(0),
    )?)
}

/// A dataset's kind of data, as a message names it.
fn what_it_holds(kind: &str, format: &str) -> String {
    match kind {
        "import" => format!("an import of {format} files"),
        "directory" => "a seed directory".to_string(),
        other => format!("{other} data"),
    }
}

/// Records the files the dataset was just loaded from: each one's hash (`hashes`, in the order
/// of `counts`), bytes and rows.
pub(super) fn record_files(
    conn: &Connection,
    source: &dyn Source,
    dataset: i64,
    format: &str,
    counts: &Counts,
    hashes: &[Option<String>],
) -> Result<(), SeedError> {
    conn.execute("DELETE FROM dataset_files WHERE dataset_id = ?1", [dataset])?;
    if let Some(files) = source.files() {
        let mut insert = conn.prepare(
            "INSERT INTO dataset_files (dataset_id, file, hash, bytes, rows, format, layout, rejected)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        )?;
        for file in files {
            insert.execute(rusqlite::params![
                dataset,
                file.file,
                file.hash,
                file.bytes as i64,
                file.rows as i64,
                file.format,
                file.layout,
                file.rejected.map(|n| n as i64)
            ])?;
        }
        return Ok(());
    }
    let mut insert = conn.prepare(
        "INSERT INTO dataset_files (dataset_id, file, hash, bytes, rows, format) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for ((name, rows), hash) in counts.iter().zip(hashes) {
        let table = schema::table(name).expect("a load counts rows of its tables");
        let bytes = source.size(table).unwrap_or(0) as i64;
        insert.execute(rusqlite::params![
            dataset,
            table.file_name(),
            hash,
            bytes,
            *rows as i64,
            format
        ])?;
    }
    Ok(())
}
