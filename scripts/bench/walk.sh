#!/usr/bin/env bash
# Whole-process comparison: walking every sub-job of a job type (pages of 100) from the local
# emulator with this project's CLI (`workspace-app sub-jobs list --all --output ndjson`)
# against Huawei's official Python SDK (huaweicloudsdkworkspaceapp) doing the same, with the
# same AK/SK credentials, alternating runs so that load from elsewhere hits both alike.
# Prints medians of wall time and peak RSS and their ratios; then the CLI's peak RSS at 10k
# and 100k sub-jobs, to show that streaming keeps memory at one page.
#
# With a simulated network (the emulator's --latency-ms), it then compares the CLI's
# concurrent paging (default 4 pages at once) with --concurrency 1 and the Python SDK, against
# the floor of the round trips; and it streams 1,000,000 sub-jobs to show memory stays flat,
# with the emulator's own memory per sub-job.
#
#   bash scripts/bench/walk.sh [RUNS] [SECTIONS]   (default 7 runs; sections: loopback latency
#                                                   scale, all by default)
#
# Needs the Rust toolchain, python3 and GNU time (/usr/bin/time).
set -euo pipefail
cd "$(dirname "$0")/../.."

runs=${1:-7}
sections=${2:-loopback latency scale}
want() { [[ " $sections " == *" $1 "* ]]; }
ak=BENCHAK0123456789ABC
sk=bench-secret-key-0123456789abcdefghijklmn
project=0605767a3300d5762fb7c0186d9e1779
job_type=CREATE_SERVER
export HUAWEICLOUD_SDK_AK=$ak HUAWEICLOUD_SDK_SK=$sk RUST_LOG=warn

[ -x /usr/bin/time ] || { echo "needs GNU time at /usr/bin/time (Debian: apt-get install time)" >&2; exit 1; }

echo "== building release binaries"
cargo build --quiet --release -p workspace-app-cli -p workspace-app-mock
cli=target/release/workspace-app
mock=target/release/workspace-app-mock

echo "== installing the Python SDK (pinned) into .venv-bench"
[ -x .venv-bench/bin/python ] || python3 -m venv .venv-bench
.venv-bench/bin/pip install --quiet --disable-pip-version-check -r scripts/bench/requirements.txt

work=$(mktemp -d)
mock_pid=
cleanup() {
    [ -n "$mock_pid" ] && kill "$mock_pid" 2>/dev/null && wait "$mock_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

# Starts the emulator with one job of $1 sub-jobs (more emulator flags may follow); sets
# $url and $mock_pid.
start_emulator() {
    local total=$1
    shift
    [ -n "$mock_pid" ] && kill "$mock_pid" && wait "$mock_pid" 2>/dev/null || true
    "$mock" --jobs 0 --bulk "$job_type:$total" --ak "$ak" --sk "$sk" --project-id "$project" "$@" \
        >"$work/mock.out" 2>"$work/mock.err" &
    mock_pid=$!
    for _ in $(seq 200); do
        grep -q '^listening on ' "$work/mock.out" && break
        sleep 0.05
    done
    url=$(sed -n 's/^listening on //p' "$work/mock.out")
    [ -n "$url" ] || { cat "$work/mock.err" >&2; exit 1; }
}

# Runs a walker once; appends "seconds kilobytes" to $work/$1.times and checks that every
# sub-job came exactly once.
measure() {
    local name=$1 expected=$2
    shift 2
    # Wall time from bash's microsecond clock (GNU time's %e has 10 ms steps); peak RSS
    # from GNU time.
    local started=$EPOCHREALTIME
    /usr/bin/time -f '%M' -o "$work/rss" "$@" >"$work/ids"
    local ended=$EPOCHREALTIME
    local got lines
    got=$(sort -u "$work/ids" | wc -l)
    lines=$(wc -l <"$work/ids")
    [ "$got" -eq "$expected" ] && [ "$lines" -eq "$expected" ] ||
        { echo "$name returned $lines sub-jobs, $got distinct, not $expected" >&2; exit 1; }
    echo "$(awk -v a="$started" -v b="$ended" 'BEGIN { print b - a }') $(cat "$work/rss")" >>"$work/$name.times"
}

# The two walkers, as commands GNU time can run; more CLI flags may follow.
rust_walk() {
    echo "$cli" --endpoint "$url" --project-id "$project" sub-jobs list --job-type "$job_type" --all --output ndjson "$@"
}
python_walk() {
    echo .venv-bench/bin/python scripts/bench/python_sdk_walk.py "$url" "$project" "$job_type"
}

median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
column_median() { awk -v c="$2" '{ print $c }' "$work/$1.times" | median; }

if want loopback; then
echo "== walking 10,000 sub-jobs (100 pages of 100), $runs alternating runs each"
start_emulator 10000
# Not measured: the first call of each pays for cold caches.
$(rust_walk) >/dev/null
$(python_walk) >/dev/null
for _ in $(seq "$runs"); do
    measure rust 10000 $(rust_walk)
    measure python 10000 $(python_walk)
done
rust_s=$(column_median rust 1)
python_s=$(column_median python 1)
rust_kb=$(column_median rust 2)
python_kb=$(column_median python 2)
awk -v rs="$rust_s" -v ps="$python_s" -v rk="$rust_kb" -v pk="$python_kb" 'BEGIN {
    printf "%-44s %10s %14s\n", "", "wall (s)", "peak RSS (MB)"
    printf "%-44s %10.3f %14.1f\n", "workspace-app CLI (Rust)", rs, rk / 1024
    printf "%-44s %10.3f %14.1f\n", "huaweicloudsdkworkspaceapp (Python)", ps, pk / 1024
    printf "%-44s %9.1fx %13.1fx\n", "Python / Rust (targets: >= 10x, > 1x)", ps / rs, pk / rk
}'

