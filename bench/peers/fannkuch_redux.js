// Benchmark peer of programs/bench/fannkuch_redux.toy: the benchmarks game's
// fannkuch-redux (the same permutation order and flips as the toy program,
// the game's Java/C# algorithm, Int32Arrays), for `node --jitless`.
// `node --jitless bench/peers/fannkuch_redux.js N` prints what the toy
// program's Run(N, true) prints (N = 7: fannkuch_redux.out).
'use strict';

function fannkuch(n) {
  const perm = new Int32Array(n), perm1 = new Int32Array(n), count = new Int32Array(n);
  let maxFlips = 0, checksum = 0, permCount = 0;
  for (let i = 0; i < n; i++) perm1[i] = i;
  let r = n;
  for (;;) {
    while (r !== 1) {
      count[r - 1] = r;
      r--;
    }
    for (let i = 0; i < n; i++) perm[i] = perm1[i];
    let flips = 0;
    let k = perm[0];
    while (k !== 0) {
      const half = (k + 1) >> 1;
      for (let i = 0; i < half; i++) {
        const t = perm[i];
        perm[i] = perm[k - i];
        perm[k - i] = t;
      }
      flips++;
      k = perm[0];
    }
    if (flips > maxFlips) maxFlips = flips;
    checksum += permCount % 2 === 0 ? flips : -flips;
    for (;;) {
      if (r === n) return [checksum, maxFlips];
      const perm0 = perm1[0];
      for (let i = 0; i < r; i++) perm1[i] = perm1[i + 1];
      perm1[r] = perm0;
      count[r]--;
      if (count[r] > 0) break;
      r++;
    }
    permCount++;
  }
}

const n = Number(process.argv[2] || 7);
const [checksum, flips] = fannkuch(n);
console.log(`${checksum}\nPfannkuchen(${n}) = ${flips}`);
