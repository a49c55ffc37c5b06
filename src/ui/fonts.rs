//! Text in any script. The bundled fonts (egui's) cover Latin, Greek and Cyrillic; for any
//! other character, such as Japanese, Korean or Chinese in a name from Jira, the system's own
//! fonts are asked: fontconfig on Linux, DirectWrite on Windows, CoreText on macOS. The
//! bundled fonts stay first.
//!
//! Nothing is looked up until a character is missing: a window that shows only Latin text
//! never lists the system's fonts, so start-up costs the same as without the fallback. The
//! first missing character lists them (on a background thread, waited for once), and each
//! font found is added to the fallback chain for good.

use std::sync::{Arc, OnceLock};

use egui::{FallbackRequest, FontInsert, FontProvider};
use egui_system_font_provider::SystemFontProvider;

/// The system's fonts, listed on first use.
#[derive(Default)]
pub struct SystemFallback {
    fonts: OnceLock<SystemFontProvider>,
}

impl SystemFallback {
    /// True once a missing character made it list the system's fonts.
    pub fn listed(&self) -> bool {
        self.fonts.get().is_some()
    }
}

impl FontProvider for SystemFallback {
    fn font_for(&self, request: &FallbackRequest<'_>) -> Option<FontInsert> {
        self.fonts
            .get_or_init(SystemFontProvider::new)
            .font_for(request)
    }
}

/// Adds the system fonts behind the bundled ones in `ctx`, and returns the provider so that
/// tests can see whether it was used.
pub fn install(ctx: &egui::Context) -> Arc<SystemFallback> {
    let fallback = Arc::new(SystemFallback::default());
    ctx.add_font_provider(fallback.clone());
    fallback
}
