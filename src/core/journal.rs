//! Crash-safe add, replace and remove.
//!
//! The keyring and `connections.toml` cannot change together atomically. So each
//! operation first writes a [`PendingOp`] to the config, then touches the keyring, then
//! finishes the metadata and clears the record. A crash at any point (`kill -9`, a power
//! cut) leaves a record that [`Journal::recover`] finishes or rolls back the next time
//! jira-connect runs. The outcome is always the old state or the new one:
//! - never a connection without its secret;
//! - never a secret without its connection;
//! - never a replaced token with neither the old nor the new secret usable.
//!
//! A replacement is staged under its own keyring entry first. Until the staged copy
//! exists, the old secret is untouched. Once it exists, recovery can always finish the
//! swap.
//!
//! An operation that fails and says so marks its record *aborted* before it tries to undo
//! its keyring steps. That is a config write, so it works when the keyring has just locked
//! or its daemon has died. Recovery then undoes the operation instead of finishing it:
//! a change the user was told had failed never completes later.
//!
//! A rotation (see `Connections::rotate`) creates its new token on the server before the
//! swap, so a crash must not leave that token alive and unused. Right after creating it, a
//! [`PendingOp::Revoke`] record names the token's server id and the token is staged in the
//! keyring under the record's key ([`Journal::record_created`], [`Journal::stage_created`]):
//! from then on the next run revokes it, with itself as the credential, unless the swap
//! happened. Once Jira accepted it, the same record becomes the swap's
//! [`PendingOp::Replace`] ([`Journal::swap_created`]), whose staged copy is already there,
//! and the swap runs exactly as a replacement's. Rolled back, that record turns back into
//! the revocation of the new token; finished, it writes, with the new metadata, the
//! revocation of the old token, whose copy the swap staged under that revocation's key
//! before it touched the connection's entry, so that the old token can be checked after a
//! crash too. A token whose create answer told no id is recorded by the name and time it
//! was given ([`Journal::record_unread`]). Revocations need the network, so [`Journal::recover`]
//! leaves them to `Connections::revoke_leftovers`, and they never keep the connection busy.
//! Even there, taking a record's lock, reading it again under the lock, and dropping it with
//! its staged copy are this module's ([`Journal::claim_revocation`],
//! [`Journal::drop_revoked`]): `Connections` only sends the request.
//! The one window left is between the server's answer and the first record, a few
//! milliseconds in which nothing but the answer knows the new token's id.
//!
//! While it runs, each operation holds an advisory lock on its own file in the config
//! directory (`pending-<key>.lock`, see [`OpLock`]). Recovery takes the same lock without
//! waiting, and leaves alone every operation whose lock is held: the desktop app and the
//! CLI may run at once, and an operation may wait long on a keyring unlock prompt. The
//! lock goes with the process, so a crashed operation's lock is free.

use std::fs::{File, TryLockError};
use std::path::PathBuf;
use std::sync::Arc;

use jiff::civil::Date;
use secrecy::{ExposeSecret, SecretString};

use crate::core::config::{ConfigStore, PendingOp, RotationRecord, UnreadToken};
use crate::core::connection::{Connection, ConnectionId, LastCheck, today};
use crate::core::error::Error;
use crate::core::error::InputField;
use crate::core::failpoint::hit;
use crate::core::secrets::SecretStore;

/// The config and the keyring, changed together through pending records.
#[derive(Clone)]
pub(crate) struct Journal {
    config: ConfigStore,
    secrets: Arc<dyn SecretStore>,
}

impl PendingOp {
    /// The connection this operation is about.
    pub fn id(&self) -> &ConnectionId {
        match self {
            PendingOp::Add { connection, .. } | PendingOp::Revoke { connection, .. } => {
                &connection.id
            }
            PendingOp::Replace { id, .. } | PendingOp::Remove { id, .. } => id,
        }
    }

    /// The record of a swap about to start: the new token of connection `id` staged under
    /// `staging`, and what the swap changes in the metadata. A rotation's swap also carries
    /// the old token's revocation.
    fn replace(
        id: &ConnectionId,
        staging: &ConnectionId,
        change: &Replacement,
        rotation: Option<RotationRecord>,
    ) -> Self {
        PendingOp::Replace {
            id: id.clone(),
            staging: staging.clone(),
            token_expires: change.token_expires,
            token_label: change.token_label.clone(),
            token_id: change.token_id,
            token_created: change.token_created,
            login: change.login.clone(),
            check: change.check.clone(),
            cleanup: false,
            aborted: false,
            rotation,
        }
    }

