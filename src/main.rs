//! The jira-connect binary: the desktop app, or the CLI when a command is given.

use std::process::ExitCode;

use clap::Parser;
use jira_connect::cli::{self, Cli, Command};

fn main() -> ExitCode {
    jira_connect::ui::first_frame::mark_start();
    init_logging();
    // No arguments: the desktop app, started without building the command line's parser,
    // whose code and tables only the CLI needs.
    if std::env::args_os().len() <= 1 {
        return jira_connect::ui::run(None, false);
    }
    let cli = Cli::parse();
    match cli.command {
        None => jira_connect::ui::run(None, false),
        Some(Command::Gui { select, new }) => jira_connect::ui::run(select, new),
        Some(Command::Run(action)) => cli::run(action, cli.timeout),
    }
}

/// Logs go to stderr, filtered by RUST_LOG (default: warnings only).
fn init_logging() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}
