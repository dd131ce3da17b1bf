//! The layer rule, checked on the source: a module imports only from its own layer or the
//! layers below it, and the top-level modules never import each other in a cycle.
//! ARCHITECTURE.md explains the layers; this test keeps the code to them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every top-level module of `src/` and its layer, lowest first. A new module must be placed
/// here, so the map never goes stale.
const LAYERS: &[(&str, &[&str])] = &[
    (
        "foundation",
        &[
            "domain",
            "db",
            "error",
            "hashed",
            "config",
            "secret",
            "telemetry",
        ],
    ),
    (
        "areas",
        &[
            "accounts",
            "audit",
            "backup",
            "catalog",
            "customers",
            "orders",
            "payments",
            "printing",
            "razorpay",
            "reader",
            "whatsapp",
        ],
    ),
    ("flows", &["alerts", "conversation", "demo", "reports"]),
    (
        "edge",
        &["web", "api", "cli", "routes", "(crate root)", "main"],
    ),
];

fn layer_of(module: &str) -> Option<(usize, &'static str)> {
    LAYERS
        .iter()
        .enumerate()
        .find(|(_, (_, mods))| mods.contains(&module))
        .map(|(i, (name, _))| (i, *name))
}

/// The module path of a file: `src/orders/store.rs` is `orders::store`, `src/lib.rs` is the root.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).expect("under src");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().trim_end_matches(".rs").to_owned())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// The source without comments and string literals, so prose that names a module is not an import.
fn code_only(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for n in chars.by_ref() {
                    if n == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            '/' if chars.peek() == Some(&'*') => {
                let mut prev = ' ';
                for n in chars.by_ref() {
                    if prev == '*' && n == '/' {
                        break;
                    }
                    prev = n;
                }
            }
            '"' => {
                let mut escaped = false;
                for n in chars.by_ref() {
                    if n == '"' && !escaped {
                        break;
                    }
                    escaped = n == '\\' && !escaped;
                }
                out.push_str("\"\"");
            }
            _ => out.push(c),
        }
    }
    out
}

