//! Add, check, replace and remove through the service, against a loopback mock Jira, with
//! an in-memory secret store that can simulate keyring failures.

use std::sync::Arc;

use jira_connect::core::connection::{AuthKind, Deployment, Outcome, Status, today};
use jira_connect::core::draft::{NewConnection, prepare};
use jira_connect::core::error::Error;
use jira_connect::core::secrets::{FailOn, MemoryStore, SecretStore};
use jira_connect::core::service::{Cancel, NewToken};
use secrecy::{ExposeSecret, SecretString};

use crate::common::*;

fn cloud_input(url: &str) -> NewConnection {
    NewConnection {
        url: url.to_string(),
        name: Some("acme".into()),
        deployment: Some(Deployment::Cloud),
        login: Some(EMAIL.into()),
        token_label: Some("laptop".into()),
        ..Default::default()
    }
}

/// A mock Jira with a connection "acme" already saved through the service.
struct Acme {
    jira: wiremock::MockServer,
    dir: tempfile::TempDir,
    secrets: Arc<MemoryStore>,
    svc: Arc<jira_connect::core::service::Connections>,
    conn: jira_connect::core::connection::Connection,
}

async fn with_acme() -> Acme {
    let jira = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::new());
    let svc = service(dir.path(), secrets.clone());
    let draft = prepare(&cloud_input(&jira.uri())).unwrap();
    let (conn, _) = svc
        .add(draft, SecretString::from(TOKEN), &Cancel::new())
        .await
        .unwrap();
    Acme {
        jira,
        dir,
        secrets,
        svc,
        conn,
    }
}

#[tokio::test]
async fn add_validates_then_stores_secret_and_metadata() {
    let jira = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::new());
    let svc = service(dir.path(), secrets.clone());

    let draft = prepare(&cloud_input(&jira.uri())).unwrap();
    let (conn, account) = svc
        .add(draft, SecretString::from(TOKEN), &Cancel::new())
        .await
        .unwrap();

    assert_eq!(account.display_name, "Mia Krystof");
    assert_eq!(conn.auth, AuthKind::ApiToken);
    assert_eq!(conn.token_created, Some(today()));
    assert_eq!(conn.status(today()), Status::Valid);
    assert_eq!(
        secrets.get(&conn.id).unwrap().unwrap().expose_secret(),
        TOKEN
    );
    let listed = svc.list().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].name, "acme");
    let check = listed[0].last_check.as_ref().unwrap();
    assert_eq!(check.display_name.as_deref(), Some("Mia Krystof"));
    assert_eq!(check.server_version.as_deref(), Some("1001.0.0"));
}

#[tokio::test]
async fn wrong_token_saves_nothing() {
    let jira = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::new());
    let svc = service(dir.path(), secrets.clone());
    let draft = prepare(&cloud_input(&jira.uri())).unwrap();
    let err = svc
        .add(draft, SecretString::from("wrong"), &Cancel::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::BadCredentials { .. }), "{err:?}");
    assert!(svc.list().unwrap().is_empty());
    assert!(secrets.is_empty());
}

#[tokio::test]
async fn keyring_failure_on_add_leaves_no_metadata() {
    let jira = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::new());
    secrets.fail_on(Some(FailOn::Set));
    let svc = service(dir.path(), secrets.clone());
    let draft = prepare(&cloud_input(&jira.uri())).unwrap();
    let err = svc
        .add(draft, SecretString::from(TOKEN), &Cancel::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Keyring(_)), "{err:?}");
    assert!(
        err.to_string().contains("Unlock your login keyring"),
        "{err}"
    );
    assert!(svc.list().unwrap().is_empty());
}

#[tokio::test]
async fn config_failure_on_add_removes_the_stored_secret() {
    let jira = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::new());
    let svc = service(dir.path(), secrets.clone());
    // An unreadable config: the add must fail after the keyring step and undo it.
    std::fs::write(dir.path().join("connections.toml"), "version = [").unwrap();
    let draft = prepare(&cloud_input(&jira.uri()));
    // prepare does not read the config; add does.
    let err = svc
        .add(draft.unwrap(), SecretString::from(TOKEN), &Cancel::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::ConfigCorrupt { .. }), "{err:?}");
    assert!(secrets.is_empty(), "no orphaned secret may stay behind");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("connections.toml")).unwrap(),
        "version = ["
    );
}

