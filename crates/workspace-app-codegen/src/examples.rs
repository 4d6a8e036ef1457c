//! Every `example` (and each `examples.*.value`) must validate against its schema.

use serde_json::{Map, Value, json};

use crate::error::{SpecError, SpecErrors};
use crate::lint::{SchemaSite, schema_holders, schema_sites};
use crate::load::{Spec, escape_pointer_segment};

/// Validates each example against the schema beside it, with `$ref`s into
/// `#/components/schemas` resolved and OpenAPI 3.0's `nullable` understood.
pub fn lint_examples(spec: &Spec) -> Result<(), SpecErrors> {
    let components = spec
        .document
        .pointer("/components/schemas")
        .map(to_json_schema)
        .unwrap_or_else(|| json!({}));
    let mut errors = Vec::new();
    let mut check = |schema: &Value, example: &Value, example_pointer: String| {
        errors.extend(validate(
            spec,
            &components,
            schema,
            example,
            &example_pointer,
        ));
    };

    for SchemaSite {
        pointer, schema, ..
    } in schema_sites(&spec.document)
    {
        if let Some(example) = schema.get("example") {
            check(schema, example, format!("{pointer}/example"));
        }
    }
    for (pointer, holder) in schema_holders(&spec.document) {
        let Some(schema) = holder.get("schema") else {
            continue;
        };
        if let Some(example) = holder.get("example") {
            check(schema, example, format!("{pointer}/example"));
        }
        let named = holder.get("examples").and_then(Value::as_object);
        for (name, example) in named.into_iter().flatten() {
            if let Some(value) = example.get("value") {
                let name = escape_pointer_segment(name);
                check(schema, value, format!("{pointer}/examples/{name}/value"));
            }
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(SpecErrors(errors))
    }
}

fn validate(
    spec: &Spec,
    components: &Value,
    schema: &Value,
    example: &Value,
    example_pointer: &str,
) -> Vec<SpecError> {
    // OpenAPI 3.0 schemas are a JSON Schema draft 4 dialect; `$ref`s point into the document,
    // so the components travel along under the same pointer.
    let root = json!({
        "allOf": [to_json_schema(schema)],
        "components": { "schemas": components },
    });
    let validator = match jsonschema::draft4::options().build(&root) {
        Ok(validator) => validator,
        Err(e) => {
            return vec![spec.error_at(
                example_pointer,
                format!("the example's schema is invalid: {e}"),
            )];
        }
    };
    validator
        .iter_errors(example)
        .map(|e| {
            let at = format!("{example_pointer}{}", e.instance_path().as_str());
            spec.error_at(&at, format!("example does not match its schema: {e}"))
        })
        .collect()
}

/// OpenAPI 3.0 → JSON Schema: `nullable: true` becomes a `null` alternative.
fn to_json_schema(node: &Value) -> Value {
    match node {
        Value::Object(map) => {
            let mut out: Map<String, Value> = map
                .iter()
                .map(|(k, v)| (k.clone(), to_json_schema(v)))
                .collect();
            // Only the keyword: a property that happens to be named `nullable` is an object.
            if out.get("nullable") == Some(&Value::Bool(true)) {
                out.remove("nullable");
                if let Some(Value::String(ty)) = out.get("type").cloned() {
                    out.insert("type".into(), json!([ty, "null"]));
                }
                if let Some(Value::Array(values)) = out.get_mut("enum") {
                    values.push(Value::Null);
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(to_json_schema).collect()),
        other => other.clone(),
    }
}
