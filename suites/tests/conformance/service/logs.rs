//! The service's log events of one job, captured by a tracing subscriber of the job's own.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// One tracing event of the service (targets `sonet…`, INFO and above).
#[derive(Clone, Debug)]
pub(super) struct LogEvent {
    pub(super) level: tracing::Level,
    pub(super) target: String,
    fields: Vec<(String, String)>,
}

impl LogEvent {
    pub(super) fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

pub(super) type Logs = Arc<Mutex<Vec<LogEvent>>>;

/// A minimal tracing subscriber that keeps the service's events of one job, installed on the
/// job's runtime threads only — what `sonet serve` writes to its log and audit log.
pub(super) struct Capture {
    pub(super) events: Logs,
    pub(super) next_span: AtomicU64,
}

struct FieldVisitor<'a>(&'a mut Vec<(String, String)>);

impl tracing::field::Visit for FieldVisitor<'_> {
    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.push((field.name().to_owned(), value.to_owned()));
    }

    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push((field.name().to_owned(), format!("{value:?}")));
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, metadata: &tracing::Metadata<'_>) -> bool {
        metadata.target().starts_with("sonet") && *metadata.level() <= tracing::Level::INFO
    }

    fn new_span(&self, _: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        tracing::span::Id::from_u64(self.next_span.fetch_add(1, Ordering::Relaxed) + 1)
    }

    fn record(&self, _: &tracing::span::Id, _: &tracing::span::Record<'_>) {}

    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}

    fn event(&self, event: &tracing::Event<'_>) {
        let mut fields = Vec::new();
        event.record(&mut FieldVisitor(&mut fields));
        if let Ok(mut events) = self.events.lock() {
            events.push(LogEvent {
                level: *event.metadata().level(),
                target: event.metadata().target().to_owned(),
                fields,
            });
        }
    }

    fn enter(&self, _: &tracing::span::Id) {}

    fn exit(&self, _: &tracing::span::Id) {}
}

pub(super) fn logged(logs: &Logs) -> Vec<LogEvent> {
    logs.lock().map(|l| l.clone()).unwrap_or_default()
}
