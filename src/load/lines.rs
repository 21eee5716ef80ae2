//! Converting the YAML parser's (line, character column) markers to byte offsets.

use crate::diag::{FileId, Loc};

/// Line start offsets of one text.
pub struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    /// Indexes `text`.
    pub fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Self { text, starts }
    }

    /// Byte offset of 1-based `line`, 0-based character `col`, clamped to the text.
    pub fn offset(&self, line: usize, col: usize) -> usize {
        let Some(&start) = self.starts.get(line.saturating_sub(1)) else {
            return self.text.len();
        };
        let rest = &self.text[start..];
        if rest.as_bytes().get(..col).is_some_and(<[u8]>::is_ascii) {
            return start + col;
        }
        rest.char_indices().nth(col).map_or(self.text.len(), |(i, _)| start + i)
    }

    /// 1-based line and column (in characters) of byte `offset`.
    pub fn line_col(&self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts[line - 1];
        let col = self.text.get(start..offset).map_or(0, |s| s.chars().count());
        (to_u32(line), to_u32(col + 1))
    }

    /// The location spanning two parser markers. Line and column are those of the start
    /// offset: a marker past the end of the text (an error at end of file without a final
    /// newline) is clamped to the last character, not reported on a line the file lacks.
    pub fn loc(&self, file: FileId, start: (usize, usize), end: (usize, usize)) -> Loc {
        let from = self.offset(start.0, start.1);
        let to = self.offset(end.0, end.1).max(from);
        self.loc_of_range(file, from, to)
    }

    /// The location of byte range `from..to`.
    pub fn loc_of_range(&self, file: FileId, from: usize, to: usize) -> Loc {
        let (line, col) = self.line_col(from);
        Loc {
            file,
            line,
            col,
            offset: to_u32(from),
            len: to_u32(to.saturating_sub(from)),
        }
    }
}

fn to_u32(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
