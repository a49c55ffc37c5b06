//! `jira-connect doctor`: against a healthy site (plain-http wiremock, and TLS with the
//! site's own CA), a TLS failure, a locked keyring, a missing or stopped timer, and no
//! notification service; in-process and through the built binary. The timer and the
//! notification service are replaced through `Connections::set_probes`, except in the
//! built binary's run, which looks at a scratch `XDG_CONFIG_HOME` and an empty bus.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use jira_connect::core::config::ConfigStore;
use jira_connect::core::connection::{AuthKind, Connection, ConnectionId, Deployment};
use jira_connect::core::error::{Error, KeyringError};
use jira_connect::core::schedule::ScheduleState;
use jira_connect::core::secrets::{MemoryStore, SecretStore};
use jira_connect::core::service::{Connections, NotificationService, Probes};
use secrecy::SecretString;
use serde_json::Value;

use crate::cli::text;
use crate::common::*;
use crate::tls::tls_jira;
use crate::token_lookup::Answers;

const TIMER: &str = "/home/mia/.config/systemd/user/jira-connect-reminders.timer";

/// Stand-ins for the timer and the notification service: `installed` and `active` as the
/// scheduler would say, and a notification service that answers or not.
pub fn probes(installed: bool, active: Option<bool>, notifications: bool) -> Probes {
    Probes {
        timer: Arc::new(move || {
            Ok(ScheduleState {
                installed,
                active: if installed { active } else { None },
                next_run: installed.then(|| "Mon 2026-12-07 00:00:00 UTC".to_string()),
                manager_error: None,
                location: Some(PathBuf::from(TIMER)),
            })
        }),
        notifications: Arc::new(move || {
            Box::pin(async move {
                if notifications {
                    Ok(NotificationService {
                        name: "org.freedesktop.Notifications on the session bus".into(),
                        actions: true,
                    })
                } else {
                    Err(Error::Notifications {
                        detail:
                            "org.freedesktop.Notifications was not provided by any .service files"
                                .into(),
                    })
                }
            })
        }),
    }
}

/// A healthy machine: the timer on and active, notifications answering.
pub fn healthy() -> Probes {
    probes(true, Some(true), true)
}

/// Saves a Data Center connection "dc" at `url` with `PAT` in `secrets`, trusting `ca`.
fn save_dc(dir: &std::path::Path, secrets: &MemoryStore, url: &str, ca: Option<String>) {
    let mut c = Connection::sample("dc");
    c.url = url.to_string();
    c.deployment = Deployment::DataCenter;
    c.auth = AuthKind::Pat;
    c.login = None;
    c.ca_cert = ca;
    secrets.set(&c.id, &SecretString::from(PAT)).unwrap();
    ConfigStore::new(dir)
        .update(|cfg| {
            cfg.connections.push(c);
            Ok(())
        })
        .unwrap();
}

/// Runs `doctor ARGS` in-process and returns its exit code and stdout.
async fn doctor(svc: &Arc<Connections>, args: &[&str]) -> (ExitCode, String) {
    let args: Vec<&str> = ["doctor"].iter().chain(args).copied().collect();
    let (code, out) = run(svc, &args, &NoConsole).await;
    assert!(!out.stdout.contains(TOKEN) && !out.stderr.contains(TOKEN));
    assert!(!out.stdout.contains(PAT) && !out.stderr.contains(PAT));
    (code, out.stdout)
}

/// A console that is never asked anything: doctor reads no secret from the user.
struct NoConsole;

impl jira_connect::cli::Console for NoConsole {
    fn secret(&self, _: &str) -> Result<SecretString, Error> {
        panic!("doctor asks for no secret")
    }
    fn interactive(&self) -> bool {
        false
    }
    fn confirm(&self, _: &str) -> bool {
        panic!("doctor asks nothing")
    }
}

fn has(out: &str, line: &str) -> bool {
    out.lines().any(|l| l.trim_start().starts_with(line))
}

#[tokio::test]
async fn a_healthy_site_passes_every_layer_and_the_keyring_keeps_no_test_entry() {
    let jira = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    let (_dir, secrets, svc) = scratch();
    cli_add_acme(&svc, &jira.uri(), &Answers::new(&[TOKEN])).await;
    svc.set_probes(healthy());
    let before = authorised_requests(&jira).await;

    let (code, out) = doctor(&svc, &[]).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out}");
    for line in [
        "✓ Reachable: the keyring answers",
        "✓ Unlocked:",
        "✓ Test entry: written, read back and deleted",
        "✓ Owner: you (uid",
        "✓ Modes: directory 700, connections.toml 600, private",
        "✓ Lock: taken and given back",
        "✓ connections.toml: reads, with 1 connection",
        "✓ Proxy: none: plain http and loopback sites always connect directly",
        "✓ DNS: 127.0.0.1 is 127.0.0.1",
        "✓ TCP: connected to 127.0.0.1:",
        "! TLS: none: the site uses plain http",
        "✓ Version: Jira 1001.0.0 (cloud)",
        "✓ Login: logged in as Mia Krystof <mia@example.com>",
        "✓ Installed: at /home/mia/",
        "✓ Active: yes; next run Mon 2026-12-07",
        "! Last run: never",
        "✓ Service: org.freedesktop.Notifications on the session bus answers",
        "No problems found.",
    ] {
        assert!(has(&out, line), "no {line:?} in:\n{out}");
    }
    assert!(
        out.contains(&format!("Connection acme ({})", jira.uri())),
        "{out}"
    );
    // One login, and the test entry is gone: only acme's token is in the keyring.
    assert_eq!(authorised_requests(&jira).await - before, 1);
    assert_eq!(secrets.len(), 1);
    // Nothing was recorded: doctor changes nothing.
    let before = svc.get("acme").unwrap().last_check.map(|l| l.at);
    doctor(&svc, &["acme"]).await;
    assert_eq!(svc.get("acme").unwrap().last_check.map(|l| l.at), before);
}