    /// What names this operation alone, and its lock file: the new connection's id for an
    /// add, the staging id for a replacement, a fresh id for a removal or a revocation.
    pub(crate) fn lock_key(&self) -> &ConnectionId {
        match self {
            PendingOp::Add { connection, .. } => &connection.id,
            PendingOp::Replace { staging, .. } => staging,
            PendingOp::Remove { id, lock } => lock.as_ref().unwrap_or(id),
            PendingOp::Revoke { key, .. } => key,
        }
    }
}

/// The advisory lock of one pending operation, held by the process running it, or by the
/// process recovering it. Released when dropped, after its file is deleted; the OS
/// releases it too when the process dies.
///
/// Each operation has a key of its own, so a lock file is never reused by a later
/// operation. Whoever takes a lock reads the pending records again under it.
#[derive(Debug)]
pub(crate) struct OpLock {
    path: PathBuf,
    _file: File,
}

impl OpLock {
    /// The lock file of the operation `key`, in the config directory.
    pub fn path(config: &ConfigStore, key: &ConnectionId) -> PathBuf {
        config
            .dir()
            .join(format!("pending-{}.lock", file_safe(key.as_str())))
    }

    /// Takes the lock of the operation `key` unless someone holds it: `Ok(None)` means the
    /// operation is still running somewhere.
    pub(crate) fn try_take(
        config: &ConfigStore,
        key: &ConnectionId,
    ) -> Result<Option<OpLock>, Error> {
        config.ensure_dir()?;
        let path = Self::path(config, key);
        let file = crate::core::config::open_lock_file(&path)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(OpLock { path, _file: file })),
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(source)) => Err(Error::ConfigIo {
                action: "lock",
                path,
                source,
            }),
        }
    }

    /// Takes the lock of a new operation, whose key nobody else knows yet.
    pub(crate) fn take(config: &ConfigStore, key: &ConnectionId) -> Result<OpLock, Error> {
        Self::try_take(config, key)?.ok_or_else(|| Error::ConfigIo {
            action: "lock",
            path: Self::path(config, key),
            source: std::io::ErrorKind::WouldBlock.into(),
        })
    }
}

impl Drop for OpLock {
    fn drop(&mut self) {
        // Deleted while still locked; the file handle, dropped next, releases the lock.
        let _ = std::fs::remove_file(&self.path);
    }
}

/// A key as a file name: ids jira-connect makes are kept as they are; anything else
/// (a hand-edited record) is hex-encoded, so it can never name a path elsewhere.
fn file_safe(key: &str) -> String {
    let plain = !key.is_empty()
        && key.len() <= 64
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if plain {
        return key.to_string();
    }
    let hex: String = key.bytes().take(64).map(|b| format!("{b:02x}")).collect();
    format!("x{hex}")
}

/// What a replacement changes in the metadata.
pub(crate) struct Replacement {
    pub token_expires: Option<Date>,
    /// The new label; the old one is kept when absent.
    pub token_label: Option<String>,
    /// The new token's id on the server. Always written, so that an old token's id never
    /// outlives its token.
    pub token_id: Option<u64>,
    /// When the new token was created, as the server says; today when absent.
    pub token_created: Option<Date>,
    /// The new login (a service account's new client id); the old one is kept when absent.
    pub login: Option<String>,
    pub check: LastCheck,
}

/// The key of a rotation's record and its lock, held by this process: the record of the
/// token it created, held until the swap has taken the record over or the token has been
/// revoked; or the key the old token's revocation is recorded under with the swap, held
/// until the rotation is over, so that no other process revokes the old token meanwhile.
#[derive(Debug)]
pub(crate) struct Held {
    key: ConnectionId,
    _lock: OpLock,
}

impl Held {
    /// The record's key.
    pub fn key(&self) -> &ConnectionId {
        &self.key
    }
}

/// A revocation an interrupted rotation left to do, claimed by this process: its lock is
/// held until this is dropped, and the record was read again under it.
#[derive(Debug)]
pub(crate) struct Claimed {
    /// The record's key, under which the token may be staged in the keyring.
    pub key: ConnectionId,
    /// The connection the token was made for, as the record has it.
    pub connection: Connection,
    /// The token's id on the server, when known; else `unread` tells how to find it.
    pub token_id: Option<u64>,
    /// A token whose id was never read, known by the name and time it was created with.
    pub unread: Option<UnreadToken>,
    /// Whether the connection is still saved.
    pub live: bool,
    _lock: OpLock,
}

fn apply(c: &mut Connection, change: Replacement) {
    c.token_created = Some(change.token_created.unwrap_or_else(today));
    c.token_expires = change.token_expires;
    c.token_id = change.token_id;
    if change.token_label.is_some() {
        c.token_label = change.token_label;
    }
    if change.login.is_some() {
        c.login = change.login;
    }
    c.last_check = Some(change.check);
}

