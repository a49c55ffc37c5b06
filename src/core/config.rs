//! `connections.toml`: the non-secret metadata of every saved connection.
//!
//! - Every write holds an exclusive lock on `connections.toml.lock`, re-reads the file and
//!   applies its change to what is there now, so that parallel processes lose nothing.
//! - Writes are atomic: a temp file in the same directory, fsync, rename, fsync of the
//!   directory. A crash leaves the old file or the new one, never a mix.
//! - A file that does not parse is never overwritten: a copy is kept aside and the error
//!   names both paths.
//! - A store remembers the bytes it last read or wrote and what they parsed to. Reading
//!   the file again costs a read and a comparison, not a parse, as long as nobody changed
//!   it: with thousands of connections the parse is what takes the time.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use crate::core::connection::{Connection, ConnectionId, LastCheck, toml_date};
use crate::core::error::Error;
use jiff::civil::Date;

/// The environment variable that overrides the config directory.
pub const CONFIG_DIR_ENV: &str = "JIRA_CONNECT_CONFIG_DIR";
const FILE_NAME: &str = "connections.toml";
const CURRENT_VERSION: u32 = 1;

/// The whole file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigFile {
    pub version: u32,
    /// Re-check every connection when the desktop app starts.
    #[serde(default = "default_true", skip_serializing_if = "is_true")]
    pub check_on_launch: bool,
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
        check: LastCheck,
        /// The swap and the metadata are done; only the staging entry is left to delete.
        #[serde(default)]
        cleanup: bool,
        /// The replacement failed and said so: recovery deletes the staged copy and keeps
        /// the old secret.
        #[serde(default, skip_serializing_if = "is_false")]
        aborted: bool,
    },
    /// A connection whose secret and metadata are being deleted.
    Remove {
        id: ConnectionId,
        /// Names this removal's lock file; records written before it existed use `id`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        lock: Option<ConnectionId>,
    },
}

impl Default for ConfigFile {
    fn default() -> Self {
        ConfigFile {
            version: CURRENT_VERSION,
            check_on_launch: true,
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

/// The file's bytes as this store last read or wrote them, and what they parse to.
struct Snapshot {
    bytes: Vec<u8>,
    config: ConfigFile,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("bytes", &self.bytes.len())
            .finish_non_exhaustive()
    }
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
                field: "config directory",
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

    /// Reads the file; a missing file is an empty config.
    pub fn load(&self) -> Result<ConfigFile, Error> {
        self.read(Keep::Copy)
    }

    /// Reads the file, parsing it only when its bytes differ from those this store last
    /// read or wrote. With [`Keep::Copy`] the result is also remembered; [`Keep::Move`]
    /// hands over the remembered config itself, for a caller that is about to change it.
    fn read(&self, keep: Keep) -> Result<ConfigFile, Error> {
        self.tighten_permissions();
        let path = self.path();
        let bytes = match fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ConfigFile::default()),
            Err(source) => {
                return Err(Error::ConfigIo {
                    action: "read",
                    path,
                    source,
                });
            }
        };
        {
            let mut last = self.last.lock().unwrap_or_else(|e| e.into_inner());
            if last.as_ref().is_some_and(|s| s.bytes == bytes) {
                return Ok(match keep {
                    Keep::Copy => last.as_ref().map(|s| s.config.clone()),
                    Keep::Move => last.take().map(|s| s.config),
                }
                .unwrap_or_default());
            }
        }
        let text = String::from_utf8(bytes).map_err(|e| Error::ConfigIo {
            action: "read",
            path: path.clone(),
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
        })?;
        let config = self.parse(&path, &text)?;
        if keep == Keep::Copy {
            self.remember(text.into_bytes(), copy_of(&config));
        }
        Ok(config)
    }

    fn remember(&self, bytes: Vec<u8>, config: ConfigFile) {
        *self.last.lock().unwrap_or_else(|e| e.into_inner()) = Some(Snapshot { bytes, config });
    }

    fn parse(&self, path: &Path, text: &str) -> Result<ConfigFile, Error> {
        let parsed = parse_toml(text).map_err(|e| e.to_string());
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
                detail: detail.trim().replace('\n', " "),
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
        let mut config = self.read(Keep::Move)?;
        let result = change(&mut config)?;
        let bytes = self.write_atomically(&config)?;
        self.remember(bytes, config);
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
        Ok(self.tighten_permissions())
    }

