//! The Rust side: the public API of the client generated from each document, compared item
//! by item. Both clients are generated with today's codegen, so every difference comes from
//! the spec.
//!
//! An item is a generated type, each of its fields (by JSON name) or variants (by JSON
//! value), each trait it implements, each of its builder's setters, each `Client` method,
//! and each operation builder's setters and `send`. Its signature is its Rust type, as
//! tokens; a removed item or a changed signature is major, a new one minor (the types are
//! `#[non_exhaustive]`).

use std::collections::BTreeMap;
use std::fmt;

use heck::{ToPascalCase, ToSnakeCase};
use quote::ToTokens;
use workspace_app_codegen::{Spec, escape_pointer_segment};

use super::change::{Bump, Claim, Sides};

/// What an item belongs to, so that a spec change can claim it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// A generated type itself, its derives, trait impls and inherent functions.
    Type(String),
    /// A field (JSON name) or variant (JSON value) of a type, or its builder's setter.
    Member(String, String),
    /// An operation's `Client` method, builder type and `send` (snake-case operationId).
    Operation(String),
    /// A parameter's setter on an operation builder (operation, parameter, snake case).
    Setter(String, String),
}

impl Owner {
    /// The generated type this item is part of, if any.
    fn type_name(&self) -> Option<&str> {
        match self {
            Owner::Type(t) | Owner::Member(t, _) => Some(t),
            Owner::Operation(_) | Owner::Setter(..) => None,
        }
    }
}

/// One public item of the generated API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Signature: the item's type, as normalised tokens.
    pub signature: String,
    pub owner: Owner,
}

/// Item path (e.g. `types::JobDetailInfo::error_message`) → item.
pub type Api = BTreeMap<String, Item>;

/// One difference between two generated APIs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiChange {
    Removed(String, Item),
    Added(String, Item),
    Changed(String, Item, Item),
}

impl ApiChange {
    fn path(&self) -> &str {
        match self {
            ApiChange::Removed(path, _)
            | ApiChange::Added(path, _)
            | ApiChange::Changed(path, ..) => path,
        }
    }

    fn owners(&self) -> Vec<&Owner> {
        match self {
            ApiChange::Removed(_, item) | ApiChange::Added(_, item) => vec![&item.owner],
            ApiChange::Changed(_, old, new) => vec![&old.owner, &new.owner],
        }
    }

    /// Removing or changing an item breaks its users; adding one does not (the types are
    /// `#[non_exhaustive]`).
    pub fn bump(&self) -> Bump {
        match self {
            ApiChange::Added(..) => Bump::Minor,
            ApiChange::Removed(..) | ApiChange::Changed(..) => Bump::Major,
        }
    }

    /// `removed`, `added` or `changed`.
    pub fn verb(&self) -> &'static str {
        match self {
            ApiChange::Removed(..) => "removed",
            ApiChange::Added(..) => "added",
            ApiChange::Changed(..) => "changed",
        }
    }

    /// In words, for a change no spec change explains.
    pub fn describe(&self) -> String {
        format!("{} `{}`", self.verb(), self.path())
    }

    /// Whether `claim` covers this change.
    pub fn claimed_by(&self, claim: &Claim) -> bool {
        match claim {
            Claim::Member { type_name, json } => self.owners().iter().any(|owner| match owner {
                Owner::Member(t, j) => t == type_name && j == json,
                // A derive or trait impl the member made appear or go (`Default`).
                Owner::Type(t) => t == type_name && self.path().contains(": "),
                Owner::Operation(_) | Owner::Setter(..) => false,
            }),
            Claim::Setter {
                operation,
                parameter,
            } => {
                let inline = format!(
                    "{}{}",
                    operation.to_pascal_case(),
                    parameter.to_pascal_case()
                );
                self.owners().iter().any(|owner| match owner {
                    Owner::Setter(o, p) => o == operation && p == parameter,
                    other => other.type_name() == Some(inline.as_str()),
                })
            }
            Claim::Type(name) => self
                .owners()
                .iter()
                .any(|owner| owner.type_name() == Some(name.as_str())),
            Claim::Renamed { from, to } => match self {
                ApiChange::Changed(_, old, new) => {
                    mentions(&old.signature, from) && mentions(&new.signature, to)
                }
                ApiChange::Removed(_, item) => item.owner.type_name() == Some(from.as_str()),
                ApiChange::Added(_, item) => item.owner.type_name() == Some(to.as_str()),
            },
            Claim::Operation(operation) => {
                let prefix = operation.to_pascal_case();
                self.owners().iter().any(|owner| match owner {
                    Owner::Operation(o) | Owner::Setter(o, _) => o == operation,
                    other => other
                        .type_name()
                        .is_some_and(|t| t.starts_with(prefix.as_str())),
                })
            }
        }
    }
}

