//! One event told in words for the time cursor's header line: who did what, by the letter
//! the panes use for the process ("B read counter = 41", "A put 7 on the queue").

use crate::engine::protocol::{Event, Frame, Op, UserAction};
use crate::state::RunState;

/// `f` told in words, naming processes as `state` (the state the event belongs to) knows
/// them.
pub fn tell(f: &Frame, state: &RunState) -> String {
    let who = who(state, f.pid);
    let cell = |name: &str, index: u32| {
        if index == 0 && state.shared.get(name).is_none_or(|c| c.len() <= 1) {
            name.to_string()
        } else {
            format!("{name}[{index}]")
        }
    };
    match &f.event {
        Event::RunStarted { demo, .. } => format!("the {demo} run started"),
        Event::Spawned {
            label,
            start_method,
            ppid,
            ..
        } => format!(
            "{who} started: {label}, pid {}, child of {} by {}",
            f.pid,
            self::who(state, *ppid),
            crate::engine::protocol::words::start_method_words(start_method)
        ),
        Event::Exited { status } => format!("{who} exited: {status}"),
        Event::Output { line, .. } => format!("{who} printed: {line}"),
        Event::OutputPart { text, .. } => format!("{who} printed (no newline yet): {text}"),
        Event::Warning {
            code,
            message,
            count,
        } => format!(
            "{who}: WARNING {code}: {message}{}",
            crate::engine::protocol::words::times(*count)
        ),
        Event::Phase { name } => format!("phase: {name}"),
        Event::StepPoint { detail, .. } => format!("{who} waits to {detail}"),
        Event::QueuePut { item, size, .. } => {
            format!("{who} put {item} on the queue (size {size})")
        }
        Event::QueueGet { item, size, .. } => {
            format!("{who} got {item} from the queue (size {size})")
        }
        Event::QueueBlocked { op: Op::Put, .. } => format!("{who} blocks: the queue is full"),
        Event::QueueBlocked { .. } => format!("{who} blocks: the queue is empty"),
        Event::LockWait { .. } => format!("{who} waits for the lock"),
        Event::LockAcquired { .. } => format!("{who} holds the lock"),
        Event::LockReleased { .. } => format!("{who} released the lock"),
        Event::SharedRead { name, index, value } => {
            format!("{who} read {} = {value}", cell(name, *index))
        }
        Event::SharedWrite { name, index, value } => {
            format!("{who} wrote {} = {value}", cell(name, *index))
        }
        Event::TaskSubmitted { task, arg } => format!("{who} submitted task {task} ({arg})"),
        Event::TaskStarted { task, arg } => format!("{who} runs task {task} ({arg})"),
        Event::TaskDone {
            task,
            result,
            raised: false,
        } => format!("{who} finished task {task}: {result}"),
        Event::TaskDone {
            task,
            result,
            raised: true,
        } => format!("{who}'s task {task} raised {result}"),
        Event::ResultDelivered {
            task,
            result,
            position,
        } => format!("{who} got result #{position}: task {task} = {result}"),
        Event::PipeSend { conn, item } => format!("{who} sent {item} through {conn}"),
        Event::PipeRecv {
            conn,
            item: Some(item),
        } => format!("{who} received {item} from {conn}"),
        Event::PipeRecv { conn, item: None } => {
            format!("{who} got EOFError from {conn}: every write end is closed")
        }
        Event::Served { client, request } => {
            format!("{who} served {request} for {}", self::who(state, *client))
        }
        Event::Outcome(_) | Event::Error { .. } | Event::RunEnded(_) => {
            crate::engine::protocol::words::describe(&f.event)
        }
        Event::SharedMemory { name, op, size } => format!(
            "{who} {} shared memory {name} ({size} bytes)",
            crate::engine::protocol::words::shm_verb(*op)
        ),
        Event::SharedMemoryBytes { .. }
        | Event::SharedMemoryLeak { .. }
        | Event::ShareableList { .. } => crate::engine::protocol::words::describe(&f.event),
        Event::Sample(s) => {
            let cores: Vec<String> = s.cores.iter().map(|c| format!("{c:.0}%")).collect();
            format!(
                "sample: cores {}, {} processes",
                cores.join(" "),
                s.procs.len()
            )
        }
        Event::JoinWait { child } => {
            format!("{who} waits in join() for {}", self::who(state, *child))
        }
        Event::RecvWait { conn } => format!("{who} waits in {conn}.recv(): nothing sent yet"),
        Event::Sched(s) => format!(
            "scheduler: {} processes, {} mostly waiting for a core",
            s.procs.len(),
            s.procs
                .iter()
                .filter(|p| p.mostly_waiting(s.interval_us))
                .count()
        ),
        Event::Named { kind, name, .. } => format!("{who} made {name} (a {})", kind.class()),
        Event::SyncWait { id, .. } => format!("{who} waits on {}", state.sync_called(*id)),
        Event::SyncDone { id, ok: true, .. } => {
            format!("{who} stopped waiting on {}", state.sync_called(*id))
        }
        Event::SyncDone { id, ok: false, .. } => {
            format!(
                "{who} gave up waiting on {} (timeout)",
                state.sync_called(*id)
            )
        }
        Event::SyncAction { id, action, .. } => {
            format!("{who}: {}.{action}()", state.sync_called(*id))
        }
        Event::ProxyCall {
            id,
            method,
            arg,
            rtt_us,
        } => format!(
            "{who}: {}.{method}({arg}) through the Manager: {rtt_us} µs",
            state.proxy_called(*id)
        ),
        Event::ProxyRaised { id, method, error } => format!(
            "{who}: {}.{method}() through the Manager raised {error}",
            state.proxy_called(*id)
        ),
        Event::ProcessStarted { latency_us } => format!(
            "{who} runs its own code, {:.1} ms after its parent's start()",
            *latency_us as f64 / 1000.0
        ),
        Event::User(a) => match a {
            UserAction::Pause => "you paused the run (SIGSTOP)".into(),
            UserAction::Resume => "you resumed the run (SIGCONT)".into(),
            UserAction::Tempo { ms } => format!("you set the tempo to {ms} ms per operation"),
            UserAction::Stepping { on: true } => "you turned step mode on".into(),
            UserAction::Stepping { on: false } => "you turned step mode off".into(),
            UserAction::Step => format!("you let {who} do one step"),
            UserAction::Stop => "you stopped the run".into(),
        },
    }
}

