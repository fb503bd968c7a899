//! `report.md`: the report as a pull-request comment (GitHub-flavoured Markdown). Verdict and
//! totals first, then the matrix, failures, claims, what was not verified, the vector sources
//! (collapsed) and the environment. Every table cell is escaped; the comment stays under the
//! size a code host accepts by collapsing the source list into a pointer to `index.html` if needed.

use std::fmt::{self, Display, Write};

use crate::model::{Claim, Counts, Verdict as ClaimVerdict};

use super::{
    cases_read, claim_label, counts_triple, duration_ms, duration_s, file_status_label,
    not_verified_claims, percent, short_commit, tone, truncate, MlsColumn, MlsOverview, MlsRow,
    Overview, Report, Tone,
};

/// How many failed cases are listed individually.
const FAILURE_CAP: usize = 50;
/// How many unsupported groups are listed individually.
const GROUP_CAP: usize = 100;
/// How many characters of a free-text cell are shown.
const CELL_CAP: usize = 300;
/// GitHub rejects comments over 65 536 characters; stay clear of it.
const SIZE_BUDGET: usize = 60_000;

/// `report.md`: the summary for a pull-request comment. Too long for a comment, it drops
/// the vector sources first, then cuts the rest and says where the full report is.
pub fn render_markdown(report: &Report) -> String {
    let o = Overview::of(report);
    let mut body = String::with_capacity(16 * 1024);
    let mut sources = String::new();
    let mut environment = String::new();
    // Writing into a String cannot fail.
    let _ = main_sections(&mut body, report, &o);
    let _ = sources_section(&mut sources, report);
    let _ = environment_section(&mut environment, report);
    if body.len() + sources.len() + environment.len() > SIZE_BUDGET {
        sources = format!(
            "### Vector sources\n\nThe list of {} vector set(s) and {} pinned file(s) is too long for a comment; see `index.html` or `results.json`.\n\n",
            report.run.sets.len(),
            report.vectors.files.len()
        );
    }
    if body.len() + sources.len() + environment.len() > SIZE_BUDGET {
        // Still too long: keep whole lines up to the budget, so the comment is accepted and
        // says where the rest is. The verdict, matrix and failures come first and survive.
        let notice = "\n\n**This summary was cut to fit a comment; the complete report is `index.html` (and `results.json`) in the report folder.**\n\n";
        let keep = SIZE_BUDGET.saturating_sub(environment.len() + notice.len());
        let mut cut = keep.min(body.len());
        while !body.is_char_boundary(cut) {
            cut -= 1;
        }
        let cut = body[..cut].rfind('\n').map_or(0, |i| i + 1);
        body.truncate(cut);
        body.push_str(notice);
        body.push_str(&environment);
        return body;
    }
    body.push_str(&sources);
    body.push_str(&environment);
    body
}

/// "Generated … by … in … · git …".
fn generated_line(out: &mut String, report: &Report) -> fmt::Result {
    writeln!(
        out,
        "<sub>Generated {} by {} in {} · git {}{}</sub>\n",
        M(&report.generated_at),
        M(&report.command),
        M(&duration_s(report.elapsed_seconds)),
        M(&short_commit(&report.environment.git_revision)),
        if report.environment.git_dirty {
            " (dirty)"
        } else {
            ""
        }
    )
}

/// `bench.md`: the performance section alone, for `cargo xtask bench`.
pub fn render_performance_markdown(report: &Report) -> String {
    let mut out = String::with_capacity(16 * 1024);
    let _ = writeln!(out, "## Sonet benchmarks\n");
    let _ = generated_line(&mut out, report);
    let _ = performance(&mut out, report, false);
    if let Some(perf) = &report.performance {
        let plots = super::plots::plots(perf);
        if !plots.is_empty() {
            let _ = writeln!(out, "### Plots\n");
            for plot in plots {
                let _ = writeln!(out, "![{}]({})\n", M(&plot.title), plot.file);
            }
        }
        if !perf.claims.is_empty() {
            let _ = writeln!(out, "### Performance claims of the design document\n");
            let _ = claim_table(&mut out, perf.claims.iter());
        }
    }
    let _ = environment_section(&mut out, report);
    out
}

/// Escapes text for Markdown prose and table cells: table pipes, inline markup, HTML, and line
/// breaks (a cell is one line).
struct M<'a>(&'a str);

impl Display for M<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for ch in self.0.chars() {
            match ch {
                '|' => f.write_str("\\|")?,
                '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '~' | '!' => {
                    f.write_char('\\')?;
                    f.write_char(ch)?;
                }
                '&' => f.write_str("&amp;")?,
                '<' => f.write_str("&lt;")?,
                '>' => f.write_str("&gt;")?,
                '\n' | '\r' | '\t' => f.write_char(' ')?,
                c if c.is_control() => f.write_char('\u{FFFD}')?,
                c => f.write_char(c)?,
            }
        }
        Ok(())
    }
}

