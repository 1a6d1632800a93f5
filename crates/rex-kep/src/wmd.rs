//! PrefLib weighted matching data (`.wmd`), data set 00036 "kidney" (formerly MD-00001).
//!
//! Two layouts, told apart by the first non-blank line:
//!
//! * 2022 layout: `#` header lines, among them `# NUMBER ALTERNATIVES: N`,
//!   `# NUMBER EDGES: M` and `# ALTERNATIVE NAME k: Pair k` for `k` in `1..=N`; then `M` lines
//!   `src,dst,weight` with 1-based vertex numbers.
//! * Original layout: `N,M`, then `N` lines `k,Pair k` (labels `1..=N` in order), then `M`
//!   lines `src,dst,weight` with 0-based vertex numbers.
//!
//! A vertex whose name starts with "Pair" is a request; any other (PrefLib spells them
//! "Alturist") is an offer. PrefLib gives every pair a weight-0 arc into every altruist, which
//! only marks "a chain may end here": every arc into an altruist is dropped. Vertex ids are the
//! 1-based PrefLib numbers in both layouts, so the two copies of an instance read the same.

use super::{parse_weight, ReadError, MAX_VERTICES};
use rex_match::{Graph, GraphBuilder, VertexId, VertexKind};

/// One edge line, with 0-based vertex indices.
struct Edge {
    src: usize,
    dst: usize,
    weight: f64,
    line: usize,
}

/// The vertex names (index `i` is PrefLib vertex `i + 1`) and edges of either layout.
struct Parsed {
    names: Vec<String>,
    edges: Vec<Edge>,
}

pub(super) fn read(text: &str, name: &str) -> Result<Graph, ReadError> {
    let first = text.lines().find(|l| !l.trim().is_empty());
    let parsed = if first.is_some_and(|l| l.trim_start().starts_with('#')) {
        layout_2022(text, name)?
    } else {
        layout_original(text, name)?
    };
    build(parsed, name)
}

fn build(parsed: Parsed, name: &str) -> Result<Graph, ReadError> {
    let mut b = GraphBuilder::new();
    let mut kinds = Vec::with_capacity(parsed.names.len());
    for (i, vertex_name) in parsed.names.iter().enumerate() {
        let id = (i + 1).to_string();
        let is_pair = vertex_name
            .get(..4)
            .is_some_and(|p| p.eq_ignore_ascii_case("pair"));
        let added = if is_pair {
            kinds.push(VertexKind::Request);
            b.add_request(id)
        } else {
            kinds.push(VertexKind::Offer);
            b.add_offer(id)
        };
        added.map_err(|e| ReadError::graph(name, None, e))?;
    }
    // Vertex `i` was added `i`-th; the parsers have checked every index against the count.
    let vertex = |i: usize| VertexId(u32::try_from(i).unwrap_or(u32::MAX));
    for e in &parsed.edges {
        if kinds.get(e.dst) == Some(&VertexKind::Offer) {
            continue; // "a chain may end here", not a transplant
        }
        b.add_arc(vertex(e.src), vertex(e.dst), e.weight)
            .map_err(|err| ReadError::graph(name, Some(e.line), err))?;
    }
    b.build().map_err(|e| ReadError::graph(name, None, e))
}

