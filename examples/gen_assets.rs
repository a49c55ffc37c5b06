//! Writes the man pages and shell completions that the Linux package installs, from the
//! CLI's own definition, so they never drift from `--help`:
//! - `OUT_DIR/man/jira-connect.1`, and a page for each subcommand (`jira-connect-add.1`, …);
//! - `OUT_DIR/completions/jira-connect.bash`, `_jira-connect` (zsh), `jira-connect.fish`.
//!
//! Usage: `cargo run --example gen_assets -- OUT_DIR` (`scripts/package.sh` runs it). An
//! example rather than a subcommand, so that clap_mangen and clap_complete stay out of the
//! binary.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::CommandFactory;
use clap_complete::Shell;
use jira_connect::cli::Cli;

fn main() -> ExitCode {
    let Some(out) = std::env::args_os().nth(1).map(PathBuf::from) else {
        eprintln!("usage: gen_assets OUT_DIR");
        return ExitCode::from(2);
    };
    match generate(&out) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("X cannot write to {}: {e}", out.display());
            ExitCode::from(1)
        }
    }
}

fn generate(out: &std::path::Path) -> std::io::Result<()> {
    let mut cmd = Cli::command();
    let man = out.join("man");
    std::fs::create_dir_all(&man)?;
    clap_mangen::generate_to(cmd.clone(), &man)?;
    let completions = out.join("completions");
    std::fs::create_dir_all(&completions)?;
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        clap_complete::generate_to(shell, &mut cmd, "jira-connect", &completions)?;
    }
    Ok(())
}
