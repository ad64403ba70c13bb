//! Values against the type their place expects: literals, input objects, variables, as
//! graphql-core's `ValuesOfCorrectTypeRule` walks them.

use super::*;

impl<'a> Validator<'a> {
    /// ValuesOfCorrectType and UniqueInputFieldNames over a value, given the input type
    /// its position expects (TypeInfo's input type).
    pub(super) fn value(&mut self, v: &'a Value, ty: Option<&TypeRef>) -> Step {
        let schema = self.schema;
        match &v.kind {
            ValueKind::Variable(_) => Ok(()),
            ValueKind::List(items) => {
                let Some(TypeRef::List(item)) = ty.map(TypeRef::nullable) else {
                    // TypeInfo's item type of a non-list position is its nullable type.
                    return self.valid_value_node(v, ty.map(TypeRef::nullable));
                };
                for x in items {
                    self.value(x, Some(item))?;
                }
                Ok(())
            }
            ValueKind::Object(fields) => {
                let object = ty
                    .map(|t| t.named())
                    .filter(|t| matches!(schema.ty(*t).kind, Kind::InputObject { .. }));
                let Some(object) = object else {
                    return self.valid_value_node(v, ty);
                };
                self.object_value(v, object, fields)
            }
            ValueKind::Null => match ty.filter(|t| t.is_non_null()) {
                Some(t) => {
                    self.error(msg::unexpected_value(&schema.type_string(t), "null"), vec![v.pos])
                }
                None => Ok(()),
            },
            _ => self.valid_value_node(v, ty),
        }
    }

    pub(super) fn object_value(
        &mut self,
        v: &'a Value,
        object: TypeId,
        fields: &'a [ObjectField],
    ) -> Step {
        let schema = self.schema;
        let t = schema.ty(object);
        for def in t.input_fields() {
            let given = fields.iter().any(|f| f.name.value == def.name);
            if !given && def.ty.is_non_null() && def.default.is_none() {
                let message =
                    msg::missing_input_field(&t.name, &def.name, &schema.type_string(&def.ty));
                self.error(message, vec![v.pos])?;
            }
        }
        let mut seen: HashMap<&str, Pos> = HashMap::new();
        for f in fields {
            let def = t.input_fields().iter().find(|d| d.name == f.name.value);
            if def.is_none() {
                let suggestions = suggestion_list(
                    &f.name.value,
                    t.input_fields().iter().map(|d| d.name.as_str()),
                );
                self.error(
                    msg::unknown_input_field(&f.name.value, &t.name, &suggestions),
                    vec![f.pos],
                )?;
            }
            // UniqueInputFieldNames
            match seen.get(f.name.value.as_str()) {
                Some(first) => {
                    self.error(msg::duplicate_input_field(&f.name.value), vec![*first, f.name.pos])?
                }
                None => {
                    seen.insert(&f.name.value, f.name.pos);
                }
            }
            self.value(&f.value, def.map(|d| &d.ty))?;
        }
        Ok(())
    }

    /// ValuesOfCorrectType's `is_valid_value_node`: the literal must parse as the type.
    pub(super) fn valid_value_node(&mut self, v: &Value, location: Option<&TypeRef>) -> Step {
        let Some(location) = location else {
            return Ok(());
        };
        let named = location.named();
        let result = match &self.schema.ty(named).kind {
            Kind::Scalar(s) => scalar_literal(*s, v).map(|_| ()),
            Kind::Enum { .. } => enum_literal(self.schema, named, v).map(|_| ()),
            _ => Err(GraphQLError::at(
                msg::unexpected_value(&self.schema.type_string(location), &v.to_string()),
                v.pos,
            )),
        };
        match result {
            Ok(()) => Ok(()),
            Err(e) => self.report(e),
        }
    }
}
