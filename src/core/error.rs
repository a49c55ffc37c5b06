//! The error taxonomy: every way setting up or checking a connection can fail.
//!
//! Each variant's message says what happened and what to do next, in words a Jira user
//! understands, and in terms of the task rather than of one front end: no command-line flag
//! and no button. Each front end adds its own next step where it has one (a flag in the
//! CLI, a field or a button in the app). Messages never contain a secret: variants hold
//! URLs, hosts, names and status codes, never a token or an `Authorization` header.
//!
//! Causes from the operating system travel as `#[source]`. Causes that may carry text from
//! a server or bytes of a secret (transport and keyring failures) are reduced to a
//! redacted `detail` instead.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use crate::core::connection::AuthKind;

/// What an [`Error::InvalidInput`] is about, so that each front end can point at it: the
/// app marks the field, the CLI names its flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum InputField {
    /// The connection's name.
    Name,
    /// The email address of an Atlassian account (Cloud).
    Email,
    /// The Jira username (Server/Data Center).
    Username,
    /// The token or password itself.
    Secret(AuthKind),
    /// How to log in: API token, personal access token or password.
    Auth,
    /// Whether a Cloud API token has scopes.
    Scoped,
    /// When the token expires.
    Expires,
    /// The name a personal access token carries on the server.
    TokenName,
    /// The CA certificate of a site behind a company's own PKI.
    CaCertificate,
    /// A saved connection as a whole.
    Connection,
    /// jira-cli's config file, when importing from it.
    JiraCliConfig,
    /// Where jira-connect keeps its settings.
    ConfigDirectory,
    /// The address of Atlassian's API gateway, from the environment.
    ApiGateway,
    /// The address of Atlassian Cloud's OAuth token endpoint, from the environment.
    AuthUrl,
    /// A service account's OAuth 2.0 client id.
    ClientId,
    /// The command to hand the token to.
    Command,
    /// The user's yes or no.
    Confirmation,
}

impl fmt::Display for InputField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InputField::Name => "name",
            InputField::Email => "email",
            InputField::Username => "username",
            InputField::Secret(auth) => auth.secret_name(),
            InputField::Auth => "login method",
            InputField::Scoped => "scoped token",
            InputField::Expires => "expires",
            InputField::TokenName => "token name",
            InputField::CaCertificate => "CA certificate",
            InputField::Connection => "connection",
            InputField::JiraCliConfig => "jira-cli config",
            InputField::ConfigDirectory => "config directory",
            InputField::ApiGateway => "JIRA_CONNECT_API_GATEWAY",
            InputField::AuthUrl => "JIRA_CONNECT_AUTH_URL",
            InputField::ClientId => "client id",
            InputField::Command => "command",
            InputField::Confirmation => "confirmation",
        })
    }
}

