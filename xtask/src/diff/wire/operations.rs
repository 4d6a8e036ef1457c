//! Operation by operation (one operation: one method and path, whatever its path parameters
//! are called): added, removed, its operationId, parameters, request body, responses and
//! their media types; each schema met is compared by `schemas`.

use heck::ToSnakeCase;
use serde_json::Value;
use workspace_app_codegen::{OperationSite, escape_pointer_segment, follow_refs, operation_sites};

use crate::diff::change::{Bump, Claim};

use super::context::{Context, Direction, Place};
use super::json::{flag, object, str_field};
use super::walk::{Node, Walk};

impl<'a> Walk<'a> {
    pub(super) fn operations(&mut self) {
        let base: Vec<OperationSite<'a>> = operation_sites(self.base).collect();
        let head: Vec<OperationSite<'a>> = operation_sites(self.head).collect();
        for old in &base {
            let Some(new) = head.iter().find(|new| same_operation(old, new)) else {
                self.operation_removed(old, &head);
                continue;
            };
            self.operation(old, new);
        }
        for new in &head {
            if !base.iter().any(|old| same_operation(old, new)) {
                let id = operation_id(new);
                self.push(
                    "endpoint-added",
                    &new.pointer(),
                    Bump::Minor,
                    Bump::Minor,
                    format!("added the operation {id} ({})", endpoint(new)),
                    vec![Claim::Operation(id.to_snake_case())],
                );
            }
        }
    }

