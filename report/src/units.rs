//! How the report writes numbers: durations, rates, sizes and counts.

/// "1.23 µs".
pub(crate) fn duration(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.2} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.0} ns")
    }
}

/// "8.31 GiB/s".
pub(crate) fn rate(bytes: u64, ns: f64) -> String {
    let per_second = bytes as f64 / (ns / 1e9);
    const GIB: f64 = 1024.0 * 1024.0 * 1024.0;
    const MIB: f64 = 1024.0 * 1024.0;
    if per_second >= GIB {
        format!("{:.2} GiB/s", per_second / GIB)
    } else {
        format!("{:.1} MiB/s", per_second / MIB)
    }
}

/// "81.2k/s".
pub(crate) fn per_second(ns: f64) -> String {
    let ops = 1e9 / ns;
    if ops >= 1e6 {
        format!("{:.2}M/s", ops / 1e6)
    } else if ops >= 1e3 {
        format!("{:.1}k/s", ops / 1e3)
    } else {
        format!("{ops:.1}/s")
    }
}

/// "64 B", "16 KiB", "1 MiB".
pub(crate) fn size(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{} MiB", bytes >> 20)
    } else if bytes >= 1 << 10 && bytes.is_multiple_of(1 << 10) {
        format!("{} KiB", bytes >> 10)
    } else {
        format!("{bytes} B")
    }
}

/// "1,234" (rounded).
pub fn count(value: f64) -> String {
    let rounded = value.round();
    if !rounded.is_finite() {
        return "—".to_owned();
    }
    let digits = format!("{:.0}", rounded.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if rounded < 0.0 {
        out.insert(0, '-');
    }
    out
}

/// "45 ms", "4.5 ms", "0.45 ms".
pub(crate) fn milliseconds(ms: f64) -> String {
    if ms >= 10.0 {
        format!("{ms:.0} ms")
    } else if ms >= 1.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.2} ms")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(duration(512.0), "512 ns");
        assert_eq!(duration(12_345.0), "12.35 µs");
        assert_eq!(duration(2_500_000_000.0), "2.50 s");
        assert_eq!(size(64), "64 B");
        assert_eq!(size(16 * 1024), "16 KiB");
        assert_eq!(size(1 << 20), "1 MiB");
        assert_eq!(size(1000), "1000 B");
        // 16 KiB in 2 µs: 7.63 GiB/s.
        assert_eq!(rate(16 * 1024, 2_000.0), "7.63 GiB/s");
        assert_eq!(per_second(12_500.0), "80.0k/s");
    }

    #[test]
    fn counts_have_thousands_separators() {
        assert_eq!(count(1209.6), "1,210");
        assert_eq!(count(999.0), "999");
        assert_eq!(count(1_234_567.0), "1,234,567");
        assert_eq!(count(0.2), "0");
    }
}
