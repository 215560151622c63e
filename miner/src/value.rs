//! Typed attribute values as the log stores them: strings are interned in the log's string
//! pool, so a value is only meaningful together with its [`Log`](crate::Log).

use chrono::{DateTime, FixedOffset};

use crate::intern::{Interner, Sym};
use flowbot_model::event::AttributeValue;

/// One attribute value; XES types plus OCEL's (which are a subset).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(Sym),
    Int(i64),
    Float(f64),
    Bool(bool),
    Date(DateTime<FixedOffset>),
    /// An XES `id` attribute.
    Id(Sym),
    /// An XES `list`: ordered, keys may repeat.
    List(Vec<Attribute>),
    /// An XES `container`.
    Container(Vec<Attribute>),
}

/// A keyed value. XES lets any attribute carry nested attributes (`children`), which real
/// logs use for metadata (BPI 2012 nests `<int>` inside `<int>`).
#[derive(Debug, Clone, PartialEq)]
pub struct Attribute {
    pub key: Sym,
    pub value: Value,
    pub children: Vec<Attribute>,
}

impl Attribute {
    pub fn new(key: Sym, value: Value) -> Self {
        Self {
            key,
            value,
            children: Vec::new(),
        }
    }

    /// Rewrites every symbol in `attributes` (keys, string and id values, nested ones) with
    /// `map`, for moving attributes from one log's string table to another's.
    pub(crate) fn remap_symbols(attributes: &mut [Attribute], map: &impl Fn(Sym) -> Sym) {
        for attribute in attributes {
            attribute.key = map(attribute.key);
            match &mut attribute.value {
                Value::Str(sym) | Value::Id(sym) => *sym = map(*sym),
                Value::List(items) | Value::Container(items) => Self::remap_symbols(items, map),
                Value::Int(_) | Value::Float(_) | Value::Bool(_) | Value::Date(_) => {}
            }
            Self::remap_symbols(&mut attribute.children, map);
        }
    }
}

impl Value {
    /// The XES element name of this value's type.
    pub fn xes_type(&self) -> &'static str {
        match self {
            Value::Str(_) => "string",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Bool(_) => "boolean",
            Value::Date(_) => "date",
            Value::Id(_) => "id",
            Value::List(_) => "list",
            Value::Container(_) => "container",
        }
    }

    /// The value as text, the way filters and CSV export compare and write it.
    pub fn display(&self, strings: &Interner) -> String {
        match self {
            Value::Str(sym) | Value::Id(sym) => strings.resolve(*sym).to_owned(),
            Value::Int(int) => int.to_string(),
            Value::Float(float) => float.to_string(),
            Value::Bool(flag) => flag.to_string(),
            Value::Date(date) => crate::time::format_rfc3339(*date),
            Value::List(items) | Value::Container(items) => {
                let parts: Vec<String> = items
                    .iter()
                    .map(|item| {
                        format!(
                            "{}={}",
                            strings.resolve(item.key),
                            item.value.display(strings)
                        )
                    })
                    .collect();
                format!("[{}]", parts.join(", "))
            }
        }
    }

    /// Converts to the shared model type (nested children of scalars are dropped there,
    /// because the model has no place for them).
    pub fn to_model(&self, strings: &Interner) -> AttributeValue {
        match self {
            Value::Str(sym) => AttributeValue::String(strings.resolve(*sym).to_owned()),
            Value::Id(sym) => AttributeValue::Id(strings.resolve(*sym).to_owned()),
            Value::Int(int) => AttributeValue::Int(*int),
            Value::Float(float) => AttributeValue::Float(*float),
            Value::Bool(flag) => AttributeValue::Bool(*flag),
            Value::Date(date) => AttributeValue::Date(*date),
            Value::List(items) => AttributeValue::List(
                items
                    .iter()
                    .map(|item| item.value.to_model(strings))
                    .collect(),
            ),
            Value::Container(items) => AttributeValue::Container(
                items
                    .iter()
                    .map(|item| {
                        (
                            strings.resolve(item.key).to_owned(),
                            item.value.to_model(strings),
                        )
                    })
                    .collect(),
            ),
        }
    }

    pub fn from_model(value: &AttributeValue, strings: &mut Interner) -> Value {
        match value {
            AttributeValue::String(text) => Value::Str(strings.intern(text)),
            AttributeValue::Id(text) => Value::Id(strings.intern(text)),
            AttributeValue::Int(int) => Value::Int(*int),
            AttributeValue::Float(float) => Value::Float(*float),
            AttributeValue::Bool(flag) => Value::Bool(*flag),
            AttributeValue::Date(date) => Value::Date(*date),
            AttributeValue::List(items) => {
                let key = strings.intern("item");
                Value::List(
                    items
                        .iter()
                        .map(|item| Attribute::new(key, Value::from_model(item, strings)))
                        .collect(),
                )
            }
            AttributeValue::Container(map) => Value::Container(
                map.iter()
                    .map(|(key, item)| {
                        let key = strings.intern(key);
                        Attribute::new(key, Value::from_model(item, strings))
                    })
                    .collect(),
            ),
        }
    }
}
