"""The Japanese lexicon: keywords by category, read with boundaries that Japanese script itself gives.

Japanese has no spaces, so a keyword matched anywhere inside the text gives false hits (パン inside パンケーキ,
海 inside 海老). A morphological analyser would cut words properly, but the ones on the registry cost 200-250 MB
and take 0.9-42 ms to cut a 2,000-character prompt (docs/TIPS.md has the figures); these rules cost nothing to
install and keep analyse() under a millisecond:

- a keyword that starts (ends) with katakana must start (end) a katakana run: パン in 「左へパン、」, not in
  パンケーキ or ルパン;
- a keyword of one kanji must not be followed by another kanji (海 in 「夜の海を」, not in 海老 or 海外), nor
  preceded by one unless it is a place suffix (富士山, 渋谷駅); compounds that are keywords are listed as such
  (海辺, 夜空, 足音);
- compounds that look like a keyword and are not are listed as blockers, which the scan reads and drops
  (音楽室 is a setting, not music; カメラマン is a person, not a camera move);
- a verb is found by its stem and its conjugated endings (走る, 走って, 走り, 走った), and its key is the
  dictionary form, so counting actions counts verbs, not spellings.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from .lexicon import Span, split, trie_pattern

_LEX: dict[str, tuple[str, set[str]]] = {}  # spelling -> (key, categories); blockers have no category
_CHECK: dict[str, int] = {}  # spelling -> the boundary checks it needs
CAMERA_KIND: dict[str, str] = {}  # camera-move key -> kind; rigs (手持ち, 空撮) have none
RESOLUTION: dict[str, int] = {}

_KATA_BEFORE, _KATA_AFTER, _KANJI_BEFORE, _KANJI_AFTER, _FORMAT, _NAME_AFTER = 1, 2, 4, 8, 16, 32


def _kata(ch: str) -> bool:
    return "\u30a1" <= ch <= "\u30fa" or ch in "ー・ヽヾ"


def _kanji(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" or ch in "々〆"


def _add(category: str | None, words: str | Iterable[str], *, key: str | None = None, kind: str | None = None,
         flags: int = 0) -> None:
    """`category` None: a blocker (read, then dropped). `flags`: checks beyond the script's own (see _checks)."""
    for word in split(words) if isinstance(words, str) else words:
        entry = _LEX.setdefault(word, (key or word, set()))
        if category:
            entry[1].add(category)
        if flags:
            _CHECK[word] = _CHECK.get(word, 0) | flags
        if kind:
            CAMERA_KIND[entry[0]] = kind


# One-kanji settings that may follow another kanji: place names end with them (富士山, 渋谷駅, 日本海, 今夜).
_SUFFIXES = frozenset("山川島駅港湾寺城町村浜岬橋池湖滝谷丘海街夜朝雨雪")


def _checks() -> None:
    """The boundary checks each spelling needs, from its script: katakana edges, one-kanji keywords."""
    for word in _LEX:
        check = 0
        if _kata(word[0]):
            check |= _KATA_BEFORE
        if _kata(word[-1]):
            check |= _KATA_AFTER
        if len(word) == 1 and _kanji(word):
            check |= _KANJI_AFTER | _NAME_AFTER | (0 if word in _SUFFIXES else _KANJI_BEFORE)
        if check:
            _CHECK[word] = _CHECK.get(word, 0) | check


# --- Verbs: stem + ending ---------------------------------------------------------------------------------------
_GODAN_ROWS = {"う": "わいうえおっ", "く": "かきくけこい", "ぐ": "がぎぐげごい", "す": "さしすせそ", "つ": "たちつてとっ",
               "ぬ": "なにぬねのん", "ぶ": "ばびぶべぼん", "む": "まみむめもん", "る": "らりるれろっ"}


def _godan(verbs: str) -> list[tuple[str, str]]:
    """走る -> 走ら 走り 走る 走れ 走ろ 走っ: every form starts with one of these (走って, 走りながら, 走らない)."""
    return [(verb[:-1] + ending, verb) for verb in verbs.split() for ending in _GODAN_ROWS[verb[-1]]]


def _ichidan(verbs: str) -> list[tuple[str, str]]:
    """見る -> 見る 見れ 見ろ 見よ 見て 見た 見な 見ま 見ず."""
    return [(verb[:-1] + ending, verb) for verb in verbs.split() for ending in "るれろよてたなまず"]


def _verb_forms(godan: str = "", ichidan: str = "") -> list[tuple[str, str]]:
    """A stem of two characters or more with a kanji in it (見つめ, 振り向, 食べ) is specific enough to be read
    as a prefix, whatever follows; a shorter one (走, 見) or one in kana alone (ささや) takes its endings."""
    forms: list[tuple[str, str]] = []
    for verb in godan.split() + ichidan.split():
        stem = verb[:-1]
        if len(stem) >= 2 and any(_kanji(ch) for ch in stem):
            forms.append((stem, verb))
        else:
            forms += _godan(verb) if verb in godan.split() else _ichidan(verb)
    return forms


def _verbs(category: str, godan: str = "", ichidan: str = "") -> None:
    for form, lemma in _verb_forms(godan, ichidan):
        _add(category, [form], key=lemma)


