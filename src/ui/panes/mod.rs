//! One file per pane. Each draws from the app's state into its rectangle; what several
//! panes share (a process's glyph, clipping, the step-mode waiting list) lives here.

mod children;
mod chunks;
mod code;
mod cores;
mod figure;
mod lesson;
mod lessons;
mod lock;
mod manager;
mod output;
mod pipe;
mod pool;
mod queue;
mod results;
mod shared;
mod start_methods;
mod text;
mod timeline;
mod tree;

pub use children::children;
pub use chunks::chunks;
pub use code::code;
pub use cores::cores;
pub use figure::{FIGURE_HEIGHT, Figure, Tone, figure, figures};
pub use lesson::lesson;
pub use lessons::lessons;
pub use lock::lock;
pub use manager::manager;
pub use output::output;
pub use pipe::pipe;
pub use pool::pool;
pub use queue::queue;
pub use results::results;
pub use shared::shared;
pub use start_methods::start_methods;
pub use text::text;
pub use timeline::{time_at_column, timeline, window as timeline_window};
pub use tree::tree;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use crate::app::App;
use crate::state::Proc;
use crate::ui::theme::{Theme, glyph};

/// How long a new row stays highlighted and an exited row stays red, in run seconds.
const FRESH_SECS: f64 = 3.0;

fn proc_tag<'a>(theme: &Theme, p: &Proc) -> Span<'a> {
    Span::styled(
        format!("{}", glyph(p)),
        theme.proc(p).add_modifier(Modifier::BOLD),
    )
}

/// Draw `lines` inside `block`, broken to its width by the Unicode line breaking rules
/// (between words, and between Chinese characters; list items under their text), the
/// first `scroll` rows skipped. Every pane's text goes through here, so nothing is cut
/// at a pane's edge.
pub(crate) fn wrapped(
    lines: &[Line],
    scroll: u16,
    block: ratatui::widgets::Block,
    area: Rect,
    buf: &mut Buffer,
) {
    let key = crate::ui::drawn::fingerprint((lines, scroll, &block));
    crate::ui::drawn::draw(Some(key), area, buf, |buf| {
        let inner = block.inner(area);
        block.render(area, buf);
        let rows = crate::ui::wrap::wrap(lines, inner.width as usize);
        Paragraph::new(rows).scroll((scroll, 0)).render(inner, buf);
    });
}

/// Rows already wrapped to the block's inner width, from row `first` on (the lesson text,
/// the program); `key` stands for the rows, `first` and the block (see `drawn`).
pub(crate) fn prewrapped(
    rows: &[Line<'static>],
    first: usize,
    block: ratatui::widgets::Block,
    (area, key): (Rect, u64),
    buf: &mut Buffer,
) {
    crate::ui::drawn::draw(Some(key), area, buf, |buf| {
        let inner = block.inner(area);
        // Only the rows in sight are copied into the frame.
        let shown = &rows[first.min(rows.len())..];
        let shown = &shown[..shown.len().min(inner.height as usize)];
        block.render(area, buf);
        Paragraph::new(shown.to_vec()).render(inner, buf);
    });
}

/// Cut `s` to at most `cols` terminal columns (wide characters count two), marking a
/// cut with `~`.
pub fn clip_cols(s: &str, cols: usize) -> String {
    use unicode_width::UnicodeWidthChar;
    if unicode_width::UnicodeWidthStr::width(s) <= cols {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for ch in s.chars() {
        let w = ch.width().unwrap_or(0);
        if used + w + 1 > cols {
            break;
        }
        out.push(ch);
        used += w;
    }
    out.push('~');
    out
}

fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(n.saturating_sub(1)).collect();
        out.push('~');
        out
    }
}

fn waiting_list<'a>(app: &'a App, theme: &Theme) -> Vec<Line<'a>> {
    let mut lines = Vec::new();
    if !app.stepping {
        return lines;
    }
    let run = app.shown();
    // Every process that has waited at a gate keeps its number for the whole run; one
    // that runs or blocks between its gates shows as not steppable now.
    let listed = run.steppable();
    lines.push(Line::styled(
        app.t(
            "you are the scheduler: Tab/number choose, Enter lets it do one step",
            "由你来调度：Tab/编号 选择，Enter 让它执行一步",
        ),
        theme.key(),
    ));
    let chosen = app.chosen_pid();
    for st in &listed {
        let Some(p) = run.procs.get(&st.pid) else {
            continue;
        };
        let pid = st.pid;
        let what = match (&p.step_point, st.ended) {
            (_, true) => app.t("ended", "已结束").to_string(),
            (Some((_, d)), false) => format!(
                "{}{}",
                app.t("next: ", "下一步："),
                crate::course::words::doing(d, app.zh())
            ),
            (None, false) => format!(
                "{}{}",
                app.t("not at its gate: ", "不在单步点："),
                crate::course::words::doing(&p.doing, app.zh())
            ),
        };
        let mut style = if st.waiting {
            theme.proc(p)
        } else {
            theme.dim()
        };
        if chosen == Some(pid) {
            style = style.add_modifier(Modifier::REVERSED);
        }
        lines.push(Line::from(vec![
            Span::styled(format!(" {}) ", st.number), theme.key()),
            proc_tag(theme, p),
            Span::styled(format!(" {} ({pid}) {what}", p.label), style),
        ]));
    }
    if listed.is_empty() {
        lines.push(Line::styled(
            app.t(
                " no process is waiting yet (press r to run)",
                " 还没有进程在等待（按 r 运行）",
            ),
            theme.dim(),
        ));
    }
    lines
}
