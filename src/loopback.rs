//! A minimal HTTP/1.1 server for measurements on loopback (`stet-bench`,
//! `stet-fidelity`): GET only, keep-alive, `Content-Length` bodies, answers computed by
//! a function of the request. Never meant for anything but 127.0.0.0/8.

use std::collections::HashMap;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A request as the answer function sees it.
#[derive(Debug, Clone)]
pub struct Request {
    /// The request target (path and query), as sent.
    pub path: String,
    /// Header names lowercased, values trimmed.
    pub headers: HashMap<String, String>,
}

/// An answer: status line text (`200 OK`), extra headers, body.
#[derive(Debug, Clone)]
pub struct Reply {
    /// Status code and reason (`304 Not Modified`).
    pub status: &'static str,
    /// Headers besides `Content-Length` (added unless the status is 304).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Reply {
    /// A reply with a `Content-Type`.
    pub fn new(status: &'static str, content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
        }
    }

    /// The reply with one more header.
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// Serves one connection until the client closes it (or sends `Connection: close`), a
/// request head exceeds 64 KiB, or an I/O error occurs.
///
/// # Errors
/// The socket's I/O errors.
pub async fn serve_connection<F>(
    mut sock: tokio::net::TcpStream,
    respond: Arc<F>,
) -> std::io::Result<()>
where
    F: Fn(&Request) -> Reply + Send + Sync + ?Sized,
{
    let mut buf: Vec<u8> = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    loop {
        let end = loop {
            if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break p + 4;
            }
            let n = sock.read(&mut chunk).await?;
            if n == 0 {
                return Ok(());
            }
            buf.extend_from_slice(&chunk[..n]);
            if buf.len() > 64 * 1024 {
                return Ok(());
            }
        };
        let head = String::from_utf8_lossy(&buf[..end]).into_owned();
        buf.drain(..end);
        let mut lines = head.split("\r\n");
        let path = lines
            .next()
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or("/")
            .to_string();
        let headers: HashMap<String, String> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        let close = headers
            .get("connection")
            .is_some_and(|c| c.eq_ignore_ascii_case("close"));
        let reply = respond(&Request { path, headers });
        let mut out = format!("HTTP/1.1 {}\r\n", reply.status);
        for (k, v) in &reply.headers {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        if !reply.status.starts_with("304") {
            out.push_str(&format!("Content-Length: {}\r\n", reply.body.len()));
        }
        out.push_str("\r\n");
        sock.write_all(out.as_bytes()).await?;
        sock.write_all(&reply.body).await?;
        if close {
            return Ok(());
        }
    }
}

/// Accepts connections on `listener` forever, each served by [`serve_connection`] on its
/// own task.
pub async fn serve<F>(listener: tokio::net::TcpListener, respond: Arc<F>)
where
    F: Fn(&Request) -> Reply + Send + Sync + ?Sized + 'static,
{
    while let Ok((sock, _)) = listener.accept().await {
        let respond = respond.clone();
        tokio::spawn(async move {
            let _ = serve_connection(sock, respond).await;
        });
    }
}
