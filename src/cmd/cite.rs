//! `conflictdb cite [DATASET]`: how to cite the software and the datasets (src/cite.rs).

use std::io::Write;
use std::path::Path;

use anyhow::Result;

use crate::cli::{CiteArgs, CiteFormat};

pub fn run(db_path: &Path, args: &CiteArgs) -> Result<()> {
    let conn = crate::db::open_read_only(db_path)?;
    let datasets = crate::cite::datasets(&conn, args.dataset.as_deref())?;
    let version = env!("CARGO_PKG_VERSION");
    let text = match args.format {
        CiteFormat::Text => crate::cite::text(version, &datasets),
        CiteFormat::Bibtex => crate::cite::bibtex(version, &datasets),
    };
    std::io::stdout()
        .lock()
        .write_all(text.as_bytes())
        .map_err(crate::output::stdout_error)?;
    Ok(())
}
