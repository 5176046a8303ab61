//! The dispatch loop: runs the top frames' bytecode until something only
//! the driver (`driver.rs`) does: a return at the boundary, a throw, a
//! suspension, a resumption, or the end of a frame that a backend finishes.
//! It says which by the `Control` it returns.
//!
//! One loop, instantiated twice (`dispatch::<FAST, COUNT>`):
//! - the **fast loop** (`FAST`) runs the instructions the opcode table marks
//!   `#[fast]`, and only their common case (int arithmetic, plain calls and
//!   returns, fields of instances, natives). Anything else, it hands back
//!   before doing anything (`slow!`). Nothing in it calls out but natives,
//!   so the compiler keeps `pc`, `code` and `regs` in machine registers;
//! - the **general loop** runs everything, and hands back to the fast loop
//!   at the next instruction the table marks `#[fast]`. With `COUNT`
//!   (`--stats`, `--max-instructions`) it counts instructions and runs
//!   alone.
//!
//! Each instruction's semantics is written once, below. The `#[fast]`
//! arms come first; a line (`_ if FAST`) stops the fast loop before the
//! rest, which only the general loop runs (a debug assertion catches a
//! `#[fast]` row whose arm is below the line). Inside a fast arm, `slow!()`
//! marks where its common case ends.
//!
//! Invariants:
//! - The bytecode was checked by `verify` before it runs: register
//!   operands are inside their frame's window, jump targets inside the code,
//!   the last instruction cannot fall through, calls pass what their callee
//!   takes. The unchecked accesses below rely on it.
//! - `regs` points at the top frame's first register. The stack may move
//!   whenever a frame is pushed, so every arm that runs anything that may
//!   push one (a native running bytecode) goes through `protect!`, which
//!   re-derives `regs`, and every arm that pushes or pops frames reloads
//!   the frame's state (`switch_to!`).
//! - Collections happen only at safepoints (`safepoint!`), between
//!   instructions, when every live value is in a register, a static, a
//!   constant or an exception in flight (see `RootSet` in `state.rs`).
//! - The top frame's `pc` is saved (`save!`) before anything that may
//!   look at it: a throw, a call, a native, a hand-back to the driver.

use crate::Vm;
use crate::async2::Wait;
use crate::builtins::format;
use crate::bytecode::{Args, ClassId, Dst, Instr, MethodId, NativeId, Reg};
use crate::error::VmError;
use crate::frames::{Frame, FrameKind};
use crate::ops::{ArithOp, BitOp, arith, bitwise, is_value_type, less, less_eq};
use crate::program::{Async2Role, Method, Program};
use crate::value::{Obj, Value};

/// What the loop hands to the driver.
pub(crate) enum Control {
    /// Switch loops: the fast loop met what it does not run, or the
    /// general loop an instruction the fast one runs. The top frame's pc is
    /// that instruction.
    Switch,
    /// The frame at the boundary returned (or a filter ended) with this
    /// value; it is popped.
    Return(Value),
    /// A frame that a backend finishes returned `value` (a `Thunk`,
    /// `AwaitedTaskCall` or `Resumed` frame); it is popped.
    Leave { frame: Frame, value: Value },
    /// An instruction failed or threw; the top frame's pc is after it.
    Throw(VmError),
    /// `throw;` or the end of a finally block: this exception goes on.
    Rethrow(Value),
    /// The top frame awaits something incomplete (async2): its pc is the
    /// suspension point's resume pc.
    Suspend(Wait),
}

/// Points the loop's state at `$frame`: its method's code and register
/// count, its pc, its window's base and first register.
macro_rules! switch_to {
    ($vm:ident, $program:ident, $frame:expr => $code:ident, $nregs:ident, $pc:ident, $base:ident, $regs:ident, $method:ident) => {{
        let frame: Frame = $frame;
        $method = frame.method;
        let m = $vm.code_of($program, frame.method);
        $code = &m.code;
        $nregs = m.nregs as usize;
        $pc = frame.pc as usize;
        $base = frame.base as usize;
        // SAFETY: a frame's window lies inside the stack (frames.rs).
        $regs = unsafe { $vm.stack.as_mut_ptr().add($base) };
    }};
}

