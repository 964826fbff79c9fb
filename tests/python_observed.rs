//! What the probe sees of a real program beyond processes: executor work items and
//! their results or exceptions, Pipe messages by the names the program gives its ends,
//! locks by name, and only the program's own queues. Under fork, spawn and forkserver.

mod common;

use std::collections::{HashMap, HashSet};

use common::python::{have_python, printed, run_script};
use proclab::engine::protocol::{Event, ObjectKind, Role};

#[test]
fn executor_work_items_are_followed_from_submit_to_result_or_exception() {
    if !have_python() {
        return;
    }
    for method in ["fork", "spawn", "forkserver"] {
        let run = run_script(
            &format!("executor-{method}"),
            r#"
import multiprocessing as mp, os, sys
from concurrent.futures import ProcessPoolExecutor, as_completed
def f(x):
    if x == 2:
        raise ZeroDivisionError("x is two")
    return (x * x, 'w%d' % x)
def die(x):
    os._exit(3)
if __name__ == '__main__':
    ctx = mp.get_context(sys.argv[1])
    with ProcessPoolExecutor(2, mp_context=ctx) as ex:
        for fu in as_completed([ex.submit(f, i) for i in range(4)]):
            try:
                print("got", fu.result())
            except ZeroDivisionError as e:
                print("raised", e)
        print("map", list(ex.map(f, [5, 6])))
    try:
        with ProcessPoolExecutor(1, mp_context=ctx) as ex:
            ex.submit(die, 7).result()
    except Exception as e:
        print("broken", type(e).__name__)
"#,
            &["--", method],
        );
        let mut submitted = HashMap::new();
        let mut ran = HashMap::new();
        let mut done = HashMap::new();
        let mut delivered = Vec::new();
        for f in &run.frames {
            match &f.event {
                Event::TaskSubmitted { task, arg } => {
                    submitted.insert(*task, arg.clone());
                }
                Event::TaskStarted { task, arg } => {
                    ran.insert(*task, (f.pid, arg.clone()));
                }
                Event::TaskDone {
                    task,
                    result,
                    raised,
                } => {
                    done.insert(*task, (result.clone(), *raised));
                }
                Event::ResultDelivered { task, .. } => delivered.push(*task),
                Event::QueuePut { item, .. } | Event::QueueGet { item, .. } => {
                    panic!("{method}: the executor's own queues are not the program's: {item}")
                }
                _ => {}
            }
        }
        let args: HashSet<&str> = submitted.values().map(String::as_str).collect();
        for a in ["0", "1", "2", "3", "5", "6", "7"] {
            assert!(args.contains(a), "{method}: submit({a}) seen: {args:?}");
        }
        let workers: HashSet<i32> = run
            .spawned()
            .iter()
            .filter(|s| s.2 != Role::Main && s.2 != Role::Server)
            .map(|s| s.0)
            .collect();
        for (task, (pid, arg)) in &ran {
            assert!(
                workers.contains(pid),
                "{method}: task {arg} ran in a worker"
            );
            assert_eq!(
                submitted.get(task),
                Some(arg),
                "{method}: same task, same arg"
            );
        }
        let by_arg = |a: &str| {
            let task = submitted.iter().find(|(_, v)| *v == a).map(|(t, _)| *t);
            task.and_then(|t| done.get(&t)).cloned()
        };
        assert_eq!(by_arg("3"), Some(("(9, 'w3')".into(), false)), "{method}");
        assert_eq!(
            by_arg("2"),
            Some(("ZeroDivisionError: x is two".into(), true)),
            "{method}: the exception, its type and message"
        );
        assert_eq!(
            by_arg("6"),
            Some(("(36, 'w6')".into(), false)),
            "{method}: map"
        );
        let broken = by_arg("7").expect("the killed worker's task");
        assert!(
            broken.1 && broken.0.starts_with("BrokenProcessPool"),
            "{method}: {broken:?}"
        );
        assert!(
            delivered.len() >= 7,
            "{method}: results handed to the caller"
        );
        let out = printed(&run);
        assert!(
            out[&run.main_pid()].contains(&"broken BrokenProcessPool".to_string()),
            "{method}: the program's own result is unchanged: {out:?}"
        );
    }
}

