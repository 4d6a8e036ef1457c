//! The progenitor settings and the rendering of the generated client source.

use heck::{ToPascalCase, ToSnakeCase};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

use crate::error::SpecErrors;
use crate::lint::{lint_structure, operations};
use crate::load::{Spec, escape_pointer_segment};

/// Name of the generated file, in `OUT_DIR` (build) or the snapshot (tests).
pub const GENERATED_FILE_NAME: &str = "workspace_app_generated.rs";

/// Progenitor settings for the client: builder-style operations, `schemars::JsonSchema` on
/// every type, the hand-written `crate::ClientConfig` as the client's inner value with hooks
/// that the client crate must implement, and the spec's open enums mapped to
/// `crate::Extensible<_>`.
pub fn client_settings(spec: &Spec) -> progenitor::GenerationSettings {
    let mut settings = progenitor::GenerationSettings::new();
    settings
        .with_interface(progenitor::InterfaceStyle::Builder)
        .with_tag(progenitor::TagStyle::Merged)
        .with_derive("schemars::JsonSchema")
        .with_derive("PartialEq")
        .with_inner_type(quote!(crate::ClientConfig))
        .with_hooks(progenitor::HooksMode::Expected);
    for (name, known) in open_enums(&spec.document) {
        let replacement = format!(
            "crate::Extensible<crate::types::{}>",
            known.to_pascal_case()
        );
        settings.with_replacement(
            name.to_pascal_case(),
            replacement,
            [progenitor::TypeImpl::FromStr, progenitor::TypeImpl::Display].into_iter(),
        );
    }
    settings
}

/// Component schemas of the form `anyOf: [{$ref: <string enum>}, {type: string}]`: a value
/// the server may extend. Returns `(schema name, enum schema name)` pairs.
///
/// Such a schema becomes `Extensible<Enum>`, which keeps an unknown value as its raw string
/// instead of failing the whole response.
fn open_enums(document: &Value) -> Vec<(String, String)> {
    let schemas = document
        .pointer("/components/schemas")
        .and_then(Value::as_object);
    let mut found = Vec::new();
    for (name, schema) in schemas.into_iter().flatten() {
        let Some([first, second]) = schema
            .get("anyOf")
            .and_then(Value::as_array)
            .map(Vec::as_slice)
        else {
            continue;
        };
        let known = first
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.strip_prefix("#/components/schemas/"));
        let is_enum = |target: &str| {
            document
                .pointer(&format!(
                    "/components/schemas/{}",
                    escape_pointer_segment(target)
                ))
                .is_some_and(|s| s.get("enum").is_some() && s.get("type") == Some(&"string".into()))
        };
        let is_plain_string =
            second.get("type") == Some(&"string".into()) && second.get("enum").is_none();
        if let Some(known) = known.filter(|k| is_enum(k)).filter(|_| is_plain_string) {
            found.push((name.clone(), known.to_string()));
        }
    }
    found
}

