//! One desktop app per config directory. A second launch asks the running app to show its
//! window (and to select the connection `gui --select` names, or to open New Connection for
//! `gui --new`), then exits, instead of opening a second window that races the first on
//! `connections.toml`. The CLI is not affected.
//!
//! - The running app holds an exclusive lock on `gui.lock` in the config directory for as
//!   long as it runs; the OS drops the lock when the process ends, however it ends, so a
//!   crash never leaves a stale claim.
//! - On Unix it listens on a Unix socket, `gui.sock`, next to the lock, in a thread of its
//!   own: a request is one JSON line and the answer is `ok`. The request goes to the app
//!   through a channel and wakes the UI, which brings the window forward
//!   ([`egui::ViewportCommand::Focus`]) in its next frame. The directory is private (0700),
//!   so only the same user can ask.
//! - On Windows the lock works the same way, but there is no socket: the second launch says
//!   that the app is already running and leaves it to the user to switch to it.
//!
//! The crates that do this (`single-instance`, `interprocess` and the like) either only
//! detect the other instance or bring a second IPC stack along; the standard library, the
//! config directory's lock and a socket cover it.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::core::config::open_lock_file;

/// The lock the running app holds, in the config directory.
pub const LOCK_FILE: &str = "gui.lock";
/// Where the running app listens for later launches, in the config directory (Unix).
pub const SOCKET_FILE: &str = "gui.sock";

/// How long a later launch waits for the running app to answer, e.g. while it is still
/// starting or is closing.
const PATIENCE: Duration = Duration::from_secs(5);

/// What a later launch asks of the running app: always to show its window, and maybe to
/// select a connection or open New Connection.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// The connection `gui --select NAME` names.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub select: Option<String>,
    /// `gui --new`: open the New Connection dialog.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub new_connection: bool,
}

/// The outcome of [`claim`].
pub enum Claim {
    /// This process runs the app; keep the [`Instance`] until the window closes.
    First(Instance),
    /// Another process runs the app for this config directory. `shown` is true when it
    /// answered that it brought its window forward.
    Running { shown: bool },
}

/// The running app's claim on its config directory, and the requests of later launches.
pub struct Instance {
    requests: Option<Receiver<Request>>,
    wake: Arc<OnceLock<egui::Context>>,
    socket: Option<PathBuf>,
    _lock: File,
}

impl Instance {
    /// The requests of later launches, once.
    pub fn take_requests(&mut self) -> Option<Receiver<Request>> {
        self.requests.take()
    }

    /// What lets a request wake the UI, for the code that creates the UI. The instance
    /// itself has to live as long as the window, or the next launch opens another.
    pub fn waker(&self) -> Waker {
        Waker(self.wake.clone())
    }
}

/// Wakes the UI when a request comes in; see [`Instance::waker`].
pub struct Waker(Arc<OnceLock<egui::Context>>);

impl Waker {
    /// Until this is called, requests wait in the channel without waking anything.
    pub fn wake(&self, ctx: &egui::Context) {
        let _ = self.0.set(ctx.clone());
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        // Still holding the lock, so the socket is ours to remove.
        if let Some(socket) = &self.socket {
            let _ = std::fs::remove_file(socket);
        }
    }
}