/// The saved connection with this id, or [`Error::NotFound`].
fn saved<'a>(connections: &'a [Connection], id: &ConnectionId) -> Result<&'a Connection, Error> {
    connections
        .iter()
        .find(|c| &c.id == id)
        .ok_or_else(|| Error::NotFound {
            name: id.to_string(),
        })
}

impl Journal {
    /// The journal of this config and this keyring.
    pub fn new(config: ConfigStore, secrets: Arc<dyn SecretStore>) -> Self {
        Journal { config, secrets }
    }

    /// Drops the record of the operation `key`.
    fn clear_pending(&self, key: &ConnectionId) {
        let cleared = self.config.update(|cfg| {
            cfg.pending.retain(|p| p.lock_key() != key);
            Ok(())
        });
        if let Err(e) = cleared {
            tracing::warn!(error = %e, "could not clear a pending operation; it is finished on the next run");
        }
    }

    /// Marks the record of a failed operation aborted, so that recovery undoes it instead
    /// of finishing it. Needs no keyring.
    fn mark_aborted(&self, key: &ConnectionId) {
        let marked = self.config.update(|cfg| {
            for p in &mut cfg.pending {
                if p.lock_key() == key
                    && let PendingOp::Add { aborted, .. } | PendingOp::Replace { aborted, .. } = p
                {
                    *aborted = true;
                }
            }
            Ok(())
        });
        if let Err(e) = marked {
            tracing::warn!(error = %e, "could not mark a failed operation as aborted");
        }
    }

    /// Undoes a failed operation that wrote, or may have written, the keyring entry
    /// `entry`: the record is marked aborted first, then the entry is deleted and the
    /// record dropped. Whatever fails here, recovery finishes the undo.
    fn abort(&self, key: &ConnectionId, entry: &ConnectionId) {
        self.mark_aborted(key);
        match self.secrets.delete(entry) {
            Ok(()) => self.clear_pending(key),
            Err(e) => {
                tracing::warn!(error = %e, "could not undo a failed change yet; it is undone on the next run")
            }
        }
    }

    /// Writes `secret` under `key`, the keyring entry of the pending operation `key`. A
    /// failed write may still have stored it, so then the operation is undone.
    fn store_or_abort(&self, key: &ConnectionId, secret: &SecretString) -> Result<(), Error> {
        self.secrets.set(key, secret).map_err(|e| {
            self.abort(key, key);
            e.into()
        })
    }

    /// Refuses a change to a connection that another change is under way for. A revocation
    /// left to do does not count: it changes nothing about the connection.
    fn refuse_if_busy(pending: &[PendingOp], id: &ConnectionId, name: &str) -> Result<(), Error> {
        let busy = |p: &PendingOp| !matches!(p, PendingOp::Revoke { .. });
        Self::refuse_if(pending, name, |p| p.id() == id && busy(p))
    }

    fn refuse_if(
        pending: &[PendingOp],
        name: &str,
        busy: impl Fn(&PendingOp) -> bool,
    ) -> Result<(), Error> {
        if pending.iter().any(busy) {
            return Err(Error::InvalidInput {
                field: InputField::Connection,
                reason: format!(
                    "another change to {name:?} is still running or was interrupted; wait for \
                     it to end, or start jira-connect again, which finishes an interrupted \
                     one, then try again"
                ),
            });
        }
        Ok(())
    }

    /// Stores a validated connection's secret, then its metadata.
    pub fn add(&self, connection: Connection, secret: &SecretString) -> Result<Connection, Error> {
        let id = connection.id.clone();
        let _lock = OpLock::take(&self.config, &id)?;
        self.config.update(|cfg| {
            let taken = cfg.find(&connection.name).is_some()
                || cfg.pending.iter().any(
                    |p| matches!(p, PendingOp::Add { connection: c, .. } if c.name == connection.name),
                );
            if taken {
                return Err(Error::DuplicateName {
                    name: connection.name.clone(),
                });
            }
            if cfg.connections.iter().any(|c| c.id == id) || cfg.pending.iter().any(|p| p.id() == &id)
            {
                return Err(Error::InvalidInput {
                    field: InputField::Connection,
                    reason: "its id is in use already; try again".into(),
                });
            }
            cfg.pending.push(PendingOp::Add {
                connection: connection.clone(),
                aborted: false,
            });
            Ok(())
        })?;
        hit("add:pending-written");

        self.store_or_abort(&id, secret)?;
        hit("add:secret-stored");

        let finished = self.config.update(|cfg| {
            // Never two entries with the same id or the same name.
            if let Some(done) = cfg.connections.iter().find(|c| c.id == id) {
                let done = done.clone();
                cfg.pending.retain(|p| p.lock_key() != &id);
                return Ok(done);
            }
            if cfg.find(&connection.name).is_some() {
                return Err(Error::DuplicateName {
                    name: connection.name.clone(),
                });
            }
            cfg.pending.retain(|p| p.lock_key() != &id);
            cfg.connections.push(connection.clone());
            Ok(connection.clone())
        });
        if finished.is_err() {
            // Undo what can be undone now; recovery handles the rest.
            self.abort(&id, &id);
        }
        finished
    }

