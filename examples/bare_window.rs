//! A bare eframe window: the anchor for the desktop app's start-up time, memory and idle
//! CPU in `scripts/bench.sh`. Same eframe build (the glow renderer and the features in
//! Cargo.toml), same window size, one label, and the same first-frame report as the app
//! (`JIRA_CONNECT_REPORT_FIRST_FRAME=1`). Quits on Ctrl+Q.
//!
//! Usage: `cargo run --release --example bare_window`

use jira_connect::ui::first_frame::{self, FirstFrame};

struct Bare {
    first_frame: FirstFrame,
}

impl eframe::App for Bare {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.first_frame.on_frame(ctx);
        if ctx.input(|i| i.modifiers.command && i.key_pressed(egui::Key::Q)) {
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        egui::CentralPanel::default().show(ui, |ui| {
            ui.label("A bare eframe window");
        });
    }
}

fn main() -> eframe::Result {
    first_frame::mark_start();
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("bare-window")
            .with_inner_size([980.0, 640.0]),
        ..Default::default()
    };
    eframe::run_native(
        "bare-window",
        options,
        Box::new(|_cc| {
            Ok(Box::new(Bare {
                first_frame: FirstFrame::from_env(),
            }))
        }),
    )
}
