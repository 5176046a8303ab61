// Benchmark peer of programs/bench/spectral_norm.toy: the benchmarks game's
// spectral-norm (its node.js program's algorithm, Float64Arrays), for
// `node --jitless`. `node --jitless bench/peers/spectral_norm.js N` prints
// what the toy program's Run(N, true) prints (N = 100: spectral_norm.out).
'use strict';

function A(i, j) {
  return 1.0 / ((i + j) * (i + j + 1) / 2 + i + 1);
}

function Av(n, x, y) {
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = 0; j < n; j++) sum += A(i, j) * x[j];
    y[i] = sum;
  }
}

function Atv(n, x, y) {
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = 0; j < n; j++) sum += A(j, i) * x[j];
    y[i] = sum;
  }
}

function AtAv(n, x, y, t) {
  Av(n, x, t);
  Atv(n, t, y);
}

function fixed(x, digits) {
  const scale = 10 ** digits;
  let r = Math.floor(x * scale + 0.5);
  const sign = r < 0 ? '-' : '';
  if (r < 0) r = -r;
  return `${sign}${Math.floor(r / scale)}.${String(r % scale).padStart(digits, '0')}`;
}

const n = Number(process.argv[2] || 100);
const u = new Float64Array(n).fill(1), v = new Float64Array(n), t = new Float64Array(n);
for (let i = 0; i < 10; i++) {
  AtAv(n, u, v, t);
  AtAv(n, v, u, t);
}
let vBv = 0, vv = 0;
for (let i = 0; i < n; i++) {
  vBv += u[i] * v[i];
  vv += v[i] * v[i];
}
console.log(fixed(Math.sqrt(vBv / vv), 9));
