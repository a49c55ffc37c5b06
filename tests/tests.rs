//! All integration tests, in one binary.

mod atlassian;
mod cli;
mod cli_in_process;
mod common;
mod crash;
mod docs;
mod doctor;
mod gui;
mod jira_http;
mod json_contract;
mod keyring_os;
mod leaks;
mod oauth_mock;
mod pat_api;
mod pat_mock;
mod real_answers;
#[cfg(target_os = "linux")]
mod reminders;
mod rotate;
mod rotate_hostile;
mod service_accounts;
mod service_flows;
#[cfg(unix)]
mod single_instance;
mod tls;
mod token_lookup;
