//! [`Connections`]: the one API that the desktop app and the CLI call to add, check, replace
//! and remove connections.
//!
//! Ordering rules that keep the user's data whole:
//! - **add**: validate with Jira, then store the secret, then write the metadata; if a later
//!   step fails, the earlier ones are undone, so nothing is half-saved.
//! - **replace**: validate the new secret first; the old one stays in the keyring until the
//!   new one has been accepted by Jira.
//! - **remove**: delete the secret, then the metadata.
//!
//! Each of them goes through [`crate::core::journal`], so that even a crash half-way is
//! finished or rolled back by [`Connections::recover`] on the next run.
//!
//! Checking, one connection or all of them under the per-site caps, is in [`check`]; what a
//! Data Center server knows about a token (its id and real expiry) is read in [`tokens`];
//! rotating a Data Center token in one step is in [`rotate`]; `doctor`'s report of
//! everything a connection depends on is in [`doctor`]. What the user enters is
//! checked in [`crate::core::draft`] before any of this runs.

mod check;
mod doctor;
mod rotate;
mod tokens;

pub use check::{CheckReport, MAX_CHECKS_PER_SITE, MAX_CONCURRENT_CHECKS};
pub use doctor::{
    Check, CheckStatus, DoctorReport, NotificationProbe, NotificationService, Probes, Section,
    SectionKind, TimerProbe,
};
pub use rotate::{
    ByName, DEFAULT_ROTATION_DAYS, Leftover, LeftoverOutcome, OldToken, RotateOptions, Rotated,
    created_text,
};
pub use tokens::{Added, TokenLookup};

use std::sync::Arc;

use jiff::civil::Date;
use secrecy::SecretString;

use crate::core::config::{ConfigFile, ConfigStore};
use crate::core::connection::{AuthKind, Connection, ConnectionId, Deployment, Product, today};
use crate::core::error::Error;
use crate::core::error::InputField;
use crate::core::jira::{Account, Credentials, JiraClient, Target};
use crate::core::journal::{Journal, Replacement};
use crate::core::secrets::SecretStore;
use crate::core::site_url::SiteUrl;

use crate::core::draft::{Draft, SiteOptions, validate_name, validate_new_expiry, validate_secret};
use check::{CheckLimits, valid_check};
use tokens::{TokenFacts, has_token_api};

/// A new token for a saved connection, with what the user knows about it.
#[derive(Debug)]
pub struct NewToken {
    pub secret: SecretString,
    /// When the new token expires; must not be in the past.
    pub expires: Option<Date>,
    /// The label it has on the token page; the old label is dropped when absent.
    pub label: Option<String>,
}

impl NewToken {
    /// A token with no recorded expiry or label.
    pub fn new(secret: SecretString) -> Self {
        NewToken {
            secret,
            expires: None,
            label: None,
        }
    }
}

/// Stops an [`Connections::add`], [`Connections::replace_token`] or
/// [`Connections::link_confluence`] while it is still asking Jira.
///
/// The service honours it only around the validation. Once the secret starts going into
/// the keyring the change runs to its end, so a cancel never leaves half a connection, and
/// the caller has no rule to follow. A change that was cancelled returns
/// [`Error::Cancelled`] and has changed nothing.
pub type Cancel = tokio_util::sync::CancellationToken;

/// Runs `validation` unless `cancel` fires first; also refuses to start or to go on past
/// it once `cancel` has fired, so that nothing is stored after the user cancelled.
async fn unless_cancelled<T>(
    cancel: &Cancel,
    validation: impl std::future::Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    let result = tokio::select! {
        biased;
        () = cancel.cancelled() => Err(Error::Cancelled),
        result = validation => result,
    };
    if cancel.is_cancelled() {
        return Err(Error::Cancelled);
    }
    result
}

/// A replacement secret that every connection sharing it has accepted.
#[derive(Debug, Clone)]
struct Accepted {
    /// Who the token belongs to, as the connection being replaced reports it.
    pub account: Account,
    /// The linked connections that accepted it too, with what each reported.
    pub linked: Vec<(Connection, Account)>,
}

