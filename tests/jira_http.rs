//! The validation client against a real HTTP server on loopback: one test per row of the
//! error taxonomy.

use std::time::Duration;

use jira_connect::core::connection::{AuthKind, Deployment};
use jira_connect::core::error::Error;
use jira_connect::core::jira::{Account, Credentials, JiraClient, MAX_BODY, Target};
use jira_connect::core::site_url::SiteUrl;
use secrecy::SecretString;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;

async fn validate_dc(server_uri: &str, timeout: Duration) -> Result<Account, Error> {
    let site = SiteUrl::parse(server_uri, false).unwrap();
    let secret = SecretString::from(PAT);
    let creds = Credentials {
        auth: AuthKind::Pat,
        login: None,
        secret: &secret,
    };
    JiraClient::new(timeout)
        .unwrap()
        .validate(&Target::new(&site, Deployment::DataCenter), &creds)
        .await
}

/// Validates the Cloud API token [`TOKEN`] of [`EMAIL`] at `server_uri`.
async fn validate_cloud(server_uri: &str) -> Result<Account, Error> {
    let site = SiteUrl::parse(server_uri, false).unwrap();
    let secret = SecretString::from(TOKEN);
    let creds = Credentials {
        auth: AuthKind::ApiToken,
        login: Some(EMAIL),
        secret: &secret,
    };
    JiraClient::new(Duration::from_secs(5))
        .unwrap()
        .validate(&Target::new(&site, Deployment::Cloud), &creds)
        .await
}

/// A server whose `/rest/api/2/myself` answers with `response`.
async fn answering(response: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/rest/api/2/myself"))
        .respond_with(response)
        .mount(&server)
        .await;
    server
}

async fn myself_requests(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path().ends_with("/myself"))
        .count()
}

#[tokio::test]
async fn valid_cloud_token_returns_the_account_and_version() {
    let server = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    let account = validate_cloud(&server.uri()).await.unwrap();
    assert_eq!(account.account_id, "5b10a2844c20165700ede21g");
    assert_eq!(account.display_name, "Mia Krystof");
    assert_eq!(account.email.as_deref(), Some(EMAIL));
    assert_eq!(account.server_version.as_deref(), Some("1001.0.0"));
}

/// A 200 whose user has no account id is not a login.
#[tokio::test]
async fn an_empty_account_is_not_a_login() {
    for user in [
        serde_json::json!({"key": "", "name": "", "displayName": ""}),
        serde_json::json!({"displayName": "Mia Krystof"}),
    ] {
        let server = answering(ResponseTemplate::new(200).set_body_json(user.clone())).await;
        let err = validate_dc(&server.uri(), Duration::from_secs(5))
            .await
            .unwrap_err();
        assert!(matches!(err, Error::Malformed { .. }), "{user}: {err:?}");
    }
    let server = MockServer::start().await;
    mount_user(
        &server,
        "/rest/api/3/myself",
        EMAIL,
        TOKEN,
        serde_json::json!({"accountId": "", "displayName": ""}),
    )
    .await;
    let err = validate_cloud(&server.uri()).await.unwrap_err();
    assert!(matches!(err, Error::Malformed { .. }), "{err:?}");
}

#[tokio::test]
async fn data_center_pat_goes_as_bearer() {
    let server = jira_bearer(PAT).await;
    let account = validate_dc(&server.uri(), Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(account.username.as_deref(), Some("mia"));
    assert_eq!(account.account_id, "JIRAUSER10100");
}

#[tokio::test]
async fn wrong_token_is_bad_credentials_and_is_not_retried() {
    let server = jira_bearer("some-other-token").await;
    let err = validate_dc(&server.uri(), Duration::from_secs(5))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::BadCredentials { .. }), "{err:?}");
    assert!(err.to_string().contains("Create a new token at"), "{err}");
    assert_eq!(
        myself_requests(&server).await,
        1,
        "a 401 must never be retried"
    );
}

