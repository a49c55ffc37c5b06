//! Help ▸ About: the version, the licence, and where Atlassian tokens are made and revoked.
//! Links open through [`Command::OpenUrl`], like every other link in the app.

use egui::{RichText, Ui};

use crate::core::connection::CLOUD_TOKEN_PAGE;
use crate::ui::Command;
use crate::ui::widgets::{GAP, button_row, palette};

pub(crate) const TITLE: &str = "About jira-connect";

/// Where the project lives, when the package says so.
const REPOSITORY: &str = env!("CARGO_PKG_REPOSITORY");

/// Shows the About box; pushes [`Command::CloseAbout`] when the user closes it.
pub(crate) fn show(ctx: &egui::Context, commands: &mut Vec<Command>) {
    let frame = egui::Frame::popup(&ctx.global_style()).inner_margin(20);
    let modal = egui::Modal::new(egui::Id::unique("about"))
        .frame(frame)
        .show(ctx, |ui| {
            ui.set_width(440.0);
            content(ui, commands);
        });
    if modal.should_close() {
        commands.push(Command::CloseAbout);
    }
}

fn content(ui: &mut Ui, commands: &mut Vec<Command>) {
    let muted = palette(ui).muted;
    ui.horizontal(|ui| {
        ui.label(RichText::new("jira-connect").heading().strong());
        ui.label(RichText::new(concat!("version ", env!("CARGO_PKG_VERSION"))).color(muted));
    });
    ui.add_space(GAP / 2.0);
    ui.label(env!("CARGO_PKG_DESCRIPTION"));
    ui.add_space(GAP);
    ui.label(
        RichText::new(format!(
            "Free software under the {} licence. Tokens stay in the OS keyring; \
             connections.toml never holds a secret.",
            env!("CARGO_PKG_LICENSE")
        ))
        .color(muted),
    );
    ui.add_space(GAP * 1.5);
    ui.label(RichText::new("Tokens").strong());
    if ui
        .link("Atlassian API tokens (Jira and Confluence Cloud)")
        .on_hover_text(CLOUD_TOKEN_PAGE)
        .clicked()
    {
        commands.push(Command::OpenUrl(CLOUD_TOKEN_PAGE.into()));
    }
    ui.label(
        RichText::new(
            "On Jira or Confluence Data Center, personal access tokens are made under your \
             profile on the site itself: a connection's Open token page button goes there.",
        )
        .color(muted),
    );
    if !REPOSITORY.is_empty() {
        ui.add_space(GAP);
        if ui
            .link("Project page, README and licence")
            .on_hover_text(REPOSITORY)
            .clicked()
        {
            commands.push(Command::OpenUrl(REPOSITORY.into()));
        }
    }
    ui.add_space(GAP * 2.0);
    button_row(ui, |ui| {
        if ui.button("Close").clicked() {
            commands.push(Command::CloseAbout);
        }
    });
}
