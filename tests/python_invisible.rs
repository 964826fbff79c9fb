//! The probe is invisible to the program: small programs that look at their own
//! descriptors, buffers and pickles see under proclab what they see in a plain run.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::python::{have_python, printed, script};
use common::{Finished, bin};
use proclab::engine::protocol::{Event, Frame, Role, from_json_line};

/// `python3 script args` as a student would run it, without proclab: its stdout.
fn plain(path: &Path, args: &[&str]) -> String {
    let out = Command::new("python3")
        .arg(path)
        .args(args)
        // Buffering is part of what is compared: the interpreter's default, not a
        // setting this machine's shell may carry.
        .env_remove("PYTHONUNBUFFERED")
        .stdin(Stdio::null())
        .output()
        .expect("python3 runs");
    assert!(out.status.success(), "plain run failed: {out:?}");
    String::from_utf8(out.stdout).expect("utf-8")
}

/// The same program under `proclab run --runner python --json`.
fn probed(path: &Path, args: &[&str]) -> Finished {
    let out = Command::new(bin())
        .args(["run", "--runner", "python", "--json", "--file"])
        .arg(path)
        .arg("--")
        .args(args)
        .env_remove("PYTHONUNBUFFERED")
        .stdin(Stdio::null())
        .output()
        .expect("proclab runs");
    let frames: Vec<Frame> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| from_json_line(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}")))
        .collect();
    let run = Finished {
        frames,
        code: out.status.code(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    run.assert_clean_end();
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    run
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[test]
fn a_parent_that_points_stdout_at_a_file_gets_its_childrens_lines_there() {
    if !have_python() {
        return;
    }
    let prog = script(
        "tofile",
        "import multiprocessing as mp, os, sys\n\
         def child(n):\n    print('child', n, flush=True)\n\
         if __name__ == '__main__':\n\
         \x20   mp.set_start_method(sys.argv[1])\n\
         \x20   out = os.path.join(os.path.dirname(os.path.abspath(__file__)), sys.argv[2])\n\
         \x20   f = open(out, 'w')\n\
         \x20   os.dup2(f.fileno(), 1)\n\
         \x20   ps = [mp.Process(target=child, args=(i,)) for i in range(3)]\n\
         \x20   [p.start() for p in ps]\n\
         \x20   [p.join() for p in ps]\n\
         \x20   print('parent done', flush=True)\n",
    );
    let dir = prog.parent().expect("folder");
    let read = |name: &str| {
        sorted(
            std::fs::read_to_string(dir.join(name))
                .expect("the program wrote its file")
                .lines()
                .map(String::from)
                .collect(),
        )
    };
    for method in ["fork", "spawn"] {
        plain(&prog, &[method, "plain.txt"]);
        let run = probed(&prog, &[method, "probed.txt"]);
        let expected = read("plain.txt");
        assert_eq!(expected.len(), 4, "{expected:?}");
        assert_eq!(read("probed.txt"), expected, "under {method}");
        // What went to the file did not also reach proclab's output pane.
        assert!(
            !run.output_lines().iter().any(|l| l.starts_with("child ")),
            "under {method}: {:?}",
            run.output_lines()
        );
    }
}

#[test]
fn text_not_yet_flushed_is_copied_by_fork_as_at_a_terminal() {
    if !have_python() {
        return;
    }
    // The classic lesson on buffers and fork: "x" sits in the buffer, the child inherits
    // it, and both flush it.
    let prog = script(
        "forkbuffer",
        "import os, sys\nprint('x', end='')\npid = os.fork()\nif pid == 0:\n    sys.exit(0)\nos.waitpid(pid, 0)\nprint()\nprint('line', 1)\nprint('line', 2)\n",
    );
    let expected = plain(&prog, &[]);
    assert!(expected.starts_with("xx\n"), "{expected:?}");
    let run = probed(&prog, &[]);
    // Each copy is shown as the output of the process that wrote it: the child's
    // inherited "x" and the parent's own.
    let all = run.output_lines().concat();
    assert_eq!(all.matches('x').count(), 2, "{:?}", run.output_lines());
    let main = run.main_pid();
    let child = run
        .spawned()
        .into_iter()
        .find(|s| s.1 == main)
        .expect("the forked child is announced")
        .0;
    assert_eq!(printed(&run)[&child], ["x"]);
    assert_eq!(printed(&run)[&main], ["x", "line 1", "line 2"]);
}

#[test]
fn descriptors_are_numbered_and_inherited_as_without_proclab() {
    if !have_python() {
        return;
    }
    // The first pipe's number, then the open descriptors in each of four nested fork
    // generations, each holding one more pipe.
    let prog = script(
        "fds",
        "import os\n\
         keep = [os.pipe()]\n\
         print('first', keep[0][0], flush=True)\n\
         for g in range(4):\n\
         \x20   pid = os.fork()\n\
         \x20   if pid:\n\
         \x20       os.waitpid(pid, 0)\n\
         \x20       break\n\
         \x20   keep.append(os.pipe())\n\
         \x20   print('gen', g, len(os.listdir('/proc/self/fd')), flush=True)\n",
    );
    let parse = |lines: Vec<String>| -> (i64, Vec<i64>) {
        let mut first = -1;
        let mut gens = Vec::new();
        for l in lines {
            let w: Vec<&str> = l.split_whitespace().collect();
            match w.as_slice() {
                ["first", fd] => first = fd.parse().expect("number"),
                ["gen", _, n] => gens.push(n.parse().expect("number")),
                _ => {}
            }
        }
        (first, gens)
    };
    let (plain_first, plain_gens) = parse(plain(&prog, &[]).lines().map(String::from).collect());
    let (first, gens) = parse(probed(&prog, &[]).output_lines());
    assert_eq!(first, plain_first, "the program's first pipe");
    assert_eq!(gens.len(), 4, "{gens:?}");
    let growth = |g: &[i64]| g.windows(2).map(|w| w[1] - w[0]).collect::<Vec<_>>();
    assert_eq!(
        growth(&gens),
        growth(&plain_gens),
        "no descriptor piles up per generation: {gens:?} vs {plain_gens:?}"
    );
    // What remains is the process's own connection to proclab, parked far above the
    // program's numbers.
    for (probe, plain) in gens.iter().zip(&plain_gens) {
        assert!(probe - plain <= 1, "{gens:?} vs {plain_gens:?}");
    }
}

#[test]
fn objects_handed_to_a_child_without_the_probe_unpickle_as_without_proclab() {
    if !have_python() {
        return;
    }
    // The child is a plain interpreter (PYTHONPATH cleared, so no probe loads there): the
    // pickled Lock, Queue, Condition, Barrier, Semaphore and Pipe end must be exactly
    // multiprocessing's own.
    let prog = script(
        "noprobe",
        "import multiprocessing as mp, os\n\
         def child(lock, q, cond, bar, conn, sem):\n\
         \x20   with lock:\n\
         \x20       q.put('from child')\n\
         \x20   with cond:\n\
         \x20       cond.notify_all()\n\
         \x20   bar.wait(10)\n\
         \x20   sem.release()\n\
         \x20   conn.send('hi')\n\
         if __name__ == '__main__':\n\
         \x20   ctx = mp.get_context('spawn')\n\
         \x20   lock, q, cond = ctx.Lock(), ctx.Queue(), ctx.Condition()\n\
         \x20   bar, sem = ctx.Barrier(1), ctx.Semaphore(0)\n\
         \x20   a, b = ctx.Pipe()\n\
         \x20   os.environ['PYTHONPATH'] = ''\n\
         \x20   p = ctx.Process(target=child, args=(lock, q, cond, bar, b, sem))\n\
         \x20   p.start()\n\
         \x20   print('got', q.get(timeout=20), a.recv(), sem.acquire(timeout=20), flush=True)\n\
         \x20   p.join()\n\
         \x20   print('exit', p.exitcode)\n",
    );
    let expected: Vec<String> = plain(&prog, &[]).lines().map(String::from).collect();
    assert_eq!(expected, ["got from child hi True", "exit 0"]);
    let run = probed(&prog, &[]);
    assert_eq!(printed(&run)[&run.main_pid()], expected);
}

#[test]
fn a_line_without_its_newline_yet_is_shown_as_it_is_written() {
    if !have_python() {
        return;
    }
    // A test runner's "test_x ... " waits for the test before it writes "ok".
    let prog = script(
        "partial",
        "import sys, time\nsys.stderr.write('test_x ... ')\nsys.stderr.flush()\ntime.sleep(1.5)\nsys.stderr.write('ok\\n')\n",
    );
    let run = probed(&prog, &[]);
    let part = run
        .frames
        .iter()
        .position(|f| matches!(&f.event, Event::OutputPart { text, .. } if text == "test_x ... "))
        .expect("the start of the line is shown before its end");
    let whole = run
        .frames
        .iter()
        .position(|f| matches!(&f.event, Event::Output { line, .. } if line == "test_x ... ok"))
        .expect("then the whole line");
    assert!(part < whole);
    // The Output events alone are still exactly the lines printed.
    assert_eq!(run.output_lines(), ["test_x ... ok"]);
}

#[test]
fn a_program_that_closes_stdout_and_stderr_runs_its_pool_as_without_proclab() {
    if !have_python() {
        return;
    }
    let prog = script(
        "closed",
        "import multiprocessing as mp, os, sys\n\
         def sq(x):\n    return x * x\n\
         if __name__ == '__main__':\n\
         \x20   out = os.path.join(os.path.dirname(os.path.abspath(__file__)), sys.argv[1])\n\
         \x20   os.close(1)\n\
         \x20   os.close(2)\n\
         \x20   with mp.Pool(2) as pool:\n\
         \x20       r = pool.map(sq, range(20))\n\
         \x20   with open(out, 'w') as f:\n\
         \x20       f.write(str(sum(r)))\n",
    );
    let dir = prog.parent().expect("folder");
    plain(&prog, &["plain.txt"]);
    let run = probed(&prog, &["probed.txt"]);
    let read = |n: &str| std::fs::read_to_string(dir.join(n)).expect("result written");
    assert_eq!(read("probed.txt"), read("plain.txt"));
    // Two workers served the whole map: none died and was replaced.
    let workers = run
        .spawned()
        .into_iter()
        .filter(|s| s.2 == Role::Worker)
        .count();
    assert_eq!(workers, 2, "{:?}", run.spawned());
}
