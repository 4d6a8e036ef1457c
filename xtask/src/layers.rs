//! `cargo xtask layers`: every crate reads bottom-up. The import graph of each crate's
//! source files (files as nodes; `use` of `crate::`, `super::` and `self::` paths, and such
//! paths written inline, as edges; a path through a re-export followed to the file that
//! defines the name) must have no circle, and, for a crate whose layers `xtask/layers.txt`
//! declares, no import from a file of a lower layer into one of a higher layer. Test code
//! (`#[cfg(test)]`) is left out: it may reach anything.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use syn::visit::Visit;

/// Each file, and the files it imports with the names taken from each.
pub type Edges = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

/// A crate's layers, bottom first: a name and its entries (files, folders).
pub type Layers = Vec<(String, Vec<String>)>;

/// Where the layers are declared, from the workspace root.
pub const LAYERS_FILE: &str = "xtask/layers.txt";

/// One crate's graph, and what is wrong with it.
#[derive(Debug)]
pub struct CrateGraph {
    /// The crate's name (its folder).
    pub name: String,
    /// Each file (from the crate's `src/`), and the files it imports, with the names taken.
    pub edges: Edges,
    /// Files that import each other in a loop.
    pub circles: Vec<Vec<String>>,
    /// `(from, to, names)`: an import from a lower layer into a higher one.
    pub upward: Vec<(String, String, String)>,
    /// The declared layers, bottom first: a name and its files.
    pub layers: Layers,
    /// Files no declared layer holds.
    pub unplaced: Vec<String>,
    /// `(from, name)`: a name taken through the root's re-export (`crate::Name`) instead of
    /// from its own module: the root declares and re-exports for users, not for siblings.
    pub through_root: Vec<(String, String)>,
}

impl CrateGraph {
    /// Whether the crate reads bottom-up.
    pub fn is_clean(&self) -> bool {
        self.circles.is_empty()
            && self.upward.is_empty()
            && self.unplaced.is_empty()
            && self.through_root.is_empty()
    }

    /// Imports in all.
    pub fn import_count(&self) -> usize {
        self.edges.values().map(BTreeMap::len).sum()
    }

    /// One line of figures, then each problem on a line of its own.
    pub fn summary(&self) -> String {
        let mut out = format!(
            "{}: {} files, {} imports, {} circles, {} imports up{}",
            self.name,
            self.edges.len(),
            self.import_count(),
            self.circles.len(),
            self.upward.len(),
            if self.layers.is_empty() {
                " (no layers declared)"
            } else {
                ""
            }
        );
        for circle in &self.circles {
            let _ = write!(out, "\n  circle: {}", circle.join(" -> "));
        }
        for (from, to, names) in &self.upward {
            let _ = write!(out, "\n  up: {from} -> {to} ({names})");
        }
        for file in &self.unplaced {
            let _ = write!(out, "\n  in no layer of {LAYERS_FILE}: {file}");
        }
        for (file, name) in &self.through_root {
            let _ = write!(
                out,
                "\n  through the root: {file} takes {name} as `crate::{name}`"
            );
        }
        out
    }

    /// The layers, bottom first, each with its files and what they import from below.
    pub fn layer_list(&self) -> String {
        let mut out = String::new();
        for (i, (name, files)) in self.layers.iter().enumerate() {
            let below: Vec<&str> = self.layers[..i].iter().map(|(n, _)| n.as_str()).collect();
            let _ = writeln!(
                out,
                "  {}. {name}: {} (may import: {})",
                i + 1,
                files.join(", "),
                if below.is_empty() {
                    "its own layer".to_string()
                } else {
                    format!("its own layer, {}", below.join(", "))
                }
            );
        }
        out
    }

    /// Every edge, `from -> to: names`.
    pub fn edge_list(&self) -> String {
        let mut out = String::new();
        for (from, targets) in &self.edges {
            for (to, names) in targets {
                let names: Vec<&str> = names.iter().map(String::as_str).collect();
                let _ = writeln!(out, "  {from} -> {to}: {}", names.join(", "));
            }
        }
        out
    }
}

