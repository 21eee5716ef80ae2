//! Checks of every dashboard before it is written (STRATA-E072): the uid, panel ids,
//! grid positions, query reference ids, and every query: it parses as PromQL, each of its
//! selectors carries exactly the tenant's matcher, and it holds nothing Grafana would read
//! as a variable. A failure is a bug in strata or a hostile value in the config.

use super::model::{Dashboard, Problem};
use super::panels::{GRID_WIDTH, GridPos, Origin};
use promql_parser::label::{MatchOp, Matcher};
use promql_parser::parser::{Expr, VectorSelector};
use promql_parser::util::visitor::{ExprVisitor, walk_expr};
use std::collections::HashSet;

/// Grafana's limit on uids.
pub const MAX_UID_LEN: usize = 40;
/// Longest title written (Grafana stores titles in a column of 189 characters).
pub const MAX_TITLE_CHARS: usize = 189;

/// Whether `uid` is a valid Grafana uid.
pub fn valid_uid(uid: &str) -> bool {
    !uid.is_empty()
        && uid.len() <= MAX_UID_LEN
        && uid.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Every problem of `d`, a dashboard of `tenant` confined on `label`.
pub fn check(d: &Dashboard, label: &str, tenant: &str) -> Vec<Problem> {
    let mut problems = Vec::new();
    let board = Origin::at(&["monitoring", "dashboards"]);
    let mut fail = |origin: &Origin, message: String| {
        problems.push(Problem {
            origin: origin.clone(),
            message,
        })
    };
    if !valid_uid(&d.uid) {
        fail(
            &board,
            format!("uid `{}` is not 1 to 40 characters of A-Z a-z 0-9 - _", d.uid),
        );
    }
    for (what, title) in
        std::iter::once(("dashboard title", &d.title)).chain(d.panels.iter().map(|p| ("panel title", &p.title)))
    {
        if title.trim().is_empty()
            || title.chars().count() > MAX_TITLE_CHARS
            || title.contains(['$', '\n'])
            || title.contains("[[")
        {
            fail(
                &board,
                format!("{what} `{title}` is empty, too long, or holds a line break or a Grafana variable"),
            );
        }
    }
    for a in &d.annotations {
        if !a.expr.is_empty()
            && let Err(why) = check_query(&a.expr, label, tenant)
        {
            fail(&board, format!("annotation `{}`: {why}", a.name));
        }
    }
    let mut placed: Vec<GridPos> = Vec::with_capacity(d.panels.len());
    for (i, p) in d.panels.iter().enumerate() {
        if p.id as usize != i + 1 {
            fail(
                &p.origin,
                format!("panel `{}` has id {} instead of {}", p.title, p.id, i + 1),
            );
        }
        let g = p.grid_pos;
        if g.w == 0 || g.h == 0 || g.x + g.w > GRID_WIDTH {
            fail(&p.origin, format!("panel `{}` has an invalid gridPos {g:?}", p.title));
        }
        if let Some(other) = placed.iter().position(|o| overlaps(o, &g)) {
            fail(&p.origin, format!("panel `{}` overlaps panel {}", p.title, other + 1));
        }
        placed.push(g);
        if p.targets.is_empty() {
            fail(&p.origin, format!("panel `{}` has no query", p.title));
        }
        let mut ref_ids = HashSet::with_capacity(p.targets.len());
        for t in &p.targets {
            let origin = t.origin.as_ref().unwrap_or(&p.origin);
            if t.ref_id.is_empty() || !ref_ids.insert(t.ref_id.as_str()) {
                fail(
                    origin,
                    format!("panel `{}` repeats or lacks query refId `{}`", p.title, t.ref_id),
                );
            }
            if let Err(why) = check_query(&t.expr, label, tenant) {
                fail(origin, format!("panel `{}`, query {}: {why}", p.title, t.ref_id));
            }
        }
    }
    problems
}

fn overlaps(a: &GridPos, b: &GridPos) -> bool {
    a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h
}

/// Stands for the tenant id in the verdict cache (ids are DNS labels, so never this).
const PLACEHOLDER: &str = "__strata_tenant__";

/// Whether `expr` may be written for `tenant`: no Grafana variable, valid PromQL, and every
/// selector confined to the tenant. Verdicts are cached per thread on the query with the
/// tenant's matcher replaced by a placeholder, so each query shape is parsed once; the
/// check of the cached form then requires the placeholder, never another id.
pub fn check_query(expr: &str, label: &str, tenant: &str) -> Result<(), String> {
    if expr.contains('$') || expr.contains("[[") {
        return Err(format!(
            "`{expr}` holds `$` or `[[`, which Grafana would read as a variable"
        ));
    }
    if expr.contains(PLACEHOLDER) {
        return Err(format!("`{expr}` holds the reserved name {PLACEHOLDER}"));
    }
    let own = format!("{label}=\"{tenant}\"");
    let normalized = expr.replace(&own, &format!("{label}=\"{PLACEHOLDER}\""));
    type Cache = std::collections::HashMap<(String, String), Result<(), String>>;
    thread_local! {
        static CACHE: std::cell::RefCell<Cache> = Default::default();
    }
    let key = (normalized, label.to_string());
    if let Some(hit) = CACHE.with(|c| c.borrow().get(&key).cloned()) {
        return hit.map_err(|e| e.replace(PLACEHOLDER, tenant));
    }
    let verdict = verify_confined(&key.0, label);
    CACHE.with(|c| {
        let mut c = c.borrow_mut();
        if c.len() >= 20_000 {
            c.clear();
        }
        c.insert(key, verdict.clone());
    });
    verdict.map_err(|e| e.replace(PLACEHOLDER, tenant))
}

struct Confined<'a> {
    label: &'a str,
}

