//! `meridian`: the thin binary. All behaviour lives in the `server` library.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    server::tune_allocator();
    let cli = server::cli::Cli::parse();
    server::cli::run(cli)
}
