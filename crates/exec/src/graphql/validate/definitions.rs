//! The document's definitions: operations (their names, variables and the variables'
//! usages) and fragments (their names, types, use and cycles), in graphql-core's rule order.

use super::*;

impl<'a> Validator<'a> {
    pub(super) fn document(&mut self) {
        let _ = self.document_steps();
    }

    pub(super) fn document_steps(&mut self) -> Step {
        let doc = self.doc;
        // ExecutableDefinitions
        for d in &doc.definitions {
            if let Definition::TypeSystem { keyword, name, pos } = d {
                let def_name = match (keyword.as_str(), name.as_deref()) {
                    ("schema", _) => "schema".to_string(),
                    (_, Some(n)) => format!("'{n}'"),
                    (_, None) => format!("'{keyword}'"),
                };
                self.error(msg::not_executable(&def_name), vec![*pos])?;
            }
        }
        let operations =
            doc.definitions.iter().filter(|d| matches!(d, Definition::Operation(_))).count();
        for d in &doc.definitions {
            match d {
                Definition::Operation(op) => self.operation(op, operations <= 1)?,
                Definition::Fragment(f) => self.fragment_definition(f)?,
                Definition::TypeSystem { .. } => {}
            }
        }
        self.no_unused_fragments()
    }

    /// NoUnusedFragments (on leaving the document).
    pub(super) fn no_unused_fragments(&mut self) -> Step {
        let mut used: HashSet<&str> = HashSet::new();
        for d in &self.doc.definitions {
            if let Definition::Operation(op) = d {
                for f in usages::referenced_fragments(self.fragments, &op.selection_set) {
                    used.insert(f.name.value.as_str());
                }
            }
        }
        for d in &self.doc.definitions {
            if let Definition::Fragment(f) = d
                && !used.contains(f.name.value.as_str())
            {
                self.error(msg::unused_fragment(&f.name.value), vec![f.pos])?;
            }
        }
        Ok(())
    }

    // ---- operations ----------------------------------------------------------------

    pub(super) fn operation(&mut self, op: &'a Operation, anonymous_allowed: bool) -> Step {
        // graphql-core's FragmentNestingVisitor runs first and aborts on deep documents.
        if introspection_depth::nesting_depth(&self.nesting, &op.selection_set) > MAX_NESTING_DEPTH
        {
            return Err(self.abort());
        }
        // UniqueOperationNames
        if let Some(name) = &op.name {
            match self.known_operation_names.get(name.value.as_str()) {
                Some(first) => {
                    self.error(msg::duplicate_operation_name(&name.value), vec![*first, name.pos])?
                }
                None => {
                    self.known_operation_names.insert(&name.value, name.pos);
                }
            }
        }
        // LoneAnonymousOperation
        if op.name.is_none() && !anonymous_allowed {
            self.error(msg::anonymous_operation_not_alone(), vec![op.pos])?;
        }
        // UniqueVariableNames
        let mut seen: Vec<(&str, Vec<Pos>)> = Vec::new();
        for v in &op.variables {
            match seen.iter_mut().find(|(n, _)| *n == v.name.value) {
                Some((_, ps)) => ps.push(v.name.pos),
                None => seen.push((&v.name.value, vec![v.name.pos])),
            }
        }
        for (name, ps) in seen {
            if ps.len() > 1 {
                self.error(msg::duplicate_variable(name), ps)?;
            }
        }
        self.unique_directives(&op.directives)?;
        for v in &op.variables {
            self.variable_definition(v)?;
        }
        self.directives(&op.directives, Location::Operation(op.kind))?;
        let root = match op.kind {
            OperationKind::Query => Some(self.schema.query),
            _ => None,
        };
        self.selection_set(root, &op.selection_set, false)?;
        self.leave_operation(op)
    }

    pub(super) fn variable_definition(&mut self, v: &'a VariableDefinition) -> Step {
        let ty = type_from_ast(self.schema, &v.ty);
        // VariablesAreInputTypes
        if let Some(t) = &ty
            && !self.schema.ty(t.named()).is_input()
        {
            self.error(
                msg::non_input_variable_type(&v.name.value, &v.ty.to_string()),
                vec![v.ty.pos()],
            )?;
        }
        self.unique_directives(&v.directives)?;
        self.named_type(v.ty.named())?;
        let input = ty.filter(|t| self.schema.ty(t.named()).is_input());
        if let Some(default) = &v.default {
            self.value(default, input.as_ref())?;
        }
        self.directives(&v.directives, Location::VariableDefinition)
    }

