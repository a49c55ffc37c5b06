//! The connection model: what is saved about a Jira connection (never its secret), and the
//! status derived from its last check and its token's expiry date.

use std::fmt;

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::core::site_url::SiteUrl;

/// Tokens that expire within this many days are reported as expiring soon.
pub(crate) const EXPIRY_WARNING_DAYS: i32 = 14;

/// Where Atlassian account holders manage their Cloud API tokens.
pub(crate) const CLOUD_TOKEN_PAGE: &str =
    "https://id.atlassian.com/manage-profile/security/api-tokens";

/// Stable identity of a saved connection; also the keyring entry's user name.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ConnectionId(String);

impl ConnectionId {
    /// A new random id.
    pub fn generate() -> Self {
        ConnectionId(uuid::Uuid::new_v4().simple().to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The id of a keyring entry that is no connection's, such as `doctor`'s test entry.
    pub(crate) fn probe(user: &str) -> Self {
        ConnectionId(user.to_string())
    }
}

impl fmt::Display for ConnectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ConnectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ConnectionId({})", self.0)
    }
}

/// Jira Cloud or a self-hosted Jira Server / Data Center.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Deployment {
    Cloud,
    DataCenter,
}

impl Deployment {
    /// Infers the deployment from the host name: `*.atlassian.net` and `*.jira.com` are Cloud.
    pub(crate) fn infer(url: &SiteUrl) -> Self {
        if url.is_cloud_host() {
            Deployment::Cloud
        } else {
            Deployment::DataCenter
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Deployment::Cloud => "cloud",
            Deployment::DataCenter => "data-center",
        }
    }

    /// The auth kind used when the user does not choose one.
    pub(crate) fn default_auth(self) -> AuthKind {
        match self {
            Deployment::Cloud => AuthKind::ApiToken,
            Deployment::DataCenter => AuthKind::Pat,
        }
    }

    /// The REST API version used for `/myself` and `/serverInfo`.
    pub(crate) fn api_version(self) -> u8 {
        match self {
            Deployment::Cloud => 3,
            Deployment::DataCenter => 2,
        }
    }
}

/// The Atlassian product a connection talks to. One Cloud API token serves both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Product {
    #[default]
    Jira,
    Confluence,
}

impl Product {
    pub fn as_str(self) -> &'static str {
        match self {
            Product::Jira => "jira",
            Product::Confluence => "confluence",
        }
    }

    /// "Jira" or "Confluence".
    pub fn title(self) -> &'static str {
        match self {
            Product::Jira => "Jira",
            Product::Confluence => "Confluence",
        }
    }

    fn is_jira(&self) -> bool {
        *self == Product::Jira
    }

    /// The product's name in the API gateway's paths: `/ex/{name}/{cloudId}`.
    pub(crate) fn gateway_name(self) -> &'static str {
        self.as_str()
    }

    /// The path, below the site's base, that tells who the credentials belong to.
    pub(crate) fn whoami_path(self, deployment: Deployment) -> &'static str {
        match (self, deployment) {
            (Product::Jira, Deployment::Cloud) => "/rest/api/3/myself",
            (Product::Jira, Deployment::DataCenter) => "/rest/api/2/myself",
            (Product::Confluence, Deployment::Cloud) => "/wiki/rest/api/user/current",
            (Product::Confluence, Deployment::DataCenter) => "/rest/api/user/current",
        }
    }

    /// The name users know: "Jira Cloud", "Confluence Data Center", ...
    pub(crate) fn full_name(self, deployment: Deployment) -> String {
        let kind = match deployment {
            Deployment::Cloud => "Cloud",
            Deployment::DataCenter => "Data Center",
        };
        format!("{} {kind}", self.title())
    }
}

/// How the secret is presented to Jira.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AuthKind {
    /// Cloud API token, sent as Basic `email:token`.
    ApiToken,
    /// Server/DC password, sent as Basic `username:password`.
    Password,
    /// Server/DC personal access token, sent as `Authorization: Bearer`.
    Pat,
    /// A service account's OAuth 2.0 client credentials: the client id is the connection's
    /// login, the client secret its secret. Each call sends a short-lived access token,
    /// minted from them, as `Authorization: Bearer`; on Cloud through the API gateway.
    ClientCredentials,
}

impl AuthKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthKind::ApiToken => "api-token",
            AuthKind::Password => "password",
            AuthKind::Pat => "pat",
            AuthKind::ClientCredentials => "client-credentials",
        }
    }

    /// What the secret is called in messages and labels.
    pub(crate) fn secret_name(self) -> &'static str {
        match self {
            AuthKind::ApiToken => "API token",
            AuthKind::Password => "password",
            AuthKind::Pat => "personal access token",
            AuthKind::ClientCredentials => "client secret",
        }
    }
}

