//! `rotate` against a server that misbehaves: a DELETE answered by a proxy's HTML 404, a
//! create answer with junk after the JSON or without an id, a 503 on the token list, a
//! label that names another of the account's tokens, and 30,000 tokens. The rule each test
//! holds the app to: it says "revoked" only when the old token no longer logs in, a created
//! token is never printed nor left alive unrecorded, and what it cannot know it says.

use std::process::ExitCode;
use std::sync::Arc;

use jira_connect::core::config::PendingOp;
use jira_connect::core::error::Error;
use jira_connect::core::secrets::MemoryStore;
use jira_connect::core::service::{
    ByName, Cancel, Connections, LeftoverOutcome, OldToken, RotateOptions,
};
use secrecy::{ExposeSecret, SecretString};

use crate::cli_in_process::Script;
use crate::common::*;
use crate::pat_mock::*;
use crate::token_lookup::{Answers, add_dc, assert_no_secret, revoke_by_hand};

/// "dc", added with [`PAT`] under `label`, on a fresh mock server.
async fn dc_labelled(label: &str) -> (PatServer, tempfile::TempDir, Arc<Connections>) {
    let server = PatServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let svc = service(dir.path(), Arc::new(MemoryStore::new()));
    add_dc(&svc, &server, Some(label)).await;
    (server, dir, svc)
}

async fn rotate(
    svc: &Connections,
    by_name: ByName,
) -> Result<jira_connect::core::service::Rotated, Error> {
    let options = RotateOptions {
        by_name,
        ..RotateOptions::default()
    };
    let password = SecretString::from(PASSWORD);
    svc.rotate("dc", options, Some(&password), &Cancel::new())
        .await
}

fn pending(svc: &Connections) -> Vec<PendingOp> {
    svc.load().unwrap().pending.clone()
}

/// The tokens the server made during the test.
fn created(server: &PatServer) -> Vec<StoredToken> {
    server
        .tokens()
        .into_iter()
        .filter(|t| ![THIS_ID, OTHER_ID, NOAH_ID].contains(&t.id) && t.name != "ci-runner")
        .collect()
}

/// A proxy answers every DELETE with its own HTML 404 and revokes nothing: that is not
/// "already revoked". The old token still logs in, so the rotation says it is not revoked,
/// keeps the record, and the next run, finding it still alive, keeps it again.
#[tokio::test]
async fn an_html_404_to_the_delete_is_not_a_revocation() {
    let (server, _dir, svc) = dc_labelled(THIS_NAME).await;
    server.misbehave(Misbehave::DeleteProxy404);
    let rotated = rotate(&svc, ByName::Ask).await.unwrap();
    assert!(server.is_live(PAT), "the proxy revoked nothing");
    let OldToken::NotRevoked { id, error } = &rotated.old else {
        panic!("{:?}", rotated.old);
    };
    assert_eq!(*id, THIS_ID);
    assert!(!matches!(error, Error::PatNotFound { .. }), "{error:?}");
    assert!(
        pending(&svc)
            .iter()
            .any(|p| matches!(p, PendingOp::Revoke { token_id, .. } if *token_id == Some(THIS_ID))),
        "{:?}",
        pending(&svc)
    );
    // The next run tries again, with the old token itself, and finds it still alive.
    let left = svc.revoke_leftovers().await.unwrap();
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(
        matches!(left[0].outcome, LeftoverOutcome::Later(_)),
        "{left:?}"
    );
    assert_eq!(pending(&svc).len(), 1);
}

