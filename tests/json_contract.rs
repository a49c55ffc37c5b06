//! The `--json` contract: each command's document has exactly the fields that the README's
//! table (under "Commands", `--json`) lists for it, no more and no fewer, so a script
//! written against the README keeps working. Each command runs in-process against a
//! loopback mock, as in `cli_in_process`.

use std::collections::{BTreeMap, BTreeSet};
use std::process::ExitCode;
use std::sync::Arc;

use jira_connect::core::draft::{NewConnection, prepare};
use jira_connect::core::service::{Cancel, Connections};
use secrecy::SecretString;
use serde_json::Value;

use crate::common::*;
use crate::pat_mock::*;
use crate::token_lookup::{Answers, add_dc};

/// The fields of one row of the README's table: those always there, and those after a `;`,
/// there only in the case the row names.
#[derive(Debug, Clone, Default)]
struct Fields {
    always: BTreeSet<String>,
    sometimes: BTreeSet<String>,
}

impl Fields {
    fn and(&self, more: &Fields) -> Fields {
        Fields {
            always: self.always.union(&more.always).cloned().collect(),
            sometimes: self.sometimes.union(&more.sometimes).cloned().collect(),
        }
    }
}

/// The words in backquotes in `text`.
fn quoted(text: &str) -> BTreeSet<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// The README's `--json` table, by the name in its first column (backquotes dropped).
fn readme_table() -> BTreeMap<String, Fields> {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    let mut lines = readme.lines().map(str::trim);
    lines
        .by_ref()
        .find(|l| *l == "| document | printed by | fields |")
        .expect("the README has the --json table");
    let mut table = BTreeMap::new();
    for line in lines.skip(1).take_while(|l| l.starts_with('|')) {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        assert_eq!(cells.len(), 5, "a row of three cells: {line}");
        let (always, sometimes) = cells[3].split_once(';').unwrap_or((cells[3], ""));
        let fields = Fields {
            always: quoted(always),
            sometimes: quoted(sometimes),
        };
        assert!(!fields.always.is_empty(), "a row without fields: {line}");
        table.insert(cells[1].replace('`', ""), fields);
    }
    table
}

/// Holds `doc` to the README's rows `rows` together, and returns it.
fn holds<'a>(doc: &'a Value, table: &BTreeMap<String, Fields>, rows: &[&str]) -> &'a Value {
    let fields = rows.iter().fold(Fields::default(), |all, row| {
        all.and(
            table
                .get(*row)
                .unwrap_or_else(|| panic!("no README row {row:?}")),
        )
    });
    let object = doc
        .as_object()
        .unwrap_or_else(|| panic!("{rows:?} is an object: {doc}"));
    let keys: BTreeSet<String> = object.keys().cloned().collect();
    let missing: Vec<_> = fields.always.difference(&keys).collect();
    assert!(missing.is_empty(), "{rows:?} lacks {missing:?}: {doc}");
    let listed: BTreeSet<String> = fields.always.union(&fields.sometimes).cloned().collect();
    let unlisted: Vec<_> = keys.difference(&listed).collect();
    assert!(
        unlisted.is_empty(),
        "{rows:?} has {unlisted:?}, which the README does not list: {doc}"
    );
    doc
}

/// Runs `jira-connect ARGS --json` and parses its one document.
async fn json_of(svc: &Arc<Connections>, args: &[&str], answers: &Answers) -> (ExitCode, Value) {
    let args: Vec<&str> = args.iter().copied().chain(["--json"]).collect();
    let (code, out) = run(svc, &args, answers).await;
    let doc = serde_json::from_str(&out.stdout)
        .unwrap_or_else(|e| panic!("{args:?} printed one JSON document: {e}: {out:?}"));
    (code, doc)
}

/// A connection, and the `last_check` in it when there is one.
fn holds_connection(doc: &Value, table: &BTreeMap<String, Fields>, rows: &[&str]) {
    let all: Vec<&str> = ["connection"].iter().chain(rows).copied().collect();
    holds(doc, table, &all);
    if !doc["last_check"].is_null() {
        holds(&doc["last_check"], table, &["last_check"]);
    }
}

