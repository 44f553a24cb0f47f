//! The one scripted fake of the OMS API: an HTTP/1.1 server on raw sockets whose every
//! answer a test writes byte for byte. It exists for what the local OMS server
//! (`oms_local_server`, the faithful stand-in with fault injection) deliberately cannot
//! say: arbitrary headers and error bodies (nested errors, echoed secrets, any
//! `X-Request-Id`), a `Content-Length` past the client's cap, a body ended by closing
//! the connection, answers computed from the request, and the request exactly as it
//! arrived, before any server-side parsing. HTTPS is only ever the local server's.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use terraform_provider_oms::oms::signer;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request as the fake read it.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub method: String,
    /// Request target exactly as received (percent-encoded path + query).
    pub target: String,
    pub headers: Vec<(String, String)>,
}

impl Received {
    pub(crate) fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
    pub(crate) fn query_pairs(&self) -> Vec<(String, String)> {
        match self.target.split_once('?') {
            Some((_, q)) => {
                url::form_urlencoded::parse(q.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
            }
            None => Vec::new(),
        }
    }
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    /// Recomputes the signature the way a gateway would, from the request
    /// as received, and checks it was made with this key pair.
    pub(crate) fn signature_verifies(&self, access_key: &str, secret_key: &str) -> bool {
        let Some(auth) = self.header("authorization") else {
            return false;
        };
        let Some(parsed) = signer::parse_authorization(auth) else {
            return false;
        };
        let Some(date) = self.header("x-sdk-date") else {
            return false;
        };
        let cr = signer::canonical_request(
            &self.method,
            self.path(),
            &self.query_pairs(),
            &self.headers,
            &parsed.signed_headers,
            b"",
        );
        let sts = signer::string_to_sign(date, &cr);
        parsed.access_key == access_key && signer::signature(secret_key, &sts) == parsed.signature
    }
}

/// What the fake does with one request.
pub(crate) enum Action {
    Respond {
        status: u16,
        headers: Vec<(&'static str, String)>,
        body: Vec<u8>,
    },
    /// Body without Content-Length, delimited by closing the connection.
    RespondUntilClose {
        status: u16,
        body: Vec<u8>,
    },
    /// Read the request and never answer.
    Stall,
    /// Close the connection with an RST instead of answering.
    Reset,
}

/// A JSON answer.
pub(crate) fn json(status: u16, body: &str) -> Action {
    Action::Respond {
        status,
        headers: vec![("Content-Type", "application/json".into())],
        body: body.as_bytes().to_vec(),
    }
}

/// `a` with one more response header (ignored for non-`Respond` actions).
pub(crate) fn with_header(a: Action, name: &'static str, value: &str) -> Action {
    match a {
        Action::Respond { status, mut headers, body } => {
            headers.push((name, value.to_string()));
            Action::Respond { status, headers, body }
        }
        other => other,
    }
}

type Handler = Arc<dyn Fn(usize, &Received) -> Action + Send + Sync>;

/// The running fake; it serves until the test's runtime ends.
pub(crate) struct FakeOms {
    pub endpoint: String,
    count: Arc<AtomicUsize>,
    received: Arc<Mutex<Vec<Received>>>,
}

impl FakeOms {
    /// Serves every request with `handler(n, request)`, `n` counting requests from 0.
    pub(crate) async fn start(handler: impl Fn(usize, &Received) -> Action + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let count = Arc::new(AtomicUsize::new(0));
        let received = Arc::new(Mutex::new(Vec::new()));
        let handler: Handler = Arc::new(handler);
        let (c, r) = (count.clone(), received.clone());
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                tokio::spawn(serve_conn(stream, handler.clone(), c.clone(), r.clone()));
            }
        });
        Self { endpoint: format!("http://{addr}"), count, received }
    }
    /// Requests received so far.
    pub(crate) fn count(&self) -> usize {
        self.count.load(Ordering::SeqCst)
    }
    /// Every request received, in arrival order.
    pub(crate) fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }
}

async fn read_head(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Received> {
    loop {
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..pos]).into_owned();
            buf.drain(..pos + 4);
            let mut lines = head.split("\r\n");
            let mut first = lines.next()?.split(' ');
            let method = first.next()?.to_string();
            let target = first.next()?.to_string();
            let headers = lines
                .filter_map(|l| l.split_once(':'))
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .collect();
            return Some(Received { method, target, headers });
        }
        let mut chunk = [0u8; 4096];
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

async fn serve_conn(
    mut stream: TcpStream,
    handler: Handler,
    count: Arc<AtomicUsize>,
    received: Arc<Mutex<Vec<Received>>>,
) {
    let mut buf = Vec::new();
    while let Some(req) = read_head(&mut stream, &mut buf).await {
        let n = count.fetch_add(1, Ordering::SeqCst);
        received.lock().unwrap().push(req.clone());
        match handler(n, &req) {
            Action::Respond { status, headers, body } => {
                let mut head = format!("HTTP/1.1 {status} {}\r\nContent-Length: {}\r\n", reason(status), body.len());
                for (k, v) in headers {
                    head.push_str(&format!("{k}: {v}\r\n"));
                }
                head.push_str("\r\n");
                if stream.write_all(head.as_bytes()).await.is_err() || stream.write_all(&body).await.is_err() {
                    return;
                }
            }
            Action::RespondUntilClose { status, body } => {
                let head = format!(
                    "HTTP/1.1 {status} {}\r\nConnection: close\r\nContent-Type: application/json\r\n\r\n",
                    reason(status)
                );
                let _ = stream.write_all(head.as_bytes()).await;
                for chunk in body.chunks(16 * 1024) {
                    if stream.write_all(chunk).await.is_err() {
                        return;
                    }
                }
                return;
            }
            Action::Stall => {
                std::future::pending::<()>().await;
            }
            Action::Reset => {
                let _ = stream.set_zero_linger();
                drop(stream);
                return;
            }
        }
    }
}
