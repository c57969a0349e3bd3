//! A misbehaving HTTP/1.1 server on 127.0.0.1 for fetch tests: a thread per
//! connection, replies written by hand (dripped, endless, odd codings), and a count of
//! requests in flight at once.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How to answer one request.
pub enum Reply {
    /// Status, headers and a body sent with Content-Length.
    Full(u16, Vec<(String, String)>, Vec<u8>),
    /// Headers then `chunk` repeated with chunked encoding until the client goes away
    /// (or `limit` bytes were sent); `pause` between chunks.
    Endless {
        headers: Vec<(String, String)>,
        head: Vec<u8>,
        chunk: Vec<u8>,
        pause: Duration,
    },
}

impl Reply {
    /// 200 with a content type.
    pub fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply::Full(
            200,
            vec![("Content-Type".into(), content_type.into())],
            body.into(),
        )
    }
}

type Handler = dyn Fn(&str) -> Reply + Send + Sync;

/// The server; stops accepting when dropped.
pub struct Rough {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// Paths requested, in order.
    pub paths: Arc<Mutex<Vec<String>>>,
    /// The most requests ever in flight at once.
    pub max_in_flight: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl Rough {
    /// Starts a server answering with `handler(path)`.
    pub fn start(handler: impl Fn(&str) -> Reply + Send + Sync + 'static) -> Rough {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        listener.set_nonblocking(true).unwrap();
        let handler: Arc<Handler> = Arc::new(handler);
        let paths: Arc<Mutex<Vec<String>>> = Arc::default();
        let max_in_flight = Arc::new(AtomicUsize::new(0));
        let in_flight = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        {
            let (paths, max_in_flight, stop) = (paths.clone(), max_in_flight.clone(), stop.clone());
            std::thread::spawn(move || {
                while !stop.load(Ordering::SeqCst) {
                    match listener.accept() {
                        Ok((stream, _)) => {
                            let (h, p, m, i) = (
                                handler.clone(),
                                paths.clone(),
                                max_in_flight.clone(),
                                in_flight.clone(),
                            );
                            std::thread::spawn(move || serve(stream, &*h, &p, &m, &i));
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(2)),
                    }
                }
            });
        }
        Rough {
            base,
            paths,
            max_in_flight,
            stop,
        }
    }

    /// The full URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Paths requested so far.
    pub fn paths(&self) -> Vec<String> {
        self.paths.lock().unwrap().clone()
    }
}

impl Drop for Rough {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn serve(
    stream: TcpStream,
    handler: &Handler,
    paths: &Mutex<Vec<String>>,
    max: &AtomicUsize,
    in_flight: &AtomicUsize,
) {
    stream.set_nonblocking(false).unwrap();
    let _ = stream.set_read_timeout(Some(Duration::from_secs(20)));
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut out = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" || h == "\n" {
                break;
            }
        }
        let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        max.fetch_max(now, Ordering::SeqCst);
        paths.lock().unwrap().push(path.clone());
        // Hold the request open a little, so that overlapping requests would be seen.
        std::thread::sleep(Duration::from_millis(2));
        let ok = match handler(&path) {
            Reply::Full(status, headers, body) => {
                let mut head = format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\n", body.len());
                for (k, v) in headers {
                    head.push_str(&format!("{k}: {v}\r\n"));
                }
                head.push_str("\r\n");
                // The request ends here for the count: once the response is on the wire the
                // client may open its next request before this thread runs again, so a
                // decrement after the write would see two requests that never overlapped.
                in_flight.fetch_sub(1, Ordering::SeqCst);
                out.write_all(head.as_bytes()).is_ok() && out.write_all(&body).is_ok()
            }
            Reply::Endless {
                headers,
                head,
                chunk,
                pause,
            } => {
                let mut h = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n".to_string();
                for (k, v) in headers {
                    h.push_str(&format!("{k}: {v}\r\n"));
                }
                h.push_str("\r\n");
                in_flight.fetch_sub(1, Ordering::SeqCst);
                fn w(out: &mut TcpStream, data: &[u8]) -> bool {
                    data.is_empty()
                        || out
                            .write_all(format!("{:x}\r\n", data.len()).as_bytes())
                            .and_then(|_| out.write_all(data))
                            .and_then(|_| out.write_all(b"\r\n"))
                            .is_ok()
                }
                if out.write_all(h.as_bytes()).is_err() || !w(&mut out, &head) {
                    return;
                }
                while w(&mut out, &chunk) {
                    if !pause.is_zero() {
                        std::thread::sleep(pause);
                    }
                }
                false
            }
        };
        if !ok {
            return;
        }
    }
}
