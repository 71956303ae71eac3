//! The README's examples run as written. In its code blocks, each line `$ conflictdb ARGS` is run
//! in one directory, in the order the README gives them, and what it prints (stdout, then stderr)
//! must match the lines under it, up to the next `$` line or the end of the block:
//!
//! - a line `...` stands for any number of lines, and `...` inside a line for any text;
//! - a command must exit 0, unless its line ends in `# exits N`;
//! - an HTML comment `<!-- output of: conflictdb ARGS -->` just before a block makes the whole
//!   block the output of ARGS;
//! - `<!-- given: DIR from tests/bad_input/CASE -->` before a block first lays out the seed
//!   directory DIR: the shipped vocabularies, the minimal fixture, and the case's files;
//! - `<!-- file: PATH -->` before a block writes the block to PATH (a report the examples use);
//! - `<!-- copy: PATH from FILE -->` copies FILE of the repository to PATH (a dataset to import).
//!
//! The built-in data is seeded before the first example, as the README's first command does.
//! Tables are as wide as they are for a reader whose output is not a terminal (120 columns).
//!
//! The README's tables of seed-file columns are checked too: they must be exactly what
//! `conflictdb::schema::seed_columns::markdown` generates from `src/schema.rs` and the shipped
//! `seed/` files; `UPDATE_GOLDEN=1 cargo test --test tests readme::` writes them.

use std::path::Path;

use crate::common::{read_files, Env, REPO};
use crate::golden;

/// One command of the README with the output it shows.
struct Example {
    line: usize,
    /// Where its expected output starts in README.md, counting lines from 0.
    first: usize,
    args: Vec<String>,
    exit: i32,
    expected: Vec<String>,
}

/// Something to do before an example.
enum Step {
    Given { dir: String, overlay: String },
    File { path: String, contents: String },
    Copy { path: String, from: String },
    Run(Example),
}

fn steps(readme: &str) -> Vec<Step> {
    let lines: Vec<&str> = readme.lines().collect();
    let mut steps = Vec::new();
    let mut output_of: Option<(usize, Vec<String>)> = None;
    let mut file_of: Option<String> = None;
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        if let Some(comment) = line
            .trim()
            .strip_prefix("<!--")
            .and_then(|c| c.strip_suffix("-->"))
        {
            let comment = comment.trim();
            if let Some(command) = comment.strip_prefix("output of: conflictdb ") {
                output_of = Some((i + 1, split(command)));
            } else if let Some(path) = comment.strip_prefix("file: ") {
                file_of = Some(path.trim().to_string());
            } else if let Some(copy) = comment.strip_prefix("copy: ") {
                let (path, from) = copy.split_once(" from ").expect("copy: PATH from FILE");
                steps.push(Step::Copy {
                    path: path.trim().to_string(),
                    from: from.trim().to_string(),
                });
            } else if let Some(given) = comment.strip_prefix("given: ") {
                let (dir, overlay) = given.split_once(" from ").expect("given: DIR from PATH");
                steps.push(Step::Given {
                    dir: dir.trim().to_string(),
                    overlay: overlay.trim().to_string(),
                });
            }
            i += 1;
            continue;
        }
        if !line.starts_with("```") {
            i += 1;
            continue;
        }
        let start = i + 1;
        let mut end = start;
        while end < lines.len() && !lines[end].starts_with("```") {
            end += 1;
        }
        let block = &lines[start..end.min(lines.len())];
        if let Some(path) = file_of.take() {
            let mut contents = block.join("\n");
            contents.push('\n');
            steps.push(Step::File { path, contents });
        } else if let Some((line, args)) = output_of.take() {
            steps.push(Step::Run(Example {
                line,
                first: start,
                args,
                exit: 0,
                expected: block.iter().map(|l| l.to_string()).collect(),
            }));
        } else {
            let mut current: Option<Example> = None;
            for (offset, text) in block.iter().enumerate() {
                if let Some(command) = text.strip_prefix("$ conflictdb ") {
                    steps.extend(current.take().map(Step::Run));
                    let (command, exit) = match command.split_once("# exits ") {
                        Some((command, code)) => (command, code.trim().parse().unwrap()),
                        None => (command, 0),
                    };
                    current = Some(Example {
                        line: start + offset + 1,
                        first: start + offset + 1,
                        args: split(command),
                        exit,
                        expected: Vec::new(),
                    });
                } else if let Some(example) = &mut current {
                    example.expected.push(text.to_string());
                }
            }
            steps.extend(current.map(Step::Run));
        }
        // A blank line parts two commands of a block; it is not output.
        for step in steps.iter_mut() {
            if let Step::Run(example) = step {
                while example.expected.last().is_some_and(|l| l.trim().is_empty()) {
                    example.expected.pop();
                }
            }
        }
        i = end + 1;
    }
    steps
}

