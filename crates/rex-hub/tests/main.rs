//! All of `rex-hub`'s integration tests, one binary: each file of this directory is a module
//! (one link and one copy of the shared dependencies' generics instead of one per file).

mod api;
mod connections;
mod data_dir;
mod dossiers;
mod http;
mod openapi;
mod operator;
mod rounds;
