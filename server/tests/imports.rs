//! Checks of how the server's modules refer to one another.
//!
//! The scanner reads every `.rs` file under `src/`, works out which module
//! each file is (`src/lib.rs` is the crate root, `src/a/mod.rs` and
//! `src/a.rs` are `crate::a`, `src/a/b.rs` is `crate::a::b`; an inline
//! `mod tests { .. }` belongs to its file) and collects every reference from
//! one file's module to another's: `use` trees (nested braces, `self`, `as`,
//! globs, `pub use`), and paths in code (`crate::x::f()`, `super::store::find()`,
//! or a path through a name brought in by `use`). Comments, string, raw string
//! and char literals are skipped by the tokenizer.
//!
//! A path resolves to the longest prefix of it that is a module file; if the
//! rest names something the module itself imports (`pub use handlers::OrderView`
//! in `orders/mod.rs`), the reference follows that import to where it comes
//! from, at the crate root too (`use crate::AppState` is a reference to the
//! file that defines `AppState`). A `mod child;` declaration is no reference;
//! a file's references to itself (its inline modules included) are dropped.
//! A parent and a child that refer to each other (`pub use child::X` in one,
//! `super::Y` in the other) are a circle like any other.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

// ---------------------------------------------------------------- tokens

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    /// An identifier or keyword (`r#` stripped; `$crate` kept whole).
    Ident(String),
    /// `::`
    PathSep,
    /// Any other punctuation character.
    Punct(char),
    /// A number, string, char or byte literal: never part of a path.
    Lit,
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_ident_char(c: char) -> bool {
    c == '_' || c.is_alphanumeric()
}

/// Index just past a quoted literal whose opening `quote` is at `i`,
/// honouring backslash escapes.
fn skip_quoted(s: &[char], mut i: usize, quote: char) -> usize {
    i += 1;
    while i < s.len() {
        match s[i] {
            '\\' => i += 2,
            c if c == quote => return i + 1,
            _ => i += 1,
        }
    }
    s.len()
}

/// If a raw string (`r"…"`, `r#"…"#`, …) starts at `i` (at the `r`), the
/// index just past it.
fn skip_raw_string(s: &[char], i: usize) -> Option<usize> {
    let mut j = i + 1;
    let mut hashes = 0;
    while s.get(j) == Some(&'#') {
        hashes += 1;
        j += 1;
    }
    if s.get(j) != Some(&'"') {
        return None;
    }
    j += 1;
    while j < s.len() {
        if s[j] == '"' && (1..=hashes).all(|k| s.get(j + k) == Some(&'#')) {
            return Some(j + 1 + hashes);
        }
        j += 1;
    }
    Some(s.len())
}

