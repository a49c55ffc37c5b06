//! The only place the desktop app does IO. Every call returns at once; the work runs on a
//! tokio runtime and its result comes back as an [`Event`] over a channel, followed by a
//! repaint request. The UI thread never waits for the network, the keyring or the disk.

use std::path::PathBuf;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use tokio::runtime::Handle;

use crate::core::config::ConfigFile;
use crate::core::connection::Connection;
use crate::core::draft::Draft;
use crate::core::error::Error;
use crate::core::import::{self, Found, Sources};
use crate::core::jira::pat::PatInfo;
use crate::core::jira::{Account, read_ca_file};
use crate::core::service::{
    Cancel, CheckReport, Connections, Imported, NewToken, RotateOptions, Rotated,
};
use crate::core::site_url::SiteUrl;

/// A result coming back from the backend.
#[derive(Debug)]
pub(crate) enum Event {
    Loaded(Result<Arc<ConfigFile>, Error>),
    Checked(Box<CheckReport>),
    /// A New Connection dialog's validation finished, with the expiry a Data Center server
    /// reported for the token.
    Tested {
        request: u64,
        result: Result<(Account, Option<jiff::civil::Date>), Error>,
    },
    Saved {
        request: u64,
        result: Result<(Connection, Account), Error>,
    },
    Replaced {
        request: u64,
        result: Result<(Connection, Account), Error>,
    },
    Rotated {
        request: u64,
        result: Result<Rotated, Error>,
    },
    /// The account's tokens, for the picker of connection `name`.
    TokensListed {
        name: String,
        result: Result<Vec<PatInfo>, Error>,
    },
    /// A token picked from the list was recorded.
    TokenRecorded(Result<Connection, Error>),
    Removed(Result<Connection, Error>),
    Token {
        name: String,
        result: Result<SecretString, Error>,
    },
    SettingSaved(Result<(), Error>),
    /// A site was asked for its Atlassian Cloud id; `None` when it is not Cloud.
    CloudDetected {
        site: String,
        cloud_id: Option<String>,
    },
    /// Confluence was connected with a Jira connection's token.
    Linked {
        jira: crate::core::connection::ConnectionId,
        result: Result<(Connection, Account), Error>,
    },
    /// jira-cli's config, looked for on a first launch.
    JiraCliFound(Option<Found>),
    Imported(Result<Imported, Error>),
    NetrcCleaned(Result<(), Error>),
    /// Help ▸ Diagnostics' checks finished.
    Diagnosed(Result<crate::core::service::DoctorReport, Error>),
    /// Reminders were looked up, or switched on or off.
    Reminders(Result<RemindersState, Error>),
    /// No browser could be started for a link.
    BrowserFailed {
        url: String,
    },
    /// The clipboard was read to see whether it still holds the token of the `copy`th
    /// Copy token.
    ClipboardRead {
        copy: u64,
        holds_token: bool,
    },
    /// The clipboard could not be written directly: the window puts `text` there through
    /// its own clipboard instead, without the mark that keeps it out of clipboard histories.
    ClipboardFallback {
        text: SecretString,
    },
}

/// Whether reminders run with the window closed, and what the user should know about it.
#[derive(Debug, Clone, PartialEq)]
pub struct RemindersState {
    pub on: bool,
    /// Something to tell the user, e.g. a command to run to finish switching them on.
    pub note: Option<String>,
    /// True when the note says what the user still has to do (the switch is not finished).
    pub unfinished: bool,
}

/// Looks up (`None`) or switches (`Some(on)`) the reminders schedule. Tests replace it to
/// record what would be installed.
pub type Scheduler = Arc<dyn Fn(Option<bool>) -> Result<RemindersState, Error> + Send + Sync>;

