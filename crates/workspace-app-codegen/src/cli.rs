//! The command line's per-operation commands, generated from the spec for the CLI crate's
//! build script: progenitor's CLI generator (`Generator::cli`, with the client's settings)
//! over a view of the spec without what the CLI's global options already provide, and
//! beside it the `CliConfig` implementation that fills those values in.
//!
//! - Credential headers (the spec's `apiKey` security schemes in a header, `X-Auth-Token`)
//!   never become flags: credentials come from the CLI's credential chain, as for every
//!   command.
//! - Path parameters the global options provide ([`GLOBAL_PATH_PARAMETERS`]: `project_id`
//!   from `--project-id`, the environment or the IAM lookup) are not flags of each command;
//!   the generated `execute_<operation>` hook sets them on the request from the CLI's
//!   [`CliPaths::config`].
//!
//! The generated code names nothing outside itself but what [`CliPaths`] tells it: the
//! client crate and the CLI's own items, set by the caller in one constant.

use std::panic::{AssertUnwindSafe, catch_unwind};

use heck::ToSnakeCase;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

use crate::error::SpecErrors;
use crate::generate::{client_settings, progenitor_input, progenitor_view, with_header};
use crate::lint::{lint_structure, operation_sites};
use crate::load::Spec;
use crate::tables::{integer_query_parameters, resolve};

/// Name of the generated commands, in the CLI crate's `OUT_DIR`.
pub const CLI_FILE_NAME: &str = "workspace_app_cli_generated.rs";

/// Path parameters the CLI's global options provide, with the method of
/// [`CliPaths::config`] that gives the value.
pub const GLOBAL_PATH_PARAMETERS: &[(&str, &str)] = &[("project_id", "project_id")];

/// Every path the generated commands name outside themselves, as the CLI crate writes it:
/// the generator writes none of its own. The CLI's build script sets them in one constant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CliPaths<'a> {
    /// The client crate (`workspace_app_client`), whose spec tables
    /// (`spec::parameters::Integer`) the integer flags' parsers take.
    pub client_crate: &'a str,
    /// The CLI's module that re-exports what progenitor's code names (`Client`,
    /// `ResponseValue`, `Error`, `builder`, `types`), e.g. `crate::api::client`.
    pub client_module: &'a str,
    /// The CLI's type the generated `CliConfig` is implemented for, with a method of each
    /// name in [`GLOBAL_PATH_PARAMETERS`], e.g. `crate::api::Output`.
    pub config: &'a str,
    /// The CLI's bounded parser of an integer flag, `fn<T>(&'static Integer) -> ValueParser`,
    /// e.g. `crate::api::bounded`.
    pub bounded: &'a str,
}

/// Renders the CLI's generated commands: progenitor's `Cli`, `CliCommand` and `CliConfig`,
/// and `impl CliConfig for` [`CliPaths::config`], naming what is outside them by `paths`.
pub fn generate_cli(spec: &Spec, paths: &CliPaths<'_>) -> Result<String, SpecErrors> {
    lint_structure(spec)?;
    let fail = |message: String| SpecErrors::from(spec.error_at("", message));
    let path = |path: &str| {
        syn::parse_str::<syn::Path>(path).map_err(|e| {
            fail(format!(
                "`{path}`, set for the generated CLI, is not a Rust path: {e}"
            ))
        })
    };
    let config_type = path(paths.config)?;
    let bounded = path(paths.bounded)?;
    let integer = path(&format!(
        "{}::spec::parameters::Integer",
        paths.client_crate
    ))?;
    let view = progenitor_input(spec, |document| cli_view(&progenitor_view(document)))?;
    let mut generator = progenitor::Generator::new(&client_settings(spec));
    // progenitor's CLI generator asserts what it does not support instead of returning an
    // error; a panic here would be a build script's backtrace, not a message.
    let tokens = catch_unwind(AssertUnwindSafe(|| {
        generator.cli(&view, paths.client_module)
    }))
    .map_err(|panic| {
        let why = panic
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| panic.downcast_ref::<&str>().copied())
            .unwrap_or("no message");
        fail(format!("progenitor's CLI generator failed: {why}"))
    })?
    .map_err(|e| fail(format!("progenitor cannot generate the CLI: {e}")))?;
    let mut file: syn::File =
        syn::parse2(tokens).map_err(|e| fail(format!("the generated CLI does not parse: {e}")))?;
    // A response that is not JSON: progenitor's CLI writes `todo!()`, a panic at run time.
    if quote!(#file).to_string().contains("todo !") {
        return Err(fail(
            "progenitor's CLI generator cannot run an operation whose response is not JSON"
                .to_string(),
        ));
    }
    let config = config_impl(&file, &spec.document, &config_type)
        .ok_or_else(|| fail("progenitor's CLI has no `CliConfig` trait".to_string()))?;
    let parsers = integer_parsers(&file, &spec.document, &bounded, &integer).map_err(fail)?;
    file.items.extend(
        syn::parse2::<syn::File>(quote! { #config #parsers })
            .map(|f| f.items)
            .map_err(|e| fail(format!("the generated CLI glue does not parse: {e}")))?,
    );
    Ok(with_header(&file))
}

/// The spec without the parameters the CLI's global options provide.
fn cli_view(document: &Value) -> Value {
    let credentials = credential_headers(document);
    let provided = |parameter: &Value| {
        let parameter = resolve(document, parameter);
        let (name, location) = (
            parameter.get("name").and_then(Value::as_str).unwrap_or(""),
            parameter.get("in").and_then(Value::as_str).unwrap_or(""),
        );
        (location == "header" && credentials.iter().any(|c| c.eq_ignore_ascii_case(name)))
            || (location == "path" && GLOBAL_PATH_PARAMETERS.iter().any(|(p, _)| *p == name))
    };
    let mut view = document.clone();
    if let Some(paths) = view.get_mut("paths").and_then(Value::as_object_mut) {
        for item in paths.values_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for holder in item.values_mut() {
                if let Some(parameters) = holder.get_mut("parameters").and_then(Value::as_array_mut)
                {
                    parameters.retain(|parameter| !provided(parameter));
                }
            }
            if let Some(parameters) = item.get_mut("parameters").and_then(Value::as_array_mut) {
                parameters.retain(|parameter| !provided(parameter));
            }
        }
    }
    view
}

