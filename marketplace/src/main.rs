//! The marketplace web service. Not built yet: it is tracked as its own issue, after
//! the course format and the packager that it depends on.

fn main() {
    eprintln!("marketplace: the service is not built yet; see the project's open issues");
    std::process::exit(2);
}
