//! `List<T>`, `Dictionary<K,V>`, `KeyValuePair<K,V>`, arrays, and the
//! runtime helper behind `foreach`.
//!
//! Natives that call user code (predicates, actions, `Equals` overrides)
//! read each element from the collection just before using it and allocate
//! their results only after the last call, so no element or new object is
//! ever reachable only from a Rust local while a collection may run (see
//! the module docs of `builtins`).

use indexmap::IndexMap;

use crate::Vm;
use crate::error::VmError;
use crate::object::Seq;
use crate::program::BuiltinClass;
use crate::value::{Key, Obj, Value};

use super::args::{
    NativeResult, arg, argument, argument_null, array_arg, cast_error, check_index, checked_size, common_class,
    dict_arg, int_arg, list_arg, new_array, new_list, obj_arg, out_current, out_of_range, seq_arg, set_out, type_name,
    zero_like,
};
use super::sort::{self, Comparer};

fn modified() -> VmError {
    VmError::throw(
        "System.InvalidOperationException",
        "Collection was modified; enumeration operation may not execute.",
    )
}

fn non_negative(param: &str) -> VmError {
    out_of_range(param, "Non-negative number required.")
}

/// The elements of anything `IEnumerable` that a constructor or `AddRange`
/// accepts: arrays, lists, dictionaries (as pairs) and strings (as chars).
fn enumerate(vm: &mut Vm, v: Value, param: &str) -> Result<Vec<Value>, VmError> {
    match obj_arg(std::slice::from_ref(&v), 0) {
        Some(Obj::List(items)) => Ok(items.borrow().clone()),
        Some(Obj::Array(a)) => Ok(a.to_vec()),
        Some(Obj::Dict(d)) => {
            let pairs: Vec<(Value, Value)> = d.borrow().iter().map(|(k, v)| (k.0, *v)).collect();
            Ok(pairs.into_iter().map(|(k, v)| Value::Obj(vm.alloc(crate::object::pair(k, v)))).collect())
        }
        Some(Obj::Str(s)) => Ok(s.encode_utf16().map(Value::Char).collect()),
        None if v.is_null() => Err(argument_null(param)),
        _ => Err(cast_error(vm, v, "System.Collections.IEnumerable")),
    }
}

/// `foreach` support: the items to iterate, as an array. Arrays are
/// iterated in place; lists and dictionaries through a snapshot.
pub fn foreach_items(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let v = arg(args, 0);
    match obj_arg(args, 0) {
        Some(Obj::Array { .. }) => Ok(v),
        Some(Obj::Str(_) | Obj::List(_) | Obj::Dict(_)) => {
            let elem = match obj_arg(args, 0) {
                Some(Obj::Str(_)) => BuiltinClass::Char.id(),
                Some(Obj::Dict(_)) => BuiltinClass::KeyValuePair.id(),
                _ => BuiltinClass::Object.id(),
            };
            let items = enumerate(vm, v, "collection")?;
            Ok(new_array(vm, elem, items))
        }
        None if v.is_null() => Err(VmError::null_reference()),
        _ => Err(VmError::invalid_cast(&type_name(vm, v), "System.Collections.IEnumerable")),
    }
}

/// `foreach` support: throws .NET's "Collection was modified" when a list's
/// or dictionary's count is no longer the one its snapshot had.
pub fn ensure_unchanged(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let expected = int_arg(vm, args, 1)?;
    let count = match obj_arg(args, 0) {
        Some(Obj::List(items)) => items.borrow().len(),
        Some(Obj::Dict(d)) => d.borrow().len(),
        _ => return Ok(Value::Null),
    };
    if count as i64 != expected {
        return Err(modified());
    }
    Ok(Value::Null)
}

// ---- List<T> ----

/// `new List<T>()`.
pub fn list_new(vm: &mut Vm, _args: &[Value]) -> NativeResult {
    Ok(new_list(vm, Vec::new()))
}

/// `new List<T>(capacity)` or `new List<T>(collection)`.
pub fn list_new_from(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let items = match arg(args, 0) {
        Value::Int(capacity) => {
            if capacity < 0 {
                return Err(non_negative("capacity"));
            }
            Vec::with_capacity((capacity as usize).min(1 << 16))
        }
        v => enumerate(vm, v, "collection")?,
    };
    Ok(new_list(vm, items))
}

