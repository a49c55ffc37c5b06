//! Human output for the CLI, and the [`Printer`] that also writes the `--json` documents
//! of [`super::json`].
//!
//! Human output follows `gh auth status`: a ✓ or X line per fact, each failure followed by
//! the next step to take. Colour only on a terminal, and never with `NO_COLOR` set.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use jiff::civil::Date;
use serde::Serialize;

use crate::core::connection::{
    AuthKind, Connection, Deployment, EXPIRY_WARNING_DAYS, Product, Status, name_arg,
};
use crate::core::error::{Error, InputField, KeyringError};
use crate::core::jira::pat::PatInfo;
use crate::core::service::{CheckReport, Leftover, LeftoverOutcome, TokenLookup};

/// Where each line goes. With `--json`, stdout holds exactly one JSON document and every
/// human line goes to stderr; notices about the run itself (progress, a plain-http warning,
/// a detected Cloud site) always go to stderr. A reader that has gone away (`list | head -1`)
/// is not an error: further output to it is dropped, and the command finishes its work.
pub struct Printer {
    /// Human lines go to stderr instead of stdout (`--json`).
    json: bool,
    color_stdout: bool,
    color_stderr: bool,
    /// Set once stdout's reader is gone.
    stdout_closed: AtomicBool,
    /// Where the lines go instead of the process's streams, for tests.
    capture: Option<Arc<Mutex<Captured>>>,
}

/// What a printer made by [`Printer::capture`] has written, stream by stream.
#[derive(Debug, Default, Clone)]
pub struct Captured {
    pub stdout: String,
    pub stderr: String,
}

#[derive(Clone, Copy)]
enum Stream {
    Stdout,
    Stderr,
}

const GREEN: &str = "\x1b[32m";
const RED: &str = "\x1b[31m";
const YELLOW: &str = "\x1b[33m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

