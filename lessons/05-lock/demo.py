"""Lock: v.value += 1 is a read then a write, not one step."""
import multiprocessing as mp
import sys


def work(counter, lock, start, n, use_lock):
    # Wait until every worker is ready. Under spawn and forkserver a
    # child takes a while to start: without the gate one worker could
    # finish before the next begins, and no update would be lost.
    start.wait()
    for _ in range(n):
        if use_lock:
            with lock:
                counter.value += 1
        else:
            # The read and the write each take the Value's own
            # lock, separately: another process can slip between.
            counter.value += 1


if __name__ == "__main__":
    use_lock = "--lock" in sys.argv
    counter = mp.Value("i", 0)
    lock = mp.Lock()
    start = mp.Barrier(4)  # opens when all four workers wait at it
    args = (counter, lock, start, 20_000, use_lock)
    workers = [mp.Process(target=work, args=args) for _ in range(4)]
    for p in workers:
        p.start()
    for p in workers:
        p.join()
    state = "on" if use_lock else "off"
    print(f"counter = {counter.value}, expected 80000 (lock {state})")