    /// On Unix the directory is private (0700) and the file too (0600). Looser modes, left
    /// by an older version or by hand, are tightened, with a notice on stderr.
    fn tighten_permissions(&self) -> Vec<PathBuf> {
        let mut tightened = Vec::new();
        #[cfg(unix)]
        for (path, mode) in [(self.dir.clone(), 0o700), (self.path(), 0o600)] {
            use std::os::unix::fs::PermissionsExt;
            let Ok(meta) = fs::metadata(&path) else {
                continue;
            };
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
                Err(e) => tracing::warn!(
                    "{} is readable by others (mode {current:o}) and could not be tightened: {e}",
                    path.display()
                ),
            }
        }
        tightened
    }

    fn lock(&self) -> Result<File, Error> {
        let path = self.lock_path();
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|source| Error::ConfigIo {
                action: "open",
                path: path.clone(),
                source,
            })?;
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
        replace_private(&path, &bytes)?;
        Ok(bytes)
    }
}

/// What [`ConfigStore::read`] does with what it read.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Keep {
    Copy,
    Move,
}

/// Replaces `path` with `contents` atomically, readable by its owner only: a temp file in
/// the same directory, fsync, rename, fsync of the directory. A crash leaves the old file
/// or the new one, never a mix.
pub fn replace_private(path: &Path, contents: &[u8]) -> Result<(), Error> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let io = |action: &'static str, p: &Path| {
        let p = p.to_path_buf();
        move |source| Error::ConfigIo {
            action,
            path: p,
            source,
        }
    };
    let write = || -> Result<(), Error> {
        let mut options = OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut file = options.open(&tmp).map_err(io("create", &tmp))?;
        file.write_all(contents).map_err(io("write", &tmp))?;
        file.sync_all().map_err(io("sync", &tmp))?;
        fs::rename(&tmp, path).map_err(io("replace", path))?;
        #[cfg(unix)]
        if let Ok(dir) = File::open(dir) {
            let _ = dir.sync_all();
        }
        Ok(())
    };
    let result = write();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

const HEADER: &str =
    "# jira-connect connections. Secrets are not stored here: they live in the OS keyring.\n";

/// From this many connections on, a file is parsed in pieces on several threads.
const SPLIT_PARSE_MIN: usize = 1000;

/// Parses the config file. Large files in the shape jira-connect writes are split at their
/// `[[connection]]` headers and the pieces parsed in parallel: the `toml` crate's parse is
/// nearly all of a cold load, and the pieces do not depend on each other.
fn parse_toml(text: &str) -> Result<ConfigFile, toml::de::Error> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    match parse_split(text, threads.min(8), SPLIT_PARSE_MIN) {
        Some(config) => Ok(config),
        None => toml::from_str(text),
    }
}

