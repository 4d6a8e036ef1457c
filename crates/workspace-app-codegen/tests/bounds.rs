//! The loader's bounds: whatever the input, it reads a bounded amount of it, nests and
//! expands aliases only so far, refuses the rest with an error that names the limit, and no
//! error prints more than a bounded number of characters, however long the offending line
//! or however many the errors.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a test that cannot go on fails

use std::path::PathBuf;

use workspace_app_codegen::{Spec, SpecError, SpecErrors, generate_client, lint};

const MAX_BYTES: usize = Spec::MAX_BYTES;
const MAX_DEPTH: usize = Spec::MAX_DEPTH;
/// What one error prints besides the file name.
const ERROR_CHARS: usize = SpecError::MAX_DISPLAY_CHARS;
const SHOWN: usize = SpecErrors::SHOWN;

/// A minimal valid spec in block YAML, `extra` (whole lines) appended.
fn fixture(extra: &str) -> String {
    format!(
        "openapi: 3.0.3\ninfo:\n  title: Fixture\n  version: v1\npaths:\n  /things:\n    get:\n      operationId: ListThings\n      description: Lists the things.\n      responses:\n        '200':\n          description: The things.\n{extra}"
    )
}

/// A scratch file holding `text`, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str, text: &str) -> Scratch {
        let path = std::env::temp_dir().join(format!(
            "workspace-app-codegen-bounds-{}-{name}",
            std::process::id()
        ));
        std::fs::write(&path, text).unwrap();
        Scratch(path)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// `f` on a thread with a 2 MiB stack (a test thread's default, whatever RUST_MIN_STACK
/// says), so that a recursion the limits do not stop overflows here too.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

/// An error's text is bounded, whatever the input.
fn assert_bounded(error: &SpecError) -> String {
    let shown = error.to_string();
    let chars = shown.chars().count();
    assert!(
        chars <= error.file.chars().count() + ERROR_CHARS,
        "{chars} characters: {}…",
        shown.chars().take(300).collect::<String>()
    );
    shown
}

/// The caret of a displayed error stands under the character at the error's column in
/// `line` (the whole line, as the file has it), and that line is quoted around it.
fn assert_caret_under_column(error: &SpecError, line: &str) {
    let shown = error.to_string();
    let lines: Vec<&str> = shown.lines().collect();
    let quoted = lines
        .iter()
        .position(|l| l.trim_start().starts_with(|c: char| c.is_ascii_digit()) && l.contains(" | "))
        .unwrap_or_else(|| panic!("no quoted line in: {shown}"));
    let text = lines[quoted].split_once(" | ").expect("a gutter").1;
    let caret_line = lines.get(quoted + 1).expect("a caret line");
    let pad = caret_line.split_once(" | ").expect("a gutter").1;
    assert!(pad.ends_with('^'), "{shown}");
    let under = text.chars().nth(pad.chars().count() - 1);
    let column = usize::try_from(error.location.expect("located").column).unwrap();
    assert_eq!(under, line.chars().nth(column - 1), "{shown}");
}

#[test]
fn a_spec_over_the_size_limit_is_refused_naming_the_limit() {
    // Exactly at the limit: read. A comment pads the file.
    let spec = fixture("");
    let at_limit = format!("{spec}#{}\n", "x".repeat(MAX_BYTES - spec.len() - 2));
    assert_eq!(at_limit.len(), MAX_BYTES);
    let file = Scratch::new("at-limit.yaml", &at_limit);
    Spec::load(&file.0).expect("a spec of exactly the limit loads");

    // One byte more: refused, from a file and as text.
    let over = format!("{spec}#{}\n", "x".repeat(MAX_BYTES - spec.len() - 1));
    let file = Scratch::new("over-limit.yaml", &over);
    let error = Spec::load(&file.0).expect_err("a spec over the limit");
    let message = assert_bounded(&error);
    assert!(
        message.starts_with(&format!("{}: ", file.0.display())),
        "{message}"
    );
    let limit = format!("larger than {} MiB", MAX_BYTES >> 20);
    assert!(message.contains(&limit), "{message}");
    let error = Spec::parse("spec.yaml", &over).expect_err("spec text over the limit");
    assert!(error.message.contains(&limit), "{error}");
}

/// A source that never ends (`/dev/zero`, a FIFO) stops at the limit instead of filling
/// memory.
#[cfg(unix)]
#[test]
fn a_file_that_never_ends_is_refused_at_the_limit() {
    let error = Spec::load("/dev/zero".as_ref()).expect_err("/dev/zero is no spec");
    let message = assert_bounded(&error);
    let limit = format!("larger than {} MiB", MAX_BYTES >> 20);
    assert!(
        message.starts_with("/dev/zero: ") && message.contains(&limit),
        "{message}"
    );
}

