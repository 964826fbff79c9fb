//! The lesson pane: the current step (or what to try), its prediction, and the settings
//! of the next run.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Color;
use ratatui::text::{Line, Span};

use crate::app::App;
use crate::engine::demos::DemoKind;
use crate::ui::block;
use crate::ui::theme::Theme;

use super::wrapped;

/// What the lesson is about, what to try, and the settings of the next run.
pub fn lesson(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let d = app.demo();
    let s = app.current();
    let s_workers = s.workers;
    let try_this = match (d, app.mode()) {
        (DemoKind::Process, _) => {
            app.t("Press r: each child prints its own PID and its parent's. Compare with ps.", "按 r：每个子进程打印自己的 PID 和父进程的 PID。可与 ps 对照。").to_string()
        }
        (DemoKind::Queue, Some("sum")) => {
            app.t("Press r: each worker puts its sum; the parent gets them all first, then joins.", "按 r：每个工作进程放入自己的和；父进程先全部取出，再 join。").to_string()
        }
        (DemoKind::Queue, _) => {
            app.t("Press r: items travel as chips from the producers to the consumer, in order per producer.", "按 r：数据项像筹码一样从生产者流向消费者，同一生产者的项保持顺序。").to_string()
        }
        (DemoKind::Pool, _) if app.zh() => format!(
            "按 r：{s_workers} 个工作进程 PID 处理全部任务。m：imap / unordered / maxtasksperchild。"
        ),
        (DemoKind::Pool, _) => format!(
            "Press r: {s_workers} worker PID{} serve all tasks. m: imap / unordered / maxtasksperchild.",
            if s_workers == 1 { "" } else { "s" }
        ),
        (DemoKind::Shared, _) => {
            app.t("Press r: every worker writes the same Value and its own Array cell.", "按 r：每个工作进程写同一个 Value 和 Array 中自己的格子。").to_string()
        }
        (DemoKind::Lock, _) => {
            app.t("Press r with the lock OFF: the counter falls short. Press l, then r: exact. Space: be the scheduler.", "不加锁按 r：计数器不足。按 l 再按 r：分毫不差。空格：由你来调度。").to_string()
        }
        (DemoKind::Gil, Some("io")) => {
            app.t("Press r: blocking calls (sleeps) serial, in threads, in processes: threads keep up.", "按 r：阻塞调用（sleep）分别串行、用线程、用进程执行：线程跟得上。").to_string()
        }
        (DemoKind::Gil, _) => {
            app.t("Press r and compare the bars: under the GIL, threads are no faster than serial.", "按 r 并比较各条：在 GIL 之下，线程并不比串行快。").to_string()
        }
        (DemoKind::Pipe, Some("oneway")) => {
            app.t("Press r: the child sends, then closes; main gets EOFError once every write end is closed.", "按 r：子进程发送后关闭；所有写端都关闭后，主进程得到 EOFError。").to_string()
        }
        (DemoKind::Pipe, _) => {
            app.t("Press r: main sends i, the child replies i*i, both through one duplex Pipe.", "按 r：主进程发送 i，子进程回复 i*i，都经过同一个双向 Pipe。").to_string()
        }
        (DemoKind::Manager, _) => {
            app.t("Press r: the server process holds the dict; with the lock OFF, d['count'] += c loses updates. l: lock.", "按 r：服务进程持有 dict；不加锁时 d['count'] += c 会丢失更新。l：加锁。").to_string()
        }
        (DemoKind::Start, _) => {
            app.t("Press r: compare each child's PPID, start time and CONFIG. m: one method at a time.", "按 r：比较每个子进程的 PPID、启动耗时和 CONFIG。m：一次只用一种方式。").to_string()
        }
        (DemoKind::Lifecycle, Some("orphan")) => {
            app.t("Press r: the parent exits first; watch the child's PPID change in the tree.", "按 r：父进程先退出；在进程树中看子进程的 PPID 如何变化。").to_string()
        }
        (DemoKind::Lifecycle, Some("interrupt")) => {
            app.t("Press r: the demo gets SIGINT like Ctrl-C; main terminates and joins its workers.", "按 r：演示像按了 Ctrl-C 一样收到 SIGINT；主进程终止并 join 它的工作进程。").to_string()
        }
        (DemoKind::Lifecycle, Some("terminate")) => {
            app.t("Press r: the reader loops forever; main joins the writer, then reader.terminate().", "按 r：读者进程无限循环；主进程先 join 写者进程，再 reader.terminate()。").to_string()
        }
        (DemoKind::Chunksize, _) => {
            app.t("Press r: the same 20000 tiny tasks with chunksize=1, then the default; compare messages and time.", "按 r：同样的 20000 个小任务，先用 chunksize=1，再用默认值；比较消息数和用时。").to_string()
        }
        (DemoKind::Sync, Some("barrier")) => {
            app.t("Press r: fast workers wait at the Barrier (W on the timeline) until the slowest arrives.", "按 r：快的工作进程在 Barrier 处等待（时间线上的 W），直到最慢的一个到达。").to_string()
        }
        (DemoKind::Sync, Some("condition")) => {
            app.t("Press r: consumers sleep in cond.wait() until the producer's notify(); no CPU spent waiting.", "按 r：消费者在 cond.wait() 中睡眠，直到生产者 notify()；等待时不耗 CPU。").to_string()
        }
        (DemoKind::Sync, _) => {
            app.t("Press r: workers wait for the go Event, then Semaphore(2) lets two burn CPU at a time (CPU%).", "按 r：工作进程等待开始的 Event，然后 Semaphore(2) 每次只让两个进程占用 CPU（看 CPU%）。").to_string()
        }
        (DemoKind::Deadlock, Some("join")) => {
            app.t("Press r: main joins the child before getting its 100000-byte item; after 3 s it gets first.", "按 r：主进程在取出 100000 字节的数据之前先 join 子进程；3 秒后改为先取。").to_string()
        }
        (DemoKind::Deadlock, _) => {
            app.t("Press r: two workers take two locks in opposite order; the lock pane draws who waits for whom.", "按 r：两个工作进程以相反的顺序获取两把锁；锁面板画出谁在等谁。").to_string()
        }
        (DemoKind::Lifecycle, _) => {
            app.t("Press r: finished children stay in the tree as zombies (Z) until main joins them.", "按 r：已结束的子进程以僵尸（Z）留在树中，直到主进程 join 它们。").to_string()
        }
        (DemoKind::Shm, Some("leak")) => {
            app.t("Press r: main exits without unlink(); the segment stays in /dev/shm until proclab removes it.", "按 r：主进程不调用 unlink() 就退出；段留在 /dev/shm 中，直到 proclab 删除它。").to_string()
        }
        (DemoKind::Shm, _) => {
            app.t("Press r: main creates a segment, two children attach it by name, main unlinks it. m: leak.", "按 r：主进程创建一个段，两个子进程按名字连接它，主进程再 unlink 它。m：泄漏模式。").to_string()
        }
        (DemoKind::Executor, Some("kill")) => {
            app.t("Press r: slow_square(3) kills its own worker; every pending future gets BrokenProcessPool.", "按 r：slow_square(3) 杀死自己所在的工作进程；每个未完成的 future 都得到 BrokenProcessPool。").to_string()
        }
        (DemoKind::Executor, _) => {
            app.t("Press r: results come in completion order; slow_square(3) raises and result() raises it. m: kill.", "按 r：结果按完成顺序到来；slow_square(3) 抛出异常，result() 把它再抛出。m：杀死模式。").to_string()
        }
    };
    let zh = app.zh();
    let (one, many) = match (d, zh) {
        (DemoKind::Queue, false) if app.mode() != Some("sum") => ("producer", "producers"),
        (DemoKind::Queue, true) if app.mode() != Some("sum") => ("个生产者", "个生产者"),
        (DemoKind::Start, false) => ("child per method", "children per method"),
        (DemoKind::Start, true) => ("个子进程/每种方式", "个子进程/每种方式"),
        (_, false) => ("worker", "workers"),
        (_, true) => ("个工作进程", "个工作进程"),
    };
    let sep = app.t(", ", "，");
    let mut settings = vec![Span::styled(app.t("next run: ", "下次运行："), theme.dim())];
    if d.options().contains(&crate::engine::demos::Opt::Workers) {
        settings.push(Span::raw(format!(
            "{} {}{sep}",
            s.workers,
            if s.workers == 1 { one } else { many }
        )));
    }
    if d.options().contains(&crate::engine::demos::Opt::Lock) {
        settings.push(Span::raw(app.t("lock ", "锁：")));
        settings.push(if s.lock {
            Span::styled(app.t("ON", "开"), theme.good())
        } else {
            Span::styled(app.t("OFF", "关"), theme.bad())
        });
        settings.push(Span::raw(sep));
    }
    if let Some(m) = app.mode() {
        settings.push(Span::raw(format!("{} {m}{sep}", app.t("mode", "模式"))));
    }
    // The tempo where there is one (`[` `]` set it; 0 says nothing a student needs).
    if s.tempo > 0 {
        settings.push(Span::raw(format!(
            "{} {} ms{sep}",
            app.t("tempo", "节奏"),
            s.tempo
        )));
    }
    // Where the lesson paces its run to be watched, say which pace the next run takes.
    if app.has_pace() {
        settings.push(if s.fast {
            Span::styled(app.t("full speed (f)", "全速（f）"), theme.key())
        } else {
            Span::raw(app.t("lesson's pace (f: full speed)", "课程节奏（f：全速）"))
        });
    }
    // No trailing separator after the last setting.
    if let Some(last) = settings.last_mut()
        && last.content.ends_with(sep)
    {
        let kept = last.content.trim_end_matches(sep).to_string();
        last.content = kept.into();
    }
    // Slowed down or stepped by hand, the counting demos run fewer iterations: say so.
    if matches!(d, DemoKind::Lock | DemoKind::Manager) && (app.stepping || s.tempo > 0) {
        let n = app.params().iterations();
        settings.push(Span::styled(
            if zh {
                format!("，每个进程 {n} 次（慢速运行）")
            } else {
                format!(", {n} iterations each (slow run)")
            },
            theme.key(),
        ));
    }
    if app.stepping {
        settings.push(Span::styled(
            app.t(", step mode", "，单步模式"),
            theme.key(),
        ));
    }
    let mut lines = Vec::new();
    let steps = app.steps();
    match app.step() {
        Some(step) => {
            let at = app.step_at[app.lesson];
            let mark = if app.checked[app.lesson].contains(&at) {
                " ✓"
            } else {
                ""
            };
            let mut text = vec![
                Span::styled(
                    if zh {
                        format!("第 {}/{} 步{mark}：", at + 1, steps.len())
                    } else {
                        format!("Step {}/{}{mark}: ", at + 1, steps.len())
                    },
                    theme.key(),
                ),
                Span::styled(
                    if zh {
                        step.text.zh.clone()
                    } else {
                        step.text.en.clone()
                    },
                    theme.fg(Color::Cyan),
                ),
            ];
            // The program and the text have panes of their own only on wide screens
            // (buf.area is the whole terminal); elsewhere say how to reach them.
            let narrow = buf.area.width < crate::ui::CODE_MIN_WIDTH;
            if let Some(pane @ ("code" | "text")) = step.pane.as_deref()
                && narrow
                && app.expanded.is_none()
            {
                let what = match (pane, zh) {
                    ("code", false) => "  (e: show the program)",
                    ("code", true) => "  （按 e 查看程序）",
                    (_, false) => "  (e: show the lesson text)",
                    (_, true) => "  （按 e 查看课文）",
                };
                text.push(Span::styled(what, theme.key()));
            }
            let step_line = Line::from(text);
            // An open question is what the student must act on: it goes first, so a
            // small pane still shows it.
            // Under --no-predict the question is put to the class: first too.
            let asking = app.awaiting_prediction() || (app.no_predict && step.prediction.is_some());
            if !asking {
                lines.push(step_line.clone());
            }
            if let Some(p) = &step.prediction
                && app.no_predict
            {
                let choices: Vec<&str> = p.choices.iter().map(|c| p.show(c, app.lang)).collect();
                lines.push(Line::from(vec![
                    Span::styled(
                        if zh {
                            format!("问全班：{}  ", p.zh)
                        } else {
                            format!("Ask the class: {}  ", p.en)
                        },
                        theme.title(),
                    ),
                    Span::styled(choices.join(" / "), theme.key()),
                ]));
            } else if let Some(p) = &step.prediction {
                let mut spans = vec![Span::styled(
                    if zh {
                        format!("预测：{}  ", p.zh)
                    } else {
                        format!("Predict: {}  ", p.en)
                    },
                    theme.title(),
                )];
                match app.answers[app.lesson].get(&at) {
                    Some(a) => spans.push(Span::styled(
                        if zh {
                            format!("你的回答：{}", p.show(a, app.lang))
                        } else {
                            format!("you said: {}", p.show(a, app.lang))
                        },
                        theme.good(),
                    )),
                    None => {
                        for (i, c) in p.choices.iter().enumerate() {
                            spans.push(Span::styled(format!("{}", i + 1), theme.key()));
                            spans.push(Span::raw(format!(") {}  ", p.show(c, app.lang))));
                        }
                    }
                }
                lines.push(Line::from(spans));
            }
            if asking {
                lines.push(step_line);
            }
        }
        None => lines.push(Line::styled(try_this, theme.fg(Color::Cyan))),
    }
    // Under the Python runner the next run is a program, not the native demo's settings;
    // a replay has no next run, only the recorded one.
    let settings = if app.replay.is_some() {
        let params: Vec<String> = app
            .run
            .params
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        Line::from(vec![
            Span::styled(app.t("recorded run: ", "录制的运行："), theme.dim()),
            Span::raw(params.join(" ")),
        ])
    } else {
        match app.python_next_run() {
            Some(what) => Line::from(vec![
                Span::styled(app.t("next run: ", "下次运行："), theme.dim()),
                Span::raw(what),
            ]),
            None => Line::from(settings),
        }
    };
    lines.push(settings);
    if area.height > 5 {
        let what = if app.watch.is_some() || app.current_lesson().def.id == "script" {
            app.t(
                "your program: its processes, queues, pipes, locks, events, values, pool and executor tasks, manager calls and output, reported by the probe",
                "你的程序：探针报告的进程、队列、管道、锁、事件、共享值、进程池与执行器任务、管理器调用和输出",
            )
        } else {
            app.t(d.summary(), d.summary_zh())
        };
        lines.push(Line::styled(
            if zh {
                format!("{what}  (n/b：下一步/上一步)")
            } else {
                format!("{what}  (n/b: next/previous step)")
            },
            theme.dim(),
        ));
    }
    wrapped(&lines, 0, block(theme, app.title(app.lesson)), area, buf);
}