#[test]
fn pipe_ends_and_locks_are_reported_by_the_names_the_program_gives_them() {
    if !have_python() {
        return;
    }
    for method in ["fork", "spawn", "forkserver"] {
        let run = run_script(
            &format!("named-{method}"),
            r#"
import multiprocessing as mp, sys
def child(conn, lock_a, lock_b):
    with lock_a:
        conn.send(("hi", 1))
    with lock_b:
        conn.recv()
    conn.close()
if __name__ == '__main__':
    mp.set_start_method(sys.argv[1])
    parent_conn, child_conn = mp.Pipe()
    lock_a = mp.Lock()
    lock_b = mp.RLock()
    p = mp.Process(target=child, args=(child_conn, lock_a, lock_b))
    p.start()
    print("parent got", parent_conn.recv())
    parent_conn.send({"k": 2})
    p.join()
"#,
            &["--", method],
        );
        let mut names = HashMap::new();
        let mut pipe = Vec::new();
        let mut held = HashSet::new();
        for f in &run.frames {
            match &f.event {
                Event::Named { kind, id, name } => {
                    names.insert(*id, (*kind, name.clone()));
                }
                Event::PipeSend { conn, item } => pipe.push(format!("{conn} send {item}")),
                Event::PipeRecv {
                    conn,
                    item: Some(item),
                } => pipe.push(format!("{conn} recv {item}")),
                Event::LockAcquired { lock, .. } => {
                    held.insert(*lock);
                }
                _ => {}
            }
        }
        assert_eq!(
            pipe,
            [
                "child_conn send ('hi', 1)",
                "parent_conn recv ('hi', 1)",
                "parent_conn send {'k': 2}",
                "child_conn recv {'k': 2}"
            ],
            "{method}"
        );
        let named: HashSet<(ObjectKind, String)> = names.values().cloned().collect();
        assert!(
            named.contains(&(ObjectKind::Lock, "lock_a".into())),
            "{method}: {names:?}"
        );
        assert!(
            named.contains(&(ObjectKind::RLock, "lock_b".into())),
            "{method}: {names:?}"
        );
        // The child's acquisitions carry the ids the parent named.
        for id in &held {
            assert!(names.contains_key(id), "{method}: lock {id} has a name");
        }
        assert_eq!(held.len(), 2, "{method}: two locks, told apart");
    }
}

#[test]
fn waits_on_events_semaphores_barriers_conditions_and_joins_are_told_with_who_ends_them() {
    if !have_python() {
        return;
    }
    for method in ["fork", "spawn", "forkserver"] {
        let run = run_script(
            &format!("sync-{method}"),
            r#"
import multiprocessing as mp, sys, time
def worker(ready, sem, bar, cond, jq, hello):
    hello.put(1)
    ready.wait()
    with sem:
        time.sleep(0.02)
    bar.wait()
    with cond:
        cond.wait(0.05)
    jq.get(); jq.task_done()
if __name__ == '__main__':
    mp.set_start_method(sys.argv[1])
    ready = mp.Event()
    sem = mp.Semaphore(1)
    bar = mp.Barrier(2)
    cond = mp.Condition()
    jq = mp.JoinableQueue()
    hello = mp.Queue()
    ps = [mp.Process(target=worker, args=(ready, sem, bar, cond, jq, hello)) for i in range(2)]
    for p in ps: p.start()
    # Both workers are there (and then waiting) before it is set.
    hello.get(); hello.get()
    time.sleep(0.3)
    ready.set()
    jq.put(1); jq.put(2)
    jq.join()
    with cond:
        cond.notify_all()
    for p in ps: p.join()
    print("done")
"#,
            &["--", method],
        );
        let mut names: HashMap<u32, (ObjectKind, String)> = HashMap::new();
        let mut waits: HashMap<u32, HashSet<i32>> = HashMap::new();
        let mut ended: HashMap<u32, usize> = HashMap::new();
        let mut actions: Vec<(u32, String)> = Vec::new();
        for f in &run.frames {
            match &f.event {
                Event::Named { kind, id, name } => {
                    names.insert(*id, (*kind, name.clone()));
                }
                Event::SyncWait { id, .. } => {
                    waits.entry(*id).or_default().insert(f.pid);
                }
                Event::SyncDone { id, .. } => *ended.entry(*id).or_default() += 1,
                Event::SyncAction { id, action, .. } => actions.push((*id, action.clone())),
                _ => {}
            }
        }
        let id_of = |n: &str| {
            names
                .iter()
                .find(|(_, v)| v.1 == n)
                .map(|(id, v)| (*id, v.0))
                .unwrap_or_else(|| panic!("{method}: {n} named: {names:?}"))
        };
        let (ready, k) = id_of("ready");
        assert_eq!(k, ObjectKind::Event);
        assert_eq!(
            waits[&ready].len(),
            2,
            "{method}: both workers wait for ready"
        );
        assert_eq!(ended[&ready], 2, "{method}");
        assert!(actions.contains(&(ready, "set".into())), "{method}");
        let (bar, _) = id_of("bar");
        assert_eq!(waits[&bar].len(), 2, "{method}: both meet at the barrier");
        let (jq, k) = id_of("jq");
        assert_eq!(k, ObjectKind::JoinableQueue);
        assert!(
            waits[&jq].contains(&run.main_pid()),
            "{method}: main joins the queue"
        );
        let done = actions
            .iter()
            .filter(|a| **a == (jq, "task_done".into()))
            .count();
        assert_eq!(done, 2, "{method}");
        let (cond, _) = id_of("cond");
        assert_eq!(
            actions.iter().filter(|a| a.0 == cond).collect::<Vec<_>>(),
            vec![&(cond, "notify_all".to_string())],
            "{method}: one notify_all, told once"
        );
        let (sem, k) = id_of("sem");
        assert_eq!(k, ObjectKind::Semaphore);
        assert!(actions.contains(&(sem, "release".into())), "{method}");
        assert_eq!(printed(&run)[&run.main_pid()], vec!["done"], "{method}");
    }
}

