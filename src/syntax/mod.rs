//! Rule files as text: the grammar (`grammar/policy.pest`), the syntax tree and the parser.

pub mod ast;
pub mod keywords;
pub mod parse;
pub mod spans;

pub use keywords::KeywordSet;
pub use parse::{parse_file, parse_file_any_set, parse_file_keywords, reparse};
