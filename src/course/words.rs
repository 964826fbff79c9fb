//! Words the screen says about runs in both languages, shared by several panes and the
//! time cursor's header. A pane's own words sit in the pane, picked with `app.t(en, zh)`.

use crate::engine::protocol::{ExitStatus, signal_name};

/// How a process ended, in full: "exit code 1", "killed by SIGKILL (exitcode -9)".
pub fn status(st: ExitStatus, zh: bool) -> String {
    match (st, zh) {
        (ExitStatus::Code(c), false) => format!("exit code {c}"),
        (ExitStatus::Code(c), true) => format!("退出码 {c}"),
        (ExitStatus::Signal(s), false) => {
            format!("killed by {} (exitcode -{s})", signal_name(s))
        }
        (ExitStatus::Signal(s), true) => {
            format!("被 {} 杀死（exitcode -{s}）", signal_name(s))
        }
    }
}

/// How a process ended, short enough for a table cell: "exit 0", "退出 0", "SIGKILL".
pub fn short_status(st: ExitStatus, zh: bool) -> String {
    match (st, zh) {
        (ExitStatus::Code(c), false) => format!("exit {c}"),
        (ExitStatus::Code(c), true) => format!("退出 {c}"),
        (ExitStatus::Signal(s), _) => signal_name(s),
    }
}

/// What a process is doing ("waiting for the lock", "next: read counter") in the
/// screen's language. The state keeps these in English, as the events' own words; the
/// program's code in them ("q.put(3)", "lock.acquire()") stays as it is.
pub fn doing(s: &str, zh: bool) -> String {
    if !zh {
        return s.to_string();
    }
    // Whole phrases first, then a leading verb with the rest kept (a name or code).
    const WHOLE: &[(&str, &str)] = &[
        ("waiting for the lock", "等待锁"),
        ("holds the lock", "持有锁"),
        ("released the lock", "释放了锁"),
        ("q.put() blocked: full", "q.put() 阻塞：队列已满"),
        ("q.get() blocked: empty", "q.get() 阻塞：队列为空"),
        ("read counter", "读 counter"),
        ("get a task", "取一个任务"),
        ("keep working as an orphan", "作为孤儿继续工作"),
    ];
    const LEADING: &[(&str, &str)] = &[
        // Before "waiting for ": the more specific phrase first.
        ("waiting for child ", "等待子进程结束："),
        ("done waiting for child ", "子进程已结束："),
        ("next: ", "下一步："),
        ("waiting for ", "等待 "),
        ("waiting on ", "等待 "),
        ("done waiting on ", "不再等待 "),
        ("gave up on ", "放弃等待 "),
        ("holds ", "持有 "),
        ("released ", "释放了 "),
        ("returned ", "返回 "),
        ("raised ", "抛出 "),
        ("read ", "读 "),
        ("return ", "返回 "),
        ("print result of ", "打印结果："),
        ("join worker ", "join 工作进程 "),
        ("start fork child ", "启动 fork 子进程 "),
        ("return from ", "返回自 "),
        ("exit code ", "退出码 "),
        ("killed by ", "被杀死："),
        ("created shared memory ", "创建共享内存段 "),
        ("attached shared memory ", "附加共享内存段 "),
        ("closed shared memory ", "关闭共享内存段 "),
        ("unlinked shared memory ", "unlink 共享内存段 "),
    ];
    if let Some((_, z)) = WHOLE.iter().find(|(en, _)| *en == s) {
        return z.to_string();
    }
    if let Some(rest) = s.strip_prefix("served ")
        && let Some((what, client)) = rest.rsplit_once(" for ")
    {
        return format!("为 {client} 执行 {what}");
    }
    for (en, z) in LEADING {
        if let Some(rest) = s.strip_prefix(en) {
            return format!("{z}{}", doing(rest, zh));
        }
    }
    s.to_string()
}

/// A named thing the native demos report in English (a GIL variant, a phase), in the
/// screen's language; anything else (a Python program's own names) as it is.
pub fn name(s: &str, zh: bool) -> String {
    const NAMES: &[(&str, &str)] = &[
        ("serial", "串行"),
        ("threads (GIL model)", "线程（GIL 模型）"),
        ("threads (no GIL)", "线程（无 GIL）"),
        ("processes", "进程"),
        (
            "SIGINT to the process group (Ctrl-C)",
            "向进程组发送 SIGINT（Ctrl-C）",
        ),
    ];
    match NAMES.iter().find(|(en, _)| *en == s) {
        Some((_, z)) if zh => z.to_string(),
        _ => s.to_string(),
    }
}

/// A warning's output line ("value-race: read counter = 3, ... (×2)") in Chinese: its
/// code kept, the probe's English explanation replaced by the Chinese one for that code
/// (the values in it are in the program's own lines around it). Unknown codes as they are.
pub fn warning(line: &str, zh: bool) -> String {
    const WARNINGS: &[(&str, &str)] = &[
        (
            "no-main-guard",
            "这个子进程重新运行了主模块，并在被导入时启动了进程：在 spawn 和 forkserver 下每个子进程都会导入主模块，所以启动进程的代码必须放在 `if __name__ == '__main__':` 之下",
        ),
        (
            "join-before-get",
            "无法结束：它放入队列的数据还在管道里，而父进程在 join() 中等待而不去取：请先 get() 结果，再 join()",
        ),
        (
            "pool-after-close",
            "进程池已关闭或已被终止（离开 `with` 块就会终止它）：它不再接收任务，等待的结果也不会到来；请在块内收集结果",
        ),
        (
            "unpicklable",
            "只有 pickle 能复制的对象才能传给另一个进程（lambda、定义在函数内部的函数、锁、打开的文件都不行）；请把函数定义在模块顶层",
        ),
        (
            "value-race",
            "在没有持有锁的情况下，读取之后、写入之前另一个进程已写入：这次更新丢失了",
        ),
    ];
    if !zh {
        return line.to_string();
    }
    let Some((code, rest)) = line.split_once(": ") else {
        return line.to_string();
    };
    match WARNINGS.iter().find(|(c, _)| *c == code) {
        Some((_, text)) => {
            // The repeat count the state appended, " (×N)", is kept.
            let times = rest
                .rfind(" (×")
                .filter(|_| rest.ends_with(')'))
                .map_or("", |i| &rest[i..]);
            format!("{code}：{text}{times}")
        }
        None => line.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_process_does_is_said_in_chinese_and_its_code_kept() {
        assert_eq!(doing("waiting for the lock", true), "等待锁");
        assert_eq!(doing("next: read counter", true), "下一步：读 counter");
        assert_eq!(doing("next: q.put(3)", true), "下一步：q.put(3)");
        assert_eq!(doing("served get for B (12)", true), "为 B (12) 执行 get");
        assert_eq!(doing("waiting for the lock", false), "waiting for the lock");
    }

    #[test]
    fn a_warning_is_explained_in_chinese_with_its_code_and_count() {
        let line = "value-race: read counter = 3, then another process wrote 4 (×2)";
        let zh = warning(line, true);
        assert!(
            zh.starts_with("value-race：") && zh.ends_with(" (×2)"),
            "{zh}"
        );
        assert!(!zh.contains("another process"));
        assert_eq!(warning(line, false), line);
        assert_eq!(warning("new-code: text", true), "new-code: text");
    }
}