/// The header names of the spec's `apiKey` security schemes (`X-Auth-Token`,
/// `Authorization`).
fn credential_headers(document: &Value) -> Vec<String> {
    let schemes = document
        .pointer("/components/securitySchemes")
        .and_then(Value::as_object);
    schemes
        .into_iter()
        .flatten()
        .filter(|(_, scheme)| {
            scheme.get("type").and_then(Value::as_str) == Some("apiKey")
                && scheme.get("in").and_then(Value::as_str) == Some("header")
        })
        .filter_map(|(_, scheme)| scheme.get("name").and_then(Value::as_str))
        .map(str::to_string)
        .collect()
}

/// `impl CliConfig for #config`: each of the trait's required methods with an
/// empty body (the CLI renders the response's raw body itself, after the call), and for
/// each operation with a path parameter the global options provide, its `execute_*` hook,
/// which sets it. The signatures are the trait's own, copied from progenitor's output.
fn config_impl(file: &syn::File, document: &Value, config_type: &syn::Path) -> Option<TokenStream> {
    let config = file.items.iter().find_map(|item| match item {
        syn::Item::Trait(t) if t.ident == "CliConfig" => Some(t),
        _ => None,
    })?;
    let provided = provided_path_parameters(document);
    let methods = config.items.iter().filter_map(|item| {
        let syn::TraitItem::Fn(method) = item else {
            return None;
        };
        let sig = &method.sig;
        if method.default.is_none() {
            return Some(quote! { #sig {} });
        }
        let operation = sig.ident.to_string().strip_prefix("execute_")?.to_string();
        let setters = provided
            .iter()
            .filter(|(op, _)| *op == operation)
            .map(|(_, parameter)| {
                let setter = format_ident!("{}", parameter.to_snake_case());
                let source = GLOBAL_PATH_PARAMETERS
                    .iter()
                    .find(|(p, _)| p == parameter)
                    .map(|(_, source)| format_ident!("{source}"));
                quote! { *request = request.clone().#setter(self.#source()); }
            });
        let setters: Vec<TokenStream> = setters.collect();
        if setters.is_empty() {
            return None;
        }
        Some(quote! {
            #sig {
                let _ = matches;
                #(#setters)*
                Ok(())
            }
        })
    });
    let methods: Vec<TokenStream> = methods.collect();
    Some(quote! {
        impl CliConfig for #config_type {
            #(#methods)*
        }
    })
}

/// `(operation as progenitor names it, parameter)` for each path parameter the global
/// options provide.
fn provided_path_parameters(document: &Value) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for site in operation_sites(document) {
        let Some(id) = site.operation.get("operationId").and_then(Value::as_str) else {
            continue;
        };
        for parameter in site.parameters(document) {
            let name = parameter.name();
            if parameter.location() == "path"
                && GLOBAL_PATH_PARAMETERS.iter().any(|(p, _)| *p == name)
            {
                found.push((id.to_snake_case(), name.to_string()));
            }
        }
    }
    found
}

