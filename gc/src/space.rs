//! Where objects live: blocks of equal cells, one list of blocks per size
//! class, and a large-object space for what no class fits.
//!
//! ```text
//! Space<T>
//!   classes[c]    one per cell size (16, 24, .. 2048 bytes; CLASS_OF maps a
//!                 size to its class)
//!     blocks      [Block][Block]...[Block]   BLOCK_SIZE bytes each, aligned
//!                                            to BLOCK_SIZE: cells of the
//!                                            class's size, then a
//!                                            BlockHeader; the last one is the
//!                                            bump block
//!     bump..end   the never-used cells of the bump block
//!     free        cells freed by the last sweep, linked through the cells
//!   large         objects over MAX_SMALL bytes, one allocation each, the
//!                 object LARGE_PREFIX bytes in (the prefix: the heap's
//!                 Shared, then the allocation's size)
//!
//! a block:  [cell | cell | ... | cell | (unused) | BlockHeader: Shared, class]
//!            0                                     BLOCK_SIZE - 16
//! a cell:   [GcHeader | the object's fields ..............]  (object)
//!           [mark=FREE| . . . | next free cell | . . . . .]  (free)
//!            0          2       8                 class size
//! ```
//!
//! Invariants:
//! - Every cell of a block below its class's `bump` (every cell, for a block
//!   that is not the last) starts with a `GcHeader` whose mark is either
//!   [`FREE`], and the cell holds no object (finalized, or never written), or
//!   something else, and the cell holds a whole, initialized object. Cells
//!   past `bump` are never read.
//! - A cell below `bump` is free exactly when it is on its class's free
//!   list (the sweep gives back the blocks it leaves empty and rewinds an
//!   empty bump block, so no free cell is left off the list). Its next
//!   pointer sits at [`NEXT_OFFSET`], after the header.
//! - Cells never move: a `Gc` stays valid while its object lives.
//! - An object's block is its address rounded down to BLOCK_SIZE, its
//!   header the block's last bytes (a large object has the `LARGE` bit, and
//!   its prefix instead): that is how the
//!   write barrier finds the heap's remembered set, and a minor sweep the
//!   class of a cell it frees.
//! - The major sweep visits every block's cells, finalizes the unmarked
//!   objects, rebuilds each free list, gives back a block whose cells are
//!   all free (and rewinds the bump block when all of its cells are), and
//!   frees the unmarked large objects. A minor sweep visits only the young
//!   objects and puts the cells it frees on their class's free list; blocks
//!   it empties go back at the next major sweep.

use std::alloc::{Layout, alloc, dealloc, handle_alloc_error};
use std::cell::Cell;
use std::marker::PhantomData;
use std::mem;
use std::ptr::{self, NonNull};

use crate::{AGE, CLEAN, FRAME, GcHeader, LARGE, OLD, Shared, Trace};

/// Bytes per block.
pub(crate) const BLOCK_SIZE: usize = 32 << 10;

/// The largest object a size class holds; larger ones go to the
/// large-object space.
pub(crate) const MAX_SMALL: usize = 2048;

/// The cell sizes: every 8 bytes up to 64, then four classes per doubling,
/// so a cell wastes at most a fifth of itself past 64 bytes.
pub(crate) const CLASS_SIZES: [usize; 27] = [
    16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512, 640, 768, 896, 1024, 1280,
    1536, 1792, 2048,
];

/// The class of an object of `size` bytes, at index `(size + 7) / 8`.
const CLASS_OF: [u8; MAX_SMALL / 8 + 1] = {
    let mut table = [0u8; MAX_SMALL / 8 + 1];
    let (mut words, mut class) = (0, 0);
    while words < table.len() {
        while CLASS_SIZES[class] < words * 8 {
            class += 1;
        }
        table[words] = class as u8;
        words += 1;
    }
    table
};

/// The mark of a free cell; epochs skip it.
pub(crate) const FREE: u8 = u8::MAX;

/// Where a free cell keeps the next free cell of its class: after the
/// object's header, 8-aligned, inside the smallest cell.
const NEXT_OFFSET: usize = 8;

