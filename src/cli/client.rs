//! `sonet client`: an MLS client driven by hand through the service, its state in a client
//! directory (`mls.sqlite` for the MLS client, `client.json` for the mailbox cursor and the
//! cipher suite).

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use sonet::mls::{self, CipherSuite};
use sonet::service::client::{Member, Received};
use sonet::service::proto::{KeyPackageStatusRequest, MessageKind};
use tonic::Code;

use super::{parse_suite, runtime, Args, CliError, CliResult, Endpoint};

const COMMAND: &str = "sonet client";
const STATE_FILE: &str = "client.json";
const MLS_FILE: &str = "mls.sqlite";
const CLIENTS_DIR: &str = "sonet-client";

pub const HELP: &str = "\
sonet client — try the Sonet service by hand: an MLS client whose state lives in a client
directory, acting through the service (register, key packages, groups, messages, mailbox)

USAGE:
    sonet client <SUBCOMMAND> [FLAGS] [ARGS]
    sonet client <SUBCOMMAND> --help

SUBCOMMANDS:
    init --identity NAME [--key-packages N]
                       create the MLS client, register the identity with the service and
                       publish N key packages (default 10) plus a last-resort one
    publish [--count N] [--last-resort]
                       publish N more key packages (default 10), optionally a new last-resort
                       one, and show how many the service holds
    create-group GROUP create a group (its id is the UTF-8 bytes of GROUP) with you as its only
                       member
    invite GROUP IDENTITY...
                       add members (one key package of each is fetched) in one commit; they
                       join when they `receive` the Welcome
    remove GROUP IDENTITY...
                       remove members in one commit
    update GROUP       a self-update commit (fresh leaf key material)
    send GROUP TEXT... send an application message (the words of TEXT joined by spaces)
    receive [--follow] [--timeout SECS]
                       process the mailbox from the saved cursor: join groups from Welcomes,
                       apply commits, print messages as `[group] sender: text`; the cursor is
                       saved after each message. Stops after SECS (default 2) without a
                       message, or runs until Ctrl-C with --follow
    groups             list the local groups with their epoch and members (offline)

COMMON FLAGS:
    --identity NAME    the client's identity (the client directory defaults to
                       ./sonet-client/NAME). Without --identity and --home, the only client
                       under ./sonet-client is used.
    --home DIR         the client directory (default ./sonet-client/<identity>)
    --server URL       the service (default http://127.0.0.1:50051; https://127.0.0.1:50051
                       when --ca is given)
    --ca PEM           TLS: the CA certificate that issued the server's certificate (the URL
                       must then be https://…)
    --domain NAME      TLS: the name the server certificate must carry (default: the URL's host)
    --cert PEM --key PEM
                       mutual TLS: the client certificate (its subject CN must be the identity)
                       and its private key
    --suite NAME       the MLS cipher suite, chosen at init and kept in the client directory
                       (default MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519)
    -h, --help         help

Every call is signed with the identity's MLS credential key (and, with --cert, also carries
the client certificate). A commit refused as ABORTED or FAILED_PRECONDITION means the group moved
on: run `sonet client receive` to catch up, then retry.

EXIT STATUS:
    0 success; 1 the service or the MLS layer refused (the message shows the gRPC status code
    and message); 2 bad arguments.

EXAMPLE (three terminals' worth, against `sonet serve`):
    sonet client init --identity alice
    sonet client init --identity bob
    sonet client init --identity carol
    sonet client create-group team --identity alice
    sonet client invite team bob carol --identity alice
    sonet client receive --identity bob           # [team] joined at epoch 1
    sonet client send team hello from bob --identity bob
    sonet client receive --identity alice         # [team] bob: hello from bob
    sonet client remove team carol --identity alice
    sonet client groups --identity alice";

const COMMON_OPTIONS: [&str; 8] = [
    "--identity",
    "--home",
    "--server",
    "--ca",
    "--domain",
    "--cert",
    "--key",
    "--suite",
];

struct Subcommand {
    name: &'static str,
    usage: &'static str,
    about: &'static str,
    options: &'static [&'static str],
    switches: &'static [&'static str],
    /// The subcommand's own flags, one per line (empty when none).
    flags: &'static str,
    example: &'static str,
}

