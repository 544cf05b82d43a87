"""The CLI in Japanese: argparse's own words too, errors with exit code 2 as in English, the language chosen like
the TUI chooses it, and `--json` output that stays English and byte-identical whatever the language."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rich.cells import cell_len

from sora_tui.cli.language import wants_json
from sora_tui.cli.output import wrap_cells
from sora_tui.cli.translated_argparse import translate_argparse

NARROW = {"COLUMNS": "80"}
ENGLISH_WORDS = ("usage:", "options:", "positional arguments", "show this help", "error:")


def assert_fits(text: str, columns: int = 80) -> None:
    for line in text.splitlines():
        assert cell_len(line) <= columns, (cell_len(line), line)


def help_column(text: str, option: str) -> int:
    """The cell at which the help of `option` starts on its line."""
    line = next(line for line in text.splitlines() if line.lstrip().startswith(option))
    head = re.match(r"\s*\S+(?: \S+)?\s+", line)
    assert head is not None, line
    return cell_len(head.group(0))


def test_help_is_japanese_with_argparse_words_and_fits_80_columns(cli, ja) -> None:
    top = cli("--help", env=NARROW)
    assert top.code == 0, top.err
    assert top.out.startswith("使い方: sora-tui ")
    assert "オプション:" in top.out and "このヘルプを表示して終了" in top.out and "終了コード:" in top.out
    assert "generate" in top.out and "動画を生成" in top.out  # command names stay what is typed
    for word in ENGLISH_WORDS:
        assert word not in top.out, word
    assert_fits(top.out)

    gen = cli("generate", "--help", env=NARROW)
    assert gen.code == 0, gen.err
    assert gen.out.startswith("使い方: sora-tui generate ")
    assert "引数:" in gen.out and "プロンプト" in gen.out and "--size 幅x高さ" in gen.out
    for word in ENGLISH_WORDS:
        assert word not in gen.out, word
    assert_fits(gen.out)
    # The help column lines up in cells, Japanese metavars (two cells a glyph) or not.
    assert help_column(gen.out, "--model モデル") == help_column(gen.out, "--wait") == help_column(gen.out, "-h, --help")
    # A usage line that wraps continues under the first option, measured in cells too.
    usage = gen.out.split("\n\n")[0].splitlines()
    assert len(usage) > 1
    first_option = cell_len(usage[0].split("[", 1)[0])
    assert all(cell_len(line) - cell_len(line.lstrip()) == first_option for line in usage[1:])


def test_usage_errors_are_japanese_with_exit_code_2(cli, ja) -> None:
    missing = cli("generate")
    assert missing.code == 2 and missing.out == ""
    assert missing.err.startswith("使い方: sora-tui generate ")
    assert "sora-tui generate: エラー: 次の引数が必要です: プロンプト" in missing.err
    choice = cli("engine", "--speed", "warp")
    assert choice.code == 2
    assert "エラー: 引数 --speed: 'warp' は選べません（'instant', 'fast', 'realistic' から選んでください）" in choice.err
    number = cli("jobs", "--limit", "many")
    assert number.code == 2 and "引数 --limit: 整数ではありません: 'many'" in number.err
    unknown = cli("jobs", "--nope")  # an option it does not have: which ones it has
    assert unknown.code == 2 and "オプション '--nope' はありません。使えるオプション: -h, --help, --status" in unknown.err
    stray = cli("jobs", "stray")
    assert stray.code == 2 and "認識できない引数です: stray" in stray.err
    one = cli("generate", "x", "--size")
    assert one.code == 2 and "引数 --size: 値を 1 つ指定してください" in one.err
    for r in (missing, choice, number, unknown, stray, one):
        for word in ENGLISH_WORDS:
            assert word not in r.err, (word, r.err)


def test_usage_errors_in_english(cli) -> None:
    missing = cli("generate")
    assert missing.code == 2
    assert missing.err.startswith("usage: sora-tui generate ")
    assert "sora-tui generate: error: the following arguments are required: PROMPT" in missing.err
    choice = cli("engine", "--speed", "warp")
    assert "error: argument --speed: invalid choice: 'warp' (choose from 'instant', 'fast', 'realistic')" in choice.err
    assert "argument --limit: not a whole number: 'many'" in cli("jobs", "--limit", "many").err


def test_json_output_is_byte_identical_in_japanese_and_english(cli, home: Path) -> None:
    made = cli("generate", "風の強い浜辺に舞う赤い凧", "--wait", "--json", env={"SORA_TUI_LANG": "ja"})
    assert made.code == 0, made.err
    job = made.json()
    assert job["status"] == "completed" and job["params"]["prompt"] == "風の強い浜辺に舞う赤い凧"
    for args in (("jobs", "--json"), ("show", job["id"], "--json"), ("profiles", "--json")):
        ja = cli(*args, env={"SORA_TUI_LANG": "ja"})
        en = cli(*args, env={"SORA_TUI_LANG": "en"})
        assert ja.code == en.code == 0, (args, ja.err, en.err)
        assert ja.out == en.out and ja.out, args
    # profiles --json carries sentences of ours: English, whatever the language.
    rows = {row["name"]: row for row in cli("profiles", "--json", env={"SORA_TUI_LANG": "ja"}).json_lines()}
    assert rows["local"]["server"] == "local engine (on demand)" and rows["local"]["key_from"] == "not needed"


def test_json_makes_the_whole_process_english(cli) -> None:
    """What a program reads beside the JSON (stderr, a usage error) does not change with the locale either."""
    env = {"SORA_TUI_LANG": "ja"}
    bad = cli("generate", "x", "--variations", "9", "--json", env=env)
    assert bad.code == 2 and bad.err == "sora-tui: Variations must be between 1 and 8.\n"
    usage = cli("generate", "--json", env=env)
    assert usage.code == 2 and "error: the following arguments are required: PROMPT" in usage.err
    assert "使い方" not in usage.err
    failed = cli("generate", "Pikachu surfing a wave", "--wait", "--js", env=env)  # argparse takes a prefix too
    assert failed.code == 1 and failed.json()["status"] == "failed"
    assert re.search(r"^sora-tui: \w+ failed: ", failed.err, re.MULTILINE), failed.err
    prompt = cli("generate", "--variations", "9", "--", "--json", env=env)  # after --, a prompt: still Japanese
    assert prompt.code == 2 and "バリエーションの数は 1〜8 にしてください。" in prompt.err


def test_messages_of_the_commands_are_japanese(cli, ja) -> None:
    empty = cli("jobs")
    assert empty.code == 0 and empty.out == ""
    assert empty.err.startswith("sora-tui: 履歴にジョブはまだありません")
    many = cli("generate", "x", "--variations", "9")
    assert many.code == 2 and many.err == "sora-tui: バリエーションの数は 1〜8 にしてください。\n"
    port = cli("engine", "--port", "99999")  # refused before binding: no crash report
    assert port.code == 2 and port.err == "sora-tui: --port には 0〜65535 の数を指定してください（0 で空いているポート）。\n"
    keyless = cli("--base-url", "http://127.0.0.1:9/v1", "generate", "x")
    assert keyless.code == 3 and "APIキーが必要です" in keyless.err and "OPENAI_API_KEY" in keyless.err
    made = cli("generate", "夜の東京の街並み、ネオンの反射", "--wait", env=NARROW)
    assert made.code == 0, made.err
    assert "夜の東京の街並み" in made.out


@pytest.mark.parametrize(("lang", "japanese"), [("ja_JP.UTF-8", True), ("C", False), ("en_US.UTF-8", False)])
def test_the_locale_alone_chooses(cli, monkeypatch: pytest.MonkeyPatch, lang: str, japanese: bool) -> None:
    for var in ("SORA_TUI_LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(var, raising=False)
    r = cli("--help", env={"LANG": lang})
    assert r.code == 0
    assert r.out.startswith("使い方:" if japanese else "usage:"), r.out[:40]


def test_the_language_saved_in_the_tui_is_the_cli_s_too(cli, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("SORA_TUI_LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE"):
        monkeypatch.delenv(var, raising=False)
    (home / "ui.json").write_text(json.dumps({"language": "ja"}), encoding="utf-8")
    assert cli("--help", env={"LANG": "C"}).out.startswith("使い方:")
    assert cli("--help", env={"LANG": "C", "SORA_TUI_LANG": "en"}).out.startswith("usage:")  # the variable wins
    (home / "ui.json").write_text("{damaged", encoding="utf-8")
    assert cli("--help", env={"LANG": "ja_JP.UTF-8"}).out.startswith("使い方:")  # a damaged file: the locale


def test_a_crash_is_told_in_japanese_and_reported_in_english(home: Path, ja, capsys: pytest.CaptureFixture[str]) -> None:
    from sora_tui.crash import crash_guard

    with crash_guard() as guard:
        raise RuntimeError("boom")
    assert guard.crashed and guard.report is not None
    said = capsys.readouterr().err
    assert said.startswith("sora-tui: 予期しないエラーが発生しました（RuntimeError: boom）。")
    assert str(guard.report) in said and "sora-tui resume" in said and "ジョブ" in said
    report = guard.report.read_text(encoding="utf-8")
    assert report.startswith("sora-tui crash report") and "RuntimeError: boom" in report
    assert not re.search(r"[\u3040-\u30ff]", report)  # for whoever fixes it: no translated words


def test_argparse_messages_are_translated_with_their_fields(ja) -> None:
    assert translate_argparse("argument --size: expected one argument") == "引数 --size: 値を 1 つ指定してください"
    assert translate_argparse("the following arguments are required: ID, PROMPT") == "次の引数が必要です: ID, PROMPT"
    assert translate_argparse("expected 2 arguments") == "値を 2 個指定してください"
    assert translate_argparse("something a newer argparse says") == "something a newer argparse says"


def test_wants_json_reads_the_options_only() -> None:
    assert wants_json(["generate", "x", "--json"]) and wants_json(["jobs", "--js"]) and wants_json(["jobs", "--j"])
    assert not wants_json(["generate", "--", "--json"]) and not wants_json(["generate", "json"])
    assert not wants_json(["jobs", "--"]) and not wants_json(["jobs", "--jsonl"])


def test_wrap_cells_measures_cells_and_keeps_japanese_punctuation_with_its_word() -> None:
    text = "完了したジョブの動画・サムネイル・スプライトシートをダウンロード（--wait を含む）。次のコマンドで取得できます。"
    for width in (12, 20, 31, 56):
        lines = wrap_cells(text, width)
        assert "".join(lines).replace(" ", "") == text.replace(" ", "")
        assert all(cell_len(line) <= width for line in lines), (width, lines)
        assert not any(line[0] in "、。）ーッャュョ" or line[-1] in "（「" for line in lines), lines
        assert "--wait" in "\n".join(lines)  # an English word is never cut
    assert wrap_cells("make N videos at once (1-8)", 11) == ["make N", "videos at", "once (1-8)"]
