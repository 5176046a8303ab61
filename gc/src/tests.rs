use super::*;
use space::{BLOCK_HEADER, BLOCK_SIZE, CLASS_SIZES, MAX_SMALL, class_of};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;

/// A test object as the VM lays its objects out: a header, then `n` edges
/// inline, so its size is `HEAD + 8 * n`.
#[repr(C)]
struct TestObj {
    h: GcHeader,
    /// `PANIC_IN_TRACE`.
    flags: Cell<u8>,
    n: u32,
    shared: *const Shared,
    // then n × Cell<Option<Gc<TestObj>>>
}

/// The bytes of a `TestObj` before its edges.
const HEAD: usize = size_of::<TestObj>();
const PANIC_IN_TRACE: u8 = 1;

type Edge = Cell<Option<Gc<TestObj>>>;

/// What the objects of one test share, outside the heap.
#[derive(Default)]
struct Shared {
    drops: Cell<usize>,
    /// Addresses of the objects allocated and not finalized yet.
    live: RefCell<HashSet<usize>>,
    /// Extra bytes, by object address.
    extra: RefCell<HashMap<usize, usize>>,
    /// Calls of `trace`.
    traced: Cell<usize>,
}

impl TestObj {
    fn edges(&self) -> &[Edge] {
        // SAFETY: `n` edges follow the object's head in its cell.
        unsafe { std::slice::from_raw_parts((self as *const Self).add(1).cast::<Edge>(), self.n as usize) }
    }

    fn shared(&self) -> &Shared {
        // SAFETY: the fixture's `Shared` outlives its heap.
        unsafe { &*self.shared }
    }
}

// SAFETY: `trace` reports every edge, edges come from the test's one heap,
// neither `finalize` nor `extra_bytes` dereferences them, and `TestObj` is
// repr(C) with its GcHeader first.
unsafe impl Trace for TestObj {
    fn trace(&self, tracer: &mut Tracer<Self>) {
        if self.flags.get() & PANIC_IN_TRACE != 0 {
            self.flags.set(self.flags.get() & !PANIC_IN_TRACE);
            panic!("trace failed");
        }
        self.shared().traced.set(self.shared().traced.get() + 1);
        for e in self.edges() {
            if let Some(e) = e.get() {
                tracer.mark(e);
            }
        }
    }

    fn size(&self) -> usize {
        HEAD + 8 * self.n as usize
    }

    fn extra_bytes(&self) -> usize {
        let addr = (self as *const Self).addr();
        self.shared().extra.borrow().get(&addr).copied().unwrap_or(0)
    }

    unsafe fn finalize(this: NonNull<Self>) {
        // SAFETY: the object is whole until this returns.
        let shared = unsafe { this.as_ref() }.shared();
        let addr = this.as_ptr().addr();
        assert!(shared.live.borrow_mut().remove(&addr), "finalized twice, or never allocated");
        shared.extra.borrow_mut().remove(&addr);
        shared.drops.set(shared.drops.get() + 1);
    }
}

struct RootList(Vec<Gc<TestObj>>);

impl Roots<TestObj> for RootList {
    fn trace_roots(&self, tracer: &mut Tracer<TestObj>) {
        for &r in &self.0 {
            tracer.mark(r);
        }
    }
}

struct Fixture {
    /// Dropped before `shared`, which its objects' `finalize` uses.
    heap: Heap<TestObj>,
    shared: Rc<Shared>,
}

/// The bytes an object of `size` bytes takes: its class's cell, or itself.
fn cell_size(size: usize) -> usize {
    class_of(size).map_or(size.next_multiple_of(8), |c| CLASS_SIZES[c])
}

impl Fixture {
    fn new() -> Self {
        Fixture { heap: Heap::new(), shared: Rc::default() }
    }

    /// An object with these edges and no room for more.
    fn obj(&mut self, edges: &[Gc<TestObj>]) -> Gc<TestObj> {
        self.alloc(edges.len(), edges, 0)
    }

    /// An object of `slots` edges (`edges` first, then none).
    fn slots(&mut self, slots: usize, edges: &[Gc<TestObj>]) -> Gc<TestObj> {
        self.alloc(slots, edges, 0)
    }

