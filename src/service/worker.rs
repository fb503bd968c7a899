//! The delivery worker: reads bus records in order and writes each routed message into its
//! recipients' mailboxes, committing the bus position only afterwards. Records already waiting
//! are taken together and written in one store transaction (one fsync for the batch). A record
//! seen twice (after a crash or a rebalance) changes nothing the second time: mailboxes are
//! unique on message id.

use std::collections::BTreeMap;
use std::time::Duration;

use prost::Message as _;

use super::proto::{BusRecord, MailboxMessage};
use super::state::SharedState;
use crate::bus::{BusConsumer, Delivered};

const RETRY: Duration = Duration::from_millis(500);
/// Records taken into one store transaction at most.
const MAX_BATCH: usize = 512;

/// Sleeps `duration` unless the server shuts down first; `false` on shutdown.
async fn pause(state: &SharedState, duration: Duration) -> bool {
    let mut shutdown = state.shutdown.clone();
    if *shutdown.borrow() {
        return false;
    }
    tokio::select! {
        _ = tokio::time::sleep(duration) => true,
        _ = shutdown.changed() => false,
    }
}

/// The routed messages of a batch of records, in log order; undecodable records are skipped
/// (they are not ours to interpret, and skipping keeps the partition moving).
fn routed_messages(batch: &[Delivered]) -> Vec<(MailboxMessage, Vec<Vec<u8>>)> {
    let mut routed = Vec::new();
    for delivered in batch {
        match BusRecord::decode(delivered.value.as_slice()) {
            Ok(record) => routed.extend(
                record
                    .messages
                    .into_iter()
                    .filter_map(|r| r.message.map(|m| (m, r.recipients))),
            ),
            Err(error) => tracing::error!(
                partition = delivered.partition,
                offset = delivered.offset,
                %error,
                "undecodable bus record skipped"
            ),
        }
    }
    routed
}

pub(crate) async fn run(state: SharedState, group: String) {
    let mut consumer: Box<dyn BusConsumer> = loop {
        match state.bus.consumer(&group).await {
            Ok(consumer) => break consumer,
            Err(error) => {
                tracing::warn!(%error, "delivery worker cannot join its consumer group; retrying");
                if !pause(&state, RETRY).await {
                    return;
                }
            }
        }
    };
    let mut shutdown = state.shutdown.clone();
    loop {
        if *shutdown.borrow() {
            break;
        }
        let next = tokio::select! {
            next = consumer.next() => next,
            _ = shutdown.changed() => break,
        };
        let mut batch = match next {
            Ok(delivered) => vec![delivered],
            Err(error) => {
                state
                    .metrics
                    .inc("sonet_bus_errors_total", &[("operation", "consume")]);
                tracing::warn!(%error, "delivery worker cannot read the bus; retrying");
                if !pause(&state, RETRY).await {
                    break;
                }
                continue;
            }
        };
        // Whatever is already waiting joins the batch; a zero timeout polls once.
        while batch.len() < MAX_BATCH {
            match tokio::time::timeout(Duration::ZERO, consumer.next()).await {
                Ok(Ok(delivered)) => batch.push(delivered),
                _ => break,
            }
        }
        let routed = routed_messages(&batch);
        loop {
            let items = routed.clone();
            match state.db(move |store| store.deliver(&items)).await {
                Ok(outcomes) => {
                    for ((message, _), outcome) in routed.iter().zip(outcomes) {
                        match outcome {
                            Some(count) => state.metrics.add(
                                "sonet_mailbox_deliveries_total",
                                &[],
                                count as u64,
                            ),
                            None => tracing::warn!(
                                group = %hex::encode(&message.group_id),
                                epoch = message.epoch,
                                "a second commit for an epoch reached the log; dropped"
                            ),
                        }
                    }
                    break;
                }
                Err(status) => {
                    tracing::error!(%status, "cannot write mailboxes; retrying");
                    if !pause(&state, RETRY).await {
                        return;
                    }
                }
            }
        }
        state.mailbox_version.send_modify(|v| *v += 1);
        // The last record of each partition marks everything before it processed.
        let mut last: BTreeMap<i32, &Delivered> = BTreeMap::new();
        for delivered in &batch {
            last.insert(delivered.partition, delivered);
        }
        for delivered in last.into_values() {
            if let Err(error) = consumer.commit(delivered).await {
                state
                    .metrics
                    .inc("sonet_bus_errors_total", &[("operation", "commit")]);
                tracing::warn!(%error, "cannot commit the bus position; records may be seen again");
            }
        }
    }
}
