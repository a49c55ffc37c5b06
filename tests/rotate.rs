//! `rotate` on Data Center against the stateful mock token API, which refuses to let a
//! token create tokens: the new token is created with the password, checked, swapped in and
//! the old one revoked; a wrong password or a failure before the swap leaves nothing behind
//! on the server and nothing changed here; an interrupted rotation is finished or undone by
//! the next run; Cloud says why it cannot.

use std::process::ExitCode;
use std::sync::Arc;

use jiff::ToSpan;
use jira_connect::core::config::{PendingOp, RotationRecord};
use jira_connect::core::connection::{ConnectionId, Deployment, today_utc};
use jira_connect::core::draft::{NewConnection, prepare};
use jira_connect::core::error::Error;
use jira_connect::core::secrets::{MemoryStore, SecretStore};
use jira_connect::core::service::{
    Cancel, Connections, LeftoverOutcome, OldToken, RotateOptions, TokenLookup,
};
use secrecy::{ExposeSecret, SecretString};

use crate::common::*;
use crate::pat_mock::*;
use crate::token_lookup::{Answers, THIS_EXPIRY, add_dc, assert_no_secret};

/// How long [`PAT`] lasts, from its creation to its expiry, as the server dates them.
const THIS_LIFETIME: i64 = 181;

/// A service with "dc" added with [`PAT`], labelled as the server names it.
async fn with_dc() -> (
    PatServer,
    tempfile::TempDir,
    Arc<MemoryStore>,
    Arc<Connections>,
) {
    let server = PatServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::new());
    let svc = service(dir.path(), secrets.clone());
    let (conn, token) = add_dc(&svc, &server, Some(THIS_NAME)).await;
    assert!(matches!(token, TokenLookup::Recorded(_)), "{token:?}");
    assert_eq!(conn.token_id, Some(THIS_ID));
    (server, dir, secrets, svc)
}

/// The raw token the server holds under `id`.
fn raw_of(server: &PatServer, id: u64) -> String {
    server
        .tokens()
        .into_iter()
        .find(|t| t.id == id)
        .map(|t| t.raw)
        .unwrap_or_else(|| panic!("token {id} is not live"))
}

fn pending(svc: &Connections) -> Vec<PendingOp> {
    svc.load().unwrap().pending.clone()
}

fn password() -> SecretString {
    SecretString::from(PASSWORD)
}

#[tokio::test]
async fn rotate_creates_swaps_and_revokes_the_old_token() {
    let (server, _dir, secrets, svc) = with_dc().await;
    let before = svc.get("dc").unwrap();

    // The server does not let a token create tokens: nothing is created, nothing changes.
    let err = svc
        .rotate("dc", RotateOptions::default(), None, &Cancel::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::PatNeedsPassword { .. }), "{err:?}");
    assert_eq!((server.creates(), server.deletes()), (0, 0));
    assert_eq!(svc.get("dc").unwrap(), before);

    let rotated = svc
        .rotate(
            "dc",
            RotateOptions::default(),
            Some(&password()),
            &Cancel::new(),
        )
        .await
        .unwrap();
    let new_id = rotated.created.id;
    let new_raw = raw_of(&server, new_id);
    // The keyring holds the new token, which is live and works; the old one is revoked.
    assert_eq!(svc.token("dc").await.unwrap().expose_secret(), new_raw);
    assert!(!server.is_live(PAT), "the old token is revoked");
    assert!(matches!(rotated.old, OldToken::Revoked { id } if id == THIS_ID));
    assert!(rotated.with_password);
    assert_eq!(
        svc.check("dc").await.unwrap().result.unwrap().display_name,
        "Mia Krystof"
    );
    // Another device's token and another user's are untouched.
    assert!(server.is_live(OTHER_TOKEN));
    assert!(server.ids().contains(&NOAH_ID));
    assert_eq!((server.creates(), server.deletes()), (1, 1));

    // The old label and the old lifetime; the server's id and dates are recorded.
    let saved = svc.get("dc").unwrap();
    assert_eq!(rotated.created.name, THIS_NAME);
    assert_eq!(saved.token_label.as_deref(), Some(THIS_NAME));
    assert_eq!(saved.token_id, Some(new_id));
    assert_eq!(saved.token_created, Some(today_utc()));
    let expires = today_utc().checked_add(THIS_LIFETIME.days()).unwrap();
    assert_eq!(saved.token_expires, Some(expires));
    assert_eq!(rotated.connection, saved);

    // Nothing is left over: no record, no staged copy.
    assert!(pending(&svc).is_empty(), "{:?}", pending(&svc));
    assert_eq!(secrets.len(), 1);
    let shown = format!("{rotated:?} {:?}", svc.load().unwrap());
    assert_no_secret(&shown, &[&new_raw]);
}

