//! Requests to Jira, Confluence and Atlassian's API gateway, and the one HTTP client they
//! share: redirects off, timeouts, the body cap, and the proxy rules.

use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{self};
use secrecy::ExposeSecret;

use crate::core::connection::{AuthKind, Deployment, Product, gateway_base};
use crate::core::error::Error;
use crate::core::error::InputField;
use crate::core::site_url::{SiteUrl, is_loopback_host};

use super::classify::{
    RawResponse, Redact, TenantInfo, classify_for, is_cloud_id, parse_server_version,
};
use super::oauth::{self, AccessToken, TokenCache};
use super::tls::{parse_ca, transport_error};
use super::{Account, Credentials, Target};

/// The most this client reads of any response body.
pub const MAX_BODY: usize = 1024 * 1024;
/// How long establishing a connection may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default limit for a whole request.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Where Atlassian's API gateway is, unless `JIRA_CONNECT_API_GATEWAY` says otherwise.
pub const DEFAULT_API_GATEWAY: &str = "https://api.atlassian.com";

/// A Jira REST client for validating credentials.
///
/// Its HTTP client is built on first use, not with it: building it loads and parses every
/// CA certificate of the system, which the desktop app must not pay before its window
/// shows, and which a check does while it reads the keyring (see [`JiraClient::prepare`]).
/// Clones share one HTTP client and so one connection pool.
#[derive(Clone)]
pub struct JiraClient {
    http: Arc<tokio::sync::OnceCell<reqwest::Client>>,
    timeout: Duration,
    /// The API gateway's base URL, without a trailing slash.
    gateway: String,
    /// Atlassian Cloud's OAuth token URL, for service accounts.
    auth_url: String,
    /// Access tokens minted from client credentials, in memory only, shared by clones.
    tokens: Arc<std::sync::Mutex<TokenCache>>,
}

impl std::fmt::Debug for JiraClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JiraClient")
            .field("timeout", &self.timeout)
            .field("gateway", &self.gateway)
            .field("auth_url", &self.auth_url)
            .finish_non_exhaustive()
    }
}

impl JiraClient {
    /// A client whose requests may take at most `timeout` each.
    ///
    /// The API gateway is `$JIRA_CONNECT_API_GATEWAY` when set (for tests against a local
    /// gateway), else [`DEFAULT_API_GATEWAY`]. The variable is honoured only for a loopback
    /// address, so that no environment can send scoped tokens to another host.
    ///
    /// Likewise, Atlassian Cloud's OAuth token URL is `$JIRA_CONNECT_AUTH_URL` when set,
    /// on loopback only, else [`oauth::DEFAULT_AUTH_URL`].
    pub fn new(timeout: Duration) -> Result<Self, Error> {
        let auth_url = oauth::auth_url_from_env()?;
        let client = match std::env::var("JIRA_CONNECT_API_GATEWAY") {
            Ok(url) if !url.trim().is_empty() => {
                let gateway = SiteUrl::parse(&url, true)?;
                if !is_loopback_host(gateway.host()) {
                    return Err(Error::InvalidInput {
                        field: InputField::ApiGateway,
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
        }?;
        Ok(JiraClient { auth_url, ..client })
    }

    /// This client, minting service accounts' Cloud tokens at `url` instead. Plain http://
    /// is accepted only for loopback addresses.
    pub fn with_auth_url(self, url: &str) -> Result<Self, Error> {
        Ok(JiraClient {
            auth_url: oauth::checked_auth_url(url)?,
            ..self
        })
    }

    /// A client that sends scoped tokens to the API gateway at `gateway`. Plain http:// is
    /// accepted only for loopback gateways.
    pub fn with_gateway(timeout: Duration, gateway: &str) -> Result<Self, Error> {
        let gateway = SiteUrl::parse(gateway, false)?.to_string();
        Ok(JiraClient {
            http: Arc::default(),
            timeout,
            gateway,
            auth_url: oauth::DEFAULT_AUTH_URL.to_string(),
            tokens: Arc::default(),
        })
    }

    /// The HTTP client, built once, on first use, off the async workers: building it loads
    /// the system's CA certificates, which takes milliseconds of blocking file IO. Callers
    /// that come while it is being built wait for that one build instead of starting their
    /// own.
    async fn http(&self) -> Result<reqwest::Client, Error> {
        let timeout = self.timeout;
        self.http
            .get_or_try_init(|| async move {
                tokio::task::spawn_blocking(move || builder(timeout).build().map_err(setup_error))
                    .await
                    .map_err(|e| Error::Network {
                        host: "-".into(),
                        detail: format!("setting up the HTTP client stopped: {e}"),
                    })?
            })
            .await
            .cloned()
    }

    /// Builds the HTTP client now, so that the first request does not wait for it. Meant to
    /// run alongside other set-up, such as the keyring read of a check; a failure here is
    /// reported again by the request itself.
    pub async fn prepare(&self) {
        let _ = self.http().await;
    }

    /// The API gateway's base URL.
    pub fn gateway(&self) -> &str {
        &self.gateway
    }

    /// Asks the product who the credentials belong to and, for Jira, the site's version,
    /// both at once, so that a validation costs one round trip, not two.
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
        let (account, version) =
            tokio::join!(self.whoami(target, creds), self.server_version(target));
        let mut account = account?;
        // Asked without credentials, but redacted all the same: a server that saw the
        // token in the other request must not get it stored through the version.
        account.server_version = version.map(|v| Redact::credentials(creds).apply(&v));
        Ok(account)
    }

    /// Who the credentials belong to, without the version: [`JiraClient::validate`] minus
    /// `serverInfo`, for callers that ask each site's version once for many accounts.
    pub(crate) async fn whoami(
        &self,
        target: &Target<'_>,
        creds: &Credentials<'_>,
    ) -> Result<Account, Error> {
        if creds.auth == AuthKind::ClientCredentials {
            return self.whoami_service_account(target, creds).await;
        }
        let http = self.http_for(target).await?;
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
                    // The gateway took the token but not for the user API: say which scope.
                    Err(e @ Error::MissingScope { .. }) => Err(e),
                    Err(e) => {
                        tracing::debug!(error = %e, "the API gateway refused it too");
                        direct
                    }
                }
            }
            other => other,
        }
    }

