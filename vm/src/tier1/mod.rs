//! Tiers: tier0 (the method as the front end and the backends made it,
//! plus counters) and tier1 (optimized bytecode made from tier0's by a
//! list of passes, run by the same interpreter), with on-stack
//! replacement from tier0 into tier1 code at a loop header.
//!
//! ```text
//!   call counting   each call of a tier0 method counts down; at
//!                   --tier-threshold calls the method is compiled to tier1
//!                   and later calls enter the tier1 version
//!   OSR             each back-edge a tier0 frame takes counts down its
//!                   method's loop counter; at --osr-threshold the frame
//!                   moves, at the loop header, into the method's OSR
//!                   version for that header (tier1 code entered there)
//!   versions        extra methods in `Program::versions` (ids past the
//!                   program's own), each with a `Version`: the tier0 method,
//!                   its kind and the tier0 -> version pc map; registers are
//!                   not renumbered, so a tier0 frame's registers are the
//!                   version's as they are
//!   async2          a version of an async2 body has its own suspension
//!                   points, computed with liveness on its final code; a
//!                   tier0 body's points keep every register
//! ```
//!
//! The pipeline is [`PASSES`]: each pass is a `fn(&PassCx, &mut Body)`;
//! adding one is adding a line. [`guarded_calls`] reads tier0's type
//! feedback by tier0 pc, so it comes before anything moves pcs; [`inline`]
//! moves them (the register kinds are inferred again whenever a pass
//! changed the number of instructions); [`specialize`], [`cse`] and
//! [`moves`] rewrite one instruction for one; [`hoist`] moves pcs (code
//! into preheaders, an OSR trampoline after the code);
//! [`superinstructions`] fuses pairs into one and a Nop; [`compact`] (Nop
//! removal, jump threading) moves pcs again and comes last.

pub mod compact;
pub mod cse;
pub mod feedback;
pub mod guarded_calls;
pub mod hoist;
pub mod inline;
pub mod moves;
pub mod specialize;
pub mod superinstructions;

use std::collections::HashMap;
use std::fmt::Write;

use crate::Vm;
use crate::bytecode::{Handler, Instr, MethodId, Pc};
use crate::frames::FrameKind;
use crate::kinds::{self, Kinds};
use crate::program::{Async2Role, InlineSite, Method, Program, Version, VersionKind, continuation_room};
use crate::value::Value;
pub use feedback::Feedback;

/// A method's code while tier1 rewrites it: at first a copy of the tier0
/// method's.
#[derive(Clone, Debug)]
pub struct Body {
    pub code: Vec<Instr>,
    /// The source line of each instruction.
    pub lines: Vec<u32>,
    pub handlers: Vec<Handler>,
    /// Registers the frame needs. Tier1 keeps tier0's register numbering
    /// (OSR and async2 resumption move frames between versions as they
    /// are): a pass may add registers above it, never renumber.
    pub nregs: u16,
    /// Where execution enters other than by falling through or jumping:
    /// pc 0, the OSR entry, each async2 resume pc. A pass keeps each one an
    /// instruction boundary that means what it meant (a superinstruction
    /// never swallows one as its second half).
    pub entries: Vec<Pc>,
    /// An OSR version's: `entries[1]` is its OSR entry (a loop header of
    /// tier0's, entered by a tier0 frame with its registers as they are).
    pub osr: bool,
    /// For each tier0 pc (and one past the end): its pc in `code` now. A
    /// pass that moves pcs updates it.
    pub pc_map: Vec<u32>,
    /// The calls inlined so far, by their pcs in `code` (a pass that moves
    /// pcs updates them).
    pub inlined: Vec<InlineSite>,
}

impl Body {
    /// `tier0` with this body's code, handlers and registers.
    pub(super) fn as_method(&self, tier0: &Method) -> Method {
        Method {
            code: self.code.clone(),
            lines: Vec::new(),
            handlers: self.handlers.clone(),
            nregs: self.nregs,
            version: None,
            ..tier0.clone()
        }
    }
}

/// What a pass may read.
pub struct PassCx<'a> {
    pub program: &'a Program,
    /// The tier0 method being compiled.
    pub method: MethodId,
    pub tier0: &'a Method,
    /// The static kinds of the body's code as this pass gets it (inferred
    /// again whenever a pass changed the number of instructions).
    pub kinds: &'a Kinds,
    /// What tier0 recorded while it ran.
    pub feedback: &'a Feedback,
}

