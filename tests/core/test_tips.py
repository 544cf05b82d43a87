from __future__ import annotations

import pytest

from sora_tui.core.tips import INGREDIENTS, SNIPPETS, Tip, TipsReport, analyse

INGREDIENT_IDS = ["subject", "setting", "camera", "lighting", "style", "sound"]

FULL = (
    "A young woman in a yellow raincoat walks along a rain-soaked Tokyo street at night, neon signs "
    "reflecting in puddles. Slow dolly left, wide shot, cinematic, 35 mm. Ambience: rain hiss, her footsteps."
)


def tip(report: TipsReport, tip_id: str) -> Tip:
    found = report.get(tip_id)
    assert found is not None, f"no {tip_id!r} tip in {[t.id for t in report.tips]}"
    return found


def ids(tips: tuple[Tip, ...]) -> list[str]:
    return [t.id for t in tips]


# --- Shape ---------------------------------------------------------------------------------------------------


def test_empty_prompt() -> None:
    report = analyse("")
    assert ids(report.ingredients) == INGREDIENT_IDS == [i for i, _ in INGREDIENTS]
    assert all(t.state == "missing" and "e.g." in t.detail for t in report.ingredients)
    assert report.score == (0, 6)
    assert ids(report.advice) == ["simple", "variations"]
    assert "one subject, one action and one place" in tip(report, "simple").detail
    assert ids(report.guardrails) == ["publishing"]


def test_whitespace_only_is_empty() -> None:
    assert analyse("  \n\t ").score == (0, 6)
    assert "one subject" in tip(analyse("   "), "simple").detail


def test_full_prompt_has_every_ingredient() -> None:
    report = analyse(FULL, seconds="8")
    assert report.score == (6, 6)
    assert tip(report, "subject").detail == "Action: “walks”."
    assert "“Tokyo”" in tip(report, "setting").detail
    assert "“dolly left”" in tip(report, "camera").detail
    assert "“neon signs”" in tip(report, "lighting").detail
    assert "“cinematic”" in tip(report, "style").detail
    assert "“Ambience”" in tip(report, "sound").detail
    # Nothing applies but the takes reminder: no conflicts, no framing nudge (a framing word is there).
    assert ids(report.advice) == ["variations"]
    assert ids(report.guardrails) == ["publishing"]


def test_publishing_reminder_is_always_last() -> None:
    for prompt in ("", FULL, "Pikachu waves at me, mail bob@example.com"):
        last = analyse(prompt).guardrails[-1]
        assert (last.id, last.state) == ("publishing", "info")
        assert "AI-generated" in last.detail and "commercial" in last.detail


# --- Ingredients ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ingredient", "prompt", "quoted"),
    [
        ("subject", "A red fox trots across fresh snow", "“trots”"),
        ("subject", "Two kids are running", "“running”"),
        ("setting", "a fox on the beach", "“beach”"),
        ("setting", "a fox at night", "“at night”"),
        ("setting", "EXTERIOR, a fox", "“EXTERIOR”"),
        ("camera", "a fox, slow dolly left", "“dolly left”"),
        ("camera", "a fox, camera pans right", "“pans right”"),
        ("camera", "a fox, handheld", "“handheld”"),
        ("camera", "a fox, static shot", "“static shot”"),
        ("camera", "a fox, push in", "“push in”"),
        ("lighting", "a fox in golden hour", "“golden hour”"),
        ("lighting", "a fox lit by candlelight", "“lit by”"),
        ("lighting", "a fox, BACKLIT", "“BACKLIT”"),
        ("style", "a fox, anime", "“anime”"),
        ("style", "a fox, 16mm black-and-white", "“16mm”"),
        ("style", "a fox in a 1970s film", "“1970s”"),
        ("sound", "a fox, ambience of wind", "“ambience”"),
        ("sound", "a fox; footsteps crunch", "“footsteps”"),
        ("sound", 'Dialogue:\n- Fox: "Hello."', "“Dialogue”"),
    ],
)
def test_ingredient_present(ingredient: str, prompt: str, quoted: str) -> None:
    found = tip(analyse(prompt), ingredient)
    assert found.state == "present"
    assert quoted in found.detail


@pytest.mark.parametrize("ingredient", ["setting", "camera", "lighting", "style", "sound"])
def test_ingredient_missing_gives_an_example(ingredient: str) -> None:
    found = tip(analyse("A red fox trots"), ingredient)
    assert found.state == "missing"
    assert "e.g. \"" in found.detail