#[tokio::test]
async fn rotate_honours_a_label_and_a_lifetime() {
    let (server, _dir, _secrets, svc) = with_dc().await;
    let options = RotateOptions {
        expires_in_days: Some(30),
        label: Some("  rotated by hand ".into()),
        ..RotateOptions::default()
    };
    let rotated = svc
        .rotate("dc", options, Some(&password()), &Cancel::new())
        .await
        .unwrap();
    assert_eq!(rotated.created.name, "rotated by hand");
    let saved = svc.get("dc").unwrap();
    assert_eq!(saved.token_label.as_deref(), Some("rotated by hand"));
    assert_eq!(
        saved.token_expires,
        Some(today_utc().checked_add(30.days()).unwrap())
    );
    assert!(!server.is_live(PAT));
}

#[tokio::test]
async fn a_wrong_password_changes_nothing_anywhere() {
    let (server, dir, secrets, svc) = with_dc().await;
    let before = svc.get("dc").unwrap();
    let tokens = server.tokens();
    let raw_config = std::fs::read_to_string(dir.path().join("connections.toml")).unwrap();
    let wrong = SecretString::from("not-the-password-8675309");
    let err = svc
        .rotate("dc", RotateOptions::default(), Some(&wrong), &Cancel::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::PasswordRejected { .. }), "{err:?}");
    assert!(err.to_string().contains("rejected the password"), "{err}");
    assert_no_secret(&format!("{err} {err:?}"), &["not-the-password-8675309"]);
    assert_eq!(server.creates(), 0);
    assert_eq!(server.tokens(), tokens);
    assert_eq!(svc.get("dc").unwrap(), before);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("connections.toml")).unwrap(),
        raw_config
    );
    assert_eq!(svc.token("dc").await.unwrap().expose_secret(), PAT);
    assert_eq!(secrets.len(), 1);
}

#[tokio::test]
async fn a_keyring_failure_at_the_swap_revokes_the_new_token() {
    let (server, _dir, secrets, svc) = with_dc().await;
    let before = svc.get("dc").unwrap();
    // Reading the old token and staging the new one work; the swap's write fails, and so
    // does everything after it, as when the keyring locks.
    secrets.lock_after(2);
    let err = svc
        .rotate(
            "dc",
            RotateOptions::default(),
            Some(&password()),
            &Cancel::new(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Keyring(_)), "{err:?}");
    assert_eq!(server.creates(), 1);
    // The new token is revoked at once; the old one is kept, here and on the server.
    let mia: Vec<u64> = server
        .tokens()
        .iter()
        .filter(|t| t.user == USER)
        .map(|t| t.id)
        .collect();
    assert_eq!(mia, vec![THIS_ID, OTHER_ID]);
    assert_eq!(svc.get("dc").unwrap(), before);
    secrets.fail_on(None);
    assert_eq!(svc.token("dc").await.unwrap().expose_secret(), PAT);
    // The staged copy could not be deleted with the keyring locked: its record is kept,
    // and the next run drops both, finding the token gone.
    assert_eq!(pending(&svc).len(), 1);
    assert_eq!(svc.recover().unwrap(), 0, "left to the network half");
    let leftovers = svc.revoke_leftovers().await.unwrap();
    assert_eq!(leftovers.len(), 1);
    assert!(matches!(leftovers[0].outcome, LeftoverOutcome::Revoked));
    assert!(pending(&svc).is_empty());
    assert_eq!(secrets.len(), 1);
    assert_eq!(server.deletes(), 1);
}

#[tokio::test]
async fn a_cancelled_rotation_creates_nothing() {
    let (server, _dir, _secrets, svc) = with_dc().await;
    let cancel = Cancel::new();
    cancel.cancel();
    let err = svc
        .rotate("dc", RotateOptions::default(), Some(&password()), &cancel)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Cancelled), "{err:?}");
    assert_eq!(server.creates(), 0);
    assert!(pending(&svc).is_empty());
}

