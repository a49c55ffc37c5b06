//! Reminders: what `check --notify` tells the user about, and what it remembers so that it
//! does not tell them twice.
//!
//! A connection needs attention when its token expires soon, has expired, was rejected, or
//! is missing from the keyring. A connection that cannot be checked (unreachable, or any
//! other error) needs attention only once that has happened [`FAILED_RUNS_BEFORE_NOTICE`]
//! checks in a row: one blip of the VPN is not worth a notification.
//!
//! The same state of the same token is not notified again within [`REPEAT_AFTER`]. What
//! was notified, the failure counts and a summary of the last run live in the `[reminders]`
//! table of `connections.toml`, written through the config store's atomic update. Nothing
//! here holds a secret: states, dates, names and URLs only.
//!
//! A run that cannot read the tokens without a prompt (the keyring is locked, or no keyring
//! service answers) checks nothing and records no connection's result: it raises one
//! notification for all of them, [`keyring_due`], again only after [`REPEAT_AFTER`].

use std::collections::BTreeMap;

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::core::connection::{AuthKind, Connection, ConnectionId, Deployment, Status, name_arg};
use crate::core::error::{Error, KeyringError};
use crate::core::notify::Notice;

/// How many checks in a row a connection must fail to reach Jira (or fail for another
/// reason) before a notification says so.
pub(crate) const FAILED_RUNS_BEFORE_NOTICE: u32 = 3;

/// The same state of the same token is notified again only after this long.
pub(crate) const REPEAT_AFTER: SignedDuration = SignedDuration::from_hours(24);

/// The `[reminders]` table of `connections.toml`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Reminders {
    /// What the last `check --notify` found.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_run: Option<LastRun>,
    /// Per connection, by id.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub connection: BTreeMap<String, ConnectionReminder>,
    /// The last notification that the keyring stopped a run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyring: Option<KeyringNotified>,
}

impl Reminders {
    pub fn is_empty(&self) -> bool {
        self.last_run.is_none() && self.connection.is_empty() && self.keyring.is_none()
    }
}

/// Why the keyring stopped a run before any check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyringBlock {
    /// Reading the tokens would raise the keyring's unlock prompt.
    Locked,
    /// No keyring service answers (no Secret Service on the session bus).
    NoService,
}

impl KeyringBlock {
    /// The keyring failures that stop a run; `None` for every other error.
    pub fn of(err: &Error) -> Option<Self> {
        match err {
            Error::Keyring(KeyringError::Locked { .. }) => Some(KeyringBlock::Locked),
            Error::Keyring(KeyringError::Unavailable { .. }) => Some(KeyringBlock::NoService),
            _ => None,
        }
    }

    /// The name kept in `connections.toml`.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyringBlock::Locked => "locked",
            KeyringBlock::NoService => "no-service",
        }
    }

    /// What happened, as the notification's title begins.
    pub fn headline(self) -> &'static str {
        match self {
            KeyringBlock::Locked => "the keyring is locked",
            KeyringBlock::NoService => "no keyring service",
        }
    }
}

/// A notification that the keyring stopped a run, as delivered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyringNotified {
    /// [`KeyringBlock::as_str`].
    pub state: String,
    /// When it was delivered.
    pub at: Timestamp,
}

/// The one notification of a run that the keyring stopped, and what to remember once it
/// is delivered.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyringReminder {
    pub notice: Notice,
    pub notified: KeyringNotified,
}

/// What is remembered about one connection.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ConnectionReminder {
    /// Checks in a row that could not reach Jira or failed for another reason.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub failed_runs: u32,
    /// The last notification sent for this connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notified: Option<Notified>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// A notification that was delivered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Notified {
    /// The state it was about, e.g. `expiring-soon`.
    pub state: String,
    /// Which token it was about: its creation and expiry dates as recorded.
    pub token: String,
    /// When it was delivered.
    pub at: Timestamp,
}