#[tokio::test]
async fn duplicate_names_are_refused_and_the_first_is_untouched() {
    let jira = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::new());
    let svc = service(dir.path(), secrets.clone());
    let (first, _) = svc
        .add(
            prepare(&cloud_input(&jira.uri())).unwrap(),
            SecretString::from(TOKEN),
            &Cancel::new(),
        )
        .await
        .unwrap();
    let err = svc
        .add(
            prepare(&cloud_input(&jira.uri())).unwrap(),
            SecretString::from(NEW_TOKEN),
            &Cancel::new(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::DuplicateName { .. }), "{err:?}");
    assert_eq!(svc.list().unwrap(), vec![first.clone()]);
    assert_eq!(
        secrets.get(&first.id).unwrap().unwrap().expose_secret(),
        TOKEN
    );
    assert_eq!(secrets.len(), 1);
}

#[tokio::test]
async fn data_center_pat_fills_the_username_from_jira() {
    let jira = jira_bearer(PAT).await;
    let dir = tempfile::tempdir().unwrap();
    let svc = service(dir.path(), Arc::new(MemoryStore::new()));
    let draft = prepare(&NewConnection {
        url: format!("{}/browse/ABC-1", jira.uri()),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(draft.deployment, Deployment::DataCenter);
    assert_eq!(draft.auth, AuthKind::Pat);
    assert_eq!(draft.name, "127-0-0-1");
    let (conn, _) = svc
        .add(draft, SecretString::from(PAT), &Cancel::new())
        .await
        .unwrap();
    assert_eq!(conn.login.as_deref(), Some("mia"));
    assert_eq!(conn.url, jira.uri());
}

#[tokio::test]
async fn check_records_rejection_and_keeps_the_account() {
    let Acme {
        jira,
        dir: _dir,
        secrets,
        svc,
        conn,
    } = with_acme().await;

    // The token gets revoked at Atlassian.
    jira.reset().await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(wiremock::ResponseTemplate::new(401))
        .mount(&jira)
        .await;

    let report = svc.check("acme").await.unwrap();
    assert_eq!(report.status, Status::Rejected);
    assert!(report.result.is_err());
    let saved = svc.get("acme").unwrap();
    let last = saved.last_check.unwrap();
    assert_eq!(last.outcome, Outcome::Rejected);
    assert_eq!(last.display_name.as_deref(), Some("Mia Krystof"));
    assert!(last.message.unwrap().contains("rejected"));
    assert_eq!(
        secrets.get(&conn.id).unwrap().unwrap().expose_secret(),
        TOKEN
    );
}

#[tokio::test]
async fn check_without_a_secret_is_secret_missing() {
    let Acme {
        jira: _jira,
        dir: _dir,
        secrets,
        svc,
        conn,
    } = with_acme().await;
    secrets.delete(&conn.id).unwrap();
    let report = svc.check("acme").await.unwrap();
    assert_eq!(report.status, Status::SecretMissing);
    let msg = report.result.unwrap_err().to_string();
    assert!(msg.contains("replace it with a new one"), "{msg}");
}

#[tokio::test]
async fn check_many_reports_each_connection() {
    let good = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::new());
    let svc = service(dir.path(), secrets.clone());
    for name in ["one", "two", "three"] {
        let mut input = cloud_input(&good.uri());
        input.name = Some(name.into());
        svc.add(
            prepare(&input).unwrap(),
            SecretString::from(TOKEN),
            &Cancel::new(),
        )
        .await
        .unwrap();
    }
    let gone = svc.get("two").unwrap();
    secrets.delete(&gone.id).unwrap();
    let reports = svc.check_many(svc.list().unwrap()).await;
    let statuses: Vec<_> = reports
        .iter()
        .map(|r| (r.connection.name.as_str(), r.status))
        .collect();
    assert_eq!(
        statuses,
        vec![
            ("one", Status::Valid),
            ("two", Status::SecretMissing),
            ("three", Status::Valid)
        ]
    );
}

/// The version belongs to the site: check-all asks each site once, however many of its
/// connections it checks, and every report still carries it.
#[tokio::test]
async fn check_all_asks_each_site_for_its_version_once() {
    use wiremock::matchers::{method, path};
    let sites = [
        jira_basic(3, EMAIL, TOKEN, cloud_user()).await,
        jira_basic(3, EMAIL, TOKEN, cloud_user()).await,
    ];
    let dir = tempfile::tempdir().unwrap();
    let svc = service(dir.path(), Arc::new(MemoryStore::new()));
    for (s, site) in sites.iter().enumerate() {
        for i in 0..5 {
            let mut input = cloud_input(&site.uri());
            input.name = Some(format!("site{s}-{i}"));
            svc.add(
                prepare(&input).unwrap(),
                SecretString::from(TOKEN),
                &Cancel::new(),
            )
            .await
            .unwrap();
        }
        // What adding asked is not what this test counts.
        site.reset().await;
        wiremock::Mock::given(method("GET"))
            .and(path("/rest/api/3/serverInfo"))
            .respond_with(
                wiremock::ResponseTemplate::new(200)
                    .set_body_json(serde_json::json!({"version": format!("1001.{s}.0")})),
            )
            .expect(1)
            .mount(site)
            .await;
        mount_user(site, "/rest/api/3/myself", EMAIL, TOKEN, cloud_user()).await;
    }
    let reports = svc.check_many(svc.list().unwrap()).await;
    assert_eq!(reports.len(), 10);
    for report in &reports {
        let site = if report.connection.name.starts_with("site0") {
            0
        } else {
            1
        };
        let account = report.result.as_ref().unwrap();
        assert_eq!(
            account.server_version.as_deref(),
            Some(format!("1001.{site}.0").as_str()),
            "{}",
            report.connection.name
        );
    }
    for site in &sites {
        site.verify().await;
    }
}

#[tokio::test]
async fn replace_keeps_the_old_token_until_the_new_one_works() {
    let Acme {
        jira: _jira,
        dir: _dir,
        secrets,
        svc,
        conn,
    } = with_acme().await;

    // A bad new token: refused, and the old one stays.
    let err = svc
        .replace_token(
            "acme",
            NewToken::new(SecretString::from("not-it")),
            &Cancel::new(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::BadCredentials { .. }), "{err:?}");
    assert_eq!(
        secrets.get(&conn.id).unwrap().unwrap().expose_secret(),
        TOKEN
    );
    assert_eq!(
        svc.get("acme").unwrap().token_label.as_deref(),
        Some("laptop")
    );

    // Jira now accepts the new token: it is swapped in.
    let rotated = jira_basic(3, EMAIL, NEW_TOKEN, cloud_user()).await;
    let mut moved = svc.get("acme").unwrap();
    moved.url = rotated.uri();
    svc.config()
        .update(|cfg| {
            cfg.connections[0] = moved;
            Ok(())
        })
        .unwrap();
    let expires = today().checked_add(jiff::Span::new().days(90)).unwrap();
    let (updated, _) = svc
        .replace_token(
            "acme",
            NewToken {
                secret: SecretString::from(NEW_TOKEN),
                expires: Some(expires),
                label: Some("rotated".into()),
            },
            &Cancel::new(),
        )
        .await
        .unwrap();
    assert_eq!(updated.token_expires, Some(expires));
    assert_eq!(updated.token_label.as_deref(), Some("rotated"));
    assert_eq!(updated.id, conn.id);
    assert_eq!(
        secrets.get(&conn.id).unwrap().unwrap().expose_secret(),
        NEW_TOKEN
    );
}

#[tokio::test]
async fn replace_with_a_locked_keyring_keeps_everything() {
    let Acme {
        jira: _jira,
        dir: _dir,
        secrets,
        svc,
        conn,
    } = with_acme().await;
    let before = svc.get("acme").unwrap();
    secrets.fail_on(Some(FailOn::Set));
    let err = svc
        .replace_token(
            "acme",
            NewToken {
                secret: SecretString::from(TOKEN),
                expires: None,
                label: Some("x".into()),
            },
            &Cancel::new(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Keyring(_)), "{err:?}");
    secrets.fail_on(None);
    assert_eq!(svc.get("acme").unwrap(), before);
    assert_eq!(
        secrets.get(&conn.id).unwrap().unwrap().expose_secret(),
        TOKEN
    );
}

#[tokio::test]
async fn remove_deletes_secret_and_metadata() {
    let jira = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::new());
    let svc = service(dir.path(), secrets.clone());
    svc.add(
        prepare(&cloud_input(&jira.uri())).unwrap(),
        SecretString::from(TOKEN),
        &Cancel::new(),
    )
    .await
    .unwrap();
    let removed = svc.remove("acme").await.unwrap();
    assert_eq!(removed.name, "acme");
    assert!(svc.list().unwrap().is_empty());
    assert!(secrets.is_empty());
    let err = svc.remove("acme").await.unwrap_err();
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");
}

