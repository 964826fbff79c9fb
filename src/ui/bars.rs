//! The lines around the panes: the key bar at the bottom (or the answer to the last key)
//! and the help overlay with every key, in the screen's language.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Widget};

use crate::app::App;
use crate::engine::demos::Opt;
use crate::ui::{LESSON_LIST_MIN_WIDTH, Theme, block};

pub(super) fn render_status(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    // A message (the answer to the last key) has the whole line until the next key, so it
    // is never cut by the header's other news; help and quit stay in sight after it.
    if let Some(m) = &app.message {
        let (help, quit) = (app.t(" help  ", " 帮助  "), app.t(" quit", " 退出"));
        let tail = 3
            + unicode_width::UnicodeWidthStr::width(help)
            + 1
            + unicode_width::UnicodeWidthStr::width(quit);
        let room = (area.width as usize).saturating_sub(tail + 2);
        let shown = crate::ui::panes::clip_cols(m, room);
        let line = Line::from(vec![
            Span::styled(
                format!(" {shown} "),
                theme.key().add_modifier(Modifier::REVERSED),
            ),
            Span::styled("  ?", theme.key()),
            Span::raw(help),
            Span::styled("q", theme.key()),
            Span::raw(quit),
        ]);
        return one_line(&line, area, buf);
    }
    let mut spans = Vec::new();
    let hints: &[(&str, &str, &str)] = if app.replay.is_some() {
        &[
            ("<- ->", "event", "事件"),
            ("< >", "100 ms", "100 ms"),
            ("Home", "start", "开头"),
            ("End", "end", "结尾"),
            ("P", "play", "播放"),
            ("{}", "speed", "速度"),
            ("e", "expand", "放大"),
            ("F", "present", "演示"),
            ("?", "help", "帮助"),
            ("q", "quit", "退出"),
        ]
    } else if app.time.cursor.is_some() {
        &[
            ("<- ->", "event", "事件"),
            ("< >", "100 ms", "100 ms"),
            ("Home", "start", "开头"),
            ("End", "live", "实时"),
            ("P", "play", "播放"),
            ("{}", "speed", "速度"),
            ("w", "save", "保存"),
            ("?", "help", "帮助"),
            ("q", "quit", "退出"),
        ]
    } else if app.stepping {
        &[
            ("Tab", "choose", "选择"),
            ("Enter", "step", "单步"),
            ("space", "leave step", "退出单步"),
            ("s", "stop", "停止"),
            ("?", "help", "帮助"),
            ("q", "quit", "退出"),
        ]
    } else if app.present {
        // For the front of a room: the keys a lecture needs, and the way back.
        &[
            ("r", "run", "运行"),
            ("F", "leave presenter", "退出演示"),
            ("s", "stop", "停止"),
            ("l", "lock", "锁"),
            ("n b", "next/back", "下一步/上一步"),
            ("space", "step", "单步"),
            ("e", "pane", "窗格"),
            ("?", "help", "帮助"),
            ("q", "quit", "退出"),
        ]
    } else {
        &[
            ("r", "run", "运行"),
            ("s", "stop", "停止"),
            ("p", "pause", "暂停"),
            ("<-", "past", "回看"),
            ("l", "lock", "锁"),
            ("+-", "workers", "进程数"),
            ("[]", "tempo", "节奏"),
            ("f", "full speed", "全速"),
            ("m", "mode", "模式"),
            ("space", "step", "单步"),
            ("e", "expand", "放大"),
            ("v", "panes", "窗格"),
            ("F", "present", "演示"),
            ("?", "help", "帮助"),
            ("q", "quit", "退出"),
            // An instructor's keys, where the line has room for them.
            ("g", "go to step", "跳到某步"),
            ("X", "reset lesson", "重置本课"),
        ]
    };
    // Keys that do nothing in this lesson (no lock to switch, a fixed number of
    // processes, one mode, no pace) are not offered.
    let useful = |k: &str| match k {
        "l" => app.demo().options().contains(&Opt::Lock),
        "+-" => app.demo().options().contains(&Opt::Workers),
        "m" => !app.demo().modes().is_empty(),
        "f" => app.has_pace(),
        _ => true,
    };
    let mut order: Vec<&(&str, &str, &str)> = hints.iter().filter(|(k, ..)| useful(k)).collect();
    let width = |order: &[&(&str, &str, &str)], gap: usize| -> usize {
        order
            .iter()
            .map(|(k, en, zh)| {
                unicode_width::UnicodeWidthStr::width(*k)
                    + 1
                    + unicode_width::UnicodeWidthStr::width(app.t(en, zh))
                    + gap
            })
            .sum::<usize>()
            // No gap is needed after the last hint.
            .saturating_sub(gap)
    };
    let room = area.width as usize;
    // Two spaces between hints where they fit, else one; `?` and `q` go first then, and
    // hints drop until the line fits: never a cut word, and help and quit always on
    // screen (help lists every key).
    let narrow = area.width < LESSON_LIST_MIN_WIDTH || width(&order, 2) > room;
    let gap = if narrow { 1 } else { 2 };
    if narrow {
        order.sort_by_key(|(k, ..)| !matches!(*k, "?" | "q"));
        // The keys a lesson step asks for stay longest; what help also lists goes first.
        let keep = |k: &str| match k {
            "?" | "q" => 0,
            "r" | "e" | "space" | "Enter" | "Tab" | "l" => 1,
            "<- ->" | "<-" | "s" | "F" => 2,
            _ => 3,
        };
        while order.len() > 2 && width(&order, gap) > room {
            // The last of the least needed: `max_by_key` keeps the last of equals.
            let drop = (0..order.len())
                .max_by_key(|&i| keep(order[i].0))
                .unwrap_or(order.len() - 1);
            order.remove(drop);
        }
    }
    for (k, en, zh) in order {
        let what = app.t(en, zh);
        spans.push(Span::styled(*k, theme.key()));
        spans.push(Span::raw(format!(" {what}{}", " ".repeat(gap))));
    }
    one_line(&Line::from(spans), area, buf);
}

