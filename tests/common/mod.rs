//! Test support: a local HTTP server on 127.0.0.1 that serves fixtures, answers
//! conditional requests and records what it was sent; and a runner for the real binary.
#![allow(dead_code)]

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// What the server answers on one path.
#[derive(Debug, Clone)]
pub struct Route {
    /// HTTP status.
    pub status: u16,
    /// Body bytes.
    pub body: Vec<u8>,
    /// Extra response headers.
    pub headers: Vec<(String, String)>,
    /// `ETag` to send; a request whose `If-None-Match` equals it gets 304.
    pub etag: Option<String>,
    /// `Last-Modified` to send; a request whose `If-Modified-Since` equals it gets 304.
    pub last_modified: Option<String>,
}

impl Route {
    /// 200 with `body` and a content type.
    pub fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Route {
        Route {
            status: 200,
            body: body.into(),
            headers: vec![("Content-Type".into(), content_type.into())],
            etag: None,
            last_modified: None,
        }
    }

    /// 200 text/html; charset=utf-8.
    pub fn html(body: impl Into<Vec<u8>>) -> Route {
        Route::ok("text/html; charset=utf-8", body)
    }

    /// With validators for conditional GET.
    pub fn with_validators(mut self, etag: Option<&str>, last_modified: Option<&str>) -> Route {
        self.etag = etag.map(str::to_string);
        self.last_modified = last_modified.map(str::to_string);
        self
    }

    /// With another status.
    pub fn status(mut self, status: u16) -> Route {
        self.status = status;
        self
    }
}

/// A request the server received.
#[derive(Debug, Clone)]
pub struct Seen {
    /// Path and query.
    pub path: String,
    /// Request headers, names lowercased.
    pub headers: HashMap<String, String>,
    /// Status answered.
    pub status: u16,
    /// HTTP method.
    pub method: String,
    /// Request body.
    pub body: Vec<u8>,
}

/// A fixture server on 127.0.0.1 with a random port; stops when dropped.
pub struct TestServer {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    routes: Arc<Mutex<HashMap<String, Route>>>,
    sequences: Arc<Mutex<HashMap<String, Vec<Route>>>>,
    seen: Arc<Mutex<Vec<Seen>>>,
    server: Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Starts the server.
    pub fn start() -> TestServer {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind 127.0.0.1"));
        let port = server.server_addr().to_ip().expect("ip address").port();
        let routes: Arc<Mutex<HashMap<String, Route>>> = Arc::default();
        let sequences: Arc<Mutex<HashMap<String, Vec<Route>>>> = Arc::default();
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let thread = {
            let (server, routes, seen, sequences) = (
                server.clone(),
                routes.clone(),
                seen.clone(),
                sequences.clone(),
            );
            std::thread::spawn(move || {
                for mut req in server.incoming_requests() {
                    let mut request_body = Vec::new();
                    let _ = std::io::Read::read_to_end(req.as_reader(), &mut request_body);
                    let method = req.method().as_str().to_string();
                    let headers: HashMap<String, String> = req
                        .headers()
                        .iter()
                        .map(|h| {
                            (
                                h.field.as_str().as_str().to_ascii_lowercase(),
                                h.value.as_str().to_string(),
                            )
                        })
                        .collect();
                    let path = req.url().to_string();
                    let next_in_sequence = {
                        let mut seqs = sequences.lock().unwrap();
                        match seqs.get_mut(&path) {
                            Some(seq) if seq.len() > 1 => Some(seq.remove(0)),
                            Some(seq) => seq.first().cloned(),
                            None => None,
                        }
                    };
                    let route =
                        next_in_sequence.or_else(|| routes.lock().unwrap().get(&path).cloned());
                    let (status, body, extra) = match route {
                        None => (404, b"not found".to_vec(), vec![]),
                        Some(r) => {
                            let etag_hit =
                                r.etag.is_some() && headers.get("if-none-match") == r.etag.as_ref();
                            let lm_hit = r.etag.is_none()
                                && r.last_modified.is_some()
                                && headers.get("if-modified-since") == r.last_modified.as_ref();
                            let mut extra = r.headers.clone();
                            if let Some(e) = &r.etag {
                                extra.push(("ETag".into(), e.clone()));
                            }
                            if let Some(l) = &r.last_modified {
                                extra.push(("Last-Modified".into(), l.clone()));
                            }
                            if etag_hit || lm_hit {
                                (304, vec![], extra)
                            } else {
                                (r.status, r.body.clone(), extra)
                            }
                        }
                    };
                    seen.lock().unwrap().push(Seen {
                        path,
                        headers,
                        status,
                        method,
                        body: request_body,
                    });
                    let mut resp = tiny_http::Response::from_data(body).with_status_code(status);
                    for (k, v) in extra {
                        resp.add_header(
                            tiny_http::Header::from_bytes(k.as_bytes(), v.as_bytes()).unwrap(),
                        );
                    }
                    let _ = req.respond(resp);
                }
            })
        };
        TestServer {
            base: format!("http://127.0.0.1:{port}"),
            routes,
            sequences,
            seen,
            server,
            thread: Some(thread),
        }
    }