    /// Swaps a validated secret in for a connection's old one.
    pub fn replace(
        &self,
        id: &ConnectionId,
        secret: &SecretString,
        change: Replacement,
    ) -> Result<Connection, Error> {
        let staging = ConnectionId::generate();
        let _lock = OpLock::take(&self.config, &staging)?;
        self.config.update(|cfg| {
            let c = saved(&cfg.connections, id)?;
            Self::refuse_if_busy(&cfg.pending, id, &c.name)?;
            cfg.pending
                .push(PendingOp::replace(id, &staging, &change, None));
            Ok(())
        })?;
        hit("replace:pending-written");

        self.store_or_abort(&staging, secret)?;
        hit("replace:staged");
        self.swap_staged(id, &staging, secret, change)
    }

    /// The swap proper, once the new secret is staged under `staging` and the replacement's
    /// record written: the connection's entry, then the metadata, then the staged copy.
    fn swap_staged(
        &self,
        id: &ConnectionId,
        staging: &ConnectionId,
        secret: &SecretString,
        change: Replacement,
    ) -> Result<Connection, Error> {
        if let Err(e) = self.secrets.set(id, secret) {
            // The old secret is untouched: a keyring write replaces an item whole or not at
            // all. The staged copy must never be swapped in later.
            self.abort_swap(staging);
            return Err(e.into());
        }
        hit("replace:swapped");

        let updated = self.finish_replacement(id, staging, change)?;
        hit("replace:metadata-written");
        self.drop_staging(staging);
        Ok(updated)
    }

    /// Undoes a swap whose connection entry could not be written. A plain replacement is
    /// aborted; a rotation's record turns back into the revocation of its new token, whose
    /// staged copy is kept to revoke it with. Should that write fail, the rotation is
    /// aborted like a replacement, and recovery still revokes the token, with the
    /// connection's own.
    fn abort_swap(&self, staging: &ConnectionId) {
        let mut old_copy = None;
        let turned = self.config.update(|cfg| {
            let Some(i) = cfg.pending.iter().position(|p| p.lock_key() == staging) else {
                return Ok(false);
            };
            let PendingOp::Replace {
                id,
                rotation: Some(rotation),
                ..
            } = &cfg.pending[i]
            else {
                return Ok(false);
            };
            old_copy = Some(rotation.revoke_key.clone());
            let Some(connection) = cfg.connections.iter().find(|c| &c.id == id).cloned() else {
                return Ok(false);
            };
            // The old token's copy, if the swap made it, goes with this record: the
            // connection keeps the old token.
            cfg.pending[i] = PendingOp::Revoke {
                key: staging.clone(),
                connection,
                token_id: Some(rotation.created),
                unread: None,
                old_copy: old_copy.clone(),
            };
            Ok(true)
        });
        if matches!(turned, Ok(true)) {
            return;
        }
        // Aborted like a replacement; the old token's copy goes first, or else the record
        // stays for recovery, which rolls the rotation back, the copy included.
        if let Some(old_copy) = old_copy
            && let Err(e) = self.secrets.delete(&old_copy)
        {
            tracing::warn!(error = %e, "could not delete the old token's copy yet; the next run does");
            self.mark_aborted(staging);
            return;
        }
        self.abort(staging, staging);
    }

    /// Refuses while any change to the connection `id` is under way or left to finish,
    /// revocations included: what [`Journal::record_created`] will check, asked before the
    /// server creates a token in vain.
    pub fn refuse_if_pending(&self, id: &ConnectionId) -> Result<(), Error> {
        let cfg = self.config.load()?;
        let name = cfg
            .connections
            .iter()
            .find(|c| &c.id == id)
            .map_or_else(|| id.to_string(), |c| c.name.clone());
        Self::refuse_if(&cfg.pending, &name, |p| p.id() == id)
    }

    /// Writes the record of a token a rotation has just created on the server for the
    /// connection `id`, before anything else happens: from here on, a crash leaves it to
    /// be revoked. Refuses while another change to the connection is under way or left to
    /// finish, revocations included, so that two rotations never race.
    pub fn record_created(&self, id: &ConnectionId, token_id: u64) -> Result<Held, Error> {
        let held = self.record(id, Some(token_id), None)?;
        hit("rotate:recorded");
        Ok(held)
    }

