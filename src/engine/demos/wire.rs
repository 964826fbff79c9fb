//! Objects through a byte stream (a pipe or a socket), the way `Connection.send()` and
//! `recv()` move pickles: a 4-byte length, then the object encoded with postcard.

use std::io::{self, Read, Write};

use serde::Serialize;
use serde::de::DeserializeOwned;

/// Largest object accepted; anything bigger means the stream is corrupt.
const MAX_OBJECT: usize = 64 * 1024;

/// Send one object.
pub fn send<T: Serialize>(w: &mut impl Write, v: &T) -> io::Result<()> {
    let body = postcard::to_allocvec(v).map_err(io::Error::other)?;
    let mut msg = (body.len() as u32).to_le_bytes().to_vec();
    msg.extend(body);
    w.write_all(&msg)
}

/// Receive one object; `None` when the other end is closed (EOFError in Python).
pub fn recv<T: DeserializeOwned>(r: &mut impl Read) -> io::Result<Option<T>> {
    let mut len = [0u8; 4];
    match r.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let n = u32::from_le_bytes(len) as usize;
    if n > MAX_OBJECT {
        return Err(io::Error::other(format!(
            "object of {n} bytes: the stream is corrupt"
        )));
    }
    let mut body = vec![0u8; n];
    r.read_exact(&mut body)?;
    postcard::from_bytes(&body)
        .map(Some)
        .map_err(io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_round_trip_and_a_closed_stream_is_eof() {
        let mut buf = Vec::new();
        send(&mut buf, &Some(42i64)).expect("send");
        send(&mut buf, &None::<i64>).expect("send");
        let mut r = &buf[..];
        assert_eq!(recv::<Option<i64>>(&mut r).expect("recv"), Some(Some(42)));
        assert_eq!(recv::<Option<i64>>(&mut r).expect("recv"), Some(None));
        assert_eq!(recv::<Option<i64>>(&mut r).expect("eof"), None);
    }

    #[test]
    fn a_huge_length_is_an_error_not_an_allocation() {
        let mut r = &[0xff, 0xff, 0xff, 0x7f][..];
        assert!(recv::<i64>(&mut r).is_err());
    }
}
