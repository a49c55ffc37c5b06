//! A service account's OAuth 2.0 client credentials (RFC 6749, section 4.4): the access
//! token minted from the client id and secret, what a refusal means, and the tokens kept in
//! memory between calls.
//!
//! - **Cloud**: `POST https://auth.atlassian.com/oauth/token` with a JSON body
//!   `{grant_type: "client_credentials", client_id, client_secret}`; the answer is
//!   `{access_token, expires_in, token_type: "Bearer", scope}`. The token works only through
//!   the API gateway, `https://api.atlassian.com/ex/jira/{cloudId}`, never at the site.
//!   `$JIRA_CONNECT_AUTH_URL` replaces the token URL, for tests, and only with a loopback
//!   address, as `$JIRA_CONNECT_API_GATEWAY` does the gateway.
//! - **Data Center**: `POST {site}/rest/oauth2/latest/token`, form-encoded as RFC 6749 asks,
//!   with the same three fields; calls go to the site with the token as Bearer.
//!
//! The rules of the other requests hold here too, through the same HTTP client: no
//! redirects, timeouts, the body cap, HTTPS only. A refused client is never retried: the
//! token endpoint is asked once. Access tokens are [`SecretString`]s, kept in memory only,
//! and never used within [`REMINT_MARGIN`] of their expiry.

use std::time::{Duration, Instant};

use reqwest::header;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::core::connection::{Deployment, service_account_page, service_account_place};
use crate::core::error::{Error, InputField};
use crate::core::site_url::{SiteUrl, is_loopback_host};

use super::classify::{MAX_SNIPPET_CHARS, RawResponse, Redact, retry_after};
use super::{Credentials, Target};

/// Atlassian Cloud's OAuth 2.0 token endpoint.
pub const DEFAULT_AUTH_URL: &str = "https://auth.atlassian.com/oauth/token";

/// Data Center's token endpoint, below the site's base.
pub const DC_TOKEN_PATH: &str = "/rest/oauth2/latest/token";

/// An access token is minted again once it has less than this left: a script that gets it
/// from `token` or `exec` has these minutes to use it.
pub const REMINT_MARGIN: Duration = Duration::from_secs(5 * 60);

/// How long a token lives when the answer does not say: Atlassian's documented hour.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);

