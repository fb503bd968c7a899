//! The embedded bus: one append-only log file, fsync'd before a publish returns, read by
//! in-process consumers. The default when no broker is configured; one process only.
//!
//! Log format, one frame per record: `key_len: u32 LE | value_len: u32 LE | key | value |
//! check`, where `check` is the first 8 bytes of SHA-256 over everything before it in the frame.
//! A record's offset is the byte position of its frame. On open, a torn frame at the end (a
//! crash mid-write, never acknowledged) is cut off; a bad frame anywhere else is reported as
//! corruption. Consumer-group positions live in `offsets/<group>` (the position after the last
//! committed frame), replaced atomically.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread;

use async_trait::async_trait;
use sha2::{Digest, Sha256};
use tokio::sync::{mpsc, oneshot, watch};

use super::{BusConsumer, BusError, Delivered, MessageBus, Position, Record};

const HEADER_LEN: u64 = 8;
const CHECK_LEN: usize = 8;
/// Larger frames are refused at publish time and treated as corruption when read.
pub const MAX_RECORD_LEN: usize = 64 << 20;
/// Appends waiting together are written with one fsync.
const MAX_BATCH: usize = 1024;

type Reply = oneshot::Sender<Result<Position, BusError>>;

/// An append-only log under a directory.
pub struct EmbeddedBus {
    dir: PathBuf,
    log_path: PathBuf,
    appends: mpsc::UnboundedSender<(Record, Reply)>,
    /// The durable end of the log: frames below it are fsync'd.
    end: watch::Receiver<u64>,
}

impl EmbeddedBus {
    /// Opens (creating if needed) the log in `dir`, recovering from a torn last frame.
    pub fn open(dir: impl AsRef<Path>) -> Result<Arc<Self>, BusError> {
        let dir = dir.as_ref().to_path_buf();
        fs::create_dir_all(dir.join("offsets")).map_err(|e| BusError::io(&dir, e))?;
        let log_path = dir.join("bus.log");
        let mut file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(&log_path)
            .map_err(|e| BusError::io(&log_path, e))?;
        let end = recover(&mut file, &log_path)?;
        let (end_tx, end_rx) = watch::channel(end);
        let (tx, rx) = mpsc::unbounded_channel();
        let writer_path = log_path.clone();
        thread::Builder::new()
            .name("sonet-bus-writer".into())
            .spawn(move || write_loop(file, writer_path, end, rx, end_tx))
            .map_err(|e| BusError::io(&log_path, e))?;
        Ok(Arc::new(EmbeddedBus {
            dir,
            log_path,
            appends: tx,
            end: end_rx,
        }))
    }

    /// The log file (for tests that read it raw).
    pub fn log_path(&self) -> &Path {
        &self.log_path
    }
}

/// Scans the log; cuts a torn final frame; returns the end of the last good frame.
fn recover(file: &mut File, path: &Path) -> Result<u64, BusError> {
    let len = file.metadata().map_err(|e| BusError::io(path, e))?.len();
    let mut position = 0u64;
    while position < len {
        match read_frame(file, path, position)? {
            FrameRead::Frame { next, .. } => position = next,
            FrameRead::Torn(reason) => {
                // A torn tail was never acknowledged; but a corrupted length field can look the
                // same, so the bytes cut off are kept beside the log rather than destroyed.
                let kept = path.with_extension(format!("log.torn-{position}"));
                let mut tail = Vec::new();
                file.seek(SeekFrom::Start(position))
                    .and_then(|_| file.read_to_end(&mut tail))
                    .and_then(|_| fs::write(&kept, &tail))
                    .map_err(|e| BusError::io(&kept, e))?;
                tracing::warn!(log = %path.display(), offset = position, %reason,
                    kept = %kept.display(), bytes = tail.len(),
                    "cutting a torn frame at the end of the bus log (never acknowledged)");
                file.set_len(position).map_err(|e| BusError::io(path, e))?;
                file.sync_all().map_err(|e| BusError::io(path, e))?;
                break;
            }
        }
    }
    Ok(position)
}

