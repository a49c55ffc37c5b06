//! A stateful loopback Jira Data Center with the personal access token API, shaped by what
//! Atlassian documents ("Using Personal Access Tokens",
//! <https://confluence.atlassian.com/enterprise/using-personal-access-tokens-1026032365.html>)
//! and by how servers answer:
//!
//! - `GET /rest/pat/latest/tokens` lists the caller's tokens as
//!   `[{"id", "name", "createdAt", "expiringAt"?, "lastAccessedAt"?}]`, times as
//!   `2021-10-20T09:23:06.987+0000`, `expiringAt` absent for a token that never expires;
//! - `POST` with `{"name", "expirationDuration"?}` answers 201 with the token and its
//!   `rawToken`, only to Basic `username:password`: a personal access token may not create
//!   tokens here (403 with a Jira error body), and a wrong password is a 401 with
//!   `X-Seraph-LoginReason: AUTHENTICATED_FAILED`, three of which in a row bring a CAPTCHA;
//! - `DELETE /rest/pat/latest/tokens/{id}` answers 204, or 404 for a token that is not the
//!   caller's;
//! - a trailing slash is tolerated, as Jira's REST layer does;
//! - `/rest/api/2/myself` accepts every live token (Bearer) and each user's password (Basic),
//!   so a created token works at once and a revoked one stops (401);
//! - `/rest/api/2/serverInfo` answers without credentials.
//!
//! The table starts with two tokens of "mia": [`PAT`] (this machine's, [`THIS_ID`]) and
//! another device's ([`OTHER_ID`], [`OTHER_TOKEN`], no expiry, a name with quotes and
//! non-ASCII letters), and one token of "noah" ([`NOAH_ID`]).

use std::sync::{Arc, Mutex, MutexGuard};

use jiff::{Timestamp, ToSpan};
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use crate::common::{EMAIL, PAT};

pub const USER: &str = "mia";
pub const PASSWORD: &str = "correct horse battery staple";
pub const NOAH_PASSWORD: &str = "noah's own password";
/// The id of [`PAT`], this machine's token.
pub const THIS_ID: u64 = 1041;
pub const THIS_NAME: &str = "jira-connect on this machine";
/// Another device's token of the same user.
pub const OTHER_ID: u64 = 1042;
pub const OTHER_TOKEN: &str = "NzM5MDQxODI3MzY1OmxhcHRvcC1kZXZpY2UtdG9rZW4";
pub const OTHER_NAME: &str = "Mia’s “laptop” — 東京 \"quoted\"";
/// Another user's token.
pub const NOAH_ID: u64 = 1043;
pub const NOAH_TOKEN: &str = "ODI3MzY1NzM5MDQxOm5vYWgtdG9rZW4";
/// When [`PAT`] was created and expires, as the server writes them.
pub const THIS_CREATED: &str = "2026-08-25T08:15:02.114+0000";
pub const THIS_EXPIRES: &str = "2027-02-21T23:15:02.114-0300";
/// Failed password logins in a row after which the server asks for a CAPTCHA.
pub const CAPTCHA_AFTER: u32 = 3;

/// One token in the server's table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredToken {
    pub id: u64,
    pub user: String,
    pub name: String,
    pub raw: String,
    pub created_at: String,
    pub expiring_at: Option<String>,
    pub last_accessed_at: Option<String>,
}

/// Ways the server (or a proxy in front of it) misbehaves, for the hostile tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Misbehave {
    /// Every DELETE is answered by a proxy's HTML 404 page, and nothing is revoked.
    DeleteProxy404,
    /// A create makes the token, and answers its JSON followed by junk.
    CreateJunk,
    /// A create makes the token, and answers its JSON without the id.
    CreateWithoutId,
    /// Listing the tokens fails with a 503.
    List503,
    /// A create makes the token and answers something that tells neither its id nor the
    /// token (a proxy's page), and listing the tokens fails with a 503.
    CreateUnreadableListDown,
    /// A DELETE is answered 204, and the token stays alive.
    DeleteKeepsToken,
}

struct State {
    api: bool,
    misbehave: Option<Misbehave>,
    next_id: u64,
    tokens: Vec<StoredToken>,
    passwords: Vec<(String, String)>,
    failed_logins: u32,
    creates: usize,
    deletes: usize,
}

/// The server and a handle on its table.
pub struct PatServer {
    pub server: MockServer,
    state: Arc<Mutex<State>>,
}

impl PatServer {
    /// Jira with the token API, seeded as the module says.
    pub async fn start() -> Self {
        Self::with_api(true).await
    }