/// Everything that can go wrong, grouped by what the user has to do about it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // ----- input -----------------------------------------------------------------------
    /// The site address cannot be used. Fix the address.
    #[error("{input:?} is not a usable Jira address: {reason}")]
    InvalidUrl { input: String, reason: String },

    /// Plain `http://` to a host that is not this machine. Use `https://`, or allow
    /// insecure HTTP explicitly.
    #[error(
        "{url} uses plain http://, which would send your token unencrypted to {host}. \
         Use https://, or allow plain HTTP for this connection if you accept that risk"
    )]
    InsecureHttp { url: String, host: String },

    /// A field the user filled in is not acceptable. Fix the field.
    #[error("{field}: {reason}")]
    InvalidInput { field: InputField, reason: String },

    /// A connection with this name exists already. Choose another name, or remove the old one.
    #[error(
        "a connection named {name:?} already exists; choose another name, or remove the old \
         one first"
    )]
    DuplicateName { name: String },

    /// No saved connection has this name. Pick one of the saved connections.
    #[error("no connection named {name:?} is saved")]
    NotFound { name: String },

    /// Reading what the user typed or piped in failed. Nothing was changed; give the input
    /// again.
    #[error("cannot read the {what} from {from}: {source}")]
    Input {
        what: &'static str,
        /// "the terminal" or "standard input".
        from: &'static str,
        #[source]
        source: std::io::Error,
    },

    /// A background task stopped before it finished: it panicked, or the program is
    /// shutting down. A change it was making is finished or rolled back at the next start;
    /// try again.
    #[error("{task} stopped before it finished; try again")]
    Interrupted {
        task: &'static str,
        #[source]
        source: tokio::task::JoinError,
    },

    // ----- what Jira answered ----------------------------------------------------------
    /// Jira refused the login: the user name or token is wrong, or the token has
    /// expired or been revoked. Create a new token.
    #[error(
        "{product} rejected the {login_kind} and token: they are wrong, or the token has expired \
         or been revoked. Create a new token at {token_page}"
    )]
    BadCredentials {
        /// "Jira" or "Confluence".
        product: &'static str,
        login_kind: &'static str,
        token_page: String,
    },

    /// A scoped API token was accepted, but lacks the scope that reading the user needs.
    /// Add the scope to the token, or create one that has it.
    #[error(
        "the token has scopes, and none of them lets {product} say who you are: it lacks \
         {scopes}. Create a token with that scope at {token_page}"
    )]
    MissingScope {
        product: &'static str,
        /// The scopes the user API needs, as the token page names them.
        scopes: &'static str,
        token_page: String,
    },

    /// The administrator turned off password sign-in (Basic authentication) for the REST
    /// API. Use a personal access token.
    #[error(
        "{product} has password sign-in (Basic authentication) turned off on this site. Use a \
         personal access token instead; create one at {token_page}"
    )]
    BasicAuthDisabled {
        product: &'static str,
        token_page: String,
    },

    /// Atlassian Cloud refused a password sent as Basic authentication: Cloud takes an API
    /// token there, never the account's password.
    #[error(
        "Atlassian Cloud does not accept your account password here: it needs an API token \
         in place of the password. Create one at {token_page}"
    )]
    CloudNeedsApiToken { token_page: String },

    /// Jira wants a CAPTCHA after failed logins. Log in once in the browser; never retry
    /// automatically.
    #[error(
        "the site asks for a CAPTCHA after too many failed logins. Log in once in your \
         browser at {login_url}, then try again"
    )]
    Captcha { login_url: String },

    /// The login worked but the account may not use this Jira.
    #[error(
        "Jira refused access (403){detail}. The account may lack the 'Browse users' or \
         Jira access permission; ask your Jira administrator"
    )]
    Forbidden { detail: String },

    /// Too many requests. Wait and retry.
    #[error("Jira is rate limiting requests; retry after {}", retry_after_text(.retry_after))]
    RateLimited { retry_after: Option<Duration> },

    /// The address answers, but not like Jira does. Check the address.
    #[error("{url} does not look like a Jira site ({detail}); check the address")]
    NotJira { url: String, detail: String },

    /// A login or single sign-on page answered instead of Jira's REST API.
    #[error(
        "a sign-in or single sign-on page answered{}: this is a sign-in page, not Jira's REST \
         API. Use an API token (Cloud) or a personal access token (Server/Data Center), not \
         your SSO password",
        at_location(.location)
    )]
    LoginPage { location: Option<String> },

    /// The site redirects to another address. Use that address; credentials were not sent
    /// there.
    #[error(
        "the site redirects to {location}; jira-connect did not send your credentials there. \
         If that is your Jira, use {suggested} as the address"
    )]
    Moved { location: String, suggested: String },

    /// A scoped token needs the site's cloud id, and the site did not give one: it is not
    /// an Atlassian Cloud site. Use a classic token, or the site's atlassian.net address.
    #[error(
        "{url} did not report an Atlassian Cloud id ({detail}); scoped API tokens work only \
         with Atlassian Cloud sites. Use the site's .atlassian.net address, or a classic token"
    )]
    NotCloud { url: String, detail: String },

    /// A token is shared with a linked connection, which refused the new one. Nothing was
    /// changed; give the new token the missing access, or unlink the connections.
    #[error(
        "the new token is not accepted for {name:?}, which shares this connection's token: \
         {source}. Nothing was changed"
    )]
    LinkedRejected {
        name: String,
        #[source]
        source: Box<Error>,
    },

    /// The OAuth token endpoint refused a service account's client id and secret
    /// (`invalid_client`, `access_denied`, `unauthorized_client`): they are wrong, or the
    /// credential expired or was revoked. Nothing was saved; create new credentials.
    #[error(
        "{product} refused the client id and client secret: they are wrong, or the \
         credential has expired or been revoked. Create new OAuth 2.0 credentials for the \
         service account at {page} ({place})"
    )]
    ClientRefused {
        product: &'static str,
        page: String,
        place: &'static str,
    },

    /// The site has no OAuth 2.0 token endpoint: a Data Center version without service
    /// accounts, or a proxy that hides it. Nothing was changed.
    #[error(
        "{url} has no OAuth 2.0 token endpoint, so this site has no service accounts with \
         client credentials (an older Data Center version, or a proxy hides it). Use a \
         personal access token instead"
    )]
    OAuthUnavailable { url: String },

    /// The token endpoint answered, but not with an access token.
    #[error(
        "the OAuth token endpoint answered something unexpected instead of a token: {snippet:?}"
    )]
    OAuthMalformed { snippet: String },

    /// Jira is down or overloaded.
    #[error("Jira is unavailable right now (HTTP {status}); try again later")]
    ServerError { status: u16 },

    /// Jira answered with a status this tool does not expect.
    #[error("Jira answered with unexpected HTTP status {status}; check the address and try again")]
    UnexpectedStatus { status: u16 },

    /// Jira answered 200 but not with the user. Shows the first bytes of the answer.
    #[error("Jira answered something unexpected instead of the user: {snippet:?}")]
    Malformed { snippet: String },

    /// The answer was bigger than the cap.
    #[error("the answer from {url} was larger than {limit} bytes; this is not Jira's user API")]
    ResponseTooLarge { url: String, limit: usize },

    // ----- personal access tokens (Server/Data Center) -----------------------------------
    /// The site has no API for personal access tokens: Jira before 8.14, Confluence before
    /// 7.9, or a proxy that hides it. Nothing was changed; the tokens are managed on the
    /// profile page, and a token's expiry date is entered by hand.
    #[error(
        "{url} has no API for personal access tokens (it came with Jira 8.14 and Confluence \
         7.9). Nothing was changed; manage the tokens at {token_page} and enter the token's \
         expiry date yourself"
    )]
    PatApiMissing { url: String, token_page: String },

    /// The server does not let a personal access token create another one. Nothing was
    /// created; ask for the account's password and create the token with it.
    #[error(
        "{product} does not let a personal access token create another one. Nothing was \
         created; enter the password of the account to create the new token"
    )]
    PatNeedsPassword { product: &'static str },

    /// The account's password was refused. Nothing was changed; check the username and
    /// password. Repeated failures make the server ask for a CAPTCHA.
    #[error(
        "{product} rejected the password for {username:?}. Nothing was changed; check the \
         username and password. After several failed logins {product} asks for a CAPTCHA, \
         which only a login in the browser clears"
    )]
    PasswordRejected {
        product: &'static str,
        username: String,
    },

    /// The token to revoke is not on the server: revoked already, or not this account's.
    /// Nothing was changed; check the account's tokens on its profile page.
    #[error(
        "{product} has no personal access token with id {id} for this account: it was \
         revoked already, or belongs to another account. Nothing was changed; see the \
         tokens at {token_page}"
    )]
    PatNotFound {
        product: &'static str,
        id: u64,
        token_page: String,
    },

    /// The server would not create the token, usually because the account holds as many
    /// tokens as it may, or the expiry is longer than the administrator allows. Nothing was
    /// created; revoke an unused token or choose a shorter expiry.
    #[error(
        "{product} refused to create the token{detail}. Nothing was created. An account may \
         hold only so many tokens, and administrators can cap how long they last: revoke an \
         unused token at {token_page}, or choose a shorter expiry"
    )]
    PatRefused {
        product: &'static str,
        detail: String,
        token_page: String,
    },

    /// Atlassian Cloud has no API for a user's own API tokens, so a token cannot be rotated
    /// there. Nothing was changed; create a new token on the token page and replace the
    /// connection's token with it.
    #[error(
        "Atlassian Cloud offers no API to create or revoke your own API tokens, so {name:?} \
         cannot be rotated automatically. Nothing was changed; create a new token at \
         {token_page}, replace the connection's token with it, then revoke the old one there"
    )]
    NoTokenApiOnCloud { name: String, token_page: String },

    /// The token API answered, but not with tokens. Shows the first bytes of the answer.
    #[error("{product}'s personal access token API answered something unexpected: {snippet:?}")]
    PatMalformed {
        product: &'static str,
        snippet: String,
    },

    /// The server created a token (it answered 2xx) but the answer cannot be read, so the
    /// token was not used. It is recorded, and revoked at once or by the next command that
    /// talks to the server.
    #[error(
        "{product} created a new personal access token but its answer could not be read \
         ({snippet:?}), so the token was not used and nothing else changed. It {fate}; \
         check the tokens at {token_page}"
    )]
    PatCreatedUnreadable {
        product: &'static str,
        snippet: String,
        /// What became of the token: "was revoked", or when it will be.
        fate: String,
        token_page: String,
    },

    /// A token the server made for a rotation, whose answer told no id, is still there as
    /// far as the app can tell, and the app leaves it to the user: it is not listed under
    /// the name and time it was made with (revoked by hand, say), several are, or it is
    /// still listed after its revocation.
    #[error(
        "{product} created a token named {name:?} at {at} whose answer could not be read, \
         and {why}; look for it at {token_page} and revoke it"
    )]
    UnreadTokenLeft {
        product: &'static str,
        name: String,
        at: String,
        why: String,
        token_page: String,
    },

    /// A token was revoked, yet the old token still logs in: the revoked token was not the
    /// one the connection used, or the server did not really revoke it.
    #[error(
        "THE OLD TOKEN STILL WORKS. {product} was asked to revoke the token with id {id}, \
         but the old token still logs in: that was not the old token, or {product} did not \
         revoke it. Revoke the old token at {token_page}; every command that talks to \
         {product} checks it again until it stops working"
    )]
    OldTokenStillWorks {
        product: &'static str,
        id: u64,
        token_page: String,
    },

    /// The old token is known only by its name, and the user did not confirm that it is
    /// the one the connection uses: it is not revoked.
    #[error(
        "the old token is known only by its name, {name:?} (id {id}, created {created}), \
         and was not confirmed as the one this connection uses, so it was not revoked. If it \
         is, revoke it at {token_page}"
    )]
    OldTokenUnconfirmed {
        name: String,
        id: u64,
        created: String,
        token_page: String,
    },

    // ----- network -----------------------------------------------------------------------
    /// The secure connection failed, usually because the certificate is not trusted.
    #[error(
        "cannot set up a secure (TLS) connection to {host}: {detail}. If your company uses \
         its own certificate authority, give the connection its CA certificate, or install it \
         in the system's trust store"
    )]
    Tls { host: String, detail: String },

    /// The host name does not resolve.
    #[error("cannot find the host {host}; check the address, your network, VPN and proxy")]
    Dns { host: String },

    /// Nothing listens at the address.
    #[error("{host} refused the connection; check the address and port, VPN and proxy")]
    ConnectionRefused { host: String },

    /// No answer in time.
    #[error(
        "{host} did not answer within {} s; check your network, VPN and proxy",
        .after.as_secs()
    )]
    Timeout { host: String, after: Duration },

    /// Any other transport failure.
    #[error("cannot reach {host} ({detail}); check your network, VPN and proxy")]
    Network { host: String, detail: String },

    // ----- storage -------------------------------------------------------------------------
    /// The OS keyring cannot be used. Nothing was stored in plaintext instead.
    #[error("{0}")]
    Keyring(#[from] KeyringError),

    /// The connection exists but its secret is not in the keyring.
    #[error("the token of {name:?} is missing from the OS keyring; replace it with a new one")]
    SecretMissing { name: String },

    /// The config file does not parse. It is never overwritten.
    #[error(
        "{} cannot be read, so jira-connect will not overwrite it; a copy was kept at {}. \
         Fix the file where the parser points, or move it away:\n{detail}",
        .path.display(), .backup.display()
    )]
    ConfigCorrupt {
        path: PathBuf,
        backup: PathBuf,
        detail: String,
    },

    /// The config file or directory cannot be read or written.
    #[error("cannot {action} {}: {source}", .path.display())]
    ConfigIo {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The config directory or file is not the user's alone. Nothing was read or written;
    /// fix its owner or permissions, or choose another directory.
    #[error(
        "{} is not safe to use: {reason}. jira-connect read and wrote nothing there; make it \
         yours and private (chown, then chmod 700 for the directory, 600 for the file), or \
         point JIRA_CONNECT_CONFIG_DIR at a directory of your own",
        .path.display()
    )]
    ConfigUntrusted { path: PathBuf, reason: String },

    /// A `.netrc` entry could not be removed exactly. The file was not changed; delete the
    /// entry by hand.
    #[error(
        "{} was not changed: {reason}. Delete the `machine {host}` entry there by hand",
        .path.display()
    )]
    NetrcUnchanged {
        path: PathBuf,
        host: String,
        reason: String,
    },

    /// No desktop notification service answered.
    #[error(
        "no desktop notification could be shown ({detail}). Notifications need a desktop \
         session with a notification service; the check results still stand"
    )]
    Notifications { detail: String },

    /// The scheduler that runs reminders could not be set up.
    #[error("cannot {action} the reminders schedule: {detail}")]
    Scheduler {
        action: &'static str,
        detail: String,
    },

    /// The operation was cancelled by the user.
    #[error("cancelled")]
    Cancelled,
}

