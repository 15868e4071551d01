//! Rebuild when the embedded themes or runtime change (include_dir does not tell cargo).
fn main() {
    println!("cargo:rerun-if-changed=../themes");
    println!("cargo:rerun-if-changed=runtime");
}
