//! The terminal app: one bounded channel carries keys and signals into [`App`]; a run's
//! frames wait in the run's own channel and are taken at the screen's pace (`feed`). The
//! screen is redrawn from the app's state at most every [`FRAME_MS`] while a run goes,
//! and at once after a key. A flood of frames cannot delay a key by more than
//! [`BUDGET`]: frames are taken within a time budget, and the channel's bound makes the
//! run wait for the screen rather than grow memory.
//!
//! Every way out restores the terminal and leaves no demo process: `q`/Ctrl-C and
//! SIGTERM/SIGHUP stop the run and wait for it; a panic's hook kills the demo's process
//! group before the terminal is restored; if proclab is killed outright, the demo
//! processes die with it (`PR_SET_PDEATHSIG`, see the runner).

use std::io::IsTerminal;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use crossterm::event::{
    self, DisableMouseCapture, EnableMouseCapture, Event as TermEvent, KeyCode, KeyEventKind,
    KeyModifiers, MouseButton, MouseEventKind,
};
use crossterm::execute;

use crate::app::{App, Command, Key};
use crate::engine::protocol::Frame;
use crate::engine::runner::{self, Run};
use crate::ui::canvas::Canvas;
use crate::ui::{self, Theme, feed};
use ratatui::layout::Rect;

/// The demo process group to kill if proclab panics (0: none).
static DEMO_PGID: AtomicI32 = AtomicI32::new(0);

enum AppEvent {
    Key(Key),
    Click {
        column: u16,
        row: u16,
    },
    /// The terminal's new size (columns, rows).
    Resize(u16, u16),
    Signal(String),
}

/// Keys and signals waiting for the app at most.
const PENDING: usize = 16;
/// Longest the app spends taking in frames before it looks at keys and the screen again.
const BUDGET: Duration = Duration::from_millis(20);
/// Redraw this often while a recording plays or a schedule steps.
const PLAY_MS: u64 = 100;
/// How long quitting waits for the run's last frames (its exits and summary), so the
/// recording ends with them.
const QUIT_WAIT: Duration = Duration::from_secs(3);

/// Fewest milliseconds between two redraws caused by run events, and how often a quiet
/// run's frames are taken: bursts become one frame. Four frames a second, the observer's
/// sampling rate, keeps the watcher cheaper than what it watches; a key press redraws at
/// once.
const FRAME_MS: u64 = 250;
/// For [`QUICK_WINDOW`] after a key, frames are taken and drawn this often: a step let go
/// or a run started shows at once, not at the next frame.
const QUICK_MS: u64 = 40;
const QUICK_WINDOW: Duration = Duration::from_millis(600);
/// Shortest gap between redraws after a key, so typing stays responsive.
const KEY_FRAME_MS: u64 = 16;
/// Redraw at least this often while a run is going (clock, fading highlights).
const IDLE_MS: u64 = 250;

/// How the app opens.
pub struct Start {
    /// The course (embedded, or loaded with `--lessons DIR`).
    pub lessons: Vec<crate::course::Lesson>,
    /// This lesson (an index into `lessons`), else the first unfinished one.
    pub lesson: Option<usize>,
    pub lang: crate::course::Lang,
    /// Forget the finished lessons first.
    pub reset_progress: bool,
    /// The Python interpreter for the Python runner, if one was found.
    pub python: Option<std::path::PathBuf>,
    /// `proclab watch`: the student's program and its arguments.
    pub watch: Option<(std::path::PathBuf, Vec<String>)>,
    /// Python runs are stopped past this many processes.
    pub max_procs: usize,
    /// `--record FILE`: write every run there (later runs to FILE-2, FILE-3...).
    pub record: Option<std::path::PathBuf>,
    /// `--theme`: the background the colours are chosen for (None: not given).
    pub theme: Option<crate::ui::ThemeKind>,
    /// `--present`: open in presenter mode.
    pub present: bool,
    /// `--no-predict`: predictions are asked of the class, not waited for.
    pub no_predict: bool,
    /// `--at-step N`: the lesson opens at this step (0-based, checked against it).
    pub at_step: Option<usize>,
}

