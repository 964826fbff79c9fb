//! Events in words: the readable line `proclab run` prints for each event (and anything
//! else that tells a person what happened).

use super::{Event, Outcome, Role, Stream, UserAction};

/// " (×N)" for a warning that happened N > 1 times.
pub fn times(count: u32) -> String {
    if count > 1 {
        format!(" (×{count})")
    } else {
        String::new()
    }
}

/// [`describe`], with the names the program gave its objects (from [`Event::Named`])
/// in place of their ids where one is known: "waits on Event ready".
pub fn describe_named<'a>(e: &Event, name_of: impl Fn(u32) -> Option<&'a str>) -> String {
    let called = |kind: &super::ObjectKind, id: u32| match name_of(id) {
        Some(name) => format!("{} {name}", kind.class()),
        None => format!("{} {id}", kind.class()),
    };
    match e {
        Event::SyncWait { kind, id } => format!("waits on {}", called(kind, *id)),
        Event::SyncDone { kind, id, ok } => format!(
            "done waiting on {}{}",
            called(kind, *id),
            if *ok { "" } else { " (timed out)" }
        ),
        Event::SyncAction { kind, id, action } => format!("{action} on {}", called(kind, *id)),
        _ => describe(e),
    }
}

/// One readable line for an event.
pub fn describe(e: &Event) -> String {
    match e {
        Event::RunStarted {
            demo,
            params,
            runner_pid,
            main_pid,
        } => {
            let p: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
            format!(
                "run {demo}: main pid {main_pid} (runner {runner_pid}); {}",
                p.join(" ")
            )
        }
        Event::Spawned {
            ppid,
            role,
            label,
            start_method,
        } => {
            format!(
                "started: {label} ({}), ppid {ppid}, by {}",
                role_name(*role),
                start_method_words(start_method)
            )
        }
        Event::Exited { status } => format!("exited: {status}"),
        Event::Output {
            stream: Stream::Stdout,
            line,
        } => format!("| {line}"),
        Event::Output {
            stream: Stream::Stderr,
            line,
        } => format!("! {line}"),
        Event::Warning {
            code,
            message,
            count,
        } => format!("WARNING {code}: {message}{}", times(*count)),
        Event::OutputPart {
            stream: Stream::Stdout,
            text,
        } => format!("| {text}… (no newline yet)"),
        Event::OutputPart {
            stream: Stream::Stderr,
            text,
        } => format!("! {text}… (no newline yet)"),
        Event::Phase { name } => format!("== {name}"),
        Event::StepPoint { op, detail } => format!("waits to {op:?}: {detail}"),
        Event::QueuePut { item, size, .. } => format!("put {item} (size {size})"),
        Event::QueueGet {
            item,
            producer,
            size,
            ..
        } => {
            if *producer == 0 {
                format!("got {item} (size {size})")
            } else {
                format!("got {item} from pid {producer} (size {size})")
            }
        }
        Event::QueueBlocked { op, .. } => format!("blocked on queue {op:?}"),
        Event::LockWait { .. } => "waits for the lock".into(),
        Event::LockAcquired { waited_us, .. } => format!("holds the lock (waited {waited_us} µs)"),
        Event::LockReleased { .. } => "released the lock".into(),
        Event::SharedRead { name, index, value } => format!("read {name}[{index}] = {value}"),
        Event::SharedWrite { name, index, value } => format!("wrote {name}[{index}] = {value}"),
        Event::TaskSubmitted { task, arg } => format!("submitted task {task} ({arg})"),
        Event::TaskStarted { task, arg } => format!("runs task {task} ({arg})"),
        Event::TaskDone {
            task,
            result,
            raised: false,
        } => format!("finished task {task} = {result}"),
        Event::TaskDone {
            task,
            result,
            raised: true,
        } => format!("task {task} raised {result}"),
        Event::ResultDelivered {
            task,
            result,
            position,
        } => {
            format!("result #{position}: task {task} = {result}")
        }
        Event::PipeSend { conn, item } => format!("{conn}.send({item})"),
        Event::PipeRecv {
            conn,
            item: Some(item),
        } => format!("{conn}.recv() -> {item}"),
        Event::PipeRecv { conn, item: None } => {
            format!("{conn}.recv() -> EOFError (every write end closed)")
        }
        Event::Served { client, request } => format!("served {request} for pid {client}"),
        Event::Outcome(o) => format!("result: {}", describe_outcome(o)),
        Event::Sample(s) => {
            let cores: Vec<String> = s.cores.iter().map(|c| format!("{c:.0}%")).collect();
            let procs: Vec<String> = s
                .procs
                .iter()
                .map(|p| {
                    format!(
                        "{} {} {:.0}% core {} {} KB",
                        p.pid, p.state, p.cpu, p.core, p.rss_kb
                    )
                })
                .collect();
            format!("sample: cores [{}]  {}", cores.join(" "), procs.join(", "))
        }
        Event::JoinWait { child } => format!("waits in join() for pid {child}"),
        Event::RecvWait { conn } => format!("waits in {conn}.recv(): nothing sent yet"),
        Event::Sched(s) => {
            let procs: Vec<String> = s
                .procs
                .iter()
                .map(|p| format!("{} ran {} µs waited {} µs", p.pid, p.ran_us, p.waited_us))
                .collect();
            format!("scheduler over {} µs: {}", s.interval_us, procs.join(", "))
        }
        Event::Error { source, message } => format!("ERROR ({source}): {message}"),
        Event::Named { kind, id, name } => format!("{} {id} is called {name}", kind.class()),
        Event::SyncWait { kind, id } => format!("waits on {} {id}", kind.class()),
        Event::SyncDone { kind, id, ok } => format!(
            "done waiting on {} {id}{}",
            kind.class(),
            if *ok { "" } else { " (timed out)" }
        ),
        Event::SyncAction { kind, id, action } => {
            format!("{action} on {} {id}", kind.class())
        }
        Event::ProxyCall {
            id,
            method,
            arg,
            rtt_us,
        } => format!("proxy {id}.{method}({arg}): {rtt_us} µs round trip"),
        Event::ProxyRaised { id, method, error } => {
            format!("proxy {id}.{method}() raised {error}")
        }
        Event::ProcessStarted { latency_us } => format!(
            "reached its own code {:.1} ms after start()",
            *latency_us as f64 / 1000.0
        ),
        Event::SharedMemory { name, op, size } => {
            format!("{} shared memory {name} ({size} bytes)", shm_verb(*op))
        }
        Event::ShareableList { name, values } => {
            format!(
                "shared memory {name} holds ShareableList([{}])",
                values.join(", ")
            )
        }
        Event::SharedMemoryBytes { name, head } => {
            format!("shared memory {name} starts {}", bytes_preview(head))
        }
        Event::SharedMemoryLeak {
            name,
            removed: true,
        } => format!("LEAK: shared memory {name} was never unlinked; proclab removed it"),
        Event::SharedMemoryLeak {
            name,
            removed: false,
        } => format!(
            "LEAK: shared memory {name} was never unlinked (the resource tracker removed it)"
        ),
        Event::User(a) => match a {
            UserAction::Pause => "user: pause (SIGSTOP to the group)".into(),
            UserAction::Resume => "user: resume (SIGCONT)".into(),
            UserAction::Tempo { ms } => {
                format!("user: tempo {ms} ms per operation")
            }
            UserAction::Stepping { on: true } => "user: step mode on".into(),
            UserAction::Stepping { on: false } => "user: step mode off".into(),
            UserAction::Step => "user: one step".into(),
            UserAction::Stop => "user: stop".into(),
        },
        Event::RunEnded(s) => format!(
            "summary: {} demo, main {}, {} processes, {:.2} s{}{}",
            s.demo,
            s.main_status
                .map_or("never started".into(), |st| st.to_string()),
            s.processes,
            s.wall_ms / 1e3,
            if s.stopped { ", stopped" } else { "" },
            if s.errors > 0 {
                format!(", {} errors", s.errors)
            } else {
                String::new()
            }
        ),
    }
}

