"""ProcessPoolExecutor: results as they complete, errors that travel back, a broken pool."""
import os
import pickle
import signal
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool

twice = lambda x: 2 * x  # noqa: E731 - a lambda's name, <lambda>, cannot be imported


def slow_square(x):
    time.sleep((5 * x + 3) % 4 * 0.1)  # so tasks finish out of order
    if x == 3:
        raise ValueError(f"{x} is not allowed")
    return x * x


def die(x):
    time.sleep(0.2)
    os.kill(os.getpid(), signal.SIGKILL)  # as the OOM killer or a crash in C would


def main():
    with ProcessPoolExecutor(max_workers=2) as ex:
        futures = {ex.submit(slow_square, x): x for x in range(6)}
        for f in as_completed(futures):  # in the order they finish
            x = futures[f]
            try:
                print(f"slow_square({x}) = {f.result()}")
            except ValueError as e:  # raised in a worker, raised again here
                print(f"slow_square({x}) raised ValueError: {e}")
                print("the worker's traceback, attached as __cause__:", e.__cause__)

    # The function travels pickled, by its name: a lambda or a local function has none.
    def local(x):
        return x

    with ProcessPoolExecutor(max_workers=1) as ex:
        for fn in (twice, local):
            try:
                ex.submit(fn, 1).result()
            except (pickle.PicklingError, AttributeError) as e:
                print(f"submit({fn.__name__}): {type(e).__name__}: {e}")

    # A worker killed: every pending future fails, and so does any later submit().
    with ProcessPoolExecutor(max_workers=2) as ex:
        futures = [ex.submit(die, 0), ex.submit(time.sleep, 2), ex.submit(time.sleep, 2)]
        for f in futures:
            try:
                f.result()
            except BrokenProcessPool as e:
                print(f"result(): BrokenProcessPool: {e}")
        try:
            ex.submit(slow_square, 1)
        except BrokenProcessPool as e:
            print(f"submit(): BrokenProcessPool: {e}")


if __name__ == "__main__":
    main()
