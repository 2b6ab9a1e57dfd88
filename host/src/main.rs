//! The `lanner` command. All behaviour lives in the library; this only runs it.

fn main() -> std::process::ExitCode {
    lanner::cli::main()
}
