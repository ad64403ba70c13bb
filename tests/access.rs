//! Access control on Chinook (`tests/access/chinook.toml`): each role sees its own schema,
//! each customer exactly the rows SQL gives for its rule on every path to them, and tokens
//! that are not what the server trusts are turned away — over a real socket, checked against
//! SQL on the same file.

mod common;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use common::access::{MODEL, PRIVATE_KEY, PUBLIC_KEY, chinook, customer, global_id, now, token};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use relaylite::App;
use relaylite::db::DbConfig;
use relaylite::limits::Limits;
use serde_json::{Value, json};

fn app() -> Arc<App> {
    let config = DbConfig::sqlite(chinook());
    Arc::new(App::open(config, Limits::default(), common::access::model_file()).expect("app"))
}

/// One server for the whole file: the schemas are per role, whatever the tokens.
fn server() -> SocketAddr {
    static ADDR: OnceLock<SocketAddr> = OnceLock::new();
    *ADDR.get_or_init(|| common::serve(app()))
}

fn ask(token: Option<&str>, query: &str) -> common::HttpResponse {
    common::access::ask(server(), token, query)
}

fn data(token: Option<&str>, query: &str) -> Value {
    common::access::data(server(), token, query)
}

#[test]
fn a_customer_reads_its_own_rows_on_every_path() {
    common::access::rows_on_every_path(server());
}

#[test]
fn node_finds_a_customers_own_rows_and_no_one_elses() {
    common::access::nodes(server());
}

/// What a field the role cannot see answers: exactly what a field that does not exist does.
#[test]
fn what_a_role_cannot_see_reads_as_what_does_not_exist() {
    let missing = |query: &str, token: Option<&str>| common::message(&ask(token, query).json());
    for (hidden, absent) in [
        ("{ allCustomers { totalCount } }", "{ allCustomerz { totalCount } }"),
        (
            "{ allTracks { nodes { invoiceLines { totalCount } } } }",
            "{ allTracks { nodes { invoiceLinez { totalCount } } } }",
        ),
    ] {
        let (a, b) = (missing(hidden, None), missing(absent, None));
        assert_eq!(
            a.replace("allCustomers", "allCustomerz").replace("invoiceLines", "invoiceLinez"),
            b
        );
        assert!(!a.contains("Did you mean") && !b.contains("Did you mean"), "{a} / {b}");
    }
    let t = customer(1);
    let hidden = missing("{ allCustomers { nodes { email } } }", Some(&t));
    assert_eq!(hidden, "Cannot query field 'email' on type 'Customer'.");
    let near = missing("{ allCustomers { nodes { emai } } }", Some(&t));
    assert!(!near.contains("'email'"), "a suggestion names a hidden field: {near}");
    // A node of a type the role does not see, as one of a type that does not exist.
    let node =
        |ty: &str| missing(&format!("{{ node(id: \"{}\") {{ id }} }}", global_id(ty, 1)), None);
    assert_eq!(node("Invoice").replace("Invoice", "Nothing"), node("Nothing"));
    // Filters through relationships to unseen types are unknown fields too.
    let m =
        missing("{ allTracks(filter: { invoiceLines: { contains: [] } }) { totalCount } }", None);
    assert!(m.contains("invoiceLines") && !m.contains("Did you mean"), "{m}");
}

/// The type names and fields of the schema introspection shows `token`'s role.
fn introspected(token: Option<&str>) -> BTreeSet<String> {
    let d = data(
        token,
        "{ __schema { types { name fields { name } inputFields { name } enumValues { name } } } }",
    );
    let mut out = BTreeSet::new();
    for ty in d["__schema"]["types"].as_array().expect("types") {
        let name = ty["name"].as_str().expect("name");
        out.insert(name.to_string());
        for part in ["fields", "inputFields", "enumValues"] {
            for f in ty[part].as_array().into_iter().flatten() {
                out.insert(format!("{name}.{}", f["name"].as_str().expect("field")));
            }
        }
    }
    out
}

/// The same from the role's SDL, as `relaylite schema --role` prints it.
fn printed(role: &str) -> BTreeSet<String> {
    let schema = app().schema();
    let role = schema.roles.iter().find(|r| r.name == role).expect("role");
    let sdl = relaylite::schema::sdl::print_sdl(&role.schema);
    let mut out = BTreeSet::new();
    let mut current = None;
    for line in sdl.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            [kind, name, ..] if ["type", "input", "enum", "interface", "scalar"].contains(kind) => {
                out.insert(name.to_string());
                current = line.ends_with('{').then(|| name.to_string());
            }
            ["}"] => current = None,
            // A field's line is indented once (its arguments' lines more).
            [first, ..]
                if current.is_some()
                    && line.starts_with("  ")
                    && !line.starts_with("   ")
                    && !first.starts_with(['"', ')']) =>
            {
                let field = first.split(['(', ':']).next().expect("name");
                out.insert(format!("{}.{field}", current.as_deref().expect("type")));
            }
            _ => {}
        }
    }
    out
}

