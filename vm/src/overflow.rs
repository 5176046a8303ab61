//! The report of a stack overflow, as .NET prints it: the frames from the
//! top, with a run of frames that repeats (the recursion) printed once with
//! its count, then the frames below it.
//!
//! ```text
//! Stack overflow.
//! Repeat 99998 times:
//! --------------------------------
//!    at Program.Even(Int32)
//!    at Program.Odd(Int32)
//! --------------------------------
//!    at Program.Main()
//! ```

/// The longest cycle of frames looked for.
const MAX_PERIOD: usize = 32;

/// Frames printed below the repeating run (or in all, when none repeats).
const MAX_SHOWN: usize = 50;

/// The report for a stack `frames` (top first), each named by `name`.
pub(crate) fn report<T: PartialEq>(frames: &[T], name: impl Fn(&T) -> String) -> String {
    let mut out = String::from("Stack overflow.");
    let (period, times) = repeating(frames);
    let rest = if times >= 2 {
        out.push_str(&format!("\nRepeat {times} times:\n--------------------------------"));
        for f in &frames[..period] {
            out.push_str(&format!("\n   at {}", name(f)));
        }
        out.push_str("\n--------------------------------");
        &frames[period * times..]
    } else {
        frames
    };
    for f in rest.iter().take(MAX_SHOWN) {
        out.push_str(&format!("\n   at {}", name(f)));
    }
    if rest.len() > MAX_SHOWN {
        out.push_str(&format!("\n   ... ({} more frames)", rest.len() - MAX_SHOWN));
    }
    out
}

/// The run of frames at the top that repeats most: its length and how many
/// times it repeats (the shortest of equally long runs; 1 if none does).
fn repeating<T: PartialEq>(frames: &[T]) -> (usize, usize) {
    let mut best = (1, 1);
    for period in 1..=MAX_PERIOD.min(frames.len() / 2) {
        let unit = &frames[..period];
        let times = frames.chunks_exact(period).take_while(|c| *c == unit).count();
        if times >= 2 && period * times > best.0 * best.1 {
            best = (period, times);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn one_recursive_frame() {
        let text = report(&names("FFFFFM"), |c| format!("P.{c}()"));
        assert_eq!(
            text,
            "Stack overflow.\nRepeat 5 times:\n--------------------------------\n   at P.F()\n\
             --------------------------------\n   at P.M()"
        );
    }

    #[test]
    fn mutual_recursion_is_one_run_of_two() {
        assert_eq!(repeating(&names("ABABABABM")), (2, 4));
        assert_eq!(repeating(&names("BABABABAM")), (2, 4));
    }

    #[test]
    fn nothing_repeats() {
        assert_eq!(repeating(&names("ABCM")), (1, 1));
        assert_eq!(report(&names("AB"), |c| c.to_string()), "Stack overflow.\n   at A\n   at B");
    }
}
