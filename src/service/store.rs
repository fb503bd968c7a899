//! The service's own state, in one SQLite database under the storage directory: registered
//! identities, published KeyPackages, groups (suite, epoch, members, the commit accepted for
//! each epoch), the per-client mailboxes the delivery workers fill, and the service's own keys.
//!
//! Every method is one transaction, so a crash leaves either all of an operation or none. The
//! database holds ciphertext only, besides the service's own private keys (file mode 0600).

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use super::proto::MailboxMessage;

/// Errors of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("service database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("service database {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("identity is registered with another signature key")]
    IdentityTaken,
    #[error("group already exists")]
    GroupExists,
    #[error("no such group")]
    NoSuchGroup,
    #[error("epoch {epoch} already has a commit (the group is at epoch {current})")]
    EpochTaken { epoch: u64, current: u64 },
    #[error("commit is for epoch {epoch} but the group is at epoch {current}")]
    FutureEpoch { epoch: u64, current: u64 },
    #[error("no such key")]
    NoSuchKey,
    #[error("another rotation of this key happened at the same time; retry")]
    KeyVersionTaken,
}

type Result<T> = std::result::Result<T, StoreError>;

/// A registered identity.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IdentityRecord {
    pub signature_scheme: u16,
    pub public_key: Vec<u8>,
}

/// A group as the delivery service knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupRecord {
    pub cipher_suite: u16,
    pub epoch: u64,
    pub members: Vec<Vec<u8>>,
    pub epoch_started_at_ms: u64,
}

/// What accepting a commit did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CommitAcceptance {
    /// The group moved to this epoch.
    Accepted { epoch: u64 },
    /// This message id was already the commit of that epoch; nothing changed.
    Duplicate { epoch: u64 },
}

/// One of the service's own keys (a version of it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceKeyRecord {
    pub key_id: String,
    pub version: u32,
    pub algorithm: String,
    pub label: String,
    pub public_key: Vec<u8>,
    pub created_at_ms: u64,
    pub current: bool,
}