const SUBCOMMANDS: &[Subcommand] = &[
    Subcommand {
        name: "init",
        usage: "sonet client init --identity NAME [--key-packages N] [COMMON FLAGS]",
        about: "Creates the MLS client (client directory ./sonet-client/NAME unless --home), \
                registers NAME with the service and publishes key packages. Running it again \
                re-registers (idempotent) and publishes more.",
        options: &["--key-packages"],
        switches: &[],
        flags: "    --key-packages N   how many one-time key packages to publish (default 10, 0 to 1000);
                       a last-resort one is always added",
        example: "sonet client init --identity alice",
    },
    Subcommand {
        name: "publish",
        usage: "sonet client publish [--count N] [--last-resort] [COMMON FLAGS]",
        about: "Publishes more key packages and shows how many the service holds.",
        options: &["--count"],
        switches: &["--last-resort"],
        flags: "    --count N          how many one-time key packages (default 10, 0 to 1000)
    --last-resort      also publish a new last-resort key package",
        example: "sonet client publish --count 20 --identity bob",
    },
    Subcommand {
        name: "create-group",
        usage: "sonet client create-group GROUP [COMMON FLAGS]",
        about: "Creates GROUP (group id = the UTF-8 bytes of GROUP) on the service and locally, \
                with you as its only member at epoch 0.",
        options: &[],
        switches: &[],
        flags: "",
        example: "sonet client create-group team --identity alice",
    },
    Subcommand {
        name: "invite",
        usage: "sonet client invite GROUP IDENTITY... [COMMON FLAGS]",
        about: "Adds the identities to GROUP in one commit (a key package of each is fetched \
                from the service). They join when they receive the Welcome.",
        options: &[],
        switches: &[],
        flags: "",
        example: "sonet client invite team bob carol --identity alice",
    },
    Subcommand {
        name: "remove",
        usage: "sonet client remove GROUP IDENTITY... [COMMON FLAGS]",
        about: "Removes the identities from GROUP in one commit.",
        options: &[],
        switches: &[],
        flags: "",
        example: "sonet client remove team carol --identity alice",
    },
    Subcommand {
        name: "update",
        usage: "sonet client update GROUP [COMMON FLAGS]",
        about: "Commits a self-update in GROUP (fresh leaf key material, new epoch).",
        options: &[],
        switches: &[],
        flags: "",
        example: "sonet client update team --identity bob",
    },
    Subcommand {
        name: "send",
        usage: "sonet client send GROUP TEXT... [COMMON FLAGS]",
        about: "Encrypts TEXT (the remaining words joined by spaces; put `--` before text that \
                starts with `-`) for GROUP and sends it.",
        options: &[],
        switches: &[],
        flags: "",
        example: "sonet client send team 'hello, team' --identity alice",
    },
    Subcommand {
        name: "receive",
        usage: "sonet client receive [--follow] [--timeout SECS] [COMMON FLAGS]",
        about: "Subscribes to the mailbox after the saved cursor and processes each message in \
                order: Welcomes join groups, commits advance epochs, application messages are \
                printed as `[group] sender: text`. The cursor is saved after every message, so \
                nothing is processed twice.",
        options: &["--timeout"],
        switches: &["--follow"],
        flags: "    --timeout SECS     stop after SECS without a message (default 2, 1 to 86400)
    --follow           keep running until Ctrl-C",
        example: "sonet client receive --identity bob --follow",
    },
    Subcommand {
        name: "groups",
        usage: "sonet client groups [--identity NAME | --home DIR]",
        about: "Lists the groups stored in the client directory with their epoch, cipher suite \
                and members. Does not contact the service.",
        options: &[],
        switches: &[],
        flags: "",
        example: "sonet client groups --identity alice",
    },
];

/// `client.json`.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct State {
    identity: String,
    cipher_suite: String,
    /// The last mailbox sequence processed.
    cursor: u64,
}