def test_subject_without_action_and_action_without_subject() -> None:
    noun_only = tip(analyse("A red fox in the snow"), "subject")
    assert noun_only.state == "missing" and noun_only.detail.startswith("No action found")
    verb_only = tip(analyse("Running"), "subject")
    assert verb_only.state == "missing" and "“Running”" in verb_only.detail and "not who" in verb_only.detail


def test_ing_word_counts_as_action_but_not_nouns_ending_in_ing() -> None:
    assert tip(analyse("A chef flambéing crêpes"), "subject").state == "present"
    assert tip(analyse("A quiet morning building"), "subject").state == "missing"


def test_framing_is_not_a_camera_move() -> None:
    camera = tip(analyse("Close-up of a fox"), "camera")
    assert camera.state == "missing"
    assert camera.detail.startswith("Framing found (“Close-up”)")


def test_silent_shot_still_needs_a_sound_cue() -> None:
    sound = tip(analyse("A fox sits in a silent forest"), "sound")
    assert sound.state == "missing"
    assert "“silent”" in sound.detail and "distant traffic hiss" in sound.detail


def test_praise_is_not_lighting() -> None:
    report = analyse("A fox trots, nice lighting")
    assert tip(report, "lighting").state == "missing"
    assert "“nice lighting”" in tip(report, "vague").detail


# --- Matching ------------------------------------------------------------------------------------------------


def test_word_boundaries() -> None:
    report = analyse("A panda from Japan boards a train, then a painted tiltrotor lands")
    assert tip(report, "camera").state == "missing"  # not "pan" in Japan/panda, not "tilt" in tiltrotor
    assert tip(report, "sound").state == "missing"  # not "rain" in train
    assert tip(report, "setting").state == "missing"
    report = analyse("Pan left over the bay in the rain")
    assert "“Pan left”" in tip(report, "camera").detail
    assert "“rain”" in tip(report, "sound").detail


def test_case_insensitive_and_spelling_variants() -> None:
    assert "“GOLDEN HOUR”" in tip(analyse("GOLDEN HOUR"), "lighting").detail
    for spelling in ("zoom-in", "zoom in", "Zoom In", "zoomin"):
        assert tip(analyse(f"a fox, steady {spelling}"), "camera").state == "present", spelling
    for spelling in ("close-up", "close up", "closeup"):
        assert tip(analyse(f"{spelling} of a fox"), "camera").detail.startswith("Framing found"), spelling
    assert tip(analyse("a fox, bird’s-eye view, slow pan"), "camera").state == "present"


def test_unicode_is_handled() -> None:
    # Decomposed "é" (e + U+0301) still matches "café" once normalised.
    assert "“café”" in tip(analyse("A man sips tea in a cafe\u0301"), "setting").detail
    # Lowercasing "İ" changes the length; quoting must not go out of step.
    report = analyse("İstanbul street, a cat walks 🐈")
    assert tip(report, "setting").state == "present"
    assert "street" in tip(report, "setting").detail
    # A Japanese prompt is read by the Japanese lexicon, whatever the interface's language.
    report = analyse("東京の夜の街を歩く女性")
    assert report.score == (2, 6) and report.language == "ja"
    assert "“歩く”" in tip(report, "subject").detail and "“東京”" in tip(report, "setting").detail


# --- Parameter conflicts -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prompt", "seconds", "quoted"),
    [
        ("a 10-second clip of a fox", "4", "“10-second”"),
        ("a fox, 8s", "4", "“8s”"),
        ("ten seconds of surf", "4", "“ten seconds”"),
        ("a 4-second clip of a fox", "8", "“4-second”"),  # the clip's own length, shorter than chosen
        ("a one-minute video", "20", "“one-minute”"),
        ("0-4s: walks; 4-8s: turns", "4", "“8s”"),  # a timecode past the end
    ],
)
def test_duration_conflict(prompt: str, seconds: str, quoted: str) -> None:
    found = tip(analyse(prompt, seconds=seconds), "duration-conflict")
    assert found.state == "conflict"
    assert quoted in found.detail and f"Seconds is {seconds}" in found.detail


@pytest.mark.parametrize(
    ("prompt", "seconds"),
    [
        ("a 20-second clip of a fox", "20"),
        ("a fox, 8s", "8"),
        ("the fox pauses for 2 seconds, then turns", "8"),  # a beat inside the clip
        ("0-4s: walks; 4-8s: turns", "8"),
        ("1970s film, 90s documentary, a woman in her 30s", "4"),  # decades and ages
        ("a second fox appears", "4"),  # an ordinal
        ("a fox, 10 seconds", "not a number"),
    ],
)
def test_no_duration_conflict(prompt: str, seconds: str) -> None:
    assert analyse(prompt, seconds=seconds).get("duration-conflict") is None