    /// An object whose size is the smallest cell plus `extra` bytes.
    fn sized(&mut self, extra: usize) -> Gc<TestObj> {
        self.alloc(0, &[], extra)
    }

    fn alloc(&mut self, slots: usize, edges: &[Gc<TestObj>], extra: usize) -> Gc<TestObj> {
        let shared = Rc::as_ptr(&self.shared);
        let init = |cell: NonNull<u8>| {
            let addr = cell.as_ptr().addr();
            assert!(self.shared.live.borrow_mut().insert(addr), "a live object's cell handed out again");
            if extra > 0 {
                self.shared.extra.borrow_mut().insert(addr, extra);
            }
            let obj = TestObj { h: GcHeader::new(), flags: Cell::new(0), n: slots as u32, shared };
            // SAFETY: the cell has room for the head and `slots` edges.
            unsafe {
                cell.cast::<TestObj>().write(obj);
                let first = cell.as_ptr().add(HEAD).cast::<Edge>();
                for i in 0..slots {
                    first.add(i).write(Cell::new(edges.get(i).copied()));
                }
            }
        };
        // SAFETY: `init` writes a whole TestObj of `slots` edges, whose size
        // is HEAD + 8 * slots.
        unsafe { self.heap.alloc_with(HEAD + 8 * slots, init) }
    }

    /// A major collection.
    fn collect(&mut self, roots: &[Gc<TestObj>]) {
        self.run(roots, Collection::Major);
    }

    fn minor(&mut self, roots: &[Gc<TestObj>]) {
        self.run(roots, Collection::Minor);
    }

    /// Verifies the heap, collects, and verifies it again.
    fn run(&mut self, roots: &[Gc<TestObj>], kind: Collection) {
        let roots = RootList(roots.to_vec());
        // SAFETY: every test keeps the objects it uses afterwards in `roots`
        // (and stores with `link_barrier` where it means to keep them).
        unsafe {
            self.heap.verify_before().expect("the heap before");
            self.heap.collect(&roots, kind);
            self.heap.verify_after(&roots, kind).expect("the heap after");
            self.heap.verify_before().expect("the heap after, as the next collection sees it");
        }
    }

    /// Verifies the heap, without collecting: as before a collection, and
    /// reachability from `roots` as after a major one.
    fn verify(&mut self, roots: &[Gc<TestObj>]) -> Result<(), String> {
        self.heap.verify_before()?;
        // SAFETY: the roots are live objects of this heap.
        unsafe { self.heap.verify_after(&RootList(roots.to_vec()), Collection::Major) }
    }

    fn traced(&self) -> usize {
        self.shared.traced.get()
    }

    fn drops(&self) -> usize {
        self.shared.drops.get()
    }

    fn set_extra(&self, g: Gc<TestObj>, extra: usize) {
        self.shared.extra.borrow_mut().insert(g.addr(), extra);
    }
}

/// Puts `to` in the first empty edge of `from`, through the write barrier.
fn link_barrier(from: Gc<TestObj>, to: Gc<TestObj>) {
    from.h.write_barrier(to.header());
    link(from, to);
}

/// Puts `to` in the first empty edge of `from` (no barrier: `from` is young,
/// or the test means to miss it).
fn link(from: Gc<TestObj>, to: Gc<TestObj>) {
    let slot = from.edges().iter().find(|e| e.get().is_none()).expect("a free edge");
    slot.set(Some(to));
}

fn edge(from: Gc<TestObj>, i: usize) -> Gc<TestObj> {
    from.edges()[i].get().expect("an edge")
}

#[test]
fn header_and_pointer_sizes() {
    assert_eq!(size_of::<GcHeader>(), 2);
    assert_eq!(size_of::<Gc<TestObj>>(), 8);
    assert_eq!(size_of::<Option<Gc<TestObj>>>(), 8);
    assert_eq!(HEAD, 16);
}

