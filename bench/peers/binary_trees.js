// Benchmark peer of programs/bench/binary_trees.toy: the benchmarks game's
// binary-trees (its node.js program's algorithm: a class with two child
// fields), single-threaded, for `node --jitless`.
// `node --jitless bench/peers/binary_trees.js N` prints what the toy
// program's Run(N, true) prints (N = 10: binary_trees.out).
'use strict';

class TreeNode {
  constructor(left, right) {
    this.left = left;
    this.right = right;
  }

  check() {
    return this.left === null ? 1 : 1 + this.left.check() + this.right.check();
  }
}

function bottomUp(depth) {
  return depth > 0 ? new TreeNode(bottomUp(depth - 1), bottomUp(depth - 1)) : new TreeNode(null, null);
}

const n = Number(process.argv[2] || 10);
const minDepth = 4;
const maxDepth = Math.max(minDepth + 2, n);
const stretch = maxDepth + 1;
const out = [];
out.push(`stretch tree of depth ${stretch}\t check: ${bottomUp(stretch).check()}`);
const longLived = bottomUp(maxDepth);
for (let depth = minDepth; depth <= maxDepth; depth += 2) {
  const iterations = 1 << (maxDepth - depth + minDepth);
  let check = 0;
  for (let i = 0; i < iterations; i++) check += bottomUp(depth).check();
  out.push(`${iterations}\t trees of depth ${depth}\t check: ${check}`);
}
out.push(`long lived tree of depth ${maxDepth}\t check: ${longLived.check()}`);
console.log(out.join('\n'));