/// The recorded id is another of the account's tokens (the label "ci-runner" picked a CI
/// integration's token when the connection was added): revoking it leaves the old token
/// alive. The rotation checks the old token with Jira afterwards, says loudly that it still
/// works and exits 1, and keeps what the next run needs to check again; once the user
/// revokes the old token by hand, the next run finds it gone and drops the record.
#[tokio::test]
async fn a_revoked_token_that_was_not_the_old_one_is_said_loudly() {
    let server = PatServer::start().await;
    let ci = server.add(USER, "ci-runner", "Y2ktcnVubmVyLXRva2Vu", None);
    let dir = tempfile::tempdir().unwrap();
    let svc = service(dir.path(), Arc::new(MemoryStore::new()));
    let (conn, _) = add_dc(&svc, &server, Some("ci-runner")).await;
    assert_eq!(conn.token_id, Some(ci), "the label picked the CI token");

    let answers = Answers::new(&[PASSWORD]);
    let (code, out) = run(&svc, &["rotate", "dc"], &answers).await;
    assert_eq!(code, ExitCode::from(1), "{}{}", out.stdout, out.stderr);
    let text = format!("{}{}", out.stdout, out.stderr);
    assert!(text.contains("THE OLD TOKEN STILL WORKS"), "{text}");
    assert!(!text.contains("Revoked the old token"), "{text}");
    assert!(server.is_live(PAT), "the old token is alive");
    assert!(!server.ids().contains(&ci), "the CI token was revoked");
    assert_no_secret(&text, &[]);

    let left = svc.revoke_leftovers().await.unwrap();
    assert!(
        matches!(
            &left[0].outcome,
            LeftoverOutcome::Later(Error::OldTokenStillWorks { .. })
        ),
        "{left:?}"
    );
    // The user revokes the old token by hand: the next run finds it gone.
    revoke_by_hand(&server, THIS_ID).await;
    let left = svc.revoke_leftovers().await.unwrap();
    assert!(
        matches!(left[0].outcome, LeftoverOutcome::Revoked),
        "{left:?}"
    );
    assert!(pending(&svc).is_empty(), "{:?}", pending(&svc));
}

/// A label that picks one of several tokens names the old token only by its name: nothing
/// is created until someone confirms it; with no one to ask, nothing is revoked.
#[tokio::test]
async fn a_token_known_only_by_its_name_is_revoked_only_when_confirmed() {
    let (server, _dir, svc) = dc_labelled("ci-runner").await;
    // Added after the connection, which therefore records no id; its label now picks it.
    let ci = server.add(USER, "ci-runner", "Y2ktcnVubmVyLXRva2Vu", None);
    assert_eq!(svc.get("dc").unwrap().token_id, None);

    let err = rotate(&svc, ByName::Ask).await.unwrap_err();
    assert!(
        matches!(&err, Error::OldTokenUnconfirmed { id, name, .. } if *id == ci && name == "ci-runner"),
        "{err:?}"
    );
    assert_eq!(server.creates(), 0, "nothing is created before the answer");

    // Stdin is not a terminal: rotated, and the token known by name is left alone.
    let answers = Answers::new(&[PASSWORD]);
    let (code, out) = run(&svc, &["rotate", "dc"], &answers).await;
    assert_eq!(code, ExitCode::SUCCESS, "{}", out.stderr);
    assert!(
        out.stdout.contains("Did not revoke the old token"),
        "{}",
        out.stdout
    );
    assert!(server.ids().contains(&ci) && server.is_live(PAT));
    assert_eq!(server.deletes(), 0);

    // On a terminal the user is asked, with the token's name and created date.
    let (server, _dir, svc) = dc_labelled("ci-runner").await;
    let ci = server.add(USER, "ci-runner", "Y2ktcnVubmVyLXRva2Vu", None);
    let script = Script {
        secret: Some(PASSWORD),
        interactive: true,
        yes: true,
        ..Script::default()
    };
    let (code, out) = crate::common::run(&svc, &["rotate", "dc"], &script).await;
    let asked = script.asked.borrow().join("\n");
    assert!(asked.contains("\"ci-runner\", created "), "{asked}");
    // Confirmed, it is revoked; the old token still works, which is said.
    assert!(!server.ids().contains(&ci));
    assert_eq!(code, ExitCode::from(1), "{}{}", out.stdout, out.stderr);
}

