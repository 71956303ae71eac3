//! `synth`: writes a valid seed directory of any size with the shapes of real data, for load
//! tests and benchmarks (the generator is [`crate::synth`]).

use std::io::Write as _;
use std::time::Instant;

use anyhow::{Context, Result};

use crate::cli::SynthArgs;
use crate::synth::write;

pub fn run(args: &SynthArgs) -> Result<()> {
    let started = Instant::now();
    if args.format.as_deref() == Some("acled") {
        let bytes = crate::synth::acled::write(&args.out, args.events, args.rng_seed)?;
        writeln!(
            std::io::stderr(),
            "conflictdb: wrote {}: {} rows in ACLED's 2023+ layout, {:.1} MB in {:.1}s; `conflictdb import {}` loads it",
            args.out.display(),
            args.events,
            bytes as f64 / 1e6,
            started.elapsed().as_secs_f64(),
            args.out.display()
        )?;
        return Ok(());
    }
    let counts = write(&args.out, args.events, args.rng_seed)?;
    let mut bytes = 0u64;
    for (name, _) in &counts {
        let path = args.out.join(format!("{name}.csv"));
        bytes += std::fs::metadata(&path)
            .with_context(|| format!("cannot read {}", path.display()))?
            .len();
    }
    let rows: u64 = counts.iter().map(|(_, rows)| rows).sum();
    let mut err = std::io::stderr().lock();
    writeln!(
        err,
        "conflictdb: wrote {}: {} files, {rows} rows, {:.1} MB in {:.1}s; `conflictdb seed {}` loads it",
        args.out.display(),
        counts.len(),
        bytes as f64 / 1e6,
        started.elapsed().as_secs_f64(),
        args.out.display()
    )?;
    let width = counts.iter().map(|(name, _)| name.len()).max().unwrap_or(0);
    for (name, rows) in &counts {
        writeln!(err, "  {name:<width$}  {rows:>9}")?;
    }
    Ok(())
}
