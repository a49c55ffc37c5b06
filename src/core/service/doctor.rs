//! `doctor`: one report a user can paste into a bug report, and that the app shows under
//! Help ▸ Diagnostics. Each check says ✓ or ✗ and, when it is not fine, the next step:
//!
//! - **the keyring**: reachable, unlocked, and a test entry written, read back and deleted
//!   (under its own user name, never a connection's entry);
//! - **the config directory**: owner, modes, lock, and whether the file reads;
//! - **each connection**: the proxy it would use, DNS and TCP (to the proxy when there is
//!   one), the TLS chain (with the connection's own CA), the server's version, and a
//!   credentialed `/myself`, each layer on its own so the user sees which one failed;
//! - **the reminders timer**: installed, active, last run;
//! - **the notification service**.
//!
//! It changes nothing: no check result is recorded and no secret is shown. The probes of
//! the timer and the notification service can be replaced ([`Connections::set_probes`]) so
//! that tests do not depend on the machine they run on.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use secrecy::{ExposeSecret, SecretString};

use crate::core::connection::{Connection, ConnectionId, Deployment, Product};
use crate::core::error::{Error, KeyringError};
use crate::core::jira::CONNECT_TIMEOUT;
use crate::core::reminders::LastRun;
use crate::core::schedule::ScheduleState;
use crate::core::site_url::SiteUrl;

use super::{Connections, blocking, credentials, target_of};

/// How one check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckStatus {
    /// Fine.
    Ok,
    /// Works, but something is off or not set up; does not fail the report.
    Warn,
    /// Broken: the report fails.
    Fail,
    /// Not tried, because an earlier layer failed or it does not apply.
    Skipped,
}

impl CheckStatus {
    /// The stable name, for `--json`.
    pub fn as_str(self) -> &'static str {
        match self {
            CheckStatus::Ok => "ok",
            CheckStatus::Warn => "warn",
            CheckStatus::Fail => "fail",
            CheckStatus::Skipped => "skipped",
        }
    }

    /// The mark at the start of its line.
    pub fn mark(self) -> &'static str {
        match self {
            CheckStatus::Ok => "✓",
            CheckStatus::Warn => "!",
            CheckStatus::Fail => "✗",
            CheckStatus::Skipped => "-",
        }
    }
}

/// One check: what was looked at, how it came out, what was found, and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub name: String,
    pub status: CheckStatus,
    pub finding: String,
    /// The next step; `None` when there is nothing to do.
    pub next: Option<String>,
}

impl Check {
    fn new(name: &str, status: CheckStatus, finding: impl Into<String>) -> Self {
        Check {
            name: name.into(),
            status,
            finding: finding.into(),
            next: None,
        }
    }

    fn ok(name: &str, finding: impl Into<String>) -> Self {
        Check::new(name, CheckStatus::Ok, finding)
    }

    fn skipped(name: &str, finding: impl Into<String>) -> Self {
        Check::new(name, CheckStatus::Skipped, finding)
    }

    fn warn(name: &str, finding: impl Into<String>, next: impl Into<String>) -> Self {
        Check::new(name, CheckStatus::Warn, finding).then(next)
    }

    fn fail(name: &str, finding: impl Into<String>, next: impl Into<String>) -> Self {
        Check::new(name, CheckStatus::Fail, finding).then(next)
    }

    /// A failure described by an error, whose message already says what to do.
    fn error(name: &str, err: &Error) -> Self {
        Check::new(name, CheckStatus::Fail, err.sentence())
    }

    fn then(mut self, next: impl Into<String>) -> Self {
        self.next = Some(next.into());
        self
    }
}

/// What kind of thing a section looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectionKind {
    Keyring,
    Config,
    Connection,
    Timer,
    Notifications,
}

