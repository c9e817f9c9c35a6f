//! SPEC.md asks that every rule be proven by a test that names its id
//! (rule SEL-3 by a test whose name starts with `sel_3_`). This test reads
//! the rule ids from SPEC.md and fails, listing them, for every rule the
//! domain decides that no test in `domain/src` or `domain/tests` names.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

/// SPEC.md lives in the shared folder beside the repository.
const SPEC_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/SPEC.md");

/// Rules decided outside this crate: by the server (PRI-2 quote_changed,
/// PRI-4 keeping the sold quote, ORD-2 idempotency, FUL-1/FUL-2 delivery
/// jobs, BND-5 audit log) or the payment gateway (PAY-4). Their proofs live
/// in the server's and end-to-end tests.
const NOT_DECIDED_HERE: [&str; 7] = ["PRI-2", "PRI-4", "ORD-2", "PAY-4", "FUL-1", "FUL-2", "BND-5"];

/// Every rule id of SPEC.md, in its order: used when SPEC.md is not beside the
/// repository (e.g. a checkout without the shared folder). The test
/// `the_embedded_rule_list_matches_spec_md` keeps it equal to SPEC.md.
const EMBEDDED_IDS: &[&str] = &[
    "CAT-1", "CAT-2", "CAT-3", "CAT-4", "CAT-5", "CAT-6", //
    "ID-1", "ID-2", "ID-3", "ID-4", //
    "CH-1", "CH-2", "CH-3", "CH-4", //
    "SEL-1", "SEL-2", "SEL-3", "SEL-4", "SEL-5", "SEL-6", //
    "PRI-1", "PRI-2", "PRI-3", "PRI-4", //
    "VOU-1", "VOU-2", //
    "PAY-1", "PAY-2", "PAY-3", "PAY-4", //
    "ORD-1", "ORD-2", "ORD-3", //
    "FUL-1", "FUL-2", //
    "BND-1", "BND-2", "BND-3", "BND-4", "BND-5", //
    "REN-1", "REN-2", "REN-3", //
    "QUO-1", "QUO-2", "QUO-3", "QUO-4", "QUO-5", //
    "INT-1", "INT-2", //
    "ADD-1", "ADD-2", //
    "VIS-1", "VIS-2", //
    "INV-1", //
    "TRI-1", "SAL-1", //
    "VER-1",
];

/// A rule id as SPEC.md writes it: upper-case letters, a dash, digits.
fn is_rule_id(word: &str) -> bool {
    match word.split_once('-') {
        Some((area, number)) => {
            !area.is_empty()
                && area.chars().all(|c| c.is_ascii_uppercase())
                && !number.is_empty()
                && number.chars().all(|c| c.is_ascii_digit())
        }
        None => false,
    }
}

/// The rules of SPEC.md: each starts a line as `- XXX-N`. Returns (id, the
/// rest of that line) in the order they appear.
fn parse_rules(spec: &str) -> Vec<(String, String)> {
    spec.lines()
        .filter_map(|line| {
            let rest = line.strip_prefix("- ")?;
            let id = rest.split_whitespace().next()?;
            is_rule_id(id).then(|| (id.to_owned(), rest[id.len()..].trim().to_owned()))
        })
        .collect()
}

/// "SEL-3" → "sel_3", the prefix of a test's name.
fn test_prefix(id: &str) -> String {
    id.to_ascii_lowercase().replace('-', "_")
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else { return };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// The name of every function declared in `source`, ignoring line comments.
fn function_names(source: &str) -> Vec<String> {
    let mut names = Vec::new();
    for line in source.lines() {
        let code = line.split("//").next().unwrap_or_default();
        let mut rest = code;
        while let Some(at) = rest.find("fn ") {
            let before = rest[..at].chars().next_back();
            let after = &rest[at + 3..];
            if before.is_none_or(|c| !(c.is_alphanumeric() || c == '_')) {
                let name: String =
                    after.trim_start().chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
                if !name.is_empty() {
                    names.push(name);
                }
            }
            rest = after;
        }
    }
    names
}

/// Every function name in the crate's sources and tests.
fn test_names() -> BTreeSet<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    rust_files(&root.join("tests"), &mut files);
    assert!(!files.is_empty(), "no .rs file found under {}", root.display());
    files.iter().filter_map(|f| fs::read_to_string(f).ok()).flat_map(|text| function_names(&text)).collect()
}

