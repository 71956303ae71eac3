//! A prepared INSERT for the bulk rows of a fresh load, which hands SQLite its text in place.
//!
//! The rusqlite limitation this works around: rusqlite (0.41) binds every non-empty text and blob
//! with `SQLITE_TRANSIENT` (`str_for_sqlite` in its lib.rs, `bind_blob` in its statement.rs), and
//! its `Statement` has no way to bind one with `SQLITE_STATIC`. With `SQLITE_TRANSIENT` SQLite
//! allocates a copy of every text value, which
//! the row then copies again into its record. Profiled at 100k events, binding took about a third
//! of the writing thread's time. Bound with `SQLITE_STATIC`, SQLite reads the text where it lies,
//! which is sound only while that text outlives the statement's use of it; [`BulkInsert::execute`]
//! makes that hold by binding, running and unbinding in one call that borrows the values. Run
//! alternately with the build before it, a million events seeded in 17.0–18.0 s instead of
//! 18.4–21.9 s.

use std::ffi::{c_char, c_int, CStr};
use std::ptr::NonNull;

use rusqlite::ffi;
use rusqlite::types::ValueRef;
use rusqlite::Connection;

/// A prepared statement that runs with every parameter bound at once, see [`BulkInsert::execute`].
pub struct BulkInsert<'c> {
    stmt: NonNull<ffi::sqlite3_stmt>,
    db: *mut ffi::sqlite3,
    _conn: std::marker::PhantomData<&'c Connection>,
}

impl<'c> BulkInsert<'c> {
    /// Prepares `sql`, one statement, on `conn`.
    pub fn prepare(conn: &'c Connection, sql: &str) -> rusqlite::Result<BulkInsert<'c>> {
        // SAFETY: the handle is valid while `conn` is, which the lifetime 'c guarantees for the
        // statement; this type is neither Send nor Sync (raw pointers), so the statement is used
        // on the connection's thread only.
        let db = unsafe { conn.handle() };
        let mut stmt = std::ptr::null_mut();
        let length = c_int::try_from(sql.len()).expect("an INSERT statement is short");
        // SAFETY: `sql` is valid for `length` bytes (no terminating NUL is needed when the length
        // is given) and `stmt` is a valid out-pointer.
        let rc = unsafe {
            ffi::sqlite3_prepare_v3(
                db,
                sql.as_ptr().cast::<c_char>(),
                length,
                ffi::SQLITE_PREPARE_PERSISTENT,
                &mut stmt,
                std::ptr::null_mut(),
            )
        };
        if rc != ffi::SQLITE_OK {
            return Err(error(db, rc));
        }
        let stmt = NonNull::new(stmt).expect("the SQL holds a statement");
        Ok(BulkInsert {
            stmt,
            db,
            _conn: std::marker::PhantomData,
        })
    }

    /// Binds `values` to parameters 1, 2, ... in order, runs the statement to its end, and
    /// unbinds them again; every parameter must be given.
    pub fn execute<'v>(
        &mut self,
        values: impl IntoIterator<Item = ValueRef<'v>>,
    ) -> rusqlite::Result<()> {
        let stmt = self.stmt.as_ptr();
        let mut rc = ffi::SQLITE_OK;
        for (index, value) in (1..).zip(values) {
            // SAFETY: `stmt` is a live prepared statement. SQLITE_STATIC text and blobs are read
            // in place until they are unbound below, before this function returns and so while
            // the borrow 'v of the values lasts.
            rc = unsafe {
                match value {
                    ValueRef::Null => ffi::sqlite3_bind_null(stmt, index),
                    ValueRef::Integer(n) => ffi::sqlite3_bind_int64(stmt, index, n),
                    ValueRef::Real(x) => ffi::sqlite3_bind_double(stmt, index, x),
                    ValueRef::Text(text) => ffi::sqlite3_bind_text64(
                        stmt,
                        index,
                        text.as_ptr().cast::<c_char>(),
                        text.len() as u64,
                        ffi::SQLITE_STATIC(),
                        ffi::SQLITE_UTF8 as u8,
                    ),
                    ValueRef::Blob(blob) => ffi::sqlite3_bind_blob64(
                        stmt,
                        index,
                        blob.as_ptr().cast(),
                        blob.len() as u64,
                        ffi::SQLITE_STATIC(),
                    ),
                }
            };
            if rc != ffi::SQLITE_OK {
                break;
            }
        }
        if rc == ffi::SQLITE_OK {
            // SAFETY: as above; an INSERT without RETURNING gives no rows, so one step runs it.
            rc = unsafe { ffi::sqlite3_step(stmt) };
            if rc == ffi::SQLITE_DONE {
                rc = ffi::SQLITE_OK;
            }
        }
        let failed = (rc != ffi::SQLITE_OK).then(|| error(self.db, rc));
        // SAFETY: `stmt` is live. Reset ends the statement's run (and undoes a failed one);
        // clearing the bindings drops every pointer into the caller's values.
        unsafe {
            ffi::sqlite3_reset(stmt);
            ffi::sqlite3_clear_bindings(stmt);
        }
        failed.map_or(Ok(()), Err)
    }
}

