//! The CLI's commands, each a function of its arguments, the service, the output and the
//! console. None reads the terminal or writes stdout itself, so that tests run them
//! in-process, with an in-memory keyring and captured output.

use std::process::ExitCode;
use std::sync::Arc;

use jiff::civil::Date;

use crate::core::connection::{AuthKind, Deployment, name_arg, today};
use crate::core::draft::{NewConnection, SiteOptions, prepare};
use crate::core::error::Error;
use crate::core::error::InputField;
use crate::core::reminders::KeyringBlock;
use crate::core::service::{
    Added, ByName, Cancel, Connections, Imported, NewToken, OldToken, RotateOptions, Rotated,
    created_text,
};

use super::args::AddArgs;
use super::json;
use super::output::{self, Printer};
use super::{Console, FAILURE, reminders};

pub(super) async fn add(
    args: AddArgs,
    svc: &Connections,
    out: &Printer,
    console: &dyn Console,
) -> Result<ExitCode, Error> {
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
        // A client id alone says which sign-in it is.
        auth: args
            .auth
            .map(Into::into)
            .or(args.client_id.as_ref().map(|_| AuthKind::ClientCredentials)),
        login: args.client_id.or(args.email).or(args.username),
        token_label: args.token_label,
        token_expires: args.expires,
        options: SiteOptions {
            product: args.product.into(),
            allow_http: args.allow_http,
            ca_cert: match &args.ca_cert {
                Some(path) => Some(crate::core::jira::read_ca_file(path)?),
                None => None,
            },
            scoped: args.scoped,
            gateway_fallback: args.try_scoped,
        },
    };
    let mut draft = prepare(&new)?;
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
    let secret = console.secret(&prompt)?;
    let Added {
        connection,
        account,
        token,
    } = svc.add_reporting(draft, secret, &Cancel::new()).await?;
    if args.json {
        out.json(&json::added(&connection, &token, today()));
    } else {
        let service_account = connection.auth == AuthKind::ClientCredentials;
        out.ok(&format!(
            "Connected to {} at {} as {}{}",
            connection.product_name(),
            connection.url,
            output::account_text(&account.display_name, account.email.as_deref()),
            if service_account {
                ", a service account"
            } else {
                ""
            }
        ));
        if service_account {
            out.ok(&format!(
                "Client credentials: each request gets a short-lived access token, sent to {}",
                connection.api_base(svc.gateway())
            ));
        } else if connection.scoped {
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
        out.token_lookup(&connection, &token);
        out.expiry_line(&connection, today());
        out.hint(&format!(
            "Check it any time with: jira-connect check {}",
            name_arg(&connection.name)
        ));
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) fn list(svc: &Connections, out: &Printer, json: bool) -> Result<ExitCode, Error> {
    let connections = svc.list()?;
    let today = today();
    if json {
        out.json(&json::list(&connections, today));
    } else if connections.is_empty() {
        out.line("No connections yet.");
        out.hint("Add one with: jira-connect add --url acme.atlassian.net --email you@example.com");
    } else {
        out.table(&connections, today);
    }
    Ok(ExitCode::SUCCESS)
}

/// `doctor`: every check, printed as the report the app's Copy report gives too, or as one
/// JSON document; exit 1 when a check failed.
pub(super) async fn doctor(
    names: &[String],
    svc: &Arc<Connections>,
    out: &Printer,
    json: bool,
) -> Result<ExitCode, Error> {
    let report = svc.doctor(names).await?;
    if json {
        out.json(&json::doctor(&report));
    } else {
        for line in report.text().lines() {
            out.line(line);
        }
    }
    Ok(if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(FAILURE)
    })
}