/// How a process was started, in words. "exec" is a fresh program image (a native demo's
/// main, proclab re-executed; a Python program, its forkserver or resource tracker): say
/// which start method that is like, so no one reads it as a fourth one.
pub fn start_method_words(method: &str) -> String {
    match method {
        "exec" => "exec (a fresh image, like spawn)".into(),
        m => m.into(),
    }
}

/// A role in words ("pool worker").
pub fn role_name(r: Role) -> &'static str {
    use Role::*;
    match r {
        Main => "main",
        Worker => "worker",
        Producer => "producer",
        Consumer => "consumer",
        PoolWorker => "pool worker",
        Variant => "variant",
        Server => "server",
        Unknown => "unknown",
    }
}

fn describe_outcome(o: &Outcome) -> String {
    match o {
        Outcome::Counter {
            expected,
            actual,
            locked,
        } => format!(
            "counter {actual} of {expected} expected, {} lost (lock {})",
            expected - actual,
            if *locked { "on" } else { "off" }
        ),
        Outcome::Timing {
            variant,
            workers,
            wall_ms,
            cpu_ms,
            speedup,
        } => {
            // A Python program's own timing line: no worker count or CPU time known.
            let how = if *workers > 0 {
                format!(" x{workers}: wall {wall_ms:.1} ms, cpu {cpu_ms:.1} ms")
            } else {
                format!(": wall {wall_ms:.1} ms")
            };
            format!("{variant}{how}, speedup {speedup:.2}x")
        }
        Outcome::Pool {
            mode,
            tasks,
            delivered,
            distinct_pids,
            complete,
            ..
        } => {
            let order: Vec<String> = delivered.iter().map(|(t, _)| t.to_string()).collect();
            format!(
                "{mode}: {tasks} results from {distinct_pids} PIDs, task order [{}{}]",
                order.join(" "),
                if *complete { "" } else { " ..." }
            )
        }
        Outcome::Queue { put, got, total } => format!(
            "{put} put, {got} got{}",
            total.map_or(String::new(), |t| format!(", total {t}"))
        ),
        Outcome::Shared { value, array } => {
            let a: Vec<String> = array.iter().map(|v| v.to_string()).collect();
            format!("value {value}, array [{}]", a.join(", "))
        }
        Outcome::Processes { children } => {
            let c: Vec<String> = children.iter().map(|(p, s)| format!("{p}: {s}")).collect();
            c.join("; ")
        }
        Outcome::Pipe {
            duplex,
            sent,
            received,
            replies,
            eof,
        } => format!(
            "{} pipe: {sent} sent, {received} received{}{}",
            if *duplex { "duplex" } else { "one-way" },
            if *duplex {
                format!(", {replies} replies")
            } else {
                String::new()
            },
            if *eof { ", then EOF" } else { "" }
        ),
        Outcome::Manager {
            round_trips,
            proxy_us,
            value_us,
        } => format!(
            "{round_trips} proxy round trips, {proxy_us:.1} µs each; v.value += 1 on a Value takes {value_us:.2} µs"
        ),
        Outcome::StartMethods { rows } => {
            let r: Vec<String> = rows
                .iter()
                .map(|r| {
                    format!(
                        "{} pid {} ppid {} ({}) in {:.1} ms, CONFIG={}",
                        r.method,
                        r.pid,
                        r.ppid,
                        r.parent,
                        r.latency_us as f64 / 1000.0,
                        r.config
                    )
                })
                .collect();
            r.join("; ")
        }
        Outcome::Orphan {
            pid,
            ppid_before,
            ppid_after,
        } => {
            format!("orphan {pid}: PPID {ppid_before} before its parent died, {ppid_after} after")
        }
        Outcome::Chunks {
            chunksize,
            tasks,
            messages,
            per_worker,
            wall_ms,
        } => {
            let per: Vec<String> = per_worker.iter().map(|(_, k)| k.to_string()).collect();
            format!(
                "map of {tasks} tasks, chunksize={chunksize}: {messages} messages, {wall_ms:.0} ms; tasks per worker {}",
                per.join(", ")
            )
        }
    }
}