    /// Writes the record of a token the server made for the connection `id` whose answer
    /// told no id: the next run finds it by the name and time it was created with, and
    /// revokes it, like [`Journal::record_created`]'s. Written before the token is looked
    /// for, so that a crash meanwhile still leaves it to be revoked.
    pub fn record_unread(&self, id: &ConnectionId, unread: UnreadToken) -> Result<Held, Error> {
        let held = self.record(id, None, Some(unread))?;
        hit(crate::core::failpoint::ROTATE_UNREAD);
        Ok(held)
    }

    fn record(
        &self,
        id: &ConnectionId,
        token_id: Option<u64>,
        unread: Option<UnreadToken>,
    ) -> Result<Held, Error> {
        let key = ConnectionId::generate();
        let lock = OpLock::take(&self.config, &key)?;
        self.config.update(|cfg| {
            let c = saved(&cfg.connections, id)?;
            Self::refuse_if(&cfg.pending, &c.name, |p| p.id() == id)?;
            cfg.pending.push(PendingOp::Revoke {
                key: key.clone(),
                connection: c.clone(),
                token_id,
                unread: unread.clone(),
                old_copy: None,
            });
            Ok(())
        })?;
        Ok(Held { key, _lock: lock })
    }

    /// Stages the created token under its record's key, so that recovery can revoke it with
    /// itself and the swap can use it.
    pub fn stage_created(&self, held: &Held, secret: &SecretString) -> Result<(), Error> {
        self.secrets.set(&held.key, secret)?;
        hit("rotate:staged");
        Ok(())
    }

    /// Drops a token's revocation record and staged copy once the token has been revoked: a
    /// created token's, or the old token's. What cannot be deleted now is left to the next
    /// run, which finds the token gone.
    pub fn release(&self, held: &Held) {
        if let Err(e) = self.drop_staged(&held.key) {
            tracing::warn!(error = %e, "could not delete a staged token yet; retried on the next run")
        }
    }

    /// Deletes the token staged under the record `key` (and the old token's copy that a
    /// rolled-back rotation left with it), then the record. A copy that cannot be deleted
    /// keeps its record.
    fn drop_staged(&self, key: &ConnectionId) -> Result<(), Error> {
        let old_copy = self.config.load()?.pending.iter().find_map(|p| match p {
            PendingOp::Revoke {
                key: k,
                old_copy: Some(copy),
                ..
            } if k == key => Some(copy.clone()),
            _ => None,
        });
        if let Some(copy) = old_copy {
            self.secrets.delete(&copy)?;
        }
        self.secrets.delete(key)?;
        self.clear_pending(key);
        Ok(())
    }

    /// Takes the lock of the old token's revocation, under a fresh key, before a
    /// rotation's swap records that revocation.
    pub fn reserve_revocation(&self) -> Result<Held, Error> {
        let key = ConnectionId::generate();
        let lock = OpLock::take(&self.config, &key)?;
        Ok(Held { key, _lock: lock })
    }

    /// The keys of the revocations interrupted rotations left to do, for the connection
    /// `only` or for all: each is to be claimed with [`Journal::claim_revocation`].
    pub fn revocations(&self, only: Option<&ConnectionId>) -> Result<Vec<ConnectionId>, Error> {
        let pending = self.config.load()?.pending.clone();
        Ok(pending
            .into_iter()
            .filter_map(|op| match op {
                PendingOp::Revoke {
                    key, connection, ..
                } if only.is_none_or(|id| id == &connection.id) => Some(key),
                _ => None,
            })
            .collect())
    }

    /// Claims the revocation `key`: takes its lock without waiting and reads the record
    /// again under it. `Ok(None)` when another process holds it, or it was finished since.
    pub fn claim_revocation(&self, key: &ConnectionId) -> Result<Option<Claimed>, Error> {
        let Some(lock) = OpLock::try_take(&self.config, key)? else {
            return Ok(None);
        };
        // Read again under the lock: another process may have finished it.
        let current = self.config.load()?;
        let Some(PendingOp::Revoke {
            connection,
            token_id,
            unread,
            ..
        }) = current
            .pending
            .iter()
            .find(|p| p.lock_key() == key)
            .cloned()
        else {
            return Ok(None);
        };
        let live = current.connections.iter().any(|c| c.id == connection.id);
        Ok(Some(Claimed {
            key: key.clone(),
            connection,
            token_id,
            unread,
            live,
            _lock: lock,
        }))
    }

