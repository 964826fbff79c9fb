fn main() {
    std::process::exit(proclab::cli::main());
}
