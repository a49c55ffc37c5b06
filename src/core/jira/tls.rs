//! A company's CA certificate for a Server/Data Center site, and transport failures (TLS,
//! DNS, refused, timeout) turned into the error taxonomy.

use std::time::Duration;

use crate::core::error::Error;
use crate::core::error::InputField;
use crate::core::site_url::SiteUrl;

/// The most a CA certificate file may hold.
pub const MAX_CA_FILE: u64 = 1024 * 1024;

/// Parses a PEM bundle of CA certificates.
pub fn parse_ca(pem: &str) -> Result<Vec<reqwest::Certificate>, Error> {
    let invalid = |reason: String| Error::InvalidInput {
        field: InputField::CaCertificate,
        reason,
    };
    if !pem.contains("-----BEGIN CERTIFICATE-----") {
        return Err(invalid(
            "it holds no PEM certificate (-----BEGIN CERTIFICATE-----)".into(),
        ));
    }
    let certs = reqwest::Certificate::from_pem_bundle(pem.as_bytes())
        .map_err(|e| invalid(format!("it cannot be read as PEM: {e}")))?;
    if certs.is_empty() {
        return Err(invalid("it holds no certificate".into()));
    }
    Ok(certs)
}

/// Reads and checks a CA certificate file (PEM) for a Server/DC site behind its own PKI.
pub fn read_ca_file(path: &std::path::Path) -> Result<String, Error> {
    let invalid = |reason: String| Error::InvalidInput {
        field: InputField::CaCertificate,
        reason,
    };
    let meta = std::fs::metadata(path)
        .map_err(|e| invalid(format!("cannot read {}: {e}", path.display())))?;
    if meta.len() > MAX_CA_FILE {
        return Err(invalid(format!(
            "{} is larger than {MAX_CA_FILE} bytes; it is not a CA certificate",
            path.display()
        )));
    }
    let pem = std::fs::read_to_string(path)
        .map_err(|e| invalid(format!("cannot read {}: {e}", path.display())))?;
    parse_ca(&pem)?;
    Ok(pem)
}

/// Turns a transport failure into the taxonomy, by walking the error's causes.
pub(super) fn transport_error(err: &reqwest::Error, site: &SiteUrl, timeout: Duration) -> Error {
    let host = site.host().to_string();
    let mut chain = Vec::new();
    let mut source: Option<&dyn std::error::Error> = Some(err);
    let mut io_kind = None;
    let mut tls = None;
    while let Some(e) = source {
        chain.push(e.to_string());
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            io_kind.get_or_insert(io.kind());
            // rustls reports through io::Errors wrapping io::Errors; their `source()` skips
            // the wrapped error, so unwrap them by hand.
            let mut inner = io.get_ref();
            while let Some(wrapped) = inner {
                if let Some(t) = wrapped.downcast_ref::<rustls::Error>() {
                    tls.get_or_insert_with(|| tls_text(t));
                }
                inner = wrapped
                    .downcast_ref::<std::io::Error>()
                    .and_then(|io| io.get_ref());
            }
        }
        if let Some(t) = e.downcast_ref::<rustls::Error>() {
            tls.get_or_insert_with(|| tls_text(t));
        }
        source = e.source();
    }
    if let Some(detail) = tls {
        return Error::Tls { host, detail };
    }
    let text = chain.join(": ").to_ascii_lowercase();
    if err.is_timeout() || io_kind == Some(std::io::ErrorKind::TimedOut) {
        return Error::Timeout {
            host,
            after: timeout,
        };
    }
    if io_kind == Some(std::io::ErrorKind::ConnectionRefused) || text.contains("refused") {
        return Error::ConnectionRefused { host };
    }
    if text.contains("dns error")
        || text.contains("failed to lookup address")
        || text.contains("name or service not known")
        || text.contains("no such host")
    {
        return Error::Dns { host };
    }
    if text.contains("certificate") || text.contains("tls") || text.contains("handshake") {
        return Error::Tls {
            host,
            detail: tls_reason(&chain),
        };
    }
    Error::Network {
        host,
        detail: chain.last().cloned().unwrap_or_else(|| err.to_string()),
    }
}

/// A TLS failure in words a user can act on.
fn tls_text(err: &rustls::Error) -> String {
    use rustls::{CertificateError, Error as E};
    match err {
        E::InvalidCertificate(CertificateError::UnknownIssuer) => {
            "it is signed by an unknown certificate authority".into()
        }
        E::InvalidCertificate(
            CertificateError::Expired | CertificateError::ExpiredContext { .. },
        ) => "the certificate has expired".into(),
        E::InvalidCertificate(CertificateError::NotValidForName) => {
            "the certificate is for a different host name".into()
        }
        E::InvalidCertificate(CertificateError::NotValidForNameContext { .. }) => {
            "the certificate is for a different host name".into()
        }
        E::InvalidCertificate(CertificateError::BadSignature) => {
            "the certificate's signature is invalid".into()
        }
        E::InvalidCertificate(other) => format!("invalid certificate: {other:?}"),
        E::InvalidMessage(_) => {
            "the server does not speak TLS on this port; check https:// and the port".into()
        }
        other => other.to_string(),
    }
}

fn tls_reason(chain: &[String]) -> String {
    chain
        .iter()
        .rev()
        .find(|c| {
            let l = c.to_ascii_lowercase();
            l.contains("certificate") || l.contains("tls") || l.contains("handshake")
        })
        .cloned()
        .unwrap_or_else(|| "handshake failed".into())
}
