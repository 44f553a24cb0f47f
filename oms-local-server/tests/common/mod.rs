//! Helpers shared by this crate's integration tests: raw HTTP/1.1 over TCP, so paths,
//! headers and connection behaviour are exactly what a test wrote, and a minimal signer
//! of its own (not the server's), so a shared misunderstanding cannot hide.
#![allow(dead_code)] // each test file uses a different part

use std::time::{SystemTime, UNIX_EPOCH};

use hmac::{Hmac, Mac};
use oms_local_server::{LocalOmsServer, ServerConfig};
use serde_json::Value;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

pub(crate) const PROJECT: &str = "0123456789abcdef0123456789abcdef";
pub(crate) const AK: &str = "TESTACCESSKEY";
pub(crate) const SK: &str = "test-secret-key";

pub(crate) async fn start() -> LocalOmsServer {
    LocalOmsServer::start(ServerConfig::with_sample_tasks(PROJECT, AK, SK)).await.expect("server starts")
}

pub(crate) fn sdk_date(offset_secs: i64) -> String {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    let t = time::OffsetDateTime::from_unix_timestamp(now + offset_secs).unwrap();
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Canonical URI per the spec: decode, split, re-encode each segment, trailing slash.
pub(crate) fn canonical_uri(path: &str) -> String {
    const SAFE: &percent_encoding::AsciiSet =
        &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');
    let decoded = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    let mut out: Vec<String> =
        decoded.split('/').map(|s| percent_encoding::utf8_percent_encode(s, SAFE).to_string()).collect();
    if out.last().map(|s| !s.is_empty()).unwrap_or(true) {
        out.push(String::new());
    }
    out.join("/")
}

/// What gets signed; the request actually sent may differ (tampering tests).
#[derive(Clone)]
pub(crate) struct Signed {
    pub path: String,
    /// Already in canonical form (sorted, encoded).
    pub query: String,
    /// Lowercase names, sorted by name.
    pub headers: Vec<(String, String)>,
    pub sk: String,
    pub ak: String,
}

impl Signed {
    pub(crate) fn authorization(&self) -> String {
        let date = self.headers.iter().find(|(n, _)| n == "x-sdk-date").map(|(_, v)| v.clone()).unwrap_or_default();
        let mut canonical_headers = String::new();
        for (n, v) in &self.headers {
            canonical_headers.push_str(&format!("{n}:{}\n", v.trim()));
        }
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        let signed_headers = names.join(";");
        let cr = format!(
            "GET\n{}\n{}\n{}\n{}\n{}",
            canonical_uri(&self.path),
            self.query,
            canonical_headers,
            signed_headers,
            hex::encode(Sha256::digest(b""))
        );
        let sts = format!("SDK-HMAC-SHA256\n{date}\n{}", hex::encode(Sha256::digest(cr.as_bytes())));
        let mut mac = Hmac::<Sha256>::new_from_slice(self.sk.as_bytes()).unwrap();
        mac.update(sts.as_bytes());
        format!(
            "SDK-HMAC-SHA256 Access={}, SignedHeaders={signed_headers}, Signature={}",
            self.ak,
            hex::encode(mac.finalize().into_bytes())
        )
    }
}

/// A request to send: start line pieces and headers exactly as they go on the wire.
#[derive(Clone)]
pub(crate) struct Req {
    pub path: String,
    pub query: Option<String>,
    pub headers: Vec<(String, String)>,
}

impl Req {
    pub(crate) fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub(crate) fn without(mut self, name: &str) -> Self {
        self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
        self
    }

    pub(crate) fn set(self, name: &str, value: &str) -> Self {
        self.without(name).header(name, value)
    }

    pub(crate) fn bytes(&self, keep_alive: bool) -> Vec<u8> {
        let target = match &self.query {
            Some(q) => format!("{}?{}", self.path, q),
            None => self.path.clone(),
        };
        let mut s = format!("GET {target} HTTP/1.1\r\n");
        for (n, v) in &self.headers {
            s.push_str(&format!("{n}: {v}\r\n"));
        }
        if !keep_alive {
            s.push_str("Connection: close\r\n");
        }
        s.push_str("\r\n");
        s.into_bytes()
    }
}

pub(crate) fn task_path(task: &str) -> String {
    format!("/v2/{PROJECT}/sync-tasks/{task}")
}

/// The headers the Python SDK sends, signed the way it signs them.
pub(crate) fn signed_parts(server: &LocalOmsServer, path: &str, query: &str, date: &str) -> Signed {
    Signed {
        path: path.to_string(),
        query: query.to_string(),
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("host".into(), server.addr().to_string()),
            ("x-project-id".into(), PROJECT.into()),
            ("x-sdk-date".into(), date.into()),
        ],
        sk: SK.into(),
        ak: AK.into(),
    }
}

