//! Structural checks that progenitor does not make, or makes with unhelpful messages: every
//! `$ref` resolves, every operation has a unique operationId, and every parameter, schema and
//! property is described. Cheap enough to run on every build.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::error::{SpecError, SpecErrors};
use crate::load::{Spec, escape_pointer_segment};

/// The methods an OpenAPI path item may hold, in the order operations are listed.
const HTTP_METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// Runs every structural check; all problems are reported at once.
pub fn lint_structure(spec: &Spec) -> Result<(), SpecErrors> {
    let mut errors = Vec::new();
    check_refs(spec, &spec.document, String::new(), &mut errors);
    check_operations(spec, &mut errors);
    for site in schema_sites(&spec.document) {
        check_schema_description(spec, &site, &mut errors);
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(SpecErrors(errors))
    }
}

fn check_refs(spec: &Spec, node: &Value, pointer: String, errors: &mut Vec<SpecError>) {
    match node {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref") {
                let here = format!("{pointer}/$ref");
                match target.strip_prefix('#') {
                    Some(target_pointer) if spec.document.pointer(target_pointer).is_some() => {}
                    Some(_) => errors.push(spec.error_at(
                        &here,
                        format!("`$ref: {target}` points at nothing in this document"),
                    )),
                    None => errors.push(spec.error_at(
                        &here,
                        format!(
                            "`$ref: {target}` is external; only `#/...` references are supported"
                        ),
                    )),
                }
            }
            for (key, value) in map {
                check_refs(
                    spec,
                    value,
                    format!("{pointer}/{}", escape_pointer_segment(key)),
                    errors,
                );
            }
        }
        Value::Array(items) => {
            for (i, value) in items.iter().enumerate() {
                check_refs(spec, value, format!("{pointer}/{i}"), errors);
            }
        }
        _ => {}
    }
}

/// The operation's extension that says whether it may be retried after the service may have
/// acted on it, when its method does not say (a POST that is idempotent by design), or says
/// otherwise. Read into `spec::operations`.
pub const IDEMPOTENT_EXTENSION: &str = "x-idempotent";

fn check_operations(spec: &Spec, errors: &mut Vec<SpecError>) {
    let mut seen: BTreeMap<&str, String> = BTreeMap::new();
    for (pointer, operation) in operations(&spec.document) {
        match operation.get("operationId").and_then(Value::as_str) {
            None => errors.push(spec.error_at(&pointer, "operation has no operationId")),
            Some(id) => {
                if let Some(first) = seen.insert(id, pointer.clone()) {
                    errors.push(spec.error_at(
                        &format!("{pointer}/operationId"),
                        format!("operationId `{id}` is also used by {first}"),
                    ));
                }
            }
        }
        if operation
            .get(IDEMPOTENT_EXTENSION)
            .is_some_and(|marked| !marked.is_boolean())
        {
            errors.push(spec.error_at(
                &format!("{pointer}/{IDEMPOTENT_EXTENSION}"),
                format!("`{IDEMPOTENT_EXTENSION}` is `true` or `false`"),
            ));
        }
        let parameters = operation.get("parameters").and_then(Value::as_array);
        for (i, parameter) in parameters.into_iter().flatten().enumerate() {
            if parameter.get("$ref").is_none() && !has_description(parameter) {
                let name = parameter.get("name").and_then(Value::as_str).unwrap_or("?");
                errors.push(spec.error_at(
                    &format!("{pointer}/parameters/{i}"),
                    format!("parameter `{name}` has no description"),
                ));
            }
        }
    }
}

/// Every operation object, with its JSON pointer.
pub fn operations(document: &Value) -> Vec<(String, &Value)> {
    operation_sites(document)
        .map(|site| (site.pointer(), site.operation))
        .collect()
}

/// Where an operation object sits: its path, path item and method.
#[derive(Debug, Clone, Copy)]
pub struct OperationSite<'a> {
    /// The path template, e.g. `/v1/{project_id}/app-server-sub-jobs`.
    pub path: &'a str,
    /// The path item holding the operation (and parameters common to its operations).
    pub item: &'a Value,
    /// Lower case, e.g. `get`.
    pub method: &'static str,
    /// The operation object.
    pub operation: &'a Value,
}

impl<'a> OperationSite<'a> {
    /// The operation's JSON pointer, e.g. `/paths/~1v1~1{project_id}~1app-server-sub-jobs/get`.
    pub fn pointer(&self) -> String {
        format!(
            "/paths/{}/{}",
            escape_pointer_segment(self.path),
            self.method
        )
    }

    /// The parameters that apply to the operation, `$ref`s followed: the path item's, then
    /// the operation's own, which replace a path item's with the same `in` and `name`.
    pub fn parameters(&self, document: &'a Value) -> Vec<ParameterSite<'a>> {
        let operation = self.pointer();
        let item = operation
            .rsplit_once('/')
            .map_or(String::new(), |(item, _)| item.to_string());
        let mut found: Vec<ParameterSite<'a>> = Vec::new();
        for (holder, pointer) in [(self.item, item), (self.operation, operation)] {
            let count = holder
                .get("parameters")
                .and_then(Value::as_array)
                .map_or(0, Vec::len);
            for i in 0..count {
                let (pointer, parameter) =
                    follow_refs(document, format!("{pointer}/parameters/{i}"));
                let site = ParameterSite { pointer, parameter };
                found.retain(|seen| {
                    (seen.location(), seen.name()) != (site.location(), site.name())
                });
                found.push(site);
            }
        }
        found
    }
}

/// A parameter of an operation: where it is defined (its `$ref`s followed) and what it says.
#[derive(Debug, Clone)]
pub struct ParameterSite<'a> {
    pub pointer: String,
    pub parameter: &'a Value,
}

