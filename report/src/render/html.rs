//! `index.html`: one self-contained page for a reviewer. Inline CSS only, no JavaScript, no
//! external resource of any kind (a Content-Security-Policy forbids them too), so it opens offline.
//!
//! Top to bottom: verdict, failures, environment, conformance matrix, the MLS section (RFC 9420
//! files and live interop by cipher suite, MLS claims), vector sets with their sources,
//! design-document claims, what was not verified, the vector files check.

use std::fmt::{self, Display, Write};

use crate::model::{Claim, Counts, SetResult, Verdict as ClaimVerdict};

use super::{
    cases_read, claim_label, counts_triple, duration_ms, duration_s, file_status_label,
    not_verified_claims, percent, short_commit, tone, truncate, FileStatus, MlsOverview, MlsRow,
    Overview, Report, Tone,
};

/// How many failed cases are listed individually.
const FAILURE_CAP: usize = 200;
/// How many characters of a case detail are shown.
const DETAIL_CAP: usize = 4_000;
/// Tables with more rows than this start collapsed.
const OPEN_ROWS: usize = 40;

/// `index.html`: the whole report as one self-contained page for reviewers (no scripts;
/// its Content-Security-Policy loads nothing, not even local files).
pub fn render_html(report: &Report) -> String {
    let mut out = String::with_capacity(64 * 1024);
    // Writing into a String cannot fail.
    let _ = page(&mut out, report);
    out
}

/// HTML-escapes text for element content and quoted attributes; C0 controls other than tab and
/// newlines become U+FFFD.
struct E<'a>(&'a str);

impl Display for E<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for ch in self.0.chars() {
            match ch {
                '&' => f.write_str("&amp;")?,
                '<' => f.write_str("&lt;")?,
                '>' => f.write_str("&gt;")?,
                '"' => f.write_str("&quot;")?,
                '\'' => f.write_str("&#39;")?,
                '\t' | '\n' | '\r' => f.write_char(ch)?,
                c if c.is_control() => f.write_char('\u{FFFD}')?,
                c => f.write_char(c)?,
            }
        }
        Ok(())
    }
}

