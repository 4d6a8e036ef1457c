//! The spec-level comparison: operation by operation, parameter by parameter, schema by
//! schema (following `$ref`s, so a schema moved into `components` unchanged is no change),
//! each difference named by a rule with its wire verdict and the least it means for Rust.
//!
//! Rule names are oasdiff's where one fits (`checker/rules.go`), and so are the wire
//! verdicts, with its warnings (`WARN`: "may break clients") counted as breaking: a gate
//! should ask. Where oasdiff has no rule, the name follows its pattern.

use std::collections::{BTreeSet, HashSet};

use heck::{ToPascalCase, ToSnakeCase};
use serde_json::Value;
use workspace_app_codegen::{OperationSite, escape_pointer_segment, follow_refs, operation_sites};

use super::{Bump, Change, Claim, DESCRIPTION_CHANGED, EXAMPLE_CHANGED, Sides};

/// Every change from `sides.base` to `sides.head`, in document order.
pub fn changes(sides: &Sides<'_>) -> Vec<Change> {
    let mut walk = Walk {
        base: &sides.base.document,
        head: &sides.head.document,
        changes: Vec::new(),
        seen: HashSet::new(),
    };
    walk.info();
    walk.servers();
    walk.operations();
    walk.renamed_schemas();
    walk.changes
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Direction {
    Request,
    Response,
}

/// What a schema is the schema of, for the rule's prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Place {
    Parameter,
    Body,
    Property,
}

/// Where the walk is: which operation, which side of it, which part.
#[derive(Debug, Clone)]
struct Context {
    direction: Direction,
    place: Place,
    /// The operationId, as written.
    operation: String,
    /// What the walk is in, in words: "the query parameter limit of ListSubJobs", "the 200
    /// response of ListSubJobs".
    target: String,
    /// Where in the target's schema, e.g. `items[].status`; empty at its root.
    path: String,
    /// The parameter's name, inside a parameter's schema.
    parameter: Option<String>,
    /// Inside an `anyOf`/`oneOf` with a plain string branch: an enum the service may extend
    /// (the client keeps unknown values, `Extensible<T>`).
    open: bool,
}

impl Context {
    fn prefix(&self) -> &'static str {
        match (self.direction, self.place) {
            (Direction::Request, Place::Parameter) => "request-parameter",
            (Direction::Request, Place::Body) => "request-body",
            (Direction::Request, Place::Property) => "request-property",
            (Direction::Response, Place::Body) => "response-body",
            (Direction::Response, Place::Property) => "response-property",
            // A response has no parameters.
            (Direction::Response, Place::Parameter) => "response-property",
        }
    }

    fn operation_key(&self) -> String {
        self.operation.to_snake_case()
    }

    /// What the schema is, in words: "`items[].status` of the 200 response of ListSubJobs".
    fn subject(&self) -> String {
        if self.path.is_empty() {
            self.target.clone()
        } else {
            format!("`{}` of {}", self.path, self.target)
        }
    }

    /// A property of this schema.
    fn property(&self, name: &str) -> Context {
        let path = if self.path.is_empty() {
            name.to_string()
        } else {
            format!("{}.{name}", self.path)
        };
        Context {
            place: Place::Property,
            path,
            open: false,
            ..self.clone()
        }
    }

    fn nested(&self, suffix: &str) -> Context {
        Context {
            path: format!("{}{suffix}", self.path),
            ..self.clone()
        }
    }
}

struct Walk<'a> {
    base: &'a Value,
    head: &'a Value,
    changes: Vec<Change>,
    /// Schema pairs already compared, so a shared schema is judged once per direction and
    /// place (a parameter's rules are not a property's) and a recursive one ends.
    seen: HashSet<(String, String, Direction, Place, bool)>,
}

/// A node of one of the documents and where it is.
#[derive(Debug, Clone)]
struct Node<'a> {
    pointer: String,
    value: &'a Value,
}

impl<'a> Walk<'a> {
    fn push(
        &mut self,
        rule: impl Into<String>,
        pointer: &str,
        wire: Bump,
        rust: Bump,
        message: String,
        claims: Vec<Claim>,
    ) {
        self.changes.push(Change {
            rule: rule.into(),
            pointer: pointer.to_string(),
            message,
            wire,
            rust,
            rust_items: Vec::new(),
            claims,
            in_base: false,
        });
    }

