//! Where rows come from: the built-in data set, a directory of CSV files, or files in memory.

#[allow(unused_imports)]
use super::*;

/// The shipped data set, compiled in so that `conflictdb seed` works from any directory.
pub static BUILT_IN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/seed");

/// Where the seed files come from.
#[derive(Clone, Debug)]
pub enum Input {
    BuiltIn,
    Dir(PathBuf),
    /// Files held in memory, by file name (for tests and fuzzing); a missing file falls back to
    /// the built-in one, so a caller can replace just the files it cares about.
    Files(std::collections::BTreeMap<String, Vec<u8>>),
}

impl Input {
    pub(super) fn display(&self, file: &str) -> String {
        match self {
            Input::BuiltIn => format!("seed/{file}"),
            Input::Dir(dir) => dir.join(file).display().to_string(),
            Input::Files(_) => file.to_string(),
        }
    }

    /// The size of a file in bytes, where known.
    pub(super) fn size(&self, file: &str) -> Option<u64> {
        match self {
            Input::BuiltIn => BUILT_IN.get_file(file).map(|f| f.contents().len() as u64),
            Input::Dir(dir) => std::fs::metadata(dir.join(file)).ok().map(|m| m.len()),
            Input::Files(files) => files
                .get(file)
                .map(|f| f.len() as u64)
                .or_else(|| Input::BuiltIn.size(file)),
        }
    }

    pub(super) fn open(&self, file: &str) -> Result<Box<dyn Read + Send + '_>, SeedError> {
        let missing = || SeedError::File {
            file: self.display(file),
            message: "file not found: every seed directory holds one CSV per table".into(),
        };
        match self {
            Input::BuiltIn => Ok(Box::new(
                BUILT_IN.get_file(file).ok_or_else(missing)?.contents(),
            )),
            Input::Dir(dir) => {
                let path = dir.join(file);
                match File::open(&path) {
                    Ok(f) => Ok(Box::new(BufReader::with_capacity(256 * 1024, f))),
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(missing()),
                    Err(e) => Err(SeedError::File {
                        file: self.display(file),
                        message: e.to_string(),
                    }),
                }
            }
            Input::Files(files) => match files.get(file) {
                Some(bytes) => Ok(Box::new(bytes.as_slice())),
                None => Input::BuiltIn.open(file),
            },
        }
    }
}

/// A seed file read record by record through [`Strict`], each record's position giving the byte
/// and line it starts on.
pub(super) struct Records<'a> {
    pub(super) reader: csv::Reader<Strict<Box<dyn Read + Send + 'a>>>,
}

impl<'a> Records<'a> {
    pub(super) fn open(input: &'a Input, file_name: &str) -> Result<Records<'a>, SeedError> {
        Ok(Records {
            reader: csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .buffer_capacity(256 * 1024)
                .from_reader(Strict::new(input.open(file_name)?)),
        })
    }

    /// Reads the next record (the header first); false at the end of the file.
    pub(super) fn read(&mut self, record: &mut csv::ByteRecord) -> csv::Result<bool> {
        if !self.reader.read_byte_record(record)? {
            return Ok(false);
        }
        let resumed = record.position().map_or(0, |p| p.byte());
        if let Some((byte, line)) = self.reader.get_mut().record_start(resumed) {
            let mut position = record
                .position()
                .cloned()
                .unwrap_or_else(csv::Position::new);
            position.set_byte(byte).set_line(line);
            record.set_position(Some(position));
        }
        Ok(true)
    }

    pub(super) fn strict(&self) -> &Strict<Box<dyn Read + Send + 'a>> {
        self.reader.get_ref()
    }

    pub(super) fn strict_mut(&mut self) -> &mut Strict<Box<dyn Read + Send + 'a>> {
        self.reader.get_mut()
    }

    /// The refusal for a record that could not be read: too long, or the file unreadable (a
    /// failing disk, a directory), which no line of the file is to blame for.
    pub(super) fn failure(&self, file: &str, error: csv::Error) -> SeedError {
        let csv::ErrorKind::Io(io) = error.kind() else {
            return SeedError::File {
                file: file.to_string(),
                message: error.to_string(),
            };
        };
        if let Some(long) = io.get_ref().and_then(|e| e.downcast_ref::<RecordTooLong>()) {
            // A quoting error on an earlier line is the likelier cause: name it.
            let (line, message) = match &self.strict().error {
                Some((at, message)) if *at < long.line => (*at, message.clone()),
                _ => (long.line, long.to_string()),
            };
            return SeedError::Row {
                file: file.to_string(),
                line,
                message,
            };
        }
        SeedError::File {
            file: file.to_string(),
            message: format!("cannot read the file: {io}"),
        }
    }
}