/// The result of the last check, as recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Valid,
    Rejected,
    Unreachable,
    Error,
    SecretMissing,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Valid => "valid",
            Outcome::Rejected => "rejected",
            Outcome::Unreachable => "unreachable",
            Outcome::Error => "error",
            Outcome::SecretMissing => "secret-missing",
        }
    }
}

/// What the last check found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LastCheck {
    #[serde(with = "toml_timestamp")]
    pub at: Timestamp,
    pub outcome: Outcome,
    /// The full message of a failed check.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub server_version: Option<String>,
}

/// A saved connection: everything but the secret, which lives in the OS keyring.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Connection {
    pub id: ConnectionId,
    pub name: String,
    pub url: String,
    pub deployment: Deployment,
    pub auth: AuthKind,
    /// Email on Cloud, username on Server/DC; absent for a PAT whose user is not known yet.
    /// For a service account's client credentials, the OAuth client id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub login: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_label: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "toml_date")]
    pub token_created: Option<Date>,
    #[serde(default, skip_serializing_if = "Option::is_none", with = "toml_date")]
    pub token_expires: Option<Date>,
    /// The server's id of a Data Center personal access token, to revoke it by id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_id: Option<u64>,
    /// The CA certificate (PEM) the site's certificate must chain to, for Server/DC sites
    /// behind a company PKI. Not a secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_cert: Option<String>,
    /// The user explicitly allowed plain HTTP to a non-loopback host.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub allow_http: bool,
    /// Jira (the default) or Confluence.
    #[serde(default, skip_serializing_if = "Product::is_jira")]
    pub product: Product,
    /// A Cloud API token with scopes: Atlassian accepts it only through the API gateway
    /// (`https://api.atlassian.com/ex/{product}/{cloud_id}`), never at the site itself.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub scoped: bool,
    /// The Cloud site's id, from `/_edge/tenant_info`; set for scoped tokens.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_id: Option<String>,
    /// The connection that shares this one's token (Jira and Confluence on one Cloud site).
    /// Replacing the token of either replaces both.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linked: Option<ConnectionId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_check: Option<LastCheck>,
}

/// The status shown on a connection's badge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Valid,
    ExpiringSoon,
    Expired,
    Rejected,
    Unreachable,
    Error,
    Unchecked,
    SecretMissing,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Valid => "valid",
            Status::ExpiringSoon => "expiring-soon",
            Status::Expired => "expired",
            Status::Rejected => "rejected",
            Status::Unreachable => "unreachable",
            Status::Error => "error",
            Status::Unchecked => "unchecked",
            Status::SecretMissing => "secret-missing",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Connection {
    /// The normalised site URL.
    pub fn site(&self) -> Result<SiteUrl, crate::core::error::Error> {
        Ok(SiteUrl::parse(&self.url, self.allow_http)?.for_deployment(self.deployment))
    }

    /// Days from `today` until the token expires; negative once it has passed.
    pub(crate) fn days_left(&self, today: Date) -> Option<i32> {
        let expires = self.token_expires?;
        let span = today.until(expires).ok()?;
        Some(span.get_days())
    }

    /// The badge status on `today`, from the last check and the recorded expiry date.
    pub fn status(&self, today: Date) -> Status {
        let days_left = self.days_left(today);
        let expired = days_left.is_some_and(|d| d < 0);
        match self.last_check.as_ref().map(|c| c.outcome) {
            None if expired => Status::Expired,
            None => Status::Unchecked,
            Some(Outcome::Valid) if expired => Status::Expired,
            Some(Outcome::Valid) if days_left.is_some_and(|d| d <= EXPIRY_WARNING_DAYS) => {
                Status::ExpiringSoon
            }
            Some(Outcome::Valid) => Status::Valid,
            Some(Outcome::Rejected) if expired => Status::Expired,
            Some(Outcome::Rejected) => Status::Rejected,
            Some(Outcome::Unreachable) => Status::Unreachable,
            Some(Outcome::Error) => Status::Error,
            Some(Outcome::SecretMissing) => Status::SecretMissing,
        }
    }

    /// The page where the user creates and revokes this connection's tokens.
    /// Which token to revoke, in the terms of Atlassian's token page: its label and the day
    /// it was added here, or, without a recorded label, that day alone.
    pub fn which_token(&self) -> String {
        let added = self
            .token_created
            .map(|d| format!(" (added {d})"))
            .unwrap_or_default();
        match &self.token_label {
            Some(label) => format!("the token labelled \"{label}\"{added}"),
            None => format!(
                "the token added{}; no label was recorded for it",
                match self.token_created {
                    Some(d) => format!(" on {d}"),
                    None => " with this connection".to_string(),
                }
            ),
        }
    }

    pub fn token_page(&self) -> String {
        match self.auth {
            AuthKind::ClientCredentials => service_account_page(self.deployment, &self.url),
            _ => product_token_page(self.product, self.deployment, &self.url),
        }
    }

    /// "Jira Cloud", "Confluence Data Center", ...
    pub fn product_name(&self) -> String {
        self.product.full_name(self.deployment)
    }

    /// True when `other` is linked to this connection, in either direction: the two
    /// share one token.
    pub(crate) fn shares_token_with(&self, other: &Connection) -> bool {
        self.id != other.id
            && (self.linked.as_ref() == Some(&other.id) || other.linked.as_ref() == Some(&self.id))
    }

    /// The base URL that API requests go to: the site, or the API gateway for a scoped
    /// token.
    pub fn api_base(&self, gateway: &str) -> String {
        match (&self.cloud_id, self.scoped) {
            (Some(cloud_id), true) => gateway_base(gateway, self.product, cloud_id),
            _ => self.url.clone(),
        }
    }
}

