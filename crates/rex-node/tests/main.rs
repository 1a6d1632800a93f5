//! All of `rex-node`'s integration tests, one binary: each file of this directory is a module
//! (one link and one copy of the shared dependencies' generics instead of one per file).

mod concurrent;
mod credit;
mod deadlines;
mod evidence;
mod hub;
mod messages;
mod officers;
mod pinned;
mod screening;
mod witness;
