//! The recursive-descent grammar of conditions, shaped after libsinsp's parser.
//!
//! Each grammar function mirrors one of Falco's parser routines and, like them,
//! counts one level of depth on entry. The limit is checked *before* going
//! deeper, so hostile input fails with `exceeded max depth limit of 1000`
//! instead of exhausting the stack, and the nesting Falco accepts is the
//! nesting accepted here (about 199 levels of parentheses).
//!
//! Errors carry the cursor position at the moment of failure, as Falco
//! reports it; `last` remembers the most recent token for the
//! `unexpected token after '...'` message.

use super::ParseError;
use super::ast::{
    Check, Expr, FieldRef, Modifier, Operand, Operator, Pos, Rhs, Transform, TransformArg,
    TransformKind,
};
use super::escape::unescape;
use super::lexer::{
    Cursor, bare_str_len, field_arg_bare_len, field_name_len, hex_len, identifier_len, is_blank,
    not_blank_len, number_len, quoted_len,
};

/// The nesting limit Falco sets on its parser (`set_max_depth(1000)`).
pub(super) const MAX_DEPTH: u32 = 1000;

/// Errors are boxed inside the parser to keep the recursive frames small.
type PResult<T> = Result<T, Box<ParseError>>;

/// Transformer openers; there is no blank between the name and `(`.
const TRANSFORMERS: [(&str, TransformKind); 8] = [
    ("tolower(", TransformKind::ToLower),
    ("toupper(", TransformKind::ToUpper),
    ("b64(", TransformKind::B64),
    ("basename(", TransformKind::Basename),
    ("len(", TransformKind::Len),
    ("join(", TransformKind::Join),
    ("concat(", TransformKind::Concat),
    ("getopt(", TransformKind::Getopt),
];

/// Numeric operators, longest first so `<=` wins over `<`.
const NUM_OPS: [(&str, Operator); 4] = [
    ("<=", Operator::Le),
    ("<", Operator::Lt),
    (">=", Operator::Ge),
    (">", Operator::Gt),
];

/// Symbol string operators: no blank needed around them.
const STR_SYMBOL_OPS: [(&str, Operator); 3] = [
    ("==", Operator::Eq),
    ("=", Operator::Eq),
    ("!=", Operator::Ne),
];

/// Word string operators: each must be followed by a blank.
const STR_WORD_OPS: [(&str, Operator); 9] = [
    ("glob", Operator::Glob),
    ("iglob", Operator::IGlob),
    ("contains", Operator::Contains),
    ("icontains", Operator::IContains),
    ("bcontains", Operator::BContains),
    ("startswith", Operator::StartsWith),
    ("bstartswith", Operator::BStartsWith),
    ("endswith", Operator::EndsWith),
    ("regex", Operator::Regex),
];

/// List operators: plain prefixes, no blank needed (`inside` is `in side`).
const LIST_OPS: [(&str, Operator); 3] = [
    ("intersects", Operator::Intersects),
    ("in", Operator::In),
    ("pmatch", Operator::PMatch),
];

/// List modifiers after a string operator.
const MODIFIERS: [(&str, Modifier); 3] = [
    ("oneof", Modifier::OneOf),
    ("anyof", Modifier::AnyOf),
    ("allof", Modifier::AllOf),
];

/// The transformers as listed in error messages (`val` included); a macro so
/// the messages can be assembled at compile time with `concat!`.
macro_rules! transformer_names {
    () => {
        "'val', 'tolower', 'toupper', 'b64', 'basename', 'len', 'join', 'concat', 'getopt'"
    };
}

/// Parser state: the cursor, the recursion depth and the last token lexed.
pub(super) struct Parser<'a> {
    cur: Cursor<'a>,
    depth: u32,
    last: String,
}

/// Parses a whole condition; see [`super::parse_condition`].
pub(super) fn condition(text: &str) -> Result<Expr, ParseError> {
    condition_boxed(text).map_err(|e| *e)
}