_verbs(
    "action",
    godan="走る 歩く 泳ぐ 飛ぶ 跳ぶ 踊る 笑う 歌う 泣く 座る 立つ 回る 振る 振り向く 登る 昇る 降る 転ぶ 滑る 潜る 漂う 舞う "
    "浮かぶ 沈む 吹く 咲く 散る 待つ 持つ 打つ 撃つ 抱く 握る 掴む つかむ 引っ張る 押す 蹴る 拾う 運ぶ 置く 開く 入る 渡る "
    "通る 進む 戻る 帰る 向かう 近づく 追う 探す 見下ろす 覗く のぞく 振り返る 頷く うなずく 微笑む ほほえむ 叫ぶ 話す "
    "語る 言う 囁く ささやく つぶやく 呟く 呼ぶ 飲む 噛む 吸う 鳴く 羽ばたく 飛び立つ 弾む 転がる 書く 描く 読む 弾く "
    "叩く 洗う 磨く 掃く 拭く 縫う 編む 切る 刻む 焼く 注ぐ 作る 直す 遊ぶ 眠る 伸ばす 壊す 割る 凍る 消す 乗る 漕ぐ "
    "釣る 着く 担ぐ 背負う 触る 撫でる 踏む 這う 揺らす 振り回す 見回す 見渡す 傾く 止まる 立ち止まる 祈る 戦う 闘う 競う "
    "追い抜く 飛び込む 飛び回る 降り立つ 佇む たたずむ 寄り添う つなぐ 並ぶ 集まる 駆け回る 走り回る 吹き抜ける 舞い上がる "
    "舞い散る 泳ぎ回る 駆け寄る 歩み寄る 手招く 跳ね回る 走り出す 歩き出す 飛び出す 駆け出す 泣き出す 笑い出す 動く 揺らぐ "
    "まわる はしる あるく おどる とぶ 回す 転がす 遊び回る 跳び回る 掘る 登り切る 通り抜ける 急ぐ 泳ぎ切る 滑り降りる 蹴飛ばす "
    "飛び越す 囲む 見送る 乾杯する 磨き上げる 盛る 配る 包む 巻く 結ぶ 脱ぐ 干す 畳む 貼る 塗る 飾る 並べる 守る 襲う 狙う "
    "駆る 暴れる 怒る 驚く 喜ぶ 悲しむ 笑い合う 見つめ合う 抱き合う 語り合う 向き合う 曲がる 立ち上がる 座り込む "
    "寄りかかる 差し出す 鳴らす 揚げる 乗り込む 飛び乗る 食べ歩く 浮き上がる 沈み込む 吸い込む 覗き込む 駆け上がる 逃げ回る "
    "跳び上がる 飛び上がる 泳ぎ出す 振りかざす 見つめ返す 繕う 啜る すする 行き交う 轟く 打ち寄せる 揺られる 湯切る 囲む",
    ichidan="駆ける 見つめる 眺める 見上げる 落ちる 揺れる 流れる 投げる 閉じる 出る 離れる 逃げる 追いかける 見つける "
    "答える 食べる 吠える 跳ねる 煮る 炒める 混ぜる 組み立てる 植える 寝る 起きる 目覚める 伸びる 曲げる 倒れる 崩れる "
    "燃える 溶ける 消える 現れる 通り過ぎる 駆け抜ける 走り抜ける 降りる 抱える 触れる なでる 止める 着替える 飛び跳ねる "
    "抱きしめる 見る 着る 浴びる 続ける 始める 開ける 受け止める 見せる 転げる 駆け下りる "
    "投げ上げる 振り上げる 持ち上げる 押し上げる 掲げる 奏でる 舞い降りる 転げ落ちる はねる かける",
)
for _form in ("手を振", "手をふ"):
    _add("action", [_form], key="手を振る")
# Nouns spelled like a verb's form: read whole, so their verb does not count (食べ物 is food, not eating).
_add(None, "食べ物|飲み物|乗り物|買い物|読み物|編み物|着物|書き物|落とし物|忘れ物|焼き物|煮物|揚げ物|踊り場|乗り場|"
     "釣り人|歩き方|走り方|振り付け|帰り道|通り道|待ち合わせ場所|見た目|見どころ|出口|入口|入り口|出来事|立場|"
     "立ち位置|吹き出し|引き出し|持ち主|切り株|切り絵|焼き菓子|作り物|置物|降水|着信音|弾き語り|落ち葉|流れ星|"
     "曲がり角|見張り")
_add("sound", "弾き語り")
_add("style", "切り絵")

# Speech: an action, a sound, and what tells quoted text apart from a sign's lettering.
for _form, _lemma in _verb_forms("話す 語る 言う 囁く ささやく つぶやく 呟く 叫ぶ 呼ぶ 歌う 喋る しゃべる",
                                 "答える 呼びかける"):
    for _category in ("action", "sound", "speech"):
        _add(_category, [_form], key=_lemma)
_add("speech", "セリフ|台詞|会話|ダイアログ|独り言|ナレーション")
_add("sound", "セリフ|台詞|会話|独り言|話し声|ひそひそ声|囁き声|ささやき声|語りかけ")

