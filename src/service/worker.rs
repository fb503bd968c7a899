//! The delivery worker: reads bus records in order and writes each routed message into its
//! recipients' mailboxes, committing the bus position only afterwards. A record seen twice
//! (after a crash or a rebalance) changes nothing the second time: mailboxes are unique on
//! message id.

use std::time::Duration;

use prost::Message as _;

use super::proto::BusRecord;
use super::state::SharedState;
use crate::bus::BusConsumer;

const RETRY: Duration = Duration::from_millis(500);

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
        let delivered = match next {
            Ok(delivered) => delivered,
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
        match BusRecord::decode(delivered.value.as_slice()) {
            Ok(record) => {
                for routed in record.messages {
                    let Some(message) = routed.message else {
                        continue;
                    };
                    let recipients = routed.recipients;
                    loop {
                        let (m, r) = (message.clone(), recipients.clone());
                        match state.db(move |store| store.deliver(&m, &r)).await {
                            Ok(Some(count)) => {
                                state.metrics.add(
                                    "sonet_mailbox_deliveries_total",
                                    &[],
                                    count as u64,
                                );
                                break;
                            }
                            Ok(None) => {
                                tracing::warn!(
                                    group = %hex::encode(&message.group_id),
                                    epoch = message.epoch,
                                    "a second commit for an epoch reached the log; dropped"
                                );
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
                }
                state.mailbox_version.send_modify(|v| *v += 1);
            }
            Err(error) => {
                // Not ours to interpret; skipping it keeps the partition moving.
                tracing::error!(
                    partition = delivered.partition,
                    offset = delivered.offset,
                    %error,
                    "undecodable bus record skipped"
                );
            }
        }
        if let Err(error) = consumer.commit(&delivered).await {
            state
                .metrics
                .inc("sonet_bus_errors_total", &[("operation", "commit")]);
            tracing::warn!(%error, "cannot commit the bus position; the record may be seen again");
        }
    }
}