/// A summary of the last `check --notify`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LastRun {
    pub at: Timestamp,
    /// How many connections were checked.
    pub checked: u32,
    /// `name: state` for each connection that needed attention.
    #[serde(default)]
    pub attention: Vec<String>,
    /// How many notifications were delivered.
    pub notified: u32,
    /// Why notifications could not be delivered, when they could not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_error: Option<String>,
    /// Why nothing was checked, when the keyring stopped the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_checked: Option<String>,
}

/// A checked connection, as the reminders see it.
#[derive(Debug, Clone)]
pub struct Checked {
    pub connection: Connection,
    pub status: Status,
}

/// A notification to send.
#[derive(Debug, Clone, PartialEq)]
pub struct Reminder {
    pub id: ConnectionId,
    /// The connection's name, which `jira-connect gui --select` takes.
    pub name: String,
    pub status: Status,
    /// Names the connection and its state.
    pub title: String,
    /// The site, the date and the next step.
    pub body: String,
    /// Expired, rejected and missing tokens are urgent; the rest is not.
    pub critical: bool,
    /// Remembered once delivered.
    pub notified: Notified,
}

impl Reminder {
    /// The notification that shows it.
    pub fn notice(&self) -> Notice {
        Notice {
            title: self.title.clone(),
            body: self.body.clone(),
            critical: self.critical,
            category: "x-jira-connect.token",
        }
    }
}

/// Which token a connection holds, as far as the metadata tells.
fn token_fingerprint(c: &Connection) -> String {
    let date = |d: Option<Date>| d.map_or_else(|| "-".to_string(), |d| d.to_string());
    format!(
        "created {} expires {}",
        date(c.token_created),
        date(c.token_expires)
    )
}

/// Whether a status asks for a notification now, given how many checks in a row failed
/// before this one.
fn needs_attention(status: Status, failed_runs_before: u32) -> bool {
    match status {
        Status::ExpiringSoon | Status::Expired | Status::Rejected | Status::SecretMissing => true,
        Status::Unreachable | Status::Error => failed_runs_before + 1 >= FAILED_RUNS_BEFORE_NOTICE,
        Status::Valid | Status::Unchecked => false,
    }
}

fn counts_as_failed(status: Status) -> bool {
    matches!(status, Status::Unreachable | Status::Error)
}

/// The connections of `checked` that need attention, each as a `name: state` line.
pub fn attention(state: &Reminders, checked: &[Checked]) -> Vec<String> {
    checked
        .iter()
        .filter(|c| needs_attention(c.status, failed_runs(state, &c.connection.id)))
        .map(|c| format!("{}: {}", c.connection.name, c.status))
        .collect()
}

fn failed_runs(state: &Reminders, id: &ConnectionId) -> u32 {
    state
        .connection
        .get(id.as_str())
        .map_or(0, |r| r.failed_runs)
}

/// The notifications due after a check, given what was remembered: one per connection that
/// needs attention, unless the same state of the same token was notified less than
/// [`REPEAT_AFTER`] ago.
pub(crate) fn due(
    state: &Reminders,
    checked: &[Checked],
    now: Timestamp,
    today: Date,
) -> Vec<Reminder> {
    let mut due = Vec::new();
    for c in checked {
        let id = &c.connection.id;
        let failed_before = failed_runs(state, id);
        if !needs_attention(c.status, failed_before) {
            continue;
        }
        let notified = Notified {
            state: c.status.as_str().to_string(),
            token: token_fingerprint(&c.connection),
            at: now,
        };
        let repeat = state
            .connection
            .get(id.as_str())
            .and_then(|r| r.notified.as_ref())
            .is_some_and(|last| {
                last.state == notified.state
                    && last.token == notified.token
                    && now.duration_since(last.at) < REPEAT_AFTER
            });
        if repeat {
            continue;
        }
        let (title, body) = message(&c.connection, c.status, failed_before + 1, today);
        due.push(Reminder {
            id: id.clone(),
            name: c.connection.name.clone(),
            status: c.status,
            title,
            body,
            critical: matches!(
                c.status,
                Status::Expired | Status::Rejected | Status::SecretMissing
            ),
            notified,
        });
    }
    due
}

