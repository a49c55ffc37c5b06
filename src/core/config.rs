//! `connections.toml`: the non-secret metadata of every saved connection.
//!
//! - Every write holds an exclusive lock on `connections.toml.lock`, re-reads the file and
//!   applies its change to what is there now, so that parallel processes lose nothing.
//! - Writes are atomic: a temp file in the same directory, fsync, rename, fsync of the
//!   directory. A crash leaves the old file or the new one, never a mix.
//! - A file that does not parse is never overwritten: a copy is kept aside and the error
//!   names both paths.
//! - A store remembers the SHA-256 of the bytes it last read or wrote and what they parsed
//!   to, shared behind an [`Arc`]. Reading the file again costs a read and a digest, not a
//!   parse or a copy, as long as nobody changed it. The file is parsed whole by the `toml`
//!   crate: 1,000 connections load in a few milliseconds (see BENCHMARKS.md), and a store
//!   that ever needs more should change its format, not split TOML by hand.

use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::core::connection::{Connection, ConnectionId, LastCheck, toml_date, toml_timestamp};
use crate::core::error::Error;
use crate::core::error::InputField;
use crate::core::reminders::Reminders;
use jiff::Timestamp;
use jiff::civil::Date;

/// The environment variable that overrides the config directory.
pub(crate) const CONFIG_DIR_ENV: &str = "JIRA_CONNECT_CONFIG_DIR";
const FILE_NAME: &str = "connections.toml";
const CURRENT_VERSION: u32 = 1;

/// The whole file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigFile {
    pub version: u32,
    /// Re-check every connection when the desktop app starts.
    #[serde(default = "default_true", skip_serializing_if = "is_true")]
    pub check_on_launch: bool,
    /// What `check --notify` remembers between runs. Written before the connections, so
    /// that a person reading the file finds it at the top.
    #[serde(default, skip_serializing_if = "Reminders::is_empty")]
    pub reminders: Reminders,
    #[serde(default, rename = "connection")]
    pub connections: Vec<Connection>,
    /// Operations that touched, or were about to touch, the keyring and have not finished.
    /// Every command finishes or rolls back those that no process is still running, before
    /// doing anything else.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending: Vec<PendingOp>,
}

/// An operation in flight, written before the keyring is touched so that a crash at any
/// point can be finished or rolled back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "kebab-case")]
pub enum PendingOp {
    /// A validated connection whose secret is being stored.
    Add {
        connection: Connection,
        /// The add failed and said so: recovery deletes the secret instead of finishing.
        #[serde(default, skip_serializing_if = "is_false")]
        aborted: bool,
    },
    /// A validated new secret, staged under `staging` before it replaces the old one.
    Replace {
        id: ConnectionId,
        staging: ConnectionId,
        #[serde(default, skip_serializing_if = "Option::is_none", with = "toml_date")]
        token_expires: Option<Date>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token_label: Option<String>,
        /// The new token's id on a Data Center server, when the server said.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token_id: Option<u64>,
        /// The day the new token was created, when the server said; today otherwise.
        #[serde(default, skip_serializing_if = "Option::is_none", with = "toml_date")]
        token_created: Option<Date>,
        /// The new login: a service account's new client id. The old one is kept when
        /// absent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        login: Option<String>,
        check: LastCheck,
        /// The swap and the metadata are done; only the staging entry is left to delete.
        #[serde(default)]
        cleanup: bool,
        /// The replacement failed and said so: recovery deletes the staged copy and keeps
        /// the old secret.
        #[serde(default, skip_serializing_if = "is_false")]
        aborted: bool,
        /// The replacement is a rotation, whose new token was created on the server for it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rotation: Option<RotationRecord>,
    },
    /// A Data Center personal access token to revoke on the server: one a rotation created
    /// and did not swap in, or the old token a finished rotation replaced. Revoking needs the
    /// network, so the next run does it after the rest of the recovery (see
    /// `Connections::revoke_leftovers`); the connection itself is not busy meanwhile.
    Revoke {
        /// Names this record and its lock file, and the keyring entry that holds the token
        /// itself while nothing else does (a created token before the swap). Revoking uses
        /// that token, or else the connection's own.
        key: ConnectionId,
        /// The connection whose site holds the token, as it was when the record was written.
        connection: Connection,
        /// The token's id on the server; absent for a token whose id was never read, which
        /// `unread` then names.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token_id: Option<u64>,
        /// A token the server made but whose answer could not be read: found again by the
        /// name and time it was given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        unread: Option<UnreadToken>,
        /// The keyring entry of a copy of the connection's own token, which a rotation
        /// staged to check the old token with and then rolled back: deleted with this record.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        old_copy: Option<ConnectionId>,
    },
    /// A connection whose secret and metadata are being deleted.
    Remove {
        id: ConnectionId,
        /// Names this removal's lock file; records written before it existed use `id`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lock: Option<ConnectionId>,
    },
}

