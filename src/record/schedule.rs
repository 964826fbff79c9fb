//! A race kept and re-run for real: a step-mode run's recording says which process was let
//! do which operation, in which order. [`Schedule::from_frames`] reads that out, and a
//! [`Player`] drives a fresh run of the same demo (new processes, new PIDs) through the
//! same interleaving, so the same lost update happens again.
//!
//! Processes are matched by role and label ("worker 1"), then by order among equals: PIDs
//! differ from run to run, and siblings may announce themselves in any order.
//!
//! Reading a schedule and playing it stay in one file: they are two sides of one
//! matching rule and change together; the tests are in `schedule_tests.rs`.
//!
//! The order kept is the order the operations *happened* in (the event each step let
//! through), not the order of the key presses: two processes let go together ran in
//! whichever order the kernel chose, and that is the order to repeat. The player then
//! lets one process go at a time and waits until it has done its operation (it reaches
//! its next step point, blocks, or exits) before the next, so the new run cannot reorder
//! them.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::engine::demos::{DemoKind, Params};
use crate::engine::protocol::{Event, Frame, Op, Role, UserAction};

/// A process of a run, independent of its PID.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ProcKey {
    pub role: Role,
    pub label: String,
    /// Among processes of the same role and label, in order of announcement.
    pub nth: u32,
}

impl std::fmt::Display for ProcKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.nth == 0 {
            write!(f, "{}", self.label)
        } else {
            write!(f, "{} #{}", self.label, self.nth + 1)
        }
    }
}

/// One thing the user did that shapes the interleaving.
#[derive(Debug, Clone, PartialEq)]
pub enum Move {
    /// Let this process do one operation (the one it waited at).
    Step { who: ProcKey, op: Option<Op> },
    /// Step mode on or off (off lets every process run freely).
    Stepping(bool),
    /// The user stopped the run here.
    Stop,
}

/// What a recorded step-mode run did, ready to be done again.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    /// The demo and its parameters, as the recorded run resolved them.
    pub params: Params,
    pub moves: Vec<Move>,
}

/// Names processes by [`ProcKey`] as they announce themselves.
#[derive(Default)]
struct Names {
    keys: HashMap<i32, ProcKey>,
    seen: HashMap<(Role, String), u32>,
}

impl Names {
    fn take(&mut self, f: &Frame) {
        if let Event::Spawned { role, label, .. } = &f.event
            && !self.keys.contains_key(&f.pid)
        {
            let n = self.seen.entry((*role, label.clone())).or_insert(0);
            self.keys.insert(
                f.pid,
                ProcKey {
                    role: *role,
                    label: label.clone(),
                    nth: *n,
                },
            );
            *n += 1;
        }
    }
}