/// An identifier, hash or path as a code span inside a table cell; pipes are escaped (GitHub
/// applies the table's `\|` before parsing the span).
struct C<'a>(&'a str);

impl Display for C<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let clean: String = self
            .0
            .chars()
            .map(|c| match c {
                '\n' | '\r' | '\t' => ' ',
                c if c.is_control() => '\u{FFFD}',
                c => c,
            })
            .collect::<String>()
            .replace('|', "\\|");
        if clean.trim().is_empty() {
            return Ok(());
        }
        let mut longest = 0;
        let mut run = 0;
        for c in clean.chars() {
            run = if c == '`' { run + 1 } else { 0 };
            longest = longest.max(run);
        }
        let fence = "`".repeat(longest + 1);
        let pad = if clean.starts_with('`') || clean.ends_with('`') {
            " "
        } else {
            ""
        };
        write!(f, "{fence}{pad}{clean}{pad}{fence}")
    }
}

fn cell(counts: &Counts) -> String {
    let mark = match tone(counts) {
        Tone::Good => "🟩",
        Tone::Warn => "🟨",
        Tone::Bad => "🟥",
    };
    format!("{mark} {}", counts_triple(counts))
}

/// A cell of the MLS tables: the same as [`cell`] without spaces, as those tables are wide.
fn mls_cell(counts: &Counts) -> String {
    cell(counts).replace(" / ", "/")
}

/// An MLS table row as report.md shows it.
struct MdMlsRow {
    set: String,
    provider: String,
    cells: std::collections::BTreeMap<String, Counts>,
    total: Counts,
}

/// The rows of the MLS tables, with the seven mlspp `interop/passive` files of each provider
/// summed into one row (`index.html` lists them one by one).
fn collapse_interop_passive(rows: &[MlsRow<'_>]) -> Vec<MdMlsRow> {
    const PREFIX: &str = "mls/interop/passive/";
    let mut out: Vec<MdMlsRow> = Vec::new();
    for row in rows {
        let collapsed = row.set.starts_with(PREFIX);
        let set = if collapsed {
            format!("{PREFIX}*.json")
        } else {
            row.set.to_owned()
        };
        let existing = out
            .iter_mut()
            .find(|r| collapsed && r.set == set && r.provider == row.provider);
        let target = match existing {
            Some(r) => r,
            None => {
                out.push(MdMlsRow {
                    set,
                    provider: row.provider.to_owned(),
                    cells: Default::default(),
                    total: Counts::default(),
                });
                out.last_mut().expect("just pushed")
            }
        };
        for (name, counts) in &row.cells {
            target
                .cells
                .entry((*name).to_owned())
                .or_default()
                .add(counts);
        }
        target.total.add(&row.total);
    }
    out
}

fn claim_mark(verdict: ClaimVerdict) -> &'static str {
    match verdict {
        ClaimVerdict::Confirmed => "✅",
        ClaimVerdict::Refuted => "❌",
        ClaimVerdict::NotVerified => "⚠️",
    }
}

fn main_sections(out: &mut String, report: &Report, o: &Overview<'_>) -> fmt::Result {
    // Verdict and totals.
    if o.ok {
        writeln!(out, "## ✅ Sonet conformance: PASS\n")?;
    } else {
        writeln!(out, "## ❌ Sonet conformance: FAIL\n")?;
        for reason in &o.reasons {
            writeln!(out, "- {}", M(reason))?;
        }
        writeln!(out)?;
    }
    let t = &o.totals;
    let files = &report.vectors.files;
    writeln!(
        out,
        "**{} cases:** {} pass · {} fail · {} unsupported ({} unsupported) — {} vector set(s) in {} suite(s) · claims: {} confirmed, {} refuted, {} not verified · vector files: {} of {} match their pin\n",
        t.total(),
        t.pass,
        t.fail,
        t.unsupported,
        percent(t.unsupported, t.total()),
        report.run.sets.len(),
        o.suites.len(),
        o.claims.confirmed,
        o.claims.refuted,
        o.claims.not_verified,
        files.len() - o.bad_files.len(),
        files.len()
    )?;
    generated_line(out, report)?;

    matrix(out, o)?;
    mls(out, report)?;
    performance(out, report, true)?;
    failures(out, report, o)?;
    claims(out, report)?;
    not_verified(out, report, o)?;
    Ok(())
}

