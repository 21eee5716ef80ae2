//! The regorus engine: modules parsed and analysed once per run, cloned per worker, each
//! evaluation bounded in time. Rego errors become STRATA-E080 at the `.rego` line.

use super::meta::FileInfo;
use crate::diag::{Diagnostic, FileId, Loc};
use crate::load::lines::LineIndex;
use regorus::utils::limits::ExecutionTimerConfig;
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

/// Longest one evaluation of one package may take.
pub const EVAL_LIMIT: Duration = Duration::from_secs(2);

/// A loaded `.rego` file.
#[derive(Debug, Clone)]
pub struct Module {
    /// Path shown in diagnostics (`policies/acme.rego`, `<builtin>/policies/soc2.rego`).
    pub display: String,
    /// Source text.
    pub text: Arc<String>,
    /// The file in the run's source map.
    pub file: FileId,
    /// Package, rule heads and metadata.
    pub info: FileInfo,
    /// Built-in pack name (`baseline`, `soc2`, ..., `lib`), or `None` for project policies.
    pub pack: Option<&'static str>,
}

/// A new engine with the evaluation time limit set.
pub fn new_engine() -> regorus::Engine {
    let mut engine = regorus::Engine::new();
    engine.set_execution_timer_config(ExecutionTimerConfig {
        limit: EVAL_LIMIT,
        check_interval: NonZeroU32::MIN.saturating_add(63),
    });
    engine.set_gather_prints(true);
    super::bounds::bound_ranges(&mut engine);
    // Durations are parsed in Rust: a regex per call in Rego costs more than every other
    // rule of the packs together.
    let parse = |args: Vec<regorus::Value>| -> anyhow::Result<regorus::Value> {
        let ms = args
            .first()
            .and_then(|v| v.as_string().ok())
            .and_then(|s| crate::duration::parse_duration(s));
        Ok(ms.map_or(regorus::Value::Undefined, |ms| regorus::Value::from(ms as f64 / 1000.0)))
    };
    let _ = engine.add_extension(DURATION_FN.to_string(), 1, Box::new(parse));
    engine
}

/// `strata_duration_seconds(d)`: the seconds of a Prometheus duration, undefined when it
/// does not parse (an extension function available to every policy).
pub const DURATION_FN: &str = "strata_duration_seconds";

/// Builds an engine from `modules`. A module that does not parse, or that makes the
/// analysis fail (unknown function, conflicting rules), is reported as STRATA-E080 and
/// left out, so one broken project policy does not disable the others. Returns the engine
/// and the indices of the modules it holds.
pub fn build(modules: &[Module], diags: &mut Vec<Diagnostic>) -> (regorus::Engine, Vec<usize>) {
    let mut kept: Vec<usize> = Vec::new();
    let mut engine = new_engine();
    for (i, m) in modules.iter().enumerate() {
        if let Some(d) = m
            .pack
            .is_none()
            .then(|| super::bounds::recursion(&m.text, m.file))
            .flatten()
        {
            diags.push(d);
            continue;
        }
        let mut next = engine.clone();
        match next.add_policy(m.display.clone(), m.text.to_string()) {
            Ok(_) => {
                engine = next;
                kept.push(i);
            }
            Err(e) => diags.push(rego_error(&e.to_string(), modules, Loc::file_start(m.file))),
        }
    }
    // Analysis errors name one file at a time: drop it and try again.
    let mut trial = engine;
    for _ in 0..=modules.len() {
        match trial.eval_query("true".to_string(), false) {
            Ok(_) => return (trial, kept),
            Err(e) => {
                let text = e.to_string();
                let culprit = kept
                    .iter()
                    .position(|&i| located_in(&text).is_some_and(|(p, _, _)| p == modules[i].display));
                let fallback = culprit
                    .and_then(|k| modules.get(kept[k]))
                    .or_else(|| kept.first().and_then(|&i| modules.get(i)))
                    .map_or(Loc::default(), |m| Loc::file_start(m.file));
                diags.push(rego_error(&text, modules, fallback));
                match culprit {
                    Some(k) => {
                        kept.remove(k);
                    }
                    None => return (new_engine(), Vec::new()),
                }
                trial = new_engine();
                for &i in &kept {
                    let _ = trial.add_policy(modules[i].display.clone(), modules[i].text.to_string());
                }
            }
        }
    }
    (new_engine(), Vec::new())
}

/// `--> path:line:col` in a regorus error.
fn located_in(text: &str) -> Option<(&str, u32, u32)> {
    let rest = &text[text.find("--> ")? + 4..];
    let rest = rest.lines().next()?;
    let mut parts = rest.rsplitn(3, ':');
    let col = parts.next()?.trim().parse().ok()?;
    let line = parts.next()?.trim().parse().ok()?;
    Some((parts.next()?, line, col))
}