/// The bytes at the end of each block after its cells: its
/// [`BlockHeader`] (at the end, so that cells start at the block's start and
/// a cell of 16, 32 or 64 bytes never straddles two cache lines).
pub(crate) const BLOCK_HEADER: usize = 16;

/// The bytes of a large object's allocation before the object: the heap's
/// `Shared`, then the allocation's size.
pub(crate) const LARGE_PREFIX: usize = 16;

/// The end of every block.
#[repr(C)]
struct BlockHeader {
    shared: *const Shared,
    class: usize,
}

/// The heap that `h`'s object belongs to: its `Shared`.
///
/// # Safety
/// `h` is the header of a live object of a heap.
#[inline]
pub(crate) unsafe fn shared_of(h: &GcHeader) -> *const Shared {
    let addr = (h as *const GcHeader).cast::<u8>();
    // SAFETY: the caller's promise; a large object's prefix and a block's
    // header are written before any object in them.
    unsafe {
        if h.bits.get() & LARGE != 0 {
            addr.sub(LARGE_PREFIX).cast::<*const Shared>().read()
        } else {
            block_of(addr).read().shared
        }
    }
}

/// The header of the block a small object's cell is in.
fn block_of(cell: *const u8) -> *const BlockHeader {
    cell.map_addr(|a| (a & !(BLOCK_SIZE - 1)) + BLOCK_SIZE - BLOCK_HEADER).cast()
}

/// How the heap's objects are aligned: cells are multiples of it, blocks and
/// large objects are allocated with it.
pub(crate) const ALIGN: usize = 8;

const BLOCK_LAYOUT: Layout = match Layout::from_size_align(BLOCK_SIZE, BLOCK_SIZE) {
    Ok(layout) => layout,
    Err(_) => panic!("invalid block layout"),
};

/// The class of `size` bytes, or `None` for the large-object space.
#[inline]
pub(crate) fn class_of(size: usize) -> Option<usize> {
    CLASS_OF.get(size.div_ceil(8)).map(|&c| c as usize)
}

/// The header of the object (or free cell) at `cell`.
///
/// # Safety
/// `cell` points to a cell whose header is initialized, which lives as long
/// as the returned reference is used.
#[inline]
unsafe fn header<'a>(cell: *mut u8) -> &'a GcHeader {
    // SAFETY: the caller's promise; `GcHeader` is the first field of every
    // object and of every free cell.
    unsafe { &*cell.cast::<GcHeader>() }
}

/// The mark byte of the object (or free cell) at `cell`.
///
/// # Safety
/// As for [`header`].
#[inline]
unsafe fn mark<'a>(cell: *mut u8) -> &'a Cell<u8> {
    // SAFETY: the caller's promise.
    unsafe { &header(cell).mark }
}

