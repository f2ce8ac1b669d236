//! The architecture, checked (`cargo xtask layout`, part of `cargo xtask
//! ci`, and a test of this crate):
//!
//! 1. **Crate dependencies.** Each crate may depend only on the crates of
//!    ours [`RULES`] allows, and only the collector (and the test kit) on
//!    the AWS SDK or tokio: the IAM engine and the catalogue stay small
//!    libraries, analysis stays pure.
//! 2. **No circle between files.** Within each crate, no source file uses a
//!    file that uses it back, directly or through others. A file uses
//!    another when its product code (test modules and test-only files left
//!    out) names a path into it: `crate::a::b`, `super::x`, a child module
//!    `child::x`, followed through `use` re-exports to where the item is.
//! 3. **Small files.** No product source file (test files, the test kit and
//!    xtask aside) over [`MAX_LINES`] lines.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{bail, Context, Result};

/// Longest product source file, in lines.
pub const MAX_LINES: usize = 800;

/// Which crates of ours each crate may depend on (normal dependencies), and
/// whether it may depend on the AWS SDK and tokio (I/O).
pub const RULES: &[(&str, &[&str], bool)] = &[
    ("model", &[], false),
    ("iam", &["model"], false),
    ("catalogue", &["model"], false),
    ("checks", &["model", "iam", "catalogue"], false),
    ("explain", &["model", "iam", "catalogue", "checks"], false),
    ("report", &["model", "catalogue", "checks"], false),
    ("collect", &["model"], true),
    (
        "cli",
        &[
            "model",
            "iam",
            "catalogue",
            "checks",
            "explain",
            "report",
            "collect",
        ],
        true,
    ),
    ("testkit", &["model"], true),
];

/// Every violation of the three rules in the workspace at `root`.
pub fn violations(root: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let crates = root.join("crates");
    let mut names: Vec<String> = std::fs::read_dir(&crates)?
        .flatten()
        .filter(|e| e.path().join("Cargo.toml").exists())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    for name in &names {
        let dir = crates.join(name);
        out.extend(crate_dependencies(name, &dir)?);
        let files = source_files(&dir.join("src"))?;
        out.extend(cycles(name, &files));
        if name != "testkit" {
            for f in files.values().filter(|f| !f.test_only) {
                let lines = f.raw.lines().count();
                if lines > MAX_LINES {
                    out.push(format!(
                        "crates/{name}/src/{} has {lines} lines (at most {MAX_LINES}): split it by concept",
                        f.rel
                    ));
                }
            }
        }
    }
    Ok(out)
}

/// The crate's normal dependencies against [`RULES`].
fn crate_dependencies(name: &str, dir: &Path) -> Result<Vec<String>> {
    let Some((_, allowed, io)) = RULES.iter().find(|(n, _, _)| *n == name) else {
        return Ok(vec![format!(
            "crates/{name} is not in the architecture's dependency rules (xtask/src/layout.rs RULES, ARCHITECTURE.md)"
        )]);
    };
    let text = std::fs::read_to_string(dir.join("Cargo.toml"))?;
    let mut out = Vec::new();
    let mut section = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            section = line.to_string();
            continue;
        }
        if section != "[dependencies]" {
            continue;
        }
        let Some(dep) = line.split(['=', ' ', '.']).next().filter(|d| !d.is_empty()) else {
            continue;
        };
        if let Some(ours) = dep.strip_prefix("trailaudit-") {
            if !allowed.contains(&ours) {
                out.push(format!(
                    "crates/{name} depends on trailaudit-{ours}, which the architecture forbids (allowed: {})",
                    if allowed.is_empty() { "none".to_string() } else { allowed.join(", ") }
                ));
            }
        } else if !io && (dep.starts_with("aws-") || dep == "tokio") {
            out.push(format!(
                "crates/{name} depends on {dep}: it must stay free of I/O and the AWS SDK"
            ));
        }
    }
    Ok(out)
}

/// One source file of a crate.
struct SourceFile {
    /// Path below `src/`.
    rel: String,
    /// As written.
    raw: String,
    /// Comments, strings and `#[cfg(test)]` items removed.
    code: String,
    /// Only compiled for tests (declared under `#[cfg(test)]`).
    test_only: bool,
}

