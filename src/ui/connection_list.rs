//! The saved connections, one row each: status dot, name, site and account. Virtualised,
//! so a thousand connections cost what a screenful does.

use egui::{Align2, FontId, Rect, Sense, Ui, vec2};
use jiff::civil::Date;

use crate::core::connection::{ConnectionId, Product};
use crate::ui::widgets::{paint_dot, palette, status_text};
use crate::ui::{Command, Row};

const ROW_HEIGHT: f32 = 58.0;

pub fn ui(
    ui: &mut Ui,
    rows: &[Row],
    selected: Option<&ConnectionId>,
    today: Date,
    commands: &mut Vec<Command>,
) {
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show_rows(ui, ROW_HEIGHT, rows.len(), |ui, range| {
            ui.spacing_mut().item_spacing.y = 0.0;
            for row in &rows[range] {
                let is_selected = selected == Some(&row.connection().id);
                if row_ui(ui, row, is_selected, today).clicked() {
                    commands.push(Command::Select(row.connection().id.clone()));
                }
            }
        });
}

fn row_ui(ui: &mut Ui, row: &Row, selected: bool, today: Date) -> egui::Response {
    let c = row.connection();
    let status = c.status(today);
    let (rect, mut response) =
        ui.allocate_exact_size(vec2(ui.available_width(), ROW_HEIGHT), Sense::click());
    let label = if row.checking {
        format!("{}, checking", c.name)
    } else {
        format!("{}, {}", c.name, status_text(status))
    };
    response.widget_info(|| {
        egui::WidgetInfo::selected(egui::Role::ListItem, true, selected, label.clone())
    });
    if !ui.is_rect_visible(rect) {
        return response;
    }

    let visuals = ui.visuals();
    let bg = if selected {
        Some(visuals.selection.bg_fill.gamma_multiply(0.55))
    } else if response.hovered() {
        Some(visuals.widgets.hovered.weak_bg_fill)
    } else {
        None
    };
    if let Some(bg) = bg {
        ui.painter()
            .rect_filled(rect.shrink2(vec2(4.0, 2.0)), 6.0, bg);
    }

    let muted = palette(ui).muted;
    let text = visuals.strong_text_color();
    let left = rect.left() + 18.0;
    paint_dot(ui, egui::pos2(left, rect.top() + 17.0), status, 10.0);
    let text_left = left + 14.0;
    let width = rect.right() - text_left - 10.0;
    // Every line is cut to `width`, so the scroll area's clip is the only one the rows need:
    // one clip for all rows draws the list as one mesh, not one per row, and the GL driver
    // keeps one vertex buffer for it instead of a dozen.
    let painter = ui.painter();
    // A name too long for the row ends in "…"; the full name is in the row's accessible
    // label and shows on hover.
    if elided_text(
        painter,
        egui::pos2(text_left, rect.top() + 17.0),
        &c.name,
        FontId::proportional(14.5),
        text,
        width,
    ) {
        response = response.on_hover_text(&c.name);
    }
    let host = c.url.trim_start_matches("https://");
    // Jira is the default; say so only for the other product.
    let site = match c.product {
        Product::Jira => host.to_string(),
        Product::Confluence => format!("Confluence · {host}"),
    };
    let account = c
        .last_check
        .as_ref()
        .and_then(|l| l.display_name.clone())
        .or_else(|| c.login.clone())
        .unwrap_or_else(|| "not checked yet".into());
    // The two small lines under the name: the site, then whose token it is.
    for (y, line) in [(34.0, site), (48.0, account)] {
        elided_text(
            painter,
            egui::pos2(text_left, rect.top() + y),
            &line,
            FontId::proportional(12.0),
            muted,
            width,
        );
    }
    if row.checking {
        let spinner = Rect::from_center_size(
            egui::pos2(rect.right() - 18.0, rect.top() + 17.0),
            vec2(12.0, 12.0),
        );
        egui::Spinner::new().paint_at(ui, spinner);
        ui.ctx().request_repaint();
    }
    response
}

/// Paints one line of text, left-aligned and vertically centred on `pos`, cut at `width`
/// with "…" at the end if it is wider; true when it was cut.
fn elided_text(
    painter: &egui::Painter,
    pos: egui::Pos2,
    text: &str,
    font: FontId,
    color: egui::Color32,
    width: f32,
) -> bool {
    let mut job = egui::text::LayoutJob::simple_singleline(text.to_string(), font, color);
    job.wrap = egui::text::TextWrapping::truncate_at_width(width);
    let galley = painter.layout_job(job);
    let elided = galley.elided;
    let top_left = Align2::LEFT_CENTER.anchor_size(pos, galley.size()).min;
    painter.galley(top_left, galley, color);
    elided
}
