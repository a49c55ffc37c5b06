//! Where secrets live: the OS keyring, one entry per connection (service `jira-connect`,
//! user = the connection id). There is no plaintext fallback.
//!
//! Keyring calls block and may prompt the user to unlock the keyring, so they are made only
//! when a secret is needed, and never on a UI thread.

use std::sync::{Arc, Mutex};

use keyring_core::CredentialStore;
use secrecy::{ExposeSecret, SecretString};

use crate::core::connection::ConnectionId;
use crate::core::error::{Error, KeyringError};

/// The keyring service name under which every secret is stored.
pub const SERVICE: &str = "jira-connect";

/// Storage for connection secrets.
pub trait SecretStore: Send + Sync {
    /// The secret of a connection; `Ok(None)` when there is no entry.
    fn get(&self, id: &ConnectionId) -> Result<Option<SecretString>, KeyringError>;
    /// Stores or replaces the secret of a connection.
    fn set(&self, id: &ConnectionId, secret: &SecretString) -> Result<(), KeyringError>;
    /// Deletes the secret of a connection; deleting a missing entry is not an error.
    fn delete(&self, id: &ConnectionId) -> Result<(), KeyringError>;
    /// Whether secrets can be read now without asking the user anything. Never prompts:
    /// [`KeyringError::Locked`] when reading them would raise an unlock prompt,
    /// [`KeyringError::Unavailable`] when no keyring answers. `Ok` when nothing is known
    /// against it, which is all a store without such a question can say.
    fn probe(&self) -> Result<(), KeyringError> {
        Ok(())
    }
}

/// A [`SecretStore`] over any keyring-core credential store.
pub struct KeyringStore {
    store: Arc<CredentialStore>,
}

impl KeyringStore {
    /// Wraps a keyring-core store.
    pub fn new(store: Arc<CredentialStore>) -> Self {
        KeyringStore { store }
    }

    /// The platform's keyring: Secret Service on Linux, Keychain on macOS, Credential
    /// Manager on Windows.
    pub fn platform() -> Result<Self, KeyringError> {
        #[cfg(target_os = "linux")]
        let store: Arc<CredentialStore> = zbus_secret_service_keyring_store::Store::new()?;
        #[cfg(target_os = "macos")]
        let store: Arc<CredentialStore> = apple_native_keyring_store::keychain::Store::new()?;
        #[cfg(target_os = "windows")]
        let store: Arc<CredentialStore> = windows_native_keyring_store::Store::new()?;
        #[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
        return Err(KeyringError::Unavailable {
            detail: "this platform has no supported keyring".into(),
        });
        #[cfg(any(target_os = "linux", target_os = "macos", target_os = "windows"))]
        Ok(KeyringStore::new(store))
    }

    /// keyring-core's in-process mock store, for tests.
    #[cfg(any(test, feature = "test-support"))]
    pub fn mock() -> Self {
        let store: Arc<CredentialStore> =
            keyring_core::mock::Store::new().expect("the mock store cannot fail to build");
        KeyringStore::new(store)
    }