/// Every crate of the workspace (`crates/*` and `xtask`), measured.
pub fn check_workspace(root: &Path) -> Result<Vec<CrateGraph>, String> {
    let declared = read_layers(&root.join(LAYERS_FILE))?;
    let mut crates: Vec<PathBuf> = std::fs::read_dir(root.join("crates"))
        .map_err(|e| format!("crates/: {e}"))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.join("src").is_dir())
        .collect();
    crates.sort();
    crates.push(root.join("xtask"));
    crates
        .iter()
        .map(|dir| {
            let name = dir
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let layers = declared.get(&name).cloned().unwrap_or_default();
            measure(&name, &dir.join("src"), layers)
        })
        .collect()
}

/// `[crate]` sections of `name: file file folder/ ...` lines, bottom layer first.
fn read_layers(path: &Path) -> Result<BTreeMap<String, Layers>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut crates: BTreeMap<String, Layers> = BTreeMap::new();
    let mut current: Option<String> = None;
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = Some(name.to_string());
            crates.entry(name.to_string()).or_default();
            continue;
        }
        let (Some(krate), Some((layer, files))) = (&current, line.split_once(':')) else {
            return Err(format!(
                "{}:{}: expected `[crate]` or `layer: file ...`",
                path.display(),
                n + 1
            ));
        };
        let files = files.split_whitespace().map(str::to_string).collect();
        crates
            .entry(krate.clone())
            .or_default()
            .push((layer.trim().to_string(), files));
    }
    Ok(crates)
}

/// A source file: its path from `src/` and its module path.
struct File {
    rel: String,
    module: Vec<String>,
    syntax: syn::File,
}

fn measure(name: &str, src: &Path, layers: Layers) -> Result<CrateGraph, String> {
    let root_file = if src.join("lib.rs").exists() {
        "lib.rs"
    } else {
        "main.rs"
    };
    let mut files = Vec::new();
    collect_modules(src, root_file, Vec::new(), &mut files)?;
    let modules: BTreeMap<Vec<String>, usize> = files
        .iter()
        .enumerate()
        .map(|(i, file)| (file.module.clone(), i))
        .collect();
    let exports: Vec<BTreeMap<String, Vec<String>>> =
        files.iter().map(|file| reexports(file, &modules)).collect();

    let mut edges: Edges = BTreeMap::new();
    let mut through_root = BTreeSet::new();
    for file in &files {
        let mut paths = PathCollector::default();
        paths.visit_file(&file.syntax);
        let targets = edges.entry(file.rel.clone()).or_default();
        for path in paths.paths {
            let Some(absolute) = absolute(&path, &file.module, &modules) else {
                continue;
            };
            // `crate::Name` that the root re-exports from a module of its own (not an item
            // the root defines, such as an inline `pub mod` of re-exports).
            if !file.module.is_empty()
                && let Some(name) = absolute.first()
                && !modules.contains_key(std::slice::from_ref(name))
                && exports[0].get(name).is_some_and(|target| target.len() > 1)
            {
                through_root.insert((file.rel.clone(), name.clone()));
            }
            let Some((target, name)) = resolve(&absolute, &modules, &exports, 0) else {
                continue;
            };
            let target = &files[target].rel;
            if *target != file.rel {
                targets.entry(target.clone()).or_default().insert(name);
            }
        }
    }

    let circles = circles(&edges);
    let place = |file: &str| layer_of(file, &layers);
    let mut upward = Vec::new();
    let mut unplaced = Vec::new();
    if !layers.is_empty() {
        for (from, targets) in &edges {
            // The root declares the modules and re-exports them: it stands above them all.
            if from == root_file {
                continue;
            }
            let Some(from_layer) = place(from) else {
                unplaced.push(from.clone());
                continue;
            };
            for (to, names) in targets {
                if place(to).is_some_and(|to_layer| to_layer > from_layer) || to == root_file {
                    let names: Vec<&str> = names.iter().map(String::as_str).collect();
                    upward.push((from.clone(), to.clone(), names.join(", ")));
                }
            }
        }
    }
    let layers = layers
        .iter()
        .map(|(layer, _)| {
            let files = edges
                .keys()
                .filter(|file| {
                    place(file) == layers.iter().position(|(l, _)| l == layer)
                        && file.as_str() != root_file
                })
                .cloned()
                .collect();
            (layer.clone(), files)
        })
        .collect();
    Ok(CrateGraph {
        name: name.to_string(),
        edges,
        circles,
        upward,
        layers,
        unplaced,
        through_root: through_root.into_iter().collect(),
    })
}

