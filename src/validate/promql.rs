//! PromQL (SPEC sections 3 and 4): every rule expression is parsed, and every vector and
//! matrix selector in it is confined to its tenant: `<tenant_label>="<id>"` is added where
//! missing, and a matcher on that label that names or could match another tenant
//! (`!=`, `=~`, `!~`, another id) is refused, as is `label_replace`/`label_join` writing it. The rewritten expression replaces the value,
//! so everything rendered from the document carries it.

use crate::diag::{Diagnostic, Loc, SourceMap};
use crate::load::{Kind, Node};
use promql_parser::label::{MatchOp, Matcher, Matchers};
use promql_parser::parser::{AtModifier, Expr, VectorSelector};
use promql_parser::util::visitor::{ExprVisitor, ExprVisitorMut, walk_expr, walk_expr_mut};

/// Why an expression cannot be confined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromqlError {
    /// Not valid PromQL; `at` is the byte offset of the problem when it is known.
    Syntax { message: String, at: Option<usize> },
    /// A matcher on the tenant label that is not `="<this tenant>"`, or a function writing
    /// that label.
    ForeignMatcher { matcher: String },
}

struct Confine<'a> {
    label: &'a str,
    tenant: &'a str,
}

impl Confine<'_> {
    fn check_group(&self, group: &mut Vec<Matcher>) -> Result<(), PromqlError> {
        let mut has_own = false;
        for m in group.iter() {
            if m.name != self.label {
                continue;
            }
            match &m.op {
                MatchOp::Equal if m.value == self.tenant => has_own = true,
                _ => return Err(PromqlError::ForeignMatcher { matcher: m.to_string() }),
            }
        }
        if !has_own {
            group.push(Matcher::new(MatchOp::Equal, self.label, self.tenant));
        }
        Ok(())
    }

    fn confine(&self, vs: &mut VectorSelector) -> Result<(), PromqlError> {
        let Matchers { matchers, or_matchers } = &mut vs.matchers;
        if or_matchers.is_empty() {
            return self.check_group(matchers);
        }
        for group in or_matchers.iter_mut() {
            self.check_group(group)?;
        }
        Ok(())
    }
}

impl ExprVisitorMut for Confine<'_> {
    type Error = PromqlError;

    fn pre_visit(&mut self, expr: &mut Expr) -> Result<bool, PromqlError> {
        match expr {
            Expr::VectorSelector(vs) => self.confine(vs)?,
            Expr::MatrixSelector(ms) => self.confine(&mut ms.vs)?,
            Expr::Call(call) if matches!(call.func.name, "label_replace" | "label_join") => {
                // The second argument is the label written: writing the tenant label would
                // relabel this tenant's series as another's.
                if let Some(Expr::StringLiteral(dst)) = call.args.args.get(1).map(|a| a.as_ref())
                    && dst.val == self.label
                {
                    return Err(PromqlError::ForeignMatcher {
                        matcher: format!("{}(..., \"{}\", ...)", call.func.name, dst.val),
                    });
                }
            }
            _ => {}
        }
        Ok(true)
    }
}

/// Where a left-to-right scan of PromQL text is with respect to string literals.
#[derive(Default)]
struct StringLiteral {
    quote: Option<char>,
    escaped: bool,
}

impl StringLiteral {
    /// Feeds the next character; true when it belongs to a string literal (its quotes
    /// included), which the scan then skips.
    fn takes(&mut self, c: char) -> bool {
        if let Some(q) = self.quote {
            match c {
                _ if self.escaped => self.escaped = false,
                '\\' => self.escaped = true,
                _ if c == q => self.quote = None,
                _ => {}
            }
            return true;
        }
        if matches!(c, '"' | '\'' | '`') {
            self.quote = Some(c);
            return true;
        }
        false
    }
}

