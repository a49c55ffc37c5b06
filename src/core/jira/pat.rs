//! Personal access tokens on Jira (and Confluence) Server/Data Center: read what the server
//! knows about the account's tokens, create one, revoke one.
//!
//! The API, as Atlassian documents it in "Using Personal Access Tokens"
//! (<https://confluence.atlassian.com/enterprise/using-personal-access-tokens-1026032365.html>),
//! exists from Jira 8.14 and Confluence 7.9 on:
//! - `GET /rest/pat/latest/tokens` lists the authenticated account's tokens;
//! - `POST /rest/pat/latest/tokens` with `{"name": …, "expirationDuration": DAYS}` creates
//!   one; leaving out `expirationDuration` asks for a token that never expires, which an
//!   administrator may forbid;
//! - `DELETE /rest/pat/latest/tokens/{id}` revokes one.
//!
//! The page shows requests, not answers. The answers below are as public clients of the API
//! record them, and each rule tolerates the variations they show:
//! - a token is `{"id": 1041, "name": …, "createdAt": …, "expiringAt": …}`, plus
//!   `lastAccessedAt` once used and `rawToken` only in the answer to its creation. `id` is a
//!   number (larger than 32 bits on some servers) and is also read from a string;
//!   `expiringAt` is absent for a token that never expires;
//! - times are ISO 8601 with a numeric offset, `2021-10-20T09:23:06.987+0000` (`Z`, `+00:00`
//!   and epoch milliseconds are read too); an expiry is kept as the UTC calendar date of
//!   that instant;
//! - creating answers 201, revoking 204; any 2xx counts as success;
//! - a server without the API answers 404 for the whole `/rest/pat` path;
//! - some servers refuse to let a personal access token create tokens (401 or 403), and
//!   the password of the account is needed for that one request.
//!
//! Requests go through [`JiraClient`]'s HTTP client, so they keep its rules: no redirect is
//! followed (credentials never reach another host or port), bodies are capped at
//! [`MAX_BODY`](crate::core::jira::MAX_BODY), a company CA is honoured and verification is
//! never turned off. A 401 or 403 is never retried. Answers that are not the expected
//! success go through the validation client's classifier ([`classify_for`]), so rate limits,
//! CAPTCHAs, login pages and moved sites read the same here as anywhere else.
//!
//! Every text the server sends is cleaned, redacted of the secret the request carried (and of
//! a new token) and capped, like the account fields of a validation.

use std::fmt;

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use reqwest::header;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use zeroize::Zeroize;

use super::classify::jira_error_detail;
use super::{
    Credentials, JiraClient, MAX_NAME_CHARS, MAX_SNIPPET_CHARS, RawResponse, Redact, Target,
    classify_for,
};
use crate::core::connection::{AuthKind, Deployment, product_token_page};
use crate::core::error::{Error, InputField};

/// Where the API lives, below the site's base.
pub const TOKENS_PATH: &str = "/rest/pat/latest/tokens";

/// The longest token name sent to the server: a cap of this client's own, far above any
/// name a person types.
pub const MAX_TOKEN_NAME_CHARS: usize = 255;

/// What the server knows about one of the account's tokens. Never the token itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatInfo {
    /// The server's id of the token, to revoke it by.
    pub id: u64,
    /// The name given when the token was created, cleaned and capped.
    pub name: String,
    /// When the token was created.
    pub created: Option<Timestamp>,
    /// The UTC date on which the token expires; `None` when it never does.
    pub expires: Option<Date>,
    /// When the token was last used, when the server says.
    pub last_used: Option<Timestamp>,
}

impl PatInfo {
    /// The UTC date on which the token was created.
    pub fn created_date(&self) -> Option<Date> {
        self.created.map(utc_date)
    }
}

/// A token just created: what the server says about it, and the token, which the server
/// shows this once.
pub struct CreatedPat {
    pub info: PatInfo,
    pub token: SecretString,
}

impl fmt::Debug for CreatedPat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreatedPat")
            .field("info", &self.info)
            .field("token", &"[redacted]")
            .finish()
    }
}

/// How a request to the token API proves who it is.
pub enum PatAuth<'a> {
    /// One of the account's personal access tokens, sent as `Authorization: Bearer`.
    Token(&'a SecretString),
    /// The account's username and password, sent as `Authorization: Basic` with this one
    /// request, only over https:// (or to this machine), and kept nowhere.
    Password {
        username: &'a str,
        password: &'a SecretString,
    },
}

impl fmt::Debug for PatAuth<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PatAuth::Token(_) => f.write_str("Token([redacted])"),
            PatAuth::Password { username, .. } => f
                .debug_struct("Password")
                .field("username", username)
                .field("password", &"[redacted]")
                .finish(),
        }
    }
}

impl PatAuth<'_> {
    fn credentials(&self) -> Credentials<'_> {
        match *self {
            PatAuth::Token(secret) => Credentials {
                auth: AuthKind::Pat,
                login: None,
                secret,
            },
            PatAuth::Password { username, password } => Credentials {
                auth: AuthKind::Password,
                login: Some(username),
                secret: password,
            },
        }
    }

    fn is_password(&self) -> bool {
        matches!(self, PatAuth::Password { .. })
    }
}

