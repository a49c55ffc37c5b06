//! Shared test helpers: a loopback mock Jira, the CLI run in-process, and access to the real
//! OS keyring.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;
use jira_connect::cli::output::{Captured, Printer};
use jira_connect::cli::{Cli, Command, Console, execute};
use jira_connect::core::config::ConfigStore;
use jira_connect::core::jira::JiraClient;
use jira_connect::core::secrets::{KeyringStore, MemoryStore, SecretStore};
use jira_connect::core::service::Connections;
use wiremock::matchers::{basic_auth, bearer_token, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

pub const EMAIL: &str = "mia@example.com";
pub const TOKEN: &str = "ATATT3xFfGF0-test-token-Zq9";
pub const NEW_TOKEN: &str = "ATATT3xFfGF0-new-token-Kx7";
pub const PAT: &str = "NjE1MzQ4OTQ2Mjg2OkR-test-pat-Xw1";

pub fn cloud_user() -> serde_json::Value {
    serde_json::json!({
        "accountId": "5b10a2844c20165700ede21g",
        "displayName": "Mia Krystof",
        "emailAddress": EMAIL,
        "active": true
    })
}

pub fn dc_user() -> serde_json::Value {
    serde_json::json!({
        "key": "JIRAUSER10100",
        "name": "mia",
        "displayName": "Mia Krystof",
        "emailAddress": EMAIL
    })
}

/// A mock Jira that accepts `email:token` as Basic auth on the given API version, and
/// answers 401 like Jira does for anything else.
pub async fn jira_basic(api: u8, login: &str, token: &str, user: serde_json::Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/rest/api/{api}/myself")))
        .and(basic_auth(login, token))
        .respond_with(ResponseTemplate::new(200).set_body_json(user))
        .with_priority(1)
        .mount(&server)
        .await;
    mount_server_info(&server, api).await;
    mount_rejection(&server, api).await;
    server
}

/// A mock Jira Data Center that accepts a PAT as a bearer token.
pub async fn jira_bearer(token: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/rest/api/2/myself"))
        .and(bearer_token(token))
        .respond_with(ResponseTemplate::new(200).set_body_json(dc_user()))
        .with_priority(1)
        .mount(&server)
        .await;
    mount_server_info(&server, 2).await;
    mount_rejection(&server, 2).await;
    server
}

async fn mount_server_info(server: &MockServer, api: u8) {
    Mock::given(method("GET"))
        .and(path(format!("/rest/api/{api}/serverInfo")))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "version": "1001.0.0", "deploymentType": "Cloud"
        })))
        .mount(server)
        .await;
}

async fn mount_rejection(server: &MockServer, api: u8) {
    Mock::given(method("GET"))
        .and(path(format!("/rest/api/{api}/myself")))
        .respond_with(
            ResponseTemplate::new(401)
                .insert_header("X-Seraph-LoginReason", "AUTHENTICATED_FAILED")
                .insert_header("content-type", "text/html")
                .set_body_string("<html>Unauthorized</html>"),
        )
        .with_priority(10)
        .mount(server)
        .await;
}

/// A service over a fresh config dir and a fresh in-memory keyring, with both: keep the
/// dir for as long as the config is used.
pub fn scratch() -> (tempfile::TempDir, Arc<MemoryStore>, Arc<Connections>) {
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::new());
    let svc = service(dir.path(), secrets.clone());
    (dir, secrets, svc)
}

/// A service over a fresh config dir and an in-memory secret store.
pub fn service(dir: &std::path::Path, secrets: Arc<MemoryStore>) -> Arc<Connections> {
    service_with(dir, secrets, Duration::from_secs(10))
}

pub fn service_with(
    dir: &std::path::Path,
    secrets: Arc<dyn SecretStore>,
    timeout: Duration,
) -> Arc<Connections> {
    Arc::new(Connections::new(
        ConfigStore::new(dir),
        secrets,
        JiraClient::new(timeout).unwrap(),
    ))
}

/// Runs `jira-connect ARGS` in-process against `svc`: parsed by clap as the binary parses
/// them, with `console` answering what the command asks, and its output captured stream by
/// stream. (`cli` runs the built binary instead.)
pub async fn run(
    svc: &Arc<Connections>,
    args: &[&str],
    console: &dyn Console,
) -> (ExitCode, Captured) {
    let cli = Cli::try_parse_from(std::iter::once("jira-connect").chain(args.iter().copied()))
        .expect("the arguments parse");
    let Some(Command::Run(action)) = cli.command else {
        panic!("{args:?} is not a CLI command");
    };
    let (out, captured) = Printer::capture(args.contains(&"--json"));
    let code = execute(action, svc.clone(), &out, console).await;
    let captured = captured.lock().unwrap().clone();
    (code, captured)
}

/// Adds "acme", Jira Cloud at `url` as [`EMAIL`], through the CLI in-process; `console`
/// gives the token.
pub async fn cli_add_acme(svc: &Arc<Connections>, url: &str, console: &dyn Console) {
    let add = [
        "add", "--url", url, "--cloud", "--email", EMAIL, "--name", "acme",
    ];
    let (code, out) = run(svc, &add, console).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out:?}");
}

/// Requests the mock received that carried an `Authorization` header.
pub async fn authorised_requests(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.headers.contains_key("authorization"))
        .count()
}

