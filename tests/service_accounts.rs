//! Service accounts with OAuth 2.0 client credentials, Cloud and Data Center, through the
//! real HTTP path against the loopback OAuth mock (`oauth_mock`): add, list, check, token,
//! exec, expired tokens, refused clients, replace-token and remove; the real keyring where
//! the name says so.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use jira_connect::core::config::ConfigStore;
use jira_connect::core::connection::AuthKind;
use jira_connect::core::jira::JiraClient;
use jira_connect::core::jira::oauth::REMINT_MARGIN;
use jira_connect::core::secrets::{MemoryStore, SecretStore};
use jira_connect::core::service::Connections;
use secrecy::ExposeSecret;

use crate::cli_in_process::Script;
use crate::common::*;
use crate::oauth_mock::*;

fn says(secret: &'static str) -> Script {
    Script {
        secret: Some(secret),
        ..Script::default()
    }
}

/// A service whose Cloud token URL is `auth`'s and whose API gateway is `gateway`.
fn service_for(
    dir: &std::path::Path,
    secrets: Arc<dyn SecretStore>,
    auth: &wiremock::MockServer,
    gateway: &wiremock::MockServer,
) -> Arc<Connections> {
    let client = JiraClient::with_gateway(Duration::from_secs(10), &gateway.uri())
        .unwrap()
        .with_auth_url(&format!("{}{CLOUD_TOKEN_PATH}", auth.uri()))
        .unwrap();
    Arc::new(Connections::new(ConfigStore::new(dir), secrets, client))
}

fn toml(dir: &std::path::Path) -> String {
    std::fs::read_to_string(dir.join("connections.toml")).unwrap_or_default()
}

/// `GET {base}/rest/api/{v}/myself` with `token` as Bearer: what a script does with it.
async fn status_with(url: &str, token: &str) -> u16 {
    reqwest::Client::new()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

async fn add_cloud(svc: &Arc<Connections>, site: &wiremock::MockServer) -> (ExitCode, String) {
    let url = site.uri();
    let (code, out) = run(
        svc,
        &[
            "add",
            "--url",
            &url,
            "--cloud",
            "--auth",
            "client-credentials",
            "--client-id",
            CLIENT_ID,
            "--name",
            "reports",
            "--token-label",
            "reports-bot CI",
            "--expires",
            "2099-01-31",
        ],
        &says(CLIENT_SECRET),
    )
    .await;
    (code, format!("{}{}", out.stdout, out.stderr))
}

#[tokio::test]
async fn cloud_add_list_check_token_and_remove() {
    let (mock, site, auth, gateway) = cloud(3600).await;
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::new());
    let svc = service_for(dir.path(), secrets.clone(), &auth, &gateway);

    // add: one token minted, `/myself` asked through the gateway, then the secret stored.
    let (code, out) = add_cloud(&svc, &site).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out}");
    assert!(out.contains("as reports-bot, a service account"), "{out}");
    assert!(out.contains(&format!("/ex/jira/{CLOUD_ID}")), "{out}");
    assert_eq!(mock.mints(), 1);
    let saved = svc.get("reports").unwrap();
    assert_eq!(saved.auth, AuthKind::ClientCredentials);
    assert_eq!(saved.login.as_deref(), Some(CLIENT_ID));
    assert_eq!(saved.cloud_id.as_deref(), Some(CLOUD_ID));
    assert_eq!(saved.token_label.as_deref(), Some("reports-bot CI"));
    assert_eq!(
        saved.token_expires.map(|d| d.to_string()).as_deref(),
        Some("2099-01-31")
    );
    // The client secret is the keyring entry; no access token is on disk.
    let stored = secrets.get(&saved.id).unwrap().unwrap();
    assert_eq!(stored.expose_secret(), CLIENT_SECRET);
    let file = toml(dir.path());
    assert!(file.contains(CLIENT_ID), "{file}");
    assert!(!file.contains(CLIENT_SECRET), "{file}");
    for token in mock.issued() {
        assert!(!file.contains(&token), "{file}");
    }

    // list: the client id and the kind, no network.
    let (code, out) = run(&svc, &["list", "--json"], &says("unused")).await;
    assert_eq!(code, ExitCode::SUCCESS);
    let list: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(list[0]["auth"], "client-credentials");
    assert_eq!(list[0]["client_id"], CLIENT_ID);
    assert_eq!(list[0]["token_expires"], "2099-01-31");
    assert_eq!(mock.mints(), 1);

    // check: a fresh token, and `/myself` with it.
    let (code, out) = run(&svc, &["check", "--json", "reports"], &says("unused")).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out:?}");
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(report[0]["status"], "valid", "{report}");
    assert_eq!(report[0]["last_check"]["display_name"], "reports-bot");
    assert_eq!(mock.mints(), 2);

    // token: an access token that the gateway accepts, never the client secret.
    let (code, out) = run(&svc, &["token", "reports"], &says("unused")).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out:?}");
    let printed = out.stdout.trim().to_string();
    assert_ne!(printed, CLIENT_SECRET);
    assert!(!out.stdout.contains(CLIENT_SECRET) && !out.stderr.contains(CLIENT_SECRET));
    assert!(mock.issued().contains(&printed), "{printed}");
    let myself = format!("{}/ex/jira/{CLOUD_ID}/rest/api/3/myself", gateway.uri());
    assert_eq!(status_with(&myself, &printed).await, 200);
    assert_eq!(status_with(&myself, CLIENT_SECRET).await, 401);

    // remove: the keyring entry goes, and the user is told where to revoke.
    let (code, out) = run(&svc, &["remove", "reports", "--yes"], &says("unused")).await;
    assert_eq!(code, ExitCode::SUCCESS);
    let text = format!("{}{}", out.stdout, out.stderr);
    assert!(
        text.contains("does not revoke the service account's client credentials"),
        "{text}"
    );
    assert!(text.contains("admin.atlassian.com"), "{text}");
    assert!(text.contains("Service accounts"), "{text}");
    assert!(secrets.get(&saved.id).unwrap().is_none());
    assert!(svc.list().unwrap().is_empty());
}