def test_resolution_conflict() -> None:
    found = tip(analyse("A fox in 4K", size="1280x720"), "resolution-conflict")
    assert found.state == "conflict"
    assert "“4K”" in found.detail and "1280x720" in found.detail and "sora-2-pro" in found.detail
    assert tip(analyse("a fox, 1080p", size="720x1280"), "resolution-conflict").state == "conflict"
    assert analyse("a fox, 1080p", model="sora-2-pro", size="1080x1920").get("resolution-conflict") is None
    assert analyse("a fox, 720p", size="1280x720").get("resolution-conflict") is None
    # A 4K request is wrong on every size; pro users are not told to switch to pro.
    pro = tip(analyse("a fox, 4K", model="sora-2-pro", size="1920x1080"), "resolution-conflict")
    assert "sora-2-pro offers" not in pro.detail


def test_orientation_conflict() -> None:
    vertical = tip(analyse("A vertical video for TikTok", size="1280x720"), "orientation-conflict")
    assert vertical.state == "conflict"
    assert "“vertical video”" in vertical.detail and "“TikTok”" in vertical.detail and "720x1280" in vertical.detail
    landscape = tip(analyse("Widescreen, for YouTube", size="720x1280"), "orientation-conflict")
    assert "landscape 16:9" in landscape.detail and "1280x720" in landscape.detail
    assert analyse("A vertical video for TikTok", size="720x1280").get("orientation-conflict") is None
    assert analyse("For YouTube Shorts", size="720x1280").get("orientation-conflict") is None
    assert analyse("a portrait of an old sailor", size="1280x720").get("orientation-conflict") is None
    assert analyse("9:16 for Reels", size="not a size").get("orientation-conflict") is None


# --- Craft advice ---------------------------------------------------------------------------------------------


def test_long_prompt_start_simple() -> None:
    long = " ".join(["A fox trots across the snow."] * 25)  # 150 words
    found = tip(analyse(long), "simple")
    assert found.state == "info" and found.detail.startswith("150 words")
    assert analyse(FULL).get("simple") is None


def test_several_actions_in_a_long_clip() -> None:
    prompt = "A dog walks, stops, sniffs the air, jumps and runs"
    found = tip(analyse(prompt, seconds="8"), "several-actions")
    assert found.state == "warning"
    assert "“walks”" in found.detail and "8 s" in found.detail and "two shorter clips" in found.detail
    assert analyse(prompt, seconds="4").get("several-actions") is None
    assert analyse("He walks in. Then he sits. Then he laughs.", seconds="8").get("several-actions") is not None
    assert analyse("He walks in and sits.", seconds="8").get("several-actions") is None


def test_one_camera_move_per_shot() -> None:
    found = tip(analyse("A fox trots; slow pan left, then zoom in"), "one-camera-move")
    assert found.state == "warning"
    assert "“pan left”" in found.detail and "“zoom in”" in found.detail
    assert analyse("Shot 1: slow pan left over the bay.\nShot 2: zoom in on the boat.").get("one-camera-move") is None
    assert analyse("zoom in, then zoom out").get("one-camera-move") is None  # one kind of move
    # Two kinds in the prompt, but each shot keeps to one.
    assert analyse("Shot 1: pan left, then pan right.\nShot 2: zoom in.").get("one-camera-move") is None
    assert analyse("handheld tracking shot").get("one-camera-move") is None  # a rig and a move


def test_vague_words() -> None:
    found = tip(analyse("A beautiful, epic sunset"), "vague")
    assert found.state == "info"
    assert "“beautiful”" in found.detail and "“epic”" in found.detail and "concrete nouns" in found.detail
    beats = tip(analyse("The dog moves quickly"), "vague")
    assert "“moves quickly”" in beats.detail and "in beats" in beats.detail
    assert analyse(FULL).get("vague") is None


def test_reference_image() -> None:
    found = tip(analyse("A fox trots", has_image=True, size="1280x720"), "image")
    assert found.state == "info"
    assert "first frame" in found.detail and "1280x720" in found.detail and "no human faces" in found.detail
    assert analyse("A fox trots").get("image") is None


def test_variations_reminder() -> None:
    assert tip(analyse("A fox trots"), "variations").state == "info"
    assert analyse("A fox trots", variations=3).get("variations") is None


def test_framing_nudge_once_the_prompt_has_substance() -> None:
    prompt = "A fox trots along the beach at dawn, slow dolly left, golden hour"
    found = tip(analyse(prompt), "framing")
    assert found.state == "info" and "wide shot" in found.detail and "35 mm" in found.detail
    assert analyse(prompt + ", wide shot").get("framing") is None
    assert analyse("A fox trots").get("framing") is None  # too early to ask for it