enum FrameRead {
    Frame {
        key: Vec<u8>,
        value: Vec<u8>,
        next: u64,
    },
    /// The frame runs past the end of the file, or its check fails and nothing follows it.
    Torn(String),
}

fn read_frame(file: &mut File, path: &Path, position: u64) -> Result<FrameRead, BusError> {
    let len = file.metadata().map_err(|e| BusError::io(path, e))?.len();
    if len.saturating_sub(position) < HEADER_LEN {
        return Ok(FrameRead::Torn("incomplete header".into()));
    }
    file.seek(SeekFrom::Start(position))
        .map_err(|e| BusError::io(path, e))?;
    let mut header = [0u8; HEADER_LEN as usize];
    file.read_exact(&mut header)
        .map_err(|e| BusError::io(path, e))?;
    let key_len = u32::from_le_bytes([header[0], header[1], header[2], header[3]]) as usize;
    let value_len = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as usize;
    let corrupt = |reason: String| BusError::Corrupt {
        path: path.display().to_string(),
        offset: position,
        reason,
    };
    let body_len = key_len + value_len;
    let next = position + HEADER_LEN + body_len as u64 + CHECK_LEN as u64;
    if body_len > MAX_RECORD_LEN {
        return if next >= len {
            Ok(FrameRead::Torn(format!(
                "frame length {body_len} past the end"
            )))
        } else {
            Err(corrupt(format!(
                "frame length {body_len} exceeds {MAX_RECORD_LEN}"
            )))
        };
    }
    if next > len {
        return Ok(FrameRead::Torn("incomplete frame".into()));
    }
    let mut body = vec![0u8; body_len + CHECK_LEN];
    file.read_exact(&mut body)
        .map_err(|e| BusError::io(path, e))?;
    let check = body.split_off(body_len);
    if check != frame_check(&header, &body) {
        return if next == len {
            Ok(FrameRead::Torn(
                "checksum mismatch in the last frame".into(),
            ))
        } else {
            Err(corrupt("checksum mismatch".into()))
        };
    }
    let value = body.split_off(key_len);
    Ok(FrameRead::Frame {
        key: body,
        value,
        next,
    })
}

fn frame_check(header: &[u8], body: &[u8]) -> [u8; CHECK_LEN] {
    let digest = Sha256::new()
        .chain_update(header)
        .chain_update(body)
        .finalize();
    let mut check = [0u8; CHECK_LEN];
    check.copy_from_slice(&digest[..CHECK_LEN]);
    check
}

fn encode_frame(record: &Record, out: &mut Vec<u8>) {
    let start = out.len();
    out.extend_from_slice(&(record.key.len() as u32).to_le_bytes());
    out.extend_from_slice(&(record.value.len() as u32).to_le_bytes());
    out.extend_from_slice(&record.key);
    out.extend_from_slice(&record.value);
    let check = frame_check(
        &out[start..start + HEADER_LEN as usize],
        &out[start + HEADER_LEN as usize..],
    );
    out.extend_from_slice(&check);
}

