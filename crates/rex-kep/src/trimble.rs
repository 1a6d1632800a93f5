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

/// One arc line: indices as in the file, and the 1-based line for later messages.
struct ArcLine {
    src: usize,
    dst: usize,
    weight: f64,
    line: usize,
}

/// One block: the header's vertex count and the arcs.
struct Block {
    count: usize,
    arcs: Vec<ArcLine>,
}

/// The non-blank lines of a text with their 1-based numbers.
struct Cursor<'a> {
    lines: std::iter::Enumerate<std::str::Lines<'a>>,
    last: usize,
}

impl<'a> Cursor<'a> {
    fn new(text: &'a str) -> Self {
        Cursor {
            lines: text.lines().enumerate(),
            last: 0,
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

/// Reads the pair block from `text` and the NDD block from after its terminator or, failing
/// that, from `ndds` (text and file name of a sibling `.ndds` file).
pub(super) fn read(text: &str, name: &str, ndds: Option<(&str, &str)>) -> Result<Graph, ReadError> {
    let mut cur = Cursor::new(text);
    let Some(pairs) = block(&mut cur, name, Kind::Pairs, None)? else {
        return Err(ReadError::new(name, None, "empty file"));
    };
    let after = block(&mut cur, name, Kind::Ndds, Some(pairs.count))?;
    if after.is_some() {
        trailing(&mut cur, name)?;
    }
    let (ndd_block, ndd_file) = match (after, ndds) {
        (Some(_), Some((_, ndd_name))) => {
            return Err(ReadError::new(
                name,
                None,
                format!(
                    "NDDs are given twice: after the pair block's terminator and in {ndd_name}"
                ),
            ))
        }
        (Some(b), None) => (Some(b), name),
        (None, Some((ndd_text, ndd_name))) => {
            let mut cur = Cursor::new(ndd_text);
            let Some(b) = block(&mut cur, ndd_name, Kind::Ndds, Some(pairs.count))? else {
                return Err(ReadError::new(ndd_name, None, "empty file"));
            };
            trailing(&mut cur, ndd_name)?;
            (Some(b), ndd_name)
        }
        (None, None) => (None, name),
    };

    let mut b = GraphBuilder::new();
    let graph_err = |file: &str, line: Option<usize>| {
        let file = file.to_owned();
        move |e| ReadError::graph(file, line, e)
    };
    for i in 0..pairs.count {
        b.add_request(i.to_string())
            .map_err(graph_err(name, None))?;
    }
    let ndd_count = ndd_block.as_ref().map_or(0, |b| b.count);
    for j in 0..ndd_count {
        b.add_offer(format!("n{j}"))
            .map_err(graph_err(ndd_file, None))?;
    }
    // Pairs were added first, so pair `i` is vertex `i` and NDD `j` is vertex `count + j`;
    // the block reader has checked every index against its range.
    let vertex = |i: usize| VertexId(u32::try_from(i).unwrap_or(u32::MAX));
    for a in &pairs.arcs {
        b.add_arc(vertex(a.src), vertex(a.dst), a.weight)
            .map_err(graph_err(name, Some(a.line)))?;
    }
    for a in ndd_block.iter().flat_map(|b| &b.arcs) {
        b.add_arc(vertex(pairs.count + a.src), vertex(a.dst), a.weight)
            .map_err(graph_err(ndd_file, Some(a.line)))?;
    }
    b.build().map_err(graph_err(name, None))
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

/// Reads one block: header, arcs, terminator. `Ok(None)` if only blank lines are left.
/// `pair_count` bounds the arc heads of an NDD block (for a pair block it is the block's own
/// count).
fn block(
    cur: &mut Cursor<'_>,
    name: &str,
    kind: Kind,
    pair_count: Option<usize>,
) -> Result<Option<Block>, ReadError> {
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
    let pair_count = pair_count.unwrap_or(count);

    // The header's arc count is not trusted for allocation; a wrong one is caught below.
    let mut arcs = Vec::with_capacity(arc_count.min(1 << 16));
    for found in 0..arc_count {
        let Some((line, text)) = cur.next_line() else {
            return Err(err(
                header_line,
                format!("header says {arc_count} arcs, but the file ends after {found}"),
            ));
        };
        let fields: Vec<&str> = text.split_whitespace().collect();
        if fields == TERMINATOR {
            return Err(err(
                line,
                format!(
                    "found the terminator \"-1 -1 -1\" after {found} arcs, but the header on \
                     line {header_line} says {arc_count}"
                ),
            ));
        }
        let [src, dst, weight] = fields.as_slice() else {
            return Err(err(
                line,
                format!(
                    "expected 3 fields \"src dst weight\", found {}",
                    fields.len()
                ),
            ));
        };
        let src = index_field(src, kind.noun(), count).map_err(|m| err(line, m))?;
        let dst = index_field(dst, "pair", pair_count).map_err(|m| err(line, m))?;
        let weight = parse_weight(weight).map_err(|m| err(line, m))?;
        arcs.push(ArcLine {
            src,
            dst,
            weight,
            line,
        });
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
    Ok(Some(Block { count, arcs }))
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
