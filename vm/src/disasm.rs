//! The disassembler: a stable text form of a program, for people and for
//! snapshot tests.
//!
//! ```text
//! method Program.Fib static arity=1 regs=5
//!   locals: r0=n
//!   line 3: static int Fib(int n) => n < 2 ? n : Fib(n - 1) + Fib(n - 2);
//!     0  LoadInt         r1, 2
//!     1  JumpIfNotLt     r0, r1, @4
//! ```
//! Each run of instructions from one source line is headed by that line.
//! Operands print by role: registers `r3`, argument runs `(r1..r3)`, jump
//! targets `@12`, and table indices by what they name (constants as
//! literals, methods, classes and statics by their full names, fields as
//! `Class.name`, natives as `Owner.Name`).

use std::fmt::Write;

use crate::bytecode::{ClassId, FieldSlot, HandlerKind, MethodId, Operand};
use crate::program::{Async2Role, ClassKind, Constant, Method, Program};

/// Which parts of a program to show.
#[derive(Clone, Copy, Debug, Default)]
pub struct Filter {
    /// Also show the prelude (classes in `System` namespaces) and the
    /// built-in `Object` methods.
    pub include_prelude: bool,
}

pub(crate) fn is_prelude(program: &Program, m: &Method) -> bool {
    let c = program.class(m.class);
    c.kind == ClassKind::Builtin || c.namespace == "System" || c.namespace.starts_with("System.")
}

/// Disassembles a whole program. `source` is the program's text, used to
/// show source lines.
pub fn program(program: &Program, source: Option<&str>, filter: Filter) -> String {
    let mut out = String::new();
    for class in &program.classes {
        if class.kind == ClassKind::Builtin
            || (!filter.include_prelude && (class.namespace == "System" || class.namespace.starts_with("System.")))
        {
            continue;
        }
        let kind = match class.kind {
            ClassKind::Class => "class",
            ClassKind::Struct => "struct",
            ClassKind::Interface => "interface",
            ClassKind::Enum => "enum",
            ClassKind::Builtin => "builtin",
        };
        let _ = write!(out, "{kind} {}", class.full_name());
        if let Some(b) = class.base {
            let _ = write!(out, " : {}", program.class(b).full_name());
        }
        out.push('\n');
        for (i, f) in class.fields.iter().enumerate() {
            let _ = writeln!(out, "  field f{i} {}: {}", f.name, crate::kinds::display(program, f.ty));
        }
        for (name, v) in &class.enum_members {
            let _ = writeln!(out, "  member {name} = {v}");
        }
        for (slot, m) in class.vtable.iter().enumerate() {
            let _ = writeln!(out, "  vtable[{slot}] {}", program.method_display_name(*m));
        }
    }
    for (i, m) in program.methods.iter().enumerate() {
        if !filter.include_prelude && is_prelude(program, m) {
            continue;
        }
        out.push('\n');
        out.push_str(&method(program, MethodId(i as u32), source));
    }
    out
}

