//! Rotation of a Data Center personal access token in one step: create the new token on the
//! server, check it with Jira, swap it into the keyring, then revoke the old one.
//!
//! Order, and what each failure leaves:
//! 1. The new token is created with the current one; a server that does not let a token
//!    create tokens answers [`Error::PatNeedsPassword`], and the caller asks for the
//!    account's password and calls again with it. The password serves that one request (and
//!    the revocation of the old token, should the new token not be allowed to), and is
//!    never stored or logged. Nothing exists yet, so a failure here (a wrong password
//!    included) changes nothing anywhere.
//! 2. At once the journal records the new token's id for revocation and stages the token in
//!    the keyring ([`crate::core::journal`] explains how), so that from here on a crash
//!    leaves nothing alive on the server: the next run revokes it, and keeps the old token.
//!    A 2xx answer that does not read as the token is recorded all the same, by the id it
//!    names or else by the name and time the token was given, then found and revoked; until
//!    that is done, each run looks for it again and says so.
//! 3. Jira is asked who the new token belongs to, for the connection and every connection
//!    linked to it. A refusal, or a cancel, revokes the new token and keeps the old one.
//! 4. The swap is a replacement's, through the same journal code; rolled back, it revokes
//!    the new token like step 3.
//! 5. The metadata takes the new token's id, name, creation date and expiry from the
//!    server's answer, and, in the same write, the journal records the old token's
//!    revocation; the old token itself was staged under that record's key before the swap,
//!    so that whoever revokes it, after a crash too, can check that it no longer logs in,
//!    and the copy goes with the record. Only then, with the swap durable, the old token
//!    is revoked by its id, with the new token as the credential (or the password, when it
//!    was given and the new token is refused). Without a known id, nothing is guessed: the
//!    account's other tokens are listed so that the user can tell which one to revoke.

use std::sync::Arc;

use jiff::Timestamp;
use jiff::civil::Date;
use secrecy::SecretString;

use crate::core::config::{RotationRecord, UnreadToken};
use crate::core::connection::{Connection, ConnectionId, Deployment, suggested_token_label};
use crate::core::error::{Error, ErrorClass, InputField};
use crate::core::jira::pat::{self, NewPat, Orphan, PatAuth, PatInfo};
use crate::core::jira::{Account, Target};
use crate::core::journal::{Claimed, Held, Replacement};

use super::check::valid_check;
use super::tokens::require_token_api;
use super::{Accepted, Cancel, Connections, blocking, target_of, unless_cancelled};

/// How long a new token lasts when nothing tells how long the old one did.
pub const DEFAULT_ROTATION_DAYS: u32 = 90;

/// What the user asks of a rotation; each default comes from the old token.
#[derive(Debug, Clone, Default)]
pub struct RotateOptions {
    /// Days until the new token expires; by default the old token's lifetime (from its
    /// creation to its expiry), or [`DEFAULT_ROTATION_DAYS`] when that is not known.
    pub expires_in_days: Option<u32>,
    /// The new token's name on the server, which becomes the connection's label; by default
    /// the old label, or a name after this computer.
    pub label: Option<String>,
    /// What to do when the old token is known only by its name.
    pub by_name: ByName,
}

/// What a rotation does with an old token that is known only by its name (its label picks
/// it among several of the account's tokens), before anything is created.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ByName {
    /// Stop with [`Error::OldTokenUnconfirmed`], which names the token, so that the user
    /// can be asked; nothing is created.
    #[default]
    Ask,
    /// The user confirmed that the token with this id is the old one: revoke it.
    Confirmed(u64),
    /// Rotate, but do not revoke a token known only by its name (no one to ask).
    Skip,
}

/// A rotation that went through: the new token is in the keyring and works.
#[derive(Debug)]
pub struct Rotated {
    /// The connection as saved, with the new token's id, label and dates.
    pub connection: Connection,
    /// Who the new token belongs to.
    pub account: Account,
    /// The new token, as the server describes it.
    pub created: PatInfo,
    /// Whether the account's password was used to create it.
    pub with_password: bool,
    /// What became of the old token.
    pub old: OldToken,
}

