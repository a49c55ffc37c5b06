//! The built binary, run as a user would, against a loopback mock Jira and the real OS
//! keyring (Secret Service). Each test has its own config directory; the keyring entries
//! are keyed by random connection ids, so tests do not collide.

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use serde_json::Value;
use wiremock::matchers::{bearer_token, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::*;

pub fn bin(config: &Path) -> Command {
    let mut cmd = Command::cargo_bin("jira-connect").unwrap();
    cmd.env("JIRA_CONNECT_CONFIG_DIR", config)
        .env("NO_COLOR", "1")
        .env_remove("RUST_LOG");
    cmd
}

pub fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

fn run(cmd: &mut Command, stdin: &str) -> Output {
    cmd.write_stdin(stdin.to_string()).output().unwrap()
}

fn list_json(config: &Path) -> Vec<Value> {
    let out = run(bin(config).args(["list", "--json"]), "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    serde_json::from_slice::<Vec<Value>>(&out.stdout).unwrap()
}

fn add_cloud(config: &Path, url: &str, name: &str, token: &str) -> Output {
    run(
        bin(config).args([
            "add",
            "--url",
            url,
            "--name",
            name,
            "--cloud",
            "--email",
            EMAIL,
            "--token-label",
            "ci",
            "--expires",
            "2099-01-31",
        ]),
        &format!("{token}\n"),
    )
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the OS keyring: scripts/test.sh runs it"]
async fn add_list_check_replace_token_remove() {
    require_os_keyring();
    let jira = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path();

    let out = add_cloud(cfg, &jira.uri(), "acme", TOKEN);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("✓ Connected to"), "{stdout}");
    assert!(
        stdout.contains("as Mia Krystof (mia@example.com)"),
        "{stdout}"
    );
    assert!(stdout.contains("Token expires 2099-01-31"), "{stdout}");

    let list = list_json(cfg);
    assert_eq!(list.len(), 1);
    let c = &list[0];
    for key in [
        "name",
        "url",
        "deployment",
        "auth",
        "login",
        "token_label",
        "token_created",
        "token_expires",
        "status",
        "last_check",
    ] {
        assert!(c.get(key).is_some(), "missing {key} in {c}");
    }
    assert_eq!(c["name"], "acme");
    assert_eq!(c["deployment"], "cloud");
    assert_eq!(c["auth"], "api-token");
    assert_eq!(c["login"], EMAIL);
    assert_eq!(c["token_label"], "ci");
    assert_eq!(c["token_expires"], "2099-01-31");
    assert_eq!(c["status"], "valid");
    assert_eq!(c["last_check"]["outcome"], "valid");
    assert_eq!(c["last_check"]["display_name"], "Mia Krystof");
    assert_eq!(c["last_check"]["account_id"], "5b10a2844c20165700ede21g");
    assert_eq!(c["last_check"]["server_version"], "1001.0.0");

    let human = run(bin(cfg).arg("list"), "");
    let human = text(&human.stdout);
    assert!(human.starts_with("NAME"), "{human}");
    assert!(human.contains("✓ valid"), "{human}");

    let out = run(bin(cfg).arg("token").arg("acme"), "");
    assert_eq!(text(&out.stdout), format!("{TOKEN}\n"));

    let out = run(bin(cfg).args(["check", "--json"]), "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let checks: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(checks[0]["name"], "acme");
    assert_eq!(checks[0]["status"], "valid");
    assert!(
        checks[0]["message"]
            .as_str()
            .unwrap()
            .contains("Mia Krystof")
    );

    // A wrong new token is refused and the old one keeps working.
    let out = run(bin(cfg).args(["replace-token", "acme"]), "wrong-token\n");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("Jira rejected the email and token"),
        "{}",
        text(&out.stderr)
    );
    let out = run(bin(cfg).arg("token").arg("acme"), "");
    assert_eq!(text(&out.stdout), format!("{TOKEN}\n"));

    // Atlassian now accepts the new token.
    jira.reset().await;
    let rotated = jira_basic(3, EMAIL, NEW_TOKEN, cloud_user()).await;
    let text_cfg = std::fs::read_to_string(cfg.join("connections.toml")).unwrap();
    std::fs::write(
        cfg.join("connections.toml"),
        text_cfg.replace(&jira.uri(), &rotated.uri()),
    )
    .unwrap();
    let out = run(
        bin(cfg).args([
            "replace-token",
            "acme",
            "--expires",
            "2099-06-30",
            "--token-label",
            "rotated",
        ]),
        &format!("{NEW_TOKEN}\n"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("The old token still works until you revoke it"),
        "{stdout}"
    );
    assert!(
        stdout.contains("https://id.atlassian.com/manage-profile/security/api-tokens"),
        "{stdout}"
    );
    let out = run(bin(cfg).arg("token").arg("acme"), "");
    assert_eq!(text(&out.stdout), format!("{NEW_TOKEN}\n"));
    // The same again for a script: one JSON document on stdout, nothing else there.
    let out = run(
        bin(cfg).args([
            "replace-token",
            "acme",
            "--json",
            "--expires",
            "2099-06-30",
            "--token-label",
            "rotated",
        ]),
        &format!("{NEW_TOKEN}\n"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let replaced: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(replaced["name"], "acme");
    assert_eq!(replaced["status"], "valid");
    assert_eq!(list_json(cfg)[0]["token_expires"], "2099-06-30");
    assert_eq!(list_json(cfg)[0]["token_label"], "rotated");

    let out = run(bin(cfg).args(["remove", "acme", "--yes"]), "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("does not revoke the token at Atlassian"),
        "{stdout}"
    );
    assert!(
        stdout.contains("https://id.atlassian.com/manage-profile/security/api-tokens"),
        "{stdout}"
    );
    assert!(list_json(cfg).is_empty());
    let out = run(bin(cfg).arg("token").arg("acme"), "");
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown name is a usage error"
    );
    assert!(out.stdout.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the OS keyring: scripts/test.sh runs it"]
async fn wrong_token_on_add_exits_1_and_saves_nothing() {
    require_os_keyring();
    let jira = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    let dir = tempfile::tempdir().unwrap();
    let out = add_cloud(dir.path(), &jira.uri(), "acme", "wrong");
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("Jira rejected the email and token"),
        "{stderr}"
    );
    assert!(stderr.contains("Nothing was saved"), "{stderr}");
    assert!(list_json(dir.path()).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the OS keyring: scripts/test.sh runs it"]
async fn data_center_pat_with_inferred_deployment() {
    require_os_keyring();
    let jira = jira_bearer(PAT).await;
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        bin(dir.path()).args([
            "add",
            "--url",
            &format!("{}/secure/Dashboard.jspa", jira.uri()),
            "--json",
        ]),
        &format!("{PAT}\r\n"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let added: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(added["deployment"], "data-center");
    assert_eq!(added["auth"], "pat");
    assert_eq!(added["login"], "mia");
    assert_eq!(added["url"], jira.uri());
    let name = added["name"].as_str().unwrap().to_string();
    let out = run(bin(dir.path()).args(["remove", &name, "--yes"]), "");
    assert!(out.status.success());
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the OS keyring: scripts/test.sh runs it"]
async fn check_reports_failures_with_exit_1_and_next_steps() {
    require_os_keyring();
    let jira = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path();
    assert!(add_cloud(cfg, &jira.uri(), "acme", TOKEN).status.success());
    jira.reset().await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(wiremock::ResponseTemplate::new(401))
        .mount(&jira)
        .await;
    let out = run(bin(cfg).arg("check"), "");
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("X Jira rejected the email and token"),
        "{stdout}"
    );
    assert!(
        stdout.contains("- Then run: jira-connect replace-token acme"),
        "{stdout}"
    );
    assert!(
        !stdout.contains('\x1b'),
        "NO_COLOR must turn colour off: {stdout:?}"
    );
    assert_eq!(list_json(cfg)[0]["status"], "rejected");
    let out = run(bin(cfg).args(["check", "--json", "acme"]), "");
    let checks: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(checks[0]["status"], "rejected");
    assert_eq!(checks[0]["error"], "bad-credentials");
    run(bin(cfg).args(["remove", "acme", "--yes"]), "");
}

/// A Cloud page URL on a custom domain, as pasted from the browser: the probe finds Cloud
/// at the origin's root, the connection is saved at the root, and `--json` prints exactly
/// one JSON document while the notice goes to stderr.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the OS keyring: scripts/test.sh runs it"]
async fn add_takes_a_cloud_page_url_on_a_custom_domain() {
    require_os_keyring();
    let site = custom_domain_cloud().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path();
    let board = format!("{}/jira/software/projects/ABC/boards/1", site.uri());
    let out = run(
        bin(cfg).args([
            "add", "--url", &board, "--email", EMAIL, "--name", "acme", "--json",
        ]),
        &format!("{TOKEN}\n"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}): {}",
            text(&out.stdout)
        )
    });
    assert_eq!(doc["url"], site.uri());
    assert_eq!(doc["deployment"], "cloud");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(&format!("{} is an Atlassian Cloud site", site.uri())),
        "{stderr}"
    );

    // --cloud given by the user: the /jira of a page URL is not a context path either.
    let work = format!("{}/jira/your-work", site.uri());
    let out = run(
        bin(cfg).args([
            "add", "--url", &work, "--cloud", "--email", EMAIL, "--name", "acme2",
        ]),
        &format!("{TOKEN}\n"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let list = list_json(cfg);
    assert!(list.iter().all(|c| c["url"] == site.uri()), "{list:?}");
    let out = run(bin(cfg).args(["check", "--json"]), "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let checks: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(checks.iter().all(|c| c["status"] == "valid"), "{checks:?}");
    for name in ["acme", "acme2"] {
        run(bin(cfg).args(["remove", name, "--yes"]), "");
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the OS keyring: scripts/test.sh runs it"]
async fn concurrent_adds_from_several_processes_lose_nothing() {
    require_os_keyring();
    let jira = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    let dir = tempfile::tempdir().unwrap();
    let bin_path = assert_cmd::cargo::cargo_bin("jira-connect");
    let children: Vec<_> = (0..6)
        .map(|i| {
            use std::io::Write;
            let mut child = std::process::Command::new(&bin_path)
                .env("JIRA_CONNECT_CONFIG_DIR", dir.path())
                .args([
                    "add",
                    "--url",
                    &jira.uri(),
                    "--cloud",
                    "--email",
                    EMAIL,
                    "--name",
                    &format!("site{i}"),
                ])
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            child
                .stdin
                .take()
                .unwrap()
                .write_all(format!("{TOKEN}\n").as_bytes())
                .unwrap();
            child
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let mut names: Vec<String> = list_json(dir.path())
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    assert_eq!(
        names,
        (0..6).map(|i| format!("site{i}")).collect::<Vec<_>>()
    );
    for name in names {
        let out = run(bin(dir.path()).arg("token").arg(&name), "");
        assert_eq!(text(&out.stdout), format!("{TOKEN}\n"));
        run(bin(dir.path()).args(["remove", &name, "--yes"]), "");
    }
}

#[test]
fn secrets_are_never_taken_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    for flag in ["--token", "--password", "--secret", "--api-token"] {
        let out = run(
            bin(dir.path()).args([
                "add",
                "--url",
                "acme.atlassian.net",
                "--email",
                EMAIL,
                flag,
                TOKEN,
            ]),
            "",
        );
        assert_eq!(out.status.code(), Some(2), "{flag} must not exist");
        assert!(!dir.path().join("connections.toml").exists());
    }
    let help = run(bin(dir.path()).args(["add", "--help"]), "");
    let help = text(&help.stdout);
    assert!(help.contains("--email"), "{help}");
    assert!(!help.contains("--token "), "{help}");
}

#[test]
fn usage_errors_exit_2_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let cases: &[(&[&str], &str)] = &[
        (&["add"], "--url"),
        (
            &["add", "--url", "http://jira.corp.example"],
            "--allow-http",
        ),
        (
            &["add", "--url", "acme.atlassian.net"],
            "email address of your Atlassian account",
        ),
        (
            &[
                "add",
                "--url",
                "acme.atlassian.net",
                "--email",
                EMAIL,
                "--expires",
                "31.01.2099",
            ],
            "YYYY-MM-DD",
        ),
        (
            &[
                "add",
                "--url",
                "acme.atlassian.net",
                "--email",
                EMAIL,
                "--name",
                "my site",
            ],
            "' ' is not allowed",
        ),
        (
            &[
                "add",
                "--url",
                "acme.atlassian.net",
                "--email",
                EMAIL,
                "--name=--help",
            ],
            "must not start with '-'",
        ),
        (
            &[
                "add",
                "--url",
                "acme.atlassian.net",
                "--cloud",
                "--data-center",
            ],
            "cannot be used with",
        ),
        (&["remove", "nope", "--yes"], "connection named \"nope\""),
        (&["token", "nope"], "connection named \"nope\""),
        (&["check", "nope"], "connection named \"nope\""),
        (&["--timeout", "0", "list"], "timeout"),
    ];
    for (args, want) in cases {
        let out = run(bin(dir.path()).args(*args), "");
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).contains(want),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn remove_without_yes_on_a_pipe_refuses_to_guess() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("connections.toml"),
        "version = 1\n[[connection]]\nid = \"abc\"\nname = \"acme\"\nurl = \"https://acme.atlassian.net\"\ndeployment = \"cloud\"\nauth = \"api-token\"\n",
    )
    .unwrap();
    let out = run(bin(dir.path()).args(["remove", "acme"]), "y\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--yes"), "{}", text(&out.stderr));
    assert_eq!(list_json(dir.path()).len(), 1);
}

#[test]
fn list_reads_the_config_without_a_keyring() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("connections.toml"),
        "version = 1\n[[connection]]\nid = \"abc\"\nname = \"acme\"\nurl = \"https://acme.atlassian.net\"\ndeployment = \"cloud\"\nauth = \"api-token\"\nlogin = \"mia@example.com\"\ntoken_expires = 2000-01-01\n",
    )
    .unwrap();
    // No D-Bus session at all: list must still work, because it never opens the keyring.
    let out = run(
        bin(dir.path())
            .arg("list")
            .env_remove("DBUS_SESSION_BUS_ADDRESS"),
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("X expired"), "{stdout}");
    let empty = tempfile::tempdir().unwrap();
    let out = run(bin(empty.path()).arg("list"), "");
    assert!(
        text(&out.stdout).contains("No connections yet"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn a_corrupt_config_fails_loudly_and_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("connections.toml");
    std::fs::write(&path, "version = 1\n[[connection]\n").unwrap();
    let out = run(bin(dir.path()).arg("list"), "");
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains(&path.display().to_string()), "{stderr}");
    assert!(stderr.contains("will not overwrite"), "{stderr}");
    // Said once, and not as an interrupted change: nothing was interrupted.
    assert_eq!(stderr.matches("cannot be read").count(), 1, "{stderr}");
    assert!(!stderr.contains("interrupted"), "{stderr}");
    // The parser's report keeps its lines: where it is, then the caret under the column.
    let lines: Vec<&str> = stderr.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.contains("TOML parse error at line 2, column"))
        .unwrap_or_else(|| panic!("no line/column line: {stderr}"));
    assert!(
        lines[at..]
            .iter()
            .any(|l| l.trim_start().starts_with("2 | [[connection]")),
        "{stderr}"
    );
    assert!(
        lines[at..].iter().any(|l| l.trim_end().ends_with('^')),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "version = 1\n[[connection]\n"
    );
    // --json: exactly one JSON document on stdout, naming the kind.
    let out = run(bin(dir.path()).args(["list", "--json"]), "");
    assert_eq!(out.status.code(), Some(1));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["error"]["kind"], "config-corrupt");
}

/// A config directory that another user owns could be swapped under us: refused, with
/// nothing read or written there.
#[cfg(unix)]
#[test]
fn a_config_directory_owned_by_someone_else_is_refused() {
    use std::os::unix::fs::MetadataExt;
    let dir = tempfile::tempdir().unwrap();
    let theirs = dir.path().join("theirs");
    std::fs::create_dir(&theirs).unwrap();
    std::fs::write(theirs.join("connections.toml"), "version = 1\n").unwrap();
    let me = std::fs::metadata(dir.path()).unwrap().uid();
    // As root, give it to nobody; otherwise `/` already belongs to someone else.
    let theirs = if me == 0 {
        std::os::unix::fs::chown(&theirs, Some(65534), Some(65534)).unwrap();
        theirs
    } else {
        std::path::PathBuf::from("/")
    };
    let before = std::fs::metadata(&theirs).unwrap();
    let out = run(bin(&theirs).arg("list"), "");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("is not safe to use"), "{stderr}");
    assert!(stderr.contains("belongs to another user"), "{stderr}");
    assert_eq!(
        stderr.matches("is not safe to use").count(),
        1,
        "said once: {stderr}"
    );
    let after = std::fs::metadata(&theirs).unwrap();
    assert_eq!(
        before.mode(),
        after.mode(),
        "its permissions were left alone"
    );
}

/// A reader that has gone away (`jira-connect list | head -0`) is not a crash.
#[test]
fn a_closed_stdout_is_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let mut toml = String::from("version = 1\n");
    for i in 0..50 {
        toml.push_str(&format!(
            "[[connection]]\nid = \"id{i}\"\nname = \"acme{i}\"\n\
             url = \"https://acme{i}.atlassian.net\"\ndeployment = \"cloud\"\n\
             auth = \"api-token\"\nlogin = \"mia@example.com\"\n"
        ));
    }
    std::fs::write(dir.path().join("connections.toml"), toml).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let private = |p: &Path, mode| {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap()
        };
        private(dir.path(), 0o700);
        private(&dir.path().join("connections.toml"), 0o600);
    }
    for args in [&["list"][..], &["list", "--json"][..]] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader); // Gone before the first byte is written.
        let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("jira-connect"))
            .args(args)
            .env("JIRA_CONNECT_CONFIG_DIR", dir.path())
            .env("NO_COLOR", "1")
            .env_remove("RUST_LOG")
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(stderr.is_empty(), "{args:?}: quiet, but said {stderr:?}");
    }
}

