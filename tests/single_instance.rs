//! The built binary, launched while an app already runs for the same config directory: it
//! asks that app to show its window and exits, and the CLI goes on working as usual. The
//! running app here is this test, holding the claim the way the app does; the real window
//! is tried under Xvfb by scripts/smoke-window.sh.

use std::time::{Duration, Instant};

use jira_connect::ui::single_instance::{Claim, Request, claim};

use crate::cli::{bin, text};

/// Claims the app for `dir`, as a running window does.
fn hold(dir: &std::path::Path) -> jira_connect::ui::single_instance::Instance {
    match claim(dir, &Request::default()).unwrap() {
        Claim::First(instance) => instance,
        Claim::Running { .. } => panic!("nothing else runs for {}", dir.display()),
    }
}

#[test]
fn a_second_launch_brings_the_running_window_forward_and_exits() {
    let dir = tempfile::tempdir().unwrap();
    let mut running = hold(dir.path());
    let requests = running.take_requests().unwrap();

    let started = Instant::now();
    let out = bin(dir.path())
        .args(["gui", "--select", "acme"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        "jira-connect is already running: brought its window to the front.\n"
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    let asked = requests.recv_timeout(Duration::from_secs(5)).unwrap();
    assert_eq!(asked.select.as_deref(), Some("acme"));

    // With no command at all, too.
    let out = bin(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        requests.recv_timeout(Duration::from_secs(5)).unwrap(),
        Request::default()
    );

    // The desktop entry's New Connection action.
    let out = bin(dir.path()).args(["gui", "--new"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let asked = requests.recv_timeout(Duration::from_secs(5)).unwrap();
    assert!(asked.new_connection && asked.select.is_none(), "{asked:?}");

    // The CLI is not the app: it runs next to it.
    let out = bin(dir.path()).args(["list", "--json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).trim(), "[]");
    assert!(
        requests.try_recv().is_err(),
        "the CLI asked the app for nothing"
    );
}

#[test]
fn an_app_that_does_not_answer_is_named_and_nothing_opens() {
    let dir = tempfile::tempdir().unwrap();
    // Holds the lock but does not listen, like an app stuck while closing.
    let lock = std::fs::File::create(dir.path().join("gui.lock")).unwrap();
    lock.lock().unwrap();

    let out = bin(dir.path()).arg("gui").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("jira-connect is already running for")
            && stderr.contains("but did not answer"),
        "{stderr}"
    );
}