    /// The change just pushed points into the base document: what it names is gone.
    fn gone(&mut self) {
        if let Some(change) = self.changes.last_mut() {
            change.in_base = true;
        }
    }

    /// Description, summary, title and examples: documentation, a patch wherever it is.
    fn documentation(&mut self, base: &Value, head: &Value, pointer: &str, claims: &[Claim]) {
        for key in ["summary", "description", "title"] {
            if base.get(key) != head.get(key) {
                self.push(
                    DESCRIPTION_CHANGED,
                    &format!("{pointer}/{key}"),
                    Bump::Patch,
                    Bump::Patch,
                    format!("the {key} of {} changed", describe_pointer(pointer)),
                    claims.to_vec(),
                );
            }
        }
        for key in ["example", "examples"] {
            if base.get(key) != head.get(key) {
                self.push(
                    EXAMPLE_CHANGED,
                    &format!("{pointer}/{key}"),
                    Bump::Patch,
                    Bump::Patch,
                    format!("the {key} of {} changed", describe_pointer(pointer)),
                    claims.to_vec(),
                );
            }
        }
    }

    fn info(&mut self) {
        let (base, head) = (field(self.base, "info"), field(self.head, "info"));
        self.documentation(base, head, "/info", &[]);
    }

    /// The regions the spec's servers list: the client's `.region(..)` accepts exactly these.
    fn servers(&mut self) {
        let (base, head) = (regions(self.base), regions(self.head));
        for (region, pointer) in &base {
            if !head.iter().any(|(r, _)| r == region) {
                self.push(
                    "server-region-removed",
                    pointer,
                    Bump::Major,
                    Bump::Major,
                    format!(
                        "the region `{region}` is no longer served: `.region(\"{region}\")` fails"
                    ),
                    Vec::new(),
                );
                self.gone();
            }
        }
        for (region, pointer) in &head {
            if !base.iter().any(|(r, _)| r == region) {
                self.push(
                    "server-region-added",
                    pointer,
                    Bump::Minor,
                    Bump::Minor,
                    format!("the region `{region}` was added"),
                    Vec::new(),
                );
            }
        }
    }

