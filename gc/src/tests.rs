use super::*;
use std::cell::RefCell;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;

/// A test object: edges to other objects, a drop counter shared by all
/// objects of one test, and a size we can change after allocation.
struct Obj {
    edges: RefCell<Vec<Gc<Obj>>>,
    drops: Rc<Cell<usize>>,
    extra: Cell<usize>,
    panic_in_trace: Cell<bool>,
}

// SAFETY: `trace` reports every edge, edges come from the test's one heap,
// and neither `Drop` (the derived one) nor `extra_bytes` dereferences them.
unsafe impl Trace for Obj {
    fn trace(&self, tracer: &mut Tracer<Self>) {
        if self.panic_in_trace.replace(false) {
            panic!("trace failed");
        }
        for &e in self.edges.borrow().iter() {
            tracer.mark(e);
        }
    }

    fn extra_bytes(&self) -> usize {
        self.extra.get()
    }
}

impl Drop for Obj {
    fn drop(&mut self) {
        self.drops.set(self.drops.get() + 1);
    }
}

struct RootList(Vec<Gc<Obj>>);

impl Roots<Obj> for RootList {
    fn trace_roots(&self, tracer: &mut Tracer<Obj>) {
        for &r in &self.0 {
            tracer.mark(r);
        }
    }
}

struct Fixture {
    heap: Heap<Obj>,
    drops: Rc<Cell<usize>>,
}

impl Fixture {
    fn new() -> Self {
        Fixture { heap: Heap::new(), drops: Rc::new(Cell::new(0)) }
    }

    fn obj(&mut self, edges: &[Gc<Obj>]) -> Gc<Obj> {
        self.alloc(edges, 0)
    }

    /// An object whose size is one heap cell plus `extra` bytes.
    fn sized(&mut self, extra: usize) -> Gc<Obj> {
        self.alloc(&[], extra)
    }

    fn alloc(&mut self, edges: &[Gc<Obj>], extra: usize) -> Gc<Obj> {
        self.heap.alloc(Obj {
            edges: RefCell::new(edges.to_vec()),
            drops: self.drops.clone(),
            extra: Cell::new(extra),
            panic_in_trace: Cell::new(false),
        })
    }

    fn collect(&mut self, roots: &[Gc<Obj>]) {
        // SAFETY: every test keeps the objects it uses afterwards in `roots`.
        unsafe { self.heap.collect(&RootList(roots.to_vec())) };
    }

    fn drops(&self) -> usize {
        self.drops.get()
    }
}

fn link(from: Gc<Obj>, to: Gc<Obj>) {
    from.edges.borrow_mut().push(to);
}

#[test]
fn unreachable_objects_are_freed_and_reachable_survive() {
    let mut f = Fixture::new();
    let leaf = f.obj(&[]);
    let kept = f.obj(&[leaf]);
    f.obj(&[]);
    f.obj(&[leaf]); // garbage pointing at a live object
    f.collect(&[kept]);
    assert_eq!(f.drops(), 2);
    assert_eq!(f.heap.stats().objects_live, 2);
    assert!(Gc::ptr_eq(kept.edges.borrow()[0], leaf));

    f.collect(&[]);
    assert_eq!(f.drops(), 4);
    assert_eq!(f.heap.stats().objects_live, 0);
    assert_eq!(f.heap.total_memory(), 0);
}

#[test]
fn cycles_survive_while_reachable_and_are_freed_after() {
    let mut f = Fixture::new();
    let a = f.obj(&[]);
    let b = f.obj(&[a]);
    let c = f.obj(&[b]);
    link(a, c);
    link(a, a);
    f.collect(&[b]);
    f.collect(&[b]);
    assert_eq!(f.drops(), 0);
    assert_eq!(f.heap.stats().objects_live, 3);

    f.collect(&[]);
    assert_eq!(f.drops(), 3);
    assert_eq!(f.heap.stats().objects_live, 0);
}

#[test]
fn dropping_the_heap_frees_everything() {
    let mut f = Fixture::new();
    let a = f.obj(&[]);
    link(a, a);
    f.obj(&[a]);
    let drops = f.drops.clone();
    drop(f);
    assert_eq!(drops.get(), 2);
}

#[test]
fn stress_mode_asks_for_a_collection_after_every_allocation() {
    let mut f = Fixture::new();
    f.heap.set_stress(true);
    assert!(!f.heap.should_collect());
    for _ in 0..3 {
        let a = f.obj(&[]);
        assert!(f.heap.should_collect());
        f.collect(&[a]);
        assert!(!f.heap.should_collect());
    }

    f.heap.set_stress(false);
    f.obj(&[]);
    assert!(!f.heap.should_collect());
}