/// Byte offset of a number used as a duration (after `[`, `:` or `offset`) that is not a
/// positive whole number of milliseconds below 10^15 seconds (found by fuzzing):
/// promql-parser panics converting `rate(x[1e30])`, and prints `rate(x[0.0001])` and
/// `rate(x[00])` as `[0s]`, which it refuses to read back.
fn bad_number_duration_at(expr: &str) -> Option<usize> {
    let is_word = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '+' | '-');
    let mut literal = StringLiteral::default();
    let mut before = String::new();
    let mut brackets = 0usize;
    let mut i = 0;
    while let Some(c) = expr[i..].chars().next() {
        if literal.takes(c) {
            i += c.len_utf8();
            continue;
        }
        if is_word(c) {
            let end = expr[i..].find(|c: char| !is_word(c)).map_or(expr.len(), |n| i + n);
            let word = &expr[i..end];
            let duration_slot = before.ends_with('[')
                || (brackets > 0 && before.ends_with(':'))
                || before.eq_ignore_ascii_case("offset");
            let value = word.strip_prefix("0x").or_else(|| word.strip_prefix("0X")).map_or_else(
                || word.parse::<f64>().ok(),
                |hex| u64::from_str_radix(hex, 16).ok().map(|v| v as f64),
            );
            let bad = |v: f64| {
                !(v > 0.0 && v < 1e15) || std::time::Duration::from_secs_f64(v).subsec_nanos() % 1_000_000 != 0
            };
            if duration_slot && value.is_some_and(bad) {
                return Some(i);
            }
            before = word.to_string();
            i = end;
            continue;
        } else if !c.is_whitespace() {
            match c {
                '[' => brackets += 1,
                ']' => brackets = brackets.saturating_sub(1),
                _ => {}
            }
            before = c.to_string();
        }
        i += c.len_utf8();
    }
    None
}

/// Parses `expr`, as a [`PromqlError`] on failure; never panics on hostile input.
pub fn parse(expr: &str) -> Result<Expr, PromqlError> {
    if let Some(at) = bad_number_duration_at(expr) {
        return Err(PromqlError::Syntax {
            message: "a duration given as a number of seconds must be a whole number of milliseconds below 10^15"
                .into(),
            at: Some(at),
        });
    }
    // The parser is third-party code: a panic on some other input is a refused expression.
    let ast = std::panic::catch_unwind(|| promql_parser::parser::parse(expr))
        .unwrap_or_else(|_| Err("the PromQL parser cannot read this expression".into()))
        .map_err(|message| PromqlError::Syntax {
            at: unbalanced_at(expr),
            message,
        })?;
    if has_at_before_epoch(&ast) {
        return Err(PromqlError::Syntax {
            message: "an `@` timestamp before 1970 is not supported".into(),
            at: expr.find('@'),
        });
    }
    Ok(ast)
}

/// Whether an `@` modifier of `ast` names an instant before 1970: the printer writes it as
/// `@ 0.000`, another instant, so the confined expression would not mean the same.
fn has_at_before_epoch(ast: &Expr) -> bool {
    struct Finder(bool);
    impl ExprVisitor for Finder {
        type Error = ();

        fn pre_visit(&mut self, expr: &Expr) -> Result<bool, ()> {
            let at = match expr {
                Expr::VectorSelector(vs) => vs.at.as_ref(),
                Expr::MatrixSelector(ms) => ms.vs.at.as_ref(),
                Expr::Subquery(sq) => sq.at.as_ref(),
                _ => None,
            };
            self.0 |= matches!(at, Some(AtModifier::At(t)) if t.duration_since(std::time::UNIX_EPOCH).is_err());
            Ok(!self.0)
        }
    }
    let mut finder = Finder(false);
    let _ = walk_expr(&mut finder, ast);
    finder.0
}

/// Parses `expr` and confines every selector to `tenant` on `label`.
pub fn confine(expr: &str, label: &str, tenant: &str) -> Result<String, PromqlError> {
    let mut ast = parse(expr)?;
    confine_ast(&mut ast, label, tenant)?;
    Ok(ast.to_string())
}

/// Confines every selector of a parsed expression to `tenant` on `label`, in place.
pub fn confine_ast(ast: &mut Expr, label: &str, tenant: &str) -> Result<(), PromqlError> {
    walk_expr_mut(&mut Confine { label, tenant }, ast).map(|_| ())
}

/// Stands for the tenant id in cached results; ids are DNS labels, so it cannot be one.
const TENANT_PLACEHOLDER: &str = "__strata_tenant__";

/// [`confine`], remembering results per thread: tenants share most expressions (the same
/// rule in every environment, defaults for every tenant), so each is parsed once. An
/// expression that mentions the tenant label is always parsed, as its result depends on
/// the tenant.
pub fn confine_cached(expr: &str, label: &str, tenant: &str) -> Result<String, PromqlError> {
    type Cache = std::collections::HashMap<(String, String), Result<String, PromqlError>>;
    thread_local! {
        static CACHE: std::cell::RefCell<Cache> = Default::default();
    }
    if mentions_name(expr, label) || expr.contains(TENANT_PLACEHOLDER) {
        return confine(expr, label, tenant);
    }
    let key = (expr.to_string(), label.to_string());
    let cached = CACHE.with(|c| c.borrow().get(&key).cloned());
    let result = cached.unwrap_or_else(|| {
        let result = confine(expr, label, TENANT_PLACEHOLDER);
        CACHE.with(|c| {
            let mut c = c.borrow_mut();
            if c.len() >= 50_000 {
                c.clear();
            }
            c.insert(key, result.clone());
        });
        result
    });
    result.map(|confined| confined.replace(TENANT_PLACEHOLDER, tenant))
}