fn matrix(out: &mut String, o: &Overview<'_>) -> fmt::Result {
    writeln!(out, "### Conformance matrix\n")?;
    if o.rows.is_empty() && o.empty_suites.is_empty() {
        writeln!(out, "No case was run.\n")?;
        return Ok(());
    }
    writeln!(
        out,
        "Cells: pass / fail / unsupported — 🟥 a case failed, 🟨 some cases unsupported, 🟩 all passed, — not covered by that provider.\n"
    )?;
    write!(out, "| Suite | Parameter set |")?;
    if o.providers.is_empty() {
        write!(out, " Providers |")?;
    }
    for provider in &o.providers {
        write!(out, " {} |", M(provider))?;
    }
    write!(out, "\n|---|---|")?;
    for _ in 0..o.providers.len().max(1) {
        write!(out, "---|")?;
    }
    writeln!(out)?;
    for suite in &o.suites {
        for (_, params) in o.rows.iter().filter(|(s, _)| s == suite) {
            write!(out, "| {} | {} |", M(suite), M(params))?;
            for provider in &o.providers {
                match o.cell(suite, params, provider) {
                    Some(counts) => write!(out, " {} |", cell(counts))?,
                    None => write!(out, " — |")?,
                }
            }
            writeln!(out)?;
        }
        if let Some(empty) = o.empty_suites.iter().find(|e| e.suite == *suite) {
            write!(
                out,
                "| {} | — | ⛔ no cases: {} |",
                M(suite),
                M(&empty.note)
            )?;
            for _ in 1..o.providers.len() {
                write!(out, " |")?;
            }
            writeln!(out)?;
        }
    }
    if !o.providers.is_empty() {
        write!(out, "| **All** | |")?;
        for provider in &o.providers {
            write!(out, " {} |", cell(&o.provider_totals(provider)))?;
        }
        writeln!(out)?;
    }
    writeln!(out)
}

fn failures(out: &mut String, report: &Report, o: &Overview<'_>) -> fmt::Result {
    let total = o.failures.len();
    writeln!(out, "### Failures ({total})\n")?;
    if total == 0 {
        writeln!(out, "No case failed.\n")?;
    } else {
        if total > FAILURE_CAP {
            writeln!(
                out,
                "Showing the first {FAILURE_CAP} of {total} failed cases; `index.html` lists 200 and `results.json` all.\n"
            )?;
        }
        writeln!(
            out,
            "| Suite | Set | Provider | Case | Parameters | Kind | Detail |\n|---|---|---|---|---|---|---|"
        )?;
        for (set, case) in o.failures.iter().take(FAILURE_CAP) {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                M(&set.suite),
                C(&set.set),
                M(&set.provider),
                C(&case.id),
                M(&case.params),
                M(&case.kind),
                M(&truncate(&case.detail, CELL_CAP))
            )?;
        }
        writeln!(out)?;
    }

    if !o.set_errors.is_empty() || !report.run.errors.is_empty() {
        writeln!(out, "#### Sets and suites that could not be checked\n")?;
        writeln!(
            out,
            "| Suite | Set | Provider | Cases read | Error |\n|---|---|---|---|---|"
        )?;
        for error in &report.run.errors {
            writeln!(
                out,
                "| {} | (suite could not run) | | | {} |",
                M(&error.suite),
                M(&truncate(&error.error, CELL_CAP))
            )?;
        }
        for set in &o.set_errors {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                M(&set.suite),
                C(&set.set),
                M(&set.provider),
                M(&cases_read(set)),
                M(&truncate(
                    set.error.as_deref().unwrap_or_default(),
                    CELL_CAP
                ))
            )?;
        }
        writeln!(out)?;
    }
    Ok(())
}

fn claims(out: &mut String, report: &Report) -> fmt::Result {
    let claims = &report.run.claims;
    writeln!(out, "### Design-document claims ({})\n", claims.len())?;
    if claims.is_empty() {
        writeln!(out, "No claim was checked.\n")?;
        return Ok(());
    }
    claim_table(out, claims.iter())
}

fn claim_table<'a>(out: &mut String, claims: impl Iterator<Item = &'a Claim>) -> fmt::Result {
    writeln!(
        out,
        "| Claim | Section | Claimed | Measured | Verdict | How measured / why not |\n|---|---|---|---|---|---|"
    )?;
    for claim in claims {
        writeln!(
            out,
            "| “{}” ({}) | {} | {} | {} | {} {} | {} |",
            M(&claim.quote),
            C(&claim.id),
            M(&claim.section),
            M(&claim.claimed),
            M(&claim.measured),
            claim_mark(claim.verdict),
            claim_label(claim.verdict),
            M(&truncate(&claim.reason, CELL_CAP))
        )?;
    }
    writeln!(out)
}

