//! What a Data Center server knows about a connection's personal access token, read on add
//! and check against the stateful mock token API: the id, the creation date and the real
//! expiry are recorded when the token is certain, and otherwise nothing is, with the reason.
//! Also what `rotate` shares: the scripted answers to the CLI, and "dc" added with [`PAT`].

use std::cell::RefCell;
use std::collections::VecDeque;
use std::process::ExitCode;

use jiff::civil::{Date, date};
use jira_connect::cli::Console;
use jira_connect::core::connection::{Connection, Deployment};
use jira_connect::core::draft::{NewConnection, prepare};
use jira_connect::core::error::Error;
use jira_connect::core::jira::pat::NoPick;
use jira_connect::core::service::{Cancel, Connections, TokenLookup};
use secrecy::SecretString;
use wiremock::matchers::{method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::common::*;
use crate::pat_mock::*;

/// [`PAT`]'s expiry as the mock writes it, as a UTC date.
pub const THIS_EXPIRY: Date = date(2027, 2, 22);
/// [`PAT`]'s creation, as a UTC date.
pub const THIS_CREATED_ON: Date = date(2026, 8, 25);
/// An expiry the user types.
const TYPED: Date = date(2099, 1, 31);

/// What the user would type, in order: each secret asked for takes the next answer.
/// Records the prompts.
#[derive(Default)]
pub struct Answers {
    secrets: RefCell<VecDeque<&'static str>>,
    pub prompts: RefCell<Vec<String>>,
}

impl Answers {
    pub fn new(secrets: &[&'static str]) -> Self {
        Answers {
            secrets: RefCell::new(secrets.iter().copied().collect()),
            prompts: RefCell::default(),
        }
    }
}

impl Console for Answers {
    fn secret(&self, prompt: &str) -> Result<SecretString, Error> {
        self.prompts.borrow_mut().push(prompt.to_string());
        let next = self.secrets.borrow_mut().pop_front();
        Ok(SecretString::from(next.unwrap_or_else(|| {
            panic!("no answer was scripted for {prompt:?}")
        })))
    }

    fn interactive(&self) -> bool {
        false
    }

    fn confirm(&self, _question: &str) -> bool {
        false
    }
}

/// Fails when `text` holds any secret of the mock: its tokens, or the passwords.
pub fn assert_no_secret(text: &str, also: &[&str]) {
    for secret in [PAT, OTHER_TOKEN, NOAH_TOKEN, PASSWORD, NOAH_PASSWORD]
        .iter()
        .chain(also)
    {
        assert!(!text.contains(secret), "a secret leaked: {text}");
    }
}

/// The draft of "dc", a Data Center connection to `server` with a personal access token.
pub fn dc_input(server: &PatServer, label: Option<&str>) -> NewConnection {
    NewConnection {
        url: server.uri(),
        name: Some("dc".into()),
        deployment: Some(Deployment::DataCenter),
        token_label: label.map(str::to_string),
        token_expires: Some(TYPED),
        ..Default::default()
    }
}

/// Adds "dc" with [`PAT`] through the service.
pub async fn add_dc(
    svc: &Connections,
    server: &PatServer,
    label: Option<&str>,
) -> (Connection, TokenLookup) {
    let draft = prepare(&dc_input(server, label)).unwrap();
    let added = svc
        .add_reporting(draft, SecretString::from(PAT), &Cancel::new())
        .await
        .unwrap();
    (added.connection, added.token)
}

/// Revokes another device's token, so that [`PAT`] is the account's only one.
pub async fn leave_only_this_token(server: &PatServer) {
    revoke_by_hand(server, OTHER_ID).await;
}

/// Revokes the token `id` with the account's password, as the user would on the token page.
pub async fn revoke_by_hand(server: &PatServer, id: u64) {
    let password = SecretString::from(PASSWORD);
    let site = jira_connect::core::site_url::SiteUrl::parse(&server.uri(), false).unwrap();
    jira_connect::core::jira::pat::revoke_token(
        &jira_connect::core::jira::JiraClient::new(std::time::Duration::from_secs(10)).unwrap(),
        &jira_connect::core::jira::Target::new(&site, Deployment::DataCenter),
        &jira_connect::core::jira::pat::PatAuth::Password {
            username: USER,
            password: &password,
        },
        id,
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn add_records_the_token_named_by_the_label() {
    let server = PatServer::start().await;
    let (_dir, _, svc) = scratch();
    let (conn, token) = add_dc(&svc, &server, Some(THIS_NAME)).await;
    assert_eq!(token.recorded().map(|t| t.id), Some(THIS_ID), "{token:?}");
    assert_eq!(conn.token_id, Some(THIS_ID));
    // The server's dates, not the typed expiry nor today.
    assert_eq!(conn.token_expires, Some(THIS_EXPIRY));
    assert_eq!(conn.token_created, Some(THIS_CREATED_ON));
    assert_eq!(conn.token_label.as_deref(), Some(THIS_NAME));
    // Saved, not only returned.
    assert_eq!(svc.get("dc").unwrap(), conn);
    // Reading changed nothing on the server.
    assert_eq!((server.creates(), server.deletes()), (0, 0));
}

#[tokio::test]
async fn add_records_the_only_token_with_its_server_name() {
    let server = PatServer::start().await;
    let (_dir, _, svc) = scratch();
    leave_only_this_token(&server).await;
    let (conn, token) = add_dc(&svc, &server, None).await;
    assert!(matches!(token, TokenLookup::Recorded(_)), "{token:?}");
    assert_eq!(conn.token_id, Some(THIS_ID));
    assert_eq!(conn.token_expires, Some(THIS_EXPIRY));
    assert_eq!(
        conn.token_label.as_deref(),
        Some(THIS_NAME),
        "the server's name"
    );
}

#[tokio::test]
async fn a_label_the_user_gives_comes_first() {
    let server = PatServer::start().await;
    let (_dir, _, svc) = scratch();
    leave_only_this_token(&server).await;
    // The label names no token: nothing is recorded, even though there is one token.
    let (conn, token) = add_dc(&svc, &server, Some("my laptop")).await;
    assert_eq!(
        token,
        TokenLookup::NotPicked(NoPick::NoMatch {
            label: "my laptop".into()
        })
    );
    assert_eq!(conn.token_label.as_deref(), Some("my laptop"));
    assert_eq!(conn.token_id, None);
    assert_eq!(conn.token_expires, Some(TYPED));
}

#[tokio::test]
async fn several_tokens_and_no_label_record_nothing_and_say_why() {
    let server = PatServer::start().await;
    let (_dir, _, svc) = scratch();
    let (conn, token) = add_dc(&svc, &server, None).await;
    assert_eq!(token, TokenLookup::NotPicked(NoPick::Several { count: 2 }));
    assert!(token.why_not().unwrap().contains("2 tokens"), "{token:?}");
    assert_eq!(conn.token_id, None);
    assert_eq!(conn.token_expires, Some(TYPED), "the typed date stands");
    assert_eq!(conn.token_label, None);
}

#[tokio::test]
async fn a_server_without_the_api_keeps_the_typed_date_quietly() {
    let server = PatServer::without_api().await;
    let (_dir, _, svc) = scratch();
    let (conn, token) = add_dc(&svc, &server, Some(THIS_NAME)).await;
    assert_eq!(token, TokenLookup::Unavailable);
    assert_eq!(token.why_not(), None, "nothing to say");
    assert_eq!(conn.token_id, None);
    assert_eq!(conn.token_expires, Some(TYPED));
}

#[tokio::test]
async fn a_failed_lookup_does_not_fail_the_add() {
    let jira = jira_bearer(PAT).await;
    Mock::given(method("GET"))
        .and(path("/rest/pat/latest/tokens"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&jira)
        .await;
    let (_dir, _, svc) = scratch();
    let draft = prepare(&NewConnection {
        url: jira.uri(),
        name: Some("dc".into()),
        deployment: Some(Deployment::DataCenter),
        token_label: Some(THIS_NAME.into()),
        token_expires: Some(TYPED),
        ..Default::default()
    })
    .unwrap();
    let added = svc
        .add_reporting(draft, SecretString::from(PAT), &Cancel::new())
        .await
        .unwrap();
    let TokenLookup::Failed(why) = &added.token else {
        panic!("{:?}", added.token);
    };
    assert!(why.contains("503"), "{why}");
    assert_no_secret(why, &[]);
    assert_eq!(added.connection.token_id, None);
    assert_eq!(added.connection.token_expires, Some(TYPED));
    assert!(svc.get("dc").is_ok(), "saved");
}

#[tokio::test]
async fn check_records_the_token_once_it_is_certain() {
    let server = PatServer::start().await;
    let (_dir, _, svc) = scratch();
    let (conn, _) = add_dc(&svc, &server, None).await;
    assert_eq!(conn.token_id, None);

    // Two tokens: the check works, and says why nothing was read.
    let report = svc.check("dc").await.unwrap();
    assert!(report.result.is_ok(), "{:?}", report.result);
    assert_eq!(
        report.token,
        TokenLookup::NotPicked(NoPick::Several { count: 2 })
    );
    assert_eq!(report.connection.token_id, None);

    // The other device's token is revoked: the next check finds this one and records it.
    leave_only_this_token(&server).await;
    let report = svc.check("dc").await.unwrap();
    assert_eq!(report.token.recorded().map(|t| t.id), Some(THIS_ID));
    assert_eq!(report.connection.token_id, Some(THIS_ID));
    assert_eq!(report.connection.token_expires, Some(THIS_EXPIRY));
    let saved = svc.get("dc").unwrap();
    assert_eq!(saved.token_id, Some(THIS_ID));
    assert_eq!(saved.token_expires, Some(THIS_EXPIRY));
    assert_eq!(saved.token_created, Some(THIS_CREATED_ON));
    assert_eq!(saved.token_label.as_deref(), Some(THIS_NAME));

    // Once the id is known, it finds the token whatever else the account holds.
    server.add(USER, THIS_NAME, "a-twin-token-with-the-same-name", None);
    let report = svc.check("dc").await.unwrap();
    assert_eq!(report.token.recorded().map(|t| t.id), Some(THIS_ID));
}

#[tokio::test]
async fn a_rejected_check_reads_nothing() {
    let server = PatServer::start().await;
    let (_dir, secrets, svc) = scratch();
    let (conn, _) = add_dc(&svc, &server, Some(THIS_NAME)).await;
    use jira_connect::core::secrets::SecretStore;
    secrets
        .set(&conn.id, &SecretString::from("revoked-token"))
        .unwrap();
    let report = svc.check("dc").await.unwrap();
    assert!(report.result.is_err());
    assert_eq!(report.token, TokenLookup::NotApplicable);
    assert_eq!(report.connection.token_id, Some(THIS_ID), "kept");
    let asked = server.api_requests().await;
    assert_eq!(asked.len(), 1, "only the add's lookup");
}

#[tokio::test]
async fn the_app_lists_the_tokens_and_records_the_one_chosen() {
    let server = PatServer::start().await;
    let (_dir, _, svc) = scratch();
    add_dc(&svc, &server, None).await;
    let tokens = svc.list_tokens("dc", &Cancel::new()).await.unwrap();
    let ids: Vec<u64> = tokens.iter().map(|t| t.id).collect();
    assert_eq!(ids, vec![THIS_ID, OTHER_ID]);
    let chosen = tokens.iter().find(|t| t.id == THIS_ID).unwrap();
    let saved = svc.record_token("dc", chosen).unwrap();
    assert_eq!(saved.token_id, Some(THIS_ID));
    assert_eq!(saved.token_expires, Some(THIS_EXPIRY));
    assert_eq!(saved.token_created, Some(THIS_CREATED_ON));
    assert_eq!(saved.token_label.as_deref(), Some(THIS_NAME));
    assert_eq!(svc.get("dc").unwrap(), saved);

    // A Cloud connection has no such list.
    let jira = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    let draft = prepare(&NewConnection {
        url: jira.uri(),
        name: Some("cloud".into()),
        deployment: Some(Deployment::Cloud),
        login: Some(EMAIL.into()),
        ..Default::default()
    })
    .unwrap();
    svc.add(draft, SecretString::from(TOKEN), &Cancel::new())
        .await
        .unwrap();
    let err = svc.list_tokens("cloud", &Cancel::new()).await.unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    assert!(svc.record_token("cloud", chosen).is_err());
}

#[tokio::test]
async fn cli_add_says_what_it_read_from_jira() {
    let server = PatServer::start().await;
    let (_dir, _, svc) = scratch();
    let url = server.uri();
    let add = [
        "add",
        "--url",
        &url,
        "--data-center",
        "--name",
        "dc",
        "--token-label",
        THIS_NAME,
    ];
    let (code, out) = run(&svc, &add, &Answers::new(&[PAT])).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out:?}");
    let read =
        format!("✓ Read from Jira: token {THIS_NAME:?} (id {THIS_ID}), expires {THIS_EXPIRY}");
    assert!(out.stdout.contains(&read), "{out:?}");
    assert!(out.stdout.contains("Token expires 2027-02-22"), "{out:?}");
    assert_no_secret(&format!("{out:?}"), &[]);

    // Two tokens and no label: one line saying why, and the add still succeeds.
    let add = [
        "add",
        "--url",
        &url,
        "--data-center",
        "--name",
        "dc2",
        "--json",
    ];
    let (code, out) = run(&svc, &add, &Answers::new(&[PAT])).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out:?}");
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["token_lookup"]["kind"], "not-picked");
    assert_eq!(json["token_id"], serde_json::Value::Null);
    let (code, out) = run(
        &svc,
        &["add", "--url", &url, "--data-center", "--name", "dc3"],
        &Answers::new(&[PAT]),
    )
    .await;
    assert_eq!(code, ExitCode::SUCCESS, "{out:?}");
    let why: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.contains("Did not read the token's expiry from Jira"))
        .collect();
    assert_eq!(why.len(), 1, "{out:?}");
    assert!(why[0].contains("the account has 2 tokens"), "{out:?}");
    assert_no_secret(&format!("{out:?}"), &[]);
}

#[tokio::test]
async fn cli_check_updates_the_recorded_expiry() {
    let server = PatServer::start().await;
    let (_dir, _, svc) = scratch();
    add_dc(&svc, &server, None).await;
    let (code, out) = run(&svc, &["check", "dc"], &Answers::default()).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out:?}");
    assert!(
        out.stdout
            .contains("Did not read the token's expiry from Jira"),
        "{out:?}"
    );
    leave_only_this_token(&server).await;
    let (code, out) = run(&svc, &["check", "dc", "--json"], &Answers::default()).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out:?}");
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json[0]["token_id"], THIS_ID);
    assert_eq!(json[0]["token_expires"], THIS_EXPIRY.to_string());
    assert_eq!(json[0]["token_lookup"]["kind"], "recorded");
    assert_no_secret(&format!("{out:?}"), &[]);
    assert_eq!(svc.get("dc").unwrap().token_expires, Some(THIS_EXPIRY));
}

