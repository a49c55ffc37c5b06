//! What the user enters for a new connection, checked without any network, keyring or disk
//! access: [`NewConnection`] in, [`Draft`] out, or the field that needs fixing.

use jiff::civil::Date;
use secrecy::{ExposeSecret, SecretString};

use crate::core::connection::{AuthKind, ConnectionId, Deployment, Product, today};
use crate::core::error::Error;
use crate::core::error::InputField;
use crate::core::jira::Target;
use crate::core::site_url::SiteUrl;

/// The longest secret accepted, in bytes.
pub(crate) const MAX_SECRET_LEN: usize = 8 * 1024;
/// The longest connection name accepted, in characters.
pub(crate) const MAX_NAME_LEN: usize = 64;

/// What the user entered for a new connection.
#[derive(Debug, Clone, Default)]
pub struct NewConnection {
    pub url: String,
    /// Defaults to the first DNS label of the host.
    pub name: Option<String>,
    /// Inferred from the host when absent.
    pub deployment: Option<Deployment>,
    /// Defaults to `api-token` on Cloud and `pat` on Server/DC.
    pub auth: Option<AuthKind>,
    /// Email on Cloud, username on Server/DC; the OAuth client id for client credentials.
    pub login: Option<String>,
    pub token_label: Option<String>,
    pub token_expires: Option<Date>,
    pub options: SiteOptions,
}

/// How the app reaches a site, beyond its URL: which product it asks, which CA it trusts,
/// whether plain HTTP is allowed, and whether the token goes through Atlassian's API gateway.
/// The same in what the user enters and in the checked [`Draft`].
#[derive(Debug, Clone, Default)]
pub struct SiteOptions {
    /// Jira (the default) or Confluence.
    pub product: Product,
    /// The user explicitly allowed plain HTTP to a host that is not loopback.
    pub allow_http: bool,
    /// A CA certificate (PEM) for a site behind a company PKI.
    pub ca_cert: Option<String>,
    /// A Cloud API token with scopes, which works only through the API gateway.
    pub scoped: bool,
    /// The user allows one retry through the API gateway when the site refuses a classic
    /// Cloud token.
    pub gateway_fallback: bool,
}

/// A new connection whose fields have been checked, ready to validate with Jira.
#[derive(Debug, Clone)]
pub struct Draft {
    pub site: SiteUrl,
    pub name: String,
    pub deployment: Deployment,
    pub auth: AuthKind,
    pub login: Option<String>,
    pub token_label: Option<String>,
    pub token_expires: Option<Date>,
    /// Checked: the CA certificate parses, and the gateway fallback is only for a classic
    /// Cloud token.
    pub options: SiteOptions,
    /// The site's cloud id, when already known.
    pub cloud_id: Option<String>,
    /// The connection whose token this one shares.
    pub linked: Option<ConnectionId>,
}

impl Draft {
    pub(crate) fn target(&self) -> Target<'_> {
        Target {
            site: &self.site,
            deployment: self.deployment,
            product: self.options.product,
            ca_cert: self.options.ca_cert.as_deref(),
            scoped: self.options.scoped,
            cloud_id: self.cloud_id.as_deref(),
            gateway_fallback: self.options.gateway_fallback,
        }
    }
}

/// Checks what the user entered, without any network, keyring or disk access.
pub fn prepare(new: &NewConnection) -> Result<Draft, Error> {
    let options = &new.options;
    let site = SiteUrl::parse(&new.url, options.allow_http)?;
    let deployment = new.deployment.unwrap_or_else(|| Deployment::infer(&site));
    let site = site.for_deployment(deployment);
    let auth = new.auth.unwrap_or(deployment.default_auth());
    check_auth_fits(deployment, auth)?;
    let client_credentials = auth == AuthKind::ClientCredentials;
    if options.scoped && deployment != Deployment::Cloud {
        return Err(Error::InvalidInput {
            field: InputField::Scoped,
            reason: "scoped API tokens exist only on Atlassian Cloud; on Server/Data Center \
                     use a personal access token"
                .into(),
        });
    }
    let name = trimmed(new.name.as_deref()).unwrap_or_else(|| default_name(&site, options.product));
    validate_name(&name)?;
    let login = trimmed(new.login.as_deref());
    validate_login(deployment, auth, login.as_deref())?;
    if let Some(expires) = new.token_expires {
        validate_new_expiry(expires)?;
    }
    let token_label = trimmed(new.token_label.as_deref());
    Ok(Draft {
        site,
        name,
        deployment,
        auth,
        login,
        token_label,
        token_expires: new.token_expires,
        options: SiteOptions {
            product: options.product,
            allow_http: options.allow_http,
            ca_cert: match options.ca_cert.as_deref().map(str::trim) {
                Some(pem) if !pem.is_empty() => {
                    crate::core::jira::parse_ca(pem)?;
                    Some(pem.to_string())
                }
                _ => None,
            },
            // A service account's token goes through the gateway on Cloud anyway; the
            // connection is marked scoped once the gateway has accepted it.
            scoped: options.scoped && !client_credentials,
            gateway_fallback: options.gateway_fallback
                && deployment == Deployment::Cloud
                && !options.scoped
                && !client_credentials,
        },
        cloud_id: None,
        linked: None,
    })
}

