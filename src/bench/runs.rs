//! Benchmarks that run proclab itself as a user would: a queue flood, headless and
//! recorded, and a Python program plain and under the probe. They start real processes
//! and print what they measured.

use std::time::Instant;

/// `proclab bench --flood N`: run the queue demo with 8 producers and 8 consumers of `n`
/// items each, headless with `--json` to /dev/null, once plain and once `--record`ing to
/// a file; print the wall time, events per second and peak RSS of each.
pub fn flood(n: u64) -> i32 {
    let Ok(exe) = std::env::current_exe() else {
        eprintln!("bench: cannot find the proclab executable");
        return 1;
    };
    let rec = std::env::temp_dir().join(format!("proclab-bench-flood-{}.rec", std::process::id()));
    let items = n.saturating_mul(8);
    println!("flood: run queue -n {n} --producers 8 --consumers 8 --json ({items} items)");
    for record in [false, true] {
        let mut cmd = std::process::Command::new(&exe);
        cmd.args(["run", "queue", "-n", &n.to_string()])
            .args(["--producers", "8", "--consumers", "8", "--json"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .stdin(std::process::Stdio::null());
        if record {
            cmd.arg("--record").arg(&rec);
        }
        let t = Instant::now();
        let child = match cmd.spawn() {
            Ok(c) => c,
            Err(e) => {
                eprintln!("bench: cannot start the flood: {e}");
                return 1;
            }
        };
        // wait4 gives the child's own peak RSS.
        let mut status = 0;
        // SAFETY: an all-zero rusage is valid; wait4 fills it for our own child.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: waiting for the child we just started.
        let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
        let secs = t.elapsed().as_secs_f64();
        if pid <= 0 || !libc::WIFEXITED(status) || libc::WEXITSTATUS(status) != 0 {
            eprintln!("bench: the flood run failed (status {status})");
            let _ = std::fs::remove_file(&rec);
            return 1;
        }
        let peak_mb = usage.ru_maxrss as f64 / 1024.0;
        let line = if record {
            let events = crate::record::file::open(&rec)
                .map(|r| r.count())
                .unwrap_or(0);
            let bytes = std::fs::metadata(&rec).map_or(0, |m| m.len());
            let _ = std::fs::remove_file(&rec);
            format!(
                "--record:   {secs:>6.2} s, {:>9.0} items/s, peak RSS {peak_mb:>6.1} MB; {events} events recorded, {:.1} bytes/event on disk",
                items as f64 / secs,
                bytes as f64 / events.max(1) as f64
            )
        } else {
            format!(
                "no record:  {secs:>6.2} s, {:>9.0} items/s, peak RSS {peak_mb:>6.1} MB",
                items as f64 / secs
            )
        };
        println!("{line}");
    }
    0
}

/// The program `bench --probe` measures: 20 000 put/get pairs between two processes over
/// two Queues, timed by the program itself (its start-up is not what is compared).
const QUEUE_PAIRS: &str = r#"import multiprocessing as mp, time
N = 20000
def echo(q_in, q_out):
    for _ in range(N):
        q_out.put(q_in.get())
if __name__ == "__main__":
    a, b = mp.Queue(), mp.Queue()
    p = mp.Process(target=echo, args=(a, b))
    p.start()
    t = time.perf_counter()
    for i in range(N):
        a.put(i)
        b.get()
    dt = time.perf_counter() - t
    p.join()
    print("pairs %.4f" % dt)
"#;

/// `proclab bench --probe ROUNDS`: what watching a Python program costs it. The same
/// program (20 000 Queue put/get pairs between two processes) runs plain under python3
/// and under `proclab run --runner python`, alternately, ROUNDS times each; prints each
/// time the program measured and the ratio of the medians.
pub fn probe_cost(rounds: u32) -> i32 {
    let Ok(exe) = std::env::current_exe() else {
        eprintln!("bench: cannot find the proclab executable");
        return 1;
    };
    let python = match crate::engine::python::find_python(None) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("bench: {e}");
            return 1;
        }
    };
    let dir = std::env::temp_dir().join(format!("proclab-bench-probe-{}", std::process::id()));
    let script = dir.join("queue_pairs.py");
    if let Err(e) =
        std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&script, QUEUE_PAIRS))
    {
        eprintln!("bench: cannot write the program: {e}");
        return 1;
    }
    println!(
        "probe: 20000 Queue put/get pairs between two processes, {} plain and under proclab, {rounds} rounds",
        python.display()
    );
    let time_of = |probed: bool| -> Option<f64> {
        let mut cmd = if probed {
            let mut c = std::process::Command::new(&exe);
            c.args(["run", "--runner", "python", "--python"])
                .arg(&python)
                .arg("--file")
                .arg(&script);
            c
        } else {
            let mut c = std::process::Command::new(&python);
            c.arg(&script);
            c
        };
        // The interpreter's own buffering in both runs, whatever this shell sets.
        let out = cmd
            .env_remove("PYTHONUNBUFFERED")
            .stdin(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .output()
            .ok()?;
        let text = String::from_utf8_lossy(&out.stdout);
        text.lines()
            .find_map(|l| l.split("pairs ").nth(1))
            .and_then(|s| s.trim().parse().ok())
    };
    let (mut plain, mut probed) = (Vec::new(), Vec::new());
    for round in 1..=rounds {
        match (time_of(false), time_of(true)) {
            (Some(a), Some(b)) => {
                println!("round {round}: plain {a:.3} s, under proclab {b:.3} s");
                plain.push(a);
                probed.push(b);
            }
            _ => {
                eprintln!("bench: the program did not report its time");
                let _ = std::fs::remove_dir_all(&dir);
                return 1;
            }
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let (a, b) = (median(&mut plain), median(&mut probed));
    println!(
        "median: plain {a:.3} s, under proclab {b:.3} s: {:.2}x the plain run time",
        b / a
    );
    0
}
