#!/bin/bash
# Runs the libFuzzer targets of a built fuzzing tree (scripts/build-fuzz.sh) one after another.
#
#   scripts/fuzz.sh SECONDS [TARGET...]     targets: graph pbtxt gguf safetensors config_json
#                                           tokenizer_json llama2c capture run (default: all)
#
# Each target runs for SECONDS on its corpus build-fuzz/corpus/<target>, seeded first with the
# small valid inputs tests/fuzz_seeds_test writes (ANVIL_FUZZ_SEEDS). Prints the executions per
# target (libFuzzer's stat::number_of_executed_units) and appends them to
# build-fuzz/fuzz-executions.txt. Exits 1 if any target crashed, naming the crash file (kept in
# build-fuzz/fuzz-artifacts/<target>/); the full log is build-fuzz/fuzz-logs/<target>.log.
#
# Environment: ANVIL_FUZZ_BUILD (default build-fuzz) picks the tree; ANVIL_FUZZ_RUNS=N also stops
# a target after N executions (whichever comes first: give SECONDS enough room).
set -uo pipefail
cd "$(dirname "$0")/.."

usage() {
  sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}
[[ $# -ge 1 && "$1" =~ ^[0-9]+$ && "$1" -gt 0 ]] || usage
seconds="$1"
shift

build="${ANVIL_FUZZ_BUILD:-build-fuzz}"
all_targets=(graph pbtxt gguf safetensors config_json tokenizer_json llama2c capture run)
targets=("$@")
[[ ${#targets[@]} -gt 0 ]] || targets=("${all_targets[@]}")

# Inputs larger than the seeds need room to grow, not to be megabytes (slower, rarely better).
max_len() {
  case "$1" in
    config_json) echo 8192 ;;
    safetensors) echo 16384 ;;
    llama2c | capture) echo 32768 ;;
    *) echo 65536 ;;
  esac
}

for target in "${targets[@]}"; do
  if [[ ! " ${all_targets[*]} " =~ " $target " ]]; then
    echo "fuzz.sh: unknown target '$target' (known: ${all_targets[*]})" >&2
    exit 2
  fi
  if [[ ! -x "$build/tests/fuzz/${target}_fuzzer" ]]; then
    echo "fuzz.sh: $build/tests/fuzz/${target}_fuzzer is not built; run scripts/build-fuzz.sh first" >&2
    exit 2
  fi
done
if [[ ! -x "$build/tests/fuzz_seeds_test" ]]; then
  echo "fuzz.sh: $build/tests/fuzz_seeds_test is not built; run scripts/build-fuzz.sh first" >&2
  exit 2
fi

# Seeds: the test builds them, checks the loaders accept them, and writes them per target.
seeds="$build/fuzz-seeds"
rm -rf "$seeds"
if ! ANVIL_FUZZ_SEEDS="$PWD/$seeds" "$build/tests/fuzz_seeds_test" --gtest_brief=1 >"$build/fuzz-seeds.log" 2>&1; then
  echo "fuzz.sh: the seed test failed (see $build/fuzz-seeds.log)" >&2
  exit 1
fi

export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

mkdir -p "$build/fuzz-logs"
failed=0
for target in "${targets[@]}"; do
  corpus="$build/corpus/$target"
  artifacts="$build/fuzz-artifacts/$target"
  log="$build/fuzz-logs/$target.log"
  mkdir -p "$corpus" "$artifacts"
  # The run target starts from the text-form models.
  seed_dir="$seeds/$target"
  [[ "$target" == run ]] && seed_dir="$seeds/pbtxt"
  cp "$seed_dir"/seed_* "$corpus"/ 2>/dev/null
  before=$(ls "$artifacts")
  extra=()
  [[ -n "${ANVIL_FUZZ_RUNS:-}" ]] && extra+=("-runs=$ANVIL_FUZZ_RUNS")
  "$build/tests/fuzz/${target}_fuzzer" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 \
    -max_len="$(max_len "$target")" -print_final_stats=1 -artifact_prefix="$artifacts/" "${extra[@]}" \
    "$corpus" >"$log" 2>&1
  status=$?
  executions=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -1)
  per_second=$(sed -n 's/^stat::average_exec_per_sec: *\([0-9]*\).*/\1/p' "$log" | tail -1)
  executions="${executions:-0}"
  crash=""
  for file in $(ls "$artifacts"); do
    grep -qxF "$file" <<<"$before" || crash="$crash $artifacts/$file"
  done
  if [[ $status -eq 72 && -z "$crash" ]]; then  # libFuzzer's exit code when interrupted (SIGINT)
    failed=1
    echo "$target: interrupted after $executions executions"
    result="interrupted"
  elif [[ $status -ne 0 || -n "$crash" ]]; then
    failed=1
    echo "$target: CRASHED after $executions executions (exit $status):${crash:- no crash file, see $log}"
    grep -m1 -E "ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:|anvil fuzz:" "$log" | sed 's/^/  /'
    result="crashed${crash}"
  else
    echo "$target: $executions executions in ${seconds}s (${per_second:-?}/s)"
    result="ok"
  fi
  printf '%s\t%s\t%s\t%ss\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$target" "$executions" "$seconds" "$result" \
    >>"$build/fuzz-executions.txt"
done
exit $failed