/// A failure of the OS keyring, with the platform's fix.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum KeyringError {
    /// No keyring service answers (no Secret Service on Linux).
    #[error(
        "the OS keyring is not available ({detail}). {}",
        platform_keyring_hint()
    )]
    Unavailable { detail: String },
    /// The keyring is locked or access was denied.
    #[error(
        "the OS keyring is locked or refused access ({detail}). Unlock your login keyring \
         and try again"
    )]
    Locked { detail: String },
    /// Any other keyring failure.
    #[error("the OS keyring failed ({detail}). Nothing was stored in plaintext instead")]
    Failed { detail: String },
}

/// What kind of outcome an error means for a saved connection's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ErrorClass {
    /// Jira refused these credentials.
    Rejected,
    /// Jira could not be reached or is down.
    Unreachable,
    /// The token is not in the keyring.
    SecretMissing,
    /// Anything else.
    Error,
}

impl Error {
    /// Classifies this error for a connection's status badge.
    pub(crate) fn class(&self) -> ErrorClass {
        match self {
            Error::BadCredentials { .. }
            | Error::MissingScope { .. }
            | Error::BasicAuthDisabled { .. }
            | Error::CloudNeedsApiToken { .. }
            | Error::Captcha { .. }
            | Error::ClientRefused { .. }
            | Error::Forbidden { .. } => ErrorClass::Rejected,
            Error::Dns { .. }
            | Error::ConnectionRefused { .. }
            | Error::Timeout { .. }
            | Error::Network { .. }
            | Error::ServerError { .. } => ErrorClass::Unreachable,
            Error::SecretMissing { .. } => ErrorClass::SecretMissing,
            _ => ErrorClass::Error,
        }
    }