    /// A Jira from before 8.14: `/myself` works, `/rest/pat/…` is Jira's 404 page.
    pub async fn without_api() -> Self {
        Self::with_api(false).await
    }

    async fn with_api(api: bool) -> Self {
        let token =
            |id: u64, user: &str, name: &str, raw: &str, expiring: Option<&str>| StoredToken {
                id,
                user: user.into(),
                name: name.into(),
                raw: raw.into(),
                created_at: THIS_CREATED.into(),
                expiring_at: expiring.map(str::to_string),
                last_accessed_at: None,
            };
        let mut this = token(THIS_ID, USER, THIS_NAME, PAT, Some(THIS_EXPIRES));
        this.last_accessed_at = Some("2026-11-20T09:00:00.000+0000".into());
        let state = Arc::new(Mutex::new(State {
            api,
            misbehave: None,
            next_id: 1100,
            tokens: vec![
                this,
                token(OTHER_ID, USER, OTHER_NAME, OTHER_TOKEN, None),
                token(
                    NOAH_ID,
                    "noah",
                    "noah's token",
                    NOAH_TOKEN,
                    Some("2027-01-01T00:00:00.000+0000"),
                ),
            ],
            passwords: vec![
                (USER.into(), PASSWORD.into()),
                ("noah".into(), NOAH_PASSWORD.into()),
            ],
            failed_logins: 0,
            creates: 0,
            deletes: 0,
        }));
        let server = MockServer::start().await;
        Mock::given(any())
            .respond_with(Api {
                state: state.clone(),
                base: server.uri(),
            })
            .mount(&server)
            .await;
        PatServer { server, state }
    }

    pub fn uri(&self) -> String {
        self.server.uri()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    /// Every live token, all users, in the order they were created.
    pub fn tokens(&self) -> Vec<StoredToken> {
        self.state().tokens.clone()
    }

    /// The live tokens' ids, all users.
    pub fn ids(&self) -> Vec<u64> {
        self.state().tokens.iter().map(|t| t.id).collect()
    }

    /// True while `raw` is a live token.
    pub fn is_live(&self, raw: &str) -> bool {
        self.state().tokens.iter().any(|t| t.raw == raw)
    }

    /// Tokens the server created.
    pub fn creates(&self) -> usize {
        self.state().creates
    }

    /// Tokens the server revoked.
    pub fn deletes(&self) -> usize {
        self.state().deletes
    }

    /// Adds a token to the table, as if created elsewhere; returns its id.
    pub fn add(&self, user: &str, name: &str, raw: &str, expiring_at: Option<&str>) -> u64 {
        let mut state = self.state();
        let id = state.next_id;
        state.next_id += 1;
        state.tokens.push(StoredToken {
            id,
            user: user.into(),
            name: name.into(),
            raw: raw.into(),
            created_at: THIS_CREATED.into(),
            expiring_at: expiring_at.map(str::to_string),
            last_accessed_at: None,
        });
        id
    }

    /// From now on, misbehaves as `m` says.
    pub fn misbehave(&self, m: Misbehave) {
        self.state().misbehave = Some(m);
    }

    /// From now on, behaves again.
    pub fn behave(&self) {
        self.state().misbehave = None;
    }

    /// Adds `count` tokens of `user` with short names (`n0`, `n1`, …) and no dates, as
    /// small as a list entry gets, so that many fit in the client's 1 MiB body cap.
    pub fn add_many(&self, user: &str, count: usize) {
        let mut state = self.state();
        for i in 0..count {
            let id = state.next_id;
            state.next_id += 1;
            state.tokens.push(StoredToken {
                id,
                user: user.into(),
                name: format!("n{i}"),
                raw: format!("many-{id}"),
                created_at: String::new(),
                expiring_at: None,
                last_accessed_at: None,
            });
        }
    }

    /// Requests that reached the token API.
    pub async fn api_requests(&self) -> Vec<Request> {
        self.server
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.url.path().starts_with("/rest/pat/"))
            .collect()
    }
}

/// Who a request's `Authorization` header names.
enum Caller {
    Anonymous,
    /// A live token's owner.
    Token(String),
    /// A user whose password was right.
    Password(String),
    /// A token that is not live.
    BadToken,
    /// A wrong user name or password.
    BadPassword,
}

struct Api {
    state: Arc<Mutex<State>>,
    base: String,
}