/// The verb for what a process did to a shared memory segment.
pub fn shm_verb(op: super::ShmOp) -> &'static str {
    match op {
        super::ShmOp::Create => "created",
        super::ShmOp::Attach => "attached",
        super::ShmOp::Close => "closed",
        super::ShmOp::Unlink => "unlinked",
    }
}

/// Bytes as hex, with their printable ASCII: `68 69 00 ff  hi..`.
pub fn bytes_preview(head: &[u8]) -> String {
    let hex: Vec<String> = head.iter().take(16).map(|b| format!("{b:02x}")).collect();
    let text: String = head
        .iter()
        .take(16)
        .map(|&b| {
            if (0x20..0x7f).contains(&b) {
                b as char
            } else {
                '.'
            }
        })
        .collect();
    format!("{}  {text}", hex.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::protocol::ObjectKind;

    #[test]
    fn a_named_object_is_told_by_its_name_and_an_unnamed_one_by_its_id() {
        let wait = Event::SyncWait {
            kind: ObjectKind::Event,
            id: 7,
        };
        assert_eq!(
            describe_named(&wait, |id| (id == 7).then_some("ready")),
            "waits on Event ready"
        );
        assert_eq!(describe_named(&wait, |_| None), "waits on Event 7");
        assert_eq!(describe_named(&wait, |_| None), describe(&wait));
    }
}
