"""Which language a process speaks: SORA_TUI_LANG, then the TUI's saved setting, then the POSIX locale variables
in POSIX order; and a language switched at run time is what `_()` answers from then on."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from sora_tui.core import i18n


@pytest.fixture
def restored() -> Iterator[None]:
    """Tests here switch the process's language: English again after each (what every other test expects)."""
    try:
        yield
    finally:
        i18n.set_language("en")


@pytest.mark.parametrize(("value", "code"), [
    ("ja_JP.UTF-8", "ja"), ("ja_JP.eucJP", "ja"), ("ja", "ja"), ("JA", "ja"), ("ja-JP", "ja"), ("ja_JP@cjknarrow", "ja"),
    ("en_US.UTF-8", "en"), ("en_GB", "en"), ("en", "en"), (" ja ", "ja"),
    ("C", "en"), ("POSIX", "en"), ("C.UTF-8", "en"),
])
def test_a_locale_name_or_a_code_names_a_language(value: str, code: str) -> None:
    assert i18n.from_locale(value) == code


@pytest.mark.parametrize("value", [None, "", "fr_FR.UTF-8", "de", "zh_CN.UTF-8", "klingon"])
def test_a_language_without_a_catalog_is_none(value: str | None) -> None:
    assert i18n.from_locale(value) is None


def test_sora_tui_lang_comes_before_the_saved_setting_and_the_locale() -> None:
    env = {"SORA_TUI_LANG": "en", "LC_ALL": "ja_JP.UTF-8", "LANG": "ja_JP.UTF-8"}
    assert i18n.detect(env, saved="ja") == "en"
    assert i18n.detect({"SORA_TUI_LANG": "ja", "LANG": "en_US.UTF-8"}, saved="en") == "ja"


def test_the_saved_setting_comes_before_the_locale() -> None:
    assert i18n.detect({"LANG": "en_US.UTF-8"}, saved="ja") == "ja"
    assert i18n.detect({"LC_ALL": "ja_JP.UTF-8"}, saved="en") == "en"


def test_a_setting_naming_no_language_we_have_is_passed_over() -> None:
    # a hand-edited ui.json, or SORA_TUI_LANG=fr: the next source decides, nothing fails
    assert i18n.detect({"SORA_TUI_LANG": "fr", "LANG": "ja_JP.UTF-8"}, saved="xx") == "ja"
    assert i18n.detect({"SORA_TUI_LANG": ""}, saved="") == "en"


def test_the_locale_variables_in_posix_order_the_first_set_deciding() -> None:
    assert i18n.detect({"LC_ALL": "ja_JP.UTF-8", "LC_MESSAGES": "en_US.UTF-8", "LANG": "en_US.UTF-8"}) == "ja"
    assert i18n.detect({"LC_MESSAGES": "ja_JP.UTF-8", "LANG": "en_US.UTF-8"}) == "ja"
    assert i18n.detect({"LC_ALL": "", "LANG": "ja_JP.UTF-8"}) == "ja"  # set but empty counts as unset
    # the first one set decides even when it names a language we lack: French users read English, not Japanese
    assert i18n.detect({"LC_ALL": "fr_FR.UTF-8", "LANG": "ja_JP.UTF-8"}) == "en"
    assert i18n.detect({"LC_ALL": "C", "LANG": "ja_JP.UTF-8"}) == "en"


def test_nothing_set_is_english() -> None:
    assert i18n.detect({}) == "en"
    assert i18n.detect({}, saved=None) == "en"


def test_forced_only_when_sora_tui_lang_names_a_language(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SORA_TUI_LANG", "ja")
    assert i18n.forced()
    monkeypatch.setenv("SORA_TUI_LANG", "fr")
    assert not i18n.forced()
    monkeypatch.delenv("SORA_TUI_LANG")
    assert not i18n.forced()


def test_switching_the_language_changes_what_the_messages_say(restored: None) -> None:
    assert i18n.set_language("ja") == "ja" and i18n.language() == "ja"
    assert i18n._("Help") == "ヘルプ"
    assert i18n._("a sentence no catalog has") == "a sentence no catalog has"
    one, many = (i18n.ngettext("{n} more take of {job} submitted.", "{n} more takes of {job} submitted.", n)
                 for n in (1, 3))
    assert one == many and "{n}" in many and "take" not in many  # Japanese has one form for every count
    assert i18n.set_language("en") == "en"
    assert i18n._("Help") == "Help"
    assert i18n.ngettext("{n} more take of {job} submitted.", "{n} more takes of {job} submitted.", 1) == \
        "{n} more take of {job} submitted."
    assert i18n.N_("Help") == "Help"  # marked only, in any language


def test_set_language_none_goes_back_to_what_the_environment_says(monkeypatch: pytest.MonkeyPatch,
                                                                   restored: None) -> None:
    monkeypatch.delenv("SORA_TUI_LANG")
    monkeypatch.delenv("LC_ALL", raising=False)
    monkeypatch.delenv("LC_MESSAGES", raising=False)
    monkeypatch.setenv("LANG", "ja_JP.UTF-8")
    assert i18n.set_language(None) == "ja"
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert i18n.set_language("fr") == "en"  # a code we lack: the environment's choice


def test_english_is_for_this_thread_only_and_ends_with_the_block(ja: None) -> None:
    """What a job keeps as data is written in English inside english(); the interface drawn meanwhile by another
    thread keeps speaking Japanese."""
    import threading

    from sora_tui.core.i18n import _, english, speaking

    message = "The interface is now in {name}."
    japanese = _(message)
    assert japanese != message
    elsewhere: list[str] = []
    inside = threading.Event()
    done = threading.Event()

    def other_thread() -> None:
        inside.wait(5)
        elsewhere.append(_(message))
        done.set()

    worker = threading.Thread(target=other_thread)
    worker.start()
    with english():
        assert _(message) == message and speaking() == "en" and i18n.language() == "ja"
        inside.set()
        done.wait(5)
    worker.join(5)
    assert elsewhere == [japanese]
    assert _(message) == japanese and speaking() == "ja"


def test_a_reason_is_kept_in_english_and_said_in_japanese(ja: None) -> None:
    from sora_tui.core.i18n import _
    from sora_tui.core.job import JobError

    error = JobError.made("not_found", lambda: _("The server reports the job as {status}.").format(status="failed"))
    assert error.message == "The server reports the job as failed."
    assert error.said and error.said != error.message and error.shown == error.said
    assert JobError.from_dict({"code": error.code, "message": error.message, "said": error.said}) == error
    i18n.set_language("en")
    english = JobError.made("x", lambda: _("The server reports the job as {status}.").format(status="failed"))
    assert english.said == "" and english.shown == english.message
