//! What crosses the executor: the values a statement binds and the rows it
//! answers, in the four kinds both databases store here (integers, text,
//! bytes and, for completeness, reals; flags are 0/1 integers).

use super::Error;
use std::sync::Arc;

/// The kind of a value, kept on a null so PostgreSQL is told its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Int,
    Real,
    Text,
    Bytes,
}

/// One bound or answered value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null(Kind),
    Int(i64),
    Real(f64),
    Text(String),
    Bytes(Vec<u8>),
}

/// What a statement can bind.
pub trait Encode {
    fn encode(self) -> Value;
}

/// The kind a Rust type is stored as, for its nulls.
pub trait Typed {
    const KIND: Kind;
}

macro_rules! integers {
    ($($t:ty),*) => {$(
        impl Encode for $t {
            fn encode(self) -> Value {
                Value::Int(i64::from(self))
            }
        }
        impl Typed for $t {
            const KIND: Kind = Kind::Int;
        }
    )*};
}
integers!(i64, i32, i16, u32, u16, u8, bool);

impl Encode for f64 {
    fn encode(self) -> Value {
        Value::Real(self)
    }
}
impl Typed for f64 {
    const KIND: Kind = Kind::Real;
}

impl Encode for String {
    fn encode(self) -> Value {
        Value::Text(self)
    }
}
impl Typed for String {
    const KIND: Kind = Kind::Text;
}

impl Encode for &str {
    fn encode(self) -> Value {
        Value::Text(self.to_owned())
    }
}
impl Typed for &str {
    const KIND: Kind = Kind::Text;
}

impl Encode for Vec<u8> {
    fn encode(self) -> Value {
        Value::Bytes(self)
    }
}
impl Typed for Vec<u8> {
    const KIND: Kind = Kind::Bytes;
}

impl Encode for &[u8] {
    fn encode(self) -> Value {
        Value::Bytes(self.to_vec())
    }
}
impl Typed for &[u8] {
    const KIND: Kind = Kind::Bytes;
}

impl<T: Encode + Typed> Encode for Option<T> {
    fn encode(self) -> Value {
        self.map_or(Value::Null(T::KIND), Encode::encode)
    }
}
impl<T: Typed> Typed for Option<T> {
    const KIND: Kind = T::KIND;
}

impl<T: Encode + Clone> Encode for &T {
    fn encode(self) -> Value {
        self.clone().encode()
    }
}
impl<T: Typed> Typed for &T {
    const KIND: Kind = T::KIND;
}

/// What a column can be read as.
pub trait Decode: Sized {
    fn decode(value: &Value) -> Result<Self, String>;
}

impl Decode for i64 {
    fn decode(value: &Value) -> Result<Self, String> {
        match value {
            Value::Int(i) => Ok(*i),
            other => Err(format!("an integer expected, {other:?} found")),
        }
    }
}

impl Decode for i32 {
    fn decode(value: &Value) -> Result<Self, String> {
        let wide = i64::decode(value)?;
        i32::try_from(wide).map_err(|_| format!("{wide} is out of range"))
    }
}

impl Decode for bool {
    fn decode(value: &Value) -> Result<Self, String> {
        Ok(i64::decode(value)? != 0)
    }
}

impl Decode for f64 {
    fn decode(value: &Value) -> Result<Self, String> {
        match value {
            Value::Real(r) => Ok(*r),
            #[allow(clippy::cast_precision_loss)]
            Value::Int(i) => Ok(*i as f64),
            other => Err(format!("a number expected, {other:?} found")),
        }
    }
}

impl Decode for String {
    fn decode(value: &Value) -> Result<Self, String> {
        match value {
            Value::Text(s) => Ok(s.clone()),
            other => Err(format!("text expected, {other:?} found")),
        }
    }
}

impl Decode for Vec<u8> {
    fn decode(value: &Value) -> Result<Self, String> {
        match value {
            Value::Bytes(b) => Ok(b.clone()),
            other => Err(format!("bytes expected, {other:?} found")),
        }
    }
}

impl<T: Decode> Decode for Option<T> {
    fn decode(value: &Value) -> Result<Self, String> {
        match value {
            Value::Null(_) => Ok(None),
            other => T::decode(other).map(Some),
        }
    }
}

/// One answered row: its values in column order, with the statement's column names.
#[derive(Debug, Clone)]
pub struct Row {
    columns: Arc<[String]>,
    values: Vec<Value>,
}

/// A column, by name or position.
pub trait ColumnIndex {
    fn position(&self, row: &Row) -> Result<usize, Error>;
}

impl ColumnIndex for &str {
    fn position(&self, row: &Row) -> Result<usize, Error> {
        row.columns.iter().position(|c| c == self).ok_or_else(|| Error::decode(format!("no column {self:?}")))
    }
}

impl ColumnIndex for usize {
    fn position(&self, row: &Row) -> Result<usize, Error> {
        if *self < row.values.len() { Ok(*self) } else { Err(Error::decode(format!("no column {self}"))) }
    }
}

impl Row {
    pub(super) fn new(columns: Arc<[String]>, values: Vec<Value>) -> Row {
        Row { columns, values }
    }

    /// The columns from position `first` on, as a row of their own: the
    /// second table of a joined read, whose names repeat the first's.
    pub fn from_column(&self, first: usize) -> Row {
        let first = first.min(self.values.len());
        Row { columns: self.columns[first..].into(), values: self.values[first..].to_vec() }
    }

    /// The column read as `T`, or a decode error naming the column.
    pub fn try_get<T: Decode, I: ColumnIndex>(&self, index: I) -> Result<T, Error> {
        let at = index.position(self)?;
        T::decode(&self.values[at]).map_err(|why| Error::decode(format!("column {}: {why}", self.columns[at])))
    }
}

/// How many rows a write changed.
#[derive(Debug, Clone, Copy)]
pub struct Done {
    pub(super) rows: u64,
}

impl Done {
    pub fn rows_affected(&self) -> u64 {
        self.rows
    }
}

/// A row read as a tuple of its first columns.
pub trait FromRow: Sized {
    fn from_row(row: &Row) -> Result<Self, Error>;
}

macro_rules! tuples {
    ($(($($t:ident $i:tt),+))*) => {$(
        impl<$($t: Decode),+> FromRow for ($($t,)+) {
            fn from_row(row: &Row) -> Result<Self, Error> {
                Ok(($(row.try_get::<$t, usize>($i)?,)+))
            }
        }
    )*};
}
tuples!((A 0) (A 0, B 1) (A 0, B 1, C 2) (A 0, B 1, C 2, D 3));