/// The tokens of a Rust source with comments and literals taken out.
fn tokenize(text: &str) -> Vec<Tok> {
    let s: Vec<char> = text.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        let next = s.get(i + 1).copied();
        if c.is_whitespace() {
            i += 1;
        } else if c == '/' && next == Some('/') {
            while i < s.len() && s[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < s.len() {
                if s[i] == '/' && s.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if s[i] == '*' && s.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == '"' {
            i = skip_quoted(&s, i, '"');
            toks.push(Tok::Lit);
        } else if c == '\'' {
            if next == Some('\\') {
                i = skip_quoted(&s, i, '\'');
                toks.push(Tok::Lit);
            } else if s.get(i + 2) == Some(&'\'') {
                i += 3;
                toks.push(Tok::Lit);
            } else {
                // A lifetime or a label.
                i += 1;
                while i < s.len() && is_ident_char(s[i]) {
                    i += 1;
                }
            }
        } else if (c == 'b' || c == 'c') && next == Some('"') {
            i = skip_quoted(&s, i + 1, '"');
            toks.push(Tok::Lit);
        } else if c == 'b' && next == Some('\'') {
            i = skip_quoted(&s, i + 1, '\'');
            toks.push(Tok::Lit);
        } else if (c == 'b' || c == 'c') && next == Some('r') && skip_raw_string(&s, i + 1).is_some() {
            i = skip_raw_string(&s, i + 1).unwrap_or(s.len());
            toks.push(Tok::Lit);
        } else if c == 'r' && skip_raw_string(&s, i).is_some() {
            i = skip_raw_string(&s, i).unwrap_or(s.len());
            toks.push(Tok::Lit);
        } else if c == 'r' && next == Some('#') && s.get(i + 2).is_some_and(|&c| is_ident_start(c)) {
            let start = i + 2;
            i = start;
            while i < s.len() && is_ident_char(s[i]) {
                i += 1;
            }
            toks.push(Tok::Ident(s[start..i].iter().collect()));
        } else if is_ident_start(c) || (c == '$' && next.is_some_and(is_ident_start)) {
            let start = i;
            i += 1;
            while i < s.len() && is_ident_char(s[i]) {
                i += 1;
            }
            toks.push(Tok::Ident(s[start..i].iter().collect()));
        } else if c.is_ascii_digit() {
            while i < s.len() && is_ident_char(s[i]) {
                i += 1;
            }
            toks.push(Tok::Lit);
        } else if c == ':' && next == Some(':') {
            i += 2;
            toks.push(Tok::PathSep);
        } else {
            i += 1;
            toks.push(Tok::Punct(c));
        }
    }
    toks
}

// ---------------------------------------------------------------- one file

/// A module path, its first segment naming the crate: `crate` for the
/// library, `bin:NAME` for a binary.
type ModPath = Vec<String>;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Binding {
    Name(String),
    Glob,
}

/// One leaf of a `use` tree: `use a::b::{c as d}` gives `a::b::c` bound as `d`.
#[derive(Debug, Clone)]
struct UseItem {
    /// The module the `use` stands in (the file's, or an inline one inside it).
    ctx: ModPath,
    segs: Vec<String>,
    binding: Binding,
}

/// A path of two or more segments in code, outside any `use`.
#[derive(Debug, Clone)]
struct CodePath {
    ctx: ModPath,
    segs: Vec<String>,
}

/// The module a file under `src/` is, from its path relative to `src/`.
fn module_of(relative: &str) -> ModPath {
    let parts: Vec<&str> = relative.trim_end_matches(".rs").split('/').collect();
    let (krate, rest): (String, &[&str]) = match parts.as_slice() {
        ["lib"] => ("crate".into(), &[]),
        ["main"] => ("bin:main".into(), &[]),
        ["bin", name] => (format!("bin:{name}"), &[]),
        ["bin", name, "main"] => (format!("bin:{name}"), &[]),
        ["bin", name, rest @ ..] => (format!("bin:{name}"), rest),
        rest => ("crate".into(), rest),
    };
    let mut path = vec![krate];
    path.extend(rest.iter().map(|p| p.to_string()));
    if path.len() > 1 && path.last().is_some_and(|l| l == "mod") {
        path.pop();
    }
    path
}

/// Parses one use tree starting at `pos`, pushing its leaves; returns the
/// index just past it.
fn parse_use_tree(toks: &[Tok], mut pos: usize, prefix: &[String], ctx: &ModPath, out: &mut Vec<UseItem>) -> usize {
    let mut segs = prefix.to_vec();
    if toks.get(pos) == Some(&Tok::PathSep) {
        if segs.is_empty() {
            segs.push("::".into());
        }
        pos += 1;
    }
    loop {
        match toks.get(pos) {
            Some(Tok::Ident(name)) => {
                segs.push(name.clone());
                pos += 1;
                if toks.get(pos) == Some(&Tok::PathSep) {
                    pos += 1;
                } else {
                    break;
                }
            }
            Some(Tok::Punct('*')) => {
                out.push(UseItem { ctx: ctx.clone(), segs, binding: Binding::Glob });
                return pos + 1;
            }
            Some(Tok::Punct('{')) => {
                pos += 1;
                while pos < toks.len() && toks[pos] != Tok::Punct('}') {
                    let before = pos;
                    pos = parse_use_tree(toks, pos, &segs, ctx, out);
                    // Past a comma, or past a token the tree could not take.
                    if toks.get(pos) == Some(&Tok::Punct(',')) || pos == before {
                        pos += 1;
                    }
                }
                return pos + 1;
            }
            _ => return pos,
        }
    }
    if segs.len() > 1 && segs.last().is_some_and(|s| s == "self") {
        segs.pop();
    }
    let mut binding = segs.last().cloned().unwrap_or_default();
    if toks.get(pos) == Some(&Tok::Ident("as".into()))
        && let Some(Tok::Ident(alias)) = toks.get(pos + 1)
    {
        binding = alias.clone();
        pos += 2;
    }
    out.push(UseItem { ctx: ctx.clone(), segs, binding: Binding::Name(binding) });
    pos
}

/// The `use` items and code paths of one file whose module is `module`.
fn parse_file(module: &ModPath, text: &str) -> (Vec<UseItem>, Vec<CodePath>) {
    let toks = tokenize(text);
    let mut uses = Vec::new();
    let mut paths = Vec::new();
    // Inline modules open around this point: (name, brace depth inside it).
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut pending_mod: Option<String> = None;
    let mut depth = 0usize;
    let ctx_of = |inline: &[(String, usize)]| {
        let mut ctx = module.clone();
        ctx.extend(inline.iter().map(|(n, _)| n.clone()));
        ctx
    };
    let mut i = 0;
    while i < toks.len() {
        match &toks[i] {
            Tok::Punct('{') => {
                depth += 1;
                if let Some(name) = pending_mod.take() {
                    inline.push((name, depth));
                }
                i += 1;
            }
            Tok::Punct('}') => {
                if inline.last().is_some_and(|(_, d)| *d == depth) {
                    inline.pop();
                }
                depth = depth.saturating_sub(1);
                i += 1;
            }
            Tok::Ident(word) if word == "mod" => {
                pending_mod = match (toks.get(i + 1), toks.get(i + 2)) {
                    (Some(Tok::Ident(name)), Some(Tok::Punct('{'))) => Some(name.clone()),
                    _ => None,
                };
                i += 1;
            }
            Tok::Ident(word) if word == "use" && toks.get(i + 1) != Some(&Tok::Punct('<')) => {
                // A use declaration runs to its `;`; its braces are its own.
                let end = toks[i..].iter().position(|t| *t == Tok::Punct(';')).map_or(toks.len(), |p| i + p);
                parse_use_tree(&toks[..end], i + 1, &[], &ctx_of(&inline), &mut uses);
                i = end + 1;
            }
            Tok::Ident(first) => {
                let continues = i > 0 && toks[i - 1] == Tok::PathSep;
                // `pub(in crate::a)` is a visibility, not a reference.
                let visibility = i >= 2 && toks[i - 1] == Tok::Ident("in".into()) && toks[i - 2] == Tok::Punct('(');
                let mut segs = vec![first.clone()];
                let mut j = i + 1;
                while toks.get(j) == Some(&Tok::PathSep) {
                    match toks.get(j + 1) {
                        Some(Tok::Ident(next)) => {
                            segs.push(next.clone());
                            j += 2;
                        }
                        _ => break,
                    }
                }
                if segs.len() >= 2 && !continues && !visibility {
                    paths.push(CodePath { ctx: ctx_of(&inline), segs });
                }
                i = j;
            }
            _ => i += 1,
        }
    }
    (uses, paths)
}

// ---------------------------------------------------------------- the crate

/// One file → file reference with the names that carry it.
type Edges = BTreeMap<(usize, usize), BTreeSet<String>>;

#[derive(Debug)]
struct Scan {
    /// Paths as given, e.g. `src/orders/mod.rs`.
    files: Vec<String>,
    modules: Vec<ModPath>,
    by_module: BTreeMap<ModPath, usize>,
    uses: Vec<Vec<UseItem>>,
    paths: Vec<Vec<CodePath>>,
    /// The library's name, by which a binary refers to it.
    lib_name: String,
}

/// Where a path lands: the module file, and what is left of the path there.
struct Landing {
    file: usize,
    rest: Vec<String>,
}

const MAX_HOPS: usize = 8;

impl Scan {
    /// `sources`: (path like `src/a/b.rs`, text). Paths outside `src/` are left out.
    fn new(lib_name: &str, sources: &[(String, String)]) -> Self {
        let mut scan = Scan {
            files: Vec::new(),
            modules: Vec::new(),
            by_module: BTreeMap::new(),
            uses: Vec::new(),
            paths: Vec::new(),
            lib_name: lib_name.to_owned(),
        };
        let mut sorted: Vec<&(String, String)> = sources.iter().collect();
        sorted.sort();
        for (path, text) in sorted {
            let Some(relative) = path.strip_prefix("src/") else { continue };
            if !relative.ends_with(".rs") {
                continue;
            }
            let module = module_of(relative);
            let (uses, paths) = parse_file(&module, text);
            scan.by_module.insert(module.clone(), scan.files.len());
            scan.files.push(path.clone());
            scan.modules.push(module);
            scan.uses.push(uses);
            scan.paths.push(paths);
        }
        scan
    }

    /// The bindings of `use` items standing in module `ctx` of `file`.
    fn binding<'a>(&'a self, file: usize, ctx: &ModPath, name: &str) -> Option<&'a UseItem> {
        self.uses[file].iter().find(|u| u.ctx == *ctx && u.binding == Binding::Name(name.to_owned()))
    }

    /// `segs`, written in module `ctx` of `file`, as an absolute path inside
    /// a crate of this package; `None` for another crate or a local name.
    fn absolute(&self, file: usize, ctx: &ModPath, segs: &[String], hops: usize) -> Option<ModPath> {
        let first = segs.first()?;
        let rest = &segs[1..];
        let mut path: ModPath;
        match first.as_str() {
            "crate" | "$crate" => path = vec![ctx[0].clone()],
            "self" => path = ctx.clone(),
            "super" => {
                path = ctx.clone();
                path.pop();
                let mut k = 0;
                while rest.get(k).is_some_and(|s| s == "super") {
                    path.pop();
                    k += 1;
                }
                if path.is_empty() {
                    return None;
                }
                path.extend(rest[k..].iter().cloned());
                return Some(path);
            }
            name if name == self.lib_name && ctx[0].starts_with("bin:") => path = vec!["crate".into()],
            name => {
                let mut child = ctx.clone();
                child.push(name.to_owned());
                if self.by_module.contains_key(&child) {
                    path = child;
                } else if hops < MAX_HOPS
                    && let Some(item) = self.binding(file, ctx, name)
                {
                    path = self.absolute(file, &item.ctx, &item.segs, hops + 1)?;
                } else {
                    return None;
                }
            }
        }
        path.extend(rest.iter().cloned());
        Some(path)
    }

    /// The module file `path` lands in, following the landing module's own
    /// imports of the next name (re-exports) to where they come from.
    fn land(&self, path: &ModPath) -> Option<Landing> {
        let mut path = path.clone();
        for _ in 0..MAX_HOPS {
            let (cut, file) = (1..=path.len()).rev().find_map(|n| self.by_module.get(&path[..n]).map(|&f| (n, f)))?;
            let rest = path[cut..].to_vec();
            let module = &self.modules[file];
            let followed = rest.first().and_then(|name| self.binding(file, module, name)).and_then(|item| {
                let target = self.absolute(file, module, &item.segs, 0)?;
                let mut next = target;
                next.extend(rest[1..].iter().cloned());
                (next != path).then_some(next)
            });
            match followed {
                Some(next) => path = next,
                None => return Some(Landing { file, rest }),
            }
        }
        None
    }

    fn name_of(&self, landing: &Landing) -> String {
        match landing.rest.first() {
            Some(name) => name.clone(),
            None => self.modules[landing.file].last().cloned().unwrap_or_default(),
        }
    }

    /// Every reference from one file to another, with the names used.
    fn edges(&self) -> Edges {
        let mut edges = Edges::new();
        for file in 0..self.files.len() {
            let mut add = |landing: &Landing, name: String| {
                if landing.file != file {
                    edges.entry((file, landing.file)).or_default().insert(name);
                }
            };
            // Names brought in by `use` that code paths go through.
            let mut used: BTreeSet<(ModPath, String)> = BTreeSet::new();
            for path in &self.paths[file] {
                let first = &path.segs[0];
                if self.binding(file, &path.ctx, first).is_some() {
                    used.insert((path.ctx.clone(), first.clone()));
                }
                if let Some(abs) = self.absolute(file, &path.ctx, &path.segs, 0)
                    && let Some(landing) = self.land(&abs)
                {
                    let name = self.name_of(&landing);
                    add(&landing, name);
                }
            }
            for item in &self.uses[file] {
                let Some(abs) = self.absolute(file, &item.ctx, &item.segs, 0) else { continue };
                let Some(landing) = self.land(&abs) else { continue };
                match &item.binding {
                    Binding::Glob => add(&landing, "*".into()),
                    Binding::Name(bound) => {
                        // `use crate::a;` then `a::f()`: the reference is `f`'s, once.
                        let module_import = landing.rest.is_empty();
                        if module_import && used.contains(&(item.ctx.clone(), bound.clone())) {
                            continue;
                        }
                        let name = self.name_of(&landing);
                        add(&landing, name);
                    }
                }
            }
        }
        edges
    }
}

