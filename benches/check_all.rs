//! Checking all saved connections at once: 10, 100, 200 and 1,000 connections spread over
//! 20 mock Jira sites that each answer every request after 100 ms.
//!
//! Everything real but the keyring (the in-memory store) and Jira (wiremock on loopback):
//! the caps on checks in flight, the HTTP client, and the batched writes of
//! `connections.toml` to a temp directory. The runtime is the CLI's (2 workers).
//!
//! A check is one request (`/myself`), and each site is asked for its version once per
//! run, at the same time; one after another, the old way (two requests per check in turn),
//! 200 connections took 40 s. Target (see BENCHMARKS.md): 200 connections in at most 1 s.

mod common;

use std::sync::Arc;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use jira_connect::core::config::ConfigStore;
use jira_connect::core::jira::JiraClient;
use jira_connect::core::secrets::{MemoryStore, SecretStore};
use jira_connect::core::service::Connections;
use secrecy::SecretString;
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SITES: usize = 20;
const DELAY: Duration = Duration::from_millis(100);

async fn slow_jira() -> MockServer {
    let server = MockServer::builder()
        .disable_request_recording()
        .start()
        .await;
    let user = serde_json::json!({"accountId": "5b10a2844c20165700ede21g",
        "displayName": "Mia Krystof", "emailAddress": "mia@example.com", "active": true});
    Mock::given(method("GET"))
        .and(path_regex("/rest/api/3/myself$"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(user)
                .set_delay(DELAY),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("/rest/api/3/serverInfo$"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(serde_json::json!({"version": "1001.0.0"}))
                .set_delay(DELAY),
        )
        .mount(&server)
        .await;
    server
}

fn check_all(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let sites: Vec<MockServer> = runtime.block_on(async {
        let mut sites = Vec::new();
        for _ in 0..SITES {
            sites.push(slow_jira().await);
        }
        sites
    });

    let mut group = c.benchmark_group("check_all");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));
    for n in [10, 100, 200, 1000] {
        let dir = tempfile::tempdir().unwrap();
        let secrets = Arc::new(MemoryStore::new());
        let svc = Arc::new(Connections::new(
            ConfigStore::new(dir.path()),
            secrets.clone(),
            JiraClient::new(Duration::from_secs(30)).unwrap(),
        ));
        let connections: Vec<_> = (0..n)
            .map(|i| common::connection(i, &sites[i % SITES].uri()))
            .collect();
        for c in &connections {
            secrets.set(&c.id, &SecretString::from("token")).unwrap();
        }
        svc.config()
            .update(|cfg| {
                cfg.connections = connections;
                Ok(())
            })
            .unwrap();
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, &n| {
            b.iter(|| {
                let reports = runtime.block_on(svc.check_many(svc.list().unwrap()));
                assert_eq!(reports.len(), n);
                assert!(reports.iter().all(|r| r.result.is_ok()));
            })
        });
    }
    group.finish();
    drop(sites);
}

criterion_group!(benches, check_all);
criterion_main!(benches);
