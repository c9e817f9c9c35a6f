//! The two dialects' migrations define the same schema.
//!
//! `migrations/sqlite` and `migrations/postgres` are written twice because ids
//! and types are spelled differently, and nothing but this test keeps them in
//! step. Each folder is applied by the server itself to a fresh database of
//! its own (a temp SQLite file, a new PostgreSQL database), the catalogs are
//! read back (`sqlite_master` and the `pragma_*` functions; `pg_catalog` and
//! `information_schema`), both are normalised into one [`Schema`] and the two
//! must be equal, apart from the differences listed in [`KNOWN_DIFFERENCES`].
//!
//! Run it with `DATABASE_URL_PG=postgres://… cargo test -p server --test migrations`
//! (`cargo xtask test` sets `DATABASE_URL_PG`).

use sqlx::postgres::PgPoolOptions;
use sqlx::sqlite::SqlitePoolOptions;
use sqlx::{PgPool, Row, SqlitePool};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// Applies the migrations of the database behind `url` the way the server
/// does at start-up. The only place this file uses the server's API.
async fn apply_migrations(url: &str) {
    let db = server::db::Db::connect(url, 2).await.unwrap_or_else(|e| panic!("connects to {url}: {e}"));
    db.migrate().await.unwrap_or_else(|e| panic!("the migrations apply to {url}: {e}"));
}

/// Differences between the dialects that are known, reported and not yet
/// fixed, as the diff prints them. The test fails if one of them disappears
/// (remove it here) or if any other appears. A difference is fixed by a new
/// migration in both folders, never by editing one that has shipped.
const KNOWN_DIFFERENCES: &[&str] = &[];

// ---------------------------------------------------------------------------
// The normalised schema
// ---------------------------------------------------------------------------

/// A database's schema with each dialect's spelling taken out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Schema {
    tables: BTreeMap<String, Table>,
    views: BTreeSet<String>,
    triggers: BTreeMap<String, Trigger>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Table {
    /// Column names in their order in the table.
    column_order: Vec<String>,
    columns: BTreeMap<String, Column>,
    primary_key: Vec<String>,
    foreign_keys: BTreeSet<ForeignKey>,
    /// UNIQUE constraints (a `CREATE UNIQUE INDEX` is an [`Index`]).
    uniques: BTreeSet<Vec<String>>,
    /// CHECK expressions, normalised by [`normalise_expr`].
    checks: BTreeSet<String>,
    /// Indexes created by `CREATE INDEX`, not those behind a key or UNIQUE.
    indexes: BTreeMap<String, Index>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Column {
    /// `integer`, `text`, `real`, `blob`, `numeric`, or PostgreSQL's own name
    /// of a type SQLite has no affinity for (`boolean`, …).
    ty: String,
    nullable: bool,
    /// The default, normalised by [`normalise_expr`]; `None` for a generated key.
    default: Option<String>,
    /// A key the database numbers itself: SQLite's `INTEGER PRIMARY KEY`,
    /// PostgreSQL's `BIGSERIAL` (a `nextval` default) or identity.
    generated: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct ForeignKey {
    columns: Vec<String>,
    table: String,
    references: Vec<String>,
    on_update: String,
    on_delete: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Index {
    columns: Vec<String>,
    unique: bool,
    /// The partial index's WHERE clause, normalised by [`normalise_expr`].
    predicate: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Trigger {
    table: String,
    /// `before`, `after` or `instead of`.
    timing: String,
    /// `delete`, `insert`, `update`, `truncate`.
    events: BTreeSet<String>,
    for_each_row: bool,
}

impl Column {
    fn describe(&self) -> String {
        let mut out = self.ty.clone();
        out.push_str(if self.nullable { " null" } else { " not null" });
        if let Some(default) = &self.default {
            write!(out, " default {default}").expect("writes to a string");
        }
        if self.generated {
            out.push_str(" generated key");
        }
        out
    }
}

impl Trigger {
    fn describe(&self) -> String {
        let events: Vec<&str> = self.events.iter().map(String::as_str).collect();
        let each = if self.for_each_row { "row" } else { "statement" };
        format!("{} {} on {} for each {each}", self.timing, events.join(" or "), self.table)
    }
}

impl Schema {
    /// One line per fact, keyed so that the same fact has the same key in
    /// both dialects.
    fn facts(&self) -> BTreeMap<String, String> {
        let mut facts = BTreeMap::new();
        for (name, table) in &self.tables {
            let key = format!("table {name}");
            facts.insert(key.clone(), "present".to_owned());
            facts.insert(format!("{key}: column order"), table.column_order.join(", "));
            for (column, c) in &table.columns {
                facts.insert(format!("{key}: column {column}"), c.describe());
            }
            facts.insert(format!("{key}: primary key"), format!("({})", table.primary_key.join(", ")));
            for fk in &table.foreign_keys {
                facts.insert(
                    format!("{key}: foreign key ({}) -> {}", fk.columns.join(", "), fk.table),
                    format!(
                        "references {} ({}) on update {} on delete {}",
                        fk.table,
                        fk.references.join(", "),
                        fk.on_update,
                        fk.on_delete
                    ),
                );
            }
            for unique in &table.uniques {
                facts.insert(format!("{key}: unique ({})", unique.join(", ")), "present".to_owned());
            }
            for check in &table.checks {
                facts.insert(format!("{key}: check ({check})"), "present".to_owned());
            }
            for (index, i) in &table.indexes {
                let mut value = format!("{}({})", if i.unique { "unique " } else { "" }, i.columns.join(", "));
                if let Some(predicate) = &i.predicate {
                    write!(value, " where {predicate}").expect("writes to a string");
                }
                facts.insert(format!("{key}: index {index}"), value);
            }
        }
        for view in &self.views {
            facts.insert(format!("view {view}"), "present".to_owned());
        }
        for (name, trigger) in &self.triggers {
            facts.insert(format!("trigger {name}"), trigger.describe());
        }
        facts
    }
}

/// What differs between the SQLite and the PostgreSQL schema, one readable
/// line per difference (a table missing on one side is one line, not one per
/// column).
fn diff(sqlite: &Schema, postgres: &Schema) -> Vec<String> {
    let (left, right) = (sqlite.facts(), postgres.facts());
    let missing_table = |key: &str, facts: &BTreeMap<String, String>| {
        key.strip_prefix("table ")
            .and_then(|rest| rest.split_once(':'))
            .is_some_and(|(table, _)| !facts.contains_key(&format!("table {table}")))
    };
    let keys: BTreeSet<&String> = left.keys().chain(right.keys()).collect();
    let mut lines = Vec::new();
    for key in keys {
        match (left.get(key), right.get(key)) {
            (Some(l), Some(r)) if l != r => lines.push(format!("{key}: sqlite `{l}`, postgres `{r}`")),
            (Some(l), None) if !missing_table(key, &right) => lines.push(format!("only in sqlite: {key} = {l}")),
            (None, Some(r)) if !missing_table(key, &left) => lines.push(format!("only in postgres: {key} = {r}")),
            _ => {}
        }
    }
    lines
}

// ---------------------------------------------------------------------------
// Expressions (CHECK, partial-index WHERE, DEFAULT)
// ---------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    /// An unquoted word, lower-cased (both dialects fold them).
    Word(String),
    /// A double- or back-quoted identifier, as written.
    Quoted(String),
    /// A string literal's content (without quotes, `''` unescaped).
    Str(String),
    Num(String),
    Punct(String),
}

/// SQL text as tokens, without comments and whitespace.
fn tokenise(sql: &str) -> Vec<Tok> {
    let chars: Vec<char> = sql.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c.is_whitespace() {
            i += 1;
        } else if c == '-' && next == Some('-') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i += 2;
            while i < chars.len() && !(chars[i] == '*' && chars.get(i + 1) == Some(&'/')) {
                i += 1;
            }
            i += 2;
        } else if c == '\'' || c == '"' || c == '`' {
            let mut text = String::new();
            i += 1;
            while i < chars.len() {
                if chars[i] == c {
                    if chars.get(i + 1) == Some(&c) {
                        text.push(c);
                        i += 2;
                        continue;
                    }
                    break;
                }
                text.push(chars[i]);
                i += 1;
            }
            i += 1;
            tokens.push(if c == '\'' { Tok::Str(text) } else { Tok::Quoted(text) });
        } else if c.is_ascii_digit() || (c == '.' && next.is_some_and(|n| n.is_ascii_digit())) {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                i += 1;
            }
            tokens.push(Tok::Num(chars[start..i].iter().collect()));
        } else if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '$') {
                i += 1;
            }
            tokens.push(Tok::Word(chars[start..i].iter().collect::<String>().to_lowercase()));
        } else {
            let two: String = chars[i..(i + 2).min(chars.len())].iter().collect();
            let (punct, width) = match two.as_str() {
                ">=" | "<=" | "<>" | "||" | "::" => (two.clone(), 2),
                "!=" => ("<>".to_owned(), 2),
                "==" => ("=".to_owned(), 2),
                _ => (c.to_string(), 1),
            };
            i += width;
            tokens.push(Tok::Punct(punct));
        }
    }
    fold_signs(tokens)
}