# --- Setting ----------------------------------------------------------------------------------------------------
_add("setting", (
    "海辺|海岸|海岸線|浜辺|砂浜|ビーチ|海沿い|海面|海上|海中|海底|水中|水面|湖|湖畔|湖面|川辺|川沿い|河原|河川敷|河口|滝|"
    "池|沼|島|離島|港|漁港|波止場|桟橋|埠頭|灯台|岬|入り江|干潟|街|街角|街中|街並み|町並み|路地|路地裏|裏路地|大通り|通り|"
    "商店街|交差点|横断歩道|歩道|歩道橋|道路|高速道路|坂道|並木道|線路|踏切|駅|駅前|駅のホーム|ホーム|改札|電車内|車内|"
    "車窓|地下鉄|バス停|屋上|都市|都会|大都市|未来都市|都心|繁華街|夜景|街明かりの中|ビル街|高層ビル|摩天楼|住宅街|団地|"
    "村|田舎|山村|漁村|里山|田んぼ|棚田|畑|牧場|草原|野原|花畑|ひまわり畑|砂漠|荒野|渓谷|峡谷|山|山頂|山道|山奥|山脈|"
    "雪山|丘|丘の上|谷|崖|崖っぷち|氷河|火山|洞窟|洞窟内|森|森林|林|竹林|松林|雑木林|ジャングル|熱帯雨林|湿地|公園|"
    "庭|庭園|日本庭園|中庭|裏庭|校庭|広場|市場|朝市|夜市|屋台|縁日|お祭り|祭り|ショッピングモール|台所|キッチン|寝室|"
    "部屋|子ども部屋|居間|リビング|和室|茶室|書斎|浴室|お風呂|廊下|階段|屋根裏|地下室|ガレージ|オフィス|会議室|教室|"
    "学校|校舎|体育館|図書館|美術館|博物館|ギャラリー|スタジオ|舞台|ステージ|映画館|劇場|カフェ|喫茶店|レストラン|"
    "路面|チャペル|食堂|厨房|調理場|動物園|水族館|遊園地|植物園|居酒屋|ラーメン屋|バー|パブ|クラブ|ホテル|ロビー|エレベーター|病院|研究所|実験室|工場|倉庫|工房|神社|寺|"
    "お寺|寺院|境内|鳥居|教会|大聖堂|城|お城|宮殿|遺跡|廃墟|廃校|競技場|スタジアム|グラウンド|アリーナ|ゲームセンター|"
    "空港|滑走路|宇宙|宇宙空間|宇宙船|宇宙ステーション|月面|火星|惑星|アパート|マンション|家の中|自宅|小屋|山小屋|"
    "コテージ|テント|キャンプ場|旅館|温泉|露天風呂|銭湯|縁側|ベランダ|バルコニー|テラス|屋内|屋外|室内|野外|"
    "東京|京都|大阪|渋谷|新宿|秋葉原|浅草|銀座|原宿|横浜|奈良|北海道|沖縄|富士山|鎌倉|パリ|ロンドン|ニューヨーク|"
    "夜|夜中|夜更け|深夜|真夜中|今夜|月夜|夜明け|明け方|朝|早朝|朝方|昼|昼間|昼下がり|真昼|正午|午後|夕方|夕暮れ|"
    "夕暮れ時|黄昏|たそがれ|日没|日の出|日暮れ|夕焼け|朝焼け|冬|真冬|夏|真夏|秋|春|雨|雨の日|大雨|小雨|豪雨|霧雨|"
    "雨上がり|雪|大雪|新雪|粉雪|雪景色|銀世界|霧|濃霧|朝霧|嵐|吹雪|雷雨|梅雨|台風|桜並木|紅葉|星空|夜空|青空|大空|"
    "雲海|雲の上|水平線|地平線|森の中|海|日本海|川|道|家|庭|森|林"
))
_add("setting", sorted(_SUFFIXES))
# Compounds that hold a setting's kanji and are not settings (海老 is a prawn, 家族 a family, 作家 a writer: the
# one-kanji rules drop most; these are the ones the rules let through).
_add(None, "沢山|山羊|山葵|海老|海外|海苔|海賊|海鮮|海豚|川柳|家族|家具|家電|作家|画家|山田|森田|林檎|"
     "春巻き|道具|道端の|通り過ぎ|通り抜け|通りすがり|夜更かし|朝ごはん|朝ご飯|昼ごはん|昼ご飯|雨具|雪だるま")
_add("setting", "道端の")
_add("action", "通り過ぎ|通り抜け", key="通り過ぎる")
_add("subject", "雪だるま")

