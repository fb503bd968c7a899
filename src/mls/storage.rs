//! Storage backends: openmls' SQLite storage (the service default) and its in-memory storage
//! (tests), plus the few rows Sonet keeps beside openmls' own (the client's identity, its
//! default signature key per scheme, and the list of its groups).
//!
//! Every engine operation runs as one unit against the backend ([`with_provider!`]): on SQLite
//! inside one `BEGIN IMMEDIATE … COMMIT` transaction, rolled back if the operation fails; on the
//! in-memory store against a snapshot restored if it fails. openmls writes several rows per
//! operation (and, for a Welcome, deletes the consumed KeyPackage *before* validating the rest),
//! so without this a failed or interrupted operation could leave a half-written state.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use openmls::prelude::OpenMlsProvider;
use openmls_memory_storage::MemoryStorage;
use openmls_sqlite_storage::{Codec, SqliteStorageProvider};
use openmls_traits::storage::{StorageProvider, CURRENT_VERSION};
use rusqlite::{params, Connection, OptionalExtension};

use super::error::{storage, MlsError, Result};
use super::provider::SonetCrypto;

/// How openmls' entities are encoded in the SQLite rows (openmls' own tests use JSON too).
#[derive(Default)]
pub(crate) struct JsonCodec;

impl Codec for JsonCodec {
    type Error = serde_json::Error;

    fn to_vec<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, Self::Error> {
        serde_json::to_vec(value)
    }

    fn from_slice<T: serde::de::DeserializeOwned>(slice: &[u8]) -> Result<T, Self::Error> {
        serde_json::from_slice(slice)
    }
}

pub(crate) type SqliteStorage<'c> = SqliteStorageProvider<JsonCodec, &'c Connection>;

/// The `OpenMlsProvider` handed to openmls for one operation.
pub(crate) struct Provider<'a, S> {
    pub(crate) crypto: &'a SonetCrypto,
    pub(crate) storage: &'a S,
}

impl<S: StorageProvider<CURRENT_VERSION>> OpenMlsProvider for Provider<'_, S> {
    type CryptoProvider = SonetCrypto;
    type RandProvider = SonetCrypto;
    type StorageProvider = S;

    fn storage(&self) -> &S {
        self.storage
    }
    fn crypto(&self) -> &SonetCrypto {
        self.crypto
    }
    fn rand(&self) -> &SonetCrypto {
        self.crypto
    }
}

