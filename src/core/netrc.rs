//! `.netrc`, read the way curl and GNU inetutils read it, and the removal of one entry.
//!
//! The file holds other people's and other tools' passwords, so removal is surgical: one
//! tokenizer, shared by the finder and the remover, gives every token with its byte span,
//! and the remover cuts exactly the bytes of the entry the finder used. It then parses the
//! result again and refuses unless that entry is gone and every other entry, comment and
//! `macdef` is byte-identical. Nothing else in the file changes: not line ends (CRLF stays
//! CRLF), not blank lines, not the comments after the entry.
//!
//! The format: tokens separated by any whitespace, newlines included; `machine NAME`
//! or `default` starts an entry, followed by `login`, `password` and `account` with a value
//! each; `macdef NAME` starts a macro whose body runs to the next empty line; a token that
//! starts with `#` comments out the rest of its line; a value may be quoted (`"a b"`, with
//! `\"` and `\\` escapes) as curl accepts.

use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::core::error::Error;

/// One token, with where it stands in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Token {
    /// The token's value: unquoted and unescaped.
    text: String,
    span: Range<usize>,
}

/// What the tokenizer finds between entries' words.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Word(Token),
    /// A `#` comment, to the end of its line.
    Comment(Range<usize>),
    /// `macdef NAME` and its body, to the empty line that ends it.
    Macdef(Range<usize>),
}

fn pieces(text: &str) -> Vec<Piece> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        let start = i;
        if c == b'#' {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
            out.push(Piece::Comment(start..i));
            continue;
        }
        let mut value = Vec::new();
        if c == b'"' {
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' {
                if bytes[i] == b'\\' && i + 1 < bytes.len() {
                    i += 1;
                }
                value.push(bytes[i]);
                i += 1;
            }
            i = (i + 1).min(bytes.len()); // the closing quote, if there is one
        } else {
            while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
                value.push(bytes[i]);
                i += 1;
            }
        }
        let token = Token {
            text: String::from_utf8_lossy(&value).into_owned(),
            span: start..i,
        };
        if token.text == "macdef" && c != b'"' {
            // The name, then the body: every line up to the first empty one.
            let rest = &text[i..];
            let end = match (rest.find("\n\n"), rest.find("\n\r\n")) {
                (Some(a), Some(b)) => i + a.min(b) + 1,
                (Some(at), None) | (None, Some(at)) => i + at + 1,
                (None, None) => text.len(),
            };
            out.push(Piece::Macdef(start..end));
            i = end;
            continue;
        }
        out.push(Piece::Word(token));
    }
    out
}

/// One `machine` or `default` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// `None` for `default`.
    pub machine: Option<String>,
    pub login: Option<String>,
    pub password: Option<String>,
    /// From the entry's first word to the end of its last value.
    span: Range<usize>,
}

/// Every entry, with the comments and macros found between them (as byte ranges).
struct Parsed {
    entries: Vec<Entry>,
    others: Vec<Range<usize>>,
}

fn parse(text: &str) -> Parsed {
    let mut entries: Vec<Entry> = Vec::new();
    let mut others = Vec::new();
    let mut words = pieces(text).into_iter().peekable();
    while let Some(piece) = words.next() {
        let word = match piece {
            Piece::Word(word) => word,
            Piece::Comment(span) | Piece::Macdef(span) => {
                others.push(span);
                continue;
            }
        };
        match word.text.as_str() {
            "machine" | "default" => {
                let machine = if word.text == "machine" {
                    match words.next_if(|p| matches!(p, Piece::Word(_))) {
                        Some(Piece::Word(name)) => Some(name),
                        _ => None,
                    }
                } else {
                    None
                };
                let end = machine.as_ref().map_or(word.span.end, |m| m.span.end);
                entries.push(Entry {
                    machine: machine.map(|m| m.text).or_else(|| {
                        // `machine` with no name: an entry nothing can match.
                        (word.text == "machine").then(String::new)
                    }),
                    login: None,
                    password: None,
                    span: word.span.start..end,
                });
            }
            key @ ("login" | "password" | "account") => {
                let value = match words.next_if(|p| matches!(p, Piece::Word(_))) {
                    Some(Piece::Word(value)) => value,
                    _ => continue,
                };
                if let Some(entry) = entries.last_mut() {
                    entry.span.end = value.span.end;
                    match key {
                        "login" => entry.login = Some(value.text),
                        "password" => entry.password = Some(value.text),
                        _ => {}
                    }
                }
            }
            // Anything else is extended over by nobody: it stays where it is.
            _ => {}
        }
    }
    Parsed { entries, others }
}

/// The index of the entry used for `host` and `login`: the first `machine host` whose login
/// is `login`, or that names no login, or any when no login is asked for.
fn find(entries: &[Entry], host: &str, login: Option<&str>) -> Option<usize> {
    entries.iter().position(|e| {
        e.machine.as_deref() == Some(host)
            && match (login, e.login.as_deref()) {
                (Some(want), Some(have)) => want == have,
                _ => true,
            }
    })
}

