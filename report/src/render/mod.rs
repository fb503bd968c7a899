//! The compliance report's renderings of the model (`results.json`): a self-contained
//! `index.html` for reviewers, `report.md` for a pull-request comment, `junit.xml` for CI, and
//! the performance plots.
//!
//! The renderers never drop a result silently: every failed case is listed (up to a stated cap,
//! with the total), every unsupported case is counted under its reason, and a verdict recorded as
//! PASS is shown as FAIL, with the reasons, if the results it summarises contain problems.

pub(crate) mod performance;
pub(crate) mod plots;

mod html;
mod junit;
mod markdown;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::model::{
    Case, Claim, Counts, FileStatus, Outcome, Performance, Report, SetResult, VectorFileStatus,
    Verdict as ClaimVerdict,
};

pub use html::render_html;
pub use junit::render_junit;
pub use markdown::{render_markdown, render_performance_markdown};

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The report folder could not be created.
    #[error("creating report folder {}", path.display())]
    CreateFolder {
        /// The folder.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The model could not be serialised as JSON.
    #[error("serialising {file}")]
    Serialise {
        /// The file it was for (`results.json`, `bench.json`).
        file: &'static str,
        /// serde_json's error.
        source: serde_json::Error,
    },
    /// A file of the report could not be written.
    #[error("writing {}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

fn write(path: PathBuf, contents: impl AsRef<[u8]>) -> Result<(), WriteError> {
    std::fs::write(&path, contents).map_err(|source| WriteError::Write { path, source })
}

/// `value` as pretty-printed JSON, for `file`.
fn to_json(file: &'static str, value: &impl serde::Serialize) -> Result<String, WriteError> {
    serde_json::to_string_pretty(value).map_err(|source| WriteError::Serialise { file, source })
}

/// Writes `results.json`, `report.md`, `junit.xml` and `index.html` into `dir` (created if absent).
pub fn write_all(report: &Report, dir: &Path) -> Result<(), WriteError> {
    std::fs::create_dir_all(dir).map_err(|source| WriteError::CreateFolder {
        path: dir.to_path_buf(),
        source,
    })?;
    let json = to_json("results.json", report)?;
    if let Some(performance) = &report.performance {
        write(dir.join("bench.json"), to_json("bench.json", performance)?)?;
        write(dir.join("bench.md"), render_performance_markdown(report))?;
        write_plots(performance, dir)?;
    }
    let outputs = [
        ("results.json", json),
        ("report.md", render_markdown(report)),
        ("junit.xml", render_junit(report)),
        ("index.html", render_html(report)),
    ];
    for (name, text) in outputs {
        write(dir.join(name), text)?;
    }
    Ok(())
}

/// Writes every performance plot beside the report as `plot-*.svg`.
pub fn write_plots(performance: &Performance, dir: &Path) -> Result<(), WriteError> {
    for plot in plots::plots(performance) {
        write(dir.join(&plot.file), &plot.svg)?;
    }
    Ok(())
}

/// The reason shown for an unsupported case that carries none.
const NO_REASON: &str = "(no reason recorded)";

/// Unsupported cases that share a suite, set, provider and reason.
pub(crate) struct UnsupportedGroup<'a> {
    pub suite: &'a str,
    pub set: &'a str,
    pub provider: &'a str,
    pub reason: &'a str,
    pub count: u64,
    /// The first few case ids, for the reader to look up.
    pub sample_ids: Vec<&'a str>,
}

/// (suite, set, provider, reason).
type GroupKey<'a> = (&'a str, &'a str, &'a str, &'a str);

/// How many case ids an unsupported group shows.
const SAMPLE_IDS: usize = 8;

/// A suite with no row in the matrix (no case was read for it), and why.
pub(crate) struct EmptySuite<'a> {
    pub suite: &'a str,
    pub note: String,
}

#[derive(Default)]
pub(crate) struct ClaimCounts {
    pub confirmed: usize,
    pub refuted: usize,
    pub not_verified: usize,
}