#[tokio::test]
async fn an_unknown_old_id_is_never_guessed() {
    let server = PatServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let svc = service(dir.path(), Arc::new(MemoryStore::new()));
    // Two tokens and no label: which one is this connection's is not known, nor its dates.
    let draft = prepare(&NewConnection {
        url: server.uri(),
        name: Some("dc".into()),
        deployment: Some(Deployment::DataCenter),
        ..Default::default()
    })
    .unwrap();
    let (conn, _) = svc
        .add(draft, SecretString::from(PAT), &Cancel::new())
        .await
        .unwrap();
    assert_eq!(conn.token_id, None);
    let rotated = svc
        .rotate(
            "dc",
            RotateOptions::default(),
            Some(&password()),
            &Cancel::new(),
        )
        .await
        .unwrap();
    let OldToken::Unknown { candidates } = &rotated.old else {
        panic!("{:?}", rotated.old);
    };
    let ids: Vec<u64> = candidates.as_ref().unwrap().iter().map(|t| t.id).collect();
    assert_eq!(
        ids,
        vec![THIS_ID, OTHER_ID],
        "every other token, none revoked"
    );
    assert!(server.is_live(PAT) && server.is_live(OTHER_TOKEN));
    assert_eq!(server.deletes(), 0);
    // A name after this computer, and 90 days.
    assert!(
        rotated.created.name.starts_with("jira-connect"),
        "{:?}",
        rotated.created
    );
    assert_eq!(
        svc.get("dc").unwrap().token_expires,
        Some(today_utc().checked_add(90.days()).unwrap())
    );
    assert!(pending(&svc).is_empty());
}

#[tokio::test]
async fn cli_rotate_asks_for_the_password_and_says_what_it_did() {
    let (server, _dir, _secrets, svc) = with_dc().await;
    let answers = Answers::new(&[PASSWORD]);
    let (code, out) = run(&svc, &["rotate", "dc"], &answers).await;
    assert_eq!(code, ExitCode::SUCCESS, "{out:?}");
    let prompts = answers.prompts.borrow().clone();
    assert_eq!(
        prompts,
        vec![format!("Password of mia at {}: ", server.uri())]
    );
    assert!(
        out.stderr
            .contains("does not let a personal access token create another one"),
        "{out:?}"
    );
    let saved = svc.get("dc").unwrap();
    let new_id = saved.token_id.unwrap();
    let new_raw = raw_of(&server, new_id);
    let expires = today_utc().checked_add(THIS_LIFETIME.days()).unwrap();
    for line in [
        format!(
            "✓ Created the token {THIS_NAME:?} (id {new_id}) on Jira with the account's \
             password; it expires {expires}"
        ),
        "✓ The new token works: connected as Mia Krystof".into(),
        "✓ Replaced the personal access token of \"dc\" in the OS keyring".into(),
        format!("✓ Revoked the old token (id {THIS_ID}) on Jira"),
        format!("✓ Token expires {expires}"),
    ] {
        assert!(out.stdout.contains(&line), "{line}\n{out:?}");
    }
    assert_no_secret(&format!("{out:?}"), &[&new_raw]);
    assert!(!server.is_live(PAT));

    // Again, as JSON: the new token, the old one revoked.
    let answers = Answers::new(&[PASSWORD]);
    let (code, out) = run(
        &svc,
        &["rotate", "dc", "--json", "--expires-in", "7"],
        &answers,
    )
    .await;
    assert_eq!(code, ExitCode::SUCCESS, "{out:?}");
    let json: serde_json::Value = serde_json::from_str(&out.stdout).expect("one JSON document");
    assert_eq!(json["old_token"]["id"], new_id);
    assert_eq!(json["old_token"]["revoked"], true);
    assert_eq!(json["with_password"], true);
    let newest = svc.get("dc").unwrap().token_id.unwrap();
    assert_eq!(json["created"]["id"], newest);
    assert_eq!(json["token_id"], newest);
    assert_eq!(
        json["token_expires"],
        today_utc().checked_add(7.days()).unwrap().to_string()
    );
    assert_no_secret(&format!("{out:?}"), &[&new_raw, &raw_of(&server, newest)]);
}

