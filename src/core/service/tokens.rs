//! What a Data Center server knows about a connection's personal access token: its id, its
//! creation date and its real expiry, read with the token itself on add, check and
//! replace, so that the user never types them.
//!
//! Reading is a courtesy on top of a validation that has already succeeded: whatever goes
//! wrong here never fails the add, the check or the replacement. The outcome comes back as
//! a [`TokenLookup`], so that each front end can say why nothing was recorded.

use jiff::civil::Date;
use secrecy::SecretString;

use crate::core::connection::{AuthKind, Connection, Deployment, today};
use crate::core::error::{Error, InputField};
use crate::core::jira::pat::{self, NoPick, PatAuth, PatInfo};
use crate::core::jira::{JiraClient, Target};

use super::{Connections, target_of};

/// What reading the account's token list told about the connection's token.
///
/// The service hands it back next to the result it already returns, without changing the
/// signature of [`Connections::add`], [`Connections::replace_token`] or the checks, which
/// the app, the CLI and many tests call: [`Connections::add_reporting`] returns it in
/// [`Added`], and a [`super::CheckReport`] carries it in a field of its own. An
/// [`Account`](crate::core::jira::Account) stays what Jira says about the person, and this
/// what it says about the token.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TokenLookup {
    /// The token was found; its id, dates and name were recorded.
    Recorded(PatInfo),
    /// The server has no token API (Jira before 8.14, Confluence before 7.9): the expiry
    /// is the one the user typed, if any.
    Unavailable,
    /// The list was read, but which token is this connection's is not certain; nothing was
    /// recorded.
    NotPicked(NoPick),
    /// Reading the list failed; nothing was recorded. The token itself works. Holds the
    /// error's message, which never contains a secret.
    Failed(String),
    /// Not a Data Center personal access token (or the credentials were not valid): there
    /// is nothing to read.
    #[default]
    NotApplicable,
}

impl TokenLookup {
    /// The token found, when one was.
    pub fn recorded(&self) -> Option<&PatInfo> {
        match self {
            TokenLookup::Recorded(info) => Some(info),
            _ => None,
        }
    }

    /// Why nothing was recorded, in a sentence fragment; `None` when something was, or when
    /// there is nothing worth saying (no API, or not a personal access token).
    pub fn why_not(&self) -> Option<String> {
        match self {
            TokenLookup::NotPicked(why) => Some(why.to_string()),
            TokenLookup::Failed(message) => Some(format!("reading it failed: {message}")),
            _ => None,
        }
    }

    /// A stable kebab-case name for scripts (`--json`).
    pub fn kind(&self) -> &'static str {
        match self {
            TokenLookup::Recorded(_) => "recorded",
            TokenLookup::Unavailable => "unavailable",
            TokenLookup::NotPicked(_) => "not-picked",
            TokenLookup::Failed(_) => "failed",
            TokenLookup::NotApplicable => "not-applicable",
        }
    }
}

/// A connection just added, with who the token belongs to and what the server told about
/// the token.
#[derive(Debug, Clone)]
pub struct Added {
    pub connection: Connection,
    pub account: crate::core::jira::Account,
    pub token: TokenLookup,
}

/// Whether a connection's token is a Data Center personal access token, which the server
/// can describe.
pub(super) fn has_token_api(deployment: Deployment, auth: AuthKind) -> bool {
    deployment == Deployment::DataCenter && auth == AuthKind::Pat
}

/// Reads the token list with `secret` and finds the token in it: the one with `known_id`
/// when it is listed, else [`pat::pick`] by `label`, or the only token. Never fails: the
/// outcome says what happened, and a failure is logged.
pub(super) async fn lookup(
    client: &JiraClient,
    target: &Target<'_>,
    secret: &SecretString,
    label: Option<&str>,
    known_id: Option<u64>,
) -> TokenLookup {
    match pat::list_tokens(client, target, &PatAuth::Token(secret)).await {
        Ok(tokens) => {
            if let Some(found) = known_id.and_then(|id| tokens.iter().find(|t| t.id == id)) {
                return TokenLookup::Recorded(found.clone());
            }
            match pat::pick(&tokens, label) {
                Ok(found) => TokenLookup::Recorded(found.clone()),
                Err(why) => {
                    tracing::info!(%why, "not recording a token id");
                    TokenLookup::NotPicked(why)
                }
            }
        }
        Err(Error::PatApiMissing { .. }) => {
            tracing::debug!("the site has no token API; keeping the typed expiry");
            TokenLookup::Unavailable
        }
        Err(e) => {
            tracing::warn!(error = %e, "could not read the token list; nothing recorded");
            TokenLookup::Failed(e.to_string())
        }
    }
}