impl SectionKind {
    /// The stable name, for `--json`.
    pub fn as_str(self) -> &'static str {
        match self {
            SectionKind::Keyring => "keyring",
            SectionKind::Config => "config",
            SectionKind::Connection => "connection",
            SectionKind::Timer => "timer",
            SectionKind::Notifications => "notifications",
        }
    }
}

/// The checks about one thing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section {
    pub kind: SectionKind,
    pub title: String,
    pub checks: Vec<Check>,
}

impl Section {
    /// True when any of its checks failed.
    pub fn failed(&self) -> bool {
        self.checks.iter().any(|c| c.status == CheckStatus::Fail)
    }
}

/// The whole report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoctorReport {
    /// jira-connect's version.
    pub version: String,
    /// The platform it runs on (`linux`, `macos`, `windows`).
    pub os: String,
    pub sections: Vec<Section>,
}

impl DoctorReport {
    /// How many checks failed.
    pub fn failures(&self) -> usize {
        self.sections
            .iter()
            .flat_map(|s| &s.checks)
            .filter(|c| c.status == CheckStatus::Fail)
            .count()
    }

    /// True when nothing failed.
    pub fn ok(&self) -> bool {
        self.failures() == 0
    }

    /// The report as plain text, the same in the terminal and in the app's Copy report:
    /// a heading per section, a ✓, !, ✗ or - line per check, the next step indented below.
    pub fn text(&self) -> String {
        let mut out = format!("jira-connect {} doctor ({})\n", self.version, self.os);
        for section in &self.sections {
            out.push('\n');
            out.push_str(&section.title);
            out.push('\n');
            for check in &section.checks {
                out.push_str(&format!(
                    "  {} {}: {}\n",
                    check.status.mark(),
                    check.name,
                    check.finding
                ));
                if let Some(next) = &check.next {
                    out.push_str(&format!("      → {next}\n"));
                }
            }
        }
        out.push('\n');
        out.push_str(&self.summary());
        out.push('\n');
        out
    }

    /// One line: how it went.
    pub fn summary(&self) -> String {
        match self.failures() {
            0 => "No problems found.".into(),
            1 => "1 check failed.".into(),
            n => format!("{n} checks failed."),
        }
    }
}

/// What the notification service said.
#[derive(Debug, Clone)]
pub struct NotificationService {
    /// Who answered, in words (`org.freedesktop.Notifications on the session bus`).
    pub name: String,
    /// It shows buttons, so a notification can open the app.
    pub actions: bool,
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// Looks up the reminders schedule.
pub type TimerProbe = Arc<dyn Fn() -> Result<ScheduleState, Error> + Send + Sync>;
/// Asks the notification service whether it is there.
pub type NotificationProbe =
    Arc<dyn Fn() -> BoxFuture<Result<NotificationService, Error>> + Send + Sync>;

/// How `doctor` looks at the parts outside jira-connect that the machine provides.
#[derive(Clone)]
pub struct Probes {
    pub timer: TimerProbe,
    pub notifications: NotificationProbe,
}

/// How long the notification service may take to answer.
const BUS_TIMEOUT: Duration = Duration::from_secs(5);

impl Probes {
    /// The real ones: [`crate::core::schedule::status`] and the session bus.
    pub fn system() -> Self {
        Probes {
            timer: Arc::new(crate::core::schedule::status),
            notifications: Arc::new(|| {
                Box::pin(async {
                    let connect = crate::core::notify::Notifier::connect();
                    let notifier =
                        tokio::time::timeout(BUS_TIMEOUT, connect)
                            .await
                            .map_err(|_| Error::Notifications {
                                detail: format!(
                                    "the service did not answer within {} s",
                                    BUS_TIMEOUT.as_secs()
                                ),
                            })??;
                    Ok(NotificationService {
                        name: if cfg!(target_os = "linux") {
                            "org.freedesktop.Notifications on the session bus".into()
                        } else if cfg!(target_os = "macos") {
                            "Notification Center".into()
                        } else {
                            "Windows notifications".into()
                        },
                        actions: notifier.supports_actions(),
                    })
                })
            }),
        }
    }
}

impl std::fmt::Debug for Probes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Probes").finish_non_exhaustive()
    }
}

