//! The key-map benchmark. It prints figures; it asserts nothing.
//!
//! ```sh
//! cargo bench --bench key_map -- --keys 100000,1000000,5000000 --runs 5
//! ```
//!
//! The loader resolves keys through `HashIds` (src/seed/key_map.rs), std's `HashMap<u64, i64>`
//! with an identity hasher (the keys are already 64-bit foldhash hashes, `hash_key`). Until issue
//! 11 it was a hand-written map, kept below as [`OpenAddressed`]: open addressing over one array
//! of (hash, id) pairs sized to the rows expected, on huge pages, with the entries a few rows
//! ahead prefetched. This times the two on the loader's access pattern, for each `--keys` N:
//!
//! - insert: N keys, each hashed from its text and given ids 1..N in file order, into a map
//!   reserved up front for N × 21/20 as `reserve_keys` does, each driven as `KeyIndex::insert`
//!   drives it (a `get`, then a `set` or `insert`);
//! - lookup: 4N keys in random order, four to a row as a statement refers to its speaker, event,
//!   target and source, each hashed from its text. The hand-written map as the fresh loader used
//!   it, with the keys of the row 4 rows ahead hashed and prefetched first (`PREFETCH_AHEAD` and
//!   `Layout::prefetch` until issue 11), and again without the prefetch; std's map has none;
//! - memory: the bytes each map allocates, computed from its capacity (every page of it is
//!   touched once it is filled, so that is what it holds resident).
//!
//! The two maps take turns within each run, the first swapped from one run to the next, so that
//! they share the machine's conditions; each figure is the median and the best of `--runs`, with
//! the hand-written map over std's. Progress goes to stderr, figures to stdout.

use std::hint::black_box;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use conflictdb::long_value::thousands;
use conflictdb::seed::key_map::{hash_key, HashIds};

const USAGE: &str =
    "usage: cargo bench --bench key_map -- [--keys N,N,... (100000,1000000,5000000)] \
                     [--runs R (5)]";

/// How many rows ahead the fresh loader prefetches (`PREFETCH_AHEAD` in src/seed/fresh.rs).
const PREFETCH_AHEAD: usize = 4;
/// References looked up per row: a statement's speaker, event, target and source.
const REFS_PER_ROW: usize = 4;

