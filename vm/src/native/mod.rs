//! The interface between the interpreter and the built-in library.
//!
//! A native is a plain Rust function over the VM and its arguments (see
//! [`defs`] for what one is and the rules it keeps). The compiler finds
//! natives by owner, name and arity in [`NATIVES`] and emits `CallNative`
//! with the row's index; the signature strings let it type the result
//! (`"T"` is the receiver's first type argument, `"K"`/`"V"` a
//! dictionary's).
//!
//! [`NATIVES`] is put together here, at compile time, from the rows of their
//! owners: the library's ([`crate::builtins::LIBRARY`]) and the async1
//! method builders' ([`crate::async1::builder::NATIVES`]), so that neither
//! owner imports the other; both import only [`defs`].

pub mod defs;

pub use defs::{NativeDef, NativeFn};

use crate::bytecode::NativeId;

const LIBRARY: &[NativeDef] = crate::builtins::LIBRARY;
const BUILDERS: &[NativeDef] = crate::async1::builder::NATIVES;

/// Every native: the library's rows, then the async1 builders'. A row's
/// index is its [`NativeId`].
pub static NATIVES: [NativeDef; LIBRARY.len() + BUILDERS.len()] = concat(LIBRARY, BUILDERS);

const fn concat<const N: usize>(a: &[NativeDef], b: &[NativeDef]) -> [NativeDef; N] {
    assert!(a.len() + b.len() == N && N > 0);
    let mut out = [a[0]; N];
    let mut i = 0;
    while i < a.len() {
        out[i] = a[i];
        i += 1;
    }
    let mut j = 0;
    while j < b.len() {
        out[a.len() + j] = b[j];
        j += 1;
    }
    out
}

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

/// The native that code a backend generates calls (a builder's `SetResult`,
/// `AsyncMethodBuilderCore.RestoreContexts`, ...): the first with this
/// owner, name and number of parameters. Its absence is a bug in the VM.
pub fn required(owner: &str, name: &str, params: usize) -> NativeId {
    lookup(owner, name, params)
        .next()
        .map(|(id, _)| id)
        .unwrap_or_else(|| panic!("the library has no {owner}.{name}/{params}: generated code needs it"))
}

/// Whether the owner has any member by this name (for "unknown member" errors).
pub fn has_member(owner: &str, name: &str) -> bool {
    NATIVES.iter().any(|d| d.owner == owner && d.name == name)
}

pub fn def(id: NativeId) -> &'static NativeDef {
    &NATIVES[id.index()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_two_rows_share_a_signature() {
        for (i, a) in NATIVES.iter().enumerate() {
            for b in &NATIVES[i + 1..] {
                assert!(
                    !(a.owner == b.owner && a.name == b.name && a.is_static == b.is_static && a.params == b.params),
                    "{}.{}({:?}) is declared twice",
                    a.owner,
                    a.name,
                    a.params
                );
            }
        }
    }

    #[test]
    fn constructors_are_static_and_return_their_type() {
        for d in NATIVES.iter().filter(|d| d.name == ".ctor") {
            assert!(d.is_static, "{}.ctor must be static", d.owner);
            assert!(d.ret != "void", "{}.ctor returns the new object", d.owner);
        }
    }

    #[test]
    fn type_strings_use_the_documented_vocabulary() {
        fn known(t: &str) -> bool {
            let t = ["out ", "ref ", "params "].iter().find_map(|m| t.strip_prefix(m)).unwrap_or(t);
            let t = t.strip_suffix("[]").unwrap_or(t);
            matches!(
                t,
                "int"
                    | "long"
                    | "double"
                    | "decimal"
                    | "bool"
                    | "char"
                    | "string"
                    | "object"
                    | "void"
                    | "T"
                    | "K"
                    | "V"
                    | "Type"
                    | "TimeSpan"
                    | "Stopwatch"
                    | "TextWriter"
                    | "List<T>"
                    | "List<K>"
                    | "List<V>"
                    | "Dictionary<K,V>"
                    | "KeyValuePair<K,V>"
                    | "IEnumerable<T>"
                    | "Predicate<T>"
                    | "Action<T>"
                    | "Comparison<T>"
                    | "IComparer<T>"
            ) || is_async_type(t)
        }
        // The async library's types (tasks.rs, threading.rs, async1/builder.rs).
        fn is_async_type(t: &str) -> bool {
            t.starts_with("Task")
                || t.starts_with("ValueTask")
                || t.starts_with("Configured")
                || t.starts_with("Func<")
                || t.starts_with("List<Task")
                || matches!(
                    t,
                    "YieldAwaitable"
                        | "YieldAwaiter"
                        | "Action"
                        | "Exception"
                        | "AggregateException"
                        | "CancellationToken"
                        | "CancellationTokenSource"
                        | "AsyncLocal<T>"
                        | "Lazy<T>"
                        | "AsyncFlowControl"
                        | "WaitCallback"
                        | "Action<Task<T>>"
                )
        }
        for d in NATIVES {
            assert!(known(d.ret), "{}.{} returns {}", d.owner, d.name, d.ret);
            for p in d.params {
                assert!(known(p), "{}.{} takes {}", d.owner, d.name, p);
            }
        }
    }
}