/// Whether `name` occurs in `expr` as a whole name, not inside a longer metric or label
/// name (`tenant` in `by (tenant)` but not in `tenant:requests:rate5m`).
fn mentions_name(expr: &str, name: &str) -> bool {
    let is_name_char = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == ':';
    expr.match_indices(name).any(|(at, _)| {
        let before = expr[..at].chars().next_back();
        let after = expr[at + name.len()..].chars().next();
        !before.is_some_and(is_name_char) && !after.is_some_and(is_name_char)
    })
}

/// Byte offset of an unclosed or unmatched bracket, outside string literals.
fn unbalanced_at(expr: &str) -> Option<usize> {
    let mut stack = Vec::new();
    let mut literal = StringLiteral::default();
    for (i, c) in expr.char_indices() {
        if literal.takes(c) {
            continue;
        }
        match c {
            '(' | '[' | '{' => stack.push((c, i)),
            ')' | ']' | '}' => {
                let want = match c {
                    ')' => '(',
                    ']' => '[',
                    _ => '{',
                };
                match stack.pop() {
                    Some((open, _)) if open == want => {}
                    _ => return Some(i),
                }
            }
            _ => {}
        }
    }
    stack.last().map(|(_, i)| *i)
}

/// Byte offset of the first matcher on `label` in `expr`, for pointing at it.
pub(crate) fn matcher_at(expr: &str, label: &str) -> Option<usize> {
    expr.match_indices(label).map(|(i, _)| i).find(|&i| {
        let before = expr[..i].chars().next_back();
        let after = expr[i + label.len()..].trim_start();
        !before.is_some_and(|c| c.is_alphanumeric() || c == '_')
            && ["=", "!=", "=~", "!~"].iter().any(|op| after.starts_with(op))
    })
}

/// STRATA-E051 at `loc`: expression `display` holds `matcher`, a tenant-label matcher
/// that is not the tenant's own.
pub fn foreign_matcher(loc: Loc, display: &str, label: &str, tenant: &str, matcher: &str) -> Diagnostic {
    Diagnostic::error(
        "STRATA-E051",
        loc,
        format!("`{display}` selects outside tenant `{tenant}`: `{matcher}`"),
    )
    .with_label(format!("`{label}` matcher that is not `{label}=\"{tenant}\"`"))
    .with_help(format!(
        "remove the `{label}` matcher: strata adds `{label}=\"{tenant}\"` to every selector"
    ))
}

/// The location of byte `offset` inside the string value at `loc`, when the value is
/// written on one line (plain or quoted without escapes before it); else the value itself.
pub fn loc_inside(sources: &SourceMap, loc: Loc, text: &str, offset: usize) -> Loc {
    let Some(snippet) = sources.snippet(loc) else {
        return loc;
    };
    let shift = if snippet.starts_with(text) {
        0
    } else if (snippet.starts_with('"') || snippet.starts_with('\''))
        && snippet[1..].starts_with(&text[..offset.min(text.len())])
    {
        1
    } else {
        return loc;
    };
    let prefix = &text[..offset.min(text.len())];
    if prefix.contains('\n') {
        return loc;
    }
    Loc {
        col: loc.col + u32::try_from(prefix.chars().count() + shift).unwrap_or(0),
        offset: loc.offset + u32::try_from(prefix.len() + shift).unwrap_or(0),
        len: 1,
        ..loc
    }
}

/// The expressions of a tenant document: (path for messages, path of keys).
fn expression_paths(doc: &Node) -> Vec<(String, [String; 3])> {
    let mut out = Vec::new();
    for (section, list) in [("alerting", "rules"), ("monitoring", "recording_rules")] {
        if let Some(rules) = doc.at(&[section, list]) {
            for (key, _) in rules.entries() {
                out.push((
                    format!("{section}.{list}.{key}.expr"),
                    [section.to_string(), list.to_string(), key.clone()],
                ));
            }
        }
    }
    out
}

