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
            eprintln!("stet: {e:#}");
            std::process::exit(2);
        }
    }
}