/// Asks the CPU to fetch the cache line at `p` (never faults).
#[inline(always)]
pub(crate) fn prefetch(p: *const u8) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: a prefetch never faults, whatever the address.
    unsafe {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        _mm_prefetch::<_MM_HINT_T0>(p.cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

/// The next-free-cell pointer of the free cell at `cell`.
///
/// # Safety
/// `cell` is a cell of at least 16 bytes, 8-aligned, holding no object.
#[inline]
unsafe fn next(cell: *mut u8) -> *mut *mut u8 {
    // SAFETY: NEXT_OFFSET + 8 <= 16 <= the cell's size.
    unsafe { cell.add(NEXT_OFFSET).cast() }
}

/// The cells of one size.
struct Class {
    /// The size of each cell.
    cell: usize,
    /// Its index in [`CLASS_SIZES`].
    index: usize,
    /// The end of the cells of a full block: the header and whole cells.
    used: usize,
    /// The blocks, oldest first; the last is the bump block.
    blocks: Vec<NonNull<u8>>,
    /// The bump block's next never-used cell, and its end (both null until
    /// the first block).
    bump: *mut u8,
    end: *mut u8,
    /// The first free cell, or null; and the last (null when `free` is).
    /// Cells are taken from the front and given back at the back, so the
    /// order of a sweep (by address) lasts: allocation stays sequential.
    free: *mut u8,
    free_tail: *mut u8,
}

impl Class {
    fn new(index: usize) -> Class {
        let cell = CLASS_SIZES[index];
        Class {
            cell,
            index,
            used: (BLOCK_SIZE - BLOCK_HEADER) / cell * cell,
            blocks: Vec::new(),
            bump: ptr::null_mut(),
            end: ptr::null_mut(),
            free: ptr::null_mut(),
            free_tail: ptr::null_mut(),
        }
    }

    /// A cell: from the free list, else the bump block, else a new block.
    /// Its contents are whatever was there.
    #[inline]
    fn take(&mut self, shared: *const Shared, pool: &mut Pool) -> NonNull<u8> {
        if let Some(cell) = NonNull::new(self.free) {
            // SAFETY: a cell on the free list holds no object and its next
            // pointer was written when it was put on the list.
            self.free = unsafe { next(cell.as_ptr()).read() };
            if self.free.is_null() {
                self.free_tail = ptr::null_mut();
            }
            return cell;
        }
        if self.bump != self.end {
            let cell = self.bump;
            // SAFETY: bump < end, and end is the end of the bump block's
            // cells, a multiple of the cell size away from its start.
            self.bump = unsafe { cell.add(self.cell) };
            // SAFETY: inside a block, so not null.
            return unsafe { NonNull::new_unchecked(cell) };
        }
        self.take_from_new_block(shared, pool)
    }

    #[cold]
    #[inline(never)]
    fn take_from_new_block(&mut self, shared: *const Shared, pool: &mut Pool) -> NonNull<u8> {
        let block = pool.get();
        self.blocks.push(block);
        let start = block.as_ptr();
        // SAFETY: `used` <= BLOCK_SIZE - BLOCK_HEADER, and the block has at
        // least one cell (cells are at most MAX_SMALL < BLOCK_SIZE - 16); the
        // header fits after the last cell, 8-aligned.
        unsafe {
            block_of(start).cast_mut().write(BlockHeader { shared, class: self.index });
            self.end = start.add(self.used);
            self.bump = start.add(self.cell);
            block
        }
    }

    /// Puts `cell`, holding no object, at the back of the free list.
    ///
    /// # Safety
    /// `cell` was taken from this class and holds no object.
    unsafe fn give_back(&mut self, cell: NonNull<u8>) {
        let cell = cell.as_ptr();
        // SAFETY: the caller's promise: the cell is ours and empty; the
        // tail, if any, is a free cell of this class.
        unsafe {
            mark(cell).set(FREE);
            next(cell).write(ptr::null_mut());
            if self.free_tail.is_null() {
                self.free = cell;
            } else {
                next(self.free_tail).write(cell);
            }
        }
        self.free_tail = cell;
    }

    /// The bytes of block `b` that were ever handed out.
    fn used_of(&self, b: usize) -> usize {
        if b + 1 == self.blocks.len() {
            // SAFETY: `bump` is inside (or at the end of) the last block.
            unsafe { self.bump.offset_from(self.blocks[b].as_ptr()) as usize }
        } else {
            self.used
        }
    }

    /// Finalizes every object whose mark is not `epoch`, makes every other
    /// one old, rebuilds the free list, and gives back the blocks left with
    /// no object.
    ///
    /// # Safety
    /// Every object in the class is an initialized `T` (the invariant).
    unsafe fn sweep<T: Trace>(&mut self, epoch: u8, counts: &mut Counts, pool: &mut Pool) {
        let (mut head, mut tail): (*mut u8, *mut u8) = (ptr::null_mut(), ptr::null_mut());
        let last = self.blocks.len().wrapping_sub(1);
        let mut kept = 0;
        for b in 0..self.blocks.len() {
            let block = self.blocks[b];
            let start = block.as_ptr();
            let used = self.used_of(b);
            // This block's free cells, in address order.
            let (mut block_head, mut block_tail): (*mut u8, *mut u8) = (ptr::null_mut(), ptr::null_mut());
            let mut live_here = 0;
            let mut offset = 0;
            while offset < used {
                // SAFETY: offset < used <= BLOCK_SIZE.
                let cell = unsafe { start.add(offset) };
                offset += self.cell;
                // SAFETY: a used cell's header is initialized (invariant).
                let h = unsafe { header(cell) };
                let m = h.mark.get();
                if m == epoch {
                    live_here += 1;
                    let bits = h.bits.get();
                    if bits & OLD == 0 {
                        h.bits.set(bits & !AGE | OLD);
                    }
                    counts.frames += usize::from(bits & FRAME != 0);
                    // SAFETY: it holds a live object.
                    counts.live_bytes += self.cell + unsafe { &*cell.cast::<T>() }.extra_bytes();
                    continue;
                }
                if m != FREE {
                    // SAFETY: it holds an object nothing reaches (unmarked),
                    // finalized once here, then marked free.
                    unsafe {
                        counts.dead_bytes += self.cell + (*cell.cast::<T>()).extra_bytes();
                        T::finalize(NonNull::new_unchecked(cell.cast()));
                    }
                    h.mark.set(FREE);
                }
                // SAFETY: the cell holds no object; the previous free cell
                // of this block is one too.
                unsafe {
                    next(cell).write(ptr::null_mut());
                    if block_tail.is_null() {
                        block_head = cell;
                    } else {
                        next(block_tail).write(cell);
                    }
                }
                block_tail = cell;
            }
            counts.live += live_here;
            if live_here == 0 {
                if b != last {
                    // All free: give the block back (its cells were never
                    // linked into the class's list).
                    pool.put(block);
                    continue;
                }
                // The bump block, all free: bump through it again.
                self.bump = start;
            } else if !block_tail.is_null() {
                if tail.is_null() {
                    head = block_head;
                } else {
                    // SAFETY: `tail` is a free cell of an earlier block.
                    unsafe { next(tail).write(block_head) };
                }
                tail = block_tail;
            }
            self.blocks[kept] = block;
            kept += 1;
        }
        self.blocks.truncate(kept);
        self.free = head;
        self.free_tail = tail;
    }

    /// Calls `f` with every object's cell.
    ///
    /// # Safety
    /// As for `sweep`; `f` may finalize the object it is given and mark its
    /// cell free, and touches no other cell.
    unsafe fn for_each(&self, f: &mut impl FnMut(NonNull<u8>)) {
        for b in 0..self.blocks.len() {
            let start = self.blocks[b].as_ptr();
            let used = self.used_of(b);
            let mut offset = 0;
            while offset < used {
                // SAFETY: a used cell, its header initialized.
                unsafe {
                    let cell = start.add(offset);
                    if mark(cell).get() != FREE {
                        f(NonNull::new_unchecked(cell));
                    }
                }
                offset += self.cell;
            }
        }
    }

    /// Finalizes every object and gives back every block.
    ///
    /// # Safety
    /// As for `sweep`.
    unsafe fn drop_all<T: Trace>(&mut self) {
        // SAFETY: each object is finalized once, then its cell is free.
        unsafe {
            self.for_each(&mut |cell| {
                T::finalize(cell.cast());
                mark(cell.as_ptr()).set(FREE);
            })
        };
        for block in self.blocks.drain(..) {
            // SAFETY: allocated with BLOCK_LAYOUT; its objects are finalized.
            unsafe { dealloc(block.as_ptr(), BLOCK_LAYOUT) };
        }
        self.bump = ptr::null_mut();
        self.end = ptr::null_mut();
        self.free = ptr::null_mut();
        self.free_tail = ptr::null_mut();
    }
}

/// Empty blocks that a major sweep took from their classes, kept for the
/// next class that needs one (up to a quarter of the blocks in use, at
/// least [`MIN_SPARE`]): blocks come and go with every major collection of
/// a small heap, and the allocator's aligned path is slow.
struct Pool {
    spare: Vec<NonNull<u8>>,
}

/// The fewest empty blocks the pool keeps.
const MIN_SPARE: usize = 16;

impl Pool {
    /// An empty block: a spare one, or a new one.
    fn get(&mut self) -> NonNull<u8> {
        self.spare.pop().unwrap_or_else(|| {
            // SAFETY: BLOCK_LAYOUT has a non-zero size.
            NonNull::new(unsafe { alloc(BLOCK_LAYOUT) }).unwrap_or_else(|| handle_alloc_error(BLOCK_LAYOUT))
        })
    }

    /// Keeps an empty block for later.
    fn put(&mut self, block: NonNull<u8>) {
        self.spare.push(block);
    }

    /// Gives back all but `keep` spare blocks.
    fn trim(&mut self, keep: usize) {
        while self.spare.len() > keep {
            if let Some(block) = self.spare.pop() {
                // SAFETY: allocated with BLOCK_LAYOUT, holding no object.
                unsafe { dealloc(block.as_ptr(), BLOCK_LAYOUT) };
            }
        }
    }
}

/// An object of the large-object space.
struct Large {
    /// The object (its allocation starts `LARGE_PREFIX` bytes before).
    ptr: NonNull<u8>,
    /// The allocation's.
    layout: Layout,
}

impl Large {
    /// The object's bytes (its allocation's, less the prefix).
    fn size(&self) -> usize {
        self.layout.size() - LARGE_PREFIX
    }

    fn start(&self) -> *mut u8 {
        // SAFETY: the object is LARGE_PREFIX bytes into its allocation.
        unsafe { self.ptr.as_ptr().sub(LARGE_PREFIX) }
    }

    /// Finalizes the object and frees its allocation.
    ///
    /// # Safety
    /// The object is whole, nothing uses it again, and its entry goes.
    unsafe fn free<T: Trace>(&self) {
        // SAFETY: the caller's promise.
        unsafe {
            T::finalize(self.ptr.cast());
            dealloc(self.start(), self.layout);
        }
    }
}

/// What a sweep found.
#[derive(Default)]
pub(crate) struct Counts {
    pub(crate) live: usize,
    pub(crate) live_bytes: usize,
    pub(crate) dead_bytes: usize,
    /// Suspended frames among the live objects (their headers' `FRAME`).
    pub(crate) frames: usize,
}

/// What a minor sweep found.
#[derive(Default)]
pub(crate) struct YoungCounts {
    pub(crate) freed: usize,
    pub(crate) dead_bytes: usize,
    pub(crate) promoted_bytes: usize,
    pub(crate) promoted_frames: usize,
}

/// Every cell of a heap of `T`s.
pub(crate) struct Space<T> {
    classes: Box<[Class; CLASS_SIZES.len()]>,
    /// Empty blocks, for any class.
    pool: Pool,
    large: Vec<Large>,
    /// The heap's `Shared`, which every block and large object points to.
    shared: *const Shared,
    /// Blocks held, in all classes.
    blocks: usize,
    _objects: PhantomData<T>,
}

/// Where a cell came from: a size class, or the large-object space.
enum Origin {
    Class(usize),
    Large(Layout),
}

/// Makes a cell free again if the object's `init` panics before the heap
/// takes the cell (then the cell holds no whole object).
struct Unwritten<'a, T> {
    space: &'a mut Space<T>,
    cell: NonNull<u8>,
    origin: Origin,
}

impl<T> Drop for Unwritten<'_, T> {
    fn drop(&mut self) {
        match self.origin {
            // SAFETY: the cell came from that class and holds no whole
            // object (init did not finish), so it is empty.
            Origin::Class(c) => unsafe { self.space.classes[c].give_back(self.cell) },
            // SAFETY: allocated with `layout`, the object LARGE_PREFIX bytes
            // in, and not in the large list.
            Origin::Large(layout) => unsafe { dealloc(self.cell.as_ptr().sub(LARGE_PREFIX), layout) },
        }
    }
}

