//! The pieces the New Connection and Replace token dialogs share: labelled rows, the masked
//! secret field, the field an error belongs to, the error text with the app's own next
//! step, and the validation in flight that the user can cancel.

use egui::{Color32, RichText, Ui};
use jiff::civil::Date;
use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroizing;

use crate::core::connection::{
    MAX_CLOUD_TOKEN_DAYS, one_year_from_today, suggested_token_label, today_utc,
};
use crate::core::error::Error;
use crate::core::error::InputField;
use crate::core::service::Cancel;
use crate::ui::Command;
use crate::ui::date_field;
use crate::ui::widgets::{GAP, button_row, column_label, palette};

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
            InputField::Email | InputField::Username | InputField::ClientId => Field::Login,
            InputField::Expires => Field::Expires,
            InputField::CaCertificate => Field::Ca,
            InputField::Secret(_) | InputField::Auth => Field::Secret,
            _ => Field::General,
        },
        Error::BadCredentials { .. }
        | Error::MissingScope { .. }
        | Error::BasicAuthDisabled { .. }
        | Error::CloudNeedsApiToken { .. }
        | Error::Captcha { .. }
        | Error::ClientRefused { .. }
        | Error::Forbidden { .. } => Field::Secret,
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

/// A token's label and expiry date as a form holds them, in the terms of Atlassian's token
/// pages: label, expiry date (UTC).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenFields {
    pub label: String,
    pub expires: Option<Date>,
}

impl TokenFields {
    /// What a token created just now most likely carries: the suggested label and, on
    /// Cloud, Atlassian's default of one year.
    pub fn suggested(cloud: bool) -> Self {
        TokenFields {
            label: suggested_token_label(),
            expires: cloud.then(one_year_from_today),
        }
    }

    /// The label, trimmed, if any.
    pub fn label(&self) -> Option<String> {
        Some(self.label.trim().to_string()).filter(|l| !l.is_empty())
    }
}

/// The "Token label" row: the label to give the token on Atlassian's page, with a Copy
/// label button to paste it there.
pub fn label_row(ui: &mut Ui, enabled: bool, label: &mut String, width: f32) {
    let id = form_label(ui, "Token label");
    ui.horizontal(|ui| {
        ui.add_enabled(
            enabled,
            egui::TextEdit::singleline(label)
                .hint_text("what the token is called on the token page")
                .desired_width(width - 100.0),
        )
        .labelled_by(id);
        if ui
            .add_enabled(!label.trim().is_empty(), egui::Button::new("Copy label"))
            .on_hover_text("Paste it as the token's name on the token page")
            .clicked()
        {
            ui.ctx().copy_text(label.trim().to_string());
        }
    });
    ui.end_row();
}

/// How far ahead each expiry preset is, and its words.
const EXPIRY_PRESETS: [(i32, &str); 3] =
    [(30, "In 30 days"), (90, "In 90 days"), (365, "In 1 year")];

/// The "Token expires" row: the date typed as `YYYY-MM-DD` or picked on a calendar, presets
/// under it, or none recorded. Atlassian's dates are UTC, and a Cloud token lives at most
/// 365 days; the row says both. `error` is a message about the date from elsewhere (the
/// server); it is shown under the field and tied to it. Returns why the typed text is not a
/// date, if it is not, so that the dialog does not submit it.
pub fn expiry_row(
    ui: &mut Ui,
    enabled: bool,
    expires: &mut Option<Date>,
    cloud: bool,
    error: Option<&str>,
) -> Option<String> {
    let p = crate::ui::widgets::palette(ui);
    let id = form_label(ui, "Token expires");
    let field = ui
        .add_enabled_ui(enabled, |ui| {
            ui.horizontal(|ui| {
                let field = date_field::field(ui, "token-expires", id, expires, "YYYY-MM-DD");
                let note = if expires.is_some() {
                    "UTC"
                } else {
                    "not recorded"
                };
                ui.label(RichText::new(note).color(p.muted));
                field
            })
            .inner
        })
        .inner;
    ui.end_row();
    ui.label("");
    ui.add_enabled_ui(enabled, |ui| {
        ui.horizontal(|ui| {
            // Each preset keeps its id whatever else the row shows, so the focus stays on
            // the one the user chose.
            for (days, text) in EXPIRY_PRESETS {
                if ui.push_id(days, |ui| ui.small_button(text)).inner.clicked() {
                    *expires = days_from_today(days);
                }
            }
            if expires.is_some()
                && ui
                    .push_id("clear", |ui| ui.small_button("Clear"))
                    .inner
                    .clicked()
            {
                *expires = None;
            }
        });
    });
    ui.end_row();
    if date_field::calendar_open(ui, &field) {
        ui.label("");
        ui.add_enabled_ui(enabled, |ui| date_field::calendar(ui, &field, expires));
        ui.end_row();
    }
    let mut messages = Vec::new();
    if let Some(why) = &field.invalid {
        messages.push((why.clone(), p.bad));
    }
    if let Some(error) = error {
        messages.push((error.to_string(), p.bad));
    }
    if let Some(date) = *expires
        && field.invalid.is_none()
    {
        let days = today_utc().until(date).map(|s| s.get_days()).unwrap_or(0);
        if cloud && days > MAX_CLOUD_TOKEN_DAYS {
            messages.push((
                format!(
                    "Atlassian Cloud tokens live at most {MAX_CLOUD_TOKEN_DAYS} days; check \
                     the date the token page showed."
                ),
                p.warn,
            ));
        } else if date < today_utc() {
            messages.push(("That date has passed.".into(), p.bad));
        }
    }
    if !messages.is_empty() {
        let all: Vec<&str> = messages.iter().map(|(m, _)| m.as_str()).collect();
        describe(ui, &field.response, &all.join(" "));
    }
    for (message, color) in &messages {
        field_message(ui, message, *color);
    }
    field.invalid
}

