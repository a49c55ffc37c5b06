//! Shared pieces of the benchmarks: realistic saved connections in bulk.

#![allow(dead_code)]

use jira_connect::core::connection::{
    AuthKind, Connection, ConnectionId, Deployment, LastCheck, Outcome,
};

/// A saved connection as a real user has it after a successful check: every field set.
pub fn connection(i: usize, url: &str) -> Connection {
    Connection {
        id: ConnectionId::generate(),
        name: format!("site-{i:05}"),
        url: url.to_string(),
        deployment: Deployment::Cloud,
        auth: AuthKind::ApiToken,
        login: Some(format!("user{i}@example.com")),
        token_label: Some("jira-connect".into()),
        token_created: Some(jiff::civil::date(2026, 11, 22)),
        token_expires: Some(jiff::civil::date(2027, 11, 22)),
        token_id: None,
        ca_cert: None,
        allow_http: false,
        product: Default::default(),
        scoped: false,
        cloud_id: None,
        linked: None,
        last_check: Some(LastCheck {
            at: "2026-11-22T12:00:00Z".parse().unwrap(),
            outcome: Outcome::Valid,
            message: None,
            account_id: Some("5b10a2844c20165700ede21g".into()),
            display_name: Some(format!("User {i}")),
            email: Some(format!("user{i}@example.com")),
            server_version: Some("1001.0.0".into()),
        }),
    }
}
