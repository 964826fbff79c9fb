//! The lesson's Python program, highlighted, scrolled to the lines the step is about.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::app::App;
use crate::ui::block;
use crate::ui::memo::Memo;
use crate::ui::theme::Theme;

use ratatui::text::Line;

/// `[2, 3, 7]` (0-based) as "3-4, 8" (as numbered on screen).
fn ranges(lines: &[usize]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let mut j = i;
        while j + 1 < lines.len() && lines[j + 1] == lines[j] + 1 {
            j += 1;
        }
        out.push(if i == j {
            format!("{}", lines[i] + 1)
        } else {
            format!("{}-{}", lines[i] + 1, lines[j] + 1)
        });
        i = j + 1;
    }
    out.join(", ")
}

/// The lesson's Python program, with syntax colours and line numbers; the lines the step
/// names are marked and scrolled into sight.
pub fn code(app: &App, theme: &Theme, area: Rect, buf: &mut Buffer) {
    let lesson = app.current_lesson();
    let mut title = if app.watch.is_some() {
        lesson.dir.clone()
    } else {
        format!("{}/demo.py", lesson.dir)
    };
    let marks = app.code_marks();
    // What the title adds, each only when the border has room for it whole.
    let mut extras = Vec::new();
    if !marks.is_empty() {
        let at = ranges(&marks);
        extras.push(if app.zh() {
            format!("  > 第 {at} 行")
        } else {
            format!("  > lines {at}")
        });
    }
    if app.scrolls_code() {
        extras.push(" (PgUp/PgDn)".to_string());
    }
    let room = (area.width as usize).saturating_sub(4);
    for extra in extras {
        if unicode_width::UnicodeWidthStr::width(format!("{title}{extra}").as_str()) <= room {
            title.push_str(&extra);
        }
    }
    let block = block(theme, &title);
    let inner = block.inner(area);
    // Colouring and wrapping the program change only with it, the marks, the width and
    // the theme: done once per change, not every frame of a run.
    let key = (
        lesson.demo_py.as_ptr() as usize,
        lesson.demo_py.len(),
        marks.clone(),
        inner.width,
        *theme,
    );
    // The layout's key stands for its rows in the fingerprint of what is drawn.
    let rows_print = crate::ui::drawn::fingerprint(&key);
    let laid = CACHE.with(|m| m.get(key, || lay_out(theme, &lesson.demo_py, &marks, inner.width)));
    let (rows, per_line) = (&laid.0, &laid.1);
    // The step's (or the user's) top line, but never so far down that the pane's last
    // screenful is not full.
    let height = inner.height as usize;
    let (mut last, mut below) = (per_line.len(), 0);
    while last > 0 && below + per_line[last - 1] <= height {
        below += per_line[last - 1];
        last -= 1;
    }
    let top = app.code_top().min(last);
    app.code_shown
        .set(Some((app.lesson, app.step_at[app.lesson], top, last)));
    let first_row: usize = per_line[..top].iter().sum();
    let drawn = crate::ui::drawn::fingerprint((rows_print, first_row, &block));
    super::prewrapped(rows, first_row, block, (area, drawn), buf);
}

/// The program coloured, marked and wrapped to `width`: its rows, and how many rows each
/// line of the program took.
fn lay_out(theme: &Theme, source: &str, marks: &[usize], width: u16) -> Laid {
    let lines = crate::ui::code::highlight_marked(theme, source, marks);
    // A wrapped line reads better than a cut one. The gutter of line numbers is 4
    // columns ("{:>3} " in ui::code::highlight_marked).
    let wrapped: Vec<Vec<Line<'static>>> = lines
        .iter()
        .map(|l| crate::ui::wrap::wrap_code(std::slice::from_ref(l), width as usize, 4))
        .collect();
    let per_line: Vec<usize> = wrapped.iter().map(Vec::len).collect();
    (wrapped.into_iter().flatten().collect(), per_line)
}

/// A program laid out for the pane: its rows, and the rows each program line took.
type Laid = (Vec<Line<'static>>, Vec<usize>);
/// What a layout depends on: the program (where it lives, its length), the marked lines,
/// the width and the theme.
type Key = (usize, usize, Vec<usize>, u16, Theme);

thread_local! {
    /// The last program laid out: drawing is on one thread, the app's.
    static CACHE: Memo<Key, Laid> = const { Memo::new() };
}