    /// The Jira version of the target's site, from its `serverInfo`; `None` for Confluence
    /// or when the site does not say. A nice-to-have: never retried, and never the reason a
    /// login fails.
    ///
    /// Asked without credentials: Jira's `serverInfo` is public, the version belongs to the
    /// site rather than the account, and a second request with a wrong token would count
    /// twice against Server/Data Center's failed-login limit, which ends in a CAPTCHA.
    pub async fn server_version(&self, target: &Target<'_>) -> Option<String> {
        if target.product != Product::Jira {
            return None;
        }
        let http = self.http_for(target).await.ok()?;
        let v = target.deployment.api_version();
        let path = format!("/rest/api/{v}/serverInfo");
        match self.get(&http, target.site, &path, None).await {
            Ok(resp) if resp.status == StatusCode::OK => parse_server_version(&resp),
            Ok(resp) => {
                tracing::debug!(status = %resp.status, "serverInfo not available");
                None
            }
            Err(e) => {
                tracing::debug!(error = %e, "serverInfo not available");
                None
            }
        }
    }

    /// Asks the site without credentials, as `doctor` does to see whether TLS works: Jira's
    /// `serverInfo`, with its version, or Confluence's `/status`. Any answer means the site
    /// was reached (and its certificate verified); the version is `None` unless Jira gave
    /// one with a 200.
    pub(crate) async fn probe(&self, target: &Target<'_>) -> Result<Option<String>, Error> {
        let http = self.http_for(target).await?;
        let path = match target.product {
            Product::Jira => format!("/rest/api/{}/serverInfo", target.deployment.api_version()),
            Product::Confluence => "/status".to_string(),
        };
        let resp = self.get(&http, target.site, &path, None).await?;
        Ok(match (target.product, resp.status) {
            (Product::Jira, StatusCode::OK) => parse_server_version(&resp),
            _ => None,
        })
    }

    /// The HTTP client for a target: the shared one, or one that trusts exactly the
    /// connection's own CA.
    pub(crate) async fn http_for(&self, target: &Target<'_>) -> Result<reqwest::Client, Error> {
        match target.ca_cert {
            // Cloud sites use the public trust store; a company CA is for Server/DC.
            Some(pem) if target.deployment == Deployment::DataCenter => builder(self.timeout)
                .tls_certs_only(parse_ca(pem)?)
                .build()
                .map_err(setup_error),
            _ => self.http().await,
        }
    }

