//! [`Map`]: labels, annotations and selectors.

use crate::data::{insert_entry, position, Data, Text};
use serde::ser::{Serialize, Serializer};

/// Text keys to text values, in insertion order. Entries are kept as the `Data::Map` they become:
/// these maps hold a handful of entries and are built once and read once, so a list needs no
/// hash index, and turning it into `Data` moves it rather than copying it. Serialises as a map,
/// like the `IndexMap` it replaces.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Map(Vec<(Text, Data)>);

impl Map {
    pub fn with_capacity(capacity: usize) -> Map {
        Map(Vec::with_capacity(capacity))
    }

    /// A copy with room for `extra` more entries, so adding them does not grow it.
    pub fn clone_with_room(&self, extra: usize) -> Map {
        let mut entries = Vec::with_capacity(self.0.len() + extra);
        entries.extend_from_slice(&self.0);
        Map(entries)
    }

    /// Set `key` to `value`: in place when the key is there (keeping its position), else at the end.
    pub fn insert(&mut self, key: impl Into<Text>, value: impl Into<Text>) {
        insert_entry(&mut self.0, key.into(), Data::Str(value.into()));
    }

    /// Insert every entry of `other`, in its order.
    pub fn append(&mut self, other: Map) {
        self.0.reserve(other.0.len());
        for (k, v) in other.0 {
            insert_entry(&mut self.0, k, v);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The value at `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        position(&self.0, key).and_then(|at| self.0[at].1.as_str())
    }
}

impl<K: Into<Text>, V: Into<Text>> Extend<(K, V)> for Map {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, entries: I) {
        for (k, v) in entries {
            self.insert(k, v);
        }
    }
}

impl<K: Into<Text>, V: Into<Text>> FromIterator<(K, V)> for Map {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(entries: I) -> Map {
        let entries = entries.into_iter();
        let mut map = Map::with_capacity(entries.size_hint().0);
        map.extend(entries);
        map
    }
}

impl From<Map> for Data {
    fn from(map: Map) -> Data {
        Data::Map(map.0)
    }
}

impl From<&Map> for Data {
    fn from(map: &Map) -> Data {
        Data::Map(map.0.clone())
    }
}

impl Serialize for Map {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(k, v)| (k.as_ref(), v)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_and_replaces_in_place() {
        let mut map: Map = [("b", "1"), ("a", "2")].into_iter().collect();
        map.insert("b", String::from("3"));
        map.insert("c", "4");
        assert_eq!(map.get("b"), Some("3"));
        assert_eq!(map.len(), 3);
        assert_eq!(
            serde_json::to_string(&map).unwrap(),
            r#"{"b":"3","a":"2","c":"4"}"#
        );
        let as_index_map: indexmap::IndexMap<&str, &str> =
            [("b", "3"), ("a", "2"), ("c", "4")].into_iter().collect();
        assert_eq!(
            serde_json::to_string(&map).unwrap(),
            serde_json::to_string(&as_index_map).unwrap()
        );
        assert_eq!(
            Data::from(map.clone()),
            crate::data::to_data(&as_index_map).unwrap()
        );
        assert_eq!(Data::from(&map), Data::from(map));
    }
}