/// The real OS keyring. Tests that need it are `#[ignore]`d, so a bare `cargo test` says
/// plainly that it skipped them, and `scripts/test.sh` runs them with `--include-ignored`
/// against a private gnome-keyring. Run without a usable keyring, such a test fails.
pub fn os_keyring() -> KeyringStore {
    let probe = || -> Result<KeyringStore, String> {
        let store = KeyringStore::platform().map_err(|e| e.to_string())?;
        let id = jira_connect::core::connection::ConnectionId::generate();
        store
            .set(&id, &secrecy::SecretString::from("probe"))
            .map_err(|e| e.to_string())?;
        store.delete(&id).map_err(|e| e.to_string())?;
        Ok(store)
    };
    probe().unwrap_or_else(|e| {
        panic!("this test needs the OS keyring, which fails here ({e}); run scripts/test.sh")
    })
}

/// Fails the test unless the OS keyring works, for tests whose keyring use is in the
/// binary they run.
pub fn require_os_keyring() {
    os_keyring();
}

pub const CLOUD_ID: &str = "5a1c2e3f-0b4d-4e6f-8a9b-0c1d2e3f4a5b";

pub fn confluence_cloud_user() -> serde_json::Value {
    serde_json::json!({
        "type": "known",
        "accountId": "5b10a2844c20165700ede21g",
        "accountType": "atlassian",
        "email": EMAIL,
        "publicName": "mia",
        "displayName": "Mia Krystof"
    })
}

pub fn confluence_dc_user() -> serde_json::Value {
    serde_json::json!({
        "type": "known",
        "username": "mia",
        "userKey": "8a7f808a7b1c2d3e017b1c2d3e4f0001",
        "displayName": "Mia Krystof"
    })
}

/// Answers `GET /_edge/tenant_info` with `cloud_id`, as every Atlassian Cloud site does.
pub async fn mount_tenant_info(server: &MockServer, cloud_id: &str) {
    Mock::given(method("GET"))
        .and(path("/_edge/tenant_info"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({ "cloudId": cloud_id })),
        )
        .mount(server)
        .await;
}

/// Accepts `login:token` as Basic auth at `api_path` with `user`, and answers 401 to any
/// other credentials there. Several calls may share one server and path.
pub async fn mount_user(
    server: &MockServer,
    api_path: &str,
    login: &str,
    token: &str,
    user: serde_json::Value,
) {
    Mock::given(method("GET"))
        .and(path(api_path.to_string()))
        .and(basic_auth(login, token))
        .respond_with(ResponseTemplate::new(200).set_body_json(user))
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path(api_path.to_string()))
        .respond_with(ResponseTemplate::new(401).set_body_string("Unauthorized"))
        .with_priority(10)
        .mount(server)
        .await;
}

/// Confluence Cloud on `site`, accepting `EMAIL:token` at `/wiki/rest/api/user/current`.
pub async fn mount_confluence_cloud(site: &MockServer, token: &str) {
    mount_user(
        site,
        "/wiki/rest/api/user/current",
        EMAIL,
        token,
        confluence_cloud_user(),
    )
    .await;
}

/// A Jira Cloud site that refuses every token, as sites do with scoped tokens, and the API
/// gateway that accepts `TOKEN` for Jira and Confluence on it.
pub async fn scoped_site_and_gateway() -> (MockServer, MockServer) {
    let site = MockServer::start().await;
    mount_tenant_info(&site, CLOUD_ID).await;
    mount_rejection(&site, 3).await;
    let gateway = MockServer::start().await;
    let base = format!("/ex/jira/{CLOUD_ID}");
    mount_user(
        &gateway,
        &format!("{base}/rest/api/3/myself"),
        EMAIL,
        TOKEN,
        cloud_user(),
    )
    .await;
    Mock::given(method("GET"))
        .and(path(format!("{base}/rest/api/3/serverInfo")))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(serde_json::json!({ "version": "1001.0.0" })),
        )
        .mount(&gateway)
        .await;
    mount_user(
        &gateway,
        &format!("/ex/confluence/{CLOUD_ID}/wiki/rest/api/user/current"),
        EMAIL,
        TOKEN,
        confluence_cloud_user(),
    )
    .await;
    (site, gateway)
}

/// A service whose API gateway is `gateway`.
pub fn service_via(
    dir: &std::path::Path,
    secrets: Arc<dyn SecretStore>,
    gateway: &str,
) -> Arc<Connections> {
    Arc::new(Connections::new(
        ConfigStore::new(dir),
        secrets,
        JiraClient::with_gateway(Duration::from_secs(10), gateway).unwrap(),
    ))
}

/// Jira Cloud on a custom domain, shaped by what Atlassian documents and such sites show:
/// `/_edge/tenant_info` and the REST API at the origin's root, and the product's pages under
/// `/jira/…` (HTML, never the API: `/jira/rest/…` and `/jira/_edge/…` are 404 there).
pub async fn custom_domain_cloud() -> MockServer {
    let site = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    mount_tenant_info(&site, CLOUD_ID).await;
    Mock::given(method("GET"))
        .and(wiremock::matchers::path_regex(
            "^/jira/(software|your-work|servicedesk|dashboards)(/.*)?$",
        ))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "text/html;charset=UTF-8")
                .set_body_string("<!DOCTYPE html><html><head><title>Jira</title></head></html>"),
        )
        .mount(&site)
        .await;
    site
}
