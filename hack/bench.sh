#!/usr/bin/env bash
# Render and sync benchmarks (see BENCHMARKS.md); run them with `make bench`.
# It ends with the image policy selection Go benchmarks.
#
# Generates BENCH_APPS Applications (default 1000) into a temp dir, then times
#   render: kustomize build --enable-alpha-plugins --enable-exec  (render-application as a transformer)
#   plain:  kustomize build of the same objects pre-rendered as plain YAML
# BENCH_RUNS times each (default 3) after one warm-up, and prints the median
# wall time, CPU time, Applications/s, peak RSS and the render/plain ratio.
# It also times the function alone (standalone on the same files) to show how
# the render side splits between the function and kustomize. BENCH_FLOOR=1
# adds a side whose exec function replays the recorded output of the real
# one: what kustomize costs with a function that takes no time.
#
# The sync benchmark (hack/benchsync) then puts the same Applications into a
# fresh local cluster (test/cluster) with `kubectl gitops sync` from a local
# Git server, and what they render to into another with `kubectl apply
# --server-side` followed by `kubectl wait`, once each; then repeats both
# with nothing changed. It prints wall and CPU time, peak RSS and the write
# requests the API server counted (its /metrics), and the sync/kubectl ratio.
#
# Environment: KUSTOMIZE (default: kustomize on PATH), BIN (default: bin),
# GO (default: go), BENCH_RUNS, BENCH_APPS, BENCH_FLOOR, BENCH_KEEP=1 keeps
# the temp dir, BENCH_SYNC=0 skips the sync benchmark, BENCH_AGENT=0 the agent benchmark, BENCH_SYNC_TIMEOUT
# bounds each wait for the Deployments (default 60m).
set -euo pipefail
cd "$(dirname "$0")/.."

KUSTOMIZE=${KUSTOMIZE:-kustomize}
BIN=${BIN:-bin}
GO=${GO:-go}
RUNS=${BENCH_RUNS:-3}
APPS=${BENCH_APPS:-1000}
TIME=/usr/bin/time
TARGET_RATE=500
TARGET_RATIO=3

fn="$BIN/render-application"
[[ -x $fn ]] || { echo "bench: $fn not found; run make build" >&2; exit 1; }
command -v "$KUSTOMIZE" >/dev/null || { echo "bench: kustomize not found ($KUSTOMIZE); run make tools" >&2; exit 1; }
if [[ ! -x $TIME ]]; then
	echo "bench: installing GNU time for peak RSS (apt-get install time)" >&2
	{ apt-get update -qq && apt-get install -y -qq time; } >/dev/null 2>&1 || true
fi
[[ -x $TIME ]] || { echo "bench: $TIME not found and could not be installed (apt-get install time)" >&2; exit 1; }
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "bench: BENCH_RUNS must be a positive integer" >&2; exit 1; }

work=$(mktemp -d)
if [[ ${BENCH_KEEP:-} == 1 ]]; then echo "bench: keeping $work"; else trap 'rm -rf "$work"' EXIT; fi
gen="$work/gen"

echo "== machine"
echo "date:      $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "cpus:      $(nproc) ($(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo))"
echo "memory:    $(awk '/^MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
echo "kernel:    $(uname -sr)"
echo "go:        $("$GO" env GOVERSION)"
echo "kustomize: $("$KUSTOMIZE" version 2>/dev/null | head -1)"

echo "== generating $APPS Applications"
if ! "$GO" run ./hack/benchgen -out "$gen" -fn "$fn" -apps "$APPS" 2>"$work/gen.log"; then
	cat "$work/gen.log" >&2
	echo "bench: generating the inputs failed" >&2
	exit 1
fi
cat "$work/gen.log"
echo "each app:  $(cat "$gen/shape.txt")"
echo "files:     $(ls "$gen/apps" | wc -l) app files, $(grep -c '^kind:' "$gen"/plain/apps-*.yaml | awk -F: '{n+=$2} END {print n}') rendered objects"

