//! The validation client: asks Jira who the credentials belong to, and turns every way that
//! can fail into a typed [`Error`].
//!
//! Rules that protect the user's account and token:
//! - redirects are never followed, so credentials never reach another host or port;
//! - a 401 or 403 is never retried, because repeated bad logins lock Server/DC accounts
//!   behind a CAPTCHA;
//! - a 200 counts only when its body parses as the user;
//! - bodies are read up to [`MAX_BODY`] bytes, with a connect and a whole-request timeout.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use crate::core::connection::{
    AuthKind, Deployment, Product, gateway_base, login_kind, product_token_page,
};
use crate::core::error::Error;
use crate::core::site_url::{SiteUrl, is_loopback_host};

/// The most this client reads of any response body.
pub const MAX_BODY: usize = 1024 * 1024;
/// How long establishing a connection may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default limit for a whole request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Who the credentials belong to, as Jira reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// `accountId` on Cloud, `key` (or `name`) on Server/DC.
    pub account_id: String,
    pub display_name: String,
    pub email: Option<String>,
    /// The Server/DC username (`name`); absent on Cloud.
    pub username: Option<String>,
    /// Jira's version from `serverInfo`, when it could be read.
    pub server_version: Option<String>,
    /// The Cloud site's id, when the credentials were accepted through the API gateway.
    pub cloud_id: Option<String>,
    /// The credentials were accepted through the API gateway: a scoped token.
    pub scoped: bool,
}

/// The credentials to validate. The secret is exposed only when the header is built.
pub struct Credentials<'a> {
    pub auth: AuthKind,
    pub login: Option<&'a str>,
    pub secret: &'a SecretString,
}

/// Where Atlassian's API gateway is, unless `JIRA_CONNECT_API_GATEWAY` says otherwise.
pub const DEFAULT_API_GATEWAY: &str = "https://api.atlassian.com";

/// What to validate the credentials against.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub site: &'a SiteUrl,
    pub deployment: Deployment,
    pub product: Product,
    /// A company CA (PEM) for a Server/DC site.
    pub ca_cert: Option<&'a str>,
    /// A Cloud API token with scopes: ask through the API gateway.
    pub scoped: bool,
    /// The site's cloud id when known; otherwise it is read from `/_edge/tenant_info`.
    pub cloud_id: Option<&'a str>,
    /// When the site refuses a classic Cloud token, try it once as a scoped token. Only
    /// with the user's consent: it sends the credentials to a second host.
    pub gateway_fallback: bool,
}

impl<'a> Target<'a> {
    /// Jira at `site`, with a classic token and the public trust store.
    pub fn new(site: &'a SiteUrl, deployment: Deployment) -> Self {
        Target {
            site,
            deployment,
            product: Product::Jira,
            ca_cert: None,
            scoped: false,
            cloud_id: None,
            gateway_fallback: false,
        }
    }
}

/// A Jira REST client for validating credentials.
///
/// Its HTTP client is built on first use, not with it: building it loads and parses every
/// CA certificate of the system, which the desktop app must not pay before its window
/// shows, and which a check does while it reads the keyring (see [`JiraClient::prepare`]).
/// Clones share one HTTP client and so one connection pool.
#[derive(Clone)]
pub struct JiraClient {
    http: Arc<OnceLock<reqwest::Client>>,
    timeout: Duration,
    /// The API gateway's base URL, without a trailing slash.
    gateway: String,
}

impl std::fmt::Debug for JiraClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JiraClient")
            .field("timeout", &self.timeout)
            .field("gateway", &self.gateway)
            .finish_non_exhaustive()
    }
}

impl JiraClient {
    /// A client whose requests may take at most `timeout` each.
    ///
    /// The API gateway is `$JIRA_CONNECT_API_GATEWAY` when set (for tests against a local
    /// gateway), else [`DEFAULT_API_GATEWAY`]. The variable is honoured only for a loopback
    /// address, so that no environment can send scoped tokens to another host.
    pub fn new(timeout: Duration) -> Result<Self, Error> {
        match std::env::var("JIRA_CONNECT_API_GATEWAY") {
            Ok(url) if !url.trim().is_empty() => {
                let gateway = SiteUrl::parse(&url, true)?;
                if !is_loopback_host(gateway.host()) {
                    return Err(Error::InvalidInput {
                        field: "JIRA_CONNECT_API_GATEWAY",
                        reason: format!(
                            "{gateway} is not on this machine; the variable only accepts a \
                             loopback address (localhost, 127.0.0.1, [::1]), for tests. Unset \
                             it to use {DEFAULT_API_GATEWAY}"
                        ),
                    });
                }
                Self::with_gateway(timeout, gateway.as_str())
            }
            _ => Self::with_gateway(timeout, DEFAULT_API_GATEWAY),
        }
    }

