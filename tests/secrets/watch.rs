//! `strata watch` with the canaries: the output and the folder kept beside it hold them
//! only in a 0600 `alertmanager.yml` through every swap, and an Alertmanager stand-in that
//! rejects a reload by quoting the whole config (as a runtime's error may) gets no canary
//! into the printed STRATA-E090, the status lines, `/healthz` or `/metrics`.

use super::{Canary, canary_repo, common, edit};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The watch process, killed (by its PID) when dropped.
struct Watch(Child);

impl Drop for Watch {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Answers each request on its own thread's listener with `handler(request line)`.
fn serve(handler: impl Fn(&str) -> (u16, String) + Send + 'static) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("{e}"));
    let port = listener.local_addr().map_or(0, |a| a.port());
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let _ = stream.set_read_timeout(Some(Duration::from_millis(300)));
            let mut buf = [0u8; 4096];
            let n = stream.read(&mut buf).unwrap_or(0);
            let request = String::from_utf8_lossy(&buf[..n]).into_owned();
            let (status, body) = handler(request.lines().next().unwrap_or_default());
            let head = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(body.as_bytes());
        }
    });
    port
}

/// `GET path` on `port`: the status line and body.
fn get(port: u16, path: &str) -> String {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return String::new();
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = write!(stream, "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    answer
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The canaries only in the 0600 `alertmanager.yml` of `dir`.
fn assert_modes(canary: &Canary, dir: &Path) {
    let mut holders = 0;
    for (path, (mode, bytes)) in common::tree_files(dir) {
        let leaks = canary.leaks(&bytes);
        if path.ends_with("alertmanager/alertmanager.yml") {
            assert!(!leaks.is_empty(), "{}: {path} lost the secrets", dir.display());
            assert_eq!(mode, 0o600, "{}: {path}", dir.display());
            holders += 1;
        } else {
            assert!(leaks.is_empty(), "{}: {path} leaks {leaks:?}", dir.display());
            assert_eq!(mode, 0o644, "{}: {path}", dir.display());
        }
    }
    assert_eq!(holders, 1, "{}", dir.display());
}

#[test]
fn watch_swaps_keep_secret_files_0600_and_redact_what_a_runtime_answers() {
    let canary = Canary::new();
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let repo = canary_repo();
    let root = repo.path();
    let out = tmp.path().join("out");
    let config = out.join("production/alertmanager/alertmanager.yml");
    let served = config.clone();
    let alertmanager = serve(move |line| {
        let text = std::fs::read_to_string(&served).unwrap_or_default();
        match line.split_whitespace().nth(1) {
            Some("/-/reload") if text.contains("group_wait: 31s") => (500, format!("bad config:\n{text}")),
            Some("/metrics") => (200, "alertmanager_config_last_reload_successful 1\n".into()),
            _ => (200, "{}".into()),
        }
    });
    let listen = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_or(0, |a| a.port());
    let log = |name: &str| std::fs::File::create(tmp.path().join(name)).unwrap_or_else(|e| panic!("{e}"));
    let mut watch = Watch(
        Command::new(env!("CARGO_BIN_EXE_strata"))
            .args(["watch", ".", "--env", "production", "--out"])
            .arg(&out)
            .args(["--alertmanager", &format!("http://127.0.0.1:{alertmanager}")])
            .args(["--listen", &format!("127.0.0.1:{listen}")])
            .current_dir(root)
            .env("NO_COLOR", "1")
            .envs(canary.env())
            .stdout(Stdio::from(log("stdout")))
            .stderr(Stdio::from(log("stderr")))
            .spawn()
            .unwrap_or_else(|e| panic!("{e}")),
    );
    wait_for("the first build", || {
        get(listen, "/healthz").starts_with("HTTP/1.1 200")
    });
    assert_modes(&canary, &out);

    let tenant = root.join("tenants/acme-corp.yaml");
    edit(&tenant, &[("group_wait: 30s", "group_wait: 31s")]);
    wait_for("STRATA-E090", || get(listen, "/healthz").contains("STRATA-E090"));
    let read = || std::fs::read_to_string(&config).unwrap_or_default();
    assert!(read().contains("group_wait: 30s"), "the previous output is not back");
    edit(&tenant, &[("group_wait: 31s", "group_wait: 32s")]);
    wait_for("the good build", || read().contains("group_wait: 32s"));
    wait_for("a healthy watch", || {
        get(listen, "/healthz").starts_with("HTTP/1.1 200")
    });
    assert_modes(&canary, &out);
    assert_modes(&canary, &tmp.path().join(".strata-previous-out"));
    for path in ["/healthz", "/metrics"] {
        let body = get(listen, path);
        assert!(canary.leaks(body.as_bytes()).is_empty(), "{path}: {body}");
    }
    drop(watch.0.kill());
    let _ = watch.0.wait();
    let said = |name: &str| std::fs::read(tmp.path().join(name)).unwrap_or_default();
    let output = std::process::Output {
        status: std::process::ExitStatus::default(),
        stdout: said("stdout"),
        stderr: said("stderr"),
    };
    canary.assert_clean("watch", &output);
    let text = String::from_utf8_lossy(&output.stdout) + String::from_utf8_lossy(&output.stderr);
    assert!(text.contains("STRATA-E090") && text.contains("<secret>"), "{text}");
}