    /// Reads a Cloud site's id from its unauthenticated `/_edge/tenant_info`, at the origin's
    /// root whatever path the address had. An answer means the site is Atlassian Cloud,
    /// whatever its host name.
    pub async fn cloud_id(&self, site: &SiteUrl) -> Result<String, Error> {
        let site = &site.origin();
        let url = site.join("/_edge/tenant_info");
        let not_cloud = |detail: String| Error::NotCloud {
            url: site.to_string(),
            detail,
        };
        let request = self
            .http()
            .await?
            .get(&url)
            .header(header::ACCEPT, "application/json");
        let resp = self.receive(request, url, site).await?;
        let found = if resp.status != StatusCode::OK {
            Err(format!(
                "HTTP {} at /_edge/tenant_info",
                resp.status.as_u16()
            ))
        } else {
            match serde_json::from_slice::<TenantInfo>(&resp.body) {
                Ok(TenantInfo { cloud_id: Some(id) }) if is_cloud_id(&id) => Ok(id),
                Ok(_) => Err("no cloudId at /_edge/tenant_info".to_string()),
                Err(_) => Err("no JSON at /_edge/tenant_info".to_string()),
            }
        };
        match found {
            Ok(id) => Ok(id),
            // `/_edge/tenant_info` is not a documented endpoint: when it is gone or has
            // changed, ask the documented route before concluding.
            Err(detail) => match self.cloud_id_from_graphql(site).await {
                Some(id) => Ok(id),
                None => Err(not_cloud(detail)),
            },
        }
    }