#[cfg(unix)]
#[test]
fn loose_config_permissions_are_tightened_with_a_notice() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("cfg");
    std::fs::create_dir(&cfg).unwrap();
    std::fs::write(cfg.join("connections.toml"), "version = 1\n").unwrap();
    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(
        cfg.join("connections.toml"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let out = run(bin(&cfg).arg("list"), "");
    assert!(out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("was readable by others (mode 644); tightened it to 600"),
        "{stderr}"
    );
    assert!(
        stderr.contains("(mode 755); tightened it to 700"),
        "{stderr}"
    );
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&cfg), 0o700);
    assert_eq!(mode(&cfg.join("connections.toml")), 0o600);
}

/// No Secret Service at all: a specific message with the platform's fix, and nothing saved.
#[tokio::test(flavor = "multi_thread")]
async fn an_absent_keyring_says_how_to_fix_it_and_saves_nothing() {
    let jira = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        bin(dir.path())
            .env(
                "DBUS_SESSION_BUS_ADDRESS",
                "unix:path=/nonexistent/jira-connect-test-bus",
            )
            .args([
                "add",
                "--url",
                &jira.uri(),
                "--cloud",
                "--name",
                "acme",
                "--email",
                EMAIL,
            ]),
        &format!("{TOKEN}\n"),
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    if cfg!(target_os = "linux") {
        assert!(stderr.contains("OS keyring is not available"), "{stderr}");
        assert!(stderr.contains("gnome-keyring or KeePassXC"), "{stderr}");
    }
    assert!(list_json(dir.path()).is_empty(), "nothing half-saved");
    assert!(
        !dir.path().join("connections.toml").exists()
            || !std::fs::read_to_string(dir.path().join("connections.toml"))
                .unwrap()
                .contains(TOKEN)
    );
}

