//! Schemas of the provider and its data sources, in our own terms. The
//! protocol layer renders them into tfplugin5 and tfplugin6 messages (whose
//! field numbers differ); this module only knows what Terraform means.

use std::collections::BTreeMap;

use super::types::Type;

/// A top-level schema: one block plus a version Terraform records in state.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Schema {
    /// Bumped when the state layout changes, so Terraform knows to upgrade old state.
    pub version: i64,
    /// The attributes and nested blocks Terraform validates configuration against.
    pub block: Block,
}

/// What Terraform validates a configuration body against and derives the value type from
/// (`configschema.Block`); the provider, each data source and each nested block have one.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Block {
    /// Single-valued names, in declaration order (the order docs list them in).
    pub attributes: Vec<Attribute>,
    /// Repeated or grouped sub-blocks, written as `name { … }` in configuration.
    pub blocks: Vec<NestedBlock>,
    /// Markdown. Registry docs and `terraform providers schema` show it.
    pub description: String,
    /// When set, Terraform warns whoever still uses the block, so it can be removed later.
    pub deprecation_message: Option<String>,
}

/// One named value of a block, with the flags that tell Terraform who sets it
/// (configuration, the provider, or either).
#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    /// The name in configuration and state; lowercase, digits and `_` only.
    pub name: String,
    /// What Terraform converts the configured value to before we see it.
    pub ty: Type,
    /// Markdown.
    pub description: String,
    /// Terraform rejects a configuration that omits it.
    pub required: bool,
    /// The configuration may set it; with `computed`, the provider fills it when unset.
    pub optional: bool,
    /// The provider sets it; Terraform shows it as "known after apply" until then.
    pub computed: bool,
    /// Terraform redacts sensitive values in plan output and marks them in
    /// state; keys and tokens must be sensitive.
    pub sensitive: bool,
    /// When set, Terraform warns configurations that still use the attribute.
    pub deprecation_message: Option<String>,
}

/// How many times a nested block may appear and how its instances are collected,
/// which decides the type Terraform gives it (`configschema.NestingMode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nesting {
    /// At most one instance, as an object (null when absent).
    Single,
    /// Ordered instances, as a list of objects.
    List,
    /// Unordered, deduplicated instances, as a set of objects.
    Set,
    /// Labelled instances (`name "label" { … }`), as a map of objects.
    Map,
    /// Exactly one instance, never null: absent means all attributes null.
    Group,
}

/// A sub-block type of a [`Block`], e.g. `retry { … }`.
#[derive(Clone, Debug, PartialEq)]
pub struct NestedBlock {
    /// The block's name in configuration and its attribute name in the implied type.
    pub type_name: String,
    /// The attributes and blocks each instance has.
    pub block: Block,
    /// How instances are counted and collected.
    pub nesting: Nesting,
    /// Terraform rejects fewer instances than this (0 = no minimum).
    pub min_items: i64,
    /// Terraform rejects more instances than this (0 = no maximum).
    pub max_items: i64,
}

impl Attribute {
    fn new(name: &str, ty: Type, description: &str) -> Self {
        Attribute {
            name: name.to_string(),
            ty,
            description: description.to_string(),
            required: false,
            optional: false,
            computed: false,
            sensitive: false,
            deprecation_message: None,
        }
    }
    /// An attribute the configuration must set: a data source's lookup key.
    pub fn required(name: &str, ty: Type, description: &str) -> Self {
        Attribute { required: true, ..Self::new(name, ty, description) }
    }
    /// An attribute the configuration may set and the provider never fills.
    pub fn optional(name: &str, ty: Type, description: &str) -> Self {
        Attribute { optional: true, ..Self::new(name, ty, description) }
    }
    /// An attribute only the provider sets: what a data source reads back.
    pub fn computed(name: &str, ty: Type, description: &str) -> Self {
        Attribute { computed: true, ..Self::new(name, ty, description) }
    }
    /// An attribute the configuration may set and the provider fills when it does not.
    pub fn optional_computed(name: &str, ty: Type, description: &str) -> Self {
        Attribute { optional: true, computed: true, ..Self::new(name, ty, description) }
    }
    /// Marks a key or token, so Terraform redacts it in plans and flags it in state.
    pub fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }
}