#[tokio::test]
async fn remove_with_a_locked_keyring_changes_nothing() {
    let jira = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::new());
    let svc = service(dir.path(), secrets.clone());
    svc.add(
        prepare(&cloud_input(&jira.uri())).unwrap(),
        SecretString::from(TOKEN),
        &Cancel::new(),
    )
    .await
    .unwrap();
    secrets.fail_on(Some(FailOn::Delete));
    assert!(svc.remove("acme").await.is_err());
    assert_eq!(svc.list().unwrap().len(), 1);
    assert_eq!(secrets.len(), 1);
}

#[test]
fn prepare_refuses_bad_input_before_any_request() {
    let cases: &[(NewConnection, &str)] = &[
        (
            NewConnection {
                url: "acme.atlassian.net".into(),
                ..Default::default()
            },
            "email",
        ),
        (
            NewConnection {
                url: "acme.atlassian.net".into(),
                login: Some("mia".into()),
                ..Default::default()
            },
            "not an email address",
        ),
        (
            NewConnection {
                url: "jira.corp.example".into(),
                auth: Some(AuthKind::Password),
                ..Default::default()
            },
            "username",
        ),
        (
            NewConnection {
                url: "http://jira.corp.example".into(),
                ..Default::default()
            },
            "allow plain HTTP",
        ),
        (
            NewConnection {
                url: "acme.atlassian.net".into(),
                login: Some(EMAIL.into()),
                auth: Some(AuthKind::Pat),
                ..Default::default()
            },
            "API tokens only",
        ),
        (
            NewConnection {
                url: "acme.atlassian.net".into(),
                login: Some(EMAIL.into()),
                token_expires: Some(jiff::civil::date(2020, 1, 1)),
                ..Default::default()
            },
            "in the past",
        ),
    ];
    for (input, want) in cases {
        let err = prepare(input).unwrap_err().to_string();
        assert!(err.contains(want), "{input:?}: {err}");
    }
}

