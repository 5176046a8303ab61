//! A tracing mark-sweep collector for objects of variable size whose first
//! field is a [`GcHeader`] (the VM's objects: a header, then their fields
//! inline).
//!
//! # Invariant
//! **Every object that the program can still reach is reachable from the
//! roots at every collection.** A *root* is a [`Gc`] that the [`Roots`]
//! passed to [`Heap::collect`] reports: the VM's active frames, statics, the
//! ready and timer queues, and through them every suspended frame. An object
//! is *reachable* if it is a root or is reported by the [`Trace::trace`] of a
//! reachable object. Everything else is garbage and the next collection
//! frees it, so a `Gc` kept anywhere else (a Rust local, a side table) dangles
//! after that collection.
//!
//! That invariant is easy to keep because of **mutation xor collection**:
//! [`Heap::alloc_with`] never collects. Collections happen only when the VM
//! calls [`Heap::collect`] at a safepoint, between instructions, when no `Gc`
//! lives in a Rust local and no reference into the heap is borrowed. The VM
//! asks [`Heap::should_collect`] at its safepoints; stress mode answers "yes"
//! after every allocation, which is how a missing root is found.
//!
//! # Layout
//! Every object is one cell: its [`GcHeader`] (the mark byte and a byte
//! reserved for the generational collector), the object type's own header
//! fields, then its fields. An object of up to 2 KiB takes a cell of the
//! smallest size class that fits it (16, 24, .. 64, 80, .. 2048 bytes), in a
//! 32 KiB block of cells of that class; a larger object is its own
//! allocation in the large-object space (`space.rs`). A [`Gc`] points at the
//! header. The heap counts an object's bytes as its cell's size plus its
//! [`Trace::extra_bytes`].
//!
//! # Algorithm
//! Mark, then sweep, as in clox and Lua's `lgc.c`. Marking uses an explicit
//! stack in [`Tracer`], never recursion, so a list of a million objects is
//! traced in constant native stack. A reference found is pushed with a
//! prefetch of its header and checked when popped (its header has usually
//! arrived by then: marking is bound by those cache misses). An object is
//! marked in the current
//! collection when its header's mark equals the heap's epoch; starting a
//! collection bumps the epoch (a byte, skipping the free cells' mark), which
//! unmarks every object at once (and a collection interrupted by a panic
//! leaves no stale marks behind, unless 254 collections in a row panic).
//! After a collection every object carries the epoch, and so does every
//! object allocated until the next one. The sweep visits every block of every
//! class, cell by cell, finalizes the unmarked objects ([`Trace::finalize`]),
//! makes their cells free for the next allocations of their class, gives
//! back the blocks left empty, frees the unmarked large objects, and
//! recounts the live bytes, because an object's [`Trace::extra_bytes`] may
//! have grown since it was allocated.

mod alloc;
mod space;
pub use alloc::Allocator;

use space::{FREE, Space};

use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;
use std::mem::{align_of, size_of};
use std::ops::Deref;
use std::ptr::NonNull;
use std::time::{Duration, Instant};

#[cfg(test)]
mod tests;

/// Below this many bytes allocated since the last collection,
/// [`Heap::should_collect`] says no (outside stress mode).
pub const MIN_THRESHOLD: usize = 4 << 20;

/// The collector's part of every object's header: the first field of every
/// heap object type. Two bytes; the object type puts its own header fields
/// right after it (the VM's: `GcHeader`, `kind: u8`, `aux: u8`,
/// `class: u32`, 8 bytes in all).
#[repr(C)]
#[derive(Debug)]
pub struct GcHeader {
    /// The epoch of the last collection that found this object reachable
    /// (or of the last collection before it was allocated); `FREE` in a
    /// free cell.
    mark: Cell<u8>,
    /// Reserved for the generational collector (age, remembered).
    #[allow(dead_code, reason = "reserved for the generational collector")]
    bits: Cell<u8>,
}

impl GcHeader {
    /// The header of a new object; the heap sets its mark once the object
    /// is written.
    pub const fn new() -> GcHeader {
        GcHeader { mark: Cell::new(0), bits: Cell::new(0) }
    }
}

impl Default for GcHeader {
    fn default() -> Self {
        Self::new()
    }
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
/// 4. `finalize` and `extra_bytes` never dereference a `Gc`: they run during
///    the sweep, when the objects a `Gc` points to may already be freed.
/// 5. `Self` is `#[repr(C)]` with a [`GcHeader`] as its first field and an
///    alignment of at most 8, and so is the real layout of every object
///    (the fields the VM reads past `Self` after checking its kind).
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