/// The layer a file is in: the first whose entry is the file (without `.rs`; `mod.rs` as
/// its folder) or a folder holding it (`http/`).
fn layer_of(file: &str, layers: &[(String, Vec<String>)]) -> Option<usize> {
    let stem = file
        .strip_suffix("/mod.rs")
        .or_else(|| file.strip_suffix(".rs"))
        .unwrap_or(file);
    layers.iter().position(|(_, entries)| {
        entries.iter().any(|entry| match entry.strip_suffix('/') {
            Some(folder) => stem == folder || stem.starts_with(&format!("{folder}/")),
            None => stem == entry,
        })
    })
}

/// The file of `module` (declared in `parent`), and every module it declares, recursively;
/// modules under `#[cfg(test)]` and `#[path]` modules are left out.
fn collect_modules(
    src: &Path,
    rel: &str,
    module: Vec<String>,
    files: &mut Vec<File>,
) -> Result<(), String> {
    let path = src.join(rel);
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let syntax = syn::parse_file(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    // Where this file's child modules live: `a/` for `a.rs` and `a/mod.rs`, `src/` for the
    // root.
    let dir = if module.is_empty() {
        String::new()
    } else {
        format!("{}/", module.join("/"))
    };
    let children: Vec<String> = syntax
        .items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Mod(m) if m.content.is_none() && !is_test_only(&m.attrs) => {
                Some(m.ident.to_string())
            }
            _ => None,
        })
        .collect();
    files.push(File {
        rel: rel.to_string(),
        module: module.clone(),
        syntax,
    });
    for child in children {
        let flat = format!("{dir}{child}.rs");
        let nested = format!("{dir}{child}/mod.rs");
        let rel = if src.join(&flat).exists() {
            flat
        } else {
            nested
        };
        let mut path = module.clone();
        path.push(child);
        collect_modules(src, &rel, path, files)?;
    }
    Ok(())
}

/// `#[cfg(test)]` or `#[cfg(doctest)]`: code that only tests compile.
fn is_test_only(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|attr| {
        attr.path().is_ident("cfg")
            && attr.meta.require_list().is_ok_and(|list| {
                let tokens = list.tokens.to_string();
                matches!(tokens.trim(), "test" | "doctest")
            })
    })
}

/// Every path a file names, as written: `use` trees flattened, and paths in code.
#[derive(Default)]
struct PathCollector {
    paths: Vec<Vec<String>>,
}

impl<'ast> Visit<'ast> for PathCollector {
    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        flatten_use(&item.tree, Vec::new(), &mut self.paths);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        self.paths.push(
            path.segments
                .iter()
                .map(|segment| segment.ident.to_string())
                .collect(),
        );
        syn::visit::visit_path(self, path);
    }

    /// `pub(crate)`, `pub(super)`: no import.
    fn visit_visibility(&mut self, _: &'ast syn::Visibility) {}

    /// `#[derive(..)]`, `#[error(..)]`: no import.
    fn visit_attribute(&mut self, _: &'ast syn::Attribute) {}

    fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
        if !is_test_only(&item.attrs) {
            syn::visit::visit_item_mod(self, item);
        }
    }

    fn visit_item_fn(&mut self, item: &'ast syn::ItemFn) {
        if !is_test_only(&item.attrs) {
            syn::visit::visit_item_fn(self, item);
        }
    }

    fn visit_item_impl(&mut self, item: &'ast syn::ItemImpl) {
        if !is_test_only(&item.attrs) {
            syn::visit::visit_item_impl(self, item);
        }
    }
}

fn flatten_use(tree: &syn::UseTree, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    match tree {
        syn::UseTree::Path(path) => {
            let mut prefix = prefix;
            prefix.push(path.ident.to_string());
            flatten_use(&path.tree, prefix, out);
        }
        syn::UseTree::Name(name) => {
            let mut path = prefix;
            if name.ident != "self" {
                path.push(name.ident.to_string());
            }
            out.push(path);
        }
        syn::UseTree::Rename(rename) => {
            let mut path = prefix;
            path.push(rename.ident.to_string());
            out.push(path);
        }
        syn::UseTree::Glob(_) => out.push(prefix),
        syn::UseTree::Group(group) => {
            for tree in &group.items {
                flatten_use(tree, prefix.clone(), out);
            }
        }
    }
}