impl Printer {
    /// A printer for human output, or, with `json`, for one JSON document on stdout.
    pub fn from_env(json: bool) -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Printer {
            json,
            color_stdout: !no_color && std::io::stdout().is_terminal(),
            color_stderr: !no_color && std::io::stderr().is_terminal(),
            stdout_closed: AtomicBool::new(false),
            capture: None,
        }
    }

    /// A printer without colour that keeps every line instead of writing it, so that tests
    /// can run commands in-process and read what they printed where.
    pub fn capture(json: bool) -> (Self, Arc<Mutex<Captured>>) {
        let captured = Arc::new(Mutex::new(Captured::default()));
        let printer = Printer {
            json,
            color_stdout: false,
            color_stderr: false,
            stdout_closed: AtomicBool::new(false),
            capture: Some(captured.clone()),
        };
        (printer, captured)
    }

    /// The stream human lines go to.
    fn human(&self) -> Stream {
        if self.json {
            Stream::Stderr
        } else {
            Stream::Stdout
        }
    }

    /// Writes one line. A closed stdout is remembered and further output to it dropped; a
    /// failing stderr has nowhere left to report to.
    fn emit(&self, stream: Stream, line: &str) {
        if let Some(captured) = &self.capture {
            let mut captured = captured.lock().unwrap_or_else(|e| e.into_inner());
            let text = match stream {
                Stream::Stdout => &mut captured.stdout,
                Stream::Stderr => &mut captured.stderr,
            };
            text.push_str(line);
            text.push('\n');
            return;
        }
        match stream {
            Stream::Stdout => {
                if self.stdout_closed.load(Ordering::Relaxed) {
                    return;
                }
                let mut out = std::io::stdout().lock();
                if writeln!(out, "{line}").and_then(|()| out.flush()).is_err() {
                    self.stdout_closed.store(true, Ordering::Relaxed);
                }
            }
            Stream::Stderr => {
                let _ = writeln!(std::io::stderr().lock(), "{line}");
            }
        }
    }

    fn paint_for(&self, stream: Stream, color: &str, text: &str) -> String {
        let on = match stream {
            Stream::Stdout => self.color_stdout,
            Stream::Stderr => self.color_stderr,
        };
        if on {
            format!("{color}{text}{RESET}")
        } else {
            text.to_string()
        }
    }

    fn paint(&self, color: &str, text: &str) -> String {
        self.paint_for(self.human(), color, text)
    }

    fn mark(&self, stream: Stream, color: &str, mark: &str, text: &str) {
        self.emit(
            stream,
            &format!("{} {text}", self.paint_for(stream, color, mark)),
        );
    }

    pub fn line(&self, text: &str) {
        self.emit(self.human(), text);
    }

    pub fn ok(&self, text: &str) {
        self.mark(self.human(), GREEN, "✓", text);
    }

    pub fn warn(&self, text: &str) {
        self.mark(self.human(), YELLOW, "!", text);
    }

    pub fn fail(&self, text: &str) {
        self.mark(self.human(), RED, "X", text);
    }

    /// A fact about the run itself, not the command's result: always on stderr.
    pub fn notice(&self, text: &str) {
        self.mark(Stream::Stderr, GREEN, "✓", text);
    }

    /// A warning about the run itself, not the command's result: always on stderr.
    pub(crate) fn caution(&self, text: &str) {
        self.mark(Stream::Stderr, YELLOW, "!", text);
    }

    /// An indented next step under the line above it.
    pub(crate) fn hint(&self, text: &str) {
        self.emit(
            self.human(),
            &format!("  {}", self.paint(DIM, &format!("- {text}"))),
        );
    }

    /// A secret and a newline on stdout, for `token`; false when stdout is gone.
    pub(crate) fn secret_line(&self, secret: &str) -> bool {
        self.emit(Stream::Stdout, secret);
        !self.stdout_closed.load(Ordering::Relaxed)
    }

    /// The command's one JSON document, on stdout.
    pub fn json<T: Serialize>(&self, value: &T) {
        let text = serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".into());
        self.emit(Stream::Stdout, &text);
    }

    /// Reports an error once, on stderr (and as JSON on stdout for `--json`), and picks
    /// the exit code.
    pub fn error(&self, err: &Error) -> ExitCode {
        if self.json {
            self.json(&super::json::error(err));
        }
        self.mark(Stream::Stderr, RED, "X", &err.sentence());
        if let Some(step) = cli_step(err) {
            self.emit(Stream::Stderr, &format!("  - {step}"));
        }
        if matches!(
            err,
            Error::BadCredentials { .. }
                | Error::MissingScope { .. }
                | Error::BasicAuthDisabled { .. }
                | Error::CloudNeedsApiToken { .. }
                | Error::Captcha { .. }
                | Error::Forbidden { .. }
        ) {
            self.emit(Stream::Stderr, "  - Nothing was saved or changed.");
        }
        super::exit_code_for(err)
    }

    /// The expiry fact for a connection, warning when it is close.
    pub(crate) fn expiry_line(&self, c: &Connection, today: Date) {
        match (c.token_expires, c.days_left(today)) {
            (Some(date), Some(days)) if days < 0 => {
                self.fail(&format!("Token expired on {date}"));
                self.hint(&format!("Create a new token at {}", c.token_page()));
                self.hint(&format!(
                    "Then run: jira-connect replace-token {}",
                    name_arg(&c.name)
                ));
            }
            (Some(date), Some(days)) if days <= EXPIRY_WARNING_DAYS => {
                self.warn(&format!("Token expires {date} ({})", days_text(days)));
                if c.deployment == Deployment::DataCenter && c.auth == AuthKind::Pat {
                    self.hint(&format!(
                        "Rotate it in one step with: jira-connect rotate {}",
                        name_arg(&c.name)
                    ));
                    return;
                }
                self.hint(&format!("Create a new token at {}", c.token_page()));
                self.hint(&format!(
                    "Then run: jira-connect replace-token {}",
                    name_arg(&c.name)
                ));
            }
            (Some(date), Some(days)) => {
                self.ok(&format!("Token expires {date} ({})", days_text(days)))
            }
            _ => self.hint("No expiry date recorded; add one with replace-token --expires"),
        }
    }

    /// What the server said about a Data Center token: what was read, or, when nothing
    /// was, one line saying why. Nothing when there is nothing to read.
    pub(crate) fn token_lookup(&self, c: &Connection, token: &TokenLookup) {
        let product = c.product.title();
        if let Some(info) = token.recorded() {
            let expires = match info.expires {
                Some(date) => format!("expires {date}"),
                None => "never expires".into(),
            };
            self.ok(&format!(
                "Read from {product}: token {:?} (id {}), {expires}",
                info.name, info.id
            ));
        } else if let Some(why) = token.why_not() {
            self.warn(&format!(
                "Did not read the token's expiry from {product}: {why}"
            ));
        }
    }

    /// One connection's check, `gh auth status` style.
    pub fn report(&self, report: &CheckReport) {
        let c = &report.connection;
        self.line(&format!("{}  {}", self.paint_bold(&c.name), c.url));
        match &report.result {
            Ok(account) => {
                let version = account
                    .server_version
                    .as_deref()
                    .map(|v| format!(" · {} {v}", c.product_name()))
                    .unwrap_or_default();
                self.ok(&format!(
                    "Logged in as {}{version}",
                    account_text(&account.display_name, account.email.as_deref())
                ));
                if let Some(why) = report.token.why_not() {
                    self.hint(&format!(
                        "Did not read the token's expiry from {}: {why}",
                        c.product.title()
                    ));
                }
                self.expiry_line(c, crate::core::connection::today());
            }
            Err(err) => {
                self.fail(&err.sentence());
                for step in next_steps(err, c) {
                    self.hint(&step);
                }
            }
        }
    }

    fn paint_bold(&self, text: &str) -> String {
        self.paint("\x1b[1m", text)
    }

    /// The aligned table of `list`.
    pub fn table(&self, connections: &[Connection], today: Date) {
        let header = ["NAME", "STATUS", "SITE", "ACCOUNT", "EXPIRES", "LAST CHECK"];
        let rows: Vec<[String; 6]> = connections
            .iter()
            .map(|c| {
                let status = c.status(today);
                let account = c
                    .last_check
                    .as_ref()
                    .and_then(|l| l.display_name.clone())
                    .or_else(|| c.login.clone())
                    .unwrap_or_else(|| "-".into());
                let expires = match (c.token_expires, c.days_left(today)) {
                    (Some(d), Some(days)) => format!("{d} ({})", days_text(days)),
                    _ => "-".into(),
                };
                let checked = c
                    .last_check
                    .as_ref()
                    .map(|l| {
                        l.at.to_zoned(jiff::tz::TimeZone::system())
                            .strftime("%Y-%m-%d %H:%M")
                            .to_string()
                    })
                    .unwrap_or_else(|| "never".into());
                [
                    c.name.clone(),
                    format!("{} {}", status_mark(status), status),
                    match c.product {
                        Product::Jira => c.url.clone(),
                        Product::Confluence => format!("Confluence · {}", c.url),
                    },
                    account,
                    expires,
                    checked,
                ]
            })
            .collect();
        let mut widths = header.map(|h| h.chars().count());
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        let pad = |cell: &str, width: usize| {
            format!("{cell}{}", " ".repeat(width - cell.chars().count()))
        };
        let head: Vec<String> = header.iter().zip(widths).map(|(h, w)| pad(h, w)).collect();
        self.line(&self.paint_bold(head.join("  ").trim_end()));
        for (row, c) in rows.iter().zip(connections) {
            let cells: Vec<String> = row
                .iter()
                .zip(widths)
                .enumerate()
                .map(|(i, (cell, w))| {
                    let padded = pad(cell, w);
                    if i == 1 {
                        self.paint(status_color(c.status(today)), &padded)
                    } else {
                        padded
                    }
                })
                .collect();
            self.line(cells.join("  ").trim_end());
        }
    }
}

