//! Documents the generators' unit tests share.

use serde_json::json;

/// `ListThings` with two list query parameters, `names` sent as one comma-separated value
/// (`explode: false`) and `tags` as repeated keys, and a string `one`.
pub(crate) fn lists() -> serde_json::Value {
    json!({"paths": {"/v1/{project_id}/things": {"get": {
        "operationId": "ListThings",
        "parameters": [
            {"name": "names", "in": "query", "explode": false,
             "schema": {"type": "array", "items": {"type": "string"}}},
            {"name": "tags", "in": "query",
             "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Tag"}}},
            {"name": "one", "in": "query", "schema": {"type": "string"}}
        ]
    }}}, "components": {"schemas": {"Tag": {"type": "string"}}}})
}
