//! The command line's shape: clap's types for every command and flag.

use clap::{Args, Parser, Subcommand, ValueEnum};
use jiff::civil::Date;

use crate::core::connection::{AuthKind, Product};

use super::reminders;

/// Set up, keep healthy and retire connections to Jira Cloud and Jira Server/Data Center.
///
/// Tokens live in the OS keyring; everything else in connections.toml in the config
/// directory (override it with JIRA_CONNECT_CONFIG_DIR). Without a command, the desktop app
/// opens.
#[derive(Debug, Parser)]
#[command(name = "jira-connect", version, propagate_version = true)]
pub struct Cli {
    /// Give up on a Jira request after this many seconds.
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,

    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What the command line asks for: the desktop app, or one of the CLI's commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    #[command(flatten)]
    Run(Action),
    /// Open the desktop app (the default when no command is given).
    Gui {
        /// Select this connection when the window opens.
        #[arg(long, value_name = "NAME")]
        select: Option<String>,
        /// Open with the New Connection dialog showing.
        #[arg(long)]
        new: bool,
    },
}

/// The CLI's own commands: everything but opening the window.
#[derive(Debug, Subcommand)]
pub enum Action {
    /// Validate a token with Jira and save the connection. The token is read from stdin
    /// when it is not a terminal, otherwise from a prompt that does not echo.
    Add(AddArgs),
    /// List saved connections with their last known status. Does not touch the keyring.
    List {
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Check connections with Jira now and record the result.
    Check {
        /// Connections to check; all of them when none is given.
        names: Vec<String>,
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
        /// Then raise a desktop notification for each connection that needs attention
        /// (expiring, expired, rejected, token missing; unreachable for 3 checks in a row),
        /// at most once a day per state of a token.
        #[arg(long)]
        notify: bool,
    },
    /// Validate a new token and only then swap it in for the old one. The token is read
    /// like for `add`.
    ReplaceToken {
        name: String,
        /// When the new token expires (YYYY-MM-DD).
        #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
        expires: Option<Date>,
        /// What the new token is called at Atlassian.
        #[arg(long, value_name = "TEXT")]
        token_label: Option<String>,
        /// A service account's new client id, when the new client secret came with one.
        #[arg(long, value_name = "ID")]
        client_id: Option<String>,
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Replace a Data Center personal access token in one step: create the new token on the
    /// server, check it with Jira, swap it into the OS keyring, then revoke the old one.
    /// When the server does not let a token create tokens, asks for the account's password
    /// (from stdin when it is not a terminal, otherwise from a prompt that does not echo),
    /// for that request only. Cloud has no API for this: use replace-token there.
    Rotate {
        name: String,
        /// Days until the new token expires; by default as long as the old one lasted, or
        /// 90 days when that is not known.
        #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(1..))]
        expires_in: Option<u32>,
        /// The new token's name on the server; by default the old token's label.
        #[arg(long, value_name = "TEXT")]
        token_label: Option<String>,
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Delete a connection's token from the keyring and its settings. Does not revoke the
    /// token at Atlassian.
    Remove {
        name: String,
        /// Do not ask for confirmation.
        #[arg(long, short)]
        yes: bool,
    },
    /// Print a connection's token and a newline, for scripts. For a service account, a
    /// fresh OAuth access token, never the client secret.
    Token { name: String },
    /// Connect Confluence on a Jira Cloud connection's site with the same token, and link
    /// the two so that replace-token replaces both.
    LinkConfluence {
        /// The Jira Cloud connection.
        name: String,
        /// A name for the Confluence connection; defaults to NAME-confluence.
        #[arg(long = "name", value_name = "NEW_NAME")]
        new_name: Option<String>,
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Import a connection from another tool, validating it and moving its token into the
    /// OS keyring.
    Import {
        #[command(subcommand)]
        from: ImportFrom,
    },
    /// Run a command with the connection in its environment (JIRA_URL, JIRA_USER,
    /// JIRA_API_TOKEN, JIRA_AUTH_TYPE, or CONFLUENCE_* for Confluence), so the token never
    /// lands in a file or in shell history. Exits with the command's exit code.
    Exec {
        name: String,
        /// The command and its arguments, after `--`.
        #[arg(last = true, required = true, value_name = "COMMAND")]
        command: Vec<String>,
    },
    /// Check the keyring, the config directory, each connection layer by layer (DNS, TCP,
    /// proxy, TLS, version, login), the reminders timer and the notification service, and
    /// say what to do about each problem. Changes nothing; paste its output into a bug
    /// report. Exits 1 when a check failed.
    Doctor {
        /// Connections to check; all of them when none is given.
        names: Vec<String>,
        /// Print JSON for scripts.
        #[arg(long)]
        json: bool,
    },
    /// Check tokens daily and at login with the window closed, and notify about those
    /// that need attention.
    Reminders {
        #[command(subcommand)]
        action: reminders::RemindersAction,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportFrom {
    /// jira-cli's config (~/.config/.jira/.config.yml). The token comes from
    /// JIRA_API_TOKEN, ~/.netrc, or jira-cli's keyring entry, in that order.
    JiraCli {
        /// jira-cli's config file.
        #[arg(long, value_name = "PATH")]
        config: Option<std::path::PathBuf>,
        /// A name for the connection; defaults to the first part of the host name.
        #[arg(long)]
        name: Option<String>,
        /// When the token came from ~/.netrc, delete that plaintext entry without asking.
        #[arg(long)]
        remove_netrc: bool,
    },
}

#[derive(Debug, Args)]
pub struct AddArgs {
    /// The Jira site, e.g. acme.atlassian.net or https://jira.corp.example/jira.
    #[arg(long)]
    pub(super) url: String,
    /// A short name for the connection; defaults to the first part of the host name.
    #[arg(long)]
    pub(super) name: Option<String>,
    /// The site is Jira Cloud (inferred for *.atlassian.net and *.jira.com).
    #[arg(long, conflicts_with = "data_center")]
    pub(super) cloud: bool,
    /// The site is Jira Server or Data Center.
    #[arg(long)]
    pub(super) data_center: bool,
    /// The product: jira, or confluence (same site, same kind of token).
    #[arg(long, value_enum, default_value_t = ProductArg::Jira)]
    pub(super) product: ProductArg,
    /// The Cloud token has scopes: validate and use it through the API gateway
    /// (api.atlassian.com), which is the only place that accepts it.
    #[arg(long, conflicts_with = "try_scoped")]
    pub(super) scoped: bool,
    /// If the site refuses a Cloud token, try it once more as a scoped token through the
    /// API gateway. This sends the credentials to api.atlassian.com as well.
    #[arg(long)]
    pub(super) try_scoped: bool,
    /// Your Atlassian account email (Cloud).
    #[arg(long, conflicts_with = "username")]
    pub(super) email: Option<String>,
    /// Your Jira username (Server/Data Center).
    #[arg(long)]
    pub(super) username: Option<String>,
    /// How to log in: api-token (Cloud), pat or password (Server/Data Center), or
    /// client-credentials for a service account's OAuth 2.0 client id and secret (both).
    #[arg(long, value_enum)]
    pub(super) auth: Option<AuthArg>,
    /// A service account's OAuth 2.0 client id (with --auth client-credentials); the
    /// client secret is read like a token.
    #[arg(long, value_name = "ID", conflicts_with_all = ["email", "username"])]
    pub(super) client_id: Option<String>,
    /// What the token is called at Atlassian, to find it when revoking.
    #[arg(long, value_name = "TEXT")]
    pub(super) token_label: Option<String>,
    /// When the token expires (YYYY-MM-DD); jira-connect warns before that.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    pub(super) expires: Option<Date>,
    /// A CA certificate (PEM) the site's certificate must chain to, for a Server/Data
    /// Center site behind a company PKI. Verification stays on.
    #[arg(long, value_name = "PATH")]
    pub(super) ca_cert: Option<std::path::PathBuf>,
    /// Allow plain http:// to a host that is not this machine. The token then travels
    /// unencrypted.
    #[arg(long)]
    pub(super) allow_http: bool,
    /// Print JSON for scripts.
    #[arg(long)]
    pub(super) json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(super) enum ProductArg {
    Jira,
    Confluence,
}

impl From<ProductArg> for Product {
    fn from(p: ProductArg) -> Self {
        match p {
            ProductArg::Jira => Product::Jira,
            ProductArg::Confluence => Product::Confluence,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(super) enum AuthArg {
    ApiToken,
    Password,
    Pat,
    ClientCredentials,
}

impl From<AuthArg> for AuthKind {
    fn from(a: AuthArg) -> Self {
        match a {
            AuthArg::ApiToken => AuthKind::ApiToken,
            AuthArg::Password => AuthKind::Password,
            AuthArg::Pat => AuthKind::Pat,
            AuthArg::ClientCredentials => AuthKind::ClientCredentials,
        }
    }
}

fn parse_date(text: &str) -> Result<Date, String> {
    text.trim()
        .parse::<Date>()
        .map_err(|_| format!("{text:?} is not a date; use YYYY-MM-DD, e.g. 2027-11-22"))
}

impl Action {
    /// Whether the command asks Jira anything: those also finish what an interrupted
    /// rotation left to revoke on a server.
    pub(super) fn talks_to_servers(&self) -> bool {
        match self {
            Action::Add(_)
            | Action::Check { .. }
            | Action::ReplaceToken { .. }
            | Action::Rotate { .. }
            | Action::LinkConfluence { .. }
            | Action::Import { .. } => true,
            Action::List { .. }
            | Action::Remove { .. }
            | Action::Token { .. }
            | Action::Exec { .. }
            | Action::Doctor { .. }
            | Action::Reminders { .. } => false,
        }
    }

    pub(super) fn wants_json(&self) -> bool {
        match self {
            Action::Add(a) => a.json,
            Action::List { json }
            | Action::Check { json, .. }
            | Action::ReplaceToken { json, .. }
            | Action::Rotate { json, .. }
            | Action::Doctor { json, .. }
            | Action::LinkConfluence { json, .. } => *json,
            Action::Remove { .. }
            | Action::Token { .. }
            | Action::Exec { .. }
            | Action::Import { .. }
            | Action::Reminders { .. } => false,
        }
    }
}
