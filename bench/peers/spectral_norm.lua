-- Benchmark peer of programs/bench/spectral_norm.toy: the benchmarks game's
-- spectral-norm (its Lua program's algorithm), for lua5.4 and
-- `luajit -joff`. `lua5.4 bench/peers/spectral_norm.lua N` prints what the
-- toy program's Run(N, true) prints (N = 100: spectral_norm.out).

-- (i + j)(i + j + 1) is even: the float division is exact.
local function A(i, j)
  local ij = i + j
  return 1.0 / (ij * (ij + 1) / 2 + i + 1)
end

local function Av(n, x, y)
  for i = 0, n - 1 do
    local sum = 0
    for j = 0, n - 1 do sum = sum + A(i, j) * x[j] end
    y[i] = sum
  end
end

local function Atv(n, x, y)
  for i = 0, n - 1 do
    local sum = 0
    for j = 0, n - 1 do sum = sum + A(j, i) * x[j] end
    y[i] = sum
  end
end

local function AtAv(n, x, y, t)
  Av(n, x, t)
  Atv(n, t, y)
end

local function fixed(x, digits)
  local scale = 10 ^ digits
  local r = math.floor(x * scale + 0.5)
  local sign = ""
  if r < 0 then sign, r = "-", -r end
  return string.format("%s%d.%0" .. digits .. "d", sign, math.floor(r / scale), math.floor(r % scale))
end

local N = tonumber(arg and arg[1]) or 100
local u, v, t = {}, {}, {}
for i = 0, N - 1 do u[i] = 1 end
for _ = 1, 10 do
  AtAv(N, u, v, t)
  AtAv(N, v, u, t)
end
local vBv, vv = 0, 0
for i = 0, N - 1 do
  vBv = vBv + u[i] * v[i]
  vv = vv + v[i] * v[i]
end
print(fixed(math.sqrt(vBv / vv), 9))
