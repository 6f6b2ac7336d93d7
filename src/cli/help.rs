//! `--help` in the language of the run.
//!
//! clap's help texts are the doc comments of `main.rs`, in English. Under `--lang zh`
//! the command is rebuilt before parsing with the Chinese texts of [`ZH`] (keyed by
//! subcommand and argument id), Chinese headings and a Chinese `-h`/`-V`; a
//! subcommand's arguments, and their translation, only when clap builds that subcommand
//! ([`Deferred`]). A test
//! checks that every subcommand and every argument has a Chinese text here, so that a
//! flag added without one fails it.

use crate::Cli;
use clap::{Arg, Command, CommandFactory};
use policy::diag::Lang;

/// Chinese texts: (subcommand, argument id, help, value name). An empty argument id
/// is the subcommand's own description; an empty subcommand is `policy` itself; an
/// empty value name keeps clap's.
pub const ZH: &[(&str, &str, &str, &str)] = &[
    (
        "",
        "",
        "《上海市促进中小企业特色产业集群发展管理办法》（沪经信规范〔2024〕1号）的规则即代码工具",
        "",
    ),
    (
        "",
        "lang",
        "输出所用语言（报告、诊断、帮助）：zh（中文）或 en（英文）。缺省时，若区域设置（LC_ALL、LC_MESSAGES 或 LANG）以 zh 开头则为中文，否则为英文",
        "语言",
    ),
    // lsp
    (
        "lsp",
        "",
        "为编辑器提供规则文件的语言服务（LSP），经标准输入和标准输出通信",
        "",
    ),
    // template
    (
        "template",
        "",
        "为一套规则生成空白事实模板：列出每项事实的中文名称、类型、单位、规则所需的年份及使用它的条款",
        "",
    ),
    ("template", "policy", "规则文件（*.policy）所在文件夹", "文件夹"),
    (
        "template",
        "format",
        "json（各项为 null，说明见 `policy schema`）、yaml（附注释）或 xlsx（带批注和下拉列表的工作簿，须给 --output）",
        "格式",
    ),
    (
        "template",
        "as_of",
        "按此评估日期的时间窗口确定年份，格式为 YYYY-MM-DD（缺省：上海当日）",
        "日期",
    ),
    ("template", "output", "写入的文件（缺省：标准输出）", "文件"),
    // schema
    (
        "schema",
        "",
        "输出这套规则的事实文件 JSON Schema（2020-12），供编辑器校验和补全",
        "",
    ),
    ("schema", "policy", "规则文件（*.policy）所在文件夹", "文件夹"),
    (
        "schema",
        "as_of",
        "按此评估日期的时间窗口确定说明中列出的年份，格式为 YYYY-MM-DD",
        "日期",
    ),
    ("schema", "output", "写入的文件（缺省：标准输出）", "文件"),
    // check
    ("check", "", "按规则文件逐项评估一个集群的事实", ""),
    ("check", "policy", "规则文件（*.policy）所在文件夹", "文件夹"),
    (
        "check",
        "facts",
        "事实：一个文件（.json、.yaml/.yml、.toml）；批量评估多个集群时，可为此类文件所在文件夹（按文件名读取）、JSON Lines 文件（.jsonl，每行一个事实对象）或 CSV 文件（.csv，每行一个集群；列名为事实名称，时间序列每年一列，如 `output_value.2022`；事故等列表类事实不能用 CSV 提供，请用 JSON 或 YAML）",
        "路径",
    ),
    (
        "check",
        "as_of",
        "评估日期，格式为 YYYY-MM-DD（缺省：上海当日）",
        "日期",
    ),
    (
        "check",
        "format",
        "human：供人阅读的报告（多个集群时每个集群一行，另附汇总表）；json：docs/facts.md 所述的判定对象（单个集群）；jsonl：每个集群一行判定及其来源，汇总输出到标准错误；xlsx：结果与差距的 Excel 工作簿（见 docs/reports.md）；html：可阅读、可打印的网页（单个集群的报告，或批量评估的汇总）",
        "格式",
    ),
    (
        "check",
        "output",
        "写入的文件（xlsx 和 html），写完后整体替换原文件；html 不给此项时输出到标准输出",
        "文件",
    ),
    (
        "check",
        "jobs",
        "批量评估时并行评估集群的线程数，1 至 256（缺省：全部处理器核心）",
        "线程数",
    ),
    (
        "check",
        "color",
        "颜色：auto（在终端上着色）、always（始终着色）或 never（不着色）",
        "颜色",
    ),
    // test
    (
        "test",
        "",
        "运行案例文件（给定事实下的预期判定），报告未通过的案例",
        "",
    ),
    ("test", "policy", "规则文件（*.policy）所在文件夹", "文件夹"),
    (
        "test",
        "paths",
        "案例文件或案例文件所在文件夹（缺省：--policy 文件夹下的 `cases` 文件夹）",
        "路径",
    ),
    (
        "test",
        "coverage",
        "同时逐条报告各规则在案例中是否出现过满足、不满足和无法判定",
        "",
    ),
    (
        "test",
        "review",
        "逐一显示有变化或新增的案例报告（快照），并询问：接受、拒绝或跳过",
        "",
    ),
    (
        "test",
        "accept",
        "不经询问，保存所有有变化或新增的案例报告",
        "",
    ),
    (
        "test",
        "unreferenced",
        "已无案例使用的存档报告：warn（列出警告）、reject（视为失败）或 delete（删除）",
        "处理方式",
    ),
    // diff
    (
        "diff",
        "",
        "比较两套规则：有哪些变化，以及哪些集群的判定因此改变",
        "",
    ),
    ("diff", "old", "现行规则文件所在文件夹", "原规则"),
    (
        "diff",
        "new",
        "修订后规则文件所在文件夹（省略时比较原规则的两个版本）",
        "新规则",
    ),
    (
        "diff",
        "from_version",
        "要比较的原规则版本：版本名称，或日期（取该日有效的规则）",
        "版本",
    ),
    (
        "diff",
        "to_version",
        "要比较的新规则（或原规则）版本：版本名称或日期",
        "版本",
    ),
    (
        "diff",
        "facts",
        "在两套规则下分别评估的事实文件或其所在文件夹（省略时只比较结构）",
        "路径",
    ),
    (
        "diff",
        "as_of",
        "各集群的评估日期（缺省：文件夹中的 as-of.txt，否则为当日）",
        "日期",
    ),
    (
        "diff",
        "format",
        "human：供人阅读的报告；json：同样内容，供程序读取",
        "格式",
    ),
    (
        "diff",
        "jobs",
        "并行评估集群的线程数，1 至 256（缺省：全部处理器核心）",
        "线程数",
    ),
    // fmt
    (
        "fmt",
        "",
        "按规范版式重写规则文件（`--check`：只报告差异，不改写）",
        "",
    ),
    (
        "fmt",
        "paths",
        "规则文件或规则文件（*.policy）所在文件夹",
        "路径",
    ),
    (
        "fmt",
        "check",
        "不作任何修改；显示差异，若有文件未按规范排版则以非零状态退出",
        "",
    ),
    (
        "fmt",
        "keywords",
        "以此关键字集写出文件：en（英文关键字）或 zh（中文关键字）；省略时各文件保持原有关键字集",
        "关键字集",
    ),
    // generate
    (
        "generate",
        "",
        "根据一套规则（其中的事实、时间窗口和阈值）生成模拟集群，供基准测试和测试使用；种子相同则结果相同",
        "",
    ),
    (
        "generate",
        "policy",
        "所生成集群适用的规则文件（*.policy）所在文件夹",
        "文件夹",
    ),
    ("generate", "count", "生成集群的数量", "数量"),
    ("generate", "seed", "随机种子：种子相同，生成的集群相同", "种子"),
    (
        "generate",
        "format",
        "jsonl 或 csv（写入 --out 或标准输出），或 dir（每个集群一个 .json 文件，写入 --out 文件夹）",
        "格式",
    ),
    (
        "generate",
        "as_of",
        "所生成集群的评估日期，格式为 YYYY-MM-DD（缺省：上海当日）",
        "日期",
    ),
    (
        "generate",
        "out",
        "写入位置：一个文件，或 --format dir 时的文件夹",
        "路径",
    ),
    (
        "generate",
        "plan",
        "不生成集群，而是写出生成依据：各规则的时间窗口年份和所有阈值",
        "",
    ),
];

