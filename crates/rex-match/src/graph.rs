//! The compatibility graph: vertices (requests and offers), weighted arcs, and exclusive groups.
//!
//! A [`Graph`] is immutable once built and canonical: arcs are sorted by `(from, to)`, so two
//! graphs built from the same vertices and arcs in any insertion order are equal, and the solver
//! sees the same model bytes.

use std::collections::BTreeMap;
use std::fmt;

/// Index of a vertex in its [`Graph`] (the order in which vertices were added).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VertexId(pub u32);

impl VertexId {
    /// The index as a `usize`, for slices indexed by vertex.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

/// What a vertex stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum VertexKind {
    /// A request (in kidney exchange: a patient with a paired donor). It receives on an arc into
    /// it and gives on an arc out of it; it may sit on a cycle or inside a chain.
    Request,
    /// An unconditional offer (in kidney exchange: a non-directed donor). It only gives, so it can
    /// only start a chain; no arc may enter it.
    Offer,
}

/// One vertex: the identifier the input file uses, its kind and its exclusive group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vertex {
    /// The identifier as the input names it (printed back in solutions).
    pub id: String,
    /// Request or offer.
    pub kind: VertexKind,
    /// Index into [`Graph::groups`]: at most one vertex of a group is used by a solution.
    pub group: u32,
}

/// A directed, weighted arc `from -> to`: "the receiver in `from` can give in `to`".
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Arc {
    /// Tail vertex.
    pub from: VertexId,
    /// Head vertex (always a request).
    pub to: VertexId,
    /// Weight, finite.
    pub weight: f64,
}

/// What is wrong with a graph under construction.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GraphError {
    /// Two vertices share an identifier.
    #[error("duplicate vertex id {0:?}")]
    DuplicateVertex(String),
    /// An arc names a vertex index that does not exist.
    #[error("arc {from} -> {to} names vertex index {missing}, but the graph has {len} vertices")]
    NoSuchVertex {
        /// Arc tail index.
        from: u32,
        /// Arc head index.
        to: u32,
        /// The missing index.
        missing: u32,
        /// Number of vertices.
        len: usize,
    },
    /// An arc enters an offer.
    #[error("arc {from:?} -> {to:?} enters an offer; offers only give")]
    ArcIntoOffer {
        /// Tail id.
        from: String,
        /// Head id.
        to: String,
    },
    /// An arc has a NaN or infinite weight.
    #[error("arc {from:?} -> {to:?} has weight {weight}, which is not a finite number")]
    BadWeight {
        /// Tail id.
        from: String,
        /// Head id.
        to: String,
        /// The weight.
        weight: f64,
    },
    /// The same arc was given twice with different weights.
    #[error("arc {from:?} -> {to:?} is given twice, with weights {first} and {second}")]
    ConflictingArc {
        /// Tail id.
        from: String,
        /// Head id.
        to: String,
        /// First weight.
        first: f64,
        /// Second weight.
        second: f64,
    },
    /// Too many vertices for 32-bit indices.
    #[error("too many vertices (more than {})", u32::MAX)]
    TooLarge,
}

/// Builds a [`Graph`]. Vertices keep insertion order; arcs are canonicalised at [`build`].
///
/// Arcs that can never be used are dropped silently: self-loops, and arcs between two vertices of
/// the same exclusive group (using both would break the group's at-most-once rule). Exact
/// duplicates are merged; a duplicate with a different weight is an error.
///
/// [`build`]: GraphBuilder::build
#[derive(Debug, Default, Clone)]
pub struct GraphBuilder {
    vertices: Vec<Vertex>,
    ids: BTreeMap<String, VertexId>,
    groups: Vec<String>,
    group_ids: BTreeMap<String, u32>,
    arcs: Vec<Arc>,
}

