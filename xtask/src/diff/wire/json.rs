//! Reading the documents' JSON: a field, a flag, an object, a number; a JSON pointer's
//! segment as the key it names and a pointer in words; values as messages quote them.

use serde_json::Value;

pub(super) fn flag(node: &Value, key: &str) -> bool {
    node.get(key) == Some(&Value::Bool(true))
}

/// The object at `key` of `node`, or an empty one.
pub(super) fn object<'a>(node: &'a Value, key: &str) -> &'a serde_json::Map<String, Value> {
    static EMPTY: std::sync::LazyLock<serde_json::Map<String, Value>> =
        std::sync::LazyLock::new(serde_json::Map::new);
    node.get(key).and_then(Value::as_object).unwrap_or(&EMPTY)
}

pub(super) fn field<'a>(node: &'a Value, key: &str) -> &'a Value {
    node.get(key).unwrap_or(&Value::Null)
}

pub(super) fn str_field<'a>(node: &'a Value, key: &str) -> Option<&'a str> {
    node.get(key).and_then(Value::as_str)
}

pub(super) fn number(node: &Value, key: &str) -> Option<f64> {
    node.get(key).and_then(Value::as_f64)
}

pub(super) fn shown(value: Option<&str>) -> String {
    value.map_or("none".to_string(), |v| format!("`{v}`"))
}

pub(super) fn compact(value: &Value) -> String {
    format!("`{}`", enum_text(value))
}

pub(super) fn enum_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A JSON pointer segment as the key it names (`~1` is `/`, `~0` is `~`).
pub(crate) fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

/// A pointer in words, for messages: `/components/schemas/JobDetailInfo/properties/id` →
/// `JobDetailInfo.id`.
pub(super) fn describe_pointer(pointer: &str) -> String {
    if pointer.is_empty() || pointer == "/info" {
        return "the document".to_string();
    }
    if let Some(rest) = pointer.strip_prefix("/components/schemas/") {
        return format!("schema {}", unescape(&rest.replace("/properties/", ".")));
    }
    format!("`{pointer}`")
}
