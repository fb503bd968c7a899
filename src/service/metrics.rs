//! Counters and gauges served as Prometheus text on `GET /metrics`.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

/// `(name, labels)` → value.
type Series = BTreeMap<(&'static str, Vec<(&'static str, String)>), u64>;

/// Every metric the service exports, with its help text and type.
const METRICS: &[(&str, &str, &str)] = &[
    (
        "sonet_rpc_total",
        "gRPC calls by method and status code",
        "counter",
    ),
    (
        "sonet_auth_failures_total",
        "calls refused by authentication, by reason",
        "counter",
    ),
    (
        "sonet_messages_accepted_total",
        "messages accepted onto the bus, by kind",
        "counter",
    ),
    (
        "sonet_mailbox_deliveries_total",
        "messages written to recipient mailboxes",
        "counter",
    ),
    (
        "sonet_commits_rejected_total",
        "commits refused because their epoch already had one",
        "counter",
    ),
    (
        "sonet_bus_errors_total",
        "bus operations that failed, by operation",
        "counter",
    ),
    (
        "sonet_key_operations_total",
        "key management and PQC operations, by operation",
        "counter",
    ),
    (
        "sonet_group_operations_total",
        "group operations (create, add, remove), by operation",
        "counter",
    ),
    (
        "sonet_bus_up",
        "1 when the message bus answers, 0 otherwise",
        "gauge",
    ),
    ("sonet_subscribers", "open Subscribe streams", "gauge"),
];

#[derive(Default)]
pub struct Metrics {
    series: Mutex<Series>,
}

impl Metrics {
    fn with<R>(&self, f: impl FnOnce(&mut Series) -> R) -> R {
        let mut series = self.series.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut series)
    }

    pub fn add(&self, name: &'static str, labels: &[(&'static str, &str)], delta: u64) {
        let key = (
            name,
            labels.iter().map(|(k, v)| (*k, v.to_string())).collect(),
        );
        self.with(|series| *series.entry(key).or_default() += delta);
    }

    pub fn inc(&self, name: &'static str, labels: &[(&'static str, &str)]) {
        self.add(name, labels, 1);
    }

    pub fn set(&self, name: &'static str, value: u64) {
        self.with(|series| series.insert((name, Vec::new()), value));
    }

    pub fn adjust(&self, name: &'static str, up: bool) {
        self.with(|series| {
            let value = series.entry((name, Vec::new())).or_default();
            *value = if up {
                *value + 1
            } else {
                value.saturating_sub(1)
            };
        });
    }

    /// The Prometheus text exposition format (version 0.0.4).
    pub fn render(&self) -> String {
        let series = self.with(|series| series.clone());
        let mut out = String::new();
        for (name, help, kind) in METRICS {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
            let mut any = false;
            for ((series_name, labels), value) in &series {
                if series_name != name {
                    continue;
                }
                any = true;
                let labels = labels
                    .iter()
                    .map(|(k, v)| format!("{k}=\"{}\"", escape(v)))
                    .collect::<Vec<_>>();
                if labels.is_empty() {
                    let _ = writeln!(out, "{name} {value}");
                } else {
                    let _ = writeln!(out, "{name}{{{}}} {value}", labels.join(","));
                }
            }
            if !any && *kind == "gauge" {
                let _ = writeln!(out, "{name} 0");
            }
        }
        out
    }
}

fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_labelled_counters_and_gauges() {
        let metrics = Metrics::default();
        metrics.inc(
            "sonet_rpc_total",
            &[("method", "Delivery/SendMessage"), ("code", "OK")],
        );
        metrics.inc(
            "sonet_rpc_total",
            &[("method", "Delivery/SendMessage"), ("code", "OK")],
        );
        metrics.inc("sonet_auth_failures_total", &[("reason", "bad \"sig\"")]);
        metrics.set("sonet_bus_up", 1);
        let text = metrics.render();
        assert!(
            text.contains("sonet_rpc_total{method=\"Delivery/SendMessage\",code=\"OK\"} 2\n"),
            "{text}"
        );
        assert!(
            text.contains("sonet_auth_failures_total{reason=\"bad \\\"sig\\\"\"} 1\n"),
            "{text}"
        );
        assert!(text.contains("sonet_bus_up 1\n"), "{text}");
        assert!(text.contains("sonet_subscribers 0\n"), "{text}");
        assert!(text.contains("# TYPE sonet_rpc_total counter\n"), "{text}");
    }
}
