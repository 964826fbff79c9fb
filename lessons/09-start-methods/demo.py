"""Start methods: one child under each of fork, spawn and forkserver."""
import multiprocessing as mp
import os
import pickle

CONFIG = "default"  # a global; main changes it at run time


def show(method, main_pid):
    ppid = os.getppid()
    parent = "main" if ppid == main_pid else "not main"
    print(f"{method}: pid {os.getpid()}, ppid {ppid} ({parent}),"
          f" CONFIG = {CONFIG!r}", flush=True)


def methods():
    # Windows has only spawn; Linux and macOS have all three.
    return [m for m in ("fork", "spawn", "forkserver")
            if m in mp.get_all_start_methods()]


# Required for spawn and forkserver: their children import this file
# again, and must not run this block (macOS since 3.8, Linux since 3.14).
if __name__ == "__main__":
    CONFIG = "changed by main"
    main_pid = os.getpid()
    print(f"main: pid {main_pid}, CONFIG = {CONFIG!r}", flush=True)
    for method in methods():
        ctx = mp.get_context(method)  # per use; no global setting
        # spawn and forkserver pickle the target and its args
        p = ctx.Process(target=show, args=(method, main_pid))
        p.start()
        p.join()
        print(f"main: {method} child exitcode {p.exitcode}", flush=True)
    try:
        # spawn pickles the target: a lambda has no importable name.
        mp.get_context("spawn").Process(target=lambda: None).start()
    except pickle.PicklingError as e:  # only this error: others must show
        print(f"main: spawn cannot pickle a lambda target: {e}", flush=True)
    if "fork" in mp.get_all_start_methods():
        # fork frees a Process target from pickling, not a Pool task: each
        # task reaches a worker through a pipe, pickled, under every method.
        with mp.get_context("fork").Pool(1) as pool:
            try:
                pool.map(lambda x: x, [1])
            except pickle.PicklingError as e:
                print(f"main: a fork Pool cannot pickle a lambda: {e}",
                      flush=True)