impl Schedule {
    /// Read the schedule out of a recorded run's frames.
    pub fn from_frames(frames: impl IntoIterator<Item = Frame>) -> Result<Schedule, String> {
        let mut names = Names::default();
        let mut waiting: HashMap<i32, Op> = HashMap::new();
        let mut params = None;
        // (when it happened, the move); a step's time is that of the first event its
        // process sent after it, known once that event comes.
        let mut moves: Vec<(usize, Move)> = Vec::new();
        let mut let_go: HashMap<i32, usize> = HashMap::new();
        for (i, f) in frames.into_iter().enumerate() {
            names.take(&f);
            if !matches!(f.event, Event::User(_))
                && let Some(k) = let_go.remove(&f.pid)
            {
                moves[k].0 = i;
            }
            match &f.event {
                Event::RunStarted {
                    demo, params: p, ..
                } => {
                    if p.iter().any(|(k, v)| k == "runner" && v == "python") {
                        return Err(
                            "this recording is of a Python program: only the native demos can be stepped and re-run"
                                .into(),
                        );
                    }
                    params = Some(params_from_resolved(demo, p)?);
                }
                Event::StepPoint { op, .. } => {
                    waiting.insert(f.pid, *op);
                }
                Event::User(UserAction::Step) => {
                    let who = names.keys.get(&f.pid).cloned().ok_or_else(|| {
                        format!(
                            "the recording steps pid {} before it announced itself",
                            f.pid
                        )
                    })?;
                    let_go.insert(f.pid, moves.len());
                    moves.push((
                        i,
                        Move::Step {
                            who,
                            op: waiting.remove(&f.pid),
                        },
                    ));
                }
                Event::User(UserAction::Stepping { on }) => moves.push((i, Move::Stepping(*on))),
                Event::User(UserAction::Stop) => moves.push((i, Move::Stop)),
                _ => {}
            }
        }
        moves.sort_by_key(|(at, _)| *at);
        let moves: Vec<Move> = moves.into_iter().map(|(_, m)| m).collect();
        let params = params.ok_or("the recording has no start of a run")?;
        if !params.step {
            return Err(
                "this run did not start in step mode, so the order of its operations was not recorded: record a run started in step mode (space before r, or --step)"
                    .into(),
            );
        }
        if !moves.iter().any(|m| matches!(m, Move::Step { .. })) {
            return Err("this run has no steps: in step mode, let processes go one operation at a time (Enter), then keep the recording".into());
        }
        Ok(Schedule { params, moves })
    }

    /// Steps in the schedule.
    pub fn steps(&self) -> usize {
        self.moves
            .iter()
            .filter(|m| matches!(m, Move::Step { .. }))
            .count()
    }
}

/// Rebuild a demo's parameters from the `key=value` pairs its run recorded.
pub fn params_from_resolved(demo: &str, pairs: &[(String, String)]) -> Result<Params, String> {
    let kind = DemoKind::ALL
        .iter()
        .copied()
        .find(|d| d.name() == demo)
        .ok_or_else(|| format!("the recording's demo '{demo}' is not one of proclab's demos"))?;
    let mut p = Params::new(kind);
    for (k, v) in pairs {
        let bad = |what: &str| format!("the recording's parameter {k}={v} is not {what}");
        let num = || v.parse::<u64>().map_err(|_| bad("a whole number"));
        let small = || num().and_then(|n| u32::try_from(n).map_err(|_| bad("a number below 2^32")));
        let maybe = || -> Result<Option<u32>, String> {
            if v == "none" {
                Ok(None)
            } else {
                small().map(Some)
            }
        };
        match k.as_str() {
            "workers" => p.workers = Some(small()?),
            "iterations" => p.iterations = Some(num()?),
            "tasks" => p.tasks = Some(small()?),
            "producers" => p.producers = Some(small()?),
            "consumers" => p.consumers = Some(small()?),
            "maxsize" => p.maxsize = Some(small()?),
            "cost" => p.cost = Some(num()?),
            "maxtasks" => p.maxtasks = Some(small()?),
            "zombie_ms" => p.zombie_ms = Some(num()?),
            "work_us" => p.work_us = Some(num()?),
            "tempo_ms" => p.tempo_ms = small()?,
            "kill" => p.kill = maybe()?,
            "panic" => p.panic = maybe()?,
            "lock" => p.lock = Some(v.parse().map_err(|_| bad("true or false"))?),
            "step" => p.step = v.parse().map_err(|_| bad("true or false"))?,
            "mode" => p.mode = Some(v.clone()),
            _ => {}
        }
    }
    // The record lists every option with its value; the ones at their default stay unset,
    // as on the command line (some only apply in some modes).
    let mut d = Params::new(kind);
    d.mode = p.mode.clone();
    if p.workers() == d.workers() {
        p.workers = None;
    }
    if p.iterations() == d.iterations() {
        p.iterations = None;
    }
    if p.producers() == d.producers() {
        p.producers = None;
    }
    if p.consumers() == d.consumers() {
        p.consumers = None;
    }
    if p.tasks() == d.tasks() {
        p.tasks = None;
    }
    if p.lock() == d.lock() {
        p.lock = None;
    }
    if p.maxsize() == d.maxsize() {
        p.maxsize = None;
    }
    if p.cost() == d.cost() {
        p.cost = None;
    }
    if p.maxtasks() == d.maxtasks() {
        p.maxtasks = None;
    }
    if p.zombie_ms() == d.zombie_ms() {
        p.zombie_ms = None;
    }
    if p.work_us() == d.work_us() {
        p.work_us = None;
    }
    p.validate()
        .map_err(|e| format!("the recording's parameters do not make a run: {e}"))?;
    Ok(p)
}

