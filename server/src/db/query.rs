//! The repositories' one way to run SQL: a statement's text and its bound
//! values, run on a connection, a transaction or a pool, whichever
//! database is behind it. The text is written once, with `$1`-style
//! placeholders, for both.

use super::value::{Decode, Done, Encode, FromRow, Row, Value};
use super::{Conn, Error, Pool, Savepoint, Tx};
use std::borrow::Cow;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;

/// SQL text made at run time, vouched for by its writer: only this
/// program's own constants and numbers are formatted into it, never input.
#[derive(Debug)]
pub struct AssertSqlSafe<T>(pub T);

/// SQL text a statement may be made of: a literal, or text vouched for.
pub trait SqlText {
    fn into_sql(self) -> Cow<'static, str>;
}

impl SqlText for &'static str {
    fn into_sql(self) -> Cow<'static, str> {
        Cow::Borrowed(self)
    }
}

impl SqlText for AssertSqlSafe<String> {
    fn into_sql(self) -> Cow<'static, str> {
        Cow::Owned(self.0)
    }
}

impl SqlText for AssertSqlSafe<&str> {
    fn into_sql(self) -> Cow<'static, str> {
        Cow::Owned(self.0.to_owned())
    }
}

/// What a statement is run on: a connection or transaction it borrows, or
/// a pool it takes a connection from for this one statement.
#[derive(Debug)]
pub enum On<'c> {
    Conn(&'c mut Conn),
    /// A handle of the pool (a reference count), so that a statement on a
    /// pool borrows nothing.
    Pool(Pool),
}

impl<'c> From<&'c mut Conn> for On<'c> {
    fn from(conn: &'c mut Conn) -> On<'c> {
        On::Conn(conn)
    }
}

impl<'c> From<&'c mut Tx> for On<'c> {
    fn from(tx: &'c mut Tx) -> On<'c> {
        On::Conn(tx)
    }
}

impl<'c, 't> From<&'c mut Savepoint<'t>> for On<'c> {
    fn from(savepoint: &'c mut Savepoint<'t>) -> On<'c> {
        On::Conn(savepoint)
    }
}

impl<'c> From<&Pool> for On<'c> {
    fn from(pool: &Pool) -> On<'c> {
        On::Pool(pool.clone())
    }
}

impl On<'_> {
    async fn fetch(self, sql: Cow<'static, str>, args: Vec<Value>, limit: usize) -> Result<Vec<Row>, Error> {
        match self {
            On::Conn(conn) => conn.fetch(sql, args, limit).await,
            On::Pool(pool) => pool.acquire().await?.fetch(sql, args, limit).await,
        }
    }

    async fn execute(self, sql: Cow<'static, str>, args: Vec<Value>) -> Result<Done, Error> {
        match self {
            On::Conn(conn) => conn.execute(sql, args).await,
            On::Pool(pool) => pool.acquire().await?.execute(sql, args).await,
        }
    }
}

/// A statement's answer to come. Boxed, so that it names no more than the
/// connection it borrows (not the type it was given as), and stays `Send`
/// wherever it is awaited.
pub type Answer<'c, T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'c>>;

/// A statement and its bound values.
#[derive(Debug)]
#[must_use = "a query does nothing until it is run"]
pub struct Query {
    sql: Cow<'static, str>,
    args: Vec<Value>,
}

/// A statement.
pub fn query(sql: impl SqlText) -> Query {
    Query { sql: sql.into_sql(), args: Vec::new() }
}

/// A statement whose answer is its rows' first column, read as `T`.
pub fn query_scalar<T: Decode>(sql: impl SqlText) -> QueryScalar<T> {
    QueryScalar { query: query(sql), read: PhantomData }
}

/// A statement whose answer is its rows read as tuples.
pub fn query_as<T: FromRow>(sql: impl SqlText) -> QueryAs<T> {
    QueryAs { query: query(sql), read: PhantomData }
}

impl Query {
    /// Binds the next placeholder.
    pub fn bind(mut self, value: impl Encode) -> Query {
        self.args.push(value.encode());
        self
    }

    pub fn execute<'c>(self, on: impl Into<On<'c>>) -> Answer<'c, Done> {
        Box::pin(on.into().execute(self.sql, self.args))
    }

    pub fn fetch_all<'c>(self, on: impl Into<On<'c>>) -> Answer<'c, Vec<Row>> {
        Box::pin(on.into().fetch(self.sql, self.args, usize::MAX))
    }

    pub fn fetch_optional<'c>(self, on: impl Into<On<'c>>) -> Answer<'c, Option<Row>> {
        let fetched = on.into().fetch(self.sql, self.args, 1);
        Box::pin(async move { Ok(fetched.await?.pop()) })
    }

    pub fn fetch_one<'c>(self, on: impl Into<On<'c>>) -> Answer<'c, Row> {
        let fetched = self.fetch_optional(on);
        Box::pin(async move { fetched.await?.ok_or(Error::RowNotFound) })
    }
}

/// A statement answering one value per row.
#[derive(Debug)]
#[must_use = "a query does nothing until it is run"]
pub struct QueryScalar<T> {
    query: Query,
    read: PhantomData<fn() -> T>,
}

impl<T: Decode> QueryScalar<T> {
    pub fn bind(mut self, value: impl Encode) -> QueryScalar<T> {
        self.query = self.query.bind(value);
        self
    }

    pub fn fetch_all<'c>(self, on: impl Into<On<'c>>) -> Answer<'c, Vec<T>> {
        let fetched = self.query.fetch_all(on);
        Box::pin(async move { fetched.await?.iter().map(|row| row.try_get(0usize)).collect() })
    }

    pub fn fetch_optional<'c>(self, on: impl Into<On<'c>>) -> Answer<'c, Option<T>> {
        let fetched = self.query.fetch_optional(on);
        Box::pin(async move { fetched.await?.map(|row| row.try_get(0usize)).transpose() })
    }

    pub fn fetch_one<'c>(self, on: impl Into<On<'c>>) -> Answer<'c, T> {
        let fetched = self.query.fetch_one(on);
        Box::pin(async move { fetched.await?.try_get(0usize) })
    }
}

/// A statement answering tuples.
#[derive(Debug)]
#[must_use = "a query does nothing until it is run"]
pub struct QueryAs<T> {
    query: Query,
    read: PhantomData<fn() -> T>,
}

impl<T: FromRow> QueryAs<T> {
    pub fn bind(mut self, value: impl Encode) -> QueryAs<T> {
        self.query = self.query.bind(value);
        self
    }

    pub fn fetch_all<'c>(self, on: impl Into<On<'c>>) -> Answer<'c, Vec<T>> {
        let fetched = self.query.fetch_all(on);
        Box::pin(async move { fetched.await?.iter().map(T::from_row).collect() })
    }

    pub fn fetch_optional<'c>(self, on: impl Into<On<'c>>) -> Answer<'c, Option<T>> {
        let fetched = self.query.fetch_optional(on);
        Box::pin(async move { fetched.await?.as_ref().map(T::from_row).transpose() })
    }

    pub fn fetch_one<'c>(self, on: impl Into<On<'c>>) -> Answer<'c, T> {
        let fetched = self.query.fetch_one(on);
        Box::pin(async move { T::from_row(&fetched.await?) })
    }
}
