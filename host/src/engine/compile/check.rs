//! Compiles checks and operands: binds fields to the registry, checks that
//! operators suit the field's type, and parses literals into that type.

use super::CompileError;
use crate::{
    engine::{
        ast::{Check, FieldRef, Modifier, Operand, Operator, Rhs, TransformArg, TransformKind},
        eval::{
            BoundField, CompiledArg, CompiledCheck, CompiledOperand, EngineField, GlobMatcher,
            Node, PathPrefixMatcher, Test,
            compare::{Quantifier, ValueSet},
        },
    },
    fields::{
        FieldDef, FieldId, FieldType, Registry, Value, registry::FieldArg, value::parse_literal,
    },
};
use memchr::memmem::Finder;
use std::collections::HashMap;

/// The type of a compiled operand's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OperandType {
    /// Element type.
    pub ty: FieldType,
    /// Whether the operand yields a list.
    pub is_list: bool,
}

/// Cache slots of a whole rule set: one per distinct (field, argument), shared
/// by every rule, because one event's field cache serves all its candidate rules.
#[derive(Debug, Default)]
pub struct FieldSlots {
    slots: HashMap<(u32, u32, Option<String>), u32>,
    /// Slots some condition (or exception) reads, as opposed to outputs only.
    in_conditions: std::collections::HashSet<u32>,
}

impl FieldSlots {
    /// How many slots were handed out (slots are `0..len`).
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether no slot was handed out.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Every slot's field and argument, indexed by slot.
    pub fn fields(&self) -> Vec<SlotField> {
        let mut fields = vec![SlotField::default(); self.slots.len()];
        for ((source, field, arg), slot) in &self.slots {
            if let Some(entry) = fields.get_mut(*slot as usize) {
                *entry = SlotField {
                    id: FieldId {
                        source: *source,
                        field: *field,
                    },
                    arg: arg.clone(),
                    in_condition: self.in_conditions.contains(slot),
                };
            }
        }
        fields
    }

    fn slot(&mut self, key: (u32, u32, Option<String>)) -> u32 {
        let next = self.slots.len() as u32;
        *self.slots.entry(key).or_insert(next)
    }
}

/// The field and argument behind one cache slot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotField {
    /// The field.
    pub id: FieldId,
    /// Its argument as written.
    pub arg: Option<String>,
    /// Whether a condition reads it; otherwise only outputs do, and a source
    /// that extracts ahead may leave it until a rule matches.
    pub in_condition: bool,
}

impl Default for SlotField {
    fn default() -> Self {
        Self {
            id: FieldId {
                source: FieldId::COMMON_SOURCE,
                field: u32::MAX,
            },
            arg: None,
            in_condition: false,
        }
    }
}

/// Binds fields of one source, giving each distinct (field, argument) a cache slot.
pub struct FieldBinder<'r> {
    registry: &'r Registry,
    source: String,
    slots: &'r mut FieldSlots,
    /// Names of every field bound, as written (`proc.aname[2]`), in first-use order.
    pub used: Vec<String>,
    /// Set while binding an output's fields, so their slots are not marked as
    /// condition slots.
    pub binding_output: bool,
}

impl<'r> FieldBinder<'r> {
    /// A binder for `source`, handing out slots from the rule set's `slots`.
    pub fn new(registry: &'r Registry, source: &str, slots: &'r mut FieldSlots) -> Self {
        Self {
            registry,
            source: source.to_string(),
            slots,
            used: Vec::new(),
            binding_output: false,
        }
    }

