//! The progenitor settings and the rendering of the generated client source.

use heck::ToPascalCase;
use proc_macro2::TokenStream;
use quote::quote;
use serde_json::Value;

use crate::error::{SpecError, SpecErrors};
use crate::lint::lint_structure;
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
pub(crate) fn progenitor_view(document: &Value) -> Value {
    let mut view = document.clone();
    strip_foreign_string_types(&mut view);
    view
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
    let spec_tables = render(spec_tables(spec)).map_err(|e| spec.error_at("", e))?;
    let test_lists = render(test_lists(spec, &client)).map_err(|e| spec.error_at("", e))?;
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

    use super::{use_the_clients_http, use_the_clients_path_encoding};

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
}
