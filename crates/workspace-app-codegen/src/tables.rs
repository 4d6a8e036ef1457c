//! The tables derived from the spec beside the generated client, so that nothing downstream
//! (the client's checks, the CLI's flags, the emulator's validation and answers, the tests)
//! keeps a second copy of a bound, a default, an enum's values, a region or a path.

use heck::{ToPascalCase, ToShoutySnakeCase, ToSnakeCase};
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;
use serde_json::Value;

use crate::lint::{OperationSite, ParameterSite, operation_sites};
use crate::load::Spec;

/// The `*_spec_tables.rs` file: `regions`, `enums`, `operations` and `parameters`.
pub(crate) fn spec_tables(spec: &Spec) -> TokenStream {
    let document = &spec.document;
    let operations = collect_operations(document);
    let regions = region_endpoints(document);
    let enums = enum_values(document);
    let table = operation_table(&operations);
    let parameters = parameter_table(&operations);
    quote! { #regions #enums #table #parameters }
}

/// The `*_test_lists.rs` file: two macro invocations the client's snapshot tests define
/// the macros for, so that a new schema or operation needs no edit to the tests.
///
/// - `generated_types!(A, B, ...)`: every public type of the generated `types` module.
/// - `response_examples!((operation name, status, Type), ...)`: every documented response
///   example, with the generated type it must parse into (from the operation's `send()`).
/// - `not_generated!(operation name, ...)`: the operations the client leaves out
///   (`skipped`, by `operationId`), whose examples have no type to parse into.
pub(crate) fn test_lists(spec: &Spec, client: &syn::File, skipped: &[String]) -> TokenStream {
    let types = public_types(client).into_iter().map(|name| ident(&name));
    let results = send_result_types(client);
    let operations = collect_operations(&spec.document);
    let not_generated: Vec<String> = operations
        .iter()
        .filter(|operation| skipped.contains(&operation.id))
        .map(|operation| operation.name.clone())
        .collect();
    let examples = operations.into_iter().flat_map(|operation| {
        let builder = operation.id.to_pascal_case();
        let (ok, err) = results
            .iter()
            .find(|(name, ..)| *name == builder)
            .map_or((None, None), |(_, ok, err)| (ok.clone(), err.clone()));
        operation
            .examples
            .into_iter()
            .filter_map(move |(status, _)| {
                let success = status.starts_with('2');
                let ty = if success { ok.clone() } else { err.clone() }?;
                let name = operation.name.clone();
                let ty = ident(&ty);
                Some(quote! { (#name, #status, #ty) })
            })
            .collect::<Vec<_>>()
    });
    quote! {
        generated_types!(#(#types),*);
        response_examples!(#(#examples),*);
        not_generated!(#(#not_generated),*);
    }
}

/// One operation of the spec, as the tables need it.
struct Operation<'a> {
    /// The spec's `operationId`, e.g. `ListSubJobs`.
    id: String,
    /// As progenitor names it (in `OperationInfo::operation_id`), e.g. `list_sub_jobs`.
    name: String,
    /// Upper case, e.g. `GET`.
    method: String,
    /// The path template, e.g. `/v1/{project_id}/app-server-sub-jobs`.
    path: String,
    /// Query parameters, `$ref`s followed, each with its (followed) schema.
    query: Vec<Query<'a>>,
    /// `(status, compact JSON)` of each response that documents an example.
    examples: Vec<(String, String)>,
    /// The operation's `x-idempotent`, when it has one.
    idempotent: Option<bool>,
    /// `(status, has content)` of every documented response, in the spec's order.
    responses: Vec<(String, bool)>,
    /// The request body's `(media type, required)`, when the operation documents one.
    body: Option<(String, bool)>,
    /// Every parameter (path item's and the operation's, merged), in the spec's order.
    parameters: Vec<Parameter>,
}

/// A parameter of an operation, as `operations::Parameter` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Parameter {
    name: String,
    /// Its `in`.
    location: String,
    required: bool,
    /// For an array, its `explode` (else its style's default); `None` for a single value.
    explode: Option<bool>,
}

/// A query parameter: its name, its schema (`$ref` followed), and the component schema the
/// `$ref` named, if any.
struct Query<'a> {
    name: String,
    schema: &'a Value,
    component: Option<String>,
}

fn collect_operations(document: &Value) -> Vec<Operation<'_>> {
    operation_sites(document)
        .filter_map(|site| collect_operation(document, &site))
        .collect()
}

/// `(operationId, name)` of every integer query parameter: each has its bounds in
/// `spec::parameters`, which the pre-send check and the CLI's flags read.
#[cfg(feature = "cli")]
pub(crate) fn integer_query_parameters(document: &Value) -> Vec<(String, String)> {
    collect_operations(document)
        .into_iter()
        .flat_map(|operation| {
            operation
                .query
                .iter()
                .filter(|query| integer_range(query.schema).is_some())
                .map(|query| (operation.id.clone(), query.name.clone()))
                .collect::<Vec<_>>()
        })
        .collect()
}

fn collect_operation<'a>(document: &'a Value, site: &OperationSite<'a>) -> Option<Operation<'a>> {
    let operation = site.operation;
    let id = operation.get("operationId")?.as_str()?;
    let mut query: Vec<Query<'a>> = Vec::new();
    for parameter in site.parameters(document) {
        if parameter.location() != "query" {
            continue;
        }
        let name = parameter.name();
        let Some(schema) = parameter.parameter.get("schema") else {
            continue;
        };
        let resolved = resolve(document, schema);
        // The component the `$ref` names, when it is the schema itself (one hop).
        let component = schema
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix('#'))
            .filter(|pointer| {
                document
                    .pointer(pointer)
                    .is_some_and(|target| std::ptr::eq(target, resolved))
            })
            .and_then(|pointer| pointer.strip_prefix("/components/schemas/"))
            .filter(|name| !name.contains('/'))
            .map(str::to_string);
        query.push(Query {
            name: name.to_string(),
            schema: resolved,
            component,
        });
    }
    let responses = operation.get("responses").and_then(Value::as_object);
    let examples = responses
        .into_iter()
        .flatten()
        .filter_map(|(status, response)| {
            let example = response_example(document, resolve(document, response))?;
            Some((status.clone(), serde_json::to_string(example).ok()?))
        })
        .collect();
    let responses = responses
        .into_iter()
        .flatten()
        .map(|(status, response)| {
            let content = resolve(document, response)
                .get("content")
                .and_then(Value::as_object)
                .is_some_and(|content| !content.is_empty());
            (status.clone(), content)
        })
        .collect();
    let body = operation
        .get("requestBody")
        .map(|body| resolve(document, body))
        .and_then(|body| {
            let content = body.get("content")?.as_object()?;
            let media = ["application/json"]
                .into_iter()
                .find(|json| content.contains_key(*json))
                .or_else(|| {
                    content
                        .keys()
                        .map(String::as_str)
                        .find(|t| t.contains("json"))
                })
                .or_else(|| content.keys().next().map(String::as_str))?;
            let required = body.get("required").and_then(Value::as_bool) == Some(true);
            Some((media.to_string(), required))
        });
    let parameters = site
        .parameters(document)
        .iter()
        .map(|parameter| declared_parameter(document, parameter))
        .collect();
    Some(Operation {
        id: id.to_string(),
        name: id.to_snake_case(),
        method: site.method.to_uppercase(),
        path: site.path.to_string(),
        query,
        examples,
        idempotent: operation
            .get(crate::lint::IDEMPOTENT_EXTENSION)
            .and_then(Value::as_bool),
        responses,
        body,
        parameters,
    })
}

/// A parameter as the table lists it: a path parameter is always required; an array's
/// `explode` defaults to its style's (`form`, a query's default, explodes; `simple`, a path's
/// and a header's default, does not).
fn declared_parameter(document: &Value, site: &ParameterSite<'_>) -> Parameter {
    let data = site.parameter;
    let location = site.location();
    let schema = data
        .get("schema")
        .map_or(&Value::Null, |schema| resolve(document, schema));
    let explode = (schema.get("type").and_then(Value::as_str) == Some("array")).then(|| {
        let default_style = if matches!(location, "query" | "cookie") {
            "form"
        } else {
            "simple"
        };
        let style = data
            .get("style")
            .and_then(Value::as_str)
            .unwrap_or(default_style);
        data.get("explode")
            .and_then(Value::as_bool)
            .unwrap_or(style == "form")
    });
    Parameter {
        name: site.name().to_string(),
        location: location.to_string(),
        required: location == "path" || data.get("required").and_then(Value::as_bool) == Some(true),
        explode,
    }
}

/// The documented example of a JSON response: the media type's `example`, else its first
/// `examples` entry, else its schema's `example`.
fn response_example<'a>(document: &'a Value, response: &'a Value) -> Option<&'a Value> {
    let content = response.get("content")?.as_object()?;
    let media = content.get("application/json").or_else(|| {
        content
            .iter()
            .find(|(t, _)| t.contains("json"))
            .map(|(_, m)| m)
    })?;
    if let Some(example) = media.get("example") {
        return Some(example);
    }
    let named = media.get("examples").and_then(Value::as_object);
    if let Some(first) = named.into_iter().flatten().next() {
        return resolve(document, first.1).get("value");
    }
    resolve(document, media.get("schema")?).get("example")
}

/// `regions::ENDPOINTS`: every value of each server's `region` variable, with the server URL
/// it makes.
fn region_endpoints(document: &Value) -> TokenStream {
    let servers = document.get("servers").and_then(Value::as_array);
    let pairs = servers.into_iter().flatten().flat_map(|server| {
        let url = server
            .get("url")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let regions = server
            .pointer("/variables/region/enum")
            .and_then(Value::as_array);
        regions
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(move |region| {
                let endpoint = url.replace("{region}", region);
                quote! { (#region, #endpoint) }
            })
    });
    quote! {
        /// Huawei Cloud regions and their endpoints, from the OpenAPI document's `servers`.
        pub mod regions {
            /// `(region id, endpoint)` for every region the spec lists, in its order.
            pub const ENDPOINTS: &[(&str, &str)] = &[#(#pairs),*];
        }
    }
}

/// `enums::SUB_JOB_STATUS` and so on: the values of each string enum among the component
/// schemas, in the spec's order.
fn enum_values(document: &Value) -> TokenStream {
    let schemas = document
        .pointer("/components/schemas")
        .and_then(Value::as_object);
    let constants = schemas.into_iter().flatten().filter_map(|(name, schema)| {
        let values = string_enum(schema)?;
        let constant = ident(&name.to_shouty_snake_case());
        let doc = format!("The values of `{name}`, in the spec's order.");
        Some(quote! {
            #[doc = #doc]
            pub const #constant: &[&str] = &[#(#values),*];
        })
    });
    quote! {
        /// The values of each string enum among the OpenAPI document's component schemas.
        pub mod enums {
            #(#constants)*
        }
    }
}

fn string_enum(schema: &Value) -> Option<Vec<&str>> {
    if schema.get("type").and_then(Value::as_str) != Some("string") {
        return None;
    }
    let values = schema.get("enum")?.as_array()?;
    Some(values.iter().filter_map(Value::as_str).collect())
}

/// `operations::LIST_SUB_JOBS` and so on, and `operations::ALL`: each operation's method,
/// path template and documented response examples; beside them, in private tables read by
/// `Operation`'s methods (so that `Operation` gains no field), whether each operation is
/// idempotent, its documented responses, request body and parameters.
fn operation_table(operations: &[Operation<'_>]) -> TokenStream {
    let constants = operations.iter().map(|operation| {
        let Operation {
            id,
            name,
            method,
            path,
            examples,
            ..
        } = operation;
        let constant = ident(&name.to_uppercase());
        let examples = examples
            .iter()
            .map(|(status, json)| quote! { Example { status: #status, json: #json } });
        let doc = format!("`{id}`: `{method} {path}`.");
        quote! {
            #[doc = #doc]
            pub const #constant: Operation = Operation {
                operation_id: #id,
                name: #name,
                method: #method,
                path: #path,
                examples: &[#(#examples),*],
            };
        }
    });
    let all = operations
        .iter()
        .map(|operation| ident(&operation.name.to_uppercase()));
    let marked = operations.iter().filter_map(|operation| {
        let name = &operation.name;
        let idempotent = operation.idempotent?;
        Some(quote! { (#name, #idempotent) })
    });
    let responses = operations.iter().map(|operation| {
        let name = &operation.name;
        let responses = operation
            .responses
            .iter()
            .map(|(status, content)| quote! { (#status, #content) });
        quote! { (#name, &[#(#responses),*]) }
    });
    let success = operations.iter().filter_map(|operation| {
        let name = &operation.name;
        let (status, content) = success_response(&operation.responses)?;
        Some(quote! { (#name, #status, #content) })
    });
    let bodies = operations.iter().filter_map(|operation| {
        let name = &operation.name;
        let (media, required) = operation.body.as_ref()?;
        Some(quote! { (#name, #media, #required) })
    });
    let parameters = operations.iter().map(|operation| {
        let name = &operation.name;
        let parameters = operation.parameters.iter().map(|parameter| {
            let Parameter {
                name,
                location,
                required,
                explode,
            } = parameter;
            let explode = match explode {
                Some(explode) => quote!(Some(#explode)),
                None => quote!(None),
            };
            quote! {
                Parameter { name: #name, location: #location, required: #required, explode: #explode }
            }
        });
        quote! { (#name, &[#(#parameters),*]) }
    });
    quote! {
        /// The operations of the OpenAPI document: method, path template and the documented
        /// example of each response; through `Operation`'s methods, whether it is idempotent,
        /// its documented responses, request body and parameters.
        pub mod operations {
            /// One operation of the OpenAPI document.
            #[derive(Debug, Clone, Copy, PartialEq, Eq)]
            pub struct Operation {
                /// The spec's `operationId`, e.g. `ListSubJobs`.
                pub operation_id: &'static str,
                /// The name progenitor gives the operation (the `operation_id` its hooks
                /// see), e.g. `list_sub_jobs`.
                pub name: &'static str,
                /// The HTTP method, upper case.
                pub method: &'static str,
                /// The path template, e.g. `/v1/{project_id}/app-server-sub-jobs`.
                pub path: &'static str,
                /// The documented example of each response that has one, in the spec's order.
                pub examples: &'static [Example],
            }

            /// The documented example of one response.
            #[derive(Debug, Clone, Copy, PartialEq, Eq)]
            pub struct Example {
                /// The response's key in the spec: `200`, `4XX`, `default`...
                pub status: &'static str,
                /// The example body, as compact JSON.
                pub json: &'static str,
            }

            /// One parameter of an operation, as the spec declares it (`$ref`s followed, the
            /// path item's and the operation's own merged).
            #[derive(Debug, Clone, Copy, PartialEq, Eq)]
            #[non_exhaustive]
            pub struct Parameter {
                /// Its name: in the path template, the query string or the headers.
                pub name: &'static str,
                /// Its `in`: `path`, `query`, `header` or `cookie`.
                pub location: &'static str,
                /// Whether a request must carry it (a path parameter always must).
                pub required: bool,
                /// `None` for a single value. For an array, its `explode`, else its style's
                /// default: `true` sends each item as its own value (`a=x&a=y`, a query's
                /// `style: form` by default), `false` all of them as one comma-separated
                /// value (`a=x,y`; a header's or a path's `style: simple`).
                pub explode: Option<bool>,
            }

            /// The operations whose `x-idempotent` is given: `(name, idempotent)`.
            const MARKED_IDEMPOTENT: &[(&str, bool)] = &[#(#marked),*];

            /// Every operation's documented responses: `(name, [(status, has content)])`.
            const RESPONSES: &[(&str, &[(&str, bool)])] = &[#(#responses),*];

            /// The response of a successful call, as `success_status` chooses it:
            /// `(name, status, has content)`.
            const SUCCESS: &[(&str, &str, bool)] = &[#(#success),*];

            /// The operations with a request body: `(name, media type, required)`.
            const REQUEST_BODIES: &[(&str, &str, bool)] = &[#(#bodies),*];

            /// Every operation's parameters: `(name, parameters)`.
            const PARAMETERS: &[(&str, &[Parameter])] = &[#(#parameters),*];

            impl Operation {
                /// Whether the operation may be sent twice with the effect of once, which
                /// decides what the client retries: the spec's `x-idempotent` when it has
                /// one, else its method (GET, HEAD, PUT, DELETE and OPTIONS are, by HTTP's
                /// definition; POST and PATCH are not).
                pub fn is_idempotent(&self) -> bool {
                    match MARKED_IDEMPOTENT.iter().find(|(name, _)| *name == self.name) {
                        Some((_, marked)) => *marked,
                        None => matches!(self.method, "GET" | "HEAD" | "PUT" | "DELETE" | "OPTIONS"),
                    }
                }

                /// The documented example body of the response with this status, as JSON.
                pub fn example(&self, status: &str) -> Option<&'static str> {
                    self.examples
                        .iter()
                        .find(|example| example.status == status)
                        .map(|example| example.json)
                }

                /// Every response the spec documents for the operation, in the spec's order:
                /// `(status, has content)`, the status as the spec's key (`200`, `204`, `4XX`,
                /// `default`...), and whether the response documents a body (a `content` with
                /// at least one media type). Empty for an operation the tables do not know.
                pub fn responses(&self) -> &'static [(&'static str, bool)] {
                    RESPONSES
                        .iter()
                        .find(|(name, _)| *name == self.name)
                        .map(|(_, responses)| *responses)
                        .unwrap_or(&[])
                }

                /// The response a successful call gets, as Prism chooses it: the lowest
                /// documented `2xx` status, else `2XX`, else `default`; with whether it
                /// documents a body (`("204", false)`, `("200", true)`...). `None` when the
                /// spec documents none of them.
                pub fn success_status(&self) -> Option<(&'static str, bool)> {
                    SUCCESS
                        .iter()
                        .find(|(name, ..)| *name == self.name)
                        .map(|(_, status, content)| (*status, *content))
                }

                /// The request body the operation documents: `(media type, required)`, the
                /// media type `application/json` when the body may be JSON, else another
                /// JSON type (`application/merge-patch+json`...), else the first the spec
                /// lists (`multipart/form-data`...). `None` when it documents no body.
                pub fn request_body(&self) -> Option<(&'static str, bool)> {
                    REQUEST_BODIES
                        .iter()
                        .find(|(name, ..)| *name == self.name)
                        .map(|(_, media, required)| (*media, *required))
                }

                /// The operation's parameters (path, query, header, cookie), in the spec's
                /// order: the path item's first, each replaced by the operation's own of the
                /// same `in` and `name`.
                pub fn parameters(&self) -> &'static [Parameter] {
                    PARAMETERS
                        .iter()
                        .find(|(name, _)| *name == self.name)
                        .map(|(_, parameters)| *parameters)
                        .unwrap_or(&[])
                }
            }

            #(#constants)*

            /// Every operation, in the spec's order.
            pub const ALL: &[Operation] = &[#(#all),*];

            /// The operation progenitor calls `name` (e.g. `list_sub_jobs`).
            pub fn by_name(name: &str) -> Option<&'static Operation> {
                ALL.iter().find(|operation| operation.name == name)
            }
        }
    }
}

/// The response a successful call gets, as Prism chooses it: the lowest `2xx` status the
/// spec documents, else `2XX`, else `default`.
fn success_response(responses: &[(String, bool)]) -> Option<(&str, bool)> {
    let explicit = responses
        .iter()
        .filter(|(status, _)| {
            status.len() == 3
                && status.starts_with('2')
                && status.bytes().all(|b| b.is_ascii_digit())
        })
        .min_by_key(|(status, _)| status.as_str());
    explicit
        .or_else(|| {
            responses
                .iter()
                .find(|(status, _)| status.eq_ignore_ascii_case("2XX"))
        })
        .or_else(|| responses.iter().find(|(status, _)| status == "default"))
        .map(|(status, content)| (status.as_str(), *content))
}

/// `parameters::list_sub_jobs::LIMIT` and so on: each integer query parameter's range
/// (the spec's `minimum`/`maximum`, else the range of its `format`) and default, and each
/// string-enum query parameter's values and default.
fn parameter_table(operations: &[Operation<'_>]) -> TokenStream {
    let modules = operations.iter().map(|operation| {
        let constants = operation.query.iter().filter_map(|query| {
            let (name, schema) = (&query.name, query.schema);
            let constant = ident(&name.to_shouty_snake_case());
            let doc = format!("`{name}`.");
            let default = schema.get("default");
            if let Some((minimum, maximum)) = integer_range(schema) {
                let default = option_tokens(default.and_then(Value::as_i64));
                return Some(quote! {
                    #[doc = #doc]
                    pub const #constant: super::Integer = super::Integer {
                        name: #name,
                        minimum: #minimum,
                        maximum: #maximum,
                        default: #default,
                    };
                });
            }
            let values = string_enum(schema)?;
            // A component's enum is listed once, in `enums`; every parameter of it (each
            // operation's `status`, say) names that list instead of repeating it.
            let values = match &query.component {
                Some(component) => {
                    let list = ident(&component.to_shouty_snake_case());
                    quote!(super::super::enums::#list)
                }
                None => quote!(&[#(#values),*]),
            };
            let default = match default.and_then(Value::as_str) {
                Some(value) => quote!(Some(#value)),
                None => quote!(None),
            };
            Some(quote! {
                #[doc = #doc]
                pub const #constant: super::StringEnum = super::StringEnum {
                    name: #name,
                    values: #values,
                    default: #default,
                };
            })
        });
        let integers = operation
            .query
            .iter()
            .filter(|query| integer_range(query.schema).is_some())
            .map(|query| ident(&query.name.to_shouty_snake_case()));
        let module = ident(&operation.name);
        let doc = format!("The query parameters of `{}`.", operation.id);
        quote! {
            #[doc = #doc]
            pub mod #module {
                #(#constants)*
                /// The integer parameters, which the client checks before sending.
                pub const INTEGERS: &[super::Integer] = &[#(#integers),*];
            }
        }
    });
    let arms = operations.iter().map(|operation| {
        let (name, module) = (&operation.name, ident(&operation.name));
        quote! { #name => #module::INTEGERS, }
    });
    quote! {
        /// The query parameters of each operation that take an integer in a range or one of
        /// a list of strings, with their defaults, from the OpenAPI document.
        pub mod parameters {
            /// An integer query parameter.
            #[derive(Debug, Clone, Copy, PartialEq, Eq)]
            pub struct Integer {
                /// The parameter's name in the query string.
                pub name: &'static str,
                /// The smallest allowed value: the spec's `minimum`, else the smallest of
                /// its `format` (`int32`, `int64`).
                pub minimum: i64,
                /// The largest allowed value: the spec's `maximum`, else the largest of its
                /// `format`.
                pub maximum: i64,
                /// The value the service assumes when the parameter is absent, if the spec
                /// gives one.
                pub default: Option<i64>,
            }

            impl Integer {
                /// `minimum..=maximum`.
                pub const fn range(&self) -> ::std::ops::RangeInclusive<i64> {
                    self.minimum..=self.maximum
                }
            }

            /// A query parameter that takes one of a list of strings.
            #[derive(Debug, Clone, Copy, PartialEq, Eq)]
            pub struct StringEnum {
                /// The parameter's name in the query string.
                pub name: &'static str,
                /// The allowed values, in the spec's order.
                pub values: &'static [&'static str],
                /// The value the service assumes when the parameter is absent, if the spec
                /// gives one.
                pub default: Option<&'static str>,
            }

            #(#modules)*

            /// The integer query parameters of an operation, by the name progenitor gives it
            /// (the `operation_id` its hooks see), e.g. `list_sub_jobs`.
            pub fn integers(operation: &str) -> &'static [Integer] {
                match operation {
                    #(#arms)*
                    _ => &[],
                }
            }
        }
    }
}

/// The inclusive range of an integer schema: `minimum`/`maximum` (OpenAPI 3.0's boolean
/// `exclusiveMinimum`/`exclusiveMaximum` understood), else the range of its `format`.
fn integer_range(schema: &Value) -> Option<(i64, i64)> {
    if schema.get("type").and_then(Value::as_str) != Some("integer") {
        return None;
    }
    let (format_min, format_max) = match schema.get("format").and_then(Value::as_str) {
        Some("int32") => (i64::from(i32::MIN), i64::from(i32::MAX)),
        _ => (i64::MIN, i64::MAX),
    };
    let exclusive = |key| schema.get(key).and_then(Value::as_bool) == Some(true);
    let minimum = match schema.get("minimum").and_then(Value::as_i64) {
        Some(min) if exclusive("exclusiveMinimum") => min.saturating_add(1),
        Some(min) => min,
        None => format_min,
    };
    let maximum = match schema.get("maximum").and_then(Value::as_i64) {
        Some(max) if exclusive("exclusiveMaximum") => max.saturating_sub(1),
        Some(max) => max,
        None => format_max,
    };
    Some((minimum.max(format_min), maximum.min(format_max)))
}

/// The public structs and enums of the generated `types` module, sorted.
fn public_types(client: &syn::File) -> Vec<String> {
    let Some(items) = module_items(&client.items, "types") else {
        return Vec::new();
    };
    let mut public: Vec<String> = items
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
    public
}

/// `(builder, success type, error type)` of each operation builder's `send()`, where they are
/// generated types: `Result<ResponseValue<types::A>, Error<types::B>>`.
fn send_result_types(client: &syn::File) -> Vec<(String, Option<String>, Option<String>)> {
    let Some(items) = module_items(&client.items, "builder") else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| {
            let syn::Item::Impl(block) = item else {
                return None;
            };
            let syn::Type::Path(self_ty) = block.self_ty.as_ref() else {
                return None;
            };
            let builder = self_ty.path.segments.last()?.ident.to_string();
            let send = block.items.iter().find_map(|item| match item {
                syn::ImplItem::Fn(f) if f.sig.ident == "send" => Some(f),
                _ => None,
            })?;
            let syn::ReturnType::Type(_, result) = &send.sig.output else {
                return None;
            };
            let mut arguments = generic_arguments(result).into_iter();
            let ok = arguments.next().and_then(|ok| {
                let inner = generic_arguments(ok).into_iter().next()?;
                generated_type(inner)
            });
            let err = arguments.next().and_then(|err| {
                let inner = generic_arguments(err).into_iter().next()?;
                generated_type(inner)
            });
            Some((builder, ok, err))
        })
        .collect()
}

fn module_items<'a>(items: &'a [syn::Item], name: &str) -> Option<&'a [syn::Item]> {
    items.iter().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == name => m.content.as_ref().map(|(_, items)| &items[..]),
        _ => None,
    })
}

/// The type arguments of `Last<A, B>` in a path type.
fn generic_arguments(ty: &syn::Type) -> Vec<&syn::Type> {
    let syn::Type::Path(path) = ty else {
        return Vec::new();
    };
    let Some(last) = path.path.segments.last() else {
        return Vec::new();
    };
    let syn::PathArguments::AngleBracketed(arguments) = &last.arguments else {
        return Vec::new();
    };
    arguments
        .args
        .iter()
        .filter_map(|argument| match argument {
            syn::GenericArgument::Type(ty) => Some(ty),
            _ => None,
        })
        .collect()
}

/// `X` of `types::X`.
fn generated_type(ty: &syn::Type) -> Option<String> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let segments: Vec<_> = path.path.segments.iter().collect();
    match segments.as_slice() {
        [module, name] if module.ident == "types" => Some(name.ident.to_string()),
        _ => None,
    }
}

fn option_tokens(value: Option<i64>) -> TokenStream {
    match value {
        Some(v) => quote!(Some(#v)),
        None => quote!(None),
    }
}

/// A Rust identifier from a name the spec chose: characters Rust does not allow become `_`,
/// a leading digit gets a `_` in front, a keyword gets one behind.
fn ident(name: &str) -> Ident {
    let mut text: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if text.is_empty() || text.starts_with(|c: char| c.is_ascii_digit()) {
        text.insert(0, '_');
    }
    if syn::parse_str::<Ident>(&text).is_err() {
        text.push('_');
    }
    Ident::new(&text, Span::call_site())
}

/// Follows a local `$ref` (already checked to resolve by the lints).
pub(crate) fn resolve<'a>(document: &'a Value, node: &'a Value) -> &'a Value {
    node.get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'))
        .and_then(|pointer| document.pointer(pointer))
        .unwrap_or(node)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::*;

    #[test]
    fn integer_ranges_come_from_the_bounds_else_the_format() {
        let range = |schema| integer_range(&schema);
        assert_eq!(
            range(json!({"type": "integer", "format": "int32", "minimum": 0})),
            Some((0, i64::from(i32::MAX)))
        );
        assert_eq!(
            range(json!({"type": "integer", "minimum": 1, "maximum": 100})),
            Some((1, 100))
        );
        assert_eq!(
            range(json!({"type": "integer", "format": "int64"})),
            Some((i64::MIN, i64::MAX))
        );
        assert_eq!(
            range(
                json!({"type": "integer", "minimum": 0, "exclusiveMinimum": true,
                         "maximum": 10, "exclusiveMaximum": true})
            ),
            Some((1, 9))
        );
        // A bound wider than the format is cut to the format.
        assert_eq!(
            range(json!({"type": "integer", "format": "int32", "maximum": 1_i64 << 40})),
            Some((i64::from(i32::MIN), i64::from(i32::MAX)))
        );
        assert_eq!(range(json!({"type": "string"})), None);
    }

    #[test]
    fn identifiers_from_any_name_are_valid() {
        for (name, want) in [
            ("LIMIT", "LIMIT"),
            ("x-trace-id", "x_trace_id"),
            ("2fa", "_2fa"),
            ("type", "type_"),
            ("", "__"),
            ("_", "__"),
            ("ü", "__"),
        ] {
            assert_eq!(ident(name).to_string(), want, "{name:?}");
        }
    }

    fn document() -> Value {
        json!({
            "paths": {
                "/v1/{id}/things": {
                    "parameters": [
                        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                        {"name": "id", "in": "path", "schema": {"type": "string"}}
                    ],
                    "get": {
                        "operationId": "ListThings",
                        "parameters": [{"$ref": "#/components/parameters/Kind"}],
                        "responses": {
                            "200": {"content": {"application/json": {
                                "schema": {"type": "object"},
                                "examples": {"first": {"value": {"n": 1}}}
                            }}},
                            "404": {"$ref": "#/components/responses/NotFound"},
                            "500": {"description": "no body"}
                        }
                    },
                    "delete": {"operationId": "DeleteThings", "responses": {}}
                }
            },
            "components": {
                "parameters": {
                    "Kind": {"name": "kind", "in": "query",
                             "schema": {"$ref": "#/components/schemas/Kind"}}
                },
                "schemas": {
                    "Kind": {"type": "string", "enum": ["A", "B"], "example": "A"},
                    "Error": {"type": "object", "example": {"error_code": "E"}}
                },
                "responses": {
                    "NotFound": {"content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Error"}
                    }}}
                }
            }
        })
    }

    #[test]
    fn operations_collect_path_level_parameters_refs_and_every_kind_of_example() {
        let document = document();
        let operations = collect_operations(&document);
        let names: Vec<_> = operations
            .iter()
            .map(|o| (o.name.as_str(), o.method.as_str(), o.path.as_str()))
            .collect();
        assert_eq!(
            names,
            [
                ("list_things", "GET", "/v1/{id}/things"),
                ("delete_things", "DELETE", "/v1/{id}/things")
            ]
        );
        let list = &operations[0];
        let query: Vec<_> = list.query.iter().map(|query| query.name.as_str()).collect();
        assert_eq!(query, ["page", "kind"]);
        assert_eq!(list.query[1].schema["enum"], json!(["A", "B"]));
        assert_eq!(list.query[1].component.as_deref(), Some("Kind"));
        assert_eq!(
            list.examples,
            [
                ("200".to_string(), r#"{"n":1}"#.to_string()),
                ("404".to_string(), r#"{"error_code":"E"}"#.to_string())
            ]
        );
        assert!(operations[1].examples.is_empty());
        assert_eq!(operations[1].query.len(), 1, "the path item's `page`");
    }

    #[test]
    fn an_operations_x_idempotent_reaches_the_operation_table() {
        let mut document = document();
        document["paths"]["/v1/{id}/things"]["post"] = json!({
            "operationId": "DeleteThingsInBatch", "x-idempotent": true, "responses": {}
        });
        document["paths"]["/v1/{id}/things"]["delete"]["x-idempotent"] = json!(false);
        let operations = collect_operations(&document);
        let marked: Vec<_> = operations
            .iter()
            .map(|o| (o.name.as_str(), o.idempotent))
            .collect();
        assert_eq!(
            marked,
            [
                ("list_things", None),
                ("delete_things_in_batch", Some(true)),
                ("delete_things", Some(false))
            ]
        );
        let table: String = operation_table(&operations)
            .to_string()
            .split_whitespace()
            .collect();
        assert!(
            table.contains(
                r#"MARKED_IDEMPOTENT:&[(&str,bool)]=&[("delete_things_in_batch",true),("delete_things",false)];"#
            ),
            "{table}"
        );
    }

    /// Operations of every shape the service has: bodies (JSON, by `$ref`, another JSON type,
    /// multipart), answers without content (204, 200), parameters beyond the path's first,
    /// headers and arrays of both query styles.
    fn shapes() -> Value {
        json!({
            "paths": {
                "/v1/{project_id}/things/{thing_id}": {
                    "parameters": [
                        {"name": "project_id", "in": "path", "required": true, "schema": {"type": "string"}},
                        {"name": "thing_id", "in": "path", "schema": {"type": "string"}},
                        {"name": "X-Language", "in": "header", "schema": {"type": "string"}}
                    ],
                    "delete": {
                        "operationId": "DeleteThing",
                        "parameters": [
                            {"name": "X-Language", "in": "header", "required": true, "schema": {"type": "string"}},
                            {"name": "ids", "in": "query", "style": "form", "explode": false,
                             "schema": {"type": "array", "items": {"type": "string"}}},
                            {"name": "tags", "in": "query", "required": true,
                             "schema": {"$ref": "#/components/schemas/Tags"}},
                            {"name": "kinds", "in": "query", "explode": true,
                             "schema": {"type": "array", "items": {"type": "string"}}},
                            {"name": "X-Ids", "in": "header",
                             "schema": {"type": "array", "items": {"type": "string"}}}
                        ],
                        "responses": {
                            "204": {"description": "Deleted."},
                            "400": {"$ref": "#/components/responses/Error"}
                        }
                    },
                    "put": {
                        "operationId": "UpdateThing",
                        "requestBody": {"$ref": "#/components/requestBodies/Thing"},
                        "responses": {"200": {"description": "Updated, no body."}}
                    },
                    "patch": {
                        "operationId": "PatchThing",
                        "requestBody": {"content": {
                            "text/plain": {"schema": {"type": "string"}},
                            "application/merge-patch+json": {"schema": {"type": "object"}}
                        }},
                        "responses": {
                            "default": {"$ref": "#/components/responses/Error"},
                            "2XX": {"description": "Patched."}
                        }
                    },
                    "post": {
                        "operationId": "UploadThing",
                        "requestBody": {"required": true, "content": {
                            "multipart/form-data": {"schema": {"type": "object"}}
                        }},
                        "responses": {
                            "202": {"description": "Accepted.", "content": {}},
                            "201": {"description": "Created.", "content": {"application/json": {
                                "schema": {"type": "object"}, "example": {"id": "1"}
                            }}},
                            "default": {"$ref": "#/components/responses/Error"}
                        }
                    },
                    "get": {
                        "operationId": "ShowThing",
                        "responses": {"default": {"$ref": "#/components/responses/Error"}}
                    },
                    "head": {
                        "operationId": "HeadThing",
                        "responses": {"400": {"$ref": "#/components/responses/Error"}}
                    }
                }
            },
            "components": {
                "schemas": {
                    "Tags": {"type": "array", "items": {"type": "string"}}
                },
                "requestBodies": {
                    "Thing": {"required": true, "content": {
                        "application/json": {"schema": {"type": "object"}}
                    }}
                },
                "responses": {
                    "Error": {"description": "An error.", "content": {"application/json": {
                        "schema": {"type": "object"}
                    }}}
                }
            }
        })
    }

    #[test]
    fn responses_bodies_and_parameters_of_every_shape_are_collected() {
        let document = shapes();
        let operations = collect_operations(&document);
        let by_id = |id: &str| operations.iter().find(|o| o.id == id).unwrap();
        let statuses = |id: &str| -> Vec<(&str, bool)> {
            by_id(id)
                .responses
                .iter()
                .map(|(status, content)| (status.as_str(), *content))
                .collect()
        };
        assert_eq!(statuses("DeleteThing"), [("204", false), ("400", true)]);
        assert_eq!(statuses("UpdateThing"), [("200", false)]);
        // An empty `content` documents no body.
        assert_eq!(
            statuses("UploadThing"),
            [("202", false), ("201", true), ("default", true)]
        );

        let success = |id: &str| success_response(&by_id(id).responses);
        assert_eq!(success("DeleteThing"), Some(("204", false)));
        assert_eq!(success("UpdateThing"), Some(("200", false)));
        assert_eq!(
            success("UploadThing"),
            Some(("201", true)),
            "the lowest 2xx"
        );
        assert_eq!(
            success("PatchThing"),
            Some(("2XX", false)),
            "2XX before default"
        );
        assert_eq!(success("ShowThing"), Some(("default", true)));
        assert_eq!(success("HeadThing"), None);

        let body = |id: &str| by_id(id).body.clone();
        assert_eq!(body("DeleteThing"), None);
        assert_eq!(
            body("UpdateThing"),
            Some(("application/json".into(), true)),
            "a $ref to components/requestBodies"
        );
        assert_eq!(
            body("PatchThing"),
            Some(("application/merge-patch+json".into(), false)),
            "a JSON type before the first listed"
        );
        assert_eq!(
            body("UploadThing"),
            Some(("multipart/form-data".into(), true))
        );

        let parameters: Vec<_> = by_id("DeleteThing")
            .parameters
            .iter()
            .map(|p| (p.name.as_str(), p.location.as_str(), p.required, p.explode))
            .collect();
        assert_eq!(
            parameters,
            [
                ("project_id", "path", true, None),
                ("thing_id", "path", true, None),
                ("X-Language", "header", true, None),
                ("ids", "query", false, Some(false)),
                ("tags", "query", true, Some(true)),
                ("kinds", "query", false, Some(true)),
                ("X-Ids", "header", false, Some(false)),
            ]
        );
        assert_eq!(by_id("UpdateThing").parameters.len(), 3, "the path item's");
        assert!(
            !by_id("UpdateThing").parameters[2].required,
            "the path item's header, not the DELETE's"
        );
    }

    #[test]
    fn the_operation_table_lists_responses_success_bodies_and_parameters() {
        let document = shapes();
        let table: String = operation_table(&collect_operations(&document))
            .to_string()
            .split_whitespace()
            .collect();
        for expected in [
            r#"("delete_thing",&[("204",false),("400",true)])"#,
            // Operations in the order of HTTP methods; one without a success answer is left out.
            r#"SUCCESS:&[(&str,&str,bool)]=&[("show_thing","default",true),("update_thing","200",false),("upload_thing","201",true),("delete_thing","204",false),("patch_thing","2XX",false)];"#,
            r#"REQUEST_BODIES:&[(&str,&str,bool)]=&[("update_thing","application/json",true),("upload_thing","multipart/form-data",true),("patch_thing","application/merge-patch+json",false)];"#,
            r#"Parameter{name:"ids",location:"query",required:false,explode:Some(false)}"#,
            r#"Parameter{name:"thing_id",location:"path",required:true,explode:None}"#,
        ] {
            assert!(table.contains(expected), "{expected} in {table}");
        }
        syn::parse2::<syn::File>(operation_table(&collect_operations(&document))).unwrap();
    }

    #[test]
    fn the_tables_parse_as_rust() {
        let document = document();
        let operations = collect_operations(&document);
        for tokens in [
            region_endpoints(&document),
            enum_values(&document),
            operation_table(&operations),
            parameter_table(&operations),
        ] {
            syn::parse2::<syn::File>(tokens).unwrap();
        }
    }
}