# run SIDE OUT CMD...: runs CMD once under GNU time with stdout to OUT and
# appends "wall_seconds max_rss_kib cpu_seconds" to $work/SIDE.times. The
# RSS is the largest of the process and its children (Linux rusage), not
# their sum; CPU time is user + system of the whole tree.
run() {
	local side=$1 out=$2
	shift 2
	local start end
	start=$EPOCHREALTIME
	if ! "$TIME" -v -o "$work/$side.rusage" "$@" >"$out" 2>"$work/$side.err"; then
		cat "$work/$side.err" >&2
		echo "bench: the $side side failed: $*" >&2
		return 1
	fi
	end=$EPOCHREALTIME
	awk -F': ' -v s="$start" -v e="$end" '
		/User time/ || /System time/ { cpu += $2 }
		/Maximum resident set size/ { rss = $2 }
		END { printf "%.3f %d %.2f\n", e - s, rss, cpu }' "$work/$side.rusage" >>"$work/$side.times"
}

render_cmd=("$KUSTOMIZE" build --enable-alpha-plugins --enable-exec "$gen")
plain_cmd=("$KUSTOMIZE" build "$gen/plain")
fn_cmd=("$fn" "$gen"/apps/*.yaml)
gitops_cmd=("$BIN/kubectl-gitops" build "$gen")
sides=(render plain function gitops)

if [[ ${BENCH_FLOOR:-} == 1 ]]; then
	floor="$work/floor"
	cp -r "$gen" "$floor"
	fn_abs="$(cd "$(dirname "$fn")" && pwd)/$(basename "$fn")"
	cat >"$work/floor-fn.sh" <<EOF
#!/usr/bin/env bash
# First call: run the function and record its output. Later: replay it.
if [[ -s "$work/fn-output.yaml" ]]; then cat >/dev/null; exec cat "$work/fn-output.yaml"; fi
"$fn_abs" | tee "$work/fn-output.yaml"
EOF
	chmod +x "$work/floor-fn.sh"
	sed -i "s|^        path: .*|        path: \"$work/floor-fn.sh\"|" "$floor/render.yaml"
	floor_cmd=("$KUSTOMIZE" build --enable-alpha-plugins --enable-exec "$floor")
	sides+=(floor)
fi

echo "== warm-up"
run render "$work/render.yaml" "${render_cmd[@]}" || exit 1
run plain "$work/plain.yaml" "${plain_cmd[@]}" || exit 1
run function "$work/function.yaml" "${fn_cmd[@]}" || exit 1
run gitops "$work/gitops.yaml" "${gitops_cmd[@]}" || exit 1
if [[ -n ${floor:-} ]]; then run floor /dev/null "${floor_cmd[@]}" || exit 1; fi
# kubectl gitops build keeps kustomize's order of the Applications, not its
# sort of the rendered objects: compare the objects as a sorted set.
objects() { awk '/^kind:/ {k=$2} /^  name:/ {n=$2} /^  namespace:/ {ns=$2} /^---$/ {print k, ns, n; k=n=ns=""} END {print k, ns, n}' "$1" | sort; }
if ! diff -q <(objects "$work/gitops.yaml") <(objects "$work/plain.yaml") >/dev/null; then
	diff <(objects "$work/plain.yaml") <(objects "$work/gitops.yaml") | head -20 >&2
	echo "bench: kubectl gitops build renders other objects than the pre-rendered ones" >&2
	exit 1
fi
if ! cmp -s "$work/render.yaml" "$work/plain.yaml"; then
	diff -u "$work/plain.yaml" "$work/render.yaml" | head -40 >&2
	echo "bench: the render side's output differs from the pre-rendered objects" >&2
	exit 1
fi
echo "outputs:   render and plain builds are identical ($(wc -c <"$work/render.yaml") bytes)"
rm -f "$work"/*.times

echo "== timing ($RUNS runs each, alternating)"
for ((i = 1; i <= RUNS; i++)); do
	run render /dev/null "${render_cmd[@]}" || exit 1
	run plain /dev/null "${plain_cmd[@]}" || exit 1
	run function /dev/null "${fn_cmd[@]}" || exit 1
	run gitops /dev/null "${gitops_cmd[@]}" || exit 1
	if [[ -n ${floor:-} ]]; then run floor /dev/null "${floor_cmd[@]}" || exit 1; fi
done

# median COLUMN FILE: the median of a column.
median() {
	awk -v c="$1" '{ print $c }' "$2" | sort -n | awk '
		{ v[NR] = $1 }
		END { printf "%.3f\n", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
# stats SIDE: prints "median_wall max_rss_mib median_cpu".
stats() {
	echo "$(median 1 "$work/$1.times") $(awk '$2 > m { m = $2 } END { printf "%.1f", m / 1024 }' "$work/$1.times") $(median 3 "$work/$1.times")"
}

declare -A label=(
	[render]="render (kustomize + exec function)"
	[plain]="plain (kustomize, pre-rendered)"
	[function]="function alone (standalone)"
	[gitops]="kubectl gitops build (in process)"
	[floor]="floor (kustomize + replaying exec)"
)
echo "== results ($APPS Applications; wall and CPU = median of $RUNS; peak RSS = max over runs)"
printf '%-36s %9s %9s %16s %14s\n' side "wall s" "CPU s" "Applications/s" "peak RSS MiB"
for side in "${sides[@]}"; do
	read -r wall rss cpu < <(stats "$side")
	printf '%-36s %9.3f %9.2f %16.0f %14.1f\n' "${label[$side]}" "$wall" "$cpu" "$(awk -v n="$APPS" -v w="$wall" 'BEGIN {print n / w}')" "$rss"
done
read -r render_wall _ _ < <(stats render)
read -r plain_wall _ _ < <(stats plain)

rate=$(awk -v n="$APPS" -v w="$render_wall" 'BEGIN {printf "%.0f", n / w}')
ratio=$(awk -v r="$render_wall" -v p="$plain_wall" 'BEGIN {printf "%.2f", r / p}')
verdict() { if awk -v a="$1" -v op="$2" -v b="$3" 'BEGIN {exit !((op == ">=") ? a >= b : a <= b)}'; then echo met; else echo MISSED; fi; }
echo "render rate:  $rate Applications/s (target >= $TARGET_RATE: $(verdict "$rate" ">=" "$TARGET_RATE"))"
echo "ratio:        $ratio x render/plain wall time (target <= $TARGET_RATIO: $(verdict "$ratio" "<=" "$TARGET_RATIO"))"

# Sync benchmark (see BENCHMARKS.md): two fresh local clusters, one per
# tool; progress goes to stderr, the results table to stdout.
if [[ ${BENCH_SYNC:-1} != 0 ]]; then
	echo "== sync benchmark (hack/benchsync: $APPS Applications, a local cluster per tool; this takes a while)"
	"$GO" build -o "$work/benchsync" ./hack/benchsync || { echo "bench: building hack/benchsync failed" >&2; exit 1; }
	if ! "$work/benchsync" -bin "$BIN/kubectl-gitops" -apps "$gen/apps" -time "$TIME" \
		-timeout "${BENCH_SYNC_TIMEOUT:-60m}" -work "$work/sync"; then
		echo "bench: the sync benchmark failed (logs in $work/sync/logs with BENCH_KEEP=1)" >&2
		exit 1
	fi
fi

# Agent benchmark (see BENCHMARKS.md): the same number of Applications, one
# to a file, declared to `kubectl gitops agent` as a source per file and as
# one source of all; time to all Ready, a commit to the cluster, CPU, peak
# RSS and the API writes of five quiet minutes (target 0).
if [[ ${BENCH_AGENT:-1} != 0 ]]; then
	echo "== agent benchmark (hack/benchsync -sides agent-each,agent-one: $APPS Applications, a local cluster per layout; this takes a while)"
	"$GO" run ./hack/benchgen -out "$work/gen-agent" -fn "$fn" -apps "$APPS" -per-file 1 >/dev/null
	[[ -x $work/benchsync ]] || "$GO" build -o "$work/benchsync" ./hack/benchsync
	if ! "$work/benchsync" -bin "$BIN/kubectl-gitops" -apps "$work/gen-agent/apps" -time "$TIME" -sides agent-each,agent-one \
		-timeout "${BENCH_SYNC_TIMEOUT:-60m}" -work "$work/agent"; then
		echo "bench: the agent benchmark failed (logs in $work/agent/logs with BENCH_KEEP=1)" >&2
		exit 1
	fi
fi

# Image policy selection over 10,000 and 100,000 tags, in process (see
# BENCHMARKS.md): time and allocations per Select.
echo "== image policy selection (go test -bench ./krm/imagepolicy)"
"$GO" test ./krm/imagepolicy -run '^$' -bench '^BenchmarkSelect' -benchmem -count 1
"$GO" test ./plugin/imageauto -run '^$' -bench '^BenchmarkScanTags5000$' -benchmem -count 1 # registry scan: 5,000 tags in pages of 100 (BENCHMARKS.md)