#[tokio::test]
async fn captcha_asks_for_a_browser_login_and_is_not_retried() {
    let server = answering(
        ResponseTemplate::new(403)
            .insert_header(
                "X-Authentication-Denied-Reason",
                "CAPTCHA_CHALLENGE; login-url=https://jira.corp.example/login.jsp",
            )
            .insert_header("X-Seraph-LoginReason", "AUTHENTICATION_DENIED"),
    )
    .await;
    let err = validate_dc(&server.uri(), Duration::from_secs(5))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Captcha { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("Log in once in your browser at https://jira.corp.example/login.jsp"),
        "{err}"
    );
    assert_eq!(
        myself_requests(&server).await,
        1,
        "a CAPTCHA must never be retried"
    );
}

#[tokio::test]
async fn other_403_is_forbidden() {
    let server = answering(
        ResponseTemplate::new(403)
            .set_body_json(serde_json::json!({"errorMessages": ["You do not have the permission to see the specified user."]})),
    )
    .await;
    let err = validate_dc(&server.uri(), Duration::from_secs(5))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Forbidden { .. }), "{err:?}");
    assert!(err.to_string().contains("permission to see"), "{err}");
    assert_eq!(myself_requests(&server).await, 1);
}

#[tokio::test]
async fn rate_limit_says_when_to_retry() {
    let server = answering(ResponseTemplate::new(429).insert_header("Retry-After", "37")).await;
    let err = validate_dc(&server.uri(), Duration::from_secs(5))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::RateLimited { .. }), "{err:?}");
    assert!(err.to_string().contains("retry after 37 s"), "{err}");
}

#[tokio::test]
async fn a_site_without_the_api_is_not_jira() {
    let server = MockServer::start().await; // answers 404 to everything
    let err = validate_dc(&server.uri(), Duration::from_secs(5))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotJira { .. }), "{err:?}");
    assert!(
        err.to_string().contains("does not look like a Jira site"),
        "{err}"
    );
}

#[tokio::test]
async fn html_200_is_a_login_page_not_a_success() {
    let server = answering(
        ResponseTemplate::new(200)
            .insert_header("content-type", "text/html;charset=UTF-8")
            .set_body_string("<!DOCTYPE html><html><body><form id=\"login\"></form></body></html>"),
    )
    .await;
    let err = validate_dc(&server.uri(), Duration::from_secs(5))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::LoginPage { .. }), "{err:?}");
}

#[tokio::test]
async fn empty_200_is_not_a_success() {
    let server = answering(ResponseTemplate::new(200)).await;
    let err = validate_dc(&server.uri(), Duration::from_secs(5))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NotJira { .. }), "{err:?}");
}

#[tokio::test]
async fn seraph_failure_on_200_is_bad_credentials() {
    let server = answering(
        ResponseTemplate::new(200)
            .insert_header("X-Seraph-LoginReason", "AUTHENTICATED_FAILED")
            .set_body_json(dc_user()),
    )
    .await;
    let err = validate_dc(&server.uri(), Duration::from_secs(5))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::BadCredentials { .. }), "{err:?}");
}

#[tokio::test]
async fn json_that_is_not_a_user_is_malformed() {
    let server = answering(
        ResponseTemplate::new(200).set_body_json(serde_json::json!({"self": "x", "values": []})),
    )
    .await;
    let err = validate_dc(&server.uri(), Duration::from_secs(5))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Malformed { .. }), "{err:?}");
    assert!(err.to_string().contains("values"), "{err}");
}

#[tokio::test]
async fn sso_redirect_is_reported_and_not_followed() {
    let idp = MockServer::start().await;
    let server = answering(ResponseTemplate::new(302).insert_header(
        "Location",
        format!("{}/saml/login?SAMLRequest=abc", idp.uri()),
    ))
    .await;
    let err = validate_dc(&server.uri(), Duration::from_secs(5))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::LoginPage { .. }), "{err:?}");
    assert!(err.to_string().contains("single sign-on"), "{err}");
    assert!(
        !err.to_string().contains("SAMLRequest"),
        "query strings stay out of messages: {err}"
    );
    assert!(idp.received_requests().await.unwrap_or_default().is_empty());
}

