//! A loopback stand-in for a service account's OAuth 2.0 world: a token endpoint that issues
//! short-lived access tokens for one client id and secret, an API gateway (Cloud) and a
//! Data Center site that accept those tokens while they live and refuse them after.
//!
//! The shapes follow what Atlassian and RFC 6749 document, each at its fixture:
//! - Cloud's token endpoint takes JSON, Data Center's a form (RFC 6749 section 4.4.2);
//! - the answer is `{access_token, expires_in, token_type: "Bearer", scope}`
//!   (RFC 6749 section 5.1; Atlassian's "Create OAuth 2.0 credential for service accounts");
//! - a refused client gets `{"error": "invalid_client"}` with 401 (RFC 6749 section 5.2).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::common::{CLOUD_ID, mount_tenant_info};

pub const CLIENT_ID: &str = "cl-4f1b9e7a2c3d4e5f6a7b8c9d0e1f2a3b";
pub const CLIENT_SECRET: &str = "ATOA-sa-secret-9fK2mQ7xL4pZ8wR1vT6yN3bH5jD0cS";
pub const NEW_CLIENT_ID: &str = "cl-0a1b2c3d4e5f60718293a4b5c6d7e8f9";
pub const NEW_CLIENT_SECRET: &str = "ATOA-sa-new-secret-3Hq8Wz1Lk5Rt9Yb2Nc7Vm4Xp6";
/// Cloud's token path, as at `https://auth.atlassian.com/oauth/token`.
pub const CLOUD_TOKEN_PATH: &str = "/oauth/token";
/// Data Center's token endpoint (Atlassian, "Service accounts overview", Data Center).
pub const DC_TOKEN_PATH: &str = "/rest/oauth2/latest/token";

/// A Cloud service account as `GET /rest/api/3/myself` shows it through the gateway: an
/// app user, `accountType: "app"`, with no email (Jira Cloud REST API, "Get current user";
/// `accountType` is `atlassian`, `app` or `customer`).
pub fn cloud_service_user() -> serde_json::Value {
    serde_json::json!({
        "accountId": "712020:5f0e1d2c-3b4a-5968-7a8b-9c0d1e2f3a4b",
        "accountType": "app",
        "displayName": "reports-bot",
        "active": true,
        "timeZone": "Etc/UTC"
    })
}

/// A Data Center service account as `GET /rest/api/2/myself` shows it: a user with a key,
/// a name and a display name (Jira Data Center REST API, "Get current user").
pub fn dc_service_user() -> serde_json::Value {
    serde_json::json!({
        "key": "JIRAUSER10200",
        "name": "svc-reports",
        "displayName": "Reports service account",
        "active": true
    })
}

#[derive(Default)]
struct State {
    client_id: String,
    client_secret: String,
    lifetime: u64,
    issued: Vec<(String, Instant)>,
    /// Every request to the token endpoint.
    mints: usize,
    /// Requests that carried the wrong body type or client.
    refused: usize,
    /// The next this many valid tokens are refused by the user API, as if revoked.
    refuse_next: usize,
    /// Tokens the user API accepted.
    accepted: Vec<String>,
}

/// The token endpoint and the user API behind one shared state.
#[derive(Clone)]
pub struct OAuthMock {
    state: Arc<Mutex<State>>,
}

impl OAuthMock {
    /// Tokens for `CLIENT_ID` and `CLIENT_SECRET` that live `lifetime` seconds.
    pub fn new(lifetime: u64) -> Self {
        OAuthMock {
            state: Arc::new(Mutex::new(State {
                client_id: CLIENT_ID.into(),
                client_secret: CLIENT_SECRET.into(),
                lifetime,
                ..Default::default()
            })),
        }
    }

    /// From now on, only this client id and secret get tokens.
    pub fn rotate_client(&self, id: &str, secret: &str) {
        let mut s = self.state.lock().unwrap();
        s.client_id = id.into();
        s.client_secret = secret.into();
    }

    pub fn set_lifetime(&self, seconds: u64) {
        self.state.lock().unwrap().lifetime = seconds;
    }

    /// The user API refuses the next `n` tokens it is shown, live or not.
    pub fn refuse_next(&self, n: usize) {
        self.state.lock().unwrap().refuse_next = n;
    }

    /// Requests the token endpoint received.
    pub fn mints(&self) -> usize {
        self.state.lock().unwrap().mints
    }

    /// Access tokens issued, oldest first.
    pub fn issued(&self) -> Vec<String> {
        self.state
            .lock()
            .unwrap()
            .issued
            .iter()
            .map(|(t, _)| t.clone())
            .collect()
    }

    /// Whether `token` is an access token this mock issued and that still lives.
    pub fn live(&self, token: &str) -> bool {
        let s = self.state.lock().unwrap();
        s.issued
            .iter()
            .any(|(t, until)| t == token && Instant::now() < *until)
    }

    /// Mounts Cloud's token endpoint (JSON) on `server`.
    pub async fn mount_cloud_token(&self, server: &MockServer) {
        Mock::given(method("POST"))
            .and(path(CLOUD_TOKEN_PATH))
            .respond_with(TokenEndpoint {
                state: self.state.clone(),
                json: true,
            })
            .mount(server)
            .await;
    }

