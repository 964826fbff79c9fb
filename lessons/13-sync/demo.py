"""Synchronisation: an Event as a start gate, Semaphore(2), a Barrier, a Condition."""
import multiprocessing as mp
import sys
import time


def burn(seconds):
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def throttled(i, go, slots):
    go.wait()  # the start gate: nobody starts before main sets it
    with slots:  # at most two hold a slot at once
        print(f"worker {i}: got a slot, burning CPU")
        burn(0.8)
    print(f"worker {i}: gave the slot back")


def in_rounds(i, barrier):
    for r in range(3):
        burn(0.2 * (i + 1))  # worker 0 is fastest, worker 2 slowest
        print(f"worker {i}: round {r} done, waiting at the barrier")
        barrier.wait()  # nobody starts round r+1 before all finished round r


def producer(cond, stock, items):
    for k in range(items):
        time.sleep(0.3)  # making an item takes a while
        with cond:
            stock.value += 1
            print(f"producer: item {k} ready, stock {stock.value}")
            cond.notify()  # wake one waiting consumer


def consumer(i, cond, stock, items):
    for _ in range(items):
        with cond:
            cond.wait_for(lambda: stock.value > 0)  # sleeps, no CPU
            stock.value -= 1
            print(f"consumer {i}: took an item, stock {stock.value}")


def run(ps):
    for p in ps:
        p.start()
    return ps


def semaphore_part():
    go = mp.Event()
    slots = mp.Semaphore(2)
    ps = run([mp.Process(target=throttled, args=(i, go, slots)) for i in range(4)])
    time.sleep(0.5)  # every worker now waits at the gate
    print("main: go.set()")
    go.set()
    for p in ps:
        p.join()


def barrier_part():
    barrier = mp.Barrier(3)
    for p in run([mp.Process(target=in_rounds, args=(i, barrier)) for i in range(3)]):
        p.join()


def condition_part():
    cond = mp.Condition()
    stock = mp.Value("i", 0, lock=False)  # guarded by cond's lock
    ps = [mp.Process(target=consumer, args=(i, cond, stock, 3)) for i in range(2)]
    ps.append(mp.Process(target=producer, args=(cond, stock, 6)))
    for p in run(ps):
        p.join()
    print(f"main: stock at the end {stock.value}")


if __name__ == "__main__":
    # All three by default; `python3 demo.py semaphore` (or barrier, condition) runs one.
    every = ["semaphore", "barrier", "condition"]
    parts = [a for a in sys.argv[1:] if a in every] or every
    if "semaphore" in parts:
        semaphore_part()
    if "barrier" in parts:
        barrier_part()
    if "condition" in parts:
        condition_part()
