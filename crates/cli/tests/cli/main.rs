//! The `latchkey` binary against a real `latchkeyd` and `latchkey-nodes`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod config_dir;
mod harness;
mod journey;
mod lifecycle;
mod profile;
mod prompts;
mod scripts;