/// Load progress (reporting problems in the app's message line).
fn load_progress(app: &mut App, reset: bool) -> Option<std::path::PathBuf> {
    let path = crate::course::progress::default_path()?;
    let (progress, warning) = if reset {
        (
            crate::course::progress::Progress::new(),
            Some("progress reset: no lesson is marked finished".to_string()),
        )
    } else {
        crate::course::progress::Progress::load(&path)
    };
    app.message = warning;
    for (i, l) in app.lessons.iter().enumerate() {
        if progress.done.contains(l.slug()) {
            app.done.insert(i);
        }
    }
    if reset && let Err(e) = crate::course::progress::Progress::new().save(&path) {
        app.message = Some(format!("cannot reset {}: {e}", path.display()));
    }
    Some(path)
}

fn save_progress(app: &mut App, path: &std::path::Path) {
    let mut p = crate::course::progress::Progress::new();
    for i in &app.done {
        if let Some(l) = app.lessons.get(*i) {
            p.done.insert(l.slug().to_string());
        }
    }
    if let Err(e) = p.save(path) {
        app.message = Some(format!("cannot save progress to {}: {e}", path.display()));
    }
}

/// Open the terminal app. Returns the exit code.
pub fn main(opening: Start) -> i32 {
    let Start {
        lessons,
        lesson,
        lang,
        reset_progress,
        python,
        watch,
        max_procs,
        record,
        theme,
        present,
        no_predict,
        at_step,
    } = opening;
    let mut app = App::new(lessons);
    app.lang = lang;
    app.no_predict = no_predict;
    // Free-threaded interpreters only matter when there is a Python runner at all.
    app.free_threaded = if python.is_some() {
        crate::engine::python::free_threaded()
    } else {
        Vec::new()
    };
    app.python = python;
    app.record_to = record;
    // Watching a student's program is not a lesson: no progress is read or written.
    let progress_path = if watch.is_some() {
        None
    } else {
        load_progress(&mut app, reset_progress)
    };
    app.watch = watch;
    match lesson {
        Some(i) => app.lesson = i.min(app.lessons.len() - 1),
        // The first unfinished lesson (the last one if all are done).
        None => {
            app.lesson = (0..app.lessons.len())
                .find(|i| !app.done.contains(i))
                .unwrap_or(app.lessons.len() - 1)
        }
    }
    app.present = present;
    // The lesson pane says "Step N/M"; a progress warning keeps the message line.
    if let Some(at) = at_step.filter(|at| *at < app.steps().len()) {
        app.step_at[app.lesson] = at;
    }
    run_app(app, progress_path, max_procs, theme)
}

/// Open the terminal app on a recording (`proclab replay`): it starts no process.
pub fn replay(mut app: App, theme: Option<crate::ui::ThemeKind>, present: bool) -> i32 {
    app.present = present;
    run_app(app, None, runner::MAX_PROCS as usize, theme)
}