/// Sonet's schema version for its own tables (`PRAGMA user_version`). openmls' tables are
/// migrated by `openmls_sqlite_storage` (refinery, its own bookkeeping table).
const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS sonet_client (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    identity BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS sonet_signature_keys (
    scheme INTEGER PRIMARY KEY,
    public_key BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS sonet_groups (
    group_id BLOB PRIMARY KEY
);
";

/// The in-memory backend. `op` serialises operations so a failed one can restore its snapshot
/// without losing a concurrent one's writes.
pub(crate) struct MemoryBackend {
    pub(crate) storage: MemoryStorage,
    op: Mutex<()>,
    meta: Mutex<MemoryMeta>,
}

#[derive(Clone, Default)]
pub(crate) struct MemoryMeta {
    groups: BTreeSet<Vec<u8>>,
    signature_keys: BTreeMap<u16, Vec<u8>>,
}

/// The SQLite backend: one connection, used under a mutex, one transaction per operation.
pub(crate) struct SqliteBackend {
    conn: Mutex<Connection>,
}

pub(crate) enum Backend {
    Memory(MemoryBackend),
    Sqlite(SqliteBackend),
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A poisoned lock means an operation panicked midway; its effects are undone below
    // (SQLite rolls back the open transaction), so the data is still usable.
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl MemoryBackend {
    pub(crate) fn new() -> Self {
        Self {
            storage: MemoryStorage::default(),
            op: Mutex::new(()),
            meta: Mutex::new(MemoryMeta::default()),
        }
    }

    pub(crate) fn begin(&self) -> MutexGuard<'_, ()> {
        lock(&self.op)
    }

    /// Everything an operation may change: openmls' entries and Sonet's rows.
    pub(crate) fn snapshot(&self) -> (HashMap<Vec<u8>, Vec<u8>>, MemoryMeta) {
        let values = self
            .storage
            .values
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        (values, lock(&self.meta).clone())
    }

    pub(crate) fn restore(&self, (values, meta): (HashMap<Vec<u8>, Vec<u8>>, MemoryMeta)) {
        *self
            .storage
            .values
            .write()
            .unwrap_or_else(|p| p.into_inner()) = values;
        *lock(&self.meta) = meta;
    }
}

impl SqliteBackend {
    /// Opens (creating if needed) the database at `path` and brings both schemas up to date.
    pub(crate) fn open(path: &Path) -> Result<Self> {
        restrict_permissions(path)?;
        let mut conn = Connection::open(path).map_err(storage)?;
        conn.busy_timeout(Duration::from_secs(10))
            .map_err(storage)?;
        // Overwrite deleted rows (consumed KeyPackages, past epoch secrets) with zeros.
        conn.pragma_update(None, "secure_delete", "ON")
            .map_err(storage)?;
        SqliteStorageProvider::<JsonCodec, &mut Connection>::new(&mut conn)
            .run_migrations()
            .map_err(storage)?;
        let version: i64 = conn
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(storage)?;
        if version > SCHEMA_VERSION {
            return Err(MlsError::Storage(format!(
                "database schema version {version} is newer than this build's ({SCHEMA_VERSION})"
            )));
        }
        conn.execute_batch(SCHEMA).map_err(storage)?;
        conn.pragma_update(None, "user_version", SCHEMA_VERSION)
            .map_err(storage)?;
        Ok(Self {
            conn: Mutex::new(conn),
        })
    }

    /// Locks the connection and opens a write transaction.
    pub(crate) fn begin(&self) -> Result<MutexGuard<'_, Connection>> {
        let conn = lock(&self.conn);
        if !conn.is_autocommit() {
            // Left open by an operation that panicked: undo it.
            conn.execute_batch("ROLLBACK").map_err(storage)?;
        }
        conn.execute_batch("BEGIN IMMEDIATE").map_err(storage)?;
        Ok(conn)
    }

    /// Commits if `ok`, rolls back otherwise.
    pub(crate) fn finish(conn: &Connection, ok: bool) -> Result<()> {
        if ok {
            if let Err(e) = conn.execute_batch("COMMIT") {
                let _ = conn.execute_batch("ROLLBACK");
                return Err(storage(e));
            }
            Ok(())
        } else {
            conn.execute_batch("ROLLBACK").map_err(storage)
        }
    }
}

/// The file holds private keys: owner read/write only. A new file is created with that mode
/// (never briefly world-readable); an existing one is set to it.
#[cfg(unix)]
fn restrict_permissions(path: &Path) -> Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(path)
        .map_err(storage)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(storage)
}

#[cfg(not(unix))]
fn restrict_permissions(_path: &Path) -> Result<()> {
    Ok(())
}

