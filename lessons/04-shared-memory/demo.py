"""Shared memory: a Value and an Array every process maps."""
import multiprocessing as mp


def work(counter, progress, n, steps):
    for k in range(1, steps + 1):
        # += is a read and a write: hold the lock for both.
        with counter.get_lock():
            counter.value += 1
        progress[n] = k / steps


if __name__ == "__main__":
    counter = mp.Value("i", 0)  # 'i': a C int
    progress = mp.Array("d", 3)  # 'd': C doubles, one per worker
    workers = [
        mp.Process(target=work, args=(counter, progress, n, 10))
        for n in range(3)
    ]
    for p in workers:
        p.start()
    for p in workers:
        p.join()
    print("counter.value =", counter.value, "(expected 30)")
    print("progress[:] =", progress[:])