/// Appends whatever is queued, one write and one fsync per batch, then acknowledges.
fn write_loop(
    mut file: File,
    path: PathBuf,
    mut end: u64,
    mut appends: mpsc::UnboundedReceiver<(Record, Reply)>,
    published: watch::Sender<u64>,
) {
    while let Some(first) = appends.blocking_recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match appends.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let mut bytes = Vec::new();
        let mut positions = Vec::with_capacity(batch.len());
        for (record, _) in &batch {
            positions.push(end + bytes.len() as u64);
            encode_frame(record, &mut bytes);
        }
        let written = file
            .write_all(&bytes)
            .and_then(|()| file.sync_data())
            .map_err(|e| BusError::io(&path, e));
        match written {
            Ok(()) => {
                end += bytes.len() as u64;
                published.send_replace(end);
                for ((_, reply), offset) in batch.into_iter().zip(positions) {
                    let _ = reply.send(Ok(Position {
                        partition: 0,
                        offset: offset as i64,
                    }));
                }
            }
            Err(error) => {
                // Nothing of a failed batch may survive: cut back to the last durable end.
                let _ = file.set_len(end);
                let message = error.to_string();
                tracing::error!(log = %path.display(), %message, "bus append failed");
                for (_, reply) in batch {
                    let _ = reply.send(Err(BusError::Unavailable(message.clone())));
                }
            }
        }
    }
}

#[async_trait]
impl MessageBus for EmbeddedBus {
    fn kind(&self) -> &'static str {
        "embedded"
    }

    async fn ensure_topics(&self) -> Result<(), BusError> {
        Ok(())
    }

    async fn publish(&self, record: Record) -> Result<Position, BusError> {
        if record.key.len() + record.value.len() > MAX_RECORD_LEN {
            return Err(BusError::Config(format!(
                "record of {} bytes exceeds the embedded bus limit of {MAX_RECORD_LEN}",
                record.key.len() + record.value.len()
            )));
        }
        let (reply, answer) = oneshot::channel();
        self.appends
            .send((record, reply))
            .map_err(|_| BusError::Closed)?;
        answer.await.map_err(|_| BusError::Closed)?
    }

    async fn consumer(&self, group: &str) -> Result<Box<dyn BusConsumer>, BusError> {
        if group.is_empty()
            || !group
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Err(BusError::Config(format!(
                "consumer group {group:?}: use letters, digits, '-', '_' and '.'"
            )));
        }
        let offsets_path = self.dir.join("offsets").join(group);
        let position = match fs::read_to_string(&offsets_path) {
            Ok(text) => text.trim().parse::<u64>().map_err(|e| BusError::Corrupt {
                path: offsets_path.display().to_string(),
                offset: 0,
                reason: format!("not a position: {e}"),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
            Err(e) => return Err(BusError::io(&offsets_path, e)),
        };
        let file = File::open(&self.log_path).map_err(|e| BusError::io(&self.log_path, e))?;
        Ok(Box::new(EmbeddedConsumer {
            file,
            log_path: self.log_path.clone(),
            offsets_path,
            position,
            end: self.end.clone(),
        }))
    }

    async fn check(&self) -> Result<(), BusError> {
        if self.appends.is_closed() {
            return Err(BusError::Closed);
        }
        Ok(())
    }
}

struct EmbeddedConsumer {
    file: File,
    log_path: PathBuf,
    offsets_path: PathBuf,
    position: u64,
    end: watch::Receiver<u64>,
}

#[async_trait]
impl BusConsumer for EmbeddedConsumer {
    async fn next(&mut self) -> Result<Delivered, BusError> {
        loop {
            let end = *self.end.borrow_and_update();
            if self.position < end {
                let position = self.position;
                return match read_frame(&mut self.file, &self.log_path, position)? {
                    FrameRead::Frame { key, value, next } => {
                        self.position = next;
                        Ok(Delivered {
                            partition: 0,
                            offset: position as i64,
                            key,
                            value,
                        })
                    }
                    // Below the durable end every frame is complete.
                    FrameRead::Torn(reason) => Err(BusError::Corrupt {
                        path: self.log_path.display().to_string(),
                        offset: position,
                        reason,
                    }),
                };
            }
            self.end.changed().await.map_err(|_| BusError::Closed)?;
        }
    }

