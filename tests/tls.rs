//! TLS against a real rustls server on loopback, with a certificate for 127.0.0.1 from a
//! throwaway CA made by rcgen, and a real CONNECT proxy on loopback.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use jira_connect::core::connection::{AuthKind, Deployment};
use jira_connect::core::error::Error;
use jira_connect::core::jira::{Credentials, JiraClient, Target};
use jira_connect::core::site_url::SiteUrl;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use secrecy::SecretString;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::common::*;

/// A host name that only [`connect_proxy`] resolves (to 127.0.0.1): a site that is not on
/// this machine as far as the client can tell. `.test` never resolves in DNS.
pub const PROXIED_HOST: &str = "jira.test";

/// A Jira Data Center on https://127.0.0.1:PORT that accepts `PAT` as a bearer token. Its
/// certificate is also valid for [`PROXIED_HOST`].
pub struct TlsJira {
    pub url: String,
    pub port: u16,
    pub ca_pem: String,
}

pub async fn tls_jira() -> TlsJira {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "jira-connect test CA");
    ca.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);

    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["127.0.0.1".to_string(), PROXIED_HOST.to_string()])
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();
    let config = tokio_rustls::rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            tokio_rustls::rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if let Ok(tls) = acceptor.accept(stream).await {
                    serve_jira(tls).await;
                }
            });
        }
    });
    TlsJira {
        url: format!("https://127.0.0.1:{port}"),
        port,
        ca_pem: ca_cert.pem(),
    }
}

/// Answers one HTTP/1.1 request like Jira Data Center would.
async fn serve_jira<S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin>(mut stream: S) {
    let Some(head) = read_head(&mut stream).await else {
        return;
    };
    let path = head.split_whitespace().nth(1).unwrap_or("/").to_string();
    let authorised = head
        .lines()
        .any(|l| l.eq_ignore_ascii_case(&format!("authorization: Bearer {PAT}")));
    let (status, body) = match (path.as_str(), authorised) {
        // Public on Jira, as its REST API marks it: answered with or without a login.
        ("/rest/api/2/serverInfo", _) => ("200 OK", r#"{"version":"10.3.1"}"#.to_string()),
        (_, false) => ("401 Unauthorized", String::new()),
        ("/rest/api/2/myself", true) => ("200 OK", dc_user().to_string()),
        _ => ("404 Not Found", String::new()),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
}

async fn read_head<S: tokio::io::AsyncRead + Unpin>(stream: &mut S) -> Option<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > 16 * 1024 || stream.read(&mut byte).await.ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    String::from_utf8(head).ok()
}

/// A CONNECT proxy on loopback that records the first line of every request it receives
/// (`CONNECT host:port HTTP/1.1`, or `GET http://… HTTP/1.1` for a plain-http request,
/// which it refuses). It tunnels to [`PROXIED_HOST`] as 127.0.0.1.
pub async fn connect_proxy() -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut client, _)) = listener.accept().await else {
                return;
            };
            let record = record.clone();
            tokio::spawn(async move {
                let Some(head) = read_head(&mut client).await else {
                    return;
                };
                let request_line = head.lines().next().unwrap_or_default().to_string();
                record.lock().unwrap().push(request_line);
                let mut words = head.split_whitespace();
                let (Some("CONNECT"), Some(target)) = (words.next(), words.next()) else {
                    let _ = client
                        .write_all(b"HTTP/1.1 405 Method Not Allowed\r\n\r\n")
                        .await;
                    return;
                };
                let target = match target.strip_prefix(PROXIED_HOST) {
                    Some(port) => format!("127.0.0.1{port}"),
                    None => target.to_string(),
                };
                let Ok(mut upstream) = TcpStream::connect(target).await else {
                    let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
                    return;
                };
                let _ = client
                    .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .await;
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            });
        }
    });
    (format!("http://127.0.0.1:{port}"), seen)
}

async fn validate(
    url: &str,
    ca_pem: Option<&str>,
) -> Result<jira_connect::core::jira::Account, Error> {
    let site = SiteUrl::parse(url, false).unwrap();
    let secret = SecretString::from(PAT);
    let creds = Credentials {
        auth: AuthKind::Pat,
        login: None,
        secret: &secret,
    };
    JiraClient::new(Duration::from_secs(10))
        .unwrap()
        .validate(
            &Target {
                ca_cert: ca_pem,
                ..Target::new(&site, Deployment::DataCenter)
            },
            &creds,
        )
        .await
}