    /// NoUndefinedVariables, NoUnusedVariables and VariablesInAllowedPosition, which
    /// graphql-core runs on leaving an operation, over its usages and its fragments'.
    pub(super) fn leave_operation(&mut self, op: &'a Operation) -> Step {
        let usages = usages::recursive(self.schema, self.fragments, op);
        let op_name = op.name.as_ref().map(|n| n.value.as_str());
        let defined = |name: &str| op.variables.iter().find(|v| v.name.value == name);
        for u in &usages {
            if defined(&u.name).is_none() {
                self.error(msg::undefined_variable(&u.name, op_name), vec![u.pos, op.pos])?;
            }
        }
        for v in &op.variables {
            if !usages.iter().any(|u| u.name == v.name.value) {
                self.error(msg::unused_variable(&v.name.value, op_name), vec![v.pos])?;
            }
        }
        for u in &usages {
            self.allowed_position(u, defined(&u.name))?;
        }
        Ok(())
    }

    pub(super) fn allowed_position(&mut self, u: &Usage, def: Option<&VariableDefinition>) -> Step {
        let (Some(def), Some(location)) = (def, &u.ty) else {
            return Ok(());
        };
        let Some(var_type) = type_from_ast(self.schema, &def.ty) else {
            return Ok(());
        };
        let has_default = def.default.as_ref().is_some_and(|d| d.kind != ValueKind::Null);
        if allowed_variable_usage(
            self.schema,
            &var_type,
            has_default,
            location,
            u.has_location_default,
        ) {
            return Ok(());
        }
        let message = msg::bad_variable_position(
            &u.name,
            &self.schema.type_string(&var_type),
            &self.schema.type_string(location),
        );
        self.error(message, vec![def.pos, u.pos])
    }

    // ---- fragments -----------------------------------------------------------------

    pub(super) fn fragment_definition(&mut self, f: &'a Fragment) -> Step {
        if self.nesting.get(f.name.value.as_str()).copied().unwrap_or(0) > MAX_NESTING_DEPTH {
            return Err(self.abort());
        }
        let ty = self.schema.type_id(&f.type_condition.value);
        // FragmentsOnCompositeTypes
        if let Some(t) = ty.filter(|t| !self.schema.ty(*t).is_composite()) {
            let message = msg::fragment_on_non_composite(&f.name.value, self.schema.name(t));
            self.error(message, vec![f.type_condition.pos])?;
        }
        // UniqueFragmentNames
        match self.known_fragment_names.get(f.name.value.as_str()) {
            Some(first) => {
                self.error(msg::duplicate_fragment_name(&f.name.value), vec![*first, f.name.pos])?
            }
            None => {
                self.known_fragment_names.insert(&f.name.value, f.name.pos);
            }
        }
        // NoFragmentCycles
        let mut path = Vec::new();
        let mut index = HashMap::new();
        self.detect_cycles(f, &mut path, &mut index)?;
        self.unique_directives(&f.directives)?;
        self.named_type(&f.type_condition)?;
        self.directives(&f.directives, Location::FragmentDefinition)?;
        let parent = ty.filter(|t| self.schema.ty(*t).is_composite());
        self.selection_set(parent, &f.selection_set, false)
    }

    pub(super) fn detect_cycles(
        &mut self,
        f: &'a Fragment,
        path: &mut Vec<&'a FragmentSpread>,
        index: &mut HashMap<&'a str, usize>,
    ) -> Step {
        let name = f.name.value.as_str();
        if !self.visited_fragments.insert(name) {
            return Ok(());
        }
        let spreads = usages::fragment_spreads(&f.selection_set);
        if spreads.is_empty() {
            return Ok(());
        }
        index.insert(name, path.len());
        for spread in spreads {
            let spread_name = spread.name.value.as_str();
            path.push(spread);
            match index.get(spread_name) {
                None => {
                    if let Some(target) = self.fragments.get(spread_name).copied() {
                        self.detect_cycles(target, path, index)?;
                    }
                }
                Some(&start) => {
                    let cycle = &path[start..];
                    let via: Vec<&str> =
                        cycle[..cycle.len() - 1].iter().map(|s| s.name.value.as_str()).collect();
                    let locations = cycle.iter().map(|s| s.pos).collect();
                    self.error(msg::fragment_cycle(spread_name, &via), locations)?;
                }
            }
            path.pop();
        }
        index.remove(name);
        Ok(())
    }
}
