//! Snapshots that pin what the build generates from the OpenAPI document. A change to the
//! spec shows up here as a reviewable diff; `cargo xtask regenerate` accepts it.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a test that cannot go on fails

use schemars::{JsonSchema, schema_for};
use workspace_app_client::{spec, types};

const GENERATED: &str = include_str!(concat!(env!("OUT_DIR"), "/workspace_app_generated.rs"));
const SPEC_TABLES: &str = include_str!(concat!(env!("OUT_DIR"), "/workspace_app_spec_tables.rs"));

/// The public generated types, whose JSON Schema is pinned below.
macro_rules! generated_types {
    ($($name:ident),* $(,)?) => {
        const SNAPSHOTTED_TYPES: &[&str] = &[$(stringify!($name)),*];

        #[test]
        fn json_schema_of_each_generated_type() {
            $(json_schema_snapshot::<types::$name>(stringify!($name));)*
        }
    };
}

/// Every documented response example: `(operation, status, the type it parses into)`.
macro_rules! response_examples {
    ($(($operation:literal, $status:literal, $type:ident)),* $(,)?) => {
        const TYPED_EXAMPLES: &[(&str, &str)] = &[$(($operation, $status)),*];

        #[test]
        fn every_documented_response_example_parses_and_reserializes_unchanged() {
            $(example_round_trip::<types::$type>($operation, $status);)*
        }
    };
}

/// The operations the client leaves out (a request body with no JSON form): the spec
/// tables have them, the generated code does not.
macro_rules! not_generated {
    ($($operation:literal),* $(,)?) => {
        const NOT_GENERATED: &[&str] = &[$($operation),*];
    };
}

// The lists are written by the codegen (`workspace-app-codegen`) from the spec, so a new
// schema or operation is covered here without an edit.
include!(concat!(env!("OUT_DIR"), "/workspace_app_test_lists.rs"));

fn json_schema_snapshot<T: JsonSchema>(name: &str) {
    // Sorted, so the snapshot does not depend on whether serde_json's `preserve_order` is
    // on: in a workspace build other crates turn it on, in `-p workspace-app-client` not.
    insta::with_settings!({ sort_maps => true }, {
        insta::assert_json_snapshot!(format!("schema_{name}"), schema_for!(T));
    });
}

/// Generated code laid out for reading: the build script writes it as tokens, unformatted.
fn laid_out(code: &str) -> String {
    let header: String = code
        .lines()
        .take_while(|line| line.starts_with("//"))
        .map(|line| format!("{line}\n"))
        .collect();
    let file = syn::parse_file(code).expect("the generated code parses");
    format!("{header}\n{}", prettyplease::unparse(&file))
}

#[test]
fn rendered_source_of_the_generated_client() {
    insta::assert_snapshot!("generated_client", laid_out(GENERATED));
}

#[test]
fn rendered_source_of_the_spec_tables() {
    insta::assert_snapshot!("spec_tables", laid_out(SPEC_TABLES));
}

#[test]
fn every_public_generated_type_has_a_schema_snapshot() {
    let file = syn::parse_file(GENERATED).expect("the generated file parses");
    let types_module = file
        .items
        .iter()
        .find_map(|item| match item {
            syn::Item::Mod(m) if m.ident == "types" => m.content.as_ref(),
            _ => None,
        })
        .expect("the generated file has a `types` module");
    let mut public: Vec<String> = types_module
        .1
        .iter()
        .filter_map(|item| match item {
            syn::Item::Struct(s) if matches!(s.vis, syn::Visibility::Public(_)) => {
                Some(s.ident.to_string())
            }
            syn::Item::Enum(e) if matches!(e.vis, syn::Visibility::Public(_)) => {
                Some(e.ident.to_string())
            }
            _ => None,
        })
        .collect();
    public.sort();
    assert_eq!(
        public, SNAPSHOTTED_TYPES,
        "the codegen's list of generated types (workspace_app_test_lists.rs) is incomplete"
    );
}

#[test]
fn every_documented_example_has_a_type_to_round_trip_through() {
    let documented: Vec<(&str, &str)> = spec::operations::ALL
        .iter()
        .filter(|operation| !NOT_GENERATED.contains(&operation.name))
        .flat_map(|operation| {
            let examples = operation.examples.iter();
            examples.map(|example| (operation.name, example.status))
        })
        .collect();
    assert!(!documented.is_empty(), "the spec documents no example");
    assert_eq!(
        documented, TYPED_EXAMPLES,
        "the codegen found no generated type for some response examples"
    );
}

/// insta would keep a snapshot nothing asserts any more; `cargo xtask regenerate` removes it.
#[test]
fn every_snapshot_file_belongs_to_a_test() {
    let mut expected: Vec<String> = ["generated_client", "spec_tables"]
        .iter()
        .map(|name| name.to_string())
        .chain(
            SNAPSHOTTED_TYPES
                .iter()
                .map(|name| format!("schema_{name}")),
        )
        .chain(
            TYPED_EXAMPLES
                .iter()
                .map(|(operation, status)| format!("example_{operation}_{status}_reserialized")),
        )
        .map(|name| format!("snapshots__{name}.snap"))
        .collect();
    expected.sort();
    // `cargo xtask` runs these tests with insta writing into a scratch workspace root, where
    // only the snapshots asserted now exist; it removes orphans from the tree itself.
    let dir = match std::env::var_os("INSTA_WORKSPACE_ROOT") {
        Some(root) => std::path::PathBuf::from(root).join("crates/workspace-app-client"),
        None => std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")),
    }
    .join("tests/snapshots");
    let entries = match std::fs::read_dir(&dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return,
        Err(e) => panic!("{}: {e}", dir.display()),
    };
    let mut found: Vec<String> = entries
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.ends_with(".snap"))
        .collect();
    found.sort();
    let orphans: Vec<&String> = found.iter().filter(|f| !expected.contains(f)).collect();
    assert!(
        orphans.is_empty(),
        "snapshots no test asserts: {orphans:?}; run `cargo xtask regenerate`"
    );
}

fn example_round_trip<T>(operation: &str, status: &str)
where
    T: serde::de::DeserializeOwned + serde::Serialize,
{
    let json = spec::operations::by_name(operation)
        .and_then(|operation| operation.example(status))
        .unwrap_or_else(|| panic!("{operation} documents no {status} example"));
    let example: serde_json::Value = serde_json::from_str(json).expect("the example is JSON");
    let parsed: T = serde_json::from_value(example.clone())
        .unwrap_or_else(|e| panic!("the {status} example of {operation} does not parse: {e}"));
    let reserialized = serde_json::to_value(&parsed).expect("it serializes");
    assert_eq!(
        reserialized, example,
        "every field of the {status} example of {operation} survives the round trip"
    );
    insta::assert_json_snapshot!(
        format!("example_{operation}_{status}_reserialized"),
        reserialized
    );
}
