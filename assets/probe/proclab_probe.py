"""proclab's probe: reports what a Python multiprocessing program does, as proclab's
events (JSON lines over a Unix socket), without changing what the program does.

Rules it keeps:
- It uses none of the things it watches for its own transport: no multiprocessing
  locks, queues or pipes; one plain socket per process.
- It never raises into the program: any failure switches it off in that process, with
  one line on stderr saying so.
- It reports at a bounded rate per kind of event (a burst, then a steady trickle), so a
  tight loop is not slowed down much by its own reporting.
- It writes nothing outside the private folder proclab made for it.
"""

import array
import json
import linecache
import os
import re
import reprlib
import socket
import stat
import struct
import sys
import threading
import time
import zlib

_DIR = os.environ.get("PROCLAB_PROBE_DIR", "")
_EVENTS = os.path.join(_DIR, "events.sock")
_OUTPUT = os.path.join(_DIR, "output.sock")

# Events per second per kind, after a burst: enough to watch, cheap enough to ignore.
_RATE = 200.0
_BURST = 100.0

_st = {
    "pid": None,
    "conn": None,
    # (st_dev, st_ino) of this process's socket: after a fork the child closes its copy
    # only if the descriptor is still that socket (the program may have reused it).
    "conn_id": None,
    "off": False,
    "lock": threading.Lock(),
    "buckets": {},
    # The newest write of each shared cell that the rate limit held back, reported at the
    # next chance or when the process ends, so the last value shown is the real one.
    "held": {},
    # Warnings not sent yet: (code, place) -> (count, newest message).
    "warnings": {},
    # Values and Array cells this process read and has not written since: key -> value.
    "reads": {},
    # The program's locks this process holds now.
    "locks_held": 0,
    "adopted": None,
}

_repr = reprlib.Repr()
_repr.maxstring = 24
_repr.maxother = 24
_repr.maxlist = 4
_repr.maxtuple = 4
_repr.maxdict = 3


def _now_us():
    # CLOCK_MONOTONIC, the clock proclab's own events use.
    return time.monotonic_ns() // 1000


def _switch_off(err):
    if _st["off"]:
        return
    _st["off"] = True
    try:
        sys.stderr.write(
            "proclab probe: switched off in pid %d: %r\n" % (os.getpid(), err)
        )
    except Exception:  # noqa: BLE001
        pass


