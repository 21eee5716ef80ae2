//! `strata report`: a compliance report of a repository. The policies are evaluated per
//! (environment, tenant) on the effective documents, as `check` does, and each tenant is
//! rendered in memory to count what its build produces; nothing is written.
//!
//! The report is data ([`Report`]); [`html`] and [`markdown`] only format it.

pub mod collect;
pub mod evaluate;
pub mod html;
pub mod markdown;

pub use collect::collect;

/// Days before its expiry from which a waiver is flagged as expiring soon.
pub const EXPIRING_SOON_DAYS: i64 = 30;

/// A compliance report.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Project name (`[project] name`).
    pub project: String,
    /// The day the report is about (`YYYY-MM-DD`), which waiver expiry is measured from.
    pub today: String,
    /// Environments covered.
    pub envs: Vec<String>,
    /// Matrix columns: the enabled packs, then `project` when the repository has policies.
    pub frameworks: Vec<String>,
    /// One row per tenant, sorted by id.
    pub tenants: Vec<TenantReport>,
    /// Every waiver of every tenant.
    pub waivers: Vec<WaiverRow>,
    /// Configuration errors that kept tenants from being evaluated (`file:line:col: message`).
    pub config_errors: Vec<String>,
}

/// One tenant: its matrix row, its findings and its builds.
#[derive(Debug, Clone, PartialEq)]
pub struct TenantReport {
    /// Tenant id.
    pub id: String,
    /// Display name (`name`), when set.
    pub name: Option<String>,
    /// One cell per [`Report::frameworks`] column.
    pub cells: Vec<Cell>,
    /// Failing findings (errors and warnings), folded across environments.
    pub findings: Vec<FindingRow>,
    /// What the build produces, per environment.
    pub builds: Vec<BuildSummary>,
}

/// One cell of the tenants x frameworks matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    /// The tenant does not list the framework in `compliance`.
    NotApplicable,
    /// Configuration errors kept the policies from running for this tenant.
    NotEvaluated,
    /// Counts of the framework's findings for the tenant.
    Counts {
        /// Findings with severity error.
        errors: usize,
        /// Findings with severity warning.
        warnings: usize,
        /// Findings suppressed by an active waiver.
        waived: usize,
    },
}

impl Cell {
    /// `pass`, `fail`, `waived`, `n/a` or `not evaluated`.
    pub fn status(&self) -> &'static str {
        match self {
            Cell::NotApplicable => "n/a",
            Cell::NotEvaluated => "not evaluated",
            Cell::Counts { errors, warnings, .. } if errors + warnings > 0 => "fail",
            Cell::Counts { waived, .. } if *waived > 0 => "waived",
            Cell::Counts { .. } => "pass",
        }
    }

    /// The counts behind the status, such as `2 errors, 1 waived` (empty for a clean pass).
    pub fn detail(&self) -> String {
        let Cell::Counts {
            errors,
            warnings,
            waived,
        } = *self
        else {
            return String::new();
        };
        let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
        let mut parts = Vec::new();
        if errors > 0 {
            parts.push(plural(errors, "error"));
        }
        if warnings > 0 {
            parts.push(plural(warnings, "warning"));
        }
        if waived > 0 {
            parts.push(format!("{waived} waived"));
        }
        parts.join(", ")
    }
}

/// One failing finding of a tenant.
#[derive(Debug, Clone, PartialEq)]
pub struct FindingRow {
    /// Rule id.
    pub rule: String,
    /// Matrix columns the rule counts in.
    pub frameworks: Vec<String>,
    /// `error` or `warning`.
    pub severity: &'static str,
    /// The finding's message.
    pub message: String,
    /// Where the value at fault is set, `file:line:column`.
    pub location: String,
    /// Environments the finding occurs in.
    pub envs: Vec<String>,
}

/// Whether a waiver still applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaiverStatus {
    /// Applies, and expires in more than [`EXPIRING_SOON_DAYS`] days.
    Active,
    /// Applies, and expires within [`EXPIRING_SOON_DAYS`] days (the number of days left).
    ExpiringSoon(i64),
    /// Expired (STRATA-E083): its findings count as failures again.
    Expired,
    /// `expires` is not a date `YYYY-MM-DD` (reported by validation).
    InvalidDate,
    /// No policy rule has its id (STRATA-E082): it waives nothing.
    UnknownRule,
}

