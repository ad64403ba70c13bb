//! The command line's options, each a flag and a `RELAYLITE_<OPTION>` variable.
//!
//! Declared once, in `OPTIONS` here and the limits' `FLAGS` table, from which the flags are
//! parsed, the variables read, `--help` written and the README's tables checked (by a test),
//! so that none of them can drift. Container platforms configure through the environment:
//! a flag wins over its variable, and `PORT` picks the port when no address is given.

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::http::HttpOptions;
use crate::limits::{FLAGS, Limits};

/// What the command line asks for.
#[derive(Debug)]
pub struct Options {
    /// `serve`, `model`, `schema`, `init` or `help`.
    pub command: String,
    pub db: PathBuf,
    /// The database was named (`--db` or its variable): it must exist, never created.
    pub db_given: bool,
    pub model: Option<PathBuf>,
    /// `relaylite schema --role NAME`: the schema that role of the model file sees.
    pub role: Option<String>,
    pub listen: SocketAddr,
    pub log_sql: bool,
    pub pg_set_role: bool,
    pub http: HttpOptions,
    pub limits: Limits,
    /// PostgreSQL read replicas of the database `db` names.
    pub replicas: Vec<String>,
    /// The PostgreSQL schema to serve.
    pub schema: String,
    /// PostgreSQL connections per server (None: one per query thread).
    pub pool_size: Option<u32>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            command: "serve".into(),
            db: PathBuf::from("database.sqlite3"),
            db_given: false,
            model: None,
            role: None,
            listen: SocketAddr::from(([127, 0, 0, 1], 5000)),
            log_sql: false,
            pg_set_role: false,
            http: HttpOptions::default(),
            limits: Limits::default(),
            replicas: Vec::new(),
            schema: "public".into(),
            pool_size: None,
        }
    }
}

impl Options {
    /// The PostgreSQL URL `--db` gives, if it gives one rather than a file.
    pub fn postgres(&self) -> Option<&str> {
        self.db.to_str().filter(|d| crate::db::is_postgres_url(d))
    }

    /// The database to serve: a PostgreSQL URL's, or the SQLite file's.
    pub fn db_config(&self) -> Result<crate::db::DbConfig, String> {
        let mut config = match self.postgres() {
            Some(url) => {
                let threads = crate::pool::threads(self.limits.workers);
                let size = self.pool_size.unwrap_or(u32::try_from(threads).unwrap_or(u32::MAX));
                crate::db::DbConfig::postgres(url, &self.replicas, &self.schema, size)?
            }
            None if !self.replicas.is_empty() => {
                return Err("--replica needs --db to name a PostgreSQL database".into());
            }
            None => crate::db::DbConfig::sqlite(&self.db),
        };
        config.log_sql = self.log_sql;
        config.set_role = self.pg_set_role;
        Ok(config)
    }

    /// The database served, for people: a file's path or a URL without its password.
    pub fn source(&self) -> String {
        match self.postgres() {
            Some(url) => crate::db::redact(url),
            None => self.db.display().to_string(),
        }
    }
}

/// One option besides the limits. `arg` names its value in `--help` (empty: a switch,
/// whose variable takes `1`/`true` or `0`/`false`); `needs` says what a good value is, for
/// errors; `set` applies a value, or refuses it.
pub struct Opt {
    pub flag: &'static str,
    pub arg: &'static str,
    pub help: &'static str,
    needs: &'static str,
    set: fn(&mut Options, &str) -> Result<(), ()>,
}