/// What one dictionary entry costs outside its object, as
/// `Obj::extra_bytes` counts it.
const DICT_ENTRY_BYTES: usize = 2 * std::mem::size_of::<Value>() + 8;

pub fn list_add(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let list = list_arg(vm, args, 0)?;
    grow_for_one(vm, list)?;
    list.borrow_mut().push(arg(args, 1));
    Ok(Value::Null)
}

/// Makes room for one more item in a full list's buffer (doubling it, as
/// `List<T>` does), counted by the heap, or `OutOfMemoryException` (the
/// list unchanged) if the heap cannot hold the bigger buffer.
fn grow_for_one(vm: &mut Vm, list: &crate::object::List) -> Result<(), VmError> {
    let (len, capacity) = {
        let items = list.borrow();
        (items.len(), items.capacity())
    };
    if len < capacity {
        return Ok(());
    }
    let more = capacity.max(4);
    vm.reserve(more * std::mem::size_of::<Value>())?;
    list.borrow_mut().reserve_exact(more);
    vm.grew(more * std::mem::size_of::<Value>());
    Ok(())
}

pub fn list_count(vm: &mut Vm, args: &[Value]) -> NativeResult {
    Ok(Value::Int(list_arg(vm, args, 0)?.borrow().len() as i64))
}

pub fn list_capacity(vm: &mut Vm, args: &[Value]) -> NativeResult {
    Ok(Value::Int(list_arg(vm, args, 0)?.borrow().capacity() as i64))
}

pub fn list_get(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let items = list_arg(vm, args, 0)?.borrow();
    let i = check_index(int_arg(vm, args, 1)?, items.len(), "index")?;
    Ok(items[i])
}

pub fn list_set(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let mut items = list_arg(vm, args, 0)?.borrow_mut();
    let i = check_index(int_arg(vm, args, 1)?, items.len(), "index")?;
    items[i] = arg(args, 2);
    Ok(Value::Null)
}

pub fn list_insert(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let list = list_arg(vm, args, 0)?;
    grow_for_one(vm, list)?;
    let mut items = list.borrow_mut();
    let index = int_arg(vm, args, 1)?;
    if index < 0 || index as usize > items.len() {
        return Err(out_of_range("index", "Index must be within the bounds of the List."));
    }
    items.insert(index as usize, arg(args, 2));
    Ok(Value::Null)
}

pub fn list_add_range(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let items = list_arg(vm, args, 0)?;
    let more = enumerate(vm, arg(args, 1), "collection")?;
    items.borrow_mut().extend(more);
    Ok(Value::Null)
}

pub fn list_remove_at(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let mut items = list_arg(vm, args, 0)?.borrow_mut();
    let i = check_index(int_arg(vm, args, 1)?, items.len(), "index")?;
    items.remove(i);
    Ok(Value::Null)
}

pub fn list_remove_range(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let mut items = list_arg(vm, args, 0)?.borrow_mut();
    let (index, count) = (int_arg(vm, args, 1)?, int_arg(vm, args, 2)?);
    if index < 0 {
        return Err(non_negative("index"));
    }
    if count < 0 {
        return Err(non_negative("count"));
    }
    if (items.len() as i64 - index) < count {
        return Err(VmError::throw(
            "System.ArgumentException",
            "Offset and length were out of bounds for the array or count is greater than the number of elements from index to the end of the source collection.",
        ));
    }
    items.drain(index as usize..(index + count) as usize);
    Ok(Value::Null)
}

pub fn list_clear(vm: &mut Vm, args: &[Value]) -> NativeResult {
    list_arg(vm, args, 0)?.borrow_mut().clear();
    Ok(Value::Null)
}

/// The index of the first element `Equals` to `value` in `items` (read
/// afresh at each step: `Equals` may be user code), or -1.
fn index_of_in(vm: &mut Vm, items: Seq<'_>, value: Value, reverse: bool) -> Result<i64, VmError> {
    let len = items.len();
    for k in 0..len {
        let i = if reverse { len - 1 - k } else { k };
        let Some(item) = items.get(i) else { break };
        if vm.equals(item, value)? {
            return Ok(i as i64);
        }
    }
    Ok(-1)
}

pub fn list_index_of(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let items = list_arg(vm, args, 0)?;
    Ok(Value::Int(index_of_in(vm, Seq::from(items), arg(args, 1), false)?))
}

