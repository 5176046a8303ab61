//! The generational collector as programs and `--stats` see it: what
//! `programs/` cannot check because it must print the same under Mono.

mod common;

use common::run_source;

fn run(source: &str, mode: vm::Backend) -> common::RunResult {
    let options = vm::Options { mode, gc_verify: true, ..Default::default() };
    run_source(source, "gc.toy", options).expect("compiles")
}

const BOTH: [vm::Backend; 2] = [vm::Backend::Async1, vm::Backend::Async2];

/// `GC.GetGeneration(null)` throws `ArgumentNullException`, as .NET's does
/// (Mono's throws `NullReferenceException`, so no program checks it).
#[test]
fn get_generation_of_null_throws_argument_null() {
    let r = run(
        r#"using System;
class P { static void Main() {
    try { GC.GetGeneration(null); } catch (ArgumentNullException e) { Console.WriteLine(e.Message); }
} }"#,
        vm::Backend::Async1,
    );
    assert_eq!(r.stdout, "Value cannot be null. (Parameter 'obj')\n");
}

/// Generations as .NET numbers them: 0 at birth, 1 after one young
/// collection, 2 after two or after a full one; `CollectionCount(0)` and
/// `(1)` count both kinds, `(2)` the full ones.
#[test]
fn objects_move_up_the_generations_and_collections_are_counted_per_generation() {
    let r = run(
        r#"using System;
class Node { }
class P {
    static Node a, b;
    static void Main() {
        a = new Node();
        Console.WriteLine(GC.GetGeneration(a));
        GC.Collect(0);
        Console.WriteLine(GC.GetGeneration(a));
        GC.Collect(0);
        Console.WriteLine(GC.GetGeneration(a));
        b = new Node();
        GC.Collect();
        Console.WriteLine(GC.GetGeneration(b));
        Console.WriteLine(GC.CollectionCount(0) + " " + GC.CollectionCount(1) + " " + GC.CollectionCount(2));
        Console.WriteLine(GC.GetGeneration(42));
    }
}"#,
        vm::Backend::Async1,
    );
    assert_eq!(r.stdout, "0\n1\n2\n2\n3 3 1\n0\n");
    assert_eq!((r.stats.gc.minor_collections, r.stats.gc.major_collections), (2, 1));
}

/// The seed's point, at the VM level: once suspended frames are old, a
/// young collection does not trace them.
#[test]
fn young_collections_skip_old_suspended_frames_in_both_backends() {
    let source = std::fs::read_to_string(common::root().join("programs/bench/gc_suspended.toy")).expect("readable");
    for mode in BOTH {
        let r = run(&source, mode);
        assert!(r.stdout.contains("sum: 16600"), "{mode:?}: {}", r.stdout);
        let g = &r.stats.gc;
        // 100 chains of 10 frames, all old after CollectAll(1), then three
        // GC.Collect(0).
        assert!(g.frames_skipped_last >= 1000, "{mode:?}: {g:?}");
        assert!(g.minor_collections >= 3 && g.major_collections >= 1, "{mode:?}: {g:?}");
    }
}

/// Old objects that get young references keep them through young
/// collections: the write barrier remembered them (and `--gc-verify`,
/// on here, checks the remembered set at every collection).
#[test]
fn young_objects_held_only_by_old_ones_survive_young_collections() {
    let source = r#"using System;
using System.Collections.Generic;
class Node { public int V; public Node Next; public Node(int v) { V = v; } }
class P {
    static Node[] arr = new Node[64];
    static List<Node> list = new List<Node>();
    static Node head = new Node(0);
    static void Main() {
        GC.Collect();
        for (int round = 0; round < 20; round++) {
            for (int i = 0; i < 64; i++) {
                arr[i] = new Node(i + round);
                list.Add(new Node(i));
                var n = new Node(1);
                n.Next = head.Next;
                head.Next = n;
            }
            for (int i = 0; i < 1000; i++) { var garbage = new Node(i); }
            GC.Collect(0);
        }
        int sum = 0, len = 0;
        foreach (var n in arr) sum += n.V;
        foreach (var n in list) sum += n.V;
        for (var n = head.Next; n != null; n = n.Next) len++;
        Console.WriteLine(sum + " " + len);
    }
}"#;
    for mode in BOTH {
        let r = run(source, mode);
        assert_eq!(r.stdout, format!("{} 1280\n", (0..64).map(|i| i + 19).sum::<i32>() + 20 * 2016), "{mode:?}");
        assert!(r.stats.gc.remembered_max > 0, "{mode:?}: {:?}", r.stats.gc);
    }
}
