//! `cargo xtask diff` through its output and its exit code: one test per rule, each an edit
//! of the live spec.
//!
//! The base is the live spec's parsed tree, written as JSON (valid YAML) to a scratch
//! directory; the head is the same tree after an edit made by JSON pointer, so no test
//! depends on how the spec's text is laid out. Parameters are found by name, never by index.

#![allow(clippy::expect_used, clippy::unwrap_used)] // a test that cannot go on fails

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Map, Value, json};
use workspace_app_codegen::Spec;

/// The path item of the spec's one operation, and the operation.
const PATH_ITEM: &str = "/paths/~1v1~1{project_id}~1app-server-sub-jobs";
const LIST_SUB_JOBS: &str = "/paths/~1v1~1{project_id}~1app-server-sub-jobs/get";
/// The path of the operation the tests add.
/// A path and an operationId no edit of the spec uses, so that the tests hold on a spec that
/// already has CountSubJobs (as `scripts/additive-edits.sh` makes it).
const COUNT_PATH: &str = "/v1/{project_id}/app-server-sub-jobs/actions/xtask-diff-test";

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits in the workspace root")
        .to_path_buf()
}

/// The live spec's parsed tree.
fn live() -> Value {
    Spec::load(&root().join("openapi/workspace-app.yaml"))
        .unwrap_or_else(|e| panic!("the live spec does not load: {e}"))
        .document
}

fn at<'a>(doc: &'a mut Value, pointer: &str) -> &'a mut Value {
    doc.pointer_mut(pointer)
        .unwrap_or_else(|| panic!("the spec has no node at {pointer}"))
}

fn object(node: &mut Value) -> &mut Map<String, Value> {
    node.as_object_mut().expect("an object")
}

/// The parameter of ListSubJobs called `name`.
fn param_mut<'a>(doc: &'a mut Value, name: &str) -> &'a mut Value {
    at(doc, &format!("{LIST_SUB_JOBS}/parameters"))
        .as_array_mut()
        .expect("parameters is a list")
        .iter_mut()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("ListSubJobs has no parameter {name}"))
}

/// The component schema `name`.
fn schema_mut<'a>(doc: &'a mut Value, name: &str) -> &'a mut Value {
    at(doc, &format!("/components/schemas/{name}"))
}

/// The property `property` of the component schema `schema`.
fn property_mut<'a>(doc: &'a mut Value, schema: &str, property: &str) -> &'a mut Value {
    at(schema_mut(doc, schema), &format!("/properties/{property}"))
}

/// One run of the command.
struct Run {
    /// stdout as JSON (`Value::Null` for the other formats).
    report: Value,
    code: i32,
    stdout: String,
    stderr: String,
    /// The head file as the command names it.
    head_file: String,
    head_text: String,
    _dir: tempfile::TempDir,
}

/// Runs `xtask diff` on two spec texts with `args` after them.
fn run_texts(base: &str, head: &str, args: &[&str]) -> Run {
    let dir = tempfile::tempdir().expect("a scratch directory");
    let (base_path, head_path) = (dir.path().join("base.yaml"), dir.path().join("head.yaml"));
    std::fs::write(&base_path, base).expect("write base.yaml");
    std::fs::write(&head_path, head).expect("write head.yaml");
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("diff")
        .arg("--base-file")
        .arg(&base_path)
        .arg("--spec")
        .arg(&head_path)
        .args(args)
        .output()
        .expect("run xtask diff");
    let stdout = String::from_utf8(output.stdout).expect("utf-8 stdout");
    let stderr = String::from_utf8(output.stderr).expect("utf-8 stderr");
    // A spec that cannot be read prints nothing on stdout.
    let report = if args.contains(&"json") && !stdout.is_empty() {
        serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{stdout}\nstderr:\n{stderr}"))
    } else {
        Value::Null
    };
    let root = root();
    let head_file = head_path
        .strip_prefix(&root)
        .unwrap_or(&head_path)
        .display()
        .to_string();
    Run {
        report,
        code: output.status.code().expect("xtask exited with a code"),
        stdout,
        stderr,
        head_file,
        head_text: head.to_string(),
        _dir: dir,
    }
}

fn pretty(doc: &Value) -> String {
    serde_json::to_string_pretty(doc).expect("a tree serialises")
}

/// Runs `xtask diff --format <format>` from `base` to `base` after `edit`.
fn run(base: Value, edit: impl FnOnce(&mut Value), format: &str) -> Run {
    let mut head = base.clone();
    edit(&mut head);
    run_texts(&pretty(&base), &pretty(&head), &["--format", format])
}

/// The JSON report and the exit code from `base` to `base` after `edit`.
fn judge_from(base: Value, edit: impl FnOnce(&mut Value)) -> (Value, i32) {
    let run = run(base, edit, "json");
    (run.report, run.code)
}

