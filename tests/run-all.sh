#!/usr/bin/env bash
# The whole test suite, as CI runs it: restore, Release build, every test project, then the real-kexec lab
# (tests/kexec-lab/run.sh: a real kernel kexec'd under QEMU with the daemon on device DAX, a few minutes), and one
# closing summary line "N passed, N failed, N skipped" counting both. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# The daemon tests use Debian's python3 (socket.recv_fds, mmap) as a non-C# peer, setpriv to act as another uid,
# and libvirt's client library (libvirt0) for the VM inventory through its in-process test:/// driver.
# The deploy tests use systemd's tools (systemd-analyze verify/security, systemd-sysusers, systemd-tmpfiles, and
# libseccomp, which systemd depends on, to sandbox the daemon) and shellcheck. The QEMU tests build their guest
# (tests/guests/tickguest) with gcc and run it under QEMU >= 10 (below).
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
# QEMU >= 10 from bookworm-backports (Debian 12's own 7.2 cannot run liveupdate-qemu): checked by version.
if [ "$(id -u)" = 0 ]; then
  deploy/require-qemu.sh --install
else
  deploy/require-qemu.sh
fi

dotnet restore LiveUpdate.sln -v quiet
dotnet build LiveUpdate.sln -c Release --no-restore -v quiet -nologo

log=$(mktemp)
lab_work=$(mktemp -d)
trap 'rm -f "$log"; rm -rf "$lab_work"' EXIT
status=0
dotnet test LiveUpdate.sln -c Release --no-build --logger "console;verbosity=normal" 2>&1 | tee "$log" || status=$?

# dotnet test prints, per test assembly, "Passed: n", "Failed: n" and "Skipped: n" lines under "Total tests: n"
# (a count that is zero is left out); add them up.
read -r passed failed skipped < <(awk '
  /^ +Passed: +[0-9]+ *$/  { p += $2 }
  /^ +Failed: +[0-9]+ *$/  { f += $2 }
  /^ +Skipped: +[0-9]+ *$/ { s += $2 }
  END { print p + 0, f + 0, s + 0 }' "$log")

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