#[test]
fn size_classes_cover_every_small_size_with_a_cell_that_fits() {
    for size in 1..=MAX_SMALL {
        let cell = CLASS_SIZES[class_of(size).unwrap()];
        assert!(cell >= size && cell >= 16 && cell.is_multiple_of(8), "{size} -> {cell}");
        // The smallest class that fits.
        assert!(class_of(size).unwrap() == 0 || CLASS_SIZES[class_of(size).unwrap() - 1] < size);
    }
    assert_eq!(class_of(MAX_SMALL + 1), None);
    assert!(CLASS_SIZES.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(*CLASS_SIZES.last().unwrap(), MAX_SMALL);
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
    assert!(Gc::ptr_eq(edge(kept, 0), leaf));

    f.collect(&[]);
    assert_eq!(f.drops(), 4);
    assert_eq!(f.heap.stats().objects_live, 0);
    assert_eq!(f.heap.total_memory(), 0);
}

#[test]
fn cycles_survive_while_reachable_and_are_freed_after() {
    let mut f = Fixture::new();
    let a = f.slots(2, &[]);
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
fn dropping_the_heap_finalizes_everything_once() {
    let mut f = Fixture::new();
    let a = f.slots(1, &[]);
    link(a, a);
    let b = f.obj(&[a]);
    f.obj(&[b]);
    f.slots(MAX_SMALL, &[a]); // a large object
    f.collect(&[b]); // one object finalized by the sweep, not again by the drop
    assert_eq!(f.drops(), 2);
    f.obj(&[]);
    let shared = f.shared.clone();
    drop(f);
    assert_eq!(shared.drops.get(), 5);
    assert!(shared.live.borrow().is_empty());
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
fn a_minor_collection_is_due_after_the_young_budget_and_a_major_after_the_old_generation_doubles() {
    let mut f = Fixture::new();
    let cell = CLASS_SIZES[0];
    let first = f.sized(YOUNG_BUDGET - cell);
    assert_eq!(f.heap.due(), None); // exactly the budget: not over it
    let last = f.sized(0);
    assert_eq!(f.heap.due(), Some(Collection::Minor));

    // Everything survives: the budget doubles, up to its largest.
    let mut kept = vec![first, last];
    f.minor(&kept);
    assert_eq!(f.heap.young_budget(), 2 * YOUNG_BUDGET);
    // Nothing survives: it halves, down to its least.
    f.sized(YOUNG_BUDGET);
    f.minor(&kept);
    assert_eq!(f.heap.young_budget(), YOUNG_BUDGET);
    f.minor(&kept);
    assert_eq!(f.heap.young_budget(), YOUNG_BUDGET);

    // Grow the old generation, keeping everything through minor
    // collections, until a major one is due: not before the old generation
    // grew by the least growth.
    loop {
        let g = f.sized(f.heap.young_budget());
        kept.push(g);
        match f.heap.due() {
            Some(Collection::Minor) => {
                f.minor(&kept);
                f.minor(&kept); // promoted
            }
            due => {
                assert_eq!(due, Some(Collection::Major));
                assert!(f.heap.stats().bytes_promoted as usize > MIN_MAJOR_GROWTH);
                break;
            }
        }
    }
    assert!(f.heap.young_budget() <= MAX_YOUNG_BUDGET);
    f.collect(&kept);
    f.sized(f.heap.young_budget());
    assert_eq!(f.heap.due(), Some(Collection::Minor));

    // Past the limit, a major one.
    f.heap.set_limit(f.heap.total_memory() - 1);
    assert_eq!(f.heap.due(), Some(Collection::Major));
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
    assert_eq!(stats.bytes_allocated, (cell_size(HEAD) + cell_size(HEAD + 8)) as u64);
    assert!(stats.max_pause > Duration::ZERO);
    assert!(stats.total_pause >= stats.max_pause);
}

#[test]
fn peak_bytes_tracks_the_largest_heap_including_growth() {
    let mut f = Fixture::new();
    let cell = CLASS_SIZES[0];
    let a = f.obj(&[]);
    f.obj(&[]);
    f.obj(&[]);
    assert_eq!(f.heap.stats().peak_bytes, 3 * cell);
    f.collect(&[a]);
    assert_eq!(f.heap.total_memory(), cell);
    assert_eq!(f.heap.stats().peak_bytes, 3 * cell);

    f.set_extra(a, 10 * cell); // seen only when the next sweep recounts
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
    parent.flags.set(PANIC_IN_TRACE);
    let result = catch_unwind(AssertUnwindSafe(|| f.collect(&[root])));
    assert!(result.is_err());
    assert_eq!(f.drops(), 0);

    // `root` and `parent` were marked before the panic; the next collection
    // must trace them again, or `child` would be freed while reachable.
    f.collect(&[root]);
    assert_eq!(f.drops(), 0);
    assert_eq!(f.heap.stats().objects_live, 3);

    // And the heap goes on as usual.
    let more = f.obj(&[root]);
    f.collect(&[more]);
    assert_eq!(f.drops(), 0);
    f.collect(&[]);
    assert_eq!(f.drops(), 4);
}

#[test]
fn a_panic_while_initializing_gives_the_cell_back() {
    let mut f = Fixture::new();
    let kept = f.obj(&[]);
    let result = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: `init` panics, so no object is made.
        unsafe {
            f.heap.alloc_with(HEAD, |cell| {
                cell.cast::<GcHeader>().write(GcHeader::new());
                panic!("init failed")
            })
        }
    }));
    assert!(result.is_err());
    // SAFETY: as above; a large cell too.
    let result = catch_unwind(AssertUnwindSafe(|| unsafe { f.heap.alloc_with(4 * MAX_SMALL, |_| panic!("init")) }));
    assert!(result.is_err());
    // The cells hold no object: the sweep does not finalize them.
    f.collect(&[kept]);
    assert_eq!(f.drops(), 0);
    assert_eq!(f.heap.stats().objects_live, 1);
    assert_eq!(f.heap.stats().large_objects, 0);
    f.obj(&[]);
    f.collect(&[]);
    assert_eq!(f.drops(), 2);
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
    assert_eq!(a.as_ptr().as_ptr().addr(), a.addr());
    assert_eq!(a.addr() % 8, 0);
    assert_eq!(format!("{a:?}"), format!("Gc({:#x})", a.addr()));
}