impl Vm {
    /// Runs the top frames from the top frame's saved pc until the driver
    /// is needed. See the module docs for `FAST` and `COUNT`.
    #[inline(never)]
    pub(crate) fn dispatch<const FAST: bool, const COUNT: bool>(
        &mut self,
        program: &Program,
        boundary: usize,
    ) -> Control {
        let Some(&frame) = self.frames.last() else { return Control::Return(Value::Null) };
        let (mut code, mut nregs, mut pc, mut base, mut regs, mut method): (
            &[Instr],
            usize,
            usize,
            usize,
            *mut Value,
            MethodId,
        );
        switch_to!(self, program, frame => code, nregs, pc, base, regs, method);
        let mut instructions: u64 = 0;
        let fuel = match self.options.max_instructions {
            Some(max) if COUNT => max.saturating_sub(self.stats.instructions),
            _ => u64::MAX,
        };

        // ----- registers: the verifier proved each register operand is
        // below its method's `nregs`, and each frame's window lies inside
        // the stack; `regs` is re-derived whenever the stack may move.

        // Reads a register.
        macro_rules! r {
            ($reg:expr) => {
                // SAFETY: see above.
                unsafe { regs.add($reg.0 as usize).read() }
            };
        }
        // Borrows a register (the hot arms test tags in place).
        macro_rules! rf {
            ($reg:expr) => {
                // SAFETY: see above.
                unsafe { &*regs.add($reg.0 as usize) }
            };
        }
        // Writes a register.
        macro_rules! set {
            ($dst:expr, $v:expr) => {{
                let v = $v;
                // SAFETY: see above.
                unsafe { regs.add($dst.0 as usize).write(v) };
            }};
        }
        // Writes a value fresh from Rust code (a native's result, an int
        // just computed) in one store (see [`Value::write`]).
        macro_rules! set_fresh {
            ($dst:expr, $v:expr) => {{
                let v = $v;
                // SAFETY: see above.
                unsafe { Value::write(regs.add($dst.0 as usize), v) };
            }};
        }

        // ----- control

        macro_rules! save {
            () => {
                if let Some(f) = self.frames.last_mut() {
                    f.pc = pc as u32;
                }
            };
        }
        // Hands `$c` to the driver.
        macro_rules! exit {
            ($c:expr) => {{
                let c = $c;
                if COUNT {
                    self.stats.instructions += instructions;
                }
                return c;
            }};
        }
        // The end of an instruction's common case: the fast loop hands the
        // instruction (not run: nothing is written before `slow!`) to the
        // general loop.
        macro_rules! slow {
            () => {
                if FAST {
                    pc -= 1;
                    save!();
                    exit!(Control::Switch);
                }
            };
        }
        macro_rules! throw {
            ($e:expr) => {{
                save!();
                exit!(Control::Throw($e))
            }};
        }
        macro_rules! tri {
            ($e:expr) => {
                match $e {
                    Ok(v) => v,
                    Err(e) => throw!(e),
                }
            };
        }
        // Runs `$e`, which may run bytecode (moving the stack) or collect,
        // with the pc saved, and re-derives `regs` after it: Lua's Protect.
        macro_rules! protect {
            ($e:expr) => {{
                save!();
                let r = $e;
                // SAFETY: the top frame's window lies inside the stack.
                regs = unsafe { self.stack.as_mut_ptr().add(base) };
                r
            }};
        }
        // Bounds every loop (jumps) and every recursion (calls).
        macro_rules! fuel {
            () => {
                if COUNT && instructions >= fuel {
                    throw!(VmError::OutOfFuel);
                }
            };
        }
        macro_rules! safepoint {
            () => {
                if self.collection_due() {
                    tri!(self.collect_at_safepoint());
                }
            };
        }
        // `$body` with `$i` the instance in register `$obj` (a field
        // access's object).
        macro_rules! instance {
            ($obj:expr, $i:ident => $body:expr) => {
                match r!($obj) {
                    Value::Obj(o) => match o.as_instance() {
                        Some($i) => $body,
                        None => {
                            slow!();
                            throw!(self.bad_operand("field access", Value::Obj(o)))
                        }
                    },
                    _ => {
                        slow!();
                        throw!(VmError::null_reference())
                    }
                }
            };
        }
        // ----- tier1's specialized instructions read payloads unchecked.

        // The int in a register the static types prove holds one.
        macro_rules! int {
            ($reg:expr) => {{
                let p: *const Value = rf!($reg);
                debug_assert!(matches!(r!($reg), Value::Int(_)), "{:?} where an int was proved", r!($reg));
                // SAFETY: the register holds a `Value::Int` (the pass
                // rewrote only where `kinds.rs` proves it): `repr(u8)`
                // puts its payload at byte 8.
                unsafe { p.cast::<u8>().add(8).cast::<i64>().read() }
            }};
        }
        // The double in a register the static types prove holds one.
        macro_rules! dbl {
            ($reg:expr) => {{
                let p: *const Value = rf!($reg);
                debug_assert!(matches!(r!($reg), Value::Double(_)), "{:?} where a double was proved", r!($reg));
                // SAFETY: as `int!`, for a `Value::Double`.
                unsafe { p.cast::<u8>().add(8).cast::<f64>().read() }
            }};
        }
        // The field of `$i` at byte `$offset`, of slot type `$ty` (debug
        // builds check its class has such a field there).
        macro_rules! typed_field {
            ($i:expr, $offset:expr, $ty:ident) => {{
                let f = crate::object::FieldRef { offset: $offset as u32, ty: crate::program::SlotType::$ty };
                debug_assert!(
                    self.layouts[$i.class().index()].fields.contains(&f),
                    "{f:?} is not a field of {}",
                    $i.class()
                );
                f
            }};
        }

        // tier1's GetElemInt/Double and SetElemInt/Double: an element of an
        // array the kinds proved of that type, read or written by `Array`'s
        // typed accessor; null, out of range or a negative index: the
        // generic path's exception.
        macro_rules! typed_elem {
            (get $obj:expr, $index:expr, $get:ident => $dst:expr, $wrap:path) => {{
                let x = match *rf!($obj) {
                    Value::Obj(o) => {
                        o.as_array().and_then(|a| usize::try_from(int!($index)).ok().and_then(|i| a.$get(i)))
                    }
                    _ => None,
                };
                match x {
                    Some(x) => set_fresh!($dst, $wrap(x)),
                    None => {
                        slow!();
                        let v = tri!(self.get_index(r!($obj), r!($index)));
                        set!($dst, v);
                    }
                }
            }};
            (set $obj:expr, $index:expr, $set:ident, $x:expr => $src:expr) => {{
                let stored = match *rf!($obj) {
                    Value::Obj(o) => {
                        o.as_array().is_some_and(|a| usize::try_from(int!($index)).is_ok_and(|i| a.$set(i, $x)))
                    }
                    _ => false,
                };
                if !stored {
                    slow!();
                    tri!(self.set_index(r!($obj), r!($index), r!($src)));
                }
            }};
        }
        // After frames were pushed or popped outside `enter!`/`leave!`: go
        // on with the top frame.
        macro_rules! reload {
            () => {{
                let Some(&top) = self.frames.last() else { exit!(Control::Return(Value::Null)) };
                switch_to!(self, program, top => code, nregs, pc, base, regs, method);
                continue;
            }};
        }
        // Marks C[$class] initialized and enters its static constructor,
        // if it has one (`InitClass`, `InitClassFast`).
        macro_rules! run_cctor {
            ($class:expr) => {{
                let class: ClassId = $class;
                self.class_initialized[class.index()] = true;
                if let Some(cctor) = program.class(class).cctor {
                    save!();
                    let callee = self.top();
                    tri!(self.push_frame(
                        cctor,
                        program.method(cctor).nregs as usize,
                        callee,
                        0,
                        0,
                        Dst::DISCARD.0,
                        FrameKind::Normal
                    ));
                    reload!();
                }
            }};
        }
        // A call of a bytecode method: its frame above this one's window,
        // the arguments copied from `$args`, and the loop goes on in it.
        macro_rules! enter {
            ($target:expr, $dst:expr, $args:expr, $kind:expr) => {{
                // The method's current version (tier0 counts the call).
                let (target, callee): (MethodId, &Method) = self.enter_version_code(program, $target);
                let args: Args = $args;
                save!();
                let new_base = base + nregs;
                tri!(self.push_frame(
                    target,
                    callee.nregs as usize,
                    new_base,
                    base + args.base as usize,
                    args.count as usize,
                    $dst.0,
                    $kind
                ));
                base = new_base;
                // SAFETY: `push_frame` made the window `new_base ..
                // new_base + nregs` part of the stack.
                regs = unsafe { self.stack.as_mut_ptr().add(base) };
                code = &callee.code;
                nregs = callee.nregs as usize;
                pc = 0;
                method = target;
            }};
        }
        // A jump to `$target`: a back-edge (to a lower pc) of a tier0
        // frame counts down its method's loop counter, and at zero the
        // frame moves into OSR code at the loop header.
        macro_rules! jump {
            ($target:expr) => {{
                let t = $target.index();
                let back = t < pc;
                pc = t;
                if back && let Some(c) = self.tiers.loops.get_mut(method.index()) {
                    *c -= 1;
                    if *c == 0 {
                        save!();
                        if self.osr_transition(program) {
                            reload!();
                        }
                    }
                }
            }};
        }
        // A return: to a plain caller above the boundary, the loop goes on
        // in it; anything else is the driver's.
        macro_rules! leave {
            ($v:expr) => {{
                let v = $v;
                let n = self.frames.len();
                if n <= boundary + 1 || self.frames[n - 1].kind != FrameKind::Normal {
                    slow!();
                    let done = self.pop_frame();
                    if done.kind == FrameKind::Normal {
                        exit!(Control::Return(v));
                    }
                    exit!(Control::Leave { frame: done, value: v });
                }
                let done = self.pop_frame();
                switch_to!(self, program, self.frames[n - 2] => code, nregs, pc, base, regs, method);
                if done.ret != Dst::DISCARD.0 {
                    set!(Reg(done.ret), v);
                }
            }};
        }

        loop {
            // SAFETY: the verifier proved every jump target is in the code
            // and that the last instruction cannot fall through.
            let instr: &Instr = unsafe { code.get_unchecked(pc) };
            pc += 1;
            if COUNT {
                instructions += 1;
            }
            match *instr {
                Instr::Nop {} => {}
                Instr::Move { dst, src } => set!(dst, r!(src)),
                Instr::LoadNull { dst } => set!(dst, Value::Null),
                Instr::LoadBool { dst, value } => set!(dst, Value::Bool(value)),
                Instr::LoadInt { dst, value } => set_fresh!(dst, Value::Int(value as i64)),
                Instr::LoadConst { dst, k } => set!(dst, self.consts[k.index()]),
                Instr::Add { dst, a, b } => match (rf!(a), rf!(b)) {
                    (&Value::Int(x), &Value::Int(y)) => set_fresh!(dst, Value::Int(x.wrapping_add(y))),
                    (&x, &y) => {
                        slow!();
                        let v = tri!(self.add_slow(x, y));
                        set!(dst, v);
                        safepoint!();
                    }
                },
                Instr::AddImm { dst, a, imm } => match *rf!(a) {
                    Value::Int(x) => set_fresh!(dst, Value::Int(x.wrapping_add(imm as i64))),
                    x => {
                        slow!();
                        let v = tri!(self.add_slow(x, Value::Int(imm as i64)));
                        set!(dst, v);
                        safepoint!();
                    }
                },
                Instr::Sub { dst, a, b } => match (rf!(a), rf!(b)) {
                    (&Value::Int(x), &Value::Int(y)) => set_fresh!(dst, Value::Int(x.wrapping_sub(y))),
                    (&x, &y) => {
                        slow!();
                        set!(dst, tri!(arith(x, y, ArithOp::Sub)));
                    }
                },
                Instr::Mul { dst, a, b } => match (rf!(a), rf!(b)) {
                    (&Value::Int(x), &Value::Int(y)) => set_fresh!(dst, Value::Int(x.wrapping_mul(y))),
                    (&x, &y) => {
                        slow!();
                        set!(dst, tri!(arith(x, y, ArithOp::Mul)));
                    }
                },
                Instr::Lt { dst, a, b } => match (rf!(a), rf!(b)) {
                    (&Value::Int(x), &Value::Int(y)) => set!(dst, Value::Bool(x < y)),
                    (&x, &y) => {
                        slow!();
                        set!(dst, Value::Bool(tri!(less(x, y))));
                    }
                },
                Instr::Le { dst, a, b } => match (rf!(a), rf!(b)) {
                    (&Value::Int(x), &Value::Int(y)) => set!(dst, Value::Bool(x <= y)),
                    (&x, &y) => {
                        slow!();
                        set!(dst, Value::Bool(tri!(less_eq(x, y))));
                    }
                },
                Instr::Gt { dst, a, b } => match (rf!(a), rf!(b)) {
                    (&Value::Int(x), &Value::Int(y)) => set!(dst, Value::Bool(x > y)),
                    (&x, &y) => {
                        slow!();
                        set!(dst, Value::Bool(tri!(less(y, x))));
                    }
                },
                Instr::Ge { dst, a, b } => match (rf!(a), rf!(b)) {
                    (&Value::Int(x), &Value::Int(y)) => set!(dst, Value::Bool(x >= y)),
                    (&x, &y) => {
                        slow!();
                        set!(dst, Value::Bool(tri!(less_eq(y, x))));
                    }
                },
                Instr::Jump { target } => {
                    fuel!();
                    jump!(target);
                }
                Instr::JumpIfTrue { cond, target } => {
                    fuel!();
                    if let Value::Bool(true) = r!(cond) {
                        jump!(target);
                    }
                }
                Instr::JumpIfFalse { cond, target } => {
                    fuel!();
                    if !matches!(r!(cond), Value::Bool(true)) {
                        jump!(target);
                    }
                }
                Instr::JumpIfNull { src, target } => {
                    fuel!();
                    if r!(src).is_null() {
                        jump!(target);
                    }
                }
                Instr::JumpIfNotNull { src, target } => {
                    fuel!();
                    if !r!(src).is_null() {
                        jump!(target);
                    }
                }
                Instr::JumpIfNotLt { a, b, target } => {
                    fuel!();
                    let lt = match (rf!(a), rf!(b)) {
                        (&Value::Int(x), &Value::Int(y)) => x < y,
                        (&x, &y) => {
                            slow!();
                            tri!(less(x, y))
                        }
                    };
                    if !lt {
                        jump!(target);
                    }
                }
                Instr::JumpIfNotLtImm { a, imm, target } => {
                    fuel!();
                    let lt = match *rf!(a) {
                        Value::Int(x) => x < imm as i64,
                        x => {
                            slow!();
                            tri!(less(x, Value::Int(imm as i64)))
                        }
                    };
                    if !lt {
                        jump!(target);
                    }
                }
                Instr::GetField { dst, obj, field, class } => {
                    let f = self.verified_field_ref(class, field.index());
                    instance!(obj, i => set!(dst, i.get(f)))
                }
                Instr::SetField { obj, field, src, class } => {
                    let f = self.verified_field_ref(class, field.index());
                    instance!(obj, i => i.set(f, r!(src)))
                }
                Instr::GetStatic { dst, id } => set!(dst, self.statics[id.index()]),
                Instr::SetStatic { id, src } => self.statics[id.index()] = r!(src),
                Instr::Call { dst, method, args } => {
                    fuel!();
                    enter!(method, dst, args, FrameKind::Normal);
                }
                Instr::CallNative { dst, native, args } => {
                    let v = protect!(self.call_native(native, regs, args));
                    set_fresh!(dst, tri!(v));
                    safepoint!();
                }
                Instr::Return { src } => leave!(r!(src)),
                Instr::ReturnVoid {} => leave!(Value::Null),
                Instr::CallAsync { dst, method, args } => {
                    fuel!();
                    // The caller goes on at pc + 1 (the Jump past the await).
                    enter!(method, dst, args, FrameKind::Normal);
                }
                Instr::Resume { method, cont } => {
                    // The resume stub's frame becomes `method`'s, at the
                    // continuation's suspension point (the dispatcher's
                    // every step starts here: kept in the fast loop).
                    let c = r!(cont);
                    save!();
                    match self.resume_frame(method, c) {
                        Ok(None) => reload!(),
                        Ok(Some(exc)) => exit!(Control::Rethrow(exc)),
                        Err(e) => throw!(e),
                    }
                }
                // ----- tier1's specialized instructions: the static types
                // proved their operands' tags (debug builds check them).
                Instr::AddInt { dst, a, b } => set_fresh!(dst, Value::Int(int!(a).wrapping_add(int!(b)))),
                Instr::SubInt { dst, a, b } => set_fresh!(dst, Value::Int(int!(a).wrapping_sub(int!(b)))),
                Instr::MulInt { dst, a, b } => set_fresh!(dst, Value::Int(int!(a).wrapping_mul(int!(b)))),
                Instr::DivInt { dst, a, b } | Instr::RemInt { dst, a, b } => {
                    let (x, y) = (int!(a), int!(b));
                    if y == 0 {
                        slow!();
                        throw!(VmError::throw("System.DivideByZeroException", "Attempted to divide by zero."));
                    }
                    let r = if matches!(instr, Instr::DivInt { .. }) { x.wrapping_div(y) } else { x.wrapping_rem(y) };
                    set_fresh!(dst, Value::Int(r));
                }
                Instr::AddImmInt { dst, a, imm } => set_fresh!(dst, Value::Int(int!(a).wrapping_add(imm as i64))),
                Instr::LtInt { dst, a, b } => set!(dst, Value::Bool(int!(a) < int!(b))),
                Instr::LeInt { dst, a, b } => set!(dst, Value::Bool(int!(a) <= int!(b))),
                Instr::GtInt { dst, a, b } => set!(dst, Value::Bool(int!(a) > int!(b))),
                Instr::GeInt { dst, a, b } => set!(dst, Value::Bool(int!(a) >= int!(b))),
                Instr::EqInt { dst, a, b } => set!(dst, Value::Bool(int!(a) == int!(b))),
                Instr::NeInt { dst, a, b } => set!(dst, Value::Bool(int!(a) != int!(b))),
                Instr::JumpIfNotLtInt { a, b, target } => {
                    fuel!();
                    if int!(a) >= int!(b) {
                        pc = target.index();
                    }
                }
                Instr::JumpIfNotLtImmInt { a, imm, target } => {
                    fuel!();
                    if int!(a) >= imm as i64 {
                        pc = target.index();
                    }
                }
                Instr::AddDouble { dst, a, b } => set_fresh!(dst, Value::Double(dbl!(a) + dbl!(b))),
                Instr::SubDouble { dst, a, b } => set_fresh!(dst, Value::Double(dbl!(a) - dbl!(b))),
                Instr::MulDouble { dst, a, b } => set_fresh!(dst, Value::Double(dbl!(a) * dbl!(b))),
                Instr::DivDouble { dst, a, b } => set_fresh!(dst, Value::Double(dbl!(a) / dbl!(b))),
                Instr::NegDouble { dst, src } => set_fresh!(dst, Value::Double(-dbl!(src))),
                Instr::SqrtDouble { dst, src } => set_fresh!(dst, Value::Double(dbl!(src).sqrt())),
                Instr::LtDouble { dst, a, b } => set!(dst, Value::Bool(dbl!(a) < dbl!(b))),
                Instr::LeDouble { dst, a, b } => set!(dst, Value::Bool(dbl!(a) <= dbl!(b))),
                Instr::GtDouble { dst, a, b } => set!(dst, Value::Bool(dbl!(a) > dbl!(b))),
                Instr::GeDouble { dst, a, b } => set!(dst, Value::Bool(dbl!(a) >= dbl!(b))),
                Instr::JumpIfNotLtDouble { a, b, target } => {
                    fuel!();
                    // Not `>=`: NaN compares false both ways.
                    let lt = dbl!(a) < dbl!(b);
                    if !lt {
                        pc = target.index();
                    }
                }
                Instr::GetFieldDouble { dst, obj, offset } => {
                    instance!(obj, i => set_fresh!(dst, i.get(typed_field!(i, offset, Double))))
                }
                Instr::GetFieldInt { dst, obj, offset } => {
                    instance!(obj, i => set_fresh!(dst, i.get(typed_field!(i, offset, Int))))
                }
                Instr::GetFieldRef { dst, obj, offset } => {
                    instance!(obj, i => set!(dst, i.get(typed_field!(i, offset, Ref))))
                }
                Instr::GetFieldAny { dst, obj, offset } => {
                    instance!(obj, i => set!(dst, i.get(typed_field!(i, offset, Any))))
                }
                Instr::SetFieldDouble { obj, src, offset } => {
                    instance!(obj, i => i.set(typed_field!(i, offset, Double), Value::Double(dbl!(src))))
                }
                Instr::SetFieldInt { obj, src, offset } => {
                    instance!(obj, i => i.set(typed_field!(i, offset, Int), Value::Int(int!(src))))
                }
                Instr::SetFieldRef { obj, src, offset } => {
                    instance!(obj, i => i.set(typed_field!(i, offset, Ref), r!(src)))
                }
                Instr::SetFieldAny { obj, src, offset } => {
                    instance!(obj, i => i.set(typed_field!(i, offset, Any), r!(src)))
                }
                Instr::JumpIfLtInt { a, b, target } => {
                    fuel!();
                    if int!(a) < int!(b) {
                        pc = target.index();
                    }
                }
                Instr::JumpIfLtDouble { a, b, target } => {
                    fuel!();
                    if dbl!(a) < dbl!(b) {
                        pc = target.index();
                    }
                }
                Instr::JumpIfLeDouble { a, b, target } => {
                    fuel!();
                    if dbl!(a) <= dbl!(b) {
                        pc = target.index();
                    }
                }
                Instr::JumpIfNotLeDouble { a, b, target } => {
                    fuel!();
                    // Not `>`: NaN compares false both ways.
                    let le = dbl!(a) <= dbl!(b);
                    if !le {
                        pc = target.index();
                    }
                }
                Instr::JumpIfEqInt { a, b, target } => {
                    fuel!();
                    if int!(a) == int!(b) {
                        pc = target.index();
                    }
                }
                Instr::JumpIfNeInt { a, b, target } => {
                    fuel!();
                    if int!(a) != int!(b) {
                        pc = target.index();
                    }
                }
                Instr::IncJumpIfLtInt { a, b, target } => {
                    fuel!();
                    let i = int!(a).wrapping_add(1);
                    set_fresh!(a.dst(), Value::Int(i));
                    if i < int!(b) {
                        pc = target.index();
                    }
                }
                Instr::JumpIfLtImmInt { a, imm, target } => {
                    fuel!();
                    if int!(a) < imm as i64 {
                        pc = target.index();
                    }
                }
                Instr::IncJumpIfLtImmInt { a, imm, target } => {
                    fuel!();
                    let i = int!(a).wrapping_add(1);
                    set_fresh!(a.dst(), Value::Int(i));
                    if i < imm as i64 {
                        pc = target.index();
                    }
                }
                Instr::ReturnIfLtImmInt { a, imm, target } => {
                    fuel!();
                    let x = int!(a);
                    if x < imm as i64 {
                        leave!(Value::Int(x));
                    } else {
                        pc = target.index();
                    }
                }
                Instr::ReturnAddInt { a, b } => leave!(Value::Int(int!(a).wrapping_add(int!(b)))),
                Instr::CallGuarded { dst, method, args } => {
                    fuel!();
                    let class = program.method(method).class;
                    let hit = match rf!(Reg(args.base)) {
                        &Value::Obj(o) => o.as_instance().is_some_and(|i| i.class() == class),
                        _ => false,
                    };
                    let target = if hit {
                        method
                    } else {
                        slow!();
                        // The method's vtable slot is the virtual one's (the
                        // verifier checks it has one).
                        tri!(self.resolve_virtual(method, r!(Reg(args.base))))
                    };
                    enter!(target, dst, args, FrameKind::Normal);
                }
                Instr::ConvIntDouble { dst, src } => set_fresh!(dst, Value::Double(int!(src) as f64)),
                Instr::ConvDoubleInt { dst, src } => set_fresh!(dst, Value::Int(dbl!(src) as i64)),
                Instr::AddNum { dst, a, b }
                | Instr::SubNum { dst, a, b }
                | Instr::MulNum { dst, a, b }
                | Instr::DivNum { dst, a, b } => {
                    let op = match instr {
                        Instr::AddNum { .. } => ArithOp::Add,
                        Instr::SubNum { .. } => ArithOp::Sub,
                        Instr::MulNum { .. } => ArithOp::Mul,
                        _ => ArithOp::Div,
                    };
                    match num_fast(*rf!(a), *rf!(b), op) {
                        Some(v) => set_fresh!(dst, v),
                        None => {
                            slow!();
                            let (x, y) = (r!(a), r!(b));
                            let v =
                                tri!(if matches!(op, ArithOp::Add) { self.add_slow(x, y) } else { arith(x, y, op) });
                            set!(dst, v);
                            safepoint!();
                        }
                    }
                }
                Instr::LtNum { dst, a, b }
                | Instr::LeNum { dst, a, b }
                | Instr::GtNum { dst, a, b }
                | Instr::GeNum { dst, a, b } => {
                    // As `a < b` (or `<=`) with the operands swapped for `>`, `>=`.
                    let (x, y, or_equal) = match instr {
                        Instr::LtNum { .. } => (rf!(a), rf!(b), false),
                        Instr::LeNum { .. } => (rf!(a), rf!(b), true),
                        Instr::GtNum { .. } => (rf!(b), rf!(a), false),
                        _ => (rf!(b), rf!(a), true),
                    };
                    let v = match (x, y) {
                        (&Value::Int(x), &Value::Int(y)) => ordered(x, y, or_equal),
                        (&x, &y) => match doubles(x, y) {
                            Some((x, y)) => ordered(x, y, or_equal),
                            None => {
                                slow!();
                                tri!(crate::ops::compare(x, y, or_equal))
                            }
                        },
                    };
                    set!(dst, Value::Bool(v));
                }
                Instr::JumpIfNotLtNum { a, b, target } => {
                    fuel!();
                    let lt = match (rf!(a), rf!(b)) {
                        (&Value::Int(x), &Value::Int(y)) => x < y,
                        (&x, &y) => match doubles(x, y) {
                            Some((x, y)) => x < y,
                            None => {
                                slow!();
                                tri!(less(x, y))
                            }
                        },
                    };
                    if !lt {
                        pc = target.index();
                    }
                }
                Instr::SaveContext { dst, sync } => {
                    set!(dst, if sync { self.contexts.sync_ctx } else { self.contexts.execution })
                }
                Instr::RestoreContexts { ec } => self.contexts.restore(r!(Reg(ec.base)), r!(Reg(ec.base + 1))),
                Instr::InitClassFast { class } => {
                    if !self.class_initialized[class.index()] {
                        slow!();
                        run_cctor!(class);
                    }
                }
                Instr::EqNum { dst, a, b } | Instr::NeNum { dst, a, b } => {
                    let eq = match (rf!(a), rf!(b)) {
                        (&Value::Int(x), &Value::Int(y)) => x == y,
                        (&Value::Double(x), &Value::Double(y)) => x == y,
                        (&x, &y) => {
                            slow!();
                            x.equals(y)
                        }
                    };
                    set!(dst, Value::Bool(eq == matches!(instr, Instr::EqNum { .. })));
                }
                Instr::GetElemInt { dst, obj, index } => typed_elem!(get obj, index, get_int => dst, Value::Int),
                Instr::GetElemDouble { dst, obj, index } => {
                    typed_elem!(get obj, index, get_double => dst, Value::Double)
                }
                Instr::SetElemInt { obj, index, src } => typed_elem!(set obj, index, set_int, int!(src) => src),
                Instr::SetElemDouble { obj, index, src } => typed_elem!(set obj, index, set_double, dbl!(src) => src),
                Instr::AddStr { dst, a, b } => tri!(protect!(self.concat_into(base, dst, r!(a), r!(b)))),
                Instr::GetElem { dst, obj, index } => {
                    let element = match (rf!(obj), rf!(index)) {
                        (&Value::Obj(o), &Value::Int(i)) => {
                            o.as_array().and_then(|a| usize::try_from(i).ok().and_then(|i| a.get(i)))
                        }
                        _ => None,
                    };
                    // Else an ASCII string's char, out of line.
                    match element.or_else(|| ascii_char(*rf!(obj), *rf!(index))) {
                        Some(v) => set!(dst, v),
                        None => {
                            slow!();
                            let v = tri!(self.get_index(r!(obj), r!(index)));
                            set!(dst, v);
                        }
                    }
                }
                Instr::SetElem { obj, index, src } => {
                    let stored = match (rf!(obj), rf!(index)) {
                        (&Value::Obj(o), &Value::Int(i)) => {
                            o.as_array().is_some_and(|a| usize::try_from(i).is_ok_and(|i| a.set(i, r!(src))))
                        }
                        _ => false,
                    };
                    if !stored {
                        slow!();
                        tri!(self.set_index(r!(obj), r!(index), r!(src)));
                    }
                }
                // The line: the fast loop runs the arms above it (the
                // opcode table's `#[fast]` rows) and hands back the rest.
                _ if FAST => {
                    debug_assert!(
                        !instr.is_fast(),
                        "{:?} is #[fast] but its arm is below the fast loop's line",
                        instr.opcode()
                    );
                    slow!();
                }
                Instr::LoadEnum { dst, class, value } => set!(dst, Value::Enum(class, value as i64)),
                Instr::Div { dst, a, b } => set!(dst, tri!(arith(r!(a), r!(b), ArithOp::Div))),
                Instr::Rem { dst, a, b } => set!(dst, tri!(arith(r!(a), r!(b), ArithOp::Rem))),
                Instr::BitAnd { dst, a, b } => set!(dst, tri!(bitwise(r!(a), r!(b), BitOp::And))),
                Instr::BitOr { dst, a, b } => set!(dst, tri!(bitwise(r!(a), r!(b), BitOp::Or))),
                Instr::BitXor { dst, a, b } => set!(dst, tri!(bitwise(r!(a), r!(b), BitOp::Xor))),
                Instr::Shl { dst, a, b } => set!(dst, tri!(bitwise(r!(a), r!(b), BitOp::Shl))),
                Instr::Shr { dst, a, b } => set!(dst, tri!(bitwise(r!(a), r!(b), BitOp::Shr))),
                Instr::Neg { dst, src } => set!(
                    dst,
                    match r!(src) {
                        Value::Int(x) => Value::Int(x.wrapping_neg()),
                        Value::Char(c) => Value::Int(-(c as i64)),
                        Value::Double(d) => Value::Double(-d),
                        v => throw!(self.bad_operand("-", v)),
                    }
                ),
                Instr::Not { dst, src } => set!(
                    dst,
                    match r!(src) {
                        Value::Bool(b) => Value::Bool(!b),
                        v => throw!(self.bad_operand("!", v)),
                    }
                ),
                Instr::BitNot { dst, src } => set!(
                    dst,
                    match r!(src) {
                        Value::Int(x) => Value::Int(!x),
                        Value::Char(c) => Value::Int(!(c as i64)),
                        Value::Enum(c, x) => Value::Enum(c, !x),
                        v => throw!(self.bad_operand("~", v)),
                    }
                ),
                Instr::Eq { dst, a, b } => set!(dst, Value::Bool(r!(a).equals(r!(b)))),
                Instr::Ne { dst, a, b } => set!(dst, Value::Bool(!r!(a).equals(r!(b)))),
                Instr::Conv { dst, src, to } => set!(dst, tri!(self.convert(r!(src), to))),
                Instr::ConvEnum { dst, src, class } => set!(
                    dst,
                    match r!(src) {
                        Value::Double(d) => Value::Enum(class, d as i64),
                        v => match v.as_int() {
                            Some(i) => Value::Enum(class, i),
                            None => throw!(self.bad_operand("enum conversion", v)),
                        },
                    }
                ),
                Instr::ToStr { dst, src } => {
                    let v = r!(src);
                    if let Some(m) = self.user_override(v, 0, self.object_to_string) {
                        let m = self.enter_version(program, m);
                        save!();
                        let callee = self.top();
                        tri!(self.push_frame(
                            m,
                            program.method(m).nregs as usize,
                            callee,
                            0,
                            0,
                            dst.0,
                            FrameKind::Normal
                        ));
                        self.stack[callee] = v;
                        reload!();
                    }
                    if v.as_str().is_none() {
                        let s = format::to_display(program, v);
                        set!(dst, self.str_value(s));
                        safepoint!();
                    } else {
                        set!(dst, v);
                    }
                }
                Instr::Concat { dst, args } => {
                    // Read twice (to measure, then to copy): nothing runs between.
                    let s = tri!(self.concat(args.regs().map(|reg| r!(reg))));
                    set!(dst, s);
                    safepoint!();
                }
                Instr::NewObject { dst, class } => {
                    let o = self.new_instance(class);
                    set!(dst, Value::Obj(o));
                    safepoint!();
                }
                Instr::InitClass { class } => {
                    if !self.class_initialized[class.index()] {
                        run_cctor!(class);
                    }
                }
                Instr::NewArray { dst, elem, len } => {
                    let n = match r!(len).as_int() {
                        Some(n) if n >= 0 => n as usize,
                        Some(_) => {
                            throw!(VmError::throw(
                                "System.OverflowException",
                                "Arithmetic operation resulted in an overflow."
                            ))
                        }
                        None => throw!(self.bad_operand("array size", r!(len))),
                    };
                    if n > (1 << 24) {
                        throw!(VmError::throw(
                            "System.OutOfMemoryException",
                            "Array dimensions exceeded supported range."
                        ));
                    }
                    tri!(self.reserve(n * std::mem::size_of::<Value>()));
                    let ty = program.element_type(elem);
                    let fill = crate::state::default_value(ty.zero());
                    let a = self.alloc(crate::object::array_filled(elem, ty, n, fill));
                    set!(dst, Value::Obj(a));
                    safepoint!();
                }
                Instr::GetIndex { dst, obj, index } => {
                    let v = tri!(self.get_index(r!(obj), r!(index)));
                    set!(dst, v);
                }
                Instr::SetIndex { obj, index, src } => tri!(self.set_index(r!(obj), r!(index), r!(src))),
                Instr::CallVirt { dst, method, args } => {
                    fuel!();
                    let receiver = r!(Reg(args.base));
                    let target = tri!(self.resolve_virtual(method, receiver));
                    if let Some(f) = self.frames.last() {
                        self.feedback.record_call(f.method, pc - 1, receiver.class());
                    }
                    enter!(target, dst, args, FrameKind::Normal);
                }
                Instr::CallDelegate { dst, args } => {
                    fuel!();
                    let (m, target) = match r!(Reg(args.base)).view() {
                        Some(Obj::Delegate { method, target }) => (method, target),
                        Some(_) => throw!(self.bad_operand("delegate call", r!(Reg(args.base)))),
                        None => throw!(VmError::null_reference()),
                    };
                    let m = self.enter_version(program, m);
                    let callee = program.method(m);
                    let is_static = callee.flags.is_static;
                    let nargs = args.count as usize - 1 + usize::from(!is_static);
                    if nargs != callee.arity as usize {
                        throw!(VmError::throw(
                            "System.ArgumentException",
                            "Delegate called with the wrong number of arguments."
                        ));
                    }
                    save!();
                    let new_base = self.top();
                    tri!(self.push_frame(m, callee.nregs as usize, new_base, 0, 0, dst.0, FrameKind::Normal));
                    // The target (of an instance method), then the arguments.
                    let mut to = new_base;
                    if !is_static {
                        self.stack[to] = target;
                        to += 1;
                    }
                    let from = base + args.base as usize + 1;
                    self.stack.copy_within(from..from + args.count as usize - 1, to);
                    reload!();
                }
                Instr::MakeDelegate { dst, method, target } => {
                    let t = r!(target);
                    let m = if program.method(method).flags.is_virtual && !t.is_null() {
                        tri!(self.resolve_virtual(method, t))
                    } else {
                        method
                    };
                    let d = self.alloc(crate::object::delegate(m, t));
                    set!(dst, Value::Obj(d));
                    safepoint!();
                }
                Instr::IsInst { dst, src, class } => set!(dst, Value::Bool(self.is_instance(r!(src), class))),
                Instr::AsInst { dst, src, class } => {
                    let v = r!(src);
                    set!(dst, if self.is_instance(v, class) { v } else { Value::Null });
                }
                Instr::CastClass { dst, src, class } => {
                    let v = r!(src);
                    if !v.is_null() && !self.is_instance(v, class) {
                        let to = program.class(class).full_name();
                        throw!(VmError::invalid_cast(&self.type_name(v), &to));
                    }
                    if v.is_null() && is_value_type(program, class) {
                        throw!(VmError::null_reference());
                    }
                    set!(dst, v);
                }
                Instr::TypeOf { dst, class } => {
                    let t = self.alloc(crate::object::type_object(class));
                    set!(dst, Value::Obj(t));
                    safepoint!();
                }
                Instr::Throw { src } => {
                    let exc = r!(src);
                    if exc.is_null() {
                        throw!(VmError::null_reference());
                    }
                    if let Some(o) = exc.as_obj() {
                        self.forget_exception(o);
                        self.existing_trace_frames(exc, Vec::clear);
                    }
                    throw!(VmError::Exception(exc));
                }
                Instr::Rethrow { src } | Instr::EndFinally { src } => {
                    let exc = r!(src);
                    let Some(o) = exc.as_obj() else { throw!(VmError::null_reference()) };
                    if matches!(instr, Instr::Rethrow { .. }) {
                        self.forget_filters(o);
                    }
                    save!();
                    exit!(Control::Rethrow(exc));
                }
                Instr::EndFilter { src } => {
                    let v = r!(src);
                    self.pop_frame();
                    exit!(Control::Return(v));
                }
                Instr::Await { awaiter, site, resume } => {
                    pc = resume.index();
                    save!();
                    exit!(Control::Suspend(Wait::Awaiter { awaiter: r!(awaiter), site }));
                }
                Instr::AwaitTask { dst, awaitable, site } => {
                    // Both ways go on at pc + 1 (the Jump past the await).
                    let awaited = protect!(self.await_now(r!(awaitable), site));
                    match tri!(awaited) {
                        Ok(v) => set!(dst, v),
                        Err(wait) => {
                            save!();
                            exit!(Control::Suspend(wait));
                        }
                    }
                }
                Instr::CallVirtAsync { dst, method, args } => {
                    fuel!();
                    let target = tri!(self.resolve_virtual(method, r!(Reg(args.base))));
                    match program.method(target).async2.as_deref() {
                        Some(&Async2Role::Thunk { body }) => enter!(body, dst, args, FrameKind::Normal),
                        // A Task-returning override: its task is awaited
                        // when it returns.
                        _ => enter!(target, dst, args, FrameKind::AwaitedTaskCall),
                    }
                }
                Instr::CallThunk { dst, method, args } => {
                    fuel!();
                    self.async_stats.thunk_crossings += 1;
                    set!(Reg(dst.0 + 1), self.contexts.execution);
                    set!(Reg(dst.0 + 2), self.contexts.sync_ctx);
                    enter!(method, dst, args, FrameKind::Thunk);
                }
            }
            // SAFETY: `pc` is the instruction this loop fetches next.
            if !FAST && !COUNT && unsafe { code.get_unchecked(pc) }.is_fast() {
                // Back to the fast loop.
                save!();
                exit!(Control::Switch);
            }
        }
    }

