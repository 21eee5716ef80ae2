//! `${NAME}` / `${NAME:-default}` references in string values, and `$${` for a literal `${`.
//! `check` needs no secrets: an unset variable is a warning and the reference stays as it
//! is. `build` needs them: an unset variable is an error. A variable a secret field
//! references is a secret (see [`crate::secrets`]): referencing it from any other field is
//! an error, since that value would be written where secrets are not.

use crate::diag::{Diagnostic, Loc};
use crate::load::{Kind, Node};
use std::collections::BTreeSet;

/// Fields whose values are secrets (the schema marks them `x-secret`).
pub const SECRET_FIELDS: &[&str] = &["webhook_url", "routing_key", "auth_password"];

/// Whether unset variables are errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `strata check`: unset variables are warnings.
    Check,
    /// `strata build`: unset variables are errors.
    Build,
}

/// One piece of a parsed string.
#[derive(Debug, PartialEq)]
enum Piece<'a> {
    Text(&'a str),
    Var { name: &'a str, default: Option<&'a str> },
}

/// Parses `text` into literal pieces and variable references.
fn parse(text: &str) -> Result<Vec<Piece<'_>>, String> {
    let mut pieces = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        let after = &rest[i..];
        if after.starts_with("$${") {
            pieces.push(Piece::Text(&rest[..i]));
            pieces.push(Piece::Text("${"));
            rest = &rest[i + 3..];
        } else if let Some(body) = after.strip_prefix("${") {
            pieces.push(Piece::Text(&rest[..i]));
            let end = body.find('}').ok_or_else(|| "`${` is not closed by `}`".to_string())?;
            let inner = &body[..end];
            let (name, default) = match inner.split_once(":-") {
                Some((n, d)) => (n, Some(d)),
                None => (inner, None),
            };
            let valid = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid {
                return Err(format!(
                    "`${{{inner}}}` is not a valid reference: names are letters, digits and `_`"
                ));
            }
            pieces.push(Piece::Var { name, default });
            rest = &body[end + 1..];
        } else {
            pieces.push(Piece::Text(&rest[..i + 1]));
            rest = &rest[i + 1..];
        }
    }
    pieces.push(Piece::Text(rest));
    Ok(pieces)
}

/// The variables `text` references, with their defaults (none when it is malformed).
pub fn references(text: &str) -> Vec<(&str, Option<&str>)> {
    let pieces = if text.contains('$') {
        parse(text).unwrap_or_default()
    } else {
        Vec::new()
    };
    pieces
        .into_iter()
        .filter_map(|p| match p {
            Piece::Var { name, default } => Some((name, default)),
            Piece::Text(_) => None,
        })
        .collect()
}

/// How one document is interpolated.
pub struct Context<'a> {
    /// Check or build.
    pub mode: Mode,
    /// Looks up environment variables.
    pub lookup: &'a dyn Fn(&str) -> Option<String>,
    /// Variables that hold secrets: only secret fields may reference them.
    pub secret_vars: &'a BTreeSet<String>,
}

/// Resolves the references in every string of `node`, marking secret fields.
pub fn interpolate(node: &mut Node, cx: &Context<'_>, diags: &mut Vec<Diagnostic>) {
    walk(node, false, cx, diags);
}

fn walk(node: &mut Node, secret: bool, cx: &Context<'_>, diags: &mut Vec<Diagnostic>) {
    node.secret |= secret;
    match &mut node.kind {
        Kind::Map(map) => {
            for (key, entry) in map.iter_mut() {
                let secret = SECRET_FIELDS.contains(&key.as_str());
                walk(&mut entry.value, secret, cx, diags);
            }
        }
        Kind::Seq(items) => items.iter_mut().for_each(|n| walk(n, false, cx, diags)),
        Kind::Str(s) if s.contains('$') => {
            if !node.secret
                && let Some((name, _)) = references(s).into_iter().find(|(n, _)| cx.secret_vars.contains(*n))
            {
                diags.push(secret_outside_secret_field(name, node.loc));
                node.secret = true;
            }
            let (mode, lookup) = (cx.mode, cx.lookup);
            let original = s.clone();
            match resolve(&original, node.loc, node.secret, mode, lookup, diags) {
                Some(value) if value == original => {}
                Some(value) => {
                    *s = value;
                    node.raw = Some(original.into_boxed_str());
                }
                None => node.raw = Some(original.into_boxed_str()),
            }
        }
        _ => {}
    }
}

