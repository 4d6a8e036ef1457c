//! An OpenAPI document as a contributor (or a merge gone wrong) writes it: the codegen's
//! loader and every lint, as the build script and `cargo xtask` run them.
//!
//! Properties: no panic, no stack overflow (nesting and aliases are bounded); every error
//! says where, within the text: a line and a column that exist (1-based, lines ended as YAML
//! ends them; the line after the last for an error at the end), and the offending line
//! quoted as the text has it, or, of a long line, the part around the column; and what an
//! error prints is bounded by a constant, not by the input (however long its lines, however
//! many its errors). The corpus holds a long one-line spec with many errors, deep nesting and
//! nested aliases for the fuzzer to grow.
#![no_main]

use libfuzzer_sys::fuzz_target;
use workspace_app_codegen::{Spec, SpecError, SpecErrors, lint};

/// The most characters of a line an error quotes: 100 before the column, 100 from it.
const EXCERPT_CHARS: usize = 200;
const FILE: &str = "spec.yaml";

fuzz_target!(|text: &str| {
    // Lines as YAML counts them: a bare `\r` ends one too.
    let normalised = text.replace("\r\n", "\n").replace('\r', "\n");
    let lines = normalised.lines().count() as u64;
    let located = |error: &SpecError| {
        let shown = error.to_string();
        assert!(
            shown.chars().count() <= FILE.len() + SpecError::MAX_DISPLAY_CHARS,
            "{} characters",
            shown.chars().count()
        );
        if let Some(location) = error.location {
            assert!(location.line >= 1 && location.line <= lines + 1, "{error}");
            assert!(location.column >= 1, "{error}");
            if let Some(excerpt) = &error.source_line {
                let index = usize::try_from(location.line - 1).expect("a line number");
                let line = normalised
                    .lines()
                    .nth(index)
                    .expect("the quoted line exists");
                let first = usize::try_from(excerpt.first_column).expect("a column");
                let count = excerpt.text.chars().count();
                assert!(first >= 1 && count <= EXCERPT_CHARS, "{error}");
                // The line from that column, and its end unless cut there; with a byte-order
                // mark in the line, some part of it: the parser counts some of those (at the
                // start of a line) as no column.
                if line.contains('\u{feff}') {
                    assert!(line.contains(excerpt.text.as_str()), "{error}");
                } else {
                    let expected: String = line.chars().skip(first - 1).take(count).collect();
                    assert_eq!(excerpt.text, expected, "{error}");
                    let rest = (line.chars().count() + 1)
                        .checked_sub(first + count)
                        .expect("the quote lies within the line");
                    assert_eq!(excerpt.cut_after, rest > 0, "{error}");
                }
                // The column is in view: within what is quoted, or just after its end.
                let column = usize::try_from(location.column).expect("a column");
                assert!(column >= first && column <= first + count, "{error}");
            }
        }
    };
    match Spec::parse(FILE, text) {
        Err(error) => located(&error),
        Ok(spec) => {
            if let Err(errors) = lint(&spec) {
                errors.0.iter().for_each(located);
                let per_error = "error: \n".len() + FILE.len() + SpecError::MAX_DISPLAY_CHARS;
                let bound =
                    SpecErrors::SHOWN * per_error + "and 18446744073709551615 more errors".len();
                assert!(errors.to_string().chars().count() <= bound);
            }
        }
    }
});