/// `f` told in the screen's language (see [`tell`]).
pub fn tell_in(f: &Frame, state: &RunState, lang: crate::course::Lang) -> String {
    match lang {
        crate::course::Lang::En => tell(f, state),
        crate::course::Lang::Zh => tell_zh(f, state),
    }
}

/// [`tell`] in Chinese. The program's names, values and code stay as they are; what
/// the protocol itself words (outcomes, errors, the run's end) stays in its words.
fn tell_zh(f: &Frame, state: &RunState) -> String {
    let who = who(state, f.pid);
    let cell = |name: &str, index: u32| {
        if index == 0 && state.shared.get(name).is_none_or(|c| c.len() <= 1) {
            name.to_string()
        } else {
            format!("{name}[{index}]")
        }
    };
    match &f.event {
        Event::RunStarted { demo, .. } => format!("{demo} 演示开始运行"),
        Event::Spawned {
            label,
            start_method,
            ppid,
            ..
        } => format!(
            "{who} 已启动：{label}，pid {}，由 {} 以 {start_method} 启动",
            f.pid,
            self::who(state, *ppid)
        ),
        Event::Exited { status } => format!(
            "{who} 已退出：{}",
            crate::course::words::status(*status, true)
        ),
        Event::Output { line, .. } => format!("{who} 打印：{line}"),
        Event::OutputPart { text, .. } => format!("{who} 打印（尚未换行）：{text}"),
        Event::Warning { code, message, .. } => format!("{who}：警告 {code}：{message}"),
        Event::Phase { name } => format!("阶段：{name}"),
        Event::StepPoint { detail, .. } => {
            format!(
                "{who} 等待执行：{}",
                crate::course::words::doing(detail, true)
            )
        }
        Event::QueuePut { item, size, .. } => format!("{who} 把 {item} 放入队列（大小 {size}）"),
        Event::QueueGet { item, size, .. } => format!("{who} 从队列取出 {item}（大小 {size}）"),
        Event::QueueBlocked { op: Op::Put, .. } => format!("{who} 阻塞：队列已满"),
        Event::QueueBlocked { .. } => format!("{who} 阻塞：队列为空"),
        Event::LockWait { .. } => format!("{who} 等待锁"),
        Event::LockAcquired { .. } => format!("{who} 持有锁"),
        Event::LockReleased { .. } => format!("{who} 释放了锁"),
        Event::SharedRead { name, index, value } => {
            format!("{who} 读 {} = {value}", cell(name, *index))
        }
        Event::SharedWrite { name, index, value } => {
            format!("{who} 写 {} = {value}", cell(name, *index))
        }
        Event::TaskSubmitted { task, arg } => format!("{who} 提交任务 {task}（{arg}）"),
        Event::TaskStarted { task, arg } => format!("{who} 执行任务 {task}（{arg}）"),
        Event::TaskDone {
            task,
            result,
            raised: false,
        } => format!("{who} 完成任务 {task}：{result}"),
        Event::TaskDone { task, result, .. } => format!("{who} 的任务 {task} 抛出 {result}"),
        Event::ResultDelivered {
            task,
            result,
            position,
        } => format!("{who} 收到第 {position} 个结果：任务 {task} = {result}"),
        Event::PipeSend { conn, item } => format!("{who} 通过 {conn} 发送 {item}"),
        Event::PipeRecv {
            conn,
            item: Some(item),
        } => format!("{who} 从 {conn} 收到 {item}"),
        Event::PipeRecv { conn, item: None } => {
            format!("{who} 从 {conn} 得到 EOFError：所有写端都已关闭")
        }
        Event::Served { client, request } => {
            format!("{who} 为 {} 执行 {request}", self::who(state, *client))
        }
        Event::SharedMemory { name, op, size } => format!(
            "{who} {} 共享内存 {name}（{size} 字节）",
            crate::engine::protocol::words::shm_verb(*op)
        ),
        Event::Sample(s) => {
            let cores: Vec<String> = s.cores.iter().map(|c| format!("{c:.0}%")).collect();
            format!("采样：各核 {}，{} 个进程", cores.join(" "), s.procs.len())
        }
        Event::JoinWait { child } => {
            format!("{who} 在 join() 中等待 {} 结束", self::who(state, *child))
        }
        Event::RecvWait { conn } => format!("{who} 在 {conn}.recv() 中等待：还没有数据"),
        Event::Sched(s) => format!(
            "调度：{} 个进程，{} 个大多在等待 CPU 核",
            s.procs.len(),
            s.procs
                .iter()
                .filter(|p| p.mostly_waiting(s.interval_us))
                .count()
        ),
        Event::Named { kind, name, .. } => format!("{who} 创建了 {name}（{}）", kind.class()),
        Event::SyncWait { id, .. } => format!("{who} 等待 {}", state.sync_called(*id)),
        Event::SyncDone { id, ok: true, .. } => {
            format!("{who} 不再等待 {}", state.sync_called(*id))
        }
        Event::SyncDone { id, .. } => format!("{who} 放弃等待 {}（超时）", state.sync_called(*id)),
        Event::SyncAction { id, action, .. } => {
            format!("{who}：{}.{action}()", state.sync_called(*id))
        }
        Event::ProxyCall {
            id,
            method,
            arg,
            rtt_us,
        } => format!(
            "{who}：通过 Manager 调用 {}.{method}({arg})：{rtt_us} µs",
            state.proxy_called(*id)
        ),
        Event::ProxyRaised { id, method, error } => format!(
            "{who}：通过 Manager 调用 {}.{method}() 抛出了 {error}",
            state.proxy_called(*id)
        ),
        Event::ProcessStarted { latency_us } => format!(
            "{who} 开始运行自己的代码，距父进程调用 start() {:.1} ms",
            *latency_us as f64 / 1000.0
        ),
        Event::User(a) => match a {
            UserAction::Pause => "你暂停了运行（SIGSTOP）".into(),
            UserAction::Resume => "你继续了运行（SIGCONT）".into(),
            UserAction::Tempo { ms } => format!("你把节奏设为每次操作 {ms} ms"),
            UserAction::Stepping { on: true } => "你打开了单步模式".into(),
            UserAction::Stepping { on: false } => "你关闭了单步模式".into(),
            UserAction::Step => format!("你让 {who} 执行了一步"),
            UserAction::Stop => "你停止了运行".into(),
        },
        Event::Outcome(_)
        | Event::Error { .. }
        | Event::RunEnded(_)
        | Event::SharedMemoryBytes { .. }
        | Event::SharedMemoryLeak { .. }
        | Event::ShareableList { .. } => tell(f, state),
    }
}