pub fn run(raw: &[String]) -> CliResult<()> {
    let Some(name) = raw.first().map(String::as_str) else {
        println!("{HELP}");
        return Ok(());
    };
    if matches!(name, "-h" | "--help" | "help") {
        println!("{HELP}");
        return Ok(());
    }
    let Some(sub) = SUBCOMMANDS.iter().find(|s| s.name == name) else {
        return Err(CliError::usage(
            COMMAND,
            format!(
                "unknown subcommand {name:?}; one of: {}",
                SUBCOMMANDS
                    .iter()
                    .map(|s| s.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    };
    let command = format!("{COMMAND} {}", sub.name);
    let options: Vec<&'static str> = COMMON_OPTIONS.iter().chain(sub.options).copied().collect();
    let args = Args::parse(&command, &raw[1..], &options, sub.switches)?;
    if args.help() {
        let mut help = format!("USAGE:\n    {}\n\n{}\n", sub.usage, wrap(sub.about));
        if !sub.flags.is_empty() {
            help.push_str(&format!("\nFLAGS:\n{}\n", sub.flags));
        }
        help.push_str(&format!(
            "\nCOMMON FLAGS:\n    {} (see `sonet client --help`)\n\nEXAMPLE:\n    {}",
            COMMON_OPTIONS.join(", "),
            sub.example
        ));
        println!("{help}");
        return Ok(());
    }
    let runtime = runtime()?;
    match sub.name {
        "init" => runtime.block_on(init(&args)),
        "publish" => runtime.block_on(publish(&args)),
        "create-group" => runtime.block_on(create_group(&args)),
        "invite" => runtime.block_on(change_members(&args, true)),
        "remove" => runtime.block_on(change_members(&args, false)),
        "update" => runtime.block_on(update(&args)),
        "send" => runtime.block_on(send(&args)),
        "receive" => runtime.block_on(receive(&args)),
        "groups" => groups(&args),
        _ => unreachable!("every subcommand is dispatched"),
    }
}

fn wrap(text: &str) -> String {
    let mut out = String::new();
    let mut line = 0;
    for word in text.split_whitespace() {
        if line > 0 && line + 1 + word.len() > 92 {
            out.push('\n');
            line = 0;
        } else if line > 0 {
            out.push(' ');
            line += 1;
        }
        out.push_str(word);
        line += word.len();
    }
    out
}

/// A group id for display: its text when it is printable UTF-8, else hex.
pub fn group_name(id: &[u8]) -> String {
    match std::str::from_utf8(id) {
        Ok(text) if !text.is_empty() && !text.chars().any(char::is_control) => text.to_string(),
        _ => format!("0x{}", hex::encode(id)),
    }
}

fn identity_name(id: &[u8]) -> String {
    String::from_utf8_lossy(id).into_owned()
}

fn check_identity_arg(args: &Args, identity: &str) -> CliResult<()> {
    if identity.is_empty() || identity.len() > 255 {
        return Err(args.error(format!("--identity {identity:?}: give 1 to 255 bytes")));
    }
    Ok(())
}

/// A name usable as a folder under ./sonet-client.
fn safe_folder_name(identity: &str) -> bool {
    !identity.starts_with('.')
        && identity
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@' | '+'))
}

/// The client directory from `--home` / `--identity`, or the only one under ./sonet-client.
fn home(args: &Args) -> CliResult<PathBuf> {
    if let Some(home) = args.value("--home") {
        if home.is_empty() {
            return Err(args.error("--home needs a directory"));
        }
        return Ok(PathBuf::from(home));
    }
    if let Some(identity) = args.value("--identity") {
        check_identity_arg(args, identity)?;
        if !safe_folder_name(identity) {
            return Err(args.error(format!(
                "--identity {identity:?} cannot name a folder under ./{CLIENTS_DIR}; give --home DIR too"
            )));
        }
        return Ok(Path::new(CLIENTS_DIR).join(identity));
    }
    let candidates: Vec<PathBuf> = std::fs::read_dir(CLIENTS_DIR)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.join(STATE_FILE).is_file())
                .collect()
        })
        .unwrap_or_default();
    match candidates.as_slice() {
        [only] => Ok(only.clone()),
        [] => Err(args.error(format!(
            "give --identity NAME (or --home DIR); there is no client under ./{CLIENTS_DIR} yet \
             (create one with `sonet client init --identity NAME`)"
        ))),
        many => Err(args.error(format!(
            "give --identity NAME (or --home DIR): ./{CLIENTS_DIR} holds {} clients",
            many.len()
        ))),
    }
}

fn read_state(home: &Path) -> CliResult<Option<State>> {
    let path = home.join(STATE_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(CliError::failed(format!(
                "cannot read {}: {e}",
                path.display()
            )))
        }
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| CliError::failed(format!("{} is damaged: {e}", path.display())))
}

