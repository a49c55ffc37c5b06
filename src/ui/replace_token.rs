//! The Replace token dialog, as steps in the terms of Atlassian's token page: copy the label,
//! open the token page, paste the new token and pick its expiry; after the check, revoke the
//! old token, named by its label. The new secret is validated before the swap; the old one
//! stays in the keyring until then.

use egui::{RichText, Ui};

use crate::core::connection::{AuthKind, Connection, Deployment};
use crate::core::draft::validate_secret;
use crate::core::error::Error;
use crate::core::jira::Account;
use crate::core::service::NewToken;
use crate::ui::Command;
use crate::ui::form::{
    Field, Pending, SecretForm, SecretInput, TokenFields, cancel_button, enter_submits, error_text,
    expiry_row, field_error, field_for, focus_at_start, form_label, label_row,
};
use crate::ui::widgets::{GAP, announce, button_row, palette};

pub(crate) struct ReplaceTokenDialog {
    pub connection: Connection,
    /// The connections that share the token; they get the new one too.
    sharing: Vec<String>,
    /// The connection as it was, to name the old token once it is replaced.
    old: Connection,
    secret: SecretInput,
    token: TokenFields,
    pub pending: Option<Pending>,
    error: Option<(Field, String)>,
    /// Set once the new token is in place.
    done: Option<Account>,
    focus_first: bool,
    /// Why the typed expiry date is not a date, if it is not.
    expiry_invalid: Option<String>,
}

impl ReplaceTokenDialog {
    pub fn new(connection: Connection, sharing: Vec<String>) -> Self {
        let cloud = connection.deployment == Deployment::Cloud;
        ReplaceTokenDialog {
            old: connection.clone(),
            connection,
            sharing,
            secret: SecretInput::default(),
            token: TokenFields::suggested(cloud),
            pending: None,
            error: None,
            done: None,
            focus_first: true,
            expiry_invalid: None,
        }
    }

