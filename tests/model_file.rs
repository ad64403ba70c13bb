//! Model files: what `relaylite model` prints reads back as the same model; editing it
//! renames and hides; a mistake in it is an error at start-up naming the file, the line,
//! the type and field, and what was expected.

mod common;

use std::path::Path;

use relaylite::App;
use relaylite::db::{Db, DbConfig};
use relaylite::limits::Limits;
use relaylite::model::Model;

fn chinook() -> std::path::PathBuf {
    common::sqlite_once("model-chinook", "tests/realdb/chinook.sql", "")
}

fn model(path: &Path, file: Option<&str>) -> Result<Model, String> {
    let db = Db::open(&DbConfig::sqlite(path.to_path_buf())).map_err(|e| e.to_string())?;
    db.read(std::time::Duration::from_secs(10), || db.model(file.map(|t| ("model.toml", t))))
        .map_err(|e| e.to_string())?
        .map_err(|e| e.to_string())
}

fn app(path: &Path, file: &str) -> Result<App, String> {
    let config = DbConfig::sqlite(path.to_path_buf());
    App::open(config, Limits::default(), Some(("model.toml".into(), file.into())))
}

#[test]
fn the_printed_model_reads_back_as_the_same_model() {
    for path in [chinook(), common::fixture_db("model-round-trip")] {
        let derived = model(&path, None).expect("derived");
        let printed = relaylite::model::file::print(&derived, "a test");
        let read = model(&path, Some(&printed)).unwrap_or_else(|e| panic!("{e}\n{printed}"));
        assert_eq!(read, derived, "{printed}");
    }
}

#[test]
fn editing_the_file_renames_and_hides() {
    let path = chinook();
    let printed = relaylite::model::file::print(&model(&path, None).expect("derived"), "a test");
    let edited = printed
        .replace("name = \"Artist\"\n", "name = \"Band\"\n")
        .replace("connection = \"allArtists\"", "connection = \"bands\"")
        .replace("object = \"Artist\"", "object = \"Band\"")
        .replace(
            "{ name = \"name\", column = \"Name\" },\n  { name = \"albums\"",
            "{ name = \"bandName\", column = \"Name\" },\n  { name = \"albums\"",
        )
        .replace("  { name = \"composer\", column = \"Composer\" },\n", "")
        .replace("name = \"MediaType\"\ntable", "hidden = true\nname = \"MediaType\"\ntable")
        .replace(
            "  { name = \"mediaType\", object = \"MediaType\", via = [\"MediaTypeId\"] },\n",
            "",
        );
    let app = app(&path, &edited).expect("edited model");
    let sdl = relaylite::schema::sdl::print_sdl(&app.schema());
    assert!(sdl.contains("type Band implements Node"), "{sdl}");
    assert!(sdl.contains("  bands(sort: [BandSortEnum] = [ARTIST_ID_ASC]"), "{sdl}");
    assert!(sdl.contains("  bandName: String"), "{sdl}");
    assert!(!sdl.contains("composer"), "{sdl}");
    assert!(!sdl.contains("MediaType"), "{sdl}");
    let walk = common::walk::Walk { app: &app, oracle: common::walk::Oracle::Sqlite(&path) };
    let d = walk.data("{ bands(first: 1) { edges { node { bandName albums(first: 1) { edges { node { artist { bandName } } } } } } } }", serde_json::json!({}));
    assert_eq!(
        d["bands"]["edges"][0]["node"]["albums"]["edges"][0]["node"]["artist"]["bandName"],
        "AC/DC"
    );
}

