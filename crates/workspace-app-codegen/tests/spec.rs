//! The checked-in spec passes every check, and each kind of broken spec is refused with a
//! message that says what is wrong and where.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a test that cannot go on fails

use serde_json::{Map, Value};
use workspace_app_codegen::{Spec, SpecErrors, generate_client, lint};

const SPEC_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../openapi/workspace-app.yaml"
);

/// `ListSubJobs`, the operation the edits below break.
const LIST_SUB_JOBS: &str = "/paths/~1v1~1{project_id}~1app-server-sub-jobs/get";

/// The live spec as a tree. The tests edit this, never the spec's text, so a reformatted
/// spec (another indentation, quoting or line width) cannot break them.
fn live() -> Value {
    Spec::load(SPEC_PATH.as_ref()).expect("loads").document
}

/// The node at `pointer`, which must exist.
fn node_mut<'a>(document: &'a mut Value, pointer: &str) -> &'a mut Value {
    document
        .pointer_mut(pointer)
        .unwrap_or_else(|| panic!("the spec has no {pointer}"))
}

/// The object at `pointer`, which must exist.
fn object_mut<'a>(document: &'a mut Value, pointer: &str) -> &'a mut Map<String, Value> {
    node_mut(document, pointer)
        .as_object_mut()
        .unwrap_or_else(|| panic!("{pointer} is not an object"))
}

/// The parameter of `ListSubJobs` named `name`, wherever it is in the list.
fn parameter_mut<'a>(document: &'a mut Value, name: &str) -> &'a mut Map<String, Value> {
    node_mut(document, &format!("{LIST_SUB_JOBS}/parameters"))
        .as_array_mut()
        .expect("parameters is a list")
        .iter_mut()
        .filter_map(Value::as_object_mut)
        .find(|parameter| parameter.get("name") == Some(&Value::from(name)))
        .unwrap_or_else(|| panic!("ListSubJobs has no parameter {name}"))
}

/// The first example item of `ListSubJobs`' 200 response.
fn example_item_mut(document: &mut Value) -> &mut Map<String, Value> {
    let pointer =
        format!("{LIST_SUB_JOBS}/responses/200/content/application~1json/example/items/0");
    object_mut(document, &pointer)
}

/// The document as text `Spec::parse` reads: JSON is YAML. Expected lines are looked up in
/// this text, whose layout the test controls.
fn text_of(document: &Value) -> String {
    serde_json::to_string_pretty(document).expect("serialises")
}

