//! The `raqib` binary: everything lives in the library; see `raqib::cli`.

fn main() -> std::process::ExitCode {
    match raqib::cli::main() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("raqib: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