/// clap's own arguments, the same in every command.
const HELP_ZH: &str = "显示帮助";
const VERSION_ZH: &str = "显示版本";

/// The help of a command in Chinese (clap's layout, Chinese headings).
const TEMPLATE_ZH: &str = "{about-with-newline}\n用法：{usage}\n\n{all-args}{after-help}";

/// The command line, with its help in `lang`.
///
/// Each subcommand's arguments are added (and, in Chinese, translated) only when clap
/// needs them — when that subcommand is the one run, or its help is shown — see
/// [`Deferred`]; the descriptions of the subcommands, which `policy --help` lists, are
/// set here.
pub fn command(lang: Lang) -> Command {
    let cmd = Cli::command();
    match lang {
        Lang::En => cmd,
        Lang::Zh => {
            let mut cmd = localize(cmd, "");
            let names: Vec<String> = cmd
                .get_subcommands()
                .map(|s| s.get_name().to_owned())
                .collect();
            for name in names {
                if let Some((about, _)) = zh(&name, "") {
                    cmd =
                        cmd.mut_subcommand(&name, |sub| sub.about(about).long_about(None::<&str>));
                }
            }
            cmd.subcommand_help_heading("子命令")
                .subcommand_value_name("子命令")
        }
    }
}

/// A subcommand's arguments `T`, added to its command only when clap builds that
/// subcommand (`Command::defer`): a run builds the one it runs, not all nine with their
/// some fifty arguments and, in Chinese, their translations. Parsed as `T` is.
pub struct Deferred<T>(pub T);