#[test]
fn manager_proxy_calls_are_told_with_their_object_caller_and_round_trip() {
    if !have_python() {
        return;
    }
    for method in ["fork", "spawn"] {
        let run = run_script(
            &format!("manager-{method}"),
            r#"
import multiprocessing as mp, sys
def work(d, lock, i):
    for _ in range(3):
        with lock:
            d['count'] = d.get('count', 0) + 1
if __name__ == '__main__':
    mp.set_start_method(sys.argv[1])
    with mp.Manager() as manager:
        d = manager.dict()
        lock = manager.Lock()
        ps = [mp.Process(target=work, args=(d, lock, i)) for i in range(2)]
        for p in ps: p.start()
        for p in ps: p.join()
        print("count", d['count'])
        try:
            d['missing']
        except KeyError as e:
            print("no", e)
"#,
            &["--", method],
        );
        let mut names = HashMap::new();
        let mut calls: Vec<(i32, u32, String, String)> = Vec::new();
        let mut raised: Vec<(i32, u32, String, String)> = Vec::new();
        for f in &run.frames {
            match &f.event {
                Event::Named {
                    kind: ObjectKind::Proxy,
                    id,
                    name,
                } => {
                    names.insert(name.clone(), *id);
                }
                Event::ProxyCall {
                    id, method, arg, ..
                } => calls.push((f.pid, *id, method.clone(), arg.clone())),
                Event::ProxyRaised { id, method, error } => {
                    raised.push((f.pid, *id, method.clone(), error.clone()))
                }
                _ => {}
            }
        }
        let (d, lock) = (names["d"], names["lock"]);
        // The one call that raised is told as such, by the process that made it; the
        // calls that returned are not.
        assert_eq!(
            raised,
            [(
                run.main_pid(),
                d,
                "__getitem__".into(),
                "KeyError: 'missing'".into()
            )],
            "{method}"
        );
        let workers: HashSet<i32> = run
            .spawned()
            .iter()
            .filter(|s| s.2 == Role::Worker)
            .map(|s| s.0)
            .collect();
        let sets: Vec<&(i32, u32, String, String)> = calls
            .iter()
            .filter(|c| c.1 == d && c.2 == "__setitem__")
            .collect();
        assert_eq!(
            sets.len(),
            6,
            "{method}: each d['count'] = ... is one call: {calls:?}"
        );
        assert!(
            sets.iter().all(|c| workers.contains(&c.0)),
            "{method}: from the workers"
        );
        assert!(
            sets.iter().any(|c| c.3 == "('count', 6)"),
            "{method}: {sets:?}"
        );
        let acquires = calls
            .iter()
            .filter(|c| c.1 == lock && c.2 == "acquire")
            .count();
        assert_eq!(acquires, 6, "{method}");
        assert_eq!(
            printed(&run)[&run.main_pid()],
            vec!["count 6", "no 'missing'"],
            "{method}"
        );
    }
}

