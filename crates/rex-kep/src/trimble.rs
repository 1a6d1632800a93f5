//! Trimble / Dickerson "kidney_solver" text format.
//!
//! ```text
//! <n_pairs> <n_arcs>
//! <src_pair> <dst_pair> <weight>      n_arcs lines, pairs numbered 0..n_pairs-1
//! -1 -1 -1
//! ```
//!
//! NDDs use the same layout (`<n_ndds> <n_arcs>`, then `<src_ndd> <dst_pair> <weight>` lines,
//! then `-1 -1 -1`), either in a sibling `.ndds` file or concatenated after the pair block's
//! terminator. Fields are separated by any whitespace; blank lines are skipped. Pair `i` becomes
//! request `"i"` and NDD `j` becomes offer `"n{j}"`.

use super::{parse_weight, ReadError, MAX_VERTICES};
use rex_match::{Graph, GraphBuilder, VertexId};

/// Which of the two blocks is being read; it decides the wording of messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Pairs,
    Ndds,
}

impl Kind {
    fn header(self) -> &'static str {
        match self {
            Kind::Pairs => "\"pairs arcs\"",
            Kind::Ndds => "\"ndds arcs\"",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Kind::Pairs => "pair",
            Kind::Ndds => "NDD",
        }
    }
}

/// The non-blank lines of a text with their 1-based numbers.
struct Cursor<'a> {
    lines: std::iter::Enumerate<std::str::Lines<'a>>,
    last: usize,
    /// The text's length in bytes.
    len: usize,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str) -> Self {
        Cursor {
            lines: text.lines().enumerate(),
            last: 0,
            len: text.len(),
        }
    }

    fn next_line(&mut self) -> Option<(usize, &'a str)> {
        for (i, line) in self.lines.by_ref() {
            self.last = i + 1;
            if !line.trim().is_empty() {
                return Some((i + 1, line));
            }
        }
        None
    }
}

const TERMINATOR: [&str; 3] = ["-1", "-1", "-1"];

/// The fewest bytes an arc line takes: `"0 0 1\n"`. A block's arcs are reserved up front (as
/// many as its header says, but never more than the text could hold), so a 24-million-arc file
/// is read without growing a vector and copying it.
const MIN_ARC_LINE: usize = 6;

/// Reads the pair block from `text` and the NDD block from after its terminator or, failing
/// that, from `ndds` (text and file name of a sibling `.ndds` file). Each block's vertices
/// and arcs go straight into the graph's builder as they are read: pair `i` is vertex `i`,
/// NDD `j` vertex `pairs + j`.
pub(super) fn read(text: &str, name: &str, ndds: Option<(&str, &str)>) -> Result<Graph, ReadError> {
    let mut b = GraphBuilder::new();
    let mut cur = Cursor::new(text);
    if block(&mut cur, name, Kind::Pairs, &mut b)?.is_none() {
        return Err(ReadError::new(name, None, "empty file"));
    }
    let after = block(&mut cur, name, Kind::Ndds, &mut b)?;
    if after.is_some() {
        trailing(&mut cur, name)?;
    }
    match (after, ndds) {
        (Some(_), Some((_, ndd_name))) => {
            return Err(ReadError::new(
                name,
                None,
                format!(
                    "NDDs are given twice: after the pair block's terminator and in {ndd_name}"
                ),
            ))
        }
        (None, Some((ndd_text, ndd_name))) => {
            let mut cur = Cursor::new(ndd_text);
            if block(&mut cur, ndd_name, Kind::Ndds, &mut b)?.is_none() {
                return Err(ReadError::new(ndd_name, None, "empty file"));
            }
            trailing(&mut cur, ndd_name)?;
        }
        (Some(_) | None, None) => {}
    }
    b.build().map_err(|e| ReadError::graph(name, None, e))
}

/// Fails if anything but blank lines follows the last block.
fn trailing(cur: &mut Cursor<'_>, name: &str) -> Result<(), ReadError> {
    match cur.next_line() {
        None => Ok(()),
        Some((line, text)) => Err(ReadError::new(
            name,
            Some(line),
            format!(
                "unexpected text after the NDD block's terminator: {:?}",
                text.trim()
            ),
        )),
    }
}

