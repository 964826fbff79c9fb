"""Process: each child is a real OS process with its own PID."""
import multiprocessing as mp
import os


def job(n, main_pid):
    total = sum(i * i for i in range(200_000))
    pid, ppid = os.getpid(), os.getppid()
    # fork and spawn: main starts the child itself. forkserver (the
    # Linux default from Python 3.14): a server process forks it.
    parent = "main" if ppid == main_pid else "not main: the forkserver"
    print(f"worker {n}: pid {pid}, ppid {ppid} ({parent}), sum {total}")
    # Exit codes of our own: 1 is what an uncaught exception gives,
    # so 1 here could not tell a crash from a chosen code.
    raise SystemExit(10 + n)


# The guard is required for spawn and forkserver
# (macOS since 3.8, Linux since 3.14).
if __name__ == "__main__":
    main_pid = os.getpid()
    print(f"main: pid {main_pid}, start method {mp.get_start_method()}")
    # args is a tuple: (n,) not (n)
    children = [mp.Process(target=job, args=(n, main_pid)) for n in range(2)]
    for p in children:
        p.start()
    for p in children:
        p.join()  # waits for the child; under fork and spawn also reaps it
        print(f"main: joined pid {p.pid}, exitcode {p.exitcode}")
