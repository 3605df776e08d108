//! The plan's values as the template renderer reads them: JSON-like data whose maps keep their
//! order. The plan itself is plain serialisable structs; [`to_data`] turns it (or any
//! serialisable value) into `Data`, which serialises exactly as the `serde_json::Value` of the
//! same content does. Struct field names are borrowed rather than copied.

use serde::ser::{self, Serialize};
use std::borrow::Cow;
use std::fmt;

/// Text of a [`Data`] value or key: borrowed when fixed in napgen, owned when computed.
pub type Text = Cow<'static, str>;

/// A JSON-like value.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Data {
    #[default]
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(Text),
    Seq(Vec<Data>),
    /// Entries in order; keys are unique ([`Data::insert`] replaces in place).
    Map(Vec<(Text, Data)>),
}

impl Data {
    /// The text of a string value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Data::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Data::Null)
    }

    /// The value at `key` of a map.
    pub fn get(&self, key: &str) -> Option<&Data> {
        match self {
            Data::Map(entries) => position(entries, key).map(|at| &entries[at].1),
            _ => None,
        }
    }

    /// Set `key` of a map to `value`, in place when the key is there, else at the end. A null
    /// becomes an empty map first (as `serde_json::Value` indexing does).
    pub fn insert(&mut self, key: impl Into<Text>, value: Data) {
        insert_entry(self.entries_mut(), key.into(), value);
    }

    /// Remove `key` from a map, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<Data> {
        let entries = self.entries_mut();
        let at = position(entries, key)?;
        Some(entries.remove(at).1)
    }

    fn entries_mut(&mut self) -> &mut Vec<(Text, Data)> {
        if self.is_null() {
            *self = Data::Map(Vec::new());
        }
        match self {
            Data::Map(entries) => entries,
            other => panic!("not a map: {other:?}"),
        }
    }
}

/// Where `key` is among a map's entries.
pub(crate) fn position(entries: &[(Text, Data)], key: &str) -> Option<usize> {
    entries.iter().position(|(k, _)| k == key)
}

/// Set `key` to `value` in place when the key is there, else add it at the end: repeated keys
/// keep the first position and the last value, as JSON objects do.
pub(crate) fn insert_entry(entries: &mut Vec<(Text, Data)>, key: Text, value: Data) {
    match position(entries, &key) {
        Some(at) => entries[at].1 = value,
        None => entries.push((key, value)),
    }
}

static NULL: Data = Data::Null;

/// `value["key"]`: null when absent or not a map, like `serde_json::Value`.
impl std::ops::Index<&str> for Data {
    type Output = Data;
    fn index(&self, key: &str) -> &Data {
        self.get(key).unwrap_or(&NULL)
    }
}

/// `value[i]`: null when absent or not a sequence.
impl std::ops::Index<usize> for Data {
    type Output = Data;
    fn index(&self, i: usize) -> &Data {
        match self {
            Data::Seq(items) => items.get(i).unwrap_or(&NULL),
            _ => &NULL,
        }
    }
}

/// `value["key"] = …`: adds the key when absent (a null becomes a map); panics on other values.
impl std::ops::IndexMut<&str> for Data {
    fn index_mut(&mut self, key: &str) -> &mut Data {
        let entries = self.entries_mut();
        let at = position(entries, key).unwrap_or_else(|| {
            entries.push((Cow::Owned(key.to_owned()), Data::Null));
            entries.len() - 1
        });
        &mut entries[at].1
    }
}

impl PartialEq<&str> for Data {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == Some(*other)
    }
}

impl PartialEq<i64> for Data {
    fn eq(&self, other: &i64) -> bool {
        matches!(self, Data::Int(i) if i == other)
    }
}

impl PartialEq<bool> for Data {
    fn eq(&self, other: &bool) -> bool {
        matches!(self, Data::Bool(b) if b == other)
    }
}

impl From<String> for Data {
    fn from(s: String) -> Data {
        Data::Str(Cow::Owned(s))
    }
}