/// What the player wants done to the run.
#[derive(Debug, Clone, PartialEq)]
pub enum Do {
    /// Let this PID do one operation.
    Step(i32),
    /// Step mode on or off.
    Stepping(bool),
    /// Stop the run, as the user did.
    Stop,
}

/// How long the player waits for a process it let go to show it has done its operation
/// before it makes the next move anyway (an operation that blocks without saying so).
pub const SETTLE: Duration = Duration::from_millis(500);

/// How long every process that takes steps may wait with none of the schedule's moves
/// possible before the player gives up (the new run cannot follow the recorded one).
pub const STUCK: Duration = Duration::from_secs(3);

/// Drives a fresh run through a schedule, one frame of that run at a time.
pub struct Player {
    schedule: Schedule,
    next: usize,
    names: Names,
    /// Processes waiting at a step point, with the operation they wait to do.
    waiting: HashMap<i32, Op>,
    /// The process let go last, until it has done its operation, and since when.
    in_flight: Option<(i32, Instant)>,
    /// Processes that ever waited at a step point, and those that ended.
    stepping: std::collections::HashSet<i32>,
    exited: std::collections::HashSet<i32>,
    /// Since when no move has been possible while every stepping process waits.
    stuck_since: Option<Instant>,
    /// Why the run cannot follow the schedule, once it cannot.
    diverged: Option<String>,
}

impl Player {
    /// A player at the schedule's first move.
    pub fn new(schedule: Schedule) -> Self {
        Self {
            schedule,
            next: 0,
            names: Names::default(),
            waiting: HashMap::new(),
            in_flight: None,
            stepping: Default::default(),
            exited: Default::default(),
            stuck_since: None,
            diverged: None,
        }
    }

    /// Moves done so far, and in all.
    pub fn progress(&self) -> (usize, usize) {
        (self.next, self.schedule.moves.len())
    }

    /// True once every move is done.
    pub fn finished(&self) -> bool {
        self.next >= self.schedule.moves.len()
    }

    /// True once every move is made and a process still waits for a step the recording
    /// does not have (it was cut short, say; a recording that ends with a stop or with
    /// step mode off has nothing left to wait for).
    pub fn past_the_end(&self) -> bool {
        self.finished()
            && !self.waiting.is_empty()
            && !matches!(
                self.schedule.moves.last(),
                Some(Move::Stop | Move::Stepping(false))
            )
    }

    /// The next move needs `who` (pid `pid` if it exists), which cannot take it: give up
    /// when it has ended, or when every stepping process has waited [`STUCK`] for it.
    fn check_stuck(&mut self, pid: Option<i32>, who: &ProcKey) {
        let step = self.next + 1;
        if let Some(pid) = pid
            && self.exited.contains(&pid)
        {
            self.diverged = Some(format!(
                "step {step} of the schedule: {who} ended before the step the recording gave it"
            ));
            return;
        }
        let all_wait = !self.stepping.is_empty()
            && self
                .stepping
                .iter()
                .all(|p| self.waiting.contains_key(p) || self.exited.contains(p));
        if !all_wait {
            self.stuck_since = None;
            return;
        }
        let since = *self.stuck_since.get_or_insert_with(Instant::now);
        if since.elapsed() >= STUCK {
            self.diverged = Some(match pid {
                None => format!("step {step} of the schedule: this run has no {who}"),
                Some(_) => format!(
                    "step {step} of the schedule: {who} never waited for it while every other process did"
                ),
            });
        }
    }