/// The user name of the keyring's test entry; a connection's is a bare UUID.
const PROBE_USER_PREFIX: &str = "doctor-probe-";

impl Connections {
    /// Replaces how `doctor` looks at the timer and the notification service.
    pub fn set_probes(&self, probes: Probes) {
        *self.probes.lock().unwrap_or_else(|e| e.into_inner()) = Some(probes);
    }

    fn probes(&self) -> Probes {
        self.probes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .unwrap_or_else(Probes::system)
    }

    /// Runs every check, on the named connections or on all of them, and reports. A name
    /// that is not saved is an error, as for `check`. Saves nothing.
    pub async fn doctor(self: &Arc<Self>, names: &[String]) -> Result<DoctorReport, Error> {
        let probes = self.probes();
        let (config_section, config) = self.config_section();
        let connections = match (&config, names.is_empty()) {
            (Some(config), true) => config.connections.clone(),
            (_, false) => names
                .iter()
                .map(|n| self.get(n))
                .collect::<Result<Vec<_>, _>>()?,
            (None, true) => Vec::new(),
        };
        let last_run = config.as_ref().and_then(|c| c.reminders.last_run.clone());

        // The keyring first: when it is locked, no connection asks it again, so that a
        // keyring that prompts to unlock prompts once, not once per connection.
        let sites = async {
            let keyring = self.keyring_section().await;
            let usable = !keyring.failed();
            let tasks: Vec<_> = connections
                .into_iter()
                .map(|c| {
                    let this = self.clone();
                    tokio::spawn(async move { this.connection_section(&c, usable).await })
                })
                .collect();
            let mut sections = Vec::new();
            for task in tasks {
                match task.await {
                    Ok(section) => sections.push(section),
                    Err(e) => sections.push(Section {
                        kind: SectionKind::Connection,
                        title: "A connection".into(),
                        checks: vec![Check::error(
                            "Checks",
                            &Error::Interrupted {
                                task: "the connection's checks",
                                source: e,
                            },
                        )],
                    }),
                }
            }
            (keyring, sections)
        };
        let timer_probe = probes.timer.clone();
        let timer = blocking(move || Ok::<_, Error>(timer_probe()));
        let notifications = (probes.notifications)();
        let ((keyring, sites), timer, notifications) = tokio::join!(sites, timer, notifications);
        let timer = timer.and_then(|t| t);
        let installed = matches!(&timer, Ok(state) if state.installed);

        let mut sections = vec![keyring, config_section];
        if sites.is_empty() {
            sections.push(Section {
                kind: SectionKind::Connection,
                title: "Connections".into(),
                checks: vec![Check::ok("Saved", "none yet, so none was checked")],
            });
        }
        sections.extend(sites);
        sections.push(timer_section(timer, last_run.as_ref()));
        sections.push(notification_section(notifications, installed));
        Ok(DoctorReport {
            version: env!("CARGO_PKG_VERSION").into(),
            os: std::env::consts::OS.into(),
            sections,
        })
    }

