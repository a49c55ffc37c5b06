//! The first-launch card that offers to import jira-cli's connection.

use egui::{RichText, Ui};

use crate::core::import::Found;
use crate::ui::Command;
use crate::ui::widgets::{GAP, palette};

/// jira-cli's connection, offered for import on a first launch.
pub(crate) struct ImportOffer {
    pub found: Found,
    pub importing: bool,
    pub error: Option<String>,
}

/// The first-launch offer to import jira-cli's connection.
pub(crate) fn import_card(ui: &mut Ui, offer: &ImportOffer, commands: &mut Vec<Command>) {
    let p = palette(ui);
    let cfg = &offer.found.config;
    egui::Frame::group(ui.style())
        .inner_margin(14)
        .corner_radius(8)
        .show(ui, |ui| {
            ui.set_max_width(460.0);
            ui.vertical_centered(|ui| {
                ui.label(RichText::new("Found a jira-cli connection").strong());
                let who = cfg
                    .login
                    .as_deref()
                    .map(|l| format!(" as {l}"))
                    .unwrap_or_default();
                ui.label(RichText::new(format!("{}{who}", cfg.server)).color(p.muted));
                ui.label(
                    RichText::new(format!("in {}", offer.found.path.display()))
                        .small()
                        .color(p.muted),
                );
                ui.add_space(GAP);
                ui.add(
                    egui::Label::new(
                        "jira-connect checks its token with Jira and moves it into the OS \
                         keyring.",
                    )
                    .wrap(),
                );
                if let Some(err) = &offer.error {
                    ui.add_space(GAP);
                    ui.add(egui::Label::new(RichText::new(err).color(p.bad)).wrap());
                }
                ui.add_space(GAP);
                if offer.importing {
                    ui.spinner();
                } else {
                    let import = egui::Button::new(RichText::new("Import from jira-cli").strong())
                        .min_size(egui::vec2(180.0, 30.0));
                    if ui.add(import).clicked() {
                        commands.push(Command::ImportJiraCli);
                    }
                    if ui.link("Not now").clicked() {
                        commands.push(Command::DismissImport);
                    }
                }
            });
        });
}