    /// Drops a claimed revocation once its token is gone from the server: its staged copy,
    /// then its record. A copy that cannot be deleted now keeps its record, and the next
    /// run finds the token gone.
    pub fn drop_revoked(&self, claimed: &Claimed) -> Result<(), Error> {
        self.drop_staged(&claimed.key)
    }

    /// The staged copy of the token a claimed revocation is about, if there is one.
    pub fn staged(&self, claimed: &Claimed) -> Result<Option<SecretString>, Error> {
        Ok(self.secrets.get(&claimed.key)?)
    }

    /// Swaps a created and validated token in for the connection `id`'s old one: its record
    /// becomes the replacement's, with the staged copy already in place, and the swap runs
    /// as [`Journal::replace`]'s. On failure the record is a revocation again (see
    /// [`Journal::abort_swap`]) and `held` still names it.
    ///
    /// When the old token's id is known, the old token `old` is first staged under the key
    /// its revocation will be recorded under, so that whoever revokes it, this run or the
    /// next after a crash, can check that it no longer logs in. The copy goes when the
    /// revocation's record does ([`Journal::release`], [`Journal::drop_revoked`]), or when
    /// the swap is rolled back.
    pub fn swap_created(
        &self,
        held: &Held,
        id: &ConnectionId,
        (secret, old): (&SecretString, &SecretString),
        change: Replacement,
        rotation: RotationRecord,
    ) -> Result<Connection, Error> {
        let key = &held.key;
        let revoke_key = rotation.old.map(|_| rotation.revoke_key.clone());
        self.config.update(|cfg| {
            let c = saved(&cfg.connections, id)?;
            let others = |p: &PendingOp| {
                p.id() == id && p.lock_key() != key && !matches!(p, PendingOp::Revoke { .. })
            };
            Self::refuse_if(&cfg.pending, &c.name, others)?;
            let record = cfg
                .pending
                .iter_mut()
                .find(|p| p.lock_key() == key)
                .ok_or_else(|| Error::InvalidInput {
                    field: InputField::Connection,
                    reason: "the record of the new token is gone; try again".into(),
                })?;
            *record = PendingOp::replace(id, key, &change, Some(rotation));
            Ok(())
        })?;
        hit("rotate:swapping");
        if let Some(revoke_key) = &revoke_key {
            // The record names this key: a crash from here on leaves no copy behind.
            if let Err(e) = self.secrets.set(revoke_key, old) {
                self.abort_swap(key);
                return Err(e.into());
            }
            hit("rotate:old-staged");
        }
        self.swap_staged(id, key, secret, change)
    }

    /// Applies a replacement's metadata and marks its record for cleanup. A rotation's
    /// also records, in the same write, the revocation of the old token.
    fn finish_replacement(
        &self,
        id: &ConnectionId,
        staging: &ConnectionId,
        change: Replacement,
    ) -> Result<Connection, Error> {
        self.config.update(|cfg| {
            let mut rotated = None;
            for p in &mut cfg.pending {
                if let PendingOp::Replace {
                    staging: s,
                    cleanup,
                    rotation,
                    ..
                } = p
                    && s == staging
                {
                    *cleanup = true;
                    rotated = rotation.clone();
                }
            }
            let c = cfg
                .connections
                .iter_mut()
                .find(|c| &c.id == id)
                .ok_or_else(|| Error::NotFound {
                    name: id.to_string(),
                })?;
            apply(c, change);
            let updated = c.clone();
            if let Some(RotationRecord {
                old: Some(old),
                revoke_key,
                ..
            }) = rotated
                && !cfg.pending.iter().any(|p| p.lock_key() == &revoke_key)
            {
                cfg.pending.push(PendingOp::Revoke {
                    key: revoke_key,
                    connection: updated.clone(),
                    token_id: Some(old),
                    unread: None,
                    old_copy: None,
                });
            }
            Ok(updated)
        })
    }

    fn drop_staging(&self, staging: &ConnectionId) {
        match self.secrets.delete(staging) {
            Ok(()) => {
                hit("replace:staging-deleted");
                self.clear_pending(staging);
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not delete the staged token; retried on the next run")
            }
        }
    }

    /// Deletes a connection's secret, then its metadata.
    pub fn remove(&self, id: &ConnectionId) -> Result<Connection, Error> {
        let key = ConnectionId::generate();
        let _lock = OpLock::take(&self.config, &key)?;
        let connection = self.config.update(|cfg| {
            let c = saved(&cfg.connections, id)?.clone();
            Self::refuse_if_busy(&cfg.pending, id, &c.name)?;
            cfg.pending.push(PendingOp::Remove {
                id: id.clone(),
                lock: Some(key.clone()),
            });
            Ok(c)
        })?;
        hit("remove:pending-written");

        if let Err(e) = self.secrets.delete(id) {
            self.clear_pending(&key);
            return Err(e.into());
        }
        hit("remove:secret-deleted");

        self.config.update(|cfg| {
            cfg.connections.retain(|c| &c.id != id);
            cfg.pending.retain(|p| p.lock_key() != &key);
            Ok(())
        })?;
        Ok(connection)
    }

