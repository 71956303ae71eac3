//! Which format and layout a file is in: recognised from its header (without case, surrounding
//! blanks or a byte-order mark), from its first record for a format whose files have no header
//! (GDELT), or named with `--format`.

use std::io::Read;
use std::path::Path;

use anyhow::{bail, Context, Result};

use super::format::{normalise, Format, Layout};
use super::{acled, gdelt, ucdp};

/// Every format `import` reads.
pub static FORMATS: &[&dyn Format] = &[&acled::Acled, &ucdp::UcdpGed, &gdelt::Gdelt];

/// The format named `name` (`acled`, `ucdp-ged`, `gdelt`).
pub fn by_name(name: &str) -> Option<&'static dyn Format> {
    FORMATS.iter().copied().find(|f| f.name() == name)
}

/// A file's format and layout.
#[derive(Clone, Copy)]
pub struct Detected {
    pub format: &'static dyn Format,
    pub layout: &'static Layout,
}

/// Recognises `path`'s format and layout from its first line, among `named` only if given.
pub fn detect(path: &Path, named: Option<&'static dyn Format>) -> Result<Detected> {
    let first = first_line(path)?;
    let candidates: Vec<&'static dyn Format> = match named {
        Some(format) => vec![format],
        None => FORMATS.to_vec(),
    };
    let header = split_csv(&first);
    for format in &candidates {
        if let Some(layout) = format.layout_of_header(&header) {
            return Ok(Detected {
                format: *format,
                layout,
            });
        }
    }
    let tabbed: Vec<String> = first.split('\t').map(str::to_string).collect();
    for format in &candidates {
        if let Some(layout) = format.recognise_headerless(&tabbed) {
            return Ok(Detected {
                format: *format,
                layout,
            });
        }
    }
    let start: String = first.chars().take(60).collect();
    // A format without a header knows a file by its first record: one that does not start as its
    // records do (its event id empty, say) is still known by its width.
    let headerless = |format: &&'static dyn Format| format.layouts().iter().all(|l| !l.has_header);
    let by_width = |format: &'static dyn Format| format.layout_of_width(tabbed.len());
    if let Some(format) = named.filter(headerless) {
        // Named: the layout of its width, and the record refused, or skipped, as any other.
        if let Some(layout) = by_width(format) {
            return Ok(Detected { format, layout });
        }
        bail!(
            "{}:1: has {} tab-separated fields, which none of the {} layouts has ({})",
            path.display(),
            tabbed.len(),
            format.name(),
            layout_names(format)
        )
    }
    if let Some(format) = candidates
        .iter()
        .find(|f| headerless(f) && by_width(**f).is_some())
    {
        bail!(
            "{}:1: has the {} tab-separated fields of a {name} file, but does not start as its records do (it starts {start:?}): if it is one, name it with --format {name}",
            path.display(),
            tabbed.len(),
            name = format.name(),
        )
    }
    match named {
        Some(format) => {
            let hint = closest_layout(format, &header);
            bail!(
                "{}:1: the header is none of the {} layouts ({}){hint}",
                path.display(),
                format.name(),
                layout_names(format)
            )
        }
        None => bail!(
            "{}:1: is in no format import knows (its first line starts {start:?}): name it with --format {}",
            path.display(),
            FORMATS
                .iter()
                .map(|f| f.name())
                .collect::<Vec<_>>()
                .join("|")
        ),
    }
}

/// The names of the format's layouts, for a message.
fn layout_names(format: &dyn Format) -> String {
    format
        .layouts()
        .iter()
        .map(|l| l.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// What differs between `header` and the format's layout it is nearest to.
fn closest_layout(format: &dyn Format, header: &[String]) -> String {
    let given: Vec<String> = header.iter().map(|h| normalise(h)).collect();
    let Some(layout) = format
        .layouts()
        .iter()
        .filter(|l| l.has_header)
        .max_by_key(|l| {
            l.columns
                .iter()
                .filter(|c| given.iter().any(|g| g == *c))
                .count()
        })
    else {
        return String::new();
    };
    let missing: Vec<&str> = layout
        .columns
        .iter()
        .filter(|c| !given.iter().any(|g| g == *c))
        .copied()
        .collect();
    let extra: Vec<String> = given
        .iter()
        .filter(|g| !layout.columns.contains(&g.as_str()))
        .map(|g| crate::long_value::shown(g))
        .collect();
    let mut parts = Vec::new();
    if !missing.is_empty() {
        parts.push(format!("lacks {}", missing.join(", ")));
    }
    if !extra.is_empty() {
        parts.push(format!("has {} besides", extra.join(", ")));
    }
    if parts.is_empty() {
        parts.push("has its columns in another order".into());
    }
    format!(
        "; nearest is {} ({} columns), from which it {}",
        layout.name,
        layout.columns.len(),
        parts.join(" and ")
    )
}

/// The file's first line, without its line end or byte-order mark.
fn first_line(path: &Path) -> Result<String> {
    let mut file =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut start = vec![0; 64 * 1024];
    let mut read = 0;
    while read < start.len() {
        match file.read(&mut start[read..]) {
            Ok(0) => break,
            Ok(n) => read += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }
    start.truncate(read);
    if start.is_empty() {
        bail!("{}: is empty", path.display());
    }
    let end = memchr::memchr(b'\n', &start).unwrap_or(start.len());
    let line = String::from_utf8_lossy(&start[..end]);
    Ok(line
        .trim_start_matches('\u{feff}')
        .trim_end_matches('\r')
        .to_string())
}

/// A header line's fields, quotes allowed.
fn split_csv(line: &str) -> Vec<String> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(line.as_bytes());
    let mut record = csv::StringRecord::new();
    match reader.read_record(&mut record) {
        Ok(true) => record.iter().map(str::to_string).collect(),
        _ => Vec::new(),
    }
}
