//! `datasette`: writes the Datasette metadata of the database (src/datasette.rs) as JSON.

use std::io::Write;
use std::path::Path;

use anyhow::Result;

use crate::cli::DatasetteArgs;
use crate::output::Sink;
use crate::{datasette, db};

pub fn run(db_path: &Path, args: &DatasetteArgs) -> Result<()> {
    let conn = db::open_read_only(db_path)?;
    // Datasette names a database after its file, less the extension.
    let name = db_path
        .file_stem()
        .map_or("conflict".into(), |s| s.to_string_lossy());
    let metadata = datasette::metadata(&conn, &name)?;
    let mut sink = Sink::new(args.output.as_deref(), Some(db_path))?;
    serde_json::to_writer_pretty(&mut sink, &metadata)?;
    sink.write_all(b"\n")?;
    sink.finish()
}
