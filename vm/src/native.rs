//! The interface between the interpreter and the built-in library.
//!
//! A native is a plain Rust function over the VM and its arguments. The
//! compiler finds natives by owner, name and arity in [`NATIVES`] and emits
//! `CallNative` with the row's index; the signature strings let it type the
//! result (`"T"` is the receiver's first type argument, `"K"`/`"V"` a
//! dictionary's).
//!
//! Rules for natives (they keep the GC sound):
//! 1. A native may allocate freely: allocation never collects. `GC.Collect`
//!    asks for a collection ([`crate::Vm::request_collection`]); it happens at
//!    the safepoint right after the native returns.
//! 2. A native that calls back into bytecode ([`crate::Vm::invoke`],
//!    [`crate::Vm::display`], [`crate::Vm::equals`]) lets collections happen:
//!    every `Gc` it still uses afterwards must be reachable from its
//!    arguments (which stay in the caller's registers until it returns), and
//!    it must not hold a `RefCell` borrow of a heap object across the call.

use crate::Vm;
use crate::bytecode::NativeId;
use crate::error::VmError;
use crate::value::Value;

pub type NativeFn = fn(&mut Vm, &[Value]) -> Result<Value, VmError>;

/// One built-in method, property accessor or constructor.
pub struct NativeDef {
    /// The type it belongs to, by its C# name: `Console`, `Math`, `String`,
    /// `Int32`, `List`, `Dictionary`, `Object`, `TextWriter`, ...
    pub owner: &'static str,
    /// The member: `WriteLine`, `get_Count`, `set_Item`, `.ctor`.
    pub name: &'static str,
    /// Instance natives receive the receiver as `args[0]`.
    pub is_static: bool,
    /// Parameter types (not counting the receiver), as C# spells them; used
    /// to pick between overloads of the same arity. `"object"` accepts anything.
    pub params: &'static [&'static str],
    /// Result type as C# spells it (`"void"`, `"int"`, `"T"`, `"List<T>"`).
    pub ret: &'static str,
    pub f: NativeFn,
}

pub use crate::builtins::NATIVES;

/// The natives with this owner, name and number of parameters (not counting
/// the receiver), with their ids.
pub fn lookup(owner: &str, name: &str, params: usize) -> impl Iterator<Item = (NativeId, &'static NativeDef)> {
    let owner = owner.to_owned();
    let name = name.to_owned();
    NATIVES
        .iter()
        .enumerate()
        .filter(move |(_, d)| d.owner == owner && d.name == name && d.params.len() == params)
        .map(|(i, d)| (NativeId(i as u16), d))
}

/// Whether the owner has any member by this name (for "unknown member" errors).
pub fn has_member(owner: &str, name: &str) -> bool {
    NATIVES.iter().any(|d| d.owner == owner && d.name == name)
}

pub fn def(id: NativeId) -> &'static NativeDef {
    &NATIVES[id.index()]
}
