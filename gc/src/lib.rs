//! A generational, non-moving, tracing collector for objects of variable
//! size whose first field is a [`GcHeader`] (the VM's objects: a header,
//! then their fields inline).
//!
//! # Invariants
//! 1. **Every object that the program can still reach is reachable from
//!    the roots at every collection.** A *root* is a [`Gc`] that the
//!    [`Roots`] passed to [`Heap::collect`] reports: the VM's active frames,
//!    statics, the ready and timer queues, and through them every suspended
//!    frame. An object is *reachable* if it is a root or is reported by the
//!    [`Trace::trace`] of a reachable object. Everything else is garbage,
//!    and a `Gc` kept anywhere else (a Rust local, a side table) may dangle
//!    after the next collection.
//! 2. **Every old object that holds a reference to a young object is
//!    remembered** (the generational invariant). Objects are born *young*;
//!    a young object that survives two minor collections becomes *old*, and
//!    so does every object that survives a major one. An old object is
//!    remembered when its header's `REMEMBERED` bit is set, and then it is
//!    in its heap's remembered set exactly once. The *write barrier* keeps
//!    this: the VM calls [`GcHeader::write_barrier`] (or
//!    [`GcHeader::touch`], when it cannot tell what it stores) on every
//!    store of a reference into a heap object, and a store of a young
//!    reference into an old, unremembered object remembers it. The
//!    collector keeps it too: an object promoted while it points to an
//!    object that stays young is remembered at once, and a remembered
//!    object that no longer points to a young one is forgotten.
//!
//! Invariant 1 is easy to keep because of **mutation xor collection**:
//! [`Heap::alloc_with`] never collects. Collections happen only when the VM
//! calls [`Heap::collect`] at a safepoint, between instructions, when no
//! `Gc` lives in a Rust local and no reference into the heap is borrowed.
//! The VM asks [`Heap::due`] at its safepoints; stress mode answers "a minor
//! collection" after every allocation (and "a major one" every
//! [`STRESS_MAJOR_EVERY`]th time), which is how a missing root is found;
//! [`Heap::verify_before`] is how a missing barrier is found (`--gc-verify`).
//!
//! # Layout
//! Every object is one cell: its [`GcHeader`] (the mark byte and the
//! generation bits), the object type's own header fields, then its fields.
//! An object of up to 2 KiB takes a cell of the smallest size class that
//! fits it (16, 24, .. 64, 80, .. 2048 bytes), in a 32 KiB block of cells of
//! that class; a larger object is its own allocation in the large-object
//! space (`space.rs`). A block ends with (and a large object's allocation
//! starts with) a pointer to its heap's remembered set, which is how the
//! barrier finds it from an object's address alone. A [`Gc`] points at the header and
//! never moves. The heap counts an object's bytes as its cell's size plus
//! its [`Trace::extra_bytes`].
//!
//! # Algorithm
//! Mark, then sweep, as in clox and Lua's `lgc.c`, in two kinds:
//! - a **major** collection marks everything reachable from the roots and
//!   sweeps every block; every survivor becomes old, so the remembered set
//!   empties;
//! - a **minor** collection (Lua 5.4's generational mode, Ruby's RGenGC)
//!   marks from the roots and the remembered set only, and treats old
//!   objects as marked without tracing them: its work grows with the young
//!   objects, the roots and the remembered set, never with the old heap. It
//!   sweeps only the young objects (the heap keeps a list of them), frees
//!   the unmarked ones and ages the survivors.
//!
//! So an old object that nothing stored into since it was promoted (a
//! suspended frame that has not been resumed) costs a minor collection
//! nothing: the seed's "aging". A minor collection is due when the young
//! budget ([`YOUNG_BUDGET`] to start with, larger while most young objects
//! survive, see [`HIGH_SURVIVAL`]) was allocated since the last collection;
//! it is a major one instead when the old generation has grown by
//! [`MAJOR_GROWTH`] times its size after the last major collection (Lua's
//! `genmajormul`), or the heap is past its limit.
//!
//! Marking uses an explicit stack in [`Tracer`], never recursion, so a list
//! of a million objects is traced in constant native stack. A reference
//! found is pushed with a prefetch of its header and checked when popped
//! (its header has usually arrived by then: marking is bound by those cache
//! misses). An object is marked in the current collection when its mark
//! equals the collection's epoch, so starting a collection unmarks every
//! object at once. Minor collections take their epochs from `1..128` and
//! major ones from `128..255`, each kind cycling through its own range; a
//! new object's mark is 0. So the sweeps never write a survivor's mark,
//! and no object's mark can be the epoch of the next collection that
//! looks at it: an old object's mark is that of the major collection that
//! last marked it or of the minor one that promoted it, never the next
//! major epoch, and a young object's is that of one of the (at most two)
//! minor collections since it was born. A collection interrupted by a
//! panic leaves marks that the next one of its kind does not mistake for
//! its own. Both sweeps finalize what they free
//! ([`Trace::finalize`]) and make its cell free for the next allocation of
//! its class; a major sweep also gives back the blocks left empty and
//! recounts the live bytes, because an object's [`Trace::extra_bytes`] may
//! have grown since it was allocated.