/// A minus that starts a number (`-1`, `x > -1`) is part of it, as in
/// PostgreSQL's `'-1'::integer`; after an operand (`a - 1`) it subtracts.
fn fold_signs(tokens: Vec<Tok>) -> Vec<Tok> {
    let mut out: Vec<Tok> = Vec::with_capacity(tokens.len());
    let mut rest = tokens.into_iter().peekable();
    while let Some(tok) = rest.next() {
        let after_operand = matches!(out.last(), Some(Tok::Num(_) | Tok::Str(_) | Tok::Quoted(_)))
            || matches!(out.last(), Some(Tok::Punct(p)) if p == ")" || p == "]")
            || matches!(out.last(), Some(Tok::Word(w)) if !["and", "or", "not", "in", "is", "between", "like"].contains(&w.as_str()));
        if tok == Tok::Punct("-".to_owned())
            && !after_operand
            && let Some(Tok::Num(n)) = rest.peek()
        {
            let signed = Tok::Num(format!("-{n}"));
            rest.next();
            out.push(signed);
            continue;
        }
        out.push(tok);
    }
    out
}

fn is_punct(tok: Option<&Tok>, text: &str) -> bool {
    matches!(tok, Some(Tok::Punct(p)) if p == text)
}

fn is_word(tok: Option<&Tok>, text: &str) -> bool {
    matches!(tok, Some(Tok::Word(w)) if w == text)
}

