//! `exec`: runs a command with a connection's URL, login and token in its environment, so
//! that the token never lands in a file, a command line or shell history.

use std::process::ExitCode;

use secrecy::SecretString;

use crate::core::connection::{AuthKind, Connection, Deployment, Product};
use crate::core::error::Error;
use crate::core::error::InputField;
use crate::core::service::Connections;

/// Runs `command` with the connection's URL, login and secret in its environment.
pub(super) async fn exec(
    name: &str,
    command: &[String],
    svc: &Connections,
) -> Result<ExitCode, Error> {
    use secrecy::ExposeSecret;
    let connection = svc.get(name)?;
    let secret = svc.token(name).await?;
    let (program, args) = command.split_first().ok_or_else(|| Error::InvalidInput {
        field: InputField::Command,
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
        AuthKind::Pat | AuthKind::ClientCredentials => "bearer",
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
