//! Checks of rendered artifacts (SPEC section 3, step 5). A renderer that finds a problem
//! in what it generated reports it here, located at the config value that caused it: the
//! value at a path of the effective tenant document (in the layer that set it), or the
//! tenant file when the value is not set.

use crate::diag::{Diagnostic, Loc};
use crate::load::Node;

/// Collects the artifact diagnostics of one effective tenant.
pub struct ArtifactChecks<'a> {
    doc: &'a Node,
    /// Where to point when no value is at the path: the tenant file.
    fallback: Loc,
    /// The diagnostics found so far.
    pub diags: Vec<Diagnostic>,
}

impl<'a> ArtifactChecks<'a> {
    /// Checks for the effective tenant document `doc`.
    pub fn new(doc: &'a Node, tenant_file: crate::diag::FileId) -> Self {
        let fallback = Loc::file_start(tenant_file);
        Self {
            doc,
            fallback,
            diags: Vec::new(),
        }
    }

    /// Where the value at `path` (keys of the effective tenant) was set; the nearest
    /// existing parent when it is not set, else the tenant file.
    pub fn loc(&self, path: &[&str]) -> Loc {
        (1..=path.len())
            .rev()
            .find_map(|n| self.doc.at(&path[..n]).map(|node| node.loc))
            .unwrap_or(self.fallback)
    }

    /// Reports an error about the value at `path`.
    pub fn error(&mut self, code: &'static str, path: &[&str], message: impl Into<String>, help: impl Into<String>) {
        let d = Diagnostic::error(code, self.loc(path), message).with_help(help);
        self.diags.push(d);
    }

    /// Reports a warning about the value at `path`.
    pub fn warning(&mut self, code: &'static str, path: &[&str], message: impl Into<String>, help: impl Into<String>) {
        let d = Diagnostic::warning(code, self.loc(path), message).with_help(help);
        self.diags.push(d);
    }

    /// Whether an error was reported.
    pub fn has_errors(&self) -> bool {
        self.diags.iter().any(|d| d.severity == crate::diag::Severity::Error)
    }
}

/// Whether `s` is a DNS label (RFC 1123): 1 to 63 characters of `a-z`, `0-9` and `-`,
/// starting and ending with a letter or digit. Kubernetes names of namespaces and most
/// objects must be one.
pub fn is_dns_label(s: &str) -> bool {
    let bytes = s.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 63
        && bytes
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
        && bytes[0] != b'-'
        && bytes[bytes.len() - 1] != b'-'
}

/// Whether `s` is a DNS subdomain (RFC 1123): dot-separated DNS labels, at most 253
/// characters. Names of most other Kubernetes objects must be one.
pub fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns_label)
}

/// Whether `s` is a valid Kubernetes label value: empty, or at most 63 characters of
/// alphanumerics, `-`, `_` and `.`, starting and ending with an alphanumeric.
pub fn is_label_value(s: &str) -> bool {
    let bytes = s.as_bytes();
    bytes.is_empty()
        || (bytes.len() <= 63
            && bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            && bytes[0].is_ascii_alphanumeric()
            && bytes[bytes.len() - 1].is_ascii_alphanumeric())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_labels() {
        for good in ["a", "acme-corp", "t0", &"a".repeat(63)] {
            assert!(is_dns_label(good), "{good}");
        }
        for bad in ["", "-a", "a-", "A", "a_b", "a.b", &"a".repeat(64), "ä"] {
            assert!(!is_dns_label(bad), "{bad}");
        }
        assert!(is_dns_subdomain("a.b-c.d"));
        assert!(!is_dns_subdomain("a..b"));
    }

    #[test]
    fn label_values() {
        for good in ["", "soc2-gdpr", "A_b.c", &"x".repeat(63)] {
            assert!(is_label_value(good), "{good}");
        }
        for bad in ["-a", "a ", "a/b", &"x".repeat(64)] {
            assert!(!is_label_value(bad), "{bad}");
        }
    }
}
