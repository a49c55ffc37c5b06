//! The CLI's commands, run in-process: parsed by clap as the binary parses them, against an
//! in-memory keyring and a loopback mock Jira, with their output captured stream by stream.
//! The built binary and the real keyring are tested in `cli`.

use std::cell::RefCell;
use std::process::ExitCode;

use jira_connect::cli::Console;
use jira_connect::core::error::Error;
use secrecy::{ExposeSecret, SecretString};

use crate::common::*;

/// What the user would type: the secret, whether anyone is at the terminal, and the answer
/// to every yes/no question. Records the questions asked.
#[derive(Default)]
pub struct Script {
    pub secret: Option<&'static str>,
    pub interactive: bool,
    pub yes: bool,
    pub asked: RefCell<Vec<String>>,
}

impl Script {
    fn secret(secret: &'static str) -> Self {
        Script {
            secret: Some(secret),
            ..Script::default()
        }
    }
}

impl Console for Script {
    fn secret(&self, _prompt: &str) -> Result<SecretString, Error> {
        Ok(SecretString::from(
            self.secret.expect("no secret was scripted"),
        ))
    }

    fn interactive(&self) -> bool {
        self.interactive
    }

    fn confirm(&self, question: &str) -> bool {
        self.asked.borrow_mut().push(question.to_string());
        self.yes
    }
}

#[tokio::test]
async fn add_list_check_replace_and_remove() {
    let jira = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    mount_user(&jira, "/rest/api/3/myself", EMAIL, NEW_TOKEN, cloud_user()).await;
    let (_dir, secrets, svc) = scratch();
    let url = jira.uri();

    let add = [
        "add",
        "--url",
        &url,
        "--cloud",
        "--email",
        EMAIL,
        "--name",
        "acme",
        "--token-label",
        "laptop",
    ];
    let (code, out) = run(&svc, &add, &Script::secret(TOKEN)).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out:?}");
    assert!(out.stdout.contains("as Mia Krystof"), "{out:?}");
    assert_eq!(svc.token("acme").await.unwrap().expose_secret(), TOKEN);

    let (code, out) = run(&svc, &["list", "--json"], &Script::default()).await;
    assert_eq!(code, ExitCode::SUCCESS);
    let listed: serde_json::Value = serde_json::from_str(&out.stdout).expect("one JSON document");
    assert_eq!(listed[0]["name"], "acme");
    assert_eq!(listed[0]["token_label"], "laptop");
    assert!(!out.stdout.contains(TOKEN));

    let (code, out) = run(&svc, &["check", "acme"], &Script::default()).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out:?}");
    assert!(out.stdout.contains("Logged in as Mia Krystof"), "{out:?}");

    let (code, out) = run(&svc, &["replace-token", "acme"], &Script::secret(NEW_TOKEN)).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out:?}");
    assert!(out.stdout.contains("The old token still works"), "{out:?}");
    let added = jira_connect::core::connection::today();
    let named = format!("Revoke the token labelled \"laptop\" (added {added}) at:");
    assert!(out.stdout.contains(&named), "{out:?}");
    assert_eq!(svc.token("acme").await.unwrap().expose_secret(), NEW_TOKEN);

    // Nobody at the terminal and no --yes: a usage error, and nothing removed.
    let (code, out) = run(&svc, &["remove", "acme"], &Script::default()).await;
    assert_eq!(code, ExitCode::from(2), "{out:?}");
    assert!(out.stderr.contains("--yes"), "{out:?}");
    assert_eq!(secrets.len(), 1);

    let (code, out) = run(&svc, &["remove", "acme", "--yes"], &Script::default()).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out:?}");
    assert!(out.stdout.contains("does not revoke the token"), "{out:?}");
    assert!(
        out.stdout.contains("revoke the token labelled \"laptop\""),
        "{out:?}"
    );
    assert!(secrets.is_empty());
    assert!(svc.list().unwrap().is_empty());
}

