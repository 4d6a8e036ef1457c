//! The progenitor settings and the rendering of the generated client source.

use heck::ToPascalCase;
use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;

use crate::error::{SpecError, SpecErrors};
use crate::lint::{follow_refs, lint_structure, operation_sites};
use crate::load::{Spec, escape_pointer_segment};
use crate::tables::{spec_tables, test_lists};

/// Name of the generated client, in `OUT_DIR` (build) or the snapshot (tests).
pub const GENERATED_FILE_NAME: &str = "workspace_app_generated.rs";
/// Name of the generated spec tables, in `OUT_DIR`, included beside the client.
pub const SPEC_TABLES_FILE_NAME: &str = "workspace_app_spec_tables.rs";
/// Name of the generated lists for the client's snapshot tests, in `OUT_DIR`.
pub const TEST_LISTS_FILE_NAME: &str = "workspace_app_test_lists.rs";

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

/// The spec as progenitor is given it: without what would make the generated code need a
/// crate the client does not depend on. typify turns a string's `format: date-time` or
/// `date` into chrono's types, `uuid` into uuid's, and a `pattern` into a newtype checked
/// with regress; each crate would cost every downstream build, and a spec edit that adds one
/// would not compile. Those strings stay `String` (the service checks the pattern). The
/// spec keeps them: the diff, the docs, the emulator and the spec tables read it whole.
///
/// Nor the operations progenitor cannot generate: a request body without a JSON form
/// (`multipart/form-data`, as Huawei's two icon uploads take) makes progenitor refuse the
/// whole spec. They are left out of the client, the CLI and the httpmock helpers, and named
/// in a warning of the build ([`skipped_operations`]); the spec tables and the emulator
/// keep them.
pub(crate) fn progenitor_view(document: &Value) -> Value {
    let mut view = document.clone();
    strip_foreign_string_types(&mut view);
    let skipped: Vec<String> = skipped_operations(document)
        .into_iter()
        .map(|(pointer, _, _)| pointer)
        .collect();
    for pointer in skipped {
        if let Some((item, method)) = pointer.rsplit_once('/')
            && let Some(Value::Object(item)) = view.pointer_mut(item)
        {
            item.remove(method);
        }
    }
    view
}

/// `(pointer, operationId, why)` of each operation the generated client leaves out: its
/// request body has no `application/json` form.
pub fn skipped_operations(document: &Value) -> Vec<(String, String, String)> {
    operation_sites(document)
        .filter_map(|site| {
            let (_, body) = follow_refs(document, format!("{}/requestBody", site.pointer()));
            let content = body.get("content")?.as_object()?;
            if content.contains_key("application/json") {
                return None;
            }
            let kinds: Vec<&str> = content.keys().map(String::as_str).collect();
            let id = site
                .operation
                .get("operationId")
                .and_then(Value::as_str)
                .unwrap_or("?")
                .to_string();
            let why = format!(
                "its request body is {} only, which progenitor cannot generate",
                kinds.join(", ")
            );
            Some((site.pointer(), id, why))
        })
        .collect()
}

/// A view of the spec (`view`: [`progenitor_view`], or one built on it) as progenitor reads
/// it.
pub(crate) fn progenitor_input(
    spec: &Spec,
    view: impl FnOnce(&Value) -> Value,
) -> Result<openapiv3::OpenAPI, SpecError> {
    serde_json::from_value(view(&spec.document))
        .map_err(|e| spec.error_at("", format!("the generator's view of the spec: {e}")))
}