fn expr_node_mut<'a>(doc: &'a mut Node, path: &[String; 3]) -> Option<&'a mut Node> {
    let mut node = doc;
    for key in path.iter().map(String::as_str).chain(["expr"]) {
        node = match &mut node.kind {
            Kind::Map(m) => &mut m.get_mut(key)?.value,
            _ => return None,
        };
    }
    Some(node)
}

/// Checks the input series of alert tests (`metric{labels}` selectors), which the
/// rendered promtool tests confine to the tenant.
fn check_test_series(doc: &Node, label: &str, tenant: &str, diags: &mut Vec<Diagnostic>) {
    let Some(tests) = doc.at(&["alerting", "tests"]) else {
        return;
    };
    for test in tests.items() {
        for (series, entry) in test
            .get("series")
            .map(|s| s.entries().collect::<Vec<_>>())
            .unwrap_or_default()
        {
            let problem = match confine_cached(series, label, tenant) {
                Ok(_) => continue,
                Err(PromqlError::Syntax { message, .. }) => format!("is not a valid series selector: {message}"),
                Err(PromqlError::ForeignMatcher { matcher }) => {
                    format!("selects outside tenant `{tenant}`: `{matcher}`")
                }
            };
            diags.push(
                Diagnostic::error(
                    "STRATA-E050",
                    entry.key_loc,
                    format!("alert test series `{series}` {problem}"),
                )
                .with_label("input series")
                .with_help(format!(
                    "write `metric{{label=\"value\"}}` without a `{label}` label; strata adds it"
                )),
            );
        }
    }
}

