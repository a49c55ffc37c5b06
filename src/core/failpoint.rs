//! Test-only crash points. In debug builds, `JIRA_CONNECT_FAILPOINT=<name>` aborts the
//! process at that point, as a `kill -9` or a power cut would; the crash tests use it to
//! prove that every step of add, replace and remove can be recovered. Release builds
//! compile this to nothing.

/// Aborts here when the failpoint `name` is armed (debug builds only).
#[inline]
pub fn hit(name: &str) {
    #[cfg(debug_assertions)]
    if std::env::var("JIRA_CONNECT_FAILPOINT").as_deref() == Ok(name) {
        std::process::abort();
    }
    #[cfg(not(debug_assertions))]
    let _ = name;
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
