//! The floor `scripts/bench_scale.sh` compares `strata build` with: read and parse every
//! YAML file of a fleet with the parser strata uses (saphyr-parser), and nothing else.
//!
//! ```sh
//! cargo run --release --example parse_floor -- FLEET [--write-like LIST DEST]
//! ```
//!
//! The files are parsed in parallel (rayon, as strata does) into events that are only
//! counted: no tree, no merge, no validation. With `--write-like`, it then also writes the
//! files named in LIST (lines `SIZE RELATIVE_PATH`, as `find OUT -type f -printf '%s %P\n'`
//! prints them for a build's output) under DEST with the same sizes: the bytes a build
//! writes, without computing them. Prints one summary line; exits 2 on any error.

use rayon::prelude::*;
use saphyr_parser::Parser;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// What the parse pass saw.
#[derive(Default)]
struct Parsed {
    files: usize,
    bytes: usize,
    events: usize,
}

fn yaml_files(root: &Path) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
        let entry = entry.map_err(|e| format!("walking {}: {e}", root.display()))?;
        let is_yaml = entry
            .path()
            .extension()
            .is_some_and(|ext| ext == "yaml" || ext == "yml");
        if entry.file_type().is_file() && is_yaml {
            files.push(entry.into_path());
        }
    }
    Ok(files)
}

fn parse_one(path: &Path) -> Result<Parsed, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut events = 0;
    for event in Parser::new_from_str(&text) {
        event.map_err(|e| format!("{}: {e}", path.display()))?;
        events += 1;
    }
    Ok(Parsed {
        files: 1,
        bytes: text.len(),
        events,
    })
}

fn parse_all(files: &[PathBuf]) -> Result<Parsed, String> {
    files
        .par_iter()
        .map(|path| parse_one(path))
        .try_reduce(Parsed::default, |a, b| {
            Ok(Parsed {
                files: a.files + b.files,
                bytes: a.bytes + b.bytes,
                events: a.events + b.events,
            })
        })
}

/// `(size, relative path)` of each line of LIST.
fn read_list(list: &Path) -> Result<Vec<(usize, PathBuf)>, String> {
    let text = std::fs::read_to_string(list).map_err(|e| format!("{}: {e}", list.display()))?;
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.is_empty())
        .map(|(n, line)| {
            let bad = || format!("{}:{}: expected `SIZE PATH`", list.display(), n + 1);
            let (size, path) = line.split_once(' ').ok_or_else(bad)?;
            let relative = Path::new(path);
            if relative.is_absolute() || relative.components().any(|c| c.as_os_str() == "..") {
                return Err(bad());
            }
            Ok((size.parse().map_err(|_| bad())?, relative.to_path_buf()))
        })
        .collect()
}

/// Writes each listed file under `dest` with its size; returns the bytes written.
fn write_like(files: &[(usize, PathBuf)], dest: &Path) -> Result<usize, String> {
    let dirs: HashSet<&Path> = files.iter().filter_map(|(_, p)| p.parent()).collect();
    for dir in dirs {
        let dir = dest.join(dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let largest = files.iter().map(|(size, _)| *size).max().unwrap_or(0);
    let filler = vec![b'#'; largest];
    files
        .par_iter()
        .try_fold(
            || 0,
            |written, (size, path)| {
                let path = dest.join(path);
                std::fs::write(&path, &filler[..*size]).map_err(|e| format!("{}: {e}", path.display()))?;
                Ok(written + size)
            },
        )
        .try_reduce(|| 0, |a, b| Ok(a + b))
}

fn run(args: &[String]) -> Result<String, String> {
    let usage = || "usage: parse_floor FLEET [--write-like LIST DEST]".to_string();
    let (fleet, write) = match args {
        [fleet] => (fleet, None),
        [fleet, flag, list, dest] if flag == "--write-like" => (fleet, Some((list, dest))),
        _ => return Err(usage()),
    };
    let parsed = parse_all(&yaml_files(Path::new(fleet))?)?;
    let mut summary = format!(
        "parsed {} YAML files ({} bytes, {} events)",
        parsed.files, parsed.bytes, parsed.events
    );
    if let Some((list, dest)) = write {
        let files = read_list(Path::new(list))?;
        let written = write_like(&files, Path::new(dest))?;
        summary.push_str(&format!("; wrote {} files ({written} bytes)", files.len()));
    }
    Ok(summary)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(summary) => {
            println!("{summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("parse_floor: {e}");
            ExitCode::from(2)
        }
    }
}