/// The JSON report and the exit code from the live spec to the live spec after `edit`.
fn judge(edit: impl FnOnce(&mut Value)) -> (Value, i32) {
    judge_from(live(), edit)
}

fn changes(report: &Value) -> &Vec<Value> {
    report["changes"]
        .as_array()
        .unwrap_or_else(|| panic!("no changes list in {report:#}"))
}

/// The changes, which must have exactly `rules` (in any order), one each.
fn only_changes<'r>(report: &'r Value, rules: &[&str]) -> Vec<&'r Value> {
    let changes = changes(report);
    let mut found: Vec<&str> = changes.iter().filter_map(|c| c["rule"].as_str()).collect();
    let mut want = rules.to_vec();
    found.sort_unstable();
    want.sort_unstable();
    assert_eq!(
        found, want,
        "expected exactly the rules {want:?}, the report has {found:?}:\n{report:#}"
    );
    rules
        .iter()
        .map(|rule| {
            changes
                .iter()
                .find(|c| c["rule"] == *rule)
                .expect("checked above")
        })
        .collect()
}

/// The first change with `rule`, among others.
fn change_with<'r>(report: &'r Value, rule: &str) -> &'r Value {
    changes(report)
        .iter()
        .find(|c| c["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} in {report:#}"))
}

/// The one change of the report, which must have `rule`.
fn only_change<'r>(report: &'r Value, rule: &str) -> &'r Value {
    only_changes(report, &[rule])[0]
}

/// Asserts a change's wire (`breaking`/`compatible`) and Rust (`major`/`minor`/`patch`)
/// verdicts.
#[track_caller]
fn verdicts(change: &Value, wire: &str, rust: &str) {
    assert_eq!(
        (change["wire"].as_str(), change["rust"].as_str()),
        (Some(wire), Some(rust)),
        "the verdicts of {change:#}"
    );
}

fn rust_items(change: &Value) -> Vec<&str> {
    change["rust_items"]
        .as_array()
        .expect("rust_items is a list")
        .iter()
        .filter_map(Value::as_str)
        .collect()
}

/// The 1-based line where the node at `pointer` starts in pretty-printed JSON `text` (two
/// spaces per level), found by walking the text; a node that is not there is placed at its
/// nearest ancestor that is.
fn line_of(text: &str, pointer: &str) -> u64 {
    let lines: Vec<&str> = text.lines().collect();
    let indent = |line: &str| line.len() - line.trim_start().len();
    let (mut at, mut depth) = (0, 0);
    for segment in pointer.split('/').skip(1) {
        let key = segment.replace("~1", "/").replace("~0", "~");
        let quoted = format!(
            "{}:",
            serde_json::to_string(&key).expect("a string serialises")
        );
        let children = lines[at + 1..]
            .iter()
            .enumerate()
            .take_while(|(_, line)| indent(line) > 2 * depth)
            .filter(|(_, line)| {
                let trimmed = line.trim_start();
                indent(line) == 2 * (depth + 1) && !trimmed.starts_with(['}', ']'])
            })
            .map(|(i, line)| (at + 1 + i, line.trim_start()));
        let found = match key.parse::<usize>() {
            Ok(index) if lines[at].trim_end().ends_with('[') => children.clone().nth(index),
            _ => children.clone().find(|(_, line)| line.starts_with(&quoted)),
        };
        let Some((line, _)) = found else { break };
        at = line;
        depth += 1;
    }
    at as u64 + 1
}

/// `[workspace.package] version` of the workspace's Cargo.toml, as (major, minor, patch).
fn workspace_version() -> (u64, u64, u64) {
    let toml = std::fs::read_to_string(root().join("Cargo.toml")).expect("read Cargo.toml");
    let section = toml
        .split("[workspace.package]")
        .nth(1)
        .expect("a [workspace.package] section");
    let value = section
        .lines()
        .find_map(|line| line.trim().strip_prefix("version"))
        .and_then(|rest| rest.trim().strip_prefix('='))
        .expect("a version in [workspace.package]");
    semver(value.trim().trim_matches('"'))
}

fn semver(text: &str) -> (u64, u64, u64) {
    let parts: Vec<u64> = text
        .split('.')
        .map(|p| p.parse().unwrap_or_else(|e| panic!("{text}: {e}")))
        .collect();
    (parts[0], parts[1], parts[2])
}

/// `a.b.c → x.y.z` for a major bump, as Cargo reads versions (`0.y` is the major part).
fn major_bump((major, minor, patch): (u64, u64, u64)) -> String {
    let next = if major == 0 {
        (0, minor + 1, 0)
    } else {
        (major + 1, 0, 0)
    };
    format!("{major}.{minor}.{patch} → {}.{}.{}", next.0, next.1, next.2)
}

// Edits used by more than one test.

