//! What the CLI does to server text before a terminal sees it, its own module compiled as
//! it is.
//!
//! Properties: the escaped text holds no control character and no bidirectional override;
//! text with none is left as it is; a shortened line is bounded; JSON keeps its value
//! exactly (only the spelling of what would drive a terminal changes), and holds no raw
//! control character but the `\n` and `\t` of its whitespace (no `\r`).
#![no_main]

#[path = "../../crates/workspace-app-cli/src/terminal.rs"]
#[allow(dead_code)]
mod terminal;

use libfuzzer_sys::fuzz_target;

fn drives_a_terminal(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fuzz_target!(|text: &str| {
    let escaped = terminal::escape(text);
    assert!(!escaped.chars().any(drives_a_terminal), "{escaped:?}");
    if !text.chars().any(drives_a_terminal) {
        assert_eq!(escaped, text);
    }
    let short = terminal::shorten(text, 40);
    assert!(!short.chars().any(drives_a_terminal));
    if escaped.chars().count() <= 40 {
        assert_eq!(short, escaped);
    } else {
        // 40 characters, then `… (N bytes in all)`.
        assert!(short.chars().count() <= 40 + 40, "{short:?}");
    }
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
        let json = terminal::json(text.to_string());
        let again: serde_json::Value = serde_json::from_str(&json).expect("still JSON");
        assert_eq!(again, value);
        assert!(
            !json
                .chars()
                .any(|c| drives_a_terminal(c) && !matches!(c, '\n' | '\t')),
            "{json:?}"
        );
    }
});