/// The bar's line, left as it is on the terminal while it stays the same (see `drawn`).
fn one_line(line: &Line, area: Rect, buf: &mut Buffer) {
    crate::ui::drawn::draw(
        Some(crate::ui::drawn::fingerprint(line)),
        area,
        buf,
        |buf| line.render(area, buf),
    );
}

/// Every key, for the help overlay (and the README): the key, what it does in English
/// and in Chinese.
pub const KEYS: &[(&str, &str, &str)] = &[
    ("Up/Down, j/k", "choose a lesson", "选择课程"),
    (
        "r",
        "run the lesson's demo (real processes)",
        "运行本课的演示（真实进程）",
    ),
    (
        "s",
        "stop it: SIGTERM to its group, SIGKILL after 1 s",
        "停止：向其进程组发 SIGTERM，1 秒后 SIGKILL",
    ),
    (
        "p",
        "pause / resume (SIGSTOP / SIGCONT: state T)",
        "暂停 / 继续（SIGSTOP / SIGCONT：状态 T）",
    ),
    (
        "l",
        "lock on/off for the next run (Lock, Manager)",
        "下次运行加锁 / 不加锁（Lock、Manager）",
    ),
    (
        "+ / -",
        "more / fewer workers for the next run",
        "下次运行多 / 少一个工作进程",
    ),
    (
        "[ / ]",
        "less / more delay per operation, live",
        "每次操作的延时减少 / 增加，即时生效",
    ),
    (
        "f",
        "full speed for the next run / back to the lesson's watchable pace",
        "下次运行全速 / 恢复本课便于观看的节奏",
    ),
    ("m", "next mode for the next run", "下次运行换下一个模式"),
    (
        "space",
        "step mode: every process waits before each operation",
        "单步模式：每个进程在每次操作前等待",
    ),
    (
        "Tab, 0-9",
        "choose who steps: A is 1, B is 2 for the whole run",
        "选择谁单步：A 是 1，B 是 2，整次运行不变",
    ),
    (
        "Enter",
        "let it do exactly one operation",
        "让它恰好执行一次操作",
    ),
    (
        "e",
        "expand the next pane to full screen; Esc back",
        "把下一个窗格放大到全屏；Esc 返回",
    ),
    (
        "<- / ->",
        "back / forward one event in time (the run goes on)",
        "时间上后退 / 前进一个事件（运行继续）",
    ),
    (
        "< / >",
        "back / forward 100 ms; click the timeline: that moment",
        "后退 / 前进 100 ms；点击时间线：跳到那一刻",
    ),
    (
        "Home / End",
        "the run's first event / live again",
        "运行的第一个事件 / 回到实时",
    ),
    (
        "P",
        "play the recording from the cursor; again: pause",
        "从光标处播放录制；再按：暂停",
    ),
    (
        "{ / }",
        "slower / faster playback (0.1x to 4x)",
        "回放更慢 / 更快（0.1x 到 4x）",
    ),
    (
        "w",
        "save this run's recording to a file",
        "把这次运行的录制保存到文件",
    ),
    (
        "a",
        "re-run this step-mode run's schedule on new processes",
        "用新进程重放这次单步运行的调度",
    ),
    (
        "v",
        "choose the panes shown: 1-7 hide/show, Esc closes",
        "选择显示的窗格：1-7 隐藏/显示，Esc 关闭",
    ),
    (
        "F",
        "presenter mode: the step's pane large, the key figure big",
        "演示模式：本步的窗格放大，关键数字用大字显示",
    ),
    (
        "PgUp / PgDn",
        "scroll the text; on a step about the program, the program",
        "滚动课文；本步讲程序时滚动程序",
    ),
    (
        "L",
        "lesson text in English / 中文",
        "课文语言：英文 / 中文",
    ),
    (
        "n / b",
        "next / previous step of the lesson",
        "本课的下一步 / 上一步",
    ),
    (
        "g, 1-9",
        "go to step N, ahead or back (Enter after 2 digits)",
        "跳到本课第 N 步，向前或向后（两位数后按 Enter）",
    ),
    (
        "X, X",
        "forget this lesson's progress (X again or y confirms)",
        "清除本课的步骤、检查、回答和完成标记（再按 X 或 y）",
    ),
    (
        "R",
        "runner: native demo / the lesson's demo.py under python3",
        "运行方式：内置演示 / 用 python3 运行本课的 demo.py",
    ),
    (
        "1-9",
        "answer the step's prediction (before r)",
        "回答本步的预测（在按 r 之前）",
    ),
    (
        "?",
        "this help (any other key closes it)",
        "本帮助（按其他任意键关闭）",
    ),
    (
        "q, Ctrl-C",
        "quit: the demo is stopped, nothing is left running",
        "退出：演示会被停止，不留下任何进程",
    ),
];

