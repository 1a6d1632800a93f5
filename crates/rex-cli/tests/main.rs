//! All of `rex-cli`'s integration tests, one binary: each file of this directory is a module
//! (one link and one copy of the shared dependencies' generics instead of one per file).

mod attachments;
mod audit;
mod common;
mod competing;
mod crash;
mod credit;
mod deadlines;
mod demo;
mod desk;
mod errors;
mod law;
mod matching;
mod messages;
mod officers;
mod witness;
