//! The file opens in other tools: the stock sqlite3 CLI and Python's sqlite3 module, both built on
//! an SQLite older than the one bundled here.

use std::process::Command;

use crate::common::Env;

const CHECKS: &str = "PRAGMA integrity_check; PRAGMA foreign_key_check; \
    SELECT count(*) > 0 FROM v_events; SELECT count(*) > 0 FROM v_statements; SELECT count(*) > 0 FROM v_casualties; \
    SELECT count(*) FROM sqlite_master WHERE sql LIKE '%STRICT%';";

#[test]
fn the_sqlite3_cli_opens_the_file_and_reads_the_views() {
    let env = Env::new();
    env.ok(&["seed"]);
    assert_eq!(env.sqlite3(CHECKS), "ok\n1\n1\n1\n0\n");
}

#[test]
fn pythons_sqlite3_opens_the_file_and_reads_the_views() {
    let env = Env::new();
    env.ok(&["seed"]);
    let script = format!(
        "import sqlite3, sys\n\
         db = sqlite3.connect(sys.argv[1])\n\
         for statement in {CHECKS:?}.split(';'):\n\
         \x20   if statement.strip():\n\
         \x20       for row in db.execute(statement): print(row[0])\n"
    );
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(env.db())
        .output()
        .expect("python3 is not installed");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stdout), "ok\n1\n1\n1\n0\n");
}
