//! The real OS keyring: on Linux, Secret Service over D-Bus (gnome-keyring in CI).
//! Ignored by a bare `cargo test`; `scripts/test.sh` runs them against a private keyring.

use std::sync::Arc;
use std::time::Duration;

use jira_connect::core::connection::ConnectionId;
use jira_connect::core::draft::{NewConnection, prepare};
use jira_connect::core::secrets::{SERVICE, SecretStore};
use jira_connect::core::service::Cancel;
use secrecy::{ExposeSecret, SecretString};

use crate::common::*;

/// What `secret-tool` (libsecret, independent of this crate) finds for an entry.
fn secret_tool_lookup(id: &ConnectionId) -> Option<String> {
    let out = std::process::Command::new("secret-tool")
        .args(["lookup", "service", SERVICE, "username", id.as_str()])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
#[ignore = "needs the OS keyring: scripts/test.sh runs it"]
fn add_read_replace_delete_through_secret_service() {
    let store = os_keyring();
    let id = ConnectionId::generate();
    assert!(store.get(&id).unwrap().is_none());
    store.set(&id, &SecretString::from(TOKEN)).unwrap();
    assert_eq!(store.get(&id).unwrap().unwrap().expose_secret(), TOKEN);
    if cfg!(target_os = "linux") {
        assert_eq!(
            secret_tool_lookup(&id).as_deref(),
            Some(TOKEN),
            "the secret is in Secret Service"
        );
    }
    store.set(&id, &SecretString::from(NEW_TOKEN)).unwrap();
    assert_eq!(store.get(&id).unwrap().unwrap().expose_secret(), NEW_TOKEN);
    store.delete(&id).unwrap();
    assert!(store.get(&id).unwrap().is_none());
    store.delete(&id).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the OS keyring: scripts/test.sh runs it"]
async fn service_flow_through_the_os_keyring() {
    let store = os_keyring();
    let store: Arc<dyn SecretStore> = Arc::new(store);
    let jira = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    let dir = tempfile::tempdir().unwrap();
    let svc = service_with(dir.path(), store.clone(), Duration::from_secs(10));
    let draft = prepare(&NewConnection {
        url: jira.uri(),
        name: Some("acme".into()),
        deployment: Some(jira_connect::core::connection::Deployment::Cloud),
        login: Some(EMAIL.into()),
        ..Default::default()
    })
    .unwrap();
    let (conn, _) = svc
        .add(draft, SecretString::from(TOKEN), &Cancel::new())
        .await
        .unwrap();
    assert_eq!(svc.token("acme").await.unwrap().expose_secret(), TOKEN);
    let report = svc.check("acme").await.unwrap();
    assert!(report.result.is_ok(), "{:?}", report.result);
    svc.remove("acme").await.unwrap();
    assert!(store.get(&conn.id).unwrap().is_none());
}
