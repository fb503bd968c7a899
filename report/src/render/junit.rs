//! `junit.xml`: one `<testsuite>` per conformance suite with one `<testcase>` per vector case, so
//! CI systems show every failure and every skip. A set that could not be checked and a suite that
//! could not run appear as `<error>` test cases; the pinned vector files form one more suite,
//! `vector-files`, because a file that does not match its pin fails the verdict too.
//!
//! Every string is escaped and characters XML 1.0 does not allow are removed.

use std::fmt::{self, Display, Write};

use crate::model::{Outcome, SetResult};

use super::{duration_s, file_status_label, truncate, FileStatus, Overview, Report};

/// The name of the suite holding the vector file checks.
const VECTOR_FILES: &str = "vector-files";
/// Longest `message` attribute; the element body carries the full text.
const MESSAGE_CAP: usize = 256;
/// Longest failure body.
const BODY_CAP: usize = 8_000;

/// `junit.xml` for CI: a testsuite per suite, plus `vector-files` for the vector check.
/// Each case is a testcase; unsupported cases are skipped, and sets and suites that
/// could not be checked are errors.
pub fn render_junit(report: &Report) -> String {
    let mut out = String::with_capacity(64 * 1024);
    // Writing into a String cannot fail.
    let _ = document(&mut out, report);
    out
}

fn xml_allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r')
        || ('\u{20}'..='\u{D7FF}').contains(&c)
        || ('\u{E000}'..='\u{FFFD}').contains(&c)
        || c >= '\u{10000}'
}

/// Escaped text content (element bodies).
struct T<'a>(&'a str);

impl Display for T<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars().filter(|&c| xml_allowed(c)) {
            match c {
                '&' => f.write_str("&amp;")?,
                '<' => f.write_str("&lt;")?,
                '>' => f.write_str("&gt;")?,
                c => f.write_char(c)?,
            }
        }
        Ok(())
    }
}

/// An escaped, double-quoted attribute value; whitespace is encoded so parsers keep it.
struct A<'a>(&'a str);

impl Display for A<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in self.0.chars().filter(|&c| xml_allowed(c)) {
            match c {
                '&' => f.write_str("&amp;")?,
                '<' => f.write_str("&lt;")?,
                '>' => f.write_str("&gt;")?,
                '"' => f.write_str("&quot;")?,
                '\'' => f.write_str("&apos;")?,
                '\t' => f.write_str("&#9;")?,
                '\n' => f.write_str("&#10;")?,
                '\r' => f.write_str("&#13;")?,
                c => f.write_char(c)?,
            }
        }
        Ok(())
    }
}

/// One `classname` component: letters, digits, `-` and `_`; anything else (dots included, which
/// CI systems read as package separators) becomes `_`.
fn component(text: &str) -> String {
    let clean: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if clean.is_empty() {
        "_".to_owned()
    } else {
        clean
    }
}

fn classname(set: &SetResult) -> String {
    format!(
        "{}.{}.{}",
        component(&set.suite),
        component(&set.set),
        component(&set.provider)
    )
}

/// "id [params kind]", leaving out what is empty.
fn case_name(id: &str, params: &str, kind: &str) -> String {
    let tags: Vec<&str> = [params, kind]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
    if tags.is_empty() {
        id.to_owned()
    } else {
        format!("{id} [{}]", tags.join(" "))
    }
}

/// The first line of a text, capped, for a `message` attribute.
fn message(text: &str, fallback: &str) -> String {
    let first = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    if first.is_empty() {
        fallback.to_owned()
    } else {
        truncate(first, MESSAGE_CAP)
    }
}

fn seconds(ms: u64) -> String {
    format!("{:.3}", ms as f64 / 1_000.0)
}

#[derive(Default)]
struct Tally {
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
    ms: u64,
}

impl Tally {
    fn add(&mut self, other: &Tally) {
        self.tests += other.tests;
        self.failures += other.failures;
        self.errors += other.errors;
        self.skipped += other.skipped;
        self.ms += other.ms;
    }
}

