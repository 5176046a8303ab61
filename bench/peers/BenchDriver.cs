// The entry point `toy bench` gives a benchmarks game program of
// programs/bench/ under `mono --interpreter`: compiled with the program
// itself (mcs -main:BenchDriver), it calls Program.Run(N, true) REPS times
// (default 1; 0 measures mono's start-up and the assembly's loading).
// Usage: mono --interpreter NAME.exe N [REPS]
using System;

static class BenchDriver
{
    static void Main(string[] args)
    {
        int n = int.Parse(args[0]);
        int reps = args.Length > 1 ? int.Parse(args[1]) : 1;
        for (int i = 0; i < reps; i++)
            Program.Run(n, true);
    }
}
