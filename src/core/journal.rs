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

use std::sync::Arc;

use jiff::civil::Date;
use secrecy::SecretString;

use crate::core::config::{ConfigStore, PendingOp};
use crate::core::connection::{Connection, ConnectionId, LastCheck, today};
use crate::core::error::Error;
use crate::core::failpoint::hit;
use crate::core::secrets::SecretStore;

/// The config and the keyring, changed together through pending records.
#[derive(Clone)]
pub struct Journal {
    pub config: ConfigStore,
    pub secrets: Arc<dyn SecretStore>,
}

impl PendingOp {
    /// The connection this operation is about.
    pub fn id(&self) -> &ConnectionId {
        match self {
            PendingOp::Add { connection } => &connection.id,
            PendingOp::Replace { id, .. } | PendingOp::Remove { id } => id,
        }
    }
}

/// What a replacement changes in the metadata.
pub struct Replacement {
    pub token_expires: Option<Date>,
    pub token_label: Option<String>,
    pub check: LastCheck,
}

fn apply(c: &mut Connection, token_expires: Option<Date>, label: Option<String>, check: LastCheck) {
    c.token_created = Some(today());
    c.token_expires = token_expires;
    if label.is_some() {
        c.token_label = label;
    }
    c.last_check = Some(check);
}

impl Journal {
    fn clear_pending(&self, id: &ConnectionId) {
        let cleared = self.config.update(|cfg| {
            cfg.pending.retain(|p| p.id() != id);
            Ok(())
        });
        if let Err(e) = cleared {
            tracing::warn!(error = %e, "could not clear a pending operation; it is finished on the next run");
        }
    }

    fn refuse_if_busy(pending: &[PendingOp], id: &ConnectionId, name: &str) -> Result<(), Error> {
        if pending.iter().any(|p| p.id() == id) {
            return Err(Error::InvalidInput {
                field: "connection",
                reason: format!(
                    "another change to {name:?} has not finished; run `jira-connect list` to finish it, then try again"
                ),
            });
        }
        Ok(())
    }

    /// Stores a validated connection's secret, then its metadata.
    pub fn add(&self, connection: Connection, secret: &SecretString) -> Result<Connection, Error> {
        let id = connection.id.clone();
        self.config.update(|cfg| {
            let taken = cfg.find(&connection.name).is_some()
                || cfg.pending.iter().any(
                    |p| matches!(p, PendingOp::Add { connection: c } if c.name == connection.name),
                );
            if taken {
                return Err(Error::DuplicateName {
                    name: connection.name.clone(),
                });
            }
            cfg.pending.push(PendingOp::Add {
                connection: connection.clone(),
            });
            Ok(())
        })?;
        hit("add:pending-written");

        if let Err(e) = self.secrets.set(&id, secret) {
            self.clear_pending(&id);
            return Err(e.into());
        }
        hit("add:secret-stored");

        let finished = self.config.update(|cfg| {
            cfg.pending.retain(|p| p.id() != &id);
            cfg.connections.push(connection.clone());
            Ok(())
        });
        if let Err(e) = finished {
            // Undo what can be undone now; recovery handles the rest.
            if self.secrets.delete(&id).is_ok() {
                self.clear_pending(&id);
            }
            return Err(e);
        }
        Ok(connection)
    }

    /// Swaps a validated secret in for a connection's old one.
    pub fn replace(
        &self,
        id: &ConnectionId,
        secret: &SecretString,
        change: Replacement,
    ) -> Result<Connection, Error> {
        let staging = ConnectionId::generate();
        self.config.update(|cfg| {
            let c = cfg
                .connections
                .iter()
                .find(|c| &c.id == id)
                .ok_or_else(|| Error::NotFound {
                    name: id.to_string(),
                })?;
            Self::refuse_if_busy(&cfg.pending, id, &c.name)?;
            cfg.pending.push(PendingOp::Replace {
                id: id.clone(),
                staging: staging.clone(),
                token_expires: change.token_expires,
                token_label: change.token_label.clone(),
                check: change.check.clone(),
                cleanup: false,
            });
            Ok(())
        })?;
        hit("replace:pending-written");

        if let Err(e) = self.secrets.set(&staging, secret) {
            let _ = self.secrets.delete(&staging);
            self.clear_pending(id);
            return Err(e.into());
        }
        hit("replace:staged");

        if let Err(e) = self.secrets.set(id, secret) {
            // The old secret is untouched: a keyring write replaces an item whole or not at all.
            if self.secrets.delete(&staging).is_ok() {
                self.clear_pending(id);
            }
            return Err(e.into());
        }
        hit("replace:swapped");

        let updated = self.finish_replacement(id, change)?;
        hit("replace:metadata-written");
        self.drop_staging(id, &staging);
        Ok(updated)
    }

