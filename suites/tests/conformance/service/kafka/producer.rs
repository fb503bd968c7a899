//! Set `kafka/producer`: the service's Kafka producer: delivery reports with partition and
//! offset, records keyed by group id, a failed delivery reported.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use sonet::bus::{MessageBus, Record};

use super::{kafka_bus, read_topic};
use crate::conformance::service::helpers::ensure;
use crate::conformance::service::job::Env;
use crate::conformance::service::recording::Recorder;

pub(crate) async fn producer(rec: &mut Recorder<'_>, env: &mut Env) -> Result<(), String> {
    let (bootstrap, topic) = env.kafka()?;
    let (bootstrap, topic) = (bootstrap.to_owned(), topic.to_owned());
    let bus = kafka_bus(&bootstrap, &topic, Duration::from_secs(30))?;
    bus.ensure_topics().await.map_err(|e| e.to_string())?;
    // Three groups' records, interleaved: keys → (value, partition, offset).
    let keys = ["group-a", "group-b", "group-c"];
    let mut reports: Vec<(String, Vec<u8>, i32, i64)> = Vec::new();
    let mut failure = None;
    for i in 0..60 {
        let key = keys[i % 3];
        let value = format!("{key} record {i}").into_bytes();
        match bus
            .publish(Record {
                key: key.as_bytes().to_vec(),
                value: value.clone(),
            })
            .await
        {
            Ok(position) => {
                reports.push((key.to_owned(), value, position.partition, position.offset))
            }
            Err(e) => {
                failure = Some(format!("publish {i}: {e}"));
                break;
            }
        }
    }
    let by_key = |key: &str| -> Vec<(i32, i64)> {
        reports
            .iter()
            .filter(|(k, ..)| k == key)
            .map(|(_, _, p, o)| (*p, *o))
            .collect()
    };
    let result = match &failure {
        Some(e) => Err(e.clone()),
        None => {
            let a = by_key("group-a");
            let consecutive = a.windows(2).all(|w| w[1].0 == w[0].0 && w[1].1 > w[0].1);
            ensure(a.len() == 20 && consecutive && a[0].1 >= 0, || {
                format!("group-a's delivery reports: {a:?}")
            })
            .map(|()| {
                format!(
                    "every publish returned its delivery report: group-a's 20 records at \
                     partition {}, offsets {}..={} increasing",
                    a[0].0,
                    a[0].1,
                    a[a.len() - 1].1
                )
            })
        }
    };
    rec.check("delivery reports: partition and offset", result);
    let result = match &failure {
        Some(e) => Err(e.clone()),
        None => {
            let mut mapping = Vec::new();
            let mut split = None;
            for key in keys {
                let partitions: BTreeSet<i32> = by_key(key).iter().map(|(p, _)| *p).collect();
                if partitions.len() != 1 {
                    split = Some(format!("{key} spread over partitions {partitions:?}"));
                }
                mapping.push(format!("{key} → {partitions:?}"));
            }
            match split {
                Some(e) => Err(e),
                None => Ok(format!(
                    "60 interleaved records of three groups on a 3-partition topic: {}",
                    mapping.join(", ")
                )),
            }
        }
    };
    rec.check("records keyed by group id share a partition", result);
    let result = async {
        if let Some(e) = &failure {
            return Err(e.clone());
        }
        let records = read_topic(&bootstrap, &topic, reports.len()).await?;
        let mut positions: HashMap<(i32, i64), (Vec<u8>, Vec<u8>)> = HashMap::new();
        for record in &records {
            positions.insert(
                (record.partition, record.offset),
                (record.key.clone(), record.value.clone()),
            );
        }
        for (key, value, partition, offset) in &reports {
            let Some((k, v)) = positions.get(&(*partition, *offset)) else {
                return Err(format!("nothing at partition {partition} offset {offset}"));
            };
            ensure(k == key.as_bytes() && v == value, || {
                format!("partition {partition} offset {offset} holds another record")
            })?;
        }
        Ok(format!(
            "a consumer read all {} records back: each at the partition and offset its \
             delivery report named, with its key and value",
            records.len()
        ))
    }
    .await;
    rec.check("delivery reports match the log", result);
    let result = async {
        // A broker address where nothing listens.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let dead = kafka_bus(
            &format!("127.0.0.1:{port}"),
            &topic,
            Duration::from_millis(1500),
        )?;
        let started = Instant::now();
        let outcome = tokio::time::timeout(
            Duration::from_secs(20),
            dead.publish(Record {
                key: b"group-a".to_vec(),
                value: b"nowhere".to_vec(),
            }),
        )
        .await
        .map_err(|_| "the publish neither succeeded nor failed within 20 s".to_owned())?;
        match outcome {
            Ok(position) => Err(format!("a publish to a dead broker reported {position:?}")),
            Err(e) => Ok(format!(
                "a publish to 127.0.0.1:{port} (nothing listening) reported failure after {} ms \
                 (delivery timeout 1500 ms): {e}",
                started.elapsed().as_millis()
            )),
        }
    }
    .await;
    rec.check("failed delivery reported", result);
    Ok(())
}
