//! Sorting as .NET's `ArraySortHelper` does it, so that elements that
//! compare equal end up in the same order as under .NET (introsort is not
//! stable, and programs print the result).
//!
//! The sort runs in place on the live list or array, reading and swapping
//! one element at a time, because a comparison may call user code (a
//! `Comparison<T>` delegate or a `CompareTo` override) and so collect:
//! every element must stay reachable through the collection, never only
//! through a Rust local. .NET's algorithm holds some elements aside (the
//! pivot, the element being inserted); here they stay in the array at the
//! position .NET would read them from, and moves become swaps, which makes
//! the same comparisons in the same order.

use std::cmp::Ordering;

use crate::Vm;
use crate::bytecode::{ClassId, MethodId};
use crate::error::VmError;
use crate::object::Seq;
use crate::value::{Obj, Value};

use super::args::{argument, cast_error};
use super::parse::compare_doubles;
use super::string::compare_culture;
use super::time::TimeSpan;

/// Below this many elements introsort switches to insertion sort.
const INTROSORT_SIZE_THRESHOLD: usize = 16;

/// How two elements are compared.
#[derive(Clone, Copy)]
pub enum Comparer {
    /// `Comparer<T>.Default`: numbers, strings (culture order), `IComparable`.
    Default,
    /// A `Comparison<T>` delegate or an `IComparer<T>` object.
    User(Value),
}

/// Why a sort stopped.
enum SortError {
    /// The comparison threw: .NET wraps it in an `InvalidOperationException`.
    Compare(VmError),
    /// Indices ran off the end: the comparison is inconsistent.
    BadComparer,
    /// The comparison changed the collection's length.
    Modified,
}

impl From<VmError> for SortError {
    fn from(e: VmError) -> SortError {
        SortError::Compare(e)
    }
}

/// `Comparer<T>.Default.Compare(a, b)` when no user code is involved, or
/// `None` when it would call a `CompareTo` method.
pub fn compare_builtin(a: Value, b: Value) -> Option<Ordering> {
    Some(match (a, b) {
        (Value::Null, Value::Null) => Ordering::Equal,
        (Value::Null, _) => Ordering::Less,
        (_, Value::Null) => Ordering::Greater,
        (Value::Bool(x), Value::Bool(y)) => x.cmp(&y),
        (Value::Double(x), Value::Double(y)) => compare_doubles(x, y),
        (Value::Double(x), y) => compare_doubles(x, y.as_int()? as f64),
        (x, Value::Double(y)) => compare_doubles(x.as_int()? as f64, y),
        (Value::Obj(x), Value::Obj(y)) => match (x.view(), y.view()) {
            (Obj::Str(x), Obj::Str(y)) => compare_culture(x, y),
            (x, y) => match (x.native::<TimeSpan>(), y.native::<TimeSpan>()) {
                (Some(x), Some(y)) => x.cmp(y),
                _ => return None,
            },
        },
        (x, y) => x.as_int()?.cmp(&y.as_int()?),
    })
}

/// The `CompareTo(other)` (or, for an `IComparer`, `Compare(a, b)`) method
/// a class has or inherits, cached per class.
struct MethodCache {
    name: &'static str,
    arity: u16,
    found: Vec<(ClassId, Option<MethodId>)>,
}

impl MethodCache {
    fn new(name: &'static str, arity: u16) -> MethodCache {
        MethodCache { name, arity, found: Vec::new() }
    }

    fn lookup(&mut self, vm: &Vm, class: ClassId) -> Option<MethodId> {
        if let Some((_, m)) = self.found.iter().find(|(c, _)| *c == class) {
            return *m;
        }
        let program = vm.program();
        let mut current = Some(class);
        let mut method = None;
        while let Some(c) = current {
            method = program
                .methods
                .iter()
                .position(|m| m.class == c && m.name == self.name && m.arity == self.arity && !m.flags.is_static)
                .map(|i| MethodId(i as u32));
            if method.is_some() {
                break;
            }
            current = program.classes.get(c.index()).and_then(|k| k.base);
        }
        self.found.push((class, method));
        method
    }
}

/// What `Comparer<T>.Default` throws for values it cannot order (the sort
/// wraps it in "Failed to compare two elements in the array.").
fn not_comparable() -> VmError {
    VmError::throw("System.ArgumentException", "At least one object must implement IComparable.")
}

/// Compares two values with a comparer, calling user code when it must.
pub struct Comparing {
    comparer: Comparer,
    compare_to: MethodCache,
    compare: MethodCache,
}

impl Comparing {
    pub fn new(comparer: Comparer) -> Comparing {
        Comparing { comparer, compare_to: MethodCache::new("CompareTo", 2), compare: MethodCache::new("Compare", 3) }
    }