#[test]
fn threshold_is_at_least_4_mib_and_then_the_live_bytes() {
    let mut f = Fixture::new();
    let cell = size_of::<GcBox<Obj>>();
    f.sized(MIN_THRESHOLD - cell);
    assert!(!f.heap.should_collect()); // exactly the threshold: not over it
    f.sized(0);
    assert!(f.heap.should_collect());

    let big = f.obj(&[]);
    big.extra.set(MIN_THRESHOLD); // grew after allocation
    f.collect(&[big]);
    let live = f.heap.total_memory();
    assert_eq!(live, cell + MIN_THRESHOLD);

    // The next collection is due once more than `live` has been allocated.
    f.sized(live - cell);
    assert!(!f.heap.should_collect());
    f.sized(0);
    assert!(f.heap.should_collect());
}

#[test]
fn stats_count_collections_pauses_and_allocations() {
    let mut f = Fixture::new();
    let a = f.obj(&[]);
    f.obj(&[a]);
    f.collect(&[a]);
    f.collect(&[]);
    f.collect(&[]);
    let stats = f.heap.stats();
    assert_eq!(stats.collections, 3);
    assert_eq!(stats.objects_allocated, 2);
    assert_eq!(stats.bytes_allocated, 2 * size_of::<GcBox<Obj>>() as u64);
    assert!(stats.max_pause > Duration::ZERO);
    assert!(stats.total_pause >= stats.max_pause);
}

#[test]
fn peak_bytes_tracks_the_largest_heap_including_growth() {
    let mut f = Fixture::new();
    let cell = size_of::<GcBox<Obj>>();
    let a = f.obj(&[]);
    f.obj(&[]);
    f.obj(&[]);
    assert_eq!(f.heap.stats().peak_bytes, 3 * cell);
    f.collect(&[a]);
    assert_eq!(f.heap.total_memory(), cell);
    assert_eq!(f.heap.stats().peak_bytes, 3 * cell);

    a.extra.set(10 * cell); // seen only when the next sweep recounts
    f.obj(&[]);
    assert_eq!(f.heap.stats().peak_bytes, 3 * cell);
    f.collect(&[a]);
    assert_eq!(f.heap.total_memory(), 11 * cell);
    assert_eq!(f.heap.stats().peak_bytes, 12 * cell);
}

#[test]
fn a_million_long_list_is_traced_and_freed_without_recursion() {
    const N: usize = 1_000_000;
    let mut f = Fixture::new();
    let mut head = f.obj(&[]);
    for _ in 1..N {
        head = f.obj(&[head]);
    }
    f.collect(&[head]);
    assert_eq!(f.drops(), 0);
    assert_eq!(f.heap.stats().objects_live, N);

    f.collect(&[]);
    assert_eq!(f.drops(), N);
    assert_eq!(f.heap.stats().objects_live, 0);
}

#[test]
fn a_panic_while_marking_leaves_no_stale_marks() {
    let mut f = Fixture::new();
    let child = f.obj(&[]);
    let parent = f.obj(&[child]);
    let root = f.obj(&[parent]);
    parent.panic_in_trace.set(true);
    let result = catch_unwind(AssertUnwindSafe(|| f.collect(&[root])));
    assert!(result.is_err());
    assert_eq!(f.drops(), 0);

    // `root` and `parent` were marked before the panic; the next collection
    // must trace them again, or `child` would be freed while reachable.
    f.collect(&[root]);
    assert_eq!(f.drops(), 0);
    assert_eq!(f.heap.stats().objects_live, 3);
}

#[test]
fn gc_is_a_copyable_pointer_with_identity() {
    let mut f = Fixture::new();
    let a = f.obj(&[]);
    let b = f.obj(&[]);
    let a2 = a;
    assert!(Gc::ptr_eq(a, a2));
    assert!(!Gc::ptr_eq(a, b));
    assert_eq!(a.addr(), a2.addr());
    assert_eq!(format!("{a:?}"), format!("Gc({:#x})", a.addr()));
}

#[test]
fn freed_cells_are_reused_and_empty_blocks_given_back() {
    let mut f = Fixture::new();
    let n = 3 * blocks::CELLS_PER_BLOCK;
    let all: Vec<_> = (0..n).map(|_| f.obj(&[])).collect();
    assert_eq!(f.heap.blocks.block_count(), 3);
    // Keep one object of the middle block: the first block is all free and
    // goes back; the last (still bumping) stays.
    let kept = all[blocks::CELLS_PER_BLOCK + 5];
    f.collect(&[kept]);
    assert_eq!(f.heap.stats().objects_live, 1);
    assert_eq!(f.heap.blocks.block_count(), 2);
    // New objects take the freed cells before any new block.
    let again: Vec<_> = (0..blocks::CELLS_PER_BLOCK).map(|_| f.obj(&[])).collect();
    assert_eq!(f.heap.blocks.block_count(), 2);
    f.collect(&[kept, again[0]]);
    assert_eq!(f.heap.stats().objects_live, 2);
    assert_eq!(f.drops(), n - 1 + blocks::CELLS_PER_BLOCK - 1);
}
