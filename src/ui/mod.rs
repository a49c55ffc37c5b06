//! The desktop app (eframe/egui). It drives the same [`crate::core`] as the CLI.
//!
//! - [`app`]: the main window; views push [`Command`]s that are applied after drawing.
//! - [`backend`]: all IO, on a tokio runtime; results come back as events.
//! - one file per window or card: [`connection_list`], [`details`], [`new_connection`],
//!   [`replace_token`], [`rotate`], [`pick_token`], [`remove`], [`netrc`],
//!   [`import_card`], [`about`], [`diagnostics`].
//! - shared pieces: [`form`] (the dialogs' labelled rows, secret field and errors),
//!   [`widgets`], and [`style`] (spacing and type sizes in both themes).
//! - [`menu`]: the menu bar and the keyboard shortcuts it lists.
//! - [`single_instance`]: a second launch brings the running window forward instead.
//! - [`window_state`]: the window's size and place, and the selected connection, across
//!   launches.
//! - [`caret`]: the caret stops blinking when the user does nothing, so idle costs nothing.
//! - [`first_frame`]: the time to the first frame, for the start-up benchmark.
//! - [`fonts`]: the system's fonts behind the bundled ones, for text in any script.

pub mod about;
pub mod app;
pub mod backend;
pub mod caret;
pub mod connection_list;
pub(crate) mod date_field;
pub mod details;
pub(crate) mod diagnostics;
pub mod first_frame;
pub mod fonts;
pub mod form;
pub mod import_card;
pub mod menu;
pub mod netrc;
pub mod new_connection;
pub mod pick_token;
pub mod remove;
pub mod replace_token;
pub mod rotate;
pub mod single_instance;
pub mod style;
pub mod widgets;
pub mod window_state;

use std::process::ExitCode;
use std::sync::Arc;

pub use app::{App, Command, Row};

/// The main window's title, and its name to assistive technology.
pub const WINDOW_TITLE: &str = "jira-connect";

use crate::core::jira::DEFAULT_TIMEOUT;
use crate::core::secrets::LazyPlatformStore;
use crate::core::service::Connections;

/// The window icon; the Linux package installs the same picture from `assets/icon.svg`.
pub const ICON_PNG: &[u8] = include_bytes!("../../assets/icon.png");

/// `JIRA_CONNECT_THEME=light|dark|system` overrides the theme, which otherwise follows the
/// system.
fn theme_from_env() -> Option<egui::ThemePreference> {
    match std::env::var("JIRA_CONNECT_THEME").ok()?.as_str() {
        "light" => Some(egui::ThemePreference::Light),
        "dark" => Some(egui::ThemePreference::Dark),
        "system" => Some(egui::ThemePreference::System),
        _ => None,
    }
}

/// Lets every thread of the window process allocate from one glibc malloc arena.
///
/// The window allocates on its UI thread; the backend's threads allocate in bursts, such as
/// parsing 1,000 connections at launch. With an arena of their own (glibc's default is one
/// per thread, up to eight per core), what a burst frees stays in that thread's arena,
/// where nothing else reuses it; in the one shared arena, the window's next frames do.
/// Measured idle RSS with 1,000 connections: about 1 MiB less (BENCHMARKS.md). The
/// threads contend for one lock, which a window and a few network tasks never notice. The
/// CLI keeps glibc's default.
fn share_one_malloc_arena() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes a malloc setting, and runs before this process starts
    // any thread of its own.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 1);
    }
}

/// Opens the desktop app, with the connection named `select` selected and, if
/// `new_connection`, the New Connection dialog showing; returns when its window closes.
pub fn run(select: Option<String>, new_connection: bool) -> ExitCode {
    share_one_malloc_arena();
    let svc = match Connections::open(DEFAULT_TIMEOUT, Arc::new(LazyPlatformStore::new())) {
        Ok(svc) => Arc::new(svc),
        Err(e) => {
            eprintln!("X {}", e.sentence());
            return ExitCode::from(1);
        }
    };
    // The window state lives in the config directory, which has to exist, private, before
    // eframe or the single-instance lock write there.
    if let Err(e) = svc.config().ensure_dir() {
        eprintln!("X {}", e.sentence());
        return ExitCode::from(1);
    }
    let request = single_instance::Request {
        select: select.clone(),
        new_connection,
    };
    let mut instance = match single_instance::launch(svc.config().dir(), request) {
        Ok(instance) => instance,
        Err(handed_over) => return handed_over,
    };
    let requests = instance.take_requests();
    let waker = instance.waker();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("jira-connect-io")
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("X cannot start the background worker: {e}");
            return ExitCode::from(1);
        }
    };
    let mut viewport = egui::ViewportBuilder::default()
        .with_title(WINDOW_TITLE)
        .with_app_id(crate::core::APP_ID)
        .with_inner_size([980.0, 640.0])
        .with_min_inner_size([720.0, 460.0]);
    match eframe::icon_data::from_png_bytes(ICON_PNG) {
        Ok(icon) => viewport = viewport.with_icon(icon),
        Err(e) => tracing::warn!(error = %e, "window icon not loaded"),
    }
    let options = eframe::NativeOptions {
        viewport,
        persist_window: true,
        persistence_path: Some(window_state::path(svc.config().dir())),
        // The app adds the system's fonts itself, listed only once a character needs them.
        system_font_fallback: false,
        ..Default::default()
    };
    let handle = runtime.handle().clone();
    let result = eframe::run_native(
        "jira-connect",
        options,
        Box::new(move |cc| {
            waker.wake(&cc.egui_ctx);
            let mut app = App::new(cc, handle, svc, backend::system_opener())
                .with_selection(select)
                .with_new_connection(new_connection);
            if let Some(theme) = theme_from_env() {
                app = app.with_theme_for_this_run(theme);
            }
            if let Some(requests) = requests {
                app = app.with_requests(requests);
            }
            Ok(Box::new(app))
        }),
    );
    // Held until the window has closed: the next launch then gets the app.
    drop(instance);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("X cannot open the window: {e}");
            ExitCode::from(1)
        }
    }
}
