//! A run's parameters as the command line (or a lesson) gives them, and their
//! validation: every option checked against the demo it is given to.

use serde::{Deserialize, Serialize};

use super::{DemoKind, Opt};

/// Parameters of one run, as given on the command line; `None` means the demo's default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Params {
    pub demo: DemoKind,
    pub workers: Option<u32>,
    pub iterations: Option<u64>,
    pub tasks: Option<u32>,
    pub lock: Option<bool>,
    pub mode: Option<String>,
    pub producers: Option<u32>,
    pub consumers: Option<u32>,
    pub maxsize: Option<u32>,
    pub cost: Option<u64>,
    pub maxtasks: Option<u32>,
    pub zombie_ms: Option<u64>,
    pub kill: Option<u32>,
    pub panic: Option<u32>,
    /// CPU work per operation, microseconds of the process's own CPU time (a real loop):
    /// a lesson's watchable pace that keeps the cores busy, unlike the tempo's sleep.
    /// Absent from older runs' parameters, hence the default.
    #[serde(default)]
    pub work_us: Option<u64>,
    /// Delay per operation at start, milliseconds.
    pub tempo_ms: u32,
    /// Start in step mode.
    pub step: bool,
}

/// Upper bounds that keep a classroom machine usable.
pub const MAX_WORKERS: u32 = 256;

impl Params {
    /// Defaults for a demo.
    pub fn new(demo: DemoKind) -> Self {
        Self {
            demo,
            workers: None,
            iterations: None,
            tasks: None,
            lock: None,
            mode: None,
            producers: None,
            consumers: None,
            maxsize: None,
            cost: None,
            maxtasks: None,
            zombie_ms: None,
            kill: None,
            panic: None,
            work_us: None,
            tempo_ms: 0,
            step: false,
        }
    }

    /// Number of worker processes.
    pub fn workers(&self) -> u32 {
        let default = match (self.demo, self.mode()) {
            (DemoKind::Sync, "barrier") => 3,
            (DemoKind::Sync, "condition") => 2,
            (d, _) => d.default_workers(),
        };
        self.workers.unwrap_or(default)
    }
    /// Iterations (meaning depends on the demo).
    pub fn iterations(&self) -> u64 {
        let default = match (self.demo, self.mode()) {
            (DemoKind::Queue, "sum") => 1000,
            (DemoKind::Lock, "print") => 5,
            (DemoKind::Gil, "io") => 50,
            (d, _) => d.default_iterations(),
        };
        self.iterations.unwrap_or(default)
    }
    /// Pool tasks.
    pub fn tasks(&self) -> u32 {
        let default = if self.demo == DemoKind::Chunksize {
            20_000
        } else {
            8
        };
        self.tasks.unwrap_or(default)
    }
    /// Lock on (lock demo); off by default so the first run shows the race.
    pub fn lock(&self) -> bool {
        self.lock.unwrap_or(false)
    }
    /// The mode, or the demo's default.
    pub fn mode(&self) -> &str {
        self.mode
            .as_deref()
            .or_else(|| self.demo.modes().first().copied())
            .unwrap_or("")
    }
    /// Queue producers.
    pub fn producers(&self) -> u32 {
        self.producers.unwrap_or(2)
    }
    /// Queue consumers.
    pub fn consumers(&self) -> u32 {
        self.consumers.unwrap_or(1)
    }
    /// Queue maxsize (0 = unbounded).
    pub fn maxsize(&self) -> u32 {
        self.maxsize.unwrap_or(0)
    }
    /// Pool: loop iterations per unit of task cost.
    pub fn cost(&self) -> u64 {
        self.cost.unwrap_or(20_000_000)
    }
    /// Pool: tasks per worker before it is replaced (maxtasksperchild mode).
    pub fn maxtasks(&self) -> u32 {
        self.maxtasks.unwrap_or(2)
    }
    /// CPU work per operation, µs (0 = none: full speed).
    pub fn work_us(&self) -> u64 {
        self.work_us.unwrap_or(0)
    }
    /// Process: how long finished children stay unjoined (zombies), ms.
    pub fn zombie_ms(&self) -> u64 {
        let default = if self.demo == DemoKind::Lifecycle {
            2000
        } else {
            0
        };
        self.zombie_ms.unwrap_or(default)
    }