#[tokio::test]
async fn cross_host_redirect_never_receives_credentials() {
    let elsewhere = jira_bearer(PAT).await;
    let server = answering(
        ResponseTemplate::new(301)
            .insert_header("Location", format!("{}/rest/api/2/myself", elsewhere.uri())),
    )
    .await;
    let err = validate_dc(&server.uri(), Duration::from_secs(5))
        .await
        .unwrap_err();
    match &err {
        Error::Moved { suggested, .. } => assert_eq!(suggested, &elsewhere.uri()),
        other => panic!("{other:?}"),
    }
    assert!(
        err.to_string()
            .contains("did not send your credentials there"),
        "{err}"
    );
    assert_eq!(authorised_requests(&elsewhere).await, 0);
    assert!(
        elsewhere
            .received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
    );
}

#[tokio::test]
async fn server_errors_say_try_later() {
    let server = answering(ResponseTemplate::new(503)).await;
    let err = validate_dc(&server.uri(), Duration::from_secs(5))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ServerError { status: 503 }), "{err:?}");
    assert!(err.to_string().contains("try again later"), "{err}");
}

#[tokio::test]
async fn a_hanging_server_times_out() {
    let server = answering(
        ResponseTemplate::new(200)
            .set_body_json(dc_user())
            .set_delay(Duration::from_secs(30)),
    )
    .await;
    let err = validate_dc(&server.uri(), Duration::from_secs(1))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(
        err.to_string().contains("did not answer within 1 s"),
        "{err}"
    );
}

#[tokio::test]
async fn an_oversized_body_is_refused() {
    let huge = format!(
        r#"{{"key":"k","displayName":"{}"}}"#,
        "x".repeat(MAX_BODY + 10)
    );
    let server = answering(ResponseTemplate::new(200).set_body_string(huge)).await;
    let err = validate_dc(&server.uri(), Duration::from_secs(10))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ResponseTooLarge { .. }), "{err:?}");
}

#[tokio::test]
async fn nothing_listening_is_connection_refused() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let err = validate_dc(&format!("http://127.0.0.1:{port}"), Duration::from_secs(5))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ConnectionRefused { .. }), "{err:?}");
    assert!(err.to_string().contains("refused the connection"), "{err}");
}

#[tokio::test]
async fn an_unknown_host_is_a_dns_error() {
    let err = validate_dc("https://no-such-host.invalid", Duration::from_secs(10))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Dns { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("cannot find the host no-such-host.invalid"),
        "{err}"
    );
}

#[tokio::test]
async fn tls_to_a_plain_http_server_is_a_tls_error() {
    let server = jira_bearer(PAT).await;
    let https = server.uri().replace("http://", "https://");
    let err = validate_dc(&https, Duration::from_secs(5))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Tls { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("secure (TLS) connection to 127.0.0.1"),
        "{err}"
    );
    assert!(err.to_string().contains("does not speak TLS"), "{err}");
}

/// A loopback Jira that holds `/myself` until `/serverInfo` has arrived (or 10 s have
/// passed), and says whether it had to wait for nothing: a client that asks one after the
/// other is seen as such, without a single timing assertion.
async fn server_that_needs_both_at_once() -> (String, tokio::sync::oneshot::Receiver<bool>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let uri = format!("http://{}", listener.local_addr().unwrap());
    let info_arrived = std::sync::Arc::new(tokio::sync::Notify::new());
    let (verdict_tx, verdict) = tokio::sync::oneshot::channel();
    let verdict_tx = std::sync::Arc::new(std::sync::Mutex::new(Some(verdict_tx)));
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let (info_arrived, verdict_tx) = (info_arrived.clone(), verdict_tx.clone());
            tokio::spawn(async move {
                // One request per connection is enough here: answer, then close.
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let body = if head.starts_with("GET /rest/api/2/serverInfo") {
                    info_arrived.notify_one();
                    serde_json::json!({"version": "9.12.2"}).to_string()
                } else {
                    let both =
                        tokio::time::timeout(Duration::from_secs(10), info_arrived.notified())
                            .await
                            .is_ok();
                    if let Some(tx) = verdict_tx.lock().unwrap().take() {
                        let _ = tx.send(both);
                    }
                    dc_user().to_string()
                };
                let reply = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = socket.write_all(reply.as_bytes()).await;
            });
        }
    });
    (uri, verdict)
}

