//! Source files and locations inside them.

use std::path::PathBuf;
use std::sync::Arc;

/// Index of a file in the [`SourceMap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

/// A location: file, 1-based line and column (in characters), byte offset and length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Loc {
    /// File.
    pub file: FileId,
    /// 1-based line.
    pub line: u32,
    /// 1-based column, in characters.
    pub col: u32,
    /// Byte offset of the start.
    pub offset: u32,
    /// Length in bytes.
    pub len: u32,
}

impl Loc {
    /// The start of `file` (used when a whole file is at fault).
    pub fn file_start(file: FileId) -> Self {
        Self {
            file,
            line: 1,
            col: 1,
            offset: 0,
            len: 0,
        }
    }
}

/// One loaded file: its path relative to the project root (for display) and its text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path shown in diagnostics, relative to the root where possible.
    pub display: String,
    /// Path on disk.
    pub path: PathBuf,
    /// Text (empty when the file could not be decoded).
    pub text: Arc<String>,
}

/// Every file a run has read, addressed by [`FileId`].
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// Adds a file and returns its id.
    pub fn add(&mut self, display: String, path: PathBuf, text: Arc<String>) -> FileId {
        self.files.push(SourceFile { display, path, text });
        FileId(u32::try_from(self.files.len() - 1).unwrap_or(u32::MAX))
    }

    /// The file with `id`.
    pub fn file(&self, id: FileId) -> Option<&SourceFile> {
        self.files.get(id.0 as usize)
    }

    /// The display path of `id` (empty for an unknown id).
    pub fn path(&self, id: FileId) -> &str {
        self.file(id).map(|f| f.display.as_str()).unwrap_or("")
    }

    /// The source text covered by `loc`, if it is a valid range.
    pub fn snippet(&self, loc: Loc) -> Option<&str> {
        let text = &self.file(loc.file)?.text;
        let start = loc.offset as usize;
        text.get(start..start + loc.len as usize)
    }

    /// Where the span of `loc` ends, as (line, column) counted in characters, when the span
    /// is known and not empty.
    pub fn end(&self, loc: Loc) -> Option<(u32, u32)> {
        let text = self.snippet(loc).filter(|t| !t.is_empty())?;
        let (mut line, mut col) = (loc.line, loc.col.max(1));
        for c in text.chars() {
            if c == '\n' {
                line += 1;
                col = 1;
            } else {
                col += 1;
            }
        }
        Some((line, col))
    }

    /// All files, in the order they were added.
    pub fn files(&self) -> &[SourceFile] {
        &self.files
    }
}