/// Disassembles one method.
pub fn method(program: &Program, id: MethodId, source: Option<&str>) -> String {
    let m = program.method(id);
    let lines: Vec<&str> = source.map(|s| s.lines().collect()).unwrap_or_default();
    let mut out = String::new();
    let mut flags = Vec::new();
    if m.flags.is_static {
        flags.push("static".to_string());
    }
    if m.flags.is_abstract {
        flags.push("abstract".into());
    } else if m.flags.is_virtual {
        flags.push("virtual".into());
    }
    if let Some(a) = m.flags.is_async {
        flags.push(format!("async({a:?})"));
    }
    if let Some(b) = m.flags.backend {
        flags.push(format!("[{b:?}]"));
    }
    if let Some(slot) = m.vslot {
        flags.push(format!("slot={slot}"));
    }
    match m.async2.as_deref() {
        Some(Async2Role::Thunk { body }) => flags.push(format!("thunk of {}", program.method_display_name(*body))),
        Some(Async2Role::Body { resume_stub, .. }) => {
            flags.push(format!("resumed by {}", program.method_display_name(*resume_stub)))
        }
        Some(Async2Role::ResumeStub { .. }) => flags.push("resume stub".into()),
        None => {}
    }
    if let Some(v) = m.version.as_deref() {
        match v.kind {
            crate::program::VersionKind::Tier1 => flags.push("tier1".into()),
            crate::program::VersionKind::Osr { entry } => {
                let to = v.pc_map.get(entry.index()).copied().unwrap_or(0);
                flags.push(format!("osr entry tier0 {entry} -> {}", crate::bytecode::Pc(to)))
            }
        }
    }
    let _ = writeln!(
        out,
        "method {}{}{} arity={} regs={}",
        program.method_display_name(id),
        if flags.is_empty() { "" } else { " " },
        flags.join(" "),
        m.arity,
        m.nregs
    );
    if !m.locals.is_empty() {
        let names: Vec<String> = m.locals.iter().map(|(r, n)| format!("{r}={n}")).collect();
        let _ = writeln!(out, "  locals: {}", names.join(" "));
    }
    let mut last_line = u32::MAX;
    let inlined = m.version.as_deref().map_or(&[][..], |v| &v.inlined[..]);
    // The opcode column: 14 wide, or as wide as the method's longest name.
    let width = m.code.iter().map(|i| i.opcode().name().len()).max().unwrap_or(0).max(14);
    for (pc, instr) in m.code.iter().enumerate() {
        for s in inlined.iter().filter(|s| s.start as usize == pc) {
            let _ = writeln!(
                out,
                "  inlined {} [@{}, @{}) for the call on line {}",
                program.method_display_name(s.method),
                s.start,
                s.end,
                s.line
            );
            last_line = u32::MAX;
        }
        let line = m.lines.get(pc).copied().unwrap_or(0);
        if line != last_line && line != 0 {
            let text = lines.get(line as usize - 1).map(|l| l.trim()).unwrap_or("");
            let _ = writeln!(out, "  line {line}: {text}");
            last_line = line;
        }
        let ops = instr.operands();
        // A field prints with the class it belongs to (`Node.next`), which
        // then does not print on its own.
        let field_class = ops.iter().find_map(|(_, op)| match op {
            Operand::Class(c) if ops.iter().any(|(_, o)| matches!(o, Operand::Field(_))) => Some(*c),
            _ => None,
        });
        let ops: Vec<String> = ops
            .into_iter()
            .filter(|(_, op)| field_class.is_none() || !matches!(op, Operand::Class(_)))
            .map(|(_, op)| match (op, field_class) {
                (Operand::Field(f), Some(c)) => field(program, c, f),
                (op, _) => operand(program, op),
            })
            .collect();
        let _ = writeln!(out, "    {pc:>3}  {:<width$} {}", instr.opcode().name(), ops.join(", "));
    }
    for h in &m.handlers {
        let kind = match h.kind {
            HandlerKind::Catch { class } => format!("catch {}", program.class(class).full_name()),
            HandlerKind::Filter { class, filter } => {
                format!("catch {} when @{}", program.class(class).full_name(), filter.0)
            }
            HandlerKind::Finally => "finally".to_string(),
        };
        let _ =
            writeln!(out, "  handler [@{}, @{}) -> @{} {kind} into {}", h.start.0, h.end.0, h.target.0, h.exception);
    }
    if let Some(points) = m.suspension_points() {
        // What each continuation of this method keeps: its liveness map.
        for (state, p) in points.iter().enumerate() {
            let what = m.code.get(p.at.index()).map_or("?", |i| i.opcode().name());
            let data: Vec<String> =
                p.data.iter().map(|(r, t)| format!("{r}: {}", crate::kinds::display(program, *t))).collect();
            let gc: Vec<String> = p.gc.iter().map(|r| r.to_string()).collect();
            let result = p.result.map(|d| format!(" result {d}")).unwrap_or_default();
            let handler = if p.has_handler { " handler" } else { "" };
            let _ = writeln!(
                out,
                "  state {state}: {what} @{} resumes @{}{result} data {{{}}} gc {{{}}}{handler}",
                p.at.0,
                p.resume.0,
                data.join(", "),
                gc.join(", ")
            );
        }
    }
    out
}

/// `Class.name` for slot `f` of class `c` (`Class.f7` if it has no such slot).
fn field(program: &Program, c: ClassId, f: FieldSlot) -> String {
    let Some(class) = program.classes.get(c.index()) else { return format!("{c}.{f}") };
    match class.fields.get(f.index()) {
        Some(field) => format!("{}.{}", class.full_name(), field.name),
        None => format!("{}.{f}", class.full_name()),
    }
}

fn operand(program: &Program, op: Operand) -> String {
    match op {
        Operand::Reg(r) => r.to_string(),
        Operand::Dst(d) if d == crate::bytecode::Dst::DISCARD => "_".to_string(),
        Operand::Dst(d) => d.to_string(),
        Operand::Args(a) => a.to_string(),
        Operand::Pc(p) => p.to_string(),
        Operand::Imm(i) => i.to_string(),
        Operand::Bool(b) => b.to_string(),
        Operand::Const(k) => match program.consts.get(k.index()) {
            Some(Constant::Int(i)) => i.to_string(),
            Some(Constant::Double(d)) => format!("{d:?}"),
            Some(Constant::Char(c)) => format!("{:?}", char::from_u32(*c as u32).unwrap_or('?')),
            Some(Constant::Str(s)) => format!("{s:?}"),
            None => k.to_string(),
        },
        Operand::Method(m) => program.method_display_name(m),
        Operand::Class(c) => program.class(c).full_name(),
        Operand::Field(f) => f.to_string(),
        Operand::Static(s) => {
            let st = &program.statics[s.index()];
            format!("{}.{}", program.class(st.class).full_name(), st.name)
        }
        Operand::Native(n) => {
            let d = crate::native::def(n);
            format!("{}.{}", d.owner, d.name)
        }
        Operand::Site(a) => match program.await_sites.get(a.index()) {
            Some(site) => format!("{a}:{}", site.awaiter_type),
            None => a.to_string(),
        },
        Operand::Conv(c) => c.to_string(),
    }
}
