//! Parsers for option values: each refuses a bad value with the value as written and
//! the range it must lie in.

/// A whole number for an option, refused with the value as written: clap's own parser
/// says "unexpected argument '-1'" for a negative one and does not say the range.
pub(super) fn whole<T: TryFrom<u128> + Into<u128> + Copy>(s: &str, max: T) -> Result<T, String> {
    let t = s.trim();
    if t.starts_with('-') && t.len() > 1 && t[1..].bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "'{s}' is negative; give a whole number from 0 to {}",
            max.into()
        ));
    }
    match t.parse::<u128>() {
        Ok(v) if v <= max.into() => T::try_from(v).map_err(|_| format!("'{s}' is too large")),
        Ok(_) => Err(format!("'{s}' is too large; at most {}", max.into())),
        Err(_) => Err(format!("'{s}' is not a whole number (e.g. 4)")),
    }
}

pub(super) fn whole_u32(s: &str) -> Result<u32, String> {
    whole(s, u32::MAX)
}

pub(super) fn whole_u64(s: &str) -> Result<u64, String> {
    whole(s, u64::MAX)
}

pub(super) fn seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        _ => Err(format!("'{s}' is not a number of seconds >= 0 (e.g. 0.05)")),
    }
}

pub(super) fn speed(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && (0.01..=100.0).contains(&v) => Ok(v),
        _ => Err(format!(
            "'{s}' is not a speed between 0.01 and 100 (e.g. 0.25)"
        )),
    }
}

pub(super) fn size(s: &str) -> Result<(u16, u16), String> {
    let bad = || format!("'{s}' is not a size like 120x40 (at least 80x24, at most 1000x500)");
    let (w, h) = s.split_once(['x', 'X']).ok_or_else(bad)?;
    let (w, h) = (
        w.trim().parse::<u16>().map_err(|_| bad())?,
        h.trim().parse::<u16>().map_err(|_| bad())?,
    );
    if !(80..=1000).contains(&w) || !(24..=500).contains(&h) {
        return Err(bad());
    }
    Ok((w, h))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Values spread over every magnitude of u64, and both sides of each type's edge.
    fn samples() -> Vec<u128> {
        let mut v: Vec<u128> = vec![0, 1, 2];
        for bits in [31u32, 32, 62, 63, 64] {
            let e = 1u128 << bits;
            v.extend([e - 1, e, e + 1]);
        }
        // A fixed-seed LCG: many values, the same every run.
        let mut x: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..2000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            v.push((x >> (x % 64)) as u128);
        }
        v
    }

    #[test]
    fn every_whole_number_is_kept_exactly_or_refused_with_it() {
        for n in samples() {
            let text = n.to_string();
            match whole_u32(&text) {
                Ok(got) => assert_eq!(got as u128, n),
                Err(e) => {
                    assert!(n > u32::MAX as u128, "{n} fits a u32 but was refused: {e}");
                    assert!(e.contains(&text) && e.contains("at most 4294967295"), "{e}");
                }
            }
            match whole_u64(&text) {
                Ok(got) => assert_eq!(got as u128, n),
                Err(e) => {
                    assert!(n > u64::MAX as u128, "{n} fits a u64 but was refused: {e}");
                    assert!(e.contains(&text), "{e}");
                }
            }
            if n > 0 {
                let neg = format!("-{n}");
                let e = whole_u64(&neg).expect_err("negative");
                assert!(e.contains(&neg) && e.contains("negative"), "{e}");
            }
        }
        for junk in ["", "4x", "1e3", "0x10", " ", "--json"] {
            let e = whole_u32(junk).expect_err(junk);
            assert!(e.contains("not a whole number"), "{junk:?}: {e}");
        }
    }
}