    /// A stable, kebab-case name for scripts (`--json`).
    pub fn kind(&self) -> &'static str {
        match self {
            Error::InvalidUrl { .. } => "invalid-url",
            Error::InsecureHttp { .. } => "insecure-http",
            Error::InvalidInput { .. } => "invalid-input",
            Error::DuplicateName { .. } => "duplicate-name",
            Error::NotFound { .. } => "not-found",
            Error::Input { .. } => "input",
            Error::Interrupted { .. } => "interrupted",
            Error::BadCredentials { .. } => "bad-credentials",
            Error::MissingScope { .. } => "missing-scope",
            Error::BasicAuthDisabled { .. } => "basic-auth-disabled",
            Error::CloudNeedsApiToken { .. } => "cloud-needs-api-token",
            Error::Captcha { .. } => "captcha",
            Error::Forbidden { .. } => "forbidden",
            Error::RateLimited { .. } => "rate-limited",
            Error::NotJira { .. } => "not-jira",
            Error::LoginPage { .. } => "login-page",
            Error::Moved { .. } => "moved",
            Error::ServerError { .. } => "server-error",
            Error::ClientRefused { .. } => "client-refused",
            Error::OAuthUnavailable { .. } => "oauth-unavailable",
            Error::OAuthMalformed { .. } => "oauth-malformed",
            Error::NotCloud { .. } => "not-cloud",
            Error::LinkedRejected { .. } => "linked-rejected",
            Error::UnexpectedStatus { .. } => "unexpected-status",
            Error::Malformed { .. } => "malformed",
            Error::ResponseTooLarge { .. } => "response-too-large",
            Error::PatApiMissing { .. } => "pat-api-missing",
            Error::PatNeedsPassword { .. } => "pat-needs-password",
            Error::PasswordRejected { .. } => "password-rejected",
            Error::PatNotFound { .. } => "pat-not-found",
            Error::PatRefused { .. } => "pat-refused",
            Error::PatMalformed { .. } => "pat-malformed",
            Error::PatCreatedUnreadable { .. } => "pat-created-unreadable",
            Error::UnreadTokenLeft { .. } => "unread-token-left",
            Error::OldTokenStillWorks { .. } => "old-token-still-works",
            Error::OldTokenUnconfirmed { .. } => "old-token-unconfirmed",
            Error::NoTokenApiOnCloud { .. } => "no-token-api-on-cloud",
            Error::Tls { .. } => "tls",
            Error::Dns { .. } => "dns",
            Error::ConnectionRefused { .. } => "connection-refused",
            Error::Timeout { .. } => "timeout",
            Error::Network { .. } => "network",
            Error::Keyring(_) => "keyring",
            Error::SecretMissing { .. } => "secret-missing",
            Error::ConfigCorrupt { .. } => "config-corrupt",
            Error::ConfigIo { .. } => "config-io",
            Error::NetrcUnchanged { .. } => "netrc-unchanged",
            Error::ConfigUntrusted { .. } => "config-untrusted",
            Error::Notifications { .. } => "notifications",
            Error::Scheduler { .. } => "scheduler",
            Error::Cancelled => "cancelled",
        }
    }

    /// True for errors caused by what the user typed, as opposed to the world.
    pub(crate) fn is_usage(&self) -> bool {
        matches!(
            self,
            Error::InvalidUrl { .. }
                | Error::InsecureHttp { .. }
                | Error::InvalidInput { .. }
                | Error::DuplicateName { .. }
                | Error::NotFound { .. }
        )
    }
}