#[tokio::test]
async fn a_wrong_secret_is_refused_after_one_request_and_nothing_is_saved() {
    let (mock, site, auth, gateway) = cloud(3600).await;
    mock.rotate_client(CLIENT_ID, NEW_CLIENT_SECRET);
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::new());
    let svc = service_for(dir.path(), secrets.clone(), &auth, &gateway);

    let (code, out) = add_cloud(&svc, &site).await;
    assert_eq!(code, ExitCode::from(1), "{out}");
    assert!(
        out.contains("refused the client id and client secret"),
        "{out}"
    );
    assert!(out.contains("https://admin.atlassian.com"), "{out}");
    assert!(out.contains("Directory"), "{out}");
    assert!(!out.contains(CLIENT_SECRET), "{out}");
    assert_eq!(mock.mints(), 1, "one request, no retry");
    assert!(
        gateway.received_requests().await.unwrap().is_empty(),
        "nothing went to the gateway"
    );
    assert!(svc.list().unwrap().is_empty());
    assert!(secrets.is_empty());
    assert!(!toml(dir.path()).contains(CLIENT_ID));

    // The same answer in --json names the kind.
    let url = site.uri();
    let (code, out) = run(
        &svc,
        &[
            "add",
            "--url",
            &url,
            "--cloud",
            "--client-id",
            CLIENT_ID,
            "--json",
        ],
        &says(CLIENT_SECRET),
    )
    .await;
    assert_eq!(code, ExitCode::from(1));
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["error"]["kind"], "client-refused", "{doc}");
    assert_eq!(mock.mints(), 2);
}