def _high_fd(sock):
    """The same socket on a descriptor far above the program's own, so that the program
    numbers its files as it would without proclab (its first pipe is fd 3, not 4)."""
    import fcntl

    try:
        soft = resource_limit()
        floor = 512 if soft > 1024 else max(3, soft // 2)
        fd = fcntl.fcntl(sock.fileno(), fcntl.F_DUPFD_CLOEXEC, floor)
    except OSError:
        return sock
    moved = socket.socket(sock.family, sock.type, sock.proto, fileno=fd)
    moved.settimeout(sock.gettimeout())
    sock.close()
    return moved


def resource_limit():
    try:
        import resource

        return resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    except Exception:  # noqa: BLE001
        return 1024


def _connection():
    pid = os.getpid()
    if _st["pid"] != pid or _st["conn"] is None:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        # A stuck reader must not hang the program for ever: give up and switch off.
        s.settimeout(5.0)
        s.connect(_EVENTS)
        s = _high_fd(s)
        _st["conn"] = s
        _st["conn_id"] = _fd_id(s.fileno())
        _st["pid"] = pid
    return _st["conn"]


def _fd_id(fd):
    try:
        st = os.fstat(fd)
        return (st.st_dev, st.st_ino)
    except OSError:
        return None


def _budget(kind):
    """True if an event of this kind may be reported now (token bucket). On the hot path
    of every watched operation: one clock read and one list update."""
    now = time.monotonic()
    b = _st["buckets"].get(kind)
    if b is None:
        b = _st["buckets"][kind] = [_BURST, now]
    tokens = b[0] + (now - b[1]) * _RATE
    b[1] = now
    if tokens < 1.0:
        b[0] = tokens
        return False
    b[0] = min(_BURST, tokens) - 1.0
    return True


def emit(kind, body, pid=None):
    """Send one event about `pid` (this process by default)."""
    if _st["off"] or not _DIR:
        return
    if kind == "spawned" and pid is None:
        _note_alive()
        # The parent it announced: if the kernel later says another, it was orphaned.
        _st["ppid"] = body.get("ppid")
    try:
        line = json.dumps(
            {"t_us": _now_us(), "pid": pid or os.getpid(), "event": {kind: body}},
            ensure_ascii=False,
        )
        data = (line + "\n").encode("utf-8", "replace")
        with _st["lock"]:
            _connection().sendall(data)
    except Exception as e:  # noqa: BLE001
        _switch_off(e)


# The control block proclab writes (a file in the probe's folder, mapped): tempo_ms u32
# at 0, stepping u32 at 4, then gates of (pid i32, permits u32, waiting u32) from 8.
_GATES = 1024
_TEMPO_STEP = struct.Struct("<II")
_ctl = {"map": None, "gate": None, "lock": threading.Lock()}


def _control():
    m = _ctl["map"]
    if m is None:
        m = False
        try:
            import mmap

            fd = os.open(os.path.join(_DIR, "control"), os.O_RDWR | os.O_CLOEXEC)
            try:
                # The mapping outlives the descriptor: the program keeps its numbers.
                m = mmap.mmap(fd, 8 + 12 * _GATES)
            finally:
                os.close(fd)
        except Exception:  # noqa: BLE001
            pass
        _ctl["map"] = m
    return m or None


def _detailed():
    """True in step mode or at a tempo: then every operation is reported, reads too."""
    m = _ctl["map"]
    if m is None:
        m = _control()
    return bool(m) and _TEMPO_STEP.unpack_from(m, 0) != (0, 0)


def _my_gate(m):
    """This process's gate: its own, else a free one (or one of a process now gone),
    claimed under a file lock so two processes never take the same."""
    pid = os.getpid()
    mine = _ctl["gate"]
    if mine is not None and mine[0] == pid:
        return mine[1]
    import fcntl

    fd = os.open(os.path.join(_DIR, "control"), os.O_RDWR | os.O_CLOEXEC)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        found = None
        for i in range(_GATES):
            off = 8 + 12 * i
            owner = struct.unpack_from("<i", m, off)[0]
            if owner == pid:
                found = off
                break
            if found is None and (owner == 0 or not _alive(owner)):
                found = off
        if found is not None:
            struct.pack_into("<iII", m, found, pid, 0, 0)
    finally:
        os.close(fd)
    if found is not None:
        _ctl["gate"] = (pid, found)
    return found


def _alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except OSError:
        return True


def _gate(op, detail):
    """Before an operation of the program on what its processes share: at a tempo, wait
    the tempo; in step mode, say what comes next (`step_point`) and hold this process
    until proclab lets it go (the user's step), or step mode ends. `detail` is a
    function, called only then. Threads of one process take turns at its one gate."""
    m = _ctl["map"]
    if m is None:
        m = _control()
    if not m or _st["off"]:
        return
    tempo, stepping = _TEMPO_STEP.unpack_from(m, 0)
    if not stepping:
        if tempo:
            time.sleep(tempo / 1000.0)
        return
    try:
        with _ctl["lock"]:
            g = _my_gate(m)
            if g is None:
                return
            struct.pack_into("<I", m, g + 8, 1)
            emit("step_point", {"op": op, "detail": detail()})
            # A step comes at a person's pace: look often at first, then every 20 ms,
            # so a process held for minutes costs next to no CPU.
            pause = 0.001
            while True:
                if struct.unpack_from("<I", m, g + 4)[0]:
                    struct.pack_into("<I", m, g + 8, 0)
                    struct.pack_into("<I", m, g + 4, 0)
                    return
                if not struct.unpack_from("<I", m, 4)[0]:
                    struct.pack_into("<I", m, g + 8, 0)
                    return
                time.sleep(pause)
                pause = min(pause * 2, 0.02)
    except Exception as e:  # noqa: BLE001
        _switch_off(e)


def _leave_note(kind, value, content=""):
    """Tell proclab, through a file in the probe's folder, of something of the program's
    that must not outlive the run: a process (`pid`, with its start time so a reused PID
    is never taken for it), a shared memory segment (`shm`), a named semaphore (`sem`),
    a temp folder (`tmp`). If proclab itself is killed, its guard reads these to end the
    processes, also those that left the process group, and remove the rest."""
    if not _DIR:
        return
    try:
        path = os.path.join(_DIR, "note-%s-%s" % (kind, value.encode().hex()))
        with open(path, "w") as f:
            f.write(content)
    except Exception:  # noqa: BLE001
        pass


def _note_alive():
    pid = os.getpid()
    if _st.get("noted") == pid:
        return
    _st["noted"] = pid
    try:
        with open("/proc/self/stat") as f:
            # The start time, field 22, counted after the command's closing parenthesis.
            start = f.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        start = ""
    _leave_note("pid", str(pid), start)


def _preview(obj):
    try:
        return _repr.repr(obj)[:48]
    except Exception:  # noqa: BLE001
        return "<%s>" % type(obj).__name__


def _scalar(v):
    if isinstance(v, bool):
        return None
    if isinstance(v, int) and -(2**63) <= v < 2**63:
        return {"i64": v}
    if isinstance(v, float):
        return {"f64": v}
    return None


def _after_fork_in_child():
    # The parent's connection and lock are not ours: start afresh.
    _st["lock"] = threading.Lock()
    _ctl["lock"] = threading.Lock()
    conn = _st["conn"]
    _st["conn"] = None
    _st["pid"] = None
    _st["buckets"] = {}
    _st["held"] = {}
    _st["warnings"] = {}
    _st["reads"] = {}
    _st["locks_held"] = 0
    if conn is not None:
        try:
            # The child's copy of the parent's socket: closed, so that every generation
            # of forks holds no more descriptors than it would without proclab; left
            # alone if the program has since put something else on that number.
            if _fd_id(conn.fileno()) == _st["conn_id"]:
                conn.close()
            else:
                conn.detach()
        except Exception:  # noqa: BLE001
            pass
    # Any fork, os.fork() included, is a new process: announce it at once (a
    # multiprocessing Process then gives it its name).
    try:
        _adopt_output()
        emit(
            "spawned",
            {
                "ppid": os.getppid(),
                "role": "worker",
                "label": "fork()",
                "start_method": "fork",
            },
        )
    except Exception as e:  # noqa: BLE001
        _switch_off(e)


def _flush_held():
    held = _st["held"]
    _st["held"] = {}
    for body in held.values():
        emit("shared_write", body)
    _flush_warnings()


def _warn(code, message, where=None):
    """A classic mistake, seen as it happens. Sent at the rate the budget allows; what
    happened in between is counted (per code and place) in the next one sent, or at the
    process's end, so the counts are exact."""
    k = (code, where)
    pending = _st["warnings"]
    n, _ = pending.get(k, (0, None))
    pending[k] = (n + 1, message)
    if _budget("warning"):
        del pending[k]
        emit("warning", {"code": code, "message": message, "count": n + 1})


def _flush_warnings():
    pending = _st["warnings"]
    _st["warnings"] = {}
    for (code, _), (n, message) in pending.items():
        emit("warning", {"code": code, "message": message, "count": n})


def _install_warnings():
    """The classic mistakes: no main guard under spawn/forkserver, join() before get()
    on a child whose queue data is stuck in the pipe, results asked of a terminated pool
    or work given to a closed one, and what pickle cannot send. (`value-race` is seen by
    the Value and Array hooks.)"""
    from multiprocessing import pool, process, queues, reduction, spawn

    orig_check = spawn._check_not_importing_main

    def check_not_importing_main():
        if getattr(process.current_process(), "_inheriting", False):
            _warn(
                "no-main-guard",
                "this child re-ran the main module and it started a process while being "
                "imported: under spawn and forkserver every child imports the main module, "
                "so the code that starts processes must be under "
                "`if __name__ == '__main__':`",
            )
            _flush_warnings()
        return orig_check()

    spawn._check_not_importing_main = check_not_importing_main

    # join-before-get: the parent notes which child it is joining; a child whose queue
    # feeder still cannot hand its data to the pipe a second into its exit, while its
    # parent waits for it, will never end.
    orig_join = process.BaseProcess.join

    def join(self, timeout=None):
        mark = None
        pid = getattr(self, "pid", None)
        # A join that will wait says so (the timeline draws it blocked); the child's exit
        # ends it. A join with a timeout may return with the child alive: not reported.
        if pid and timeout is None:
            try:
                if self.is_alive():
                    emit("join_wait", {"child": pid})
            except Exception:  # noqa: BLE001
                pass
        if pid and _DIR:
            mark = os.path.join(_DIR, "joining-%d" % pid)
            try:
                open(mark, "w").close()
            except OSError:
                mark = None
        try:
            return orig_join(self, timeout)
        finally:
            if mark:
                try:
                    os.unlink(mark)
                except OSError:
                    pass

    process.BaseProcess.join = join
    orig_finalize_join = queues.Queue._finalize_join

    def _finalize_join(twr):
        thread = twr()
        if thread is not None and thread.is_alive():
            thread.join(1.0)
            if thread.is_alive() and os.path.exists(
                os.path.join(_DIR, "joining-%d" % os.getpid())
            ):
                _warn(
                    "join-before-get",
                    "cannot end: what it put on a queue is still in the pipe, and its "
                    "parent waits in join() instead of taking it: get() the results "
                    "before join()",
                )
                _flush_warnings()
        return orig_finalize_join(twr)

    queues.Queue._finalize_join = staticmethod(_finalize_join)

    # pool-after-close
    def terminated(result):
        p = getattr(result, "_pool", None)
        return p is not None and getattr(p, "_state", None) == pool.TERMINATE

    def said_never(result):
        _warn(
            "pool-after-close",
            "waits for a result of a pool that was terminated (leaving its `with` block "
            "terminates it): that result never comes; collect results inside the block",
        )
        _flush_warnings()

    orig_wait = pool.ApplyResult.wait

    def wait(self, timeout=None):
        if not self.ready() and terminated(self):
            said_never(self)
        return orig_wait(self, timeout)

    pool.ApplyResult.wait = wait
    orig_next = pool.IMapIterator.next

    def next_(self, timeout=None):
        if terminated(self):
            said_never(self)
        return orig_next(self, timeout)

    pool.IMapIterator.next = next_
    pool.IMapIterator.__next__ = next_
    orig_check_running = pool.Pool._check_running

    def _check_running(self):
        if getattr(self, "_state", None) != pool.RUN:
            _warn(
                "pool-after-close",
                "work was given to a pool after close() or after its `with` block ended: "
                "the pool no longer takes work",
            )
            _flush_warnings()
        return orig_check_running(self)

    pool.Pool._check_running = _check_running

    # unpicklable
    fp = reduction.ForkingPickler
    orig_dumps = fp.dumps.__func__
    orig_dump = reduction.dump

    def cannot_pickle(e):
        import pickle

        if isinstance(e, (pickle.PicklingError, AttributeError, TypeError)) and "pickle" in str(e):
            _warn(
                "unpicklable",
                "%s: only what pickle can copy goes to another process (not a lambda, a "
                "function defined inside another function, a lock or an open file); "
                "define the function at module level" % e,
                str(e)[:80],
            )
            _flush_warnings()

    def dumps(cls, obj, protocol=None):
        try:
            return orig_dumps(cls, obj, protocol)
        except Exception as e:  # noqa: BLE001
            cannot_pickle(e)
            raise

    def dump(obj, file, protocol=None):
        try:
            return orig_dump(obj, file, protocol)
        except Exception as e:  # noqa: BLE001
            cannot_pickle(e)
            raise

    fp.dumps = classmethod(dumps)
    reduction.dump = dump


def _pipe_mark(ino):
    return os.path.join(_DIR, "pipe-%d" % ino)


def _mark_pipes(fds):
    """Remember these descriptors' pipes as proclab's own output pipes."""
    for fd in fds:
        try:
            st = os.fstat(fd)
            if stat.S_ISFIFO(st.st_mode):
                with open(_pipe_mark(st.st_ino), "x"):
                    pass
        except OSError:
            pass


def _is_ours(fd):
    """True if `fd` is one of proclab's output pipes: the main process's, or one a process
    of this program was given. A descriptor the program pointed elsewhere (a file, a pipe
    of its own, /dev/null) or closed is the program's business and is left alone."""
    try:
        st = os.fstat(fd)
    except OSError:
        return False
    return stat.S_ISFIFO(st.st_mode) and os.path.exists(_pipe_mark(st.st_ino))


def _adopt_output():
    """Give this process its own stdout/stderr pipes and hand their read ends to proclab,
    which then knows which process printed each line. Only a descriptor that still goes
    to proclab is replaced, so a program that sends its children's output to a file (or
    closed it) gets exactly what it would get without proclab."""
    if _st["adopted"] == os.getpid():
        return
    _st["adopted"] = os.getpid()
    targets = [fd for fd in (1, 2) if _is_ours(fd)]
    if not targets:
        return
    pipes = [os.pipe() for _ in targets]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        s.settimeout(5.0)
        s.connect(_OUTPUT)
        fds = array.array("i", [r for r, _ in pipes]).tobytes()
        # Which streams follow: bit 0 stdout, bit 1 stderr.
        mask = sum(1 << (fd - 1) for fd in targets)
        s.sendmsg(
            [struct.pack("<iB", os.getpid(), mask)],
            [(socket.SOL_SOCKET, socket.SCM_RIGHTS, fds)],
        )
    finally:
        s.close()
        for r, _ in pipes:
            os.close(r)
    # What a forked child inherited in its buffers is its own output now: it is left
    # there, to reach this process's new pipes when the child flushes (as it would reach
    # the terminal twice without proclab).
    _mark_pipes([w for _, w in pipes])
    for fd, (_, w) in zip(targets, pipes):
        if w != fd:
            os.dup2(w, fd)
            os.close(w)


def _line_buffered_output():
    """proclab reads the program's output through pipes, which Python would buffer in
    blocks: lines would show late and all at once. At a terminal Python buffers by line,
    and so it does here, in every process whose stdout/stderr still goes to proclab: each
    line shows as it is printed, and text without a newline stays in the buffer as it
    would (a fork then copies it, as at a terminal). A program that set its own buffering
    (-u, PYTHONUNBUFFERED, a stream of its own) keeps it."""
    for fd, name in ((1, "stdout"), (2, "stderr")):
        stream = getattr(sys, name, None)
        try:
            if (
                stream is not None
                and stream.fileno() == fd
                and not stream.line_buffering
                and not stream.write_through
                and _is_ours(fd)
            ):
                stream.reconfigure(line_buffering=True)
        except Exception:  # noqa: BLE001
            pass


def _cmdline():
    try:
        with open("/proc/self/cmdline", "rb") as f:
            return f.read().decode("utf-8", "replace")
    except OSError:
        return " ".join(sys.argv)


def _role_of(name):
    if "PoolWorker" in name:
        return "pool_worker"
    if "Manager" in name:
        return "server"
    return "worker"


def _install_process_hooks():
    from multiprocessing import process

    orig_bootstrap = process.BaseProcess._bootstrap

    def _bootstrap(self, *args, **kwargs):
        began = _now_us()
        try:
            _adopt_output()
            import multiprocessing

            method = (
                getattr(type(self), "_start_method", None)
                or multiprocessing.get_start_method(allow_none=True)
                or "fork"
            )
            emit(
                "spawned",
                {
                    "ppid": os.getppid(),
                    "role": _role_of(self.name),
                    "label": self.name,
                    "start_method": method,
                },
            )
            _started(self, began)
        except Exception as e:  # noqa: BLE001
            _switch_off(e)
        try:
            return orig_bootstrap(self, *args, **kwargs)
        finally:
            _flush_held()
            _orphaned()

    process.BaseProcess._bootstrap = _bootstrap

    orig_start = process.BaseProcess.start

    def start(self):
        # When the parent asked for the child, for the child's time to start: kept in a
        # file of the probe's folder that the child reads, so nothing of the program's
        # (the Process object, what spawn pickles) changes.
        mark = None
        try:
            t0 = _now_us()
            if _DIR and not _st["off"]:
                mark = _start_mark(os.getpid(), self._identity)
                with open(mark, "w") as f:
                    f.write(str(t0))
        except Exception:  # noqa: BLE001
            mark = None
        try:
            return orig_start(self)
        except BaseException:
            if mark:
                try:
                    os.unlink(mark)
                except OSError:
                    pass
            raise

    process.BaseProcess.start = start

    # Every child is reaped with os.waitpid() by its parent (join(), is_alive(), or the
    # forkserver for its children; os.fork() users call it themselves): report its end.
    orig_waitpid = os.waitpid

    def waitpid(pid, options):
        got, status = orig_waitpid(pid, options)
        if got > 0:
            try:
                if os.WIFSIGNALED(status):
                    st = {"signal": os.WTERMSIG(status)}
                elif os.WIFEXITED(status):
                    st = {"code": os.WEXITSTATUS(status)}
                else:
                    st = None
                if st is not None:
                    emit("exited", {"status": st}, pid=got)
            except Exception:  # noqa: BLE001
                pass
        return got, status

    os.waitpid = waitpid


def _start_mark(parent, identity):
    return os.path.join(_DIR, "start-%d-%s" % (parent, ".".join(map(str, identity))))


def _started(proc, began):
    """A Process child reached its own code: how long after its parent's start() (the
    parent's mark), whatever the start method (fork, spawn, forkserver)."""
    try:
        mark = _start_mark(proc._parent_pid, proc._identity)
        with open(mark) as f:
            t0 = int(f.read())
        os.unlink(mark)
    except (OSError, ValueError, AttributeError):
        return
    if began >= t0:
        emit("process_started", {"latency_us": began - t0})


def _orphaned():
    """At a child's end: its parent, as the kernel says now. One that is not the parent
    it announced was orphaned, and re-parented to the nearest subreaper (or init)."""
    before = _st.get("ppid")
    try:
        now = os.getppid()
    except OSError:
        return
    if before and now != before:
        _st["ppid"] = now
        emit(
            "outcome",
            {"orphan": {"pid": os.getpid(), "ppid_before": before, "ppid_after": now}},
        )


def _queue_id(q):
    try:
        return os.fstat(q._reader.fileno()).st_ino & 0xFFFFFFFF
    except Exception:  # noqa: BLE001
        return 0


def _qsize(q):
    try:
        return q.qsize()
    except Exception:  # noqa: BLE001
        return -1


def _put_body(q, obj, coming):
    size = _qsize(q)
    return {
        "queue": _queue_id(q),
        "item": _preview(obj),
        "seq": 0,
        "size": size + coming if size >= 0 else size,
    }


def _program_frame(depth=2):
    """The frame of the program's own code that is calling into multiprocessing now."""
    f = sys._getframe(depth)
    while f is not None:
        name = f.f_globals.get("__name__", "")
        if name.startswith("multiprocessing") or name == __name__:
            f = f.f_back
            continue
        return f
    return None


_ASSIGNED = re.compile(r"\s*([A-Za-z_][\w.]*(?:\s*,\s*[A-Za-z_][\w.]*)*)\s*=(?!=)")
_MADE_AT = {}


def _names_at(f, kind, n=1):
    """What the program calls the n objects one line makes: the names it assigns them
    ('lock = mp.Lock()' -> ['lock']), else where they were made ('lock@prog.py:12'). A
    line that makes several in turn (a list comprehension) numbers them."""
    try:
        where = (f.f_code.co_filename, f.f_lineno)
        count = _MADE_AT.get(where, 0) + 1
        _MADE_AT[where] = count
        m = _ASSIGNED.match(linecache.getline(where[0], where[1]))
        if m:
            names = [x.strip() for x in m.group(1).split(",")]
        else:
            base = "%s@%s:%d" % (kind, os.path.basename(where[0]), where[1])
            names = [base] if n == 1 else ["%s.%d" % (base, i) for i in range(n)]
        if len(names) != n:
            names = [names[0]] * n
        if count > 1:
            names = ["%s#%d" % (x, count) for x in names]
        return names
    except Exception:  # noqa: BLE001
        return [kind] * n


def _lock_id(lock):
    """The id a lock's events carry: under spawn and forkserver its semaphore's name, the
    same in every process; under fork it has none, but the same address everywhere."""
    name = getattr(lock._semlock, "name", None) or ""
    return zlib.crc32(name.encode()) if name else id(lock._semlock) & 0xFFFFFFFF


def _made_by_program():
    """True when the object being made now is the program's own: the first caller outside
    multiprocessing (and this probe) is not concurrent.futures, whose executors make their
    own queues and locks to do their work."""
    f = sys._getframe(2)
    while f is not None:
        name = f.f_globals.get("__name__", "")
        if name.startswith("multiprocessing") or name == __name__:
            f = f.f_back
            continue
        return not name.startswith("concurrent.")
    return False


def _install_queue_hooks():
    from multiprocessing import queues

    orig_init = queues.Queue.__init__

    def __init__(self, *args, **kwargs):
        orig_init(self, *args, **kwargs)
        try:
            if _made_by_program():
                self._proclab_watched = True
                f = _program_frame()
                if isinstance(self, queues.JoinableQueue) and f is not None:
                    name = _names_at(f, "queue")[0]
                    emit("named", {"kind": "joinable_queue", "id": _queue_id(self), "name": name})
        except Exception:  # noqa: BLE001
            pass

    queues.Queue.__init__ = __init__

    # A watched queue handed to a spawn or forkserver child stays watched there.
    _carry_marks(queues.Queue, queues.Queue.__getstate__, queues.Queue.__setstate__)

    for cls in (queues.Queue, queues.JoinableQueue):
        orig_put = cls.put
        orig_get = cls.get

        def put(self, obj, block=True, timeout=None, _orig=orig_put):
            if not getattr(self, "_proclab_watched", False):
                return _orig(self, obj, block, timeout)
            _gate("put", lambda: "put %s on the queue" % _preview(obj))
            report = _budget("queue")
            full = False
            if report:
                try:
                    full = self.full()
                except Exception:  # noqa: BLE001
                    pass
                if full:
                    emit("queue_blocked", {"queue": _queue_id(self), "op": "put"})
                else:
                    # Reported before the item goes in, so its get is never seen first.
                    emit("queue_put", _put_body(self, obj, 1))
            result = _orig(self, obj, block, timeout)
            if report and full:
                emit("queue_put", _put_body(self, obj, 0))
            return result

        def get(self, block=True, timeout=None, _orig=orig_get):
            if not getattr(self, "_proclab_watched", False):
                return _orig(self, block, timeout)
            _gate("get", lambda: "get from the queue")
            if block and not _st["off"]:
                try:
                    # Nothing put and not yet taken: this get waits for a put. (Counted
                    # by the queue's semaphore, a cheap read: empty() would poll the pipe,
                    # a system call per get that costs the program a third of its speed.)
                    if _qsize(self) == 0 and _budget("queue"):
                        emit("queue_blocked", {"queue": _queue_id(self), "op": "get"})
                except Exception:  # noqa: BLE001
                    pass
            obj = _orig(self, block, timeout)
            if _budget("queue"):
                emit(
                    "queue_get",
                    {
                        "queue": _queue_id(self),
                        "item": _preview(obj),
                        "seq": 0,
                        "producer": 0,
                        "size": _qsize(self),
                    },
                )
            return obj

        if "put" in cls.__dict__:
            cls.put = put
        if "get" in cls.__dict__:
            cls.get = get


def _install_lock_hooks():
    from multiprocessing import context, synchronize

    orig_make = synchronize.SemLock._make_methods
    orig_semlock_init = synchronize.SemLock.__init__

    def semlock_init(self, *args, **kwargs):
        orig_semlock_init(self, *args, **kwargs)
        # Under spawn and forkserver a semaphore has a name (/dev/shm/sem.mp-...) until
        # the program's cleanup unlinks it: proclab removes it if the program is killed.
        name = getattr(self._semlock, "name", None)
        if name:
            _leave_note("sem", name.lstrip("/"))

    synchronize.SemLock.__init__ = semlock_init

    from multiprocessing import util

    orig_temp_dir = util.get_temp_dir

    def get_temp_dir():
        path = orig_temp_dir()
        if _st.get("temp_dir") != path:
            _st["temp_dir"] = path
            _leave_note("tmp", path)
        return path

    util.get_temp_dir = get_temp_dir

    # The resource tracker and the fork server are exec'd by the process that needs them,
    # which says so at once: the new interpreter takes a moment to start, and by then
    # its parent may have ended (getppid() would name proclab, which adopted it).
    orig_spawnv = util.spawnv_passfds

    def spawnv_passfds(path, args, passfds):
        pid = orig_spawnv(path, args, passfds)
        try:
            text = " ".join(str(a) for a in args)
            label = (
                "resource_tracker"
                if "multiprocessing.resource_tracker" in text
                else "forkserver"
                if "multiprocessing.forkserver" in text
                else None
            )
            if label and pid > 0:
                emit(
                    "spawned",
                    {"ppid": os.getpid(), "role": "server", "label": label, "start_method": "exec"},
                    pid=pid,
                )
        except Exception:  # noqa: BLE001
            pass
        return pid

    util.spawnv_passfds = spawnv_passfds

    def watching(orig):
        def make(self, *args, **kwargs):
            lock = orig(self, *args, **kwargs)
            # Only the program's own locks: multiprocessing makes many for itself (every
            # Queue has two, every Value an RLock), and they would drown the program's.
            try:
                caller = sys._getframe(1).f_globals.get("__name__", "")
                if not caller.startswith("multiprocessing"):
                    lock._proclab_watched = True
                    lock._make_methods()
                    f = _program_frame()
                    rlock = type(lock).__name__ == "RLock"
                    if f is not None:
                        emit(
                            "named",
                            {
                                "kind": "r_lock" if rlock else "lock",
                                "id": _lock_id(lock),
                                "name": _names_at(f, "lock")[0],
                            },
                        )
            except Exception:  # noqa: BLE001
                pass
            return lock

        return make

    context.BaseContext.Lock = watching(context.BaseContext.Lock)
    context.BaseContext.RLock = watching(context.BaseContext.RLock)
    # `multiprocessing.Lock` and `RLock` were bound to the default context when the
    # package loaded.
    import multiprocessing

    multiprocessing.Lock = context._default_context.Lock
    multiprocessing.RLock = context._default_context.RLock

    def _make_methods(self):
        orig_make(self)
        tag = getattr(self, "_proclab_sync", None)
        if tag is not None:
            _watch_semaphore(self, tag)
            return
        if type(self) not in (synchronize.Lock, synchronize.RLock) or not getattr(
            self, "_proclab_watched", False
        ):
            return
        raw_acquire = self._semlock.acquire
        raw_release = self._semlock.release
        lock_id = _lock_id(self)
        report = [False]

        def acquire(block=True, timeout=None):
            # An RLock taken again by its owner: not an acquisition others see.
            if type(self) is synchronize.RLock and self._semlock._is_mine():
                return raw_acquire(block, timeout)
            _gate("acquire", lambda: "acquire the lock")
            # One decision per acquire, so a reported acquire has its reported release.
            report[0] = _budget("lock")
            if raw_acquire(False):
                waited = 0
            else:
                if not block:
                    return False
                if report[0]:
                    emit("lock_wait", {"lock": lock_id})
                t0 = _now_us()
                if not raw_acquire(True, timeout):
                    # A timed acquire gave up: it waits no more (a deadlock it broke).
                    if report[0]:
                        emit("sync_done", {"kind": "lock", "id": lock_id, "ok": False})
                    return False
                waited = _now_us() - t0
            _st["locks_held"] += 1
            if report[0]:
                emit("lock_acquired", {"lock": lock_id, "waited_us": waited})
            return True

        def release():
            _gate("release", lambda: "release the lock")
            # An RLock's inner release of a nested acquire is not the one others see.
            outer = type(self) is synchronize.Lock or self._semlock._count() == 1
            if outer:
                _st["locks_held"] = max(0, _st["locks_held"] - 1)
            if report[0] and outer:
                emit("lock_released", {"lock": lock_id})
            raw_release()

        self.acquire = acquire
        self.release = release

    synchronize.SemLock._make_methods = _make_methods
    # `with lock:` calls SemLock.__enter__, which goes straight to the C lock.
    for cls in (synchronize.Lock, synchronize.RLock, synchronize.Semaphore, synchronize.BoundedSemaphore):
        cls.__enter__ = lambda self: self.acquire()
        cls.__exit__ = lambda self, *exc: self.release()

    # A watched lock passed to a spawn or forkserver child stays watched there.
    orig_getstate = synchronize.SemLock.__getstate__
    orig_setstate = synchronize.SemLock.__setstate__

    for cls in (synchronize.Lock, synchronize.RLock, synchronize.Semaphore, synchronize.BoundedSemaphore):
        _carry_marks(cls, orig_getstate, orig_setstate)


def _carry_marks(cls, orig_getstate, orig_setstate):
    """A spawn or forkserver child's copy of an object the probe marked (watched, its
    synchronisation id) is marked too. The marks travel beside the pickle, in a file of
    the probe's folder named after the object's semaphore, never in it: the pickled
    state is exactly the program's own, so a process without the probe (another
    interpreter, `python -S`, a cleared PYTHONPATH) unpickles it as it would anyway."""

    def __getstate__(self):
        state = orig_getstate(self)
        try:
            marks = {}
            if getattr(self, "_proclab_watched", False):
                marks["watched"] = True
            tag = getattr(self, "_proclab_sync", None)
            if tag is not None:
                marks["sync"] = list(tag)
            if marks:
                _marks_put(_mark_key(self), marks)
        except Exception:  # noqa: BLE001
            pass
        return state

    def __setstate__(self, state):
        # A SemLock's state names its semaphore, and its methods are made while the
        # state is set: its marks must be in place before.
        early = isinstance(state, tuple) and len(state) == 4 and isinstance(state[3], str)
        if early:
            _apply_marks(self, _marks_get("sem" + state[3]))
        orig_setstate(self, state)
        if not early:
            _apply_marks(self, _marks_get(_mark_key(self)))

    cls.__getstate__ = __getstate__
    cls.__setstate__ = __setstate__


def _apply_marks(obj, marks):
    if not marks:
        return
    if marks.get("watched"):
        obj._proclab_watched = True
    if "sync" in marks:
        obj._proclab_sync = tuple(marks["sync"])


# Where the semaphore that names an object lives: a Lock/Semaphore's own, a Queue's
# read lock, a Condition's sleeper count, a Barrier's condition's. The kind keeps the
# object's marks apart from those of the semaphores inside it.
_KEY_PATHS = (
    ("sem", ("_semlock",)),
    ("queue", ("_rlock", "_semlock")),
    ("cond", ("_sleeping_count", "_semlock")),
    ("barrier", ("_cond", "_sleeping_count", "_semlock")),
)


def _mark_key(obj):
    for kind, path in _KEY_PATHS:
        o = obj
        try:
            for attr in path:
                o = getattr(o, attr)
        except AttributeError:
            continue
        name = getattr(o, "name", None)
        if name:
            return kind + name
    return None


def _mark_file(key):
    return os.path.join(_DIR, "mark-" + key.replace("/", "-"))


def _marks_put(key, marks):
    if key is None:
        return
    with open(_mark_file(key), "w") as f:
        f.write(json.dumps(marks))


def _marks_get(key):
    if key is None:
        return None
    try:
        with open(_mark_file(key)) as f:
            return json.loads(f.read())
    except (OSError, ValueError):
        return None


def _sem_id(sem):
    """The id of a semaphore: its name under spawn and forkserver (the same in every
    process), else its address (the same in every forked process)."""
    name = getattr(sem, "name", None) or ""
    return zlib.crc32(name.encode()) if name else id(sem) & 0xFFFFFFFF


def _sync(kind, tag, **extra):
    body = {"kind": tag[0], "id": tag[1]}
    body.update(extra)
    emit(kind, body)


def _acted(tag, action):
    if _budget("sync"):
        _sync("sync_action", tag, action=action)


def _watch_semaphore(sem, tag):
    """A program's Semaphore: blocking acquires are waits, releases are actions."""
    raw_acquire = sem._semlock.acquire
    raw_release = sem._semlock.release

    def acquire(block=True, timeout=None):
        _gate("wait", lambda: "acquire the %s" % tag[0])
        if raw_acquire(False):
            # Taken at once: no wait, but who holds a slot is what the pane shows.
            _acted(tag, "acquire")
            return True
        if not block:
            return False
        _sync("sync_wait", tag)
        ok = raw_acquire(True, timeout)
        _sync("sync_done", tag, ok=bool(ok))
        return ok

    def release():
        _acted(tag, "release")
        raw_release()

    sem.acquire = acquire
    sem.release = release


def _install_sync_hooks():
    """The program's own Events, Semaphores, Barriers and Conditions, and its
    JoinableQueues' join(): who waits on what, and who sets, releases or notifies."""
    import multiprocessing
    from multiprocessing import context, queues, synchronize

    def making(kind, id_of):
        def wrap(orig):
            def make(self, *args, **kwargs):
                obj = orig(self, *args, **kwargs)
                try:
                    caller = sys._getframe(1).f_globals.get("__name__", "")
                    if not caller.startswith(("multiprocessing", "concurrent.")):
                        obj._proclab_sync = (kind, id_of(obj))
                        if hasattr(obj, "_make_methods"):
                            obj._make_methods()
                        f = _program_frame()
                        if f is not None:
                            emit(
                                "named",
                                {"kind": kind, "id": obj._proclab_sync[1], "name": _names_at(f, kind)[0]},
                            )
                except Exception:  # noqa: BLE001
                    pass
                return obj

            return make

        return wrap

    made = {
        "Event": ("event", lambda e: _sem_id(e._flag._semlock)),
        "Semaphore": ("semaphore", lambda s: _sem_id(s._semlock)),
        "BoundedSemaphore": ("semaphore", lambda s: _sem_id(s._semlock)),
        "Condition": ("condition", lambda c: _sem_id(c._sleeping_count._semlock)),
        "Barrier": ("barrier", lambda b: _sem_id(b._cond._sleeping_count._semlock)),
    }
    for name, (kind, id_of) in made.items():
        setattr(context.BaseContext, name, making(kind, id_of)(getattr(context.BaseContext, name)))
        # Bound to the default context when the package loaded.
        setattr(multiprocessing, name, getattr(context._default_context, name))

    ev = synchronize.Event
    ev_wait, ev_set, ev_clear = ev.wait, ev.set, ev.clear

    def wait(self, timeout=None):
        tag = getattr(self, "_proclab_sync", None)
        if tag is None:
            return ev_wait(self, timeout)
        _gate("wait", lambda: "wait on the event")
        if self.is_set():
            return ev_wait(self, timeout)
        _sync("sync_wait", tag)
        r = ev_wait(self, timeout)
        _sync("sync_done", tag, ok=bool(r))
        return r

    def set_(self):
        tag = getattr(self, "_proclab_sync", None)
        if tag is not None:
            _acted(tag, "set")
        return ev_set(self)

    def clear(self):
        tag = getattr(self, "_proclab_sync", None)
        if tag is not None:
            _acted(tag, "clear")
        return ev_clear(self)

    ev.wait, ev.set, ev.clear = wait, set_, clear

    cond = synchronize.Condition
    c_wait, c_notify, c_notify_all = cond.wait, cond.notify, cond.notify_all

    def cond_wait(self, timeout=None):
        tag = getattr(self, "_proclab_sync", None)
        if tag is None:
            return c_wait(self, timeout)
        _gate("wait", lambda: "wait on the condition")
        _sync("sync_wait", tag)
        r = c_wait(self, timeout)
        _sync("sync_done", tag, ok=bool(r))
        return r

    inner = threading.local()

    def notify(self, n=1):
        tag = getattr(self, "_proclab_sync", None)
        # notify_all() calls notify(): one report for it.
        if tag is not None and not getattr(inner, "all", False):
            _acted(tag, "notify")
        return c_notify(self, n)

    def notify_all(self):
        tag = getattr(self, "_proclab_sync", None)
        if tag is not None:
            _acted(tag, "notify_all")
        inner.all = True
        try:
            return c_notify_all(self)
        finally:
            inner.all = False

    cond.wait, cond.notify, cond.notify_all = cond_wait, notify, notify_all
    _carry_marks(cond, cond.__getstate__, cond.__setstate__)

    bar = synchronize.Barrier
    b_wait = bar.wait

    def barrier_wait(self, timeout=None):
        tag = getattr(self, "_proclab_sync", None)
        if tag is None:
            return b_wait(self, timeout)
        _gate("wait", lambda: "wait at the barrier")
        _sync("sync_wait", tag)
        try:
            r = b_wait(self, timeout)
        except BaseException:
            _sync("sync_done", tag, ok=False)
            raise
        _sync("sync_done", tag, ok=True)
        return r

    bar.wait = barrier_wait
    _carry_marks(bar, bar.__getstate__, bar.__setstate__)

    jq = queues.JoinableQueue
    jq_join, jq_done = jq.join, jq.task_done

    def join(self):
        if not getattr(self, "_proclab_watched", False):
            return jq_join(self)
        tag = ("joinable_queue", _queue_id(self))
        _sync("sync_wait", tag)
        r = jq_join(self)
        _sync("sync_done", tag, ok=True)
        return r

    def task_done(self):
        if getattr(self, "_proclab_watched", False):
            _acted(("joinable_queue", _queue_id(self)), "task_done")
        return jq_done(self)

    jq.join, jq.task_done = join, task_done


def _install_pipe_hooks():
    """The program's own Pipe() ends: each send and recv, by the names the program gave
    them (multiprocessing's own connections, a Manager's or a Pool's, are not reported)."""
    from multiprocessing import connection, reduction

    orig_pipe = connection.Pipe

    def Pipe(duplex=True):
        a, b = orig_pipe(duplex)
        try:
            # The program's Pipe(): called by it, or by multiprocessing.Pipe for it; a
            # Queue's or a Pool's own pipes are theirs.
            f = sys._getframe(1)
            if f.f_globals.get("__name__") == "multiprocessing.context":
                f = f.f_back
            caller = f.f_globals.get("__name__", "") if f is not None else ""
            if f is not None and not caller.startswith(("multiprocessing", "concurrent.")):
                a._proclab_name, b._proclab_name = _names_at(f, "conn", 2)
        except Exception:  # noqa: BLE001
            pass
        return a, b

    connection.Pipe = Pipe
    base = connection._ConnectionBase
    orig_send = base.send
    orig_recv = base.recv

    def send(self, obj):
        name = getattr(self, "_proclab_name", None)
        if name is not None:
            _gate("send", lambda: "send %s on %s" % (_preview(obj), name))
        # Reported before the bytes go in, so a receive is never seen first.
        if name is not None and _budget("pipe"):
            emit("pipe_send", {"conn": name, "item": _preview(obj)})
        return orig_send(self, obj)

    def recv(self):
        name = getattr(self, "_proclab_name", None)
        if name is None:
            return orig_recv(self)
        _gate("recv", lambda: "recv on %s" % name)
        # Nothing to read yet: say it waits, and always report the recv that ends it.
        waited = False
        try:
            waited = not self.poll()
        except Exception:  # noqa: BLE001
            pass
        if waited:
            emit("recv_wait", {"conn": name})
        try:
            obj = orig_recv(self)
        except EOFError:
            emit("pipe_recv", {"conn": name, "item": None})
            raise
        if waited or _budget("pipe"):
            emit("pipe_recv", {"conn": name, "item": _preview(obj)})
        return obj

    base.send = send
    base.recv = recv
    # A named end handed to a spawn or forkserver child keeps its name there. The name
    # travels beside the pickle, keyed by the end's pipe or socket (the same inode in
    # every process): the pickle still says multiprocessing's own rebuild function, so
    # a process without the probe rebuilds the end as it would anyway.
    orig_reduce = connection.reduce_connection
    orig_rebuild = connection.rebuild_connection

    def reduce_connection(conn):
        reduced = orig_reduce(conn)
        name = getattr(conn, "_proclab_name", None)
        if name is not None:
            try:
                _marks_put(_conn_key(conn), {"name": name})
            except Exception:  # noqa: BLE001
                pass
        return reduced

    def rebuild_connection(*args):
        conn = orig_rebuild(*args)
        try:
            marks = _marks_get(_conn_key(conn))
            if marks:
                conn._proclab_name = marks["name"]
        except Exception:  # noqa: BLE001
            pass
        return conn

    # Pickled by name: the same name as multiprocessing's own.
    rebuild_connection.__module__ = orig_rebuild.__module__
    rebuild_connection.__qualname__ = orig_rebuild.__qualname__
    connection.rebuild_connection = rebuild_connection
    reduction.register(connection.Connection, reduce_connection)


def _conn_key(conn):
    st = os.fstat(conn.fileno())
    return "conn-%d-%d-%s%s" % (st.st_dev, st.st_ino, "r" * conn.readable, "w" * conn.writable)


def _write(body, key):
    """Report a shared write now if the rate allows, else keep it as the cell's newest."""
    if _budget("shared"):
        _st["held"].pop(key, None)
        emit("shared_write", body)
    else:
        _st["held"][key] = body


def _check_race(key, current, name, new):
    """value-race: this process read the cell, and before its write another process
    wrote it (its value is no longer what was read), with no lock of the program held:
    this write throws that update away."""
    read = _st["reads"].pop(key, _st)
    if read is _st or _st["locks_held"]:
        return
    try:
        now = current()
    except Exception:  # noqa: BLE001
        return
    if now != read:
        _warn(
            "value-race",
            "read %s = %s, then another process wrote %s before this write of %s "
            "with no lock held: that update is lost" % (name, read, now, _preview(new)),
            name,
        )


def _install_shared_hooks():
    from multiprocessing import sharedctypes

    cls = sharedctypes.Synchronized
    prop = cls.value

    def value_name(self):
        return "Value('%s')" % getattr(self._obj, "_type_", "?")

    # On the hot path of `v.value += 1`: one look at the control block per operation.
    def get_value(self):
        slow = _detailed()
        if slow:
            _gate("read", lambda: "read %s" % value_name(self))
        v = prop.fget(self)
        _st["reads"][id(self._obj)] = v
        if slow:
            s = _scalar(v)
            if s is not None:
                emit("shared_read", {"name": value_name(self), "index": 0, "value": s})
        return v

    def set_value(self, v):
        if _detailed():
            _gate("write", lambda: "write %s = %s" % (value_name(self), _preview(v)))
        _check_race(id(self._obj), lambda: self._obj.value, value_name(self), v)
        prop.fset(self, v)
        s = _scalar(v)
        if s is not None:
            _write({"name": value_name(self), "index": 0, "value": s}, id(self._obj))

    cls.value = property(get_value, set_value)

    arr = sharedctypes.SynchronizedArray
    orig_setitem = arr.__setitem__
    orig_getitem = arr.__getitem__

    def array_name(self):
        return "Array('%s')" % getattr(getattr(self._obj, "_type_", None), "_type_", "?")

    def __getitem__(self, i):
        if not isinstance(i, int):
            return orig_getitem(self, i)
        _gate("read", lambda: "read %s[%d]" % (array_name(self), i))
        v = orig_getitem(self, i)
        _st["reads"][(id(self._obj), i % len(self))] = v
        if _detailed():
            s = _scalar(v)
            if s is not None:
                emit("shared_read", {"name": array_name(self), "index": i % len(self), "value": s})
        return v

    arr.__getitem__ = __getitem__

    def __setitem__(self, i, v):
        if isinstance(i, int):
            _gate("write", lambda: "write %s[%d] = %s" % (array_name(self), i, _preview(v)))
            n = i % len(self)
            _check_race(
                (id(self._obj), n), lambda: self._obj[n], "%s[%d]" % (array_name(self), n), v
            )
        orig_setitem(self, i, v)
        if isinstance(i, int):
            s = _scalar(v)
            if s is not None:
                tc = getattr(getattr(self._obj, "_type_", None), "_type_", "?")
                n = i % len(self)
                _write(
                    {"name": "Array('%s')" % tc, "index": n, "value": s},
                    (id(self._obj), n),
                )

    arr.__setitem__ = __setitem__


class _TasksIn:
    """A pool worker's task queue, reporting each task it hands out."""

    def __init__(self, q):
        self._q = q

    def get(self):
        task = self._q.get()
        try:
            if task is not None:
                job, i = task[0], task[1]
                emit("task_started", {"task": _task_id(job, i), "arg": _task_arg(task)})
        except Exception:  # noqa: BLE001
            pass
        return task

    def __getattr__(self, name):
        return getattr(self._q, name)


class _TasksOut:
    """A pool worker's result queue, reporting each result it sends."""

    def __init__(self, q):
        self._q = q

    def put(self, obj):
        try:
            job, i, (ok, value) = obj
            if ok:
                # map's chunks return lists: a chunk of one gives its one result.
                if isinstance(value, list) and len(value) == 1:
                    value = value[0]
                emit(
                    "task_done",
                    {"task": _task_id(job, i), "result": _preview(value), "raised": False},
                )
            else:
                emit(
                    "task_done",
                    {"task": _task_id(job, i), "result": _exception(value), "raised": True},
                )
        except Exception:  # noqa: BLE001
            pass
        return self._q.put(obj)

    def __getattr__(self, name):
        return getattr(self._q, name)


def _exception(e):
    """'TypeName: message' of an exception a task raised (multiprocessing wraps it with
    its traceback text)."""
    e = getattr(e, "exc", e)
    try:
        text = str(e)
    except Exception:  # noqa: BLE001
        text = ""
    name = type(e).__name__
    return ("%s: %s" % (name, text) if text else name)[:120]


def _task_id(job, i):
    return zlib.crc32(("%s:%s" % (job, i)).encode())


def _task_arg(task):
    """A preview of the task's argument: the item for map/imap with chunks of one, the
    argument tuple for starmap, the argument for apply_async with one argument (else its
    arguments)."""
    try:
        func, args, kwds = task[2], task[3], task[4]
        name = getattr(func, "__name__", "")
        # map, imap with chunks and starmap: one argument, (function, chunk).
        if name in ("mapstar", "starmapstar") and isinstance(args, tuple) and len(args) == 1:
            chunk = args[0][1]
            if isinstance(chunk, tuple) and len(chunk) == 1:
                return _preview(chunk[0])
            return _preview(list(chunk))
        if isinstance(args, tuple) and len(args) == 1 and not kwds:
            return _preview(args[0])
        return _preview(args)
    except Exception:  # noqa: BLE001
        return str(task[1] or 0)


def _install_pool_hooks():
    from multiprocessing import pool

    orig_worker = pool.worker

    def worker(inqueue, outqueue, *args, **kwargs):
        return orig_worker(_TasksIn(inqueue), _TasksOut(outqueue), *args, **kwargs)

    # Pickled by reference under spawn: it must be found where the original was.
    worker.__module__ = orig_worker.__module__
    worker.__qualname__ = orig_worker.__qualname__
    pool.worker = worker

    # The caller's side: when it gets the results of apply_async, map or starmap (map()
    # itself ends in get()), in which order its tasks reached it.
    orig_get = pool.ApplyResult.get
    delivered = [0]

    def get(self, timeout=None):
        value = orig_get(self, timeout)
        try:
            if not getattr(self, "_proclab_told", False):
                self._proclab_told = True
                _pool_delivered(self, value, delivered, pool.MapResult)
        except Exception:  # noqa: BLE001
            pass
        return value

    pool.ApplyResult.get = get


def _pool_delivered(result, value, counter, map_result):
    """One result_delivered per task of a finished apply_async (task 0 of its job) or
    map (each chunk: task i holds items i*chunksize onwards), at the rate the budget
    allows."""
    job = result._job
    if isinstance(result, map_result):
        size = result._chunksize
        chunks = [value[i : i + size] for i in range(0, len(value), size)] if size > 0 else []
    else:
        chunks = [[value]]
    for i, chunk in enumerate(chunks):
        if not _budget("delivered"):
            return
        shown = chunk[0] if len(chunk) == 1 else chunk
        emit(
            "result_delivered",
            {"task": _task_id(job, i), "result": _preview(shown), "position": counter[0]},
        )
        counter[0] += 1


class _CallsIn:
    """A ProcessPoolExecutor worker's call queue, reporting each work item it takes."""

    def __init__(self, q, pool):
        self._q = q
        self._pool = pool

    def get(self, *args, **kwargs):
        item = self._q.get(*args, **kwargs)
        try:
            if item is not None:
                arg = _work_arg(item.fn, item.args, item.kwargs)
                if _is_chunk(item.fn):
                    _CHUNKS.add(item.work_id)
                emit("task_started", {"task": _work_id(self._pool, item.work_id), "arg": arg})
        except Exception:  # noqa: BLE001
            pass
        return item

    def __getattr__(self, name):
        return getattr(self._q, name)


class _ResultsOut:
    """A ProcessPoolExecutor worker's result queue, reporting each result it sends."""

    def __init__(self, q, pool):
        self._q = q
        self._pool = pool

    def put(self, obj, *args, **kwargs):
        try:
            work_id = getattr(obj, "work_id", None)
            if work_id is not None:
                exc = getattr(obj, "exception", None)
                if exc is not None:
                    body = {"result": _exception(exc), "raised": True}
                else:
                    value = getattr(obj, "result", None)
                    # executor.map's chunks return lists: a chunk of one, its one result.
                    if work_id in _CHUNKS and isinstance(value, list) and len(value) == 1:
                        value = value[0]
                    body = {"result": _preview(value), "raised": False}
                _CHUNKS.discard(work_id)
                body["task"] = _work_id(self._pool, work_id)
                emit("task_done", body)
        except Exception:  # noqa: BLE001
            pass
        return self._q.put(obj, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._q, name)


def _work_id(pool, n):
    """A work item's task id: its number within its executor, and the executor by its call
    queue's pipe, the same object in the executor's process and in its workers."""
    return zlib.crc32(("executor:%s:%s" % (pool, n)).encode())


# Work items of executor.map (chunks of calls) this worker is running.
_CHUNKS = set()


def _is_chunk(fn):
    return getattr(getattr(fn, "func", None), "__name__", "") == "_process_chunk"


def _work_arg(fn, args, kwargs):
    """A preview of a work item's argument: the argument of submit(f, x), the arguments
    of one call of executor.map (its chunks of one call), else all of them."""
    if _is_chunk(fn) and len(args) == 1 and not kwargs:
        chunk = args[0]
        if isinstance(chunk, tuple) and len(chunk) == 1:
            call = chunk[0]
            return _preview(call[0]) if len(call) == 1 else _preview(call)
        return _preview(chunk)
    return _preview(args[0]) if len(args) == 1 and not kwargs else _preview(args)


def _patch_process_pool_executor(m):
    """concurrent.futures.process, once the program imports it: which worker runs which
    work item, what it returns or raises, and the order the caller gets the results."""
    orig_worker = m._process_worker

    def _process_worker(call_queue, result_queue, *args, **kwargs):
        pool = _queue_id(call_queue)
        return orig_worker(
            _CallsIn(call_queue, pool), _ResultsOut(result_queue, pool), *args, **kwargs
        )

    # Pickled by reference under spawn: it must be found where the original was.
    _process_worker.__module__ = orig_worker.__module__
    _process_worker.__qualname__ = orig_worker.__qualname__
    m._process_worker = _process_worker

    orig_submit = m.ProcessPoolExecutor.submit

    def submit(*args, **kwargs):
        # Whatever the original takes (3.8 still accepts fn= as a keyword), unchanged.
        future = orig_submit(*args, **kwargs)
        try:
            self = args[0]
            if len(args) > 1:
                fn, call_args, call_kwargs = args[1], args[2:], kwargs
            else:
                call_kwargs = dict(kwargs)
                fn, call_args = call_kwargs.pop("fn", None), ()
            task = _work_id(_queue_id(self._call_queue), self._queue_count - 1)
            future._proclab_task = task
            future._proclab_chunk = _is_chunk(fn)
            emit("task_submitted", {"task": task, "arg": _work_arg(fn, call_args, call_kwargs)})
        except Exception:  # noqa: BLE001
            pass
        return future

    m.ProcessPoolExecutor.submit = submit

    future_cls = m._base.Future
    if getattr(future_cls, "_proclab_patched", False):
        return
    future_cls._proclab_patched = True
    orig_result = future_cls.result
    delivered = [0]

    def result(self, timeout=None):
        task = getattr(self, "_proclab_task", None)
        try:
            value = orig_result(self, timeout)
        except BaseException as e:
            if task is not None and not getattr(self, "_proclab_told", False):
                self._proclab_told = True
                _delivered(task, delivered, "raised " + _exception(e), broken=e)
            raise
        if task is not None and not getattr(self, "_proclab_told", False):
            self._proclab_told = True
            shown = value
            if getattr(self, "_proclab_chunk", False) and isinstance(value, list) and len(value) == 1:
                shown = value[0]
            _delivered(task, delivered, _preview(shown))
        return value

    future_cls.result = result
    orig_exception = future_cls.exception

    # A program may take a failed task's exception instead of calling result().
    def exception(self, timeout=None):
        e = orig_exception(self, timeout)
        task = getattr(self, "_proclab_task", None)
        if e is not None and task is not None and not getattr(self, "_proclab_told", False):
            self._proclab_told = True
            _delivered(task, delivered, "raised " + _exception(e), broken=e)
        return e

    future_cls.exception = exception


def _delivered(task, counter, text, broken=None):
    try:
        # A pool broken by a dying worker: no worker reports it, so the caller does.
        if broken is not None and type(broken).__name__ == "BrokenProcessPool":
            emit("task_done", {"task": task, "result": _exception(broken), "raised": True})
        emit("result_delivered", {"task": task, "result": text, "position": counter[0]})
        counter[0] += 1
    except Exception:  # noqa: BLE001
        pass


def _proxy_id(token):
    """A proxied object's id: its id in the Manager's server, the same in every process."""
    return zlib.crc32(str(token.id).encode())


def _patch_managers(m):
    """multiprocessing.managers, once the program imports it: each proxy call (method,
    argument, calling process, round trip), and the names the program gives its
    proxied objects."""
    orig_call = m.BaseProxy._callmethod

    def _callmethod(self, methodname, args=(), kwds={}):  # noqa: B006
        t0 = _now_us()
        raised = None
        try:
            return orig_call(self, methodname, args, kwds)
        except Exception as e:
            # Only its text is kept: holding the exception itself would keep its frames
            # alive past the call, which the program could notice.
            try:
                raised = "%s: %s" % (type(e).__name__, e)
            except Exception:  # noqa: BLE001
                raised = type(e).__name__
            raise
        finally:
            try:
                if _budget("proxy") or raised is not None:
                    arg = _preview(args[0]) if len(args) == 1 and not kwds else (
                        _preview(args) if args else ""
                    )
                    emit(
                        "proxy_call",
                        {
                            "id": _proxy_id(self._token),
                            "method": methodname,
                            "arg": arg,
                            "rtt_us": _now_us() - t0,
                        },
                    )
                # A call that raised is always told: it is what the program is about
                # to see, and a plain call in its place would mislead.
                if raised is not None:
                    emit(
                        "proxy_raised",
                        {
                            "id": _proxy_id(self._token),
                            "method": methodname,
                            "error": raised,
                        },
                    )
            except Exception:  # noqa: BLE001
                pass

    m.BaseProxy._callmethod = _callmethod
    orig_create = m.BaseManager._create

    def _create(self, typeid, *args, **kwds):
        token, exposed = orig_create(self, typeid, *args, **kwds)
        try:
            f = _program_frame()
            if f is not None:
                name = _names_at(f, typeid)[0]
                emit("named", {"kind": "proxy", "id": _proxy_id(token), "name": name})
        except Exception:  # noqa: BLE001
            pass
        return token, exposed

    m.BaseManager._create = _create


def _patch_shared_memory(m):
    """multiprocessing.shared_memory, once the program imports it: which process creates,
    attaches, closes and unlinks which segment (ShareableLists included: each is one).
    proclab reads the segments' bytes itself, from /dev/shm."""
    shm = m.SharedMemory
    orig_init, orig_close, orig_unlink = shm.__init__, shm.close, shm.unlink

    def report(self, op):
        try:
            emit("shared_memory", {"name": self.name.lstrip("/"), "op": op, "size": self.size})
        except Exception:  # noqa: BLE001
            pass

    def __init__(self, *args, **kwargs):
        orig_init(self, *args, **kwargs)
        create = kwargs.get("create", args[1] if len(args) > 1 else False)
        if create:
            _leave_note("shm", self._name.lstrip("/"))
        report(self, "create" if create else "attach")

    def close(self):
        # Once per mapping: the finaliser closes again what the program closed.
        if not getattr(self, "_proclab_closed", False):
            self._proclab_closed = True
            report(self, "close")
        return orig_close(self)

    def unlink(self):
        report(self, "unlink")
        return orig_unlink(self)

    shm.__init__, shm.close, shm.unlink = __init__, close, unlink


class _PatchOnImport:
    """Patches a module right after the program first imports it: the probe imports
    nothing the program does not."""

    def __init__(self, patches):
        self.patches = patches

    def find_spec(self, name, path=None, target=None):
        patch = self.patches.get(name)
        if patch is None:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(name, path, target)
            if spec is None:
                continue
            loader = spec.loader
            if loader is None or not hasattr(loader, "exec_module"):
                return spec
            orig_exec = loader.exec_module

            def exec_module(module, _orig=orig_exec):
                _orig(module)
                try:
                    patch(module)
                except Exception as e:  # noqa: BLE001
                    _switch_off(e)

            loader.exec_module = exec_module
            return spec
        return None


def _announce_self():
    cmd = _cmdline()
    if "multiprocessing.spawn" in cmd:
        # A spawn child: announced at once, with its own output, so that one that fails
        # before its Process starts (a main module without a main guard) is seen, and
        # said, as itself; its Process then gives it its name.
        try:
            _adopt_output()
        except Exception:  # noqa: BLE001
            pass
        emit(
            "spawned",
            {"ppid": os.getppid(), "role": "worker", "label": "spawn child", "start_method": "spawn"},
        )
        return
    if "multiprocessing.forkserver" in cmd:
        role, label = "server", "forkserver"
    elif "multiprocessing.resource_tracker" in cmd:
        role, label = "server", "resource_tracker"
    elif str(os.getppid()) == os.environ.get("PROCLAB_RUNNER_PID"):
        role, label = "main", "main"
        # The pipes proclab started the program with: a child whose stdout still goes
        # there gets a pipe of its own; one the program pointed elsewhere is left alone.
        _mark_pipes([1, 2])
    else:
        role, label = "worker", "python"
    if role == "server" and str(os.getppid()) == os.environ.get("PROCLAB_RUNNER_PID"):
        # Its parent has ended since it started it, and announced it then, with itself
        # as the parent: the kernel's answer now (proclab) would be the wrong one.
        _note_alive()
    else:
        emit(
            "spawned",
            {"ppid": os.getppid(), "role": role, "label": label, "start_method": "exec"},
        )
    if role == "server":
        try:
            _adopt_output()
        except Exception:  # noqa: BLE001
            pass


def install():
    if not _DIR:
        return
    import atexit

    atexit.register(_flush_held)
    os.register_at_fork(after_in_child=_after_fork_in_child)
    _install_process_hooks()
    _install_queue_hooks()
    _install_lock_hooks()
    _install_shared_hooks()
    _install_pool_hooks()
    _install_pipe_hooks()
    _install_sync_hooks()
    _install_warnings()
    sys.meta_path.insert(
        0,
        _PatchOnImport(
            {
                "concurrent.futures.process": _patch_process_pool_executor,
                "multiprocessing.managers": _patch_managers,
                "multiprocessing.shared_memory": _patch_shared_memory,
            }
        ),
    )
    _announce_self()
    _line_buffered_output()