# --- Camera -----------------------------------------------------------------------------------------------------
for _kind, _words in {
    "pan": "パン|パンする|パンニング|左へパン|右へパン|ホイップパン|パンアップ|パンダウン",
    "tilt": "ティルト|チルト|ティルトアップ|ティルトダウン|チルトアップ|チルトダウン",
    "zoom": "ズーム|ズームイン|ズームアウト|ズームアップ|ズームバック|クラッシュズーム",
    "dolly": "ドリー|ドリーイン|ドリーアウト|ドリーショット",
    "dolly zoom": "ドリーズーム|めまいショット",
    "tracking": "トラッキング|トラッキングショット|フォローショット|追従|追い撮り|並走|並走ショット|横移動で追う",
    "truck": "トラックショット|トラックイン|トラッキングで横移動|横移動",
    "crane": "クレーン|クレーンショット|クレーンアップ|クレーンダウン|ジブ",
    "orbit": "オービット|オービットショット|アークショット|回り込み|回り込む|周回",
    "push-in": "プッシュイン|ゆっくり寄る|ゆっくりと寄る|徐々に寄る|寄っていく",
    "pull-back": "プルバック|引いていく|ゆっくり引く|徐々に引く",
    "static": "固定カメラ|カメラ固定|固定ショット|定点|定点撮影|フィックス|三脚|三脚で固定",
    "fly-through": "フライスルー|フライオーバー",
}.items():
    _add("camera", _words, kind=_kind)
_add("camera", "手持ち|手持ちカメラ|手持ち撮影|手ブレ|ハンドヘルド|ハンディカメラ|ステディカム|ジンバル|空撮|ドローン撮影|"
     "ドローンショット|ドローン空撮|ドローン視点|ドローン映像|ワンカット長回し|スライダー|空中撮影|"
     # a drone looking down is a drone shot (ドローンで荷物を運ぶ, a drone carrying something, is not)
     "ドローンで俯瞰|ドローンから俯瞰|ドローンで撮影|ドローンで見下ろす|ドローンから見下ろす|ドローンで空撮")
_add(None, "手持ち無沙汰|手持ち花火|カメラマン|カメラウーマン|パンケーキ|パンダ|パンツ|パンフレット|ルパン|アンパンマン|"
     "パン屋|パン生地|食パン|菓子パン|フライパン|ジャパン|ズームミーティング")
_add("setting", "パン屋")
# The camera as the subject of a move: カメラが寄る, カメラはゆっくり引いていく, カメラが少女を追う.
_CAMERA_DOES = re.compile(
    r"(?:カメラ|ドローン)(?![ァ-ヺー・])(?:は|が|も|で)[^、。,.!?\n]{0,14}?"
    r"(固定|寄っ|寄り|寄る|近づ|前進|引い|引き|引く|離れ|後退|追っ|追い|追う|回り込|旋回|上昇|下降|横移動|移動|動か|動い|動き|動く|揺れ)")
_CAMERA_DOES_KIND = {"寄っ": "push-in", "寄り": "push-in", "寄る": "push-in", "近づ": "push-in", "前進": "push-in",
                     "引い": "pull-back", "引き": "pull-back", "引く": "pull-back", "離れ": "pull-back",
                     "後退": "pull-back", "追っ": "tracking", "追い": "tracking", "追う": "tracking",
                     "回り込": "orbit", "旋回": "orbit", "上昇": "pedestal", "下降": "pedestal", "横移動": "truck",
                     "移動": "truck", "固定": "static"}
for _kind in {*_CAMERA_DOES_KIND.values(), "static"}:
    CAMERA_KIND["カメラ" + _kind] = _kind

_add("shot", "クローズアップ|アップ|アップで|寄りの画|寄りで|寄りのショット|引きの画|引きで|引きのショット|ロングショット|"
     "ミドルショット|ミディアムショット|バストショット|バストアップ|ウエストショット|フルショット|全身ショット|ワイドショット|"
     "エスタブリッシングショット|俯瞰|俯瞰ショット|鳥瞰|真俯瞰|あおり|アオリ|ローアングル|ハイアングル|真上から|主観ショット|"
     "主観視点|一人称視点|肩越し|肩越しのショット|ツーショット|インサート|接写|マクロ撮影|目線の高さ|アイレベル|ダッチアングル|"
     "真横から|正面から|真正面から|背後から")
_add("lens", "広角|広角レンズ|超広角|望遠|望遠レンズ|魚眼|魚眼レンズ|マクロレンズ|アナモルフィック|レンズ|浅い被写界深度|"
     "被写界深度|ボケ|背景ボケ|玉ボケ|ピント|ピン送り|ソフトフォーカス|ティルトシフト|パンフォーカス|"
     + "|".join(f"{n}ミリ|{n}ミリレンズ" for n in (14, 18, 21, 24, 28, 35, 40, 50, 85, 100, 135, 200)))