fn status_mark(status: Status) -> &'static str {
    match status {
        Status::Valid => "✓",
        Status::ExpiringSoon => "!",
        Status::Unchecked => "?",
        Status::Unreachable => "~",
        _ => "X",
    }
}

fn status_color(status: Status) -> &'static str {
    match status {
        Status::Valid => GREEN,
        Status::ExpiringSoon => YELLOW,
        Status::Unchecked | Status::Unreachable => DIM,
        _ => RED,
    }
}

/// The CLI's own next step for an error whose message states only the fact: the flag or
/// the command that fixes it from here. `None` when the message says all there is.
fn cli_step(err: &Error) -> Option<String> {
    Some(match err {
        Error::InsecureHttp { .. } => "To accept that risk, pass --allow-http".into(),
        Error::DuplicateName { .. } => "Choose another name with --name NAME".into(),
        Error::NotFound { .. } => "See the saved connections with: jira-connect list".into(),
        Error::Tls { .. } => "Give the site's CA certificate with --ca-cert PATH".into(),
        Error::Timeout { .. } => "Or allow more time with --timeout SECONDS".into(),
        Error::SecretMissing { name } => {
            format!("Run: jira-connect replace-token {}", name_arg(name))
        }
        Error::Keyring(KeyringError::Locked { .. }) => keyring_unlock_step().into(),
        Error::NoTokenApiOnCloud { name, .. } => {
            format!("Then run: jira-connect replace-token {}", name_arg(name))
        }
        Error::InvalidInput {
            field: InputField::Auth,
            ..
        } => "Use --auth api-token on Jira Cloud; --auth pat or --auth password on Server/Data \
              Center"
            .into(),
        _ => return None,
    })
}