impl GraphBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a request vertex in a group of its own.
    pub fn add_request(&mut self, id: impl Into<String>) -> Result<VertexId, GraphError> {
        self.add_vertex(id.into(), VertexKind::Request, None)
    }

    /// Adds an offer vertex (it may only start chains).
    pub fn add_offer(&mut self, id: impl Into<String>) -> Result<VertexId, GraphError> {
        self.add_vertex(id.into(), VertexKind::Offer, None)
    }

    /// Adds a request vertex that belongs to the named exclusive group: at most one vertex of the
    /// group is used. In kep-solver's format a group is a recipient with several paired donors.
    pub fn add_request_in_group(
        &mut self,
        id: impl Into<String>,
        group: &str,
    ) -> Result<VertexId, GraphError> {
        self.add_vertex(id.into(), VertexKind::Request, Some(group))
    }

    fn add_vertex(
        &mut self,
        id: String,
        kind: VertexKind,
        group: Option<&str>,
    ) -> Result<VertexId, GraphError> {
        if self.ids.contains_key(&id) {
            return Err(GraphError::DuplicateVertex(id));
        }
        let index = u32::try_from(self.vertices.len()).map_err(|_| GraphError::TooLarge)?;
        // A vertex without a named group gets a fresh group named after it; the NUL prefix keeps
        // those names apart from any group name a caller passes.
        let group_name = match group {
            Some(g) => g.to_owned(),
            None => format!("\0{id}"),
        };
        let next_group = u32::try_from(self.groups.len()).map_err(|_| GraphError::TooLarge)?;
        let group = *self.group_ids.entry(group_name.clone()).or_insert_with(|| {
            self.groups.push(group_name);
            next_group
        });
        let v = VertexId(index);
        self.ids.insert(id.clone(), v);
        self.vertices.push(Vertex { id, kind, group });
        Ok(v)
    }

    /// The vertex with this identifier, if added.
    pub fn vertex(&self, id: &str) -> Option<VertexId> {
        self.ids.get(id).copied()
    }

    /// Number of vertices added so far.
    pub fn vertex_count(&self) -> usize {
        self.vertices.len()
    }

    /// Reserves room for at least `additional` more arcs (a reader that knows how many are
    /// coming saves growing and copying the list).
    pub fn reserve_arcs(&mut self, additional: usize) {
        self.arcs.reserve(additional);
    }

    /// Adds an arc `from -> to` with a weight.
    pub fn add_arc(&mut self, from: VertexId, to: VertexId, weight: f64) -> Result<(), GraphError> {
        let len = self.vertices.len();
        for v in [from, to] {
            if v.index() >= len {
                return Err(GraphError::NoSuchVertex {
                    from: from.0,
                    to: to.0,
                    missing: v.0,
                    len,
                });
            }
        }
        let (f, t) = (&self.vertices[from.index()], &self.vertices[to.index()]);
        if !weight.is_finite() {
            return Err(GraphError::BadWeight {
                from: f.id.clone(),
                to: t.id.clone(),
                weight,
            });
        }
        if t.kind == VertexKind::Offer {
            return Err(GraphError::ArcIntoOffer {
                from: f.id.clone(),
                to: t.id.clone(),
            });
        }
        if from == to || f.group == t.group {
            return Ok(());
        }
        self.arcs.push(Arc { from, to, weight });
        Ok(())
    }

    /// Finishes the graph: sorts arcs by `(from, to)` and merges exact duplicates.
    pub fn build(self) -> Result<Graph, GraphError> {
        // Stable, so of duplicates the first added is kept; merged in place (no second list
        // of 24 million arcs).
        let mut arcs = self.arcs;
        arcs.sort_by_key(|a| (a.from, a.to));
        let mut conflict = None;
        arcs.dedup_by(|a, kept| {
            let same = a.from == kept.from && a.to == kept.to;
            if same && conflict.is_none() && a.weight.to_bits() != kept.weight.to_bits() {
                conflict = Some((*kept, *a));
            }
            same
        });
        if let Some((first, second)) = conflict {
            return Err(GraphError::ConflictingArc {
                from: self.vertices[first.from.index()].id.clone(),
                to: self.vertices[first.to.index()].id.clone(),
                first: first.weight,
                second: second.weight,
            });
        }
        let n = self.vertices.len();
        let out_start = out_starts(n, &arcs);
        let mut group_size = vec![0u32; self.groups.len()];
        for v in &self.vertices {
            group_size[v.group as usize] += 1;
        }
        Ok(Graph {
            vertices: self.vertices,
            groups: self
                .groups
                .into_iter()
                .map(|g| g.strip_prefix('\0').map(str::to_owned).unwrap_or(g))
                .collect(),
            group_size,
            arcs,
            out_start,
        })
    }
}

/// An immutable compatibility graph. Build one with [`GraphBuilder`].
#[derive(Debug, Clone, PartialEq)]
pub struct Graph {
    vertices: Vec<Vertex>,
    groups: Vec<String>,
    group_size: Vec<u32>,
    /// Sorted by `(from, to)`, no duplicates.
    arcs: Vec<Arc>,
    /// `arcs[out_start[v]..out_start[v + 1]]` are the arcs out of `v`.
    out_start: Vec<u32>,
}

impl Graph {
    /// All vertices, indexed by [`VertexId`].
    pub fn vertices(&self) -> &[Vertex] {
        &self.vertices
    }

    /// One vertex.
    pub fn vertex(&self, v: VertexId) -> &Vertex {
        &self.vertices[v.index()]
    }

    /// All arcs, sorted by `(from, to)`.
    pub fn arcs(&self) -> &[Arc] {
        &self.arcs
    }

    /// Arcs out of `v`, sorted by head.
    pub fn out_arcs(&self, v: VertexId) -> &[Arc] {
        let (s, e) = (self.out_start[v.index()], self.out_start[v.index() + 1]);
        &self.arcs[s as usize..e as usize]
    }