#[test]
fn a_long_line_is_quoted_around_the_column_with_the_caret_under_it() {
    // One line of a megabyte: multi-byte characters before the error, plain ones after.
    let description = "é".repeat(500_000);
    let tail = "x".repeat(500_000);
    // A YAML error far along the line: `@` cannot start a value.
    let line = format!(r#"{{"openapi": "3.0.3", "description": "{description}", "x": @{tail}}}"#);
    let error = Spec::parse("spec.yaml", &line).expect_err("broken YAML");
    let message = assert_bounded(&error);
    assert!(message.contains("invalid YAML"), "{message}");
    assert!(message.contains('…'), "the line is cut: {message}");
    assert_caret_under_column(&error, &line);

    // A lint's error on a long line: the operation without an operationId.
    let line = format!(
        r#"{{"openapi": "3.0.3", "info": {{"title": "T", "version": "1", "description": "{description}"}}, "paths": {{"/things": {{"get": {{"description": "Lists.", "responses": {{"200": {{"description": "{tail}"}}}}}}}}}}}}"#
    );
    let spec = Spec::parse("spec.yaml", &line).expect("loads");
    let SpecErrors(errors) = lint(&spec).expect_err("no operationId");
    let error = errors
        .iter()
        .find(|e| e.message.contains("operationId"))
        .expect("the operationId error");
    assert_bounded(error);
    assert_caret_under_column(error, &line);
}

#[test]
fn many_errors_print_the_first_ones_and_a_count() {
    // A one-line JSON spec with a thousand undescribed schemas: one error each.
    let schemas: Vec<String> = (0..1000)
        .map(|i| format!(r#""S{i:04}": {{"type": "object"}}"#))
        .collect();
    let text = format!(
        r#"{{"openapi": "3.0.3", "info": {{"title": "T", "version": "1"}}, "paths": {{}}, "components": {{"schemas": {{{}}}}}}}"#,
        schemas.join(", ")
    );
    let spec = Spec::parse("spec.yaml", &text).expect("loads");
    let errors = lint(&spec).expect_err("undescribed schemas");
    assert_eq!(errors.0.len(), 1000, "every error is kept");
    let shown = errors.to_string();
    assert_eq!(shown.matches("error: ").count(), SHOWN, "{shown}");
    assert!(shown.ends_with("\nand 980 more errors"), "{shown}");
    let bound = SHOWN * ("error: spec.yaml\n".len() + ERROR_CHARS) + 100;
    assert!(shown.chars().count() <= bound, "{} characters", shown.len());
    for error in &errors.0 {
        assert_bounded(error);
    }
}

/// Aliases nested ten deep, each replaying the one below ten times: a billion nodes.
fn laughs(levels: usize, payload: &str) -> String {
    let mut text = format!("a0: &a0 \"{payload}\"\n");
    for i in 1..=levels {
        let items = vec![format!("*a{}", i - 1); 10].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{items}]\n"));
    }
    text
}

#[test]
fn a_billion_laughs_document_is_refused_by_the_alias_limits() {
    let error = Spec::parse("spec.yaml", &laughs(9, "lol")).expect_err("a billion nodes");
    let message = assert_bounded(&error);
    let limit = format!(
        "aliases expand to more than {} events",
        Spec::MAX_ALIAS_EVENTS
    );
    assert!(message.contains(&limit), "{message}");

    // A megabyte of text replayed a hundred times: refused by the text it would make.
    let error =
        Spec::parse("spec.yaml", &laughs(2, &"x".repeat(1 << 20))).expect_err("100 MiB of text");
    let message = assert_bounded(&error);
    let limit = format!("more than {} MiB of text", MAX_BYTES >> 20);
    assert!(message.contains(&limit), "{message}");
}

#[test]
fn deep_nesting_is_refused_at_the_limit_without_overflowing_the_stack() {
    let block_mappings: String = (0..100).map(|i| format!("{}a:\n", " ".repeat(i))).collect();
    let cases = ["[", "{", "- ", "? ", "{a: ", "[{a: "].map(|opener| opener.repeat(100_000));
    for text in cases.into_iter().chain([block_mappings]) {
        let opener: String = text.chars().take(8).collect();
        let error = on_small_stack(move || Spec::parse("spec.yaml", &text).expect_err("too deep"));
        let message = assert_bounded(&error);
        assert!(
            message.contains(&format!("nested deeper than {MAX_DEPTH} levels")),
            "{opener:?}: {message}"
        );
    }
}

/// Aliases cannot nest deeper than the text does: an anchored structure of 20 levels
/// replayed 20 levels deep.
#[test]
fn aliases_do_not_nest_past_the_limit() {
    let deep = |n: usize| format!("{}1{}", "[".repeat(n), "]".repeat(n));
    let text = format!(
        "a: &a {}\nb: {}*a{}\n",
        deep(20),
        "[".repeat(20),
        "]".repeat(20)
    );
    let error = on_small_stack(move || Spec::parse("spec.yaml", &text).expect_err("too deep"));
    let message = assert_bounded(&error);
    assert!(message.contains("nested deeper than"), "{message}");
}

/// The limit leaves room: a spec nested exactly as deep as the limit loads, lints and
/// generates on a 2 MiB stack in a debug build, and one level more is refused.
#[test]
fn a_spec_at_the_depth_limit_passes_every_step_on_a_small_stack() {
    // The root, components, schemas and S are 4 levels; each `{a: ` one more.
    let example = |levels: usize| {
        format!(
            "components:\n  schemas:\n    S:\n      description: Nested.\n      example: {}1{}\n",
            "{a: ".repeat(levels - 4),
            "}".repeat(levels - 4)
        )
    };
    // Schemas nested in `properties`: two levels each.
    let mut schema = String::from("{type: string, description: The end.}");
    for _ in 0..(MAX_DEPTH - 4) / 2 {
        schema = format!("{{type: object, description: A level., properties: {{a: {schema}}}}}");
    }
    let at_limit = format!("{}    N: {schema}\n", fixture(&example(MAX_DEPTH)));
    on_small_stack(move || {
        let spec = Spec::parse("spec.yaml", &at_limit).expect("loads at the limit");
        lint(&spec).expect("lints");
        generate_client(&spec).expect("generates");
    });
    let over = fixture(&example(MAX_DEPTH + 1));
    let error = on_small_stack(move || Spec::parse("spec.yaml", &over).expect_err("too deep"));
    assert!(error.message.contains("nested deeper than"), "{error}");
}
