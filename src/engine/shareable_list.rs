//! Reading a `multiprocessing.shared_memory.ShareableList` from the bytes of its segment,
//! as proclab reads them from /dev/shm: the values a student's processes put there, in
//! Python's notation, without touching the program.
//!
//! CPython lays a list out as: the item count (8 bytes), then per item either its offset
//! in the data area (3.9 and later: N + 1 offsets) or its allocated size (3.8: N sizes),
//! the data area, each item's `struct` format (8 bytes each), and one byte per item
//! saying how to turn it back into a Python value (0 as is, 1 str, 2 bytes, 3 None).

/// The list's values as Python would print them (`1`, `2.5`, `'abc'`, `b'x'`, `None`,
/// `True`), or None if `bytes` is not a whole ShareableList.
pub fn decode(bytes: &[u8]) -> Option<Vec<String>> {
    let n = i64_at(bytes, 0)?;
    if !(0..=4096).contains(&n) {
        return None;
    }
    let n = n as usize;
    decode_with(bytes, n, true).or_else(|| decode_with(bytes, n, false))
}

fn i64_at(b: &[u8], at: usize) -> Option<i64> {
    Some(i64::from_ne_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// `offsets`: the 3.9+ layout (N + 1 offsets into the data area); else 3.8's (N sizes).
fn decode_with(b: &[u8], n: usize, offsets: bool) -> Option<Vec<String>> {
    let (starts, data_len, data_start) = if offsets {
        let offs = (0..=n)
            .map(|i| i64_at(b, 8 + 8 * i).and_then(|v| usize::try_from(v).ok()))
            .collect::<Option<Vec<usize>>>()?;
        if offs[0] != 0 || offs.windows(2).any(|w| w[1] < w[0]) {
            return None;
        }
        (offs[..n].to_vec(), offs[n], (n + 2) * 8)
    } else {
        let sizes = (0..n)
            .map(|i| i64_at(b, 8 + 8 * i).and_then(|v| usize::try_from(v).ok()))
            .collect::<Option<Vec<usize>>>()?;
        let mut starts = Vec::with_capacity(n);
        let mut at = 0usize;
        for s in &sizes {
            starts.push(at);
            at = at.checked_add(*s)?;
        }
        (starts, at, (n + 1) * 8)
    };
    let formats_at = data_start.checked_add(data_len)?;
    let codes_at = formats_at.checked_add(n * 8)?;
    // The segment is exactly the list: anything else is not one.
    if codes_at.checked_add(n)? != b.len() {
        return None;
    }
    (0..n)
        .map(|i| {
            let raw = b.get(formats_at + 8 * i..formats_at + 8 * i + 8)?;
            let end = raw.iter().position(|c| *c == 0).unwrap_or(8);
            let format = std::str::from_utf8(&raw[..end]).ok()?;
            let code = *b.get(codes_at + i)?;
            value(b, data_start + starts[i], format, code)
        })
        .collect()
}

fn value(b: &[u8], at: usize, format: &str, code: u8) -> Option<String> {
    Some(match (format, code) {
        ("q", 0) => i64_at(b, at)?.to_string(),
        ("d", 0) => {
            let v = f64::from_ne_bytes(b.get(at..at + 8)?.try_into().ok()?);
            python_float(v)
        }
        ("xxxxxxx?", 0) => if *b.get(at + 7)? != 0 {
            "True"
        } else {
            "False"
        }
        .into(),
        ("xxxxxx?x", 3) => "None".into(),
        (f, 1 | 2) if f.ends_with('s') => {
            let len: usize = f[..f.len() - 1].parse().ok()?;
            let raw = b.get(at..at + len)?;
            let end = raw.iter().rposition(|c| *c != 0).map_or(0, |i| i + 1);
            let raw = &raw[..end];
            if code == 1 {
                python_str(std::str::from_utf8(raw).ok()?)
            } else {
                python_bytes(raw)
            }
        }
        _ => return None,
    })
}

fn python_float(v: f64) -> String {
    if v.is_finite() && v == v.trunc() && v.abs() < 1e16 {
        format!("{v:.1}")
    } else {
        format!("{v}")
    }
}

fn python_str(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "\\'"))
}

fn python_bytes(b: &[u8]) -> String {
    let mut out = String::from("b'");
    for &c in b {
        match c {
            b'\\' => out.push_str("\\\\"),
            b'\'' => out.push_str("\\'"),
            0x20..=0x7e => out.push(c as char),
            _ => out.push_str(&format!("\\x{c:02x}")),
        }
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bytes CPython 3.9+ writes for `ShareableList([7, 2.5, 'hé', b'x', None, True])`.
    fn modern() -> Vec<u8> {
        let mut b = Vec::new();
        let n = 6i64;
        b.extend(n.to_ne_bytes());
        // Offsets: 8 per scalar, 8 for the 3-byte str and the 1-byte bytes (rounded up).
        for o in [0i64, 8, 16, 24, 32, 40, 48] {
            b.extend(o.to_ne_bytes());
        }
        b.extend(7i64.to_ne_bytes());
        b.extend(2.5f64.to_ne_bytes());
        b.extend(b"h\xc3\xa9\0\0\0\0\0");
        b.extend(b"x\0\0\0\0\0\0\0");
        b.extend([0u8; 8]);
        b.extend([0, 0, 0, 0, 0, 0, 0, 1]);
        for f in ["q", "d", "8s", "8s", "xxxxxx?x", "xxxxxxx?"] {
            let mut raw = f.as_bytes().to_vec();
            raw.resize(8, 0);
            b.extend(raw);
        }
        b.extend([0u8, 0, 1, 2, 3, 0]);
        b
    }

    #[test]
    fn a_list_written_by_python_reads_back_in_pythons_words() {
        assert_eq!(
            decode(&modern()).expect("a list"),
            ["7", "2.5", "'hé'", "b'x'", "None", "True"]
        );
    }

    #[test]
    fn the_38_layout_of_sizes_reads_too() {
        let mut b = Vec::new();
        b.extend(2i64.to_ne_bytes());
        b.extend(8i64.to_ne_bytes());
        b.extend(16i64.to_ne_bytes());
        b.extend((-3i64).to_ne_bytes());
        b.extend(b"it's\0\0\0\0\0\0\0\0\0\0\0\0");
        for f in ["q", "16s"] {
            let mut raw = f.as_bytes().to_vec();
            raw.resize(8, 0);
            b.extend(raw);
        }
        b.extend([0u8, 1]);
        assert_eq!(decode(&b).expect("a list"), ["-3", "'it\\'s'"]);
    }

    #[test]
    fn other_bytes_are_not_a_list() {
        assert_eq!(decode(b"hello world, plain bytes in a segment"), None);
        assert_eq!(decode(&[0u8; 64]), None, "zeros are not an empty list");
        let mut cut = modern();
        cut.pop();
        assert_eq!(decode(&cut), None);
        let mut bad = modern();
        let codes = bad.len() - 6;
        bad[codes] = 9;
        assert_eq!(decode(&bad), None);
    }
}
