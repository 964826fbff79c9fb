# proclab's probe loader. proclab puts this folder first on PYTHONPATH only for the
# programs it runs, so Python imports this file at start-up in every process of the
# program: the main script, spawn children, the forkserver and the resource tracker.
# It must never break the program: any failure switches the probe off and says so.
import os as _os

if _os.environ.get("PROCLAB_PROBE_DIR"):
    try:
        import proclab_probe as _probe

        _probe.install()
    except Exception as _e:  # noqa: BLE001 - whatever happens, the program runs on
        import sys as _sys

        _sys.stderr.write(
            "proclab probe: switched off in pid %d: %r\n" % (_os.getpid(), _e)
        )
