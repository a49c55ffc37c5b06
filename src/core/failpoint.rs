//! Test-only crash points. In debug builds, `JIRA_CONNECT_FAILPOINT=<name>` aborts the
//! process at that point, as a `kill -9` or a power cut would; the crash tests use it to
//! prove that every step of add, replace and remove can be recovered.
//!
//! `JIRA_CONNECT_PARK=<name>` instead holds the process at that point, as a slow keyring
//! or an unlock prompt would: it prints `parked at <name>` on stderr and waits until the
//! file named by `JIRA_CONNECT_PARK_UNTIL` exists (or until it is killed). The tests use it
//! to run a second process against an operation that is still under way.
//!
//! Release builds compile this to nothing.

/// Aborts or parks here when the failpoint `name` is armed (debug builds only).
#[inline]
pub(crate) fn hit(name: &str) {
    #[cfg(debug_assertions)]
    {
        if std::env::var("JIRA_CONNECT_FAILPOINT").as_deref() == Ok(name) {
            std::process::abort();
        }
        if std::env::var("JIRA_CONNECT_PARK").as_deref() == Ok(name) {
            park(name);
        }
    }
    #[cfg(not(debug_assertions))]
    let _ = name;
}

#[cfg(debug_assertions)]
fn park(name: &str) {
    use std::io::Write;
    let until = std::env::var_os("JIRA_CONNECT_PARK_UNTIL").map(std::path::PathBuf::from);
    let mut stderr = std::io::stderr();
    let _ = writeln!(stderr, "parked at {name}");
    let _ = stderr.flush();
    while !until.as_deref().is_some_and(std::path::Path::exists) {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Every failpoint, in the order the operations reach them.
pub const ALL: &[&str] = &[
    "add:pending-written",
    "add:secret-stored",
    "replace:pending-written",
    "replace:staged",
    "replace:swapped",
    "replace:metadata-written",
    "replace:staging-deleted",
    "remove:pending-written",
    "remove:secret-deleted",
];

/// The failpoints of a rotation of a Data Center token, in the order it reaches them. Its
/// swap also passes `replace:swapped`, `replace:metadata-written` and
/// `replace:staging-deleted` of [`ALL`] between `rotate:swapping` and `rotate:swapped`.
pub const ROTATE: &[&str] = &[
    "rotate:recorded",
    "rotate:staged",
    "rotate:swapping",
    "rotate:old-staged",
    "rotate:swapped",
];

/// The failpoint of a rotation whose create answer told neither the token's id nor which
/// listed token it is: right after the token's record by its name and time is written.
pub const ROTATE_UNREAD: &str = "rotate:unread-recorded";
