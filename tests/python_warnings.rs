//! The classic multiprocessing mistakes, seen live in a real program: each warning code
//! with a program that makes the mistake and one that does not.

mod common;

use std::collections::BTreeMap;

use common::Finished;
use common::python::{have_python, run_script};
use proclab::engine::protocol::Event;

/// Each warning code the run raised, with how many times it happened.
fn warnings(run: &Finished) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for f in &run.frames {
        if let Event::Warning { code, count, .. } = &f.event {
            *out.entry(code.clone()).or_default() += u64::from(*count);
        }
    }
    out
}

fn codes(run: &Finished) -> Vec<String> {
    warnings(run).into_keys().collect()
}

/// The warning's words, for the code.
fn said(run: &Finished, code: &str) -> String {
    run.frames
        .iter()
        .find_map(|f| match &f.event {
            Event::Warning {
                code: c, message, ..
            } if c == code => Some(message.clone()),
            _ => None,
        })
        .unwrap_or_default()
}

const COUNTER: &str = r#"
import multiprocessing as mp, sys
def work(v, lock, how):
    for _ in range(20000):
        if how == "lock":
            with lock:
                v.value += 1
        elif how == "get_lock":
            with v.get_lock():
                v.value += 1
        else:
            v.value += 1
if __name__ == "__main__":
    v, lock = mp.Value("i", 0), mp.Lock()
    ps = [mp.Process(target=work, args=(v, lock, sys.argv[1])) for _ in range(3)]
    for p in ps: p.start()
    for p in ps: p.join()
    print("counter", v.value)
"#;

#[test]
fn an_unlocked_read_then_write_that_loses_an_update_is_a_value_race() {
    if !have_python() {
        return;
    }
    let run = run_script("race", COUNTER, &["--", "none"]);
    let lost = run.frames.iter().any(|f| {
        matches!(&f.event, Event::Output { line, .. } if line.starts_with("counter ") && line != "counter 60000")
    });
    assert!(lost, "three unlocked workers lose updates");
    assert_eq!(codes(&run), ["value-race"]);
    let words = said(&run, "value-race");
    assert!(
        words.contains("another process wrote") && words.contains("update is lost"),
        "{words}"
    );
    for how in ["lock", "get_lock"] {
        let run = run_script("norace", COUNTER, &["--", how]);
        assert!(codes(&run).is_empty(), "{how}: {:?}", warnings(&run));
    }
}

#[test]
fn starting_a_process_without_a_main_guard_under_spawn_is_told() {
    if !have_python() {
        return;
    }
    let unguarded = "import multiprocessing as mp\nmp.set_start_method('spawn', force=True)\ndef f():\n    pass\np = mp.Process(target=f)\np.start()\np.join()\nprint('exit', p.exitcode)\n";
    let run = run_script("noguard", unguarded, &[]);
    assert_eq!(codes(&run), ["no-main-guard"]);
    assert!(said(&run, "no-main-guard").contains("__name__ == '__main__'"));
    // Said by the child itself, announced although it never got to run its Process.
    let child = run
        .frames
        .iter()
        .find(|f| matches!(&f.event, Event::Warning { .. }))
        .map(|f| f.pid)
        .expect("a warning");
    assert!(
        run.spawned()
            .iter()
            .any(|s| s.0 == child && s.1 == run.main_pid()),
        "{:?}",
        run.spawned()
    );
    let guarded = "import multiprocessing as mp\ndef f():\n    pass\nif __name__ == '__main__':\n    mp.set_start_method('spawn', force=True)\n    p = mp.Process(target=f)\n    p.start()\n    p.join()\n";
    assert!(codes(&run_script("guard", guarded, &[])).is_empty());
    // Under fork no child imports the main module: no guard needed, nothing said.
    let forked = unguarded.replace("'spawn'", "'fork'");
    assert!(codes(&run_script("forkguard", &forked, &[])).is_empty());
}

#[test]
fn joining_a_child_whose_queue_data_is_stuck_in_the_pipe_is_told() {
    if !have_python() {
        return;
    }
    // A megabyte does not fit in the pipe: the child cannot end until someone takes it.
    let prog = |join_first: bool| {
        format!(
            "import multiprocessing as mp\ndef f(q):\n    q.put('x' * 1000000)\nif __name__ == '__main__':\n    q = mp.Queue()\n    p = mp.Process(target=f, args=(q,))\n    p.start()\n{}    print(len(q.get()))\n    p.join()\n",
            if join_first {
                "    p.join(timeout=3)\n"
            } else {
                ""
            }
        )
    };
    let run = run_script("joinfirst", &prog(true), &[]);
    assert_eq!(codes(&run), ["join-before-get"]);
    assert!(said(&run, "join-before-get").contains("get() the results before join()"));
    assert!(codes(&run_script("getfirst", &prog(false), &[])).is_empty());
}

#[test]
fn results_asked_of_a_finished_pool_block_and_work_given_to_a_closed_pool_are_told() {
    if !have_python() {
        return;
    }
    let after = r#"
import multiprocessing as mp, time
def slow(x):
    time.sleep(0.3)
    return x
if __name__ == "__main__":
    with mp.Pool(2) as p:
        r = p.map_async(slow, range(4))
    try:
        print(r.get(timeout=1))
    except mp.TimeoutError:
        print("never came")
    p2 = mp.Pool(2)
    p2.close()
    try:
        p2.apply_async(slow, (1,))
    except ValueError as e:
        print("refused:", e)
    p2.join()
"#;
    let run = run_script("afterpool", after, &[]);
    assert_eq!(warnings(&run).get("pool-after-close"), Some(&2));
    let inside = "import multiprocessing as mp\ndef sq(x):\n    return x * x\nif __name__ == '__main__':\n    with mp.Pool(2) as p:\n        r = p.map_async(sq, range(4))\n        print(r.get(timeout=10))\n";
    assert!(codes(&run_script("inpool", inside, &[])).is_empty());
}

#[test]
fn a_lambda_sent_to_a_pool_is_told_unpicklable() {
    if !have_python() {
        return;
    }
    let lambda = "import multiprocessing as mp\nif __name__ == '__main__':\n    with mp.Pool(2) as p:\n        try:\n            p.map(lambda x: x * x, range(4))\n        except Exception as e:\n            print('failed:', type(e).__name__)\n";
    let run = run_script("lambda", lambda, &[]);
    assert_eq!(codes(&run), ["unpicklable"]);
    assert!(said(&run, "unpicklable").contains("lambda"));
    let named = "import multiprocessing as mp\ndef sq(x):\n    return x * x\nif __name__ == '__main__':\n    with mp.Pool(2) as p:\n        print(p.map(sq, range(4)))\n";
    assert!(codes(&run_script("named", named, &[])).is_empty());
}