fn document(out: &mut String, report: &Report) -> fmt::Result {
    let o = Overview::of(report);
    let mut suites = String::new();
    let mut total = Tally::default();
    let properties = properties(report)?;

    for suite in &o.suites {
        let mut body = String::new();
        let mut tally = Tally::default();
        for error in report.run.errors.iter().filter(|e| &e.suite == suite) {
            tally.tests += 1;
            tally.errors += 1;
            writeln!(
                body,
                "    <testcase classname=\"{}\" name=\"(suite)\" time=\"0.000\"><error message=\"{}\" type=\"suite-error\">{}</error></testcase>",
                A(&component(suite)),
                A(&message(&error.error, "suite could not run")),
                T(&truncate(&error.error, BODY_CAP))
            )?;
        }
        let sets: Vec<&SetResult> = report
            .run
            .sets
            .iter()
            .filter(|s| &s.suite == suite)
            .collect();
        let requested = report.run.suites.iter().any(|s| s == suite);
        if sets.is_empty() && tally.errors == 0 && requested {
            tally.tests += 1;
            tally.errors += 1;
            writeln!(
                body,
                "    <testcase classname=\"{}\" name=\"(suite)\" time=\"0.000\"><error message=\"requested suite produced no results\" type=\"suite-error\"/></testcase>",
                A(&component(suite))
            )?;
        }
        for set in sets {
            set_cases(&mut body, &mut tally, set)?;
        }
        testsuite(&mut suites, suite, &tally, &properties, &body)?;
        total.add(&tally);
    }

    // The vector files check.
    if !report.vectors.files.is_empty() {
        let mut body = String::new();
        let mut tally = Tally::default();
        for file in &report.vectors.files {
            tally.tests += 1;
            write!(
                body,
                "    <testcase classname=\"{VECTOR_FILES}\" name=\"{}\" time=\"0.000\"",
                A(&file.path)
            )?;
            if file.status == FileStatus::Ok {
                writeln!(body, "/>")?;
            } else {
                tally.failures += 1;
                let text = format!(
                    "{}: {} ({}@{}:{}, pinned sha256 {})",
                    file_status_label(file.status),
                    if file.detail.is_empty() {
                        "does not match its pin"
                    } else {
                        &file.detail
                    },
                    file.repo,
                    file.commit,
                    file.upstream_path,
                    file.sha256
                );
                writeln!(
                    body,
                    "><failure message=\"{}\" type=\"{}\">{}</failure></testcase>",
                    A(&message(&text, "vector file does not match its pin")),
                    file_status_label(file.status),
                    T(&text)
                )?;
            }
        }
        testsuite(&mut suites, VECTOR_FILES, &tally, &properties, &body)?;
        total.add(&tally);
    }

    let elapsed = if report.elapsed_seconds.is_finite() && report.elapsed_seconds >= 0.0 {
        format!("{:.3}", report.elapsed_seconds)
    } else {
        seconds(total.ms)
    };
    writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
    writeln!(
        out,
        "<!-- Sonet conformance: {} in {} -->",
        if o.ok { "PASS" } else { "FAIL" },
        duration_s(report.elapsed_seconds)
    )?;
    writeln!(
        out,
        "<testsuites name=\"sonet conformance\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{elapsed}\">",
        total.tests, total.failures, total.errors, total.skipped
    )?;
    out.push_str(&suites);
    writeln!(out, "</testsuites>")
}

fn set_cases(body: &mut String, tally: &mut Tally, set: &SetResult) -> fmt::Result {
    let class = classname(set);
    tally.ms += set.elapsed_ms;
    for case in &set.cases {
        tally.tests += 1;
        write!(
            body,
            "    <testcase classname=\"{}\" name=\"{}\"",
            A(&class),
            A(&case_name(&case.id, &case.params, &case.kind))
        )?;
        match case.outcome {
            Outcome::Pass => writeln!(body, "/>")?,
            Outcome::Fail => {
                tally.failures += 1;
                writeln!(
                    body,
                    "><failure message=\"{}\" type=\"fail\">{}</failure></testcase>",
                    A(&message(&case.detail, "case failed")),
                    T(&truncate(&case.detail, BODY_CAP))
                )?;
            }
            Outcome::Unsupported => {
                tally.skipped += 1;
                writeln!(
                    body,
                    "><skipped message=\"{}\"/></testcase>",
                    A(&message(&case.detail, "unsupported (no reason recorded)"))
                )?;
            }
        }
    }
    if let Some(error) = &set.error {
        tally.tests += 1;
        tally.errors += 1;
        writeln!(
            body,
            "    <testcase classname=\"{}\" name=\"(set)\" time=\"{}\"><error message=\"{}\" type=\"set-error\">{}</error></testcase>",
            A(&class),
            seconds(set.elapsed_ms),
            A(&message(error, "set could not be checked")),
            T(&truncate(error, BODY_CAP))
        )?;
    }
    Ok(())
}