impl From<&String> for Data {
    fn from(s: &String) -> Data {
        Data::Str(Cow::Owned(s.clone()))
    }
}

impl From<Text> for Data {
    fn from(s: Text) -> Data {
        Data::Str(s)
    }
}

impl From<&str> for Data {
    fn from(s: &str) -> Data {
        Data::Str(Cow::Owned(s.to_owned()))
    }
}

impl From<&&str> for Data {
    fn from(s: &&str) -> Data {
        Data::from(*s)
    }
}

impl From<bool> for Data {
    fn from(b: bool) -> Data {
        Data::Bool(b)
    }
}

macro_rules! from_integer {
    ($($t:ty),*) => {$(
        impl From<$t> for Data {
            fn from(n: $t) -> Data {
                Data::Int(i64::from(n))
            }
        }
        impl From<&$t> for Data {
            fn from(n: &$t) -> Data {
                Data::Int(i64::from(*n))
            }
        }
    )*};
}
from_integer!(i8, i16, i32, i64, u8, u16, u32);

/// Integers beyond `i64` become floats (plans hold counts and sizes far below).
impl From<u64> for Data {
    fn from(n: u64) -> Data {
        i64::try_from(n).map_or(Data::Float(n as f64), Data::Int)
    }
}

impl From<&Data> for Data {
    fn from(d: &Data) -> Data {
        d.clone()
    }
}

impl<T: Into<Data>> From<Vec<T>> for Data {
    fn from(items: Vec<T>) -> Data {
        Data::Seq(items.into_iter().map(Into::into).collect())
    }
}

impl<T: Clone + Into<Data>> From<&Vec<T>> for Data {
    fn from(items: &Vec<T>) -> Data {
        Data::Seq(items.iter().cloned().map(Into::into).collect())
    }
}

impl<T: Clone + Into<Data>> From<&[T]> for Data {
    fn from(items: &[T]) -> Data {
        Data::Seq(items.iter().cloned().map(Into::into).collect())
    }
}

impl<T: Into<Data>> From<Option<T>> for Data {
    fn from(value: Option<T>) -> Data {
        value.map_or(Data::Null, Into::into)
    }
}

impl<T: Clone + Into<Data>> From<&Option<T>> for Data {
    fn from(value: &Option<T>) -> Data {
        value.clone().map_or(Data::Null, Into::into)
    }
}

impl<K, V, S> From<&indexmap::IndexMap<K, V, S>> for Data
where
    K: Clone + Into<Text>,
    V: Clone + Into<Data>,
{
    fn from(map: &indexmap::IndexMap<K, V, S>) -> Data {
        Data::Map(
            map.iter()
                .map(|(k, v)| (k.clone().into(), v.clone().into()))
                .collect(),
        )
    }
}

impl<K, V, S> From<indexmap::IndexMap<K, V, S>> for Data
where
    K: Into<Text>,
    V: Into<Data>,
{
    fn from(map: indexmap::IndexMap<K, V, S>) -> Data {
        Data::Map(map.into_iter().map(|(k, v)| (k.into(), v.into())).collect())
    }
}

/// Serialises as the `serde_json::Value` with the same content.
impl Serialize for Data {
    fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use ser::{SerializeMap, SerializeSeq};
        match self {
            Data::Null => serializer.serialize_unit(),
            Data::Bool(b) => serializer.serialize_bool(*b),
            Data::Int(i) => serializer.serialize_i64(*i),
            Data::Float(f) => serializer.serialize_f64(*f),
            Data::Str(s) => serializer.serialize_str(s),
            Data::Seq(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(item)?;
                }
                seq.end()
            }
            Data::Map(entries) => {
                let mut map = serializer.serialize_map(Some(entries.len()))?;
                for (k, v) in entries {
                    map.serialize_entry(k.as_ref(), v)?;
                }
                map.end()
            }
        }
    }
}

/// Why a value could not become [`Data`].
#[derive(Debug)]
pub struct DataError(String);

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DataError {}

impl ser::Error for DataError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DataError(msg.to_string())
    }
}

