//! All of `rex-domain`'s integration tests, one binary: each file of this directory is a module
//! (one link and one copy of the shared dependencies' generics instead of one per file).

mod competing;
mod credit;
mod deadlines;
mod dossier;
mod ledger;
mod matching;
mod messages;
mod officers;
mod precheck;
mod rejections;
mod release;
mod screening;
mod speciality;
mod story;
mod wire;
mod witness;
mod world;