// ---------------------------------------------------------------- circles

/// Strongly connected components of more than one file (Tarjan).
fn circles(nodes: usize, edges: &Edges) -> Vec<Vec<usize>> {
    struct Tarjan<'a> {
        next: &'a BTreeMap<usize, Vec<usize>>,
        index: Vec<Option<usize>>,
        low: Vec<usize>,
        on_stack: Vec<bool>,
        stack: Vec<usize>,
        counter: usize,
        found: Vec<Vec<usize>>,
    }
    impl Tarjan<'_> {
        fn visit(&mut self, v: usize) {
            self.index[v] = Some(self.counter);
            self.low[v] = self.counter;
            self.counter += 1;
            self.stack.push(v);
            self.on_stack[v] = true;
            let next = self.next;
            for &w in next.get(&v).map(Vec::as_slice).unwrap_or(&[]) {
                match self.index[w] {
                    None => {
                        self.visit(w);
                        self.low[v] = self.low[v].min(self.low[w]);
                    }
                    Some(iw) if self.on_stack[w] => self.low[v] = self.low[v].min(iw),
                    Some(_) => {}
                }
            }
            if Some(self.low[v]) == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack[w] = false;
                    component.push(w);
                    if w == v {
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
    let mut next: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for &(from, to) in edges.keys() {
        next.entry(from).or_default().push(to);
    }
    let mut tarjan = Tarjan {
        next: &next,
        index: vec![None; nodes],
        low: vec![0; nodes],
        on_stack: vec![false; nodes],
        stack: Vec::new(),
        counter: 0,
        found: Vec::new(),
    };
    for v in 0..nodes {
        if tarjan.index[v].is_none() {
            tarjan.visit(v);
        }
    }
    tarjan.found.sort();
    tarjan.found
}

fn edge_line(scan: &Scan, (from, to): (usize, usize), names: &BTreeSet<String>) -> String {
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    format!("{} -> {}: {}", scan.files[from], scan.files[to], names.join(", "))
}

/// The shortest loops inside one circle: for each reference `a -> b` in it,
/// the shortest way from `b` back to `a`, each loop once, shortest first.
fn loops(members: &[usize], edges: &Edges) -> Vec<Vec<usize>> {
    let inside = |&(from, to): &(usize, usize)| members.contains(&from) && members.contains(&to);
    let mut found = BTreeSet::new();
    for &(a, b) in edges.keys().filter(|e| inside(e)) {
        // Breadth first from b until a, remembering where each file was reached from.
        let mut came_from: BTreeMap<usize, usize> = BTreeMap::from([(b, b)]);
        let mut frontier = vec![b];
        while !frontier.is_empty() && !came_from.contains_key(&a) {
            let mut next = Vec::new();
            for &v in &frontier {
                for &(_, w) in edges.keys().filter(|e| e.0 == v && inside(e)) {
                    if let std::collections::btree_map::Entry::Vacant(slot) = came_from.entry(w) {
                        slot.insert(v);
                        next.push(w);
                    }
                }
            }
            frontier = next;
        }
        let mut path = vec![a];
        let mut at = a;
        while at != b {
            at = came_from[&at];
            path.push(at);
        }
        path.reverse(); // b … a
        path.rotate_right(1); // a b … (a is reached again at the end)
        let start = (0..path.len()).min_by_key(|&i| path[i]).unwrap_or(0);
        path.rotate_left(start);
        found.insert((path.len(), path));
    }
    found.into_iter().map(|(_, path)| path).collect()
}

/// Loops of up to this many files are spelled out in a report.
const SHOWN_LOOP: usize = 3;

/// Each circle with its shortest loops and the file → file references inside it.
fn circle_report(scan: &Scan) -> Vec<String> {
    let edges = scan.edges();
    circles(scan.files.len(), &edges)
        .iter()
        .enumerate()
        .map(|(n, members)| {
            let files: Vec<&str> = members.iter().map(|&f| scan.files[f].as_str()).collect();
            let mut text = format!("circle {}: {} files: {}", n + 1, members.len(), files.join(", "));
            let all = loops(members, &edges);
            for path in all.iter().filter(|p| p.len() <= SHOWN_LOOP) {
                let names: Vec<&str> = path.iter().chain(&path[..1]).map(|&f| scan.files[f].as_str()).collect();
                text.push_str("\n  loop: ");
                text.push_str(&names.join(" -> "));
            }
            let longer = all.iter().filter(|p| p.len() > SHOWN_LOOP).count();
            if longer > 0 {
                text.push_str(&format!("\n  … and {longer} longer loops through the references below"));
            }
            for (&(from, to), names) in &edges {
                if members.contains(&from) && members.contains(&to) {
                    text.push_str("\n  ");
                    text.push_str(&edge_line(scan, (from, to), names));
                }
            }
            text
        })
        .collect()
}

// ---------------------------------------------------------------- routes

/// `<name>` of a module `crate::routes::<name>::…`.
fn route_of(module: &ModPath) -> Option<&str> {
    match module.as_slice() {
        [krate, routes, name, ..] if krate == "crate" && routes == "routes" => Some(name),
        _ => None,
    }
}

/// References from one route module (`crate::routes::<name>`) to another.
fn route_crossings(scan: &Scan) -> Vec<String> {
    scan.edges()
        .iter()
        .filter(|&(&(from, to), _)| {
            let (a, b) = (route_of(&scan.modules[from]), route_of(&scan.modules[to]));
            a.is_some() && b.is_some() && a != b
        })
        .map(|(&edge, names)| edge_line(scan, edge, names))
        .collect()
}

// ---------------------------------------------------------------- the real tree

fn read_sources(dir: &Path, base: &Path, found: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).expect("src is readable").flatten().map(|e| e.path()).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            read_sources(&path, base, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            let relative = path.strip_prefix(base).expect("under the crate").to_string_lossy().replace('\\', "/");
            found.push((relative, std::fs::read_to_string(&path).expect("readable")));
        }
    }
}

