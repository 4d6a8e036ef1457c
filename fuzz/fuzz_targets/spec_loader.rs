//! An OpenAPI document as a contributor (or a merge gone wrong) writes it: the codegen's
//! loader and every lint, as the build script and `cargo xtask` run them.
//!
//! Properties: no panic; every error says where, within the text: a line and a column that
//! exist (1-based, lines ended as YAML ends them; the line after the last for an error at
//! the end), and the offending line quoted as the text has it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use workspace_app_codegen::{Spec, SpecError, lint};

fuzz_target!(|text: &str| {
    // Lines as YAML counts them: a bare `\r` ends one too.
    let normalised = text.replace("\r\n", "\n").replace('\r', "\n");
    let lines = normalised.lines().count() as u64;
    let located = |error: &SpecError| {
        let _ = error.to_string();
        if let Some(location) = error.location {
            assert!(location.line >= 1 && location.line <= lines + 1, "{error}");
            assert!(location.column >= 1, "{error}");
            if let Some(line) = &error.source_line {
                let index = usize::try_from(location.line - 1).expect("a line number");
                assert_eq!(
                    Some(line.as_str()),
                    normalised.lines().nth(index),
                    "{error}"
                );
            }
        }
    };
    match Spec::parse("spec.yaml", text) {
        Err(error) => located(&error),
        Ok(spec) => {
            if let Err(errors) = lint(&spec) {
                errors.0.iter().for_each(located);
            }
        }
    }
});
