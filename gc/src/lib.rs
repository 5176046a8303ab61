//! A tracing mark-sweep collector for one object type `T` (the VM's enum of
//! heap object kinds).
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
//! [`Heap::alloc`] never collects. Collections happen only when the VM calls
//! [`Heap::collect`] at a safepoint, between instructions, when no `Gc` lives
//! in a Rust local and no reference into the heap is borrowed. The VM asks
//! [`Heap::should_collect`] at its safepoints; stress mode answers "yes"
//! after every allocation, which is how a missing root is found.
//!
//! # Algorithm
//! Mark, then sweep, as in clox and Lua's `lgc.c`. Marking uses an explicit
//! stack in [`Tracer`], never recursion, so a list of a million objects is
//! traced in constant native stack. An object is marked in the current
//! collection when its header's mark equals the heap's epoch; starting a
//! collection bumps the epoch, which unmarks every object at once (and a
//! collection interrupted by a panic leaves no stale marks behind). The sweep
//! visits the heap's blocks of cells (`blocks.rs`), drops the unmarked
//! objects, makes their cells free for the next allocations, and recounts the
//! live bytes, because an object's [`Trace::extra_bytes`] may have grown
//! since it was allocated.

mod alloc;
pub use alloc::Allocator;

use std::alloc::Layout;
use std::cell::Cell;
use std::fmt;
use std::marker::PhantomData;
use std::mem::size_of;
use std::ops::Deref;
use std::ptr::NonNull;
use std::time::{Duration, Instant};

/// Below this many bytes allocated since the last collection,
/// [`Heap::should_collect`] says no (outside stress mode).
pub const MIN_THRESHOLD: usize = 4 << 20;

/// The mark of a free cell; epochs skip it.
const FREE: u8 = u8::MAX;

/// The collector's part of every object's header: the first field of every
/// heap object type (`#[repr(C)]`, alignment <= 8).
#[repr(C)]
pub struct GcHeader {
    mark: Cell<u8>,
    /// Reserved for the generational collector.
    _bits: Cell<u8>,
}

impl GcHeader {
    pub const fn new() -> GcHeader {
        GcHeader { mark: Cell::new(FREE), _bits: Cell::new(0) }
    }
}

impl Default for GcHeader {
    fn default() -> Self {
        Self::new()
    }
}

/// An object that may hold [`Gc`] pointers to other objects of its heap.
///
/// # Safety
/// `Self` is `#[repr(C)]` with a [`GcHeader`] first. `trace` reports every
/// `Gc` the object holds, all of this heap, without mutating it; `finalize`
/// and `extra_bytes` never dereference a `Gc`.
pub unsafe trait Trace {
    /// Reports every `Gc<Self>` this object holds, via `tracer.mark(..)`.
    fn trace(&self, tracer: &mut Tracer<Self>)
    where
        Self: Sized;

    /// The bytes the object occupies in its cell, header included.
    fn size(&self) -> usize;

    /// Bytes this object owns outside its cell.
    fn extra_bytes(&self) -> usize {
        0
    }

    /// Drops what the object owns, once, when it is freed.
    ///
    /// # Safety
    /// `this` points to a live, initialized object of this heap.
    unsafe fn finalize(this: NonNull<Self>)
    where
        Self: Sized;
}

/// The VM's root set: every `Gc` it holds outside the heap.
pub trait Roots<T: Trace> {
    /// Reports every root via `tracer.mark(..)`.
    fn trace_roots(&self, tracer: &mut Tracer<T>);
}

fn header<T>(p: NonNull<T>) -> &'static GcHeader {
    // SAFETY: every object starts with its GcHeader (`Trace`'s contract)
    // and lives until the sweep frees it.
    unsafe { p.cast::<GcHeader>().as_ref() }
}

