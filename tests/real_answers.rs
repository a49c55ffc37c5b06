//! Answers that real Jira and Confluence servers, Atlassian's gateway and the proxies in
//! front of them gave, copied from Atlassian's documentation and from other clients' bug
//! reports (each fixture names its source). Each one goes through the real HTTP path: a
//! wiremock server on loopback answers `/myself` (or Confluence's `user/current`) with it,
//! and `Connections::add` asks through the real reqwest client. Each test asserts the
//! message the user needs, that nothing was saved, that the rejected attempt made exactly
//! one request, and that the secret is never echoed.

use std::sync::Arc;

use jira_connect::core::connection::{AuthKind, Deployment, Product};
use jira_connect::core::draft::{NewConnection, SiteOptions, prepare};
use jira_connect::core::error::Error;
use jira_connect::core::secrets::MemoryStore;
use jira_connect::core::service::{Cancel, Connections};
use secrecy::SecretString;
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;

/// An account password, as a user might paste it where a token belongs.
const PASSWORD: &str = "Winter-2026-pw!";

/// One recorded answer.
struct Answer {
    status: u16,
    headers: &'static [(&'static str, &'static str)],
    body: &'static str,
}

impl Answer {
    fn template(&self) -> ResponseTemplate {
        let mut t = ResponseTemplate::new(self.status);
        for (k, v) in self.headers {
            t = t.insert_header(*k, *v);
        }
        t.set_body_raw(self.body.as_bytes().to_vec(), content_type(self.headers))
    }
}

fn content_type(headers: &[(&str, &str)]) -> &'static str {
    let ct = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        .map(|(_, v)| v.to_ascii_lowercase())
        .unwrap_or_default();
    if ct.contains("json") {
        "application/json"
    } else if ct.contains("html") {
        "text/html"
    } else if ct.contains("xml") {
        "application/xml"
    } else {
        "text/plain"
    }
}

/// Who asks, and how.
#[derive(Clone, Copy)]
enum Asker {
    /// A Cloud API token (or a password pasted as one) for Jira or Confluence.
    Cloud(Product, &'static str),
    /// Data Center with a personal access token, or with the account's password.
    DataCenter(Product, AuthKind, &'static str),
}

impl Asker {
    fn product(self) -> Product {
        match self {
            Asker::Cloud(p, _) | Asker::DataCenter(p, _, _) => p,
        }
    }

    fn secret(self) -> &'static str {
        match self {
            Asker::Cloud(_, s) | Asker::DataCenter(_, _, s) => s,
        }
    }

    fn new_connection(self, url: &str) -> NewConnection {
        let (deployment, auth, login) = match self {
            Asker::Cloud(..) => (Deployment::Cloud, AuthKind::ApiToken, Some(EMAIL)),
            Asker::DataCenter(_, AuthKind::Pat, _) => (Deployment::DataCenter, AuthKind::Pat, None),
            Asker::DataCenter(_, auth, _) => (Deployment::DataCenter, auth, Some("mia")),
        };
        NewConnection {
            url: url.to_string(),
            name: Some("site".into()),
            deployment: Some(deployment),
            auth: Some(auth),
            login: login.map(str::to_string),
            options: SiteOptions {
                product: self.product(),
                ..Default::default()
            },
            ..Default::default()
        }
    }
}

/// The user API of a product, as the client asks it.
const USER_API: &str = r"/(myself|user/current)$";

/// Adds a connection at a site whose user API answers `answer` once, and returns the error.
/// Asserts that nothing was saved, that exactly one request reached the user API, and that
/// the error never carries the secret.
async fn rejected(asker: Asker, answer: &Answer) -> Error {
    rejected_with(asker, answer.template()).await.0
}

/// [`rejected`] for an answer built by the test; also returns the site's address.
async fn rejected_with(asker: Asker, response: ResponseTemplate) -> (Error, String) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path_regex(USER_API))
        .respond_with(response)
        .expect(1)
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::new());
    let svc = service(dir.path(), secrets.clone());
    let err = add(&svc, asker, &server.uri()).await;
    server.verify().await;
    nothing_saved(&svc, &secrets, dir.path(), asker.secret());
    never_echoed(&err, asker.secret());
    (err, server.uri())
}