impl Respond for Api {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let mut state = self.state.lock().unwrap();
        let path = request.url.path();
        // Jira's REST layer treats `/tokens/` as `/tokens`.
        let path = if path.len() > 1 {
            path.trim_end_matches('/')
        } else {
            path
        };
        let method = request.method.as_str();
        if path == "/rest/api/2/serverInfo" && method == "GET" {
            return json_answer(
                200,
                json!({"baseUrl": self.base, "version": "9.12.2", "deploymentType": "Server"}),
            );
        }
        let caller = caller(&state, request);
        // Jira counts failed password logins and, past a limit, wants a CAPTCHA before it
        // checks any password again.
        if matches!(caller, Caller::BadPassword | Caller::Password(_))
            && state.failed_logins >= CAPTCHA_AFTER
        {
            return captcha(&self.base);
        }
        match caller {
            Caller::BadPassword => state.failed_logins += 1,
            Caller::Password(_) => state.failed_logins = 0,
            _ => {}
        }
        if path == "/rest/api/2/myself" && method == "GET" {
            return match &caller {
                Caller::Token(user) | Caller::Password(user) => json_answer(200, myself(user)),
                _ => login_failed(),
            };
        }
        let Some(rest) = path.strip_prefix("/rest/pat/latest/tokens") else {
            return dead_link();
        };
        if !state.api {
            return dead_link();
        }
        let user = match caller {
            Caller::Token(user) | Caller::Password(user) => user,
            Caller::Anonymous => {
                return json_answer(
                    401,
                    json!({"message": "Client must be authenticated to access this resource.", "status-code": 401}),
                );
            }
            Caller::BadToken | Caller::BadPassword => return login_failed(),
        };
        let by_password = request_by_password(request);
        match (state.misbehave, method, rest) {
            (Some(Misbehave::DeleteProxy404), "DELETE", _) => {
                return ResponseTemplate::new(404).set_body_raw(
                    "<html><body><h1>404 Not Found</h1>nginx</body></html>",
                    "text/html",
                );
            }
            (Some(Misbehave::DeleteKeepsToken), "DELETE", _) => {
                return ResponseTemplate::new(204);
            }
            (Some(Misbehave::List503 | Misbehave::CreateUnreadableListDown), "GET", "") => {
                return ResponseTemplate::new(503)
                    .set_body_raw("<html><body>Service Unavailable</body></html>", "text/html");
            }
            _ => {}
        }
        match (method, rest) {
            ("GET", "") => {
                let list: Vec<Value> = state
                    .tokens
                    .iter()
                    .filter(|t| t.user == user)
                    .map(token_json)
                    .collect();
                json_answer(200, Value::Array(list))
            }
            ("POST", "") if !by_password => json_answer(
                403,
                json!({
                    "errorMessages": ["Personal access tokens cannot be used to create personal access tokens."],
                    "errors": {}
                }),
            ),
            ("POST", "") => create(&mut state, &user, request),
            ("DELETE", id) => {
                let id = id.strip_prefix('/').and_then(|id| id.parse::<u64>().ok());
                let found = state
                    .tokens
                    .iter()
                    .position(|t| Some(t.id) == id && t.user == user);
                match found {
                    Some(i) => {
                        state.tokens.remove(i);
                        state.deletes += 1;
                        ResponseTemplate::new(204)
                    }
                    None => json_answer(
                        404,
                        json!({"errorMessages": ["Token not found."], "errors": {}}),
                    ),
                }
            }
            _ => json_answer(405, json!({"errorMessages": ["Method not allowed."]})),
        }
    }
}

fn create(state: &mut State, user: &str, request: &Request) -> ResponseTemplate {
    let bad = |message: &str| json_answer(400, json!({"errorMessages": [message], "errors": {}}));
    let Ok(body) = serde_json::from_slice::<Value>(&request.body) else {
        return bad("The request body is not valid JSON.");
    };
    let name = body.get("name").and_then(Value::as_str).unwrap_or_default();
    if name.trim().is_empty() {
        return bad("Token name must not be empty.");
    }
    let days = match body.get("expirationDuration") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_i64() {
            Some(d) if d > 0 => Some(d),
            _ => return bad("Expiration duration must be a positive number of days."),
        },
    };
    let now = Timestamp::now();
    let id = state.next_id;
    state.next_id += 1;
    let raw = encode(format!("{id:012}:{}", uuid::Uuid::new_v4().simple()).as_bytes());
    let token = StoredToken {
        id,
        user: user.into(),
        name: name.into(),
        raw: raw.clone(),
        created_at: jira_time(now),
        expiring_at: days.map(|d| jira_time(now.checked_add((d * 24).hours()).unwrap())),
        last_accessed_at: None,
    };
    let mut answer = token_json(&token);
    answer["rawToken"] = raw.into();
    state.tokens.push(token);
    state.creates += 1;
    match state.misbehave {
        // The token first, as a server that streams it would.
        Some(Misbehave::CreateJunk) => ResponseTemplate::new(201).set_body_raw(
            format!(
                "{{\"rawToken\":{},\"id\":{id}}}<!-- cache: MISS -->",
                answer["rawToken"]
            ),
            "application/json",
        ),
        Some(Misbehave::CreateUnreadableListDown) => ResponseTemplate::new(201).set_body_raw(
            "<html><body>Created. Your request is being processed.</body></html>",
            "text/html",
        ),
        Some(Misbehave::CreateWithoutId) => {
            answer.as_object_mut().unwrap().remove("id");
            json_answer(201, answer)
        }
        _ => json_answer(201, answer),
    }
}