mod alloc;
mod space;
mod verify;
pub use alloc::Allocator;

use space::{FREE, Space};

use std::cell::{Cell, UnsafeCell};
use std::fmt;
use std::marker::PhantomData;
use std::mem::{align_of, size_of};
use std::ops::Deref;
use std::ptr::NonNull;
use std::time::{Duration, Instant};

#[cfg(test)]
mod tests;

/// Below this many bytes allocated since the last collection,
/// [`Heap::due`] says no (outside stress mode): the young generation's
/// least budget, where it starts.
pub const YOUNG_BUDGET: usize = 4 << 20;

/// The young generation's largest budget.
pub const MAX_YOUNG_BUDGET: usize = 64 << 20;

/// A minor collection after which more than this share of the young bytes
/// survived doubles the young budget (the next minor collection comes
/// later, giving objects more time to die: the generational hypothesis did
/// not hold); below [`LOW_SURVIVAL`], the budget halves, down to
/// [`YOUNG_BUDGET`]. As .NET sizes its gen-0 budget by survival.
pub const HIGH_SURVIVAL: f64 = 0.5;
pub const LOW_SURVIVAL: f64 = 0.15;

/// The old generation's growth since the last major collection, as a
/// multiple of its size then, that makes the next collection a major one.
pub const MAJOR_GROWTH: f64 = 1.0;

/// The least the old generation grows before a major collection is due.
pub const MIN_MAJOR_GROWTH: usize = 8 << 20;

/// In stress mode, every this many collections is a major one.
pub const STRESS_MAJOR_EVERY: u64 = 8;

/// The mark of a new object (no collection's epoch).
const CLEAN: u8 = 0;

/// The epochs of minor and major collections: each kind cycles through its
/// own range, so that an old object's mark (the epoch of the major
/// collection that last marked it, or of the minor one that promoted it)
/// is never the epoch of the next major collection.
const MINOR_EPOCHS: std::ops::Range<u8> = 1..128;
const MAJOR_EPOCHS: std::ops::Range<u8> = 128..FREE;

/// The epoch after `e` in `range`.
fn next_epoch(e: u8, range: std::ops::Range<u8>) -> u8 {
    if e < range.start || e >= range.end - 1 { range.start } else { e + 1 }
}

/// Header bits. `AGE`: a young object that survived one minor collection.
const AGE: u8 = 1;
/// An old object.
const OLD: u8 = 1 << 1;
/// An old object in its heap's remembered set.
const REMEMBERED: u8 = 1 << 2;
/// A large object: its allocation starts [`space::LARGE_PREFIX`] bytes
/// before it.
const LARGE: u8 = 1 << 3;
/// Seen by the verifier's walk.
const SEEN: u8 = 1 << 4;
/// The saved state of a suspended frame ([`GcHeader::new_suspended_frame`]).
const FRAME: u8 = 1 << 5;
/// Borrowed by the verifier while it runs: in the young list, in the
/// remembered set.
const LISTED_YOUNG: u8 = 1 << 6;
const LISTED_REMEMBERED: u8 = 1 << 7;

/// The collector's part of every object's header: the first field of every
/// heap object type. Two bytes; the object type puts its own header fields
/// right after it (the VM's: `GcHeader`, `kind: u8`, `aux: u8`,
/// `class: u32`, 8 bytes in all).
#[repr(C)]
#[derive(Debug)]
pub struct GcHeader {
    /// The epoch of the last collection that marked this object ([`CLEAN`]
    /// if none has); `FREE` in a free cell.
    mark: Cell<u8>,
    /// Its generation (`AGE`, `OLD`), `REMEMBERED`, `LARGE`, `FRAME`, and
    /// the verifier's `SEEN`, `LISTED_YOUNG`, `LISTED_REMEMBERED`.
    bits: Cell<u8>,
}

impl GcHeader {
    /// The header of a new object (young); the heap sets its mark once the
    /// object is written.
    pub const fn new() -> GcHeader {
        GcHeader { mark: Cell::new(CLEAN), bits: Cell::new(0) }
    }