/// An error under a field, tied to the field for assistive technology.
pub(crate) fn field_error(ui: &mut Ui, field: &egui::Response, message: &str) {
    describe(ui, field, message);
    field_message(ui, message, crate::ui::widgets::palette(ui).bad);
}

/// Ties a message to a field for assistive technology: a user who reaches the field hears
/// it with the field's name.
pub(crate) fn describe(ui: &Ui, field: &egui::Response, message: &str) {
    ui.ctx()
        .accesskit_node_builder(field.id, |node| node.set_description(message.to_string()));
}

/// The focused widget as a dialog starts drawing, for [`enter_submits`].
pub(crate) fn focus_at_start(ui: &Ui) -> Option<egui::Id> {
    ui.memory(|m| m.focused())
}

/// True when Enter submits the dialog: Enter pressed in a text field, on one of `also`, or
/// with nothing focused. On a button, a link or a box, Enter activates that control only.
pub(crate) fn enter_submits(ui: &Ui, focused: Option<egui::Id>, also: &[egui::Id]) -> bool {
    ui.input(|i| i.key_pressed(egui::Key::Enter) && i.modifiers.is_none())
        && focused.is_none_or(|id| {
            also.contains(&id) || egui::text_edit::TextEditState::load(ui.ctx(), id).is_some()
        })
}

/// The date `days` days from today, in UTC like Atlassian's pages.
fn days_from_today(days: i32) -> Option<Date> {
    if days == 365 {
        return Some(one_year_from_today());
    }
    today_utc().checked_add(jiff::Span::new().days(days)).ok()
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

/// A dialog's Cancel button (also Esc): stops the work under way while `busy`, and closes
/// the dialog otherwise.
pub fn cancel_button(ui: &mut Ui, busy: bool, commands: &mut Vec<Command>) {
    if ui.button("Cancel").on_hover_text("Esc").clicked() {
        commands.push(if busy {
            Command::CancelPending
        } else {
            Command::CloseDialog
        });
    }
}

/// The foot of a confirmation (Remove, the `.netrc` entry): the last error, then a spinner
/// while the work runs, `keep` (also Esc), which closes the dialog, and the `act` button.
/// True when `act` was clicked; both buttons wait while the work runs.
pub(crate) fn confirm_footer(
    ui: &mut Ui,
    error: Option<&str>,
    pending: bool,
    keep: &str,
    act: egui::Button<'_>,
    commands: &mut Vec<Command>,
) -> bool {
    if let Some(err) = error {
        ui.add_space(GAP);
        ui.add(egui::Label::new(RichText::new(err).color(palette(ui).bad)).wrap());
    }
    ui.add_space(GAP * 2.0);
    let mut acted = false;
    button_row(ui, |ui| {
        if pending {
            ui.spinner();
        }
        if ui
            .add_enabled(!pending, egui::Button::new(keep))
            .on_hover_text("Esc")
            .clicked()
        {
            commands.push(Command::CloseDialog);
        }
        acted = ui.add_enabled(!pending, act).clicked();
    });
    acted
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
}
