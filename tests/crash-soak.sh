#!/usr/bin/env bash
# Crash soak: the crash-loop test (tests/LiveUpdate.Region.Tests/Crash) with 10,000 SIGKILLs instead of the
# default run's 210 — worker processes killed at random moments and at every named fault point, the same
# region re-attached and checked after each kill. Takes one to two hours on a 2-core machine (0.3-0.6 s a kill).
#
#   tests/crash-soak.sh                  10,000 kills, random schedule seed (printed in the output)
#   tests/crash-soak.sh 2000             another number of kills
#   LU_CRASH_SEED=123 tests/crash-soak.sh   replay the schedule of a failed run (kill timing still varies)
#
# Progress (a line every 100 kills) goes to $LU_CRASH_PROGRESS, by default /tmp/lu-crash-soak.progress:
#   tail -f /tmp/lu-crash-soak.progress
# A failure prints the seed, the worker's last report lines and where the damaged region was kept
# (/dev/shm/lu-crash-failed-SEED-ROUND.region; delete it when done).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
kills="${1:-${LU_CRASH_KILLS:-10000}}"
if ! [[ "$kills" =~ ^[0-9]+$ ]]; then
  echo "usage: $0 [KILLS]" >&2
  exit 2
fi

progress="${LU_CRASH_PROGRESS:-${TMPDIR:-/tmp}/lu-crash-soak.progress}"
: > "$progress"
echo "crash soak: $kills kills; progress in $progress"

cd "$repo"
dotnet build tests/LiveUpdate.Region.Tests -c Release
LU_CRASH_KILLS="$kills" LU_CRASH_PROGRESS="$progress" exec dotnet test tests/LiveUpdate.Region.Tests -c Release --no-build \
  --filter "FullyQualifiedName~LiveUpdate.Region.Tests.CrashLoop" \
  --logger "console;verbosity=detailed"
