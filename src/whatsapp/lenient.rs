//! Reading a provider's JSON field by field, as forgiving as looking fields up in a
//! `serde_json::Value` (a field missing or of another type reads as absent) but without
//! building a tree of every object first: a webhook's strings are borrowed from its body.
//! In a flood of webhooks the tree, built and dropped for each, took an eighth of the async
//! threads' time.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// A JSON value read as far as it is the expected kind; any other kind reads as the default.
trait Lenient<'de>: Default {
    fn text(_: Cow<'de, str>) -> Self {
        Self::default()
    }

    fn int(_: Option<i64>) -> Self {
        Self::default()
    }

    fn seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Self, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Self::default())
    }

    fn map<A: MapAccess<'de>>(mut map: A) -> Result<Self, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Self::default())
    }
}

struct Any<L>(PhantomData<L>);

impl<'de, L: Lenient<'de>> Visitor<'de> for Any<L> {
    type Value = L;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<L, E> {
        Ok(L::text(Cow::Borrowed(v)))
    }

    fn visit_str<E>(self, v: &str) -> Result<L, E> {
        Ok(L::text(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E>(self, v: String) -> Result<L, E> {
        Ok(L::text(Cow::Owned(v)))
    }

    fn visit_i64<E>(self, v: i64) -> Result<L, E> {
        Ok(L::int(Some(v)))
    }

    fn visit_u64<E>(self, v: u64) -> Result<L, E> {
        Ok(L::int(i64::try_from(v).ok()))
    }

    fn visit_f64<E>(self, _: f64) -> Result<L, E> {
        Ok(L::default())
    }

    fn visit_bool<E>(self, _: bool) -> Result<L, E> {
        Ok(L::default())
    }

    fn visit_unit<E>(self) -> Result<L, E> {
        Ok(L::default())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<L, A::Error> {
        L::seq(seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<L, A::Error> {
        L::map(map)
    }
}

/// `Deserialize` for a [`Lenient`] type: any JSON value is taken.
macro_rules! deserialize_leniently {
    ([$($p:tt),*] $ty:ty $(, $($bound:tt)*)?) => {
        impl<'de, $($p),*> Deserialize<'de> for $ty where Self: Lenient<'de> $(, $($bound)*)? {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                d.deserialize_any(Any(PhantomData))
            }
        }
    };
}

/// A string field: its text, or `None` when it is absent or not a string.
#[derive(Debug, Default)]
pub struct Text<'a>(pub Option<Cow<'a, str>>);

impl<'de: 'a, 'a> Lenient<'de> for Text<'a> {
    fn text(v: Cow<'de, str>) -> Self {
        Text(Some(v))
    }
}
deserialize_leniently!(['a] Text<'a>);

impl Text<'_> {
    pub fn get(&self) -> Option<&str> {
        self.0.as_deref()
    }

    /// The text, or empty.
    pub fn or_empty(&self) -> &str {
        self.get().unwrap_or_default()
    }
}

/// A whole-number field that fits an `i64`, or `None`.
#[derive(Debug, Default)]
pub struct Int(pub Option<i64>);

impl Lenient<'_> for Int {
    fn int(v: Option<i64>) -> Self {
        Int(v)
    }
}
deserialize_leniently!([] Int);

/// An array field: its elements, or none when it is absent or not an array.
#[derive(Debug)]
pub struct List<T>(pub Vec<T>);

impl<T> Default for List<T> {
    fn default() -> Self {
        List(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Lenient<'de> for List<T> {
    fn seq<A: SeqAccess<'de>>(mut seq: A) -> Result<Self, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(1));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(List(items))
    }
}
deserialize_leniently!([T] List<T>, T: Deserialize<'de>);

/// An object field read into `T` (whose fields are lenient themselves), or `T::default()` when
/// it is absent or not an object.
#[derive(Debug, Default)]
pub struct Obj<T>(pub T);

impl<'de, T: Deserialize<'de> + Default> Lenient<'de> for Obj<T> {
    fn map<A: MapAccess<'de>>(map: A) -> Result<Self, A::Error> {
        T::deserialize(MapAccessDeserializer::new(map)).map(Obj)
    }
}
deserialize_leniently!([T] Obj<T>, T: Deserialize<'de> + Default);