/// A process by its letter (and PID), or by PID when the state does not know it.
fn who(state: &RunState, pid: i32) -> String {
    match state.procs.get(&pid) {
        Some(p) => format!("{} ({pid})", p.glyph()),
        None if pid == state.runner_pid && pid > 0 => format!("proclab ({pid})"),
        None if pid > 0 => format!("pid {pid}"),
        None => "proclab".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::protocol::{Role, Scalar};

    fn f(pid: i32, event: Event) -> Frame {
        Frame {
            t_us: 1,
            pid,
            event,
        }
    }

    #[test]
    fn events_are_told_with_the_letters_of_the_panes() {
        let mut s = RunState::new();
        for (pid, role, label) in [
            (10, Role::Main, "main"),
            (11, Role::Worker, "worker 0"),
            (12, Role::Worker, "worker 1"),
        ] {
            s.apply(&f(
                pid,
                Event::Spawned {
                    ppid: 1,
                    role,
                    label: label.into(),
                    start_method: "fork".into(),
                },
            ));
        }
        let read = f(
            12,
            Event::SharedRead {
                name: "counter".into(),
                index: 0,
                value: Scalar::I32(41),
            },
        );
        assert_eq!(tell(&read, &s), "B (12) read counter = 41");
        let put = f(
            11,
            Event::QueuePut {
                queue: 0,
                item: "7".into(),
                seq: 0,
                size: 1,
            },
        );
        assert_eq!(tell(&put, &s), "A (11) put 7 on the queue (size 1)");
        assert_eq!(
            tell(&f(12, Event::User(UserAction::Step)), &s),
            "you let B (12) do one step"
        );
        assert_eq!(
            tell(&f(99, Event::LockWait { lock: 0 }), &s),
            "pid 99 waits for the lock"
        );
        let zh = crate::course::Lang::Zh;
        assert_eq!(tell_in(&read, &s, zh), "B (12) 读 counter = 41");
        assert_eq!(tell_in(&put, &s, zh), "A (11) 把 7 放入队列（大小 1）");
    }
}
