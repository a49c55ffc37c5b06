//! From an answer to an account, or to the error it means. Pure: no IO, and fuzzed.
//!
//! This is where the server's text enters the program: everything read from an answer goes
//! through [`Redact::server_text`], which removes control characters, redacts the secret
//! in every form it was sent in, and caps each field's length.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::Value;

use crate::core::connection::{AuthKind, Deployment, Product, login_kind, product_token_page};
use crate::core::error::Error;
use crate::core::site_url::SiteUrl;

use super::{Account, Credentials};

/// A response as received, before classification.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub url: String,
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// The secret the request carried, to be kept out of anything read from the answer.
    pub redact: Redact,
}

impl RawResponse {
    /// The header `name` as text; empty when it is absent or not text.
    pub(crate) fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// Whether the body is an HTML page (a login or SSO page) rather than an API's answer:
    /// by its content type, or by its first character.
    pub(super) fn is_html(&self) -> bool {
        self.header("content-type")
            .to_ascii_lowercase()
            .contains("text/html")
            || trim_ascii_start(&self.body).first() == Some(&b'<')
    }
}

#[cfg(test)]
impl RawResponse {
    /// An answer from `url`, for the classifiers' unit tests.
    pub(crate) fn fake(
        url: &str,
        status: u16,
        headers: &[(&'static str, &str)],
        body: &str,
    ) -> Self {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.insert(*k, reqwest::header::HeaderValue::from_str(v).unwrap());
        }
        RawResponse {
            url: url.into(),
            status: StatusCode::from_u16(status).unwrap(),
            headers: map,
            body: body.as_bytes().to_vec(),
            redact: Redact::default(),
        }
    }
}

/// The most characters kept of a display name from the server.
pub const MAX_NAME_CHARS: usize = 256;
/// The most characters kept of an email address from the server (RFC 5321's limit).
pub const MAX_EMAIL_CHARS: usize = 254;
/// The most characters kept of an account id, key or username from the server.
pub const MAX_ID_CHARS: usize = 255;
/// The most characters kept of the server's version.
pub const MAX_VERSION_CHARS: usize = 64;
/// The most characters kept of an error detail from the server (a 403's message).
pub const MAX_DETAIL_CHARS: usize = 200;
/// The most characters kept of a body quoted in an error.
pub const MAX_SNIPPET_CHARS: usize = 80;
/// The most characters kept of an address taken from a redirect or CAPTCHA header.
pub const MAX_LOCATION_CHARS: usize = 300;

/// What stands in for a redacted secret.
pub const REDACTED: &str = "[redacted]";

/// The forms in which a request carried its secret: the secret itself (also the Bearer
/// form), Basic's base64 of `login:secret`, and the secret as JSON escapes it. Text read
/// from the answer has each of them replaced by [`REDACTED`], so a proxy or WAF that echoes
/// the credentials ("invalid bearer …") cannot put them on disk or on screen.
#[derive(Clone, Default)]
pub struct Redact {
    forms: Vec<SecretString>,
}

impl std::fmt::Debug for Redact {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Redact({} forms)", self.forms.len())
    }
}

impl Redact {
    /// The forms of `creds`' secret as the request sent it.
    pub fn credentials(creds: &Credentials<'_>) -> Self {
        let secret = creds.secret.expose_secret();
        let mut forms = vec![secret.to_string()];
        if let Ok(json) = serde_json::to_string(secret) {
            let escaped = &json[1..json.len() - 1];
            forms.push(escaped.to_string());
            forms.push(escaped.replace('/', "\\/"));
        }
        if matches!(creds.auth, AuthKind::ApiToken | AuthKind::Password) {
            let login = creds.login.unwrap_or_default();
            let basic = base64(format!("{login}:{secret}").as_bytes());
            // Without its padding, so that a re-padded or cut echo is caught too.
            forms.push(basic.trim_end_matches('=').to_string());
        }
        forms.retain(|f| !f.is_empty());
        forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
        forms.dedup();
        Redact {
            forms: forms.into_iter().map(SecretString::from).collect(),
        }
    }

    /// These forms and those of another secret sent in the same request, such as an access
    /// token beside the client secret it was minted from.
    pub(crate) fn with(self, secret: &SecretString) -> Self {
        let other = Redact::credentials(&Credentials {
            auth: AuthKind::Pat,
            login: None,
            secret,
        });
        self.merged(other)
    }

