//! What a policy may cost: `numbers.range` and `numbers.range_step` limited to
//! [`MAX_RANGE`] elements (regorus reserves the whole array before its own limits apply, so
//! a range of 10^9 aborts the process), and recursive functions refused before evaluation
//! (regorus recurses until the stack overflows; OPA refuses them at compile time).

use crate::diag::{Diagnostic, FileId};
use crate::load::lines::LineIndex;
use regorus::Value;
use std::collections::{BTreeMap, BTreeSet};

/// Most elements one `numbers.range` or `numbers.range_step` call may produce.
pub const MAX_RANGE: i64 = 1_000_000;

/// Replaces `numbers.range` and `numbers.range_step` of `engine` with versions that refuse
/// more than [`MAX_RANGE`] elements with an error instead of reserving the memory.
pub fn bound_ranges(engine: &mut regorus::Engine) {
    let range = |args: Vec<Value>| -> anyhow::Result<Value> {
        match (int(args.first()), int(args.get(1))) {
            (Some(from), Some(to)) => range_of(from, to, 1),
            _ => Ok(Value::Undefined),
        }
    };
    let range_step = |args: Vec<Value>| -> anyhow::Result<Value> {
        match (int(args.first()), int(args.get(1)), int(args.get(2))) {
            (Some(_), Some(_), Some(step)) if step <= 0 => {
                anyhow::bail!("numbers.range_step: step must be a positive number above zero")
            }
            (Some(from), Some(to), Some(step)) => range_of(from, to, step),
            _ => Ok(Value::Undefined),
        }
    };
    let _ = engine.add_extension("numbers.range".to_string(), 2, Box::new(range));
    let _ = engine.add_extension("numbers.range_step".to_string(), 3, Box::new(range_step));
}

fn int(v: Option<&Value>) -> Option<i64> {
    v.and_then(|v| v.as_i64().ok())
}

fn range_of(from: i64, to: i64, step: i64) -> anyhow::Result<Value> {
    let count = (i128::from(to) - i128::from(from)).abs() / i128::from(step) + 1;
    if count > i128::from(MAX_RANGE) {
        anyhow::bail!("numbers.range of {count} elements exceeds the limit of {MAX_RANGE}");
    }
    let step = if to < from { -step } else { step };
    let items: Vec<Value> = (0..count as i64).map(|i| Value::from(from + i * step)).collect();
    Ok(Value::from(items))
}

/// The first function of `text` that calls itself, directly or through other functions of
/// the same file, as a diagnostic at its definition.
pub fn recursion(text: &str, file: FileId) -> Option<Diagnostic> {
    let defs = functions(text);
    let names: BTreeSet<&str> = defs.iter().map(|(name, _, _)| *name).collect();
    let mut calls: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for (name, _, body) in &defs {
        calls
            .entry(name)
            .or_default()
            .extend(names.iter().filter(|n| calls_name(body, n)));
    }
    let (name, at, _) = defs.iter().find(|(name, _, _)| reaches(&calls, name, name))?;
    let index = LineIndex::new(text);
    Some(
        Diagnostic::error(
            "STRATA-E080",
            index.loc_of_range(file, *at, at + name.len()),
            format!("policy error: function `{name}` calls itself (recursion)"),
        )
        .with_label("recursive function")
        .with_help("Rego does not allow recursion (OPA refuses it too); iterate with a comprehension or `walk`"),
    )
}

/// Function definitions of `text`: name, offset of the name, and the text up to the next
/// definition or rule at the start of a line.
fn functions(text: &str) -> Vec<(&str, usize, &str)> {
    let mut heads: Vec<(usize, Option<&str>)> = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let word_end = line
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(line.len());
        if word_end > 0 {
            let is_function = line[word_end..].starts_with('(');
            heads.push((offset, is_function.then(|| &line[..word_end])));
        }
        offset += line.len();
    }
    heads
        .iter()
        .enumerate()
        .filter_map(|(i, (start, name))| {
            let name = (*name)?;
            let end = heads.get(i + 1).map_or(text.len(), |(next, _)| *next);
            Some((name, *start, &text[start + name.len()..end]))
        })
        .collect()
}

fn calls_name(body: &str, name: &str) -> bool {
    body.match_indices(name).any(|(i, _)| {
        let before = body[..i].chars().next_back();
        let ident = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.';
        !before.is_some_and(ident) && body[i + name.len()..].starts_with('(')
    })
}

fn reaches(calls: &BTreeMap<&str, BTreeSet<&str>>, from: &str, target: &str) -> bool {
    let mut seen = BTreeSet::new();
    let mut todo: Vec<&str> = calls.get(from).map(|c| c.iter().copied().collect()).unwrap_or_default();
    while let Some(next) = todo.pop() {
        if next == target {
            return true;
        }
        if seen.insert(next) {
            todo.extend(calls.get(next).into_iter().flatten().copied());
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn direct_and_mutual_recursion_are_found_and_plain_calls_are_not() {
        let direct = "package a\n\nf(x) := y if {\n\ty := f(x + 1)\n}\n";
        let d = recursion(direct, FileId(0)).map(|d| d.loc.line);
        assert_eq!(d, Some(3));
        let mutual = "package a\n\ng(x) := h(x)\n\nh(x) := g(x)\n";
        assert!(recursion(mutual, FileId(0)).is_some());
        let plain = "package a\n\nf(x) := x + 1\n\ng(x) := f(x) * 2\n\nallow if g(1) == 4\n";
        assert!(recursion(plain, FileId(0)).is_none());
        let other_package = "package a\n\nf(x) := data.b.f(x)\n";
        assert!(recursion(other_package, FileId(0)).is_none());
    }

    #[test]
    fn ranges_are_bounded() {
        let values = |v: anyhow::Result<Value>| v.ok().and_then(|v| serde_json::to_value(&v).ok());
        assert_eq!(values(range_of(3, 1, 1)), Some(serde_json::json!([3, 2, 1])));
        assert_eq!(values(range_of(0, 6, 3)), Some(serde_json::json!([0, 3, 6])));
        assert!(range_of(1, 1_000_000_000, 1).is_err());
    }
}