/// The token to create.
#[derive(Debug, Clone, Copy)]
pub struct NewPat<'a> {
    /// Its name on the server, which is how the user tells tokens apart there.
    pub name: &'a str,
    /// Days until it expires; `None` for a token that never expires, which the server's
    /// administrator may not allow.
    pub expires_in_days: Option<u32>,
}

/// Lists the account's tokens. With [`PatAuth::Token`] the list includes that token itself,
/// though nothing in it says which entry that is (see [`pick`]).
pub async fn list_tokens(
    client: &JiraClient,
    target: &Target<'_>,
    auth: &PatAuth<'_>,
) -> Result<Vec<PatInfo>, Error> {
    let resp = send(client, target, auth, Op::List).await?;
    if resp.status.as_u16() != 200 || login_failed(&resp) {
        return Err(refusal(&resp, target, auth, Op::List));
    }
    parse_list(&resp, target)
}

/// Creates a token for the account and returns it with what the server says about it; or,
/// when the server answered 2xx with something that does not read as the token, what
/// that answer tells of it ([`Orphan`]), since the server may hold a new token all the same.
///
/// Authenticated by a token, this fails with [`Error::PatNeedsPassword`] on servers that do
/// not let a token create tokens; the caller then asks for the password and calls again
/// with [`PatAuth::Password`]. A refused password is [`Error::PasswordRejected`], a server
/// without the API [`Error::PatApiMissing`]; nothing is retried.
pub async fn create_token_or_orphan(
    client: &JiraClient,
    target: &Target<'_>,
    auth: &PatAuth<'_>,
    new: &NewPat<'_>,
) -> Result<Result<CreatedPat, Orphan>, Error> {
    let name = new.name.trim();
    if name.is_empty() || name.chars().any(char::is_control) {
        return Err(Error::InvalidInput {
            field: InputField::TokenName,
            reason: "give the token a name, without line breaks or control characters".into(),
        });
    }
    if name.chars().count() > MAX_TOKEN_NAME_CHARS {
        return Err(Error::InvalidInput {
            field: InputField::TokenName,
            reason: format!("it is longer than {MAX_TOKEN_NAME_CHARS} characters"),
        });
    }
    if new.expires_in_days == Some(0) {
        return Err(Error::InvalidInput {
            field: InputField::Expires,
            reason: "a token must last at least one day".into(),
        });
    }
    let mut body = serde_json::json!({ "name": name });
    if let Some(days) = new.expires_in_days {
        body["expirationDuration"] = days.into();
    }
    let mut resp = send(client, target, auth, Op::Create(&body)).await?;
    let result = if resp.status.is_success() && !login_failed(&resp) {
        Ok(parse_created(&resp, target).map_err(|_| orphan(&resp, target)))
    } else {
        Err(refusal(&resp, target, auth, Op::Create(&body)))
    };
    // The answer held the new token in the clear.
    resp.body.zeroize();
    result
}

/// A 2xx answer to a create that does not read as the new token: the server may well hold
/// a new token all the same, so whatever the answer tells of it is kept, to revoke it.
pub struct Orphan {
    /// The token's id, when the start of the answer names one.
    pub id: Option<u64>,
    /// The token, when the start of the answer holds it.
    pub token: Option<SecretString>,
    /// The start of the answer, cleaned, capped, and with every `rawToken` value and the
    /// request's secret redacted.
    pub snippet: String,
}

impl fmt::Debug for Orphan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Orphan")
            .field("id", &self.id)
            .field("token", &self.token.as_ref().map(|_| "[redacted]"))
            .field("snippet", &self.snippet)
            .finish()
    }
}

/// [`create_token_or_orphan`], with an unreadable answer as [`Error::PatMalformed`]: for
/// callers that do not revoke what such an answer may have created.
pub async fn create_token(
    client: &JiraClient,
    target: &Target<'_>,
    auth: &PatAuth<'_>,
    new: &NewPat<'_>,
) -> Result<CreatedPat, Error> {
    create_token_or_orphan(client, target, auth, new)
        .await?
        .map_err(|orphan| Error::PatMalformed {
            product: target.product.title(),
            snippet: orphan.snippet,
        })
}

/// What an unreadable 2xx answer to a create tells of the token: the first JSON value in
/// it, read as far as it goes.
fn orphan(resp: &RawResponse, target: &Target<'_>) -> Orphan {
    let first = serde_json::Deserializer::from_slice(&resp.body)
        .into_iter::<Value>()
        .next()
        .and_then(Result::ok);
    let (mut id, mut token) = (None, None);
    if let Some(mut value) = first {
        id = token_info(&value, &resp.redact, None).map(|info| info.id);
        if let Some(Value::String(mut raw)) = value.get_mut("rawToken").map(Value::take) {
            let trimmed = raw.trim();
            if !trimmed.is_empty() {
                token = Some(SecretString::from(trimmed.to_string()));
            }
            raw.zeroize();
        }
    }
    let also = token.as_ref().map(|token| {
        Redact::credentials(&Credentials {
            auth: AuthKind::Pat,
            login: None,
            secret: token,
        })
    });
    let snippet = match malformed_with(resp, target, also.as_ref()) {
        Error::PatMalformed { snippet, .. } => snippet,
        _ => String::new(),
    };
    Orphan { id, token, snippet }
}

