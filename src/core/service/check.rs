//! Checks: one connection, or many at once within [`MAX_CHECKS_PER_SITE`] per site and
//! [`MAX_CONCURRENT_CHECKS`] in all, each site's version asked once per run, and the
//! results written to `connections.toml` in batches.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use jiff::Timestamp;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, oneshot, watch};

use crate::core::config::ConfigStore;
use crate::core::connection::{
    Connection, ConnectionId, LastCheck, Outcome, Product, Status, today,
};
use crate::core::error::{Error, ErrorClass};
use crate::core::jira::{Account, Redact};
use crate::core::reminders::KeyringBlock;

use super::tokens::{TokenFacts, TokenLookup};
use super::{Connections, blocking, credentials, target_of};

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

/// The result of checking one connection.
#[derive(Debug)]
pub struct CheckReport {
    /// The connection as saved after the check.
    pub connection: Connection,
    pub status: Status,
    pub result: Result<Account, Error>,
    /// What the server said about a Data Center personal access token, read after a
    /// successful check: the id, dates and name found are saved with the check's result.
    /// [`TokenLookup::NotApplicable`] for other connections and failed checks.
    pub token: TokenLookup,
}

/// The caps on checks in flight: [`MAX_CHECKS_PER_SITE`] per site and
/// [`MAX_CONCURRENT_CHECKS`] in all, shared by every check this service runs.
pub(super) struct CheckLimits {
    global: Arc<Semaphore>,
    sites: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl CheckLimits {
    pub(super) fn new() -> Self {
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
struct PendingRecord {
    id: ConnectionId,
    result: Recorded,
    saved: oneshot::Sender<Option<Connection>>,
}

/// What one check writes: its result, and what the server said about the token.
#[derive(Clone)]
struct Recorded {
    check: LastCheck,
    token: Option<TokenFacts>,
}

impl Connections {
    /// Checks one saved connection with Jira and records the result, the same way
    /// [`Connections::check_many`] checks many.
    pub async fn check(self: &Arc<Self>, name: &str) -> Result<CheckReport, Error> {
        let connection = self.get(name)?;
        let report = self.check_many(vec![connection]).await.pop();
        // check_each reports every connection, a check that panicked as interrupted.
        Ok(report.expect("check_each reports every connection"))
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
    pub(crate) async fn check_each(
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
                let kept = connection.clone();
                let task = tokio::spawn(async move {
                    let version = async move {
                        let mut version = version?;
                        let seen = version.wait_for(Option::is_some).await.ok()?;
                        seen.clone().flatten()
                    };
                    let (result, token) = match this.whoami_checked(&connection, version).await {
                        Ok((account, token)) => (Ok(account), token),
                        Err(e) => (Err(e), TokenLookup::NotApplicable),
                    };
                    if result
                        .as_ref()
                        .is_err_and(|e| KeyringBlock::of(e).is_some())
                    {
                        // A locked or missing keyring says nothing about the token: the
                        // connection keeps its last result, and the report says why not.
                        let unchanged = Some(connection.clone());
                        let check = failed_check(result.as_ref().unwrap_err(), None);
                        let none = TokenLookup::NotApplicable;
                        on_report(i, report(connection, check, result, none, unchanged));
                        return;
                    }
                    let (connection, check, result) = finish_check(connection, result);
                    let (saved_tx, saved_rx) = oneshot::channel();
                    let pending = PendingRecord {
                        id: connection.id.clone(),
                        result: Recorded {
                            check: check.clone(),
                            token: token.recorded().map(TokenFacts::of),
                        },
                        saved: saved_tx,
                    };
                    let saved = match record.send(pending) {
                        Ok(()) => saved_rx.await.ok().flatten(),
                        Err(_) => None,
                    };
                    on_report(i, report(connection, check, result, token, saved));
                });
                (i, kept, task)
            })
            .collect();
        drop(record);
        // A check that panicked is still reported, as interrupted, so that no connection
        // is left waiting for its result.
        for (i, connection, task) in tasks {
            if let Err(source) = task.await {
                tracing::error!(error = %source, "a check task failed");
                let interrupted = Err(Error::Interrupted {
                    task: "the check",
                    source,
                });
                let (connection, check, result) = finish_check(connection, interrupted);
                let none = TokenLookup::NotApplicable;
                on_report(i, report(connection, check, result, none, None));
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

    /// Asks Jira whom a saved connection's token belongs to, within the caps, then takes
    /// the site's version from `version` once its places are given back (so that waiting
    /// for the version never holds a place). For a Data Center personal access token that
    /// Jira accepted, also reads what the server knows about the token, in the same places.
    /// Saves nothing.
    async fn whoami_checked(
        &self,
        connection: &Connection,
        version: impl std::future::Future<Output = Option<String>>,
    ) -> Result<(Account, TokenLookup), Error> {
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
        let token = match &result {
            Ok(_) => self.lookup_saved(connection, &secret).await,
            Err(_) => TokenLookup::NotApplicable,
        };
        drop(permits);
        let mut account = result?;
        // Asked without credentials, but redacted all the same: a server that saw the
        // token in another request must not get it stored through its version.
        account.server_version = version.await.map(|v| Redact::credentials(&creds).apply(&v));
        Ok((account, token))
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
    token: TokenLookup,
    saved: Option<Connection>,
) -> CheckReport {
    let connection = saved.unwrap_or_else(|| {
        let mut connection = Connection {
            last_check: Some(check),
            ..connection
        };
        if let Some(info) = token.recorded() {
            TokenFacts::of(info).apply(&mut connection);
        }
        connection
    });
    let status = connection.status(today());
    CheckReport {
        connection,
        status,
        result,
        token,
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
            .map(|p| (p.id.clone(), p.result.clone()))
            .collect();
        let mut saved = record_checks(&config, checks).await;
        for pending in batch {
            let _ = pending.saved.send(saved.remove(&pending.id));
        }
    }
}

/// Records check results, and what they read about tokens, in one write of
/// `connections.toml`, and returns the connections as saved. A connection removed meanwhile
/// is skipped; a failed write is logged here and leaves nothing saved.
async fn record_checks(
    config: &ConfigStore,
    checks: HashMap<ConnectionId, Recorded>,
) -> HashMap<ConnectionId, Connection> {
    let results = checks.len();
    let config = config.clone();
    let saved = blocking(move || {
        config.update(|cfg| {
            let mut saved = HashMap::with_capacity(checks.len());
            for c in &mut cfg.connections {
                if let Some(recorded) = checks.get(&c.id) {
                    c.last_check = Some(recorded.check.clone());
                    if let Some(token) = &recorded.token {
                        token.apply(c);
                    }
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

pub(super) fn valid_check(account: &Account) -> LastCheck {
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