/// The crate's files by module path (`[]` for the root).
fn source_files(src: &Path) -> Result<BTreeMap<Vec<String>, SourceFile>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).with_context(|| d.display().to_string())? {
            let p = e?.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let rel = p.strip_prefix(src)?.to_string_lossy().replace('\\', "/");
                let raw = std::fs::read_to_string(&p)?;
                let code = strip_tests(&clean(&raw));
                files.insert(
                    module_path(&rel),
                    SourceFile {
                        rel,
                        raw,
                        code,
                        test_only: false,
                    },
                );
            }
        }
    }
    mark_test_only(&mut files);
    Ok(files)
}

/// Marks the modules declared under `#[cfg(test)]` (and everything below
/// them) and `tests.rs` files as test-only.
fn mark_test_only(files: &mut BTreeMap<Vec<String>, SourceFile>) {
    let test_roots: Vec<Vec<String>> = files
        .iter()
        .flat_map(|(m, f)| {
            test_modules(&clean(&f.raw)).into_iter().map(move |c| {
                let mut m = m.clone();
                m.push(c);
                m
            })
        })
        .collect();
    for (m, f) in files.iter_mut() {
        f.test_only = test_roots.iter().any(|t| m.starts_with(t)) || f.rel.ends_with("tests.rs");
    }
}