/// What a rotation did with the old token.
#[derive(Debug)]
pub enum OldToken {
    /// Revoked on the server (or found gone already).
    Revoked { id: u64 },
    /// Not revoked: `error` says why. The revocation stays recorded, and the next run tries
    /// it again (see [`Connections::revoke_leftovers`]).
    NotRevoked { id: u64, error: Error },
    /// Its id was never recorded, so it was not revoked: nothing is guessed. `candidates`
    /// are the account's other tokens, those with the old label first; `Err` when they
    /// could not be listed.
    Unknown {
        candidates: Result<Vec<PatInfo>, Error>,
    },
    /// Known only by its name, and not confirmed ([`ByName::Skip`]): not revoked.
    Unconfirmed { token: PatInfo },
}

/// Which of the account's tokens a rotation replaces, as far as the server tells.
enum OldFound {
    /// The recorded id is listed, or the account has this one token, which is the one the
    /// request was made with.
    Sure(PatInfo),
    /// The list could not be read; the id recorded for the connection.
    Recorded(u64),
    /// Picked by its name among several tokens.
    ByName(PatInfo),
    /// Nothing tells which it is.
    Unknown,
}

/// One revocation that an interrupted rotation left to do, as
/// [`Connections::revoke_leftovers`] handled it.
#[derive(Debug)]
pub struct Leftover {
    /// The connection's name.
    pub connection: String,
    /// Where the user revokes tokens by hand.
    pub token_page: String,
    /// The token's id on the server, when known: recorded, or found by `unread`.
    pub token_id: Option<u64>,
    /// A token whose id the server's answer did not tell: the name and time it was
    /// created with.
    pub unread: Option<UnreadToken>,
    pub outcome: LeftoverOutcome,
}

/// How far from the times a token was asked for and answered, by this machine's clock, the
/// server may date it: servers' clocks drift.
const CLOCK_MARGIN_SECS: i64 = 120;

impl UnreadToken {
    /// When the token was asked for, for a person to look for it.
    pub fn asked_text(&self) -> String {
        self.asked_at.strftime("%Y-%m-%d %H:%M:%S UTC").to_string()
    }

    /// The listed tokens that may be this one: its name, created between the request and
    /// its answer (give or take [`CLOCK_MARGIN_SECS`]), and not the old token.
    fn candidates<'a>(&self, tokens: &'a [PatInfo]) -> Vec<&'a PatInfo> {
        let margin = jiff::SignedDuration::from_secs(CLOCK_MARGIN_SECS);
        let from = self.asked_at.checked_sub(margin).unwrap_or(self.asked_at);
        let to = self
            .answered_at
            .checked_add(margin)
            .unwrap_or(self.answered_at);
        tokens
            .iter()
            .filter(|t| {
                t.name == self.name.trim()
                    && Some(t.id) != self.not
                    && t.created.is_some_and(|at| from <= at && at <= to)
            })
            .collect()
    }
}

/// What became of a revocation left to do.
#[derive(Debug)]
pub enum LeftoverOutcome {
    /// Revoked now, or found gone already (the token itself, when its record holds it, no
    /// longer logs in); the record is dropped.
    Revoked,
    /// The server could not be reached; the record is kept for the next run.
    Later(Error),
    /// The server refused, or the connection and its token are gone: the record is dropped,
    /// and the token is left for the user to revoke on the token page.
    GaveUp(Error),
}

/// The outcome of revoking a token with each credential in turn.
enum Revocation {
    Done,
    Failed(Error),
}

