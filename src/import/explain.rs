//! The loader's refusals of an import's rows, said in terms of the imported files: their file,
//! line and column, rather than the loader's table.

use std::path::PathBuf;

use super::detect::Detected;
use super::sink::decode_line;
use super::source::TABLE_MARK;
use crate::seed::SeedError;

/// The loader's refusal, naming the imported file, its line and (where the format says which
/// column a value comes from) its column, instead of the loader's table; and the file and line
/// it names, if any.
pub(super) fn explain(
    error: &SeedError,
    files: &[(PathBuf, Detected)],
    namespace: &str,
) -> (Option<(usize, u64)>, String) {
    let table_of = |name: &str| name.strip_prefix(TABLE_MARK).unwrap_or(name).to_string();
    let path_of = |file: usize| {
        files
            .get(file)
            .map_or_else(|| "?".to_string(), |(p, _)| p.display().to_string())
    };
    match error {
        SeedError::Value {
            file,
            line,
            name,
            value,
            message,
            ..
        } => {
            let table = table_of(file);
            let (at, line) = decode_line(*line);
            let (path, detected) = (path_of(at), files.get(at).map(|f| f.1));
            let column = detected.and_then(|d| {
                let source = d.format.source_column(&table, name)?;
                let position = d.layout.columns.iter().position(|c| *c == source)?;
                Some((source, position + 1))
            });
            let message = decode_lines(message, files);
            // The file's own value, without the dataset's namespace its key was given.
            let value = match detected {
                Some(_) => {
                    let prefix = format!("{namespace}:");
                    let bytes = value.0.strip_prefix(prefix.as_bytes()).unwrap_or(&value.0);
                    crate::seed::QuotedValue(bytes.to_vec())
                }
                None => crate::seed::QuotedValue(value.0.clone()),
            };
            let text = match column {
                Some((source, position)) => {
                    format!("{path}:{line}:{position}: {source} {value}: {message}")
                }
                None => format!("{path}:{line}: {table}.{name} {value}: {message}"),
            };
            (Some((at, line)), text)
        }
        SeedError::Row {
            file,
            line,
            message,
        } => {
            let (at, line) = decode_line(*line);
            let message = decode_lines(message, files);
            (
                Some((at, line)),
                format!("{}:{line}: {message} ({})", path_of(at), table_of(file)),
            )
        }
        SeedError::File { file, message } => {
            let paths: Vec<String> = files.iter().map(|(p, _)| p.display().to_string()).collect();
            let message = decode_lines(message, files);
            // A loader's table, or the dataset the files are loaded as.
            let text = match file.starts_with(TABLE_MARK) {
                true => format!("{}: {message} ({})", paths.join(", "), table_of(file)),
                false => format!("{}: {message}", paths.join(", ")),
            };
            (None, text)
        }
        other => (None, other.to_string()),
    }
}

/// A loader's message with every `line N` it names as the imported file's line.
fn decode_lines(message: &str, files: &[(PathBuf, Detected)]) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(at) = rest.find("line ") {
        let (before, after) = rest.split_at(at + "line ".len());
        out.push_str(before);
        let digits = after.bytes().take_while(u8::is_ascii_digit).count();
        match after[..digits].parse::<u64>() {
            Ok(encoded) => {
                let (file, line) = decode_line(encoded);
                out.push_str(&line.to_string());
                if file > 0 {
                    if let Some((path, _)) = files.get(file) {
                        out.push_str(&format!(" of {}", path.display()));
                    }
                }
            }
            Err(_) => out.push_str(&after[..digits]),
        }
        rest = &after[digits..];
    }
    out.push_str(rest);
    out
}