/// Saves `n` connections to `url` directly (config and secret), without asking Jira.
fn save_connections(
    svc: &jira_connect::core::service::Connections,
    secrets: &MemoryStore,
    url: &str,
    prefix: &str,
    n: usize,
) {
    use jira_connect::core::connection::{Connection, ConnectionId};
    let added: Vec<Connection> = (0..n)
        .map(|i| Connection {
            id: ConnectionId::generate(),
            name: format!("{prefix}{i}"),
            url: url.to_string(),
            deployment: Deployment::Cloud,
            auth: AuthKind::ApiToken,
            login: Some(EMAIL.into()),
            token_label: None,
            token_created: None,
            token_expires: None,
            token_id: None,
            ca_cert: None,
            allow_http: false,
            product: Default::default(),
            scoped: false,
            cloud_id: None,
            linked: None,
            last_check: None,
        })
        .collect();
    for c in &added {
        secrets.set(&c.id, &SecretString::from(TOKEN)).unwrap();
    }
    svc.config()
        .update(|cfg| {
            cfg.connections.extend(added);
            Ok(())
        })
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_many_saves_every_result_in_a_whole_file() {
    let jira = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::new());
    let svc = service(dir.path(), secrets.clone());
    save_connections(&svc, &secrets, &jira.uri(), "c", 60);
    let reports = svc.check_many(svc.list().unwrap()).await;
    assert_eq!(reports.len(), 60);
    assert!(reports.iter().all(|r| r.status == Status::Valid));
    // A fresh reader sees every result on disk, not only in the reports.
    let store = jira_connect::core::config::ConfigStore::new(dir.path());
    let saved = store.load().unwrap().connections.clone();
    assert_eq!(saved.len(), 60);
    for (report, saved) in reports.iter().zip(&saved) {
        assert_eq!(report.connection, *saved);
        let check = saved.last_check.as_ref().unwrap();
        assert_eq!(check.outcome, Outcome::Valid);
        assert_eq!(check.display_name.as_deref(), Some("Mia Krystof"));
    }
}

