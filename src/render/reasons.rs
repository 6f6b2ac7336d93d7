//! The reasons the evaluator gives for an undetermined value, in Chinese.
//!
//! The evaluator writes its reasons in English (they are part of the JSON, which stays
//! the same in every language); a report in Chinese shows them through this table. A
//! reason that quotes a name or a number is matched by its fixed words around it.

use std::borrow::Cow;

/// Reasons written as they are.
const EXACT: &[(&str, &str)] = &[
    ("a year must be a whole number", "年份须为整数"),
    (
        "date_in needs a year and a day of the year",
        "date_in 需要一个年份和一个月日",
    ),
    ("division by zero", "除数为零"),
    (
        "durations in different units cannot be ordered",
        "单位不同的期限无法比较先后",
    ),
    (
        "extend needs a date, a duration and a whole number",
        "extend 需要一个日期、一个期限和一个整数",
    ),
    (
        "growth needs a series and a list of years",
        "增速需要一个时间序列和一组年份",
    ),
    (
        "growth needs at least two years",
        "计算增速至少需要两个年份",
    ),
    (
        "growth needs two different years",
        "计算增速需要两个不同的年份",
    ),
    (
        "growth rates can only be compared, not computed with",
        "增速只能比较，不能参与运算",
    ),
    (
        "growth rates in different units cannot be compared",
        "单位不同的增速无法比较",
    ),
    ("internal", "内部错误"),
    ("internal: unbound variable", "内部错误：变量未绑定"),
    ("no such article", "没有这一条"),
    ("no such clause", "没有这一款"),
    ("no such decision", "没有这一判定"),
    ("no such definition", "没有这一定义"),
    ("no such field", "没有这一字段"),
    ("no value", "没有取值"),
    ("not a date", "不是日期"),
    ("not a list", "不是列表"),
    ("not a number", "不是数"),
    ("not a record", "不是记录"),
    ("not a series", "不是时间序列"),
    ("nothing to compare", "没有可比较的值"),
    ("only numbers can be added", "只有数可以相加"),
    ("the date is out of range", "日期超出可表示的范围"),
    ("the decision depends on itself", "该判定依赖于自身"),
    ("the list is empty", "列表为空"),
    (
        "the number is too large to convert between units",
        "数值过大，无法换算单位",
    ),
    (
        "the numbers are too large to compare a growth rate exactly",
        "数值过大，无法精确比较增速",
    ),
    (
        "the numbers are too large to compute a growth rate exactly",
        "数值过大，无法精确计算增速",
    ),
    ("the range of years is too long", "年份范围过长"),
    (
        "the result cannot be held as an exact decimal (too large or too many decimal places)",
        "结果无法用精确小数表示（过大或小数位过多）",
    ),
    ("the series is empty", "时间序列为空"),
    ("the values cannot be combined", "这些值无法合并计算"),
    ("the values cannot be compared", "这些值无法比较"),
    (
        "there are no elements to take the mean of",
        "没有可求平均值的元素",
    ),
    (
        "there are no elements to take the minimum of",
        "没有可求最小值的元素",
    ),
    (
        "there are no elements to take the maximum of",
        "没有可求最大值的元素",
    ),
    ("there is no such record", "没有这条记录"),
    ("there is no value to compare", "没有可比较的值"),
    (
        "the evaluation stopped: it needed more steps than the budget allows",
        "评估已停止：所需步数超过预算",
    ),
];

/// Reasons with a name or number inside: (English before, English after, Chinese with
/// `{}` for the part between).
const PATTERNS: &[(&str, &str, &str)] = &[
    ("`", "` does not apply", "`{}` 不适用"),
    ("`", "` is not a year", "`{}` 不是年份"),
    ("no figure for ", "", "缺少 {} 年的数据"),
    ("cannot extend ", " times", "无法延长 {} 次"),
    ("", " is not a date", "{}不是有效日期"),
    (
        "",
        ": a year's value is zero, so its growth rate is undefined",
        "{}：有一年的值为零，增速无定义",
    ),
    (
        "",
        ": growth is undefined for negative values",
        "{}：值为负数时增速无定义",
    ),
];

/// `reason` in `lang`.
pub fn in_lang(reason: &str, lang: crate::diag::Lang) -> Cow<'_, str> {
    match lang {
        crate::diag::Lang::Zh => zh(reason),
        crate::diag::Lang::En => Cow::Borrowed(reason),
    }
}

/// `reason` in Chinese; a reason the table does not know stays as it is.
pub fn zh(reason: &str) -> Cow<'_, str> {
    if let Some((_, z)) = EXACT.iter().find(|(e, _)| *e == reason) {
        return Cow::Borrowed(z);
    }
    // `name: the first year's value (0) is zero, so growth is undefined`
    if let Some((name, rest)) = reason.split_once(": the first year's value (") {
        if let Some(v) = rest.strip_suffix(") is zero, so growth is undefined") {
            return Cow::Owned(format!("{name}：首年的值（{v}）为零，增速无定义"));
        }
    }
    for (before, after, z) in PATTERNS {
        if let Some(mid) = reason
            .strip_prefix(before)
            .and_then(|r| r.strip_suffix(after))
        {
            if !mid.is_empty() {
                return Cow::Owned(z.replace("{}", mid));
            }
        }
    }
    Cow::Borrowed(reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_read_in_chinese() {
        assert_eq!(zh("division by zero"), "除数为零");
        assert_eq!(zh("`article3` does not apply"), "`article3` 不适用");
        assert_eq!(zh("no figure for 2023"), "缺少 2023 年的数据");
        assert_eq!(
            zh("2023年2月30日 is not a date"),
            "2023年2月30日不是有效日期"
        );
        assert_eq!(
            zh("产值: the first year's value (0) is zero, so growth is undefined"),
            "产值：首年的值（0）为零，增速无定义"
        );
        assert_eq!(zh("something new"), "something new");
    }

    /// Every reason the evaluator writes as a literal has its Chinese here: the test
    /// reads the evaluator's source, so a new reason without Chinese fails it.
    #[test]
    fn every_literal_reason_of_the_evaluator_has_chinese() {
        let sources = [
            include_str!("../eval/mod.rs"),
            include_str!("../eval/compare.rs"),
            include_str!("../eval/aggregate.rs"),
            include_str!("../eval/exact.rs"),
            include_str!("../eval/value.rs"),
        ];
        let mut missing = Vec::new();
        for src in sources {
            for marker in ["reason(\"", "Err(\""] {
                for (i, _) in src.match_indices(marker) {
                    let rest = &src[i + marker.len()..];
                    let Some(end) = rest.find('"') else { continue };
                    let lit = &rest[..end];
                    if lit.is_empty() || lit.contains('{') {
                        continue;
                    }
                    if zh(lit) == lit {
                        missing.push(lit.to_string());
                    }
                }
            }
        }
        assert!(missing.is_empty(), "no Chinese for: {missing:?}");
    }
}
