//! Snapshots that pin what the build generates from the OpenAPI document. A change to the
//! spec shows up here as a reviewable diff; `cargo xtask regenerate` accepts it.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a test that cannot go on fails

use schemars::{JsonSchema, schema_for};
use workspace_app_client::types;

const GENERATED: &str = include_str!(concat!(env!("OUT_DIR"), "/workspace_app_generated.rs"));

/// The public generated types whose JSON Schema is pinned below.
macro_rules! generated_types {
    ($($name:ident),* $(,)?) => {
        const SNAPSHOTTED_TYPES: &[&str] = &[$(stringify!($name)),*];

        #[test]
        fn json_schema_of_each_generated_type() {
            $(json_schema_snapshot::<types::$name>(stringify!($name));)*
        }
    };
}

generated_types!(
    ErrorResponse,
    JobDetailInfo,
    JobResourceInfo,
    JobType,
    JobTypeFilter,
    ListSubJobsProjectId,
    ListSubJobsResponse,
    SubJobStatus,
);

fn json_schema_snapshot<T: JsonSchema>(name: &str) {
    insta::assert_json_snapshot!(format!("schema_{name}"), schema_for!(T));
}

#[test]
fn rendered_source_of_the_generated_client() {
    insta::assert_snapshot!("generated_client", GENERATED);
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
        "add new generated types to `generated_types!` in this file"
    );
}

#[test]
fn the_documents_example_parses_and_reserializes_unchanged() {
    let spec_path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../openapi/workspace-app.yaml"
    );
    let spec = workspace_app_codegen::Spec::load(spec_path.as_ref()).expect("the spec loads");
    let example = spec
        .document
        .pointer(
            "/paths/~1v1~1{project_id}~1app-server-sub-jobs/get/responses/200\
             /content/application~1json/example",
        )
        .expect("the 200 response has an example");
    let parsed: types::ListSubJobsResponse =
        serde_json::from_value(example.clone()).expect("the example parses");
    let reserialized = serde_json::to_value(&parsed).expect("it serializes");
    assert_eq!(
        &reserialized, example,
        "every field survives the round trip"
    );
    insta::assert_json_snapshot!("example_200_reserialized", reserialized);
}
