#!/bin/sh
# CPython's own multiprocessing test suites under proclab's probe: each must pass as it
# does without proclab. Needs a Python whose test package is installed (pyenv builds have
# it; Debian's python3 needs libpython3-testsuite, or use pyenv).
#
#   tools/cpython-suites.sh /root/.pyenv/versions/3.13.0/bin/python3 \
#       test_multiprocessing_fork test_multiprocessing_spawn \
#       test_multiprocessing_forkserver test_concurrent_futures
#
# proclab's default --max-procs (256 alive at once) applies: a suite starts hundreds of
# short-lived processes, never that many at once.
#
# Prints one line per suite: its name, proclab's exit code (0: the suite passed) and
# the suite's own verdict; the full output of each is kept in $OUT (default: a fresh
# folder under /tmp).
set -u
python=${1:?usage: tools/cpython-suites.sh PYTHON TEST...}
shift
here=$(cd "$(dirname "$0")/.." && pwd)
proclab=${PROCLAB:-$here/target/release/proclab}
OUT=${OUT:-$(mktemp -d /tmp/cpython-suites.XXXXXX)}
mkdir -p "$OUT"
runner="$OUT/runtests.py"
cat > "$runner" <<'PY'
import sys
from test.libregrtest.main import main
if __name__ == "__main__":
    main(sys.argv[1:])
PY
status=0
for t in "$@"; do
    log="$OUT/$t.log"
    "$proclab" run --python "$python" --file "$runner" -- "$t" > "$log" 2>&1
    code=$?
    verdict=$(grep -a -E '\| (Result: [A-Z]+|[0-9]+ tests? (OK|FAILED)[^ ]*)' "$log" | tail -1 | sed 's/.*| //')
    echo "$t: exit $code, $verdict"
    [ "$code" -eq 0 ] || status=1
done
echo "logs: $OUT"
exit $status