fi

if want latency; then
# 5,000 sub-jobs are 50 pages: one first page, then 49 more, n at a time.
for network in "--latency-ms 50" "--latency-ms 50 --latency-jitter-ms 50"; do
    echo "== 5,000 sub-jobs, emulator $network, $runs alternating runs each"
    # shellcheck disable=SC2086 # the network flags are words
    start_emulator 5000 $network
    rm -f "$work"/{default,sequential,python}.times
    for _ in $(seq "$runs"); do
        measure default 5000 $(rust_walk)
        measure sequential 5000 $(rust_walk --concurrency 1)
        measure python 5000 $(python_walk)
    done
    awk -v d="$(column_median default 1)" -v q="$(column_median sequential 1)" \
        -v p="$(column_median python 1)" 'BEGIN {
        f4 = 0.050 * (1 + 13); f1 = 0.050 * 50
        printf "%-36s %10s %12s\n", "", "wall (s)", "x floor"
        printf "%-36s %10.3f %11.2fx   (floor %.2f s)\n", "CLI default (4 pages at once)", d, d / f4, f4
        printf "%-36s %10.3f %11.2fx   (floor %.2f s)\n", "CLI --concurrency 1", q, q / f1, f1
        printf "%-36s %10.3f %11.2fx\n", "Python SDK", p, p / f1
        printf "Python / CLI default: %.1fx (target >= 5x); default / floor %.2fx (target <= 1.5x)\n", p / d, d / f4
    }'
done
fi

if want scale; then
echo "== CLI peak RSS while streaming 10,000, 100,000 and 1,000,000 sub-jobs ($runs runs each)"
for total in 10000 100000 1000000; do
    start_emulator "$total"
    rm -f "$work/scale.times"
    for _ in $(seq "$runs"); do
        measure scale "$total" $(rust_walk)
    done
    # The emulator's own resident memory, for its cost per sub-job.
    mock_kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$mock_pid/status")
    echo "$total $mock_kb" >>"$work/mock.rss"
    awk -v t="$total" -v s="$(column_median scale 1)" -v k="$(column_median scale 2)" -v m="$mock_kb" \
        'BEGIN { printf "%7d sub-jobs: CLI %.3f s, CLI peak RSS %.1f MB; emulator RSS %.1f MB\n", t, s, k / 1024, m / 1024 }'
done
awk 'NR == 1 { t0 = $1; m0 = $2 } { t = $1; m = $2 }
     END { printf "emulator memory per sub-job: %.0f bytes (RSS growth from %d to %d sub-jobs)\n", (m - m0) * 1024 / (t - t0), t0, t }' "$work/mock.rss"
fi