/// `text` without surrounding whitespace, or `None` when nothing is left: a field the user
/// left blank counts as not given.
fn trimmed(text: Option<&str>) -> Option<String> {
    Some(text?.trim())
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

/// The name a new connection gets when the user gives none: the site's, with
/// `-confluence` for Confluence so that it never collides with Jira on the same site.
pub(crate) fn default_name(site: &SiteUrl, product: Product) -> String {
    match product {
        Product::Jira => site.default_name(),
        Product::Confluence => format!("{}-confluence", site.default_name()),
    }
}

/// `name` if no connection in `taken` has it, else the first of `name-2`, `name-3`, … that
/// is free: two accounts on one site get `acme` and `acme-2`. Names compare as the config
/// store compares them.
pub fn free_name(name: &str, taken: &[String]) -> String {
    let free = |candidate: &str| !taken.iter().any(|t| t == candidate);
    if free(name) {
        return name.to_string();
    }
    (2..)
        .map(|n| format!("{name}-{n}"))
        .find(|candidate| free(candidate))
        .unwrap_or_else(|| name.to_string())
}

fn check_auth_fits(deployment: Deployment, auth: AuthKind) -> Result<(), Error> {
    match (deployment, auth) {
        (_, AuthKind::ClientCredentials) => Ok(()),
        (Deployment::Cloud, AuthKind::ApiToken) => Ok(()),
        (Deployment::Cloud, _) => Err(Error::InvalidInput {
            field: InputField::Auth,
            reason: "Jira Cloud accepts API tokens only, with your email (or a service \
                     account's client credentials)"
                .into(),
        }),
        (Deployment::DataCenter, AuthKind::ApiToken) => Err(Error::InvalidInput {
            field: InputField::Auth,
            reason: "Jira Server/Data Center uses a personal access token or a password; API \
                     tokens are for Jira Cloud"
                .into(),
        }),
        (Deployment::DataCenter, _) => Ok(()),
    }
}

/// Names are short and safe to type in a shell: letters, digits and `-_.`, and never a
/// leading `-`, which a command line would take for a flag.
pub(crate) fn validate_name(name: &str) -> Result<(), Error> {
    let invalid = |reason: String| Error::InvalidInput {
        field: InputField::Name,
        reason,
    };
    if name.is_empty() {
        return Err(invalid("enter a name for the connection".into()));
    }
    if name.chars().count() > MAX_NAME_LEN {
        return Err(invalid(format!("use at most {MAX_NAME_LEN} characters")));
    }
    if name.starts_with('-') {
        return Err(invalid(
            "it must not start with '-', which a command line would read as a flag".into(),
        ));
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err(invalid(format!(
            "{bad:?} is not allowed; use letters, digits, '-', '_' and '.'"
        )));
    }
    Ok(())
}

fn validate_login(
    deployment: Deployment,
    auth: AuthKind,
    login: Option<&str>,
) -> Result<(), Error> {
    match (deployment, auth, login) {
        (_, AuthKind::ClientCredentials, None) => Err(Error::InvalidInput {
            field: InputField::ClientId,
            reason: "enter the service account's OAuth 2.0 client id".into(),
        }),
        (_, AuthKind::ClientCredentials, Some(id))
            if id.len() > 256 || id.chars().any(|c| c.is_whitespace() || c.is_control()) =>
        {
            Err(Error::InvalidInput {
                field: InputField::ClientId,
                reason: "a client id has no spaces or line breaks and at most 256 characters"
                    .into(),
            })
        }
        (_, AuthKind::ClientCredentials, Some(_)) => Ok(()),
        (Deployment::Cloud, _, None) => Err(Error::InvalidInput {
            field: InputField::Email,
            reason: "Jira Cloud needs the email address of your Atlassian account".into(),
        }),
        (Deployment::Cloud, _, Some(email)) if !looks_like_email(email) => {
            Err(Error::InvalidInput {
                field: InputField::Email,
                reason: format!("{email:?} is not an email address"),
            })
        }
        (Deployment::DataCenter, AuthKind::Password, None) => Err(Error::InvalidInput {
            field: InputField::Username,
            reason: "password login needs your Jira username".into(),
        }),
        _ => Ok(()),
    }
}

/// A client id as typed, trimmed and checked like [`prepare`] checks it.
pub(crate) fn checked_client_id(text: &str) -> Result<String, Error> {
    let id = trimmed(Some(text));
    validate_login(
        Deployment::Cloud,
        AuthKind::ClientCredentials,
        id.as_deref(),
    )?;
    Ok(id.unwrap_or_default())
}

fn looks_like_email(text: &str) -> bool {
    match text.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !text.chars().any(char::is_whitespace)
                && !domain.contains('@')
        }
        None => false,
    }
}