    fn operations(&mut self) {
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

    /// The `schema` of a parameter or a media type.
    fn schema_of(&mut self, old: &Node<'_>, new: &Node<'_>, context: &Context) {
        if old.value.get("schema").is_none() && new.value.get("schema").is_none() {
            return;
        }
        self.schema(
            format!("{}/schema", old.pointer),
            format!("{}/schema", new.pointer),
            context,
        );
    }

    /// Compares two schemas, `$ref`s followed on both sides.
    fn schema(&mut self, old_pointer: String, new_pointer: String, context: &Context) {
        let (old_pointer, old) = follow_refs(self.base, old_pointer);
        let (new_pointer, new) = follow_refs(self.head, new_pointer);
        let key = (
            old_pointer.clone(),
            new_pointer.clone(),
            context.direction,
            context.place,
            context.open,
        );
        if !self.seen.insert(key) {
            return;
        }
        let claims = claims_at(&new_pointer, None, context);
        self.documentation(old, new, &new_pointer, &claims);
        if !self.types(old, new, &new_pointer, context, &claims) {
            // A schema of another type: its parts cannot be compared.
            return;
        }
        self.nullable(old, new, &new_pointer, context, &claims);
        self.enum_values(old, new, &new_pointer, context);
        self.bounds(old, new, &new_pointer, context, &claims);
        self.pattern(old, new, &new_pointer, context, &claims);
        self.default(old, new, &new_pointer, context, &claims);
        self.properties(old, new, (&old_pointer, &new_pointer), context);
        if old.get("items").is_some() || new.get("items").is_some() {
            self.schema(
                format!("{old_pointer}/items"),
                format!("{new_pointer}/items"),
                &context.nested("[]"),
            );
        }
        if old
            .get("additionalProperties")
            .is_some_and(Value::is_object)
            && new
                .get("additionalProperties")
                .is_some_and(Value::is_object)
        {
            self.schema(
                format!("{old_pointer}/additionalProperties"),
                format!("{new_pointer}/additionalProperties"),
                &context.nested("{}"),
            );
        }
        self.alternatives(old, new, (&old_pointer, &new_pointer), context);
    }

    /// Type and format. Returns whether the schemas are of one type, so their parts compare.
    fn types(
        &mut self,
        old: &Value,
        new: &Value,
        pointer: &str,
        context: &Context,
        claims: &[Claim],
    ) -> bool {
        let request = context.direction == Direction::Request;
        let prefix = context.prefix();
        let (old_type, new_type) = (str_field(old, "type"), str_field(new, "type"));
        if old_type != new_type {
            // Parameters travel as text: a server that takes any string takes what it
            // took before; a number takes every integer; no type at all takes anything.
            let widens = |from: Option<&str>, to: Option<&str>| {
                matches!(
                    (from, to),
                    (Some("integer"), Some("number")) | (Some(_), None)
                ) || (context.place == Place::Parameter && from.is_some() && to == Some("string"))
            };
            let (rule, wire) = generality(
                request,
                widens(old_type, new_type),
                widens(new_type, old_type),
            );
            self.push(
                format!("{prefix}-{rule}"),
                &format!("{pointer}/type"),
                wire,
                Bump::Patch,
                format!(
                    "for {}, the type was changed from {} to {}",
                    context.subject(),
                    shown(old_type),
                    shown(new_type)
                ),
                claims.to_vec(),
            );
            return false;
        }
        let (old_format, new_format) = (str_field(old, "format"), str_field(new, "format"));
        if old_format != new_format {
            let widens = |from: Option<&str>, to: Option<&str>| match (from, to) {
                (Some(_), None) => true,
                (Some(from), Some(to)) => matches!(
                    (from, to),
                    ("int32", "int64") | ("float", "double") | ("date" | "time", "date-time")
                ),
                _ => false,
            };
            let (rule, wire) = match generality(
                request,
                widens(old_format, new_format),
                widens(new_format, old_format),
            ) {
                // oasdiff calls a response's wider format a change, its wider type a
                // generalisation: breaking either way.
                ("type-generalized", wire) if !request => ("type-changed", wire),
                judged => judged,
            };
            self.push(
                format!("{prefix}-{rule}"),
                &format!("{pointer}/format"),
                wire,
                Bump::Patch,
                format!(
                    "for {}, the format was changed from {} to {}",
                    context.subject(),
                    shown(old_format),
                    shown(new_format)
                ),
                claims.to_vec(),
            );
        }
        true
    }

    fn nullable(
        &mut self,
        old: &Value,
        new: &Value,
        pointer: &str,
        context: &Context,
        claims: &[Claim],
    ) {
        let (was, is) = (flag(old, "nullable"), flag(new, "nullable"));
        if was == is {
            return;
        }
        // A response that may now be null breaks readers; a request that may no longer be
        // null breaks writers.
        let breaking = (context.direction == Direction::Response) == is;
        let wire = if breaking { Bump::Major } else { Bump::Minor };
        let state = if is { "nullable" } else { "not-nullable" };
        self.push(
            format!("{}-became-{state}", context.prefix()),
            &format!("{pointer}/nullable"),
            wire,
            Bump::Patch,
            format!("{} became {}", context.subject(), state.replace('-', " ")),
            claims.to_vec(),
        );
    }

    fn enum_values(&mut self, old: &Value, new: &Value, pointer: &str, context: &Context) {
        let (base, head) = (old.get("enum"), new.get("enum"));
        if base == head {
            return;
        }
        let prefix = context.prefix();
        let request = context.direction == Direction::Request;
        let (Some(base), Some(head)) = (
            base.and_then(Value::as_array),
            head.and_then(Value::as_array),
        ) else {
            // An enum appeared or went away.
            let became = head.is_some();
            let (rule, wire) = match (request, became) {
                (true, true) => ("became-enum", Bump::Major),
                (false, true) => ("became-enum", Bump::Patch),
                (true, false) => ("became-not-enum", Bump::Minor),
                (false, false) => ("became-not-enum", Bump::Major),
            };
            self.push(
                format!("{prefix}-{rule}"),
                &format!("{pointer}/enum"),
                wire,
                Bump::Patch,
                format!(
                    "{} {}",
                    context.subject(),
                    if became {
                        "was restricted to a list of enum values"
                    } else {
                        "is no longer restricted to a list of enum values"
                    }
                ),
                claims_at(pointer, None, context),
            );
            return;
        };
        for value in base.iter().filter(|v| !head.contains(v)) {
            let wire = if request { Bump::Major } else { Bump::Patch };
            self.push(
                format!("{prefix}-enum-value-removed"),
                &format!("{pointer}/enum"),
                wire,
                Bump::Patch,
                format!(
                    "removed the enum value {} from {}",
                    compact(value),
                    context.subject()
                ),
                claims_at(pointer, Some(&enum_text(value)), context),
            );
        }
        for value in head.iter().filter(|v| !base.contains(v)) {
            // Readers of a closed response enum fail on a value they do not know.
            let wire = if request || context.open {
                Bump::Minor
            } else {
                Bump::Major
            };
            let note = if !request && context.open {
                " (an open enum: clients keep values they do not know)"
            } else {
                ""
            };
            self.push(
                format!("{prefix}-enum-value-added"),
                &format!("{pointer}/enum"),
                wire,
                Bump::Minor,
                format!(
                    "added the enum value {} to {}{note}",
                    compact(value),
                    context.subject()
                ),
                claims_at(pointer, Some(&enum_text(value)), context),
            );
        }
    }

    /// `maximum`, `minimum`, `maxLength`, `minLength`, `maxItems`, `minItems`,
    /// `exclusiveMaximum`, `exclusiveMinimum`. Tightening a request breaks the callers that
    /// used the values now refused, and the client refuses them before sending (the
    /// integer bounds from the spec tables, the string ones in typify's newtypes);
    /// loosening a response breaks readers that relied on the bound.
    fn bounds(
        &mut self,
        old: &Value,
        new: &Value,
        pointer: &str,
        context: &Context,
        claims: &[Claim],
    ) {
        const BOUNDS: [(&str, &str, bool); 6] = [
            ("maximum", "max", true),
            ("maxLength", "max-length", true),
            ("maxItems", "max-items", true),
            ("minimum", "min", false),
            ("minLength", "min-length", false),
            ("minItems", "min-items", false),
        ];
        for (key, word, upper) in BOUNDS {
            let (was, is) = (number(old, key), number(new, key));
            let (tightened, verb) = match (was, is) {
                (Some(a), Some(b)) if a == b => continue,
                (None, None) => continue,
                (None, Some(_)) => (true, "set"),
                (Some(_), None) => (false, "unset"),
                (Some(a), Some(b)) => {
                    let tightened = if upper { b < a } else { b > a };
                    let verb = if b > a { "increased" } else { "decreased" };
                    (tightened, verb)
                }
            };
            let value = |v: Option<f64>| v.map_or("none".to_string(), |v| v.to_string());
            self.bound(
                &format!("{pointer}/{key}"),
                context,
                claims,
                tightened,
                format!("{}-{word}-{verb}", context.prefix()),
                format!(
                    "for {}, the {key} was {verb} from {} to {}",
                    context.subject(),
                    value(was),
                    value(is)
                ),
            );
        }
        // In OpenAPI 3.0 these are flags on `maximum` and `minimum`: setting one tightens.
        for (key, word) in [
            ("exclusiveMaximum", "exclusive-max"),
            ("exclusiveMinimum", "exclusive-min"),
        ] {
            let (was, is) = (flag(old, key), flag(new, key));
            if was == is {
                continue;
            }
            let verb = if is { "set" } else { "unset" };
            self.bound(
                &format!("{pointer}/{key}"),
                context,
                claims,
                is,
                format!("{}-{word}-{verb}", context.prefix()),
                format!("for {}, {key} was {verb}", context.subject()),
            );
        }
    }

    fn bound(
        &mut self,
        pointer: &str,
        context: &Context,
        claims: &[Claim],
        tightened: bool,
        rule: String,
        message: String,
    ) {
        let (wire, rust) = match (context.direction, tightened) {
            (Direction::Request, true) => (Bump::Major, Bump::Major),
            (Direction::Request, false) => (Bump::Minor, Bump::Minor),
            (Direction::Response, true) => (Bump::Patch, Bump::Patch),
            (Direction::Response, false) => (Bump::Major, Bump::Patch),
        };
        self.push(rule, pointer, wire, rust, message, claims.to_vec());
    }

    fn pattern(
        &mut self,
        old: &Value,
        new: &Value,
        pointer: &str,
        context: &Context,
        claims: &[Claim],
    ) {
        let (was, is) = (str_field(old, "pattern"), str_field(new, "pattern"));
        let verb = match (was, is) {
            (a, b) if a == b => return,
            (None, Some(_)) => "added",
            (Some(_), None) => "removed",
            _ => "changed",
        };
        let (wire, rust) = match (context.direction, verb) {
            (Direction::Request, "removed") => (Bump::Minor, Bump::Minor),
            (Direction::Request, _) => (Bump::Major, Bump::Major),
            (Direction::Response, _) => (Bump::Patch, Bump::Patch),
        };
        self.push(
            format!("{}-pattern-{verb}", context.prefix()),
            &format!("{pointer}/pattern"),
            wire,
            rust,
            format!(
                "for {}, the pattern was {verb} ({} to {})",
                context.subject(),
                shown(was),
                shown(is)
            ),
            claims.to_vec(),
        );
    }

    fn default(
        &mut self,
        old: &Value,
        new: &Value,
        pointer: &str,
        context: &Context,
        claims: &[Claim],
    ) {
        let (was, is) = (old.get("default"), new.get("default"));
        let verb = match (was, is) {
            (a, b) if a == b => return,
            (None, Some(_)) => "added",
            (Some(_), None) => "removed",
            _ => "changed",
        };
        // What the server does for a caller that leaves the parameter out changes; the
        // client sends only what its caller set.
        let wire = if context.place == Place::Parameter {
            Bump::Major
        } else {
            Bump::Patch
        };
        self.push(
            format!("{}-default-value-{verb}", context.prefix()),
            &format!("{pointer}/default"),
            wire,
            Bump::Patch,
            format!(
                "for {}, the default value was {verb} ({} to {})",
                context.subject(),
                was.map_or("none".to_string(), compact),
                is.map_or("none".to_string(), compact)
            ),
            claims.to_vec(),
        );
    }

    fn properties(
        &mut self,
        old: &Value,
        new: &Value,
        (old_pointer, new_pointer): (&str, &str),
        context: &Context,
    ) {
        let (base, head) = (object(old, "properties"), object(new, "properties"));
        let (was_required, is_required) = (required_names(old), required_names(new));
        let request = context.direction == Direction::Request;
        for name in base.keys() {
            let property = format!("{old_pointer}/properties/{}", escape_pointer_segment(name));
            if head.contains_key(name) {
                continue;
            }
            let required = was_required.contains(name.as_str());
            let rule = match (request, required) {
                (true, _) => "request-property-removed",
                (false, true) => "response-required-property-removed",
                (false, false) => "response-optional-property-removed",
            };
            self.push(
                rule,
                &property,
                Bump::Major,
                Bump::Patch,
                format!("removed the property {}", context.property(name).subject()),
                claims_at(&property, Some(name), context),
            );
            self.gone();
        }
        for (name, _) in head {
            let property = format!("{new_pointer}/properties/{}", escape_pointer_segment(name));
            let claims = claims_at(&property, Some(name), context);
            let required = is_required.contains(name.as_str());
            if !base.contains_key(name) {
                let (rule, wire, rust) = match (request, required) {
                    (true, true) => ("new-required-request-property", Bump::Major, Bump::Major),
                    (true, false) => ("new-optional-request-property", Bump::Minor, Bump::Minor),
                    (false, true) => ("response-required-property-added", Bump::Minor, Bump::Minor),
                    (false, false) => {
                        ("response-optional-property-added", Bump::Minor, Bump::Minor)
                    }
                };
                let kind = if required { "required" } else { "optional" };
                self.push(
                    rule,
                    &property,
                    wire,
                    rust,
                    format!(
                        "added the {kind} property {}",
                        context.property(name).subject()
                    ),
                    claims,
                );
                continue;
            }
            let was = was_required.contains(name.as_str());
            if was != required {
                let (rule, wire, rust) = match (request, required) {
                    (true, true) => ("request-property-became-required", Bump::Major, Bump::Major),
                    (true, false) => ("request-property-became-optional", Bump::Minor, Bump::Minor),
                    (false, true) => (
                        "response-property-became-required",
                        Bump::Patch,
                        Bump::Patch,
                    ),
                    (false, false) => (
                        "response-property-became-optional",
                        Bump::Major,
                        Bump::Patch,
                    ),
                };
                self.push(
                    rule,
                    &property,
                    wire,
                    rust,
                    format!(
                        "the property {} became {}",
                        context.property(name).subject(),
                        if required { "required" } else { "optional" }
                    ),
                    claims,
                );
            }
            self.schema(
                format!("{old_pointer}/properties/{}", escape_pointer_segment(name)),
                property,
                &context.property(name),
            );
        }
    }

    /// `anyOf`, `oneOf` and `allOf`, branch by branch.
    fn alternatives(
        &mut self,
        old: &Value,
        new: &Value,
        (old_pointer, new_pointer): (&str, &str),
        context: &Context,
    ) {
        for key in ["anyOf", "oneOf", "allOf"] {
            let base = old.get(key).and_then(Value::as_array);
            let head = new.get(key).and_then(Value::as_array);
            let (base_len, head_len) = (base.map_or(0, Vec::len), head.map_or(0, Vec::len));
            // A plain string among the alternatives keeps whatever the server sends.
            let open = key != "allOf"
                && head.into_iter().flatten().any(|branch| {
                    branch.get("type") == Some(&"string".into()) && branch.get("enum").is_none()
                });
            for i in 0..base_len.min(head_len) {
                self.schema(
                    format!("{old_pointer}/{key}/{i}"),
                    format!("{new_pointer}/{key}/{i}"),
                    &Context {
                        open,
                        ..context.clone()
                    },
                );
            }
            if base_len == head_len {
                continue;
            }
            // More `anyOf`/`oneOf` branches accept more; more `allOf` ones, less. The rule's
            // name is oasdiff's (`response-property-any-of-added`, ...); the verdict follows
            // from the direction, as everywhere here.
            let added = head_len > base_len;
            let widened = added == (key != "allOf");
            let wire = match (widened, context.direction == Direction::Request) {
                (true, true) => Bump::Minor,
                (true, false) | (false, true) => Bump::Major,
                (false, false) => Bump::Patch,
            };
            let keyword = match key {
                "anyOf" => "any-of",
                "oneOf" => "one-of",
                _ => "all-of",
            };
            let verb = if added { "added" } else { "removed" };
            self.push(
                format!("{}-{keyword}-{verb}", context.prefix()),
                &format!("{new_pointer}/{key}"),
                wire,
                Bump::Patch,
                format!(
                    "the {key} of {} went from {base_len} to {head_len} schemas",
                    context.subject()
                ),
                claims_at(new_pointer, None, context),
            );
        }
    }

    /// A component schema that is gone, and one that is new with the same content: the
    /// same schema under another name. Nothing changes on the wire (`$ref`s are followed),
    /// but the generated type is renamed.
    fn renamed_schemas(&mut self) {
        let (base, head) = (component_schemas(self.base), component_schemas(self.head));
        for &(old_name, old_schema) in &base {
            if head.iter().any(|(name, _)| *name == old_name) {
                continue;
            }
            let renamed = head.iter().find(|(name, schema)| {
                !base.iter().any(|(n, _)| n == name) && *schema == old_schema
            });
            if let Some((new_name, _)) = renamed {
                let (from, to) = (old_name.to_pascal_case(), new_name.to_pascal_case());
                self.push(
                    "schema-renamed",
                    &format!("/components/schemas/{}", escape_pointer_segment(new_name)),
                    Bump::Patch,
                    Bump::Patch,
                    format!("the schema {old_name} was renamed to {new_name}, unchanged"),
                    vec![
                        Claim::Type(from.clone()),
                        Claim::Type(to.clone()),
                        Claim::Renamed { from, to },
                    ],
                );
            }
        }
    }
}

/// The claims of a change at `pointer` (resolved): the component member or type it is in,
/// the parameter and the operation of the walk.
fn claims_at(pointer: &str, member: Option<&str>, context: &Context) -> Vec<Claim> {
    let mut claims = Vec::new();
    if let Some(rest) = pointer.strip_prefix("/components/schemas/") {
        let mut segments = rest.split('/');
        let name = segments.next().map(unescape).unwrap_or_default();
        let type_name = name.to_pascal_case();
        // The component's own property the change is in, or the member named.
        let mut own_property = None;
        let mut previous = None;
        for segment in segments {
            if previous == Some("properties") {
                own_property = Some(unescape(segment));
                break;
            }
            previous = Some(segment);
        }
        if let Some(property) = &own_property {
            // typify names a property's inline type after both: `JobDetailInfoKind`.
            claims.push(Claim::Type(format!(
                "{type_name}{}",
                property.to_pascal_case()
            )));
        }
        if let Some(json) = own_property.or_else(|| member.map(str::to_string)) {
            claims.push(Claim::Member {
                type_name: type_name.clone(),
                json,
            });
        }
        claims.push(Claim::Type(type_name));
    }
    if let Some(parameter) = &context.parameter {
        claims.push(Claim::Setter {
            operation: context.operation_key(),
            parameter: parameter.to_snake_case(),
        });
    }
    claims.push(Claim::Operation(context.operation_key()));
    claims
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

/// Each region of the servers' `region` variables, with where it is listed.
fn regions(document: &Value) -> Vec<(String, String)> {
    let servers = document.get("servers").and_then(Value::as_array);
    let mut found = Vec::new();
    for (i, server) in servers.into_iter().flatten().enumerate() {
        let values = server
            .pointer("/variables/region/enum")
            .and_then(Value::as_array);
        for (j, region) in values.into_iter().flatten().enumerate() {
            if let Some(region) = region.as_str() {
                found.push((
                    region.to_string(),
                    format!("/servers/{i}/variables/region/enum/{j}"),
                ));
            }
        }
    }
    found
}

fn component_schemas(document: &Value) -> Vec<(&String, &Value)> {
    document
        .pointer("/components/schemas")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .collect()
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

fn flag(node: &Value, key: &str) -> bool {
    node.get(key) == Some(&Value::Bool(true))
}

/// The object at `key` of `node`, or an empty one.
fn object<'a>(node: &'a Value, key: &str) -> &'a serde_json::Map<String, Value> {
    static EMPTY: std::sync::LazyLock<serde_json::Map<String, Value>> =
        std::sync::LazyLock::new(serde_json::Map::new);
    node.get(key).and_then(Value::as_object).unwrap_or(&EMPTY)
}

fn field<'a>(node: &'a Value, key: &str) -> &'a Value {
    node.get(key).unwrap_or(&Value::Null)
}