/// Records a run: the failure counts of the checked connections, the notifications that
/// were delivered, and the summary. Forgets connections that no longer exist.
pub fn record(
    state: &mut Reminders,
    existing: &[Connection],
    checked: &[Checked],
    delivered: &[Reminder],
    summary: LastRun,
) {
    for c in checked {
        let entry = state
            .connection
            .entry(c.connection.id.as_str().to_string())
            .or_default();
        if counts_as_failed(c.status) {
            entry.failed_runs = entry.failed_runs.saturating_add(1);
        } else {
            entry.failed_runs = 0;
        }
        if !needs_attention(c.status, 0) && !counts_as_failed(c.status) {
            // Healthy again: a later problem is news at once.
            entry.notified = None;
        }
    }
    for r in delivered {
        state
            .connection
            .entry(r.id.as_str().to_string())
            .or_default()
            .notified = Some(r.notified.clone());
    }
    state.connection.retain(|id, r| {
        existing.iter().any(|c| c.id.as_str() == id) && (r.failed_runs > 0 || r.notified.is_some())
    });
    state.last_run = Some(summary);
}

/// The notification due when the keyring stopped a run that had `unchecked` connections to
/// check: one for all of them, unless one for the same reason was delivered less than
/// [`REPEAT_AFTER`] before `now`.
pub fn keyring_due(
    state: &Reminders,
    block: KeyringBlock,
    unchecked: usize,
    now: Timestamp,
) -> Option<KeyringReminder> {
    let repeat = state.keyring.as_ref().is_some_and(|last| {
        last.state == block.as_str() && now.duration_since(last.at) < REPEAT_AFTER
    });
    if repeat {
        return None;
    }
    let (title, body) = keyring_message(block, unchecked);
    Some(KeyringReminder {
        notice: Notice {
            title,
            body,
            critical: false,
            category: KEYRING_CATEGORY,
        },
        notified: KeyringNotified {
            state: block.as_str().to_string(),
            at: now,
        },
    })
}

/// The notification category of [`keyring_due`]'s notice.
pub(crate) const KEYRING_CATEGORY: &str = "x-jira-connect.keyring";

/// Records a run that the keyring stopped: the notice if it was delivered, and the
/// summary. No connection's failure count or notification changes: nothing was checked.
pub fn record_keyring_block(
    state: &mut Reminders,
    delivered: Option<&KeyringReminder>,
    summary: LastRun,
) {
    if let Some(reminder) = delivered {
        state.keyring = Some(reminder.notified.clone());
    }
    state.last_run = Some(summary);
}

/// The title and body of the notification that the keyring stopped a run.
pub fn keyring_message(block: KeyringBlock, unchecked: usize) -> (String, String) {
    let connections = if unchecked == 1 {
        "1 connection".to_string()
    } else {
        format!("{unchecked} connections")
    };
    let title = crate::core::error::sentence_case(&format!(
        "{}: jira-connect could not check {connections}",
        block.headline()
    ));
    let next = match block {
        KeyringBlock::Locked => {
            "Unlock your login keyring (logging in to the desktop usually does), then run: \
             jira-connect check"
        }
        KeyringBlock::NoService => {
            "No keyring service answers on the session bus. Start one (gnome-keyring, \
             KeePassXC), then run: jira-connect check"
        }
    };
    let body = format!(
        "Nothing was checked, and no connection was marked as failed.\n{next}\n\
         This is not shown again for a day."
    );
    (title, body)
}