fn write_state(home: &Path, state: &State) -> CliResult<()> {
    let path = home.join(STATE_FILE);
    let temporary = home.join(format!("{STATE_FILE}.tmp"));
    let text = serde_json::to_string_pretty(state)
        .map_err(|e| CliError::failed(format!("cannot encode the client state: {e}")))?;
    std::fs::write(&temporary, text + "\n")
        .and_then(|()| std::fs::rename(&temporary, &path))
        .map_err(|e| CliError::failed(format!("cannot write {}: {e}", path.display())))
}

/// An existing client: its directory, state and MLS client.
struct Local {
    home: PathBuf,
    state: State,
    suite: CipherSuite,
    mls: mls::Client,
}

fn open_local(args: &Args) -> CliResult<Local> {
    let home = home(args)?;
    let state = read_state(&home)?.ok_or_else(|| {
        CliError::failed(format!(
            "no client in {} (no {STATE_FILE}); create it with `sonet client init --identity NAME`",
            home.display()
        ))
    })?;
    if let Some(identity) = args.value("--identity") {
        if identity != state.identity {
            return Err(args.error(format!(
                "--identity {identity:?}, but the client in {} is {:?}",
                home.display(),
                state.identity
            )));
        }
    }
    let suite = CipherSuite::from_name(&state.cipher_suite).ok_or_else(|| {
        CliError::failed(format!(
            "{}: unknown cipher suite {:?}",
            home.join(STATE_FILE).display(),
            state.cipher_suite
        ))
    })?;
    if let Some(name) = args.value("--suite") {
        let wanted = parse_suite(args.command(), name)?;
        if wanted != suite {
            return Err(args.error(format!(
                "--suite {name}, but this client was initialised with {} (the suite is chosen at init)",
                suite.name()
            )));
        }
    }
    let mls = mls::Client::reopen(home.join(MLS_FILE)).map_err(|e| {
        CliError::failed(format!(
            "cannot open the MLS client in {}: {e}",
            home.display()
        ))
    })?;
    if mls.identity() != state.identity.as_bytes() {
        return Err(CliError::failed(format!(
            "{} belongs to {:?}, but {STATE_FILE} says {:?}",
            home.join(MLS_FILE).display(),
            identity_name(mls.identity()),
            state.identity
        )));
    }
    Ok(Local {
        home,
        state,
        suite,
        mls,
    })
}

/// An existing client connected to the service, with its stored groups loaded.
struct Session {
    home: PathBuf,
    state: State,
    member: Member,
}

impl Session {
    async fn open(args: &Args) -> CliResult<Session> {
        let endpoint = Endpoint::from_args(args, true)?;
        let local = open_local(args)?;
        let channel = endpoint.connect().await?;
        let mut member = Member::new(local.mls, local.suite, channel);
        member.cursor = local.state.cursor;
        // TODO(library): `Member::load_groups(&mut self) -> Result<usize>` loads every group of
        // `member.mls.group_ids()` into Member's map (Member keeps groups in memory only).
        member.load_groups()?;
        Ok(Session {
            home: local.home,
            state: local.state,
            member,
        })
    }

    fn save(&mut self) -> CliResult<()> {
        self.state.cursor = self.member.cursor;
        write_state(&self.home, &self.state)
    }

    fn require_group(&self, group: &str) -> CliResult<()> {
        if self.member.group(group.as_bytes()).is_ok() {
            return Ok(());
        }
        // Member loads active groups only: a stored one that is not loaded was left.
        let stored = self
            .member
            .mls
            .group_ids()
            .map(|ids| ids.iter().any(|id| id == group.as_bytes()))
            .unwrap_or(false);
        Err(CliError::failed(if stored {
            format!(
                "{} is no longer a member of group {group:?} (removed); `sonet client groups` shows its last state",
                self.state.identity
            )
        } else {
            format!(
                "{} is not in group {group:?} (create it, or `sonet client receive` its Welcome first)",
                self.state.identity
            )
        }))
    }
}