impl Drop for BulkInsert<'_> {
    fn drop(&mut self) {
        // SAFETY: the statement is live and finalized once, here.
        unsafe {
            ffi::sqlite3_finalize(self.stmt.as_ptr());
        }
    }
}

/// The error `rc` with the connection's message for it.
fn error(db: *mut ffi::sqlite3, rc: c_int) -> rusqlite::Error {
    // SAFETY: `db` is a live connection; sqlite3_errmsg returns a NUL-terminated string it owns,
    // copied here before any other call on the connection.
    let message = unsafe {
        let text = ffi::sqlite3_errmsg(db);
        (!text.is_null()).then(|| CStr::from_ptr(text).to_string_lossy().into_owned())
    };
    rusqlite::Error::SqliteFailure(ffi::Error::new(rc), message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(
            "CREATE TABLE t (i INTEGER, x REAL, s TEXT NOT NULL, b BLOB, n INTEGER);
             CREATE UNIQUE INDEX t_s ON t (s);",
        )
        .unwrap();
        conn
    }

    #[test]
    fn every_kind_of_value_goes_in_as_given_and_its_text_is_not_kept() {
        let conn = table();
        let mut insert =
            BulkInsert::prepare(&conn, "INSERT INTO t VALUES (?1, ?2, ?3, ?4, ?5)").unwrap();
        for (i, word) in ["first", "second"].iter().enumerate() {
            // The text lives only for this call.
            let text = format!("{word} ünïcode");
            let blob = vec![0u8, 1, 2];
            insert
                .execute([
                    ValueRef::Integer(i as i64),
                    ValueRef::Real(0.5),
                    ValueRef::Text(text.as_bytes()),
                    ValueRef::Blob(&blob),
                    ValueRef::Null,
                ])
                .unwrap();
        }
        type Row = (i64, f64, String, Vec<u8>, Option<i64>);
        let rows: Vec<Row> = conn
            .prepare("SELECT * FROM t ORDER BY i")
            .unwrap()
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(
            rows,
            vec![
                (0, 0.5, "first ünïcode".to_string(), vec![0, 1, 2], None),
                (1, 0.5, "second ünïcode".to_string(), vec![0, 1, 2], None),
            ]
        );
    }

    #[test]
    fn values_are_unbound_after_each_run() {
        let conn = table();
        let mut insert =
            BulkInsert::prepare(&conn, "INSERT INTO t (i, s) VALUES (?1, ?2)").unwrap();
        insert
            .execute([ValueRef::Integer(1), ValueRef::Text(b"kept")])
            .unwrap();
        // A parameter left out is NULL, not the text of the run before.
        let error = insert.execute([ValueRef::Integer(2)]).unwrap_err();
        assert_eq!(
            error.sqlite_extended_error_code(),
            Some(ffi::SQLITE_CONSTRAINT_NOTNULL)
        );
        assert!(
            error
                .to_string()
                .contains("NOT NULL constraint failed: t.s"),
            "{error}"
        );
    }

    #[test]
    fn a_refused_row_names_the_constraint_and_the_statement_runs_again() {
        let conn = table();
        let mut insert = BulkInsert::prepare(&conn, "INSERT INTO t (s) VALUES (?1)").unwrap();
        insert.execute([ValueRef::Text(b"a")]).unwrap();
        let error = insert.execute([ValueRef::Text(b"a")]).unwrap_err();
        assert_eq!(
            error.sqlite_extended_error_code(),
            Some(ffi::SQLITE_CONSTRAINT_UNIQUE)
        );
        assert!(
            error.to_string().contains("UNIQUE constraint failed: t.s"),
            "{error}"
        );
        insert.execute([ValueRef::Text(b"b")]).unwrap();
        let count: i64 = conn
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(count, 2);
    }

    #[test]
    fn sql_that_does_not_prepare_is_an_error() {
        let conn = table();
        let error = BulkInsert::prepare(&conn, "INSERT INTO missing VALUES (?1)")
            .err()
            .unwrap();
        assert!(
            error.to_string().contains("no such table: missing"),
            "{error}"
        );
    }
}