impl fmt::Display for ApiChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiChange::Removed(path, item) => write!(f, "removed {path}{}", typed(&item.signature)),
            ApiChange::Added(path, item) => write!(f, "added {path}{}", typed(&item.signature)),
            ApiChange::Changed(path, old, new) => {
                write!(f, "changed {path}: {} → {}", old.signature, new.signature)
            }
        }
    }
}

fn typed(signature: &str) -> String {
    if signature.is_empty() {
        String::new()
    } else {
        format!(": {signature}")
    }
}

/// Whether `signature` names the type `name` (as a whole word).
fn mentions(signature: &str, name: &str) -> bool {
    signature
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|word| word == name)
}

/// The public API of the client generated from `spec`.
pub fn api(spec: &Spec) -> Result<Api, String> {
    let code = workspace_app_codegen::generate_client(spec).map_err(|e| e.to_string())?;
    let file =
        syn::parse_file(&code).map_err(|e| format!("the generated client does not parse: {e}"))?;
    let mut api = Api::new();
    for item in &file.items {
        match item {
            syn::Item::Mod(module) if module.ident == "types" => {
                types(content(module), &mut api);
            }
            syn::Item::Mod(module) if module.ident == "builder" => {
                operation_builders(content(module), &mut api);
            }
            syn::Item::Impl(block)
                if self_name(block).as_deref() == Some("Client") && block.trait_.is_none() =>
            {
                for method in public_methods(block) {
                    let name = method.sig.ident.to_string();
                    api.insert(
                        format!("Client::{name}"),
                        Item {
                            signature: signature(&method.sig),
                            owner: Owner::Operation(name),
                        },
                    );
                }
            }
            _ => {}
        }
    }
    Ok(api)
}

/// Every difference from `base` to `head`, in path order.
pub fn compare(base: &Api, head: &Api) -> Vec<ApiChange> {
    let mut changes = Vec::new();
    for (path, old) in base {
        match head.get(path) {
            None => changes.push(ApiChange::Removed(path.clone(), old.clone())),
            Some(new) if new.signature != old.signature => {
                changes.push(ApiChange::Changed(path.clone(), old.clone(), new.clone()));
            }
            Some(_) => {}
        }
    }
    for (path, new) in head {
        if !base.contains_key(path) {
            changes.push(ApiChange::Added(path.clone(), new.clone()));
        }
    }
    changes
}

/// Where in the spec an unexplained change points: its type's component schema, if it has
/// one in the document it comes from.
pub fn pointer_of(change: &ApiChange, sides: &Sides<'_>) -> String {
    let document = match change {
        ApiChange::Removed(..) => &sides.base.document,
        ApiChange::Added(..) | ApiChange::Changed(..) => &sides.head.document,
    };
    let type_name = change.owners().into_iter().find_map(Owner::type_name);
    let schemas = document
        .pointer("/components/schemas")
        .and_then(serde_json::Value::as_object);
    schemas
        .into_iter()
        .flatten()
        .map(|(name, _)| name)
        .find(|name| Some(name.to_pascal_case().as_str()) == type_name)
        .map(|name| format!("/components/schemas/{}", escape_pointer_segment(name)))
        .unwrap_or_default()
}

fn content(module: &syn::ItemMod) -> &[syn::Item] {
    module.content.as_ref().map_or(&[], |(_, items)| items)
}

