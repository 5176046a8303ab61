//! The heap verifier (`--gc-verify`), after CoreCLR's GC stress checks and
//! V8's heap verification: a slow walk that finds a missing write barrier or
//! a missing root when it happens, not when a freed cell is reused.
//!
//! It checks:
//! 1. every old object that holds a young one is remembered (the
//!    generational invariant: a barrier missed), every remembered object is
//!    old and in the remembered set, and every young object is in the young
//!    list;
//! 2. nothing reachable from the roots is a free cell (a root or a barrier
//!    missed by an earlier collection).

use std::collections::HashSet;
use std::ptr::NonNull;

use crate::space::FREE;
use crate::{Gc, GcHeader, Heap, OLD, REMEMBERED, Roots, SEEN, Trace, Tracer};

/// A tracer that only collects what an object reports.
fn children<T: Trace>(g: Gc<T>) -> Vec<Gc<T>> {
    let mut t = Tracer { epoch: 0, stack: Vec::new(), minor: false, promoted_remembered: Vec::new() };
    (*g).trace(&mut t);
    t.stack
}

/// See the module docs.
///
/// # Safety
/// `roots` reports only live objects of `heap`.
pub(crate) unsafe fn verify<T: Trace>(heap: &mut Heap<T>, roots: &dyn Roots<T>) -> Result<(), String> {
    let remembered: HashSet<usize> = heap.remembered().iter().map(|h| h.as_ptr().addr()).collect();
    if remembered.len() != heap.remembered().len() {
        return Err("an object is in the remembered set twice".into());
    }
    let young: HashSet<usize> = heap.young.iter().map(|c| c.as_ptr().addr()).collect();
    let mut problem = None;
    heap.space.for_each(|cell| {
        if problem.is_some() {
            return;
        }
        let g = Gc { ptr: cell.cast::<T>() };
        let bits = g.header().bits.get();
        let addr = cell.as_ptr().addr();
        if bits & OLD == 0 {
            if heap.generational && !young.contains(&addr) {
                problem = Some(format!("{} at {addr:#x} is young but not in the young list", g.describe()));
            }
            return;
        }
        if (bits & REMEMBERED != 0) != remembered.contains(&addr) {
            problem = Some(format!("{} at {addr:#x}: its remembered bit disagrees with the set", g.describe()));
            return;
        }
        if bits & REMEMBERED != 0 {
            return;
        }
        for c in children(g) {
            if c.header().mark.get() != FREE && !c.header().is_old() {
                problem = Some(format!(
                    "{} at {addr:#x} is old, not remembered, and holds young {} at {:#x} (a write barrier missed)",
                    g.describe(),
                    c.describe(),
                    c.addr()
                ));
                return;
            }
        }
    });
    if let Some(p) = problem {
        return Err(p);
    }
    for h in heap.remembered().iter() {
        // SAFETY: remembered objects are old and alive.
        let h: &GcHeader = unsafe { h.as_ref() };
        if !h.is_old() {
            return Err("a young object is in the remembered set".into());
        }
    }

    // 2. A walk from the roots, marking with SEEN.
    let mut t = Tracer { epoch: 0, stack: Vec::new(), minor: false, promoted_remembered: Vec::new() };
    roots.trace_roots(&mut t);
    let mut seen: Vec<NonNull<GcHeader>> = Vec::new();
    let mut result = Ok(());
    while let Some(g) = t.stack.pop() {
        let h = g.header();
        if h.mark.get() == FREE {
            result = Err(format!("a reachable object at {:#x} was freed (a root or a barrier missed)", g.addr()));
            break;
        }
        if h.bits.get() & SEEN != 0 {
            continue;
        }
        h.bits.set(h.bits.get() | SEEN);
        seen.push(NonNull::from(h));
        (*g).trace(&mut t);
    }
    for h in seen {
        // SAFETY: marked above, so alive.
        let h = unsafe { h.as_ref() };
        h.bits.set(h.bits.get() & !SEEN);
    }
    result
}
