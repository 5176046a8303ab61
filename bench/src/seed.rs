//! The runtime-async seed's reference figures (`../shared/seeds/003_*`,
//! "Benchmark the performance of EH at various depths", its "Raw data from
//! EH microbenchmark"): iterations per second of the same EH
//! microbenchmark in .NET, classic `Task` async against runtime `Async2`.
//! eh_depth's tables and charts put toy's ratios beside the ratios of these.
//!
//! Both tables are indexed `[depth][variant]` as [`DEPTHS`] × [`VARIANTS`].

/// The stack depths of the seed's table.
pub const DEPTHS: [i64; 7] = [1, 2, 4, 8, 16, 32, 64];

/// The variants, numbered as `Program.Cell` of eh_depth.toy takes them:
/// `ReturnX` at `v`, its `ThrowX` at `v + 2`.
pub const VARIANTS: [&str; 4] = ["ReturnNoSuspend", "ReturnSuspend", "ThrowNoSuspend", "ThrowSuspend"];

/// The `Task` (classic async) columns...
pub const TASK: [[f64; 4]; 7] = [
    [7_976_995.0, 589_057.0, 21_630.0, 15_563.0],
    [4_738_359.0, 390_167.0, 13_781.0, 9_806.0],
    [2_884_153.0, 276_584.0, 7_717.0, 5_778.0],
    [1_274_335.0, 217_067.0, 4_068.0, 3_476.0],
    [536_064.0, 132_636.0, 2_104.0, 1_912.0],
    [263_823.0, 71_989.0, 1_032.0, 973.0],
    [113_187.0, 37_086.0, 484.0, 458.0],
];

/// ...and the `Async2` (runtime async) columns.
pub const ASYNC2: [[f64; 4]; 7] = [
    [13_966_110.0, 629_310.0, 46_434.0, 21_208.0],
    [11_573_294.0, 617_464.0, 38_975.0, 21_514.0],
    [8_340_047.0, 577_707.0, 29_887.0, 21_288.0],
    [5_308_395.0, 474_723.0, 20_358.0, 20_877.0],
    [2_888_828.0, 315_191.0, 12_941.0, 20_496.0],
    [1_157_832.0, 184_699.0, 7_319.0, 19_379.0],
    [488_245.0, 98_769.0, 3_936.0, 17_565.0],
];

/// The `ValueTask` columns (classic async returning `ValueTask<T>`)...
pub const VALUE_TASK: [[f64; 4]; 7] = [
    [7_994_790.0, 574_660.0, 21_789.0, 15_584.0],
    [5_036_613.0, 349_900.0, 13_359.0, 9_740.0],
    [2_924_123.0, 265_590.0, 7_477.0, 5_495.0],
    [1_324_960.0, 198_172.0, 4_001.0, 3_376.0],
    [533_731.0, 106_605.0, 2_063.0, 1_909.0],
    [249_821.0, 55_860.0, 989.0, 949.0],
    [114_845.0, 28_365.0, 473.0, 456.0],
];

/// ...and the `Async2Capture` ones (runtime async capturing and restoring
/// ExecutionContext and SynchronizationContext at each call, as a
/// try/finally does).
pub const ASYNC2_CAPTURE: [[f64; 4]; 7] = [
    [12_249_438.0, 624_336.0, 45_002.0, 21_005.0],
    [9_306_011.0, 594_730.0, 37_769.0, 13_163.0],
    [6_438_143.0, 543_293.0, 28_318.0, 7_253.0],
    [3_836_147.0, 412_340.0, 18_871.0, 4_160.0],
    [2_083_270.0, 275_944.0, 11_978.0, 2_234.0],
    [861_826.0, 156_610.0, 6_705.0, 1_133.0],
    [393_380.0, 83_977.0, 3_654.0, 593.0],
];

/// The finally blocks on the stack of the seed's second table (a throw
/// from depth 32).
pub const FINALLYS: [i64; 6] = [1, 2, 4, 8, 16, 32];

/// The second table: throws per second with `FINALLYS[i]` try/finally
/// blocks on the stack: Task Throw NoSuspend, Async2 Throw NoSuspend, Task
/// Throw Suspend, Async2 Throw Suspend.
pub const FINALLY: [[f64; 4]; 6] = [
    [1067.0, 7504.0, 965.0, 20107.0],
    [1032.0, 7441.0, 965.0, 12140.0],
    [1034.0, 7392.0, 959.0, 7306.0],
    [1006.0, 7287.0, 928.0, 4268.0],
    [972.0, 7045.0, 912.0, 2307.0],
    [872.0, 6961.0, 857.0, 1194.0],
];

/// The seed's two runtimes, as the tables name them.
pub const RUNTIMES: [(&str, &[[f64; 4]; 7]); 2] = [("Task", &TASK), ("Async2", &ASYNC2)];

/// The seed's Async2 ÷ Task throughput for one cell (above 1: runtime async
/// is faster), what toy's async2 ÷ async1 is compared with.
pub fn async2_ratio(d: usize, v: usize) -> f64 {
    ASYNC2[d][v] / TASK[d][v]
}

/// Throw ÷ Return throughput in one of the seed's runtimes at depth index
/// `d`, without (`suspend` false) or with a suspension.
pub fn throw_vs_return(runtime: &[[f64; 4]; 7], d: usize, suspend: bool) -> f64 {
    let s = suspend as usize;
    runtime[d][2 + s] / runtime[d][s]
}
