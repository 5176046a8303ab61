//! What a run is told and what it reports: [`Options`] (the command
//! line's run flags), the counters `--stats` prints ([`Stats`],
//! [`AsyncStats`]) and how a run ended ([`Outcome`]).

use std::time::Duration;

use crate::program::Backend;

#[derive(Clone, Debug)]
pub struct Options {
    /// The backend of async methods without `[Async1]`/`[Async2]`.
    pub mode: Backend,
    /// Collect at every safepoint after an allocation: a minor collection,
    /// and a major one every `gc::STRESS_MAJOR_EVERY`th time.
    pub gc_stress: bool,
    /// Check the heap's invariants before every collection (every old
    /// object holding a young one remembered; no object holding a freed
    /// cell) and after every major one (nothing reachable freed).
    pub gc_verify: bool,
    /// Every collection is a major one: the non-generational collector, for
    /// comparison (`--gc-major-only`).
    pub gc_major_only: bool,
    /// Frames deeper than this are a fatal `Stack overflow.`.
    pub max_depth: usize,
    /// Stop the program after about this many instructions (checked at
    /// jumps and calls, so every loop and every recursion is bounded).
    pub max_instructions: Option<u64>,
    /// Count every instruction run (`--stats`). Off, the loop does not
    /// count: a counter bumped per instruction is not free on the hot path.
    /// `max_instructions` counts whatever this says.
    pub count_instructions: bool,
    /// The most bytes the heap may hold (`--max-heap`); past it an
    /// allocation throws `OutOfMemoryException`. `None`: half the machine's
    /// memory.
    pub max_heap: Option<usize>,
    /// The event loop's clock jumps to the next timer when nothing is ready.
    pub virtual_time: bool,
    /// async2 methods save and restore both contexts at their boundaries
    /// (the seed's Async2Capture: async1's observable behaviour).
    pub capture_contexts: bool,
    /// The program's command-line arguments: `Main(string[] args)` gets
    /// them, `Environment.GetCommandLineArgs()` gets them after `toy`.
    pub args: Vec<String>,
    /// Colour the first line of a fatal error report (`Unhandled
    /// exception. ...`, `Stack overflow.`) with ANSI escapes: the embedder
    /// decides (a terminal, `NO_COLOR`).
    pub color_errors: bool,
    /// Never compile tier1 or OSR code (`--tier0-only`).
    pub tier0_only: bool,
    /// Calls of a method after which later calls run its tier1 code
    /// (`--tier-threshold`; .NET's call-counting threshold by default).
    pub tier_threshold: u32,
    /// Back-edges a tier0 frame's method takes before the frame moves into
    /// OSR code at the loop header (`--osr-threshold`).
    pub osr_threshold: u32,
}

/// The default `--tier-threshold`: .NET's call-counting threshold.
pub const DEFAULT_TIER_THRESHOLD: u32 = 30;
/// The default `--osr-threshold`, counted over all of a method's
/// back-edges (.NET's OSR patchpoints start from a similar count).
pub const DEFAULT_OSR_THRESHOLD: u32 = 1000;

impl Default for Options {
    fn default() -> Options {
        Options {
            mode: Backend::Async1,
            gc_stress: false,
            gc_verify: false,
            gc_major_only: false,
            max_depth: 1_000_000,
            max_instructions: None,
            count_instructions: false,
            max_heap: None,
            virtual_time: false,
            capture_contexts: false,
            args: Vec::new(),
            color_errors: false,
            tier0_only: false,
            tier_threshold: DEFAULT_TIER_THRESHOLD,
            osr_threshold: DEFAULT_OSR_THRESHOLD,
        }
    }
}

/// What `--stats` prints.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub instructions: u64,
    pub calls: u64,
    pub allocations: u64,
    /// The collector's counters: collections of each kind and their
    /// pauses, bytes promoted, the remembered set, suspended frames skipped.
    pub gc: gc::HeapStats,
    pub peak_heap_bytes: usize,
    pub async_stats: AsyncStats,
    pub tier_stats: crate::tier1::TierStats,
}