/// Every `machine` and `default` entry, in file order.
pub fn entries(text: &str) -> Vec<Entry> {
    parse(text).entries
}

/// The password the file holds for `host` (and `login`, when the entry names one).
pub fn password(text: &str, host: &str, login: Option<&str>) -> Option<String> {
    let entries = parse(text).entries;
    let at = find(&entries, host, login)?;
    entries[at].password.clone()
}

/// The entry a token was found in: which file, and which host and login were asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryRef {
    pub path: PathBuf,
    pub host: String,
    pub login: Option<String>,
}

/// Why an entry was not removed. The file is unchanged in every case.
fn refuse(entry: &EntryRef, reason: impl Into<String>) -> Error {
    Error::NetrcUnchanged {
        path: entry.path.clone(),
        host: entry.host.clone(),
        reason: reason.into(),
    }
}

/// `text` without the entry for `host` and `login`, cut at the bytes the finder read it
/// from, or why that cannot be done safely.
pub fn without(text: &str, host: &str, login: Option<&str>) -> Result<String, String> {
    let before = parse(text);
    let at = find(&before.entries, host, login)
        .ok_or_else(|| "it has no entry for this site any more".to_string())?;
    let gone = &before.entries[at];
    let cut = cut_range(text, gone.span.clone());
    let after_text = format!("{}{}", &text[..cut.start], &text[cut.end..]);

    // Check the result the way it will be read: the entry is gone, all else is the same.
    let after = parse(&after_text);
    let shifted = |r: &Range<usize>| {
        if r.start >= cut.end {
            r.start - cut.len()..r.end - cut.len()
        } else {
            r.clone()
        }
    };
    let mut kept = before.entries.clone();
    kept.remove(at);
    let same_entries = kept.len() == after.entries.len()
        && kept.iter().zip(&after.entries).all(|(old, new)| {
            text[old.span.clone()] == after_text[new.span.clone()] && new.span == shifted(&old.span)
        });
    let same_others = before.others.len() == after.others.len()
        && before
            .others
            .iter()
            .zip(&after.others)
            .all(|(old, new)| text[old.clone()] == after_text[new.clone()]);
    if !same_entries || !same_others {
        return Err("removing it would change other entries, comments or macros".into());
    }
    if password(&after_text, host, login) == gone.password && gone.password.is_some() {
        return Err("another entry for this site holds the same token".into());
    }
    Ok(after_text)
}

/// The bytes to cut for an entry at `span`: whole lines when the entry has them to itself,
/// else the entry and the blanks that separate it from its neighbour on the line.
fn cut_range(text: &str, span: Range<usize>) -> Range<usize> {
    let bytes = text.as_bytes();
    let blank = |b: u8| b == b' ' || b == b'\t';
    let mut line_start = span.start;
    while line_start > 0 && blank(bytes[line_start - 1]) {
        line_start -= 1;
    }
    let alone_from_start = line_start == 0 || bytes[line_start - 1] == b'\n';
    let mut after = span.end;
    while after < bytes.len() && blank(bytes[after]) {
        after += 1;
    }
    let line_end = if text[after..].starts_with("\r\n") {
        Some(after + 2)
    } else if text[after..].starts_with('\n') {
        Some(after + 1)
    } else if after == bytes.len() {
        Some(after)
    } else {
        None
    };
    match (alone_from_start, line_end) {
        (true, Some(end)) => line_start..end,
        // Something follows on the line: cut up to it, so it moves to where we began.
        (_, None) => span.start..after,
        // Something precedes on the line: cut the blanks before us, keep the line end.
        (false, Some(_)) => line_start..after,
    }
}

/// Deletes the entry a token was found in from its file, exactly and only that entry, or
/// refuses and says why; a deletion is never reported that did not happen.
///
/// A symlinked file (a dotfiles repository) is changed at its target, keeping the
/// target's permissions; the link stays a link.
pub(crate) fn remove_entry(entry: &EntryRef) -> Result<(), Error> {
    let target = std::fs::canonicalize(&entry.path).map_err(|source| Error::ConfigIo {
        action: "find",
        path: entry.path.clone(),
        source,
    })?;
    let read = |path: &Path| {
        std::fs::read_to_string(path).map_err(|source| Error::ConfigIo {
            action: "read",
            path: path.to_path_buf(),
            source,
        })
    };
    let text = read(&target)?;
    let left = without(&text, &entry.host, entry.login.as_deref())
        .map_err(|reason| refuse(entry, reason))?;
    let mode = file_mode(&target)?;
    crate::core::atomic::replace(&target, left.as_bytes(), mode)?;
    // Read it back as the next reader will: the token must be gone.
    let now = read(&target)?;
    if now != left {
        return Err(refuse(
            entry,
            "the file changed while it was being rewritten",
        ));
    }
    Ok(())
}

#[cfg(unix)]
fn file_mode(path: &Path) -> Result<u32, Error> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .map(|m| m.permissions().mode() & 0o7777)
        .map_err(|source| Error::ConfigIo {
            action: "read the permissions of",
            path: path.to_path_buf(),
            source,
        })
}