#[tokio::test]
async fn an_access_token_near_its_expiry_is_minted_again_and_an_expired_one_never_reused() {
    let (mock, site, auth, gateway) = cloud(3600).await;
    let dir = tempfile::tempdir().unwrap();
    let secrets: Arc<dyn SecretStore> = Arc::new(MemoryStore::new());
    let svc = service_for(dir.path(), secrets.clone(), &auth, &gateway);
    let (code, out) = add_cloud(&svc, &site).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out}");
    let myself = format!("{}/ex/jira/{CLOUD_ID}/rest/api/3/myself", gateway.uri());

    // A token with an hour left is kept in memory: the add's token serves `token`.
    let first = svc.token("reports").await.unwrap();
    let again = svc.token("reports").await.unwrap();
    assert_eq!(first.expose_secret(), again.expose_secret());
    assert_eq!(mock.mints(), 1);

    // A token that lives just past the margin is fresh now, and not two seconds later.
    mock.set_lifetime(REMINT_MARGIN.as_secs() + 2);
    let check = svc.check("reports").await.unwrap();
    assert!(check.result.is_ok(), "{:?}", check.result);
    let near = svc.token("reports").await.unwrap();
    assert_eq!(mock.mints(), 2, "the check's token was fresh");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let later = svc.token("reports").await.unwrap();
    assert_eq!(mock.mints(), 3, "minted again inside the margin");
    assert_ne!(near.expose_secret(), later.expose_secret());

    // A token that the server lets expire is refused there, and not handed out again.
    mock.set_lifetime(1);
    let svc = service_for(dir.path(), secrets.clone(), &auth, &gateway);
    let short = svc.token("reports").await.unwrap();
    assert_eq!(status_with(&myself, short.expose_secret()).await, 200);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert!(!mock.live(short.expose_secret()));
    assert_eq!(status_with(&myself, short.expose_secret()).await, 401);
    let next = svc.token("reports").await.unwrap();
    assert_ne!(short.expose_secret(), next.expose_secret());
    assert_eq!(status_with(&myself, next.expose_secret()).await, 200);
}

#[tokio::test]
async fn a_token_refused_with_401_is_minted_once_more_and_only_once() {
    let (mock, site, auth, gateway) = cloud(3600).await;
    let dir = tempfile::tempdir().unwrap();
    let svc = service_for(dir.path(), Arc::new(MemoryStore::new()), &auth, &gateway);
    let (code, out) = add_cloud(&svc, &site).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out}");
    assert_eq!(mock.mints(), 1);

    mock.refuse_next(1);
    let report = svc.check("reports").await.unwrap();
    assert!(report.result.is_ok(), "{:?}", report.result);
    assert_eq!(mock.mints(), 3, "a token, refused, and one more");

    mock.refuse_next(5);
    let report = svc.check("reports").await.unwrap();
    let err = report.result.unwrap_err();
    assert_eq!(err.kind(), "client-refused", "{err}");
    assert_eq!(mock.mints(), 5, "two tokens, then no more");
}

#[tokio::test]
async fn exec_gives_the_child_a_fresh_token_and_the_gateway_url() {
    let (mock, site, auth, gateway) = cloud(3600).await;
    let dir = tempfile::tempdir().unwrap();
    let svc = service_for(dir.path(), Arc::new(MemoryStore::new()), &auth, &gateway);
    let (code, out) = add_cloud(&svc, &site).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out}");

    let seen = dir.path().join("env.txt");
    let script = format!(
        "printf '%s\\n%s\\n%s\\n' \"$JIRA_URL\" \"$JIRA_AUTH_TYPE\" \"$JIRA_API_TOKEN\" > '{}'",
        seen.display()
    );
    let (code, out) = run(
        &svc,
        &["exec", "reports", "--", "sh", "-c", &script],
        &says("x"),
    )
    .await;
    assert_eq!(code, ExitCode::SUCCESS, "{out:?}");
    let env = std::fs::read_to_string(&seen).unwrap();
    let lines: Vec<&str> = env.lines().collect();
    let base = format!("{}/ex/jira/{CLOUD_ID}", gateway.uri());
    assert_eq!(lines[0], base);
    assert_eq!(lines[1], "bearer");
    assert_ne!(lines[2], CLIENT_SECRET);
    assert!(mock.live(lines[2]), "a live access token");
    assert_eq!(
        status_with(&format!("{}/rest/api/3/myself", lines[0]), lines[2]).await,
        200,
        "the child can call JIRA_URL with it"
    );
}