#[test]
fn objects_of_every_size_are_freed_once_kept_intact_and_their_cells_reused() {
    let mut f = Fixture::new();
    // Every size from 16 bytes to past MAX_SMALL, in 8-byte steps: every
    // class, several sizes per class, and large objects.
    let max_slots = (2 * MAX_SMALL - HEAD) / 8;
    let mut kept: Vec<Gc<TestObj>> = Vec::new();
    let mut dead_cells: HashMap<usize, HashSet<usize>> = HashMap::new();
    let mut bytes = 0;
    for slots in 0..=max_slots {
        let size = HEAD + 8 * slots;
        for i in 0..4 {
            // Every edge points at the last object kept (none at first).
            let edges = kept.last().map_or(Vec::new(), |&last| vec![last; slots]);
            let g = f.slots(slots, &edges);
            assert_eq!(g.size(), size);
            bytes += cell_size(size);
            if i % 2 == 0 {
                kept.push(g);
            } else if let Some(c) = class_of(size) {
                dead_cells.entry(c).or_default().insert(g.addr());
            }
        }
    }
    let all = 4 * (max_slots + 1);
    assert_eq!(f.heap.total_memory(), bytes);
    assert_eq!(f.heap.stats().objects_live, all);

    f.collect(&kept);
    assert_eq!(f.drops(), all / 2); // and each once (`finalize` checks)
    assert_eq!(f.heap.stats().objects_live, kept.len());
    let live_bytes: usize = kept.iter().map(|g| cell_size(g.size())).sum();
    assert_eq!(f.heap.total_memory(), live_bytes);
    assert_eq!(f.heap.stats().large_objects, kept.iter().filter(|g| g.size() > MAX_SMALL).count());
    for (i, &g) in kept.iter().enumerate() {
        assert_eq!(g.size(), HEAD + 8 * (i / 2), "object {i}'s length");
        let expect = if i == 0 { None } else { Some(kept[i - 1]) };
        for e in g.edges() {
            assert_eq!(e.get().map(Gc::addr), expect.map(Gc::addr), "object {i}'s edges");
        }
    }

    // New objects of each class take the cells of its dead ones.
    let kept_cells: HashSet<usize> = kept.iter().map(|g| g.addr()).collect();
    for slots in 0..=max_slots {
        let size = HEAD + 8 * slots;
        let Some(c) = class_of(size) else { continue };
        for _ in 0..2 {
            let g = f.slots(slots, &[]);
            assert!(!kept_cells.contains(&g.addr()));
            assert!(dead_cells.get_mut(&c).unwrap().remove(&g.addr()), "size {size}: a new cell, not a freed one");
        }
    }
    assert!(dead_cells.values().all(HashSet::is_empty));
}