/// A token the server created for a rotation whose answer told neither its id nor, in a
/// list read at once, which token it is. The app gave it a name and knows when it asked, so
/// the token is the one listed with that name, created between the two times below (with
/// a margin for the server's clock), that is not the old token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnreadToken {
    /// The name the token was created with.
    pub name: String,
    /// When the create was sent.
    #[serde(with = "toml_timestamp")]
    pub asked_at: Timestamp,
    /// When its answer came back.
    #[serde(with = "toml_timestamp")]
    pub answered_at: Timestamp,
    /// The old token's id, which is never this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not: Option<u64>,
}

/// What a rotation adds to its replacement's record: the two tokens on the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RotationRecord {
    /// The new token's id: revoked, instead of swapped in, when the swap is rolled back.
    pub created: u64,
    /// The old token's id, when known: revoked once the swap is done.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old: Option<u64>,
    /// The key of the record that revokes the old token, written with the swap's metadata.
    pub revoke_key: ConnectionId,
}

impl Default for ConfigFile {
    fn default() -> Self {
        ConfigFile {
            version: CURRENT_VERSION,
            check_on_launch: true,
            reminders: Reminders::default(),
            connections: Vec::new(),
            pending: Vec::new(),
        }
    }
}

fn default_true() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl ConfigFile {
    /// The connection with this name.
    pub fn find(&self, name: &str) -> Option<&Connection> {
        self.connections.iter().find(|c| c.name == name)
    }
}

/// Reads and writes `connections.toml` in one directory. Clones share what was last read.
#[derive(Debug, Clone)]
pub struct ConfigStore {
    dir: PathBuf,
    last: Arc<Mutex<Option<Snapshot>>>,
}

/// The SHA-256 of the file's bytes as this store last read or wrote them, and what they
/// parse to. A digest, not the bytes: with a thousand connections the file is half a
/// megabyte, and the parsed config is all anyone needs from it.
struct Snapshot {
    digest: [u8; 32],
    config: Arc<ConfigFile>,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot").finish_non_exhaustive()
    }
}

fn digest(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes).into()
}