pub(crate) fn sign(signed: &Signed) -> Req {
    let mut headers: Vec<(String, String)> = signed.headers.clone();
    headers.push(("authorization".into(), signed.authorization()));
    Req { path: signed.path.clone(), query: (!signed.query.is_empty()).then(|| signed.query.clone()), headers }
}

/// A correctly signed GET of `path?query`; `query` must already be in canonical form
/// (parameters sorted by name, values encoded), since it is sent as signed.
pub(crate) fn signed_get(server: &LocalOmsServer, path: &str, query: &str) -> Req {
    sign(&signed_parts(server, path, query, &sdk_date(0)))
}

pub(crate) fn good(server: &LocalOmsServer, task: &str) -> Req {
    sign(&signed_parts(server, &task_path(task), "query_time=1700639560751", &sdk_date(0)))
}

#[derive(Debug)]
pub(crate) struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub chunked: bool,
}

impl Resp {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("JSON body")
    }

    pub(crate) fn error_code(&self) -> String {
        self.json()["error_code"].as_str().unwrap_or("").to_string()
    }
}

pub(crate) async fn read_response<R: tokio::io::AsyncBufRead + Unpin>(r: &mut R) -> std::io::Result<Resp> {
    let mut line = String::new();
    if r.read_line(&mut line).await? == 0 {
        return Err(std::io::Error::new(std::io::ErrorKind::UnexpectedEof, "closed before status line"));
    }
    let status: u16 = line.split_whitespace().nth(1).and_then(|s| s.parse().ok()).expect("status line");
    let mut headers = Vec::new();
    loop {
        line.clear();
        r.read_line(&mut line).await?;
        let l = line.trim_end();
        if l.is_empty() {
            break;
        }
        let (n, v) = l.split_once(':').expect("header line");
        headers.push((n.trim().to_ascii_lowercase(), v.trim().to_string()));
    }
    let get = |n: &str| headers.iter().find(|(h, _)| h == n).map(|(_, v)| v.clone());
    let chunked = get("transfer-encoding").is_some_and(|v| v.contains("chunked"));
    let mut body = Vec::new();
    if chunked {
        loop {
            line.clear();
            r.read_line(&mut line).await?;
            let size = usize::from_str_radix(line.trim(), 16).expect("chunk size");
            if size == 0 {
                line.clear();
                r.read_line(&mut line).await?;
                break;
            }
            let start = body.len();
            body.resize(start + size, 0);
            r.read_exact(&mut body[start..]).await?;
            let mut crlf = [0u8; 2];
            r.read_exact(&mut crlf).await?;
        }
    } else if let Some(len) = get("content-length") {
        body.resize(len.parse().unwrap(), 0);
        r.read_exact(&mut body).await?;
    } else {
        r.read_to_end(&mut body).await?;
    }
    Ok(Resp { status, headers, body, chunked })
}

/// Every answer, error or not, must carry a 32-hex request id and the JSON content type.
pub(crate) fn check_common(resp: &Resp) {
    let id = resp.header("x-request-id").expect("X-Request-Id present");
    assert_eq!(id.len(), 32, "{id}");
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
    assert_eq!(resp.header("content-type"), Some("application/json"));
}

pub(crate) async fn try_send(server: &LocalOmsServer, req: &Req) -> std::io::Result<Resp> {
    let mut stream = TcpStream::connect(server.addr()).await?;
    stream.write_all(&req.bytes(false)).await?;
    let mut reader = BufReader::new(stream);
    read_response(&mut reader).await
}

pub(crate) async fn send(server: &LocalOmsServer, req: &Req) -> Resp {
    let resp = try_send(server, req).await.expect("response");
    check_common(&resp);
    resp
}
