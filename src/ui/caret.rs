//! The text caret blinks the way GTK's does: while the user works, then, after
//! [`BLINK_TIMEOUT`] seconds without input, it stays solid.
//!
//! A blinking caret repaints the whole window twice a second, which on software rendering
//! costs a few percent of a core for as long as a dialog sits open with a focused field.
//! A solid caret needs no repaint at all, so an idle window goes back to zero.

/// Seconds of no input after which the caret stops blinking (GTK's `gtk-cursor-blink-timeout`
/// default).
pub const BLINK_TIMEOUT: f64 = 10.0;

/// Turns the caret's blinking on with input and off after [`BLINK_TIMEOUT`].
#[derive(Debug, Default)]
pub(crate) struct CaretBlink {
    /// When the last input arrived, in egui's clock.
    last_input: f64,
    /// What the style says now.
    blinking: bool,
}

impl CaretBlink {
    /// Call once per frame, before drawing.
    pub fn on_frame(&mut self, ctx: &egui::Context) {
        let (now, input) = ctx.input(|i| {
            (
                i.time,
                !i.events.is_empty() || i.pointer.delta() != egui::Vec2::ZERO,
            )
        });
        if input {
            self.last_input = now;
        }
        let idle_for = now - self.last_input;
        let blink = idle_for < BLINK_TIMEOUT;
        if blink != self.blinking {
            self.blinking = blink;
            ctx.all_styles_mut(|style| style.visuals.text_cursor.blink = blink);
        }
        if blink {
            // Wake once at the timeout, so that a caret blinking then is drawn solid.
            ctx.request_repaint_after_secs((BLINK_TIMEOUT - idle_for) as f32);
        }
    }
}
