//! Black-box tests of the server: the real server on 127.0.0.1:0 with a fresh
//! database, spoken to over HTTP, on SQLite and on PostgreSQL.

mod helpers;

mod authorization;
mod basics;
mod binding;
mod cloud;
mod concurrency;
mod crash;
mod delivery;
mod development;
mod enterprise_verification;
mod events;
mod fuzz;
mod invoices;
mod layers;
mod metrics;
mod openapi;
mod orders;
mod payments;
mod production;
mod promise;
mod quota;
mod quota_history;
mod refunds;
mod renewals;
mod robustness;
mod sales;
mod security;
mod verification;
mod wechat;
