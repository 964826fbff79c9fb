"""Lifecycle: a zombie, an orphan, and terminate()."""
import multiprocessing as mp
import os
import time

# fork, named on purpose: main is then the direct parent, and a finished
# child waits as a zombie until main reaps it. Under forkserver (the Linux
# default since 3.14) the forkserver is the parent and reaps each child at
# once: there would be no zombie to see (shown below).
ctx = mp.get_context("fork")


def state(pid):  # the state letter in /proc/<pid>/stat (Linux)
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0]


def orphan(ready, done):
    first = os.getppid()
    print(f"orphan: ppid before {first} (its parent)", flush=True)
    ready.set()
    while os.getppid() == first:  # until the parent is gone
        time.sleep(0.01)
    print(f"orphan: ppid after {os.getppid()} (its new parent)", flush=True)
    done.set()


def parent(ready, done):
    ctx.Process(target=orphan, args=(ready, done)).start()
    time.sleep(60)  # never ends by itself: main kills it


def reader(q):
    while True:  # an endless reader: it never returns
        print(f"reader: got {q.get()}", flush=True)
        q.task_done()


if __name__ == "__main__":
    z = ctx.Process(target=time.sleep, args=(0,))  # ends at once
    z.start()
    while state(z.pid) != "Z":  # finished, not yet reaped
        time.sleep(0.01)
    print(f"zombie: state {state(z.pid)} before join()", flush=True)
    z.join()  # reaps it: its /proc entry is gone
    gone = not os.path.exists(f"/proc/{z.pid}")
    print(f"zombie: reaped by join(): {gone}", flush=True)

    if "forkserver" in mp.get_all_start_methods():
        f = mp.get_context("forkserver").Process(target=time.sleep, args=(0,))
        f.start()
        for _ in range(500):  # the forkserver reaps it: /proc/<pid> goes
            if not os.path.exists(f"/proc/{f.pid}"):
                break
            time.sleep(0.01)
        gone = not os.path.exists(f"/proc/{f.pid}")
        print(f"forkserver: reaped before join(): {gone}", flush=True)
        f.join()  # still needed: it reads the exit code from the server

    ready, done = ctx.Event(), ctx.Event()
    p = ctx.Process(target=parent, args=(ready, done))
    p.start()
    ready.wait(5)
    print("main: SIGKILL to the parent, no cleanup runs", flush=True)
    p.kill()
    p.join()
    done.wait(5)  # the orphan's new parent reaps it, not main
    print(f"parent: exitcode {p.exitcode}", flush=True)

    q = ctx.JoinableQueue()
    r = ctx.Process(target=reader, args=(q,))
    r.start()
    for item in "ABC":  # main plays the writer
        q.put(item)
    q.join()  # until the reader has marked every item done
    r.terminate()  # SIGTERM
    r.join()
    print(f"reader: exitcode {r.exitcode}", flush=True)