impl<T: Trace> Space<T> {
    pub(crate) fn new(shared: *const Shared) -> Self {
        let classes = Box::new(std::array::from_fn(Class::new));
        Space { classes, pool: Pool { spare: Vec::new() }, large: Vec::new(), shared, blocks: 0, _objects: PhantomData }
    }

    /// A cell of at least `size` bytes, filled by `init`, with its mark then
    /// made clean (a new object is young and unmarked). Returns the cell and
    /// its size (the class's, or `size` rounded up to 8 for a large object).
    ///
    /// # Safety
    /// `init` writes a whole, valid `T` of `size` bytes.
    #[inline]
    pub(crate) unsafe fn alloc(&mut self, size: usize, init: impl FnOnce(NonNull<u8>)) -> (NonNull<u8>, usize) {
        let Some(c) = class_of(size) else {
            // SAFETY: the caller's promise.
            return unsafe { self.alloc_large(size, init) };
        };
        let shared = self.shared;
        let class = &mut self.classes[c];
        let cell_size = class.cell;
        let blocks = class.blocks.len();
        let cell = class.take(shared, &mut self.pool);
        self.blocks += class.blocks.len() - blocks;
        let guard = Unwritten { space: self, cell, origin: Origin::Class(c) };
        init(cell);
        mem::forget(guard);
        // SAFETY: `init` wrote a whole object, header first.
        unsafe { mark(cell.as_ptr()) }.set(CLEAN);
        (cell, cell_size)
    }

