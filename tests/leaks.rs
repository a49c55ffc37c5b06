//! The secret appears nowhere but the keyring: not in the config directory, not in logs at
//! trace level, not in Debug output, not in error messages.

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};

use jira_connect::core::connection::Deployment;
use jira_connect::core::draft::{NewConnection, prepare};
use jira_connect::core::secrets::MemoryStore;
use jira_connect::core::service::{Cancel, NewToken};
use secrecy::SecretString;

use crate::common::*;

/// Every byte of every file under `dir`.
fn all_file_contents(dir: &Path) -> Vec<u8> {
    let mut bytes = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            bytes.extend(all_file_contents(&path));
        } else {
            bytes.extend(std::fs::read(&path).unwrap());
        }
    }
    bytes
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs add, check, a failed and a good replace, and remove with every log at trace level,
/// then looks for the secrets in the logs, the config dir, Debug output and errors.
#[test]
fn in_process_flows_leak_no_secret() {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    // One thread, so the HTTP client's own logs reach this thread's subscriber too.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut debug_text = String::new();

    tracing::subscriber::with_default(subscriber, || {
        runtime.block_on(async {
            let jira = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
            let secrets = Arc::new(MemoryStore::new());
            let svc = service(dir.path(), secrets.clone());
            let input = NewConnection {
                url: jira.uri(),
                name: Some("acme".into()),
                deployment: Some(Deployment::Cloud),
                login: Some(EMAIL.into()),
                ..Default::default()
            };
            let draft = prepare(&input).unwrap();
            let secret = SecretString::from(TOKEN);
            debug_text += &format!("{draft:?} {secret:?} {input:?}");
            let (conn, account) = svc.add(draft, secret, &Cancel::new()).await.unwrap();
            debug_text += &format!("{conn:?} {account:?}");
            let report = svc.check("acme").await.unwrap();
            debug_text += &format!("{report:?}");
            let err = svc
                .replace_token(
                    "acme",
                    NewToken::new(SecretString::from(NEW_TOKEN)),
                    &Cancel::new(),
                )
                .await
                .unwrap_err();
            debug_text += &format!("{err:?} {err}");
            let bad_secret = SecretString::from(format!("{NEW_TOKEN}\r\nX-Injected: 1"));
            let err = svc
                .replace_token("acme", NewToken::new(bad_secret), &Cancel::new())
                .await
                .unwrap_err();
            debug_text += &format!("{err:?} {err}");
            let token = svc.token("acme").await.unwrap();
            debug_text += &format!("{token:?}");
            svc.remove("acme").await.unwrap();
        });
    });

    let logs = logs.0.lock().unwrap().clone();
    assert!(contains(&logs, "GET"), "trace logging was captured");
    assert!(
        contains(&logs, "connection added"),
        "info logging was captured"
    );
    for secret in [TOKEN, NEW_TOKEN] {
        assert!(!contains(&logs, secret), "secret in logs");
        assert!(
            !debug_text.contains(secret),
            "secret in Debug output or errors: {debug_text}"
        );
        assert!(
            !contains(&all_file_contents(dir.path()), secret),
            "secret in the config dir"
        );
    }
    // Nor its Base64 form, as it would appear in a logged Authorization header.
    let basic = base64(&format!("{EMAIL}:{TOKEN}"));
    assert!(!contains(&logs, &basic), "Basic header in logs");
}

/// The binary at RUST_LOG=trace, through the real keyring.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the OS keyring: scripts/test.sh runs it"]
async fn cli_at_trace_level_leaks_no_secret() {
    require_os_keyring();
    let jira = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    let dir = tempfile::tempdir().unwrap();
    let steps: &[(&[&str], String)] = &[
        (
            &[
                "add",
                "--url",
                &jira.uri(),
                "--name",
                "acme",
                "--cloud",
                "--email",
                EMAIL,
            ],
            format!("{TOKEN}\n"),
        ),
        (&["list", "--json"], String::new()),
        (&["check", "--json"], String::new()),
        (&["replace-token", "acme"], format!("{NEW_TOKEN}\n")),
        (&["remove", "acme", "--yes"], String::new()),
    ];
    let output = run_at_trace_level(dir.path(), &[], steps);
    assert!(
        contains(&output, "TRACE") || contains(&output, "DEBUG"),
        "trace logging was on"
    );
    for secret in [TOKEN, NEW_TOKEN] {
        assert!(!contains(&output, secret), "secret in CLI output or logs");
        assert!(
            !contains(&all_file_contents(dir.path()), secret),
            "secret in the config dir"
        );
    }
    assert!(!contains(&output, &base64(&format!("{EMAIL}:{TOKEN}"))));
}