/// Everything the renderers derive from a report, computed once.
pub(crate) struct Overview<'a> {
    /// The verdict as displayed: the recorded one, turned to FAIL if the results contradict it.
    pub ok: bool,
    pub reasons: Vec<String>,
    pub totals: Counts,
    /// Every failed case, in run order.
    pub failures: Vec<(&'a SetResult, &'a Case)>,
    pub unsupported: Vec<UnsupportedGroup<'a>>,
    pub set_errors: Vec<&'a SetResult>,
    /// Suites in display order: requested first, then any others that produced results.
    pub suites: Vec<&'a str>,
    pub providers: Vec<&'a str>,
    /// (suite, parameter set) rows of the matrix, sorted.
    pub rows: Vec<(String, String)>,
    pub matrix: BTreeMap<(String, String, String), Counts>,
    pub empty_suites: Vec<EmptySuite<'a>>,
    pub bad_files: Vec<&'a VectorFileStatus>,
    pub claims: ClaimCounts,
}

impl<'a> Overview<'a> {
    pub fn of(report: &'a Report) -> Self {
        let run = &report.run;
        let totals = run.totals();

        let mut failures = Vec::new();
        let mut groups: BTreeMap<GroupKey<'a>, (u64, Vec<&'a str>)> = BTreeMap::new();
        for set in &run.sets {
            for case in &set.cases {
                match case.outcome {
                    Outcome::Pass => {}
                    Outcome::Fail => failures.push((set, case)),
                    Outcome::Unsupported => {
                        let reason = if case.detail.trim().is_empty() {
                            NO_REASON
                        } else {
                            case.detail.as_str()
                        };
                        let key = (
                            set.suite.as_str(),
                            set.set.as_str(),
                            set.provider.as_str(),
                            reason,
                        );
                        let entry = groups.entry(key).or_default();
                        entry.0 += 1;
                        if entry.1.len() < SAMPLE_IDS {
                            entry.1.push(case.id.as_str());
                        }
                    }
                }
            }
        }
        let unsupported = groups
            .into_iter()
            .map(
                |((suite, set, provider, reason), (count, sample_ids))| UnsupportedGroup {
                    suite,
                    set,
                    provider,
                    reason,
                    count,
                    sample_ids,
                },
            )
            .collect();

        let set_errors: Vec<&SetResult> = run.sets.iter().filter(|s| s.error.is_some()).collect();

        let mut suites: Vec<&str> = Vec::new();
        let names = run
            .suites
            .iter()
            .chain(run.sets.iter().map(|s| &s.suite))
            .chain(run.errors.iter().map(|e| &e.suite));
        for name in names {
            if !suites.contains(&name.as_str()) {
                suites.push(name);
            }
        }

        let providers: Vec<&str> = run
            .sets
            .iter()
            .map(|s| s.provider.as_str())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();

        let matrix = run.matrix();
        let mut rows: Vec<(String, String)> = matrix
            .keys()
            .map(|(suite, params, _)| (suite.clone(), params.clone()))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        // Suites in run order, parameter sets by family then numerically (512 before 1024).
        rows.sort_by(|a, b| {
            let position = |suite: &str| suites.iter().position(|s| *s == suite);
            position(&a.0).cmp(&position(&b.0)).then_with(|| {
                crate::analysis::natural_key(&a.1).cmp(&crate::analysis::natural_key(&b.1))
            })
        });

        let mut empty_suites = Vec::new();
        for &suite in &suites {
            if rows.iter().any(|(s, _)| s == suite) {
                continue;
            }
            let errors: Vec<&str> = run
                .errors
                .iter()
                .filter(|e| e.suite == suite)
                .map(|e| e.error.as_str())
                .collect();
            let sets = run.sets.iter().filter(|s| s.suite == suite).count();
            let note = if !errors.is_empty() {
                format!("suite did not run: {}", errors.join("; "))
            } else if sets == 0 {
                "no vector set was checked".to_owned()
            } else {
                format!("no case was read from its {sets} set(s)")
            };
            empty_suites.push(EmptySuite { suite, note });
        }

        let bad_files: Vec<&VectorFileStatus> = report
            .vectors
            .files
            .iter()
            .filter(|f| f.status != FileStatus::Ok)
            .collect();

        let mut claims = ClaimCounts::default();
        for claim in &run.claims {
            match claim.verdict {
                ClaimVerdict::Confirmed => claims.confirmed += 1,
                ClaimVerdict::Refuted => claims.refuted += 1,
                ClaimVerdict::NotVerified => claims.not_verified += 1,
            }
        }

