//! The command-line interface: the same core as the desktop app, with `--json` for scripts.
//!
//! Secrets never come from the command line: they are read from the first line of stdin
//! when it is not a terminal, and from a prompt that does not echo otherwise.
//!
//! - [`args`]: clap's types;
//! - [`commands`]: one function per command, given the service, a [`Printer`] and a
//!   [`Console`], so that tests run them in-process;
//! - [`exec`]: the command that hands a token to another program;
//! - [`output`]: human output, and the [`Printer`](output::Printer) that sends each line
//!   to stdout or stderr;
//! - [`json`]: every `--json` document, the contract scripts depend on;
//! - [`reminders`]: `reminders enable | disable | status`.

mod args;
mod commands;
mod exec;
mod json;
pub mod output;
mod reminders;

pub use args::{Action, AddArgs, Cli, Command, ImportFrom};

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use zeroize::Zeroizing;

use crate::core::error::Error;
use crate::core::secrets::LazyPlatformStore;
use crate::core::service::{Connections, RotateOptions};
use output::Printer;

/// Exit status for failures of the operation or of a check.
const FAILURE: u8 = 1;
/// Exit status for usage errors.
const USAGE: u8 = 2;

/// What the user types: a secret, and a yes or no. The terminal for the binary; a script
/// in tests.
pub trait Console {
    /// Reads a secret, shown to the user with `prompt` when one is asked for.
    fn secret(&self, prompt: &str) -> Result<SecretString, Error>;
    /// Whether someone is there to answer a question.
    fn interactive(&self) -> bool;
    /// Asks a yes/no question; anything but yes, or no answer at all, is no.
    fn confirm(&self, question: &str) -> bool;
}

/// The terminal: stdin, and a prompt that does not echo.
pub(crate) struct Terminal;

impl Console for Terminal {
    fn secret(&self, prompt: &str) -> Result<SecretString, Error> {
        read_secret(prompt)
    }

    fn interactive(&self) -> bool {
        std::io::stdin().is_terminal()
    }

    fn confirm(&self, question: &str) -> bool {
        confirm(question)
    }
}

/// Runs a CLI command with the platform keyring and the configured directory, giving up
/// on a Jira request after `timeout` seconds.
pub fn run(command: Action, timeout: u64) -> ExitCode {
    let printer = Printer::from_env(command.wants_json());
    let connections = match Connections::open(
        Duration::from_secs(timeout),
        Arc::new(LazyPlatformStore::new()),
    ) {
        Ok(c) => c,
        Err(err) => return printer.error(&err),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("X cannot start: {e}");
            return ExitCode::from(FAILURE);
        }
    };
    // Finish or roll back anything an interrupted run left behind, before anything else.
    // A config file that cannot be read is not an interrupted change: the command reads it
    // too and reports it, once.
    match connections.recover() {
        Ok(_)
        | Err(
            Error::ConfigCorrupt { .. } | Error::ConfigIo { .. } | Error::ConfigUntrusted { .. },
        ) => {}
        Err(err) => printer.caution(&format!(
            "An interrupted change could not be finished yet: {}",
            err.sentence()
        )),
    }
    // Then, for a command that talks to servers anyway, revoke what an interrupted rotation
    // left on one; asks nothing when there is nothing to revoke. Commands that work offline
    // (list, token, exec...) never wait for a server that may be out of reach.
    if command.talks_to_servers()
        && let Ok(leftovers) = runtime.block_on(connections.revoke_leftovers())
    {
        for leftover in &leftovers {
            output::leftover(&printer, leftover);
        }
    }
    runtime.block_on(execute(command, Arc::new(connections), &printer, &Terminal))
}

/// Runs one command against `svc`, writing to `out` and reading from `console`, and
/// reports an error once.
pub async fn execute(
    command: Action,
    svc: Arc<Connections>,
    out: &Printer,
    console: &dyn Console,
) -> ExitCode {
    let result = match command {
        Action::Add(args) => commands::add(args, &svc, out, console).await,
        Action::List { json } => commands::list(&svc, out, json),
        Action::Check {
            names,
            json,
            notify,
        } => commands::check(names, &svc, out, json, notify).await,
        Action::Reminders { action } => reminders::run(action, &svc, out),
        Action::Doctor { names, json } => commands::doctor(&names, &svc, out, json).await,
        Action::ReplaceToken {
            name,
            expires,
            token_label,
            client_id,
            json,
        } => {
            let new = commands::NewSecret {
                expires,
                token_label,
                client_id,
            };
            commands::replace_token(&name, new, &svc, out, console, json).await
        }
        Action::Rotate {
            name,
            expires_in,
            token_label,
            json,
        } => {
            let options = RotateOptions {
                expires_in_days: expires_in,
                label: token_label,
                ..RotateOptions::default()
            };
            commands::rotate(&name, options, &svc, out, console, json).await
        }
        Action::Remove { name, yes } => commands::remove(&name, yes, &svc, out, console).await,
        Action::Token { name } => commands::token(&name, &svc, out).await,
        Action::LinkConfluence {
            name,
            new_name,
            json,
        } => commands::link_confluence(&name, new_name, &svc, out, json).await,
        Action::Exec { name, command } => exec::exec(&name, &command, &svc).await,
        Action::Import {
            from:
                ImportFrom::JiraCli {
                    config,
                    name,
                    remove_netrc,
                },
        } => commands::import_jira_cli(config, name, remove_netrc, &svc, out, console).await,
        // main opens the desktop app itself; the CLI layer knows nothing of it.
    };
    match result {
        Ok(code) => code,
        Err(err) => out.error(&err),
    }
}

/// Asks a yes/no question on the terminal; anything but yes, or no answer at all, is no.
fn confirm(question: &str) -> bool {
    eprint!("{question}");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).is_ok()
        && matches!(answer.trim(), "y" | "Y" | "yes" | "Yes" | "YES")
}

/// Reads a secret: the first line of stdin when it is not a terminal, otherwise a prompt
/// that does not echo. The read buffer is wiped once the secret has been taken out.
fn read_secret(prompt: &str) -> Result<SecretString, Error> {
    let stdin = std::io::stdin();
    let line = if stdin.is_terminal() {
        Zeroizing::new(
            rpassword::prompt_password(prompt).map_err(|source| Error::Input {
                what: "token",
                from: "the terminal",
                source,
            })?,
        )
    } else {
        let mut line = Zeroizing::new(String::new());
        stdin
            .lock()
            .read_line(&mut line)
            .map_err(|source| Error::Input {
                what: "token",
                from: "standard input",
                source,
            })?;
        line
    };
    let trimmed = line.trim_end_matches(['\r', '\n']);
    Ok(SecretString::from(trimmed.to_string()))
}

/// The exit code for an error: 2 for usage errors, 1 for everything else.
fn exit_code_for(err: &Error) -> ExitCode {
    if err.is_usage() {
        ExitCode::from(USAGE)
    } else {
        ExitCode::from(FAILURE)
    }
}
