"""Small word lists behind the lightweight fallbacks of the style features.

They are deliberately short and hand-made (not LIWC, not Empath, not VADER's lexicon): enough
for the fallbacks to move in the right direction on ordinary chat text. Words are lower case.
"""
from __future__ import annotations

FUNCTION_WORDS = frozenset("""
a an the this that these those some any each every no all both either neither
i me my mine myself you your yours yourself he him his himself she her hers herself it its itself
we us our ours ourselves they them their theirs themselves who whom whose which what
am is are was were be been being have has had having do does did doing will would shall should
can could may might must
and but or nor so yet for if then than because as while although though unless until since
of in on at by to from with without about into onto over under above below between through
during before after up down out off again further here there when where why how
not very too just only also even still much many more most few less such own same other
""".split())
"""English function words: articles, pronouns, auxiliaries, conjunctions, prepositions, adverbs."""

SOCIAL_WORDS = frozenset("""
friend friends family mom dad mother father brother sister son daughter wife husband partner
people person someone everyone anybody somebody team together talk talked talking tell told say
said ask asked share shared meet met call called chat help helped thanks thank love loved
we us our you your they them he she him her party community neighbor neighbours neighbors
""".split())
"""Social processes: people, relationships, communication (a LIWC-style 'social' category)."""

COGNITIVE_WORDS = frozenset("""
think thought thinking know knew known believe believed understand understood realize realized
consider considered because cause reason why how maybe perhaps probably possibly guess wonder
decide decided question answer mean meant idea ideas figure learn learned remember forget
should would could if whether therefore thus hence however although unless clearly certainly
""".split())
"""Cognitive processes: insight, causation, tentativeness, certainty."""

AFFECT_WORDS = frozenset("""
happy happier glad joy fun love lovely like liked nice great good awesome amazing wonderful
excited exciting hope hoped proud calm relaxed grateful thankful
sad unhappy angry mad upset hate hated awful terrible bad worse worst afraid scared fear
worried worry anxious nervous stress stressed hurt cry cried lonely bored annoying annoyed
""".split())
"""Affective processes: positive and negative emotion words."""

SENTIMENT_VALENCE: dict[str, float] = {
    # positive, on VADER's −4..4 scale
    "good": 1.9, "great": 3.1, "nice": 1.8, "love": 3.2, "loved": 2.9, "like": 1.5, "liked": 1.8,
    "happy": 2.7, "glad": 2.0, "fun": 2.3, "awesome": 3.1, "amazing": 2.8, "wonderful": 2.7,
    "excellent": 2.7, "best": 3.2, "better": 1.9, "thanks": 1.9, "thank": 1.5, "cool": 1.3,
    "enjoy": 2.2, "enjoyed": 2.3, "excited": 1.4, "hope": 1.9, "beautiful": 2.9, "perfect": 2.7,
    "yes": 1.7, "sure": 1.3, "helpful": 1.8, "interesting": 1.7, "fine": 0.8, "calm": 1.3,
    # negative
    "bad": -2.5, "terrible": -2.1, "awful": -2.0, "hate": -2.7, "hated": -3.2, "sad": -2.1,
    "angry": -2.3, "upset": -1.6, "worse": -2.1, "worst": -3.1, "boring": -1.3, "bored": -1.1,
    "annoying": -1.7, "annoyed": -1.6, "afraid": -2.0, "scared": -1.9, "worried": -1.2,
    "stress": -1.8, "stressed": -1.4, "hurt": -2.4, "lonely": -1.5, "wrong": -2.1, "sorry": -0.3,
    "problem": -1.7, "difficult": -1.5, "tired": -1.9, "sick": -2.4, "no": -1.2, "fail": -2.5,
}
"""A small valence lexicon on VADER's scale (values in the spirit of VADER's, not copied from it)."""

NEGATIONS = frozenset("not no never none nobody nothing neither nor cannot can't don't doesn't didn't "
                      "isn't aren't wasn't weren't won't wouldn't shouldn't couldn't hardly".split())

INFORMAL_WORDS = frozenset("""
lol lmao haha hahaha hehe omg btw idk imo tbh brb thx ty pls plz ya yah yeah yep yup nope nah
gonna wanna gotta kinda sorta dunno lemme gimme ok okay k hey hi yo sup cool dude bro u ur r
wow oh ooh ugh hmm huh meh yay awww aww
""".split())
"""Chat markers of an informal register: slang, interjections, abbreviations."""
