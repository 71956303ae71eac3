//! UCDP GED (Georeferenced Event Dataset) files. A stub for now: the import framework knows the format's name, and its layouts
//! and mapping are still to come (branch h-import-b owns this file).

use super::format::{Format, Layout, Options};
use super::record::{Record, RowError};
use super::sink::Sink;

pub struct UcdpGed;

impl Format for UcdpGed {
    fn name(&self) -> &'static str {
        "ucdp-ged"
    }

    fn layouts(&self) -> &'static [Layout] {
        &[]
    }

    fn map(&self, _record: &Record, _options: &Options, _sink: &mut Sink) -> Result<(), RowError> {
        Err(RowError::row("ucdp-ged files cannot be imported yet"))
    }
}
