//! Printing the schema as SDL, as graphql-core's `print_schema` does, so `relaylite schema`
//! is byte-identical to the original's `print(schema)`.

use crate::graphql::ast::print_block_string;
use crate::schema::{Field, InputValue, Kind, Schema};

/// graphql-core's `print_schema`: every type but the built-in scalars and `__` types.
pub fn print_sdl(schema: &Schema) -> String {
    let builtin = ["ID", "String", "Int", "Float", "Boolean"];
    let blocks: Vec<String> = schema
        .order
        .iter()
        .map(|t| schema.ty(*t))
        .filter(|t| !t.name.starts_with("__") && !builtin.contains(&t.name.as_str()))
        .map(|t| {
            let head = description(&t.description, "", true);
            match &t.kind {
                Kind::Scalar(_) => format!("{head}scalar {}", t.name),
                Kind::Object { fields, interfaces } => {
                    let names: Vec<&str> = interfaces.iter().map(|i| schema.name(*i)).collect();
                    let implements = if names.is_empty() {
                        String::new()
                    } else {
                        format!(" implements {}", names.join(" & "))
                    };
                    format!("{head}type {}{implements}{}", t.name, print_fields(schema, fields))
                }
                Kind::Interface { fields, .. } => {
                    format!("{head}interface {}{}", t.name, print_fields(schema, fields))
                }
                Kind::Enum { values } => {
                    let lines: Vec<String> = values
                        .iter()
                        .enumerate()
                        .map(|(i, v)| {
                            format!("{}  {}", description(&v.description, "  ", i == 0), v.name)
                        })
                        .collect();
                    format!("{head}enum {}{}", t.name, block(&lines))
                }
                Kind::InputObject { fields } => {
                    let lines: Vec<String> = fields
                        .iter()
                        .enumerate()
                        .map(|(i, v)| {
                            format!(
                                "{}  {}",
                                description(&v.description, "  ", i == 0),
                                input_value(schema, v)
                            )
                        })
                        .collect();
                    format!("{head}input {}{}", t.name, block(&lines))
                }
            }
        })
        .collect();
    blocks.join("\n\n")
}

fn print_fields(schema: &Schema, fields: &[Field]) -> String {
    let lines: Vec<String> = fields
        .iter()
        .enumerate()
        .map(|(i, f)| {
            format!(
                "{}  {}{}: {}",
                description(&f.description, "  ", i == 0),
                f.name,
                print_args(schema, &f.args, "  "),
                schema.type_string(&f.ty)
            )
        })
        .collect();
    block(&lines)
}

fn print_args(schema: &Schema, args: &[InputValue], indent: &str) -> String {
    if args.is_empty() {
        return String::new();
    }
    if args.iter().all(|a| a.description.is_none()) {
        let parts: Vec<String> = args.iter().map(|a| input_value(schema, a)).collect();
        return format!("({})", parts.join(", "));
    }
    let lines: Vec<String> = args
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let inner = format!("  {indent}");
            format!(
                "{}{inner}{}",
                description(&a.description, &inner, i == 0),
                input_value(schema, a)
            )
        })
        .collect();
    format!("(\n{}\n{indent})", lines.join("\n"))
}

fn input_value(schema: &Schema, v: &InputValue) -> String {
    let mut s = format!("{}: {}", v.name, schema.type_string(&v.ty));
    if let Some(d) = &v.default {
        s.push_str(" = ");
        s.push_str(d);
    }
    s
}

fn block(lines: &[String]) -> String {
    if lines.is_empty() { String::new() } else { format!(" {{\n{}\n}}", lines.join("\n")) }
}

fn description(d: &Option<String>, indent: &str, first: bool) -> String {
    let Some(d) = d else { return String::new() };
    let prefix =
        if !indent.is_empty() && !first { format!("\n{indent}") } else { indent.to_string() };
    format!("{prefix}{}\n", print_block_string(d).replace('\n', &format!("\n{indent}")))
}