/// The async runtime's counters (`--stats`). Each counts one thing, named
/// for the backend that does it; a program that mixes the backends
/// (`[Async1]`/`[Async2]`) shows both.
#[derive(Clone, Debug, Default)]
pub struct AsyncStats {
    /// Tasks allocated (async methods' tasks included).
    pub tasks: u64,
    /// Awaits of library awaitables (Task, ValueTask, Yield, their
    /// ConfigureAwait forms): async1's `GetResult` calls, async2's
    /// `AwaitTask`s and awaited tasks of Task-returning overrides. An
    /// async2 direct call (`await F()` of an async2 `F`) is a call, not one.
    pub awaits: u64,
    /// Of `awaits`, those that suspended.
    pub library_suspensions: u64,
    /// Awaits that suspended, on any awaiter: async1's
    /// `AwaitUnsafeOnCompleted`/`AwaitOnCompleted` calls, async2's chain
    /// suspensions (one per suspension, however many frames it pops).
    pub suspensions: u64,
    /// async1 method calls (each starts a state machine, in `MoveNext`'s
    /// registers: its first `MoveNext` call).
    pub async1_calls: u64,
    /// async1 state machines boxed: moved to the heap at their first
    /// suspension.
    pub async1_boxed: u64,
    /// async1 state machines resumed by their `MoveNextRunner` (a
    /// `MoveNext` call each).
    pub async1_resumptions: u64,
    /// async2 frames resumed from a continuation (by the dispatcher).
    pub async2_resumptions: u64,
    /// async2 continuations allocated (one per frame per suspension; a
    /// resumed frame that suspends again reuses its own).
    pub continuations: u64,
    /// async2 frames an exception passed without resuming them (no handler
    /// at their suspension point).
    pub skipped_frames: u64,
    /// Calls of async2 methods through their Task-returning thunks.
    pub thunk_crossings: u64,
}

impl std::fmt::Display for Stats {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let a = &self.async_stats;
        let g = &self.gc;
        let ms = |d: Duration| format!("{:.3} ms", d.as_secs_f64() * 1e3);
        let t = &self.tier_stats;
        let rows = [
            ("instructions", self.instructions.to_string()),
            ("calls", self.calls.to_string()),
            ("allocations", self.allocations.to_string()),
            (
                "collections",
                format!("{} ({} minor, {} major)", g.collections, g.minor_collections, g.major_collections),
            ),
            ("minor pauses", format!("{} total, {} max", ms(g.minor_total_pause), ms(g.minor_max_pause))),
            ("major pauses", format!("{} total, {} max", ms(g.major_total_pause), ms(g.major_max_pause))),
            ("bytes promoted", g.bytes_promoted.to_string()),
            (
                "remembered set",
                format!("{} objects after the last collection ({} at most)", g.remembered, g.remembered_max),
            ),
            (
                "frames not traced",
                format!(
                    "{} (old suspended frames that minor collections skipped; {} in the last)",
                    g.frames_skipped, g.frames_skipped_last
                ),
            ),
            ("peak heap", format!("{} bytes", self.peak_heap_bytes)),
            ("tasks", a.tasks.to_string()),
            (
                "library awaits",
                format!(
                    "{} ({} completed at once, {} suspended)",
                    a.awaits,
                    a.awaits.saturating_sub(a.library_suspensions),
                    a.library_suspensions
                ),
            ),
            ("suspensions", format!("{} (any awaiter)", a.suspensions)),
            ("async1 calls", format!("{} ({} state machines boxed)", a.async1_calls, a.async1_boxed)),
            (
                "async1 MoveNext calls",
                format!(
                    "{} ({} resumptions by a MoveNextRunner)",
                    a.async1_calls + a.async1_resumptions,
                    a.async1_resumptions
                ),
            ),
            ("async2 frames resumed", a.async2_resumptions.to_string()),
            ("async2 continuations", format!("{} allocated", a.continuations)),
            ("async2 frames skipped", format!("{} (an exception passed them unresumed)", a.skipped_frames)),
            ("thunk crossings", a.thunk_crossings.to_string()),
            (
                "tier-ups",
                format!("{} ({} OSR versions; {} calls inlined)", t.tier_ups, t.osr_versions, t.inlined_calls),
            ),
            ("OSR transitions", format!("{} ({} from a resumed tier0 frame)", t.osr_transitions, t.osr_from_resumed)),
            (
                "async2 resumptions",
                format!(
                    "{} same tier, {} tier0 -> OSR (rule 1), {} tier0 continuation -> tier1",
                    t.resumed_same_tier, t.resumed_osr, t.resumed_tier0_in_tier1
                ),
            ),
            (
                "continuation bytes",
                format!(
                    "tier0 {} in {}, tier1 {} in {}",
                    t.continuation_bytes[0], t.continuations[0], t.continuation_bytes[1], t.continuations[1]
                ),
            ),
        ];
        for (i, (label, value)) in rows.iter().enumerate() {
            let sep = if i + 1 < rows.len() { "\n" } else { "" };
            write!(f, "{:<23}{value}{sep}", format!("{label}:"))?;
        }
        Ok(())
    }
}

/// How a run ended.
#[derive(Debug)]
pub struct Outcome {
    pub exit_code: i32,
    pub stats: Stats,
}
