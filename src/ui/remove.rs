//! The Remove confirmation: names the connection and says that removing does not revoke
//! the token.

use egui::{RichText, Ui};

use crate::core::connection::{AuthKind, Connection, Deployment, Product};
use crate::ui::Command;
use crate::ui::form::confirm_footer;
use crate::ui::widgets::{GAP, palette};

pub(crate) struct RemoveDialog {
    pub connection: Connection,
    /// The connections that use the same token and keep using it.
    pub sharing: Vec<String>,
    pub pending: bool,
    pub error: Option<String>,
}

impl RemoveDialog {
    pub fn new(connection: Connection, sharing: Vec<String>) -> Self {
        RemoveDialog {
            connection,
            sharing,
            pending: false,
            error: None,
        }
    }

    /// The dialog's heading, and its name to assistive technology.
    pub fn title(&self) -> String {
        format!("Remove {}?", self.connection.name)
    }

    pub fn ui(&mut self, ui: &mut Ui, commands: &mut Vec<Command>) {
        let p = palette(ui);
        let c = &self.connection;
        ui.heading(self.title());
        ui.label(RichText::new(&c.url).color(p.muted));
        ui.add_space(GAP);
        ui.label(format!(
            "This deletes the {} from the OS keyring and the connection from jira-connect.",
            c.auth.secret_name()
        ));
        if c.auth != AuthKind::Password {
            let at = match c.deployment {
                Deployment::Cloud => "at Atlassian",
                Deployment::DataCenter => match c.product {
                    Product::Jira => "in Jira",
                    Product::Confluence => "in Confluence",
                },
            };
            let warning = if c.auth == AuthKind::ClientCredentials {
                format!(
                    "It does not revoke the service account's client credentials {at}: they \
                     keep working until an admin revokes {} at {} ({}).",
                    c.which_token().replacen("the token", "the credential", 1),
                    c.token_page(),
                    crate::core::connection::service_account_place(c.deployment)
                )
            } else {
                format!(
                    "It does not revoke the token {at}: it keeps working until you revoke {} \
                     on the token page.",
                    c.which_token()
                )
            };
            ui.add(egui::Label::new(RichText::new(warning).color(p.warn)).wrap());
            for other in &self.sharing {
                ui.label(
                    RichText::new(format!(
                        "{other} uses the same token: revoking it stops {other} too."
                    ))
                    .color(p.warn),
                );
            }
            let url = c.token_page();
            if ui
                .link("Revoke it on the token page")
                .on_hover_text(&url)
                .clicked()
            {
                commands.push(Command::OpenUrl(url));
            }
        }
        let remove =
            egui::Button::new(RichText::new("Remove").color(egui::Color32::WHITE).strong())
                .fill(p.bad);
        if confirm_footer(
            ui,
            self.error.as_deref(),
            self.pending,
            "Cancel",
            remove,
            commands,
        ) {
            self.pending = true;
            self.error = None;
            commands.push(Command::Remove(self.connection.id.clone()));
        }
    }
}
