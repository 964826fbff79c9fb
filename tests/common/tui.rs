//! The real binary in a pseudo-terminal: keys in, screen read back with a terminal
//! emulator (vt100). No tmux needed.

use std::io::{Read, Write};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

use super::bin;

pub struct Tui {
    pub parser: vt100::Parser,
    rx: mpsc::Receiver<Vec<u8>>,
    writer: Box<dyn Write + Send>,
    pub child: Box<dyn portable_pty::Child + Send + Sync>,
    /// The terminal's side of the pty: resized to resize the app's terminal.
    master: Box<dyn portable_pty::MasterPty + Send>,
    /// The private data directory of this app alone, removed with the Tui (two apps
    /// of one size running at once never share it).
    _data: tempfile::TempDir,
}

impl Tui {
    pub fn start(args: &[&str], cols: u16, rows: u16) -> Tui {
        Self::start_with(args, cols, rows, &[])
    }

    pub fn start_with(args: &[&str], cols: u16, rows: u16, env: &[(&str, &str)]) -> Tui {
        Self::start_in(None, args, cols, rows, env)
    }

    /// Start in the folder `cwd` (where the app saves recordings with `w`).
    pub fn start_in(
        cwd: Option<&std::path::Path>,
        args: &[&str],
        cols: u16,
        rows: u16,
        env: &[(&str, &str)],
    ) -> Tui {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("pty");
        let mut cmd = CommandBuilder::new(bin());
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        // Progress goes to a private place, never the user's own.
        let data = tempfile::Builder::new()
            .prefix("proclab-pty-")
            .tempdir()
            .expect("temp dir");
        cmd.env("XDG_DATA_HOME", data.path());
        for (k, v) in env {
            cmd.env(k, v);
        }
        if let Some(dir) = cwd {
            cmd.cwd(dir);
        }
        let child = pair.slave.spawn_command(cmd).expect("spawn in pty");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().expect("reader");
        let writer = pair.master.take_writer().expect("writer");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        let size = |n: u16| std::num::NonZeroU16::new(n).expect("non-zero size");
        Tui {
            parser: vt100::Parser::new(size(rows), size(cols), 0),
            rx,
            writer,
            child,
            master: pair.master,
            _data: data,
        }
    }

    /// Resize the terminal, as a user dragging its window does (the app gets SIGWINCH).
    #[allow(dead_code)]
    pub fn resize(&mut self, cols: u16, rows: u16) {
        let size = |n: u16| std::num::NonZeroU16::new(n).expect("non-zero size");
        self.pump(Duration::from_millis(50));
        self.parser.set_size(size(rows), size(cols));
        self.master
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .expect("resize the pty");
    }

    pub fn pump(&mut self, wait: Duration) {
        if let Ok(bytes) = self.rx.recv_timeout(wait) {
            self.parser.process(&bytes);
        }
        while let Ok(bytes) = self.rx.try_recv() {
            self.parser.process(&bytes);
        }
    }

    /// The screen once the app has stopped drawing for a moment: a frame read half
    /// written would show rows of two frames at once.
    #[allow(dead_code)]
    pub fn settled(&mut self) -> String {
        let until = Instant::now() + Duration::from_secs(5);
        while Instant::now() < until {
            match self.rx.recv_timeout(Duration::from_millis(300)) {
                Ok(bytes) => self.parser.process(&bytes),
                Err(_) => break,
            }
        }
        self.screen()
    }

    pub fn screen(&self) -> String {
        self.parser.screen().contents()
    }

    /// Wait until the screen shows `text`.
    pub fn wait_for(&mut self, text: &str) -> String {
        self.wait_until(text, |s| s.contains(text))
    }

    /// Wait until the screen satisfies `pred`.
    pub fn wait_until(&mut self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let until = Instant::now() + Duration::from_secs(20);
        loop {
            self.pump(Duration::from_millis(50));
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            assert!(Instant::now() < until, "screen never showed {what}:\n{s}");
        }
    }

    /// Press r past the reading step, answer the prediction with its first choice, and
    /// press r again to run the demo.
    pub fn run_past_prediction(&mut self) {
        self.keys("r");
        self.wait_for("Predict:");
        self.keys("1");
        self.keys("r");
    }

    pub fn keys(&mut self, k: &str) {
        self.writer.write_all(k.as_bytes()).expect("type");
        self.writer.flush().expect("flush");
    }

    pub fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        let until = Instant::now() + Duration::from_secs(10);
        loop {
            self.pump(Duration::from_millis(20));
            if let Ok(Some(st)) = self.child.try_wait() {
                self.pump(Duration::from_millis(100));
                return st;
            }
            assert!(
                Instant::now() < until,
                "proclab did not exit:\n{}",
                self.screen()
            );
        }
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

/// The number after `label` on the screen.
pub fn number_after(screen: &str, label: &str) -> i64 {
    let rest = screen
        .split(label)
        .nth(1)
        .unwrap_or_else(|| panic!("{label:?} not on screen:\n{screen}"));
    rest.trim_start()
        .split(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no number after {label:?}:\n{screen}"))
}