/// Reads one block: header, arcs, terminator, adding its vertices and arcs to `b` (a pair
/// block first, when `b` is empty; an NDD block after it, its arc heads pairs). Returns the
/// block's vertex count, or `Ok(None)` if only blank lines are left.
fn block(
    cur: &mut Cursor<'_>,
    name: &str,
    kind: Kind,
    b: &mut GraphBuilder,
) -> Result<Option<usize>, ReadError> {
    let Some((header_line, header)) = cur.next_line() else {
        return Ok(None);
    };
    let err = |line: usize, msg: String| ReadError::new(name, Some(line), msg);
    let fields: Vec<&str> = header.split_whitespace().collect();
    let [count, arc_count] = fields.as_slice() else {
        return Err(err(
            header_line,
            format!(
                "expected 2 fields {} in the header, found {}",
                kind.header(),
                fields.len()
            ),
        ));
    };
    let count = count_field(count, &format!("number of {}s", kind.noun()))
        .map_err(|m| err(header_line, m))?;
    if count > MAX_VERTICES {
        return Err(err(
            header_line,
            format!(
                "header says {count} {}s, more than the limit of {MAX_VERTICES}",
                kind.noun()
            ),
        ));
    }
    let arc_count = count_field(arc_count, "number of arcs").map_err(|m| err(header_line, m))?;
    // Pairs were added first, so pair `i` is vertex `i`; this block's vertices follow.
    let first = b.vertex_count();
    let pair_count = match kind {
        Kind::Pairs => count,
        Kind::Ndds => first,
    };
    for i in 0..count {
        let added = match kind {
            Kind::Pairs => b.add_request(i.to_string()),
            Kind::Ndds => b.add_offer(format!("n{i}")),
        };
        added.map_err(|e| ReadError::graph(name, None, e))?;
    }
    let vertex = |i: usize| VertexId(u32::try_from(i).unwrap_or(u32::MAX));

    // The header's arc count is trusted for allocation only as far as the text could hold
    // that many arcs; a wrong one is caught below.
    b.reserve_arcs(arc_count.min(cur.len / MIN_ARC_LINE));
    for found in 0..arc_count {
        let Some((line, text)) = cur.next_line() else {
            return Err(err(
                header_line,
                format!("header says {arc_count} arcs, but the file ends after {found}"),
            ));
        };
        let (src, dst, weight) = match plain_arc(text) {
            Some((src, dst, weight)) => {
                let src = in_range(src, kind.noun(), count).map_err(|m| err(line, m))?;
                let dst = in_range(dst, "pair", pair_count).map_err(|m| err(line, m))?;
                (src, dst, weight)
            }
            None if text.split_whitespace().eq(TERMINATOR) => {
                return Err(err(
                    line,
                    format!(
                        "found the terminator \"-1 -1 -1\" after {found} arcs, but the header \
                         on line {header_line} says {arc_count}"
                    ),
                ))
            }
            None => arc_fields(text)
                .and_then(|[src, dst, weight]| {
                    Ok((
                        index_field(src, kind.noun(), count)?,
                        index_field(dst, "pair", pair_count)?,
                        parse_weight(weight)?,
                    ))
                })
                .map_err(|m| err(line, m))?,
        };
        b.add_arc(vertex(first + src), vertex(dst), weight)
            .map_err(|e| ReadError::graph(name, Some(line), e))?;
    }
    match cur.next_line() {
        Some((_, text)) if text.split_whitespace().eq(TERMINATOR) => {}
        Some((line, text)) => {
            return Err(err(
                line,
                format!(
                    "expected the terminator \"-1 -1 -1\" after the {arc_count} arcs that the \
                     header on line {header_line} announces, found {:?}",
                    text.trim()
                ),
            ))
        }
        None => {
            return Err(ReadError::new(
                name,
                Some(cur.last),
                format!("missing the terminator \"-1 -1 -1\" after the {arc_count} arcs"),
            ))
        }
    }
    Ok(Some(count))
}

/// The three fields of an arc line that [`plain_arc`] did not read.
fn arc_fields(text: &str) -> Result<[&str; 3], String> {
    let mut fields = text.split_whitespace();
    let (Some(src), Some(dst), Some(weight), None) =
        (fields.next(), fields.next(), fields.next(), fields.next())
    else {
        return Err(format!(
            "expected 3 fields \"src dst weight\", found {}",
            text.split_whitespace().count()
        ));
    };
    Ok([src, dst, weight])
}

/// An arc line of three unsigned decimal integers (the weight of at most 15 digits, so exact
/// as an `f64`) separated by ASCII blanks, read byte by byte: the common case, read without
/// splitting the line and parsing each field (on the Saidman 10,000-pair pool the whole read
/// fell from about 2.0 s to 1.0-1.6 s, BENCHMARKS.md). `None` for anything else (signs,
/// decimal points, exponents, other text), which [`arc_fields`] reads or rejects.
fn plain_arc(text: &str) -> Option<(usize, usize, f64)> {
    let mut bytes = text.as_bytes().iter().copied().peekable();
    let mut next = |digits: usize| -> Option<u64> {
        while bytes.next_if(|b| b.is_ascii_whitespace()).is_some() {}
        let mut value: u64 = 0;
        let mut n = 0;
        while let Some(b) = bytes.next_if(u8::is_ascii_digit) {
            value = value * 10 + u64::from(b - b'0');
            n += 1;
            if n > digits {
                return None;
            }
        }
        (n > 0).then_some(value)
    };
    // Indices of at most 10 digits fit, and are then range-checked.
    let src = next(10)?;
    let dst = next(10)?;
    let weight = next(15)?;
    while bytes.next_if(|b| b.is_ascii_whitespace()).is_some() {}
    if bytes.next().is_some() {
        return None;
    }
    Some((
        usize::try_from(src).ok()?,
        usize::try_from(dst).ok()?,
        weight as f64,
    ))
}

