//! The command-line interface: the same core as the desktop app, with `--json` for scripts.
//!
//! Secrets never come from the command line: they are read from the first line of stdin
//! when it is not a terminal, and from a prompt that does not echo otherwise.

mod output;
mod reminders;

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use jiff::civil::Date;
use secrecy::SecretString;
use zeroize::Zeroizing;

use crate::core::Error;
use crate::core::connection::{AuthKind, Connection, Deployment, Product, today};
use crate::core::secrets::LazyPlatformStore;
use crate::core::service::{Connections, Imported, NewConnection};
use output::Printer;

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
    /// Print a connection's token and a newline, for scripts.
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
    url: String,
    /// A short name for the connection; defaults to the first part of the host name.
    #[arg(long)]
    name: Option<String>,
    /// The site is Jira Cloud (inferred for *.atlassian.net and *.jira.com).
    #[arg(long, conflicts_with = "data_center")]
    cloud: bool,
    /// The site is Jira Server or Data Center.
    #[arg(long)]
    data_center: bool,
    /// The product: jira, or confluence (same site, same kind of token).
    #[arg(long, value_enum, default_value_t = ProductArg::Jira)]
    product: ProductArg,
    /// The Cloud token has scopes: validate and use it through the API gateway
    /// (api.atlassian.com), which is the only place that accepts it.
    #[arg(long, conflicts_with = "try_scoped")]
    scoped: bool,
    /// If the site refuses a Cloud token, try it once more as a scoped token through the
    /// API gateway. This sends the credentials to api.atlassian.com as well.
    #[arg(long)]
    try_scoped: bool,
    /// Your Atlassian account email (Cloud).
    #[arg(long, conflicts_with = "username")]
    email: Option<String>,
    /// Your Jira username (Server/Data Center).
    #[arg(long)]
    username: Option<String>,
    /// How to log in: api-token (Cloud), pat or password (Server/Data Center).
    #[arg(long, value_enum)]
    auth: Option<AuthArg>,
    /// What the token is called at Atlassian, to find it when revoking.
    #[arg(long, value_name = "TEXT")]
    token_label: Option<String>,
    /// When the token expires (YYYY-MM-DD); jira-connect warns before that.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    expires: Option<Date>,
    /// A CA certificate (PEM) the site's certificate must chain to, for a Server/Data
    /// Center site behind a company PKI. Verification stays on.
    #[arg(long, value_name = "PATH")]
    ca_cert: Option<std::path::PathBuf>,
    /// Allow plain http:// to a host that is not this machine. The token then travels
    /// unencrypted.
    #[arg(long)]
    allow_http: bool,
    /// Print JSON for scripts.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ProductArg {
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
enum AuthArg {
    ApiToken,
    Password,
    Pat,
}

impl From<AuthArg> for AuthKind {
    fn from(a: AuthArg) -> Self {
        match a {
            AuthArg::ApiToken => AuthKind::ApiToken,
            AuthArg::Password => AuthKind::Password,
            AuthArg::Pat => AuthKind::Pat,
        }
    }
}

fn parse_date(text: &str) -> Result<Date, String> {
    text.trim()
        .parse::<Date>()
        .map_err(|_| format!("{text:?} is not a date; use YYYY-MM-DD, e.g. 2027-11-22"))
}

/// Exit status for failures of the operation or of a check.
const FAILURE: u8 = 1;
/// Exit status for usage errors.
const USAGE: u8 = 2;

/// Runs a CLI command with the platform keyring and the configured directory, giving up
/// on a Jira request after `timeout` seconds.
pub fn run(command: Action, timeout: u64) -> ExitCode {
    let printer = Printer::from_env(command.wants_json());
    let connections = match Connections::open(
        Duration::from_secs(timeout),
        Arc::new(LazyPlatformStore::new()),
    ) {
        Ok(c) => c,
        Err(err) => return printer.error(&err),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("X cannot start: {e}");
            return ExitCode::from(FAILURE);
        }
    };
    // Finish or roll back anything an interrupted run left behind, before anything else.
    // A config file that cannot be read is not an interrupted change: the command reads it
    // too and reports it, once.
    match connections.recover() {
        Ok(_)
        | Err(
            Error::ConfigCorrupt { .. } | Error::ConfigIo { .. } | Error::ConfigUntrusted { .. },
        ) => {}
        Err(err) => printer.caution(&format!(
            "An interrupted change could not be finished yet: {}",
            err.sentence()
        )),
    }
    runtime.block_on(execute(command, Arc::new(connections), &printer))
}