async fn add(svc: &Arc<Connections>, asker: Asker, url: &str) -> Error {
    let draft = prepare(&asker.new_connection(url)).unwrap();
    svc.add(draft, SecretString::from(asker.secret()), &Cancel::new())
        .await
        .expect_err("the answer is a rejection")
}

fn nothing_saved(svc: &Connections, secrets: &MemoryStore, dir: &std::path::Path, secret: &str) {
    assert!(svc.list().unwrap().is_empty(), "no connection is saved");
    assert!(secrets.is_empty(), "no secret is stored");
    let toml = std::fs::read_to_string(dir.join("connections.toml")).unwrap_or_default();
    assert!(!toml.contains(secret), "{toml}");
    assert!(!toml.contains("[[connection"), "{toml}");
}

fn never_echoed(err: &Error, secret: &str) {
    let text = format!("{err} {err:?}");
    assert!(!text.contains(secret), "{text}");
}

fn says(err: &Error, wants: &[&str]) {
    let text = err.to_string();
    for want in wants {
        assert!(text.contains(want), "want {want:?} in: {text}");
    }
}

// ----- scoped tokens --------------------------------------------------------------------

/// Adds a scoped Cloud token whose gateway answers `answer` at the user API.
async fn scoped_rejected(product: Product, answer: &Answer) -> Error {
    let site = MockServer::start().await;
    mount_tenant_info(&site, CLOUD_ID).await;
    let gateway = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path_regex(format!(
            "^/ex/[a-z]+/{CLOUD_ID}/.*(myself|user/current)$"
        )))
        .respond_with(answer.template())
        .expect(1)
        .mount(&gateway)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::new());
    let svc = service_via(dir.path(), secrets.clone(), &gateway.uri());
    let mut new = Asker::Cloud(product, TOKEN).new_connection(&site.uri());
    new.options.scoped = true;
    let err = svc
        .add(
            prepare(&new).unwrap(),
            SecretString::from(TOKEN),
            &Cancel::new(),
        )
        .await
        .expect_err("the gateway refuses the scope");
    gateway.verify().await;
    assert_eq!(authorised_requests(&site).await, 0);
    nothing_saved(&svc, &secrets, dir.path(), TOKEN);
    never_echoed(&err, TOKEN);
    err
}

/// Body: https://community.atlassian.com/forums/Jira-Service-Management/Having-problems-with-Jira-scope-for-rule-management-API/qaq-p/3135618
/// (`{"code":401,"message":"Unauthorized; scope does not match"}` from api.atlassian.com);
/// the `X-Failure-Category` header as the gateway sends it with that body.
const SCOPE_401: Answer = Answer {
    status: 401,
    headers: &[
        ("content-type", "application/json"),
        ("x-failure-category", "FAILURE_CLIENT_SCOPE_CHECK"),
    ],
    body: r#"{"code":401,"message":"Unauthorized; scope does not match"}"#,
};

/// https://community.atlassian.com/forums/Confluence-questions/OAuth-2-0-Unauthorized-scope-does-not-match-when-calling/qaq-p/3094683
/// (Confluence through api.atlassian.com; the body without the header).
const SCOPE_401_CONFLUENCE: Answer = Answer {
    status: 401,
    headers: &[("content-type", "application/json")],
    body: "{\n    \"code\": 401,\n    \"message\": \"Unauthorized; scope does not match\"\n}",
};

#[tokio::test]
async fn a_scoped_token_missing_the_user_scope_is_told_which_scope() {
    let err = scoped_rejected(Product::Jira, &SCOPE_401).await;
    assert_eq!(err.kind(), "missing-scope", "{err:?}");
    says(&err, &["read:jira-user", "read:user:jira", "lacks"]);
    assert!(!err.to_string().contains("wrong"), "{err}");
}

#[tokio::test]
async fn a_confluence_scoped_token_missing_the_user_scope_is_told_which_scope() {
    let err = scoped_rejected(Product::Confluence, &SCOPE_401_CONFLUENCE).await;
    assert_eq!(err.kind(), "missing-scope", "{err:?}");
    says(&err, &["read:confluence-user", "lacks"]);
}

// ----- passwords where a token belongs ------------------------------------------------------

