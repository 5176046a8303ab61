//! What a run is told and what it reports: [`Options`] (the command
//! line's run flags), the counters `--stats` prints ([`Stats`],
//! [`AsyncStats`]) and how a run ended ([`Outcome`]).

use std::time::Duration;

use crate::program::Backend;

#[derive(Clone, Debug)]
pub struct Options {
    /// The backend of async methods without `[Async1]`/`[Async2]`.
    pub mode: Backend,
    /// Collect at every safepoint after an allocation.
    pub gc_stress: bool,
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
}

impl Default for Options {
    fn default() -> Options {
        Options {
            mode: Backend::Async1,
            gc_stress: false,
            max_depth: 1_000_000,
            max_instructions: None,
            count_instructions: false,
            max_heap: None,
            virtual_time: false,
            capture_contexts: false,
            args: Vec::new(),
            color_errors: false,
        }
    }
}

/// What `--stats` prints.
#[derive(Clone, Debug, Default)]
pub struct Stats {
    pub instructions: u64,
    pub calls: u64,
    pub allocations: u64,
    pub collections: u64,
    pub total_pause: Duration,
    pub max_pause: Duration,
    pub peak_heap_bytes: usize,
    pub async_stats: AsyncStats,
}

/// The async runtime's counters (`--stats`).
#[derive(Clone, Debug, Default)]
pub struct AsyncStats {
    /// Tasks allocated (async methods' tasks included).
    pub tasks: u64,
    /// async1 state machines (one per async1 method call).
    pub state_machines: u64,
    /// Awaits of library awaitables (`GetResult` calls).
    pub awaits: u64,
    /// Awaits that suspended (`AwaitUnsafeOnCompleted`/`AwaitOnCompleted`).
    pub suspensions: u64,
    /// Suspended state machines resumed (`MoveNextRunner.Run`), and
    /// async2 frames resumed from a continuation.
    pub resumptions: u64,
    /// async2 continuations allocated (one per frame per suspension).
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
        let rows = [
            ("instructions", self.instructions.to_string()),
            ("calls", self.calls.to_string()),
            ("allocations", self.allocations.to_string()),
            ("collections", self.collections.to_string()),
            ("total pause", format!("{:.3} ms", self.total_pause.as_secs_f64() * 1e3)),
            ("max pause", format!("{:.3} ms", self.max_pause.as_secs_f64() * 1e3)),
            ("peak heap", format!("{} bytes", self.peak_heap_bytes)),
            ("tasks", a.tasks.to_string()),
            ("state machines", a.state_machines.to_string()),
            ("MoveNext calls", (a.state_machines + a.resumptions).to_string()),
            (
                "awaits",
                format!("{} ({} on the hot path, {} suspended)", a.awaits, a.awaits.saturating_sub(a.suspensions), a.suspensions),
            ),
            ("resumptions", a.resumptions.to_string()),
            ("continuations", a.continuations.to_string()),
            ("frames skipped", a.skipped_frames.to_string()),
            ("thunk crossings", a.thunk_crossings.to_string()),
        ];
        for (i, (label, value)) in rows.iter().enumerate() {
            let sep = if i + 1 < rows.len() { "\n" } else { "" };
            write!(f, "{:<17}{value}{sep}", format!("{label}:"))?;
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