def test_dialogue_outside_a_block() -> None:
    report = analyse('She says "We made it" and he replies "Finally"', seconds="4")
    assert tip(report, "dialogue-block").state == "info"
    assert report.get("dialogue-length") is None
    # Quoted lettering is not dialogue.
    assert analyse('A neon sign reading "OPEN" flickers').get("dialogue-block") is None


def test_dialogue_block_length() -> None:
    prompt = 'A fox and a crow talk.\nDialogue:\n- Fox: "We made it."\n- Crow: "Finally."\n- Fox: "Let us go."\n'
    found = tip(analyse(prompt, seconds="4"), "dialogue-length")
    assert found.state == "warning" and found.detail.startswith("3 lines of dialogue (7 words)")
    assert analyse(prompt, seconds="4").get("dialogue-block") is None
    assert analyse(prompt, seconds="12").get("dialogue-length") is None
    # The block ends at the next section: its lines are not dialogue.
    sectioned = 'Dialogue:\n- Fox: "Hi."\nBackground sound: wind, distant gulls, footsteps on gravel, rain.\n'
    assert analyse(sectioned, seconds="4").get("dialogue-length") is None


def test_too_many_words_of_dialogue() -> None:
    prompt = 'Dialogue:\n- Fox: "I have been walking through this forest all night and I am tired now."'
    assert tip(analyse(prompt, seconds="4"), "dialogue-length").state == "warning"
    assert analyse(prompt, seconds="8").get("dialogue-length") is None


# --- Guardrails -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prompt", "tip_id", "quoted"),
    [
        ("Pikachu dances", "rights-character", "“Pikachu”"),
        ("spiderman swings", "rights-character", "“spiderman”"),
        ("Darth Vader walks", "rights-character", "“Darth Vader”"),
        ("Homer Simpson eats", "rights-character", "“Homer Simpson”"),
        ("Peter Pan flies over London", "rights-character", "“Peter Pan”"),
        ("Taylor Swift sings", "rights-person", "“Taylor Swift”"),
        ("elon musk waves", "rights-person", "“elon musk”"),
        ("Dolly Parton sings", "rights-person", "“Dolly Parton”"),
        ("in the style of Studio Ghibli", "rights-style", "“Studio Ghibli”"),
        ("a Pixar-style robot", "rights-style", "“Pixar”"),
        ("in the style of Jane Quill, a fox", "rights-style", "“Jane Quill”"),
    ],
)
def test_rights_warnings(prompt: str, tip_id: str, quoted: str) -> None:
    found = tip(analyse(prompt), tip_id)
    assert found.state == "warning"
    assert quoted in found.detail


def test_names_inside_other_names_are_not_camera_moves() -> None:
    assert tip(analyse("Peter Pan flies"), "camera").state == "missing"
    assert tip(analyse("Dolly Parton sings"), "camera").state == "missing"


@pytest.mark.parametrize(
    "prompt",
    ["in the style of Van Gogh", "in the style of a 1970s film", "a red fox trots", "a panda in a studio"],
)
def test_no_rights_warning(prompt: str) -> None:
    report = analyse(prompt)
    assert not {"rights-character", "rights-person", "rights-style"} & set(ids(report.guardrails))


@pytest.mark.parametrize(
    ("prompt", "masked", "secret"),
    [
        ("mail john.smith@example.com please", "email “j***@e***.com”", "john.smith@example.com"),
        ("call +1 555-123-4567", "phone number “+* ***-***-**67”", "555-123-4567"),
        ("call (555) 123-4567", "phone number “(***) ***-**67”", "123-4567"),
        ("call 020 7946 0958", "phone number “*** **** **58”", "7946"),
        ("card 4111 1111 1111 1111", "card number “**** **** **** 1111”", "4111"),
        ("card 4111111111111111", "card number “************1111”", "4111111111111111"),
        ("ssn 123-45-6789", "ID number “***-**-6789”", "123-45"),
        ("NI AB 12 34 56 C", "ID number “AB ** ** ** C”", "12 34 56"),
        ("my number 123456789018", "ID number “********9018”", "123456789018"),
        ("she lives at 221B Baker Street", "street address “***B Baker Street”", "221B"),
    ],
)
def test_personal_data_is_reported_masked(prompt: str, masked: str, secret: str) -> None:
    found = tip(analyse(prompt), "personal-data")
    assert found.state == "warning"
    assert masked in found.detail
    assert secret not in found.detail


