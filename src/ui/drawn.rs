//! Panes left as they were. Most of a frame's cost is putting text into cells one
//! grapheme at a time, and most panes (the lesson, its text, the program, the lesson
//! list, a quiet demo pane) show the same thing frame after frame while a run is
//! watched. On the terminal ([`crate::ui::canvas`]) the screen is drawn into one of two
//! buffers kept from frame to frame; a pane drawn with a fingerprint of what it shows is
//! left alone in a buffer that already holds it, and what is left alone costs nothing to
//! draw or to compare. Everywhere else (tests, exports, benchmarks) every pane is drawn.
//!
//! The rules that keep a buffer true: an area is cleared before it is drawn; a pane's
//! fingerprint covers everything it draws; whatever draws over an area (an overlay, a
//! changed layout) makes the buffer forget what it held there.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::{Paragraph, Widget};

/// What one of the two buffers holds, as far as panes go.
#[derive(Default)]
struct Held {
    /// The layout the buffer was last drawn with.
    layout: Option<u64>,
    /// Areas whose cells are exactly what the fingerprint drew.
    areas: HashMap<Rect, u64>,
}

#[derive(Default)]
struct State {
    /// The buffer being drawn (0 or 1), while the terminal draws a frame.
    drawing: Option<usize>,
    held: [Held; 2],
    /// How deep inside an area being drawn afresh: nested panes are simply drawn.
    depth: usize,
    /// The pane area [`pane`] is drawing, and whether a fingerprinted draw covered it.
    region: Option<(Rect, bool)>,
}

thread_local! {
    /// Drawing is on one thread, the app's.
    static STATE: RefCell<State> = RefCell::new(State::default());
}

/// A fingerprint of `what`: the text, styles, scroll and borders a pane is drawn from.
pub fn fingerprint(what: impl Hash) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    what.hash(&mut h);
    h.finish()
}

/// The terminal draws the next frame into buffer `n` (0 or 1) of its two, or (None) the
/// frame is done.
pub fn drawing(n: Option<usize>) {
    STATE.with(|s| s.borrow_mut().drawing = n);
}

/// Forget what both buffers hold (they were emptied: a new terminal size).
pub fn forget() {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        s.held = Default::default();
    });
}

/// The frame's layout (where every pane goes, and what lies over them): a buffer drawn
/// with another layout is cleared whole first.
pub fn layout(key: u64, buf: &mut Buffer) {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        let Some(n) = s.drawing else { return };
        if s.held[n].layout != Some(key) {
            buf.reset();
            s.held[n] = Held {
                layout: Some(key),
                areas: HashMap::new(),
            };
        }
    });
}

/// Draw into `area` what `draw` draws there. With a `key` (a fingerprint of everything
/// `draw` depends on), a buffer that holds what that key drew there is left as it is.
/// `draw` draws only inside `area`.
pub fn draw(key: Option<u64>, area: Rect, buf: &mut Buffer, draw: impl FnOnce(&mut Buffer)) {
    let area = area.intersection(buf.area);
    let fresh = STATE.with(|s| {
        let mut s = s.borrow_mut();
        if let Some((region, covered)) = &mut s.region
            && *region == area
        {
            *covered = true;
        }
        let n = match s.drawing {
            Some(n) if s.depth == 0 => n,
            _ => return None,
        };
        let held = &mut s.held[n];
        if key.is_some() && held.areas.get(&area) == key.as_ref() {
            return Some(false);
        }
        held.areas.retain(|r, _| !r.intersects(area));
        if let Some(k) = key {
            held.areas.insert(area, k);
        }
        Some(true)
    });
    match fresh {
        Some(false) => {}
        Some(true) => {
            clear(area, buf);
            nested(buf, draw);
        }
        None => draw(buf),
    }
}

/// Draw over what is there (an overlay in the middle of `area`): the buffer forgets the
/// panes it held under `area`.
pub fn over(area: Rect, buf: &mut Buffer, draw: impl FnOnce(&mut Buffer)) {
    STATE.with(|s| {
        let mut s = s.borrow_mut();
        if let Some(n) = s.drawing {
            s.held[n].areas.retain(|r, _| !r.intersects(area));
        }
    });
    nested(buf, draw);
}

/// Draw inside an area drawn afresh: the panes drawn there are simply drawn.
fn nested(buf: &mut Buffer, draw: impl FnOnce(&mut Buffer)) {
    STATE.with(|s| s.borrow_mut().depth += 1);
    draw(buf);
    STATE.with(|s| s.borrow_mut().depth -= 1);
}

/// A paragraph (with its block) drawn over `area`, left alone while it stays the same.
pub fn paragraph(p: &Paragraph, area: Rect, buf: &mut Buffer) {
    draw(Some(fingerprint(p)), area, buf, |buf| p.render(area, buf));
}