/// Byte offset in `line` of regorus's 1-based column, which counts a tab as 4 columns.
fn offset_of_column(line: &str, col: u32) -> usize {
    let mut visual = 1u32;
    for (i, c) in line.char_indices() {
        if visual >= col || c == '\n' {
            return i;
        }
        visual += if c == '\t' { 4 } else { 1 };
    }
    line.len()
}

/// The message of a regorus error without its source excerpt.
fn message_of(text: &str) -> String {
    text.lines()
        .find_map(|l| l.trim().strip_prefix("error: "))
        .unwrap_or_else(|| text.trim())
        .to_string()
}

/// A Rego error as STRATA-E080, located at the `.rego` line the error names, or at
/// `fallback` (such as a time limit, which names no line).
pub fn rego_error(text: &str, modules: &[Module], fallback: Loc) -> Diagnostic {
    let loc = located_in(text)
        .and_then(|(path, line, col)| {
            let m = modules.iter().find(|m| m.display == path)?;
            let index = LineIndex::new(&m.text);
            let line_start = index.offset(line as usize, 0);
            let mut start = offset_of_column(&m.text[line_start..], col) + line_start;
            let mut end = m.text[start..]
                .find(['\n', ' ', '('])
                .map_or(m.text.len(), |e| start + e.max(1));
            // A call is reported at its `(`: point at the function name instead.
            if m.text[start..].starts_with('(') {
                end = start;
                let name = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.';
                start = m.text[..start].rfind(|c: char| !name(c)).map_or(0, |i| i + 1);
            }
            Some(index.loc_of_range(m.file, start, end))
        })
        .unwrap_or(fallback);
    let message = message_of(text);
    let help = if message.contains("time limit") {
        format!(
            "a policy evaluation may take at most {} s; look for a comprehension over a large range or a cross product",
            EVAL_LIMIT.as_secs()
        )
    } else if message.contains("exceeds the limit of") {
        format!(
            "a `numbers.range` may hold at most {} elements; iterate over the input's own collections instead",
            super::bounds::MAX_RANGE
        )
    } else if message.contains("could not find function") {
        "check the function's spelling against the Rego built-ins (https://www.openpolicyagent.org/docs/latest/policy-reference/)"
            .to_string()
    } else {
        "fix the policy; `strata policy test` runs its tests".to_string()
    };
    Diagnostic::error("STRATA-E080", loc, format!("policy error: {message}"))
        .with_label("here")
        .with_help(help)
}

/// Evaluates `data.<package>.<rule>` and returns its items (a set or array; an undefined
/// rule gives none). Errors are returned as regorus text.
pub fn eval_items(engine: &mut regorus::Engine, package: &str, rule: &str) -> Result<Vec<serde_json::Value>, String> {
    let value = engine
        .eval_rule(format!("data.{package}.{rule}"))
        .map_err(|e| e.to_string())?;
    let json = serde_json::to_value(&value).map_err(|e| e.to_string())?;
    Ok(match json {
        serde_json::Value::Array(items) => items,
        serde_json::Value::String(s) if s == "<undefined>" => Vec::new(),
        serde_json::Value::Null => Vec::new(),
        other => vec![other],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(display: &str, text: &str, file: u32) -> Module {
        Module {
            display: display.into(),
            text: Arc::new(text.into()),
            file: FileId(file),
            info: FileInfo::default(),
            pack: None,
        }
    }

    #[test]
    fn unknown_function_is_e080_at_its_line() {
        let modules = [
            module(
                "policies/a.rego",
                "package a\n\ndeny contains \"x\" if {\n  startswth(input.a, \"b\")\n}\n",
                1,
            ),
            module("policies/b.rego", "package b\n\ndeny contains \"y\" if { true }\n", 2),
        ];
        let mut diags = Vec::new();
        let (mut engine, kept) = build(&modules, &mut diags);
        assert_eq!((kept, diags.len()), (vec![0, 1], 0));
        // regorus resolves functions when it evaluates the call.
        let err = eval_items(&mut engine, "a", "deny").err().unwrap_or_default();
        let d = rego_error(&err, &modules, Loc::default());
        assert_eq!(
            (d.code.as_ref(), d.loc.file, d.loc.line, d.loc.col),
            ("STRATA-E080", FileId(1), 4, 3)
        );
        assert!(d.message.contains("startswth"), "{}", d.message);
        assert_eq!(eval_items(&mut engine, "b", "deny"), Ok(vec![serde_json::json!("y")]));
    }

    #[test]
    fn syntax_error_is_e080() {
        let modules = [module(
            "policies/y.rego",
            "package y\n\nviolation contains v if {\n  input.a ==\n}\n",
            3,
        )];
        let mut diags = Vec::new();
        let (_, kept) = build(&modules, &mut diags);
        assert!(kept.is_empty());
        assert_eq!((diags[0].code.as_ref(), diags[0].loc.line), ("STRATA-E080", 5));
    }
}