/// A connection imported from another tool.
#[derive(Debug)]
pub(crate) struct Imported {
    pub connection: Connection,
    pub account: Account,
    /// Where the token was found.
    pub source: crate::core::import::TokenSource,
    /// The site's host, as netrc names it.
    pub host: String,
}

/// The API over saved connections.
pub struct Connections {
    config: ConfigStore,
    secrets: Arc<dyn SecretStore>,
    client: JiraClient,
    limits: CheckLimits,
    /// How `doctor` looks at the timer and the notification service; the system's when
    /// `None`.
    probes: std::sync::Mutex<Option<Probes>>,
}

impl Connections {
    pub fn new(config: ConfigStore, secrets: Arc<dyn SecretStore>, client: JiraClient) -> Self {
        Connections {
            config,
            secrets,
            client,
            limits: CheckLimits::new(),
            probes: std::sync::Mutex::new(None),
        }
    }

    /// The service over the configured directory (`$JIRA_CONNECT_CONFIG_DIR` or the
    /// platform's config dir), with requests limited to `timeout`.
    pub fn open(
        timeout: std::time::Duration,
        secrets: Arc<dyn SecretStore>,
    ) -> Result<Self, Error> {
        Ok(Connections::new(
            ConfigStore::from_env()?,
            secrets,
            JiraClient::new(timeout)?,
        ))
    }

    pub fn config(&self) -> &ConfigStore {
        &self.config
    }

    /// The whole config file, shared while it is unchanged. Touches no keyring.
    pub fn load(&self) -> Result<Arc<ConfigFile>, Error> {
        self.config.load()
    }

    /// Every saved connection, in the order they were added. Touches no keyring.
    pub fn list(&self) -> Result<Vec<Connection>, Error> {
        Ok(self.config.load()?.connections.clone())
    }

    /// The saved connection with this name.
    pub fn get(&self, name: &str) -> Result<Connection, Error> {
        self.config
            .load()?
            .find(name)
            .cloned()
            .ok_or_else(|| Error::NotFound { name: name.into() })
    }
    /// Validates a draft's credentials with Jira and saves nothing: the dialog's Test. For a
    /// Data Center token it also reads what the server says about the token, as a save
    /// would record it, so the dialog can show the real expiry before anything is saved.
    pub async fn test(
        &self,
        draft: &Draft,
        secret: &SecretString,
        cancel: &Cancel,
    ) -> Result<(Account, TokenLookup), Error> {
        unless_cancelled(cancel, self.validate_and_look_up(draft, secret)).await
    }

    /// Asks Jira who the draft's secret belongs to, then, for a Data Center token, which
    /// of the account's tokens it is (its id, dates and name).
    async fn validate_and_look_up(
        &self,
        draft: &Draft,
        secret: &SecretString,
    ) -> Result<(Account, TokenLookup), Error> {
        let account = self.validate_draft(draft, secret).await?;
        let token = if has_token_api(draft.deployment, draft.auth) {
            let label = draft.token_label.as_deref();
            tokens::lookup(&self.client, &draft.target(), secret, label, None).await
        } else {
            TokenLookup::NotApplicable
        };
        Ok((account, token))
    }

    async fn validate_draft(&self, draft: &Draft, secret: &SecretString) -> Result<Account, Error> {
        validate_secret(secret, draft.auth)?;
        let creds = Credentials {
            auth: draft.auth,
            login: draft.login.as_deref(),
            secret,
        };
        self.client.validate(&draft.target(), &creds).await
    }

    /// Asks a site for its Atlassian Cloud id. An answer means the site is Jira Cloud, even
    /// on a custom domain. Sends no credentials.
    pub async fn detect_cloud(&self, site: &SiteUrl) -> Result<String, Error> {
        self.client.cloud_id(site).await
    }

