// Benchmark peer of programs/bench/eh_depth.toy, for `node --jitless`: the
// EH microbenchmark of the runtime-async design notes. A cell is a depth
// (1, 2, 4, ..., 64) and a variant; each of its ITERATIONS recurses through
// `depth` async functions, optionally yields at the bottom (Suspend), then
// returns a value (Return) or throws a new Error (Throw) that a try/catch at
// the top catches. Prints the same lines as eh_depth.out.
//
// The yield is `await new Promise((r) => setImmediate(r))`, node's closest
// equivalent of Task.Yield() (see suspend_depth.js). Every `await` in node
// suspends, even on a settled promise, so the NoSuspend variants still go
// through the microtask queue once per frame.
//
// Optional arguments `DEPTH VARIANT` run one cell (`node --jitless
// bench/peers/eh_depth.js 16 ThrowSuspend`).
'use strict';

const ITERATIONS = 1000; // iterations per cell
const VARIANTS = ['ReturnNoSuspend', 'ReturnSuspend', 'ThrowNoSuspend', 'ThrowSuspend'];
const DEPTHS = [1, 2, 4, 8, 16, 32, 64];

let returned = 0;
let caught = 0;

function yieldNow() {
  return new Promise((resolve) => setImmediate(resolve));
}

// `depth` async frames; the bottom one suspends and/or throws.
async function recurse(depth, suspend, fail) {
  if (depth > 1) return (await recurse(depth - 1, suspend, fail)) + 1;
  if (suspend) await yieldNow();
  if (fail) throw new Error();
  return 1;
}

// One cell: `iterations` runs of recurse, caught at the top.
async function cell(depth, variant, iterations) {
  const suspend = variant === 'ReturnSuspend' || variant === 'ThrowSuspend';
  const fail = variant === 'ThrowNoSuspend' || variant === 'ThrowSuspend';
  for (let i = 0; i < iterations; i++) {
    try {
      const value = await recurse(depth, suspend, fail);
      returned += value;
    } catch (e) {
      caught++;
    }
  }
}

async function main() {
  const cells = [];
  if (process.argv.length > 3) cells.push([Number(process.argv[2]), process.argv[3]]);
  else for (const depth of DEPTHS) for (const variant of VARIANTS) cells.push([depth, variant]);
  for (const [depth, variant] of cells) {
    returned = 0;
    caught = 0;
    await cell(depth, variant, ITERATIONS);
    console.log(`depth ${depth} ${variant}: returned ${returned}, caught ${caught}`);
  }
}

main();