/// Revokes the account's token with this id. A token that is not there (revoked already,
/// or another account's) is [`Error::PatNotFound`].
pub async fn revoke_token(
    client: &JiraClient,
    target: &Target<'_>,
    auth: &PatAuth<'_>,
    id: u64,
) -> Result<(), Error> {
    let resp = send(client, target, auth, Op::Revoke(id)).await?;
    if resp.status.is_success() && !login_failed(&resp) {
        return Ok(());
    }
    Err(refusal(&resp, target, auth, Op::Revoke(id)))
}

/// Why [`pick`] chose no token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoPick {
    /// The server lists no tokens for the account.
    NoTokens,
    /// No token has the label.
    NoMatch { label: String },
    /// Several tokens have the label, so it does not tell which one is ours.
    SameLabel { label: String, count: usize },
    /// No label was given, and the account has several tokens.
    Several { count: usize },
}

impl fmt::Display for NoPick {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NoPick::NoTokens => {
                f.write_str("the server lists no personal access tokens for this account")
            }
            NoPick::NoMatch { label } => write!(f, "no token on the server is named {label:?}"),
            NoPick::SameLabel { label, count } => {
                write!(
                    f,
                    "{count} tokens on the server are named {label:?}, so the name does not \
                     tell which one this is"
                )
            }
            NoPick::Several { count } => write!(
                f,
                "the account has {count} tokens and this connection records no name that \
                 tells which one it uses"
            ),
        }
    }
}

/// Which of the account's tokens is the connection's: the one named `label` when a label
/// is given, else the only token when there is exactly one. Otherwise none, and why.
///
/// The label is compared with the names exactly, after the same cleaning the names got when
/// they were read; an empty label counts as none.
pub fn pick<'a>(tokens: &'a [PatInfo], label: Option<&str>) -> Result<&'a PatInfo, NoPick> {
    if tokens.is_empty() {
        return Err(NoPick::NoTokens);
    }
    let label = label
        .map(|l| Redact::default().server_text(l, MAX_NAME_CHARS))
        .filter(|l| !l.is_empty());
    match label {
        Some(label) => {
            let mut named = tokens.iter().filter(|t| t.name == label);
            match (named.next(), named.count()) {
                (Some(token), 0) => Ok(token),
                (Some(_), more) => Err(NoPick::SameLabel {
                    label,
                    count: more + 1,
                }),
                (None, _) => Err(NoPick::NoMatch { label }),
            }
        }
        None => match tokens {
            [only] => Ok(only),
            _ => Err(NoPick::Several {
                count: tokens.len(),
            }),
        },
    }
}

// ----- requests --------------------------------------------------------------------------

#[derive(Clone, Copy)]
enum Op<'a> {
    List,
    Create(&'a Value),
    Revoke(u64),
}

/// Sends one request to the token API and reads the answer, without judging its status.
async fn send(
    client: &JiraClient,
    target: &Target<'_>,
    auth: &PatAuth<'_>,
    op: Op<'_>,
) -> Result<RawResponse, Error> {
    if target.deployment != Deployment::DataCenter {
        return Err(Error::InvalidInput {
            field: InputField::Connection,
            reason: "personal access tokens of this kind exist only on Server and Data Center \
                     sites; Cloud uses API tokens"
                .into(),
        });
    }
    let site = target.site;
    if auth.is_password() && site.is_insecure() && !is_loopback(site.host()) {
        return Err(Error::InvalidInput {
            field: InputField::Secret(AuthKind::Password),
            reason: format!(
                "{site} uses plain http://, which would send the account's password \
                 unencrypted; a password is only sent over https://"
            ),
        });
    }
    let http = client.http_for(target).await?;
    let (request, url, verb) = match op {
        Op::List => {
            let url = site.join(TOKENS_PATH);
            (http.get(&url), url, "GET")
        }
        Op::Create(body) => {
            let url = site.join(TOKENS_PATH);
            (http.post(&url).json(body), url, "POST")
        }
        Op::Revoke(id) => {
            let url = site.join(&format!("{TOKENS_PATH}/{id}"));
            (http.delete(&url), url, "DELETE")
        }
    };
    let request = request.header(header::ACCEPT, "application/json");
    let creds = auth.credentials();
    // Besides the validation client's GET, the only place the secret leaves its wrapper on
    // the way out; reqwest marks the header sensitive.
    let request = match auth {
        PatAuth::Token(secret) => request.bearer_auth(secret.expose_secret()),
        PatAuth::Password { username, password } => {
            request.basic_auth(username, Some(password.expose_secret()))
        }
    };
    tracing::debug!(%url, auth = creds.auth.as_str(), "{verb} personal access tokens");
    let mut resp = client.receive(request, url, site).await?;
    resp.redact = Redact::credentials(&creds);
    Ok(resp)
}

fn is_loopback(host: &str) -> bool {
    crate::core::site_url::is_loopback_host(host)
}

/// Whether Seraph says the login failed: `X-Seraph-LoginReason: AUTHENTICATED_FAILED`. Such
/// an answer was served anonymously, whatever its status, so even a 2xx is a rejection.
fn login_failed(resp: &RawResponse) -> bool {
    resp.header("x-seraph-loginreason")
        .to_ascii_uppercase()
        .contains("AUTHENTICATED_FAILED")
}