/// An access token minted from client credentials, and when it stops working.
#[derive(Clone)]
pub struct AccessToken {
    pub secret: SecretString,
    pub expires_at: Instant,
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessToken")
            .field("secret", &"[REDACTED]")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

impl AccessToken {
    /// Whether the token still has more than [`REMINT_MARGIN`] left.
    pub(crate) fn fresh(&self) -> bool {
        self.expires_at
            .checked_duration_since(Instant::now())
            .is_some_and(|left| left > REMINT_MARGIN)
    }
}

/// The token URL for Cloud: `$JIRA_CONNECT_AUTH_URL` when set, on loopback only, else
/// [`DEFAULT_AUTH_URL`].
pub(crate) fn auth_url_from_env() -> Result<String, Error> {
    match std::env::var("JIRA_CONNECT_AUTH_URL") {
        Ok(url) if !url.trim().is_empty() => {
            let auth = SiteUrl::parse(&url, true)?;
            if !is_loopback_host(auth.host()) {
                return Err(Error::InvalidInput {
                    field: InputField::AuthUrl,
                    reason: format!(
                        "{auth} is not on this machine; the variable only accepts a loopback \
                         address (localhost, 127.0.0.1, [::1]), for tests. Unset it to use \
                         {DEFAULT_AUTH_URL}"
                    ),
                });
            }
            checked_auth_url(&url)
        }
        _ => Ok(DEFAULT_AUTH_URL.to_string()),
    }
}

/// A token URL as given, whole, once its address passes the site rules: HTTPS, or plain
/// http:// to a loopback address only.
pub(crate) fn checked_auth_url(url: &str) -> Result<String, Error> {
    SiteUrl::parse(url, false)?;
    let url = url.trim().trim_end_matches('/');
    url::Url::parse(url).map_err(|e| Error::InvalidUrl {
        input: url.chars().take(80).collect(),
        reason: e.to_string(),
    })?;
    Ok(url.to_string())
}

/// Where a target's tokens are minted: the Cloud token URL, or the Data Center site's
/// endpoint below its context path.
pub(crate) fn token_url(target: &Target<'_>, cloud_auth: &str) -> String {
    match target.deployment {
        Deployment::Cloud => cloud_auth.to_string(),
        Deployment::DataCenter => target.site.join(DC_TOKEN_PATH),
    }
}

/// The request body: JSON for Atlassian Cloud, as its documentation shows it, and the
/// form encoding of RFC 6749 for Data Center.
pub(crate) fn token_request(
    http: &reqwest::Client,
    url: &str,
    deployment: Deployment,
    creds: &Credentials<'_>,
) -> reqwest::RequestBuilder {
    let client_id = creds.login.unwrap_or_default();
    // The only place the client secret leaves its wrapper on the way out.
    let secret = creds.secret.expose_secret();
    let request = http.post(url).header(header::ACCEPT, "application/json");
    match deployment {
        Deployment::Cloud => request.json(&serde_json::json!({
            "grant_type": "client_credentials",
            "client_id": client_id,
            "client_secret": secret,
        })),
        Deployment::DataCenter => {
            let body = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("grant_type", "client_credentials")
                .append_pair("client_id", client_id)
                .append_pair("client_secret", secret)
                .finish();
            request
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(body)
        }
    }
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: Option<String>,
    token_type: Option<String>,
    expires_in: Option<u64>,
}

#[derive(Deserialize)]
struct ErrorAnswer {
    error: Option<String>,
    error_description: Option<String>,
}

/// The OAuth error codes that mean the client id or secret was refused.
const REFUSED: &[&str] = &["invalid_client", "access_denied", "unauthorized_client"];

/// The token endpoint's answer to a token or to the error it means.
pub(crate) fn classify_token(
    resp: &RawResponse,
    deployment: Deployment,
    site: &SiteUrl,
    product: &'static str,
) -> Result<AccessToken, Error> {
    let redact = &resp.redact;
    let refused = || Error::ClientRefused {
        product,
        page: service_account_page(deployment, site.as_str()),
        place: service_account_place(deployment),
    };
    let snippet = || redact.server_text(&String::from_utf8_lossy(&resp.body), MAX_SNIPPET_CHARS);
    let error = serde_json::from_slice::<ErrorAnswer>(&resp.body).ok();
    let code = error
        .as_ref()
        .and_then(|e| e.error.as_deref())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if REFUSED.contains(&code.as_str()) {
        return Err(refused());
    }
    match resp.status.as_u16() {
        200 => {}
        401 => return Err(refused()),
        404 | 405 if deployment == Deployment::DataCenter => {
            return Err(Error::OAuthUnavailable {
                url: redact.server_text(&resp.url, MAX_SNIPPET_CHARS),
            });
        }
        429 => {
            return Err(Error::RateLimited {
                retry_after: retry_after(&resp.headers),
            });
        }
        s @ 500..=599 => return Err(Error::ServerError { status: s }),
        400 | 403 => {
            let detail = error
                .map(|e| {
                    [e.error, e.error_description]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(": ")
                })
                .filter(|d| !d.is_empty())
                .map(|d| redact.server_text(&d, MAX_SNIPPET_CHARS))
                .unwrap_or_else(snippet);
            return Err(Error::OAuthMalformed { snippet: detail });
        }
        s => return Err(Error::UnexpectedStatus { status: s }),
    }
    let answer = serde_json::from_slice::<TokenAnswer>(&resp.body).ok();
    let Some(TokenAnswer {
        access_token: Some(token),
        token_type,
        expires_in,
    }) = answer
    else {
        return Err(Error::OAuthMalformed { snippet: snippet() });
    };
    let bearer = token_type.is_none_or(|t| t.eq_ignore_ascii_case("bearer"));
    if token.is_empty() || token.len() > 64 * 1024 || token.chars().any(char::is_control) || !bearer
    {
        return Err(Error::OAuthMalformed {
            snippet: "an access token that is empty, too long, not a Bearer token, or has \
                      control characters"
                .into(),
        });
    }
    let lifetime = expires_in
        .map(Duration::from_secs)
        .unwrap_or(DEFAULT_LIFETIME)
        .min(Duration::from_secs(365 * 24 * 3600));
    Ok(AccessToken {
        secret: SecretString::from(token),
        expires_at: Instant::now() + lifetime,
    })
}

/// What to redact from an answer to a request that carried the client secret and, maybe,
/// an access token: each of them in every form it was sent in.
pub(crate) fn redact_both(creds: &Credentials<'_>, token: Option<&SecretString>) -> Redact {
    let mut redact = Redact::credentials(creds).with_form_encoded(creds.secret);
    if let Some(token) = token {
        redact = redact.with(token);
    }
    redact
}

/// Access tokens kept in memory, by token URL, client id and client secret, so that a new
/// secret never gets a token minted with the old one.
#[derive(Default)]
pub(crate) struct TokenCache {
    entries: Vec<Cached>,
}

struct Cached {
    url: String,
    client_id: String,
    client_secret: SecretString,
    token: AccessToken,
}

impl TokenCache {
    /// A token for these credentials that still has more than [`REMINT_MARGIN`] left.
    pub(crate) fn get(&mut self, url: &str, creds: &Credentials<'_>) -> Option<AccessToken> {
        self.entries.retain(|c| c.token.fresh());
        self.entries
            .iter()
            .find(|c| Self::matches(c, url, creds))
            .map(|c| c.token.clone())
    }

