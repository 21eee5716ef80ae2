//! Fuzz target `promql_confine`: the confinement round trip. An expression strata accepts
//! is confined to a tenant, printed and parsed again: the printed text parses to the same
//! tree as the confined one (same meaning), confining it again changes nothing, every
//! selector (each `or` group) carries exactly the tenant's matcher and no other on the
//! tenant label, and the cached confinement gives the same answer. A refused expression
//! is refused for the reason PromQL gives, with a position inside the text.

use promql_parser::label::{MatchOp, Matcher};
use promql_parser::parser::{Expr, LabelModifier, VectorMatchCardinality, VectorSelector};
use promql_parser::util::visitor::{ExprVisitor, ExprVisitorMut, walk_expr, walk_expr_mut};
use strata::validate::promql::{PromqlError, confine, confine_ast, confine_cached, parse};

/// Tenant ids and tenant labels the first input byte chooses from.
const TENANTS: &[&str] = &["acme", "b", "tenant-2"];
const LABELS: &[&str] = &["tenant", "team", "namespace"];

struct Confined<'a> {
    label: &'a str,
    tenant: &'a str,
}

impl Confined<'_> {
    fn check_group(&self, group: &[Matcher], expr: &Expr) {
        let own: Vec<&Matcher> = group.iter().filter(|m| m.name == self.label).collect();
        assert!(
            own.len() == 1 && own[0].op == MatchOp::Equal && own[0].value == self.tenant,
            "selector not confined to {}=\"{}\": {expr}",
            self.label,
            self.tenant
        );
    }

    fn check(&self, vs: &VectorSelector, expr: &Expr) {
        if vs.matchers.or_matchers.is_empty() {
            self.check_group(&vs.matchers.matchers, expr);
        }
        for group in &vs.matchers.or_matchers {
            self.check_group(group, expr);
        }
    }
}

impl ExprVisitor for Confined<'_> {
    type Error = ();

    fn pre_visit(&mut self, expr: &Expr) -> Result<bool, ()> {
        match expr {
            Expr::VectorSelector(vs) => self.check(vs, expr),
            Expr::MatrixSelector(ms) => self.check(&ms.vs, expr),
            _ => {}
        }
        Ok(true)
    }
}

/// Writes every tree the same way where PromQL gives two spellings one meaning, as the
/// printer does: matchers sorted by name (their order has no meaning), and an empty
/// `by ()` or `ignoring ()` as no modifier (grouping by no label is aggregating
/// everything; ignoring no label is the default matching), like a default one.
struct Canonical;

impl ExprVisitorMut for Canonical {
    type Error = ();

    fn pre_visit(&mut self, expr: &mut Expr) -> Result<bool, ()> {
        let vs = match expr {
            Expr::VectorSelector(vs) => vs,
            Expr::MatrixSelector(ms) => &mut ms.vs,
            Expr::Aggregate(agg) => {
                if matches!(&agg.modifier, Some(LabelModifier::Include(ls)) if ls.is_empty()) {
                    agg.modifier = None;
                }
                return Ok(true);
            }
            Expr::Binary(bin) => {
                if let Some(m) = &mut bin.modifier {
                    if matches!(&m.matching, Some(LabelModifier::Exclude(ls)) if ls.is_empty()) {
                        m.matching = None;
                    }
                    let default = matches!(m.card, VectorMatchCardinality::OneToOne)
                        && m.matching.is_none()
                        && !m.return_bool
                        && m.fill_values.lhs.is_none()
                        && m.fill_values.rhs.is_none();
                    if default {
                        bin.modifier = None;
                    }
                }
                return Ok(true);
            }
            _ => return Ok(true),
        };
        let key = |m: &Matcher| (m.name.clone(), m.op.to_string(), m.value.clone());
        vs.matchers.matchers.sort_by_key(key);
        vs.matchers.or_matchers.iter_mut().for_each(|g| g.sort_by_key(key));
        Ok(true)
    }
}

/// The tree of `expr` with matchers in a canonical order, for comparing meaning.
fn canonical(mut expr: Expr) -> String {
    let _ = walk_expr_mut(&mut Canonical, &mut expr);
    // Through Debug: a `NaN` literal is not equal to itself.
    format!("{expr:?}")
}

/// Runs the target on one input: the first byte picks the tenant and label, the rest is
/// the expression.
pub fn run(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let tenant = TENANTS[usize::from(pick) % TENANTS.len()];
    let label = LABELS[usize::from(pick / 16) % LABELS.len()];
    let expr = String::from_utf8_lossy(rest);
    let result = confine(&expr, label, tenant);
    assert_eq!(
        confine_cached(&expr, label, tenant),
        result,
        "cached confinement differs for {expr:?}"
    );
    let printed = match result {
        Ok(printed) => printed,
        Err(PromqlError::Syntax { at, .. }) => {
            assert!(parse(&expr).is_err(), "refused as invalid but parses: {expr:?}");
            if let Some(at) = at {
                assert!(expr.is_char_boundary(at), "syntax error position {at} not in {expr:?}");
            }
            return;
        }
        Err(PromqlError::ForeignMatcher { .. }) => return,
    };
    let mut confined = parse(&expr).unwrap_or_else(|e| panic!("accepted but does not parse: {e:?}"));
    confine_ast(&mut confined, label, tenant)
        .unwrap_or_else(|e| panic!("confine_ast refuses what confine accepts: {e:?}"));
    assert_eq!(confined.to_string(), printed, "confine prints another tree");
    let reparsed = parse(&printed).unwrap_or_else(|e| panic!("confined text is not PromQL ({e:?}): {printed}"));
    assert_eq!(
        canonical(reparsed.clone()),
        canonical(confined),
        "printing changed the meaning of {expr:?}: {printed}"
    );
    assert_eq!(
        confine(&printed, label, tenant).as_deref(),
        Ok(printed.as_str()),
        "confining twice changes {expr:?}"
    );
    let _ = walk_expr(&mut Confined { label, tenant }, &reparsed);
}
