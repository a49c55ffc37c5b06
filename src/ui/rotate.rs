//! The Rotate token dialog, for a personal access token on Server/Data Center: the server
//! creates the new token, jira-connect checks it and swaps it in, then revokes the old one.
//! When the server refuses to let a token create tokens, the dialog asks for the account's
//! password, for that one request; it is never stored.

use egui::{RichText, Ui};

use crate::core::connection::Connection;
use crate::core::error::Error;
use crate::core::service::{ByName, OldToken, RotateOptions, Rotated, created_text};
use crate::ui::Command;
use crate::ui::form::{
    Pending, SecretForm, SecretInput, cancel_button, enter_submits, error_text, focus_at_start,
    form_label, label_row,
};
use crate::ui::widgets::{GAP, announce, button_row, palette};

/// The lifetimes offered for the new token, in days.
const LIFETIMES: [u32; 4] = [30, 90, 180, 365];

pub(crate) struct RotateDialog {
    pub connection: Connection,
    label: String,
    days: u32,
    /// The account's password, asked for once the server refused a token creating tokens.
    password: SecretInput,
    needs_password: bool,
    /// Focus the password field in the next frame: it just appeared.
    focus_password: bool,
    pub pending: Option<Pending>,
    error: Option<String>,
    /// What the rotation did, once it is done.
    done: Option<Summary>,
    /// What to do with an old token known only by its name.
    by_name: ByName,
    /// The question about such a token, once the rotation stopped to ask it: its id,
    /// name and creation time.
    confirm: Option<(u64, String, String)>,
}

/// What a finished rotation tells the user.
struct Summary {
    created: String,
    expires: String,
    old: String,
}

impl RotateDialog {
    pub fn new(connection: Connection) -> Self {
        let label = connection
            .token_label
            .clone()
            .unwrap_or_else(crate::core::connection::suggested_token_label);
        let days = match (connection.token_created, connection.token_expires) {
            (Some(created), Some(expires)) => created
                .until(expires)
                .ok()
                .and_then(|s| u32::try_from(s.get_days()).ok())
                .filter(|d| *d > 0)
                .unwrap_or(90),
            _ => 90,
        };
        RotateDialog {
            connection,
            label,
            days,
            password: SecretInput::default(),
            needs_password: false,
            focus_password: false,
            pending: None,
            error: None,
            done: None,
            by_name: ByName::Ask,
            confirm: None,
        }
    }

    fn submit(&mut self) -> Command {
        self.error = None;
        let password = self.needs_password.then(|| self.password.take());
        Command::RunRotate {
            id: self.connection.id.clone(),
            options: RotateOptions {
                expires_in_days: Some(self.days),
                label: Some(self.label.trim().to_string()).filter(|l| !l.is_empty()),
                by_name: self.by_name,
            },
            password,
        }
    }

    /// The rotation finished, or stopped to ask for the password.
    pub fn on_rotated(&mut self, result: Result<Rotated, Error>) {
        self.pending = None;
        match result {
            Ok(rotated) => {
                self.password.settle();
                self.done = Some(summary(&rotated));
                self.connection = rotated.connection;
            }
            Err(Error::PatNeedsPassword { .. }) => {
                self.focus_password = !self.needs_password;
                self.needs_password = true;
                self.error = Some(
                    "This server does not let a token create tokens. Enter your account's \
                     password: it is used for this one request and never stored."
                        .into(),
                );
            }
            Err(Error::OldTokenUnconfirmed {
                name, id, created, ..
            }) => {
                self.password.give_back();
                self.confirm = Some((id, name, created));
            }
            Err(Error::Cancelled) => self.password.give_back(),
            Err(err) => {
                self.password.give_back();
                self.error = Some(error_text(&err));
            }
        }
    }

    /// The dialog's heading, and its name to assistive technology.
    pub fn title(&self) -> String {
        format!("Rotate token: {}", self.connection.name)
    }