fn main() -> ExitCode {
    match parse_options().and_then(|(keys, runs)| run(&keys, runs)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("key_map benchmark: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn parse_options() -> Result<(Vec<usize>, usize)> {
    // `cargo test --all-targets` runs this binary without --bench: it should not spend minutes.
    if !std::env::args().any(|arg| arg == "--bench") {
        eprintln!("key_map benchmark: skipped (not run by `cargo bench`)\n{USAGE}");
        std::process::exit(0);
    }
    let (mut keys, mut runs) = (vec![100_000, 1_000_000, 5_000_000], 5);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            args.next()
                .with_context(|| format!("{name} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--bench" => {}
            "--keys" => {
                keys = value("--keys")?
                    .split(',')
                    .map(|n| n.trim().replace('_', "").parse())
                    .collect::<Result<_, _>>()
                    .context("--keys")?
            }
            "--runs" => runs = value("--runs")?.parse().context("--runs")?,
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => bail!("unknown argument {other:?}\n{USAGE}"),
        }
    }
    if keys.contains(&0) || runs == 0 {
        bail!("--keys and --runs must be at least 1");
    }
    Ok((keys, runs))
}

/// splitmix64: a fixed sequence, so that every run and both maps see the same keys and order.
struct Random(u64);

impl Random {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

/// The keys of one table, in file order, shaped like `synth`'s event keys
/// (`1998-10-27-clash-79805`), held in one string so that a few million cost little besides.
struct Keys {
    text: String,
    ends: Vec<u32>,
}

impl Keys {
    fn new(n: usize) -> Keys {
        use std::fmt::Write as _;
        const KINDS: [&str; 4] = ["clash", "shelling", "political", "war"];
        let mut random = Random(1);
        let mut keys = Keys {
            text: String::with_capacity(n * 24),
            ends: Vec::with_capacity(n),
        };
        for i in 0..n {
            let r = random.next();
            write!(
                keys.text,
                "{}-{:02}-{:02}-{}-{i}",
                1988 + r % 38,
                1 + (r >> 8) % 12,
                1 + (r >> 16) % 28,
                KINDS[(r >> 24) as usize % KINDS.len()]
            )
            .unwrap();
            keys.ends.push(keys.text.len() as u32);
        }
        keys
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[start..self.ends[i] as usize]
    }
}

/// What one map took in one run.
#[derive(Default)]
struct Sample {
    insert: Duration,
    lookup: Duration,
    lookup_without_prefetch: Option<Duration>,
    bytes: u64,
}

/// The ids found, summed: handed to `black_box` so that no lookup is optimised away, and
/// compared between the maps so that a wrong map cannot look fast.
type Checksum = i64;

fn open_addressed(keys: &Keys, order: &[u32]) -> Result<(Sample, Checksum)> {
    let started = Instant::now();
    let mut map = OpenAddressed::default();
    map.reserve(keys.len() * 21 / 20);
    for i in 0..keys.len() {
        // As KeyIndex::insert_hashed: a get, then a set for a hash not seen before.
        let hash = hash_key(keys.get(i));
        if map.get(hash).is_none() {
            map.set(hash, i as i64 + 1);
        }
    }
    let insert = started.elapsed();

    let started = Instant::now();
    let mut sum: Checksum = 0;
    for (row, refs) in order.chunks(REFS_PER_ROW).enumerate() {
        let ahead = (row + PREFETCH_AHEAD) * REFS_PER_ROW;
        if let Some(ahead) = order.get(ahead..ahead + REFS_PER_ROW) {
            for &i in ahead {
                map.prefetch(hash_key(keys.get(i as usize)));
            }
        }
        for &i in refs {
            sum += map.get(hash_key(keys.get(i as usize))).unwrap_or(-1);
        }
    }
    let lookup = started.elapsed();
    black_box(sum);

    let started = Instant::now();
    let mut plain: Checksum = 0;
    for &i in order {
        plain += map.get(hash_key(keys.get(i as usize))).unwrap_or(-1);
    }
    let lookup_without_prefetch = started.elapsed();
    black_box(plain);
    if plain != sum {
        bail!("the hand-written map found other ids with the prefetch than without");
    }
    let sample = Sample {
        insert,
        lookup,
        lookup_without_prefetch: Some(lookup_without_prefetch),
        // Pairs of u64: 16 bytes a slot.
        bytes: map.capacity() as u64 * 16,
    };
    Ok((sample, sum))
}

fn std_map(keys: &Keys, order: &[u32]) -> (Sample, Checksum) {
    let started = Instant::now();
    let mut map = HashIds::default();
    map.reserve(keys.len() * 21 / 20);
    for i in 0..keys.len() {
        // As KeyIndex::insert_hashed: a get, then an insert for a hash not seen before.
        let hash = hash_key(keys.get(i));
        let found = map.get(&hash).copied();
        if found.is_none() {
            map.insert(hash, i as i64 + 1);
        }
    }
    let insert = started.elapsed();

    let started = Instant::now();
    let mut sum: Checksum = 0;
    for &i in order {
        sum += map
            .get(&hash_key(keys.get(i as usize)))
            .copied()
            .unwrap_or(-1);
    }
    let lookup = started.elapsed();
    black_box(sum);
    let sample = Sample {
        insert,
        lookup,
        lookup_without_prefetch: None,
        bytes: std_map_bytes(&map),
    };
    (sample, sum)
}

/// What std's map (hashbrown's SwissTable) allocates for its capacity: a power of two of buckets
/// of which it fills at most 7/8 (`capacity()` is that 7/8), each bucket a (u64, i64) pair and
/// one control byte, plus one 16-byte group of control bytes repeated at the end.
fn std_map_bytes(map: &HashIds) -> u64 {
    let capacity = map.capacity() as u64;
    let buckets = if capacity < 8 {
        (capacity + 1).next_power_of_two()
    } else {
        (capacity * 8 / 7).next_power_of_two()
    };
    buckets * (16 + 1) + 16
}

fn run(sizes: &[usize], runs: usize) -> Result<()> {
    for &n in sizes {
        eprintln!("{n} keys: generating the keys and the order of lookups ...");
        let keys = Keys::new(n);
        let mut random = Random(2);
        let order: Vec<u32> = (0..n * REFS_PER_ROW)
            .map(|_| (random.next() % n as u64) as u32)
            .collect();
        let (mut ours, mut theirs) = (Vec::new(), Vec::new());
        for run in 1..=runs {
            eprintln!("{n} keys: run {run}/{runs}");
            let mut measure_ours = || -> Result<Checksum> {
                let (sample, sum) = open_addressed(&keys, &order)?;
                ours.push(sample);
                Ok(sum)
            };
            let mut measure_theirs = || -> Checksum {
                let (sample, sum) = std_map(&keys, &order);
                theirs.push(sample);
                sum
            };
            let (a, b) = if run % 2 == 1 {
                let a = measure_ours()?;
                (a, measure_theirs())
            } else {
                let b = measure_theirs();
                (measure_ours()?, b)
            };
            if a != b {
                bail!("the two maps found different ids ({a} against {b})");
            }
        }
        print(n, &ours, &theirs);
    }
    println!(
        "ms: milliseconds, median (best) of the runs, and the median in ns per key inserted or looked \
         up; ratio: the hand-written map over std's, medians (bests)"
    );
    Ok(())
}

fn print(n: usize, ours: &[Sample], theirs: &[Sample]) {
    let runs = ours.len();
    let stats = |mut times: Vec<Duration>| {
        times.sort();
        (times[times.len() / 2], times[0])
    };
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let cell = |(median, best): (Duration, Duration), per: usize| {
        format!(
            "{:.1} ({:.1}) {:.0} ns",
            ms(median),
            ms(best),
            median.as_secs_f64() * 1e9 / per as f64
        )
    };
    let ratio = |a: (Duration, Duration), b: (Duration, Duration)| {
        format!(
            "{:.2} ({:.2})",
            a.0.as_secs_f64() / b.0.as_secs_f64(),
            a.1.as_secs_f64() / b.1.as_secs_f64()
        )
    };
    let lookups = n * REFS_PER_ROW;
    println!();
    println!(
        "{} keys, {} lookups, {runs} run{}",
        thousands(n as u64),
        thousands(lookups as u64),
        if runs == 1 { "" } else { "s" }
    );
    println!(
        "{:<32}{:>26}{:>26}{:>14}",
        "", "hand-written (until 11)", "std HashMap (HashIds)", "ratio"
    );
    let insert = (
        stats(ours.iter().map(|s| s.insert).collect()),
        stats(theirs.iter().map(|s| s.insert).collect()),
    );
    let lookup = (
        stats(ours.iter().map(|s| s.lookup).collect()),
        stats(theirs.iter().map(|s| s.lookup).collect()),
    );
    let plain = stats(
        ours.iter()
            .filter_map(|s| s.lookup_without_prefetch)
            .collect(),
    );
    let rows = [
        ("insert, file order", insert.0, insert.1, n),
        ("lookup, random, with prefetch", lookup.0, lookup.1, lookups),
        ("lookup, random, no prefetch", plain, lookup.1, lookups),
    ];
    for (name, a, b, per) in rows {
        println!(
            "{name:<32}{:>26}{:>26}{:>14}",
            cell(a, per),
            cell(b, per),
            ratio(a, b)
        );
    }
    let bytes = |samples: &[Sample]| samples[0].bytes;
    let (a, b) = (bytes(ours), bytes(theirs));
    println!(
        "{:<32}{:>26}{:>26}{:>14}",
        "bytes allocated",
        format!("{:.1} MB, {:.1} B/key", a as f64 / 1e6, a as f64 / n as f64),
        format!("{:.1} MB, {:.1} B/key", b as f64 / 1e6, b as f64 / n as f64),
        format!("{:.2}", a as f64 / b as f64)
    );
}

/// The loader's hash → id map until issue 11 (src/seed/key_map.rs at 01c84df, unchanged but for
/// its name): open addressing over one array of (hash, id) pairs kept at most
/// three quarters full, so that a lookup usually reads one cache line. The array is sized to the
/// rows expected rather than to a power of two: a million keys take 22 MB, not 32. Lookups land
/// at random across tens of megabytes, so the array also asks the kernel for huge pages: with
/// 4 KiB pages nearly every lookup would miss the TLB as well.
#[derive(Default)]
struct OpenAddressed {
    /// Pairs of (hash, id) side by side; a hash of 0 marks a free slot (a key that hashes to 0
    /// is kept under 1: two keys under one hash were told apart by `KeyIndex` anyway).
    slots: Vec<u64>,
    len: usize,
}

impl OpenAddressed {
    fn capacity(&self) -> usize {
        self.slots.len() / 2
    }

    /// The slot where the search for `hash` starts: the hash scaled to the capacity, which
    /// need not be a power of two.
    fn home(&self, hash: u64) -> usize {
        ((u128::from(hash) * self.capacity() as u128) >> 64) as usize
    }

    /// The slot holding `hash`, or the free slot where it would go.
    fn find(&self, hash: u64) -> usize {
        let mut slot = self.home(hash);
        while self.slots[2 * slot] != hash && self.slots[2 * slot] != 0 {
            slot += 1;
            if slot == self.capacity() {
                slot = 0;
            }
        }
        slot
    }

    /// Starts loading the slot of `hash` into the processor's cache.
    fn prefetch(&self, hash: u64) {
        #[cfg(target_arch = "x86_64")]
        if self.len > 0 {
            let slot = self.home(hash.max(1));
            let address = self.slots[2 * slot..].as_ptr().cast::<i8>();
            // SAFETY: SSE, which PREFETCH needs, is part of every x86-64 processor; the address
            // lies within `slots`, and a prefetch is a hint that never faults or changes memory.
            unsafe {
                std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(address);
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = hash;
    }

    fn get(&self, hash: u64) -> Option<i64> {
        if self.len == 0 {
            return None;
        }
        let hash = hash.max(1);
        let slot = self.find(hash);
        (self.slots[2 * slot] == hash).then(|| self.slots[2 * slot + 1] as i64)
    }

    /// Sets `hash` → `id`, adding the hash or replacing its id.
    fn set(&mut self, hash: u64, id: i64) {
        self.reserve(1);
        let hash = hash.max(1);
        let slot = self.find(hash);
        if self.slots[2 * slot] == 0 {
            self.len += 1;
        }
        self.slots[2 * slot] = hash;
        self.slots[2 * slot + 1] = id as u64;
    }

    fn reserve(&mut self, additional: usize) {
        let needed = self.len + additional;
        if needed * 4 <= self.capacity() * 3 {
            return;
        }
        // Just enough for the rows expected (see reserve_keys), or twice as many as before.
        let capacity = (needed * 4 / 3 + 1).max(2 * self.capacity()).max(64);
        let mut slots = vec![0u64; 2 * capacity];
        advise_huge_pages(&mut slots);
        let old = std::mem::replace(&mut self.slots, slots);
        self.len = 0;
        for pair in old.chunks_exact(2).filter(|pair| pair[0] != 0) {
            self.set(pair[0], pair[1] as i64);
        }
    }
}

/// Asks the kernel to back `memory` with huge pages, before it is first written.
#[cfg(target_os = "linux")]
fn advise_huge_pages(memory: &mut [u64]) {
    const PAGE: usize = 4096;
    let start = memory.as_mut_ptr() as usize;
    let end = start + std::mem::size_of_val(memory);
    let first = start.next_multiple_of(PAGE);
    if end >= first + 2 * 1024 * 1024 {
        // SAFETY: the range lies within `memory`, borrowed mutably here, and MADV_HUGEPAGE changes
        // only how the kernel backs the pages, never their contents. A refusal (a kernel without
        // huge pages) changes nothing, so the result is not needed.
        unsafe {
            libc::madvise(
                first as *mut libc::c_void,
                (end - first) / PAGE * PAGE,
                libc::MADV_HUGEPAGE,
            );
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn advise_huge_pages(_: &mut [u64]) {}
