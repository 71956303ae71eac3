//! Importing other datasets (UCDP GED, GDELT) into our tables.

pub mod actor_links;
pub mod gdelt;
pub mod mapped;
pub mod ucdp;