fn strip_foreign_string_types(node: &mut Value) {
    match node {
        Value::Object(object) => {
            if object.get("type").and_then(Value::as_str) == Some("string") {
                let foreign = object
                    .get("format")
                    .and_then(Value::as_str)
                    .is_some_and(|format| matches!(format, "date-time" | "date" | "uuid"));
                if foreign {
                    object.remove("format");
                }
                object.remove("pattern");
            }
            object.values_mut().for_each(strip_foreign_string_types);
        }
        Value::Array(items) => items.iter_mut().for_each(strip_foreign_string_types),
        _ => {}
    }
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

/// Renders progenitor's client: the operations, their builders and the `types` module.
/// Refuses a spec that fails the structural lints.
pub fn generate_client(spec: &Spec) -> Result<String, SpecErrors> {
    Ok(generate(spec)?.client)
}

/// What the client's build writes into `OUT_DIR`, each rendered and pretty-printed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    /// Progenitor's client ([`GENERATED_FILE_NAME`]).
    pub client: String,
    /// The tables derived from the spec ([`SPEC_TABLES_FILE_NAME`]): parameter bounds and
    /// defaults, enum values, operations with their examples, regions.
    pub spec_tables: String,
    /// Lists for the client's snapshot tests ([`TEST_LISTS_FILE_NAME`]).
    pub test_lists: String,
}

impl Generated {
    /// `(file name in OUT_DIR, contents)` of each file.
    pub fn files(&self) -> [(&'static str, &str); 3] {
        [
            (GENERATED_FILE_NAME, &self.client),
            (SPEC_TABLES_FILE_NAME, &self.spec_tables),
            (TEST_LISTS_FILE_NAME, &self.test_lists),
        ]
    }
}

/// Renders every file the client's build writes. Refuses a spec that fails the structural
/// lints or that progenitor cannot handle.
pub fn generate(spec: &Spec) -> Result<Generated, SpecErrors> {
    lint_structure(spec)?;
    let mut generator = progenitor::Generator::new(&client_settings(spec));
    let tokens = generator
        .generate_tokens(&progenitor_input(spec, progenitor_view)?)
        .map_err(|e| spec.error_at("", format!("progenitor cannot generate a client: {e}")))?;
    let mut client: syn::File = syn::parse2(tokens)
        .map_err(|e| spec.error_at("", format!("generated code does not parse: {e}")))?;
    mark_non_exhaustive(&mut client);
    json_schema_behind_a_feature(&mut client);
    // Both close holes in progenitor's output: one that no longer finds its place is an
    // error, not a client with the hole open again.
    use_the_clients_http(&mut client).map_err(|e| spec.error_at("", e))?;
    use_the_clients_path_encoding(&mut client).map_err(|e| spec.error_at("", e))?;
    join_unexploded_lists(&mut client, &unexploded_query_lists(&spec.document))
        .map_err(|e| spec.error_at("", e))?;
    let spec_tables = render(spec_tables(spec)).map_err(|e| spec.error_at("", e))?;
    let skipped: Vec<String> = skipped_operations(&spec.document)
        .into_iter()
        .map(|(_, id, _)| id)
        .collect();
    let test_lists =
        render(test_lists(spec, &client, &skipped)).map_err(|e| spec.error_at("", e))?;
    Ok(Generated {
        client: with_header(&client),
        spec_tables,
        test_lists,
    })
}

/// The items of the generated `types` module.
fn types_items(client: &mut syn::File) -> impl Iterator<Item = &mut syn::Item> {
    let types = client.items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "types" => m.content.as_mut(),
        _ => None,
    });
    types.into_iter().flat_map(|(_, items)| items.iter_mut())
}