    /// These forms and `secret` as a form-encoded body carries it.
    pub(crate) fn with_form_encoded(self, secret: &SecretString) -> Self {
        let encoded: String =
            url::form_urlencoded::byte_serialize(secret.expose_secret().as_bytes()).collect();
        let upper = encoded.clone();
        let lower = percent_lower(&encoded);
        self.merged(Redact {
            forms: [upper, lower].into_iter().map(SecretString::from).collect(),
        })
    }

    fn merged(self, other: Redact) -> Self {
        let mut forms: Vec<String> = self
            .forms
            .iter()
            .chain(other.forms.iter())
            .map(|f| f.expose_secret().to_string())
            .filter(|f| !f.is_empty())
            .collect();
        forms.sort_by_key(|f| std::cmp::Reverse(f.len()));
        forms.dedup();
        Redact {
            forms: forms.into_iter().map(SecretString::from).collect(),
        }
    }

    /// `text` with every form of the secret replaced.
    pub(crate) fn apply(&self, text: &str) -> String {
        let mut out = text.to_string();
        for form in &self.forms {
            let form = form.expose_secret();
            if out.contains(form) {
                out = out.replace(form, REDACTED);
            }
        }
        out
    }

    /// Text from the server made safe to store and print: control characters (ESC and CSI
    /// included) and bidirectional overrides removed, line breaks and tabs turned into
    /// spaces, the secret redacted, trimmed, and cut to `max_chars` characters.
    pub(crate) fn server_text(&self, text: &str, max_chars: usize) -> String {
        let clean: String = text
            .chars()
            .filter_map(|c| match c {
                '\t' | '\n' | '\r' => Some(' '),
                c if c.is_control() || is_bidi_control(c) => None,
                c => Some(c),
            })
            .collect();
        truncate(self.apply(&clean).trim(), max_chars)
    }
}

