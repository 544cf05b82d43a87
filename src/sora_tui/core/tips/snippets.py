"""Snippets ready to insert, in English and in Japanese: a snippet goes in the language of the prompt.

Each one is recognised by analyse() as its own ingredient (the tests hold them to it). They are prompt text, not
interface text: they do not go through the catalog.
"""

from __future__ import annotations

SNIPPETS: dict[str, tuple[str, ...]] = {
    "subject": (
        "a red fox trots across fresh snow",
        "an old fisherman mends a net",
        "a child runs toward the camera, stops, and waves",
    ),
    "setting": (
        "on a rain-soaked city street at night",
        "in a sunlit kitchen at dawn",
        "on a windswept beach at sunset",
        "in a misty pine forest",
        "interior, small café, morning",
    ),
    "camera": (
        "slow dolly left",
        "steady zoom-in",
        "pan from left to right",
        "slow push-in",
        "handheld tracking shot",
        "static shot",
        "slow orbit around the subject",
        "crane up to reveal the skyline",
        "aerial drone shot",
    ),
    "shot": (
        "wide establishing shot",
        "close-up",
        "medium shot, eye level",
        "over-the-shoulder shot",
        "low-angle shot",
    ),
    "lighting": (
        "golden hour backlight",
        "soft window light from the left",
        "neon reflections on wet asphalt",
        "overcast, diffused daylight",
        "warm candlelight",
        "cool moonlight and long shadows",
        "rim light",
    ),
    "style": (
        "cinematic, 35 mm, shallow focus",
        "ultra-realistic",
        "anime",
        "watercolor illustration",
        "16mm black-and-white documentary",
        "1970s film",
        "claymation stop-motion",
        "3D animation",
    ),
    "sound": (
        "ambience: wind and distant gulls; effects: footsteps on gravel",
        "sound: rain on a tin roof, distant thunder",
        "distant traffic hiss",
        "soft piano music",
        "birdsong and rustling leaves",
        'Dialogue:\n- Woman: "We made it."',
    ),
    "template": (
        (
            "A small robot waters a balcony garden at dawn.\n"
            "Cinematography: medium shot, slow dolly in, 35 mm, soft window light, cinematic, calm mood\n"
            "Actions: the robot lifts the can, pauses, looks up at the sky.\n"
            'Dialogue:\n- Robot: "Right on time."\n'
            "Background sound: city ambience, birdsong, water trickling."
        ),
    ),
}


SNIPPETS_JA: dict[str, tuple[str, ...]] = {
    "subject": (
        "新雪の上を小走りする赤いキツネ",
        "網を繕う年老いた漁師",
        "カメラに向かって走ってきた子どもが立ち止まり、手を振る",
    ),
    "setting": (
        "雨に濡れた夜の街で",
        "夜明けの日が差し込む台所で",
        "夕暮れの風の強い海辺で",
        "霧の立ちこめる松林で",
        "室内、小さな喫茶店、朝",
    ),
    "camera": (
        "ゆっくり左へドリー",
        "一定の速さでズームイン",
        "左から右へパン",
        "ゆっくりプッシュイン",
        "手持ちのトラッキングショット",
        "固定カメラ",
        "被写体の周りをゆっくりオービット",
        "クレーンアップで街並みを見せる",
        "ドローンによる空撮",
    ),
    "shot": (
        "引きのエスタブリッシングショット",
        "クローズアップ",
        "ミディアムショット、目線の高さ",
        "肩越しのショット",
        "ローアングル",
    ),
    "lighting": (
        "ゴールデンアワーの逆光",
        "左の窓から入るやわらかな自然光",
        "濡れたアスファルトに映るネオン",
        "曇り空の拡散光",
        "暖かなろうそくの明かり",
        "冷たい月明かりと長い影",
        "リムライト",
    ),
    "style": (
        "シネマティック、35mm、浅い被写界深度",
        "超リアルな実写風",
        "アニメ調",
        "水彩画風のイラスト",
        "16mmモノクロのドキュメンタリー",
        "1970年代の映画風",
        "クレイアニメのストップモーション",
        "3Dアニメーション",
    ),
    "sound": (
        "環境音：風と遠くのカモメ、効果音：砂利を踏む足音",
        "音：トタン屋根を打つ雨音、遠くの雷鳴",
        "遠くの車の走行音",
        "静かなピアノのBGM",
        "鳥のさえずりと木の葉のざわめき",
        "セリフ：\n- 女性：「着いたね。」",
    ),
    "template": (
        (
            "小さなロボットが夜明けのベランダで植木に水をやる。\n"
            "撮影：ミディアムショット、ゆっくりドリーイン、35mm、窓からのやわらかな光、シネマティック、穏やかな雰囲気\n"
            "動き：ロボットはじょうろを持ち上げ、一度止まり、空を見上げる。\n"
            "セリフ：\n- ロボット：「時間ぴったり。」\n"
            "背景音：街の環境音、鳥のさえずり、水の流れる音。"
        ),
    ),
}


def snippets(language: str) -> dict[str, tuple[str, ...]]:
    """The snippets for a prompt in `language` ("ja" or "en")."""
    return SNIPPETS_JA if language == "ja" else SNIPPETS
