//! Where objects live: blocks of equal cells, one list of blocks per size
//! class, and a large-object space for what no class fits.
//!
//! ```text
//! Space<T>
//!   classes[c]    one per cell size (16, 24, .. 2048 bytes; CLASS_OF maps a
//!                 size to its class)
//!     blocks      [Block][Block]...[Block]   BLOCK_SIZE bytes each, cut into
//!                                            cells of the class's size; the
//!                                            last one is the bump block
//!     bump..end   the never-used cells of the bump block
//!     free        cells freed by the last sweep, linked through the cells
//!   large         objects over MAX_SMALL bytes, one allocation each
//!
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
//! - The sweep visits every block's cells, finalizes the unmarked objects,
//!   rebuilds each free list, gives back a block whose cells are all free
//!   (and rewinds the bump block when all of its cells are), and frees the
//!   unmarked large objects.

use std::alloc::{Layout, alloc, dealloc, handle_alloc_error};
use std::cell::Cell;
use std::marker::PhantomData;
use std::mem;
use std::ptr::{self, NonNull};

use crate::{GcHeader, Trace};

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

/// How the heap's objects are aligned: cells are multiples of it, blocks and
/// large objects are allocated with it.
pub(crate) const ALIGN: usize = 8;

const BLOCK_LAYOUT: Layout = match Layout::from_size_align(BLOCK_SIZE, ALIGN) {
    Ok(layout) => layout,
    Err(_) => panic!("invalid block layout"),
};

/// The class of `size` bytes, or `None` for the large-object space.
#[inline]
pub(crate) fn class_of(size: usize) -> Option<usize> {
    CLASS_OF.get(size.div_ceil(8)).map(|&c| c as usize)
}

/// The mark byte of the object (or free cell) at `cell`.
///
/// # Safety
/// `cell` points to a cell whose header is initialized, which lives as long
/// as the returned reference is used.
#[inline]
unsafe fn mark<'a>(cell: *mut u8) -> &'a Cell<u8> {
    // SAFETY: the caller's promise; `GcHeader` is the first field of every
    // object and of every free cell.
    unsafe { &(*cell.cast::<GcHeader>()).mark }
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
    /// Bytes of each block that are cut into cells (whole cells only).
    used: usize,
    /// The blocks, oldest first; the last is the bump block.
    blocks: Vec<NonNull<u8>>,
    /// The bump block's next never-used cell, and its end (both null until
    /// the first block).
    bump: *mut u8,
    end: *mut u8,
    /// The first free cell, or null.
    free: *mut u8,
}

impl Class {
    fn new(cell: usize) -> Class {
        Class {
            cell,
            used: BLOCK_SIZE / cell * cell,
            blocks: Vec::new(),
            bump: ptr::null_mut(),
            end: ptr::null_mut(),
            free: ptr::null_mut(),
        }
    }

    /// A cell: from the free list, else the bump block, else a new block.
    /// Its contents are whatever was there.
    #[inline]
    fn take(&mut self) -> NonNull<u8> {
        if let Some(cell) = NonNull::new(self.free) {
            // SAFETY: a cell on the free list holds no object and its next
            // pointer was written when it was put on the list.
            self.free = unsafe { next(cell.as_ptr()).read() };
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
        self.take_from_new_block()
    }

    #[cold]
    #[inline(never)]
    fn take_from_new_block(&mut self) -> NonNull<u8> {
        // SAFETY: BLOCK_LAYOUT has a non-zero size.
        let block = NonNull::new(unsafe { alloc(BLOCK_LAYOUT) }).unwrap_or_else(|| handle_alloc_error(BLOCK_LAYOUT));
        self.blocks.push(block);
        let start = block.as_ptr();
        // SAFETY: `used` <= BLOCK_SIZE, and the block has at least one cell
        // (cells are at most MAX_SMALL < BLOCK_SIZE).
        unsafe {
            self.end = start.add(self.used);
            self.bump = start.add(self.cell);
        }
        block
    }

    /// Puts `cell`, holding no object, on the free list.
    ///
    /// # Safety
    /// `cell` was taken from this class and holds no object.
    unsafe fn give_back(&mut self, cell: NonNull<u8>) {
        // SAFETY: the caller's promise: the cell is ours and empty.
        unsafe {
            mark(cell.as_ptr()).set(FREE);
            next(cell.as_ptr()).write(self.free);
        }
        self.free = cell.as_ptr();
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

    /// Finalizes every object whose mark is not `epoch`, rebuilds the free
    /// list, and gives back the blocks left with no object.
    ///
    /// # Safety
    /// Every object in the class is an initialized `T` (the invariant).
    unsafe fn sweep<T: Trace>(&mut self, epoch: u8, counts: &mut Counts) {
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
                let m = unsafe { mark(cell) }.get();
                if m == epoch {
                    live_here += 1;
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
                        mark(cell).set(FREE);
                    }
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
                    // SAFETY: allocated with BLOCK_LAYOUT, no object in it.
                    unsafe { dealloc(start, BLOCK_LAYOUT) };
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
    }

    /// Finalizes every object and gives back every block.
    ///
    /// # Safety
    /// As for `sweep`.
    unsafe fn drop_all<T: Trace>(&mut self) {
        for b in 0..self.blocks.len() {
            let start = self.blocks[b].as_ptr();
            let used = self.used_of(b);
            let mut offset = 0;
            while offset < used {
                // SAFETY: a used cell; its header is initialized; if it is
                // not free it holds an object, finalized once here.
                unsafe {
                    let cell = start.add(offset);
                    if mark(cell).get() != FREE {
                        T::finalize(NonNull::new_unchecked(cell.cast()));
                        mark(cell).set(FREE);
                    }
                }
                offset += self.cell;
            }
        }
        for block in self.blocks.drain(..) {
            // SAFETY: allocated with BLOCK_LAYOUT; its objects are finalized.
            unsafe { dealloc(block.as_ptr(), BLOCK_LAYOUT) };
        }
        self.bump = ptr::null_mut();
        self.end = ptr::null_mut();
        self.free = ptr::null_mut();
    }
}

/// An object of the large-object space.
struct Large {
    ptr: NonNull<u8>,
    layout: Layout,
}

/// What a sweep found.
#[derive(Default)]
pub(crate) struct Counts {
    pub(crate) live: usize,
    pub(crate) live_bytes: usize,
    pub(crate) dead_bytes: usize,
}

/// Every cell of a heap of `T`s.
pub(crate) struct Space<T> {
    classes: Box<[Class; CLASS_SIZES.len()]>,
    large: Vec<Large>,
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
            // SAFETY: allocated with `layout` and not in the large list.
            Origin::Large(layout) => unsafe { dealloc(self.cell.as_ptr(), layout) },
        }
    }
}