    /// Validates with Jira, stores the secret in the keyring, then saves the metadata.
    /// `cancel` stops it only while Jira is being asked. What the server said about a Data
    /// Center token is recorded as [`Connections::add_reporting`] says, and not returned.
    pub async fn add(
        &self,
        draft: Draft,
        secret: SecretString,
        cancel: &Cancel,
    ) -> Result<(Connection, Account), Error> {
        let added = self.add_reporting(draft, secret, cancel).await?;
        Ok((added.connection, added.account))
    }

    /// [`Connections::add`], returning also what the server said about the token.
    ///
    /// For a Data Center personal access token, the account's token list is read with the
    /// token itself once Jira has accepted it, and the token's id, creation date and real
    /// expiry are recorded, so that nobody types them. The token is the one named by the
    /// draft's label, or the only one the account has; its server name becomes the label
    /// when the user gave none. When that is not certain, or the server has no token API,
    /// or reading fails, nothing is read and the draft's own expiry stands: the token
    /// works, so the add goes on, and [`Added::token`] says why.
    pub async fn add_reporting(
        &self,
        draft: Draft,
        secret: SecretString,
        cancel: &Cancel,
    ) -> Result<Added, Error> {
        self.check_name_free(&draft.name)?;
        let (account, token) =
            unless_cancelled(cancel, self.validate_and_look_up(&draft, &secret)).await?;
        let facts = token.recorded().map(TokenFacts::of);
        let (connection, account) = self.save(draft, secret, account, facts).await?;
        Ok(Added {
            connection,
            account,
            token,
        })
    }

    /// Refuses a name that a saved connection already has. Checked before asking Jira, to
    /// fail fast, and again under the config lock when saving.
    pub(crate) fn check_name_free(&self, name: &str) -> Result<(), Error> {
        match self.config.load()?.find(name) {
            Some(_) => Err(Error::DuplicateName { name: name.into() }),
            None => Ok(()),
        }
    }

    /// Stores a secret that Jira has just accepted, then the metadata. A crash in the
    /// middle is finished or rolled back by [`Connections::recover`].
    async fn save(
        &self,
        draft: Draft,
        secret: SecretString,
        account: Account,
        facts: Option<TokenFacts>,
    ) -> Result<(Connection, Account), Error> {
        let login = draft.login.clone().or_else(|| account.username.clone());
        let mut connection = Connection {
            id: ConnectionId::generate(),
            name: draft.name,
            url: draft.site.to_string(),
            deployment: draft.deployment,
            auth: draft.auth,
            login,
            token_label: draft.token_label,
            token_created: Some(today()),
            token_expires: draft.token_expires,
            token_id: None,
            ca_cert: draft.options.ca_cert,
            allow_http: draft.options.allow_http,
            product: draft.options.product,
            scoped: draft.options.scoped || account.scoped,
            cloud_id: account.cloud_id.clone().or(draft.cloud_id),
            linked: draft.linked,
            last_check: Some(valid_check(&account)),
        };
        if let Some(facts) = facts {
            facts.apply(&mut connection);
        }

        let journal = self.journal();
        let connection = blocking(move || journal.add(connection, &secret)).await?;
        tracing::info!(name = %connection.name, "connection added");
        Ok((connection, account))
    }

    /// Asks Jira about `secret` as this saved connection's credential, and its version.
    async fn validate_for(
        &self,
        connection: &Connection,
        secret: &SecretString,
    ) -> Result<Account, Error> {
        let site = connection.site()?;
        self.client
            .validate(
                &target_of(connection, &site),
                &credentials(connection, secret),
            )
            .await
    }

    /// The connections that share `connection`'s token, in either direction of the link.
    pub fn linked(&self, connection: &Connection) -> Result<Vec<Connection>, Error> {
        Ok(linked_in(&self.config.load()?.connections, connection))
    }

    /// The API gateway's base URL.
    pub fn gateway(&self) -> &str {
        self.client.gateway()
    }