/// Adds a hint to refusals that mean "the group moved on".
fn commit_error(error: sonet::service::client::ClientError, group: &str) -> CliError {
    let hint = match &error {
        sonet::service::client::ClientError::Status(status)
            if matches!(status.code(), Code::Aborted | Code::FailedPrecondition) =>
        {
            Some(format!(
                " (run `sonet client receive` to bring {group:?} up to date, then retry)"
            ))
        }
        _ => None,
    };
    let error = CliError::from(error);
    match (error, hint) {
        (CliError::Failed(message), Some(hint)) => CliError::Failed(message + &hint),
        (error, _) => error,
    }
}

async fn init(args: &Args) -> CliResult<()> {
    args.at_most(0, "init takes no positional arguments")?;
    let Some(identity) = args.value("--identity") else {
        return Err(args.error("--identity NAME is required"));
    };
    check_identity_arg(args, identity)?;
    let count = args.number("--key-packages", 10usize, 0..=1000)?;
    let endpoint = Endpoint::from_args(args, true)?;
    let home = home(args)?;
    let existing = read_state(&home)?;
    let suite = match (args.value("--suite"), &existing) {
        (Some(name), existing) => {
            let suite = parse_suite(args.command(), name)?;
            if let Some(state) = existing {
                if state.cipher_suite != suite.name() {
                    return Err(args.error(format!(
                        "--suite {name}, but the client in {} uses {}",
                        home.display(),
                        state.cipher_suite
                    )));
                }
            }
            suite
        }
        (None, Some(state)) => CipherSuite::from_name(&state.cipher_suite).ok_or_else(|| {
            CliError::failed(format!(
                "unknown cipher suite {:?} in {}",
                state.cipher_suite,
                home.display()
            ))
        })?,
        (None, None) => CipherSuite::MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519,
    };
    if let Some(state) = &existing {
        if state.identity != identity {
            return Err(args.error(format!(
                "{} already holds the client {:?}; give another --home",
                home.display(),
                state.identity
            )));
        }
    }
    create_private_dir(&home)?;
    let mls = mls::Client::open(home.join(MLS_FILE), identity.as_bytes()).map_err(|e| {
        CliError::failed(format!(
            "cannot create the MLS client in {}: {e}",
            home.display()
        ))
    })?;
    let state = existing.clone().unwrap_or(State {
        identity: identity.to_string(),
        cipher_suite: suite.name().to_string(),
        cursor: 0,
    });
    write_state(&home, &state)?;
    let channel = endpoint.connect().await?;
    let member = Member::new(mls, suite, channel);
    let created = member
        .register()
        .await
        .map_err(|e| CliError::from(e).context(format!("registering {identity:?}")))?;
    let stored = member
        .publish_key_packages(count, true)
        .await
        .map_err(|e| CliError::from(e).context("publishing key packages"))?;
    println!(
        "{identity}: {} with {}",
        if created {
            "registered"
        } else {
            "already registered (same key)"
        },
        endpoint.url
    );
    println!(
        "published {stored} key packages ({count} one-time + 1 last resort) for {}",
        suite.name()
    );
    println!("client directory: {}", home.display());
    Ok(())
}

fn create_private_dir(dir: &Path) -> CliResult<()> {
    std::fs::create_dir_all(dir)
        .map_err(|e| CliError::failed(format!("cannot create {}: {e}", dir.display())))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    Ok(())
}