        // Problems the results themselves show, whatever verdict was recorded.
        let mut problems = Vec::new();
        if !failures.is_empty() {
            problems.push(format!("{} case(s) failed", failures.len()));
        }
        if !set_errors.is_empty() {
            problems.push(format!(
                "{} vector set(s) could not be checked",
                set_errors.len()
            ));
        }
        if !run.errors.is_empty() {
            problems.push(format!("{} suite(s) could not run", run.errors.len()));
        }
        for requested in &run.suites {
            let ran = run.sets.iter().any(|s| &s.suite == requested);
            let errored = run.errors.iter().any(|e| &e.suite == requested);
            if !ran && !errored {
                problems.push(format!("requested suite {requested} produced no results"));
            }
        }
        if !bad_files.is_empty() {
            problems.push(format!(
                "{} vector file(s) do not match their pin",
                bad_files.len()
            ));
        }
        let failed_runs = report
            .performance
            .as_ref()
            .map_or(0, |p| p.end_to_end.iter().filter(|r| r.failed()).count());
        if failed_runs > 0 {
            problems.push(format!("{failed_runs} end-to-end benchmark run(s) failed"));
        }

        let mut ok = report.verdict.ok;
        let mut reasons = report.verdict.reasons.clone();
        if ok && !problems.is_empty() {
            ok = false;
            reasons.push(format!(
                "the recorded verdict is PASS but the results contradict it: {}",
                problems.join("; ")
            ));
        }
        if !ok && reasons.is_empty() {
            reasons.push("no reason was recorded with the failing verdict".to_owned());
        }

        Overview {
            ok,
            reasons,
            totals,
            failures,
            unsupported,
            set_errors,
            suites,
            providers,
            rows,
            matrix,
            empty_suites,
            bad_files,
            claims,
        }
    }

    pub fn cell(&self, suite: &str, params: &str, provider: &str) -> Option<&Counts> {
        self.matrix
            .get(&(suite.to_owned(), params.to_owned(), provider.to_owned()))
    }

    /// Per-provider totals over the matrix.
    pub fn provider_totals(&self, provider: &str) -> Counts {
        let mut total = Counts::default();
        for ((_, _, p), counts) in &self.matrix {
            if p == provider {
                total.add(counts);
            }
        }
        total
    }
}

/// The RFC 9420 cipher-suite registry (§17.1), for ordering and labelling the MLS section's
/// columns; a suite name outside it gets a column after these.
const MLS_CIPHER_SUITES: [(u16, &str); 7] = [
    (0x0001, "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519"),
    (0x0002, "MLS_128_DHKEMP256_AES128GCM_SHA256_P256"),
    (
        0x0003,
        "MLS_128_DHKEMX25519_CHACHA20POLY1305_SHA256_Ed25519",
    ),
    (0x0004, "MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448"),
    (0x0005, "MLS_256_DHKEMP521_AES256GCM_SHA512_P521"),
    (0x0006, "MLS_256_DHKEMX448_CHACHA20POLY1305_SHA512_Ed448"),
    (0x0007, "MLS_256_DHKEMP384_AES256GCM_SHA384_P384"),
];

/// The draft post-quantum suites (draft-ietf-mls-pq-ciphersuites) under the provisional code
/// points openmls 0.9.2 uses; a column for one appears only when a case ran it.
const MLS_DRAFT_SUITES: [(u16, &str); 10] = [
    (0x0042, "MLS_192_MLKEM1024_AES256GCM_SHA384_P384"),
    (0x004d, "MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519"),
    (0x004e, "MLS_128_MLKEM768X25519_AES256GCM_SHA384_Ed25519"),
    (0x004f, "MLS_128_MLKEM768X25519_AES128GCM_SHA256_Ed25519"),
    (0x0050, "MLS_128_MLKEM768_AES256GCM_SHA384_P256"),
    (0x0051, "MLS_192_MLKEM768_AES256GCM_SHA384_MLDSA65"),
    (
        0x0052,
        "MLS_128_MLKEM768X25519_CHACHA20POLY1305_SHA384_MLDSA44",
    ),
    (0x0906, "MLS_256_MLKEM1024_AES256GCM_SHA512_MLDSA87"),
    (0x0907, "MLS_256_MLKEM1024_AES256GCM_SHA384_MLDSA87"),
    (0xf042, "MLS_128_MLKEM768_AES256GCM_SHA384_Ed25519"),
];

/// The column of cases tied to no cipher suite (structure encodings).
const NO_CIPHER_SUITE: &str = "no suite";

/// The suites whose results the MLS section regroups by cipher suite.
pub(crate) const MLS_VECTOR_SUITE: &str = "rfc9420";
pub(crate) const MLS_INTEROP_SUITE: &str = "interop";