/// Sonet's own rows, inside the current operation.
pub(crate) enum Meta<'a> {
    Memory(&'a MemoryBackend),
    Sqlite(&'a Connection),
}

impl Meta<'_> {
    pub(crate) fn identity(&self) -> Result<Option<Vec<u8>>> {
        match self {
            Meta::Memory(_) => Ok(None),
            Meta::Sqlite(conn) => conn
                .query_row("SELECT identity FROM sonet_client WHERE id = 1", [], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(storage),
        }
    }

    pub(crate) fn set_identity(&self, identity: &[u8]) -> Result<()> {
        match self {
            Meta::Memory(_) => Ok(()),
            Meta::Sqlite(conn) => conn
                .execute(
                    "INSERT INTO sonet_client (id, identity) VALUES (1, ?1)",
                    params![identity],
                )
                .map(drop)
                .map_err(storage),
        }
    }

    /// The public key of the client's default signature key for `scheme`.
    pub(crate) fn signature_key(&self, scheme: u16) -> Result<Option<Vec<u8>>> {
        match self {
            Meta::Memory(m) => Ok(lock(&m.meta).signature_keys.get(&scheme).cloned()),
            Meta::Sqlite(conn) => conn
                .query_row(
                    "SELECT public_key FROM sonet_signature_keys WHERE scheme = ?1",
                    params![scheme],
                    |r| r.get(0),
                )
                .optional()
                .map_err(storage),
        }
    }

    pub(crate) fn set_signature_key(&self, scheme: u16, public_key: &[u8]) -> Result<()> {
        match self {
            Meta::Memory(m) => {
                lock(&m.meta)
                    .signature_keys
                    .insert(scheme, public_key.to_vec());
                Ok(())
            }
            Meta::Sqlite(conn) => conn
                .execute(
                    "INSERT OR REPLACE INTO sonet_signature_keys (scheme, public_key) VALUES (?1, ?2)",
                    params![scheme, public_key],
                )
                .map(drop)
                .map_err(storage),
        }
    }

    pub(crate) fn add_group(&self, group_id: &[u8]) -> Result<()> {
        match self {
            Meta::Memory(m) => {
                lock(&m.meta).groups.insert(group_id.to_vec());
                Ok(())
            }
            Meta::Sqlite(conn) => conn
                .execute(
                    "INSERT OR IGNORE INTO sonet_groups (group_id) VALUES (?1)",
                    params![group_id],
                )
                .map(drop)
                .map_err(storage),
        }
    }

    pub(crate) fn remove_group(&self, group_id: &[u8]) -> Result<()> {
        match self {
            Meta::Memory(m) => {
                lock(&m.meta).groups.remove(group_id);
                Ok(())
            }
            Meta::Sqlite(conn) => conn
                .execute(
                    "DELETE FROM sonet_groups WHERE group_id = ?1",
                    params![group_id],
                )
                .map(drop)
                .map_err(storage),
        }
    }

    pub(crate) fn group_ids(&self) -> Result<Vec<Vec<u8>>> {
        match self {
            Meta::Memory(m) => Ok(lock(&m.meta).groups.iter().cloned().collect()),
            Meta::Sqlite(conn) => {
                let mut stmt = conn
                    .prepare("SELECT group_id FROM sonet_groups ORDER BY group_id")
                    .map_err(storage)?;
                let rows = stmt.query_map([], |r| r.get(0)).map_err(storage)?;
                rows.collect::<Result<Vec<Vec<u8>>, _>>().map_err(storage)
            }
        }
    }
}

/// Runs `$body` as one storage transaction with `$p: &impl OpenMlsProvider` and `$meta: &Meta`
/// in scope. `$body` evaluates to `Result<T, MlsError>` and may use `?`; on `Err` every storage
/// write it made is undone. Never nest: the backend is locked for the duration.
macro_rules! with_provider {
    ($backend:expr, $crypto:expr, |$p:ident, $meta:ident| $body:block) => {{
        use $crate::mls::storage::{Backend, Meta, Provider, SqliteBackend, SqliteStorage};
        match $backend {
            Backend::Memory(mem) => {
                let _op = mem.begin();
                let snapshot = mem.snapshot();
                let provider = Provider {
                    crypto: $crypto,
                    storage: &mem.storage,
                };
                #[allow(unused_variables)]
                let $p = &provider;
                #[allow(unused_variables)]
                let $meta = &Meta::Memory(mem);
                // A closure, so `?` and `return` in `$body` end the operation, not the caller.
                #[allow(clippy::redundant_closure_call)]
                let result = (|| -> ::std::result::Result<_, $crate::mls::MlsError> { $body })();
                if result.is_err() {
                    mem.restore(snapshot);
                }
                result
            }
            Backend::Sqlite(sql) => {
                let conn = sql.begin()?;
                let result = {
                    let storage = SqliteStorage::new(&*conn);
                    let provider = Provider {
                        crypto: $crypto,
                        storage: &storage,
                    };
                    #[allow(unused_variables)]
                    let $p = &provider;
                    #[allow(unused_variables)]
                    let $meta = &Meta::Sqlite(&*conn);
                    #[allow(clippy::redundant_closure_call)]
                    let result =
                        (|| -> ::std::result::Result<_, $crate::mls::MlsError> { $body })();
                    result
                };
                SqliteBackend::finish(&conn, result.is_ok())?;
                result
            }
        }
    }};
}

pub(crate) use with_provider;
