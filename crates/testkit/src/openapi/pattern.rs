//! The `pattern`s the OpenAPI document may use: a regular-expression subset without a
//! regex crate. Atoms are a literal character, `\` and a character, `.`, or a class
//! (`[0-9a-f]`, `[^…]`); each may take `?`, `*`, `+`, `{n}`, `{n,}` or `{n,m}`; `^` and `$`
//! anchor. Anything else (groups, alternation) is refused, not guessed at.

/// One element of a pattern: which characters it takes, and how many times.
struct Piece {
    set: Set,
    min: usize,
    max: usize,
}

enum Set {
    Any,
    Char(char),
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

impl Set {
    fn contains(&self, c: char) -> bool {
        match self {
            Self::Any => true,
            Self::Char(x) => *x == c,
            Self::Class { negated, ranges } => {
                ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&c)) != *negated
            }
        }
    }
}

/// Whether `text` matches `pattern` (unanchored unless `^`/`$` say so, as in JSON Schema).
///
/// # Errors
///
/// If the pattern is outside the subset.
pub fn matches(pattern: &str, text: &str) -> Result<bool, String> {
    let (start, body) = match pattern.strip_prefix('^') {
        Some(rest) => (true, rest),
        None => (false, pattern),
    };
    let (end, body) = match body.strip_suffix('$').filter(|b| !b.ends_with('\\')) {
        Some(rest) => (true, rest),
        None => (false, body),
    };
    let pieces = parse(body)?;
    let text: Vec<char> = text.chars().collect();
    let starts = if start { 0..=0 } else { 0..=text.len() };
    Ok(starts
        .into_iter()
        .any(|from| match_at(&pieces, &text[from..], end)))
}

fn match_at(pieces: &[Piece], text: &[char], to_end: bool) -> bool {
    let Some((piece, rest)) = pieces.split_first() else {
        return !to_end || text.is_empty();
    };
    let mut taken = 0;
    while taken < piece.max && taken < text.len() && piece.set.contains(text[taken]) {
        taken += 1;
    }
    (piece.min..=taken)
        .rev()
        .any(|n| match_at(rest, &text[n..], to_end))
}

fn parse(body: &str) -> Result<Vec<Piece>, String> {
    let mut chars = body.chars().peekable();
    let mut pieces = Vec::new();
    while let Some(c) = chars.next() {
        let set = match c {
            '.' => Set::Any,
            '\\' => Set::Char(chars.next().ok_or("a trailing backslash")?),
            '[' => class(&mut chars)?,
            '(' | ')' | '|' | '^' | '$' | '*' | '+' | '?' | '{' => {
                return Err(format!("{c:?} is outside the supported subset"));
            }
            literal => Set::Char(literal),
        };
        let (min, max) = match chars.next_if(|c| matches!(c, '?' | '*' | '+' | '{')) {
            Some('?') => (0, 1),
            Some('*') => (0, usize::MAX),
            Some('+') => (1, usize::MAX),
            Some(_) => {
                let bounds: String = chars.by_ref().take_while(|c| *c != '}').collect();
                repetition(&bounds)?
            }
            None => (1, 1),
        };
        pieces.push(Piece { set, min, max });
    }
    Ok(pieces)
}

fn class(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<Set, String> {
    let negated = chars.next_if_eq(&'^').is_some();
    let mut ranges = Vec::new();
    loop {
        let lo = match chars.next().ok_or("an unclosed class")? {
            ']' => return Ok(Set::Class { negated, ranges }),
            '\\' => chars.next().ok_or("a trailing backslash")?,
            c => c,
        };
        let hi = match chars.peek() {
            Some('-') => {
                chars.next();
                match chars.next().ok_or("an unclosed class")? {
                    ']' => {
                        ranges.extend([(lo, lo), ('-', '-')]);
                        return Ok(Set::Class { negated, ranges });
                    }
                    hi => hi,
                }
            }
            _ => lo,
        };
        ranges.push((lo, hi));
    }
}

fn repetition(bounds: &str) -> Result<(usize, usize), String> {
    let number = |s: &str| {
        s.trim()
            .parse::<usize>()
            .map_err(|_| format!("the repetition {{{bounds}}}"))
    };
    match bounds.split_once(',') {
        None => number(bounds).map(|n| (n, n)),
        Some((min, "")) => Ok((number(min)?, usize::MAX)),
        Some((min, max)) => Ok((number(min)?, number(max)?)),
    }
}