/// A cipher-suite column of the MLS section.
pub(crate) struct MlsColumn {
    /// `0x0001`, or the parameter text itself for a name outside the registry.
    pub label: String,
    pub name: String,
    /// A draft PQ suite (provisional code point).
    pub draft: bool,
}

/// One vector file or interop scenario (under one provider) across the cipher suites.
pub(crate) struct MlsRow<'a> {
    pub set: &'a str,
    pub provider: &'a str,
    /// Cipher-suite name → counts.
    pub cells: BTreeMap<&'a str, Counts>,
    pub total: Counts,
}

/// The report's MLS section: the RFC 9420 vector files and the live interop scenarios, each
/// broken down by cipher suite, and the design document's MLS claims.
pub(crate) struct MlsOverview<'a> {
    pub columns: Vec<MlsColumn>,
    pub vectors: Vec<MlsRow<'a>>,
    pub interop: Vec<MlsRow<'a>>,
    pub claims: Vec<&'a Claim>,
}

impl<'a> MlsOverview<'a> {
    /// `None` when the run has neither MLS suite nor an MLS claim.
    pub fn of(report: &'a Report) -> Option<Self> {
        let run = &report.run;
        let rows = |suite: &str| -> Vec<MlsRow<'a>> {
            run.sets
                .iter()
                .filter(|set| set.suite == suite)
                .map(|set| {
                    let mut cells: BTreeMap<&str, Counts> = BTreeMap::new();
                    for case in &set.cases {
                        let cell = cells.entry(case.params.as_str()).or_default();
                        match case.outcome {
                            Outcome::Pass => cell.pass += 1,
                            Outcome::Fail => cell.fail += 1,
                            Outcome::Unsupported => cell.unsupported += 1,
                        }
                    }
                    MlsRow {
                        set: &set.set,
                        provider: &set.provider,
                        cells,
                        total: set.counts.clone(),
                    }
                })
                .collect()
        };
        let vectors = rows(MLS_VECTOR_SUITE);
        let interop = rows(MLS_INTEROP_SUITE);
        let claims: Vec<&Claim> = run
            .claims
            .iter()
            .filter(|c| c.section.contains("MLS"))
            .collect();
        if vectors.is_empty() && interop.is_empty() && claims.is_empty() {
            return None;
        }
        let mut columns: Vec<MlsColumn> = MLS_CIPHER_SUITES
            .iter()
            .map(|(id, name)| MlsColumn {
                label: format!("0x{id:04x}"),
                name: (*name).to_owned(),
                draft: false,
            })
            .collect();
        let seen: BTreeSet<&str> = vectors
            .iter()
            .chain(&interop)
            .flat_map(|row| row.cells.keys().copied())
            .collect();
        for name in seen {
            if !columns.iter().any(|c| c.name == name) {
                let draft = MLS_DRAFT_SUITES.iter().find(|(_, n)| *n == name);
                columns.push(MlsColumn {
                    label: match draft {
                        Some((id, _)) => format!("0x{id:04x}"),
                        None if name.is_empty() => NO_CIPHER_SUITE.to_owned(),
                        None => name.to_owned(),
                    },
                    draft: draft.is_some(),
                    name: name.to_owned(),
                });
            }
        }
        // Draft suites after the RFC ones and "no suite", in code-point order.
        columns.sort_by_key(|c| {
            (
                c.draft,
                if c.draft {
                    c.label.clone()
                } else {
                    String::new()
                },
            )
        });
        Some(Self {
            columns,
            vectors,
            interop,
            claims,
        })
    }
}

/// The colour class of a counts cell: any fail is bad, any unsupported is a warning.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Tone {
    Good,
    Warn,
    Bad,
}

pub(crate) fn tone(counts: &Counts) -> Tone {
    if counts.fail > 0 {
        Tone::Bad
    } else if counts.unsupported > 0 {
        Tone::Warn
    } else {
        Tone::Good
    }
}

/// "pass / fail / unsupported".
pub(crate) fn counts_triple(counts: &Counts) -> String {
    format!("{} / {} / {}", counts.pass, counts.fail, counts.unsupported)
}

/// `part` as a percentage of `total`, one decimal; never rounds a non-zero share to "0.0%".
pub(crate) fn percent(part: u64, total: u64) -> String {
    if total == 0 {
        return "n/a".to_owned();
    }
    let value = part as f64 * 100.0 / total as f64;
    if part > 0 && value < 0.05 {
        "<0.1%".to_owned()
    } else if part < total && value > 99.95 {
        ">99.9%".to_owned()
    } else {
        format!("{value:.1}%")
    }
}