    /// The header of a new object that holds a suspended frame's state
    /// (the VM's async1 state machines and async2 continuations): the
    /// collector counts the old ones a minor collection does not trace.
    pub const fn new_suspended_frame() -> GcHeader {
        GcHeader { mark: Cell::new(CLEAN), bits: Cell::new(FRAME) }
    }

    /// Whether it holds a suspended frame's state.
    fn is_frame(&self) -> bool {
        self.bits.get() & FRAME != 0
    }

    /// Whether the object is old.
    #[inline(always)]
    pub fn is_old(&self) -> bool {
        self.bits.get() & OLD != 0
    }

    /// The write barrier: call it whenever a reference to `target` is
    /// stored into this object. A young `target` stored into an old object
    /// remembers the object (invariant 2). Two loads and a compare when
    /// nothing is to be done.
    #[inline(always)]
    pub fn write_barrier(&self, target: &GcHeader) {
        if self.bits.get() & (OLD | REMEMBERED) == OLD && target.bits.get() & OLD == 0 {
            self.remember();
        }
    }

    /// The barrier for stores the caller cannot see one by one (a list's
    /// buffer borrowed for change): an old object is remembered whatever
    /// it will hold.
    #[inline(always)]
    pub fn touch(&self) {
        if self.bits.get() & (OLD | REMEMBERED) == OLD {
            self.remember();
        }
    }

    /// Puts this old object in its heap's remembered set.
    #[cold]
    #[inline(never)]
    fn remember(&self) {
        self.bits.set(self.bits.get() | REMEMBERED);
        // SAFETY: every object lives in a block or a large allocation of a
        // heap, whose header points at that heap's `Shared` (space.rs),
        // alive as long as the heap. The heap is not `Sync`, and no borrow
        // of the set is live outside `Heap::collect`, which runs no
        // barrier (tracing never stores).
        unsafe {
            let shared = space::shared_of(self);
            (*(*shared).remembered.get()).push(NonNull::from(self));
        }
    }
}

impl Default for GcHeader {
    fn default() -> Self {
        Self::new()
    }
}

/// What the objects of a heap reach it by: the remembered set, where
/// [`GcHeader::remember`] puts old objects.
pub(crate) struct Shared {
    remembered: UnsafeCell<Vec<NonNull<GcHeader>>>,
}

/// A heap object, which may hold [`Gc`] pointers to other objects of its
/// heap.
///
/// # Safety
/// The collector frees whatever `trace` does not report and reads the
/// header of every object, so an implementation must keep these rules:
/// 1. `trace` reports, through [`Tracer::mark`], every `Gc<Self>` the object
///    holds, directly or in any field, collection or cell it owns.
/// 2. Every `Gc` it reports was allocated by the same [`Heap`] as this object.
/// 3. `trace` does not mutate the object (through cells) in a way that adds,
///    removes or replaces a `Gc` it holds.
/// 4. `finalize`, `extra_bytes` and `size` never dereference a `Gc`: they run during the sweep, when the objects a
///    `Gc` points to may already be freed.
/// 5. `Self` is `#[repr(C)]` with a [`GcHeader`] as its first field and an
///    alignment of at most 8, and so is the real layout of every object
///    (the fields the VM reads past `Self` after checking its kind).
/// 6. Every store of a `Gc` into an existing object goes through
///    [`GcHeader::write_barrier`] or [`GcHeader::touch`] of that object
///    (stores into an object being initialized need none: it is young).
pub unsafe trait Trace {
    /// Reports every `Gc<Self>` this object holds, via `tracer.mark(..)`.
    fn trace(&self, tracer: &mut Tracer<Self>)
    where
        Self: Sized;

    /// The bytes the object occupies in its cell, header included (what
    /// [`Heap::alloc_with`] was asked for; the heap rounds it up to its size
    /// class).
    fn size(&self) -> usize;

    /// Bytes this object owns outside its heap cell (the buffers of its
    /// `Vec`s and `String`s), counted in the heap's size accounting.
    fn extra_bytes(&self) -> usize {
        0
    }

    /// A few words on the object for the verifier's reports.
    fn describe(&self) -> String {
        format!("an object of {} bytes", self.size())
    }

    /// Drops what the object owns (its `Vec` and `Box` fields), exactly
    /// once, when the sweep frees it or the heap is dropped; the cell is
    /// reused afterwards. Must not dereference any `Gc` (rule 4).
    ///
    /// # Safety
    /// `this` points to a live, initialized object of this heap, which is
    /// not used again.
    unsafe fn finalize(this: NonNull<Self>)
    where
        Self: Sized;
}

