//! Help ▸ Diagnostics: opened from the menu bar by keyboard, it runs `doctor`'s checks on
//! the backend and shows their ✓ and ✗ rows: a healthy site, a locked keyring, a missing
//! timer and a TLS failure. Copy report copies the CLI's text; Run again runs them again;
//! Esc closes it.

use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use jira_connect::core::secrets::MemoryStore;

use super::*;
use crate::doctor::{healthy, probes};

impl Gui {
    /// Opens Help ▸ Diagnostics… with the keyboard: focus on Help, Enter, then the item.
    fn open_diagnostics(&mut self) {
        self.harness
            .get_by_role_and_label(Role::MenuItem, "Help")
            .focus();
        self.harness.step();
        self.harness.key_press(egui::Key::Enter);
        for _ in 0..3 {
            self.harness.step();
        }
        self.harness
            .get_by_role_and_label(Role::MenuItem, "Diagnostics…")
            .focus();
        self.harness.step();
        self.harness.key_press(egui::Key::Enter);
        for _ in 0..3 {
            self.harness.step();
        }
        assert!(self.harness.state().diagnostics_open());
        self.until("the diagnostics ran", |h| {
            h.state().diagnostics_report().is_some()
        });
    }

    fn row(&self, text: &str) -> bool {
        self.harness.query_by_label_contains(text).is_some()
    }
}

#[test]
fn diagnostics_show_a_healthy_site_and_a_missing_timer_and_copy_the_cli_text() {
    let mut g = gui(|rt, svc, jira| {
        saved(rt, svc, jira, "acme");
        svc.set_check_on_launch(false).unwrap();
        svc.set_probes(probes(false, None, true));
    });
    g.open_diagnostics();
    for row in [
        "✓ Reachable: the keyring answers",
        "✓ Test entry: written, read back and deleted",
        "✓ Lock: taken and given back",
        "✓ TCP: connected to 127.0.0.1:",
        "✓ Version: Jira 1001.0.0",
        "✓ Login: logged in as Mia Krystof",
        "! Installed: no timer at",
        "→ Turn reminders on with `jira-connect reminders enable`",
        "No problems found.",
    ] {
        assert!(g.row(row), "no row {row:?}");
    }
    assert!(g.row("Connection acme ("));
    // Every control in it has a name a screen reader can say.
    assert!(g.harness.unnamed_widgets().is_empty());
    for button in ["Close", "Copy report", "Run again"] {
        assert!(
            g.harness
                .query_by_role_and_label(Role::Button, button)
                .is_some(),
            "no button {button:?}"
        );
    }

    // Copy report: the same text as `jira-connect doctor`.
    let expected = g.harness.state().diagnostics_report().unwrap().text();
    assert!(expected.contains("✓ Login: logged in as Mia Krystof"));
    g.harness
        .get_by_role_and_label(Role::Button, "Copy report")
        .click_accesskit();
    g.harness.step();
    assert!(
        g.copied(&expected),
        "Copy report puts the report's text on the clipboard"
    );
    assert!(!expected.contains(TOKEN));

    // Run again, with the timer now installed and active.
    g.svc.set_probes(healthy());
    g.harness
        .get_by_role_and_label(Role::Button, "Run again")
        .click_accesskit();
    g.harness.step();
    g.until("the checks ran again", |h| {
        h.query_by_label_contains("✓ Active: yes").is_some()
    });

    // Esc closes it, and the main window's keys work again.
    g.harness.key_press(egui::Key::Escape);
    g.harness.step();
    assert!(!g.harness.state().diagnostics_open());
}

#[test]
fn diagnostics_show_a_locked_keyring_and_a_tls_failure_as_failures() {
    let secrets = Arc::new(MemoryStore::new());
    let store = secrets.clone();
    let mut g = gui_with(secrets.clone(), move |rt, svc, jira| {
        saved(rt, svc, jira, "acme");
        svc.set_check_on_launch(false).unwrap();
        svc.set_probes(healthy());
        // A site whose certificate no trusted CA signed.
        let site = rt.block_on(crate::tls::tls_jira());
        let mut dc = jira_connect::core::connection::Connection::sample("dc");
        dc.url = site.url.clone();
        dc.deployment = Deployment::DataCenter;
        dc.auth = jira_connect::core::connection::AuthKind::Pat;
        dc.login = None;
        store.set(&dc.id, &SecretString::from(PAT)).unwrap();
        svc.config()
            .update(|cfg| {
                cfg.connections.push(dc);
                Ok(())
            })
            .unwrap();
        store.lock_after(0);
    });
    g.open_diagnostics();
    for row in [
        "✗ Unlocked: The OS keyring is locked",
        "→ Unlock the login keyring",
        "- Login: not tried: the token cannot be read until the keyring works",
        "✗ TLS:",
        "→ If the site uses a company CA",
        "- Login: not tried: the site was not reached",
        "checks failed.",
    ] {
        assert!(g.row(row), "no row {row:?}");
    }
    let report = g.harness.state().diagnostics_report().unwrap();
    assert!(!report.ok());
    assert!(!report.text().contains(PAT));
    g.click("Close");
    assert!(!g.harness.state().diagnostics_open());
    secrets.fail_on(None);
}
