//! Printing the schema as SDL, as graphql-core's `print_schema` does, so `relaylite schema`
//! is byte-identical to the original's `print(schema)`. Everything is written into one
//! string as it goes: a catalogue of thousands of tables prints megabytes.

use std::fmt::Write;

use crate::graphql::ast::print_block_string;
use crate::schema::{Field, InputValue, Kind, Schema, Type};

/// graphql-core's `print_schema`: every type but the built-in scalars and `__` types.
pub fn print_sdl(schema: &Schema) -> String {
    let builtin = ["ID", "String", "Int", "Float", "Boolean"];
    let mut out = String::with_capacity(schema.order.len() * 256);
    let types = schema.order.iter().map(|t| schema.ty(*t));
    let printed =
        types.filter(|t| !t.name.starts_with("__") && !builtin.contains(&t.name.as_str()));
    for (i, t) in printed.enumerate() {
        if i > 0 {
            out.push_str("\n\n");
        }
        print_type(schema, t, &mut out);
    }
    out
}

fn print_type(schema: &Schema, t: &Type, out: &mut String) {
    description(&t.description, "", true, out);
    match &t.kind {
        Kind::Scalar(_) => {
            let _ = write!(out, "scalar {}", t.name);
        }
        Kind::Object { fields, interfaces } => {
            let _ = write!(out, "type {}", t.name);
            for (i, interface) in interfaces.iter().enumerate() {
                out.push_str(if i == 0 { " implements " } else { " & " });
                out.push_str(schema.name(*interface));
            }
            print_fields(schema, fields, out);
        }
        Kind::Interface { fields, .. } => {
            let _ = write!(out, "interface {}", t.name);
            print_fields(schema, fields, out);
        }
        Kind::Enum { values } => {
            let _ = write!(out, "enum {}", t.name);
            block(values, out, |i, v, out| {
                description(&v.description, "  ", i == 0, out);
                out.push_str("  ");
                out.push_str(&v.name);
            });
        }
        Kind::InputObject { fields } => {
            let _ = write!(out, "input {}", t.name);
            block(fields, out, |i, v, out| {
                description(&v.description, "  ", i == 0, out);
                out.push_str("  ");
                input_value(schema, v, out);
            });
        }
    }
}

fn print_fields(schema: &Schema, fields: &[Field], out: &mut String) {
    block(fields, out, |i, f, out| {
        description(&f.description, "  ", i == 0, out);
        out.push_str("  ");
        out.push_str(&f.name);
        print_args(schema, &f.args, "  ", out);
        out.push_str(": ");
        out.push_str(&schema.type_string(&f.ty));
    });
}

fn print_args(schema: &Schema, args: &[InputValue], indent: &str, out: &mut String) {
    if args.is_empty() {
        return;
    }
    if args.iter().all(|a| a.description.is_none()) {
        out.push('(');
        for (i, a) in args.iter().enumerate() {
            out.push_str(if i > 0 { ", " } else { "" });
            input_value(schema, a, out);
        }
        out.push(')');
        return;
    }
    let inner = format!("  {indent}");
    out.push_str("(\n");
    for (i, a) in args.iter().enumerate() {
        out.push_str(if i > 0 { "\n" } else { "" });
        description(&a.description, &inner, i == 0, out);
        out.push_str(&inner);
        input_value(schema, a, out);
    }
    let _ = write!(out, "\n{indent})");
}

fn input_value(schema: &Schema, v: &InputValue, out: &mut String) {
    let _ = write!(out, "{}: {}", v.name, schema.type_string(&v.ty));
    if let Some(d) = &v.default {
        let _ = write!(out, " = {d}");
    }
}

/// ` {`, a line per item, `}` — or nothing for no items.
fn block<T>(items: &[T], out: &mut String, mut line: impl FnMut(usize, &T, &mut String)) {
    if items.is_empty() {
        return;
    }
    out.push_str(" {\n");
    for (i, item) in items.iter().enumerate() {
        out.push_str(if i > 0 { "\n" } else { "" });
        line(i, item, out);
    }
    out.push_str("\n}");
}

fn description(d: &Option<String>, indent: &str, first: bool, out: &mut String) {
    let Some(d) = d else { return };
    if !indent.is_empty() && !first {
        out.push('\n');
    }
    out.push_str(indent);
    let text = print_block_string(d);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
            out.push_str(indent);
        }
        out.push_str(line);
    }
    out.push('\n');
}
