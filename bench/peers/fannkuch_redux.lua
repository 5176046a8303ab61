-- Benchmark peer of programs/bench/fannkuch_redux.toy: the benchmarks game's
-- fannkuch-redux (the same permutation order and flips as the toy program,
-- the game's Java/C# algorithm), for lua5.4 and `luajit -joff`.
-- `lua5.4 bench/peers/fannkuch_redux.lua N` prints what the toy program's
-- Run(N, true) prints (N = 7: fannkuch_redux.out).

local function fannkuch(n)
  local perm, perm1, count = {}, {}, {}
  local max_flips, checksum, perm_count = 0, 0, 0
  for i = 0, n - 1 do perm1[i] = i end
  local r = n
  while true do
    while r ~= 1 do
      count[r - 1] = r
      r = r - 1
    end
    for i = 0, n - 1 do perm[i] = perm1[i] end
    local flips = 0
    local k = perm[0]
    while k ~= 0 do
      local i, j = 0, k
      while i < j do
        perm[i], perm[j] = perm[j], perm[i]
        i, j = i + 1, j - 1
      end
      flips = flips + 1
      k = perm[0]
    end
    if flips > max_flips then max_flips = flips end
    if perm_count % 2 == 0 then checksum = checksum + flips else checksum = checksum - flips end
    while true do
      if r == n then return checksum, max_flips end
      local perm0 = perm1[0]
      for i = 0, r - 1 do perm1[i] = perm1[i + 1] end
      perm1[r] = perm0
      count[r] = count[r] - 1
      if count[r] > 0 then break end
      r = r + 1
    end
    perm_count = perm_count + 1
  end
end

local N = tonumber(arg and arg[1]) or 7
local checksum, flips = fannkuch(N)
print(string.format("%d\nPfannkuchen(%d) = %d", checksum, N, flips))