impl Connections {
    /// Rotates a saved Data Center connection's personal access token, as this module says.
    ///
    /// `password` is the account's password, for servers that do not let a token create
    /// tokens: call without it first, and again with it after [`Error::PatNeedsPassword`].
    /// A refused password is [`Error::PasswordRejected`] and changes nothing. On Cloud this
    /// is [`Error::NoTokenApiOnCloud`]. `cancel` is honoured until the swap starts; a cancel
    /// after the new token was created revokes it.
    pub async fn rotate(
        &self,
        name: &str,
        options: RotateOptions,
        password: Option<&SecretString>,
        cancel: &Cancel,
    ) -> Result<Rotated, Error> {
        let connection = self.get(name)?;
        if connection.deployment == Deployment::Cloud {
            return Err(Error::NoTokenApiOnCloud {
                name: connection.name.clone(),
                token_page: connection.token_page(),
            });
        }
        require_token_api(&connection)?;
        if options.expires_in_days == Some(0) {
            return Err(Error::InvalidInput {
                field: InputField::Expires,
                reason: "a token must last at least one day".into(),
            });
        }
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        // What an interrupted rotation of this connection left is revoked first; then
        // nothing may be under way for it, so that no token is created in vain.
        self.revoke_leftovers_of(Some(&connection.id)).await?;
        self.journal().refuse_if_pending(&connection.id)?;
        let old = self.secret_of(&connection).await?;
        let site = connection.site()?;
        let target = target_of(&connection, &site);

        // Which token is being replaced, before a new token with the same name makes the
        // label ambiguous. A list that cannot be read falls back to the recorded id.
        let listed = unless_cancelled(cancel, async {
            Ok(pat::list_tokens(&self.client, &target, &PatAuth::Token(&old)).await)
        })
        .await?;
        let found = old_found(listed, &connection);
        let (old_info, old_id) = match &found {
            OldFound::Sure(info) => (Some(info.clone()), Some(info.id)),
            OldFound::Recorded(id) => (None, Some(*id)),
            OldFound::ByName(info) => match options.by_name {
                ByName::Confirmed(id) if id == info.id => (Some(info.clone()), Some(id)),
                ByName::Skip => (Some(info.clone()), None),
                _ => {
                    return Err(Error::OldTokenUnconfirmed {
                        name: info.name.clone(),
                        id: info.id,
                        created: created_text(info),
                        token_page: connection.token_page(),
                    });
                }
            },
            OldFound::Unknown => (None, None),
        };
        let label = options
            .label
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .or_else(|| connection.token_label.clone())
            .unwrap_or_else(suggested_token_label);
        let days = options
            .expires_in_days
            .or_else(|| lifetime(old_info.as_ref(), &connection))
            .unwrap_or(DEFAULT_ROTATION_DAYS);
        let username = match password {
            Some(_) => Some(self.username_of(&connection, &old).await?),
            None => None,
        };
        let username = username.as_deref().unwrap_or_default();
        // The credential that creates the token: the current token, or the password.
        let auth = || match password {
            Some(password) => PatAuth::Password { username, password },
            None => PatAuth::Token(&old),
        };
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }

        // Not cancellable: a token the server made must be known, to be revoked.
        let asked_at = Timestamp::now();
        let created = pat::create_token_or_orphan(
            &self.client,
            &target,
            &auth(),
            &NewPat {
                name: &label,
                expires_in_days: Some(days),
            },
        )
        .await?;
        let created = match created {
            Ok(created) => created,
            Err(orphan) => {
                let asked = (label.as_str(), asked_at, old_id);
                return Err(self
                    .undo_orphan(&connection, &target, &auth(), orphan, asked)
                    .await);
            }
        };
        tracing::info!(
            name = %connection.name,
            token_id = created.info.id,
            "created a token to rotate to"
        );

        // From here on, every failure before the swap revokes the new token.
        let journal = self.journal();
        let held = {
            let (journal, id, token_id) = (journal.clone(), connection.id.clone(), created.info.id);
            blocking(move || journal.record_created(&id, token_id)).await
        };
        let held = match held {
            Ok(held) => Arc::new(held),
            Err(e) => {
                let auths = [(PatAuth::Token(&created.token), true), (auth(), false)];
                if let Revocation::Failed(left) =
                    revoke(self, &target, created.info.id, &auths).await
                {
                    tracing::warn!(error = %left, "could not revoke a token that was not used");
                }
                return Err(e);
            }
        };
        // Staged, validated, and the old token's revocation key locked, or undone.
        let ready = async {
            let (staging, held, token) = (journal.clone(), held.clone(), created.token.clone());
            blocking(move || staging.stage_created(&held, &token)).await?;
            let validation = self.validate_replacement(&connection, &created.token);
            let accepted = unless_cancelled(cancel, validation).await?;
            let reserving = journal.clone();
            let revoke_key = blocking(move || reserving.reserve_revocation()).await?;
            Ok::<_, Error>((accepted, revoke_key))
        };
        let (accepted, revoke_key) = match ready.await {
            Ok(ready) => ready,
            Err(e) => {
                let auths = [(PatAuth::Token(&created.token), true), (auth(), false)];
                self.undo_created(&target, &held, created.info.id, &auths)
                    .await;
                return Err(e);
            }
        };

