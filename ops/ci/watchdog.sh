#!/usr/bin/env bash
# Runs a test command with a watchdog: when it has not finished after LIMIT seconds, prints the stack of
# every thread of the test process (gdb), kills it and fails, so that a hung test names itself instead
# of silently eating CI's time. Output is line-buffered so that what was printed before a hang is seen.
#   ops/ci/watchdog.sh LIMIT command [arguments...]
set -uo pipefail
limit=$1
shift
stdbuf -oL -eL "$@" &
runner=$!
start=$(date +%s)
while kill -0 "$runner" 2>/dev/null; do
    if (( $(date +%s) - start > limit )); then
        echo "watchdog: the tests did not finish within ${limit} s; thread stacks of the test process follow" >&2
        for pid in $(pgrep -f 'PackageTests.xctest'); do
            if command -v gdb >/dev/null 2>&1; then
                gdb -p "$pid" -batch -ex 'thread apply all bt 30' 2>/dev/null | grep -E '^(Thread|#)' | cut -c1-240 >&2
            fi
            kill -9 "$pid" 2>/dev/null
        done
        pkill -9 -f 'pm serve' 2>/dev/null
        kill -9 "$runner" 2>/dev/null
        wait "$runner" 2>/dev/null
        exit 124
    fi
    sleep 2
done
wait "$runner"
