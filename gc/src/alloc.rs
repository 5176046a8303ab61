//! The allocator the `toy` command and the benchmarks install: mimalloc.
//!
//! Heap cells come from the collector's own blocks, but the blocks, large
//! objects, lists' and dictionaries' buffers and the VM's vectors are
//! allocations of the process allocator, often enough to matter. The `mimalloc` crate's
//! own `GlobalAlloc` always takes mimalloc's aligned path; this one uses
//! plain `mi_malloc` whenever mimalloc's natural alignment (16 bytes for
//! blocks of 16 bytes or more, 8 below) already satisfies the layout, which
//! is every allocation the VM makes: the aligned path's extra checks are
//! skipped on every allocation.

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

use libmimalloc_sys as mi;

pub struct Allocator;

/// Whether `mi_malloc`'s natural alignment is enough for `layout`.
fn natural(layout: &Layout) -> bool {
    layout.align() <= 8 || (layout.align() <= 16 && layout.size() >= 16)
}

// SAFETY: every method forwards to mimalloc with a size and alignment that
// mimalloc honours (`natural` or the aligned entry points), and frees with
// `mi_free`, which accepts blocks from every mimalloc allocation function.
unsafe impl GlobalAlloc for Allocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: see the impl.
        unsafe {
            if natural(&layout) {
                mi::mi_malloc(layout.size()) as *mut u8
            } else {
                mi::mi_malloc_aligned(layout.size(), layout.align()) as *mut u8
            }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: see the impl.
        unsafe {
            if natural(&layout) {
                mi::mi_zalloc(layout.size()) as *mut u8
            } else {
                mi::mi_zalloc_aligned(layout.size(), layout.align()) as *mut u8
            }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: `ptr` came from one of the functions above.
        unsafe { mi::mi_free(ptr as *mut c_void) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: see the impl; the new block keeps the old alignment.
        unsafe {
            let new = Layout::from_size_align_unchecked(new_size, layout.align());
            if natural(&new) {
                mi::mi_realloc(ptr as *mut c_void, new_size) as *mut u8
            } else {
                mi::mi_realloc_aligned(ptr as *mut c_void, new_size, layout.align()) as *mut u8
            }
        }
    }
}
