//! The writing thread: takes what the reading thread hands over and writes it.

#[allow(unused_imports)]
use super::*;

/// One file's rows going into the database.
pub(super) struct Storing<'c> {
    pub(super) layout: Layout,
    /// An update's insert, which updates a row whose identity is stored already.
    pub(super) upsert: Option<rusqlite::Statement<'c>>,
    /// A fresh load's inserts.
    pub(super) inserts: Option<Inserts<'c>>,
    /// In a fresh load of a link table whose rows stopped following its primary key: the
    /// inserts into the temporary table those rows go to (see `Layout::stage`).
    pub(super) staged: Option<Inserts<'c>>,
    /// Whether a fresh load binds each row's id (its place in the file) first.
    pub(super) binds_id: bool,
    pub(super) existing: i64,
    pub(super) rows: u64,
    // An update checks and converts here, with ids from the database.
    pub(super) scratch: FileCheck,
    pub(super) values: Vec<Converted>,
    pub(super) arena: String,
    pub(super) seen_ids: IdSet,
    /// Hashes of the identities of the link rows seen in the file.
    pub(super) seen_rows: HashIds,
}

/// The storing side of a load: takes what the reading thread hands over and writes it.
pub(super) fn store_all(
    conn: &Connection,
    input: &Input,
    mode: Mode,
    mut state: Option<&mut KnownKeys>,
    progress: &mut dyn Progress,
    received: &std::sync::mpsc::Receiver<Message>,
    recycle: &std::sync::mpsc::Sender<Batch>,
) -> Result<Counts, SeedError> {
    let mut counts = Vec::new();
    let mut storing: Option<Storing> = None;
    while let Ok(message) = received.recv() {
        match message {
            Message::Table(layout) => {
                progress.table(layout.table.name, layout.size);
                storing = Some(Storing::start(conn, mode, layout, state.as_deref_mut())?);
            }
            Message::Rows(batch) => {
                let storing = storing.as_mut().expect("rows follow their file");
                match state.as_deref_mut() {
                    Some(state) => storing.update(conn, input, state, &batch)?,
                    None => storing.insert(conn, input, &batch)?,
                }
                progress.advance(batch.read);
                let _ = recycle.send(batch);
            }
            Message::End(resolved) => {
                let storing = storing.take().expect("a file ends after it starts");
                let resolved = match state.as_deref() {
                    Some(state) => {
                        { resolve_forwards(state, &storing.layout, &storing.scratch.forwards) }
                            .map_err(|f| f.report(conn))?
                    }
                    None => resolved,
                };
                counts.push((storing.layout.table.name, storing.rows));
                storing.finish(conn, input, &resolved)?;
            }
            Message::Failed(failure) => return Err(failure.report(conn)),
        }
    }
    Ok(counts)
}

