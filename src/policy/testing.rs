//! `strata policy test`: runs the `test_*` rules of the built-in packs and the project's
//! policies (OPA-style unit tests). A test passes when its rule is true.

use super::engine::{self, Module};
use crate::diag::{Diagnostic, SourceMap};
use std::path::Path;

/// The outcome of one test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestResult {
    /// File holding the test.
    pub file: String,
    /// `package.test_name`.
    pub name: String,
    /// Pass, or the reason of the failure.
    pub outcome: Result<(), String>,
}

/// Runs every `test_*` rule of the built-in packs and of `root/policies` (when given).
/// Policy errors are returned as diagnostics.
pub fn run(root: Option<&Path>, sources: &mut SourceMap) -> (Vec<TestResult>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    let modules = match root {
        Some(root) => super::load_modules(root, true, sources, &mut diags),
        None => super::load_modules(Path::new("/nonexistent-strata-root"), true, sources, &mut diags),
    };
    let (mut engine, kept) = engine::build(&modules, &mut diags);
    let mut results = Vec::new();
    for &i in &kept {
        let m: &Module = &modules[i];
        let mut seen = Vec::new();
        for head in m.info.heads.iter().filter(|h| h.name.starts_with("test_")) {
            if seen.contains(&head.name) {
                continue;
            }
            seen.push(head.name.clone());
            let outcome = match engine.eval_rule(format!("data.{}.{}", m.info.package, head.name)) {
                Ok(v) if v == regorus::Value::from(true) => Ok(()),
                Ok(regorus::Value::Undefined) => Err("undefined (a condition did not hold)".to_string()),
                Ok(v) => Err(format!("evaluated to {}", v.to_json_str().unwrap_or_default().trim())),
                Err(e) => {
                    let d = engine::rego_error(&e.to_string(), &modules, head.loc);
                    let at = format!("{}:{}:{}", sources.path(d.loc.file), d.loc.line, d.loc.col);
                    Err(format!("{} at {at}", d.message))
                }
            };
            results.push(TestResult {
                file: m.display.clone(),
                name: format!("{}.{}", m.info.package, head.name),
                outcome,
            });
        }
    }
    (results, diags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_rule_has_passing_tests() {
        let mut sources = SourceMap::default();
        let (results, diags) = run(None, &mut sources);
        assert!(diags.is_empty(), "{diags:?}");
        let failed: Vec<&TestResult> = results.iter().filter(|t| t.outcome.is_err()).collect();
        assert!(failed.is_empty(), "{failed:?}");
        // Every documented rule id is named by a test (test_base_001_..., test_soc2_003_...).
        let mut diags = Vec::new();
        let modules =
            crate::policy::load_modules(Path::new("/nonexistent-strata-root"), false, &mut sources, &mut diags);
        let ids: Vec<String> = modules
            .iter()
            .flat_map(|m| m.info.rules.iter().map(|r| r.id.clone()))
            .collect();
        assert!(ids.len() >= 20, "{ids:?}");
        for id in ids {
            let stem = format!("test_{}", id.to_lowercase().replace('-', "_"));
            assert!(results.iter().any(|t| t.name.contains(&stem)), "no test for {id}");
        }
    }
}
