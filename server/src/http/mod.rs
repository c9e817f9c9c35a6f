//! The HTTP floor: the state every handler shares, our extractors, the
//! middleware (request ids, the API's error shape), the OpenAPI document
//! and the router that merges the route modules.

pub mod extract;
pub mod middleware;
pub mod openapi;
pub mod router;
pub mod security;
pub mod state;
pub mod views;
