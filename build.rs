// refinery and include_dir embed these folders at compile time; cargo does not notice a new file
// in them unless told to watch the folders.
fn main() {
    for dir in ["migrations", "queries", "seed"] {
        println!("cargo:rerun-if-changed={dir}");
    }
}