/// Parses a field or transformer prefix; see [`super::parse_field_or_transformer`].
pub(super) fn field_or_transformer(text: &str) -> Result<(Operand, usize), ParseError> {
    field_or_transformer_boxed(text).map_err(|e| *e)
}

fn condition_boxed(text: &str) -> PResult<Expr> {
    let mut p = Parser::new(text);
    if text.is_empty() {
        return Err(p.error("filter input string is empty"));
    }
    let expr = p.or_expr()?;
    if !p.cur.at_end() {
        return Err(p.error(format!(
            "unexpected token after '{}', expecting 'or', 'and'",
            p.last
        )));
    }
    Ok(expr)
}

fn field_or_transformer_boxed(text: &str) -> PResult<(Operand, usize)> {
    let mut p = Parser::new(text);
    if text.is_empty() {
        return Err(p.error("filter input string is empty"));
    }
    let pos = p.cur.pos();
    let operand = if let Some(name) = p.lex_field_name() {
        Operand::Field(p.field_rest(name, pos)?)
    } else if let Some(kind) = p.lex_transformer() {
        p.cur.skip_blanks();
        Operand::Transform(p.transformer_rest(kind, pos)?)
    } else {
        return Err(p.error(
            "expected a field or a valid transformer: 'tolower', 'toupper', 'b64', \
             'basename', 'len', 'join', 'concat', 'getopt'",
        ));
    };
    Ok((operand, p.cur.pos().offset))
}