/// Splits a `use` tree into whole paths: `a::{b, c::{d}}` is `a::b` and `a::c::d`.
fn expand_use(tree: &str) -> Vec<Vec<String>> {
    let tree = tree.split_whitespace().collect::<Vec<_>>().join(" ");
    fn walk(prefix: &[String], tree: &str, out: &mut Vec<Vec<String>>) {
        let (mut depth, mut start) = (0, 0);
        let mut parts = Vec::new();
        for (i, c) in tree.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    parts.push(&tree[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
        parts.push(&tree[start..]);
        for part in parts.into_iter().map(str::trim).filter(|p| !p.is_empty()) {
            let mut next = prefix.to_vec();
            if let (Some(open), Some(close)) = (part.find('{'), part.rfind('}')) {
                next.extend(segments(part[..open].trim().trim_end_matches("::")));
                walk(&next, &part[open + 1..close], out);
            } else {
                // `a::b as c` names `a::b`; `a::{self}` names `a`.
                next.extend(segments(part.split_whitespace().next().unwrap_or(part)));
                if next.last().is_some_and(|s| s == "self") {
                    next.pop();
                }
                out.push(next);
            }
        }
    }
    let mut out = Vec::new();
    walk(&[], &tree, &mut out);
    out
}

fn segments(path: &str) -> Vec<String> {
    path.split("::")
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Every path a file names from its own crate: `use` trees and inline `crate::…`/`super::…`.
fn crate_paths(code: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    let mut rest = code;
    while let Some(at) = find_word(rest, "use ") {
        let after = &rest[at + 4..];
        let end = after.find(';').unwrap_or(after.len());
        paths.extend(expand_use(&after[..end]));
        rest = &after[end..];
    }
    for root in ["crate::", "super::"] {
        let mut rest = code;
        while let Some(at) = find_word(rest, root) {
            let tail = &rest[at..];
            let end = tail
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(tail.len());
            paths.push(segments(&tail[..end]));
            rest = &tail[end..];
        }
    }
    paths
}

/// The next place `word` starts that is not the tail of a longer name or path.
fn find_word(text: &str, word: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = text[from..].find(word) {
        let at = from + i;
        let before = text[..at].chars().next_back();
        if !before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            return Some(at);
        }
        from = at + word.len();
    }
    None
}

/// The top-level module a path lands in, seen from a file at `me`. `super` that would climb past
/// the file's own top-level module comes from an inline `mod tests`, so it stays inside it.
fn target(me: &[String], path: &[String]) -> Option<String> {
    let first = path.first()?;
    let resolved: Vec<String> = match first.as_str() {
        "crate" => path[1..].to_vec(),
        "super" => {
            let ups = path.iter().take_while(|s| *s == "super").count();
            let keep = me.len().saturating_sub(ups).max(1).min(me.len());
            me[..keep].iter().chain(&path[ups..]).cloned().collect()
        }
        _ => return None,
    };
    let top = resolved.first()?;
    let is_module = LAYERS.iter().any(|(_, mods)| mods.contains(&top.as_str()));
    Some(if is_module {
        top.clone()
    } else {
        "(crate root)".to_owned()
    })
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Top-level module → the top-level modules it imports, with one file and path as the example.
type Edges = BTreeMap<String, BTreeMap<String, String>>;

fn scan() -> (Vec<String>, Edges) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let (mut problems, mut edges) = (Vec::new(), Edges::new());
    for file in files {
        let me = module_path(&src, &file);
        let own = me.first().cloned().unwrap_or_else(|| "(crate root)".into());
        let shown = file.strip_prefix(src.parent().unwrap()).unwrap().display();
        let Some((my_layer, my_name)) = layer_of(&own) else {
            problems.push(format!(
                "{shown}: module `{own}` has no layer in tests/layers.rs"
            ));
            continue;
        };
        let code = code_only(&std::fs::read_to_string(&file).expect("read"));
        for path in crate_paths(&code) {
            let Some(to) = target(&me, &path) else {
                continue;
            };
            if to == own {
                continue;
            }
            let (their_layer, their_name) = layer_of(&to).expect("known by target()");
            let named = path.join("::");
            if their_layer > my_layer {
                problems.push(format!(
                    "{shown} ({my_name}) imports `{named}` from `{to}` ({their_name}), a layer above"
                ));
            }
            edges
                .entry(own.clone())
                .or_default()
                .entry(to)
                .or_insert_with(|| format!("{shown}: {named}"));
        }
    }
    (problems, edges)
}

/// One cycle among the top-level modules, if there is any, as its chain of examples.
fn find_cycle(edges: &Edges) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        edges: &Edges,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|n| n == node) {
            let ring = &stack[at..];
            return Some(
                ring.iter()
                    .zip(ring.iter().cycle().skip(1))
                    .map(|(a, b)| edges[a][b].clone())
                    .collect(),
            );
        }
        if !done.insert(node.to_owned()) {
            return None;
        }
        stack.push(node.to_owned());
        for next in edges.get(node).into_iter().flat_map(|m| m.keys()) {
            if let Some(found) = visit(next, edges, stack, done) {
                return Some(found);
            }
        }
        stack.pop();
        None
    }
    let mut done = BTreeSet::new();
    edges
        .keys()
        .find_map(|n| visit(n, edges, &mut Vec::new(), &mut done))
}

#[test]
fn no_module_imports_from_a_layer_above_it() {
    let (problems, _) = scan();
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

#[test]
fn top_level_modules_import_each_other_in_no_cycle() {
    let (_, edges) = scan();
    if let Some(cycle) = find_cycle(&edges) {
        panic!("an import cycle:\n{}", cycle.join("\n"));
    }
}

#[test]
fn the_check_sees_imports_of_every_shape() {
    let code = code_only(
        "// use crate::web::not_this;\nuse crate::{db::Db, orders::{store as s, Status}};\n\
         let s = \"crate::web::nor_this\";\nfn f() { crate::web::layout::page(); super::x::y(); }",
    );
    let me = vec!["orders".to_owned(), "service".to_owned()];
    let targets: BTreeSet<String> = crate_paths(&code)
        .iter()
        .filter_map(|p| target(&me, p))
        .collect();
    let want = ["db", "orders", "web"].map(String::from).into();
    assert_eq!(targets, want);
    let mut edges = Edges::new();
    edges
        .entry("a".into())
        .or_default()
        .insert("b".into(), "a→b".into());
    assert!(find_cycle(&edges).is_none());
    edges
        .entry("b".into())
        .or_default()
        .insert("a".into(), "b→a".into());
    assert_eq!(find_cycle(&edges).unwrap().len(), 2);
}
