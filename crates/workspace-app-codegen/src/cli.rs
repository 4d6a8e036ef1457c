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
//! - A list query parameter is a repeatable flag (`--names a --names b`), read with
//!   `get_many`; one the spec sends as one comma-separated value (`explode: false`) takes a
//!   comma-separated list too (`--names a,b`). progenitor's generator writes a parser for
//!   the whole list (`value_parser!(Vec<T>)`), which does not compile.
//! - A request body: `--json-body FILE` (`-`: standard input) is read and checked against
//!   the body's type by the CLI before anything is sent ([`CliPaths::json_body`]; the
//!   generated `check_json_body`), and the generated `execute_<operation>` takes it from
//!   the CLI's [`CliPaths::config`] before the per-field flags, which set their fields over
//!   it; `--json-body-template` prints the template of the body the generated
//!   `json_body_template` holds (every property of the spec's schema, nested, with the
//!   spec's example or a placeholder for its type) and needs no other flag.
//!
//! - A flag named as one the CLI gives every command ([`CliPaths::taken_flags`]: its global
//!   options, `--output`, `--help`) is renamed by where its value goes: the whole service's
//!   `app_name` query parameter is `--query-app-name`, beside the CLI's `--app-name`. The
//!   generated `spec_flag` gives its first name back.
//!
//! The generated code names nothing outside itself but what [`CliPaths`] tells it: the
//! client crate and the CLI's own items, set by the caller in one constant.

use std::panic::{AssertUnwindSafe, catch_unwind};

use heck::{ToKebabCase, ToSnakeCase};
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

use crate::error::SpecErrors;
use crate::generate::{
    client_settings, list_query_parameters, progenitor_input, progenitor_view,
    unexploded_query_lists, with_header,
};
use crate::lint::{follow_refs, lint_structure, operation_sites};
use crate::load::Spec;
use crate::tables::{integer_query_parameters, resolve};

/// Name of the generated commands, in the CLI crate's `OUT_DIR`.
pub const CLI_FILE_NAME: &str = "workspace_app_cli_generated.rs";

/// Path parameters the CLI's global options provide, with the method of
/// [`CliPaths::config`] that gives the value.
pub const GLOBAL_PATH_PARAMETERS: &[(&str, &str)] = &[("project_id", "project_id")];

/// What the generated commands must know of the CLI around them: every path they name
/// outside themselves, as the CLI crate writes it (the generator writes none of its own),
/// and the flags the CLI already gives every command. The CLI's build script sets them in
/// one constant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CliPaths<'a> {
    /// The client crate (`workspace_app_client`), whose spec tables
    /// (`spec::parameters::Integer`) the integer flags' parsers take.
    pub client_crate: &'a str,
    /// The CLI's module that re-exports what progenitor's code names (`Client`,
    /// `ResponseValue`, `Error`, `builder`, `types`), e.g. `crate::api::client`.
    pub client_module: &'a str,
    /// The CLI's type the generated `CliConfig` is implemented for, with a method of each
    /// name in [`GLOBAL_PATH_PARAMETERS`] and `json_body_text(&self) -> Option<&str>` (the
    /// request body `--json-body` gave, already checked), e.g. `crate::api::Output`.
    pub config: &'a str,
    /// The CLI's bounded parser of an integer flag, `fn<T>(&'static Integer) -> ValueParser`,
    /// e.g. `crate::api::bounded`.
    pub bounded: &'a str,
    /// The CLI's reader of a request body,
    /// `fn<T: DeserializeOwned + Serialize>(&str) -> Result<T, E>` with an error `E` that
    /// `anyhow` takes, e.g. `crate::api::json_body`.
    pub json_body: &'a str,
    /// The long flags the CLI gives every operation's command (its global options,
    /// `--output`, `--help`). An operation's flag of one of these names is renamed by where
    /// its value goes (`--app-name`, a query parameter, becomes `--query-app-name`): clap
    /// refuses two flags of one name. The generated `TAKEN_FLAGS` repeats the list, and
    /// `spec_flag` gives a renamed flag's first name.
    pub taken_flags: &'a [&'a str],
}

/// The flag of a request body's file (progenitor's name), and of its template.
const JSON_BODY: &str = "json-body";
const JSON_BODY_TEMPLATE: &str = "json-body-template";

/// The help of `--json-body` and `--json-body-template`.
const JSON_BODY_HELP: &str = "The request body: a JSON file, or - for standard input. It is \
    checked against the operation's schema before anything is sent; the flags of its fields, \
    given beside it, set those fields over it";