/// The VM's root set: every `Gc` it holds outside the heap.
pub trait Roots<T: Trace> {
    /// Reports every root via `tracer.mark(..)`.
    fn trace_roots(&self, tracer: &mut Tracer<T>);
}

/// A pointer to an object in a [`Heap`]: to its [`GcHeader`], the first
/// field. Copying it copies the pointer.
///
/// It stays valid as long as its object is reachable from the roots at every
/// collection (see the module docs) and the heap is alive. It is laid out
/// as the pointer alone (the VM's `Value::write` builds one from
/// [`Gc::addr`]).
#[repr(transparent)]
pub struct Gc<T: Trace> {
    ptr: NonNull<T>,
}

impl<T: Trace> Gc<T> {
    /// Whether `a` and `b` point to the same object.
    pub fn ptr_eq(a: Self, b: Self) -> bool {
        a.ptr == b.ptr
    }

    /// The object's address, for hashing and identity.
    pub fn addr(self) -> usize {
        self.ptr.as_ptr().addr()
    }

    /// The object's address as a pointer (the VM casts it to the object's
    /// real layout after reading its kind).
    pub fn as_ptr(self) -> NonNull<T> {
        self.ptr
    }

    /// The object's header.
    #[inline(always)]
    pub fn header(&self) -> &GcHeader {
        // SAFETY: the object is alive (as for `deref`) and starts with its
        // `GcHeader` (rule 5 of `Trace`).
        unsafe { self.ptr.cast::<GcHeader>().as_ref() }
    }

    /// Its generation as .NET numbers them: 0 for a young object that has
    /// survived no collection, 1 for one that survived one, 2 for an old one
    /// (what `GC.GetGeneration` answers).
    pub fn generation(self) -> u8 {
        let bits = self.header().bits.get();
        if bits & OLD != 0 { 2 } else { bits & AGE }
    }
}

impl<T: Trace> Clone for Gc<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Trace> Copy for Gc<T> {}

impl<T: Trace> Deref for Gc<T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the object is alive: collections free only objects that
        // are unreachable from the roots, and the caller of `Heap::collect`
        // promised that no `Gc` to such an object is used afterwards.
        unsafe { self.ptr.as_ref() }
    }
}

impl<T: Trace> fmt::Debug for Gc<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Gc({:#x})", self.addr())
    }
}

/// Which collection to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Collection {
    /// Young objects only: from the roots and the remembered set.
    Minor,
    /// Every object.
    Major,
}

/// The mark phase's state: which epoch counts as marked, and the stack of
/// objects marked but not yet traced.
pub struct Tracer<T: Trace> {
    epoch: u8,
    stack: Vec<Gc<T>>,
    /// A minor collection: old objects count as marked and are not traced.
    minor: bool,
    /// Objects a minor collection promotes that point to objects that stay
    /// young: remembered as soon as they are old.
    promoted_remembered: Vec<NonNull<GcHeader>>,
}

impl<T: Trace> Tracer<T> {
    /// Reports `g` reachable. It is marked, and its children traced, when
    /// the collector pops it off the mark stack, so this never recurses.
    ///
    /// It only queues `g` and asks the CPU to fetch its header: the mark is
    /// checked when `g` is popped, by which time the header has usually
    /// arrived (marking is bound by cache misses on objects' headers, so
    /// overlapping them pays).
    #[inline]
    pub fn mark(&mut self, g: Gc<T>) {
        space::prefetch(g.ptr.as_ptr().cast());
        self.stack.push(g);
    }

    /// Whether any object pushed since `from` is young and stays young
    /// after this minor collection (it has survived none yet).
    fn pushed_stays_young(&self, from: usize) -> bool {
        self.stack[from..].iter().any(|c| c.header().bits.get() & (OLD | AGE) == 0)
    }

    fn trace_marked(&mut self) {
        while let Some(g) = self.stack.pop() {
            let h = g.header();
            let bits = h.bits.get();
            if self.minor && bits & OLD != 0 {
                continue;
            }
            if h.mark.get() == self.epoch {
                continue;
            }
            h.mark.set(self.epoch);
            if self.minor && bits & AGE != 0 {
                // Promoted by this collection's sweep: if it holds an object
                // that stays young, it must be remembered once it is old.
                let from = self.stack.len();
                (*g).trace(self);
                if self.pushed_stays_young(from) {
                    h.bits.set(bits | REMEMBERED);
                    self.promoted_remembered.push(NonNull::from(h));
                }
            } else {
                (*g).trace(self);
            }
        }
    }
}

