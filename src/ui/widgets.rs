//! Small widgets shared by the windows: status dots and badges, labelled form rows, the
//! masked secret field, and the colours that stay readable in light and dark themes.

use egui::{Color32, RichText, Sense, Stroke, Ui, vec2};
use jiff::civil::Date;
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use crate::core::Error;
use crate::core::connection::Status;

/// Space between form rows and between sections.
pub const GAP: f32 = 8.0;
/// Width of the label column in forms and detail grids.
pub const LABEL_WIDTH: f32 = 120.0;

/// Semantic colours, in a light and a dark variant each (GitHub Primer's palette, which is
/// tuned for contrast on both backgrounds).
pub struct Palette {
    pub ok: Color32,
    pub warn: Color32,
    pub bad: Color32,
    pub muted: Color32,
}

pub fn palette(ui: &Ui) -> Palette {
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
pub fn status_look(ui: &Ui, status: Status) -> (Color32, bool) {
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

/// A status dot of the given diameter.
pub fn status_dot(ui: &mut Ui, status: Status, diameter: f32) {
    let (rect, _) = ui.allocate_exact_size(vec2(diameter, diameter), Sense::hover());
    paint_dot(ui, rect.center(), status, diameter);
}

pub fn paint_dot(ui: &Ui, center: egui::Pos2, status: Status, diameter: f32) {
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
pub fn status_badge(ui: &mut Ui, status: Status, checking: bool) -> egui::Response {
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

/// A left-aligned label in the form's label column; returns its id for `labelled_by`.
pub fn form_label(ui: &mut Ui, text: &str) -> egui::Id {
    column_label(ui, RichText::new(text))
}

/// A left-aligned label of fixed width, so that the second column lines up.
pub fn column_label(ui: &mut Ui, text: RichText) -> egui::Id {
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

/// An error or hint shown under a field, in the form's second column.
pub fn field_message(ui: &mut Ui, text: &str, color: Color32) {
    ui.label(""); // label column
    ui.add(egui::Label::new(RichText::new(text).color(color).small()).wrap());
    ui.end_row();
}

/// A secret being typed: a masked field with a Show toggle, whose buffer is wiped when
/// the secret leaves it, and given back if the operation that took it fails.
#[derive(Default)]
pub struct SecretInput {
    buffer: Zeroizing<String>,
    show: bool,
    /// The secret handed to an operation, kept to give it back to the field on failure.
    taken: Option<SecretString>,
    widget: Option<egui::Id>,
}

impl SecretInput {
    /// The field, labelled by `label_id`, `width` wide including the toggle.
    pub fn ui(&mut self, ui: &mut Ui, label_id: egui::Id, width: f32) -> egui::Response {
        let response = ui
            .horizontal(|ui| {
                let toggle_width = 56.0;
                let edit = egui::TextEdit::singleline(&mut *self.buffer)
                    .password(!self.show)
                    .desired_width(width - toggle_width - ui.spacing().item_spacing.x);
                let response = ui.add(edit).labelled_by(label_id);
                let toggle = if self.show { "Hide" } else { "Show" };
                if ui
                    .add_sized(
                        [toggle_width, ui.spacing().interact_size.y],
                        egui::Button::new(toggle),
                    )
                    .on_hover_text("Show or hide what you typed")
                    .clicked()
                {
                    self.show = !self.show;
                }
                response
            })
            .inner;
        self.widget = Some(response.id);
        response
    }

    /// A copy of the secret, for a check that leaves it in the field.
    pub fn peek(&self) -> SecretString {
        SecretString::from(self.buffer.as_str())
    }

    /// Moves the secret out of the field, leaving nothing behind in the buffer.
    pub fn take(&mut self) -> SecretString {
        let secret = SecretString::from(std::mem::take(&mut *self.buffer));
        self.taken = Some(secret.clone());
        secret
    }

    /// The operation that took the secret failed: put it back for the user to correct.
    pub fn give_back(&mut self) {
        if let Some(secret) = self.taken.take() {
            self.buffer.clear();
            self.buffer.push_str(secret.expose_secret());
        }
    }

    /// The operation that took the secret succeeded: drop the copy.
    pub fn settle(&mut self) {
        self.taken = None;
    }

    /// Wipes the secret and egui's copy of the field's state (cursor and undo history,
    /// which holds earlier versions of the text).
    pub fn forget(&mut self, ctx: &egui::Context) {
        self.buffer.clear();
        self.taken = None;
        if let Some(id) = self.widget {
            forget_text_state(ctx, id);
        }
    }
}

/// Parses an optional `YYYY-MM-DD` field.
pub fn parse_expiry(text: &str) -> Result<Option<Date>, String> {
    match text.trim() {
        "" => Ok(None),
        text => text
            .parse::<Date>()
            .map(Some)
            .map_err(|_| "Use the form YYYY-MM-DD, for example 2027-11-22".to_string()),
    }
}

/// A row of buttons aligned to the right, one line high; add them right to left.
pub fn button_row(ui: &mut Ui, add: impl FnOnce(&mut Ui)) {
    let row = vec2(ui.available_width(), ui.spacing().interact_size.y);
    ui.allocate_ui_with_layout(row, egui::Layout::right_to_left(egui::Align::Center), add);
}

/// Forgets egui's own copy of a text field's state (cursor and undo history), which would
/// otherwise keep earlier versions of a secret in memory after the field is gone.
fn forget_text_state(ctx: &egui::Context, id: egui::Id) {
    ctx.data_mut(|d| d.remove::<egui::text_edit::TextEditState>(id));
}

/// Follow the system theme, or force light or dark.
pub fn theme_switch(ui: &mut Ui) {
    use egui::ThemePreference;
    let mut preference = ui.ctx().options(|o| o.theme_preference);
    let before = preference;
    // Laid out right to left, so the last option comes first.
    for (value, text) in [
        (ThemePreference::Dark, "Dark"),
        (ThemePreference::Light, "Light"),
        (ThemePreference::System, "System"),
    ] {
        ui.selectable_value(&mut preference, value, text);
    }
    ui.label(RichText::new("Theme").color(palette(ui).muted));
    if preference != before {
        ui.ctx().set_theme(preference);
    }
}

/// Initials for an avatar: the first letters of the first two words.
pub fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .flat_map(char::to_uppercase)
        .collect()
}

/// A round avatar with initials.
pub fn avatar(ui: &mut Ui, name: &str, diameter: f32) {
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

/// An error as the app shows it: the core's sentence, then the app's own next step where
/// the sentence leaves one to the front end.
pub fn error_text(err: &Error) -> String {
    let step = match err {
        Error::InsecureHttp { .. } => {
            Some("Tick \u{201c}Allow plain http://\u{201d} to accept that risk.")
        }
        Error::Tls { .. } => Some("On Server/Data Center, choose its file under CA certificate."),
        Error::SecretMissing { .. } => Some("Use Replace token to store a new one."),
        _ => None,
    };
    let sentence = err.sentence();
    match step {
        Some(step) => format!("{sentence}. {step}"),
        None => sentence,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_app_adds_its_own_step_and_never_a_flag() {
        let insecure = Error::InsecureHttp {
            url: "http://j.example".into(),
            host: "j.example".into(),
        };
        let text = error_text(&insecure);
        assert!(text.contains("Allow plain http://"), "{text}");
        assert!(!text.contains("--"), "{text}");
        let missing = error_text(&Error::SecretMissing { name: "a".into() });
        assert!(missing.contains("Replace token"), "{missing}");
        let cancelled = error_text(&Error::Cancelled);
        assert_eq!(cancelled, Error::Cancelled.sentence());
    }

    #[test]
    fn initials_take_two_words() {
        assert_eq!(initials("Mia Krystof"), "MK");
        assert_eq!(initials("mia"), "M");
        assert_eq!(initials("Anna Maria Lopez"), "AM");
        assert_eq!(initials(""), "");
    }

    #[test]
    fn a_taken_secret_leaves_the_buffer_and_can_come_back() {
        let mut input = SecretInput::default();
        input.buffer.push_str("s3cret");
        let taken = input.take();
        assert_eq!(taken.expose_secret(), "s3cret");
        assert!(input.buffer.is_empty());
        input.give_back();
        assert_eq!(input.buffer.as_str(), "s3cret");
        let _ = input.take();
        input.settle();
        input.give_back();
        assert!(
            input.buffer.is_empty(),
            "a settled secret is not given back"
        );
    }

    #[test]
    fn expiry_dates() {
        assert_eq!(parse_expiry(" "), Ok(None));
        assert_eq!(
            parse_expiry("2027-11-22"),
            Ok(Some(jiff::civil::date(2027, 11, 22)))
        );
        assert!(
            parse_expiry("22.11.2027")
                .unwrap_err()
                .contains("YYYY-MM-DD")
        );
        assert!(parse_expiry("2027-02-30").is_err());
    }
}