const JSON_BODY_TEMPLATE_HELP: &str = "Print a template of the request body (every field of \
    its schema, with the spec's example or a placeholder for its type) and exit, sending \
    nothing";

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
    let json_body = path(paths.json_body)?;
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
    list_flags(&mut file, &spec.document).map_err(fail)?;
    let bodies = json_bodies(&mut file, &spec.document, &json_body).map_err(fail)?;
    let config = config_impl(&file, &spec.document, &config_type)
        .ok_or_else(|| fail("progenitor's CLI has no `CliConfig` trait".to_string()))?;
    let parsers = integer_parsers(&file, &spec.document, &bounded, &integer).map_err(fail)?;
    let body_functions = body_functions(&bodies, &json_body);
    // Last: what comes before finds each flag by the name progenitor gave it.
    let renamed = rename_taken_flags(&mut file, &spec.document, paths.taken_flags).map_err(fail)?;
    let spec_flag = spec_flag(&renamed, paths.taken_flags);
    file.items.extend(
        syn::parse2::<syn::File>(quote! { #config #parsers #body_functions #spec_flag })
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
            fn json_body(&self) -> Option<&str> {
                self.json_body_text()
            }
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

/// A flag renamed because its name was taken: the operation (as progenitor's methods name
/// it, `list_things`), the name progenitor gave the flag, and its new name.
#[derive(Debug)]
struct Renamed {
    operation: String,
    spec_flag: String,
    flag: String,
}

/// Renames each flag of an operation's command whose name a flag of every command takes
/// (`taken`) to `<where its value goes>-<flag>` (`query-app-name`, `body-region`), in the
/// command and in the call that reads it. Two flags of one name in one command, before or
/// after renaming, are an error naming both: progenitor names a flag by its parameter or
/// field alone, and clap refuses two flags of one name (at run time).
fn rename_taken_flags(
    file: &mut syn::File,
    document: &Value,
    taken: &[&str],
) -> Result<Vec<Renamed>, String> {
    let mut renamed = Vec::new();
    for method in cli_methods(file) {
        let name = method.sig.ident.to_string();
        let Some(operation) = name.strip_prefix("cli_") else {
            continue;
        };
        let mut flags: Vec<String> = Vec::new();
        for statement in &mut method.block.stmts {
            if let syn::Stmt::Expr(command, _) = statement {
                // The chain is walked from its end: its last `.arg(..)` comes first.
                flags.extend(
                    arg_exprs(command)
                        .iter()
                        .rev()
                        .filter_map(|arg| arg_name(arg)),
                );
            }
        }
        let mut seen: Vec<String> = Vec::new();
        for flag in flags {
            let new = if taken.contains(&flag.as_str()) {
                let place = flag_place(document, operation, &flag);
                let new = format!("{place}-{flag}");
                renamed.push(Renamed {
                    operation: operation.to_string(),
                    spec_flag: flag,
                    flag: new.clone(),
                });
                new
            } else {
                flag
            };
            if seen.contains(&new) || taken.contains(&new.as_str()) {
                return Err(format!(
                    "the CLI's {operation} would have two flags --{new}: progenitor names a \
                     flag by its parameter or body field alone, so two of them whose names \
                     differ only in case or punctuation (or one named as the CLI's --{new}) \
                     cannot both be flags"
                ));
            }
            seen.push(new);
        }
    }
    for method in cli_methods(file) {
        let name = method.sig.ident.to_string();
        let operation = name
            .strip_prefix("cli_")
            .or_else(|| name.strip_prefix("execute_"));
        for rename in renamed
            .iter()
            .filter(|r| Some(r.operation.as_str()) == operation)
        {
            let tokens = replace_string(quote!(#method), &rename.spec_flag, &rename.flag);
            *method = syn::parse2(tokens)
                .map_err(|e| format!("the CLI's {name} does not parse after renaming: {e}"))?;
        }
    }
    Ok(renamed)
}

/// Where the value of an operation's flag goes: `path`, `query`, `header` or `cookie` for a
/// parameter, `body` for anything else (progenitor's other flags are the body's).
fn flag_place(document: &Value, operation: &str, flag: &str) -> String {
    operation_sites(document)
        .filter(|site| {
            site.operation
                .get("operationId")
                .and_then(Value::as_str)
                .is_some_and(|id| id.to_snake_case() == operation)
        })
        .flat_map(|site| site.parameters(document))
        .find(|parameter| flag_name(parameter.name()) == flag)
        .map_or_else(|| "body".to_string(), |p| p.location().to_string())
}

/// `tokens` with each string literal `"from"` written `"to"`.
fn replace_string(tokens: TokenStream, from: &str, to: &str) -> TokenStream {
    use proc_macro2::{Group, Literal, TokenTree};
    let written = Literal::string(from).to_string();
    tokens
        .into_iter()
        .map(|token| match token {
            TokenTree::Literal(literal) if literal.to_string() == written => {
                let mut new = Literal::string(to);
                new.set_span(literal.span());
                TokenTree::Literal(new)
            }
            TokenTree::Group(group) => {
                let mut new =
                    Group::new(group.delimiter(), replace_string(group.stream(), from, to));
                new.set_span(group.span());
                TokenTree::Group(new)
            }
            other => other,
        })
        .collect()
}

/// The generated `TAKEN_FLAGS` (the flags the CLI gives every command) and `spec_flag`,
/// which gives a renamed flag's first name: the name of its parameter or field in kebab
/// case, by which the spec's tables and `integer_parser` know it.
fn spec_flag(renamed: &[Renamed], taken: &[&str]) -> TokenStream {
    let arms = renamed.iter().map(|rename| {
        let variant = format_ident!(
            "{}",
            heck::ToPascalCase::to_pascal_case(rename.operation.as_str())
        );
        let (flag, spec_flag) = (&rename.flag, &rename.spec_flag);
        quote! { (CliCommand::#variant, #flag) => #spec_flag, }
    });
    quote! {
        /// The long flags the CLI gives every command, which no flag of an operation takes.
        pub const TAKEN_FLAGS: &[&str] = &[#(#taken),*];

        /// The name progenitor gave a flag renamed because the CLI's own flag had it
        /// (`query-app-name`: `app-name`); any other flag's own.
        pub fn spec_flag<'a>(command: CliCommand, flag: &'a str) -> &'a str {
            match (command, flag) {
                #(#arms)*
                _ => flag,
            }
        }
    }
}

/// The methods of progenitor's `impl<T: CliConfig> Cli<T>`: `cli_<operation>` (the
/// command) and `execute_<operation>` (the call) of each operation.
fn cli_methods(file: &mut syn::File) -> impl Iterator<Item = &mut syn::ImplItemFn> {
    file.items
        .iter_mut()
        .filter_map(|item| match item {
            syn::Item::Impl(block)
                if block.trait_.is_none()
                    && matches!(&*block.self_ty, syn::Type::Path(p)
                        if p.path.segments.last().is_some_and(|s| s.ident == "Cli")) =>
            {
                Some(block.items.iter_mut())
            }
            _ => None,
        })
        .flatten()
        .filter_map(|member| match member {
            syn::ImplItem::Fn(method) => Some(method),
            _ => None,
        })
}

/// The flag progenitor names a parameter or a body property by.
fn flag_name(name: &str) -> String {
    name.to_kebab_case()
}

/// Every list query parameter becomes a repeatable flag: progenitor's
/// `.value_parser(value_parser!(Vec<T>))` (which does not compile) becomes the item's
/// parser with `ArgAction::Append`, and `.value_delimiter(',')` too for a list the spec
/// sends as one comma-separated value (`explode: false`: an item cannot hold a comma); the
/// flag is read with `get_many::<T>` into the list. A list query parameter of the spec
/// that is not found where progenitor puts it is an error naming the flag.
fn list_flags(file: &mut syn::File, document: &Value) -> Result<(), String> {
    let unexploded: Vec<(String, String)> = unexploded_query_lists(document)
        .into_iter()
        .map(|(operation, name)| (operation.to_snake_case(), flag_name(&name)))
        .collect();
    let mut commands: Vec<(String, String)> = Vec::new();
    let mut reads: Vec<(String, String)> = Vec::new();
    for method in cli_methods(file) {
        let name = method.sig.ident.to_string();
        if let Some(operation) = name.strip_prefix("cli_") {
            let delimited =
                |flag: &str| unexploded.iter().any(|(o, f)| o == operation && f == flag);
            for flag in repeatable_list_args(method, delimited) {
                commands.push((operation.to_string(), flag));
            }
        } else if let Some(operation) = name.strip_prefix("execute_") {
            for flag in read_lists_with_get_many(method) {
                reads.push((operation.to_string(), flag));
            }
        }
    }
    let provided = |name: &str| GLOBAL_PATH_PARAMETERS.iter().any(|(p, _)| *p == name);
    let mut expected: Vec<(String, String, String)> = list_query_parameters(document)
        .into_iter()
        .filter(|(_, name)| !provided(name))
        .map(|(id, name)| (id.clone(), id.to_snake_case(), flag_name(&name)))
        .collect();
    // A list flag of another kind (a header's) that progenitor wrote the same way.
    for (operation, flag) in commands.iter().chain(&reads) {
        if !expected.iter().any(|(_, o, f)| o == operation && f == flag) {
            expected.push((operation.clone(), operation.clone(), flag.clone()));
        }
    }
    for (id, operation, flag) in expected {
        let key = (operation, flag.clone());
        if !commands.contains(&key) || !reads.contains(&key) {
            return Err(format!(
                "the CLI's {id} takes its list --{flag} in a way this generator does not \
                 recognise (`.value_parser(value_parser!(Vec<T>))`, read with \
                 `matches.get_one::<Vec<T>>(\"{flag}\")`): it cannot be a repeatable flag"
            ));
        }
    }
    Ok(())
}

/// In a `cli_<operation>`, each `.arg(..)` whose parser is `value_parser!(Vec<T>)` takes
/// `value_parser!(T)` and `ArgAction::Append` instead (and `.value_delimiter(',')` when
/// `delimited(flag)`). The flags rewritten.
fn repeatable_list_args(
    method: &mut syn::ImplItemFn,
    delimited: impl Fn(&str) -> bool,
) -> Vec<String> {
    let mut rewritten = Vec::new();
    for statement in &mut method.block.stmts {
        let syn::Stmt::Expr(command, _) = statement else {
            continue;
        };
        for arg in arg_exprs(command) {
            let Some(flag) = arg_name(arg) else {
                continue;
            };
            let mut found = false;
            for_each_call(arg, |method, args| {
                if method != "value_parser" {
                    return;
                }
                let Some(syn::Expr::Macro(parser)) = args.first_mut() else {
                    return;
                };
                let item = syn::parse2::<syn::Type>(parser.mac.tokens.clone())
                    .ok()
                    .and_then(|ty| vec_item(&ty));
                if let Some(item) = item {
                    parser.mac.tokens = quote!(#item);
                    found = true;
                }
            });
            if found {
                let delimiter = delimited(&flag).then(|| quote!(.value_delimiter(',')));
                *arg = syn::parse_quote!(#arg.action(::clap::ArgAction::Append) #delimiter);
                rewritten.push(flag);
            }
        }
    }
    rewritten
}

/// In an `execute_<operation>`, each `if let Some(value) = matches.get_one::<Vec<T>>(flag)`
/// reads the flag's values instead: `matches.get_many::<T>(flag).map(|values|
/// values.cloned().collect::<Vec<T>>())`. The flags rewritten.
fn read_lists_with_get_many(method: &mut syn::ImplItemFn) -> Vec<String> {
    let mut rewritten = Vec::new();
    for statement in &mut method.block.stmts {
        let Some((flag, read)) = flag_read(statement) else {
            continue;
        };
        let syn::Expr::MethodCall(call) = &*read else {
            continue;
        };
        let Some(item) = turbofish_type(call).and_then(|ty| vec_item(&ty)) else {
            continue;
        };
        let matches = &call.receiver;
        *read = syn::parse_quote! {
            #matches
                .get_many::<#item>(#flag)
                .map(|values| values.cloned().collect::<::std::vec::Vec<#item>>())
        };
        rewritten.push(flag);
    }
    rewritten
}

/// `(flag, the read)` of a statement `if let Some(value) = matches.get_one::<T>("flag") {..}`.
fn flag_read(statement: &mut syn::Stmt) -> Option<(String, &mut syn::Expr)> {
    let syn::Stmt::Expr(syn::Expr::If(branch), _) = statement else {
        return None;
    };
    let syn::Expr::Let(binding) = &mut *branch.cond else {
        return None;
    };
    let syn::Expr::MethodCall(call) = &*binding.expr else {
        return None;
    };
    if call.method != "get_one" || call.args.len() != 1 {
        return None;
    }
    let Some(syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Str(flag),
        ..
    })) = call.args.first()
    else {
        return None;
    };
    Some((flag.value(), &mut binding.expr))
}

/// `T` of a method call `.name::<T>(..)`.
fn turbofish_type(call: &syn::ExprMethodCall) -> Option<syn::Type> {
    match call.turbofish.as_ref()?.args.first()? {
        syn::GenericArgument::Type(ty) => Some(ty.clone()),
        _ => None,
    }
}

/// `T` of `Vec<T>` (`::std::vec::Vec<T>`, `Vec<T>`).
fn vec_item(ty: &syn::Type) -> Option<syn::Type> {
    let syn::Type::Path(path) = ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != "Vec" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(arguments) = &last.arguments else {
        return None;
    };
    match arguments.args.first()? {
        syn::GenericArgument::Type(item) if arguments.args.len() == 1 => Some(item.clone()),
        _ => None,
    }
}

/// The argument of each `.arg(..)` of a command's chain of calls.
fn arg_exprs(mut expr: &mut syn::Expr) -> Vec<&mut syn::Expr> {
    let mut found = Vec::new();
    while let syn::Expr::MethodCall(syn::ExprMethodCall {
        receiver,
        method,
        args,
        ..
    }) = expr
    {
        if method == "arg" && args.len() == 1 {
            found.extend(args.first_mut());
        }
        expr = receiver;
    }
    found
}

/// The method and the arguments of each call of a chain (`a.b(x).c(y)`: `c`, then `b`).
type CallArgs = syn::punctuated::Punctuated<syn::Expr, syn::Token![,]>;
fn for_each_call(mut expr: &mut syn::Expr, mut f: impl FnMut(&mut syn::Ident, &mut CallArgs)) {
    while let syn::Expr::MethodCall(syn::ExprMethodCall {
        receiver,
        method,
        args,
        ..
    }) = expr
    {
        f(method, args);
        expr = receiver;
    }
}

/// The flag `::clap::Arg::new("flag")` at the start of an argument's chain of calls.
fn arg_name(mut expr: &syn::Expr) -> Option<String> {
    while let syn::Expr::MethodCall(call) = expr {
        expr = &call.receiver;
    }
    let syn::Expr::Call(call) = expr else {
        return None;
    };
    let syn::Expr::Path(function) = &*call.func else {
        return None;
    };
    let mut segments = function.path.segments.iter().rev();
    let is_new = segments.next().is_some_and(|s| s.ident == "new")
        && segments.next().is_some_and(|s| s.ident == "Arg");
    match call.args.first() {
        Some(syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(flag),
            ..
        })) if is_new => Some(flag.value()),
        _ => None,
    }
}

/// An operation's request body, as the generated CLI reads it.
struct Body {
    /// The operation's `CliCommand` variant.
    variant: syn::Ident,
    /// The body's type, as progenitor's code names it (`types::ServerHaltReq`).
    ty: syn::Type,
    /// `--json-body-template`'s text.
    template: String,
}

/// For each operation with a JSON request body (`document`: the spec; one without a JSON form
/// is not generated):
/// `--json-body` is read by the CLI (the generated `execute_<operation>` takes the text,
/// already checked, from `CliConfig::json_body`, before the per-field flags, which set their
/// fields over it), nothing else is required when `--json-body-template` is given, and both
/// flags say what they do. A body progenitor's code does not read as expected is an error.
fn json_bodies(
    file: &mut syn::File,
    document: &Value,
    json_body: &syn::Path,
) -> Result<Vec<Body>, String> {
    let expected = body_templates(document);
    let mut commands: Vec<String> = Vec::new();
    let mut reads: Vec<(String, syn::Type)> = Vec::new();
    for method in cli_methods(file) {
        let name = method.sig.ident.to_string();
        if let Some(operation) = name.strip_prefix("cli_") {
            if body_flags(method) {
                commands.push(operation.to_string());
            }
        } else if let Some(operation) = name.strip_prefix("execute_")
            && let Some(ty) = read_body_from_config(method, json_body)
        {
            reads.push((operation.to_string(), ty));
        }
    }
    let mut bodies = Vec::new();
    for (id, operation, template) in expected {
        let ty = reads
            .iter()
            .find(|(o, _)| *o == operation)
            .map(|(_, ty)| ty);
        let (Some(ty), true) = (ty, commands.contains(&operation)) else {
            return Err(format!(
                "the CLI's {id} takes its request body in a way this generator does not \
                 recognise (`--{JSON_BODY}`, read with `serde_json::from_str::<T>` in \
                 `execute_{operation}`): it could not be checked before it is sent"
            ));
        };
        bodies.push(Body {
            variant: format_ident!("{}", heck::ToPascalCase::to_pascal_case(operation.as_str())),
            ty: ty.clone(),
            template,
        });
    }
    if let Some(operation) = commands
        .iter()
        .chain(reads.iter().map(|(o, _)| o))
        .find(|o| {
            !bodies
                .iter()
                .any(|b| b.variant == heck::ToPascalCase::to_pascal_case(o.as_str()))
        })
    {
        return Err(format!(
            "the CLI's {operation} takes a request body the spec does not give a JSON schema"
        ));
    }
    let config = file
        .items
        .iter_mut()
        .find_map(|item| match item {
            syn::Item::Trait(t) if t.ident == "CliConfig" => Some(t),
            _ => None,
        })
        .ok_or("progenitor's CLI has no `CliConfig` trait")?;
    config.items.push(syn::parse_quote! {
        /// The request body `--json-body` gave, read and checked before the call.
        fn json_body(&self) -> Option<&str> {
            None
        }
    });
    Ok(bodies)
}

/// In a `cli_<operation>` with `--json-body`: no flag is required when `--json-body-template`
/// is given (`--json-body` included), and both flags get their help. Whether it has the
/// flag.
fn body_flags(method: &mut syn::ImplItemFn) -> bool {
    let mut found = false;
    for statement in &mut method.block.stmts {
        let syn::Stmt::Expr(command, _) = statement else {
            continue;
        };
        let mut args = arg_exprs(command);
        if !args
            .iter()
            .any(|arg| arg_name(arg).as_deref() == Some(JSON_BODY))
        {
            continue;
        }
        found = true;
        for arg in &mut args {
            let flag = arg_name(arg).unwrap_or_default();
            let help = match flag.as_str() {
                JSON_BODY => Some(JSON_BODY_HELP),
                JSON_BODY_TEMPLATE => Some(JSON_BODY_TEMPLATE_HELP),
                _ => None,
            };
            for_each_call(arg, |method, args| {
                let only = match args.first() {
                    Some(syn::Expr::Lit(syn::ExprLit { lit, .. })) if args.len() == 1 => Some(lit),
                    _ => None,
                };
                let (call, arguments): (&str, syn::Expr) = match (method.to_string().as_str(), only)
                {
                    ("required", Some(syn::Lit::Bool(b))) if b.value => (
                        "required_unless_present",
                        syn::parse_quote!(#JSON_BODY_TEMPLATE),
                    ),
                    ("required_unless_present", Some(syn::Lit::Str(s)))
                        if s.value() == JSON_BODY =>
                    {
                        (
                            "required_unless_present_any",
                            syn::parse_quote!([#JSON_BODY, #JSON_BODY_TEMPLATE]),
                        )
                    }
                    ("help", _) => match help {
                        Some(help) => ("help", syn::parse_quote!(#help)),
                        None => return,
                    },
                    _ => return,
                };
                *method = format_ident!("{call}");
                args.clear();
                args.push(arguments);
            });
        }
    }
    found
}

/// In an `execute_<operation>`, progenitor's reading of `--json-body` (`std::fs::read_to_string`
/// and `serde_json::from_str::<T>`, whose failures would be the service's exit code) becomes
/// `if let Some(text) = self.config.json_body() { request = request.body(#json_body::<T>(text)?); }`,
/// first after the request is made, so that the per-field flags set their fields over it.
/// The body's type `T`, if it found the reading.
fn read_body_from_config(method: &mut syn::ImplItemFn, json_body: &syn::Path) -> Option<syn::Type> {
    let statements = &mut method.block.stmts;
    let at = statements
        .iter_mut()
        .position(|statement| flag_read(statement).is_some_and(|(flag, _)| flag == JSON_BODY))?;
    let syn::Stmt::Expr(syn::Expr::If(branch), _) = &statements[at] else {
        return None;
    };
    let ty = branch
        .then_branch
        .stmts
        .iter()
        .find_map(|statement| match statement {
            syn::Stmt::Local(syn::Local {
                init: Some(init), ..
            }) => from_str_type(&init.expr),
            _ => None,
        })?;
    // `let mut request = self.client.<operation>();` comes first.
    let made = matches!(statements.first(), Some(syn::Stmt::Local(syn::Local {
        pat: syn::Pat::Ident(request), ..
    })) if request.ident == "request");
    if !made {
        return None;
    }
    statements.remove(at);
    statements.insert(
        1,
        syn::parse_quote! {
            if let Some(text) = self.config.json_body() {
                request = request.body(#json_body::<#ty>(text)?);
            }
        },
    );
    Some(ty)
}

/// `T` of `serde_json::from_str::<T>(..)`, through the calls and `?` after it.
fn from_str_type(mut expr: &syn::Expr) -> Option<syn::Type> {
    loop {
        match expr {
            syn::Expr::Try(tried) => expr = &tried.expr,
            syn::Expr::MethodCall(call) => expr = &call.receiver,
            syn::Expr::Call(call) => {
                let syn::Expr::Path(function) = &*call.func else {
                    return None;
                };
                let last = function.path.segments.last()?;
                if last.ident != "from_str" {
                    return None;
                }
                let syn::PathArguments::AngleBracketed(arguments) = &last.arguments else {
                    return None;
                };
                return match arguments.args.first()? {
                    syn::GenericArgument::Type(ty) => Some(ty.clone()),
                    _ => None,
                };
            }
            _ => return None,
        }
    }
}

/// `json_body_template(command)`, the text `--json-body-template` prints, and
/// `check_json_body(command, text)`, the CLI's check of `--json-body` before anything is
/// sent (`#json_body::<T>`, for the operation's body type), for each operation with a
/// request body.
fn body_functions(bodies: &[Body], json_body: &syn::Path) -> TokenStream {
    let variants: Vec<&syn::Ident> = bodies.iter().map(|body| &body.variant).collect();
    let templates = bodies.iter().map(|body| &body.template);
    let types = bodies.iter().map(|body| &body.ty);
    quote! {
        /// The template of the operation's request body, for `--json-body-template`: every
        /// property of the spec's schema, nested, with the spec's example or a placeholder
        /// for its type (`"<string>"`, `"<SOFT | HARD>"`, `", optional"` when it is).
        pub fn json_body_template(command: CliCommand) -> Option<&'static str> {
            match command {
                #(CliCommand::#variants => Some(#templates),)*
                #[allow(unreachable_patterns)]
                _ => None,
            }
        }

        /// Whether `text` is a request body of the operation (`None`: it takes none), by
        /// the CLI's reader of `--json-body`.
        pub fn check_json_body(command: CliCommand, text: &str) -> Option<::anyhow::Result<()>> {
            match command {
                #(CliCommand::#variants => Some(
                    #json_body::<#types>(text).map(drop).map_err(::anyhow::Error::from)
                ),)*
                #[allow(unreachable_patterns)]
                _ => None,
            }
        }
    }
}

/// `(operationId, operation as progenitor names it, template)` of each operation whose
/// request body has a JSON schema.
fn body_templates(document: &Value) -> Vec<(String, String, String)> {
    let mut found = Vec::new();
    for site in operation_sites(document) {
        let Some(id) = site.operation.get("operationId").and_then(Value::as_str) else {
            continue;
        };
        let (pointer, body) = follow_refs(document, format!("{}/requestBody", site.pointer()));
        if body.pointer("/content/application~1json").is_none() {
            continue;
        }
        let (_, schema) = follow_refs(
            document,
            format!("{pointer}/content/application~1json/schema"),
        );
        let template = template(document, schema, true, &mut Vec::new());
        let text = serde_json::to_string_pretty(&template).unwrap_or_default();
        found.push((id.to_string(), id.to_snake_case(), text));
    }
    found
}

/// A value of `schema` to fill in: its example, else for an object every property (nested),
/// for an array one item, for anything else a placeholder naming its type (`"<string>"`,
/// `"<integer int32>"`), its values (`"<SOFT | HARD>"`), its default, and whether it is
/// optional. `seen`: the references being expanded, so that a schema holding itself stops.
fn template(document: &Value, schema: &Value, required: bool, seen: &mut Vec<String>) -> Value {
    if let Some(example) = schema.get("example") {
        return example.clone();
    }
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let name = reference.rsplit('/').next().unwrap_or(reference);
        if seen.iter().any(|r| r == reference) || seen.len() >= 16 {
            return Value::String(format!("<{name}>"));
        }
        let target = reference
            .strip_prefix('#')
            .and_then(|pointer| document.pointer(pointer))
            .unwrap_or(&Value::Null);
        seen.push(reference.to_string());
        let value = template(document, target, required, seen);
        seen.pop();
        return value;
    }
    if let Some(parts) = schema.get("allOf").and_then(Value::as_array) {
        let mut merged = serde_json::Map::new();
        for part in parts {
            match template(document, part, required, seen) {
                Value::Object(object) => merged.extend(object),
                other => return other,
            }
        }
        return Value::Object(merged);
    }
    for choice in ["oneOf", "anyOf"] {
        if let Some(first) = schema
            .get(choice)
            .and_then(Value::as_array)
            .and_then(|c| c.first())
        {
            return template(document, first, required, seen);
        }
    }
    let kind = schema.get("type").and_then(Value::as_str);
    let properties = schema.get("properties").and_then(Value::as_object);
    if kind == Some("object") || properties.is_some() {
        let needed: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        let mut object = serde_json::Map::new();
        for (name, property) in properties.into_iter().flatten() {
            let value = template(document, property, needed.contains(&name.as_str()), seen);
            object.insert(name.clone(), value);
        }
        if let Some(values) = schema.get("additionalProperties").filter(|v| v.is_object())
            && object.is_empty()
        {
            object.insert("<key>".to_string(), template(document, values, true, seen));
        }
        return Value::Object(object);
    }
    if kind == Some("array") {
        let item = schema.get("items").unwrap_or(&Value::Null);
        return Value::Array(vec![template(document, item, true, seen)]);
    }
    Value::String(placeholder(schema, required))
}

/// `"<string>"`, `"<integer int64, default 10>"`, `"<SOFT | HARD, optional>"`.
fn placeholder(schema: &Value, required: bool) -> String {
    let text = |value: &Value| match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    let mut words = match schema.get("enum").and_then(Value::as_array) {
        Some(values) => values.iter().map(text).collect::<Vec<_>>().join(" | "),
        None => {
            let kind = schema
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("value");
            match schema.get("format").and_then(Value::as_str) {
                Some(format) => format!("{kind} {format}"),
                None => kind.to_string(),
            }
        }
    };
    if let Some(default) = schema.get("default") {
        words.push_str(&format!(", default {}", text(default)));
    }
    if !required {
        words.push_str(", optional");
    }
    format!("<{words}>")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use quote::quote;
    use serde_json::json;

    use super::{
        integer_parsers, json_bodies, list_flags, rename_taken_flags, spec_flag, template,
    };
    use crate::test_documents::lists;

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

    /// `ListThings`' command and call as progenitor writes them (`value_parser!(Vec<T>)`,
    /// which does not compile, and `get_one::<Vec<T>>`), with `tags` read as `read_tags`.
    fn list_things(read_tags: proc_macro2::TokenStream) -> syn::File {
        syn::parse_quote! {
            impl<T: CliConfig> Cli<T> {
                pub fn cli_list_things() -> ::clap::Command {
                    ::clap::Command::new("")
                        .arg(::clap::Arg::new("names").long("names")
                            .value_parser(::clap::value_parser!(::std::vec::Vec<::std::string::String>))
                            .required(false).help("Names."))
                        .arg(::clap::Arg::new("one").long("one")
                            .value_parser(::clap::value_parser!(::std::string::String))
                            .required(false))
                        .arg(::clap::Arg::new("tags").long("tags")
                            .value_parser(::clap::value_parser!(::std::vec::Vec<types::Tag>))
                            .required(false))
                        .about("List things")
                }
                pub async fn execute_list_things(&self, matches: &::clap::ArgMatches) -> anyhow::Result<()> {
                    let mut request = self.client.list_things();
                    if let Some(value) = matches.get_one::<::std::vec::Vec<::std::string::String>>("names") {
                        request = request.names(value.clone());
                    }
                    if let Some(value) = matches.get_one::<::std::string::String>("one") {
                        request = request.one(value.clone());
                    }
                    #read_tags
                    self.config.execute_list_things(matches, &mut request)?;
                    let result = request.send().await;
                }
            }
        }
    }

    /// Every list query parameter becomes a repeatable flag of its item's parser, read with
    /// `get_many`; only the one sent unexploded takes a comma-separated list too.
    #[test]
    fn a_list_flag_is_repeatable_and_read_with_get_many() {
        let mut file = list_things(quote! {
            if let Some(value) = matches.get_one::<::std::vec::Vec<types::Tag>>("tags") {
                request = request.tags(value.clone());
            }
        });
        list_flags(&mut file, &lists()).unwrap();
        let text = quote!(#file).to_string();
        assert!(
            !text.contains("value_parser ! (:: std :: vec :: Vec")
                && !text.contains("get_one :: < :: std :: vec :: Vec"),
            "{text}"
        );
        assert!(
            text.contains(
                "value_parser (:: clap :: value_parser ! (:: std :: string :: String)) . required (false) . help (\"Names.\") . action (:: clap :: ArgAction :: Append) . value_delimiter (',')"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "value_parser (:: clap :: value_parser ! (types :: Tag)) . required (false) . action (:: clap :: ArgAction :: Append))"
            ),
            "an exploded list is not split at commas: {text}"
        );
        assert!(
            text.contains(
                "matches . get_many :: < :: std :: string :: String > (\"names\") . map (| values | values . cloned () . collect :: < :: std :: vec :: Vec < :: std :: string :: String > > ())"
            ) && text.contains("get_many :: < types :: Tag > (\"tags\")"),
            "{text}"
        );
        // The scalar is left as it was.
        assert!(
            text.contains("get_one :: < :: std :: string :: String > (\"one\")")
                && !text.contains("Arg :: new (\"one\") . long (\"one\") . value_parser (:: clap :: value_parser ! (:: std :: string :: String)) . required (false) . action"),
            "{text}"
        );
    }

    /// progenitor reading a list otherwise must not leave a flag that does not compile, or
    /// one read as a single value: the build fails, naming it.
    #[test]
    fn a_list_flag_read_otherwise_is_an_error() {
        let mut file = list_things(quote! {
            if let Some(value) = matches.get_raw("tags") {}
        });
        let error = list_flags(&mut file, &lists()).unwrap_err();
        assert!(
            error.contains("ListThings") && error.contains("--tags") && !error.contains("--names"),
            "{error}"
        );
    }

    /// `PutThing`: a path parameter and a JSON body of which progenitor makes one flag.
    fn bodies() -> serde_json::Value {
        json!({"paths": {"/v1/{project_id}/things/{thing_id}": {"put": {
            "operationId": "PutThing",
            "parameters": [
                {"name": "thing_id", "in": "path", "required": true, "schema": {"type": "string"}}
            ],
            "requestBody": {"content": {"application/json": {"schema": {
                "$ref": "#/components/schemas/Thing"}}}}
        }}}, "components": {"schemas": {"Thing": {"type": "object", "required": ["items", "type"],
            "properties": {
                "items": {"type": "array", "items": {"type": "string"}},
                "type": {"type": "string", "enum": ["SOFT", "HARD"]}
            }}}}})
    }

    /// `PutThing` as progenitor writes it, its body read as `read_body`.
    fn put_thing(read_body: proc_macro2::TokenStream) -> syn::File {
        syn::parse_quote! {
            impl<T: CliConfig> Cli<T> {
                pub fn cli_put_thing() -> ::clap::Command {
                    ::clap::Command::new("")
                        .arg(::clap::Arg::new("thing-id").long("thing-id")
                            .value_parser(::clap::value_parser!(::std::string::String))
                            .required(true))
                        .arg(::clap::Arg::new("type").long("type")
                            .value_parser(::clap::value_parser!(types::ThingType))
                            .required_unless_present("json-body"))
                        .arg(::clap::Arg::new("json-body").long("json-body").value_name("JSON-FILE")
                            .required(true)
                            .value_parser(::clap::value_parser!(std::path::PathBuf))
                            .help("Path to a file that contains the full json body."))
                        .arg(::clap::Arg::new("json-body-template").long("json-body-template")
                            .action(::clap::ArgAction::SetTrue).help("XXX"))
                        .about("Put a thing")
                }
                pub async fn execute_put_thing(&self, matches: &::clap::ArgMatches) -> anyhow::Result<()> {
                    let mut request = self.client.put_thing();
                    if let Some(value) = matches.get_one::<::std::string::String>("thing-id") {
                        request = request.thing_id(value.clone());
                    }
                    if let Some(value) = matches.get_one::<types::ThingType>("type") {
                        request = request.body_map(|body| body.type_(value.clone()))
                    }
                    #read_body
                    self.config.execute_put_thing(matches, &mut request)?;
                    let result = request.send().await;
                }
            }
            pub trait CliConfig {
                fn success_no_item(&self, value: &ResponseValue<()>);
            }
        }
    }

    /// progenitor's reading of `--json-body` (the file read and parsed in the call, each
    /// failure the service's exit code) becomes the CLI's body, checked before the call,
    /// taken first so that the field flags set their fields over it; nothing else is
    /// required beside `--json-body-template`; both flags say what they do.
    #[test]
    fn a_request_body_comes_from_the_cli_before_the_field_flags() {
        let mut file = put_thing(quote! {
            if let Some(value) = matches.get_one::<std::path::PathBuf>("json-body") {
                let body_txt = std::fs::read_to_string(value)
                    .with_context(|| format!("failed to read {}", value.display()))?;
                let body_value = serde_json::from_str::<types::Thing>(&body_txt)
                    .with_context(|| format!("failed to parse {}", value.display()))?;
                request = request.body(body_value);
            }
        });
        let reader: syn::Path = syn::parse_quote!(cli::body::read);
        let bodies = json_bodies(&mut file, &bodies(), &reader).unwrap();
        assert_eq!(bodies.len(), 1);
        assert_eq!(bodies[0].variant, "PutThing");
        let ty = &bodies[0].ty;
        assert_eq!(quote!(#ty).to_string(), "types :: Thing");
        assert!(
            bodies[0].template.contains("\"<SOFT | HARD>\""),
            "{}",
            bodies[0].template
        );
        let text = quote!(#file).to_string();
        assert!(
            text.contains(
                "let mut request = self . client . put_thing () ; if let Some (text) = self . config . json_body () { request = request . body (cli :: body :: read :: < types :: Thing > (text) ?) ; } if let Some (value) = matches . get_one :: < :: std :: string :: String > (\"thing-id\")"
            ),
            "{text}"
        );
        assert!(
            !text.contains("read_to_string") && !text.contains("XXX"),
            "{text}"
        );
        assert!(
            text.contains("Arg :: new (\"thing-id\") . long (\"thing-id\") . value_parser (:: clap :: value_parser ! (:: std :: string :: String)) . required_unless_present (\"json-body-template\")")
                && text.contains("required_unless_present_any ([\"json-body\" , \"json-body-template\"])")
                && text.contains(". value_name (\"JSON-FILE\") . required_unless_present (\"json-body-template\")"),
            "{text}"
        );
        assert!(
            text.contains("help (\"The request body: a JSON file, or - for standard input.")
                && text.contains("help (\"Print a template of the request body"),
            "{text}"
        );
        assert!(
            text.contains("fn json_body (& self) -> Option < & str > { None }"),
            "{text}"
        );
    }

    /// progenitor reading a body otherwise must not leave it unchecked: the build fails.
    #[test]
    fn a_request_body_read_otherwise_is_an_error() {
        let mut file = put_thing(quote! {
            if let Some(value) = matches.get_one::<std::path::PathBuf>("json-body") {
                request = request.body(load(value)?);
            }
        });
        let reader: syn::Path = syn::parse_quote!(cli::body::read);
        let error = json_bodies(&mut file, &bodies(), &reader).err().unwrap();
        assert!(
            error.contains("PutThing") && error.contains("--json-body"),
            "{error}"
        );
    }

    /// The template: every property, nested through references, arrays and `allOf`; the
    /// spec's example where it has one; a placeholder naming the type, format, values and
    /// default, and whether it is optional; a schema that holds itself stops.
    #[test]
    fn the_template_has_every_property_nested() {
        let document = json!({"components": {"schemas": {
            "Req": {"type": "object", "required": ["name", "accounts", "mode"], "properties": {
                "name": {"type": "string", "example": "my-group"},
                "size": {"type": "integer", "format": "int32", "default": 10},
                "mode": {"$ref": "#/components/schemas/Mode"},
                "accounts": {"type": "array", "items": {"$ref": "#/components/schemas/Account"}},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "node": {"$ref": "#/components/schemas/Node"},
                "both": {"allOf": [
                    {"type": "object", "properties": {"a": {"type": "boolean"}}},
                    {"type": "object", "required": ["b"], "properties": {"b": {"type": "number"}}}
                ]},
                "open": {"anyOf": [{"$ref": "#/components/schemas/Mode"}, {"type": "string"}]}
            }},
            "Mode": {"type": "string", "enum": ["SOFT", "HARD"]},
            "Account": {"type": "object", "required": ["id"], "properties": {
                "id": {"type": "string"}, "OS-EXT-IPS:port_id": {"type": "string"}}},
            "Node": {"type": "object", "properties": {"next": {"$ref": "#/components/schemas/Node"}}}
        }}});
        let schema = json!({"$ref": "#/components/schemas/Req"});
        let value = template(&document, &schema, true, &mut Vec::new());
        assert_eq!(
            value,
            json!({
                "name": "my-group",
                "size": "<integer int32, default 10, optional>",
                "mode": "<SOFT | HARD>",
                "accounts": [{"id": "<string>", "OS-EXT-IPS:port_id": "<string, optional>"}],
                "labels": {"<key>": "<string>"},
                "node": {"next": "<Node>"},
                "both": {"a": "<boolean, optional>", "b": "<number>"},
                "open": "<SOFT | HARD, optional>"
            })
        );
    }

    /// The whole generator on the live spec with an operation of each shape the service has
    /// beside `ListSubJobs`: a list query parameter (unexploded), a body with a path
    /// parameter and a header, a 204. Before, the list's flag did not compile and the body's
    /// template flag said `XXX`.
    #[test]
    fn every_shape_of_operation_is_generated() {
        let mut document = crate::load::Spec::load(
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../openapi/workspace-app.yaml"
            )
            .as_ref(),
        )
        .unwrap()
        .document;
        let extra = json!({
            "/v1/{project_id}/things": {"get": {
                "operationId": "ListThings", "summary": "List things",
                "parameters": [
                    {"name": "project_id", "in": "path", "required": true, "description": "Project.",
                     "schema": {"type": "string"}},
                    {"name": "names", "in": "query", "explode": false, "description": "Names.",
                     "schema": {"type": "array", "items": {"type": "string"}}},
                    {"name": "from", "in": "query", "description": "From.", "schema": {"type": "string"}}
                ],
                "responses": {"200": {"description": "The things.", "content": {"application/json": {
                    "schema": {"type": "object", "description": "The things.",
                        "properties": {"count": {"type": "integer", "description": "How many."}}}}}}}
            }},
            "/v1/{project_id}/things/{thing_id}": {"put": {
                "operationId": "PutThing", "summary": "Put a thing",
                "parameters": [
                    {"name": "project_id", "in": "path", "required": true, "description": "Project.",
                     "schema": {"type": "string"}},
                    {"name": "thing_id", "in": "path", "required": true, "description": "Thing.",
                     "schema": {"type": "string"}},
                    {"name": "X-Language", "in": "header", "description": "Language.",
                     "schema": {"type": "string"}}
                ],
                "requestBody": {"content": {"application/json": {"schema": {
                    "type": "object", "description": "A thing.", "required": ["items"],
                    "properties": {
                        "items": {"type": "array", "description": "Its items.", "items": {"type": "string"}},
                        "OS-EXT-IPS:port_id": {"type": "string", "description": "Port."}
                    }}}}},
                "responses": {"204": {"description": "Done."}}
            }}
        });
        let paths = document["paths"].as_object_mut().unwrap();
        paths.extend(extra.as_object().unwrap().clone());
        let spec = crate::load::Spec::parse(
            "extended.yaml",
            &serde_json::to_string_pretty(&document).unwrap(),
        )
        .unwrap();
        let paths = super::CliPaths {
            client_crate: "workspace_app_client",
            client_module: "crate::operations::client",
            config: "crate::operations::Globals",
            bounded: "crate::operations::bounded",
            json_body: "crate::operations::json_body",
            taken_flags: &["from", "help"],
        };
        // Compared without white space, which the layout of the code puts anywhere.
        let code = super::generate_cli(&spec, &paths).unwrap();
        let code: String = code.split_whitespace().collect();
        for absent in [
            "value_parser!(::std::vec::Vec",
            "XXX",
            "read_to_string",
            r#"Arg::new("from")"#,
            r#"get_one::<::std::string::String>("from")"#,
        ] {
            assert!(!code.contains(absent), "{absent} in {code}");
        }
        for present in [
            r#"value_parser!(::std::string::String)).required(false).help("Names.").action(::clap::ArgAction::Append).value_delimiter(',')"#,
            r#"get_many::<::std::string::String>("names")"#,
            // `from` is a flag of every command here: the query parameter's is renamed.
            r#"Arg::new("query-from").long("query-from")"#,
            r#"get_one::<::std::string::String>("query-from")"#,
            r#"(CliCommand::ListThings,"query-from")=>"from","#,
            r#"pubconstTAKEN_FLAGS:&[&str]=&["from","help"];"#,
            r#"Arg::new("x-language")"#,
            r#"Arg::new("os-ext-ips-port-id")"#,
            r#"Arg::new("thing-id").long("thing-id").value_parser(::clap::value_parser!(::std::string::String)).required_unless_present("json-body-template")"#,
            "crate::operations::json_body::<types::PutThingBody>(text).map(drop)",
            r#"\"OS-EXT-IPS:port_id\":\"<string,optional>\""#,
            "self.config.success_no_item(&r)",
            "fnjson_body(&self)->Option<&str>{self.json_body_text()}",
        ] {
            assert!(code.contains(present), "{present} not in {code}");
        }
    }

    /// `ListThings`' command with the flags `flags` and a call reading each of them.
    fn things_with_flags(flags: &[&str]) -> syn::File {
        let args = flags.iter().map(|flag| {
            quote! { .arg(::clap::Arg::new(#flag).long(#flag).required(false)) }
        });
        let reads = flags.iter().map(|flag| {
            quote! {
                if let Some(value) = matches.get_one::<::std::string::String>(#flag) {
                    request = request.x(value.clone());
                }
            }
        });
        syn::parse_quote! {
            impl<T: CliConfig> Cli<T> {
                pub fn cli_list_things() -> ::clap::Command {
                    ::clap::Command::new("") #(#args)* .about("List things")
                }
                pub async fn execute_list_things(&self, matches: &::clap::ArgMatches) {
                    let mut request = self.client.list_things();
                    #(#reads)*
                }
            }
        }
    }

    /// A flag named as one the CLI gives every command (the whole service's `app_name`
    /// query parameter beside `--app-name`) is renamed by where it goes, in the command and
    /// in the call, and no other flag is touched.
    #[test]
    fn a_flag_the_cli_has_already_is_renamed_by_where_it_goes() {
        let mut file = things_with_flags(&["names", "one", "tags"]);
        let renamed = rename_taken_flags(&mut file, &lists(), &["one", "help"]).unwrap();
        let code: String = quote!(#file).to_string().split_whitespace().collect();
        for present in [
            r#"Arg::new("query-one").long("query-one")"#,
            r#"get_one::<::std::string::String>("query-one")"#,
            r#"Arg::new("names").long("names")"#,
            r#"Arg::new("tags").long("tags")"#,
        ] {
            assert!(code.contains(present), "{present} not in {code}");
        }
        assert!(!code.contains(r#""one""#), "{code}");
        let arms: String = spec_flag(&renamed, &["one", "help"])
            .to_string()
            .split_whitespace()
            .collect();
        assert!(
            arms.contains(r#"(CliCommand::ListThings,"query-one")=>"one","#),
            "{arms}"
        );
        // A body field is named as the body's.
        let mut file = things_with_flags(&["region"]);
        rename_taken_flags(&mut file, &lists(), &["region"]).unwrap();
        assert!(quote!(#file).to_string().contains(r#""body-region""#));
    }

    /// Two flags of one name in one command, as progenitor writes them or once renamed, are
    /// an error naming the operation and the flag: clap would refuse the command at run time.
    #[test]
    fn two_flags_of_one_name_are_an_error() {
        let mut file = things_with_flags(&["one", "tags", "one"]);
        let error = rename_taken_flags(&mut file, &lists(), &[]).unwrap_err();
        assert!(
            error.contains("list_things") && error.contains("--one"),
            "{error}"
        );
        let mut file = things_with_flags(&["query-one", "one"]);
        let error = rename_taken_flags(&mut file, &lists(), &["one"]).unwrap_err();
        assert!(error.contains("--query-one"), "{error}");
    }
}