    fn operation_removed(&mut self, old: &OperationSite<'a>, head: &[OperationSite<'a>]) {
        let deprecated = old.operation.get("deprecated") == Some(&Value::Bool(true));
        let path_gone = !head.iter().any(|new| same_path(old.path, new.path));
        let rule = match (path_gone, deprecated) {
            (true, false) => "api-path-removed-without-deprecation",
            (true, true) => "api-path-removed-with-deprecation",
            (false, false) => "api-removed-without-deprecation",
            (false, true) => "api-removed-with-deprecation",
        };
        let wire = if deprecated { Bump::Minor } else { Bump::Major };
        let id = operation_id(old);
        self.push(
            rule,
            &old.pointer(),
            wire,
            Bump::Major,
            format!("removed the operation {id} ({})", endpoint(old)),
            vec![Claim::Operation(id.to_snake_case())],
        );
        self.gone();
    }

    fn operation(&mut self, old: &OperationSite<'a>, new: &OperationSite<'a>) {
        let (old_id, new_id) = (operation_id(old), operation_id(new));
        let pointer = new.pointer();
        if old_id != new_id {
            // The generated method and builder take their names from the operationId.
            self.push(
                "api-operation-id-removed",
                &format!("{pointer}/operationId"),
                Bump::Patch,
                Bump::Major,
                format!(
                    "the operationId {old_id} was replaced with {new_id} ({}): the client's method and builder are renamed",
                    endpoint(new)
                ),
                vec![
                    Claim::Operation(old_id.to_snake_case()),
                    Claim::Operation(new_id.to_snake_case()),
                ],
            );
        }
        let claims = vec![Claim::Operation(new_id.to_snake_case())];
        self.documentation(old.operation, new.operation, &pointer, &claims);
        let (was, is) = (deprecated(old.operation), deprecated(new.operation));
        if was != is {
            let state = if is { "deprecated" } else { "reactivated" };
            self.push(
                format!("endpoint-{state}"),
                &format!("{pointer}/deprecated"),
                Bump::Patch,
                Bump::Patch,
                format!("the operation {new_id} was {state}"),
                claims.clone(),
            );
        }
        self.parameters(old, new, new_id);
        self.request_body(old, new, new_id);
        self.responses(old, new, new_id);
    }

    fn parameters(&mut self, old: &OperationSite<'a>, new: &OperationSite<'a>, id: &str) {
        let (base, head) = (parameters(self.base, old), parameters(self.head, new));
        for (key, old_node) in &base {
            let location = &key.0;
            let name = parameter_name(old_node);
            let subject = format!("the {location} parameter {name} of {id}");
            let old_node: &Node<'_> = old_node;
            let claims = vec![
                Claim::Setter {
                    operation: id.to_snake_case(),
                    parameter: name.to_snake_case(),
                },
                Claim::Operation(id.to_snake_case()),
            ];
            let Some((_, new_node)) = head.iter().find(|(k, _)| k == key) else {
                let deprecated = deprecated(old_node.value);
                let rule = if deprecated {
                    "request-parameter-removed-with-deprecation"
                } else {
                    "request-parameter-removed"
                };
                let wire = if deprecated { Bump::Minor } else { Bump::Major };
                self.push(
                    rule,
                    &old_node.pointer,
                    wire,
                    Bump::Major,
                    format!("deleted {subject}"),
                    claims,
                );
                self.gone();
                continue;
            };
            let new_name = parameter_name(new_node);
            if new_name != name {
                // The same place in the path: the request is the same, the setter is not.
                self.push(
                    "request-path-parameter-renamed",
                    &format!("{}/name", new_node.pointer),
                    Bump::Patch,
                    Bump::Patch,
                    format!("renamed {subject} to {new_name}"),
                    vec![
                        Claim::Setter {
                            operation: id.to_snake_case(),
                            parameter: new_name.to_snake_case(),
                        },
                        claims[0].clone(),
                        Claim::Operation(id.to_snake_case()),
                    ],
                );
            }
            let (was, is) = (required(old_node.value), required(new_node.value));
            if was != is {
                let (rule, wire, rust) = if is {
                    // Calls that do not set it now fail before sending.
                    (
                        "request-parameter-became-required",
                        Bump::Major,
                        Bump::Major,
                    )
                } else {
                    (
                        "request-parameter-became-optional",
                        Bump::Minor,
                        Bump::Minor,
                    )
                };
                self.push(
                    rule,
                    &format!("{}/required", new_node.pointer),
                    wire,
                    rust,
                    format!(
                        "{subject} became {}",
                        if is { "required" } else { "optional" }
                    ),
                    claims.clone(),
                );
            }
            self.documentation(old_node.value, new_node.value, &new_node.pointer, &claims);
            let context = Context {
                direction: Direction::Request,
                place: Place::Parameter,
                operation: id.to_string(),
                target: subject,
                path: String::new(),
                parameter: Some(new_name),
                open: false,
            };
            self.schema_of(old_node, new_node, &context);
        }
        for (key, new_node) in &head {
            if base.iter().any(|(k, _)| k == key) {
                continue;
            }
            let location = &key.0;
            let name = parameter_name(new_node);
            let (rule, wire, rust) = if location == "path" {
                ("new-request-path-parameter", Bump::Major, Bump::Major)
            } else if required(new_node.value) {
                ("new-required-request-parameter", Bump::Major, Bump::Major)
            } else {
                ("new-optional-request-parameter", Bump::Minor, Bump::Minor)
            };
            let kind = if required(new_node.value) {
                "required"
            } else {
                "optional"
            };
            self.push(
                rule,
                &new_node.pointer,
                wire,
                rust,
                format!("added the new {kind} {location} parameter {name} to {id}"),
                vec![
                    Claim::Setter {
                        operation: id.to_snake_case(),
                        parameter: name.to_snake_case(),
                    },
                    Claim::Operation(id.to_snake_case()),
                ],
            );
        }
    }

    fn request_body(&mut self, old: &OperationSite<'a>, new: &OperationSite<'a>, id: &str) {
        let old_pointer = format!("{}/requestBody", old.pointer());
        let new_pointer = format!("{}/requestBody", new.pointer());
        let base = old
            .operation
            .get("requestBody")
            .map(|_| follow_refs(self.base, old_pointer));
        let head = new
            .operation
            .get("requestBody")
            .map(|_| follow_refs(self.head, new_pointer));
        let claims = vec![Claim::Operation(id.to_snake_case())];
        match (base, head) {
            (None, None) => {}
            (Some((pointer, _)), None) => {
                self.push(
                    "request-body-removed",
                    &pointer,
                    Bump::Major,
                    Bump::Major,
                    format!("removed the request body of {id}"),
                    claims,
                );
                self.gone();
            }
            (None, Some((pointer, body))) => {
                let (rule, wire) = if required(body) {
                    ("request-body-added-required", Bump::Major)
                } else {
                    ("request-body-added-optional", Bump::Minor)
                };
                self.push(
                    rule,
                    &pointer,
                    wire,
                    wire,
                    format!("added a request body to {id}"),
                    claims,
                );
            }
            (Some((old_pointer, old_body)), Some((new_pointer, new_body))) => {
                let (was, is) = (required(old_body), required(new_body));
                if was != is {
                    let (state, bump) = if is {
                        ("required", Bump::Major)
                    } else {
                        ("optional", Bump::Minor)
                    };
                    self.push(
                        format!("request-body-became-{state}"),
                        &format!("{new_pointer}/required"),
                        bump,
                        bump,
                        format!("the request body of {id} became {state}"),
                        claims.clone(),
                    );
                }
                self.documentation(old_body, new_body, &new_pointer, &claims);
                let context = Context {
                    direction: Direction::Request,
                    place: Place::Body,
                    operation: id.to_string(),
                    target: format!("the request body of {id}"),
                    path: String::new(),
                    parameter: None,
                    open: false,
                };
                self.content(
                    &Node {
                        pointer: old_pointer,
                        value: old_body,
                    },
                    &Node {
                        pointer: new_pointer,
                        value: new_body,
                    },
                    &context,
                    "request-body",
                );
            }
        }
    }

    fn responses(&mut self, old: &OperationSite<'a>, new: &OperationSite<'a>, id: &str) {
        let (base, head) = (
            object(old.operation, "responses"),
            object(new.operation, "responses"),
        );
        let claims = vec![Claim::Operation(id.to_snake_case())];
        for status in base.keys() {
            if !head.contains_key(status) {
                let success = status.starts_with('2');
                let (rule, wire) = if success {
                    ("response-success-status-removed", Bump::Major)
                } else {
                    ("response-non-success-status-removed", Bump::Patch)
                };
                self.push(
                    rule,
                    &format!(
                        "{}/responses/{}",
                        old.pointer(),
                        escape_pointer_segment(status)
                    ),
                    wire,
                    Bump::Patch,
                    format!("removed the response with the status {status} from {id}"),
                    claims.clone(),
                );
                self.gone();
            }
        }
        for status in head.keys() {
            let new_pointer = format!(
                "{}/responses/{}",
                new.pointer(),
                escape_pointer_segment(status)
            );
            if !base.contains_key(status) {
                let rule = if status.starts_with('2') {
                    "response-success-status-added"
                } else {
                    "response-non-success-status-added"
                };
                self.push(
                    rule,
                    &new_pointer,
                    Bump::Minor,
                    Bump::Minor,
                    format!("added the response with the status {status} to {id}"),
                    claims.clone(),
                );
                continue;
            }
            let old_pointer = format!(
                "{}/responses/{}",
                old.pointer(),
                escape_pointer_segment(status)
            );
            let (old_pointer, old_response) = follow_refs(self.base, old_pointer);
            let (new_pointer, new_response) = follow_refs(self.head, new_pointer);
            self.documentation(old_response, new_response, &new_pointer, &claims);
            let context = Context {
                direction: Direction::Response,
                place: Place::Body,
                operation: id.to_string(),
                target: format!("the {status} response of {id}"),
                path: String::new(),
                parameter: None,
                open: false,
            };
            self.content(
                &Node {
                    pointer: old_pointer,
                    value: old_response,
                },
                &Node {
                    pointer: new_pointer,
                    value: new_response,
                },
                &context,
                "response",
            );
        }
    }

    /// The media types of a request body or a response, and the schema of the JSON one.
    fn content(&mut self, old: &Node<'_>, new: &Node<'_>, context: &Context, prefix: &str) {
        let (base, head) = (object(old.value, "content"), object(new.value, "content"));
        let claims = vec![Claim::Operation(context.operation_key())];
        for media in base.keys() {
            if !head.contains_key(media) {
                self.push(
                    format!("{prefix}-media-type-removed"),
                    &format!("{}/content/{}", old.pointer, escape_pointer_segment(media)),
                    Bump::Major,
                    Bump::Patch,
                    format!("removed the media type {media} from {}", context.subject()),
                    claims.clone(),
                );
                self.gone();
            }
        }
        for (media, new_media) in head {
            let new_pointer = format!("{}/content/{}", new.pointer, escape_pointer_segment(media));
            let Some(old_media) = base.get(media) else {
                self.push(
                    format!("{prefix}-media-type-added"),
                    &new_pointer,
                    Bump::Minor,
                    Bump::Patch,
                    format!("added the media type {media} to {}", context.subject()),
                    claims.clone(),
                );
                continue;
            };
            let old_pointer = format!("{}/content/{}", old.pointer, escape_pointer_segment(media));
            self.documentation(old_media, new_media, &new_pointer, &claims);
            self.schema_of(
                &Node {
                    pointer: old_pointer,
                    value: old_media,
                },
                &Node {
                    pointer: new_pointer,
                    value: new_media,
                },
                context,
            );
        }
    }
}

