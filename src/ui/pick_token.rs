//! The token picker, for a personal access token on Server/Data Center whose entry on the
//! server is not known yet: the account's tokens as the server lists them (name, created,
//! expires), and the one the user points at is recorded, with its id and real expiry.

use egui::{RichText, Ui};

use crate::core::connection::Connection;
use crate::core::pat::PatInfo;
use crate::ui::Command;
use crate::ui::widgets::{GAP, button_row, palette};

pub(crate) struct PickTokenDialog {
    pub connection: Connection,
    /// The server's list, once it has answered; or what went wrong.
    pub tokens: Option<Result<Vec<PatInfo>, String>>,
}

impl PickTokenDialog {
    pub fn new(connection: Connection) -> Self {
        PickTokenDialog {
            connection,
            tokens: None,
        }
    }

    /// The dialog's heading, and its name to assistive technology.
    pub fn title(&self) -> String {
        format!("Which token is it? {}", self.connection.name)
    }

    pub fn ui(&mut self, ui: &mut Ui, commands: &mut Vec<Command>) {
        let p = palette(ui);
        ui.heading(self.title());
        ui.add(
            egui::Label::new(
                "Your personal access tokens, as Jira lists them. Pick the one this \
                 connection uses: jira-connect records its id and expiry, to warn before it \
                 expires and to revoke the right one when you rotate it.",
            )
            .wrap(),
        );
        ui.add_space(GAP);
        match &self.tokens {
            None => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Asking Jira for your tokens…");
                });
            }
            Some(Err(err)) => {
                ui.add(egui::Label::new(RichText::new(err).color(p.bad)).wrap());
            }
            Some(Ok(tokens)) if tokens.is_empty() => {
                ui.label("Jira lists no tokens for this account.");
            }
            Some(Ok(tokens)) => {
                egui::Grid::new("pick-token")
                    .num_columns(4)
                    .spacing([GAP * 2.0, GAP])
                    .striped(true)
                    .show(ui, |ui| {
                        for header in ["Name", "Created", "Expires (UTC)", ""] {
                            ui.label(RichText::new(header).color(p.muted));
                        }
                        ui.end_row();
                        for token in tokens {
                            ui.label(&token.name);
                            ui.label(date_text(token.created_date()));
                            ui.label(match token.expires {
                                Some(d) => d.to_string(),
                                None => "never".into(),
                            });
                            let pick = egui::Button::new("This one");
                            if ui
                                .add(pick)
                                .on_hover_text(format!("Record \"{}\"", token.name))
                                .clicked()
                            {
                                commands.push(Command::RecordToken {
                                    id: self.connection.id.clone(),
                                    token: token.clone(),
                                });
                            }
                            ui.end_row();
                        }
                    });
            }
        }
        ui.add_space(GAP);
        button_row(ui, |ui| {
            if ui.button("Cancel").on_hover_text("Esc").clicked() {
                commands.push(Command::CloseDialog);
            }
        });
    }
}

fn date_text(date: Option<jiff::civil::Date>) -> String {
    date.map(|d| d.to_string()).unwrap_or_else(|| "—".into())
}