/// A tier1 pass.
pub type Pass = fn(&PassCx<'_>, &mut Body);

/// The pipeline, in order, by name (`toy disasm --tier1` lists them).
pub const PASSES: &[(&str, Pass)] = &[
    ("guarded-calls", guarded_calls::run),
    ("inline", inline::run),
    ("specialize", specialize::run),
    ("cse", cse::run),
    ("moves", moves::run),
    ("hoist", hoist::run),
    ("superinstructions", superinstructions::run),
    ("compact", compact::run),
];

/// Runs the pipeline on a copy of `of`'s code; gives back the version,
/// ready to be added to the program (its suspension points recomputed
/// with liveness).
pub fn compile(program: &Program, feedback: &Feedback, of: MethodId, kind: VersionKind) -> Method {
    let tier0 = program.method(of);
    let mut kinds = kinds::infer(program, tier0);
    let mut entries = vec![Pc(0)];
    if let VersionKind::Osr { entry } = kind {
        entries.push(entry);
    }
    if let Some(points) = tier0.suspension_points() {
        entries.extend(points.iter().map(|p| p.resume));
    }
    let mut body = Body {
        code: tier0.code.clone(),
        lines: tier0.lines.clone(),
        handlers: tier0.handlers.clone(),
        nregs: tier0.nregs,
        osr: matches!(kind, VersionKind::Osr { .. }),
        entries,
        pc_map: (0..=tier0.code.len() as u32).collect(),
        inlined: Vec::new(),
    };
    for (_, pass) in PASSES {
        if kinds.len() != body.code.len() {
            kinds = kinds::infer(program, &body.as_method(tier0));
        }
        pass(&PassCx { program, method: of, tier0, kinds: &kinds, feedback }, &mut body);
    }
    let mut m = body.as_method(tier0);
    m.lines = body.lines;
    m.version = Some(Box::new(Version { of, kind, pc_map: body.pc_map, inlined: body.inlined }));
    if matches!(m.async2.as_deref(), Some(Async2Role::Body { .. })) {
        let points = crate::async2::prepare::suspension_points(program, &m, false);
        let mut room = continuation_room(&points);
        if matches!(kind, VersionKind::Osr { .. }) {
            // The OSR entry's word.
            room.0 += 1;
        }
        if let Some(Async2Role::Body { points: p, room: r, .. }) = m.async2.as_deref_mut() {
            *p = points;
            *r = room;
        }
    }
    m
}

/// `toy disasm --tier1`: each method's tier1 version and, for each loop
/// header (the target of a back-edge) of its tier0 code, its OSR version,
/// as tiering would compile them with no type feedback.
pub fn disasm(program: &Program, source: Option<&str>, filter: crate::disasm::Filter) -> String {
    let mut out = format!("tier1 passes: {}\n", PASSES.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", "));
    let feedback = Feedback::new(program);
    for i in 0..program.methods.len() {
        let id = MethodId(i as u32);
        let m = program.method(id);
        if !tierable(m) || (!filter.include_prelude && crate::disasm::is_prelude(program, m)) {
            continue;
        }
        let tier1 = program.add_version(compile(program, &feedback, id, VersionKind::Tier1));
        out.push('\n');
        out.push_str(&crate::disasm::method(program, tier1, source));
        for entry in loop_headers(m) {
            let v = program.add_version(compile(program, &feedback, id, VersionKind::Osr { entry }));
            let (osr, t1) = (program.method(v), program.method(tier1));
            let to = osr.version.as_ref().and_then(|ver| ver.pc_map.get(entry.index()).copied()).unwrap_or(0);
            if osr.code == t1.code && osr.handlers == t1.handlers {
                // The common case: the OSR entry changed nothing else.
                let _ = writeln!(
                    out,
                    "  osr version {}: the tier1 code entered at @{to} (tier0's loop header {entry})",
                    program.method_display_name(id)
                );
            } else {
                out.push('\n');
                out.push_str(&crate::disasm::method(program, v, source));
            }
        }
    }
    out
}

/// Whether `i` is a typed row that computes its destination from its
/// operands alone and never throws (the kinds proved its operands' types):
/// int and double arithmetic but division, compares, conversions. `cse`
/// reuses what one computed, `hoist` moves one out of a loop, `moves`
/// computes one straight into its register.
pub(crate) fn pure_typed(i: &Instr) -> bool {
    use Instr::*;
    matches!(
        i,
        AddInt { .. }
            | SubInt { .. }
            | MulInt { .. }
            | AddImmInt { .. }
            | LtInt { .. }
            | LeInt { .. }
            | GtInt { .. }
            | GeInt { .. }
            | EqInt { .. }
            | NeInt { .. }
            | AddDouble { .. }
            | SubDouble { .. }
            | MulDouble { .. }
            | DivDouble { .. }
            | NegDouble { .. }
            | LtDouble { .. }
            | LeDouble { .. }
            | GtDouble { .. }
            | GeDouble { .. }
            | SqrtDouble { .. }
            | ConvIntDouble { .. }
            | ConvDoubleInt { .. }
    )
}

