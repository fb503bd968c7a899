//! NIST response files (`.rsp`): CAVP GCMVS files and the PQC KAT files share this layout of
//! `[Name = value]` section headers and records that start at a `Count = ` line.

use crate::runner::{hex_text, CaseError};

/// One record of a NIST response file: from a `Count = ` (CAVP) or `count = ` (KAT) line to the
/// next blank line, with the section headers in force.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RspRecord {
    /// The `[Name = value]` headers in force, in the order the file first gives them.
    pub headers: Vec<(String, String)>,
    /// The value of the record's `Count` line, as written; it names the case.
    pub count: String,
    /// The record's `Name = value` lines after `Count`, values left as text so that a malformed
    /// field fails only its own case.
    pub fields: Vec<(String, String)>,
    /// The record is marked `FAIL` (CAVP decrypt files: its tag must not verify).
    pub fail: bool,
}

impl RspRecord {
    /// The value of the section header `name` in force for this record (`Keylen`), if any.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// The text of the record's `name` line (may be empty), if the record has one.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// A hex field; a missing or malformed one fails the case.
    pub fn hex(&self, name: &str) -> Result<Vec<u8>, CaseError> {
        let text = self
            .field(name)
            .ok_or_else(|| CaseError::Fail(format!("record has no {name}")))?;
        hex_text(name, text)
    }

    /// "[Keylen=128 IVlen=96 PTlen=0 AADlen=0 Taglen=128] Count 3".
    pub fn id(&self) -> String {
        let section: Vec<String> = self
            .headers
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect();
        format!("[{}] Count {}", section.join(" "), self.count)
    }
}

/// The records of a NIST response file (CAVP `.rsp`, PQC KAT `.rsp`). Section headers set values by name, so a later section
/// that repeats only some of them keeps the others.
pub fn parse_rsp(text: &str) -> Vec<RspRecord> {
    let mut headers: Vec<(String, String)> = Vec::new();
    let mut records: Vec<RspRecord> = Vec::new();
    let mut open = false;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            open = false;
            continue;
        }
        if let Some(header) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            open = false;
            if let Some((name, value)) = header.split_once('=') {
                let (name, value) = (name.trim().to_owned(), value.trim().to_owned());
                match headers.iter_mut().find(|(n, _)| *n == name) {
                    Some(slot) => slot.1 = value,
                    None => headers.push((name, value)),
                }
            }
            continue;
        }
        if line == "FAIL" {
            if let Some(last) = records.last_mut().filter(|_| open) {
                last.fail = true;
            }
            continue;
        }
        let Some((name, value)) = line.split_once('=') else {
            continue;
        };
        let (name, value) = (name.trim(), value.trim());
        if is_count(name) {
            records.push(RspRecord {
                headers: headers.clone(),
                count: value.to_owned(),
                ..RspRecord::default()
            });
            open = true;
        } else if let Some(last) = records.last_mut().filter(|_| open) {
            last.fields.push((name.to_owned(), value.to_owned()));
        }
    }
    records
}

/// How many records the file declares, counted apart from the parser so that a record the parser
/// drops shows up as a count mismatch.
pub fn declared_records(text: &str) -> u64 {
    text.lines()
        .filter(|l| {
            l.split_once(" = ")
                .is_some_and(|(name, _)| is_count(name.trim()))
        })
        .count() as u64
}

/// CAVP files write `Count`, the PQC KAT files `count`.
fn is_count(name: &str) -> bool {
    name.eq_ignore_ascii_case("count")
}