#[cfg(not(unix))]
fn file_mode(_path: &Path) -> Result<u32, Error> {
    Ok(0o600)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn removed(text: &str, host: &str, login: Option<&str>) -> String {
        without(text, host, login).unwrap_or_else(|e| panic!("{e}: {text:?}"))
    }

    #[test]
    fn finds_by_host_and_login_across_any_layout() {
        let netrc = "machine other.example login bob password b0b\n\
                     machine acme.atlassian.net\n  login mia@example.com\n  password s3cret\n\
                     default login anon password x\n";
        assert_eq!(
            password(netrc, "acme.atlassian.net", Some("mia@example.com")).as_deref(),
            Some("s3cret")
        );
        assert_eq!(password(netrc, "acme.atlassian.net", Some("someone")), None);
        assert_eq!(password(netrc, "nope.example", None), None);
        // `machine` and its host on separate lines, tabs, a quoted password.
        let split = "machine\n\tacme.atlassian.net login\tmia password \"a \\\"b\\\" c\"\n";
        assert_eq!(
            password(split, "acme.atlassian.net", Some("mia")).as_deref(),
            Some("a \"b\" c")
        );
        // A comment hides what follows it on its line.
        let commented = "# machine acme.atlassian.net login mia password old\n\
                         machine acme.atlassian.net login mia password new\n";
        assert_eq!(
            password(commented, "acme.atlassian.net", Some("mia")).as_deref(),
            Some("new")
        );
    }

    /// Each layout from the report that broke the line-based remover, and more.
    #[test]
    fn removes_exactly_the_entry_used() {
        let jira = "acme.atlassian.net";
        let cases: &[(&str, Option<&str>, &str)] = &[
            // Two logins on one host: only mia's goes.
            (
                "machine acme.atlassian.net login bob password B\n\
                 machine acme.atlassian.net login mia password M\n",
                Some("mia"),
                "machine acme.atlassian.net login bob password B\n",
            ),
            // Two entries on one line, Jira first: GitHub's stays.
            (
                "machine acme.atlassian.net login mia password M machine gh.example login g password G\n",
                Some("mia"),
                "machine gh.example login g password G\n",
            ),
            // Jira after another machine on the same line.
            (
                "machine gh.example login g password G machine acme.atlassian.net login mia password M\n",
                Some("mia"),
                "machine gh.example login g password G\n",
            ),
            // `machine` and the host on separate lines.
            (
                "machine\nacme.atlassian.net\nlogin mia\npassword M\nmachine gh.example password G\n",
                Some("mia"),
                "machine gh.example password G\n",
            ),
            // Comments and blank lines after the entry stay; CRLF stays CRLF.
            (
                "machine acme.atlassian.net login mia password M\r\n\r\n# keep me\r\n\r\nmachine gh.example password G\r\n",
                Some("mia"),
                "\r\n# keep me\r\n\r\nmachine gh.example password G\r\n",
            ),
            // No trailing newline.
            (
                "machine gh.example password G\nmachine acme.atlassian.net login mia password M",
                Some("mia"),
                "machine gh.example password G\n",
            ),
            // A macdef right after the entry is kept, byte for byte.
            (
                "machine acme.atlassian.net login mia password M\nmacdef init\ncd /pub\nls\n\nmachine gh.example password G\n",
                Some("mia"),
                "macdef init\ncd /pub\nls\n\nmachine gh.example password G\n",
            ),
            // A default entry is never taken for the site.
            (
                "default login anon password A\nmachine acme.atlassian.net login mia password M\n",
                None,
                "default login anon password A\n",
            ),
        ];
        for (before, login, want) in cases {
            assert_eq!(&removed(before, jira, *login), want, "from {before:?}");
        }
    }

    #[test]
    fn refuses_what_it_cannot_do_exactly() {
        // Nothing to remove.
        assert!(
            without(
                "machine gh.example password G\n",
                "acme.atlassian.net",
                None
            )
            .is_err()
        );
        // Two identical entries: removing the first would leave the token readable.
        let twice = "machine acme.atlassian.net login mia password M\n\
                     machine acme.atlassian.net login mia password M\n";
        let err = without(twice, "acme.atlassian.net", Some("mia")).unwrap_err();
        assert!(err.contains("same token"), "{err}");
    }

    proptest::proptest! {
        /// Whatever the file, a removal either refuses or leaves every other entry as it was.
        #[test]
        fn removal_keeps_everything_else(text in "(machine|default|login|password|account|macdef|#|\"|\\\\| |\t|\r|\n|a|b|h\\.x|h)*") {
            for e in parse(&text).entries {
                let Some(host) = e.machine.as_deref() else { continue };
                if let Ok(after) = without(&text, host, e.login.as_deref()) {
                    let before_n = parse(&text).entries.len();
                    proptest::prop_assert_eq!(parse(&after).entries.len() + 1, before_n);
                }
            }
        }
    }
}