#[test]
fn freed_cells_are_reused_and_empty_blocks_given_back() {
    let mut f = Fixture::new();
    let per_block = (BLOCK_SIZE - BLOCK_HEADER) / CLASS_SIZES[0];
    let n = 3 * per_block;
    let all: Vec<_> = (0..n).map(|_| f.obj(&[])).collect();
    assert_eq!(f.heap.stats().blocks, 3);
    // Keep one object of the middle block: the first block is all free and
    // goes back; the last (still bumping) stays.
    let kept = all[per_block + 5];
    f.collect(&[kept]);
    assert_eq!(f.heap.stats().objects_live, 1);
    assert_eq!(f.heap.stats().blocks, 2);
    // New objects take the freed cells before any new block.
    let again: Vec<_> = (0..2 * per_block - 1).map(|_| f.obj(&[])).collect();
    assert_eq!(f.heap.stats().blocks, 2);
    f.obj(&[]);
    assert_eq!(f.heap.stats().blocks, 3);
    f.collect(&[kept, again[0]]);
    assert_eq!(f.heap.stats().objects_live, 2);
    assert_eq!(f.drops(), n - 1 + 2 * per_block - 1);
}

#[test]
fn a_block_emptied_by_a_collection_is_released() {
    let mut f = Fixture::new();
    let slots = (256 - HEAD) / 8; // 256-byte cells
    let per_block = (BLOCK_SIZE - BLOCK_HEADER) / 256;
    let all: Vec<_> = (0..3 * per_block).map(|_| f.slots(slots, &[])).collect();
    let small = f.obj(&[]); // another class's block
    assert_eq!(f.heap.stats().blocks, 4);

    let kept = all[per_block];
    f.collect(&[kept, small]);
    assert_eq!(f.heap.stats().blocks, 3); // the first block went back
    f.collect(&[small]);
    assert_eq!(f.heap.stats().blocks, 2); // so did the second; the bump block stays
    assert_eq!(f.heap.total_memory(), CLASS_SIZES[0]);

    // The emptied bump block (the third) is bumped through again from its
    // start.
    let again: Vec<_> = (0..per_block).map(|_| f.slots(slots, &[])).collect();
    assert_eq!(f.heap.stats().blocks, 2);
    assert!(again.iter().zip(&all[2 * per_block..]).all(|(a, b)| a.addr() == b.addr()));
    f.collect(&[]);
    assert_eq!(f.heap.stats().blocks, 2); // bump blocks, one per class used
    assert_eq!(f.heap.total_memory(), 0);
}

#[test]
fn large_objects_are_freed_and_accounted() {
    let mut f = Fixture::new();
    let sizes = [MAX_SMALL + 8, 4096, 100_000, 1 << 20];
    let objs: Vec<_> = sizes.iter().map(|&s| f.slots((s - HEAD) / 8, &[])).collect();
    assert_eq!(f.heap.stats().large_objects, 4);
    assert_eq!(f.heap.stats().blocks, 0);
    assert_eq!(f.heap.total_memory(), sizes.iter().sum::<usize>());
    assert_eq!(f.heap.stats().bytes_allocated, sizes.iter().sum::<usize>() as u64);

    // A large object's edges are traced like any other.
    let small = f.obj(&[]);
    link(objs[2], small);
    f.set_extra(objs[2], 1000);
    f.collect(&[objs[2]]);
    assert_eq!(f.drops(), 3);
    assert_eq!(f.heap.stats().large_objects, 1);
    assert_eq!(f.heap.stats().objects_live, 2);
    assert_eq!(f.heap.total_memory(), 100_000 + 1000 + CLASS_SIZES[0]);
    assert!(Gc::ptr_eq(edge(objs[2], 0), small));

    f.collect(&[]);
    assert_eq!(f.drops(), 5);
    assert_eq!(f.heap.stats().large_objects, 0);
    assert_eq!(f.heap.total_memory(), 0);
}