#[test]
fn mistakes_name_the_file_line_and_key() {
    let path = chinook();
    let cases = [
        (
            "[[types]]\nname = \"A\"\ntable = \"Nope\"\n",
            "model.toml:3: type A: `table` names `Nope`, which the database does not have",
        ),
        (
            "[[types]]\nname = \"A\"\ntable = \"Artist\"\nfields = [\n  { name = \"x\", column = \"Naem\" },\n]\n",
            "model.toml:5: type A, field x: table `Artist` has no column `Naem` (columns: ArtistId, Name)",
        ),
        (
            "[[types]]\nname = \"A\"\ntable = \"Artist\"\nfields = [\n  { name = \"x\", colum = \"Name\" },\n]\n",
            "unknown field `colum`",
        ),
        (
            "[[types]]\nname = \"2A\"\ntable = \"Artist\"\n",
            "model.toml:2: type 2A: `2A` is not a GraphQL name",
        ),
        (
            "[[types]]\nname = \"PageInfo\"\ntable = \"Artist\"\n",
            "model.toml:2: type PageInfo: the name `PageInfo` is already taken",
        ),
        (
            "[[types]]\nname = \"A\"\ntable = \"Artist\"\nfields = [\n  { name = \"b\", object = \"Nobody\", via = [\"ArtistId\"] },\n]\n",
            "model.toml:5: type A, field b: `Nobody` is not a type of this file",
        ),
        (
            "[[types]]\nname = \"A\"\ntable = \"Album\"\nfields = [\n  { name = \"b\", object = \"A\" },\n]\n",
            "model.toml:5: type A, field b: a relationship needs `via`",
        ),
        (
            "[[types]]\nname = \"A\"\ntable = \"Album\"\nconnection = \"node\"\n",
            "model.toml:4: type A: `node` is already a field of Query",
        ),
    ];
    for (file, expected) in cases {
        let err = model(&path, Some(file)).expect_err(file);
        assert!(err.contains(expected), "{file}\nwanted: {expected}\n   got: {err}");
    }
    let err = model(&path, Some("types = 3")).expect_err("not a list");
    assert!(err.starts_with("model.toml: TOML parse error at line 1"), "{err}");
}

#[test]
fn the_cli_prints_the_model_and_serves_it() {
    let path = chinook();
    let bin = env!("CARGO_BIN_EXE_relaylite");
    let out =
        std::process::Command::new(bin).args(["model", "--db"]).arg(&path).output().expect("run");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let file = std::env::temp_dir().join(format!("relaylite-model-{}.toml", std::process::id()));
    let text = String::from_utf8_lossy(&out.stdout)
        .replace("name = \"Genre\"\n", "name = \"Style\"\n")
        .replace("object = \"Genre\"", "object = \"Style\"");
    std::fs::write(&file, text).expect("write");
    let out = std::process::Command::new(bin)
        .args(["schema", "--db"])
        .arg(&path)
        .arg("--model")
        .arg(&file)
        .output()
        .expect("run");
    let sdl = String::from_utf8_lossy(&out.stdout);
    assert!(
        sdl.contains("type Style implements Node") && sdl.contains("  genre: Style\n"),
        "{sdl}"
    );
    std::fs::write(&file, "[[types]]\nname = \"X\"\ntable = \"Gone\"\n").expect("write");
    let out = std::process::Command::new(bin)
        .args(["serve", "--listen", "127.0.0.1:0", "--db"])
        .arg(&path)
        .arg("--model")
        .arg(&file)
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(":3: type X: `table` names `Gone`"), "{stderr}");
}

