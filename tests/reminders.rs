//! Reminders with the window closed: `check --notify` against a real notification service
//! on the session bus (a small `org.freedesktop.Notifications` server that records each
//! call and answers like a notification daemon), and `reminders enable | disable | status`
//! against a temporary `XDG_CONFIG_HOME` with a stand-in `systemctl`.

use std::collections::HashMap;
use std::path::Path;
use std::process::Output;
use std::sync::{Arc, Mutex};

use jiff::ToSpan;
use wiremock::matchers::any;
use wiremock::{Mock, ResponseTemplate};
use zbus::object_server::SignalEmitter;
use zbus::zvariant::OwnedValue;

use crate::cli::{bin, text};
use crate::common::*;

/// One recorded `Notify` call, every field as the service received it.
#[derive(Debug, Clone)]
struct Call {
    app_name: String,
    app_icon: String,
    summary: String,
    body: String,
    actions: Vec<String>,
    hints: String,
}

/// A notification service that records calls. A notification whose summary starts with
/// `click_on` is "clicked" (ActionInvoked with the `open` key); every notification is then
/// closed, as a daemon does when it times out.
struct Recorder {
    calls: Arc<Mutex<Vec<Call>>>,
    next_id: u32,
    capabilities: Vec<String>,
    click_on: Option<String>,
    /// Another process on the bus: when set, the click on `click_on` comes from it, not
    /// from the service, and the notification is closed a second later.
    forger: Option<zbus::Connection>,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Recorder {
    async fn get_capabilities(&self) -> Vec<String> {
        self.capabilities.clone()
    }

    #[allow(clippy::too_many_arguments)]
    async fn notify(
        &mut self,
        #[zbus(signal_emitter)] emitter: SignalEmitter<'_>,
        #[zbus(connection)] conn: &zbus::Connection,
        app_name: String,
        _replaces_id: u32,
        app_icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        hints: HashMap<String, OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        self.next_id += 1;
        let id = self.next_id;
        let click = self
            .click_on
            .as_deref()
            .is_some_and(|prefix| summary.starts_with(prefix));
        self.calls.lock().unwrap().push(Call {
            app_name,
            app_icon,
            summary,
            body,
            actions,
            hints: format!("{hints:?}"),
        });
        if let (true, Some(forger)) = (click, self.forger.clone()) {
            // The service answers first; the forger clicks, and a second later the service
            // closes the notification, as a daemon does when it times out.
            let service = conn.clone();
            std::thread::spawn(move || {
                let (path, iface) = (
                    "/org/freedesktop/Notifications",
                    "org.freedesktop.Notifications",
                );
                let forged = zbus::block_on(forger.emit_signal(
                    None::<&str>,
                    path,
                    iface,
                    "ActionInvoked",
                    &(id, "open"),
                ));
                forged.expect("the forged click is sent");
                std::thread::sleep(std::time::Duration::from_secs(1));
                let _ = zbus::block_on(service.emit_signal(
                    None::<&str>,
                    path,
                    iface,
                    "NotificationClosed",
                    &(id, 1u32),
                ));
            });
            return id;
        }
        if click {
            let _ = Self::action_invoked(&emitter, id, "open").await;
        }
        let _ = Self::notification_closed(&emitter, id, 1).await;
        id
    }

    async fn close_notification(&self, _id: u32) {}

    async fn get_server_information(&self) -> (String, String, String, String) {
        (
            "recorder".into(),
            "jira-connect tests".into(),
            "1".into(),
            "1.2".into(),
        )
    }

    #[zbus(signal)]
    async fn action_invoked(emitter: &SignalEmitter<'_>, id: u32, key: &str) -> zbus::Result<()>;

    #[zbus(signal)]
    async fn notification_closed(
        emitter: &SignalEmitter<'_>,
        id: u32,
        reason: u32,
    ) -> zbus::Result<()>;
}

/// Only one test at a time may own the notification service's name on the bus.
static BUS_NAME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Serves the recorder as `org.freedesktop.Notifications` on the session bus.
async fn serve(
    capabilities: &[&str],
    click_on: Option<&str>,
) -> (zbus::Connection, Arc<Mutex<Vec<Call>>>) {
    serve_with(capabilities, click_on, None).await
}

/// [`serve`], with the click sent by `forger` instead of the service.
async fn serve_with(
    capabilities: &[&str],
    click_on: Option<&str>,
    forger: Option<zbus::Connection>,
) -> (zbus::Connection, Arc<Mutex<Vec<Call>>>) {
    let calls = Arc::new(Mutex::new(Vec::new()));
    let recorder = Recorder {
        calls: calls.clone(),
        next_id: 0,
        capabilities: capabilities.iter().map(|c| c.to_string()).collect(),
        click_on: click_on.map(str::to_string),
        forger,
    };
    let bus = zbus::connection::Builder::session()
        .unwrap()
        .name("org.freedesktop.Notifications")
        .unwrap()
        .serve_at("/org/freedesktop/Notifications", recorder)
        .unwrap()
        .build()
        .await
        .expect("the notification service's name is free on this session bus");
    (bus, calls)
}

fn add(config: &Path, url: &str, name: &str, token: &str, expires: &str) {
    let out = bin(config)
        .args([
            "add",
            "--url",
            url,
            "--name",
            name,
            "--cloud",
            "--email",
            EMAIL,
            "--expires",
            expires,
        ])
        .write_stdin(format!("{token}\n"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
}

/// `check --notify` as the timer runs it: no terminal, no display for the app it may open.
async fn check_notify(config: &Path) -> Output {
    let config = config.to_path_buf();
    tokio::task::spawn_blocking(move || {
        bin(&config)
            .args(["check", "--notify"])
            .env("RUST_LOG", "info")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .output()
            .unwrap()
    })
    .await
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the OS keyring: scripts/test.sh runs it"]
async fn check_notify_tells_once_about_each_token_that_needs_attention() {
    require_os_keyring();
    let _bus = BUS_NAME.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path();
    let healthy_token = "healthy-secret-Qm4";
    let soon_token = "soon-secret-Vb8";
    let gone_token = "gone-secret-Xz2";
    let jira = jira_basic(3, EMAIL, healthy_token, cloud_user()).await;
    let soon_jira = jira_basic(3, EMAIL, soon_token, cloud_user()).await;
    let gone_jira = jira_basic(3, EMAIL, gone_token, cloud_user()).await;
    let soon_date = jiff::Zoned::now().date().checked_add(5.days()).unwrap();
    add(config, &jira.uri(), "healthy", healthy_token, "2099-01-31");
    add(
        config,
        &soon_jira.uri(),
        "soon",
        soon_token,
        &soon_date.to_string(),
    );
    add(config, &gone_jira.uri(), "gone", gone_token, "2099-01-31");
    // Atlassian revokes the token: every request is now refused.
    gone_jira.reset().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(401))
        .mount(&gone_jira)
        .await;

    let (service, calls) = serve(&["body", "actions"], Some("soon")).await;
    let out = check_notify(config).await;
    let stderr = text(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a rejected token fails the check\n{stderr}"
    );
    let first: Vec<Call> = calls.lock().unwrap().clone();
    assert_eq!(first.len(), 2, "{first:#?}\n{stderr}");
    let soon = first
        .iter()
        .find(|c| c.summary.starts_with("soon:"))
        .unwrap();
    let gone = first
        .iter()
        .find(|c| c.summary.starts_with("gone:"))
        .unwrap();
    assert_eq!(soon.summary, "soon: API token expires in 5 days");
    assert_eq!(
        soon.body,
        format!(
            "Site: {}\nExpires on {soon_date}.\nCreate a new API token at \
             https://id.atlassian.com/manage-profile/security/api-tokens\nThen run: \
             jira-connect replace-token soon",
            soon_jira.uri()
        )
    );
    assert_eq!(gone.summary, "gone: Jira rejected the API token");
    assert!(
        gone.body
            .starts_with(&format!("Site: {}\nChecked ", gone_jira.uri()))
    );
    assert!(
        gone.body
            .ends_with("\nThen run: jira-connect replace-token gone")
    );
    assert!(!first.iter().any(|c| c.summary.contains("healthy")));
    for call in &first {
        assert_eq!(call.app_name, "jira-connect");
        assert_eq!(
            call.actions,
            [
                "default",
                "Open in jira-connect",
                "open",
                "Open in jira-connect"
            ]
        );
        assert!(call.hints.contains("desktop-entry"), "{}", call.hints);
        let every_field = format!("{call:?}");
        for secret in [healthy_token, soon_token, gone_token] {
            assert!(!every_field.contains(secret), "a secret in {every_field}");
        }
        assert!(!call.app_icon.is_empty());
    }
    // The click on "soon" opened the app on it.
    assert!(
        stderr.contains("opened the app from a notification") && stderr.contains("soon"),
        "{stderr}"
    );
    assert!(
        stderr.contains("Notified: soon: API token expires in 5 days"),
        "{stderr}"
    );

    // The same states of the same tokens, again within 24 hours: silence.
    let again = check_notify(config).await;
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(calls.lock().unwrap().len(), 2, "{}", text(&again.stderr));
    drop(service);

    // What the last run found, and nothing secret where it is kept.
    let status = bin(config)
        .args(["reminders", "status"])
        .env("XDG_CONFIG_HOME", config.join("xdg"))
        .output()
        .unwrap();
    let status_text = text(&status.stdout);
    assert!(status.status.success(), "{}", text(&status.stderr));
    assert!(status_text.contains("Reminders are off."), "{status_text}");
    assert!(
        status_text.contains("checked 3 connections, sent 0 notifications"),
        "{status_text}"
    );
    assert!(
        status_text.contains("Needs attention: soon: expiring-soon"),
        "{status_text}"
    );
    assert!(
        status_text.contains("Needs attention: gone: rejected"),
        "{status_text}"
    );
    let toml = std::fs::read_to_string(config.join("connections.toml")).unwrap();
    assert!(toml.contains("[reminders"), "{toml}");
    for secret in [healthy_token, soon_token, gone_token] {
        assert!(!toml.contains(secret));
    }
}

/// Any process on the session bus can send a signal named `ActionInvoked` with the
/// notification service's path and interface: only the service's own counts as a click.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the OS keyring: scripts/test.sh runs it"]
async fn a_click_forged_by_another_process_opens_nothing() {
    require_os_keyring();
    let _bus = BUS_NAME.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path();
    let token = "soon-secret-Fg3";
    let jira = jira_basic(3, EMAIL, token, cloud_user()).await;
    let soon = jiff::Zoned::now().date().checked_add(3.days()).unwrap();
    add(config, &jira.uri(), "soon", token, &soon.to_string());
    let forger = zbus::Connection::session().await.unwrap();
    let (_service, calls) = serve_with(&["body", "actions"], Some("soon"), Some(forger)).await;
    let out = check_notify(config).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(calls.lock().unwrap().len(), 1, "{stderr}");
    assert!(
        stderr.contains("Notified: soon: API token expires in 3 days"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("opened the app from a notification"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the OS keyring: scripts/test.sh runs it"]
async fn check_notify_without_buttons_and_without_a_service() {
    require_os_keyring();
    let _bus = BUS_NAME.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path();
    let token = "expired-secret-Hn5";
    let jira = jira_basic(3, EMAIL, token, cloud_user()).await;
    let yesterday = jiff::Zoned::now().date().checked_sub(1.day()).unwrap();
    add(config, &jira.uri(), "old", token, "2099-01-31");
    // The token's recorded expiry has passed (the site still takes it).
    let path = config.join("connections.toml");
    let toml = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        toml.replace(
            "token_expires = 2099-01-31",
            &format!("token_expires = {yesterday}"),
        ),
    )
    .unwrap();

    // No notification service on the bus: said once, on stderr; the exit code is the
    // check's, and the run is remembered as undelivered.
    let activatable: Vec<String> = zbus::Connection::session()
        .await
        .unwrap()
        .call_method(
            Some("org.freedesktop.DBus"),
            "/org/freedesktop/DBus",
            Some("org.freedesktop.DBus"),
            "ListActivatableNames",
            &(),
        )
        .await
        .unwrap()
        .body()
        .deserialize()
        .unwrap();
    if !activatable
        .iter()
        .any(|n| n == "org.freedesktop.Notifications")
    {
        let out = check_notify(config).await;
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        assert_eq!(
            stderr
                .matches("No desktop notification could be shown")
                .count(),
            1,
            "{stderr}"
        );
        assert!(
            text(&out.stdout).contains("Logged in as"),
            "{}",
            text(&out.stdout)
        );
    } else {
        eprintln!("SKIPPED the missing-service half: this bus can start a notification daemon");
    }

    // A service without buttons: a plain notification, marked critical, sent at once.
    let (_service, calls) = serve(&["body"], None).await;
    let out = check_notify(config).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let calls = calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 1, "{calls:#?}");
    assert_eq!(calls[0].summary, "old: API token has expired");
    assert!(calls[0].body.contains(&format!("Expired on {yesterday}.")));
    assert!(calls[0].actions.is_empty());
    assert!(calls[0].hints.contains("U8(2)"), "{}", calls[0].hints);
    assert!(!format!("{calls:?}").contains(token));
}

/// A `systemctl` that records its arguments, answers `show` like a running user manager,
/// and fails when `fail` is set.
fn fake_systemctl(dir: &Path, log: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let script = dir.join("systemctl");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho \"$@\" >> '{}'\n\
             case \"$2\" in show) printf 'ActiveState=active\\nNextElapseUSecRealtime=Thu 2026-11-26 00:00:00 UTC\\n';; esac\n",
            log.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn reminders_enable_writes_units_that_verify_and_disable_removes_them() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("cfg");
    let xdg = dir.path().join("xdg config");
    let no_tools = dir.path().join("empty-path");
    std::fs::create_dir_all(&no_tools).unwrap();
    let units = xdg.join("systemd").join("user");
    let service = units.join("jira-connect-reminders.service");
    let timer = units.join("jira-connect-reminders.timer");
    let run = |path: &Path, args: &[&str]| {
        bin(&config)
            .args(args)
            .env("XDG_CONFIG_HOME", &xdg)
            .env("PATH", path)
            .output()
            .unwrap()
    };

    // No systemctl: the units are written all the same, and the commands to run are named.
    let out = run(&no_tools, &["reminders", "enable"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout.contains("systemctl is not installed"), "{stdout}");
    assert!(
        stdout.contains("- systemctl --user daemon-reload"),
        "{stdout}"
    );
    assert!(
        stdout.contains("- systemctl --user enable --now jira-connect-reminders.timer"),
        "{stdout}"
    );
    let exe = assert_cmd::cargo::cargo_bin("jira-connect")
        .canonicalize()
        .unwrap();
    let unit = std::fs::read_to_string(&service).unwrap();
    assert!(
        unit.contains(&format!(
            "\nExecStart=\"{}\" check --notify\n",
            exe.display()
        )),
        "{unit}"
    );
    assert!(
        unit.contains(&format!(
            "\nEnvironment=\"JIRA_CONNECT_CONFIG_DIR={}\"\n",
            config.display()
        )),
        "{unit}"
    );
    let timer_text = std::fs::read_to_string(&timer).unwrap();
    assert!(timer_text.contains("\nOnCalendar=daily\n"), "{timer_text}");
    assert!(timer_text.contains("\nPersistent=true\n"), "{timer_text}");

    // systemd itself accepts them (it needs a runtime directory for --user).
    let analyze = std::process::Command::new("systemd-analyze")
        .arg("--version")
        .output();
    if analyze.is_ok() {
        let runtime = dir.path().join("runtime");
        std::fs::create_dir_all(&runtime).unwrap();
        let verify = std::process::Command::new("systemd-analyze")
            .args(["--user", "verify"])
            .arg(&timer)
            .arg(&service)
            .env("XDG_RUNTIME_DIR", &runtime)
            .output()
            .unwrap();
        assert!(
            verify.status.success(),
            "systemd-analyze verify: {}{}",
            text(&verify.stdout),
            text(&verify.stderr)
        );
    } else {
        eprintln!("SKIPPED systemd-analyze verify: systemd-analyze is not installed");
    }

    // A running user manager: reloaded and enabled, and asked for the next run.
    let tools = dir.path().join("tools");
    std::fs::create_dir_all(&tools).unwrap();
    let log = dir.path().join("systemctl.log");
    fake_systemctl(&tools, &log);
    let out = run(&tools, &["reminders", "enable"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("Reminders are on"),
        "{}",
        text(&out.stdout)
    );
    let out = run(&tools, &["reminders", "status"]);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("Reminders are on"), "{stdout}");
    assert!(
        stdout.contains("Next run: Thu 2026-11-26 00:00:00 UTC"),
        "{stdout}"
    );
    assert!(stdout.contains("Last run: never"), "{stdout}");

    let out = run(&tools, &["reminders", "disable"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!service.exists() && !timer.exists());
    assert!(text(&out.stdout).contains("Reminders are off"));
    let calls = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        calls.lines().collect::<Vec<_>>(),
        [
            "--user daemon-reload",
            "--user enable --now jira-connect-reminders.timer",
            "--user show jira-connect-reminders.timer --property=ActiveState --property=NextElapseUSecRealtime",
            "--user disable --now jira-connect-reminders.timer",
            "--user daemon-reload",
        ]
    );
    let out = run(&no_tools, &["reminders", "status"]);
    assert!(text(&out.stdout).contains("Reminders are off."));
}

/// The binary, linked (hard, so that it is its own file there) into `dir`, and run from
/// there with a private `XDG_CONFIG_HOME` and a stand-in `systemctl`.
fn enable_from(dir: &Path, scratch: &Path) -> (Output, std::path::PathBuf) {
    std::fs::create_dir_all(dir).unwrap();
    let exe = dir.join("jira-connect");
    let built = assert_cmd::cargo::cargo_bin("jira-connect");
    if std::fs::hard_link(&built, &exe).is_err() {
        std::fs::copy(&built, &exe).unwrap();
    }
    let xdg = scratch.join("xdg");
    let tools = scratch.join("tools");
    std::fs::create_dir_all(&tools).unwrap();
    fake_systemctl(&tools, &scratch.join("systemctl.log"));
    let out = std::process::Command::new(&exe)
        .args(["reminders", "enable"])
        .env("JIRA_CONNECT_CONFIG_DIR", scratch.join("cfg"))
        .env("NO_COLOR", "1")
        .env("XDG_CONFIG_HOME", &xdg)
        .env("PATH", &tools)
        .output()
        .unwrap();
    let service = xdg
        .join("systemd")
        .join("user")
        .join("jira-connect-reminders.service");
    (out, service)
}

/// A binary in a temporary directory (an unpacked archive in /tmp, an AppImage's mount), or
/// in a directory every user can write to, could be swapped by another user before the
/// timer runs it: enabling from there is refused, and nothing is written.
#[test]
fn reminders_are_not_enabled_from_a_place_others_can_write() {
    use std::os::unix::fs::PermissionsExt;
    let scratch = tempfile::tempdir().unwrap();
    let (out, service) = enable_from(&scratch.path().join("unpacked"), scratch.path());
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("temporary directory"), "{stderr}");
    assert!(stderr.contains("~/.local/bin"), "{stderr}");
    assert!(!service.exists());

    let shared = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let open = shared.path().join("shared");
    std::fs::create_dir_all(&open).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
    let (out, service) = enable_from(&open, shared.path());
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("writable by every user"), "{stderr}");
    assert!(!service.exists());
}

/// A `$` in the binary's path is written so that systemd finds the binary: systemd reads
/// `$$` in a program path as two dollar signs.
#[test]
fn a_dollar_in_the_binary_path_gives_a_unit_that_verifies() {
    let scratch = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let (out, service) = enable_from(&scratch.path().join("a$b"), scratch.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let unit = std::fs::read_to_string(&service).unwrap();
    assert!(
        unit.contains("/a$b/jira-connect\" check --notify"),
        "{unit}"
    );
    let runtime = scratch.path().join("runtime");
    std::fs::create_dir_all(&runtime).unwrap();
    match std::process::Command::new("systemd-analyze")
        .args(["--user", "verify"])
        .arg(&service)
        .env("XDG_RUNTIME_DIR", &runtime)
        .output()
    {
        Ok(verify) => assert!(
            verify.status.success(),
            "systemd-analyze verify: {}{}",
            text(&verify.stdout),
            text(&verify.stderr)
        ),
        Err(_) => eprintln!("SKIPPED systemd-analyze verify: systemd-analyze is not installed"),
    }
}

/// The app's Reminders switch, with a scheduler that records what it is asked, and the
/// connection chosen with `gui --select` selected.
#[test]
fn the_app_switches_reminders_in_the_background_and_selects_the_named_connection() {
    use egui_kittest::Harness;
    use egui_kittest::kittest::Queryable;
    use jira_connect::core::secrets::MemoryStore;
    use jira_connect::ui::App;
    use jira_connect::ui::backend::{RemindersState, Scheduler};

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let svc = service(dir.path(), Arc::new(MemoryStore::new()));
    let connection = |name: &str| {
        format!(
            "[[connection]]\nid = \"id-{name}\"\nname = \"{name}\"\n\
             url = \"https://{name}.atlassian.net\"\ndeployment = \"cloud\"\n\
             auth = \"api-token\"\nlogin = \"{EMAIL}\"\n"
        )
    };
    std::fs::write(
        dir.path().join("connections.toml"),
        format!(
            "version = 1\ncheck_on_launch = false\n{}{}",
            connection("acme"),
            connection("corp")
        ),
    )
    .unwrap();
    let asked: Arc<Mutex<Vec<Option<bool>>>> = Arc::default();
    let record = asked.clone();
    let scheduler: Scheduler = Arc::new(move |switch: Option<bool>| {
        record.lock().unwrap().push(switch);
        Ok(RemindersState {
            on: switch.unwrap_or(false),
            note: switch.map(|_| "Reminders are on".to_string()),
            unfinished: false,
        })
    });
    let handle = rt.handle().clone();
    let mut harness = Harness::builder()
        .with_size([1000.0, 720.0])
        .build_eframe(move |cc| {
            App::new(cc, handle.clone(), svc.clone(), Arc::new(|_: &str| Ok(())))
                .with_scheduler(scheduler.clone())
                .with_selection(Some("corp".into()))
        });
    let mut until = |what: &str, done: &dyn Fn(&App) -> bool| {
        for _ in 0..2000 {
            harness.step();
            if done(harness.state()) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        panic!("gave up waiting until {what}");
    };
    until("the state of reminders is known", &|app| {
        app.reminders_on().is_some()
    });
    assert_eq!(harness.state().selected_name(), Some("corp"));
    assert_eq!(harness.state().reminders_on(), Some(false));
    harness.get_by_label("Reminders").click_accesskit();
    for _ in 0..2000 {
        harness.step();
        if harness.state().reminders_on() == Some(true) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    assert_eq!(harness.state().reminders_on(), Some(true));
    assert_eq!(harness.state().notice(), Some("Reminders are on"));
    assert_eq!(*asked.lock().unwrap(), [None, Some(true)]);
}

/// A D-Bus session of the test's own, on which nothing can be started on demand: no
/// keyring, no unlock prompter, no notification daemon, unless the test starts them. The
/// commands under test run on it, so locking its keyring or stopping it touches no other
/// test.
struct PrivateSession {
    dir: tempfile::TempDir,
    address: String,
    bus: std::process::Child,
    keyring: Option<std::process::Child>,
}

const SECRETS: &str = "org.freedesktop.secrets";
const LOGIN_COLLECTION: &str = "/org/freedesktop/secrets/collection/login";

impl PrivateSession {
    fn start() -> Self {
        use std::io::BufRead;
        let dir = tempfile::tempdir().unwrap();
        let conf = dir.path().join("session.conf");
        std::fs::write(
            &conf,
            format!(
                "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\" \
                 \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n\
                 <busconfig><type>session</type><listen>unix:dir={}</listen>\
                 <auth>EXTERNAL</auth><policy context=\"default\">\
                 <allow send_destination=\"*\" eavesdrop=\"true\"/><allow eavesdrop=\"true\"/>\
                 <allow own=\"*\"/></policy></busconfig>\n",
                dir.path().display()
            ),
        )
        .unwrap();
        let mut bus = std::process::Command::new("dbus-daemon")
            .arg(format!("--config-file={}", conf.display()))
            .args(["--nofork", "--print-address=1"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("dbus-daemon is installed (scripts/install-deps.sh)");
        let mut address = String::new();
        std::io::BufReader::new(bus.stdout.take().unwrap())
            .read_line(&mut address)
            .unwrap();
        let address = address.trim().to_string();
        assert!(address.starts_with("unix:"), "{address:?}");
        PrivateSession {
            dir,
            address,
            bus,
            keyring: None,
        }
    }

    fn path(&self, name: &str) -> std::path::PathBuf {
        let path = self.dir.path().join(name);
        std::fs::create_dir_all(&path).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o700)).unwrap();
        path
    }

    /// gnome-keyring on this session, its login keyring unlocked with a password.
    async fn start_keyring(&mut self) {
        use std::io::Write;
        let mut keyring = std::process::Command::new("gnome-keyring-daemon")
            .args(["--unlock", "--foreground", "--components=secrets"])
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .env("XDG_DATA_HOME", self.path("data"))
            .env("XDG_RUNTIME_DIR", self.path("runtime"))
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("gnome-keyring is installed (scripts/install-deps.sh)");
        let mut stdin = keyring.stdin.take().unwrap();
        stdin.write_all(b"test-keyring-password").unwrap();
        drop(stdin);
        self.keyring = Some(keyring);
        self.until_owned(true).await;
    }

    /// Stops the keyring: no Secret Service is left on the bus.
    async fn stop_keyring(&mut self) {
        if let Some(mut keyring) = self.keyring.take() {
            keyring.kill().unwrap();
            keyring.wait().unwrap();
        }
        self.until_owned(false).await;
    }

    async fn until_owned(&self, owned: bool) {
        let bus = self.connect().await;
        let dbus = zbus::fdo::DBusProxy::new(&bus).await.unwrap();
        for _ in 0..200 {
            if dbus
                .name_has_owner(SECRETS.try_into().unwrap())
                .await
                .unwrap()
                == owned
            {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("the Secret Service never became owned={owned}");
    }

    async fn connect(&self) -> zbus::Connection {
        zbus::connection::Builder::address(self.address.as_str())
            .unwrap()
            .build()
            .await
            .unwrap()
    }

    /// Locks the login collection, as before the first login of the day. gnome-keyring
    /// unlocks it again only through a prompt.
    async fn lock_keyring(&self) {
        let bus = self.connect().await;
        let login = zbus::zvariant::ObjectPath::try_from(LOGIN_COLLECTION).unwrap();
        bus.call_method(
            Some(SECRETS),
            "/org/freedesktop/secrets",
            Some("org.freedesktop.Secret.Service"),
            "Lock",
            &(vec![login],),
        )
        .await
        .unwrap();
        let locked: OwnedValue = bus
            .call_method(
                Some(SECRETS),
                LOGIN_COLLECTION,
                Some("org.freedesktop.DBus.Properties"),
                "Get",
                &("org.freedesktop.Secret.Collection", "Locked"),
            )
            .await
            .unwrap()
            .body()
            .deserialize()
            .unwrap();
        assert_eq!(
            bool::try_from(locked),
            Ok(true),
            "the login collection locked"
        );
    }

    /// Watches the bus for every step of an unlock prompt: the Secret Service's `Unlock`,
    /// a `Prompt` object's `Prompt`, and gnome-keyring's call on a prompter.
    async fn watch_prompts(&self) -> Arc<Mutex<Vec<String>>> {
        use futures_lite::StreamExt;
        let monitor = self.connect().await;
        let rules = [
            "type='method_call',interface='org.freedesktop.Secret.Service',member='Unlock'",
            "type='method_call',interface='org.freedesktop.Secret.Prompt'",
            "type='method_call',interface='org.gnome.keyring.internal.Prompter'",
        ]
        .map(|r| zbus::MatchRule::try_from(r).unwrap());
        zbus::fdo::MonitoringProxy::new(&monitor)
            .await
            .unwrap()
            .become_monitor(&rules, 0)
            .await
            .unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = seen.clone();
        let mut stream = zbus::MessageStream::from(monitor);
        tokio::spawn(async move {
            while let Some(Ok(message)) = stream.next().await {
                let header = message.header();
                // Only calls: becoming a monitor sends this connection a NameLost signal.
                if header.message_type() != zbus::message::Type::MethodCall {
                    continue;
                }
                if let (Some(iface), Some(member)) = (header.interface(), header.member()) {
                    record.lock().unwrap().push(format!("{iface}.{member}"));
                }
            }
        });
        seen
    }

    /// Asserts that the watch saw no step of an unlock prompt. First calls `Unlock` on
    /// nothing (no prompt), which the watch must see: that shows it sees such calls at all,
    /// so the assertion can fail.
    async fn assert_no_prompt(&self, seen: &Arc<Mutex<Vec<String>>>) {
        let bus = self.connect().await;
        bus.call_method(
            Some(SECRETS),
            "/org/freedesktop/secrets",
            Some("org.freedesktop.Secret.Service"),
            "Unlock",
            &(Vec::<zbus::zvariant::ObjectPath<'_>>::new(),),
        )
        .await
        .unwrap();
        for _ in 0..200 {
            if !seen.lock().unwrap().is_empty() {
                assert_eq!(
                    *seen.lock().unwrap(),
                    ["org.freedesktop.Secret.Service.Unlock"],
                    "no prompt"
                );
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        panic!("the watch never saw the Unlock call");
    }

    /// The notification recorder, on this session.
    async fn serve_notifications(&self) -> (zbus::Connection, Arc<Mutex<Vec<Call>>>) {
        let calls = Arc::new(Mutex::new(Vec::new()));
        let recorder = Recorder {
            calls: calls.clone(),
            next_id: 0,
            capabilities: vec!["body".into(), "actions".into()],
            click_on: None,
            forger: None,
        };
        let bus = zbus::connection::Builder::address(self.address.as_str())
            .unwrap()
            .name("org.freedesktop.Notifications")
            .unwrap()
            .serve_at("/org/freedesktop/Notifications", recorder)
            .unwrap()
            .build()
            .await
            .unwrap();
        (bus, calls)
    }

    /// The binary, on this session.
    fn bin(&self, config: &Path) -> assert_cmd::Command {
        let mut cmd = bin(config);
        cmd.env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .env("XDG_RUNTIME_DIR", self.path("runtime"))
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY");
        cmd
    }

    fn add(&self, config: &Path, url: &str, name: &str) {
        let out = self
            .bin(config)
            .args([
                "add", "--url", url, "--name", name, "--cloud", "--email", EMAIL,
            ])
            .write_stdin(format!("{TOKEN}\n"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
    }

    async fn run(&self, config: &Path, args: &[&str]) -> Output {
        let mut cmd = self.bin(config);
        cmd.args(args);
        tokio::task::spawn_blocking(move || cmd.output().unwrap())
            .await
            .unwrap()
    }
}

impl Drop for PrivateSession {
    fn drop(&mut self) {
        if let Some(keyring) = self.keyring.as_mut() {
            let _ = keyring.kill();
            let _ = keyring.wait();
        }
        let _ = self.bus.kill();
        let _ = self.bus.wait();
    }
}

/// The saved connections, as a fresh reader sees them.
fn saved(config: &Path) -> Vec<jira_connect::core::connection::Connection> {
    jira_connect::core::config::ConfigStore::new(config)
        .load()
        .unwrap()
        .connections
        .clone()
}

fn reminders_status(session: &PrivateSession, config: &Path) -> String {
    let out = session
        .bin(config)
        .args(["reminders", "status"])
        .env("XDG_CONFIG_HOME", config.join("xdg"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
}

/// The daily run before the first login of the day: the login keyring is locked. One
/// notification for all the connections, none again within 24 hours, no unlock prompt,
/// no request to Jira, and no connection's result changed.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs gnome-keyring and dbus-daemon: scripts/test.sh runs it"]
async fn check_notify_with_a_locked_keyring_tells_once_and_prompts_never() {
    let mut session = PrivateSession::start();
    session.start_keyring().await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path();
    let jira = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    for name in ["acme", "corp", "labs"] {
        session.add(config, &jira.uri(), name);
    }
    let before = saved(config);
    assert_eq!(before.len(), 3);
    session.lock_keyring().await;
    let prompts = session.watch_prompts().await;
    let (_service, calls) = session.serve_notifications().await;
    let requests_before = jira.received_requests().await.unwrap().len();

    let out = session.run(config, &["check", "--notify"]).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr.matches("The OS keyring is locked").count(),
        1,
        "said once, not per connection: {stderr}"
    );
    assert!(
        stderr.contains("Nothing was checked: the 3 connections keep their last results"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "Notified: The keyring is locked: jira-connect could not check 3 connections"
        ),
        "{stderr}"
    );
    let first = calls.lock().unwrap().clone();
    assert_eq!(first.len(), 1, "{first:#?}");
    assert_eq!(
        first[0].summary,
        "The keyring is locked: jira-connect could not check 3 connections"
    );
    assert!(
        first[0].body.contains("Unlock your login keyring"),
        "{}",
        first[0].body
    );
    assert!(first[0].actions.is_empty(), "{:?}", first[0].actions);
    assert!(
        first[0].hints.contains("x-jira-connect.keyring"),
        "{}",
        first[0].hints
    );
    assert!(!format!("{first:?}").contains(TOKEN));
    assert_eq!(saved(config), before, "no connection's result changed");
    assert_eq!(
        jira.received_requests().await.unwrap().len(),
        requests_before,
        "nothing was asked of Jira"
    );

    // The next run within 24 hours: silence, and still nothing recorded.
    let again = session.run(config, &["check", "--notify"]).await;
    assert_eq!(again.status.code(), Some(1), "{}", text(&again.stderr));
    assert_eq!(calls.lock().unwrap().len(), 1, "{}", text(&again.stderr));
    assert_eq!(saved(config), before);
    let status = reminders_status(&session, config);
    assert!(
        status.contains("checked 0 connections, sent 0 notifications"),
        "{status}"
    );
    assert!(
        status.contains("Nothing was checked: the OS keyring is locked"),
        "{status}"
    );

    // A day after it was shown: once more.
    jira_connect::core::config::ConfigStore::new(config)
        .update(|cfg| {
            let shown = cfg.reminders.keyring.as_mut().expect("remembered");
            shown.at -= jiff::SignedDuration::from_hours(24);
            Ok(())
        })
        .unwrap();
    let next_day = session.run(config, &["check", "--notify"]).await;
    assert_eq!(next_day.status.code(), Some(1));
    assert_eq!(calls.lock().unwrap().len(), 2, "{}", text(&next_day.stderr));
    assert_eq!(saved(config), before);

    // Not one step of an unlock prompt was taken: the watch saw only its own call.
    session.assert_no_prompt(&prompts).await;
}

/// Someone at the command line: `check` asks to unlock once (here no prompter can show it,
/// as on a machine without a desktop), then says once that the keyring is locked, and
/// changes no connection's result.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs gnome-keyring and dbus-daemon: scripts/test.sh runs it"]
async fn check_with_a_locked_keyring_asks_once_and_says_so_once() {
    let mut session = PrivateSession::start();
    session.start_keyring().await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path();
    let jira = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    for name in ["acme", "corp", "labs"] {
        session.add(config, &jira.uri(), name);
    }
    let before = saved(config);
    session.lock_keyring().await;
    let prompts = session.watch_prompts().await;

    let out = session.run(config, &["check"]).await;
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr.matches("The OS keyring is locked").count(),
        1,
        "{stderr}"
    );
    assert!(stderr.contains("unlock \"Login\""), "{stderr}");
    assert!(
        !stdout.contains("acme") && !stdout.contains("corp"),
        "{stdout}"
    );
    assert_eq!(saved(config), before);
    // One unlock asked for, not three.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let seen = prompts.lock().unwrap().clone();
    assert_eq!(
        seen.iter()
            .filter(|m| *m == "org.freedesktop.Secret.Service.Unlock")
            .count(),
        1,
        "{seen:?}"
    );

    // Unlocked again: the same command checks them all.
    session.stop_keyring().await;
    session.start_keyring().await;
    let out = session.run(config, &["check"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout).matches("Logged in as").count(), 3);
}

/// No Secret Service on the bus at all (a headless machine, a desktop without a keyring):
/// one notification, none again within 24 hours, and nothing recorded; a plain `check`
/// says it once.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs gnome-keyring and dbus-daemon: scripts/test.sh runs it"]
async fn check_notify_without_a_keyring_service_tells_once() {
    let mut session = PrivateSession::start();
    session.start_keyring().await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path();
    let jira = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    for name in ["acme", "corp"] {
        session.add(config, &jira.uri(), name);
    }
    let before = saved(config);
    session.stop_keyring().await;
    let (_service, calls) = session.serve_notifications().await;
    let requests_before = jira.received_requests().await.unwrap().len();

    let out = session.run(config, &["check", "--notify"]).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr.matches("The OS keyring is not available").count(),
        1,
        "{stderr}"
    );
    let first = calls.lock().unwrap().clone();
    assert_eq!(first.len(), 1, "{first:#?}");
    assert_eq!(
        first[0].summary,
        "No keyring service: jira-connect could not check 2 connections"
    );
    assert!(first[0].body.contains("Start one"), "{}", first[0].body);
    assert_eq!(saved(config), before);

    let again = session.run(config, &["check", "--notify"]).await;
    assert_eq!(again.status.code(), Some(1));
    assert_eq!(calls.lock().unwrap().len(), 1, "{}", text(&again.stderr));
    assert_eq!(saved(config), before);

    let plain = session.run(config, &["check"]).await;
    let stderr = text(&plain.stderr);
    assert_eq!(plain.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr.matches("The OS keyring is not available").count(),
        1,
        "{stderr}"
    );
    assert!(
        stderr.contains("Nothing was checked: the 2 connections keep their last results"),
        "{stderr}"
    );
    assert_eq!(
        calls.lock().unwrap().len(),
        1,
        "a plain check notifies nothing"
    );
    assert_eq!(saved(config), before);
    assert_eq!(
        jira.received_requests().await.unwrap().len(),
        requests_before,
        "nothing was asked of Jira"
    );
}

/// `doctor` on a really locked login keyring: the keyring's Unlocked check fails with the
/// next step, no connection's token is read, nothing raises an unlock prompt, and it exits 1.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs gnome-keyring and dbus-daemon: scripts/test.sh runs it"]
async fn doctor_with_a_locked_keyring_says_so_and_prompts_never() {
    let mut session = PrivateSession::start();
    session.start_keyring().await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path();
    let jira = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    session.add(config, &jira.uri(), "acme");
    let before = saved(config);
    session.lock_keyring().await;
    let prompts = session.watch_prompts().await;

    let out = session.run(config, &["doctor", "--json"]).await;
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let keyring = doc["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "keyring")
        .expect("a keyring section");
    let status = |name: &str| {
        keyring["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap_or_else(|| panic!("no {name} check in {keyring}"))["status"]
            .clone()
    };
    assert_eq!(status("Reachable"), "ok", "{keyring}");
    assert_eq!(status("Unlocked"), "fail", "{keyring}");
    assert_eq!(status("Test entry"), "skipped", "{keyring}");
    let unlocked = &keyring["checks"].as_array().unwrap()[1];
    assert!(
        unlocked["next"].as_str().unwrap().contains("Unlock"),
        "{unlocked}"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains(TOKEN));
    assert_eq!(saved(config), before, "doctor records nothing");

    // Not one step of an unlock prompt: the watch saw only its own call.
    session.assert_no_prompt(&prompts).await;
}