#[tokio::test]
async fn data_center_add_check_token_exec_and_replace() {
    let (mock, site) = data_center(3600).await;
    let (_dir, secrets, svc) = scratch();
    let url = site.uri();
    let (code, out) = run(
        &svc,
        &[
            "add",
            "--url",
            &url,
            "--data-center",
            "--auth",
            "client-credentials",
            "--client-id",
            CLIENT_ID,
            "--name",
            "dc",
        ],
        &says(CLIENT_SECRET),
    )
    .await;
    assert_eq!(code, ExitCode::SUCCESS, "{out:?}");
    assert!(
        out.stdout
            .contains("as Reports service account, a service account"),
        "{out:?}"
    );
    assert_eq!(mock.mints(), 1);
    let saved = svc.get("dc").unwrap();
    assert_eq!(saved.login.as_deref(), Some(CLIENT_ID));
    assert!(!saved.scoped);

    let report = svc.check("dc").await.unwrap();
    let account = report.result.unwrap();
    assert_eq!(account.display_name, "Reports service account");
    assert_eq!(mock.mints(), 2);

    let token = svc.token("dc").await.unwrap();
    assert_ne!(token.expose_secret(), CLIENT_SECRET);
    assert_eq!(
        status_with(&format!("{url}/rest/api/2/myself"), token.expose_secret()).await,
        200
    );

    let seen = tempfile::NamedTempFile::new().unwrap();
    let script = format!(
        "printf '%s\\n%s\\n' \"$JIRA_URL\" \"$JIRA_AUTH_TYPE\" > '{}'",
        seen.path().display()
    );
    let (code, _) = run(&svc, &["exec", "dc", "--", "sh", "-c", &script], &says("x")).await;
    assert_eq!(code, ExitCode::SUCCESS);
    let env = std::fs::read_to_string(seen.path()).unwrap();
    assert_eq!(env, format!("{url}\nbearer\n"));

    // replace-token with a new client id and secret: refused while the server does not
    // know them, with nothing changed; accepted and saved once it does.
    let (code, out) = run(
        &svc,
        &["replace-token", "dc", "--client-id", NEW_CLIENT_ID],
        &says(NEW_CLIENT_SECRET),
    )
    .await;
    assert_eq!(code, ExitCode::from(1), "{out:?}");
    assert!(out.stderr.contains("refused the client id"), "{out:?}");
    assert_eq!(svc.get("dc").unwrap().login.as_deref(), Some(CLIENT_ID));
    assert_eq!(
        secrets.get(&saved.id).unwrap().unwrap().expose_secret(),
        CLIENT_SECRET
    );
    mock.rotate_client(NEW_CLIENT_ID, NEW_CLIENT_SECRET);
    let (code, out) = run(
        &svc,
        &["replace-token", "dc", "--client-id", NEW_CLIENT_ID],
        &says(NEW_CLIENT_SECRET),
    )
    .await;
    assert_eq!(code, ExitCode::SUCCESS, "{out:?}");
    assert!(
        format!("{}{}", out.stdout, out.stderr).contains("old client secret still works"),
        "{out:?}"
    );
    assert_eq!(svc.get("dc").unwrap().login.as_deref(), Some(NEW_CLIENT_ID));
    assert_eq!(
        secrets.get(&saved.id).unwrap().unwrap().expose_secret(),
        NEW_CLIENT_SECRET
    );
    assert!(svc.check("dc").await.unwrap().result.is_ok());
}