/// The index of the `)` that closes the `(` at `open`.
fn closing(tokens: &[Tok], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, tok) in tokens.iter().enumerate().skip(open) {
        match tok {
            Tok::Punct(p) if p == "(" || p == "[" => depth += 1,
            Tok::Punct(p) if p == ")" || p == "]" => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// Type names PostgreSQL writes after `::` when it prints an expression.
const CAST_TYPE_WORDS: [&str; 20] = [
    "text",
    "bigint",
    "integer",
    "int",
    "int4",
    "int8",
    "smallint",
    "numeric",
    "real",
    "double",
    "precision",
    "character",
    "varying",
    "boolean",
    "bytea",
    "regclass",
    "timestamp",
    "with",
    "without",
    "time",
];
const NUMERIC_CAST_WORDS: [&str; 9] =
    ["bigint", "integer", "int", "int4", "int8", "smallint", "numeric", "real", "double"];

/// Drops PostgreSQL's casts (`'x'::text` is `'x'`; `'-1'::integer` is `-1`)
/// and turns `= ANY (ARRAY[…])` into `IN (…)` and `<> ALL (ARRAY[…])` into
/// `NOT IN (…)`.
fn unfold_postgres(tokens: &[Tok]) -> Vec<Tok> {
    let mut out: Vec<Tok> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        if is_punct(tokens.get(i), "::") {
            let numeric = matches!(tokens.get(i + 1), Some(Tok::Word(w)) if NUMERIC_CAST_WORDS.contains(&w.as_str()));
            i += 1;
            while matches!(tokens.get(i), Some(Tok::Word(w)) if CAST_TYPE_WORDS.contains(&w.as_str())) {
                i += 1;
            }
            if numeric && let Some(Tok::Str(text)) = out.last().cloned() {
                out.pop();
                out.push(Tok::Num(text.trim_start_matches('+').to_owned()));
            }
            continue;
        }
        let any = is_punct(tokens.get(i), "=") && is_word(tokens.get(i + 1), "any");
        let all = is_punct(tokens.get(i), "<>") && is_word(tokens.get(i + 1), "all");
        if (any || all)
            && is_punct(tokens.get(i + 2), "(")
            && is_word(tokens.get(i + 3), "array")
            && is_punct(tokens.get(i + 4), "[")
            && let Some(end) = closing(tokens, i + 4)
            && is_punct(tokens.get(end + 1), ")")
        {
            if all {
                out.push(Tok::Word("not".to_owned()));
            }
            out.push(Tok::Word("in".to_owned()));
            out.push(Tok::Punct("(".to_owned()));
            out.extend(unfold_postgres(&tokens[i + 5..end]));
            out.push(Tok::Punct(")".to_owned()));
            i = end + 2;
            continue;
        }
        out.push(tokens[i].clone());
        i += 1;
    }
    out
}

/// `tokens` split at the top-level occurrences of the word `sep`.
fn split_top(tokens: &[Tok], sep: &str) -> Vec<Vec<Tok>> {
    let mut parts = vec![Vec::new()];
    let mut depth = 0usize;
    for tok in tokens {
        match tok {
            Tok::Punct(p) if p == "(" || p == "[" => depth += 1,
            Tok::Punct(p) if p == ")" || p == "]" => depth = depth.saturating_sub(1),
            Tok::Word(w) if w == sep && depth == 0 => {
                parts.push(Vec::new());
                continue;
            }
            _ => {}
        }
        parts.last_mut().expect("at least one part").push(tok.clone());
    }
    parts
}

/// Drops the parentheses that do not change the meaning and that the
/// dialects place differently: around the whole expression, and around the
/// operands of AND and OR (PostgreSQL prints `((a > 0) AND (b < 1))`).
fn drop_parentheses(tokens: &[Tok]) -> Vec<Tok> {
    let mut t = tokens;
    while t.len() >= 2 && is_punct(t.first(), "(") && closing(t, 0) == Some(t.len() - 1) {
        t = &t[1..t.len() - 1];
    }
    // OR binds loosest, then AND.
    for (sep, looser) in [("or", None), ("and", Some("or"))] {
        let parts = split_top(t, sep);
        if parts.len() < 2 {
            continue;
        }
        let mut out = Vec::new();
        for (n, part) in parts.iter().enumerate() {
            if n > 0 {
                out.push(Tok::Word(sep.to_owned()));
            }
            let inner = drop_parentheses(part);
            let needs_parentheses = looser.is_some_and(|l| split_top(&inner, l).len() > 1);
            if needs_parentheses {
                out.push(Tok::Punct("(".to_owned()));
            }
            out.extend(inner);
            if needs_parentheses {
                out.push(Tok::Punct(")".to_owned()));
            }
        }
        return out;
    }
    t.to_vec()
}

fn render(tokens: &[Tok]) -> String {
    let mut out = String::new();
    let mut previous: Option<&Tok> = None;
    for tok in tokens {
        let glued = is_punct(previous, "(")
            || is_punct(previous, "[")
            || matches!(tok, Tok::Punct(p) if p == ")" || p == "]" || p == ",");
        if previous.is_some() && !glued {
            out.push(' ');
        }
        match tok {
            Tok::Word(w) => out.push_str(w),
            Tok::Quoted(q) if q.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') => {
                out.push_str(q);
            }
            Tok::Quoted(q) => write!(out, "\"{}\"", q.replace('"', "\"\"")).expect("writes to a string"),
            Tok::Str(s) => write!(out, "'{}'", s.replace('\'', "''")).expect("writes to a string"),
            Tok::Num(n) | Tok::Punct(n) => out.push_str(n),
        }
        previous = Some(tok);
    }
    out
}

/// An SQL expression as both dialects should print it: words lower-cased,
/// PostgreSQL's casts and `= ANY (ARRAY[…])` unfolded, redundant parentheses
/// dropped, one space between tokens. String literals keep their case.
fn normalise_expr(sql: &str) -> String {
    normalise_tokens(&tokenise(sql))
}

fn normalise_tokens(tokens: &[Tok]) -> String {
    render(&drop_parentheses(&unfold_postgres(tokens)))
}

// ---------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------

/// SQLite's declared type by its affinity (sqlite.org/datatype3.html, 3.1).
fn sqlite_type(declared: &str) -> String {
    let t = declared.to_uppercase();
    let affinity = if t.contains("INT") {
        "integer"
    } else if t.contains("CHAR") || t.contains("CLOB") || t.contains("TEXT") {
        "text"
    } else if t.contains("BLOB") || t.is_empty() {
        "blob"
    } else if t.contains("REAL") || t.contains("FLOA") || t.contains("DOUB") {
        "real"
    } else {
        "numeric"
    };
    affinity.to_owned()
}

