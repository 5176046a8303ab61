//! The fuzz target: AFL++ (through afl.rs) feeds byte strings; the valid
//! UTF-8 ones go through [`pipeline::run`]. A panic aborts, which AFL++
//! records as a crash.

mod pipeline;

fn main() {
    afl::fuzz!(|data: &[u8]| {
        if let Ok(source) = std::str::from_utf8(data) {
            pipeline::run(source);
        }
    });
}