fn server_scan() -> Scan {
    let base = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut sources = Vec::new();
    read_sources(&base.join("src"), base, &mut sources);
    let scan = Scan::new(&env!("CARGO_PKG_NAME").replace('-', "_"), &sources);
    assert!(scan.files.len() > 20, "the scan sees the server's sources: {}", scan.files.len());
    assert!(scan.edges().len() > 20, "the scan sees references between them");
    scan
}

#[test]
fn no_circle_among_the_server_modules() {
    let report = circle_report(&server_scan());
    assert!(report.is_empty(), "modules of the server that refer to each other in a circle:\n{}", report.join("\n"));
}

#[test]
fn no_route_module_refers_to_another_route_module() {
    let scan = server_scan();
    let routes = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/routes");
    let route_files = scan.modules.iter().filter(|m| route_of(m).is_some()).count();
    if routes.is_dir() {
        assert!(route_files > 0, "src/routes/ exists, so the scan sees route modules");
    }
    let crossings = route_crossings(&scan);
    assert!(crossings.is_empty(), "route modules that refer to another route module:\n{}", crossings.join("\n"));
}

// ---------------------------------------------------------------- the scanner itself

fn fake(files: &[(&str, &str)]) -> Scan {
    let sources: Vec<(String, String)> = files.iter().map(|(p, t)| (p.to_string(), t.to_string())).collect();
    Scan::new("server", &sources)
}