/// PostgreSQL's `information_schema.columns.data_type` in SQLite's terms.
fn postgres_type(data_type: &str) -> String {
    match data_type {
        "smallint" | "integer" | "bigint" => "integer",
        "text" | "character varying" | "character" => "text",
        "real" | "double precision" => "real",
        "bytea" => "blob",
        "numeric" => "numeric",
        other => other,
    }
    .to_owned()
}

fn postgres_action(code: &str) -> String {
    match code {
        "a" => "no action",
        "r" => "restrict",
        "c" => "cascade",
        "n" => "set null",
        "d" => "set default",
        other => other,
    }
    .to_owned()
}

// ---------------------------------------------------------------------------
// Reading SQLite
// ---------------------------------------------------------------------------

/// The CHECK expressions in a `CREATE TABLE` statement. SQLite keeps no
/// catalog of them, only the statement (amended by `ALTER TABLE ADD COLUMN`).
fn sqlite_checks(create_table: &str) -> BTreeSet<String> {
    let tokens = tokenise(create_table);
    let mut checks = BTreeSet::new();
    for (i, tok) in tokens.iter().enumerate() {
        if matches!(tok, Tok::Word(w) if w == "check")
            && is_punct(tokens.get(i + 1), "(")
            && let Some(end) = closing(&tokens, i + 1)
        {
            checks.insert(normalise_tokens(&tokens[i + 2..end]));
        }
    }
    checks
}

/// The WHERE clause of a `CREATE INDEX` statement, if it has one.
fn sqlite_index_predicate(create_index: &str) -> Option<String> {
    let tokens = tokenise(create_index);
    let mut depth = 0usize;
    for (i, tok) in tokens.iter().enumerate() {
        match tok {
            Tok::Punct(p) if p == "(" => depth += 1,
            Tok::Punct(p) if p == ")" => depth = depth.saturating_sub(1),
            Tok::Word(w) if w == "where" && depth == 0 => return Some(normalise_tokens(&tokens[i + 1..])),
            _ => {}
        }
    }
    None
}

/// A `CREATE TRIGGER` statement's head: `[TEMP] TRIGGER [IF NOT EXISTS] name
/// [BEFORE|AFTER|INSTEAD OF] DELETE|INSERT|UPDATE [OF …] ON table`.
fn sqlite_trigger(create_trigger: &str, table: &str) -> Trigger {
    let tokens = tokenise(create_trigger);
    let start = tokens.iter().position(|t| matches!(t, Tok::Word(w) if w == "trigger")).map_or(0, |p| p + 1);
    let mut head =
        tokens[start..].iter().skip_while(|t| matches!(t, Tok::Word(w) if w == "if" || w == "not" || w == "exists"));
    head.next(); // the name
    let mut timing = "before".to_owned();
    let mut events = BTreeSet::new();
    for tok in head {
        match tok {
            Tok::Word(w) if w == "on" => break,
            Tok::Word(w) if w == "before" || w == "after" => timing.clone_from(w),
            Tok::Word(w) if w == "instead" => timing = "instead of".to_owned(),
            Tok::Word(w) if ["delete", "insert", "update"].contains(&w.as_str()) => {
                events.insert(w.clone());
            }
            _ => {}
        }
    }
    Trigger { table: table.to_owned(), timing, events, for_each_row: true }
}