    /// Writes, reads back and deletes a test entry, and says which step failed how.
    async fn keyring_section(&self) -> Section {
        let secrets = self.secrets.clone();
        let probe =
            ConnectionId::probe(&format!("{PROBE_USER_PREFIX}{}", ConnectionId::generate()));
        let value = SecretString::from(ConnectionId::generate().to_string());
        let result = blocking(move || -> Result<Result<(), RoundTrip>, Error> {
            // Asked first, without a prompt: writing to a locked keyring would raise one.
            if let Err(e @ (KeyringError::Locked { .. } | KeyringError::Unavailable { .. })) =
                secrets.probe()
            {
                return Ok(Err(RoundTrip::Write(e)));
            }
            if let Err(e) = secrets.set(&probe, &value) {
                return Ok(Err(RoundTrip::Write(e)));
            }
            let read = secrets.get(&probe);
            // Deleted whatever the read said, so that no test entry is left behind.
            let deleted = secrets.delete(&probe);
            match read {
                Err(e) => return Ok(Err(RoundTrip::Read(e))),
                Ok(None) => return Ok(Err(RoundTrip::Lost)),
                Ok(Some(back)) if back.expose_secret() != value.expose_secret() => {
                    return Ok(Err(RoundTrip::Changed));
                }
                Ok(Some(_)) => {}
            }
            if let Err(e) = deleted {
                return Ok(Err(RoundTrip::Delete(e)));
            }
            match secrets.get(&probe) {
                Ok(None) => Ok(Ok(())),
                Ok(Some(_)) => Ok(Err(RoundTrip::Kept)),
                Err(e) => Ok(Err(RoundTrip::Read(e))),
            }
        })
        .await;
        const REACHABLE: &str = "Reachable";
        const UNLOCKED: &str = "Unlocked";
        const ROUND_TRIP: &str = "Test entry";
        let checks = match result {
            Ok(Ok(())) => vec![
                Check::ok(REACHABLE, "the keyring answers"),
                Check::ok(UNLOCKED, "an entry could be written"),
                Check::ok(ROUND_TRIP, "written, read back and deleted"),
            ],
            Ok(Err(RoundTrip::Write(e))) => match e {
                KeyringError::Unavailable { .. } => vec![
                    Check::error(REACHABLE, &Error::Keyring(e)),
                    Check::skipped(UNLOCKED, "no keyring to ask"),
                    Check::skipped(ROUND_TRIP, "no keyring to ask"),
                ],
                KeyringError::Locked { .. } => vec![
                    Check::ok(REACHABLE, "the keyring answers"),
                    Check::error(UNLOCKED, &Error::Keyring(e)).then(
                        "Unlock the login keyring (log in to the desktop, or open your \
                         keyring manager), then run doctor again",
                    ),
                    Check::skipped(ROUND_TRIP, "the keyring is locked"),
                ],
                KeyringError::Failed { .. } => vec![
                    Check::ok(REACHABLE, "the keyring answers"),
                    Check::skipped(UNLOCKED, "not known: the write failed otherwise"),
                    Check::error(ROUND_TRIP, &Error::Keyring(e)),
                ],
            },
            Ok(Err(other)) => vec![
                Check::ok(REACHABLE, "the keyring answers"),
                Check::ok(UNLOCKED, "an entry could be written"),
                other.check(ROUND_TRIP),
            ],
            Err(e) => vec![Check::error(ROUND_TRIP, &e)],
        };
        Section {
            kind: SectionKind::Keyring,
            title: "Keyring".into(),
            checks,
        }
    }

