//! Human and JSON output for the CLI.
//!
//! Human output follows `gh auth status`: a ✓ or X line per fact, each failure followed by
//! the next step to take. Colour only on a terminal, and never with `NO_COLOR` set.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use jiff::civil::Date;
use serde::Serialize;
use serde_json::{Value, json};

use crate::core::Error;
use crate::core::connection::{Connection, EXPIRY_WARNING_DAYS, Product, Status};
use crate::core::service::CheckReport;

pub struct Printer {
    color: bool,
}

const GREEN: &str = "\x1b[32m";
const RED: &str = "\x1b[31m";
const YELLOW: &str = "\x1b[33m";
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

impl Printer {
    pub fn from_env() -> Self {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Printer {
            color: !no_color && std::io::stdout().is_terminal(),
        }
    }

    fn paint(&self, color: &str, text: &str) -> String {
        if self.color {
            format!("{color}{text}{RESET}")
        } else {
            text.to_string()
        }
    }

    pub fn line(&self, text: &str) {
        println!("{text}");
    }

    pub fn ok(&self, text: &str) {
        println!("{} {text}", self.paint(GREEN, "✓"));
    }

    pub fn warn(&self, text: &str) {
        println!("{} {text}", self.paint(YELLOW, "!"));
    }

    pub fn fail(&self, text: &str) {
        println!("{} {text}", self.paint(RED, "X"));
    }

    /// An indented next step under the line above it.
    pub fn hint(&self, text: &str) {
        println!("  {}", self.paint(DIM, &format!("- {text}")));
    }

    pub fn json<T: Serialize>(&self, value: &T) {
        let text = serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".into());
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{text}");
    }

    /// Reports an error once, on stderr (and as JSON on stdout for `--json`), and picks
    /// the exit code.
    pub fn error(&self, err: &Error, json: bool) -> ExitCode {
        if json {
            self.json(&json!({"error": {"kind": err.kind(), "message": err.to_string()}}));
        }
        let mark = if self.color && std::io::stderr().is_terminal() {
            format!("{RED}X{RESET}")
        } else {
            "X".into()
        };
        eprintln!("{mark} {}", err.sentence());
        if matches!(
            err,
            Error::BadCredentials { .. } | Error::Captcha { .. } | Error::Forbidden { .. }
        ) {
            eprintln!("  - Nothing was saved or changed.");
        }
        super::exit_code_for(err)
    }

    /// The expiry fact for a connection, warning when it is close.
    pub fn expiry_line(&self, c: &Connection, today: Date) {
        match (c.token_expires, c.days_left(today)) {
            (Some(date), Some(days)) if days < 0 => {
                self.fail(&format!("Token expired on {date}"));
                self.hint(&format!("Create a new token at {}", c.token_page()));
                self.hint(&format!("Then run: jira-connect replace-token {}", c.name));
            }
            (Some(date), Some(days)) if days <= EXPIRY_WARNING_DAYS => {
                self.warn(&format!("Token expires {date} ({})", days_text(days)));
                self.hint(&format!("Create a new token at {}", c.token_page()));
                self.hint(&format!("Then run: jira-connect replace-token {}", c.name));
            }
            (Some(date), Some(days)) => {
                self.ok(&format!("Token expires {date} ({})", days_text(days)))
            }
            _ => self.hint("No expiry date recorded; add one with replace-token --expires"),
        }
    }

    /// One connection's check, `gh auth status` style.
    pub fn report(&self, report: &CheckReport) {
        let c = &report.connection;
        println!("{}  {}", self.paint_bold(&c.name), c.url);
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
                self.expiry_line(c, crate::core::connection::today());
            }
            Err(err) => {
                self.fail(&err.sentence());
                for step in next_steps(report.status, c) {
                    self.hint(&step);
                }
            }
        }
    }

    fn paint_bold(&self, text: &str) -> String {
        if self.color {
            format!("\x1b[1m{text}{RESET}")
        } else {
            text.to_string()
        }
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
        println!("{}", self.paint_bold(head.join("  ").trim_end()));
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
            println!("{}", cells.join("  ").trim_end());
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

/// The next steps for a failed check.
fn next_steps(status: Status, c: &Connection) -> Vec<String> {
    match status {
        Status::Rejected | Status::Expired => vec![
            format!("Create a new token at {}", c.token_page()),
            format!("Then run: jira-connect replace-token {}", c.name),
        ],
        Status::SecretMissing => vec![format!("Run: jira-connect replace-token {}", c.name)],
        Status::Unreachable => vec![format!("Retry with: jira-connect check {}", c.name)],
        _ => vec![format!(
            "If the site moved, remove and re-add it: jira-connect remove {}",
            c.name
        )],
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

pub fn account_text(display_name: &str, email: Option<&str>) -> String {
    match email {
        Some(email) => format!("{display_name} ({email})"),
        None => display_name.to_string(),
    }
}

/// A connection as `list --json` prints it.
pub fn connection_json(c: &Connection, today: Date) -> Value {
    json!({
        "name": c.name,
        "url": c.url,
        "product": c.product.as_str(),
        "deployment": c.deployment.as_str(),
        "auth": c.auth.as_str(),
        "scoped": c.scoped,
        "cloud_id": c.cloud_id,
        "login": c.login,
        "token_label": c.token_label,
        "token_created": c.token_created.map(|d| d.to_string()),
        "token_expires": c.token_expires.map(|d| d.to_string()),
        "status": c.status(today).as_str(),
        "last_check": c.last_check.as_ref().map(|l| json!({
            "at": l.at.to_string(),
            "outcome": l.outcome.as_str(),
            "account_id": l.account_id,
            "display_name": l.display_name,
            "email": l.email,
            "server_version": l.server_version,
        })),
    })
}

/// A check as `check --json` prints it.
pub fn report_json(report: &CheckReport) -> Value {
    let c = &report.connection;
    let (message, error) = match &report.result {
        Ok(a) => (
            format!(
                "logged in as {}",
                account_text(&a.display_name, a.email.as_deref())
            ),
            Value::Null,
        ),
        Err(e) => (e.to_string(), Value::String(e.kind().to_string())),
    };
    let mut value = connection_json(c, crate::core::connection::today());
    if let Value::Object(map) = &mut value {
        map.insert(
            "status".into(),
            Value::String(report.status.as_str().into()),
        );
        map.insert("message".into(), Value::String(message));
        map.insert("error".into(), error);
    }
    value
}
