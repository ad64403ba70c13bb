//! Every validation message, one function each, worded exactly as graphql-core 3.2 words it.

use crate::graphql::suggest::did_you_mean;

pub fn not_executable(def_name: &str) -> String {
    format!("The {def_name} definition is not executable.")
}

pub fn duplicate_operation_name(name: &str) -> String {
    format!("There can be only one operation named '{name}'.")
}

pub fn anonymous_operation_not_alone() -> String {
    "This anonymous operation must be the only defined operation.".into()
}

pub fn unknown_type(name: &str, suggestions: &[&str]) -> String {
    format!("Unknown type '{name}'.{}", did_you_mean(suggestions, None))
}

pub fn inline_fragment_on_non_composite(type_name: &str) -> String {
    format!("Fragment cannot condition on non composite type '{type_name}'.")
}

pub fn fragment_on_non_composite(fragment: &str, type_name: &str) -> String {
    format!("Fragment '{fragment}' cannot condition on non composite type '{type_name}'.")
}

pub fn non_input_variable_type(variable: &str, type_text: &str) -> String {
    format!("Variable '${variable}' cannot be non-input type '{type_text}'.")
}

pub fn selection_on_leaf(field: &str, type_text: &str) -> String {
    format!("Field '{field}' must not have a selection since type '{type_text}' has no subfields.")
}

pub fn missing_selection(field: &str, type_text: &str) -> String {
    format!(
        "Field '{field}' of type '{type_text}' must have a selection of subfields. Did you mean '{field} {{ ... }}'?"
    )
}

pub fn unknown_field(field: &str, type_name: &str, types: &[&str], fields: &[&str]) -> String {
    let mut hint = did_you_mean(types, Some("to use an inline fragment on"));
    if hint.is_empty() {
        hint = did_you_mean(fields, None);
    }
    format!("Cannot query field '{field}' on type '{type_name}'.{hint}")
}

pub fn duplicate_fragment_name(name: &str) -> String {
    format!("There can be only one fragment named '{name}'.")
}

pub fn unknown_fragment(name: &str) -> String {
    format!("Unknown fragment '{name}'.")
}

pub fn unused_fragment(name: &str) -> String {
    format!("Fragment '{name}' is never used.")
}

pub fn impossible_inline_spread(parent: &str, fragment_type: &str) -> String {
    format!(
        "Fragment cannot be spread here as objects of type '{parent}' can never be of type '{fragment_type}'."
    )
}

pub fn impossible_spread(fragment: &str, parent: &str, fragment_type: &str) -> String {
    format!(
        "Fragment '{fragment}' cannot be spread here as objects of type '{parent}' can never be of type '{fragment_type}'."
    )
}

pub fn fragment_cycle(spread: &str, via: &[&str]) -> String {
    if via.is_empty() {
        return format!("Cannot spread fragment '{spread}' within itself.");
    }
    let via: Vec<String> = via.iter().map(|v| format!("'{v}'")).collect();
    format!("Cannot spread fragment '{spread}' within itself via {}.", via.join(", "))
}

pub fn duplicate_variable(name: &str) -> String {
    format!("There can be only one variable named '${name}'.")
}

pub fn undefined_variable(name: &str, operation: Option<&str>) -> String {
    match operation {
        Some(op) => format!("Variable '${name}' is not defined by operation '{op}'."),
        None => format!("Variable '${name}' is not defined."),
    }
}

pub fn unused_variable(name: &str, operation: Option<&str>) -> String {
    match operation {
        Some(op) => format!("Variable '${name}' is never used in operation '{op}'."),
        None => format!("Variable '${name}' is never used."),
    }
}

pub fn unknown_directive(name: &str) -> String {
    format!("Unknown directive '@{name}'.")
}

pub fn misplaced_directive(name: &str, location: &str) -> String {
    format!("Directive '@{name}' may not be used on {location}.")
}

pub fn duplicate_directive(name: &str) -> String {
    format!("The directive '@{name}' can only be used once at this location.")
}

pub fn unknown_argument(arg: &str, type_name: &str, field: &str, suggestions: &[&str]) -> String {
    format!(
        "Unknown argument '{arg}' on field '{type_name}.{field}'.{}",
        did_you_mean(suggestions, None)
    )
}

pub fn unknown_directive_argument(arg: &str, directive: &str, suggestions: &[&str]) -> String {
    format!(
        "Unknown argument '{arg}' on directive '@{directive}'.{}",
        did_you_mean(suggestions, None)
    )
}

pub fn duplicate_argument(name: &str) -> String {
    format!("There can be only one argument named '{name}'.")
}

pub fn missing_input_field(type_name: &str, field: &str, type_text: &str) -> String {
    format!("Field '{type_name}.{field}' of required type '{type_text}' was not provided.")
}

pub fn unknown_input_field(field: &str, type_name: &str, suggestions: &[&str]) -> String {
    format!(
        "Field '{field}' is not defined by type '{type_name}'.{}",
        did_you_mean(suggestions, None)
    )
}

pub fn unexpected_value(type_text: &str, value: &str) -> String {
    format!("Expected value of type '{type_text}', found {value}.")
}

pub fn missing_field_argument(field: &str, arg: &str, type_text: &str) -> String {
    format!(
        "Field '{field}' argument '{arg}' of type '{type_text}' is required, but it was not provided."
    )
}

pub fn missing_directive_argument(directive: &str, arg: &str, type_text: &str) -> String {
    format!(
        "Directive '@{directive}' argument '{arg}' of type '{type_text}' is required, but it was not provided."
    )
}

pub fn bad_variable_position(name: &str, var_type: &str, expected: &str) -> String {
    format!("Variable '${name}' of type '{var_type}' used in position expecting type '{expected}'.")
}

pub fn fields_conflict(response_name: &str, reason: &str) -> String {
    format!(
        "Fields '{}' conflict because {reason}. Use different aliases on the fields to fetch both if this was intentional.",
        abbreviate(response_name)
    )
}

pub fn duplicate_input_field(name: &str) -> String {
    format!("There can be only one input field named '{name}'.")
}

pub fn introspection_too_deep() -> String {
    "Maximum introspection depth exceeded".into()
}

pub fn too_many_errors() -> String {
    "Too many validation errors, error limit reached. Validation aborted.".into()
}

pub fn aborted() -> String {
    "Validation aborted.".into()
}

/// graphql-core's `maybe_abbreviate`: conflict details are cut at 1,000 characters.
pub fn abbreviate(text: &str) -> String {
    match text.char_indices().nth(1000) {
        Some((i, _)) => format!("{}...", &text[..i]),
        None => text.to_string(),
    }
}
