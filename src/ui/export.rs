//! `proclab export`: a recording drawn by the app, as a still (SVG of the screen at a
//! moment) or as the whole run replayed (an asciicast v2).

use std::io::Write;
use std::path::{Path, PathBuf};

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::app::App;
use crate::app::replay::{Opened, open};
use crate::record::export;

/// Draw the app as it stands into a buffer of `width` x `height`.
fn draw(app: &App, width: u16, height: u16) -> Buffer {
    let area = Rect::new(0, 0, width, height);
    let mut buf = Buffer::empty(area);
    crate::ui::render(app, &crate::ui::Theme { color: true }, area, &mut buf);
    buf
}

/// What `proclab export` writes.
pub struct Export {
    pub file: PathBuf,
    pub svg: Option<(PathBuf, f64)>,
    pub cast: Option<PathBuf>,
    pub width: u16,
    pub height: u16,
    /// Playback speed of the cast (1 = as fast as the run went).
    pub speed: f64,
}

/// Screens per second of cast time an exported cast may draw (only changed ones are
/// written): slowing a short run down with --speed gives it more of them.
const CAST_FPS: f64 = 30.0;
/// How long the cast holds the last screen, so a player shows the end.
const CAST_HOLD_S: f64 = 2.0;

/// `proclab export`: the SVG still and/or the asciicast. Returns the exit code.
pub fn export(x: &Export) -> i32 {
    for out in x.svg.iter().map(|s| &s.0).chain(&x.cast) {
        if let Err(e) = crate::record::file::check_output(out) {
            eprintln!("proclab: {e}");
            return 2;
        }
    }
    let opened = match open(&x.file, crate::course::embedded()) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("proclab: {e}");
            return 2;
        }
    };
    let Opened {
        mut app, problem, ..
    } = opened;
    if let Some(e) = &problem {
        eprintln!("proclab: {e}: exporting what came before");
    }
    let Some(start) = app.time.rec.start_us() else {
        eprintln!("proclab: {} holds no events", x.file.display());
        return 1;
    };
    app.message = None;
    let title = |app: &App, secs: f64| {
        format!(
            "proclab: {} at {secs:.3} s ({})",
            app.title(app.lesson),
            x.file.display()
        )
    };
    if let Some((out, at)) = &x.svg {
        app.seek_time(start + (at.max(0.0) * 1e6) as u64);
        let secs = app.shown().now;
        let svg = export::svg(&draw(&app, x.width, x.height), &title(&app, secs));
        let written =
            crate::record::file::output_file(out).and_then(|mut f| f.write_all(svg.as_bytes()));
        if let Err(e) = written {
            eprintln!("proclab: cannot write {}: {e}", out.display());
            return 1;
        }
        eprintln!("wrote {} (the screen at {secs:.3} s)", out.display());
    }
    if let Some(out) = &x.cast {
        if let Err(e) = write_cast(&mut app, start, x, out) {
            eprintln!("proclab: cannot write {}: {e}", out.display());
            return 1;
        }
        eprintln!("wrote {}", out.display());
    }
    i32::from(problem.is_some())
}

/// The app replaying the run from its first event to its last, one screen every
/// 1/[`CAST_FPS`] s of cast time, written as asciicast v2.
fn write_cast(app: &mut App, start: u64, x: &Export, out: &Path) -> std::io::Result<()> {
    let mut w = std::io::BufWriter::new(crate::record::file::output_file(out)?);
    let header = export::cast_header(
        x.width,
        x.height,
        &format!("proclab: {} ({})", app.title(app.lesson), x.file.display()),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    );
    writeln!(w, "{header}")?;
    let end = app.time.rec.end_us();
    let speed = if x.speed > 0.0 { x.speed } else { 1.0 };
    let mut prev: Option<Buffer> = None;
    let mut k = 0u64;
    loop {
        let cast_t = k as f64 / CAST_FPS;
        let run_us = start + (cast_t * speed * 1e6) as u64;
        app.time.cursor = None;
        app.seek_time(run_us.min(end));
        let buf = draw(app, x.width, x.height);
        if let Some(line) = export::cast_frame(prev.as_ref(), &buf, cast_t) {
            writeln!(w, "{line}")?;
        }
        prev = Some(buf);
        if run_us >= end {
            // Hold the last screen: an empty event at the end keeps players on it.
            let hold = serde_json::json!([cast_t + CAST_HOLD_S, "o", ""]).to_string();
            writeln!(w, "{hold}")?;
            break;
        }
        k += 1;
    }
    w.flush()
}
