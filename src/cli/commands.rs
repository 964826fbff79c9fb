//! What each subcommand does once its arguments are parsed: list the demos, open the app
//! on a program or a recording, run a demo or a program headless, print a whole text.

use super::*;

/// Write `bytes` to stdout. A reader that stops early (`| head`) is not an error.
pub(super) fn print_all(bytes: &[u8], what: &str) -> i32 {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => 0,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => 0,
        Err(e) => {
            eprintln!("proclab: cannot write {what}: {e}");
            1
        }
    }
}

pub(super) fn list() {
    println!("demos (proclab run <demo> --help for options):");
    let w = DemoKind::ALL
        .iter()
        .map(|d| d.name().len())
        .max()
        .unwrap_or(0);
    for d in DemoKind::ALL {
        let modes = if d.modes().is_empty() {
            String::new()
        } else {
            format!("  [modes: {}]", d.modes().join(", "))
        };
        println!("  {:<w$} {}{modes}", d.name(), d.summary());
    }
    // Which Python start method the native demos are like: the lessons compare
    // them, and none of the demos is CPython.
    println!(
        "\n  Each native demo's main is proclab started afresh (exec, like spawn); it forks\n  \
         its workers (like fork), so they begin with a copy of main's memory. `start` also\n  \
         starts children by fork + exec (spawn) and through a forkserver."
    );
    println!("\nlessons (proclab --lesson <id>):");
    let lessons = crate::course::embedded();
    let w = lessons.iter().map(|l| l.def.id.len()).max().unwrap_or(0);
    for (i, l) in lessons.iter().enumerate() {
        println!(
            "  {:>2} {:<w$}  {} / {}  (demo: {})",
            i + 1,
            l.def.id,
            l.def.title.en,
            l.def.title.zh,
            l.demo.name()
        );
    }
}

/// Refuse a `--record` path that cannot take a recording, before the app opens.
pub(super) fn record_path_ok(path: Option<&std::path::Path>) -> bool {
    match path.map(crate::record::file::check_output) {
        Some(Err(e)) => {
            eprintln!("proclab: {e}");
            false
        }
        _ => true,
    }
}

/// `proclab watch SCRIPT`: the app on a student's own program.
pub(super) fn watch(
    w: WatchArgs,
    lang: Option<crate::course::Lang>,
    theme: Option<crate::ui::ThemeKind>,
    present: bool,
) -> i32 {
    if !record_path_ok(w.record.as_deref()) {
        return 2;
    }
    let python = match crate::engine::python::find_python(w.python.as_deref()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("proclab: {e}");
            return 2;
        }
    };
    let text = match crate::files::read_text(&w.script) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("proclab: {e}");
            return 2;
        }
    };
    let name = w
        .script
        .file_name()
        .map_or("script".into(), |n| n.to_string_lossy().into_owned());
    let lesson = crate::course::script_lesson(&w.script, &name, text);
    crate::ui::terminal::main(crate::ui::terminal::Start {
        lessons: vec![lesson],
        lesson: Some(0),
        no_predict: false,
        at_step: None,
        lang: lang.unwrap_or_else(crate::course::Lang::from_env),
        reset_progress: false,
        python: Some(python),
        watch: Some((w.script, w.args)),
        max_procs: w.max_procs as usize,
        record: w.record,
        theme,
        present,
    })
}

/// The Python program a run asks for, or the message saying why it cannot run.
pub(super) fn python_program(
    args: &RunArgs,
) -> Result<Option<crate::engine::python::PythonProgram>, String> {
    let python_runner = args.file.is_some() || args.runner == Some(Runner::Python);
    if !python_runner {
        if args.python.is_some() || !args.args.is_empty() {
            return Err("--python and program arguments go with --runner python".into());
        }
        return Ok(None);
    }
    if args.runner == Some(Runner::Native) {
        return Err("--file runs a Python program: it needs the python runner".into());
    }
    if args.any_native_option() {
        return Err(format!(
            "{} only for the native demos, not a Python program (--tempo and --step do apply); give the program its arguments after --",
            args.native_options().join(", ")
        ));
    }
    crate::app::headless::python_program(
        args.python.as_deref(),
        args.file.as_deref(),
        args.demo,
        &args.args,
    )
    .map(Some)
}

/// `proclab replay FILE`: the app on the recording, or its JSON lines.
pub(super) fn replay(r: ReplayArgs, theme: Option<crate::ui::ThemeKind>, present: bool) -> i32 {
    if r.json {
        return crate::app::replay::print_json(&r.file);
    }
    match crate::app::replay::open(&r.file, crate::course::embedded()) {
        Ok(mut opened) => {
            opened.app.lang = r.lang.unwrap_or_else(crate::course::Lang::from_env);
            crate::ui::terminal::replay(opened.app, theme, present)
        }
        Err(e) => {
            eprintln!("proclab: {e}");
            e.exit_code()
        }
    }
}

/// The schedule `--schedule FILE` asks for, checked against the demo asked for.
pub(super) fn schedule(
    args: &RunArgs,
) -> Result<Option<crate::record::schedule::Schedule>, String> {
    let Some(path) = &args.schedule else {
        return Ok(None);
    };
    if args.any_demo_option() {
        return Err(
            "a schedule re-runs the recorded run with its own options: give only the demo and --schedule"
                .into(),
        );
    }
    let reader = crate::record::file::open(path).map_err(|e| e.to_string())?;
    let mut problem = None;
    let frames = reader.map_while(|f| f.map_err(|e| problem = Some(e)).ok());
    let s = crate::record::schedule::Schedule::from_frames(frames)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if let Some(e) = problem {
        eprintln!("proclab: {e}: the schedule is what came before");
    }
    if let Some(d) = args.demo
        && d != s.params.demo
    {
        return Err(format!(
            "{} is a run of the {} demo, not {}",
            path.display(),
            s.params.demo.name(),
            d.name()
        ));
    }
    Ok(Some(s))
}

pub(super) fn run(args: RunArgs) -> i32 {
    let schedule = match schedule(&args) {
        Ok(s) => s,
        Err(msg) => {
            eprintln!("error: {msg}\n\nFor more information, try 'proclab run --help'.");
            return 2;
        }
    };
    let python = match python_program(&args) {
        Ok(p) => p,
        Err(msg) => {
            eprintln!("error: {msg}\n\nFor more information, try 'proclab run --help'.");
            return 2;
        }
    };
    let params = match &schedule {
        Some(s) => s.params.clone(),
        None => args.params(),
    };
    if let Err(msg) = params.validate() {
        eprintln!("error: {msg}\n\nFor more information, try 'proclab run --help'.");
        return 2;
    }
    crate::app::headless::run(Headless {
        params,
        python,
        // Only a lesson's own program prints what its lesson's patterns read.
        lesson: if args.file.is_none() { args.demo } else { None },
        max_procs: args.max_procs as usize,
        samples: args.samples,
        step: args.step || schedule.is_some(),
        json: args.json,
        record: args.record.clone(),
        lesson_id: if args.file.is_some() {
            None
        } else {
            let demo = args.demo.or(schedule.as_ref().map(|s| s.params.demo));
            crate::course::embedded()
                .into_iter()
                .find(|l| Some(l.demo) == demo)
                .map(|l| l.def.id)
        },
        schedule,
    })
}