    pub fn compare(&mut self, vm: &mut Vm, a: Value, b: Value) -> Result<Ordering, VmError> {
        let result = match self.comparer {
            Comparer::User(c @ Value::Obj(o)) if matches!(o.view(), Obj::Delegate { .. }) => vm.invoke(c, &[a, b])?,
            Comparer::User(c) => {
                let method = self
                    .compare
                    .lookup(vm, vm.class_of(c))
                    .ok_or_else(|| cast_error(vm, c, "System.Collections.Generic.IComparer`1"))?;
                vm.call_method(method, &[c, a, b])?
            }
            Comparer::Default => {
                if let Some(o) = compare_builtin(a, b) {
                    return Ok(o);
                }
                let Value::Obj(obj) = a else { return Err(not_comparable()) };
                let Obj::Instance(instance) = obj.view() else { return Err(not_comparable()) };
                let method = self.compare_to.lookup(vm, instance.class()).ok_or_else(not_comparable)?;
                vm.call_method(method, &[a, b])?
            }
        };
        match result.as_int() {
            Some(n) => Ok(n.cmp(&0)),
            None => Err(cast_error(vm, result, "System.Int32")),
        }
    }
}

/// Sorts `items` (a list's or an array's) in place.
pub fn sort(vm: &mut Vm, items: Seq<'_>, comparer: Comparer) -> Result<(), VmError> {
    // Without user code the order of equal elements cannot be observed
    // (equal numbers and strings are indistinguishable), so any sort will do.
    if let Comparer::Default = comparer {
        let mut all = items.borrow().clone();
        if all.iter().all(|v| compare_builtin(*v, *v).is_some()) {
            let mut consistent = true;
            all.sort_by(|a, b| {
                compare_builtin(*a, *b).unwrap_or_else(|| {
                    consistent = false;
                    Ordering::Equal
                })
            });
            if consistent {
                *items.borrow_mut() = all;
                return Ok(());
            }
        }
    }
    let len = items.len();
    let mut sorter = Sorter { items, len, comparing: Comparing::new(comparer) };
    if len < 2 {
        return Ok(());
    }
    let depth_limit = 2 * (len.ilog2() as i32 + 1);
    match sorter.intro_sort(vm, 0, len, depth_limit) {
        Ok(()) => Ok(()),
        Err(SortError::Compare(e)) => Err(wrap_comparer_error(vm, e)),
        Err(SortError::BadComparer) => Err(argument(
            "Unable to sort because the IComparer.Compare() method returns inconsistent results. Either a value does not compare equal to itself, or one value repeatedly compared to another value yields different results.",
            "comparer",
        )),
        Err(SortError::Modified) => Err(VmError::throw(
            "System.InvalidOperationException",
            "Collection was modified; enumeration operation may not execute.",
        )),
    }
}

/// .NET reports an exception thrown by a comparison as the inner exception
/// of "Failed to compare two elements in the array.".
fn wrap_comparer_error(vm: &mut Vm, e: VmError) -> VmError {
    let inner = match e {
        VmError::Exception(v) => v,
        VmError::Throw { class, message } => vm.new_exception(class, &message),
        other => return other,
    };
    let outer = vm.new_exception("System.InvalidOperationException", "Failed to compare two elements in the array.");
    vm.set_inner_exception(outer, inner);
    VmError::Exception(outer)
}

struct Sorter<'a> {
    items: Seq<'a>,
    /// The length when the sort began; a change means user code modified it.
    len: usize,
    comparing: Comparing,
}

