#!/usr/bin/env bash
# Cross-check the example programs against a real C# implementation.
#
# For every programs/*.toy, programs/async/*.toy and programs/bench/*.toy not
# listed in SKIP below:
# compile it with Mono's `mcs` (with scripts/toy-attributes.cs, which declares
# [Async1], [Async2] and [ConfigureAwait(false)]), run it with `mono`, and compare its stdout with
# NAME.out and its exit code with NAME.exitcode (0 when that file is absent).
# Stderr is not compared (toy's NAME.err uses .NET's format, Mono prints its own).
#
# Run from the repository root:  bash scripts/mono-check.sh
# Needs: mcs and mono (Debian: apt-get install mono-mcs mono-runtime).
set -uo pipefail

# Programs Mono cannot check, one per line as "path  # reason".
# Keep this list empty unless a program truly cannot be compiled by mcs.
SKIP=(
    programs/top_level.toy             # top-level statements (C# 9), ??= and `using var` (C# 8): mcs stops at C# 7.2; GC.GetTotalPauseDuration (.NET 7) is not in Mono
    programs/file_scoped_namespace.toy # file-scoped namespace (C# 10) and ??= (C# 8): mcs stops at C# 7.2
)

# mcs 6.x accepts at most C# 7.2; `latest` enables 7.1's `default` literal.
# -checked+ turns every arithmetic overflow into an OverflowException: toy's `int`
# is 64-bit, so a program whose 32-bit `int` arithmetic overflows under Mono would
# print something else under toy; this makes such a program fail here instead.
MCS_FLAGS=(-langversion:latest -checked+ -nologo -warn:0)
TIMEOUT=60   # seconds per program run

if [[ ! -d programs ]]; then
    echo "mono-check: run from the repository root (no ./programs here)" >&2
    exit 2
fi
for tool in mcs mono; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "mono-check: '$tool' not found (apt-get install mono-mcs mono-runtime)" >&2
        exit 2
    fi
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mono-check.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

is_skipped() {
    local p
    for p in "${SKIP[@]}"; do
        [[ "$p" == "$1" ]] && return 0
    done
    return 1
}

passed=0
failed=0
skipped=0
failures=()

shopt -s nullglob
for src in programs/*.toy programs/async/*.toy programs/bench/*.toy; do
    if is_skipped "$src"; then
        printf 'SKIP %s\n' "$src"
        skipped=$((skipped + 1))
        continue
    fi
    base=${src%.toy}
    name=$(basename "$base")
    work="$tmp/${base//\//_}"
    mkdir -p "$work"
    exe="$work/$name.exe"

    if [[ ! -f "$base.out" ]]; then
        printf 'FAIL %s (missing %s.out)\n' "$src" "$base"
        failed=$((failed + 1)); failures+=("$src"); continue
    fi

    if ! mcs "${MCS_FLAGS[@]}" -out:"$exe" "$src" scripts/toy-attributes.cs >"$work/mcs.log" 2>&1; then
        printf 'FAIL %s (mcs could not compile it)\n' "$src"
        sed 's/^/    /' "$work/mcs.log"
        failed=$((failed + 1)); failures+=("$src"); continue
    fi

    expected_code=0
    if [[ -f "$base.exitcode" ]]; then
        expected_code=$(tr -d '[:space:]' <"$base.exitcode")
    fi

    timeout "$TIMEOUT" mono "$exe" </dev/null >"$work/stdout" 2>"$work/stderr"
    code=$?

    problems=()
    if ! cmp -s "$work/stdout" "$base.out"; then
        problems+=("stdout differs")
    fi
    if [[ "$code" != "$expected_code" ]]; then
        if [[ "$code" == 124 ]]; then
            problems+=("timed out after ${TIMEOUT}s")
        else
            problems+=("exit code $code, expected $expected_code")
        fi
    fi

    if [[ ${#problems[@]} -eq 0 ]]; then
        printf 'ok   %s\n' "$src"
        passed=$((passed + 1))
    else
        printf 'FAIL %s (%s)\n' "$src" "$(IFS=';'; echo "${problems[*]}" | sed 's/;/; /g')"
        if [[ " ${problems[*]} " == *"stdout differs"* ]]; then
            diff -u "$base.out" "$work/stdout" | head -n 40 | sed 's/^/    /'
        fi
        if [[ -s "$work/stderr" ]]; then
            echo "    stderr:"
            head -n 10 "$work/stderr" | sed 's/^/      /'
        fi
        failed=$((failed + 1)); failures+=("$src")
    fi
done

if [[ $skipped -gt 0 ]]; then
    echo "mono-check: skipped $skipped (see SKIP in scripts/mono-check.sh)"
fi
if [[ $failed -gt 0 ]]; then
    echo "mono-check: failed: ${failures[*]}"
fi
echo "mono-check: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