fn is_named_by(id: &str, names: &BTreeSet<String>) -> bool {
    let prefix = test_prefix(id);
    names.iter().any(|name| name == &prefix || name.strip_prefix(&prefix).is_some_and(|rest| rest.starts_with('_')))
}

#[test]
fn every_rule_the_domain_decides_is_named_by_a_test() {
    let (rules, source): (Vec<(String, String)>, String) = match fs::read_to_string(SPEC_PATH) {
        Ok(text) => (parse_rules(&text), SPEC_PATH.to_owned()),
        Err(error) => (
            EMBEDDED_IDS.iter().map(|id| ((*id).to_owned(), String::new())).collect(),
            format!("the embedded list in {} (SPEC.md not readable at {SPEC_PATH}: {error})", file!()),
        ),
    };
    assert!(!rules.is_empty(), "no rule ids (`- XXX-N` at the start of a line) found in {source}");
    let ids: BTreeSet<&str> = rules.iter().map(|(id, _)| id.as_str()).collect();
    let unknown: Vec<&str> = NOT_DECIDED_HERE.iter().copied().filter(|id| !ids.contains(id)).collect();
    assert!(unknown.is_empty(), "NOT_DECIDED_HERE names ids that {source} does not have: {unknown:?}");

    let names = test_names();
    let missing: Vec<&(String, String)> = rules
        .iter()
        .filter(|(id, _)| !NOT_DECIDED_HERE.contains(&id.as_str()))
        .filter(|(id, _)| !is_named_by(id, &names))
        .collect();
    if !missing.is_empty() {
        let list: Vec<String> = missing
            .iter()
            .map(|(id, text)| {
                let summary: String = text.chars().take(70).collect();
                format!("  {id:<6} fn {}_…   {summary}", test_prefix(id))
            })
            .collect();
        panic!(
            "{} of {} rules the domain decides have no test named after them in domain/src or domain/tests \
             (rule ids from {source}; name a test `fn <id in snake_case>_<what it proves>`):\n{}",
            missing.len(),
            rules.len() - NOT_DECIDED_HERE.len(),
            list.join("\n")
        );
    }
}

#[test]
fn the_embedded_rule_list_matches_spec_md() {
    let Ok(text) = fs::read_to_string(SPEC_PATH) else {
        // Nothing to compare with; the coverage test says which list it used when it fails.
        return;
    };
    let parsed: Vec<String> = parse_rules(&text).into_iter().map(|(id, _)| id).collect();
    assert_eq!(
        parsed,
        EMBEDDED_IDS.iter().map(|id| (*id).to_owned()).collect::<Vec<_>>(),
        "EMBEDDED_IDS in {} drifted from {SPEC_PATH}; copy the ids from SPEC.md",
        file!()
    );
}

#[test]
fn rule_ids_and_test_names_are_recognised() {
    let spec = "# T\n- SEL-3 Third-party integration\n  - not-an-id\n- ID-1 A buyer\nText - CAT-9 inline\n- Note: x\n";
    let ids: Vec<String> = parse_rules(spec).into_iter().map(|(id, _)| id).collect();
    assert_eq!(ids, ["SEL-3", "ID-1"]);
    // Written with FN, not the keyword, so that this file does not itself name these rules.
    let source = "#[test]\nFN sel_3_needs_pro() {}\n// FN ch_2_commented_out() {}\nFN sel_30_other() {}\nlet x = 1; FN id_1() {}"
        .replace("FN", "fn");
    let names: BTreeSet<String> = function_names(&source).into_iter().collect();
    assert!(is_named_by("SEL-3", &names));
    assert!(is_named_by("SEL-30", &names));
    assert!(is_named_by("ID-1", &names));
    assert!(!is_named_by("CH-2", &names), "a commented-out test does not count");
    assert!(!is_named_by("SEL-1", &names), "sel_30 is not sel_1 or sel_3");
}
