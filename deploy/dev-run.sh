#!/usr/bin/env bash
# Runs the LiveUpdate daemon on its embedded default region (a sparse 1 GiB file on tmpfs,
# /dev/shm/liveupdate/region), building it first. Extra arguments go to the daemon, e.g.
#   deploy/dev-run.sh --region-size 4GiB
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build service/LiveUpdate.Service -c Release -v quiet -nologo >/dev/null
exec dotnet service/LiveUpdate.Service/bin/Release/net10.0/liveupdated.dll "$@"