    /// The directory's owner and modes, looked at before anything tightens them; its lock;
    /// and whether the file reads. Returns the file too, when it read.
    fn config_section(&self) -> (Section, Option<Arc<crate::core::config::ConfigFile>>) {
        let dir = self.config.dir().to_path_buf();
        let file = self.config.path();
        let mut checks = Vec::new();
        let title = format!("Config directory {}", dir.display());
        if !dir.exists() {
            checks.push(Check::ok(
                "Directory",
                "not created yet: it is made, private, on the first save",
            ));
            let section = Section {
                kind: SectionKind::Config,
                title,
                checks,
            };
            return (section, None);
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::{MetadataExt, PermissionsExt};
            let me = rustix::process::geteuid().as_raw();
            let meta = |p: &std::path::Path| std::fs::metadata(p).ok();
            let (dir_meta, file_meta) = (meta(&dir), meta(&file));
            let foreign: Vec<String> = [(&dir, &dir_meta), (&file, &file_meta)]
                .into_iter()
                .filter_map(|(p, m)| m.as_ref().map(|m| (p, m)))
                .filter(|(_, m)| m.uid() != me)
                .map(|(p, m)| format!("{} (uid {})", p.display(), m.uid()))
                .collect();
            checks.push(if foreign.is_empty() {
                Check::ok("Owner", format!("you (uid {me})"))
            } else {
                Check::fail(
                    "Owner",
                    format!("owned by another user: {}", foreign.join(", ")),
                    format!(
                        "Give it back to your user (uid {me}), e.g. with sudo chown; \
                         jira-connect refuses files that another user could swap"
                    ),
                )
            });
            let mode =
                |m: &Option<std::fs::Metadata>| m.as_ref().map(|m| m.permissions().mode() & 0o777);
            let (dir_mode, file_mode) = (mode(&dir_meta), mode(&file_meta));
            let shown = format!(
                "directory {:o}{}",
                dir_mode.unwrap_or(0),
                file_mode
                    .map(|m| format!(", connections.toml {m:o}"))
                    .unwrap_or_default()
            );
            let loose = |m: Option<u32>, bits| m.is_some_and(|m| m & bits != 0);
            checks.push(if loose(dir_mode, 0o022) || loose(file_mode, 0o022) {
                Check::fail(
                    "Modes",
                    format!("{shown}: others can write to it"),
                    format!(
                        "Make it private: chmod 700 {} (and 600 for the file)",
                        dir.display()
                    ),
                )
            } else if loose(dir_mode, 0o077) || loose(file_mode, 0o077) {
                Check::warn(
                    "Modes",
                    format!("{shown}: others can read it"),
                    "jira-connect tightens it to 700 and 600 on its next run; no secret is in it",
                )
            } else {
                Check::ok("Modes", format!("{shown}, private"))
            });
        }
        checks.push(self.lock_check());
        let config = match self.config.load() {
            Ok(config) => {
                let n = config.connections.len();
                checks.push(Check::ok(
                    "connections.toml",
                    match (file.exists(), n) {
                        (false, _) => "not written yet".to_string(),
                        (true, 1) => "reads, with 1 connection".to_string(),
                        (true, n) => format!("reads, with {n} connections"),
                    },
                ));
                if !config.pending.is_empty() {
                    checks.push(Check::warn(
                        "Unfinished changes",
                        format!("{} recorded", config.pending.len()),
                        "The next command finishes or rolls them back; run `jira-connect list`",
                    ));
                }
                Some(config)
            }
            Err(e) => {
                checks.push(Check::error("connections.toml", &e));
                None
            }
        };
        let section = Section {
            kind: SectionKind::Config,
            title,
            checks,
        };
        (section, config)
    }

    /// Takes the file's lock without waiting, and gives it back at once.
    fn lock_check(&self) -> Check {
        let path = self.config.dir().join("connections.toml.lock");
        let file = match crate::core::config::open_lock_file(&path) {
            Ok(file) => file,
            Err(e) => return Check::error("Lock", &e),
        };
        match file.try_lock() {
            Ok(()) => {
                let _ = file.unlock();
                Check::ok("Lock", "taken and given back")
            }
            Err(std::fs::TryLockError::WouldBlock) => Check::warn(
                "Lock",
                "held by another jira-connect that is writing the file right now",
                "Run doctor again in a moment; if it stays held, close other jira-connect windows",
            ),
            Err(std::fs::TryLockError::Error(source)) => Check::error(
                "Lock",
                &Error::ConfigIo {
                    action: "lock",
                    path,
                    source,
                },
            ),
        }
    }