/// https://github.com/devmoath/jira-php/issues/4 and
/// https://github.com/solidify/jira-azuredevops-migrator/issues/740 (Jira Cloud, text/plain).
const CLOUD_PASSWORD_401: Answer = Answer {
    status: 401,
    headers: &[("content-type", "text/plain;charset=UTF-8")],
    body: "Basic authentication with passwords is deprecated.  For more information, see: https://developer.atlassian.com/cloud/confluence/deprecation-notice-basic-auth/\n",
};

/// https://github.com/tenable/integration-jira-cloud/issues/134 (the older wording's link).
const CLOUD_PASSWORD_401_OLD: Answer = Answer {
    status: 401,
    headers: &[("content-type", "text/plain")],
    body: "Basic authentication with passwords is deprecated.  For more information, see: https://confluence.atlassian.com/cloud/deprecation-of-basic-authentication-with-passwords-for-jira-and-confluence-apis-972355348.html\n",
};

#[tokio::test]
async fn a_password_on_cloud_is_told_to_use_an_api_token() {
    for (product, answer) in [
        (Product::Jira, &CLOUD_PASSWORD_401),
        (Product::Confluence, &CLOUD_PASSWORD_401_OLD),
    ] {
        let err = rejected(Asker::Cloud(product, PASSWORD), answer).await;
        assert_eq!(err.kind(), "cloud-needs-api-token", "{err:?}");
        says(&err, &["API token", "not accept your account password"]);
    }
}

/// https://github.com/atlassian/data-center-helm-charts/pull/1101 (403 "Basic Authentication
/// has been disabled on this instance.") and
/// https://github.com/markdown-confluence/publish-action/issues/10 (the JSON body, Confluence).
const BASIC_DISABLED_403: Answer = Answer {
    status: 403,
    headers: &[("content-type", "application/json;charset=UTF-8")],
    body: r#"{"message":"Basic Authentication has been disabled on this instance."}"#,
};

#[tokio::test]
async fn basic_auth_turned_off_points_to_a_personal_access_token() {
    for product in [Product::Jira, Product::Confluence] {
        let asker = Asker::DataCenter(product, AuthKind::Password, PASSWORD);
        let err = rejected(asker, &BASIC_DISABLED_403).await;
        assert_eq!(err.kind(), "basic-auth-disabled", "{err:?}");
        says(
            &err,
            &["password sign-in", "turned off", "personal access token"],
        );
    }
}

// ----- rejections that are what they say -----------------------------------------------------

/// https://github.com/cristibaluta/Jit/issues/12 (the headers of a Jira DC CAPTCHA 403; the
/// login URL, elided there, is the site's).
const CAPTCHA_403: Answer = Answer {
    status: 403,
    headers: &[
        ("content-type", "text/html;charset=UTF-8"),
        (
            "x-authentication-denied-reason",
            "CAPTCHA_CHALLENGE; login-url=https://jira.example.com/jira/login.jsp",
        ),
        ("x-seraph-loginreason", "AUTHENTICATION_DENIED"),
        (
            "www-authenticate",
            "OAuth realm=\"https%3A%2F%2Fjira.example.com%2Fjira\"",
        ),
    ],
    body: "",
};

#[tokio::test]
async fn a_captcha_gives_the_login_url_from_the_header() {
    let err = rejected(
        Asker::DataCenter(Product::Jira, AuthKind::Password, PASSWORD),
        &CAPTCHA_403,
    )
    .await;
    assert_eq!(err.kind(), "captcha", "{err:?}");
    says(
        &err,
        &["https://jira.example.com/jira/login.jsp", "browser"],
    );
}

/// https://github.com/markdown-confluence/markdown-confluence/issues/621 (Confluence DC's
/// Tomcat page for a refused login).
const TOMCAT_401: Answer = Answer {
    status: 401,
    headers: &[
        ("content-type", "text/html;charset=utf-8"),
        ("x-seraph-loginreason", "AUTHENTICATED_FAILED"),
    ],
    body: include_str!("fixtures/answers/tomcat-401.html"),
};

