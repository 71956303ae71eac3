//! GDELT events (1.0 daily, 2.0 15-minute) files. A stub for now: the import framework knows the format's name, and its layouts
//! and mapping are still to come (branch h-import-b owns this file).

use super::format::{Dialect, Format, Layout, Options};
use super::record::{Record, RowError};
use super::sink::Sink;

pub struct Gdelt;

impl Format for Gdelt {
    fn name(&self) -> &'static str {
        "gdelt"
    }

    fn layouts(&self) -> &'static [Layout] {
        &[]
    }

    fn dialect(&self) -> Dialect {
        Dialect::TabsUnquoted
    }

    fn map(&self, _record: &Record, _options: &Options, _sink: &mut Sink) -> Result<(), RowError> {
        Err(RowError::row("gdelt files cannot be imported yet"))
    }
}