fn remove_error_message(doc: &mut Value) {
    object(at(schema_mut(doc, "JobDetailInfo"), "/properties")).shift_remove("error_message");
}

fn add_optional_foo(doc: &mut Value) {
    object(at(schema_mut(doc, "JobDetailInfo"), "/properties")).insert(
        "foo".into(),
        json!({"type": "string", "description": "A new optional property."}),
    );
}

/// The inline 200 schema of the test operation.
fn count_schema() -> Value {
    json!({
        "type": "object",
        "description": "How many sub-jobs match the query.",
        "properties": {
            "count": {
                "type": "integer",
                "format": "int32",
                "description": "Number of sub-jobs matching the query."
            }
        }
    })
}

/// A copy of the ListSubJobs path item under [`COUNT_PATH`], as XtaskDiffTestCount, whose 200
/// response has an inline schema.
fn add_count_operation(doc: &mut Value) {
    let mut item = at(doc, PATH_ITEM).clone();
    item["get"]["operationId"] = json!("XtaskDiffTestCount");
    let media = at(&mut item, "/get/responses/200/content/application~1json");
    media["schema"] = count_schema();
    media["example"] = json!({"count": 2});
    object(at(doc, "/paths")).insert(COUNT_PATH.into(), item);
}

fn acknowledge(doc: &mut Value, acknowledgements: Value) {
    object(doc).insert("x-acknowledged-changes".into(), acknowledgements);
}

const ERROR_MESSAGE: &str = "/components/schemas/JobDetailInfo/properties/error_message";

// ---------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------

#[test]
fn no_edit_is_no_change() {
    let (report, code) = judge(|_| {});
    assert_eq!(changes(&report).len(), 0, "{report:#}");
    assert_eq!(code, 0);
    assert_eq!(report["crate"]["bump"], Value::Null, "{report:#}");
    assert_eq!(report["stale_acknowledgements"], json!([]));
}

#[test]
fn response_optional_property_removed() {
    let run = run(live(), remove_error_message, "json");
    let change = only_change(&run.report, "response-optional-property-removed");
    verdicts(change, "breaking", "major");
    assert_eq!(change["pointer"], ERROR_MESSAGE);
    assert!(
        rust_items(change)
            .iter()
            .any(|item| item.contains("types::JobDetailInfo::error_message")),
        "{change:#}"
    );
    // A node that is gone is placed at its nearest ancestor in the head file.
    assert_eq!(change["file"], run.head_file);
    assert_eq!(change["line"], line_of(&run.head_text, ERROR_MESSAGE));
    assert_eq!(change["acknowledged"], Value::Null);
    assert_eq!(run.code, 1);
}

#[test]
fn response_property_became_required() {
    let (report, code) = judge(|doc| {
        schema_mut(doc, "JobDetailInfo")["required"] = json!(["job_id"]);
    });
    let change = only_change(&report, "response-property-became-required");
    // The generated type loses `Default` and the field is no longer an `Option`.
    verdicts(change, "compatible", "major");
    assert_eq!(code, 1);
}

#[test]
fn request_parameter_became_required() {
    let run = run(
        live(),
        |doc| param_mut(doc, "job_id")["required"] = json!(true),
        "json",
    );
    let change = only_change(&run.report, "request-parameter-became-required");
    verdicts(change, "breaking", "major");
    let pointer = change["pointer"].as_str().expect("a pointer");
    assert!(
        pointer.starts_with(&format!("{LIST_SUB_JOBS}/parameters/"))
            && pointer.ends_with("/required"),
        "{pointer}"
    );
    assert_eq!(change["line"], line_of(&run.head_text, pointer));
    assert_eq!(run.code, 1);
}

#[test]
fn enum_value_removed_from_a_request_and_an_open_response_enum() {
    let (report, code) = judge(|doc| {
        schema_mut(doc, "SubJobStatus")["enum"]
            .as_array_mut()
            .expect("an enum")
            .retain(|v| v != "ROLLBACK");
    });
    let found = only_changes(
        &report,
        &[
            "request-parameter-enum-value-removed",
            "response-property-enum-value-removed",
        ],
    );
    verdicts(found[0], "breaking", "major");
    // Reached through the anyOf open enum SubJobStatusValue.
    assert_eq!(found[1]["wire"], "compatible", "{:#}", found[1]);
    assert_eq!(code, 1);
}

#[test]
fn request_parameter_enum_value_added() {
    let (report, code) = judge(|doc| {
        schema_mut(doc, "JobTypeFilter")["enum"]
            .as_array_mut()
            .expect("an enum")
            .push(json!("XTASK_DIFF_TEST_VALUE"));
    });
    let change = only_change(&report, "request-parameter-enum-value-added");
    verdicts(change, "compatible", "minor");
    assert_eq!(code, 0);
}

