//! Small widgets shared by the windows: status dots and badges, avatars, the theme switch,
//! and the colours that stay readable in light and dark themes. Form pieces are in
//! [`crate::ui::form`].

use egui::{Color32, RichText, Sense, Stroke, Ui, vec2};

use crate::core::connection::Status;

/// Space between form rows and between sections.
pub(crate) const GAP: f32 = 8.0;
/// Width of the label column in forms and detail grids.
pub(crate) const LABEL_WIDTH: f32 = 120.0;

/// Semantic colours, in a light and a dark variant each (GitHub Primer's palette, which is
/// tuned for contrast on both backgrounds).
pub(crate) struct Palette {
    pub ok: Color32,
    pub warn: Color32,
    pub bad: Color32,
    pub muted: Color32,
}

pub(crate) fn palette(ui: &Ui) -> Palette {
    if ui.visuals().dark_mode {
        Palette {
            ok: Color32::from_rgb(0x3f, 0xb9, 0x50),
            warn: Color32::from_rgb(0xd2, 0x99, 0x22),
            bad: Color32::from_rgb(0xf8, 0x51, 0x49),
            muted: Color32::from_rgb(0x8b, 0x94, 0x9e),
        }
    } else {
        Palette {
            ok: Color32::from_rgb(0x1a, 0x7f, 0x37),
            warn: Color32::from_rgb(0x9a, 0x67, 0x00),
            bad: Color32::from_rgb(0xcf, 0x22, 0x2e),
            muted: Color32::from_rgb(0x6e, 0x77, 0x81),
        }
    }
}

/// How a status is drawn: its colour, and whether the dot is hollow.
pub(crate) fn status_look(ui: &Ui, status: Status) -> (Color32, bool) {
    let p = palette(ui);
    match status {
        Status::Valid => (p.ok, false),
        Status::ExpiringSoon => (p.warn, false),
        Status::Expired | Status::Rejected | Status::Error | Status::SecretMissing => {
            (p.bad, false)
        }
        Status::Unreachable => (p.muted, false),
        Status::Unchecked => (p.muted, true),
    }
}

/// The words for a status, as the badge shows them.
pub fn status_text(status: Status) -> &'static str {
    match status {
        Status::Valid => "Valid",
        Status::ExpiringSoon => "Expiring soon",
        Status::Expired => "Expired",
        Status::Rejected => "Rejected",
        Status::Unreachable => "Unreachable",
        Status::Error => "Error",
        Status::Unchecked => "Unchecked",
        Status::SecretMissing => "Token missing",
    }
}

pub(crate) fn paint_dot(ui: &Ui, center: egui::Pos2, status: Status, diameter: f32) {
    let (color, hollow) = status_look(ui, status);
    let radius = diameter / 2.0;
    if hollow {
        ui.painter()
            .circle_stroke(center, radius - 1.0, Stroke::new(1.5, color));
    } else {
        ui.painter().circle_filled(center, radius, color);
    }
}

/// A dot and the status in words, in the status colour; a spinner while checking.
/// Drawn as one widget, so it reads the same in any layout direction.
pub(crate) fn status_badge(ui: &mut Ui, status: Status, checking: bool) -> egui::Response {
    let (text, color) = if checking {
        ("Checking…", palette(ui).muted)
    } else {
        (status_text(status), status_look(ui, status).0)
    };
    let font = egui::TextStyle::Body.resolve(ui.style());
    let galley = ui.painter().layout_no_wrap(text.to_string(), font, color);
    let dot = 10.0;
    let gap = 6.0;
    let size = vec2(dot + gap + galley.size().x, galley.size().y.max(dot));
    let (rect, response) = ui.allocate_exact_size(size, Sense::hover());
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Status, true, text));
    let dot_center = egui::pos2(rect.left() + dot / 2.0, rect.center().y);
    if checking {
        egui::Spinner::new().size(dot + 2.0).paint_at(
            ui,
            egui::Rect::from_center_size(dot_center, vec2(dot + 2.0, dot + 2.0)),
        );
    } else {
        paint_dot(ui, dot_center, status, dot);
    }
    let text_pos = egui::pos2(
        rect.left() + dot + gap,
        rect.center().y - galley.size().y / 2.0,
    );
    ui.painter().galley(text_pos, galley, color);
    response
}

/// A left-aligned label of fixed width, so that the second column lines up.
pub(crate) fn column_label(ui: &mut Ui, text: RichText) -> egui::Id {
    let size = vec2(LABEL_WIDTH, ui.spacing().interact_size.y);
    ui.allocate_ui_with_layout(
        size,
        egui::Layout::left_to_right(egui::Align::Center),
        |ui| {
            ui.set_min_size(size);
            ui.label(text).id
        },
    )
    .inner
}