    /// Steps made so far, and in all.
    pub fn steps_made(&self) -> (usize, usize) {
        let made = self.schedule.moves[..self.next.min(self.schedule.moves.len())]
            .iter()
            .filter(|m| matches!(m, Move::Step { .. }))
            .count();
        (made, self.schedule.steps())
    }

    /// Why the run stopped following the schedule, if it did.
    pub fn diverged(&self) -> Option<&str> {
        self.diverged.as_deref()
    }

    /// The move the player waits to make, in words.
    pub fn waiting_for(&self) -> Option<String> {
        match self.schedule.moves.get(self.next)? {
            Move::Step { who, op } => Some(match op {
                Some(op) => format!("{who} to wait before {op:?}"),
                None => format!("{who} to wait at a step"),
            }),
            Move::Stepping(on) => Some(format!("step mode {}", if *on { "on" } else { "off" })),
            Move::Stop => Some("the stop".into()),
        }
    }

    /// Take in one frame of the new run; returns what to do now, in order.
    pub fn on_frame(&mut self, f: &Frame) -> Vec<Do> {
        self.observe(f);
        self.ready()
    }

    /// Take in one frame of the new run without acting on it yet.
    pub fn observe(&mut self, f: &Frame) {
        self.names.take(f);
        // The process let go has done its operation once it waits again, blocks or ends.
        if self.in_flight.is_some_and(|(pid, _)| pid == f.pid)
            && matches!(
                f.event,
                Event::StepPoint { .. }
                    | Event::Exited { .. }
                    | Event::LockWait { .. }
                    | Event::QueueBlocked { .. }
            )
        {
            self.in_flight = None;
        }
        match &f.event {
            Event::StepPoint { op, .. } => {
                self.waiting.insert(f.pid, *op);
                self.stepping.insert(f.pid);
            }
            Event::Exited { .. } => {
                self.waiting.remove(&f.pid);
                self.exited.insert(f.pid);
            }
            _ => {}
        }
    }

    /// The run was paused and goes on: the operation in flight gets its full time again.
    pub fn resumed(&mut self) {
        if let Some((_, since)) = &mut self.in_flight {
            *since = Instant::now();
        }
        self.stuck_since = None;
    }

    /// The moves that can be made now: at most one step, once the last one is done.
    pub fn ready(&mut self) -> Vec<Do> {
        let mut out = Vec::new();
        if self
            .in_flight
            .is_some_and(|(_, since)| since.elapsed() < SETTLE)
        {
            return out;
        }
        self.in_flight = None;
        while self.diverged.is_none() {
            let Some(m) = self.schedule.moves.get(self.next) else {
                break;
            };
            match m {
                Move::Stepping(on) => out.push(Do::Stepping(*on)),
                Move::Stop => out.push(Do::Stop),
                Move::Step { who, op } => {
                    let (who, op) = (who.clone(), *op);
                    let found = self
                        .names
                        .keys
                        .iter()
                        .find(|(_, k)| **k == who)
                        .map(|(pid, _)| *pid);
                    let Some(&now) = found.and_then(|pid| self.waiting.get(&pid)) else {
                        self.check_stuck(found, &who);
                        break;
                    };
                    let pid = found.unwrap_or(0);
                    self.stuck_since = None;
                    if let Some(want) = op
                        && want != now
                    {
                        self.diverged = Some(format!(
                            "step {} of the schedule: {who} waits before {now:?}, the recording had it before {want:?}",
                            self.next + 1
                        ));
                        break;
                    }
                    self.waiting.remove(&pid);
                    self.in_flight = Some((pid, Instant::now()));
                    out.push(Do::Step(pid));
                    // Nothing more (a stop, another step) until it has done it.
                    self.next += 1;
                    break;
                }
            }
            self.next += 1;
        }
        out
    }
}

#[cfg(test)]
#[path = "schedule_tests.rs"]
mod tests;