    pub fn ui(&mut self, ui: &mut Ui, commands: &mut Vec<Command>) {
        let focused = focus_at_start(ui);
        let p = palette(ui);
        ui.heading(self.title());
        ui.label(RichText::new(&self.connection.url).color(p.muted));
        ui.add_space(GAP);
        if let Some(done) = &self.done {
            let shown = ui.label(RichText::new(&done.created).color(p.ok).strong());
            announce(ui, &shown, false);
            ui.label(&done.expires);
            ui.add(egui::Label::new(&done.old).wrap());
            ui.add_space(GAP);
            button_row(ui, |ui| {
                if ui.button(RichText::new("Done").strong()).clicked()
                    || enter_submits(ui, focused, &[])
                {
                    commands.push(Command::CloseDialog);
                }
            });
            return;
        }
        if let Some((id, name, created)) = self.confirm.clone() {
            ui.add(
                egui::Label::new(format!(
                    "Your account has several tokens, and the old one is known only by its \
                     name: \"{name}\", created {created}. Is that the token this connection \
                     uses? If it is, it is revoked once the new one is in place; if not, \
                     nothing is revoked and you revoke the old one on the token page."
                ))
                .wrap(),
            );
            ui.add_space(GAP);
            button_row(ui, |ui| {
                if ui
                    .button(RichText::new("Yes, revoke it").strong())
                    .clicked()
                {
                    self.by_name = ByName::Confirmed(id);
                }
                if ui.button("No, do not revoke it").clicked() {
                    self.by_name = ByName::Skip;
                }
            });
            if self.by_name != ByName::Ask {
                self.confirm = None;
                commands.push(self.submit());
            }
            return;
        }
        let busy = self.pending.is_some();
        // Enter on a lifetime picks it and rotates, as from a field.
        let mut durations = Vec::new();
        ui.add(
            egui::Label::new(
                "Jira creates a new personal access token; jira-connect checks it and swaps it \
                 into the OS keyring, then revokes the old one. If anything fails before the \
                 swap, the new token is revoked and the old one kept.",
            )
            .wrap(),
        );
        ui.add_space(GAP);
        egui::Grid::new("rotate-form")
            .num_columns(2)
            .spacing([GAP * 1.5, GAP])
            .show(ui, |ui| {
                label_row(ui, !busy, &mut self.label, 300.0);
                let id = form_label(ui, "Expires in");
                ui.add_enabled_ui(!busy, |ui| {
                    ui.horizontal(|ui| {
                        for days in LIFETIMES {
                            let choice = ui
                                .selectable_value(&mut self.days, days, format!("{days} days"))
                                .labelled_by(id);
                            durations.push(choice.id);
                        }
                    });
                });
                ui.end_row();
                if self.needs_password {
                    let id = form_label(ui, "Password");
                    let field = ui
                        .add_enabled_ui(!busy, |ui| self.password.ui(ui, id, 300.0))
                        .inner;
                    if std::mem::take(&mut self.focus_password) {
                        field.request_focus();
                    }
                    ui.end_row();
                }
            });
        ui.add_space(GAP);
        ui.horizontal(|ui| {
            ui.set_min_height(ui.spacing().interact_size.y);
            if busy {
                ui.spinner();
                ui.label("Rotating the token…");
            } else if let Some(err) = &self.error {
                let color = if self.needs_password { p.warn } else { p.bad };
                let shown = ui.add(egui::Label::new(RichText::new(err).color(color)).wrap());
                announce(ui, &shown, true);
            }
        });
        ui.add_space(GAP);
        button_row(ui, |ui| {
            cancel_button(ui, busy, commands);
            if ui
                .add_enabled(!busy, egui::Button::new(RichText::new("Rotate").strong()))
                .on_hover_text("Enter")
                .clicked()
            {
                commands.push(self.submit());
            }
        });
        if !busy && enter_submits(ui, focused, &durations) {
            commands.push(self.submit());
        }
    }
}

fn summary(rotated: &Rotated) -> Summary {
    let created = format!(
        "Created the token labelled \"{}\"; it works and is now in the OS keyring.",
        rotated.created.name
    );
    let expires = match rotated.created.expires {
        Some(date) => format!("It expires on {date} (UTC)."),
        None => "The server gave it no expiry date.".to_string(),
    };
    let old = match &rotated.old {
        OldToken::Revoked { id } => format!("Revoked the old token (id {id})."),
        OldToken::NotRevoked {
            error: error @ Error::OldTokenStillWorks { .. },
            ..
        } => error.sentence(),
        OldToken::NotRevoked { id, error } => format!(
            "The old token (id {id}) is not revoked yet: {}. jira-connect tries again at its \
             next start; you can also revoke it on the token page.",
            error.sentence()
        ),
        OldToken::Unconfirmed { token } => format!(
            "The old token was not revoked: it is known only by its name, \"{}\" (created \
             {}). If it is this connection's, revoke it on the token page.",
            token.name,
            created_text(token)
        ),
        OldToken::Unknown { candidates } => match candidates {
            Ok(tokens) if !tokens.is_empty() => format!(
                "The old token's id was never recorded, so nothing was revoked. Your other \
                 tokens ({}): {}{}. Revoke the old one on the token page.",
                tokens.len(),
                tokens
                    .iter()
                    .take(5)
                    .map(|t| format!("\"{}\"", t.name))
                    .collect::<Vec<_>>()
                    .join(", "),
                if tokens.len() > 5 { ", …" } else { "" }
            ),
            _ => "The old token's id was never recorded, so nothing was revoked. Revoke it on \
                  the token page."
                .to_string(),
        },
    };
    Summary {
        created,
        expires,
        old,
    }
}

impl SecretForm for RotateDialog {
    fn pending_and_secret(&mut self) -> (&mut Option<Pending>, &mut SecretInput) {
        (&mut self.pending, &mut self.password)
    }
}