#[tokio::test]
async fn an_older_data_center_without_a_token_endpoint_says_so() {
    // Jira before service accounts: the path is not there, and Jira answers its 404 page.
    let site = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .and(wiremock::matchers::path(DC_TOKEN_PATH))
        .respond_with(
            wiremock::ResponseTemplate::new(404)
                .insert_header("content-type", "text/html;charset=UTF-8")
                .set_body_string("<html><title>Oops, you've found a dead link.</title></html>"),
        )
        .mount(&site)
        .await;
    let (_dir, secrets, svc) = scratch();
    let url = site.uri();
    let (code, out) = run(
        &svc,
        &[
            "add",
            "--url",
            &url,
            "--data-center",
            "--client-id",
            CLIENT_ID,
            "--json",
        ],
        &says(CLIENT_SECRET),
    )
    .await;
    assert_eq!(code, ExitCode::from(1));
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["error"]["kind"], "oauth-unavailable", "{doc}");
    let message = doc["error"]["message"].as_str().unwrap();
    assert!(message.contains("no OAuth 2.0 token endpoint"), "{message}");
    assert!(secrets.is_empty());
}

/// A client id is required, and never taken for an email.
#[tokio::test]
async fn the_client_id_is_required_and_checked() {
    let (_dir, _secrets, svc) = scratch();
    let (code, out) = run(
        &svc,
        &[
            "add",
            "--url",
            "acme.atlassian.net",
            "--auth",
            "client-credentials",
        ],
        &says(CLIENT_SECRET),
    )
    .await;
    assert_eq!(code, ExitCode::from(2), "{out:?}");
    assert!(out.stderr.contains("client id"), "{out:?}");
}

/// The client secret and the access tokens stay out of Debug output and errors too.
#[tokio::test]
async fn no_secret_in_debug_output_or_errors() {
    let (mock, site, auth, gateway) = cloud(3600).await;
    let dir = tempfile::tempdir().unwrap();
    let svc = service_for(dir.path(), Arc::new(MemoryStore::new()), &auth, &gateway);
    let (code, out) = add_cloud(&svc, &site).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out}");
    let token = svc.token("reports").await.unwrap();
    mock.refuse_next(5);
    let report = svc.check("reports").await.unwrap();
    let text = format!(
        "{token:?} {report:?} {} {:?}",
        report.result.as_ref().unwrap_err(),
        svc.get("reports").unwrap()
    );
    assert!(!text.contains(CLIENT_SECRET), "{text}");
    for issued in mock.issued() {
        assert!(!text.contains(&issued), "{text}");
    }
}

/// add and token through the real OS keyring: the client secret is the keyring entry, and
/// `token` prints an access token minted from it.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the OS keyring: scripts/test.sh runs it"]
async fn add_and_token_through_the_os_keyring() {
    let keyring: Arc<dyn SecretStore> = Arc::new(os_keyring());
    let (mock, site, auth, gateway) = cloud(3600).await;
    let dir = tempfile::tempdir().unwrap();
    let svc = service_for(dir.path(), keyring.clone(), &auth, &gateway);
    let (code, out) = add_cloud(&svc, &site).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out}");
    let saved = svc.get("reports").unwrap();
    assert_eq!(
        keyring.get(&saved.id).unwrap().unwrap().expose_secret(),
        CLIENT_SECRET
    );
    // A new service over the same keyring has no token in memory: it mints from the
    // keyring's client secret.
    let fresh = service_for(dir.path(), keyring.clone(), &auth, &gateway);
    let (code, out) = run(&fresh, &["token", "reports"], &says("unused")).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out:?}");
    let printed = out.stdout.trim();
    assert!(mock.live(printed), "{printed}");
    assert_eq!(mock.mints(), 2);
    let (code, _) = run(&fresh, &["remove", "reports", "--yes"], &says("unused")).await;
    assert_eq!(code, ExitCode::SUCCESS);
    assert!(keyring.get(&saved.id).unwrap().is_none());
}