/// Counters for `--stats`.
#[derive(Clone, Debug, Default)]
pub struct HeapStats {
    /// Collections of both kinds, and their pauses (worked out from the
    /// per-kind figures below when read).
    pub collections: u64,
    pub total_pause: Duration,
    pub max_pause: Duration,
    pub minor_collections: u64,
    pub minor_total_pause: Duration,
    pub minor_max_pause: Duration,
    pub major_collections: u64,
    pub major_total_pause: Duration,
    pub major_max_pause: Duration,
    /// Bytes of the objects minor collections made old.
    pub bytes_promoted: u64,
    /// Objects in the remembered set after the last collection, and the
    /// most it has held after one.
    pub remembered: usize,
    pub remembered_max: usize,
    /// Old suspended frames (async1 state machines, async2 continuations)
    /// that minor collections did not trace, summed over them; and in the
    /// last one.
    pub frames_skipped: u64,
    pub frames_skipped_last: usize,
    pub objects_allocated: u64,
    /// Bytes of the cells allocated (and the extra bytes they owned then).
    pub bytes_allocated: u64,
    /// The most [`Heap::total_memory`] has been.
    pub peak_bytes: usize,
    /// Objects in the heap now: the survivors of the last collection and
    /// everything allocated since.
    pub objects_live: usize,
    /// Young objects now (counted in `objects_live`).
    pub objects_young: usize,
    /// Objects in the large-object space now (counted in `objects_live`).
    pub large_objects: usize,
    /// Blocks of cells held now, in all size classes.
    pub blocks: usize,
}

/// Owns every object allocated in it and frees them when it collects them
/// or is dropped. A `Gc` must not be used after its heap is dropped.
pub struct Heap<T: Trace> {
    /// The cells every object lives in.
    space: Space<T>,
    /// The remembered set, which objects reach through their block.
    shared: Box<Shared>,
    /// Every young object, by its cell (none when not `generational`: only
    /// minor collections need it).
    young: Vec<NonNull<u8>>,
    /// The marks of the last minor and major collections (see the module
    /// docs); the next of each kind marks with one more.
    minor_epoch: u8,
    major_epoch: u8,
    /// The mark stack, kept between collections for its capacity.
    mark_stack: Vec<Gc<T>>,
    stress: bool,
    /// Off: every collection [`Heap::due`] asks for is a major one (the
    /// non-generational collector, for comparison).
    generational: bool,
    /// Bytes of the objects that survived the last collection.
    live_bytes: usize,
    bytes_since_gc: usize,
    /// The young generation's budget now (see [`HIGH_SURVIVAL`]).
    young_budget: usize,
    /// See [`Heap::update_trigger`].
    trigger: usize,
    /// Bytes of old objects: after the last major collection, and now.
    old_after_major: usize,
    old_bytes: usize,
    /// Objects that survived the last collection, and `objects_allocated`
    /// when it started.
    live_after_gc: usize,
    allocated_at_gc: u64,
    /// Old suspended frames now (`GcHeader::new_suspended_frame`).
    old_frames: usize,
    /// The most bytes the heap may hold ([`Heap::set_limit`]).
    limit: usize,
    stats: HeapStats,
    /// The heap owns `T`s (for drop check) and is neither `Send` nor `Sync`.
    _owns: PhantomData<(T, *const ())>,
}

impl<T: Trace> Default for Heap<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: Trace> Heap<T> {
    pub fn new() -> Self {
        const { assert!(align_of::<T>() <= space::ALIGN, "heap objects are at most 8-aligned") };
        let shared = Box::new(Shared { remembered: UnsafeCell::new(Vec::new()) });
        Heap {
            space: Space::new(&raw const *shared),
            shared,
            young: Vec::new(),
            minor_epoch: MINOR_EPOCHS.end,
            major_epoch: MAJOR_EPOCHS.end,
            mark_stack: Vec::new(),
            stress: false,
            generational: true,
            live_bytes: 0,
            bytes_since_gc: 0,
            young_budget: YOUNG_BUDGET,
            trigger: YOUNG_BUDGET,
            old_after_major: 0,
            old_bytes: 0,
            old_frames: 0,
            live_after_gc: 0,
            allocated_at_gc: 0,
            limit: usize::MAX,
            stats: HeapStats::default(),
            _owns: PhantomData,
        }
    }

    pub fn with_stress(mut self, stress: bool) -> Self {
        self.stress = stress;
        self
    }