impl<'c> Storing<'c> {
    pub(super) fn start(
        conn: &'c Connection,
        mode: Mode,
        layout: Layout,
        state: Option<&mut KnownKeys>,
    ) -> Result<Storing<'c>, SeedError> {
        let table = layout.table;
        // Existing rows: seeding again updates them by key instead of adding duplicates.
        let existing: i64 =
            conn.query_row(&format!("SELECT count(*) FROM {}", table.name), [], |r| {
                r.get(0)
            })?;
        if mode == Mode::Fresh && existing > 0 {
            return Err(SeedError::File {
                file: layout.file,
                message: format!(
                    "a fresh load found {existing} rows already in {}",
                    table.name
                ),
            });
        }
        if let Some(state) = state {
            if table.referenced {
                let index = state.keys.entry(table.name).or_default();
                let mut stmt = conn.prepare(&format!("SELECT id, key FROM {}", table.name))?;
                let mut rows = stmt.query([])?;
                while let Some(row) = rows.next()? {
                    let (id, key): (i64, String) = (row.get(0)?, row.get(1)?);
                    index.insert(&key, id, |other| key_of_id(conn, table, other))?;
                }
            }
            if table.is_vocabulary {
                let codes = state.codes.entry(table.name).or_default();
                let mut stmt = conn.prepare(&format!("SELECT code FROM {}", table.name))?;
                for code in stmt.query_map([], |row| row.get::<_, String>(0))? {
                    codes.insert(code?);
                }
            }
        }
        Ok(Storing {
            upsert: match mode {
                Mode::Update => Some(conn.prepare(&insert_sql(table, table.name, mode, 1))?),
                Mode::Fresh => None,
            },
            inserts: match mode {
                Mode::Fresh => Some(Inserts::prepare(conn, table, table.name)?),
                Mode::Update => None,
            },
            staged: None,
            binds_id: mode == Mode::Fresh
                && table.identity == Identity::Key
                && !table.is_vocabulary,
            existing,
            rows: 0,
            scratch: FileCheck::new(table),
            values: Vec::new(),
            arena: String::new(),
            seen_ids: IdSet::default(),
            seen_rows: HashIds::default(),
            layout,
        })
    }

    /// Inserts rows the reading thread has checked and converted (a fresh load).
    pub(super) fn insert(
        &mut self,
        conn: &'c Connection,
        input: &Input,
        batch: &Batch,
    ) -> Result<(), SeedError> {
        // Each row with its values and its id (its place in the file).
        let rows: Vec<(&csv::StringRecord, &[Converted], i64)> = batch.records[..batch.filled]
            .iter()
            .zip(batch.values.chunks_exact(self.layout.values_per_row))
            .zip(self.rows as i64 + 1..)
            .map(|((record, values), id)| (record, values, id))
            .collect();
        let sorted = match self.staged {
            Some(_) => 0,
            None => batch.unsorted_from.unwrap_or(rows.len()),
        };
        let (into_table, to_stage) = rows.split_at(sorted);
        let inserts = self
            .inserts
            .as_mut()
            .expect("a fresh load prepares its inserts");
        insert_rows(
            inserts,
            &self.layout,
            self.binds_id,
            input,
            into_table,
            &batch.arena,
        )?;
        if !to_stage.is_empty() {
            let staged = match &mut self.staged {
                Some(staged) => staged,
                staged => staged.insert(self.layout.stage(conn)?),
            };
            insert_rows(staged, &self.layout, false, input, to_stage, &batch.arena)?;
        }
        self.rows += rows.len() as u64;
        Ok(())
    }

    /// Checks and converts each row, then inserts it or updates the row with its identity.
    pub(super) fn update(
        &mut self,
        conn: &Connection,
        input: &Input,
        state: &mut KnownKeys,
        batch: &Batch,
    ) -> Result<(), SeedError> {
        let table = self.layout.table;
        for record in &batch.records[..batch.filled] {
            let line = record.position().map_or(0, |p| p.line());
            self.values.clear();
            self.arena.clear();
            let key = self
                .layout
                .convert(
                    state,
                    record,
                    line,
                    &mut self.scratch,
                    &mut self.values,
                    &mut self.arena,
                )
                .map_err(|f| f.report(conn))?;
            let upsert = self.upsert.as_mut().expect("an update prepares its upsert");
            bind(upsert, &self.values, record, &self.arena)?;
            let file = &self.layout.file;
            if table.identity == Identity::Key {
                // The id of the row inserted or updated: a row of this file updated again is a
                // key given twice.
                let id: i64 = if table.is_vocabulary {
                    upsert.raw_execute().map_err(|e| refused(file, line, e))?;
                    0
                } else {
                    let mut returned = upsert.raw_query();
                    let row = returned
                        .next()
                        .map_err(|e| refused(file, line, e))?
                        .expect("RETURNING gives a row");
                    row.get(0)?
                };
                if !table.is_vocabulary && !self.seen_ids.insert(id) {
                    return Err(self.layout.duplicate(input, record)?);
                }
                self.layout.remember(
                    input,
                    state,
                    &mut self.scratch,
                    record,
                    key,
                    id,
                    line,
                    |other| key_of_id(conn, table, other),
                )?;
            } else {
                upsert.raw_execute().map_err(|e| refused(file, line, e))?;
                // A link row given twice in the file: its identity's hash seen before, and the
                // file read again to be sure (two identities may share a hash).
                let hash = self.layout.identity_hash(&self.values, record, &self.arena);
                if self.seen_rows.get(hash).is_some() && self.layout.repeated(input, record)? {
                    return Err(self.layout.duplicate(input, record)?);
                }
                self.seen_rows.set(hash, 1);
            }
            self.rows += 1;
            reserve_keys(
                state,
                &self.layout,
                self.rows,
                record.position().map_or(0, |p| p.byte()),
            );
        }
        Ok(())
    }

    /// Moves the staged rows of a link file into its table, sorted by the table's primary key, so
    /// that they go in as a merge rather than at random; a row given twice is refused as a
    /// duplicate.
    pub(super) fn merge_staged(&self, conn: &Connection, input: &Input) -> Result<(), SeedError> {
        let (table, staged) = (self.layout.table, self.layout.staged_table());
        let columns: Vec<&str> = table.columns.iter().flat_map(|c| c.db_columns()).collect();
        let columns = columns.join(", ");
        let order = self.layout.identity.join(", ");
        let merged = conn.execute_batch(&format!(
            "INSERT INTO main.{0} ({columns}) SELECT {columns} FROM {staged} ORDER BY {order}",
            table.name
        ));
        if let Err(error) = merged {
            let both = format!(
                "(SELECT {columns} FROM main.{} UNION ALL SELECT {columns} FROM {staged})",
                table.name
            );
            if let Some((names, values)) = repeated_identity(conn, table, &both)? {
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                let values: Vec<&str> = values.iter().map(String::as_str).collect();
                return Err(duplicate_error(input, table, &names, &values)?);
            }
            return Err(error.into());
        }
        conn.execute_batch(&format!("DROP TABLE {staged}"))?;
        Ok(())
    }

    /// Sets the references to rows further down the file, now that every row is in, and
    /// refuses a loop of them.
    pub(super) fn finish(
        mut self,
        conn: &Connection,
        input: &Input,
        resolved: &[(i64, i64)],
    ) -> Result<(), SeedError> {
        if self.staged.take().is_some() {
            self.merge_staged(conn, input)?;
        }
        let table = self.layout.table;
        let Some(column_number) = table
            .columns
            .iter()
            .position(|c| c.value == Value::Ref(table.name))
        else {
            return Ok(());
        };
        let column = &table.columns[column_number];
        if !resolved.is_empty() {
            let mut update = conn.prepare(&format!(
                "UPDATE {} SET {} = ?1 WHERE id = ?2",
                table.name, column.db
            ))?;
            for (id, target) in resolved {
                update.execute([target, id])?;
            }
        }
        // Backward references alone cannot close a loop in a fresh table (each points to an
        // earlier row); forward references, or rows updated in place, can.
        if resolved.is_empty() && self.existing == 0 {
            return Ok(());
        }
        let starts: Vec<i64> = resolved.iter().map(|(id, _)| *id).collect();
        let cycles = find_cycles(
            conn,
            table.name,
            column.db,
            (self.existing == 0).then_some(starts.as_slice()),
        )?;
        // Of the rows in the loop, name the one the file reaches first (read once: a loop may
        // hold every row of the file).
        let keys: HashSet<&str> = cycles.iter().map(|(key, _)| key.as_str()).collect();
        let first = match first_line_of(input, table, &keys)? {
            Some((line, key)) => cycles
                .iter()
                .find(|(k, _)| *k == key)
                .map(|(key, parent)| (Some(line), key.clone(), parent.clone())),
            None => cycles
                .first()
                .map(|(key, parent)| (None, key.clone(), parent.clone())),
        };
        let message = |key: &str| {
            format!(
                "closes a cycle: following {} from {key:?} leads back to it",
                column.name
            )
        };
        match first {
            Some((Some(line), key, parent)) => Err(SeedError::Value {
                file: self.layout.file,
                line,
                column: self.layout.positions[column_number].map_or(0, |i| i + 1),
                name: column.name.to_string(),
                value: parent.into(),
                message: message(&key),
            }),
            // The loop runs through rows already in the database and none of this file's rows:
            // no line is to blame.
            Some((None, key, parent)) => Err(SeedError::File {
                file: self.layout.file,
                message: format!(
                    "{} {:?} of {key:?} in the database {}",
                    column.name,
                    parent,
                    message(&key)
                ),
            }),
            None => Ok(()),
        }
    }
}

