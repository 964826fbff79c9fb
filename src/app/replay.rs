//! A recording opened again: `proclab replay FILE` (the app on it, or its JSON lines), and
//! the app that `proclab export` draws from. No process is started: every frame comes from
//! the file.

use std::io::Write;
use std::path::Path;

use crate::course::Lesson;
use crate::engine::protocol;
use crate::record::file::{self, Header, ReadError};

use super::App;

/// A recording loaded into an app.
pub struct Opened {
    pub app: App,
    pub header: Header,
    /// Where the file stopped being readable, if it did (the frames before it are in).
    pub problem: Option<ReadError>,
}

/// An app for the recording at `path` (whose header is `header`), teaching `lessons`, at
/// the lesson it names (else the first one running its demo, else a lesson of its own for
/// a student's program); no frame taken in yet.
pub fn app_for(path: &Path, header: &Header, lessons: Vec<Lesson>) -> App {
    let mut lessons = lessons;
    let found = header
        .lesson
        .as_deref()
        .and_then(|id| crate::course::find(&lessons, id))
        .or_else(|| lessons.iter().position(|l| l.demo.name() == header.demo));
    let lesson = match found {
        Some(i) => i,
        // A student's own program (or a lesson this course lacks): a lesson of its own.
        None => {
            let name = header
                .params
                .iter()
                .find(|(k, _)| k == "script")
                .and_then(|(_, v)| Path::new(v).file_name())
                .map_or(header.demo.clone(), |n| n.to_string_lossy().into_owned());
            let mut l = crate::course::script_lesson(
                path,
                &name,
                "# the program is not part of the recording\n".into(),
            );
            // Its one step tells how to run it live; a replay shows a run already made.
            for step in &mut l.def.steps {
                step.text.en = format!(
                    "A recording of {name} under the probe: -> steps through it, P plays it, End shows its end."
                );
                step.text.zh = format!(
                    "{name} 在探针下运行的录像：按 -> 逐个事件前进，P 播放，End 跳到结尾。"
                );
            }
            lessons.push(l);
            lessons.len() - 1
        }
    };
    let mut app = App::new(lessons);
    app.lesson = lesson;
    app.run_lesson = Some(lesson);
    app.run_python = header.runner == "python";
    app.replay = Some(path.to_path_buf());
    app
}

/// Load the recording at `path` into an app teaching `lessons` (see [`app_for`]), with
/// the time cursor at the run's start.
pub fn open(path: &Path, lessons: Vec<Lesson>) -> Result<Opened, ReadError> {
    let reader = file::open(path)?;
    let header = reader.header().clone();
    let mut app = app_for(path, &header, lessons);
    let mut problem = None;
    for f in reader {
        match f {
            Ok(f) => app.take(&f),
            Err(e) => {
                problem = Some(e);
                break;
            }
        }
    }
    let _ = app.time.home();
    app.align_cursor();
    let zh = app.zh();
    app.message = Some(match (&problem, zh) {
        (None, false) => format!(
            "replay of {}: -> steps one event, P plays, End shows the end; no process starts",
            path.display()
        ),
        (None, true) => format!(
            "{} 的回放：-> 前进一个事件，P 播放，End 跳到结尾；不会启动任何进程",
            path.display()
        ),
        (Some(e), false) => format!("{e}: showing what came before"),
        (Some(e), true) => format!("{e}：显示此前的内容"),
    });
    Ok(Opened {
        app,
        header,
        problem,
    })
}

/// `proclab replay FILE --json`: the recorded frames as the JSON lines `proclab run --json`
/// printed. Returns the exit code: 0, or 1 when the file stopped being readable (said on
/// stderr with the byte it stopped at).
pub fn print_json(path: &Path) -> i32 {
    let reader = match file::open(path) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("proclab: {e}");
            return e.exit_code();
        }
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for f in reader {
        match f {
            Ok(f) => {
                if writeln!(out, "{}", protocol::to_json_line(&f)).is_err() {
                    // The reader went away (`| head`): nothing more to do.
                    return 0;
                }
            }
            Err(e) => {
                let _ = out.flush();
                eprintln!("proclab: {e}");
                return 1;
            }
        }
    }
    // A reader gone at the very end is not an error either.
    let _ = out.flush();
    0
}