/// `value` as [`Data`], as `serde_json::to_value` would make it (struct field names and enum
/// variants are borrowed, not copied).
pub fn to_data<T: Serialize + ?Sized>(value: &T) -> Result<Data, DataError> {
    value.serialize(DataSerializer)
}

struct DataSerializer;

/// `value`, or `{variant: value}` for an enum variant.
fn wrap(variant: Option<&'static str>, value: Data) -> Data {
    match variant {
        Some(v) => Data::Map(vec![(Cow::Borrowed(v), value)]),
        None => value,
    }
}

/// A sequence or tuple being serialised (of an enum `variant`, if any).
struct SeqBuilder {
    variant: Option<&'static str>,
    items: Vec<Data>,
}

impl SeqBuilder {
    fn new(variant: Option<&'static str>, len: usize) -> SeqBuilder {
        SeqBuilder {
            variant,
            items: Vec::with_capacity(len),
        }
    }

    fn end_seq(self) -> Result<Data, DataError> {
        Ok(wrap(self.variant, Data::Seq(self.items)))
    }
}

/// A map or struct being serialised (of an enum `variant`, if any); `key` waits for its value.
struct MapBuilder {
    variant: Option<&'static str>,
    entries: Vec<(Text, Data)>,
    key: Option<Text>,
}

impl MapBuilder {
    fn new(variant: Option<&'static str>, len: usize) -> MapBuilder {
        MapBuilder {
            variant,
            entries: Vec::with_capacity(len),
            key: None,
        }
    }

    fn end_map(self) -> Result<Data, DataError> {
        Ok(wrap(self.variant, Data::Map(self.entries)))
    }
}

impl ser::Serializer for DataSerializer {
    type Ok = Data;
    type Error = DataError;
    type SerializeSeq = SeqBuilder;
    type SerializeTuple = SeqBuilder;
    type SerializeTupleStruct = SeqBuilder;
    type SerializeTupleVariant = SeqBuilder;
    type SerializeMap = MapBuilder;
    type SerializeStruct = MapBuilder;
    type SerializeStructVariant = MapBuilder;