/// The next steps after a failed check: for each kind of failure, a step that can fix
/// that kind. The error's own sentence already says what happened.
fn next_steps(err: &Error, c: &Connection) -> Vec<String> {
    let name = &name_arg(&c.name);
    let check_again = format!("Then run: jira-connect check {name}");
    let new_token = || {
        vec![
            format!("Create a new token at {}", c.token_page()),
            format!("Then run: jira-connect replace-token {name}"),
        ]
    };
    let readd = |url: &str| {
        format!("If the site moved: jira-connect remove {name}, then jira-connect add --url {url}")
    };
    match err {
        Error::BadCredentials { .. }
        | Error::MissingScope { .. }
        | Error::BasicAuthDisabled { .. }
        | Error::CloudNeedsApiToken { .. }
        | Error::LinkedRejected { .. } => new_token(),
        Error::SecretMissing { .. } => vec![format!("Run: jira-connect replace-token {name}")],
        Error::Captcha { login_url } => {
            vec![
                format!("Log in once in your browser at {login_url}"),
                check_again,
            ]
        }
        Error::Forbidden { .. } => vec![
            "Ask your Jira administrator to grant this account access to Jira".into(),
            check_again,
        ],
        Error::RateLimited { retry_after } => vec![format!(
            "Wait {}, then run: jira-connect check {name}",
            match retry_after {
                Some(after) => format!("{} s", after.as_secs().max(1)),
                None => "a minute".into(),
            }
        )],
        Error::Keyring(KeyringError::Locked { .. }) => {
            vec![keyring_unlock_step().into(), check_again]
        }
        Error::Keyring(_) => vec![check_again],
        Error::Moved { suggested, .. } => vec![readd(suggested)],
        Error::Tls { .. } if c.deployment == Deployment::DataCenter => vec![
            format!(
                "If the site uses your company's CA: jira-connect remove {name}, then add it \
                 again with --ca-cert PATH"
            ),
            "Or install that CA in the system's trust store, then run the check again".into(),
        ],
        Error::Tls { .. } => vec![
            "Check the system clock, and whether a proxy on your network intercepts TLS".into(),
            check_again,
        ],
        Error::Timeout { .. } => vec![
            format!("Retry with: jira-connect check {name}"),
            format!("Or allow more time: jira-connect check --timeout 60 {name}"),
        ],
        Error::Dns { .. }
        | Error::ConnectionRefused { .. }
        | Error::Network { .. }
        | Error::ServerError { .. } => {
            vec![format!("Retry with: jira-connect check {name}")]
        }
        Error::NotJira { .. }
        | Error::LoginPage { .. }
        | Error::UnexpectedStatus { .. }
        | Error::Malformed { .. }
        | Error::ResponseTooLarge { .. }
        | Error::NotCloud { .. } => vec![
            format!("Open {} in your browser to see what answers there", c.url),
            readd("NEW-ADDRESS"),
        ],
        _ => vec![format!("Retry with: jira-connect check {name}")],
    }
}

/// How to unlock the OS keyring on this platform.
fn keyring_unlock_step() -> &'static str {
    if cfg!(target_os = "macos") {
        "Unlock the login keychain in Keychain Access, or answer its prompt"
    } else if cfg!(target_os = "windows") {
        "Sign in to Windows with the account that saved the token"
    } else {
        "Unlock the login keyring: answer its unlock prompt, or open Passwords and Keys \
         (seahorse) and unlock \"Login\""
    }
}

