//! What `policy lsp` answers, computed from texts: the language server's features as
//! library code. The protocol loop, the files on disk and the clock are the binary's
//! (`src/cli/lsp.rs`); nothing here does IO.

pub mod analysis;
pub mod features;
pub mod text;

pub use analysis::Analysis;
pub use text::LineIndex;

/// The address (`file://…`) of a local path, with the characters a URI cannot hold
/// percent-encoded (Chinese folder names included).
pub fn file_uri(path: &str) -> String {
    let mut out = String::from("file://");
    if !path.starts_with('/') {
        out.push('/');
    }
    for b in path.replace('\\', "/").bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~:".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The local path of a `file://` address, or `None` for another scheme.
pub fn uri_path(uri: &str) -> Option<String> {
    let rest = uri.strip_prefix("file://")?;
    // `file://host/path`: only the local host is read.
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    let mut bytes = Vec::with_capacity(rest.len());
    let mut it = rest.bytes();
    while let Some(b) = it.next() {
        if b == b'%' {
            let hex: Vec<u8> = it.by_ref().take(2).collect();
            let v = std::str::from_utf8(&hex)
                .ok()
                .and_then(|h| u8::from_str_radix(h, 16).ok())?;
            bytes.push(v);
        } else {
            bytes.push(b);
        }
    }
    let path = String::from_utf8(bytes).ok()?;
    // `file:///C:/x` on Windows.
    let windows = path.get(1..3).is_some_and(|s| s.ends_with(':')) && path.starts_with('/');
    Some(if windows {
        path.get(1..).unwrap_or("").to_string()
    } else {
        path
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_round_trip_chinese_paths() {
        let p = "/home/张三/规则 集/article15.policy";
        let u = file_uri(p);
        assert!(u.is_ascii());
        assert_eq!(uri_path(&u).as_deref(), Some(p));
        assert_eq!(uri_path("http://x/y"), None);
    }
}
