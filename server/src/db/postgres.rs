//! PostgreSQL through sqlx's own driver: the values bound with their types
//! (a null too, so the server is never left to guess), the rows read back
//! into the executor's values.

use super::Error;
use super::value::{Kind, Row, Value};
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::query::Query;
use sqlx::{AssertSqlSafe, Column, PgConnection, Postgres, Row as _, TypeInfo, ValueRef};
use std::borrow::Cow;
use std::sync::Arc;

fn statement(sql: Cow<'static, str>, args: Vec<Value>) -> Query<'static, Postgres, PgArguments> {
    let mut query = match sql {
        Cow::Borrowed(text) => sqlx::query(text),
        Cow::Owned(text) => sqlx::query(AssertSqlSafe(text)),
    };
    for value in args {
        query = match value {
            Value::Null(Kind::Int) => query.bind(None::<i64>),
            Value::Null(Kind::Real) => query.bind(None::<f64>),
            Value::Null(Kind::Text) => query.bind(None::<String>),
            Value::Null(Kind::Bytes) => query.bind(None::<Vec<u8>>),
            Value::Int(i) => query.bind(i),
            Value::Real(r) => query.bind(r),
            Value::Text(t) => query.bind(t),
            Value::Bytes(b) => query.bind(b),
        };
    }
    query
}

/// Runs one statement; its rows, up to `limit`.
pub async fn fetch(
    conn: &mut PgConnection,
    sql: Cow<'static, str>,
    args: Vec<Value>,
    limit: usize,
) -> Result<Vec<Row>, Error> {
    let rows = if limit == 1 {
        statement(sql, args).fetch_optional(conn).await?.into_iter().collect()
    } else {
        statement(sql, args).fetch_all(conn).await?
    };
    let Some(first) = rows.first() else { return Ok(Vec::new()) };
    let columns: Arc<[String]> = first.columns().iter().map(|c| c.name().to_owned()).collect();
    rows.iter().map(|row| Ok(Row::new(columns.clone(), values(row)?))).collect()
}

/// Runs one statement; the rows it changed.
pub async fn execute(conn: &mut PgConnection, sql: Cow<'static, str>, args: Vec<Value>) -> Result<u64, Error> {
    Ok(statement(sql, args).execute(conn).await?.rows_affected())
}

/// Transaction control and other statements without values or rows.
pub async fn batch(conn: &mut PgConnection, sql: &'static str) -> Result<(), Error> {
    sqlx::raw_sql(sql).execute(conn).await?;
    Ok(())
}

fn values(row: &PgRow) -> Result<Vec<Value>, Error> {
    (0..row.len())
        .map(|i| {
            let raw = row.try_get_raw(i)?;
            let kind = raw.type_info().name().to_owned();
            if raw.is_null() {
                return Ok(Value::Null(Kind::Int));
            }
            Ok(match kind.as_str() {
                "INT8" => Value::Int(row.try_get::<i64, _>(i)?),
                "INT4" => Value::Int(i64::from(row.try_get::<i32, _>(i)?)),
                "INT2" => Value::Int(i64::from(row.try_get::<i16, _>(i)?)),
                "BOOL" => Value::Int(i64::from(row.try_get::<bool, _>(i)?)),
                "FLOAT8" => Value::Real(row.try_get::<f64, _>(i)?),
                "FLOAT4" => Value::Real(f64::from(row.try_get::<f32, _>(i)?)),
                "TEXT" | "VARCHAR" | "BPCHAR" | "NAME" => Value::Text(row.try_get::<String, _>(i)?),
                "BYTEA" => Value::Bytes(row.try_get::<Vec<u8>, _>(i)?),
                other => return Err(Error::decode(format!("column {}: type {other} is not read here", i))),
            })
        })
        .collect()
}