    /// The registry fields are bound against.
    pub fn registry(&self) -> &'r Registry {
        self.registry
    }

    /// The source fields are bound for.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Resolves a field reference; returns the bound field and its definition.
    pub fn bind(&mut self, field: &FieldRef) -> Result<(BoundField, &'r FieldDef), CompileError> {
        let resolved = self
            .registry
            .resolve(&self.source, &field.name, field.arg.as_deref())
            .map_err(|e| CompileError::at(e.to_string(), field.pos))?;
        let def = resolved.def;
        let id = resolved.id;
        let (arg, index) = match resolved.arg {
            Some(FieldArg::Index(i)) => (Some(i.to_string()), Some(i)),
            Some(FieldArg::Key(key)) => (Some(key), None),
            None => (None, None),
        };
        let key = (id.source, id.field, arg.clone());
        let slot = self.slots.slot(key);
        if !self.binding_output {
            self.slots.in_conditions.insert(slot);
        }
        let written = match &arg {
            Some(arg) => format!("{}[{arg}]", def.name),
            None => def.name.clone(),
        };
        if !self.used.contains(&written) {
            self.used.push(written);
        }
        let engine = if id.is_common() {
            EngineField::from_name(&def.name)
        } else {
            None
        };
        Ok((
            BoundField {
                id,
                name: def.name.clone(),
                arg,
                index,
                slot,
                engine,
            },
            def,
        ))
    }

    /// Compiles an operand and reports its value type.
    pub fn operand(
        &mut self,
        operand: &Operand,
    ) -> Result<(CompiledOperand, OperandType, Option<&'r FieldDef>), CompileError> {
        match operand {
            Operand::Field(field) => {
                let (bound, def) = self.bind(field)?;
                let ty = OperandType {
                    ty: def.ty,
                    is_list: def.flags.is_list,
                };
                Ok((CompiledOperand::Field(bound), ty, Some(def)))
            }
            Operand::Transform(transform) => {
                let mut args = Vec::new();
                let mut arg_types = Vec::new();
                for arg in &transform.args {
                    let (compiled, ty) = self.transform_arg(arg, transform.kind)?;
                    args.push(compiled);
                    arg_types.push(ty);
                }
                let ty = transform_type(transform.kind, &arg_types)
                    .map_err(|message| CompileError::at(message, transform.pos))?;
                Ok((
                    CompiledOperand::Transform {
                        kind: transform.kind,
                        args,
                        index: transform.index.clone(),
                    },
                    ty,
                    None,
                ))
            }
        }
    }

    fn transform_arg(
        &mut self,
        arg: &TransformArg,
        kind: TransformKind,
    ) -> Result<(CompiledArg, Option<OperandType>), CompileError> {
        match arg {
            TransformArg::Operand(operand) => {
                let (compiled, ty, def) = self.operand(operand)?;
                if let Some(def) = def
                    && def.flags.no_transformer
                {
                    return Err(CompileError::new(format!(
                        "field '{}' cannot be used in a '{}' transformer",
                        def.name,
                        kind.as_str()
                    )));
                }
                Ok((CompiledArg::Operand(compiled), Some(ty)))
            }
            TransformArg::Literal(text) => Ok((CompiledArg::Literal(text.clone()), None)),
            TransformArg::List(items) => {
                let mut compiled = Vec::new();
                for item in items {
                    compiled.push(self.transform_arg(item, kind)?.0);
                }
                Ok((CompiledArg::List(compiled), None))
            }
        }
    }

    /// Compiles a whole check into a node.
    pub fn check(&mut self, check: &Check) -> Result<Node, CompileError> {
        let (lhs, lhs_ty, def) = self.operand(&check.lhs).map_err(|e| e.or_at(check.pos))?;
        let field_name = match &check.lhs {
            Operand::Field(field) => Some(field),
            Operand::Transform(_) => None,
        };
        // Ancestor fields without an index match when any ancestor matches.
        let any_element =
            field_name.is_some_and(|f| f.arg.is_none()) && def.is_some_and(|d| d.flags.any_match);
        let value_ty = OperandType {
            ty: lhs_ty.ty,
            is_list: lhs_ty.is_list && !any_element,
        };
        let display_name = field_name.map_or_else(|| "transformer".to_string(), |f| f.name.clone());
        check_operator(check.op, value_ty, &display_name)
            .map_err(|m| CompileError::at(m, check.pos))?;

        if let (Some(field), Some(def)) = (field_name, def)
            && matches!(def.name.as_str(), "evt.type" | "syscall.type")
        {
            self.check_event_types(field, &check.rhs)?;
        }

        let test = self
            .test(check.op, value_ty, &check.rhs)
            .map_err(|e| e.or_at(check.pos))?;
        // An empty `in ()` can never hold; keep the node honest and cheap.
        if let Test::In(set) | Test::Intersects(set) = &test
            && set.is_empty()
            && !value_ty.is_list
        {
            return Ok(Node::Const(false));
        }
        Ok(Node::Check(Box::new(CompiledCheck {
            lhs,
            test,
            any_element,
        })))
    }

    fn check_event_types(&self, field: &FieldRef, rhs: &Rhs) -> Result<(), CompileError> {
        let names: Vec<&String> = match rhs {
            Rhs::Value(value) => vec![value],
            Rhs::List(values) => values.iter().collect(),
            Rhs::Modified { values, .. } => values.iter().collect(),
            Rhs::Operand(_) => {
                return Err(CompileError::at(
                    format!(
                        "'{}' can only be compared with literal event type names",
                        field.name
                    ),
                    field.pos,
                ));
            }
            Rhs::None => return Ok(()),
        };
        for name in names {
            if !self.registry.is_event_type(&self.source, name) {
                return Err(CompileError::at(
                    format!("unknown event type {name}"),
                    field.pos,
                ));
            }
        }
        Ok(())
    }

    fn test(&mut self, op: Operator, lhs: OperandType, rhs: &Rhs) -> Result<Test, CompileError> {
        let ty = lhs.ty;
        match (op, rhs) {
            (Operator::Exists, _) => Ok(Test::Exists),
            (_, Rhs::Operand(operand)) => {
                if matches!(op, Operator::PMatch | Operator::Regex) {
                    return Err(CompileError::new(format!(
                        "operator '{op}' cannot compare two fields"
                    )));
                }
                let (compiled, rhs_ty, def) = self.operand(operand)?;
                if let Some(def) = def
                    && def.flags.no_rhs
                {
                    return Err(CompileError::new(format!(
                        "field '{}' cannot be used on the right-hand side of a comparison",
                        def.name
                    )));
                }
                if rhs_ty.ty != ty && !(is_numeric(rhs_ty.ty) && is_numeric(ty)) {
                    return Err(CompileError::new(format!(
                        "cannot compare a {} value with a {} value",
                        ty.name(),
                        rhs_ty.ty.name()
                    )));
                }
                Ok(Test::FieldCompare {
                    op,
                    rhs: Box::new(compiled),
                })
            }
            (Operator::In | Operator::Intersects | Operator::PMatch, Rhs::List(items))
            | (
                Operator::In | Operator::Intersects | Operator::PMatch,
                Rhs::Modified { values: items, .. },
            ) => {
                if op == Operator::PMatch {
                    let matcher = PathPrefixMatcher::new(items.iter().map(String::as_str))
                        .map_err(|e| CompileError::new(e.to_string()))?;
                    return Ok(Test::PMatch(matcher));
                }
                let values = items
                    .iter()
                    .map(|item| literal(ty, item))
                    .collect::<Result<Vec<_>, _>>()?;
                let set = ValueSet::new(values);
                Ok(if op == Operator::In {
                    Test::In(set)
                } else {
                    Test::Intersects(set)
                })
            }
            (Operator::In | Operator::Intersects | Operator::PMatch, Rhs::Value(item)) => {
                self.test(op, lhs, &Rhs::List(vec![item.clone()]))
            }
            (_, Rhs::Modified { modifier, values }) => {
                let tests = values
                    .iter()
                    .map(|value| self.scalar_test(op, ty, value))
                    .collect::<Result<Vec<_>, _>>()?;
                let quantifier = match modifier {
                    Modifier::OneOf => Quantifier::ExactlyOne,
                    Modifier::AnyOf => Quantifier::AtLeastOne,
                    Modifier::AllOf => Quantifier::All,
                };
                Ok(Test::Modified { quantifier, tests })
            }
            (_, Rhs::Value(value)) => self.scalar_test(op, ty, value),
            (_, Rhs::List(_)) => Err(CompileError::new(format!(
                "operator '{op}' does not take a list"
            ))),
            (_, Rhs::None) => Err(CompileError::new(format!("operator '{op}' needs a value"))),
        }
    }

    fn scalar_test(&self, op: Operator, ty: FieldType, value: &str) -> Result<Test, CompileError> {
        Ok(match op {
            Operator::Eq
            | Operator::Ne
            | Operator::Lt
            | Operator::Le
            | Operator::Gt
            | Operator::Ge => Test::Compare {
                op,
                rhs: literal(ty, value)?,
            },
            Operator::Contains => {
                Test::Contains(Box::new(Finder::new(value.as_bytes()).into_owned()))
            }
            Operator::IContains => {
                Test::IContains(value.to_ascii_lowercase().into_bytes().into_boxed_slice())
            }
            Operator::BContains => Test::Contains(Box::new(Finder::new(&hex(value)?).into_owned())),
            Operator::StartsWith => Test::StartsWith(value.as_bytes().into()),
            Operator::BStartsWith => Test::StartsWith(hex(value)?.into_boxed_slice()),
            Operator::EndsWith => Test::EndsWith(value.as_bytes().into()),
            Operator::Glob | Operator::IGlob => Test::Glob(
                GlobMatcher::new(value, op == Operator::IGlob)
                    .map_err(|e| CompileError::new(e.to_string()))?,
            ),
            Operator::Regex => Test::Regex(
                regex::Regex::new(&format!("^(?:{value})$"))
                    .map_err(|e| CompileError::new(format!("invalid regex pattern: {e}")))?,
            ),
            Operator::In | Operator::Intersects | Operator::PMatch | Operator::Exists => {
                return Err(CompileError::new(format!(
                    "operator '{op}' cannot take a modifier"
                )));
            }
        })
    }
}

