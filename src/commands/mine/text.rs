//! Small helpers for the text reports: human durations and aligned tables.

/// `3d 4h`, `2h 5m`, `4m 10s`, `12.5s`: two units at most, enough to compare at a glance.
pub(crate) fn duration(seconds: f64) -> String {
    if !seconds.is_finite() {
        return "-".into();
    }
    let negative = seconds < 0.0;
    let seconds = seconds.abs();
    let text = if seconds < 60.0 {
        format!("{seconds:.1}s")
    } else {
        let total = seconds.round() as u64;
        let (days, hours, minutes, secs) = (
            total / 86_400,
            total / 3_600 % 24,
            total / 60 % 60,
            total % 60,
        );
        if days > 0 {
            format!("{days}d {hours}h")
        } else if hours > 0 {
            format!("{hours}h {minutes}m")
        } else {
            format!("{minutes}m {secs}s")
        }
    };
    if negative { format!("-{text}") } else { text }
}

/// Renders rows as left-aligned columns separated by two spaces; numeric-looking cells are
/// right-aligned.
pub(crate) fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|cell| cell.chars().count()).collect();
    for row in rows {
        for (index, cell) in row.iter().enumerate() {
            if index < widths.len() {
                widths[index] = widths[index].max(cell.chars().count());
            }
        }
    }
    let numeric = |index: usize| {
        rows.iter().all(|row| {
            row.get(index).is_some_and(|cell| {
                cell.chars()
                    .next()
                    .is_some_and(|first| first.is_ascii_digit() || first == '-')
                    && !cell.contains(' ')
            })
        })
    };
    let right: Vec<bool> = (0..widths.len()).map(numeric).collect();
    let mut out = String::new();
    let mut line = |cells: Vec<&str>| {
        let mut rendered = Vec::new();
        for (index, cell) in cells.iter().enumerate() {
            let width = widths[index];
            let last = index + 1 == cells.len();
            rendered.push(if right[index] {
                format!("{cell:>width$}")
            } else if last {
                (*cell).to_owned()
            } else {
                format!("{cell:<width$}")
            });
        }
        out.push_str("  ");
        out.push_str(rendered.join("  ").trim_end());
        out.push('\n');
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(12.4), "12.4s");
        assert_eq!(duration(250.0), "4m 10s");
        assert_eq!(duration(7_500.0), "2h 5m");
        assert_eq!(duration(273_600.0), "3d 4h");
        assert_eq!(duration(f64::NAN), "-");
    }
}
