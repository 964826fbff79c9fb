//! Objects a Manager's server process holds, seen through the program's proxies: how often
//! each was called, the last call, and what a round trip costs.

use super::RunState;
use super::timeline::Activity;
use crate::engine::protocol::Scalar;

/// One proxied object.
#[derive(Debug, Clone, Default)]
pub struct ProxyView {
    /// What the program calls it (`d = manager.dict()` is `d`).
    pub name: Option<String>,
    pub calls: u64,
    /// The last call: by whom, and what (`__getitem__('count')`).
    pub last: Option<(i32, String)>,
    /// Round trips summed, for the mean.
    pub rtt_total_us: u64,
    /// Calls that raised in the server, and the last such error (`ValueError: …`).
    pub raised: u64,
    pub last_error: Option<String>,
    /// Its place in first-seen order, for a stable list.
    pub order: usize,
}

impl ProxyView {
    /// The mean round trip, µs.
    pub fn mean_rtt_us(&self) -> f64 {
        self.rtt_total_us as f64 / self.calls.max(1) as f64
    }
}

impl RunState {
    /// How the words call proxy `id`.
    pub fn proxy_called(&self, id: u32) -> String {
        self.proxies
            .get(&id)
            .and_then(|p| p.name.clone())
            .unwrap_or_else(|| format!("proxy {id}"))
    }

    /// Proxied objects in the order the run first mentioned them.
    pub fn proxies_in_order(&self) -> Vec<(u32, &ProxyView)> {
        let mut v: Vec<(u32, &ProxyView)> = self.proxies.iter().map(|(id, p)| (*id, p)).collect();
        v.sort_by_key(|(id, p)| (p.order, *id));
        v
    }

    fn proxy_mut(&mut self, id: u32) -> &mut ProxyView {
        let order = self.proxies.len();
        self.proxies.entry(id).or_insert_with(|| ProxyView {
            order,
            ..Default::default()
        })
    }

    /// The program's name for a proxied object.
    pub(super) fn on_proxy_named(&mut self, id: u32, name: &str) {
        self.proxy_mut(id).name = Some(name.to_string());
    }

    /// A proxy call made by `pid`.
    pub(super) fn on_proxy_call(
        &mut self,
        pid: i32,
        at: f64,
        id: u32,
        method: &str,
        arg: &str,
        rtt_us: u64,
    ) {
        // The Manager lesson's counter is `d['count']` in the server's dict: each write
        // through a proxy (`__setitem__(('count', 42))`) is its value now.
        if self.demo == "manager"
            && method == "__setitem__"
            && let Some(v) = count_written(arg)
        {
            self.counter_seen = Some(Scalar::I64(v));
            self.counter_writes += 1;
        }
        let call = format!("{method}({arg})");
        let p = self.proxy_mut(id);
        p.calls += 1;
        p.rtt_total_us += rtt_us;
        p.last = Some((pid, call.clone()));
        let what = format!("{}.{call}: {rtt_us} µs", self.proxy_called(id));
        self.set_activity(pid, at, Activity::Running, Some(what));
    }

    /// `pid`'s last call on proxy `id` raised `error` in the server: the call stays
    /// counted (it made its round trip) and is marked as the one that raised.
    pub(super) fn on_proxy_raised(
        &mut self,
        pid: i32,
        at: f64,
        id: u32,
        method: &str,
        error: &str,
    ) {
        let p = self.proxy_mut(id);
        p.raised += 1;
        p.last_error = Some(error.to_string());
        if let Some((who, call)) = &mut p.last
            && *who == pid
            && call.starts_with(method)
        {
            call.push_str(&format!(" raised {error}"));
        }
        let what = format!("{}.{method}() raised {error}", self.proxy_called(id));
        self.set_activity(pid, at, Activity::Running, Some(what));
    }
}

/// The whole number a `__setitem__` call's argument preview writes under the key
/// `'count'` (`('count', 42)`), if that is what it writes.
fn count_written(arg: &str) -> Option<i64> {
    // Python writes a str key with single quotes.
    let rest = arg.strip_prefix("('count', ")?;
    rest.strip_suffix(')')?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use crate::engine::protocol::{Event, ObjectKind};
    use crate::state::RunState;
    use crate::state::tests::f;

    #[test]
    fn proxy_calls_are_counted_per_object_with_their_round_trips() {
        let mut s = RunState::new();
        s.apply(&f(
            0,
            1,
            Event::Named {
                kind: ObjectKind::Proxy,
                id: 3,
                name: "d".into(),
            },
        ));
        for (t, rtt) in [(1, 20), (2, 40)] {
            s.apply(&f(
                t,
                5,
                Event::ProxyCall {
                    id: 3,
                    method: "__getitem__".into(),
                    arg: "'count'".into(),
                    rtt_us: rtt,
                },
            ));
        }
        let p = &s.proxies[&3];
        assert_eq!(p.calls, 2);
        assert_eq!(p.mean_rtt_us(), 30.0);
        assert_eq!(s.procs[&5].doing, "d.__getitem__('count'): 40 µs");
        s.apply(&f(
            3,
            5,
            Event::ProxyRaised {
                id: 3,
                method: "__getitem__".into(),
                error: "KeyError: 'count'".into(),
            },
        ));
        let p = &s.proxies[&3];
        assert_eq!((p.calls, p.raised), (2, 1));
        assert_eq!(
            p.last.as_ref().map(|l| l.1.as_str()),
            Some("__getitem__('count') raised KeyError: 'count'")
        );
        assert_eq!(
            s.procs[&5].doing,
            "d.__getitem__() raised KeyError: 'count'"
        );
    }

    #[test]
    fn a_write_of_count_through_a_proxy_is_the_manager_lessons_counter_now() {
        let call = |arg: &str| Event::ProxyCall {
            id: 3,
            method: "__setitem__".into(),
            arg: arg.into(),
            rtt_us: 50,
        };
        let mut s = RunState::new();
        s.demo = "manager".into();
        s.apply(&f(1, 5, call("('count', 41)")));
        s.apply(&f(2, 5, call("('other', 7)")));
        assert_eq!(
            s.counter_seen,
            Some(crate::engine::protocol::Scalar::I64(41))
        );
        assert!(s.counter_live());
        s.apply(&f(
            3,
            1,
            Event::Outcome(crate::engine::protocol::Outcome::Counter {
                expected: 1500,
                actual: 41,
                locked: false,
            }),
        ));
        assert!(!s.counter_live(), "its writes have their result");
        s.apply(&f(4, 5, call("('count', 0)")));
        assert!(s.counter_live(), "the next round is being written");
        // Another lesson's program: a dict is not the counter.
        let mut other = RunState::new();
        other.demo = "script".into();
        other.apply(&f(1, 5, call("('count', 41)")));
        assert_eq!(other.counter_seen, None);
    }
}