/// A 2xx answer to the create with junk after the JSON: the new token is in it, and is
/// never quoted (stderr, or stdout with --json); the token is revoked at once, and nothing
/// else changes.
#[tokio::test]
async fn junk_after_the_created_json_neither_leaks_nor_orphans_the_token() {
    let (server, _dir, svc) = dc_labelled(THIS_NAME).await;
    server.misbehave(Misbehave::CreateJunk);
    let before = svc.get("dc").unwrap();
    let answers = Answers::new(&[PASSWORD]);
    let (code, out) = run(&svc, &["rotate", "dc", "--json"], &answers).await;
    assert_eq!(code, ExitCode::from(1));
    let made = server.creates();
    assert_eq!(made, 1);
    let text = format!("{}{}", out.stdout, out.stderr);
    // The token the server made is gone, and was never shown.
    assert!(created(&server).is_empty(), "{:?}", created(&server));
    let raw_prefix = "MDAwMDAwMDAx"; // base64 of the id's zero padding, as every new token starts
    assert!(!text.contains(raw_prefix), "{text}");
    assert!(text.contains("was revoked at once"), "{text}");
    assert_no_secret(&text, &[]);
    assert_eq!(svc.get("dc").unwrap(), before);
    assert_eq!(svc.token("dc").await.unwrap().expose_secret(), PAT);
    assert!(pending(&svc).is_empty(), "{:?}", pending(&svc));
}

/// A 2xx answer to the create without an id: the token is found again by the name it was
/// given and when, and revoked; the user is told.
#[tokio::test]
async fn a_created_token_without_an_id_is_found_and_revoked() {
    let (server, _dir, svc) = dc_labelled(THIS_NAME).await;
    server.misbehave(Misbehave::CreateWithoutId);
    let err = rotate(&svc, ByName::Ask).await.unwrap_err();
    assert!(matches!(err, Error::PatCreatedUnreadable { .. }), "{err:?}");
    assert_eq!(server.creates(), 1);
    assert!(created(&server).is_empty(), "{:?}", created(&server));
    assert!(err.to_string().contains("was revoked at once"), "{err}");
    assert!(server.is_live(PAT), "the old token is kept");
    assert!(pending(&svc).is_empty(), "{:?}", pending(&svc));
}