    /// Calls a native on the registers `args` of the frame at `regs`.
    #[inline(always)]
    fn call_native(&mut self, native: NativeId, regs: *const Value, args: Args) -> Result<Value, VmError> {
        // The arguments are copied out: the native may run bytecode that
        // moves the stack. Element by element: runs are short, and a memcpy
        // call costs more.
        let mut buf = [std::mem::MaybeUninit::<Value>::uninit(); 8];
        let n = (args.count as usize).min(buf.len());
        for (i, slot) in buf[..n].iter_mut().enumerate() {
            // SAFETY: verified `Args` lie inside the frame's window.
            slot.write(unsafe { regs.add(args.base as usize + i).read() });
        }
        // SAFETY: the first `n` slots were written just above (`Value` is
        // `Copy`: nothing to drop).
        let args_in = unsafe { std::slice::from_raw_parts(buf.as_ptr().cast::<Value>(), n) };
        (crate::native::def(native).f)(self, args_in)
    }
}

/// `x op y` for two ints or two doubles, as `ops::arith` computes it
/// (int division by zero left to it); `None` for anything else.
#[inline(always)]
fn num_fast(x: Value, y: Value, op: ArithOp) -> Option<Value> {
    Some(match (x, y) {
        (Value::Int(x), Value::Int(y)) => Value::Int(match op {
            ArithOp::Add => x.wrapping_add(y),
            ArithOp::Sub => x.wrapping_sub(y),
            ArithOp::Mul => x.wrapping_mul(y),
            ArithOp::Div if y != 0 => x.wrapping_div(y),
            _ => return None,
        }),
        (x, y) => {
            let (x, y) = doubles(x, y)?;
            Value::Double(match op {
                ArithOp::Add => x + y,
                ArithOp::Sub => x - y,
                ArithOp::Mul => x * y,
                ArithOp::Div => x / y,
                ArithOp::Rem => return None,
            })
        }
    })
}

/// `s[i]` for an ASCII string `s` (its byte) and an index in range:
/// `GetElem` on a string.
#[inline(never)]
fn ascii_char(s: Value, i: Value) -> Option<Value> {
    let (Value::Obj(o), Value::Int(i)) = (s, i) else { return None };
    o.as_string().filter(|s| s.is_ascii())?.char_at(usize::try_from(i).ok()?).map(Value::Char)
}

/// `x < y`, or `x <= y` with `or_equal` (false with a NaN).
#[inline(always)]
fn ordered<T: PartialOrd>(x: T, y: T, or_equal: bool) -> bool {
    if or_equal { x <= y } else { x < y }
}

/// Two numbers as doubles when one is a double and the other a double or
/// an int (C#'s promotion of `int`/`long` in mixed arithmetic, as
/// `ops.rs` computes it): what the `*Num` rows do without leaving the fast
/// loop.
#[inline(always)]
fn doubles(x: Value, y: Value) -> Option<(f64, f64)> {
    match (x, y) {
        (Value::Double(x), Value::Double(y)) => Some((x, y)),
        (Value::Int(x), Value::Double(y)) => Some((x as f64, y)),
        (Value::Double(x), Value::Int(y)) => Some((x, y as f64)),
        _ => None,
    }
}