async fn read_sqlite(pool: &SqlitePool) -> Schema {
    let mut schema = Schema::default();
    let tables = sqlx::query(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> '_sqlx_migrations' ORDER BY name",
    )
    .fetch_all(pool)
    .await
    .expect("reads sqlite_master");
    for row in tables {
        let name: String = row.get("name");
        let sql: String = row.get("sql");
        let mut table = Table { checks: sqlite_checks(&sql), ..Table::default() };

        let columns = sqlx::query(
            "SELECT name, type, \"notnull\" AS not_null, dflt_value, pk FROM pragma_table_info(?1) ORDER BY cid",
        )
        .bind(&name)
        .fetch_all(pool)
        .await
        .expect("reads pragma_table_info");
        let mut key: Vec<(i64, String)> = Vec::new();
        for c in &columns {
            let pk: i64 = c.get("pk");
            if pk > 0 {
                key.push((pk, c.get("name")));
            }
        }
        key.sort();
        table.primary_key = key.iter().map(|(_, c)| c.clone()).collect();
        for c in columns {
            let column: String = c.get("name");
            let declared: String = c.get("type");
            let not_null: i64 = c.get("not_null");
            let pk: i64 = c.get("pk");
            let default: Option<String> = c.get("dflt_value");
            // A lone `INTEGER PRIMARY KEY` is the rowid: numbered by SQLite.
            let generated = pk > 0 && key.len() == 1 && declared.eq_ignore_ascii_case("INTEGER");
            table.column_order.push(column.clone());
            table.columns.insert(
                column,
                Column {
                    ty: sqlite_type(&declared),
                    // SQLite lets NULL into a PRIMARY KEY column not declared
                    // NOT NULL (a documented quirk); the key's intent, and
                    // PostgreSQL, say NOT NULL.
                    nullable: not_null == 0 && pk == 0,
                    default: default.as_deref().map(normalise_expr),
                    generated,
                },
            );
        }

        let foreign_keys = sqlx::query(
            "SELECT id, \"table\" AS target, \"from\" AS source, \"to\" AS referenced, on_update, on_delete \
             FROM pragma_foreign_key_list(?1) ORDER BY id, seq",
        )
        .bind(&name)
        .fetch_all(pool)
        .await
        .expect("reads pragma_foreign_key_list");
        let mut by_id: BTreeMap<i64, ForeignKey> = BTreeMap::new();
        for f in foreign_keys {
            let fk = by_id.entry(f.get("id")).or_insert_with(|| ForeignKey {
                columns: Vec::new(),
                table: f.get("target"),
                references: Vec::new(),
                on_update: f.get::<String, _>("on_update").to_lowercase(),
                on_delete: f.get::<String, _>("on_delete").to_lowercase(),
            });
            fk.columns.push(f.get("source"));
            // NULL: the referenced table's primary key, filled in below.
            fk.references.push(f.get::<Option<String>, _>("referenced").unwrap_or_default());
        }
        table.foreign_keys = by_id.into_values().collect();
        // A rowid that is also a reference (`order_id INTEGER PRIMARY KEY
        // REFERENCES orders`) is always given by the writer, never numbered.
        for fk in &table.foreign_keys {
            if let [column] = fk.columns.as_slice()
                && let Some(c) = table.columns.get_mut(column)
            {
                c.generated = false;
            }
        }

        let indexes = sqlx::query("SELECT name, \"unique\" AS is_unique, origin FROM pragma_index_list(?1)")
            .bind(&name)
            .fetch_all(pool)
            .await
            .expect("reads pragma_index_list");
        for i in indexes {
            let index: String = i.get("name");
            let origin: String = i.get("origin");
            let unique: i64 = i.get("is_unique");
            let columns: Vec<String> = sqlx::query("SELECT name FROM pragma_index_info(?1) ORDER BY seqno")
                .bind(&index)
                .fetch_all(pool)
                .await
                .expect("reads pragma_index_info")
                .iter()
                .map(|r| r.get::<Option<String>, _>("name").unwrap_or_else(|| "<expression>".to_owned()))
                .collect();
            match origin.as_str() {
                "u" => {
                    table.uniques.insert(columns);
                }
                "pk" => {}
                _ => {
                    let sql: Option<String> =
                        sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?1")
                            .bind(&index)
                            .fetch_one(pool)
                            .await
                            .expect("reads an index's statement");
                    let predicate = sql.as_deref().and_then(sqlite_index_predicate);
                    table.indexes.insert(index, Index { columns, unique: unique != 0, predicate });
                }
            }
        }
        schema.tables.insert(name, table);
    }

    let primary_keys: BTreeMap<String, Vec<String>> =
        schema.tables.iter().map(|(name, t)| (name.clone(), t.primary_key.clone())).collect();
    for table in schema.tables.values_mut() {
        table.foreign_keys = std::mem::take(&mut table.foreign_keys)
            .into_iter()
            .map(|mut fk| {
                if fk.references.iter().all(String::is_empty) {
                    fk.references = primary_keys.get(&fk.table).cloned().unwrap_or_default();
                }
                fk
            })
            .collect();
    }

    let others = sqlx::query("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type IN ('view', 'trigger')")
        .fetch_all(pool)
        .await
        .expect("reads sqlite_master");
    for row in others {
        let kind: String = row.get("type");
        let name: String = row.get("name");
        if kind == "view" {
            schema.views.insert(name);
        } else {
            let trigger = sqlite_trigger(&row.get::<String, _>("sql"), &row.get::<String, _>("tbl_name"));
            schema.triggers.insert(name, trigger);
        }
    }
    schema
}

// ---------------------------------------------------------------------------
// Reading PostgreSQL
// ---------------------------------------------------------------------------