    /// A client that sends scoped tokens to the API gateway at `gateway`. Plain http:// is
    /// accepted only for loopback gateways.
    pub fn with_gateway(timeout: Duration, gateway: &str) -> Result<Self, Error> {
        let gateway = SiteUrl::parse(gateway, false)?.to_string();
        Ok(JiraClient {
            http: Arc::default(),
            timeout,
            gateway,
        })
    }

    /// The HTTP client, built on first use.
    fn http(&self) -> Result<reqwest::Client, Error> {
        if let Some(http) = self.http.get() {
            return Ok(http.clone());
        }
        let built = builder(self.timeout).build().map_err(setup_error)?;
        Ok(self.http.get_or_init(|| built).clone())
    }

    /// Builds the HTTP client now, off the async workers, so that the first request does
    /// not wait for it. Meant to run alongside other set-up, such as the keyring read of a
    /// check; a failure here is reported again by the request itself.
    pub async fn prepare(&self) {
        if self.http.get().is_some() {
            return;
        }
        let this = self.clone();
        let _ = tokio::task::spawn_blocking(move || this.http()).await;
    }

    /// The API gateway's base URL.
    pub fn gateway(&self) -> &str {
        &self.gateway
    }

    /// Asks the product who the credentials belong to, and for Jira reads the version.
    ///
    /// With a CA certificate (PEM), the site's certificate must chain to that CA;
    /// verification is never turned off. A scoped Cloud token goes through the API gateway;
    /// a classic one that the site refuses is tried there once, only when the target
    /// allows it.
    pub async fn validate(
        &self,
        target: &Target<'_>,
        creds: &Credentials<'_>,
    ) -> Result<Account, Error> {
        let http = match target.ca_cert {
            // Cloud sites use the public trust store; a company CA is for Server/DC.
            Some(pem) if target.deployment == Deployment::DataCenter => builder(self.timeout)
                .tls_certs_only(parse_ca(pem)?)
                .build()
                .map_err(setup_error)?,
            _ => self.http()?,
        };
        let cloud = target.deployment == Deployment::Cloud;
        if cloud && target.scoped {
            return self.validate_via_gateway(&http, target, creds).await;
        }
        let direct = self.ask(&http, target.site, target, creds).await;
        match direct {
            Err(Error::BadCredentials { .. }) if cloud && target.gateway_fallback => {
                tracing::debug!("the site refused the token; trying it as a scoped token");
                match self.validate_via_gateway(&http, target, creds).await {
                    Ok(account) => Ok(account),
                    Err(e) => {
                        tracing::debug!(error = %e, "the API gateway refused it too");
                        direct
                    }
                }
            }
            other => other,
        }
    }

    /// Reads a Cloud site's id from its unauthenticated `/_edge/tenant_info`. An answer
    /// means the site is Atlassian Cloud, whatever its host name.
    pub async fn cloud_id(&self, site: &SiteUrl) -> Result<String, Error> {
        let url = site.join("/_edge/tenant_info");
        let not_cloud = |detail: String| Error::NotCloud {
            url: site.to_string(),
            detail,
        };
        let request = self
            .http()?
            .get(&url)
            .header(header::ACCEPT, "application/json");
        let resp = self.receive(request, url, site).await?;
        if resp.status != StatusCode::OK {
            return Err(not_cloud(format!(
                "HTTP {} at /_edge/tenant_info",
                resp.status.as_u16()
            )));
        }
        let info: TenantInfo = serde_json::from_slice(&resp.body)
            .map_err(|_| not_cloud("no JSON at /_edge/tenant_info".into()))?;
        match info.cloud_id {
            Some(id) if is_cloud_id(&id) => Ok(id),
            _ => Err(not_cloud("no cloudId at /_edge/tenant_info".into())),
        }
    }