    /// Reads another program's entry, e.g. jira-cli's (service `jira-cli`, user = login),
    /// for importing it.
    pub(crate) fn read_foreign(
        &self,
        service: &str,
        user: &str,
    ) -> Result<Option<SecretString>, KeyringError> {
        match self.store.build(service, user, None)?.get_password() {
            Ok(secret) => Ok(Some(SecretString::from(secret))),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn entry(&self, id: &ConnectionId) -> Result<keyring_core::Entry, KeyringError> {
        Ok(self.store.build(SERVICE, id.as_str(), None)?)
    }
}

impl SecretStore for KeyringStore {
    fn get(&self, id: &ConnectionId) -> Result<Option<SecretString>, KeyringError> {
        match self.entry(id)?.get_password() {
            Ok(secret) => Ok(Some(SecretString::from(secret))),
            Err(keyring_core::Error::NoEntry) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    fn set(&self, id: &ConnectionId, secret: &SecretString) -> Result<(), KeyringError> {
        // The only place the secret leaves its wrapper on the way in.
        Ok(self.entry(id)?.set_password(secret.expose_secret())?)
    }

    fn delete(&self, id: &ConnectionId) -> Result<(), KeyringError> {
        match self.entry(id)?.delete_credential() {
            Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }
}

/// The platform keyring, connected on first use: listing connections or starting the app
/// never touches the keyring, which may prompt the user to unlock it. A failed connection
/// is not remembered, so a keyring started (or unlocked) later is found on the next call.
pub(crate) struct LazyPlatformStore {
    connect: Box<dyn Fn() -> Result<KeyringStore, KeyringError> + Send + Sync>,
    store: Mutex<Option<Arc<KeyringStore>>>,
}

impl Default for LazyPlatformStore {
    fn default() -> Self {
        Self::with_connector(KeyringStore::platform)
    }
}

impl LazyPlatformStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// A lazy store over any way of connecting to a keyring.
    pub(crate) fn with_connector(
        connect: impl Fn() -> Result<KeyringStore, KeyringError> + Send + Sync + 'static,
    ) -> Self {
        LazyPlatformStore {
            connect: Box::new(connect),
            store: Mutex::new(None),
        }
    }

    fn store(&self) -> Result<Arc<KeyringStore>, KeyringError> {
        let mut store = self.store.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(connected) = store.as_ref() {
            return Ok(connected.clone());
        }
        let connected = Arc::new((self.connect)()?);
        *store = Some(connected.clone());
        Ok(connected)
    }
}

impl SecretStore for LazyPlatformStore {
    fn get(&self, id: &ConnectionId) -> Result<Option<SecretString>, KeyringError> {
        self.store()?.get(id)
    }

    fn set(&self, id: &ConnectionId, secret: &SecretString) -> Result<(), KeyringError> {
        self.store()?.set(id, secret)
    }

    fn delete(&self, id: &ConnectionId) -> Result<(), KeyringError> {
        self.store()?.delete(id)
    }

    /// On Linux, asks the Secret Service directly, without connecting the store: a search
    /// answers with locked and unlocked items apart, and neither it nor the `Locked`
    /// property raises a prompt, where reading a locked item through the store would. On
    /// other platforms nothing can be asked without the risk of a prompt: `Ok`.
    fn probe(&self) -> Result<(), KeyringError> {
        #[cfg(target_os = "linux")]
        return secret_service::probe();
        #[cfg(not(target_os = "linux"))]
        Ok(())
    }
}

/// The Secret Service, asked whether it is there and unlocked, without a prompt.
#[cfg(target_os = "linux")]
mod secret_service {
    use std::collections::HashMap;

    use zbus::blocking::Connection;
    use zbus::zvariant::OwnedObjectPath;

    use super::SERVICE;
    use crate::core::error::KeyringError;

    const DEST: &str = "org.freedesktop.secrets";
    const PATH: &str = "/org/freedesktop/secrets";
    const SERVICE_IFACE: &str = "org.freedesktop.Secret.Service";
    const COLLECTION_IFACE: &str = "org.freedesktop.Secret.Collection";

    /// A failure of the bus or of the service, classified like the store's own.
    fn failure(err: zbus::Error) -> KeyringError {
        keyring_core::Error::PlatformFailure(Box::new(err)).into()
    }

    /// `Locked` when any of jira-connect's items is locked, or when none is found and the
    /// default collection is locked (a service may hide a locked collection's items);
    /// `Unavailable` when no session bus or no Secret Service answers.
    pub(super) fn probe() -> Result<(), KeyringError> {
        let bus = Connection::session().map_err(|e| KeyringError::Unavailable {
            detail: format!("no D-Bus session bus: {e}"),
        })?;
        let attributes = HashMap::from([("service", SERVICE)]);
        let (unlocked, locked): (Vec<OwnedObjectPath>, Vec<OwnedObjectPath>) = bus
            .call_method(
                Some(DEST),
                PATH,
                Some(SERVICE_IFACE),
                "SearchItems",
                &(attributes,),
            )
            .map_err(failure)?
            .body()
            .deserialize()
            .map_err(failure)?;
        if !locked.is_empty() {
            return Err(KeyringError::Locked {
                detail: "the collection that holds jira-connect's tokens is locked".into(),
            });
        }
        if unlocked.is_empty() && default_collection_locked(&bus)? {
            return Err(KeyringError::Locked {
                detail: "the default collection is locked".into(),
            });
        }
        Ok(())
    }

    /// Whether the collection behind the `default` alias is locked; false when there is
    /// no such collection.
    fn default_collection_locked(bus: &Connection) -> Result<bool, KeyringError> {
        let path: OwnedObjectPath = bus
            .call_method(
                Some(DEST),
                PATH,
                Some(SERVICE_IFACE),
                "ReadAlias",
                &("default",),
            )
            .map_err(failure)?
            .body()
            .deserialize()
            .map_err(failure)?;
        if path.as_str() == "/" {
            return Ok(false);
        }
        let locked: zbus::zvariant::OwnedValue = bus
            .call_method(
                Some(DEST),
                &path,
                Some("org.freedesktop.DBus.Properties"),
                "Get",
                &(COLLECTION_IFACE, "Locked"),
            )
            .map_err(failure)?
            .body()
            .deserialize()
            .map_err(failure)?;
        Ok(bool::try_from(locked).unwrap_or(false))
    }
}

/// Which operation a [`MemoryStore`] should fail, for testing rollback paths.
#[cfg(any(test, feature = "test-support"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailOn {
    Get,
    Set,
    Delete,
}

/// A process-local store for tests, able to simulate keyring failures.
#[cfg(any(test, feature = "test-support"))]
#[derive(Default)]
pub struct MemoryStore {
    entries: Mutex<std::collections::HashMap<String, SecretString>>,
    fail: Mutex<Option<FailOn>>,
    /// How many more calls succeed before every call fails; `None` for no limit.
    locks_after: Mutex<Option<usize>>,
    /// A failing `set` stores the secret all the same.
    failed_sets_apply: Mutex<bool>,
}

#[cfg(any(test, feature = "test-support"))]
impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    /// Makes every later call of this kind fail as a locked keyring would. `None` also
    /// undoes [`MemoryStore::lock_after`].
    pub fn fail_on(&self, op: Option<FailOn>) {
        *self.fail.lock().unwrap_or_else(|e| e.into_inner()) = op;
        if op.is_none() {
            *self.locks_after.lock().unwrap_or_else(|e| e.into_inner()) = None;
        }
    }

    /// Lets the next `calls` calls of any kind succeed, then fails every call as a keyring
    /// that has just locked (or whose daemon has died) would, until `fail_on(None)`.
    pub fn lock_after(&self, calls: usize) {
        *self.locks_after.lock().unwrap_or_else(|e| e.into_inner()) = Some(calls);
    }

    /// Makes a failing `set` store the secret all the same, as when the keyring daemon
    /// writes the item and dies before it answers.
    pub fn apply_failed_sets(&self, on: bool) {
        *self
            .failed_sets_apply
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = on;
    }

    /// How many secrets are stored.
    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn check(&self, op: FailOn) -> Result<(), KeyringError> {
        let locked = {
            let mut left = self.locks_after.lock().unwrap_or_else(|e| e.into_inner());
            match left.as_mut() {
                Some(0) => true,
                Some(n) => {
                    *n -= 1;
                    false
                }
                None => false,
            }
        };
        if locked || *self.fail.lock().unwrap_or_else(|e| e.into_inner()) == Some(op) {
            return Err(KeyringError::Locked {
                detail: "simulated failure".into(),
            });
        }
        Ok(())
    }
}

#[cfg(any(test, feature = "test-support"))]
impl SecretStore for MemoryStore {
    fn get(&self, id: &ConnectionId) -> Result<Option<SecretString>, KeyringError> {
        self.check(FailOn::Get)?;
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        Ok(entries.get(id.as_str()).cloned())
    }

    fn set(&self, id: &ConnectionId, secret: &SecretString) -> Result<(), KeyringError> {
        let result = self.check(FailOn::Set);
        if result.is_ok()
            || *self
                .failed_sets_apply
                .lock()
                .unwrap_or_else(|e| e.into_inner())
        {
            let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            entries.insert(id.as_str().to_string(), secret.clone());
        }
        result
    }

    fn delete(&self, id: &ConnectionId) -> Result<(), KeyringError> {
        self.check(FailOn::Delete)?;
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.remove(id.as_str());
        Ok(())
    }

    /// Locked when reads fail (`fail_on(Some(FailOn::Get))`, or `lock_after` has run out);
    /// asks without counting as a call.
    fn probe(&self) -> Result<(), KeyringError> {
        let reads_fail = *self.fail.lock().unwrap_or_else(|e| e.into_inner()) == Some(FailOn::Get)
            || *self.locks_after.lock().unwrap_or_else(|e| e.into_inner()) == Some(0);
        if reads_fail {
            return Err(KeyringError::Locked {
                detail: "simulated failure".into(),
            });
        }
        Ok(())
    }
}

/// Maps a keyring failure into the main error type.
impl From<keyring_core::Error> for Error {
    fn from(err: keyring_core::Error) -> Self {
        Error::Keyring(err.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(store: &dyn SecretStore) {
        let id = ConnectionId::generate();
        assert!(store.get(&id).unwrap().is_none());
        store.set(&id, &SecretString::from("first")).unwrap();
        assert_eq!(store.get(&id).unwrap().unwrap().expose_secret(), "first");
        store.set(&id, &SecretString::from("second")).unwrap();
        assert_eq!(store.get(&id).unwrap().unwrap().expose_secret(), "second");
        store.delete(&id).unwrap();
        assert!(store.get(&id).unwrap().is_none());
        store.delete(&id).unwrap();
    }

    #[test]
    fn keyring_core_mock_round_trip() {
        round_trip(&KeyringStore::mock());
    }

    #[test]
    fn a_keyring_that_appears_later_is_found() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let attempts = Arc::new(AtomicUsize::new(0));
        let counted = attempts.clone();
        let lazy = LazyPlatformStore::with_connector(move || {
            if counted.fetch_add(1, Ordering::SeqCst) == 0 {
                Err(KeyringError::Unavailable {
                    detail: "no Secret Service yet".into(),
                })
            } else {
                Ok(KeyringStore::mock())
            }
        });
        let id = ConnectionId::generate();
        assert!(lazy.get(&id).is_err(), "the first call finds no keyring");
        lazy.set(&id, &SecretString::from("later")).unwrap();
        assert_eq!(lazy.get(&id).unwrap().unwrap().expose_secret(), "later");
        assert_eq!(
            attempts.load(Ordering::SeqCst),
            2,
            "connected once it was there"
        );
    }

    #[test]
    fn memory_store_round_trip_and_failures() {
        let store = MemoryStore::new();
        round_trip(&store);
        store.fail_on(Some(FailOn::Set));
        let err = store
            .set(&ConnectionId::generate(), &SecretString::from("x"))
            .unwrap_err();
        assert!(err.to_string().contains("locked"), "{err}");

        store.fail_on(None);
        let (a, b) = (ConnectionId::generate(), ConnectionId::generate());
        store.lock_after(1);
        store.set(&a, &SecretString::from("a")).unwrap();
        assert!(store.get(&a).is_err(), "locked after one call");
        store.apply_failed_sets(true);
        assert!(store.set(&b, &SecretString::from("b")).is_err());
        store.fail_on(None);
        assert_eq!(store.get(&b).unwrap().unwrap().expose_secret(), "b");
    }
}
