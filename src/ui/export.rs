//! `proclab export`: a recording drawn by the app, as a still (SVG of the screen at a
//! moment) or as the whole run replayed (an asciicast v2).

use std::io::Write;
use std::path::{Path, PathBuf};

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::app::App;
use crate::record::export;
use crate::record::file::ReadError;

/// Draw the app as it stands into a buffer of `width` x `height`.
fn draw(app: &App, width: u16, height: u16) -> Buffer {
    let area = Rect::new(0, 0, width, height);
    let mut buf = Buffer::empty(area);
    crate::ui::render(
        app,
        &crate::ui::Theme {
            color: true,
            ..Default::default()
        },
        area,
        &mut buf,
    );
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

/// The span of a recording: its first frame's time, its latest time, how many frames,
/// and where it stopped being readable (if it did).
fn survey(file: &Path) -> Result<(u64, u64, usize, Option<ReadError>), ReadError> {
    let mut start = None;
    let mut end = 0u64;
    let mut n = 0usize;
    for f in crate::record::file::open(file)? {
        match f {
            Ok(f) => {
                start.get_or_insert(f.t_us);
                end = end.max(f.t_us);
                n += 1;
            }
            Err(e) => return Ok((start.unwrap_or(0), end, n, Some(e))),
        }
    }
    Ok((start.unwrap_or(0), end, n, None))
}

/// Streams a recording into an app, frame by frame, without keeping the frames: any
/// length of recording takes the same memory.
struct Stream {
    app: App,
    frames: crate::record::file::Reader,
    /// The next frame, read but not yet applied.
    next: Option<crate::engine::protocol::Frame>,
    latest: u64,
}

impl Stream {
    fn open(file: &Path, len: usize, total_s: f64) -> Result<Stream, ReadError> {
        let frames = crate::record::file::open(file)?;
        let header = frames.header().clone();
        let mut app = crate::app::replay::app_for(file, &header, crate::course::embedded());
        app.streamed = Some(crate::app::time::Streamed {
            at: 0,
            len,
            total_s,
            last: None,
        });
        Ok(Stream {
            app,
            frames,
            next: None,
            latest: 0,
        })
    }

    /// Apply every frame that happened by `t_us` (the latest time so far, as the cursor
    /// counts). False once the recording has no more.
    fn until(&mut self, t_us: u64) -> bool {
        loop {
            let f = match self.next.take() {
                Some(f) => f,
                None => match self.frames.next() {
                    Some(Ok(f)) => f,
                    _ => return false,
                },
            };
            if self.latest.max(f.t_us) > t_us && self.latest > 0 {
                self.next = Some(f);
                return true;
            }
            self.latest = self.latest.max(f.t_us);
            self.app.run.apply(&f);
            if let Some(s) = &mut self.app.streamed {
                s.at += 1;
                s.last = Some(f);
            }
        }
    }
}

/// `proclab export`: the SVG still and/or the asciicast. Returns the exit code.
pub fn export(x: &Export) -> i32 {
    for out in x.svg.iter().map(|s| &s.0).chain(&x.cast) {
        if let Err(e) = crate::record::file::check_output(out) {
            eprintln!("proclab: {e}");
            return 2;
        }
        if same_file(out, &x.file) {
            eprintln!(
                "proclab: {} is the recording itself: write the export elsewhere",
                out.display()
            );
            return 2;
        }
    }
    let (start, end, len, problem) = match survey(&x.file) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("proclab: {e}");
            return e.exit_code();
        }
    };
    if let Some(e) = &problem {
        eprintln!("proclab: {e}: exporting what came before");
    }
    if len == 0 {
        eprintln!("proclab: {} holds no events", x.file.display());
        return 1;
    }
    let total_s = end.saturating_sub(start) as f64 / 1e6;
    let title = |app: &App, secs: f64| {
        format!(
            "proclab: {} at {secs:.3} s ({})",
            app.title(app.lesson),
            x.file.display()
        )
    };
    if let Some((out, at)) = &x.svg {
        let mut s = match Stream::open(&x.file, len, total_s) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("proclab: {e}");
                return 2;
            }
        };
        s.until(start.saturating_add((at.clamp(0.0, 1e9) * 1e6) as u64));
        let secs = s.app.run.now;
        let svg = export::svg(&draw(&s.app, x.width, x.height), &title(&s.app, secs));
        let written =
            crate::record::file::output_file(out).and_then(|mut f| f.write_all(svg.as_bytes()));
        if let Err(e) = written {
            eprintln!("proclab: cannot write {}: {e}", out.display());
            return 1;
        }
        eprintln!("wrote {} (the screen at {secs:.3} s)", out.display());
    }
    if let Some(out) = &x.cast {
        let s = match Stream::open(&x.file, len, total_s) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("proclab: {e}");
                return 2;
            }
        };
        if let Err(e) = write_cast(s, start, x, out) {
            eprintln!("proclab: cannot write {}: {e}", out.display());
            return 1;
        }
        eprintln!("wrote {}", out.display());
    }
    i32::from(problem.is_some())
}

/// True when `a` and `b` name the same existing file.
fn same_file(a: &Path, b: &Path) -> bool {
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// The app replaying the run from its first event to its last, a screen every
/// 1/[`CAST_FPS`] s of cast time (when it changed), written as asciicast v2.
fn write_cast(mut s: Stream, start: u64, x: &Export, out: &Path) -> std::io::Result<()> {
    let mut w = std::io::BufWriter::new(crate::record::file::output_file(out)?);
    let header = export::cast_header(
        x.width,
        x.height,
        &format!(
            "proclab: {} ({})",
            s.app.title(s.app.lesson),
            x.file.display()
        ),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    );
    writeln!(w, "{header}")?;
    let speed = if x.speed > 0.0 { x.speed } else { 1.0 };
    let mut prev: Option<Buffer> = None;
    let mut k = 0u64;
    loop {
        let cast_t = k as f64 / CAST_FPS;
        let run_us = start.saturating_add((cast_t * speed * 1e6) as u64);
        let more = s.until(run_us);
        let buf = draw(&s.app, x.width, x.height);
        if let Some(line) = export::cast_frame(prev.as_ref(), &buf, cast_t) {
            writeln!(w, "{line}")?;
        }
        prev = Some(buf);
        if !more {
            // Hold the last screen: an empty event at the end keeps players on it.
            let hold = serde_json::json!([cast_t + CAST_HOLD_S, "o", ""]).to_string();
            writeln!(w, "{hold}")?;
            break;
        }
        k += 1;
    }
    w.flush()
}