fn caller(state: &State, request: &Request) -> Caller {
    let Some(value) = request
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
    else {
        return Caller::Anonymous;
    };
    if let Some(token) = value.strip_prefix("Bearer ") {
        return match state.tokens.iter().find(|t| t.raw == token.trim()) {
            Some(t) => Caller::Token(t.user.clone()),
            None => Caller::BadToken,
        };
    }
    let Some(encoded) = value.strip_prefix("Basic ") else {
        return Caller::BadPassword;
    };
    let decoded = decode(encoded.trim()).and_then(|b| String::from_utf8(b).ok());
    let Some((user, password)) = decoded.as_deref().and_then(|d| d.split_once(':')) else {
        return Caller::BadPassword;
    };
    if state
        .passwords
        .iter()
        .any(|(u, p)| u == user && p == password)
    {
        Caller::Password(user.to_string())
    } else {
        Caller::BadPassword
    }
}

fn request_by_password(request: &Request) -> bool {
    request
        .headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("Basic "))
}

fn token_json(t: &StoredToken) -> Value {
    let mut v = json!({"id": t.id, "name": t.name});
    if !t.created_at.is_empty() {
        v["createdAt"] = t.created_at.clone().into();
    }
    if let Some(e) = &t.expiring_at {
        v["expiringAt"] = e.clone().into();
    }
    if let Some(l) = &t.last_accessed_at {
        v["lastAccessedAt"] = l.clone().into();
    }
    v
}

fn myself(user: &str) -> Value {
    if user == USER {
        crate::common::dc_user()
    } else {
        json!({"key": "JIRAUSER10200", "name": user, "displayName": "Noah Berg",
               "emailAddress": EMAIL.replace("mia", user)})
    }
}

/// `2021-10-20T09:23:06.987+0000`, as Jira writes times.
fn jira_time(at: Timestamp) -> String {
    at.to_zoned(jiff::tz::TimeZone::UTC)
        .strftime("%Y-%m-%dT%H:%M:%S%.3f%z")
        .to_string()
}

fn json_answer(status: u16, body: Value) -> ResponseTemplate {
    // `set_body_string` would make it text/plain; Jira says JSON.
    ResponseTemplate::new(status).set_body_raw(body.to_string(), "application/json;charset=UTF-8")
}

fn login_failed() -> ResponseTemplate {
    ResponseTemplate::new(401)
        .insert_header("X-Seraph-LoginReason", "AUTHENTICATED_FAILED")
        .insert_header("content-type", "text/html;charset=UTF-8")
        .set_body_string("<html><body>Unauthorized (401)</body></html>")
}

fn captcha(base: &str) -> ResponseTemplate {
    ResponseTemplate::new(403)
        .insert_header("X-Seraph-LoginReason", "AUTHENTICATION_DENIED")
        .insert_header(
            "X-Authentication-Denied-Reason",
            format!("CAPTCHA_CHALLENGE; login-url={base}/login.jsp").as_str(),
        )
        .insert_header("content-type", "text/html;charset=UTF-8")
        .set_body_string("<html><body>Forbidden (403)</body></html>")
}

/// Jira's answer to a path nothing serves.
fn dead_link() -> ResponseTemplate {
    ResponseTemplate::new(404)
        .insert_header("content-type", "text/html;charset=UTF-8")
        .set_body_string("<html><title>Oops, you&#39;ve found a dead link. - Jira</title></html>")
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Base64 without padding, as Jira's tokens look.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(B64[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
}

fn decode(text: &str) -> Option<Vec<u8>> {
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text.trim_end_matches('=').bytes() {
        let v = B64.iter().position(|&b| b == c)? as u32;
        bits = bits << 6 | v;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    Some(out)
}

#[test]
fn base64_round_trips() {
    for text in ["", "a", "ab", "abc", "mia:correct horse battery staple"] {
        assert_eq!(decode(&encode(text.as_bytes())).unwrap(), text.as_bytes());
    }
    assert_eq!(decode("bWlhOnB3").unwrap(), b"mia:pw");
}