/// A loopback Jira that answers every GET after `hold`, and counts the requests it is
/// answering at the same time.
async fn counting_jira(hold: std::time::Duration) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let in_flight = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let seen = most.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let in_flight = in_flight.clone();
            let most = most.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let end = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
                    let head = String::from_utf8_lossy(&buf[..end]).to_string();
                    buf.drain(..end);
                    let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    tokio::time::sleep(hold).await;
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                    let body = if head.contains("/serverInfo") {
                        serde_json::json!({"version": "1001.0.0"}).to_string()
                    } else {
                        cloud_user().to_string()
                    };
                    let response = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    if socket.write_all(response.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, seen)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn checks_in_flight_are_capped_per_site() {
    use jira_connect::core::service::MAX_CHECKS_PER_SITE;
    use std::sync::atomic::Ordering;
    let hold = std::time::Duration::from_millis(40);
    let (site_a, most_a) = counting_jira(hold).await;
    let (site_b, most_b) = counting_jira(hold).await;
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::new());
    let svc = service(dir.path(), secrets.clone());
    save_connections(&svc, &secrets, &site_a, "a", 3 * MAX_CHECKS_PER_SITE);
    save_connections(&svc, &secrets, &site_b, "b", 3 * MAX_CHECKS_PER_SITE);
    let reports = svc.check_many(svc.list().unwrap()).await;
    assert!(reports.iter().all(|r| r.status == Status::Valid));
    for most in [most_a, most_b] {
        let most = most.load(Ordering::SeqCst);
        assert!(
            most <= MAX_CHECKS_PER_SITE,
            "{most} requests at once at one site"
        );
        assert!(most >= 2, "the checks ran one after another");
    }
}

/// Accepts `NEW_TOKEN` too on acme's mock Jira, so that a replacement validates.
async fn accept_new_token(jira: &wiremock::MockServer) {
    use wiremock::matchers::{basic_auth, method, path};
    wiremock::Mock::given(method("GET"))
        .and(path("/rest/api/3/myself"))
        .and(basic_auth(EMAIL, NEW_TOKEN))
        .respond_with(wiremock::ResponseTemplate::new(200).set_body_json(cloud_user()))
        .with_priority(1)
        .mount(jira)
        .await;
}

/// The pending records in `connections.toml`, as a fresh reader sees them.
fn pending_in(dir: &std::path::Path) -> Vec<jira_connect::core::config::PendingOp> {
    jira_connect::core::config::ConfigStore::new(dir)
        .load()
        .unwrap()
        .pending
        .clone()
}

#[tokio::test]
async fn a_replace_that_failed_is_never_finished_later() {
    let Acme {
        jira,
        dir,
        secrets,
        svc,
        conn,
    } = with_acme().await;
    accept_new_token(&jira).await;
    let before = svc.get("acme").unwrap();
    // The staged copy is written, then the keyring locks: the swap and the cleanup fail.
    secrets.lock_after(1);
    let err = svc
        .replace_token(
            "acme",
            NewToken {
                secret: SecretString::from(NEW_TOKEN),
                expires: None,
                label: Some("x".into()),
            },
            &Cancel::new(),
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Keyring(_)), "{err:?}");
    assert_eq!(secrets.len(), 2, "the staged copy could not be deleted yet");

    // The next start, with the keyring unlocked again, must not finish what was reported
    // as failed: the user may already have revoked the new token.
    secrets.fail_on(None);
    let next = service(dir.path(), secrets.clone());
    assert_eq!(next.recover().unwrap(), 1);
    assert_eq!(
        secrets.get(&conn.id).unwrap().unwrap().expose_secret(),
        TOKEN,
        "the old token stays"
    );
    assert_eq!(secrets.len(), 1, "the staged copy is deleted");
    assert_eq!(next.get("acme").unwrap(), before);
    assert!(pending_in(dir.path()).is_empty());
}

