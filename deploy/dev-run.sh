#!/usr/bin/env bash
# Runs the LiveUpdate daemon on its embedded default region (a sparse 8 GiB file on tmpfs,
# /dev/shm/liveupdate/region), building it first, with luctl and liveupdate-qemu beside it (the README's quick start
# uses them from their build folders). Extra arguments go to the daemon, e.g.
#   deploy/dev-run.sh --region /dev/shm/other-region --region-size 4GiB
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
for project in service/LiveUpdate.Service client/LiveUpdate.Cli client/LiveUpdate.Qemu; do
  dotnet build "$project" -c Release -v quiet -nologo >/dev/null
done
exec dotnet service/LiveUpdate.Service/bin/Release/net10.0/liveupdated.dll "$@"
