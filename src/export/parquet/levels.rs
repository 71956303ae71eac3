//! Definition levels in Parquet's RLE/bit-packed hybrid encoding at bit width 1 (every column is
//! a flat OPTIONAL one: level 1 where a row has a value, 0 where it is NULL). Long runs of the
//! same level (a column without NULLs is a single run) become RLE runs; the rest is bit-packed
//! eight levels a byte.

use super::thrift::varint;

/// A run shorter than this is bit-packed: an RLE run costs a header and a byte.
const MIN_RUN: usize = 8;

/// The levels of `defined`, without the 4-byte length that precedes them in a v1 data page.
pub fn encode(defined: &[bool]) -> Vec<u8> {
    let mut out = Vec::new();
    // Bit-packed groups of eight not yet written: a run's header counts its groups, so they are
    // gathered until an RLE run (or the end) closes the run.
    let mut packed: Vec<u8> = Vec::new();
    let mut i = 0;
    while i < defined.len() {
        let run = defined[i..]
            .iter()
            .take_while(|&&d| d == defined[i])
            .count();
        if run >= MIN_RUN {
            flush(&mut out, &mut packed);
            varint(&mut out, (run as u64) << 1);
            out.push(u8::from(defined[i]));
            i += run;
        } else {
            // Eight levels, the first in the lowest bit; a last group short of eight is padded
            // with zeros, which readers ignore (the page header gives the number of values).
            let group = &defined[i..defined.len().min(i + 8)];
            packed.push(
                group
                    .iter()
                    .enumerate()
                    .fold(0, |byte, (bit, &d)| byte | (u8::from(d) << bit)),
            );
            i += group.len();
        }
    }
    flush(&mut out, &mut packed);
    out
}

fn flush(out: &mut Vec<u8>, packed: &mut Vec<u8>) {
    if !packed.is_empty() {
        varint(out, ((packed.len() as u64) << 1) | 1);
        out.append(packed);
    }
}

#[cfg(test)]
mod tests {
    use super::encode;

    fn levels(bits: &str) -> Vec<bool> {
        bits.chars().map(|c| c == '1').collect()
    }

    /// Decodes the hybrid back, as a reader does, to `n` levels.
    fn decode(mut bytes: &[u8], n: usize) -> Vec<bool> {
        let mut out = Vec::new();
        while out.len() < n {
            let (mut header, mut shift) = (0u64, 0);
            loop {
                let b = bytes[0];
                bytes = &bytes[1..];
                header |= u64::from(b & 0x7f) << shift;
                shift += 7;
                if b < 0x80 {
                    break;
                }
            }
            if header & 1 == 1 {
                let groups = (header >> 1) as usize;
                for &byte in &bytes[..groups] {
                    out.extend((0..8).map(|bit| byte >> bit & 1 == 1));
                }
                bytes = &bytes[groups..];
            } else {
                out.extend(std::iter::repeat_n(bytes[0] == 1, (header >> 1) as usize));
                bytes = &bytes[1..];
            }
        }
        assert!(bytes.is_empty(), "bytes left over: {bytes:?}");
        out.truncate(n);
        out
    }

    #[test]
    fn a_column_without_nulls_is_one_rle_run() {
        assert_eq!(encode(&[true; 1000]), [0xd0, 0x0f, 1]);
        assert_eq!(encode(&[false; 8]), [16, 0]);
    }

    #[test]
    fn short_runs_are_bit_packed_low_bit_first_and_padded() {
        // 3 levels: one group (header 1<<1|1), bits 1,0,1 from the lowest; padded with zeros.
        assert_eq!(encode(&levels("101")), [3, 0b101]);
        // 10 levels: two groups, the second holding two levels.
        assert_eq!(encode(&levels("1101000111")), [5, 0b1000_1011, 0b11]);
    }

    #[test]
    fn runs_and_groups_mix_and_round_trip() {
        let cases = [
            "",
            "0",
            "1",
            "1111111",
            "11111111",
            "111111111",
            "0101010101010101010",
            "10000000000000000000001",
            "1111111111111111110111111111111111111111100",
            "0110111111111111110000000000000000000000000000001",
        ];
        for case in cases {
            let defined = levels(case);
            assert_eq!(decode(&encode(&defined), defined.len()), defined, "{case}");
        }
        assert!(encode(&[]).is_empty());
        // A run of nine ones after a partial group: the group is filled, then the run.
        assert_eq!(encode(&levels("01111111111111111")), [3, 0xfe, 18, 1]);
    }
}