@pytest.mark.parametrize(
    "prompt",
    [
        "card 4111 1111 1111 1112",  # fails the Luhn check
        "0000 0000 0000 0000 test pattern",  # passes Luhn, but is no card
        "number 123456789012",  # wrong check digit for an ID, too short for a card
        "years 2024 2025 2026",
        "on 2024-01-15 at 1280x720",
        "3 dogs cross the road",
        "version 1.2.3, 35 mm, 4 8 12 16 20 seconds",
    ],
)
def test_no_personal_data(prompt: str) -> None:
    assert analyse(prompt, seconds="20").get("personal-data") is None


def test_cameo_consent() -> None:
    found = tip(analyse("@alice waves at my face"), "cameo")
    assert found.state == "warning"
    assert "“@alice”" in found.detail and "“my face”" in found.detail and "consent" in found.detail
    assert "“me”" in tip(analyse("A fox follows me"), "cameo").detail
    assert "“cameo”" in tip(analyse("a cameo of my friend"), "cameo").detail
    # An email address is not an @mention.
    assert analyse("write to bob@example.com").get("cameo") is None


def test_known_cameo_character() -> None:
    report = analyse("@alice waves in a cameo", characters=["@alice"])
    assert report.get("cameo") is None
    found = tip(report, "cameo-character")
    assert found.state == "info" and "“@alice”" in found.detail and "consent" in found.detail
    # A known name written differently is not recognised by the server: say so.
    near = tip(analyse("@Alice waves", characters=["@alice"]), "cameo-verbatim")
    assert near.state == "warning" and "“@alice”" in near.detail and "“@Alice”" in near.detail
    # Other mentions still need consent.
    assert "“@bob”" in tip(analyse("@alice and @bob wave", characters=["@alice"]), "cameo").detail


# --- Snippets -------------------------------------------------------------------------------------------------


def test_snippets_are_short_and_non_empty() -> None:
    assert {"subject", "setting", "camera", "shot", "lighting", "style", "sound", "template"} <= set(SNIPPETS)
    for category, snippets in SNIPPETS.items():
        assert snippets, category
        assert all(s.strip() and len(s) <= 400 for s in snippets), category


@pytest.mark.parametrize(
    ("ingredient", "snippet"),
    [(i, s) for i in INGREDIENT_IDS for s in SNIPPETS[i]],
)
def test_each_snippet_makes_its_ingredient_present(ingredient: str, snippet: str) -> None:
    assert tip(analyse(snippet), ingredient).state == "present"


@pytest.mark.parametrize("snippet", SNIPPETS["camera"])
def test_a_camera_snippet_is_one_move(snippet: str) -> None:
    assert analyse(snippet).get("one-camera-move") is None


@pytest.mark.parametrize("snippet", SNIPPETS["shot"])
def test_shot_snippets_are_framing(snippet: str) -> None:
    assert tip(analyse(snippet), "camera").detail.startswith("Framing found")
    prompt = "A fox trots along the beach at dawn, slow dolly left, golden hour, " + snippet
    assert analyse(prompt).get("framing") is None


def test_template_is_a_complete_prompt() -> None:
    report = analyse(SNIPPETS["template"][0], seconds="4", variations=2)
    assert report.score == (6, 6)
    assert ids(report.advice) == []
    assert ids(report.guardrails) == ["publishing"]


# --- Size -----------------------------------------------------------------------------------------------------


def test_longest_prompt_is_read_to_the_end() -> None:
    # 32,000 characters (the API's limit) with the problems at the very end: all of them are still found.
    tail = " A 10-second vertical video in 4K of Pikachu; call +1 555-123-4567."
    prompt = (FULL + " ") * (32_000 // (len(FULL) + 1))
    prompt = prompt[: 32_000 - len(tail)] + tail
    assert len(prompt) == 32_000
    report = analyse(prompt, size="1280x720", seconds="8")
    assert report.score == (6, 6)
    for tip_id in ("duration-conflict", "orientation-conflict", "resolution-conflict", "simple",
                   "rights-character", "personal-data"):
        assert report.get(tip_id) is not None, tip_id
    assert "“10-second”" in tip(report, "duration-conflict").detail


def test_pathological_input_is_bounded() -> None:
    # Thousands of findings still give one short tip each ("and N more"), not a line per finding.
    prompt = " ".join(f"user{i}@example.com @user{i}" for i in range(1500))
    report = analyse(prompt)
    assert tip(report, "personal-data").detail.count("email") == 3
    assert "more" in tip(report, "personal-data").detail
    assert tip(report, "cameo").detail.count("“@user") == 3