/// The MLS section: the RFC 9420 files and the live interop scenarios by cipher suite, and the
/// design document's MLS claims.
fn mls(out: &mut String, report: &Report) -> fmt::Result {
    let Some(m) = MlsOverview::of(report) else {
        return Ok(());
    };
    writeln!(out, "### MLS (RFC 9420)\n")?;
    writeln!(
        out,
        "Cells: pass / fail / unsupported per cipher suite (RFC 9420 §17.1 code points: {}).\n",
        m.columns
            .iter()
            .filter(|c| !c.name.is_empty() && c.label != c.name && !c.draft)
            .map(|c| format!("{} {}", c.label, c.name))
            .collect::<Vec<_>>()
            .join(", ")
    )?;
    let drafts: Vec<&str> = m
        .columns
        .iter()
        .filter(|c| c.draft)
        .map(|c| c.label.as_str())
        .collect();
    if !drafts.is_empty() {
        writeln!(
            out,
            "\"draft PQ\": the {} draft-ietf-mls-pq-ciphersuites suites run ({}; provisional code \
             points, self-generated vectors), summed; `index.html` has a column for each.\n",
            drafts.len(),
            drafts.join(", ")
        )?;
    }
    mls_table(
        out,
        &m,
        &m.vectors,
        "RFC 9420 vector files, through sonet::mls (openmls) and the oracle (sonet-oracle)",
        "Vector file",
    )?;
    mls_table(
        out,
        &m,
        &m.interop,
        "Live interop: Sonet and mls-rs in the same groups",
        "Scenario",
    )?;
    if !m.claims.is_empty() {
        writeln!(out, "**MLS claims of the design document**\n")?;
        claim_table(out, m.claims.iter().copied())?;
    }
    Ok(())
}

/// The benchmark tables, when the benchmarks ran; `compact` (report.md) keeps the headline and
/// flagged default-provider rows and the hybrid overhead, and points at the full tables.
fn performance(out: &mut String, report: &Report, compact: bool) -> fmt::Result {
    let Some(perf) = &report.performance else {
        return Ok(());
    };
    writeln!(out, "### Performance\n")?;
    writeln!(out, "{}.\n", M(&perf.profile_description))?;
    for missing in &perf.missing {
        writeln!(out, "- ⚠️ {}", M(missing))?;
    }
    if !perf.missing.is_empty() {
        writeln!(out)?;
    }
    if compact {
        writeln!(
            out,
            "Every benchmark with its peers: `bench.md` and `index.html` in this folder; raw \
             estimates: `bench.json`.\n"
        )?;
    }
    for table in super::performance::tables(perf, compact) {
        writeln!(out, "**{}** — {}\n", M(&table.title), M(&table.note))?;
        write!(out, "|")?;
        for header in &table.headers {
            write!(out, " {} |", M(header))?;
        }
        write!(out, "\n|")?;
        for _ in &table.headers {
            write!(out, "---|")?;
        }
        writeln!(out)?;
        for row in &table.rows {
            write!(out, "|")?;
            for cell in row {
                let mark = match cell.tone {
                    Some(Tone::Good) => "🟩 ",
                    Some(Tone::Warn) => "🟨 ",
                    Some(Tone::Bad) => "🟥 ",
                    None => "",
                };
                write!(out, " {mark}{} |", M(&cell.text))?;
            }
            writeln!(out)?;
        }
        writeln!(out)?;
    }
    Ok(())
}