/// The targets of a method's back-edges (jumps to a lower pc or to
/// themselves), in order: where OSR may enter.
pub fn loop_headers(m: &Method) -> Vec<Pc> {
    let mut headers: Vec<Pc> = back_edges(&m.code).map(|(_, t)| t).collect();
    headers.sort();
    headers.dedup();
    headers
}

/// Each back-edge of `code`, `(pc, target)`: a jump to a lower pc or to
/// itself (an `Await`'s resume pc is no jump).
pub(crate) fn back_edges(code: &[Instr]) -> impl Iterator<Item = (usize, Pc)> + '_ {
    code.iter().enumerate().filter(|(_, i)| !matches!(i, Instr::Await { .. })).flat_map(|(pc, i)| {
        i.operands().into_iter().filter_map(move |(_, op)| match op {
            crate::bytecode::Operand::Pc(t) if t.index() <= pc => Some((pc, t)),
            _ => None,
        })
    })
}

/// The tier counters `--stats` prints.
#[derive(Clone, Debug, Default)]
pub struct TierStats {
    /// Methods compiled to tier1 by call counting.
    pub tier_ups: u64,
    /// OSR versions compiled (one per method and loop header).
    pub osr_versions: u64,
    /// Calls the compiled versions inlined (`inline.rs`), counted per
    /// version.
    pub inlined_calls: u64,
    /// Tier0 frames moved into OSR code at a loop header.
    pub osr_transitions: u64,
    /// Of those, frames resumed from a tier0 continuation (the seed's rule
    /// 2: the OSR code ignores that continuation).
    pub osr_from_resumed: u64,
    /// async2 resumptions in the tier the continuation was captured in.
    pub resumed_same_tier: u64,
    /// async2 resumptions of an OSR continuation through the tier0 resume
    /// stub into its OSR code (the seed's rule 1).
    pub resumed_osr: u64,
    /// async2 resumptions of a tier0 continuation in the method's tier1
    /// code (it tiered up while the frame was suspended).
    pub resumed_tier0_in_tier1: u64,
    /// Continuations captured, and their bytes, by frames running tier0
    /// code (index 0) and tier1 or OSR code (index 1).
    pub continuations: [u64; 2],
    pub continuation_bytes: [u64; 2],
}

/// A tier0 method's entry: what its calls enter, and calls left before it
/// is compiled.
#[derive(Clone, Copy, Debug)]
struct Entry {
    target: MethodId,
    countdown: u32,
    /// `target`'s method: in the Vm's program (which the Vm keeps alive and
    /// never changes but for adding versions) or in its versions arena
    /// (which never moves or frees one).
    code: *const Method,
}

/// The Vm's tiering state.
#[derive(Debug)]
pub(crate) struct Tiers {
    /// Per tier0 method.
    entries: Vec<Entry>,
    /// Per tier0 method: back-edges left before a tier0 frame of it moves
    /// into OSR code.
    pub(crate) loops: Vec<u32>,
    /// Every method and version by id (see `Entry::code` for why the
    /// pointers stay valid): what the interpreter finds a frame's code by.
    table: Vec<*const Method>,
    /// OSR versions by method and loop header (a tier0 pc).
    osr: HashMap<(MethodId, Pc), MethodId>,
    enabled: bool,
    osr_threshold: u32,
    pub(crate) stats: TierStats,
}

impl Tiers {
    pub(crate) fn new(program: &Program, options: &crate::Options) -> Tiers {
        let enabled = !options.tier0_only;
        let countdown = |t: u32| if enabled { t.saturating_add(1) } else { u32::MAX };
        let n = program.methods.len();
        Tiers {
            entries: program
                .methods
                .iter()
                .enumerate()
                .map(|(m, code)| Entry {
                    target: MethodId(m as u32),
                    countdown: countdown(options.tier_threshold),
                    code: code as *const Method,
                })
                .collect(),
            loops: vec![countdown(options.osr_threshold.max(1) - 1); n],
            table: program.methods.iter().map(|m| m as *const Method).collect(),
            osr: HashMap::new(),
            enabled,
            osr_threshold: options.osr_threshold,
            stats: TierStats::default(),
        }
    }

    /// The tier1 version of `m`, if it has tiered up.
    pub(crate) fn tier1_of(&self, m: MethodId) -> Option<MethodId> {
        self.entries.get(m.index()).map(|e| e.target).filter(|&t| t != m)
    }
}

/// Whether tiering compiles `m`: methods with code, resume stubs aside
/// (a `Resume` has nothing to optimize).
fn tierable(m: &Method) -> bool {
    !m.code.is_empty() && !matches!(m.async2.as_deref(), Some(Async2Role::ResumeStub { .. }))
}

impl Vm {
    /// The version a call of tier0 method `m` enters, counting the call.
    #[inline(always)]
    pub(crate) fn enter_version(&mut self, program: &Program, m: MethodId) -> MethodId {
        self.enter_version_code(program, m).0
    }

