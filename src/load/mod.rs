//! Reading a config repository: finding its layer files, decoding them safely (size limit,
//! UTF-8, BOM) and parsing them into [`Node`] trees with spans.

pub mod lines;
pub mod node;
mod overrides;
mod repo;
mod scalar;
mod yaml;

pub use node::{Entry, Kind, Map, Node};
pub use repo::{LayerFile, Repo, Selection, TenantFiles, load_repo};
pub use yaml::{MAX_DEPTH, MAX_NODES, parse_yaml};

use crate::diag::{Diagnostic, FileId, Loc};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Largest input file accepted, in bytes.
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// The bytes and decoded text of one input file.
pub struct RawFile {
    /// Exact bytes on disk (hashed into the manifest).
    pub bytes: Vec<u8>,
    /// Decoded text, BOM removed; lossy when the file is not UTF-8.
    pub text: String,
}

/// Reads a file within [`MAX_FILE_BYTES`]. I/O failures are returned as text.
pub fn read_file(path: &Path) -> Result<RawFile, String> {
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    Ok(decode(bytes))
}

/// The [`RawFile`] of `bytes` as read from disk: decoded lossily, BOM removed.
pub fn decode(bytes: Vec<u8>) -> RawFile {
    let text = String::from_utf8_lossy(&bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text).to_string();
    RawFile { bytes, text }
}

/// Why a repository file could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// Its real path (symbolic links resolved) is outside the repository.
    Outside(PathBuf),
    /// An I/O failure, as text.
    Io(String),
}

impl ReadError {
    /// The diagnostic for this failure, at the start of `file`.
    pub fn diagnostic(&self, file: FileId) -> Diagnostic {
        match self {
            ReadError::Outside(real) => Diagnostic::error(
                "STRATA-E041",
                Loc::file_start(file),
                format!(
                    "file is a symbolic link to `{}`, outside the repository",
                    real.display()
                ),
            )
            .with_help("copy the file into the repository instead of linking to it"),
            ReadError::Io(e) => {
                Diagnostic::error("STRATA-E040", Loc::file_start(file), format!("cannot read file: {e}"))
                    .with_help("check the file's permissions")
            }
        }
    }
}

/// Reads a repository file like [`read_file`], refusing one whose real path (symbolic links
/// resolved) is outside `root`, which must be canonical: a tenant file linked to
/// `/etc/passwd` is neither read nor quoted in a diagnostic.
pub fn read_inside(root: &Path, path: &Path) -> Result<RawFile, ReadError> {
    let real = std::fs::canonicalize(path).map_err(|e| ReadError::Io(e.to_string()))?;
    if !real.starts_with(root) {
        return Err(ReadError::Outside(real));
    }
    read_file(&real).map_err(ReadError::Io)
}

/// Checks size and encoding of a file read by [`read_file`]; a problem is a diagnostic.
pub fn check_raw(raw: &RawFile, file: FileId) -> Option<Diagnostic> {
    if raw.bytes.len() as u64 > MAX_FILE_BYTES {
        return Some(
            Diagnostic::error(
                "STRATA-E005",
                Loc::file_start(file),
                format!("file is larger than {} MiB", MAX_FILE_BYTES / (1024 * 1024)),
            )
            .with_help("split the file; a tenant document is a few kilobytes"),
        );
    }
    let body = raw.bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&raw.bytes);
    if let Err(e) = std::str::from_utf8(body) {
        let idx = lines::LineIndex::new(&raw.text);
        let at = e.valid_up_to();
        return Some(
            Diagnostic::error("STRATA-E006", idx.loc_of_range(file, at, at), "file is not valid UTF-8")
                .with_label("invalid byte sequence starts here")
                .with_help("save the file as UTF-8"),
        );
    }
    None
}