impl Block {
    /// The object type Terraform uses to encode values of this block: one
    /// attribute per attribute and per nested block type
    /// (`configschema.Block.ImpliedType`).
    pub fn implied_type(&self) -> Type {
        let mut attrs: BTreeMap<String, Type> =
            self.attributes.iter().map(|a| (a.name.clone(), a.ty.clone())).collect();
        for nb in &self.blocks {
            let inner = nb.block.implied_type();
            let t = match nb.nesting {
                Nesting::Single | Nesting::Group => inner,
                Nesting::List => Type::List(Box::new(inner)),
                Nesting::Set => Type::Set(Box::new(inner)),
                Nesting::Map => Type::Map(Box::new(inner)),
            };
            attrs.insert(nb.type_name.clone(), t);
        }
        Type::Object(attrs)
    }

    /// The attribute called `name`, for code that must look one up rather than declare it.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// The checks Terraform 1.15 runs when it loads a schema
    /// (`configschema.Block.InternalValidate`). A schema failing them makes
    /// the provider unusable, so tests run this over every schema we declare.
    pub fn internal_validate(&self) -> Result<(), String> {
        let name_ok =
            |n: &str| !n.is_empty() && n.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        let mut seen = std::collections::HashSet::new();
        for a in &self.attributes {
            if !name_ok(&a.name) {
                return Err(format!("attribute name {:?} is invalid", a.name));
            }
            if !seen.insert(a.name.as_str()) {
                return Err(format!("duplicate name {:?}", a.name));
            }
            if !(a.required || a.optional || a.computed) {
                return Err(format!("{}: one of required, optional or computed must be set", a.name));
            }
            if a.required && (a.optional || a.computed) {
                return Err(format!("{}: required cannot be combined with optional or computed", a.name));
            }
        }
        for b in &self.blocks {
            if !name_ok(&b.type_name) {
                return Err(format!("block type name {:?} is invalid", b.type_name));
            }
            if !seen.insert(b.type_name.as_str()) {
                return Err(format!("duplicate name {:?}", b.type_name));
            }
            if b.min_items < 0 || b.max_items < 0 {
                return Err(format!("{}: min_items and max_items must be >= 0", b.type_name));
            }
            match b.nesting {
                Nesting::Single if b.min_items != b.max_items || b.min_items > 1 => {
                    return Err(format!("{}: single blocks need min_items = max_items = 0 or 1", b.type_name))
                }
                Nesting::Group | Nesting::Map if b.min_items != 0 || b.max_items != 0 => {
                    return Err(format!("{}: group and map blocks cannot set min_items or max_items", b.type_name))
                }
                Nesting::List | Nesting::Set if b.max_items != 0 && b.min_items > b.max_items => {
                    return Err(format!("{}: min_items exceeds max_items", b.type_name))
                }
                _ => {}
            }
            b.block.internal_validate()?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Block {
        Block {
            attributes: vec![Attribute::required("id", Type::String, "x"), Attribute::computed("n", Type::Number, "y")],
            blocks: vec![NestedBlock {
                type_name: "timeouts".into(),
                block: Block { attributes: vec![Attribute::optional("read", Type::String, "z")], ..Default::default() },
                nesting: Nesting::Single,
                min_items: 0,
                max_items: 0,
            }],
            ..Default::default()
        }
    }

    #[test]
    fn implied_type_includes_blocks() {
        assert_eq!(
            sample().implied_type(),
            Type::object([
                ("id", Type::String),
                ("n", Type::Number),
                ("timeouts", Type::object([("read", Type::String)])),
            ])
        );
    }

    #[test]
    fn internal_validate_catches_what_terraform_rejects() {
        assert!(sample().internal_validate().is_ok());
        let mut b = sample();
        b.attributes[0].computed = true;
        assert!(b.internal_validate().is_err());
        let mut b = sample();
        b.attributes[1].computed = false;
        assert!(b.internal_validate().is_err());
        let mut b = sample();
        b.blocks[0].type_name = "Time-outs".into();
        assert!(b.internal_validate().is_err());
        let mut b = sample();
        b.blocks[0].max_items = 1;
        assert!(b.internal_validate().is_err());
    }
}