impl ConfigStore {
    /// The store in `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        ConfigStore {
            dir: dir.into(),
            last: Arc::default(),
        }
    }

    /// The store in `$JIRA_CONNECT_CONFIG_DIR`, or else the platform's config directory.
    pub fn from_env() -> Result<Self, Error> {
        if let Some(dir) = std::env::var_os(CONFIG_DIR_ENV).filter(|d| !d.is_empty()) {
            return Ok(ConfigStore::new(dir));
        }
        let dirs = directories::ProjectDirs::from("", "", "jira-connect").ok_or_else(|| {
            Error::InvalidInput {
                field: InputField::ConfigDirectory,
                reason: format!(
                    "no home directory found; set {CONFIG_DIR_ENV} to a directory for jira-connect's settings"
                ),
            }
        })?;
        Ok(ConfigStore::new(dirs.config_dir()))
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The path of `connections.toml`.
    pub fn path(&self) -> PathBuf {
        self.dir.join(FILE_NAME)
    }

    fn lock_path(&self) -> PathBuf {
        self.dir.join(format!("{FILE_NAME}.lock"))
    }

    /// Reads the file; a missing file is an empty config. While the file is unchanged,
    /// every caller shares the one parsed copy.
    pub fn load(&self) -> Result<Arc<ConfigFile>, Error> {
        self.tighten_permissions()?;
        let path = self.path();
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Arc::new(ConfigFile::default()));
            }
            Err(source) => {
                return Err(Error::ConfigIo {
                    action: "read",
                    path,
                    source,
                });
            }
        };
        let digest = digest(&bytes);
        if let Some(config) = self.remembered(&digest) {
            return Ok(config);
        }
        let text = String::from_utf8(bytes).map_err(|e| Error::ConfigIo {
            action: "read",
            path: path.clone(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
        })?;
        let config = Arc::new(self.parse(&path, &text)?);
        self.remember(digest, config.clone());
        Ok(config)
    }

    /// The config last read or written, if the file still holds the same bytes.
    fn remembered(&self, digest: &[u8; 32]) -> Option<Arc<ConfigFile>> {
        let last = self.last.lock().unwrap_or_else(|e| e.into_inner());
        last.as_ref()
            .filter(|s| &s.digest == digest)
            .map(|s| s.config.clone())
    }

    fn remember(&self, digest: [u8; 32], config: Arc<ConfigFile>) {
        *self.last.lock().unwrap_or_else(|e| e.into_inner()) = Some(Snapshot { digest, config });
    }

    fn parse(&self, path: &Path, text: &str) -> Result<ConfigFile, Error> {
        let parsed = toml::from_str::<ConfigFile>(text).map_err(|e| e.to_string());
        let parsed = parsed.and_then(|cfg| {
            if cfg.version > CURRENT_VERSION {
                Err(format!(
                    "it was written by a newer jira-connect (format version {}); upgrade jira-connect",
                    cfg.version
                ))
            } else {
                Ok(cfg)
            }
        });
        parsed.map_err(|detail| {
            let backup = self.keep_corrupt_copy(path, text);
            Error::ConfigCorrupt {
                path: path.to_path_buf(),
                backup,
                detail: indent(detail.trim_end()),
            }
        })
    }

    /// Copies an unreadable file aside, once per distinct content.
    fn keep_corrupt_copy(&self, path: &Path, text: &str) -> PathBuf {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        text.hash(&mut hasher);
        let backup = self
            .dir
            .join(format!("{FILE_NAME}.unreadable-{:016x}", hasher.finish()));
        if !backup.exists()
            && let Err(e) = fs::copy(path, &backup)
        {
            tracing::warn!(error = %e, "could not keep a copy of the unreadable config");
        }
        backup
    }

    /// Applies `change` to the current file under the lock and writes the result atomically.
    ///
    /// `change` sees the file as it is on disk now, not as this process last read it. When
    /// `change` fails, nothing is written.
    pub fn update<T>(
        &self,
        change: impl FnOnce(&mut ConfigFile) -> Result<T, Error>,
    ) -> Result<T, Error> {
        self.ensure_dir()?;
        let _lock = self.lock()?;
        let current = self.load()?;
        // Release the remembered copy first, so that the config is usually taken over
        // rather than copied; a reader still holding it keeps its own.
        *self.last.lock().unwrap_or_else(|e| e.into_inner()) = None;
        let mut config = Arc::unwrap_or_clone(current);
        let result = change(&mut config)?;
        let bytes = self.write_atomically(&config)?;
        self.remember(digest(&bytes), Arc::new(config));
        Ok(result)
    }

    /// Creates the directory, private from the start; returns what had to be tightened.
    pub(crate) fn ensure_dir(&self) -> Result<Vec<PathBuf>, Error> {
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::DirBuilderExt;
            builder.mode(0o700);
        }
        builder
            .create(&self.dir)
            .map_err(|source| Error::ConfigIo {
                action: "create",
                path: self.dir.clone(),
                source,
            })?;
        self.tighten_permissions()
    }

    /// On Unix the directory is private (0700) and the file too (0600). Looser modes, left
    /// by an older version or by hand, are tightened, with a notice on stderr. A directory
    /// or file that another user owns, or that others can still write to, is refused: who
    /// can write there can swap the file under us.
    fn tighten_permissions(&self) -> Result<Vec<PathBuf>, Error> {
        #[cfg(not(unix))]
        return Ok(Vec::new());
        #[cfg(unix)]
        let mut tightened = Vec::new();
        #[cfg(unix)]
        for (path, mode) in [(self.dir.clone(), 0o700), (self.path(), 0o600)] {
            use std::os::unix::fs::{MetadataExt, PermissionsExt};
            let Ok(meta) = fs::metadata(&path) else {
                continue;
            };
            let untrusted = |reason: String| Error::ConfigUntrusted {
                path: path.clone(),
                reason,
            };
            let me = rustix::process::geteuid().as_raw();
            if meta.uid() != me {
                return Err(untrusted(format!(
                    "it belongs to another user (uid {}, while jira-connect runs as uid {me})",
                    meta.uid()
                )));
            }
            let current = meta.permissions().mode() & 0o777;
            if current & 0o077 == 0 {
                continue;
            }
            match fs::set_permissions(&path, fs::Permissions::from_mode(mode)) {
                Ok(()) => {
                    tracing::warn!(
                        "{} was readable by others (mode {current:o}); tightened it to {mode:o}",
                        path.display()
                    );
                    tightened.push(path);
                }
                Err(e) if current & 0o022 != 0 => {
                    return Err(untrusted(format!(
                        "others can write to it (mode {current:o}) and it could not be made \
                         private: {e}"
                    )));
                }
                Err(e) => tracing::warn!(
                    "{} is readable by others (mode {current:o}) and could not be tightened: {e}",
                    path.display()
                ),
            }
        }
        #[cfg(unix)]
        Ok(tightened)
    }

    fn lock(&self) -> Result<File, Error> {
        let path = self.lock_path();
        let file = open_lock_file(&path)?;
        file.lock().map_err(|source| Error::ConfigIo {
            action: "lock",
            path,
            source,
        })?;
        Ok(file)
    }

    /// Writes the file and returns the bytes written.
    fn write_atomically(&self, config: &ConfigFile) -> Result<Vec<u8>, Error> {
        let path = self.path();
        let text = toml::to_string_pretty(config).map_err(|e| Error::ConfigIo {
            action: "serialise",
            path: path.clone(),
            source: std::io::Error::other(e),
        })?;
        let bytes = [HEADER.as_bytes(), text.as_bytes()].concat();
        crate::core::atomic::replace(&path, &bytes, 0o600)?;
        Ok(bytes)
    }
}

