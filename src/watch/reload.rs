//! Asking the runtimes to reload: `POST /-/reload` with bounded retries and exponential
//! backoff, then a confirmation from the runtime's own status.

use super::http::{Response, request, request_waiting};
use std::time::Duration;

/// Tries per reload.
const TRIES: u32 = 5;
/// First pause between tries; doubles after each.
const FIRST_BACKOFF: Duration = Duration::from_millis(100);
/// How long a runtime may take to answer one reload (it answers once it has loaded the
/// new config and rules).
const RELOAD_WAIT: Duration = Duration::from_secs(60);

/// A runtime to reload.
#[derive(Debug, Clone)]
pub struct Runtime {
    /// `prometheus` or `alertmanager`.
    pub target: &'static str,
    /// Base URL, such as `http://127.0.0.1:9090`.
    pub url: String,
}

/// How a reload went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reload {
    /// Reloaded, and the runtime's status confirms it.
    Confirmed,
    /// The runtime answered the reload with an error: it rejected the config.
    Rejected(String),
    /// The runtime could not be reached, or never confirmed.
    Unreachable(String),
}

/// Sends the reload, retrying on transport errors and 503, then confirms it.
pub fn reload(runtime: &Runtime) -> Reload {
    let mut pause = FIRST_BACKOFF;
    let mut last = String::new();
    for attempt in 1..=TRIES {
        match request_waiting("POST", &runtime.url, "/-/reload", RELOAD_WAIT) {
            Ok(r) if r.ok() => return confirm(runtime),
            Ok(r) if r.status != 503 => {
                return Reload::Rejected(format!("HTTP {}: {}", r.status, r.body.trim()));
            }
            Ok(r) => last = format!("HTTP {}: {}", r.status, r.body.trim()),
            Err(e) => last = e,
        }
        if attempt < TRIES {
            std::thread::sleep(pause);
            pause *= 2;
        }
    }
    Reload::Unreachable(format!("{TRIES} tries: {last}"))
}

/// Reads the runtime's own record of its last reload: the `*_config_last_reload_successful`
/// gauge must be 1, and the status endpoint must answer.
fn confirm(runtime: &Runtime) -> Reload {
    let (status_path, gauge) = match runtime.target {
        "prometheus" => ("/api/v1/status/config", "prometheus_config_last_reload_successful"),
        _ => ("/api/v2/status", "alertmanager_config_last_reload_successful"),
    };
    let check = |r: Result<Response, String>| {
        r.and_then(|r| {
            if r.ok() {
                Ok(r)
            } else {
                Err(format!("HTTP {}", r.status))
            }
        })
    };
    if let Err(e) = check(request("GET", &runtime.url, status_path)) {
        return Reload::Unreachable(format!("{status_path}: {e}"));
    }
    match check(request("GET", &runtime.url, "/metrics")) {
        Ok(r) => match gauge_value(&r.body, gauge) {
            Some(1.0) => Reload::Confirmed,
            Some(_) => Reload::Rejected(format!("{gauge} is 0 after the reload")),
            None => Reload::Confirmed,
        },
        Err(e) => Reload::Unreachable(format!("/metrics: {e}")),
    }
}

/// The value of an unlabelled gauge in a text exposition.
pub fn gauge_value(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gauges_are_read_from_an_exposition() {
        let text = "# HELP x\nprometheus_config_last_reload_successful 1\nother 2\n";
        assert_eq!(gauge_value(text, "prometheus_config_last_reload_successful"), Some(1.0));
        assert_eq!(gauge_value(text, "missing"), None);
    }

    #[test]
    fn an_unreachable_runtime_is_reported_after_bounded_tries() {
        // Port 9 on 127.0.0.1 (discard) is closed on test machines: connection refused.
        let r = reload(&Runtime {
            target: "prometheus",
            url: "http://127.0.0.1:9".into(),
        });
        assert!(matches!(r, Reload::Unreachable(_)), "{r:?}");
    }
}
