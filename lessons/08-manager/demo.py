"""Manager: one dict in a server process, shared through proxies."""
import multiprocessing as mp


def func(d, c, lock, start):
    # Spawn and forkserver workers start slowly, one after another: the
    # gate lets all five begin together, so they overlap under every method.
    start.wait()
    for _ in range(100):
        if lock is None:
            # A get round trip, then a set round trip: it races.
            d["count"] += c
        else:
            with lock:  # one worker at a time reads, adds, writes
                d["count"] += c


def run(m, lock):
    d = m.dict()  # the dict lives in the server; d is a proxy
    d["count"] = 0
    start = m.Barrier(5)  # a proxy too; each worker waits at it with a task
    args = [(d, c, lock, start) for c in (1, 2, 3, 4, 5)]  # as (d,1)..(d,5)
    # Leaving the with-block calls terminate(): starmap is done by then.
    with mp.Pool(5) as pool:
        pool.starmap(func, args)
    return d["count"]


if __name__ == "__main__":
    with mp.Manager() as m:  # starts the server process
        print("server:", [p.name for p in mp.active_children()])
        print(f"lock off: count = {run(m, None)} (expected 1500)")
        # m.Lock() is a proxy too, so it can travel through starmap.
        print(f"lock on:  count = {run(m, m.Lock())} (expected 1500)")
