//! Where everything goes on a screen of a given size: which panes are shown and their
//! rectangles. Drawing and mouse clicks both read it.

use ratatui::layout::{Constraint, Layout, Rect};

use crate::app::{App, Pane};

/// The smallest terminal the full screen fits.
pub const MIN_WIDTH: u16 = 80;
/// The smallest terminal the full screen fits.
pub const MIN_HEIGHT: u16 = 24;
/// From this width on the lesson list has its own column.
pub const LESSON_LIST_MIN_WIDTH: u16 = 110;
/// From this width on the lesson's Python program has its own column.
pub const CODE_MIN_WIDTH: u16 = 160;

/// Where everything is on a screen of a given size. Drawing and mouse clicks both use
/// this, so a click always lands on what is drawn there.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Screen {
    pub header: Rect,
    pub status: Rect,
    /// The lesson list, on wide terminals only.
    pub lessons: Option<Rect>,
    /// The lesson text (absent while a pane is expanded).
    pub lesson: Option<Rect>,
    /// The live panes and their rectangles.
    pub panes: Vec<(Pane, Rect)>,
    /// Presenter mode: the step's line(s).
    pub step: Option<Rect>,
    /// Presenter mode: the lesson's key figure in big digits.
    pub figure: Option<Rect>,
}

/// Lay out the screen, or None when the terminal is too small.
pub fn screen(app: &App, area: Rect) -> Option<Screen> {
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        return None;
    }
    if app.present {
        return Some(crate::ui::present::layout(app, area));
    }
    let [header, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(10),
        Constraint::Length(1),
    ])
    .areas(area);
    let mut out = Screen {
        header,
        status,
        ..Screen::default()
    };
    // Below 110 columns the lesson list folds into the header, below 30 rows the
    // timeline goes: the live panes keep the room.
    let right = if area.width >= LESSON_LIST_MIN_WIDTH {
        // Wide enough for the longest title (an instructor's may be longer: it is cut).
        let longest = (0..app.lessons.len())
            .map(|i| unicode_width::UnicodeWidthStr::width(app.title(i)))
            .max()
            .unwrap_or(0) as u16;
        let list_w = (longest + 6).clamp(20, 24);
        let [lessons, right] =
            Layout::horizontal([Constraint::Length(list_w), Constraint::Min(40)]).areas(body);
        out.lessons = Some(lessons);
        right
    } else {
        body
    };
    if let Some(p) = app.expanded {
        out.panes.push((p, right));
        return Some(out);
    }
    // Wide screens get a reading column: the lesson's text above its Python program
    // (either alone when the other is hidden with `v`).
    let (text_on, code_on) = (app.pane_shown(Pane::Text), app.pane_shown(Pane::Code));
    let right = if area.width >= CODE_MIN_WIDTH && (text_on || code_on) {
        let code_w = (right.width * 40 / 100).clamp(60, 80);
        let [main, side] =
            Layout::horizontal([Constraint::Min(60), Constraint::Length(code_w)]).areas(right);
        match (text_on, code_on) {
            (true, true) => {
                let [text, code] =
                    Layout::vertical([Constraint::Percentage(50), Constraint::Percentage(50)])
                        .areas(side);
                out.panes.push((Pane::Text, text));
                out.panes.push((Pane::Code, code));
            }
            (true, false) => out.panes.push((Pane::Text, side)),
            _ => out.panes.push((Pane::Code, side)),
        }
        main
    } else {
        right
    };
    let lesson_h = match area.height {
        0..30 => 4,
        30..40 => 6,
        _ => 7,
    };
    // Panes hidden with `v` give their room to the others; with none left the lesson
    // text has it all.
    let on = |p| app.pane_shown(p);
    let top_on = on(Pane::Tree) || on(Pane::Cores);
    let middle_on = on(Pane::Demo) || on(Pane::Output);
    let timeline_on = on(Pane::Timeline) && area.height >= 30;
    if !(top_on || middle_on || timeline_on) {
        out.lesson = Some(right);
        return Some(out);
    }
    let [lesson, grid] =
        Layout::vertical([Constraint::Length(lesson_h), Constraint::Min(12)]).areas(right);
    out.lesson = Some(lesson);
    // The tree and the timeline grow with the number of processes; the demo's own pane
    // gets the rest.
    let procs = app.run.procs.len() as u16;
    let timeline_h = if timeline_on {
        (procs + 2).clamp(4, (grid.height / 4).max(4))
    } else {
        0
    };
    let top_h = (procs + 4).clamp(7, (grid.height * 45 / 100).max(7));
    let rows = match (top_on, middle_on) {
        (_, true) => [
            Constraint::Length(if top_on { top_h } else { 0 }),
            Constraint::Min(6),
            Constraint::Length(timeline_h),
        ],
        (true, false) => [
            Constraint::Min(top_h),
            Constraint::Length(0),
            Constraint::Length(timeline_h),
        ],
        (false, false) => [
            Constraint::Length(0),
            Constraint::Length(0),
            Constraint::Min(0),
        ],
    };
    let [top, middle, timeline] = Layout::vertical(rows).areas(grid);
    // A few cores need a narrow pane; many cores get the heat map's room.
    let cores_w = if app.run.cores.len() <= 16 {
        Constraint::Length(32.min(top.width / 3))
    } else {
        Constraint::Percentage(40)
    };
    let [tree, cores] = Layout::horizontal([Constraint::Min(40), cores_w]).areas(top);
    let [demo, output] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(middle);
    for (p, r, whole) in [
        (Pane::Tree, tree, top),
        (Pane::Cores, cores, top),
        (Pane::Demo, demo, middle),
        (Pane::Output, output, middle),
    ] {
        // A pane whose neighbour is hidden has the whole row.
        let neighbour = match p {
            Pane::Tree => Pane::Cores,
            Pane::Cores => Pane::Tree,
            Pane::Demo => Pane::Output,
            _ => Pane::Demo,
        };
        if on(p) {
            out.panes.push((p, if on(neighbour) { r } else { whole }));
        }
    }
    if timeline_on {
        out.panes.push((Pane::Timeline, timeline));
    }
    Some(out)
}