fn edge_lines(scan: &Scan) -> Vec<String> {
    scan.edges().iter().map(|(&edge, names)| edge_line(scan, edge, names)).collect()
}

#[test]
fn scanner_maps_files_to_modules() {
    let m = |p: &str| module_of(p).join("::");
    assert_eq!(m("lib.rs"), "crate");
    assert_eq!(m("a/mod.rs"), "crate::a");
    assert_eq!(m("a.rs"), "crate::a");
    assert_eq!(m("a/b.rs"), "crate::a::b");
    assert_eq!(m("a/b/mod.rs"), "crate::a::b");
    assert_eq!(m("main.rs"), "bin:main");
    assert_eq!(m("bin/tool.rs"), "bin:tool");
}

#[test]
fn scanner_finds_a_circle_through_use_crate() {
    let scan = fake(&[
        ("src/lib.rs", "mod a;\nmod b;\n"),
        ("src/a.rs", "use crate::b::Thing;\npub fn f() -> Thing { Thing }\n"),
        ("src/b.rs", "use crate::{a, x::y};\npub struct Thing;\nfn g() { a::f(); }\n"),
    ]);
    let report = circle_report(&scan);
    assert_eq!(
        report,
        ["circle 1: 2 files: src/a.rs, src/b.rs\n  \
          loop: src/a.rs -> src/b.rs -> src/a.rs\n  \
          src/a.rs -> src/b.rs: Thing\n  \
          src/b.rs -> src/a.rs: f"]
    );
}

