//! `marketplace`: runs the service, its demo, and the operators' commands.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use marketplace::app::{self, AppState};
use marketplace::files::Files;
use marketplace::model::{OrgKind, Role};
use marketplace::ops;
use marketplace::settings::Settings;
use marketplace::store::Store;

/// The NHS learning portal's marketplace service.
#[derive(Parser)]
#[command(version)]
struct Cli {
    /// A TOML settings file (then MARKETPLACE_* environment variables override it).
    #[arg(long, global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the service.
    Serve,
    /// Run the service on a fresh data folder filled with demo organisations and people,
    /// and print the address and the sign-ins.
    Demo {
        /// The data folder (default: a new one in the system's temporary folder). It must
        /// be empty or not exist.
        #[arg(long)]
        data: Option<PathBuf>,
        /// The port (default 8080; 0 lets the system choose).
        #[arg(long, default_value_t = 8080)]
        port: u16,
    },
    /// Organisations.
    #[command(subcommand)]
    Org(OrgCommand),
    /// People's accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Memberships and roles.
    #[command(subcommand)]
    Member(MemberCommand),
    /// API tokens for scripts and HR systems.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Staff lists from HR.
    #[command(subcommand)]
    Staff(StaffCommand),
    /// Build one Markdown course into a package, under limits, and report as JSON: what
    /// the service's course builders run, one process per build.
    #[command(hide = true)]
    BuildCourse {
        #[arg(long)]
        course: PathBuf,
        /// The folder to write the package into.
        #[arg(long)]
        out: PathBuf,
        /// scorm2004 or scorm12.
        #[arg(long)]
        format: String,
        #[arg(long)]
        memory_mib: u64,
        #[arg(long)]
        cpu_secs: u64,
    },
}