# --- Light ------------------------------------------------------------------------------------------------------
_add("lighting", (
    "夕暮れ|夕暮れ時|夕焼け|朝焼け|夕日|夕陽|朝日|朝陽|西日|黄昏|ゴールデンアワー|マジックアワー|ブルーアワー|逆光|順光|"
    "斜光|木漏れ日|こもれび|日差し|陽射し|日の光|陽の光|日光|陽光|月明かり|月光|星明かり|街灯|街灯り|街明かり|街の明かり|"
    "ネオン|ネオンサイン|ネオンの光|蛍光灯|ろうそく|ロウソク|蝋燭|キャンドル|焚き火|たき火|暖炉の火|炎の明かり|間接照明|照明|"
    "ライティング|自然光|窓からの光|窓の光|窓辺の光|差し込む光|差し込む|射し込む|柔らかい光|やわらかい光|やわらかな光|"
    "柔らかな光|硬い光|強い光|薄明かり|薄暗い|ほの暗い|仄暗い|暗がり|光|光る|光り|輝く|輝い|きらめく|きらめき|煌めく|"
    "影|長い影|陰影|シルエット|リムライト|バックライト|スポットライト|ハイキー|ローキー|暖色|寒色|暖色の光|寒色の光|"
    "ライト|ライトアップ|灯り|明かり|灯籠|提灯|ちょうちん|ランタン|光の筋|光芒|薄明光線|天使のはしご|曇り空|曇天|"
    "ヘッドライト|照らす|照らさ|照らし|照らされ|逆光で|光に包ま|輝き|まぶしい|眩しい|キラキラ|ギラギラ|"
    "レンズフレア|フレア|ボリューメトリック|スモーク越しの光|色調|カラーパレット|ティール&オレンジ|青白い光|"
    "オレンジ色の光|青い光|赤い光|淡い光|月の光|星の光|朝の光|夕方の光|夜明けの光"
))
_add(None, "観光|光景|光栄|栄光|風光|撮影|影響|投影|光沢の")
_add("lighting", "投影|光沢の")

# --- Style ------------------------------------------------------------------------------------------------------
_add("style", (
    "シネマティック|シネマティックな|シネマ風|映画風|映画的|映画のような|映画みたい|映画っぽい|映画調|映画のワンシーン|"
    "実写|実写風|リアル|リアルな|超リアル|フォトリアル|フォトリアリスティック|写実的|写真のような|アニメ|アニメ調|アニメ風|"
    "アニメーション|セルアニメ|手描き|手描きアニメ|水彩|水彩画|水彩画風|油絵|油彩|油絵風|浮世絵|浮世絵風|版画|墨絵|水墨画|"
    "折り紙|ドキュメンタリー|ドキュメンタリー風|モノクロ|白黒|セピア|セピア調|レトロ|レトロな|ビンテージ|ヴィンテージ|"
    "昭和レトロ|昭和風|大正ロマン|フィルム|フィルム風|フィルムグレイン|フィルムルック|粒子感|ノスタルジック|サイバーパンク|"
    "スチームパンク|ファンタジー|ホラー|ミュージックビデオ|コマ撮り|ストップモーション|クレイアニメ|ピクセルアート|ドット絵|"
    "タイムラプス|スローモーション|スロー|ハイパーラプス|絵本風|絵本のような|漫画風|マンガ風|劇画調|特撮|ホームビデオ|"
    "記録映像|ニュース映像|夢のような|幻想的|シュール|シュールな|ミニマル|ミニマリスト|ローファイ|ネオノワール|ノワール|"
    "フィルムノワール|イラスト|イラスト風|イラスト調|コミック風|ゲーム風|トイカメラ風|"
    "ポラロイド風|8ミリフィルム|16ミリフィルム|35ミリフィルム|8ミリ|16ミリ|和風|北欧風|西部劇風|ジオラマ風|"
    "ティルトシフト風|ミニチュア風|ネオンノワール|ヴェイパーウェイブ|シンセウェイブ|ローポリ|ボクセル|ちぎり絵|"
    "パステル調|パステルカラー|ビビッド|彩度を抑えた|落ち着いた色調|広告映像|予告編風|トレーラー風|風景写真のような"
))
# A decade sets the period look: 1970年代, 80年代.
for _decade in [*range(1900, 2030, 10), *range(20, 100, 10)]:
    _add("style", [f"{_decade}年代", f"{_decade}年代風"])
_add(None, "映画監督|映画館で|映画館|映画を観る|映画を見る|イラストレーター|アニメーター|フィルムカメラ|スローガン|"
     "リアルタイム|アニメイト")
_add("setting", "映画館で|映画館")
_add("subject", "映画監督|イラストレーター|アニメーター|フィルムカメラ")

