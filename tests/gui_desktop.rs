//! What a desktop user expects of the main window: a menu bar that does what the buttons and
//! keys do, an About box, a remembered selection, and a name on every control a screen
//! reader can reach.

use egui::accessibility::is_input;
use egui::accesskit::Role;
use egui_kittest::kittest::{NodeT, Queryable};

use std::sync::mpsc::Receiver;

use jira_connect::ui::single_instance::Request;

use super::*;

const TOKEN_PAGE: &str = "https://id.atlassian.com/manage-profile/security/api-tokens";

impl Gui {
    /// Opens a menu of the menu bar, then chooses `item` in it.
    fn menu(&mut self, menu: &str, item: &str) {
        self.open_menu(menu);
        self.harness
            .get_by_role_and_label(Role::MenuItem, item)
            .click();
        for _ in 0..3 {
            self.harness.step();
        }
    }

    fn open_menu(&mut self, menu: &str) {
        self.harness
            .get_by_role_and_label(Role::MenuItem, menu)
            .click();
        for _ in 0..3 {
            self.harness.step();
        }
    }

    /// Every control a user can act on, as (role, label); panics on one without a name.
    fn controls(&self) -> Vec<(Role, String)> {
        let mut named = Vec::new();
        let mut unnamed = Vec::new();
        for node in self.harness.root().children_recursive() {
            let node = node.accesskit_node();
            if !is_input(node.role()) || node.is_hidden() {
                continue;
            }
            match node.label().filter(|l| !l.trim().is_empty()) {
                Some(label) => named.push((node.role(), label)),
                None => unnamed.push(format!("{:?} at {:?}", node.role(), node.raw_bounds())),
            }
        }
        assert!(unnamed.is_empty(), "controls without a name: {unnamed:?}");
        named
    }
}

fn has(controls: &[(Role, String)], role: Role, label: &str) -> bool {
    controls.iter().any(|(r, l)| *r == role && l == label)
}

#[test]
fn connection_menu_opens_new_jira_and_new_confluence() {
    let mut g = gui(|_, _, _| {});
    g.menu("Connection", "New Jira Connection…");
    assert!(g.harness.state().dialog_open());
    assert!(g.shows("Jira URL"), "the dialog is for Jira");
    g.harness.key_press(egui::Key::Escape);
    g.harness.step();
    assert!(!g.harness.state().dialog_open());

    g.menu("Connection", "New Confluence Connection…");
    assert!(g.harness.state().dialog_open());
    assert!(g.shows("Confluence URL"), "the dialog is for Confluence");
    let confluence = g
        .harness
        .get_by_role_and_label(Role::RadioButton, "Confluence");
    assert_eq!(
        confluence.accesskit_node().toggled(),
        Some(egui::accesskit::Toggled::True)
    );
}

#[test]
fn ctrl_shift_n_opens_new_confluence_and_ctrl_n_new_jira() {
    let mut g = gui(|_, _, _| {});
    g.harness.key_press_modifiers(
        egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
        egui::Key::N,
    );
    g.harness.step();
    assert!(g.shows("Confluence URL"));
    g.harness.key_press(egui::Key::Escape);
    g.harness.step();
    g.open_new_connection();
    assert!(g.shows("Jira URL"));
}

#[test]
fn the_menu_shows_the_shortcuts_and_check_all_needs_a_connection() {
    let mut g = gui(|_, _, _| {});
    let connection = g
        .harness
        .get_by_role_and_label(Role::MenuItem, "Connection");
    assert_eq!(
        connection.accesskit_node().data().is_expanded(),
        Some(false)
    );
    g.open_menu("Connection");
    let connection = g
        .harness
        .get_by_role_and_label(Role::MenuItem, "Connection");
    assert_eq!(connection.accesskit_node().data().is_expanded(), Some(true));
    for (item, keys) in [
        ("New Jira Connection…", "Ctrl+N"),
        ("New Confluence Connection…", "Ctrl+Shift+N"),
        ("Check all", "Ctrl+R"),
        ("Quit", "Ctrl+Q"),
    ] {
        let node = g.harness.get_by_role_and_label(Role::MenuItem, item);
        assert_eq!(
            node.accesskit_node().data().keyboard_shortcut(),
            Some(keys),
            "{item}"
        );
    }
    let check_all = g.harness.get_by_role_and_label(Role::MenuItem, "Check all");
    assert!(check_all.accesskit_node().is_disabled(), "nothing to check");
}

