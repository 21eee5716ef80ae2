//! A minimal HTTP/1.1 client for `http://host:port` URLs (the runtimes' reload and status
//! endpoints). Every call is bounded: connect, read and write time out.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// How long one request may take to connect, and then per read or write.
const TIMEOUT: Duration = Duration::from_secs(5);
/// The largest answer read (status pages of a big config stay well below).
const MAX_BODY: u64 = 64 * 1024 * 1024;

/// An HTTP answer: status code and body.
#[derive(Debug, Clone)]
pub struct Response {
    /// Status code, such as 200.
    pub status: u16,
    /// Body, decoded as UTF-8 (lossy).
    pub body: String,
}

impl Response {
    /// Whether the status is 2xx.
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

/// Splits `http://host:port/prefix` into (`host:port`, `/prefix` without a trailing `/`).
pub fn split_url(url: &str) -> Result<(String, String), String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or_else(|| format!("{url}: only http:// URLs are supported"))?;
    let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
    if authority.is_empty() {
        return Err(format!("{url}: no host"));
    }
    let authority = if authority.contains(':') {
        authority.to_string()
    } else {
        format!("{authority}:80")
    };
    let path = path.trim_end_matches('/');
    let prefix = if path.is_empty() {
        String::new()
    } else {
        format!("/{path}")
    };
    Ok((authority, prefix))
}

/// Sends `method` to `base` + `path` and reads the whole answer.
pub fn request(method: &str, base: &str, path: &str) -> Result<Response, String> {
    request_waiting(method, base, path, TIMEOUT)
}

/// [`request`] that waits up to `wait` for each read of the answer: a runtime answers
/// `/-/reload` only once the new config and rules are loaded, seconds on a big fleet.
pub fn request_waiting(method: &str, base: &str, path: &str, wait: Duration) -> Result<Response, String> {
    let (authority, prefix) = split_url(base)?;
    let addr = authority
        .to_socket_addrs()
        .map_err(|e| format!("{authority}: {e}"))?
        .next()
        .ok_or_else(|| format!("{authority}: no address"))?;
    let mut stream = TcpStream::connect_timeout(&addr, TIMEOUT).map_err(|e| format!("{authority}: {e}"))?;
    stream.set_read_timeout(Some(wait)).map_err(|e| e.to_string())?;
    stream.set_write_timeout(Some(TIMEOUT)).map_err(|e| e.to_string())?;
    let head = format!(
        "{method} {prefix}{path} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: strata-watch\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    stream
        .write_all(head.as_bytes())
        .map_err(|e| format!("{authority}: {e}"))?;
    let mut raw = Vec::new();
    stream
        .take(MAX_BODY)
        .read_to_end(&mut raw)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
                format!("{authority}: no answer within {} s", wait.as_secs())
            }
            _ => format!("{authority}: {e}"),
        })?;
    parse_response(&raw).ok_or_else(|| format!("{authority}: malformed HTTP answer"))
}

/// Parses a whole HTTP/1.1 answer (with `Content-Length`, chunked or close-delimited body).
pub fn parse_response(raw: &[u8]) -> Option<Response> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&raw[..end]);
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let mut chunked = false;
    for line in lines {
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("transfer-encoding")
            && value.trim().eq_ignore_ascii_case("chunked")
        {
            chunked = true;
        }
    }
    let body = &raw[end + 4..];
    let body = if chunked { dechunk(body)? } else { body.to_vec() };
    Some(Response {
        status,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

fn dechunk(mut body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = body.windows(2).position(|w| w == b"\r\n")?;
        let size_text = String::from_utf8_lossy(&body[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next()?.trim(), 16).ok()?;
        body = &body[line_end + 2..];
        if size == 0 {
            return Some(out);
        }
        out.extend_from_slice(body.get(..size)?);
        body = body.get(size + 2..)?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_authority_and_prefix() {
        assert_eq!(
            split_url("http://127.0.0.1:9090").ok(),
            Some(("127.0.0.1:9090".into(), String::new()))
        );
        assert_eq!(
            split_url("http://prom/sub/").ok(),
            Some(("prom:80".into(), "/sub".into()))
        );
        assert!(split_url("https://x").is_err());
    }

    #[test]
    fn answers_parse_with_length_and_chunks() {
        let plain = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        let r = parse_response(plain).map(|r| (r.status, r.body));
        assert_eq!(r, Some((200, "ok".into())));
        let chunked = b"HTTP/1.1 500 Err\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
        let r = parse_response(chunked).map(|r| (r.status, r.body));
        assert_eq!(r, Some((500, "abcde".into())));
        assert!(parse_response(b"garbage").is_none());
    }
}