        // The swap, as a replacement's; the old token's revocation is recorded with it.
        let Accepted { account, linked } = accepted;
        let change = |found: &Account| Replacement {
            token_expires: created.info.expires,
            token_label: Some(match created.info.name.trim() {
                "" => label.clone(),
                name => name.to_string(),
            }),
            token_id: Some(created.info.id),
            token_created: created.info.created_date(),
            login: None,
            check: valid_check(found),
        };
        let rotation = RotationRecord {
            created: created.info.id,
            old: old_id,
            revoke_key: revoke_key.key().clone(),
        };
        let swapped = {
            let (journal, held, id) = (journal.clone(), held.clone(), connection.id.clone());
            let (token, old, change) = (created.token.clone(), old.clone(), change(&account));
            blocking(move || journal.swap_created(&held, &id, (&token, &old), change, rotation))
                .await
        };
        let updated = match swapped {
            Ok(updated) => updated,
            Err(e) => {
                drop(revoke_key);
                let auths = [(PatAuth::Token(&created.token), true), (auth(), false)];
                self.undo_created(&target, &held, created.info.id, &auths)
                    .await;
                return Err(e);
            }
        };
        drop(held);
        tracing::info!(name = %updated.name, "token rotated");
        for (other, found) in linked {
            self.swap_one(&other.id, &created.token, change(&found))
                .await?;
        }
        crate::core::failpoint::hit("rotate:swapped");

