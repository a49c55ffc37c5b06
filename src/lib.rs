//! jira-connect: set up, keep healthy and retire connections to Jira Cloud and Jira
//! Server/Data Center.
//!
//! - [`core`]: the connection model, validation client, config store and secret store. No
//!   UI code.
//! - [`cli`]: the command-line interface over [`core`].

pub mod cli;
pub mod core;
