// Benchmark peer of programs/bench/suspend_depth.toy, for `node --jitless`:
// for each depth D, the root of a chain of D async functions is called
// ROUNDS times; each time the leaf awaits a yield YIELDS times. Prints the
// same lines as suspend_depth.out.
//
// The yield is `await new Promise((r) => setImmediate(r))`. Task.Yield()
// queues the continuation at the back of the ready queue (toy's event loop;
// the thread pool or the SynchronizationContext in .NET), so anything already
// waiting to run goes first. setImmediate is node's equivalent: it queues a
// macrotask, run on the next turn of the event loop after the work already
// queued (and after a poll for I/O). The cheaper alternatives are not yields:
// `await null` (or `await Promise.resolve()`) and queueMicrotask resume from
// the microtask queue, which node drains completely before it takes the next
// macrotask, so a loop of them never lets other queued work (timers, I/O,
// other immediates) run; they correspond to awaiting an already-completed
// task, which C# does not even suspend for. setImmediate costs a full turn
// of libuv's loop each time, which is why this peer is slow per yield (the
// README's results say how slow).
//
// Optional arguments pick the depths to run (`node --jitless
// bench/peers/suspend_depth.js 10`); without them it runs 1, 10 and 100.
'use strict';

const YIELDS = 1000; // yields per call of the chain root
const ROUNDS = 100; // calls of the chain root per depth
const DEPTHS = process.argv.length > 2 ? process.argv.slice(2).map(Number) : [1, 10, 100];

let yields = 0;

function yieldNow() {
  return new Promise((resolve) => setImmediate(resolve));
}

// The leaf: frame number `depth` of the chain, counted from the root.
async function leaf() {
  let done = 0;
  for (let i = 0; i < YIELDS; i++) {
    await yieldNow();
    done++;
    yields++;
  }
  return done;
}

// chain(d) is a chain of d async frames ending in leaf.
async function chain(d) {
  if (d <= 1) return await leaf();
  return (await chain(d - 1)) + 1;
}

// main is async (node has no blocking GetResult), so it adds one frame above
// the chain's root, where the toy program's Main blocks on each root call.
async function main() {
  for (const depth of DEPTHS) {
    yields = 0;
    let checksum = 0;
    for (let round = 0; round < ROUNDS; round++) checksum += await chain(depth);
    console.log(`depth ${depth}: ${yields} yields, checksum ${checksum}`);
  }
}

main();
