//! The last result of a costly piece of drawing, kept with what it was made from: a pane
//! whose input has not changed (the lesson text, the program) reuses it instead of
//! parsing and wrapping again every frame.

use std::cell::RefCell;
use std::rc::Rc;

/// One remembered value and the key it was made for.
pub struct Memo<K, V>(RefCell<Option<(K, Rc<V>)>>);

impl<K: PartialEq, V> Memo<K, V> {
    /// Nothing remembered yet.
    pub const fn new() -> Self {
        Self(RefCell::new(None))
    }

    /// The value for `key`: the remembered one if it was made for the same key, else
    /// `make()`'s, remembered in its place.
    pub fn get(&self, key: K, make: impl FnOnce() -> V) -> Rc<V> {
        let mut slot = self.0.borrow_mut();
        if let Some((k, v)) = &*slot
            && *k == key
        {
            return v.clone();
        }
        let v = Rc::new(make());
        *slot = Some((key, v.clone()));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::Memo;

    #[test]
    fn a_value_is_made_again_only_when_its_key_changes() {
        let memo = Memo::new();
        let mut made = 0;
        for key in [1, 1, 2, 2, 1] {
            memo.get(key, || {
                made += 1;
                key * 10
            });
        }
        assert_eq!(made, 3);
        assert_eq!(*memo.get(1, || 0), 10);
    }
}
