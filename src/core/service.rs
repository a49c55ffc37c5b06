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

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use jiff::civil::Date;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, oneshot, watch};

use crate::core::config::{ConfigFile, ConfigStore};
use crate::core::connection::{
    AuthKind, Connection, ConnectionId, Deployment, LastCheck, Outcome, Product, Status, today,
};
use crate::core::error::InputField;
use crate::core::error::{Error, ErrorClass};
use crate::core::jira::{Account, Credentials, JiraClient, Redact, Target};
use crate::core::journal::{Journal, Replacement};
use crate::core::secrets::SecretStore;
use crate::core::site_url::SiteUrl;

/// The longest secret accepted, in bytes.
pub const MAX_SECRET_LEN: usize = 8 * 1024;
/// The longest connection name accepted, in characters.
pub const MAX_NAME_LEN: usize = 64;
/// How many requests run at once against one Jira site (one scheme, host and port).
///
/// A check is one GET of `/myself`; the site's `/serverInfo` is asked once per run, as a
/// request of its own that waits for a place like a check does. So a site never sees more
/// than this many requests in flight from jira-connect: fewer than a browser
/// opens to one host (6) for a single Jira page, which itself fires dozens of REST calls.
/// Checking everything at once stays far from Atlassian Cloud's per-account rate limits
/// and from the limits a Data Center admin may set, and a login that fails is still never
/// retried.
pub const MAX_CHECKS_PER_SITE: usize = 4;

/// How many checks run at once in all, across sites.
///
/// Each check in flight holds a socket (and a TLS session on https), a task reading the
/// keyring, and a place in the queue of the one Secret Service daemon. 32 keeps sockets far
/// below the usual limit of 1,024 open files that the desktop app shares with its window,
/// and keeps the keyring daemon responsive to other programs, while 8 sites at the
/// per-site cap are served at once: 200 connections over 20 sites answering in 100 ms take
/// about (200 + 20) / 32 × 0.1 s ≈ 0.7 s instead of 20 s one after another.
pub const MAX_CONCURRENT_CHECKS: usize = 32;

/// What the user entered for a new connection.
#[derive(Debug, Clone, Default)]
pub struct NewConnection {
    pub url: String,
    /// Defaults to the first DNS label of the host.
    pub name: Option<String>,
    /// Inferred from the host when absent.
    pub deployment: Option<Deployment>,
    /// Defaults to `api-token` on Cloud and `pat` on Server/DC.
    pub auth: Option<AuthKind>,
    /// Email on Cloud, username on Server/DC.
    pub login: Option<String>,
    pub token_label: Option<String>,
    pub token_expires: Option<Date>,
    pub allow_http: bool,
    /// A CA certificate (PEM) for a site behind a company PKI.
    pub ca_cert: Option<String>,
    /// Jira (the default) or Confluence.
    pub product: Product,
    /// A Cloud API token with scopes, which works only through the API gateway.
    pub scoped: bool,
    /// The user allows one retry through the API gateway when the site refuses a classic
    /// Cloud token.
    pub gateway_fallback: bool,
}

/// A new connection whose fields have been checked, ready to validate with Jira.
#[derive(Debug, Clone)]
pub struct Draft {
    pub site: SiteUrl,
    pub name: String,
    pub deployment: Deployment,
    pub auth: AuthKind,
    pub login: Option<String>,
    pub token_label: Option<String>,
    pub token_expires: Option<Date>,
    pub allow_http: bool,
    pub ca_cert: Option<String>,
    pub product: Product,
    pub scoped: bool,
    pub gateway_fallback: bool,
    /// The site's cloud id, when already known.
    pub cloud_id: Option<String>,
    /// The connection whose token this one shares.
    pub linked: Option<ConnectionId>,
}

