//! The `relaylite` binary: a new database gets the tutorial's rows, an existing one is
//! never changed, and the commands print what the README says.

mod common;

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Command, Stdio};

/// The binary, with no option variable of the test's own environment leaking in.
fn relaylite() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_relaylite"));
    command.env_remove(relaylite::options::PORT);
    for o in &relaylite::options::OPTIONS {
        command.env_remove(relaylite::options::variable(o.flag));
    }
    for (limit, ..) in &relaylite::limits::FLAGS {
        command.env_remove(relaylite::options::variable(limit.flag()));
    }
    command
}

/// Starts `command` as a server and reads its start-up line: the child, the line, and the
/// address to connect to (`0.0.0.0` reached as 127.0.0.1).
fn start(command: &mut Command) -> (std::process::Child, String, SocketAddr) {
    let mut child = command.stdout(Stdio::piped()).spawn().expect("spawn");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout")).read_line(&mut line).expect("first line");
    let url = line.trim().rsplit(' ').next().unwrap_or_default().to_string();
    let mut addr: SocketAddr = url
        .trim_start_matches("http://")
        .trim_end_matches("/graphql")
        .parse()
        .unwrap_or_else(|_| panic!("start-up line gives the URL: {line}"));
    if addr.ip().is_unspecified() {
        addr.set_ip([127, 0, 0, 1].into());
    }
    (child, line, addr)
}

fn stop(mut child: std::process::Child) {
    let _ = child.kill();
    let _ = child.wait();
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("relaylite-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn serve_creates_and_seeds_the_default_database_and_prints_its_url() {
    let dir = temp_dir("serve");
    let db = dir.join("database.sqlite3");
    let (child, _, addr) = start(relaylite().current_dir(&dir).args(["--listen", "127.0.0.1:0"]));
    let query = "{ allEmployees { edges { node { name department { name } role { name } } } } allRoles { edges { node { name } } } }";
    let r = common::post_json(addr, &serde_json::json!({ "query": query }));
    stop(child);
    assert_eq!(
        r.text(),
        concat!(
            r#"{"data":{"allEmployees":{"edges":["#,
            r#"{"node":{"name":"Peter","department":{"name":"Engineering"},"role":{"name":"engineer"}}},"#,
            r#"{"node":{"name":"Roy","department":{"name":"Engineering"},"role":{"name":"engineer"}}},"#,
            r#"{"node":{"name":"Tracy","department":{"name":"Human Resources"},"role":{"name":"manager"}}}]},"#,
            r#""allRoles":{"edges":[{"node":{"name":"manager"}},{"node":{"name":"engineer"}}]}}}"#
        )
    );
    let conn = rusqlite::Connection::open(&db).expect("open");
    let sql: Vec<String> = conn
        .prepare("SELECT sql FROM sqlite_master WHERE type = 'table' ORDER BY rowid")
        .and_then(|mut s| s.query_map([], |r| r.get(0))?.collect())
        .expect("tables");
    let expected =
        std::fs::read_to_string(common::conformance_dir().join("schema.sql")).expect("schema.sql");
    for statement in &sql {
        assert!(
            expected.contains(&format!("{statement};")),
            "table text as SQLAlchemy's: {statement}"
        );
    }
    assert_eq!(sql.len(), 3);
}

#[test]
fn an_existing_database_is_left_alone_and_served_as_it_is() {
    let dir = temp_dir("other");
    let db = dir.join("other.sqlite3");
    let conn = rusqlite::Connection::open(&db).expect("open");
    conn.execute_batch("CREATE TABLE department (id INTEGER PRIMARY KEY, title VARCHAR); CREATE TABLE roles (role_id INTEGER PRIMARY KEY, name VARCHAR);")
        .expect("create");
    drop(conn);
    let before = std::fs::read(&db).expect("read");
    let out = relaylite().args(["init", "--db"]).arg(&db).output().expect("run");
    assert!(out.status.success());
    assert_eq!(std::fs::read(&db).expect("read"), before, "the file is unchanged");
    // Not the tutorial's tables: the API is what reflection derives from them.
    let out = relaylite().args(["schema", "--db"]).arg(&db).output().expect("run");
    let sdl = String::from_utf8_lossy(&out.stdout);
    assert!(sdl.contains("\n  title: String\n"), "{sdl}");
    assert!(sdl.contains("allRoles(sort: [RoleSortEnum] = [ROLE_ID_ASC]"), "{sdl}");
    assert!(!sdl.contains("allEmployees"), "{sdl}");

    let fixture = common::fixture_db("cli-init");
    let before = std::fs::read(&fixture).expect("read");
    let out = relaylite().args(["init", "--db"]).arg(&fixture).output().expect("run");
    assert!(out.status.success());
    assert_eq!(std::fs::read(&fixture).expect("read"), before);
}

#[test]
fn an_explicit_database_must_exist_and_be_a_database() {
    let dir = temp_dir("explicit");
    let missing = dir.join("missing.sqlite3");
    let out = relaylite().args(["serve", "--db"]).arg(&missing).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("does not exist"));
    assert!(!missing.exists(), "nothing was created");

    let garbage = dir.join("garbage.sqlite3");
    std::fs::write(&garbage, b"this is not a database, just some text that is long enough")
        .expect("write");
    let out = relaylite().args(["serve", "--db"]).arg(&garbage).output().expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not a database") && stderr.lines().count() == 1, "{stderr}");

    let out = relaylite().args(["init", "--db"]).arg(&missing).output().expect("run");
    assert!(out.status.success());
    assert!(missing.exists());
}