/// The rule and wire verdict of a type or format change that makes the schema wider (it
/// takes all it took, and more) or narrower, or neither. A request may take more (oasdiff's
/// `*-type-generalized`), a response may say more precisely what it sends
/// (`*-type-specialized`, as oasdiff calls it too); every other change is breaking.
fn generality(request: bool, widened: bool, narrowed: bool) -> (&'static str, Bump) {
    match (request, widened, narrowed) {
        (true, true, _) => ("type-generalized", Bump::Minor),
        (false, true, _) => ("type-generalized", Bump::Major),
        (false, _, true) => ("type-specialized", Bump::Patch),
        _ => ("type-changed", Bump::Major),
    }
}

fn str_field<'a>(node: &'a Value, key: &str) -> Option<&'a str> {
    node.get(key).and_then(Value::as_str)
}

fn number(node: &Value, key: &str) -> Option<f64> {
    node.get(key).and_then(Value::as_f64)
}

fn required_names(schema: &Value) -> BTreeSet<&str> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

fn shown(value: Option<&str>) -> String {
    value.map_or("none".to_string(), |v| format!("`{v}`"))
}

fn compact(value: &Value) -> String {
    format!("`{}`", enum_text(value))
}

fn enum_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A JSON pointer segment as the key it names (`~1` is `/`, `~0` is `~`).
pub(super) fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

/// A pointer in words, for messages: `/components/schemas/JobDetailInfo/properties/id` →
/// `JobDetailInfo.id`.
fn describe_pointer(pointer: &str) -> String {
    if pointer.is_empty() || pointer == "/info" {
        return "the document".to_string();
    }
    if let Some(rest) = pointer.strip_prefix("/components/schemas/") {
        return format!("schema {}", unescape(&rest.replace("/properties/", ".")));
    }
    format!("`{pointer}`")
}
