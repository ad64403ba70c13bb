//! The GraphQL language as graphql-core 3.2 speaks it: the lossless syntax tree, the parser,
//! validation's rules, input coercion, and the error values and message helpers they share.
//! Everything here is defined against a `Schema`, never against a database.

pub mod input;
pub mod validate;

pub use relaylite_graphql::{ast, error, parse, pyrepr, suggest};
