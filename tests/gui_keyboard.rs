//! The window by keyboard and through a screen reader's eyes: what Enter, Esc, Tab and the
//! arrow keys do in the dialogs, where the focus goes, and what assistive technology is
//! told (names, values, errors tied to their fields, announcements).

use egui::accesskit::{Live, Role};
use egui::{Key, Modifiers};
use egui_kittest::kittest::{NodeT, Queryable};
use jira_connect::core::connection::{one_year_from_today, today_utc};

const CLOUD_TOKEN_PAGE: &str = "https://id.atlassian.com/manage-profile/security/api-tokens";

use super::*;

impl Gui {
    fn press(&mut self, key: Key) {
        self.harness.key_press(key);
        self.harness.step();
        self.harness.step();
    }

    fn press_with(&mut self, modifiers: Modifiers, key: Key) {
        self.harness.key_press_modifiers(modifiers, key);
        self.harness.step();
        self.harness.step();
    }

    fn focus(&mut self, role: Role, label: &str) {
        self.harness.get_by_role_and_label(role, label).focus();
        self.harness.step();
    }

    fn focused(&self, role: Role, label: &str) -> bool {
        self.harness.get_by_role_and_label(role, label).is_focused()
    }

    /// The label of the widget with the keyboard focus.
    fn focus_label(&self) -> Option<String> {
        self.harness
            .query_all_by(|n| n.is_focused())
            .next()
            .and_then(|n| n.accesskit_node().label())
    }