impl<T: clap::FromArgMatches> clap::FromArgMatches for Deferred<T> {
    fn from_arg_matches(m: &clap::ArgMatches) -> Result<Self, clap::Error> {
        T::from_arg_matches(m).map(Deferred)
    }
    fn from_arg_matches_mut(m: &mut clap::ArgMatches) -> Result<Self, clap::Error> {
        T::from_arg_matches_mut(m).map(Deferred)
    }
    fn update_from_arg_matches(&mut self, m: &clap::ArgMatches) -> Result<(), clap::Error> {
        self.0.update_from_arg_matches(m)
    }
    fn update_from_arg_matches_mut(&mut self, m: &mut clap::ArgMatches) -> Result<(), clap::Error> {
        self.0.update_from_arg_matches_mut(m)
    }
}

impl<T: clap::Args> clap::Args for Deferred<T> {
    fn augment_args(cmd: Command) -> Command {
        cmd.defer(built::<T>)
    }
    fn augment_args_for_update(cmd: Command) -> Command {
        cmd.defer(built_for_update::<T>)
    }
    fn group_id() -> Option<clap::Id> {
        T::group_id()
    }
}

/// Subcommand `cmd` with the arguments of `T`, translated when [`command`] made it in
/// Chinese (which it shows by the subcommand's description: the Chinese one).
fn built<T: clap::Args>(cmd: Command) -> Command {
    translated(T::augment_args(cmd))
}

fn built_for_update<T: clap::Args>(cmd: Command) -> Command {
    translated(T::augment_args_for_update(cmd))
}

fn translated(cmd: Command) -> Command {
    let name = cmd.get_name().to_owned();
    let chinese = zh(&name, "").is_some_and(|(about, _)| {
        cmd.get_about()
            .is_some_and(|shown| shown.to_string() == about)
    });
    if chinese {
        localize(cmd, &name)
    } else {
        cmd
    }
}

/// The Chinese text of `arg` in `sub` (`""` for the command's own description).
pub fn zh(sub: &str, arg: &str) -> Option<(&'static str, &'static str)> {
    ZH.iter()
        .find(|(s, a, _, _)| *s == sub && *a == arg)
        .map(|(_, _, help, value)| (*help, *value))
}