    /// The cloud id from the documented route: the GraphQL `tenantContexts(hostNames: …)`
    /// query at `POST SITE/gateway/api/graphql`, asked without credentials. `None` when the
    /// answer holds no usable id.
    async fn cloud_id_from_graphql(&self, site: &SiteUrl) -> Option<String> {
        let url = site.join("/gateway/api/graphql");
        let query = serde_json::json!({
            "query": "query CloudId($hosts: [String!]) { tenantContexts(hostNames: $hosts) { cloudId } }",
            "variables": { "hosts": [site.host()] },
        });
        let request = self
            .http()
            .await
            .ok()?
            .post(&url)
            .header(header::ACCEPT, "application/json")
            .json(&query);
        let resp = self.receive(request, url, site).await.ok()?;
        if resp.status != StatusCode::OK {
            tracing::debug!(status = %resp.status, "no cloud id from the GraphQL gateway");
            return None;
        }
        let answer: serde_json::Value = serde_json::from_slice(&resp.body).ok()?;
        let id = answer.pointer("/data/tenantContexts/0/cloudId")?.as_str()?;
        is_cloud_id(id).then(|| id.to_string())
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

    /// Who a service account is: a new access token from its client credentials, then the
    /// user API with it, through the API gateway on Cloud and at the site on Data Center.
    /// A token the user API refuses with a 401 is minted once more, and asked once more.
    async fn whoami_service_account(
        &self,
        target: &Target<'_>,
        creds: &Credentials<'_>,
    ) -> Result<Account, Error> {
        let http = self.http_for(target).await?;
        let (base, cloud_id) = match target.deployment {
            Deployment::Cloud => {
                let cloud_id = match target.cloud_id {
                    Some(id) => id.to_string(),
                    None => self.cloud_id(target.site).await?,
                };
                let base = gateway_base(&self.gateway, target.product, &cloud_id);
                (SiteUrl::parse(&base, false)?, Some(cloud_id))
            }
            Deployment::DataCenter => (target.site.clone(), None),
        };
        let path = target.product.whoami_path(target.deployment);
        let mut retried = false;
        loop {
            let token = self.mint(target, creds).await?;
            let bearer = Credentials {
                auth: AuthKind::Pat,
                login: None,
                secret: &token.secret,
            };
            let mut whoami = self.get(&http, &base, path, Some(&bearer)).await?;
            whoami.redact = oauth::redact_both(creds, Some(&token.secret));
            if whoami.status == StatusCode::UNAUTHORIZED && !retried {
                tracing::debug!("the access token was refused; minting another, once");
                self.forget_token(target, creds);
                retried = true;
                continue;
            }
            let mut account =
                match classify_for(&whoami, target.site, target.deployment, target.product) {
                    Err(Error::BadCredentials { product, .. }) => Err(Error::ClientRefused {
                        product,
                        page: crate::core::connection::service_account_page(
                            target.deployment,
                            target.site.as_str(),
                        ),
                        place: crate::core::connection::service_account_place(target.deployment),
                    }),
                    other => other,
                }?;
            account.scoped = cloud_id.is_some();
            account.cloud_id = cloud_id;
            return Ok(account);
        }
    }

    /// A new access token from client credentials, asked for once, never retried; it
    /// replaces the one kept in memory.
    pub(crate) async fn mint(
        &self,
        target: &Target<'_>,
        creds: &Credentials<'_>,
    ) -> Result<AccessToken, Error> {
        let url = oauth::token_url(target, &self.auth_url);
        let (http, host) = match target.deployment {
            Deployment::Cloud => (self.http().await?, SiteUrl::parse(&url, false)?),
            Deployment::DataCenter => (self.http_for(target).await?, target.site.clone()),
        };
        let request = oauth::token_request(&http, &url, target.deployment, creds);
        tracing::debug!(%url, "POST, client credentials");
        let mut resp = self.receive(request, url.clone(), &host).await?;
        resp.redact = oauth::redact_both(creds, None);
        let token = oauth::classify_token(
            &resp,
            target.deployment,
            target.site,
            target.product.title(),
        )?;
        self.cache().put(&url, creds, &token);
        Ok(token)
    }

    /// An access token for client credentials: the one kept in memory while it has more
    /// than [`oauth::REMINT_MARGIN`] left, else a new one.
    pub async fn access_token(
        &self,
        target: &Target<'_>,
        creds: &Credentials<'_>,
    ) -> Result<AccessToken, Error> {
        let url = oauth::token_url(target, &self.auth_url);
        if let Some(token) = self.cache().get(&url, creds) {
            tracing::debug!("using the access token kept in memory");
            return Ok(token);
        }
        self.mint(target, creds).await
    }

    fn forget_token(&self, target: &Target<'_>, creds: &Credentials<'_>) {
        let url = oauth::token_url(target, &self.auth_url);
        self.cache().drop_for(&url, creds);
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, TokenCache> {
        self.tokens.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// One `whoami` request at `base`, classified.
    async fn ask(
        &self,
        http: &reqwest::Client,
        base: &SiteUrl,
        target: &Target<'_>,
        creds: &Credentials<'_>,
    ) -> Result<Account, Error> {
        let path = target.product.whoami_path(target.deployment);
        let whoami = self.get(http, base, path, Some(creds)).await?;
        classify_for(&whoami, target.site, target.deployment, target.product)
    }

    async fn get(
        &self,
        http: &reqwest::Client,
        site: &SiteUrl,
        path: &str,
        creds: Option<&Credentials<'_>>,
    ) -> Result<RawResponse, Error> {
        let url = site.join(path);
        let request = http.get(&url).header(header::ACCEPT, "application/json");
        let Some(creds) = creds else {
            // Asked without credentials means `serverInfo`, which runs alongside the user
            // request. Its connection is not kept: had `/myself` reused it, a server that
            // writes headers and body in two writes without TCP_NODELAY (Python's
            // http.server, many proxies) would hold the body until this side's delayed ACK,
            // about 40 ms, whereas a fresh connection is still in TCP's quick-ACK start.
            tracing::debug!(%url, "GET, without credentials, on a connection of its own");
            let request = request.header(header::CONNECTION, "close");
            return self.receive(request, url, site).await;
        };
        // The only place the secret leaves its wrapper on the way out: reqwest marks both
        // headers sensitive, so they are redacted in its own Debug output.
        let request = match creds.auth {
            AuthKind::Pat => request.bearer_auth(creds.secret.expose_secret()),
            // A client secret is never a header: it is exchanged for an access token first.
            AuthKind::ClientCredentials => {
                return Err(Error::InvalidInput {
                    field: InputField::Auth,
                    reason: "a client secret is sent only to the OAuth token endpoint".into(),
                });
            }
            AuthKind::ApiToken | AuthKind::Password => request.basic_auth(
                creds.login.unwrap_or_default(),
                Some(creds.secret.expose_secret()),
            ),
        };
        tracing::debug!(%url, auth = creds.auth.as_str(), "GET");
        let mut response = self.receive(request, url, site).await?;
        response.redact = Redact::credentials(creds);
        Ok(response)
    }

    /// Sends a request and reads its answer, up to [`MAX_BODY`] bytes.
    pub(crate) async fn receive(
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
            redact: Redact::default(),
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

/// The proxy a request to a site goes through, as `doctor` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ProxyUse {
    /// The proxy's address without any user name or password.
    pub shown: String,
    pub host: String,
    pub port: u16,
    /// The variable it came from.
    pub variable: &'static str,
}

/// Whether requests to `site` go through a proxy, by the same rules as [`https_proxy`]:
/// never for plain http or loopback, never for a host `NO_PROXY` names.
pub(crate) fn proxy_for(site: &SiteUrl) -> Option<ProxyUse> {
    proxy_for_env(site, |name| std::env::var(name).ok())
}

fn proxy_for_env(site: &SiteUrl, env: impl Fn(&str) -> Option<String>) -> Option<ProxyUse> {
    if site.is_insecure() || is_loopback_host(site.host()) {
        return None;
    }
    let (variable, value) = ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]
        .into_iter()
        .filter_map(|name| env(name).map(|v| (name, v)))
        .find(|(_, v)| !v.trim().is_empty())?;
    // reqwest reads a proxy without a scheme as http://.
    let value = value.trim();
    let parsed = if value.contains("://") {
        reqwest::Url::parse(value)
    } else {
        reqwest::Url::parse(&format!("http://{value}"))
    }
    .ok()?;
    reqwest::Proxy::https(value).ok()?;
    let host = parsed
        .host_str()?
        .trim_start_matches('[')
        .trim_end_matches(']');
    let port = parsed.port_or_known_default().unwrap_or(80);
    let no_proxy = ["NO_PROXY", "no_proxy"]
        .into_iter()
        .filter_map(&env)
        .find(|v| !v.trim().is_empty())
        .unwrap_or_default();
    let target = site.host().trim_start_matches('[').trim_end_matches(']');
    let excluded = no_proxy.split(',').map(str::trim).any(|entry| {
        let entry = entry.trim_start_matches("*.").trim_start_matches('.');
        entry == "*"
            || (!entry.is_empty()
                && (target.eq_ignore_ascii_case(entry)
                    || target
                        .to_ascii_lowercase()
                        .ends_with(&format!(".{}", entry.to_ascii_lowercase()))))
    });
    if excluded {
        return None;
    }
    Some(ProxyUse {
        shown: format!("{}://{host}:{port}", parsed.scheme()),
        host: host.to_string(),
        port,
        variable,
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    fn site(url: &str) -> SiteUrl {
        SiteUrl::parse(url, true).unwrap()
    }

    #[test]
    fn doctor_names_the_proxy_the_client_would_use() {
        let vars = [
            ("HTTPS_PROXY", "http://mia:s3cret@proxy.corp:3128"),
            ("NO_PROXY", "internal.corp, .lan"),
        ];
        let used = proxy_for_env(&site("https://acme.atlassian.net"), env(&vars)).unwrap();
        assert_eq!(
            used.shown, "http://proxy.corp:3128",
            "no user name or password"
        );
        assert_eq!((used.host.as_str(), used.port), ("proxy.corp", 3128));
        assert_eq!(used.variable, "HTTPS_PROXY");
        // NO_PROXY, plain http and loopback go direct, as in the client.
        for direct in [
            "https://jira.internal.corp",
            "https://internal.corp",
            "https://jira.lan",
            "http://jira.example.com",
            "https://127.0.0.1:8443",
            "https://localhost",
        ] {
            assert_eq!(proxy_for_env(&site(direct), env(&vars)), None, "{direct}");
        }
        assert_eq!(
            proxy_for_env(&site("https://acme.atlassian.net"), env(&[])),
            None
        );
        let all = [("all_proxy", "proxy.corp:8080")];
        let used = proxy_for_env(&site("https://acme.atlassian.net"), env(&all)).unwrap();
        assert_eq!(
            (used.shown.as_str(), used.variable),
            ("http://proxy.corp:8080", "all_proxy")
        );
    }
}