    /// Finishes or rolls back every operation a crash left behind, and undoes every one
    /// that failed and said so. Operations still running, here or in another process, are
    /// left alone. Returns how many were recovered. Touches the keyring only when there is
    /// something to recover.
    pub fn recover(&self) -> Result<usize, Error> {
        let pending = self.config.load()?.pending.clone();
        let mut recovered = 0;
        for op in &pending {
            if matches!(op, PendingOp::Revoke { .. }) {
                // Needs the network: `Connections::revoke_leftovers`.
                continue;
            }
            let key = op.lock_key();
            let Some(_lock) = OpLock::try_take(&self.config, key)? else {
                tracing::info!("left alone a change that is still under way");
                continue;
            };
            // Read again under the lock: the operation may have moved on or ended since.
            let current = self.config.load()?.pending.clone();
            let Some(op) = current.into_iter().find(|p| p.lock_key() == key) else {
                continue;
            };
            self.recover_one(op)?;
            recovered += 1;
        }
        Ok(recovered)
    }

    /// Finishes or rolls back one operation whose lock this process holds.
    fn recover_one(&self, op: PendingOp) -> Result<(), Error> {
        let key = op.lock_key().clone();
        match op {
            PendingOp::Add {
                connection,
                aborted,
            } => {
                let id = connection.id.clone();
                let cfg = self.config.load()?;
                let listed = cfg.connections.iter().any(|c| c.id == id);
                // The secret was validated and stored, and nothing else took the name:
                // finish the add, unless it failed and said so.
                let keep = !aborted
                    && !listed
                    && cfg.find(&connection.name).is_none()
                    && self.secrets.get(&id)?.is_some();
                if !keep && !listed {
                    self.secrets.delete(&id)?;
                }
                let kept = self.config.update(|cfg| {
                    cfg.pending.retain(|p| p.lock_key() != &key);
                    let free = !cfg
                        .connections
                        .iter()
                        .any(|c| c.id == id || c.name == connection.name);
                    if keep && free {
                        cfg.connections.push(connection);
                    }
                    Ok(keep && free)
                })?;
                if keep && !kept {
                    self.secrets.delete(&id)?;
                }
                tracing::warn!(
                    "finished an interrupted add ({})",
                    if kept || listed {
                        "kept"
                    } else {
                        "rolled back"
                    }
                );
            }
            PendingOp::Replace {
                id,
                staging,
                token_expires,
                token_label,
                token_id,
                token_created,
                login,
                check,
                cleanup,
                aborted,
                rotation,
            } => {
                if let Some(rotation) = &rotation
                    && !cleanup
                    && self.rotation_rolls_back(&id, &staging, aborted)?
                {
                    // The new token was never swapped in: keep the old one, and leave the
                    // new one to be revoked, with its staged copy when there is one. The
                    // old token's copy, if it was made, is not needed.
                    self.secrets.delete(&rotation.revoke_key)?;
                    self.to_revocation(&key, &id, rotation.created)?;
                    tracing::warn!("rolled back an interrupted token rotation");
                    return Ok(());
                }
                if aborted {
                    // The user was told the replacement failed: keep the old secret.
                    self.secrets.delete(&staging)?;
                    self.clear_recovered(&key)?;
                    tracing::warn!("rolled back a token replacement that had failed");
                    return Ok(());
                }
                if !cleanup {
                    let Some(new) = self.secrets.get(&staging)? else {
                        // Nothing was staged, so the old secret was never touched.
                        self.clear_recovered(&key)?;
                        tracing::warn!("rolled back an interrupted token replacement");
                        return Ok(());
                    };
                    let exists = self.config.load()?.connections.iter().any(|c| c.id == id);
                    if exists {
                        // The new secret was validated and staged: finish the swap.
                        if let Some(rotation) = &rotation {
                            self.stage_old_for_recovery(&id, rotation, &new)?;
                        }
                        self.secrets.set(&id, &new)?;
                        let change = Replacement {
                            token_expires,
                            token_label,
                            token_id,
                            token_created,
                            login,
                            check,
                        };
                        self.finish_replacement(&id, &staging, change)?;
                    } else {
                        tracing::warn!(
                            "dropped an interrupted token replacement for a connection that is gone"
                        );
                    }
                }
                self.secrets.delete(&staging)?;
                self.clear_recovered(&key)?;
                tracing::warn!("finished an interrupted token replacement");
            }
            PendingOp::Revoke { .. } => {}
            PendingOp::Remove { id, .. } => {
                self.secrets.delete(&id)?;
                self.config.update(|cfg| {
                    cfg.connections.retain(|c| c.id != id);
                    cfg.pending.retain(|p| p.lock_key() != &key);
                    Ok(())
                })?;
                tracing::warn!("finished an interrupted removal");
            }
        }
        Ok(())
    }