/// Adds `#[non_exhaustive]` to every public struct with named fields and every public enum
/// of the `types` module, so that an additive spec edit (a new property, a new enum value)
/// is a minor change for downstream crates too: they build values through the types'
/// builders or `Default`, and match enums with a `_` arm, instead of by struct literals and
/// exhaustive matches that every new field or value would break.
fn mark_non_exhaustive(client: &mut syn::File) {
    let attribute: syn::Attribute = syn::parse_quote!(#[non_exhaustive]);
    for item in types_items(client) {
        match item {
            syn::Item::Struct(s)
                if matches!(s.vis, syn::Visibility::Public(_))
                    && matches!(s.fields, syn::Fields::Named(_)) =>
            {
                s.attrs.push(attribute.clone());
            }
            syn::Item::Enum(e) if matches!(e.vis, syn::Visibility::Public(_)) => {
                e.attrs.push(attribute.clone());
            }
            _ => {}
        }
    }
}

/// `schemars::JsonSchema` (which the settings derive, as progenitor's CLI generator needs it)
/// is derived under the client crate's `schemars` feature only: a downstream crate that does
/// not describe the API's values builds neither schemars nor the derives.
fn json_schema_behind_a_feature(client: &mut syn::File) {
    for item in types_items(client) {
        let attrs = match item {
            syn::Item::Struct(s) => &mut s.attrs,
            syn::Item::Enum(e) => &mut e.attrs,
            _ => continue,
        };
        let mut derived = false;
        for attr in attrs.iter_mut().filter(|a| a.path().is_ident("derive")) {
            let Ok(paths) = attr.parse_args_with(
                syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
            ) else {
                continue;
            };
            let is_schema = |path: &syn::Path| {
                path.segments
                    .last()
                    .is_some_and(|s| s.ident == "JsonSchema")
            };
            if paths.iter().any(is_schema) {
                derived = true;
                let kept = paths.into_iter().filter(|path| !is_schema(path));
                *attr = syn::parse_quote!(#[derive(#(#kept),*)]);
            }
        }
        if derived {
            attrs.push(syn::parse_quote!(
                #[cfg_attr(feature = "schemars", derive(schemars::JsonSchema))]
            ));
        }
    }
}

/// progenitor's `Client::new` builds a reqwest client of its own: reqwest's redirect policy
/// (which would carry credentials to wherever a server points) and a TLS set-up that panics
/// when no rustls provider is installed in the process. It takes the client crate's default
/// HTTP client instead (`crate::default_http_client()`: no redirects, the crate's TLS,
/// never a panic); `new_with_client` is left as it is.
fn use_the_clients_http(client: &mut syn::File) -> Result<(), String> {
    let mut found = false;
    for item in &mut client.items {
        let syn::Item::Impl(block) = item else {
            continue;
        };
        let is_client = matches!(&*block.self_ty, syn::Type::Path(p) if p.path.is_ident("Client"));
        if !is_client || block.trait_.is_some() {
            continue;
        }
        for member in &mut block.items {
            if let syn::ImplItem::Fn(method) = member
                && method.sig.ident == "new"
            {
                method.block = syn::parse_quote!({
                    Self::new_with_client(baseurl, crate::default_http_client(), inner)
                });
                found = true;
            }
        }
    }
    found
        .then_some(())
        .ok_or_else(|| "progenitor's output has no `Client::new` to give our HTTP client".into())
}

/// progenitor's `encode_path` leaves `\` as it is, which URL parsing then reads as `/`:
/// a path parameter `x\..` would send the request elsewhere, signed (found by the
/// differential signing test). The generated code takes the client crate's
/// `crate::encode_path` instead, which also encodes it.
fn use_the_clients_path_encoding(client: &mut syn::File) -> Result<(), String> {
    let mut found = false;
    for item in &mut client.items {
        let syn::Item::Use(item) = item else {
            continue;
        };
        let syn::UseTree::Path(path) = &mut item.tree else {
            continue;
        };
        if path.ident != "progenitor_client" {
            continue;
        }
        if let syn::UseTree::Group(group) = &mut *path.tree {
            let before = group.items.len();
            group.items = std::mem::take(&mut group.items)
                .into_iter()
                .filter(
                    |tree| !matches!(tree, syn::UseTree::Name(name) if name.ident == "encode_path"),
                )
                .collect();
            found |= group.items.len() < before;
        }
    }
    if !found {
        return Err(
            "progenitor's output no longer imports `progenitor_client::encode_path`: the \
             client's own (which encodes `\\`) cannot take its place"
                .into(),
        );
    }
    client.items.insert(
        0,
        syn::parse_quote!(
            use crate::encode_path;
        ),
    );
    Ok(())
}

/// `(operationId, name)` of each query parameter whose schema is an array, in the
/// operations the client is generated for.
#[cfg(any(feature = "cli", feature = "pretty"))]
pub(crate) fn list_query_parameters(document: &Value) -> Vec<(String, String)> {
    let skipped: Vec<String> = skipped_operations(document)
        .into_iter()
        .map(|(_, id, _)| id)
        .collect();
    let mut found = Vec::new();
    for site in operation_sites(document) {
        let Some(id) = site.operation.get("operationId").and_then(Value::as_str) else {
            continue;
        };
        if skipped.iter().any(|s| s == id) {
            continue;
        }
        for parameter in site.parameters(document) {
            let (_, schema) = follow_refs(document, format!("{}/schema", parameter.pointer));
            if parameter.location() == "query"
                && schema.get("type").and_then(Value::as_str) == Some("array")
            {
                found.push((id.to_string(), parameter.name().to_string()));
            }
        }
    }
    found
}

/// `(operationId, name)` of each query parameter the spec sends as one comma-separated value:
/// an array with `style: form` (the default) and `explode: false`.
pub(crate) fn unexploded_query_lists(document: &Value) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for site in operation_sites(document) {
        let Some(id) = site.operation.get("operationId").and_then(Value::as_str) else {
            continue;
        };
        for parameter in site.parameters(document) {
            let data = parameter.parameter;
            let unexploded = parameter.location() == "query"
                && data.get("explode").and_then(Value::as_bool) == Some(false)
                && data
                    .get("style")
                    .and_then(Value::as_str)
                    .is_none_or(|style| style == "form");
            let (_, schema) = follow_refs(document, format!("{}/schema", parameter.pointer));
            let is_array = schema.get("type").and_then(Value::as_str) == Some("array");
            if unexploded && is_array {
                found.push((id.to_string(), parameter.name().to_string()));
            }
        }
    }
    found
}

/// progenitor writes every query parameter with `QueryParam`, which repeats the key for each
/// item of a list (`a=x&a=y`: `explode: true`) whatever the spec says. For each list the
/// spec sends unexploded, the operation's `send` leaves it out of the request it builds and
/// adds it afterwards as one comma-separated value (`a=x,y`), with the client crate's
/// `crate::append_joined_query`. A list that is not where progenitor's code puts it is an
/// error: it would go out exploded, silently.
fn join_unexploded_lists(
    client: &mut syn::File,
    unexploded: &[(String, String)],
) -> Result<(), String> {
    for (operation, name) in unexploded {
        let builder = operation.to_pascal_case();
        let found =
            builder_send_methods(client, &builder).any(|send| join_unexploded_list(send, name));
        if !found {
            return Err(format!(
                "the query parameter `{name}` of {operation} is `explode: false`, but progenitor's \
                 `builder::{builder}::send` does not add it where it is expected: it cannot be \
                 sent as one comma-separated value"
            ));
        }
    }
    Ok(())
}

/// The `send` methods of `builder::<name>` (one, in progenitor's output).
fn builder_send_methods<'f>(
    client: &'f mut syn::File,
    name: &'f str,
) -> impl Iterator<Item = &'f mut syn::ImplItemFn> {
    let builder = client.items.iter_mut().find_map(|item| match item {
        syn::Item::Mod(m) if m.ident == "builder" => m.content.as_mut(),
        _ => None,
    });
    builder
        .into_iter()
        .flat_map(|(_, items)| items.iter_mut())
        .filter_map(move |item| match item {
            syn::Item::Impl(block)
                if block.trait_.is_none()
                    && matches!(&*block.self_ty, syn::Type::Path(p)
                        if p.path.segments.last().is_some_and(|s| s.ident == name)) =>
            {
                Some(block.items.iter_mut())
            }
            _ => None,
        })
        .flatten()
        .filter_map(|member| match member {
            syn::ImplItem::Fn(method) if method.sig.ident == "send" => Some(method),
            _ => None,
        })
}