#[tokio::test]
async fn confluence_s_tomcat_401_page_is_a_refused_token() {
    let err = rejected(
        Asker::DataCenter(Product::Confluence, AuthKind::Pat, PAT),
        &TOMCAT_401,
    )
    .await;
    assert_eq!(err.kind(), "bad-credentials", "{err:?}");
    says(&err, &["Confluence rejected", "personalaccesstokens"]);
}

/// Jira Cloud's documented behaviour (https://developer.atlassian.com/cloud/jira/platform/basic-auth-for-rest-apis/,
/// quoted in https://github.com/godaddy/jiractl/issues/28): a refused login can still be
/// served, anonymously, with `X-Seraph-LoginReason: AUTHENTICATED_FAILED`.
const ANONYMOUS_200: Answer = Answer {
    status: 200,
    headers: &[
        ("content-type", "application/json;charset=UTF-8"),
        ("x-seraph-loginreason", "AUTHENTICATED_FAILED"),
    ],
    body: r#"{"accountId":"5b10a2844c20165700ede21g","displayName":"Mia Krystof","active":true}"#,
};

#[tokio::test]
async fn a_200_marked_authenticated_failed_is_a_rejection() {
    let err = rejected(Asker::Cloud(Product::Jira, TOKEN), &ANONYMOUS_200).await;
    assert_eq!(err.kind(), "bad-credentials", "{err:?}");
    says(&err, &["rejected the email and token"]);
}

// ----- rate limits ------------------------------------------------------------------------

/// https://github.com/floralvikings/jira-connector/issues/250 and
/// https://github.com/apache/devlake/issues/2932 (Cloud's HTML 429, no Retry-After).
const CLOUD_429_HTML: Answer = Answer {
    status: 429,
    headers: &[("content-type", "text/html;charset=UTF-8")],
    body: include_str!("fixtures/answers/jira-cloud-429.html"),
};

/// https://github.com/ahungry/org-jira/issues/365 (Jira DC's Tomcat 429 with its rate-limit
/// headers).
const TOMCAT_429: Answer = Answer {
    status: 429,
    headers: &[
        ("content-type", "text/html;charset=utf-8"),
        ("x-seraph-loginreason", "OK"),
        ("x-ratelimit-limit", "5"),
        ("x-ratelimit-remaining", "0"),
        ("x-ratelimit-fillrate", "5"),
        ("x-ratelimit-interval-seconds", "1"),
    ],
    body: include_str!("fixtures/answers/tomcat-429.html"),
};

/// Data Center's headers, https://confluence.atlassian.com/conf87/_ratelimiting_httpheaders-1333822054.html:
/// `retry-after` "shows 0" while tokens remain.
const DC_429_RETRY_0: Answer = Answer {
    status: 429,
    headers: &[
        ("content-type", "text/html;charset=utf-8"),
        ("retry-after", "0"),
        ("x-ratelimit-limit", "50"),
        ("x-ratelimit-remaining", "0"),
        ("x-ratelimit-fillrate", "10"),
        ("x-ratelimit-interval-seconds", "60"),
    ],
    body: include_str!("fixtures/answers/tomcat-429.html"),
};

/// Cloud's JSON 429 (https://github.com/raycast/extensions/issues/29015) with the
/// `Retry-After` seconds of https://developer.atlassian.com/cloud/jira/platform/rate-limiting/.
const CLOUD_429_JSON: Answer = Answer {
    status: 429,
    headers: &[
        ("content-type", "application/json;charset=UTF-8"),
        ("retry-after", "30"),
        ("x-ratelimit-reset", "2026-12-06T22:31Z"),
        ("ratelimit-reason", "jira-burst-based"),
    ],
    body: r#"{"errorMessages":["The request has been rate-limited. Please try again later."],"errors":{},"status":429}"#,
};

#[tokio::test]
async fn rate_limits_give_a_wait_that_makes_sense() {
    let cases = [
        (
            Asker::Cloud(Product::Jira, TOKEN),
            &CLOUD_429_HTML,
            "retry after a minute",
        ),
        (
            Asker::Cloud(Product::Jira, TOKEN),
            &CLOUD_429_JSON,
            "retry after 30 s",
        ),
        (
            Asker::DataCenter(Product::Jira, AuthKind::Pat, PAT),
            &TOMCAT_429,
            "retry after 1 s",
        ),
        (
            Asker::DataCenter(Product::Confluence, AuthKind::Pat, PAT),
            &DC_429_RETRY_0,
            "retry after 60 s",
        ),
    ];
    for (asker, answer, want) in cases {
        let err = rejected(asker, answer).await;
        assert_eq!(err.kind(), "rate-limited", "{err:?}");
        says(&err, &[want]);
        assert!(!err.to_string().contains(" 0 s"), "{err}");
    }
}