#[test]
fn open_response_enum_value_added() {
    let (report, code) = judge(|doc| {
        schema_mut(doc, "JobType")["enum"]
            .as_array_mut()
            .expect("an enum")
            .push(json!("XTASK_DIFF_TEST_TYPE"));
    });
    let change = only_change(&report, "response-property-enum-value-added");
    verdicts(change, "compatible", "minor");
    assert_eq!(code, 0);
}

#[test]
fn closed_response_enum_value_added() {
    let mut base = live();
    object(at(schema_mut(&mut base, "JobDetailInfo"), "/properties")).insert(
        "kind".into(),
        json!({"type": "string", "enum": ["A", "B"], "description": "The kind of the sub-job."}),
    );
    let (report, code) = judge_from(base, |doc| {
        property_mut(doc, "JobDetailInfo", "kind")["enum"]
            .as_array_mut()
            .expect("an enum")
            .push(json!("C"));
    });
    let change = only_change(&report, "response-property-enum-value-added");
    verdicts(change, "breaking", "minor");
    // The variant of the inline enum typify names after the property is this change's.
    assert_eq!(
        change["rust_items"],
        json!(["added types::JobDetailInfoKind::C"])
    );
    assert_eq!(code, 1);
}

#[test]
fn operation_id_renamed() {
    let run = run(
        live(),
        |doc| at(doc, LIST_SUB_JOBS)["operationId"] = json!("ListSubJobsV2"),
        "json",
    );
    let change = only_change(&run.report, "api-operation-id-removed");
    verdicts(change, "compatible", "major");
    let pointer = format!("{LIST_SUB_JOBS}/operationId");
    assert_eq!(change["pointer"], pointer);
    assert_eq!(change["line"], line_of(&run.head_text, &pointer));
    assert_eq!(run.code, 1);
}

#[test]
fn request_parameter_max_decreased() {
    // Relative to the spec's own bound, so that the test holds whatever it is.
    let (report, code) = judge(|doc| {
        let maximum = &mut param_mut(doc, "limit")["schema"]["maximum"];
        *maximum = json!(maximum.as_i64().expect("limit has a maximum") - 1);
    });
    let change = only_change(&report, "request-parameter-max-decreased");
    verdicts(change, "breaking", "major");
    assert_eq!(code, 1);
}

#[test]
fn request_parameter_max_increased() {
    let (report, code) = judge(|doc| {
        let maximum = &mut param_mut(doc, "limit")["schema"]["maximum"];
        *maximum = json!(maximum.as_i64().expect("limit has a maximum") + 100);
    });
    let change = only_change(&report, "request-parameter-max-increased");
    verdicts(change, "compatible", "minor");
    assert_eq!(code, 0);
}

#[test]
fn request_parameter_min_increased() {
    let (report, code) = judge(|doc| {
        let minimum = &mut param_mut(doc, "limit")["schema"]["minimum"];
        *minimum = json!(minimum.as_i64().expect("limit has a minimum") + 4);
    });
    let change = only_change(&report, "request-parameter-min-increased");
    verdicts(change, "breaking", "major");
    // typify's type for limit is no longer NonZeroU32.
    assert!(
        rust_items(change)
            .iter()
            .any(|item| item.starts_with("changed builder::ListSubJobs::limit")),
        "{change:#}"
    );
    assert_eq!(code, 1);
}

#[test]
fn request_parameter_max_length_set() {
    let (report, code) = judge(|doc| param_mut(doc, "job_id")["schema"]["maxLength"] = json!(64));
    let change = only_change(&report, "request-parameter-max-length-set");
    verdicts(change, "breaking", "major");
    assert_eq!(code, 1);
}

#[test]
fn request_parameter_pattern_added() {
    let (report, code) = judge(|doc| {
        param_mut(doc, "job_id")["schema"]["pattern"] = json!("^[0-9a-f-]+$");
    });
    let change = only_change(&report, "request-parameter-pattern-added");
    verdicts(change, "breaking", "major");
    assert_eq!(code, 1);
}

#[test]
fn request_parameter_min_length_unset() {
    let (report, code) = judge(|doc| {
        object(&mut param_mut(doc, "project_id")["schema"]).shift_remove("minLength");
    });
    let change = only_change(&report, "request-parameter-min-length-unset");
    // Compatible on the wire, but the newtype ListSubJobsProjectId goes away.
    verdicts(change, "compatible", "major");
    assert!(
        rust_items(change)
            .iter()
            .any(|item| item.contains("ListSubJobsProjectId")),
        "{change:#}"
    );
    assert_eq!(code, 1);
}

fn name_parameter(required: bool) -> Value {
    json!({
        "name": "xtask_diff_test_name",
        "in": "query",
        "required": required,
        "description": "Sub-job name. Only sub-jobs with this name are returned.",
        "schema": {"type": "string"}
    })
}