fn localize(cmd: Command, sub: &str) -> Command {
    let mut cmd = cmd.help_template(TEMPLATE_ZH).disable_help_flag(true).arg(
        Arg::new("help")
            .short('h')
            .long("help")
            .action(clap::ArgAction::Help)
            .help(HELP_ZH)
            .help_heading("选项"),
    );
    if sub.is_empty() {
        cmd = cmd.disable_version_flag(true).arg(
            Arg::new("version")
                .short('V')
                .long("version")
                .action(clap::ArgAction::Version)
                .help(VERSION_ZH)
                .help_heading("选项"),
        );
    }
    if let Some((about, _)) = zh(sub, "") {
        cmd = cmd.about(about).long_about(None::<&str>);
    }
    let ids: Vec<(String, bool, bool)> = cmd
        .get_arguments()
        // In a subcommand, a global argument of `policy` (`--lang`) is clap's copy of
        // the one translated with `policy` itself, there before the subcommand's own
        // arguments when these are added late (`Deferred`): it keeps its text and
        // place, and the subcommand's arguments are numbered from 0 in their order.
        .filter(|a| sub.is_empty() || !a.is_global_set())
        .map(|a| {
            // Values described one by one (in English doc comments): the Chinese
            // text of the argument names them instead.
            let described = a
                .get_possible_values()
                .iter()
                .any(|v| v.get_help().is_some())
                || a.is_hide_possible_values_set();
            (a.get_id().to_string(), a.is_positional(), described)
        })
        .collect();
    for (order, (id, positional, described)) in ids.into_iter().enumerate() {
        let Some((help, value)) = zh(sub, &id).or_else(|| zh("", &id)) else {
            continue;
        };
        cmd = cmd.mut_arg(&id, |a| {
            let a = a
                .help(help)
                .long_help(None::<&str>)
                .hide_possible_values(described)
                .display_order(order)
                .help_heading(if positional { "参数" } else { "选项" });
            if value.is_empty() {
                a
            } else {
                a.value_name(value)
            }
        });
    }
    cmd
}

/// clap's own words in a rendered help or usage text, in Chinese.
pub fn clap_words_zh(text: &str) -> String {
    text.replace("子命令:\n", "子命令：\n")
        .replace("选项:\n", "选项：\n")
        .replace("参数:\n", "参数：\n")
        .replace("[OPTIONS]", "[选项]")
        .replace("[default: ", "[缺省：")
        .replace("[possible values: ", "[可选值：")
        .replace("<COMMAND>", "<子命令>")
        .replace("Usage: ", "用法：")
        .replace("For more information, try '--help'.", "详见 '--help'。")
        .replace("Possible values:", "可选值：")
        .replace("error: ", "错误：")
        .replace(
            "the following required arguments were not provided:",
            "缺少以下必需的参数：",
        )
        .replace("unexpected argument '", "无法识别的参数 '")
        .replace("invalid value '", "无效的值 '")
        .replace("' for '", "'，参数 '")
        .replace(">': ", ">'：")
        .replace("' found", "'")
        .replace("  tip: ", "  提示：")
        .replace("a value is required for '", "缺少取值：'")
        .replace("' but none was supplied", "'")
        .replace(
            "Print this message or the help of the given subcommand(s)",
            "显示本帮助或所给子命令的帮助",
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every subcommand and every argument has a Chinese text, and the table names
    /// nothing that does not exist.
    #[test]
    fn every_subcommand_and_argument_has_chinese_help() {
        // Built, so that each subcommand has its (deferred) arguments.
        let mut cmd = Cli::command();
        cmd.build();
        let mut missing = Vec::new();
        let mut known = vec![("".to_owned(), "".to_owned())];
        // `-h`/`-V` and the `help` subcommand are clap's, added as the command is built:
        // translated by `localize` (HELP_ZH, VERSION_ZH) and `clap_words_zh`.
        let clap_own = |id: &str| id == "help" || id == "version";
        let root_args: Vec<String> = cmd
            .get_arguments()
            .map(|a| a.get_id().to_string())
            .filter(|id| !clap_own(id))
            .collect();
        for a in &root_args {
            known.push((String::new(), a.clone()));
        }
        for sub in cmd.get_subcommands() {
            let name = sub.get_name().to_owned();
            if clap_own(&name) {
                continue;
            }
            known.push((name.clone(), String::new()));
            for arg in sub.get_arguments() {
                let id = arg.get_id().to_string();
                if arg.is_global_set() || root_args.contains(&id) || clap_own(&id) {
                    continue;
                }
                known.push((name.clone(), id));
            }
        }
        for (sub, arg) in &known {
            if zh(sub, arg).is_none_or(|(help, _)| help.is_empty()) {
                missing.push(format!("{sub} {arg}"));
            }
        }
        assert!(missing.is_empty(), "no Chinese help for: {missing:?}");
        for (sub, arg, _, _) in ZH {
            assert!(
                known.iter().any(|(s, a)| s == sub && a == arg),
                "the table names `{sub} {arg}`, which does not exist"
            );
        }
    }

    /// The Chinese command is a valid clap command (clap checks it when built).
    #[test]
    fn the_chinese_command_builds() {
        command(Lang::Zh).debug_assert();
        command(Lang::En).debug_assert();
    }
}