fn module_path(rel: &str) -> Vec<String> {
    let mut parts: Vec<String> = rel
        .trim_end_matches(".rs")
        .split('/')
        .map(String::from)
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

/// The text with comments, string and char literals blanked.
fn clean(s: &str) -> String {
    let b: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i += 2;
            while i + 1 < b.len() && !(b[i] == '*' && b[i + 1] == '/') {
                i += 1;
            }
            i += 2;
        } else if c == 'r'
            && (next == Some('"') || next == Some('#'))
            && !ident_char(b.get(i.wrapping_sub(1)).copied())
        {
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if b.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= b.len() {
                    break;
                }
                if b[j] == '"' && (0..hashes).all(|k| b.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j;
        } else if c == '"' {
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' {
            // A char literal ('x', '\n', '\''), else a lifetime.
            if next == Some('\\') {
                let mut j = i + 2;
                while j < b.len() && b[j] != '\'' {
                    j += 1;
                }
                i = j + 1;
                out.push_str("' '");
            } else if b.get(i + 2) == Some(&'\'') {
                i += 3;
                out.push_str("' '");
            } else {
                out.push(c);
                i += 1;
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn ident_char(c: Option<char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || c == '_')
}

/// Removes every item marked `#[cfg(test)]` (a block to its closing brace,
/// anything else to its `;`).
fn strip_tests(code: &str) -> String {
    let mut out = String::new();
    let mut rest = code;
    while let Some(i) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..i]);
        let after = &rest[i + "#[cfg(test)]".len()..];
        let brace = after.find('{');
        let semi = after.find(';');
        let end = match (brace, semi) {
            (Some(b), Some(s)) if s < b => s + 1,
            (Some(b), _) => {
                let mut depth = 0;
                let mut end = after.len();
                for (k, ch) in after[b..].char_indices() {
                    match ch {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = b + k + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                end
            }
            (None, Some(s)) => s + 1,
            (None, None) => after.len(),
        };
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// Names of modules declared `#[cfg(test)] mod NAME;` in a file.
fn test_modules(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("#[cfg(test)]") {
        rest = &rest[i + "#[cfg(test)]".len()..];
        let item = rest.trim_start();
        let item = item
            .strip_prefix("pub(crate) ")
            .or_else(|| item.strip_prefix("pub "))
            .unwrap_or(item);
        if let Some(decl) = item.strip_prefix("mod ") {
            let name: String = decl.chars().take_while(|c| ident_char(Some(*c))).collect();
            if decl[name.len()..].trim_start().starts_with(';') {
                out.push(name);
            }
        }
    }
    out
}

/// Child modules a file declares (`mod x;`, `pub mod x;`).
fn children(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for w in code.split(';') {
        let w = w.trim();
        let w = w.rsplit(['}', '{', ']']).next().unwrap_or(w).trim();
        let decl = w
            .strip_prefix("pub(crate) mod ")
            .or_else(|| w.strip_prefix("pub mod "))
            .or_else(|| w.strip_prefix("mod "));
        if let Some(name) = decl.filter(|n| n.chars().all(|c| ident_char(Some(c)))) {
            out.insert(name.to_string());
        }
    }
    out
}

/// Every `use` tree in the code, as full paths (`a::b::{c, d::*}` gives
/// `a::b::c` and `a::b::d::*`; `x as y` gives `x`, named `y`): (path, the
/// name it brings in).
fn use_paths(code: &str) -> Vec<(Vec<String>, String)> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = find_word(rest, "use") {
        let after = &rest[i + 3..];
        let Some(end) = after.find(';') else { break };
        expand(&after[..end], &mut Vec::new(), &mut out);
        rest = &after[end..];
    }
    out
}

fn find_word(s: &str, w: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = s[from..].find(w) {
        let at = from + i;
        let before = s[..at].chars().next_back();
        let after = s[at + w.len()..].chars().next();
        if !ident_char(before) && after.is_some_and(char::is_whitespace) {
            return Some(at);
        }
        from = at + w.len();
    }
    None
}

fn expand(tree: &str, prefix: &mut Vec<String>, out: &mut Vec<(Vec<String>, String)>) {
    let tree = tree.trim();
    if let Some(open) = tree.find('{') {
        let head: Vec<String> = tree[..open]
            .split("::")
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        let n = prefix.len();
        prefix.extend(head);
        let mut depth = 0;
        let mut start = 0;
        for (k, ch) in inner.char_indices() {
            match ch {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand(&inner[start..k], prefix, out);
                    start = k + 1;
                }
                _ => {}
            }
        }
        expand(&inner[start..], prefix, out);
        prefix.truncate(n);
    } else if !tree.is_empty() {
        let (path, alias) = match tree.split_once(" as ") {
            Some((p, a)) => (p, Some(a.trim())),
            None => (tree, None),
        };
        let mut full = prefix.clone();
        full.extend(
            path.split("::")
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(String::from),
        );
        if full.last().is_some_and(|l| l == "self") {
            full.pop();
        }
        let name = alias
            .map(String::from)
            .or_else(|| full.last().cloned())
            .unwrap_or_default();
        out.push((full, name));
    }
}

/// Paths written in code outside `use` declarations that start at `crate`,
/// `super`, `self` or one of the file's child modules.
fn code_paths(code: &str, kids: &BTreeSet<String>) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let chars: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        // A path starts here: not inside an identifier, not after `::`.
        let inside = i > 0
            && (ident_char(Some(chars[i - 1]))
                || (i >= 2 && chars[i - 1] == ':' && chars[i - 2] == ':'));
        if ident_char(Some(chars[i])) && !inside {
            let mut j = i;
            let mut segs = Vec::new();
            loop {
                let s = j;
                while j < chars.len() && ident_char(Some(chars[j])) {
                    j += 1;
                }
                segs.push(chars[s..j].iter().collect::<String>());
                if j + 2 < chars.len()
                    && chars[j] == ':'
                    && chars[j + 1] == ':'
                    && ident_char(Some(chars[j + 2]))
                {
                    j += 2;
                } else {
                    break;
                }
            }
            if segs.len() > 1
                && (matches!(segs[0].as_str(), "crate" | "super" | "self")
                    || kids.contains(&segs[0]))
            {
                out.push(segs);
            }
            i = j.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

struct Crate<'a> {
    files: &'a BTreeMap<Vec<String>, SourceFile>,
    uses: BTreeMap<Vec<String>, Vec<(Vec<String>, String)>>,
    defs: BTreeMap<Vec<String>, BTreeSet<String>>,
}

impl Crate<'_> {
    /// The absolute module path a path starts at, seen from module `m`.
    fn absolute(&self, m: &[String], path: &[String]) -> Option<Vec<String>> {
        let mut at: Vec<String> = m.to_vec();
        let mut segs = path;
        match segs.first()?.as_str() {
            "crate" => {
                at.clear();
                segs = &segs[1..];
            }
            "self" => segs = &segs[1..],
            "super" => {
                while segs.first().is_some_and(|s| s == "super") {
                    at.pop()?;
                    segs = &segs[1..];
                }
            }
            first => {
                let mut child = at.clone();
                child.push(first.to_string());
                if !self.files.contains_key(&child) {
                    return None;
                }
            }
        }
        at.extend(segs.iter().cloned());
        Some(at)
    }

    /// The file an absolute path leads to, through modules and re-exports.
    fn target(&self, path: &[String], depth: usize) -> Option<Vec<String>> {
        let mut m = Vec::new();
        let mut k = 0;
        while k < path.len() {
            let mut child = m.clone();
            child.push(path[k].clone());
            if self.files.contains_key(&child) {
                m = child;
                k += 1;
            } else {
                break;
            }
        }
        if k == path.len() || path[k] == "*" || depth > 8 {
            return Some(m);
        }
        let name = &path[k];
        if self.defs.get(&m).is_some_and(|d| d.contains(name)) {
            return Some(m);
        }
        for (p, alias) in self.uses.get(&m).into_iter().flatten() {
            let glob = p.last().is_some_and(|l| l == "*");
            if alias == name || glob {
                let Some(abs) = self.absolute(&m, p) else {
                    continue;
                };
                let mut abs = abs;
                if glob {
                    abs.pop();
                    let g = self.target(&abs, depth + 1)?;
                    let defined = self.defs.get(&g).is_some_and(|d| d.contains(name));
                    if !defined {
                        continue;
                    }
                    return Some(g);
                }
                return self.target(&abs, depth + 1);
            }
        }
        Some(m)
    }
}

/// Top-level names a file defines.
fn definitions(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for kw in [
        "fn ",
        "struct ",
        "enum ",
        "const ",
        "static ",
        "type ",
        "trait ",
        "macro_rules! ",
    ] {
        let mut rest = code;
        while let Some(i) = rest.find(kw) {
            let before = rest[..i].chars().next_back();
            rest = &rest[i + kw.len()..];
            if ident_char(before) {
                continue;
            }
            let name: String = rest.chars().take_while(|c| ident_char(Some(*c))).collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

/// Circles between the product files of one crate.
fn cycles(krate: &str, files: &BTreeMap<Vec<String>, SourceFile>) -> Vec<String> {
    let product: BTreeMap<&Vec<String>, &SourceFile> =
        files.iter().filter(|(_, f)| !f.test_only).collect();
    let c = Crate {
        files,
        uses: files
            .iter()
            .map(|(m, f)| (m.clone(), use_paths(&f.code)))
            .collect(),
        defs: files
            .iter()
            .map(|(m, f)| (m.clone(), definitions(&f.code)))
            .collect(),
    };
    let mut edges: BTreeMap<&Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    for (m, f) in &product {
        let kids = children(&f.code);
        let mut paths: Vec<Vec<String>> = c.uses[*m].iter().map(|(p, _)| p.clone()).collect();
        paths.extend(code_paths(&f.code, &kids));
        let set = edges.entry(m).or_default();
        for p in paths {
            let Some(abs) = c.absolute(m, &p) else {
                continue;
            };
            if let Some(t) = c.target(&abs, 0) {
                if &t != *m && product.contains_key(&t) {
                    set.insert(t);
                }
            }
        }
    }
    let name = |m: &Vec<String>| format!("crates/{krate}/src/{}", files[m].rel);
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for start in edges.keys() {
        // Shortest way back to `start`.
        let mut prev: BTreeMap<Vec<String>, Vec<String>> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([(*start).clone()]);
        let mut found = None;
        while let Some(n) = queue.pop_front() {
            for t in edges.get(&n).into_iter().flatten() {
                if t == *start {
                    found = Some(n.clone());
                    break;
                }
                if !prev.contains_key(t) {
                    prev.insert(t.clone(), n.clone());
                    queue.push_back(t.clone());
                }
            }
            if found.is_some() {
                break;
            }
        }
        let Some(mut last) = found else { continue };
        let mut chain = vec![(*start).clone()];
        let mut back = vec![last.clone()];
        while last != **start {
            last = prev[&last].clone();
            back.push(last.clone());
        }
        back.pop();
        back.reverse();
        chain.extend(back);
        let key: BTreeSet<Vec<String>> = chain.iter().cloned().collect();
        if seen.insert(key) {
            chain.push((*start).clone());
            out.push(format!(
                "a circle between files: {}",
                chain.iter().map(name).collect::<Vec<_>>().join(" -> ")
            ));
        }
    }
    out
}

/// `cargo xtask layout`: fails listing every violation.
pub fn check(root: &Path) -> Result<()> {
    let v = violations(root)?;
    if v.is_empty() {
        eprintln!(
            "layout: crate dependencies, files without circles, files of at most {MAX_LINES} lines"
        );
        return Ok(());
    }
    bail!(
        "the architecture is broken ({} problems):\n  {}",
        v.len(),
        v.join("\n  ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(list: &[(&str, &str)]) -> BTreeMap<Vec<String>, SourceFile> {
        let mut out: BTreeMap<Vec<String>, SourceFile> = list
            .iter()
            .map(|(rel, raw)| {
                (
                    module_path(rel),
                    SourceFile {
                        rel: rel.to_string(),
                        raw: raw.to_string(),
                        code: strip_tests(&clean(raw)),
                        test_only: false,
                    },
                )
            })
            .collect();
        mark_test_only(&mut out);
        out
    }

    #[test]
    fn finds_a_circle_through_re_exports_and_ignores_tests_and_comments() {
        let lib =
            "pub mod a;\npub mod b;\npub mod c;\n#[cfg(test)]\nmod fixture;\npub use a::Thing;\n";
        // b uses a through the root's re-export; a uses b: a circle.
        let f = files(&[
            ("lib.rs", lib),
            ("a.rs", "use crate::b::helper;\npub struct Thing;\n"),
            ("b.rs", "pub fn helper(_: crate::Thing) {}\n"),
            ("c.rs", "// crate::a::Thing in a comment\nconst S: &str = \"crate::a::Thing\";\n#[cfg(test)]\nmod tests { use crate::b::helper; }\n"),
            ("fixture.rs", "use crate::c::S;\n"),
        ]);
        let v = cycles("x", &f);
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(
            v[0].contains("crates/x/src/a.rs -> crates/x/src/b.rs -> crates/x/src/a.rs"),
            "{v:?}"
        );
        // Without a's use of b, nothing: tests, comments, strings and
        // test-only files do not count.
        let f = files(&[
            ("lib.rs", lib),
            ("a.rs", "pub struct Thing;\n"),
            (
                "b.rs",
                "use super::a::{self, Thing as T};\npub fn helper(_: T) {}\n",
            ),
            (
                "c.rs",
                "// crate::b::helper\n#[cfg(test)]\nmod tests { use crate::b::helper; }\n",
            ),
            ("fixture.rs", "use crate::b::helper;\n"),
        ]);
        assert!(cycles("x", &f).is_empty(), "{:?}", cycles("x", &f));
        // A parent and a child module that use each other.
        let f = files(&[
            ("lib.rs", "pub mod checks;\npub mod check;\n"),
            (
                "check.rs",
                "pub struct Ctx;\npub fn all() { crate::checks::run(); }\n",
            ),
            ("checks/mod.rs", "mod one;\npub fn run() { one::go(); }\n"),
            ("checks/one.rs", "use crate::check::*;\npub fn go() {}\n"),
        ]);
        let v = cycles("x", &f);
        assert_eq!(v.len(), 1, "{v:?}");
    }

    #[test]
    fn forbidden_crate_dependencies_are_named() {
        let dir = std::env::temp_dir().join(format!("layout-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("Cargo.toml"),
            "[package]\nname = \"x\"\n[dependencies]\ntrailaudit-model = { workspace = true }\ntrailaudit-checks.workspace = true\naws-sdk-s3 = { workspace = true }\n[dev-dependencies]\ntrailaudit-testkit = { workspace = true }\n",
        )
        .unwrap();
        let v = crate_dependencies("iam", &dir).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(v.len(), 2, "{v:?}");
        assert!(v[0].contains("trailaudit-checks"), "{v:?}");
        assert!(v[1].contains("aws-sdk-s3"), "{v:?}");
    }

    /// The workspace itself keeps the architecture.
    #[test]
    fn the_workspace_keeps_its_architecture() {
        let root = trailaudit_testkit::emulator::workspace_root();
        let v = violations(&root).unwrap();
        assert!(v.is_empty(), "{}", v.join("\n"));
    }
}
