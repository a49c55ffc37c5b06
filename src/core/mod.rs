//! The core of jira-connect: the connection model, URL normalisation, the error taxonomy,
//! the validation client, the config store and the secret store.
//!
//! Nothing here knows about egui or clap. The desktop app and the CLI both go through
//! [`service::Connections`].

pub mod atomic;
pub mod config;
pub mod connection;
pub mod draft;
pub mod error;
pub mod failpoint;
pub mod import;
pub mod jira;
pub mod journal;
pub mod netrc;
pub mod notify;
pub mod reminders;
pub mod schedule;
pub mod secrets;
pub mod service;
pub mod site_url;

/// The application id: the name of the desktop file, the icon and the AppStream metainfo
/// that the Linux package installs, the window's Wayland app id and X11 class, and the
/// desktop entry that notifications name.
pub const APP_ID: &str = "io.github.jira_connect.JiraConnect";