impl Error {
    /// The message as a sentence: first letter capitalised, unless it starts with a URL,
    /// a path or a quoted name.
    pub(crate) fn sentence(&self) -> String {
        sentence_case(&self.to_string())
    }
}

/// Capitalises the first letter of a message, unless it starts with a URL, path or quote.
pub(crate) fn sentence_case(text: &str) -> String {
    let first_word = text.split_whitespace().next().unwrap_or_default();
    if first_word.contains([':', '/', '.', '"']) {
        return text.to_string();
    }
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn retry_after_text(after: &Option<Duration>) -> String {
    match after {
        // "0 s" is what Data Center says while tokens remain; it is never a wait to show.
        Some(d) if d.as_secs() == 0 => "a few seconds".to_string(),
        Some(d) => format!("{} s", d.as_secs()),
        None => "a minute".to_string(),
    }
}

fn at_location(location: &Option<String>) -> String {
    match location {
        Some(l) => format!(" ({l})"),
        None => String::new(),
    }
}

fn platform_keyring_hint() -> &'static str {
    if cfg!(target_os = "linux") {
        "Start a Secret Service provider such as gnome-keyring or KeePassXC, \
         and make sure a D-Bus session is running"
    } else if cfg!(target_os = "macos") {
        "Check that the login keychain exists and is unlocked in Keychain Access"
    } else if cfg!(target_os = "windows") {
        "Check that Windows Credential Manager is available for your account"
    } else {
        "This platform has no supported OS keyring"
    }
}

