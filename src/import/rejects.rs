//! With `--keep-going`, the records an import refused, each with its reason, written to a CSV
//! file beside the database: `conflict.db.rejects.csv`, or `...rejects-2.csv` and so on, so that
//! an existing file is never written over.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use super::detect::Detected;

/// A refused record: its file (by place among the command's files), line, fields and reason.
#[derive(Debug)]
pub struct Reject {
    pub file: usize,
    pub line: u64,
    pub fields: Vec<String>,
    pub reason: String,
}

impl Reject {
    pub fn new(file: usize, line: u64, record: &csv::StringRecord, reason: String) -> Reject {
        Reject {
            file,
            line,
            fields: record.iter().map(str::to_string).collect(),
            reason,
        }
    }
}

/// Writes the rejects beside `db_path` under a name no file has; returns it.
pub fn write(db_path: &Path, files: &[(PathBuf, Detected)], rejects: &[Reject]) -> Result<PathBuf> {
    let name = db_path.file_name().map_or_else(
        || "conflict.db".into(),
        |n| n.to_string_lossy().into_owned(),
    );
    let dir = db_path.parent().unwrap_or(Path::new(""));
    // Registered while it is written, so that Ctrl-C leaves no half-written file.
    let ((path, file), _registered) = (1..)
        .map(|n| match n {
            1 => dir.join(format!("{name}.rejects.csv")),
            n => dir.join(format!("{name}.rejects-{n}.csv")),
        })
        .find_map(|path| {
            let make = || {
                std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .open(&path)
                    .map(|file| (path.clone(), file))
            };
            match crate::interrupt::create(crate::interrupt::Kind::File, make, |(p, _)| p) {
                Ok(made) => Some(Ok(made)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => None,
                Err(e) => Some(Err(e).with_context(|| format!("cannot create {}", path.display()))),
            }
        })
        .expect("some name is free")?;
    let written = (|| -> Result<()> {
        let mut out = csv::WriterBuilder::new()
            .flexible(true)
            .from_writer(std::io::BufWriter::new(&file));
        let layout = files[0].1.layout;
        out.write_record(
            ["file", "line", "reason"]
                .into_iter()
                .chain(layout.columns.iter().copied()),
        )?;
        for reject in rejects {
            let file = files[reject.file].0.display().to_string();
            let line = reject.line.to_string();
            out.write_record(
                [file.as_str(), line.as_str(), reject.reason.as_str()]
                    .into_iter()
                    .chain(reject.fields.iter().map(String::as_str)),
            )?;
        }
        out.into_inner().map_err(|e| e.into_error())?.flush()?;
        file.sync_all()?;
        Ok(())
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&path);
        return Err(e.context(format!("cannot write {}", path.display())));
    }
    Ok(path)
}