#[test]
fn each_role_introspects_its_own_schema() {
    let builtin =
        |s: &str| s.starts_with("__") || ["String", "Boolean", "Int", "Float", "ID"].contains(&s);
    for (role, token) in [("anonymous", None), ("customer", Some(customer(1)))] {
        let seen: BTreeSet<String> =
            introspected(token.as_deref()).into_iter().filter(|s| !builtin(s)).collect();
        assert_eq!(seen, printed(role), "role {role}");
        for ty in
            ["Employee", "Playlist", "Employee.customers", "Customer.email", "Customer.supportRep"]
        {
            assert!(!seen.contains(ty), "role {role} sees {ty}");
        }
    }
    assert!(!introspected(None).contains("Customer"));
    assert!(introspected(Some(&customer(1))).contains("Customer.invoices"));
}

fn status_and_message(token: &str) -> (u16, String, Option<String>) {
    let r = ask(Some(token), "{ allAlbums(first: 1) { totalCount } }");
    let challenge = r.header("WWW-Authenticate").map(str::to_string);
    (r.status, common::message(&r.json()), challenge)
}

fn unsigned(header: Value, claims: Value) -> String {
    use base64::Engine;
    let b64 = |v: &Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(serde_json::to_vec(v).expect("json"))
    };
    format!("{}.{}.", b64(&header), b64(&claims))
}

#[test]
fn tokens_the_server_does_not_trust_are_turned_away() {
    let good = json!({"app": {"role": "customer"}, "customer_id": 1, "aud": "relaylite-tests", "iss": "https://issuer.example", "exp": now() + 600});
    let hs = |claims: &Value, secret: &[u8]| {
        encode(
            &Header::new(Algorithm::HS256),
            claims,
            &EncodingKey::from_secret(secret).expect("hmac key"),
        )
        .expect("hs")
    };
    let tampered = {
        let t = customer(1);
        let parts: Vec<&str> = t.split('.').collect();
        let forged = unsigned(
            json!({}),
            json!({"app": {"role": "customer"}, "customer_id": 2, "aud": "relaylite-tests", "iss": "https://issuer.example", "exp": now() + 600}),
        );
        format!("{}.{}.{}", parts[0], forged.split('.').nth(1).expect("payload"), parts[2])
    };
    let claims = |k: &str, v: Value| {
        let mut c = good.clone();
        c[k] = v;
        c
    };
    let attacks = [
        ("alg none", unsigned(json!({"alg": "none", "typ": "JWT"}), good.clone())),
        ("the public key as an HMAC secret", hs(&good, PUBLIC_KEY)),
        ("an HMAC token with a guessed secret", hs(&good, b"a-guessed-secret-of-32-bytes-or-more")),
        ("a tampered payload", tampered),
        ("expired", token(claims("exp", json!(now() - 3600)))),
        ("not valid yet", token(claims("nbf", json!(now() + 3600)))),
        ("wrong audience", token(claims("aud", json!("someone-else")))),
        ("wrong issuer", token(claims("iss", json!("https://evil.example")))),
        ("garbage", "not.a.token".to_string()),
    ];
    for (what, t) in attacks {
        let (status, message, challenge) = status_and_message(&t);
        assert_eq!(status, 401, "{what}: {message}");
        assert_eq!(challenge.as_deref(), Some("Bearer error=\"invalid_token\""), "{what}");
        assert!(message.starts_with("Invalid token"), "{what}: {message}");
    }
    let mut no_aud = good.clone();
    no_aud.as_object_mut().expect("claims").remove("aud");
    let no_aud = encode(
        &Header::new(Algorithm::RS256),
        &no_aud,
        &EncodingKey::from_rsa_pem(PRIVATE_KEY).expect("key"),
    )
    .expect("t");
    assert_eq!(status_and_message(&no_aud).0, 401, "a token without the audience");
    // Valid tokens whose role or claims do not fit: 403, never more rows.
    let (status, message, _) = status_and_message(&token(json!({"app": {"role": "admin"}})));
    assert_eq!(
        (status, message.as_str()),
        (403, "The token's role 'admin' is not one of this server's")
    );
    assert_eq!(
        status_and_message(&token(json!({"role": "customer"}))).0,
        403,
        "role at the wrong path"
    );
    assert_eq!(
        status_and_message(&token(json!({"app": {"role": "customer"}}))).0,
        403,
        "no customer_id"
    );
    let object = token(json!({"app": {"role": "customer"}, "customer_id": {"eq": 1}}));
    assert_eq!(status_and_message(&object).0, 403, "a claim holding filter syntax");
    // Claims are bound values of the type their place in a rule gives them: text where a
    // rule compares an Int is refused, never read as SQL or as filter syntax.
    for injected in [json!("1 OR 1=1"), json!("1) OR (1=1"), json!("$jwt_customer_id")] {
        let t = token(json!({"app": {"role": "customer"}, "customer_id": injected}));
        let (status, message, _) = status_and_message(&t);
        assert_eq!(status, 403, "{injected}: {message}");
        assert!(
            message.starts_with("The token's claim 'customer_id' does not fit role 'customer'")
        );
    }
    // A token in the query string is no token: the request is anonymous's.
    let query = "%7B%20allCustomers%20%7B%20totalCount%20%7D%20%7D";
    let target = format!("/graphql?query={query}&access_token={}", customer(1));
    let r = common::request(server(), "GET", &target, &[], b"");
    assert_eq!(common::message(&r.json()), "Cannot query field 'allCustomers' on type 'Query'.");
}