/// The error an answer other than the expected success means.
fn refusal(resp: &RawResponse, target: &Target<'_>, auth: &PatAuth<'_>, op: Op<'_>) -> Error {
    let product = target.product.title();
    let token_page =
        || product_token_page(target.product, Deployment::DataCenter, target.site.as_str());
    let header = |name: &str| resp.header(name).to_ascii_uppercase();
    // A CAPTCHA is the classifier's, whatever the status: it says how to clear it.
    let captcha = header("x-authentication-denied-reason").contains("CAPTCHA");
    // Seraph names a failed login; without it, a 401 or 403 refuses the request, not the
    // credentials.
    let login_failed = login_failed(resp);
    let status = resp.status.as_u16();
    if !captcha {
        if let PatAuth::Password { username, .. } = auth
            && (status == 401 || login_failed)
        {
            return Error::PasswordRejected {
                product,
                username: resp.redact.server_text(username, MAX_NAME_CHARS),
            };
        }
        match (status, op) {
            (401 | 403, Op::Create(_)) if !auth.is_password() && !login_failed => {
                return Error::PatNeedsPassword { product };
            }
            // Only Jira's own JSON error says the token is not there; a proxy's or a
            // load balancer's page says nothing about it.
            (404, Op::Revoke(id)) if is_jira_error(resp) => {
                return Error::PatNotFound {
                    product,
                    id,
                    token_page: token_page(),
                };
            }
            (404, _) => {
                return Error::PatApiMissing {
                    url: target.site.to_string(),
                    token_page: token_page(),
                };
            }
            (400 | 409 | 422, Op::Create(_)) => {
                return Error::PatRefused {
                    product,
                    detail: jira_error_detail(resp),
                    token_page: token_page(),
                };
            }
            _ => {}
        }
    }
    if resp.status.is_success() && !login_failed {
        return Error::UnexpectedStatus { status };
    }
    classify_for(resp, target.site, Deployment::DataCenter, target.product)
        .err()
        .unwrap_or(Error::UnexpectedStatus { status })
}

/// Whether an answer is Jira's own JSON error: a JSON content type, and an object with
/// `errorMessages`, or with `message` and `status-code` (a proxy's JSON has neither).
fn is_jira_error(resp: &RawResponse) -> bool {
    let json = resp
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.to_ascii_lowercase().contains("json"));
    json && serde_json::from_slice::<Value>(&resp.body).is_ok_and(|body| {
        body.get("errorMessages").is_some_and(Value::is_array)
            || (body.get("message").is_some_and(Value::is_string)
                && body.get("status-code").is_some_and(Value::is_number))
    })
}

// ----- answers ---------------------------------------------------------------------------

fn malformed(resp: &RawResponse, target: &Target<'_>) -> Error {
    malformed_with(resp, target, None)
}

/// [`Error::PatMalformed`] with the start of the body, redacted of the request's secret and
/// of `also`.
fn malformed_with(resp: &RawResponse, target: &Target<'_>, also: Option<&Redact>) -> Error {
    Error::PatMalformed {
        product: target.product.title(),
        snippet: clean(
            &resp.redact,
            also,
            &redact_raw_tokens(&String::from_utf8_lossy(&resp.body)),
            MAX_SNIPPET_CHARS,
        ),
    }
}

/// `text` with the value of every `rawToken` key replaced by `[redacted]`, however the JSON
/// around it is broken: a new token's value never reaches an error message. A value left
/// unterminated is redacted to the end.
pub(crate) fn redact_raw_tokens(text: &str) -> String {
    const KEY: &str = "\"rawtoken\"";
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while let Some(found) = lower[at..].find(KEY) {
        let key_end = at + found + KEY.len();
        out.push_str(&text[at..key_end]);
        at = key_end;
        let rest = &text[at..];
        let after_colon = rest.trim_start().strip_prefix(':').map(str::trim_start);
        let Some(value) = after_colon.and_then(|v| v.strip_prefix('"')) else {
            continue;
        };
        let value_start = text.len() - value.len();
        out.push_str(&text[at..value_start]);
        // The string's end: the first quote not escaped by a backslash.
        let mut escaped = false;
        let end = value.char_indices().find_map(|(i, c)| match (c, escaped) {
            ('"', false) => Some(i),
            ('\\', false) => {
                escaped = true;
                None
            }
            _ => {
                escaped = false;
                None
            }
        });
        out.push_str("[redacted]");
        match end {
            Some(end) => at = value_start + end,
            None => return out,
        }
    }
    out.push_str(&text[at..]);
    out
}

/// Server text cleaned, redacted of the request's secret and of `also`, and capped.
fn clean(redact: &Redact, also: Option<&Redact>, text: &str, max_chars: usize) -> String {
    match also {
        Some(also) => redact.server_text(&also.server_text(text, usize::MAX), max_chars),
        None => redact.server_text(text, max_chars),
    }
}

/// The JSON of a successful answer; an HTML page (a login or SSO page that answered with
/// 200) or anything else that is not JSON is an error.
fn json_body(resp: &RawResponse, target: &Target<'_>) -> Result<Value, Error> {
    if resp.is_html() {
        return Err(Error::LoginPage { location: None });
    }
    serde_json::from_slice(&resp.body).map_err(|_| malformed(resp, target))
}

