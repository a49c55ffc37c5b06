//! Every `--json` document the CLI prints: the contract that scripts depend on, in one
//! place. [`Printer::json`](super::output::Printer::json) writes them, as the one document
//! on stdout.
//!
//! The README lists each document's fields (under "Commands", `--json`), and a test runs
//! every command with `--json` and holds its output to that list. A field is added here
//! and there together; a field is never renamed or removed, and its type never changes.
//!
//! Dates are `YYYY-MM-DD`, instants RFC 3339 in UTC, and an unknown value is `null`, never
//! left out.

use jiff::civil::Date;
use serde_json::{Value, json};

use crate::core::connection::{AuthKind, Connection, today};
use crate::core::error::Error;
use crate::core::jira::pat::PatInfo;
use crate::core::service::{CheckReport, DoctorReport, OldToken, Rotated, TokenLookup};

use super::output::TOKENS_SHOWN;

/// A saved connection: each element of `list --json`, and the whole of `replace-token
/// --json` and `link-confluence --json`. The other commands add fields to it.
pub(crate) fn connection(c: &Connection, today: Date) -> Value {
    json!({
        "name": c.name,
        "url": c.url,
        "product": c.product.as_str(),
        "deployment": c.deployment.as_str(),
        "auth": c.auth.as_str(),
        "scoped": c.scoped,
        "cloud_id": c.cloud_id,
        "login": c.login,
        "client_id": (c.auth == AuthKind::ClientCredentials).then_some(c.login.as_deref()).flatten(),
        "token_label": c.token_label,
        "token_created": c.token_created.map(|d| d.to_string()),
        "token_expires": c.token_expires.map(|d| d.to_string()),
        "token_id": c.token_id,
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

/// `list --json`: every saved connection.
pub(crate) fn list(connections: &[Connection], today: Date) -> Value {
    connections.iter().map(|c| connection(c, today)).collect()
}

/// `add --json`: the connection as saved, and what the server said about its token.
pub(crate) fn added(c: &Connection, token: &TokenLookup, today: Date) -> Value {
    let mut value = connection(c, today);
    value["token_lookup"] = lookup(token);
    value
}

/// `check --json`: one element per connection checked, in the order asked; an empty array
/// when there is nothing to check.
pub(crate) fn reports(reports: &[CheckReport]) -> Value {
    reports.iter().map(report).collect()
}

/// One connection's check: the connection as saved, with the check's status, its message,
/// the error's kind (`null` when it passed), and what the server said about the token.
fn report(report: &CheckReport) -> Value {
    let (message, error) = match &report.result {
        Ok(a) => (
            format!(
                "logged in as {}",
                super::output::account_text(&a.display_name, a.email.as_deref())
            ),
            Value::Null,
        ),
        Err(e) => (e.to_string(), Value::String(e.kind().to_string())),
    };
    let mut value = connection(&report.connection, today());
    value["status"] = report.status.as_str().into();
    value["message"] = message.into();
    value["error"] = error;
    value["token_lookup"] = lookup(&report.token);
    value
}

/// What the server said about a token: `kind`, and `reason` when nothing was recorded.
fn lookup(token: &TokenLookup) -> Value {
    json!({
        "kind": token.kind(),
        "reason": token.why_not(),
    })
}

/// `rotate --json`: the connection as saved, the token created, whether the password was
/// used, and what became of the old token.
pub(crate) fn rotated(r: &Rotated, today: Date) -> Value {
    let old = match &r.old {
        OldToken::Revoked { id } => json!({"id": id, "revoked": true}),
        OldToken::NotRevoked { id, error } => json!({
            "id": id,
            "revoked": false,
            "error": failure(error),
        }),
        OldToken::Unknown { candidates } => json!({
            "id": null,
            "revoked": false,
            "candidates": candidates.as_ref().ok().map(|t| t.iter().take(TOKENS_SHOWN).map(token).collect::<Vec<_>>()),
            "candidate_count": candidates.as_ref().ok().map(Vec::len),
        }),
        OldToken::Unconfirmed { token: t } => json!({
            "id": t.id,
            "revoked": false,
            "unconfirmed": token(t),
        }),
    };
    let mut value = connection(&r.connection, today);
    value["created"] = token(&r.created);
    value["with_password"] = r.with_password.into();
    value["old_token"] = old;
    value
}

/// One of the account's tokens on a Data Center server. Never the token itself.
fn token(t: &PatInfo) -> Value {
    json!({
        "id": t.id,
        "name": t.name,
        "created": t.created_date().map(|d| d.to_string()),
        "expires": t.expires.map(|d| d.to_string()),
    })
}

/// What any command prints instead when it fails.
pub(crate) fn error(err: &Error) -> Value {
    json!({ "error": failure(err) })
}

/// An error: its stable kind, and the message a person reads.
fn failure(err: &Error) -> Value {
    json!({"kind": err.kind(), "message": err.to_string()})
}

/// `doctor --json`: whether everything passed, and each section with its checks.
pub(crate) fn doctor(report: &DoctorReport) -> Value {
    json!({
        "ok": report.ok(),
        "failures": report.failures(),
        "version": report.version,
        "os": report.os,
        "sections": report.sections.iter().map(|s| json!({
            "kind": s.kind.as_str(),
            "title": s.title,
            "checks": s.checks.iter().map(|c| json!({
                "name": c.name,
                "status": c.status.as_str(),
                "finding": c.finding,
                "next": c.next,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}