    pub(crate) fn put(&mut self, url: &str, creds: &Credentials<'_>, token: &AccessToken) {
        self.entries.retain(|c| !Self::matches(c, url, creds));
        self.entries.push(Cached {
            url: url.to_string(),
            client_id: creds.login.unwrap_or_default().to_string(),
            client_secret: creds.secret.clone(),
            token: token.clone(),
        });
    }

    /// Forgets the token for these credentials: a call answered 401 with it.
    pub(crate) fn drop_for(&mut self, url: &str, creds: &Credentials<'_>) {
        self.entries.retain(|c| !Self::matches(c, url, creds));
    }

    fn matches(c: &Cached, url: &str, creds: &Credentials<'_>) -> bool {
        c.url == url
            && c.client_id == creds.login.unwrap_or_default()
            && c.client_secret.expose_secret() == creds.secret.expose_secret()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::connection::AuthKind;

    fn site() -> SiteUrl {
        SiteUrl::parse("https://jira.example.com", false).unwrap()
    }

    fn answer(status: u16, body: &str) -> RawResponse {
        let secret = SecretString::from("s3cr3t/+=");
        let creds = Credentials {
            auth: AuthKind::ClientCredentials,
            login: Some("client-1"),
            secret: &secret,
        };
        RawResponse {
            redact: redact_both(&creds, None),
            ..RawResponse::fake(
                "https://jira.example.com/rest/oauth2/latest/token",
                status,
                &[],
                body,
            )
        }
    }

    #[test]
    fn a_refused_client_says_where_to_make_new_credentials() {
        // RFC 6749 section 5.2: `invalid_client` with 401, or 400; Atlassian answers
        // `access_denied` to a revoked credential.
        for (status, body) in [
            (
                401,
                r#"{"error":"invalid_client","error_description":"Unauthorized"}"#,
            ),
            (400, r#"{"error":"invalid_client"}"#),
            (
                403,
                r#"{"error":"access_denied","error_description":"Unauthorized"}"#,
            ),
            (401, ""),
        ] {
            let err = classify_token(&answer(status, body), Deployment::Cloud, &site(), "Jira")
                .unwrap_err();
            assert_eq!(err.kind(), "client-refused", "{status} {body}");
            let text = err.to_string();
            assert!(text.contains("admin.atlassian.com"), "{text}");
            assert!(text.contains("Service accounts"), "{text}");
        }
    }

    #[test]
    fn an_older_data_center_has_no_token_endpoint() {
        let err = classify_token(
            &answer(404, "<html>Not found</html>"),
            Deployment::DataCenter,
            &site(),
            "Jira",
        )
        .unwrap_err();
        assert_eq!(err.kind(), "oauth-unavailable");
        assert!(
            err.to_string().contains("no OAuth 2.0 token endpoint"),
            "{err}"
        );
    }

    #[test]
    fn a_token_answer_gives_a_secret_token_with_its_expiry() {
        let token = classify_token(
            &answer(
                200,
                r#"{"access_token":"eyJ.abc","expires_in":3600,"token_type":"Bearer","scope":"read:jira-user"}"#,
            ),
            Deployment::Cloud,
            &site(),
            "Jira",
        )
        .unwrap();
        assert_eq!(token.secret.expose_secret(), "eyJ.abc");
        assert!(token.fresh());
        assert!(!format!("{token:?}").contains("eyJ.abc"));
        let short = classify_token(
            &answer(200, r#"{"access_token":"t","expires_in":60}"#),
            Deployment::Cloud,
            &site(),
            "Jira",
        )
        .unwrap();
        assert!(!short.fresh(), "a token with a minute left is minted again");
    }

    #[test]
    fn an_echoed_secret_is_redacted_in_every_form() {
        for echo in ["s3cr3t/+=", "s3cr3t%2F%2B%3D", "s3cr3t\\/+="] {
            let body = format!(r#"{{"error":"invalid_request","error_description":"bad {echo}"}}"#);
            let err = classify_token(&answer(400, &body), Deployment::DataCenter, &site(), "Jira")
                .unwrap_err();
            assert!(!err.to_string().contains("s3cr3t"), "{err}");
        }
    }
}
