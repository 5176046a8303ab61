-- Benchmark peer of programs/bench/suspend_depth.toy, for Lua 5.4 with
-- coroutines: for each depth D, the root of a chain of D nested Lua function
-- calls runs ROUNDS times, each in its own coroutine; each time, the leaf
-- yields YIELDS times to a tiny scheduler (a FIFO ready queue, like toy's
-- event loop) that puts the coroutine back at the end of the queue, as
-- Task.Yield() does. Unlike C#'s async methods, a Lua coroutine keeps the
-- whole chain on its own stack, so a yield saves nothing per frame.
-- Prints the same lines as suspend_depth.out.
--
-- Optional arguments pick the depths to run (`lua5.4
-- bench/peers/suspend_depth.lua 10`); without them it runs 1, 10 and 100.

local YIELDS = 1000 -- yields per call of the chain root
local ROUNDS = 100 -- calls of the chain root per depth
local DEPTHS = { 1, 10, 100 }
if #arg > 0 then
  DEPTHS = {}
  for i = 1, #arg do DEPTHS[i] = tonumber(arg[i]) end
end

local yield, create, resume, status = coroutine.yield, coroutine.create, coroutine.resume, coroutine.status

local yields = 0

-- The leaf: frame number `depth` of the chain, counted from the root.
local function leaf()
  local done = 0
  for _ = 1, YIELDS do
    yield()
    done = done + 1
    yields = yields + 1
  end
  return done
end

-- chain(d) is a chain of d frames ending in leaf.
local function chain(d)
  if d <= 1 then return leaf() end
  local r = chain(d - 1) -- not a tail call: the frames stay on the stack
  return r + 1
end

-- Runs f(...) in a coroutine to completion, resuming it from a FIFO ready
-- queue each time it yields; returns its result (the root's GetResult).
local function run(f, ...)
  -- Lua 5.1's spelling too (luajit runs this as well).
  local n, args = select("#", ...), { ... }
  local unpack = table.unpack or unpack
  local result
  local co = create(function() result = f(unpack(args, 1, n)) end)
  local queue, head, tail = { co }, 1, 1
  while head <= tail do
    local c = queue[head]
    queue[head] = nil
    head = head + 1
    local ok, err = resume(c)
    if not ok then error(err) end
    if status(c) ~= "dead" then
      tail = tail + 1
      queue[tail] = c
    end
  end
  return result
end

for _, depth in ipairs(DEPTHS) do
  yields = 0
  local checksum = 0
  for _ = 1, ROUNDS do checksum = checksum + run(chain, depth) end
  print(string.format("depth %d: %d yields, checksum %d", depth, yields, checksum))
end