#[tokio::test]
async fn a_tls_site_with_its_own_ca_verifies_and_without_it_fails_at_tls() {
    let site = tls_jira().await;
    let (dir, secrets, svc) = scratch();
    save_dc(dir.path(), &secrets, &site.url, Some(site.ca_pem.clone()));
    svc.set_probes(healthy());
    let (code, out) = doctor(&svc, &[]).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out}");
    for line in [
        "✓ TCP: connected to 127.0.0.1:",
        "✓ TLS: the certificate chain verifies against the connection's own CA certificate",
        "✓ Version: Jira 10.3.1 (data-center)",
        "✓ Login: logged in as Mia Krystof",
    ] {
        assert!(has(&out, line), "no {line:?} in:\n{out}");
    }

    // The same site without its CA: DNS and TCP work, TLS fails and says why, and no
    // login is tried.
    let (dir, secrets, svc) = scratch();
    save_dc(dir.path(), &secrets, &site.url, None);
    svc.set_probes(healthy());
    let (code, out) = doctor(&svc, &[]).await;
    assert_eq!(code, ExitCode::from(1), "{out}");
    for line in [
        "✓ DNS: 127.0.0.1 is 127.0.0.1",
        "✓ TCP: connected to 127.0.0.1:",
        "✗ TLS:",
        "→ If the site uses a company CA, add the connection again with --ca-cert PATH",
        "- Login: not tried: the site was not reached",
        "1 check failed.",
    ] {
        assert!(has(&out, line), "no {line:?} in:\n{out}");
    }
    assert!(out.contains("unknown certificate authority"), "{out}");
    drop(dir);
}

/// A keyring that counts the calls made to it: a locked one may prompt on each.
struct Counting {
    inner: Arc<MemoryStore>,
    calls: AtomicUsize,
}

impl SecretStore for Counting {
    fn get(&self, id: &ConnectionId) -> Result<Option<SecretString>, KeyringError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.inner.get(id)
    }
    fn set(&self, id: &ConnectionId, secret: &SecretString) -> Result<(), KeyringError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.inner.set(id, secret)
    }
    fn delete(&self, id: &ConnectionId) -> Result<(), KeyringError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        self.inner.delete(id)
    }
}

#[tokio::test]
async fn a_locked_keyring_fails_with_the_next_step_and_is_not_asked_again() {
    let jira = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::new());
    let counting = Arc::new(Counting {
        inner: secrets.clone(),
        calls: AtomicUsize::new(0),
    });
    let svc = service_with(
        dir.path(),
        counting.clone(),
        std::time::Duration::from_secs(10),
    );
    cli_add_acme(&svc, &jira.uri(), &Answers::new(&[TOKEN])).await;
    svc.set_probes(healthy());
    secrets.lock_after(0);
    counting.calls.store(0, Ordering::SeqCst);
    let before = authorised_requests(&jira).await;

    let (code, out) = doctor(&svc, &[]).await;
    assert_eq!(code, ExitCode::from(1), "{out}");
    for line in [
        "✓ Reachable: the keyring answers",
        "✗ Unlocked: The OS keyring is locked",
        "→ Unlock the login keyring",
        "- Test entry: the keyring is locked",
        "✓ TCP: connected to 127.0.0.1:",
        "- Login: not tried: the token cannot be read until the keyring works",
        "1 check failed.",
    ] {
        assert!(has(&out, line), "no {line:?} in:\n{out}");
    }
    // No login without a token, and one call to the keyring: the write that failed.
    assert_eq!(authorised_requests(&jira).await, before);
    assert_eq!(counting.calls.load(Ordering::SeqCst), 1);

    // Unlocked again: all is well, and the test entry is gone.
    secrets.fail_on(None);
    let (code, out) = doctor(&svc, &[]).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out}");
    assert_eq!(secrets.len(), 1);
}