#[test]
fn scanner_finds_a_circle_through_super() {
    let scan = fake(&[
        ("src/lib.rs", "pub mod orders;\n"),
        ("src/orders/mod.rs", "pub mod store;\npub mod handlers;\n"),
        ("src/orders/store.rs", "pub fn find() { super::handlers::visible(); }\n"),
        ("src/orders/handlers.rs", "pub fn visible() {}\nfn h() { let _ = super::store::find(); }\n"),
    ]);
    let report = circle_report(&scan);
    assert_eq!(report.len(), 1, "{report:?}");
    assert!(report[0].contains("src/orders/handlers.rs -> src/orders/store.rs: find"), "{report:?}");
    assert!(report[0].contains("src/orders/store.rs -> src/orders/handlers.rs: visible"), "{report:?}");
    // `mod store;` in the parent is a declaration, no reference.
    assert!(edge_lines(&scan).iter().all(|l| !l.starts_with("src/orders/mod.rs")), "{:?}", edge_lines(&scan));
}

#[test]
fn scanner_finds_a_circle_through_a_pub_use_reexport() {
    let scan = fake(&[
        ("src/lib.rs", "pub mod orders;\npub mod accounts;\npub use accounts::Account;\n"),
        ("src/orders/mod.rs", "mod handlers;\npub use handlers::{OrderView as View, router};\n"),
        ("src/orders/handlers.rs", "use crate::Account;\npub struct OrderView;\npub fn router() {}\n"),
        ("src/accounts.rs", "pub struct Account;\nfn show(_: crate::orders::View) {}\n"),
    ]);
    let report = circle_report(&scan);
    assert_eq!(
        report,
        ["circle 1: 2 files: src/accounts.rs, src/orders/handlers.rs\n  \
          loop: src/accounts.rs -> src/orders/handlers.rs -> src/accounts.rs\n  \
          src/accounts.rs -> src/orders/handlers.rs: OrderView\n  \
          src/orders/handlers.rs -> src/accounts.rs: Account"]
    );
    // The re-exporting files themselves refer to their children.
    let lines = edge_lines(&scan);
    assert!(lines.contains(&"src/orders/mod.rs -> src/orders/handlers.rs: OrderView, router".to_owned()), "{lines:?}");
    assert!(lines.contains(&"src/lib.rs -> src/accounts.rs: Account".to_owned()), "{lines:?}");
}

