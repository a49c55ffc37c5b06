//! Shared test helpers: a loopback mock Jira and access to the real OS keyring.

use std::sync::Arc;
use std::time::Duration;

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

/// The real OS keyring, or `None` (with a note on stderr) when this machine has none.
/// With `JIRA_CONNECT_REQUIRE_OS_KEYRING=1` a missing keyring fails the test instead.
pub fn os_keyring() -> Option<KeyringStore> {
    let required = std::env::var("JIRA_CONNECT_REQUIRE_OS_KEYRING").as_deref() == Ok("1");
    let probe = || -> Result<KeyringStore, String> {
        let store = KeyringStore::platform().map_err(|e| e.to_string())?;
        let id = jira_connect::core::connection::ConnectionId::generate();
        store
            .set(&id, &secrecy::SecretString::from("probe"))
            .map_err(|e| e.to_string())?;
        store.delete(&id).map_err(|e| e.to_string())?;
        Ok(store)
    };
    match probe() {
        Ok(store) => Some(store),
        Err(e) if required => {
            panic!("JIRA_CONNECT_REQUIRE_OS_KEYRING=1 but the OS keyring fails: {e}")
        }
        Err(e) => {
            eprintln!(
                "SKIPPED: no usable OS keyring here ({e}); run scripts/test.sh for a private one"
            );
            None
        }
    }
}