impl Draft {
    fn target(&self) -> Target<'_> {
        Target {
            site: &self.site,
            deployment: self.deployment,
            product: self.product,
            ca_cert: self.ca_cert.as_deref(),
            scoped: self.scoped,
            cloud_id: self.cloud_id.as_deref(),
            gateway_fallback: self.gateway_fallback,
        }
    }
}

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
pub struct Imported {
    pub connection: Connection,
    pub account: Account,
    /// Where the token was found.
    pub source: crate::core::import::TokenSource,
    /// The site's host, as netrc names it.
    pub host: String,
}

/// The result of checking one connection.
#[derive(Debug)]
pub struct CheckReport {
    /// The connection as saved after the check.
    pub connection: Connection,
    pub status: Status,
    pub result: Result<Account, Error>,
}

/// The API over saved connections.
pub struct Connections {
    config: ConfigStore,
    secrets: Arc<dyn SecretStore>,
    client: JiraClient,
    limits: CheckLimits,
}

/// The caps on checks in flight: [`MAX_CHECKS_PER_SITE`] per site and
/// [`MAX_CONCURRENT_CHECKS`] in all, shared by every check this service runs.
struct CheckLimits {
    global: Arc<Semaphore>,
    sites: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl CheckLimits {
    fn new() -> Self {
        CheckLimits {
            global: Arc::new(Semaphore::new(MAX_CONCURRENT_CHECKS)),
            sites: Mutex::new(HashMap::new()),
        }
    }

    /// Waits for a place at the connection's site, then for one in all. In that order, so
    /// that a check queued behind a busy site never holds a global place others could use.
    async fn acquire(
        &self,
        connection: &Connection,
    ) -> (Option<OwnedSemaphorePermit>, Option<OwnedSemaphorePermit>) {
        let site = {
            let mut sites = self.sites.lock().unwrap_or_else(|e| e.into_inner());
            sites
                .entry(site_key(&connection.url))
                .or_insert_with(|| Arc::new(Semaphore::new(MAX_CHECKS_PER_SITE)))
                .clone()
        };
        let site = site.acquire_owned().await.ok();
        let global = self.global.clone().acquire_owned().await.ok();
        (site, global)
    }
}

/// What the per-site cap counts as one site: scheme, host and port.
fn site_key(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(url) => url.origin().ascii_serialization(),
        Err(_) => url.to_string(),
    }
}

/// A check result waiting to be written to `connections.toml`, with where to send the
/// connection as saved.
type PendingRecord = (ConnectionId, LastCheck, oneshot::Sender<Option<Connection>>);