/// Every option but the limits, in `--help`'s and the README's order.
pub const OPTIONS: [Opt; 11] = [
    Opt {
        flag: "--db",
        arg: "PATH/URL",
        help: "SQLite file, default `database.sqlite3` in the working directory. The default \
               file is created and seeded with the tutorial when missing; a file named with \
               `--db` must exist (create one with `relaylite init --db PATH`), so a typo never \
               serves an empty new database. An existing file is never changed. (`model` and \
               `schema` with no `--db` and no default file describe the tutorial.) Or a \
               PostgreSQL database, `postgres://user:password@host:port/name` (no TLS), its \
               schema read at start-up",
        needs: "a path or a postgres:// URL",
        set: |o, v| {
            o.db = v.into();
            o.db_given = true;
            Ok(())
        },
    },
    Opt {
        flag: "--replica",
        arg: "URL",
        help: "a PostgreSQL read replica of that database (streaming from it); repeat for more \
               (the variable: separated by commas). Requests read from the replicas in turn, \
               from the primary when none answers; a server that fails is passed over for 5 s",
        needs: "a URL like postgres://user@host/db",
        set: |o, v| {
            let url = crate::db::is_postgres_url(v).then(|| v.to_string()).ok_or(())?;
            o.replicas.push(url);
            Ok(())
        },
    },
    Opt {
        flag: "--schema",
        arg: "NAME",
        help: "the PostgreSQL schema to serve, default `public`",
        needs: "a schema name",
        set: |o, v| {
            o.schema = v.to_string();
            Ok(())
        },
    },
    Opt {
        flag: "--pool-size",
        arg: "N",
        help: "PostgreSQL connections each server's pool may open, default one per query \
               thread (`--workers`)",
        needs: "a number above 0",
        set: |o, v| {
            o.pool_size = Some(v.parse().ok().filter(|&n: &u32| n > 0).ok_or(())?);
            Ok(())
        },
    },
    Opt {
        flag: "--role",
        arg: "NAME",
        help: "with `schema`: print the schema the model file's role NAME sees",
        needs: "a role",
        set: |o, v| {
            o.role = Some(v.into());
            Ok(())
        },
    },
    Opt {
        flag: "--model",
        arg: "FILE",
        help: "serve (or print the schema of) the model in FILE instead of the derived one",
        needs: "a file",
        set: |o, v| {
            o.model = Some(v.into());
            Ok(())
        },
    },
    Opt {
        flag: "--listen",
        arg: "ADDR",
        help: "default `127.0.0.1:5000` (or `0.0.0.0:$PORT` when `PORT` is set); port 0 picks \
               a free port, and the start-up line prints the real URL",
        needs: "an address like 127.0.0.1:5000",
        set: |o, v| {
            o.listen = v.parse().map_err(|_| ())?;
            Ok(())
        },
    },
    Opt {
        flag: "--cors",
        arg: "ORIGIN",
        help: "let browser pages from ORIGIN (`https://app.example.com`: scheme, host, optional \
               port, no path) call `/graphql`; repeat for more origins (the variable: separated \
               by commas), or give `*` for any. Off by default: no CORS headers at all",
        needs: "an origin like https://app.example.com (no path), or *",
        set: |o, v| {
            o.http.cors.push(origin(v).ok_or(())?);
            Ok(())
        },
    },
    Opt {
        flag: "--log-requests",
        arg: "",
        help: "one line per request to stderr: method, path, status, response bytes, \
               milliseconds, operationName (or `-`)",
        needs: "1, true, 0 or false",
        set: |o, v| {
            o.http.log_requests = switch(v)?;
            Ok(())
        },
    },
    Opt {
        flag: "--pg-set-role",
        arg: "",
        help: "run each PostgreSQL request as its token's role (`SET LOCAL ROLE`), the claims in `request.jwt.claims`, so the database's row-level security applies too",
        needs: "1, true, 0 or false",
        set: |o, v| {
            o.pg_set_role = switch(v)?;
            Ok(())
        },
    },
    Opt {
        flag: "--log-sql",
        arg: "",
        help: "print every SQL statement to stderr, one line each, starting `SQL `",
        needs: "1, true, 0 or false",
        set: |o, v| {
            o.log_sql = switch(v)?;
            Ok(())
        },
    },
];

/// The variable that sets `flag`'s option: `--max-body` → `RELAYLITE_MAX_BODY`.
pub fn variable(flag: &str) -> String {
    format!("RELAYLITE_{}", flag.trim_start_matches('-').replace('-', "_").to_ascii_uppercase())
}