    async fn validate_via_gateway(
        &self,
        http: &reqwest::Client,
        target: &Target<'_>,
        creds: &Credentials<'_>,
    ) -> Result<Account, Error> {
        let cloud_id = match target.cloud_id {
            Some(id) => id.to_string(),
            None => self.cloud_id(target.site).await?,
        };
        let base = gateway_base(&self.gateway, target.product, &cloud_id);
        let gateway = SiteUrl::parse(&base, false)?;
        let mut account = self.ask(http, &gateway, target, creds).await?;
        account.cloud_id = Some(cloud_id);
        account.scoped = true;
        Ok(account)
    }

    /// One `whoami` request at `base`, classified, plus Jira's version.
    async fn ask(
        &self,
        http: &reqwest::Client,
        base: &SiteUrl,
        target: &Target<'_>,
        creds: &Credentials<'_>,
    ) -> Result<Account, Error> {
        let path = target.product.whoami_path(target.deployment);
        let whoami = self.get(http, base, path, creds).await?;
        let mut account = classify_for(&whoami, target.site, target.deployment, target.product)?;
        if target.product == Product::Jira {
            // The version is a nice-to-have: a failure here must not fail a valid login,
            // and it is never retried.
            let v = target.deployment.api_version();
            match self
                .get(http, base, &format!("/rest/api/{v}/serverInfo"), creds)
                .await
            {
                Ok(resp) if resp.status == StatusCode::OK => {
                    account.server_version = parse_server_version(&resp.body);
                }
                Ok(resp) => tracing::debug!(status = %resp.status, "serverInfo not available"),
                Err(e) => tracing::debug!(error = %e, "serverInfo not available"),
            }
        }
        Ok(account)
    }

    async fn get(
        &self,
        http: &reqwest::Client,
        site: &SiteUrl,
        path: &str,
        creds: &Credentials<'_>,
    ) -> Result<RawResponse, Error> {
        let url = site.join(path);
        let request = http.get(&url).header(header::ACCEPT, "application/json");
        // The only place the secret leaves its wrapper on the way out: reqwest marks both
        // headers sensitive, so they are redacted in its own Debug output.
        let request = match creds.auth {
            AuthKind::Pat => request.bearer_auth(creds.secret.expose_secret()),
            AuthKind::ApiToken | AuthKind::Password => request.basic_auth(
                creds.login.unwrap_or_default(),
                Some(creds.secret.expose_secret()),
            ),
        };
        tracing::debug!(%url, auth = creds.auth.as_str(), "GET");
        self.receive(request, url, site).await
    }

    /// Sends a request and reads its answer, up to [`MAX_BODY`] bytes.
    async fn receive(
        &self,
        request: reqwest::RequestBuilder,
        url: String,
        site: &SiteUrl,
    ) -> Result<RawResponse, Error> {
        let mut response = request
            .send()
            .await
            .map_err(|e| transport_error(&e, site, self.timeout))?;
        let status = response.status();
        let headers = response.headers().clone();
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() + chunk.len() > MAX_BODY {
                        return Err(Error::ResponseTooLarge {
                            url,
                            limit: MAX_BODY,
                        });
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => return Err(transport_error(&e, site, self.timeout)),
            }
        }
        tracing::debug!(%url, %status, bytes = body.len(), "response");
        Ok(RawResponse {
            url,
            status,
            headers,
            body,
        })
    }
}

fn builder(timeout: Duration) -> reqwest::ClientBuilder {
    let builder = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(CONNECT_TIMEOUT.min(timeout))
        .timeout(timeout)
        .user_agent(concat!("jira-connect/", env!("CARGO_PKG_VERSION")))
        // reqwest's own reading of the environment would also proxy plain http and
        // loopback targets; `https_proxy` below is the only proxy.
        .no_proxy();
    match https_proxy(|name| std::env::var(name).ok()) {
        Some(proxy) => builder.proxy(proxy),
        None => builder,
    }
}

/// Hosts never sent through a proxy: a proxy's loopback is not this machine's.
const NEVER_PROXIED: &str = "localhost, 127.0.0.0/8, ::1";