impl Confined<'_> {
    fn group(&self, group: &[Matcher]) -> Result<(), String> {
        let mut own = 0;
        for m in group.iter().filter(|m| m.name == self.label) {
            if m.op == MatchOp::Equal && m.value == PLACEHOLDER {
                own += 1;
            } else {
                return Err(format!("matcher `{m}` selects outside the tenant"));
            }
        }
        if own == 0 {
            return Err(format!("a selector lacks the `{}` matcher", self.label));
        }
        Ok(())
    }

    fn selector(&self, vs: &VectorSelector) -> Result<(), String> {
        if vs.matchers.or_matchers.is_empty() {
            return self.group(&vs.matchers.matchers);
        }
        vs.matchers.or_matchers.iter().try_for_each(|g| self.group(g))
    }
}

impl ExprVisitor for Confined<'_> {
    type Error = String;

    fn pre_visit(&mut self, expr: &Expr) -> Result<bool, String> {
        match expr {
            Expr::VectorSelector(vs) => self.selector(vs)?,
            Expr::MatrixSelector(ms) => self.selector(&ms.vs)?,
            _ => {}
        }
        Ok(true)
    }
}

fn verify_confined(expr: &str, label: &str) -> Result<(), String> {
    let ast = promql_parser::parser::parse(expr).map_err(|e| format!("`{expr}` is not valid PromQL: {e}"))?;
    walk_expr(&mut Confined { label }, &ast).map_err(|e| format!("`{expr}`: {e}"))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_must_be_confined_to_this_tenant() {
        assert_eq!(check_query("sum(rate(x{tenant=\"a\"}[5m]))", "tenant", "a"), Ok(()));
        assert!(check_query("sum(rate(x{tenant=\"a\"}[5m]))", "tenant", "b").is_err());
        assert!(check_query("x{tenant=\"a\"} / y", "tenant", "a").is_err());
        assert!(check_query("x{tenant=~\"a\"}", "tenant", "a").is_err());
        assert!(check_query("x{tenant=\"a\", tenant=\"b\"}", "tenant", "a").is_err());
        assert!(check_query("x{tenant=\"a\"} +", "tenant", "a").is_err());
        assert!(check_query("x{tenant=\"a\", f=\"$env\"}", "tenant", "a").is_err());
        assert!(check_query("x{tenant=\"a\", f=\"\\x24env\"}", "tenant", "a").is_ok());
        assert!(check_query("vector(1)", "tenant", "a").is_ok());
        // A cached verdict for one tenant does not pass another tenant's id.
        assert_eq!(check_query("up{tenant=\"a\"}", "tenant", "a"), Ok(()));
        assert!(check_query("up{tenant=\"a\"}", "tenant", "c").is_err());
    }

    #[test]
    fn uids() {
        assert!(valid_uid("acme-corp-0123456789ab"));
        assert!(!valid_uid(""));
        assert!(!valid_uid(&"a".repeat(41)));
        assert!(!valid_uid("a b"));
    }

    #[test]
    fn overlap() {
        let g = |x, y, w, h| GridPos { x, y, w, h };
        assert!(overlaps(&g(0, 0, 12, 8), &g(6, 4, 12, 8)));
        assert!(!overlaps(&g(0, 0, 12, 8), &g(12, 0, 12, 8)));
        assert!(!overlaps(&g(0, 0, 12, 8), &g(0, 8, 12, 8)));
    }
}
