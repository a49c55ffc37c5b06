//! The documents that point into the code stay true to it: every path ARCHITECTURE.md names
//! exists, and so does every function its flows name; every test SECURITY.md names exists.

use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(name: &str) -> String {
    std::fs::read_to_string(root().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The text between backquotes, outside code blocks.
fn quoted(text: &str) -> Vec<String> {
    let mut in_block = false;
    let mut found = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_block = !in_block;
            continue;
        }
        if !in_block {
            found.extend(line.split('`').skip(1).step_by(2).map(str::to_string));
        }
    }
    found
}

/// A path in the repository, as a document writes it: relative, with a `/`, no spaces.
fn is_repo_path(text: &str) -> bool {
    text.contains('/')
        && !text.starts_with('/')
        && !text.contains(char::is_whitespace)
        && !text.contains("://")
        && !text.contains(['{', '<', '*', '$'])
}

/// Every `.rs` file below `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().map(Result::unwrap) {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The text of every Rust file below the folders `dirs`.
fn sources(dirs: &[&str]) -> String {
    let mut files = Vec::new();
    for dir in dirs {
        rust_files(&root().join(dir), &mut files);
    }
    files
        .iter()
        .map(|f| std::fs::read_to_string(f).unwrap())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether `code` defines the function `name`.
fn defines_fn(code: &str, name: &str) -> bool {
    code.match_indices(&format!("fn {name}")).any(|(i, m)| {
        let next = code[i + m.len()..].chars().next();
        matches!(next, Some('(' | '<'))
    })
}

#[test]
fn every_path_in_architecture_md_exists() {
    let text = read("ARCHITECTURE.md");
    let paths: Vec<String> = quoted(&text)
        .into_iter()
        .filter(|q| is_repo_path(q))
        .collect();
    assert!(paths.len() > 50, "too few paths found: {paths:?}");
    let missing: Vec<&String> = paths
        .iter()
        .filter(|p| !root().join(p.trim_end_matches('/')).exists())
        .collect();
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md names paths that do not exist: {missing:?}"
    );
}

#[test]
fn every_function_in_architecture_md_exists() {
    let text = read("ARCHITECTURE.md");
    let code = sources(&["src"]);
    // `Type::function` and `module::function`: the function is defined in src/.
    let named: Vec<String> = quoted(&text)
        .into_iter()
        .filter(|q| q.contains("::") && !q.contains(['/', ' ', '(', '!']))
        .collect();
    assert!(named.len() > 40, "too few functions found: {named:?}");
    let missing: Vec<&String> = named
        .iter()
        .filter(|q| {
            let last = q.rsplit("::").next().unwrap_or_default();
            let is_fn = last.starts_with(|c: char| c.is_ascii_lowercase());
            // A type or a variant (`Event::Saved`) is only looked for as a word.
            !is_fn && !code.contains(last) || is_fn && !defines_fn(&code, last)
        })
        .collect();
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md names functions that do not exist: {missing:?}"
    );
}

#[test]
fn every_test_security_md_names_exists() {
    let text = read("SECURITY.md");
    let code = sources(&["src", "tests"]);
    let named: Vec<String> = quoted(&text)
        .into_iter()
        .filter_map(|q| {
            let (file, test) = q.split_once(".rs::")?;
            let plain =
                !file.contains(' ') && test.chars().all(|c| c == '_' || c.is_ascii_alphanumeric());
            (plain && test != "tests").then(|| test.to_string())
        })
        .collect();
    assert!(named.len() > 20, "too few tests found: {named:?}");
    let missing: Vec<&String> = named.iter().filter(|t| !defines_fn(&code, t)).collect();
    assert!(
        missing.is_empty(),
        "SECURITY.md names tests that do not exist: {missing:?}"
    );
}

/// Every file below `dir` (recursively), as a path relative to the repository.
fn files_below(dir: &str) -> Vec<String> {
    fn walk(path: &Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(path).unwrap().map(Result::unwrap) {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                let relative = path.strip_prefix(root()).unwrap();
                out.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut out = Vec::new();
    walk(&root().join(dir), &mut out);
    out.sort();
    out
}

#[test]
fn architecture_md_maps_every_source_file_test_and_script() {
    let text = read("ARCHITECTURE.md");
    let named = quoted(&text);
    let mut unmapped = Vec::new();
    for dir in ["src", "tests", "scripts"] {
        for file in files_below(dir) {
            let is_code = file.ends_with(".rs") || file.ends_with(".sh") || file.ends_with(".py");
            let fixture = file.starts_with("tests/fixtures/");
            if is_code && !fixture && !named.iter().any(|q| q == &file) {
                unmapped.push(file);
            }
        }
    }
    assert!(
        unmapped.is_empty(),
        "ARCHITECTURE.md's code map leaves out: {unmapped:?}"
    );
}