/// Claims the desktop app for the config directory `dir`, which must exist; or, when
/// another process has it, sends it `request`.
pub fn claim(dir: &Path, request: &Request) -> Result<Claim, String> {
    let lock_path = dir.join(LOCK_FILE);
    let lock = open_lock_file(&lock_path).map_err(|e| e.sentence())?;
    let socket = dir.join(SOCKET_FILE);
    let deadline = Instant::now() + PATIENCE;
    loop {
        match lock.try_lock() {
            Ok(()) => return Ok(Claim::First(Instance::start(lock, socket))),
            Err(std::fs::TryLockError::WouldBlock) => {}
            Err(std::fs::TryLockError::Error(e)) => {
                return Err(format!("cannot lock {}: {e}", lock_path.display()));
            }
        }
        // Someone has it: ask them. Between taking the lock and listening, and while
        // closing, the app cannot answer; try again until the lock is free or time is up.
        let error = match ask(&socket, request) {
            Ok(()) => return Ok(Claim::Running { shown: true }),
            Err(e) if e.kind() == std::io::ErrorKind::Unsupported => {
                return Ok(Claim::Running { shown: false });
            }
            Err(e) => e,
        };
        if Instant::now() >= deadline {
            return Err(format!(
                "jira-connect is already running for {}, but did not answer at {}: {error}. \
                 Close it, or wait until it has quit, and try again",
                dir.display(),
                socket.display()
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// For a launch of the desktop app: the claim, or, when another process runs the app, the
/// exit code once it was asked to show its window (or could not be).
pub(crate) fn launch(dir: &Path, request: Request) -> Result<Instance, ExitCode> {
    match claim(dir, &request) {
        Ok(Claim::First(instance)) => Ok(instance),
        Ok(Claim::Running { shown: true }) => {
            println!("jira-connect is already running: brought its window to the front.");
            Err(ExitCode::SUCCESS)
        }
        Ok(Claim::Running { shown: false }) => {
            println!("jira-connect is already running: switch to its window.");
            Err(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("X {e}");
            Err(ExitCode::from(1))
        }
    }
}

impl Instance {
    fn start(lock: File, socket: PathBuf) -> Instance {
        let (tx, rx) = channel();
        let wake = Arc::new(OnceLock::new());
        let socket = match listen(&socket, tx, wake.clone()) {
            Ok(listening) => listening.then_some(socket),
            Err(e) => {
                tracing::warn!(
                    "a second launch cannot bring this window forward: cannot listen at {}: {e}",
                    socket.display()
                );
                None
            }
        };
        Instance {
            requests: Some(rx),
            wake,
            socket,
            _lock: lock,
        }
    }
}

/// Sends `request` to the app listening at `socket` and waits for its answer.
#[cfg(unix)]
fn ask(socket: &Path, request: &Request) -> std::io::Result<()> {
    use std::io::{BufRead, BufReader, Write};
    use std::os::unix::net::UnixStream;

    let mut stream = UnixStream::connect(socket)?;
    stream.set_read_timeout(Some(Duration::from_secs(2)))?;
    stream.set_write_timeout(Some(Duration::from_secs(2)))?;
    let mut line = serde_json::to_string(request).map_err(std::io::Error::other)?;
    line.push('\n');
    stream.write_all(line.as_bytes())?;
    let mut answer = String::new();
    BufReader::new(stream).read_line(&mut answer)?;
    if answer.trim_end() == "ok" {
        Ok(())
    } else {
        Err(std::io::Error::other(format!(
            "unexpected answer {:?}",
            answer.trim_end()
        )))
    }
}

#[cfg(not(unix))]
fn ask(_socket: &Path, _request: &Request) -> std::io::Result<()> {
    Err(std::io::ErrorKind::Unsupported.into())
}

/// Listens at `socket` in a thread of its own; false where there is nothing to listen with.
#[cfg(unix)]
fn listen(
    socket: &Path,
    requests: Sender<Request>,
    wake: Arc<OnceLock<egui::Context>>,
) -> std::io::Result<bool> {
    use std::os::unix::net::UnixListener;

    // A socket left by an app that crashed: we hold the lock, so nobody listens there.
    match std::fs::remove_file(socket) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    let listener = UnixListener::bind(socket)?;
    // The directory is private already; the socket too, in case it is not.
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(socket, std::fs::Permissions::from_mode(0o600))?;
    }
    std::thread::Builder::new()
        .name("jira-connect-instance".into())
        .spawn(move || {
            for stream in listener.incoming() {
                match stream {
                    Ok(stream) => {
                        if !serve(stream, &requests, &wake) {
                            // The app is gone; the process is about to end.
                            return;
                        }
                    }
                    Err(e) => tracing::debug!("single instance: accept failed: {e}"),
                }
            }
        })?;
    Ok(true)
}

#[cfg(not(unix))]
fn listen(
    _socket: &Path,
    _requests: Sender<Request>,
    _wake: Arc<OnceLock<egui::Context>>,
) -> std::io::Result<bool> {
    Ok(false)
}

/// Answers one later launch; false once the app no longer takes requests.
#[cfg(unix)]
fn serve(
    stream: std::os::unix::net::UnixStream,
    requests: &Sender<Request>,
    wake: &OnceLock<egui::Context>,
) -> bool {
    use std::io::{BufRead, BufReader, Read, Write};

    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(2)));
    let mut line = String::new();
    // One short line; anything longer is not from jira-connect.
    if BufReader::new((&stream).take(4096))
        .read_line(&mut line)
        .is_err()
    {
        return true;
    }
    let Ok(request) = serde_json::from_str::<Request>(line.trim_end()) else {
        let _ = (&stream).write_all(b"unknown request\n");
        return true;
    };
    if requests.send(request).is_err() {
        return false;
    }
    if let Some(ctx) = wake.get() {
        ctx.request_repaint();
    }
    let _ = (&stream).write_all(b"ok\n");
    true
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_second_claim_reaches_the_first_and_a_released_claim_is_free() {
        let dir = tempfile::tempdir().unwrap();
        let Claim::First(mut first) = claim(dir.path(), &Request::default()).unwrap() else {
            panic!("the first claim must win");
        };
        let requests = first.take_requests().unwrap();
        let select = Request {
            select: Some("acme".into()),
            new_connection: true,
        };
        match claim(dir.path(), &select).unwrap() {
            Claim::Running { shown } => assert!(shown),
            Claim::First(_) => panic!("two instances"),
        }
        assert_eq!(
            requests.recv_timeout(Duration::from_secs(5)).unwrap(),
            select
        );
        drop(first);
        assert!(!dir.path().join(SOCKET_FILE).exists());
        assert!(matches!(
            claim(dir.path(), &Request::default()).unwrap(),
            Claim::First(_)
        ));
    }

    #[test]
    fn a_socket_left_by_a_crash_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(SOCKET_FILE), b"").unwrap();
        let Claim::First(mut first) = claim(dir.path(), &Request::default()).unwrap() else {
            panic!("a stale socket is no instance");
        };
        let requests = first.take_requests().unwrap();
        assert!(matches!(
            claim(dir.path(), &Request::default()).unwrap(),
            Claim::Running { shown: true }
        ));
        assert_eq!(
            requests.recv_timeout(Duration::from_secs(5)).unwrap(),
            Request::default()
        );
    }

    #[test]
    fn a_garbled_request_is_refused_and_the_listener_goes_on() {
        use std::io::{BufRead, BufReader, Write};
        let dir = tempfile::tempdir().unwrap();
        let Claim::First(mut first) = claim(dir.path(), &Request::default()).unwrap() else {
            panic!();
        };
        let requests = first.take_requests().unwrap();
        let mut stream =
            std::os::unix::net::UnixStream::connect(dir.path().join(SOCKET_FILE)).unwrap();
        stream.write_all(b"rm -rf /\n").unwrap();
        let mut answer = String::new();
        BufReader::new(stream).read_line(&mut answer).unwrap();
        assert_eq!(answer, "unknown request\n");
        assert!(requests.try_recv().is_err());
        assert!(matches!(
            claim(dir.path(), &Request::default()).unwrap(),
            Claim::Running { shown: true }
        ));
    }
}