#[test]
fn new_optional_request_parameter() {
    let (report, code) = judge(|doc| {
        at(doc, &format!("{LIST_SUB_JOBS}/parameters"))
            .as_array_mut()
            .expect("a list")
            .push(name_parameter(false));
    });
    let change = only_change(&report, "new-optional-request-parameter");
    verdicts(change, "compatible", "minor");
    assert_eq!(code, 0);
}

#[test]
fn new_required_request_parameter() {
    let (report, code) = judge(|doc| {
        at(doc, &format!("{LIST_SUB_JOBS}/parameters"))
            .as_array_mut()
            .expect("a list")
            .push(name_parameter(true));
    });
    let change = only_change(&report, "new-required-request-parameter");
    verdicts(change, "breaking", "major");
    assert_eq!(code, 1);
}

#[test]
fn api_path_removed_without_deprecation() {
    let (report, code) = judge(|doc| {
        object(at(doc, "/paths")).shift_remove("/v1/{project_id}/app-server-sub-jobs");
    });
    let change = only_change(&report, "api-path-removed-without-deprecation");
    verdicts(change, "breaking", "major");
    assert_eq!(change["pointer"], LIST_SUB_JOBS);
    assert_eq!(code, 1);
}

#[test]
fn endpoint_added() {
    let run = run(live(), add_count_operation, "json");
    let change = only_change(&run.report, "endpoint-added");
    verdicts(change, "compatible", "minor");
    let pointer = "/paths/~1v1~1{project_id}~1app-server-sub-jobs~1actions~1xtask-diff-test/get";
    assert_eq!(change["pointer"], pointer);
    assert_eq!(change["line"], line_of(&run.head_text, pointer));
    assert_eq!(run.code, 0);
}

#[test]
fn request_parameter_type_generalized_to_string() {
    let (report, code) = judge(|doc| {
        let schema = object(&mut param_mut(doc, "offset")["schema"]);
        schema.insert("type".into(), json!("string"));
        schema.shift_remove("format");
        schema.shift_remove("minimum");
        schema.insert("default".into(), json!("0"));
    });
    let change = only_change(&report, "request-parameter-type-generalized");
    verdicts(change, "compatible", "major");
    assert_eq!(code, 1);
}

#[test]
fn request_parameter_format_generalized() {
    let (report, code) = judge(|doc| param_mut(doc, "offset")["schema"]["format"] = json!("int64"));
    let change = only_change(&report, "request-parameter-type-generalized");
    verdicts(change, "compatible", "major");
    assert_eq!(code, 1);
}

#[test]
fn response_property_type_changed() {
    let (report, code) = judge(|doc| {
        let count = object(property_mut(doc, "ListSubJobsResponse", "count"));
        count.insert("type".into(), json!("string"));
        count.shift_remove("format");
        count.shift_remove("minimum");
    });
    let change = only_change(&report, "response-property-type-changed");
    verdicts(change, "breaking", "major");
    assert_eq!(code, 1);
}

#[test]
fn response_optional_property_added() {
    let (report, code) = judge(add_optional_foo);
    let change = only_change(&report, "response-optional-property-added");
    verdicts(change, "compatible", "minor");
    assert_eq!(
        change["pointer"],
        "/components/schemas/JobDetailInfo/properties/foo"
    );
    assert_eq!(code, 0);
}

#[test]
fn description_changed() {
    let run = run(
        live(),
        |doc| {
            property_mut(doc, "JobDetailInfo", "id")["description"] =
                json!("Identifies a sub-job (changed wording).");
        },
        "json",
    );
    let change = only_change(&run.report, "description-changed");
    verdicts(change, "compatible", "patch");
    let pointer = "/components/schemas/JobDetailInfo/properties/id/description";
    assert_eq!(change["pointer"], pointer);
    assert_eq!(change["line"], line_of(&run.head_text, pointer));
    assert_eq!(run.code, 0);
}

#[test]
fn example_changed() {
    let (report, code) = judge(|doc| {
        at(
            doc,
            &format!("{LIST_SUB_JOBS}/responses/200/content/application~1json/example"),
        )["count"] = json!(1);
    });
    let change = only_change(&report, "example-changed");
    verdicts(change, "compatible", "patch");
    assert_eq!(code, 0);
}

#[test]
fn response_property_type_specialized() {
    let (report, code) = judge(|doc| {
        property_mut(doc, "JobDetailInfo", "begin_time")["format"] = json!("date-time");
    });
    let change = only_change(&report, "response-property-type-specialized");
    // The field stays a String (the codegen keeps typify from naming chrono).
    verdicts(change, "compatible", "patch");
    assert!(rust_items(change).is_empty(), "{change:#}");
    assert_eq!(code, 0);
}