/// The scheduler used by the real app: the systemd user timer, LaunchAgent or scheduled
/// task of [`crate::core::schedule`].
pub(crate) fn system_scheduler() -> Scheduler {
    use crate::core::schedule::{self, Activation};
    Arc::new(|switch: Option<bool>| match switch {
        None => schedule::status().map(|s| RemindersState {
            on: s.installed && s.active != Some(false),
            note: None,
            unfinished: false,
        }),
        Some(true) => {
            let enabled = schedule::enable(&schedule::current_exe()?)?;
            let unfinished = !matches!(enabled.activation, Activation::Active);
            Ok(RemindersState {
                on: true,
                unfinished,
                note: Some(match enabled.activation {
                    Activation::Active => {
                        "Reminders are on: tokens are checked daily and at login".into()
                    }
                    Activation::Manual { reason, commands } => format!(
                        "The schedule is written but not active yet ({reason}). Run: {}",
                        commands.join(" && ")
                    ),
                }),
            })
        }
        Some(false) => {
            let disabled = schedule::disable()?;
            Ok(RemindersState {
                on: false,
                unfinished: disabled.manager_error.is_some(),
                note: Some(match disabled.manager_error {
                    None => "Reminders are off".into(),
                    Some(e) => format!("Reminders are off; the scheduler could not be told: {e}"),
                }),
            })
        }
    })
}

/// Opens a URL in the browser, or says why it could not. Tests replace it to record what
/// would be opened.
pub(crate) type Opener = Arc<dyn Fn(&str) -> Result<(), String> + Send + Sync>;

/// The browser opener used by the real app.
pub(crate) fn system_opener() -> Opener {
    Arc::new(|url: &str| launch_first(open::commands(url)))
}

/// How long a URL launcher may take to say that it failed. `xdg-open` and its kin exit as
/// soon as a browser has the page; one still running after this has handed the page to a
/// browser that stays in the foreground, which counts as success.
const LAUNCHER_VERDICT: std::time::Duration = std::time::Duration::from_secs(5);

/// Runs the platform's URL launchers in turn until one succeeds. A launcher that cannot be
/// started, or exits with a failure (xdg-open with no browser configured, say), counts as
/// a failure, so that the app can show the address instead of failing silently.
pub(crate) fn launch_first(commands: Vec<std::process::Command>) -> Result<(), String> {
    use std::process::Stdio;
    use std::time::Instant;
    let mut why = Vec::new();
    for mut command in commands {
        let program = command.get_program().to_string_lossy().into_owned();
        command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut child = match command.spawn() {
            Ok(child) => child,
            Err(e) => {
                why.push(format!("{program} cannot be started: {e}"));
                continue;
            }
        };
        let deadline = Instant::now() + LAUNCHER_VERDICT;
        loop {
            match child.try_wait() {
                Ok(Some(status)) if status.success() => return Ok(()),
                Ok(Some(status)) => {
                    why.push(format!("{program} failed ({status})"));
                    break;
                }
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                Ok(None) => {
                    // Still running: the browser has the page. Reap it whenever it ends.
                    std::thread::spawn(move || child.wait());
                    return Ok(());
                }
                Err(e) => {
                    why.push(format!("{program} could not be watched: {e}"));
                    break;
                }
            }
        }
    }
    let why = if why.is_empty() {
        "no program that opens web pages is installed".to_string()
    } else {
        why.join("; ")
    };
    tracing::warn!(reason = %why, "could not open the browser");
    Err(why)
}

/// Reads the clipboard's text: `Ok(None)` when it holds none (empty, or an image). Tests
/// replace it with their own clipboard.
pub(crate) type ClipboardReader =
    Arc<dyn Fn() -> Result<Option<SecretString>, String> + Send + Sync>;

/// The OS clipboard, read through arboard (the library eframe's own clipboard uses).
pub(crate) fn system_clipboard() -> ClipboardReader {
    Arc::new(|| {
        let mut clipboard = arboard::Clipboard::new().map_err(|e| e.to_string())?;
        match clipboard.get_text() {
            Ok(text) => Ok(Some(SecretString::from(text))),
            Err(arboard::Error::ContentNotAvailable) => Ok(None),
            Err(e) => Err(e.to_string()),
        }
    })
}

/// Puts a token on the clipboard, marked as a secret (`Some`), or empties the clipboard
/// (`None`). Tests replace it with their own clipboard.
pub(crate) type ClipboardWriter =
    Arc<dyn Fn(Option<&SecretString>) -> Result<(), String> + Send + Sync>;