/// `path` from the crate root, when it names something of this crate: `crate::`,
/// `super::`, `self::`, or a child module of `module` by its name.
fn absolute(
    path: &[String],
    module: &[String],
    modules: &BTreeMap<Vec<String>, usize>,
) -> Option<Vec<String>> {
    let (first, rest) = path.split_first()?;
    let mut base: Vec<String> = match first.as_str() {
        "crate" => Vec::new(),
        "self" => module.to_vec(),
        "super" => {
            let mut base = module.to_vec();
            base.pop()?;
            let mut rest = rest;
            while let Some((next, after)) = rest.split_first() {
                if next != "super" {
                    break;
                }
                base.pop()?;
                rest = after;
            }
            base.extend(rest.iter().cloned());
            return Some(base);
        }
        child => {
            let mut base = module.to_vec();
            base.push(child.to_string());
            if !modules.contains_key(&base) {
                return None;
            }
            base
        }
    };
    base.extend(rest.iter().cloned());
    Some(base)
}

/// The names a module hands on with `use` (any visibility: a sibling may reach them), and
/// the absolute path each stands for.
fn reexports(file: &File, modules: &BTreeMap<Vec<String>, usize>) -> BTreeMap<String, Vec<String>> {
    let mut names = BTreeMap::new();
    for item in &file.syntax.items {
        let syn::Item::Use(item) = item else {
            continue;
        };
        if is_test_only(&item.attrs) || matches!(item.vis, syn::Visibility::Inherited) {
            continue;
        }
        let mut paths = Vec::new();
        flatten_use(&item.tree, Vec::new(), &mut paths);
        let mut renames = Vec::new();
        collect_renames(&item.tree, Vec::new(), &mut renames);
        for path in paths {
            let Some(name) = path.last().cloned() else {
                continue;
            };
            if let Some(absolute) = absolute(&path, &file.module, modules) {
                let shown = renames
                    .iter()
                    .find(|(from, _)| *from == path)
                    .map_or(name, |(_, to)| to.clone());
                names.insert(shown, absolute);
            }
        }
    }
    names
}

fn collect_renames(tree: &syn::UseTree, prefix: Vec<String>, out: &mut Vec<(Vec<String>, String)>) {
    match tree {
        syn::UseTree::Path(path) => {
            let mut prefix = prefix;
            prefix.push(path.ident.to_string());
            collect_renames(&path.tree, prefix, out);
        }
        syn::UseTree::Rename(rename) => {
            let mut path = prefix;
            path.push(rename.ident.to_string());
            out.push((path, rename.rename.to_string()));
        }
        syn::UseTree::Group(group) => {
            for tree in &group.items {
                collect_renames(tree, prefix.clone(), out);
            }
        }
        _ => {}
    }
}

/// The file that defines what `path` (from the crate root) names, and the name: the
/// deepest module the path reaches, then through that module's re-exports.
fn resolve(
    path: &[String],
    modules: &BTreeMap<Vec<String>, usize>,
    exports: &[BTreeMap<String, Vec<String>>],
    depth: usize,
) -> Option<(usize, String)> {
    let reached = (0..=path.len())
        .rev()
        .find(|&n| modules.contains_key(&path[..n]))?;
    let file = modules[&path[..reached]];
    let name = path
        .get(reached)
        .cloned()
        .unwrap_or_else(|| "(module)".into());
    if depth < 8
        && let Some(target) = exports[file].get(&name)
        && target.as_slice() != path
    {
        let mut next = target.clone();
        next.extend(path[reached + 1..].iter().cloned());
        if let Some(found) = resolve(&next, modules, exports, depth + 1) {
            return Some(found);
        }
    }
    Some((file, name))
}