        let old = match (old_id, found) {
            (Some(id), _) => {
                let mut auths = vec![(PatAuth::Token(&created.token), false)];
                if let Some(password) = password {
                    auths.push((PatAuth::Password { username, password }, false));
                }
                let revocation = revoke(self, &target, id, &auths).await;
                // Only the old token no longer logging in means it is revoked.
                let error = match (self.validate_for(&connection, &old).await, revocation) {
                    (Err(Error::BadCredentials { .. }), _) => None,
                    (Ok(_), Revocation::Done) => Some(Error::OldTokenStillWorks {
                        product: connection.product.title(),
                        id,
                        token_page: connection.token_page(),
                    }),
                    (_, Revocation::Failed(error)) | (Err(error), Revocation::Done) => Some(error),
                };
                match error {
                    None => {
                        // Its record goes, and the copy of the old token staged with it.
                        let (journal, revoke_key) = (journal.clone(), revoke_key);
                        let _ = blocking(move || {
                            journal.release(&revoke_key);
                            Ok::<_, Error>(())
                        })
                        .await;
                        OldToken::Revoked { id }
                    }
                    Some(error) => {
                        // The record stays, with the old token itself staged by the swap,
                        // so that the next run revokes it and checks again with it.
                        tracing::warn!(%error, "the old token is not revoked yet; retried on the next run");
                        drop(revoke_key);
                        OldToken::NotRevoked { id, error }
                    }
                }
            }
            (None, OldFound::ByName(token)) => {
                drop(revoke_key);
                OldToken::Unconfirmed { token }
            }
            (None, _) => {
                drop(revoke_key);
                OldToken::Unknown {
                    candidates: self
                        .other_tokens(&target, &created, connection.token_label.as_deref())
                        .await,
                }
            }
        };
        Ok(Rotated {
            connection: updated,
            account,
            created: created.info,
            with_password: password.is_some(),
            old,
        })
    }

    /// The username a password goes with: the connection's, or the one Jira reports for
    /// its token.
    async fn username_of(
        &self,
        connection: &Connection,
        secret: &SecretString,
    ) -> Result<String, Error> {
        if let Some(login) = connection.login.as_deref().filter(|l| !l.is_empty()) {
            return Ok(login.to_string());
        }
        let account = self.validate_for(connection, secret).await?;
        account.username.ok_or_else(|| Error::InvalidInput {
            field: InputField::Username,
            reason: format!(
                "{:?} records no username, and Jira did not report one",
                connection.name
            ),
        })
    }

    /// Revokes a created token that was not swapped in, then drops its record and staged
    /// copy. Should the revocation fail, both stay, and the next run revokes it.
    async fn undo_created(
        &self,
        target: &Target<'_>,
        held: &Arc<Held>,
        token_id: u64,
        auths: &[(PatAuth<'_>, bool)],
    ) {
        match revoke(self, target, token_id, auths).await {
            Revocation::Done => {
                let (journal, held) = (self.journal(), held.clone());
                let _ = blocking(move || {
                    journal.release(&held);
                    Ok::<_, Error>(())
                })
                .await;
                tracing::info!(token_id, "revoked the token that was not used");
            }
            Revocation::Failed(e) => {
                tracing::warn!(
                    error = %e,
                    token_id,
                    "could not revoke the token that was not used yet; retried on the next run"
                );
            }
        }
    }

    /// Deals with a 2xx answer to a create that does not read as the token: the server may
    /// hold a new token all the same. It is recorded first, by its id or else by the name
    /// it was given and when, so that a crash from here on leaves it to the next run; then
    /// it is found and revoked at once if possible, else by the next command that talks to
    /// the server, which says so until it is done. Returns the error that tells the user.
    async fn undo_orphan(
        &self,
        connection: &Connection,
        target: &Target<'_>,
        auth: &PatAuth<'_>,
        orphan: Orphan,
        (name, asked_at, old_id): (&str, Timestamp, Option<u64>),
    ) -> Error {
        let product = connection.product.title();
        let unread = UnreadToken {
            name: name.trim().to_string(),
            asked_at,
            answered_at: Timestamp::now(),
            not: old_id,
        };
        let unreadable = |fate: String| Error::PatCreatedUnreadable {
            product,
            snippet: orphan.snippet.clone(),
            fate,
            token_page: connection.token_page(),
        };
        let look_for = format!(
            "look for a token named {name:?} created at {} or a little later, and revoke it",
            unread.asked_text()
        );
        tracing::warn!(token_id = ?orphan.id, "an unreadable answer created a token; revoking it");
        let journal = self.journal();
        let held = {
            let (journal, cid, id, unread) = (
                journal.clone(),
                connection.id.clone(),
                orphan.id,
                unread.clone(),
            );
            blocking(move || match id {
                Some(id) => journal.record_created(&cid, id),
                None => journal.record_unread(&cid, unread),
            })
            .await
        };
        let held = match held {
            Ok(held) => Arc::new(held),
            Err(e) => {
                return unreadable(format!(
                    "could not be recorded ({}): {look_for}",
                    e.sentence()
                ));
            }
        };
        if let Some(token) = &orphan.token {
            let (journal, held, token) = (journal.clone(), held.clone(), token.clone());
            if let Err(e) = blocking(move || journal.stage_created(&held, &token)).await {
                tracing::warn!(error = %e, "could not stage the unreadable answer's token");
            }
        }
        let mut auths = Vec::new();
        if let Some(token) = &orphan.token {
            auths.push((PatAuth::Token(token), true));
        }
        auths.push((reborrow(auth), false));
        let itself = orphan.token.as_ref();
        let (id, outcome) = match orphan.id {
            Some(id) => (
                Some(id),
                self.revoke_known(connection, target, id, itself, &auths)
                    .await,
            ),
            None => {
                self.revoke_unread(connection, target, &unread, itself, &auths)
                    .await
            }
        };
        let what = match id {
            Some(id) => format!("(id {id})"),
            None => format!("(named {name:?})"),
        };
        match outcome {
            LeftoverOutcome::Revoked => {
                let (journal, held) = (journal.clone(), held.clone());
                let _ = blocking(move || {
                    journal.release(&held);
                    Ok::<_, Error>(())
                })
                .await;
                unreadable(format!("{what} was revoked at once"))
            }
            LeftoverOutcome::Later(e) => unreadable(format!(
                "{what} could not be revoked yet ({}). It is recorded, and every jira-connect \
                 command that talks to {product} looks for it and revokes it, and says so \
                 until it is done",
                e.sentence()
            )),
            LeftoverOutcome::GaveUp(e) => {
                let (journal, held) = (journal.clone(), held.clone());
                let _ = blocking(move || {
                    journal.release(&held);
                    Ok::<_, Error>(())
                })
                .await;
                unreadable(format!(
                    "{what} could not be revoked ({}): {look_for}",
                    e.sentence()
                ))
            }
        }
    }

    /// The account's tokens other than the one just created, those named `label` first:
    /// the ones the user may want to revoke when the old token's id is unknown.
    async fn other_tokens(
        &self,
        target: &Target<'_>,
        created: &pat::CreatedPat,
        label: Option<&str>,
    ) -> Result<Vec<PatInfo>, Error> {
        let mut tokens =
            pat::list_tokens(&self.client, target, &PatAuth::Token(&created.token)).await?;
        tokens.retain(|t| t.id != created.info.id);
        tokens.sort_by_key(|t| Some(t.name.as_str()) != label);
        Ok(tokens)
    }

    /// Revokes the tokens that interrupted rotations left to revoke: a new token that was
    /// never swapped in, or an old token that was replaced. Each is revoked with the token
    /// itself when its record holds it, else with the connection's current token. Records
    /// another process is working on are left alone.
    ///
    /// The half of the recovery that needs the network: call it after
    /// [`Connections::recover`], from an async context. Asks nothing when there is nothing
    /// to revoke.
    pub async fn revoke_leftovers(&self) -> Result<Vec<Leftover>, Error> {
        self.revoke_leftovers_of(None).await
    }

    /// [`Connections::revoke_leftovers`], for one connection or for all.
    async fn revoke_leftovers_of(
        &self,
        only: Option<&ConnectionId>,
    ) -> Result<Vec<Leftover>, Error> {
        let journal = self.journal();
        let mut done = Vec::new();
        for key in journal.revocations(only)? {
            let claimed = {
                let journal = journal.clone();
                blocking(move || journal.claim_revocation(&key)).await?
            };
            let Some(claimed) = claimed else {
                continue;
            };
            let claimed = Arc::new(claimed);
            let (found, outcome) = self.revoke_leftover(&claimed).await;
            if !matches!(outcome, LeftoverOutcome::Later(_)) {
                // The token is gone: its staged copy and record go too.
                let (journal, claimed) = (journal.clone(), claimed.clone());
                let dropped = blocking(move || journal.drop_revoked(&claimed)).await;
                if let Err(e) = dropped {
                    tracing::warn!(error = %e, "could not delete a revoked token's staged copy yet");
                }
            }
            let Claimed {
                connection,
                token_id,
                unread,
                ..
            } = &*claimed;
            let token_id = found.or(*token_id);
            match &outcome {
                LeftoverOutcome::Revoked => {
                    tracing::warn!(?token_id, "revoked a token an interrupted rotation left")
                }
                LeftoverOutcome::Later(e) | LeftoverOutcome::GaveUp(e) => {
                    tracing::warn!(
                        error = %e,
                        ?token_id,
                        "could not revoke a token an interrupted rotation left"
                    )
                }
            }
            done.push(Leftover {
                connection: connection.name.clone(),
                token_page: connection.token_page(),
                token_id,
                unread: unread.clone(),
                outcome,
            });
        }
        Ok(done)
    }

    /// Revokes the token of a claimed revocation on the server, with its staged copy or
    /// else the connection's current token; returns the token's id when it was found by
    /// its name and time.
    async fn revoke_leftover(&self, claimed: &Arc<Claimed>) -> (Option<u64>, LeftoverOutcome) {
        let Claimed {
            connection,
            token_id,
            unread,
            live,
            ..
        } = &**claimed;
        let live = *live;
        let staged = {
            let (journal, claimed) = (self.journal(), claimed.clone());
            blocking(move || journal.staged(&claimed)).await
        };
        let staged = match staged {
            Ok(staged) => staged,
            Err(e) => return (None, LeftoverOutcome::Later(e)),
        };
        let own = match live {
            true => match blocking({
                let (secrets, id) = (self.secrets.clone(), connection.id.clone());
                move || secrets.get(&id)
            })
            .await
            {
                Ok(own) => own,
                Err(e) => return (None, LeftoverOutcome::Later(e)),
            },
            false => None,
        };
        let site = match connection.site() {
            Ok(site) => site,
            Err(e) => return (None, LeftoverOutcome::GaveUp(e)),
        };
        let target = target_of(connection, &site);
        let mut auths = Vec::new();
        if let Some(staged) = &staged {
            auths.push((PatAuth::Token(staged), true));
        }
        if let Some(own) = &own {
            auths.push((PatAuth::Token(own), false));
        }
        if auths.is_empty() {
            // Nothing of the account's is left to revoke it with.
            let name = connection.name.clone();
            return (
                None,
                LeftoverOutcome::GaveUp(match live {
                    true => Error::SecretMissing { name },
                    false => Error::NotFound { name },
                }),
            );
        }
        match (token_id, unread) {
            (Some(id), _) => (
                None,
                self.revoke_known(connection, &target, *id, staged.as_ref(), &auths)
                    .await,
            ),
            (None, Some(unread)) => {
                self.revoke_unread(connection, &target, unread, staged.as_ref(), &auths)
                    .await
            }
            (None, None) => (
                None,
                LeftoverOutcome::GaveUp(Error::InvalidInput {
                    field: InputField::Connection,
                    reason: "a recorded revocation names no token".into(),
                }),
            ),
        }
    }

    /// Revokes the token `id`, and tells whether it is gone: with the token itself in
    /// hand (`itself`), only its no longer logging in counts as revoked; while it still
    /// does, the record stays, and each run says so.
    async fn revoke_known(
        &self,
        connection: &Connection,
        target: &Target<'_>,
        id: u64,
        itself: Option<&SecretString>,
        auths: &[(PatAuth<'_>, bool)],
    ) -> LeftoverOutcome {
        let revocation = revoke(self, target, id, auths).await;
        let alive = match itself {
            Some(token) => Some(self.validate_for(connection, token).await),
            None => None,
        };
        match (alive, revocation) {
            (Some(Err(Error::BadCredentials { .. })), _) => LeftoverOutcome::Revoked,
            (Some(Ok(_)), Revocation::Done) => LeftoverOutcome::Later(Error::OldTokenStillWorks {
                product: connection.product.title(),
                id,
                token_page: connection.token_page(),
            }),
            (Some(Ok(_)), Revocation::Failed(e)) | (Some(Err(e)), Revocation::Done) => {
                LeftoverOutcome::Later(e)
            }
            (_, Revocation::Done) => LeftoverOutcome::Revoked,
            (_, Revocation::Failed(e)) => failed(e),
        }
    }

    /// Finds the token an unreadable create answer made, by the name and time it was
    /// created with, revokes it, and tells whether it is gone, with its id once found.
    /// Gone means: the token itself (`itself`), when in hand, no longer logs in, or else the
    /// list, read again, no longer shows it. A list that cannot be read keeps the record.
    async fn revoke_unread(
        &self,
        connection: &Connection,
        target: &Target<'_>,
        unread: &UnreadToken,
        itself: Option<&SecretString>,
        auths: &[(PatAuth<'_>, bool)],
    ) -> (Option<u64>, LeftoverOutcome) {
        let left = |why: &str| Error::UnreadTokenLeft {
            product: connection.product.title(),
            name: unread.name.clone(),
            at: unread.asked_text(),
            why: why.into(),
            token_page: connection.token_page(),
        };
        let dead = async |token: Option<&SecretString>| match token {
            Some(token) => matches!(
                self.validate_for(connection, token).await,
                Err(Error::BadCredentials { .. })
            ),
            None => false,
        };
        let tokens = match list_with(self, target, auths).await {
            Ok(tokens) => tokens,
            Err(_) if dead(itself).await => return (None, LeftoverOutcome::Revoked),
            Err(e) => return (None, LeftoverOutcome::Later(e)),
        };
        let id = match unread.candidates(&tokens).as_slice() {
            [token] => token.id,
            [] => {
                let why = "no token of that name created then is listed (revoked already?)";
                return (None, LeftoverOutcome::GaveUp(left(why)));
            }
            _ => {
                let why = "several tokens of that name were created then, so it cannot tell \
                           which one to revoke";
                return (None, LeftoverOutcome::GaveUp(left(why)));
            }
        };
        if let Revocation::Failed(e) = revoke(self, target, id, auths).await {
            return (Some(id), failed(e));
        }
        let outcome = match list_with(self, target, auths).await {
            Ok(tokens) if tokens.iter().any(|t| t.id == id) => {
                LeftoverOutcome::Later(left("it is still listed after it was revoked"))
            }
            Ok(_) if itself.is_some() && !dead(itself).await => {
                LeftoverOutcome::Later(left("it still logs in after it was revoked"))
            }
            Ok(_) => LeftoverOutcome::Revoked,
            Err(e) => LeftoverOutcome::Later(e),
        };
        (Some(id), outcome)
    }
}

/// What a revocation that failed leaves: tried again later when the server could not be
/// reached or asked to wait, else left to the user.
fn failed(e: Error) -> LeftoverOutcome {
    match e {
        e if e.class() == ErrorClass::Unreachable => LeftoverOutcome::Later(e),
        e @ Error::RateLimited { .. } => LeftoverOutcome::Later(e),
        e => LeftoverOutcome::GaveUp(e),
    }
}

/// The account's tokens, listed with each credential in turn until one is allowed to.
async fn list_with(
    svc: &Connections,
    target: &Target<'_>,
    auths: &[(PatAuth<'_>, bool)],
) -> Result<Vec<PatInfo>, Error> {
    let mut last = None;
    for (auth, _) in auths {
        match pat::list_tokens(&svc.client, target, auth).await {
            Ok(tokens) => return Ok(tokens),
            Err(e @ (Error::BadCredentials { .. } | Error::Forbidden { .. })) => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or(Error::Cancelled))
}

/// Revokes the token `id` with each credential in turn, until one is allowed to. The token
/// not being there counts as done, and so does a refusal of a credential that is the token
/// itself (`true` beside it): a token the server rejects is not alive.
async fn revoke(
    svc: &Connections,
    target: &Target<'_>,
    id: u64,
    auths: &[(PatAuth<'_>, bool)],
) -> Revocation {
    let mut last = None;
    for (auth, itself) in auths {
        match pat::revoke_token(&svc.client, target, auth, id).await {
            Ok(()) | Err(Error::PatNotFound { .. }) => return Revocation::Done,
            Err(Error::BadCredentials { .. }) if *itself => return Revocation::Done,
            Err(e @ (Error::BadCredentials { .. } | Error::Forbidden { .. })) => last = Some(e),
            Err(e) => return Revocation::Failed(e),
        }
    }
    Revocation::Failed(last.unwrap_or(Error::Cancelled))
}

/// Which of the listed tokens is the old one (see [`OldFound`]).
fn old_found(listed: Result<Vec<PatInfo>, Error>, connection: &Connection) -> OldFound {
    let tokens = match listed {
        Ok(tokens) => tokens,
        Err(e) => {
            tracing::warn!(error = %e, "could not read the token list; using the recorded id");
            return match connection.token_id {
                Some(id) => OldFound::Recorded(id),
                None => OldFound::Unknown,
            };
        }
    };
    if let Some(found) = connection
        .token_id
        .and_then(|id| tokens.iter().find(|t| t.id == id))
    {
        return OldFound::Sure(found.clone());
    }
    if let [only] = tokens.as_slice() {
        // The list was read with the old token, so it holds that token.
        return OldFound::Sure(only.clone());
    }
    match pat::pick(&tokens, connection.token_label.as_deref()) {
        Ok(found) => OldFound::ByName(found.clone()),
        Err(why) => {
            tracing::info!(%why, "the old token is not known");
            OldFound::Unknown
        }
    }
}

/// When a token was created, for a person to recognise it.
pub fn created_text(token: &PatInfo) -> String {
    match token.created {
        Some(at) => at.strftime("%Y-%m-%d %H:%M UTC").to_string(),
        None => "on a date the server does not tell".into(),
    }
}

/// The same credential, borrowed again.
fn reborrow<'a>(auth: &'a PatAuth<'_>) -> PatAuth<'a> {
    match auth {
        PatAuth::Token(secret) => PatAuth::Token(secret),
        PatAuth::Password { username, password } => PatAuth::Password { username, password },
    }
}

/// How long the old token lasted, in days: from its creation to its expiry, as the server
/// says or else as recorded. `None` for a token that never expires or whose dates are not
/// known.
fn lifetime(server: Option<&PatInfo>, connection: &Connection) -> Option<u32> {
    let (created, expires): (Option<Date>, Option<Date>) = match server {
        Some(info) => (info.created_date(), info.expires),
        None => (connection.token_created, connection.token_expires),
    };
    let days = created?.until(expires?).ok()?.get_days();
    u32::try_from(days).ok().filter(|d| *d > 0)
}
