//! The peers: other interpreters installed here (`lua5.4`, `luajit -joff`,
//! `node --jitless`) running the translations kept in `bench/peers/`, each run a
//! process with its output thrown away. A process pays its interpreter's
//! start-up, so `toy bench` reports a peer's figures net of the median run
//! of an empty program ([`installed_peers`]).

use std::process::{Command, Stdio};

use crate::timing::{Measured, Timing, measure};

/// An interpreter that runs the translations of `bench/peers/`.
#[derive(Clone, Copy, Debug)]
pub struct Peer {
    /// The column's name.
    pub label: &'static str,
    /// The program to run.
    pub command: &'static str,
    /// Arguments before the script.
    pub flags: &'static [&'static str],
    /// The arguments of an empty program.
    pub empty: &'static [&'static str],
    /// The extension of its translations (`bench/peers/NAME.EXT`).
    pub ext: &'static str,
}

pub const LUA: Peer = Peer { label: "lua5.4", command: "lua5.4", flags: &[], empty: &["-e", ""], ext: "lua" };
pub const LUAJIT: Peer =
    Peer { label: "luajit -joff", command: "luajit", flags: &["-joff"], empty: &["-joff", "-e", ""], ext: "lua" };
pub const NODE: Peer = Peer {
    label: "node --jitless",
    command: "node",
    flags: &["--jitless"],
    empty: &["--jitless", "-e", "0"],
    ext: "js",
};

/// The peers, in the order of their columns.
pub const PEERS: [Peer; 3] = [LUA, LUAJIT, NODE];

impl Peer {
    /// Whether its program is on the `PATH`.
    pub fn installed(&self) -> bool {
        installed(self.command)
    }

    /// The command running `bench/peers/NAME.EXT ARGS`, or `None` when there
    /// is no such translation.
    pub fn script(&self, name: &str, args: &[&str]) -> Option<Command> {
        let script = crate::peers_dir().join(format!("{name}.{}", self.ext));
        if !script.is_file() {
            return None;
        }
        let mut cmd = quiet(self.command);
        cmd.args(self.flags).arg(script).args(args);
        Some(cmd)
    }

    /// The command running an empty program: the peer's start-up.
    pub fn startup(&self) -> Command {
        let mut cmd = quiet(self.command);
        cmd.args(self.empty);
        cmd
    }

    /// Seconds per run of `bench/peers/NAME.EXT ARGS`, net of `startup`
    /// (median runs); `Err("-")` when there is no such translation.
    pub fn net_secs(&self, startup: f64, name: &str, args: &[&str], timing: Timing) -> Measured {
        let Some(mut cmd) = self.script(name, args) else {
            return Err("-".into());
        };
        Ok(measure(timing, || status(&mut cmd))?.map(|s| s - startup))
    }
}

/// The peers installed here (their empty program runs), each with its
/// start-up time in seconds.
pub fn installed_peers(timing: Timing) -> Vec<(Peer, f64)> {
    PEERS
        .iter()
        .filter_map(|p| {
            let mut startup = p.startup();
            let t = measure(timing, || status(&mut startup)).ok()?;
            Some((*p, t.median))
        })
        .collect()
}

/// Whether `program` is on the `PATH`.
pub fn installed(program: &str) -> bool {
    Command::new("sh")
        .arg("-c")
        .arg(format!("command -v {program}"))
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// `program ARGS` run from the source tree's root (so `bench/peers/fib.lua`
/// names a translation), if `program` is installed.
pub fn command(program: &str, args: &[&str]) -> Option<Command> {
    if !installed(program) {
        return None;
    }
    let mut cmd = quiet(program);
    cmd.args(args).current_dir(crate::root());
    Some(cmd)
}

/// Runs a command to the end; a failure to start or a failing exit status
/// is the error.
pub fn status(cmd: &mut Command) -> Result<(), String> {
    let program = cmd.get_program().to_string_lossy().into_owned();
    let status = cmd.status().map_err(|e| format!("{program}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        let args: Vec<String> = cmd.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
        Err(format!("{program} {}: {status}", args.join(" ")))
    }
}

/// A command whose output is thrown away.
fn quiet(program: &str) -> Command {
    let mut cmd = Command::new(program);
    cmd.stdout(Stdio::null()).stderr(Stdio::null());
    cmd
}