#[test]
fn alloc_moves_a_sized_object_in() {
    let mut f = Fixture::new();
    let shared = Rc::as_ptr(&f.shared);
    let g = f.heap.alloc(TestObj { h: GcHeader::new(), flags: Cell::new(0), n: 0, shared });
    f.shared.live.borrow_mut().insert(g.addr());
    assert_eq!(g.size(), HEAD);
    assert_eq!(f.heap.total_memory(), CLASS_SIZES[0]);
    f.collect(&[]);
    assert_eq!(f.drops(), 1);
}

// ----- generations

#[test]
fn objects_are_born_young_and_become_old_after_two_minor_collections() {
    let mut f = Fixture::new();
    let a = f.obj(&[]);
    let dead = f.obj(&[]);
    assert_eq!((a.generation(), dead.generation()), (0, 0));
    f.minor(&[a]);
    assert_eq!(f.drops(), 1);
    assert_eq!(a.generation(), 1);
    assert_eq!(f.heap.stats().objects_young, 1);
    f.minor(&[a]);
    assert_eq!(a.generation(), 2);
    assert_eq!(f.heap.stats().objects_young, 0);
    assert_eq!(f.heap.stats().bytes_promoted, CLASS_SIZES[0] as u64);
    // An old object is freed only by a major collection.
    f.minor(&[]);
    assert_eq!(f.drops(), 1);
    f.collect(&[]);
    assert_eq!(f.drops(), 2);
    assert_eq!(f.heap.total_memory(), 0);
}

#[test]
fn a_major_collection_makes_every_survivor_old_and_empties_the_remembered_set() {
    let mut f = Fixture::new();
    let old = f.slots(1, &[]);
    f.collect(&[old]);
    let young = f.obj(&[]);
    link_barrier(old, young);
    assert_eq!(f.heap.remembered().len(), 1);
    f.collect(&[old]);
    assert_eq!(young.generation(), 2);
    assert!(f.heap.remembered().is_empty());
    assert_eq!(f.heap.stats().objects_young, 0);
}

#[test]
fn a_minor_collection_keeps_young_objects_that_only_old_ones_hold() {
    let mut f = Fixture::new();
    let old = f.slots(2, &[]);
    f.collect(&[old]);
    let young = f.obj(&[]);
    link_barrier(old, young);
    assert_eq!(f.heap.stats().remembered, 0); // counted at collections
    f.minor(&[old]);
    assert_eq!(f.drops(), 0);
    assert_eq!(young.generation(), 1);
    // `old` stays remembered while `young` is young.
    assert_eq!(f.heap.stats().remembered, 1);
    f.minor(&[old]);
    assert_eq!(young.generation(), 2);
    // Promoted: `old` holds no young object any more and is forgotten.
    f.minor(&[old]);
    assert_eq!(f.heap.stats().remembered, 0);
    assert_eq!(f.drops(), 0);
}

#[test]
fn the_barrier_remembers_only_old_objects_that_get_young_references_and_each_once() {
    let mut f = Fixture::new();
    let old = f.slots(3, &[]);
    let old2 = f.obj(&[]);
    f.collect(&[old, old2]);
    link_barrier(old, old2); // old -> old: nothing to remember
    assert!(f.heap.remembered().is_empty());
    let young = f.slots(1, &[]);
    link_barrier(young, old); // young -> old: nothing either
    assert!(f.heap.remembered().is_empty());
    link_barrier(old, young);
    link_barrier(old, young);
    assert_eq!(f.heap.remembered().len(), 1);
    old.h.touch();
    assert_eq!(f.heap.remembered().len(), 1);
    f.verify(&[old]).unwrap();
}

#[test]
fn an_object_promoted_while_it_holds_a_young_one_is_remembered() {
    let mut f = Fixture::new();
    let a = f.slots(1, &[]);
    f.minor(&[a]); // a: survived one
    let b = f.obj(&[]);
    link(a, b); // a is young: no barrier needed
    f.minor(&[a]); // a promoted, b survived one: a must be remembered
    assert_eq!((a.generation(), b.generation()), (2, 1));
    assert_eq!(f.heap.stats().remembered, 1);
    // b is reached only through a, which the minor collection does not trace.
    f.minor(&[a]);
    assert_eq!(f.drops(), 0);
    assert_eq!(b.generation(), 2);
}