    /// The method or version `id` of the Vm's program (`program`).
    #[inline(always)]
    pub(crate) fn code_of<'p>(&self, program: &'p Program, id: MethodId) -> &'p Method {
        match self.tiers.table.get(id.index()) {
            // SAFETY: see `Tiers::table`.
            Some(&p) => unsafe { &*p },
            None => program.method(id),
        }
    }

    /// [`Vm::enter_version`] and the version's method.
    #[inline(always)]
    pub(crate) fn enter_version_code<'p>(&mut self, program: &'p Program, m: MethodId) -> (MethodId, &'p Method) {
        match self.tiers.entries.get_mut(m.index()) {
            Some(e) => {
                e.countdown -= 1;
                if e.countdown == 0 {
                    let v = self.tier_up(program, m);
                    (v, program.method(v))
                } else {
                    // SAFETY: `code` points at `target`'s method in the
                    // program `program` is (see `Entry::code`).
                    (e.target, unsafe { &*e.code })
                }
            }
            None => (m, program.method(m)),
        }
    }

    /// `m`'s calls reached the threshold: compile it (once).
    #[cold]
    #[inline(never)]
    fn tier_up(&mut self, program: &Program, m: MethodId) -> MethodId {
        let e = self.tiers.entries[m.index()];
        self.tiers.entries[m.index()].countdown = u32::MAX;
        if !self.tiers.enabled || e.target != m || !tierable(program.method(m)) {
            return e.target;
        }
        let Some(v) = self.install(program, m, VersionKind::Tier1) else { return m };
        self.tiers.stats.tier_ups += 1;
        let e = &mut self.tiers.entries[m.index()];
        e.target = v;
        e.code = program.method(v) as *const Method;
        v
    }

    /// Compiles and adds a version of `m`; `None` if it does not verify
    /// (a pass's bug: tier0 goes on running).
    fn install(&mut self, program: &Program, m: MethodId, kind: VersionKind) -> Option<MethodId> {
        let version = compile(program, &self.feedback, m, kind);
        let id = program.add_version(version);
        if self.tiers.table.len() == id.index() {
            self.tiers.table.push(program.method(id) as *const Method);
        }
        match crate::verify::verify_method(program, id) {
            Ok(()) => {
                let inlined = program.method(id).version.as_ref().map_or(0, |v| v.inlined.len());
                self.tiers.stats.inlined_calls += inlined as u64;
                Some(id)
            }
            Err(e) => {
                debug_assert!(false, "tier1 made invalid code: {e}");
                None
            }
        }
    }

    /// A tier0 frame (the top one, its pc at a loop header it just jumped
    /// back to) whose method's back-edges got hot: it moves into the OSR
    /// version for that header. Gives back whether it did.
    #[cold]
    #[inline(never)]
    pub(crate) fn osr_transition(&mut self, program: &Program) -> bool {
        let Some(&f) = self.frames.last() else { return false };
        let m = f.method;
        if let Some(c) = self.tiers.loops.get_mut(m.index()) {
            *c = if self.tiers.enabled { self.tiers.osr_threshold.max(1) } else { u32::MAX };
        }
        if !self.tiers.enabled || f.kind == FrameKind::Filter || !tierable(program.method(m)) {
            return false;
        }
        // An exception in flight remembers the filters it ran by their pcs
        // in this frame's code (a finally block with a hot loop, run while
        // unwinding): the frame stays in tier0 until it is gone.
        let top = self.frames.len() - 1;
        if self.exceptions.iter().any(|(_, state)| state.ran_filter_in(top)) {
            return false;
        }
        let header = Pc(f.pc);
        let v = match self.tiers.osr.get(&(m, header)) {
            Some(&v) => v,
            None => {
                let Some(v) = self.install(program, m, VersionKind::Osr { entry: header }) else {
                    if let Some(c) = self.tiers.loops.get_mut(m.index()) {
                        *c = u32::MAX;
                    }
                    return false;
                };
                self.tiers.osr.insert((m, header), v);
                self.tiers.stats.osr_versions += 1;
                v
            }
        };
        let Some(pc) = program.method(v).version.as_ref().and_then(|ver| ver.pc_map.get(header.index()).copied())
        else {
            return false;
        };
        self.tiers.stats.osr_transitions += 1;
        if f.kind == FrameKind::Resumed {
            self.tiers.stats.osr_from_resumed += 1;
        }
        let Some(top) = self.frames.last_mut() else { return false };
        top.method = v;
        top.pc = pc;
        // Registers tier1 added (inlined calls' block) start null: the
        // stack above the tier0 window holds what popped frames left.
        let base = top.base as usize;
        let (from, to) = (base + program.method(m).nregs as usize, base + program.method(v).nregs as usize);
        if to > from {
            self.reserve_stack(to);
            self.stack[from..to].fill(Value::Null);
        }
        true
    }
}
