//! The `stet` binary: parses arguments, sets up logging, runs the command, reports errors.

use std::io::IsTerminal;

use clap::Parser;
use tracing_subscriber::EnvFilter;

fn main() {
    let cli = stet::cli::Cli::parse();
    let default_level = match cli.command {
        stet::cli::Command::Run => "info",
        _ => "warn",
    };
    let filter =
        EnvFilter::try_from_env("STET_LOG").unwrap_or_else(|_| EnvFilter::new(default_level));
    // Colour only on a terminal, and never with NO_COLOR: logs often go to files.
    let ansi = std::io::stderr().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        // Credentials in URLs are masked in every line, whatever logged it.
        .with_writer(stet::redact::stderr)
        .with_ansi(ansi)
        .init();
    match stet::cli::run(cli) {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            // A closed pipe (`stet articles | head`) is not an error worth a message.
            let broken_pipe = e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
                    || c.downcast_ref::<serde_json::Error>()
                        .is_some_and(|j| j.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe))
            });
            if broken_pipe {
                std::process::exit(0);
            }
            // Each cause once: error types that already quote their source's message
            // would otherwise repeat it.
            let mut message = String::new();
            for cause in e.chain() {
                let text = cause.to_string();
                // SQLite's own error under rusqlite's repeats it: "Error code 26: ...".
                let said = text
                    .strip_prefix("Error code ")
                    .and_then(|t| t.split_once(": "))
                    .is_some_and(|(_, t)| message.contains(t));
                if !said && !message.contains(&text) {
                    if !message.is_empty() {
                        message.push_str(": ");
                    }
                    message.push_str(&text);
                }
            }
            eprintln!("stet: {}", stet::redact::text(&message));
            std::process::exit(2);
        }
    }
}
