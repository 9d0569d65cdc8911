#!/usr/bin/env python3
"""Adds up the test counts of the TRX files `dotnet test --logger trx` wrote, for tests/run-all.sh.

Usage: trx-counts.py RESULTS_DIR ASSEMBLY...

Prints one line "PASSED FAILED SKIPPED" summed over every *.trx file in RESULTS_DIR, read from each file's
<ResultSummary><Counters> (not from console text, whose wording changes between SDKs). Each ASSEMBLY (a test
project's assembly name) must appear in some TRX file as the storage of a test, else the project ran nothing or its
test host died before writing results: that is named on stderr and the exit status is 1 (the counts still printed).
"""

import os
import sys
import xml.etree.ElementTree as ElementTree

NAMESPACE = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
# Outcomes that are not a pass: a test that timed out or whose host aborted failed as much as one that asserted.
FAILED_COUNTERS = ("failed", "error", "timeout", "aborted")


def counter(counters, name):
    return int(counters.get(name, "0"))


def main(argv):
    if len(argv) < 2:
        print("usage: trx-counts.py RESULTS_DIR ASSEMBLY...", file=sys.stderr)
        return 2
    results, expected = argv[1], argv[2:]
    passed = failed = skipped = 0
    seen = set()
    files = sorted(f for f in os.listdir(results) if f.endswith(".trx")) if os.path.isdir(results) else []
    for name in files:
        path = os.path.join(results, name)
        try:
            root = ElementTree.parse(path).getroot()
        except ElementTree.ParseError as error:
            print(f"trx-counts: {path} is not a readable TRX file: {error}", file=sys.stderr)
            failed += 1
            continue
        counters = root.find("t:ResultSummary/t:Counters", NAMESPACE)
        if counters is None:
            print(f"trx-counts: {path} has no ResultSummary/Counters", file=sys.stderr)
            failed += 1
            continue
        passed += counter(counters, "passed")
        failed += sum(counter(counters, c) for c in FAILED_COUNTERS)
        skipped += counter(counters, "notExecuted")
        for test in root.iterfind("t:TestDefinitions/t:UnitTest", NAMESPACE):
            storage = os.path.basename(test.get("storage", ""))
            seen.add(os.path.splitext(storage)[0].lower())

    missing = [a for a in expected if a.lower() not in seen]
    for assembly in missing:
        print(f"trx-counts: no TRX results for {assembly} (it ran no test, or its test host died)", file=sys.stderr)
    print(passed, failed, skipped)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