fn literal(ty: FieldType, text: &str) -> Result<Value<'static>, CompileError> {
    parse_literal(ty, text).map_err(|e| CompileError::new(e.to_string()))
}

fn hex(text: &str) -> Result<Vec<u8>, CompileError> {
    let invalid =
        || CompileError::new("bcontains and bstartswith operator support hex strings only");
    if !text.len().is_multiple_of(2) {
        return Err(invalid());
    }
    (0..text.len())
        .step_by(2)
        .map(|i| {
            text.get(i..i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .ok_or_else(invalid)
        })
        .collect()
}

fn is_numeric(ty: FieldType) -> bool {
    matches!(
        ty,
        FieldType::Int | FieldType::UInt | FieldType::RelTime | FieldType::AbsTime
    )
}

/// Which operators a value type supports (Falco's rules, checked at load).
fn check_operator(op: Operator, lhs: OperandType, field: &str) -> Result<(), String> {
    let unsupported = || {
        format!(
            "'{op}' operator not supported for field '{field}' of type {}{}",
            lhs.ty.name(),
            if lhs.is_list { " (list)" } else { "" }
        )
    };
    if lhs.is_list {
        return match op {
            Operator::In | Operator::Intersects | Operator::Exists => Ok(()),
            _ => Err(unsupported()),
        };
    }
    let ok = match op {
        Operator::Exists | Operator::Eq | Operator::Ne | Operator::In | Operator::Intersects => {
            true
        }
        Operator::Lt | Operator::Le | Operator::Gt | Operator::Ge => {
            is_numeric(lhs.ty) || lhs.ty == FieldType::String
        }
        Operator::Contains | Operator::StartsWith | Operator::EndsWith => {
            matches!(lhs.ty, FieldType::String | FieldType::Bytes)
        }
        Operator::BContains | Operator::BStartsWith => lhs.ty == FieldType::Bytes,
        Operator::IContains
        | Operator::Glob
        | Operator::IGlob
        | Operator::Regex
        | Operator::PMatch => lhs.ty == FieldType::String,
    };
    if ok { Ok(()) } else { Err(unsupported()) }
}

/// The result type of a transformer, or why its arguments do not suit it.
fn transform_type(
    kind: TransformKind,
    args: &[Option<OperandType>],
) -> Result<OperandType, String> {
    let first = args.first().copied().flatten();
    let wrong = |ty: &OperandType| {
        format!(
            "can't add field transformer: type '{}' is not supported by '{}' transformer",
            ty.ty.name(),
            kind.as_str()
        )
    };
    match kind {
        TransformKind::ToLower
        | TransformKind::ToUpper
        | TransformKind::Basename
        | TransformKind::B64 => {
            let ty = first.ok_or_else(|| format!("'{}' needs a field argument", kind.as_str()))?;
            let allowed = ty.ty == FieldType::String
                || (kind == TransformKind::B64 && ty.ty == FieldType::Bytes);
            if allowed { Ok(ty) } else { Err(wrong(&ty)) }
        }
        TransformKind::Len => {
            let ty = first.ok_or_else(|| "'len' needs a field argument".to_string())?;
            if ty.is_list || matches!(ty.ty, FieldType::String | FieldType::Bytes) {
                Ok(OperandType {
                    ty: FieldType::UInt,
                    is_list: false,
                })
            } else {
                Err(wrong(&ty))
            }
        }
        TransformKind::Concat => {
            if args.len() < 2 {
                return Err("'concat' needs at least two arguments".into());
            }
            Ok(OperandType {
                ty: FieldType::String,
                is_list: false,
            })
        }
        TransformKind::Join => {
            if args.len() != 2 {
                return Err("'join' needs a separator and a list".into());
            }
            Ok(OperandType {
                ty: FieldType::String,
                is_list: false,
            })
        }
        TransformKind::Getopt => {
            if args.len() != 2 {
                return Err("'getopt' needs an argument list and an option string".into());
            }
            Ok(OperandType {
                ty: FieldType::String,
                is_list: false,
            })
        }
    }
}
