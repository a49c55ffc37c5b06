//! Crash consistency: the built binary is killed (abort, like `kill -9`) at every step of
//! add, replace-token and remove, then the next command recovers. The outcome is always the
//! old state or the new state, never a mix, and no secret is left without its connection.
//! A rotation killed before it revoked the old token, or after recording a token whose
//! answer told nothing, leaves the next run what it needs to revoke it and check.

use std::path::Path;

use jira_connect::core::config::{ConfigStore, PendingOp};
use jira_connect::core::connection::ConnectionId;
use jira_connect::core::failpoint;
use jira_connect::core::secrets::SecretStore;
use secrecy::ExposeSecret;
use serde_json::Value;
use wiremock::matchers::{basic_auth, method, path};
use wiremock::{Mock, ResponseTemplate};

use crate::cli::{bin, text};
use crate::common::*;
use crate::pat_mock::*;

const NEW_EXPIRY: &str = "2099-06-30";

/// The state a failpoint must recover to.
#[derive(Debug, PartialEq)]
enum Expect {
    Old,
    New,
}

fn expected(point: &str) -> Expect {
    match point {
        // Before anything durable changed: roll back.
        "add:pending-written" | "replace:pending-written" => Expect::Old,
        // Once the validated secret is in the keyring (or staged there), or once a
        // removal has begun: finish.
        _ => Expect::New,
    }
}

fn id(text: &str) -> ConnectionId {
    serde_json::from_value(Value::String(text.to_string())).unwrap()
}

/// Every connection id and staging id named by pending records in the raw file.
fn pending_ids(config: &Path) -> Vec<ConnectionId> {
    let Ok(raw) = std::fs::read_to_string(config.join("connections.toml")) else {
        return Vec::new();
    };
    let doc: toml::Table = toml::from_str(&raw).unwrap();
    let mut ids = Vec::new();
    for op in doc
        .get("pending")
        .and_then(|p| p.as_array())
        .into_iter()
        .flatten()
    {
        for key in ["id", "staging"] {
            if let Some(v) = op.get(key).and_then(|v| v.as_str()) {
                ids.push(id(v));
            }
        }
        if let Some(v) = op
            .get("connection")
            .and_then(|c| c.get("id"))
            .and_then(|v| v.as_str())
        {
            ids.push(id(v));
        }
    }
    ids
}

