-- Benchmark peer of programs/bench/fib.toy: naive recursive Fibonacci, Lua 5.4.
local function fib(n)
  if n < 2 then return n end
  return fib(n - 1) + fib(n - 2)
end

print(fib(30))
