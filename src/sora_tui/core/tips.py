"""Prompt tips: reads a video prompt as it is typed and returns the composer's checklist.

Heuristics over English keywords, checked against the chosen parameters; every tip is advice, never a blocker.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass

from .params import DEFAULT_MODEL, DEFAULT_SECONDS, DEFAULT_SIZE, SECONDS_ALL
from .text import one_line

__all__ = ["CONFLICT", "INFO", "INGREDIENTS", "MISSING", "PRESENT", "SNIPPETS", "WARNING", "Tip", "TipsReport",
           "analyse"]

PRESENT = "present"
MISSING = "missing"
CONFLICT = "conflict"
WARNING = "warning"
INFO = "info"


@dataclass(frozen=True)
class Tip:
    """One checklist line. `detail` is a plain sentence: what was found (quoted) or what to add."""

    id: str
    label: str
    state: str  # present | missing | conflict | warning | info
    detail: str


@dataclass(frozen=True)
class TipsReport:
    """The checklist: `ingredients` always, `advice` and `guardrails` only where they apply."""

    ingredients: tuple[Tip, ...]  # always the six, in INGREDIENTS order
    advice: tuple[Tip, ...]  # only what applies to this prompt and these parameters
    guardrails: tuple[Tip, ...]  # rights, personal data, cameo; the "publishing" reminder is always last

    @property
    def score(self) -> tuple[int, int]:
        """(ingredients present, ingredients in all)."""
        return sum(t.state == PRESENT for t in self.ingredients), len(self.ingredients)

    @property
    def tips(self) -> tuple[Tip, ...]:
        return self.ingredients + self.advice + self.guardrails

    def get(self, tip_id: str) -> Tip | None:
        return next((t for t in self.tips if t.id == tip_id), None)


# --- Lexicon -----------------------------------------------------------------------------------------------
# Every keyword goes into one trie-shaped regex, so the whole prompt is scanned once, in C: a 32,000-character
# prompt costs a few milliseconds instead of one scan per word list. A keyword may belong to several
# categories ("says" is an action, a sound and speech).

_LEXICON: dict[str, set[str]] = {}
_SPELLINGS: set[str] = set()  # as written (the trie needs the gaps; keys have none)
_CAMERA_KIND: dict[str, str] = {}  # camera-move key -> kind; rigs (handheld, aerial) have none
_RESOLUTION: dict[str, int] = {}  # "4k" -> 2160 (the short side, in pixels)

_KEY_STRIP = re.compile(r"[\s\-'’]+")


def _key(text: str) -> str:
    # Spaces, hyphens and apostrophes are optional in a match ("close-up" = "close up" = "closeup").
    return _KEY_STRIP.sub("", text.lower())


def _split(words: str) -> list[str]:
    """'a|b c' -> ['a', 'b c']: long word lists stay readable as one string."""
    return [w.strip() for w in words.split("|") if w.strip()]


def _add(category: str, phrases: str | Iterable[str]) -> list[str]:
    items = _split(phrases) if isinstance(phrases, str) else list(phrases)
    keys = []
    for phrase in (p.strip() for p in items):
        if phrase:
            _LEXICON.setdefault(_key(phrase), set()).add(category)
            _SPELLINGS.add(phrase.lower())
            keys.append(_key(phrase))
    return keys


# Verbs whose bare form is more often a noun ("a rubber duck", "an open field"): only their inflections count.
_NOUN_TOO = frozenset(_split(
    "duck|watch|point|land|type|row|pet|feed|open|cross|play|race|fix|sail|surf|ski|brush|comb|balance|pace|"
    "search|fold|paint|cook|gesture|fill|lean|sip|dash|drift|wave|cheer|pause|crash|burst|bloom|stir|chop|drop"
))


def _verbs(bases: str, *, double: bool = False) -> list[str]:
    """Regular verb forms: walk -> walk, walks, walked, walking (double=True: stop -> stopped, stopping)."""
    forms: list[str] = []
    for base in bases.split():
        forms += [] if base in _NOUN_TOO else [base]
        if double:
            forms += [base + "s", base + base[-1] + "ed", base + base[-1] + "ing"]
        elif base.endswith("e") and not base.endswith("ee"):
            forms += [base + "s", base + "d", base[:-1] + "ing"]
        elif base.endswith("y") and base[-2] not in "aeiou":
            forms += [base[:-1] + "ies", base[:-1] + "ied", base + "ing"]
        elif base.endswith(("s", "sh", "ch", "x", "z")):
            forms += [base + "es", base + "ed", base + "ing"]
        else:
            forms += [base + "s", base + "ed", base + "ing"]
    return forms


_add("action", _verbs(
    "walk jump turn look laugh float climb kick pick reach pull push wave smile dance glance stare pause "
    "race chase slide dive bounce pour fill lift carry hurry cry play stroll march wander sprint dash leap "
    "crawl roll tumble splash drift glide soar hover land crash explode burst melt bloom nod blink lean kneel "
    "crouch stretch yawn wink point gesture grab toss open enter exit cross follow approach arrive escape "
    "search paint cook bake chop sip type sing hum kiss hug punch skate surf ski trot gallop prance wade "
    "paddle row sail pace sniff chew howl flutter flap fold unfold knit sew mop wash scrub fix repair "
    "assemble raise wipe brush comb juggle balance stumble stir watch move twirl sway swirl ripple pounce "
    "scramble rush lunge duck shiver tremble shake nuzzle feed pet greet celebrate cheer appear emerge vanish "
    "disappear"
))
_add("action", _verbs("step stop skip hop jog nod wag clap tap flip trip slip shrug wrap grab drop drip", double=True))
_add("action", (
    "runs|running|ran|swims|swimming|swam|sits|sitting|sat|stands|standing|stood|spins|spinning|spun|"
    "rides|riding|rode|drives|driving|drove|eats|eating|ate|drinks|drinking|drank|throws|throwing|threw|"
    "catches|catching|caught|holds|holding|held|flies|flying|flew|falls|falling|fell|rises|rising|fights|"
    "fighting|fought|swings|swinging|swung|takes|taking|took|breaks|breaking|broke|gives|giving|gave|"
    "hides|hiding|hid|draws|drawing|drew|grows|growing|grew|blows|blowing|blew|sweeps|sweeping|swept|"
    "writes|writing|wrote|reads|reading|waters|watering|watered|builds|built|bites|biting|wakes|waking|woke|"
    "mends|mending|mended|leaps|leapt|dives|dove|lands|digs|digging|dug|sleeps|sleeping|slept|wears"
))
# Speech: an action, a sound, and what tells quoted text apart from a sign's lettering.
for _speech in _verbs("whisper shout yell ask reply talk murmur mutter exclaim answer") + (
    _split("says|said|speaks|speaking|spoke|tells|told|calls out|narrates|narrating")
):
    _add("action", [_speech])
    _add("sound", [_speech])
    _add("speech", [_speech])
_add("speech", "dialogue|dialog")

_add("setting", (
    "beach|shore|coast|coastline|seaside|ocean|sea|bay|harbor|harbour|port|pier|dock|boardwalk|lake|river|"
    "riverbank|waterfall|pond|island|lagoon|reef|underwater|street|streets|road|highway|alley|alleyway|avenue|"
    "boulevard|crosswalk|zebra crossing|sidewalk|pavement|rooftop|rooftops|skyline|cityscape|city|town|village|"
    "downtown|suburb|suburbs|neighborhood|neighbourhood|countryside|farm|farmland|field|fields|meadow|prairie|"
    "desert|dunes|canyon|mountain|mountains|mountaintop|hill|hills|hillside|valley|cliff|cliffs|glacier|"
    "tundra|volcano|cave|forest|woods|woodland|jungle|rainforest|swamp|marsh|park|garden|backyard|courtyard|"
    "plaza|market|marketplace|bazaar|mall|kitchen|bedroom|bathroom|living room|dining room|hallway|corridor|"
    "staircase|attic|basement|garage|office|classroom|library|museum|gallery|studio|stage|theater|theatre|"
    "cinema|restaurant|cafe|café|diner|bar|pub|nightclub|hotel|lobby|elevator|hospital|laboratory|lab|"
    "factory|warehouse|workshop|church|cathedral|temple|shrine|mosque|castle|palace|ruins|stadium|arena|gym|"
    "arcade|station|train station|subway|metro|platform|airport|runway|spaceship|space station|outer space|"
    "in space|planet|on the moon|mars|apartment|house|home|cabin|cottage|tent|campsite|campfire|porch|"
    "balcony|terrace|deck|interior|exterior|indoors|outdoors|"
    "dawn|dusk|sunrise|sunset|twilight|night|nighttime|at night|midnight|morning|afternoon|evening|noon|"
    "midday|daybreak|nightfall|winter|summer|autumn|springtime|rain|rainy|snow|snowy|snowfall|fog|foggy|mist|"
    "misty|storm|stormy|thunderstorm|blizzard|"
    "tokyo|kyoto|osaka|paris|london|new york|new york city|nyc|rome|venice|berlin|barcelona|shanghai|"
    "hong kong|seoul|mumbai|cairo|istanbul|sydney|los angeles|san francisco|chicago|mexico city|rio|havana|"
    "dubai|singapore|bangkok|amsterdam|prague|lisbon"
))

# Camera: the ingredient is a camera *move* (or a deliberate static camera). Framing words ("close-up") are
# tracked as "shot": they help, and the camera tip mentions them, but they do not make the camera present.
_CAMERA_MOVES = {
    "pan": "pan|pans|panning|panned|pan left|pan right|pans left|pans right|whip pan|whip-pan",
    "tilt": "tilt|tilts|tilting|tilted|tilt up|tilt down|tilts up|tilts down",
    "zoom": "zoom|zooms|zooming|zoomed|zoom in|zoom-in|zoom out|zoom-out|zooms in|zooms out|crash zoom",
    "dolly": "dolly|dollies|dollying|dolly in|dolly out|dolly left|dolly right|dolly shot|dolly-in|dolly-out",
    "dolly zoom": "dolly zoom|vertigo shot",
    "tracking": "tracking shot|tracking|tracks alongside|tracks with|follow shot|following shot|camera follows|"
    "camera following",
    "truck": "truck left|truck right|trucks left|trucks right|trucking shot",
    "crane": "crane shot|crane up|crane down|cranes up|cranes down|jib shot|boom shot",
    "orbit": "orbit|orbits|orbiting|orbital shot|arc shot",
    "push-in": "push in|push-in|pushes in|pushing in|slow push",
    "pull-back": "pull back|pull-back|pulls back|pulling back|pull out|pull-out|pulls out",
    "static": "static shot|static camera|static frame|locked-off shot|locked-off camera|locked off|"
    "fixed camera|tripod shot",
    "pedestal": "camera rises|camera descends|pedestal up|pedestal down",
    "fly-through": "flyover|fly-over|fly-through|flythrough",
}
for _kind, _phrases in _CAMERA_MOVES.items():
    for _k in _add("camera", _phrases):
        _CAMERA_KIND[_k] = _kind
_add("camera", "handheld|hand-held|steadicam|gimbal|aerial|aerial shot|aerial view|drone shot|drone footage|"
     "drone view|fpv|camera moves|pov tracking")
for _k in _add("camera", "static wide shot|static close-up|static medium shot"):
    _CAMERA_KIND[_k] = "static"
    _LEXICON[_k].add("shot")

_add("shot", (
    "close-up|closeup|extreme close-up|medium close-up|medium shot|wide shot|extreme wide shot|long shot|"
    "full shot|establishing shot|wide establishing shot|over-the-shoulder|over the shoulder shot|pov|"
    "point of view|point-of-view|low angle|low-angle shot|high angle|high-angle shot|bird's-eye view|"
    "bird's-eye|worm's-eye view|eye level|eye-level|dutch angle|two-shot|insert shot|cowboy shot|macro shot|"
    "top-down shot|overhead shot|profile shot"
))
_add("lens", (
    "anamorphic|lens|wide-angle|wide angle lens|telephoto|fisheye|fish-eye|macro lens|shallow focus|"
    "shallow depth of field|deep focus|depth of field|bokeh|tilt-shift|rack focus|soft focus|"
    "14 mm|18 mm|21 mm|24 mm|28 mm|35 mm|40 mm|50 mm|85 mm|100 mm|135 mm|200 mm"
))
_add("lighting", (
    "golden hour|blue hour|magic hour|neon|neon lights|neon-lit|neon glow|neon sign|neon signs|soft light|"
    "soft window light|window light|natural light|daylight|sunlight|sunlit|sunbeams|sun rays|light rays|"
    "god rays|volumetric light|volumetric lighting|moonlight|moonlit|candlelight|candlelit|candle-lit|"
    "firelight|torchlight|lamplight|lantern light|lanterns|streetlight|streetlights|street lamp|street lamps|"
    "spotlight|spotlights|floodlights|headlights|fluorescent|fluorescent lights|tungsten|practical lights|"
    "backlit|backlight|backlighting|rim light|rim-lit|rim lighting|key light|fill light|hard light|"
    "harsh light|harsh sunlight|soft shadows|long shadows|hard shadows|dappled light|dappled|diffused light|"
    "diffused|overcast|low-key|high-key|low key lighting|chiaroscuro|silhouette|silhouetted|lit by|lit from|"
    "lit|dimly lit|brightly lit|warm light|cool light|warm glow|glow|glowing|lens flare|lighting|"
    "studio lighting|ring light|softbox|led|sodium vapor|sodium-vapor|bioluminescent|palette|color palette|"
    "colour palette|teal and orange|warm tones|cool tones|sunset glow"
))
_add("style", [
    *_split(
        "cinematic|filmic|film look|film grain|grainy|shot on film|35mm film|35 mm film|16mm|16 mm|8mm|"
        "super 8|70mm|imax|ultra-realistic|ultrarealistic|hyperrealistic|hyper-realistic|photorealistic|"
        "photo-realistic|photoreal|realistic|lifelike|anime|manga|cartoon|cartoonish|animated|animation|"
        "2d animation|3d animation|3d animated|3d render|cgi|stop-motion|claymation|clay animation|"
        "watercolor|watercolour|oil painting|painterly|impressionist|pixel art|low-poly|voxel|isometric|"
        "noir|film noir|black-and-white|b&w|monochrome|sepia|vintage|retro|documentary|mockumentary|"
        "found footage|vhs|camcorder|home video|home movie|music video|commercial|advert|trailer|newsreel|"
        "vlog|technicolor|kodachrome|polaroid|surreal|surrealist|dreamlike|minimalist|ukiyo-e|"
        "woodblock print|comic book|graphic novel|storybook|illustration|illustrated|paper cut-out|"
        "papercraft|origami|needle-felted|steampunk|cyberpunk|vaporwave|synthwave|sci-fi|science fiction|"
        "fantasy|horror|time-lapse|hyperlapse|slow motion|slow-mo"
    ),
    # Decades set the period look ("1970s film", "90s documentary").
    *(f"{decade}0s" for decade in range(190, 203)),
    *(f"{decade}0s" for decade in range(2, 10)),
])
_add("sound", (
    "sound|sounds|sound of|sounds of|sound effects|sfx|soundscape|audio|ambience|ambiance|ambient sound|"
    "ambient noise|background sound|background noise|noise|foley|music|musical score|soundtrack|song|"
    "singing|sings|melody|piano|guitar|violin|cello|drums|orchestra|orchestral|choir|jazz|dialogue|dialog|"
    "voice|voices|voiceover|voice-over|narration|narrator|laughter|laughs|laughing|giggles|cheers|applause|"
    "chatter|crowd noise|footsteps|birdsong|birds chirping|chirping|chirps|gulls|seagulls|wind|"
    "wind howling|rain|raindrops|thunder|thunderclap|hiss|hissing|hum|hums|humming|buzz|buzzing|crackle|"
    "crackling|rumble|rumbling|roar|roaring|whoosh|thud|thump|bang|clang|clatter|clink|clinking|creak|"
    "creaking|rustle|rustling|trickle|trickling|echo|echoes|echoing|ticking|beep|beeping|ringing|bell|"
    "bells|chime|chimes|siren|sirens|honking|engine roar|traffic noise|traffic hum|crashing|purr|purring|"
    "bark|barking|meow|howling|growl|sizzle|sizzling|click|clicks|whistle|whistling|heartbeat|breathing|"
    "sigh|sighs|gasps|scream|screams"
))
_add("silence", "silent|silence|no sound|without sound|no audio|mute|muted")
_add("sequence", "then|after that|afterwards|afterward|finally")
_add("vague", (
    "beautiful|beautifully|nice|amazing|stunning|cool|epic|awesome|gorgeous|lovely|wonderful|incredible|"
    "breathtaking|magnificent|perfect|interesting|fantastic|spectacular|cute|pretty|"
    # Lighting praised but not named: vague, and the lighting ingredient stays missing.
    "nice lighting|good lighting|great lighting|beautiful lighting|amazing lighting|cool lighting|epic lighting|"
    "stunning lighting"
))
for _k in _add("vague", "moves quickly|move quickly|moving quickly"):
    _LEXICON[_k].add("action")  # vague, but still an action
# Phrases that sound like orientation/resolution but are the parameters' job (guide 1).
_add("vertical", (
    "vertical video|vertical format|vertical frame|vertical clip|vertical orientation|portrait mode|"
    "portrait orientation|portrait format|portrait video|9:16|reels|instagram reels|tiktok|youtube shorts|"
    "instagram story|instagram stories"
))
_add("landscape", (
    "landscape video|landscape format|landscape mode|landscape orientation|horizontal video|"
    "horizontal format|16:9|widescreen|wide screen|youtube"
))
for _phrases, _pixels in (("4k|4 k|uhd|ultra hd|2160p", 2160), ("8k|4320p", 4320), ("1440p|2k|qhd", 1440),
                          ("1080p|full hd|fhd", 1080), ("720p", 720)):
    for _k in _add("resolution", _phrases):
        _RESOLUTION[_k] = _pixels

# Rights (guardrails): curated, not exhaustive. Entries that are also ordinary words ("Joker", "Thor",
# "Trump") appear only in their unambiguous form.
_add("character", (
    "mickey mouse|minnie mouse|donald duck|spider-man|iron man|captain america|incredible hulk|batman|"
    "superman|wonder woman|harley quinn|pikachu|pokémon|pokemon|super mario|mario|luigi|princess peach|"
    "bowser|donkey kong|zelda|sonic the hedgehog|harry potter|hermione granger|hogwarts|voldemort|"
    "darth vader|luke skywalker|yoda|baby yoda|grogu|chewbacca|stormtrooper|stormtroopers|r2-d2|c-3po|"
    "star wars|mandalorian|elsa|simba|buzz lightyear|shrek|minions|spongebob|patrick star|homer simpson|"
    "bart simpson|the simpsons|scooby-doo|bugs bunny|tom and jerry|hello kitty|doraemon|totoro|naruto|goku|"
    "son goku|sailor moon|gundam|godzilla|king kong|james bond|barbie|optimus prime|hatsune miku|pac-man|"
    "lara croft|master chief|kratos|indiana jones|jack sparrow|gandalf|frodo|avengers|deadpool|thanos|groot|"
    "peter pan|winnie the pooh|snoopy|garfield"
))
_add("person", (
    "taylor swift|elon musk|donald trump|joe biden|barack obama|obama|kamala harris|vladimir putin|putin|"
    "xi jinping|volodymyr zelensky|zelenskyy|king charles|queen elizabeth|pope francis|tom cruise|tom hanks|"
    "brad pitt|leonardo dicaprio|scarlett johansson|keanu reeves|dwayne johnson|will smith|morgan freeman|"
    "beyoncé|beyonce|rihanna|kanye west|kim kardashian|ariana grande|billie eilish|lady gaga|justin bieber|"
    "ed sheeran|michael jackson|elvis presley|marilyn monroe|cristiano ronaldo|lionel messi|lebron james|"
    "michael jordan|serena williams|shohei ohtani|oprah winfrey|mark zuckerberg|jeff bezos|bill gates|"
    "steve jobs|sam altman|jensen huang|albert einstein|zendaya|timothée chalamet|timothee chalamet|"
    "margot robbie|ryan gosling|ryan reynolds|johnny depp|angelina jolie|jennifer aniston|emma watson|"
    "daniel radcliffe|robert downey jr|chris hemsworth|jackie chan|bruce lee|arnold schwarzenegger|"
    "sylvester stallone|snoop dogg|eminem|dolly parton"
))
_add("studio", (
    "studio ghibli|ghibli|pixar|disney|dreamworks|marvel|dc comics|nintendo|aardman|wes anderson|tim burton|"
    "makoto shinkai|hayao miyazaki|miyazaki|banksy|yayoi kusama|takashi murakami|greg rutkowski|"
    "christopher nolan|quentin tarantino"
))
_add("cameo", "cameo|cameos")
_add("self", "me|myself|my face|my voice|my likeness|my own face|my own voice|selfie of me")


def _trie_pattern(phrases: Iterable[str]) -> str:
    """One alternation shaped as a trie: at each word start the engine tries one branch per first letter."""
    trie: dict[str, dict] = {}
    for phrase in phrases:
        node = trie
        for unit in re.sub(r"[\s\-]+", " ", phrase.replace("’", "'")):
            node = node.setdefault(unit, {})
        node[""] = {}

    def unit_re(unit: str) -> str:
        if unit == " ":
            return r"[\s\-]*"  # "close-up", "close up" and "closeup" are one keyword
        if unit == "'":
            return "['’]?"
        return re.escape(unit)

    def build(node: dict[str, dict]) -> str:
        alts = [unit_re(unit) + build(child) for unit, child in sorted(node.items()) if unit]
        if not alts:
            return ""
        if "" in node:  # a keyword ends here; the greedy "?" still prefers the longer one
            return "(?:" + "|".join(alts) + ")?"
        return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"

    return build(trie)


# Run on the lowercased prompt, so no IGNORECASE: the engine's literal fast path stays on.
@functools.cache
def _lexicon_re() -> re.Pattern[str]:
    """Compiled on first use, not at import: building it takes ~40 ms, which the TUI's first frame should not wait
    for (the tips panel reads the prompt only after the screen is drawn)."""
    return re.compile(r"\b" + _trie_pattern(_SPELLINGS) + r"\b")

def prepare() -> None:
    """Compile what the first analyse() would (for a thread to do ahead of time)."""
    _lexicon_re()


# Words ending in -ing that are not actions (an -ing word is the fallback sign of an action).
_NOT_ACTIONS = frozenset(_split(
    "morning|evening|building|ceiling|painting|clothing|something|nothing|anything|everything|string|"
    "spring|during|sibling|darling|pudding|wedding|awning|railing|siding|bedding|frosting|feeling|"
    "meaning|setting|ending|beginning|earring|offspring|herring|sterling|shilling|duckling|viking|"
    "sapling|seedling|dumpling|wellbeing|lightning|stocking|warning|thanksgiving"
))
_ING = re.compile(r"\b\w{3,}ing\b")
# Words that say nothing about a subject ("Running quickly" has an action but no one doing it).
_FILLER = frozenset(_split("a|an|the|it|its|is|are|was|and|or|then|to|of|in|on|at|with|by|very|slowly|quickly"))

# --- Parameters in prose (guide 1) ---------------------------------------------------------------------------
_NUMBER_WORDS = {
    w: i for i, w in enumerate(_split(
        "zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
        "seventeen|eighteen|nineteen|twenty"))
} | {"thirty": 30, "forty": 40, "sixty": 60}
_CLIP = (
    # "a 10-second clip", "10 seconds long": the clip's own length, not a beat inside it.
    r"(\s*-?\s*(?:long\b|(?:clip|video|shot|film|movie|scene|sequence|take|reel|spot|ad|commercial)s?\b))?"
)
# Starts with a bare \d so the engine can skip ahead to digits, and gives up at once inside a longer number;
# the character before is checked in code.
_DURATION_DIGITS = re.compile(r"(\d(?<!\d\d)\d{0,2}(?:\.\d+)?)\s*-?\s*(seconds?|secs?|s|minutes?|mins?)\b" + _CLIP)
_DURATION_WORDS = re.compile(
    r"\b(" + "|".join(_NUMBER_WORDS) + r"|an?)\s*-?\s*(seconds?|minutes?)\b" + _CLIP)

# --- Dialogue (guide 12) -------------------------------------------------------------------------------------
_DIALOGUE_HEAD = re.compile(r"^[ \t>*_#-]*dialog(?:ue)?[*_]*[ \t]*:[ \t]*", re.MULTILINE | re.IGNORECASE)
_SECTION_HEAD = re.compile(
    r"^\s*(?:cinematography|actions?|background sound|sound|audio|avoid|camera|lighting|style|shot\s*\d+|"
    r"scene\s*\d+)\s*:", re.IGNORECASE)
_QUOTED = re.compile(r'"[^"\n]{1,400}"|“[^”\n]{1,400}”|「[^」\n]{1,400}」')
_SPEAKER = re.compile(r"^[\s\-*•]*[^\W\d][\w .'’-]{0,30}:\s*")
_WORD = re.compile(r"\w+")

# Shot blocks: one camera move per *shot*, so multi-shot prompts are checked block by block.
_SHOT_BREAK = re.compile(
    r"^\s*(?:shot|scene)\s*\d+|^\s*\[?\d{1,2}:\d{2}|^\s*\d{1,2}(?:\.\d+)?\s*[-–]\s*\d{1,2}(?:\.\d+)?\s*s\b|"
    r"\bcut to\b", re.MULTILINE)

# "in the style of Someone": a name the curated list does not know may still be a living artist.
_STYLE_OF = re.compile(r"(?i:\b(?:in\s+the\s+)?(?:style|manner)\s+of)\s+([^\W\d_][\w'’.\-]*(?:\s+[\w'’.\-]+){0,3})")
_NAME_PARTICLES = frozenset(_split("de|da|van|von|del|la|le|di|du|der|den|y"))
_PUBLIC_DOMAIN_ARTISTS = frozenset(_split(
    "van gogh|vincent van gogh|monet|claude monet|rembrandt|vermeer|hokusai|katsushika hokusai|hiroshige|"
    "da vinci|leonardo da vinci|michelangelo|klimt|gustav klimt|turner|caravaggio|renoir|cézanne|cezanne|"
    "degas|seurat|botticelli|raphael|goya|el greco|dürer|durer|bosch|bruegel|manet|gauguin|munch|"
    "edvard munch|velázquez|velazquez|titian|constable|whistler|sargent|toulouse-lautrec|mucha|"
    "alphonse mucha|shakespeare|dickens"
))

# --- Personal data (never quoted in full) --------------------------------------------------------------------
# Patterns that begin with a lookbehind defeat the regex engine's fast skip, and each would cost about 1 ms on
# a 32,000-character prompt. So digit patterns only run on small windows around runs of 6+ digits, found by a
# pattern that starts with a plain digit; emails start from each "@".
_DIGIT = re.compile(r"\d")
_MAX_FINDINGS = 20  # a tip shows three and "N more"; a pasted table must not cost a scan per row
_DIGIT_RUN = re.compile(r"\d(?:[ ().\-]{0,2}\d){5,}")
_MAX_DIGIT_RUN = 64  # longer runs are tables of numbers, and scanning them costs
_EMAIL_AT = re.compile(r"@(?<=[\w.+%-]@)[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}")  # from "@" to the domain's end
_EMAIL_LOCAL = re.compile(r"[\w.+%-]+\Z")
_MENTION = re.compile(r"@(?<![\w@.]@)\w[\w.]{0,29}(?<!\.)")
# Digit runs are matched whole: "4111 1111 1111 1112" must not yield a valid 12-digit tail.
_CARD = re.compile(r"(?<![\d-])(?<!\d )\d(?:[ -]?\d){12,18}(?![\d-])(?! \d)")
_SSN = re.compile(r"(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])")
_NINO = re.compile(r"\b(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b")
_MY_NUMBER = re.compile(r"(?<![\d-])(?<!\d )\d{4}[ -]?\d{4}[ -]?\d{4}(?![\d-])(?! \d)")
_PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{1,4}\)[\s.-]?)?\d{2,4}(?:[\s.-]\d{2,4}){1,4}(?![\w-])"
    r"|(?<![\w+])\+\d{8,14}(?!\w)")
_DATE_LIKE = re.compile(r"\d{4}[-./]\d{1,2}[-./]\d{1,2}|\d{1,2}[-./]\d{1,2}[-./]\d{2,4}")
_STREET = r"(?:Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|" \
    r"Crescent|Square|Sq|Highway|Hwy)\b"
_STREET_WORD = re.compile(_STREET)
_ADDRESS = re.compile(r"\b\d{1,5}[A-Za-z]?\s+(?:[A-Z][\w'’.-]*\s+){1,3}" + _STREET + r"\.?")


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _my_number_ok(digits: str) -> bool:
    # Japan's individual number: 11 digits and a check digit (weights 2..7, 2..6 from the right).
    body, check = digits[:11], int(digits[11])
    total = sum(int(d) * (n + 1 if n <= 6 else n - 5) for n, d in enumerate(reversed(body), start=1))
    rest = total % 11
    return check == (0 if rest <= 1 else 11 - rest)


def _mask_digits(text: str, keep: int) -> str:
    positions = [i for i, ch in enumerate(text) if ch.isdigit()]
    hidden = set(positions[: max(0, len(positions) - keep)])
    return "".join("*" if i in hidden else ch for i, ch in enumerate(text))


def _mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    host, _, tld = domain.rpartition(".")
    return f"{local[:1]}***@{host[:1]}***.{tld}"


def _phone_like(raw: str) -> bool:
    if not 9 <= sum(ch.isdigit() for ch in raw) <= 15 or _DATE_LIKE.fullmatch(raw):
        return False
    # Space-separated digit groups are usually years or counts, unless written like a phone number.
    return raw[0] in "+(0" or (re.search(r"\d[.-]\d", raw) is not None and len(re.findall(r"\d+", raw)) >= 3)


def _personal_data(text: str) -> list[str]:
    """Masked descriptions of what looks like personal data, e.g. 'card number “**** **** **** 1111”'."""
    found: list[tuple[int, int, str]] = []

    def take(start: int, end: int, label: str, masked: str) -> None:
        if len(found) < _MAX_FINDINGS and all(end <= a or start >= b for a, b, _ in found):
            found.append((start, end, f"{label} “{masked}”"))

    for m in _EMAIL_AT.finditer(text) if "@" in text else ():
        local = _EMAIL_LOCAL.search(text, max(0, m.start() - 64), m.start())
        if local:
            take(local.start(), m.end(), "email", _mask_email(text[local.start():m.end()]))
        if len(found) >= _MAX_FINDINGS:
            break
    for run in _DIGIT_RUN.finditer(text) if _DIGIT.search(text) else ():
        if len(found) >= _MAX_FINDINGS:
            break
        if run.end() - run.start() > _MAX_DIGIT_RUN:
            continue
        lo = max(0, run.start() - 4)  # room for "+", "(" and a national-insurance prefix
        window = text[lo:run.end() + 3]
        for m in _SSN.finditer(window):
            take(lo + m.start(), lo + m.end(), "ID number", _mask_digits(m.group(), 4))
        for m in _CARD.finditer(window):
            digits = re.sub(r"\D", "", m.group())
            if _luhn(digits) and len(set(digits)) > 1:
                take(lo + m.start(), lo + m.end(), "card number", _mask_digits(m.group(), 4))
        for m in _MY_NUMBER.finditer(window):
            if _my_number_ok(re.sub(r"\D", "", m.group())):
                take(lo + m.start(), lo + m.end(), "ID number", _mask_digits(m.group(), 4))
        for m in _NINO.finditer(window):
            take(lo + m.start(), lo + m.end(), "ID number", _mask_digits(m.group(), 0))
        for m in _PHONE.finditer(window):
            if _phone_like(m.group()):
                take(lo + m.start(), lo + m.end(), "phone number", _mask_digits(m.group(), 2))
    if _STREET_WORD.search(text):
        for m in _ADDRESS.finditer(text):
            take(m.start(), m.end(), "street address", _mask_digits(" ".join(m.group().split()), 0))
            if len(found) >= _MAX_FINDINGS:
                break
    return [label for _, _, label in sorted(found)]


# --- Snippets ------------------------------------------------------------------------------------------------
# Ready to insert. Each one is recognised by analyse() as its own ingredient (the tests hold them to it).
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

INGREDIENTS: tuple[tuple[str, str], ...] = (
    ("subject", "Subject & action"),
    ("setting", "Setting"),
    ("camera", "Camera move"),
    ("lighting", "Lighting"),
    ("style", "Style"),
    ("sound", "Sound"),
)

_MISSING = {
    "subject": 'Say who or what is on screen and what it does, e.g. "a red fox trots across fresh snow".',
    "setting": 'Say where and when, e.g. "on a rain-soaked city street at night".',
    "camera": 'Direct the camera with one move, e.g. "slow dolly left", "steady zoom-in" or "static shot".',
    "lighting": 'Name the light, its source and direction, e.g. "soft window light from the left".',
    "style": 'Name the style plainly and early, e.g. "cinematic", "anime" or "16mm documentary".',
    "sound": "Sora 2 makes sound in sync with the picture, so ask for it, "
    'e.g. "ambience: wind and distant gulls; effects: footsteps on gravel".',
}

_LONG_PROMPT_WORDS = 120
_MAX_QUOTES = 3


Span = tuple[int, int, str]  # start, end, lexicon key


def _quotes(source: str, spans: Iterable[Span], limit: int = _MAX_QUOTES) -> str:
    """'“a”, “b” and 2 more': each distinct keyword once, as the user wrote it."""
    seen: dict[str, str] = {}
    for start, end, key in spans:
        if key not in seen:
            seen[key] = one_line(source[start:end])
    shown = [f"“{q}”" for q in list(seen.values())[:limit]]
    if not shown:
        return ""
    more = len(seen) - len(shown)
    text = ", ".join(shown[:-1]) + (" and " if len(shown) > 1 and not more else ", " if more else "") + shown[-1]
    return text + (f" and {more} more" if more else "")


def _parse_size(size: str) -> tuple[int, int] | None:
    width, _, height = str(size).lower().replace("×", "x").partition("x")
    return (int(width), int(height)) if width.strip().isdigit() and height.strip().isdigit() else None


def _parse_seconds(seconds: str | int) -> int | None:
    text = str(seconds).strip()
    return int(text) if text.isdigit() and int(text) > 0 else None


def _scan(lowered: str) -> dict[str, list[Span]]:
    hits: dict[str, list[Span]] = {}
    for m in _lexicon_re().finditer(lowered):
        word = m.group()
        key = word if word.isalnum() else _key(word)
        for category in _LEXICON.get(key, ()):
            hits.setdefault(category, []).append((m.start(), m.end(), key))
    return hits


def _subject_found(lowered: str, hits: dict[str, list[Span]]) -> tuple[bool, list[Span]]:
    """(a subject besides the action?, the action spans). Heuristic: an action verb and another content word."""
    actions = hits.get("action", [])
    if not actions:
        for m in _ING.finditer(lowered):
            if m.group() not in _NOT_ACTIONS and m.group() not in _LEXICON:
                actions = [(m.start(), m.end(), m.group())]
                break
    if not actions:
        return False, []
    if len(lowered) > 200:  # a prompt this long names something; counting words would cost for nothing
        return True, actions
    action_keys = {key for _, _, key in actions}
    others = [w for w in _WORD.findall(lowered) if w not in _FILLER and w not in action_keys]
    return bool(others), actions


def _ingredients(source: str, lowered: str, hits: dict[str, list[Span]]) -> tuple[Tip, ...]:
    if not lowered.strip():
        return tuple(Tip(i, label, MISSING, _MISSING[i]) for i, label in INGREDIENTS)
    tips = []
    for ident, label in INGREDIENTS:
        if ident == "subject":
            subject, spans = _subject_found(lowered, hits)
            if subject:
                tips.append(Tip(ident, label, PRESENT, f"Action: {_quotes(source, spans, 2)}."))
            elif spans:
                tips.append(Tip(ident, label, MISSING, f"Found the action {_quotes(source, spans, 1)} but not who "
                                'does it: name the subject, e.g. "a red fox trots across fresh snow".'))
            else:
                tips.append(Tip(ident, label, MISSING, "No action found: say what the subject does, in beats, "
                                'e.g. "takes four steps, pauses, looks back".'))
            continue
        spans = hits.get(ident, [])
        if spans:
            tips.append(Tip(ident, label, PRESENT, f"Found {_quotes(source, spans)}."))
        elif ident == "camera" and hits.get("shot"):
            tips.append(Tip(ident, label, MISSING, f"Framing found ({_quotes(source, hits['shot'], 2)}) but no "
                            'camera move: add one, e.g. "slow push-in", or say "static shot".'))
        elif ident == "sound" and hits.get("silence"):
            tips.append(Tip(ident, label, MISSING, f"A silent shot ({_quotes(source, hits['silence'], 1)}) still "
                            'needs one small sound cue, e.g. "distant traffic hiss".'))
        else:
            tips.append(Tip(ident, label, MISSING, _MISSING[ident]))
    return tuple(tips)


def _duration_conflict(source: str, lowered: str, secs: int | None) -> Tip | None:
    if secs is None:
        return None
    matches = [m for m in _DURATION_DIGITS.finditer(lowered)
               if not (m.start() and (lowered[m.start() - 1].isalnum() or lowered[m.start() - 1] in ".:"))]
    if "second" in lowered or "minute" in lowered:
        matches += _DURATION_WORDS.finditer(lowered)
    bad: list[Span] = []
    for m in matches:
        number, unit, clip = m.group(1), m.group(2), m.group(3)
        if number in ("a", "an") and unit.startswith("s"):
            continue  # "a second dog": an ordinal far more often than a duration
        if unit == "s" and float(number) >= 20:
            continue  # "1970s", "90s", "her 30s": decades and ages, not seconds
        value = float(number) if number[0].isdigit() else _NUMBER_WORDS.get(number, 1)  # "a minute"
        value *= 60 if unit.startswith("m") else 1
        # A beat inside the clip ("pauses for 2 seconds") is fine; the clip's own length or a beat that
        # cannot fit is not.
        if value > secs or (clip and value != secs):
            bad.append((m.start(), m.end() - len(clip or ""), m.group().strip()))
    if not bad:
        return None
    bad.sort()
    return Tip("duration-conflict", "Duration", CONFLICT,
               f"The text says {_quotes(source, bad, 2)} but Seconds is {secs}: length is a parameter — "
               f"choose it with Seconds ({', '.join(SECONDS_ALL)}) and drop it from the text.")


def _size_conflicts(source: str, hits: dict[str, list[Span]], size: str, model: str) -> list[Tip]:
    parsed = _parse_size(size)
    if parsed is None:
        return []
    width, height = parsed
    tips = []
    wrong = [s for s in hits.get("resolution", []) if _RESOLUTION[s[2]] != min(width, height)]
    if wrong:
        bigger = " (sora-2-pro offers 1080x1920 and 1920x1080)" if "pro" not in model else ""
        tips.append(Tip("resolution-conflict", "Resolution", CONFLICT,
                        f"The text asks for {_quotes(source, wrong, 2)}, but the size sets the resolution "
                        f"({size}): drop it from the text and choose the size{bigger}."))
    if height > width and hits.get("landscape"):
        tips.append(Tip("orientation-conflict", "Orientation", CONFLICT,
                        f"The text asks for landscape 16:9 ({_quotes(source, hits['landscape'], 2)}), but the size "
                        f"is {size} (vertical): choose 1280x720, or drop it from the text."))
    elif width > height and hits.get("vertical"):
        tips.append(Tip("orientation-conflict", "Orientation", CONFLICT,
                        f"The text asks for vertical 9:16 ({_quotes(source, hits['vertical'], 2)}), but the size "
                        f"is {size} (landscape): choose 720x1280, or drop it from the text."))
    return tips


def _camera_moves_tip(source: str, lowered: str, hits: dict[str, list[Span]]) -> Tip | None:
    moves = [s for s in hits.get("camera", []) if s[2] in _CAMERA_KIND]
    if len({_CAMERA_KIND[key] for _, _, key in moves}) < 2:
        return None
    breaks = [m.start() for m in _SHOT_BREAK.finditer(lowered)]
    blocks: dict[int, list[Span]] = {}
    for span in moves:
        blocks.setdefault(bisect_right(breaks, span[0]), []).append(span)
    for spans in blocks.values():
        if len({_CAMERA_KIND[key] for _, _, key in spans}) >= 2:
            return Tip("one-camera-move", "One camera move", WARNING,
                       f"Several camera moves in one shot ({_quotes(source, spans)}): keep one move per shot, "
                       "or split the prompt into shots.")
    return None


def _dialogue(text: str, hits: dict[str, list[Span]], secs: int | None) -> list[Tip]:
    block_lines = block_words = 0
    blocks: list[tuple[int, int]] = []  # (start, end) of each Dialogue: block, in order
    for head in _DIALOGUE_HEAD.finditer(text):
        if blocks and head.start() < blocks[-1][1]:
            continue
        pos = end = head.end()
        lines = 0
        while pos <= len(text):
            stop = text.find("\n", pos)
            stop = len(text) if stop < 0 else stop
            line = text[pos:stop]
            # The block ends at a blank line, the next section, or the next "Dialogue:" (linear, not per head).
            if pos > head.end() and ((lines and not line.strip()) or _SECTION_HEAD.match(line)
                                     or _DIALOGUE_HEAD.match(line)):
                break
            if line.strip():
                lines += 1
                block_words += len(_WORD.findall(_SPEAKER.sub("", line, count=1)))
            pos = end = stop + 1
        blocks.append((head.start(), end))
        block_lines += lines
    starts = [a for a, _ in blocks]

    def outside(pos: int) -> bool:
        i = bisect_right(starts, pos) - 1
        return i < 0 or pos >= blocks[i][1]

    loose: list[re.Match[str]] = []
    if any(outside(start) for start, _, _ in hits.get("speech", [])):
        loose = [m for m in _QUOTED.finditer(text) if outside(m.start())]
    tips = []
    lines_total = block_lines + len(loose)
    words_total = block_words + sum(len(_WORD.findall(m.group())) for m in loose)
    if secs and lines_total and (lines_total > max(2, secs // 2) or words_total > secs * 3):
        tips.append(Tip("dialogue-length", "Dialogue length", WARNING,
                        f"{lines_total} line{'s' * (lines_total > 1)} of dialogue ({words_total} words) is a lot "
                        f"for {secs} s: keep about 1–2 short exchanges per 4 s, or choose a longer clip."))
    if loose:
        tips.append(Tip("dialogue-block", "Dialogue block", INFO,
                        "Put spoken lines in their own “Dialogue:” block with labelled speakers, "
                        'e.g. Dialogue: - Anna: "We made it."'))
    return tips


def _advice(source: str, text: str, lowered: str, hits: dict[str, list[Span]], present: int, *, model: str,
            size: str, secs: int | None, has_image: bool, variations: int) -> tuple[Tip, ...]:
    tips: list[Tip] = []
    empty = not lowered.strip()
    if not empty:
        duration = _duration_conflict(source, lowered, secs)
        tips += [duration] if duration else []
        tips += _size_conflicts(source, hits, size, model)
    # CJK prompts have no spaces between words: count about 8 characters as a word there.
    words = max(len(lowered.split()), len(lowered) // 8)
    if empty:
        tips.append(Tip("simple", "Start simple", INFO, "Start with one subject, one action and one place, "
                        'e.g. "a red fox trots across fresh snow at dawn", then add detail step by step.'))
    elif words > _LONG_PROMPT_WORDS:
        tips.append(Tip("simple", "Start simple", INFO, f"{words} words is a lot for a first try: start short "
                        "(one subject, one action, one place) and add detail step by step."))
    actions, sequence = hits.get("action", []), hits.get("sequence", [])
    if secs is not None and secs > 4 and (len({key for _, _, key in actions}) >= 4 or len(sequence) >= 2):
        beats = actions or sequence
        tips.append(Tip("several-actions", "Several actions", WARNING,
                        f"Several actions ({_quotes(source, beats)}) in {secs} s: short clips follow instructions "
                        "better — try two shorter clips, or one clip and an extension."))
    camera = _camera_moves_tip(source, lowered, hits)
    tips += [camera] if camera else []
    if not empty:
        tips += _dialogue(text, hits, secs)
    if hits.get("vague"):
        beats = any(key.startswith(("move", "moving")) for _, _, key in hits["vague"])
        example = ('describe the action in beats, e.g. "takes four steps, pauses, looks back"' if beats
                   else 'show it with concrete nouns and verbs, e.g. "wet asphalt, zebra crossing, neon reflections"')
        tips.append(Tip("vague", "Concrete words", INFO, f"Vague words ({_quotes(source, hits['vague'])}): {example}."))
    if present >= 3 and not hits.get("shot"):
        lens = "" if hits.get("lens") else ' and a lens or focus ("35 mm", "shallow focus")'
        tips.append(Tip("framing", "Framing", INFO,
                        f'Give the shot: framing and angle ("wide shot", "low-angle close-up"){lens}.'))
    if has_image:
        tips.append(Tip("image", "Reference image", INFO,
                        f"The image is the first frame (it must be {size}; jpeg, png or webp; no human faces): "
                        "describe what happens next, not what is already in it."))
    if variations <= 1:
        tips.append(Tip("variations", "Several takes", INFO,
                        "Make a few takes (variations) of the same prompt and keep the most natural one."))
    return tuple(tips)


def _style_of_names(text: str, lowered: str) -> list[Span]:
    if "style of" not in lowered and "manner of" not in lowered:
        return []
    names: list[Span] = []
    for m in _STYLE_OF.finditer(text):
        words: list[re.Match[str]] = []
        for word in re.finditer(r"[^\s.,;:!?]+", m.group(1)):
            if not (word.group()[:1].isupper() or (words and word.group() in _NAME_PARTICLES)):
                break
            words.append(word)
        while words and words[-1].group() in _NAME_PARTICLES:
            words.pop()
        if not words:
            continue
        start, end = m.start(1), m.start(1) + words[-1].end()
        name = " ".join(text[start:end].split())
        if _key(name) not in _LEXICON and name.lower() not in _PUBLIC_DOMAIN_ARTISTS:
            names.append((start, end, _key(name)))
            if len(names) >= _MAX_FINDINGS:
                break
    return names


def _guardrails(source: str, text: str, lowered: str, hits: dict[str, list[Span]],
                characters: Iterable[str]) -> tuple[Tip, ...]:
    tips: list[Tip] = []
    if hits.get("character"):
        tips.append(Tip("rights-character", "Famous character", WARNING,
                        f"Names a well-known character ({_quotes(source, hits['character'])}): these are refused "
                        "or infringe someone's rights — describe an original character instead."))
    if hits.get("person"):
        tips.append(Tip("rights-person", "Real person", WARNING,
                        f"Names a real person ({_quotes(source, hits['person'])}): do not depict real people "
                        "without their consent — describe a fictional person, or use their own cameo."))
    styles = hits.get("studio", []) + _style_of_names(text, lowered)
    if styles:
        tips.append(Tip("rights-style", "Borrowed style", WARNING,
                        f"Borrows the style of {_quotes(source, styles)}: describe the look in your own words "
                        '(e.g. "hand-drawn 2D animation, soft pastel palette") rather than naming a studio or '
                        "living artist."))
    personal = _personal_data(text)
    if personal:
        shown = ", ".join(personal[:_MAX_QUOTES]) + (f" and {len(personal) - _MAX_QUOTES} more"
                                                      if len(personal) > _MAX_QUOTES else "")
        tips.append(Tip("personal-data", "Personal data", WARNING,
                        f"Looks like personal data ({shown}): remove it — the prompt is sent to the server and "
                        "kept in your history."))
    # Cameo characters the caller knows were created with consent; their names must appear verbatim.
    used: list[str] = []
    near: list[tuple[str, str]] = []
    known: set[str] = set()
    for name in dict.fromkeys(n.strip() for n in characters):
        if not name:
            continue
        known |= {name.lower(), name.lower().removeprefix("@")}
        pattern = r"(?<!\w)" + re.escape(name) + r"(?!\w)"
        if re.search(pattern, text):
            used.append(name)
        elif found := re.search(pattern, text, re.IGNORECASE):
            near.append((name, found.group()))
    cameo = [s for s in hits.get("cameo", []) if not used] + hits.get("self", [])
    for m in _MENTION.finditer(source) if "@" in source else ():
        if m.group().lower() not in known and m.group().lower()[1:] not in known:
            cameo.append((m.start(), m.end(), m.group().lower()))
            if len(cameo) >= _MAX_FINDINGS:
                break
    if cameo:
        cameo.sort()
        tips.append(Tip("cameo", "Cameo consent", WARNING,
                        f"Uses a face or voice ({_quotes(source, cameo)}): use a person's likeness only with their "
                        "confirmed consent, through a cameo they created."))
    if used:
        names = ", ".join(f"“{one_line(n)}”" for n in used)
        tips.append(Tip("cameo-character", "Cameo character", INFO,
                        f"Cameo character {names} used — consent was confirmed when it was created."))
    if near:
        tips.append(Tip("cameo-verbatim", "Cameo name", WARNING,
                        f"Write the cameo name exactly as “{one_line(near[0][0])}” "
                        f"(the text has “{one_line(near[0][1])}”), or it will not be recognised."))
    tips.append(Tip("publishing", "Before publishing", INFO,
                    "Review every video before using it, label published videos as AI-generated, and check "
                    "that your plan allows commercial use."))
    return tuple(tips)


def analyse(prompt: str, *, model: str = DEFAULT_MODEL, size: str = DEFAULT_SIZE,
            seconds: str | int = DEFAULT_SECONDS, has_image: bool = False, variations: int = 1,
            characters: Iterable[str] = ()) -> TipsReport:
    """The composer's checklist for `prompt` with these parameters.

    `characters`: names of cameo characters the user may use (consent confirmed when each was created).
    Cheap enough to run on every keystroke: one regex scan of the prompt plus a few targeted ones.
    """
    text = unicodedata.normalize("NFC", prompt or "")
    lowered = text.lower()
    # Quotes come from the user's own spelling, unless lowercasing changed the length (e.g. "İ").
    source = text if len(lowered) == len(text) else lowered
    hits = _scan(lowered)
    ingredients = _ingredients(source, lowered, hits)
    present = sum(t.state == PRESENT for t in ingredients)
    advice = _advice(source, text, lowered, hits, present, model=model, size=size,
                     secs=_parse_seconds(seconds), has_image=has_image, variations=variations)
    guardrails = _guardrails(source, text, lowered, hits, characters)
    return TipsReport(ingredients, advice, guardrails)