/// The terminal loop around a prepared app.
fn run_app(
    mut app: App,
    progress_path: Option<std::path::PathBuf>,
    max_procs: usize,
    theme_kind: Option<crate::ui::ThemeKind>,
) -> i32 {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        eprintln!(
            "proclab: the app needs a terminal. Without one, run headless:\n  proclab run lock --no-lock --workers 4\n  proclab run --file my_program.py --json\n  proclab replay FILE --json\n  proclab list"
        );
        return 2;
    }
    // Stop signals are taken by one thread and turned into a clean quit.
    let signals = runner::block_stop_signals();

    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let pgid = DEMO_PGID.load(Ordering::SeqCst);
        if pgid > 0 {
            // SAFETY: killing the demo's own process group.
            unsafe { libc::kill(-pgid, libc::SIGKILL) };
        }
        previous(info);
    }));
    // ratatui::init wraps the hook above with one that restores the terminal first, and
    // enters raw mode and the alternate screen.
    drop(ratatui::init());
    // A frame goes out in one write: stdout alone would write every kilobyte.
    let out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout());
    let made =
        crossterm::terminal::size().and_then(|(w, h)| Canvas::new(out, Rect::new(0, 0, w, h)));
    let mut canvas = match made {
        Ok(c) => c,
        Err(e) => {
            ratatui::restore();
            eprintln!("proclab: cannot draw on this terminal: {e}");
            return 1;
        }
    };
    let _ = execute!(std::io::stdout(), EnableMouseCapture);

    let (tx, rx) = mpsc::sync_channel::<AppEvent>(PENDING);
    {
        let tx = tx.clone();
        std::thread::spawn(move || {
            while let Ok(sig) = signals.wait() {
                if tx.send(AppEvent::Signal(sig.to_string())).is_err() {
                    break;
                }
            }
        });
    }
    {
        let tx = tx.clone();
        std::thread::spawn(move || {
            while let Ok(ev) = event::read() {
                let out = match ev {
                    TermEvent::Key(k) if k.kind != KeyEventKind::Release => {
                        map_key(k.code, k.modifiers).map(AppEvent::Key)
                    }
                    TermEvent::Mouse(m) if m.kind == MouseEventKind::Down(MouseButton::Left) => {
                        Some(AppEvent::Click {
                            column: m.column,
                            row: m.row,
                        })
                    }
                    TermEvent::Resize(w, h) => Some(AppEvent::Resize(w, h)),
                    _ => None,
                };
                if let Some(e) = out
                    && tx.send(e).is_err()
                {
                    break;
                }
            }
        });
    }

    let theme = Theme::from_env_with(ui::present::theme_kind(theme_kind, false));
    let projector = Theme::from_env_with(ui::present::theme_kind(theme_kind, true));
    let mut saved = app.done.clone();
    // The run on screen and the channel its frames wait in; runs replaced before they
    // ended still give their last frames to their `--record` files.
    let mut current: Option<Run> = None;
    let mut frames: Option<mpsc::Receiver<Frame>> = None;
    let mut closing: Vec<feed::Closing> = Vec::new();
    let mut last_draw = Instant::now() - Duration::from_secs(1);
    let mut dirty = true;
    let mut urgent = false;
    // Frames are taken at the screen's pace: at once again while a run is busy, and
    // sooner for a moment after a key, so what the key set off (a step let go, a run
    // started) shows without waiting for the next frame.
    let mut next_take = Instant::now();
    let mut quick_until = Instant::now();
    let mut busy = false;
    let mut exit = 0;
    'running: loop {
        let quick = Instant::now() < quick_until;
        let gap = Duration::from_millis(if urgent {
            KEY_FRAME_MS
        } else if quick {
            QUICK_MS
        } else {
            FRAME_MS
        });
        let now = Instant::now();
        if dirty && now >= last_draw + gap {
            if canvas
                .draw(|area, buf| {
                    let theme = if app.present { &projector } else { &theme };
                    ui::render(&app, theme, area, buf)
                })
                .is_err()
            {
                exit = 1;
                break;
            }
            last_draw = now;
            dirty = false;
            urgent = false;
            // The next frames are taken just before the next redraw: one wake-up for both.
            if !busy {
                next_take = next_take.max(now + gap);
            }
        }
        // Sleep until a key comes, the screen is due, or the run's frames are.
        let now = Instant::now();
        let mut wake = now + Duration::from_millis(if app.animating() { PLAY_MS } else { IDLE_MS });
        if dirty {
            wake = wake.min(last_draw + gap);
        }
        if frames.is_some() || !closing.is_empty() {
            wake = wake.min(next_take);
        }
        let first = match rx.recv_timeout(wake.saturating_duration_since(now)) {
            Ok(e) => Some(e),
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => break,
        };
        // Take what is already queued, within the budget.
        let until = Instant::now() + BUDGET;
        let queued = std::iter::from_fn(|| {
            if Instant::now() < until {
                rx.try_recv().ok()
            } else {
                None
            }
        });
        let mut commands = Vec::new();
        for ev in first.into_iter().chain(queued) {
            dirty = true;
            match ev {
                AppEvent::Key(k) => {
                    urgent = true;
                    quick_until = Instant::now() + QUICK_WINDOW;
                    next_take = next_take.min(Instant::now() + Duration::from_millis(QUICK_MS));
                    commands.extend(app.on_key(k));
                }
                AppEvent::Click { column, row } => {
                    quick_until = Instant::now() + QUICK_WINDOW;
                    commands.extend(click(&mut app, canvas.area(), column, row));
                }
                AppEvent::Resize(w, h) => {
                    if canvas.resize(Rect::new(0, 0, w, h)).is_err() {
                        exit = 1;
                        break 'running;
                    }
                }
                AppEvent::Signal(name) => {
                    app.message = Some(format!("{name}: quitting"));
                    commands.push(Command::Quit);
                }
            }
            if commands.contains(&Command::Quit) {
                break;
            }
        }
        let now = Instant::now();
        if now >= next_take {
            if let Some(rx) = &frames {
                let t = feed::take(rx, now + BUDGET, |f| app.on_frame(&f));
                // A run can ask for the next (the GIL lesson's free-threaded bar).
                commands.append(&mut app.pending);
                // Redrawn while it runs even when quiet: the clock moves.
                dirty |= t.frames > 0 || app.running();
                // Busy: frames were left, or so many came since the last take that the
                // run's channel would fill (and the run wait) before the next one.
                busy = t.more || t.frames >= runner::QUEUE / 4;
                if t.ended {
                    frames = None;
                }
            }
            for e in feed::close_finished(&mut closing) {
                app.add_message(e);
            }
            let pace = if busy {
                0
            } else if now < quick_until {
                QUICK_MS
            } else {
                FRAME_MS
            };
            next_take = now + Duration::from_millis(pace);
        }
        let (timed, moved) = app.tick(Instant::now());
        commands.extend(timed);
        dirty |= moved;
        if app.done != saved {
            if let Some(path) = &progress_path {
                save_progress(&mut app, path);
            }
            saved = app.done.clone();
        }
        let mut quit = false;
        for c in commands {
            match c {
                Command::Quit => quit = true,
                Command::Start(_) | Command::StartPython(_) => {
                    feed::keep_file(&mut app, &mut frames, &mut closing);
                    feed::retire(current.take());
                    let started = match c {
                        // Tempo and step mode hold a Python program's operations too.
                        Command::StartPython(program) => {
                            feed::start(app.params(), Some((program, max_procs)))
                        }
                        Command::Start(params) => feed::start(params, None),
                        _ => unreachable!("matched above"),
                    };
                    match started {
                        Ok((run, rx)) => {
                            DEMO_PGID.store(run.pgid(), Ordering::SeqCst);
                            current = Some(run);
                            frames = Some(rx);
                            next_take = Instant::now() + Duration::from_millis(QUICK_MS);
                            // Fault injection for the end-to-end test of the panic path:
                            // the terminal must come back and the demo must die.
                            if std::env::var_os("PROCLAB_TEST_PANIC_ON_RUN").is_some() {
                                panic!("PROCLAB_TEST_PANIC_ON_RUN is set");
                            }
                        }
                        Err(e) => app.message = Some(format!("cannot run: {e}")),
                    }
                }
                Command::Discard => {
                    feed::keep_file(&mut app, &mut frames, &mut closing);
                    feed::retire(current.take());
                }
                Command::Stop => {
                    if let Some(run) = &current {
                        run.stop();
                    }
                }
                Command::Pause => {
                    if let Some(run) = &current {
                        run.pause();
                    }
                }
                Command::Resume => {
                    if let Some(run) = &current {
                        run.resume();
                    }
                }
                Command::SetTempo(ms) => {
                    if let Some(run) = &current {
                        run.set_tempo_ms(ms);
                    }
                }
                Command::SetStepping(on) => {
                    if let Some(run) = &current {
                        run.set_stepping(on);
                    }
                }
                Command::Step(pid) => {
                    if let Some(run) = &current
                        && !run.step(pid)
                    {
                        app.message = Some(format!("{pid} is not waiting at a step"));
                    }
                }
            }
        }
        if quit {
            break;
        }
    }
    // Stop the demo, take its last frames (exits, summary) into the recording, then wait
    // until every process is reaped and give the terminal back.
    if let Some(run) = current.take() {
        run.stop();
        if let Some(rx) = frames.take() {
            let until = Instant::now() + QUIT_WAIT;
            while app.running() {
                let Some(left) = until.checked_duration_since(Instant::now()) else {
                    break;
                };
                match rx.recv_timeout(left) {
                    Ok(f) => app.on_frame(&f),
                    Err(_) => break,
                }
            }
        }
        // Nobody takes frames any more: the runs still sending stop waiting for room in
        // their channels, so they can drain their pipes and finish.
        drop(closing);
        run.wait();
    }
    DEMO_PGID.store(0, Ordering::SeqCst);
    drop(canvas);
    let _ = execute!(std::io::stdout(), DisableMouseCapture);
    ratatui::restore();
    exit
}

