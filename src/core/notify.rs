//! Desktop notifications for [`crate::core::reminders`].
//!
//! - **Linux**: the freedesktop notification service, `org.freedesktop.Notifications` on the
//!   session bus, called directly through the zbus that the Secret Service store already
//!   uses. Where the service lists the `actions` capability, a notification can carry an
//!   **Open in jira-connect** button; [`Notifier::wait_for_actions`] then listens for the
//!   click.
//! - **macOS and Windows**: notify-rust's back ends (Notification Center, WinRT toasts),
//!   without buttons.
//!
//! A notification holds a connection's name, state, site, dates and next step: never a
//! secret.

use std::time::Duration;

use crate::core::error::Error;
use crate::core::reminders::Reminder;

/// One notification: what it says, and how a notification service should file it.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub title: String,
    pub body: String,
    /// Urgent (expired, rejected, missing); shown as such where the service can.
    pub critical: bool,
    /// The freedesktop category hint, e.g. `x-jira-connect.token`.
    pub category: &'static str,
}

/// The application name notifications carry.
pub(crate) const APP_NAME: &str = "jira-connect";

/// The key of the button that opens the app on the connection.
#[cfg(target_os = "linux")]
pub(crate) const OPEN_ACTION: &str = "open";

/// How long [`Notifier::wait_for_actions`] waits for a click at most.
pub(crate) const ACTION_WAIT: Duration = Duration::from_secs(10 * 60);

fn unavailable(detail: impl std::fmt::Display) -> Error {
    Error::Notifications {
        detail: detail.to_string(),
    }
}

#[cfg(target_os = "linux")]
pub use linux::Notifier;

#[cfg(target_os = "linux")]
mod linux {
    use std::collections::HashMap;
    use std::time::Duration;

    use futures_lite::StreamExt;
    use zbus::names::OwnedUniqueName;
    use zbus::zvariant::Value;
    use zbus::{Connection, MatchRule, MessageStream, message::Type};

    use super::{APP_NAME, Notice, OPEN_ACTION, unavailable};
    use crate::core::error::Error;
    use crate::core::reminders::Reminder;

    const DEST: &str = "org.freedesktop.Notifications";
    const PATH: &str = "/org/freedesktop/Notifications";
    const IFACE: &str = "org.freedesktop.Notifications";

    /// A connection to the session bus's notification service.
    pub struct Notifier {
        bus: Connection,
        capabilities: Vec<String>,
        /// Signals of the notification service, subscribed before the first notification
        /// so that no click is missed.
        signals: Option<MessageStream>,
        /// The unique bus name of the process that owned `org.freedesktop.Notifications`
        /// when the signals were subscribed: only its signals count. Any process on the
        /// session bus can send a signal with the service's path and interface.
        owner: Option<OwnedUniqueName>,
    }

    impl Notifier {
        /// Connects to the session bus and asks the notification service what it can do.
        pub async fn connect() -> Result<Self, Error> {
            let bus = Connection::session().await.map_err(unavailable)?;
            let reply = bus
                .call_method(Some(DEST), PATH, Some(IFACE), "GetCapabilities", &())
                .await
                .map_err(unavailable)?;
            let capabilities: Vec<String> = reply.body().deserialize().map_err(unavailable)?;
            Ok(Notifier {
                bus,
                capabilities,
                signals: None,
                owner: None,
            })
        }

        /// True when the service shows action buttons.
        pub(crate) fn supports_actions(&self) -> bool {
            self.capabilities.iter().any(|c| c == "actions")
        }

        /// Sends one notification and returns its id. With `action`, and a service that
        /// shows actions, it carries the Open button (and clicking it counts too).
        pub async fn send(&mut self, reminder: &Reminder, action: bool) -> Result<u32, Error> {
            self.send_notice(&reminder.notice(), action).await
        }

        /// Sends one notice and returns its id; `action` as for [`Notifier::send`].
        pub async fn send_notice(&mut self, notice: &Notice, action: bool) -> Result<u32, Error> {
            let action = action && self.supports_actions();
            if action && self.signals.is_none() {
                let owner = zbus::fdo::DBusProxy::new(&self.bus)
                    .await
                    .map_err(unavailable)?
                    .get_name_owner(DEST.try_into().map_err(unavailable)?)
                    .await
                    .map_err(unavailable)?;
                let rule = MatchRule::builder()
                    .msg_type(Type::Signal)
                    .sender(owner.to_string())
                    .and_then(|b| b.interface(IFACE))
                    .and_then(|b| b.path(PATH))
                    .map_err(unavailable)?
                    .build();
                self.owner = Some(owner);
                self.signals = Some(
                    MessageStream::for_match_rule(rule, &self.bus, Some(64))
                        .await
                        .map_err(unavailable)?,
                );
            }
            let markup = self.capabilities.iter().any(|c| c == "body-markup");
            let body = if markup {
                escape_markup(&notice.body)
            } else {
                notice.body.clone()
            };
            let actions: Vec<&str> = if action {
                vec![
                    "default",
                    "Open in jira-connect",
                    OPEN_ACTION,
                    "Open in jira-connect",
                ]
            } else {
                Vec::new()
            };
            let mut hints: HashMap<&str, Value<'_>> = HashMap::new();
            hints.insert("desktop-entry", Value::from(crate::core::APP_ID));
            hints.insert("urgency", Value::U8(if notice.critical { 2 } else { 1 }));
            hints.insert("category", Value::from(notice.category));
            let reply = self
                .bus
                .call_method(
                    Some(DEST),
                    PATH,
                    Some(IFACE),
                    "Notify",
                    &(
                        APP_NAME,
                        0u32,
                        "dialog-warning",
                        notice.title.as_str(),
                        body.as_str(),
                        actions,
                        hints,
                        -1i32,
                    ),
                )
                .await
                .map_err(unavailable)?;
            reply.body().deserialize::<u32>().map_err(unavailable)
        }