fn parse_list(resp: &RawResponse, target: &Target<'_>) -> Result<Vec<PatInfo>, Error> {
    let body = json_body(resp, target)?;
    // A plain array; a paged object's `values` is read too.
    let entries = match &body {
        Value::Array(list) => list,
        Value::Object(map) => match map.get("values") {
            Some(Value::Array(list)) => list,
            _ => return Err(malformed(resp, target)),
        },
        _ => return Err(malformed(resp, target)),
    };
    let tokens: Vec<PatInfo> = entries
        .iter()
        .filter_map(|entry| token_info(entry, &resp.redact, None))
        .collect();
    if tokens.len() < entries.len() {
        tracing::debug!(
            skipped = entries.len() - tokens.len(),
            "token list entries without a usable id"
        );
    }
    Ok(tokens)
}

fn parse_created(resp: &RawResponse, target: &Target<'_>) -> Result<CreatedPat, Error> {
    let mut body = json_body(resp, target)?;
    let mut raw = match body.get_mut("rawToken").map(Value::take) {
        Some(Value::String(raw)) => raw,
        _ => return Err(malformed(resp, target)),
    };
    let token = SecretString::from(raw.trim().to_string());
    raw.zeroize();
    if token.expose_secret().is_empty() {
        return Err(malformed(resp, target));
    }
    // The new token is kept out of every text as much as the request's secret.
    let new_token = Redact::credentials(&Credentials {
        auth: AuthKind::Pat,
        login: None,
        secret: &token,
    });
    let info = token_info(&body, &resp.redact, Some(&new_token))
        .ok_or_else(|| malformed_with(resp, target, Some(&new_token)))?;
    Ok(CreatedPat { info, token })
}

