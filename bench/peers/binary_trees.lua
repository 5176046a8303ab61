-- Benchmark peer of programs/bench/binary_trees.toy: the benchmarks game's
-- binary-trees (its Lua program's algorithm: a node is a table of its two
-- children, a leaf an empty table), single-threaded, for lua5.4 and
-- `luajit -joff`. `lua5.4 bench/peers/binary_trees.lua N` prints what the
-- toy program's Run(N, true) prints (N = 10: binary_trees.out).

local function bottom_up(depth)
  if depth > 0 then
    depth = depth - 1
    return { bottom_up(depth), bottom_up(depth) }
  end
  return {}
end

local function check(tree)
  local left = tree[1]
  if left then return 1 + check(left) + check(tree[2]) end
  return 1
end

local N = tonumber(arg and arg[1]) or 10
local mindepth = 4
local maxdepth = math.max(mindepth + 2, N)

local stretch = maxdepth + 1
print(string.format("stretch tree of depth %d\t check: %d", stretch, check(bottom_up(stretch))))

local longlived = bottom_up(maxdepth)
for depth = mindepth, maxdepth, 2 do
  local iterations = math.floor(2 ^ (maxdepth - depth + mindepth))
  local c = 0
  for _ = 1, iterations do
    c = c + check(bottom_up(depth))
  end
  print(string.format("%d\t trees of depth %d\t check: %d", iterations, depth, c))
end
print(string.format("long lived tree of depth %d\t check: %d", maxdepth, check(longlived)))