/// The 2022 layout: `#` headers, 1-based edges.
fn layout_2022(text: &str, name: &str) -> Result<Parsed, ReadError> {
    let err = |line: Option<usize>, msg: String| ReadError::new(name, line, msg);
    let mut vertex_count: Option<(usize, usize)> = None; // (value, line)
    let mut edge_count: Option<(usize, usize)> = None;
    let mut named: Vec<(usize, &str, usize)> = Vec::new(); // (number, name, line)
    let mut edge_lines: Vec<(usize, &str)> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let t = raw.trim();
        if t.is_empty() {
            continue;
        }
        let Some(header) = t.strip_prefix('#') else {
            edge_lines.push((line, t));
            continue;
        };
        // Other header lines (title, dates, free text) carry nothing the graph needs.
        let Some((key, value)) = header.split_once(':') else {
            continue;
        };
        let (key, value) = (key.trim(), value.trim());
        if key == "NUMBER ALTERNATIVES" || key == "NUMBER EDGES" {
            let n = count(value, key).map_err(|m| err(Some(line), m))?;
            let slot = if key == "NUMBER EDGES" {
                &mut edge_count
            } else {
                &mut vertex_count
            };
            if let Some((_, first)) = slot {
                return Err(err(
                    Some(line),
                    format!("second \"# {key}:\" line (the first is line {first})"),
                ));
            }
            *slot = Some((n, line));
        } else if let Some(k) = key.strip_prefix("ALTERNATIVE NAME") {
            let k = k.trim();
            let k: usize = k.parse().map_err(|_| {
                err(
                    Some(line),
                    format!("alternative number {k:?} is not a number"),
                )
            })?;
            named.push((k, value, line));
        }
    }
    let Some((n, n_line)) = vertex_count else {
        return Err(err(
            None,
            "missing header line \"# NUMBER ALTERNATIVES: N\"".into(),
        ));
    };
    let Some((m, m_line)) = edge_count else {
        return Err(err(
            None,
            "missing header line \"# NUMBER EDGES: M\"".into(),
        ));
    };
    check_vertex_count(n, n_line, name)?;

    let mut names: Vec<Option<(&str, usize)>> = vec![None; n];
    for (k, vertex_name, line) in named {
        let Some(slot) = k.checked_sub(1).and_then(|i| names.get_mut(i)) else {
            return Err(err(
                Some(line),
                format!("alternative {k} is out of range: line {n_line} says {n} alternatives"),
            ));
        };
        if let Some((_, first)) = slot {
            return Err(err(
                Some(line),
                format!("alternative {k} is named twice (first on line {first})"),
            ));
        }
        *slot = Some((vertex_name, line));
    }
    let names = names
        .into_iter()
        .enumerate()
        .map(|(i, slot)| {
            slot.map(|(s, _)| s.to_owned()).ok_or_else(|| {
                err(
                    None,
                    format!(
                        "no \"# ALTERNATIVE NAME {}:\" line, but line {n_line} says {n} \
                         alternatives",
                        i + 1
                    ),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;

    if edge_lines.len() != m {
        return Err(err(
            Some(m_line),
            format!(
                "header says {m} edges, but the file has {} edge lines",
                edge_lines.len()
            ),
        ));
    }
    let edges = edge_lines
        .into_iter()
        .map(|(line, t)| edge(t, line, 1, n).map_err(|m| err(Some(line), m)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Parsed { names, edges })
}

/// The original layout: `N,M`, `N` name lines, `M` edges with 0-based ids.
fn layout_original(text: &str, name: &str) -> Result<Parsed, ReadError> {
    let err = |line: usize, msg: String| ReadError::new(name, Some(line), msg);
    let mut lines = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty());
    let Some((header_line, header)) = lines.next() else {
        return Err(ReadError::new(name, None, "empty file"));
    };
    let fields: Vec<&str> = header.split(',').map(str::trim).collect();
    let [n, m] = fields.as_slice() else {
        return Err(err(
            header_line,
            format!(
                "expected a header \"vertices,edges\" (or \"#\" header lines), found {header:?}"
            ),
        ));
    };
    let n = count(n, "number of vertices").map_err(|msg| err(header_line, msg))?;
    let m = count(m, "number of edges").map_err(|msg| err(header_line, msg))?;
    check_vertex_count(n, header_line, name)?;

    let mut names = Vec::with_capacity(n);
    for i in 0..n {
        let Some((line, t)) = lines.next() else {
            return Err(err(
                header_line,
                format!("header says {n} vertices, but the file ends after {i} name lines"),
            ));
        };
        let Some((label, vertex_name)) = t.split_once(',') else {
            return Err(err(
                line,
                format!(
                    "expected a name line \"{},Pair {}\", found {t:?}",
                    i + 1,
                    i + 1
                ),
            ));
        };
        if label.trim() != (i + 1).to_string() {
            return Err(err(
                line,
                format!(
                    "expected the name line of vertex {}, found label {:?}",
                    i + 1,
                    label.trim()
                ),
            ));
        }
        names.push(vertex_name.trim().to_owned());
    }
    let mut edges = Vec::with_capacity(m.min(1 << 16));
    for (line, t) in lines {
        if edges.len() == m {
            return Err(err(
                line,
                format!("header on line {header_line} says {m} edges, but there are more"),
            ));
        }
        edges.push(edge(t, line, 0, n).map_err(|msg| err(line, msg))?);
    }
    if edges.len() != m {
        return Err(err(
            header_line,
            format!("header says {m} edges, but the file has {}", edges.len()),
        ));
    }
    Ok(Parsed { names, edges })
}

fn check_vertex_count(n: usize, line: usize, name: &str) -> Result<(), ReadError> {
    if n > MAX_VERTICES {
        return Err(ReadError::new(
            name,
            Some(line),
            format!("header says {n} vertices, more than the limit of {MAX_VERTICES}"),
        ));
    }
    Ok(())
}

fn count(field: &str, what: &str) -> Result<usize, String> {
    field
        .trim()
        .parse()
        .map_err(|_| format!("{what} {field:?} is not a non-negative integer"))
}

/// Parses `src,dst,weight` on `line`, with vertex numbers counted from `base` (1 or 0) among
/// `n` vertices.
fn edge(t: &str, line: usize, base: usize, n: usize) -> Result<Edge, String> {
    let fields: Vec<&str> = t.split(',').map(str::trim).collect();
    let [src, dst, weight] = fields.as_slice() else {
        return Err(format!(
            "expected 3 fields \"src,dst,weight\", found {}",
            fields.len()
        ));
    };
    let index = |field: &str| -> Result<usize, String> {
        let k: usize = field
            .parse()
            .map_err(|_| format!("vertex {field:?} is not a vertex number"))?;
        match k.checked_sub(base) {
            Some(i) if i < n => Ok(i),
            _ => Err(format!(
                "vertex {k} is out of range: there are {n} vertices, numbered from {base}"
            )),
        }
    };
    Ok(Edge {
        src: index(src)?,
        dst: index(dst)?,
        weight: parse_weight(weight)?,
        line,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const NEW: &str = "# FILE NAME: x.wmd\n# NUMBER ALTERNATIVES: 3\n# NUMBER EDGES: 4\n\
        # ALTERNATIVE NAME 1: Pair 1\n# ALTERNATIVE NAME 2: Pair 2\n\
        # ALTERNATIVE NAME 3: Alturist 3\n1,2,1.0\n2,1,1.0\n3,1,1.0\n1,3,0.0\n";
    const OLD: &str = "3,4\n1,Pair 1 \n2,Pair 2 \n3,Alturist 3 \n0,1,1\n1,0,1\n2,0,1\n0,2,0\n";

    #[test]
    fn both_layouts_give_the_same_graph() {
        let a = read(NEW, "new.wmd").unwrap();
        let b = read(OLD, "old.wmd").unwrap();
        assert_eq!(a, b);
        assert_eq!(
            (a.request_count(), a.offer_count(), a.arcs().len()),
            (2, 1, 3)
        );
        let ids: Vec<_> = a.vertices().iter().map(|v| v.id.as_str()).collect();
        assert_eq!(ids, ["1", "2", "3"]);
    }
}