    /// One connection, layer by layer: proxy, DNS, TCP, TLS, version, login.
    async fn connection_section(&self, connection: &Connection, keyring_usable: bool) -> Section {
        let title = format!("Connection {} ({})", connection.name, connection.url);
        let mut checks = Vec::new();
        let site = match connection.site() {
            Ok(site) => site,
            Err(e) => {
                checks.push(Check::error("Address", &e));
                return Section {
                    kind: SectionKind::Connection,
                    title,
                    checks,
                };
            }
        };
        let target = target_of(connection, &site);
        let (host, port) = host_and_port(&site);

        // Proxy: the same rule as the client.
        let proxy = crate::core::jira::proxy_for(&site);
        let (dial_host, dial_port, via) = match &proxy {
            Some(p) => {
                checks.push(Check::ok(
                    "Proxy",
                    format!("through {} (from {})", p.shown, p.variable),
                ));
                (p.host.clone(), p.port, " (the proxy)")
            }
            None => {
                checks.push(Check::ok(
                    "Proxy",
                    if site.is_insecure() || crate::core::site_url::is_loopback_host(site.host()) {
                        "none: plain http and loopback sites always connect directly"
                    } else {
                        "none: connects directly"
                    },
                ));
                (host.clone(), port, "")
            }
        };

        // DNS, then TCP, to whoever the client would connect to.
        let addresses = match resolve(&dial_host, dial_port).await {
            Ok(addresses) => {
                let shown: Vec<String> = addresses
                    .iter()
                    .take(3)
                    .map(|a| a.ip().to_string())
                    .collect();
                let more = addresses.len().saturating_sub(3);
                checks.push(Check::ok(
                    "DNS",
                    format!(
                        "{dial_host}{via} is {}{}",
                        shown.join(", "),
                        if more > 0 {
                            format!(" and {more} more")
                        } else {
                            String::new()
                        }
                    ),
                ));
                Some(addresses)
            }
            Err(e) => {
                checks.push(Check::error("DNS", &e).then(
                    "Check the address for typos, then your network: VPN, DNS server, or \
                     HTTPS_PROXY if the site is only reachable through a proxy",
                ));
                None
            }
        };
        let connected = match &addresses {
            None => {
                checks.push(Check::skipped("TCP", "no address to connect to"));
                false
            }
            Some(addresses) => match connect(addresses, &dial_host).await {
                Ok((addr, took)) => {
                    checks.push(Check::ok(
                        "TCP",
                        format!("connected to {addr}{via} in {} ms", took.as_millis()),
                    ));
                    true
                }
                Err(e) => {
                    checks.push(Check::error("TCP", &e).then(
                        "Check that the port is right and that no firewall or VPN blocks it",
                    ));
                    false
                }
            },
        };

        // TLS and the server's version, from one request without credentials.
        let answer = if connected {
            Some(self.client.probe(&target).await)
        } else {
            None
        };
        let trust = if connection.ca_cert.is_some() && target.deployment == Deployment::DataCenter {
            "the connection's own CA certificate"
        } else {
            "the system's trusted certificates"
        };
        let reached = match (&answer, site.is_insecure()) {
            (None, _) => {
                checks.push(Check::skipped("TLS", "not reached"));
                false
            }
            (Some(Ok(_)), true) => {
                checks.push(Check::warn(
                    "TLS",
                    "none: the site uses plain http",
                    "Use https:// unless this is a test server on this machine",
                ));
                true
            }
            (Some(Ok(_)), false) => {
                checks.push(Check::ok(
                    "TLS",
                    format!("the certificate chain verifies against {trust}"),
                ));
                true
            }
            (Some(Err(e @ Error::Tls { .. })), _) => {
                checks.push(Check::error("TLS", e).then(
                    if target.deployment == Deployment::DataCenter {
                        "If the site uses a company CA, add the connection again with \
                     --ca-cert PATH (or the CA certificate field in the app)"
                    } else {
                        "A proxy or security software may be intercepting TLS: ask your IT \
                     team, or set HTTPS_PROXY to the proxy they name"
                    },
                ));
                false
            }
            (Some(Err(e)), _) => {
                checks.push(Check::error("TLS", e));
                false
            }
        };
        checks.push(match (&answer, connection.product) {
            (_, Product::Confluence) => {
                Check::skipped("Version", "Confluence does not say it without a login")
            }
            (Some(Ok(Some(version))), _) => Check::ok(
                "Version",
                format!("Jira {version} ({})", connection.deployment.as_str()),
            ),
            (Some(Ok(None)), _) => Check::warn(
                "Version",
                "serverInfo did not give a version",
                "The address may not be Jira's root: check its context path (/jira, …)",
            ),
            _ => Check::skipped("Version", "not reached"),
        });

        // A login, only once the site answers: a failure below is then about the token.
        if !reached {
            checks.push(Check::skipped(
                "Login",
                "not tried: the site was not reached",
            ));
        } else if !keyring_usable {
            checks.push(Check::skipped(
                "Login",
                "not tried: the token cannot be read until the keyring works (see above)",
            ));
        } else {
            checks.push(match self.secret_of(connection).await {
                Err(e @ Error::SecretMissing { .. }) => Check::error("Login", &e),
                Err(e) => Check::error("Login", &e).then("See the keyring's checks above"),
                Ok(secret) => {
                    let creds = credentials(connection, &secret);
                    match self.client.whoami(&target, &creds).await {
                        Ok(account) => Check::ok(
                            "Login",
                            format!(
                                "logged in as {}{}",
                                account.display_name,
                                account
                                    .email
                                    .as_deref()
                                    .map(|e| format!(" <{e}>"))
                                    .unwrap_or_default()
                            ),
                        ),
                        Err(e) => Check::error("Login", &e),
                    }
                }
            });
        }
        Section {
            kind: SectionKind::Connection,
            title,
            checks,
        }
    }
}