impl WaiverStatus {
    /// Of a waiver expiring on `expires`, seen on `today`.
    pub fn of(expires: &str, today: &str) -> Self {
        match (days_since_epoch(expires), days_since_epoch(today)) {
            (Some(e), Some(t)) if e < t => WaiverStatus::Expired,
            (Some(e), Some(t)) if e - t <= EXPIRING_SOON_DAYS => WaiverStatus::ExpiringSoon(e - t),
            (Some(_), Some(_)) => WaiverStatus::Active,
            _ => WaiverStatus::InvalidDate,
        }
    }

    /// `active`, `expires in N days`, `expired`, `invalid date` or `unknown rule`.
    pub fn label(&self) -> String {
        match self {
            WaiverStatus::Active => "active".into(),
            WaiverStatus::ExpiringSoon(0) => "expires today".into(),
            WaiverStatus::ExpiringSoon(1) => "expires in 1 day".into(),
            WaiverStatus::ExpiringSoon(n) => format!("expires in {n} days"),
            WaiverStatus::Expired => "expired".into(),
            WaiverStatus::InvalidDate => "invalid date".into(),
            WaiverStatus::UnknownRule => "unknown rule".into(),
        }
    }
}

/// One waiver of a tenant.
#[derive(Debug, Clone, PartialEq)]
pub struct WaiverRow {
    /// Tenant id.
    pub tenant: String,
    /// Rule id.
    pub rule: String,
    /// The waiver's reason.
    pub reason: String,
    /// Last day it applies.
    pub expires: String,
    /// Status on [`Report::today`].
    pub status: WaiverStatus,
    /// Findings it suppresses (distinct messages, across environments).
    pub suppressed: usize,
    /// Where the waiver is written, `file:line`.
    pub location: String,
}

/// What one tenant's build produces in one environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildSummary {
    /// Environment.
    pub env: String,
    /// Whether `strata build` would write it (no error for the tenant in the environment).
    pub builds: bool,
    /// Recording rules.
    pub recording_rules: usize,
    /// Alerting rules (own, built-in and escalation copies).
    pub alerting_rules: usize,
    /// Grafana dashboards.
    pub dashboards: usize,
    /// Alertmanager receivers.
    pub receivers: usize,
    /// Kubernetes objects (core and custom resources).
    pub kubernetes_objects: usize,
    /// Output files.
    pub files: usize,
}

/// Days since 1970-01-01 of a date `YYYY-MM-DD` (Howard Hinnant's algorithm).
pub fn days_since_epoch(date: &str) -> Option<i64> {
    if !crate::policy::waivers::valid_date(date) {
        return None;
    }
    let y: i64 = date.get(0..4)?.parse().ok()?;
    let m: i64 = date.get(5..7)?.parse().ok()?;
    let d: i64 = date.get(8..10)?.parse().ok()?;
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_waiver_status() {
        assert_eq!(days_since_epoch("1970-01-01"), Some(0));
        assert_eq!(days_since_epoch("2026-01-01"), Some(20_454));
        assert_eq!(days_since_epoch("2024-03-01"), Some(19_783));
        assert_eq!(days_since_epoch("2026-13-01"), None);
        assert_eq!(WaiverStatus::of("2026-11-30", "2026-12-01"), WaiverStatus::Expired);
        assert_eq!(
            WaiverStatus::of("2026-12-01", "2026-12-01"),
            WaiverStatus::ExpiringSoon(0)
        );
        assert_eq!(
            WaiverStatus::of("2026-12-31", "2026-12-01"),
            WaiverStatus::ExpiringSoon(30)
        );
        assert_eq!(WaiverStatus::of("2027-01-01", "2026-12-01"), WaiverStatus::Active);
        assert_eq!(WaiverStatus::of("soon", "2026-12-01"), WaiverStatus::InvalidDate);
        assert_eq!(WaiverStatus::ExpiringSoon(1).label(), "expires in 1 day");
    }

    #[test]
    fn cells_summarise_their_counts() {
        let c = |errors, warnings, waived| Cell::Counts {
            errors,
            warnings,
            waived,
        };
        assert_eq!((c(0, 0, 0).status(), c(0, 0, 0).detail()), ("pass", String::new()));
        assert_eq!(
            (c(0, 0, 2).status(), c(0, 0, 2).detail()),
            ("waived", "2 waived".into())
        );
        assert_eq!(
            (c(1, 2, 1).status(), c(1, 2, 1).detail()),
            ("fail", "1 error, 2 warnings, 1 waived".into())
        );
        assert_eq!(c(0, 1, 0).status(), "fail");
        assert_eq!(Cell::NotApplicable.status(), "n/a");
    }
}
