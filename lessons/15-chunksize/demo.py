"""Chunksize: 20000 tiny tasks, one message each or in chunks."""
import collections
import multiprocessing as mp
import os
import time

N = 20_000
WORKERS = 4


def square(x):
    return os.getpid(), x * x  # who ran it, and the (tiny) work


def timed_map(pool, chunksize):
    t0 = time.perf_counter()
    results = pool.map(square, range(N), chunksize=chunksize)
    seconds = time.perf_counter() - t0
    # map's default: ceil(N / (4 * workers)) = 1250 here
    size = chunksize or -(-N // (4 * WORKERS))
    chunks = -(-N // size)
    per_worker = collections.Counter(pid for pid, _ in results)
    print(f"chunksize={size}: {chunks} task messages, {chunks} result messages")
    print(f"  tasks per worker: {sorted(per_worker.values(), reverse=True)}")
    print(f"  time chunksize={size}: {seconds:.3f} s")
    return [sq for _, sq in results]


if __name__ == "__main__":
    with mp.Pool(WORKERS) as pool:
        one = timed_map(pool, 1)        # one task per message
        default = timed_map(pool, None)  # map's default chunksize
    print("same results:", one == default)