#[test]
fn response_property_became_not_nullable() {
    let (report, code) = judge(|doc| {
        object(property_mut(doc, "JobDetailInfo", "error_code")).shift_remove("nullable");
    });
    let change = only_change(&report, "response-property-became-not-nullable");
    verdicts(change, "compatible", "patch");
    assert_eq!(code, 0);
}

#[test]
fn response_property_became_nullable() {
    let (report, code) = judge(|doc| {
        property_mut(doc, "JobDetailInfo", "id")["nullable"] = json!(true);
    });
    let change = only_change(&report, "response-property-became-nullable");
    verdicts(change, "breaking", "patch");
    assert_eq!(code, 1);
}

#[test]
fn schema_renamed_is_the_only_change() {
    let (report, code) = judge(|doc| {
        let schemas = object(at(doc, "/components/schemas"));
        let renamed: Map<String, Value> = std::mem::take(schemas)
            .into_iter()
            .map(|(name, schema)| match name.as_str() {
                "JobResourceInfo" => ("JobResource".to_string(), schema),
                _ => (name, schema),
            })
            .collect();
        *schemas = renamed;
        property_mut(doc, "JobDetailInfo", "job_resource_info")["$ref"] =
            json!("#/components/schemas/JobResource");
    });
    let change = only_change(&report, "schema-renamed");
    verdicts(change, "compatible", "major");
    assert_eq!(change["pointer"], "/components/schemas/JobResource");
    assert_eq!(code, 1);
}

#[test]
fn an_inline_schema_moved_into_components_is_no_change() {
    let mut base = live();
    add_count_operation(&mut base);
    let (report, code) = judge_from(base, |doc| {
        object(at(doc, "/components/schemas"))
            .insert("XtaskDiffTestCountResponse".into(), count_schema());
        let count = format!(
            "/paths/{}/get/responses/200/content/application~1json/schema",
            COUNT_PATH.replace('/', "~1")
        );
        *at(doc, &count) = json!({"$ref": "#/components/schemas/XtaskDiffTestCountResponse"});
    });
    assert_eq!(changes(&report).len(), 0, "{report:#}");
    assert_eq!(code, 0);
}

#[test]
fn an_acknowledged_break_passes() {
    let (report, code) = judge(|doc| {
        remove_error_message(doc);
        acknowledge(
            doc,
            json!([{
                "rule": "response-optional-property-removed",
                "at": ERROR_MESSAGE,
                "reason": "gone from the service"
            }]),
        );
    });
    let change = only_change(&report, "response-optional-property-removed");
    assert_eq!(change["acknowledged"], "gone from the service");
    assert_eq!(report["stale_acknowledgements"], json!([]));
    assert_eq!(code, 0);
}

#[test]
fn a_stale_acknowledgement_fails() {
    let (report, code) = judge(|doc| {
        acknowledge(
            doc,
            json!([{
                "rule": "response-optional-property-removed",
                "at": ERROR_MESSAGE,
                "reason": "gone from the service"
            }]),
        );
    });
    assert_eq!(changes(&report).len(), 0, "{report:#}");
    let stale = report["stale_acknowledgements"].as_array().expect("a list");
    assert_eq!(stale.len(), 1, "{report:#}");
    assert_eq!(stale[0]["rule"], "response-optional-property-removed");
    assert_eq!(stale[0]["at"], ERROR_MESSAGE);
    assert_eq!(code, 1);
}

#[test]
fn an_acknowledgement_without_a_reason_is_an_error_at_its_line() {
    let run = run(
        live(),
        |doc| {
            remove_error_message(doc);
            acknowledge(
                doc,
                json!([{"rule": "response-optional-property-removed", "at": ERROR_MESSAGE}]),
            );
        },
        "json",
    );
    assert_eq!(
        run.code, 2,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    let line = line_of(&run.head_text, "/x-acknowledged-changes/0");
    let place = format!("{}:{line}:", run.head_file);
    assert!(
        run.stderr.contains(&place),
        "{place} not in:\n{}",
        run.stderr
    );
    assert!(run.stderr.contains("reason"), "{}", run.stderr);
}

#[test]
fn text_format() {
    let run = run(live(), remove_error_message, "text");
    let lines: Vec<&str> = run.stdout.lines().collect();
    let line = line_of(&run.head_text, ERROR_MESSAGE);
    let change_line = format!(
        "{}:{line} {ERROR_MESSAGE}: response-optional-property-removed: wire breaking, rust major:",
        run.head_file
    );
    assert!(
        lines.iter().any(|l| l.starts_with(&change_line)),
        "no line starts with `{change_line}`:\n{}",
        run.stdout
    );
    let last = lines.last().expect("some output");
    let info_version = live()["info"]["version"]
        .as_str()
        .map(semver)
        .expect("an info.version");
    let crate_needs = format!("needs: crate {} (major", major_bump(workspace_version()));
    assert!(
        last.starts_with(&crate_needs),
        "`{last}` does not start with `{crate_needs}`"
    );
    let info_needs = format!("info.version {}", major_bump(info_version));
    assert!(
        last.contains(&info_needs),
        "`{last}` does not contain `{info_needs}`"
    );
    assert_eq!(run.code, 1);
}

#[test]
fn markdown_format() {
    let run = run(live(), add_optional_foo, "markdown");
    assert!(run.stdout.contains("#### Added"), "{}", run.stdout);
    assert!(
        run.stdout.contains("response-optional-property-added"),
        "{}",
        run.stdout
    );
    assert_eq!(run.code, 0);
}

#[test]
fn an_unknown_revision_is_an_error_naming_it() {
    let revision = "no-such-revision-3f9c";
    let spec = root().join("openapi/workspace-app.yaml");
    let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["diff", "--base", revision, "--format", "json", "--spec"])
        .arg(&spec)
        .output()
        .expect("run xtask diff");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(revision), "{stderr}");
}

