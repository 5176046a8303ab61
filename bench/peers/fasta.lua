-- Benchmark peer of programs/bench/fasta.toy: the benchmarks game's fasta
-- (the same generator and lookup as the toy program), for lua5.4 and
-- `luajit -joff`. `lua5.4 bench/peers/fasta.lua N` prints what the toy
-- program's Run(N, true) prints (N = 1000: fasta.out).

local LINE = 60
local IM, IA, IC = 139968, 3877, 29573
local last = 42

local function random(max)
  last = (last * IA + IC) % IM
  return max * last / IM
end

local ALU = "GGCCGGGCGCGGTGGCTCACGCCTGTAATCCCAGCACTTTGG" ..
  "GAGGCCGAGGCGGGCGGATCACCTGAGGTCAGGAGTTCGAGA" ..
  "CCAGCCTGGCCAACATGGTGAAACCCCGTCTCTACTAAAAAT" ..
  "ACAAAAATTAGCCGGGCGTGGTGGCGCGCGCCTGTAATCCCA" ..
  "GCTACTCGGGAGGCTGAGGCAGGAGAATCGCTTGAACCCGGG" ..
  "AGGCGGAGGTTGCAGTGAGCCGAGATCGCGCCACTGCACTCC" ..
  "AGCCTGGGCGACAGAGCGAGACTCCGTCTCAAAAA"

local write, sub = io.write, string.sub

local function repeat_fasta(header, n)
  write(header, "\n")
  local doubled = ALU .. ALU
  local k = 0
  while n > 0 do
    local m = n < LINE and n or LINE
    write(sub(doubled, k + 1, k + m), "\n")
    k = k + m
    if k >= #ALU then k = k - #ALU end
    n = n - m
  end
end

local function random_fasta(header, symbols, cumulative, n)
  write(header, "\n")
  local top = #symbols
  local line = {}
  while n > 0 do
    local m = n < LINE and n or LINE
    for i = 1, m do
      local r = random(1.0)
      local s = 1
      while s < top and r >= cumulative[s] do s = s + 1 end
      line[i] = sub(symbols, s, s)
    end
    write(table.concat(line, "", 1, m), "\n")
    n = n - m
  end
end

local function cumulate(probabilities)
  local c, sum = {}, 0
  for i = 1, #probabilities do
    sum = sum + probabilities[i]
    c[i] = sum
  end
  return c
end

local N = tonumber(arg and arg[1]) or 1000
local iub = cumulate { 0.27, 0.12, 0.12, 0.27, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02, 0.02 }
local homo_sapiens = cumulate { 0.3029549426680, 0.1979883004921, 0.1975473066391, 0.3015094502008 }
repeat_fasta(">ONE Homo sapiens alu", 2 * N)
random_fasta(">TWO IUB ambiguity codes", "acgtBDHKMNRSVWY", iub, 3 * N)
random_fasta(">THREE Homo sapiens frequency", "acgt", homo_sapiens, 5 * N)
