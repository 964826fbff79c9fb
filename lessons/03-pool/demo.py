"""Pool: a few worker processes serve many tasks, in input order."""
import multiprocessing as mp
import os
import time


def square(x):
    time.sleep(0.05)  # a task that takes a moment
    return x * x, os.getpid()


if __name__ == "__main__":
    # Leaving the with-block calls terminate(): collect inside it.
    with mp.Pool(processes=3) as pool:
        pairs = pool.map(square, range(8))
    print("results:", [r for r, _ in pairs])
    pids = {pid for _, pid in pairs}
    print("distinct worker PIDs:", len(pids), "for 8 tasks")
