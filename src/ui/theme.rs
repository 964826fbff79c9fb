//! Colours and glyphs. One colour and one glyph per process, the same in every pane;
//! colour is never the only signal, and `NO_COLOR` turns colours off.

use ratatui::style::{Color, Modifier, Style};

use crate::state::{Activity, Proc};

/// Process colours, chosen to stay apart on dark and light terminals and projectors.
const PALETTE: [Color; 10] = [
    Color::Cyan,
    Color::Yellow,
    Color::Magenta,
    Color::Green,
    Color::LightBlue,
    Color::LightRed,
    Color::LightCyan,
    Color::LightYellow,
    Color::LightMagenta,
    Color::LightGreen,
];

/// How the screen is painted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    /// False when `NO_COLOR` is set: styles keep bold/dim/reverse only.
    pub color: bool,
}

impl Theme {
    /// Colours unless the `NO_COLOR` environment variable is set and not empty.
    pub fn from_env() -> Self {
        Self {
            color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }

    /// A foreground colour, or nothing without colours.
    pub fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::default().fg(c)
        } else {
            Style::default()
        }
    }

    /// The colour of a process (by its stable row order).
    pub fn proc(&self, p: &Proc) -> Style {
        self.fg(PALETTE[p.order % PALETTE.len()])
    }

    /// Pane borders.
    pub fn border(&self) -> Style {
        self.fg(Color::DarkGray)
    }

    /// Pane titles.
    pub fn title(&self) -> Style {
        Style::default().add_modifier(Modifier::BOLD)
    }

    /// Something good (exact count, success).
    pub fn good(&self) -> Style {
        self.fg(Color::Green).add_modifier(Modifier::BOLD)
    }

    /// Something bad (lost updates, error, killed).
    pub fn bad(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    /// Less important text.
    pub fn dim(&self) -> Style {
        self.fg(Color::DarkGray).add_modifier(Modifier::DIM)
    }

    /// Keys in hints.
    pub fn key(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }
}

/// The one-character glyph of a process (see [`Proc::glyph`]).
pub fn glyph(p: &Proc) -> char {
    p.glyph()
}

/// Timeline character and colour for an activity.
pub fn activity_cell(theme: &Theme, a: Activity) -> (char, Style) {
    match a {
        Activity::Running => ('#', theme.fg(Color::Green)),
        Activity::BlockedLock => ('L', theme.fg(Color::Red)),
        Activity::BlockedQueue => ('Q', theme.fg(Color::Yellow)),
        Activity::BlockedSync => ('W', theme.fg(Color::LightRed)),
        Activity::Sleeping => ('.', theme.dim()),
        Activity::Gated => ('?', theme.fg(Color::Cyan)),
        Activity::Stopped => ('T', theme.fg(Color::Magenta)),
        Activity::Exited => (' ', Style::default()),
    }
}