/// Renders the whole generated client: progenitor's output plus the table of parameter
/// bounds that progenitor does not enforce. Refuses a spec that fails the structural lints.
pub fn generate_client(spec: &Spec) -> Result<String, SpecErrors> {
    lint_structure(spec)?;
    let mut generator = progenitor::Generator::new(&client_settings(spec));
    let client = generator
        .generate_tokens(&spec.openapi)
        .map_err(|e| spec.error_at("", format!("progenitor cannot generate a client: {e}")))?;
    let bounds = parameter_bounds(spec);
    let paths = operation_paths(&spec.document);
    let regions = region_endpoints(&spec.document);
    render(quote! { #client #bounds #paths #regions }).map_err(|e| spec.error_at("", e).into())
}

/// `query_bounds(operation_id)`: the numeric `minimum`/`maximum` of each query parameter.
/// Progenitor maps `limit: {minimum: 1, maximum: 100}` to `NonZeroU32` and drops the
/// maximum; the client checks these bounds before sending, so a bad value never reaches the
/// network.
fn parameter_bounds(spec: &Spec) -> TokenStream {
    let mut arms = Vec::new();
    for (_, operation) in operations(&spec.document) {
        let Some(id) = operation.get("operationId").and_then(Value::as_str) else {
            continue;
        };
        let parameters = operation.get("parameters").and_then(Value::as_array);
        let entries = parameters.into_iter().flatten().filter_map(|parameter| {
            let parameter = resolve(&spec.document, parameter);
            if parameter.get("in")? != "query" {
                return None;
            }
            let name = parameter.get("name")?.as_str()?;
            let schema = resolve(&spec.document, parameter.get("schema")?);
            let minimum = schema.get("minimum").and_then(Value::as_i64);
            let maximum = schema.get("maximum").and_then(Value::as_i64);
            if minimum.is_none() && maximum.is_none() {
                return None;
            }
            let minimum = option_tokens(minimum);
            let maximum = option_tokens(maximum);
            Some(quote! { Bounds { name: #name, minimum: #minimum, maximum: #maximum } })
        });
        let snake = id.to_snake_case();
        let constant = format_ident!("{}", snake.to_uppercase());
        arms.push((snake, constant, entries.collect::<Vec<_>>()));
    }
    let constants = arms.iter().map(|(snake, constant, entries)| {
        let doc = format!("Bounds of the query parameters of `{snake}`.");
        quote! {
            #[doc = #doc]
            pub const #constant: &[Bounds] = &[#(#entries),*];
        }
    });
    let matches = arms
        .iter()
        .map(|(snake, constant, _)| quote! { #snake => #constant, });
    quote! {
        /// Numeric bounds of query parameters, from the OpenAPI document.
        pub mod parameter_bounds {
            /// The inclusive bounds of one integer query parameter.
            #[derive(Debug, Clone, Copy, PartialEq, Eq)]
            pub struct Bounds {
                /// The parameter's name in the query string.
                pub name: &'static str,
                /// The smallest allowed value, if any.
                pub minimum: Option<i64>,
                /// The largest allowed value, if any.
                pub maximum: Option<i64>,
            }
            #(#constants)*
            /// The bounds for an operation, by the `operation_id` progenitor gives its hooks.
            pub fn query_bounds(operation_id: &str) -> &'static [Bounds] {
                match operation_id {
                    #(#matches)*
                    _ => &[],
                }
            }
        }
    }
}

/// `operation_paths::template(operation_id)`: the path template of each operation, so the
/// client can check that path parameters did not change the shape of the path (URL parsing
/// resolves a `.` or `..` segment away).
fn operation_paths(document: &Value) -> TokenStream {
    let paths = document.get("paths").and_then(Value::as_object);
    let arms = paths.into_iter().flatten().flat_map(|(path, item)| {
        item.as_object()
            .into_iter()
            .flatten()
            .filter_map(move |(_, operation)| {
                let id = operation.get("operationId")?.as_str()?.to_snake_case();
                Some(quote! { #id => Some(#path), })
            })
    });
    quote! {
        /// The path template of each operation, from the OpenAPI document.
        pub mod operation_paths {
            /// The template of an operation, by the `operation_id` progenitor gives its hooks.
            pub fn template(operation_id: &str) -> Option<&'static str> {
                match operation_id {
                    #(#arms)*
                    _ => None,
                }
            }
        }
    }
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

fn option_tokens(value: Option<i64>) -> TokenStream {
    match value {
        Some(v) => quote!(Some(#v)),
        None => quote!(None),
    }
}

/// Follows a local `$ref` (already checked to resolve by the lints).
fn resolve<'a>(document: &'a Value, node: &'a Value) -> &'a Value {
    node.get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix('#'))
        .and_then(|pointer| document.pointer(pointer))
        .unwrap_or(node)
}

fn render(tokens: TokenStream) -> Result<String, String> {
    let file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("generated code does not parse: {e}"))?;
    Ok(format!(
        "// @generated by workspace-app-codegen from openapi/workspace-app.yaml. Do not edit:\n\
         // change the spec, then run `cargo xtask regenerate`.\n\n{}",
        prettyplease::unparse(&file)
    ))
}
