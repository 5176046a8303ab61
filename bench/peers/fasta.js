// Benchmark peer of programs/bench/fasta.toy: the benchmarks game's fasta
// (the same generator and lookup as the toy program), for `node --jitless`.
// `node --jitless bench/peers/fasta.js N` prints what the toy program's
// Run(N, true) prints (N = 1000: fasta.out).
'use strict';

const LINE = 60;
const IM = 139968, IA = 3877, IC = 29573;
let last = 42;

function random(max) {
  last = (last * IA + IC) % IM;
  return max * last / IM;
}

const ALU = 'GGCCGGGCGCGGTGGCTCACGCCTGTAATCCCAGCACTTTGG' +
  'GAGGCCGAGGCGGGCGGATCACCTGAGGTCAGGAGTTCGAGA' +
  'CCAGCCTGGCCAACATGGTGAAACCCCGTCTCTACTAAAAAT' +
  'ACAAAAATTAGCCGGGCGTGGTGGCGCGCGCCTGTAATCCCA' +
  'GCTACTCGGGAGGCTGAGGCAGGAGAATCGCTTGAACCCGGG' +
  'AGGCGGAGGTTGCAGTGAGCCGAGATCGCGCCACTGCACTCC' +
  'AGCCTGGGCGACAGAGCGAGACTCCGTCTCAAAAA';

// Output in chunks: one write per 64 KiB.
let out = [];
let size = 0;
function writeLine(s) {
  out.push(s);
  size += s.length + 1;
  if (size > 65536) flush();
}
function flush() {
  if (out.length) require('fs').writeSync(1, out.join('\n') + '\n');
  out = [];
  size = 0;
}

function repeatFasta(header, n) {
  writeLine(header);
  const doubled = ALU + ALU;
  let k = 0;
  while (n > 0) {
    const m = n < LINE ? n : LINE;
    writeLine(doubled.substring(k, k + m));
    k += m;
    if (k >= ALU.length) k -= ALU.length;
    n -= m;
  }
}

function randomFasta(header, symbols, cumulative, n) {
  writeLine(header);
  const top = symbols.length - 1;
  while (n > 0) {
    const m = n < LINE ? n : LINE;
    let line = '';
    for (let i = 0; i < m; i++) {
      const r = random(1.0);
      let s = 0;
      while (s < top && r >= cumulative[s]) s++;
      line += symbols[s];
    }
    writeLine(line);
    n -= m;
  }
}

function cumulate(probabilities) {
  let sum = 0;
  return probabilities.map((p) => (sum += p));
}

const n = Number(process.argv[2] || 1000);
const iub = cumulate([0.27, 0.12, 0.12, 0.27, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02]);
const homoSapiens = cumulate([0.3029549426680, 0.1979883004921, 0.1975473066391, 0.3015094502008]);
repeatFasta('>ONE Homo sapiens alu', 2 * n);
randomFasta('>TWO IUB ambiguity codes', 'acgtBDHKMNRSVWY', iub, 3 * n);
randomFasta('>THREE Homo sapiens frequency', 'acgt', homoSapiens, 5 * n);
flush();