/// A minimal valid OpenAPI document in block YAML, with `info_extra` (whole lines) added at
/// the end of its `info` mapping.
fn fixture(info_extra: &str) -> String {
    let head = concat!(
        "openapi: 3.0.3\n",
        "info:\n",
        "  title: Fixture\n",
        "  version: v1\n",
    );
    let tail = concat!(
        "paths:\n",
        "  /things:\n",
        "    get:\n",
        "      operationId: ListThings\n",
        "      description: Lists the things.\n",
        "      responses:\n",
        "        '200':\n",
        "          description: The things.\n",
    );
    format!("{head}{info_extra}{tail}")
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

/// 1-based line of the only occurrence of `needle` in `text`.
fn line_of(text: &str, needle: &str) -> usize {
    assert_eq!(
        text.matches(needle).count(),
        1,
        "{needle:?} should occur once in:\n{text}"
    );
    line_of_after(text, "", needle)
}

/// 1-based line of the first occurrence of `needle` after the first `anchor` in `text`.
fn line_of_after(text: &str, anchor: &str, needle: &str) -> usize {
    let start = text.find(anchor).expect("anchor present");
    let offset = start + text[start..].find(needle).expect("needle present");
    text[..offset].matches('\n').count() + 1
}

/// 1-based column of the first occurrence of `needle` on its line.
fn column_of(text: &str, needle: &str) -> usize {
    let offset = text.find(needle).expect("needle present");
    offset - text[..offset].rfind('\n').map_or(0, |newline| newline + 1) + 1
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
fn the_fixture_passes_every_check() {
    let spec = Spec::parse("spec.yaml", &fixture("")).expect("loads");
    lint(&spec).expect("passes the lints");
}

#[test]
fn a_yaml_indentation_error_names_file_line_and_column() {
    let text = fixture("   oops: 1\n");
    let message = problems(&text);
    let line = line_of(&text, "   oops: 1");
    // The parser stops at the colon that would make `oops` a key where none may start.
    let column = column_of(&text, "oops: 1") + "oops".len();
    assert!(
        message.starts_with(&format!("spec.yaml:{line}:{column}:")),
        "message: {message}"
    );
    assert!(message.contains("invalid YAML"), "message: {message}");
    assert!(
        message.contains("oops: 1"),
        "the offending line is quoted: {message}"
    );
}

#[test]
fn a_file_with_bare_carriage_returns_is_quoted_at_the_line_yaml_names() {
    // YAML ends a line at `\r` too (old Mac line endings, or a merge tool's stray ones).
    let text = fixture("   oops: 1\n").replace('\n', "\r");
    let error = Spec::parse("spec.yaml", &text).expect_err("broken");
    let location = error.location.expect("located");
    let line = line_of(&text.replace('\r', "\n"), "   oops: 1");
    assert_eq!(location.line, line as u64, "{error}");
    let quoted = error.source_line.as_ref().map(|line| line.text.as_str());
    assert_eq!(quoted, Some("   oops: 1"), "{error}");
}

#[test]
fn a_duplicate_key_is_refused_with_its_line() {
    let text = fixture("  version: v2\n");
    let message = problems(&text);
    let line = line_of(&text, "  version: v2");
    let column = column_of(&text, "version: v2");
    assert!(
        message.starts_with(&format!("spec.yaml:{line}:{column}:")),
        "message: {message}"
    );
    assert!(message.contains("duplicate"), "message: {message}");
}

#[test]
fn an_unknown_ref_is_refused_at_the_ref() {
    let mut document = live();
    *node_mut(
        &mut document,
        "/components/schemas/JobDetailInfo/properties/job_resource_info/$ref",
    ) = "#/components/schemas/JobResourceInfoo".into();
    let text = text_of(&document);
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
    let mut document = live();
    object_mut(&mut document, LIST_SUB_JOBS).remove("operationId");
    let text = text_of(&document);
    let message = problems(&text);
    assert!(
        message.contains("operation has no operationId"),
        "message: {message}"
    );
    assert!(
        message.contains("(at /paths/~1v1~1{project_id}~1app-server-sub-jobs/get)"),
        "message: {message}"
    );
    let line = line_of_after(
        &text,
        r#""/v1/{project_id}/app-server-sub-jobs": {"#,
        r#""get": {"#,
    );
    assert!(
        message.starts_with(&format!("spec.yaml:{line}:")),
        "message: {message}"
    );
}

#[test]
fn an_example_that_does_not_match_its_schema_is_refused_at_the_bad_value() {
    let mut document = live();
    example_item_mut(&mut document).insert("status".into(), 42.into());
    let text = text_of(&document);
    let message = problems(&text);
    let line = line_of(&text, r#""status": 42"#);
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
    let mut document = live();
    example_item_mut(&mut document).insert("error_code".into(), Value::Null);
    let text = text_of(&document);
    let spec = Spec::parse("spec.yaml", &text).expect("loads");
    assert_eq!(
        spec.document.pointer(&format!(
            "{LIST_SUB_JOBS}/responses/200/content/application~1json/example/items/0/error_code"
        )),
        Some(&Value::Null)
    );
    lint(&spec).expect("nullable fields accept null");
}

#[test]
fn an_undescribed_property_or_parameter_is_refused() {
    let mut document = live();
    let resource_id = "/components/schemas/JobResourceInfo/properties/resource_id";
    object_mut(&mut document, resource_id)
        .remove("description")
        .expect("resource_id is described");
    let message = problems(&text_of(&document));
    assert!(
        message.contains("property `resource_id` has no description"),
        "message: {message}"
    );

    let mut document = live();
    parameter_mut(&mut document, "job_id")
        .remove("description")
        .expect("job_id is described");
    let message = problems(&text_of(&document));
    assert!(
        message.contains("parameter `job_id` has no description"),
        "message: {message}"
    );
}

#[test]
fn a_structurally_invalid_document_names_the_place() {
    let mut document = live();
    parameter_mut(&mut document, "job_id").insert("in".into(), "nowhere".into());
    let text = text_of(&document);
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
    let line = line_of(&text, r#""paths": {"#);
    assert!(
        message.starts_with(&format!("spec.yaml:{line}:")),
        "message: {message}"
    );
}

#[test]
fn every_problem_is_reported_in_one_pass() {
    let mut document = live();
    object_mut(&mut document, LIST_SUB_JOBS).remove("operationId");
    *node_mut(
        &mut document,
        "/components/schemas/JobDetailInfo/properties/job_resource_info/$ref",
    ) = "#/components/schemas/Nope".into();
    let message = problems(&text_of(&document));
    assert!(message.contains("operationId"), "message: {message}");
    assert!(message.contains("Nope"), "message: {message}");
}

#[test]
fn a_bound_a_default_or_an_enum_value_edit_shows_in_the_spec_tables() {
    let mut document = live();
    let limit = parameter_mut(&mut document, "limit");
    let schema = limit
        .get_mut("schema")
        .and_then(Value::as_object_mut)
        .expect("limit has a schema");
    schema.insert("maximum".into(), 50.into());
    schema.insert("default".into(), 20.into());
    node_mut(&mut document, "/components/schemas/SubJobStatus/enum")
        .as_array_mut()
        .expect("enum is a list")
        .push("PAUSED".into());
    let spec = Spec::parse("spec.yaml", &text_of(&document)).expect("loads");
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

/// A date, a time stamp, a UUID or a pattern in the spec keeps the generated code within the
/// client's own dependencies: typify would name chrono, uuid and regress, which the client
/// does not depend on, and the edit would not compile. The strings stay `String`.
#[test]
fn string_formats_and_patterns_need_no_crate_the_client_lacks() {
    let mut document = live();
    let detail = "/components/schemas/JobDetailInfo/properties";
    node_mut(&mut document, &format!("{detail}/begin_time"))["format"] = "date-time".into();
    node_mut(&mut document, &format!("{detail}/end_time"))["format"] = "date".into();
    node_mut(&mut document, &format!("{detail}/id"))["format"] = "uuid".into();
    let job_id = parameter_mut(&mut document, "job_id");
    job_id["schema"]["pattern"] = "^[A-Za-z0-9-]+$".into();
    let spec = Spec::parse("spec.yaml", &text_of(&document)).expect("loads");
    let client = workspace_app_codegen::generate(&spec)
        .expect("generates")
        .client;
    // Pretty-printed or as tokens: compared without white space.
    let client: String = client.split_whitespace().collect();
    for foreign in ["::chrono::", "::uuid::", "::regress::"] {
        assert!(!client.contains(foreign), "the client names {foreign}");
    }
    // The spec keeps what it says: the diff and the docs read it whole.
    assert_eq!(
        spec.document.pointer(&format!("{detail}/id/format")),
        Some(&"uuid".into())
    );
}

/// An operation's parameters: the path item's, then its own, which replace one with the same
/// `in` and `name`; each `$ref` followed to where it is defined.
#[test]
fn an_operations_parameters_merge_the_path_items_and_follow_refs() {
    let document = serde_json::json!({
        "paths": {"/v1/{project_id}/items": {
            "parameters": [
                {"$ref": "#/components/parameters/Project"},
                {"name": "limit", "in": "query", "description": "From the path item."}
            ],
            "get": {"operationId": "ListItems", "parameters": [
                {"name": "limit", "in": "query", "description": "The operation's own."},
                {"name": "limit", "in": "header", "description": "Another place, kept."}
            ]}
        }},
        "components": {"parameters": {"Project": {"name": "project_id", "in": "path"}}}
    });
    let site = workspace_app_codegen::operation_sites(&document)
        .next()
        .expect("one operation");
    let found: Vec<(String, String, String)> = site
        .parameters(&document)
        .into_iter()
        .map(|p| (p.location().to_string(), p.name().to_string(), p.pointer))
        .collect();
    let get = "/paths/~1v1~1{project_id}~1items/get/parameters";
    assert_eq!(
        found,
        [
            ("path", "project_id", "/components/parameters/Project"),
            ("query", "limit", &format!("{get}/0")),
            ("header", "limit", &format!("{get}/1")),
        ]
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    );
}