pub fn list_last_index_of(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let items = list_arg(vm, args, 0)?;
    Ok(Value::Int(index_of_in(vm, Seq::from(items), arg(args, 1), true)?))
}

pub fn list_contains(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let items = list_arg(vm, args, 0)?;
    Ok(Value::Bool(index_of_in(vm, Seq::from(items), arg(args, 1), false)? >= 0))
}

pub fn list_remove(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let items = list_arg(vm, args, 0)?;
    let i = index_of_in(vm, Seq::from(items), arg(args, 1), false)?;
    if i < 0 {
        return Ok(Value::Bool(false));
    }
    let mut items = items.borrow_mut();
    if (i as usize) < items.len() {
        items.remove(i as usize);
    }
    Ok(Value::Bool(true))
}

pub fn list_to_array(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let items = list_arg(vm, args, 0)?.borrow().clone();
    let elem = common_class(vm, &items);
    Ok(new_array(vm, elem, items))
}

pub fn list_reverse(vm: &mut Vm, args: &[Value]) -> NativeResult {
    seq_arg(vm, args, 0)?.borrow_mut().reverse();
    Ok(Value::Null)
}

pub fn list_get_range(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let items = list_arg(vm, args, 0)?;
    let (index, count) = (int_arg(vm, args, 1)?, int_arg(vm, args, 2)?);
    if index < 0 {
        return Err(non_negative("index"));
    }
    if count < 0 {
        return Err(non_negative("count"));
    }
    let slice = {
        let items = items.borrow();
        if (items.len() as i64 - index) < count {
            return Err(VmError::throw(
                "System.ArgumentException",
                "Offset and length were out of bounds for the array or count is greater than the number of elements from index to the end of the source collection.",
            ));
        }
        items[index as usize..(index + count) as usize].to_vec()
    };
    Ok(new_list(vm, slice))
}

/// `Sort()` on a list or array.
pub fn sort_default(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let items = seq_arg(vm, args, 0)?;
    sort::sort(vm, items, Comparer::Default)?;
    Ok(Value::Null)
}

/// `Sort(Comparison<T>)` / `Sort(IComparer<T>)` on a list or array.
pub fn sort_with(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let items = seq_arg(vm, args, 0)?;
    let comparer = match arg(args, 1) {
        Value::Null => Comparer::Default,
        c => Comparer::User(c),
    };
    sort::sort(vm, items, comparer)?;
    Ok(Value::Null)
}

pub fn list_binary_search(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let items = seq_arg(vm, args, 0)?;
    Ok(Value::Int(sort::binary_search(vm, items, arg(args, 1))?))
}

/// Calls `predicate` on each element of `items` in turn (read afresh, with
/// a check that user code did not change the length); stops at the first
/// element for which `stop(result)` holds and returns its index.
fn scan(
    vm: &mut Vm,
    items: Seq<'_>,
    callback: Value,
    reverse: bool,
    mut stop: impl FnMut(Value) -> bool,
) -> Result<Option<usize>, VmError> {
    if callback.is_null() {
        return Err(argument_null("match"));
    }
    let len = items.len();
    for k in 0..len {
        let i = if reverse { len - 1 - k } else { k };
        if items.len() != len {
            return Err(modified());
        }
        let Some(item) = items.get(i) else { return Err(modified()) };
        let result = vm.invoke(callback, &[item])?;
        if stop(result) {
            return Ok(Some(i));
        }
    }
    Ok(None)
}

fn is_true(v: Value) -> bool {
    matches!(v, Value::Bool(true))
}

/// `default(T)`, guessed from the collection's elements.
fn default_element(items: Seq<'_>) -> Value {
    items.get(0).map_or(Value::Null, zero_like)
}

pub fn seq_find(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let items = seq_arg(vm, args, 0)?;
    let found = scan(vm, items, arg(args, 1), false, is_true)?;
    Ok(found.and_then(|i| items.get(i)).unwrap_or_else(|| default_element(items)))
}

pub fn seq_find_last(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let items = seq_arg(vm, args, 0)?;
    let found = scan(vm, items, arg(args, 1), true, is_true)?;
    Ok(found.and_then(|i| items.get(i)).unwrap_or_else(|| default_element(items)))
}

pub fn seq_find_index(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let items = seq_arg(vm, args, 0)?;
    let found = scan(vm, items, arg(args, 1), false, is_true)?;
    Ok(Value::Int(found.map_or(-1, |i| i as i64)))
}