/// One token of an answer; `None` without a usable id.
fn token_info(entry: &Value, redact: &Redact, also: Option<&Redact>) -> Option<PatInfo> {
    let id = match entry.get("id")? {
        Value::Number(n) => n.as_u64()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    let name = entry
        .get("name")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let name = clean(redact, also, name, MAX_NAME_CHARS);
    Some(PatInfo {
        id,
        name,
        created: entry.get("createdAt").and_then(timestamp),
        expires: entry.get("expiringAt").and_then(timestamp).map(utc_date),
        last_used: entry.get("lastAccessedAt").and_then(timestamp),
    })
}

/// An instant as the server writes it: ISO 8601 with an offset (`+0000`, `+00:00` or `Z`),
/// or milliseconds since the epoch. Anything else counts as absent.
fn timestamp(value: &Value) -> Option<Timestamp> {
    match value {
        Value::String(s) => s.trim().parse().ok(),
        Value::Number(n) => Timestamp::from_millisecond(n.as_i64()?).ok(),
        _ => None,
    }
}

fn utc_date(at: Timestamp) -> Date {
    at.to_zoned(TimeZone::UTC).date()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::site_url::SiteUrl;

    fn site() -> SiteUrl {
        SiteUrl::parse("https://jira.corp.example/jira", false).unwrap()
    }

    fn resp(status: u16, headers: &[(&'static str, &str)], body: &str) -> RawResponse {
        let url = format!("https://jira.corp.example/jira{TOKENS_PATH}");
        RawResponse::fake(&url, status, headers, body)
    }

    fn list(body: &str) -> Result<Vec<PatInfo>, Error> {
        let site = site();
        parse_list(
            &resp(200, &[("content-type", "application/json")], body),
            &Target::new(&site, Deployment::DataCenter),
        )
    }

    fn date(y: i16, m: i8, d: i8) -> Date {
        jiff::civil::date(y, m, d)
    }

    #[test]
    fn a_list_reads_ids_names_and_dates() {
        let tokens = list(
            r#"[
              {"id": 1041, "name": "jira-connect", "createdAt": "2021-10-20T09:23:06.987+0000",
               "expiringAt": "2022-01-18T09:23:06.987+0000",
               "lastAccessedAt": "2021-11-02T17:00:00.000+0000"},
              {"id": 7486581160, "name": "laptop", "createdAt": "2021-10-21T10:00:00.000+0000"}
            ]"#,
        )
        .unwrap();
        assert_eq!(tokens.len(), 2);
        let first = &tokens[0];
        assert_eq!(first.id, 1041);
        assert_eq!(first.name, "jira-connect");
        assert_eq!(first.expires, Some(date(2022, 1, 18)));
        assert_eq!(first.created_date(), Some(date(2021, 10, 20)));
        assert_eq!(
            first.created.unwrap().to_string(),
            "2021-10-20T09:23:06.987Z"
        );
        assert_eq!(first.last_used.unwrap().to_string(), "2021-11-02T17:00:00Z");
        // Ids above 32 bits, and no expiry at all: a token that never expires.
        assert_eq!(tokens[1].id, 7486581160);
        assert_eq!(tokens[1].expires, None);
        assert_eq!(tokens[1].last_used, None);
    }

    #[test]
    fn expiry_is_the_utc_date_whatever_the_offset() {
        let tokens = list(
            r#"[
              {"id": 1, "name": "a", "expiringAt": "2026-03-01T23:30:00.000-0200"},
              {"id": 2, "name": "b", "expiringAt": "2026-03-01T00:30:00.000+01:00"},
              {"id": 3, "name": "c", "expiringAt": "2026-03-01T12:00:00Z"},
              {"id": 4, "name": "d", "expiringAt": 1772366400000}
            ]"#,
        )
        .unwrap();
        let expires: Vec<_> = tokens.iter().map(|t| t.expires).collect();
        assert_eq!(
            expires,
            vec![
                Some(date(2026, 3, 2)),
                Some(date(2026, 2, 28)),
                Some(date(2026, 3, 1)),
                Some(date(2026, 3, 1)),
            ]
        );
    }

    #[test]
    fn missing_and_odd_fields_are_tolerated() {
        let tokens = list(
            r#"[
              {"id": "1042", "name": "string id"},
              {"name": "no id"},
              {"id": -3, "name": "negative id"},
              {"id": 1.5, "name": "fractional id"},
              {"id": 1043},
              {"id": 1044, "name": null, "createdAt": "yesterday", "expiringAt": null},
              {"id": 1045, "name": "extra fields", "scopes": ["x"], "createdAt": "2021-10-20T09:23:06+0000"}
            ]"#,
        )
        .unwrap();
        let ids: Vec<u64> = tokens.iter().map(|t| t.id).collect();
        assert_eq!(ids, vec![1042, 1043, 1044, 1045]);
        assert_eq!(tokens[1].name, "");
        assert_eq!(tokens[2].created, None);
        assert_eq!(tokens[2].expires, None);
        assert_eq!(tokens[3].created_date(), Some(date(2021, 10, 20)));
        // A paged answer.
        let paged = list(r#"{"values": [{"id": 9, "name": "p"}], "isLastPage": true}"#).unwrap();
        assert_eq!(paged[0].id, 9);
        assert!(list("[]").unwrap().is_empty());
    }

    #[test]
    fn answers_that_are_not_a_token_list_are_errors() {
        for body in [
            r#"{"id": 1}"#,
            "42",
            "\"tokens\"",
            "not json",
            r#"[{"id": 1"#,
        ] {
            let err = list(body).unwrap_err();
            assert!(matches!(err, Error::PatMalformed { .. }), "{body}: {err:?}");
        }
        let err = list("  <!DOCTYPE html><html>log in</html>").unwrap_err();
        assert!(matches!(err, Error::LoginPage { .. }), "{err:?}");
        let long = format!("[{}", "x".repeat(10_000));
        let text = list(&long).unwrap_err().to_string();
        assert!(text.len() < 300, "{}", text.len());
    }

    #[test]
    fn hostile_names_are_cleaned_redacted_and_capped() {
        let secret = SecretString::from("NjE1MzQ4OTQ2Mjg2OkR-test-pat-Xw1");
        let site = site();
        let target = Target::new(&site, Deployment::DataCenter);
        let mut r = resp(
            200,
            &[],
            &format!(
                r#"[
                  {{"id": 1, "name": "\u001b[2Jevil\u202e\n\"quoted\" ✓ {}"}},
                  {{"id": 2, "name": "{}"}},
                  {{"id": 3, "name": "Mia’s “laptop” — 東京"}}
                ]"#,
                secret.expose_secret(),
                "n".repeat(100_000)
            ),
        );
        r.redact = Redact::credentials(&Credentials {
            auth: AuthKind::Pat,
            login: None,
            secret: &secret,
        });
        let tokens = parse_list(&r, &target).unwrap();
        assert_eq!(tokens[0].name, "[2Jevil \"quoted\" ✓ [redacted]");
        assert_eq!(tokens[1].name.chars().count(), MAX_NAME_CHARS + 1);
        assert_eq!(tokens[2].name, "Mia’s “laptop” — 東京");
    }

    fn created(body: &str) -> Result<CreatedPat, Error> {
        let site = site();
        parse_created(
            &resp(201, &[("content-type", "application/json")], body),
            &Target::new(&site, Deployment::DataCenter),
        )
    }

    #[test]
    fn a_created_token_is_read_and_kept_out_of_debug() {
        let raw = "MTA0Njpmb3Itb25lLXRpbWUtb25seQ";
        let c = created(&format!(
            r#"{{"id": 1046, "name": "jira-connect {raw}", "createdAt": "2026-11-23T08:00:00.000+0000",
                "expiringAt": "2027-02-21T08:00:00.000+0000", "rawToken": "{raw}"}}"#
        ))
        .unwrap();
        assert_eq!(c.token.expose_secret(), raw);
        assert_eq!(c.info.id, 1046);
        assert_eq!(c.info.name, "jira-connect [redacted]");
        assert_eq!(c.info.expires, Some(date(2027, 2, 21)));
        let debug = format!("{c:?}");
        assert!(!debug.contains(raw), "{debug}");
        assert!(debug.contains("[redacted]"), "{debug}");
        // Without an expiry: a token that never expires.
        let c = created(r#"{"id": 1047, "name": "n", "rawToken": "abc"}"#).unwrap();
        assert_eq!(c.info.expires, None);
        for body in [
            r#"{"id": 1, "name": "no token"}"#,
            r#"{"id": 1, "rawToken": ""}"#,
            r#"{"rawToken": "no id"}"#,
            r#"[{"id": 1, "rawToken": "in a list"}]"#,
        ] {
            let err = created(body).unwrap_err();
            assert!(matches!(err, Error::PatMalformed { .. }), "{body}: {err:?}");
        }
        // A token without an id is an error that does not show the token.
        let err = created(&format!(r#"{{"name": "n", "rawToken": "{raw}"}}"#)).unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(matches!(err, Error::PatMalformed { .. }), "{text}");
        assert!(!text.contains(raw), "{text}");
    }

    /// Only Jira's own JSON "not found" says that a token is gone; a proxy's page, an empty
    /// answer or JSON that is not Jira's error says nothing about it.
    #[test]
    fn only_jiras_json_not_found_means_the_token_is_gone() {
        let token = SecretString::from("tok");
        let bearer = PatAuth::Token(&token);
        let json = [("content-type", "application/json")];
        let html = [("content-type", "text/html")];
        for (headers, body) in [
            (&html[..], "<html><body>404 Not Found</body></html>"),
            (&[][..], ""),
            (&json[..], "{}"),
            (&json[..], "not json"),
            (&html[..], r#"{"errorMessages":["Token not found."]}"#),
            (
                &json[..],
                r#"{"message":"no Route matched with those values"}"#,
            ),
        ] {
            let err = refused(404, headers, body, &bearer, Op::Revoke(7));
            assert!(
                !matches!(err, Error::PatNotFound { .. }),
                "{headers:?} {body}: {err:?}"
            );
        }
        for body in [
            r#"{"errorMessages":["Token not found."],"errors":{}}"#,
            r#"{"message":"Not found","status-code":404}"#,
        ] {
            let err = refused(404, &json, body, &bearer, Op::Revoke(7));
            assert!(matches!(err, Error::PatNotFound { id: 7, .. }), "{err:?}");
        }
    }

    /// A 2xx answer to a create with junk after the JSON, or without an id, is not used, but
    /// what it tells of the new token is kept to revoke it, and the token is never quoted.
    #[test]
    fn an_unreadable_created_answer_keeps_the_token_out_of_every_text() {
        let raw = "MTA0ODpqdW5rLWFmdGVyLXRoZS1qc29u";
        let site = site();
        let target = Target::new(&site, Deployment::DataCenter);
        let read = |body: String| {
            let r = resp(201, &[("content-type", "application/json")], &body);
            let parsed = parse_created(&r, &target);
            assert!(parsed.is_err(), "{body}");
            orphan(&r, &target)
        };
        let junk = read(format!(
            r#"{{"rawToken": "{raw}", "id": 1048}} <!-- junk -->"#
        ));
        assert_eq!(junk.id, Some(1048));
        assert_eq!(junk.token.as_ref().map(|t| t.expose_secret()), Some(raw));
        let no_id = read(format!(r#"{{"name": "n", "rawToken":"{raw}"}}"#));
        assert_eq!(no_id.id, None);
        assert!(no_id.token.is_some());
        let cut = read(format!(r#"{{"id": 1049, "RAWTOKEN" : "{raw}"#));
        assert_eq!((cut.id, cut.token.is_none()), (None, true));
        for orphan in [&junk, &no_id, &cut] {
            let text = format!("{orphan:?} {}", orphan.snippet);
            assert!(!text.contains(raw), "{text}");
            assert!(!text.contains(&raw[..12]), "{text}");
            assert!(text.contains("[redacted]"), "{text}");
        }
        assert_eq!(
            redact_raw_tokens(r#"{"rawToken": "a\"b", "rawToken":7, "x":"rawToken"}"#),
            r#"{"rawToken": "[redacted]", "rawToken":7, "x":"rawToken"}"#
        );
    }

    #[test]
    fn debug_of_the_auth_shows_no_secret() {
        let token = SecretString::from("tok-SECRET-1");
        let password = SecretString::from("pw-SECRET-2");
        let text = format!(
            "{:?} {:?}",
            PatAuth::Token(&token),
            PatAuth::Password {
                username: "mia",
                password: &password
            }
        );
        assert!(!text.contains("SECRET"), "{text}");
        assert!(text.contains("mia"), "{text}");
    }

    fn refused(
        status: u16,
        headers: &[(&'static str, &str)],
        body: &str,
        auth: &PatAuth<'_>,
        op: Op<'_>,
    ) -> Error {
        let site = site();
        let mut r = resp(status, headers, body);
        r.redact = Redact::credentials(&auth.credentials());
        refusal(&r, &Target::new(&site, Deployment::DataCenter), auth, op)
    }

    #[test]
    fn each_refusal_maps_to_its_error() {
        let token = SecretString::from("tok");
        let password = SecretString::from("pw");
        let bearer = PatAuth::Token(&token);
        let basic = PatAuth::Password {
            username: "mia",
            password: &password,
        };
        let body = serde_json::json!({"name": "x"});
        let create = Op::Create(&body);
        let failed = [("x-seraph-loginreason", "AUTHENTICATED_FAILED")];
        let captcha = [
            ("x-seraph-loginreason", "AUTHENTICATION_DENIED"),
            (
                "x-authentication-denied-reason",
                "CAPTCHA_CHALLENGE; login-url=https://jira.corp.example/jira/login.jsp",
            ),
        ];
        let new_home = [(
            "location",
            "https://new.corp.example/jira/rest/pat/latest/tokens",
        )];
        let moved = || refused(301, &new_home, "", &bearer, Op::List);
        let cases: Vec<(Error, &str)> = vec![
            (refused(404, &[], "", &bearer, Op::List), "PatApiMissing"),
            (refused(404, &[], "<html>", &basic, create), "PatApiMissing"),
            (
                refused(
                    404,
                    &[("content-type", "application/json;charset=UTF-8")],
                    r#"{"errorMessages":["Token not found."],"errors":{}}"#,
                    &bearer,
                    Op::Revoke(7),
                ),
                "PatNotFound",
            ),
            (refused(403, &[], "{}", &bearer, create), "PatNeedsPassword"),
            (refused(401, &[], "", &bearer, create), "PatNeedsPassword"),
            (refused(401, &failed, "", &bearer, create), "BadCredentials"),
            (
                refused(401, &failed, "", &bearer, Op::List),
                "BadCredentials",
            ),
            (
                refused(401, &[], "", &bearer, Op::Revoke(7)),
                "BadCredentials",
            ),
            (
                refused(401, &failed, "", &basic, create),
                "PasswordRejected",
            ),
            (
                refused(401, &[], "", &basic, Op::Revoke(7)),
                "PasswordRejected",
            ),
            (refused(403, &captcha, "", &basic, create), "Captcha"),
            (refused(401, &captcha, "", &bearer, create), "Captcha"),
            (refused(403, &[], "{}", &basic, create), "Forbidden"),
            (
                refused(
                    400,
                    &[],
                    r#"{"errorMessages":["too many"]}"#,
                    &basic,
                    create,
                ),
                "PatRefused",
            ),
            (refused(400, &[], "", &bearer, Op::List), "UnexpectedStatus"),
            (
                refused(429, &[("retry-after", "5")], "", &basic, create),
                "RateLimited",
            ),
            (refused(503, &[], "", &bearer, Op::List), "ServerError"),
            (
                refused(
                    302,
                    &[("location", "https://sso.corp.example/login")],
                    "",
                    &basic,
                    create,
                ),
                "LoginPage",
            ),
            (moved(), "Moved"),
            (refused(202, &[], "", &bearer, Op::List), "UnexpectedStatus"),
        ];
        for (err, want) in cases {
            let got = format!("{err:?}");
            assert!(got.starts_with(want), "want {want}, got {got}");
        }
        // A moved token path suggests the new site, not the API path (the classifier cuts
        // the address at `/rest/`).
        let moved = moved();
        assert!(
            moved
                .to_string()
                .contains("use https://new.corp.example/jira as the address"),
            "{moved}"
        );
    }

    #[test]
    fn refusals_quote_the_server_without_the_secret() {
        let password = SecretString::from("hunter2-correct-horse");
        let basic = PatAuth::Password {
            username: "mia",
            password: &password,
        };
        let body = serde_json::json!({"name": "x"});
        let err = refused(
            400,
            &[],
            r#"{"errorMessages":["bad password hunter2-correct-horse"],"errors":{"name":"taken\u001b[2J"}}"#,
            &basic,
            Op::Create(&body),
        );
        let text = format!("{err} {err:?}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("bad password [redacted]; taken[2J"), "{text}");
        assert!(!text.chars().any(char::is_control), "{text:?}");
        let err = refused(401, &[], "", &basic, Op::Create(&body));
        let text = format!("{err} {err:?}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("\"mia\""), "{text}");
    }

    fn info(id: u64, name: &str) -> PatInfo {
        PatInfo {
            id,
            name: name.into(),
            created: None,
            expires: None,
            last_used: None,
        }
    }

    #[test]
    fn pick_by_label_or_the_only_token() {
        let one = [info(1, "laptop")];
        let two = [info(1, "laptop"), info(2, "jira-connect")];
        let twins = [info(1, "ci"), info(2, "ci"), info(3, "laptop")];
        assert_eq!(pick(&two, Some("jira-connect")).map(|t| t.id), Ok(2));
        assert_eq!(pick(&one, None).map(|t| t.id), Ok(1));
        // An empty label is no label.
        assert_eq!(pick(&one, Some("  ")).map(|t| t.id), Ok(1));
        // A label is exact: case and spelling count, and the only token is not a fallback.
        assert_eq!(
            pick(&one, Some("Laptop")),
            Err(NoPick::NoMatch {
                label: "Laptop".into()
            })
        );
        assert_eq!(pick(&two, None), Err(NoPick::Several { count: 2 }));
        assert_eq!(
            pick(&twins, Some("ci")),
            Err(NoPick::SameLabel {
                label: "ci".into(),
                count: 2
            })
        );
        assert_eq!(pick(&twins, Some("laptop")).map(|t| t.id), Ok(3));
        assert_eq!(pick(&[], Some("ci")), Err(NoPick::NoTokens));
        assert_eq!(pick(&[], None), Err(NoPick::NoTokens));
        // The label is cleaned like the names were.
        assert_eq!(pick(&two, Some("jira-connect\n")).map(|t| t.id), Ok(2));
        let why = NoPick::SameLabel {
            label: "ci".into(),
            count: 2,
        }
        .to_string();
        assert!(why.contains("2 tokens") && why.contains("\"ci\""), "{why}");
    }
}
