//! Thrift's compact protocol, the part of it Parquet's metadata needs (structs, i32, i64, binary
//! and lists), written by hand: the page headers and the footer are the only Thrift a Parquet
//! writer emits, and a handful of encoders costs nothing to build where a Thrift crate would.

/// Compact-protocol type codes (Thrift's `TCompactProtocol`).
pub const I32: u8 = 5;
pub const I64: u8 = 6;
pub const BINARY: u8 = 8;
const LIST: u8 = 9;
pub const STRUCT: u8 = 12;

/// ULEB128: seven bits a byte, low first, the high bit set on every byte but the last (Thrift's
/// varints and the lengths of Parquet's RLE/bit-packed runs).
pub fn varint(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

/// Zigzag maps signed to unsigned so that small magnitudes of either sign stay short varints.
pub fn zigzag(value: i64) -> u64 {
    ((value << 1) ^ (value >> 63)) as u64
}

/// A struct being written: fields are given in increasing id order, each header carrying the
/// delta from the previous id, as the compact protocol does.
#[derive(Default)]
pub struct Compact {
    pub bytes: Vec<u8>,
    last: i16,
    outer: Vec<i16>,
}

impl Compact {
    fn field(&mut self, id: i16, kind: u8) {
        let delta = id - self.last;
        if (1..=15).contains(&delta) {
            self.bytes.push(((delta as u8) << 4) | kind);
        } else {
            self.bytes.push(kind);
            varint(&mut self.bytes, zigzag(i64::from(id)));
        }
        self.last = id;
    }

    pub fn i32(&mut self, id: i16, value: i32) {
        self.field(id, I32);
        varint(&mut self.bytes, zigzag(i64::from(value)));
    }

    pub fn i64(&mut self, id: i16, value: i64) {
        self.field(id, I64);
        varint(&mut self.bytes, zigzag(value));
    }

    pub fn binary(&mut self, id: i16, value: &[u8]) {
        self.field(id, BINARY);
        self.raw_binary(value);
    }

    /// A binary list element (no field header).
    pub fn raw_binary(&mut self, value: &[u8]) {
        varint(&mut self.bytes, value.len() as u64);
        self.bytes.extend_from_slice(value);
    }

    /// An i32 list element (no field header), as enums in lists are.
    pub fn raw_i32(&mut self, value: i32) {
        varint(&mut self.bytes, zigzag(i64::from(value)));
    }

    /// The header of a list field of `len` elements of type `kind`; the elements follow.
    pub fn list(&mut self, id: i16, kind: u8, len: usize) {
        self.field(id, LIST);
        if len < 15 {
            self.bytes.push(((len as u8) << 4) | kind);
        } else {
            self.bytes.push(0xf0 | kind);
            varint(&mut self.bytes, len as u64);
        }
    }

    /// Opens a struct field `id`; its fields follow, then `end`.
    pub fn begin(&mut self, id: i16) {
        self.field(id, STRUCT);
        self.element();
    }

    /// Opens a struct that is a list element; its fields follow, then `end`.
    pub fn element(&mut self) {
        self.outer.push(self.last);
        self.last = 0;
    }

    /// Closes the innermost open struct (or, with none open, the top-level one).
    pub fn end(&mut self) {
        self.bytes.push(0);
        self.last = self.outer.pop().unwrap_or(0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(value: u64) -> Vec<u8> {
        let mut out = Vec::new();
        varint(&mut out, value);
        out
    }

    #[test]
    fn varints_take_seven_bits_a_byte_low_first() {
        assert_eq!(encoded(0), [0]);
        assert_eq!(encoded(1), [1]);
        assert_eq!(encoded(127), [0x7f]);
        assert_eq!(encoded(128), [0x80, 0x01]);
        assert_eq!(encoded(300), [0xac, 0x02]);
        assert_eq!(encoded(u64::MAX).len(), 10);
    }

    #[test]
    fn zigzag_interleaves_signs() {
        assert_eq!(zigzag(0), 0);
        assert_eq!(zigzag(-1), 1);
        assert_eq!(zigzag(1), 2);
        assert_eq!(zigzag(-2), 3);
        assert_eq!(zigzag(i64::MAX), u64::MAX - 1);
        assert_eq!(zigzag(i64::MIN), u64::MAX);
    }

    #[test]
    fn field_headers_carry_the_id_delta_or_the_full_id() {
        let mut c = Compact::default();
        c.i32(1, 3);
        c.i64(3, -1);
        c.binary(20, b"ab");
        c.list(21, I32, 2);
        c.raw_i32(0);
        c.raw_i32(3);
        c.begin(22);
        c.i32(1, 1);
        c.end();
        c.i32(23, 0);
        c.end();
        assert_eq!(
            c.bytes,
            [
                0x15, 6, // field 1, i32, zigzag(3)
                0x26, 1, // field 3 (delta 2), i64, zigzag(-1)
                0x08, 40, 2, b'a', b'b', // field 20 (delta 17): type, then zigzag(20)
                0x19, 0x25, 0, 6, // field 21, list of 2 i32
                0x1c, 0x15, 2, 0, // field 22 struct {1: 1}, stop
                0x15, 0, // field 23 (delta from 22, not from the struct's fields)
                0, // stop
            ]
        );
    }

    #[test]
    fn long_lists_give_their_size_as_a_varint() {
        let mut c = Compact::default();
        c.list(1, BINARY, 15);
        assert_eq!(c.bytes, [0x19, 0xf8, 15]);
    }
}
