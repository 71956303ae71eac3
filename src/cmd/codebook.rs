//! `conflictdb codebook`: prints the codebook (src/codebook.rs) of the built-in data, as
//! docs/CODEBOOK.md holds it.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::Result;

pub fn run() -> Result<()> {
    let files: BTreeMap<String, Vec<u8>> = crate::seed::BUILT_IN
        .files()
        .filter_map(|file| {
            let name = file.path().file_name()?.to_str()?.to_string();
            Some((name, file.contents().to_vec()))
        })
        .collect();
    std::io::stdout()
        .lock()
        .write_all(crate::codebook::markdown(&files).as_bytes())
        .map_err(crate::output::stdout_error)?;
    Ok(())
}