    fn secret_label(&self) -> &'static str {
        match self.connection.auth {
            AuthKind::ApiToken => "New API token",
            AuthKind::Pat => "New access token",
            AuthKind::Password => "New password",
            AuthKind::ClientCredentials => "New client secret",
        }
    }

    fn submit(&mut self) -> Option<Command> {
        // The row shows why the typed date is not a date, under the field.
        if self.expiry_invalid.is_some() {
            return None;
        }
        if let Err(e) = validate_secret(&self.secret.peek(), self.connection.auth) {
            self.error = Some((Field::Secret, error_text(&e)));
            return None;
        }
        self.error = None;
        let secret = self.secret.take();
        Some(Command::Replace {
            id: self.connection.id.clone(),
            new: NewToken {
                secret,
                expires: self.token.expires,
                label: self.token.label(),
            },
        })
    }

    /// The swap finished.
    pub(crate) fn on_replaced(&mut self, result: Result<(Connection, Account), Error>) {
        self.pending = None;
        match result {
            Ok((connection, account)) => {
                self.connection = connection;
                self.secret.settle();
                self.done = Some(account);
            }
            Err(err) => {
                self.secret.give_back();
                if !matches!(err, Error::Cancelled) {
                    self.error = Some((field_for(&err), error_text(&err)));
                }
            }
        }
    }

    /// The dialog's heading, and its name to assistive technology.
    pub fn title(&self) -> String {
        format!("Replace token: {}", self.connection.name)
    }

    pub fn ui(&mut self, ui: &mut Ui, commands: &mut Vec<Command>) {
        let focused = focus_at_start(ui);
        let p = palette(ui);
        ui.heading(self.title());
        let c = &self.connection;
        ui.label(RichText::new(&c.url).color(p.muted));
        ui.add_space(GAP);

        if let Some(account) = &self.done {
            self.done_ui(ui, account.clone(), focused, commands);
            return;
        }

        let busy = self.pending.is_some();
        let product = self.connection.product.title();
        ui.label(format!(
            "Paste the new token. jira-connect checks it with {product} first; the old one \
             stays in place until the new one works."
        ));
        if !self.sharing.is_empty() {
            ui.label(
                RichText::new(format!(
                    "{} shares this token: the new one is checked there too, and nothing is \
                     replaced unless both accept it.",
                    self.sharing.join(", ")
                ))
                .color(p.warn),
            );
        }
        ui.add_space(GAP);
        let field_width = 300.0;
        let password = self.connection.auth == AuthKind::Password;
        egui::Grid::new("replace-token-form")
            .num_columns(2)
            .spacing([GAP * 1.5, GAP])
            .show(ui, |ui| {
                if !password {
                    step(ui, 1, "Copy the label");
                    label_row(ui, !busy, &mut self.token.label, field_width);
                    step(ui, 2, "Open the token page");
                    let (text, hint) = match self.connection.deployment {
                        Deployment::Cloud => (
                            "Open token page",
                            "Create API token there; paste the label as its name",
                        ),
                        Deployment::DataCenter => (
                            "Open profile",
                            "Create a personal access token there, named with the label",
                        ),
                    };
                    ui.label("");
                    ui.horizontal(|ui| {
                        let url = self.connection.token_page();
                        if ui.button(text).on_hover_text(&url).clicked() {
                            commands.push(Command::OpenUrl(url));
                        }
                        ui.label(RichText::new(hint).color(p.muted));
                    });
                    ui.end_row();
                    step(ui, 3, "Paste the new token and pick its expiry");
                }
                let id = form_label(ui, self.secret_label());
                let resp = ui
                    .add_enabled_ui(!busy, |ui| self.secret.ui(ui, id, field_width))
                    .inner;
                if self.focus_first {
                    resp.request_focus();
                    self.focus_first = false;
                }
                ui.end_row();
                if let Some((Field::Secret | Field::Url | Field::Login, msg)) = &self.error {
                    field_error(ui, &resp, msg);
                }
                if !password {
                    let cloud = self.connection.deployment == Deployment::Cloud;
                    let error = match &self.error {
                        Some((Field::Expires, msg)) => Some(msg.as_str()),
                        _ => None,
                    };
                    self.expiry_invalid =
                        expiry_row(ui, !busy, &mut self.token.expires, cloud, error);
                }
            });

        ui.add_space(GAP);
        ui.horizontal(|ui| {
            ui.set_min_height(ui.spacing().interact_size.y);
            if busy {
                ui.spinner();
                ui.label(format!("Checking the new token with {product}…"));
            } else if let Some((Field::General | Field::Name, msg)) = &self.error {
                let shown = ui.add(egui::Label::new(RichText::new(msg).color(p.bad)).wrap());
                announce(ui, &shown, true);
            }
        });
        ui.add_space(GAP);
        button_row(ui, |ui| {
            cancel_button(ui, busy, commands);
            if ui
                .add_enabled(!busy, egui::Button::new(RichText::new("Replace").strong()))
                .on_hover_text(format!("Check with {product}, then swap (Enter)"))
                .clicked()
            {
                commands.extend(self.submit());
            }
        });
        if !busy && enter_submits(ui, focused, &[]) {
            commands.extend(self.submit());
        }
    }

    fn done_ui(
        &self,
        ui: &mut Ui,
        account: Account,
        focused: Option<egui::Id>,
        commands: &mut Vec<Command>,
    ) {
        let p = palette(ui);
        let shown = ui.label(
            RichText::new(format!(
                "The new token works: connected as {}. It is now in the OS keyring.",
                account.display_name
            ))
            .color(p.ok)
            .strong(),
        );
        announce(ui, &shown, false);
        ui.add_space(GAP);
        if self.connection.auth == AuthKind::Password {
            ui.label("The old password is no longer stored by jira-connect.");
        } else {
            ui.label(RichText::new("4  Revoke the old token").strong());
            ui.add(
                egui::Label::new(format!(
                    "The old token still works until you revoke it. On the token page, revoke \
                     {}, so that nobody else can use it.",
                    self.old.which_token()
                ))
                .wrap(),
            );
        }
        ui.add_space(GAP);
        button_row(ui, |ui| {
            if self.connection.auth != AuthKind::Password && ui.button("Open token page").clicked()
            {
                commands.push(Command::OpenUrl(self.connection.token_page()));
            }
            if ui.button(RichText::new("Done").strong()).clicked()
                || enter_submits(ui, focused, &[])
            {
                commands.push(Command::CloseDialog);
            }
        });
    }
}

impl SecretForm for ReplaceTokenDialog {
    fn pending_and_secret(&mut self) -> (&mut Option<Pending>, &mut SecretInput) {
        (&mut self.pending, &mut self.secret)
    }
}

/// A step's heading: its number in the label column, what to do in the field column.
fn step(ui: &mut Ui, n: u8, text: &str) {
    ui.label(RichText::new(format!("Step {n}")).strong());
    ui.label(RichText::new(text).strong());
    ui.end_row();
}