#[tokio::test]
async fn an_add_that_failed_is_never_finished_later() {
    let jira = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::new());
    let svc = service(dir.path(), secrets.clone());
    // The keyring daemon writes the item and dies before it answers; deleting fails too.
    secrets.apply_failed_sets(true);
    secrets.lock_after(0);
    let draft = prepare(&cloud_input(&jira.uri())).unwrap();
    let err = svc
        .add(draft, SecretString::from(TOKEN), &Cancel::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Keyring(_)), "{err:?}");
    assert!(svc.list().unwrap().is_empty());

    secrets.fail_on(None);
    let next = service(dir.path(), secrets.clone());
    next.recover().unwrap();
    assert!(
        next.list().unwrap().is_empty(),
        "the failed add stays undone"
    );
    assert!(secrets.is_empty(), "and its secret is deleted");
    assert!(pending_in(dir.path()).is_empty());
}

#[tokio::test]
async fn a_failed_keyring_write_on_add_is_deleted_at_once() {
    let jira = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::new());
    let svc = service(dir.path(), secrets.clone());
    secrets.apply_failed_sets(true);
    secrets.fail_on(Some(FailOn::Set));
    let draft = prepare(&cloud_input(&jira.uri())).unwrap();
    let err = svc
        .add(draft, SecretString::from(TOKEN), &Cancel::new())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Keyring(_)), "{err:?}");
    assert!(secrets.is_empty(), "what the failed write left is deleted");
    assert!(pending_in(dir.path()).is_empty());
    assert!(svc.list().unwrap().is_empty());
}

#[tokio::test]
async fn recovery_never_restores_a_secret_for_a_connection_that_is_gone() {
    use jira_connect::core::config::PendingOp;
    use jira_connect::core::connection::{ConnectionId, LastCheck};
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::new());
    let svc = service(dir.path(), secrets.clone());
    // A replacement interrupted after staging, of a connection no longer in the file.
    let (gone, staging) = (ConnectionId::generate(), ConnectionId::generate());
    secrets
        .set(&staging, &SecretString::from(NEW_TOKEN))
        .unwrap();
    svc.config()
        .update(|cfg| {
            cfg.pending.push(PendingOp::Replace {
                id: gone.clone(),
                staging: staging.clone(),
                token_expires: None,
                token_label: None,
                token_id: None,
                token_created: None,
                login: None,
                check: LastCheck {
                    at: jiff::Timestamp::from_second(1_800_000_000).unwrap(),
                    outcome: Outcome::Valid,
                    message: None,
                    account_id: None,
                    display_name: None,
                    email: None,
                    server_version: None,
                },
                cleanup: false,
                aborted: false,
                rotation: None,
            });
            Ok(())
        })
        .unwrap();
    assert_eq!(svc.recover().unwrap(), 1);
    assert!(
        secrets.get(&gone).unwrap().is_none(),
        "no secret re-created"
    );
    assert!(secrets.is_empty(), "the staged copy is deleted");
    assert!(pending_in(dir.path()).is_empty());
}

/// A keyring over a [`MemoryStore`] whose `set` number `park_at` (counting from 0) waits,
/// as for an unlock prompt, until the test lets it go: before it writes, or after it has
/// written but before it answers.
struct ParkingStore {
    inner: Arc<MemoryStore>,
    park_at: usize,
    after_write: bool,
    sets: std::sync::atomic::AtomicUsize,
    parked: std::sync::Mutex<std::sync::mpsc::Sender<()>>,
    resume: std::sync::Mutex<std::sync::mpsc::Receiver<()>>,
}

/// The store, a receiver told when it parks, and a sender that lets it go on.
fn parking(
    inner: Arc<MemoryStore>,
    park_at: usize,
    after_write: bool,
) -> (
    Arc<ParkingStore>,
    std::sync::mpsc::Receiver<()>,
    std::sync::mpsc::Sender<()>,
) {
    let (parked_tx, parked_rx) = std::sync::mpsc::channel();
    let (resume_tx, resume_rx) = std::sync::mpsc::channel();
    let store = Arc::new(ParkingStore {
        inner,
        park_at,
        after_write,
        sets: Default::default(),
        parked: std::sync::Mutex::new(parked_tx),
        resume: std::sync::Mutex::new(resume_rx),
    });
    (store, parked_rx, resume_tx)
}

impl SecretStore for ParkingStore {
    fn get(
        &self,
        id: &jira_connect::core::connection::ConnectionId,
    ) -> Result<Option<SecretString>, jira_connect::core::error::KeyringError> {
        self.inner.get(id)
    }

