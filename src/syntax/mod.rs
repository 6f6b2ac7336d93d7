//! Rule files as text: the grammar (`grammar/policy.pest`), the syntax tree and the parser.

pub mod ast;
pub mod parse;

pub use parse::parse_file;
