//! The terminal's screen. Frames are drawn into two buffers in turn, as ratatui's own
//! `Terminal` does, and only the cells that differ from the last frame are written; but a
//! buffer is not emptied before it is drawn again, so a pane that has not changed since
//! that buffer last held it is left alone (see `drawn`), and the screen's size comes
//! from the terminal's resize events rather than from asking the terminal before every
//! frame (an open of /dev/tty each time).

use std::io::{self, Write};

use ratatui::backend::{Backend, CrosstermBackend};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use crate::ui::drawn;

pub struct Canvas<W: Write> {
    backend: CrosstermBackend<W>,
    buffers: [Buffer; 2],
    /// The buffer the next frame is drawn into; the other holds what the terminal shows.
    next: usize,
}

impl<W: Write> Canvas<W> {
    /// A blank screen of `area` on `out`, the cursor hidden.
    pub fn new(out: W, area: Rect) -> io::Result<Self> {
        let mut c = Canvas {
            backend: CrosstermBackend::new(out),
            buffers: [Buffer::empty(area), Buffer::empty(area)],
            next: 0,
        };
        c.resize(area)?;
        Ok(c)
    }

    /// The screen's size.
    pub fn area(&self) -> Rect {
        self.buffers[0].area
    }

    /// The terminal is `area` now: clear it; the next frame is drawn whole.
    pub fn resize(&mut self, area: Rect) -> io::Result<()> {
        self.buffers = [Buffer::empty(area), Buffer::empty(area)];
        drawn::forget();
        self.backend.hide_cursor()?;
        self.backend.clear()?;
        Backend::flush(&mut self.backend)
    }

    /// Draw a frame with `render` and write what changed.
    pub fn draw(&mut self, render: impl FnOnce(Rect, &mut Buffer)) -> io::Result<()> {
        let n = self.next;
        drawn::drawing(Some(n));
        let area = self.area();
        render(area, &mut self.buffers[n]);
        drawn::drawing(None);
        let [a, b] = &self.buffers;
        let (shown, drawn) = if n == 0 { (b, a) } else { (a, b) };
        self.backend.draw(shown.diff_iter(drawn))?;
        Backend::flush(&mut self.backend)?;
        self.next = 1 - n;
        Ok(())
    }

    /// What the terminal shows now.
    #[cfg(test)]
    fn shown(&self) -> &Buffer {
        &self.buffers[1 - self.next]
    }
}

impl<W: Write> Drop for Canvas<W> {
    fn drop(&mut self) {
        let _ = self.backend.show_cursor();
        let _ = Backend::flush(&mut self.backend);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::Key;
    use crate::engine::protocol::{Event, ProcSample, Sample, Scalar};

    /// Every frame the canvas keeps equals the same frame drawn from nothing, whatever
    /// changed in between: a run going, a step, an expanded pane, an overlay, the
    /// language, a new size.
    #[test]
    fn a_kept_screen_is_always_the_screen_drawn_afresh() {
        let mut run = crate::bench::LockRun::new(2, 20_000);
        let theme = crate::ui::Theme {
            color: true,
            ..Default::default()
        };
        let mut canvas = Canvas::new(Vec::new(), Rect::new(0, 0, 150, 45)).unwrap();
        // Each key, then frames with the run going on under it.
        let keys = [
            None,
            Some(Key::Char('e')),
            Some(Key::Char('e')),
            Some(Key::Char('?')),
            Some(Key::Esc),
            Some(Key::Char('v')),
            Some(Key::Esc),
            Some(Key::Char('n')),
            Some(Key::Char('L')),
            Some(Key::Char('F')),
            Some(Key::Char('F')),
            Some(Key::PageDown),
        ]
        .into_iter()
        .flat_map(|k| [k, None, None, None]);
        for (i, key) in keys.into_iter().enumerate() {
            if let Some(k) = key {
                run.app.on_key(k);
            }
            let pid = 201 + (i % 2) as i32;
            if i % 3 == 0 {
                let procs = (0..3)
                    .map(|k| ProcSample {
                        pid: 200 + k,
                        ppid: if k == 0 { 100 } else { 200 },
                        state: 'R',
                        cpu: (i * 7 % 100) as f32,
                        rss_kb: 1024,
                        core: k % 2,
                    })
                    .collect();
                run.feed(
                    0,
                    Event::Sample(Sample {
                        cores: vec![50.0, (i * 5 % 100) as f32],
                        procs,
                    }),
                );
            }
            run.feed(
                pid,
                Event::SharedWrite {
                    name: "counter".into(),
                    index: 0,
                    value: Scalar::I32(i as i32),
                },
            );
            if i == 30 {
                canvas.resize(Rect::new(0, 0, 100, 30)).unwrap();
            }
            canvas
                .draw(|area, buf| crate::ui::render(&run.app, &theme, area, buf))
                .unwrap();
            let mut fresh = Buffer::empty(canvas.area());
            crate::ui::render(&run.app, &theme, canvas.area(), &mut fresh);
            assert_eq!(canvas.shown(), &fresh, "frame {i} (after {key:?})");
        }
    }
}
