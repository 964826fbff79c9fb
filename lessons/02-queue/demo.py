"""Queue: each worker puts its result; the parent gets them all."""
import multiprocessing as mp


def job(q):
    res = 0
    for i in range(1000):
        res += i + i**2 + i**3
    q.put(res)


if __name__ == "__main__":
    q = mp.Queue()
    workers = [mp.Process(target=job, args=(q,)) for _ in range(2)]
    for p in workers:
        p.start()
    # Get before join: a child does not exit until its queued data
    # is flushed to the pipe, so joining first can deadlock.
    results = [q.get() for _ in workers]
    for p in workers:
        p.join()
    print(sum(results))
