//! The heap verifier (`--gc-verify`), after CoreCLR's GC stress checks and
//! V8's heap verification: a walk that finds a missing write barrier, or a
//! collector bug, when it happens rather than when a freed cell is reused.
//!
//! Before every collection it walks every object in the heap and checks:
//! 1. every young object is in the young list, every object whose
//!    `REMEMBERED` bit is set is in the remembered set (once), and the set
//!    holds nothing else;
//! 2. no object holds a reference to a free cell (a root or a barrier missed
//!    by an earlier collection, or a sweep that freed a marked object);
//! 3. every old object that holds a young one is remembered (the
//!    generational invariant: a write barrier missed).
//!
//! Together these say that the next collection frees nothing reachable: a
//! minor collection marks every young object reachable from the roots and
//! through remembered objects, and by 3 no other old object holds one.
//! After a major collection it also walks everything reachable from the
//! roots and checks that none of it was freed.

use std::ptr::NonNull;

use crate::space::FREE;
use crate::{Gc, GcHeader, Heap, LISTED_REMEMBERED, LISTED_YOUNG, OLD, REMEMBERED, Roots, SEEN, Trace, Tracer};

fn tracer<T: Trace>() -> Tracer<T> {
    Tracer { epoch: 0, stack: Vec::new(), minor: false, promoted_remembered: Vec::new() }
}

fn set(h: &GcHeader, bit: u8) {
    h.bits.set(h.bits.get() | bit);
}

fn clear(h: &GcHeader, bit: u8) {
    h.bits.set(h.bits.get() & !bit);
}

/// The checks before a collection (see the module docs).
///
/// # Safety
/// The heap's lists hold live objects of it.
pub(crate) unsafe fn before<T: Trace>(heap: &mut Heap<T>) -> Result<(), String> {
    let generational = heap.generational;
    for cell in &heap.young {
        // SAFETY: the young list holds live objects.
        set(unsafe { &*cell.as_ptr().cast::<GcHeader>() }, LISTED_YOUNG);
    }
    let mut problem = None;
    for h in heap.shared.remembered.get_mut().iter() {
        // SAFETY: the remembered set holds live objects.
        let h = unsafe { h.as_ref() };
        if h.bits.get() & LISTED_REMEMBERED != 0 {
            problem.get_or_insert_with(|| "an object is in the remembered set twice".to_owned());
        }
        set(h, LISTED_REMEMBERED);
    }
    let mut t = tracer::<T>();
    heap.space.for_each(|cell| {
        let g = Gc { ptr: cell.cast::<T>() };
        let h = g.header();
        let bits = h.bits.get();
        clear(h, LISTED_YOUNG | LISTED_REMEMBERED);
        if problem.is_some() {
            return;
        }
        let addr = cell.as_ptr().addr();
        let old = bits & OLD != 0;
        if !old && generational && bits & LISTED_YOUNG == 0 {
            problem = Some(format!("{} at {addr:#x} is young but not in the young list", g.describe()));
        } else if (bits & REMEMBERED != 0) != (bits & LISTED_REMEMBERED != 0) {
            problem = Some(format!("{} at {addr:#x}: its remembered bit disagrees with the set", g.describe()));
        } else if bits & REMEMBERED != 0 && !old {
            problem = Some(format!("{} at {addr:#x} is young and remembered", g.describe()));
        }
        if problem.is_some() {
            return;
        }
        t.stack.clear();
        (*g).trace(&mut t);
        for c in &t.stack {
            let ch = c.header();
            if ch.mark.get() == FREE {
                problem = Some(format!(
                    "{} at {addr:#x} holds a freed cell at {:#x} (a root or a barrier missed)",
                    g.describe(),
                    c.addr()
                ));
                return;
            }
            if old && bits & REMEMBERED == 0 && !ch.is_old() {
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
    problem.map_or(Ok(()), Err)
}

/// After a major collection: nothing reachable from `roots` was freed.
///
/// # Safety
/// `roots` reports only objects of `heap`.
pub(crate) unsafe fn after_major<T: Trace>(roots: &dyn Roots<T>) -> Result<(), String> {
    let mut t = tracer::<T>();
    roots.trace_roots(&mut t);
    let mut seen: Vec<NonNull<GcHeader>> = Vec::new();
    let mut result = Ok(());
    while let Some(g) = t.stack.pop() {
        let h = g.header();
        if h.mark.get() == FREE {
            result = Err(format!("a reachable object at {:#x} was freed", g.addr()));
            break;
        }
        if h.bits.get() & SEEN != 0 {
            continue;
        }
        set(h, SEEN);
        seen.push(NonNull::from(h));
        (*g).trace(&mut t);
    }
    for h in seen {
        // SAFETY: seen above, so alive.
        clear(unsafe { h.as_ref() }, SEEN);
    }
    result
}
