//! All of `rex-tlog`'s integration tests, one binary: each file of this directory is a module
//! (one link and one copy of the shared dependencies' generics instead of one per file).

mod audit_helpers;
mod notes;
mod proofs;
mod tiles;
mod vectors;