    /// Before an interrupted rotation's swap is finished: makes sure the old token is
    /// staged under the key its revocation is recorded under, as the swap does before it
    /// touches the connection's entry. A crash between the record and that copy leaves the
    /// old token still in the connection's entry, which is copied now; an entry that holds
    /// the new token already was swapped, so nothing is copied.
    fn stage_old_for_recovery(
        &self,
        id: &ConnectionId,
        rotation: &RotationRecord,
        new: &SecretString,
    ) -> Result<(), Error> {
        if rotation.old.is_none() || self.secrets.get(&rotation.revoke_key)?.is_some() {
            return Ok(());
        }
        if let Some(old) = self.secrets.get(id)?
            && old.expose_secret() != new.expose_secret()
        {
            self.secrets.set(&rotation.revoke_key, &old)?;
        }
        Ok(())
    }

    /// Whether an interrupted rotation's swap is to be rolled back rather than finished:
    /// it failed and said so, or nothing was staged, or its connection is gone.
    fn rotation_rolls_back(
        &self,
        id: &ConnectionId,
        staging: &ConnectionId,
        aborted: bool,
    ) -> Result<bool, Error> {
        if aborted {
            return Ok(true);
        }
        let exists = self.config.load()?.connections.iter().any(|c| &c.id == id);
        Ok(!exists || self.secrets.get(staging)?.is_none())
    }

    /// Turns the record `key` of a rotation that is rolled back into the revocation of the
    /// token it created. Without the connection, there is no site to revoke it at: the
    /// staged copy is deleted and the record dropped.
    fn to_revocation(
        &self,
        key: &ConnectionId,
        id: &ConnectionId,
        token_id: u64,
    ) -> Result<(), Error> {
        let turned = self.config.update(|cfg| {
            let connection = cfg.connections.iter().find(|c| &c.id == id).cloned();
            let Some(i) = cfg.pending.iter().position(|p| p.lock_key() == key) else {
                return Ok(true);
            };
            match connection {
                Some(connection) => {
                    cfg.pending[i] = PendingOp::Revoke {
                        key: key.clone(),
                        connection,
                        token_id: Some(token_id),
                        unread: None,
                        old_copy: None,
                    };
                    Ok(true)
                }
                None => Ok(false),
            }
        })?;
        if !turned {
            tracing::warn!(
                token_id,
                "a rotation's connection is gone, so its new token cannot be revoked here"
            );
            self.secrets.delete(key)?;
            self.clear_recovered(key)?;
        }
        Ok(())
    }

    fn clear_recovered(&self, key: &ConnectionId) -> Result<(), Error> {
        self.config.update(|cfg| {
            cfg.pending.retain(|p| p.lock_key() != key);
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(text: &str) -> ConnectionId {
        serde_json::from_value(serde_json::Value::String(text.into())).unwrap()
    }

    #[test]
    fn a_lock_file_stays_in_the_config_dir_whatever_a_record_says() {
        let config = ConfigStore::new("cfg");
        let long = "x".repeat(500);
        for text in ["../../etc/passwd", "a/b", "a\\b", "", "..", &long, "ü"] {
            let path = OpLock::path(&config, &key(text));
            assert_eq!(path.parent(), Some(config.dir()), "{text:?}");
            let name = path.file_name().unwrap().to_str().unwrap();
            assert!(name.len() < 200, "{text:?}: {name}");
            assert!(
                name.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)),
                "{text:?}: {name}"
            );
        }
        let id = ConnectionId::generate();
        assert_eq!(
            OpLock::path(&config, &id),
            config.dir().join(format!("pending-{id}.lock"))
        );
    }

    #[test]
    fn a_held_lock_is_not_taken_twice_and_its_file_goes_with_it() {
        let dir = tempfile::tempdir().unwrap();
        let config = ConfigStore::new(dir.path());
        let id = ConnectionId::generate();
        let held = OpLock::try_take(&config, &id).unwrap().expect("free");
        assert!(OpLock::try_take(&config, &id).unwrap().is_none(), "held");
        drop(held);
        assert!(!OpLock::path(&config, &id).exists(), "its file is deleted");
        assert!(
            OpLock::try_take(&config, &id).unwrap().is_some(),
            "free again"
        );
    }
}
