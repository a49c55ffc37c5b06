//! The menu bar (Connection, View, Help) and the keyboard shortcuts it lists. A menu item
//! pushes the same [`Command`] as its button or its keys, and the menu shows the keys from
//! the same constants the shortcuts are matched with, so the two cannot drift apart.

use egui::accesskit::Role;
use egui::{Key, KeyboardShortcut, Modifiers, ThemePreference, Ui, WidgetInfo};

use crate::core::connection::CLOUD_TOKEN_PAGE;
use crate::ui::{Command, about, diagnostics};

pub(crate) const NEW_JIRA: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::N);
pub(crate) const NEW_CONFLUENCE: KeyboardShortcut =
    KeyboardShortcut::new(Modifiers::COMMAND.plus(Modifiers::SHIFT), Key::N);
pub(crate) const CHECK_ALL: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::R);
pub(crate) const QUIT: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::Q);

/// The keys that work anywhere in the main window. While a dialog is open only Quit works;
/// Esc is left to the dialog, which closes what is innermost (see `App::escape`), and the
/// About box closes itself on Esc.
pub(crate) fn shortcuts(
    ui: &mut Ui,
    dialog_open: bool,
    about_open: bool,
    commands: &mut Vec<Command>,
) {
    ui.input_mut(|i| {
        if i.consume_shortcut(&QUIT) {
            commands.push(Command::Quit);
        }
        if about_open {
            return;
        }
        if dialog_open {
            return;
        }
        // Ctrl+N also matches Ctrl+Shift+N, so the longer one goes first.
        if i.consume_shortcut(&NEW_CONFLUENCE) {
            commands.push(Command::NewConfluenceConnection);
        }
        if i.consume_shortcut(&NEW_JIRA) {
            commands.push(Command::NewConnection);
        }
        if i.consume_shortcut(&CHECK_ALL) {
            commands.push(Command::CheckAll);
        }
    });
}

/// The menu bar, in its own strip above the top bar. Its side margin and padding are the
/// top bar's, so each title's highlight and text line up with the buttons below.
pub(crate) fn bar(ui: &mut Ui, can_check_all: bool, commands: &mut Vec<Command>) {
    egui::Panel::top("menu-bar")
        .frame(egui::Frame::side_top_panel(ui.style()).inner_margin(egui::Margin::symmetric(12, 3)))
        .show(ui, |ui| {
            egui::MenuBar::new()
                .style(bar_style)
                .config(egui::containers::menu::MenuConfig::new().style(popup_style))
                .ui(ui, |ui| {
                    title(ui, "Connection", |ui| {
                        connection_menu(ui, can_check_all, commands)
                    });
                    title(ui, "View", view_menu);
                    title(ui, "Help", |ui| help_menu(ui, commands));
                });
        });
}

/// A menu's title in the bar, or a submenu's entry in a menu: to assistive technology, a
/// menu item that opens a menu and says whether it is open.
fn title(ui: &mut Ui, text: &str, content: impl FnOnce(&mut Ui)) {
    let shown = ui.menu_button(text, content);
    let open = shown.inner.is_some();
    let response = shown.response;
    response.widget_info(|| WidgetInfo::labeled(Role::MenuItem, true, text));
    ui.ctx().accesskit_node_builder(response.id, |node| {
        node.set_has_popup(egui::accesskit::HasPopup::Menu);
        node.set_expanded(open);
    });
}

/// egui's menu style, with the top bar's button padding.
fn bar_style(style: &mut egui::Style) {
    egui::containers::menu::menu_style(style);
    style.spacing.button_padding = egui::vec2(10.0, 2.0);
    style.spacing.item_spacing.x = 0.0;
}

/// egui's menu style, with room around each entry so that a menu is easy to aim at.
fn popup_style(style: &mut egui::Style) {
    egui::containers::menu::menu_style(style);
    style.spacing.button_padding = egui::vec2(8.0, 3.0);
}

fn connection_menu(ui: &mut Ui, can_check_all: bool, commands: &mut Vec<Command>) {
    ui.set_min_width(250.0);
    if item(ui, "New Jira Connection…", Some(NEW_JIRA), true) {
        commands.push(Command::NewConnection);
    }
    if item(ui, "New Confluence Connection…", Some(NEW_CONFLUENCE), true) {
        commands.push(Command::NewConfluenceConnection);
    }
    ui.separator();
    if item(ui, "Check all", Some(CHECK_ALL), can_check_all) {
        commands.push(Command::CheckAll);
    }
    ui.separator();
    if item(ui, "Quit", Some(QUIT), true) {
        commands.push(Command::Quit);
    }
}

fn view_menu(ui: &mut Ui) {
    ui.set_min_width(140.0);
    title(ui, "Theme", |ui| {
        ui.set_min_width(110.0);
        let current = ui.ctx().options(|o| o.theme_preference);
        for (value, text) in [
            (ThemePreference::System, "System"),
            (ThemePreference::Light, "Light"),
            (ThemePreference::Dark, "Dark"),
        ] {
            let selected = current == value;
            let response = ui.radio(selected, text);
            response
                .widget_info(|| WidgetInfo::selected(Role::MenuItemRadio, true, selected, text));
            if response.clicked() && !selected {
                ui.ctx().set_theme(value);
            }
        }
    });
}

fn help_menu(ui: &mut Ui, commands: &mut Vec<Command>) {
    ui.set_min_width(200.0);
    if item(ui, "Atlassian API Tokens", None, true) {
        commands.push(Command::OpenUrl(CLOUD_TOKEN_PAGE.into()));
    }
    if item(ui, &format!("{}…", diagnostics::TITLE), None, true) {
        commands.push(Command::Diagnostics);
    }
    ui.separator();
    if item(ui, about::TITLE, None, true) {
        commands.push(Command::About);
    }
}

/// A menu entry, with its shortcut on the right; true when chosen. It is a menu item to
/// assistive technology, with the shortcut as its keyboard shortcut.
fn item(ui: &mut Ui, text: &str, shortcut: Option<KeyboardShortcut>, enabled: bool) -> bool {
    let keys = shortcut.map(|s| ui.ctx().format_shortcut(&s));
    let mut button = egui::Button::new(text);
    if let Some(keys) = &keys {
        button = button.shortcut_text(keys.as_str());
    }
    let response = ui.add_enabled(enabled, button);
    response.widget_info(|| WidgetInfo::labeled(Role::MenuItem, enabled, text));
    if let Some(keys) = keys {
        ui.ctx()
            .accesskit_node_builder(response.id, |node| node.set_keyboard_shortcut(keys));
    }
    response.clicked()
}