    /// Check values and that each given option applies to the demo. The message says what
    /// was wrong and what is valid.
    pub fn validate(&self) -> Result<(), String> {
        let d = self.demo;
        let given: [(Opt, bool); 14] = [
            (Opt::Workers, self.workers.is_some()),
            (Opt::Iterations, self.iterations.is_some()),
            (Opt::Tasks, self.tasks.is_some()),
            (Opt::Lock, self.lock.is_some()),
            (Opt::Mode, self.mode.is_some()),
            (Opt::Producers, self.producers.is_some()),
            (Opt::Consumers, self.consumers.is_some()),
            (Opt::Maxsize, self.maxsize.is_some()),
            (Opt::Cost, self.cost.is_some()),
            (Opt::Maxtasks, self.maxtasks.is_some()),
            (Opt::ZombieMs, self.zombie_ms.is_some()),
            (Opt::Kill, self.kill.is_some()),
            (Opt::Panic, self.panic.is_some()),
            (Opt::WorkUs, self.work_us.is_some()),
        ];
        for (opt, is_given) in given {
            if is_given && !d.options().contains(&opt) {
                let valid: Vec<&str> = d.options().iter().map(|o| o.flag()).collect();
                return Err(format!(
                    "{} does not apply to the {} demo; it takes {} (and --tempo, --step, --json, --samples)",
                    opt.flag(),
                    d.name(),
                    valid.join(", ")
                ));
            }
        }
        if let Some(m) = &self.mode
            && !d.modes().contains(&m.as_str())
        {
            return Err(format!(
                "invalid mode '{m}' for the {} demo; valid modes: {}",
                d.name(),
                d.modes().join(", ")
            ));
        }
        let w = self.workers();
        if !(1..=MAX_WORKERS).contains(&w) {
            return Err(format!(
                "--workers must be between 1 and {MAX_WORKERS}, got {w}"
            ));
        }
        for (name, v) in [
            ("--producers", self.producers()),
            ("--consumers", self.consumers()),
        ] {
            if !(1..=MAX_WORKERS).contains(&v) {
                return Err(format!(
                    "{name} must be between 1 and {MAX_WORKERS}, got {v}"
                ));
            }
        }
        if self.iterations() == 0 {
            return Err("--iterations must be at least 1, got 0".into());
        }
        if !(1..=100_000).contains(&self.tasks()) {
            return Err(format!(
                "--tasks must be between 1 and 100000, got {}",
                self.tasks()
            ));
        }
        if self.maxtasks() == 0 {
            return Err("--maxtasks must be at least 1, got 0".into());
        }
        if d == DemoKind::Pipe && self.iterations() > 100_000 {
            return Err(format!(
                "--iterations for the pipe demo is messages, at most 100000, got {}",
                self.iterations()
            ));
        }
        // Products are checked, never wrapped: 4 x 2^62 must not pass as 0.
        let product = (self.workers() as u64).checked_mul(self.iterations());
        let times = format!("{} x {}", self.workers(), self.iterations());
        if d == DemoKind::Manager && product.is_none_or(|p| p > 1_000_000) {
            return Err(format!(
                "--workers x --iterations for the manager demo must be at most 1000000 (two round trips each), got {times}"
            ));
        }
        if d == DemoKind::Executor && (self.tasks() > 1000 || self.workers() > 64) {
            return Err(format!(
                "the executor demo takes at most 1000 --tasks and 64 --workers, got {} and {}",
                self.tasks(),
                self.workers()
            ));
        }
        if d == DemoKind::Shm && self.iterations() > 100_000 {
            return Err(format!(
                "--iterations for the shm demo is writes, at most 100000, got {}",
                self.iterations()
            ));
        }
        if matches!(d, DemoKind::Start | DemoKind::Lifecycle | DemoKind::Sync)
            && self.workers() > 16
        {
            return Err(format!(
                "--workers for the {} demo must be at most 16, got {}",
                d.name(),
                self.workers()
            ));
        }
        if self.zombie_ms() > 60_000 {
            return Err(format!(
                "--zombie-ms must be at most 60000, got {}",
                self.zombie_ms()
            ));
        }
        if matches!(d, DemoKind::Lock | DemoKind::Shared)
            && product.is_none_or(|p| p > i32::MAX as u64)
        {
            return Err(format!(
                "--workers x --iterations must stay below 2^31 (the counter is a Value('i')), got {times}"
            ));
        }
        if d == DemoKind::Queue && self.iterations() > 1_000_000 {
            return Err(format!(
                "--iterations for the queue demo is items per producer, at most 1000000, got {}",
                self.iterations()
            ));
        }
        if self.cost() > 10_000_000_000 {
            return Err(format!(
                "--cost must be at most 10000000000, got {}",
                self.cost()
            ));
        }
        if self.maxtasks.is_some() && self.mode() != "maxtasksperchild" {
            return Err("--maxtasks applies to --mode maxtasksperchild".into());
        }
        if self.maxsize() > 1000 {
            return Err(format!(
                "--maxsize must be at most 1000 (0 = unbounded), got {}",
                self.maxsize()
            ));
        }
        if self.work_us() > 1_000_000 {
            return Err(format!(
                "--work-us must be at most 1000000 (one second of CPU per operation), got {}",
                self.work_us()
            ));
        }
        if self.tempo_ms > 10_000 {
            return Err(format!(
                "--tempo must be at most 10000 ms, got {}",
                self.tempo_ms
            ));
        }
        for (name, idx) in [("--kill", self.kill), ("--panic", self.panic)] {
            if let Some(i) = idx
                && i >= w
            {
                return Err(format!("{name} {i}: there are only workers 0..{}", w - 1));
            }
        }
        if d == DemoKind::Queue && self.mode() == "items" && self.workers.is_some() {
            return Err(
                "--workers applies to --mode sum; items mode takes --producers and --consumers"
                    .into(),
            );
        }
        Ok(())
    }