/// The parameters of an operation with those of its path item (the operation's own win),
/// keyed by `(in, name)`, or `(path, {n})` for the path template's n-th parameter.
fn parameters<'a>(
    document: &'a Value,
    site: &OperationSite<'a>,
) -> Vec<((String, String), Node<'a>)> {
    site.parameters(document)
        .into_iter()
        .map(|parameter| {
            let (location, name) = (parameter.location(), parameter.name());
            // A path parameter is its place in the path: renamed, it is the same on the wire.
            let place = (location == "path")
                .then(|| path_position(site.path, name))
                .flatten();
            let key = (
                location.to_string(),
                place.unwrap_or_else(|| name.to_string()),
            );
            let node = Node {
                pointer: parameter.pointer,
                value: parameter.parameter,
            };
            (key, node)
        })
        .collect()
}

/// `{n}` for the path template's n-th parameter `name`, counted from 0.
fn path_position(path: &str, name: &str) -> Option<String> {
    path.split('{')
        .skip(1)
        .position(|rest| rest.split_once('}').is_some_and(|(n, _)| n == name))
        .map(|n| format!("{{{n}}}"))
}

/// Two operations are one when their method and path are, whatever the path parameters
/// are called.
fn same_operation(a: &OperationSite<'_>, b: &OperationSite<'_>) -> bool {
    a.method == b.method && same_path(a.path, b.path)
}

fn same_path(a: &str, b: &str) -> bool {
    template(a) == template(b)
}

/// `/v1/{project_id}/x` → `/v1/{}/x`.
fn template(path: &str) -> String {
    let mut out = String::new();
    let mut in_braces = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_braces = true;
                out.push_str("{}");
            }
            '}' => in_braces = false,
            _ if in_braces => {}
            _ => out.push(c),
        }
    }
    out
}

fn parameter_name(node: &Node<'_>) -> String {
    str_field(node.value, "name")
        .unwrap_or_default()
        .to_string()
}

fn operation_id<'a>(site: &OperationSite<'a>) -> &'a str {
    str_field(site.operation, "operationId").unwrap_or("?")
}

fn endpoint(site: &OperationSite<'_>) -> String {
    format!("{} {}", site.method.to_uppercase(), site.path)
}

fn deprecated(node: &Value) -> bool {
    flag(node, "deprecated")
}

fn required(node: &Value) -> bool {
    flag(node, "required")
}