    /// In stress mode [`Heap::due`] asks for a collection after every
    /// allocation.
    pub fn set_stress(&mut self, stress: bool) {
        self.stress = stress;
        self.update_trigger();
    }

    /// A cell of at least `size` bytes (`size >= size_of::<T>()`), 8-aligned,
    /// which `init` fills with a whole object whose header it makes with
    /// [`GcHeader::new`]; the heap then marks it allocated. The object is
    /// young. Never collects. If `init` panics, the cell goes back to the
    /// heap.
    ///
    /// # Safety
    /// `init` writes a valid object of `size` bytes (see [`Trace`]'s rule 5)
    /// whose [`Trace::size`] is `size`.
    #[inline]
    pub unsafe fn alloc_with(&mut self, size: usize, init: impl FnOnce(NonNull<u8>)) -> Gc<T> {
        debug_assert!(size >= size_of::<T>());
        // SAFETY: the caller's promise.
        let (cell, cell_size) = unsafe { self.space.alloc(size, init) };
        if self.generational {
            self.young.push(cell);
        }
        let gc = Gc { ptr: cell.cast::<T>() };
        debug_assert_eq!(gc.size(), size);
        let bytes = cell_size + gc.extra_bytes();
        self.bytes_since_gc += bytes;
        self.stats.objects_allocated += 1;
        self.stats.bytes_allocated += bytes as u64;
        gc
    }

    /// Moves `value` into the heap, in a cell of `size_of::<T>()` bytes (for
    /// tests and objects with no fields past `T`). Its header must be a
    /// [`GcHeader::new`], and its [`Trace::size`] `size_of::<T>()`. Never
    /// collects.
    pub fn alloc(&mut self, value: T) -> Gc<T> {
        // SAFETY: `value` is a whole `T` of `size_of::<T>()` bytes, written
        // to a cell at least that large and 8-aligned (T's alignment is at
        // most 8, checked in `new`).
        unsafe { self.alloc_with(size_of::<T>(), |cell| cell.cast::<T>().write(value)) }
    }

    /// Off, every collection that [`Heap::due`] asks for is a major one, due
    /// once more than the live heap (at least [`YOUNG_BUDGET`]) was
    /// allocated since the last: the non-generational mark-sweep collector
    /// this heap was before (`--gc-major-only`, for comparison). Call it
    /// before the first allocation.
    pub fn set_generational(&mut self, on: bool) {
        self.generational = on;
        self.update_trigger();
    }

    /// Sets `trigger`, the bytes allocated since the last collection past
    /// which a collection is due: the young budget, or the live heap when
    /// not generational, or whatever is left under the limit; none in
    /// stress mode.
    fn update_trigger(&mut self) {
        let budget = if self.generational { self.young_budget } else { YOUNG_BUDGET.max(self.live_bytes) };
        self.trigger = if self.stress { 0 } else { budget.min(self.limit.saturating_sub(self.live_bytes)) };
    }

    /// Whether a collection is due at this safepoint (one compare: the VM
    /// asks after every allocation); [`Heap::due`] says which.
    #[inline(always)]
    pub fn should_collect(&self) -> bool {
        self.bytes_since_gc > self.trigger
    }

    /// The collection the VM should run at this safepoint, if any: a minor
    /// one once the young generation's budget is spent (every allocation,
    /// in stress mode, and a major one every [`STRESS_MAJOR_EVERY`]th), a
    /// major one when the old generation has grown enough or the heap is
    /// past its limit.
    pub fn due(&self) -> Option<Collection> {
        if !self.should_collect() {
            return None;
        }
        let major = if self.stress {
            (self.stats.minor_collections + self.stats.major_collections + 1).is_multiple_of(STRESS_MAJOR_EVERY)
        } else {
            let growth = ((self.old_after_major as f64 * MAJOR_GROWTH) as usize).max(MIN_MAJOR_GROWTH);
            self.over_limit() || self.old_bytes.saturating_sub(self.old_after_major) > growth
        };
        Some(if major || !self.generational { Collection::Major } else { Collection::Minor })
    }

