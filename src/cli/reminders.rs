//! `check --notify` and `reminders enable | disable | status`: keeping connections healthy
//! while the window is closed.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Subcommand;
use jiff::Timestamp;

use super::output::Printer;
use crate::core::connection::Connection;
use crate::core::connection::today;
use crate::core::error::Error;
use crate::core::notify::{self, Delivery, Notifier};
use crate::core::reminders::{self, Checked, KeyringBlock, LastRun};
use crate::core::schedule::{self, Activation};
use crate::core::service::{CheckReport, Connections};

#[derive(Debug, Subcommand)]
pub enum RemindersAction {
    /// Run `jira-connect check --notify` daily and at login (a systemd user timer on
    /// Linux, a LaunchAgent on macOS, a scheduled task on Windows).
    Enable,
    /// Stop the scheduled checks and remove what `enable` installed.
    Disable,
    /// Say whether reminders are on, when they run next and what the last run found.
    Status,
}

/// Raises one desktop notification per checked connection that needs attention, unless
/// the same state of the same token was notified within the last 24 hours, and records
/// the run. A missing notification service is reported once; the checks' exit code stands.
pub(crate) async fn notify_after_check(reports: &[CheckReport], svc: &Connections, out: &Printer) {
    let now = Timestamp::now();
    let checked: Vec<Checked> = reports
        .iter()
        .map(|r| Checked {
            connection: r.connection.clone(),
            status: r.status,
        })
        .collect();
    let state = match svc.load() {
        Ok(cfg) => cfg.reminders.clone(),
        Err(err) => {
            out.caution(&format!("No notifications: {}", err.sentence()));
            return;
        }
    };
    let due = reminders::due(&state, &checked, now, today());
    let attention = reminders::attention(&state, &checked);
    // In a terminal nobody waits for a click: no buttons, and the command returns at once.
    let offer_actions = !std::io::stderr().is_terminal();
    let mut notifier = None;
    let mut delivery = Delivery::default();
    if !due.is_empty() {
        match Notifier::connect().await {
            Ok(mut n) => {
                delivery = notify::deliver(&mut n, due, offer_actions).await;
                notifier = Some(n);
            }
            Err(err) => delivery.error = Some(err),
        }
    }
    for (_, reminder) in &delivery.delivered {
        out.notice(&format!("Notified: {}", reminder.title));
    }
    if let Some(err) = &delivery.error {
        out.caution(&err.sentence());
    }
    let delivered: Vec<_> = delivery.delivered.iter().map(|(_, r)| r.clone()).collect();
    let summary = LastRun {
        at: now,
        checked: u32::try_from(checked.len()).unwrap_or(u32::MAX),
        attention,
        notified: u32::try_from(delivered.len()).unwrap_or(u32::MAX),
        delivery_error: delivery.error.as_ref().map(Error::sentence),
        not_checked: None,
    };
    let saved = svc.config().update(|cfg| {
        reminders::record(
            &mut cfg.reminders,
            &cfg.connections,
            &checked,
            &delivered,
            summary,
        );
        Ok(())
    });
    if let Err(err) = saved {
        out.caution(&format!(
            "What was notified could not be saved, so it may be notified again: {}",
            err.sentence()
        ));
    }
    if let Some(mut notifier) = notifier
        && offer_actions
        && notifier.supports_actions()
        && !delivery.delivered.is_empty()
    {
        let open: HashMap<u32, String> = delivery
            .delivered
            .into_iter()
            .map(|(id, r)| (id, r.name))
            .collect();
        notifier
            .wait_for_actions(open, notify::ACTION_WAIT, open_app)
            .await;
    }
}