    #[cold]
    #[inline(never)]
    unsafe fn alloc_large(&mut self, size: usize, init: impl FnOnce(NonNull<u8>)) -> (NonNull<u8>, usize) {
        let size = size.next_multiple_of(ALIGN);
        let layout = Layout::from_size_align(size + LARGE_PREFIX, ALIGN)
            .unwrap_or_else(|_| panic!("an object of {size} bytes is too large"));
        // SAFETY: the size is over MAX_SMALL, not zero.
        let start = NonNull::new(unsafe { alloc(layout) }).unwrap_or_else(|| handle_alloc_error(layout));
        // SAFETY: the prefix is the allocation's first 16 bytes, 8-aligned.
        let cell = unsafe {
            start.cast::<*const Shared>().write(self.shared);
            start.add(8).cast::<usize>().write(layout.size());
            start.add(LARGE_PREFIX)
        };
        let guard = Unwritten { space: self, cell, origin: Origin::Large(layout) };
        init(cell);
        mem::forget(guard);
        // SAFETY: `init` wrote a whole object, header first.
        let h = unsafe { header(cell.as_ptr()) };
        h.mark.set(CLEAN);
        h.bits.set(h.bits.get() | LARGE);
        self.large.push(Large { ptr: cell, layout });
        (cell, size)
    }

