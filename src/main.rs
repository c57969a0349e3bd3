//! The `stet` binary: parses arguments, sets up logging, runs the command, reports errors.

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
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
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
            eprintln!("stet: {e:#}");
            std::process::exit(2);
        }
    }
}
