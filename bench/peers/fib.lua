-- Benchmark peer of programs/bench/fib.toy: naive recursive Fibonacci, Lua 5.4.
-- An optional argument runs fib(30) that many times (`toy bench` does, so
-- that the work outweighs the start-up it subtracts).
local function fib(n)
  if n < 2 then return n end
  return fib(n - 1) + fib(n - 2)
end

local r
for _ = 1, tonumber(arg[1]) or 1 do
  r = fib(30)
end
print(r)