#[tokio::test]
async fn replace_token_records_the_new_token_or_forgets_the_old_id() {
    let server = PatServer::start().await;
    let (_dir, _, svc) = scratch();
    let (conn, _) = add_dc(&svc, &server, Some(THIS_NAME)).await;
    assert_eq!(conn.token_id, Some(THIS_ID));

    // A token made on the token page, with a label: found by that label.
    let made = "MTEwMDpuZXctdG9rZW4tZnJvbS10aGUtcGFnZQ";
    let made_id = server.add(
        USER,
        "from the page",
        made,
        Some("2027-05-01T10:00:00.000+0000"),
    );
    let new = jira_connect::core::service::NewToken {
        secret: SecretString::from(made),
        expires: Some(TYPED),
        label: Some("from the page".into()),
    };
    let (conn, _) = svc.replace_token("dc", new, &Cancel::new()).await.unwrap();
    assert_eq!(conn.token_id, Some(made_id));
    assert_eq!(
        conn.token_expires,
        Some(date(2027, 5, 1)),
        "the server's date"
    );
    assert_eq!(conn.token_label.as_deref(), Some("from the page"));

    // Without a label, among several tokens: the old id is not kept for the new token.
    let (conn, _) = svc
        .replace_token(
            "dc",
            jira_connect::core::service::NewToken {
                secret: SecretString::from(OTHER_TOKEN),
                expires: Some(TYPED),
                label: None,
            },
            &Cancel::new(),
        )
        .await
        .unwrap();
    assert_eq!(conn.token_id, None);
    assert_eq!(conn.token_expires, Some(TYPED));
}