/// How the keyring's round trip failed, past the first write.
enum RoundTrip {
    Write(KeyringError),
    Read(KeyringError),
    Delete(KeyringError),
    Lost,
    Changed,
    Kept,
}

impl RoundTrip {
    fn check(self, name: &str) -> Check {
        let broken = "Restart the keyring service (or log out and in), then run doctor again";
        match self {
            RoundTrip::Write(e) | RoundTrip::Read(e) | RoundTrip::Delete(e) => {
                Check::error(name, &Error::Keyring(e))
            }
            RoundTrip::Lost => Check::fail(name, "written, but not found when read back", broken),
            RoundTrip::Changed => {
                Check::fail(name, "written, but read back with other contents", broken)
            }
            RoundTrip::Kept => Check::fail(name, "still there after it was deleted", broken),
        }
    }
}

fn timer_section(timer: Result<ScheduleState, Error>, last_run: Option<&LastRun>) -> Section {
    let enable = "Turn reminders on with `jira-connect reminders enable` (or Reminders in \
                  the app) to hear about a token before it expires";
    let checks = match timer {
        Err(e) => vec![Check::error("Installed", &e)],
        Ok(state) if !state.installed => vec![
            Check::warn(
                "Installed",
                match &state.location {
                    Some(path) => format!("no timer at {}: reminders are off", path.display()),
                    None => "no schedule: reminders are off".into(),
                },
                enable,
            ),
            Check::skipped("Active", "not installed"),
            Check::skipped("Last run", "not installed"),
        ],
        Ok(state) => {
            let where_ = state
                .location
                .as_ref()
                .map(|p| format!("at {}", p.display()))
                .unwrap_or_else(|| "yes".into());
            let active = match state.active {
                Some(true) => Check::ok(
                    "Active",
                    match &state.next_run {
                        Some(next) => format!("yes; next run {next}"),
                        None => "yes".into(),
                    },
                ),
                Some(false) => Check::fail(
                    "Active",
                    "installed but not active, so it never runs",
                    "Run `jira-connect reminders enable` again",
                ),
                None => Check::warn(
                    "Active",
                    format!(
                        "not known: {}",
                        state
                            .manager_error
                            .as_deref()
                            .unwrap_or("the scheduler could not be asked")
                    ),
                    "Run `jira-connect reminders enable` again in your desktop session",
                ),
            };
            let last = match last_run {
                Some(run) => {
                    let at = run.at.strftime("%Y-%m-%d %H:%M UTC");
                    match &run.delivery_error {
                        Some(err) => Check::warn(
                            "Last run",
                            format!("{at}, but its notifications failed: {err}"),
                            "See the notification service below",
                        ),
                        None => Check::ok(
                            "Last run",
                            format!(
                                "{at}, checked {} connection{}",
                                run.checked,
                                if run.checked == 1 { "" } else { "s" }
                            ),
                        ),
                    }
                }
                None => Check::warn(
                    "Last run",
                    "never",
                    "It runs daily and a minute after login; try it now with \
                     `jira-connect check --notify`",
                ),
            };
            vec![Check::ok("Installed", where_), active, last]
        }
    };
    Section {
        kind: SectionKind::Timer,
        title: "Reminders timer".into(),
        checks,
    }
}

