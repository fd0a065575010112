//! Placeholder, replaced by the README example.
fn main() {}