        /// Waits until every notification in `open` (id → connection name) is closed, or
        /// `limit` has passed, calling `on_action` with the connection's name for each
        /// click on a button or on the notification.
        pub(crate) async fn wait_for_actions(
            &mut self,
            mut open: HashMap<u32, String>,
            limit: Duration,
            on_action: impl Fn(&str),
        ) {
            let Some(signals) = self.signals.as_mut() else {
                return;
            };
            let deadline = tokio::time::Instant::now() + limit;
            while !open.is_empty() {
                let next = tokio::time::timeout_at(deadline, signals.next()).await;
                let Ok(Some(Ok(message))) = next else {
                    return;
                };
                let header = message.header();
                // The bus filters by sender already; a message from anyone else is not
                // the service's, whatever it claims.
                let from_owner = match (header.sender(), &self.owner) {
                    (Some(sender), Some(owner)) => sender.as_str() == owner.as_str(),
                    _ => false,
                };
                if !from_owner {
                    continue;
                }
                match header.member().map(|m| m.as_str()) {
                    Some("ActionInvoked") => {
                        if let Ok((id, key)) = message.body().deserialize::<(u32, String)>()
                            && (key == OPEN_ACTION || key == "default")
                            && let Some(name) = open.get(&id)
                        {
                            on_action(name);
                        }
                    }
                    Some("NotificationClosed") => {
                        if let Ok((id, _reason)) = message.body().deserialize::<(u32, u32)>() {
                            open.remove(&id);
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    /// The body as text for a service that reads markup.
    fn escape_markup(text: &str) -> String {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn markup_is_escaped() {
            assert_eq!(
                super::escape_markup("a <b> & c?x=1&y=2"),
                "a &lt;b&gt; &amp; c?x=1&amp;y=2"
            );
        }
    }
}

#[cfg(any(target_os = "macos", target_os = "windows"))]
pub use native::Notifier;

#[cfg(any(target_os = "macos", target_os = "windows"))]
mod native {
    use std::collections::HashMap;
    use std::time::Duration;

    use super::{APP_NAME, Notice, unavailable};
    use crate::core::error::Error;
    use crate::core::reminders::Reminder;

    /// Notification Center (macOS) or WinRT toasts (Windows), through notify-rust.
    pub struct Notifier;

    impl Notifier {
        pub async fn connect() -> Result<Self, Error> {
            Ok(Notifier)
        }

        /// No buttons on these platforms.
        pub(crate) fn supports_actions(&self) -> bool {
            false
        }

        pub async fn send(&mut self, reminder: &Reminder, action: bool) -> Result<u32, Error> {
            self.send_notice(&reminder.notice(), action).await
        }

        pub async fn send_notice(&mut self, notice: &Notice, _action: bool) -> Result<u32, Error> {
            let title = notice.title.clone();
            let body = notice.body.clone();
            tokio::task::spawn_blocking(move || {
                notify_rust::Notification::new()
                    .appname(APP_NAME)
                    .summary(&title)
                    .body(&body)
                    .show()
                    .map(|_| 0)
                    .map_err(unavailable)
            })
            .await
            .map_err(unavailable)?
        }

        pub(crate) async fn wait_for_actions(
            &mut self,
            _open: HashMap<u32, String>,
            _limit: Duration,
            _on_action: impl Fn(&str),
        ) {
        }
    }
}

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
pub use unsupported::Notifier;

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
mod unsupported {
    use std::collections::HashMap;
    use std::time::Duration;

    use super::{Notice, unavailable};
    use crate::core::error::Error;
    use crate::core::reminders::Reminder;

    /// No notification back end on this platform.
    pub struct Notifier;

    impl Notifier {
        pub async fn connect() -> Result<Self, Error> {
            Err(unavailable("not supported on this platform"))
        }

        pub(crate) fn supports_actions(&self) -> bool {
            false
        }

        pub async fn send(&mut self, _reminder: &Reminder, _action: bool) -> Result<u32, Error> {
            Err(unavailable("not supported on this platform"))
        }

        pub async fn send_notice(&mut self, _notice: &Notice, _action: bool) -> Result<u32, Error> {
            Err(unavailable("not supported on this platform"))
        }

        pub(crate) async fn wait_for_actions(
            &mut self,
            _open: HashMap<u32, String>,
            _limit: Duration,
            _on_action: impl Fn(&str),
        ) {
        }
    }
}

/// What delivering a batch of reminders did.
#[derive(Debug, Default)]
pub(crate) struct Delivery {
    /// The reminders delivered, with the notification ids.
    pub delivered: Vec<(u32, Reminder)>,
    /// Why the rest could not be delivered.
    pub error: Option<Error>,
}

/// Sends each reminder as a notification, stopping at the first failure: a service that is
/// missing fails for all of them alike.
pub(crate) async fn deliver(
    notifier: &mut Notifier,
    reminders: Vec<Reminder>,
    action: bool,
) -> Delivery {
    let mut delivery = Delivery::default();
    for reminder in reminders {
        match notifier.send(&reminder, action).await {
            Ok(id) => delivery.delivered.push((id, reminder)),
            Err(e) => {
                delivery.error = Some(e);
                break;
            }
        }
    }
    delivery
}