fn notification_section(
    service: Result<NotificationService, Error>,
    timer_installed: bool,
) -> Section {
    let check = match service {
        Ok(service) => Check::ok(
            "Service",
            format!(
                "{} answers{}",
                service.name,
                if service.actions {
                    "; notifications can open the app"
                } else {
                    ""
                }
            ),
        ),
        Err(e) => {
            let finding = match &e {
                Error::Notifications { detail } => format!("none answered ({detail})"),
                other => other.sentence(),
            };
            let next = "Reminders need a desktop session with a notification service (the \
                        desktop's own, or dunst or mako)";
            let status = if timer_installed {
                CheckStatus::Fail
            } else {
                CheckStatus::Warn
            };
            Check::new("Service", status, finding).then(next)
        }
    };
    Section {
        kind: SectionKind::Notifications,
        title: "Notification service".into(),
        checks: vec![check],
    }
}

/// The host to resolve (without IPv6 brackets) and the port, as the URL gives them.
fn host_and_port(site: &SiteUrl) -> (String, u16) {
    let port = reqwest::Url::parse(site.as_str())
        .ok()
        .and_then(|u| u.port_or_known_default())
        .unwrap_or(if site.is_insecure() { 80 } else { 443 });
    let host = site.host().trim_start_matches('[').trim_end_matches(']');
    (host.to_string(), port)
}

/// Resolves a host, within the connect timeout.
async fn resolve(host: &str, port: u16) -> Result<Vec<SocketAddr>, Error> {
    let dns = || Error::Dns { host: host.into() };
    let lookup = tokio::net::lookup_host((host, port));
    match tokio::time::timeout(CONNECT_TIMEOUT, lookup).await {
        Ok(Ok(addresses)) => {
            let addresses: Vec<SocketAddr> = addresses.collect();
            if addresses.is_empty() {
                Err(dns())
            } else {
                Ok(addresses)
            }
        }
        Ok(Err(_)) => Err(dns()),
        Err(_) => Err(Error::Timeout {
            host: host.into(),
            after: CONNECT_TIMEOUT,
        }),
    }
}

/// Connects to each address in turn until one answers; returns it and how long it took.
async fn connect(addresses: &[SocketAddr], host: &str) -> Result<(SocketAddr, Duration), Error> {
    let mut last = None;
    for addr in addresses {
        let started = Instant::now();
        match tokio::time::timeout(CONNECT_TIMEOUT, tokio::net::TcpStream::connect(addr)).await {
            Ok(Ok(_stream)) => return Ok((*addr, started.elapsed())),
            Ok(Err(e)) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                last = Some(Error::ConnectionRefused { host: host.into() })
            }
            Ok(Err(e)) => {
                last = Some(Error::Network {
                    host: host.into(),
                    detail: e.to_string(),
                })
            }
            Err(_) => {
                last = Some(Error::Timeout {
                    host: host.into(),
                    after: CONNECT_TIMEOUT,
                })
            }
        }
    }
    Err(last.unwrap_or_else(|| Error::Dns { host: host.into() }))
}
