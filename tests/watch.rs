//! `strata watch` end to end with the real Debian Prometheus and Alertmanager on
//! 127.0.0.1: edits go live within 3 s, a broken save keeps the previous rules and makes
//! `/healthz` 503, a fix goes live, an always-firing alert reaches the tenant's webhook.
//! Every process is started and stopped by the test (by PID, killed on drop) and every
//! wait is bounded.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use strata::watch::http::request;

/// A child process killed (by its PID) when dropped.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local address").port()
}

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(name)).find(|p| p.is_file())
}

/// Waits up to `limit` for `check` to hold; returns whether it did.
fn wait_for(limit: Duration, mut check: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if check() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    check()
}

fn get(base: &str, path: &str) -> (u16, String) {
    request("GET", base, path).map_or((0, String::new()), |r| (r.status, r.body))
}

const TENANT: &str = r#"id: alpha
name: Alpha
contact_email: ops@alpha.example
tier: premium
region: eu-west-1
locale: en
alerting:
  channels:
    hook: {type: webhook, url: "http://127.0.0.1:RECEIVER/hook"}
  routing:
    severities: {warning: [hook], critical: [hook]}
  rules:
    AlwaysFiring:
      expr: vector(1)
      severity: critical
      summary: always firing
      runbook_url: https://runbooks.example.com/always
    HighErrorRate:
      expr: sum(rate(http_requests_total[5m])) > THRESHOLD
      for: 1m
      severity: warning
      summary: errors
      runbook_url: https://runbooks.example.com/errors
"#;

/// A small repository: one environment, one tenant, Prometheus and Alertmanager targets,
/// intervals of a second so an alert travels fast.
fn write_repo(root: &Path, alertmanager: u16, receiver: u16, threshold: u32) {
    let files = [
        (
            "strata.toml",
            "[project]\nname = \"watch-e2e\"\ntenant_label = \"tenant\"\ndefault_locale = \"en\"\n\n[build]\nout_dir = \"out\"\ntargets = [\"prometheus\", \"alertmanager\"]\n\n[policies]\npacks = [\"baseline\"]\nfail_on = \"error\"\n".to_string(),
        ),
        (
            "defaults.yaml",
            format!(
                "platform:\n  prometheus:\n    scrape_interval: 1s\n    evaluation_interval: 1s\n    alertmanagers: [\"127.0.0.1:{alertmanager}\"]\n  alertmanager:\n    resolve_timeout: 5m\ntenant_defaults:\n  tier: free\n  alerting:\n    routing:\n      group_by: [alertname]\n      group_wait: 1s\n      group_interval: 1s\n      repeat_interval: 1h\n"
            ),
        ),
        (
            "environments/dev.yaml",
            "platform:\n  cluster: dev\n  prometheus:\n    external_labels: {environment: dev}\n".to_string(),
        ),
    ];
    for (path, text) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }
    write_tenant(root, receiver, threshold);
}

fn tenant_text(receiver: u16, threshold: u32) -> String {
    TENANT
        .replace("RECEIVER", &receiver.to_string())
        .replace("THRESHOLD", &threshold.to_string())
}

/// Saves the tenant file the way many editors do: write a temporary file, rename it over.
fn write_tenant(root: &Path, receiver: u16, threshold: u32) {
    let dir = root.join("tenants");
    std::fs::create_dir_all(&dir).expect("mkdir tenants");
    let tmp = dir.join(".alpha.yaml.tmp");
    std::fs::write(&tmp, tenant_text(receiver, threshold)).expect("write tenant");
    std::fs::rename(&tmp, dir.join("alpha.yaml")).expect("rename tenant");
}

/// A test HTTP server on its own thread: keeps every request, answers with `handler`.
type Handler = Box<dyn Fn(&str) -> (u16, String) + Send>;

fn server(handler: Handler) -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind test server");
    let port = listener.local_addr().expect("test server address").port();
    let requests = Arc::new(Mutex::new(Vec::new()));
    let kept = Arc::clone(&requests);
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
            let mut raw = Vec::new();
            let mut buf = [0u8; 8192];
            while let Ok(n) = stream.read(&mut buf) {
                if n == 0 {
                    break;
                }
                raw.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&raw);
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let length = head.lines().find_map(|l| {
                        let l = l.to_ascii_lowercase();
                        l.strip_prefix("content-length:")
                            .and_then(|v| v.trim().parse::<usize>().ok())
                    });
                    if body.len() >= length.unwrap_or(0) {
                        break;
                    }
                }
            }
            let request = String::from_utf8_lossy(&raw).into_owned();
            let (status, body) = handler(&request);
            let head = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(body.as_bytes());
            if let Ok(mut b) = kept.lock() {
                b.push(request);
            }
        }
    });
    (port, requests)
}