/// In `send`, takes `.query(&progenitor_client::QueryParam::new(name, &value))` out of the
/// request's builder chain and appends `crate::append_joined_query(&mut request, name,
/// &value);` after the request is built. Whether it did.
fn join_unexploded_list(send: &mut syn::ImplItemFn, name: &str) -> bool {
    let statements = &mut send.block.stmts;
    for at in 0..statements.len() {
        let syn::Stmt::Local(local) = &mut statements[at] else {
            continue;
        };
        let syn::Pat::Ident(request) = &local.pat else {
            continue;
        };
        let request = request.ident.clone();
        let Some(init) = local.init.as_mut() else {
            continue;
        };
        if let Some(value) = take_query_call(&mut init.expr, name) {
            let joined: syn::Stmt = syn::parse_quote! {
                crate::append_joined_query(&mut #request, #name, &#value);
            };
            statements.insert(at + 1, joined);
            return true;
        }
    }
    false
}

/// Removes `.query(&progenitor_client::QueryParam::new(name, &value))` from a chain of
/// method calls, returning `value`.
fn take_query_call(expr: &mut syn::Expr, name: &str) -> Option<syn::Expr> {
    if let syn::Expr::Try(tried) = expr {
        return take_query_call(&mut tried.expr, name);
    }
    let syn::Expr::MethodCall(call) = expr else {
        return None;
    };
    if call.method == "query"
        && let Some(value) = query_param_value(call.args.first()?, name)
    {
        *expr = (*call.receiver).clone();
        return Some(value);
    }
    take_query_call(&mut call.receiver, name)
}

/// `value` of `&progenitor_client::QueryParam::new(name, &value)`.
fn query_param_value(arg: &syn::Expr, name: &str) -> Option<syn::Expr> {
    let syn::Expr::Reference(reference) = arg else {
        return None;
    };
    let syn::Expr::Call(call) = &*reference.expr else {
        return None;
    };
    let syn::Expr::Path(function) = &*call.func else {
        return None;
    };
    let segments: Vec<String> = function
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect();
    if segments != ["progenitor_client", "QueryParam", "new"] {
        return None;
    }
    let mut args = call.args.iter();
    let is_name = matches!(args.next(), Some(syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(lit), .. })) if lit.value() == name);
    let syn::Expr::Reference(value) = args.next()? else {
        return None;
    };
    is_name.then(|| (*value.expr).clone())
}