/// `JIRA_CONNECT_AUTH_URL` cannot send a client secret to another host: only a loopback
/// token URL is accepted from the environment, and nothing is sent when it is refused.
#[tokio::test(flavor = "multi_thread")]
async fn the_auth_url_variable_accepts_only_a_loopback_address() {
    let (mock, site, _auth, gateway) = cloud(3600).await;
    let dir = tempfile::tempdir().unwrap();
    for remote in [
        "https://auth.example/oauth/token",
        "https://10.0.0.1/oauth/token",
    ] {
        let out = crate::cli::bin(dir.path())
            .env("JIRA_CONNECT_AUTH_URL", remote)
            .env("JIRA_CONNECT_API_GATEWAY", gateway.uri())
            .args([
                "add",
                "--url",
                &site.uri(),
                "--cloud",
                "--client-id",
                CLIENT_ID,
            ])
            .write_stdin(format!("{CLIENT_SECRET}\n"))
            .output()
            .unwrap();
        let stderr = crate::cli::text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{remote}: {stderr}");
        assert!(
            stderr.contains("JIRA_CONNECT_AUTH_URL") && stderr.contains("loopback"),
            "{stderr}"
        );
        assert!(!stderr.contains(CLIENT_SECRET), "{stderr}");
    }
    assert_eq!(mock.mints(), 0);
    assert!(site.received_requests().await.unwrap().is_empty());
}

/// The binary at `RUST_LOG=trace`, through the real keyring: neither the client secret nor
/// any access token reaches the output, the logs or the config directory; the child of
/// `exec` gets the token in its environment, never on its command line.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the OS keyring: scripts/test.sh runs it"]
async fn cli_at_trace_level_leaks_no_client_secret_or_access_token() {
    require_os_keyring();
    let (mock, site, auth, gateway) = cloud(3600).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("cfg");
    let argv_file = dir.path().join("argv.txt");
    let script = format!(
        "printf '%s\\n' \"$0 $*\" > '{}'; test -n \"$JIRA_API_TOKEN\"",
        argv_file.display()
    );
    let wrong = format!("{NEW_CLIENT_SECRET}\n");
    let right = format!("{CLIENT_SECRET}\n");
    let url = site.uri();
    let steps: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "add",
                "--url",
                &url,
                "--cloud",
                "--client-id",
                CLIENT_ID,
                "--name",
                "x",
            ],
            &wrong,
        ),
        (
            vec![
                "add",
                "--url",
                &url,
                "--cloud",
                "--client-id",
                CLIENT_ID,
                "--name",
                "reports",
            ],
            &right,
        ),
        (vec!["list", "--json"], ""),
        (vec!["check", "--json"], ""),
        (vec!["exec", "reports", "--", "sh", "-c", &script], ""),
        (vec!["replace-token", "reports"], &right),
        (vec!["remove", "reports", "--yes"], ""),
    ];
    let mut output = Vec::new();
    for (args, stdin) in &steps {
        let out = crate::cli::bin(&cfg)
            .env("RUST_LOG", "trace")
            .env("JIRA_CONNECT_API_GATEWAY", gateway.uri())
            .env(
                "JIRA_CONNECT_AUTH_URL",
                format!("{}{CLOUD_TOKEN_PATH}", auth.uri()),
            )
            .args(args)
            .write_stdin(stdin.to_string())
            .output()
            .unwrap();
        output.extend(out.stdout);
        output.extend(out.stderr);
    }
    let output = String::from_utf8_lossy(&output).into_owned();
    assert!(
        output.contains("TRACE") || output.contains("DEBUG"),
        "trace logging was on"
    );
    assert!(output.contains("Saved \"reports\""), "{output}");
    assert!(
        mock.mints() >= 4,
        "add, check, exec and replace minted tokens"
    );
    let argv = std::fs::read_to_string(&argv_file).unwrap();
    let files = all_files(&cfg);
    for secret in [CLIENT_SECRET.to_string(), NEW_CLIENT_SECRET.to_string()]
        .into_iter()
        .chain(mock.issued())
    {
        assert!(!output.contains(&secret), "a secret in the output or logs");
        assert!(!files.contains(&secret), "a secret in the config dir");
        assert!(!argv.contains(&secret), "a secret in the child's argv");
    }
}

/// Everything in the files under `dir`, as text.
fn all_files(dir: &std::path::Path) -> String {
    let mut text = String::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            text += &all_files(&path);
        } else {
            text += &String::from_utf8_lossy(&std::fs::read(&path).unwrap());
        }
    }
    text
}