pub(crate) fn claim_label(verdict: ClaimVerdict) -> &'static str {
    match verdict {
        ClaimVerdict::Confirmed => "confirmed",
        ClaimVerdict::Refuted => "refuted",
        ClaimVerdict::NotVerified => "not verified",
    }
}

pub(crate) fn file_status_label(status: FileStatus) -> &'static str {
    match status {
        FileStatus::Ok => "ok",
        FileStatus::Missing => "missing",
        FileStatus::Altered => "altered",
        FileStatus::Unreadable => "unreadable",
    }
}

pub(crate) fn not_verified_claims(claims: &[Claim]) -> impl Iterator<Item = &Claim> {
    claims
        .iter()
        .filter(|c| c.verdict == ClaimVerdict::NotVerified)
}

/// The first 12 characters of a commit id.
pub(crate) fn short_commit(commit: &str) -> String {
    commit.chars().take(12).collect()
}

/// At most `max` characters of `text`, with a note of how much was cut.
pub(crate) fn truncate(text: &str, max: usize) -> String {
    let total = text.chars().count();
    if total <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max).collect();
    out.push_str(&format!(
        "… ({} more characters in results.json)",
        total - max
    ));
    out
}

/// "850 ms", "12.3 s", "4 min 05 s".
pub(crate) fn duration_ms(ms: u64) -> String {
    if ms < 1_000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{:.1} s", ms as f64 / 1_000.0)
    } else {
        let secs = ms / 1_000;
        format!("{} min {:02} s", secs / 60, secs % 60)
    }
}

pub(crate) fn duration_s(seconds: f64) -> String {
    if seconds.is_finite() && seconds >= 0.0 {
        duration_ms((seconds * 1_000.0).round() as u64)
    } else {
        "unknown".to_owned()
    }
}

