//! One delivery attempt per notifier kind: webhook, command, email.

use std::process::Stdio;

use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::io::AsyncWriteExt;

use crate::config::{EmailConfig, NotifierConfig, NotifierKind};

/// Sends `payload` (JSON) through notifier `n`; the error is a sentence for the outbox.
/// Every error it returns has URL credentials masked ([`crate::redact`]): it goes to
/// the log and the outbox.
pub async fn send(n: &NotifierConfig, payload: &str, user_agent: &str) -> Result<(), String> {
    let sent = match &n.kind {
        NotifierKind::Webhook { url } => {
            let url = url.read("the webhook URL")?;
            webhook(&url, payload, user_agent, n.timeout).await
        }
        NotifierKind::Command { argv } => command(argv, payload, n.timeout).await,
        NotifierKind::Email(cfg) => email(cfg, payload, n.timeout).await,
    };
    sent.map_err(|e| crate::redact::string(&e))
}

async fn webhook(
    url: &str,
    payload: &str,
    user_agent: &str,
    timeout: std::time::Duration,
) -> Result<(), String> {
    let client = reqwest::Client::builder()
        .user_agent(user_agent)
        .timeout(timeout)
        .build()
        .map_err(|e| format!("cannot build HTTP client: {e}"))?;
    let resp = client
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(payload.to_string())
        .send()
        .await
        .map_err(|e| {
            // reqwest's message repeats the URL, credentials and all: name the
            // endpoint once, masked, then the causes.
            let e = e.without_url();
            let mut causes = vec![e.to_string()];
            let mut source = std::error::Error::source(&e);
            while let Some(c) = source {
                causes.push(c.to_string());
                source = c.source();
            }
            causes.dedup();
            format!("POST {} failed: {}", shown(url), causes.join(": "))
        })?;
    if resp.status().is_success() {
        Ok(())
    } else {
        Err(format!(
            "POST {}: HTTP status {}",
            shown(url),
            resp.status().as_u16()
        ))
    }
}

/// A URL as shown in errors: credentials masked.
fn shown(url: &str) -> String {
    crate::redact::string(url)
}

async fn command(
    argv: &[String],
    payload: &str,
    timeout: std::time::Duration,
) -> Result<(), String> {
    let mut child = tokio::process::Command::new(&argv[0])
        .args(&argv[1..])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot run {:?}: {e}", argv[0]))?;
    let mut stdin = child.stdin.take().expect("piped stdin");
    let run = async {
        // A program that exits without reading its stdin is fine: ignore a broken pipe.
        let _ = stdin.write_all(payload.as_bytes()).await;
        drop(stdin);
        child.wait_with_output().await
    };
    let out = tokio::time::timeout(timeout, run)
        .await
        .map_err(|_| format!("{:?} did not finish within {}s", argv[0], timeout.as_secs()))?
        .map_err(|e| format!("{:?} failed: {e}", argv[0]))?;
    if out.status.success() {
        Ok(())
    } else {
        let stderr = String::from_utf8_lossy(&out.stderr);
        Err(format!(
            "{:?} exited with {}: {}",
            argv[0],
            out.status,
            stderr.trim().chars().take(300).collect::<String>()
        ))
    }
}

async fn email(
    cfg: &EmailConfig,
    payload: &str,
    timeout: std::time::Duration,
) -> Result<(), String> {
    let change: serde_json::Value =
        serde_json::from_str(payload).map_err(|e| format!("bad payload: {e}"))?;
    let text = |k: &str| change[k].as_str().unwrap_or("").to_string();
    let subject = format!(
        "[stet] {}: {}",
        change["title"].as_str().unwrap_or(&text("article_url")),
        text("summary")
    );
    // The changed passages, marked `[-old-]{+new+}`, read better than a unified diff.
    let passages = match text("passages") {
        p if p.is_empty() => text("diff"),
        p => p,
    };
    let body = format!(
        "{}\n{}\n\n{}\n\nChange {} seen at {}.\n",
        text("summary"),
        text("article_url"),
        passages,
        text("urn"),
        text("at")
    );
    let mut builder = Message::builder()
        .from(
            cfg.from
                .parse()
                .map_err(|e| format!("bad from address {:?}: {e}", cfg.from))?,
        )
        .subject(subject)
        .header(ContentType::TEXT_PLAIN);
    for to in &cfg.to {
        builder = builder.to(to
            .parse()
            .map_err(|e| format!("bad to address {to:?}: {e}"))?);
    }
    let message = builder
        .body(body)
        .map_err(|e| format!("cannot build the email: {e}"))?;
    let transport = match cfg.security.as_str() {
        "tls" => AsyncSmtpTransport::<Tokio1Executor>::relay(&cfg.smtp_host),
        "none" => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
            &cfg.smtp_host,
        )),
        _ => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&cfg.smtp_host),
    }
    .map_err(|e| format!("SMTP {}: {e}", cfg.smtp_host))?;
    let mut transport = transport.port(cfg.smtp_port).timeout(Some(timeout));
    if let Some(user) = &cfg.username {
        let password = match &cfg.password {
            Some(secret) => secret.read("the SMTP password")?,
            None => String::new(),
        };
        transport = transport.credentials(Credentials::new(user.clone(), password));
    }
    transport
        .build()
        .send(message)
        .await
        .map(|_| ())
        .map_err(|e| format!("SMTP {}:{}: {e}", cfg.smtp_host, cfg.smtp_port))
}
