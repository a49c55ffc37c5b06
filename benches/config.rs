//! Loading and saving `connections.toml` with 1,000 connections, far more than anyone keeps,
//! parsed whole by the `toml` crate.
//!
//! Target (see BENCHMARKS.md): 15 ms or less each.
//! - `load_1000`: a store that has never seen the file reads and parses it (cold).
//! - `save_1000`: the whole public write path, `ConfigStore::update` (lock, re-read,
//!   change, serialise, temp file, fsync, rename, fsync of the directory), on a store that
//!   has read the file before, as the app and the CLI always have.
//! - `save_1000_cold`: the same on a store that has never seen the file.
//! - `toml_parse_floor`: the `toml` crate parsing the same bytes into a generic table, the
//!   anchor for what any load of this file costs.

mod common;

use criterion::{Criterion, criterion_group, criterion_main};
use jira_connect::core::config::ConfigStore;

const CONNECTIONS: usize = 1_000;

fn config(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let store = ConfigStore::new(dir.path());
    store
        .update(|cfg| {
            cfg.connections = (0..CONNECTIONS)
                .map(|i| common::connection(i, &format!("https://site{i}.atlassian.net")))
                .collect();
            Ok(())
        })
        .unwrap();
    let text = std::fs::read_to_string(store.path()).unwrap();
    eprintln!(
        "connections.toml with {CONNECTIONS} connections: {} bytes",
        text.len()
    );

    let mut group = c.benchmark_group("config");
    group.sample_size(20);
    group.bench_function("load_1000", |b| {
        b.iter(|| {
            let cfg = ConfigStore::new(dir.path()).load().unwrap();
            assert_eq!(cfg.connections.len(), CONNECTIONS);
            cfg
        })
    });
    // A real change each time, so that every iteration writes different bytes.
    let mut flip = false;
    group.bench_function("save_1000", |b| {
        b.iter(|| {
            flip = !flip;
            store
                .update(|cfg| {
                    cfg.check_on_launch = flip;
                    Ok(())
                })
                .unwrap()
        })
    });
    group.bench_function("save_1000_cold", |b| {
        b.iter(|| {
            flip = !flip;
            ConfigStore::new(dir.path())
                .update(|cfg| {
                    cfg.check_on_launch = flip;
                    Ok(())
                })
                .unwrap()
        })
    });
    group.bench_function("toml_parse_floor", |b| {
        b.iter(|| toml::from_str::<toml::Table>(&text).unwrap())
    });
    group.finish();
}

criterion_group!(benches, config);
criterion_main!(benches);