/// The case-read column of the sets table: "12 / 12 declared", "11 / 12 declared", "12".
pub(crate) fn cases_read(set: &SetResult) -> String {
    match set.expected_cases {
        Some(expected) => format!("{} / {} declared", set.cases.len(), expected),
        None => format!("{} (no count declared)", set.cases.len()),
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error;

    use super::*;
    use crate::fixtures::{add_end_to_end, add_mls_sets, add_performance, sample_report};
    use crate::model::report::Verdict;

    #[test]
    fn overview_counts_and_groups() {
        let report = sample_report();
        let o = Overview::of(&report);
        assert!(!o.ok);
        assert_eq!(o.failures.len(), 1);
        assert_eq!(o.failures[0].1.id, "tcId 2");
        assert_eq!(o.totals.unsupported, 3);
        // Two groups: one per (suite, set, provider, reason).
        assert_eq!(o.unsupported.len(), 2);
        let mu = o
            .unsupported
            .iter()
            .find(|g| g.reason == "external mu not supported");
        assert_eq!(mu.map(|g| g.count), Some(2));
        assert_eq!(o.set_errors.len(), 1);
        assert_eq!(o.providers, vec!["aws-lc", "rustcrypto"]);
        assert_eq!(o.suites, vec!["fips203", "fips204", "fips205"]);
        assert_eq!(o.empty_suites.len(), 1);
        assert_eq!(o.empty_suites[0].suite, "fips205");
        assert_eq!(o.bad_files.len(), 1);
    }

    #[test]
    fn mls_overview_regroups_by_cipher_suite() {
        let mut report = sample_report();
        // The sample's MLS claim alone opens the section, with both tables empty.
        let claims_only = MlsOverview::of(&report).expect("an MLS claim");
        assert!(claims_only.vectors.is_empty() && claims_only.interop.is_empty());
        report.run.claims.retain(|c| !c.section.contains("MLS"));
        assert!(MlsOverview::of(&report).is_none());
        add_mls_sets(&mut report);
        let m = MlsOverview::of(&report).expect("MLS sets present");
        // The seven registry suites in code-point order, then a name outside the registry.
        let labels: Vec<&str> = m.columns.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "0x0001",
                "0x0002",
                "0x0003",
                "0x0004",
                "0x0005",
                "0x0006",
                "0x0007",
                "cipher suite 99"
            ]
        );
        assert_eq!(m.vectors.len(), 1);
        let file = &m.vectors[0];
        let cell = |row: &MlsRow<'_>, name: &str| row.cells.get(name).cloned();
        assert_eq!(
            cell(file, "MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519").map(|c| c.pass),
            Some(1)
        );
        assert_eq!(
            cell(file, "MLS_256_DHKEMX448_AES256GCM_SHA512_Ed448").map(|c| c.unsupported),
            Some(1)
        );
        assert_eq!(m.interop.len(), 1);
        assert_eq!(m.interop[0].provider, "mls-rs/rustcrypto");
        assert_eq!(m.interop[0].total.fail, 1);
        // Only the MLS claim, not the PQC ones.
        let ids: Vec<&str> = m.claims.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["mls-epoch-rotation"]);
    }

    #[test]
    fn a_pass_verdict_contradicted_by_results_is_shown_as_fail() {
        let mut report = sample_report();
        report.verdict = Verdict {
            ok: true,
            reasons: Vec::new(),
        };
        let o = Overview::of(&report);
        assert!(!o.ok);
        assert!(o.reasons.iter().any(|r| r.contains("1 case(s) failed")));
        assert!(o.reasons.iter().any(|r| r.contains("vector file")));
    }

    /// The sample report cut down to one passing fips203 set, its vector file and a pass verdict.
    fn clean_report() -> Report {
        let mut report = sample_report();
        report.run.sets.truncate(2);
        report.run.sets.remove(0);
        report.run.suites = vec!["fips203".into()];
        report.run.errors.clear();
        report.vectors.files.truncate(1);
        report.verdict = Verdict {
            ok: true,
            reasons: Vec::new(),
        };
        report
    }

    #[test]
    fn a_clean_run_passes() {
        let report = clean_report();
        let o = Overview::of(&report);
        assert!(o.ok, "{:?}", o.reasons);
        assert!(o.reasons.is_empty());
    }

    #[test]
    fn a_failed_end_to_end_run_contradicts_a_pass_verdict() {
        let clean = |lost| {
            let mut report = clean_report();
            add_end_to_end(&mut report, lost);
            report
        };
        // A Kafka run not run is reported, not a failure.
        let report = clean(0);
        assert!(Overview::of(&report).ok);
        let report = clean(3);
        let o = Overview::of(&report);
        assert!(!o.ok);
        assert!(
            o.reasons[0].contains("1 end-to-end benchmark run(s) failed"),
            "{:?}",
            o.reasons
        );
    }

    #[test]
    fn an_older_results_json_without_end_to_end_runs_is_read() -> Result<(), Box<dyn Error>> {
        let mut report = sample_report();
        add_performance(&mut report);
        let mut json = serde_json::to_value(&report)?;
        let removed = json["performance"]
            .as_object_mut()
            .and_then(|p| p.remove("end_to_end"));
        assert_eq!(removed, Some(serde_json::json!([])));
        let back: Report = serde_json::from_value(json)?;
        assert_eq!(back, report);
        // And the new field round-trips.
        add_end_to_end(&mut report, 0);
        let back: Report = serde_json::from_str(&serde_json::to_string(&report)?)?;
        assert_eq!(back, report);
        Ok(())
    }

    #[test]
    fn helpers() {
        assert_eq!(percent(0, 0), "n/a");
        assert_eq!(percent(1, 4), "25.0%");
        assert_eq!(percent(1, 100_000), "<0.1%");
        assert_eq!(percent(99_999, 100_000), ">99.9%");
        assert_eq!(short_commit("0123456789abcdef"), "0123456789ab");
        assert_eq!(short_commit("é"), "é");
        assert_eq!(
            truncate("ééé", 2),
            "éé… (1 more characters in results.json)"
        );
        assert_eq!(duration_ms(850), "850 ms");
        assert_eq!(duration_ms(1_260), "1.3 s");
        assert_eq!(duration_ms(75_000), "1 min 15 s");
        assert_eq!(duration_s(f64::NAN), "unknown");
    }

    #[test]
    fn write_all_writes_four_files_and_json_round_trips() -> Result<(), Box<dyn Error>> {
        let report = sample_report();
        let dir = std::env::temp_dir().join(format!("sonet-report-test-{}", std::process::id()));
        write_all(&report, &dir)?;
        for name in ["results.json", "report.md", "junit.xml", "index.html"] {
            let meta = std::fs::metadata(dir.join(name))?;
            assert!(meta.len() > 0, "{name} is empty");
        }
        let back: Report =
            serde_json::from_str(&std::fs::read_to_string(dir.join("results.json"))?)?;
        assert_eq!(back, report);
        std::fs::remove_dir_all(&dir)?;
        Ok(())
    }
}