#[tokio::test]
async fn cli_rotate_with_a_wrong_password_says_so_and_changes_nothing() {
    let (server, _dir, _secrets, svc) = with_dc().await;
    let before = svc.get("dc").unwrap();
    let (code, out) = run(&svc, &["rotate", "dc"], &Answers::new(&["hunter2-wrong"])).await;
    assert_eq!(code, ExitCode::from(1), "{out:?}");
    assert!(
        out.stderr.contains("rejected the password for \"mia\""),
        "{out:?}"
    );
    assert!(out.stderr.contains("Nothing was changed"), "{out:?}");
    assert_no_secret(&format!("{out:?}"), &["hunter2-wrong"]);
    assert_eq!(server.creates(), 0);
    assert_eq!(svc.get("dc").unwrap(), before);
    assert_eq!(svc.token("dc").await.unwrap().expose_secret(), PAT);
}

#[tokio::test]
async fn cli_rotate_on_cloud_explains_and_points_to_replace_token() {
    let jira = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    let dir = tempfile::tempdir().unwrap();
    let svc = service(dir.path(), Arc::new(MemoryStore::new()));
    let url = jira.uri();
    cli_add_acme(&svc, &url, &Answers::new(&[TOKEN])).await;
    let before = jira.received_requests().await.unwrap().len();

    let (code, out) = run(&svc, &["rotate", "acme"], &Answers::default()).await;
    assert_eq!(code, ExitCode::from(1), "{out:?}");
    assert!(
        out.stderr
            .contains("Atlassian Cloud offers no API to create or revoke your own API tokens"),
        "{out:?}"
    );
    assert!(
        out.stderr
            .contains("https://id.atlassian.com/manage-profile/security/api-tokens"),
        "{out:?}"
    );
    assert!(
        out.stderr.contains("jira-connect replace-token acme"),
        "{out:?}"
    );
    assert_eq!(out.stdout, "");
    assert_eq!(
        jira.received_requests().await.unwrap().len(),
        before,
        "asked nothing"
    );

    let (code, out) = run(&svc, &["rotate", "acme", "--json"], &Answers::default()).await;
    assert_eq!(code, ExitCode::from(1));
    let json: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(json["error"]["kind"], "no-token-api-on-cloud");
    assert_eq!(svc.token("acme").await.unwrap().expose_secret(), TOKEN);
}

/// Writes what a rotation interrupted after staging its new token leaves: the new token
/// live on the server, staged in the keyring, and its revocation recorded.
async fn interrupted_before_the_swap(
    server: &PatServer,
    secrets: &MemoryStore,
    svc: &Connections,
) -> (ConnectionId, String) {
    let key = ConnectionId::generate();
    let raw = "MTEwMDphbi1pbnRlcnJ1cHRlZC1yb3RhdGlvbg";
    let id = server.add(USER, THIS_NAME, raw, None);
    secrets.set(&key, &SecretString::from(raw)).unwrap();
    let connection = svc.get("dc").unwrap();
    svc.config()
        .update(|cfg| {
            cfg.pending.push(PendingOp::Revoke {
                key: key.clone(),
                connection: connection.clone(),
                token_id: Some(id),
                unread: None,
                old_copy: None,
            });
            Ok(())
        })
        .unwrap();
    (key, raw.to_string())
}

#[tokio::test]
async fn the_next_run_revokes_a_token_left_before_the_swap() {
    let (server, _dir, secrets, svc) = with_dc().await;
    let (key, raw) = interrupted_before_the_swap(&server, &secrets, &svc).await;
    // The connection is not busy meanwhile: a replacement goes through.
    assert_eq!(svc.recover().unwrap(), 0, "left to the network half");
    let same = jira_connect::core::service::NewToken::new(SecretString::from(PAT));
    svc.replace_token("dc", same, &Cancel::new()).await.unwrap();

    let next = service(_dir.path(), secrets.clone());
    let leftovers = next.revoke_leftovers().await.unwrap();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
    assert!(matches!(leftovers[0].outcome, LeftoverOutcome::Revoked));
    assert!(!server.is_live(&raw), "no orphan on the server");
    assert!(server.is_live(PAT) && server.is_live(OTHER_TOKEN));
    assert!(secrets.get(&key).unwrap().is_none());
    assert!(pending(&next).is_empty());
    assert_eq!(next.token("dc").await.unwrap().expose_secret(), PAT);
    // Nothing left: the next run asks nothing.
    let asked = server.api_requests().await.len();
    assert!(next.revoke_leftovers().await.unwrap().is_empty());
    assert_eq!(server.api_requests().await.len(), asked);
}