/// `Retry-After` as an HTTP date (RFC 9110 §10.2.3, the form Cloud's CDN and proxies send):
/// a date two minutes ahead is a wait of about two minutes; one gone by is never "0 s".
#[tokio::test]
async fn retry_after_as_an_http_date() {
    let ahead = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(120);
    let ahead = jiff::fmt::rfc2822::DateTimePrinter::new()
        .timestamp_to_rfc9110_string(&ahead)
        .unwrap();
    for (date, wants) in [
        (ahead.as_str(), &["retry after 1"][..]),
        (
            "Fri, 31 Dec 1999 23:59:59 GMT",
            &["retry after a minute"][..],
        ),
    ] {
        let response = ResponseTemplate::new(429)
            .insert_header("retry-after", date)
            .set_body_raw(
                include_str!("fixtures/answers/tomcat-429.html"),
                "text/html",
            );
        let asker = Asker::DataCenter(Product::Jira, AuthKind::Pat, PAT);
        let (err, _) = rejected_with(asker, response).await;
        assert_eq!(err.kind(), "rate-limited", "{err:?}");
        says(&err, wants);
        assert!(!err.to_string().contains(" 0 s"), "{err}");
    }
}

// ----- pages that are not the API ---------------------------------------------------------------

/// https://github.com/Qytera-Gmbh/cypress-xray-plugin/issues/511 (Jira 9.12 answering a
/// personal access token's REST request with its login page; shortened).
const LOGIN_PAGE_200: Answer = Answer {
    status: 200,
    headers: &[("content-type", "text/html;charset=UTF-8")],
    body: include_str!("fixtures/answers/jira-login-200.html"),
};

/// https://github.com/go-jira/jira/issues/445 (Jira behind ADFS; the client saw "invalid
/// character '<'", a page where JSON was due). The issue does not quote the page, so the
/// body is the shortest such page, and the proxy sends no content type.
const PORTAL_200: Answer = Answer {
    status: 200,
    headers: &[],
    body: "<html><head><title>Sign In</title></head><body><form method=\"post\" action=\"/adfs/ls/\"></form></body></html>",
};

#[tokio::test]
async fn an_html_page_with_200_is_a_sign_in_page_not_the_api() {
    for (asker, answer) in [
        (
            Asker::DataCenter(Product::Jira, AuthKind::Pat, PAT),
            &LOGIN_PAGE_200,
        ),
        (Asker::Cloud(Product::Jira, TOKEN), &PORTAL_200),
    ] {
        let err = rejected(asker, answer).await;
        assert_eq!(err.kind(), "login-page", "{err:?}");
        says(&err, &["sign-in page, not Jira's REST API"]);
    }
}

/// https://github.com/ankitpokhrel/jira-cli/issues/323 (a Cloud-style token sent to a Data
/// Center site: a 403 HTML page; shortened).
const FORBIDDEN_403_HTML: Answer = Answer {
    status: 403,
    headers: &[("content-type", "text/html;charset=UTF-8")],
    body: include_str!("fixtures/answers/jira-403.html"),
};

#[tokio::test]
async fn a_403_page_is_a_refusal_not_a_crash() {
    let err = rejected(
        Asker::DataCenter(Product::Jira, AuthKind::Pat, PAT),
        &FORBIDDEN_403_HTML,
    )
    .await;
    assert_eq!(err.kind(), "forbidden", "{err:?}");
    says(&err, &["refused access (403)"]);
}

// ----- Confluence Data Center -----------------------------------------------------------------