#[test]
fn scanner_lists_the_shortest_loops_of_a_circle() {
    let scan = fake(&[
        ("src/lib.rs", "mod a;\nmod b;\nmod c;\n"),
        ("src/a.rs", "fn f() { crate::b::g(); }\n"),
        ("src/b.rs", "fn g() { crate::c::h(); crate::a::f(); }\n"),
        ("src/c.rs", "fn h() { crate::a::f(); }\n"),
    ]);
    let report = circle_report(&scan);
    assert_eq!(report.len(), 1, "{report:?}");
    let loops: Vec<&str> = report[0].lines().filter_map(|l| l.trim().strip_prefix("loop: ")).collect();
    assert_eq!(loops, ["src/a.rs -> src/b.rs -> src/a.rs", "src/a.rs -> src/b.rs -> src/c.rs -> src/a.rs"]);
}

#[test]
fn scanner_ignores_paths_in_comments_and_strings() {
    let scan = fake(&[
        ("src/lib.rs", "mod a;\nmod b;\n"),
        ("src/a.rs", "pub fn f() { crate::b::g(); }\n"),
        (
            "src/b.rs",
            r####"
//! Calls `crate::a::f` from docs only.
/// See [`crate::a::f`].
pub fn g() {
    // crate::a::f();
    /* crate::a::f(); /* nested */ crate::a::f(); */
    let _ = "crate::a::f()";
    let _ = "escaped \" crate::a::f()";
    let _ = r#"crate::a::f() with "quotes""#;
    let _ = br"crate::a::f()";
    let _ = ('{', '"', '\'');
    let _ = crate_name::a::f;
}
fn lifetime<'a>(x: &'a str) -> &'a str { x }
"####,
        ),
    ]);
    assert_eq!(edge_lines(&scan), ["src/a.rs -> src/b.rs: g"]);
    assert!(circle_report(&scan).is_empty());
}