pub(super) fn help(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let w = 78.min(area.width);
    let h = (KEYS.len() as u16 + 2).min(area.height);
    let r = Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    );
    Clear.render(r, buf);
    // A small terminal shows part of the list: Up/Down scroll it, and the title says so.
    let room = h.saturating_sub(2) as usize;
    let first = (app.help_scroll as usize).min(KEYS.len().saturating_sub(room));
    let lines: Vec<Line> = KEYS
        .iter()
        .skip(first)
        .take(room)
        .map(|(k, en, zh)| {
            Line::from(vec![
                Span::styled(format!("{k:>14}  "), theme.key()),
                Span::raw(app.t(en, zh)),
            ])
        })
        .collect();
    let title = match (first > 0, first + room < KEYS.len()) {
        (false, false) => app
            .t("keys (any key closes)", "按键（按任意键关闭）")
            .to_string(),
        (_, true) if app.zh() => format!(
            "按键 {}-{}，共 {}：按 Down 看更多",
            first + 1,
            first + room,
            KEYS.len()
        ),
        (true, false) if app.zh() => format!(
            "按键 {}-{}，共 {}：按 Up 回到开头",
            first + 1,
            KEYS.len(),
            KEYS.len()
        ),
        (_, true) => format!(
            "keys {}-{} of {}: Down for more",
            first + 1,
            first + room,
            KEYS.len()
        ),
        (true, false) => format!(
            "keys {}-{} of {}: Up for the first",
            first + 1,
            KEYS.len(),
            KEYS.len()
        ),
    };
    Paragraph::new(lines)
        .block(block(theme, &title))
        .render(r, buf);
}