/// `integer_parser(command, flag, integer)`: for each integer flag, the CLI's bounded parser
/// (`#bounded::<T>`, taking an `&'static #integer`) producing the Rust type progenitor's code reads the flag as
/// (`matches.get_one::<T>(flag)`), so that the spec's bounds are checked as the flag is
/// parsed and the generated code still finds its type.
/// Every integer query parameter must get one: the generated code is read as token text
/// (`flag_types`), and a change in how progenitor writes it is an error here, not flags
/// whose bounds are no longer checked as they are parsed.
fn integer_parsers(
    file: &syn::File,
    document: &Value,
    bounded: &syn::Path,
    integer: &syn::Path,
) -> Result<TokenStream, String> {
    const INTEGERS: [&str; 12] = [
        "i8",
        "i16",
        "i32",
        "i64",
        "u8",
        "u16",
        "u32",
        "u64",
        "NonZeroU8",
        "NonZeroU16",
        "NonZeroU32",
        "NonZeroU64",
    ];
    let mut arms = Vec::new();
    let mut found: Vec<(String, String)> = Vec::new();
    for item in &file.items {
        let syn::Item::Impl(block) = item else {
            continue;
        };
        for member in &block.items {
            let syn::ImplItem::Fn(method) = member else {
                continue;
            };
            let Some(operation) = method
                .sig
                .ident
                .to_string()
                .strip_prefix("execute_")
                .map(str::to_string)
            else {
                continue;
            };
            let variant =
                format_ident!("{}", heck::ToPascalCase::to_pascal_case(operation.as_str()));
            let body = quote!(#method).to_string();
            for (ty, flag) in flag_types(&body) {
                let last = ty.rsplit("::").next().unwrap_or(&ty).trim().to_string();
                if !INTEGERS.contains(&last.as_str()) {
                    continue;
                }
                let Ok(ty) = syn::parse_str::<syn::Type>(&ty) else {
                    continue;
                };
                arms.push(quote! {
                    (CliCommand::#variant, #flag) => Some(#bounded::<#ty>(integer)),
                });
                found.push((variant.to_string(), flag));
            }
        }
    }
    let provided = |name: &str| GLOBAL_PATH_PARAMETERS.iter().any(|(p, _)| *p == name);
    for (operation, name) in integer_query_parameters(document) {
        let (variant, flag) = (
            heck::ToPascalCase::to_pascal_case(operation.as_str()),
            name.replace('_', "-"),
        );
        if !provided(&name) && !found.contains(&(variant, flag.clone())) {
            return Err(format!(
                "the CLI's {operation} reads its integer flag --{flag} in a way this generator \
                 does not recognise (`matches.get_one::<T>(\"{flag}\")`): its bounds would go \
                 unchecked"
            ));
        }
    }
    Ok(quote! {
        /// The bounded parser of an integer flag, in the type the generated code reads.
        pub fn integer_parser(
            command: CliCommand,
            flag: &str,
            integer: &'static #integer,
        ) -> Option<::clap::builder::ValueParser> {
            match (command, flag) {
                #(#arms)*
                _ => None,
            }
        }
    })
}

/// `(type, flag)` of each `get_one::<type>("flag")` in a function's token text.
fn flag_types(body: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut rest = body;
    while let Some(start) = rest.find("get_one :: <") {
        rest = &rest[start + "get_one :: <".len()..];
        let Some(end) = rest.find("> (\"") else {
            break;
        };
        let ty = rest[..end].trim().to_string();
        rest = &rest[end + "> (\"".len()..];
        let Some(close) = rest.find('"') else {
            break;
        };
        found.push((ty, rest[..close].to_string()));
        rest = &rest[close..];
    }
    found
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::integer_parsers;

    /// The bounded parser and the spec tables' `Integer` as a caller might name them.
    fn bounded() -> syn::Path {
        syn::parse_quote!(cli::parse::bounded)
    }
    fn integer() -> syn::Path {
        syn::parse_quote!(client::spec::parameters::Integer)
    }

    /// A document with one operation and its integer query parameter `limit`.
    fn document() -> serde_json::Value {
        json!({"paths": {"/v1/{project_id}/items": {"get": {
            "operationId": "ListItems",
            "parameters": [
                {"name": "project_id", "in": "path", "required": true, "schema": {"type": "string"}},
                {"name": "limit", "in": "query", "schema": {"type": "integer", "format": "int32", "minimum": 1}}
            ]
        }}}})
    }

    #[test]
    fn an_integer_flag_read_as_this_generator_expects_gets_its_parser() {
        let file: syn::File = syn::parse_quote! {
            impl<T: CliConfig> Cli<T> {
                pub async fn execute_list_items(&self, matches: &::clap::ArgMatches) {
                    if let Some(value) = matches.get_one::<::std::num::NonZeroU32>("limit") {}
                }
            }
        };
        let parsers = integer_parsers(&file, &document(), &bounded(), &integer())
            .unwrap()
            .to_string();
        assert!(parsers.contains("\"limit\""), "{parsers}");
        // Only the paths it was given: no crate or module of its own.
        assert!(
            parsers.contains("cli :: parse :: bounded :: < :: std :: num :: NonZeroU32 >")
                && parsers.contains("& 'static client :: spec :: parameters :: Integer"),
            "{parsers}"
        );
        assert!(
            !parsers.contains("workspace_app_client") && !parsers.contains("api"),
            "{parsers}"
        );
    }

    /// progenitor writing its code otherwise must not leave the flag without its bounds.
    #[test]
    fn an_integer_flag_read_otherwise_is_an_error() {
        let file: syn::File = syn::parse_quote! {
            impl<T: CliConfig> Cli<T> {
                pub async fn execute_list_items(&self, matches: &::clap::ArgMatches) {
                    if let Some(value) = matches.get_raw("limit") {}
                }
            }
        };
        let error = integer_parsers(&file, &document(), &bounded(), &integer()).unwrap_err();
        assert!(
            error.contains("ListItems") && error.contains("--limit"),
            "{error}"
        );
    }
}
