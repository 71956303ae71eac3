//! Randomness: a counter-based generator, so that any row's values are a function of the seed
//! and the row number alone, and skewed picks for the items many rows refer to.

/// splitmix64's output function: a good 64-bit mixer.
pub(super) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

pub(super) const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// splitmix64: small, fast and plenty for test data.
pub(super) struct Rng(u64);

impl Rng {
    /// A generator for row `index` of `stream`: it gives the same values whenever and in
    /// whatever order rows are asked for, which is what lets references be computed.
    pub(super) fn for_row(seed: u64, stream: u64, index: u64) -> Rng {
        Rng(mix(seed
            ^ mix(
                stream.wrapping_mul(GOLDEN) ^ mix(index.wrapping_add(GOLDEN))
            )))
    }

    pub(super) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(GOLDEN);
        mix(self.0)
    }

    /// Uniform in 0..n (n > 0).
    pub(super) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in low..=high.
    pub(super) fn between(&mut self, low: u64, high: u64) -> u64 {
        low + self.below(high - low + 1)
    }

    pub(super) fn percent(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// Uniform in [0, 1).
    pub(super) fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub(super) fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }
}

/// Zipf-like choice among n items: rank r comes up in proportion to about 1/(r+1), so a few items
/// get most of the picks. Ranks map to items through a fixed permutation, so the busiest items
/// are spread over the table rather than all at its top.
pub(super) struct Skew {
    pub(super) n: u64,
    pub(super) stride: u64,
    pub(super) offset: u64,
}

impl Skew {
    pub(super) fn new(n: u64, seed: u64, stream: u64) -> Skew {
        let mut stride = (n as f64 * 0.618_033_988_7) as u64 | 1;
        while gcd(stride, n) != 1 {
            stride += 1;
        }
        Skew {
            n,
            stride,
            offset: Rng::for_row(seed, stream, 0).below(n),
        }
    }

    pub(super) fn pick(&self, rng: &mut Rng) -> u64 {
        let rank = ((self.n as f64 + 1.0).powf(rng.unit()) as u64)
            .saturating_sub(1)
            .min(self.n - 1);
        ((u128::from(rank) * u128::from(self.stride) + u128::from(self.offset))
            % u128::from(self.n)) as u64
    }
}

pub(super) fn gcd(mut a: u64, mut b: u64) -> u64 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// Streams of the counter-based generator, one per kind of row.
pub(super) mod stream {
    pub const ACTORS: u64 = 1;
    pub const PLACES: u64 = 2;
    pub const SOURCES: u64 = 3;
    pub const EVENT: u64 = 4;
    pub const EVENT_LINKS: u64 = 5;
    pub const STATEMENTS: u64 = 6;
    pub const CASUALTIES: u64 = 7;
    pub const SKEW_SPEAKERS: u64 = 10;
    pub const SKEW_PLACES: u64 = 11;
    pub const SKEW_SOURCES: u64 = 12;
    pub const SKEW_EVENTS: u64 = 13;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skewed_picks_favour_a_few_items() {
        let skew = Skew::new(1000, 7, 1);
        let mut rng = Rng::for_row(7, 2, 0);
        let mut counts = vec![0u32; 1000];
        for _ in 0..100_000 {
            counts[skew.pick(&mut rng) as usize] += 1;
        }
        counts.sort_unstable_by(|a, b| b.cmp(a));
        let top_ten: u32 = counts[..10].iter().sum();
        // Under 1/(r+1), the top 1% take about a third of the picks; uniform would give 1%.
        assert!(top_ten > 25_000, "top ten got {top_ten} of 100000");
        assert!(counts.iter().filter(|&&c| c > 0).count() > 900);
    }
}