#[tokio::test]
async fn the_next_run_finishes_a_swap_and_revokes_the_old_token() {
    let (server, dir, secrets, svc) = with_dc().await;
    let (staging, raw) = interrupted_before_the_swap(&server, &secrets, &svc).await;
    let new_id = raw_of_id(&server, &raw);
    let connection = svc.get("dc").unwrap();
    let check = connection.last_check.clone().unwrap();
    // Interrupted after the record became the swap's, before the connection's entry.
    svc.config()
        .update(|cfg| {
            cfg.pending = vec![PendingOp::Replace {
                id: connection.id.clone(),
                staging: staging.clone(),
                token_expires: Some(THIS_EXPIRY),
                token_label: Some(THIS_NAME.into()),
                token_id: Some(new_id),
                token_created: Some(today_utc()),
                login: None,
                check: check.clone(),
                cleanup: false,
                aborted: false,
                rotation: Some(RotationRecord {
                    created: new_id,
                    old: Some(THIS_ID),
                    revoke_key: ConnectionId::generate(),
                }),
            }];
            Ok(())
        })
        .unwrap();
    let next = service(dir.path(), secrets.clone());
    assert_eq!(next.recover().unwrap(), 1);
    assert_eq!(next.token("dc").await.unwrap().expose_secret(), raw);
    assert_eq!(next.get("dc").unwrap().token_id, Some(new_id));
    // The swap is done; the old token's revocation is left to the network half.
    assert!(server.is_live(PAT));
    let leftovers = next.revoke_leftovers().await.unwrap();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
    assert_eq!(leftovers[0].token_id, Some(THIS_ID));
    assert!(matches!(leftovers[0].outcome, LeftoverOutcome::Revoked));
    assert!(!server.is_live(PAT));
    assert!(server.is_live(&raw) && server.is_live(OTHER_TOKEN));
    assert!(pending(&next).is_empty());
    assert_eq!(secrets.len(), 1, "no staged copy left");
}

#[tokio::test]
async fn a_rotation_first_revokes_what_an_interrupted_one_left() {
    let (server, _dir, secrets, svc) = with_dc().await;
    let (key, raw) = interrupted_before_the_swap(&server, &secrets, &svc).await;
    let rotated = svc
        .rotate(
            "dc",
            RotateOptions::default(),
            Some(&password()),
            &Cancel::new(),
        )
        .await
        .unwrap();
    assert!(!server.is_live(&raw), "the leftover is revoked");
    assert!(!server.is_live(PAT), "the old token is revoked");
    assert!(server.is_live(&raw_of(&server, rotated.created.id)));
    assert!(secrets.get(&key).unwrap().is_none());
    assert!(pending(&svc).is_empty());
    assert_eq!(secrets.len(), 1);
}

#[tokio::test]
async fn an_aborted_rotation_is_rolled_back_and_its_token_revoked() {
    let (server, dir, secrets, svc) = with_dc().await;
    let (staging, raw) = interrupted_before_the_swap(&server, &secrets, &svc).await;
    let new_id = raw_of_id(&server, &raw);
    let before = svc.get("dc").unwrap();
    // The swap failed and said so, then the process died before undoing it.
    svc.config()
        .update(|cfg| {
            cfg.pending = vec![PendingOp::Replace {
                id: before.id.clone(),
                staging: staging.clone(),
                token_expires: None,
                token_label: None,
                token_id: Some(new_id),
                token_created: None,
                login: None,
                check: before.last_check.clone().unwrap(),
                cleanup: false,
                aborted: true,
                rotation: Some(RotationRecord {
                    created: new_id,
                    old: Some(THIS_ID),
                    revoke_key: ConnectionId::generate(),
                }),
            }];
            Ok(())
        })
        .unwrap();
    let next = service(dir.path(), secrets.clone());
    assert_eq!(next.recover().unwrap(), 1);
    assert_eq!(next.get("dc").unwrap(), before, "the old state");
    assert_eq!(next.token("dc").await.unwrap().expose_secret(), PAT);
    let leftovers = next.revoke_leftovers().await.unwrap();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
    assert_eq!(leftovers[0].token_id, Some(new_id));
    assert!(!server.is_live(&raw), "the new token is revoked");
    assert!(server.is_live(PAT), "the old one is kept");
    assert!(pending(&next).is_empty());
    assert_eq!(secrets.len(), 1);
}