/// A copy of `config`. The connections of a large file are copied on every core: with
/// thousands of them, the copy kept for the next save is a noticeable part of a load.
fn copy_of(config: &ConfigFile) -> ConfigFile {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if threads < 2 || config.connections.len() < SPLIT_PARSE_MIN {
        return config.clone();
    }
    let per_thread = config.connections.len().div_ceil(threads.min(8));
    let connections = std::thread::scope(|scope| {
        let copying: Vec<_> = config
            .connections
            .chunks(per_thread)
            .map(|chunk| scope.spawn(|| chunk.to_vec()))
            .collect();
        let mut all = Vec::with_capacity(config.connections.len());
        for handle in copying {
            match handle.join() {
                Ok(chunk) => all.extend(chunk),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        all
    });
    ConfigFile {
        version: config.version,
        check_on_launch: config.check_on_launch,
        connections,
        pending: config.pending.clone(),
    }
}

/// The connections and pending operations of one piece of the file. Anything else in a
/// piece (say, a table header indented by a hand edit) sends the file to the whole parse.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Piece {
    #[serde(default, rename = "connection")]
    connections: Vec<Connection>,
    #[serde(default)]
    pending: Vec<PendingOp>,
}

/// Parses `text` in `pieces` parts, or returns `None` to have it parsed whole.
///
/// The split is taken only when it cannot change the result: the file has no multi-line
/// strings (so every line reading `[[connection]]` is a header, not text), and its only
/// table headers are the ones jira-connect writes. Any piece that fails to parse sends the
/// whole file through the one-piece parse, so an error message names the real line.
fn parse_split(text: &str, pieces: usize, min_connections: usize) -> Option<ConfigFile> {
    let bytes = text.as_bytes();
    if pieces < 2
        || memchr::memmem::find(bytes, b"\"\"\"").is_some()
        || memchr::memmem::find(bytes, b"'''").is_some()
    {
        return None;
    }
    // Only lines that start with `[` matter, so jump from one to the next.
    let line_starts = std::iter::once(0)
        .filter(|_| text.starts_with('['))
        .chain(memchr::memmem::find_iter(bytes, b"\n[").map(|i| i + 1));
    let mut starts = Vec::new();
    for offset in line_starts {
        let line = &text[offset..];
        let bare = line[..line.find('\n').unwrap_or(line.len())].trim_end_matches('\r');
        match bare {
            "[[connection]]" => starts.push(offset),
            "[connection.last_check]" | "[[pending]]" => {}
            other if other.starts_with("[pending.") => {}
            _ => return None,
        }
    }
    if starts.len() < min_connections.max(pieces) {
        return None;
    }
    let per_piece = starts.len().div_ceil(pieces);
    let mut bounds: Vec<usize> = starts.chunks(per_piece).map(|c| c[0]).collect();
    bounds.push(text.len());
    let head = &text[..starts[0]];
    std::thread::scope(|scope| {
        let parsing: Vec<_> = bounds
            .windows(2)
            .map(|w| {
                let piece = &text[w[0]..w[1]];
                scope.spawn(move || toml::from_str::<Piece>(piece))
            })
            .collect();
        let mut config: ConfigFile = toml::from_str(head).ok()?;
        if !config.connections.is_empty() || !config.pending.is_empty() {
            return None;
        }
        for handle in parsing {
            let piece = handle.join().ok()?.ok()?;
            config.connections.extend(piece.connections);
            config.pending.extend(piece.pending);
        }
        Some(config)
    })
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
            .into_iter()
            .map(|c| c.name)
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
    fn the_split_parse_gives_what_the_whole_parse_gives() {
        for n in [2, 3, 7, 50] {
            let cfg = many(n);
            let text = toml::to_string_pretty(&cfg).unwrap();
            for pieces in [2, 3, 8].into_iter().filter(|&p| p <= n) {
                let split = parse_split(&text, pieces, 2).expect("the split is taken");
                assert_eq!(split, cfg, "{n} connections in {pieces} pieces");
                assert_eq!(split, toml::from_str::<ConfigFile>(&text).unwrap());
                let crlf = text.replace('\n', "\r\n");
                assert_eq!(parse_split(&crlf, pieces, 2).as_ref(), Some(&cfg), "CRLF");
            }
        }
    }

    #[test]
    fn the_copy_kept_for_the_next_save_is_the_config() {
        for n in [3, SPLIT_PARSE_MIN, SPLIT_PARSE_MIN + 7] {
            let cfg = many(n);
            assert_eq!(copy_of(&cfg), cfg, "{n} connections");
        }
    }

    #[test]
    fn the_split_parse_steps_aside_for_files_it_cannot_split_safely() {
        let text = toml::to_string_pretty(&many(10)).unwrap();
        assert!(parse_split(&text, 1, 2).is_none(), "one thread");
        assert!(parse_split(&text, 2, 100).is_none(), "too small to pay off");
        // A multi-line string could hold a line that looks like a header.
        let multi =
            format!("{text}\n[[connection]]\nid = \"x\"\nname = \"\"\"\n[[connection]]\n\"\"\"\n");
        assert!(parse_split(&multi, 2, 2).is_none());
        // Tables jira-connect does not write, e.g. from a hand edit.
        let other = format!("{text}\n[extra]\nkey = 1\n");
        assert!(parse_split(&other, 2, 2).is_none());
        // A header indented by a hand edit is not seen by the split, but the piece it
        // lands in refuses it and the whole parse decides.
        let indented = format!("{text}\n  [version]\nx = 1\n");
        assert!(parse_split(&indented, 2, 2).is_none());
        assert!(parse_toml(&indented).is_err());
        // A broken piece: the whole parse reports it.
        let broken = text.replacen("name = \"c3\"", "name = ", 1);
        assert!(parse_split(&broken, 2, 2).is_none());
        assert!(parse_toml(&broken).is_err());
    }
}
