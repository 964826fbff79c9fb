#!/usr/bin/env python3
"""Reliability trials for proclab: what a careless user, a hostile file or a killed
terminal can do to it. Each trial prints one line; the summary says how many left a
process or a /dev/shm entry behind, hung, panicked, or refused without naming what was
wrong.

    tools/trials.py kill [N]      end runs every way a user can, at random moments
    tools/trials.py lessons [N]   check fuzzed lesson folders (`proclab lessons check`)
    tools/trials.py cli [N]       run fuzzed command lines

PROCLAB names the binary (default: target/release/proclab, then target/debug/proclab).
Runs are told apart from everything else on the machine by a tag in their environment,
which every process they start inherits, so other proclab runs do not count.
"""

import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LESSONS = os.path.join(HERE, "lessons")


def binary():
    if os.environ.get("PROCLAB"):
        return os.environ["PROCLAB"]
    built = [os.path.join(HERE, "target", k, "proclab") for k in ("release", "debug")]
    built = [p for p in built if os.path.exists(p)]
    if not built:
        sys.exit("build proclab first (cargo build --release)")
    # The newer of the two builds: an old release binary must not be tried by mistake.
    return max(built, key=os.path.getmtime)


def tagged(tag):
    """PIDs of live (not zombie) processes whose environment holds the tag."""
    found = []
    needle = ("TRIALS_TAG=" + tag).encode()
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/environ" % d, "rb") as f:
                if needle not in f.read():
                    continue
            with open("/proc/%s/stat" % d) as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    continue
        except OSError:
            continue
        found.append(int(d))
    return found


def shm():
    try:
        return set(os.listdir("/dev/shm"))
    except OSError:
        return set()


# What each run is given so it lasts long enough to be ended while it works.
DEMOS = [
    ["process", "--iterations", "300000000"],
    ["queue", "--tempo", "20"],
    ["pool", "--tempo", "20"],
    ["shared", "--tempo", "5", "-n", "300"],
    ["lock", "--tempo", "5", "-n", "300"],
    ["gil"],
    ["pipe", "--tempo", "20"],
    ["manager", "--tempo", "10"],
    ["start"],
    ["lifecycle", "--mode", "zombie"],
    ["lifecycle", "--mode", "orphan", "--tempo", "2000"],
    ["lifecycle", "--mode", "orphan", "--step"],
    ["lifecycle", "--mode", "interrupt"],
    ["lock", "--step"],
    ["lock", "--runner", "python"],
    ["queue", "--runner", "python"],
    ["manager", "--runner", "python"],
]

ENDINGS = ["SIGINT", "SIGTERM", "SIGKILL", "SIGHUP", "close-stdout", "natural"]


