//! Backups: a Velero `Schedule` (`velero.io/v1`) per tenant, in Velero's namespace
//! (`platform.kubernetes.velero_namespace`, default `velero`), named after the tenant's
//! namespace, backing up that namespace on the tenant's cron schedule and keeping each
//! backup `retention_days` (as a Go duration, `720h0m0s`).

use super::{E070, Tenant};
use crate::render::verify::ArtifactChecks;
use serde_json::{Value, json};

/// Days as a Go duration, as Velero prints it: `720h0m0s`.
pub fn go_duration_days(days: u32) -> String {
    format!("{}h0m0s", u64::from(days) * 24)
}

/// The Velero `Schedule`, when backups are on.
pub(crate) fn objects(k: &Tenant<'_>, checks: &mut ArtifactChecks<'_>) -> Vec<Value> {
    let Some(b) = k.t.tenant.backup.as_ref().filter(|b| b.enabled != Some(false)) else {
        return Vec::new();
    };
    let Some(schedule) = b.schedule.as_deref() else {
        checks.error(
            E070,
            &["backup", "schedule"],
            "backups are enabled without a schedule: a Velero Schedule needs a cron expression",
            "set backup.schedule (five cron fields), or backup.enabled: false",
        );
        return Vec::new();
    };
    if schedule.split_whitespace().count() != 5 {
        checks.error(
            E070,
            &["backup", "schedule"],
            format!("`{schedule}` is not a five-field cron schedule Velero accepts"),
            "write minute hour day-of-month month day-of-week, such as \"0 2 * * *\"",
        );
        return Vec::new();
    }
    let mut template = json!({
        "includedNamespaces": [k.ns],
        "storageLocation": "default",
    });
    if let Some(days) = b.retention_days {
        template["ttl"] = json!(go_duration_days(days));
    }
    let mut meta = k.meta(&k.ns);
    meta["namespace"] = json!(super::velero_namespace(k.ctx));
    vec![json!({
        "apiVersion": "velero.io/v1",
        "kind": "Schedule",
        "metadata": meta,
        "spec": {
            "schedule": schedule,
            "useOwnerReferencesInBackup": false,
            "template": template,
        },
    })]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_as_go_duration() {
        assert_eq!(go_duration_days(30), "720h0m0s");
        assert_eq!(go_duration_days(1), "24h0m0s");
        assert_eq!(go_duration_days(3650), "87600h0m0s");
    }
}