fn testsuite(
    out: &mut String,
    name: &str,
    tally: &Tally,
    properties: &str,
    body: &str,
) -> fmt::Result {
    writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{}\" time=\"{}\">",
        A(name),
        tally.tests,
        tally.failures,
        tally.errors,
        tally.skipped,
        seconds(tally.ms)
    )?;
    out.push_str(properties);
    out.push_str(body);
    writeln!(out, "  </testsuite>")
}

/// The environment, repeated in each suite (JUnit has no document-level properties).
fn properties(report: &Report) -> Result<String, fmt::Error> {
    let env = &report.environment;
    let mut out = String::new();
    writeln!(out, "    <properties>")?;
    let cores = env.cores.to_string();
    let features: Vec<String> = env
        .cpu_features
        .iter()
        .map(|f| format!("{}{}", if f.present { "+" } else { "-" }, f.flag))
        .collect();
    let features = features.join(" ");
    let crates: Vec<String> = env
        .crates
        .iter()
        .map(|c| format!("{} {}", c.name, c.version))
        .collect();
    let crates = crates.join(", ");
    let pairs = [
        ("command", report.command.as_str()),
        ("generated_at", report.generated_at.as_str()),
        ("git_revision", env.git_revision.as_str()),
        ("git_dirty", if env.git_dirty { "true" } else { "false" }),
        ("rustc", env.rustc.as_str()),
        ("profile", env.profile.as_str()),
        ("os", env.os.as_str()),
        ("cpu_model", env.cpu_model.as_str()),
        ("cpu_features", features.as_str()),
        ("cores", cores.as_str()),
        ("crates", crates.as_str()),
    ];
    for (name, value) in pairs {
        writeln!(
            out,
            "      <property name=\"{name}\" value=\"{}\"/>",
            A(value)
        )?;
    }
    writeln!(out, "    </properties>")?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::fixtures::sample_report;

    /// A parsed element: name, attributes (entities decoded), children, decoded text.
    #[derive(Debug, Default)]
    struct Element {
        name: String,
        attrs: BTreeMap<String, String>,
        children: Vec<Element>,
        text: String,
    }

    impl Element {
        fn attr(&self, name: &str) -> &str {
            self.attrs.get(name).map(String::as_str).unwrap_or("")
        }
        fn all(&self, name: &str) -> Vec<&Element> {
            self.children.iter().filter(|c| c.name == name).collect()
        }
    }

    fn decode(raw: &str) -> Result<String, String> {
        let mut out = String::new();
        let mut rest = raw;
        while let Some(at) = rest.find('&') {
            out.push_str(&rest[..at]);
            let end = rest[at..]
                .find(';')
                .ok_or(format!("unterminated entity in {raw:?}"))?;
            let entity = &rest[at + 1..at + end];
            let c = match entity {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" => '\'',
                e if e.starts_with("#x") => u32::from_str_radix(&e[2..], 16)
                    .ok()
                    .and_then(char::from_u32)
                    .ok_or(format!("bad reference {e}"))?,
                e if e.starts_with('#') => e[1..]
                    .parse::<u32>()
                    .ok()
                    .and_then(char::from_u32)
                    .ok_or(format!("bad reference {e}"))?,
                e => return Err(format!("unknown entity {e}")),
            };
            out.push(c);
            rest = &rest[at + end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    fn is_name(s: &str) -> bool {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'))
            && !s.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '.')
    }

    /// A strict little parser for the XML subset the renderer writes: a declaration, comments,
    /// elements with double- or single-quoted attributes, text. Checks allowed characters,
    /// entities, unique attributes, balanced tags and a single root.
    fn parse(doc: &str) -> Result<Element, String> {
        if let Some(c) = doc.chars().find(|&c| !xml_allowed(c)) {
            return Err(format!("illegal character {c:?}"));
        }
        let mut rest = doc
            .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
            .ok_or("missing declaration")?;
        let mut stack: Vec<Element> = Vec::new();
        let mut root: Option<Element> = None;
        loop {
            let Some(lt) = rest.find('<') else {
                if !rest.trim().is_empty() {
                    return Err("text after the root".into());
                }
                break;
            };
            let text = decode(&rest[..lt])?;
            if rest[..lt].contains("]]>") {
                return Err("]]> in text".into());
            }
            match stack.last_mut() {
                Some(open) => open.text.push_str(&text),
                None if !text.trim().is_empty() => return Err("text outside the root".into()),
                None => {}
            }
            rest = &rest[lt..];
            if let Some(comment) = rest.strip_prefix("<!--") {
                let end = comment.find("-->").ok_or("unterminated comment")?;
                if comment[..end].contains("--") {
                    return Err("-- inside a comment".into());
                }
                rest = &comment[end + 3..];
                continue;
            }
            // Find the end of the tag, outside quotes.
            let mut quote = None;
            let mut end = None;
            for (i, c) in rest.char_indices().skip(1) {
                match (quote, c) {
                    (None, '"' | '\'') => quote = Some(c),
                    (Some(q), c) if c == q => quote = None,
                    (Some(_), '<') => return Err("< inside an attribute value".into()),
                    (None, '<') => return Err("< inside a tag".into()),
                    (None, '>') => {
                        end = Some(i);
                        break;
                    }
                    _ => {}
                }
            }
            let end = end.ok_or("unterminated tag")?;
            let tag = &rest[1..end];
            rest = &rest[end + 1..];
            if let Some(name) = tag.strip_prefix('/') {
                let open = stack.pop().ok_or(format!("unexpected </{name}>"))?;
                if open.name != name.trim() {
                    return Err(format!("<{}> closed by </{name}>", open.name));
                }
                match stack.last_mut() {
                    Some(parent) => parent.children.push(open),
                    None if root.is_none() => root = Some(open),
                    None => return Err("two roots".into()),
                }
                continue;
            }
            let (tag, closed) = match tag.strip_suffix('/') {
                Some(t) => (t, true),
                None => (tag, false),
            };
            let name_end = tag.find(char::is_whitespace).unwrap_or(tag.len());
            let mut element = Element {
                name: tag[..name_end].to_owned(),
                ..Default::default()
            };
            if !is_name(&element.name) {
                return Err(format!("bad element name {:?}", element.name));
            }
            let mut attrs = tag[name_end..].trim_start();
            while !attrs.is_empty() {
                let eq = attrs
                    .find('=')
                    .ok_or(format!("attribute without value: {attrs}"))?;
                let name = attrs[..eq].trim();
                if !is_name(name) {
                    return Err(format!("bad attribute name {name:?}"));
                }
                let value = attrs[eq + 1..].trim_start();
                let q = value.chars().next().ok_or("missing attribute value")?;
                if q != '"' && q != '\'' {
                    return Err(format!("unquoted attribute {name}"));
                }
                let close = value[1..].find(q).ok_or("unterminated attribute")?;
                let decoded = decode(&value[1..1 + close])?;
                if element.attrs.insert(name.to_owned(), decoded).is_some() {
                    return Err(format!("duplicate attribute {name}"));
                }
                let after = &value[close + 2..];
                if !after.is_empty() && !after.starts_with(char::is_whitespace) {
                    return Err(format!("no space after attribute {name}"));
                }
                attrs = after.trim_start();
            }
            if closed {
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None if root.is_none() => root = Some(element),
                    None => return Err("two roots".into()),
                }
            } else {
                stack.push(element);
            }
        }
        if let Some(open) = stack.last() {
            return Err(format!("<{}> never closed", open.name));
        }
        root.ok_or_else(|| "no root element".into())
    }

    fn parsed() -> Element {
        match parse(&render_junit(&sample_report())) {
            Ok(root) => root,
            Err(e) => panic!("junit.xml is not well-formed: {e}"),
        }
    }

    fn numbers(e: &Element) -> [&str; 4] {
        [
            e.attr("tests"),
            e.attr("failures"),
            e.attr("errors"),
            e.attr("skipped"),
        ]
    }

    #[test]
    fn is_well_formed() {
        let root = parsed();
        assert_eq!(root.name, "testsuites");
        let names: Vec<&str> = root
            .all("testsuite")
            .iter()
            .map(|s| s.attr("name"))
            .collect();
        assert_eq!(names, ["fips203", "fips204", "fips205", "vector-files"]);
    }

    #[test]
    fn the_checker_rejects_broken_xml() {
        let decl = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";
        for bad in [
            "<a><b></a></b>",
            "<a>",
            "<a x=\"1\" x=\"2\"/>",
            "<a>&bogus;</a>",
            "<a>x < y</a>",
            "<a/><b/>",
            "<a x=\"<\"/>",
            "<a>\u{1}</a>",
        ] {
            assert!(parse(&format!("{decl}{bad}")).is_err(), "{bad}");
        }
        assert!(parse(&format!("{decl}<a x='1' y=\"&amp;\">t<b/></a>")).is_ok());
    }

    #[test]
    fn counts_per_suite() {
        let root = parsed();
        let suites = root.all("testsuite");
        let by_name = |n: &str| suites.iter().find(|s| s.attr("name") == n).copied();
        // fips203: 6 cases, 1 fail, 1 unsupported.
        let fips203 = by_name("fips203").map(numbers);
        assert_eq!(fips203, Some(["6", "1", "0", "1"]));
        // fips204: 3 cases, 2 unsupported, plus the set error.
        assert_eq!(by_name("fips204").map(numbers), Some(["4", "0", "1", "2"]));
        // fips205 could not run.
        assert_eq!(by_name("fips205").map(numbers), Some(["1", "0", "1", "0"]));
        // One of two vector files is altered.
        assert_eq!(
            by_name("vector-files").map(numbers),
            Some(["2", "1", "0", "0"])
        );
        assert_eq!(numbers(&root), ["13", "2", "2", "3"]);
        assert_eq!(root.attr("time"), "81.500");
        assert_eq!(by_name("fips204").map(|s| s.attr("time")), Some("75.000"));

        // The attributes agree with the test cases themselves.
        for suite in &suites {
            let cases = suite.all("testcase");
            let with = |child: &str| cases.iter().filter(|c| !c.all(child).is_empty()).count();
            assert_eq!(suite.attr("tests"), cases.len().to_string());
            assert_eq!(suite.attr("failures"), with("failure").to_string());
            assert_eq!(suite.attr("errors"), with("error").to_string());
            assert_eq!(suite.attr("skipped"), with("skipped").to_string());
        }
    }

    #[test]
    fn cases_carry_names_messages_and_escaped_details() {
        let root = parsed();
        let suites = root.all("testsuite");
        let fips203 = suites[0];
        let cases = fips203.all("testcase");
        let failed = cases
            .iter()
            .find(|c| !c.all("failure").is_empty())
            .copied()
            .unwrap_or_else(|| panic!("no failure"));
        assert_eq!(
            failed.attr("classname"),
            "fips203.mlkem_768_test_json.rustcrypto"
        );
        assert_eq!(failed.attr("name"), "tcId 2 [ML-KEM-768 decaps]");
        let failure = failed.all("failure")[0];
        // The control character is stripped; markup survives as text.
        assert_eq!(
            failure.text,
            "<script>alert('x')</script> & \"quoted\" | piped"
        );
        assert_eq!(failure.attr("message"), failure.text);

        let skipped = cases
            .iter()
            .find(|c| !c.all("skipped").is_empty())
            .copied()
            .unwrap_or_else(|| panic!("no skip"));
        assert_eq!(
            skipped.all("skipped")[0].attr("message"),
            "deterministic encapsulation not exposed"
        );

        let set_error = suites[1]
            .all("testcase")
            .into_iter()
            .find(|c| c.attr("name") == "(set)")
            .unwrap_or_else(|| panic!("no set error"));
        assert_eq!(
            set_error.all("error")[0].attr("message"),
            "read 3 cases but the file declares 4"
        );
        let suite_error = &suites[2].all("testcase")[0];
        assert_eq!(suite_error.attr("name"), "(suite)");
        assert_eq!(
            suite_error.all("error")[0].attr("message"),
            "vector file missing"
        );
        let props = fips203.all("properties");
        assert_eq!(props.len(), 1);
        assert!(props[0]
            .all("property")
            .iter()
            .any(|p| p.attr("name") == "cpu_features" && p.attr("value") == "+aes -avx512f"));
    }

    #[test]
    fn hostile_strings_stay_well_formed() {
        let mut report = sample_report();
        let nasty = "]]> --> <!-- \u{0}\u{8}\u{B}\u{FFFE}\"'&\n\r\tend";
        report.run.sets[0].suite = nasty.into();
        report.run.sets[0].set = nasty.into();
        report.run.sets[0].cases[1].id = nasty.into();
        report.run.sets[0].cases[1].detail = nasty.into();
        report.run.errors[0].error = nasty.into();
        report.generated_at = nasty.into();
        report.environment.rustc = nasty.into();
        let xml = render_junit(&report);
        if let Err(e) = parse(&xml) {
            panic!("not well-formed: {e}\n{xml}");
        }
    }

    #[test]
    fn helpers() {
        assert_eq!(component("mlkem_768_test.json"), "mlkem_768_test_json");
        assert_eq!(component(""), "_");
        assert_eq!(case_name("count 3", "", ""), "count 3");
        assert_eq!(case_name("count 3", "", "sign"), "count 3 [sign]");
        assert_eq!(message("\n  first line \nsecond", "x"), "first line");
        assert_eq!(message("", "fallback"), "fallback");
        assert_eq!(seconds(1_250), "1.250");
    }
}
