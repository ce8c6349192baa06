fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    // Minimal `serve` dispatch (task B1) until the clap CLI (task A) takes over.
    if args.first().map(String::as_str) == Some("serve") {
        return opik_tui::server::serve_main(&args[1..]);
    }
    println!("opik-tui: under construction");
    std::process::ExitCode::SUCCESS
}