/// The proxy for `https://` requests, from `HTTPS_PROXY` (or `ALL_PROXY`) and `NO_PROXY`
/// as curl reads them. It carries TLS tunnels (`CONNECT`) only, so the proxy never sees a
/// credential. Plain `http://` requests and loopback hosts always go direct: through a
/// proxy their `Authorization` header would travel in cleartext to the proxy host, which
/// is why `HTTP_PROXY` is not read at all.
fn https_proxy(env: impl Fn(&str) -> Option<String>) -> Option<reqwest::Proxy> {
    let first = |names: &[&str]| {
        names
            .iter()
            .filter_map(|name| env(name))
            .find(|value| !value.trim().is_empty())
    };
    let url = first(&["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"])?;
    let proxy = match reqwest::Proxy::https(url.trim()) {
        Ok(proxy) => proxy,
        Err(e) => {
            tracing::warn!(error = %e, "HTTPS_PROXY is not a proxy URL; connecting directly");
            return None;
        }
    };
    let no_proxy = match first(&["NO_PROXY", "no_proxy"]) {
        Some(list) => format!("{list}, {NEVER_PROXIED}"),
        None => NEVER_PROXIED.to_string(),
    };
    Some(proxy.no_proxy(reqwest::NoProxy::from_string(&no_proxy)))
}

fn setup_error(e: reqwest::Error) -> Error {
    Error::Network {
        host: "-".into(),
        detail: format!("cannot set up HTTPS: {e}"),
    }
}

/// The most a CA certificate file may hold.
pub const MAX_CA_FILE: u64 = 1024 * 1024;

/// Parses a PEM bundle of CA certificates.
pub fn parse_ca(pem: &str) -> Result<Vec<reqwest::Certificate>, Error> {
    let invalid = |reason: String| Error::InvalidInput {
        field: "CA certificate",
        reason,
    };
    if !pem.contains("-----BEGIN CERTIFICATE-----") {
        return Err(invalid(
            "it holds no PEM certificate (-----BEGIN CERTIFICATE-----)".into(),
        ));
    }
    let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
        .map_err(|e| invalid(format!("it cannot be read as PEM: {e}")))?;
    if certs.is_empty() {
        return Err(invalid("it holds no certificate".into()));
    }
    Ok(certs)
}

/// Reads and checks a CA certificate file (PEM) for a Server/DC site behind its own PKI.
pub fn read_ca_file(path: &std::path::Path) -> Result<String, Error> {
    let invalid = |reason: String| Error::InvalidInput {
        field: "CA certificate",
        reason,
    };
    let meta = std::fs::metadata(path)
        .map_err(|e| invalid(format!("cannot read {}: {e}", path.display())))?;
    if meta.len() > MAX_CA_FILE {
        return Err(invalid(format!(
            "{} is larger than {MAX_CA_FILE} bytes; it is not a CA certificate",
            path.display()
        )));
    }
    let pem = std::fs::read_to_string(path)
        .map_err(|e| invalid(format!("cannot read {}: {e}", path.display())))?;
    parse_ca(&pem)?;
    Ok(pem)
}

/// A response as received, before classification.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub url: String,
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
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
struct TenantInfo {
    cloud_id: Option<String>,
}