pub fn seq_exists(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let items = seq_arg(vm, args, 0)?;
    Ok(Value::Bool(scan(vm, items, arg(args, 1), false, is_true)?.is_some()))
}

pub fn seq_true_for_all(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let items = seq_arg(vm, args, 0)?;
    Ok(Value::Bool(scan(vm, items, arg(args, 1), false, |r| !is_true(r))?.is_none()))
}

pub fn seq_for_each(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let items = seq_arg(vm, args, 0)?;
    scan(vm, items, arg(args, 1), false, |_| false)?;
    Ok(Value::Null)
}

/// The predicate's verdict on every element, evaluated before anything is
/// allocated or removed.
fn verdicts(vm: &mut Vm, items: Seq<'_>, predicate: Value) -> Result<Vec<bool>, VmError> {
    let mut keep = Vec::new();
    scan(vm, items, predicate, false, |r| {
        keep.push(is_true(r));
        false
    })?;
    if keep.len() != items.len() {
        return Err(modified());
    }
    Ok(keep)
}

pub fn list_find_all(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let items = list_arg(vm, args, 0)?;
    let matched = verdicts(vm, Seq::from(items), arg(args, 1))?;
    let found: Vec<Value> = items.borrow().iter().zip(&matched).filter(|(_, m)| **m).map(|(v, _)| *v).collect();
    Ok(new_list(vm, found))
}

pub fn list_remove_all(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let items = list_arg(vm, args, 0)?;
    let matched = verdicts(vm, Seq::from(items), arg(args, 1))?;
    let mut flags = matched.iter();
    items.borrow_mut().retain(|_| !flags.next().copied().unwrap_or(false));
    Ok(Value::Int(matched.iter().filter(|m| **m).count() as i64))
}

// ---- Dictionary<K, V> ----

type Map = crate::object::Dict;

fn key_arg(args: &[Value], i: usize) -> Result<Key, VmError> {
    match arg(args, i) {
        Value::Null => Err(argument_null("key")),
        k => Ok(Key(k)),
    }
}

fn new_dict(vm: &mut Vm, map: IndexMap<Key, Value>) -> Value {
    Value::Obj(vm.alloc(crate::object::dict(map)))
}

pub fn dict_new(vm: &mut Vm, _args: &[Value]) -> NativeResult {
    Ok(new_dict(vm, IndexMap::new()))
}

/// `new Dictionary<K,V>(capacity)` or `new Dictionary<K,V>(dictionary)`.
pub fn dict_new_from(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let map = match (arg(args, 0), obj_arg(args, 0)) {
        (Value::Int(capacity), _) => {
            if capacity < 0 {
                return Err(non_negative("capacity"));
            }
            IndexMap::with_capacity((capacity as usize).min(1 << 16))
        }
        (_, Some(Obj::Dict(d))) => d.borrow().clone(),
        (Value::Null, _) => return Err(argument_null("dictionary")),
        (v, _) => return Err(cast_error(vm, v, "System.Collections.Generic.IDictionary`2")),
    };
    Ok(new_dict(vm, map))
}

fn dict<'a>(vm: &Vm, args: &'a [Value]) -> Result<&'a Map, VmError> {
    dict_arg(vm, args, 0)
}

pub fn dict_add(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let map = dict(vm, args)?;
    let key = key_arg(args, 1)?;
    let (added, grew) = {
        let mut map = map.borrow_mut();
        let before = map.capacity();
        let added = match map.entry(key) {
            indexmap::map::Entry::Occupied(_) => false,
            indexmap::map::Entry::Vacant(e) => {
                e.insert(arg(args, 2));
                true
            }
        };
        (added, map.capacity() - before)
    };
    if grew > 0 {
        vm.grew(grew * DICT_ENTRY_BYTES);
    }
    if !added {
        let shown = vm.display(key.0)?;
        return Err(VmError::throw(
            "System.ArgumentException",
            format!("An item with the same key has already been added. Key: {shown}"),
        ));
    }
    Ok(Value::Null)
}

pub fn dict_try_add(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let map = dict(vm, args)?;
    let key = key_arg(args, 1)?;
    let mut map = map.borrow_mut();
    if map.contains_key(&key) {
        return Ok(Value::Bool(false));
    }
    map.insert(key, arg(args, 2));
    Ok(Value::Bool(true))
}

