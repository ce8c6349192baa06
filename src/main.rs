fn main() {
    println!("opik-tui: under construction");
}
