//! The Jira REST client: asks Jira who the credentials belong to, manages a Data Center
//! account's personal access tokens, and turns every way that can fail into a typed
//! [`Error`]. Split along the seam between IO and pure code:
//! - [`client`]: the requests (the user, the server's version, the Cloud tenant, the API
//!   gateway) and the one HTTP client they share, with its proxy rules and limits;
//! - [`pat`]: a Data Center account's personal access tokens (list, create, revoke),
//!   through the same HTTP client and the same classifier;
//! - [`classify`]: an answer to an account or to the error it means, and the redaction of
//!   what the server sends; pure, and fuzzed. Every request above reads Jira's error
//!   bodies, login pages and headers through its helpers, so they read the same everywhere;
//! - [`oauth`]: a service account's access tokens, minted from its OAuth 2.0 client
//!   credentials, and the refusals of the token endpoint;
//! - [`tls`]: a company's CA certificate, and transport failures turned into errors.
//!
//! Rules that protect the user's account and token:
//! - redirects are never followed, so credentials never reach another host or port;
//! - a 401 or 403 is never retried, because repeated bad logins lock Server/DC accounts
//!   behind a CAPTCHA;
//! - a 200 counts only when its body parses as the user, with a non-empty account id;
//! - bodies are read up to [`MAX_BODY`] bytes, with a connect and a whole-request timeout;
//! - plain `http://` and loopback requests never go through a proxy;
//! - text the server sends reaches an [`Account`] or an [`Error`] only through
//!   [`classify_for`], which removes control characters, redacts the secret in every form
//!   it was sent in (see [`Redact`]) and caps each field's length (see [`MAX_NAME_CHARS`]).
//!
//! Any other client of a Jira or Atlassian REST API belongs here too, beside [`pat`] and
//! [`oauth`], so that it keeps these rules.
//!
//! [`Error`]: crate::core::error::Error

mod classify;
mod client;
pub mod oauth;
pub mod pat;
mod tls;

pub use classify::{
    MAX_DETAIL_CHARS, MAX_EMAIL_CHARS, MAX_ID_CHARS, MAX_LOCATION_CHARS, MAX_NAME_CHARS,
    MAX_SNIPPET_CHARS, MAX_VERSION_CHARS, REDACTED, RawResponse, Redact, classify_for,
};
pub(crate) use client::proxy_for;
pub use client::{CONNECT_TIMEOUT, DEFAULT_API_GATEWAY, DEFAULT_TIMEOUT, JiraClient, MAX_BODY};
pub use tls::{MAX_CA_FILE, parse_ca, read_ca_file};

use secrecy::SecretString;

use crate::core::connection::{AuthKind, Deployment, Product};
use crate::core::site_url::SiteUrl;

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
    #[cfg(any(test, feature = "test-support"))]
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