/// Percent escapes in lower case (`%2f`), as some servers echo them.
fn percent_lower(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut hex_left = 0;
    for c in text.chars() {
        if c == '%' {
            hex_left = 2;
            out.push(c);
        } else if hex_left > 0 {
            hex_left -= 1;
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Characters that reorder text on screen (bidirectional embeddings, overrides and
/// isolates, and the invisible direction marks).
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
    )
}

/// Standard base64 with padding, as HTTP Basic auth encodes `login:secret`.
fn base64(bytes: &[u8]) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(TABLE[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Myself {
    account_id: Option<String>,
    key: Option<String>,
    name: Option<String>,
    display_name: Option<String>,
    email_address: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct TenantInfo {
    pub(super) cloud_id: Option<String>,
}

/// Cloud ids are UUIDs; anything else is not used in a URL path.
pub(super) fn is_cloud_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

/// Confluence's `user/current`: Cloud has `accountId` and `email`, Server/DC has
/// `userKey` and `username`. Without credentials it answers 200 with `"type": "anonymous"`.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ConfluenceUser {
    #[serde(rename = "type")]
    kind: Option<String>,
    account_id: Option<String>,
    user_key: Option<String>,
    username: Option<String>,
    display_name: Option<String>,
    public_name: Option<String>,
    email: Option<String>,
}

#[derive(Deserialize)]
struct ServerInfo {
    version: Option<String>,
}

pub(super) fn parse_server_version(resp: &RawResponse) -> Option<String> {
    let version = serde_json::from_slice::<ServerInfo>(&resp.body)
        .ok()?
        .version?;
    Some(resp.redact.server_text(&version, MAX_VERSION_CHARS)).filter(|v| !v.is_empty())
}

/// Turns a `/myself` (Jira) or `user/current` (Confluence) response into the account, or
/// into the error it means.
///
/// This is where the server's text enters the program: every field of the account and
/// every detail in the error is passed through [`Redact::server_text`] with its cap. An
/// answer without an account id (`accountId` on Cloud; `key` or `name` on Server/DC) is
/// [`Error::Malformed`], even when it parses.
pub fn classify_for(
    resp: &RawResponse,
    site: &SiteUrl,
    deployment: Deployment,
    product: Product,
) -> Result<Account, Error> {
    let status = resp.status;
    let redact = &resp.redact;
    let seraph = resp.header("x-seraph-loginreason");
    let denied = resp.header("x-authentication-denied-reason");
    let bad_credentials = || Error::BadCredentials {
        product: product.title(),
        login_kind: login_kind(deployment),
        token_page: product_token_page(product, deployment, site.as_str()),
    };

    let seraph = seraph.to_ascii_uppercase();
    // Server/Data Center's Seraph answers AUTHENTICATION_DENIED without checking the
    // password, most often because the account must pass a CAPTCHA; Confluence says no more
    // than that (a 401 until a login in the browser), Jira adds the login URL in
    // X-Authentication-Denied-Reason.
    if denied.to_ascii_uppercase().contains("CAPTCHA")
        || (deployment == Deployment::DataCenter && seraph.contains("AUTHENTICATION_DENIED"))
    {
        return Err(Error::Captcha {
            login_url: redact.server_text(&login_url(denied, site, product), MAX_LOCATION_CHARS),
        });
    }
    if seraph.contains("AUTHENTICATED_FAILED") || seraph.contains("AUTHENTICATION_DENIED") {
        return Err(bad_credentials());
    }

    match status.as_u16() {
        200 => {}
        301 | 302 | 303 | 307 | 308 => return Err(redirect_error(resp, site)),
        401 if is_scope_check(resp) => {
            return Err(Error::MissingScope {
                product: product.title(),
                scopes: user_scopes(product),
                token_page: product_token_page(product, Deployment::Cloud, site.as_str()),
            });
        }
        // Cloud's answer to a password: text/plain, "Basic authentication with passwords is
        // deprecated. For more information, see: …".
        401 if body_says(resp, "basic authentication with passwords is deprecated") => {
            return Err(Error::CloudNeedsApiToken {
                token_page: product_token_page(product, Deployment::Cloud, site.as_str()),
            });
        }
        401 => return Err(bad_credentials()),
        // Data Center 8.16+ with Basic authentication blocked: a 403 with
        // {"message":"Basic Authentication has been disabled on this instance."}.
        403 if body_says(resp, "basic authentication has been disabled") => {
            return Err(Error::BasicAuthDisabled {
                product: product.title(),
                token_page: product_token_page(product, Deployment::DataCenter, site.as_str()),
            });
        }
        403 => {
            return Err(Error::Forbidden {
                detail: jira_error_detail(resp),
            });
        }
        404 | 405 | 410 => {
            return Err(Error::NotJira {
                url: site.to_string(),
                detail: format!("HTTP {} at {}", status.as_u16(), api_path(&resp.url)),
            });
        }
        429 => {
            return Err(Error::RateLimited {
                retry_after: retry_after(&resp.headers),
            });
        }
        s if (500..600).contains(&s) => return Err(Error::ServerError { status: s }),
        s => return Err(Error::UnexpectedStatus { status: s }),
    }

    if resp.is_html() {
        return Err(Error::LoginPage { location: None });
    }
    let trimmed = trim_ascii_start(&resp.body);
    if trimmed.is_empty() {
        return Err(Error::NotJira {
            url: site.to_string(),
            detail: "an empty answer to the user API".into(),
        });
    }
    let not_json = || {
        if trimmed.first() == Some(&b'{') {
            Error::Malformed {
                snippet: snippet(resp),
            }
        } else {
            Error::NotJira {
                url: site.to_string(),
                detail: format!("a non-JSON answer: {:?}", snippet(resp)),
            }
        }
    };
    let cloud = deployment == Deployment::Cloud;
    let (account_id, display_name, email, username) = match product {
        Product::Jira => {
            let me: Myself = serde_json::from_slice(&resp.body).map_err(|_| not_json())?;
            let account_id = if cloud {
                non_empty(me.account_id)
            } else {
                non_empty(me.key).or_else(|| non_empty(me.name.clone()))
            };
            (account_id, me.display_name, me.email_address, me.name)
        }
        Product::Confluence => {
            let me: ConfluenceUser = serde_json::from_slice(&resp.body).map_err(|_| not_json())?;
            // Confluence answers an unauthenticated request with the anonymous user.
            if me.kind.as_deref() == Some("anonymous") {
                return Err(bad_credentials());
            }
            let account_id = if cloud {
                non_empty(me.account_id)
            } else {
                non_empty(me.user_key).or_else(|| non_empty(me.username.clone()))
            };
            let display_name = non_empty(me.display_name).or(me.public_name);
            (account_id, display_name, me.email, me.username)
        }
    };
    let text = |value: Option<String>, max: usize| {
        value
            .map(|v| redact.server_text(&v, max))
            .filter(|v| !v.is_empty())
    };
    let account_id = text(account_id, MAX_ID_CHARS);
    let username = text(username, MAX_ID_CHARS);
    let email = text(email, MAX_EMAIL_CHARS);
    match (account_id, display_name) {
        (Some(account_id), Some(display_name)) => Ok(Account {
            // A name that is empty once cleaned is shown as the login or the id instead.
            display_name: text(Some(display_name), MAX_NAME_CHARS)
                .or_else(|| username.clone())
                .unwrap_or_else(|| account_id.clone()),
            account_id,
            email,
            username,
            server_version: None,
            cloud_id: None,
            scoped: false,
        }),
        _ => Err(Error::Malformed {
            snippet: snippet(resp),
        }),
    }
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.trim().is_empty())
}

fn redirect_error(resp: &RawResponse, site: &SiteUrl) -> Error {
    let Some(location) = resp
        .headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
    else {
        return Error::UnexpectedStatus {
            status: resp.status.as_u16(),
        };
    };
    let shown = |text: String| resp.redact.server_text(&text, MAX_LOCATION_CHARS);
    let target = url::Url::parse(&resp.url)
        .and_then(|base| base.join(location))
        .map(|u| u.to_string())
        .unwrap_or_else(|_| location.to_string());
    if looks_like_login(&target) {
        return Error::LoginPage {
            location: Some(shown(strip_query(&target))),
        };
    }
    // A redirect of the API path itself means the site moved: suggest the new base.
    let suggested = target
        .find("/rest/api/")
        .map(|i| target[..i].to_string())
        .unwrap_or_else(|| strip_query(&target));
    let suggested = SiteUrl::parse(&suggested, true)
        .map(|s| s.to_string())
        .unwrap_or(suggested);
    if suggested == site.as_str() {
        return Error::LoginPage {
            location: Some(shown(strip_query(&target))),
        };
    }
    Error::Moved {
        location: shown(strip_query(&target)),
        suggested: shown(suggested),
    }
}

fn looks_like_login(target: &str) -> bool {
    let lower = target.to_ascii_lowercase();
    [
        "login", "logon", "signin", "sign-in", "sso", "saml", "oauth", "openid", "adfs", "okta",
        "auth0", "/idp", "/cas/",
    ]
    .iter()
    .any(|needle| lower.contains(needle))
}

fn strip_query(target: &str) -> String {
    target
        .split(['?', '#'])
        .next()
        .unwrap_or(target)
        .to_string()
}

fn login_url(denied: &str, site: &SiteUrl, product: Product) -> String {
    // Jira puts the login URL after the reason: "CAPTCHA_CHALLENGE; login-url=https://…".
    denied
        .split(';')
        .filter_map(|part| part.trim().strip_prefix("login-url="))
        .map(str::to_string)
        .next()
        .unwrap_or_else(|| match product {
            Product::Jira => site.join("/login.jsp"),
            Product::Confluence => site.join("/login.action"),
        })
}

/// How long to wait after a 429: `Retry-After` in seconds or as an HTTP date. When it says
/// nothing useful (absent, unreadable, 0 or a date gone by: Data Center sends `retry-after:
/// 0` while tokens remain), Data Center's `X-RateLimit-Interval-Seconds`, the time until its
/// next tokens; `None` when neither is given.
pub(super) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    let given = text("retry-after").and_then(|value| {
        if let Ok(secs) = value.parse::<u64>() {
            return Some(secs);
        }
        // An HTTP date: convert to seconds from now.
        let when = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
        Some((when.as_second() - jiff::Timestamp::now().as_second()).max(0) as u64)
    });
    let interval = || {
        text("x-ratelimit-interval-seconds")
            .and_then(|v| v.parse::<u64>().ok())
            .filter(|&secs| secs > 0)
    };
    given
        .filter(|&secs| secs > 0)
        .or_else(interval)
        .map(Duration::from_secs)
}

/// Whether a 401 comes from the API gateway's scope check: `X-Failure-Category:
/// FAILURE_CLIENT_SCOPE_CHECK`, with `{"code":401,"message":"Unauthorized; scope does not
/// match"}`.
fn is_scope_check(resp: &RawResponse) -> bool {
    resp.header("x-failure-category")
        .to_ascii_uppercase()
        .contains("SCOPE_CHECK")
        || body_says(resp, "scope does not match")
}

/// Whether the start of the body says `needle` (lower case), in any case.
fn body_says(resp: &RawResponse, needle: &str) -> bool {
    let start = &resp.body[..resp.body.len().min(4096)];
    String::from_utf8_lossy(start)
        .to_ascii_lowercase()
        .contains(needle)
}

/// The scopes the user API needs: classic, then granular, as the token page lists them.
fn user_scopes(product: Product) -> &'static str {
    match product {
        Product::Jira => "read:jira-user (or the granular read:user:jira)",
        Product::Confluence => "read:confluence-user (or the granular read:user:confluence)",
    }
}

/// The messages of a Jira error body, cleaned and capped, as ": text"; empty when there
/// are none. Jira puts them in `errorMessages` (a list), `errors` (a map from field to
/// message; some servers send a list of `{"message": …}` instead) and `message`.
pub(super) fn jira_error_detail(resp: &RawResponse) -> String {
    let Ok(body) = serde_json::from_slice::<Value>(&resp.body) else {
        return String::new();
    };
    let mut parts: Vec<&str> = Vec::new();
    if let Some(list) = body.get("errorMessages").and_then(Value::as_array) {
        parts.extend(list.iter().filter_map(Value::as_str));
    }
    match body.get("errors") {
        Some(Value::Object(map)) => parts.extend(map.values().filter_map(Value::as_str)),
        Some(Value::Array(list)) => parts.extend(
            list.iter()
                .filter_map(|e| e.get("message").and_then(Value::as_str)),
        ),
        _ => {}
    }
    parts.extend(body.get("message").and_then(Value::as_str));
    let text = resp.redact.server_text(&parts.join("; "), MAX_DETAIL_CHARS);
    if text.is_empty() {
        String::new()
    } else {
        format!(": {text}")
    }
}

fn api_path(url: &str) -> String {
    url::Url::parse(url)
        .map(|u| u.path().to_string())
        .unwrap_or_else(|_| url.to_string())
}

fn trim_ascii_start(body: &[u8]) -> &[u8] {
    let start = body
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(body.len());
    &body[start..]
}

/// The start of a body, as text, for error messages. The whole body is cleaned and
/// redacted before it is cut, so a secret that straddles the cut cannot leave half of itself.
fn snippet(resp: &RawResponse) -> String {
    resp.redact
        .server_text(&String::from_utf8_lossy(&resp.body), MAX_SNIPPET_CHARS)
}

fn truncate(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max_chars).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn site() -> SiteUrl {
        SiteUrl::parse("https://jira.corp.example/jira", false).unwrap()
    }

    fn resp(status: u16, headers: &[(&'static str, &str)], body: &str) -> RawResponse {
        let url = "https://jira.corp.example/jira/rest/api/2/myself";
        RawResponse::fake(url, status, headers, body)
    }

    fn classify_dc(r: &RawResponse) -> Result<Account, Error> {
        classify_for(r, &site(), Deployment::DataCenter, Product::Jira)
    }

    #[test]
    fn a_data_center_user_parses() {
        let r = resp(
            200,
            &[("content-type", "application/json;charset=UTF-8")],
            r#"{"key":"JIRAUSER10100","name":"mia","displayName":"Mia Krystof","emailAddress":"mia@example.com"}"#,
        );
        let a = classify_dc(&r).unwrap();
        assert_eq!(a.account_id, "JIRAUSER10100");
        assert_eq!(a.username.as_deref(), Some("mia"));
        assert_eq!(a.display_name, "Mia Krystof");
        assert_eq!(a.email.as_deref(), Some("mia@example.com"));
    }

    #[test]
    fn a_cloud_user_parses() {
        let r = resp(
            200,
            &[("content-type", "application/json")],
            r#"{"accountId":"5b10a2844c20165700ede21g","displayName":"Mia Krystof","emailAddress":"mia@example.com","active":true}"#,
        );
        let a = classify_for(&r, &site(), Deployment::Cloud, Product::Jira).unwrap();
        assert_eq!(a.account_id, "5b10a2844c20165700ede21g");
        assert_eq!(a.username, None);
    }

    #[test]
    fn each_failure_maps_to_its_error() {
        let cases: Vec<(RawResponse, &str)> = vec![
            (
                resp(401, &[("x-seraph-loginreason", "AUTHENTICATED_FAILED")], ""),
                "BadCredentials",
            ),
            (resp(401, &[], ""), "BadCredentials"),
            (
                resp(
                    200,
                    &[("x-seraph-loginreason", "AUTHENTICATED_FAILED")],
                    "{}",
                ),
                "BadCredentials",
            ),
            (
                resp(
                    403,
                    &[(
                        "x-authentication-denied-reason",
                        "CAPTCHA_CHALLENGE; login-url=https://jira.corp.example/jira/login.jsp",
                    )],
                    "",
                ),
                "Captcha",
            ),
            (
                resp(403, &[], r#"{"errorMessages":["no access"]}"#),
                "Forbidden",
            ),
            (resp(429, &[("retry-after", "17")], ""), "RateLimited"),
            (
                resp(404, &[("content-type", "text/html")], "<html>"),
                "NotJira",
            ),
            (
                resp(200, &[("content-type", "text/html")], "<html><form>"),
                "LoginPage",
            ),
            (resp(200, &[], "  <!DOCTYPE html>"), "LoginPage"),
            (
                resp(200, &[("content-type", "application/json")], ""),
                "NotJira",
            ),
            (resp(200, &[], "hello"), "NotJira"),
            (
                resp(200, &[("content-type", "application/json")], r#"{"foo":1}"#),
                "Malformed",
            ),
            (
                resp(200, &[("content-type", "application/json")], r#"{"foo":"#),
                "Malformed",
            ),
            (
                resp(
                    302,
                    &[("location", "https://idp.corp.example/saml/login?x=1")],
                    "",
                ),
                "LoginPage",
            ),
            (
                resp(
                    302,
                    &[("location", "https://new.corp.example/rest/api/2/myself")],
                    "",
                ),
                "Moved",
            ),
            (resp(503, &[], ""), "ServerError"),
            (resp(418, &[], ""), "UnexpectedStatus"),
        ];
        for (r, want) in cases {
            let err = classify_dc(&r).expect_err(want);
            let got = format!("{err:?}");
            assert!(
                got.starts_with(want),
                "status {}: want {want}, got {got}",
                r.status
            );
        }
    }

    #[test]
    fn messages_say_what_to_do() {
        let captcha = classify_dc(&resp(
            403,
            &[(
                "x-authentication-denied-reason",
                "CAPTCHA_CHALLENGE; login-url=https://jira.corp.example/jira/login.jsp",
            )],
            "",
        ))
        .unwrap_err()
        .to_string();
        assert!(
            captcha.contains(
                "Log in once in your browser at https://jira.corp.example/jira/login.jsp"
            ),
            "{captcha}"
        );
        let limited = classify_dc(&resp(429, &[("retry-after", "17")], ""))
            .unwrap_err()
            .to_string();
        assert!(limited.contains("retry after 17 s"), "{limited}");
        let moved = classify_dc(&resp(
            301,
            &[(
                "location",
                "https://new.corp.example/jira/rest/api/2/myself",
            )],
            "",
        ))
        .unwrap_err()
        .to_string();
        assert!(
            moved.contains("use https://new.corp.example/jira as the address"),
            "{moved}"
        );
        let bad = classify_dc(&resp(401, &[], "")).unwrap_err().to_string();
        assert!(bad.contains("username and token"), "{bad}");
        assert!(bad.contains("/secure/ViewProfile.jspa"), "{bad}");
    }

    #[test]
    fn relative_redirects_resolve_against_the_request() {
        let err = classify_dc(&resp(
            302,
            &[("location", "/jira/login.jsp?os_destination=x")],
            "",
        ))
        .unwrap_err();
        match err {
            Error::LoginPage { location } => {
                assert_eq!(
                    location.as_deref(),
                    Some("https://jira.corp.example/jira/login.jsp")
                )
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn confluence_users_parse_and_anonymous_is_a_rejection() {
        let json = [("content-type", "application/json")];
        let cloud = resp(
            200,
            &json,
            r#"{"type":"known","accountId":"5b10a","email":"mia@example.com","publicName":"mia","displayName":"Mia Krystof"}"#,
        );
        let a = classify_for(&cloud, &site(), Deployment::Cloud, Product::Confluence).unwrap();
        assert_eq!(a.account_id, "5b10a");
        assert_eq!(a.email.as_deref(), Some("mia@example.com"));
        let dc = resp(
            200,
            &json,
            r#"{"type":"known","username":"mia","userKey":"8a7f","displayName":"Mia Krystof"}"#,
        );
        let a = classify_for(&dc, &site(), Deployment::DataCenter, Product::Confluence).unwrap();
        assert_eq!(a.account_id, "8a7f");
        assert_eq!(a.username.as_deref(), Some("mia"));
        let only_public = resp(200, &json, r#"{"accountId":"5b10a","publicName":"mia"}"#);
        let a = classify_for(
            &only_public,
            &site(),
            Deployment::Cloud,
            Product::Confluence,
        )
        .unwrap();
        assert_eq!(a.display_name, "mia");

        let anonymous = resp(
            200,
            &json,
            r#"{"type":"anonymous","displayName":"Anonymous"}"#,
        );
        let err = classify_for(
            &anonymous,
            &site(),
            Deployment::DataCenter,
            Product::Confluence,
        )
        .unwrap_err();
        assert!(matches!(err, Error::BadCredentials { .. }), "{err:?}");
        let text = err.to_string();
        assert!(text.starts_with("Confluence rejected"), "{text}");
        assert!(
            text.contains("/plugins/personalaccesstokens/usertokens.action"),
            "{text}"
        );
        // A Jira answer is not a Confluence user.
        let jira = resp(200, &json, r#"{"key":"JIRAUSER1","name":"mia"}"#);
        assert!(classify_for(&jira, &site(), Deployment::DataCenter, Product::Confluence).is_err());
    }

    /// A response to a request that carried `secret`, Basic with `mia@example.com` or Bearer.
    fn answered(auth: AuthKind, secret: &str, r: RawResponse) -> RawResponse {
        let secret = SecretString::from(secret);
        RawResponse {
            redact: Redact::credentials(&Credentials {
                auth,
                login: Some("mia@example.com"),
                secret: &secret,
            }),
            ..r
        }
    }

    #[test]
    fn the_secret_is_redacted_from_whatever_the_server_echoes() {
        let token = "ATATT3xFfGF0/echo-me+Zq9";
        let basic = base64(format!("mia@example.com:{token}").as_bytes());
        let json_escaped = token.replace('/', "\\/");
        let cases = [
            resp(
                403,
                &[],
                &format!(
                    r#"{{"errorMessages":["invalid bearer {token}"],"message":"Basic {basic}"}}"#
                ),
            ),
            resp(200, &[], &format!("token {token} refused")),
            resp(200, &[], &format!(r#"{{"x":"{json_escaped}"}}"#)),
            // Hidden behind an escape sequence, and past where the snippet is cut.
            resp(
                200,
                &[],
                &format!("{}{}\u{1b}{}", " ".repeat(70), &token[..6], &token[6..]),
            ),
            resp(
                302,
                &[("location", &format!("https://proxy.example/{token}/login"))],
                "",
            ),
            resp(
                403,
                &[(
                    "x-authentication-denied-reason",
                    &format!("CAPTCHA_CHALLENGE; login-url=https://jira.example/{basic}"),
                )],
                "",
            ),
        ];
        for r in cases {
            let err = classify_dc(&answered(AuthKind::ApiToken, token, r)).unwrap_err();
            let text = format!("{err} {err:?}");
            assert!(!text.contains(token), "{text}");
            assert!(!text.contains(&token[..12]), "{text}");
            assert!(!text.contains(&basic[..basic.len() - 4]), "{text}");
            assert!(text.contains(REDACTED), "{text}");
        }
        // A personal access token, sent as Bearer.
        let r = resp(
            403,
            &[],
            &format!(r#"{{"message":"invalid bearer {token}"}}"#),
        );
        let text = classify_dc(&answered(AuthKind::Pat, token, r))
            .unwrap_err()
            .to_string();
        assert!(text.contains("invalid bearer [redacted]"), "{text}");
        // And from the account.
        let r = resp(
            200,
            &[],
            &format!(
                r#"{{"key":"k-{token}","name":"mia","displayName":"Mia {token}","emailAddress":"{basic}@x"}}"#
            ),
        );
        let a = classify_dc(&answered(AuthKind::ApiToken, token, r)).unwrap();
        let text = format!("{a:?}");
        assert!(
            !text.contains(token) && !text.contains(&basic[..20]),
            "{text}"
        );
        assert_eq!(a.display_name, "Mia [redacted]");
    }

    #[test]
    fn control_characters_and_bidi_overrides_are_stripped() {
        let r = resp(
            200,
            &[],
            "{\"key\":\"JIRAUSER1\",\"name\":\"mia\",\"displayName\":\"Mia \\u001b]8;;https://evil\\u0007\\u009b2JKrystof\\u202e\",\"emailAddress\":\"mia@example.com\\r\\n\"}",
        );
        let a = classify_dc(&r).unwrap();
        assert_eq!(a.display_name, "Mia ]8;;https://evil2JKrystof");
        assert_eq!(a.email.as_deref(), Some("mia@example.com"));
        let r = resp(
            403,
            &[],
            "{\"errorMessages\":[\"no\\u001b[2J access\\nhere\"]}",
        );
        let text = classify_dc(&r).unwrap_err().to_string();
        assert!(text.contains(": no[2J access here."), "{text}");
        assert!(!text.chars().any(char::is_control), "{text:?}");
    }

    #[test]
    fn each_field_from_the_server_is_capped() {
        let long = "x".repeat(100_000);
        let r = resp(
            200,
            &[],
            &format!(
                r#"{{"key":"{long}","name":"{long}","displayName":"{long}","emailAddress":"{long}"}}"#
            ),
        );
        let a = classify_dc(&r).unwrap();
        assert_eq!(a.display_name.chars().count(), MAX_NAME_CHARS + 1);
        assert_eq!(a.account_id.chars().count(), MAX_ID_CHARS + 1);
        assert_eq!(a.email.unwrap().chars().count(), MAX_EMAIL_CHARS + 1);
        let r = resp(403, &[], &format!(r#"{{"errorMessages":["{long}"]}}"#));
        let text = classify_dc(&r).unwrap_err().to_string();
        assert!(text.len() < MAX_DETAIL_CHARS + 300, "{}", text.len());
        let version = resp(200, &[], &format!(r#"{{"version":"{long}"}}"#));
        let v = parse_server_version(&version).unwrap();
        assert_eq!(v.chars().count(), MAX_VERSION_CHARS + 1);
    }

    #[test]
    fn a_refusal_shows_every_message_jira_gives() {
        let detail = |body: &str| match classify_dc(&resp(403, &[], body)) {
            Err(Error::Forbidden { detail }) => detail,
            other => panic!("{other:?}"),
        };
        // Jira's field errors come as a map, some servers' as a list of objects.
        let map = r#"{"errorMessages":["no access"],"errors":{"project":"no such project"}}"#;
        assert_eq!(detail(map), ": no access; no such project");
        let list = r#"{"errors":[{"message":"not allowed"}],"message":"ask an admin"}"#;
        assert_eq!(detail(list), ": not allowed; ask an admin");
        assert_eq!(detail(r#"{"errors":{}}"#), "");
        assert_eq!(detail("not json"), "");
    }

    #[test]
    fn an_empty_account_is_malformed() {
        let json = [("content-type", "application/json")];
        let cloud = |body: &str| {
            classify_for(
                &resp(200, &json, body),
                &site(),
                Deployment::Cloud,
                Product::Jira,
            )
        };
        for body in [
            r#"{"accountId":"","displayName":""}"#,
            r#"{"accountId":"  ","displayName":"Mia"}"#,
            r#"{"displayName":"Mia","key":"JIRAUSER1"}"#,
            r#"{"accountId":"","displayName":"Mia"}"#,
        ] {
            let err = cloud(body).unwrap_err();
            assert!(matches!(err, Error::Malformed { .. }), "{body}: {err:?}");
        }
        for body in [
            r#"{"key":"","name":"","displayName":"Mia"}"#,
            r#"{"accountId":"5b10a","displayName":"Mia"}"#,
        ] {
            let err = classify_dc(&resp(200, &json, body)).unwrap_err();
            assert!(matches!(err, Error::Malformed { .. }), "{body}: {err:?}");
        }
        let confluence = resp(
            200,
            &json,
            r#"{"type":"known","accountId":"","displayName":"M"}"#,
        );
        let err = classify_for(&confluence, &site(), Deployment::Cloud, Product::Confluence);
        assert!(matches!(err, Err(Error::Malformed { .. })), "{err:?}");
        // An empty name with a real id is a login; the id stands in for the name.
        let a = cloud(r#"{"accountId":"5b10a","displayName":""}"#).unwrap();
        assert_eq!(a.display_name, "5b10a");
        let a = classify_dc(&resp(200, &json, r#"{"name":"mia","displayName":""}"#)).unwrap();
        assert_eq!(
            (a.account_id.as_str(), a.display_name.as_str()),
            ("mia", "mia")
        );
    }

    #[test]
    fn only_uuid_like_cloud_ids_reach_a_url() {
        assert!(is_cloud_id("5a1c2e3f-0b4d-4e6f-8a9b-0c1d2e3f4a5b"));
        for bad in ["", "../../admin", "a/b", "x?y", &"a".repeat(65)] {
            assert!(!is_cloud_id(bad), "{bad}");
        }
    }

    #[test]
    fn malformed_snippets_are_short() {
        let body = format!(r#"{{"x":"{}"}}"#, "a".repeat(5000));
        let err = classify_dc(&resp(200, &[], &body)).unwrap_err().to_string();
        assert!(err.len() < 300, "{}", err.len());
    }

    proptest::proptest! {
        #[test]
        fn classify_never_panics(
            status in 100u16..600,
            body in proptest::collection::vec(proptest::num::u8::ANY, 0..200),
            loc in "\\PC{0,40}",
            retry in "\\PC{0,20}",
        ) {
            let mut map = HeaderMap::new();
            if let Ok(v) = HeaderValue::from_str(&loc) { map.insert(header::LOCATION, v); }
            if let Ok(v) = HeaderValue::from_str(&retry) { map.insert(header::RETRY_AFTER, v); }
            let r = RawResponse {
                url: "https://jira.corp.example/jira/rest/api/2/myself".into(),
                status: StatusCode::from_u16(status).unwrap(),
                headers: map,
                body,
                redact: Redact::default(),
            };
            let _ = classify_dc(&r);
        }
    }
}