    fn serialize_bool(self, v: bool) -> Result<Data, DataError> {
        Ok(Data::Bool(v))
    }
    fn serialize_i8(self, v: i8) -> Result<Data, DataError> {
        Ok(Data::Int(v.into()))
    }
    fn serialize_i16(self, v: i16) -> Result<Data, DataError> {
        Ok(Data::Int(v.into()))
    }
    fn serialize_i32(self, v: i32) -> Result<Data, DataError> {
        Ok(Data::Int(v.into()))
    }
    fn serialize_i64(self, v: i64) -> Result<Data, DataError> {
        Ok(Data::Int(v))
    }
    fn serialize_u8(self, v: u8) -> Result<Data, DataError> {
        Ok(Data::Int(v.into()))
    }
    fn serialize_u16(self, v: u16) -> Result<Data, DataError> {
        Ok(Data::Int(v.into()))
    }
    fn serialize_u32(self, v: u32) -> Result<Data, DataError> {
        Ok(Data::Int(v.into()))
    }
    fn serialize_u64(self, v: u64) -> Result<Data, DataError> {
        Ok(Data::from(v))
    }
    fn serialize_f32(self, v: f32) -> Result<Data, DataError> {
        Ok(Data::Float(v.into()))
    }
    fn serialize_f64(self, v: f64) -> Result<Data, DataError> {
        Ok(Data::Float(v))
    }
    fn serialize_char(self, v: char) -> Result<Data, DataError> {
        Ok(Data::Str(Cow::Owned(v.to_string())))
    }
    fn serialize_str(self, v: &str) -> Result<Data, DataError> {
        Ok(Data::Str(Cow::Owned(v.to_owned())))
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Data, DataError> {
        Ok(Data::Seq(v.iter().map(|&b| Data::Int(b.into())).collect()))
    }
    fn serialize_none(self) -> Result<Data, DataError> {
        Ok(Data::Null)
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Data, DataError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<Data, DataError> {
        Ok(Data::Null)
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<Data, DataError> {
        Ok(Data::Null)
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Data, DataError> {
        Ok(Data::Str(Cow::Borrowed(variant)))
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<Data, DataError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Data, DataError> {
        Ok(wrap(Some(variant), value.serialize(self)?))
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<SeqBuilder, DataError> {
        Ok(SeqBuilder::new(None, len.unwrap_or(0)))
    }
    fn serialize_tuple(self, len: usize) -> Result<SeqBuilder, DataError> {
        Ok(SeqBuilder::new(None, len))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<SeqBuilder, DataError> {
        Ok(SeqBuilder::new(None, len))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<SeqBuilder, DataError> {
        Ok(SeqBuilder::new(Some(variant), len))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<MapBuilder, DataError> {
        Ok(MapBuilder::new(None, len.unwrap_or(0)))
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<MapBuilder, DataError> {
        Ok(MapBuilder::new(None, len))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<MapBuilder, DataError> {
        Ok(MapBuilder::new(Some(variant), len))
    }
}

impl ser::SerializeSeq for SeqBuilder {
    type Ok = Data;
    type Error = DataError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), DataError> {
        self.items.push(value.serialize(DataSerializer)?);
        Ok(())
    }
    fn end(self) -> Result<Data, DataError> {
        self.end_seq()
    }
}

impl ser::SerializeTuple for SeqBuilder {
    type Ok = Data;
    type Error = DataError;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), DataError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<Data, DataError> {
        self.end_seq()
    }
}

impl ser::SerializeTupleStruct for SeqBuilder {
    type Ok = Data;
    type Error = DataError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), DataError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<Data, DataError> {
        self.end_seq()
    }
}

impl ser::SerializeTupleVariant for SeqBuilder {
    type Ok = Data;
    type Error = DataError;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), DataError> {
        ser::SerializeSeq::serialize_element(self, value)
    }
    fn end(self) -> Result<Data, DataError> {
        self.end_seq()
    }
}

impl ser::SerializeMap for MapBuilder {
    type Ok = Data;
    type Error = DataError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), DataError> {
        // Keys become text, as in JSON: strings as they are, numbers and booleans written out.
        self.key = Some(match key.serialize(DataSerializer)? {
            Data::Str(s) => s,
            Data::Int(i) => Cow::Owned(i.to_string()),
            Data::Bool(b) => Cow::Owned(b.to_string()),
            other => return Err(DataError(format!("a map key must be text, not {other:?}"))),
        });
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), DataError> {
        let key = self
            .key
            .take()
            .ok_or_else(|| DataError("a map value without a key".into()))?;
        insert_entry(&mut self.entries, key, value.serialize(DataSerializer)?);
        Ok(())
    }
    fn end(self) -> Result<Data, DataError> {
        self.end_map()
    }
}

impl ser::SerializeStruct for MapBuilder {
    type Ok = Data;
    type Error = DataError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), DataError> {
        self.entries
            .push((Cow::Borrowed(key), value.serialize(DataSerializer)?));
        Ok(())
    }
    fn end(self) -> Result<Data, DataError> {
        self.end_map()
    }
}

impl ser::SerializeStructVariant for MapBuilder {
    type Ok = Data;
    type Error = DataError;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), DataError> {
        ser::SerializeStruct::serialize_field(self, key, value)
    }
    fn end(self) -> Result<Data, DataError> {
        self.end_map()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{json, Value};

    /// `data` as the JSON value it serialises to.
    fn json_of(data: &Data) -> Value {
        serde_json::to_value(data).unwrap()
    }

    /// `value` as `Data`.
    fn data(value: Value) -> Data {
        to_data(&value).unwrap()
    }

    #[test]
    fn maps_keep_order_and_replace_in_place() {
        let mut value = data(json!({"a": 1, "b": 2}));
        value.insert("a", data(json!(3)));
        value["c"] = data(json!("new"));
        assert_eq!(json_of(&value), json!({"a": 3, "b": 2, "c": "new"}));
        assert_eq!(
            serde_json::to_string(&value).unwrap(),
            r#"{"a":3,"b":2,"c":"new"}"#
        );
        assert_eq!(value.remove("b"), Some(data(json!(2))));
        assert_eq!(value.remove("b"), None);
        assert_eq!(value["missing"], Data::Null);
        assert_eq!(value["a"][0], Data::Null);
        let mut null = Data::Null;
        null["made"] = data(json!(true));
        assert_eq!(json_of(&null), json!({"made": true}));
        assert!(value["c"] == "new" && value["a"] == 3 && null["made"] == true);
    }

    #[test]
    #[should_panic(expected = "not a map")]
    fn setting_a_key_of_a_list_is_a_bug() {
        let mut list = data(json!([1]));
        list["key"] = data(json!(null));
    }

    #[derive(serde::Serialize)]
    struct Inner {
        flag: bool,
        ratio: f64,
    }

    #[derive(serde::Serialize)]
    enum Kind {
        Unit,
        Newtype(u8),
        Tuple(u8, char),
        Struct { a: i16 },
    }

    #[derive(serde::Serialize)]
    struct Outer {
        name: &'static str,
        #[serde(flatten)]
        inner: Inner,
        #[serde(skip_serializing_if = "Option::is_none")]
        skipped: Option<u32>,
        kinds: Vec<Kind>,
        pair: (u64, String),
        map: std::collections::BTreeMap<u32, bool>,
        bytes: serde_bytes_like::Bytes,
        unit: (),
    }

    mod serde_bytes_like {
        /// Serialises through `serialize_bytes`.
        pub struct Bytes(pub Vec<u8>);
        impl serde::Serialize for Bytes {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_bytes(&self.0)
            }
        }
    }

    #[test]
    fn to_data_agrees_with_serde_json() {
        let value = Outer {
            name: "outer",
            inner: Inner {
                flag: true,
                ratio: 0.5,
            },
            skipped: None,
            kinds: vec![
                Kind::Unit,
                Kind::Newtype(7),
                Kind::Tuple(1, 'x'),
                Kind::Struct { a: -3 },
            ],
            pair: (u64::from(u32::MAX) + 1, "two".into()),
            map: [(1, true), (2, false)].into_iter().collect(),
            bytes: serde_bytes_like::Bytes(vec![0, 255]),
            unit: (),
        };
        let data = to_data(&value).unwrap();
        assert_eq!(json_of(&data), serde_json::to_value(&value).unwrap());
        assert_eq!(
            serde_json::to_string(&data).unwrap(),
            serde_json::to_string(&value).unwrap()
        );
        // Struct field names and variants are borrowed from the type.
        assert!(matches!(
            &data["kinds"][0],
            Data::Str(Cow::Borrowed("Unit"))
        ));
    }

    #[test]
    fn numbers_beyond_i64_become_floats_and_keys_must_be_text() {
        assert_eq!(to_data(&u64::MAX).unwrap(), Data::Float(u64::MAX as f64));
        assert_eq!(Data::from(u64::MAX), Data::Float(u64::MAX as f64));
        assert_eq!(Data::from(7u64), Data::Int(7));
        let err = to_data(&std::collections::BTreeMap::from([((1, 2), 3)])).unwrap_err();
        assert!(
            err.to_string().starts_with("a map key must be text"),
            "{err}"
        );
    }

    fn any_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            (-1e9f64..1e9).prop_map(Value::from),
            ".{0,12}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec((".{0,8}", inner), 0..6)
                    .prop_map(|entries| Value::Object(entries.into_iter().collect())),
            ]
        })
    }

    proptest! {
        /// Any JSON value becomes Data and serialises back to the same value and the same text.
        #[test]
        fn json_round_trips_through_data(value in any_value()) {
            let data = to_data(&value).unwrap();
            prop_assert_eq!(json_of(&data), value.clone());
            prop_assert_eq!(serde_json::to_string(&data).unwrap(), serde_json::to_string(&value).unwrap());
        }
    }
}