/// What a token found on the server changes in a connection's metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TokenFacts {
    pub id: u64,
    /// The server's name for it, when it has one.
    pub name: Option<String>,
    pub created: Option<Date>,
    pub expires: Option<Date>,
}

impl TokenFacts {
    pub(crate) fn of(info: &PatInfo) -> Self {
        let name = info.name.trim();
        TokenFacts {
            id: info.id,
            name: (!name.is_empty()).then(|| name.to_string()),
            created: info.created_date(),
            expires: info.expires,
        }
    }

    /// Records the token in `c`: its id, its dates, and its name unless the connection has
    /// a label already (one the user gave comes first).
    pub(crate) fn apply(&self, c: &mut Connection) {
        c.token_id = Some(self.id);
        c.token_expires = self.expires;
        c.token_created = self.created.or(c.token_created).or_else(|| Some(today()));
        if c.token_label.is_none() {
            c.token_label = self.name.clone();
        }
    }
}

impl Connections {
    /// Reads what the server knows about a saved connection's token, with that token,
    /// within the site's caps on requests in flight.
    pub(super) async fn lookup_saved(
        &self,
        connection: &Connection,
        secret: &SecretString,
    ) -> TokenLookup {
        if !has_token_api(connection.deployment, connection.auth) {
            return TokenLookup::NotApplicable;
        }
        let Ok(site) = connection.site() else {
            return TokenLookup::NotApplicable;
        };
        lookup(
            &self.client,
            &target_of(connection, &site),
            secret,
            connection.token_label.as_deref(),
            connection.token_id,
        )
        .await
    }

    /// The account's personal access tokens, as a saved Data Center connection's token
    /// sees them: for a picker of which one is the connection's (name, created, expires).
    /// The list includes the connection's own token, though nothing in it says which entry
    /// that is. Saves nothing. `cancel` stops it.
    pub async fn list_tokens(
        &self,
        name: &str,
        cancel: &super::Cancel,
    ) -> Result<Vec<PatInfo>, Error> {
        let connection = self.get(name)?;
        require_token_api(&connection)?;
        let secret = self.secret_of(&connection).await?;
        let site = connection.site()?;
        super::unless_cancelled(
            cancel,
            pat::list_tokens(
                &self.client,
                &target_of(&connection, &site),
                &PatAuth::Token(&secret),
            ),
        )
        .await
    }

    /// Records which of the account's tokens a saved connection holds, as the user chose it
    /// from [`Connections::list_tokens`]: its id, expiry and creation date, and its name as
    /// the connection's label. Touches no keyring and asks no server.
    pub fn record_token(&self, name: &str, token: &PatInfo) -> Result<Connection, Error> {
        let facts = TokenFacts::of(token);
        self.config.update(|cfg| {
            let c = cfg
                .connections
                .iter_mut()
                .find(|c| c.name == name)
                .ok_or_else(|| Error::NotFound { name: name.into() })?;
            require_token_api(c)?;
            c.token_label = None;
            facts.apply(c);
            Ok(c.clone())
        })
    }
}

/// Refuses a connection whose token the server cannot describe.
pub(super) fn require_token_api(connection: &Connection) -> Result<(), Error> {
    if has_token_api(connection.deployment, connection.auth) {
        return Ok(());
    }
    Err(Error::InvalidInput {
        field: InputField::Connection,
        reason: format!(
            "{:?} does not log in with a Data Center personal access token, so the server has \
             no list of tokens for it",
            connection.name
        ),
    })
}