fn count_field(field: &str, what: &str) -> Result<usize, String> {
    field
        .parse()
        .map_err(|_| format!("{what} {field:?} is not a non-negative integer"))
}

/// A vertex index in `0..count`.
fn index_field(field: &str, noun: &str, count: usize) -> Result<usize, String> {
    let i: usize = field
        .parse()
        .map_err(|_| format!("{noun} {field:?} is not a {noun} number"))?;
    in_range(i, noun, count)
}

/// `i` if it is in `0..count`.
fn in_range(i: usize, noun: &str, count: usize) -> Result<usize, String> {
    match count.checked_sub(1) {
        Some(last) if i <= last => Ok(i),
        Some(last) => Err(format!(
            "{noun} {i} is out of range: there are {count} {noun}s, numbered 0..={last}"
        )),
        None => Err(format!("{noun} {i} is out of range: there are no {noun}s")),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn reads_pairs_and_concatenated_ndds() {
        let text = "3 3\n0 1 1\n1 2 2.5\n2 0 1\n-1 -1 -1\n\n1 1\n0 2 1\n-1 -1 -1\n";
        let g = read(text, "t.input", None).unwrap();
        assert_eq!((g.request_count(), g.offer_count()), (3, 1));
        let ids: Vec<_> = g.vertices().iter().map(|v| v.id.as_str()).collect();
        assert_eq!(ids, ["0", "1", "2", "n0"]);
        assert_eq!(g.arcs().len(), 4);
        assert_eq!(g.arc(VertexId(1), VertexId(2)).unwrap().weight, 2.5);
        assert!(g.arc(VertexId(3), VertexId(2)).is_some());
    }

    /// Where the byte-by-byte reading of an arc line answers, it reads what splitting the
    /// line and parsing its fields reads: on random lines of two to four fields, mostly
    /// numbers (some of 20 digits), some signed, decimal, empty or not numbers at all, between
    /// ASCII and other blanks.
    #[test]
    fn plain_arcs_read_as_the_fields_do() {
        let general = |text: &str| -> Option<(usize, usize, f64)> {
            let [src, dst, weight] = arc_fields(text).ok()?;
            Some((
                src.parse().ok()?,
                dst.parse().ok()?,
                parse_weight(weight).ok()?,
            ))
        };
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut random = |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        let odd = ["-1", "+3", "1.5", "1e3", "x", "", "0x1", "1_0", "\u{661}"];
        let blanks = [" ", "\t", "  ", " \t", "\u{a0}"];
        let (mut plain, mut other) = (0, 0);
        for _ in 0..100_000 {
            let mut text = String::new();
            for _ in 0..2 + random(3) {
                text.push_str(blanks.get(random(blanks.len() as u64) as usize).unwrap());
                if random(10) == 0 {
                    text.push_str(odd.get(random(odd.len() as u64) as usize).unwrap());
                } else {
                    let long = random(20) == 0;
                    let digits = 1 + random(if long { 20 } else { 4 });
                    (0..digits).for_each(|_| text.push(char::from(b'0' + random(10) as u8)));
                }
            }
            if random(2) == 0 {
                text.push_str(blanks.get(random(blanks.len() as u64) as usize).unwrap());
            }
            match plain_arc(&text) {
                Some(arc) => {
                    plain += 1;
                    assert_eq!(Some(arc), general(&text), "{text:?}");
                }
                None => other += 1,
            }
        }
        assert!(
            plain > 1_000 && other > 1_000,
            "{plain} plain, {other} other"
        );
        for text in ["0 9 1", "12\t3\t4", " 007  08 1 ", "1 2 999999999999999"] {
            assert_eq!(plain_arc(text), general(text), "{text:?}");
            assert!(plain_arc(text).is_some(), "{text:?}");
        }
        for text in [
            "1 2 1.5", "1 2 -1", "+1 2 3", "1 2", "1 2 3 4", "1 2 1e3", "1 2 3x",
        ] {
            assert_eq!(plain_arc(text), None, "{text:?}");
        }
    }

    #[test]
    fn sibling_ndds_and_twice_given_ndds() {
        let g = read(
            "2 0\n-1 -1 -1\n",
            "t.input",
            Some(("1 1\n0 1 1\n-1 -1 -1\n", "t.ndds")),
        );
        assert_eq!(g.unwrap().offer_count(), 1);
        let e = read(
            "2 0\n-1 -1 -1\n0 0\n-1 -1 -1\n",
            "t.input",
            Some(("0 0\n-1 -1 -1", "t.ndds")),
        );
        assert!(e.unwrap_err().to_string().contains("given twice"));
        let e = read(
            "2 0\n-1 -1 -1\n",
            "t.input",
            Some(("1 1\n0 2 1\n-1 -1 -1\n", "t.ndds")),
        );
        assert_eq!(
            e.unwrap_err().to_string(),
            "t.ndds:2: pair 2 is out of range: there are 2 pairs, numbered 0..=1"
        );
    }
}