/// The OS clipboard, written through arboard. A token is marked so that clipboard managers
/// keep it out of their history: `x-kde-passwordManagerHint` on Linux, the clipboard
/// history and cloud exclusion formats on Windows, and the concealed type on macOS. The
/// clipboard object lives as long as the app, since on X11 the app serves what it copied.
pub fn system_clipboard_writer() -> ClipboardWriter {
    let held: Arc<Mutex<Option<arboard::Clipboard>>> = Arc::default();
    Arc::new(move |token| {
        let mut held = held.lock().unwrap_or_else(PoisonError::into_inner);
        let clipboard = match held.as_mut() {
            Some(clipboard) => clipboard,
            None => held.insert(arboard::Clipboard::new().map_err(|e| e.to_string())?),
        };
        match token {
            Some(token) => as_secret(clipboard.set()).text(token.expose_secret().to_string()),
            None => clipboard.clear(),
        }
        .map_err(|e| e.to_string())
    })
}

/// Marks what is set on the clipboard as a secret, where the platform has a way.
fn as_secret(set: arboard::Set<'_>) -> arboard::Set<'_> {
    #[cfg(all(
        unix,
        not(any(target_os = "macos", target_os = "android", target_os = "emscripten"))
    ))]
    let set = arboard::SetExtLinux::exclude_from_history(set);
    #[cfg(windows)]
    let set = arboard::SetExtWindows::exclude_from_monitoring(set);
    #[cfg(target_os = "macos")]
    let set = arboard::SetExtApple::exclude_from_history(set);
    set
}

/// Whether the clipboard that `reader` reads holds `token`. A clipboard that cannot be read
/// counts as holding it: the user was told it would be cleared.
fn holds(reader: &ClipboardReader, token: &SecretString) -> bool {
    match reader() {
        Ok(Some(text)) => text.expose_secret() == token.expose_secret(),
        Ok(None) => false,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the clipboard; clearing it anyway");
            true
        }
    }
}

/// What the New Connection dialog hands over: its checked input, the secret, and the CA
/// certificate file to read, which is read off the UI thread.
#[derive(Debug)]
pub struct Submission {
    pub draft: Draft,
    pub secret: SecretString,
    pub ca_file: Option<PathBuf>,
}

impl Submission {
    /// The draft with the CA certificate file's contents, and the secret.
    async fn read_ca(self) -> Result<(Draft, SecretString), Error> {
        let Submission {
            mut draft,
            secret,
            ca_file,
        } = self;
        if let Some(path) = ca_file {
            let pem = tokio::task::spawn_blocking(move || read_ca_file(&path))
                .await
                .map_err(|source| Error::Interrupted {
                    task: "reading the CA certificate",
                    source,
                })??;
            draft.options.ca_cert = Some(pem);
        }
        Ok((draft, secret))
    }
}

#[derive(Clone)]
pub(crate) struct Backend {
    runtime: Handle,
    svc: Arc<Connections>,
    tx: Sender<Event>,
    ctx: egui::Context,
    opener: Opener,
    clipboard: ClipboardReader,
    clipboard_writer: ClipboardWriter,
    /// `connections.toml` as last read: its modification time and size.
    seen: Arc<std::sync::Mutex<Option<Stamp>>>,
}

/// How often the app looks whether `connections.toml` changed (a `stat`, on the runtime).
pub(crate) const CONFIG_POLL: Duration = Duration::from_secs(2);

/// What tells one version of a file from the next without reading it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Stamp {
    modified: Option<std::time::SystemTime>,
    len: u64,
}

fn stamp(path: &std::path::Path) -> Option<Stamp> {
    let meta = std::fs::metadata(path).ok()?;
    Some(Stamp {
        modified: meta.modified().ok(),
        len: meta.len(),
    })
}

impl Backend {
    pub fn new(
        runtime: Handle,
        svc: Arc<Connections>,
        ctx: egui::Context,
        opener: Opener,
    ) -> (Self, Receiver<Event>) {
        let (tx, rx) = channel();
        let backend = Backend {
            runtime,
            svc,
            tx,
            ctx,
            opener,
            clipboard: system_clipboard(),
            clipboard_writer: system_clipboard_writer(),
            seen: Arc::default(),
        };
        (backend, rx)
    }

    /// Reads the clipboard with `reader` and writes it with `writer`, instead of the OS
    /// clipboard.
    pub(crate) fn set_clipboard(&mut self, reader: ClipboardReader, writer: ClipboardWriter) {
        self.clipboard = reader;
        self.clipboard_writer = writer;
    }

