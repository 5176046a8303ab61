//! Shared by the integration tests: finding programs and running them in
//! process with their output captured.

#![allow(dead_code)]

use std::cell::RefCell;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::rc::Rc;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.toy` file below `dir` (not descending into `wishlist/`), sorted.
pub fn toy_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                if p.file_name().is_some_and(|n| n != "wishlist") {
                    pending.push(p);
                }
            } else if p.extension().is_some_and(|x| x == "toy") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// A `Write` whose bytes can be read after the VM is gone.
#[derive(Clone, Default)]
pub struct Capture(Rc<RefCell<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Capture {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.borrow()).into_owned()
    }
}

pub struct RunResult {
    pub stdout: String,
    pub stderr: String,
    pub exit_code: i32,
    pub stats: vm::Stats,
}

/// Compiles and runs a source text in process.
pub fn run_source(source: &str, file_name: &str, options: vm::Options) -> Result<RunResult, String> {
    let program = lang::compile_source(source, file_name).map_err(|d| format!("compile errors: {d:?}"))?;
    let out = Capture::default();
    let err = Capture::default();
    let outcome = vm::run(program, options, Box::new(out.clone()), Box::new(err.clone()));
    Ok(RunResult { stdout: out.text(), stderr: err.text(), exit_code: outcome.exit_code, stats: outcome.stats })
}

/// A small deterministic generator (xorshift64*), so a failure reproduces.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}
