//! Importing a connection from jira-cli (`~/.config/.jira/.config.yml`), whose users keep
//! their token in `JIRA_API_TOKEN`, in `~/.netrc`, or in jira-cli's keyring entry.

use std::path::{Path, PathBuf};

use crate::core::connection::{AuthKind, Deployment};
use crate::core::draft::NewConnection;
use crate::core::error::Error;
use crate::core::error::InputField;
use crate::core::netrc;
use crate::core::site_url::SiteUrl;

/// The fields of jira-cli's config that describe the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JiraCliConfig {
    pub server: String,
    pub login: Option<String>,
    /// `Cloud` or `Local` (Server/Data Center).
    pub installation: Option<String>,
    /// `basic`, `bearer` or `mtls`.
    pub auth_type: Option<String>,
}

/// Where jira-cli keeps its config: `$JIRA_CONFIG_FILE`, else `~/.config/.jira/.config.yml`.
pub(crate) fn default_config_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("JIRA_CONFIG_FILE").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let home = directories::BaseDirs::new()?.home_dir().to_path_buf();
    Some(home.join(".config").join(".jira").join(".config.yml"))
}

/// Where the user's netrc is: `$NETRC`, else `~/.netrc`.
pub(crate) fn netrc_path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("NETRC").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    Some(directories::BaseDirs::new()?.home_dir().join(".netrc"))
}

fn invalid(reason: String) -> Error {
    Error::InvalidInput {
        field: InputField::JiraCliConfig,
        reason,
    }
}

/// Reads the top-level keys jira-connect needs; nested sections (board, project, ...) are
/// not ours and are skipped.
pub(crate) fn parse_config(text: &str) -> Result<JiraCliConfig, Error> {
    let get = |key: &str| -> Option<String> {
        text.lines()
            .filter(|line| !line.starts_with([' ', '\t', '#', '-']))
            .filter_map(|line| line.split_once(':'))
            .find(|(k, _)| k.trim() == key)
            .map(|(_, v)| v.trim().trim_matches(['"', '\'']).to_string())
            .filter(|v| !v.is_empty())
    };
    let server = get("server").ok_or_else(|| invalid("it has no `server:`".into()))?;
    Ok(JiraCliConfig {
        login: get("login"),
        installation: get("installation"),
        auth_type: get("auth_type"),
        server,
    })
}

/// Reads jira-cli's config file.
pub(crate) fn read_config(path: &Path) -> Result<JiraCliConfig, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        invalid(format!(
            "cannot read {}: {e}; point to it with --config",
            path.display()
        ))
    })?;
    parse_config(&text)
}

impl JiraCliConfig {
    /// The deployment: jira-cli's `installation`, else inferred from the host.
    pub fn deployment(&self, site: &SiteUrl) -> Deployment {
        match self
            .installation
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("cloud") => Deployment::Cloud,
            Some("local") => Deployment::DataCenter,
            _ => Deployment::infer(site),
        }
    }

    /// The new connection this config describes.
    pub(crate) fn to_new_connection(&self) -> Result<NewConnection, Error> {
        let site = SiteUrl::parse(&self.server, false)?;
        let deployment = self.deployment(&site);
        let auth = match (deployment, self.auth_type.as_deref()) {
            (Deployment::Cloud, _) => AuthKind::ApiToken,
            (Deployment::DataCenter, Some("bearer")) => AuthKind::Pat,
            (Deployment::DataCenter, Some("mtls")) => {
                return Err(invalid(
                    "jira-cli uses client certificates (mtls) here, which jira-connect does not store"
                        .into(),
                ));
            }
            (Deployment::DataCenter, _) => AuthKind::Password,
        };
        Ok(NewConnection {
            url: self.server.clone(),
            deployment: Some(deployment),
            auth: Some(auth),
            login: self.login.clone(),
            token_label: Some("imported from jira-cli".into()),
            ..Default::default()
        })
    }
}

/// jira-cli's config, found where jira-cli keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub path: PathBuf,
    pub config: JiraCliConfig,
}

/// Where an import looks: jira-cli's config, and the three places its token may be.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    /// jira-cli's config file.
    pub config: Option<PathBuf>,
    /// The user's netrc file.
    pub netrc: Option<PathBuf>,
    /// `JIRA_API_TOKEN`, read once; redacted in `Debug` and wiped on drop.
    pub env_token: Option<secrecy::SecretString>,
    /// Look in jira-cli's entry in the OS keyring.
    pub keyring: bool,
}

impl Sources {
    /// The places jira-cli itself uses: `$JIRA_CONFIG_FILE` or `~/.config/.jira/.config.yml`,
    /// `$NETRC` or `~/.netrc`, `$JIRA_API_TOKEN`, and the OS keyring.
    pub fn from_env() -> Self {
        Sources {
            config: default_config_path(),
            netrc: netrc_path(),
            env_token: std::env::var("JIRA_API_TOKEN")
                .ok()
                .filter(|t| !t.is_empty())
                .map(secrecy::SecretString::from),
            keyring: true,
        }
    }
}