#[tokio::test]
async fn a_refused_token_saves_nothing_and_says_so_on_stderr() {
    let jira = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    let (_dir, secrets, svc) = scratch();
    let url = jira.uri();
    let add = ["add", "--url", &url, "--cloud", "--email", EMAIL, "--json"];
    let (code, out) = run(&svc, &add, &Script::secret("not-the-token")).await;
    assert_eq!(code, ExitCode::from(1));
    let error: serde_json::Value = serde_json::from_str(&out.stdout).expect("one JSON document");
    assert_eq!(error["error"]["kind"], "bad-credentials");
    assert!(out.stderr.contains("Nothing was saved"), "{out:?}");
    assert!(!format!("{out:?}").contains("not-the-token"));
    assert!(secrets.is_empty());
    assert!(svc.list().unwrap().is_empty());
}

#[tokio::test]
async fn token_prints_the_secret_and_nothing_else() {
    let jira = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    let (_dir, _, svc) = scratch();
    let url = jira.uri();
    cli_add_acme(&svc, &url, &Script::secret(TOKEN)).await;

    let (code, out) = run(&svc, &["token", "acme"], &Script::default()).await;
    assert_eq!(code, ExitCode::SUCCESS);
    assert_eq!(out.stdout, format!("{TOKEN}\n"));
    assert_eq!(out.stderr, "");
}

#[tokio::test]
async fn remove_asks_first_and_no_keeps_the_connection() {
    let jira = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    let (_dir, secrets, svc) = scratch();
    let url = jira.uri();
    cli_add_acme(&svc, &url, &Script::secret(TOKEN)).await;

    let person = Script {
        interactive: true,
        yes: false,
        ..Script::default()
    };
    let (code, out) = run(&svc, &["remove", "acme"], &person).await;
    assert_eq!(code, ExitCode::SUCCESS);
    assert!(out.stdout.contains("Nothing removed."), "{out:?}");
    let asked = person.asked.borrow();
    assert_eq!(asked.len(), 1);
    assert!(asked[0].starts_with("Remove \"acme\""), "{asked:?}");
    assert_eq!(secrets.len(), 1);
}

#[tokio::test]
async fn an_unknown_name_is_a_usage_error_with_the_cli_step() {
    let (_dir, _, svc) = scratch();
    let (code, out) = run(&svc, &["check", "nope"], &Script::default()).await;
    assert_eq!(code, ExitCode::from(2));
    assert!(
        out.stderr.contains("No connection named \"nope\" is saved"),
        "{out:?}"
    );
    assert!(out.stderr.contains("jira-connect list"), "{out:?}");
    assert_eq!(out.stdout, "");
}

/// A locked keyring is one failure for the whole `check`, said once (one JSON document),
/// before any request, and no connection's result changes.
#[tokio::test]
async fn a_locked_keyring_stops_check_once_for_all_connections() {
    let jira = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    let (_dir, secrets, svc) = scratch();
    cli_add_acme(&svc, &jira.uri(), &Script::secret(TOKEN)).await;
    let before = svc.list().unwrap();
    let asked = authorised_requests(&jira).await;
    secrets.fail_on(Some(jira_connect::core::secrets::FailOn::Get));

    let (code, out) = run(&svc, &["check", "--json"], &Script::default()).await;
    assert_eq!(code, ExitCode::from(1), "{out:?}");
    let error: serde_json::Value = serde_json::from_str(&out.stdout).expect("one JSON document");
    assert_eq!(error["error"]["kind"], "keyring", "{out:?}");
    assert_eq!(out.stderr.matches("The OS keyring is locked").count(), 1);
    assert!(
        out.stderr
            .contains("Nothing was checked: the connection keeps its last result"),
        "{out:?}"
    );
    assert_eq!(svc.list().unwrap(), before);
    assert_eq!(authorised_requests(&jira).await, asked, "nothing was asked");

    secrets.fail_on(None);
    let (code, out) = run(&svc, &["check"], &Script::default()).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out:?}");
    assert!(out.stdout.contains("Logged in as Mia Krystof"), "{out:?}");
}