/// Container platforms (Heroku, Cloud Run, Fly) say which port to listen on with `PORT`.
pub const PORT: &str = "PORT";

/// A switch's value from a variable (a flag's is always `true`).
fn switch(v: &str) -> Result<bool, ()> {
    match v.to_ascii_lowercase().as_str() {
        "1" | "true" => Ok(true),
        "0" | "false" => Ok(false),
        _ => Err(()),
    }
}

/// A `--cors` value: `*`, or an origin as browsers send it (scheme://host[:port], no path),
/// since anything else would never equal a request's `Origin` and silently allow nothing.
fn origin(v: &str) -> Option<String> {
    let well_formed = v.split_once("://").is_some_and(|(scheme, host)| {
        !scheme.is_empty()
            && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
            && !host.is_empty()
            && !host.contains(['/', '?', '#'])
            && !host.chars().any(char::is_whitespace)
    });
    (v == "*" || well_formed).then(|| v.to_string())
}

/// An option of either table, as parsing sees it.
struct Setting {
    flag: &'static str,
    switch: bool,
    needs: &'static str,
    set: Set,
}

enum Set {
    Option(fn(&mut Options, &str) -> Result<(), ()>),
    Limit(fn(&mut Limits) -> &mut u64),
}

fn settings() -> impl Iterator<Item = Setting> {
    let options = OPTIONS.iter().map(|o| Setting {
        flag: o.flag,
        switch: o.arg.is_empty(),
        needs: o.needs,
        set: Set::Option(o.set),
    });
    let limits = FLAGS.iter().map(|(limit, _, _, field)| Setting {
        flag: limit.flag(),
        switch: false,
        needs: "a number",
        set: Set::Limit(*field),
    });
    options.chain(limits)
}

impl Setting {
    /// Applies `value`, which came from `source` (the flag, or the variable): a bad value
    /// is an error naming its source.
    fn apply(&self, o: &mut Options, value: &str, source: &str) -> Result<(), String> {
        let applied = match self.set {
            Set::Option(set) => set(o, value),
            Set::Limit(field) => value.parse().map(|n| *field(&mut o.limits) = n).map_err(|_| ()),
        };
        applied.map_err(|()| format!("{source}: `{value}` is not {}", self.needs))
    }
}

/// Reads the command line `args` (without the program's name) and, for every option no
/// flag gives, its variable from `env`. An empty variable counts as unset.
pub fn parse(args: &[String], env: impl Fn(&str) -> Option<String>) -> Result<Options, String> {
    let (mut o, flags) = read_args(args)?;
    if o.command == "help" {
        return Ok(o);
    }
    let env = |name: &str| env(name).filter(|v| !v.is_empty());
    for s in settings() {
        let given: Vec<&String> =
            flags.iter().filter(|(f, _)| *f == s.flag).map(|(_, v)| v).collect();
        for v in &given {
            s.apply(&mut o, v, s.flag)?;
        }
        let Some(v) = env(&variable(s.flag)).filter(|_| given.is_empty()) else { continue };
        // The repeatable options take their values separated by commas.
        let values: Vec<&str> = match s.flag {
            "--cors" | "--replica" => v.split(',').map(str::trim).collect(),
            _ => vec![&v],
        };
        for value in values {
            s.apply(&mut o, value, &variable(s.flag))?;
        }
    }
    let listen_given =
        flags.iter().any(|(f, _)| *f == "--listen") || env(&variable("--listen")).is_some();
    if let Some(port) = env(PORT).filter(|_| !listen_given) {
        let port: u16 =
            port.parse().map_err(|_| format!("{PORT}: `{port}` is not a port number"))?;
        o.listen = SocketAddr::from(([0, 0, 0, 0], port));
    }
    Ok(o)
}

