"""Deadlock: two locks taken in opposite order, and join() before get()."""
import multiprocessing as mp
import sys
import time


def a_then_b(lock_a, lock_b, both_hold):
    with lock_a:
        print("worker 0: holds lock_a")
        both_hold.wait()  # both now hold their first lock
        # Without a timeout this acquire would wait forever.
        if not lock_b.acquire(timeout=3):
            print("worker 0: gave up on lock_b after 3 s: a deadlock; releasing lock_a")
            return
        print("worker 0: holds both")
        lock_b.release()


def b_then_a(lock_a, lock_b, both_hold):
    with lock_b:
        print("worker 1: holds lock_b")
        both_hold.wait()
        with lock_a:  # waits until worker 0 gives up
            print("worker 1: holds both")


def put_big(q):
    q.put(b"x" * 100_000)  # more than the pipe's 64 KiB
    print("worker 0: put returned; exiting waits for the feeder thread")


def crossed_locks():
    lock_a = mp.Lock()
    lock_b = mp.Lock()
    both_hold = mp.Barrier(2)
    ps = [
        mp.Process(target=a_then_b, args=(lock_a, lock_b, both_hold)),
        mp.Process(target=b_then_a, args=(lock_a, lock_b, both_hold)),
    ]
    for p in ps:
        p.start()
    for p in ps:
        p.join()
    print("main: both workers joined")


def join_before_get():
    q = mp.Queue()
    p = mp.Process(target=put_big, args=(q,))
    p.start()
    t0 = time.monotonic()
    p.join(timeout=3)  # wrong order: join before get
    if p.is_alive():
        print(f"main: join(timeout=3) returned after {time.monotonic() - t0:.1f} s, "
              "child still alive: a deadlock")
    item = q.get()  # the right order: get first...
    p.join()        # ...then join
    print(f"main: got {len(item)} bytes, then joined (exit code {p.exitcode})")


if __name__ == "__main__":
    # Both by default; `python3 demo.py locks` or `... join` runs one.
    parts = [a for a in sys.argv[1:] if a in ("locks", "join")] or ["locks", "join"]
    if "locks" in parts:
        crossed_locks()
    if "join" in parts:
        join_before_get()