fn render(tokens: TokenStream) -> Result<String, String> {
    let file: syn::File =
        syn::parse2(tokens).map_err(|e| format!("generated code does not parse: {e}"))?;
    Ok(with_header(&file))
}

pub(crate) fn with_header(file: &syn::File) -> String {
    format!(
        "// @generated by workspace-app-codegen from openapi/workspace-app.yaml. Do not edit:\n\
         // change the spec, then run `cargo xtask regenerate`.\n\n{}",
        layout(file)
    )
}

/// The code laid out by prettyplease, with the `pretty` feature; else as tokens on one line,
/// which costs a build script nothing (the snapshot tests lay it out to show it).
fn layout(file: &syn::File) -> String {
    #[cfg(feature = "pretty")]
    return prettyplease::unparse(file);
    #[cfg(not(feature = "pretty"))]
    return quote::ToTokens::to_token_stream(file).to_string() + "\n";
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use quote::quote;

    use super::{
        join_unexploded_lists, progenitor_view, skipped_operations, unexploded_query_lists,
        use_the_clients_http, use_the_clients_path_encoding,
    };

    /// Both rewrites find their place in code shaped as progenitor writes it, and say so
    /// when they do not: the hole they close would otherwise be open again, silently.
    #[test]
    fn the_security_rewrites_apply_or_fail() {
        let mut shaped: syn::File = syn::parse_quote! {
            use progenitor_client::{encode_path, ClientHooks, RequestBuilderExt};
            impl Client {
                pub fn new(baseurl: &str, inner: Inner) -> Self { todo!() }
            }
        };
        use_the_clients_http(&mut shaped).unwrap();
        use_the_clients_path_encoding(&mut shaped).unwrap();
        let text = quote!(#shaped).to_string();
        assert!(
            text.contains("use crate :: encode_path")
                && !text.contains("encode_path , ClientHooks")
                && text.contains("crate :: default_http_client ()"),
            "{text}"
        );

        let mut other: syn::File = syn::parse_quote! {
            use progenitor_client::{ClientHooks, RequestBuilderExt};
            impl Client {
                pub fn with_base(baseurl: &str) -> Self { todo!() }
            }
        };
        assert!(use_the_clients_http(&mut other).is_err());
        assert!(use_the_clients_path_encoding(&mut other).is_err());
    }

    /// A list the spec sends unexploded leaves the request's builder chain and is appended
    /// after the request is built; the other parameters are left alone; a list the rewrite
    /// cannot find is an error.
    #[test]
    fn an_unexploded_list_is_appended_joined_and_only_it() {
        let document = serde_json::json!({"paths": {"/v1/{p}/x": {"get": {
            "operationId": "ListThings",
            "parameters": [
                {"name": "names", "in": "query", "explode": false,
                 "schema": {"type": "array", "items": {"type": "string"}}},
                {"name": "tags", "in": "query",
                 "schema": {"type": "array", "items": {"type": "string"}}},
                {"name": "one", "in": "query", "explode": false, "schema": {"type": "string"}}
            ]
        }}}});
        let unexploded = unexploded_query_lists(&document);
        assert_eq!(
            unexploded,
            [("ListThings".to_string(), "names".to_string())]
        );
        let mut shaped: syn::File = syn::parse_quote! {
            pub mod builder {
                impl<'a> ListThings<'a> {
                    pub async fn send(self) -> Result<(), ()> {
                        let mut request = client
                            .client
                            .get(url)
                            .query(&progenitor_client::QueryParam::new("names", &names))
                            .query(&progenitor_client::QueryParam::new("tags", &tags))
                            .build()?;
                        client.pre(&mut request, &info).await?;
                    }
                }
            }
        };
        join_unexploded_lists(&mut shaped, &unexploded).unwrap();
        let text = quote!(#shaped).to_string();
        assert!(!text.contains(r#"QueryParam :: new ("names""#), "{text}");
        assert!(text.contains(r#"QueryParam :: new ("tags""#), "{text}");
        assert!(
            text.contains(
                r#"build () ? ; crate :: append_joined_query (& mut request , "names" , & names) ;"#
            ),
            "{text}"
        );
        let missing = [("ListThings".to_string(), "other".to_string())];
        assert!(join_unexploded_lists(&mut shaped, &missing).is_err());
    }

    /// An upload without a JSON form is left out of progenitor's view, and named.
    #[test]
    fn an_operation_without_a_json_body_is_skipped_and_named() {
        let document = serde_json::json!({"paths": {"/v1/{p}/icon": {
            "post": {"operationId": "UploadIcon", "requestBody": {"content": {
                "multipart/form-data": {"schema": {"type": "object"}}}}},
            "put": {"operationId": "PutIcon", "requestBody": {"content": {
                "application/json": {"schema": {"type": "object"}}}}},
            "get": {"operationId": "GetIcon"}
        }}});
        let skipped = skipped_operations(&document);
        assert_eq!(skipped.len(), 1, "{skipped:?}");
        assert_eq!(skipped[0].1, "UploadIcon");
        assert!(skipped[0].2.contains("multipart/form-data"), "{skipped:?}");
        let view = progenitor_view(&document);
        let item = &view["paths"]["/v1/{p}/icon"];
        assert!(
            item.get("post").is_none() && item.get("put").is_some() && item.get("get").is_some()
        );
    }
}
