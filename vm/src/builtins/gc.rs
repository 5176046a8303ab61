//! `System.GC`, answered from the VM's own collector. Every generation is
//! the one heap: `CollectionCount(0)`, `(1)` and `(2)` all count full
//! collections.

use crate::Vm;
use crate::value::Value;

use super::args::{NativeResult, bool_arg, int_arg, out_of_range};
use super::time::TimeSpan;

/// `GC.Collect()` / `GC.Collect(generation)`: the collection runs at the
/// safepoint right after this native returns, so the next statement sees it.
pub fn collect(vm: &mut Vm, _args: &[Value]) -> NativeResult {
    vm.request_collection();
    Ok(Value::Null)
}

/// `GC.GetTotalMemory(forceFullCollection)`. A forced collection happens
/// only after this returns, so the figure is the one before it.
pub fn get_total_memory(vm: &mut Vm, args: &[Value]) -> NativeResult {
    if bool_arg(vm, args, 0)? {
        vm.request_collection();
    }
    Ok(Value::Int(vm.heap().total_memory() as i64))
}

pub fn collection_count(vm: &mut Vm, args: &[Value]) -> NativeResult {
    let generation = int_arg(vm, args, 0)?;
    if generation < 0 {
        return Err(out_of_range("generation", "Value must be positive."));
    }
    let count = if generation <= 2 { vm.heap().stats().collections as i64 } else { 0 };
    Ok(Value::Int(count))
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