#[test]
fn a_model_file_names_what_it_gets_wrong() {
    let catalog_model = |extra: &str| {
        let (line, extra) = match extra.strip_prefix("hidden") {
            Some(_) => ("hidden = [\"Customer.supportRep\", \"Customer.email\"]", extra),
            None => (
                "rows.InvoiceLine = \"{ invoice: { customerId: { eq: $jwt_customer_id } } }\"",
                extra,
            ),
        };
        let text = std::fs::read_to_string(MODEL).expect("model").replace(line, extra);
        let dir = Path::new(MODEL).to_path_buf();
        App::open(
            DbConfig::sqlite(chinook()),
            Limits::default(),
            Some((dir.display().to_string(), text)),
        )
        .err()
        .expect("refused")
    };
    for (rule, says) in [
        (
            "rows.InvoiceLine = \"{ invoice: { customerid: { eq: 1 } } }\"",
            "`customerid` is not a field of InvoiceFilter",
        ),
        (
            "rows.InvoiceLine = \"{ quantity: { eq: $customer_id } }\"",
            "a rule's variables are claims",
        ),
        ("rows.InvoiceLine = \"{ quantity: { eq: \\\"many\\\" } }\"", "is not a value of Int"),
        ("rows.InvoiceLine = \"{ quantity: \"", "not one GraphQL value"),
        (
            "rows.Employee = \"{ employeeId: { eq: 1 } }\"",
            "a rule for a type the role does not see",
        ),
        ("hidden = [\"Customer.nothing\"]", "`hidden` names `Customer.nothing`"),
        ("hidden = [\"Customer.customerId\"]", "a column of the key"),
        (
            "rows.InvoiceLine = \"{ invoice: $jwt_invoice }\"",
            "a claim is a value or a list of values",
        ),
        ("rows.InvoiceLine = \"{ or: $jwt_any }\"", "a claim is a value or a list of values"),
        ("rows.InvoiceLine = \"{}\"", "tests nothing"),
        ("rows.InvoiceLine = \"{ or: [] }\"", "tests nothing"),
        ("rows.InvoiceLine = \"{ invoice: {} }\"", "tests nothing"),
        ("rows.InvoiceLine = \"{ quantity: { notIn: [] } }\"", "lets every row through"),
        ("rows.InvoiceLine = \"{ and: [{ quantity: { notIn: [] } }] }\"", "lets every row through"),
        ("rows.InvoiceLine = \"{ quantity: { eq: 1 } }) g(v: 2\"", "not one GraphQL value"),
    ] {
        let e = catalog_model(rule);
        assert!(e.contains("chinook.toml:") && e.contains(says), "{rule}: {e}");
        assert!(e.contains("role customer"), "{rule}: {e}");
    }
}

