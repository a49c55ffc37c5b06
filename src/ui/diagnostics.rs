//! Help ▸ Diagnostics: the same checks as `jira-connect doctor`, run on the backend, shown
//! as ✓ and ✗ rows with the next step under each problem. Copy report puts the same text
//! on the clipboard as the command prints; Run again runs the checks once more; Esc or
//! Close closes it.

use egui::{RichText, Ui};

use crate::core::service::{CheckStatus, DoctorReport};
use crate::ui::Command;
use crate::ui::widgets::{GAP, button_row, palette};

pub(crate) const TITLE: &str = "Diagnostics";

/// The window's state: the checks running, their report, or why they could not run.
#[derive(Default)]
pub(crate) struct Diagnostics {
    pub running: bool,
    pub report: Option<Result<DoctorReport, String>>,
    /// The report was just copied.
    pub copied: bool,
}

/// Shows the window; pushes [`Command::CloseDiagnostics`] when the user closes it.
pub(crate) fn show(ctx: &egui::Context, state: &Diagnostics, commands: &mut Vec<Command>) {
    let frame = egui::Frame::popup(&ctx.global_style()).inner_margin(20);
    let modal = egui::Modal::new(egui::Id::unique("diagnostics"))
        .frame(frame)
        .show(ctx, |ui| {
            ui.set_width(640.0);
            content(ui, state, commands);
        });
    if modal.should_close() {
        commands.push(Command::CloseDiagnostics);
    }
}

fn content(ui: &mut Ui, state: &Diagnostics, commands: &mut Vec<Command>) {
    let p = palette(ui);
    ui.label(RichText::new(TITLE).heading().strong());
    ui.label(
        RichText::new(
            "The keyring, the config directory, each connection layer by layer, the \
             reminders timer and the notification service. Nothing is changed, and no \
             secret is shown.",
        )
        .color(p.muted),
    );
    ui.add_space(GAP);
    let max_height = (ui.ctx().content_rect().height() - 220.0).max(160.0);
    egui::ScrollArea::vertical()
        .max_height(max_height)
        .auto_shrink([false, true])
        .show(ui, |ui| match &state.report {
            None => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Running the checks…");
                });
            }
            Some(Err(e)) => {
                ui.add(egui::Label::new(RichText::new(e).color(p.bad)).wrap());
            }
            Some(Ok(report)) => {
                for section in &report.sections {
                    ui.add_space(GAP / 2.0);
                    ui.label(RichText::new(&section.title).strong());
                    for check in &section.checks {
                        let color = match check.status {
                            CheckStatus::Ok => p.ok,
                            CheckStatus::Warn => p.warn,
                            CheckStatus::Fail => p.bad,
                            CheckStatus::Skipped => p.muted,
                        };
                        let text =
                            format!("{} {}: {}", check.status.mark(), check.name, check.finding);
                        ui.add(egui::Label::new(RichText::new(text).color(color)).wrap());
                        if let Some(next) = &check.next {
                            ui.indent(("next", &section.title, &check.name), |ui| {
                                ui.add(egui::Label::new(format!("→ {next}")).wrap());
                            });
                        }
                    }
                }
                ui.add_space(GAP);
                let summary = RichText::new(report.summary()).strong();
                ui.label(if report.ok() {
                    summary.color(p.ok)
                } else {
                    summary.color(p.bad)
                });
            }
        });
    ui.add_space(GAP);
    button_row(ui, |ui| {
        if ui.button("Close").clicked() {
            commands.push(Command::CloseDiagnostics);
        }
        let report = state.report.as_ref().and_then(|r| r.as_ref().ok());
        let copy = ui.add_enabled(report.is_some(), egui::Button::new("Copy report"));
        if copy.clicked()
            && let Some(report) = report
        {
            ui.ctx().copy_text(report.text());
            commands.push(Command::DiagnosticsCopied);
        }
        if ui
            .add_enabled(!state.running, egui::Button::new("Run again"))
            .clicked()
        {
            commands.push(Command::RunDiagnostics);
        }
        if state.copied {
            ui.label(RichText::new("Copied").color(p.muted));
        }
    });
}
