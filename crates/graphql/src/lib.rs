//! The GraphQL language as graphql-core 3.2 speaks it, with nothing of a schema or a
//! database: the lossless syntax tree and its parser, errors as values, the response's
//! JSON values, "Did you mean" suggestions, and the Python text forms (`repr`, `int()`)
//! the original's messages are made of. Validation and coercion, which need a schema, are
//! the server crate's.

pub mod ast;
pub mod error;
pub mod json;
mod lex;
pub mod parse;
pub mod pyrepr;
pub mod suggest;