/// The page where tokens for a site are created and revoked.
pub fn token_page(deployment: Deployment, base: &str) -> String {
    match deployment {
        Deployment::Cloud => CLOUD_TOKEN_PAGE.to_string(),
        Deployment::DataCenter => format!(
            "{base}/secure/ViewProfile.jspa?selectedTab=com.atlassian.pats.pats-plugin:jira-user-personal-access-tokens"
        ),
    }
}

/// Where Cloud organisation admins create and revoke a service account's OAuth 2.0
/// credentials: Atlassian Administration, then Directory, Service accounts.
pub const CLOUD_SERVICE_ACCOUNTS_PAGE: &str = "https://admin.atlassian.com";

/// The page where a service account's client credentials are created and revoked: Atlassian
/// Administration on Cloud, the site (its administration) on Data Center.
pub fn service_account_page(deployment: Deployment, base: &str) -> String {
    match deployment {
        Deployment::Cloud => CLOUD_SERVICE_ACCOUNTS_PAGE.to_string(),
        Deployment::DataCenter => base.to_string(),
    }
}

/// Where on [`service_account_page`] the credentials are, in words.
pub fn service_account_place(deployment: Deployment) -> &'static str {
    match deployment {
        Deployment::Cloud => "Directory \u{25B8} Service accounts",
        Deployment::DataCenter => "the administration's service accounts",
    }
}

/// The page where tokens are created and revoked, for a product on a site.
pub(crate) fn product_token_page(product: Product, deployment: Deployment, base: &str) -> String {
    match (product, deployment) {
        (_, Deployment::Cloud) => CLOUD_TOKEN_PAGE.to_string(),
        (Product::Jira, Deployment::DataCenter) => token_page(deployment, base),
        (Product::Confluence, Deployment::DataCenter) => {
            format!("{base}/plugins/personalaccesstokens/usertokens.action")
        }
    }
}

/// The API gateway's base for a product on a Cloud site.
pub(crate) fn gateway_base(gateway: &str, product: Product, cloud_id: &str) -> String {
    format!(
        "{}/ex/{}/{cloud_id}",
        gateway.trim_end_matches('/'),
        product.gateway_name()
    )
}

/// What the login is called for a deployment.
pub(crate) fn login_kind(deployment: Deployment) -> &'static str {
    match deployment {
        Deployment::Cloud => "email",
        Deployment::DataCenter => "username",
    }
}

/// Today's date in the local time zone.
/// A connection's name as the last argument of a command line the app writes or runs:
/// after `--` when it starts with `-`, so that it is never read as a flag. New names never
/// do (see [`crate::core::draft`]), but a config written before that rule may hold one.
pub fn name_arg(name: &str) -> String {
    match name.starts_with('-') {
        true => format!("-- {name}"),
        false => name.to_string(),
    }
}

pub fn today() -> Date {
    jiff::Zoned::now().date()
}

/// Today in UTC: the calendar Atlassian's token pages use for expiry dates.
pub fn today_utc() -> Date {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
}

/// The longest an Atlassian Cloud API token lives: 365 days (1 year by default since
/// December 2024).
pub const MAX_CLOUD_TOKEN_DAYS: i32 = 365;

/// One year from today (UTC): the expiry Atlassian suggests for a Cloud token created now.
pub fn one_year_from_today() -> Date {
    today_utc()
        .checked_add(jiff::Span::new().years(1))
        .unwrap_or_else(|_| today_utc())
}