/// Wraps a single child as itself, several as the n-ary node `make` builds.
fn collapse(mut children: Vec<Expr>, make: fn(Vec<Expr>) -> Expr) -> Expr {
    if children.len() == 1
        && let Some(only) = children.pop()
    {
        return only;
    }
    make(children)
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            cur: Cursor::new(text),
            depth: 0,
            last: String::new(),
        }
    }

    /// An error at the current position (kept out of line: error paths are
    /// cold, and inlining them would bloat the recursive frames).
    #[cold]
    #[inline(never)]
    fn error(&self, message: impl Into<String>) -> Box<ParseError> {
        Box::new(ParseError {
            message: message.into(),
            pos: self.cur.pos(),
        })
    }

    /// Goes one level deeper, refusing before it would exceed the limit.
    ///
    /// Every grammar function calls this first and [`Parser::leave`] on
    /// success. On failure the depth is left as is: the parse is abandoned,
    /// except at a list head, which restores the depth itself.
    fn enter(&mut self) -> PResult<()> {
        if self.depth + 1 >= MAX_DEPTH {
            return Err(self.error(format!("exceeded max depth limit of {MAX_DEPTH}")));
        }
        self.depth += 1;
        Ok(())
    }

    /// Comes back up one level with a result.
    fn leave<T>(&mut self, value: T) -> PResult<T> {
        self.depth = self.depth.saturating_sub(1);
        Ok(value)
    }

    // ---- lexing helpers -------------------------------------------------

    /// Consumes the literal prefix `lit` if present.
    fn eat(&mut self, lit: &str) -> bool {
        if self.cur.starts_with(lit) {
            self.cur.advance(lit.len());
            self.last = lit.to_string();
            true
        } else {
            false
        }
    }

    /// Consumes a token of `len` bytes (none when `len` is 0).
    fn take(&mut self, len: usize) -> Option<String> {
        if len == 0 {
            return None;
        }
        let token = self.cur.rest().get(..len)?.to_string();
        self.cur.advance(len);
        self.last.clone_from(&token);
        Some(token)
    }

    fn lex_identifier(&mut self) -> Option<String> {
        self.take(identifier_len(self.cur.rest()))
    }

    fn lex_field_name(&mut self) -> Option<String> {
        self.take(field_name_len(self.cur.rest()))
    }

    fn lex_number(&mut self) -> Option<String> {
        let rest = self.cur.rest();
        let hex = hex_len(rest);
        self.take(if hex > 0 { hex } else { number_len(rest) })
    }

    fn lex_bare_str(&mut self) -> Option<String> {
        self.take(bare_str_len(self.cur.rest()))
    }

    /// A quoted string, unescaped. On an escape error the cursor has already
    /// moved past the string, as in Falco.
    fn lex_quoted(&mut self) -> PResult<Option<String>> {
        let rest = self.cur.rest();
        let Some((len, quote)) = quoted_len(rest) else {
            return Ok(None);
        };
        let inner = rest.get(1..len.saturating_sub(1)).unwrap_or("");
        self.cur.advance(len);
        match unescape(inner, quote) {
            Ok(s) => {
                self.last.clone_from(&s);
                Ok(Some(s))
            }
            Err(message) => Err(self.error(message)),
        }
    }

    fn lex_transformer(&mut self) -> Option<TransformKind> {
        let (lit, kind) = TRANSFORMERS
            .into_iter()
            .find(|(lit, _)| self.cur.starts_with(lit))?;
        self.eat(lit);
        Some(kind)
    }

    fn lex_operator(&mut self, table: &[(&str, Operator)]) -> Option<Operator> {
        let (lit, op) = table.iter().find(|(lit, _)| self.cur.starts_with(lit))?;
        self.eat(lit);
        Some(*op)
    }

    /// A word operator and the one blank that must follow it.
    fn lex_word_op(&mut self) -> Option<Operator> {
        let rest = self.cur.rest();
        let (word, op) = STR_WORD_OPS.into_iter().find(|(word, _)| {
            rest.strip_prefix(word)
                .and_then(|after| after.chars().next())
                .is_some_and(is_blank)
        })?;
        let len = word.len() + 1;
        self.take(len);
        Some(op)
    }

    // ---- boolean structure ----------------------------------------------

    /// `and`-terms separated by `or` (n-ary; `or(` takes a parenthesised
    /// expression directly, after which only another `or` may follow).
    fn or_expr(&mut self) -> PResult<Expr> {
        let p = self;
        p.enter()?;
        p.cur.skip_blanks();
        let mut children = vec![p.and_expr()?];
        p.cur.skip_blanks();
        while p.eat("or") {
            let child = if p.cur.skip_blanks() {
                p.and_expr()?
            } else if p.eat("(") {
                p.embedded()?
            } else {
                return Err(p.error("expected blank or '(' after 'or'"));
            };
            children.push(child);
            p.cur.skip_blanks();
        }
        p.leave(collapse(children, Expr::Or))
    }

    /// `not`-terms separated by `and` (n-ary).
    fn and_expr(&mut self) -> PResult<Expr> {
        let p = self;
        p.enter()?;
        p.cur.skip_blanks();
        let mut children = vec![p.not_expr()?];
        p.cur.skip_blanks();
        while p.eat("and") {
            let child = if p.cur.skip_blanks() {
                p.not_expr()?
            } else if p.eat("(") {
                p.embedded()?
            } else {
                return Err(p.error("expected blank or '(' after 'and'"));
            };
            children.push(child);
            p.cur.skip_blanks();
        }
        p.leave(collapse(children, Expr::And))
    }

    /// Any number of `not`s (an even count cancels), then `not(...)` or a check.
    fn not_expr(&mut self) -> PResult<Expr> {
        let p = self;
        p.enter()?;
        p.cur.skip_blanks();
        let mut negate = false;
        while p.take(not_blank_len(p.cur.rest())).is_some() {
            negate = !negate;
        }
        let child = if p.eat("not(") {
            negate = !negate;
            p.embedded()?
        } else {
            p.check()?
        };
        p.leave(if negate {
            Expr::Not(Box::new(child))
        } else {
            child
        })
    }

    /// The rest of a parenthesised expression, after its `(`.
    fn embedded(&mut self) -> PResult<Expr> {
        let p = self;
        p.enter()?;
        p.cur.skip_blanks();
        let child = p.or_expr()?;
        p.cur.skip_blanks();
        if !p.eat(")") {
            return Err(p.error("expected a ')' token"));
        }
        p.leave(child)
    }

    /// `( expr )`, a field or transformer check, or a macro identifier.
    fn check(&mut self) -> PResult<Expr> {
        let p = self;
        p.enter()?;
        p.cur.skip_blanks();
        let pos = p.cur.pos();
        if p.eat("(") {
            return p.embedded().and_then(|e| p.leave(e));
        }
        if let Some(name) = p.lex_field_name() {
            let field = p.field_rest(name, pos)?;
            return p
                .condition(Operand::Field(field), pos)
                .and_then(|e| p.leave(e));
        }
        if let Some(kind) = p.lex_transformer() {
            p.cur.skip_blanks();
            let transform = p.transformer_rest(kind, pos)?;
            return p
                .condition(Operand::Transform(transform), pos)
                .and_then(|e| p.leave(e));
        }
        if let Some(name) = p.lex_identifier() {
            return p.leave(Expr::Macro { name, pos });
        }
        Err(p.error("expected a '(' token, a field check, or an identifier"))
    }

    // ---- operands -------------------------------------------------------

    /// A field's optional `[arg]`, after its name.
    fn field_rest(&mut self, name: String, pos: Pos) -> PResult<FieldRef> {
        let p = self;
        p.enter()?;
        let arg = if p.eat("[") {
            Some(p.bracket_arg()?)
        } else {
            None
        };
        p.leave(FieldRef { name, arg, pos })
    }

    /// A bracketed argument after its `[`: quoted or bare, then `]`.
    fn bracket_arg(&mut self) -> PResult<String> {
        let arg = match quoted_or(self, |p| p.take(field_arg_bare_len(p.cur.rest())))? {
            Some(arg) => arg,
            None => {
                return Err(
                    self.error("expected a valid field argument: a quoted string or a bare string")
                );
            }
        };
        if !self.eat("]") {
            return Err(self.error("expected a ']' token"));
        }
        Ok(arg)
    }

    /// A transformer's arguments, `)` and optional `[selector]`, after its `name(`.
    ///
    /// Transformers nest, so this and [`Parser::transformer_arg`] form a
    /// recursive chain; both stay small (leaf work lives in
    /// [`Parser::leaf_transformer_arg`]) so deep accepted nesting fits the stack.
    fn transformer_rest(&mut self, kind: TransformKind, pos: Pos) -> PResult<Box<Transform>> {
        self.enter()?;
        let mut args = Vec::new();
        loop {
            self.cur.skip_blanks();
            args.push(self.transformer_arg(true)?);
            self.cur.skip_blanks();
            if !self.eat(",") {
                break;
            }
        }
        let index = self.transformer_end()?;
        self.leave(Box::new(Transform {
            kind,
            args,
            index,
            pos,
        }))
    }

    /// The `)` closing a transformer and its optional `[selector]`.
    fn transformer_end(&mut self) -> PResult<Option<String>> {
        if !self.eat(")") {
            return Err(self.error("expected a ')' token closing the transformer"));
        }
        if self.eat("[") {
            self.bracket_arg().map(Some)
        } else {
            Ok(None)
        }
    }

    /// One transformer argument; `allow_list` is false inside a list.
    fn transformer_arg(&mut self, allow_list: bool) -> PResult<TransformArg> {
        self.enter()?;
        let pos = self.cur.pos();
        let arg = if let Some(kind) = self.lex_transformer() {
            self.cur.skip_blanks();
            TransformArg::Operand(Operand::Transform(self.transformer_rest(kind, pos)?))
        } else if allow_list && self.eat("(") {
            TransformArg::List(self.transformer_list()?)
        } else {
            self.leaf_transformer_arg(allow_list, pos)?
        };
        self.leave(arg)
    }

    /// The items and `)` of a list argument, after its `(`.
    fn transformer_list(&mut self) -> PResult<Vec<TransformArg>> {
        let mut items = Vec::new();
        self.cur.skip_blanks();
        if self.eat(")") {
            return Ok(items);
        }
        loop {
            items.push(self.transformer_arg(false)?);
            self.cur.skip_blanks();
            if self.eat(")") {
                return Ok(items);
            }
            if !self.eat(",") {
                return Err(self.error("expected a ')' token closing the list"));
            }
            self.cur.skip_blanks();
        }
    }

    /// A field, quoted string or number argument (nothing nested).
    fn leaf_transformer_arg(&mut self, allow_list: bool, pos: Pos) -> PResult<TransformArg> {
        if let Some(name) = self.lex_field_name() {
            let field = self.field_rest(name, pos)?;
            return Ok(TransformArg::Operand(Operand::Field(field)));
        }
        if let Some(s) = quoted_or(self, Parser::lex_number)? {
            return Ok(TransformArg::Literal(s));
        }
        Err(self.error(if allow_list {
            concat!(
                "expected a transformer argument: a field, a nested valid transformer, a list, \
                 a quoted string or a number; transformers: ",
                transformer_names!()
            )
        } else {
            concat!(
                "expected a list element: a field, a nested valid transformer, a quoted string \
                 or a number; transformers: ",
                transformer_names!()
            )
        }))
    }

    /// `val(field)` or a transformer on the right-hand side, if one starts here.
    fn try_operand(&mut self) -> PResult<Option<Operand>> {
        let p = self;
        p.enter()?;
        p.cur.skip_blanks();
        let pos = p.cur.pos();
        if p.eat("val(") {
            p.cur.skip_blanks();
            let field_pos = p.cur.pos();
            let Some(name) = p.lex_field_name() else {
                return Err(p.error("expected a field within 'val' transformer"));
            };
            let field = p.field_rest(name, field_pos)?;
            p.cur.skip_blanks();
            if !p.eat(")") {
                return Err(p.error("expected a ')' token closing the transformer"));
            }
            if p.cur.starts_with("[") {
                return Err(p.error("a '[...]' selector after 'val(...)' is not supported"));
            }
            return p.leave(Some(Operand::Field(field)));
        }
        if let Some(kind) = p.lex_transformer() {
            p.cur.skip_blanks();
            let transform = p.transformer_rest(kind, pos)?;
            return p.leave(Some(Operand::Transform(transform)));
        }
        p.leave(None)
    }

    // ---- checks ---------------------------------------------------------

    /// The operator and right-hand side after a check's left-hand side.
    fn condition(&mut self, lhs: Operand, pos: Pos) -> PResult<Expr> {
        let p = self;
        p.enter()?;
        p.cur.skip_blanks();
        let (op, rhs) = if p.eat("exists") {
            (Operator::Exists, Rhs::None)
        } else if let Some(op) = p.lex_operator(&NUM_OPS) {
            (op, p.num_value()?)
        } else if let Some(op) = p.lex_operator(&STR_SYMBOL_OPS).or_else(|| p.lex_word_op()) {
            (op, p.str_value()?)
        } else if let Some(op) = p.lex_operator(&LIST_OPS) {
            (op, p.list_value()?)
        } else {
            return Err(p.error(
                "expected a valid check operator: one of 'exists', '<=', '<', '>=', '>', '==', \
                 '=', '!=', 'glob', 'iglob', 'contains', 'icontains', 'bcontains', 'startswith', \
                 'bstartswith', 'endswith', 'regex', 'intersects', 'in', 'pmatch'",
            ));
        };
        p.leave(Expr::Check(Box::new(Check { lhs, op, rhs, pos })))
    }

    /// The right-hand side of `< <= > >=`: `val()`, a transformer or a number.
    fn num_value(&mut self) -> PResult<Rhs> {
        let p = self;
        p.enter()?;
        p.cur.skip_blanks();
        if let Some(operand) = p.try_operand()? {
            return p.leave(Rhs::Operand(operand));
        }
        if let Some(n) = p.lex_number() {
            return p.leave(Rhs::Value(n));
        }
        Err(p.error(concat!(
            "expected a number value or a field with a valid transformer: ",
            transformer_names!()
        )))
    }

    /// The right-hand side of a string operator: a modified list, `val()`, a
    /// transformer, or a quoted or bare string.
    fn str_value(&mut self) -> PResult<Rhs> {
        let p = self;
        p.enter()?;
        p.cur.skip_blanks();
        if let Some(rhs) = p.modified_list()? {
            return p.leave(rhs);
        }
        if let Some(operand) = p.try_operand()? {
            return p.leave(Rhs::Operand(operand));
        }
        if let Some(s) = quoted_or(p, Parser::lex_bare_str)? {
            return p.leave(Rhs::Value(s));
        }
        Err(p.error(concat!(
            "expected a string value or a field with a valid transformer: ",
            transformer_names!()
        )))
    }

    /// `oneof|anyof|allof` followed by a list or an identifier. The word is a
    /// modifier only when `(` follows (blanks allowed) or, after a blank, an
    /// identifier other than `and`, `or`, `not`; otherwise it is a bare string.
    fn modified_list(&mut self) -> PResult<Option<Rhs>> {
        let rest = self.cur.rest();
        let Some((word, modifier)) = MODIFIERS.into_iter().find(|(w, _)| rest.starts_with(w))
        else {
            return Ok(None);
        };
        let after = rest.get(word.len()..).unwrap_or("");
        let next = after.trim_start_matches(is_blank);
        let blank = next.len() < after.len();
        let ident = next.get(..identifier_len(next)).unwrap_or("");
        let is_modifier = next.starts_with('(')
            || (blank && !ident.is_empty() && !matches!(ident, "and" | "or" | "not"));
        if !is_modifier {
            return Ok(None);
        }
        self.eat(word);
        self.cur.skip_blanks();
        let values = if self.eat("(") {
            self.list_literal()?
        } else {
            self.lex_identifier().into_iter().collect()
        };
        Ok(Some(Rhs::Modified { modifier, values }))
    }

    /// The right-hand side of `in intersects pmatch`: a list literal, `val()`,
    /// a transformer, or an identifier (a one-item list).
    fn list_value(&mut self) -> PResult<Rhs> {
        let p = self;
        p.enter()?;
        p.cur.skip_blanks();
        if p.eat("(") {
            let values = p.list_literal()?;
            return p.leave(Rhs::List(values));
        }
        if let Some(operand) = p.try_operand()? {
            return p.leave(Rhs::Operand(operand));
        }
        if let Some(name) = p.lex_identifier() {
            return p.leave(Rhs::List(vec![name]));
        }
        Err(p.error(concat!(
            "expected a list, an identifier, or a field with a valid transformer: ",
            transformer_names!()
        )))
    }

    /// The values and `)` of a list literal, after its `(`. As in Falco, a
    /// head value that fails to parse (for any reason) means "empty list", and
    /// parsing goes on from wherever the failed attempt left the cursor.
    fn list_literal(&mut self) -> PResult<Vec<String>> {
        self.cur.skip_blanks();
        let mut values = Vec::new();
        let depth = self.depth;
        let head = self.plain_str_value();
        self.depth = depth;
        if let Ok(head) = head {
            values.push(head);
            self.cur.skip_blanks();
            while self.eat(",") {
                values.push(self.plain_str_value()?);
                self.cur.skip_blanks();
            }
        }
        if !self.eat(")") {
            return Err(self.error("expected a ')' token"));
        }
        Ok(values)
    }

    /// A quoted or bare string (no transformer), as inside a list.
    fn plain_str_value(&mut self) -> PResult<String> {
        let p = self;
        p.enter()?;
        p.cur.skip_blanks();
        match quoted_or(p, Parser::lex_bare_str)? {
            Some(s) => p.leave(s),
            None => Err(p.error("expected a string value")),
        }
    }
}

/// A quoted string if one starts here, else whatever `other` lexes.
fn quoted_or<'a>(
    p: &mut Parser<'a>,
    other: impl FnOnce(&mut Parser<'a>) -> Option<String>,
) -> PResult<Option<String>> {
    match p.lex_quoted()? {
        Some(s) => Ok(Some(s)),
        None => Ok(other(p)),
    }
}
