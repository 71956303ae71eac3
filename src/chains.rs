//! Parent chains (actors.parent_id, events.parent_id, sources.cited_in): where each row's chain
//! ends and which rows lie on a cycle, at any depth, in time linear in the rows walked.
//!
//! A recursive query that follows each row up to its root costs the sum of the chains' lengths,
//! which is quadratic in a deep chain, and one with a depth limit misses a longer cycle. Here a
//! walk follows parents and remembers where every row it passed leads, so each row is looked up
//! once however many rows lie below it.
//!
//! A walk over a whole table holds its parents and marks in arrays in id order (about 40 bytes a
//! row; 40 MB at a million events), not in hash maps, which took several times that and set the
//! peak memory of seeding a million events again.

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

/// The ids of a whole table, ascending, and where each one is among them.
struct Ids {
    ids: Vec<i64>,
    /// Ids handed out in order without gaps (the usual case) are placed by a subtraction, others
    /// by a binary search.
    contiguous: bool,
}

impl Ids {
    fn new(ids: Vec<i64>) -> Ids {
        let contiguous = match (ids.first(), ids.last()) {
            (Some(&first), Some(&last)) => last as i128 - first as i128 == ids.len() as i128 - 1,
            _ => true,
        };
        Ids { ids, contiguous }
    }

    fn position(&self, id: i64) -> Option<usize> {
        let &first = self.ids.first()?;
        if self.contiguous {
            let at = usize::try_from(id as i128 - first as i128).ok()?;
            (at < self.ids.len()).then_some(at)
        } else {
            self.ids.binary_search(&id).ok()
        }
    }
}

/// The marks of the rows a walk passed.
enum Marks {
    /// A walk from a few rows: only those passed.
    Sparse(HashMap<i64, Mark>),
    /// A walk over a whole table: one mark per row, at the row's position among its ids.
    Dense(Vec<Option<Mark>>),
}

impl Marks {
    fn get(&self, ids: &Ids, id: i64) -> Option<Mark> {
        match self {
            Marks::Sparse(marks) => marks.get(&id).copied(),
            Marks::Dense(marks) => ids.position(id).and_then(|at| marks[at]),
        }
    }

    /// Marks a row the walk found to exist.
    fn set(&mut self, ids: &Ids, id: i64, mark: Mark) {
        match self {
            Marks::Sparse(marks) => {
                marks.insert(id, mark);
            }
            Marks::Dense(marks) => {
                let at = ids
                    .position(id)
                    .expect("a row the walk found is in the table");
                marks[at] = Some(mark);
            }
        }
    }
}

/// Where the chains from a set of rows lead.
pub struct Chains {
    marks: Marks,
    /// The table's ids, for dense marks; empty for sparse ones.
    ids: Ids,
    /// The rows that lie on a cycle, in the order the walk found them.
    pub cycles: Vec<i64>,
}

/// Follows the chain of each row of `starts` up to its end, marking the rows passed.
fn follow<E>(
    marks: &mut Marks,
    ids: &Ids,
    cycles: &mut Vec<i64>,
    starts: impl IntoIterator<Item = i64>,
    mut parent: impl FnMut(i64) -> Result<Option<Option<i64>>, E>,
) -> Result<(), E> {
    let mut path: Vec<i64> = Vec::new();
    for start in starts {
        let mut node = start;
        let end = loop {
            match marks.get(ids, node) {
                Some(Mark::Ends(root)) => break root,
                Some(Mark::OnWalk) => {
                    let from = path
                        .iter()
                        .rposition(|&n| n == node)
                        .expect("a row on the walk is on its path");
                    cycles.extend_from_slice(&path[from..]);
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
                    marks.set(ids, node, Mark::OnWalk);
                    path.push(node);
                    node = up;
                }
            }
        };
        for node in path.drain(..) {
            marks.set(ids, node, Mark::Ends(end));
        }
    }
    Ok(())
}

impl Chains {
    /// Follows the chain of each row of `starts` up to its end. `parent` gives a row's parent
    /// (`Some(None)` for a top-level row) or `None` for a row that does not exist; it is asked
    /// about each row at most once.
    pub fn walk<E>(
        starts: impl IntoIterator<Item = i64>,
        parent: impl FnMut(i64) -> Result<Option<Option<i64>>, E>,
    ) -> Result<Chains, E> {
        let mut marks = Marks::Sparse(HashMap::default());
        let ids = Ids::new(Vec::new());
        let mut cycles = Vec::new();
        follow(&mut marks, &ids, &mut cycles, starts, parent)?;
        Ok(Chains { marks, ids, cycles })
    }

    /// The chains of every row of `table`, whose parent is in `column`, from one read of the
    /// table.
    pub fn of_table(conn: &Connection, table: &str, column: &str) -> rusqlite::Result<Chains> {
        // Sized once: grown by doubling, the arrays held their old and new copies at once (at a
        // million events, 17 MB over the 66 MB of a re-seed's stored keys, its peak).
        let rows: i64 = conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |row| {
            row.get(0)
        })?;
        let (mut ids, mut parents) = (
            Vec::with_capacity(rows as usize),
            Vec::with_capacity(rows as usize),
        );
        let mut stmt = conn.prepare(&format!("SELECT id, {column} FROM {table} ORDER BY id"))?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            ids.push(row.get::<_, i64>(0)?);
            parents.push(row.get::<_, Option<i64>>(1)?);
        }
        let ids = Ids::new(ids);
        let mut marks = Marks::Dense(vec![None; ids.ids.len()]);
        let mut cycles = Vec::new();
        follow::<rusqlite::Error>(
            &mut marks,
            &ids,
            &mut cycles,
            ids.ids.iter().copied(),
            |id| Ok(ids.position(id).map(|at| parents[at])),
        )?;
        Ok(Chains { marks, ids, cycles })
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
        match self.marks.get(&self.ids, id) {
            Some(Mark::Ends(root)) => root,
            _ => None,
        }
    }
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

    /// A whole table's walk (arrays in id order) finds what a walk from each row does, with ids
    /// in a run and with gaps.
    #[test]
    fn a_table_walk_finds_what_a_walk_from_each_row_does() {
        let rows = [
            (3, Some(2)),
            (1, None),
            (2, Some(1)),
            (4, Some(5)),
            (5, Some(6)),
            (6, Some(4)),
            (7, Some(5)),
            (8, Some(99)),
        ];
        for gap in [0, 1000] {
            // Ids above 4 moved up by `gap`, parents with them.
            let moved = |id: i64| if id > 4 { id + gap } else { id };
            let rows: Vec<(i64, Option<i64>)> = rows
                .iter()
                .map(|&(id, up)| (moved(id), up.map(moved)))
                .collect();
            let conn = Connection::open_in_memory().unwrap();
            conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, up INTEGER)")
                .unwrap();
            for (id, up) in &rows {
                conn.execute("INSERT INTO t VALUES (?1, ?2)", (id, up))
                    .unwrap();
            }
            let table = Chains::of_table(&conn, "t", "up").unwrap();
            let mut by_id = rows.clone();
            by_id.sort();
            let each = walk(&by_id);
            for id in (0..1020).chain([moved(99), -1, i64::MAX, i64::MIN]) {
                assert_eq!(table.root(id), each.root(id), "gap {gap}, id {id}");
            }
            assert_eq!(table.cycles, each.cycles, "gap {gap}");
            assert_eq!(table.root(3), Some(1));
        }
    }
}
