//! `JIRA_CONNECT_REPORT_FIRST_FRAME=1` prints one line to stderr, once: how long it took
//! from the start of `main` to the end of the first frame, e.g. `first frame: 212.4 ms`.
//! `scripts/bench.sh` reads it to compare the app's start-up with a bare eframe window
//! (`examples/bare_window.rs`), which prints the same line the same way.
//!
//! eframe has no hook after a frame is presented, so the first frame asks for a second one
//! and the line is printed when the second begins, which is after the first was swapped to
//! the screen. Without the variable this does nothing at all.

use std::sync::OnceLock;
use std::time::Instant;

/// The environment variable that turns the report on.
pub(crate) const REPORT_ENV: &str = "JIRA_CONNECT_REPORT_FIRST_FRAME";

static STARTED: OnceLock<Instant> = OnceLock::new();

/// Notes when `main` started; call it first thing in `main`.
pub fn mark_start() {
    STARTED.get_or_init(Instant::now);
}

/// Reports the first frame once, when [`REPORT_ENV`] is set.
#[derive(Debug)]
pub struct FirstFrame {
    state: State,
}

#[derive(Debug, PartialEq, Eq)]
enum State {
    BeforeFirst,
    AfterFirst,
    Off,
}

impl FirstFrame {
    pub fn from_env() -> Self {
        let on = std::env::var_os(REPORT_ENV).is_some_and(|v| v == "1");
        FirstFrame {
            state: if on { State::BeforeFirst } else { State::Off },
        }
    }

    /// Call at the start of every frame.
    pub fn on_frame(&mut self, ctx: &egui::Context) {
        match self.state {
            State::BeforeFirst => {
                self.state = State::AfterFirst;
                ctx.request_repaint();
            }
            State::AfterFirst => {
                self.state = State::Off;
                let started = STARTED.get_or_init(Instant::now);
                eprintln!(
                    "first frame: {:.1} ms",
                    started.elapsed().as_secs_f64() * 1000.0
                );
            }
            State::Off => {}
        }
    }
}
