//! jira-connect: set up, keep healthy and retire connections to Jira Cloud and Jira
//! Server/Data Center.
//!
//! Three layers, with arrows pointing one way only: [`ui`] and [`cli`] → [`core`].
//! - [`core`]: the connection model, validation client, config store and secret store. No
//!   egui, no clap.
//! - [`cli`]: the command-line interface.
//! - [`ui`]: the desktop app.

pub mod cli;
pub mod core;
pub mod ui;