/// The title and body of a notification. The title names the connection and its state;
/// the body gives the site, the date and the next step.
pub fn message(c: &Connection, status: Status, failed_runs: u32, today: Date) -> (String, String) {
    let name = &c.name;
    let secret = c.auth.secret_name();
    let expires = c.token_expires.map(|d| d.to_string());
    let checked_on = c
        .last_check
        .as_ref()
        .map(|lc| lc.at.strftime("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| today.to_string());
    let title = match status {
        Status::ExpiringSoon => match c.days_left(today) {
            Some(0) => format!("{name}: {secret} expires today"),
            Some(1) => format!("{name}: {secret} expires tomorrow"),
            Some(d) => format!("{name}: {secret} expires in {d} days"),
            None => format!("{name}: {secret} expires soon"),
        },
        Status::Expired => format!("{name}: {secret} has expired"),
        Status::Rejected => format!("{name}: {} rejected the {secret}", c.product.title()),
        Status::SecretMissing => format!("{name}: {secret} missing from the keyring"),
        Status::Unreachable => format!("{name}: unreachable for {failed_runs} checks in a row"),
        Status::Error => format!("{name}: check failed {failed_runs} times in a row"),
        Status::Valid | Status::Unchecked => format!("{name}: {status}"),
    };
    let mut lines = vec![format!("Site: {}", c.url)];
    match (status, &expires) {
        (Status::ExpiringSoon, Some(d)) => lines.push(format!("Expires on {d}.")),
        (Status::Expired, Some(d)) => lines.push(format!("Expired on {d}.")),
        _ => lines.push(format!("Checked {checked_on}.")),
    }
    let replace = format!("jira-connect replace-token {}", name_arg(name));
    let next = match status {
        Status::ExpiringSoon | Status::Expired | Status::Rejected => match (c.deployment, c.auth) {
            (_, AuthKind::Password) => {
                format!("Change the password in Jira.\nThen run: {replace}")
            }
            (Deployment::Cloud, _) => format!(
                "Create a new API token at {}\nThen run: {replace}",
                c.token_page()
            ),
            (Deployment::DataCenter, _) => format!(
                "Rotate the token in your Jira profile at {}\nThen run: {replace}",
                c.token_page()
            ),
        },
        Status::SecretMissing => {
            format!("Its {secret} is not in the OS keyring. Run: {replace}")
        }
        Status::Unreachable => {
            format!(
                "Check the network, VPN and proxy.\nThen run: jira-connect check {}",
                name_arg(name)
            )
        }
        Status::Error | Status::Valid | Status::Unchecked => {
            format!(
                "See what failed with: jira-connect check {}",
                name_arg(name)
            )
        }
    };
    lines.push(next);
    (title, lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::connection::{LastCheck, Outcome};
    use jiff::civil::date;

    fn conn(name: &str, outcome: Outcome, expires: Option<Date>) -> Connection {
        let at = "2026-11-22T06:00:00Z".parse().unwrap();
        Connection {
            token_created: Some(date(2026, 1, 1)),
            token_expires: expires,
            last_check: Some(LastCheck::sample(outcome, at)),
            ..Connection::sample(name)
        }
    }

    fn checked(c: &Connection, today: Date) -> Checked {
        Checked {
            connection: c.clone(),
            status: c.status(today),
        }
    }

    fn summary(now: Timestamp) -> LastRun {
        LastRun {
            at: now,
            checked: 0,
            attention: vec![],
            notified: 0,
            delivery_error: None,
            not_checked: None,
        }
    }

    #[test]
    fn only_connections_that_need_attention_are_due_and_none_twice_a_day() {
        let today = date(2026, 11, 22);
        let now: Timestamp = "2026-11-22T06:00:00Z".parse().unwrap();
        let soon = conn("soon", Outcome::Valid, Some(date(2026, 12, 1)));
        let fine = conn("fine", Outcome::Valid, Some(date(2027, 6, 1)));
        let gone = conn("gone", Outcome::Rejected, None);
        let all = vec![soon.clone(), fine.clone(), gone.clone()];
        let run: Vec<_> = all.iter().map(|c| checked(c, today)).collect();
        let mut state = Reminders::default();
        let first = due(&state, &run, now, today);
        let names: Vec<_> = first.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["soon", "gone"]);
        assert_eq!(first[0].title, "soon: API token expires in 9 days");
        assert!(
            first[0].body.contains("Expires on 2026-12-01."),
            "{}",
            first[0].body
        );
        assert!(first[0].body.contains("jira-connect replace-token soon"));
        assert!(!first[0].critical && first[1].critical);
        record(&mut state, &all, &run, &first, summary(now));

        // An hour later: nothing new.
        let later = now + SignedDuration::from_hours(1);
        assert_eq!(due(&state, &run, later, today), vec![]);
        // A day later: the same states again, once.
        let next_day = now + REPEAT_AFTER;
        assert_eq!(due(&state, &run, next_day, today).len(), 2);
        // A new token (replaced) is news at once.
        let mut replaced = gone.clone();
        replaced.token_created = Some(today);
        let again = due(&state, &[checked(&replaced, today)], later, today);
        assert_eq!(again.len(), 1);
        // So is a change of state.
        let expired = due(
            &state,
            &[checked(&soon, date(2026, 12, 2))],
            later,
            date(2026, 12, 2),
        );
        assert_eq!(expired[0].status, Status::Expired);
        assert_eq!(expired[0].title, "soon: API token has expired");
    }

    #[test]
    fn unreachable_is_news_only_after_several_checks_in_a_row() {
        let today = date(2026, 11, 22);
        let mut now: Timestamp = "2026-11-22T06:00:00Z".parse().unwrap();
        let down = conn("down", Outcome::Unreachable, None);
        let all = vec![down.clone()];
        let run = vec![checked(&down, today)];
        let mut state = Reminders::default();
        for _ in 1..FAILED_RUNS_BEFORE_NOTICE {
            assert_eq!(due(&state, &run, now, today), vec![]);
            assert_eq!(attention(&state, &run), Vec::<String>::new());
            record(&mut state, &all, &run, &[], summary(now));
            now += SignedDuration::from_hours(25);
        }
        let third = due(&state, &run, now, today);
        assert_eq!(third.len(), 1);
        assert_eq!(
            third[0].title,
            format!("down: unreachable for {FAILED_RUNS_BEFORE_NOTICE} checks in a row")
        );
        // One good check resets the count.
        let up = conn("down", Outcome::Valid, None);
        let up = Connection {
            id: down.id.clone(),
            ..up
        };
        record(&mut state, &all, &[checked(&up, today)], &[], summary(now));
        assert!(state.connection.is_empty(), "{state:?}");
        assert_eq!(due(&state, &run, now, today), vec![]);
    }

    #[test]
    fn removed_connections_are_forgotten() {
        let today = date(2026, 11, 22);
        let now: Timestamp = "2026-11-22T06:00:00Z".parse().unwrap();
        let gone = conn("gone", Outcome::Rejected, None);
        let run = vec![checked(&gone, today)];
        let mut state = Reminders::default();
        let sent = due(&state, &run, now, today);
        record(
            &mut state,
            std::slice::from_ref(&gone),
            &run,
            &sent,
            summary(now),
        );
        assert_eq!(state.connection.len(), 1);
        record(&mut state, &[], &[], &[], summary(now));
        assert!(state.connection.is_empty());
    }

    #[test]
    fn a_blocked_keyring_is_notified_once_a_day_for_all_connections() {
        let now: Timestamp = "2026-11-22T06:00:00Z".parse().unwrap();
        let mut state = Reminders::default();
        let first = keyring_due(&state, KeyringBlock::Locked, 3, now).unwrap();
        assert_eq!(
            first.notice.title,
            "The keyring is locked: jira-connect could not check 3 connections"
        );
        assert!(
            first
                .notice
                .body
                .starts_with("Nothing was checked, and no connection was marked as failed.\n"),
            "{}",
            first.notice.body
        );
        assert!(first.notice.body.contains("then run: jira-connect check"));
        assert_eq!(first.notice.category, KEYRING_CATEGORY);
        assert!(!first.notice.critical);
        record_keyring_block(&mut state, Some(&first), summary(now));
        assert_eq!(state.keyring, Some(first.notified.clone()));
        assert_eq!(state.keyring.as_ref().unwrap().state, "locked");

        // Within 24 hours: silence, however many runs.
        for hours in [1, 12, 23] {
            let later = now + SignedDuration::from_hours(hours);
            assert_eq!(keyring_due(&state, KeyringBlock::Locked, 3, later), None);
            record_keyring_block(&mut state, None, summary(later));
        }
        let almost = now + REPEAT_AFTER - SignedDuration::from_secs(1);
        assert_eq!(keyring_due(&state, KeyringBlock::Locked, 3, almost), None);
        // A silent run keeps the time it was last shown.
        assert_eq!(state.keyring.as_ref().unwrap().at, now);
        // 24 hours after it was shown: once more.
        let next_day = now + REPEAT_AFTER;
        let again = keyring_due(&state, KeyringBlock::Locked, 1, next_day).unwrap();
        assert_eq!(
            again.notice.title,
            "The keyring is locked: jira-connect could not check 1 connection"
        );
        // Another reason is news at once.
        let gone = keyring_due(
            &state,
            KeyringBlock::NoService,
            2,
            now + SignedDuration::from_hours(1),
        )
        .unwrap();
        assert_eq!(
            gone.notice.title,
            "No keyring service: jira-connect could not check 2 connections"
        );
        assert!(
            gone.notice
                .body
                .contains("Start one (gnome-keyring, KeePassXC)")
        );
        assert_eq!(gone.notified.state, "no-service");
    }

    #[test]
    fn a_blocked_run_changes_no_connection() {
        let today = date(2026, 11, 22);
        let now: Timestamp = "2026-11-22T06:00:00Z".parse().unwrap();
        let down = conn("down", Outcome::Unreachable, None);
        let run = vec![checked(&down, today)];
        let mut state = Reminders::default();
        record(
            &mut state,
            std::slice::from_ref(&down),
            &run,
            &[],
            summary(now),
        );
        let before = state.connection.clone();
        let due = keyring_due(&state, KeyringBlock::NoService, 1, now);
        record_keyring_block(&mut state, due.as_ref(), summary(now));
        assert_eq!(
            state.connection, before,
            "no failure counted, none forgotten"
        );
        assert!(!state.is_empty());
    }

    #[test]
    fn only_a_locked_or_missing_keyring_blocks_a_run() {
        let locked = Error::Keyring(KeyringError::Locked { detail: "x".into() });
        let missing = Error::Keyring(KeyringError::Unavailable { detail: "x".into() });
        let failed = Error::Keyring(KeyringError::Failed { detail: "x".into() });
        assert_eq!(KeyringBlock::of(&locked), Some(KeyringBlock::Locked));
        assert_eq!(KeyringBlock::of(&missing), Some(KeyringBlock::NoService));
        assert_eq!(KeyringBlock::of(&failed), None);
        assert_eq!(
            KeyringBlock::of(&Error::SecretMissing { name: "a".into() }),
            None
        );
    }

    #[test]
    fn data_center_says_rotate_and_missing_says_replace() {
        let today = date(2026, 11, 22);
        let mut dc = conn("corp", Outcome::Valid, Some(date(2026, 11, 1)));
        dc.deployment = Deployment::DataCenter;
        dc.auth = AuthKind::Pat;
        dc.url = "https://jira.corp.example".into();
        let (title, body) = message(&dc, Status::Expired, 1, today);
        assert_eq!(title, "corp: personal access token has expired");
        assert!(body.starts_with("Site: https://jira.corp.example\nExpired on 2026-11-01.\nRotate the token in your Jira profile at https://jira.corp.example/secure/ViewProfile.jspa"), "{body}");
        assert!(
            body.ends_with("\nThen run: jira-connect replace-token corp"),
            "{body}"
        );
        let (title, body) = message(&dc, Status::SecretMissing, 1, today);
        assert_eq!(
            title,
            "corp: personal access token missing from the keyring"
        );
        assert!(body.contains("Checked 2026-11-22 06:00 UTC."), "{body}");
    }
}