    /// Indices into [`Graph::arcs`] of the arcs out of `v`.
    pub fn out_arc_range(&self, v: VertexId) -> std::ops::Range<usize> {
        self.out_start[v.index()] as usize..self.out_start[v.index() + 1] as usize
    }

    /// The arc `from -> to`, if present.
    pub fn arc(&self, from: VertexId, to: VertexId) -> Option<&Arc> {
        let out = self.out_arcs(from);
        out.binary_search_by_key(&to, |a| a.to)
            .ok()
            .map(|i| &out[i])
    }

    /// Names of the exclusive groups, indexed by [`Vertex::group`]. A vertex added without a group
    /// has a group named after the vertex.
    pub fn groups(&self) -> &[String] {
        &self.groups
    }

    /// Number of vertices in each group.
    pub fn group_sizes(&self) -> &[u32] {
        &self.group_size
    }

    /// Number of request vertices.
    pub fn request_count(&self) -> usize {
        self.vertices
            .iter()
            .filter(|v| v.kind == VertexKind::Request)
            .count()
    }

    /// Number of offer vertices.
    pub fn offer_count(&self) -> usize {
        self.vertices.len() - self.request_count()
    }

    /// The same vertices and groups with only the arcs at `keep` (indices into
    /// [`Graph::arcs`], increasing).
    pub(crate) fn with_arcs(&self, keep: &[usize]) -> Graph {
        debug_assert!(keep.windows(2).all(|w| w[0] < w[1]));
        let arcs: Vec<Arc> = keep.iter().map(|&i| self.arcs[i]).collect();
        let n = self.vertices.len();
        let out_start = out_starts(n, &arcs);
        Graph {
            vertices: self.vertices.clone(),
            groups: self.groups.clone(),
            group_size: self.group_size.clone(),
            arcs,
            out_start,
        }
    }

    /// The vertex ids in the order given, for printing.
    pub fn ids(&self, path: &[VertexId]) -> Vec<String> {
        path.iter().map(|&v| self.vertex(v).id.clone()).collect()
    }
}

impl fmt::Display for VertexId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Where each vertex's out-arcs start in `arcs` (sorted by tail), and the end.
fn out_starts(n: usize, arcs: &[Arc]) -> Vec<u32> {
    let mut out_start = vec![0u32; n + 1];
    for a in arcs {
        out_start[a.from.index() + 1] += 1;
    }
    for i in 0..n {
        out_start[i + 1] += out_start[i];
    }
    out_start
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arcs_are_canonical_and_unusable_arcs_dropped() {
        let mut b = GraphBuilder::new();
        let a = b.add_request("a").unwrap();
        let c = b.add_request_in_group("c", "r1").unwrap();
        let d = b.add_request_in_group("d", "r1").unwrap();
        let o = b.add_offer("o").unwrap();
        b.add_arc(c, a, 2.0).unwrap();
        b.add_arc(a, c, 1.0).unwrap();
        b.add_arc(a, a, 1.0).unwrap(); // self-loop: dropped
        b.add_arc(c, d, 1.0).unwrap(); // same group: dropped
        b.add_arc(o, a, 1.0).unwrap();
        b.add_arc(a, c, 1.0).unwrap(); // exact duplicate: merged
        let g = b.build().unwrap();
        let pairs: Vec<_> = g.arcs().iter().map(|x| (x.from.0, x.to.0)).collect();
        assert_eq!(pairs, vec![(0, 1), (1, 0), (3, 0)]);
        assert_eq!(g.groups(), &["a", "r1", "o"]);
        assert_eq!(g.group_sizes(), &[1, 2, 1]);
        assert_eq!(g.out_arcs(o).len(), 1);
        assert!(g.arc(c, a).is_some() && g.arc(a, d).is_none());
    }

    #[test]
    fn bad_arcs_are_errors() {
        let mut b = GraphBuilder::new();
        let a = b.add_request("a").unwrap();
        let o = b.add_offer("o").unwrap();
        assert!(matches!(
            b.add_arc(a, o, 1.0),
            Err(GraphError::ArcIntoOffer { .. })
        ));
        assert!(matches!(
            b.add_arc(o, a, f64::NAN),
            Err(GraphError::BadWeight { .. })
        ));
        assert!(matches!(
            b.add_arc(a, VertexId(9), 1.0),
            Err(GraphError::NoSuchVertex { missing: 9, .. })
        ));
        assert!(matches!(
            b.add_request("a"),
            Err(GraphError::DuplicateVertex(_))
        ));
        b.add_arc(o, a, 1.0).unwrap();
        b.add_arc(o, a, 2.0).unwrap();
        assert!(matches!(b.build(), Err(GraphError::ConflictingArc { .. })));
    }
}
