"""Shared memory: a Value and an Array every process maps."""
import ctypes
import multiprocessing as mp


def work(counter, progress, n, steps):
    for k in range(1, steps + 1):
        # += is a read and a write: hold the lock for both.
        with counter.get_lock():
            counter.value += 1
        progress[n] = k / steps


def store(cells, numbers):
    cells[:] = numbers  # written by a child, read by main


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

    # An older tutorial's numbers, in 'L' (C unsigned long: 8 bytes on
    # 64-bit Linux and macOS, 4 on Windows) and in 'I' (4 bytes
    # everywhere, as 'L' is on Windows). Too big for 4 bytes, they wrap
    # around silently: no error.
    big = [45645465456, 4565456465]
    for code, ctype in (("L", ctypes.c_ulong), ("I", ctypes.c_uint)):
        cells = mp.Array(code, 2)
        p = mp.Process(target=store, args=(cells, big))
        p.start()
        p.join()
        size = ctypes.sizeof(ctype)
        print(f"Array('{code}', {size} bytes each) holds {cells[:]}")