    fn sender(&self) -> impl Fn(Event) + Send + 'static {
        let tx = self.tx.clone();
        let ctx = self.ctx.clone();
        move |event| {
            if tx.send(event).is_ok() {
                ctx.request_repaint();
            }
        }
    }

    /// Finishes anything an interrupted run left behind, then reads the config file.
    /// Touches the keyring only when there is something to recover.
    pub fn load(&self) {
        let svc = self.svc.clone();
        let send = self.sender();
        let runtime = self.runtime.clone();
        let seen = self.seen.clone();
        self.runtime.spawn_blocking(move || {
            *seen.lock().unwrap_or_else(|e| e.into_inner()) = stamp(&svc.config().path());
            if let Err(e) = svc.recover() {
                tracing::warn!(error = %e, "an interrupted change could not be finished yet");
            }
            send(Event::Loaded(svc.load()));
            // The network half of recovery: tokens an interrupted rotation created on a
            // server are revoked there, after the window has its list.
            let leftovers = svc.clone();
            runtime.spawn(async move {
                match leftovers.revoke_leftovers().await {
                    Ok(done) if !done.is_empty() => {
                        tracing::info!(count = done.len(), "revoked tokens a rotation left")
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "leftover tokens not revoked yet"),
                }
            });
        });
    }

    /// Reads `connections.toml` again if it changed since it was last read (the CLI, or
    /// another program, changed it); sends nothing when it did not.
    pub fn reload_if_changed(&self) {
        let this = self.clone();
        self.runtime
            .spawn_blocking(move || this.reload_now_if_changed());
    }

    /// Blocking: one look at the file, and a reload if it changed. False once the window
    /// is gone.
    fn reload_now_if_changed(&self) -> bool {
        let now = stamp(&self.svc.config().path());
        {
            let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
            if *seen == now {
                return true;
            }
            *seen = now;
        }
        let loaded = Event::Loaded(self.svc.load());
        if self.tx.send(loaded).is_err() {
            return false;
        }
        self.ctx.request_repaint();
        true
    }

    /// Looks every [`CONFIG_POLL`] whether `connections.toml` changed, and reloads it when
    /// it did. Costs a `stat` off the UI thread, and no repaint while nothing changes.
    pub fn watch_config(&self) {
        let this = self.clone();
        self.runtime.spawn(async move {
            let mut tick = tokio::time::interval(CONFIG_POLL);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tick.tick().await;
            loop {
                tick.tick().await;
                let look = this.clone();
                match tokio::task::spawn_blocking(move || look.reload_now_if_changed()).await {
                    Ok(true) => {}
                    _ => break,
                }
            }
        });
    }

    /// Checks one connection, within the service's caps on checks in flight.
    pub fn check(&self, connection: Connection) {
        self.check_many(vec![connection]);
    }

    /// Checks many connections at once; each report comes back as soon as it is saved,
    /// and the results are saved in batches rather than one write each.
    pub fn check_many(&self, connections: Vec<Connection>) {
        let svc = self.svc.clone();
        let send = self.sender();
        self.runtime.spawn(async move {
            svc.check_each(connections, move |_, report| {
                send(Event::Checked(Box::new(report)))
            })
            .await;
        });
    }

    /// Runs a change the user may cancel while Jira is being asked, and sends back the
    /// event `done` makes of its result.
    fn cancellable<T, F>(
        &self,
        work: impl FnOnce(Arc<Connections>, Cancel) -> F,
        done: impl FnOnce(T) -> Event + Send + 'static,
    ) -> Cancel
    where
        F: std::future::Future<Output = T> + Send + 'static,
        T: Send + 'static,
    {
        let send = self.sender();
        let cancel = Cancel::new();
        let running = work(self.svc.clone(), cancel.clone());
        self.runtime.spawn(async move { send(done(running.await)) });
        cancel
    }

    /// Validates a new connection without saving it.
    pub fn test(&self, request: u64, submission: Submission) -> Cancel {
        self.cancellable(
            |svc, cancel| async move {
                let (draft, secret) = submission.read_ca().await?;
                let (account, token) = svc.test(&draft, &secret, &cancel).await?;
                Ok((account, token.recorded().and_then(|t| t.expires)))
            },
            move |result| Event::Tested { request, result },
        )
    }

    /// Validates, then stores. Cancelling stops the validation only.
    pub(crate) fn save(&self, request: u64, submission: Submission) -> Cancel {
        self.cancellable(
            |svc, cancel| async move {
                let (draft, secret) = submission.read_ca().await?;
                svc.add(draft, secret, &cancel).await
            },
            move |result| Event::Saved { request, result },
        )
    }

    /// Validates a new token for a saved connection, then swaps it in. Cancelling stops
    /// the validation only; the old token is untouched until the new one is accepted.
    pub fn replace(&self, request: u64, name: String, new: NewToken) -> Cancel {
        self.cancellable(
            |svc, cancel| async move { svc.replace_token(&name, new, &cancel).await },
            move |result| Event::Replaced { request, result },
        )
    }

    /// Rotates a Data Center token on the server: create, check, swap, revoke the old one.
    /// Cancelling stops it only before the swap; what was created by then is revoked.
    pub fn rotate(
        &self,
        request: u64,
        name: String,
        options: RotateOptions,
        password: Option<SecretString>,
    ) -> Cancel {
        self.cancellable(
            |svc, cancel| async move {
                svc.rotate(&name, options, password.as_ref(), &cancel)
                    .await
            },
            move |result| Event::Rotated { request, result },
        )
    }

    /// Lists the account's tokens on a Data Center server, for the picker.
    pub fn list_tokens(&self, name: String) {
        let svc = self.svc.clone();
        let send = self.sender();
        self.runtime.spawn(async move {
            let result = svc.list_tokens(&name, &Cancel::new()).await;
            send(Event::TokensListed { name, result });
        });
    }

    /// Records the token the user picked: its id, label, created date and expiry.
    pub fn record_token(&self, name: String, token: PatInfo) {
        let svc = self.svc.clone();
        let send = self.sender();
        self.runtime.spawn_blocking(move || {
            send(Event::TokenRecorded(svc.record_token(&name, &token)));
        });
    }

    /// Deletes the secret and then the metadata.
    pub fn remove(&self, name: String) {
        let svc = self.svc.clone();
        let send = self.sender();
        self.runtime.spawn(async move {
            send(Event::Removed(svc.remove(&name).await));
        });
    }

    /// Reads a secret for the clipboard.
    pub fn token(&self, name: String) {
        let svc = self.svc.clone();
        let send = self.sender();
        self.runtime.spawn(async move {
            let result = svc.token(&name).await;
            send(Event::Token { name, result });
        });
    }

    /// Puts `token` on the clipboard as the `copy`th Copy token, marked as a secret. After
    /// `after`, finds out whether the clipboard still holds it; the answer wakes the window,
    /// which clears the clipboard. The wait runs here rather than on egui's clock, which
    /// stands still while the window is hidden, as it usually is when the token is being
    /// pasted elsewhere. A clipboard that cannot be read counts as holding the token: the
    /// user was told it would be cleared.
    pub(crate) fn copy_token(&self, copy: u64, token: SecretString, after: Duration) {
        let (reader, writer) = (self.clipboard.clone(), self.clipboard_writer.clone());
        let send = self.sender();
        self.runtime.spawn(async move {
            let written = {
                let (writer, token) = (writer.clone(), token.clone());
                tokio::task::spawn_blocking(move || writer(Some(&token))).await
            };
            if let Ok(Err(e)) | Err(e) = written.map_err(|e| e.to_string()) {
                tracing::warn!(error = %e, "cannot mark the copied token as a secret");
                send(Event::ClipboardFallback {
                    text: token.clone(),
                });
            }
            tokio::time::sleep(after).await;
            let read = tokio::task::spawn_blocking(move || holds(&reader, &token));
            let holds_token = read.await.unwrap_or(true);
            send(Event::ClipboardRead { copy, holds_token });
        });
    }

    /// Empties the clipboard, off the UI thread.
    pub(crate) fn clear_clipboard(&self) {
        let writer = self.clipboard_writer.clone();
        let send = self.sender();
        self.runtime.spawn_blocking(move || {
            if let Err(e) = writer(None) {
                tracing::warn!(error = %e, "cannot clear the clipboard directly");
                send(Event::ClipboardFallback {
                    text: SecretString::from(String::new()),
                });
            }
        });
    }

    /// Empties the clipboard now if it still holds `token`, or cannot be read; for the
    /// window closing, when nothing waits for the background any more.
    pub(crate) fn clear_clipboard_now(&self, token: &SecretString) {
        if holds(&self.clipboard, token)
            && let Err(e) = (self.clipboard_writer)(None)
        {
            tracing::warn!(error = %e, "cannot clear the clipboard on exit");
        }
    }

    /// Opens a page in the browser, off the UI thread. When no browser can be started, the
    /// app is told, so that it can show the address to copy.
    pub(crate) fn open_url(&self, url: String) {
        let opener = self.opener.clone();
        let send = self.sender();
        self.runtime.spawn_blocking(move || {
            if opener(&url).is_err() {
                send(Event::BrowserFailed { url });
            }
        });
    }

    /// Asks a site, without credentials, whether it is Atlassian Cloud.
    pub fn detect_cloud(&self, site: SiteUrl) {
        let svc = self.svc.clone();
        let send = self.sender();
        self.runtime.spawn(async move {
            let cloud_id = svc.detect_cloud(&site).await.ok();
            send(Event::CloudDetected {
                site: site.to_string(),
                cloud_id,
            });
        });
    }

    /// Connects Confluence on a Jira Cloud connection's site with the same token.
    pub fn link_confluence(&self, jira: Connection) {
        let svc = self.svc.clone();
        let send = self.sender();
        self.runtime.spawn(async move {
            let result = svc.link_confluence(&jira.name, None, &Cancel::new()).await;
            send(Event::Linked {
                jira: jira.id,
                result,
            });
        });
    }

    /// Looks for jira-cli's config. Reads one file; no keyring.
    pub(crate) fn discover_jira_cli(&self, sources: Sources) {
        let send = self.sender();
        self.runtime
            .spawn_blocking(move || send(Event::JiraCliFound(import::discover(&sources))));
    }

    /// Imports jira-cli's connection, its token found where jira-cli keeps it.
    pub(crate) fn import_jira_cli(&self, found: Found, sources: Sources) {
        let svc = self.svc.clone();
        let send = self.sender();
        self.runtime.spawn(async move {
            send(Event::Imported(
                svc.import_jira_cli(&found.config, None, &sources).await,
            ));
        });
    }

    /// Deletes the entry a token was found in from its netrc file, and only that entry.
    pub(crate) fn remove_netrc(&self, entry: crate::core::netrc::EntryRef) {
        let send = self.sender();
        self.runtime.spawn_blocking(move || {
            send(Event::NetrcCleaned(crate::core::netrc::remove_entry(
                &entry,
            )))
        });
    }

    /// Runs every `doctor` check on all connections.
    pub fn doctor(&self) {
        let svc = self.svc.clone();
        let send = self.sender();
        self.runtime
            .spawn(async move { send(Event::Diagnosed(svc.doctor(&[]).await)) });
    }

    /// Looks up (`None`) or switches (`Some(on)`) the reminders schedule.
    pub fn reminders(&self, scheduler: Scheduler, switch: Option<bool>) {
        let send = self.sender();
        self.runtime
            .spawn_blocking(move || send(Event::Reminders(scheduler(switch))));
    }

    /// Persists whether connections are re-checked at launch.
    pub fn set_check_on_launch(&self, on: bool) {
        let svc = self.svc.clone();
        let send = self.sender();
        self.runtime
            .spawn_blocking(move || send(Event::SettingSaved(svc.set_check_on_launch(on))));
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::process::Command;

    use super::launch_first;

    fn sh(script: &str) -> Command {
        let mut command = Command::new("sh");
        command.args(["-c", script]);
        command
    }

    #[test]
    fn a_launcher_counts_only_when_it_starts_and_does_not_fail() {
        // None installed, or each one failing: an error that says why.
        let err = launch_first(vec![Command::new("/nonexistent/xdg-open")]).unwrap_err();
        assert!(
            err.contains("/nonexistent/xdg-open cannot be started"),
            "{err}"
        );
        let err = launch_first(vec![sh("exit 3")]).unwrap_err();
        assert!(err.contains("failed"), "{err}");
        assert!(launch_first(Vec::new()).is_err());
        // The first that works wins; later ones are not run.
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("second-ran");
        let second = sh(&format!("touch {}", marker.display()));
        launch_first(vec![Command::new("/nonexistent/gio"), sh("exit 0"), second]).unwrap();
        assert!(!marker.exists());
        // A launcher that keeps running has handed the page to a foreground browser.
        launch_first(vec![sh("sleep 7")]).unwrap();
    }
}