/// Cloud ids are UUIDs; anything else is not used in a URL path.
fn is_cloud_id(id: &str) -> bool {
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

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JiraErrors {
    #[serde(default)]
    error_messages: Vec<String>,
    message: Option<String>,
}

fn parse_server_version(body: &[u8]) -> Option<String> {
    serde_json::from_slice::<ServerInfo>(body).ok()?.version
}

/// Turns a Jira `/myself` response into the account, or into the error it means.
pub fn classify(
    resp: &RawResponse,
    site: &SiteUrl,
    deployment: Deployment,
) -> Result<Account, Error> {
    classify_for(resp, site, deployment, Product::Jira)
}

/// Turns a `/myself` (Jira) or `user/current` (Confluence) response into the account, or
/// into the error it means.
pub fn classify_for(
    resp: &RawResponse,
    site: &SiteUrl,
    deployment: Deployment,
    product: Product,
) -> Result<Account, Error> {
    let status = resp.status;
    let header = |name: &str| {
        resp.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let seraph = header("x-seraph-loginreason");
    let denied = header("x-authentication-denied-reason");
    let bad_credentials = || Error::BadCredentials {
        product: product.title(),
        login_kind: login_kind(deployment),
        token_page: product_token_page(product, deployment, site.as_str()),
    };

    if denied.to_ascii_uppercase().contains("CAPTCHA") {
        return Err(Error::Captcha {
            login_url: login_url(&denied, site),
        });
    }
    if seraph.to_ascii_uppercase().contains("AUTHENTICATED_FAILED")
        || seraph
            .to_ascii_uppercase()
            .contains("AUTHENTICATION_DENIED")
    {
        return Err(bad_credentials());
    }

    match status.as_u16() {
        200 => {}
        301 | 302 | 303 | 307 | 308 => return Err(redirect_error(resp, site)),
        401 => return Err(bad_credentials()),
        403 => {
            return Err(Error::Forbidden {
                detail: jira_error_detail(&resp.body),
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

    let content_type = header("content-type").to_ascii_lowercase();
    let trimmed = trim_ascii_start(&resp.body);
    if content_type.contains("text/html") || trimmed.first() == Some(&b'<') {
        return Err(Error::LoginPage { location: None });
    }
    if trimmed.is_empty() {
        return Err(Error::NotJira {
            url: site.to_string(),
            detail: "an empty answer to the user API".into(),
        });
    }
    let not_json = || {
        if trimmed.first() == Some(&b'{') {
            Error::Malformed {
                snippet: snippet(&resp.body),
            }
        } else {
            Error::NotJira {
                url: site.to_string(),
                detail: format!("a non-JSON answer: {:?}", snippet(&resp.body)),
            }
        }
    };
    let (account_id, display_name, email, username) = match product {
        Product::Jira => {
            let me: Myself = serde_json::from_slice(&resp.body).map_err(|_| not_json())?;
            let account_id = me.account_id.or(me.key).or_else(|| me.name.clone());
            (account_id, me.display_name, me.email_address, me.name)
        }
        Product::Confluence => {
            let me: ConfluenceUser = serde_json::from_slice(&resp.body).map_err(|_| not_json())?;
            // Confluence answers an unauthenticated request with the anonymous user.
            if me.kind.as_deref() == Some("anonymous") {
                return Err(bad_credentials());
            }
            let account_id = me
                .account_id
                .or(me.user_key)
                .or_else(|| me.username.clone());
            let display_name = me.display_name.or(me.public_name);
            (account_id, display_name, me.email, me.username)
        }
    };
    match (account_id, display_name) {
        (Some(account_id), Some(display_name)) => Ok(Account {
            account_id,
            display_name,
            email: email.filter(|e| !e.is_empty()),
            username,
            server_version: None,
            cloud_id: None,
            scoped: false,
        }),
        _ => Err(Error::Malformed {
            snippet: snippet(&resp.body),
        }),
    }
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
    let target = url::Url::parse(&resp.url)
        .and_then(|base| base.join(location))
        .map(|u| u.to_string())
        .unwrap_or_else(|_| location.to_string());
    if looks_like_login(&target) {
        return Error::LoginPage {
            location: Some(strip_query(&target)),
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
            location: Some(strip_query(&target)),
        };
    }
    Error::Moved {
        location: strip_query(&target),
        suggested,
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

fn login_url(denied: &str, site: &SiteUrl) -> String {
    // Jira puts the login URL after the reason: "CAPTCHA_CHALLENGE; login-url=https://…".
    denied
        .split(';')
        .filter_map(|part| part.trim().strip_prefix("login-url="))
        .map(str::to_string)
        .next()
        .unwrap_or_else(|| site.join("/login.jsp"))
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(header::RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    // An HTTP date: convert to seconds from now.
    let when = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
    let secs = when.as_second() - jiff::Timestamp::now().as_second();
    Some(Duration::from_secs(secs.max(0) as u64))
}

fn jira_error_detail(body: &[u8]) -> String {
    let Ok(errors) = serde_json::from_slice::<JiraErrors>(body) else {
        return String::new();
    };
    let text = errors
        .error_messages
        .into_iter()
        .chain(errors.message)
        .collect::<Vec<_>>()
        .join("; ");
    if text.is_empty() {
        String::new()
    } else {
        format!(": {}", truncate(&text, 200))
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

/// The first bytes of a body, as text, for error messages.
fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(120)]);
    truncate(text.trim(), 80)
}

fn truncate(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max_chars).collect();
        format!("{cut}…")
    }
}

/// Turns a transport failure into the taxonomy, by walking the error's causes.
fn transport_error(err: &reqwest::Error, site: &SiteUrl, timeout: Duration) -> Error {
    let host = site.host().to_string();
    let mut chain = Vec::new();
    let mut source: Option<&dyn std::error::Error> = Some(err);
    let mut io_kind = None;
    let mut tls = None;
    while let Some(e) = source {
        chain.push(e.to_string());
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            io_kind.get_or_insert(io.kind());
            // rustls reports through io::Errors wrapping io::Errors; their `source()` skips
            // the wrapped error, so unwrap them by hand.
            let mut inner = io.get_ref();
            while let Some(wrapped) = inner {
                if let Some(t) = wrapped.downcast_ref::<rustls::Error>() {
                    tls.get_or_insert_with(|| tls_text(t));
                }
                inner = wrapped
                    .downcast_ref::<std::io::Error>()
                    .and_then(|io| io.get_ref());
            }
        }
        if let Some(t) = e.downcast_ref::<rustls::Error>() {
            tls.get_or_insert_with(|| tls_text(t));
        }
        source = e.source();
    }
    if let Some(detail) = tls {
        return Error::Tls { host, detail };
    }
    let text = chain.join(": ").to_ascii_lowercase();
    if err.is_timeout() || io_kind == Some(std::io::ErrorKind::TimedOut) {
        return Error::Timeout {
            host,
            after: timeout,
        };
    }
    if io_kind == Some(std::io::ErrorKind::ConnectionRefused) || text.contains("refused") {
        return Error::ConnectionRefused { host };
    }
    if text.contains("dns error")
        || text.contains("failed to lookup address")
        || text.contains("name or service not known")
        || text.contains("no such host")
    {
        return Error::Dns { host };
    }
    if text.contains("certificate") || text.contains("tls") || text.contains("handshake") {
        return Error::Tls {
            host,
            detail: tls_reason(&chain),
        };
    }
    Error::Network {
        host,
        detail: chain.last().cloned().unwrap_or_else(|| err.to_string()),
    }
}

/// A TLS failure in words a user can act on.
fn tls_text(err: &rustls::Error) -> String {
    use rustls::{CertificateError, Error as E};
    match err {
        E::InvalidCertificate(CertificateError::UnknownIssuer) => {
            "it is signed by an unknown certificate authority".into()
        }
        E::InvalidCertificate(
            CertificateError::Expired | CertificateError::ExpiredContext { .. },
        ) => "the certificate has expired".into(),
        E::InvalidCertificate(CertificateError::NotValidForName) => {
            "the certificate is for a different host name".into()
        }
        E::InvalidCertificate(CertificateError::NotValidForNameContext { .. }) => {
            "the certificate is for a different host name".into()
        }
        E::InvalidCertificate(CertificateError::BadSignature) => {
            "the certificate's signature is invalid".into()
        }
        E::InvalidCertificate(other) => format!("invalid certificate: {other:?}"),
        E::InvalidMessage(_) => {
            "the server does not speak TLS on this port; check https:// and the port".into()
        }
        other => other.to_string(),
    }
}

fn tls_reason(chain: &[String]) -> String {
    chain
        .iter()
        .rev()
        .find(|c| {
            let l = c.to_ascii_lowercase();
            l.contains("certificate") || l.contains("tls") || l.contains("handshake")
        })
        .cloned()
        .unwrap_or_else(|| "handshake failed".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    fn site() -> SiteUrl {
        SiteUrl::parse("https://jira.corp.example/jira", false).unwrap()
    }

    fn resp(status: u16, headers: &[(&'static str, &str)], body: &str) -> RawResponse {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.insert(*k, HeaderValue::from_str(v).unwrap());
        }
        RawResponse {
            url: "https://jira.corp.example/jira/rest/api/2/myself".into(),
            status: StatusCode::from_u16(status).unwrap(),
            headers: map,
            body: body.as_bytes().to_vec(),
        }
    }

    fn classify_dc(r: &RawResponse) -> Result<Account, Error> {
        classify(r, &site(), Deployment::DataCenter)
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
        let a = classify(&r, &site(), Deployment::Cloud).unwrap();
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
            };
            let _ = classify_dc(&r);
        }
    }
}