async fn read_postgres(pool: &PgPool) -> Schema {
    let mut schema = Schema::default();
    let tables = sqlx::query(
        "SELECT table_name::text AS name, table_type::text AS kind FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations'",
    )
    .fetch_all(pool)
    .await
    .expect("reads information_schema.tables");
    for row in tables {
        let name: String = row.get("name");
        let kind: String = row.get("kind");
        if kind == "VIEW" {
            schema.views.insert(name);
        } else {
            schema.tables.insert(name, Table::default());
        }
    }

    let columns = sqlx::query(
        "SELECT table_name::text AS table_name, column_name::text AS name, data_type::text AS data_type, \
         is_nullable::text AS nullable, column_default::text AS dflt, is_identity::text AS identity \
         FROM information_schema.columns WHERE table_schema = current_schema() \
         ORDER BY table_name, ordinal_position",
    )
    .fetch_all(pool)
    .await
    .expect("reads information_schema.columns");
    for c in columns {
        let Some(table) = schema.tables.get_mut(&c.get::<String, _>("table_name")) else { continue };
        let name: String = c.get("name");
        let default: Option<String> = c.get("dflt");
        let generated =
            c.get::<String, _>("identity") == "YES" || default.as_deref().is_some_and(|d| d.starts_with("nextval("));
        table.column_order.push(name.clone());
        table.columns.insert(
            name,
            Column {
                ty: postgres_type(&c.get::<String, _>("data_type")),
                nullable: c.get::<String, _>("nullable") == "YES",
                default: if generated { None } else { default.as_deref().map(normalise_expr) },
                generated,
            },
        );
    }

    let constraints = sqlx::query(
        "SELECT t.relname::text AS table_name, c.contype::text AS kind, \
           ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(attnum, ord) \
                 JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.ord) AS columns, \
           (SELECT r.relname::text FROM pg_class r WHERE r.oid = c.confrelid) AS target, \
           ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(attnum, ord) \
                 JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.ord) AS referenced, \
           c.confupdtype::text AS on_update, c.confdeltype::text AS on_delete, \
           pg_get_expr(c.conbin, c.conrelid) AS expression \
         FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE n.nspname = current_schema() AND c.contype IN ('p', 'u', 'f', 'c')",
    )
    .fetch_all(pool)
    .await
    .expect("reads pg_constraint");
    for c in constraints {
        let Some(table) = schema.tables.get_mut(&c.get::<String, _>("table_name")) else { continue };
        let columns: Vec<String> = c.get("columns");
        match c.get::<String, _>("kind").as_str() {
            "p" => table.primary_key = columns,
            "u" => {
                table.uniques.insert(columns);
            }
            "f" => {
                table.foreign_keys.insert(ForeignKey {
                    columns,
                    table: c.get::<Option<String>, _>("target").unwrap_or_default(),
                    references: c.get("referenced"),
                    on_update: postgres_action(&c.get::<String, _>("on_update")),
                    on_delete: postgres_action(&c.get::<String, _>("on_delete")),
                });
            }
            _ => {
                let expression: String = c.get("expression");
                table.checks.insert(normalise_expr(&expression));
            }
        }
    }

    let indexes = sqlx::query(
        "SELECT t.relname::text AS table_name, i.relname::text AS name, x.indisunique AS is_unique, \
           pg_get_expr(x.indpred, x.indrelid) AS predicate, \
           ARRAY(SELECT coalesce(a.attname::text, '<expression>') \
                 FROM unnest(x.indkey::int2[]) WITH ORDINALITY k(attnum, ord) \
                 LEFT JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum AND k.attnum > 0 \
                 WHERE k.ord <= x.indnkeyatts ORDER BY k.ord) AS columns \
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid \
         JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE n.nspname = current_schema() AND NOT EXISTS \
           (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid AND c.contype IN ('p', 'u', 'x'))",
    )
    .fetch_all(pool)
    .await
    .expect("reads pg_index");
    for i in indexes {
        let Some(table) = schema.tables.get_mut(&i.get::<String, _>("table_name")) else { continue };
        let predicate: Option<String> = i.get("predicate");
        table.indexes.insert(
            i.get("name"),
            Index {
                columns: i.get("columns"),
                unique: i.get("is_unique"),
                predicate: predicate.as_deref().map(normalise_expr),
            },
        );
    }

    let triggers = sqlx::query(
        "SELECT g.tgname::text AS name, t.relname::text AS table_name, g.tgtype::int4 AS kind \
         FROM pg_trigger g JOIN pg_class t ON t.oid = g.tgrelid JOIN pg_namespace n ON n.oid = t.relnamespace \
         WHERE n.nspname = current_schema() AND NOT g.tgisinternal",
    )
    .fetch_all(pool)
    .await
    .expect("reads pg_trigger");
    for g in triggers {
        // tgtype's bits (src/include/catalog/pg_trigger.h).
        let kind: i32 = g.get("kind");
        let timing = if kind & 64 != 0 {
            "instead of"
        } else if kind & 2 != 0 {
            "before"
        } else {
            "after"
        };
        let events = [(4, "insert"), (8, "delete"), (16, "update"), (32, "truncate")]
            .into_iter()
            .filter(|(bit, _)| kind & bit != 0)
            .map(|(_, event)| event.to_owned())
            .collect();
        schema.triggers.insert(
            g.get("name"),
            Trigger { table: g.get("table_name"), timing: timing.to_owned(), events, for_each_row: kind & 1 != 0 },
        );
    }
    schema
}

// ---------------------------------------------------------------------------
// Fresh databases
// ---------------------------------------------------------------------------

/// The schema `migrations/sqlite` builds in a fresh SQLite file, after
/// `extra` (more statements, for the tests of the comparison itself).
async fn sqlite_schema(extra: &str) -> Schema {
    let dir = tempfile::tempdir().expect("a temp dir");
    let url = format!("sqlite://{}/schema.sqlite", dir.path().display());
    apply_migrations(&url).await;
    let pool = SqlitePoolOptions::new().max_connections(1).connect(&url).await.expect("opens the SQLite file");
    if !extra.is_empty() {
        sqlx::raw_sql(sqlx::AssertSqlSafe(extra.to_owned())).execute(&pool).await.expect("runs the extra statements");
    }
    let schema = read_sqlite(&pool).await;
    pool.close().await;
    schema
}

/// The schema `migrations/postgres` builds in a new database on the server
/// `DATABASE_URL_PG` names; the database is dropped afterwards.
async fn postgres_schema() -> Schema {
    let admin_url = std::env::var("DATABASE_URL_PG")
        .expect("DATABASE_URL_PG names the test PostgreSQL server: run the tests with `cargo xtask test`");
    let name = {
        use rand::Rng;
        let mut rng = rand::thread_rng();
        let tail: String = (0..16).map(|_| char::from(b'a' + rng.gen_range(0..26))).collect();
        format!("esign_migrations_{tail}")
    };
    let admin = PgPoolOptions::new().max_connections(1).connect(&admin_url).await.expect("the test PostgreSQL answers");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin)
        .await
        .expect("creates a database");
    let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(base, _)| base);
    let url = format!("{base}/{name}");

    apply_migrations(&url).await;
    let pool = PgPoolOptions::new().max_connections(1).connect(&url).await.expect("opens the new database");
    let schema = read_postgres(&pool).await;
    pool.close().await;

    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE {name} WITH (FORCE)")))
        .execute(&admin)
        .await
        .expect("drops the database");
    admin.close().await;
    schema
}

fn report(lines: &[String]) -> String {
    lines.iter().map(|l| format!("  {l}\n")).collect()
}