    /// Steps frames that give background work a chance to run, without waiting for any.
    fn settle(&mut self) {
        for _ in 0..30 {
            self.harness.step();
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

fn date_words(date: jiff::civil::Date) -> String {
    date.strftime("%A %-d %B %Y").to_string()
}

#[test]
fn enter_on_the_token_link_opens_it_and_saves_nothing() {
    let mut g = gui(|_, _, _| {});
    g.open_new_connection();
    g.fill_cloud_form(TOKEN);
    g.focus(Role::Link, "Get an API token");
    g.press(Key::Enter);
    g.wait_opened(CLOUD_TOKEN_PAGE);
    g.settle();
    g.idle();
    assert!(g.harness.state().dialog_open(), "the dialog stays open");
    assert!(g.harness.state().rows().is_empty(), "nothing was saved");
    // Enter on a button is that button only: Test tests and does not save.
    g.focus(Role::Button, "Test");
    g.press(Key::Enter);
    g.idle();
    g.settle();
    assert!(g.shows("Connected as"), "Test ran");
    assert!(g.harness.state().rows().is_empty(), "Test does not save");
    // Enter in a text field submits the dialog.
    g.focus(Role::TextInput, "Email");
    g.press(Key::Enter);
    g.until("the dialog closes", |h| !h.state().dialog_open());
    assert_eq!(g.harness.state().rows().len(), 1);
}

/// Enter rotates from the label field; when the server wants the password, its field
/// takes the focus, and Enter there finishes the rotation.
#[test]
fn enter_rotates_and_the_password_field_takes_the_focus() {
    let (mut g, _server) = gui_with_dc_pat();
    g.click("Rotate token");
    g.focus(Role::TextInput, "Token label");
    g.press(Key::Enter);
    g.idle();
    g.settle();
    assert!(
        g.shows("does not let a token create tokens"),
        "Enter in the label field starts the rotation"
    );
    assert!(
        g.focused(Role::PasswordInput, "Password"),
        "the password field takes the focus when it appears"
    );
    g.harness
        .get_by_role_and_label(Role::PasswordInput, "Password")
        .type_text(crate::pat_mock::PASSWORD);
    g.harness.step();
    g.press(Key::Enter);
    g.until("the rotation is done", |h| {
        h.query_by_label_contains("Revoked the old token").is_some()
    });
}

/// Space on a preset picks its date and leaves the focus on it, so a second Space picks
/// the same date.
#[test]
fn a_preset_keeps_the_focus() {
    let mut g = gui(|_, _, _| {});
    g.open_new_connection();
    // Server/Data Center: no expiry until the user picks one.
    assert_eq!(g.field_value(Role::TextInput, "Token expires"), "");
    g.focus(Role::Button, "In 90 days");
    g.press(Key::Space);
    assert!(
        g.focused(Role::Button, "In 90 days"),
        "the focus stays on the preset; it is on {:?}",
        g.focus_label()
    );
    let in_90 = today_utc().checked_add(jiff::Span::new().days(90)).unwrap();
    assert_eq!(
        g.field_value(Role::TextInput, "Token expires"),
        in_90.to_string()
    );
}

/// The calendar opens under the field: the arrow keys move over its days, Enter picks one,
/// and Esc closes the calendar and nothing else.
#[test]
fn the_calendar_works_by_keys_and_esc_closes_only_it() {
    let mut g = gui(|_, _, _| {});
    g.open_new_connection();
    g.fill_cloud_form(TOKEN);
    let year = one_year_from_today();
    assert_eq!(
        g.field_value(Role::TextInput, "Token expires"),
        year.to_string(),
        "the field shows the chosen date"
    );
    g.focus(Role::Button, "Calendar");
    g.press(Key::Space);
    assert!(
        g.focused(Role::Button, &date_words(year)),
        "the calendar opens on the chosen day, named by its full date; focus is on {:?}",
        g.focus_label()
    );
    g.press(Key::ArrowRight);
    g.press(Key::ArrowDown);
    let picked = year.checked_add(jiff::Span::new().days(8)).unwrap();
    assert!(
        g.focused(Role::Button, &date_words(picked)),
        "Right and Down move a day and a week; focus is on {:?}",
        g.focus_label()
    );
    g.press(Key::Escape);
    assert!(
        g.harness.state().dialog_open(),
        "Esc closed the calendar only"
    );
    assert!(g.harness.query_by_label(&date_words(picked)).is_none());
    assert_eq!(g.field_value(Role::TextInput, "Jira URL"), g.jira.uri());
    assert_eq!(
        g.field_value(Role::TextInput, "Token expires"),
        year.to_string(),
        "Esc changes nothing"
    );
    // Again, and pick the day with Enter.
    g.focus(Role::Button, "Calendar");
    g.press(Key::Enter);
    g.press(Key::ArrowRight);
    g.press(Key::ArrowDown);
    g.press(Key::Enter);
    assert!(
        g.harness.state().dialog_open(),
        "Enter on a day picks it only"
    );
    assert_eq!(
        g.field_value(Role::TextInput, "Token expires"),
        picked.to_string()
    );
    g.click("Save");
    g.until("the dialog closes", |h| !h.state().dialog_open());
    assert_eq!(
        g.harness.state().rows()[0].connection().token_expires,
        Some(picked)
    );
}

/// The date can be typed; text that is no date is refused at the field, which tells why.
#[test]
fn the_expiry_date_can_be_typed() {
    let mut g = gui(|_, _, _| {});
    g.open_new_connection();
    g.fill_cloud_form(TOKEN);
    g.type_into(Role::TextInput, "Token expires", "31/12/2027");
    g.click("Save");
    g.settle();
    assert!(g.harness.state().dialog_open(), "no date, no save");
    let field = g
        .harness
        .get_by_role_and_label(Role::TextInput, "Token expires");
    let description = field.accesskit_node().description().unwrap_or_default();
    assert!(
        description.contains("YYYY-MM-DD"),
        "the field tells why: {description:?}"
    );
    let date = today_utc()
        .checked_add(jiff::Span::new().days(100))
        .unwrap();
    g.type_into(Role::TextInput, "Token expires", &date.to_string());
    g.click("Save");
    g.until("the dialog closes", |h| !h.state().dialog_open());
    assert_eq!(
        g.harness.state().rows()[0].connection().token_expires,
        Some(date)
    );
}

/// Esc with typed input keeps it for the next open, and says the token must be pasted again.
#[test]
fn esc_keeps_what_was_typed_until_the_next_open() {
    let mut g = gui(|_, _, _| {});
    g.open_new_connection();
    g.type_into(Role::TextInput, "Jira URL", "jira.corp.example");
    g.type_into(Role::TextInput, "Username", "mia");
    g.type_into(Role::PasswordInput, "Personal access token", "s3cret-token");
    g.press(Key::Escape);
    assert!(!g.harness.state().dialog_open());
    g.open_new_connection();
    g.harness.step();
    assert_eq!(
        g.field_value(Role::TextInput, "Jira URL"),
        "jira.corp.example"
    );
    assert_eq!(g.field_value(Role::TextInput, "Username"), "mia");
    assert!(g.shows("The token was not kept"));
    assert!(!g.shows("s3cret-token"));
    // An empty dialog leaves nothing behind.
    for label in ["Jira URL", "Name", "Username"] {
        g.focus(Role::TextInput, label);
        g.press_with(Modifiers::COMMAND, Key::A);
        g.press(Key::Backspace);
    }
    g.press(Key::Escape);
    g.open_new_connection();
    assert!(!g.shows("The token was not kept"));
}

/// Tab runs left to right, as the controls read: in the dialog's footer and the top bar.
#[test]
fn focus_order_reads_left_to_right() {
    let mut g = with_saved(&["acme"]);
    g.focus(Role::Button, "New Connection");
    let top = [
        (Role::Button, "Check all"),
        (Role::CheckBox, "Check at launch"),
    ];
    for (role, label) in top {
        g.press(Key::Tab);
        assert!(
            g.focused(role, label),
            "Tab should reach {label}; focus is on {:?}",
            g.focus_label()
        );
    }
    g.focus(Role::Button, "System");
    g.press(Key::Tab);
    assert_eq!(g.focus_label().as_deref(), Some("Light"));
    g.press(Key::Tab);
    assert_eq!(g.focus_label().as_deref(), Some("Dark"));

    g.open_new_connection();
    g.focus(Role::Button, "Cancel");
    g.press(Key::Tab);
    assert!(g.focused(Role::Button, "Test"), "{:?}", g.focus_label());
    g.press(Key::Tab);
    assert!(g.focused(Role::Button, "Save"), "{:?}", g.focus_label());
}

/// A dialog closed with Esc gives the focus back to the control that opened it.
#[test]
fn closing_a_dialog_gives_the_focus_back() {
    let mut g = with_saved(&["acme"]);
    g.focus(Role::Button, "Replace token");
    g.press(Key::Enter);
    assert!(g.harness.state().dialog_open());
    g.press(Key::Escape);
    assert!(!g.harness.state().dialog_open());
    assert!(
        g.focused(Role::Button, "Replace token"),
        "focus is on {:?}",
        g.focus_label()
    );
}

/// The "No web browser" box takes the focus, reads left to right, and Esc dismisses it.
#[test]
fn the_no_browser_box_takes_the_focus_and_esc_dismisses_it() {
    let mut g = with_saved(&["acme"]);
    g.no_browser.store(true, Ordering::SeqCst);
    g.focus(Role::Button, "Open token page");
    g.press(Key::Enter);
    g.until("the address is shown", |h| {
        h.state().notice_link().is_some()
    });
    g.settle();
    assert!(
        g.focused(Role::Button, "Copy link"),
        "focus is on {:?}",
        g.focus_label()
    );
    g.press_with(Modifiers::SHIFT, Key::Tab);
    assert!(
        g.focused(Role::Button, "Dismiss"),
        "Shift+Tab from Copy link goes to Dismiss, left of it; focus is on {:?}",
        g.focus_label()
    );
    g.press(Key::Escape);
    assert_eq!(g.harness.state().notice_link(), None);
    assert!(!g.harness.state().dialog_open());
    assert!(
        g.focused(Role::Button, "Open token page"),
        "focus goes back; it is on {:?}",
        g.focus_label()
    );
}

/// The window and each dialog are named by their titles, the expiry field exposes its date,
/// and an error is tied to its field.
#[test]
fn names_values_and_errors_reach_assistive_technology() {
    let mut g = gui(|_, _, _| {});
    assert_eq!(
        g.harness.root().accesskit_node().label().as_deref(),
        Some("jira-connect")
    );
    g.open_new_connection();
    g.harness.step();
    assert!(
        g.harness
            .query_by_role_and_label(Role::Dialog, "New Connection")
            .is_some(),
        "the dialog is named by its title"
    );
    g.click("Jira Cloud");
    assert_eq!(
        g.field_value(Role::TextInput, "Token expires"),
        one_year_from_today().to_string()
    );
    g.focus(Role::TextInput, "Jira URL");
    g.press(Key::Enter);
    let url = g.harness.get_by_role_and_label(Role::TextInput, "Jira URL");
    let description = url.accesskit_node().description().unwrap_or_default();
    assert!(
        !description.is_empty() && g.shows(&description),
        "the URL field carries its error: {description:?}"
    );
}

/// A result shown as a toast is a live region, so a screen reader announces it.
#[test]
fn toasts_are_announced() {
    let mut g = gui(|_, _, _| {});
    g.open_new_connection();
    g.fill_cloud_form(TOKEN);
    g.click("Save");
    g.until("the dialog closes", |h| !h.state().dialog_open());
    g.settle();
    let toast = g
        .harness
        .get_by(|n| n.role() == Role::Label && n.value().is_some_and(|l| l.starts_with("Saved ")));
    assert_eq!(toast.accesskit_node().live(), Live::Polite);
}

/// A name too long for the list ends in "…"; hovering shows it whole.
#[test]
fn long_names_are_elided_and_shown_whole_on_hover() {
    // The longest name allowed: 64 characters.
    let long = "a-connection-name-far-too-long-for-the-list-on-the-left-00000064";
    assert_eq!(long.len(), 64);
    let mut g = with_saved(&[long]);
    let named = |g: &Gui| g.harness.query_all_by_label(long).count();
    let before = named(&g);
    let row = g
        .harness
        .get_by(|n| n.role() == Role::ListItem && n.label().is_some_and(|l| l.contains(long)));
    row.hover();
    for _ in 0..60 {
        g.harness.step();
    }
    assert_eq!(named(&g), before + 1, "the full name shows on hover");
}

/// In the default window, New Connection with errors showing keeps its buttons in view.
#[test]
fn the_dialogs_buttons_stay_in_the_window() {
    let mut g = gui(|_, _, _| {});
    g.harness.set_size(egui::vec2(980.0, 640.0));
    g.open_new_connection();
    // Plain http to a remote host: the dialog adds a box, and Save shows a long error.
    g.type_into(Role::TextInput, "Jira URL", "http://jira.corp.example/jira");
    g.type_into(Role::TextInput, "CA certificate", "/nowhere/ca.pem");
    g.focus(Role::TextInput, "Jira URL");
    g.press(Key::Enter);
    g.settle();
    assert!(g.shows("Allow plain http://"));
    let save = g.harness.get_by_role_and_label(Role::Button, "Save").rect();
    assert!(save.bottom() <= 640.0, "Save is in the window: {save:?}");
    // The form scrolls to what takes the focus: the calendar's day, under the fold.
    g.focus(Role::Button, "Calendar");
    g.press(Key::Space);
    g.settle();
    let today = date_words(today_utc());
    assert!(g.focused(Role::Button, &today), "{:?}", g.focus_label());
    let day = g.harness.get_by_role_and_label(Role::Button, &today).rect();
    assert!(
        day.bottom() <= save.top(),
        "the focused day is scrolled into view: {day:?}, Save at {save:?}"
    );
}