    /// Connects Confluence on a Jira Cloud connection's site with the same token, and links
    /// the two so that replacing the token replaces both.
    /// `cancel` stops it only while Confluence is being asked.
    pub async fn link_confluence(
        &self,
        jira_name: &str,
        name: Option<String>,
        cancel: &Cancel,
    ) -> Result<(Connection, Account), Error> {
        let jira = self.get(jira_name)?;
        if jira.product != Product::Jira || jira.deployment != Deployment::Cloud {
            return Err(Error::InvalidInput {
                field: InputField::Connection,
                reason: format!(
                    "{jira_name:?} is not a Jira Cloud connection; only Jira Cloud shares its \
                     token with Confluence"
                ),
            });
        }
        let site = jira.site()?;
        let name = match name.as_deref().map(str::trim) {
            Some(n) if !n.is_empty() => n.to_string(),
            _ => format!("{}-confluence", jira.name),
        };
        validate_name(&name)?;
        self.check_name_free(&name)?;
        let draft = Draft {
            site,
            name,
            deployment: Deployment::Cloud,
            auth: jira.auth,
            login: jira.login.clone(),
            token_label: jira.token_label.clone(),
            token_expires: jira.token_expires,
            options: SiteOptions {
                product: Product::Confluence,
                allow_http: jira.allow_http,
                ca_cert: None,
                scoped: jira.scoped,
                gateway_fallback: false,
            },
            cloud_id: jira.cloud_id.clone(),
            linked: Some(jira.id.clone()),
        };
        let secret = self.secret_of(&jira).await?;
        let account = unless_cancelled(cancel, self.validate_draft(&draft, &secret)).await?;
        self.save(draft, secret, account, None).await
    }

    /// Whether the keyring can give the tokens now without asking the user anything
    /// ([`SecretStore::probe`]): never raises an unlock prompt.
    pub async fn keyring_ready(&self) -> Result<(), Error> {
        let secrets = self.secrets.clone();
        blocking(move || secrets.probe()).await
    }

    /// Reads one connection's token and forgets it: a locked keyring asks the user, once,
    /// to unlock it. A missing token is no keyring failure.
    pub async fn unlock_keyring(&self, connection: &Connection) -> Result<(), Error> {
        let (id, secrets) = (connection.id.clone(), self.secrets.clone());
        blocking(move || secrets.get(&id)).await.map(drop)
    }

    async fn secret_of(&self, connection: &Connection) -> Result<SecretString, Error> {
        let id = connection.id.clone();
        let secrets = self.secrets.clone();
        blocking(move || secrets.get(&id))
            .await?
            .ok_or_else(|| Error::SecretMissing {
                name: connection.name.clone(),
            })
    }

    /// Validates a new token with Jira, for the connection and for every connection linked
    /// to it, and only then swaps it in for the old one. `cancel` stops it only while Jira
    /// is being asked; the old token stays in the keyring until the new one is accepted.
    ///
    /// A Data Center personal access token is looked up on the server like on
    /// [`Connections::add_reporting`], by the new label or as the only token, and its id and
    /// dates are recorded; otherwise the old token's server id is dropped, since it names a
    /// token the connection no longer holds.
    pub async fn replace_token(
        &self,
        name: &str,
        new: NewToken,
        cancel: &Cancel,
    ) -> Result<(Connection, Account), Error> {
        self.replace_credentials(name, new, None, cancel).await
    }

