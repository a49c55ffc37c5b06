//! The desktop app through its real UI (egui_kittest drives the same App the window runs),
//! against a loopback mock Jira and keyring-core's mock store. Widgets are found by their
//! accessible labels, as a screen reader finds them.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use egui::accesskit::{Role, Toggled};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use jira_connect::core::config::ConfigStore;
use jira_connect::core::connection::{ConnectionId, Deployment, Product, Status, today};
use jira_connect::core::connection::{one_year_from_today, suggested_token_label, today_utc};
use jira_connect::core::draft::{NewConnection, prepare};
use jira_connect::core::error::KeyringError;
use jira_connect::core::import::Sources;
use jira_connect::core::jira::JiraClient;
use jira_connect::core::secrets::{KeyringStore, SecretStore};
use jira_connect::core::service::{Cancel, Connections};
use jira_connect::ui::App;
use secrecy::{ExposeSecret, SecretString};
use wiremock::MockServer;

use crate::common::*;

#[path = "gui_desktop.rs"]
mod desktop;
#[path = "gui_doctor.rs"]
mod diagnostics;
#[path = "gui_keyboard.rs"]
mod keyboard;
#[path = "gui_seen.rs"]
mod seen;
#[path = "gui_service_account.rs"]
mod service_account;

struct Gui {
    harness: Harness<'static, App>,
    svc: Arc<Connections>,
    opened: Arc<Mutex<Vec<String>>>,
    /// When set, the browser "cannot be started", as on a machine without one.
    no_browser: Arc<std::sync::atomic::AtomicBool>,
    jira: MockServer,
    rt: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
}

/// The app over a fresh config dir, with `setup` run on the service before the window opens.
fn gui_with(
    secrets: Arc<dyn SecretStore>,
    setup: impl FnOnce(&tokio::runtime::Runtime, &Arc<Connections>, &MockServer),
) -> Gui {
    gui_full(secrets, None, Sources::default(), setup)
}

/// The app, with its API gateway at `gateway` and jira-cli looked for in `sources`.
fn gui_full(
    secrets: Arc<dyn SecretStore>,
    gateway: Option<String>,
    sources: Sources,
    setup: impl FnOnce(&tokio::runtime::Runtime, &Arc<Connections>, &MockServer),
) -> Gui {
    let client = match &gateway {
        Some(g) => JiraClient::with_gateway(Duration::from_secs(10), g).unwrap(),
        None => JiraClient::new(Duration::from_secs(10)).unwrap(),
    };
    gui_client(secrets, client, sources, setup)
}

/// The app over `client`, and jira-cli looked for in `sources`.
fn gui_client(
    secrets: Arc<dyn SecretStore>,
    client: JiraClient,
    sources: Sources,
    setup: impl FnOnce(&tokio::runtime::Runtime, &Arc<Connections>, &MockServer),
) -> Gui {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let jira = rt.block_on(jira_basic(3, EMAIL, TOKEN, cloud_user()));
    let dir = tempfile::tempdir().unwrap();
    let svc = Arc::new(Connections::new(
        ConfigStore::new(dir.path()),
        secrets,
        client,
    ));
    setup(&rt, &svc, &jira);
    let opened = Arc::new(Mutex::new(Vec::new()));
    let record = opened.clone();
    let no_browser = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let browser_missing = no_browser.clone();
    let handle = rt.handle().clone();
    let app_svc = svc.clone();
    let harness = Harness::builder()
        .with_size([1000.0, 720.0])
        .with_step_dt(1.0 / 60.0)
        .build_eframe(move |cc| {
            let record = record.clone();
            let browser_missing = browser_missing.clone();
            App::new(
                cc,
                handle.clone(),
                app_svc.clone(),
                Arc::new(move |url: &str| {
                    record.lock().unwrap().push(url.to_string());
                    if browser_missing.load(Ordering::SeqCst) {
                        Err("xdg-open cannot be started: No such file or directory".into())
                    } else {
                        Ok(())
                    }
                }),
            )
            .with_import_sources(sources.clone())
        });
    let mut gui = Gui {
        harness,
        svc,
        opened,
        no_browser,
        jira,
        rt,
        _dir: dir,
    };
    gui.until("the config is loaded", |h| h.state().is_loaded());
    gui
}

fn gui(setup: impl FnOnce(&tokio::runtime::Runtime, &Arc<Connections>, &MockServer)) -> Gui {
    gui_with(Arc::new(KeyringStore::mock()), setup)
}

/// A window over `names`, saved as Cloud connections to the mock Jira, with no check at
/// launch: each row shows the status it was saved with.
fn with_saved(names: &[&str]) -> Gui {
    gui(|rt, svc, jira| {
        for name in names {
            saved(rt, svc, jira, name);
        }
        svc.set_check_on_launch(false).unwrap();
    })
}

/// Saves a Cloud connection through the service (not the UI), for tests that start with one.
fn saved(rt: &tokio::runtime::Runtime, svc: &Arc<Connections>, jira: &MockServer, name: &str) {
    let draft = prepare(&NewConnection {
        url: jira.uri(),
        name: Some(name.into()),
        deployment: Some(Deployment::Cloud),
        login: Some(EMAIL.into()),
        token_label: Some("laptop".into()),
        ..Default::default()
    })
    .unwrap();
    rt.block_on(svc.add(draft, SecretString::from(TOKEN), &Cancel::new()))
        .unwrap();
}

