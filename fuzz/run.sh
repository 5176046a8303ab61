#!/usr/bin/env bash
# A short coverage-guided fuzz run of the whole pipeline:
#   bash fuzz/run.sh [SECONDS]     (default 60)
# Needs cargo-afl (`cargo install cargo-afl`; `cargo afl config --build`
# builds AFL++ from the sources the afl crate ships: no other download).
# Seeds the corpus with programs/ and fuzz/regressions/, runs afl-fuzz for
# SECONDS, and fails listing the crashing inputs if it found any: each one
# belongs in fuzz/regressions/ (tests/fuzz_regressions.rs replays them)
# once the bug is fixed.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
work="${FUZZ_WORK:-$(mktemp -d)}"
mkdir -p "$work/seeds"
# Small, distinct seeds: the example programs and the earlier crashes.
find ../programs regressions -name '*.toy' -size -16k -print0 | while IFS= read -r -d '' f; do
    cp "$f" "$work/seeds/$(echo "$f" | tr '/.' '__')"
done
cargo afl build --release --quiet
export AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_FAST_CAL=1
cargo afl fuzz -i "$work/seeds" -o "$work/out" -V "$seconds" -t 2000 -- target/release/pipeline >"$work/afl.log" 2>&1 || {
    tail -n 30 "$work/afl.log"
    echo "fuzz: afl-fuzz failed" >&2
    exit 1
}
grep -E "execs_done|corpus_count|saved_crashes|saved_hangs" "$work/out/default/fuzzer_stats" || true
crashes=$(find "$work/out/default/crashes" -type f -name 'id:*' 2>/dev/null || true)
if [ -n "$crashes" ]; then
    echo "fuzz: crashes found (copy them into fuzz/regressions/ as NAME.toy):" >&2
    echo "$crashes" >&2
    exit 1
fi
echo "fuzz: no crash in ${seconds}s"
