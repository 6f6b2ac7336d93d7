//! Places in a text: the engine counts bytes, editors count lines and UTF-16 code units.

use lsp_types::{Position, Range};

/// The starts of the lines of a text, to turn byte offsets into LSP positions and back.
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex { starts }
    }

    /// The position of byte `offset` (clamped to the text and to a character boundary).
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self
            .starts
            .partition_point(|s| *s <= offset)
            .saturating_sub(1);
        let start = self.starts.get(line).copied().unwrap_or(0);
        let col: usize = text
            .get(start..offset)
            .unwrap_or("")
            .chars()
            .map(char::len_utf16)
            .sum();
        Position::new(
            u32::try_from(line).unwrap_or(u32::MAX),
            u32::try_from(col).unwrap_or(u32::MAX),
        )
    }

    pub fn range(&self, text: &str, start: usize, end: usize) -> Range {
        Range::new(self.position(text, start), self.position(text, end))
    }

    /// The byte offset of a position; a column past the end of its line is the end of
    /// the line, a line past the end of the text is the end of the text.
    pub fn offset(&self, text: &str, pos: Position) -> usize {
        let Some(&start) = self.starts.get(pos.line as usize) else {
            return text.len();
        };
        let end = self
            .starts
            .get(pos.line as usize + 1)
            .map_or(text.len(), |e| e.saturating_sub(1));
        let line = text.get(start..end).unwrap_or("");
        let mut units = 0u32;
        for (i, c) in line.char_indices() {
            if units >= pos.character {
                return start + i;
            }
            units += u32::try_from(c.len_utf16()).unwrap_or(2);
        }
        // A `\r` before the line's `\n` is not part of the line's columns.
        start + line.strip_suffix('\r').map_or(line.len(), str::len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_columns_of_chinese_and_emoji() {
        let text = "ab\n产值😀 x\n";
        let ix = LineIndex::new(text);
        let x = text.find('x').unwrap_or(0);
        // 产 值 are one unit each, the emoji two, the space one.
        assert_eq!(ix.position(text, x), Position::new(1, 5));
        assert_eq!(ix.offset(text, Position::new(1, 5)), x);
        assert_eq!(ix.offset(text, Position::new(1, 99)), text.len() - 1);
        assert_eq!(ix.offset(text, Position::new(9, 0)), text.len());
        // Inside a character: the start of the character.
        let emoji = text.find('😀').unwrap_or(0);
        assert_eq!(ix.position(text, emoji + 1), Position::new(1, 2));
    }
}