#[derive(Subcommand)]
enum StaffCommand {
    /// Import a staff CSV into an organisation (see the import page for the columns).
    Import {
        #[arg(long)]
        org: String,
        /// The CSV file.
        file: PathBuf,
        /// Say what would change, and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
enum OrgCommand {
    /// Create an organisation and its sub-site.
    Create {
        /// Its address: /o/SLUG/.
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name: String,
        /// trust, icb, nhs-body, vendor or platform.
        #[arg(long)]
        kind: OrgKind,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create an account.
    Create {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// Read the password from standard input (otherwise the account has none until
        /// one is set by a reset).
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Subcommand)]
enum MemberCommand {
    /// Add a person to an organisation with one or more roles.
    Add {
        #[arg(long)]
        org: String,
        #[arg(long)]
        user: String,
        /// platform-admin, org-admin, training-manager, coach, learner or vendor-publisher.
        #[arg(long = "role", required = true)]
        roles: Vec<Role>,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Issue an API token for a member of an organisation, and print it (once).
    Create {
        #[arg(long)]
        org: String,
        #[arg(long)]
        user: String,
        #[arg(long = "scope", required = true)]
        scopes: Vec<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Logs go to standard error: text, or one JSON object a line with
    // MARKETPLACE_LOG_FORMAT=json (for a log collector).
    let filter = tracing_subscriber::EnvFilter::try_from_env("MARKETPLACE_LOG")
        .unwrap_or_else(|_| "info,sqlx=warn".into());
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if std::env::var("MARKETPLACE_LOG_FORMAT").is_ok_and(|f| f == "json") {
        logs.json()
            .with_current_span(true)
            .with_span_list(false)
            .init();
    } else {
        logs.with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
            .init();
    }
    if let Command::BuildCourse {
        course,
        out,
        format,
        memory_mib,
        cpu_secs,
    } = &cli.command
    {
        let Some(format) = marketplace::content::builds::format_named(format) else {
            eprintln!("error: unknown format {format}: scorm2004 or scorm12");
            return ExitCode::from(2);
        };
        return marketplace::content::builds::child(&marketplace::content::builds::ChildArgs {
            course: course.clone(),
            out: out.clone(),
            format,
            memory_mib: *memory_mib,
            cpu_secs: *cpu_secs,
        });
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let mut settings = Settings::load(cli.config.as_deref(), std::env::vars())?;
    if let Command::Demo { data, port } = cli.command {
        let dir = data.unwrap_or_else(|| {
            std::env::temp_dir().join(format!(
                "marketplace-demo-{}-{}",
                std::process::id(),
                marketplace::store::now()
            ))
        });
        if dir.exists() && std::fs::read_dir(&dir)?.next().is_some() {
            anyhow::bail!(
                "{} is not empty: the demo starts on a fresh folder",
                dir.display()
            );
        }
        settings.data_dir = dir;
        settings.database_url = Default::default();
        settings.port = port;
        // The content origin on the next port (or one the system chooses, as the portal's).
        settings.content_port = if port == 0 { 0 } else { port.saturating_add(1) };
        // The demo runs on plain HTTP on this computer, where Secure cookies would not
        // be sent back.
        settings.secure_cookies = false;
        return demo(settings).await;
    }
    let store = Store::connect(&settings.database())
        .await
        .context("cannot open the database")?;
    let done = match cli.command {
        Command::Serve => return serve(store, settings).await,
        Command::Demo { .. } | Command::BuildCourse { .. } => unreachable!("handled above"),
        Command::Org(OrgCommand::Create { slug, name, kind }) => {
            let org = ops::create_org(&store, &slug, &name, kind).await?;
            println!("created {} at /o/{}/", org.name, org.slug);
            Ok(())
        }
        Command::User(UserCommand::Create {
            email,
            name,
            password_stdin,
        }) => {
            let password = if password_stdin {
                let mut p = String::new();
                std::io::stdin().read_to_string(&mut p)?;
                Some(p.trim_end_matches(['\r', '\n']).to_string())
            } else {
                None
            };
            let user =
                ops::create_user(&store, &settings, &email, &name, password.as_deref()).await?;
            println!("created the account {}", user.email);
            Ok(())
        }
        Command::Member(MemberCommand::Add { org, user, roles }) => {
            let added = ops::add_member(&store, &org, &user, &roles).await?;
            if added.is_empty() {
                println!("{user} already had those roles in {org}");
            } else {
                let names: Vec<&str> = added.iter().map(|r| r.as_str()).collect();
                println!("{user} is now {} in {org}", names.join(", "));
            }
            Ok(())
        }
        Command::Staff(StaffCommand::Import { org, file, dry_run }) => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let organisation = store
                .org_by_slug(&org)
                .await?
                .ok_or_else(|| ops::OpsError::NoOrg(org.clone()))?;
            let base = if settings.public_url.is_empty() {
                "http://localhost:8080".to_string()
            } else {
                settings.public_url.trim_end_matches('/').to_string()
            };
            let report = marketplace::orgs::staff::import(
                &store,
                &organisation,
                &bytes,
                !dry_run,
                None,
                Some(&base),
            )
            .await?;
            for r in &report.rows {
                println!(
                    "line {:>5}  {:<40} {:<10} {}",
                    r.line,
                    r.email,
                    serde_json::to_value(&r.outcome)?.as_str().unwrap_or(""),
                    r.detail
                );
            }
            println!(
                "{}{} created, {} joined, {} updated, {} unchanged, {} rows with problems",
                if dry_run {
                    "dry run, nothing changed: "
                } else {
                    ""
                },
                report.created,
                report.joined,
                report.updated,
                report.unchanged,
                report.errors
            );
            store.close().await;
            return Ok(if report.errors > 0 {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            });
        }
        Command::Token(TokenCommand::Create { org, user, scopes }) => {
            let token = ops::create_token(&store, &org, &user, &scopes).await?;
            println!("{token}");
            eprintln!("Keep this token secret: it is shown only once.");
            Ok(())
        }
    };
    store.close().await;
    done.map(|()| ExitCode::SUCCESS)
        .map_err(|e: ops::OpsError| e.into())
}

async fn serve(store: Store, mut settings: Settings) -> anyhow::Result<ExitCode> {
    let (listener, content) = bind(&mut settings, "Choose another with MARKETPLACE_PORT").await?;
    let bound = listener.local_addr()?;
    tracing::info!(address = %bound, content = %settings.content_base(), database = store.backend(), "serving");
    println!("Serving on http://{bound}/");
    println!("Content origin: {}/", settings.content_base());
    if settings.content_url.is_empty() && !settings.public_url.is_empty() {
        tracing::warn!(
            "content_url is not set: previews and the player will send browsers to {}, which only works on this computer; give the content origin a host name of its own",
            settings.content_base()
        );
    }
    serve_until_stopped(listener, content, store, settings).await
}

/// Listens for the portal and for the content origin where the settings say. A port of
/// 0 becomes the one the system chose, and an unset content address becomes
/// `http://localhost:<its port>`: another host than the portal's `127.0.0.1`, so the
/// browser keeps the portal's cookies from it.
async fn bind(
    settings: &mut Settings,
    hint: &str,
) -> anyhow::Result<(tokio::net::TcpListener, tokio::net::TcpListener)> {
    let listen = |port: u16| {
        let addr = std::net::SocketAddr::new(settings.host, port);
        async move {
            tokio::net::TcpListener::bind(addr).await.with_context(|| {
                format!("cannot listen on {addr}: is another program using port {port}? {hint}")
            })
        }
    };
    let portal = listen(settings.port).await?;
    let content = listen(settings.content_port).await?;
    settings.port = portal.local_addr()?.port();
    settings.content_port = content.local_addr()?.port();
    Ok((portal, content))
}

async fn demo(mut settings: Settings) -> anyhow::Result<ExitCode> {
    let started = std::time::Instant::now();
    let (listener, content) = bind(&mut settings, "Try --port 0").await?;
    let store = Store::connect(&settings.database())
        .await
        .context("cannot create the demo database")?;
    let people = ops::demo_data(&store, &settings).await?;
    let state = AppState::new(store, Files::open(&settings)?, settings);
    // The conformance kit's third-party packages, when it sits beside the workspace.
    let golf = std::path::Path::new("../shared/conformance/packages/golf");
    let golf = golf.is_dir().then_some(golf);
    let catalogue = marketplace::demo::content(
        &state,
        "clearpath-learning",
        "publisher@clearpath.example",
        golf,
    )
    .await
    .context("cannot load the demo's catalogue")?;
    // The workspace's sample courses, built from their Markdown sources.
    let samples = std::path::Path::new("sample-courses");
    let built = if samples.is_dir() {
        marketplace::demo::sample_courses(
            &state,
            "northshire-teaching",
            "training@northshire.example",
            samples,
        )
        .await
        .context("cannot build the sample courses")?
    } else {
        Vec::new()
    };
    // Learners with progress: not started, half-way, passed and failed.
    let enrolled =
        marketplace::demo::learners(&state, "northshire-teaching", "training@northshire.example")
            .await
            .context("cannot enrol the demo's learners")?;
    let settings = &state.settings;
    let bound = listener.local_addr()?;
    println!("The NHS learning portal demo is running at http://{bound}/");
    println!(
        "Content origin (the player and previews): {}/",
        settings.content_base()
    );
    println!("Data folder: {}", settings.data_dir.display());
    println!(
        "Catalogue: {} courses from ClearPath Learning{}",
        catalogue.created,
        if golf.is_some() {
            ", with the conformance kit's golf packages"
        } else {
            ""
        }
    );
    if !built.is_empty() {
        println!("Built from Markdown for Northshire: {}", built.join("; "));
    }
    if enrolled > 0 {
        println!("Enrolments at Northshire, some with progress: {enrolled}");
    }
    println!("Ready in {} ms. Sign in as:", started.elapsed().as_millis());
    for p in &people {
        println!("  {:<32} password: {:<24} ({})", p.email, p.password, p.who);
    }
    println!("Press Ctrl+C to stop.");
    app::serve(listener, Some(content), state, shutdown_signal()).await?;
    Ok(ExitCode::SUCCESS)
}

/// Serves on `listener` until Ctrl+C or SIGTERM, with the file storage the settings name.
async fn serve_until_stopped(
    listener: tokio::net::TcpListener,
    content: tokio::net::TcpListener,
    store: Store,
    settings: Settings,
) -> anyhow::Result<ExitCode> {
    let files = Files::open(&settings)?;
    app::serve(
        listener,
        Some(content),
        AppState::new(store, files, settings),
        shutdown_signal(),
    )
    .await?;
    Ok(ExitCode::SUCCESS)
}

/// Ctrl+C, or SIGTERM (how containers and systemd stop a service).
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
