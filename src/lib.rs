//! terraform-provider-oms library crate.
