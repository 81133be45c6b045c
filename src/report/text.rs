//! Small text helpers shared by the human-facing writers (console, Markdown,
//! JUnit), kept in one place so that the same check reads the same way in
//! every format: the same status marker, the same cap on long server output,
//! the same one-line summary of a wire exchange.

use super::model::{Exchange, Status};
use std::borrow::Cow;

/// How many characters of a server-supplied value (an `actual`, a body) the
/// human-facing writers show; the JSON report always carries the whole value.
pub const CAP_CHARS: usize = 500;

/// An emoji-free, one-character marker for a status, shown next to the plain
/// word so that the status survives a monochrome terminal, a screen reader
/// and a renderer without emoji fonts.
pub fn marker(status: Status) -> &'static str {
    match status {
        Status::Pass => "+",
        Status::Fail => "x",
        Status::Warn => "!",
        Status::Info => "i",
        Status::Skip => "-",
        Status::Error => "E",
    }
}

/// `s` cut to at most `max` characters (never inside a character), with an
/// ellipsis and the number of characters left out when it was cut.
pub fn cap(s: &str, max: usize) -> Cow<'_, str> {
    match s.char_indices().nth(max) {
        None => Cow::Borrowed(s),
        Some((byte, _)) => {
            let rest = s[byte..].chars().count();
            Cow::Owned(format!("{}… [{rest} more chars]", &s[..byte]))
        }
    }
}

/// The first line of `s`, with a trailing ` …` when more lines follow.
pub fn first_line(s: &str) -> Cow<'_, str> {
    let s = s.trim_end();
    match s.split_once('\n') {
        None => Cow::Borrowed(s),
        Some((first, _)) => Cow::Owned(format!("{} …", first.trim_end())),
    }
}

/// `s` with control characters other than newline and tab shown as escapes
/// (`\u{1b}`), so server-supplied text cannot drive the terminal (colour,
/// cursor moves, a `\r` that overwrites a failing line with a passing one).
pub fn printable(s: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !s.chars().any(unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if unsafe_char(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// One line describing an exchange: `POST http://host/mcp -> 400 (12.5 ms)`,
/// `SEND -> no response: timed out (5000.0 ms)`.
pub fn exchange_line(ex: &Exchange) -> String {
    let mut line = ex.request.method.clone();
    if !ex.request.url.is_empty() {
        line.push(' ');
        line.push_str(&ex.request.url);
    }
    line.push_str(" -> ");
    match (&ex.response, &ex.error) {
        (Some(resp), _) => {
            match resp.status {
                Some(code) => line.push_str(&code.to_string()),
                None => line.push_str("response"),
            }
            if resp.truncated {
                line.push_str(" (body truncated)");
            }
            if let Some(err) = &ex.error {
                line.push_str(", error: ");
                line.push_str(err);
            }
        }
        (None, Some(err)) => {
            line.push_str("no response: ");
            line.push_str(err);
        }
        (None, None) => line.push_str("no response"),
    }
    line.push_str(&format!(" ({:.1} ms)", ex.duration_ms));
    line
}

/// `word` with its indefinite article, so generated messages read as
/// sentences: "an expired token", "a malformed token", "an X-Trace header".
pub fn with_article(word: &str) -> String {
    let mut chars = word.chars();
    let first = chars.next().map(|c| c.to_ascii_lowercase());
    let vowel = matches!(first, Some('a' | 'e' | 'i' | 'o' | 'u'))
        || (first == Some('x') && chars.next() == Some('-'));
    format!("{} {word}", if vowel { "an" } else { "a" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn articles_follow_the_sound() {
        assert_eq!(with_article("expired"), "an expired");
        assert_eq!(with_article("alg-none"), "an alg-none");
        assert_eq!(with_article("malformed"), "a malformed");
        assert_eq!(with_article("X-Trace"), "an X-Trace");
        assert_eq!(with_article("Mcp-Session-Id"), "a Mcp-Session-Id");
    }

    #[test]
    fn cap_leaves_short_text_alone_and_cuts_on_char_boundaries() {
        assert_eq!(cap("abc", 3), "abc");
        assert_eq!(cap("abcd", 3), "abc… [1 more chars]");
        // Multi-byte characters count as one and are never split.
        assert_eq!(cap("ééééé", 2), "éé… [3 more chars]");
    }

    #[test]
    fn printable_escapes_terminal_controls_but_keeps_newlines() {
        assert_eq!(printable("a\nb\tc"), "a\nb\tc");
        assert_eq!(printable("ok\r\x1b[32mpass"), "ok\\u{d}\\u{1b}[32mpass");
    }

    #[test]
    fn first_line_marks_continuation() {
        assert_eq!(first_line("one"), "one");
        assert_eq!(first_line("one\ntwo\n"), "one …");
        assert_eq!(first_line("one\n"), "one");
    }
}