impl Action {
    fn wants_json(&self) -> bool {
        match self {
            Action::Add(a) => a.json,
            Action::List { json }
            | Action::Check { json, .. }
            | Action::ReplaceToken { json, .. }
            | Action::LinkConfluence { json, .. } => *json,
            Action::Remove { .. }
            | Action::Token { .. }
            | Action::Exec { .. }
            | Action::Import { .. }
            | Action::Reminders { .. } => false,
        }
    }
}

async fn execute(command: Action, svc: Arc<Connections>, out: &Printer) -> ExitCode {
    let result = match command {
        Action::Add(args) => add(args, &svc, out).await,
        Action::List { json } => list(&svc, out, json),
        Action::Check {
            names,
            json,
            notify,
        } => check(names, &svc, out, json, notify).await,
        Action::Reminders { action } => reminders::run(action, &svc, out),
        Action::ReplaceToken {
            name,
            expires,
            token_label,
            json,
        } => replace_token(&name, expires, token_label, &svc, out, json).await,
        Action::Remove { name, yes } => remove(&name, yes, &svc, out).await,
        Action::Token { name } => token(&name, &svc).await,
        Action::LinkConfluence {
            name,
            new_name,
            json,
        } => link_confluence(&name, new_name, &svc, out, json).await,
        Action::Exec { name, command } => exec(&name, &command, &svc).await,
        Action::Import {
            from:
                ImportFrom::JiraCli {
                    config,
                    name,
                    remove_netrc,
                },
        } => import_jira_cli(config, name, remove_netrc, &svc, out).await,
        // main opens the desktop app itself; the CLI layer knows nothing of it.
    };
    match result {
        Ok(code) => code,
        Err(err) => out.error(&err),
    }
}

async fn add(args: AddArgs, svc: &Connections, out: &Printer) -> Result<ExitCode, Error> {
    let mut deployment = match (args.cloud, args.data_center) {
        (true, _) => Some(Deployment::Cloud),
        (_, true) => Some(Deployment::DataCenter),
        _ => None,
    };
    // A site on its own domain may still be Atlassian Cloud: ask it, without credentials.
    let mut cloud_id = None;
    if let Ok(site) = crate::core::site_url::SiteUrl::parse(&args.url, args.allow_http)
        && (deployment.is_none() && !site.is_cloud_host() || args.scoped)
        && let Ok(id) = svc.detect_cloud(&site).await
    {
        if deployment.is_none() {
            out.notice(&format!("{} is an Atlassian Cloud site", site.origin()));
        }
        deployment.get_or_insert(Deployment::Cloud);
        cloud_id = Some(id);
    }
    let new = NewConnection {
        url: args.url,
        name: args.name,
        deployment,
        auth: args.auth.map(Into::into),
        login: args.email.or(args.username),
        token_label: args.token_label,
        token_expires: args.expires,
        allow_http: args.allow_http,
        ca_cert: match &args.ca_cert {
            Some(path) => Some(crate::core::jira::read_ca_file(path)?),
            None => None,
        },
        product: args.product.into(),
        scoped: args.scoped,
        gateway_fallback: args.try_scoped,
    };
    let mut draft = svc.prepare(&new)?;
    draft.cloud_id = cloud_id;
    if draft.site.is_insecure() && !crate::core::site_url::is_loopback_host(draft.site.host()) {
        out.caution(&format!(
            "{} uses plain http://: your {} will travel unencrypted.",
            draft.site,
            draft.auth.secret_name()
        ));
    }
    let prompt = format!(
        "{} for {}: ",
        crate::core::error::sentence_case(draft.auth.secret_name()),
        draft.site
    );
    let secret = read_secret(&prompt)?;
    let (connection, account) = svc.add(draft, secret).await?;
    if args.json {
        out.json(&output::connection_json(&connection, today()));
    } else {
        out.ok(&format!(
            "Connected to {} at {} as {}",
            connection.product_name(),
            connection.url,
            output::account_text(&account.display_name, account.email.as_deref())
        ));
        if connection.scoped {
            out.ok(&format!(
                "Scoped token: requests go through {}",
                connection.api_base(svc.gateway())
            ));
        }
        out.ok(&format!(
            "Saved {:?}; its {} is in the OS keyring",
            connection.name,
            connection.auth.secret_name()
        ));
        out.expiry_line(&connection, today());
        out.hint(&format!(
            "Check it any time with: jira-connect check {}",
            connection.name
        ));
    }
    Ok(ExitCode::SUCCESS)
}

