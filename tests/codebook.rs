//! The codebook and the citations (issue 16, points 6 and 8): docs/CODEBOOK.md is what
//! src/codebook.rs generates from the schema and the shipped vocabularies (`UPDATE_GOLDEN=1 cargo
//! test --test tests codebook::` writes it, as for the golden files), `conflictdb codebook`
//! prints it, CITATION.cff is valid CFF, and `conflictdb cite` cites the software and every
//! dataset.

use std::path::Path;
use std::process::Command;

use crate::common::{read_files, Env, REPO};
use crate::golden;

#[test]
fn the_codebook_is_generated_from_the_schema_and_the_vocabularies() {
    let path = Path::new(REPO).join("docs/CODEBOOK.md");
    let generated = conflictdb::codebook::markdown(&read_files(&Path::new(REPO).join("seed")));
    let written = std::fs::read_to_string(&path).unwrap_or_default();
    if written != generated {
        if golden::updating() {
            std::fs::write(&path, &generated).unwrap();
            golden::announce("updated docs/CODEBOOK.md");
        } else {
            let line = written
                .lines()
                .zip(generated.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(written.lines().count().min(generated.lines().count()));
            panic!(
                "docs/CODEBOOK.md differs from what src/codebook.rs generates, first at line {}:\n  file:      {}\n  generated: {}\nRun `{}=1 cargo test --test tests codebook::` to write it.",
                line + 1,
                written.lines().nth(line).unwrap_or("(end)"),
                generated.lines().nth(line).unwrap_or("(end)"),
                golden::UPDATE
            );
        }
    }
    // It covers every table, column, vocabulary and code.
    for table in conflictdb::schema::TABLES {
        assert!(
            generated.contains(&format!("`{}`\n", table.name)),
            "{}",
            table.name
        );
        for column in table.columns {
            let shown = match table.is_vocabulary {
                // A vocabulary's code, label and description head its table of codes; its
                // other columns are listed above it.
                true if ["code", "label", "description"].contains(&column.name) => {
                    "| code | label | description |".to_string()
                }
                true => format!("- `{}`: ", column.name),
                false => format!("| `{}` |", column.name),
            };
            assert!(generated.contains(&shown), "{}.{}", table.name, column.name);
        }
    }
    for (name, bytes) in read_files(&Path::new(REPO).join("seed")) {
        let table = conflictdb::schema::table(name.trim_end_matches(".csv")).unwrap();
        if !table.is_vocabulary {
            continue;
        }
        for row in crate::common::csv_rows(&String::from_utf8(bytes).unwrap())
            .iter()
            .skip(1)
        {
            assert!(
                generated.contains(&format!("| `{}` | ", row[0])),
                "{name}: {}",
                row[0]
            );
        }
    }
    // The README links it.
    let readme = std::fs::read_to_string(Path::new(REPO).join("README.md")).unwrap();
    assert!(
        readme.contains("(docs/CODEBOOK.md)"),
        "README.md does not link docs/CODEBOOK.md"
    );
}

#[test]
fn the_codebook_command_prints_the_codebook() {
    let env = Env::new();
    let printed = env.ok(&["codebook"]);
    let written = std::fs::read_to_string(Path::new(REPO).join("docs/CODEBOOK.md")).unwrap();
    assert_eq!(printed, written);
    assert!(printed.contains("| `clash` | Armed clash | "), "{printed}");
}

#[test]
fn citation_cff_is_valid_cff_for_this_version() {
    let script = r#"
import sys
try:
    import yaml
except ImportError:
    sys.exit("python3 has no yaml module: install python3-yaml (apt) or PyYAML (pip)")
cff = yaml.safe_load(open(sys.argv[1], encoding="utf-8"))
for key in ("cff-version", "message", "title", "authors"):
    assert key in cff, "CITATION.cff has no " + key
assert cff["cff-version"] == "1.2.0", cff["cff-version"]
assert all("name" in a or "family-names" in a for a in cff["authors"]), cff["authors"]
print(cff["version"], cff["title"])
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(Path::new(REPO).join("CITATION.cff"))
        .output()
        .expect("python3 runs the CITATION.cff check: install python3 and python3-yaml");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!(
            "{} {}\n",
            env!("CARGO_PKG_VERSION"),
            conflictdb::cite::SOFTWARE_TITLE
        )
    );
}

#[test]
fn cite_prints_the_software_and_each_dataset_as_text_and_bibtex() {
    let env = Env::new();
    env.ok(&["seed"]);
    let dir = env.path("my-data");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, bytes) in read_files(&Path::new(REPO).join("tests/fixtures/my-data")) {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
    env.ok(&["seed", "my-data"]);

    let text = env.ok(&["cite"]);
    assert!(text.starts_with(&format!(
        "The software:\n  The conflictdb maintainers. {}. Version {}. MIT licence. (See CITATION.cff.)\n\nDataset \"built-in\" (seed format):\n  Cite: ",
        conflictdb::cite::SOFTWARE_TITLE,
        env!("CARGO_PKG_VERSION")
    )), "{text}");
    // The built-in data lists its five documents; the user's, its own.
    let built_in = &text[..text.find("Dataset \"my-data\"").expect(&text)];
    assert_eq!(built_in.matches("\n    - ").count(), 5, "{built_in}");
    assert!(
        text.contains("Dataset \"my-data\" (seed format):\n"),
        "{text}"
    );

    let one = env.ok(&["cite", "my-data"]);
    assert!(!one.contains("Dataset \"built-in\""), "{one}");
    assert!(one.contains("Dataset \"my-data\""), "{one}");

    let bibtex = env.ok(&["cite", "--format", "bibtex"]);
    assert!(
        bibtex.starts_with("@software{conflictdb,\n  author = {{The conflictdb maintainers}},\n"),
        "{bibtex}"
    );
    assert_eq!(bibtex.matches("\n@misc{dataset-").count(), 2, "{bibtex}");
    assert!(bibtex.contains("@misc{dataset-built-in,\n"), "{bibtex}");
    assert!(bibtex.contains("@misc{dataset-my-data,\n"), "{bibtex}");
    // Every brace is balanced.
    let depth = bibtex.chars().try_fold(0i32, |depth, c| {
        let depth = depth
            + match c {
                '{' => 1,
                '}' => -1,
                _ => 0,
            };
        (depth >= 0).then_some(depth)
    });
    assert_eq!(depth, Some(0), "{bibtex}");

    assert_eq!(
        env.fails(&["cite", "my-dta"]),
        "conflictdb: no dataset named \"my-dta\" (did you mean \"my-data\"?); the database holds \"built-in\", \"my-data\"\n"
    );
}
