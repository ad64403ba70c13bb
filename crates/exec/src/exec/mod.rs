//! Execution: a validated document becomes a plan, the plan is run level by level against
//! the database, and the answer is a response value. Relay's rules (`relay`), filters
//! (`filter`) and introspection (`introspect`) are the parts execution calls on.

pub mod answers;
pub mod connection;
pub mod execute;
pub mod filter;
pub mod introspect;
pub mod keys;
pub mod keyset;
pub mod object;
pub mod page;
pub mod plan;
pub mod relay;