    /// Blocks held now, in all classes.
    pub(crate) fn blocks(&self) -> usize {
        self.blocks
    }

    /// Large objects held now.
    pub(crate) fn large_objects(&self) -> usize {
        self.large.len()
    }

    /// Finalizes every object whose mark is not `epoch`, makes the rest old,
    /// and counts them.
    pub(crate) fn sweep(&mut self, epoch: u8) -> Counts {
        let mut counts = Counts::default();
        for class in self.classes.iter_mut() {
            // SAFETY: every object in the space is an initialized `T`.
            unsafe { class.sweep::<T>(epoch, &mut counts, &mut self.pool) };
        }
        self.large.retain(|large| {
            let cell = large.ptr.as_ptr();
            // SAFETY: a large object is whole until it is freed here.
            unsafe {
                let h = header(cell);
                let obj = &*cell.cast::<T>();
                if h.mark.get() == epoch {
                    let bits = h.bits.get();
                    h.bits.set(bits & !AGE | OLD);
                    counts.live += 1;
                    counts.live_bytes += large.size() + obj.extra_bytes();
                    counts.frames += usize::from(bits & FRAME != 0);
                    true
                } else {
                    counts.dead_bytes += large.size() + obj.extra_bytes();
                    large.free::<T>();
                    false
                }
            }
        });
        self.blocks = self.classes.iter().map(|c| c.blocks.len()).sum();
        self.pool.trim(MIN_SPARE.max(self.blocks / 4));
        counts
    }