/// Asks the keyring, before any check, whether it can give the tokens. A keyring that is
/// locked or missing is one failure for the whole run, returned here, instead of one per
/// connection (and, locked, one unlock prompt per connection). `check --notify` never
/// prompts; a plain `check` asks to unlock once, by reading the first connection's token.
/// Any other answer lets the checks run and report for themselves. A plain `check` of one
/// connection is not gated: it reads the keyring once anyway.
pub(crate) async fn keyring_gate(
    selected: &[Connection],
    svc: &Connections,
    notify: bool,
) -> Result<(), Error> {
    // One connection, checked by hand, fails (or prompts) at most once by itself: asking
    // the keyring first would only add a round trip to `check NAME`.
    if !notify && selected.len() < 2 {
        return Ok(());
    }
    let Err(err) = svc.keyring_ready().await else {
        return Ok(());
    };
    match KeyringBlock::of(&err) {
        None => Ok(()),
        Some(KeyringBlock::NoService) => Err(err),
        Some(KeyringBlock::Locked) if notify => Err(err),
        Some(KeyringBlock::Locked) => {
            let Some(first) = selected.first() else {
                return Ok(());
            };
            match svc.unlock_keyring(first).await {
                Err(err) if KeyringBlock::of(&err).is_some() => Err(err),
                _ => Ok(()),
            }
        }
    }
}

/// What a run that the keyring stopped left as it was.
pub(crate) fn not_checked_text(unchecked: usize) -> String {
    match unchecked {
        1 => "Nothing was checked: the connection keeps its last result".into(),
        n => format!("Nothing was checked: the {n} connections keep their last results"),
    }
}

/// After the keyring stopped `check --notify`: one notification for all `unchecked`
/// connections, unless one for the same reason was shown within the last 24 hours, and the
/// run recorded as one that checked nothing. No connection's result or failure count
/// changes.
pub(crate) async fn notify_keyring_block(
    err: &Error,
    unchecked: usize,
    svc: &Connections,
    out: &Printer,
) {
    let Some(block) = KeyringBlock::of(err) else {
        return;
    };
    let now = Timestamp::now();
    let state = match svc.load() {
        Ok(cfg) => cfg.reminders.clone(),
        Err(err) => {
            out.caution(&format!("No notifications: {}", err.sentence()));
            return;
        }
    };
    let due = reminders::keyring_due(&state, block, unchecked, now);
    let mut delivery_error = None;
    let mut delivered = None;
    if let Some(reminder) = due {
        let sent = match Notifier::connect().await {
            Ok(mut notifier) => notifier.send_notice(&reminder.notice, false).await,
            Err(err) => Err(err),
        };
        match sent {
            Ok(_) => {
                out.notice(&format!("Notified: {}", reminder.notice.title));
                delivered = Some(reminder);
            }
            Err(err) => {
                out.caution(&err.sentence());
                delivery_error = Some(err.sentence());
            }
        }
    }
    let summary = LastRun {
        at: now,
        checked: 0,
        attention: Vec::new(),
        notified: u32::from(delivered.is_some()),
        delivery_error,
        not_checked: Some(err.to_string()),
    };
    let saved = svc.config().update(|cfg| {
        reminders::record_keyring_block(&mut cfg.reminders, delivered.as_ref(), summary);
        Ok(())
    });
    if let Err(err) = saved {
        out.caution(&format!(
            "What was notified could not be saved, so it may be notified again: {}",
            err.sentence()
        ));
    }
}

/// The arguments that open the app on a connection: `--select=NAME` is one argument, so
/// that a name is never read as a flag.
fn open_app_args(name: &str) -> [String; 2] {
    ["gui".into(), format!("--select={name}")]
}

/// Starts the desktop app on a connection, in the background.
fn open_app(name: &str) {
    let exe = match schedule::current_exe() {
        Ok(exe) => exe,
        Err(err) => {
            tracing::warn!(error = %err, "cannot open the app");
            return;
        }
    };
    let mut command = std::process::Command::new(exe);
    command
        .args(open_app_args(name))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        command.process_group(0);
    }
    match command.spawn() {
        Ok(_) => tracing::info!(connection = name, "opened the app from a notification"),
        Err(e) => tracing::warn!(error = %e, "cannot open the app"),
    }
}