const CSS: &str = r#"
:root{--ok:#1a7f37;--ok-bg:#dafbe1;--bad:#cf222e;--bad-bg:#ffebe9;--warn:#9a6700;--warn-bg:#fff8c5;--muted:#59636e;--border:#d1d9e0;--head:#f6f8fa}
*{box-sizing:border-box}
body{font:14px/1.45 -apple-system,BlinkMacSystemFont,"Segoe UI",Helvetica,Arial,sans-serif;color:#1f2328;background:#fff;margin:0 auto;max-width:1400px;padding:16px 24px 48px}
h1{font-size:24px;margin:8px 0 2px}
h2{font-size:19px;border-bottom:1px solid var(--border);padding-bottom:4px;margin:36px 0 10px}
h3{font-size:15px;margin:20px 0 6px}
p{margin:6px 0}
.meta{color:var(--muted);font-size:13px}
nav{margin:10px 0;font-size:13px}
nav a{margin-right:14px;color:#0969da;text-decoration:none}
.banner{border:2px solid;border-radius:8px;padding:14px 18px;margin:16px 0}
.banner.pass{border-color:var(--ok);background:var(--ok-bg)}
.banner.fail{border-color:var(--bad);background:var(--bad-bg)}
.banner .word{font-size:30px;font-weight:700;letter-spacing:1px}
.banner.pass .word{color:var(--ok)}
.banner.fail .word{color:var(--bad)}
.banner ul{margin:6px 0 8px;padding-left:22px}
.totals{font-size:15px}
.t-pass{color:var(--ok);font-weight:600}
.t-fail{color:var(--bad);font-weight:600}
.t-unsup{color:var(--warn);font-weight:600}
table{border-collapse:collapse;margin:8px 0 12px;font-size:13px}
th,td{border:1px solid var(--border);padding:4px 8px;text-align:left;vertical-align:top}
thead th,tfoot th,tfoot td{background:var(--head)}
th[scope=row]{background:var(--head);font-weight:600;white-space:nowrap}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.mono,.hash{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:12px}
.hash{word-break:break-all}
.detail{white-space:pre-wrap;word-break:break-word;max-width:720px}
.c-ok{background:var(--ok-bg);color:#0a3622}
.c-warn{background:var(--warn-bg);color:#4d3800}
.c-bad{background:var(--bad-bg);color:#6e0b12;font-weight:600}
.c-none{color:var(--muted);text-align:center}
.matrix td.cell{text-align:center;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.r-bad td{background:var(--bad-bg)}
.badge{display:inline-block;padding:1px 9px;border-radius:10px;font-size:12px;font-weight:600;white-space:nowrap}
.b-ok{background:var(--ok);color:#fff}
.b-bad{background:var(--bad);color:#fff}
.b-warn{background:#bf8700;color:#fff}
.yes{color:var(--ok);font-weight:700}
.no{color:var(--bad);font-weight:700}
.src{margin:2px 0}
.note{color:var(--muted);font-size:13px}
.good-note{color:var(--ok)}
details{margin:8px 0}
summary{cursor:pointer;font-weight:600;padding:2px 0}
figure.plot{margin:12px 0;overflow-x:auto}figure.plot svg{max-width:100%;height:auto}
footer{margin-top:40px;color:var(--muted);font-size:12px;border-top:1px solid var(--border);padding-top:8px}
@media print{nav{display:none}details>summary{list-style:none}body{max-width:none}}
"#;

fn page(out: &mut String, report: &Report) -> fmt::Result {
    let o = Overview::of(report);
    let word = if o.ok { "PASS" } else { "FAIL" };

    writeln!(out, "<!DOCTYPE html>")?;
    writeln!(out, "<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">")?;
    writeln!(
        out,
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
    )?;
    writeln!(
        out,
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
    )?;
    writeln!(
        out,
        "<title>Sonet compliance report — {word} — {}</title>",
        E(&report.generated_at)
    )?;
    writeln!(out, "<style>{CSS}</style>\n</head>\n<body>")?;

    writeln!(out, "<header>\n<h1>Sonet compliance report</h1>")?;
    writeln!(
        out,
        "<p class=\"meta\">Generated {} by <span class=\"mono\">{}</span> in {} · git <span class=\"mono\">{}</span>{} · schema {}</p>",
        E(&report.generated_at),
        E(&report.command),
        E(&duration_s(report.elapsed_seconds)),
        E(&short_commit(&report.environment.git_revision)),
        if report.environment.git_dirty { " (dirty)" } else { "" },
        report.schema
    )?;
    writeln!(
        out,
        "<nav><a href=\"#failures\">Failures</a><a href=\"#environment\">Environment</a><a href=\"#matrix\">Conformance matrix</a><a href=\"#mls\">MLS</a><a href=\"#performance\">Performance</a><a href=\"#sets\">Vector sets</a><a href=\"#claims\">Claims</a><a href=\"#not-verified\">Not verified</a><a href=\"#vector-files\">Vector files</a></nav>\n</header>"
    )?;

    banner(out, report, &o)?;
    failures(out, report, &o)?;
    environment(out, report)?;
    matrix(out, &o)?;
    mls(out, report)?;
    performance(out, report)?;
    sets(out, report)?;
    claims(out, report)?;
    not_verified(out, report, &o)?;
    vector_files(out, report)?;

    writeln!(
        out,
        "<footer>Machine-readable results: <span class=\"mono\">results.json</span>; CI results: <span class=\"mono\">junit.xml</span>; pull-request summary: <span class=\"mono\">report.md</span>, all in this folder. This page uses no scripts and loads nothing from the network.</footer>"
    )?;
    writeln!(out, "</body>\n</html>")
}

fn banner(out: &mut String, report: &Report, o: &Overview<'_>) -> fmt::Result {
    let class = if o.ok { "pass" } else { "fail" };
    let word = if o.ok { "PASS" } else { "FAIL" };
    writeln!(out, "<section class=\"banner {class}\" id=\"verdict\">")?;
    writeln!(out, "<div class=\"word\">{word}</div>")?;
    if !o.reasons.is_empty() {
        writeln!(out, "<ul class=\"reasons\">")?;
        for reason in &o.reasons {
            writeln!(out, "<li>{}</li>", E(reason))?;
        }
        writeln!(out, "</ul>")?;
    }
    let t = &o.totals;
    writeln!(
        out,
        "<p class=\"totals\"><b>{}</b> cases: <span class=\"t-pass\">{} pass</span> · <span class=\"t-fail\">{} fail</span> · <span class=\"t-unsup\">{} unsupported</span> ({} of all cases unsupported)</p>",
        t.total(),
        t.pass,
        t.fail,
        t.unsupported,
        percent(t.unsupported, t.total())
    )?;
    let run = &report.run;
    let files = &report.vectors.files;
    writeln!(
        out,
        "<p>{} vector set(s) in {} suite(s) · {} set error(s) · {} suite(s) that could not run · claims: {} confirmed, {} refuted, {} not verified · vector files: {} of {} match their pin</p>",
        run.sets.len(),
        o.suites.len(),
        o.set_errors.len(),
        run.errors.len(),
        o.claims.confirmed,
        o.claims.refuted,
        o.claims.not_verified,
        files.len() - o.bad_files.len(),
        files.len()
    )?;
    writeln!(out, "</section>")
}

fn failures(out: &mut String, report: &Report, o: &Overview<'_>) -> fmt::Result {
    writeln!(out, "<section id=\"failures\">\n<h2>Failures</h2>")?;
    let total = o.failures.len();
    if total == 0 {
        writeln!(out, "<p class=\"good-note\">No case failed.</p>")?;
    } else {
        if total > FAILURE_CAP {
            writeln!(
                out,
                "<p><b>{total}</b> cases failed; the first {FAILURE_CAP} are listed, all are in <span class=\"mono\">results.json</span>.</p>"
            )?;
        } else {
            writeln!(out, "<p><b>{total}</b> case(s) failed.</p>")?;
        }
        let open = if total.min(FAILURE_CAP) > OPEN_ROWS {
            ""
        } else {
            " open"
        };
        writeln!(
            out,
            "<details{open}><summary>Failed cases ({} listed of {total})</summary>",
            total.min(FAILURE_CAP)
        )?;
        writeln!(out, "<table><thead><tr><th>Suite</th><th>Set</th><th>Provider</th><th>Case</th><th>Parameters</th><th>Kind</th><th>Detail</th></tr></thead><tbody>")?;
        for (set, case) in o.failures.iter().take(FAILURE_CAP) {
            writeln!(
                out,
                "<tr><td>{}</td><td class=\"mono\">{}</td><td>{}</td><td class=\"mono\">{}</td><td>{}</td><td>{}</td><td class=\"detail\">{}</td></tr>",
                E(&set.suite),
                E(&set.set),
                E(&set.provider),
                E(&case.id),
                E(&case.params),
                E(&case.kind),
                E(&truncate(&case.detail, DETAIL_CAP))
            )?;
        }
        writeln!(out, "</tbody></table>\n</details>")?;
    }

    if !o.set_errors.is_empty() || !report.run.errors.is_empty() {
        writeln!(out, "<h3>Sets and suites that could not be checked</h3>")?;
        errors_table(out, report, o)?;
    }
    writeln!(out, "</section>")
}

/// Suite errors and set errors, one row each.
fn errors_table(out: &mut String, report: &Report, o: &Overview<'_>) -> fmt::Result {
    writeln!(out, "<table><thead><tr><th>Suite</th><th>Set</th><th>Provider</th><th>Cases read</th><th>Error</th></tr></thead><tbody>")?;
    for error in &report.run.errors {
        writeln!(
            out,
            "<tr class=\"r-bad\"><td>{}</td><td colspan=\"3\">suite could not run</td><td class=\"detail\">{}</td></tr>",
            E(&error.suite),
            E(&error.error)
        )?;
    }
    for set in &o.set_errors {
        writeln!(
            out,
            "<tr class=\"r-bad\"><td>{}</td><td class=\"mono\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"detail\">{}</td></tr>",
            E(&set.suite),
            E(&set.set),
            E(&set.provider),
            E(&cases_read(set)),
            E(set.error.as_deref().unwrap_or_default())
        )?;
    }
    writeln!(out, "</tbody></table>")
}

fn environment(out: &mut String, report: &Report) -> fmt::Result {
    let env = &report.environment;
    writeln!(out, "<section id=\"environment\">\n<h2>Environment</h2>")?;
    writeln!(out, "<table><tbody>")?;
    row(out, "CPU", &E(&env.cpu_model))?;

    let mut features = String::new();
    if env.cpu_features.is_empty() {
        features.push_str("<span class=\"note\">none recorded</span>");
    }
    for feature in &env.cpu_features {
        let (mark, class, state) = if feature.present {
            ("✓", "yes", "present")
        } else {
            ("✗", "no", "absent")
        };
        write!(
            features,
            "<div><span class=\"{class}\" title=\"{state}\">{mark}</span> {} <span class=\"mono note\">({})</span></div>",
            E(&feature.label),
            E(&feature.flag)
        )?;
    }
    row(out, "CPU features", &features)?;
    row(out, "Cores", &env.cores)?;
    row(out, "Operating system", &E(&env.os))?;
    row(
        out,
        "rustc",
        &format_args!("<span class=\"mono\">{}</span>", E(&env.rustc)),
    )?;
    row(
        out,
        "Git revision",
        &format_args!(
            "<span class=\"mono\">{}</span>{}",
            E(&env.git_revision),
            if env.git_dirty {
                " <span class=\"badge b-warn\">dirty</span> <span class=\"note\">uncommitted changes were present</span>"
            } else {
                ""
            }
        ),
    )?;
    row(out, "Build profile", &E(&env.profile))?;
    row(
        out,
        "RUSTFLAGS",
        &if env.rustflags.is_empty() {
            "<span class=\"note\">none</span>".to_owned()
        } else {
            format!("<span class=\"mono\">{}</span>", E(&env.rustflags))
        },
    )?;
    let mut backends = String::new();
    for backend in &env.backends {
        write!(
            backends,
            "<div>{}: <span class=\"note\">{}</span></div>",
            E(&backend.implementation),
            E(&backend.selected)
        )?;
    }
    if !backends.is_empty() {
        row(out, "Code paths on this CPU", &backends)?;
    }

    let mut crates = String::new();
    if env.crates.is_empty() {
        crates.push_str("<span class=\"note\">none recorded</span>");
    }
    for krate in &env.crates {
        write!(
            crates,
            "<div><span class=\"mono\">{} {}</span></div>",
            E(&krate.name),
            E(&krate.version)
        )?;
    }
    row(out, "Crates under test", &crates)?;
    row(
        out,
        "Vector root",
        &format_args!("<span class=\"mono\">{}</span>", E(&report.vectors.root)),
    )?;
    writeln!(out, "</tbody></table>\n</section>")
}

/// One header/value row; `value` is already HTML.
fn row(out: &mut String, header: &str, value: &dyn Display) -> fmt::Result {
    writeln!(
        out,
        "<tr><th scope=\"row\">{}</th><td>{value}</td></tr>",
        E(header)
    )
}

fn tone_class(counts: &Counts) -> &'static str {
    match tone(counts) {
        Tone::Good => "c-ok",
        Tone::Warn => "c-warn",
        Tone::Bad => "c-bad",
    }
}

fn matrix(out: &mut String, o: &Overview<'_>) -> fmt::Result {
    writeln!(out, "<section id=\"matrix\">\n<h2>Conformance matrix</h2>")?;
    writeln!(
        out,
        "<p class=\"note\">Each cell: <b>pass / fail / unsupported</b> cases. Red: a case failed; amber: some cases are unsupported; green: every case passed; — the provider has no vectors for that row.</p>"
    )?;
    if o.rows.is_empty() && o.empty_suites.is_empty() {
        writeln!(out, "<p class=\"no\">No case was run.</p>\n</section>")?;
        return Ok(());
    }
    let columns = o.providers.len().max(1);
    write!(
        out,
        "<table class=\"matrix\"><thead><tr><th>Suite</th><th>Parameter set</th>"
    )?;
    if o.providers.is_empty() {
        write!(out, "<th>Providers</th>")?;
    }
    for provider in &o.providers {
        write!(out, "<th>{}</th>", E(provider))?;
    }
    writeln!(out, "</tr></thead><tbody>")?;

    for suite in &o.suites {
        for (_, params) in o.rows.iter().filter(|(s, _)| s == suite) {
            write!(out, "<tr><td>{}</td><td>{}</td>", E(suite), E(params))?;
            for provider in &o.providers {
                match o.cell(suite, params, provider) {
                    Some(counts) => write!(
                        out,
                        "<td class=\"cell {}\" title=\"pass / fail / unsupported\">{}</td>",
                        tone_class(counts),
                        counts_triple(counts)
                    )?,
                    None => write!(
                        out,
                        "<td class=\"cell c-none\" title=\"not covered\">—</td>"
                    )?,
                }
            }
            writeln!(out, "</tr>")?;
        }
        if let Some(empty) = o.empty_suites.iter().find(|e| e.suite == *suite) {
            writeln!(
                out,
                "<tr><td>{}</td><td>—</td><td class=\"c-bad\" colspan=\"{columns}\">no cases: {}</td></tr>",
                E(suite),
                E(&empty.note)
            )?;
        }
    }
    writeln!(out, "</tbody>")?;
    if !o.providers.is_empty() {
        write!(out, "<tfoot><tr><th colspan=\"2\">All parameter sets</th>")?;
        for provider in &o.providers {
            let total = o.provider_totals(provider);
            write!(
                out,
                "<td class=\"cell {}\">{}</td>",
                tone_class(&total),
                counts_triple(&total)
            )?;
        }
        writeln!(out, "</tr></tfoot>")?;
    }
    writeln!(out, "</table>\n</section>")
}

fn sets(out: &mut String, report: &Report) -> fmt::Result {
    let sets = &report.run.sets;
    writeln!(out, "<section id=\"sets\">\n<h2>Vector sets</h2>")?;
    if sets.is_empty() {
        writeln!(
            out,
            "<p class=\"no\">No vector set was checked.</p>\n</section>"
        )?;
        return Ok(());
    }
    let open = if sets.len() > OPEN_ROWS { "" } else { " open" };
    writeln!(
        out,
        "<details{open}><summary>{} set(s), each with its pinned upstream source and sha256</summary>",
        sets.len()
    )?;
    writeln!(out, "<table><thead><tr><th>Suite</th><th>Set</th><th>Provider</th><th>Cases read</th><th>Pass</th><th>Fail</th><th>Unsupported</th><th>Elapsed</th><th>Error</th><th>Sources (repo@commit:upstream path, sha256)</th></tr></thead><tbody>")?;
    for set in sets {
        set_row(out, set)?;
    }
    writeln!(out, "</tbody></table>\n</details>\n</section>")
}

fn set_row(out: &mut String, set: &SetResult) -> fmt::Result {
    let class = if set.is_ok() { "" } else { " class=\"r-bad\"" };
    write!(
        out,
        "<tr{class}><td>{}</td><td class=\"mono\">{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"detail\">{}</td><td>",
        E(&set.suite),
        E(&set.set),
        E(&set.provider),
        E(&cases_read(set)),
        set.counts.pass,
        set.counts.fail,
        set.counts.unsupported,
        E(&duration_ms(set.elapsed_ms)),
        E(set.error.as_deref().unwrap_or_default())
    )?;
    if set.sources.is_empty() {
        write!(out, "<span class=\"no\">no source recorded</span>")?;
    }
    for source in &set.sources {
        write!(
            out,
            "<div class=\"src\"><span class=\"mono\" title=\"{} from commit {}\">{}@{}:{}</span><br><span class=\"hash\">sha256 {}</span></div>",
            E(&source.file),
            E(&source.commit),
            E(&source.repo),
            E(&short_commit(&source.commit)),
            E(&source.upstream_path),
            E(&source.sha256)
        )?;
    }
    writeln!(out, "</td></tr>")
}

fn claim_badge(verdict: ClaimVerdict) -> &'static str {
    match verdict {
        ClaimVerdict::Confirmed => "b-ok",
        ClaimVerdict::Refuted => "b-bad",
        ClaimVerdict::NotVerified => "b-warn",
    }
}

fn claims(out: &mut String, report: &Report) -> fmt::Result {
    let claims = &report.run.claims;
    writeln!(
        out,
        "<section id=\"claims\">\n<h2>Design-document claims</h2>"
    )?;
    if claims.is_empty() {
        writeln!(
            out,
            "<p class=\"note\">No claim was checked.</p>\n</section>"
        )?;
        return Ok(());
    }
    let open = if claims.len() > OPEN_ROWS {
        ""
    } else {
        " open"
    };
    writeln!(
        out,
        "<details{open}><summary>{} claim(s)</summary>",
        claims.len()
    )?;
    claim_table(out, claims.iter())?;
    writeln!(out, "</details>\n</section>")
}

fn claim_table<'a>(out: &mut String, claims: impl Iterator<Item = &'a Claim>) -> fmt::Result {
    writeln!(out, "<table><thead><tr><th>Claim</th><th>Section</th><th>Claimed</th><th>Measured</th><th>Verdict</th><th>How measured / why not</th></tr></thead><tbody>")?;
    for claim in claims {
        writeln!(
            out,
            "<tr><td>“{}”<br><span class=\"mono note\">{}</span></td><td>{}</td><td>{}</td><td>{}</td><td><span class=\"badge {}\">{}</span></td><td class=\"detail\">{}</td></tr>",
            E(&claim.quote),
            E(&claim.id),
            E(&claim.section),
            E(&claim.claimed),
            E(&claim.measured),
            claim_badge(claim.verdict),
            claim_label(claim.verdict),
            E(&claim.reason)
        )?;
    }
    writeln!(out, "</tbody></table>")
}

/// The MLS section: the RFC 9420 files and the live interop scenarios by cipher suite, and the
/// design document's MLS claims.
fn mls(out: &mut String, report: &Report) -> fmt::Result {
    writeln!(out, "<section id=\"mls\">\n<h2>MLS (RFC 9420)</h2>")?;
    let Some(m) = MlsOverview::of(report) else {
        writeln!(
            out,
            "<p class=\"note\">Neither the <span class=\"mono\">rfc9420</span> nor the <span class=\"mono\">interop</span> suite ran, and no MLS claim was checked.</p>\n</section>"
        )?;
        return Ok(());
    };
    writeln!(
        out,
        "<p class=\"note\">Cells: <b>pass / fail / unsupported</b> cases per cipher suite (columns: RFC 9420 §17.1 code points, named below); — no case for that suite.</p>"
    )?;
    mls_table(
        out,
        &m,
        &m.vectors,
        "RFC 9420 vector files (mlswg/mls-implementations), through sonet::mls (openmls) and the independent oracle sonet-oracle (crate and provider name); the differential run; Sonet's self-generated draft-PQ vectors",
        "Vector file",
    )?;
    mls_table(
        out,
        &m,
        &m.interop,
        "Live interop: Sonet and mls-rs in the same groups (every step a case)",
        "Scenario",
    )?;
    writeln!(out, "<p class=\"note\">")?;
    for column in m
        .columns
        .iter()
        .filter(|c| !c.name.is_empty() && c.label != c.name)
    {
        writeln!(
            out,
            "<span class=\"mono\">{}</span> {}{}<br>",
            E(&column.label),
            E(&column.name),
            if column.draft {
                " — draft-ietf-mls-pq-ciphersuites, provisional code point (self-generated vectors)"
            } else {
                ""
            }
        )?;
    }
    writeln!(out, "</p>")?;
    writeln!(out, "<h3>MLS claims of the design document</h3>")?;
    if m.claims.is_empty() {
        writeln!(out, "<p class=\"note\">No MLS claim was checked.</p>")?;
    } else {
        claim_table(out, m.claims.iter().copied())?;
    }
    writeln!(out, "</section>")
}

/// The benchmark tables, when the benchmarks ran.
fn performance(out: &mut String, report: &Report) -> fmt::Result {
    writeln!(out, "<section id=\"performance\">\n<h2>Performance</h2>")?;
    let Some(perf) = &report.performance else {
        writeln!(
            out,
            "<p class=\"note\">The benchmarks did not run (<span class=\"mono\">--bench-profile none</span>).</p>\n</section>"
        )?;
        return Ok(());
    };
    writeln!(
        out,
        "<p class=\"note\">{}.</p>",
        E(&perf.profile_description)
    )?;
    for missing in &perf.missing {
        writeln!(out, "<p class=\"c-warn\">{}</p>", E(missing))?;
    }
    for plot in super::plots::plots(perf) {
        // Inline: the page's Content-Security-Policy forbids loading even local files. The SVG
        // is plotters' own output, labels escaped by it.
        let svg = plot
            .svg
            .find("<svg")
            .map_or(plot.svg.as_str(), |start| &plot.svg[start..]);
        writeln!(
            out,
            "<figure class=\"plot\">{svg}<figcaption>{} (also <span class=\"mono\">{}</span>)</figcaption></figure>",
            E(&plot.title),
            E(&plot.file)
        )?;
    }
    for table in super::performance::tables(perf, false) {
        writeln!(
            out,
            "<h3>{}</h3>\n<p class=\"note\">{}</p>",
            E(&table.title),
            E(&table.note)
        )?;
        write!(out, "<table class=\"matrix\"><thead><tr>")?;
        for header in &table.headers {
            write!(out, "<th>{}</th>", E(header))?;
        }
        writeln!(out, "</tr></thead><tbody>")?;
        for row in &table.rows {
            write!(out, "<tr>")?;
            for (i, cell) in row.iter().enumerate() {
                let class = match (i, cell.tone) {
                    (0, _) => "mono",
                    (_, Some(Tone::Good)) => "cell c-ok",
                    (_, Some(Tone::Warn)) => "cell c-warn",
                    (_, Some(Tone::Bad)) => "cell c-bad",
                    (_, None) => "cell",
                };
                write!(out, "<td class=\"{class}\">{}</td>", E(&cell.text))?;
            }
            writeln!(out, "</tr>")?;
        }
        writeln!(out, "</tbody></table>")?;
    }
    writeln!(out, "</section>")
}

fn mls_table(
    out: &mut String,
    m: &MlsOverview<'_>,
    rows: &[MlsRow<'_>],
    caption: &str,
    first_header: &str,
) -> fmt::Result {
    writeln!(out, "<h3>{}</h3>", E(caption))?;
    if rows.is_empty() {
        return writeln!(out, "<p class=\"note\">Not run.</p>");
    }
    write!(
        out,
        "<table class=\"matrix\"><thead><tr><th>{}</th><th>Provider</th>",
        E(first_header)
    )?;
    for column in &m.columns {
        write!(
            out,
            "<th title=\"{}\">{}</th>",
            E(&column.name),
            E(&column.label)
        )?;
    }
    writeln!(out, "<th>All</th></tr></thead><tbody>")?;
    for row in rows {
        write!(
            out,
            "<tr><td class=\"mono\">{}</td><td>{}</td>",
            E(row.set),
            E(row.provider)
        )?;
        for column in &m.columns {
            match row.cells.get(column.name.as_str()) {
                Some(counts) => write!(
                    out,
                    "<td class=\"cell {}\" title=\"{}\">{}</td>",
                    tone_class(counts),
                    E(&column.name),
                    counts_triple(counts)
                )?,
                None => write!(out, "<td class=\"cell c-none\">—</td>")?,
            }
        }
        writeln!(
            out,
            "<td class=\"cell {}\">{}</td></tr>",
            tone_class(&row.total),
            counts_triple(&row.total)
        )?;
    }
    writeln!(out, "</tbody></table>")
}

fn not_verified(out: &mut String, report: &Report, o: &Overview<'_>) -> fmt::Result {
    writeln!(out, "<section id=\"not-verified\">\n<h2>Not verified</h2>")?;

    writeln!(out, "<h3>Unsupported cases</h3>")?;
    if o.unsupported.is_empty() {
        writeln!(
            out,
            "<p class=\"good-note\">Every case that was read was executed.</p>"
        )?;
    } else {
        writeln!(
            out,
            "<p>{} case(s) ({} of all cases) were read but not executed, in {} group(s):</p>",
            o.totals.unsupported,
            percent(o.totals.unsupported, o.totals.total()),
            o.unsupported.len()
        )?;
        let open = if o.unsupported.len() > OPEN_ROWS {
            ""
        } else {
            " open"
        };
        writeln!(
            out,
            "<details{open}><summary>Unsupported cases by suite, set, provider and reason</summary>"
        )?;
        writeln!(out, "<table><thead><tr><th>Suite</th><th>Set</th><th>Provider</th><th>Reason</th><th>Cases</th><th>Case ids (first few)</th></tr></thead><tbody>")?;
        for group in &o.unsupported {
            let more = if group.count as usize > group.sample_ids.len() {
                ", …"
            } else {
                ""
            };
            writeln!(
                out,
                "<tr><td>{}</td><td class=\"mono\">{}</td><td>{}</td><td class=\"detail\">{}</td><td class=\"num\">{}</td><td class=\"mono\">{}{more}</td></tr>",
                E(group.suite),
                E(group.set),
                E(group.provider),
                E(&truncate(group.reason, DETAIL_CAP)),
                group.count,
                E(&group.sample_ids.join(", "))
            )?;
        }
        writeln!(out, "</tbody></table>\n</details>")?;
    }

    writeln!(out, "<h3>Claims not verified</h3>")?;
    let pending: Vec<_> = not_verified_claims(&report.run.claims).collect();
    if pending.is_empty() {
        writeln!(out, "<p class=\"good-note\">None.</p>")?;
    } else {
        writeln!(out, "<table><thead><tr><th>Claim</th><th>Section</th><th>Claimed</th><th>Why it was not verified</th></tr></thead><tbody>")?;
        for claim in pending {
            writeln!(
                out,
                "<tr><td>“{}”<br><span class=\"mono note\">{}</span></td><td>{}</td><td>{}</td><td class=\"detail\">{}</td></tr>",
                E(&claim.quote),
                E(&claim.id),
                E(&claim.section),
                E(&claim.claimed),
                E(&claim.reason)
            )?;
        }
        writeln!(out, "</tbody></table>")?;
    }

    writeln!(out, "<h3>Sets and suites that could not be checked</h3>")?;
    let missing: Vec<_> = o
        .empty_suites
        .iter()
        .filter(|e| !report.run.errors.iter().any(|err| err.suite == e.suite))
        .collect();
    if o.set_errors.is_empty() && report.run.errors.is_empty() && missing.is_empty() {
        writeln!(out, "<p class=\"good-note\">None.</p>")?;
    } else {
        errors_table(out, report, o)?;
        for empty in missing {
            writeln!(
                out,
                "<p class=\"no\">Suite {}: {}.</p>",
                E(empty.suite),
                E(&empty.note)
            )?;
        }
    }
    writeln!(out, "</section>")
}

fn vector_files(out: &mut String, report: &Report) -> fmt::Result {
    let files = &report.vectors.files;
    writeln!(
        out,
        "<section id=\"vector-files\">\n<h2>Vector files check</h2>"
    )?;
    let bad = files.iter().filter(|f| f.status != FileStatus::Ok).count();
    writeln!(
        out,
        "<p>Root <span class=\"mono\">{}</span>: {} of {} pinned file(s) match their sha256{}.</p>",
        E(&report.vectors.root),
        files.len() - bad,
        files.len(),
        if bad > 0 {
            format!(" — <span class=\"no\">{bad} do not</span>")
        } else {
            String::new()
        }
    )?;
    if files.is_empty() {
        writeln!(out, "</section>")?;
        return Ok(());
    }
    let open = if bad > 0 || files.len() <= OPEN_ROWS {
        " open"
    } else {
        ""
    };
    writeln!(
        out,
        "<details{open}><summary>{} pinned file(s)</summary>",
        files.len()
    )?;
    writeln!(out, "<table><thead><tr><th>Path</th><th>Status</th><th>Repository</th><th>Commit</th><th>Upstream path</th><th>sha256 (pinned)</th><th>Size</th><th>License</th><th>Detail</th></tr></thead><tbody>")?;
    for file in files {
        let (row_class, badge) = match file.status {
            FileStatus::Ok => ("", "b-ok"),
            _ => (" class=\"r-bad\"", "b-bad"),
        };
        writeln!(
            out,
            "<tr{row_class}><td class=\"mono\">{}</td><td><span class=\"badge {badge}\">{}</span></td><td>{}</td><td class=\"mono\" title=\"{}\">{}</td><td class=\"mono\">{}</td><td class=\"hash\">{}</td><td class=\"num\">{}</td><td>{}</td><td class=\"detail\">{}</td></tr>",
            E(&file.path),
            file_status_label(file.status),
            E(&file.repo),
            E(&file.commit),
            E(&short_commit(&file.commit)),
            E(&file.upstream_path),
            E(&file.sha256),
            file.size,
            E(&file.license),
            E(&file.detail)
        )?;
    }
    writeln!(out, "</tbody></table>\n</details>\n</section>")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::sample_report;

    fn html() -> String {
        render_html(&sample_report())
    }

    /// Every value of a `src=`/`href=` attribute in the page.
    fn link_targets(page: &str) -> Vec<String> {
        let mut targets = Vec::new();
        for attr in ["src=", "href=", "action=", "srcset=", "poster=", "data="] {
            let mut rest = page;
            while let Some(at) = rest.find(attr) {
                rest = &rest[at + attr.len()..];
                let value: String = match rest.chars().next() {
                    Some(q @ ('"' | '\'')) => rest[1..].chars().take_while(|&c| c != q).collect(),
                    _ => rest
                        .chars()
                        .take_while(|c| !c.is_whitespace() && *c != '>')
                        .collect(),
                };
                targets.push(value);
            }
        }
        targets
    }

    #[test]
    fn performance_section() {
        assert!(html().contains("The benchmarks did not run"));
        let mut report = sample_report();
        crate::fixtures::add_performance(&mut report);
        let page = render_html(&report);
        let start = page.find("id=\"performance\"").unwrap_or(0);
        let section = &page[start..];
        assert!(section.contains("<td class=\"cell c-warn\">0.25×</td>"));
        assert!(section.contains("<td class=\"cell c-ok\">1.25×</td>"));
        assert!(section.contains("Hybrid envelope against classical-only HPKE"));
    }

    #[test]
    fn end_to_end_table() {
        let mut report = sample_report();
        crate::fixtures::add_end_to_end(&mut report, 0);
        let page = render_html(&report);
        let start = page.find("id=\"performance\"").unwrap_or(0);
        let section = &page[start..];
        assert!(section.contains("<h3>End-to-end service benchmark</h3>"));
        assert!(
            section.contains("<td class=\"mono\">embedded</td><td class=\"cell\">1×3×1000</td>")
        );
        assert!(section.contains("<td class=\"cell c-ok\">PASS</td>"));
        assert!(section.contains(
            "<td class=\"cell c-warn\">not run: no broker: cargo xtask broker start</td>"
        ));
    }

    #[test]
    fn mls_section() {
        let mut report = sample_report();
        report.run.claims.clear();
        assert!(render_html(&report).contains("Neither the <span class=\"mono\">rfc9420</span>"));
        let mut report = sample_report();
        crate::fixtures::add_mls_sets(&mut report);
        let page = render_html(&report);
        let start = page.find("id=\"mls\"").unwrap_or(0);
        let section = &page[start
            ..page[start..]
                .find("</section>")
                .map_or(page.len(), |e| start + e)];
        assert!(section.contains("mls/passive-client-welcome.json"));
        assert!(section
            .contains("<th title=\"MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519\">0x0001</th>"));
        assert!(
            section.contains("cell c-bad"),
            "the failed interop step is red"
        );
        assert!(section.contains("sonet-creates"));
        assert!(section.contains("mls-epoch-rotation"));
        assert!(!section.contains("dilithium-2-signature"));
    }

    #[test]
    fn is_self_contained() {
        let page = html();
        assert!(page.starts_with("<!DOCTYPE html>"));
        let lower = page.to_lowercase();
        assert!(!lower.contains("<script"), "page contains a script tag");
        assert!(!lower.contains("<link"), "page links an external resource");
        assert!(!lower.contains("<img"), "page loads an image");
        assert!(!lower.contains("<iframe"));
        assert!(!lower.contains("url("), "CSS loads a resource");
        assert!(!lower.contains("@import"));
        assert!(!lower.contains("javascript:"));
        for target in link_targets(&lower) {
            assert!(
                target.starts_with('#'),
                "attribute points outside the page: {target}"
            );
        }
        // Remote addresses may appear only as escaped text (a vector file's repository).
        for scheme in ["http://", "https://"] {
            for (at, _) in lower.match_indices(scheme) {
                let before = &lower[..at];
                assert!(
                    !before.ends_with('"') && !before.ends_with('\'') && !before.ends_with('='),
                    "remote reference at byte {at}"
                );
            }
        }
        assert!(page.contains("default-src 'none'"));
    }

    #[test]
    fn escapes_injected_markup() {
        let page = html();
        assert!(page
            .contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;quoted&quot;"));
        assert!(!page.contains("<script>alert"));
        // The control character in the detail is replaced.
        assert!(!page.contains('\u{1}'));
    }

    #[test]
    fn verdict_banner_and_totals() {
        let page = html();
        assert!(page.contains("<section class=\"banner fail\""));
        assert!(page.contains("<div class=\"word\">FAIL</div>"));
        assert!(page.contains("<li>1 vector file altered</li>"));
        // 5 passes, 1 fail, 3 unsupported of 9 cases: 33.3%.
        assert!(page.contains("<b>9</b> cases"));
        assert!(page.contains("5 pass</span>"));
        assert!(page.contains("1 fail</span>"));
        assert!(page.contains("3 unsupported</span> (33.3% of all cases unsupported)"));
    }

    #[test]
    fn pass_banner_is_green() {
        let mut report = sample_report();
        report.run.sets.retain(|s| s.provider == "aws-lc");
        report.run.suites = vec!["fips203".into()];
        report.run.errors.clear();
        report.vectors.files.truncate(1);
        report.verdict = crate::model::report::Verdict {
            ok: true,
            reasons: Vec::new(),
        };
        let page = render_html(&report);
        assert!(page.contains("<section class=\"banner pass\""));
        assert!(page.contains("No case failed."));
    }

    #[test]
    fn lists_failures_individually() {
        let page = html();
        let failures = &page[page.find("id=\"failures\"").unwrap_or(0)
            ..page.find("id=\"environment\"").unwrap_or(page.len())];
        assert!(failures.contains("<td class=\"mono\">tcId 2</td>"));
        assert!(failures.contains("<td>ML-KEM-768</td><td>decaps</td>"));
        assert!(failures.contains("mlkem_768_test.json"));
        assert!(failures.contains("read 3 cases but the file declares 4"));
        assert!(failures.contains("vector file missing"));
        // Failures come right after the banner.
        assert!(page.find("id=\"failures\"") < page.find("id=\"environment\""));
        assert!(page.find("id=\"verdict\"") < page.find("id=\"failures\""));
    }

    #[test]
    fn caps_the_failure_list_and_states_the_total() {
        let mut report = sample_report();
        let set = &mut report.run.sets[0];
        for i in 0..250 {
            set.push(crate::model::Case {
                id: format!("extra {i}"),
                params: "ML-KEM-768".into(),
                kind: "decaps".into(),
                outcome: crate::model::Outcome::Fail,
                detail: "mismatch".into(),
            });
        }
        let page = render_html(&report);
        assert!(page.contains("<b>251</b> cases failed; the first 200 are listed"));
        assert!(page.contains(">extra 198<"));
        assert!(!page.contains(">extra 199<"));
    }

    #[test]
    fn shows_unsupported_reasons_with_counts() {
        let page = html();
        let section = &page[page.find("id=\"not-verified\"").unwrap_or(0)..];
        assert!(section.contains("<td class=\"detail\">external mu not supported</td><td class=\"num\">2</td><td class=\"mono\">tcId 8, tcId 9</td>"));
        assert!(section.contains("deterministic encapsulation not exposed"));
        assert!(section.contains("MLS is not part of this stage"));
        assert!(section.contains("read 3 cases but the file declares 4"));
        assert!(section.contains("suite could not run"));
    }

    #[test]
    fn shows_claim_verdicts() {
        let page = html();
        assert!(page.contains("<span class=\"badge b-ok\">confirmed</span>"));
        assert!(page.contains("<span class=\"badge b-bad\">refuted</span>"));
        assert!(page.contains("<span class=\"badge b-warn\">not verified</span>"));
        assert!(page.contains("2420 bytes"));
    }

    #[test]
    fn matrix_cells() {
        let page = html();
        let m = &page[page.find("id=\"matrix\"").unwrap_or(0)
            ..page.find("id=\"sets\"").unwrap_or(page.len())];
        // Providers are columns, sorted: aws-lc, rustcrypto.
        assert!(
            m.contains("<th>Suite</th><th>Parameter set</th><th>aws-lc</th><th>rustcrypto</th>")
        );
        assert!(m.contains("<tr><td>fips203</td><td>ML-KEM-768</td><td class=\"cell c-ok\" title=\"pass / fail / unsupported\">3 / 0 / 0</td><td class=\"cell c-bad\" title=\"pass / fail / unsupported\">1 / 1 / 1</td></tr>"));
        assert!(m.contains("<tr><td>fips204</td><td>ML-DSA-44</td><td class=\"cell c-none\" title=\"not covered\">—</td><td class=\"cell c-warn\" title=\"pass / fail / unsupported\">1 / 0 / 2</td></tr>"));
        assert!(m.contains("no cases: suite did not run: vector file missing"));
    }

    #[test]
    fn environment_and_sources() {
        let page = html();
        assert!(page.contains("<span class=\"yes\" title=\"present\">✓</span> AES-NI"));
        assert!(page.contains("<span class=\"mono\">-C target-cpu=native</span>"));
        assert!(page.contains("RustCrypto aes + ghash: <span class=\"note\">AES-NI and PCLMULQDQ"));
        assert!(page.contains("<span class=\"no\" title=\"absent\">✗</span> AVX-512"));
        assert!(page.contains("badge b-warn\">dirty</span>"));
        assert!(page.contains("C2SP/wycheproof@0123456789ab:testvectors_v1/mlkem_768_test.json"));
        assert!(page.contains(&"ab".repeat(32)));
        assert!(page.contains("<span class=\"badge b-bad\">altered</span>"));
        assert!(page.contains("expected sha256 cdcd…, found 0000…"));
    }
}