/// The label to give a new token, as Atlassian's pages recommend naming it after the app
/// that uses it: `jira-connect on <this computer's name>`.
pub fn suggested_token_label() -> String {
    match host_name() {
        Some(host) => format!("jira-connect on {host}"),
        None => "jira-connect".to_string(),
    }
}

/// This computer's short name, without a domain.
fn host_name() -> Option<String> {
    #[cfg(unix)]
    let name = rustix::system::uname()
        .nodename()
        .to_string_lossy()
        .into_owned();
    #[cfg(windows)]
    let name = std::env::var("COMPUTERNAME").unwrap_or_default();
    #[cfg(not(any(unix, windows)))]
    let name = String::new();
    let short = name.split('.').next().unwrap_or_default().trim();
    let clean: String = short.chars().filter(|c| !c.is_control()).take(64).collect();
    (!clean.is_empty()).then_some(clean)
}

/// Serde for `Option<Date>` as a native TOML date (`2027-11-22`, unquoted), converted
/// field by field: going through text on every date was a third of the time spent writing
/// a large `connections.toml`.
pub(crate) mod toml_date {
    use super::Date;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(date: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        match date {
            Some(d) => s.serialize_some(&to_toml(*d).map_err(serde::ser::Error::custom)?),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        let value = Option::<toml::value::Datetime>::deserialize(d)?;
        value
            .map(|dt| from_toml(&dt).map_err(serde::de::Error::custom))
            .transpose()
    }

    pub(crate) fn to_toml(d: Date) -> Result<toml::value::Datetime, String> {
        let year = u16::try_from(d.year())
            .ok()
            .filter(|y| *y <= 9999)
            .ok_or_else(|| format!("{d} is not a date TOML can hold"))?;
        Ok(toml::value::Datetime {
            date: Some(toml::value::Date {
                year,
                month: d.month().unsigned_abs(),
                day: d.day().unsigned_abs(),
            }),
            time: None,
            offset: None,
        })
    }

    /// A local date; anything else (a time, an offset) is refused as before.
    pub(crate) fn from_toml(dt: &toml::value::Datetime) -> Result<Date, String> {
        match (dt.date, dt.time, dt.offset) {
            (Some(d), None, None) => civil(d),
            _ => dt.to_string().parse::<Date>().map_err(|e| e.to_string()),
        }
    }

    /// The date part of a TOML date or date-time.
    pub(crate) fn civil(d: toml::value::Date) -> Result<Date, String> {
        Date::new(
            i16::try_from(d.year).map_err(|e| e.to_string())?,
            d.month as i8,
            d.day as i8,
        )
        .map_err(|e| e.to_string())
    }
}

/// TOML offset date-times (`2026-11-22T12:00:00Z`) to and from jiff timestamps, to the
/// second, field by field like [`toml_date`].
pub(crate) mod toml_timestamp {
    use super::Timestamp;
    use jiff::tz::Offset;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(ts: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        let civil = Offset::UTC.to_datetime(*ts);
        let date = super::toml_date::to_toml(civil.date()).map_err(serde::ser::Error::custom)?;
        let dt = toml::value::Datetime {
            time: Some(toml::value::Time {
                hour: civil.hour().unsigned_abs(),
                minute: civil.minute().unsigned_abs(),
                second: Some(civil.second().unsigned_abs()),
                nanosecond: None,
            }),
            offset: Some(toml::value::Offset::Z),
            ..date
        };
        serde::Serialize::serialize(&dt, s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let dt = toml::value::Datetime::deserialize(d)?;
        from_toml(&dt).map_err(serde::de::Error::custom)
    }

    fn from_toml(dt: &toml::value::Datetime) -> Result<Timestamp, String> {
        let fast = match (dt.date, dt.time, dt.offset) {
            (Some(d), Some(t), Some(offset)) => {
                let seconds = match offset {
                    toml::value::Offset::Z => 0,
                    toml::value::Offset::Custom { minutes } => i32::from(minutes) * 60,
                };
                super::toml_date::civil(d).ok().and_then(|date| {
                    let time = jiff::civil::Time::new(
                        t.hour as i8,
                        t.minute as i8,
                        t.second.unwrap_or(0) as i8,
                        t.nanosecond.unwrap_or(0) as i32,
                    )
                    .ok()?;
                    Offset::from_seconds(seconds)
                        .ok()?
                        .to_timestamp(date.to_datetime(time))
                        .ok()
                })
            }
            _ => None,
        };
        match fast {
            Some(ts) => Ok(ts),
            // Whatever the fast path does not cover gets the same answer, or error, as ever.
            None => dt
                .to_string()
                .parse::<Timestamp>()
                .map_err(|e| e.to_string()),
        }
    }
}

#[cfg(any(test, feature = "test-support"))]
impl Connection {
    /// A Jira Cloud connection named `name` at `https://{name}.atlassian.net`, with an API
    /// token for mia@example.com and nothing else recorded: a base for tests to change.
    pub fn sample(name: &str) -> Connection {
        Connection {
            id: ConnectionId::generate(),
            name: name.into(),
            url: format!("https://{name}.atlassian.net"),
            deployment: Deployment::Cloud,
            auth: AuthKind::ApiToken,
            login: Some("mia@example.com".into()),
            token_label: None,
            token_created: None,
            token_expires: None,
            token_id: None,
            ca_cert: None,
            allow_http: false,
            product: Product::Jira,
            scoped: false,
            cloud_id: None,
            linked: None,
            last_check: None,
        }
    }
}

#[cfg(any(test, feature = "test-support"))]
impl LastCheck {
    /// A check at `at` with `outcome` and nothing else recorded, for tests.
    pub fn sample(outcome: Outcome, at: Timestamp) -> LastCheck {
        LastCheck {
            at,
            outcome,
            message: None,
            account_id: None,
            display_name: None,
            email: None,
            server_version: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn the_token_to_revoke_is_named_by_label_and_day() {
        let mut c = Connection {
            token_label: Some("jira-connect on mia-laptop".into()),
            token_created: Some(date(2026, 11, 23)),
            ..Connection::sample("acme")
        };
        assert_eq!(
            c.which_token(),
            "the token labelled \"jira-connect on mia-laptop\" (added 2026-11-23)"
        );
        c.token_label = None;
        assert_eq!(
            c.which_token(),
            "the token added on 2026-11-23; no label was recorded for it"
        );
    }

    #[test]
    fn the_suggested_label_names_the_app_and_this_computer() {
        let label = suggested_token_label();
        assert!(label.starts_with("jira-connect"), "{label}");
        assert!(
            !label.contains('.') && !label.chars().any(char::is_control),
            "{label}"
        );
    }

    fn conn(outcome: Option<Outcome>, expires: Option<Date>) -> Connection {
        Connection {
            token_expires: expires,
            last_check: outcome.map(|o| LastCheck::sample(o, Timestamp::UNIX_EPOCH)),
            ..Connection::sample("acme")
        }
    }

    #[test]
    fn status_combines_last_check_and_expiry() {
        let today = date(2026, 11, 22);
        let cases = [
            (None, None, Status::Unchecked),
            (None, Some(date(2026, 11, 21)), Status::Expired),
            (Some(Outcome::Valid), None, Status::Valid),
            (
                Some(Outcome::Valid),
                Some(date(2026, 12, 6)),
                Status::ExpiringSoon,
            ),
            (Some(Outcome::Valid), Some(date(2026, 12, 7)), Status::Valid),
            (
                Some(Outcome::Valid),
                Some(date(2026, 11, 22)),
                Status::ExpiringSoon,
            ),
            (
                Some(Outcome::Valid),
                Some(date(2026, 11, 21)),
                Status::Expired,
            ),
            (Some(Outcome::Rejected), None, Status::Rejected),
            (
                Some(Outcome::Rejected),
                Some(date(2026, 1, 1)),
                Status::Expired,
            ),
            (Some(Outcome::Unreachable), None, Status::Unreachable),
            (Some(Outcome::Error), None, Status::Error),
            (Some(Outcome::SecretMissing), None, Status::SecretMissing),
        ];
        for (outcome, expires, want) in cases {
            assert_eq!(
                conn(outcome, expires).status(today),
                want,
                "{outcome:?} {expires:?}"
            );
        }
    }

    #[test]
    fn days_left_counts_calendar_days() {
        let c = conn(None, Some(date(2027, 1, 1)));
        assert_eq!(c.days_left(date(2026, 12, 31)), Some(1));
        assert_eq!(c.days_left(date(2027, 1, 3)), Some(-2));
        assert_eq!(conn(None, None).days_left(date(2027, 1, 3)), None);
    }

    #[test]
    fn token_pages() {
        assert_eq!(
            token_page(Deployment::Cloud, "https://a.atlassian.net"),
            CLOUD_TOKEN_PAGE
        );
        assert!(
            token_page(Deployment::DataCenter, "https://j.example/jira")
                .starts_with("https://j.example/jira/secure/ViewProfile.jspa?selectedTab=")
        );
    }
}
