//! What `watch` reports about itself: the health of the last build and the counters that
//! `/metrics` exposes in the Prometheus text format.

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Upper bounds (seconds) of the build duration histogram buckets.
const BUCKETS: [f64; 10] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// The state shared between the watch loop and the HTTP server.
#[derive(Debug, Default, Clone)]
pub struct State {
    /// `None` while the last build is good; otherwise why not (first diagnostic).
    pub unhealthy: Option<String>,
    /// Builds by result (`success`, `failure`).
    pub builds: BTreeMap<&'static str, u64>,
    /// Build durations: count per bucket (same order as the bounds), sum and count.
    pub duration_buckets: [u64; BUCKETS.len()],
    /// Sum of build durations, seconds.
    pub duration_sum: f64,
    /// Number of builds timed.
    pub duration_count: u64,
    /// Diagnostics of the last build by severity.
    pub diagnostics: BTreeMap<&'static str, u64>,
    /// Reloads by (target, result).
    pub reloads: BTreeMap<(&'static str, &'static str), u64>,
    /// Unix time of the last successful build, seconds.
    pub last_success: Option<f64>,
    /// Tenants compiled by the last build.
    pub tenants_compiled: u64,
}

impl State {
    /// Records one build.
    pub fn record_build(&mut self, ok: bool, seconds: f64, errors: u64, warnings: u64, tenants: u64) {
        *self.builds.entry(if ok { "success" } else { "failure" }).or_default() += 1;
        for (bucket, bound) in self.duration_buckets.iter_mut().zip(BUCKETS) {
            if seconds <= bound {
                *bucket += 1;
            }
        }
        self.duration_sum += seconds;
        self.duration_count += 1;
        self.diagnostics.insert("error", errors);
        self.diagnostics.insert("warning", warnings);
        self.tenants_compiled = tenants;
        if ok {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0.0, |d| d.as_secs_f64());
            self.last_success = Some(now);
        }
    }

    /// Records one reload of `target` (`prometheus`, `alertmanager`).
    pub fn record_reload(&mut self, target: &'static str, ok: bool) {
        *self
            .reloads
            .entry((target, if ok { "success" } else { "failure" }))
            .or_default() += 1;
    }

    /// The Prometheus text exposition (format 0.0.4).
    pub fn exposition(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# HELP strata_builds_total Builds run by strata watch, by result.");
        let _ = writeln!(out, "# TYPE strata_builds_total counter");
        for result in ["success", "failure"] {
            let n = self.builds.get(result).copied().unwrap_or(0);
            let _ = writeln!(out, "strata_builds_total{{result=\"{result}\"}} {n}");
        }
        let _ = writeln!(out, "# HELP strata_build_duration_seconds Time taken by a build.");
        let _ = writeln!(out, "# TYPE strata_build_duration_seconds histogram");
        for (n, bound) in self.duration_buckets.iter().zip(BUCKETS) {
            let _ = writeln!(out, "strata_build_duration_seconds_bucket{{le=\"{bound}\"}} {n}");
        }
        let count = self.duration_count;
        let _ = writeln!(out, "strata_build_duration_seconds_bucket{{le=\"+Inf\"}} {count}");
        let _ = writeln!(out, "strata_build_duration_seconds_sum {}", self.duration_sum);
        let _ = writeln!(out, "strata_build_duration_seconds_count {count}");
        let _ = writeln!(
            out,
            "# HELP strata_diagnostics Diagnostics of the last build, by severity."
        );
        let _ = writeln!(out, "# TYPE strata_diagnostics gauge");
        for severity in ["error", "warning"] {
            let n = self.diagnostics.get(severity).copied().unwrap_or(0);
            let _ = writeln!(out, "strata_diagnostics{{severity=\"{severity}\"}} {n}");
        }
        let _ = writeln!(
            out,
            "# HELP strata_reloads_total Reload requests to the runtimes, by target and result."
        );
        let _ = writeln!(out, "# TYPE strata_reloads_total counter");
        for ((target, result), n) in &self.reloads {
            let _ = writeln!(
                out,
                "strata_reloads_total{{target=\"{target}\",result=\"{result}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP strata_last_success_timestamp_seconds Unix time of the last successful build."
        );
        let _ = writeln!(out, "# TYPE strata_last_success_timestamp_seconds gauge");
        let last = self.last_success.unwrap_or(0.0);
        let _ = writeln!(out, "strata_last_success_timestamp_seconds {last}");
        let _ = writeln!(
            out,
            "# HELP strata_tenants_compiled Tenants compiled by the last build."
        );
        let _ = writeln!(out, "# TYPE strata_tenants_compiled gauge");
        let _ = writeln!(out, "strata_tenants_compiled {}", self.tenants_compiled);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exposition_counts_builds_and_reloads() {
        let mut s = State::default();
        s.record_build(true, 0.03, 0, 2, 5);
        s.record_build(false, 0.2, 1, 0, 1);
        s.record_reload("prometheus", true);
        let text = s.exposition();
        assert!(text.contains("strata_builds_total{result=\"success\"} 1"));
        assert!(text.contains("strata_builds_total{result=\"failure\"} 1"));
        assert!(text.contains("strata_build_duration_seconds_bucket{le=\"0.05\"} 1"));
        assert!(text.contains("strata_build_duration_seconds_bucket{le=\"+Inf\"} 2"));
        assert!(text.contains("strata_reloads_total{target=\"prometheus\",result=\"success\"} 1"));
        assert!(text.contains("strata_diagnostics{severity=\"error\"} 1"));
        assert!(text.contains("strata_tenants_compiled 1"));
    }
}