pub(super) async fn check(
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
            out.json(&json::reports(&[]));
        } else {
            out.line("No connections to check.");
            out.hint(
                "Add one with: jira-connect add --url acme.atlassian.net --email you@example.com",
            );
        }
        return Ok(ExitCode::SUCCESS);
    }
    // A locked or missing keyring stops the run here, said once for all the connections,
    // and leaves their last results as they were.
    let keyring_blocked = async |err: &Error, unchecked: usize| {
        let code = out.error(err);
        out.caution(&reminders::not_checked_text(unchecked));
        if notify {
            reminders::notify_keyring_block(err, unchecked, svc, out).await;
        }
        code
    };
    if let Err(err) = reminders::keyring_gate(&selected, svc, notify).await {
        return Ok(keyring_blocked(&err, selected.len()).await);
    }
    let reports = svc.check_many(selected).await;
    // Not asked first (one connection, by hand): the same, when its own read found it so.
    if let [report] = &reports[..]
        && let Err(err) = &report.result
        && KeyringBlock::of(err).is_some()
    {
        return Ok(keyring_blocked(err, 1).await);
    }
    let failed = reports.iter().any(|r| r.result.is_err());
    if json {
        out.json(&json::reports(&reports));
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

/// What `replace-token` was told about the new secret.
pub(super) struct NewSecret {
    pub expires: Option<Date>,
    pub token_label: Option<String>,
    /// A service account's new client id.
    pub client_id: Option<String>,
}

pub(super) async fn replace_token(
    name: &str,
    new: NewSecret,
    svc: &Connections,
    out: &Printer,
    console: &dyn Console,
    json: bool,
) -> Result<ExitCode, Error> {
    let existing = svc.get(name)?;
    let prompt = format!("New {} for {}: ", existing.auth.secret_name(), existing.url);
    let secret = console.secret(&prompt)?;
    let NewSecret {
        expires,
        token_label,
        client_id,
    } = new;
    let (connection, account) = svc
        .replace_credentials(
            name,
            NewToken {
                secret,
                expires,
                label: token_label,
            },
            client_id,
            &Cancel::new(),
        )
        .await?;
    if json {
        out.json(&json::connection(&connection, today()));
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
        if connection.auth == AuthKind::ClientCredentials {
            out.warn(&format!(
                "The old client secret still works until it is revoked. In {}, revoke {}:",
                crate::core::connection::service_account_place(connection.deployment),
                existing
                    .which_token()
                    .replacen("the token", "the credential", 1)
            ));
            out.hint(&connection.token_page());
        } else if connection.auth != AuthKind::Password {
            out.warn(&format!(
                "The old token still works until you revoke it. Revoke {} at:",
                existing.which_token()
            ));
            out.hint(&connection.token_page());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Rotates a Data Center token: with the current token first, and with the account's
/// password when the server asks for it.
pub(super) async fn rotate(
    name: &str,
    options: RotateOptions,
    svc: &Connections,
    out: &Printer,
    console: &dyn Console,
    json: bool,
) -> Result<ExitCode, Error> {
    let cancel = Cancel::new();
    let mut options = options;
    // A token known only by its name is revoked only after a person says it is the one;
    // with no one at a terminal, it is not revoked.
    if !console.interactive() {
        options.by_name = ByName::Skip;
    }
    let mut password = None;
    let rotated = loop {
        match svc
            .rotate(name, options.clone(), password.as_ref(), &cancel)
            .await
        {
            Err(Error::PatNeedsPassword { product }) if password.is_none() => {
                password = Some(ask_password(name, product, svc, out, console)?);
            }
            Err(Error::OldTokenUnconfirmed {
                name: token,
                id,
                created,
                ..
            }) if options.by_name == ByName::Ask => {
                out.caution(&format!(
                    "The old token is known only by its name: {token:?} (id {id}, created \
                     {created}). The account has other tokens."
                ));
                options.by_name = match console.confirm(&format!(
                    "Is {token:?}, created {created}, the token this connection uses? Revoke \
                     it once the new one is in place? [y/N] "
                )) {
                    true => ByName::Confirmed(id),
                    false => ByName::Skip,
                };
            }
            other => break other?,
        }
    };
    print_rotated(&rotated, svc, out, json)
}

/// Asks for the account's password, for a server that does not let a token create tokens.
fn ask_password(
    name: &str,
    product: &str,
    svc: &Connections,
    out: &Printer,
    console: &dyn Console,
) -> Result<secrecy::SecretString, Error> {
    let existing = svc.get(name)?;
    out.caution(&format!(
        "{product} does not let a personal access token create another one: the new \
         token is created with the account's password, used for this request only \
         and never stored."
    ));
    let prompt = format!(
        "Password of {} at {}: ",
        existing.login.as_deref().unwrap_or("the account"),
        existing.url
    );
    console.secret(&prompt)
}

/// Says what a rotation did; fails when the old token still works.
fn print_rotated(
    rotated: &Rotated,
    svc: &Connections,
    out: &Printer,
    json: bool,
) -> Result<ExitCode, Error> {
    let still_works = matches!(
        &rotated.old,
        OldToken::NotRevoked {
            error: Error::OldTokenStillWorks { .. },
            ..
        }
    );
    let code = match still_works {
        true => ExitCode::from(FAILURE),
        false => ExitCode::SUCCESS,
    };
    if json {
        out.json(&json::rotated(rotated, today()));
        return Ok(code);
    }
    let Rotated {
        connection,
        account,
        created,
        with_password,
        old,
    } = rotated;
    let product = connection.product.title();
    let expires = match created.expires {
        Some(date) => format!("it expires {date}"),
        None => "it never expires".into(),
    };
    out.ok(&format!(
        "Created the token {:?} (id {}) on {product}{}; {expires}",
        created.name,
        created.id,
        if *with_password {
            " with the account's password"
        } else {
            ""
        }
    ));
    out.ok(&format!(
        "The new token works: connected as {}",
        output::account_text(&account.display_name, account.email.as_deref())
    ));
    out.ok(&format!(
        "Replaced the {} of {:?} in the OS keyring",
        connection.auth.secret_name(),
        connection.name
    ));
    for other in svc.linked(connection)? {
        out.ok(&format!(
            "Replaced it for {:?} too, which shares it (checked with {} first)",
            other.name,
            other.product.title()
        ));
    }
    match old {
        OldToken::Revoked { id } => {
            out.ok(&format!("Revoked the old token (id {id}) on {product}"));
        }
        OldToken::NotRevoked {
            error: error @ Error::OldTokenStillWorks { .. },
            ..
        } => {
            out.fail(&error.sentence());
        }
        OldToken::NotRevoked { id, error } => {
            out.warn(&format!(
                "Did not revoke the old token (id {id}): {}",
                error.sentence()
            ));
            out.hint("jira-connect tries again the next time it runs");
            out.hint(&format!("Or revoke it at {}", connection.token_page()));
        }
        OldToken::Unconfirmed { token } => {
            out.warn(&format!(
                "Did not revoke the old token: it is known only by its name, {:?} (id {}, \
                 created {}), and no one confirmed that it is this connection's",
                token.name,
                token.id,
                created_text(token)
            ));
            out.hint(&format!(
                "If it is, revoke it at {}; or run rotate on a terminal, which asks",
                connection.token_page()
            ));
        }
        OldToken::Unknown { candidates } => {
            out.warn(
                "The old token's id was never recorded, so it was not revoked; nothing was \
                 guessed",
            );
            match candidates {
                Ok(tokens) if tokens.is_empty() => {
                    out.hint("The account has no other token on the server")
                }
                Ok(tokens) => {
                    out.hint(&format!(
                        "The account has {} other token{}, one of which is the old one{}:",
                        tokens.len(),
                        if tokens.len() == 1 { "" } else { "s" },
                        if tokens.len() > output::TOKENS_SHOWN {
                            "; the first ones, those with the old label first"
                        } else {
                            ""
                        }
                    ));
                    for t in tokens.iter().take(output::TOKENS_SHOWN) {
                        out.hint(&output::token_text(t));
                    }
                    if tokens.len() > output::TOKENS_SHOWN {
                        out.hint(&format!(
                            "… and {} more, listed on the token page",
                            tokens.len() - output::TOKENS_SHOWN
                        ));
                    }
                }
                Err(e) => out.hint(&format!(
                    "The account's tokens could not be listed: {}",
                    e.sentence()
                )),
            }
            out.hint(&format!(
                "Revoke the old one at {}",
                connection.token_page()
            ));
        }
    }
    out.expiry_line(connection, today());
    Ok(code)
}

pub(super) async fn remove(
    name: &str,
    yes: bool,
    svc: &Connections,
    out: &Printer,
    console: &dyn Console,
) -> Result<ExitCode, Error> {
    let connection = svc.get(name)?;
    if !yes {
        if !console.interactive() {
            return Err(Error::InvalidInput {
                field: InputField::Confirmation,
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
        if !console.confirm(&question) {
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
    } else if removed.auth == AuthKind::ClientCredentials {
        out.warn(&format!(
            "This does not revoke the service account's client credentials (client id {}); \
             they keep working until an admin revokes them. In {}, revoke {}:",
            removed.login.as_deref().unwrap_or("unknown"),
            crate::core::connection::service_account_place(removed.deployment),
            removed
                .which_token()
                .replacen("the token", "the credential", 1)
        ));
        out.hint(&removed.token_page());
    } else {
        let at = match removed.deployment {
            Deployment::Cloud => "at Atlassian",
            Deployment::DataCenter => "in Jira",
        };
        out.warn(&format!(
            "This does not revoke the token {at}; it keeps working until you revoke {} at:",
            removed.which_token()
        ));
        out.hint(&removed.token_page());
    }
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn token(name: &str, svc: &Connections, out: &Printer) -> Result<ExitCode, Error> {
    use secrecy::ExposeSecret;
    let secret = svc.token(name).await?;
    // Printing the token is this command's whole purpose.
    Ok(if out.secret_line(secret.expose_secret()) {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(FAILURE)
    })
}

/// Imports jira-cli's connection: finds its token, validates it, stores it in our keyring.
pub(super) async fn import_jira_cli(
    config: Option<std::path::PathBuf>,
    name: Option<String>,
    remove_netrc: bool,
    svc: &Connections,
    out: &Printer,
    console: &dyn Console,
) -> Result<ExitCode, Error> {
    use crate::core::import;
    let path = config
        .or_else(import::default_config_path)
        .ok_or_else(|| Error::InvalidInput {
            field: InputField::JiraCliConfig,
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
            || (console.interactive()
                && console.confirm(&format!(
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

pub(super) async fn link_confluence(
    name: &str,
    new_name: Option<String>,
    svc: &Connections,
    out: &Printer,
    json: bool,
) -> Result<ExitCode, Error> {
    let (connection, account) = svc.link_confluence(name, new_name, &Cancel::new()).await?;
    if json {
        out.json(&json::connection(&connection, today()));
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
