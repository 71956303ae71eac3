//! Parent chains (actors.parent_id, events.parent_id, sources.cited_in): where each row's chain
//! ends and which rows lie on a cycle, at any depth, in time linear in the rows walked.
//!
//! A recursive query that follows each row up to its root costs the sum of the chains' lengths,
//! which is quadratic in a deep chain, and one with a depth limit misses a longer cycle. Here a
//! walk follows parents and remembers where every row it passed leads, so each row is looked up
//! once however many rows lie below it.

use foldhash::HashMap;
use rusqlite::{Connection, OptionalExtension};

/// What a walk knows of a row.
#[derive(Clone, Copy)]
enum Mark {
    /// On the walk in progress: reaching it again closes a cycle.
    OnWalk,
    /// Its chain ends at this top-level row; None where it runs into a cycle or a missing row.
    Ends(Option<i64>),
}

/// Where the chains from a set of rows lead.
#[derive(Default)]
pub struct Chains {
    marks: HashMap<i64, Mark>,
    /// The rows that lie on a cycle, in the order the walk found them.
    pub cycles: Vec<i64>,
}

impl Chains {
    /// Follows the chain of each row of `starts` up to its end. `parent` gives a row's parent
    /// (`Some(None)` for a top-level row) or `None` for a row that does not exist; it is asked
    /// about each row at most once.
    pub fn walk<E>(
        starts: impl IntoIterator<Item = i64>,
        mut parent: impl FnMut(i64) -> Result<Option<Option<i64>>, E>,
    ) -> Result<Chains, E> {
        let mut chains = Chains::default();
        let mut path: Vec<i64> = Vec::new();
        for start in starts {
            let mut node = start;
            let end = loop {
                match chains.marks.get(&node) {
                    Some(Mark::Ends(root)) => break *root,
                    Some(Mark::OnWalk) => {
                        let from = path
                            .iter()
                            .rposition(|&n| n == node)
                            .expect("a row on the walk is on its path");
                        chains.cycles.extend_from_slice(&path[from..]);
                        break None;
                    }
                    None => {}
                }
                match parent(node)? {
                    None => break None,
                    Some(None) => {
                        path.push(node);
                        break Some(node);
                    }
                    Some(Some(up)) => {
                        chains.marks.insert(node, Mark::OnWalk);
                        path.push(node);
                        node = up;
                    }
                }
            };
            for node in path.drain(..) {
                chains.marks.insert(node, Mark::Ends(end));
            }
        }
        Ok(chains)
    }

    /// The chains of every row of `table`, whose parent is in `column`, from one read of the
    /// table.
    pub fn of_table(conn: &Connection, table: &str, column: &str) -> rusqlite::Result<Chains> {
        let parents = read_parents(conn, table, column)?;
        let ids: Vec<i64> = parents.iter().map(|(id, _)| *id).collect();
        let by_id: HashMap<i64, Option<i64>> = parents.into_iter().collect();
        Chains::walk::<rusqlite::Error>(ids, |id| Ok(by_id.get(&id).copied()))
    }

    /// The chains from `starts` only, each row looked up by its id.
    pub fn from_rows(
        conn: &Connection,
        table: &str,
        column: &str,
        starts: &[i64],
    ) -> rusqlite::Result<Chains> {
        let mut parent = conn.prepare(&format!("SELECT {column} FROM {table} WHERE id = ?1"))?;
        Chains::walk(starts.iter().copied(), |id| {
            parent.query_row([id], |row| row.get(0)).optional()
        })
    }

    /// The top-level row a walked row's chain ends at: the row itself at the top, None for a
    /// row on or under a cycle.
    pub fn root(&self, id: i64) -> Option<i64> {
        match self.marks.get(&id) {
            Some(Mark::Ends(root)) => *root,
            _ => None,
        }
    }
}

/// (id, parent) of every row of `table`, in id order.
fn read_parents(
    conn: &Connection,
    table: &str,
    column: &str,
) -> rusqlite::Result<Vec<(i64, Option<i64>)>> {
    conn.prepare(&format!("SELECT id, {column} FROM {table} ORDER BY id"))?
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
        .collect()
}

/// An actor whose stored root (actors.root_id) is not where its parents lead.
pub struct StaleRoot {
    pub id: i64,
    pub stored: Option<i64>,
    pub root: Option<i64>,
}

/// The actors whose stored root is stale, in id order.
pub fn stale_roots(conn: &Connection) -> rusqlite::Result<Vec<StaleRoot>> {
    let chains = Chains::of_table(conn, "actors", "parent_id")?;
    let mut stmt = conn.prepare("SELECT id, root_id FROM actors ORDER BY id")?;
    let stored = stmt.query_map([], |row| {
        Ok((row.get::<_, i64>(0)?, row.get::<_, Option<i64>>(1)?))
    })?;
    let mut stale = Vec::new();
    for row in stored {
        let (id, stored) = row?;
        let root = chains.root(id);
        if stored != root {
            stale.push(StaleRoot { id, stored, root });
        }
    }
    Ok(stale)
}

/// Sets actors.root_id to where each actor's parents lead, writing only the roots that changed.
pub fn store_roots(conn: &Connection) -> rusqlite::Result<()> {
    let stale = stale_roots(conn)?;
    let mut update = conn.prepare("UPDATE actors SET root_id = ?1 WHERE id = ?2")?;
    for StaleRoot { id, root, .. } in stale {
        update.execute((root, id))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn walk(parents: &[(i64, Option<i64>)]) -> Chains {
        let by_id: HashMap<i64, Option<i64>> = parents.iter().copied().collect();
        let mut asked = Vec::new();
        let chains = Chains::walk::<()>(parents.iter().map(|(id, _)| *id), |id| {
            asked.push(id);
            Ok(by_id.get(&id).copied())
        })
        .unwrap();
        let mut once = asked.clone();
        once.sort();
        once.dedup();
        assert_eq!(
            once.len(),
            asked.len(),
            "each row looked up once: {asked:?}"
        );
        chains
    }

    #[test]
    fn roots_cycles_and_rows_under_a_cycle_are_told_apart() {
        // 1 <- 2 <- 3; 4 -> 5 -> 6 -> 4 (a cycle), 7 -> 5 (under it); 8 -> 99 (missing).
        let chains = walk(&[
            (3, Some(2)),
            (1, None),
            (2, Some(1)),
            (4, Some(5)),
            (5, Some(6)),
            (6, Some(4)),
            (7, Some(5)),
            (8, Some(99)),
        ]);
        assert_eq!([1, 2, 3].map(|id| chains.root(id)), [Some(1); 3]);
        for id in [4, 5, 6, 7, 8] {
            assert_eq!(chains.root(id), None, "{id}");
        }
        let mut cycles = chains.cycles.clone();
        cycles.sort();
        assert_eq!(cycles, [4, 5, 6]);
    }
}