impl ParameterSite<'_> {
    /// Its `in`: `query`, `path`, `header` or `cookie` (empty if the spec leaves it out).
    pub fn location(&self) -> &str {
        self.parameter
            .get("in")
            .and_then(Value::as_str)
            .unwrap_or("")
    }

    pub fn name(&self) -> &str {
        self.parameter
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
    }
}

/// The node at `pointer` with its `$ref`s followed (at most 32, for a cycle of references),
/// and the pointer of where it is defined.
pub fn follow_refs(document: &Value, mut pointer: String) -> (String, &Value) {
    let mut node = document.pointer(&pointer).unwrap_or(&Value::Null);
    for _ in 0..32 {
        let Some(target) = node
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
        else {
            break;
        };
        let Some(next) = document.pointer(target) else {
            break;
        };
        pointer = target.to_string();
        node = next;
    }
    (pointer, node)
}

/// Every operation object of the document's paths, in the spec's order.
pub fn operation_sites(document: &Value) -> impl Iterator<Item = OperationSite<'_>> {
    let paths = document.get("paths").and_then(Value::as_object);
    paths.into_iter().flatten().flat_map(|(path, item)| {
        HTTP_METHODS.iter().filter_map(move |&method| {
            Some(OperationSite {
                path,
                item,
                method,
                operation: item.get(method)?,
            })
        })
    })
}

/// Where a schema object sits and what role it plays there.
#[derive(Debug)]
pub struct SchemaSite<'a> {
    pub pointer: String,
    pub schema: &'a Value,
    /// `Some(name)` for a named component schema or an object property.
    pub named: Option<String>,
}

/// Every schema object in the document (components, parameters, media types, and everything
/// nested in them), with its JSON pointer.
pub fn schema_sites(document: &Value) -> Vec<SchemaSite<'_>> {
    let mut sites = Vec::new();
    let components = document
        .pointer("/components/schemas")
        .and_then(Value::as_object);
    for (name, schema) in components.into_iter().flatten() {
        let pointer = format!("/components/schemas/{}", escape_pointer_segment(name));
        collect_schemas(schema, pointer, Some(name.clone()), &mut sites);
    }
    for (pointer, holder) in schema_holders(document) {
        if let Some(schema) = holder.get("schema") {
            collect_schemas(schema, format!("{pointer}/schema"), None, &mut sites);
        }
    }
    sites
}

/// Parameters, headers and media types: the objects that carry a `schema` (and may carry
/// `example`/`examples` for it), with their JSON pointers.
pub fn schema_holders(document: &Value) -> Vec<(String, &Value)> {
    let mut holders = Vec::new();
    collect_holders(document, String::new(), &mut holders);
    holders
}

fn collect_holders<'a>(node: &'a Value, pointer: String, out: &mut Vec<(String, &'a Value)>) {
    let Value::Object(map) = node else {
        if let Value::Array(items) = node {
            for (i, item) in items.iter().enumerate() {
                collect_holders(item, format!("{pointer}/{i}"), out);
            }
        }
        return;
    };
    if map.contains_key("schema") {
        out.push((pointer.clone(), node));
    }
    for (key, value) in map {
        // Schemas are walked by `collect_schemas`; an example is data, not document structure.
        if matches!(key.as_str(), "schema" | "schemas" | "example" | "examples") {
            continue;
        }
        collect_holders(
            value,
            format!("{pointer}/{}", escape_pointer_segment(key)),
            out,
        );
    }
}

fn collect_schemas<'a>(
    schema: &'a Value,
    pointer: String,
    named: Option<String>,
    out: &mut Vec<SchemaSite<'a>>,
) {
    let Some(map) = schema.as_object() else {
        return;
    };
    out.push(SchemaSite {
        pointer: pointer.clone(),
        schema,
        named,
    });
    if let Some(properties) = map.get("properties").and_then(Value::as_object) {
        for (name, property) in properties {
            let child = format!("{pointer}/properties/{}", escape_pointer_segment(name));
            collect_schemas(property, child, Some(name.clone()), out);
        }
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(child) = map.get(key) {
            collect_schemas(child, format!("{pointer}/{key}"), None, out);
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        let children = map.get(key).and_then(Value::as_array);
        for (i, child) in children.into_iter().flatten().enumerate() {
            collect_schemas(child, format!("{pointer}/{key}/{i}"), None, out);
        }
    }
}

fn check_schema_description(spec: &Spec, site: &SchemaSite<'_>, errors: &mut Vec<SpecError>) {
    let Some(name) = &site.named else {
        return;
    };
    // A `$ref` property takes its description from the schema it points at, which is checked
    // in its own right.
    if site.schema.get("$ref").is_some() || has_description(site.schema) {
        return;
    }
    let what = if site.pointer.contains("/properties/") {
        "property"
    } else {
        "schema"
    };
    errors.push(spec.error_at(&site.pointer, format!("{what} `{name}` has no description")));
}

fn has_description(node: &Value) -> bool {
    node.get("description")
        .and_then(Value::as_str)
        .is_some_and(|d| !d.trim().is_empty())
}