/// The secret must be non-empty, at most [`MAX_SECRET_LEN`] bytes, and have no control
/// characters: a CR or LF inside would otherwise end up in an HTTP header.
pub(crate) fn validate_secret(secret: &SecretString, auth: AuthKind) -> Result<(), Error> {
    let field = InputField::Secret(auth);
    let text = secret.expose_secret();
    let reason = if text.is_empty() {
        Some(format!("enter the {}", auth.secret_name()))
    } else if text.len() > MAX_SECRET_LEN {
        Some(format!("it is longer than {MAX_SECRET_LEN} bytes"))
    } else if text.chars().any(char::is_control) {
        Some("it contains a line break or another control character".to_string())
    } else {
        None
    };
    match reason {
        Some(reason) => Err(Error::InvalidInput { field, reason }),
        None => Ok(()),
    }
}

pub(crate) fn validate_new_expiry(expires: Date) -> Result<(), Error> {
    if expires < today() {
        return Err(Error::InvalidInput {
            field: InputField::Expires,
            reason: format!("{expires} is in the past; enter the date the new token expires"),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_shell_safe() {
        for ok in ["acme", "acme-prod", "a_b.c", "ÄÖ"] {
            validate_name(ok).unwrap();
        }
        for bad in ["", "a b", "a/b", "a;rm", "--help", "-x", &"x".repeat(65)] {
            assert!(validate_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn secrets_with_line_breaks_are_refused_without_echo() {
        let err = validate_secret(&SecretString::from("abc\r\nX-Evil: 1"), AuthKind::Pat)
            .unwrap_err()
            .to_string();
        assert!(err.contains("line break"), "{err}");
        assert!(!err.contains("abc"), "{err}");
        assert!(validate_secret(&SecretString::from(""), AuthKind::ApiToken).is_err());
        assert!(validate_secret(&SecretString::from("x".repeat(9000)), AuthKind::Pat).is_err());
        validate_secret(
            &SecretString::from("ATATT3xFfGF0-good_token=="),
            AuthKind::ApiToken,
        )
        .unwrap();
    }

    #[test]
    fn email_shape() {
        assert!(looks_like_email("mia@example.com"));
        for bad in [
            "mia",
            "mia@",
            "@example.com",
            "mia@example",
            "mi a@example.com",
        ] {
            assert!(!looks_like_email(bad), "{bad}");
        }
    }

    #[test]
    fn auth_must_fit_the_deployment() {
        assert!(check_auth_fits(Deployment::Cloud, AuthKind::Pat).is_err());
        assert!(check_auth_fits(Deployment::DataCenter, AuthKind::ApiToken).is_err());
        check_auth_fits(Deployment::DataCenter, AuthKind::Password).unwrap();
    }

    #[test]
    fn a_free_name_counts_up_past_the_taken_ones() {
        let taken = |names: &[&str]| names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        assert_eq!(free_name("acme", &taken(&[])), "acme");
        assert_eq!(free_name("acme", &taken(&["corp"])), "acme");
        assert_eq!(free_name("acme", &taken(&["acme"])), "acme-2");
        assert_eq!(
            free_name("acme", &taken(&["acme", "acme-2", "acme-4"])),
            "acme-3"
        );
    }
}
