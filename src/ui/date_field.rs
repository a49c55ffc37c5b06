//! A date the user types as `YYYY-MM-DD`, with a calendar that opens in place under it.
//!
//! The calendar is part of the form, not a popup over it, so nothing hides behind it. Its
//! days are one stop in the Tab order: the arrow keys move by a day or a week, Page Up and
//! Page Down by a month, Enter or Space picks the day, and Esc closes the calendar only.
//! Each day is named by its full date for assistive technology.

use egui::{Id, Key, Modifiers, RichText, Sense, Ui, vec2};
use jiff::civil::Date;

/// What the field keeps between frames: the text as typed, the date it was last in step
/// with, and the calendar.
#[derive(Clone, Default)]
struct State {
    text: String,
    shown: Option<Date>,
    /// The day the calendar's keyboard cursor is on, while the calendar is open.
    cursor: Option<Date>,
    /// Focus the cursor's day in the next frame (the calendar was just opened).
    focus_cursor: bool,
}

/// The field and its Calendar button, with `label` as the field's accessible name.
pub(crate) struct DateField {
    pub id: Id,
    /// Why the typed text is not a date, if it is not.
    pub invalid: Option<String>,
    /// The text field's response, to tie a message to it.
    pub response: egui::Response,
}

/// The words for a date the way a screen reader should say it: "Monday 14 December 2026".
pub(crate) fn spoken(date: Date) -> String {
    date.strftime("%A %-d %B %Y").to_string()
}

fn text_of(date: Option<Date>) -> String {
    date.map(|d| d.to_string()).unwrap_or_default()
}

/// The typed text as a date: empty is none, anything else must be `YYYY-MM-DD`.
pub(crate) fn parse(text: &str) -> Result<Option<Date>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse::<Date>()
        .map(Some)
        .map_err(|_| format!("\u{201c}{text}\u{201d} is not a date: type it as YYYY-MM-DD."))
}

/// Draws the date field and its Calendar button in a horizontal row; the calendar, when
/// open, is drawn by [`calendar`] where the caller wants it.
pub(crate) fn field(
    ui: &mut Ui,
    id_salt: &str,
    label: Id,
    date: &mut Option<Date>,
    placeholder: &str,
) -> DateField {
    let id = ui.make_persistent_id(id_salt);
    let mut state: State = ui.data(|d| d.get_temp(id)).unwrap_or_default();
    if state.shown != *date && parse(&state.text).ok() != Some(*date) {
        // Changed from outside (a preset, Clear, the calendar): show the new date.
        state.text = text_of(*date);
    }
    state.shown = *date;
    let response = ui
        .add(
            egui::TextEdit::singleline(&mut state.text)
                .id(id.with("text"))
                .hint_text(placeholder)
                .desired_width(110.0),
        )
        .labelled_by(label);
    let invalid = match parse(&state.text) {
        Ok(typed) => {
            if response.changed() {
                *date = typed;
                state.shown = typed;
            }
            None
        }
        Err(why) => Some(why),
    };
    let open = state.cursor.is_some();
    let toggle = ui
        .add(egui::Button::new("Calendar").selected(open))
        .on_hover_text("Pick the day on a calendar");
    if toggle.clicked() {
        if open {
            state.cursor = None;
        } else {
            state.cursor = Some(date.unwrap_or_else(crate::core::connection::today_utc));
            state.focus_cursor = true;
        }
    }
    ui.data_mut(|d| d.insert_temp(id, state));
    DateField {
        id,
        invalid,
        response,
    }
}

/// True while the field's calendar is open.
pub(crate) fn calendar_open(ui: &Ui, field: &DateField) -> bool {
    ui.data(|d| d.get_temp::<State>(field.id))
        .is_some_and(|s| s.cursor.is_some())
}