#[test]
fn check_all_in_the_menu_checks_every_connection() {
    let mut g = with_saved(&["acme", "beta"]);
    // The tokens get revoked; only a check can tell.
    g.rt.block_on(async {
        g.jira.reset().await;
        wiremock::Mock::given(wiremock::matchers::any())
            .respond_with(wiremock::ResponseTemplate::new(401))
            .mount(&g.jira)
            .await;
    });
    g.menu("Connection", "Check all");
    g.idle();
    assert_eq!(
        g.statuses(),
        vec![
            ("acme".to_string(), Status::Rejected),
            ("beta".to_string(), Status::Rejected),
        ]
    );
}

#[test]
fn view_theme_switches_light_and_dark() {
    let mut g = gui(|_, _, _| {});
    for (choice, want) in [
        ("Dark", egui::ThemePreference::Dark),
        ("Light", egui::ThemePreference::Light),
        ("System", egui::ThemePreference::System),
    ] {
        g.open_menu("View");
        g.harness
            .get_by_role_and_label(Role::MenuItem, "Theme")
            .hover();
        for _ in 0..3 {
            g.harness.step();
        }
        g.harness
            .get_by_role_and_label(Role::MenuItemRadio, choice)
            .click();
        for _ in 0..3 {
            g.harness.step();
        }
        let now = g.harness.ctx.options(|o| o.theme_preference);
        assert_eq!(now, want, "after choosing {choice}");
    }
}

#[test]
fn help_about_shows_the_version_licence_and_token_page() {
    let mut g = gui(|_, _, _| {});
    g.menu("Help", "About jira-connect");
    assert!(g.harness.state().about_open());
    assert!(g.shows(env!("CARGO_PKG_VERSION")));
    assert!(g.shows("MIT licence"));
    g.harness
        .get_by_role_and_label(
            Role::Link,
            "Atlassian API tokens (Jira and Confluence Cloud)",
        )
        .click();
    for _ in 0..3 {
        g.harness.step();
    }
    g.wait_opened(TOKEN_PAGE);
    // Keys for the main window wait while About is open; Esc closes it.
    g.open_new_connection();
    assert!(!g.harness.state().dialog_open());
    g.harness.key_press(egui::Key::Escape);
    g.harness.step();
    assert!(!g.harness.state().about_open());

    g.menu("Help", "About jira-connect");
    g.click("Close");
    assert!(!g.harness.state().about_open());
}

#[test]
fn help_opens_the_atlassian_token_page() {
    let mut g = gui(|_, _, _| {});
    g.menu("Help", "Atlassian API Tokens");
    g.wait_opened(TOKEN_PAGE);
}

#[test]
fn every_control_of_the_empty_window_has_a_name() {
    let mut g = gui(|_, _, _| {});
    g.idle();
    let controls = g.controls();
    assert!(
        has(&controls, Role::Button, "New Connection"),
        "{controls:?}"
    );
    assert!(has(&controls, Role::MenuItem, "Connection"), "{controls:?}");
}

#[test]
fn every_control_of_the_main_window_has_a_name() {
    let mut g = gui(|rt, svc, jira| {
        saved(rt, svc, jira, "acme");
        saved(rt, svc, jira, "beta");
    });
    g.idle();
    let controls = g.controls();
    for (role, label) in [
        (Role::MenuItem, "Connection"),
        (Role::MenuItem, "View"),
        (Role::MenuItem, "Help"),
        (Role::Button, "New Connection"),
        (Role::Button, "Check all"),
        (Role::CheckBox, "Check at launch"),
        (Role::CheckBox, "Reminders"),
        (Role::Button, "System"),
        (Role::Button, "Light"),
        (Role::Button, "Dark"),
        (Role::ListItem, "acme, Valid"),
        (Role::ListItem, "beta, Valid"),
        (Role::Button, "Check now"),
        (Role::Button, "Replace token"),
        (Role::Button, "Copy token"),
        (Role::Button, "Open token page"),
        (Role::Button, "Remove"),
    ] {
        assert!(
            has(&controls, role, label) || g.harness.query_by_role_and_label(role, label).is_some(),
            "no {role:?} named {label:?} in {controls:?}"
        );
    }
    // The status badge of the selected connection says its status in words.
    assert!(
        g.harness
            .query_by_role_and_label(Role::Status, "Valid")
            .is_some()
    );

    // And inside each menu.
    g.open_menu("Connection");
    let controls = g.controls();
    for item in [
        "New Jira Connection…",
        "New Confluence Connection…",
        "Check all",
        "Quit",
    ] {
        assert!(
            has(&controls, Role::MenuItem, item),
            "{item} in {controls:?}"
        );
    }
    g.harness.key_press(egui::Key::Escape);
    g.harness.step();
    g.menu("Help", "About jira-connect");
    g.controls();
    assert!(g.harness.unnamed_widgets().is_empty());
}