pub fn dict_get(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let map = dict(vm, args)?;
    let key = key_arg(args, 1)?;
    let found = map.borrow().get(&key).copied();
    match found {
        Some(v) => Ok(v),
        None => {
            let shown = vm.display(key.0)?;
            Err(VmError::throw(
                "System.Collections.Generic.KeyNotFoundException",
                format!("The given key '{shown}' was not present in the dictionary."),
            ))
        }
    }
}

pub fn dict_set(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let map = dict(vm, args)?;
    let key = key_arg(args, 1)?;
    let grew = {
        let mut map = map.borrow_mut();
        let before = map.capacity();
        map.insert(key, arg(args, 2));
        map.capacity() - before
    };
    if grew > 0 {
        vm.grew(grew * DICT_ENTRY_BYTES);
    }
    Ok(Value::Null)
}

/// `TryGetValue(key, out value)`: on a miss the variable gets `default(V)`.
pub fn dict_try_get_value(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let map = dict(vm, args)?;
    let key = key_arg(args, 1)?;
    let found = map.borrow().get(&key).copied();
    set_out(vm, args, 2, found.unwrap_or_else(|| default_out(map, args, 2)))?;
    Ok(Value::Bool(found.is_some()))
}

/// `default(V)` for an `out V` argument: the zero of the kind the variable
/// holds, or failing that (a fresh `out var` box holds null) of the
/// dictionary's values.
fn default_out(map: &Map, args: &[Value], i: usize) -> Value {
    match out_current(args, i) {
        Value::Null => default_value(map),
        current => zero_like(current),
    }
}

pub fn dict_get_value_or_default(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let map = dict(vm, args)?;
    let key = key_arg(args, 1)?;
    let found = map.borrow().get(&key).copied();
    Ok(found.unwrap_or_else(|| if args.len() > 2 { arg(args, 2) } else { default_value(map) }))
}

/// `default(V)`, guessed from the dictionary's values.
fn default_value(map: &Map) -> Value {
    map.borrow().values().next().copied().map_or(Value::Null, zero_like)
}

pub fn dict_contains_key(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let map = dict(vm, args)?;
    let key = key_arg(args, 1)?;
    Ok(Value::Bool(map.borrow().contains_key(&key)))
}

pub fn dict_contains_value(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let map = dict(vm, args)?;
    let value = arg(args, 1);
    let len = map.borrow().len();
    for i in 0..len {
        let Some(v) = map.borrow().get_index(i).map(|(_, v)| *v) else { return Err(modified()) };
        if vm.equals(v, value)? {
            return Ok(Value::Bool(true));
        }
    }
    Ok(Value::Bool(false))
}

/// `Remove(key)`; `Remove(key, out value)` with a third argument.
pub fn dict_remove(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let map = dict(vm, args)?;
    let key = key_arg(args, 1)?;
    let removed = map.borrow_mut().shift_remove(&key);
    if args.len() > 2 {
        set_out(vm, args, 2, removed.unwrap_or_else(|| default_out(map, args, 2)))?;
    }
    Ok(Value::Bool(removed.is_some()))
}

pub fn dict_count(vm: &mut Vm, args: &[Value]) -> NativeResult {
    Ok(Value::Int(dict(vm, args)?.borrow().len() as i64))
}

pub fn dict_clear(vm: &mut Vm, args: &[Value]) -> NativeResult {
    dict(vm, args)?.borrow_mut().clear();
    Ok(Value::Null)
}

/// `Keys`: a snapshot list of the keys.
pub fn dict_keys(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let keys: Vec<Value> = dict(vm, args)?.borrow().keys().map(|k| k.0).collect();
    Ok(new_list(vm, keys))
}

/// `Values`: a snapshot list of the values.
pub fn dict_values(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let values: Vec<Value> = dict(vm, args)?.borrow().values().copied().collect();
    Ok(new_list(vm, values))
}

// ---- KeyValuePair<K, V> ----

fn pair(vm: &Vm, args: &[Value]) -> Result<(Value, Value), VmError> {
    match obj_arg(args, 0) {
        Some(Obj::Pair(k, v)) => Ok((k, v)),
        _ => Err(cast_error(vm, arg(args, 0), "System.Collections.Generic.KeyValuePair`2")),
    }
}

