//! The token picker, for a personal access token on Server/Data Center whose entry on the
//! server is not known yet: the account's tokens as the server lists them (name, created,
//! expires), and the one the user points at is recorded, with its id and real expiry.

use egui::{RichText, Ui};

use crate::core::connection::Connection;
use crate::core::jira::pat::PatInfo;
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

    /// Takes the server's answer: the tokens named like the connection's label first, in
    /// the server's order otherwise.
    pub fn set_tokens(&mut self, tokens: Result<Vec<PatInfo>, String>) {
        let label = self.connection.token_label.as_deref();
        self.tokens = Some(tokens.map(|mut tokens| {
            tokens.sort_by_key(|t| Some(t.name.as_str()) != label);
            tokens
        }));
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
                let label = self.connection.token_label.as_deref().unwrap_or_default();
                let named = tokens.iter().filter(|t| t.name == label).count();
                ui.label(count_text(tokens.len(), label, named));
                ui.add_space(GAP / 2.0);
                let widths = [200.0, 90.0, 90.0];
                ui.horizontal(|ui| {
                    for (header, width) in ["Name", "Created", "Expires (UTC)"].iter().zip(widths) {
                        ui.add_sized(
                            [width, ui.spacing().interact_size.y],
                            egui::Label::new(RichText::new(*header).color(p.muted)),
                        );
                    }
                });
                // Only the rows in view are laid out: a server may list thousands.
                let row_height = ui.spacing().interact_size.y;
                egui::ScrollArea::vertical()
                    .id_salt("pick-token-rows")
                    .max_height(320.0)
                    .auto_shrink([false, true])
                    .show_rows(ui, row_height, tokens.len(), |ui, rows| {
                        for token in &tokens[rows] {
                            ui.horizontal(|ui| {
                                let cells = [
                                    token.name.clone(),
                                    date_text(token.created_date()),
                                    match token.expires {
                                        Some(d) => d.to_string(),
                                        None => "never".into(),
                                    },
                                ];
                                for (cell, width) in cells.into_iter().zip(widths) {
                                    ui.add_sized(
                                        [width, row_height],
                                        egui::Label::new(cell).truncate(),
                                    );
                                }
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
                            });
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

/// How many tokens the server lists, and how many of them carry the connection's label.
fn count_text(count: usize, label: &str, named: usize) -> String {
    let tokens = match count {
        1 => "1 token".to_string(),
        n => format!("{n} tokens"),
    };
    match named {
        0 => tokens,
        n => format!("{tokens}; {n} named \"{label}\", shown first"),
    }
}

fn date_text(date: Option<jiff::civil::Date>) -> String {
    date.map(|d| d.to_string()).unwrap_or_else(|| "—".into())
}