fn list(svc: &Connections, out: &Printer, json: bool) -> Result<ExitCode, Error> {
    let connections = svc.list()?;
    let today = today();
    if json {
        let all: Vec<_> = connections
            .iter()
            .map(|c| output::connection_json(c, today))
            .collect();
        out.json(&all);
    } else if connections.is_empty() {
        out.line("No connections yet.");
        out.hint("Add one with: jira-connect add --url acme.atlassian.net --email you@example.com");
    } else {
        out.table(&connections, today);
    }
    Ok(ExitCode::SUCCESS)
}

async fn check(
    names: Vec<String>,
    svc: &Arc<Connections>,
    out: &Printer,
    json: bool,
    notify: bool,
) -> Result<ExitCode, Error> {
    let all = svc.list()?;
    let selected = if names.is_empty() {
        all
    } else {
        let mut selected = Vec::with_capacity(names.len());
        for name in &names {
            let found = all
                .iter()
                .find(|c| &c.name == name)
                .ok_or_else(|| Error::NotFound { name: name.clone() })?;
            selected.push(found.clone());
        }
        selected
    };
    if selected.is_empty() {
        if json {
            out.json(&Vec::<()>::new());
        } else {
            out.line("No connections to check.");
            out.hint(
                "Add one with: jira-connect add --url acme.atlassian.net --email you@example.com",
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    let reports = svc.check_many(selected).await;
    let failed = reports.iter().any(|r| r.result.is_err());
    if json {
        let all: Vec<_> = reports.iter().map(output::report_json).collect();
        out.json(&all);
    } else {
        for (i, report) in reports.iter().enumerate() {
            if i > 0 {
                out.line("");
            }
            out.report(report);
        }
    }
    if notify {
        reminders::notify_after_check(&reports, svc, out).await;
    }
    Ok(if failed {
        ExitCode::from(FAILURE)
    } else {
        ExitCode::SUCCESS
    })
}

async fn replace_token(
    name: &str,
    expires: Option<Date>,
    token_label: Option<String>,
    svc: &Connections,
    out: &Printer,
    json: bool,
) -> Result<ExitCode, Error> {
    let existing = svc.get(name)?;
    let prompt = format!("New {} for {}: ", existing.auth.secret_name(), existing.url);
    let secret = read_secret(&prompt)?;
    let (connection, account) = svc
        .replace_token(name, secret, expires, token_label)
        .await?;
    if json {
        out.json(&output::connection_json(&connection, today()));
    } else {
        out.ok(&format!(
            "The new {} works: connected as {}",
            connection.auth.secret_name(),
            output::account_text(&account.display_name, account.email.as_deref())
        ));
        out.ok(&format!(
            "Replaced the {} of {:?} in the OS keyring",
            connection.auth.secret_name(),
            connection.name
        ));
        for other in svc.linked(&connection)? {
            out.ok(&format!(
                "Replaced it for {:?} too, which shares it (checked with {} first)",
                other.name,
                other.product.title()
            ));
        }
        out.expiry_line(&connection, today());
        if connection.auth != AuthKind::Password {
            out.warn("The old token still works until you revoke it. Revoke it at:");
            out.hint(&connection.token_page());
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn remove(
    name: &str,
    yes: bool,
    svc: &Connections,
    out: &Printer,
) -> Result<ExitCode, Error> {
    let connection = svc.get(name)?;
    if !yes {
        if !std::io::stdin().is_terminal() {
            return Err(Error::InvalidInput {
                field: "remove",
                reason: "standard input is not a terminal, so jira-connect cannot ask; \
                         pass --yes to remove without asking"
                    .into(),
            });
        }
        let question = format!(
            "Remove {:?} ({}) and delete its {} from the OS keyring? [y/N] ",
            connection.name,
            connection.url,
            connection.auth.secret_name()
        );
        if !confirm(&question) {
            out.line("Nothing removed.");
            return Ok(ExitCode::SUCCESS);
        }
    }
    let sharing = svc.linked(&connection)?;
    let removed = svc.remove(name).await?;
    out.ok(&format!(
        "Removed {:?} and deleted its {} from the OS keyring",
        removed.name,
        removed.auth.secret_name()
    ));
    for other in &sharing {
        out.warn(&format!(
            "{:?} uses the same token: revoking it stops {:?} too",
            other.name, other.name
        ));
    }
    if removed.auth == AuthKind::Password {
        out.warn("This does not change your Jira password.");
    } else {
        let at = match removed.deployment {
            Deployment::Cloud => "at Atlassian",
            Deployment::DataCenter => "in Jira",
        };
        out.warn(&format!(
            "This does not revoke the token {at}; it keeps working until you revoke it at:"
        ));
        out.hint(&removed.token_page());
    }
    Ok(ExitCode::SUCCESS)
}

async fn token(name: &str, svc: &Connections) -> Result<ExitCode, Error> {
    use secrecy::ExposeSecret;
    let secret = svc.token(name).await?;
    let mut stdout = std::io::stdout().lock();
    // Printing the token is this command's whole purpose.
    let written = writeln!(stdout, "{}", secret.expose_secret()).and_then(|_| stdout.flush());
    Ok(match written {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(FAILURE),
    })
}

/// Imports jira-cli's connection: finds its token, validates it, stores it in our keyring.
async fn import_jira_cli(
    config: Option<std::path::PathBuf>,
    name: Option<String>,
    remove_netrc: bool,
    svc: &Connections,
    out: &Printer,
) -> Result<ExitCode, Error> {
    use crate::core::import;
    let path = config
        .or_else(import::default_config_path)
        .ok_or_else(|| Error::InvalidInput {
            field: "jira-cli config",
            reason: "no home directory; pass --config".into(),
        })?;
    let cli = import::read_config(&path)?;
    let imported = svc
        .import_jira_cli(&cli, name, &import::Sources::from_env())
        .await?;
    let Imported {
        connection,
        account,
        source,
        host,
    } = imported;
    out.ok(&format!(
        "Found jira-cli's connection to {} in {}",
        connection.url,
        path.display()
    ));
    out.ok(&format!("Found its token in {source}"));
    out.ok(&format!(
        "Connected as {}; saved {:?} with its token in the OS keyring",
        output::account_text(&account.display_name, account.email.as_deref()),
        connection.name
    ));

    if let import::TokenSource::Netrc(entry) = &source {
        let path = &entry.path;
        let remove = remove_netrc
            || (std::io::stdin().is_terminal()
                && confirm(&format!(
                    "Delete the plaintext token for {host} from {}? [y/N] ",
                    path.display()
                )));
        if remove {
            // Said only once the file has been read back without the entry.
            crate::core::netrc::remove_entry(entry)?;
            out.ok(&format!(
                "Deleted the entry for {host} from {}",
                path.display()
            ));
        } else {
            out.warn(&format!(
                "The token is still in plaintext in {}; delete the `machine {host}` entry, \
                 or rerun with --remove-netrc",
                path.display()
            ));
        }
    }
    out.hint(&format!(
        "Use it with: jira-connect exec {} -- jira ...",
        connection.name
    ));
    Ok(ExitCode::SUCCESS)
}

async fn link_confluence(
    name: &str,
    new_name: Option<String>,
    svc: &Connections,
    out: &Printer,
    json: bool,
) -> Result<ExitCode, Error> {
    let (connection, account) = svc.link_confluence(name, new_name).await?;
    if json {
        out.json(&output::connection_json(&connection, today()));
    } else {
        out.ok(&format!(
            "Connected to Confluence at {} as {}",
            connection.url,
            output::account_text(&account.display_name, account.email.as_deref())
        ));
        out.ok(&format!(
            "Saved {:?}; it shares {name:?}'s token, and replace-token on either replaces both",
            connection.name
        ));
    }
    Ok(ExitCode::SUCCESS)
}

/// Asks a yes/no question on the terminal; anything but yes, or no answer at all, is no.
fn confirm(question: &str) -> bool {
    eprint!("{question}");
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).is_ok()
        && matches!(answer.trim(), "y" | "Y" | "yes" | "Yes" | "YES")
}

/// Runs `command` with the connection's URL, login and secret in its environment.
async fn exec(name: &str, command: &[String], svc: &Connections) -> Result<ExitCode, Error> {
    use secrecy::ExposeSecret;
    let connection = svc.get(name)?;
    let secret = svc.token(name).await?;
    let (program, args) = command.split_first().ok_or_else(|| Error::InvalidInput {
        field: "command",
        reason: "give the command to run after --".into(),
    })?;
    let mut child = std::process::Command::new(program);
    child.args(args);
    // The child asked for it: the environment is how tools such as jira-cli take the token.
    let give = |child: &mut std::process::Command, c: &Connection, secret: &SecretString| {
        for (key, value) in exec_env(c, svc.gateway()) {
            child.env(key, value);
        }
        child.env(env_key(c.product, "API_TOKEN"), secret.expose_secret());
    };
    give(&mut child, &connection, &secret);
    // A Jira connection linked to Confluence shares its token: give the child both.
    for other in svc.linked(&connection)? {
        if other.product != connection.product
            && let Ok(other_secret) = svc.token(&other.name).await
        {
            give(&mut child, &other, &other_secret);
        }
    }
    let status = match child.status() {
        Ok(status) => status,
        Err(e) => {
            eprintln!("X cannot run {program:?}: {e}");
            // The shell's convention for "command not found" / "cannot execute".
            let code = if e.kind() == std::io::ErrorKind::NotFound {
                127
            } else {
                126
            };
            return Ok(ExitCode::from(code));
        }
    };
    Ok(ExitCode::from(exit_code_of(status)))
}

/// `JIRA_*` or `CONFLUENCE_*`.
fn env_key(product: Product, suffix: &str) -> String {
    format!("{}_{suffix}", product.as_str().to_ascii_uppercase())
}

/// What `exec` puts in the child's environment, except the token.
///
/// `*_URL` is where API requests go: the site, or for a scoped token the API gateway's
/// base for it, and Confluence Cloud's REST API lives under `/wiki`. `*_SITE_URL` is the
/// site itself.
fn exec_env(c: &Connection, gateway: &str) -> Vec<(String, String)> {
    let auth_type = match c.auth {
        AuthKind::Pat => "bearer",
        AuthKind::ApiToken | AuthKind::Password => "basic",
    };
    let mut url = c.api_base(gateway);
    if c.product == Product::Confluence && c.deployment == Deployment::Cloud {
        url.push_str("/wiki");
    }
    let mut env = vec![
        (env_key(c.product, "URL"), url),
        (env_key(c.product, "SITE_URL"), c.url.clone()),
        (
            env_key(c.product, "USER"),
            c.login.clone().unwrap_or_default(),
        ),
        (env_key(c.product, "AUTH_TYPE"), auth_type.to_string()),
    ];
    if let Some(id) = &c.cloud_id {
        env.push((env_key(c.product, "CLOUD_ID"), id.clone()));
    }
    env
}

/// The child's exit code; for a child killed by a signal, 128 + the signal, as shells do.
fn exit_code_of(status: std::process::ExitStatus) -> u8 {
    if let Some(code) = status.code() {
        return u8::try_from(code & 0xff).unwrap_or(1);
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            return u8::try_from(128 + signal).unwrap_or(1);
        }
    }
    1
}

/// Reads a secret: the first line of stdin when it is not a terminal, otherwise a prompt
/// that does not echo. The read buffer is wiped once the secret has been taken out.
fn read_secret(prompt: &str) -> Result<SecretString, Error> {
    let stdin = std::io::stdin();
    let line = if stdin.is_terminal() {
        Zeroizing::new(
            rpassword::prompt_password(prompt).map_err(|e| Error::InvalidInput {
                field: "token",
                reason: format!("cannot read it from the terminal: {e}"),
            })?,
        )
    } else {
        let mut line = Zeroizing::new(String::new());
        stdin
            .lock()
            .read_line(&mut line)
            .map_err(|e| Error::InvalidInput {
                field: "token",
                reason: format!("cannot read it from standard input: {e}"),
            })?;
        line
    };
    let trimmed = line.trim_end_matches(['\r', '\n']);
    Ok(SecretString::from(trimmed.to_string()))
}

/// The exit code for an error: 2 for usage errors, 1 for everything else.
fn exit_code_for(err: &Error) -> ExitCode {
    if err.is_usage() {
        ExitCode::from(USAGE)
    } else {
        ExitCode::from(FAILURE)
    }
}