#[test]
fn a_yaml_error_is_reported_at_its_place() {
    let head = "openapi: 3.0.3\ninfo:\n  title: t\n  version: [1.0.0\npaths: {}\n";
    let run = run_texts(&pretty(&live()), head, &["--format", "json"]);
    assert_eq!(
        run.code, 2,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    let prefix = format!("{}:", run.head_file);
    let place = run
        .stderr
        .lines()
        .find_map(|line| line.split_once(&prefix).map(|(_, rest)| rest))
        .unwrap_or_else(|| panic!("no `{prefix}` in:\n{}", run.stderr));
    let mut numbers = place.splitn(3, ':');
    let (line, column) = (numbers.next(), numbers.next());
    assert!(
        [line, column]
            .iter()
            .all(|n| n.is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))),
        "no file:line:column in:\n{}",
        run.stderr
    );
}

/// A component schema reached from a request as a parameter's schema and as a body
/// property is judged in both places: a parameter's new default changes what the server does
/// for a caller that leaves it out (breaking), a property's is documentation.
#[test]
fn a_shared_schema_is_judged_as_a_parameter_and_as_a_property() {
    let mut base = live();
    object(at(&mut base, "/components/schemas")).insert(
        "XtaskDiffTestLevel".into(),
        json!({"type": "integer", "format": "int32", "default": 1, "description": "A level."}),
    );
    let level = json!({"$ref": "#/components/schemas/XtaskDiffTestLevel"});
    let mut post = at(&mut base, &format!("{PATH_ITEM}/get")).clone();
    post["operationId"] = json!("XtaskDiffTestPost");
    post["parameters"]
        .as_array_mut()
        .expect("parameters is a list")
        .push(json!({"name": "level", "in": "query", "description": "A level.", "schema": level}));
    post["requestBody"] = json!({
        "description": "The level.",
        "content": {"application/json": {"schema": {
            "type": "object",
            "description": "A body.",
            "properties": {"level": level}
        }}}
    });
    object(at(&mut base, "/paths")).insert(COUNT_PATH.into(), json!({"post": post}));
    let (report, code) = judge_from(base, |doc| {
        schema_mut(doc, "XtaskDiffTestLevel")["default"] = json!(2);
    });
    let [parameter, property] = only_changes(
        &report,
        &[
            "request-parameter-default-value-changed",
            "request-property-default-value-changed",
        ],
    )[..] else {
        unreachable!("only_changes returns one change per rule")
    };
    verdicts(parameter, "breaking", "patch");
    verdicts(property, "compatible", "patch");
    assert_eq!(code, 1);
}

/// A response that says more precisely what it sends breaks no reader: a number becomes an
/// integer, a wide format a narrow one, an untyped property gets its type (oasdiff's
/// `response-property-type-specialized`, INFO).
#[test]
fn response_property_type_specialized_from_a_wider_type() {
    let count = "/components/schemas/ListSubJobsResponse/properties/count";
    for (what, old, new) in [
        (
            "number to integer",
            json!({"type": "number"}),
            json!({"type": "integer"}),
        ),
        (
            "int64 to int32",
            json!({"type": "integer", "format": "int64"}),
            json!({"type": "integer", "format": "int32"}),
        ),
        ("a type given", json!({}), json!({"type": "integer"})),
    ] {
        let mut base = live();
        let set = |doc: &mut Value, schema: &Value| {
            let property = object(at(doc, count));
            for key in ["type", "format", "minimum", "maximum"] {
                property.shift_remove(key);
            }
            property.extend(schema.as_object().expect("an object").clone());
        };
        set(&mut base, &old);
        let (report, code) = judge_from(base, |doc| set(doc, &new));
        let change = only_change(&report, "response-property-type-specialized");
        assert_eq!(change["wire"], "compatible", "{what}: {change:#}");
        assert_eq!(
            code,
            if change["rust"] == "major" { 1 } else { 0 },
            "{what}"
        );
    }
}

