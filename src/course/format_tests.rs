//! Tests of [`super`]: lesson parameters, checks, `find` and result patterns.

use super::*;

/// Every numeric lesson parameter, over the whole range TOML can write: the value is
/// kept exactly, or refused with the value as written; never wrapped.
#[test]
fn lesson_numbers_are_kept_exactly_or_refused_with_the_value_written() {
    let keys = [
        "workers",
        "iterations",
        "tasks",
        "producers",
        "consumers",
        "maxsize",
        "cost",
        "maxtasks",
        "tempo",
        "zombie_ms",
        "kill",
        "panic",
    ];
    let mut values: Vec<i64> = vec![i64::MIN, -1, 0, 1, 4, i64::MAX];
    for bits in [31u32, 32, 62] {
        let e = 1i64 << bits;
        values.extend([e - 1, e, e + 1]);
    }
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..300 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        values.push((x >> (x % 64)) as i64);
    }
    for key in keys {
        for &n in &values {
            let mut t = toml::Table::new();
            t.insert(key.into(), toml::Value::Integer(n));
            if key == "maxtasks" {
                t.insert(
                    "mode".into(),
                    toml::Value::String("maxtasksperchild".into()),
                );
            }
            let demo = match key {
                "tasks" | "cost" | "maxtasks" => DemoKind::Pool,
                "producers" | "consumers" | "maxsize" => DemoKind::Queue,
                _ => DemoKind::Process,
            };
            match params_from(demo, &t) {
                Ok(p) => {
                    let kept: u64 = match key {
                        "workers" => p.workers.map(u64::from),
                        "iterations" => p.iterations,
                        "tasks" => p.tasks.map(u64::from),
                        "producers" => p.producers.map(u64::from),
                        "consumers" => p.consumers.map(u64::from),
                        "maxsize" => p.maxsize.map(u64::from),
                        "cost" => p.cost,
                        "maxtasks" => p.maxtasks.map(u64::from),
                        "tempo" => Some(u64::from(p.tempo_ms)),
                        "zombie_ms" => p.zombie_ms,
                        "kill" => p.kill.map(u64::from),
                        "panic" => p.panic.map(u64::from),
                        _ => unreachable!("listed above"),
                    }
                    .expect("set");
                    assert_eq!(kept as i128, n as i128, "{key} = {n}");
                }
                Err((_, msg)) => {
                    // Either the value itself, or (for a product) the factors.
                    assert!(
                        msg.contains(&n.to_string()),
                        "{key} = {n} refused without its value: {msg}"
                    );
                }
            }
        }
    }
}

#[test]
fn every_check_is_spelled_in_lesson_toml_as_its_name() {
    for c in [
        Check::RunCompleted,
        Check::LostUpdates,
        Check::ExactCounter,
        Check::PidReuse,
        Check::ZombieSeen,
        Check::ParallelSpeedup,
        Check::AllMessagesReceived,
        Check::ForkserverParent,
        Check::OrphanReparented,
        Check::ChildrenTerminated,
        Check::DeadlockSeen,
        Check::JoinBeforeGet,
        Check::SemaphoreThrottled,
        Check::ChunksizesCompared,
    ] {
        #[derive(Deserialize)]
        struct One {
            check: Check,
        }
        let parsed: One = toml::from_str(&format!("check = \"{}\"", c.name())).expect("parses");
        assert_eq!(parsed.check, c);
        assert!(!c.demos().is_empty(), "{}", c.name());
    }
}

#[test]
fn find_marks_every_place_its_lines_appear_and_names_a_text_found_nowhere() {
    let program = "def writer(w):\n    w.send(1)\n    w.close()\n\n# close ours\nw.close()\n";
    let find = |t: &str| {
        let s: Step = toml::from_str(&format!(
            "action = \"read\"\ntext = {{ en = \"x\", zh = \"x\" }}\n{t}"
        ))
        .expect("parses");
        s.find.lines(program)
    };
    assert_eq!(find("find = \"w.close()\""), Ok(vec![2, 5]));
    assert_eq!(find("find = \"# close ours\\nw.close()\""), Ok(vec![4, 5]));
    assert_eq!(find("find = [\"def writer\", \"w.send\"]"), Ok(vec![0, 1]));
    assert_eq!(find(""), Ok(vec![]), "no find: nothing marked");
    assert_eq!(
        find("find = [\"w.send\", \"w.closed()\"]"),
        Err("w.closed()".into())
    );
    assert_eq!(
        find("find = \" \""),
        Err(" ".into()),
        "an empty text finds nothing"
    );
}

#[test]
fn result_patterns_capture_their_placeholders() {
    let got = match_pattern(
        "counter = {actual}, expected {expected}",
        "counter = 29468, expected 80000 (lock off)",
    );
    assert_eq!(
        got,
        Some(vec![
            ("actual".into(), "29468".into()),
            ("expected".into(), "80000 (lock off)".into())
        ])
    );
    let got = match_pattern("{variant} {seconds} s", "serial       1.44 s");
    assert_eq!(
        got,
        Some(vec![
            ("variant".into(), "serial".into()),
            ("seconds".into(), "1.44".into())
        ])
    );
    let counter = PythonResults {
        counter: Some("count = {actual} (expected {expected})".into()),
        ..Default::default()
    };
    // The line's own word on the lock counts, even for a race that lost nothing.
    assert_eq!(
        counter.outcomes("lock off: count = 1500 (expected 1500)", None),
        vec![crate::engine::protocol::Outcome::Counter {
            expected: 1500,
            actual: 1500,
            locked: false
        }]
    );
    assert_eq!(match_pattern("count = {actual}", "nothing here"), None);
    assert_eq!(match_pattern("x{a}", "x"), None, "no empty capture");
}