fn listed(config: &Path) -> Vec<Value> {
    let out = bin(config).args(["list", "--json"]).output().unwrap();
    assert!(
        out.status.success(),
        "recovery and list: {}",
        text(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn add_acme(config: &Path, url: &str) -> std::process::Output {
    bin(config)
        .args([
            "add", "--url", url, "--cloud", "--name", "acme", "--email", EMAIL,
        ])
        .write_stdin(format!("{TOKEN}\n"))
        .output()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the OS keyring: scripts/test.sh runs it"]
async fn every_crash_point_recovers_to_the_old_or_the_new_state() {
    let keyring = os_keyring();
    let jira = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    Mock::given(method("GET"))
        .and(path("/rest/api/3/myself"))
        .and(basic_auth(EMAIL, NEW_TOKEN))
        .respond_with(ResponseTemplate::new(200).set_body_json(cloud_user()))
        .with_priority(1)
        .mount(&jira)
        .await;

    for point in failpoint::ALL {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path();
        let op = point.split(':').next().unwrap();
        if op != "add" {
            assert!(add_acme(config, &jira.uri()).status.success());
        }
        let crashed = match op {
            "add" => bin(config)
                .env("JIRA_CONNECT_FAILPOINT", point)
                .args([
                    "add",
                    "--url",
                    &jira.uri(),
                    "--cloud",
                    "--name",
                    "acme",
                    "--email",
                    EMAIL,
                ])
                .write_stdin(format!("{TOKEN}\n"))
                .output(),
            "replace" => bin(config)
                .env("JIRA_CONNECT_FAILPOINT", point)
                .args(["replace-token", "acme", "--expires", NEW_EXPIRY])
                .write_stdin(format!("{NEW_TOKEN}\n"))
                .output(),
            _ => bin(config)
                .env("JIRA_CONNECT_FAILPOINT", point)
                .args(["remove", "acme", "--yes"])
                .output(),
        }
        .unwrap();
        assert_eq!(
            crashed.status.code(),
            None,
            "{point}: the process was killed"
        );
        let touched = pending_ids(config);
        assert!(!touched.is_empty(), "{point}: a pending record was written");

        // The next command recovers.
        let after = listed(config);
        let raw = std::fs::read_to_string(config.join("connections.toml")).unwrap();
        assert!(
            !raw.contains("[[pending]]"),
            "{point}: recovery cleared every record"
        );
        let want = expected(point);

        let acme = after.iter().find(|c| c["name"] == "acme");
        match (op, &want) {
            ("add", Expect::Old) | ("remove", Expect::New) => {
                assert!(acme.is_none(), "{point}: {after:?}");
            }
            _ => {
                let acme = acme.unwrap_or_else(|| panic!("{point}: acme is listed"));
                let token = bin(config).args(["token", "acme"]).output().unwrap();
                let token = text(&token.stdout);
                let expect_token = if op == "replace" && want == Expect::New {
                    NEW_TOKEN
                } else {
                    TOKEN
                };
                assert_eq!(token.trim_end(), expect_token, "{point}");
                if op == "replace" {
                    let new_meta = acme["token_expires"] == NEW_EXPIRY;
                    assert_eq!(
                        new_meta,
                        want == Expect::New,
                        "{point}: metadata matches the secret"
                    );
                }
            }
        }

        // No secret is left without a connection: every id a record named is either a
        // listed connection's or gone from the keyring.
        let doc: toml::Table = toml::from_str(&raw).unwrap();
        let listed_ids: Vec<ConnectionId> = doc
            .get("connection")
            .and_then(|c| c.as_array())
            .into_iter()
            .flatten()
            .filter_map(|c| c.get("id").and_then(|v| v.as_str()).map(id))
            .collect();
        for touched_id in touched {
            if !listed_ids.contains(&touched_id) {
                let left = keyring.get(&touched_id).unwrap();
                assert!(
                    left.is_none(),
                    "{point}: an orphaned secret is left in the keyring ({})",
                    left.map(|s| s.expose_secret().len()).unwrap_or_default()
                );
            }
        }
        if after.iter().any(|c| c["name"] == "acme") {
            let _ = bin(config).args(["remove", "acme", "--yes"]).output();
        }
    }
}

/// Another process's add, parked after storing its secret (as behind a slow keyring),
/// is left alone by the recovery that every command runs first, and then finishes once.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the OS keyring: scripts/test.sh runs it"]
async fn an_add_under_way_in_another_process_is_left_alone() {
    use std::io::{BufRead, Read, Write};
    use std::process::{Command, Stdio};
    let keyring = os_keyring();
    let jira = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config");
    let go = dir.path().join("go");
    let mut adding = Reap(
        Command::new(env!("CARGO_BIN_EXE_jira-connect"))
            .env("JIRA_CONNECT_CONFIG_DIR", &config)
            .env("NO_COLOR", "1")
            .env_remove("RUST_LOG")
            .env("JIRA_CONNECT_PARK", "add:secret-stored")
            .env("JIRA_CONNECT_PARK_UNTIL", &go)
            .args([
                "add",
                "--url",
                &jira.uri(),
                "--cloud",
                "--name",
                "acme",
                "--email",
                EMAIL,
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut stdin = adding.0.stdin.take().unwrap();
    writeln!(stdin, "{TOKEN}").unwrap();
    drop(stdin);
    let stderr = std::io::BufReader::new(adding.0.stderr.take().unwrap());
    // Keeps reading stderr to the park, and hands the reader back so the pipe stays open.
    let (mut stderr, parked, seen) = tokio::task::spawn_blocking(move || {
        let mut stderr = stderr;
        let mut seen = String::new();
        loop {
            let mut line = String::new();
            if stderr.read_line(&mut line).unwrap_or(0) == 0 {
                return (stderr, false, seen);
            }
            seen.push_str(&line);
            if line.contains("parked at add:secret-stored") {
                return (stderr, true, seen);
            }
        }
    })
    .await
    .unwrap();
    assert!(parked, "the add did not park: {seen}");

    // A second process starts while the add is under way: its recovery leaves it alone.
    let during = listed(&config);
    assert!(
        during.iter().all(|c| c["name"] != "acme"),
        "the add was finished under its feet: {during:?}"
    );
    let raw = std::fs::read_to_string(config.join("connections.toml")).unwrap();
    assert!(raw.contains("[[pending]]"), "its record is kept");

    std::fs::write(&go, "").unwrap();
    let status = adding.0.wait().unwrap();
    let mut rest = String::new();
    stderr.read_to_string(&mut rest).unwrap();
    assert!(status.success(), "the add finishes: {seen}{rest}");
    let after = listed(&config);
    let acme: Vec<_> = after.iter().filter(|c| c["name"] == "acme").collect();
    assert_eq!(acme.len(), 1, "exactly one entry: {after:?}");
    let raw = std::fs::read_to_string(config.join("connections.toml")).unwrap();
    assert!(!raw.contains("[[pending]]"), "{raw}");
    let saved = jira_connect::core::config::ConfigStore::new(&config)
        .load()
        .unwrap();
    let added = saved.find("acme").unwrap().id.clone();
    assert_eq!(keyring.get(&added).unwrap().unwrap().expose_secret(), TOKEN);
    let removed = bin(&config)
        .args(["remove", "acme", "--yes"])
        .output()
        .unwrap();
    assert!(removed.status.success(), "{}", text(&removed.stderr));
    assert!(keyring.get(&added).unwrap().is_none());
}

/// A child process, killed if the test ends before it does.
struct Reap(std::process::Child);

impl Drop for Reap {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// "dc", a Data Center connection to `server` with [`PAT`], added through the binary.
pub fn add_dc_bin(config: &Path, server: &PatServer) {
    let added = bin(config)
        .args([
            "add",
            "--url",
            &server.uri(),
            "--data-center",
            "--name",
            "dc",
        ])
        .args(["--token-label", THIS_NAME])
        .write_stdin(format!("{PAT}\n"))
        .output()
        .unwrap();
    assert!(added.status.success(), "{}", text(&added.stderr));
}

/// `rotate dc`, killed at the failpoint `point`.
pub fn rotate_killed_at(config: &Path, point: &str) {
    let crashed = bin(config)
        .env("JIRA_CONNECT_FAILPOINT", point)
        .args(["rotate", "dc"])
        .write_stdin(format!("{PASSWORD}\n"))
        .output()
        .unwrap();
    assert_eq!(
        crashed.status.code(),
        None,
        "{point}: killed; {}",
        text(&crashed.stderr)
    );
}

fn pending_ops(config: &Path) -> Vec<PendingOp> {
    ConfigStore::new(config).load().unwrap().pending.clone()
}

/// Killed between the swap and the old token's revocation: the old token was staged in the
/// keyring with its revocation's record, so the next command that talks to Jira revokes it
/// AND checks that it no longer logs in. When the server answers the DELETE but keeps the
/// token, that run says the old token still works and keeps the record and the copy; once
/// the token is really gone, the next run drops both.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the OS keyring: scripts/test.sh runs it"]
async fn a_rotation_killed_before_the_revoke_checks_the_old_token_next_time() {
    let keyring = os_keyring();
    for keeps in [false, true] {
        let server = PatServer::start().await;
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path();
        add_dc_bin(config, &server);
        rotate_killed_at(config, "rotate:swapped");

        let pending = pending_ops(config);
        let [
            PendingOp::Revoke {
                key,
                token_id: Some(THIS_ID),
                ..
            },
        ] = pending.as_slice()
        else {
            panic!("the old token's revocation is recorded: {pending:?}");
        };
        let staged = keyring.get(key).unwrap().expect("the old token is staged");
        assert_eq!(staged.expose_secret(), PAT);
        assert!(server.is_live(PAT));

        if keeps {
            server.misbehave(Misbehave::DeleteKeepsToken);
        }
        let seen = server.server.received_requests().await.unwrap().len();
        let checked = bin(config).args(["check", "dc"]).output().unwrap();
        let stderr = text(&checked.stderr);
        let asked = server.server.received_requests().await.unwrap();
        let asked = &asked[seen..];
        let bearer_pat = format!("Bearer {PAT}");
        let deleted = asked
            .iter()
            .position(|r| {
                r.method.as_str() == "DELETE"
                    && r.url.path() == format!("/rest/pat/latest/tokens/{THIS_ID}")
            })
            .unwrap_or_else(|| panic!("keeps={keeps}: the old token is revoked: {stderr}"));
        assert!(
            asked[deleted + 1..].iter().any(|r| {
                r.url.path() == "/rest/api/2/myself"
                    && r.headers.get("authorization").and_then(|v| v.to_str().ok())
                        == Some(bearer_pat.as_str())
            }),
            "keeps={keeps}: then the old token is tried once more: {stderr}"
        );
        if !keeps {
            assert!(!server.is_live(PAT), "revoked");
            assert!(
                stderr.contains(&format!("Revoked token id {THIS_ID} of \"dc\"")),
                "{stderr}"
            );
            assert!(pending_ops(config).is_empty(), "{:?}", pending_ops(config));
            assert!(keyring.get(key).unwrap().is_none(), "the copy is gone");
        } else {
            assert!(server.is_live(PAT), "the server kept it");
            assert!(
                stderr.contains(&format!("Did not revoke token id {THIS_ID} of \"dc\""))
                    && stderr.contains("THE OLD TOKEN STILL WORKS"),
                "{stderr}"
            );
            assert_eq!(pending_ops(config), pending, "the record stays");
            assert!(keyring.get(key).unwrap().is_some(), "and the copy");
            // Gone at last: the next run sees it no longer logs in, and drops both.
            server.behave();
            crate::token_lookup::revoke_by_hand(&server, THIS_ID).await;
            let again = bin(config).args(["check", "dc"]).output().unwrap();
            let stderr = text(&again.stderr);
            assert!(
                stderr.contains(&format!("Revoked token id {THIS_ID} of \"dc\"")),
                "{stderr}"
            );
            assert!(pending_ops(config).is_empty(), "{:?}", pending_ops(config));
            assert!(keyring.get(key).unwrap().is_none(), "the copy is gone");
        }
        let token = bin(config).args(["token", "dc"]).output().unwrap();
        let token = text(&token.stdout).trim_end().to_string();
        assert_ne!(token, PAT, "keeps={keeps}: the new token is kept");
        assert!(server.is_live(&token));
        let removed = bin(config)
            .args(["remove", "dc", "--yes"])
            .output()
            .unwrap();
        assert!(removed.status.success(), "{}", text(&removed.stderr));
    }
}

/// Killed right after recording a created token whose answer told nothing, while the token
/// list is down: the next command that talks to Jira, with the list back, finds the token
/// by its name and time and revokes it; the old token is kept.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the OS keyring: scripts/test.sh runs it"]
async fn a_rotation_killed_after_recording_an_unread_token_revokes_it_next_time() {
    let keyring = os_keyring();
    let server = PatServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path();
    add_dc_bin(config, &server);
    server.misbehave(Misbehave::CreateUnreadableListDown);
    rotate_killed_at(config, failpoint::ROTATE_UNREAD);
    assert_eq!(server.creates(), 1);
    let made: Vec<u64> = server
        .tokens()
        .iter()
        .filter(|t| t.user == USER && t.raw != PAT && t.raw != OTHER_TOKEN)
        .map(|t| t.id)
        .collect();
    assert_eq!(made.len(), 1, "{made:?}");
    assert!(
        matches!(
            pending_ops(config).as_slice(),
            [PendingOp::Revoke {
                token_id: None,
                unread: Some(_),
                ..
            }]
        ),
        "{:?}",
        pending_ops(config)
    );

    server.behave();
    let checked = bin(config).args(["check", "dc"]).output().unwrap();
    let stderr = text(&checked.stderr);
    assert!(checked.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!("Revoked the token named {THIS_NAME:?} created at")),
        "{stderr}"
    );
    assert!(!server.ids().contains(&made[0]), "revoked");
    assert!(server.is_live(PAT), "the old token is kept");
    assert!(pending_ops(config).is_empty(), "{:?}", pending_ops(config));
    let saved = ConfigStore::new(config).load().unwrap();
    let id = saved.find("dc").unwrap().id.clone();
    assert_eq!(keyring.get(&id).unwrap().unwrap().expose_secret(), PAT);
    let removed = bin(config)
        .args(["remove", "dc", "--yes"])
        .output()
        .unwrap();
    assert!(removed.status.success(), "{}", text(&removed.stderr));
}
