//! The three forms of a [`Report`]: text for people, JSON for tools, Markdown for the
//! changelog.

use std::fmt::Write as _;

use super::acknowledge::EXTENSION;
use super::change::{Bump, DOCUMENTATION_RULES};
use super::report::{Judged, Report};

/// One line per change, then what is wrong, then the versions needed (the last line).
pub fn text(report: &Report) -> String {
    let mut out = String::new();
    if report.changes.is_empty() {
        let _ = writeln!(out, "no change from {} to {}", report.base, report.head);
    }
    for judged in &report.changes {
        let change = &judged.change;
        let pointer = change.shown_pointer();
        let _ = write!(
            out,
            "{} {pointer}: {}: wire {}, rust {}: {}",
            judged.place(),
            change.rule,
            change.wire.wire_word(),
            change.rust.word(),
            change.message
        );
        if let Some(first) = change.rust_items.first() {
            let more = change.rust_items.len() - 1;
            let _ = write!(out, " [{first}");
            if more > 0 {
                let _ = write!(out, "; {more} more");
            }
            out.push(']');
        }
        match &judged.acknowledged {
            Some(reason) => {
                let _ = write!(out, " (acknowledged: {reason})");
            }
            None if judged.needs_acknowledgement() => out.push_str(" NOT ACKNOWLEDGED"),
            None => {}
        }
        out.push('\n');
    }
    for stale in &report.stale_acknowledgements {
        let _ = writeln!(
            out,
            "{}: stale acknowledgement: no change is `{}` at {}; remove it",
            stale.written, stale.rule, stale.at
        );
    }
    let unacknowledged: Vec<&Judged> = report.unacknowledged().collect();
    if !unacknowledged.is_empty() {
        let _ = writeln!(
            out,
            "to accept a break, say why under `{EXTENSION}` at the top level of the spec:\n{EXTENSION}:"
        );
        for judged in &unacknowledged {
            let _ = writeln!(
                out,
                "  - rule: {}\n    at: {}\n    reason: <why this break is right>",
                judged.change.rule,
                judged.change.shown_pointer()
            );
        }
    }
    let _ = write!(
        out,
        "needs: crate {}, info.version {}",
        report.crate_version.describe(),
        report.info_version.describe()
    );
    match unacknowledged.len() {
        0 => {}
        1 => out.push_str("; 1 breaking or major change is not acknowledged"),
        n => {
            let _ = write!(out, "; {n} breaking or major changes are not acknowledged");
        }
    }
    if !report.stale_acknowledgements.is_empty() {
        let _ = write!(
            out,
            "; {} stale acknowledgement(s)",
            report.stale_acknowledgements.len()
        );
    }
    out.push('\n');
    out
}

/// The report as one JSON document.
pub fn json(report: &Report) -> String {
    serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
        + "\n"
}

/// A changelog section: the changes grouped into breaking, added, changed and
/// documentation, with the versions they need. Deterministic, so that `cargo xtask check` can compare it.
pub fn markdown(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Spec changes since `{}`:", report.base);
    if report.changes.is_empty() {
        out.push_str("none.\n");
        return out;
    }
    let _ = writeln!(
        out,
        "the crate needs {}, `info.version` needs {}.",
        report
            .crate_version
            .needed
            .map_or("?".to_string(), |v| v.to_string()),
        report
            .info_version
            .needed
            .map_or("?".to_string(), |v| v.to_string()),
    );
    for title in ["Breaking", "Added", "Changed", "Documentation"] {
        let members: Vec<&Judged> = report
            .changes
            .iter()
            .filter(|j| group(j) == title)
            .collect();
        if members.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n#### {title}\n");
        for judged in members {
            let change = &judged.change;
            let _ = write!(
                out,
                "- {} (`{}`: wire {}, Rust {})",
                capitalise(&change.message),
                change.rule,
                change.wire.wire_word(),
                change.rust.word()
            );
            if let Some(reason) = &judged.acknowledged {
                let _ = write!(out, ". Acknowledged: {reason}");
            }
            out.push('\n');
        }
    }
    out
}

/// The changelog group of a change: what it means for whoever upgrades. A patch is
/// documentation only when the rule says so: a response that stops sending an enum value,
/// or bounds what it sends more tightly, is a patch that callers can observe.
fn group(judged: &Judged) -> &'static str {
    let change = &judged.change;
    if judged.needs_acknowledgement() {
        "Breaking"
    } else if change.wire.max(change.rust) == Bump::Minor {
        "Added"
    } else if DOCUMENTATION_RULES.contains(&change.rule.as_str()) {
        "Documentation"
    } else {
        "Changed"
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