#[test]
fn scanner_finds_no_circle_in_a_dag() {
    let scan = fake(&[
        ("src/lib.rs", "pub mod http;\npub mod repo;\npub mod domain_glue;\npub use repo::Row;\n"),
        ("src/http/mod.rs", "mod routes;\npub use routes::router;\n"),
        (
            "src/http/routes.rs",
            "use crate::repo::{self, orders::{find, Row as R}};\npub fn router() { repo::orders::find(); }\n",
        ),
        ("src/repo/mod.rs", "pub mod orders;\npub use self::orders::Row;\n"),
        ("src/repo/orders.rs", "use super::super::domain_glue::rule;\npub struct Row;\npub fn find() { rule(); }\n"),
        (
            "src/domain_glue.rs",
            "pub fn rule() {}\n#[cfg(test)]\nmod tests {\n    use super::*;\n    use crate::domain_glue::rule as r;\n}\n",
        ),
        ("src/main.rs", "use server::http::router;\nfn main() { router(); server::repo::orders::find(); }\n"),
    ]);
    assert!(circle_report(&scan).is_empty(), "{:?}", circle_report(&scan));
    let lines = edge_lines(&scan);
    assert_eq!(
        lines,
        [
            "src/http/mod.rs -> src/http/routes.rs: router",
            "src/http/routes.rs -> src/repo/orders.rs: Row, find",
            "src/lib.rs -> src/repo/orders.rs: Row",
            "src/main.rs -> src/http/routes.rs: router",
            "src/main.rs -> src/repo/orders.rs: find",
            "src/repo/mod.rs -> src/repo/orders.rs: Row",
            "src/repo/orders.rs -> src/domain_glue.rs: rule",
        ]
    );
}

#[test]
fn scanner_keeps_an_inline_test_module_with_its_file() {
    let scan = fake(&[
        ("src/lib.rs", "pub mod a;\npub mod b;\n"),
        (
            "src/a.rs",
            "pub fn f() {}\n#[cfg(test)]\nmod tests {\n    use super::*;\n    fn t() { super::f(); self::helper(); super::super::b::g(); }\n}\n",
        ),
        ("src/b.rs", "pub(in crate::b) fn g() {}\n"),
    ]);
    assert_eq!(edge_lines(&scan), ["src/a.rs -> src/b.rs: g"]);
}

#[test]
fn route_check_flags_a_route_module_using_another() {
    let scan = fake(&[
        ("src/lib.rs", "pub mod routes;\npub mod repo;\n"),
        (
            "src/routes/mod.rs",
            "mod binding;\nmod orders;\nmod verification;\npub fn router() { binding::router(); orders::router(); }\n",
        ),
        ("src/routes/binding.rs", "use super::verification::check_code;\nuse crate::repo::find;\npub fn router() {}\n"),
        ("src/routes/verification.rs", "pub fn check_code() {}\n"),
        ("src/routes/orders/mod.rs", "mod events;\npub fn router() { events::stream(); }\npub fn visible() {}\n"),
        ("src/routes/orders/events.rs", "pub fn stream() { super::visible(); crate::routes::router(); }\n"),
        ("src/repo.rs", "pub fn find() {}\n"),
    ]);
    assert_eq!(route_crossings(&scan), ["src/routes/binding.rs -> src/routes/verification.rs: check_code"]);
    assert!(
        route_crossings(&fake(&[("src/lib.rs", "mod a;\n"), ("src/a.rs", "fn f() { crate::b::g(); }\n")])).is_empty()
    );
}
