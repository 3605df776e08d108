//! [`Map`]: labels, annotations and selectors.

use serde::Serialize;

/// Text keys to text values, in insertion order; setting a key again keeps its place.
/// Serialises as a map.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Map(crate::OrderedMap<String, String>);

impl Map {
    pub fn with_capacity(capacity: usize) -> Map {
        Map(crate::OrderedMap::with_capacity_and_hasher(
            capacity,
            Default::default(),
        ))
    }

    /// A copy with room for `extra` more entries, so adding them does not grow it.
    pub fn clone_with_room(&self, extra: usize) -> Map {
        let mut map = Map::with_capacity(self.0.len() + extra);
        map.0
            .extend(self.0.iter().map(|(k, v)| (k.clone(), v.clone())));
        map
    }

    /// Set `key` to `value`: in place when the key is there (keeping its position), else at the end.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.0.insert(key.into(), value.into());
    }

    /// Insert every entry of `other`, in its order.
    pub fn append(&mut self, other: Map) {
        self.0.extend(other.0);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The value at `key`.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }
}

impl<K: Into<String>, V: Into<String>> Extend<(K, V)> for Map {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, entries: I) {
        for (k, v) in entries {
            self.insert(k, v);
        }
    }
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Map {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(entries: I) -> Map {
        let entries = entries.into_iter();
        let mut map = Map::with_capacity(entries.size_hint().0);
        map.extend(entries);
        map
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
        let mut other: Map = [("a", "5"), ("d", "6")].into_iter().collect();
        other.insert("a", "7");
        map.append(other);
        assert_eq!(
            serde_json::to_string(&map).unwrap(),
            r#"{"b":"3","a":"7","c":"4","d":"6"}"#
        );
    }
}