fn raw_of_id(server: &PatServer, raw: &str) -> u64 {
    server.tokens().iter().find(|t| t.raw == raw).unwrap().id
}

/// The built binary, killed at each point of a rotation, against the stateful mock; the
/// next command recovers: before the swap, the old token is kept and the new one revoked
/// (no orphan on the server); from the swap on, the new token is kept and the old one
/// revoked.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the OS keyring: scripts/test.sh runs it"]
async fn a_rotation_killed_at_any_point_leaves_no_orphan() {
    use crate::cli::{bin, text};
    use jira_connect::core::failpoint;
    let keyring = os_keyring();
    let points = failpoint::ROTATE.iter().chain(
        [
            "replace:swapped",
            "replace:metadata-written",
            "replace:staging-deleted",
        ]
        .iter(),
    );
    for point in points {
        let server = PatServer::start().await;
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path();
        crate::crash::add_dc_bin(config, &server);
        crate::crash::rotate_killed_at(config, point);
        assert_eq!(server.creates(), 1, "{point}");
        let raw = std::fs::read_to_string(config.join("connections.toml")).unwrap();
        assert!(raw.contains("[[pending]]"), "{point}: a record was written");
        let doc: toml::Table = toml::from_str(&raw).unwrap();
        let keys: Vec<ConnectionId> = doc["pending"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|op| {
                let revoke_key = op.get("rotation").and_then(|r| r.get("revoke_key"));
                ["key", "staging"]
                    .map(|k| op.get(k))
                    .into_iter()
                    .chain([revoke_key])
                    .map(|v| v.and_then(|v| v.as_str()))
            })
            .flatten()
            .map(|k| serde_json::from_value(serde_json::Value::String(k.into())).unwrap())
            .collect();
        assert!(!keys.is_empty(), "{point}: {raw}");

        // The next command that talks to Jira recovers, the network half included.
        let checked = bin(config).args(["check", "dc"]).output().unwrap();
        assert!(
            checked.status.success(),
            "{point}: {}",
            text(&checked.stderr)
        );
        let raw = std::fs::read_to_string(config.join("connections.toml")).unwrap();
        assert!(
            !raw.contains("[[pending]]"),
            "{point}: every record cleared\n{raw}"
        );
        assert_no_secret(&raw, &[]);

        let token = bin(config).args(["token", "dc"]).output().unwrap();
        let token = text(&token.stdout).trim_end().to_string();
        let mia: Vec<String> = server
            .tokens()
            .into_iter()
            .filter(|t| t.user == USER)
            .map(|t| t.raw)
            .collect();
        let before_swap = ["rotate:recorded", "rotate:staged"].contains(point);
        if before_swap {
            assert_eq!(token, PAT, "{point}: the old token is kept");
            assert_eq!(
                mia,
                vec![PAT.to_string(), OTHER_TOKEN.to_string()],
                "{point}: no orphan"
            );
        } else {
            assert_ne!(token, PAT, "{point}: the new token is kept");
            assert_eq!(mia.len(), 2, "{point}: {mia:?}");
            assert!(mia.contains(&token), "{point}: the kept token is live");
            assert!(mia.contains(&OTHER_TOKEN.to_string()), "{point}");
            assert!(!server.is_live(PAT), "{point}: the old token is revoked");
        }
        // Nothing is left in the keyring but the connection's own token.
        for key in &keys {
            assert!(
                keyring.get(key).unwrap().is_none(),
                "{point}: a staged copy is left"
            );
        }
        let saved = jira_connect::core::config::ConfigStore::new(config)
            .load()
            .unwrap();
        let id = saved.find("dc").unwrap().id.clone();
        assert!(keyring.get(&id).unwrap().is_some());
        let removed = bin(config)
            .args(["remove", "dc", "--yes"])
            .output()
            .unwrap();
        assert!(removed.status.success(), "{}", text(&removed.stderr));
    }
}