/// A pointer to an object in a [`Heap`]. Copying it copies the pointer.
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

    /// The object's address as a pointer.
    pub fn as_ptr(self) -> NonNull<T> {
        self.ptr
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
    /// Marks `g` reachable. Its children are traced later, when the
    /// collector pops it off the mark stack, so this never recurses.
    pub fn mark(&mut self, g: Gc<T>) {
        let mark = &header(g.ptr).mark;
        if mark.get() != self.epoch {
            mark.set(self.epoch);
            self.stack.push(g);
        }
    }

    fn trace_marked(&mut self) {
        while let Some(g) = self.stack.pop() {
            g.trace(self);
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
    pub bytes_allocated: u64,
    /// The most [`Heap::total_memory`] has been.
    pub peak_bytes: usize,
    /// Objects in the heap now: the survivors of the last collection and
    /// everything allocated since.
    pub objects_live: usize,
}

/// Owns every object allocated in it and frees them when it collects them
/// or is dropped. A `Gc` must not be used after its heap is dropped.
pub struct Heap<T: Trace> {
    /// Every object and its size (a stand-in for size-class blocks).
    objects: Vec<(NonNull<T>, usize)>,
    /// The mark of the last collection; the next one marks with `epoch + 1`.
    epoch: u8,
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
        Heap {
            objects: Vec::new(),
            epoch: 0,
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

    /// Moves a sized `value` into the heap. Never collects.
    pub fn alloc(&mut self, value: T) -> Gc<T> {
        // SAFETY: writes a whole `T` of `size_of::<T>()` bytes.
        unsafe { self.alloc_with(size_of::<T>(), |p| p.cast::<T>().write(value)) }
    }

    /// A cell of at least `size` bytes that `init` fills with an object.
    /// Never collects.
    ///
    /// # Safety
    /// `init` writes a valid object of `size` bytes.
    pub unsafe fn alloc_with(&mut self, size: usize, init: impl FnOnce(NonNull<u8>)) -> Gc<T> {
        let layout = Layout::from_size_align(size.max(size_of::<T>()), 8).expect("object size");
        // SAFETY: the layout has a non-zero size.
        let raw = NonNull::new(unsafe { std::alloc::alloc(layout) })
            .unwrap_or_else(|| std::alloc::handle_alloc_error(layout));
        init(raw);
        let ptr = raw.cast::<T>();
        header(ptr).mark.set(self.epoch);
        self.objects.push((ptr, layout.size()));
        // SAFETY: initialized just now.
        let size = layout.size() + unsafe { ptr.as_ref() }.extra_bytes();
        self.bytes_since_gc += size;
        self.stats.objects_allocated += 1;
        self.stats.bytes_allocated += size as u64;
        self.stats.objects_live += 1;
        self.stats.peak_bytes = self.stats.peak_bytes.max(self.total_memory());
        Gc { ptr }
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
    /// (what `GC.GetTotalMemory(false)` reports).
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
        let mut tracer = Tracer { epoch: self.epoch, stack: Vec::new() };
        roots.trace_roots(&mut tracer);
        tracer.trace_marked();
        self.sweep();

        let pause = start.elapsed();
        self.stats.collections += 1;
        self.stats.total_pause += pause;
        self.stats.max_pause = self.stats.max_pause.max(pause);
    }

    /// Frees every object not marked in this epoch and recounts live bytes.
    fn sweep(&mut self) {
        let (mut live, mut live_bytes, mut dead_bytes) = (0, 0, 0);
        let epoch = self.epoch;
        self.objects.retain(|&(p, size)| {
            // SAFETY: every listed object is alive until freed here.
            let bytes = size + unsafe { p.as_ref() }.extra_bytes();
            if header(p).mark.get() == epoch {
                live += 1;
                live_bytes += bytes;
                true
            } else {
                dead_bytes += bytes;
                // SAFETY: unreachable, finalized and freed once.
                unsafe {
                    T::finalize(p);
                    std::alloc::dealloc(p.as_ptr().cast(), Layout::from_size_align_unchecked(size, 8));
                }
                false
            }
        });
        // Objects may have grown since they were allocated; count the heap at
        // its largest, just before this sweep.
        self.stats.peak_bytes = self.stats.peak_bytes.max(live_bytes + dead_bytes);
        self.stats.objects_live = live;
        self.live_bytes = live_bytes;
        self.bytes_since_gc = 0;
        self.threshold = MIN_THRESHOLD.max(live_bytes);
    }
}

impl<T: Trace> Drop for Heap<T> {
    fn drop(&mut self) {
        for (p, size) in self.objects.drain(..) {
            // SAFETY: each object is finalized and freed once.
            unsafe {
                T::finalize(p);
                std::alloc::dealloc(p.as_ptr().cast(), Layout::from_size_align_unchecked(size, 8));
            }
        }
    }
}