#[tokio::test]
async fn an_unknown_ca_is_refused_and_the_fix_is_named() {
    let jira = tls_jira().await;
    let err = validate(&jira.url, None).await.unwrap_err();
    assert!(matches!(err, Error::Tls { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("unknown certificate authority"), "{msg}");
    assert!(
        msg.contains("give the connection its CA certificate"),
        "{msg}"
    );
}

/// The CLI names its own fix under the core's message: the flag that gives the CA.
#[tokio::test(flavor = "multi_thread")]
async fn the_cli_names_its_ca_flag_when_the_ca_is_unknown() {
    let jira = tls_jira().await;
    let dir = tempfile::tempdir().unwrap();
    let out = crate::cli::bin(&dir.path().join("config"))
        .args(["add", "--url", &jira.url, "--name", "corp", "--data-center"])
        .write_stdin(format!("{PAT}\n"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = crate::cli::text(&out.stderr);
    assert!(stderr.contains("unknown certificate authority"), "{stderr}");
    assert!(stderr.contains("--ca-cert PATH"), "{stderr}");
}

#[tokio::test]
async fn the_sites_ca_makes_it_trusted_with_verification_on() {
    let jira = tls_jira().await;
    let account = validate(&jira.url, Some(&jira.ca_pem)).await.unwrap();
    assert_eq!(account.display_name, "Mia Krystof");
    assert_eq!(account.server_version.as_deref(), Some("10.3.1"));

    // Verification stays on: another CA does not make this site trusted.
    let other = tls_jira().await;
    let err = validate(&jira.url, Some(&other.ca_pem)).await.unwrap_err();
    assert!(matches!(err, Error::Tls { .. }), "{err:?}");
}

#[tokio::test]
async fn a_file_that_is_not_a_certificate_is_refused_before_any_request() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ca.pem");
    std::fs::write(&path, "not a certificate").unwrap();
    let err = jira_connect::core::jira::read_ca_file(&path).unwrap_err();
    assert!(
        err.to_string().contains("holds no PEM certificate"),
        "{err}"
    );
    let err = jira_connect::core::jira::read_ca_file(&dir.path().join("missing.pem")).unwrap_err();
    assert!(err.to_string().contains("cannot read"), "{err}");
}

/// The binary honours HTTPS_PROXY like curl: the request is tunnelled through the proxy,
/// TLS is still verified end to end against the site's CA, and the connection is saved.
/// A loopback site never goes through the proxy, whose loopback is not this machine's.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the OS keyring: scripts/test.sh runs it"]
async fn https_proxy_from_the_environment_is_used() {
    require_os_keyring();
    let jira = tls_jira().await;
    let (proxy, seen) = connect_proxy().await;
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &jira.ca_pem).unwrap();
    let config = dir.path().join("config");
    let site = format!("https://{PROXIED_HOST}:{}", jira.port);
    let add = |name: &str, url: &str| {
        crate::cli::bin(&config)
            .env("HTTPS_PROXY", &proxy)
            .env_remove("NO_PROXY")
            .env_remove("no_proxy")
            .args(["add", "--url", url, "--name", name, "--data-center"])
            .arg("--ca-cert")
            .arg(&ca)
            .write_stdin(format!("{PAT}\n"))
            .output()
            .unwrap()
    };
    let out = add("corp", &site);
    assert!(out.status.success(), "{}", crate::cli::text(&out.stderr));
    let tunnel = format!("CONNECT {PROXIED_HOST}:{} HTTP/1.1", jira.port);
    assert!(
        seen.lock().unwrap().contains(&tunnel),
        "tunnelled: {:?}",
        seen.lock().unwrap()
    );

    // NO_PROXY keeps the same request off the proxy: it goes direct, where the name does
    // not resolve.
    seen.lock().unwrap().clear();
    let out = crate::cli::bin(&config)
        .env("HTTPS_PROXY", &proxy)
        .env("NO_PROXY", PROXIED_HOST)
        .args(["check", "corp"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stdout = crate::cli::text(&out.stdout);
    assert!(
        stdout.contains(&format!("find the host {PROXIED_HOST}")),
        "{stdout}"
    );
    assert!(
        seen.lock().unwrap().is_empty(),
        "{:?}",
        seen.lock().unwrap()
    );
    let saved = std::fs::read_to_string(config.join("connections.toml")).unwrap();
    assert!(
        saved.contains("-----BEGIN CERTIFICATE-----"),
        "the CA is kept in the metadata"
    );

    // A loopback site goes direct, with HTTPS_PROXY set and nothing in NO_PROXY.
    let out = add("local", &jira.url);
    assert!(out.status.success(), "{}", crate::cli::text(&out.stderr));
    assert!(
        seen.lock().unwrap().is_empty(),
        "a loopback site went through the proxy: {:?}",
        seen.lock().unwrap()
    );
    for name in ["corp", "local"] {
        crate::cli::bin(&config)
            .args(["remove", name, "--yes"])
            .output()
            .unwrap();
    }
}

/// Plain http never goes through a proxy, where the `Authorization` header would reach the
/// proxy host in cleartext: not for a loopback site (allowed without --allow-http, e.g. an
/// SSH tunnel), and not for another host allowed with --allow-http either.
#[tokio::test(flavor = "multi_thread")]
async fn plain_http_never_goes_through_a_proxy() {
    let jira = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    let (proxy, seen) = connect_proxy().await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    let port = jira.address().port();
    let add = |url: &str, extra: &[&str]| {
        crate::cli::bin(&config)
            .env("HTTP_PROXY", &proxy)
            .env("http_proxy", &proxy)
            .env("HTTPS_PROXY", &proxy)
            .env("ALL_PROXY", &proxy)
            .env_remove("NO_PROXY")
            .env_remove("no_proxy")
            .args(["add", "--url", url, "--cloud", "--email", EMAIL])
            .args(extra)
            .write_stdin(format!("{TOKEN}\n"))
            .output()
            .unwrap()
    };

    for url in [
        format!("http://127.0.0.1:{port}"),
        format!("http://localhost:{port}"),
    ] {
        let before = authorised_requests(&jira).await;
        let out = add(&url, &["--name", "loop"]);
        assert!(
            authorised_requests(&jira).await > before,
            "{url}: the check did not reach the site directly: {}",
            crate::cli::text(&out.stderr)
        );
        assert!(
            seen.lock().unwrap().is_empty(),
            "{url} went through the proxy: {:?}",
            seen.lock().unwrap()
        );
        crate::cli::bin(&config)
            .args(["remove", "loop", "--yes"])
            .output()
            .unwrap();
    }

    // A host that only the proxy could reach: the request goes direct and fails there.
    let out = add(
        &format!("http://{PROXIED_HOST}:{port}"),
        &["--name", "remote", "--allow-http"],
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = crate::cli::text(&out.stderr);
    assert!(
        stderr.contains(&format!("find the host {PROXIED_HOST}")),
        "{stderr}"
    );
    assert!(
        seen.lock().unwrap().is_empty(),
        "{:?}",
        seen.lock().unwrap()
    );
}
