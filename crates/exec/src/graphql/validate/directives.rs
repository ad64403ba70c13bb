//! Type names, directives (known, in their place, unique) and arguments (known, unique,
//! required) as graphql-core's rules check them.

use super::*;

impl<'a> Validator<'a> {
    /// KnownTypeNames
    pub(super) fn named_type(&mut self, n: &Name) -> Step {
        if self.schema.type_id(&n.value).is_some() {
            return Ok(());
        }
        let suggestions =
            suggestion_list(&n.value, self.schema.order.iter().map(|t| self.schema.name(*t)));
        self.error(msg::unknown_type(&n.value, &suggestions), vec![n.pos])
    }

    pub(super) fn directives(&mut self, directives: &'a [Directive], location: Location) -> Step {
        for d in directives {
            let def = self.schema.directive(&d.name.value);
            // KnownDirectives
            match def {
                None => self.error(msg::unknown_directive(&d.name.value), vec![d.pos])?,
                Some(def) if !def.locations.contains(&location.name()) => {
                    // graphql-core prints the location enum's value: `fragment definition`.
                    let place = location.name().to_ascii_lowercase().replace('_', " ");
                    let message = msg::misplaced_directive(&d.name.value, &place);
                    self.error(message, vec![d.pos])?;
                }
                Some(_) => {}
            }
            // KnownArgumentNames (on directives)
            if let Some(def) = def {
                for a in &d.arguments {
                    if !def.args.iter().any(|y| y.name == a.name.value) {
                        let suggestions = suggestion_list(
                            &a.name.value,
                            def.args.iter().map(|x| x.name.as_str()),
                        );
                        self.error(
                            msg::unknown_directive_argument(&a.name.value, def.name, &suggestions),
                            vec![a.pos],
                        )?;
                    }
                }
            }
            self.unique_arguments(&d.arguments)?;
            for a in &d.arguments {
                let arg_def = def.and_then(|x| x.args.iter().find(|y| y.name == a.name.value));
                self.value(&a.value, arg_def.map(|x| &x.ty))?;
            }
            // ProvidedRequiredArguments (on directives, on leaving them)
            if let Some(def) = def {
                for arg in &def.args {
                    let given = d.arguments.iter().any(|a| a.name.value == arg.name);
                    if !given && arg.ty.is_non_null() && arg.default.is_none() {
                        let message = msg::missing_directive_argument(
                            def.name,
                            &arg.name,
                            &self.schema.type_string(&arg.ty),
                        );
                        self.error(message, vec![d.pos])?;
                    }
                }
            }
        }
        Ok(())
    }

    /// UniqueDirectivesPerLocation: every directive of this schema is non-repeatable.
    pub(super) fn unique_directives(&mut self, directives: &[Directive]) -> Step {
        let mut seen: HashMap<&str, Pos> = HashMap::new();
        for d in directives {
            if self.schema.directive(&d.name.value).is_none() {
                continue;
            }
            match seen.get(d.name.value.as_str()) {
                Some(first) => {
                    self.error(msg::duplicate_directive(&d.name.value), vec![*first, d.pos])?
                }
                None => {
                    seen.insert(&d.name.value, d.pos);
                }
            }
        }
        Ok(())
    }

    /// UniqueArgumentNames
    pub(super) fn unique_arguments(&mut self, args: &[Argument]) -> Step {
        let mut groups: Vec<(&str, Vec<Pos>)> = Vec::new();
        for a in args {
            match groups.iter_mut().find(|(n, _)| *n == a.name.value) {
                Some((_, ps)) => ps.push(a.name.pos),
                None => groups.push((&a.name.value, vec![a.name.pos])),
            }
        }
        for (name, ps) in groups {
            if ps.len() > 1 {
                self.error(msg::duplicate_argument(name), ps)?;
            }
        }
        Ok(())
    }
}
