//! `course`: write, check, preview and build Markdown courses.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use authoring::site::{self, BuildError, BuildOptions};
use authoring::{Diagnostics, scaffold, serve};

/// Turn Markdown course sources into accessible web courses.
#[derive(Parser, Debug)]
#[command(name = "course", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Create a new course folder with a working example.
    New {
        /// Folder to create.
        dir: PathBuf,
        /// Title of the course.
        #[arg(long)]
        title: Option<String>,
    },
    /// Build the web course.
    Build {
        /// The course folder (default: the current folder).
        dir: Option<PathBuf>,
        /// Output folder (default: DIR/_site).
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
    /// Report every problem in the course without building it.
    Check {
        /// The course folder (default: the current folder).
        dir: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
    /// Build the course and write SCORM 1.2, SCORM 2004 or web packages (zips).
    Package {
        /// The course folder (default: the current folder).
        dir: Option<PathBuf>,
        /// Which packages to write.
        #[arg(long, value_enum, default_value = "all")]
        format: PackageFormat,
        /// Folder for the zips (default: DIR/_packages).
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
    },
    /// Read any SCORM package and report what it holds and what is wrong with it.
    Inspect {
        /// The package (.zip) or an unpacked package folder.
        package: PathBuf,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Preview the course in a browser; pages reload when a source file is saved.
    Serve {
        /// The course folder (default: the current folder).
        dir: Option<PathBuf>,
        /// Port to listen on (0 picks a free one).
        #[arg(short, long, default_value_t = 3000)]
        port: u16,
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(clap::ValueEnum, Debug, Clone, Copy)]
pub enum PackageFormat {
    Scorm12,
    Scorm2004,
    Web,
    All,
}

impl PackageFormat {
    fn formats(self) -> Vec<packager::Format> {
        match self {
            PackageFormat::Scorm12 => vec![packager::Format::Scorm12],
            PackageFormat::Scorm2004 => vec![packager::Format::Scorm2004],
            PackageFormat::Web => vec![packager::Format::Web],
            PackageFormat::All => packager::Format::ALL.to_vec(),
        }
    }
}

#[derive(clap::Args, Debug, Clone)]
pub struct Common {
    /// Treat warnings as errors.
    #[arg(long)]
    pub deny_warnings: bool,
    /// Set a variable, overriding course.toml: --set trust_name="Leeds Teaching Hospitals".
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_var)]
    pub vars: Vec<(String, String)>,
}

fn parse_var(s: &str) -> Result<(String, String), String> {
    let (k, v) = s.split_once('=').ok_or("expected NAME=VALUE")?;
    Ok((k.trim().to_string(), v.to_string()))
}

impl Common {
    fn options(&self) -> BuildOptions {
        BuildOptions {
            variables: self.vars.iter().cloned().collect::<BTreeMap<_, _>>(),
            today: None,
            deny_warnings: self.deny_warnings,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("COURSE_LOG")
                .unwrap_or_else(|_| "warn".into()),
        )
        .with_target(false)
        .init();
    match run(cli) {
        Ok(code) => code,
        Err(e) if e.is::<UsageError>() => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

/// The course folder a command works on. A folder that does not exist is a usage
/// error (exit 2) naming it, not a missing `course.toml`.
fn course_dir(dir: Option<PathBuf>) -> Result<PathBuf, UsageError> {
    let dir = dir.unwrap_or_else(|| PathBuf::from("."));
    if dir.is_dir() {
        Ok(dir)
    } else if dir.exists() {
        Err(UsageError(format!(
            "{} is a file, not a course folder (a folder holding course.toml)",
            dir.display()
        )))
    } else {
        Err(UsageError(format!(
            "there is no folder {}; `course new {}` creates a course there",
            dir.display(),
            dir.display()
        )))
    }
}

/// A mistake in how `course` was called: printed, then exit 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct UsageError(String);

/// Prints diagnostics and says whether they stop the run.
fn report(mut diags: Diagnostics, dir: &std::path::Path, deny_warnings: bool) -> bool {
    if deny_warnings {
        diags.deny_warnings();
    }
    if !diags.is_empty() {
        eprint!("{}", diags.render(dir));
    }
    diags.has_errors()
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::New { dir, title } => {
            scaffold::create(&dir, title.as_deref())
                .with_context(|| format!("cannot create a course in {}", dir.display()))?;
            println!("Created a course in {}", dir.display());
            println!("Next: course serve {}", dir.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Check { dir, common } => {
            let dir = course_dir(dir)?;
            let diags = site::check(&dir, &common.options());
            let clean = diags.is_empty();
            if report(diags, &dir, common.deny_warnings) {
                return Ok(ExitCode::from(1));
            }
            if clean {
                println!("No problems found.");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Build {
            dir,
            output,
            common,
        } => {
            let dir = course_dir(dir)?;
            let out = output.unwrap_or_else(|| site::default_out_dir(&dir));
            let opts = common.options();
            match site::build(&dir, &out, &opts) {
                Ok(r) => {
                    report(r.diagnostics, &dir, false);
                    println!(
                        "Built {} pages ({} files) into {}",
                        r.pages,
                        r.files,
                        r.out_dir.display()
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(BuildError::Invalid(diags)) => {
                    let silent = !diags.has_errors();
                    report(diags, &dir, false);
                    if silent {
                        eprintln!(
                            "error: the build stopped without a diagnostic (please report this)"
                        );
                    }
                    Ok(ExitCode::from(1))
                }
                Err(e) => Err(e.into()),
            }
        }
        Command::Package {
            dir,
            format,
            output,
            common,
        } => {
            use authoring::packaging::{self, PackagingError};
            let dir = course_dir(dir)?;
            let out = output.unwrap_or_else(|| dir.join("_packages"));
            let opts = common.options();
            match packaging::package(&dir, &out, &format.formats(), &opts) {
                Ok(done) => {
                    report(done.diagnostics, &dir, false);
                    for p in done.written {
                        println!(
                            "{}  {}  {} KB  sha256 {}",
                            p.format.name(),
                            p.path.display(),
                            p.size.div_ceil(1024),
                            p.sha256
                        );
                    }
                    // What was asked for and could not be made fails the run, after
                    // the packages that could be made are written.
                    for e in &done.refused {
                        eprintln!("error: {e}");
                    }
                    Ok(if done.refused.is_empty() {
                        ExitCode::SUCCESS
                    } else {
                        ExitCode::from(1)
                    })
                }
                Err(PackagingError::Build(BuildError::Invalid(diags))) => {
                    let silent = !diags.has_errors();
                    report(diags, &dir, false);
                    if silent {
                        eprintln!(
                            "error: packaging stopped without a diagnostic (please report this)"
                        );
                    }
                    Ok(ExitCode::from(1))
                }
                Err(PackagingError::Package(e)) => {
                    eprintln!("error: {e}");
                    Ok(ExitCode::from(1))
                }
                Err(e) => Err(e.into()),
            }
        }
        Command::Inspect { package, json } => Ok(inspect(&package, json)),
        Command::Serve {
            dir,
            port,
            host,
            common,
        } => {
            let dir = course_dir(dir)?;
            let rt = tokio::runtime::Runtime::new().context("cannot start the preview server")?;
            rt.block_on(serve::run(serve::ServeOptions {
                course_dir: dir,
                host,
                port,
                build: common.options(),
            }))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `course inspect`: exit 0 for a package that can be used, 1 for a refused package or
/// one with errors.
fn inspect(path: &std::path::Path, json: bool) -> ExitCode {
    use packager::inspect::{self, Limits};
    let result = if path.is_dir() {
        inspect::inspect_dir(path)
    } else {
        match std::fs::File::open(path) {
            Ok(f) => inspect::inspect_zip(std::io::BufReader::new(f), &Limits::default()),
            Err(e) => {
                // A file that cannot be opened is a usage error, said in the format asked for.
                let message = format!("cannot open {}: {e}", path.display());
                if json {
                    println!("{}", serde_json::json!({ "error": message }));
                } else {
                    eprintln!("error: {message}");
                }
                return ExitCode::from(2);
            }
        }
    };
    match result {
        Ok(report) => {
            let errors = report.errors().count();
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report).unwrap_or_default()
                );
            } else {
                print!("{report}");
            }
            if errors > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(refusal) => {
            if json {
                println!("{}", serde_json::json!({ "refused": refusal }));
            } else {
                eprintln!("{refusal}");
            }
            ExitCode::from(1)
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cli_is_well_formed() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