pub struct Store {
    connection: Mutex<Connection>,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS identities (
    identity BLOB PRIMARY KEY,
    signature_scheme INTEGER NOT NULL,
    public_key BLOB NOT NULL,
    registered_at_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS key_packages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    identity BLOB NOT NULL,
    cipher_suite INTEGER NOT NULL,
    key_package BLOB NOT NULL,
    last_resort INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS key_packages_by_owner ON key_packages (identity, cipher_suite, last_resort, id);
CREATE TABLE IF NOT EXISTS groups (
    group_id BLOB PRIMARY KEY,
    cipher_suite INTEGER NOT NULL,
    epoch INTEGER NOT NULL,
    created_by BLOB NOT NULL,
    epoch_started_at_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS members (
    group_id BLOB NOT NULL,
    identity BLOB NOT NULL,
    PRIMARY KEY (group_id, identity)
);
CREATE TABLE IF NOT EXISTS commits (
    group_id BLOB NOT NULL,
    epoch INTEGER NOT NULL,
    message_id BLOB NOT NULL,
    PRIMARY KEY (group_id, epoch)
);
CREATE TABLE IF NOT EXISTS mailbox (
    recipient BLOB NOT NULL,
    sequence INTEGER NOT NULL,
    message_id BLOB NOT NULL,
    message BLOB NOT NULL,
    PRIMARY KEY (recipient, sequence),
    UNIQUE (recipient, message_id)
);
CREATE TABLE IF NOT EXISTS delivered_commits (
    group_id BLOB NOT NULL,
    epoch INTEGER NOT NULL,
    message_id BLOB NOT NULL,
    PRIMARY KEY (group_id, epoch)
);
CREATE TABLE IF NOT EXISTS service_keys (
    key_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    algorithm TEXT NOT NULL,
    label TEXT NOT NULL,
    public_key BLOB NOT NULL,
    secret_key BLOB NOT NULL,
    created_at_ms INTEGER NOT NULL,
    current INTEGER NOT NULL,
    PRIMARY KEY (key_id, version)
);
";

fn as_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

impl Store {
    /// Opens (creating, mode 0600) the database at `path`.
    pub fn open(path: &Path) -> Result<Store> {
        create_private_file(path)?;
        let connection = Connection::open(path)?;
        connection.pragma_update(None, "journal_mode", "WAL")?;
        // FULL: a transaction that returned is on disk (WAL + fsync at commit).
        connection.pragma_update(None, "synchronous", "FULL")?;
        connection.busy_timeout(std::time::Duration::from_secs(10))?;
        connection.execute_batch(SCHEMA)?;
        Ok(Store {
            connection: Mutex::new(connection),
        })
    }

    fn connection(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave a half-done transaction (SQLite rolls it
        // back), so a poisoned lock is still safe to use.
        self.connection
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    // ---- identities ----------------------------------------------------------------------

    /// Binds `identity` to its signature key; `Ok(false)` if exactly this binding existed.
    pub fn register(
        &self,
        identity: &[u8],
        scheme: u16,
        public_key: &[u8],
        now_ms: u64,
    ) -> Result<bool> {
        let mut connection = self.connection();
        let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let existing: Option<(u16, Vec<u8>)> = tx
            .query_row(
                "SELECT signature_scheme, public_key FROM identities WHERE identity = ?1",
                [identity],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?;
        let created = match existing {
            Some((s, key)) if s == scheme && key == public_key => false,
            Some(_) => return Err(StoreError::IdentityTaken),
            None => {
                tx.execute(
                    "INSERT INTO identities VALUES (?1, ?2, ?3, ?4)",
                    params![identity, scheme, public_key, as_i64(now_ms)],
                )?;
                true
            }
        };
        tx.commit()?;
        Ok(created)
    }

    pub fn identity(&self, identity: &[u8]) -> Result<Option<IdentityRecord>> {
        Ok(self
            .connection()
            .query_row(
                "SELECT signature_scheme, public_key FROM identities WHERE identity = ?1",
                [identity],
                |row| {
                    Ok(IdentityRecord {
                        signature_scheme: row.get(0)?,
                        public_key: row.get(1)?,
                    })
                },
            )
            .optional()?)
    }

    // ---- key packages ----------------------------------------------------------------------

    /// Stores KeyPackages `(suite, bytes, last_resort)`; a new last-resort package replaces the
    /// identity's previous one for that suite.
    pub fn add_key_packages(
        &self,
        identity: &[u8],
        packages: &[(u16, Vec<u8>, bool)],
    ) -> Result<()> {
        let mut connection = self.connection();
        let tx = connection.transaction()?;
        for (suite, bytes, last_resort) in packages {
            if *last_resort {
                tx.execute(
                    "DELETE FROM key_packages WHERE identity = ?1 AND cipher_suite = ?2 AND last_resort = 1",
                    params![identity, suite],
                )?;
            }
            tx.execute(
                "INSERT INTO key_packages (identity, cipher_suite, key_package, last_resort) VALUES (?1, ?2, ?3, ?4)",
                params![identity, suite, bytes, last_resort],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Takes the oldest ordinary KeyPackage (deleting it), or else the last-resort one (kept).
    pub fn take_key_package(&self, identity: &[u8], suite: u16) -> Result<Option<(Vec<u8>, bool)>> {
        let mut connection = self.connection();
        let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let found: Option<(i64, Vec<u8>, bool)> = tx
            .query_row(
                "SELECT id, key_package, last_resort FROM key_packages
                 WHERE identity = ?1 AND cipher_suite = ?2 ORDER BY last_resort, id LIMIT 1",
                params![identity, suite],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .optional()?;
        let taken = match found {
            Some((id, bytes, last_resort)) => {
                if !last_resort {
                    tx.execute("DELETE FROM key_packages WHERE id = ?1", [id])?;
                }
                Some((bytes, last_resort))
            }
            None => None,
        };
        tx.commit()?;
        Ok(taken)
    }

    /// `(suite, ordinary packages left, has a last-resort package)` for each suite.
    pub fn key_package_counts(&self, identity: &[u8]) -> Result<Vec<(u16, u32, bool)>> {
        let connection = self.connection();
        let mut statement = connection.prepare(
            "SELECT cipher_suite, SUM(1 - last_resort), MAX(last_resort) FROM key_packages
             WHERE identity = ?1 GROUP BY cipher_suite ORDER BY cipher_suite",
        )?;
        let rows = statement.query_map([identity], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?))
        })?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    // ---- groups ----------------------------------------------------------------------------

    pub fn create_group(
        &self,
        group_id: &[u8],
        suite: u16,
        creator: &[u8],
        now_ms: u64,
    ) -> Result<()> {
        let mut connection = self.connection();
        let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let inserted = tx.execute(
            "INSERT OR IGNORE INTO groups VALUES (?1, ?2, 0, ?3, ?4)",
            params![group_id, suite, creator, as_i64(now_ms)],
        )?;
        if inserted == 0 {
            return Err(StoreError::GroupExists);
        }
        tx.execute(
            "INSERT INTO members VALUES (?1, ?2)",
            params![group_id, creator],
        )?;
        tx.commit()?;
        Ok(())
    }

    pub fn group(&self, group_id: &[u8]) -> Result<Option<GroupRecord>> {
        let connection = self.connection();
        let head: Option<(u16, u64, u64)> = connection
            .query_row(
                "SELECT cipher_suite, epoch, epoch_started_at_ms FROM groups WHERE group_id = ?1",
                [group_id],
                |row| {
                    Ok((
                        row.get(0)?,
                        row.get::<_, i64>(1)? as u64,
                        row.get::<_, i64>(2)? as u64,
                    ))
                },
            )
            .optional()?;
        let Some((cipher_suite, epoch, epoch_started_at_ms)) = head else {
            return Ok(None);
        };
        let mut statement = connection
            .prepare("SELECT identity FROM members WHERE group_id = ?1 ORDER BY identity")?;
        let members = statement
            .query_map([group_id], |row| row.get(0))?
            .collect::<std::result::Result<_, _>>()?;
        Ok(Some(GroupRecord {
            cipher_suite,
            epoch,
            members,
            epoch_started_at_ms,
        }))
    }

    /// The message id of the commit accepted for `epoch`, if any.
    pub fn commit_of_epoch(&self, group_id: &[u8], epoch: u64) -> Result<Option<Vec<u8>>> {
        Ok(self
            .connection()
            .query_row(
                "SELECT message_id FROM commits WHERE group_id = ?1 AND epoch = ?2",
                params![group_id, as_i64(epoch)],
                |row| row.get(0),
            )
            .optional()?)
    }

    /// Records the commit for `epoch` (the group's current epoch) and its membership change.
    pub fn accept_commit(
        &self,
        group_id: &[u8],
        epoch: u64,
        message_id: &[u8],
        added: &[Vec<u8>],
        removed: &[Vec<u8>],
        now_ms: u64,
    ) -> Result<CommitAcceptance> {
        let mut connection = self.connection();
        let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current: u64 = tx
            .query_row(
                "SELECT epoch FROM groups WHERE group_id = ?1",
                [group_id],
                |row| row.get::<_, i64>(0),
            )
            .optional()?
            .ok_or(StoreError::NoSuchGroup)? as u64;
        let existing: Option<Vec<u8>> = tx
            .query_row(
                "SELECT message_id FROM commits WHERE group_id = ?1 AND epoch = ?2",
                params![group_id, as_i64(epoch)],
                |row| row.get(0),
            )
            .optional()?;
        match existing {
            Some(id) if id == message_id => {
                return Ok(CommitAcceptance::Duplicate { epoch: epoch + 1 })
            }
            Some(_) => return Err(StoreError::EpochTaken { epoch, current }),
            None if epoch < current => return Err(StoreError::EpochTaken { epoch, current }),
            None if epoch > current => return Err(StoreError::FutureEpoch { epoch, current }),
            None => {}
        }
        tx.execute(
            "INSERT INTO commits VALUES (?1, ?2, ?3)",
            params![group_id, as_i64(epoch), message_id],
        )?;
        tx.execute(
            "UPDATE groups SET epoch = ?2, epoch_started_at_ms = ?3 WHERE group_id = ?1",
            params![group_id, as_i64(epoch + 1), as_i64(now_ms)],
        )?;
        for identity in removed {
            tx.execute(
                "DELETE FROM members WHERE group_id = ?1 AND identity = ?2",
                params![group_id, identity],
            )?;
        }
        for identity in added {
            tx.execute(
                "INSERT OR IGNORE INTO members VALUES (?1, ?2)",
                params![group_id, identity],
            )?;
        }
        tx.commit()?;
        Ok(CommitAcceptance::Accepted { epoch: epoch + 1 })
    }

    // ---- mailboxes -------------------------------------------------------------------------

    /// Delivers routed messages `(message, recipients)` to their recipients' mailboxes in one
    /// transaction, in order, skipping any recipient that already has a message's id. For each
    /// message: how many mailboxes received it, or `None` for a commit whose epoch already
    /// delivered a different commit — the log, not the submitter, decides which commit of an
    /// epoch stands.
    pub fn deliver(&self, routed: &[(MailboxMessage, Vec<Vec<u8>>)]) -> Result<Vec<Option<usize>>> {
        use prost::Message as _;
        let mut connection = self.connection();
        let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut outcomes = Vec::with_capacity(routed.len());
        'messages: for (message, recipients) in routed {
            if message.kind == super::proto::MessageKind::Commit as i32 {
                let existing: Option<Vec<u8>> = tx
                    .query_row(
                        "SELECT message_id FROM delivered_commits WHERE group_id = ?1 AND epoch = ?2",
                        params![message.group_id, as_i64(message.epoch)],
                        |row| row.get(0),
                    )
                    .optional()?;
                match existing {
                    Some(id) if id != message.message_id => {
                        outcomes.push(None);
                        continue 'messages;
                    }
                    Some(_) => {}
                    None => {
                        tx.execute(
                            "INSERT INTO delivered_commits VALUES (?1, ?2, ?3)",
                            params![message.group_id, as_i64(message.epoch), message.message_id],
                        )?;
                    }
                }
            }
            let mut delivered = 0;
            for recipient in recipients {
                let duplicate: bool = tx.query_row(
                    "SELECT EXISTS(SELECT 1 FROM mailbox WHERE recipient = ?1 AND message_id = ?2)",
                    params![recipient, message.message_id],
                    |row| row.get(0),
                )?;
                if duplicate {
                    continue;
                }
                let sequence: i64 = tx.query_row(
                    "SELECT COALESCE(MAX(sequence), 0) + 1 FROM mailbox WHERE recipient = ?1",
                    [recipient],
                    |row| row.get(0),
                )?;
                let mut stored = message.clone();
                stored.sequence = sequence as u64;
                tx.execute(
                    "INSERT INTO mailbox VALUES (?1, ?2, ?3, ?4)",
                    params![
                        recipient,
                        sequence,
                        message.message_id,
                        stored.encode_to_vec()
                    ],
                )?;
                delivered += 1;
            }
            outcomes.push(Some(delivered));
        }
        tx.commit()?;
        Ok(outcomes)
    }

    /// Up to `limit` messages of `recipient`'s mailbox after sequence `after`, in order.
    pub fn mailbox_after(
        &self,
        recipient: &[u8],
        after: u64,
        limit: u32,
    ) -> Result<Vec<MailboxMessage>> {
        use prost::Message as _;
        let connection = self.connection();
        let mut statement = connection.prepare_cached(
            "SELECT message FROM mailbox WHERE recipient = ?1 AND sequence > ?2 ORDER BY sequence LIMIT ?3",
        )?;
        let rows = statement.query_map(params![recipient, as_i64(after), limit], |row| {
            row.get::<_, Vec<u8>>(0)
        })?;
        let mut messages = Vec::new();
        for row in rows {
            let bytes = row?;
            let message = MailboxMessage::decode(bytes.as_slice()).map_err(|e| {
                StoreError::Sqlite(rusqlite::Error::FromSqlConversionFailure(
                    0,
                    rusqlite::types::Type::Blob,
                    Box::new(e),
                ))
            })?;
            messages.push(message);
        }
        Ok(messages)
    }

    // ---- service keys ----------------------------------------------------------------------

    /// Stores a new version of `key_id`, making it current.
    pub fn add_service_key(&self, record: &ServiceKeyRecord, secret_key: &[u8]) -> Result<()> {
        let mut connection = self.connection();
        let tx = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute(
            "UPDATE service_keys SET current = 0 WHERE key_id = ?1",
            [&record.key_id],
        )?;
        let taken: bool = tx.query_row(
            "SELECT EXISTS(SELECT 1 FROM service_keys WHERE key_id = ?1 AND version = ?2)",
            params![record.key_id, record.version],
            |row| row.get(0),
        )?;
        if taken {
            return Err(StoreError::KeyVersionTaken);
        }
        tx.execute(
            "INSERT INTO service_keys VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1)",
            params![
                record.key_id,
                record.version,
                record.algorithm,
                record.label,
                record.public_key,
                secret_key,
                as_i64(record.created_at_ms)
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Every version of every key (algorithm filter optional), newest version first per key.
    pub fn service_keys(&self, algorithm: Option<&str>) -> Result<Vec<ServiceKeyRecord>> {
        let connection = self.connection();
        let mut statement = connection.prepare(
            "SELECT key_id, version, algorithm, label, public_key, created_at_ms, current FROM service_keys
             WHERE ?1 IS NULL OR algorithm = ?1 ORDER BY key_id, version DESC",
        )?;
        let rows = statement.query_map([algorithm], key_record)?;
        Ok(rows.collect::<std::result::Result<_, _>>()?)
    }

    /// A key version (0 = current), without its secret key.
    pub fn service_public_key(&self, key_id: &str, version: u32) -> Result<ServiceKeyRecord> {
        self.connection()
            .query_row(
                "SELECT key_id, version, algorithm, label, public_key, created_at_ms, current
                 FROM service_keys WHERE key_id = ?1 AND (version = ?2 OR (?2 = 0 AND current = 1))",
                params![key_id, version],
                key_record,
            )
            .optional()?
            .ok_or(StoreError::NoSuchKey)
    }

    /// A key version (0 = current) with its secret key.
    pub fn service_key(
        &self,
        key_id: &str,
        version: u32,
    ) -> Result<(ServiceKeyRecord, crate::secret::SecretBytes)> {
        let connection = self.connection();
        connection
            .query_row(
                "SELECT key_id, version, algorithm, label, public_key, created_at_ms, current, secret_key
                 FROM service_keys WHERE key_id = ?1 AND (version = ?2 OR (?2 = 0 AND current = 1))",
                params![key_id, version],
                |row| Ok((key_record(row)?, crate::secret::SecretBytes::new(row.get(7)?))),
            )
            .optional()?
            .ok_or(StoreError::NoSuchKey)
    }
}

/// A `service_keys` row whose first seven columns are key_id, version, algorithm, label,
/// public_key, created_at_ms, current.
fn key_record(row: &rusqlite::Row<'_>) -> rusqlite::Result<ServiceKeyRecord> {
    Ok(ServiceKeyRecord {
        key_id: row.get(0)?,
        version: row.get(1)?,
        algorithm: row.get(2)?,
        label: row.get(3)?,
        public_key: row.get(4)?,
        created_at_ms: row.get::<_, i64>(5)? as u64,
        current: row.get(6)?,
    })
}

fn create_private_file(path: &Path) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let io = |source| StoreError::Io {
        path: path.display().to_string(),
        source,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)
        .map_err(io)?;
    Ok(())
}
