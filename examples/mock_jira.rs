//! A stand-in Jira on loopback for demos, screenshots and trying the tool without a real
//! site. It accepts:
//! - Cloud: Basic `mia@example.com:demo-token` on `/rest/api/3/myself` (and on `/2/`, which
//!   Cloud serves too and which Python's `jira` package calls);
//! - Data Center: `Authorization: Bearer demo-pat` on `/rest/api/2/myself`, under any
//!   context path;
//! - Confluence Cloud: the Cloud credentials on `/wiki/rest/api/user/current`;
//! - a Data Center service account: client id `demo-client` and secret `demo-secret` at
//!   `POST /rest/oauth2/latest/token` (form-encoded), whose access token works as Bearer.
//!
//! On the next port (8991 by default) a Cloud site of a service account: its
//! `/_edge/tenant_info`, Cloud's token URL `POST /oauth/token` (JSON) for the same client,
//! and the API gateway's `/ex/jira/{cloudId}/…`, for `JIRA_CONNECT_AUTH_URL` and
//! `JIRA_CONNECT_API_GATEWAY`.
//!
//! Anything else gets Jira's 401. Usage: `cargo run --example mock_jira -- [PORT] [DELAY_MS]`;
//! with a delay, every answer comes that many milliseconds late, like a site far away.

use wiremock::matchers::{basic_auth, bearer_token, method, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[tokio::main]
async fn main() {
    let port: u16 = std::env::args()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(8990);
    let delay = std::time::Duration::from_millis(
        std::env::args()
            .nth(2)
            .and_then(|d| d.parse().ok())
            .unwrap_or(0),
    );
    let listener = std::net::TcpListener::bind(("127.0.0.1", port)).expect("port is free");
    let server = MockServer::builder().listener(listener).start().await;
    let user = |api: u8| {
        if api == 3 {
            serde_json::json!({"accountId": "5b10a2844c20165700ede21g", "displayName": "Mia Krystof",
                               "emailAddress": "mia@example.com", "active": true})
        } else {
            serde_json::json!({"key": "JIRAUSER10100", "name": "mia", "displayName": "Mia Krystof",
                               "emailAddress": "mia@example.com"})
        }
    };
    Mock::given(method("GET"))
        .and(path_regex("/rest/api/3/myself$"))
        .and(basic_auth("mia@example.com", "demo-token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(delay)
                .set_body_json(user(3)),
        )
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("/rest/api/2/myself$"))
        .and(basic_auth("mia@example.com", "demo-token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(delay)
                .set_body_json(user(3)),
        )
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("/rest/api/2/myself$"))
        .and(bearer_token("demo-pat"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(delay)
                .set_body_json(user(2)),
        )
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("/wiki/rest/api/user/current$"))
        .and(basic_auth("mia@example.com", "demo-token"))
        .respond_with(ResponseTemplate::new(200).set_delay(delay).set_body_json(
            serde_json::json!({
                "type": "known", "accountId": "5b10a2844c20165700ede21g",
                "displayName": "Mia Krystof", "publicName": "mia", "email": "mia@example.com"
            }),
        ))
        .with_priority(1)
        .mount(&server)
        .await;
    for api in [2, 3] {
        Mock::given(method("GET"))
            .and(path_regex(format!("/rest/api/{api}/serverInfo$")))
            .respond_with(ResponseTemplate::new(200).set_delay(delay).set_body_json(
                serde_json::json!({
                    "version": "10.3.1", "versionNumbers": [10, 3, 1], "deploymentType": "Server"
                }),
            ))
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_delay(delay)
                .insert_header("X-Seraph-LoginReason", "AUTHENTICATED_FAILED"),
        )
        .with_priority(10)
        .mount(&server)
        .await;
    mount_service_account(&server, delay, false).await;
    // On the next port, or any free one with port 0; the demo goes on without it when
    // that port is taken.
    let next = if port == 0 { 0 } else { port.saturating_add(1) };
    let cloud = match std::net::TcpListener::bind(("127.0.0.1", next)) {
        Ok(listener) => {
            let cloud = MockServer::builder().listener(listener).start().await;
            mount_service_account(&cloud, delay, true).await;
            Some(cloud)
        }
        Err(e) => {
            eprintln!("no Cloud service account site on port {next}: {e}");
            None
        }
    };
    println!("mock Jira listening on {}", server.uri());
    if let Some(cloud) = &cloud {
        println!(
            "mock Jira Cloud with a service account listening on {}",
            cloud.uri()
        );
    }
    tokio::signal::ctrl_c().await.ok();
}

/// The Cloud id the service account's site reports.
const DEMO_CLOUD_ID: &str = "5a1c2e3f-0b4d-4e6f-8a9b-0c1d2e3f4a5b";

/// A service account with client id `demo-client` and secret `demo-secret`: the token
/// endpoint (Cloud's JSON one, or Data Center's form one) and the user API that takes its
/// access token; on Cloud also the site's `tenant_info`, and the user API under the
/// gateway's `/ex/jira/{cloudId}`.
async fn mount_service_account(server: &MockServer, delay: std::time::Duration, cloud: bool) {
    use wiremock::matchers::{body_partial_json, body_string_contains, path};
    let token = serde_json::json!({
        "access_token": "demo-access-token", "expires_in": 3600,
        "token_type": "Bearer", "scope": "read:jira-user read:jira-work"
    });
    let refused = ResponseTemplate::new(401).set_body_json(
        serde_json::json!({"error": "invalid_client", "error_description": "Unauthorized"}),
    );
    let token_path = if cloud {
        "/oauth/token$"
    } else {
        "/rest/oauth2/latest/token$"
    };
    let accepted = Mock::given(method("POST")).and(path_regex(token_path));
    let accepted = if cloud {
        accepted.and(body_partial_json(serde_json::json!({
            "grant_type": "client_credentials", "client_id": "demo-client",
            "client_secret": "demo-secret"
        })))
    } else {
        accepted
            .and(body_string_contains("client_id=demo-client"))
            .and(body_string_contains("client_secret=demo-secret"))
    };
    accepted
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(delay)
                .set_body_json(token),
        )
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex(token_path))
        .respond_with(refused.set_delay(delay))
        .with_priority(5)
        .mount(server)
        .await;
    let (user_path, user) = if cloud {
        (
            format!("^/ex/jira/{DEMO_CLOUD_ID}/rest/api/3/myself$"),
            serde_json::json!({"accountId": "712020:5f0e1d2c-3b4a-5968-7a8b-9c0d1e2f3a4b",
                               "accountType": "app", "displayName": "reports-bot", "active": true}),
        )
    } else {
        (
            "/rest/api/2/myself$".to_string(),
            serde_json::json!({"key": "JIRAUSER10200", "name": "svc-reports",
                               "displayName": "Reports service account", "active": true}),
        )
    };
    Mock::given(method("GET"))
        .and(path_regex(user_path))
        .and(bearer_token("demo-access-token"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_delay(delay)
                .set_body_json(user),
        )
        .with_priority(1)
        .mount(server)
        .await;
    if cloud {
        Mock::given(method("GET"))
            .and(path("/_edge/tenant_info"))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(serde_json::json!({ "cloudId": DEMO_CLOUD_ID })),
            )
            .mount(server)
            .await;
        Mock::given(method("GET"))
            .respond_with(
                ResponseTemplate::new(401)
                    .set_body_json(serde_json::json!({"code": 401, "message": "Unauthorized"})),
            )
            .with_priority(10)
            .mount(server)
            .await;
    }
}