#[tokio::test]
async fn every_json_document_has_the_fields_the_readme_lists() {
    let table = readme_table();
    let none = Answers::default;

    // Cloud: add, list, check, replace-token and link-confluence.
    let jira = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    mount_user(&jira, "/rest/api/3/myself", EMAIL, NEW_TOKEN, cloud_user()).await;
    mount_confluence_cloud(&jira, NEW_TOKEN).await;
    let (_dir, _, svc) = scratch();
    let url = jira.uri();
    let add = [
        "add", "--url", &url, "--cloud", "--email", EMAIL, "--name", "acme",
    ];
    let (code, doc) = json_of(&svc, &add, &Answers::new(&[TOKEN])).await;
    assert_eq!(code, ExitCode::SUCCESS, "{doc}");
    holds_connection(&doc, &table, &["add"]);
    holds(&doc["token_lookup"], &table, &["token_lookup"]);

    let (code, doc) = json_of(&svc, &["check"], &none()).await;
    assert_eq!(code, ExitCode::SUCCESS, "{doc}");
    let checked = doc.as_array().expect("check prints an array");
    assert_eq!(checked.len(), 1, "{doc}");
    holds_connection(&checked[0], &table, &["check"]);
    holds(&checked[0]["token_lookup"], &table, &["token_lookup"]);

    let replace = ["replace-token", "acme"];
    let (code, doc) = json_of(&svc, &replace, &Answers::new(&[NEW_TOKEN])).await;
    assert_eq!(code, ExitCode::SUCCESS, "{doc}");
    holds_connection(&doc, &table, &[]);

    let (code, doc) = json_of(&svc, &["link-confluence", "acme"], &none()).await;
    assert_eq!(code, ExitCode::SUCCESS, "{doc}");
    holds_connection(&doc, &table, &[]);

    let (code, doc) = json_of(&svc, &["list"], &none()).await;
    assert_eq!(code, ExitCode::SUCCESS, "{doc}");
    let listed = doc.as_array().expect("list prints an array");
    assert_eq!(listed.len(), 2, "{doc}");
    for connection in listed {
        holds_connection(connection, &table, &[]);
    }

    // A failure, from any command.
    let (code, doc) = json_of(&svc, &["check", "nosuch"], &none()).await;
    assert_eq!(code, ExitCode::from(2), "{doc}");
    holds(&doc, &table, &["failure"]);
    holds(&doc["error"], &table, &["failure's error"]);

    // Data Center: a check that reads the token, and rotate with the old token's id known
    // and, on a second connection, not known.
    let server = PatServer::start().await;
    let (_dir, _, svc) = scratch();
    add_dc(&svc, &server, Some(THIS_NAME)).await;
    let (_, doc) = json_of(&svc, &["check", "dc"], &none()).await;
    holds(&doc[0]["token_lookup"], &table, &["token_lookup"]);
    assert_eq!(doc[0]["token_lookup"]["kind"], "recorded", "{doc}");

    let (code, doc) = json_of(&svc, &["rotate", "dc"], &Answers::new(&[PASSWORD])).await;
    assert_eq!(code, ExitCode::SUCCESS, "{doc}");
    holds_connection(&doc, &table, &["rotate"]);
    holds(&doc["created"], &table, &["created"]);
    holds(&doc["old_token"], &table, &["old_token"]);
    assert_eq!(doc["old_token"]["revoked"], true, "{doc}");

    // Two tokens and no label: which one is the old token is not known.
    let other = PatServer::start().await;
    let unlabelled = prepare(&NewConnection {
        url: other.uri(),
        name: Some("dc2".into()),
        deployment: Some(jira_connect::core::connection::Deployment::DataCenter),
        ..Default::default()
    })
    .unwrap();
    let secret = SecretString::from(PAT);
    svc.add(unlabelled, secret, &Cancel::new()).await.unwrap();
    let (code, doc) = json_of(&svc, &["rotate", "dc2"], &Answers::new(&[PASSWORD])).await;
    assert_eq!(code, ExitCode::SUCCESS, "{doc}");
    let old = holds(&doc["old_token"], &table, &["old_token"]);
    let candidates = old["candidates"]
        .as_array()
        .unwrap_or_else(|| panic!("candidates: {doc}"));
    assert!(!candidates.is_empty(), "{doc}");
    for token in candidates {
        holds(token, &table, &["created"]);
    }
}

#[tokio::test]
async fn the_doctor_document_has_the_fields_the_readme_lists() {
    let table = readme_table();
    let jira = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    let (_dir, _, svc) = scratch();
    cli_add_acme(&svc, &jira.uri(), &Answers::new(&[TOKEN])).await;
    svc.set_probes(crate::doctor::probes(false, None, true));
    let (code, doc) = json_of(&svc, &["doctor"], &Answers::default()).await;
    assert_eq!(code, ExitCode::SUCCESS, "{doc}");
    holds(&doc, &table, &["doctor"]);
    let sections = doc["sections"].as_array().expect("sections is an array");
    assert_eq!(sections.len(), 5, "{doc}");
    for section in sections {
        holds(section, &table, &["sections"]);
        for check in section["checks"].as_array().expect("checks is an array") {
            holds(check, &table, &["checks"]);
        }
    }
}