    /// Caps the heap at `bytes`. Allocation itself never fails: the VM asks
    /// [`Heap::would_exceed`] before a large allocation and
    /// [`Heap::over_limit`] after a collection, and throws
    /// `OutOfMemoryException` when the answer is yes.
    pub fn set_limit(&mut self, bytes: usize) {
        self.limit = bytes;
        self.update_trigger();
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Whether the heap holds more than its limit.
    pub fn over_limit(&self) -> bool {
        self.total_memory() > self.limit
    }

    /// Whether `bytes` more would take the heap past its limit.
    pub fn would_exceed(&self, bytes: usize) -> bool {
        self.total_memory().saturating_add(bytes) > self.limit
    }

    /// Counts `bytes` that an object took outside its cell since it was
    /// allocated (a list's buffer grew): they count toward the next
    /// collection and the limit at once, not only at the next sweep.
    pub fn note_growth(&mut self, bytes: usize) {
        self.bytes_since_gc += bytes;
        self.stats.peak_bytes = self.stats.peak_bytes.max(self.total_memory());
    }

    /// Bytes live after the last collection plus bytes allocated since
    /// (what `GC.GetTotalMemory(false)` reports): cells at their class's
    /// size, plus what their objects own outside them.
    pub fn total_memory(&self) -> usize {
        self.live_bytes + self.bytes_since_gc
    }

    /// The counters now. The ones that follow from the heap's state (live
    /// and young objects, blocks, the peak) are worked out here rather than
    /// kept up to date at every allocation.
    pub fn stats(&self) -> HeapStats {
        let mut s = self.stats.clone();
        let since = (s.objects_allocated - self.allocated_at_gc) as usize;
        s.objects_live = self.live_after_gc + since;
        s.objects_young = if self.generational { self.young.len() } else { since };
        s.blocks = self.space.blocks();
        s.large_objects = self.space.large_objects();
        s.peak_bytes = s.peak_bytes.max(self.total_memory());
        s.collections = s.minor_collections + s.major_collections;
        s.total_pause = s.minor_total_pause + s.major_total_pause;
        s.max_pause = s.minor_max_pause.max(s.major_max_pause);
        s
    }

    /// The bytes allocated since the last collection after which a minor
    /// collection is due (see [`HIGH_SURVIVAL`]).
    pub fn young_budget(&self) -> usize {
        self.young_budget
    }

    /// The remembered set.
    fn remembered(&mut self) -> &mut Vec<NonNull<GcHeader>> {
        self.shared.remembered.get_mut()
    }

    /// Runs a collection of this kind: a major one marks everything
    /// reachable from `roots` and frees everything else; a minor one frees
    /// the young objects that neither `roots` nor the remembered set reach.
    ///
    /// # Safety
    /// Call it only at a safepoint, where `roots` (and the objects it reaches)
    /// hold every `Gc` that will be dereferenced after this call, every
    /// `Gc` that `roots` reports points to a live object of this heap, and
    /// every store into the heap went through the write barrier (rule 6 of
    /// [`Trace`]). Any other `Gc` may dangle once this returns.
    pub unsafe fn collect(&mut self, roots: &dyn Roots<T>, kind: Collection) {
        let start = Instant::now();
        // The heap is at its largest just before a sweep.
        self.stats.peak_bytes = self.stats.peak_bytes.max(self.total_memory());
        self.live_after_gc += (self.stats.objects_allocated - self.allocated_at_gc) as usize;
        self.allocated_at_gc = self.stats.objects_allocated;
        let epoch = match kind {
            Collection::Minor => {
                self.minor_epoch = next_epoch(self.minor_epoch, MINOR_EPOCHS);
                self.minor_epoch
            }
            Collection::Major => {
                self.major_epoch = next_epoch(self.major_epoch, MAJOR_EPOCHS);
                self.major_epoch
            }
        };
        let mut stack = std::mem::take(&mut self.mark_stack);
        stack.clear();
        let minor = kind == Collection::Minor;
        let mut tracer = Tracer { epoch, stack, minor, promoted_remembered: Vec::new() };
        roots.trace_roots(&mut tracer);
        tracer.trace_marked();
        if minor {
            self.trace_remembered(&mut tracer);
        }
        let promoted_remembered = std::mem::take(&mut tracer.promoted_remembered);
        self.mark_stack = tracer.stack;
        match kind {
            Collection::Minor => self.sweep_young(promoted_remembered, epoch),
            Collection::Major => self.sweep_all(epoch),
        }

        let pause = start.elapsed();
        let remembered = self.remembered().len();
        let s = &mut self.stats;
        let (count, total, max) = match kind {
            Collection::Minor => (&mut s.minor_collections, &mut s.minor_total_pause, &mut s.minor_max_pause),
            Collection::Major => (&mut s.major_collections, &mut s.major_total_pause, &mut s.major_max_pause),
        };
        *count += 1;
        *total += pause;
        *max = (*max).max(pause);
        s.remembered = remembered;
        s.remembered_max = s.remembered_max.max(remembered);
    }

    /// A minor collection's second set of roots: each remembered object's
    /// children (the object itself is old). An object that no longer holds
    /// an object that stays young is forgotten.
    fn trace_remembered(&mut self, tracer: &mut Tracer<T>) {
        let list = std::mem::take(self.remembered());
        let mut kept = Vec::with_capacity(list.len());
        let mut frames = 0;
        for h in list {
            let g = Gc { ptr: h.cast::<T>() };
            let from = tracer.stack.len();
            (*g).trace(tracer);
            frames += usize::from(g.header().is_frame());
            if tracer.pushed_stays_young(from) {
                kept.push(h);
            } else {
                // SAFETY: remembered objects are old, so alive.
                let header = unsafe { h.as_ref() };
                header.bits.set(header.bits.get() & !REMEMBERED);
            }
            tracer.trace_marked();
        }
        *self.remembered() = kept;
        let skipped = self.old_frames.saturating_sub(frames);
        self.stats.frames_skipped += skipped as u64;
        self.stats.frames_skipped_last = skipped;
    }

    /// A minor collection's sweep: frees the unmarked young objects, ages
    /// the marked ones and promotes those that had aged already.
    fn sweep_young(&mut self, promoted_remembered: Vec<NonNull<GcHeader>>, epoch: u8) {
        let mut young = std::mem::take(&mut self.young);
        // SAFETY: the young list holds exactly the young objects, each whole.
        let counts = unsafe { self.space.sweep_young(&mut young, epoch) };
        self.young = young;
        self.remembered().extend(promoted_remembered);
        // Only a collection that the budget called for says how the budget
        // fits (not a forced one soon after another).
        if self.bytes_since_gc >= self.young_budget / 2 {
            let survived = 1.0 - counts.dead_bytes as f64 / self.bytes_since_gc as f64;
            if survived > HIGH_SURVIVAL {
                self.young_budget = (self.young_budget * 2).min(MAX_YOUNG_BUDGET);
            } else if survived < LOW_SURVIVAL {
                self.young_budget = (self.young_budget / 2).max(YOUNG_BUDGET);
            }
        }
        self.live_bytes = (self.live_bytes + self.bytes_since_gc).saturating_sub(counts.dead_bytes);
        self.bytes_since_gc = 0;
        self.update_trigger();
        self.old_bytes += counts.promoted_bytes;
        self.old_frames += counts.promoted_frames;
        self.stats.bytes_promoted += counts.promoted_bytes as u64;
        self.live_after_gc -= counts.freed;
    }

    /// A major collection's sweep: frees every unmarked object; every
    /// survivor is old.
    fn sweep_all(&mut self, epoch: u8) {
        for h in self.remembered().drain(..) {
            // SAFETY: remembered objects are old, and not freed yet.
            let h = unsafe { h.as_ref() };
            h.bits.set(h.bits.get() & !REMEMBERED);
        }
        let counts = self.space.sweep(epoch);
        self.young.clear();
        // Objects may have grown since they were allocated; count the heap at
        // its largest, just before this sweep.
        self.stats.peak_bytes = self.stats.peak_bytes.max(counts.live_bytes + counts.dead_bytes);
        self.live_after_gc = counts.live;
        self.live_bytes = counts.live_bytes;
        self.bytes_since_gc = 0;
        self.update_trigger();
        self.old_bytes = counts.live_bytes;
        self.old_after_major = counts.live_bytes;
        self.old_frames = counts.frames;
    }

    /// Checks the heap's invariants before a collection (`--gc-verify`):
    /// every young object is in the young list, the remembered set and the
    /// remembered bits agree, no object holds a freed cell, and every old
    /// object that holds a young one is remembered. Slow: it walks the whole
    /// heap. Call it at a safepoint.
    pub fn verify_before(&mut self) -> Result<(), String> {
        // SAFETY: the lists hold live objects of this heap (invariant).
        unsafe { verify::before(self) }
    }

    /// Checks after a collection: after a major one, that nothing reachable
    /// from `roots` was freed (after a minor one, [`Heap::verify_before`]
    /// of the next collection checks what could have gone wrong).
    ///
    /// # Safety
    /// As for [`Heap::collect`]: `roots` reports only live objects of this
    /// heap, which hold every `Gc` the program can reach.
    pub unsafe fn verify_after(&mut self, roots: &dyn Roots<T>, kind: Collection) -> Result<(), String> {
        match kind {
            // SAFETY: the caller's promise.
            Collection::Major => unsafe { verify::after_major(roots) },
            Collection::Minor => Ok(()),
        }
    }
}

impl<T: Trace> Drop for Heap<T> {
    fn drop(&mut self) {
        self.space.drop_all();
    }
}
