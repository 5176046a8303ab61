//! `System.GC`, answered from the VM's own generational collector. Its
//! generations as .NET numbers them: 0, young objects that survived no
//! collection; 1, young objects that survived one; 2, old objects. A minor
//! collection collects generations 0 and 1 (every young object), a major
//! one all three, so `CollectionCount(0)` and `(1)` count both kinds and
//! `CollectionCount(2)` the major ones.

use crate::Vm;
use crate::state::Collection;
use crate::value::Value;

use super::args::{NativeResult, argument_null, bool_arg, int_arg, out_of_range};
use super::time::TimeSpan;

/// `GC.Collect()` (major) / `GC.Collect(generation)` (0 and 1: minor; 2
/// and above: major): the collection runs at the safepoint right after
/// this native returns, so the next statement sees it.
pub fn collect(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let kind = if args.is_empty() {
        Collection::Major
    } else {
        match int_arg(vm, args, 0)? {
            g if g < 0 => return Err(out_of_range("generation", "Value must be positive.")),
            0 | 1 => Collection::Minor,
            _ => Collection::Major,
        }
    };
    vm.request_collection(kind);
    Ok(Value::Null)
}

/// `GC.GetTotalMemory(forceFullCollection)`. A forced collection happens
/// only after this returns, so the figure is the one before it.
pub fn get_total_memory(vm: &mut Vm, args: &[Value]) -> NativeResult {
    if bool_arg(vm, args, 0)? {
        vm.request_collection(Collection::Major);
    }
    Ok(Value::Int(vm.heap().total_memory() as i64))
}

pub fn collection_count(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let generation = int_arg(vm, args, 0)?;
    if generation < 0 {
        return Err(out_of_range("generation", "Value must be positive."));
    }
    let stats = vm.heap().stats();
    let count = match generation {
        0 | 1 => stats.collections,
        2 => stats.major_collections,
        _ => 0,
    };
    Ok(Value::Int(count as i64))
}

/// `GC.GetGeneration(obj)`: 0, 1 or 2 (see the module docs). A number,
/// which .NET would box into a new object, is in generation 0.
pub fn get_generation(_vm: &mut Vm, args: &[Value]) -> NativeResult {
    match args.first() {
        Some(Value::Obj(o)) => Ok(Value::Int(i64::from(o.generation()))),
        Some(Value::Null) | None => Err(argument_null("obj")),
        Some(_) => Ok(Value::Int(0)),
    }
}

pub fn get_total_pause_duration(vm: &mut Vm, _args: &[Value]) -> NativeResult {
    let pause = vm.heap().stats().total_pause;
    Ok(TimeSpan::value(vm, TimeSpan::from_duration(pause)))
}

pub fn get_total_allocated_bytes(vm: &mut Vm, _args: &[Value]) -> NativeResult {
    Ok(Value::Int(vm.heap().stats().bytes_allocated as i64))
}

pub fn max_generation(_vm: &mut Vm, _args: &[Value]) -> NativeResult {
    Ok(Value::Int(2))
}

/// `GC.KeepAlive`, `GC.SuppressFinalize`, `GC.WaitForPendingFinalizers`:
/// toy has no finalizers, so there is nothing to do.
pub fn no_op(_vm: &mut Vm, _args: &[Value]) -> NativeResult {
    Ok(Value::Null)
}