pub fn pair_new(vm: &mut Vm, args: &[Value]) -> NativeResult {
    Ok(Value::Obj(vm.alloc(crate::object::pair(arg(args, 0), arg(args, 1)))))
}

pub fn pair_key(vm: &mut Vm, args: &[Value]) -> NativeResult {
    Ok(pair(vm, args)?.0)
}

pub fn pair_value(vm: &mut Vm, args: &[Value]) -> NativeResult {
    Ok(pair(vm, args)?.1)
}

// ---- arrays ----

pub fn array_length(vm: &mut Vm, args: &[Value]) -> NativeResult {
    Ok(Value::Int(array_arg(vm, args, 0)?.1.len() as i64))
}

pub fn array_rank(vm: &mut Vm, args: &[Value]) -> NativeResult {
    array_arg(vm, args, 0)?;
    Ok(Value::Int(1))
}

pub fn array_clone(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let (elem, items) = array_arg(vm, args, 0)?;
    let copy = items.borrow().clone();
    Ok(new_array(vm, elem, copy))
}

pub fn array_index_of(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let (_, items) = array_arg(vm, args, 0)?;
    Ok(Value::Int(index_of_in(vm, items, arg(args, 1), false)?))
}

pub fn array_fill(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let (_, items) = array_arg(vm, args, 0)?;
    items.borrow_mut().fill(arg(args, 1));
    Ok(Value::Null)
}

/// `Array.Clear(array)` and `Array.Clear(array, index, length)`.
pub fn array_clear(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let (elem, items) = array_arg(vm, args, 0)?;
    let zero = crate::ops::element_default(vm.program(), elem);
    let len = items.len() as i64;
    let (index, count) = if args.len() > 2 { (int_arg(vm, args, 1)?, int_arg(vm, args, 2)?) } else { (0, len) };
    if index < 0 || count < 0 || index > len - count {
        return Err(VmError::index_out_of_range());
    }
    items.borrow_mut()[index as usize..(index + count) as usize].fill(zero);
    Ok(Value::Null)
}

/// `Array.Copy(source, destination, length)` and
/// `Array.Copy(source, sourceIndex, destination, destinationIndex, length)`.
pub fn array_copy(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let (src, src_index, dst, dst_index, length) = if args.len() == 3 {
        (0, 0, 1, 0, int_arg(vm, args, 2)?)
    } else {
        (0, int_arg(vm, args, 1)?, 2, int_arg(vm, args, 3)?, int_arg(vm, args, 4)?)
    };
    let (_, source) = array_arg(vm, args, src)?;
    let (_, destination) = array_arg(vm, args, dst)?;
    if length < 0 {
        return Err(non_negative("length"));
    }
    if src_index < 0 {
        return Err(non_negative("sourceIndex"));
    }
    if dst_index < 0 {
        return Err(non_negative("destinationIndex"));
    }
    let copied: Vec<Value> = {
        let source = source.borrow();
        if length > source.len() as i64 - src_index {
            return Err(argument(
                "Source array was not long enough. Check the source index, length, and the array's lower bounds.",
                "sourceArray",
            ));
        }
        source[src_index as usize..(src_index + length) as usize].to_vec()
    };
    let mut destination = destination.borrow_mut();
    if length > destination.len() as i64 - dst_index {
        return Err(argument(
            "Destination array was not long enough. Check the destination index, length, and the array's lower bounds.",
            "destinationArray",
        ));
    }
    destination[dst_index as usize..(dst_index + length) as usize].copy_from_slice(&copied);
    Ok(Value::Null)
}

/// `Array.Resize(ref array, newSize)`: the `ref` argument is a box.
pub fn array_resize(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let size = int_arg(vm, args, 1)?;
    if size < 0 {
        return Err(non_negative("newSize"));
    }
    let current = out_current(args, 0);
    let (elem, mut items) = match obj_arg(std::slice::from_ref(&current), 0) {
        Some(Obj::Array(a)) => (a.elem(), a.to_vec()),
        _ if current.is_null() => (BuiltinClass::Object.id(), Vec::new()),
        _ => return Err(cast_error(vm, current, "System.Array")),
    };
    let zero = crate::ops::element_default(vm.program(), elem);
    items.resize(checked_size(size)?, zero);
    let resized = new_array(vm, elem, items);
    set_out(vm, args, 0, resized)?;
    Ok(Value::Null)
}