/// The `types` module: each type, its members, derives, trait impls and builder.
fn types(items: &[syn::Item], api: &mut Api) {
    let defined: Vec<String> = items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Struct(s) if is_public(&s.vis) => Some(s.ident.to_string()),
            syn::Item::Enum(e) if is_public(&e.vis) => Some(e.ident.to_string()),
            _ => None,
        })
        .collect();
    // Field name → JSON name, per type, for the builder setters.
    let mut json_names: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for item in items {
        match item {
            syn::Item::Struct(s) if is_public(&s.vis) => {
                let name = s.ident.to_string();
                let kind = match &s.fields {
                    syn::Fields::Named(_) => "struct".to_string(),
                    fields => format!("struct{}", normalise(&tokens(fields))),
                };
                insert_type(api, &name, kind, &s.attrs);
                if let syn::Fields::Named(fields) = &s.fields {
                    for field in fields.named.iter().filter(|f| is_public(&f.vis)) {
                        let Some(ident) = &field.ident else { continue };
                        let json = serde_rename(&field.attrs).unwrap_or_else(|| ident.to_string());
                        json_names
                            .entry(name.clone())
                            .or_default()
                            .insert(ident.to_string(), json.clone());
                        api.insert(
                            format!("types::{name}::{ident}"),
                            Item {
                                signature: normalise(&tokens(&field.ty)),
                                owner: Owner::Member(name.clone(), json),
                            },
                        );
                    }
                }
            }
            syn::Item::Enum(e) if is_public(&e.vis) => {
                let name = e.ident.to_string();
                insert_type(api, &name, "enum".to_string(), &e.attrs);
                for variant in &e.variants {
                    let json =
                        serde_rename(&variant.attrs).unwrap_or_else(|| variant.ident.to_string());
                    api.insert(
                        format!("types::{name}::{}", variant.ident),
                        Item {
                            signature: normalise(&tokens(&variant.fields)),
                            owner: Owner::Member(name.clone(), json),
                        },
                    );
                }
            }
            syn::Item::Impl(block) => {
                let Some(name) = self_name(block) else {
                    continue;
                };
                match &block.trait_ {
                    Some((path, _)) => {
                        // `impl From<ListSubJobsProjectId> for String` belongs to the
                        // generated type it names.
                        let trait_path = normalise(&tokens(path));
                        let owner = if defined.contains(&name) {
                            name.clone()
                        } else {
                            defined
                                .iter()
                                .find(|t| mentions(&trait_path, t))
                                .cloned()
                                .unwrap_or_else(|| name.clone())
                        };
                        let path = if owner == name {
                            format!("types::{name}: {trait_path}")
                        } else {
                            format!("types::{owner}: impl {trait_path} for {name}")
                        };
                        api.insert(
                            path,
                            Item {
                                signature: String::new(),
                                owner: Owner::Type(owner),
                            },
                        );
                    }
                    None => {
                        for method in public_methods(block) {
                            api.insert(
                                format!("types::{name}::{}()", method.sig.ident),
                                Item {
                                    signature: signature(&method.sig),
                                    owner: Owner::Type(name.clone()),
                                },
                            );
                        }
                    }
                }
            }
            _ => {}
        }
    }
    let builders = items.iter().find_map(|item| match item {
        syn::Item::Mod(module) if module.ident == "builder" => Some(content(module)),
        _ => None,
    });
    for item in builders.into_iter().flatten() {
        let syn::Item::Impl(block) = item else {
            continue;
        };
        let (Some(name), None) = (self_name(block), &block.trait_) else {
            continue;
        };
        for method in public_methods(block) {
            let setter = method.sig.ident.to_string();
            let json = json_names
                .get(&name)
                .and_then(|fields| fields.get(&setter))
                .cloned()
                .unwrap_or_else(|| setter.clone());
            api.insert(
                format!("types::builder::{name}::{setter}"),
                Item {
                    signature: signature(&method.sig),
                    owner: Owner::Member(name.clone(), json),
                },
            );
        }
    }
}

/// A type, and each derive as an item of its own (losing `Default` breaks its users).
fn insert_type(api: &mut Api, name: &str, kind: String, attrs: &[syn::Attribute]) {
    api.insert(
        format!("types::{name}"),
        Item {
            signature: kind,
            owner: Owner::Type(name.to_string()),
        },
    );
    for derive in derives(attrs) {
        api.insert(
            format!("types::{name}: {derive}"),
            Item {
                signature: String::new(),
                owner: Owner::Type(name.to_string()),
            },
        );
    }
}