    /// [`Connections::replace_token`] for a service account whose new client secret came
    /// with a new client id: both are validated together, and saved together.
    pub async fn replace_credentials(
        &self,
        name: &str,
        new: NewToken,
        client_id: Option<String>,
        cancel: &Cancel,
    ) -> Result<(Connection, Account), Error> {
        let mut connection = self.get(name)?;
        if let Some(expires) = new.expires {
            validate_new_expiry(expires)?;
        }
        if let Some(client_id) = &client_id {
            if connection.auth != AuthKind::ClientCredentials {
                return Err(Error::InvalidInput {
                    field: InputField::ClientId,
                    reason: format!(
                        "{name:?} signs in with a {}, not with a service account's client \
                         credentials",
                        connection.auth.secret_name()
                    ),
                });
            }
            // Validated as the new credentials' client id; saved only once accepted.
            connection.login = Some(crate::core::draft::checked_client_id(client_id)?);
        }
        let (accepted, token) = unless_cancelled(cancel, async {
            let accepted = self.validate_replacement(&connection, &new.secret).await?;
            let token = if has_token_api(connection.deployment, connection.auth) {
                let site = connection.site()?;
                let target = target_of(&connection, &site);
                let label = new.label.as_deref();
                tokens::lookup(&self.client, &target, &new.secret, label, None).await
            } else {
                TokenLookup::NotApplicable
            };
            Ok((accepted, token))
        })
        .await?;
        let facts = token.recorded().map(TokenFacts::of);
        let login = client_id.and(connection.login.clone());
        self.swap(connection, new, accepted, facts, login).await
    }

    /// Validates a new secret for a saved connection, and for every connection linked to
    /// it, without changing anything.
    async fn validate_replacement(
        &self,
        connection: &Connection,
        secret: &SecretString,
    ) -> Result<Accepted, Error> {
        validate_secret(secret, connection.auth)?;
        let account = self.validate_for(connection, secret).await?;
        let mut linked = Vec::new();
        for other in self.linked(connection)? {
            match self.validate_for(&other, secret).await {
                Ok(account) => linked.push((other, account)),
                Err(e) => {
                    return Err(Error::LinkedRejected {
                        name: other.name,
                        source: Box::new(e),
                    });
                }
            }
        }
        Ok(Accepted { account, linked })
    }

    /// Swaps in a secret that every connection sharing it has accepted, for the connection
    /// and then for each linked one.
    ///
    /// Each swap is crash-safe on its own. Should a linked swap fail, the connections that
    /// were swapped keep the new token and the others the old one; both tokens work until
    /// the user revokes the old one, and the error names the connection to retry.
    async fn swap(
        &self,
        connection: Connection,
        new: NewToken,
        accepted: Accepted,
        facts: Option<TokenFacts>,
        client_id: Option<String>,
    ) -> Result<(Connection, Account), Error> {
        let NewToken {
            secret,
            expires,
            label,
        } = new;
        let label = label
            .map(|l| l.trim().to_string())
            .filter(|l| !l.is_empty());
        let Accepted { account, linked } = accepted;
        let change = |found: &Account| match &facts {
            Some(facts) => Replacement {
                token_expires: facts.expires,
                token_label: label.clone().or_else(|| facts.name.clone()),
                token_id: Some(facts.id),
                token_created: facts.created,
                login: None,
                check: valid_check(found),
            },
            None => Replacement {
                token_expires: expires,
                token_label: label.clone(),
                token_id: None,
                token_created: None,
                login: client_id.clone(),
                check: valid_check(found),
            },
        };
        let updated = self
            .swap_one(&connection.id, &secret, change(&account))
            .await?;
        for (other, found) in linked {
            self.swap_one(&other.id, &secret, change(&found)).await?;
        }
        Ok((updated, account))
    }

    async fn swap_one(
        &self,
        id: &ConnectionId,
        secret: &SecretString,
        change: Replacement,
    ) -> Result<Connection, Error> {
        let journal = self.journal();
        let id = id.clone();
        let secret = secret.clone();
        let updated = blocking(move || journal.replace(&id, &secret, change)).await?;
        tracing::info!(name = %updated.name, "token replaced");
        Ok(updated)
    }

    /// Deletes a connection's secret from the keyring and then its metadata.
    pub async fn remove(&self, name: &str) -> Result<Connection, Error> {
        let connection = self.get(name)?;
        let journal = self.journal();
        let removed = blocking(move || journal.remove(&connection.id)).await?;
        tracing::info!(name = %removed.name, "connection removed");
        Ok(removed)
    }

