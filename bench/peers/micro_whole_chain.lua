-- Benchmark peer of programs/bench/micro_whole_chain.toy (microbenchmark 2,
-- whole-chain suspension), for lua5.4: each iteration runs a fresh
-- coroutine whose body is a chain of DEPTH nested Lua calls; the leaf yields
-- once to a tiny scheduler (a FIFO ready queue, like toy's event loop),
-- which resumes it, and the chain returns. A coroutine keeps the whole
-- chain on its own stack, so a yield saves nothing per frame.
-- `lua5.4 bench/peers/micro_whole_chain.lua DEPTH ITERATIONS` prints
-- DEPTH × ITERATIONS, what Program.Cell(DEPTH, ITERATIONS) returns.

local depth = tonumber(arg and arg[1]) or 1
local iterations = tonumber(arg and arg[2]) or 100

local yield, create, resume, status = coroutine.yield, coroutine.create, coroutine.resume, coroutine.status

local function chain(d)
  if d <= 1 then
    yield()
    return 1
  end
  return chain(d - 1) + 1
end

local queue, head, tail = {}, 1, 0
local sum = 0
for _ = 1, iterations do
  local co = create(function() sum = sum + chain(depth) end)
  tail = tail + 1
  queue[tail] = co
  while head <= tail do
    local c = queue[head]
    queue[head] = nil
    head = head + 1
    assert(resume(c))
    if status(c) ~= "dead" then
      tail = tail + 1
      queue[tail] = c
    end
  end
end
print(sum)
