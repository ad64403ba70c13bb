//! The vocabulary type declarations are written in, before names are resolved: shared by
//! the model's types (`build.rs`) and the introspection types (`introspection.rs`), so
//! neither of those needs the other's.

use super::{Meta, Resolver, Scalar};

pub(crate) enum Decl {
    Scalar(Scalar),
    Object(Vec<FieldDecl>, Vec<&'static str>),
    Interface(Vec<FieldDecl>),
    Enum(Vec<(String, Option<String>)>),
    Input(Vec<ArgDecl>),
}

pub(crate) struct FieldDecl {
    pub name: String,
    pub description: Option<String>,
    pub args: Vec<ArgDecl>,
    pub ty: String,
    pub resolver: Resolver,
}

pub(crate) struct ArgDecl {
    pub name: String,
    pub description: Option<String>,
    pub ty: String,
    pub default: Option<String>,
}

pub(crate) fn f(name: &str, ty: &str, description: Option<&str>, resolver: Resolver) -> FieldDecl {
    FieldDecl {
        name: name.into(),
        description: description.map(Into::into),
        args: Vec::new(),
        ty: ty.into(),
        resolver,
    }
}

pub(crate) fn arg(
    name: &str,
    ty: &str,
    description: Option<&str>,
    default: Option<&str>,
) -> ArgDecl {
    ArgDecl {
        name: name.into(),
        description: description.map(Into::into),
        ty: ty.into(),
        default: default.map(Into::into),
    }
}

impl FieldDecl {
    pub(crate) fn args(mut self, args: Vec<ArgDecl>) -> Self {
        self.args = args;
        self
    }
}

/// A field of an introspection type, for `introspection.rs`'s declarations.
pub(crate) fn meta_field(
    name: &str,
    ty: &str,
    description: Option<&str>,
    meta: Meta,
    args: Vec<ArgDecl>,
) -> FieldDecl {
    f(name, ty, description, Resolver::Meta(meta)).args(args)
}

/// An argument of an introspection field.
pub(crate) fn meta_arg(name: &str, ty: &str, default: Option<&str>) -> ArgDecl {
    arg(name, ty, None, default)
}