/// JIRA_CONNECT_API_GATEWAY cannot send scoped tokens to another host: only a loopback
/// gateway is accepted from the environment, and nothing is sent anywhere otherwise.
#[tokio::test(flavor = "multi_thread")]
async fn the_gateway_variable_accepts_only_a_loopback_address() {
    let (site, _gateway) = scoped_site_and_gateway().await;
    let dir = tempfile::tempdir().unwrap();
    for remote in [
        "https://gateway.example",
        "http://jira.localhost:9",
        "https://10.0.0.1",
    ] {
        let out = run(
            bin(dir.path())
                .env("JIRA_CONNECT_API_GATEWAY", remote)
                .args(["add", "--url", &site.uri(), "--email", EMAIL, "--scoped"]),
            &format!("{TOKEN}\n"),
        );
        assert_eq!(
            out.status.code(),
            Some(2),
            "{remote}: {}",
            text(&out.stderr)
        );
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains("JIRA_CONNECT_API_GATEWAY") && stderr.contains("loopback"),
            "{stderr}"
        );
        assert!(!stderr.contains(TOKEN), "{stderr}");
    }
    assert!(
        site.received_requests()
            .await
            .unwrap_or_default()
            .is_empty(),
        "nothing was sent"
    );
}

/// What a server echoes of the credentials is redacted from the error that is printed.
#[tokio::test(flavor = "multi_thread")]
async fn an_echoed_token_is_redacted_from_the_printed_error() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let jira = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/rest/api/2/myself"))
        .respond_with(ResponseTemplate::new(403).set_body_json(serde_json::json!({
            "message": format!("invalid bearer {PAT}\u{1b}]0;pwned\u{7}"),
        })))
        .mount(&jira)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let out = run(
        bin(dir.path()).args(["add", "--url", &jira.uri(), "--data-center", "--json"]),
        &format!("{PAT}\n"),
    );
    assert_eq!(out.status.code(), Some(1));
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(all.contains("invalid bearer [redacted]]0;pwned"), "{all}");
    assert!(!all.contains(PAT), "{all}");
    assert!(!all.contains('\u{1b}') && !all.contains('\u{7}'), "{all:?}");
}