fn mls_table(
    out: &mut String,
    m: &MlsOverview<'_>,
    rows: &[MlsRow<'_>],
    caption: &str,
    first_header: &str,
) -> fmt::Result {
    writeln!(out, "**{}**\n", M(caption))?;
    if rows.is_empty() {
        return writeln!(out, "Not run.\n");
    }
    // Draft PQ suites share one summed column, to keep the comment narrow.
    let shown: Vec<&MlsColumn> = m.columns.iter().filter(|c| !c.draft).collect();
    let drafts: Vec<&MlsColumn> = m.columns.iter().filter(|c| c.draft).collect();
    write!(out, "| {} | Provider |", M(first_header))?;
    for column in &shown {
        write!(out, " {} |", M(&column.label))?;
    }
    if !drafts.is_empty() {
        write!(out, " draft PQ |")?;
    }
    write!(out, " All |\n|---|---|")?;
    for _ in &shown {
        write!(out, "---|")?;
    }
    if !drafts.is_empty() {
        write!(out, "---|")?;
    }
    writeln!(out, "---|")?;
    for row in &collapse_interop_passive(rows) {
        let row = &row;
        write!(out, "| {} | {} |", C(&row.set), M(&row.provider))?;
        for column in &shown {
            match row.cells.get(column.name.as_str()) {
                Some(counts) => write!(out, " {} |", mls_cell(counts))?,
                None => write!(out, " — |")?,
            }
        }
        if !drafts.is_empty() {
            let mut sum: Option<Counts> = None;
            for column in &drafts {
                if let Some(counts) = row.cells.get(column.name.as_str()) {
                    sum.get_or_insert_with(Counts::default).add(counts);
                }
            }
            match sum {
                Some(counts) => write!(out, " {} |", mls_cell(&counts))?,
                None => write!(out, " — |")?,
            }
        }
        writeln!(out, " {} |", mls_cell(&row.total))?;
    }
    writeln!(out)
}

fn not_verified(out: &mut String, report: &Report, o: &Overview<'_>) -> fmt::Result {
    writeln!(out, "### Not verified\n")?;
    let t = &o.totals;
    if o.unsupported.is_empty() {
        writeln!(
            out,
            "**Unsupported cases:** none — every case read was executed.\n"
        )?;
    } else {
        writeln!(
            out,
            "**Unsupported cases:** {} ({} of all cases), in {} group(s):\n",
            t.unsupported,
            percent(t.unsupported, t.total()),
            o.unsupported.len()
        )?;
        writeln!(
            out,
            "| Suite | Set | Provider | Reason | Cases |\n|---|---|---|---|---|"
        )?;
        for group in o.unsupported.iter().take(GROUP_CAP) {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                M(group.suite),
                C(group.set),
                M(group.provider),
                M(&truncate(group.reason, CELL_CAP)),
                group.count
            )?;
        }
        writeln!(out)?;
        if o.unsupported.len() > GROUP_CAP {
            let rest = &o.unsupported[GROUP_CAP..];
            let cases: u64 = rest.iter().map(|g| g.count).sum();
            writeln!(
                out,
                "… and {} more group(s) covering {cases} case(s), listed in `index.html`.\n",
                rest.len()
            )?;
        }
    }

    let pending: Vec<_> = not_verified_claims(&report.run.claims).collect();
    if pending.is_empty() {
        writeln!(out, "**Claims not verified:** none.\n")?;
    } else {
        writeln!(out, "**Claims not verified:** {}\n", pending.len())?;
        for claim in pending {
            writeln!(
                out,
                "- {} — “{}”: {}",
                M(&claim.id),
                M(&claim.quote),
                M(&truncate(&claim.reason, CELL_CAP))
            )?;
        }
        writeln!(out)?;
    }

    let errored = o.set_errors.len() + report.run.errors.len();
    if errored == 0 && o.empty_suites.is_empty() {
        writeln!(out, "**Sets and suites not checked:** none.\n")?;
    } else {
        writeln!(
            out,
            "**Sets and suites not checked:** {} set error(s), {} suite error(s) (listed under Failures).",
            o.set_errors.len(),
            report.run.errors.len()
        )?;
        for empty in &o.empty_suites {
            writeln!(out, "- {}: {}", M(empty.suite), M(&empty.note))?;
        }
        writeln!(out)?;
    }
    Ok(())
}

fn sources_section(out: &mut String, report: &Report) -> fmt::Result {
    let files = &report.vectors.files;
    let sets = &report.run.sets;
    writeln!(out, "### Vector sources\n")?;
    let bad: Vec<_> = files
        .iter()
        .filter(|f| f.status != super::FileStatus::Ok)
        .collect();
    if !bad.is_empty() {
        writeln!(
            out,
            "**{} pinned vector file(s) do not match their pin:**\n",
            bad.len()
        )?;
        writeln!(out, "| Path | Status | Detail |\n|---|---|---|")?;
        for file in bad {
            writeln!(
                out,
                "| {} | {} | {} |",
                C(&file.path),
                file_status_label(file.status),
                M(&truncate(&file.detail, CELL_CAP))
            )?;
        }
        writeln!(out)?;
    }

    writeln!(
        out,
        "<details><summary>{} vector set(s) and their upstream sources</summary>\n",
        sets.len()
    )?;
    writeln!(
        out,
        "| Suite | Set | Provider | Cases read | Elapsed | Source | sha256 |\n|---|---|---|---|---|---|---|"
    )?;
    for set in sets {
        let sources: Vec<String> = set
            .sources
            .iter()
            .map(|s| format!("{}@{}:{}", s.repo, short_commit(&s.commit), s.upstream_path))
            .collect();
        let hashes: Vec<&str> = set.sources.iter().map(|s| s.sha256.as_str()).collect();
        writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            M(&set.suite),
            C(&set.set),
            M(&set.provider),
            M(&cases_read(set)),
            M(&duration_ms(set.elapsed_ms)),
            C(&sources.join(" ; ")),
            C(&hashes.join(" ; "))
        )?;
    }
    writeln!(out, "\n</details>\n")?;

    writeln!(
        out,
        "<details><summary>{} pinned vector file(s) under {}</summary>\n",
        files.len(),
        M(&report.vectors.root)
    )?;
    writeln!(
        out,
        "| Path | Status | Repository | Commit | sha256 | Size | License |\n|---|---|---|---|---|---|---|"
    )?;
    for file in files {
        writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            C(&file.path),
            file_status_label(file.status),
            M(&file.repo),
            C(&short_commit(&file.commit)),
            C(&file.sha256),
            file.size,
            M(&file.license)
        )?;
    }
    writeln!(out, "\n</details>\n")
}