/// The strongly connected components of more than one file (Tarjan).
fn circles(edges: &Edges) -> Vec<Vec<String>> {
    struct Tarjan<'a> {
        edges: &'a Edges,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        next: usize,
        found: Vec<Vec<String>>,
    }
    impl<'a> Tarjan<'a> {
        fn visit(&mut self, node: &'a str) {
            self.index.insert(node, self.next);
            self.low.insert(node, self.next);
            self.next += 1;
            self.stack.push(node);
            self.on_stack.insert(node);
            let targets = self.edges.get(node).into_iter().flat_map(BTreeMap::keys);
            for target in targets {
                let target = target.as_str();
                if !self.index.contains_key(target) {
                    self.visit(target);
                    let low = self.low[target].min(self.low[node]);
                    self.low.insert(node, low);
                } else if self.on_stack.contains(target) {
                    let low = self.index[target].min(self.low[node]);
                    self.low.insert(node, low);
                }
            }
            if self.low[node] == self.index[node] {
                let mut component = Vec::new();
                while let Some(top) = self.stack.pop() {
                    self.on_stack.remove(top);
                    component.push(top.to_string());
                    if top == node {
                        break;
                    }
                }
                if component.len() > 1 {
                    component.sort();
                    self.found.push(component);
                }
            }
        }
    }
    let mut tarjan = Tarjan {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        next: 0,
        found: Vec::new(),
    };
    for node in edges.keys() {
        if !tarjan.index.contains_key(node.as_str()) {
            tarjan.visit(node);
        }
    }
    tarjan.found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(files: &[(&str, &str)], layers: &str) -> CrateGraph {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let layers_file = dir.path().join("layers.txt");
        std::fs::write(&layers_file, layers).unwrap();
        let layers = read_layers(&layers_file)
            .unwrap()
            .remove("c")
            .unwrap_or_default();
        measure("c", dir.path(), layers).unwrap()
    }

    #[test]
    fn paths_through_a_reexport_reach_the_file_that_defines_the_name() {
        let g = graph(
            &[
                ("lib.rs", "mod a;\nmod b;\npub use a::Thing;\n"),
                ("a.rs", "pub struct Thing;\n"),
                (
                    "b.rs",
                    "use crate::Thing;\nfn f() -> crate::a::Thing { crate::Thing }\n",
                ),
            ],
            "",
        );
        assert_eq!(g.edges["b.rs"].keys().collect::<Vec<_>>(), ["a.rs"]);
        assert!(g.circles.is_empty());
        // Taken through the root's re-export: reported, though it reaches the right file.
        assert_eq!(g.through_root, [("b.rs".to_string(), "Thing".to_string())]);
    }

    #[test]
    fn a_loop_of_files_is_a_circle_and_a_lower_layer_may_not_import_a_higher_one() {
        let g = graph(
            &[
                ("lib.rs", "mod low;\nmod high;\nmod x;\n"),
                ("low.rs", "use super::high::H;\npub struct L;\n"),
                ("high.rs", "use crate::low::L;\npub struct H;\n"),
                ("x.rs", "#[cfg(test)]\nmod tests { use crate::high::H; }\n"),
            ],
            "[c]\nbottom: low x\ntop: high\n",
        );
        assert_eq!(
            g.circles,
            [vec!["high.rs".to_string(), "low.rs".to_string()]]
        );
        assert_eq!(g.upward.len(), 1, "{:?}", g.upward);
        assert_eq!(g.upward[0].0, "low.rs");
        // Test code is left out.
        assert!(g.edges["x.rs"].is_empty());
        assert!(!g.is_clean());
    }

    #[test]
    fn folders_child_modules_and_super_paths_resolve() {
        let g = graph(
            &[
                ("lib.rs", "mod http;\nmod top;\n"),
                (
                    "http/mod.rs",
                    "mod tls;\nmod base;\npub(crate) use base::Base;\n",
                ),
                ("http/tls.rs", "use super::base::Base;\n"),
                ("http/base.rs", "pub struct Base;\n"),
                ("top.rs", "use crate::http::Base;\n"),
            ],
            "[c]\nhttp: http/\ntop: top\n",
        );
        assert_eq!(
            g.edges["http/tls.rs"].keys().collect::<Vec<_>>(),
            ["http/base.rs"]
        );
        assert_eq!(
            g.edges["top.rs"].keys().collect::<Vec<_>>(),
            ["http/base.rs"]
        );
        assert!(g.is_clean(), "{}", g.summary());
    }
}