# --- Sound ------------------------------------------------------------------------------------------------------
_add("sound", (
    "音|音声|音響|サウンド|効果音|環境音|背景音|生活音|音楽|音色|メロディ|メロディー|旋律|曲|歌|歌声|鼻歌|ハミング|"
    "口笛|足音|雨音|波音|波の音|風の音|風音|水音|水の音|物音|爆音|轟音|羽音|騒音|雑音|走行音|機械音|心音|鼓動|心臓の音|"
    "鐘|鐘の音|鈴の音|風鈴|汽笛|サイレン|クラクション|エンジン音|チャイム|アラーム|着信音|雷鳴|雷|落雷|ゴロゴロ|ざあざあ|"
    "ザーザー|しとしと|ぱちぱち|パチパチ|ざわざわ|ざわめき|喧騒|喧噪|雑踏|雑踏の音|歓声|拍手|笑い声|泣き声|叫び声|鳴き声|"
    "さえずり|さえずる|鳴く|鳴い|鳴き|吠え|遠吠え|虫の声|蝉の声|セミの声|蝉しぐれ|鳥の声|声|話し声|掛け声|息遣い|吐息|"
    "ため息|ささやき|囁き|ナレーション|ナレーター|語り|ピアノ|ギター|バイオリン|ヴァイオリン|チェロ|ドラム|太鼓|和太鼓|"
    "三味線|琴|尺八|笛|汽笛|オーケストラ|ジャズ|ロック|クラシック音楽|ヒップホップ|ローファイヒップホップ|合唱|コーラス|"
    "アンビエント|アンビエンス|オルゴール|ベル|ファンファーレ|足踏み|きしむ音|軋む音|ぱたぱた|シャッター音|響く|響き|"
    "響かせ|こだま|エコー|残響|聞こえ|聞こえる|鳴り響く|鳴らす|奏でる|演奏"
))
_add("silence", "無音|静寂|音のない|音もなく|サイレント|静まり返|しんと静まり|音なし")
_add(None, "音楽室|音楽家|音楽会|本音|観音|声優|声明|名声|歌手|歌舞伎|曲線|曲がり角|曲がる|作曲家|ベルト|ロックンロール|"
     "ドラム缶|ピアノ教室|鐘楼|雷門|一曲|語り手|物語")
_add("setting", "音楽室|ピアノ教室|歌舞伎|雷門")
_add("subject", "音楽家|声優|歌手|作曲家|語り手")
_add("style", "物語")
_add("sound", "歌舞伎|一曲")

# --- Phrasing and parameters ------------------------------------------------------------------------------------
_add("sequence", "それから|その後|そのあと|そして|次に|続いて|最後に|やがて|しばらくして")
_add("vague", "美しい|美しく|綺麗|きれい|キレイ|素敵|すてき|すごい|凄い|壮大|エモい|かっこいい|カッコいい|かわいい|"
     "可愛い|素晴らしい|最高|いい感じ|良い感じ|感動的|雰囲気のある|雰囲気がいい|おしゃれ|お洒落|"
     "きれいな照明|綺麗な照明|美しい照明|いい照明|良い照明|素敵な照明|すごい照明|かっこいい照明")
_add("vague", "素早く動|速く動|激しく動", key="素早く動く")
_add("action", "素早く動|速く動|激しく動", key="素早く動く")
_add("setting", "ネオン街")
_add("lighting", "ネオン街")
_add("vertical", "縦型|縦長|縦動画|縦画面|縦位置|縦向き動画|縦向きの動画|縦向きで撮影|縦構図|ショート動画|リール動画|"
     "インスタのリール|インスタストーリー|ティックトック|ユーチューブショート", flags=_FORMAT)
_add("landscape", "横型|横長|横動画|横画面|横位置|横向き動画|横向きの動画|横向きで撮影|ワイドスクリーン|ユーチューブ",
     flags=_FORMAT)
for _words, _pixels in (("フルhd|フルハイビジョン", 1080),):
    for _word in split(_words):
        _add("resolution", [_word])
        RESOLUTION[_word] = _pixels
# 縦長の窓 is a tall window, not a vertical video: a format word counts before a format noun, a particle or the
# end of a phrase.
_FORMAT_NEXT = re.compile(r"(?:の|な)?(?:動画|映像|画面|ビデオ|クリップ|フォーマット|サイズ|構図|比率|アスペクト|ショート)"
                          r"|[でにへ]|[、。,.!?)）\s]|$")

# --- Rights and consent -----------------------------------------------------------------------------------------


def _names(words: str) -> list[str]:
    """Each name as written, without its ・ and with a space for it (テイラー・スウィフト, テイラースウィフト)."""
    out: list[str] = []
    for name in split(words):
        out += dict.fromkeys([name, name.replace("・", ""), name.replace("・", " ")])
    return out


