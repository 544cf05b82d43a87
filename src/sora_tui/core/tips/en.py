"""The English lexicon: keywords by category, read with word boundaries (one trie-shaped regex, one pass)."""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Iterable

from .lexicon import Span, group_hits, matches, trie_pattern
from .lexicon import split as _split

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
        "fantasy|horror|time-lapse|hyperlapse|slow motion|slow-mo|cg|3dcg|3d cg|2d|3d"
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
    "sigh|sighs|gasps|scream|screams|bgm|asmr"
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


# Run on the lowercased prompt, so no IGNORECASE: the engine's literal fast path stays on.
@functools.cache
def _lexicon_re() -> re.Pattern[str]:
    """Compiled on first use, not at import: building it takes ~40 ms, which the TUI's first frame should not wait
    for (the tips panel reads the prompt only after the screen is drawn)."""
    # The word boundary before a keyword is checked after its first letter, as a lookbehind: a pattern that starts
    # with a letter lets the engine skip ahead (a leading \b made it try every position, and a Japanese prompt's
    # view, blanked to spaces, cost 1.6 ms at 32,000 characters instead of 0.3).
    return re.compile("(" + trie_pattern(_SPELLINGS, after_first=r"(?<!\w.)") + r"\b)")  # one group: see matches()


def prepare() -> None:
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


def scan(view: str) -> dict[str, list[Span]]:
    """Where each category's keywords are in `view` (the lowercased prompt, Japanese blanked out)."""
    keywords = matches(_lexicon_re(), view)
    # One pass, so no overlaps: each distinct spelling's key (for "golden hour", a regex substitution) and
    # categories are worked out once.
    return group_hits([keywords], _entry) if keywords else {}


def _entry(word: str) -> tuple[str, Collection[str]]:
    key = word if word.isalnum() else _key(word)
    return key, _LEXICON.get(key, ())


def subject(view: str, hits: dict[str, list[Span]]) -> tuple[bool, list[Span]]:
    """(a subject besides the action?, the action spans). Heuristic: an action verb and another content word."""
    actions = hits.get("action", [])
    if not actions:
        for m in _ING.finditer(view):
            if m.group() not in _NOT_ACTIONS and m.group() not in _LEXICON:
                actions = [(m.start(), m.end(), m.group())]
                break
    if not actions:
        return False, []
    if len(view) > 200:  # a prompt this long names something; counting words would cost for nothing
        return True, actions
    action_keys = {key for _, _, key in actions}
    others = [w for w in _WORD.findall(view) if w not in _FILLER and w not in action_keys]
    return bool(others), actions


def known(name: str) -> bool:
    """Whether `name` is one of the lexicon's keywords (a style-of name the rights tip already names)."""
    return _key(name) in _LEXICON


_WORD = re.compile(r"\w+")
CAMERA_KIND = _CAMERA_KIND
RESOLUTION = _RESOLUTION