    /// The resolved parameters that matter for this demo, for the record.
    pub fn resolved(&self) -> Vec<(String, String)> {
        let mut v = Vec::new();
        let mut put = |k: &str, val: String| v.push((k.to_string(), val));
        for opt in self.demo.options() {
            match opt {
                Opt::Workers => put("workers", self.workers().to_string()),
                Opt::Iterations => put("iterations", self.iterations().to_string()),
                Opt::Tasks => put("tasks", self.tasks().to_string()),
                Opt::Lock => put("lock", self.lock().to_string()),
                Opt::Mode => put("mode", self.mode().to_string()),
                Opt::Producers => put("producers", self.producers().to_string()),
                Opt::Consumers => put("consumers", self.consumers().to_string()),
                Opt::Maxsize => put("maxsize", self.maxsize().to_string()),
                Opt::Cost => put("cost", self.cost().to_string()),
                Opt::Maxtasks => put("maxtasks", self.maxtasks().to_string()),
                Opt::ZombieMs => put("zombie_ms", self.zombie_ms().to_string()),
                Opt::Kill => put("kill", self.kill.map_or("none".into(), |k| k.to_string())),
                Opt::Panic => put("panic", self.panic.map_or("none".into(), |k| k.to_string())),
                Opt::WorkUs => put("work_us", self.work_us().to_string()),
            }
        }
        put("tempo_ms", self.tempo_ms.to_string());
        put("step", self.step.to_string());
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_option_for_another_demo_is_refused_with_the_valid_ones() {
        let mut p = Params::new(DemoKind::Lock);
        p.tasks = Some(3);
        let err = p.validate().expect_err("tasks is not a lock option");
        assert!(
            err.contains("--tasks does not apply to the lock demo"),
            "{err}"
        );
        assert!(err.contains("--iterations"), "{err}");
    }

    #[test]
    fn a_bad_mode_lists_the_valid_modes() {
        let mut p = Params::new(DemoKind::Pool);
        p.mode = Some("fast".into());
        let err = p.validate().expect_err("bad mode");
        assert!(
            err.contains("map, imap, unordered, maxtasksperchild"),
            "{err}"
        );
    }

    #[test]
    fn defaults_validate_for_every_demo() {
        for d in DemoKind::ALL {
            assert_eq!(Params::new(d).validate(), Ok(()), "{}", d.name());
        }
    }

    #[test]
    fn products_that_would_wrap_are_refused_with_the_values_given() {
        for d in [DemoKind::Lock, DemoKind::Shared, DemoKind::Manager] {
            for n in [1u64 << 62, (1u64 << 62) - 1, u64::MAX] {
                let mut p = Params::new(d);
                p.workers = Some(4);
                p.iterations = Some(n);
                let err = p.validate().expect_err("far too many increments");
                assert!(err.contains(&format!("got 4 x {n}")), "{}: {err}", d.name());
            }
        }
    }

    #[test]
    fn kill_index_must_name_a_worker() {
        let mut p = Params::new(DemoKind::Process);
        p.kill = Some(2);
        assert!(p.validate().expect_err("only 0 and 1").contains("0..1"));
    }
}