fn environment_section(out: &mut String, report: &Report) -> fmt::Result {
    let env = &report.environment;
    writeln!(out, "### Environment\n")?;
    let features: Vec<String> = env
        .cpu_features
        .iter()
        .map(|f| format!("{} {}", if f.present { "✓" } else { "✗" }, M(&f.label)))
        .collect();
    writeln!(
        out,
        "- **CPU:** {} · {} core(s) · {}",
        M(&env.cpu_model),
        env.cores,
        if features.is_empty() {
            "no feature recorded".to_owned()
        } else {
            features.join(", ")
        }
    )?;
    writeln!(
        out,
        "- **OS:** {} · **rustc:** {} · **profile:** {}",
        M(&env.os),
        M(&env.rustc),
        M(&env.profile)
    )?;
    if !env.rustflags.is_empty() {
        writeln!(out, "- **RUSTFLAGS:** {}", M(&env.rustflags))?;
    }
    for backend in &env.backends {
        writeln!(
            out,
            "- **{}:** {}",
            M(&backend.implementation),
            M(&backend.selected)
        )?;
    }
    writeln!(
        out,
        "- **Git:** {}{}",
        M(&env.git_revision),
        if env.git_dirty {
            " (dirty: uncommitted changes)"
        } else {
            ""
        }
    )?;
    let crates: Vec<String> = env
        .crates
        .iter()
        .map(|c| format!("{} {}", M(&c.name), M(&c.version)))
        .collect();
    writeln!(
        out,
        "- **Crates under test:** {}",
        if crates.is_empty() {
            "none recorded".to_owned()
        } else {
            crates.join(", ")
        }
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::sample_report;

    fn md() -> String {
        render_markdown(&sample_report())
    }

    #[test]
    fn an_oversized_summary_is_cut_at_a_line_with_a_notice() {
        let mut report = sample_report();
        for i in 0..2_000 {
            report.run.claims.push(Claim {
                id: format!("filler-{i}"),
                quote: "x".repeat(40),
                section: "s".into(),
                claimed: "c".into(),
                measured: "m".into(),
                verdict: ClaimVerdict::Confirmed,
                reason: "r".into(),
            });
        }
        let text = render_markdown(&report);
        assert!(text.len() <= SIZE_BUDGET, "{}", text.len());
        assert!(text.contains("This summary was cut to fit a comment"));
        // The verdict and the matrix come first and survive the cut.
        assert!(text.contains("### Conformance matrix"));
        assert!(text.contains("### Environment"));
    }

    #[test]
    fn performance_section() {
        assert!(!md().contains("### Performance"));
        let mut report = sample_report();
        crate::fixtures::add_performance(&mut report);
        let text = render_markdown(&report);
        let start = text.find("### Performance").expect("performance section");
        let section = &text[start..];
        assert!(section.contains("🟩 1.25×"));
        // The comparison and per-area tables are in bench.md (and index.html), not report.md.
        assert!(!section.contains("**Sonet against the fastest peer**"));
        assert!(section.contains("🟨 +100.0 %"));
        assert!(section.contains("⚠️ no sig benchmark produced a result"));
        assert!(section.contains("**Default providers**"));
        assert!(section.contains("| kem/ML-KEM-768/keygen | sonet/aws-lc | 16.00 µs | sonet/aws-lc | libcrux (20.00 µs) | 🟩 1.25× | 🟩 ok: fastest Sonet provider"), "{section}");
        let alone = super::render_performance_markdown(&report);
        assert!(alone.starts_with("## Sonet benchmarks"));
        assert!(alone.contains("**AEAD throughput**"));
        // Sonet's 8 µs against ring's 2 µs: 0.25×, flagged.
        assert!(alone.contains("| aead/AES-256-GCM/seal @ 16 KiB | sonet/rustcrypto | 8.00 µs | ring | 2.00 µs | 🟨 0.25× |"), "{alone}");
    }

    #[test]
    fn end_to_end_table_and_claim() {
        let mut report = sample_report();
        crate::fixtures::add_end_to_end(&mut report, 0);
        let text = render_markdown(&report);
        let start = text
            .find("**End-to-end service benchmark**")
            .expect("end-to-end table");
        let table = &text[start..];
        assert!(table.contains("real MLS clients (MLS\\_128"), "{table}");
        assert!(table.contains(
            "| Bus | Shape | Payload | Messages/s | Per group | Deliveries/s | Latency p50 / p90 / p99 / max (ms) | Lost / duplicated / out of order | Result |"
        ));
        assert!(
            table.contains(
                "| embedded | 1×3×1000 | 64 B | 1,210 | 1,210 | 2,419 | 5.2 / 9.8 / 45 / 61 | 🟩 0 / 0 / 0 | 🟩 PASS |"
            ),
            "{table}"
        );
        assert!(table.contains(
            "| kafka | 1×3×1000 | — | — | — | — | — | — | 🟨 not run: no broker: cargo xtask broker start |"
        ));
        assert!(text.contains("1,210 msg/s per group end to end (embedded bus, 1×3, p99 45 ms)"));
        assert!(text.contains("(`perf-mls-throughput`)"));
        assert!(text.contains("| ❌ refuted |"));
        // bench.md has the same table.
        let alone = super::render_performance_markdown(&report);
        assert!(alone.contains("**End-to-end service benchmark**"));

        let mut report = sample_report();
        crate::fixtures::add_end_to_end(&mut report, 3);
        let text = render_markdown(&report);
        assert!(text.contains(
            "| 🟥 3 / 0 / 0 | 🟥 FAIL: delivery check failed: 3 lost; g0-m1: message 17 of g0-m2 never arrived |"
        ), "{text}");
        assert!(text.contains("⚠️ not verified"));
    }

    #[test]
    fn mls_section() {
        let mut report = sample_report();
        report.run.claims.clear();
        assert!(!render_markdown(&report).contains("### MLS"));
        let mut report = sample_report();
        crate::fixtures::add_mls_sets(&mut report);
        let text = render_markdown(&report);
        let start = text.find("### MLS (RFC 9420)").expect("MLS section");
        let section = &text[start..];
        assert!(section.contains("| `mls/passive-client-welcome.json` | openmls | 🟩 1/0/0 | — |"));
        assert!(section.contains("| `sonet-creates` | mls-rs/rustcrypto | — | 🟥 0/1/0 |"));
        assert!(section.contains("mls-epoch-rotation"));
    }

    #[test]
    fn mls_section_sums_draft_suites_and_the_mlspp_files() {
        use crate::model::{Case, Outcome, SetResult};
        let mut report = sample_report();
        let mut sets = Vec::new();
        for (file, provider) in [
            ("mls/interop/passive/commit.json", "openmls"),
            ("mls/interop/passive/reinit.json", "openmls"),
            ("sonet/mls-pq-passive-client.json", "sonet-oracle"),
        ] {
            let mut set = SetResult::new("rfc9420", file, provider);
            let params = if file.starts_with("sonet/") {
                [
                    "MLS_192_MLKEM768_AES256GCM_SHA384_MLDSA65",
                    "MLS_256_XWING_CHACHA20POLY1305_SHA256_Ed25519",
                ]
            } else {
                ["MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519"; 2]
            };
            for (i, p) in params.into_iter().enumerate() {
                set.push(Case {
                    id: format!("case {i}"),
                    params: p.into(),
                    kind: "passive-client".into(),
                    outcome: Outcome::Pass,
                    detail: String::new(),
                });
            }
            set.finish();
            sets.push(set);
        }
        report.run.suites.push("rfc9420".into());
        report.run.sets.extend(sets);
        let text = render_markdown(&report);
        let section = &text[text.find("### MLS (RFC 9420)").expect("MLS section")..];
        assert!(
            section.contains("(0x004d, 0x0051; provisional code"),
            "{section}"
        );
        assert!(
            section.contains(
                "| `mls/interop/passive/*.json` | openmls | 🟩 4/0/0 | — | — | — | — | — | — | — | 🟩 4/0/0 |"
            ),
            "{section}"
        );
        assert!(
            section.contains(
                "| `sonet/mls-pq-passive-client.json` | sonet-oracle | — | — | — | — | — | — | — | 🟩 2/0/0 | 🟩 2/0/0 |"
            ),
            "{section}"
        );
    }

    #[test]
    fn verdict_and_totals() {
        let text = md();
        assert!(text.starts_with("## ❌ Sonet conformance: FAIL\n"));
        assert!(text.contains("- 1 vector file altered\n"));
        assert!(text.contains("**9 cases:** 5 pass · 1 fail · 3 unsupported (33.3% unsupported)"));
    }

    #[test]
    fn matrix_rows() {
        let text = md();
        assert!(
            text.contains("| Suite | Parameter set | aws-lc | rustcrypto |\n|---|---|---|---|\n")
        );
        assert!(text.contains("| fips203 | ML-KEM-768 | 🟩 3 / 0 / 0 | 🟥 1 / 1 / 1 |\n"));
        assert!(text.contains("| fips204 | ML-DSA-44 | — | 🟨 1 / 0 / 2 |\n"));
        assert!(text
            .contains("| fips205 | — | ⛔ no cases: suite did not run: vector file missing | |\n"));
        assert!(text.contains("| **All** | | 🟩 3 / 0 / 0 | 🟥 2 / 1 / 3 |\n"));
    }

    #[test]
    fn failures_are_listed_and_escaped() {
        let text = md();
        assert!(text.contains("### Failures (1)"));
        let row = text
            .lines()
            .find(|l| l.contains("`tcId 2`"))
            .unwrap_or_default();
        assert!(row.starts_with(
            "| fips203 | `mlkem_768_test.json` | rustcrypto | `tcId 2` | ML-KEM-768 | decaps |"
        ));
        // Pipes, HTML and control characters in the detail cannot break the table or the page.
        assert!(row.contains(
            "&lt;script&gt;alert('x')&lt;/script&gt; &amp; \"quoted\" \\| piped\u{FFFD} |"
        ));
        assert!(!text.contains("<script"));
        // Seven columns, so eight unescaped pipes.
        let unescaped = row.replace("\\|", "").matches('|').count();
        assert_eq!(unescaped, 8, "{row}");
    }

    #[test]
    fn escapes_pipes_in_cells() {
        let mut report = sample_report();
        report.run.sets[0].set = "a|b.json".into();
        report.run.claims[0].quote = "x | y".into();
        let text = render_markdown(&report);
        assert!(text.contains("`a\\|b.json`"));
        assert!(text.contains("“x \\| y”"));
        assert!(!text.contains("a|b"));
    }

    #[test]
    fn claims_not_verified_and_sources() {
        let text = md();
        assert!(text.contains("| “Kyber-768: 1184-byte public keys” (`kyber-768-public-key`) | 2. NIST PQC Algorithm Integration | 1184 bytes | 1184 bytes (rustcrypto, aws-lc) | ✅ confirmed |"));
        assert!(text.contains("| ❌ refuted |"));
        assert!(text.contains("| ⚠️ not verified |"));
        assert!(text.contains("| fips204 | `mldsa_44_verify_test.json` | rustcrypto | external mu not supported | 2 |"));
        assert!(text.contains("| fips203 | `mlkem_768_test.json` | rustcrypto | deterministic encapsulation not exposed | 1 |"));
        assert!(text.contains(
            "- mls-group-size — “MLS scales to 10k members”: MLS is not part of this stage"
        ));
        assert!(text.contains("read 3 cases but the file declares 4"));
        assert!(text.contains(
            "| `acvp/ML-DSA-sigVer.json` | altered | expected sha256 cdcd…, found 0000… |"
        ));
        assert!(text.contains("`C2SP/wycheproof@0123456789ab:testvectors_v1/mlkem_768_test.json`"));
        assert!(text.contains("<details><summary>3 vector set(s)"));
        assert!(text.contains("- **CPU:** Test CPU @ 3.0GHz · 8 core(s) · ✓ AES-NI, ✗ AVX-512"));
        assert!(text.contains("(dirty: uncommitted changes)"));
    }

    #[test]
    fn caps_failures_and_stays_within_a_comment() {
        let mut report = sample_report();
        for s in 0..200 {
            let mut set = crate::model::SetResult::new("fips203", &format!("set {s}"), "aws-lc");
            for i in 0..20 {
                set.push(crate::model::Case {
                    id: format!("c{s}-{i}"),
                    params: "ML-KEM-512".into(),
                    kind: "decaps".into(),
                    outcome: crate::model::Outcome::Fail,
                    detail: "x".repeat(500),
                });
            }
            report.run.sets.push(set);
        }
        let text = render_markdown(&report);
        assert!(text.contains("### Failures (4001)"));
        assert!(text.contains("Showing the first 50 of 4001 failed cases"));
        assert!(text.len() < 65_536, "{} bytes", text.len());
    }

    #[test]
    fn code_spans_survive_backticks() {
        assert_eq!(C("a`b").to_string(), "``a`b``");
        assert_eq!(C("`x").to_string(), "`` `x ``");
        assert_eq!(C("").to_string(), "");
    }
}
