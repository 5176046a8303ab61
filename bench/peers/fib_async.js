// Benchmark peer of programs/bench/fib_async.toy, for `node --jitless`:
// naive recursive Fibonacci through an async function that awaits itself,
// Fib(25) = 242,785 calls.
//
// One difference JavaScript cannot avoid: `await` on an already-settled
// promise still suspends the function and resumes it from the microtask
// queue, where C# (and toy) continue synchronously on the hot path when the
// awaited task has completed. So each call here costs a promise, a suspension
// and a microtask resumption per await; that is what node does for this
// program, and what toy is compared against.
'use strict';

async function fib(n) {
  return n < 2 ? n : (await fib(n - 1)) + (await fib(n - 2));
}

// An optional argument runs Fib(25) that many times, one after the other
// (`toy bench` does, so that the work outweighs the start-up it subtracts).
(async () => {
  let r;
  for (let i = 0; i < Number(process.argv[2] || 1); i++) r = await fib(25);
  console.log(r);
})();