fn run(app: &App, query: &str) -> serde_json::Value {
    let req = relaylite::Request { query: Some(query.into()), ..relaylite::Request::default() };
    match relaylite::run(app, &req) {
        relaylite::Outcome::Executed { data, errors } => serde_json::json!({
            "data": serde_json::from_str::<serde_json::Value>(&data.to_json_string()).expect("json"),
            "errors": errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>(),
        }),
        relaylite::Outcome::Invalid(errors) => {
            serde_json::json!({ "invalid": errors.iter().map(|e| e.message.clone()).collect::<Vec<_>>() })
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_migration_by_another_process_changes_the_schema_without_a_restart() {
    let path =
        std::env::temp_dir().join(format!("relaylite-migrate-{}.sqlite3", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let writer = rusqlite::Connection::open(&path).expect("open");
    writer.execute_batch("CREATE TABLE artist (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO artist VALUES (1, 'Nina');").expect("create");
    let app = App::new(DbConfig::sqlite(path.clone())).expect("app");
    let before = std::sync::Arc::downgrade(&app.schema());
    assert_eq!(
        run(&app, "{ allArtists { edges { node { name } } } }")["data"]["allArtists"]["edges"][0]["node"]
            ["name"],
        "Nina"
    );
    writer
        .execute_batch("CREATE TABLE album (id INTEGER PRIMARY KEY, title TEXT, artist_id INTEGER REFERENCES artist (id)); INSERT INTO album VALUES (1, 'Pastel Blues', 1);")
        .expect("migrate");
    // Introspection reads no table, and still sees the new schema.
    let types = run(&app, "{ __type(name: \"Album\") { name } }");
    assert_eq!(types["data"]["__type"]["name"], "Album", "{types}");
    let d = run(
        &app,
        "{ allAlbums { edges { node { title artist { name } } } } allArtists { edges { node { albums { edges { node { title } } } } } } }",
    );
    assert_eq!(d["data"]["allAlbums"]["edges"][0]["node"]["artist"]["name"], "Nina", "{d}");
    assert_eq!(
        d["data"]["allArtists"]["edges"][0]["node"]["albums"]["edges"][0]["node"]["title"],
        "Pastel Blues"
    );
    // Nothing is kept of a replaced schema once no request runs on it (cached documents
    // and plans do not hold it).
    assert!(before.upgrade().is_none(), "the replaced schema is freed");
    // The first request to ask for a new table or column is not turned away by the schema
    // built before it, however many times it is sent.
    writer
        .execute_batch("ALTER TABLE album ADD COLUMN year INTEGER DEFAULT 1959; CREATE TABLE review (id INTEGER PRIMARY KEY, stars INTEGER); INSERT INTO review VALUES (1, 5);")
        .expect("migrate");
    for _ in 0..2 {
        let d = run(&app, "{ allReviews { edges { node { stars } } } }");
        assert_eq!(d["data"]["allReviews"]["edges"][0]["node"]["stars"], 5, "{d}");
    }
    writer
        .execute_batch("ALTER TABLE review ADD COLUMN body TEXT DEFAULT 'fine'")
        .expect("migrate");
    let d = run(
        &app,
        "{ allReviews { edges { node { body } } } allAlbums { edges { node { year } } } }",
    );
    assert_eq!(d["data"]["allReviews"]["edges"][0]["node"]["body"], "fine", "{d}");
    assert_eq!(d["data"]["allAlbums"]["edges"][0]["node"]["year"], 1959, "{d}");
    // A document that no schema accepts is still refused, once the version is seen unchanged.
    let d = run(&app, "{ allReviews { edges { node { mood } } } }");
    assert!(d["invalid"][0].as_str().is_some_and(|m| m.contains("'mood'")), "{d}");
}

#[test]
fn with_a_model_file_a_migration_that_breaks_it_keeps_the_old_schema() {
    let path = std::env::temp_dir()
        .join(format!("relaylite-migrate-model-{}.sqlite3", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let writer = rusqlite::Connection::open(&path).expect("open");
    writer.execute_batch("CREATE TABLE artist (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO artist VALUES (1, 'Nina');").expect("create");
    let file = "[[types]]\nname = \"Artist\"\ntable = \"artist\"\nconnection = \"artists\"\nfields = [\n  { name = \"name\", column = \"name\" },\n]\n";
    let app = app(&path, file).expect("app");
    let before = app.schema();
    writer.execute_batch("ALTER TABLE artist RENAME COLUMN name TO title").expect("migrate");
    let d = run(&app, "{ artists { edges { node { id } } } }");
    assert!(std::sync::Arc::ptr_eq(&before, &app.schema()), "the old schema still serves");
    assert_eq!(d["data"]["artists"]["edges"][0]["node"]["id"], "QXJ0aXN0OjE=", "{d}");
    writer.execute_batch("ALTER TABLE artist RENAME COLUMN title TO name").expect("migrate back");
    let d = run(&app, "{ artists { edges { node { name } } } }");
    assert_eq!(d["data"]["artists"]["edges"][0]["node"]["name"], "Nina", "{d}");
}
