//! The layers' invariants that ARCHITECTURE.md states as absences, checked on the source:
//! the core (`src/`) never reads files, the environment, the clock or the network, never
//! prints and never touches JavaScript; the browser module and the CLI reach the core only
//! through its public edges (`api`, `engine`, `bundle`, `error`, and for the CLI the pipeline's
//! modules). Test modules and doc comments are not code that ships, so they are skipped.

use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// What the core must never name, and why.
const FORBIDDEN_IN_CORE: [(&str, &str); 11] = [
    ("std::fs", "reads or writes files"),
    ("File::", "opens files"),
    ("std::env", "reads the environment"),
    ("std::net", "opens network connections"),
    ("std::process", "starts processes or exits"),
    ("Instant::now", "reads the clock"),
    ("SystemTime", "reads the clock"),
    ("println!", "prints"),
    ("eprintln!", "prints"),
    ("js_sys", "touches JavaScript values"),
    ("web_sys", "touches the browser"),
];

/// Exceptions to [`FORBIDDEN_IN_CORE`], each documented in ARCHITECTURE.md: none since the
/// native kernels (and their `WAYFINDER_AMX` switch, now read by the CLI) left for
/// `crates/kernels`.
const ALLOWED: [(&str, &str); 0] = [];

/// The one file of the core allowed `unsafe` (`src/lib.rs` denies it elsewhere): fold-in's
/// solves compiled a second time for AVX2.
const UNSAFE_IN_CORE: &str = "src/mf/foldin.rs";

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The file's shipping code: everything before its test module (clippy keeps test modules
/// last), without comment lines.
fn shipping_code(path: &Path) -> Vec<(usize, String)> {
    let text = std::fs::read_to_string(path).unwrap();
    let end = text.find("#[cfg(test)]\nmod tests").unwrap_or(text.len());
    text[..end]
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim_start().starts_with("//"))
        .map(|(i, line)| (i + 1, line.to_string()))
        .collect()
}

fn relative(path: &Path) -> String {
    path.strip_prefix(ROOT).unwrap().to_string_lossy().replace('\\', "/")
}

#[test]
fn the_core_does_no_io_and_never_touches_javascript() {
    let mut files = Vec::new();
    rust_files(&Path::new(ROOT).join("src"), &mut files);
    assert!(files.len() > 20, "found only {} core files", files.len());
    let mut found = Vec::new();
    for path in &files {
        let name = relative(path);
        for (line, code) in shipping_code(path) {
            for (pattern, what) in FORBIDDEN_IN_CORE {
                if code.contains(pattern) && !ALLOWED.contains(&(name.as_str(), pattern)) {
                    found.push(format!("{name}:{line} {what} ({pattern}): {}", code.trim()));
                }
            }
        }
    }
    assert!(found.is_empty(), "the core must do no I/O:\n{}", found.join("\n"));
    // Each exception is still where ARCHITECTURE.md says, or the list must lose it.
    for (file, pattern) in ALLOWED {
        let code = shipping_code(&Path::new(ROOT).join(file));
        assert!(code.iter().any(|(_, l)| l.contains(pattern)), "{file} no longer uses {pattern}; drop the exception");
    }
}

#[test]
fn the_core_has_unsafe_code_in_one_documented_file_only() {
    let mut files = Vec::new();
    rust_files(&Path::new(ROOT).join("src"), &mut files);
    let lib = std::fs::read_to_string(Path::new(ROOT).join("src/lib.rs")).unwrap();
    assert!(lib.contains("#![deny(unsafe_code)]"), "src/lib.rs must deny unsafe code");
    let mut found = Vec::new();
    for path in &files {
        let name = relative(path);
        for (line, code) in shipping_code(path) {
            if (code.contains("unsafe ") || code.contains("allow(unsafe_code)")) && name != UNSAFE_IN_CORE {
                found.push(format!("{name}:{line}: {}", code.trim()));
            }
        }
    }
    assert!(found.is_empty(), "unsafe code outside {UNSAFE_IN_CORE}:\n{}", found.join("\n"));
    let foldin = shipping_code(&Path::new(ROOT).join(UNSAFE_IN_CORE));
    assert!(
        foldin.iter().any(|(_, l)| l.contains("unsafe ")),
        "{UNSAFE_IN_CORE} has no unsafe code; drop the exception"
    );
}

#[test]
fn the_browser_module_reaches_the_core_only_through_its_edges() {
    let mut paths = Vec::new();
    rust_files(&Path::new(ROOT).join("crates/wasm/src"), &mut paths);
    let edges = [
        "wayfinder::api",
        "wayfinder::engine",
        "wayfinder::bundle",
        "wayfinder::error",
        "wayfinder::embed::Embedder",
        "wayfinder::rank::Scratch",
    ];
    let mut found = Vec::new();
    for path in &paths {
        for (line, code) in shipping_code(path) {
            for (at, _) in code.match_indices("wayfinder::") {
                if !edges.iter().any(|e| code[at..].starts_with(e)) {
                    found.push(format!("{}:{line}: {}", relative(path), code.trim()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "the browser module holds no rules; it calls the core's edges only:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_core_never_depends_on_an_edge() {
    let mut files = Vec::new();
    rust_files(&Path::new(ROOT).join("src"), &mut files);
    for path in &files {
        for (line, code) in shipping_code(path) {
            for edge in ["wayfinder_cli::", "wayfinder_wasm::", "wasm_bindgen::", "#[wasm_bindgen"] {
                assert!(!code.contains(edge), "{}:{line} names {edge}: {}", relative(path), code.trim());
            }
        }
    }
}