    /// Mounts Data Center's token endpoint (form) on `server`.
    pub async fn mount_dc_token(&self, server: &MockServer) {
        Mock::given(method("POST"))
            .and(path(DC_TOKEN_PATH))
            .respond_with(TokenEndpoint {
                state: self.state.clone(),
                json: false,
            })
            .mount(server)
            .await;
    }

    /// Mounts the user API at `api_path`, answering `user` to a live token.
    pub async fn mount_user(&self, server: &MockServer, api_path: &str, user: serde_json::Value) {
        Mock::given(method("GET"))
            .and(path(api_path.to_string()))
            .respond_with(UserApi {
                state: self.state.clone(),
                user,
            })
            .mount(server)
            .await;
    }
}

struct TokenEndpoint {
    state: Arc<Mutex<State>>,
    json: bool,
}

impl Respond for TokenEndpoint {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut s = self.state.lock().unwrap();
        s.mints += 1;
        let content_type = request
            .headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        let fields: Vec<(String, String)> = if self.json {
            if !content_type.starts_with("application/json") {
                s.refused += 1;
                return invalid_request("the body must be JSON");
            }
            let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap_or_default();
            ["grant_type", "client_id", "client_secret"]
                .iter()
                .map(|k| {
                    (
                        k.to_string(),
                        body[k].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        } else {
            if !content_type.starts_with("application/x-www-form-urlencoded") {
                s.refused += 1;
                return invalid_request("the body must be form-encoded");
            }
            url::form_urlencoded::parse(&request.body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        };
        let get = |key: &str| {
            fields
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.as_str())
                .unwrap_or_default()
        };
        if get("grant_type") != "client_credentials" {
            s.refused += 1;
            // RFC 6749 section 5.2.
            return ResponseTemplate::new(400)
                .set_body_json(serde_json::json!({ "error": "unsupported_grant_type" }));
        }
        if get("client_id") != s.client_id || get("client_secret") != s.client_secret {
            s.refused += 1;
            // RFC 6749 section 5.2: a client that fails to authenticate gets 401 and
            // `invalid_client`; Atlassian adds the description "Unauthorized".
            return ResponseTemplate::new(401).set_body_json(serde_json::json!({
                "error": "invalid_client",
                "error_description": "Unauthorized"
            }));
        }
        let token = format!("eyJ-mock-access-{}", uuid_like(s.issued.len()));
        let until = Instant::now() + Duration::from_secs(s.lifetime);
        s.issued.push((token.clone(), until));
        // RFC 6749 section 5.1; Atlassian: `expires_in` 3600, `token_type` "Bearer".
        ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "access_token": token,
            "expires_in": s.lifetime,
            "token_type": "Bearer",
            "scope": "read:jira-user read:jira-work"
        }))
    }
}

fn invalid_request(why: &str) -> ResponseTemplate {
    ResponseTemplate::new(400).set_body_json(serde_json::json!({
        "error": "invalid_request",
        "error_description": why
    }))
}

/// A token-looking, unique string.
fn uuid_like(n: usize) -> String {
    format!(
        "{n:04}-{}",
        uuid::Uuid::new_v4()
            .simple()
            .to_string()
            .get(..24)
            .unwrap_or("x")
    )
}

struct UserApi {
    state: Arc<Mutex<State>>,
    user: serde_json::Value,
}

impl Respond for UserApi {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut s = self.state.lock().unwrap();
        let bearer = request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default()
            .to_string();
        let live = s
            .issued
            .iter()
            .any(|(t, until)| *t == bearer && Instant::now() < *until);
        if live && s.refuse_next == 0 {
            s.accepted.push(bearer);
            return ResponseTemplate::new(200).set_body_json(self.user.clone());
        }
        s.refuse_next = s.refuse_next.saturating_sub(1);
        // The gateway's answer to a token it does not take.
        ResponseTemplate::new(401)
            .set_body_json(serde_json::json!({ "code": 401, "message": "Unauthorized" }))
    }
}

/// A Cloud site (only `/_edge/tenant_info`, since it refuses these tokens), an auth server
/// with Cloud's token endpoint, and the gateway with Jira's user API for `CLOUD_ID`.
pub async fn cloud(lifetime: u64) -> (OAuthMock, MockServer, MockServer, MockServer) {
    let mock = OAuthMock::new(lifetime);
    let site = MockServer::start().await;
    mount_tenant_info(&site, CLOUD_ID).await;
    let auth = MockServer::start().await;
    mock.mount_cloud_token(&auth).await;
    let gateway = MockServer::start().await;
    mock.mount_user(
        &gateway,
        &format!("/ex/jira/{CLOUD_ID}/rest/api/3/myself"),
        cloud_service_user(),
    )
    .await;
    (mock, site, auth, gateway)
}

/// A Data Center site with its token endpoint and user API, and a public `serverInfo`.
pub async fn data_center(lifetime: u64) -> (OAuthMock, MockServer) {
    let mock = OAuthMock::new(lifetime);
    let site = MockServer::start().await;
    mock.mount_dc_token(&site).await;
    mock.mount_user(&site, "/rest/api/2/myself", dc_service_user())
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/api/2/serverInfo"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "version": "10.3.1", "deploymentType": "Server"
        })))
        .mount(&site)
        .await;
    (mock, site)
}