/// The calendar under the field, while it is open. Picking a day sets `date` and closes it;
/// Esc closes it without a change. Either way the focus goes back to the field.
pub(crate) fn calendar(ui: &mut Ui, field: &DateField, date: &mut Option<Date>) {
    let id = field.id;
    let mut state: State = ui.data(|d| d.get_temp(id)).unwrap_or_default();
    let Some(mut cursor) = state.cursor else {
        return;
    };
    let day_id = |d: Date| id.with(("day", d));
    let focused = ui.memory(|m| m.has_focus(day_id(cursor)));
    let mut close = false;
    if focused {
        let step = ui.input(|i| {
            let pressed = |k| i.key_pressed(k) && i.modifiers == Modifiers::NONE;
            if pressed(Key::ArrowLeft) {
                Some(jiff::Span::new().days(-1))
            } else if pressed(Key::ArrowRight) {
                Some(jiff::Span::new().days(1))
            } else if pressed(Key::ArrowUp) {
                Some(jiff::Span::new().days(-7))
            } else if pressed(Key::ArrowDown) {
                Some(jiff::Span::new().days(7))
            } else if pressed(Key::PageUp) {
                Some(jiff::Span::new().months(-1))
            } else if pressed(Key::PageDown) {
                Some(jiff::Span::new().months(1))
            } else {
                None
            }
        });
        if let Some(next) = step.and_then(|s| cursor.checked_add(s).ok()) {
            cursor = next;
            ui.memory_mut(|m| m.request_focus(day_id(cursor)));
        }
    }
    // Esc anywhere in the dialog closes the innermost thing open: this calendar.
    if ui.input_mut(|i| i.consume_key(Modifiers::NONE, Key::Escape)) {
        close = true;
    }

    let first = cursor.first_of_month();
    ui.vertical(|ui| {
        ui.horizontal(|ui| {
            if ui.small_button("Previous month").clicked()
                && let Ok(d) = cursor.checked_sub(jiff::Span::new().months(1))
            {
                cursor = d;
            }
            ui.label(RichText::new(first.strftime("%B %Y").to_string()).strong());
            if ui.small_button("Next month").clicked()
                && let Ok(d) = cursor.checked_add(jiff::Span::new().months(1))
            {
                cursor = d;
            }
        });
        let size = vec2(30.0, 22.0);
        egui::Grid::new(id.with("days"))
            .spacing([2.0, 2.0])
            .show(ui, |ui| {
                for name in ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"] {
                    ui.label(RichText::new(name).small());
                }
                ui.end_row();
                let offset = i32::from(first.weekday().to_monday_zero_offset());
                for _ in 0..offset {
                    ui.allocate_exact_size(size, Sense::hover());
                }
                let mut column = offset;
                let mut day = first;
                while day.month() == first.month() {
                    let this = day;
                    // Only the cursor's day takes part in the Tab order.
                    let sense = if this == cursor {
                        Sense::click() | Sense::FOCUSABLE
                    } else {
                        Sense::CLICK
                    };
                    let (rect, _) = ui.allocate_exact_size(size, Sense::hover());
                    let response = ui.interact(rect, day_id(this), sense);
                    let selected = *date == Some(this);
                    response.widget_info(|| {
                        egui::WidgetInfo::selected(egui::Role::Button, true, selected, spoken(this))
                    });
                    if response.has_focus() {
                        ui.memory_mut(|m| {
                            m.set_focus_lock_filter(
                                response.id,
                                egui::EventFilter {
                                    horizontal_arrows: true,
                                    vertical_arrows: true,
                                    escape: true,
                                    tab: false,
                                },
                            );
                        });
                    }
                    paint_day(ui, rect, &response, this, selected);
                    if response.clicked() {
                        *date = Some(this);
                        close = true;
                    }
                    column += 1;
                    if column == 7 {
                        column = 0;
                        ui.end_row();
                    }
                    match day.tomorrow() {
                        Ok(next) => day = next,
                        Err(_) => break,
                    }
                }
            });
    });
    if state.focus_cursor {
        state.focus_cursor = false;
        ui.memory_mut(|m| m.request_focus(day_id(cursor)));
    }
    if close {
        state.cursor = None;
        ui.memory_mut(|m| m.request_focus(field.response.id));
    } else {
        state.cursor = Some(cursor);
    }
    ui.data_mut(|d| d.insert_temp(id, state));
}

fn paint_day(ui: &Ui, rect: egui::Rect, response: &egui::Response, day: Date, selected: bool) {
    let visuals = ui.style().interact_selectable(response, selected);
    if selected || response.hovered() || response.has_focus() {
        ui.painter().rect_filled(rect, 4.0, visuals.weak_bg_fill);
    }
    if response.has_focus() {
        ui.painter().rect_stroke(
            rect,
            4.0,
            ui.visuals().selection.stroke,
            egui::StrokeKind::Inside,
        );
    }
    ui.painter().text(
        rect.center(),
        egui::Align2::CENTER_CENTER,
        day.day().to_string(),
        egui::TextStyle::Body.resolve(ui.style()),
        visuals.text_color(),
    );
}