/// A view or virtual table that cannot be read (its table dropped, a function it calls
/// missing, its module's own table gone) fails at start-up in one line naming why, not at
/// the first request that reads it.
#[test]
fn a_database_with_a_view_that_cannot_be_read_fails_at_start_up() {
    let dir = temp_dir("broken-view");
    for (name, sql, why) in [
        (
            "dropped",
            "CREATE TABLE b (id INTEGER PRIMARY KEY); CREATE VIEW v AS SELECT id FROM b; DROP TABLE b;",
            "no such table",
        ),
        ("function", "CREATE VIEW v AS SELECT nosuchfn(id) AS x FROM a;", "no such function"),
        // A virtual table whose module's own table is gone prepares, but cannot be read.
        ("virtual", "CREATE VIRTUAL TABLE ft USING fts5(a); DROP TABLE ft_content;", "ft_content"),
    ] {
        let path = dir.join(format!("{name}.sqlite3"));
        let conn = rusqlite::Connection::open(&path).expect("open");
        conn.execute_batch("CREATE TABLE a (id INTEGER PRIMARY KEY, n TEXT);").expect("a");
        conn.execute_batch(sql).expect("view");
        drop(conn);
        // `schema` reads the database as `serve` does, and ends either way.
        let out = relaylite().args(["schema", "--db"]).arg(&path).output().expect("run");
        assert_eq!(out.status.code(), Some(1), "{name}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(why) && stderr.lines().count() == 1, "{name}: {stderr}");
    }
}

#[test]
fn schema_help_and_usage_errors() {
    let out = relaylite().arg("schema").output().expect("run");
    let expected =
        std::fs::read_to_string(common::conformance_dir().join("schema.graphql")).expect("sdl");
    assert_eq!(String::from_utf8_lossy(&out.stdout), expected);
    let out = relaylite().arg("--help").output().expect("run");
    assert!(String::from_utf8_lossy(&out.stdout).contains("\n  relaylite [serve] [--db PATH|URL]"));
    let out = relaylite().arg("--bogus").output().expect("run");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--bogus"));
}

const TYPENAME: &str = r#"{"query": "{ __typename }"}"#;

fn post(addr: SocketAddr, body: &str) -> common::HttpResponse {
    common::request(
        addr,
        "POST",
        "/graphql",
        &[("Content-Type", "application/json")],
        body.as_bytes(),
    )
}

#[test]
fn variables_set_options_and_flags_win_over_them() {
    let db = common::fixture_db("cli-env");
    let (child, line, addr) = start(
        relaylite()
            .env("RELAYLITE_DB", &db)
            .env("RELAYLITE_LISTEN", "127.0.0.1:0")
            .env("RELAYLITE_MAX_BODY", "10"),
    );
    assert!(line.contains(&db.display().to_string()), "{line}");
    assert_eq!(post(addr, TYPENAME).status, 413, "RELAYLITE_MAX_BODY applies");
    stop(child);

    let elsewhere = db.with_file_name("missing.sqlite3");
    let (child, line, addr) = start(
        relaylite()
            .env("RELAYLITE_DB", &elsewhere)
            .env("RELAYLITE_LISTEN", "not an address")
            .env("RELAYLITE_MAX_BODY", "10")
            .args(["--listen", "127.0.0.1:0", "--max-body", "1000", "--db"])
            .arg(&db),
    );
    assert!(line.contains(&db.display().to_string()), "{line}");
    assert_eq!(post(addr, TYPENAME).text(), r#"{"data":{"__typename":"Query"}}"#);
    stop(child);
}

#[test]
fn port_from_the_platform_listens_on_every_address() {
    let free = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = free.local_addr().expect("addr").port();
    drop(free);
    let db = common::fixture_db("cli-port");
    let mut command = relaylite();
    command.env("PORT", port.to_string()).arg("--db").arg(&db).stderr(Stdio::piped());
    let (mut child, line, addr) = start(&mut command);
    assert!(line.contains(&format!("http://0.0.0.0:{port}/graphql")), "{line}");
    assert_eq!(addr.port(), port);
    assert_eq!(post(addr, TYPENAME).text(), r#"{"data":{"__typename":"Query"}}"#);
    // Every address is not loopback: start-up says that whoever reaches the port reads
    // every table.
    let mut warning = String::new();
    let stderr = child.stderr.take().expect("stderr");
    BufReader::new(stderr).read_line(&mut warning).expect("a warning");
    assert!(
        warning.contains("is not a loopback address") && warning.contains("public"),
        "{warning}"
    );
    stop(child);
}

#[test]
fn a_loopback_address_starts_without_a_warning() {
    let db = common::fixture_db("cli-loopback");
    let mut command = relaylite();
    command.args(["--listen", "127.0.0.1:0", "--db"]).arg(&db).stderr(Stdio::piped());
    let (mut child, _, addr) = start(&mut command);
    assert_eq!(post(addr, TYPENAME).text(), r#"{"data":{"__typename":"Query"}}"#);
    // The warning would have come before the first answer: all that was written is read
    // once the server is gone.
    let pipe = child.stderr.take().expect("stderr");
    stop(child);
    let mut stderr = String::new();
    BufReader::new(pipe).read_to_string(&mut stderr).expect("stderr");
    assert!(!stderr.contains("warning"), "{stderr}");
}

#[test]
fn a_bad_variable_is_refused_with_its_name() {
    for (name, value) in
        [("RELAYLITE_MAX_BODY", "lots"), ("RELAYLITE_LOG_SQL", "maybe"), ("PORT", "http")]
    {
        let out = relaylite().env(name, value).output().expect("run");
        assert_eq!(out.status.code(), Some(2), "{name}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(&format!("{name}: `{value}` is not")), "{stderr}");
    }
}

/// The rows of the README's table whose header line is `header`, cells trimmed.
fn readme_table(header: &str) -> Vec<Vec<String>> {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README");
    let start = readme.find(header).unwrap_or_else(|| panic!("README table {header}"));
    readme[start..]
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| l.trim_matches('|').split(" | ").map(|c| c.trim().to_string()).collect())
        .collect()
}

/// A table as the README writes it, for the message of a failed comparison.
fn markdown(rows: &[Vec<String>]) -> String {
    rows.iter().map(|r| format!("| {} |\n", r.join(" | "))).collect()
}

#[test]
fn the_readme_tables_are_the_option_tables() {
    use relaylite::options::{OPTIONS, variable};
    let options: Vec<Vec<String>> = OPTIONS
        .iter()
        .map(|o| {
            let flag = format!("{} {}", o.flag, o.arg);
            vec![format!("`{}`", flag.trim()), format!("`{}`", variable(o.flag)), o.help.into()]
        })
        .collect();
    let readme = readme_table("| option | variable | what it does |");
    assert!(readme == options, "the README's options table should be:\n{}", markdown(&options));
    let limits: Vec<Vec<String>> = relaylite::limits::FLAGS
        .iter()
        .map(|(limit, default, help, _)| {
            let flag = limit.flag();
            let variable = format!("`{}`", variable(flag));
            vec![format!("`{flag}`"), variable, help.to_string(), default.to_string()]
        })
        .collect();
    let readme = readme_table("| flag | variable | bounds | default |");
    assert!(readme == limits, "the README's limits table should be:\n{}", markdown(&limits));
}