async fn publish(args: &Args) -> CliResult<()> {
    args.at_most(0, "publish takes no positional arguments")?;
    let count = args.number("--count", 10usize, 0..=1000)?;
    let last_resort = args.switch("--last-resort");
    if count == 0 && !last_resort {
        return Err(args.error("--count 0 without --last-resort publishes nothing"));
    }
    let session = Session::open(args).await?;
    let stored = session
        .member
        .publish_key_packages(count, last_resort)
        .await?;
    println!(
        "published {stored} key packages{}",
        if last_resort {
            " (including a new last-resort one)"
        } else {
            ""
        }
    );
    let status = session
        .member
        .connection
        .directory()
        .key_package_status(KeyPackageStatusRequest {})
        .await?
        .into_inner();
    for count in status.counts {
        let suite = u16::try_from(count.cipher_suite)
            .ok()
            .and_then(|id| CipherSuite::from_id(id).ok())
            .map(|s| s.name().to_string())
            .unwrap_or_else(|| format!("suite 0x{:04x}", count.cipher_suite));
        println!(
            "  {suite}: {} available, last resort: {}",
            count.available,
            if count.has_last_resort { "yes" } else { "no" }
        );
    }
    Ok(())
}

fn group_arg(args: &Args) -> CliResult<String> {
    let Some(group) = args.positionals().first() else {
        return Err(args.error("GROUP is required"));
    };
    if group.is_empty() || group.len() > 255 {
        return Err(args.error(format!("GROUP {group:?}: give 1 to 255 bytes")));
    }
    Ok(group.clone())
}

async fn create_group(args: &Args) -> CliResult<()> {
    let group = group_arg(args)?;
    args.at_most(1, "create-group takes one GROUP")?;
    let mut session = Session::open(args).await?;
    if session.member.group(group.as_bytes()).is_ok() {
        return Err(CliError::failed(format!(
            "{} already has a group {group:?}",
            session.state.identity
        )));
    }
    session.member.create_group(group.as_bytes()).await?;
    println!(
        "[{group}] created by {} at epoch 0 ({})",
        session.state.identity,
        session.member.suite.name()
    );
    Ok(())
}

async fn change_members(args: &Args, add: bool) -> CliResult<()> {
    let group = group_arg(args)?;
    let identities: Vec<Vec<u8>> = args.positionals()[1..]
        .iter()
        .map(|i| i.as_bytes().to_vec())
        .collect();
    if identities.is_empty() {
        return Err(args.error("give at least one IDENTITY after GROUP"));
    }
    if let Some(empty) = identities.iter().position(Vec::is_empty) {
        return Err(args.error(format!("IDENTITY #{} is empty", empty + 1)));
    }
    let mut session = Session::open(args).await?;
    session.require_group(&group)?;
    if add {
        let me = session.member.identity().to_vec();
        if identities.contains(&me) {
            return Err(args.error("you are already in the group; cannot invite yourself"));
        }
    }
    let response = if add {
        session.member.invite(group.as_bytes(), &identities).await
    } else {
        session.member.remove(group.as_bytes(), &identities).await
    }
    .map_err(|e| commit_error(e, &group))?;
    let names: Vec<String> = identities.iter().map(|i| identity_name(i)).collect();
    println!(
        "[{group}] {} {} — epoch {}",
        if add { "added" } else { "removed" },
        names.join(", "),
        response.epoch
    );
    Ok(())
}

async fn update(args: &Args) -> CliResult<()> {
    let group = group_arg(args)?;
    args.at_most(1, "update takes one GROUP")?;
    let mut session = Session::open(args).await?;
    session.require_group(&group)?;
    let response = session
        .member
        .update(group.as_bytes())
        .await
        .map_err(|e| commit_error(e, &group))?;
    println!(
        "[{group}] {} updated its leaf — epoch {}",
        session.state.identity, response.epoch
    );
    Ok(())
}

async fn send(args: &Args) -> CliResult<()> {
    let group = group_arg(args)?;
    let text = args.positionals()[1..].join(" ");
    if text.is_empty() {
        return Err(args.error("give the TEXT to send after GROUP"));
    }
    let mut session = Session::open(args).await?;
    session.require_group(&group)?;
    let epoch = session.member.group(group.as_bytes())?.epoch();
    let id = session
        .member
        .send(group.as_bytes(), text.as_bytes())
        .await?;
    println!(
        "[{group}] sent {} bytes at epoch {epoch} (message id {})",
        text.len(),
        hex::encode(id)
    );
    Ok(())
}