    /// Applies a replacement's metadata and marks its record for cleanup.
    fn finish_replacement(
        &self,
        id: &ConnectionId,
        change: Replacement,
    ) -> Result<Connection, Error> {
        self.config.update(|cfg| {
            for p in &mut cfg.pending {
                if let PendingOp::Replace {
                    id: pid, cleanup, ..
                } = p
                    && pid == id
                {
                    *cleanup = true;
                }
            }
            let c = cfg
                .connections
                .iter_mut()
                .find(|c| &c.id == id)
                .ok_or_else(|| Error::NotFound {
                    name: id.to_string(),
                })?;
            apply(c, change.token_expires, change.token_label, change.check);
            Ok(c.clone())
        })
    }

    fn drop_staging(&self, id: &ConnectionId, staging: &ConnectionId) {
        match self.secrets.delete(staging) {
            Ok(()) => {
                hit("replace:staging-deleted");
                self.clear_pending(id);
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not delete the staged token; retried on the next run")
            }
        }
    }

    /// Deletes a connection's secret, then its metadata.
    pub fn remove(&self, id: &ConnectionId) -> Result<Connection, Error> {
        let connection = self.config.update(|cfg| {
            let c = cfg
                .connections
                .iter()
                .find(|c| &c.id == id)
                .cloned()
                .ok_or_else(|| Error::NotFound {
                    name: id.to_string(),
                })?;
            Self::refuse_if_busy(&cfg.pending, id, &c.name)?;
            cfg.pending.push(PendingOp::Remove { id: id.clone() });
            Ok(c)
        })?;
        hit("remove:pending-written");

        if let Err(e) = self.secrets.delete(id) {
            self.clear_pending(id);
            return Err(e.into());
        }
        hit("remove:secret-deleted");

        self.config.update(|cfg| {
            cfg.connections.retain(|c| &c.id != id);
            cfg.pending.retain(|p| p.id() != id);
            Ok(())
        })?;
        Ok(connection)
    }

    /// Finishes or rolls back every operation a crash left behind. Returns how many there
    /// were. Touches the keyring only when there is something to recover.
    pub fn recover(&self) -> Result<usize, Error> {
        let pending = self.config.load()?.pending.clone();
        for op in &pending {
            match op.clone() {
                PendingOp::Add { connection } => {
                    let stored = self.secrets.get(&connection.id)?.is_some();
                    let id = connection.id.clone();
                    self.config.update(|cfg| {
                        cfg.pending.retain(|p| p.id() != &id);
                        // The secret was validated and stored: finish the add.
                        if stored && !cfg.connections.iter().any(|c| c.id == id) {
                            cfg.connections.push(connection);
                        }
                        Ok(())
                    })?;
                    tracing::warn!(
                        "finished an interrupted add ({})",
                        if stored { "kept" } else { "rolled back" }
                    );
                }
                PendingOp::Replace {
                    id,
                    staging,
                    token_expires,
                    token_label,
                    check,
                    cleanup,
                } => {
                    if !cleanup {
                        match self.secrets.get(&staging)? {
                            Some(new) => {
                                // The new secret was validated and staged: finish the swap.
                                self.secrets.set(&id, &new)?;
                                let change = Replacement {
                                    token_expires,
                                    token_label,
                                    check,
                                };
                                // A connection removed meanwhile has no metadata left to update.
                                if let Err(e) = self.finish_replacement(&id, change)
                                    && !matches!(e, Error::NotFound { .. })
                                {
                                    return Err(e);
                                }
                            }
                            None => {
                                // Nothing was staged, so the old secret was never touched.
                                self.clear_pending(&id);
                                tracing::warn!("rolled back an interrupted token replacement");
                                continue;
                            }
                        }
                    }
                    self.secrets.delete(&staging)?;
                    self.config.update(|cfg| {
                        cfg.pending.retain(|p| p.id() != &id);
                        Ok(())
                    })?;
                    tracing::warn!("finished an interrupted token replacement");
                }
                PendingOp::Remove { id } => {
                    self.secrets.delete(&id)?;
                    self.config.update(|cfg| {
                        cfg.connections.retain(|c| c.id != id);
                        cfg.pending.retain(|p| p.id() != &id);
                        Ok(())
                    })?;
                    tracing::warn!("finished an interrupted removal");
                }
            }
        }
        Ok(pending.len())
    }
}