pub fn run(action: RemindersAction, svc: &Connections, out: &Printer) -> Result<ExitCode, Error> {
    match action {
        RemindersAction::Enable => enable(out),
        RemindersAction::Disable => disable(out),
        RemindersAction::Status => status(svc, out),
    }
}

fn enable(out: &Printer) -> Result<ExitCode, Error> {
    let exe = schedule::current_exe()?;
    let enabled = schedule::enable(&exe)?;
    for file in &enabled.files {
        out.ok(&format!("Wrote {}", file.display()));
    }
    match enabled.activation {
        Activation::Active => {
            out.ok("Reminders are on: `jira-connect check --notify` runs daily and at login");
        }
        Activation::Manual { reason, commands } => {
            out.warn(&format!(
                "The schedule is written but not active yet: {reason}. To turn it on, run:"
            ));
            for command in commands {
                out.hint(&command);
            }
        }
    }
    out.hint("See what the last run found with: jira-connect reminders status");
    Ok(ExitCode::SUCCESS)
}

fn disable(out: &Printer) -> Result<ExitCode, Error> {
    let disabled = schedule::disable()?;
    for file in &disabled.removed {
        out.ok(&format!("Removed {}", file.display()));
    }
    if let Some(err) = &disabled.manager_error {
        out.warn(&format!("The scheduler could not be told: {err}"));
    }
    if disabled.removed.is_empty() && disabled.manager_error.is_none() && cfg!(not(windows)) {
        out.ok("Reminders were already off");
    } else {
        out.ok("Reminders are off");
    }
    Ok(ExitCode::SUCCESS)
}

fn status(svc: &Connections, out: &Printer) -> Result<ExitCode, Error> {
    let state = schedule::status()?;
    match (state.installed, state.active) {
        (false, _) => {
            out.line("Reminders are off.");
            out.hint("Turn them on with: jira-connect reminders enable");
        }
        (true, Some(true)) => out.ok("Reminders are on: checked daily and at login"),
        (true, Some(false)) => out.warn("Reminders are installed but not active"),
        (true, None) => out.warn("Reminders are installed; whether they are active is unknown"),
    }
    if let Some(path) = state.location.as_ref().filter(|_| state.installed) {
        out.hint(&format!("Installed at {}", path.display()));
    }
    if let Some(err) = &state.manager_error
        && state.installed
    {
        out.hint(&format!("The scheduler could not be asked: {err}"));
    }
    if let Some(next) = &state.next_run {
        out.line(&format!("Next run: {next}"));
    }
    let config = svc.load()?;
    match &config.reminders.last_run {
        None => out.line("Last run: never"),
        Some(run) => {
            out.line(&format!(
                "Last run: {}, checked {} connection{}, sent {} notification{}",
                run.at.strftime("%Y-%m-%d %H:%M UTC"),
                run.checked,
                if run.checked == 1 { "" } else { "s" },
                run.notified,
                if run.notified == 1 { "" } else { "s" },
            ));
            if let Some(why) = &run.not_checked {
                out.warn(&format!("Nothing was checked: {why}"));
            } else if run.attention.is_empty() {
                out.ok("Nothing needed attention");
            }
            for item in &run.attention {
                out.warn(&format!("Needs attention: {item}"));
            }
            if let Some(err) = &run.delivery_error {
                out.warn(&format!("Notifications failed: {err}"));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::args::{Cli, Command};

    #[test]
    fn the_open_action_passes_a_flag_like_name_as_a_name() {
        for name in ["acme", "--help", "-x"] {
            let argv = std::iter::once("jira-connect".to_string()).chain(open_app_args(name));
            let cli = Cli::try_parse_from(argv).unwrap_or_else(|e| panic!("{name}: {e}"));
            match cli.command {
                Some(Command::Gui { select, new }) => {
                    assert_eq!(select.as_deref(), Some(name));
                    assert!(!new);
                }
                other => panic!("{name}: {other:?}"),
            }
        }
    }
}