/// The top-level `builder` module: each operation's builder and its setters.
fn operation_builders(items: &[syn::Item], api: &mut Api) {
    for item in items {
        let syn::Item::Impl(block) = item else {
            continue;
        };
        let (Some(name), None) = (self_name(block), &block.trait_) else {
            continue;
        };
        let operation = name.to_snake_case();
        for method in public_methods(block) {
            let method_name = method.sig.ident.to_string();
            let owner = if matches!(method_name.as_str(), "new" | "send" | "stream") {
                Owner::Operation(operation.clone())
            } else {
                Owner::Setter(operation.clone(), method_name.clone())
            };
            api.insert(
                format!("builder::{name}::{method_name}"),
                Item {
                    signature: signature(&method.sig),
                    owner,
                },
            );
        }
    }
}

fn public_methods(block: &syn::ItemImpl) -> impl Iterator<Item = &syn::ImplItemFn> {
    block.items.iter().filter_map(|item| match item {
        syn::ImplItem::Fn(method) if is_public(&method.vis) => Some(method),
        _ => None,
    })
}

fn is_public(visibility: &syn::Visibility) -> bool {
    matches!(visibility, syn::Visibility::Public(_))
}

/// The name of the type an `impl` block is for.
fn self_name(block: &syn::ItemImpl) -> Option<String> {
    match &*block.self_ty {
        syn::Type::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// A function's generics, where clause, inputs and output, without its body.
fn signature(sig: &syn::Signature) -> String {
    let mut sig = sig.clone();
    sig.ident = syn::Ident::new("f", proc_macro2::Span::call_site());
    normalise(&tokens(&sig))
}

fn tokens(node: &impl ToTokens) -> String {
    node.to_token_stream().to_string()
}

/// Token text as a person writes it: without the spaces `to_string` puts between all tokens
/// and the paths that only add noise (`::std::option::Option` is `Option`).
fn normalise(text: &str) -> String {
    let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let mut compact = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        // A space stays only between two words: `fn f`, `mut self`.
        if c != ' ' || (word(compact.chars().last()) && word(chars.peek().copied())) {
            compact.push(c);
        }
    }
    for module in [
        "option",
        "string",
        "vec",
        "num",
        "convert",
        "result",
        "collections",
        "fmt",
        "str",
        "borrow",
    ] {
        compact = compact.replace(&format!("::std::{module}::"), "");
        compact = compact.replace(&format!("std::{module}::"), "");
    }
    for noise in [
        "::std::",
        "::chrono::",
        "crate::types::",
        "crate::",
        "super::",
        "types::",
    ] {
        compact = compact.replace(noise, "");
    }
    // Readable again: `a, b`, `-> T`, `value: V`.
    let mut out = String::with_capacity(compact.len() + 16);
    let characters: Vec<char> = compact.chars().collect();
    for (i, &c) in characters.iter().enumerate() {
        let (previous, next) = (
            i.checked_sub(1).map(|j| characters[j]),
            characters.get(i + 1).copied(),
        );
        match c {
            ',' => out.push_str(", "),
            ':' if previous != Some(':') && next != Some(':') => out.push_str(": "),
            '-' if next == Some('>') => out.push_str(" -"),
            '>' if previous == Some('-') => out.push_str("> "),
            _ => out.push(c),
        }
    }
    // A trailing comma is layout (prettyplease adds one where it wraps a list), not API.
    for (from, to) in [(", >", ">"), (", )", ")"), (", ]", "]"), (", }", "}")] {
        out = out.replace(from, to);
    }
    out.trim_end_matches([',', ' ']).to_string()
}

fn derives(attrs: &[syn::Attribute]) -> Vec<String> {
    let mut found = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("derive")) {
        let _ = attr.parse_nested_meta(|meta| {
            found.push(normalise(&tokens(&meta.path)));
            Ok(())
        });
    }
    found
}

/// The JSON name serde uses: `#[serde(rename = "...")]`.
fn serde_rename(attrs: &[syn::Attribute]) -> Option<String> {
    let mut rename = None;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("rename") {
                let value: syn::LitStr = meta.value()?.parse()?;
                rename = Some(value.value());
            } else if meta.input.peek(syn::Token![=]) {
                // Skip the value of any other `key = value`.
                let _: syn::Expr = meta.value()?.parse()?;
            }
            Ok(())
        });
    }
    rename
}