    /// Finishes or rolls back what an interrupted add, replace, remove or rotation left
    /// behind. Touches the keyring only when there is something to recover. Revoking the
    /// tokens an interrupted rotation left on a server needs the network, and is
    /// [`Connections::revoke_leftovers`]'s, to call next.
    pub fn recover(&self) -> Result<usize, Error> {
        self.journal().recover()
    }

    fn journal(&self) -> Journal {
        Journal::new(self.config.clone(), self.secrets.clone())
    }

    /// The secret of a saved connection, for scripts and for pasting into other tools. For
    /// a service account, an access token minted from its client credentials, or the one
    /// kept in memory while it has more than a few minutes left; never the client secret.
    pub async fn token(&self, name: &str) -> Result<SecretString, Error> {
        let connection = self.get(name)?;
        let secret = self.secret_of(&connection).await?;
        if connection.auth != AuthKind::ClientCredentials {
            return Ok(secret);
        }
        let site = connection.site()?;
        let token = self
            .client
            .access_token(
                &target_of(&connection, &site),
                &credentials(&connection, &secret),
            )
            .await?;
        Ok(token.secret)
    }

    /// Imports jira-cli's connection: finds its token where jira-cli users keep it,
    /// validates it, and stores it in the keyring like [`Connections::add`]. Deleting a
    /// plaintext netrc entry is left to the caller, who asks the user first.
    pub(crate) async fn import_jira_cli(
        &self,
        config: &crate::core::import::JiraCliConfig,
        name: Option<String>,
        sources: &crate::core::import::Sources,
    ) -> Result<Imported, Error> {
        use crate::core::import;
        let mut new = config.to_new_connection()?;
        new.name = name;
        let draft = crate::core::draft::prepare(&new)?;
        let host = draft.site.host().to_string();
        let found = {
            let (config, host, sources) = (config.clone(), host.clone(), sources.clone());
            blocking(move || Ok::<_, Error>(import::find_token(&config, &host, &sources))).await?
        };
        let (secret, source) =
            found.ok_or_else(|| import::no_token(&host, &draft.site, draft.auth))?;
        let (connection, account) = self.add(draft, secret, &Cancel::new()).await?;
        Ok(Imported {
            connection,
            account,
            source,
            host,
        })
    }

    /// Turns the re-check at launch on or off.
    pub fn set_check_on_launch(&self, on: bool) -> Result<(), Error> {
        self.config.update(|cfg| {
            cfg.check_on_launch = on;
            Ok(())
        })
    }
}

/// The connections in `all` linked to `connection`, in either direction.
pub(crate) fn linked_in(all: &[Connection], connection: &Connection) -> Vec<Connection> {
    all.iter()
        .filter(|c| connection.shares_token_with(c))
        .cloned()
        .collect()
}

/// Runs blocking work (keyring and file IO) off the async workers.
async fn blocking<T, E>(f: impl FnOnce() -> Result<T, E> + Send + 'static) -> Result<T, Error>
where
    T: Send + 'static,
    E: Into<Error> + Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(result) => result.map_err(Into::into),
        Err(source) => Err(Error::Interrupted {
            task: "saving to the keyring and the config file",
            source,
        }),
    }
}

/// How a saved connection is asked: where, as which product, and with what.
fn target_of<'a>(connection: &'a Connection, site: &'a SiteUrl) -> Target<'a> {
    Target {
        site,
        deployment: connection.deployment,
        product: connection.product,
        ca_cert: connection.ca_cert.as_deref(),
        scoped: connection.scoped,
        cloud_id: connection.cloud_id.as_deref(),
        gateway_fallback: false,
    }
}

fn credentials<'a>(connection: &'a Connection, secret: &'a SecretString) -> Credentials<'a> {
    Credentials {
        auth: connection.auth,
        login: connection.login.as_deref(),
        secret,
    }
}