/// A line break inside a secret is refused before any request reaches Jira.
#[tokio::test(flavor = "multi_thread")]
async fn control_characters_in_a_secret_never_reach_the_wire() {
    let jira = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    let dir = tempfile::tempdir().unwrap();
    // stdin gives the first line; a CR inside it survives line splitting.
    let out = run(
        bin(dir.path()).args(["add", "--url", &jira.uri(), "--cloud", "--email", EMAIL]),
        &format!("{TOKEN}\rX-Injected: 1\n"),
    );
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("line break or another control character"));
    assert!(
        jira.received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
    );
    let long = "x".repeat(8 * 1024 + 1);
    let out = run(
        bin(dir.path()).args(["add", "--url", &jira.uri(), "--cloud", "--email", EMAIL]),
        &format!("{long}\n"),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("longer than 8192 bytes"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        jira.received_requests()
            .await
            .unwrap_or_default()
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the OS keyring: scripts/test.sh runs it"]
async fn exec_hands_the_connection_to_a_command_and_passes_its_exit_code_back() {
    require_os_keyring();
    let jira = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    let dc = jira_bearer(PAT).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("cfg");
    assert!(add_cloud(&cfg, &jira.uri(), "acme", TOKEN).status.success());
    let out = run(
        bin(&cfg).args(["add", "--url", &dc.uri(), "--name", "corp"]),
        &format!("{PAT}\n"),
    );
    assert!(out.status.success(), "{}", text(&out.stderr));

    let seen = dir.path().join("seen");
    // The child writes what it got, and its own command line, then exits 7.
    let script = format!(
        r#"printf '%s\n%s\n%s\n%s\n' "$JIRA_URL" "$JIRA_USER" "$JIRA_API_TOKEN" "$JIRA_AUTH_TYPE" > "{seen}"; tr '\0' ' ' < /proc/$$/cmdline > "{seen}.argv"; exit 7"#,
        seen = seen.display()
    );
    let out = run(
        bin(&cfg).args(["exec", "acme", "--", "sh", "-c", &script]),
        "",
    );
    assert_eq!(out.status.code(), Some(7), "{}", text(&out.stderr));
    let env = std::fs::read_to_string(&seen).unwrap();
    assert_eq!(env, format!("{}\n{EMAIL}\n{TOKEN}\nbasic\n", jira.uri()));
    let argv = std::fs::read_to_string(format!("{}.argv", seen.display())).unwrap();
    assert!(argv.contains("sh -c"), "{argv}");
    assert!(
        !argv.contains(TOKEN),
        "the token is not on the child's command line: {argv}"
    );

    let out = run(
        bin(&cfg).args(["exec", "corp", "--", "sh", "-c", &script]),
        "",
    );
    assert_eq!(out.status.code(), Some(7));
    let env = std::fs::read_to_string(&seen).unwrap();
    assert_eq!(env, format!("{}\nmia\n{PAT}\nbearer\n", dc.uri()));

    let out = run(
        bin(&cfg).args(["exec", "acme", "--", "no-such-command-jira-connect"]),
        "",
    );
    assert_eq!(out.status.code(), Some(127));
    assert!(
        text(&out.stderr).contains("cannot run"),
        "{}",
        text(&out.stderr)
    );
    let out = run(bin(&cfg).args(["exec", "nope", "--", "true"]), "");
    assert_eq!(out.status.code(), Some(2));
    let out = run(bin(&cfg).args(["exec", "acme", "true"]), "");
    assert_eq!(out.status.code(), Some(2), "the command goes after --");

    for name in ["acme", "corp"] {
        run(bin(&cfg).args(["remove", name, "--yes"]), "");
    }
}

/// A jira-cli config for `server`, and a clean environment for the importer.
fn jira_cli_setup(
    dir: &Path,
    server: &str,
    login: &str,
) -> (std::path::PathBuf, std::path::PathBuf) {
    let config = dir.join("jira-cli.yml");
    std::fs::write(
        &config,
        format!("auth_type: basic\ninstallation: Cloud\nlogin: {login}\nproject:\n  key: ABC\nserver: {server}\n"),
    )
    .unwrap();
    (config, dir.join("netrc"))
}

fn import_cmd(cfg: &Path, config: &Path, netrc: &Path) -> Command {
    let mut cmd = bin(cfg);
    cmd.env("NETRC", netrc)
        .env_remove("JIRA_API_TOKEN")
        .args(["import", "jira-cli", "--name", "acme", "--config"])
        .arg(config);
    cmd
}

/// `--remove-netrc` on a dotfiles-style `.netrc`: a symlink to a CRLF file where the Jira
/// entry shares its host with another login and its line with another machine, between
/// comments and a macro. Exactly that entry goes, at the link's target, and the link stays.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the OS keyring: scripts/test.sh runs it"]
async fn remove_netrc_deletes_exactly_the_entry_used_through_a_symlink() {
    use std::os::unix::fs::PermissionsExt;
    require_os_keyring();
    let jira = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    let dir = tempfile::tempdir().unwrap();
    let (config, link) = jira_cli_setup(dir.path(), &jira.uri(), EMAIL);
    let host = "127.0.0.1";
    let before = format!(
        "# work\r\n\
         machine {host} login ops@example.com password 0ps-t0ken\r\n\
         machine gh.example login g password ghp_keep machine {host} login {EMAIL} password {TOKEN}\r\n\
         \r\n\
         # after the entry, kept\r\n\
         macdef init\r\ncd /pub\r\n\r\n\
         default login anonymous password guest\r\n"
    );
    let want = format!(
        "# work\r\n\
         machine {host} login ops@example.com password 0ps-t0ken\r\n\
         machine gh.example login g password ghp_keep\r\n\
         \r\n\
         # after the entry, kept\r\n\
         macdef init\r\ncd /pub\r\n\r\n\
         default login anonymous password guest\r\n"
    );
    let dotfiles = dir.path().join("dotfiles");
    std::fs::create_dir(&dotfiles).unwrap();
    let target = dotfiles.join("netrc");
    std::fs::write(&target, &before).unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::os::unix::fs::symlink(&target, &link).unwrap();

    let cfg = dir.path().join("cfg");
    let out = run(import_cmd(&cfg, &config, &link).arg("--remove-netrc"), "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Deleted the entry for 127.0.0.1"));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), want);
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    run(bin(&cfg).args(["remove", "acme", "--yes"]), "");

    // Two identical entries: removing one would leave the token readable, so nothing is
    // removed, and nothing is said to be.
    let twice = format!(
        "machine {host} login {EMAIL} password {TOKEN}\nmachine {host} login {EMAIL} password {TOKEN}\n"
    );
    std::fs::write(&target, &twice).unwrap();
    let cfg = dir.path().join("cfg2");
    let out = run(import_cmd(&cfg, &config, &link).arg("--remove-netrc"), "");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        !text(&out.stdout).contains("Deleted"),
        "{}",
        text(&out.stdout)
    );
    let stderr = text(&out.stderr);
    assert!(stderr.contains("was not changed"), "{stderr}");
    assert!(stderr.contains("by hand"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&target).unwrap(), twice);
    run(bin(&cfg).args(["remove", "acme", "--yes"]), "");
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the OS keyring: scripts/test.sh runs it"]
async fn import_from_jira_cli_takes_the_token_from_each_source() {
    require_os_keyring();
    // 1. JIRA_API_TOKEN
    let jira = jira_basic(3, EMAIL, TOKEN, cloud_user()).await;
    let dir = tempfile::tempdir().unwrap();
    let (config, netrc) = jira_cli_setup(dir.path(), &jira.uri(), EMAIL);
    let cfg = dir.path().join("env");
    let out = run(
        import_cmd(&cfg, &config, &netrc).env("JIRA_API_TOKEN", TOKEN),
        "",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("Found its token in JIRA_API_TOKEN"),
        "{}",
        text(&out.stdout)
    );
    let list = list_json(&cfg);
    assert_eq!(list[0]["deployment"], "cloud");
    assert_eq!(list[0]["login"], EMAIL);
    assert_eq!(
        text(&run(bin(&cfg).args(["token", "acme"]), "").stdout),
        format!("{TOKEN}\n")
    );
    run(bin(&cfg).args(["remove", "acme", "--yes"]), "");

    // 2. ~/.netrc, and the plaintext entry is deleted on request; others stay.
    std::fs::write(
        &netrc,
        format!("machine other.example login bob password b0b\nmachine 127.0.0.1 login {EMAIL} password {TOKEN}\n"),
    )
    .unwrap();
    let cfg = dir.path().join("netrc-cfg");
    let out = run(import_cmd(&cfg, &config, &netrc).arg("--remove-netrc"), "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains(&format!("Found its token in {}", netrc.display())),
        "{}",
        text(&out.stdout)
    );
    let left = std::fs::read_to_string(&netrc).unwrap();
    assert!(!left.contains(TOKEN), "{left}");
    assert!(
        left.contains("machine other.example login bob password b0b"),
        "{left}"
    );
    assert_eq!(
        text(&run(bin(&cfg).args(["token", "acme"]), "").stdout),
        format!("{TOKEN}\n")
    );
    run(bin(&cfg).args(["remove", "acme", "--yes"]), "");

    // 3. jira-cli's keyring entry (service jira-cli, user = login), written by libsecret.
    let login = format!("import-{}@example.com", std::process::id());
    let other = jira_basic(3, &login, TOKEN, cloud_user()).await;
    let (config, netrc) = jira_cli_setup(dir.path(), &other.uri(), &login);
    std::fs::write(&netrc, "").unwrap();
    let stored = std::process::Command::new("secret-tool")
        .args([
            "store",
            "--label=jira-cli test",
            "service",
            "jira-cli",
            "username",
            &login,
        ])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(TOKEN.as_bytes())?;
            child.wait()
        });
    assert!(
        stored.is_ok_and(|s| s.success()),
        "secret-tool could not write jira-cli's entry"
    );
    let cfg = dir.path().join("keyring-cfg");
    let out = run(&mut import_cmd(&cfg, &config, &netrc), "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("Found its token in jira-cli's keyring entry"));
    run(bin(&cfg).args(["remove", "acme", "--yes"]), "");
    let _ = std::process::Command::new("secret-tool")
        .args(["clear", "service", "jira-cli", "username", &login])
        .status();

    // 4. No token anywhere: a clear error, nothing saved.
    let cfg = dir.path().join("none-cfg");
    let out = run(&mut import_cmd(&cfg, &config, &netrc), "");
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("in JIRA_API_TOKEN, ~/.netrc or jira-cli's keyring entry"),
        "{stderr}"
    );
    assert!(list_json(&cfg).is_empty());
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the OS keyring: scripts/test.sh runs it"]
async fn scoped_tokens_confluence_and_exec_from_the_command_line() {
    require_os_keyring();
    let (site, gateway) = scoped_site_and_gateway().await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("cfg");
    let cli = || {
        let mut cmd = bin(&cfg);
        cmd.env("JIRA_CONNECT_API_GATEWAY", gateway.uri());
        cmd
    };

    // No --cloud: the site's tenant_info says it is Cloud; --scoped sends the token to the
    // gateway only.
    let out = run(
        cli().args([
            "add",
            "--url",
            &site.uri(),
            "--name",
            "acme",
            "--email",
            EMAIL,
            "--scoped",
        ]),
        &format!("{TOKEN}\n"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // A notice about the run, so on stderr; the result is on stdout.
    assert!(
        text(&out.stderr).contains("is an Atlassian Cloud site"),
        "{}",
        text(&out.stderr)
    );
    let stdout = text(&out.stdout);
    assert!(stdout.contains("Connected to Jira Cloud"), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "requests go through {}/ex/jira/{CLOUD_ID}",
            gateway.uri()
        )),
        "{stdout}"
    );
    assert_eq!(authorised_requests(&site).await, 0);

    let out = run(cli().args(["link-confluence", "acme", "--json"]), "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let linked: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(linked["name"], "acme-confluence");
    assert_eq!(linked["product"], "confluence");

    let list = list_json(&cfg);
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["scoped"], true);
    assert_eq!(list[0]["cloud_id"], CLOUD_ID);
    assert_eq!(list[1]["product"], "confluence");

    let out = run(cli().args(["check", "--json"]), "");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    // The same token again, as a replacement: checked with both products, swapped into both.
    let out = run(
        cli().args(["replace-token", "acme", "--expires", "2099-12-31"]),
        &format!("{TOKEN}\n"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout)
            .contains("Replaced it for \"acme-confluence\" too, which shares it (checked with Confluence first)"),
        "{}",
        text(&out.stdout)
    );
    let list = list_json(&cfg);
    assert!(
        list.iter().all(|c| c["token_expires"] == "2099-12-31"),
        "{list:?}"
    );

    // exec: the Jira connection hands over both products, both at the gateway.
    let seen = dir.path().join("seen");
    let script = format!(
        r#"env | grep -E '^(JIRA|CONFLUENCE)_' | sort > "{seen}"; tr '\0' ' ' < /proc/$$/cmdline > "{seen}.argv"; exit 3"#,
        seen = seen.display()
    );
    let out = run(cli().args(["exec", "acme", "--", "sh", "-c", &script]), "");
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    let env = std::fs::read_to_string(&seen).unwrap();
    let g = gateway.uri();
    for line in [
        format!("JIRA_URL={g}/ex/jira/{CLOUD_ID}"),
        format!("JIRA_SITE_URL={}", site.uri()),
        format!("JIRA_USER={EMAIL}"),
        format!("JIRA_API_TOKEN={TOKEN}"),
        "JIRA_AUTH_TYPE=basic".to_string(),
        format!("JIRA_CLOUD_ID={CLOUD_ID}"),
        format!("CONFLUENCE_URL={g}/ex/confluence/{CLOUD_ID}/wiki"),
        format!("CONFLUENCE_API_TOKEN={TOKEN}"),
        format!("CONFLUENCE_USER={EMAIL}"),
    ] {
        assert!(env.lines().any(|l| l == line), "missing {line} in\n{env}");
    }
    let argv = std::fs::read_to_string(format!("{}.argv", seen.display())).unwrap();
    assert!(!argv.contains(TOKEN), "{argv}");

    let out = run(cli().args(["remove", "acme", "--yes"]), "");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(
        said.contains("\"acme-confluence\" uses the same token: revoking it stops"),
        "{said}"
    );
    let out = run(cli().args(["remove", "acme-confluence", "--yes"]), "");
    assert!(out.status.success(), "{}", text(&out.stderr));
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the OS keyring: scripts/test.sh runs it"]
async fn confluence_data_center_from_the_command_line() {
    require_os_keyring();
    let site = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/rest/api/user/current"))
        .and(bearer_token(PAT))
        .respond_with(ResponseTemplate::new(200).set_body_json(confluence_dc_user()))
        .mount(&site)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("cfg");
    let out = run(
        bin(&cfg).args([
            "add",
            "--url",
            &site.uri(),
            "--name",
            "wiki",
            "--data-center",
            "--product",
            "confluence",
        ]),
        &format!("{PAT}\n"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("Connected to Confluence Data Center"),
        "{}",
        text(&out.stdout)
    );
    let seen = dir.path().join("seen");
    let script = format!(
        r#"env | grep -E '^(JIRA|CONFLUENCE)_' | sort > "{}""#,
        seen.display()
    );
    let out = run(
        bin(&cfg).args(["exec", "wiki", "--", "sh", "-c", &script]),
        "",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let env = std::fs::read_to_string(&seen).unwrap();
    assert!(
        env.contains(&format!("CONFLUENCE_URL={}\n", site.uri())),
        "{env}"
    );
    assert!(
        env.contains(&format!("CONFLUENCE_API_TOKEN={PAT}\n")),
        "{env}"
    );
    assert!(env.contains("CONFLUENCE_AUTH_TYPE=bearer\n"), "{env}");
    assert!(env.contains("CONFLUENCE_USER=mia\n"), "{env}");
    assert!(
        !env.lines()
            .any(|l| l.starts_with("JIRA_") && !l.starts_with("JIRA_CONNECT_")),
        "a Confluence connection sets CONFLUENCE_* only: {env}"
    );
    run(bin(&cfg).args(["remove", "wiki", "--yes"]), "");
}