/// Draw a pane over `area`. A pane that is `keyed` draws itself with [`draw`] over its
/// whole area as the last thing it does; one that turns out not to (it drew nothing, or
/// drew around its key) is drawn again afresh, so no buffer keeps an old pane.
pub fn pane(keyed: bool, area: Rect, buf: &mut Buffer, pane: impl Fn(&mut Buffer)) {
    let area = area.intersection(buf.area);
    if !keyed {
        return draw(None, area, buf, pane);
    }
    let outer = STATE.with(|s| s.borrow_mut().region.replace((area, false)));
    pane(buf);
    let covered = STATE.with(|s| {
        let mut s = s.borrow_mut();
        let covered = matches!(s.region, Some((_, true)));
        s.region = outer;
        covered
    });
    if !covered {
        draw(None, area, buf, pane);
    }
}

/// Blank cells, as a new buffer has.
fn clear(area: Rect, buf: &mut Buffer) {
    for y in area.top()..area.bottom() {
        let at = buf.index_of(area.x, y);
        for cell in &mut buf.content[at..at + area.width as usize] {
            cell.reset();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str, area: Rect, buf: &mut Buffer, made: &mut u32) {
        draw(Some(fingerprint(s)), area, buf, |b| {
            *made += 1;
            Paragraph::new(s).render(area, b);
        });
    }

    fn row(buf: &Buffer, y: u16) -> String {
        (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect()
    }

    /// Two buffers drawn in turn, as the terminal does.
    #[test]
    fn a_pane_is_drawn_again_only_when_what_it_shows_changes() {
        forget();
        let area = Rect::new(2, 1, 6, 1);
        let mut bufs = [0, 1].map(|_| Buffer::empty(Rect::new(0, 0, 10, 3)));
        let mut made = 0;
        let mut shown = Vec::new();
        for (frame, s) in ["one", "one", "one", "one", "two", "two", "two"]
            .iter()
            .enumerate()
        {
            let n = frame % 2;
            drawing(Some(n));
            layout(7, &mut bufs[n]);
            text(s, area, &mut bufs[n], &mut made);
            drawing(None);
            shown.push(row(&bufs[n], 1));
        }
        // Once into each buffer for "one", once into each for "two".
        assert_eq!(made, 4);
        let want = ["  one     "; 4]
            .into_iter()
            .chain(["  two     "; 3])
            .collect::<Vec<_>>();
        assert_eq!(shown, want);
    }

    #[test]
    fn a_shorter_text_leaves_nothing_of_the_longer_one() {
        forget();
        let area = Rect::new(0, 0, 10, 1);
        let mut buf = Buffer::empty(area);
        let mut made = 0;
        drawing(Some(0));
        text("longer", area, &mut buf, &mut made);
        text("ab", area, &mut buf, &mut made);
        drawing(None);
        assert_eq!(row(&buf, 0), "ab        ");
    }

    #[test]
    fn a_new_layout_or_an_overlay_makes_the_buffer_draw_everything_again() {
        forget();
        let area = Rect::new(0, 0, 10, 2);
        let mut buf = Buffer::empty(area);
        let mut made = 0;
        let pane = Rect::new(0, 0, 10, 1);
        drawing(Some(0));
        layout(1, &mut buf);
        text("pane", pane, &mut buf, &mut made);
        // An overlay drawn over the pane...
        over(area, &mut buf, |b| {
            Paragraph::new("XXX").render(Rect::new(0, 0, 3, 1), b)
        });
        assert_eq!(row(&buf, 0), "XXXe      ");
        // ...is gone once the pane is drawn again: the buffer forgot it held the pane.
        text("pane", pane, &mut buf, &mut made);
        assert_eq!(row(&buf, 0), "pane      ");
        assert_eq!(made, 2);
        // Another layout clears the whole buffer.
        layout(2, &mut buf);
        assert_eq!(row(&buf, 0), "          ");
        text("pane", pane, &mut buf, &mut made);
        assert_eq!(made, 3);
        drawing(None);
    }

    #[test]
    fn a_keyed_pane_that_draws_around_its_key_is_drawn_afresh() {
        forget();
        let area = Rect::new(0, 0, 10, 1);
        let mut buf = Buffer::empty(area);
        drawing(Some(0));
        // An old pane left in the buffer.
        Paragraph::new("old stuff!").render(area, &mut buf);
        // A pane that draws without a key, though it said it would use one.
        pane(true, area, &mut buf, |b| {
            Paragraph::new("new").render(area, b)
        });
        drawing(None);
        assert_eq!(row(&buf, 0), "new       ");
    }

    #[test]
    fn outside_the_terminal_every_pane_is_drawn() {
        forget();
        let area = Rect::new(0, 0, 4, 1);
        let mut made = 0;
        for _ in 0..3 {
            let mut buf = Buffer::empty(area);
            text("same", area, &mut buf, &mut made);
            assert_eq!(row(&buf, 0), "same");
        }
        assert_eq!(made, 3);
    }
}