/// Scoped tokens through the gateway, the fallback, and Confluence linking, at trace level.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the OS keyring: scripts/test.sh runs it"]
async fn gateway_and_confluence_flows_at_trace_level_leak_no_secret() {
    require_os_keyring();
    let (site, gateway) = scoped_site_and_gateway().await;
    let dir = tempfile::tempdir().unwrap();
    let url = site.uri();
    let steps: &[(&[&str], String)] = &[
        // Refused by the site and by the gateway: the error names neither token.
        (
            &[
                "add",
                "--url",
                &url,
                "--name",
                "x",
                "--email",
                EMAIL,
                "--try-scoped",
            ],
            format!("{NEW_TOKEN}\n"),
        ),
        (
            &[
                "add", "--url", &url, "--name", "acme", "--email", EMAIL, "--scoped",
            ],
            format!("{TOKEN}\n"),
        ),
        (&["link-confluence", "acme"], String::new()),
        (&["check", "--json"], String::new()),
        (&["replace-token", "acme"], format!("{TOKEN}\n")),
        (&["remove", "acme-confluence", "--yes"], String::new()),
        (&["remove", "acme", "--yes"], String::new()),
    ];
    let output = run_at_trace_level(
        dir.path(),
        &[("JIRA_CONNECT_API_GATEWAY", gateway.uri())],
        steps,
    );
    assert!(contains(&output, "TRACE") || contains(&output, "DEBUG"));
    assert!(
        contains(&output, "Saved \"acme-confluence\""),
        "the flows ran"
    );
    for secret in [TOKEN, NEW_TOKEN] {
        assert!(!contains(&output, secret), "secret in CLI output or logs");
        assert!(!contains(&all_file_contents(dir.path()), secret));
        assert!(!contains(&output, &base64(&format!("{EMAIL}:{secret}"))));
    }
}

/// Runs the binary once per step, at trace level, and returns all it printed.
fn run_at_trace_level(
    config_dir: &std::path::Path,
    env: &[(&str, String)],
    steps: &[(&[&str], String)],
) -> Vec<u8> {
    let mut output = Vec::new();
    for (args, stdin) in steps {
        let out = crate::cli::bin(config_dir)
            .env("RUST_LOG", "trace")
            .envs(env.iter().map(|(k, v)| (k, v)))
            .args(*args)
            .write_stdin(stdin.clone())
            .output()
            .unwrap();
        output.extend(out.stdout);
        output.extend(out.stderr);
    }
    output
}

fn base64(input: &str) -> String {
    const TABLE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bytes = input.as_bytes();
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(TABLE[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[test]
fn base64_helper_is_right() {
    assert_eq!(
        base64("mia@example.com:tok"),
        "bWlhQGV4YW1wbGUuY29tOnRvaw=="
    );
}

/// A server (or a proxy or WAF in front of it) that echoes the credentials and sends
/// terminal escapes: what is saved in connections.toml and returned from a check holds
/// neither the secret, in plain, Basic or Bearer form, nor a control character.
#[tokio::test]
async fn server_text_is_redacted_cleaned_and_capped_before_it_is_saved() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let jira = MockServer::start().await;
    let basic = base64(&format!("{EMAIL}:{TOKEN}"));
    Mock::given(method("GET"))
        .and(path("/rest/api/3/myself"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "accountId": "5b10a2844c20165700ede21g",
            "displayName": format!("\u{1b}]0;owned\u{7}\u{1b}[2JMia\u{202e} {TOKEN}"),
            "emailAddress": format!("{}@example.com", "m".repeat(1024 * 512)),
        })))
        .up_to_n_times(1)
        .mount(&jira)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/myself"))
        .respond_with(ResponseTemplate::new(403).set_body_json(serde_json::json!({
            "errorMessages": [format!("invalid bearer {TOKEN}\u{1b}[31m; got Basic {basic}")],
        })))
        .mount(&jira)
        .await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/serverInfo"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({ "version": format!("\u{9b}1001.0.0 {TOKEN}") })),
        )
        .mount(&jira)
        .await;

    let (dir, _, svc) = scratch();
    let draft = prepare(&NewConnection {
        url: jira.uri(),
        name: Some("acme".into()),
        deployment: Some(Deployment::Cloud),
        login: Some(EMAIL.into()),
        ..Default::default()
    })
    .unwrap();
    let (_, account) = svc
        .add(draft, SecretString::from(TOKEN), &Cancel::new())
        .await
        .unwrap();
    assert_eq!(account.display_name, "]0;owned[2JMia [redacted]");
    assert_eq!(
        account.server_version.as_deref(),
        Some("1001.0.0 [redacted]")
    );
    assert_eq!(
        account.email.as_ref().map(|e| e.chars().count()),
        Some(jira_connect::core::jira::MAX_EMAIL_CHARS + 1)
    );
    let saved_valid = std::fs::read(dir.path().join("connections.toml")).unwrap();

    let report = svc.check("acme").await.unwrap();
    let err = report.result.unwrap_err();
    let message = report
        .connection
        .last_check
        .as_ref()
        .unwrap()
        .message
        .clone();
    assert_eq!(message.as_deref(), Some(err.to_string().as_str()));
    let message = message.unwrap();
    assert!(
        message.contains("invalid bearer [redacted][31m; got Basic [redacted]"),
        "{message}"
    );

    let saved = all_file_contents(dir.path());
    for text in [&saved, &saved_valid] {
        assert!(!contains(text, TOKEN), "the token is on disk");
        assert!(
            !contains(text, &basic[..basic.len() - 4]),
            "Basic form on disk"
        );
        let lower = text.to_ascii_lowercase();
        assert!(
            !contains(text, "\u{1b}") && !contains(&lower, "u001b"),
            "ESC on disk"
        );
        assert!(!contains(text, "\u{202e}") && !contains(&lower, "u202e"));
        assert!(text.len() < 4096, "{} bytes saved", text.len());
    }
}
