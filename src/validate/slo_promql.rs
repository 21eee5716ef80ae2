//! The PromQL of ratio SLOs (`slos.<name>.good` and `.total`): parsed after `{{window}}`
//! is replaced by the SLO's window, and every selector confined to the tenant, with the
//! codes and locations of rule expressions (STRATA-E050, STRATA-E051). The values stay
//! templates: the renderers substitute each window and confine again, from the cache.

use super::promql::{PromqlError, confine_cached, foreign_matcher, loc_inside, matcher_at};
use crate::diag::{Diagnostic, SourceMap};
use crate::duration::parse_duration;
use crate::load::Node;
use crate::slo::{DEFAULT_WINDOW, WINDOW_PLACEHOLDER};

/// Checks `good` and `total` of every SLO of `doc`.
pub fn check(doc: &Node, label: &str, tenant: &str, sources: &SourceMap, diags: &mut Vec<Diagnostic>) {
    let Some(slos) = doc.get("slos") else {
        return;
    };
    for (name, entry) in slos.entries() {
        let slo = &entry.value;
        let window = slo
            .get("window")
            .and_then(Node::as_str)
            .filter(|w| parse_duration(w).is_some())
            .unwrap_or(DEFAULT_WINDOW);
        for field in ["good", "total"] {
            let Some(node) = slo.get(field) else {
                continue;
            };
            if node.is_unresolved() {
                continue;
            }
            let Some(text) = node.as_str() else {
                continue;
            };
            let substituted = text.replace(WINDOW_PLACEHOLDER, window);
            let display = format!("slos.{name}.{field}");
            match confine_cached(&substituted, label, tenant) {
                Ok(_) => {}
                Err(PromqlError::Syntax { message, at }) => {
                    let loc = at
                        .and_then(|at| original_offset(text, window, at))
                        .map_or(node.loc, |at| loc_inside(sources, node.loc, text, at));
                    diags.push(
                        Diagnostic::error(
                            "STRATA-E050",
                            loc,
                            format!(
                                "`{display}` is not valid PromQL after `{{{{window}}}}` becomes `{window}`: {message}"
                            ),
                        )
                        .with_label("PromQL syntax error")
                        .with_help(
                            "check the expression with `promtool query instant`, writing a duration for `{{window}}`",
                        ),
                    );
                }
                Err(PromqlError::ForeignMatcher { matcher }) => {
                    let loc = matcher_at(text, label).map_or(node.loc, |at| loc_inside(sources, node.loc, text, at));
                    diags.push(foreign_matcher(loc, &display, label, tenant, &matcher));
                }
            }
        }
    }
}

/// The byte offset in `template` of byte `at` of the template with every placeholder
/// replaced by `window`; `None` when `at` falls inside a substituted window.
fn original_offset(template: &str, window: &str, at: usize) -> Option<usize> {
    let mut shift: isize = 0;
    for (start, _) in template.match_indices(WINDOW_PLACEHOLDER) {
        let substituted_start = start.checked_add_signed(shift)?;
        if at < substituted_start {
            break;
        }
        if at < substituted_start + window.len() {
            return None;
        }
        shift += window.len() as isize - WINDOW_PLACEHOLDER.len() as isize;
    }
    at.checked_add_signed(-shift)
}

#[cfg(test)]
mod tests {
    use super::original_offset;

    #[test]
    fn offsets_map_back_over_placeholders() {
        let t = "rate(a[{{window}}]) + rate(b[{{window}}]";
        let s = t.replace("{{window}}", "30d");
        assert_eq!(original_offset(t, "30d", 2), Some(2));
        let second_rate = s.rfind("rate").unwrap_or_default();
        assert_eq!(original_offset(t, "30d", second_rate), t.rfind("rate"));
        assert_eq!(original_offset(t, "30d", s.find("30d").unwrap_or_default()), None);
        assert_eq!(original_offset(t, "30d", s.len() - 1), Some(t.len() - 1));
    }
}