impl Sorter<'_> {
    fn check(&self) -> Result<(), SortError> {
        if self.items.len() == self.len { Ok(()) } else { Err(SortError::Modified) }
    }

    fn get(&self, i: usize) -> Result<Value, SortError> {
        self.items.get(i).ok_or(SortError::Modified)
    }

    fn swap(&self, i: usize, j: usize) -> Result<(), SortError> {
        self.check()?;
        self.items.swap(i, j);
        Ok(())
    }

    /// Compares the elements at `i` and `j` (absolute indices).
    fn compare(&mut self, vm: &mut Vm, i: usize, j: usize) -> Result<Ordering, SortError> {
        self.check()?;
        let (a, b) = (self.get(i)?, self.get(j)?);
        Ok(self.comparing.compare(vm, a, b)?)
    }

    fn swap_if_greater(&mut self, vm: &mut Vm, i: usize, j: usize) -> Result<(), SortError> {
        if i != j && self.compare(vm, i, j)? == Ordering::Greater {
            self.swap(i, j)?;
        }
        Ok(())
    }

    /// `IntroSort(keys[lo..lo + len], depthLimit)`.
    fn intro_sort(&mut self, vm: &mut Vm, lo: usize, len: usize, mut depth_limit: i32) -> Result<(), SortError> {
        let mut partition_size = len;
        while partition_size > 1 {
            if partition_size <= INTROSORT_SIZE_THRESHOLD {
                match partition_size {
                    2 => self.swap_if_greater(vm, lo, lo + 1)?,
                    3 => {
                        self.swap_if_greater(vm, lo, lo + 1)?;
                        self.swap_if_greater(vm, lo, lo + 2)?;
                        self.swap_if_greater(vm, lo + 1, lo + 2)?;
                    }
                    _ => self.insertion_sort(vm, lo, partition_size)?,
                }
                return Ok(());
            }
            if depth_limit == 0 {
                return self.heap_sort(vm, lo, partition_size);
            }
            depth_limit -= 1;
            let p = self.pick_pivot_and_partition(vm, lo, partition_size)?;
            self.intro_sort(vm, lo + p + 1, partition_size - (p + 1), depth_limit)?;
            partition_size = p;
        }
        Ok(())
    }

    /// Median of three, then Hoare partition around it; returns the pivot's
    /// index relative to `lo`. The pivot stays at `hi - 1` while partitioning.
    fn pick_pivot_and_partition(&mut self, vm: &mut Vm, lo: usize, len: usize) -> Result<usize, SortError> {
        let hi = len - 1;
        let middle = hi >> 1;
        self.swap_if_greater(vm, lo, lo + middle)?;
        self.swap_if_greater(vm, lo, lo + hi)?;
        self.swap_if_greater(vm, lo + middle, lo + hi)?;
        self.swap(lo + middle, lo + hi - 1)?;
        let pivot = lo + hi - 1;
        let (mut left, mut right) = (0usize, hi - 1);
        while left < right {
            loop {
                left += 1;
                if left > hi {
                    return Err(SortError::BadComparer);
                }
                if self.compare(vm, lo + left, pivot)? != Ordering::Less {
                    break;
                }
            }
            loop {
                if right == 0 {
                    return Err(SortError::BadComparer);
                }
                right -= 1;
                if self.compare(vm, pivot, lo + right)? != Ordering::Less {
                    break;
                }
            }
            if left >= right {
                break;
            }
            self.swap(lo + left, lo + right)?;
        }
        if left != hi - 1 {
            self.swap(lo + left, pivot)?;
        }
        Ok(left)
    }

    fn heap_sort(&mut self, vm: &mut Vm, lo: usize, n: usize) -> Result<(), SortError> {
        for i in (1..=n >> 1).rev() {
            self.down_heap(vm, lo, i, n)?;
        }
        for i in (2..=n).rev() {
            self.swap(lo, lo + i - 1)?;
            self.down_heap(vm, lo, 1, i - 1)?;
        }
        Ok(())
    }

    /// Sifts the element at 1-based heap position `i` down; it travels by
    /// swaps instead of being held aside.
    fn down_heap(&mut self, vm: &mut Vm, lo: usize, mut i: usize, n: usize) -> Result<(), SortError> {
        while i <= n >> 1 {
            let mut child = 2 * i;
            if child < n && self.compare(vm, lo + child - 1, lo + child)? == Ordering::Less {
                child += 1;
            }
            if self.compare(vm, lo + i - 1, lo + child - 1)? != Ordering::Less {
                break;
            }
            self.swap(lo + i - 1, lo + child - 1)?;
            i = child;
        }
        Ok(())
    }

    /// Insertion sort; the element being inserted moves down by swaps.
    fn insertion_sort(&mut self, vm: &mut Vm, lo: usize, n: usize) -> Result<(), SortError> {
        for i in 0..n - 1 {
            let mut j = i as isize;
            while j >= 0 && self.compare(vm, lo + j as usize + 1, lo + j as usize)? == Ordering::Less {
                self.swap(lo + j as usize, lo + j as usize + 1)?;
                j -= 1;
            }
        }
        Ok(())
    }
}

/// Binary search of a sorted sequence, as `List<T>.BinarySearch` does:
/// the index, or the bitwise complement of the insertion point.
pub fn binary_search(vm: &mut Vm, items: Seq<'_>, value: Value) -> Result<i64, VmError> {
    let mut comparing = Comparing::new(Comparer::Default);
    let (mut lo, mut hi) = (0i64, items.len() as i64 - 1);
    while lo <= hi {
        let mid = lo + ((hi - lo) >> 1);
        let Some(item) = items.get(mid as usize) else {
            return Err(VmError::throw(
                "System.InvalidOperationException",
                "Collection was modified; enumeration operation may not execute.",
            ));
        };
        match comparing.compare(vm, item, value)? {
            Ordering::Equal => return Ok(mid),
            Ordering::Less => lo = mid + 1,
            Ordering::Greater => hi = mid - 1,
        }
    }
    Ok(!lo)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_comparisons() {
        assert_eq!(compare_builtin(Value::Int(1), Value::Int(2)), Some(Ordering::Less));
        assert_eq!(compare_builtin(Value::Null, Value::Int(2)), Some(Ordering::Less));
        assert_eq!(compare_builtin(Value::Double(f64::NAN), Value::Double(1.0)), Some(Ordering::Less));
        assert_eq!(compare_builtin(Value::Int(2), Value::Double(1.5)), Some(Ordering::Greater));
        assert_eq!(compare_builtin(Value::Char(97), Value::Char(98)), Some(Ordering::Less));
    }
}
