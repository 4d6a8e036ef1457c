//! The durations the CLI's flags take (`--timeout`, `--interval`, `--connect-timeout`), the
//! CLI's own parser compiled as it is.
//!
//! Properties: no panic (no overflow); an accepted duration is at most `MAX_DURATION`; a
//! positive one is not zero.
#![no_main]

#[path = "../../crates/workspace-app-cli/src/duration.rs"]
#[allow(dead_code)]
mod duration;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    if let Ok(parsed) = duration::duration(text) {
        assert!(parsed <= duration::MAX_DURATION, "{text:?}: {parsed:?}");
    }
    if let Ok(parsed) = duration::positive_duration(text) {
        assert!(
            !parsed.is_zero() && parsed <= duration::MAX_DURATION,
            "{text:?}"
        );
    }
});
