//! Python programs under the probe, for the tests: skipped (with a message) only where
//! no python3 is installed; CI installs it.

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use proclab::engine::protocol::Event;

use super::{Finished, run_json};

pub fn have_python() -> bool {
    let ok = Command::new("python3")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("skipped: no python3 on PATH (CI installs it)");
    }
    ok
}

/// A script in a folder of its own, removed with everything in it when dropped
/// (also when the test fails).
pub struct Script {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl std::ops::Deref for Script {
    type Target = std::path::Path;
    fn deref(&self) -> &std::path::Path {
        &self.path
    }
}

/// Write `source` as a script in a fresh folder.
pub fn script(name: &str, source: &str) -> Script {
    let dir = tempfile::Builder::new()
        .prefix(&format!("proclab-py-{name}-"))
        .tempdir()
        .expect("temp dir");
    let path = dir.path().join(format!("{name}.py"));
    std::fs::write(&path, source).expect("write");
    Script { _dir: dir, path }
}

pub fn run_script(name: &str, source: &str, extra: &[&str]) -> Finished {
    let path = script(name, source);
    let mut args = vec!["--file", path.to_str().expect("utf-8")];
    args.extend_from_slice(extra);
    run_json(&args)
}

/// Lines each PID printed.
pub fn printed(run: &Finished) -> HashMap<i32, Vec<String>> {
    let mut out: HashMap<i32, Vec<String>> = HashMap::new();
    for f in &run.frames {
        if let Event::Output { line, .. } = &f.event {
            out.entry(f.pid).or_default().push(line.clone());
        }
    }
    out
}
