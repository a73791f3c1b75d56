#!/usr/bin/env bash
# Runs every Google Benchmark binary built from bench/*_bench.cc and writes one JSON file each to
# BUILD_DIR/bench/results/, then bench/ladder_vs_peers (skip it with LADDER_BENCH=0), bench/origin
# (ORIGIN_BENCH=0) and bench/latency (LATENCY_BENCH=0).
# Usage: scripts/run-bench.sh [BUILD_DIR]
set -euo pipefail
build=${1:-build}
out="$build/bench/results"
mkdir -p "$out"
found=0
for bin in "$build"/*_bench; do
  [ -x "$bin" ] || continue
  found=1
  name=$(basename "$bin")
  echo "== $name"
  "$bin" --benchmark_out="$out/$name.json" --benchmark_out_format=json \
         --benchmark_min_time="${BENCH_MIN_TIME:-0.2}"
done
[ "$found" = 1 ] || { echo "no benchmarks built in $build" >&2; exit 1; }
# strait vs ffmpeg vs GStreamer on the same ABR-ladder job (bench/README.md). It takes minutes:
# LADDER_BENCH=0 skips it; DURATION, OVERLAY, REPEAT, CONTENDERS, ... are passed through.
if [ "${LADDER_BENCH:-1}" != 0 ]; then
  echo "== ladder_vs_peers (LADDER_BENCH=0 skips it)"
  "$(dirname "$0")/../bench/ladder_vs_peers" "$build"
fi
# strait's HTTP origin against nginx on the same files, then 1,000 and 10,000 held LL-HLS requests
# (about 2 minutes); the glass-to-part latency over RTMP and SRT (about 1 minute). A failure in one
# does not stop the other; the script exits 1 at the end.
failed=()
if [ "${ORIGIN_BENCH:-1}" != 0 ]; then
  echo "== origin (ORIGIN_BENCH=0 skips it)"
  "$(dirname "$0")/../bench/origin" "$build" || failed+=(origin)
fi
if [ "${LATENCY_BENCH:-1}" != 0 ]; then
  echo "== latency (LATENCY_BENCH=0 skips it)"
  "$(dirname "$0")/../bench/latency" "$build" || failed+=(latency)
fi
echo "results: $out/*.json"
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed: ${failed[*]}" >&2
  exit 1
fi
