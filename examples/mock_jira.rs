//! A stand-in Jira on loopback for demos, screenshots and trying the tool without a real
//! site. It accepts:
//! - Cloud: Basic `mia@example.com:demo-token` on `/rest/api/3/myself` (and on `/2/`, which
//!   Cloud serves too and which Python's `jira` package calls);
//! - Data Center: `Authorization: Bearer demo-pat` on `/rest/api/2/myself`, under any
//!   context path;
//! - Confluence Cloud: the Cloud credentials on `/wiki/rest/api/user/current`.
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
    println!("mock Jira listening on {}", server.uri());
    tokio::signal::ctrl_c().await.ok();
}