// ---------------------------------------------------------------------------
// The tests
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_and_postgres_migrations_define_the_same_schema() {
    let sqlite = sqlite_schema("").await;
    let postgres = postgres_schema().await;

    // The readers see the schema at all (an empty read on both sides is equal too).
    for schema in [&sqlite, &postgres] {
        assert!(schema.tables.len() >= 25, "tables read: {:?}", schema.tables.keys());
        let tables = schema.tables.values();
        assert!(tables.clone().any(|t| !t.checks.is_empty()), "CHECK constraints are read");
        assert!(tables.clone().any(|t| !t.uniques.is_empty()), "UNIQUE constraints are read");
        assert!(tables.clone().any(|t| t.foreign_keys.iter().any(|f| f.columns.len() == 2)), "composite FKs are read");
        assert!(tables.clone().any(|t| t.indexes.values().any(|i| i.predicate.is_some())), "partial indexes are read");
        assert!(!schema.triggers.is_empty(), "triggers are read");
        assert!(!schema.tables.contains_key("_sqlx_migrations") && !schema.tables.contains_key("sqlite_sequence"));
    }

    let found = diff(&sqlite, &postgres);
    let known: Vec<String> = KNOWN_DIFFERENCES.iter().map(|s| (*s).to_owned()).collect();
    let new: Vec<String> = found.iter().filter(|d| !known.contains(d)).cloned().collect();
    let gone: Vec<String> = known.iter().filter(|k| !found.contains(k)).cloned().collect();
    assert!(
        new.is_empty() && gone.is_empty(),
        "migrations/sqlite and migrations/postgres define different schemas.\n\
         Differences not known before:\n{}Known differences no longer seen (remove them from KNOWN_DIFFERENCES):\n{}",
        report(&new),
        report(&gone),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_comparison_sees_a_schema_that_differs() {
    let migrated = sqlite_schema("").await;
    let changed = sqlite_schema(
        "ALTER TABLE orders ADD COLUMN refund_fen INTEGER NOT NULL DEFAULT 0;
         DROP INDEX payments_pending;
         CREATE INDEX payments_pending ON payments (status) WHERE status <> 'closed';
         DROP TRIGGER audit_log_no_delete;",
    )
    .await;
    assert_eq!(diff(&migrated, &migrated), Vec::<String>::new(), "a schema equals itself");
    let found = diff(&migrated, &changed);
    let order = migrated.tables["orders"].column_order.join(", ");
    assert_eq!(
        found.iter().cloned().collect::<BTreeSet<String>>(),
        BTreeSet::from([
            "only in postgres: table orders: column refund_fen = integer not null default 0".to_owned(),
            format!("table orders: column order: sqlite `{order}`, postgres `{order}, refund_fen`"),
            "table payments: index payments_pending: sqlite `(status, created_at)`, \
             postgres `(status) where status <> 'closed'`"
                .to_owned(),
            "only in sqlite: trigger audit_log_no_delete = before delete on audit_log for each row".to_owned(),
        ]),
        "{}",
        report(&found)
    );
}

#[test]
fn the_comparison_reports_a_column_missing_on_one_side() {
    let column = |ty: &str, nullable| Column { ty: ty.to_owned(), nullable, default: None, generated: false };
    let mut left = Schema::default();
    let mut table = Table { primary_key: vec!["id".to_owned()], ..Table::default() };
    for (name, c) in
        [("id", column("integer", false)), ("title", column("text", false)), ("note", column("text", true))]
    {
        table.column_order.push(name.to_owned());
        table.columns.insert(name.to_owned(), c);
    }
    left.tables.insert("contracts".to_owned(), table);
    left.tables.insert("gone".to_owned(), Table::default());
    let mut right = left.clone();
    right.tables.remove("gone");
    let contracts = right.tables.get_mut("contracts").expect("the table");
    contracts.columns.remove("note");
    contracts.column_order.pop();
    contracts.columns.get_mut("title").expect("the column").nullable = true;

    assert_eq!(
        diff(&left, &right).into_iter().collect::<BTreeSet<String>>(),
        BTreeSet::from([
            "table contracts: column order: sqlite `id, title, note`, postgres `id, title`".to_owned(),
            "only in sqlite: table contracts: column note = text null".to_owned(),
            "table contracts: column title: sqlite `text not null`, postgres `text null`".to_owned(),
            "only in sqlite: table gone = present".to_owned(),
        ])
    );
}

#[test]
fn the_normaliser_equates_the_dialects_spellings_and_nothing_else() {
    let same = [
        ("((kind = ANY (ARRAY['enterprise'::text, 'person'::text])))", "kind IN ('enterprise', 'person')"),
        ("(kind <> ALL (ARRAY['a'::text, 'b'::text]))", "kind NOT IN ('a','b')"),
        ("(balance_fen >= 0)", "balance_fen >= 0"),
        ("(status = 'pending'::text)", "status == 'pending'"),
        ("(swept_at IS NULL)", "swept_at IS NULL"),
        ("((a > 0) AND ((b < 1) OR (c IS NULL)))", "a > 0 AND (b < 1 OR c IS NULL)"),
        ("(((a > 0) AND (b < 1)) OR (c IS NULL))", "a > 0 AND b < 1 OR c IS NULL"),
        ("'{}'::text", "'{}'"),
        ("'-1'::integer", "-1"),
        ("(x <> 0)", "x != 0 -- a comment"),
        ("'it''s'::character varying", "'it''s'"),
    ];
    for (postgres, sqlite) in same {
        assert_eq!(normalise_expr(postgres), normalise_expr(sqlite), "{postgres} | {sqlite}");
    }
    let different = [
        ("balance_fen >= 0", "balance_fen > 0"),
        ("(a AND b) OR c", "a AND (b OR c)"),
        ("status = 'Paid'", "status = 'paid'"),
        ("kind IN ('a', 'b')", "kind IN ('a', 'c')"),
        ("'0'", "0"),
    ];
    for (one, other) in different {
        assert_ne!(normalise_expr(one), normalise_expr(other), "{one} | {other}");
    }
    assert_eq!(
        normalise_expr("((kind = ANY (ARRAY['enterprise'::text, 'person'::text])))"),
        "kind in ('enterprise', 'person')"
    );
}

#[test]
fn types_are_compared_by_what_they_store() {
    for (sqlite, postgres) in
        [("INTEGER", "bigint"), ("INTEGER", "integer"), ("TEXT", "text"), ("VARCHAR(20)", "character varying")]
    {
        assert_eq!(sqlite_type(sqlite), postgres_type(postgres), "{sqlite} | {postgres}");
    }
    assert_ne!(sqlite_type("INTEGER"), postgres_type("boolean"), "a flag is a 0/1 integer, not a boolean");
    assert_ne!(sqlite_type("INTEGER"), postgres_type("numeric"));
    assert_ne!(sqlite_type("TEXT"), postgres_type("bytea"));
}

#[test]
fn sqlite_statements_give_their_checks_predicates_and_trigger_heads() {
    let checks = sqlite_checks(
        "CREATE TABLE t (kind TEXT NOT NULL CHECK (kind IN ('a', 'b')), n INTEGER CHECK (n >= 0), \
         CONSTRAINT positive CHECK ((n > 0) OR (kind = 'a')))",
    );
    assert_eq!(checks.into_iter().collect::<Vec<_>>(), vec!["kind in ('a', 'b')", "n > 0 or kind = 'a'", "n >= 0"]);
    assert_eq!(
        sqlite_index_predicate("CREATE UNIQUE INDEX p ON payments (order_id) WHERE status = 'pending'").as_deref(),
        Some("status = 'pending'")
    );
    assert_eq!(sqlite_index_predicate("CREATE INDEX p ON payments (lower(status))"), None);
    let trigger = sqlite_trigger("CREATE TRIGGER IF NOT EXISTS x AFTER UPDATE OF a, b ON t BEGIN SELECT 1; END", "t");
    assert_eq!(trigger.describe(), "after update on t for each row");
    assert_eq!(
        sqlite_trigger("CREATE TRIGGER x DELETE ON t BEGIN SELECT 1; END", "t").describe(),
        "before delete on t for each row"
    );
}

/// The SQL files of one dialect's folder, in the order they apply.
fn migration_files(dialect: &str) -> Vec<(String, String)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations").join(dialect);
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("the migrations folder")
        .flatten()
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(e.path()).expect("a migration"))
        })
        .collect();
    files.sort();
    files
}