/// The binary with an HMAC secret from its environment (and the role where it is by
/// default, `role`): tokens signed with it work, others
/// (an RSA-signed token, `alg: none`) do not, and a missing or short secret stops start-up.
#[test]
fn an_hmac_secret_comes_from_the_environment() {
    use std::process::{Command, Stdio};
    let dir = std::env::temp_dir().join(format!("relaylite-access-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let model = dir.join("hs.toml");
    let text = std::fs::read_to_string(MODEL)
        .expect("model")
        .replace("jwks_file = \"jwks.json\"", "jwt_secret_env = \"RELAYLITE_TEST_SECRET\"")
        .replace("audience = \"relaylite-tests\"\nissuer = \"https://issuer.example\"\n", "")
        .replace("role_claim = \"app.role\"\n", "");
    std::fs::write(&model, text).expect("write model");
    let run = |secret: Option<&str>| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_relaylite"));
        c.args(["--db", &chinook().display().to_string(), "--model", &model.display().to_string()]);
        c.args(["--listen", "127.0.0.1:0"]).stdout(Stdio::piped()).stderr(Stdio::piped());
        match secret {
            Some(s) => c.env("RELAYLITE_TEST_SECRET", s),
            None => c.env_remove("RELAYLITE_TEST_SECRET"),
        };
        c.spawn().expect("spawn")
    };
    for (secret, says) in [
        (None, "RELAYLITE_TEST_SECRET (jwt_secret_env) is not set"),
        (Some("short"), "at least 32"),
    ] {
        let out = run(secret).wait_with_output().expect("exits");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && err.contains(says), "{err}");
    }
    let secret = "a-secret-for-tests-only-0123456789abcdef";
    let mut child = run(Some(secret));
    let addr = common::startup_address(&mut child);
    let claims = json!({"role": "customer", "customer_id": 7, "exp": now() + 600});
    let hs = encode(
        &Header::new(Algorithm::HS512),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()).expect("key"),
    )
    .expect("token");
    let rs = encode(
        &Header::new(Algorithm::RS256),
        &claims,
        &EncodingKey::from_rsa_pem(PRIVATE_KEY).expect("key"),
    )
    .expect("token");
    let none = unsigned(json!({"alg": "none"}), claims.clone());
    let ask = |token: &str| {
        let body = br#"{"query": "{ allCustomers { nodes { customerId } } }"}"#;
        let auth = format!("Bearer {token}");
        let headers = [("Content-Type", "application/json"), ("Authorization", auth.as_str())];
        common::request(addr, "POST", "/graphql", &headers, body)
    };
    let ok = ask(&hs);
    assert_eq!(
        ok.json()["data"]["allCustomers"]["nodes"],
        json!([{"customerId": "7"}]),
        "{}",
        ok.text()
    );
    for (what, t) in [("an RSA token", rs), ("alg none", none)] {
        assert_eq!(ask(&t).status, 401, "{what}");
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn the_schema_command_prints_a_roles_schema() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_relaylite"))
        .args(["schema", "--db", &chinook().display().to_string(), "--model", MODEL])
        .args(["--role", "customer"])
        .output()
        .expect("runs");
    let sdl = String::from_utf8_lossy(&out.stdout);
    let schema = app().schema();
    let role = schema.roles.iter().find(|r| r.name == "customer").expect("role");
    assert_eq!(sdl.trim_end(), relaylite::schema::sdl::print_sdl(&role.schema).trim_end());
    assert!(sdl.contains("type Invoice ") && !sdl.contains("type Employee "));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_relaylite"))
        .args(["schema", "--db", &chinook().display().to_string(), "--model", MODEL])
        .args(["--role", "admin"])
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("roles: anonymous, customer"), "{err}");
}

/// A many-to-many's links are rows of its junction: a rule on the junction picks the links
/// every path through it reads (fields, counts, `contains`), and a role that does not see a
/// junction type has no relationship through it.
#[test]
fn a_rule_on_a_junction_picks_the_links_a_many_to_many_reads() {
    let config = DbConfig::sqlite(chinook());
    let model = Some(common::access::model_with_link_roles());
    let app = App::open(config, Limits::default(), model).expect("app");
    common::access::junction_links(common::serve(Arc::new(app)));
}

/// `relaylite model` prints who may read what too: the printed file reads back to the
/// same model, roles and rules, and each role's schema is the same.
#[test]
fn a_printed_model_keeps_who_may_read_what() {
    let first = app();
    let printed = relaylite::model::file::print(&first.schema().model, "a test");
    for part in
        ["[access]", "jwks_file", "role_claim = \"app.role\"", "[[roles]]", "rows.InvoiceLine"]
    {
        assert!(printed.contains(part), "{part}:\n{printed}");
    }
    let path = std::env::temp_dir().join(format!("relaylite-printed-{}.toml", std::process::id()));
    let config = DbConfig::sqlite(chinook());
    let model = Some((path.display().to_string(), printed.clone()));
    let again = App::open(config, Limits::default(), model).expect("the printed file reads back");
    assert_eq!(relaylite::model::file::print(&again.schema().model, "a test"), printed);
    let sdl = |app: &App| -> Vec<String> {
        let schema = app.schema();
        schema.roles.iter().map(|r| relaylite::schema::sdl::print_sdl(&r.schema)).collect()
    };
    assert_eq!(sdl(&again), sdl(&first));
}
