//! The loader's seam for other sources of rows (`seed::Source`): rows that never were a CSV file,
//! made here in memory as an importer of another data set would make them, load into the same
//! database as the same rows written as CSV files, and are refused with the same messages, which
//! name the source's own file and line.

use std::collections::BTreeMap;
use std::path::Path;

use conflictdb::db;
use conflictdb::schema::Table;
use conflictdb::seed::{self, Input, Mode, Rows, SeedError, Source};

use conflictdb::dump::{dump, Dump};

/// Rows by table, each table's header first.
type Data = BTreeMap<&'static str, Vec<Vec<String>>>;

/// A source of rows held in memory, which numbers its records 10, 20, 30, ... (the header is
/// 10), as an importer might number the lines of the file it reads.
struct Memory(Data);

/// The line the memory source gives the record on line `csv_line` of the same rows as a file.
fn memory_line(csv_line: u64) -> u64 {
    csv_line * 10
}

impl Source for Memory {
    fn name(&self, table: &Table) -> String {
        format!("memory:{}", table.name)
    }

    fn rows(&self, table: &Table) -> Result<Box<dyn Rows + '_>, SeedError> {
        Ok(Box::new(MemoryRows {
            rows: &self.0[table.name],
            next: 0,
        }))
    }
}

struct MemoryRows<'a> {
    rows: &'a [Vec<String>],
    next: usize,
}

impl Rows for MemoryRows<'_> {
    fn next(&mut self, record: &mut csv::ByteRecord) -> Result<bool, SeedError> {
        let Some(row) = self.rows.get(self.next) else {
            return Ok(false);
        };
        self.next += 1;
        record.clear();
        for field in row {
            record.push_field(field.as_bytes());
        }
        let mut position = csv::Position::new();
        position.set_line(memory_line(self.next as u64));
        record.set_position(Some(position));
        Ok(true)
    }
}

fn rows(header: &str, rows: impl IntoIterator<Item = String>) -> Vec<Vec<String>> {
    std::iter::once(header.to_string())
        .chain(rows)
        .map(|row| row.split(',').map(str::to_string).collect())
        .collect()
}

/// A small data set touching every table: references backward and forward within a file,
/// dates at every precision, text that is not ASCII.
fn data() -> Data {
    let mut data = Data::new();
    for (table, codes) in [
        ("date_precisions", &["day", "month", "year"][..]),
        ("stances", &["neutral"]),
        ("date_bases", &["stated"]),
        ("statement_kinds", &["announce"]),
        ("event_kinds", &["war", "battle"]),
        ("roles", &["side"]),
        ("actor_kinds", &["state", "army"]),
        ("casualty_categories", &["military"]),
        ("casualty_outcomes", &["killed"]),
        ("casualty_scopes", &["one_side"]),
        ("figure_statuses", &["reported"]),
        ("allegation_kinds", &["initiator"]),
        ("event_link_kinds", &["in_response_to"]),
        ("source_kinds", &["news"]),
        ("place_kinds", &["country"]),
        ("geo_precisions", &["country"]),
    ] {
        let codes = codes.iter().map(|c| format!("{c},{c} label,The {c} code."));
        data.insert(table, rows("code,label,description", codes));
    }
    data.insert(
        "sources",
        rows(
            "key,title,kind,cited_in,published_on",
            [
                "s1,First report,news,s2,2020-09".into(),
                "s2,Second report,news,,2020".into(),
            ],
        ),
    );
    let armies = (1..=20).map(|i| format!("army-{i},Army {i},army,armenia,ARM"));
    data.insert(
        "actors",
        rows(
            "key,name,kind,parent,country",
            [
                "armenia,Armenia,state,,ARM".to_string(),
                "azerbaijan,Azerbaijan,state,,AZE".into(),
            ]
            .into_iter()
            .chain(armies),
        ),
    );
    data.insert(
        "actor_aliases",
        rows(
            "actor,alias",
            ["azerbaijan,Azərbaycan".into(), "armenia,Hayastan".into()],
        ),
    );
    data.insert(
        "places",
        rows(
            "key,name,kind,country,latitude,longitude,geo_precision",
            ["armenia,Armenia,country,ARM,40.0691,45.0382,country".into()],
        ),
    );
    data.insert(
        "place_aliases",
        rows("place,alias", ["armenia,Hayastan".into()]),
    );
    // The battles refer to the war, further down the file.
    let battles = (1..=30)
        .map(|i| format!("battle-{i},Battle {i},battle,2020-10-{i:02},,armenia,war,A battle."));
    data.insert(
        "events",
        rows(
            "key,title,kind,start_date,end_date,place,parent,summary",
            battles.chain(["war,The war,war,2020-09,2020-11,armenia,,A war.".into()]),
        ),
    );
    data.insert(
        "event_places",
        rows(
            "event,place",
            (1..=30).map(|i| format!("battle-{i},armenia")),
        ),
    );
    data.insert(
        "event_actors",
        rows(
            "event,actor,role",
            (1..=30).map(|i| format!("battle-{i},army-{},side", i % 20 + 1)),
        ),
    );
    data.insert(
        "event_sources",
        rows(
            "event,source,quote",
            ["war,s1,It began.".into(), "war,s2,".into()],
        ),
    );
    data.insert(
        "statements",
        rows(
            "key,speaker,said_on,said_until,event,kind,stance,summary,source",
            (1..=10).map(|i| {
                format!("st-{i},armenia,2020-10,2020-11,war,announce,neutral,Said {i}.,s1")
            }),
        ),
    );
    data.insert(
        "casualties",
        rows(
            "key,event,scope,side,category,outcome,count_low,count_best,source",
            (1..=5).map(|i| {
                format!(
                    "cas-{i},battle-{i},one_side,army-{i},military,killed,{i},{},s2",
                    i * 2
                )
            }),
        ),
    );
    data.insert(
        "allegations",
        rows(
            "key,event,actor,kind,alleged_by,source",
            ["al-1,war,army-1,initiator,azerbaijan,s1".into()],
        ),
    );
    data.insert(
        "event_links",
        rows(
            "key,event,kind,related,source",
            ["link-1,battle-2,in_response_to,battle-1,s2".into()],
        ),
    );
    data.insert(
        "event_attributes",
        rows("event,name,value", ["battle-1,tags,synthetic".into()]),
    );
    data.insert(
        "statement_attributes",
        rows("statement,name,value", ["st-1,AvgTone,-1.5".into()]),
    );
    data
}