/// Opens (creating it if needed) a file that exists only to be locked.
pub(crate) fn open_lock_file(path: &Path) -> Result<File, Error> {
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|source| Error::ConfigIo {
            action: "open",
            path: path.to_path_buf(),
            source,
        })
}

const HEADER: &str =
    "# jira-connect connections. Secrets are not stored here: they live in the OS keyring.\n";

/// The parser's own report, kept on its lines (its caret excerpt points at the column)
/// and indented under the sentence that introduces it.
fn indent(detail: &str) -> String {
    detail
        .lines()
        .map(|line| format!("    {line}").trim_end().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::connection::*;

    fn sample(name: &str) -> Connection {
        Connection {
            id: ConnectionId::generate(),
            name: name.into(),
            url: "https://acme.atlassian.net".into(),
            deployment: Deployment::Cloud,
            auth: AuthKind::ApiToken,
            login: Some("mia@example.com".into()),
            token_label: Some("jira-connect".into()),
            token_created: Some(jiff::civil::date(2026, 11, 22)),
            token_expires: Some(jiff::civil::date(2027, 11, 22)),
            token_id: None,
            ca_cert: None,
            product: Default::default(),
            scoped: false,
            cloud_id: None,
            linked: None,
            allow_http: false,
            last_check: Some(LastCheck {
                at: "2026-11-22T12:00:00Z".parse().unwrap(),
                outcome: Outcome::Valid,
                message: None,
                account_id: Some("5b10a2844c20165700ede21g".into()),
                display_name: Some("Mia Krystof".into()),
                email: Some("mia@example.com".into()),
                server_version: Some("1001.0.0".into()),
            }),
        }
    }

    #[test]
    fn round_trip_keeps_every_field() {
        let dir = tempfile::tempdir().unwrap();
        let store = ConfigStore::new(dir.path());
        let conn = sample("acme");
        store
            .update(|cfg| {
                cfg.connections.push(conn.clone());
                Ok(())
            })
            .unwrap();
        let loaded = store.load().unwrap();
        assert_eq!(loaded.connections, vec![conn]);
        let text = fs::read_to_string(store.path()).unwrap();
        assert!(text.contains("token_expires = 2027-11-22\n"), "{text}");
        assert!(text.contains("at = 2026-11-22T12:00:00Z"), "{text}");
        assert!(text.contains("deployment = \"cloud\""), "{text}");
    }

    #[test]
    fn dates_and_times_in_every_toml_shape_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let store = ConfigStore::new(dir.path());
        let conn = |expires: &str, at: &str| {
            format!(
                "[[connection]]\nid = \"x{at}\"\nname = \"n\"\nurl = \"https://a.atlassian.net\"\n\
                 deployment = \"cloud\"\nauth = \"api-token\"\ntoken_expires = {expires}\n\
                 [connection.last_check]\nat = {at}\noutcome = \"valid\"\n"
            )
        };
        let text = format!(
            "version = 1\n{}{}{}",
            conn("2027-11-22", "2026-11-22T12:00:00Z"),
            conn("2027-11-22", "2026-11-22T14:00:00+02:00"),
            conn("2027-11-22", "2026-11-22T12:00:00.250Z"),
        );
        fs::write(store.path(), text).unwrap();
        let cfg = store.load().unwrap();
        let at: Vec<String> = cfg
            .connections
            .iter()
            .map(|c| c.last_check.as_ref().unwrap().at.to_string())
            .collect();
        assert_eq!(
            at,
            [
                "2026-11-22T12:00:00Z",
                "2026-11-22T12:00:00Z",
                "2026-11-22T12:00:00.25Z"
            ]
        );
        assert!(
            cfg.connections
                .iter()
                .all(|c| c.token_expires == Some(jiff::civil::date(2027, 11, 22)))
        );
        for bad in ["2026-11-22T12:00:00", "12:00:00"] {
            fs::write(
                store.path(),
                format!("version = 1\n{}", conn("2027-11-22", bad)),
            )
            .unwrap();
            assert!(store.load().is_err(), "{bad} has no offset");
        }
    }

    #[test]
    fn a_change_by_another_writer_is_seen() {
        let dir = tempfile::tempdir().unwrap();
        let ours = ConfigStore::new(dir.path());
        let theirs = ConfigStore::new(dir.path());
        ours.update(|cfg| {
            cfg.connections.push(sample("a"));
            Ok(())
        })
        .unwrap();
        assert_eq!(theirs.load().unwrap().connections.len(), 1);
        theirs
            .update(|cfg| {
                cfg.connections.push(sample("b"));
                Ok(())
            })
            .unwrap();
        // `ours` remembers the file with one connection; the file now has two.
        assert_eq!(ours.load().unwrap().connections.len(), 2);
        ours.update(|cfg| {
            cfg.connections.push(sample("c"));
            Ok(())
        })
        .unwrap();
        let names: Vec<_> = theirs
            .load()
            .unwrap()
            .connections
            .iter()
            .map(|c| c.name.clone())
            .collect();
        assert_eq!(names, ["a", "b", "c"]);
        // An edit by hand, of the same length, is seen too.
        let text = fs::read_to_string(ours.path()).unwrap();
        fs::write(ours.path(), text.replace("name = \"c\"", "name = \"d\"")).unwrap();
        assert_eq!(ours.load().unwrap().connections[2].name, "d");
    }

    #[test]
    fn a_failed_change_leaves_nothing_half_remembered() {
        let dir = tempfile::tempdir().unwrap();
        let store = ConfigStore::new(dir.path());
        store
            .update(|cfg| {
                cfg.connections.push(sample("a"));
                Ok(())
            })
            .unwrap();
        let res: Result<(), _> = store.update(|cfg| {
            cfg.connections.clear();
            Err(Error::Cancelled)
        });
        assert!(res.is_err());
        assert_eq!(store.load().unwrap().connections.len(), 1);
    }

    #[test]
    fn missing_file_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = ConfigStore::new(dir.path().join("nested")).load().unwrap();
        assert!(cfg.connections.is_empty());
    }

    #[test]
    fn corrupt_file_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let store = ConfigStore::new(dir.path());
        fs::write(store.path(), "version = 1\n[[connection]\nname = ").unwrap();
        let err = store.load().unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, Error::ConfigCorrupt { .. }), "{err:?}");
        assert!(msg.contains(&store.path().display().to_string()), "{msg}");
        assert!(msg.contains("will not overwrite"), "{msg}");
        let res = store.update(|cfg| {
            cfg.connections.push(sample("x"));
            Ok(())
        });
        assert!(res.is_err());
        assert_eq!(
            fs::read_to_string(store.path()).unwrap(),
            "version = 1\n[[connection]\nname = "
        );
        let Error::ConfigCorrupt { backup, .. } = err else {
            unreachable!()
        };
        assert_eq!(
            fs::read_to_string(backup).unwrap(),
            "version = 1\n[[connection]\nname = "
        );
    }

    #[test]
    fn newer_format_is_refused_not_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let store = ConfigStore::new(dir.path());
        fs::write(store.path(), "version = 99\n").unwrap();
        let err = store.load().unwrap_err().to_string();
        assert!(err.contains("newer jira-connect"), "{err}");
    }

    #[test]
    fn failed_change_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = ConfigStore::new(dir.path());
        let res: Result<(), _> = store.update(|cfg| {
            cfg.connections.push(sample("x"));
            Err(Error::Cancelled)
        });
        assert!(res.is_err());
        assert!(!store.path().exists());
    }

    #[test]
    fn concurrent_writers_lose_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let threads: Vec<_> = (0..8)
            .map(|i| {
                let store = ConfigStore::new(dir.path());
                std::thread::spawn(move || {
                    for j in 0..5 {
                        store
                            .update(|cfg| {
                                cfg.connections.push(sample(&format!("c{i}-{j}")));
                                Ok(())
                            })
                            .unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let cfg = ConfigStore::new(dir.path()).load().unwrap();
        assert_eq!(cfg.connections.len(), 40);
    }

    #[cfg(unix)]
    #[test]
    fn loose_permissions_are_tightened() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let store = ConfigStore::new(dir.path().join("cfg"));
        store.update(|_| Ok(())).unwrap();
        fs::set_permissions(store.dir(), fs::Permissions::from_mode(0o755)).unwrap();
        fs::set_permissions(store.path(), fs::Permissions::from_mode(0o644)).unwrap();
        store.load().unwrap();
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(store.dir()), 0o700);
        assert_eq!(mode(&store.path()), 0o600);
    }

    #[cfg(unix)]
    #[test]
    fn a_new_directory_is_private_from_the_start() {
        let dir = tempfile::tempdir().unwrap();
        let store = ConfigStore::new(dir.path().join("a").join("cfg"));
        assert_eq!(
            store.ensure_dir().unwrap(),
            Vec::<PathBuf>::new(),
            "nothing to tighten"
        );
    }

    #[cfg(unix)]
    #[test]
    fn file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let store = ConfigStore::new(dir.path().join("cfg"));
        store.update(|_| Ok(())).unwrap();
        let mode = fs::metadata(store.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let dir_mode = fs::metadata(store.dir()).unwrap().permissions().mode();
        assert_eq!(dir_mode & 0o777, 0o700);
    }

    fn many(n: usize) -> ConfigFile {
        let mut cfg = ConfigFile::default();
        for i in 0..n {
            let mut c = sample(&format!("c{i}"));
            if i % 3 == 0 {
                c.last_check = Some(LastCheck {
                    at: jiff::Timestamp::from_second(1_800_000_000 + i as i64).unwrap(),
                    outcome: Outcome::Rejected,
                    message: Some(format!("a message with [[connection]] and \\n in it {i}")),
                    account_id: Some("5b10".into()),
                    display_name: Some("Mia".into()),
                    email: None,
                    server_version: None,
                });
            }
            if i % 4 == 0 {
                c.product = Product::Confluence;
                c.linked = Some(ConnectionId::generate());
            }
            cfg.connections.push(c);
        }
        cfg.pending.push(PendingOp::Remove {
            id: ConnectionId::generate(),
            lock: None,
        });
        cfg.check_on_launch = false;
        cfg
    }

    #[test]
    fn awkward_but_legal_content_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let store = ConfigStore::new(dir.path());
        let cfg = many(50);
        store
            .update(|c| {
                *c = cfg.clone();
                Ok(())
            })
            .unwrap();
        let fresh = ConfigStore::new(dir.path());
        assert_eq!(*fresh.load().unwrap(), cfg);
        // CRLF line ends, as an editor on Windows writes them.
        let text = fs::read_to_string(store.path()).unwrap();
        fs::write(store.path(), text.replace('\n', "\r\n")).unwrap();
        assert_eq!(*ConfigStore::new(dir.path()).load().unwrap(), cfg);
    }

    #[test]
    fn an_unchanged_file_is_shared_not_parsed_or_copied_again() {
        let dir = tempfile::tempdir().unwrap();
        let store = ConfigStore::new(dir.path());
        store
            .update(|c| {
                c.connections.push(sample("a"));
                Ok(())
            })
            .unwrap();
        let first = store.load().unwrap();
        let second = store.load().unwrap();
        assert!(Arc::ptr_eq(&first, &second), "one parsed copy, shared");
        // A change by anyone is seen: the bytes differ, so the file is parsed again.
        let other = ConfigStore::new(dir.path());
        other
            .update(|c| {
                c.connections.push(sample("b"));
                Ok(())
            })
            .unwrap();
        let third = store.load().unwrap();
        assert!(!Arc::ptr_eq(&first, &third));
        assert_eq!(third.connections.len(), 2);
        // A reader holding the old copy keeps it whole.
        assert_eq!(first.connections.len(), 1);
    }

    #[test]
    fn reminders_round_trip_wherever_they_stand() {
        use crate::core::reminders::{ConnectionReminder, LastRun, Notified};
        let mut cfg = many(5);
        let at: jiff::Timestamp = "2026-11-22T06:00:00Z".parse().unwrap();
        cfg.reminders.connection.insert(
            cfg.connections[0].id.to_string(),
            ConnectionReminder {
                failed_runs: 2,
                notified: Some(Notified {
                    state: "expiring-soon".into(),
                    token: "created - expires 2026-12-01".into(),
                    at,
                }),
            },
        );
        cfg.reminders.last_run = Some(LastRun {
            at,
            checked: 5,
            attention: vec!["c0: expiring-soon".into()],
            notified: 1,
            delivery_error: None,
            not_checked: None,
        });
        cfg.reminders.keyring = Some(crate::core::reminders::KeyringNotified {
            state: "locked".into(),
            at,
        });
        let text = toml::to_string_pretty(&cfg).unwrap();
        assert_eq!(toml::from_str::<ConfigFile>(&text).unwrap(), cfg);
        // Moved below the connections by a hand edit: still the same config.
        let head_end = text.find("[[connection]]").unwrap();
        let start = text.find("[reminders").unwrap();
        let moved = format!(
            "{}{}\n{}",
            &text[..start],
            &text[head_end..],
            &text[start..head_end]
        );
        assert_eq!(toml::from_str::<ConfigFile>(&moved).unwrap(), cfg);
    }
}