    fn header(&self) -> &GcHeader {
        // SAFETY: the object is alive (as for `deref`) and starts with its
        // `GcHeader` (rule 5 of `Trace`).
        unsafe { self.ptr.cast::<GcHeader>().as_ref() }
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

/// The mark phase's state: which epoch counts as marked, and the stack of
/// objects marked but not yet traced.
pub struct Tracer<T: Trace> {
    epoch: u8,
    stack: Vec<Gc<T>>,
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
        #[cfg(target_arch = "x86_64")]
        // SAFETY: a prefetch never faults; `g` points into the heap anyway.
        unsafe {
            use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
            _mm_prefetch::<_MM_HINT_T0>(g.ptr.as_ptr().cast::<i8>());
        }
        self.stack.push(g);
    }

    fn trace_marked(&mut self) {
        while let Some(g) = self.stack.pop() {
            let mark = &g.header().mark;
            if mark.get() != self.epoch {
                mark.set(self.epoch);
                (*g).trace(self);
            }
        }
    }
}

/// Counters for `--stats`.
#[derive(Clone, Debug, Default)]
pub struct HeapStats {
    pub collections: u64,
    pub total_pause: Duration,
    pub max_pause: Duration,
    pub objects_allocated: u64,
    /// Bytes of the cells allocated (and the extra bytes they owned then).
    pub bytes_allocated: u64,
    /// The most [`Heap::total_memory`] has been.
    pub peak_bytes: usize,
    /// Objects in the heap now: the survivors of the last collection and
    /// everything allocated since.
    pub objects_live: usize,
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
    /// The mark of the last collection; the next one marks with `epoch + 1`.
    epoch: u8,
    /// The mark stack, kept between collections for its capacity.
    mark_stack: Vec<Gc<T>>,
    stress: bool,
    /// Bytes of the objects that survived the last collection.
    live_bytes: usize,
    bytes_since_gc: usize,
    threshold: usize,
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
        Heap {
            space: Space::new(),
            epoch: 0,
            mark_stack: Vec::new(),
            stress: false,
            live_bytes: 0,
            bytes_since_gc: 0,
            threshold: MIN_THRESHOLD,
            limit: usize::MAX,
            stats: HeapStats::default(),
            _owns: PhantomData,
        }
    }

    pub fn with_stress(mut self, stress: bool) -> Self {
        self.stress = stress;
        self
    }

    /// In stress mode [`Heap::should_collect`] is true after every allocation.
    pub fn set_stress(&mut self, stress: bool) {
        self.stress = stress;
    }

    /// A cell of at least `size` bytes (`size >= size_of::<T>()`), 8-aligned,
    /// which `init` fills with a whole object whose header it makes with
    /// [`GcHeader::new`]; the heap then marks it allocated. Never collects.
    /// If `init` panics, the cell goes back to the heap.
    ///
    /// # Safety
    /// `init` writes a valid object of `size` bytes (see [`Trace`]'s rule 5)
    /// whose [`Trace::size`] is `size`.
    #[inline]
    pub unsafe fn alloc_with(&mut self, size: usize, init: impl FnOnce(NonNull<u8>)) -> Gc<T> {
        debug_assert!(size >= size_of::<T>());
        // SAFETY: the caller's promise.
        let (cell, cell_size) = unsafe { self.space.alloc(size, self.epoch, init) };
        let gc = Gc { ptr: cell.cast::<T>() };
        debug_assert_eq!(gc.size(), size);
        let bytes = cell_size + gc.extra_bytes();
        self.bytes_since_gc += bytes;
        self.stats.objects_allocated += 1;
        self.stats.bytes_allocated += bytes as u64;
        self.stats.objects_live += 1;
        self.stats.blocks = self.space.blocks();
        self.stats.large_objects = self.space.large_objects();
        self.stats.peak_bytes = self.stats.peak_bytes.max(self.total_memory());
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

    /// Whether the VM should call [`Heap::collect`] at this safepoint:
    /// enough was allocated since the last collection, or the heap is past
    /// its limit.
    pub fn should_collect(&self) -> bool {
        if self.stress { self.bytes_since_gc > 0 } else { self.bytes_since_gc > self.threshold || self.over_limit() }
    }

    /// Caps the heap at `bytes`. Allocation itself never fails: the VM asks
    /// [`Heap::would_exceed`] before a large allocation and
    /// [`Heap::over_limit`] after a collection, and throws
    /// `OutOfMemoryException` when the answer is yes.
    pub fn set_limit(&mut self, bytes: usize) {
        self.limit = bytes;
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

    pub fn stats(&self) -> &HeapStats {
        &self.stats
    }

    /// Marks everything reachable from `roots`, then frees everything else.
    ///
    /// # Safety
    /// Call it only at a safepoint, where `roots` (and the objects it reaches)
    /// hold every `Gc` that will be dereferenced after this call, and every
    /// `Gc` that `roots` reports points to a live object of this heap. Any
    /// other `Gc` dangles once this returns.
    pub unsafe fn collect(&mut self, roots: &dyn Roots<T>) {
        let start = Instant::now();
        self.epoch = match self.epoch.wrapping_add(1) {
            FREE => 0,
            e => e,
        };
        let mut stack = std::mem::take(&mut self.mark_stack);
        stack.clear();
        let mut tracer = Tracer { epoch: self.epoch, stack };
        roots.trace_roots(&mut tracer);
        tracer.trace_marked();
        self.mark_stack = tracer.stack;
        self.sweep();

        let pause = start.elapsed();
        self.stats.collections += 1;
        self.stats.total_pause += pause;
        self.stats.max_pause = self.stats.max_pause.max(pause);
    }

    /// Frees every object not marked in this epoch and recounts live bytes.
    fn sweep(&mut self) {
        let counts = self.space.sweep(self.epoch);
        // Objects may have grown since they were allocated; count the heap at
        // its largest, just before this sweep.
        self.stats.peak_bytes = self.stats.peak_bytes.max(counts.live_bytes + counts.dead_bytes);
        self.stats.objects_live = counts.live;
        self.stats.blocks = self.space.blocks();
        self.stats.large_objects = self.space.large_objects();
        self.live_bytes = counts.live_bytes;
        self.bytes_since_gc = 0;
        self.threshold = MIN_THRESHOLD.max(counts.live_bytes);
    }
}

impl<T: Trace> Drop for Heap<T> {
    fn drop(&mut self) {
        self.space.drop_all();
    }
}