/// Each flag given, with its value (`true` for a switch), in order.
type Given = Vec<(&'static str, String)>;

/// The command, and the flags given.
fn read_args(args: &[String]) -> Result<(Options, Given), String> {
    let mut o = Options::default();
    let mut flags = Vec::new();
    let mut it = args.iter();
    let mut first = true;
    while let Some(a) = it.next() {
        match a.as_str() {
            "serve" | "init" | "schema" | "model" if first => o.command = a.clone(),
            "-h" | "--help" => o.command = "help".into(),
            other => match settings().find(|s| s.flag == other) {
                Some(s) if s.switch => flags.push((s.flag, "true".into())),
                Some(s) => {
                    let v = it.next().ok_or(format!("{} needs {}", s.flag, s.needs))?;
                    flags.push((s.flag, v.clone()));
                }
                None => return Err(format!("unexpected argument `{other}` (see --help)")),
            },
        }
        first = false;
    }
    Ok((o, flags))
}

const USAGE: &str = "\
relaylite — a relay GraphQL API, in graphene-sqlalchemy's shape, for any SQLite or
PostgreSQL database (by default the graphene-sqlalchemy tutorial's, in SQLite)

Usage:
  relaylite [serve] [--db PATH|URL] [--replica URL]... [--schema NAME] [--pool-size N]
                    [--model FILE] [--listen ADDR] [--cors ORIGIN]...
                    [--log-requests] [--log-sql] [LIMITS]
  relaylite model [--db PATH|URL] [--schema NAME]
  relaylite schema [--db PATH|URL] [--schema NAME] [--model FILE] [--role NAME]
  relaylite init [--db PATH]
  relaylite --help

Commands:
  serve    Serve /graphql (and GraphiQL in a browser), /health and /metrics. The default.
  model    Print the model relaylite derives from the database (TOML), to edit and
           serve with --model.
  schema   Print the GraphQL schema (SDL) and exit.
  init     Create the database with the tutorial's tables and rows if it does not exist.

Options:
";

const ENVIRONMENT: &str = "
Environment:
  Every option can also be given as a variable RELAYLITE_<OPTION>, its flag in upper
  snake case: RELAYLITE_DB=app.sqlite3, RELAYLITE_MAX_BODY=1048576, RELAYLITE_LOG_SQL=1
  (a switch takes 1 or true, 0 or false), RELAYLITE_CORS with origins separated by
  commas. A flag wins over its variable; an empty variable counts as unset.
";

/// Where an option's help text starts, and how wide it may run.
const HELP_COLUMN: usize = 22;
const HELP_WIDTH: usize = 90;

/// `relaylite --help`: the usage, then every option of both tables, then the variables.
pub fn help() -> String {
    let mut out = String::from(USAGE);
    for o in &OPTIONS {
        push_option(&mut out, &format!("{} {}", o.flag, o.arg), o.help);
    }
    push_option(&mut out, "-h, --help", "Show this help.");
    out.push_str("\nLimits (each takes a number; the default is in brackets):\n");
    for (limit, default, text, _) in FLAGS {
        push_option(&mut out, limit.flag(), &format!("{text} [{default}]"));
    }
    out.push_str(ENVIRONMENT);
    let port = "Listen on 0.0.0.0:N when neither --listen nor RELAYLITE_LISTEN is given, as \
                container platforms (Heroku, Cloud Run, Fly) set it.";
    push_option(&mut out, &format!("{PORT}=N"), port);
    out
}

/// `  HEAD  text`, the text wrapped at word boundaries into the help column.
fn push_option(out: &mut String, head: &str, text: &str) {
    let mut line = format!("  {head}");
    for word in text.split_whitespace() {
        let fresh = line.len() <= HELP_COLUMN;
        if !fresh && line.len() + 1 + word.len() > HELP_WIDTH {
            out.push_str(&line);
            out.push('\n');
            line = String::new();
        }
        if line.len() < HELP_COLUMN {
            line = format!("{line:<width$}", width = HELP_COLUMN - 1);
        }
        line.push(' ');
        line.push_str(word);
    }
    out.push_str(&line);
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_with(args: &[&str], vars: &[(&str, &str)]) -> Result<Options, String> {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let vars: Vec<(String, String)> =
            vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        parse(&args, |name| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()))
    }

    #[test]
    fn variables_set_options_and_flags_win() {
        let vars = [
            ("RELAYLITE_DB", "from-env.sqlite3"),
            ("RELAYLITE_MAX_BODY", "4096"),
            ("RELAYLITE_LOG_SQL", "TRUE"),
            ("RELAYLITE_LOG_REQUESTS", "0"),
            ("RELAYLITE_CORS", "https://a.example, https://b.example:8443"),
            ("RELAYLITE_LISTEN", ""),
        ];
        let o = parse_with(&["serve"], &vars).expect("parses");
        assert_eq!(
            (o.db.to_str(), o.db_given, o.limits.max_body),
            (Some("from-env.sqlite3"), true, 4096)
        );
        assert!(o.log_sql && !o.http.log_requests);
        assert_eq!(o.http.cors, ["https://a.example", "https://b.example:8443"]);
        assert_eq!(o.listen.to_string(), "127.0.0.1:5000", "an empty variable is unset");
        let o = parse_with(&["--db", "flag.sqlite3", "--max-body", "9", "--cors", "*"], &vars)
            .expect("parses");
        assert_eq!((o.db.to_str(), o.limits.max_body), (Some("flag.sqlite3"), 9));
        assert_eq!(o.http.cors, ["*"], "flags replace the variable's list");
    }

    #[test]
    fn port_applies_only_without_an_address() {
        let o = parse_with(&[], &[("PORT", "8080")]).expect("parses");
        assert_eq!(o.listen.to_string(), "0.0.0.0:8080");
        let o = parse_with(&["--listen", "127.0.0.1:1"], &[("PORT", "8080")]).expect("parses");
        assert_eq!(o.listen.to_string(), "127.0.0.1:1");
        let vars = [("PORT", "8080"), ("RELAYLITE_LISTEN", "127.0.0.1:2")];
        assert_eq!(parse_with(&[], &vars).expect("parses").listen.to_string(), "127.0.0.1:2");
        assert_eq!(
            parse_with(&[], &[("PORT", "http")]).err().as_deref(),
            Some("PORT: `http` is not a port number")
        );
    }

    #[test]
    fn bad_values_name_their_source() {
        let bad = |args: &[&str], vars: &[(&str, &str)]| parse_with(args, vars).err();
        assert_eq!(
            bad(&[], &[("RELAYLITE_MAX_DEPTH", "deep")]).as_deref(),
            Some("RELAYLITE_MAX_DEPTH: `deep` is not a number")
        );
        assert_eq!(
            bad(&["--max-depth", "deep"], &[]).as_deref(),
            Some("--max-depth: `deep` is not a number")
        );
        assert_eq!(
            bad(&[], &[("RELAYLITE_LOG_SQL", "yes please")]).as_deref(),
            Some("RELAYLITE_LOG_SQL: `yes please` is not 1, true, 0 or false")
        );
        let cors = bad(&[], &[("RELAYLITE_CORS", "https://a.example,app.example")]);
        assert!(
            cors.is_some_and(|e| e.starts_with("RELAYLITE_CORS: `app.example` is not an origin"))
        );
        assert_eq!(
            bad(&["--listen"], &[]).as_deref(),
            Some("--listen needs an address like 127.0.0.1:5000")
        );
        // A variable a flag overrides is not read, and --help reads none.
        assert!(bad(&["--max-depth", "3"], &[("RELAYLITE_MAX_DEPTH", "deep")]).is_none());
        assert!(bad(&["--help"], &[("RELAYLITE_MAX_DEPTH", "deep")]).is_none());
    }

    #[test]
    fn help_names_only_real_variables_and_every_option() {
        let help = help();
        for word in help.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
            if word.starts_with("RELAYLITE_") && word != "RELAYLITE_" {
                assert!(settings().any(|s| variable(s.flag) == word), "{word}");
            }
        }
        for s in settings() {
            assert!(help.contains(&format!("\n  {}", s.flag)), "{}", s.flag);
        }
        assert!(help.lines().all(|l| l.chars().count() <= HELP_WIDTH), "{help}");
    }
}
