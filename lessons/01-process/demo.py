"""Process: each child is a real OS process with its own PID."""
import multiprocessing as mp
import os


def job(n):
    total = sum(i * i for i in range(200_000))
    pid, ppid = os.getpid(), os.getppid()
    print(f"worker {n}: pid {pid}, ppid {ppid}, job done ({total})")
    raise SystemExit(n)  # a distinct exit code per child


# The guard is required for spawn and forkserver
# (macOS since 3.8, Linux since 3.14).
if __name__ == "__main__":
    print(f"main: pid {os.getpid()}")
    # args is a tuple: (n,) not (n)
    children = [mp.Process(target=job, args=(n,)) for n in range(2)]
    for p in children:
        p.start()
    for p in children:
        p.join()  # waits for the child and reaps it: no zombie left
        print(f"main: joined pid {p.pid}, exitcode {p.exitcode}")