    async fn commit(&mut self, delivered: &Delivered) -> Result<(), BusError> {
        // The position after the committed frame. Not fsync'd: a lost commit only means the
        // records after the last durable one are delivered again, and consumers are idempotent.
        let next = delivered.offset as u64
            + HEADER_LEN
            + (delivered.key.len() + delivered.value.len()) as u64
            + CHECK_LEN as u64;
        let tmp = self.offsets_path.with_extension("tmp");
        fs::write(&tmp, next.to_string()).map_err(|e| BusError::io(&tmp, e))?;
        fs::rename(&tmp, &self.offsets_path).map_err(|e| BusError::io(&self.offsets_path, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(i: u32) -> Record {
        Record {
            key: format!("group-{}", i % 3).into_bytes(),
            value: format!("value {i}").into_bytes(),
        }
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("sonet-bus-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[tokio::test]
    async fn publishes_in_order_and_resumes_from_the_committed_position() {
        let dir = temp_dir("resume");
        {
            let bus = EmbeddedBus::open(&dir).unwrap();
            for i in 0..10 {
                bus.publish(record(i)).await.unwrap();
            }
            let mut consumer = bus.consumer("workers").await.unwrap();
            for i in 0..4 {
                let delivered = consumer.next().await.unwrap();
                assert_eq!(delivered.value, record(i).value);
                consumer.commit(&delivered).await.unwrap();
            }
        }
        let bus = EmbeddedBus::open(&dir).unwrap();
        let mut consumer = bus.consumer("workers").await.unwrap();
        for i in 4..10 {
            assert_eq!(consumer.next().await.unwrap().value, record(i).value);
        }
        // Another group starts from the beginning.
        let mut other = bus.consumer("auditors").await.unwrap();
        assert_eq!(other.next().await.unwrap().value, record(0).value);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn a_waiting_consumer_sees_a_later_publish() {
        let dir = temp_dir("live");
        let bus = EmbeddedBus::open(&dir).unwrap();
        let mut consumer = bus.consumer("workers").await.unwrap();
        let reader = tokio::spawn(async move { consumer.next().await.unwrap() });
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        bus.publish(record(7)).await.unwrap();
        assert_eq!(reader.await.unwrap().value, record(7).value);
        fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn a_torn_last_frame_is_cut_and_corruption_inside_is_reported() {
        let dir = temp_dir("torn");
        let log = {
            let bus = EmbeddedBus::open(&dir).unwrap();
            for i in 0..3 {
                bus.publish(record(i)).await.unwrap();
            }
            bus.log_path().to_path_buf()
        };
        let intact = fs::read(&log).unwrap();
        // A crash mid-append leaves half a frame.
        let mut torn = intact.clone();
        torn.extend_from_slice(&[5, 0, 0, 0, 9, 0]);
        fs::write(&log, &torn).unwrap();
        let bus = EmbeddedBus::open(&dir).unwrap();
        assert_eq!(fs::read(&log).unwrap(), intact);
        let kept = log.with_extension(format!("log.torn-{}", intact.len()));
        assert_eq!(fs::read(&kept).unwrap(), [5, 0, 0, 0, 9, 0]);
        let mut consumer = bus.consumer("workers").await.unwrap();
        for i in 0..3 {
            assert_eq!(consumer.next().await.unwrap().value, record(i).value);
        }
        drop(consumer);
        drop(bus);
        // A flipped byte in the first frame is corruption, not a torn tail.
        let mut flipped = intact.clone();
        flipped[HEADER_LEN as usize + 1] ^= 1;
        fs::write(&log, &flipped).unwrap();
        assert!(matches!(
            EmbeddedBus::open(&dir),
            Err(BusError::Corrupt { offset: 0, .. })
        ));
        fs::remove_dir_all(&dir).unwrap();
    }

    #[tokio::test]
    async fn bad_consumer_group_names_are_refused() {
        let dir = temp_dir("names");
        let bus = EmbeddedBus::open(&dir).unwrap();
        assert!(matches!(
            bus.consumer("../escape").await,
            Err(BusError::Config(_))
        ));
        fs::remove_dir_all(&dir).unwrap();
    }
}