def kill_trials(n):
    exe = binary()
    rng = random.Random(int(os.environ.get("SEED", "1")))
    left = hung = panics = 0
    shm_left = set()
    for i in range(n):
        args = rng.choice(DEMOS)
        ending = rng.choice(ENDINGS)
        delay = rng.uniform(0.05, 1.5)
        tag = uuid.uuid4().hex
        env = dict(os.environ, TRIALS_TAG=tag)
        before = shm()
        p = subprocess.Popen(
            [exe, "run", *args, "--json"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        time.sleep(delay)
        if ending == "close-stdout":
            p.stdout.close()
        elif ending != "natural":
            p.send_signal(getattr(signal, ending))
        try:
            _, err = p.communicate(timeout=60) if ending != "close-stdout" else (None, p.stderr.read())
            p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            hung += 1
            p.kill()
            p.wait()
            err = b""
        if p.returncode == 101 or b"panicked" in (err or b""):
            panics += 1
        # Give the guard and the parent-death signals their moment.
        stray = []
        deadline = time.time() + 10
        while time.time() < deadline:
            stray = tagged(tag)
            if not stray:
                break
            time.sleep(0.1)
        for pid in stray:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        new = shm() - before
        time.sleep(0.2)
        new &= shm()
        # Only entries named by this run's processes can be told apart on a busy machine.
        ours = {e for e in new if "proclab" in e or e.startswith(("psm_", "sem.mp-", "mp-"))}
        shm_left |= ours
        left += bool(stray)
        print(
            "%3d %-45s %-12s %.2fs exit %-4s %s%s"
            % (
                i,
                " ".join(args),
                ending,
                delay,
                p.returncode,
                "LEFT %s " % stray if stray else "",
                "SHM %s" % sorted(ours) if ours else "",
            ),
            flush=True,
        )
    # Other programs on the machine (a test suite, say) create and remove the same kinds
    # of entries: one counts as left behind only if it is still there at the end.
    time.sleep(5)
    shm_left &= shm()
    print(
        "kill trials: %d runs, %d left a process, %d hung, %d panicked, /dev/shm left: %s"
        % (n, left, hung, panics, sorted(shm_left) or "none")
    )
    return left + hung + panics + len(shm_left)


def mutate_lesson(dir_, rng):
    """One way a lesson folder goes wrong; returns its words."""
    name = rng.choice(["lesson.toml", "en.md", "zh.md", "demo.py"])
    path = os.path.join(dir_, name)
    kind = rng.choice(
        ["flip", "truncate", "fifo", "nul", "huge", "number", "folder", "empty", "dupid", "rename"]
    )
    data = open(path, "rb").read()
    if kind == "flip":
        b = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            b[rng.randrange(len(b))] = rng.randrange(256)
        open(path, "wb").write(bytes(b))
    elif kind == "truncate":
        open(path, "wb").write(data[: rng.randrange(len(data))])
    elif kind == "fifo":
        os.remove(path)
        os.mkfifo(path)
    elif kind == "nul":
        i = rng.randrange(len(data))
        open(path, "wb").write(data[:i] + b"\0" + data[i:])
    elif kind == "huge":
        path = os.path.join(dir_, "lesson.toml")
        text = open(path).read().replace('demo = "', 'demo = "' + "x" * 3_000_000, 1)
        open(path, "w").write(text)
    elif kind == "number":
        path = os.path.join(dir_, "lesson.toml")
        n = rng.choice([-1, 0, 2**31, 2**32, 2**32 + 1, 2**63 - 1, 4611686018427387904])
        key = rng.choice(["workers", "iterations", "tempo", "tasks"])
        text = open(path).read().replace("[params]\n", "[params]\n%s = %d\n" % (key, n), 1)
        # A key given twice is itself an error; drop the lesson's own.
        lines, seen = [], False
        for line in text.splitlines():
            if line.startswith(key + " ="):
                if seen:
                    continue
                seen = True
            lines.append(line)
        open(path, "w").write("\n".join(lines) + "\n")
    elif kind == "folder":
        os.remove(path)
        os.mkdir(path)
    elif kind == "empty":
        open(path, "wb").write(b"")
    elif kind == "dupid":
        path = os.path.join(dir_, "lesson.toml")
        text = open(path).read()
        open(path, "w").write(text.replace('id = "', 'id = "lock"\n#', 1))
    elif kind == "rename":
        base = os.path.basename(dir_)
        parent = os.path.dirname(dir_)
        new = rng.choice([base[1:], base.replace("-", " ", 1), "x" + base])
        os.rename(dir_, os.path.join(parent, new))
        return "%s renamed to %r" % (base, new), new
    return "%s %s" % (kind, os.path.basename(path)), os.path.basename(path)


def lesson_trials(n):
    exe = binary()
    rng = random.Random(int(os.environ.get("SEED", "1")))
    hung = panics = unnamed = passed = 0
    for i in range(n):
        root = tempfile.mkdtemp(prefix="proclab-trial-")
        try:
            shutil.copytree(LESSONS, root, dirs_exist_ok=True)
            dirs = sorted(d for d in os.listdir(root) if d[:2].isdigit())
            words, named = mutate_lesson(os.path.join(root, rng.choice(dirs)), rng)
            try:
                r = subprocess.run(
                    [exe, "lessons", "check", root], capture_output=True, timeout=20
                )
            except subprocess.TimeoutExpired:
                hung += 1
                print("%3d %-40s HUNG" % (i, words), flush=True)
                continue
            out = (r.stdout + r.stderr).decode("utf-8", "replace")
            if r.returncode == 101 or "panicked" in out:
                panics += 1
            verdict = "OK" if r.returncode == 0 else "refused"
            if r.returncode == 0:
                passed += 1
            elif named.strip() not in out and "dupid" not in words:
                # A refusal must name the file (or folder) that is wrong.
                unnamed += 1
                verdict = "refused WITHOUT naming %s" % named
            first = out.strip().splitlines()[0][:110] if out.strip() else ""
            print("%3d %-40s %-8s %s" % (i, words, verdict, first), flush=True)
        finally:
            # A FIFO left in place must not block the removal.
            shutil.rmtree(root, ignore_errors=True)
    print(
        "lesson trials: %d folders, %d hung, %d panicked, %d refusals without the file named, "
        "%d passed (a mutation that kept the lesson valid)" % (n, hung, panics, unnamed, passed)
    )
    return hung + panics + unnamed


FLAGS = [
    "--workers", "-w", "--iterations", "-n", "--tasks", "--tempo", "--producers", "--consumers",
    "--maxsize", "--cost", "--maxtasks", "--zombie-ms", "--kill", "--panic", "--mode",
    "--max-procs", "--record", "--schedule", "--file", "--runner",
]
VALUES = [
    "-1", "0", "1", "4", "257", "4294967295", "4294967296", "18446744073709551615",
    "18446744073709551616", "4611686018427387904", "abc", "", "1e3", "--json", "/dev/null",
    "/nonexistent/x", "x" * 5000, "\u4e2d", "fork",
]


def cli_trials(n):
    exe = binary()
    rng = random.Random(int(os.environ.get("SEED", "1")))
    hung = panics = unclear = ran = 0
    for i in range(n):
        demo = rng.choice(["process", "queue", "pool", "shared", "lock", "gil", "pipe",
                           "manager", "start", "lifecycle", "nope"])
        argv = ["run", demo]
        for _ in range(rng.randint(1, 3)):
            argv += [rng.choice(FLAGS), rng.choice(VALUES)]
        tag = uuid.uuid4().hex
        env = dict(os.environ, TRIALS_TAG=tag)
        p = subprocess.Popen([exe, *argv], stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=env)
        try:
            _, err = p.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            # Accepted and running: a real demo. Ctrl-C must end it promptly.
            ran += 1
            p.send_signal(signal.SIGINT)
            try:
                _, err = p.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                hung += 1
                p.kill()
                _, err = p.communicate()
        err = err.decode("utf-8", "replace")
        if p.returncode == 101 or "panicked" in err:
            panics += 1
        verdict = "exit %s" % p.returncode
        if p.returncode == 2:
            # A refusal names the flag or the value it refuses.
            said = err.lower()
            long = {"-w": "--workers", "-n": "--iterations", "-m": "--mode"}
            named = [long.get(a, a) for a in argv[1:] if a]
            if not any(a.lower()[:40] in said for a in named):
                unclear += 1
                verdict += " UNCLEAR"
        first = err.strip().splitlines()[0][:100] if err.strip() else ""
        shown = " ".join(a if len(a) < 30 else a[:10] + "..." for a in argv)
        print("%3d %-70s %s %s" % (i, shown, verdict, first), flush=True)
        for pid in tagged(tag):
            os.kill(pid, signal.SIGKILL)
    print(
        "cli trials: %d command lines, %d ran a demo (then Ctrl-C), %d hung, %d panicked, "
        "%d refusals that named neither flag nor value" % (n, ran, hung, panics, unclear)
    )
    return hung + panics + unclear


def main():
    what = sys.argv[1] if len(sys.argv) > 1 else ""
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    if what == "kill":
        bad = kill_trials(n or 100)
    elif what == "lessons":
        bad = lesson_trials(n or 200)
    elif what == "cli":
        bad = cli_trials(n or 216)
    else:
        sys.exit(__doc__)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