impl Gui {
    /// Steps frames until `done` holds; background work runs on the runtime meanwhile.
    /// Bounded in count, not in time, so a slow machine cannot make it flaky.
    fn until(&mut self, what: &str, done: impl Fn(&Harness<'static, App>) -> bool) {
        for _ in 0..2000 {
            self.harness.step();
            if done(&self.harness) {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        panic!("gave up waiting until {what}");
    }

    /// Waits until the opener was asked to open `url`.
    fn wait_opened(&self, url: &str) {
        for _ in 0..2000 {
            if self.opened.lock().unwrap().iter().any(|u| u == url) {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        panic!(
            "{url} was never opened; opened: {:?}",
            self.opened.lock().unwrap()
        );
    }

    fn idle(&mut self) {
        self.until("background work is done", |h| !h.state().is_busy());
    }

    fn type_into(&mut self, role: Role, label: &str, text: &str) {
        self.harness.get_by_role_and_label(role, label).focus();
        self.harness.step();
        self.harness
            .key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
        self.harness
            .get_by_role_and_label(role, label)
            .type_text(text);
        self.harness.step();
    }

    /// Opens New Connection with Ctrl+N, as a user would.
    fn open_new_connection(&mut self) {
        self.harness
            .key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::N);
        self.harness.step();
    }

    /// Fills the dialog for a Cloud connection to the mock Jira with `token`.
    fn fill_cloud_form(&mut self, token: &str) {
        let url = self.jira.uri();
        self.type_into(Role::TextInput, "Jira URL", &url);
        self.click("Jira Cloud");
        self.type_into(Role::TextInput, "Email", EMAIL);
        self.type_into(Role::PasswordInput, "API token", token);
    }

    /// Clicks through the accessibility API, as a screen reader does, then steps until the
    /// command it caused has been applied and drawn.
    fn click(&mut self, label: &str) {
        self.harness.get_by_label(label).click_accesskit();
        for _ in 0..3 {
            self.harness.step();
        }
    }

    /// Whether a control with this role and accessible name is on screen.
    fn has(&self, role: Role, label: &str) -> bool {
        self.harness.query_by_role_and_label(role, label).is_some()
    }

    /// The text in the field with this role and accessible name; empty when it has none.
    fn field_value(&self, role: Role, label: &str) -> String {
        self.harness
            .get_by_role_and_label(role, label)
            .value()
            .unwrap_or_default()
    }

    /// The state of the Jira Cloud checkbox.
    fn cloud_ticked(&self) -> Option<Toggled> {
        self.harness
            .get_by_role_and_label(Role::CheckBox, "Jira Cloud")
            .accesskit_node()
            .toggled()
    }

    /// Whether the last frame put exactly `text` on the clipboard.
    fn copied(&self, text: &str) -> bool {
        self.harness
            .output()
            .platform_output
            .commands
            .iter()
            .any(|c| matches!(c, egui::OutputCommand::CopyText(t) if t == text))
    }

    /// True when some visible text contains `needle`.
    fn shows(&self, needle: &str) -> bool {
        self.harness
            .query_all_by(|n| {
                n.value().is_some_and(|v| v.contains(needle))
                    || n.label().is_some_and(|l| l.contains(needle))
            })
            .next()
            .is_some()
    }

    fn statuses(&self) -> Vec<(String, Status)> {
        self.harness
            .state()
            .rows()
            .iter()
            .map(|r| (r.connection().name.clone(), r.connection().status(today())))
            .collect()
    }
}

#[test]
fn new_connection_saves_and_lists_a_valid_row() {
    let mut g = gui(|_, _, _| {});
    assert!(g.shows("No connections yet"));
    g.open_new_connection();
    assert!(g.harness.state().dialog_open());

    let url = g.jira.uri();
    g.type_into(Role::TextInput, "Jira URL", &url);
    assert_eq!(
        g.field_value(Role::TextInput, "Name"),
        "127-0-0-1",
        "the name is prefilled from the host"
    );
    g.type_into(Role::TextInput, "Name", "acme");
    g.click("Jira Cloud");
    g.type_into(Role::TextInput, "Email", EMAIL);
    g.type_into(Role::PasswordInput, "API token", TOKEN);
    g.click("Save");
    g.until("the dialog closes", |h| !h.state().dialog_open());

    assert_eq!(g.statuses(), vec![("acme".to_string(), Status::Valid)]);
    assert!(
        g.harness.query_by_label("acme, Valid").is_some(),
        "the row reads as valid"
    );
    assert!(g.shows("Mia Krystof"));
    let secret = g.rt.block_on(g.svc.token("acme")).unwrap();
    assert_eq!(secret.expose_secret(), TOKEN);
}

#[test]
fn a_wrong_token_shows_the_rejection_and_saves_nothing() {
    let mut g = gui(|_, _, _| {});
    g.open_new_connection();
    g.fill_cloud_form("not-the-token");
    g.click("Save");
    g.idle();
    assert!(g.harness.state().dialog_open(), "the dialog stays open");
    assert!(g.shows("Jira rejected the email and token"));
    assert!(g.svc.list().unwrap().is_empty());
    assert!(g.harness.state().rows().is_empty());
    // The field gets the secret back, so the user can correct it rather than retype it.
    assert!(
        g.harness
            .get_by_role_and_label(Role::PasswordInput, "API token")
            .value()
            .is_some_and(|v| !v.is_empty())
    );
}

#[test]
fn test_button_validates_without_saving() {
    let mut g = gui(|_, _, _| {});
    g.open_new_connection();
    g.fill_cloud_form(TOKEN);
    g.click("Test");
    g.idle();
    assert!(g.shows("Connected as Mia Krystof · Jira Cloud 1001.0.0"));
    assert!(g.harness.state().dialog_open());
    assert!(g.svc.list().unwrap().is_empty());
}

#[test]
fn cloud_ticks_itself_and_the_secret_field_follows() {
    let mut g = gui(|_, _, _| {});
    g.open_new_connection();
    g.type_into(
        Role::TextInput,
        "Jira URL",
        "https://acme.atlassian.net/browse/ABC-1",
    );
    assert_eq!(g.cloud_ticked(), Some(Toggled::True));
    assert!(g.has(Role::TextInput, "Email"));
    let secret = g
        .harness
        .get_by_role_and_label(Role::PasswordInput, "API token");
    assert!(
        secret.accesskit_node().is_password_input(),
        "the secret is masked"
    );
    assert!(g.harness.query_by_label("Get an API token").is_some());

    g.harness.get_by_label("Get an API token").click_accesskit();
    g.harness.step();
    g.wait_opened("https://id.atlassian.com/manage-profile/security/api-tokens");

    g.type_into(
        Role::TextInput,
        "Jira URL",
        "https://jira.corp.example/jira",
    );
    assert_eq!(g.cloud_ticked(), Some(Toggled::False));
    assert!(g.has(Role::TextInput, "Username"));
    assert!(g.has(Role::PasswordInput, "Personal access token"));

    // The user can still overrule the detection.
    g.click("Jira Cloud");
    assert_eq!(g.cloud_ticked(), Some(Toggled::True));
    g.type_into(Role::TextInput, "Jira URL", "https://jira.corp.example/");
    assert_eq!(g.cloud_ticked(), Some(Toggled::True));

    // Show reveals the secret; it is masked again after Hide.
    g.click("Show");
    assert!(g.has(Role::TextInput, "API token"));
    g.click("Hide");
    assert!(g.has(Role::PasswordInput, "API token"));
}

#[test]
fn escape_closes_the_dialog() {
    let mut g = gui(|_, _, _| {});
    g.open_new_connection();
    assert!(g.harness.state().dialog_open());
    g.harness.key_press(egui::Key::Escape);
    g.harness.step();
    assert!(!g.harness.state().dialog_open());
}

#[test]
fn every_input_in_the_dialog_has_a_name() {
    let mut g = gui(|_, _, _| {});
    g.open_new_connection();
    g.type_into(Role::TextInput, "Jira URL", "jira.corp.example");
    let unnamed = g.harness.unnamed_widgets();
    assert!(unnamed.is_empty(), "unnamed widgets: {unnamed:?}");
}

#[test]
fn replace_works_and_a_failed_replace_keeps_the_old_token() {
    let mut g = gui(|rt, svc, jira| saved(rt, svc, jira, "acme"));
    g.idle();
    g.click("Replace token");
    g.type_into(Role::PasswordInput, "New API token", "wrong");
    g.click("Replace");
    g.idle();
    assert!(g.shows("Jira rejected the email and token"));
    assert_eq!(
        g.rt.block_on(g.svc.token("acme")).unwrap().expose_secret(),
        TOKEN
    );

    // Atlassian now also accepts the new token.
    let accepting = g.rt.block_on(jira_basic(3, EMAIL, NEW_TOKEN, cloud_user()));
    let mut moved = g.svc.get("acme").unwrap();
    moved.url = accepting.uri();
    g.svc
        .config()
        .update(|cfg| {
            cfg.connections[0] = moved;
            Ok(())
        })
        .unwrap();
    g.harness.key_press(egui::Key::Escape);
    g.harness.step();
    g.harness.state_mut().reload();
    g.until("reloaded", |h| {
        h.state()
            .rows()
            .first()
            .is_some_and(|r| r.connection().url == accepting.uri())
    });
    g.click("Replace token");
    g.type_into(Role::PasswordInput, "New API token", NEW_TOKEN);
    g.click("In 90 days");
    g.click("Replace");
    g.idle();
    assert!(g.shows("The old token still works until you revoke it"));
    assert!(
        g.shows("revoke the token labelled \"laptop\""),
        "the old token is named by its label"
    );
    // The dialog's button, drawn above the details' button of the same name.
    let buttons = g.harness.get_all_by_label("Open token page");
    buttons.last().unwrap().click_accesskit();
    g.harness.step();
    g.wait_opened("https://id.atlassian.com/manage-profile/security/api-tokens");
    g.click("Done");
    assert!(!g.harness.state().dialog_open());
    assert_eq!(
        g.rt.block_on(g.svc.token("acme")).unwrap().expose_secret(),
        NEW_TOKEN
    );
    let row = &g.harness.state().rows()[0];
    let in_90_days = today_utc().checked_add(jiff::Span::new().days(90)).unwrap();
    assert_eq!(row.connection().token_expires, Some(in_90_days));
    assert_eq!(
        row.connection().token_label,
        Some(suggested_token_label()),
        "the new token gets the label the dialog suggested"
    );
}

#[test]
fn remove_deletes_the_entry_and_its_secret() {
    let store = Arc::new(KeyringStore::mock());
    let mut g = gui_with(store.clone(), |rt, svc, jira| saved(rt, svc, jira, "acme"));
    g.idle();
    let id: ConnectionId = g.svc.get("acme").unwrap().id;
    assert!(store.get(&id).unwrap().is_some());
    g.click("Remove");
    assert!(
        g.shows("until you revoke the token labelled \"laptop\""),
        "the dialog names the token to revoke"
    );
    assert!(g.shows("Remove acme?"));
    assert!(g.shows("It does not revoke the token at Atlassian"));
    // The dialog's button is drawn above the details' one.
    let buttons = g.harness.get_all_by_role_and_label(Role::Button, "Remove");
    buttons.last().unwrap().click_accesskit();
    for _ in 0..3 {
        g.harness.step();
    }
    g.until("the row is gone", |h| h.state().rows().is_empty());
    assert!(g.svc.list().unwrap().is_empty());
    assert!(
        store.get(&id).unwrap().is_none(),
        "the keyring entry is deleted"
    );
}

#[test]
fn check_all_updates_every_row() {
    let mut g = with_saved(&["one", "two", "three"]);
    assert!(g.statuses().iter().all(|(_, s)| *s == Status::Valid));
    // The tokens get revoked.
    g.rt.block_on(async {
        g.jira.reset().await;
        wiremock::Mock::given(wiremock::matchers::any())
            .respond_with(wiremock::ResponseTemplate::new(401))
            .mount(&g.jira)
            .await;
    });
    g.click("Check all");
    g.idle();
    assert_eq!(
        g.statuses(),
        vec![
            ("one".to_string(), Status::Rejected),
            ("two".to_string(), Status::Rejected),
            ("three".to_string(), Status::Rejected),
        ]
    );
    assert!(g.harness.query_by_label("two, Rejected").is_some());
}

/// A keyring locked after launch: Check all says so once, and every row keeps its last
/// result rather than turning into a failure.
#[test]
fn check_all_with_a_locked_keyring_says_so_and_keeps_every_row() {
    use jira_connect::core::secrets::{FailOn, MemoryStore};
    let store = Arc::new(MemoryStore::new());
    let mut g = gui_with(store.clone(), |rt, svc, jira| {
        for name in ["one", "two"] {
            saved(rt, svc, jira, name);
        }
        svc.set_check_on_launch(false).unwrap();
    });
    let before = g.svc.list().unwrap();
    store.fail_on(Some(FailOn::Get));
    g.click("Check all");
    g.idle();
    assert!(
        g.shows("Nothing was checked. The OS keyring is locked"),
        "the notice says why"
    );
    assert_eq!(g.svc.list().unwrap(), before, "nothing was recorded");
    assert!(g.statuses().iter().all(|(_, s)| *s == Status::Valid));
}

/// A store that counts every access.
struct Counting(AtomicUsize, KeyringStore);

impl SecretStore for Counting {
    fn get(&self, id: &ConnectionId) -> Result<Option<SecretString>, KeyringError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        self.1.get(id)
    }
    fn set(&self, id: &ConnectionId, secret: &SecretString) -> Result<(), KeyringError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        self.1.set(id, secret)
    }
    fn delete(&self, id: &ConnectionId) -> Result<(), KeyringError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        self.1.delete(id)
    }
}

#[test]
fn launch_shows_the_last_status_without_touching_the_keyring() {
    let store = Arc::new(Counting(AtomicUsize::new(0), KeyringStore::mock()));
    let mut g = gui_with(store.clone(), |rt, svc, jira| {
        saved(rt, svc, jira, "acme");
        svc.set_check_on_launch(false).unwrap();
    });
    let after_setup = store.0.load(Ordering::SeqCst);
    for _ in 0..20 {
        g.harness.step();
    }
    assert_eq!(g.statuses(), vec![("acme".to_string(), Status::Valid)]);
    assert_eq!(
        store.0.load(Ordering::SeqCst),
        after_setup,
        "no keyring access at launch"
    );
    assert!(g.shows("Mia Krystof"));
}

#[test]
fn copy_token_puts_it_on_the_clipboard_and_says_so() {
    let clipboard = Arc::new(Mutex::new(None));
    let reads = Arc::new(AtomicUsize::new(0));
    let mut g = gui_with_clipboard(&clipboard, &reads);
    g.copy_token(&clipboard);
    g.until("the notice shows", |h| h.state().notice().is_some());
    assert_eq!(
        g.harness.state().notice(),
        Some("Copied the token of acme; the clipboard is cleared in 1 s")
    );
}

/// How long the clipboard tests wait before a copied token is cleared.
const CLEAR_AFTER: Duration = Duration::from_millis(1500);

/// The app over one saved connection, whose clipboard is `clipboard`: the app writes it
/// (a token, or `None` to empty it) and reads it back from there, counting its reads in
/// `reads`. A copied token is cleared after [`CLEAR_AFTER`].
fn gui_with_clipboard(clipboard: &Arc<Mutex<Option<String>>>, reads: &Arc<AtomicUsize>) -> Gui {
    gui_with_clipboard_after(clipboard, reads, CLEAR_AFTER)
}

fn gui_with_clipboard_after(
    clipboard: &Arc<Mutex<Option<String>>>,
    reads: &Arc<AtomicUsize>,
    clear_after: Duration,
) -> Gui {
    let board = clipboard.clone();
    let reads = reads.clone();
    gui_over_acme(move |app| {
        let (read, reads, write) = (board.clone(), reads.clone(), board.clone());
        let reader = Arc::new(move || {
            reads.fetch_add(1, Ordering::SeqCst);
            Ok(read.lock().unwrap().clone().map(SecretString::from))
        });
        let writer = Arc::new(move |token: Option<&SecretString>| {
            *write.lock().unwrap() = token.map(|t| t.expose_secret().to_string());
            Ok(())
        });
        app.with_clipboard(reader, writer, clear_after)
    })
}

/// The app over one saved connection, "acme", set up further by `setup`.
fn gui_over_acme(setup: impl FnOnce(App) -> App) -> Gui {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let jira = rt.block_on(jira_basic(3, EMAIL, TOKEN, cloud_user()));
    let dir = tempfile::tempdir().unwrap();
    let svc = Arc::new(Connections::new(
        ConfigStore::new(dir.path()),
        Arc::new(KeyringStore::mock()),
        JiraClient::new(Duration::from_secs(10)).unwrap(),
    ));
    saved(&rt, &svc, &jira, "acme");
    svc.set_check_on_launch(false).unwrap();
    let handle = rt.handle().clone();
    let app_svc = svc.clone();
    let harness = Harness::builder()
        .with_size([1000.0, 720.0])
        .with_step_dt(1.0 / 60.0)
        .build_eframe(move |cc| {
            setup(App::new(
                cc,
                handle.clone(),
                app_svc.clone(),
                Arc::new(|_: &str| Ok(())),
            ))
        });
    let mut g = Gui {
        harness,
        svc,
        opened: Arc::default(),
        no_browser: Arc::default(),
        jira,
        rt,
        _dir: dir,
    };
    g.until("the config is loaded", |h| h.state().is_loaded());
    g
}

impl Gui {
    /// Clicks Copy token and steps until the token is on `clipboard`.
    fn copy_token(&mut self, clipboard: &Arc<Mutex<Option<String>>>) {
        self.harness.get_by_label("Copy token").click_accesskit();
        for _ in 0..2000 {
            self.harness.step();
            if clipboard.lock().unwrap().as_deref() == Some(TOKEN) {
                return;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        panic!("the token never reached the clipboard");
    }
}

/// Waits, without running a single frame, until the clipboard was read `n` times.
fn wait_reads(reads: &AtomicUsize, n: usize) {
    for _ in 0..2000 {
        if reads.load(Ordering::SeqCst) >= n {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    panic!(
        "the clipboard was read {} times",
        reads.load(Ordering::SeqCst)
    );
}

#[test]
fn a_copied_token_is_cleared_from_the_clipboard_after_the_wait() {
    let clipboard = Arc::new(Mutex::new(None));
    let reads = Arc::new(AtomicUsize::new(0));
    let mut g = gui_with_clipboard(&clipboard, &reads);
    let clicked = std::time::Instant::now();
    g.copy_token(&clipboard);
    assert_eq!(reads.load(Ordering::SeqCst), 0, "looked at before its time");

    // Scheduled: the wait runs in the background, with no frame drawn meanwhile (as in a
    // hidden window).
    wait_reads(&reads, 1);
    assert!(clicked.elapsed() >= CLEAR_AFTER, "{:?}", clicked.elapsed());
    assert_eq!(clipboard.lock().unwrap().as_deref(), Some(TOKEN));

    // Performed: the answer empties the clipboard.
    g.until("the clipboard is emptied", |_| {
        clipboard.lock().unwrap().is_none()
    });
}

#[test]
fn the_clipboard_is_left_alone_once_it_holds_something_else() {
    let clipboard = Arc::new(Mutex::new(None));
    let reads = Arc::new(AtomicUsize::new(0));
    let mut g = gui_with_clipboard(&clipboard, &reads);
    g.copy_token(&clipboard);
    // The user copies something else meanwhile.
    *clipboard.lock().unwrap() = Some("a link to keep".into());
    wait_reads(&reads, 1);
    // The answer comes back as an event: give it time and frames to arrive.
    for _ in 0..30 {
        g.harness.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(clipboard.lock().unwrap().as_deref(), Some("a link to keep"));
    // Nor is it touched when the app closes.
    eframe::App::on_exit(g.harness.state_mut(), None);
    assert_eq!(clipboard.lock().unwrap().as_deref(), Some("a link to keep"));
}

/// Closing the app within the wait does not leave the token on the clipboard.
#[test]
fn a_copied_token_is_cleared_when_the_app_closes() {
    let clipboard = Arc::new(Mutex::new(None));
    let reads = Arc::new(AtomicUsize::new(0));
    let mut g = gui_with_clipboard_after(&clipboard, &reads, Duration::from_secs(3600));
    g.copy_token(&clipboard);
    eframe::App::on_exit(g.harness.state_mut(), None);
    assert_eq!(reads.load(Ordering::SeqCst), 1, "read back before clearing");
    assert_eq!(clipboard.lock().unwrap().as_deref(), None);
}

/// Set in the copy of the test binary that [`copy_token_marks_it_secret_on_a_real_x11_clipboard`]
/// runs under its own X server.
const UNDER_XVFB: &str = "JIRA_CONNECT_TEST_UNDER_XVFB";

/// Copy token through the OS clipboard of a real X server, as the app has it: another X
/// client (xclip) reads the token, offered with the mark that keeps it out of clipboard
/// managers' histories (the `x-kde-passwordManagerHint` target, whose value is `secret`),
/// and closing the app takes the token off the clipboard. The clipboard belongs to the
/// display, so the test starts an Xvfb of its own and runs itself again under it.
#[test]
#[ignore = "needs Xvfb and xclip: scripts/test.sh runs it"]
fn copy_token_marks_it_secret_on_a_real_x11_clipboard() {
    if std::env::var_os(UNDER_XVFB).is_some() {
        return copy_token_on_this_display();
    }
    use std::io::BufRead;
    // Xvfb picks a free display and writes its number on its stdout (-displayfd 1).
    let mut xvfb = std::process::Command::new("Xvfb")
        .args(["-displayfd", "1", "-nolisten", "tcp"])
        .args(["-screen", "0", "640x480x24"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .stdin(std::process::Stdio::null())
        .spawn()
        .expect("Xvfb runs: scripts/install-deps.sh installs it");
    let mut said = std::io::BufReader::new(xvfb.stdout.take().unwrap());
    let mut number = String::new();
    said.read_line(&mut number).unwrap();
    assert!(!number.trim().is_empty(), "Xvfb started");
    let display = format!(":{}", number.trim());
    let name = format!(
        "{}::copy_token_marks_it_secret_on_a_real_x11_clipboard",
        module_path!().split_once("::").map_or("", |(_, m)| m)
    );
    let run = std::process::Command::new(std::env::current_exe().unwrap())
        .args([&name, "--exact", "--include-ignored", "--nocapture"])
        .env("DISPLAY", &display)
        .env_remove("WAYLAND_DISPLAY")
        .env(UNDER_XVFB, "1")
        .output()
        .unwrap();
    let _ = xvfb.kill();
    let _ = xvfb.wait();
    let out = format!(
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(run.status.success(), "{out}");
    assert!(out.contains("1 passed"), "the test ran under Xvfb: {out}");
}

/// What xclip reads from the clipboard as `target`, or `None` when it reads nothing.
fn xclip(target: &str) -> Option<String> {
    let out = std::process::Command::new("xclip")
        .args(["-selection", "clipboard", "-t", target, "-o"])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("xclip runs: scripts/install-deps.sh installs it");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    (out.status.success() && !text.is_empty()).then_some(text)
}

fn copy_token_on_this_display() {
    let mut g = gui_over_acme(|app| app);
    g.harness.get_by_label("Copy token").click_accesskit();
    // The backend writes the clipboard off the UI thread; arboard serves it from its own.
    let mut copied = None;
    for _ in 0..500 {
        g.harness.step();
        copied = xclip("UTF8_STRING");
        if copied.is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(copied.as_deref(), Some(TOKEN), "xclip reads the token");
    let targets = xclip("TARGETS").expect("the clipboard lists its targets");
    assert!(
        targets.lines().any(|t| t == "x-kde-passwordManagerHint"),
        "the history mark is offered: {targets}"
    );
    assert_eq!(
        xclip("x-kde-passwordManagerHint").as_deref(),
        Some("secret"),
        "and says the value is a secret"
    );
    // Closing the app within the wait takes the token off the clipboard.
    eframe::App::on_exit(g.harness.state_mut(), None);
    let left = xclip("UTF8_STRING");
    assert_ne!(left.as_deref(), Some(TOKEN), "the token is cleared on exit");
    assert!(left.is_none(), "the clipboard is empty: {left:?}");
}

#[test]
fn tab_follows_the_fields_in_order_and_enter_saves() {
    let mut g = gui(|_, _, _| {});
    g.open_new_connection();
    g.harness.step();
    assert!(
        g.harness
            .get_by_role_and_label(Role::TextInput, "Jira URL")
            .is_focused(),
        "the dialog opens with the URL focused"
    );
    let url = g.jira.uri();
    g.harness
        .get_by_role_and_label(Role::TextInput, "Jira URL")
        .type_text(&url);
    g.harness.step();
    let order: [(Role, &str); 4] = [
        (Role::TextInput, "Name"),
        (Role::CheckBox, "Jira Cloud"),
        (Role::TextInput, "Username"),
        (Role::RadioButton, "Personal access token"),
    ];
    for (role, label) in order {
        g.harness.key_press(egui::Key::Tab);
        g.harness.step();
        assert!(
            g.harness.get_by_role_and_label(role, label).is_focused(),
            "Tab should reach {label}"
        );
    }
    // Make it Cloud, fill the rest, and submit with Enter from the token field.
    g.click("Jira Cloud");
    g.type_into(Role::TextInput, "Email", EMAIL);
    g.type_into(Role::PasswordInput, "API token", TOKEN);
    g.harness.key_press(egui::Key::Enter);
    g.harness.step();
    g.until("the dialog closes", |h| !h.state().dialog_open());
    assert_eq!(g.statuses(), vec![("127-0-0-1".to_string(), Status::Valid)]);
}

#[test]
fn data_center_links_to_the_sites_access_token_page() {
    let mut g = gui(|_, _, _| {});
    g.open_new_connection();
    g.type_into(
        Role::TextInput,
        "Jira URL",
        "https://jira.corp.example/jira/browse/ABC-1",
    );
    g.harness
        .get_by_label("Create a personal access token")
        .click_accesskit();
    g.harness.step();
    g.wait_opened(
        "https://jira.corp.example/jira/secure/ViewProfile.jspa?selectedTab=com.atlassian.pats.pats-plugin:jira-user-personal-access-tokens",
    );
    // Password sign-in has no token page, so no link.
    g.click("Password");
    assert!(
        g.harness
            .query_by_label("Create a personal access token")
            .is_none()
    );
    assert!(
        g.harness
            .query_by_role_and_label(Role::PasswordInput, "Password")
            .is_some()
    );
}

#[test]
fn a_server_behind_a_company_ca_connects_with_the_ca_field() {
    let mut g = gui(|_, _, _| {});
    let jira = g.rt.block_on(crate::tls::tls_jira());
    let ca = g._dir.path().join("company-ca.pem");
    std::fs::write(&ca, &jira.ca_pem).unwrap();
    g.open_new_connection();
    g.type_into(Role::TextInput, "Jira URL", &jira.url);
    g.type_into(Role::PasswordInput, "Personal access token", PAT);
    g.click("Test");
    g.idle();
    assert!(
        g.shows("unknown certificate authority"),
        "without the CA it is refused"
    );

    g.type_into(Role::TextInput, "CA certificate", ca.to_str().unwrap());
    g.click("Save");
    g.until("the dialog closes", |h| !h.state().dialog_open());
    let saved = g.svc.get("127-0-0-1").unwrap();
    assert_eq!(saved.ca_cert.as_deref(), Some(jira.ca_pem.as_str()));
    assert_eq!(saved.login.as_deref(), Some("mia"));
}

/// egui keeps each text field's undo history (earlier versions of its text) in memory;
/// closing the dialog must drop the secret field's, not just clear the field.
#[test]
fn closing_the_dialog_forgets_the_secret_fields_history() {
    let mut g = gui(|_, _, _| {});
    g.open_new_connection();
    g.type_into(Role::TextInput, "Jira URL", "acme.atlassian.net");
    g.type_into(Role::PasswordInput, "API token", TOKEN);
    let count = |g: &Gui| {
        g.harness
            .ctx
            .data(|d| d.count::<egui::text_edit::TextEditState>())
    };
    let open = count(&g);
    g.harness.key_press(egui::Key::Escape);
    g.harness.step();
    assert!(!g.harness.state().dialog_open());
    assert_eq!(count(&g), open - 1, "the secret field's state is gone");
}

#[test]
fn a_saved_jira_cloud_connection_offers_confluence_with_the_same_token() {
    let mut g = gui(|rt, svc, jira| {
        rt.block_on(mount_confluence_cloud(jira, TOKEN));
        saved(rt, svc, jira, "acme");
    });
    let offer = "Also connect Confluence on this site with the same token";
    assert!(g.harness.query_by_label(offer).is_some());
    g.click(offer);
    g.until("the Confluence connection is listed", |h| {
        h.state().rows().len() == 2
    });
    g.idle();
    let all = g.svc.list().unwrap();
    let wiki = all
        .iter()
        .find(|c| c.product == Product::Confluence)
        .unwrap();
    assert_eq!(wiki.name, "acme-confluence");
    assert_eq!(wiki.linked.as_ref(), Some(&all[0].id));
    let secret = g.rt.block_on(g.svc.token("acme-confluence")).unwrap();
    assert_eq!(secret.expose_secret(), TOKEN);
    for _ in 0..3 {
        g.harness.step();
    }
    assert!(g.shows("Confluence accepts the token as Mia Krystof"));
    assert!(
        g.harness.query_by_label(offer).is_none(),
        "offered only while Jira has no linked Confluence"
    );
    assert!(g.shows("acme-confluence  ·  replacing the token replaces it there too"));

    // Replacing the token from the app swaps it into both, and both rows show it.
    g.rt.block_on(mount_user(
        &g.jira,
        "/rest/api/3/myself",
        EMAIL,
        NEW_TOKEN,
        cloud_user(),
    ));
    g.rt.block_on(mount_confluence_cloud(&g.jira, NEW_TOKEN));
    g.click("Replace token");
    assert!(g.shows("acme-confluence shares this token"));
    g.type_into(Role::PasswordInput, "New API token", NEW_TOKEN);
    g.click("In 30 days");
    g.click("Replace");
    g.idle();
    let in_30_days = today_utc().checked_add(jiff::Span::new().days(30)).unwrap();
    g.until("both rows show the new expiry date", |h| {
        h.state().rows().len() == 2
            && h.state()
                .rows()
                .iter()
                .all(|r| r.connection().token_expires == Some(in_30_days))
    });
    for name in ["acme", "acme-confluence"] {
        let secret = g.rt.block_on(g.svc.token(name)).unwrap();
        assert_eq!(secret.expose_secret(), NEW_TOKEN, "{name}");
    }
    g.harness.key_press(egui::Key::Escape);
    g.harness.step();

    // Removing Jira warns that revoking the shared token would stop Confluence too.
    g.click("Remove");
    assert!(g.harness.state().dialog_open());
    assert!(g.shows("acme-confluence uses the same token: revoking it stops acme-confluence too."));
}

#[test]
fn the_dialog_finds_cloud_on_a_custom_domain_and_saves_a_scoped_token() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (site, gateway) = rt.block_on(scoped_site_and_gateway());
    let mut g = gui_full(
        Arc::new(KeyringStore::mock()),
        Some(gateway.uri()),
        Sources::default(),
        |_, _, _| {},
    );
    g.open_new_connection();
    g.type_into(Role::TextInput, "Jira URL", &site.uri());
    // Leaving the URL field asks the site's tenant_info, without credentials.
    g.harness
        .get_by_role_and_label(Role::TextInput, "Name")
        .focus();
    g.until("Jira Cloud ticks itself", |h| {
        h.get_by_label("Jira Cloud").accesskit_node().toggled() == Some(Toggled::True)
    });
    g.type_into(Role::TextInput, "Email", EMAIL);
    assert!(g.shows("This site is Atlassian Cloud on its own domain."));
    g.type_into(Role::PasswordInput, "API token", TOKEN);
    g.click("Scoped token (created with scopes)");
    g.click("Save");
    g.until("the dialog closes", |h| !h.state().dialog_open());
    let c = &g.svc.list().unwrap()[0];
    assert!(c.scoped);
    assert_eq!(c.cloud_id.as_deref(), Some(CLOUD_ID));
    assert_eq!(c.status(today()), Status::Valid);
    assert_eq!(
        rt.block_on(authorised_requests(&site)),
        0,
        "the scoped token never went to the site"
    );
    assert!(g.shows("api.atlassian.com (scoped token)"));
}

#[test]
fn first_launch_offers_the_jira_cli_import_and_cleans_up_netrc() {
    let files = tempfile::tempdir().unwrap();
    let config = files.path().join("config.yml");
    let netrc = files.path().join("netrc");
    let mut g = gui_full(
        Arc::new(KeyringStore::mock()),
        None,
        Sources {
            config: Some(config.clone()),
            netrc: Some(netrc.clone()),
            env_token: None,
            keyring: false,
        },
        |_, _, jira| {
            std::fs::write(
                &config,
                format!(
                    "installation: Cloud\nlogin: {EMAIL}\nserver: {}\nproject:\n  key: ABC\n",
                    jira.uri()
                ),
            )
            .unwrap();
        },
    );
    g.until("the import is offered", |h| h.state().import_offered());
    for _ in 0..3 {
        g.harness.step();
    }
    assert!(g.shows("Found a jira-cli connection"));

    // No token anywhere yet: the offer says so and stays.
    g.click("Import from jira-cli");
    g.idle();
    assert!(
        g.shows("no token for 127.0.0.1"),
        "the missing token is explained"
    );
    assert!(g.svc.list().unwrap().is_empty());

    std::fs::write(
        &netrc,
        format!("machine example.org login x password keep-me\nmachine 127.0.0.1 login {EMAIL} password {TOKEN}\n"),
    )
    .unwrap();
    g.click("Import from jira-cli");
    g.until("the connection is imported", |h| {
        h.state().rows().len() == 1
    });
    let secret = g.rt.block_on(g.svc.token("127-0-0-1")).unwrap();
    assert_eq!(secret.expose_secret(), TOKEN);

    // The plaintext copy: offered for deletion, and only its entry goes.
    g.until("the netrc question shows", |h| h.state().dialog_open());
    assert!(g.shows("Delete the plaintext token?"));
    g.click("Delete the entry");
    g.until("the dialog closes", |h| !h.state().dialog_open());
    let left = std::fs::read_to_string(&netrc).unwrap();
    assert!(!left.contains(TOKEN), "{left}");
    assert!(
        left.contains("machine example.org login x password keep-me"),
        "{left}"
    );
}

#[test]
fn no_import_offer_once_connections_exist() {
    let files = tempfile::tempdir().unwrap();
    let config = files.path().join("config.yml");
    std::fs::write(&config, "server: https://acme.atlassian.net\n").unwrap();
    let mut g = gui_full(
        Arc::new(KeyringStore::mock()),
        None,
        Sources {
            config: Some(config),
            ..Sources::default()
        },
        |rt, svc, jira| saved(rt, svc, jira, "acme"),
    );
    g.idle();
    for _ in 0..10 {
        g.harness.step();
    }
    assert!(!g.harness.state().import_offered());
}

#[test]
fn a_link_no_browser_can_open_is_shown_with_a_copy_button() {
    let mut g = with_saved(&["acme"]);
    g.no_browser.store(true, Ordering::SeqCst);
    let page = "https://id.atlassian.com/manage-profile/security/api-tokens";
    g.click("Open token page");
    g.wait_opened(page);
    g.until("the address is kept", |h| {
        h.state().notice_link() == Some(page)
    });
    // egui lays a new area out unseen in its first frame: look a few frames later.
    for _ in 0..3 {
        g.harness.step();
    }
    assert!(g.shows("No web browser could be opened"));
    assert!(g.shows(page));
    g.harness.get_by_label("Copy link").click_accesskit();
    g.harness.step();
    assert!(
        g.copied(page),
        "Copy link puts the address on the clipboard"
    );
    // It stays until dismissed: the user needs time to copy it.
    for _ in 0..600 {
        g.harness.step();
    }
    assert_eq!(g.harness.state().notice_link(), Some(page));
    g.click("Dismiss");
    assert_eq!(g.harness.state().notice_link(), None);
}

#[test]
fn the_caret_stops_blinking_when_nobody_types() {
    let mut g = gui(|_, _, _| {});
    g.open_new_connection();
    g.type_into(Role::TextInput, "Jira URL", "acme.atlassian.net");
    let blinking = |g: &Gui| g.harness.ctx.global_style().visuals.text_cursor.blink;
    assert!(blinking(&g), "the caret blinks while the user types");
    // Eleven seconds of frames with no input (the harness steps 1/60 s a frame).
    for _ in 0..(11 * 60) {
        g.harness.step();
    }
    assert!(
        !blinking(&g),
        "after {} s without input the caret is solid",
        jira_connect::ui::caret::BLINK_TIMEOUT
    );
    g.harness
        .get_by_role_and_label(Role::TextInput, "Jira URL")
        .type_text("x");
    g.harness.step();
    g.harness.step();
    assert!(blinking(&g), "typing makes it blink again");
}

#[test]
fn a_cloud_page_url_on_a_custom_domain_is_saved_as_the_sites_root() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let site = rt.block_on(custom_domain_cloud());
    let mut g = gui(|_, _, _| {});
    g.open_new_connection();
    let pasted = format!("{}/jira/software/projects/ABC/boards/1", site.uri());
    g.type_into(Role::TextInput, "Jira URL", &pasted);
    // Tab out of the URL field, as a user would: the site is asked at its root.
    g.harness.key_press(egui::Key::Tab);
    g.harness.step();
    g.until("Jira Cloud ticks itself", |h| {
        h.get_by_label("Jira Cloud").accesskit_node().toggled() == Some(Toggled::True)
    });
    g.type_into(Role::TextInput, "Email", EMAIL);
    g.type_into(Role::PasswordInput, "API token", TOKEN);
    g.click("Save");
    g.until("the dialog closes", |h| !h.state().dialog_open());
    let c = &g.svc.list().unwrap()[0];
    assert_eq!(c.url, site.uri());
    assert_eq!(c.deployment, Deployment::Cloud);
    assert_eq!(c.status(today()), Status::Valid);
}

/// The label field is prefilled with the suggested label, Copy label puts it on the
/// clipboard for Atlassian's Create API token dialog, and Cloud suggests one year.
#[test]
fn the_dialog_suggests_a_label_and_a_year_and_saves_both() {
    let mut g = gui(|_, _, _| {});
    g.open_new_connection();
    g.fill_cloud_form(TOKEN);
    let label = g
        .harness
        .get_by_role_and_label(Role::TextInput, "Token label")
        .value()
        .expect("the label field has a value");
    assert_eq!(label, suggested_token_label());
    g.harness.get_by_label("Copy label").click_accesskit();
    g.harness.step();
    assert!(
        g.copied(&label),
        "Copy label puts the label on the clipboard"
    );
    assert!(g.shows("UTC"), "the date is said to be UTC");
    // The date is a field named by its row, showing the date.
    let date = g
        .harness
        .get_by_role_and_label(Role::TextInput, "Token expires")
        .value();
    assert_eq!(date, Some(one_year_from_today().to_string()));
    g.type_into(Role::TextInput, "Token label", "ci-bot on mia-laptop");
    g.click("Save");
    g.until("the dialog closes", |h| !h.state().dialog_open());
    let saved = g.harness.state().rows()[0].connection();
    assert_eq!(saved.token_label.as_deref(), Some("ci-bot on mia-laptop"));
    assert_eq!(saved.token_expires, Some(one_year_from_today()));
}

/// The presets set the date, Clear records none, and a Cloud date more than 365 days
/// away is flagged.
#[test]
fn expiry_presets_set_the_date_and_clear_records_none() {
    let mut g = gui(|_, _, _| {});
    g.open_new_connection();
    g.fill_cloud_form(TOKEN);
    g.click("In 30 days");
    assert!(!g.shows("live at most 365 days"));
    g.click("Clear");
    assert!(g.shows("not recorded"));
    g.click("Save");
    g.until("the dialog closes", |h| !h.state().dialog_open());
    assert_eq!(g.harness.state().rows()[0].connection().token_expires, None);
}

/// The app with one Data Center connection whose personal access token the stateful token
/// API knows, once its start-up work is done.
fn gui_with_dc_pat() -> (Gui, crate::pat_mock::PatServer) {
    let mut server = None;
    let mut g = gui(|rt, svc, _| {
        let started = rt.block_on(crate::pat_mock::PatServer::start());
        let label = Some(crate::pat_mock::THIS_NAME);
        rt.block_on(crate::token_lookup::add_dc(svc, &started, label));
        server = Some(started);
    });
    // Token names come from the server in any script; where the bundled fonts lack a glyph
    // the app draws a box, as egui does by default (kittest makes it a panic).
    g.harness
        .ctx
        .set_missing_glyph_policy(egui::MissingGlyphPolicy::Tofu);
    g.idle();
    (g, server.unwrap())
}

/// Rotate on a Data Center personal access token, against the stateful token API: the
/// server refuses to let the token create tokens, so the dialog asks for the password, then
/// the new token is in the keyring, the old one revoked, and another device's untouched.
#[test]
fn rotate_asks_for_the_password_and_revokes_the_old_token() {
    use crate::pat_mock::{OTHER_TOKEN, PASSWORD};
    let (mut g, server) = gui_with_dc_pat();
    g.click("Rotate token");
    assert!(g.harness.state().dialog_open());
    g.click("Rotate");
    g.idle();
    assert!(g.shows("does not let a token create tokens"));
    assert!(server.is_live(PAT), "nothing changed yet");
    assert_eq!(server.creates(), 0);

    g.type_into(Role::PasswordInput, "Password", PASSWORD);
    g.click("Rotate");
    g.idle();
    g.until("the rotation is done", |h| {
        h.query_by_label_contains("Revoked the old token").is_some()
    });
    assert!(
        !server.is_live(PAT),
        "the old token is revoked on the server"
    );
    assert!(
        server.is_live(OTHER_TOKEN),
        "another device's token is untouched"
    );
    let new = g.rt.block_on(g.svc.token("dc")).unwrap();
    assert!(
        server.is_live(new.expose_secret()),
        "the keyring holds the new token"
    );
    g.click("Done");
    assert!(!g.harness.state().dialog_open());
}

/// An old token known only by its name (its label picks it among several) is revoked only
/// if the user says so: the dialog asks, with its name and created date, before anything is
/// created; told no, it rotates and leaves that token alone.
#[test]
fn rotate_asks_before_revoking_a_token_known_only_by_its_name() {
    use crate::pat_mock::{PASSWORD, PatServer, USER};
    let mut server = None;
    let mut g = gui(|rt, svc, _| {
        let started = rt.block_on(PatServer::start());
        let label = Some("ci-runner");
        rt.block_on(crate::token_lookup::add_dc(svc, &started, label));
        server = Some(started);
    });
    let server = server.unwrap();
    let ci = server.add(USER, "ci-runner", "Y2ktcnVubmVyLXRva2Vu", None);
    g.harness
        .ctx
        .set_missing_glyph_policy(egui::MissingGlyphPolicy::Tofu);
    g.idle();
    g.click("Rotate token");
    g.click("Rotate");
    // The answer arrives on a later frame than the one that ends the work.
    g.until("the dialog asks about the token known by name", |h| {
        h.query_by_label_contains("known only by its name: \"ci-runner\", created")
            .is_some()
    });
    assert_eq!(server.creates(), 0, "nothing is created before the answer");
    g.click("No, do not revoke it");
    g.until("the dialog asks for the password", |h| {
        h.query_by_label_contains("does not let a token create tokens")
            .is_some()
    });
    g.type_into(Role::PasswordInput, "Password", PASSWORD);
    g.click("Rotate");
    g.idle();
    g.until("the rotation is done", |h| {
        h.query_by_label_contains("The old token was not revoked")
            .is_some()
    });
    assert!(
        server.ids().contains(&ci),
        "the token known by name is kept"
    );
    assert!(server.is_live(PAT));
    assert_eq!(server.deletes(), 0);
}

/// A Data Center token the server lists among several is not guessed: the user picks it from
/// the list (name, created, expires), and its id and real expiry are recorded.
#[test]
fn the_user_picks_the_token_from_the_servers_list() {
    use crate::pat_mock::{OTHER_NAME, PatServer, THIS_ID, THIS_NAME};
    let mut server = None;
    let mut g = gui(|rt, svc, _| {
        let started = rt.block_on(PatServer::start());
        rt.block_on(crate::token_lookup::add_dc(svc, &started, None));
        server = Some(started);
    });
    g.harness
        .ctx
        .set_missing_glyph_policy(egui::MissingGlyphPolicy::Tofu);
    g.idle();
    assert_eq!(g.harness.state().rows()[0].connection().token_id, None);
    g.click("Pick token…");
    g.idle();
    assert!(g.shows(THIS_NAME) && g.shows("Expires (UTC)"));
    assert!(g.shows(OTHER_NAME), "every token of the account is listed");
    // The server lists this machine's token first.
    g.harness
        .get_all_by_label("This one")
        .next()
        .unwrap()
        .click_accesskit();
    g.harness.step();
    g.until("the token is recorded", |h| {
        h.state().rows()[0].connection().token_id == Some(THIS_ID)
    });
    let saved = g.svc.get("dc").unwrap();
    assert_eq!(saved.token_id, Some(THIS_ID));
    assert_eq!(saved.token_label.as_deref(), Some(THIS_NAME));
    assert!(
        saved.token_expires.is_some(),
        "the server's expiry is recorded"
    );
    assert!(!g.harness.state().dialog_open());
    drop(server);
}

/// On Data Center the server knows the token's real expiry. Test shows it next to the
/// expiry field before anything is saved, and Save records it and says so again.
#[test]
fn the_servers_expiry_is_told_next_to_the_field_before_saving() {
    use crate::pat_mock::{PatServer, THIS_NAME};
    let mut server = None;
    let mut g = gui(|rt, _, _| server = Some(rt.block_on(PatServer::start())));
    let server = server.unwrap();
    g.open_new_connection();
    g.type_into(Role::TextInput, "Jira URL", &server.uri());
    g.type_into(Role::PasswordInput, "Personal access token", PAT);
    g.type_into(Role::TextInput, "Token label", THIS_NAME);
    g.type_into(Role::TextInput, "Token expires", "2027-01-01");
    g.click("Test");
    // The mock lists this token as expiring 2027-02-21T23:15 at UTC-3: the 22nd in UTC.
    let note = "Jira says this token expires 2027-02-22, not 2027-01-01 as picked";
    g.until("the server's expiry is shown", |h| {
        h.query_all_by(|n| n.value().is_some_and(|v| v.contains(note)))
            .next()
            .is_some()
    });
    assert!(g.harness.state().rows().is_empty(), "Test saves nothing");
    g.click("Save");
    g.until("the dialog closes", |h| !h.state().dialog_open());
    assert!(g.shows(note), "the result says it again");
    let saved = g.harness.state().rows()[0].connection();
    assert_eq!(saved.token_expires, Some(jiff::civil::date(2027, 2, 22)));
}

/// A server may list thousands of tokens: the picker says how many, and lays out only the
/// rows in view.
#[test]
fn the_token_picker_draws_only_the_rows_in_view() {
    use crate::pat_mock::{PatServer, USER};
    let mut server = None;
    let mut g = gui(|rt, svc, _| {
        let started = rt.block_on(PatServer::start());
        rt.block_on(crate::token_lookup::add_dc(svc, &started, None));
        started.add_many(USER, 30_000);
        server = Some(started);
    });
    g.harness
        .ctx
        .set_missing_glyph_policy(egui::MissingGlyphPolicy::Tofu);
    g.idle();
    g.click("Pick token…");
    g.idle();
    assert!(g.shows("30002 tokens"), "the count is shown");
    let drawn = g.harness.get_all_by_label("This one").count();
    assert!((1..100).contains(&drawn), "{drawn} rows drawn");
    drop(server);
}

/// `gui --new`, the desktop file's New Connection action, opens with the dialog showing.
#[test]
fn the_app_can_open_with_the_new_connection_dialog() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let svc = Arc::new(Connections::new(
        ConfigStore::new(dir.path()),
        Arc::new(KeyringStore::mock()),
        JiraClient::new(Duration::from_secs(10)).unwrap(),
    ));
    let handle = rt.handle().clone();
    let mut harness = Harness::builder()
        .with_size([1000.0, 720.0])
        .build_eframe(move |cc| {
            App::new(cc, handle.clone(), svc.clone(), Arc::new(|_: &str| Ok(())))
                .with_new_connection(true)
        });
    harness.step();
    assert!(harness.state().dialog_open());
    harness.get_by_role_and_label(Role::TextInput, "Jira URL");
}
