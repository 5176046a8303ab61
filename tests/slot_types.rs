//! The static slot types (`vm/src/kinds.rs`) over every program in
//! `programs/`:
//! - async1: every field of a state machine typed as a primitive is only
//!   ever written (in its `MoveNext`) from a register that `kinds.rs` says
//!   holds that primitive there;
//! - async2: every suspension point's Data registers are primitives there.
//!
//! That the types hold at run time is the async2 runtime's
//! `debug_assert!` at each suspension, which every program test runs.

mod common;

use common::{root, toy_files};
use vm::bytecode::{Instr, Pc};
use vm::kinds;
use vm::program::{Backend, Program};

fn prepared(mode: Backend) -> Vec<(String, Program)> {
    let mut out = Vec::new();
    for path in toy_files(&root().join("programs")) {
        let name = path.display().to_string();
        let Ok(source) = std::fs::read_to_string(&path) else { continue };
        // Programs that are meant not to compile have no state machines.
        let Ok(mut program) = lang::compile_source(&source, &name) else { continue };
        if vm::prepare(&mut program, mode).is_err() {
            continue;
        }
        out.push((name, program));
    }
    out
}

#[test]
fn async1_state_machine_fields_are_written_from_registers_of_their_type() {
    let mut fields_checked = 0;
    for (name, program) in prepared(Backend::Async1) {
        for m in &program.methods {
            let Some(origin) = m.origin else { continue };
            if m.name != "MoveNext" {
                continue;
            }
            // On its first entry MoveNext has the method's parameters (its
            // stub's, which are the method's) in their registers; resumed,
            // it restores the live ones from the fields before it reads them.
            let mut m = m.clone();
            let stub = program.method(origin);
            for (i, t) in stub.param_types.iter().enumerate() {
                m.param_types[i] = *t;
            }
            let k = kinds::infer(&program, &m);
            let sm = m.class;
            for (pc, instr) in m.code.iter().enumerate() {
                let Instr::SetField { field, src, class, .. } = *instr else { continue };
                // Code no path reaches (a finish block of a method that
                // always throws) writes nothing.
                if class != sm || k.at(Pc(pc as u32)).is_none() {
                    continue;
                }
                let f = &program.class(sm).fields[field.index()];
                if !f.ty.is_primitive() {
                    continue;
                }
                fields_checked += 1;
                let got = k.slot_type(Pc(pc as u32), src);
                assert_eq!(
                    got,
                    f.ty,
                    "{name}: {}.{} ({:?}) written from {src} ({got:?}) at @{pc}",
                    program.class(sm).full_name(),
                    f.name,
                    f.ty
                );
            }
        }
    }
    assert!(fields_checked > 50, "only {fields_checked} primitive state machine fields");
}

#[test]
fn async2_data_registers_are_primitives_and_split_every_live_register() {
    let mut data = 0;
    for (name, program) in prepared(Backend::Async2) {
        for m in &program.methods {
            let Some(points) = m.suspension_points() else { continue };
            let k = kinds::infer(&program, m);
            for p in points {
                for &(r, t) in &p.data {
                    data += 1;
                    assert!(t.is_primitive(), "{name}: {r}: {t:?} in Data");
                    assert_eq!(k.slot_type(p.at, r), t, "{name}: {r} at @{}", p.at.0);
                }
                for &r in &p.gc {
                    assert!(!k.slot_type(p.at, r).is_primitive(), "{name}: primitive {r} in GCData at @{}", p.at.0);
                }
            }
        }
    }
    assert!(data > 50, "only {data} Data registers over every program");
}
