//! Stand-alone entry point to the classifier's `train` and `eval` until (and besides)
//! the `raqib train` / `raqib eval` subcommands: same Args structs, same `run`.
//!
//! `cargo run --release --features train --example clf -- train --out models/raqib-v1.bin`
//! `cargo run --release --features train --example clf -- eval --model models/raqib-v1.bin`

use clap::{Parser, Subcommand};
use raqib::moderation::{eval, train};

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    Train(Box<train::TrainArgs>),
    Eval(eval::EvalArgs),
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().cmd {
        Cmd::Train(a) => train::run(&a),
        Cmd::Eval(a) => eval::run(&a),
    }
}
