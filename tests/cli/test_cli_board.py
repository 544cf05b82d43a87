"""`sora-tui board show`: a hand-written board file read, checked and shown, costs first, without sending anything;
what is wrong with a file is said with its line, as a usage error (exit 2)."""

from __future__ import annotations

from pathlib import Path

import pytest

SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "storyboard-sample.toml"


def _priced(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """lab: sora-2 at $0.25 a second; odd: sora-2 priced only at 1280x720."""
    (home / "config.toml").write_text(
        '[profiles.lab]\nbase_url = "http://127.0.0.1:9/v1"\napi_key_env = "LAB_KEY"\n'
        '[profiles.lab.models.sora-2]\nprice_per_second = 0.25\n\n'
        '[profiles.odd]\nbase_url = "http://127.0.0.1:9/v1"\napi_key_env = "LAB_KEY"\n'
        '[profiles.odd.models.sora-2]\nprice_per_second = { "1280x720" = 0.1 }\n', encoding="utf-8")
    monkeypatch.setenv("LAB_KEY", "sk-test-never-sent")


def test_the_sample_board_is_shown_with_its_segments_and_cost(cli) -> None:
    r = cli("board", "show", str(SAMPLE))
    assert r.code == 0, r.err
    lines = r.out.splitlines()
    assert lines[0] == "Shiba at dusk — sora-2, 1280x720"
    rows = [line.split() for line in lines if line[:1].isdigit()]
    assert [row[:2] for row in rows] == [["1", "cut"], ["2", "continue"], ["3", "dissolve"], ["4", "cut"]]
    assert rows[1][2:4] == ["+4", "2"] and rows[2][2] == "12f"
    timeline = next(line for line in lines if line.startswith("│1"))
    assert "→2" in timeline and "╳3" in timeline and "│4" in timeline
    assert "Film: 27.5 s in 3 segments (a chain of continued shots is one video)." in lines
    assert lines[-1] == "Generating it: 8 takes, free (local render) on profile local. Nothing is sent until you run it."


def test_a_priced_profile_shows_what_every_take_would_cost(cli, home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _priced(home, monkeypatch)
    r = cli("--profile", "lab", "board", "show", str(SAMPLE))
    assert r.code == 0, r.err
    # (8 + 4 + 8 + 8) seconds, 2 takes each, at $0.25: a continued shot is priced by the seconds it adds
    assert r.out.splitlines()[-1] == "Generating it: 8 takes, $14.00 on profile lab. Nothing is sent until you run it."
    vertical = home / "vertical.toml"
    vertical.write_text(SAMPLE.read_text(encoding="utf-8").replace('size = "1280x720"', 'size = "720x1280"'),
                        encoding="utf-8")
    r = cli("--profile", "odd", "board", "show", str(vertical))
    assert r.code == 0, r.err
    assert "unknown: profile odd has no price for sora-2 (shot 1)" in r.out.splitlines()[-1]  # never $0


def test_json_is_stable_english_data(cli, home: Path, monkeypatch: pytest.MonkeyPatch, ja: None) -> None:
    _priced(home, monkeypatch)
    data = cli("--profile", "lab", "board", "show", str(SAMPLE), "--json").json()
    assert isinstance(data, dict)
    assert [s["join"] for s in data["shots"]] == ["cut", "continue", "dissolve", "cut"]
    assert [s["cost_usd"] for s in data["shots"]] == [4.0, 2.0, 4.0, 4.0]
    assert data["cost_usd"] == 14.0 and data["film_seconds"] == 27.5 and data["profile"] == "lab"
    assert data["segments"] == [{"shots": [1, 2], "seconds": 12, "join": "cut", "dissolve_frames": 0},
                                {"shots": [3], "seconds": 8, "join": "dissolve", "dissolve_frames": 12},
                                {"shots": [4], "seconds": 8, "join": "cut", "dissolve_frames": 0}]


def test_in_japanese(cli, ja: None) -> None:
    r = cli("board", "show", str(SAMPLE))
    assert r.code == 0, r.err
    assert "映像: 27.5秒、3 セグメント（続きでつないだショットは 1 本の動画です）。" in r.out
    assert "ディゾルブ 12f" in r.out and "生成: 8 テイク" in r.out


def test_what_is_wrong_with_a_file_is_said_with_its_line(cli, home: Path) -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    typo = text.replace("seconds = 4\n", "secnds = 4\n")
    line = typo.splitlines().index("secnds = 4") + 1
    bad = home / "typo.toml"
    bad.write_text(typo, encoding="utf-8")
    r = cli("board", "show", str(bad))
    assert r.code == 2 and r.out == ""
    assert f"{bad}: Line {line} (shot 2): Unknown key secnds; did you mean seconds?" in r.err
    broken = home / "broken.toml"
    broken.write_text(text.replace('title = "Shiba at dusk"', 'title = "Shiba at dusk'), encoding="utf-8")
    r = cli("board", "show", str(broken))
    assert r.code == 2 and "Line" in r.err and str(broken) in r.err
    binary = home / "binary.toml"
    binary.write_bytes(b"title = \"\xff\xfe\"\n")
    r = cli("board", "show", str(binary))
    assert r.code == 2 and f"Cannot read the board file {binary}" in r.err
    r = cli("--profile", "nowhere", "board", "show", str(SAMPLE))
    assert r.code == 2 and "nowhere" in r.err  # an unknown profile, said as the other commands say it
    r = cli("board", "show", str(home / "missing.toml"))
    assert r.code == 2 and f"No such board file: {home / 'missing.toml'}" in r.err


def _board_file(home: Path, chosen: list[str | None]) -> Path:
    """Three shots at 1280x720: a cut, a cut, and a dissolve of 12 frames, with these chosen takes."""
    shots = [("a red kite over dunes at dusk", "cut", None), ("a lighthouse in fog", "cut", None),
             ("waves on a pebble beach, slow pan", "dissolve", 12)]
    text = 'title = "Kites & fog"\nsize = "1280x720"\n'
    for (prompt, join, frames), take in zip(shots, chosen, strict=True):
        text += f'\n[[shot]]\nprompt = "{prompt}"\nseconds = 4\njoin = "{join}"\n'
        text += f"dissolve_frames = {frames}\n" if frames else ""
        text += f'chosen = "{take}"\n' if take else ""
    path = home / "kites.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_chosen_takes_are_assembled_into_one_film(cli, home: Path) -> None:
    import av
    import orjson

    made = []
    for prompt in ("a red kite over dunes at dusk", "a lighthouse in fog", "waves on a pebble beach, slow pan"):
        r = cli("generate", prompt, "--seconds", "4", "--size", "1280x720", "--wait", "--download", "--json")
        assert r.code == 0, r.err
        made.append(r.json())
    ids = [job["short_id"] for job in made]
    r = cli("board", "assemble", str(_board_file(home, [ids[0], None, ids[2]])))
    assert r.code == 2 and 'Shot 2 has no chosen take yet' in r.err and r.out == ""
    board = _board_file(home, ids)
    r = cli("board", "assemble", str(board), "--out", str(home), "--json")
    assert r.code == 0, r.err
    result = r.json()
    film = Path(result["film"])
    assert film == home / "Kites-fog.mp4" and film.is_file()
    with av.open(str(film)) as container:
        video = container.streams.video[0]
        frames = sum(1 for _ in container.decode(video=0))
        rate = float(video.average_rate)
    with av.open(str(film)) as container:
        audio = container.streams.audio[0]
        sound = sum(frame.samples for frame in container.decode(audio=0)) / audio.rate
    takes = []
    for job in made:
        with av.open(next(f["path"] for f in job["files"] if f["variant"] == "video")) as container:
            takes.append(sum(1 for _ in container.decode(video=0)))
    assert frames == sum(takes) - 12 == result["frames"]  # the dissolve overlaps 12 frames
    assert abs(sound - frames / rate) <= 1024 / audio.rate + 1e-6  # the sound lasts as long as the picture
    facts = orjson.loads(Path(result["sidecar"]).read_bytes())
    assert facts["label"].startswith("Procedural render by the sora-tui local engine") and facts["ai_generated"] is False
    assert [s["take"] for s in facts["segments"]] == ids
    assert [s["join"] for s in facts["segments"]] == ["cut", "cut", "dissolve"]
    (Path(next(f["path"] for f in made[1]["files"] if f["variant"] == "video"))).unlink()
    r = cli("board", "assemble", str(board), "--out", str(home / "again.mp4"))
    assert r.code == 2 and f"Take {ids[1]} (shot 2) is not on disk: run sora-tui download {ids[1]} first." in r.err
    assert not (home / "again.mp4").exists()


def test_the_tips_read_each_shot_with_the_style_line(cli, home: Path) -> None:
    r = cli("board", "show", str(SAMPLE), "--json")
    shots = r.json()["shots"]
    # The style line brings lighting and style to every shot; none of them says what it sounds like.
    assert all(shot["tips"]["of"] == 6 and "sound" in shot["tips"]["missing"] for shot in shots)
    assert all("lighting" not in shot["tips"]["missing"] and "style" not in shot["tips"]["missing"] for shot in shots)
    assert shots[0]["tips"]["present"] == 5
    r = cli("board", "show", str(SAMPLE))
    assert "Shot 1 could say more: Sound" in r.out.splitlines()
    assert "Tips" in r.out.splitlines()[3]
