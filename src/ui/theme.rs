//! Colours and glyphs. One colour and one glyph per process, the same in every pane;
//! colour is never the only signal, and `NO_COLOR` turns colours off.

use ratatui::style::{Color, Modifier, Style};

use crate::state::{Activity, Proc};

/// Process colours for a dark background, chosen to stay apart on projectors.
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

/// Process colours for a light background: deep shades (256-colour indexes), since
/// yellow and the light colours vanish on white.
const PALETTE_LIGHT: [Color; 10] = [
    Color::Indexed(25),
    Color::Indexed(130),
    Color::Indexed(90),
    Color::Indexed(28),
    Color::Indexed(124),
    Color::Indexed(30),
    Color::Indexed(94),
    Color::Indexed(55),
    Color::Indexed(22),
    Color::Indexed(88),
];

/// Which background the screen is painted for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, clap::ValueEnum)]
pub enum ThemeKind {
    /// Light text on a dark terminal (the default).
    #[default]
    Dark,
    /// Dark text on a light terminal.
    Light,
    /// For a projector or a washed-out screen: no dimmed text, bold everywhere it
    /// matters, the brightest colours.
    HighContrast,
}

/// How the screen is painted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Theme {
    /// False when `NO_COLOR` is set: styles keep bold/dim/reverse only.
    pub color: bool,
    pub kind: ThemeKind,
}

impl Default for Theme {
    fn default() -> Self {
        Self {
            color: true,
            kind: ThemeKind::Dark,
        }
    }
}

impl Theme {
    /// Colours unless the `NO_COLOR` environment variable is set and not empty.
    pub fn from_env() -> Self {
        Self::from_env_with(ThemeKind::Dark)
    }

    /// [`Theme::from_env`] for a chosen background.
    pub fn from_env_with(kind: ThemeKind) -> Self {
        Self {
            color: std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
            kind,
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
        match self.kind {
            ThemeKind::Light => self.fg(PALETTE_LIGHT[p.order % PALETTE_LIGHT.len()]),
            ThemeKind::Dark => self.fg(PALETTE[p.order % PALETTE.len()]),
            ThemeKind::HighContrast => self
                .fg(PALETTE[p.order % PALETTE.len()])
                .add_modifier(Modifier::BOLD),
        }
    }

    /// Pane borders.
    pub fn border(&self) -> Style {
        match self.kind {
            ThemeKind::Dark => self.fg(Color::DarkGray),
            ThemeKind::Light => self.fg(Color::Indexed(245)),
            ThemeKind::HighContrast => self.fg(Color::White),
        }
    }

    /// Pane titles.
    pub fn title(&self) -> Style {
        Style::default().add_modifier(Modifier::BOLD)
    }

    /// Something good (exact count, success).
    pub fn good(&self) -> Style {
        let c = match self.kind {
            ThemeKind::Light => Color::Indexed(28),
            ThemeKind::Dark => Color::Green,
            ThemeKind::HighContrast => Color::LightGreen,
        };
        self.fg(c).add_modifier(Modifier::BOLD)
    }

    /// Something bad (lost updates, error, killed).
    pub fn bad(&self) -> Style {
        let c = match self.kind {
            ThemeKind::Light => Color::Indexed(124),
            ThemeKind::Dark => Color::Red,
            ThemeKind::HighContrast => Color::LightRed,
        };
        self.fg(c).add_modifier(Modifier::BOLD)
    }

    /// Less important text.
    pub fn dim(&self) -> Style {
        match self.kind {
            ThemeKind::Dark => self.fg(Color::DarkGray).add_modifier(Modifier::DIM),
            // Dimmed grey on white is hard to read: a plain mid grey instead.
            ThemeKind::Light => self.fg(Color::Indexed(242)),
            // A projector washes dimmed text out: less important text stays plain.
            ThemeKind::HighContrast => Style::default(),
        }
    }

    /// Keys in hints.
    pub fn key(&self) -> Style {
        let c = match self.kind {
            ThemeKind::Light => Color::Indexed(130),
            ThemeKind::Dark => Color::Yellow,
            ThemeKind::HighContrast => Color::LightYellow,
        };
        self.fg(c).add_modifier(Modifier::BOLD)
    }
}

/// The one-character glyph of a process (see [`Proc::glyph`]).
pub fn glyph(p: &Proc) -> char {
    p.glyph()
}

/// Timeline character (see [`Activity::glyph`]) and colour for an activity.
pub fn activity_cell(theme: &Theme, a: Activity) -> (char, Style) {
    let style = match a {
        Activity::Running => theme.fg(Color::Green),
        Activity::Runnable => theme.fg(Color::LightBlue),
        Activity::BlockedLock => theme.fg(Color::Red),
        Activity::BlockedQueue => theme.fg(Color::Yellow),
        Activity::BlockedSync => theme.fg(Color::LightRed),
        Activity::BlockedJoin => theme.fg(Color::LightMagenta),
        Activity::BlockedPipe => theme.fg(Color::LightYellow),
        Activity::Sleeping => theme.dim(),
        Activity::Gated => theme.fg(Color::Cyan),
        Activity::Stopped => theme.fg(Color::Magenta),
        Activity::Exited => Style::default(),
    };
    (a.glyph(), style)
}

#[cfg(test)]
mod theme_tests {
    use super::*;

    #[test]
    fn each_theme_keeps_processes_apart_and_high_contrast_dims_nothing() {
        for kind in [ThemeKind::Dark, ThemeKind::Light, ThemeKind::HighContrast] {
            let t = Theme { color: true, kind };
            let palette = if kind == ThemeKind::Light {
                &PALETTE_LIGHT
            } else {
                &PALETTE
            };
            let distinct: std::collections::BTreeSet<String> =
                palette.iter().map(|c| format!("{c:?}")).collect();
            assert_eq!(distinct.len(), palette.len(), "{kind:?}");
            assert_ne!(t.good(), t.bad(), "{kind:?}");
        }
        let hc = Theme {
            color: true,
            kind: ThemeKind::HighContrast,
        };
        assert!(!hc.dim().add_modifier.contains(Modifier::DIM));
        // Yellow vanishes on white: the light theme never uses it for keys.
        let light = Theme {
            color: true,
            kind: ThemeKind::Light,
        };
        assert_ne!(light.key().fg, Some(Color::Yellow));
        // NO_COLOR still wins over any theme.
        let plain = Theme {
            color: false,
            kind: ThemeKind::Light,
        };
        assert_eq!(plain.key().fg, None);
    }
}
