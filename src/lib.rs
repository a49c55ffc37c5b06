//! jira-connect: set up, keep healthy and retire connections to Jira Cloud and Jira
//! Server/Data Center.
//!
//! - [`core`]: the connection model, validation client, config store and secret store. No
//!   UI code.

pub mod core;