/// Splits a command line as a shell would for these examples: words, double- or single-quoted
/// strings, and a `#` comment at the end.
pub(crate) fn split(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut quote: Option<char> = None;
    for c in command.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.get_or_insert_with(String::new).push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                word.get_or_insert_with(String::new);
            }
            (None, '#') if word.is_none() => break,
            (None, c) if c.is_whitespace() => words.extend(word.take()),
            (None, c) => word.get_or_insert_with(String::new).push(c),
        }
    }
    words.extend(word);
    words
}

/// Whether `actual` matches `expected`, where `...` inside a line stands for any text.
fn line_matches(expected: &str, actual: &str) -> bool {
    let parts: Vec<&str> = expected.split("...").collect();
    if parts.len() == 1 {
        return expected == actual;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !actual.starts_with(first) || actual.len() < first.len() + last.len() {
        return false;
    }
    let mut rest = &actual[first.len()..];
    if !rest.ends_with(last) {
        return false;
    }
    rest = &rest[..rest.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

/// Whether `actual` matches `expected`, where a line `...` stands for any number of lines.
fn lines_match(expected: &[String], actual: &[&str]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((first, rest)) if first.trim() == "..." => {
            (0..=actual.len()).any(|skip| lines_match(rest, &actual[skip..]))
        }
        Some((first, rest)) => actual
            .split_first()
            .is_some_and(|(line, more)| line_matches(first, line) && lines_match(rest, more)),
    }
}

#[test]
fn every_example_in_the_readme_prints_what_the_readme_shows() {
    let readme = std::fs::read_to_string(Path::new(REPO).join("README.md")).unwrap();
    let steps = steps(&readme);
    let runs = steps.iter().filter(|s| matches!(s, Step::Run(_))).count();
    assert!(runs >= 10, "only {runs} examples found in README.md");

    let env = Env::new();
    env.ok(&["seed"]);
    let mut failures = Vec::new();
    // With UPDATE_GOLDEN set, an example that shows its whole output (no `...`) is rewritten
    // with what it printed: (first line, lines shown, lines printed).
    let mut rewrites: Vec<(usize, usize, Vec<String>)> = Vec::new();
    for step in steps {
        let example = match step {
            Step::Given { dir, overlay } => {
                let made = env.seed_dir(&dir, Some(&Path::new(REPO).join(overlay)));
                assert!(made.is_dir());
                continue;
            }
            Step::File { path, contents } => {
                let path = env.path(&path);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, contents).unwrap();
                continue;
            }
            Step::Copy { path, from } => {
                let path = env.path(&path);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::copy(Path::new(REPO).join(from), path).unwrap();
                continue;
            }
            Step::Run(example) => example,
        };
        let out = env
            .cmd()
            .env_remove("COLUMNS")
            .args(&example.args)
            .output()
            .unwrap();
        let printed = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let actual: Vec<&str> = printed.lines().map(str::trim_end).collect();
        let expected: Vec<String> = example
            .expected
            .iter()
            .map(|l| l.trim_end().to_string())
            .collect();
        let code = out.status.code().unwrap_or(-1);
        if code != example.exit || !lines_match(&expected, &actual) {
            if golden::updating()
                && code == example.exit
                && !expected.iter().any(|l| l.contains("..."))
            {
                let printed = actual.iter().map(|l| l.to_string()).collect();
                rewrites.push((example.first, expected.len(), printed));
                continue;
            }
            failures.push(format!(
                "README.md line {}: conflictdb {}\nexit {code} (expected {})\n--- printed:\n{printed}--- README shows:\n{}\n",
                example.line,
                example.args.join(" "),
                example.exit,
                expected.join("\n")
            ));
        }
    }
    if !rewrites.is_empty() {
        let mut lines: Vec<String> = readme.lines().map(String::from).collect();
        for (first, shown, printed) in rewrites.into_iter().rev() {
            eprintln!("README.md line {}: output rewritten", first + 1);
            lines.splice(first..first + shown, printed);
        }
        let path = Path::new(REPO).join("README.md");
        std::fs::write(path, lines.join("\n") + "\n").unwrap();
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_matcher_tells_lines_apart() {
    let lines = |s: &[&str]| s.iter().map(|l| l.to_string()).collect::<Vec<_>>();
    assert!(lines_match(
        &lines(&["a", "...", "z"]),
        &["a", "b", "c", "z"]
    ));
    assert!(lines_match(&lines(&["a", "...", "z"]), &["a", "z"]));
    assert!(!lines_match(&lines(&["a", "...", "z"]), &["a", "b"]));
    assert!(!lines_match(&lines(&["a"]), &["a", "b"]));
    assert!(line_matches("in ...s; done", "in 1.2s; done"));
    assert!(!line_matches("in ...s; done", "in 1.2m; done"));
    assert!(line_matches(
        "{\"a\":1,...,\"c\":3,...}",
        "{\"a\":1,\"b\":2,\"c\":3,\"d\":4}"
    ));
    assert!(!line_matches("ab...ba", "aba"));
    assert_eq!(
        split("query \"SELECT 'x' # y\" --format csv   # a comment"),
        ["query", "SELECT 'x' # y", "--format", "csv"]
    );
}

const COLUMNS_START: &str = "<!-- seed-columns:start -->\n";
const COLUMNS_END: &str = "<!-- seed-columns:end -->";

/// The README's tables of seed-file columns are the ones `src/schema.rs` generates, with examples
/// from the shipped `seed/` files. `UPDATE_GOLDEN=1 cargo test --test tests readme::` writes them
/// between the two marker comments.
#[test]
fn the_seed_file_columns_in_the_readme_are_generated_from_the_schema() {
    let path = Path::new(REPO).join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let generated =
        conflictdb::schema::seed_columns::markdown(&read_files(&Path::new(REPO).join("seed")));
    let start = readme
        .find(COLUMNS_START)
        .map(|at| at + COLUMNS_START.len());
    let end = readme.find(COLUMNS_END);
    let (Some(start), Some(end)) = (start, end) else {
        panic!("README.md has no {COLUMNS_START:?} and {COLUMNS_END:?} lines around the seed files' columns");
    };
    let section = &readme[start..end];
    if section == generated {
        return;
    }
    if golden::updating() {
        let updated = format!("{}{generated}{}", &readme[..start], &readme[end..]);
        // Renamed into place: the other README test may be reading the file meanwhile.
        let partial = path.with_file_name(".README.md.partial");
        std::fs::write(&partial, updated).unwrap();
        std::fs::rename(&partial, &path).unwrap();
        golden::announce("updated the seed files' columns in README.md");
        return;
    }
    let differs = section
        .lines()
        .zip(generated.lines())
        .position(|(a, b)| a != b)
        .unwrap_or(section.lines().count().min(generated.lines().count()));
    panic!(
        "README.md's seed file columns differ from src/schema.rs's, first at line {} of the section:\n  README:    {}\n  generated: {}\nRun `{}=1 cargo test --test tests readme::` to write them.",
        differs + 1,
        section.lines().nth(differs).unwrap_or("(end)"),
        generated.lines().nth(differs).unwrap_or("(end)"),
        golden::UPDATE
    );
}
