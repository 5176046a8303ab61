//! Measuring a process: its wall time and its peak memory (its `VmHWM`,
//! polled while it runs), and the child processes of
//! `toy bench` itself: a figure that needs a process of its own (the peak
//! memory of one backend running one benchmark) is made by running this
//! same executable as `toy bench NAME --modes MODE --child`, which prints
//! `key=value` lines the parent reads back ([`spawn_self`]).

use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

use vm::Backend;

/// What one finished process cost.
#[derive(Clone, Debug, Default)]
pub struct ProcRun {
    /// Wall time from spawn to exit, in seconds.
    pub secs: f64,
    /// Its peak resident memory in bytes: the largest `VmHWM` of
    /// /proc/PID/status seen while it ran ([`POLL`]), or (when its output is
    /// captured, or /proc says nothing) `ru_maxrss`, which is never below
    /// the parent's own peak at the spawn: Linux counts the memory the child
    /// had before its exec, the parent's.
    pub peak_rss: u64,
    /// What it printed on standard output (when it was captured).
    pub stdout: String,
}

/// How often a running process's `VmHWM` is read.
pub const POLL: std::time::Duration = std::time::Duration::from_millis(2);

/// Runs `cmd` to its end (standard error thrown away unless the command
/// says otherwise; standard output captured when `capture`, else thrown
/// away); a failure to start or a failing exit status is the error.
pub fn run_measured(cmd: &mut Command, capture: bool) -> Result<ProcRun, String> {
    let program = cmd.get_program().to_string_lossy().into_owned();
    cmd.stdout(if capture { Stdio::piped() } else { Stdio::null() });
    let start = Instant::now();
    let mut child = cmd.spawn().map_err(|e| format!("{program}: {e}"))?;
    let pid = child.id() as libc::pid_t;
    let mut stdout = String::new();
    if let Some(mut out) = child.stdout.take() {
        out.read_to_string(&mut stdout).map_err(|e| format!("{program}: reading its output: {e}"))?;
    }
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is a plain C struct of integers, for which all zero bytes are a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let mut hwm = 0;
    let flags = if capture { 0 } else { libc::WNOHANG };
    let reaped = loop {
        // SAFETY: `pid` is our own child, not yet reaped (the `Child` is never waited on);
        // `status` and `usage` are valid, writable locals.
        let r = unsafe { libc::wait4(pid, &mut status, flags, &mut usage) };
        if r != 0 {
            break r;
        }
        hwm = hwm.max(peak_rss_of(&pid.to_string()).unwrap_or(0));
        std::thread::sleep(POLL);
    };
    let secs = start.elapsed().as_secs_f64();
    if reaped != pid {
        return Err(format!("{program}: wait4: {}", std::io::Error::last_os_error()));
    }
    if !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0) {
        let args: Vec<String> = cmd.get_args().map(|a| a.to_string_lossy().into_owned()).collect();
        let how = if libc::WIFEXITED(status) {
            format!("exit code {}", libc::WEXITSTATUS(status))
        } else {
            format!("signal {}", libc::WTERMSIG(status))
        };
        let first = stdout.lines().find(|l| l.starts_with("error=")).unwrap_or("").trim_start_matches("error=");
        return Err(format!("{program} {}: {how} {first}", args.join(" ")).trim_end().to_owned());
    }
    // Linux reports ru_maxrss in KiB.
    let maxrss = usage.ru_maxrss.max(0) as u64 * 1024;
    Ok(ProcRun { secs, peak_rss: if hwm > 0 { hwm } else { maxrss }, stdout })
}

/// The peak resident memory in bytes of process `pid` (`self` for this
/// one): `VmHWM` of /proc/PID/status, if the system says.
fn peak_rss_of(pid: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.trim_start_matches("VmHWM:").trim().trim_end_matches("kB").trim().parse().ok()?;
    Some(kb * 1024)
}

/// This process's own peak resident memory in bytes (`VmHWM` of
/// /proc/self/status), if the system says.
pub fn own_peak_rss() -> Option<u64> {
    peak_rss_of("self")
}

/// The figures a child prints, `key=value` one a line.
pub type Report = BTreeMap<String, String>;

/// Reads the `key=value` lines of a child's output.
pub fn parse_report(text: &str) -> Report {
    text.lines().filter_map(|l| l.split_once('=')).map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned())).collect()
}

/// A number of a child's report, or an error naming the missing key.
pub fn number(report: &Report, key: &str) -> Result<f64, String> {
    report.get(key).and_then(|v| v.parse().ok()).ok_or_else(|| format!("the child reported no {key}"))
}

/// The executable running now, if it is `toy` (a child needs `toy bench`).
fn toy_exe() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this executable: {e}"))?;
    let stem = exe.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    if stem == "toy" { Ok(exe) } else { Err(format!("{} is not `toy`: no child processes", exe.display())) }
}

/// Runs `toy bench NAME --modes MODE --child ARGS` and returns its report
/// and what the process cost; standard error passes through (the child's
/// progress lines). Its peak memory is what it reports itself (`vm_hwm`,
/// its own `VmHWM`), when it does: `ru_maxrss` would count this process's.
pub fn spawn_self(name: &str, mode: Backend, args: &[String]) -> Result<(Report, ProcRun), String> {
    let mut cmd = Command::new(toy_exe()?);
    cmd.args(["bench", name, "--modes", mode.name(), "--child"]).args(args).stderr(Stdio::inherit());
    let mut run = run_measured(&mut cmd, true)?;
    let report = parse_report(&run.stdout);
    if let Some(e) = report.get("error") {
        return Err(e.clone());
    }
    if let Ok(hwm) = number(&report, "vm_hwm")
        && hwm > 0.0
    {
        run.peak_rss = hwm as u64;
    }
    Ok((report, run))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_a_process() {
        let run = run_measured(Command::new("sh").args(["-c", "echo a=1; echo b = x"]), true).unwrap();
        let report = parse_report(&run.stdout);
        assert_eq!(number(&report, "a"), Ok(1.0));
        assert_eq!(report["b"], "x");
        assert!(number(&report, "b").is_err());
        assert!(run.peak_rss > 0 && run.secs > 0.0);
        // Polled: a shell's own peak, well below this test process's.
        let polled = run_measured(Command::new("sh").args(["-c", "sleep 0.05"]), false).unwrap();
        assert!(polled.peak_rss > 0 && polled.peak_rss < 50 << 20, "{}", polled.peak_rss);
        let failed = run_measured(Command::new("sh").args(["-c", "exit 3"]), false).unwrap_err();
        assert!(failed.contains("exit code 3"), "{failed}");
        assert!(own_peak_rss().unwrap() > 0);
    }
}
