//! UCDP GED's estimates for a row as casualty claims: all sides (low, best, high), and its parts
//! per side, civilians and unknown, all claimed by UCDP.

use super::{CODER, DATASET_SOURCE};
use crate::import::record::{Record, RowError};
use crate::import::sink::Sink;

/// UCDP's estimates for the row: all sides (low, best, high), and its parts.
pub(super) fn figures(
    record: &Record,
    sink: &mut Sink,
    event: &str,
    side_a: &str,
    side_b: &str,
) -> Result<(), RowError> {
    let count = |column: &str| -> Result<&str, RowError> {
        let value = record.get(column);
        if !value.is_empty() && value.parse::<u64>().is_err() {
            return Err(record.refuse(
                column,
                "is not a count of deaths (a whole number, 0 or more)",
            ));
        }
        Ok(value)
    };
    let original = record.get("source_original");
    let from = match original {
        "" => String::new(),
        original => format!(
            " UCDP names the original source of the information (source_original): {original}."
        ),
    };
    let total = format!("{event}:deaths");
    let (low, best, high) = (count("low")?, count("best")?, count("high")?);
    sink.row("casualties")
        .set("key", total.as_str())
        .set("event", event)
        .set("scope", "all_sides")
        .set("category", "unknown")
        .set("outcome", "killed")
        .set("status", "estimate")
        .set("count_low", low)
        .set("count_best", best)
        .set("count_high", high)
        .set_key("claimed_by", CODER)
        .set_key("source", DATASET_SOURCE)
        .set(
            "notes",
            format!("UCDP GED's low, best and high estimates of all deaths in the event (low, best, high).{from}"),
        )
        .add();
    let one_sided = record.get("type_of_violence") == "3";
    let parts = [
        (
            "deaths_a",
            "one_side",
            side_a,
            "military",
            "side A's deaths (deaths_a)",
        ),
        (
            "deaths_b",
            "one_side",
            side_b,
            // One-sided violence's side B is Civilians.
            if one_sided { "civilian" } else { "military" },
            "side B's deaths (deaths_b)",
        ),
        (
            "deaths_civilians",
            "all_sides",
            "",
            "civilian",
            "civilian deaths (deaths_civilians)",
        ),
        (
            "deaths_unknown",
            "all_sides",
            "",
            "unknown",
            "deaths of unknown status (deaths_unknown)",
        ),
    ];
    for (column, scope, side, category, what) in parts {
        let figure = count(column)?;
        if figure.is_empty() {
            continue;
        }
        sink.row("casualties")
            .set("key", format!("{event}:{column}"))
            .set("event", event)
            .set("scope", scope)
            .set("side", side)
            .set("category", category)
            .set("outcome", "killed")
            .set("status", "estimate")
            .set("count_best", figure)
            .set("part_of", total.as_str())
            .set_key("claimed_by", CODER)
            .set_key("source", DATASET_SOURCE)
            .set(
                "notes",
                format!("UCDP GED's best estimate of {what}, part of its all-sides best estimate.{from}"),
            )
            .add();
    }
    Ok(())
}