/// Looks for jira-cli's config; `None` when there is none or it does not parse. Reads one
/// small file; touches no keyring.
pub(crate) fn discover(sources: &Sources) -> Option<Found> {
    let path = sources.config.clone()?;
    let config = read_config(&path).ok()?;
    Some(Found { path, config })
}

/// Where an imported token was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenSource {
    /// The `JIRA_API_TOKEN` environment variable.
    Env,
    /// A `machine` entry in a netrc file, in plaintext.
    Netrc(netrc::EntryRef),
    /// The keyring entry jira-cli writes (service `jira-cli`, user = login).
    Keyring,
}

impl std::fmt::Display for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenSource::Env => f.write_str("JIRA_API_TOKEN"),
            TokenSource::Netrc(entry) => write!(f, "{}", entry.path.display()),
            TokenSource::Keyring => f.write_str("jira-cli's keyring entry"),
        }
    }
}

/// Finds the token for `host` where jira-cli users keep it, in jira-cli's own order:
/// `JIRA_API_TOKEN`, then `~/.netrc`, then jira-cli's keyring entry.
pub(crate) fn find_token(
    config: &JiraCliConfig,
    host: &str,
    sources: &Sources,
) -> Option<(secrecy::SecretString, TokenSource)> {
    use secrecy::SecretString;
    if let Some(token) = &sources.env_token {
        return Some((token.clone(), TokenSource::Env));
    }
    if let Some(path) = &sources.netrc
        && let Ok(text) = std::fs::read_to_string(path)
        && let Some(token) = netrc::password(&text, host, config.login.as_deref())
    {
        let entry = netrc::EntryRef {
            path: path.clone(),
            host: host.to_string(),
            login: config.login.clone(),
        };
        return Some((SecretString::from(token), TokenSource::Netrc(entry)));
    }
    if !sources.keyring {
        return None;
    }
    let login = config.login.as_deref()?;
    match crate::core::secrets::KeyringStore::platform()
        .and_then(|k| k.read_foreign("jira-cli", login))
    {
        Ok(Some(token)) => Some((token, TokenSource::Keyring)),
        Ok(None) => None,
        Err(e) => {
            tracing::warn!(error = %e, "could not look in jira-cli's keyring entry");
            None
        }
    }
}

/// The error for an import that found no token.
pub(crate) fn no_token(host: &str, site: &SiteUrl, auth: AuthKind) -> Error {
    Error::InvalidInput {
        field: InputField::Secret(auth),
        reason: format!(
            "no token for {host} in JIRA_API_TOKEN, ~/.netrc or jira-cli's keyring entry; add \
             the connection to {site} with its token instead"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = "\
auth_type: bearer
board:
  id: 1
  name: ABC board
epic:
  name: customfield_10011
installation: Local
login: mia
project:
  key: ABC
server: https://jira.corp.example/jira
";

    #[test]
    fn reads_the_top_level_keys_only() {
        let cfg = parse_config(CONFIG).unwrap();
        assert_eq!(cfg.server, "https://jira.corp.example/jira");
        assert_eq!(cfg.login.as_deref(), Some("mia"));
        assert_eq!(cfg.installation.as_deref(), Some("Local"));
        assert_eq!(cfg.auth_type.as_deref(), Some("bearer"));
        let new = cfg.to_new_connection().unwrap();
        assert_eq!(new.deployment, Some(Deployment::DataCenter));
        assert_eq!(new.auth, Some(AuthKind::Pat));
        assert!(parse_config("login: x\n").is_err());
    }

    #[test]
    fn cloud_is_an_api_token_and_mtls_is_refused() {
        let cloud = parse_config(
            "server: 'https://acme.atlassian.net'\ninstallation: Cloud\nlogin: mia@example.com\n",
        )
        .unwrap();
        assert_eq!(
            cloud.to_new_connection().unwrap().auth,
            Some(AuthKind::ApiToken)
        );
        let mtls =
            parse_config("server: https://j.example\ninstallation: Local\nauth_type: mtls\n")
                .unwrap();
        assert!(
            mtls.to_new_connection()
                .unwrap_err()
                .to_string()
                .contains("mtls")
        );
    }

    #[test]
    fn the_environment_token_is_kept_secret() {
        let sources = Sources {
            env_token: Some("ATATT3-env-token-Zq9".into()),
            ..Sources::default()
        };
        let debug = format!("{sources:?}");
        assert!(!debug.contains("ATATT3-env-token-Zq9"), "{debug}");
        let config = parse_config("server: https://acme.atlassian.net\n").unwrap();
        let (token, source) = find_token(&config, "acme.atlassian.net", &sources).unwrap();
        assert_eq!(source, TokenSource::Env);
        assert_eq!(
            secrecy::ExposeSecret::expose_secret(&token),
            "ATATT3-env-token-Zq9"
        );
    }
}
