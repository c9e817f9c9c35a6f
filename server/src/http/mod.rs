//! The HTTP floor: the state every handler shares, our extractors, the
//! middleware (request ids, the API's error shape, request counts), the
//! OpenAPI document, the router that merges the route modules, and the
//! metrics listener's router.

pub mod extract;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod router;
pub mod security;
pub mod state;
pub mod views;