/// A request parameter that loses its type takes anything it took before.
#[test]
fn request_parameter_type_removed_is_generalized() {
    let (report, _) = judge(|doc| {
        let schema = object(&mut param_mut(doc, "offset")["schema"]);
        for key in ["type", "format", "minimum", "default"] {
            schema.shift_remove(key);
        }
    });
    let change = only_change(&report, "request-parameter-type-generalized");
    assert_eq!(change["wire"], "compatible", "{change:#}");
}

/// The changelog keeps documentation apart from what callers can observe: a response that
/// bounds what it sends more tightly is a patch, but not documentation.
#[test]
fn markdown_groups_an_observable_patch_apart_from_documentation() {
    let run = run(
        live(),
        |doc| {
            property_mut(doc, "ListSubJobsResponse", "count")["maximum"] = json!(100000);
            property_mut(doc, "ListSubJobsResponse", "count")["description"] = json!("How many.");
        },
        "markdown",
    );
    let section = |title: &str| {
        let (_, after) = run
            .stdout
            .split_once(&format!("#### {title}\n"))
            .unwrap_or_else(|| panic!("no {title} group:\n{}", run.stdout));
        after.split("####").next().unwrap_or_default().to_string()
    };
    assert!(
        section("Changed").contains("response-property-max-set"),
        "{}",
        run.stdout
    );
    assert!(
        section("Documentation").contains("description-changed"),
        "{}",
        run.stdout
    );
    assert!(
        !section("Documentation").contains("max-set"),
        "{}",
        run.stdout
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
}

/// A path parameter renamed in the path and in its definition sends the same request: the
/// wire is unchanged, the builder's setter is renamed.
#[test]
fn request_path_parameter_renamed() {
    let (report, code) = judge(|doc| {
        let paths = object(at(doc, "/paths"));
        let item = paths
            .shift_remove("/v1/{project_id}/app-server-sub-jobs")
            .expect("the path item");
        paths.insert("/v1/{tenant_id}/app-server-sub-jobs".into(), item);
        let get = "/paths/~1v1~1{tenant_id}~1app-server-sub-jobs/get/parameters";
        let parameters = at(doc, get).as_array_mut().expect("a list");
        let project = parameters
            .iter_mut()
            .find(|p| p["name"] == "project_id")
            .expect("project_id");
        project["name"] = json!("tenant_id");
    });
    let change = only_change(&report, "request-path-parameter-renamed");
    verdicts(change, "compatible", "major");
    let items = rust_items(change);
    assert!(
        items.iter().any(|i| i.contains("project_id"))
            && items.iter().any(|i| i.contains("tenant_id")),
        "{change:#}"
    );
    assert_eq!(code, 1);
}

/// The `anyOf` branches of the open enum SubJobStatusValue.
fn status_branches(doc: &mut Value) -> &mut Vec<Value> {
    schema_mut(doc, "SubJobStatusValue")["anyOf"]
        .as_array_mut()
        .expect("anyOf is a list")
}

/// A response whose `anyOf` gains a branch may send what readers do not expect: oasdiff's
/// name, and breaking; losing one is compatible.
#[test]
fn response_property_any_of_added_and_removed() {
    let branch = json!({"type": "integer", "description": "A numeric status."});
    let (report, code) = judge(|doc| {
        status_branches(doc).push(branch.clone());
    });
    // The open enum is no longer one (three branches): its type changes too, reported on
    // its own as the field that holds it (attribution follows the schema, not the field).
    let added = change_with(&report, "response-property-any-of-added");
    assert_eq!(added["wire"], "breaking", "{added:#}");
    assert_eq!(code, 1);

    let mut base = live();
    status_branches(&mut base).push(branch);
    let (report, _) = judge_from(base, |doc| {
        status_branches(doc).pop();
    });
    let removed = change_with(&report, "response-property-any-of-removed");
    assert_eq!(removed["wire"], "compatible", "{removed:#}");
}

/// A removed parameter is shown at the list it was in, not at the parameter that now has
/// its index.
#[test]
fn a_removed_parameter_is_placed_at_its_list() {
    let run = run(
        live(),
        |doc| {
            at(doc, &format!("{LIST_SUB_JOBS}/parameters"))
                .as_array_mut()
                .expect("parameters is a list")
                .retain(|p| p["name"] != "offset");
        },
        "json",
    );
    let change = only_change(&run.report, "request-parameter-removed");
    let list = format!("{LIST_SUB_JOBS}/parameters");
    assert!(
        change["pointer"]
            .as_str()
            .unwrap_or_default()
            .starts_with(&list),
        "{change:#}"
    );
    assert_eq!(change["line"], line_of(&run.head_text, &list), "{change:#}");
}
