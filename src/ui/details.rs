//! The selected connection: who it logs in as, the token's dates, the last check, and the
//! actions that keep it healthy.

use egui::{RichText, Ui};
use jiff::civil::Date;

use crate::core::connection::{
    AuthKind, Connection, Deployment, EXPIRY_WARNING_DAYS, Outcome, Product, Status,
};
use crate::ui::widgets::{self, GAP, palette, status_badge};
use crate::ui::{Command, Row};

/// The details view of one connection.
pub(crate) struct Details<'a> {
    pub row: &'a Row,
    /// The connections that share its token.
    pub linked: &'a [&'a Connection],
    /// Confluence is being connected with its token.
    pub linking: bool,
    pub today: Date,
}

impl Details<'_> {
    pub fn ui(&self, ui: &mut Ui, commands: &mut Vec<Command>) {
        show(ui, self, commands);
    }
}

fn show(ui: &mut Ui, view: &Details<'_>, commands: &mut Vec<Command>) {
    let (row, today) = (view.row, view.today);
    let c = row.connection();
    let status = c.status(today);
    let p = palette(ui);
    let last = c.last_check.as_ref();
    let display_name = last
        .and_then(|l| l.display_name.clone())
        .unwrap_or_else(|| c.name.clone());

    ui.horizontal(|ui| {
        widgets::avatar(ui, &display_name, 48.0);
        ui.add_space(4.0);
        ui.vertical(|ui| {
            ui.add_space(2.0);
            ui.label(RichText::new(&display_name).heading().strong());
            let mut who: Vec<String> = Vec::new();
            if let Some(email) = last
                .and_then(|l| l.email.clone())
                .or_else(|| c.login.clone())
            {
                who.push(email);
            }
            if let Some(id) = last.and_then(|l| l.account_id.clone()) {
                who.push(id);
            }
            ui.label(RichText::new(who.join("  ·  ")).color(p.muted));
        });
        ui.with_layout(egui::Layout::right_to_left(egui::Align::TOP), |ui| {
            status_badge(ui, status, row.checking);
        });
    });
    ui.add_space(GAP);
    ui.separator();
    ui.add_space(GAP);

    let value = |ui: &mut Ui, label: &str, text: RichText| {
        widgets::column_label(ui, RichText::new(label).color(p.muted));
        ui.add(egui::Label::new(text).wrap());
        ui.end_row();
    };
    egui::Grid::new("details")
        .num_columns(2)
        .spacing([GAP * 1.5, GAP])
        .show(ui, |ui| {
            value(ui, "Connection", RichText::new(&c.name).strong());
            value(ui, "Site", RichText::new(&c.url));
            let version = last
                .and_then(|l| l.server_version.clone())
                .map(|v| format!("  ·  version {v}"))
                .unwrap_or_default();
            value(
                ui,
                "Product",
                RichText::new(format!("{}{version}", c.product_name())),
            );
            if c.scoped {
                let id = c
                    .cloud_id
                    .as_deref()
                    .map(|id| format!("  ·  cloud id {id}"))
                    .unwrap_or_default();
                value(
                    ui,
                    "API",
                    RichText::new(format!("api.atlassian.com (scoped token){id}")),
                );
            }
            if !view.linked.is_empty() {
                let names: Vec<&str> = view.linked.iter().map(|l| l.name.as_str()).collect();
                value(
                    ui,
                    "Shares token with",
                    RichText::new(format!(
                        "{}  ·  replacing the token replaces it there too",
                        names.join(", ")
                    )),
                );
            }
            let how = match c.auth {
                AuthKind::ApiToken => "API token",
                AuthKind::Pat => "Personal access token",
                AuthKind::Password => "Password",
                AuthKind::ClientCredentials => "OAuth client credentials",
            };
            if c.auth == AuthKind::ClientCredentials {
                value(ui, "Account type", RichText::new("Service account"));
                value(ui, "Signs in with", RichText::new(how));
                value(
                    ui,
                    "Client ID",
                    RichText::new(c.login.as_deref().unwrap_or("not recorded")),
                );
            } else {
                let as_who = c
                    .login
                    .as_deref()
                    .map(|l| format!(" as {l}"))
                    .unwrap_or_default();
                value(ui, "Signs in with", RichText::new(format!("{how}{as_who}")));
            }
            value(
                ui,
                "Token label",
                RichText::new(c.token_label.as_deref().unwrap_or("not recorded")),
            );
            value(
                ui,
                "Token added",
                RichText::new(
                    c.token_created
                        .map(|d| d.to_string())
                        .unwrap_or_else(|| "not recorded".into()),
                ),
            );
            let expires = match (c.token_expires, c.days_left(today)) {
                (Some(d), Some(days)) if days < 0 => {
                    RichText::new(format!("{d}  ·  expired {} days ago", -days)).color(p.bad)
                }
                (Some(d), Some(days)) if days <= EXPIRY_WARNING_DAYS => {
                    RichText::new(format!("{d}  ·  {}", days_left(days))).color(p.warn)
                }
                (Some(d), Some(days)) => RichText::new(format!("{d}  ·  {}", days_left(days))),
                _ => RichText::new("not recorded").color(p.muted),
            };
            value(ui, "Expires", expires);
            let checked = match last {
                Some(l) => {
                    let when =
                        l.at.to_zoned(jiff::tz::TimeZone::system())
                            .strftime("%Y-%m-%d %H:%M")
                            .to_string();
                    let outcome = match l.outcome {
                        Outcome::Valid => "valid",
                        Outcome::Rejected => "rejected",
                        Outcome::Unreachable => "unreachable",
                        Outcome::Error => "failed",
                        Outcome::SecretMissing => "token missing",
                    };
                    RichText::new(format!("{when}  ·  {outcome}"))
                }
                None => RichText::new("never").color(p.muted),
            };
            value(ui, "Last check", checked);
        });

    if let Some(message) = last.and_then(|l| l.message.as_deref()) {
        ui.add_space(GAP);
        let color = if status == Status::Unreachable {
            p.muted
        } else {
            p.bad
        };
        egui::Frame::new()
            .inner_margin(10)
            .corner_radius(6)
            .stroke(egui::Stroke::new(1.0, color))
            .show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.add(egui::Label::new(RichText::new(message).color(color)).wrap());
            });
    }

    let confluence_offer =
        c.product == Product::Jira && c.deployment == Deployment::Cloud && view.linked.is_empty();
    if confluence_offer {
        ui.add_space(GAP);
        egui::Frame::new()
            .inner_margin(10)
            .corner_radius(6)
            .stroke(egui::Stroke::new(1.0, p.muted))
            .show(ui, |ui| {
                ui.set_width(ui.available_width());
                ui.label(
                    RichText::new("One Atlassian API token also serves Confluence on this site.")
                        .color(p.muted),
                );
                ui.horizontal(|ui| {
                    if ui
                        .add_enabled(
                            !view.linking,
                            egui::Button::new(
                                "Also connect Confluence on this site with the same token",
                            ),
                        )
                        .on_hover_text(
                            "Checks the token with Confluence, then saves a linked connection",
                        )
                        .clicked()
                    {
                        commands.push(Command::LinkConfluence(c.id.clone()));
                    }
                    if view.linking {
                        ui.spinner();
                    }
                });
            });
    }

    ui.add_space(GAP * 2.0);
    ui.horizontal_wrapped(|ui| {
        let id = &c.id;
        if ui
            .add_enabled(!row.checking, egui::Button::new("Check now"))
            .on_hover_text(format!(
                "Ask {} whether the token still works",
                c.product.title()
            ))
            .clicked()
        {
            commands.push(Command::Check(id.clone()));
        }
        if ui
            .button("Replace token")
            .on_hover_text("Validate a new token, then swap it in")
            .clicked()
        {
            commands.push(Command::ReplaceToken(id.clone()));
        }
        if c.deployment == Deployment::DataCenter
            && c.auth == AuthKind::Pat
            && c.token_id.is_none()
            && ui
                .button("Pick token…")
                .on_hover_text("Choose this token from the list Jira keeps of your tokens")
                .clicked()
        {
            commands.push(Command::PickToken(id.clone()));
        }
        if c.deployment == Deployment::DataCenter
            && c.auth == AuthKind::Pat
            && ui
                .button("Rotate token")
                .on_hover_text(
                    "Create a new token on the server, swap it in, then revoke the old one",
                )
                .clicked()
        {
            commands.push(Command::RotateToken(id.clone()));
        }
        if ui
            .button("Copy token")
            .on_hover_text("Put the token on the clipboard, e.g. for a BI tool's password field")
            .clicked()
        {
            commands.push(Command::CopyToken(id.clone()));
        }
        if c.auth != AuthKind::Password
            && ui
                .button("Open token page")
                .on_hover_text(c.token_page())
                .clicked()
        {
            commands.push(Command::OpenUrl(c.token_page()));
        }
        let remove = egui::Button::new(RichText::new("Remove").color(p.bad));
        if ui
            .add(remove)
            .on_hover_text("Delete the token from the keyring and the connection from jira-connect")
            .clicked()
        {
            commands.push(Command::ConfirmRemove(id.clone()));
        }
    });
}

fn days_left(days: i32) -> String {
    match days {
        0 => "expires today".into(),
        1 => "1 day left".into(),
        d => format!("{d} days left"),
    }
}
