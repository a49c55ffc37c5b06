//! The pieces the New Connection and Replace token dialogs share: labelled rows, the masked
//! secret field, the field an error belongs to, the error text with the app's own next
//! step, and the validation in flight that the user can cancel.

use egui::{Color32, RichText, Ui};
use jiff::civil::Date;
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use crate::core::Error;
use crate::core::error::InputField;
use crate::core::service::Cancel;
use crate::ui::widgets::column_label;

/// Which field an error belongs next to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Field {
    Url,
    Name,
    Login,
    Secret,
    Expires,
    Ca,
    General,
}

/// Where an error is shown in a form.
pub(crate) fn field_for(err: &Error) -> Field {
    match err {
        Error::InvalidUrl { .. }
        | Error::InsecureHttp { .. }
        | Error::NotJira { .. }
        | Error::LoginPage { .. }
        | Error::Moved { .. }
        | Error::Dns { .. }
        | Error::ConnectionRefused { .. }
        | Error::Tls { .. }
        | Error::Timeout { .. }
        | Error::Network { .. }
        | Error::ServerError { .. }
        | Error::UnexpectedStatus { .. }
        | Error::Malformed { .. }
        | Error::ResponseTooLarge { .. } => Field::Url,
        Error::DuplicateName { .. } => Field::Name,
        Error::InvalidInput { field, .. } => match field {
            InputField::Name => Field::Name,
            InputField::Email | InputField::Username => Field::Login,
            InputField::Expires => Field::Expires,
            InputField::CaCertificate => Field::Ca,
            InputField::Secret(_) | InputField::Auth => Field::Secret,
            _ => Field::General,
        },
        Error::BadCredentials { .. } | Error::Captcha { .. } | Error::Forbidden { .. } => {
            Field::Secret
        }
        _ => Field::General,
    }
}

/// A validation or save in flight.
pub(crate) struct Pending {
    pub request: u64,
    pub saving: bool,
    pub cancel: Cancel,
}

/// A dialog with a secret field and a validation that may be in flight.
pub(crate) trait SecretForm {
    fn pending_and_secret(&mut self) -> (&mut Option<Pending>, &mut SecretInput);

    /// Stops a validation in flight and gives the secret back to its field.
    fn cancel_pending(&mut self) {
        let (pending, secret) = self.pending_and_secret();
        if let Some(p) = pending.take() {
            p.cancel.cancel();
            secret.give_back();
        }
    }

    /// Wipes the secret and egui's copy of the field before the dialog goes away.
    fn forget(&mut self, ctx: &egui::Context) {
        self.cancel_pending();
        self.pending_and_secret().1.forget(ctx);
    }
}

/// A left-aligned label in the form's label column; returns its id for `labelled_by`.
pub(crate) fn form_label(ui: &mut Ui, text: &str) -> egui::Id {
    column_label(ui, RichText::new(text))
}

/// An error or hint shown under a field, in the form's second column.
pub(crate) fn field_message(ui: &mut Ui, text: &str, color: Color32) {
    ui.label(""); // label column
    ui.add(egui::Label::new(RichText::new(text).color(color).small()).wrap());
    ui.end_row();
}

/// A secret being typed: a masked field with a Show toggle, whose buffer is wiped when
/// the secret leaves it, and given back if the operation that took it fails.
#[derive(Default)]
pub(crate) struct SecretInput {
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
    pub(crate) fn peek(&self) -> SecretString {
        SecretString::from(self.buffer.as_str())
    }

    /// Moves the secret out of the field, leaving nothing behind in the buffer.
    pub fn take(&mut self) -> SecretString {
        let secret = SecretString::from(std::mem::take(&mut *self.buffer));
        self.taken = Some(secret.clone());
        secret
    }

    /// The operation that took the secret failed: put it back for the user to correct.
    pub(crate) fn give_back(&mut self) {
        if let Some(secret) = self.taken.take() {
            self.buffer.clear();
            self.buffer.push_str(secret.expose_secret());
        }
    }

    /// The operation that took the secret succeeded: drop the copy.
    pub(crate) fn settle(&mut self) {
        self.taken = None;
    }

    /// Wipes the secret and egui's copy of the field's state (cursor and undo history,
    /// which holds earlier versions of the text).
    pub(crate) fn forget(&mut self, ctx: &egui::Context) {
        self.buffer.clear();
        self.taken = None;
        if let Some(id) = self.widget {
            forget_text_state(ctx, id);
        }
    }
}

/// The "Token expires" row of a form: an optional `YYYY-MM-DD` date.
pub fn expiry_row(ui: &mut Ui, enabled: bool, text: &mut String, width: f32) {
    let id = form_label(ui, "Token expires");
    ui.add_enabled(
        enabled,
        egui::TextEdit::singleline(text)
            .hint_text("YYYY-MM-DD (optional)")
            .desired_width(width),
    )
    .labelled_by(id);
    ui.end_row();
}

/// Parses an optional `YYYY-MM-DD` field.
pub(crate) fn parse_expiry(text: &str) -> Result<Option<Date>, String> {
    match text.trim() {
        "" => Ok(None),
        text => text
            .parse::<Date>()
            .map(Some)
            .map_err(|_| "Use the form YYYY-MM-DD, for example 2027-11-22".to_string()),
    }
}

/// Forgets egui's own copy of a text field's state (cursor and undo history), which would
/// otherwise keep earlier versions of a secret in memory after the field is gone.
fn forget_text_state(ctx: &egui::Context, id: egui::Id) {
    ctx.data_mut(|d| d.remove::<egui::text_edit::TextEditState>(id));
}

/// An error as the app shows it: the core's sentence, then the app's own next step where
/// the sentence leaves one to the front end.
pub(crate) fn error_text(err: &Error) -> String {
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