/// `INSERT ... ON CONFLICT ... DO UPDATE`: a row whose key (or, in a link table, whose primary
/// key) exists is updated in place, so seeding twice leaves the same database.
pub(super) fn insert_sql(table: &Table, into: &str, mode: Mode, rows: usize) -> String {
    let columns: Vec<&str> = table.columns.iter().flat_map(|c| c.db_columns()).collect();
    let placeholders: Vec<String> = (1..=columns.len()).map(|i| format!("?{i}")).collect();
    // A fresh load has no old rows to update: a key given twice is found when its unique index
    // is built at the end, and a link row given twice by its table's primary key as it goes in.
    if mode == Mode::Fresh && !table.is_vocabulary {
        // Rows with a key get their place in the file as their id, which the reading thread
        // has already given to the references to them.
        let columns: Vec<&str> = match table.identity {
            Identity::Key => std::iter::once("id").chain(columns).collect(),
            Identity::Columns(_) => columns,
        };
        let rows: Vec<String> = (0..rows)
            .map(|row| {
                let numbers = row * columns.len() + 1..=(row + 1) * columns.len();
                let placeholders: Vec<String> = numbers.map(|i| format!("?{i}")).collect();
                format!("({})", placeholders.join(", "))
            })
            .collect();
        return format!(
            "INSERT INTO {into} ({}) VALUES {}",
            columns.join(", "),
            rows.join(", ")
        );
    }
    let conflict: Vec<&str> = match table.identity {
        Identity::Key => vec![table.key_column()],
        Identity::Columns(columns) => columns.to_vec(),
    };
    let updates: Vec<String> = columns
        .iter()
        .filter(|c| !conflict.contains(c))
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    // A link row that is already stored is left as it is (its columns are its identity); a row
    // given twice in one file is caught by the loader itself.
    let action = if updates.is_empty() {
        "NOTHING".to_string()
    } else {
        format!("UPDATE SET {}", updates.join(", "))
    };
    let returning = match table.identity {
        Identity::Key if !table.is_vocabulary => " RETURNING id",
        _ => "",
    };
    format!(
        "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT ({}) DO {action}{returning}",
        table.name,
        columns.join(", "),
        placeholders.join(", "),
        conflict.join(", ")
    )
}