    /// A minor collection's sweep of the `young` objects: frees those whose
    /// mark is not `epoch`; of the others, makes those that had survived a
    /// minor collection already old, and keeps the rest in `young`, aged.
    ///
    /// # Safety
    /// `young` holds cells of this space with whole, young objects.
    pub(crate) unsafe fn sweep_young(&mut self, young: &mut Vec<NonNull<u8>>, epoch: u8) -> YoungCounts {
        let mut counts = YoungCounts::default();
        let mut large_freed = false;
        // By index rather than `retain`, to fetch the header a few objects
        // ahead: young objects are cold by the time a minor collection
        // sweeps them, and the list is in allocation order, not address
        // order, when free cells were reused.
        const AHEAD: usize = 8;
        let mut kept = 0;
        for i in 0..young.len() {
            if let Some(&ahead) = young.get(i + AHEAD) {
                prefetch(ahead.as_ptr());
            }
            let cell = young[i].as_ptr();
            // SAFETY: a young object, whole (the caller's promise).
            let (h, obj) = unsafe { (header(cell), &*cell.cast::<T>()) };
            let bits = h.bits.get();
            if h.mark.get() == epoch {
                if bits & AGE == 0 {
                    h.bits.set(bits | AGE);
                    young[kept] = young[i];
                    kept += 1;
                } else {
                    h.bits.set(bits & !AGE | OLD);
                    counts.promoted_bytes += self.cell_size(cell, bits) + obj.extra_bytes();
                    counts.promoted_frames += usize::from(bits & FRAME != 0);
                }
                continue;
            }
            counts.freed += 1;
            counts.dead_bytes += self.cell_size(cell, bits) + obj.extra_bytes();
            if bits & LARGE != 0 {
                // Freed below, with its entry.
                // SAFETY: nothing reaches it; finalized once, here.
                unsafe { T::finalize(NonNull::new_unchecked(cell.cast())) };
                h.mark.set(FREE);
                large_freed = true;
            } else {
                // SAFETY: a small object's block header says its class;
                // nothing reaches the object, finalized once here, and its
                // cell goes back empty.
                unsafe {
                    let class = (*block_of(cell)).class;
                    T::finalize(NonNull::new_unchecked(cell.cast()));
                    self.classes[class].give_back(NonNull::new_unchecked(cell));
                }
            }
        }
        young.truncate(kept);
        if large_freed {
            // SAFETY: FREE marks only the finalized large objects above.
            self.large.retain(|large| unsafe {
                if mark(large.ptr.as_ptr()).get() == FREE {
                    dealloc(large.start(), large.layout);
                    false
                } else {
                    true
                }
            });
        }
        counts
    }

    /// The bytes of the cell at `cell`, whose header bits are `bits`.
    fn cell_size(&self, cell: *mut u8, bits: u8) -> usize {
        if bits & LARGE != 0 {
            // SAFETY: a large object's prefix holds its allocation's size.
            // (Read through the prefix's second word.)
            unsafe { cell.sub(LARGE_PREFIX).add(8).cast::<usize>().read() - LARGE_PREFIX }
        } else {
            // SAFETY: a small object's block starts with its header.
            self.classes[unsafe { (*block_of(cell)).class }].cell
        }
    }

    /// Calls `f` with every object's cell.
    pub(crate) fn for_each(&self, mut f: impl FnMut(NonNull<u8>)) {
        for class in self.classes.iter() {
            // SAFETY: every object in the space is whole; `f` frees nothing.
            unsafe { class.for_each(&mut f) };
        }
        for large in &self.large {
            f(large.ptr);
        }
    }

    /// Finalizes every object and gives back all memory (the heap is going
    /// away).
    pub(crate) fn drop_all(&mut self) {
        for class in self.classes.iter_mut() {
            // SAFETY: every object in the space is an initialized `T`.
            unsafe { class.drop_all::<T>() };
        }
        self.pool.trim(0);
        for large in self.large.drain(..) {
            // SAFETY: a whole object, finalized once, then freed.
            unsafe { large.free::<T>() };
        }
        self.blocks = 0;
    }
}
