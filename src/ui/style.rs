//! The app's look: spacing and type sizes, the same in light and dark themes; outlines that
//! set controls apart from the background; the focus ring.

use egui::{Color32, Stroke};

/// The outline of a control at rest in the light theme (checkboxes, radio buttons, fields,
/// buttons): 4.3:1 against the light dialog background, where egui's own has no outline and
/// an unchecked box measured 1.18:1.
pub(crate) const LIGHT_OUTLINE: Color32 = Color32::from_gray(118);

/// The focus ring around whatever has the keyboard focus: at least 3:1 against the
/// background in each theme (GitHub Primer's focus blue).
pub(crate) fn focus_color(dark_mode: bool) -> Color32 {
    if dark_mode {
        Color32::from_rgb(0x58, 0xa6, 0xff)
    } else {
        Color32::from_rgb(0x09, 0x69, 0xda)
    }
}

/// Draws the focus ring around the control that has the keyboard focus, whatever it is:
/// a button, a field, a menu title, a list row or the list's resize handle. egui marks
/// focus with a change of shade that is hard to see (1.2:1 on the menu titles) or not at all.
pub(crate) fn focus_ring(ctx: &egui::Context) {
    let Some(id) = ctx.memory(|m| m.focused()) else {
        return;
    };
    let Some(response) = ctx.read_response(id) else {
        return;
    };
    let dark = ctx.global_style().visuals.dark_mode;
    ctx.layer_painter(response.layer_id).rect_stroke(
        response.rect,
        4.0,
        Stroke::new(2.0, focus_color(dark)),
        egui::StrokeKind::Outside,
    );
}

/// Spacing and type sizes for the whole app, in both themes.
pub(crate) fn setup_style(ctx: &egui::Context) {
    use egui::{FontFamily, FontId, TextStyle};
    ctx.all_styles_mut(|style| {
        style.spacing.item_spacing = egui::vec2(8.0, 6.0);
        style.spacing.button_padding = egui::vec2(10.0, 5.0);
        style.spacing.interact_size.y = 24.0;
        style.text_styles = [
            (
                TextStyle::Heading,
                FontId::new(20.0, FontFamily::Proportional),
            ),
            (TextStyle::Body, FontId::new(14.0, FontFamily::Proportional)),
            (
                TextStyle::Button,
                FontId::new(14.0, FontFamily::Proportional),
            ),
            (
                TextStyle::Small,
                FontId::new(12.0, FontFamily::Proportional),
            ),
            (
                TextStyle::Monospace,
                FontId::new(13.0, FontFamily::Monospace),
            ),
        ]
        .into();
    });
    ctx.style_mut_of(egui::Theme::Light, |style| {
        style.visuals.widgets.inactive.bg_stroke = Stroke::new(1.0, LIGHT_OUTLINE);
    });
}