_add("character", _names(
    "ピカチュウ|ポケモン|ポケットモンスター|ミッキーマウス|ミッキー|ミニーマウス|ドナルドダック|スパイダーマン|アイアンマン|"
    "キャプテン・アメリカ|ハルク|バットマン|スーパーマン|ワンダーウーマン|ハーレイ・クイン|スーパーマリオ|マリオ|ルイージ|"
    "ピーチ姫|クッパ|ドンキーコング|ゼルダ|ソニック・ザ・ヘッジホッグ|ハリー・ポッター|ハーマイオニー|ホグワーツ|ヴォルデモート|"
    "ダース・ベイダー|ルーク・スカイウォーカー|ヨーダ|グローグー|チューバッカ|ストームトルーパー|スター・ウォーズ|マンダロリアン|"
    "アナと雪の女王|エルサ|シンバ|バズ・ライトイヤー|シュレック|ミニオン|ミニオンズ|スポンジ・ボブ|ホーマー・シンプソン|"
    "シンプソンズ|スクービー・ドゥー|バッグス・バニー|トムとジェリー|ハローキティ|キティちゃん|ドラえもん|のび太|トトロ|"
    "となりのトトロ|ナウシカ|千と千尋|うずまきナルト|ドラゴンボール|ベジータ|セーラームーン|ガンダム|ゴジラ|キングコング|"
    "ジェームズ・ボンド|バービー|オプティマス・プライム|初音ミク|パックマン|ララ・クロフト|マスターチーフ|インディ・ジョーンズ|"
    "ジャック・スパロウ|ガンダルフ|フロド|アベンジャーズ|デッドプール|サノス|グルート|ピーター・パン|くまのプーさん|プーさん|"
    "スヌーピー|ガーフィールド|アンパンマン|ルパン三世|名探偵コナン|クレヨンしんちゃん|ちびまる子ちゃん|サザエさん|"
    "ウルトラマン|仮面ライダー|エヴァンゲリオン|綾波レイ|進撃の巨人|鬼滅の刃|竈門炭治郎|炭治郎|禰豆子|ルフィ|リラックマ|"
    "すみっコぐらし|ぐでたま|くまモン|ムーミン|ミッフィー|プリキュア|星のカービィ|カービィ|ポムポムプリン|シナモロール"
))
_add("person", _names(
    "テイラー・スウィフト|イーロン・マスク|ドナルド・トランプ|トランプ大統領|トランプ氏|ジョー・バイデン|バイデン|"
    "バラク・オバマ|オバマ|カマラ・ハリス|プーチン|ウラジーミル・プーチン|習近平|ゼレンスキー|チャールズ国王|"
    "エリザベス女王|ローマ教皇|トム・クルーズ|トム・ハンクス|ブラッド・ピット|レオナルド・ディカプリオ|ディカプリオ|"
    "スカーレット・ヨハンソン|キアヌ・リーブス|ドウェイン・ジョンソン|ウィル・スミス|モーガン・フリーマン|ビヨンセ|リアーナ|"
    "カニエ・ウェスト|キム・カーダシアン|アリアナ・グランデ|ビリー・アイリッシュ|レディー・ガガ|ジャスティン・ビーバー|"
    "エド・シーラン|マイケル・ジャクソン|エルヴィス・プレスリー|マリリン・モンロー|クリスティアーノ・ロナウド|リオネル・メッシ|"
    "メッシ|レブロン・ジェームズ|マイケル・ジョーダン|オプラ・ウィンフリー|マーク・ザッカーバーグ|ザッカーバーグ|"
    "ジェフ・ベゾス|ビル・ゲイツ|スティーブ・ジョブズ|ジョブズ|サム・アルトマン|ジェンスン・フアン|アインシュタイン|"
    "ジャッキー・チェン|ブルース・リー|シュワルツェネッガー|大谷翔平|大谷選手|イチロー|羽生結弦|大坂なおみ|八村塁|"
    "木村拓哉|キムタク|安倍晋三|岸田文雄|石破茂|小泉進次郎|天皇陛下|孫正義|北野武|ビートたけし|綾瀬はるか|新垣結衣|"
    "松本人志|明石家さんま|堺雅人|米津玄師|宇多田ヒカル|浜崎あゆみ|藤井聡太|三笘薫|久保建英|タモリ|マツコ・デラックス"
))
_add("studio", _names(
    "スタジオジブリ|ジブリ|ジブリ風|ピクサー|ディズニー|ドリームワークス|マーベル|任天堂|宮崎駿|新海誠|細田守|庵野秀明|"
    "村上隆|草間彌生|鳥山明|尾田栄一郎|京都アニメーション|京アニ|東映アニメーション|サンリオ|ウェス・アンダーソン|"
    "ティム・バートン|クリストファー・ノーラン|バンクシー"
))
_add("cameo", "カメオ")
_add("self", "私の顔|私の声|私の姿|自分の顔|自分の声|自分の姿|僕の顔|僕の声|俺の顔|俺の声|私自身|自撮り|本人の顔|"
     "本人の声|わたしの顔|わたしの声")
for _pronoun in ("私", "わたし", "僕", "ぼく", "俺", "あたし"):
    _add("self", [_pronoun + particle for particle in "がはをにとも"], key=_pronoun)
_add(None, "私立|私服|私鉄")
_checks()


_KATA_CLASS = "[ァ-ヺー・ヽヾ]"
_KANJI_CLASS = "[\u3400-\u4dbf\u4e00-\u9fff々〆]"
_NOT_A_NAME = "(?!さん|くん|ちゃん|様|氏|君)"  # 森さん is a person


# パン before a particle or a noun of food is bread (パンを焼く, パン屋, パン生地), not a pan.
_END = {"パン": "(?![をがのとはや粉生])"}


def _end(word: str) -> str:
    """The assertion `word` must meet where it ends (and, for one kanji, where it starts)."""
    check = _CHECK.get(word, 0)
    end = ""
    if check & _KANJI_BEFORE:
        end += f"(?<!{_KANJI_CLASS}.)"
    if check & _KANJI_AFTER:
        end += f"(?!{_KANJI_CLASS})"
    if check & _NAME_AFTER:
        end += _NOT_A_NAME
    if check & _KATA_AFTER:
        # A look may head a katakana compound (ドキュメンタリータッチ, シネマティックルック); nothing else may.
        suffix = "(?=タッチ|ルック|テイスト|スタイル)|" if "style" in _LEX[word][1] else ""
        end += f"(?:{suffix}(?!{_KATA_CLASS}))"
    end += _END.get(word, "")
    if check & _FORMAT:
        end += f"(?={_FORMAT_NEXT.pattern})"
    return end