async fn receive(args: &Args) -> CliResult<()> {
    args.at_most(0, "receive takes no positional arguments")?;
    let follow = args.switch("--follow");
    if follow && args.value("--timeout").is_some() {
        return Err(args.error("--follow and --timeout exclude each other"));
    }
    let timeout = Duration::from_secs(args.number("--timeout", 2u64, 1..=86_400)?);
    let mut session = Session::open(args).await?;
    let mut stream = session.member.subscribe().await?;
    let started_at = session.member.cursor;
    let mut processed = 0u64;
    let mut failures = 0u64;
    let interrupted = tokio::signal::ctrl_c();
    tokio::pin!(interrupted);
    loop {
        let next = if follow {
            tokio::select! {
                next = stream.message() => next,
                _ = &mut interrupted => break,
            }
        } else {
            tokio::select! {
                next = tokio::time::timeout(timeout, stream.message()) => match next {
                    Ok(next) => next,
                    Err(_) => break,
                },
                _ = &mut interrupted => break,
            }
        };
        let message = match next {
            Ok(Some(message)) => message,
            Ok(None) => {
                if follow {
                    session.save()?;
                    return Err(CliError::failed(
                        "the server ended the subscription (shutting down?); run receive again to resume",
                    ));
                }
                break;
            }
            Err(status) => {
                session.save()?;
                return Err(CliError::from(status).context("mailbox subscription"));
            }
        };
        let sequence = message.sequence;
        let group = group_name(&message.group_id);
        let sender = identity_name(&message.sender);
        let kind = MessageKind::try_from(message.kind).unwrap_or(MessageKind::Unspecified);
        let result = session.member.handle(message);
        processed += 1;
        match result {
            Ok(Received::Message { data, .. }) => {
                println!("[{group}] {sender}: {}", String::from_utf8_lossy(&data));
            }
            Ok(Received::Joined { epoch, .. }) => {
                println!("[{group}] joined at epoch {epoch} (Welcome from {sender})");
            }
            Ok(Received::Epoch { epoch, .. }) => {
                println!("[{group}] epoch {epoch} (commit by {sender})");
            }
            Ok(Received::Removed { .. }) => {
                println!("[{group}] you were removed from the group by {sender}");
            }
            Ok(Received::Proposal { .. }) => {
                println!("[{group}] proposal from {sender} queued for the next commit");
            }
            Ok(Received::Ignored { reason }) => {
                eprintln!("(skipped mailbox message {sequence} from {sender}: {reason})");
            }
            Err(error) => {
                failures += 1;
                eprintln!(
                    "warning: mailbox message {sequence} ({kind:?} in {group} from {sender}) could not be processed: {}",
                    CliError::from(error)
                );
            }
        }
        let _ = std::io::stdout().flush();
        session.save()?;
    }
    session.save()?;
    eprintln!(
        "{processed} mailbox message(s) processed{} (cursor {started_at} → {})",
        if failures > 0 {
            format!(", {failures} could not be")
        } else {
            String::new()
        },
        session.member.cursor
    );
    Ok(())
}

fn groups(args: &Args) -> CliResult<()> {
    args.at_most(0, "groups takes no positional arguments")?;
    let local = open_local(args)?;
    let ids = local.mls.group_ids()?;
    if ids.is_empty() {
        println!("{} is in no group", local.state.identity);
        return Ok(());
    }
    for id in ids {
        let name = group_name(&id);
        match local.mls.load_group(&id) {
            Ok(group) => {
                let own = group.own_leaf_index();
                let members: Vec<String> = group
                    .members()
                    .into_iter()
                    .map(|m| {
                        let name = identity_name(&m.identity);
                        if m.leaf_index == own {
                            format!("{name} (you)")
                        } else {
                            name
                        }
                    })
                    .collect();
                println!(
                    "{name}  epoch {}  {}  {} member(s): {}{}",
                    group.epoch(),
                    group.cipher_suite().name(),
                    members.len(),
                    members.join(", "),
                    if group.is_active() {
                        ""
                    } else {
                        "  [removed: read-only]"
                    }
                );
            }
            Err(e) => println!("{name}  (cannot be loaded: {e})"),
        }
    }
    Ok(())
}
