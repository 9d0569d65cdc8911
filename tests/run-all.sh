#!/usr/bin/env bash
# The test suite. Usage: tests/run-all.sh [--fast]
#
# With no argument, the whole suite, as CI runs it (.ci/run): restore, Release build, every test project, then the
# real-kexec lab (tests/kexec-lab/run.sh: a real kernel kexec'd under QEMU with the daemon on device DAX, a few
# minutes), and one closing summary line "N passed, N failed, N skipped" counting both.
#
# --fast, for development (a few minutes): the same build and every test project, but only the unit and engine tests:
# a test class that starts a real daemon, luctl, QEMU, install.sh or a crash worker process carries
# [Trait("Category", "EndToEnd")] and is left out (dotnet test --filter "Category!=EndToEnd"); no QEMU install and no
# lab. Run one left-out class with dotnet test tests/PROJECT -c Release --filter "FullyQualifiedName~CLASS".
#
# The counts come from the TRX results each test project writes (tests/trx-counts.py), not from console text; a test
# project that wrote none counts as a failure. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

fast=false
case "${1-}" in
  "") ;;
  --fast) fast=true ;;
  *) echo "usage: tests/run-all.sh [--fast]" >&2; exit 2 ;;
esac

# The daemon tests use Debian's python3 (socket.recv_fds, mmap) as a non-C# peer, setpriv to act as another uid,
# and libvirt's client library (libvirt0) for the VM inventory through its in-process test:/// driver.
# The deploy tests use systemd's tools (systemd-analyze verify/security, systemd-sysusers, systemd-tmpfiles, and
# libseccomp, which systemd depends on, to sandbox the daemon) and shellcheck. The QEMU tests build their guest
# (tests/guests/tickguest) with gcc and run it under QEMU >= 10 (below); the libvirt tests run it under a libvirtd >= 11
# of their own (below), both from bookworm-backports.
need_apt=()
[ -x /usr/bin/python3 ] || need_apt+=(python3)
command -v setpriv >/dev/null || need_apt+=(util-linux)
[ -x /usr/bin/systemd-analyze ] || need_apt+=(systemd)
[ -x /usr/bin/shellcheck ] || need_apt+=(shellcheck)
command -v gcc >/dev/null || need_apt+=(gcc)
# grep reads all of ldconfig's output (no -q): an early exit could SIGPIPE ldconfig, a failure under pipefail.
ldconfig -p | grep 'libvirt.so.0 ' >/dev/null || need_apt+=(libvirt0)
if ((${#need_apt[@]})); then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "run-all: missing ${need_apt[*]}; install them (apt-get install ${need_apt[*]})" >&2
    exit 1
  fi
fi
# QEMU >= 10 from bookworm-backports (Debian 12's own 7.2 cannot run liveupdate-qemu): checked by version. Only the
# end-to-end tests run QEMU.
# libvirt >= 11 from bookworm-backports too (libvirtd, virtlogd, virsh): the libvirt tests start their own libvirtd.
if ! $fast; then
  if [ "$(id -u)" = 0 ]; then
    deploy/require-qemu.sh --install
  else
    deploy/require-qemu.sh
  fi
  libvirt_version=$(libvirtd --version 2>/dev/null | awk '{print $NF}') || libvirt_version=""
  libvirt_major=${libvirt_version%%.*}
  if ! command -v virsh >/dev/null || ! [[ "$libvirt_major" =~ ^[0-9]+$ ]] || ((libvirt_major < 11)); then
    if [ "$(id -u)" = 0 ]; then
      deploy/apt-backports.sh libvirt-daemon-system libvirt-clients
    else
      echo "run-all: libvirt >= 11 is missing (libvirtd: ${libvirt_version:-none}); as root: deploy/apt-backports.sh libvirt-daemon-system libvirt-clients" >&2
      exit 1
    fi
  fi
fi

dotnet restore LiveUpdate.sln -v quiet
dotnet build LiveUpdate.sln -c Release --no-restore -v quiet -nologo

results=$(mktemp -d)
lab_work=$(mktemp -d)
trap 'rm -rf "$results" "$lab_work"' EXIT
filter=()
$fast && filter=(--filter "Category!=EndToEnd")
status=0
# One TRX file per test project: LogFilePrefix adds the framework and a timestamp, and the logger picks another name
# when two projects end in the same second (a LogFileName would be overwritten by each project in turn).
dotnet test LiveUpdate.sln -c Release --no-build "${filter[@]}" --logger "console;verbosity=normal" \
  --logger "trx;LogFilePrefix=liveupdate" --results-directory "$results" || status=$?

# Every test project must have written results; an assembly is named after its project.
mapfile -t assemblies < <(grep -l '<IsTestProject>true</IsTestProject>' tests/*/*.csproj | xargs -n1 basename | sed 's/\.csproj$//')
counts=$(python3 tests/trx-counts.py "$results" "${assemblies[@]}") || status=1
read -r passed failed skipped <<<"$counts"

if $fast; then
  echo "${passed} passed, ${failed} failed, ${skipped} skipped"
  if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
    exit 1
  fi
  exit 0
fi

# The real-kexec lab (it installs the Debian packages it needs: QEMU, Debian's kernel, kexec-tools, busybox, ndctl).
lab_status=0
bash tests/kexec-lab/run.sh "$lab_work" || lab_status=$?
lab_passed=0
lab_failed=1
if [ -r "$lab_work/summary.txt" ]; then
  read -r lab_passed lab_failed <"$lab_work/summary.txt"
fi
echo "kexec-lab: ${lab_passed} checks passed, ${lab_failed} failed (exit ${lab_status})"

echo "$((passed + lab_passed)) passed, $((failed + lab_failed)) failed, ${skipped} skipped"
if [ "$status" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ] || [ "$lab_status" -ne 0 ] || [ "$lab_failed" -ne 0 ]; then
  exit 1
fi
