//! The chunksize demo through the real binary: the same map with chunksize=1 and with
//! map's default, counted in chunks, messages and tasks per worker (never in time).

mod common;

use common::run_json;
use proclab::course::format::Check;
use proclab::course::judge;
use proclab::engine::protocol::{Outcome, Role};
use proclab::state::RunState;

/// One map: chunksize, tasks, messages, and (worker pid, tasks it ran).
type Map = (u32, u32, u32, Vec<(i32, u32)>);

/// Each map of the run, in order.
fn maps(run: &common::Finished) -> Vec<Map> {
    run.outcomes()
        .into_iter()
        .filter_map(|o| match o {
            Outcome::Chunks {
                chunksize,
                tasks,
                messages,
                per_worker,
                ..
            } => Some((chunksize, tasks, messages, per_worker)),
            _ => None,
        })
        .collect()
}

fn check(workers: u32, tasks: u32, default_chunk: u32) {
    let run = run_json(&[
        "chunksize",
        "--workers",
        &workers.to_string(),
        "--tasks",
        &tasks.to_string(),
    ]);
    let pool: Vec<i32> = run
        .spawned()
        .into_iter()
        .filter(|(_, _, role, _)| *role == Role::PoolWorker)
        .map(|(pid, ..)| pid)
        .collect();
    assert_eq!(pool.len(), workers as usize);
    let m = maps(&run);
    assert_eq!(m.len(), 2, "{m:?}");
    let chunks = tasks.div_ceil(default_chunk);
    assert_eq!(
        (m[0].0, m[0].2),
        (1, 2 * tasks),
        "one message per task each way"
    );
    assert_eq!((m[1].0, m[1].2), (default_chunk, 2 * chunks));
    for (chunksize, n, _, per) in &m {
        assert_eq!(*n, tasks);
        assert_eq!(
            per.iter().map(|(_, k)| k).sum::<u32>(),
            tasks,
            "every task ran once"
        );
        assert!(per.iter().all(|(pid, _)| pool.contains(pid)), "{per:?}");
        if *chunksize == default_chunk && tasks.is_multiple_of(default_chunk) {
            // A chunk goes to one worker whole.
            assert!(
                per.iter().all(|(_, k)| k.is_multiple_of(default_chunk)),
                "{per:?}"
            );
        }
    }
    assert!(
        run.output_lines()
            .iter()
            .any(|l| l.contains("squares") && l.ends_with("correct")),
        "{:?}",
        run.output_lines()
    );
    let mut s = RunState::new();
    for f in &run.frames {
        s.apply(f);
    }
    assert!(judge::shows(&s, Check::ChunksizesCompared));
}

#[test]
fn the_default_chunksize_sends_sixteen_messages_where_chunksize_one_sends_twenty_thousand() {
    check(4, 20_000, 1250);
}

#[test]
fn the_default_chunksize_is_a_quarter_of_the_share_of_each_worker() {
    // ceil(1001 / (4 x 2)) = 126: the last chunk is shorter.
    check(2, 1001, 126);
}
