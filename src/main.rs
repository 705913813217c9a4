//! The `raqib` binary: everything lives in the library; see `raqib::cli`.

// glibc's allocator spent about a tenth of a loaded server's CPU in malloc/free and
// arena consolidation (perf, `scripts/bench-load`); mimalloc's thread-local free
// lists suit many short-lived per-request allocations.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    match raqib::cli::main() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("raqib: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
