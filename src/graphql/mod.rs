//! The GraphQL language as graphql-core 3.2 speaks it: the lossless syntax tree, the parser,
//! validation's rules, input coercion, and the error values and message helpers they share.
//! Everything here is defined against a `Schema`, never against a database.

pub mod ast;
pub mod error;
pub mod input;
pub mod parse;
pub mod pyrepr;
pub mod suggest;
pub mod validate;