#[test]
fn shared_memory_segments_are_followed_read_by_proclab_and_leaks_flagged_and_removed() {
    if !have_python() {
        return;
    }
    let source = r#"
import multiprocessing as mp, os, signal, sys, time
from multiprocessing import shared_memory
def child(name):
    s = shared_memory.SharedMemory(name=name)
    s.buf[:5] = b'hello'
    time.sleep(0.7)
    s.close()
if __name__ == '__main__':
    mp.set_start_method(sys.argv[1])
    seg = shared_memory.SharedMemory(create=True, size=64)
    p = mp.Process(target=child, args=(seg.name,))
    p.start(); p.join()
    print(bytes(seg.buf[:5]))
    seg.close()
    if sys.argv[2] == "unlink":
        seg.unlink()
    elif sys.argv[2] == "crash":
        # The whole group dies at once, Python's resource tracker too: nothing of
        # Python's is left to clean the segment up.
        os.killpg(0, signal.SIGKILL)
"#;
    for method in ["fork", "spawn"] {
        for end in ["unlink", "leak", "crash"] {
            let run = run_script(
                &format!("shm-{method}-{end}"),
                source,
                // No --samples: segment contents are read all the same.
                &["--", method, end],
            );
            let mut ops: Vec<(i32, String)> = Vec::new();
            let mut seen_bytes = Vec::new();
            let mut leak = None;
            let mut name = String::new();
            for f in &run.frames {
                match &f.event {
                    Event::SharedMemory { name: n, op, .. } => {
                        name = n.clone();
                        ops.push((f.pid, format!("{op:?}")));
                    }
                    Event::SharedMemoryBytes { head, .. } => seen_bytes.push(head.clone()),
                    Event::SharedMemoryLeak { removed, .. } => leak = Some(*removed),
                    _ => {}
                }
            }
            let main = run.main_pid();
            assert_eq!(
                ops.first(),
                Some(&(main, "Create".to_string())),
                "{method} {end}"
            );
            assert!(
                ops.iter().any(|(p, op)| *p != main && op == "Attach"),
                "{method} {end}: the child attaches: {ops:?}"
            );
            assert!(
                seen_bytes.iter().any(|b| b.starts_with(b"hello")),
                "{method} {end}: proclab read what the child wrote"
            );
            match end {
                "unlink" => {
                    assert!(ops.contains(&(main, "Unlink".into())));
                    assert_eq!(leak, None, "{method}: no leak");
                }
                "leak" => assert_eq!(leak, Some(false), "{method}: the tracker cleaned up"),
                _ => assert_eq!(leak, Some(true), "{method}: proclab cleaned up"),
            }
            assert!(
                !std::path::Path::new("/dev/shm").join(&name).exists(),
                "{method} {end}: {name} is not left behind"
            );
        }
    }
}

#[test]
fn a_shareable_lists_values_are_read_by_proclab_as_python_prints_them() {
    if !have_python() {
        return;
    }
    let source = r#"
import multiprocessing as mp, time
from multiprocessing import shared_memory
def child(name, i):
    sl = shared_memory.ShareableList(name=name)
    sl[i] = i * 10 + 1
    if i == 1:
        sl[3] = "w%d" % i
    time.sleep(0.8)
    sl.shm.close()
if __name__ == "__main__":
    sl = shared_memory.ShareableList([0, 0, 2.5, "start", None, True, b"raw"])
    ps = [mp.Process(target=child, args=(sl.shm.name, i)) for i in range(2)]
    for p in ps: p.start()
    for p in ps: p.join()
    print(list(sl))
    sl.shm.close()
    sl.shm.unlink()
"#;
    let run = run_script("shareable", source, &[]);
    let printed_list = printed(&run)[&run.main_pid()][0].clone();
    let seen: Vec<String> = run
        .frames
        .iter()
        .filter_map(|f| match &f.event {
            Event::ShareableList { values, .. } => Some(format!("[{}]", values.join(", "))),
            _ => None,
        })
        .collect();
    assert_eq!(seen.last(), Some(&printed_list), "{seen:?}");
}

#[test]
fn a_failed_task_taken_with_exception_is_delivered_too() {
    if !have_python() {
        return;
    }
    let source = "from concurrent.futures import ProcessPoolExecutor, as_completed\ndef f(x):\n    if x % 2:\n        raise ValueError('odd %d' % x)\n    return x * 10\nif __name__ == '__main__':\n    with ProcessPoolExecutor(2) as ex:\n        fs = [ex.submit(f, i) for i in range(4)]\n        for fu in as_completed(fs):\n            e = fu.exception()\n            print(repr(e) if e else fu.result())\n";
    let run = run_script("exception", source, &[]);
    let mut delivered: Vec<String> = run
        .frames
        .iter()
        .filter_map(|f| match &f.event {
            Event::ResultDelivered { result, .. } => Some(result.clone()),
            _ => None,
        })
        .collect();
    delivered.sort();
    assert_eq!(
        delivered,
        [
            "0",
            "20",
            "raised ValueError: odd 1",
            "raised ValueError: odd 3"
        ]
    );
}