impl<T: Trace> Space<T> {
    pub(crate) fn new() -> Self {
        Space { classes: Box::new(CLASS_SIZES.map(Class::new)), large: Vec::new(), blocks: 0, _objects: PhantomData }
    }

    /// A cell of at least `size` bytes, filled by `init`, with its mark then
    /// set to `mark`. Returns the cell and its size (the class's, or `size`
    /// rounded up to 8 for a large object).
    ///
    /// # Safety
    /// `init` writes a whole, valid `T` of `size` bytes.
    #[inline]
    pub(crate) unsafe fn alloc(
        &mut self,
        size: usize,
        mark: u8,
        init: impl FnOnce(NonNull<u8>),
    ) -> (NonNull<u8>, usize) {
        let Some(c) = class_of(size) else {
            // SAFETY: the caller's promise.
            return unsafe { self.alloc_large(size, mark, init) };
        };
        let class = &mut self.classes[c];
        let cell_size = class.cell;
        let blocks = class.blocks.len();
        let cell = class.take();
        self.blocks += class.blocks.len() - blocks;
        let guard = Unwritten { space: self, cell, origin: Origin::Class(c) };
        init(cell);
        mem::forget(guard);
        // SAFETY: `init` wrote a whole object, header first.
        unsafe { self::mark(cell.as_ptr()) }.set(mark);
        (cell, cell_size)
    }

    #[cold]
    #[inline(never)]
    unsafe fn alloc_large(&mut self, size: usize, mark: u8, init: impl FnOnce(NonNull<u8>)) -> (NonNull<u8>, usize) {
        let layout = Layout::from_size_align(size.next_multiple_of(ALIGN), ALIGN)
            .unwrap_or_else(|_| panic!("an object of {size} bytes is too large"));
        // SAFETY: the size is over MAX_SMALL, not zero.
        let cell = NonNull::new(unsafe { alloc(layout) }).unwrap_or_else(|| handle_alloc_error(layout));
        let guard = Unwritten { space: self, cell, origin: Origin::Large(layout) };
        init(cell);
        mem::forget(guard);
        // SAFETY: `init` wrote a whole object, header first.
        unsafe { self::mark(cell.as_ptr()) }.set(mark);
        self.large.push(Large { ptr: cell, layout });
        (cell, layout.size())
    }

    /// Blocks held now, in all classes.
    pub(crate) fn blocks(&self) -> usize {
        self.blocks
    }

    /// Large objects held now.
    pub(crate) fn large_objects(&self) -> usize {
        self.large.len()
    }

    /// Finalizes every object whose mark is not `epoch`, and counts the rest.
    pub(crate) fn sweep(&mut self, epoch: u8) -> Counts {
        let mut counts = Counts::default();
        for class in self.classes.iter_mut() {
            // SAFETY: every object in the space is an initialized `T`.
            unsafe { class.sweep::<T>(epoch, &mut counts) };
        }
        self.large.retain(|large| {
            let cell = large.ptr.as_ptr();
            // SAFETY: a large object is whole until it is freed here.
            unsafe {
                if mark(cell).get() == epoch {
                    counts.live += 1;
                    counts.live_bytes += large.layout.size() + (*cell.cast::<T>()).extra_bytes();
                    true
                } else {
                    counts.dead_bytes += large.layout.size() + (*cell.cast::<T>()).extra_bytes();
                    T::finalize(large.ptr.cast());
                    dealloc(cell, large.layout);
                    false
                }
            }
        });
        self.blocks = self.classes.iter().map(|c| c.blocks.len()).sum();
        counts
    }

    /// Finalizes every object and gives back all memory (the heap is going
    /// away).
    pub(crate) fn drop_all(&mut self) {
        for class in self.classes.iter_mut() {
            // SAFETY: every object in the space is an initialized `T`.
            unsafe { class.drop_all::<T>() };
        }
        for large in self.large.drain(..) {
            // SAFETY: a whole object, finalized once, then freed.
            unsafe {
                T::finalize(large.ptr.cast());
                dealloc(large.ptr.as_ptr(), large.layout);
            }
        }
        self.blocks = 0;
    }
}
