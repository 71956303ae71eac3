//! The structs of parquet.thrift (apache/parquet-format) that a flat, uncompressed, PLAIN-encoded
//! file needs: a data page's PageHeader, and the footer's FileMetaData with its SchemaElements,
//! RowGroups, ColumnChunks, ColumnMetaData and KeyValues. Field ids are parquet.thrift's.

use super::thrift::{Compact, BINARY, I32, STRUCT};

/// Parquet's physical types, with the logical type each carries here.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Physical {
    Int64,
    Double,
    /// A DATE: days since 1970-01-01.
    Date,
    /// A STRING: UTF-8 bytes.
    Text,
}

impl Physical {
    /// parquet.thrift's `Type`.
    fn code(self) -> i32 {
        match self {
            Physical::Int64 => 2,
            Physical::Double => 5,
            Physical::Date => 1, // INT32
            Physical::Text => 6, // BYTE_ARRAY
        }
    }
}

const OPTIONAL: i32 = 1;
const PLAIN: i32 = 0;
const RLE: i32 = 3;
const UNCOMPRESSED: i32 = 0;
const DATA_PAGE: i32 = 0;
/// ConvertedType, for readers older than LogicalType.
const UTF8: i32 = 0;
const DATE: i32 = 6;

/// The PageHeader of a v1 data page of `values` levels (NULLs included) and `size` bytes.
pub fn page_header(values: usize, size: usize) -> Vec<u8> {
    let mut c = Compact::default();
    c.i32(1, DATA_PAGE);
    c.i32(2, size as i32); // uncompressed_page_size
    c.i32(3, size as i32); // compressed_page_size
    c.begin(5); // data_page_header
    c.i32(1, values as i32);
    c.i32(2, PLAIN);
    c.i32(3, RLE); // definition levels
    c.i32(4, RLE); // repetition levels (none: the schema is flat)
    c.end();
    c.end();
    c.bytes
}

/// A column of the schema.
pub struct Field<'a> {
    pub name: &'a str,
    pub physical: Physical,
}

/// Where one column's chunk of a row group lies: a single data page.
pub struct Chunk {
    pub offset: u64,
    /// Page header and page, in bytes.
    pub size: u64,
}

/// A row group: its rows and a chunk per column, in schema order.
pub struct RowGroup {
    pub rows: u64,
    pub chunks: Vec<Chunk>,
}

/// The footer's FileMetaData.
pub fn file_metadata(
    table: &str,
    fields: &[Field],
    groups: &[RowGroup],
    metadata: &[(&str, &str)],
    created_by: &str,
) -> Vec<u8> {
    let mut c = Compact::default();
    c.i32(1, 1); // version
    c.list(2, STRUCT, fields.len() + 1);
    // The root: a group named after the table, holding the columns.
    c.element();
    c.binary(4, table.as_bytes());
    c.i32(5, fields.len() as i32);
    c.end();
    for field in fields {
        c.element();
        c.i32(1, field.physical.code());
        c.i32(3, OPTIONAL);
        c.binary(4, field.name.as_bytes());
        let logical = match field.physical {
            Physical::Text => Some((UTF8, 1)), // LogicalType.STRING
            Physical::Date => Some((DATE, 6)), // LogicalType.DATE
            Physical::Int64 | Physical::Double => None,
        };
        if let Some((converted, union_field)) = logical {
            c.i32(6, converted);
            c.begin(10);
            c.begin(union_field); // StringType / DateType: empty structs
            c.end();
            c.end();
        }
        c.end();
    }
    c.i64(3, groups.iter().map(|g| g.rows as i64).sum());
    c.list(4, STRUCT, groups.len());
    for group in groups {
        let size: u64 = group.chunks.iter().map(|chunk| chunk.size).sum();
        c.element();
        c.list(1, STRUCT, group.chunks.len());
        for (chunk, field) in group.chunks.iter().zip(fields) {
            c.element();
            // file_offset: deprecated; set, as parquet-mr does, to the chunk's first page.
            c.i64(2, chunk.offset as i64);
            c.begin(3); // meta_data
            c.i32(1, field.physical.code());
            c.list(2, I32, 2);
            c.raw_i32(PLAIN);
            c.raw_i32(RLE);
            c.list(3, BINARY, 1);
            c.raw_binary(field.name.as_bytes());
            c.i32(4, UNCOMPRESSED);
            c.i64(5, group.rows as i64);
            c.i64(6, chunk.size as i64);
            c.i64(7, chunk.size as i64);
            c.i64(9, chunk.offset as i64); // data_page_offset
            c.end();
            c.end();
        }
        c.i64(2, size as i64); // total_byte_size
        c.i64(3, group.rows as i64);
        c.i64(
            5,
            group.chunks.first().map_or(0, |chunk| chunk.offset as i64),
        ); // file_offset
        c.i64(6, size as i64); // total_compressed_size
        c.end();
    }
    c.list(5, STRUCT, metadata.len());
    for (key, value) in metadata {
        c.element();
        c.binary(1, key.as_bytes());
        c.binary(2, value.as_bytes());
        c.end();
    }
    c.binary(6, created_by.as_bytes());
    c.end();
    c.bytes
}