/// The same rows as CSV files in `dir`.
fn write_files(data: &Data, dir: &Path) {
    for (table, rows) in data {
        let mut writer = csv::WriterBuilder::new()
            .flexible(true)
            .from_path(dir.join(format!("{table}.csv")))
            .unwrap();
        for row in rows {
            writer.write_record(row).unwrap();
        }
        writer.flush().unwrap();
    }
}

/// Loads `source` into a new database: every row of every table, or the refusal.
fn load(source: &dyn Source, mode: Mode) -> Result<Dump, String> {
    let dir = tempfile::tempdir().unwrap();
    let mut conn = db::open_for_write(&dir.path().join("conflict.db")).unwrap();
    seed::load_with(&mut conn, source, mode, &mut ()).map_err(|e| e.to_string())?;
    Ok(dump(&conn).unwrap())
}

#[test]
fn rows_from_memory_load_as_the_same_rows_from_csv_files_do() {
    let data = data();
    let dir = tempfile::tempdir().unwrap();
    write_files(&data, dir.path());
    let files = Input::Dir(dir.path().to_path_buf());
    for mode in [Mode::Fresh, Mode::Update] {
        let from_memory = load(&Memory(data.clone()), mode).unwrap();
        let from_files = load(&files, mode).unwrap();
        assert_eq!(from_memory.0["events"].len(), 31, "{mode:?}");
        assert_eq!(from_memory, from_files, "{mode:?}");
    }
}

#[test]
fn rows_from_memory_are_refused_as_csv_rows_are_naming_the_sources_own_file_and_line() {
    type Change = fn(&mut Data);
    type Expected = fn(&str, fn(u64) -> u64) -> String;
    let cases: [(&str, Change, Expected); 6] = [
        (
            "actor_aliases",
            |data| data.get_mut("actor_aliases").unwrap()[2][0] = "armenie".into(),
            |file, line| {
                format!(
                    "{file}:{}:1: actor \"armenie\": is not a key in actors (did you mean \"armenia\"?)",
                    line(3)
                )
            },
        ),
        (
            // A key other files refer to, given twice: found in the key map.
            "actors",
            |data| data.get_mut("actors").unwrap()[5][0] = "azerbaijan".into(),
            |file, line| {
                format!(
                    "{file}:{}:1: key \"azerbaijan\": is a duplicate: line {} has the same key",
                    line(6),
                    line(3)
                )
            },
        ),
        (
            // A key nothing refers to, given twice: found by the unique index in a fresh load.
            "statements",
            |data| data.get_mut("statements").unwrap()[7][0] = "st-2".into(),
            |file, line| {
                format!(
                    "{file}:{}:1: key \"st-2\": is a duplicate: line {} has the same key",
                    line(8),
                    line(3)
                )
            },
        ),
        (
            // A reference further down the file to a row that never comes.
            "events",
            |data| data.get_mut("events").unwrap()[4][6] = "peace".into(),
            |file, line| {
                format!(
                    "{file}:{}:7: parent \"peace\": is not a key in events",
                    line(5)
                )
            },
        ),
        (
            "events",
            |data| data.get_mut("events").unwrap()[31][6] = "battle-3".into(),
            |file, line| {
                format!(
                    "{file}:{}:7: parent \"war\": closes a cycle: following parent from \"battle-3\" leads back to it",
                    line(4)
                )
            },
        ),
        (
            "event_actors",
            |data| {
                data.get_mut("event_actors").unwrap()[2].pop();
            },
            |file, line| {
                format!(
                    "{file}:{}: row has 2 fields but the header has 3 (a stray comma or an unbalanced quote?)",
                    line(3)
                )
            },
        ),
    ];
    for (table, change, expected) in cases {
        let mut data = data();
        change(&mut data);
        let dir = tempfile::tempdir().unwrap();
        write_files(&data, dir.path());
        let csv_file = dir.path().join(format!("{table}.csv"));
        for mode in [Mode::Fresh, Mode::Update] {
            assert_eq!(
                load(&Input::Dir(dir.path().to_path_buf()), mode).unwrap_err(),
                expected(&csv_file.display().to_string(), |line| line),
                "{mode:?}"
            );
            assert_eq!(
                load(&Memory(data.clone()), mode).unwrap_err(),
                expected(&format!("memory:{table}"), memory_line),
                "{mode:?}"
            );
        }
    }
}