fn days_text(days: i32) -> String {
    match days {
        d if d < -1 => format!("{} days ago", -d),
        -1 => "yesterday".into(),
        0 => "today".into(),
        1 => "in 1 day".into(),
        d => format!("in {d} days"),
    }
}

pub(crate) fn account_text(display_name: &str, email: Option<&str>) -> String {
    match email {
        Some(email) => format!("{display_name} ({email})"),
        None => display_name.to_string(),
    }
}

/// One of the account's tokens, for a person choosing which to revoke.
pub(crate) fn token_text(t: &PatInfo) -> String {
    let created = t
        .created_date()
        .map(|d| format!(", created {d}"))
        .unwrap_or_default();
    let expires = match t.expires {
        Some(d) => format!(", expires {d}"),
        None => ", never expires".into(),
    };
    format!("{:?} (id {}{created}{expires})", t.name, t.id)
}

/// How many of the account's tokens a rotation lists when the old one is not known: the
/// first ones (those with the old label first), then how many more there are.
pub(crate) const TOKENS_SHOWN: usize = 5;

/// Tells what became of a revocation an interrupted rotation left, on stderr.
pub(crate) fn leftover(out: &Printer, l: &Leftover) {
    let token = match (&l.unread, l.token_id) {
        (Some(u), id) => format!(
            "the token named {:?} created at {}{}",
            u.name,
            u.asked_text(),
            id.map(|id| format!(" (id {id})")).unwrap_or_default()
        ),
        (None, Some(id)) => format!("token id {id}"),
        (None, None) => "a token".into(),
    };
    let what = format!(
        "{token} of {:?}, left on the server by an interrupted rotation",
        l.connection
    );
    match &l.outcome {
        LeftoverOutcome::Revoked => out.notice(&format!("Revoked {what}")),
        LeftoverOutcome::Later(e) => out.caution(&format!(
            "Did not revoke {what} yet: {}; tried again next time",
            e.sentence()
        )),
        LeftoverOutcome::GaveUp(e) => out.caution(&format!(
            "Could not revoke {what}: {}. Revoke it at {}",
            e.sentence(),
            l.token_page
        )),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn the_cli_adds_the_flag_that_fixes_an_input_error() {
        let cases = [
            (
                Error::InsecureHttp {
                    url: "http://j.example".into(),
                    host: "j.example".into(),
                },
                "--allow-http",
            ),
            (Error::DuplicateName { name: "a".into() }, "--name"),
            (Error::NotFound { name: "a".into() }, "jira-connect list"),
            (
                Error::Tls {
                    host: "j".into(),
                    detail: "d".into(),
                },
                "--ca-cert",
            ),
            (
                Error::Timeout {
                    host: "j".into(),
                    after: Duration::from_secs(1),
                },
                "--timeout",
            ),
            (
                Error::SecretMissing { name: "a".into() },
                "jira-connect replace-token a",
            ),
            (
                Error::InvalidInput {
                    field: InputField::Auth,
                    reason: "r".into(),
                },
                "--auth pat",
            ),
        ];
        for (err, want) in cases {
            let step = cli_step(&err).unwrap_or_default();
            assert!(step.contains(want), "{err:?}: {step}");
        }
        assert_eq!(cli_step(&Error::Cancelled), None);
    }

    /// A Data Center token close to its expiry can be rotated in one step; a Cloud one is
    /// replaced by hand.
    #[test]
    fn an_expiring_data_center_token_suggests_rotate() {
        let today = jiff::civil::date(2026, 11, 22);
        let mut dc = connection("data-center");
        dc.auth = crate::core::connection::AuthKind::Pat;
        dc.token_expires = Some(jiff::civil::date(2026, 11, 27));
        let (out, captured) = Printer::capture(false);
        out.expiry_line(&dc, today);
        let mut cloud = connection("cloud");
        cloud.token_expires = dc.token_expires;
        out.expiry_line(&cloud, today);
        let text = captured.lock().unwrap().stdout.clone();
        let (dc_text, cloud_text) = text.split_at(text.rfind("! Token expires").unwrap());
        assert!(dc_text.contains("jira-connect rotate acme"), "{text}");
        assert!(!dc_text.contains("replace-token"), "{text}");
        assert!(
            cloud_text.contains("jira-connect replace-token acme"),
            "{text}"
        );
    }

    /// A name that looks like a flag, from a config written before such names were
    /// refused, comes after `--` in every command line the CLI suggests.
    #[test]
    fn a_flag_like_name_is_suggested_after_a_double_dash() {
        let mut c = connection("cloud");
        c.name = "--help".into();
        let errors = [
            Error::Timeout {
                host: "j".into(),
                after: Duration::from_secs(1),
            },
            Error::SecretMissing {
                name: c.name.clone(),
            },
        ];
        for err in &errors {
            for step in next_steps(err, &c) {
                assert!(step.ends_with("-- --help"), "{step}");
            }
        }
        let step = cli_step(&errors[1]).unwrap();
        assert!(step.ends_with("replace-token -- --help"), "{step}");
        let (out, captured) = Printer::capture(false);
        c.token_expires = Some(jiff::civil::date(2026, 11, 1));
        out.expiry_line(&c, jiff::civil::date(2026, 11, 22));
        let text = captured.lock().unwrap().stdout.clone();
        assert!(text.contains("replace-token -- --help"), "{text}");
    }

    fn connection(deployment: &str) -> Connection {
        toml::from_str(&format!(
            "id = \"c1\"\nname = \"acme\"\nurl = \"https://jira.corp.example\"\n\
             deployment = \"{deployment}\"\nauth = \"api-token\"\n"
        ))
        .unwrap()
    }

    /// Each kind of failure gets a step that can fix that kind, never a generic one.
    #[test]
    fn each_failure_gets_a_step_that_fits_it() {
        let dc = connection("data-center");
        let cloud = connection("cloud");
        let host = || "jira.corp.example".to_string();
        let cases: Vec<(Error, &Connection, &str)> = vec![
            (
                Error::BadCredentials {
                    product: "Jira",
                    login_kind: "email",
                    token_page: String::new(),
                },
                &cloud,
                "replace-token acme",
            ),
            (
                Error::SecretMissing {
                    name: "acme".into(),
                },
                &cloud,
                "replace-token acme",
            ),
            (
                Error::Captcha {
                    login_url: "https://jira.corp.example/login.jsp".into(),
                },
                &dc,
                "Log in once in your browser at https://jira.corp.example/login.jsp",
            ),
            (
                Error::Forbidden {
                    detail: String::new(),
                },
                &dc,
                "administrator",
            ),
            (
                Error::RateLimited {
                    retry_after: Some(Duration::from_secs(42)),
                },
                &cloud,
                "Wait 42 s",
            ),
            (
                Error::Keyring(KeyringError::Locked {
                    detail: "prompt dismissed".into(),
                }),
                &cloud,
                "Unlock",
            ),
            (
                Error::Moved {
                    location: "https://new.example/".into(),
                    suggested: "https://new.example".into(),
                },
                &dc,
                "add --url https://new.example",
            ),
            (
                Error::Tls {
                    host: host(),
                    detail: "unknown issuer".into(),
                },
                &dc,
                "--ca-cert",
            ),
            (
                Error::Tls {
                    host: host(),
                    detail: "expired".into(),
                },
                &cloud,
                "system clock",
            ),
            (Error::Dns { host: host() }, &dc, "check acme"),
            (Error::ServerError { status: 503 }, &dc, "check acme"),
            (
                Error::NotJira {
                    url: "https://jira.corp.example".into(),
                    detail: "HTTP 404".into(),
                },
                &dc,
                "Open https://jira.corp.example in your browser",
            ),
        ];
        for (err, c, want) in cases {
            let steps = next_steps(&err, c).join("\n");
            assert!(steps.contains(want), "{}: {steps}", err.kind());
        }
        // The locked keyring's steps say nothing of a moved site.
        let locked = Error::Keyring(KeyringError::Locked {
            detail: "prompt dismissed".into(),
        });
        assert!(!next_steps(&locked, &cloud).join(" ").contains("moved"));
    }
}
