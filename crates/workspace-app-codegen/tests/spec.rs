//! The checked-in spec passes every check, and each kind of broken spec is refused with a
//! message that says what is wrong and where.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a test that cannot go on fails

use workspace_app_codegen::{Spec, SpecErrors, generate_client, lint};

const SPEC_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../openapi/workspace-app.yaml"
);

fn spec_text() -> String {
    std::fs::read_to_string(SPEC_PATH).expect("the spec is readable")
}

/// The spec with the first `from` replaced by `to`. The anchors are in `ListSubJobs` and
/// its schemas, which come first: an operation added later may repeat them (its own
/// `job_id` parameter, say) without breaking these tests.
fn edited(from: &str, to: &str) -> String {
    let text = spec_text();
    assert!(
        text.contains(from),
        "edit anchor {from:?} is not in the spec"
    );
    text.replacen(from, to, 1)
}

/// All messages for an edited spec, from loading through linting.
fn problems(text: &str) -> String {
    let spec = match Spec::parse("spec.yaml", text) {
        Ok(spec) => spec,
        Err(e) => return e.to_string(),
    };
    match lint(&spec) {
        Ok(()) => panic!("the edited spec passed every check"),
        Err(SpecErrors(errors)) => errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

/// 1-based line of the first occurrence of `needle` in `text`.
fn line_of(text: &str, needle: &str) -> usize {
    let offset = text.find(needle).expect("needle present");
    text[..offset].lines().count() + usize::from(text[..offset].ends_with('\n'))
}

#[test]
fn the_checked_in_spec_passes_every_check_and_generates() {
    let spec = Spec::load(SPEC_PATH.as_ref()).expect("loads");
    lint(&spec).expect("passes the lints");
    let code = generate_client(&spec).expect("generates");
    assert!(code.contains("pub struct ListSubJobsResponse"));
    assert!(code.starts_with("// @generated"));
}

#[test]
fn generation_is_deterministic() {
    let spec = Spec::load(SPEC_PATH.as_ref()).expect("loads");
    assert_eq!(generate_client(&spec), generate_client(&spec));
}

#[test]
fn a_yaml_indentation_error_names_file_line_and_column() {
    let text = edited("  version: v1\n", "  version: v1\n   oops: 1\n");
    let message = problems(&text);
    let line = line_of(&text, "   oops: 1");
    assert!(
        message.starts_with(&format!("spec.yaml:{line}:")),
        "message: {message}"
    );
    assert!(message.contains("invalid YAML"), "message: {message}");
    assert!(
        message.contains("oops: 1"),
        "the offending line is quoted: {message}"
    );
}

#[test]
fn a_duplicate_key_is_refused_with_its_line() {
    let text = edited("  version: v1\n", "  version: v1\n  version: v2\n");
    let message = problems(&text);
    let line = line_of(&text, "  version: v2");
    assert!(
        message.starts_with(&format!("spec.yaml:{line}:")),
        "message: {message}"
    );
    assert!(message.contains("duplicate"), "message: {message}");
}

#[test]
fn an_unknown_ref_is_refused_at_the_ref() {
    let text = edited(
        "$ref: '#/components/schemas/JobResourceInfo'",
        "$ref: '#/components/schemas/JobResourceInfoo'",
    );
    let message = problems(&text);
    let line = line_of(&text, "JobResourceInfoo");
    assert!(
        message.starts_with(&format!("spec.yaml:{line}:")),
        "message: {message}"
    );
    assert!(
        message.contains("`$ref: #/components/schemas/JobResourceInfoo` points at nothing"),
        "message: {message}"
    );
}

#[test]
fn a_missing_operation_id_is_refused_at_the_operation() {
    let text = edited("      operationId: ListSubJobs\n", "");
    let message = problems(&text);
    assert!(
        message.contains("operation has no operationId"),
        "message: {message}"
    );
    assert!(
        message.contains("(at /paths/~1v1~1{project_id}~1app-server-sub-jobs/get)"),
        "message: {message}"
    );
    let line = line_of(&text, "    get:\n") + 1;
    assert!(
        message.starts_with(&format!("spec.yaml:{line}:")),
        "message: {message}"
    );
}

#[test]
fn an_example_that_does_not_match_its_schema_is_refused_at_the_bad_value() {
    let text = edited(
        "                    status: WAITING\n",
        "                    status: 42\n",
    );
    let message = problems(&text);
    let line = line_of(&text, "status: 42");
    assert!(
        message.starts_with(&format!("spec.yaml:{line}:")),
        "message: {message}"
    );
    assert!(
        message.contains("example does not match its schema"),
        "message: {message}"
    );
    assert!(
        message.contains("/example/items/0/status"),
        "message: {message}"
    );
}

#[test]
fn a_null_where_the_spec_says_nullable_is_a_valid_example() {
    let text = edited(
        "                    error_code: WKS.00129901\n",
        "                    error_code: null\n",
    );
    let spec = Spec::parse("spec.yaml", &text).expect("loads");
    lint(&spec).expect("nullable fields accept null");
}

#[test]
fn an_undescribed_property_or_parameter_is_refused() {
    let text = edited(
        "          type: string\n          description: Resource ID.\n",
        "          type: string\n",
    );
    let message = problems(&text);
    assert!(
        message.contains("property `resource_id` has no description"),
        "message: {message}"
    );

    let text = edited(
        "          description: Job ID. Only the sub-jobs of this job are returned.\n",
        "",
    );
    let message = problems(&text);
    assert!(
        message.contains("parameter `job_id` has no description"),
        "message: {message}"
    );
}

#[test]
fn a_structurally_invalid_document_names_the_place() {
    let text = edited(
        "        - name: job_id\n          in: query\n",
        "        - name: job_id\n          in: nowhere\n",
    );
    let message = problems(&text);
    assert!(
        message.contains("not a valid OpenAPI 3.0 document"),
        "message: {message}"
    );
    assert!(
        message.contains("unknown variant `nowhere`"),
        "message: {message}"
    );
    // openapiv3 reads path items through flattened/untagged serde types, which hide the
    // deeper path; the error is placed at the nearest node serde can name.
    let line = line_of(&text, "  /v1/{project_id}/app-server-sub-jobs:");
    assert!(
        message.starts_with(&format!("spec.yaml:{line}:")),
        "message: {message}"
    );
}

#[test]
fn every_problem_is_reported_in_one_pass() {
    let text = edited("      operationId: ListSubJobs\n", "").replace(
        "'#/components/schemas/JobResourceInfo'",
        "'#/components/schemas/Nope'",
    );
    let message = problems(&text);
    assert!(message.contains("operationId"), "message: {message}");
    assert!(message.contains("Nope"), "message: {message}");
}

#[test]
fn a_bound_a_default_or_an_enum_value_edit_shows_in_the_spec_tables() {
    let text = edited("            maximum: 100\n", "            maximum: 50\n")
        .replace("            default: 10\n", "            default: 20\n")
        .replace("ROLLBACK, ABORTING]", "ROLLBACK, ABORTING, PAUSED]");
    let spec = Spec::parse("spec.yaml", &text).expect("loads");
    let tables = workspace_app_codegen::generate(&spec)
        .expect("generates")
        .spec_tables;
    let compact: String = tables.split_whitespace().collect();
    assert!(
        compact.contains(r#"name:"limit",minimum:1i64,maximum:50i64,default:Some(20i64),"#),
        "{tables}"
    );
    assert!(compact.contains(r#""ABORTING","PAUSED",]"#), "{tables}");
}

#[test]
fn the_snapshot_lists_name_every_type_and_example() {
    let spec = Spec::load(SPEC_PATH.as_ref()).expect("loads");
    let lists = workspace_app_codegen::generate(&spec)
        .expect("generates")
        .test_lists;
    let compact: String = lists.split_whitespace().collect();
    let types = compact
        .split_once("generated_types!(")
        .and_then(|(_, rest)| rest.split_once(");"))
        .map(|(types, _)| types.split(',').collect::<Vec<_>>())
        .unwrap_or_default();
    for name in [
        "ErrorResponse",
        "JobTypeFilter",
        "ListSubJobsResponse",
        "SubJobStatus",
    ] {
        assert!(types.contains(&name), "{name} missing: {lists}");
    }
    assert!(
        compact.contains(r#"("list_sub_jobs","200",ListSubJobsResponse)"#),
        "{lists}"
    );
}
