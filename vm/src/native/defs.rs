//! What a native is: a plain Rust function over the VM and its arguments,
//! and the row that names it in the table. The rows themselves live with
//! their code (`builtins/` for the library, `async1/builder.rs` for the
//! async1 method builders); [`super::NATIVES`] puts them together.
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
use crate::error::VmError;
use crate::value::Value;

pub type NativeFn = fn(&mut Vm, &[Value]) -> Result<Value, VmError>;

/// One built-in method, property accessor or constructor.
#[derive(Clone, Copy)]
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

/// A static member.
pub(crate) const fn st(
    owner: &'static str,
    name: &'static str,
    params: &'static [&'static str],
    ret: &'static str,
    f: NativeFn,
) -> NativeDef {
    NativeDef { owner, name, is_static: true, params, ret, f }
}

/// An instance member: the receiver is `args[0]`.
pub(crate) const fn me(
    owner: &'static str,
    name: &'static str,
    params: &'static [&'static str],
    ret: &'static str,
    f: NativeFn,
) -> NativeDef {
    NativeDef { owner, name, is_static: false, params, ret, f }
}