/// The resolved text, or `None` (the text stays as written) when a reference is unset or
/// malformed; the problem is reported.
fn resolve(
    text: &str,
    loc: Loc,
    secret: bool,
    mode: Mode,
    lookup: &dyn Fn(&str) -> Option<String>,
    diags: &mut Vec<Diagnostic>,
) -> Option<String> {
    let pieces = match parse(text) {
        Ok(p) => p,
        Err(message) => {
            diags.push(
                Diagnostic::error("STRATA-E031", loc, message)
                    .with_label("in this value")
                    .with_help("write `${NAME}` or `${NAME:-default}`; `$${` is a literal `${`"),
            );
            return None;
        }
    };
    let mut out = String::with_capacity(text.len());
    let mut complete = true;
    for piece in pieces {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Var { name, default } => match lookup(name).or_else(|| default.map(String::from)) {
                Some(v) => out.push_str(&v),
                None => {
                    complete = false;
                    diags.push(unset_variable(name, loc, secret, mode));
                }
            },
        }
    }
    complete.then_some(out)
}

fn secret_outside_secret_field(name: &str, loc: Loc) -> Diagnostic {
    Diagnostic::error(
        "STRATA-E034",
        loc,
        format!("secret variable `{name}` is used in a field that is not secret"),
    )
    .with_label(format!("`${{{name}}}` is also the value of a secret field"))
    .with_help(format!(
        "only {} may reference a secret (strata writes those only to alertmanager.yml, mode \
         0600); give this field a variable of its own",
        SECRET_FIELDS.join(", ")
    ))
}

fn unset_variable(name: &str, loc: Loc, secret: bool, mode: Mode) -> Diagnostic {
    let what = if secret { "secret " } else { "" };
    let d = Diagnostic::error("STRATA-E030", loc, format!("environment variable `{name}` is not set"))
        .with_label(format!("{what}value references `${{{name}}}`"));
    match mode {
        Mode::Build => d.with_help(format!(
            "export {name} before `strata build`, or give a default: `${{{name}:-...}}`"
        )),
        Mode::Check => d
            .with_severity(crate::diag::Severity::Warning)
            .with_help(format!("`strata build` will need {name}; `check` goes on without it")),
    }
}

impl Node {
    /// Whether this string still holds an unresolved `${...}` reference.
    pub fn is_unresolved(&self) -> bool {
        self.raw.is_some() && self.raw.as_deref() == self.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Severity;

    fn run(text: &str, mode: Mode) -> (String, Vec<Diagnostic>) {
        let mut node = Node::new(Kind::Str(text.into()), Loc::default());
        let mut diags = Vec::new();
        let lookup = |n: &str| (n == "SET").then(|| "value".to_string());
        let secret_vars = BTreeSet::new();
        let cx = Context {
            mode,
            lookup: &lookup,
            secret_vars: &secret_vars,
        };
        interpolate(&mut node, &cx, &mut diags);
        (node.as_str().unwrap_or_default().to_string(), diags)
    }

    #[test]
    fn references_defaults_and_escapes() {
        assert_eq!(run("a-${SET}-b", Mode::Build).0, "a-value-b");
        assert_eq!(run("${UNSET:-fallback}", Mode::Build).0, "fallback");
        assert_eq!(run("$${SET}", Mode::Build).0, "${SET}");
        assert_eq!(run("cost $5", Mode::Build).0, "cost $5");
    }

    #[test]
    fn unset_is_a_warning_in_check_and_an_error_in_build() {
        let (text, d) = run("${UNSET}", Mode::Check);
        assert_eq!((text.as_str(), d[0].severity), ("${UNSET}", Severity::Warning));
        let (_, d) = run("${UNSET}", Mode::Build);
        assert_eq!((d[0].code.as_ref(), d[0].severity), ("STRATA-E030", Severity::Error));
    }

    #[test]
    fn a_secret_variable_outside_a_secret_field_is_an_error_and_redacted() {
        let text = "team: ${HOOK}\nwebhook_url: ${HOOK}\nother: ${PLAIN}\n";
        let (node, _) = crate::load::parse_yaml(text, crate::diag::FileId(0));
        let Some(mut node) = node else {
            panic!("the test document parses")
        };
        let lookup = |n: &str| Some(format!("value-of-{n}"));
        let secret_vars = ["HOOK".to_string()].into();
        let cx = Context {
            mode: Mode::Build,
            lookup: &lookup,
            secret_vars: &secret_vars,
        };
        let mut diags = Vec::new();
        interpolate(&mut node, &cx, &mut diags);
        let codes: Vec<(&str, u32)> = diags.iter().map(|d| (d.code.as_ref(), d.loc.line)).collect();
        assert_eq!(codes, [("STRATA-E034", 1)]);
        let secret = |k: &str| node.get(k).map(|n| n.secret);
        assert_eq!(
            (secret("team"), secret("webhook_url"), secret("other")),
            (Some(true), Some(true), Some(false))
        );
        assert_eq!(references("a ${X} $${Y} ${Z:-d}"), [("X", None), ("Z", Some("d"))]);
        assert!(references("${1BAD}").is_empty());
    }

    #[test]
    fn malformed_references_are_errors() {
        assert_eq!(run("${OPEN", Mode::Check).1[0].code, "STRATA-E031");
        assert_eq!(run("${1BAD}", Mode::Check).1[0].code, "STRATA-E031");
    }
}