#[test]
fn a_minor_collection_does_not_trace_old_objects() {
    let mut f = Fixture::new();
    let mut head = f.obj(&[]);
    for _ in 0..10_000 {
        head = f.obj(&[head]);
    }
    f.collect(&[head]);
    let young = f.obj(&[head]);
    // Without the verifier, whose walks trace everything.
    let before = f.traced();
    // SAFETY: `young` is live, and reaches everything else.
    unsafe { f.heap.collect(&RootList(vec![young]), Collection::Minor) };
    // `young` alone: the old list it points to is not traced.
    assert_eq!(f.traced() - before, 1);
    assert_eq!(f.drops(), 0);
}

#[test]
fn the_verifier_finds_a_missed_barrier_and_a_freed_reachable_object() {
    let mut f = Fixture::new();
    let old = f.slots(1, &[]);
    f.collect(&[old]);
    let young = f.obj(&[]);
    link(old, young); // the barrier missed
    let e = f.verify(&[old]).unwrap_err();
    assert!(e.contains("write barrier missed"), "{e}");
    // SAFETY: the test means to break the invariant; nothing dereferences
    // `young` afterwards but the verifier, which checks before tracing.
    unsafe { f.heap.collect(&RootList(vec![old]), Collection::Minor) };
    assert_eq!(f.drops(), 1);
    let e = f.verify(&[old]).unwrap_err();
    assert!(e.contains("holds a freed cell"), "{e}");
    // Mend the edge so that dropping the heap is sound.
    old.edges()[0].set(None);
    f.verify(&[old]).unwrap();
}

#[test]
fn young_large_objects_are_freed_by_minor_collections_and_promoted() {
    let mut f = Fixture::new();
    let slots = (4 * MAX_SMALL - HEAD) / 8;
    let big = f.slots(slots, &[]);
    let dead = f.slots(slots, &[]);
    let _ = dead;
    assert_eq!(f.heap.stats().large_objects, 2);
    f.minor(&[big]);
    assert_eq!(f.drops(), 1);
    assert_eq!(f.heap.stats().large_objects, 1);
    f.minor(&[big]);
    assert_eq!(big.generation(), 2);
    // The barrier finds a large object's heap through its prefix.
    let young = f.obj(&[]);
    link_barrier(big, young);
    assert_eq!(f.heap.remembered().len(), 1);
    f.minor(&[big]);
    assert_eq!(f.drops(), 1);
    assert_eq!(f.heap.total_memory(), 4 * MAX_SMALL + CLASS_SIZES[0]);
}

#[test]
fn minor_collections_count_the_old_suspended_frames_they_skip() {
    let mut f = Fixture::new();
    let frames: Vec<_> = (0..10)
        .map(|_| {
            let g = f.slots(1, &[]);
            g.h.bits.set(g.h.bits.get() | super::FRAME);
            g
        })
        .collect();
    f.collect(&frames);
    f.minor(&frames);
    assert_eq!(f.heap.stats().frames_skipped_last, 10);
    // One is stored into: it is traced, the rest are not.
    let young = f.obj(&[]);
    link_barrier(frames[0], young);
    f.minor(&frames);
    assert_eq!(f.heap.stats().frames_skipped_last, 9);
    assert_eq!(f.heap.stats().frames_skipped, 19);
    assert_eq!(f.heap.stats().minor_collections, 2);
    assert_eq!(f.heap.stats().major_collections, 1);
}

#[test]
fn stress_mode_runs_a_major_collection_every_so_often() {
    let mut f = Fixture::new();
    f.heap.set_stress(true);
    let mut kinds = Vec::new();
    for _ in 0..2 * STRESS_MAJOR_EVERY {
        let a = f.obj(&[]);
        let kind = f.heap.due().expect("due after an allocation");
        kinds.push(kind);
        f.run(&[a], kind);
    }
    assert_eq!(kinds.iter().filter(|k| **k == Collection::Major).count(), 2);
}
