//! What the app remembers between launches: the window's size and place (eframe saves those
//! itself), the selected connection's id and the theme the user picked. All in `window.ron` in the config directory, next
//! to `connections.toml`, so that `JIRA_CONNECT_CONFIG_DIR` moves it too and tests never write
//! into the real user's directories. It holds no secret and no connection details: egui's
//! own memory (text field state, popups) is not saved.

use std::path::{Path, PathBuf};

use crate::core::connection::ConnectionId;

/// The file, in the config directory.
pub const FILE_NAME: &str = "window.ron";

/// The key of the selected connection's id.
pub const SELECTED_KEY: &str = "selected_connection";

/// The key of the theme the user picked: System, Light or Dark.
pub const THEME_KEY: &str = "theme";

/// Where eframe keeps the window state for the config directory `config_dir`.
pub fn path(config_dir: &Path) -> PathBuf {
    config_dir.join(FILE_NAME)
}

/// The connection that was selected when the app last closed. `None` without storage, as
/// under test.
pub fn selected(storage: Option<&dyn eframe::Storage>) -> Option<ConnectionId> {
    eframe::get_value(storage?, SELECTED_KEY)
}

/// Remembers the selected connection, or that none was.
pub fn save_selected(storage: &mut dyn eframe::Storage, selected: Option<&ConnectionId>) {
    match selected {
        Some(id) => eframe::set_value(storage, SELECTED_KEY, id),
        None => storage.remove_string(SELECTED_KEY),
    }
}

/// The theme the user picked last time, if any.
pub fn theme(storage: Option<&dyn eframe::Storage>) -> Option<egui::ThemePreference> {
    eframe::get_value(storage?, THEME_KEY)
}

/// Remembers the theme the user picked.
pub fn save_theme(storage: &mut dyn eframe::Storage, theme: egui::ThemePreference) {
    eframe::set_value(storage, THEME_KEY, &theme);
}