/// What 0004's table held, written before 0011 runs: an invoice of an
/// enterprise whose name has a quote in it. Foreign keys are not checked
/// here (no accounts, persons or orders are made).
const LEGACY_INVOICE: &str = "INSERT INTO invoices (id, account_id, order_id, amount_fen, title, requested_by, status, created_at) \
     VALUES (7, 1, 42, 848000, '杭州\"云签\"科技有限公司', 1, 'issued', 1790000000000)";

/// What 0011 made of it: the title's name, the total, the status, the held order.
async fn legacy_invoice_after(pool: &sqlx::AnyPool) -> (String, i64, String, i64, i64) {
    let row = sqlx::query("SELECT title, total_fen, status FROM invoices WHERE id = 7")
        .fetch_one(pool)
        .await
        .expect("the invoice is still there");
    let title: String = row.get("title");
    let title: domain::invoice::Title = serde_json::from_str(&title).expect("a title the server reads");
    let held = sqlx::query("SELECT order_id, held FROM invoice_orders WHERE invoice_id = 7")
        .fetch_one(pool)
        .await
        .expect("its order");
    (title.name, row.get("total_fen"), row.get("status"), held.get("order_id"), held.get("held"))
}

async fn run_migrations_around_a_legacy_invoice(url: &str, dialect: &str, before: &str) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::any::AnyPoolOptions::new().max_connections(1).connect(url).await.expect("connects");
    sqlx::raw_sql(sqlx::AssertSqlSafe(before.to_owned())).execute(&pool).await.expect("prepares");
    for (name, sql) in migration_files(dialect) {
        if name.starts_with("0011") {
            sqlx::raw_sql(sqlx::AssertSqlSafe(LEGACY_INVOICE)).execute(&pool).await.expect("a 0004 invoice");
        }
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql)).execute(&pool).await.unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    let got = legacy_invoice_after(&pool).await;
    assert_eq!(got, ("杭州\"云签\"科技有限公司".to_owned(), 848000, "issued".to_owned(), 42, 1), "{dialect}");
    pool.close().await;
}

#[tokio::test]
async fn inv_1_migration_0011_keeps_the_invoices_0004_issued_on_both_dialects() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let url = format!("sqlite://{}/legacy.sqlite?mode=rwc", dir.path().display());
    run_migrations_around_a_legacy_invoice(&url, "sqlite", "PRAGMA foreign_keys = OFF").await;

    let admin_url = std::env::var("DATABASE_URL_PG")
        .expect("DATABASE_URL_PG names the test PostgreSQL server: run the tests with `cargo xtask test`");
    let name = {
        use rand::Rng;
        let mut rng = rand::thread_rng();
        let tail: String = (0..16).map(|_| char::from(b'a' + rng.gen_range(0..26))).collect();
        format!("esign_legacy_{tail}")
    };
    let admin = PgPoolOptions::new().max_connections(1).connect(&admin_url).await.expect("the test PostgreSQL answers");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&admin).await.expect("creates");
    let base = admin_url.rsplit_once('/').map_or(admin_url.as_str(), |(base, _)| base);
    // Foreign keys are triggers in PostgreSQL: a replica session does not fire them.
    run_migrations_around_a_legacy_invoice(
        &format!("{base}/{name}"),
        "postgres",
        "SET session_replication_role = replica",
    )
    .await;
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("DROP DATABASE {name} WITH (FORCE)")))
        .execute(&admin)
        .await
        .expect("drops the database");
}