/// A 2xx answer to the create that tells neither the id nor the token, while the token list
/// is down: the token cannot be found at once, so it is recorded by the name and time it was
/// given, and each run says so and keeps the record until the list works. Then it is found,
/// revoked, seen gone from the list, and the record dropped; the old token is kept.
#[tokio::test]
async fn a_created_token_that_cannot_be_found_yet_is_recorded_and_revoked_later() {
    let (server, _dir, svc) = dc_labelled(THIS_NAME).await;
    server.misbehave(Misbehave::CreateUnreadableListDown);
    let before = svc.get("dc").unwrap();
    let err = rotate(&svc, ByName::Ask).await.unwrap_err();
    assert!(matches!(err, Error::PatCreatedUnreadable { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.contains(&format!("(named {THIS_NAME:?})")), "{text}");
    assert!(text.contains("looks for it and revokes it"), "{text}");
    let made = created(&server);
    assert_eq!(made.len(), 1, "the server made a token: {made:?}");
    let made = made[0].id;
    let recorded = pending(&svc);
    let [
        PendingOp::Revoke {
            token_id: None,
            unread: Some(unread),
            ..
        },
    ] = recorded.as_slice()
    else {
        panic!("{:?}", pending(&svc));
    };
    assert_eq!(unread.name, THIS_NAME);
    assert_eq!(unread.not, Some(THIS_ID));
    assert!(unread.asked_at <= unread.answered_at);
    assert_eq!(svc.get("dc").unwrap(), before, "nothing else changed");

    // The list is still down: the next run says so, and keeps the record.
    let left = svc.revoke_leftovers().await.unwrap();
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(
        matches!(left[0].outcome, LeftoverOutcome::Later(_)),
        "{left:?}"
    );
    assert_eq!(left[0].token_id, None);
    assert_eq!(
        left[0].unread.as_ref().map(|u| u.name.as_str()),
        Some(THIS_NAME)
    );
    assert_eq!(pending(&svc).len(), 1);
    assert!(server.ids().contains(&made));

    // The list works again: the run after finds the token, revokes it, and sees it gone.
    server.behave();
    let left = svc.revoke_leftovers().await.unwrap();
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(
        matches!(left[0].outcome, LeftoverOutcome::Revoked),
        "{left:?}"
    );
    assert_eq!(left[0].token_id, Some(made));
    assert!(!server.ids().contains(&made), "revoked");
    let asked = server.api_requests().await;
    let deleted = asked
        .iter()
        .rposition(|r| r.method.as_str() == "DELETE")
        .expect("a DELETE");
    assert!(
        asked[deleted + 1..]
            .iter()
            .any(|r| r.method.as_str() == "GET" && r.url.path() == "/rest/pat/latest/tokens"),
        "the list is read again after the DELETE"
    );
    assert!(pending(&svc).is_empty(), "{:?}", pending(&svc));
    assert!(server.is_live(PAT), "the old token is kept");
    assert_eq!(svc.token("dc").await.unwrap().expose_secret(), PAT);
    // Nothing is left to ask about.
    assert!(svc.revoke_leftovers().await.unwrap().is_empty());
}

/// The server answers the DELETE of a token found by its name and time but keeps it: the
/// list still shows it, so it is not called revoked, and the record stays.
#[tokio::test]
async fn a_found_token_still_listed_after_its_delete_is_not_revoked() {
    let (server, _dir, svc) = dc_labelled(THIS_NAME).await;
    server.misbehave(Misbehave::CreateUnreadableListDown);
    rotate(&svc, ByName::Ask).await.unwrap_err();
    server.misbehave(Misbehave::DeleteKeepsToken);
    let left = svc.revoke_leftovers().await.unwrap();
    assert!(
        matches!(&left[0].outcome, LeftoverOutcome::Later(Error::UnreadTokenLeft { why, .. }) if why.contains("still listed")),
        "{left:?}"
    );
    assert_eq!(created(&server).len(), 1);
    assert_eq!(pending(&svc).len(), 1);
}

/// A 503 on the token list: the recorded id is used, not forgotten.
#[tokio::test]
async fn a_failed_list_falls_back_to_the_recorded_id() {
    let (server, _dir, svc) = dc_labelled(THIS_NAME).await;
    server.misbehave(Misbehave::List503);
    let rotated = rotate(&svc, ByName::Ask).await.unwrap();
    assert!(
        matches!(rotated.old, OldToken::Revoked { id } if id == THIS_ID),
        "{:?}",
        rotated.old
    );
    assert!(!server.is_live(PAT));
    assert!(pending(&svc).is_empty(), "{:?}", pending(&svc));
}

/// 30,000 tokens and no way to tell the old one: a few are listed, with a count.
#[tokio::test]
async fn thirty_thousand_tokens_are_summed_up_not_listed() {
    let server = PatServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let svc = service(dir.path(), Arc::new(MemoryStore::new()));
    add_dc(&svc, &server, None).await;
    server.add_many(USER, 30_000);
    let answers = Answers::new(&[PASSWORD]);
    let (code, out) = run(&svc, &["rotate", "dc"], &answers).await;
    assert_eq!(code, ExitCode::SUCCESS, "{}", out.stderr);
    let lines = out.stdout.lines().count() + out.stderr.lines().count();
    assert!(lines < 30, "{lines} lines:\n{}", out.stdout);
    assert!(out.stdout.contains("30002 other tokens"), "{}", out.stdout);
    assert!(out.stdout.contains("and 29997 more"), "{}", out.stdout);
}