    /// Serves `route` at `path` (replacing what was there).
    pub fn set(&self, path: &str, route: Route) {
        self.routes.lock().unwrap().insert(path.to_string(), route);
    }

    /// Serves `routes` at `path` one per request, in order; the last one repeats.
    pub fn set_sequence(&self, path: &str, routes: Vec<Route>) {
        self.sequences
            .lock()
            .unwrap()
            .insert(path.to_string(), routes);
    }

    /// The full URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Requests received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// Forgets the requests received so far.
    pub fn clear_seen(&self) {
        self.seen.lock().unwrap().clear();
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// The repo's tests/fixtures folder.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The publication times of casebook 05's nine entries (CASE.md), in UTC: what the feed
/// parser gives and what the archived versions record.
pub const CASE_05_PUBLISHED: [Option<&str>; 9] = [
    Some("2024-10-01T20:15:04Z"),
    Some("2024-10-02T01:15:00Z"),
    Some("2024-10-01T18:15:04Z"),
    Some("2024-10-02T00:15:04Z"),
    Some("2024-10-01T20:15:04Z"),
    Some("2024-10-01T20:15:04Z"),
    Some("2024-10-01T20:15:04Z"),
    None,
    Some("2024-10-01T20:15:04Z"),
];

/// Reads a fixture file.
pub fn fixture(rel: &str) -> Vec<u8> {
    std::fs::read(fixtures().join(rel)).unwrap_or_else(|e| panic!("fixture {rel}: {e}"))
}

/// A temporary folder with a config.toml following the given feeds.
pub struct Workdir {
    pub dir: tempfile::TempDir,
}

impl Workdir {
    /// Writes a config with `extra` TOML appended (e.g. `[[feed]]` blocks). Unless
    /// `extra` has its own `[politeness]`, the per-host delay is set to 0 (at the end of
    /// the file) so that tests against one local host stay fast.
    pub fn new(extra: &str) -> Workdir {
        let fast = if extra.contains("[politeness]") {
            ""
        } else {
            "\n[politeness]\nper_host_delay = \"0s\"\n"
        };
        Workdir::exact(&format!(
            "database = \"stet.db\"\ninterval = \"30m\"\n{extra}{fast}"
        ))
    }

    /// Writes exactly `config` as the config file.
    pub fn exact(config: &str) -> Workdir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("config.toml"), config).unwrap();
        Workdir { dir }
    }

    /// The config path.
    pub fn config(&self) -> PathBuf {
        self.dir.path().join("config.toml")
    }

    /// Runs the real `stet` binary with `--config` this folder's config.
    pub fn stet(&self, args: &[&str]) -> Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_stet"))
            .arg("--config")
            .arg(self.config())
            .args(args)
            .env_remove("STET_CONFIG")
            .env("NO_COLOR", "1")
            .output()
            .expect("run stet")
    }

    /// Starts the daemon (`stet run`) on this folder's config, logging warnings only to a
    /// discarded stderr.
    pub fn spawn_daemon(&self) -> std::process::Child {
        std::process::Command::new(env!("CARGO_BIN_EXE_stet"))
            .arg("--config")
            .arg(self.config())
            .arg("run")
            .env_remove("STET_CONFIG")
            .env("STET_LOG", "warn")
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start stet run")
    }

    /// Runs stet and asserts exit status 0; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.stet(args);
        assert!(
            out.status.success(),
            "stet {args:?} failed with {:?}\nstdout: {}\nstderr: {}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("utf-8 stdout")
    }

    /// Runs stet with `--json` output and parses it.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let out = self.ok(args);
        serde_json::from_str(&out).unwrap_or_else(|e| panic!("stet {args:?}: bad JSON {e}: {out}"))
    }
}

/// Path of the edited article of the seed scenario (tests/fixtures/seed-article).
pub const SEED_ARTICLE: &str = "/2021/02/mexico-us-time-to-reset-relations/";

/// A server for the seed scenario: its feed (with `{{BASE}}` filled in), the article that
/// never changes, and the edited article served as `v1.html`.
pub fn seed_server() -> TestServer {
    let server = TestServer::start();
    let feed = String::from_utf8(fixture("seed-article/feed.xml"))
        .unwrap()
        .replace("{{BASE}}", &server.base);
    server.set("/feed.xml", Route::ok("application/rss+xml", feed));
    server.set(
        "/2021/02/water-wars-in-the-andes/",
        Route::html(fixture("seed-article/water-wars.html")),
    );
    server.set(SEED_ARTICLE, Route::html(fixture("seed-article/v1.html")));
    server
}