impl Connections {
    pub fn new(config: ConfigStore, secrets: Arc<dyn SecretStore>, client: JiraClient) -> Self {
        Connections {
            config,
            secrets,
            client,
            limits: CheckLimits::new(),
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

    /// Checks what the user entered, without any network, keyring or disk access.
    pub fn prepare(&self, new: &NewConnection) -> Result<Draft, Error> {
        prepare(new)
    }

    /// Validates a draft's credentials with Jira and saves nothing: the dialog's Test.
    pub async fn test(
        &self,
        draft: &Draft,
        secret: &SecretString,
        cancel: &Cancel,
    ) -> Result<Account, Error> {
        unless_cancelled(cancel, self.validate_draft(draft, secret)).await
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
    /// `cancel` stops it only while Jira is being asked.
    pub async fn add(
        &self,
        draft: Draft,
        secret: SecretString,
        cancel: &Cancel,
    ) -> Result<(Connection, Account), Error> {
        self.check_name_free(&draft.name)?;
        let account = unless_cancelled(cancel, self.validate_draft(&draft, &secret)).await?;
        self.save(draft, secret, account).await
    }

    /// Refuses a name that a saved connection already has. Checked before asking Jira, to
    /// fail fast, and again under the config lock when saving.
    pub fn check_name_free(&self, name: &str) -> Result<(), Error> {
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
    ) -> Result<(Connection, Account), Error> {
        let login = draft.login.clone().or_else(|| account.username.clone());
        let connection = Connection {
            id: ConnectionId::generate(),
            name: draft.name,
            url: draft.site.to_string(),
            deployment: draft.deployment,
            auth: draft.auth,
            login,
            token_label: draft.token_label,
            token_created: Some(today()),
            token_expires: draft.token_expires,
            ca_cert: draft.ca_cert,
            allow_http: draft.allow_http,
            product: draft.product,
            scoped: draft.scoped || account.scoped,
            cloud_id: account.cloud_id.clone().or(draft.cloud_id),
            linked: draft.linked,
            last_check: Some(valid_check(&account)),
        };

        let journal = self.journal();
        let connection = blocking(move || journal.add(connection, &secret)).await?;
        tracing::info!(name = %connection.name, "connection added");
        Ok((connection, account))
    }

    /// Checks one saved connection with Jira and records the result.
    pub async fn check(&self, name: &str) -> Result<CheckReport, Error> {
        let connection = self.get(name)?;
        Ok(self.check_connection(connection).await)
    }

    /// Checks several connections concurrently, within [`MAX_CHECKS_PER_SITE`] and
    /// [`MAX_CONCURRENT_CHECKS`]. The reports come back in the order of `connections`.
    pub async fn check_many(self: &Arc<Self>, connections: Vec<Connection>) -> Vec<CheckReport> {
        let slots: Arc<Mutex<Vec<Option<CheckReport>>>> =
            Arc::new(Mutex::new((0..connections.len()).map(|_| None).collect()));
        let filled = slots.clone();
        self.check_each(connections, move |i, report| {
            filled.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(report);
        })
        .await;
        let mut slots = slots.lock().unwrap_or_else(|e| e.into_inner());
        std::mem::take(&mut *slots).into_iter().flatten().collect()
    }

    /// Checks several connections like [`Connections::check_many`], handing each report
    /// with its index to `on_report` as soon as its result is saved. Returns when all are.
    ///
    /// Results are saved in batches: while one write of `connections.toml` is under way,
    /// the results that come in meanwhile wait and go into the next write together. Each
    /// write is a whole, atomic update under the file lock, so stopping half-way leaves the
    /// results saved so far and a valid file, and checking 1,000 connections costs a few
    /// dozen writes instead of 1,000.
    pub async fn check_each(
        self: &Arc<Self>,
        connections: Vec<Connection>,
        on_report: impl Fn(usize, CheckReport) + Send + Sync + 'static,
    ) {
        let (record, pending) = mpsc::unbounded_channel::<PendingRecord>();
        let writer = tokio::spawn(record_batches(self.config.clone(), pending));
        let on_report = Arc::new(on_report);
        let versions = self.site_versions(&connections);
        let tasks: Vec<_> = connections
            .into_iter()
            .enumerate()
            .map(|(i, connection)| {
                let this = self.clone();
                let record = record.clone();
                let on_report = on_report.clone();
                let version = versions.get(&connection.url).cloned();
                tokio::spawn(async move {
                    let version = async move {
                        let mut version = version?;
                        let seen = version.wait_for(Option::is_some).await.ok()?;
                        seen.clone().flatten()
                    };
                    let result = this.whoami_checked(&connection, version).await;
                    let (connection, check, result) = finish_check(connection, result);
                    let (saved_tx, saved_rx) = oneshot::channel();
                    let saved = match record.send((connection.id.clone(), check.clone(), saved_tx))
                    {
                        Ok(()) => saved_rx.await.ok().flatten(),
                        Err(_) => None,
                    };
                    on_report(i, report(connection, check, result, saved));
                })
            })
            .collect();
        drop(record);
        for task in tasks {
            if let Err(e) = task.await {
                tracing::error!(error = %e, "a check task failed");
            }
        }
        if let Err(e) = writer.await {
            tracing::error!(error = %e, "the task saving check results failed");
        }
    }

    /// Starts one `serverInfo` request for each Jira site among `connections`: the version
    /// belongs to the site, so a run asks each site once, however many of its connections
    /// it checks. Each request waits for its places like a check (so the per-site and
    /// global caps count it), and is queued ahead of its site's checks, so that it runs
    /// alongside the first of them.
    fn site_versions(
        self: &Arc<Self>,
        connections: &[Connection],
    ) -> HashMap<String, watch::Receiver<Option<Option<String>>>> {
        let mut versions = HashMap::new();
        for connection in connections.iter().filter(|c| c.product == Product::Jira) {
            if versions.contains_key(&connection.url) {
                continue;
            }
            let (tx, rx) = watch::channel(None);
            versions.insert(connection.url.clone(), rx);
            let (this, connection) = (self.clone(), connection.clone());
            tokio::spawn(async move {
                let _ = tx.send(Some(this.site_version(&connection).await));
            });
        }
        versions
    }

    /// Checks a connection and records the outcome in its metadata. Who the token belongs
    /// to and the site's version are asked at the same time.
    pub async fn check_connection(&self, connection: Connection) -> CheckReport {
        let (version_tx, version_rx) = oneshot::channel();
        let (result, ()) = tokio::join!(
            self.whoami_checked(&connection, async { version_rx.await.ok().flatten() }),
            async {
                let _ = version_tx.send(self.site_version(&connection).await);
            }
        );
        let (connection, check, result) = finish_check(connection, result);
        let checks = HashMap::from([(connection.id.clone(), check.clone())]);
        let saved = record_checks(&self.config, checks)
            .await
            .remove(&connection.id);
        report(connection, check, result, saved)
    }

    /// Asks Jira whom a saved connection's token belongs to, within the caps, then takes
    /// the site's version from `version` once its places are given back (so that waiting
    /// for the version never holds a place). Saves nothing.
    async fn whoami_checked(
        &self,
        connection: &Connection,
        version: impl std::future::Future<Output = Option<String>>,
    ) -> Result<Account, Error> {
        let permits = self.limits.acquire(connection).await;
        // Reading the keyring and setting up the HTTP client (which loads the system's CA
        // certificates) do not depend on each other: do both at once.
        let (secret, ()) = tokio::join!(self.secret_of(connection), self.client.prepare());
        let secret = secret?;
        let site = connection.site()?;
        let creds = credentials(connection, &secret);
        let result = self
            .client
            .whoami(&target_of(connection, &site), &creds)
            .await;
        drop(permits);
        let mut account = result?;
        // Asked without credentials, but redacted all the same: a server that saw the
        // token in another request must not get it stored through its version.
        account.server_version = version.await.map(|v| Redact::credentials(&creds).apply(&v));
        Ok(account)
    }

    /// The Jira version of a saved connection's site, asked without credentials, within the
    /// caps.
    async fn site_version(&self, connection: &Connection) -> Option<String> {
        let site = connection.site().ok()?;
        let _permits = self.limits.acquire(connection).await;
        self.client
            .server_version(&target_of(connection, &site))
            .await
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
            allow_http: jira.allow_http,
            ca_cert: None,
            product: Product::Confluence,
            scoped: jira.scoped,
            gateway_fallback: false,
            cloud_id: jira.cloud_id.clone(),
            linked: Some(jira.id.clone()),
        };
        let secret = self.secret_of(&jira).await?;
        let account = unless_cancelled(cancel, self.validate_draft(&draft, &secret)).await?;
        self.save(draft, secret, account).await
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
    pub async fn replace_token(
        &self,
        name: &str,
        new: NewToken,
        cancel: &Cancel,
    ) -> Result<(Connection, Account), Error> {
        let connection = self.get(name)?;
        if let Some(expires) = new.expires {
            validate_new_expiry(expires)?;
        }
        let accepted =
            unless_cancelled(cancel, self.validate_replacement(&connection, &new.secret)).await?;
        self.swap(connection, new, accepted).await
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
        let change = |found: &Account| Replacement {
            token_expires: expires,
            token_label: label.clone(),
            check: valid_check(found),
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

    /// Finishes or rolls back what an interrupted add, replace or remove left behind.
    /// Touches the keyring only when there is something to recover.
    pub fn recover(&self) -> Result<usize, Error> {
        self.journal().recover()
    }

    fn journal(&self) -> Journal {
        Journal {
            config: self.config.clone(),
            secrets: self.secrets.clone(),
        }
    }

    /// The secret of a saved connection, for scripts and for pasting into other tools.
    pub async fn token(&self, name: &str) -> Result<SecretString, Error> {
        let connection = self.get(name)?;
        self.secret_of(&connection).await
    }

    /// Imports jira-cli's connection: finds its token where jira-cli users keep it,
    /// validates it, and stores it in the keyring like [`Connections::add`]. Deleting a
    /// plaintext netrc entry is left to the caller, who asks the user first.
    pub async fn import_jira_cli(
        &self,
        config: &crate::core::import::JiraCliConfig,
        name: Option<String>,
        sources: &crate::core::import::Sources,
    ) -> Result<Imported, Error> {
        use crate::core::import;
        let mut new = config.to_new_connection()?;
        new.name = name;
        let draft = self.prepare(&new)?;
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

/// Checks what the user entered, without any network, keyring or disk access.
pub fn prepare(new: &NewConnection) -> Result<Draft, Error> {
    let site = SiteUrl::parse(&new.url, new.allow_http)?;
    let deployment = new.deployment.unwrap_or_else(|| Deployment::infer(&site));
    let site = site.for_deployment(deployment);
    let auth = new.auth.unwrap_or(deployment.default_auth());
    check_auth_fits(deployment, auth)?;
    if new.scoped && deployment != Deployment::Cloud {
        return Err(Error::InvalidInput {
            field: InputField::Scoped,
            reason: "scoped API tokens exist only on Atlassian Cloud; on Server/Data Center \
                     use a personal access token"
                .into(),
        });
    }
    let name = match new.name.as_deref().map(str::trim) {
        Some(name) if !name.is_empty() => name.to_string(),
        _ => default_name(&site, new.product),
    };
    validate_name(&name)?;
    let login = new
        .login
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string);
    validate_login(deployment, auth, login.as_deref())?;
    if let Some(expires) = new.token_expires {
        validate_new_expiry(expires)?;
    }
    let token_label = new
        .token_label
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string);
    Ok(Draft {
        site,
        name,
        deployment,
        auth,
        login,
        token_label,
        token_expires: new.token_expires,
        allow_http: new.allow_http,
        ca_cert: match new.ca_cert.as_deref().map(str::trim) {
            Some(pem) if !pem.is_empty() => {
                crate::core::jira::parse_ca(pem)?;
                Some(pem.to_string())
            }
            _ => None,
        },
        product: new.product,
        scoped: new.scoped,
        gateway_fallback: new.gateway_fallback && deployment == Deployment::Cloud && !new.scoped,
        cloud_id: None,
        linked: None,
    })
}

/// The name a new connection gets when the user gives none: the site's, with
/// `-confluence` for Confluence so that it never collides with Jira on the same site.
pub fn default_name(site: &SiteUrl, product: Product) -> String {
    match product {
        Product::Jira => site.default_name(),
        Product::Confluence => format!("{}-confluence", site.default_name()),
    }
}

/// The connections in `all` linked to `connection`, in either direction.
pub fn linked_in(all: &[Connection], connection: &Connection) -> Vec<Connection> {
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

/// A check's result, and what it means for the saved status.
fn finish_check(
    connection: Connection,
    result: Result<Account, Error>,
) -> (Connection, LastCheck, Result<Account, Error>) {
    let check = match &result {
        Ok(account) => valid_check(account),
        Err(err) => failed_check(err, connection.last_check.as_ref()),
    };
    (connection, check, result)
}

/// The report of a check: the connection as saved, or, when it could not be saved (or was
/// removed meanwhile), as checked.
fn report(
    connection: Connection,
    check: LastCheck,
    result: Result<Account, Error>,
    saved: Option<Connection>,
) -> CheckReport {
    let connection = saved.unwrap_or(Connection {
        last_check: Some(check),
        ..connection
    });
    let status = connection.status(today());
    CheckReport {
        connection,
        status,
        result,
    }
}

/// Writes check results as they come, each write taking every result that arrived while
/// the previous one was under way, and answers each with the connection as saved.
async fn record_batches(config: ConfigStore, mut pending: mpsc::UnboundedReceiver<PendingRecord>) {
    while let Some(first) = pending.recv().await {
        let mut batch = vec![first];
        while let Ok(more) = pending.try_recv() {
            batch.push(more);
        }
        let checks = batch
            .iter()
            .map(|(id, check, _)| (id.clone(), check.clone()))
            .collect();
        let mut saved = record_checks(&config, checks).await;
        for (id, _, reply) in batch {
            let _ = reply.send(saved.remove(&id));
        }
    }
}

/// Records check results in one write of `connections.toml`, and returns the connections
/// as saved. A connection removed meanwhile is skipped; a failed write is logged here and
/// leaves nothing saved.
async fn record_checks(
    config: &ConfigStore,
    checks: HashMap<ConnectionId, LastCheck>,
) -> HashMap<ConnectionId, Connection> {
    let results = checks.len();
    let config = config.clone();
    let saved = blocking(move || {
        config.update(|cfg| {
            let mut saved = HashMap::with_capacity(checks.len());
            for c in &mut cfg.connections {
                if let Some(check) = checks.get(&c.id) {
                    c.last_check = Some(check.clone());
                    saved.insert(c.id.clone(), c.clone());
                }
            }
            Ok(saved)
        })
    })
    .await;
    saved.unwrap_or_else(|e| {
        tracing::warn!(error = %e, results, "could not record check results");
        HashMap::new()
    })
}

/// Now, to the second: what `connections.toml` stores.
fn now() -> Timestamp {
    Timestamp::from_second(Timestamp::now().as_second()).unwrap_or(Timestamp::UNIX_EPOCH)
}

fn valid_check(account: &Account) -> LastCheck {
    LastCheck {
        at: now(),
        outcome: Outcome::Valid,
        message: None,
        account_id: Some(account.account_id.clone()),
        display_name: Some(account.display_name.clone()),
        email: account.email.clone(),
        server_version: account.server_version.clone(),
    }
}

/// A failed check keeps the account found earlier, so the user still sees whose token it is.
fn failed_check(err: &Error, previous: Option<&LastCheck>) -> LastCheck {
    let outcome = match err.class() {
        ErrorClass::Rejected => Outcome::Rejected,
        ErrorClass::Unreachable => Outcome::Unreachable,
        ErrorClass::SecretMissing => Outcome::SecretMissing,
        ErrorClass::Error => Outcome::Error,
    };
    LastCheck {
        at: now(),
        outcome,
        message: Some(err.to_string()),
        account_id: previous.and_then(|p| p.account_id.clone()),
        display_name: previous.and_then(|p| p.display_name.clone()),
        email: previous.and_then(|p| p.email.clone()),
        server_version: previous.and_then(|p| p.server_version.clone()),
    }
}

fn check_auth_fits(deployment: Deployment, auth: AuthKind) -> Result<(), Error> {
    match (deployment, auth) {
        (Deployment::Cloud, AuthKind::ApiToken) => Ok(()),
        (Deployment::Cloud, _) => Err(Error::InvalidInput {
            field: InputField::Auth,
            reason: "Jira Cloud accepts API tokens only, with your email".into(),
        }),
        (Deployment::DataCenter, AuthKind::ApiToken) => Err(Error::InvalidInput {
            field: InputField::Auth,
            reason: "Jira Server/Data Center uses a personal access token or a password; API \
                     tokens are for Jira Cloud"
                .into(),
        }),
        (Deployment::DataCenter, _) => Ok(()),
    }
}

/// Names are short and safe to type in a shell: letters, digits and `-_.`.
pub fn validate_name(name: &str) -> Result<(), Error> {
    let invalid = |reason: String| Error::InvalidInput {
        field: InputField::Name,
        reason,
    };
    if name.is_empty() {
        return Err(invalid("enter a name for the connection".into()));
    }
    if name.chars().count() > MAX_NAME_LEN {
        return Err(invalid(format!("use at most {MAX_NAME_LEN} characters")));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err(invalid(format!(
            "{bad:?} is not allowed; use letters, digits, '-', '_' and '.'"
        )));
    }
    Ok(())
}

fn validate_login(
    deployment: Deployment,
    auth: AuthKind,
    login: Option<&str>,
) -> Result<(), Error> {
    match (deployment, auth, login) {
        (Deployment::Cloud, _, None) => Err(Error::InvalidInput {
            field: InputField::Email,
            reason: "Jira Cloud needs the email address of your Atlassian account".into(),
        }),
        (Deployment::Cloud, _, Some(email)) if !looks_like_email(email) => {
            Err(Error::InvalidInput {
                field: InputField::Email,
                reason: format!("{email:?} is not an email address"),
            })
        }
        (Deployment::DataCenter, AuthKind::Password, None) => Err(Error::InvalidInput {
            field: InputField::Username,
            reason: "password login needs your Jira username".into(),
        }),
        _ => Ok(()),
    }
}

fn looks_like_email(text: &str) -> bool {
    match text.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !text.chars().any(char::is_whitespace)
                && !domain.contains('@')
        }
        None => false,
    }
}

/// The secret must be non-empty, at most [`MAX_SECRET_LEN`] bytes, and have no control
/// characters: a CR or LF inside would otherwise end up in an HTTP header.
pub fn validate_secret(secret: &SecretString, auth: AuthKind) -> Result<(), Error> {
    let field = InputField::Secret(auth);
    let text = secret.expose_secret();
    let reason = if text.is_empty() {
        Some(format!("enter the {}", auth.secret_name()))
    } else if text.len() > MAX_SECRET_LEN {
        Some(format!("it is longer than {MAX_SECRET_LEN} bytes"))
    } else if text.chars().any(char::is_control) {
        Some("it contains a line break or another control character".to_string())
    } else {
        None
    };
    match reason {
        Some(reason) => Err(Error::InvalidInput { field, reason }),
        None => Ok(()),
    }
}

fn validate_new_expiry(expires: Date) -> Result<(), Error> {
    if expires < today() {
        return Err(Error::InvalidInput {
            field: InputField::Expires,
            reason: format!("{expires} is in the past; enter the date the new token expires"),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_shell_safe() {
        for ok in ["acme", "acme-prod", "a_b.c", "ÄÖ"] {
            validate_name(ok).unwrap();
        }
        for bad in ["", "a b", "a/b", "a;rm", &"x".repeat(65)] {
            assert!(validate_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn secrets_with_line_breaks_are_refused_without_echo() {
        let err = validate_secret(&SecretString::from("abc\r\nX-Evil: 1"), AuthKind::Pat)
            .unwrap_err()
            .to_string();
        assert!(err.contains("line break"), "{err}");
        assert!(!err.contains("abc"), "{err}");
        assert!(validate_secret(&SecretString::from(""), AuthKind::ApiToken).is_err());
        assert!(validate_secret(&SecretString::from("x".repeat(9000)), AuthKind::Pat).is_err());
        validate_secret(
            &SecretString::from("ATATT3xFfGF0-good_token=="),
            AuthKind::ApiToken,
        )
        .unwrap();
    }

    #[test]
    fn email_shape() {
        assert!(looks_like_email("mia@example.com"));
        for bad in [
            "mia",
            "mia@",
            "@example.com",
            "mia@example",
            "mi a@example.com",
        ] {
            assert!(!looks_like_email(bad), "{bad}");
        }
    }

    #[test]
    fn auth_must_fit_the_deployment() {
        assert!(check_auth_fits(Deployment::Cloud, AuthKind::Pat).is_err());
        assert!(check_auth_fits(Deployment::DataCenter, AuthKind::ApiToken).is_err());
        check_auth_fits(Deployment::DataCenter, AuthKind::Password).unwrap();
    }
}