def _script(word: str) -> str:
    first = word[0]
    if "\u3041" <= first <= "\u309f":
        return "hiragana"
    if _kata(first):
        return "katakana"
    return "kanji" if _kanji(first) else "other"


@functools.cache
def _passes() -> tuple[re.Pattern[str], ...]:
    """One regex per script of the first character: a pass over the prompt is cheap when the engine can skip to
    the next possible first character, and one alternation of every first character at every position was five
    times slower (docs/TIPS.md). Kanji, with hundreds of first characters, also dispatch on it (see trie_pattern)."""
    groups: dict[str, list[str]] = {}
    for word in _LEX:
        groups.setdefault(_script(word), []).append(word)
    ends = {word: _end(word) for word in _LEX}
    return tuple(
        re.compile(trie_pattern(words, gaps=False, ends=ends, split_first=script == "kanji",
                                after_first=f"(?<!{_KATA_CLASS}.)" if script == "katakana" else ""))
        for script, words in sorted(groups.items()))


@functools.cache
def _entries() -> dict[str, tuple[str, tuple[str, ...]]]:
    """spelling -> (key, categories), blockers with none: what the scan looks up per keyword found."""
    return {word: (key, tuple(sorted(categories))) for word, (key, categories) in _LEX.items()}


def prepare() -> None:
    _passes()
    _entries()


def scan(text: str) -> dict[str, list[Span]]:
    """Where each category's keywords are in `text` (the lowercased, NFKC-normalised prompt)."""
    found: list[tuple[int, str]] = []
    for rx in _passes():
        found += [(m.start(), m.group()) for m in rx.finditer(text)]
    found.sort()
    hits: dict[str, list[Span]] = {}
    entries = _entries()
    reach = 0
    for start, word in found:
        end = start + len(word)
        if end <= reach:
            continue  # inside a longer keyword of another script (やわらかな光 holds 光)
        reach = end
        key, categories = entries[word]
        span = (start, end, key)
        for category in categories:
            spans = hits.get(category)
            if spans is None:
                hits[category] = [span]
            else:
                spans.append(span)
    if "風" in text:
        for m in _STYLE_LIKE.finditer(text):
            if m.group(1) not in _NOT_STYLES and m.group() not in _LEX:
                hits.setdefault("style", []).append((m.start(), m.end(), m.group()))
        if "style" in hits:
            hits["style"].sort()
    if "カメラ" in text or "ドローン" in text:
        for m in _CAMERA_DOES.finditer(text):
            verb = m.group(1)
            kind = _CAMERA_DOES_KIND.get(verb)
            if verb == "動か" and text.startswith(("ない", "さない", "ず"), m.end()):
                kind = "static"  # カメラは動かない
            hits.setdefault("camera", []).append((m.start(), m.end(), "カメラ" + (kind or "動く")))
        if "camera" in hits:
            hits["camera"].sort()
    return hits


# X風 is a look ("in the manner of X") for any X of two kanji or katakana: インタビュー風, 少女漫画風. Winds are
# the exception (季節風 is a monsoon; 台風 and 海風 have one kanji before 風 and do not match).
_STYLE_LIKE = re.compile(r"([ァ-ヺー]{2,}|[\u4e00-\u9fff々]{2,})風(?![\u4e00-\u9fff々])")
_NOT_STYLES = frozenset(split("季節|偏西|貿易|木枯らし"))


# A する-verb the list does not know (ジャンプする, 疾走しながら, 回転して) is still an action, unless its noun is a
# word of another kind (パンする is a camera move, 撮影する is about the camera).
_SURU = re.compile(r"([ァ-ヺー]{2,}|[\u4e00-\u9fff々]{2,})(?=を?す[るれ]|を?し[てたなまょ]|さ[せれ])")
_NOT_SURU_ACTIONS = frozenset(split(
    "撮影|表現|描写|使用|設定|強調|想定|意識|演出|生成|再現|存在|配置|注意|希望|固定|調整|撮る|登録|確認|編集|用意|"
    "指定|参考|意味|説明|紹介|反射|反映|照明|録音|収録"))
_CONTENT = re.compile(r"[ァ-ヺー\u4e00-\u9fff々a-z]")


def subject(text: str, hits: dict[str, list[Span]]) -> tuple[bool, list[Span]]:
    """(a subject besides the action?, the action spans): a verb and some other word of content (a noun in
    kanji, katakana or Latin letters) outside the verbs."""
    actions = hits.get("action", [])
    if not actions:
        for m in _SURU.finditer(text):
            if m.group() not in _NOT_SURU_ACTIONS and m.group() not in _LEX:
                actions = [(m.start(), m.end(), m.group())]
                break
    if not actions:
        return False, []
    if len(text) > 120:
        return True, actions
    rest, last = [], 0
    for start, end, _ in actions:
        rest.append(text[last:start])
        last = max(last, end)
    rest.append(text[last:])
    return _CONTENT.search("".join(rest)) is not None, actions