    fn set(
        &self,
        id: &jira_connect::core::connection::ConnectionId,
        secret: &SecretString,
    ) -> Result<(), jira_connect::core::error::KeyringError> {
        let n = self.sets.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        if n != self.park_at {
            return self.inner.set(id, secret);
        }
        let written = if self.after_write {
            Some(self.inner.set(id, secret))
        } else {
            None
        };
        self.parked.lock().unwrap().send(()).unwrap();
        self.resume
            .lock()
            .unwrap()
            .recv_timeout(std::time::Duration::from_secs(30))
            .unwrap();
        written.unwrap_or_else(|| self.inner.set(id, secret))
    }

    fn delete(
        &self,
        id: &jira_connect::core::connection::ConnectionId,
    ) -> Result<(), jira_connect::core::error::KeyringError> {
        self.inner.delete(id)
    }
}

/// Waits, off the async workers, until a [`ParkingStore`] has parked.
async fn until_parked(parked: std::sync::mpsc::Receiver<()>) {
    tokio::task::spawn_blocking(move || {
        parked
            .recv_timeout(std::time::Duration::from_secs(30))
            .expect("the operation parked in the keyring")
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovery_leaves_an_add_under_way_in_another_instance_alone() {
    let jira = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    let dir = tempfile::tempdir().unwrap();
    let keyring = Arc::new(MemoryStore::new());
    // The window's add has stored the secret, and the keyring is slow to answer.
    let (store, parked, resume) = parking(keyring.clone(), 0, true);
    let window = service_with(dir.path(), store, std::time::Duration::from_secs(10));
    let draft = prepare(&cloud_input(&jira.uri())).unwrap();
    let adding = tokio::spawn({
        let window = window.clone();
        async move {
            window
                .add(draft, SecretString::from(TOKEN), &Cancel::new())
                .await
        }
    });
    until_parked(parked).await;

    // Meanwhile the CLI starts over the same config dir and recovers.
    let cli = service(dir.path(), keyring.clone());
    let recovered = cli.recover().unwrap();
    assert!(
        cli.list().unwrap().is_empty(),
        "the add is not finished for it"
    );
    assert_eq!(pending_in(dir.path()).len(), 1, "its record is kept");
    assert_eq!(recovered, 0, "nothing to recover");

    resume.send(()).unwrap();
    let (added, _) = adding.await.unwrap().unwrap();
    let listed = cli.list().unwrap();
    assert_eq!(listed, vec![added.clone()], "exactly one entry");
    assert_eq!(
        keyring.get(&added.id).unwrap().unwrap().expose_secret(),
        TOKEN
    );
    assert!(pending_in(dir.path()).is_empty());
    assert_eq!(cli.recover().unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replace_under_way_in_another_instance_is_neither_recovered_nor_removed_under_it() {
    let Acme {
        jira,
        dir,
        secrets: keyring,
        svc: _svc,
        conn,
    } = with_acme().await;
    accept_new_token(&jira).await;
    // The window's replacement waits for an unlock prompt before staging the new token.
    let (store, parked, resume) = parking(keyring.clone(), 0, false);
    let window = service_with(dir.path(), store, std::time::Duration::from_secs(10));
    let replacing = tokio::spawn({
        let window = window.clone();
        async move {
            window
                .replace_token(
                    "acme",
                    NewToken::new(SecretString::from(NEW_TOKEN)),
                    &Cancel::new(),
                )
                .await
        }
    });
    until_parked(parked).await;

    // Meanwhile the CLI recovers, then removes the connection.
    let cli = service(dir.path(), keyring.clone());
    let recovered = cli.recover().unwrap();
    assert_eq!(pending_in(dir.path()).len(), 1, "its record is kept");
    let err = cli.remove("acme").await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidInput {
                field: jira_connect::core::error::InputField::Connection,
                ..
            }
        ),
        "the removal is refused while the replacement runs: {err:?}"
    );
    assert_eq!(cli.list().unwrap().len(), 1);
    assert_eq!(recovered, 0, "nothing to recover");

    resume.send(()).unwrap();
    let (updated, _) = replacing.await.unwrap().unwrap();
    assert_eq!(updated.id, conn.id);
    assert_eq!(
        keyring.get(&conn.id).unwrap().unwrap().expose_secret(),
        NEW_TOKEN
    );
    assert_eq!(keyring.len(), 1, "no staged copy and no orphan left");
    assert!(pending_in(dir.path()).is_empty());

    // Now the removal goes through and leaves nothing in the keyring.
    cli.remove("acme").await.unwrap();
    assert!(keyring.is_empty());
}

/// A Jira whose `/myself` answers `TOKEN` and `NEW_TOKEN` only after a minute, so that the
/// test can cancel while the service is still asking.
async fn stalled_jira() -> wiremock::MockServer {
    use wiremock::matchers::{method, path};
    let jira = wiremock::MockServer::start().await;
    wiremock::Mock::given(method("GET"))
        .and(path("/rest/api/3/myself"))
        .respond_with(
            wiremock::ResponseTemplate::new(200)
                .set_body_json(cloud_user())
                .set_delay(std::time::Duration::from_secs(60)),
        )
        .mount(&jira)
        .await;
    jira
}

/// Waits until `jira` has received a request for `/myself`.
async fn until_asked(jira: &wiremock::MockServer) {
    loop {
        let asked = jira.received_requests().await.unwrap_or_default();
        if asked.iter().any(|r| r.url.path().ends_with("/myself")) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn cancelling_an_add_while_jira_is_asked_saves_nothing() {
    let jira = stalled_jira().await;
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::new());
    let svc = service(dir.path(), secrets.clone());
    let draft = prepare(&cloud_input(&jira.uri())).unwrap();
    let cancel = Cancel::new();
    let adding = tokio::spawn({
        let (svc, cancel) = (svc.clone(), cancel.clone());
        async move { svc.add(draft, SecretString::from(TOKEN), &cancel).await }
    });
    until_asked(&jira).await;
    cancel.cancel();
    let err = adding.await.unwrap().unwrap_err();
    assert!(matches!(err, Error::Cancelled), "{err:?}");
    assert!(svc.list().unwrap().is_empty());
    assert!(secrets.is_empty());
    assert!(pending_in(dir.path()).is_empty());
}

#[tokio::test]
async fn cancelling_a_replace_while_jira_is_asked_keeps_the_old_token() {
    let Acme {
        jira,
        svc,
        dir: _dir,
        ..
    } = with_acme().await;
    jira.reset().await;
    let stalled = stalled_jira().await;
    // Point the saved connection at the stalled Jira: only the answer is slow.
    svc.config()
        .update(|cfg| {
            cfg.connections[0].url = stalled.uri();
            Ok(())
        })
        .unwrap();
    let before = svc.get("acme").unwrap();
    let cancel = Cancel::new();
    let replacing = tokio::spawn({
        let (svc, cancel) = (svc.clone(), cancel.clone());
        async move {
            let new = NewToken {
                secret: SecretString::from(NEW_TOKEN),
                expires: None,
                label: Some("new".into()),
            };
            svc.replace_token("acme", new, &cancel).await
        }
    });
    until_asked(&stalled).await;
    cancel.cancel();
    let err = replacing.await.unwrap().unwrap_err();
    assert!(matches!(err, Error::Cancelled), "{err:?}");
    assert_eq!(svc.token("acme").await.unwrap().expose_secret(), TOKEN);
    assert_eq!(svc.get("acme").unwrap(), before);
}

#[tokio::test]
async fn a_cancel_that_came_first_stops_an_add_before_jira_is_asked() {
    let jira = stalled_jira().await;
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::new());
    let svc = service(dir.path(), secrets.clone());
    let draft = prepare(&cloud_input(&jira.uri())).unwrap();
    let cancel = Cancel::new();
    cancel.cancel();
    let err = svc
        .add(draft, SecretString::from(TOKEN), &cancel)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Cancelled), "{err:?}");
    assert!(svc.list().unwrap().is_empty());
    assert!(jira.received_requests().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_replacement_that_expired_already_is_refused_before_jira_is_asked() {
    let Acme {
        jira,
        svc,
        dir: _dir,
        ..
    } = with_acme().await;
    let asked = jira.received_requests().await.unwrap().len();
    let new = NewToken {
        secret: SecretString::from(NEW_TOKEN),
        expires: Some(jiff::civil::date(2020, 1, 1)),
        label: None,
    };
    let err = svc
        .replace_token("acme", new, &Cancel::new())
        .await
        .unwrap_err();
    assert!(err.to_string().contains("in the past"), "{err}");
    assert_eq!(jira.received_requests().await.unwrap().len(), asked);
    assert_eq!(svc.token("acme").await.unwrap().expose_secret(), TOKEN);
}
