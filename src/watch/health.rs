//! `--listen ADDR`: a tiny HTTP server on its own thread answering `/healthz` and
//! `/metrics` from the shared [`State`]. Every connection is bounded in time.

use super::metrics::State;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Read and write timeout of one connection.
const TIMEOUT: Duration = Duration::from_secs(2);

/// Binds `addr` and serves on a background thread; returns the bound address.
pub fn serve(addr: &str, state: Arc<Mutex<State>>) -> Result<std::net::SocketAddr, String> {
    let listener = TcpListener::bind(addr).map_err(|e| format!("--listen {addr}: {e}"))?;
    let local = listener.local_addr().map_err(|e| format!("--listen {addr}: {e}"))?;
    std::thread::Builder::new()
        .name("strata-listen".into())
        .spawn(move || {
            for stream in listener.incoming().flatten() {
                let _ = answer(stream, &state);
            }
        })
        .map_err(|e| format!("--listen {addr}: {e}"))?;
    Ok(local)
}

/// The status, content type and body for a request path.
pub fn route(path: &str, state: &State) -> (u16, &'static str, String) {
    match path {
        "/healthz" => match &state.unhealthy {
            None => (200, "text/plain; charset=utf-8", "ok\n".into()),
            Some(reason) => (503, "text/plain; charset=utf-8", format!("{reason}\n")),
        },
        "/metrics" => (200, "text/plain; version=0.0.4; charset=utf-8", state.exposition()),
        _ => (404, "text/plain; charset=utf-8", "not found\n".into()),
    }
}

fn answer(mut stream: TcpStream, state: &Mutex<State>) -> std::io::Result<()> {
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    let mut line = String::new();
    let mut reader = BufReader::new(stream.try_clone()?.take(64 * 1024));
    reader.read_line(&mut line)?;
    // Drain the headers (bounded) so the client sees a clean close.
    for _ in 0..100 {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header == "\r\n" || header == "\n" {
            break;
        }
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("");
    let path = parts.next().unwrap_or("").split('?').next().unwrap_or("");
    let (status, kind, body) = if method == "GET" || method == "HEAD" {
        let snapshot = state
            .lock()
            .map(|s| s.clone())
            .unwrap_or_else(|p| p.into_inner().clone());
        route(path, &snapshot)
    } else {
        (405, "text/plain; charset=utf-8", "method not allowed\n".into())
    };
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        405 => "Method Not Allowed",
        _ => "Service Unavailable",
    };
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    if method != "HEAD" {
        stream.write_all(body.as_bytes())?;
    }
    stream.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn healthz_follows_the_last_build() {
        let mut state = State::default();
        assert_eq!(route("/healthz", &state).0, 200);
        state.unhealthy = Some("tenants/a.yaml:3: STRATA-E011 bad".into());
        let (status, _, body) = route("/healthz", &state);
        assert_eq!(status, 503);
        assert!(body.contains("tenants/a.yaml:3"));
        assert_eq!(route("/nope", &state).0, 404);
    }
}
