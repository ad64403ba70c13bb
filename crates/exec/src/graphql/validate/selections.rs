//! Selection sets: fields on their parent types, fragment spreads and inline fragments,
//! with what each rule checks on entering and leaving them.

use super::*;

impl<'a> Validator<'a> {
    pub(super) fn selection_set(
        &mut self,
        parent: Option<TypeId>,
        set: &'a SelectionSet,
        in_inline_fragment: bool,
    ) -> Step {
        // OverlappingFieldsCanBeMerged (inline fragments are checked with their parent)
        if !in_inline_fragment {
            match self.overlap.check(parent, set) {
                Ok(conflicts) => {
                    for c in conflicts {
                        let locations = c.fields1.into_iter().chain(c.fields2).collect();
                        self.error(msg::fields_conflict(&c.response_name, &c.reason), locations)?;
                    }
                }
                Err(overlap::Aborted) => return Err(self.abort()),
            }
        }
        for sel in &set.items {
            match sel {
                Selection::Field(f) => self.field(parent, f)?,
                Selection::FragmentSpread(s) => self.fragment_spread(parent, s)?,
                Selection::InlineFragment(i) => self.inline_fragment(parent, i)?,
            }
        }
        Ok(())
    }

    pub(super) fn field(&mut self, parent: Option<TypeId>, f: &'a Field) -> Step {
        let schema = self.schema;
        let def = parent.and_then(|p| schema.field_def(p, &f.name.value));
        let ty = def.map(|d| &d.ty);
        // ScalarLeafs
        if let Some(t) = ty {
            let named = schema.ty(t.named());
            let has_selection = !f.selection_set.items.is_empty();
            if named.is_leaf() && has_selection {
                let message = msg::selection_on_leaf(&f.name.value, &schema.type_string(t));
                self.error(message, vec![f.selection_set.pos.unwrap_or(f.pos)])?;
            } else if !named.is_leaf() && !has_selection {
                self.error(
                    msg::missing_selection(&f.name.value, &schema.type_string(t)),
                    vec![f.pos],
                )?;
            }
        }
        // FieldsOnCorrectType
        if let (Some(p), None) = (parent, def) {
            self.unknown_field(p, f)?;
        }
        self.unique_directives(&f.directives)?;
        self.unique_arguments(&f.arguments)?;
        // MaxIntrospectionDepth
        if matches!(f.name.value.as_str(), "__schema" | "__type") && self.introspection.too_deep(f)
        {
            self.error(msg::introspection_too_deep(), vec![f.pos])?;
        }
        for a in &f.arguments {
            let arg_def = def.and_then(|d| d.args.iter().find(|x| x.name == a.name.value));
            // KnownArgumentNames
            if let (Some(d), Some(p), None) = (def, parent, arg_def) {
                let suggestions =
                    suggestion_list(&a.name.value, d.args.iter().map(|x| x.name.as_str()));
                let message =
                    msg::unknown_argument(&a.name.value, schema.name(p), &d.name, &suggestions);
                self.error(message, vec![a.pos])?;
            }
            self.value(&a.value, arg_def.map(|x| &x.ty))?;
        }
        self.directives(&f.directives, Location::Field)?;
        let inner = ty.map(|t| t.named()).filter(|t| schema.ty(*t).is_composite());
        if !f.selection_set.items.is_empty() {
            self.selection_set(inner, &f.selection_set, false)?;
        }
        // ProvidedRequiredArguments (on leaving the field)
        if let Some(d) = def {
            for arg in &d.args {
                let given = f.arguments.iter().any(|a| a.name.value == arg.name);
                if !given && arg.ty.is_non_null() && arg.default.is_none() {
                    let message = msg::missing_field_argument(
                        &f.name.value,
                        &arg.name,
                        &schema.type_string(&arg.ty),
                    );
                    self.error(message, vec![f.pos])?;
                }
            }
        }
        Ok(())
    }

    pub(super) fn unknown_field(&mut self, parent: TypeId, f: &Field) -> Step {
        let schema = self.schema;
        let name = f.name.value.as_str();
        let mut types: Vec<&str> = Vec::new();
        if let Kind::Interface { possible, .. } = &schema.ty(parent).kind {
            types = possible
                .iter()
                .filter(|t| schema.ty(**t).field(name).is_some())
                .map(|t| schema.name(*t))
                .collect();
            types.sort();
        }
        let fields =
            suggestion_list(name, schema.ty(parent).fields().iter().map(|x| x.name.as_str()));
        self.error(msg::unknown_field(name, schema.name(parent), &types, &fields), vec![f.pos])
    }

    pub(super) fn fragment_spread(
        &mut self,
        parent: Option<TypeId>,
        s: &'a FragmentSpread,
    ) -> Step {
        let name = s.name.value.as_str();
        // KnownFragmentNames
        let fragment = self.fragments.get(name).copied();
        if fragment.is_none() {
            self.error(msg::unknown_fragment(name), vec![s.name.pos])?;
        }
        // PossibleFragmentSpreads
        let frag_type = fragment
            .and_then(|f| self.schema.type_id(&f.type_condition.value))
            .filter(|t| self.schema.ty(*t).is_composite());
        if let (Some(ft), Some(p)) = (frag_type, parent)
            && !types_overlap(self.schema, ft, p)
        {
            let message = msg::impossible_spread(name, self.schema.name(p), self.schema.name(ft));
            self.error(message, vec![s.pos])?;
        }
        self.unique_directives(&s.directives)?;
        self.directives(&s.directives, Location::FragmentSpread)
    }

    pub(super) fn inline_fragment(
        &mut self,
        parent: Option<TypeId>,
        i: &'a InlineFragment,
    ) -> Step {
        let schema = self.schema;
        let ty = match &i.type_condition {
            Some(tc) => schema.type_id(&tc.value),
            None => parent,
        };
        // FragmentsOnCompositeTypes
        if let (Some(tc), Some(t)) = (&i.type_condition, ty)
            && !schema.ty(t).is_composite()
        {
            self.error(msg::inline_fragment_on_non_composite(&tc.value), vec![tc.pos])?;
        }
        let composite = ty.filter(|t| schema.ty(*t).is_composite());
        // PossibleFragmentSpreads
        if let (Some(ft), Some(p)) = (composite, parent)
            && !types_overlap(schema, ft, p)
        {
            self.error(
                msg::impossible_inline_spread(schema.name(p), schema.name(ft)),
                vec![i.pos],
            )?;
        }
        self.unique_directives(&i.directives)?;
        if let Some(tc) = &i.type_condition {
            self.named_type(tc)?;
        }
        self.directives(&i.directives, Location::InlineFragment)?;
        self.selection_set(composite, &i.selection_set, true)
    }
}
