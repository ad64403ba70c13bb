//! The executor: the schema derived from a model (`schema`), validation and input coercion
//! against it (`graphql`), the resource limits (`limits`), and execution (`exec`): a
//! validated document planned, then answered with one statement per level.
//!
//! A crate above the database and below the server: it reads through `db::Db` whichever
//! database answers, and knows nothing of HTTP, threads or the process. The lower crates
//! appear under the paths its code reads them by.

pub mod access;
pub mod exec;
pub mod graphql;
pub mod limits;
pub mod schema;

pub use relaylite_db as db;
pub use relaylite_graphql::json;
pub use relaylite_model as model;
pub use relaylite_model::datetime;