/// Parses and confines every rule expression of `doc` in place, reporting problems.
pub fn check_and_confine(doc: &mut Node, label: &str, tenant: &str, sources: &SourceMap, diags: &mut Vec<Diagnostic>) {
    check_test_series(doc, label, tenant, diags);
    super::slo_promql::check(doc, label, tenant, sources, diags);
    for (display, path) in expression_paths(doc) {
        let Some(node) = expr_node_mut(doc, &path) else {
            continue;
        };
        if node.is_unresolved() {
            continue;
        }
        let Some(text) = node.as_str().map(String::from) else {
            continue;
        };
        match confine_cached(&text, label, tenant) {
            Ok(confined) => {
                if confined != text {
                    node.raw.get_or_insert_with(|| text.clone().into_boxed_str());
                    node.kind = Kind::Str(confined);
                }
            }
            Err(PromqlError::Syntax { message, at }) => {
                let loc = at.map_or(node.loc, |at| loc_inside(sources, node.loc, &text, at));
                diags.push(
                    Diagnostic::error(
                        "STRATA-E050",
                        loc,
                        format!("`{display}` is not valid PromQL: {message}"),
                    )
                    .with_label("PromQL syntax error")
                    .with_help("check the expression with `promtool query instant` or the Prometheus UI"),
                );
            }
            Err(PromqlError::ForeignMatcher { matcher }) => {
                let loc = matcher_at(&text, label).map_or(node.loc, |at| loc_inside(sources, node.loc, &text, at));
                diags.push(foreign_matcher(loc, &display, label, tenant, &matcher));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_at_timestamp_before_1970_is_refused_and_later_ones_round_trip() {
        for expr in ["x @ -1024", "rate(x[5m] @ -0.5)", "max_over_time(x[5m:1m] @ -60)"] {
            match confine(expr, "tenant", "a") {
                Err(PromqlError::Syntax { at: Some(at), message }) => {
                    assert!(
                        expr[at..].starts_with('@') && message.contains("1970"),
                        "{expr}: {message}"
                    )
                }
                other => panic!("{expr}: {other:?}"),
            }
        }
        assert_eq!(
            confine("x @ 0", "tenant", "a").as_deref(),
            Ok("x{tenant=\"a\"} @ 0.000")
        );
        assert_eq!(
            confine("x @ 1700000000", "tenant", "a").as_deref(),
            Ok("x{tenant=\"a\"} @ 1700000000.000")
        );
    }

    #[test]
    fn a_number_duration_out_of_range_is_a_syntax_error_not_a_panic() {
        for (expr, word) in [
            ("rate(x[106666666666666666666666666666])", "1066"),
            ("rate(x[5m:1e30])", "1e30"),
            ("x offset 1e20", "1e20"),
            ("rate(x[0xFFFFFFFFFFFFFFFF])", "0xFF"),
            ("rate(x[0.0001])", "0.0001"),
            ("rate(x[NaN])", "NaN"),
            ("rate(x[00])", "00"),
        ] {
            match confine(expr, "tenant", "a") {
                Err(PromqlError::Syntax { at: Some(at), .. }) => assert!(expr[at..].starts_with(word), "{expr}"),
                other => panic!("{expr}: {other:?}"),
            }
        }
        assert!(confine("rate(x[300]) > 1e30", "tenant", "a").is_ok());
        assert!(confine("rate(x[1.5])", "tenant", "a").is_ok());
        assert!(confine(":0 + x", "tenant", "a").is_ok(), "a metric named `:0`");
        assert!(confine("x{le=\"[1e30\"}", "tenant", "a").is_ok());
    }

    fn ok(expr: &str) -> String {
        confine(expr, "tenant", "acme").unwrap_or_else(|e| panic!("{expr}: {e:?}"))
    }

    #[test]
    fn whole_names_only_bypass_the_cache() {
        assert!(mentions_name("sum by (tenant) (up)", "tenant"));
        assert!(mentions_name("up{tenant=\"x\"}", "tenant"));
        assert!(!mentions_name("tenant:requests:rate5m > 1", "tenant"));
        assert!(!mentions_name("multitenant_up", "tenant"));
        let cached = confine_cached("tenant:requests:rate5m > 1", "tenant", "a");
        let cached_b = confine_cached("tenant:requests:rate5m > 1", "tenant", "b");
        assert_eq!(cached, Ok("tenant:requests:rate5m{tenant=\"a\"} > 1".to_string()));
        assert_eq!(cached_b, Ok("tenant:requests:rate5m{tenant=\"b\"} > 1".to_string()));
        assert_eq!(
            confine_cached("up{tenant=\"other\"}", "tenant", "a"),
            confine("up{tenant=\"other\"}", "tenant", "a")
        );
    }

    #[test]
    fn every_selector_is_confined() {
        assert_eq!(ok("up"), "up{tenant=\"acme\"}");
        assert_eq!(ok("rate(x[5m])"), "rate(x{tenant=\"acme\"}[5m])");
        assert_eq!(
            ok("sum by (job) (rate(a[5m])) / on(job) b > 1"),
            "sum by (job) (rate(a{tenant=\"acme\"}[5m])) / on (job) b{tenant=\"acme\"} > 1"
        );
        assert_eq!(
            ok("max_over_time(rate(x[1m])[5m:1m])"),
            "max_over_time(rate(x{tenant=\"acme\"}[1m])[5m:1m])"
        );
        assert_eq!(
            ok("up{job=\"a\" or job=\"b\"}"),
            "up{job=\"a\", tenant=\"acme\" or job=\"b\", tenant=\"acme\"}"
        );
        assert_eq!(ok("up{tenant=\"acme\"}"), "up{tenant=\"acme\"}");
        assert_eq!(ok("vector(1)"), "vector(1)");
        assert!(ok("label_replace(up, \"x\", \"$1\", \"tenant\", \"(.*)\")").contains("tenant=\"acme\""));
    }

    #[test]
    fn other_tenants_and_inexact_matchers_are_refused() {
        for bad in [
            "up{tenant=\"other\"}",
            "up{tenant!=\"acme\"}",
            "up{tenant=~\"ac.*\"}",
            "rate(x{tenant!~\"b\"}[5m])",
            "up{job=\"a\" or tenant=\"b\"}",
            "label_replace(up, \"tenant\", \"b\", \"\", \"\")",
            "sum(label_join(up, \"tenant\", \",\", \"job\"))",
        ] {
            assert!(
                matches!(confine(bad, "tenant", "acme"), Err(PromqlError::ForeignMatcher { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn cached_results_are_the_tenants_own() {
        for tenant in ["acme", "globex", "acme"] {
            let expected = confine("rate(x[5m])", "tenant", tenant);
            assert_eq!(confine_cached("rate(x[5m])", "tenant", tenant), expected);
        }
        assert!(confine_cached("up{tenant=\"acme\"}", "tenant", "acme").is_ok());
        assert!(confine_cached("up{tenant=\"acme\"}", "tenant", "globex").is_err());
    }

    #[test]
    fn syntax_errors_point_at_unbalanced_brackets() {
        assert_eq!(unbalanced_at("sum(rate(x[5m]) by (job"), Some(19));
        assert_eq!(unbalanced_at("foo{a=\"(\"}"), None);
        assert!(matches!(
            confine("rate(x[5m]) >", "tenant", "a"),
            Err(PromqlError::Syntax { .. })
        ));
    }
}