impl From<keyring_core::Error> for KeyringError {
    fn from(err: keyring_core::Error) -> Self {
        use keyring_core::Error as K;
        // Keyring errors carry platform messages, never the secret itself: the variants
        // that hold secret bytes (BadEncoding, BadDataFormat) are reduced to their kind.
        match err {
            K::NoStorageAccess(e) => KeyringError::Locked {
                detail: e.to_string(),
            },
            K::NoDefaultStore => KeyringError::Unavailable {
                detail: "no keyring store is configured".into(),
            },
            K::PlatformFailure(e) => {
                let detail = e.to_string();
                if looks_unavailable(&detail) {
                    KeyringError::Unavailable { detail }
                } else {
                    KeyringError::Failed { detail }
                }
            }
            K::BadEncoding(_) => KeyringError::Failed {
                detail: "the stored token is not valid UTF-8".into(),
            },
            K::BadDataFormat(_, _) => KeyringError::Failed {
                detail: "the stored token is not in the expected format".into(),
            },
            other => KeyringError::Failed {
                detail: other.to_string(),
            },
        }
    }
}

fn looks_unavailable(detail: &str) -> bool {
    let d = detail.to_ascii_lowercase();
    [
        "dbus",
        "d-bus",
        "serviceunknown",
        "service unknown",
        "was not provided",
        "no such file",
        "connection refused",
        "address",
    ]
    .iter()
    .any(|needle| d.contains(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejected_unreachable_and_error_classes() {
        let bad = Error::BadCredentials {
            product: "Jira",
            login_kind: "email",
            token_page: "x".into(),
        };
        assert_eq!(bad.class(), ErrorClass::Rejected);
        let dns = Error::Dns { host: "h".into() };
        assert_eq!(dns.class(), ErrorClass::Unreachable);
        let moved = Error::Moved {
            location: "l".into(),
            suggested: "s".into(),
        };
        assert_eq!(moved.class(), ErrorClass::Error);
        assert!(Error::NotFound { name: "n".into() }.is_usage());
        assert!(!dns.is_usage());
    }

    /// Core states the fact; a flag or a button is each front end's to add.
    #[test]
    fn messages_name_no_front_end() {
        let errors = [
            Error::InsecureHttp {
                url: "http://jira.example".into(),
                host: "jira.example".into(),
            },
            Error::DuplicateName {
                name: "acme".into(),
            },
            Error::NotFound {
                name: "acme".into(),
            },
            Error::Tls {
                host: "jira.example".into(),
                detail: "unknown certificate authority".into(),
            },
            Error::Timeout {
                host: "jira.example".into(),
                after: Duration::from_secs(30),
            },
            Error::SecretMissing {
                name: "acme".into(),
            },
            Error::NoTokenApiOnCloud {
                name: "acme".into(),
                token_page: "https://id.atlassian.com/manage-profile/security/api-tokens".into(),
            },
        ];
        for err in errors {
            let text = err.to_string();
            assert!(!text.contains("--"), "names a flag: {text}");
            assert!(!text.contains("jira-connect "), "names a command: {text}");
        }
    }

    #[test]
    fn rate_limit_message_names_the_wait() {
        let e = Error::RateLimited {
            retry_after: Some(Duration::from_secs(42)),
        };
        assert!(e.to_string().contains("retry after 42 s"), "{e}");
    }

    #[test]
    fn keyring_bad_encoding_does_not_carry_the_bytes() {
        let err: KeyringError = keyring_core::Error::BadEncoding(b"s3cr3t-bytes".to_vec()).into();
        let text = format!("{err} {err:?}");
        assert!(!text.contains("s3cr3t"), "{text}");
    }

    #[test]
    fn locked_keyring_says_unlock() {
        let err: KeyringError =
            keyring_core::Error::NoStorageAccess(Box::new(std::io::Error::other("locked"))).into();
        assert!(
            err.to_string().contains("Unlock your login keyring"),
            "{err}"
        );
    }
}