#[tokio::test]
async fn myself_and_server_info_are_asked_at_the_same_time() {
    let (uri, verdict) = server_that_needs_both_at_once().await;
    let account = validate_dc(&uri, Duration::from_secs(30)).await.unwrap();
    assert_eq!(account.server_version.as_deref(), Some("9.12.2"));
    assert!(
        verdict.await.unwrap(),
        "serverInfo was asked only after /myself had answered"
    );
}

#[tokio::test]
async fn server_info_is_asked_without_credentials() {
    let server = jira_bearer(PAT).await;
    let account = validate_dc(&server.uri(), Duration::from_secs(5))
        .await
        .unwrap();
    assert_eq!(account.server_version.as_deref(), Some("1001.0.0"));
    let requests = server.received_requests().await.unwrap();
    let info: Vec<_> = requests
        .iter()
        .filter(|r| r.url.path().ends_with("/serverInfo"))
        .collect();
    assert_eq!(info.len(), 1);
    assert!(
        !info[0].headers.contains_key("authorization"),
        "the version is public; the token goes to /myself only"
    );
    // A wrong token is sent once, to /myself: nothing else counts as a failed login.
    let refusing = jira_bearer("some-other-token").await;
    validate_dc(&refusing.uri(), Duration::from_secs(5))
        .await
        .unwrap_err();
    assert_eq!(authorised_requests(&refusing).await, 1);
}

/// A keep-alive HTTP/1.1 server on loopback that records, for each request, the connection
/// it came on (numbered in order of acceptance) and its path, and answers every path with
/// `body`.
async fn recording_server(
    body: &'static str,
) -> (
    String,
    std::sync::Arc<std::sync::Mutex<Vec<(usize, String)>>>,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        for conn in 0.. {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let log = log.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                loop {
                    let mut chunk = [0u8; 4096];
                    let Ok(n) = stream.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    while let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..end]).to_string();
                        buf.drain(..end + 4);
                        let path = head.split(' ').nth(1).unwrap_or_default().to_string();
                        log.lock().unwrap().push((conn, path));
                        let close = head.to_ascii_lowercase().contains("connection: close");
                        let answer = format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                             content-length: {}\r\n\r\n{body}",
                            body.len()
                        );
                        if stream.write_all(answer.as_bytes()).await.is_err() || close {
                            return;
                        }
                    }
                }
            });
        }
    });
    (url, seen)
}

/// `serverInfo` goes out without credentials and often finishes first; `/myself` must not
/// then reuse its pooled connection, where a server that writes headers and body in two
/// writes without TCP_NODELAY makes it wait out the client's delayed ACK.
#[tokio::test]
async fn myself_never_reuses_the_connection_of_server_info() {
    let (url, seen) = recording_server(
        r#"{"version":"9.12.0","key":"JIRAUSER1","name":"mia","displayName":"Mia"}"#,
    )
    .await;
    let site = SiteUrl::parse(&url, false).unwrap();
    let target = Target::new(&site, Deployment::DataCenter);
    let client = JiraClient::new(Duration::from_secs(5)).unwrap();
    // The version first, as when the keyring read is the slower part of a check.
    assert_eq!(
        client.server_version(&target).await.as_deref(),
        Some("9.12.0")
    );
    let secret = SecretString::from(PAT);
    let creds = Credentials {
        auth: AuthKind::Pat,
        login: None,
        secret: &secret,
    };
    let account = client.validate(&target, &creds).await.unwrap();
    assert_eq!(account.account_id, "JIRAUSER1");
    let seen = seen.lock().unwrap().clone();
    let conn_of = |suffix: &str| -> Vec<usize> {
        seen.iter()
            .filter(|(_, p)| p.ends_with(suffix))
            .map(|(c, _)| *c)
            .collect()
    };
    let info = conn_of("/serverInfo");
    let myself = conn_of("/myself");
    assert_eq!((info.len(), myself.len()), (2, 1), "{seen:?}");
    assert!(
        myself.iter().all(|c| !info.contains(c)),
        "/myself went out on a connection serverInfo used: {seen:?}"
    );
}