/// eframe's storage, in memory.
#[derive(Default, Clone)]
pub(super) struct Remembered(std::collections::HashMap<String, String>);

impl eframe::Storage for Remembered {
    fn get_string(&self, key: &str) -> Option<String> {
        self.0.get(key).cloned()
    }
    fn set_string(&mut self, key: &str, value: String) {
        self.0.insert(key.into(), value);
    }
    fn remove_string(&mut self, key: &str) {
        self.0.remove(key);
    }
    fn flush(&mut self) {}
}

/// The app over `g`'s config, started as `ui::run` starts it: with `storage` from the last
/// run, `gui --select` naming `select`, and later launches' requests coming from `requests`.
pub(super) fn relaunch(
    g: &Gui,
    storage: Remembered,
    select: Option<&str>,
    requests: Option<Receiver<Request>>,
) -> egui_kittest::Harness<'static, App> {
    let storage: &'static Remembered = Box::leak(Box::new(storage));
    let handle = g.rt.handle().clone();
    let svc = g.svc.clone();
    let select = select.map(String::from);
    let mut harness = egui_kittest::Harness::builder()
        .with_size([1000.0, 720.0])
        .build_eframe(move |cc| {
            cc.storage = Some(storage);
            let app = App::new(cc, handle, svc, Arc::new(|_: &str| Ok(())))
                .with_selection(select)
                .with_import_sources(Sources::default());
            match requests {
                Some(requests) => app.with_requests(requests),
                None => app,
            }
        });
    for _ in 0..2000 {
        harness.step();
        if harness.state().is_loaded() {
            return harness;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    panic!("the config never loaded");
}

#[test]
fn the_selected_connection_is_remembered_and_select_wins() {
    let mut g = with_saved(&["acme", "beta", "corp"]);
    assert_eq!(g.harness.state().selected_name(), Some("acme"), "the first");
    g.click("beta, Valid");
    assert_eq!(g.harness.state().selected_name(), Some("beta"));
    let mut storage = Remembered::default();
    eframe::App::save(g.harness.state_mut(), &mut storage);
    let beta = g.harness.state().selected_id().cloned().unwrap();
    assert_eq!(
        jira_connect::ui::window_state::selected(Some(&storage)),
        Some(beta)
    );

    let again = relaunch(&g, storage.clone(), None, None);
    assert_eq!(again.state().selected_name(), Some("beta"), "remembered");

    let told = relaunch(&g, storage.clone(), Some("corp"), None);
    assert_eq!(told.state().selected_name(), Some("corp"), "--select wins");

    // A remembered connection that was removed meanwhile: the first one, as before.
    g.rt.block_on(g.svc.remove("beta")).unwrap();
    let gone = relaunch(&g, storage, None, None);
    assert_eq!(gone.state().selected_name(), Some("acme"));
}

#[test]
fn a_later_launch_selects_its_connection_in_the_running_window() {
    let g = with_saved(&["acme", "beta"]);
    let (tx, rx) = std::sync::mpsc::channel();
    let mut running = relaunch(&g, Remembered::default(), None, Some(rx));
    assert_eq!(running.state().selected_name(), Some("acme"));
    let ask = |running: &mut egui_kittest::Harness<'static, App>, select: Option<&str>| {
        let select = select.map(String::from);
        tx.send(Request {
            select,
            ..Default::default()
        })
        .unwrap();
        running.step();
        running.step();
    };
    ask(&mut running, Some("beta"));
    assert_eq!(running.state().selected_name(), Some("beta"));
    ask(&mut running, None);
    assert_eq!(running.state().selected_name(), Some("beta"), "only shown");
    ask(&mut running, Some("nope"));
    assert_eq!(
        running.state().notice(),
        Some("No connection named \"nope\"")
    );
    assert_eq!(running.state().selected_name(), Some("beta"));

    // gui --new: New Connection opens, over the selected connection.
    tx.send(Request {
        new_connection: true,
        ..Default::default()
    })
    .unwrap();
    running.step();
    running.step();
    assert!(running.state().dialog_open());
    assert_eq!(running.state().selected_name(), Some("beta"));
}
