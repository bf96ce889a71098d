#!/usr/bin/env bash
# Builds and runs every fuzz target for DURATION seconds, JOBS at a time, then prints per target the executions,
# coverage (cov: edges, ft: features, from libFuzzer's last status line), corpus size and crashes.
# usage: Fuzz/run.sh DURATION [TARGET...]
# environment: JOBS (default 2), ATELIER (for seeding), SCRATCH (default .build-fuzz), SKIP_BUILD
set -uo pipefail
duration=${1:-60}
shift || true
root=$(cd "$(dirname "$0")/.." && pwd)
scratch=${SCRATCH:-$root/.build-fuzz}
jobs=${JOBS:-2}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz-ihex fuzz-srec fuzz-elf fuzz-uf2 fuzz-board fuzz-chip fuzz-manifest fuzz-rig \
    fuzz-batch fuzz-identity)
cd "$root"

if [ ! -d "$scratch/seeds" ]; then
    Fuzz/make-seeds.sh "${ATELIER:-.build/debug/atelier}" "$scratch/seeds.new" && mv "$scratch/seeds.new" "$scratch/seeds" \
        || { echo "seeding failed"; exit 1; }
fi

# One build per product: a fuzzer links libFuzzer's main, so a plain `swift build` of every product would not link.
# SKIP_BUILD=1 runs what is built (while another build holds the scratch folder's lock).
for target in "${targets[@]}"; do
    [ -z "${SKIP_BUILD:-}" ] || break
    ATELIER_FUZZ=1 swift build --scratch-path "$scratch" --sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address \
        --product "$target" 2>&1 | grep -v "Cannot export local symbol" | tail -1
    [ "${PIPESTATUS[0]}" = 0 ] || { echo "building $target failed"; exit 1; }
done

# A crash ends a libFuzzer run; the target then starts again on the grown corpus for the time left, so every target
# gets its whole DURATION and every distinct crash it meets is saved (fork mode would do this, but loses coverage
# feedback on this toolchain).
run_one() {
    target=$1
    corpus=$scratch/corpus/$target
    log=$scratch/logs/$target.log
    mkdir -p "$corpus" "$scratch/crashes" "$scratch/logs"
    : >"$log"
    end=$(( $(date +%s) + duration ))
    while [ "$(date +%s)" -lt "$end" ]; do
        nice -n 19 "$scratch/debug/$target" "$corpus" "$scratch/seeds/$target" \
            -max_total_time=$(( end - $(date +%s) )) -print_final_stats=1 -timeout=60 -rss_limit_mb=2048 \
            -artifact_prefix="$scratch/crashes/$target-" >>"$log" 2>&1
        grep -q "Test unit written to" "$log" || break
    done
    echo "$target finished"
}
export -f run_one
export scratch duration
printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'run_one {}'

status=0
printf '\n%-15s %12s %8s %8s %8s %8s\n' target executions cov ft corpus crashes
for target in "${targets[@]}"; do
    log=$scratch/logs/$target.log
    # Each restart after a crash begins with "INFO: Seed:"; its executions are the last "#N" of its status lines.
    execs=$(awk '/^INFO: Seed:/ { total += last; last = 0 } /^#[0-9]+/ { last = substr($1, 2) + 0 }
                 END { print total + last }' "$log")
    last=$(grep -E '^#[0-9]+' "$log" | tail -1)
    cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
    ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
    corpus=$(ls "$scratch/corpus/$target" | wc -l)
    # A crash, leak, timeout or out-of-memory ends the run and names the input it saved.
    crashes=$(grep -c "Test unit written to" "$log" || true)
    printf '%-15s %12s %8s %8s %8s %8s\n' "$target" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$corpus" "$crashes"
    [ "$crashes" = 0 ] || status=1
done
[ $status = 0 ] || { grep -h "Test unit written to" "$scratch"/logs/*.log; echo "each crash becomes a test under Tests/ with the input as a fixture"; }
exit $status
