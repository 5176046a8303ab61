//! Where heap cells live: blocks of equal cells, allocated from a free list
//! or by bumping, and swept block by block.
//!
//! ```text
//! Blocks<T>
//!   blocks    [Block 0][Block 1]...[Block n]   each CELLS_PER_BLOCK cells
//!                                              of one GcBox<T>
//!   bump      the next never-used cell of block n
//!   free      cells freed by the last sweep, reused first
//! a cell:     mark == FREE       free (on the free list, or past `bump`)
//!             mark == epoch      marked by the current collection
//!             anything else      an object, unmarked so far
//! ```
//!
//! Invariants:
//! - A cell below `bump` (or in an earlier block) is either free, with
//!   `mark == FREE` and its value dropped, or holds an object. Cells past
//!   `bump` are never read.
//! - Cells never move: a `Gc` stays valid while its object lives.
//! - The sweep visits every block's cells, drops the unmarked objects,
//!   rebuilds the free list, and gives a block whose cells are all free back
//!   to the allocator.

use std::cell::Cell;
use std::mem::MaybeUninit;
use std::ptr::NonNull;

use crate::GcBox;

/// Cells per block.
pub(crate) const CELLS_PER_BLOCK: usize = 1024;

/// The mark of a free cell; epochs skip it.
pub(crate) const FREE: u32 = u32::MAX;

type Block<T> = Box<[MaybeUninit<GcBox<T>>]>;

pub(crate) struct Blocks<T> {
    blocks: Vec<Block<T>>,
    /// Cells of the last block handed out so far.
    bump: usize,
    free: Vec<NonNull<GcBox<T>>>,
}

impl<T> Blocks<T> {
    pub(crate) fn new() -> Self {
        Blocks { blocks: Vec::new(), bump: CELLS_PER_BLOCK, free: Vec::new() }
    }

    /// A cell for `value`, marked `mark`.
    #[inline]
    pub(crate) fn alloc(&mut self, mark: u32, value: T) -> NonNull<GcBox<T>> {
        let cell = match self.free.pop() {
            Some(cell) => cell,
            None => self.bump_cell(),
        };
        // SAFETY: the cell is free (from the free list, or never used): its
        // value is dropped or uninitialized, so writing does not leak.
        unsafe { cell.as_ptr().write(GcBox { mark: Cell::new(mark), value }) };
        cell
    }

    fn bump_cell(&mut self) -> NonNull<GcBox<T>> {
        if self.bump == CELLS_PER_BLOCK {
            self.blocks.push(Box::new_uninit_slice(CELLS_PER_BLOCK));
            self.bump = 0;
        }
        let block = self.blocks.last_mut().expect("a block was just pushed");
        let cell = NonNull::from(&mut block[self.bump]).cast();
        self.bump += 1;
        cell
    }

    /// How many blocks the heap holds.
    #[cfg(test)]
    pub(crate) fn block_count(&self) -> usize {
        self.blocks.len()
    }

    /// The cells of block `b` that were ever handed out.
    fn used(&self, b: usize) -> usize {
        if b + 1 == self.blocks.len() { self.bump } else { CELLS_PER_BLOCK }
    }

    /// Drops every object whose mark is not `epoch`; `size` gives each
    /// object's bytes. Returns (live objects, live bytes, dead bytes).
    pub(crate) fn sweep(&mut self, epoch: u32, size: impl Fn(&T) -> usize) -> (usize, usize, usize) {
        let (mut live, mut live_bytes, mut dead_bytes) = (0, 0, 0);
        self.free.clear();
        let mut b = 0;
        while b < self.blocks.len() {
            let last = b + 1 == self.blocks.len();
            let used = self.used(b);
            let free_before = self.free.len();
            let mut live_here = 0;
            for i in 0..used {
                let cell = &mut self.blocks[b][i];
                let ptr = NonNull::from(&mut *cell).cast::<GcBox<T>>();
                // SAFETY: a used cell's header is initialized (invariant).
                let gc_box = unsafe { ptr.as_ref() };
                match gc_box.mark.get() {
                    FREE => self.free.push(ptr),
                    m if m == epoch => {
                        live_here += 1;
                        live_bytes += size(&gc_box.value);
                    }
                    _ => {
                        dead_bytes += size(&gc_box.value);
                        // SAFETY: the cell holds an object nothing reaches
                        // (unmarked); it is dropped once, then marked free.
                        unsafe { std::ptr::drop_in_place(&raw mut (*ptr.as_ptr()).value) };
                        gc_box.mark.set(FREE);
                        self.free.push(ptr);
                    }
                }
            }
            live += live_here;
            if live_here == 0 && !last {
                // All free: give the block back (its cells leave the list).
                // (`remove`, not `swap_remove`: the bump block stays last.)
                self.free.truncate(free_before);
                self.blocks.remove(b);
                continue;
            }
            b += 1;
        }
        (live, live_bytes, dead_bytes)
    }

    /// Drops every object (the heap is going away).
    pub(crate) fn drop_all(&mut self) {
        for b in 0..self.blocks.len() {
            let used = self.used(b);
            for cell in &mut self.blocks[b][..used] {
                let ptr = NonNull::from(&mut *cell).cast::<GcBox<T>>();
                // SAFETY: a used cell's header is initialized (invariant).
                if unsafe { ptr.as_ref() }.mark.get() != FREE {
                    // SAFETY: it holds an object, dropped once here.
                    unsafe { std::ptr::drop_in_place(&raw mut (*ptr.as_ptr()).value) };
                    // SAFETY: as above.
                    unsafe { ptr.as_ref() }.mark.set(FREE);
                }
            }
        }
        self.blocks.clear();
        self.free.clear();
        self.bump = CELLS_PER_BLOCK;
    }
}