#[tokio::test]
async fn a_missing_timer_is_a_warning_and_a_stopped_one_a_failure() {
    let (_dir, _secrets, svc) = scratch();
    svc.set_probes(probes(false, None, false));
    let (code, out) = doctor(&svc, &[]).await;
    // Reminders are optional: their absence is said, with the way to turn them on.
    assert_eq!(code, ExitCode::SUCCESS, "{out}");
    for line in [
        &format!("! Installed: no timer at {TIMER}: reminders are off") as &str,
        "→ Turn reminders on with `jira-connect reminders enable`",
        "- Active: not installed",
        "- Last run: not installed",
        "! Service: none answered (",
        "✓ Saved: none yet",
    ] {
        assert!(has(&out, line), "no {line:?} in:\n{out}");
    }

    // Installed but stopped, and nobody to show its notifications: both fail.
    svc.set_probes(probes(true, Some(false), false));
    let (code, out) = doctor(&svc, &[]).await;
    assert_eq!(code, ExitCode::from(1), "{out}");
    for line in [
        "✗ Active: installed but not active, so it never runs",
        "→ Run `jira-connect reminders enable` again",
        "✗ Service: none answered (",
        "2 checks failed.",
    ] {
        assert!(has(&out, line), "no {line:?} in:\n{out}");
    }
}

#[tokio::test]
async fn json_is_one_document_with_every_check_and_no_secret() {
    let jira = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    let (_dir, secrets, svc) = scratch();
    cli_add_acme(&svc, &jira.uri(), &Answers::new(&[TOKEN])).await;
    svc.set_probes(healthy());
    secrets.lock_after(0);
    let (code, out) = doctor(&svc, &["--json"]).await;
    assert_eq!(code, ExitCode::from(1));
    let doc: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["failures"], 1);
    let kinds: Vec<&str> = doc["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["keyring", "config", "connection", "timer", "notifications"]
    );
    let unlocked = &doc["sections"][0]["checks"][1];
    assert_eq!(unlocked["name"], "Unlocked");
    assert_eq!(unlocked["status"], "fail");
    assert!(unlocked["next"].as_str().unwrap().contains("Unlock"));
    let login = doc["sections"][2]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Login")
        .unwrap();
    assert_eq!(login["status"], "skipped", "{doc}");
}

#[tokio::test]
async fn an_unknown_name_is_a_usage_error() {
    let (_dir, _secrets, svc) = scratch();
    svc.set_probes(healthy());
    let (code, _) = doctor(&svc, &["nosuch"]).await;
    assert_eq!(code, ExitCode::from(2));
}

/// The built binary, with the real timer lookup pointed at a scratch `XDG_CONFIG_HOME`
/// (no timer there, no systemctl on the PATH) and no session bus: no keyring and no
/// notification service.
#[cfg(target_os = "linux")]
#[test]
fn the_binary_reports_a_missing_timer_and_no_keyring_and_exits_1() {
    use crate::cli::bin;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("cfg");
    let xdg = dir.path().join("xdg");
    let runtime = dir.path().join("run");
    let empty = dir.path().join("bin");
    for d in [&xdg, &runtime, &empty] {
        std::fs::create_dir_all(d).unwrap();
    }
    let out = bin(&config)
        .arg("doctor")
        .env("XDG_CONFIG_HOME", &xdg)
        .env("XDG_RUNTIME_DIR", &runtime)
        .env("PATH", &empty)
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}{}", text(&out.stderr));
    let timer = xdg.join("systemd/user/jira-connect-reminders.timer");
    for line in [
        format!(
            "! Installed: no timer at {}: reminders are off",
            timer.display()
        ),
        "✗ Reachable: The OS keyring is not available".to_string(),
        "! Service: none answered (".to_string(),
        format!("Config directory {}", config.display()),
        "✓ Directory: not created yet".to_string(),
    ] {
        assert!(has(&stdout, &line), "no {line:?} in:\n{stdout}");
    }
}

/// The real OS keyring (Secret Service): the test entry round-trips and is gone afterwards,
/// as `secret-tool`, which does not share this crate's code, sees it.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the OS keyring: scripts/test.sh runs it"]
async fn the_os_keyring_round_trips_and_keeps_no_test_entry() {
    let store: Arc<dyn SecretStore> = Arc::new(os_keyring());
    let jira = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    let dir = tempfile::tempdir().unwrap();
    let svc = service_with(dir.path(), store, std::time::Duration::from_secs(10));
    cli_add_acme(&svc, &jira.uri(), &Answers::new(&[TOKEN])).await;
    svc.set_probes(healthy());
    let (code, out) = doctor(&svc, &[]).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out}");
    for line in [
        "✓ Reachable: the keyring answers",
        "✓ Test entry: written, read back and deleted",
        "✓ Login: logged in as Mia Krystof",
    ] {
        assert!(has(&out, line), "no {line:?} in:\n{out}");
    }
    if cfg!(target_os = "linux") {
        let found = std::process::Command::new("secret-tool")
            .args(["search", "--all", "service", "jira-connect"])
            .output()
            .unwrap();
        let found = format!("{}{}", text(&found.stdout), text(&found.stderr));
        assert!(!found.contains("doctor-probe-"), "{found}");
    }
    let (code, _) = run(&svc, &["remove", "acme", "--yes"], &NoConsole).await;
    assert_eq!(code, ExitCode::SUCCESS);
}