fn map_key(code: KeyCode, mods: KeyModifiers) -> Option<Key> {
    Some(match code {
        KeyCode::Char('c') if mods.contains(KeyModifiers::CONTROL) => Key::CtrlC,
        KeyCode::Char(c) => Key::Char(c),
        KeyCode::Up => Key::Up,
        KeyCode::Down => Key::Down,
        KeyCode::Tab => Key::Tab,
        KeyCode::BackTab => Key::BackTab,
        KeyCode::Enter => Key::Enter,
        KeyCode::Esc => Key::Esc,
        KeyCode::PageUp => Key::PageUp,
        KeyCode::PageDown => Key::PageDown,
        KeyCode::Left if mods.contains(KeyModifiers::SHIFT) => Key::ShiftLeft,
        KeyCode::Right if mods.contains(KeyModifiers::SHIFT) => Key::ShiftRight,
        KeyCode::Left => Key::Left,
        KeyCode::Right => Key::Right,
        KeyCode::Home => Key::Home,
        KeyCode::End => Key::End,
        _ => return None,
    })
}

/// A click on a lesson opens it; on a process row it chooses that process (for the next
/// step); anywhere else in a pane it expands that pane, and in an expanded pane it returns.
fn click(app: &mut App, area: Rect, column: u16, row: u16) -> Vec<Command> {
    let Some(screen) = ui::screen(app, area) else {
        return vec![];
    };
    let inside = |r: &ratatui::layout::Rect| {
        column >= r.x && column < r.x + r.width && row >= r.y && row < r.y + r.height
    };
    if let Some(list) = screen.lessons.filter(|r| inside(r)) {
        let i = row.saturating_sub(list.y + 1) as usize;
        return app.open_lesson(i);
    }
    for (pane, r) in &screen.panes {
        if !inside(r) {
            continue;
        }
        // A click on the timeline shows that moment.
        if *pane == crate::app::Pane::Timeline
            && let Some(secs) = ui::time_at_column(app, *r, column)
            && let Some(start) = app.time.rec.start_us()
        {
            app.seek_time(start + (secs.max(0.0) * 1e6) as u64);
            return vec![];
        }
        if *pane == crate::app::Pane::Tree
            && let Some(pid) = ui::tree_row_pid(app, *r, row)
            && app.choose(pid)
        {
            return vec![];
        }
        app.expanded = if app.expanded.is_some() {
            None
        } else {
            Some(*pane)
        };
        return vec![];
    }
    vec![]
}
