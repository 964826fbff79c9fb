"""SharedMemory: a named block in /dev/shm that other processes attach by its name."""
import os
from multiprocessing import Process, shared_memory


def in_dev_shm(name):
    # On Linux each POSIX shared memory segment is a file in /dev/shm.
    return os.path.exists("/dev/shm/" + name.lstrip("/"))


def say_hello(name):
    shm = shared_memory.SharedMemory(name=name)  # attach by name: the same memory
    shm.buf[:5] = b"hello"
    shm.close()  # unmaps it in this process; the segment stays


def count(name, n):
    sl = shared_memory.ShareableList(name=name)
    for i in range(1, n + 1):
        sl[0] = i
    sl[1] = os.getpid()
    sl[2] = "writer was here"  # a str may not outgrow its first value's room
    sl.shm.close()


def run(target, *args):
    p = Process(target=target, args=args)
    p.start()
    p.join()


if __name__ == "__main__":
    # 1. Raw bytes.
    shm = shared_memory.SharedMemory(create=True, size=16)
    print("main: created", shm.name, "- in /dev/shm:", in_dev_shm(shm.name))
    run(say_hello, shm.name)
    print("main: the child wrote", bytes(shm.buf[:5]))
    shm.close()
    shm.unlink()  # remove the name: once, by one process
    print("main: after unlink() - in /dev/shm:", in_dev_shm(shm.name))

    # 2. A ShareableList: a fixed number of int, float, bool, str, bytes or None items.
    sl = shared_memory.ShareableList([0, 0, "created by main"])
    run(count, sl.shm.name, 5)
    print("main: sl =", list(sl))
    sl.shm.close()
    sl.shm.unlink()

    # 3. A leak: close() without unlink().
    leaked = shared_memory.SharedMemory(create=True, size=64)
    leaked.close()
    print("main: exits without unlinking", leaked.name, "- in /dev/shm:", in_dev_shm(leaked.name))
    print("main: the resource tracker will warn about 1 leaked segment and unlink it")