/// A row of buttons aligned to the right, one line high. Add them left to right, as they
/// read: the Tab order is the order they are added in.
pub(crate) fn button_row(ui: &mut Ui, add: impl FnOnce(&mut Ui)) {
    let height = ui.spacing().interact_size.y;
    ui.horizontal(|ui| {
        ui.set_min_height(height);
        right_aligned(ui, add);
    });
}

/// Widgets added left to right, in reading and Tab order, and pushed to the right end of a
/// horizontal `ui`. Their width is measured as they are drawn; when it changes, the frame
/// is drawn again at once, so the row never shows out of place.
pub(crate) fn right_aligned(ui: &mut Ui, add: impl FnOnce(&mut Ui)) {
    let id = ui.scope_id().with("right-aligned");
    let width: f32 = ui.data(|d| d.get_temp(id)).unwrap_or(0.0);
    ui.add_space((ui.available_width() - width).max(0.0));
    let start = ui.cursor().left();
    add(ui);
    let used = ui.min_rect().right() - start;
    if (used - width).abs() > 0.5 {
        ui.data_mut(|d| d.insert_temp(id, used));
        ui.ctx()
            .request_discard("a right-aligned row changed width");
    }
}

/// Scrolls the enclosing scroll area to the control that has just taken the keyboard focus,
/// when that control is in `ui`; call it at the end of the scroll area's content.
pub(crate) fn scroll_to_focus(ui: &mut Ui) {
    let Some(id) = ui.memory(|m| m.focused()) else {
        return;
    };
    let Some(response) = ui.ctx().read_response(id) else {
        return;
    };
    if response.gained_focus() && ui.min_rect().contains_rect(response.rect) {
        ui.scroll_to_rect(response.rect.expand(4.0), None);
    }
}

/// Makes a message a live region, so that a screen reader announces it when it appears:
/// politely for a result, at once for a failure.
pub(crate) fn announce(ui: &Ui, message: &egui::Response, urgent: bool) {
    let live = if urgent {
        egui::accesskit::Live::Assertive
    } else {
        egui::accesskit::Live::Polite
    };
    ui.ctx()
        .accesskit_node_builder(message.id, |node| node.set_live(live));
}

/// Follow the system theme, or force light or dark.
pub(crate) fn theme_switch(ui: &mut Ui) {
    use egui::ThemePreference;
    let mut preference = ui.ctx().options(|o| o.theme_preference);
    let before = preference;
    ui.label(RichText::new("Theme").color(palette(ui).muted));
    for (value, text) in [
        (ThemePreference::System, "System"),
        (ThemePreference::Light, "Light"),
        (ThemePreference::Dark, "Dark"),
    ] {
        ui.selectable_value(&mut preference, value, text);
    }
    if preference != before {
        ui.ctx().set_theme(preference);
    }
}

/// Initials for an avatar: the first grapheme (what a reader sees as one letter, with its
/// accents) of each of the first two words, in upper case where the script has one.
pub(crate) fn initials(name: &str) -> String {
    use unicode_segmentation::UnicodeSegmentation as _;
    name.split_whitespace()
        .filter_map(|w| w.graphemes(true).next())
        .take(2)
        .flat_map(str::chars)
        .flat_map(char::to_uppercase)
        .collect()
}

/// A round avatar with initials.
pub(crate) fn avatar(ui: &mut Ui, name: &str, diameter: f32) {
    let (rect, _) = ui.allocate_exact_size(vec2(diameter, diameter), Sense::hover());
    let fill = if ui.visuals().dark_mode {
        Color32::from_rgb(0x1f, 0x4f, 0x9c)
    } else {
        Color32::from_rgb(0xdd, 0xe8, 0xfb)
    };
    let text = if ui.visuals().dark_mode {
        Color32::WHITE
    } else {
        Color32::from_rgb(0x0b, 0x3d, 0x91)
    };
    ui.painter()
        .circle_filled(rect.center(), diameter / 2.0, fill);
    ui.painter().text(
        rect.center(),
        egui::Align2::CENTER_CENTER,
        initials(name),
        egui::FontId::proportional(diameter * 0.4),
        text,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_take_two_words() {
        assert_eq!(initials("Mia Krystof"), "MK");
        assert_eq!(initials("mia"), "M");
        assert_eq!(initials("Anna Maria Lopez"), "AM");
        assert_eq!(initials(""), "");
    }

    #[test]
    fn initials_take_whole_graphemes_in_any_script() {
        assert_eq!(initials("山田太郎"), "山");
        assert_eq!(initials("김민준"), "김");
        // Hangul written as conjoining jamo: one syllable, three chars.
        assert_eq!(
            initials("\u{1100}\u{1175}\u{11B7}\u{1106}\u{1175}\u{11AB}"),
            "\u{1100}\u{1175}\u{11B7}"
        );
        // An accent written as a combining mark stays on its letter.
        assert_eq!(initials("e\u{301}mile zola"), "E\u{301}Z");
        assert_eq!(initials("محمد علي"), "مع");
        assert_eq!(initials("👩\u{200D}💻 dev"), "👩\u{200D}💻D");
    }
}
