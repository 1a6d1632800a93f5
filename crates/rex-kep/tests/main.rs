//! All of `rex-kep`'s integration tests, one binary: each file of this directory is a module
//! (one link and one copy of the shared dependencies' generics instead of one per file).

mod common;
mod generate;
mod kep_solver_optima;
mod read;
