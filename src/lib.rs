//! terraform-provider-oms library crate.

pub mod oms;
