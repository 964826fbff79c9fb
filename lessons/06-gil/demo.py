"""GIL: the same CPU-bound job serially, in threads and in processes."""
import multiprocessing as mp
import threading
import time


def job(n=2_000_000):
    result = 0
    for i in range(n):
        result += i + i**2
    return result


def timed(label, run):
    start = time.perf_counter()
    run()
    print(f"{label:<10} {time.perf_counter() - start:6.2f} s")


def in_threads():
    threads = [threading.Thread(target=job) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def in_processes():
    procs = [mp.Process(target=job) for _ in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()


if __name__ == "__main__":
    timed("serial", lambda: [job() for _ in range(4)])
    # With a GIL, one thread at a time runs Python code.
    timed("threads", in_threads)
    # Each process has its own interpreter and its own GIL.
    timed("processes", in_processes)