fn spawn(cmd: &mut Command) -> Proc {
    Proc(
        cmd.stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("starting {cmd:?}: {e}")),
    )
}

#[test]
fn watch_hot_reloads_real_prometheus_and_alertmanager() {
    let (Some(prometheus), Some(alertmanager)) = (
        on_path("prometheus"),
        on_path("prometheus-alertmanager").or_else(|| on_path("alertmanager")),
    ) else {
        eprintln!(
            "\n\n*** SKIPPED watch e2e: prometheus and/or alertmanager are not installed; run `bash scripts/conformance.sh --install-only` ***\n\n"
        );
        return;
    };
    let strata = env!("CARGO_BIN_EXE_strata");
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("repo");
    let (prom_port, am_port, listen_port) = (free_port(), free_port(), free_port());
    let (receiver_port, received) = server(Box::new(|_| (200, String::new())));
    write_repo(&root, am_port, receiver_port, 4141);
    let built = Command::new(strata)
        .args(["build", "--env", "dev"])
        .arg(&root)
        .output()
        .expect("strata build");
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stdout));
    let out = root.join("out/dev");
    let prom = format!("http://127.0.0.1:{prom_port}");
    let am = format!("http://127.0.0.1:{am_port}");
    let health = format!("http://127.0.0.1:{listen_port}");
    let _prometheus = spawn(
        Command::new(prometheus)
            .arg(format!(
                "--config.file={}",
                out.join("prometheus/prometheus.yml").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{prom_port}"))
            .arg(format!("--storage.tsdb.path={}", tmp.path().join("tsdb").display()))
            .arg("--web.enable-lifecycle")
            // The first alert is dropped while the Alertmanager is being discovered;
            // resend it after a second rather than a minute.
            .arg("--rules.alert.resend-delay=1s"),
    );
    let _alertmanager = spawn(
        Command::new(alertmanager)
            .arg(format!(
                "--config.file={}",
                out.join("alertmanager/alertmanager.yml").display()
            ))
            .arg(format!("--web.listen-address=127.0.0.1:{am_port}"))
            .arg(format!("--storage.path={}", tmp.path().join("am").display()))
            .arg("--cluster.listen-address="),
    );
    let ready = |base: &str| wait_for(Duration::from_secs(30), || get(base, "/-/ready").0 == 200);
    assert!(ready(&prom), "Prometheus never became ready on {prom}");
    assert!(ready(&am), "Alertmanager never became ready on {am}");

    let mut watch = spawn(
        Command::new(strata)
            .args(["watch", "--env", "dev", "--prometheus", &prom, "--alertmanager", &am])
            .args(["--listen", &format!("127.0.0.1:{listen_port}")])
            .arg(&root),
    );
    let rules = || get(&prom, "/api/v1/rules").1;
    assert!(
        wait_for(Duration::from_secs(20), || get(&health, "/healthz").0 == 200),
        "strata watch never became healthy"
    );
    assert!(rules().contains("4141"), "initial rules not served: {}", rules());

    // 1. A tenant edit goes live within 3 s.
    write_tenant(&root, receiver_port, 4242);
    assert!(
        wait_for(Duration::from_secs(3), || rules().contains("4242")),
        "the edited rule did not reach Prometheus within 3 s: {}",
        rules()
    );

    // 2. A broken save: nothing reloaded, /healthz 503 with the reason.
    std::fs::write(root.join("tenants/alpha.yaml"), "id: alpha\nalerting: [\n").expect("break");
    assert!(
        wait_for(Duration::from_secs(3), || get(&health, "/healthz").0 == 503),
        "/healthz did not turn 503 on a broken file"
    );
    let (_, reason) = get(&health, "/healthz");
    assert!(reason.contains("tenants/alpha.yaml:"), "503 without the file: {reason}");
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        rules().contains("4242"),
        "Prometheus lost the last good rules: {}",
        rules()
    );
    assert!(
        out.join("prometheus/rules/alpha.yml").is_file(),
        "the output was touched"
    );

    // 3. The fix goes live.
    write_tenant(&root, receiver_port, 4343);
    assert!(
        wait_for(Duration::from_secs(3), || rules().contains("4343")),
        "the fixed rule did not reach Prometheus within 3 s"
    );
    assert!(
        wait_for(Duration::from_secs(3), || get(&health, "/healthz")
            == (200, "ok\n".to_string())),
        "/healthz did not turn 200 after the fix: {:?}",
        get(&health, "/healthz")
    );

    // 4. The always-firing alert travels Prometheus -> Alertmanager -> the tenant webhook.
    let delivered = wait_for(Duration::from_secs(30), || {
        received
            .lock()
            .map(|b| b.iter().any(|m| m.contains("AlwaysFiring") && m.contains("alpha")))
            .unwrap_or(false)
    });
    assert!(delivered, "no AlwaysFiring notification reached the webhook receiver");

    // 5. /metrics is valid exposition text (promtool check metrics).
    let (status, metrics) = get(&health, "/metrics");
    assert_eq!(status, 200);
    assert!(
        metrics.contains("strata_builds_total{result=\"failure\"} 1"),
        "{metrics}"
    );
    assert!(metrics.contains("strata_reloads_total{target=\"prometheus\",result=\"success\"}"));
    if let Some(promtool) = on_path("promtool") {
        let mut check = Command::new(promtool)
            .args(["check", "metrics"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("promtool");
        if let Some(mut stdin) = check.stdin.take() {
            stdin.write_all(metrics.as_bytes()).expect("promtool stdin");
        }
        let result = check.wait_with_output().expect("promtool");
        assert!(
            result.status.success(),
            "promtool check metrics: {}{}",
            String::from_utf8_lossy(&result.stdout),
            String::from_utf8_lossy(&result.stderr)
        );
    }

    // 6. SIGTERM: the watch finishes its step and exits 0.
    let pid = watch.0.id().to_string();
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    let mut exited = None;
    wait_for(Duration::from_secs(5), || {
        exited = watch.0.try_wait().ok().flatten();
        exited.is_some()
    });
    assert_eq!(
        exited.map(|s| s.code()),
        Some(Some(0)),
        "strata watch did not exit 0 on SIGTERM"
    );
}

/// A Prometheus stand-in that rejects any reload while the tenant's rules hold `6666`:
/// watch swaps the previous output back, reloads again and reports STRATA-E090.
#[test]
fn a_rejected_reload_restores_the_previous_output() {
    let strata = env!("CARGO_BIN_EXE_strata");
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().join("repo");
    write_repo(&root, free_port(), free_port(), 4141);
    let rules = root.join("out/dev/prometheus/rules/alpha.yml");
    let served = rules.clone();
    let (fake_port, _) = server(Box::new(move |request: &str| {
        let text = std::fs::read_to_string(&served).unwrap_or_default();
        match request.split_whitespace().nth(1) {
            Some("/-/reload") if text.contains("6666") => (500, "rule 6666 is not allowed here".into()),
            Some("/metrics") => (200, "prometheus_config_last_reload_successful 1\n".into()),
            _ => (200, "{}".into()),
        }
    }));
    let listen_port = free_port();
    let health = format!("http://127.0.0.1:{listen_port}");
    let mut watch = spawn(
        Command::new(strata)
            .args([
                "watch",
                "--env",
                "dev",
                "--prometheus",
                &format!("http://127.0.0.1:{fake_port}"),
            ])
            .args(["--listen", &format!("127.0.0.1:{listen_port}")])
            .arg(&root),
    );
    let read = || std::fs::read_to_string(&rules).unwrap_or_default();
    assert!(wait_for(Duration::from_secs(20), || get(&health, "/healthz").0 == 200));
    write_tenant(&root, 1, 6666);
    assert!(
        wait_for(Duration::from_secs(5), || get(&health, "/healthz")
            .1
            .contains("STRATA-E090")),
        "no STRATA-E090 on a rejected reload: {:?}",
        get(&health, "/healthz")
    );
    assert!(
        read().contains("4141") && !read().contains("6666"),
        "previous output not restored"
    );
    write_tenant(&root, 1, 4242);
    assert!(
        wait_for(Duration::from_secs(5), || read().contains("4242")),
        "the next good build did not go through"
    );
    assert!(wait_for(Duration::from_secs(3), || get(&health, "/healthz").0 == 200));
    let _ = watch.0.kill();
}