/// https://confluence.atlassian.com/confkb/authentication_denied-error-when-accessing-confluence-content-via-rest-api-call-966681459.html
/// (Confluence DC's 401 once it wants a CAPTCHA: no login URL, only Seraph's reason).
const CONFLUENCE_DENIED_401: Answer = Answer {
    status: 401,
    headers: &[
        ("content-type", "text/html;charset=utf-8"),
        ("x-seraph-loginreason", "AUTHENTICATION_DENIED"),
        ("www-authenticate", "OAuth realm=\"HOST\""),
    ],
    body: "",
};

#[tokio::test]
async fn confluence_s_captcha_401_sends_the_user_to_its_login_page() {
    let asker = Asker::DataCenter(Product::Confluence, AuthKind::Password, PASSWORD);
    let (err, site) = rejected_with(asker, CONFLUENCE_DENIED_401.template()).await;
    assert_eq!(err.kind(), "captcha", "{err:?}");
    says(&err, &[&format!("{site}/login.action"), "browser"]);
}

/// The status body of Atlassian's REST module on Server/Data Center products when a request
/// is not logged in, as clients record it; e.g. the Bitbucket Server webhook plugin's API
/// notes and test fixtures found through public code search quote exactly this text.
const CONFLUENCE_XML_401: Answer = Answer {
    status: 401,
    headers: &[("content-type", "application/xml;charset=UTF-8")],
    body: r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><status><status-code>401</status-code><message>Client must be authenticated to access this resource.</message></status>"#,
};

/// https://community.developer.atlassian.com/t/confluence-rest-is-not-returing-json-in-http-response-body-in-case-of-an-error/55894
/// (Confluence Cloud's 401 to a password, with the proxy's headers).
const CONFLUENCE_CLOUD_PASSWORD_401: Answer = Answer {
    status: 401,
    headers: &[
        ("server", "AtlassianProxy/"),
        ("content-type", "text/plain"),
        ("atl-traceid", "6099d826e3a10244"),
        ("x-content-type-options", "nosniff"),
    ],
    body: "Basic authentication with passwords is deprecated.  For more information, see: https://confluence.atlassian.com/cloud/deprecation-of-basic-authentication-with-passwords-for-jira-and-confluence-apis-972355348.html\n",
};

#[tokio::test]
async fn confluence_s_xml_401_is_a_refused_token() {
    let err = rejected(
        Asker::DataCenter(Product::Confluence, AuthKind::Pat, PAT),
        &CONFLUENCE_XML_401,
    )
    .await;
    assert_eq!(err.kind(), "bad-credentials", "{err:?}");
    says(&err, &["Confluence rejected", "personalaccesstokens"]);
    let err = rejected(
        Asker::Cloud(Product::Confluence, PASSWORD),
        &CONFLUENCE_CLOUD_PASSWORD_401,
    )
    .await;
    assert_eq!(err.kind(), "cloud-needs-api-token", "{err:?}");
}

/// A classic-looking Cloud token that the site refuses and the gateway takes, but without
/// the user scope: with the user's consent to try the gateway, the message is the gateway's
/// (which scope is missing), not the site's "wrong email or token".
#[tokio::test]
async fn the_gateway_s_scope_refusal_wins_over_the_site_s_401() {
    let site = MockServer::start().await;
    mount_tenant_info(&site, CLOUD_ID).await;
    Mock::given(method("GET"))
        .and(path_regex(USER_API))
        .respond_with(TOMCAT_401.template())
        .expect(1)
        .mount(&site)
        .await;
    let gateway = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path(format!("/ex/jira/{CLOUD_ID}/rest/api/3/myself")))
        .respond_with(SCOPE_401.template())
        .expect(1)
        .mount(&gateway)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::new());
    let svc = service_via(dir.path(), secrets.clone(), &gateway.uri());
    let mut new = Asker::Cloud(Product::Jira, TOKEN).new_connection(&site.uri());
    new.options.gateway_fallback = true;
    let err = svc
        .add(
            prepare(&new).unwrap(),
            SecretString::from(TOKEN),
            &Cancel::new(),
        )
        .await
        .expect_err("neither accepts it for the user API");
    site.verify().await;
    gateway.verify().await;
    nothing_saved(&svc, &secrets, dir.path(), TOKEN);
    never_echoed(&err, TOKEN);
    assert_eq!(err.kind(), "missing-scope", "{err:?}");
    says(&err, &["read:jira-user"]);
}
