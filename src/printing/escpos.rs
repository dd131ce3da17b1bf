//! Network thermal printers (ESC/POS over TCP, port 9100): a ticket as the printer's bytes
//! (initialise, text, cut), and sending them with time limits so an unreachable printer gives
//! a clear message instead of a hang.

use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use super::ticket::Line;

/// The port network thermal printers listen on when none is given.
pub const DEFAULT_PORT: u16 = 9100;

/// How long connecting, and then sending, may each take.
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// ESC @: reset the printer to its defaults.
pub const INIT: [u8; 2] = [0x1b, 0x40];
/// GS V 66 3: feed three lines past the cutter, then cut (partially, as most rolls expect).
pub const CUT: [u8; 4] = [0x1d, 0x56, 0x42, 0x03];
/// GS ! n: character size; 0x11 is double width and height, 0x00 normal.
const SIZE_LARGE: [u8; 3] = [0x1d, 0x21, 0x11];
const SIZE_NORMAL: [u8; 3] = [0x1d, 0x21, 0x00];

/// Reads a printer's address as written in Settings: `host` or `host:port`, the port 9100 when
/// left out. Blank is no printer.
pub fn parse_address(text: &str) -> Result<String, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(String::new());
    }
    let (host, port) = match text.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') || h.starts_with('[') => {
            let port = p
                .parse::<u16>()
                .ok()
                .filter(|p| *p > 0)
                .ok_or_else(|| format!("\"{p}\" is not a port (1 to 65535)"))?;
            (h, port)
        }
        _ => (text, DEFAULT_PORT),
    };
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '[' | ']' | ':'));
    if !host_ok {
        return Err(format!(
            "\"{host}\" is not a printer's address: write its IP address or name, like 192.168.1.50:9100"
        ));
    }
    Ok(format!("{host}:{port}"))
}

/// Text as the printer's default code page holds it: ASCII as is, the rupee sign as "Rs.",
/// anything else as "?" (thermal printers have no Unicode).
fn encode(text: &str, out: &mut Vec<u8>) {
    for c in text.chars() {
        match c {
            '₹' => out.extend_from_slice(b"Rs."),
            '·' => out.push(b'-'),
            '×' => out.push(b'x'),
            c if c.is_ascii() && !c.is_ascii_control() => out.push(c as u8),
            _ => out.push(b'?'),
        }
    }
}

/// A whole ticket as the printer's bytes: initialise, each line (large ones in double size),
/// then cut.
pub fn bytes(lines: &[Line]) -> Vec<u8> {
    let mut out = INIT.to_vec();
    for l in lines {
        if l.large {
            out.extend_from_slice(&SIZE_LARGE);
        }
        encode(&l.text, &mut out);
        out.push(b'\n');
        if l.large {
            out.extend_from_slice(&SIZE_NORMAL);
        }
    }
    out.extend_from_slice(&CUT);
    out
}

/// Sends `data` to the printer at `address` (`host:port`). Every step has a time limit; the
/// error says what went wrong in words for the shop.
pub async fn send(address: &str, data: &[u8], limit: Duration) -> Result<(), String> {
    let connect = tokio::time::timeout(limit, TcpStream::connect(address)).await;
    let mut stream = match connect {
        Ok(Ok(s)) => s,
        Ok(Err(e)) => {
            return Err(format!(
                "the printer at {address} could not be reached ({e})"
            ))
        }
        Err(_) => {
            return Err(format!(
            "the printer at {address} did not answer within {} s: is it on and on this network?",
            limit.as_secs()
        ))
        }
    };
    let write = async {
        stream.write_all(data).await?;
        stream.shutdown().await
    };
    match tokio::time::timeout(limit, write).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(format!(
            "the printer at {address} stopped taking the ticket ({e})"
        )),
        Err(_) => Err(format!(
            "the printer at {address} took longer than {} s to take the ticket",
            limit.as_secs()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_gets_port_9100_unless_it_names_one() {
        assert_eq!(parse_address("192.168.1.50").unwrap(), "192.168.1.50:9100");
        assert_eq!(
            parse_address(" printer.local:9101 ").unwrap(),
            "printer.local:9101"
        );
        assert_eq!(parse_address("").unwrap(), "");
        assert!(parse_address("192.168.1.50:0").is_err());
        assert!(parse_address("192.168.1.50:99999").is_err());
        assert!(parse_address("http://printer/").is_err());
        assert!(parse_address("a b").is_err());
    }

    #[test]
    fn a_ticket_is_initialised_written_and_cut() {
        let lines = vec![
            Line {
                text: "KOT #7".into(),
                large: true,
            },
            Line {
                text: "Total ₹120.00".into(),
                large: false,
            },
        ];
        let b = bytes(&lines);
        assert!(b.starts_with(&INIT));
        assert!(b.ends_with(&CUT));
        let text = String::from_utf8_lossy(&b);
        assert!(text.contains("KOT #7\n"), "{text}");
        assert!(text.contains("Total Rs.120.00\n"), "{text}");
    }

    #[tokio::test]
    async fn a_refused_connection_is_an_error_in_words() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        drop(listener);
        let err = send(&addr, b"x", Duration::from_secs(2)).await.unwrap_err();
        assert!(err.contains("could not be reached"), "{err}");
    }
}
