"""Reported speech: a speaker's words as the third-person sentence a worker writes, and the check that
such a sentence says nothing its evidence does not.

``report`` rewrites one span with rules over spaCy's dependency parse (not over
example sentences): the client's first person becomes the client's pronouns, the
client's "you" the worker, the worker's "I" the worker and "you" the client;
the finite verb of a rewritten subject agrees with it; tense is kept; fillers,
false starts and repeated words are dropped. ``unfaithful`` lists the content
words, numbers and negations of a sentence that are not in its evidence (compared
as lemmas), apart from the declared ``TEMPLATE_VOCABULARY``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from contextvars import ContextVar
from dataclasses import dataclass

from scribe.core.errors import ModelError

#: Words a generated sentence may add to its evidence: the frames ("Client reported that ..."),
#: the roles and the names of the note's categories. Everything else must be in the evidence.
TEMPLATE_VOCABULARY = frozenset(
    [
        "client",
        "worker",
        "participant",
        "another",
        "other",
        "report",
        "state",
        "say",
        "deny",
        "denial",
        "goal",
        "rate",
        "answer",
        "ask",
        "use",
        "provide",
        "plan",
        "task",
        "also",
        "will",
        "would",
        "session",
        "question",
        "when",
        "screen",
        "scale",
        "risk",
        "current",
        "past",
        "hypothetical",
        "concern",
        "person",
        "decide",
        "document",
        "response",
        "appointment",
        "next",
        "referral",
        "follow",
        "up",
        "homework",
        "intervention",
        "observe",
        "observed",
        "note",
        "possible",
        "partial",
        # the risk section's line on lethal means at hand
        "access",
        "lethal",
        "means",
    ]
)
#: Negations: a sentence may only carry one when its evidence does.
NEGATIONS = frozenset(
    ("not", "n't", "no", "never", "nothing", "none", "nobody", "neither", "nor", "without", "cannot")
)
#: Talk that carries no content in a note: hesitations and discourse openers.
FILLERS = re.compile(
    # a word in capitals is an abbreviation ("the ER"), never a hesitation
    r"(?i)\b(?!(?-i:[A-Z]{2,})\b)(?:u+m+|u+h+|uhm|e+r+m*|hmm+|mm+|you know|i mean|honestly|actually|basically|literally|i guess|kinda|sorta|"
    # hedges that soften, not qualify ("it's kind of hard"); "what kind of job" keeps its noun
    r"(?<!\bthe )(?<!\ba )(?<!\bwhat )(?<!\bthis )(?<!\bthat )(?:kind|sort) of)\b[,.]?\s*"
    # "like" set off by commas is a pause ("it's, like, really bad"); "like a six" keeps it
    r"|,\s*like,(?=\s)"
)
FALSE_START = re.compile(r"(?i)\b(\w+)-\s+(?=\w)")
#: Digits said as words repeat on purpose ("nine eight eight", "five five five, two one two").
_NOT_A_DIGIT = r"(?!(?:zero|oh|one|two|three|four|five|six|seven|eight|nine|\d+)\b)"
REPEAT = re.compile(rf"(?i)\b{_NOT_A_DIGIT}(\w[\w']*)(?:[,]?\s+\1\b)+")
#: A phrase of up to four words said again, after a comma or straight on once a filler between
#: them is gone: the speaker starting over ("she's, she's a saint", "he does not, he does not
#: know", "I'll, like, I'll skip dinner").
RESTART = re.compile(rf"(?i)\b{_NOT_A_DIGIT}(\w[\w']*(?:\s+\w[\w']*){{0,3}}),?\s+(\1)\b")
#: Words that open a turn without adding to it ("So, ...", "Honestly, ...", "Okay, I will ...").
OPENERS = frozenset(
    (
        "so",
        "well",
        "okay",
        "ok",
        "yeah",
        "yes",
        "honestly",
        "and",
        "but",
        "oh",
        "like",
        "right",
        "alright",
        "now",
        "then",
        # typed
        "ye",
        "yea",
        "yep",
        "k",
        "tbh",
        "ngl",
    )
)


@dataclass(frozen=True)
class Pronouns:
    """How a note refers to the client: subject, object, possessive, reflexive; ``plural`` verbs for they."""

    subject: str = "they"
    object: str = "them"
    possessive: str = "their"
    reflexive: str = "themselves"
    plural: bool = True

    @classmethod
    def parse(cls, spec: str) -> Pronouns:
        """ "she/her", "he/him" or "they/them" (anything else: they)."""
        first = (spec or "").lower().split("/")[0].strip()
        if first == "she":
            return cls("she", "her", "her", "herself", False)
        if first == "he":
            return cls("he", "him", "his", "himself", False)
        return cls()


@functools.cache
def nlp():
    """spaCy's English pipeline with its parser and lemmatizer (the package the tagger loads), once."""
    # Imported here: spaCy takes seconds to load, which the quotes style never needs.
    import spacy

    from pipelines.tagger import SPACY_MODELS
    from pipelines.typed import add_typed_shorthand

    for name in SPACY_MODELS:
        try:
            return add_typed_shorthand(spacy.load(name, exclude=["ner"]))
        except OSError:
            continue
    raise ModelError("The English spaCy model is not installed. Run scripts/setup.sh, or use --style quotes.")


@functools.lru_cache(maxsize=8192)
def parse(text: str):
    """``text`` parsed once per process: a draft reads the same turn for goals, plans, risk and
    techniques, and the desk redrafts after every edit. The Doc is shared: read it, never change it."""
    return nlp()(text)


#: A one-word sentence that only acknowledges ("Good.", "Okay.", "Thanks.") before the content.
ACKNOWLEDGEMENT = re.compile(
    r"(?i)^(?:(?:good|great|okay|ok|sure|right|alright|yeah|yes|thanks|well|so)[.!,]\s+)+"
)


#: A speaker taking back what they just said, as dictation does ("Visit was on Wednesday, scratch
#: that, it was Tuesday", "bed fourteen, correction, bed sixteen"), with the apology around it.
_TAKEN_BACK = re.compile(
    r"(?i)(?:[,\u2014-]\s*(?:no|sorry|um|uh)\b)*[,\u2014-]\s*(?:sorry,?\s*)?"
    r"(?:scratch that(?: last bit)?|strike that(?: last bit)?|correction|let me correct that)\s*(?:[,:.\u2014-]+\s*|$)"
)
#: Where a phrase ends: a comma, semicolon, colon, dash or full stop (not a title's: "Dr.").
_PHRASE_END = re.compile(r"[,;:\u2014]|(?<!\bDr)(?<!\bMr)(?<!\bMs)(?<!\bMrs)(?<!\bSt)\.")
#: Words too slight to be what a correction takes back: the clause before them is.
_SLIGHT = re.compile(r"(?i)^\W*(?:but|and|or|so|no|sorry|um|uh|well|like)?\W*$")


def without_taken_back(text: str) -> str:
    """``text`` without what its speaker took back: the comma-separated phrase before "scratch
    that" or ", correction," (the one before it too when that phrase is a bare "but" or "sorry"),
    and the words of taking it back."""
    while (cue := _TAKEN_BACK.search(text)) is not None:
        start = cue.start()
        for _ in range(2):
            cut = max((m.start() for m in _PHRASE_END.finditer(text, 0, start)), default=-1)
            phrase = text[cut + 1 : start]
            start = cut + 1 if cut >= 0 else 0
            if not _SLIGHT.match(phrase):
                break
            start = max(cut, 0)
        left, rest = text[:start].rstrip(), text[cue.end() :].lstrip()
        if not left or left.endswith("."):  # what is left starts a sentence
            rest = rest[:1].upper() + rest[1:]
        text = f"{left} {rest}".strip()
    return text


def clean(text: str) -> str:
    """The words without fillers, false starts ("I- I", "she's, she's"), opening acknowledgements, words said twice in a row and what the speaker took back."""
    text = without_taken_back(text)
    # a tag question left out ("for a bit, you know?") takes its question mark with it
    text = ACKNOWLEDGEMENT.sub("", re.sub(r",\s*\?", "", FILLERS.sub("", text)).strip())
    text = FALSE_START.sub("", text)
    text = without_restarts(REPEAT.sub(r"\1", text))
    return re.sub(r"\s+", " ", text).strip(" ,")


def without_restarts(text: str) -> str:
    """``text`` with each phrase said again after a comma said once (``RESTART``)."""
    previous = None
    while previous != text:
        previous, text = text, RESTART.sub(r"\1", text)
    return text


_BE = {("am", False): "is", ("am", True): "are", ("'m", False): "is", ("'m", True): "are",
       ("was", False): "was", ("was", True): "were", ("are", False): "is", ("are", True): "are",
       ("were", False): "was", ("were", True): "were", ("'re", False): "is", ("'re", True): "are"}  # fmt: skip
_HAVE = {"have": "has", "'ve": "has"}
_DO = {"do": "does"}


def _third_singular(verb: str) -> str:
    low = verb.lower()
    if low in _HAVE:
        return "has"
    if low in _DO:
        return "does"
    if re.search(r"(s|sh|ch|x|z|o)$", low):
        return verb + "es"
    if re.search(r"[^aeiou]y$", low):
        return verb[:-1] + "ies"
    return verb + "s"


#: Spoken forms that fuse a verb with what follows it: reported in full words ("I wanna" -> "he
#: wants to", "I dunno" -> "she does not know"), which the words of the evidence then support.
COLLOQUIAL: dict[str, tuple[tuple[str, str], frozenset[str]]] = {
    "wanna": (("wants to", "want to"), frozenset({"want", "to"})),
    "dunno": (("does not know", "do not know"), frozenset({"do", "not", "know"})),
    "tryna": (("is trying to", "are trying to"), frozenset({"be", "try", "trying", "to"})),
}


#: Clitics typed without their apostrophe, split off by the tokenizer ("im", "ive", "dont", "ill").
TYPED_CLITICS = {"m": "'m", "ve": "'ve", "re": "'re", "ll": "'ll", "d": "'d", "nt": "n't"}


def _spelled(tok) -> str:
    """``tok`` in lower case, a clitic typed without its apostrophe ("dont") spelled with it."""
    low = tok.lower_
    if low in TYPED_CLITICS and tok.i and not tok.doc[tok.i - 1].whitespace_:
        return TYPED_CLITICS[low]
    return low


def _agree(tok, plural: bool) -> str:
    """``tok``, a finite verb whose subject became third person, made to agree with it."""
    low = _spelled(tok)
    if low in COLLOQUIAL:
        return COLLOQUIAL[low][0][plural]
    if (low, plural) in _BE:
        return _BE[(low, plural)]
    if low == "'ve":
        return "have" if plural else "has"
    if low == "'d":  # "I'd (already) been": had; "I'd (never) go": would
        nxt = next((t for t in tok.doc[tok.i + 1 :] if t.pos_ != "ADV"), None)
        return "had" if nxt is not None and nxt.tag_ == "VBN" else "would"
    if low == "'ll":
        return "will"
    if low == "ca":
        return "can"
    if low == "ai":  # "ain't"
        return "are" if plural else "is"
    if low == "wo":
        return "will"
    if not plural and tok.tag_ == "VBP" and low not in PARTICIPLES:
        return _third_singular(tok.text)
    return tok.text


#: Participles said without their auxiliary ("I been trying", "I seen it"): no present tense to agree.
PARTICIPLES = frozenset(("been", "being", "seen", "done", "gone", "gotten", "taken", "given", "known"))


def _aint(tok) -> str:
    """The "ai" of "ain't" as the verb its subject takes ("it ain't" -> "is", "they ain't" -> "are")."""
    subj = next(
        (c for c in (*tok.children, *tok.head.children) if c.dep_ in ("nsubj", "nsubjpass", "expl")), None
    )
    plural = subj is not None and (
        subj.lower_ in ("they", "we", "you", "these", "those") or subj.tag_ == "NNS"
    )
    return "are" if plural else "is"


def _finite_of(subject) -> list:
    """The finite verb a subject agrees with: the first auxiliary of its head, else the head."""
    head = subject.head
    # the first auxiliary, before the subject in a question ("how ready are you to ...")
    auxes = [c for c in head.children if c.dep_ in ("aux", "auxpass") and c.tag_ != "TO"]
    if auxes:
        return [auxes[0]]
    if not (head.pos_ in ("VERB", "AUX") and head.tag_ in ("VBP", "VBD", "VBZ", "MD")):
        return []
    # verbs joined to it that share its subject ("you get up, put your music on and text Lupe")
    shared = [
        c
        for c in head.subtree
        if c.dep_ == "conj"
        and c.tag_ == head.tag_
        and not any(d.dep_ in ("nsubj", "nsubjpass") for d in c.children)
    ]
    return [head, *shared]


#: Words that open a sentence as its time, never as the person it is said to.
TIME_OPENERS = frozenset(
    ("today", "tonight", "tomorrow", "yesterday", "now", "later", "first", "next", "then", "afterwards",
     "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "weekends", "mornings",
     "evenings", "nights", "meanwhile", "also", "finally", "lastly", "second", "third")
)  # fmt: skip


#: "You" that means anyone: "on your own", "what you call a drink", "you never know".
_ANYONE = re.compile(r"(?i)\b(?:(?:on|by) your own|what you (?:call|mean by)|you never know|you can't win)\b")


def generic_you(text: str) -> bool:
    """Whether a client's sentence says "you" of anyone, not of the worker ("On your own at night,
    you think things.", "You get used to it."): a set phrase, or "you" the subject of a present-tense
    verb in a statement that says nothing of the speaker or the listener's past."""
    if _ANYONE.search(text):
        return True
    doc = parse(text)
    if text.rstrip().endswith("?"):
        return False
    if any(t.lower_ in ("you", "your") and _told_by_another(t) for t in doc):
        return True
    if any(t.lower_ in ("i", "me", "my", "myself") for t in doc):
        return False
    return any(
        t.lower_ == "you"
        and t.dep_ == "nsubj"
        and t.head.tag_ == "VBP"
        and t.head.lemma_ not in ("be", "know", "mean", "see", "want", "need", "have")
        for t in doc
    )


#: Subjects that are neither the speaker nor the listener.
_NOT_US = frozenset(("i", "you", "we"))


def _told_by_another(you) -> bool:
    """Whether ``you`` is said by someone else than the speaker, to them ("Coach said you gotta
    have C's", "they said we're reducing your dose"), or done to anyone by someone else
    ("security move you on at six", "nobody tells you that"): not the worker."""
    head = you.head
    subject = next((c for c in head.children if c.dep_ in ("nsubj", "nsubjpass")), None)
    if (
        you.dep_ in ("dobj", "dative")
        and head.tag_ in ("VBP", "VBZ")
        and subject is not None
        and subject.lower_ not in _NOT_US
    ):
        return True
    for verb in you.ancestors:
        subject = next((c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")), None)
        if (
            verb.lemma_ in ("say", "tell", "ask", "write", "text")
            and verb.i < you.i
            and subject is not None
            and subject.lower_ not in _NOT_US
        ):
            return True
    return False


#: What a transcript marks besides words, in brackets: "(pause)", "(laughs)", "[crying]", "(holds up
#: right hand)". Reported speech tells what was said: these are left out of it (a quote keeps them).
NON_SPEECH = re.compile(
    r"\s*[\(\[](?:long |short |brief )?(?:pause[sd]?|silence|laugh(?:s|ing|ter)?|chuckl\w*|giggl\w*|"
    r"cr(?:y|ies|ying)|sob(?:s|bing)?|sigh(?:s|ing)?|tear(?:s|ful)[^)\]]{0,20}|inaudible|unclear|crosstalk|"
    r"cough(?:s|ing)?|sniff\w*|nods?|shrugs?|(?:holds|points|gestures|shows|looks)\b[^()\[\]]{0,30})[\)\]]",
    re.I,
)


#: Question words that open an embedded question ("asked how safe she feels").
_WH = frozenset(("how", "what", "when", "where", "who", "why", "which", "whose"))
#: Helper verbs a direct question puts before its subject.
_FRONTED = frozenset(
    ("is", "are", "was", "were", "does", "do", "did", "has", "have", "had", "would", "could", "can", "will", "should",
     "might", "may", "must", "shall")
)  # fmt: skip


#: Past forms of the common verbs that do not take "-ed".
_IRREGULAR_PAST = {
    "be": "was", "begin": "began", "bring": "brought", "buy": "bought", "come": "came", "do": "did",
    "drink": "drank", "drive": "drove", "eat": "ate", "fall": "fell", "feel": "felt", "find": "found",
    "get": "got", "give": "gave", "go": "went", "have": "had", "hear": "heard", "hit": "hit", "hurt": "hurt",
    "keep": "kept", "know": "knew", "leave": "left", "let": "let", "lose": "lost", "make": "made",
    "meet": "met", "pay": "paid", "put": "put", "run": "ran", "say": "said", "see": "saw", "sell": "sold",
    "send": "sent", "sit": "sat", "sleep": "slept", "speak": "spoke", "spend": "spent", "stand": "stood",
    "take": "took", "tell": "told", "think": "thought", "throw": "threw", "wake": "woke", "write": "wrote",
}  # fmt: skip


def _past(verb: str) -> str | None:
    """The simple past of a base-form verb, or None where spelling leaves it unsure ("stop": one
    syllable ending consonant-vowel-consonant doubles its last letter, "visit" does not)."""
    low = verb.lower()
    if low in _IRREGULAR_PAST:
        return _IRREGULAR_PAST[low]
    if low.endswith("e"):
        return verb + "d"
    if re.search(r"[^aeiou]y$", low):
        return verb[:-1] + "ied"
    if re.search(r"[^aeiou][aeiou][^aeiouwxy]$", low):
        return None if len(re.findall(r"[aeiouy]+", low)) == 1 else verb + "ed"
    return verb + "ed"


def embedded(question: str) -> str:
    """A wh-question in the word order of a reported one: "how safe does the client feel tonight"
    -> "how safe the client feels tonight", "when did she last eat" -> "when she last ate". A
    question whose wh-word is its subject ("what has been helping"), or one the parse or the
    verb's spelling does not make plain, is left as it is."""
    doc = parse(question)
    if not len(doc) or doc[0].lower_ not in _WH:
        return question
    aux = next((t for t in doc[1:7] if t.lower_ in _FRONTED and t.pos_ == "AUX"), None)
    if aux is None or any(t.is_punct for t in doc[: aux.i]):
        return question
    subject = next(
        (t for t in doc if t.dep_ in ("nsubj", "nsubjpass", "expl") and t.left_edge.i == aux.i + 1), None
    )
    if subject is None:
        return question
    # the subject's whole phrase goes before a helper verb ("how bad have the fights at home been");
    # a copula's place stays after it ("where is Lily's dad in all this")
    end = subject.right_edge.i + 1 if aux.dep_ in ("aux", "auxpass") else subject.i + 1
    before, subj = doc[: aux.i].text, doc[aux.i + 1 : end].text
    rest = doc[end:]
    if aux.lower_ in ("does", "do", "did"):
        # the verb, after any adverbs ("when does Malik usually get home")
        at = next((k for k, t in enumerate(rest) if t.pos_ != "ADV"), len(rest))
        verb = (
            rest[at]
            if at < len(rest) and rest[at].pos_ == "VERB" and rest[at].tag_ in ("VB", "VBP")
            else None
        )
        if verb is None:
            return question
        said = {"does": _third_singular(verb.text), "did": _past(verb.text)}.get(aux.lower_, verb.text)
        if said is None:
            return question
        return _joined(before, subj, rest[:at].text, said, rest[at + 1 :].text)
    return _joined(before, subj, aux.text, rest.text)


def _joined(*parts: str) -> str:
    text = re.sub(r"\s+", " ", " ".join(parts)).strip()
    return re.sub(r"\s+([,.;:?!])", r"\1", text)


def report(
    text: str,
    role: str | None,
    pronouns: Pronouns,
    *,
    name_subject: bool = False,
    you: str = "",
    we: str = "",
) -> str:
    """``text`` said by ``role`` in the third person, without a trailing stop (tense kept).

    The client's I/me/my become ``pronouns`` (the first subject "Client" with
    ``name_subject``), the client's "you" becomes the worker; the worker's I/me/my
    become the worker and "you"/"your" the client. Others' words keep their persons
    except "you" (said to the worker). ``you`` names whom a client or another participant
    addresses when it is not the worker ("the client", "Darren"). ``we`` names whom the
    worker's "we" as a subject means ("the worker and client" in a plan: "we'll meet again on
    Tuesday"). A request ("could you write it down?") keeps its question form; see ``as_task``.
    """
    # "sometimes he — (pause) — sometimes he gives ..." keeps one dash
    doc = parse(clean(re.sub(r"([\u2014\u2013])\s*[\u2014\u2013]", r"\1", NON_SPEECH.sub("", text))))
    client_speaks = role != "worker"
    # When the speaker talks of someone by the pronouns the client is given ("I'm carrying her down
    # the stairs", said by a woman of her baby), the client is named instead: "the client is
    # carrying her", never "she is carrying her".
    theirs = {pronouns.subject, pronouns.object, pronouns.possessive, pronouns.reflexive}
    ambiguous = role in ("client", "other") and any(
        t.lower_ in theirs for t in doc if t.lower_ not in ("i", "me", "my", "mine", "myself")
    )
    out: list[str] = []
    named = False
    agree: dict[int, bool] = {}  # token index -> plural
    for tok in doc:
        low = tok.lower_
        if we and not client_speaks and tok.dep_ in ("nsubj", "nsubjpass") and low == "we":
            for verb in _finite_of(tok):
                agree[verb.i] = True
        if tok.dep_ in ("nsubj", "nsubjpass") and low in ("i", "you"):
            third = (low == "i" and client_speaks and role in ("client", "other")) or (
                low == "you" and not client_speaks
            )
            worker = (low == "i" and not client_speaks) or (low == "you" and client_speaks)
            if third or worker:
                # only a pronoun "they" takes a plural verb; "the client" and "the worker" are singular
                plural = pronouns.plural and third and low == "i" and not name_subject and not ambiguous
                for verb in _finite_of(tok):
                    agree[verb.i] = plural
    opening = 0  # discourse openers at the start ("And then", "So,", "Okay,") are left out
    while opening < len(doc) - 2 and (doc[opening].lower_ in OPENERS or (opening and doc[opening].is_punct)):
        opening += 1
    # a worker who names the person first ("Emiko, you'll tour Maple Grove") means that person by "you"
    addressee = ""
    comma = next((t.i for t in doc[opening : opening + 4] if t.text == ","), None)
    if (
        not client_speaks
        and comma is not None
        and comma > opening
        and all(
            (
                (t.text[:1].isupper() and t.is_alpha and not t.is_stop)
                or t.text in ("Mr.", "Mrs.", "Ms.", "Dr.")
            )
            # "Tonight, you'll call Susan", "Saturday, Gary takes the rifle": a time, not a person
            and t.ent_type_ not in ("DATE", "TIME")
            and t.lower_ not in TIME_OPENERS
            for t in doc[opening:comma]
        )
        # a name said to someone who is then not "you" ("Priya, Tuesday at four-thirty") stays
        and any(t.lower_ in ("you", "your", "yours", "yourself") for t in doc[comma:])
    ):
        addressee = doc[opening:comma].text
        opening = comma + 1
    elif client_speaks:
        # a client or another participant calling someone by name: "Danny, you have the kids", "It
        # wasn't a maybe, Darren." (a greeting's "Hi, you must be ..." names no one)
        addressee = next((t.text for t in doc if _calls(t)), "")
    quoted_words = inside_quotes(doc)
    renamed = False
    for tok in doc:
        low, ws = _spelled(tok), tok.whitespace_
        if tok.i < opening:
            continue
        word = tok.text
        if tok.i in quoted_words:  # someone's words quoted: their "I" and "you" are theirs
            out.append(word + ws)
            continue
        if role in ("client", "other") and low in ("i", "me", "my", "mine", "myself"):
            if low == "i" and name_subject and not named:
                word, named = "Client", True
            elif ambiguous and low != "myself":
                # the speaker named: the client, or another participant speaking of someone else
                who = "the client" if role == "client" else "the participant"
                word = f"{who}'s" if low in ("my", "mine") else who
            else:
                word = {"i": pronouns.subject, "me": pronouns.object, "my": pronouns.possessive,
                        "mine": pronouns.possessive, "myself": pronouns.reflexive}[low]  # fmt: skip
        elif client_speaks and low in ("you", "your", "yours", "yourself"):
            whom = addressee or you or "the worker"
            word = {"you": whom, "your": f"{whom}'s", "yours": f"{whom}'s", "yourself": whom}[low]
        elif not client_speaks and low in ("i", "me", "my", "mine", "myself"):
            word = {"my": "the worker's", "mine": "the worker's"}.get(low, "the worker")
        elif we and not client_speaks and low == "we" and tok.dep_ in ("nsubj", "nsubjpass"):
            word = we
        elif addressee and low in ("you", "your", "yours", "yourself"):
            word = {"your": f"{addressee}'s", "yours": f"{addressee}'s"}.get(low, addressee)
        elif not client_speaks and low in ("you", "your", "yours", "yourself"):
            if low == "you" and tok.i + 1 < len(doc) and doc[tok.i + 1].lower_ in ("both", "all", "two"):
                # "you both", "you all": the worker speaks to more than the client ("you two": "the two")
                subject = tok.dep_ in ("nsubj", "nsubjpass")
                word = "the" if doc[tok.i + 1].lower_ == "two" else "they" if subject else "them"
            elif low == "you" and tok.dep_ in ("nsubj", "nsubjpass"):
                word = "the client"
            else:
                word = {"you": pronouns.object, "your": pronouns.possessive, "yours": pronouns.possessive,
                        "yourself": pronouns.reflexive}[low]  # fmt: skip
        elif tok.i in agree:
            word = _agree(tok, agree[tok.i])
        elif renamed and low in ("'m", "'re", "'ve", "'d", "'ll"):
            word = _agree(tok, False)  # "the client'd never hurt him": spelled in full after a name
        elif low in ("ca", "wo", "sha", "ai") and tok.i + 1 < len(doc) and doc[tok.i + 1].lower_ == "n't":
            word = {"ca": "can", "wo": "will", "sha": "shall", "ai": _aint(tok)}[low]
        elif low == "n't":
            word, ws = ("not" if not out or out[-1].endswith(" ") else " not"), tok.whitespace_
        if (
            (tok.i in agree or renamed)
            and low in ("'m", "'re", "'ve", "'d", "'ll", "'s")
            and out
            and not out[-1].endswith(" ")
        ):
            out[-1] += " "  # "I'm" -> "she is"
        # "I" or "you" said as a name ("the client", "Danny"), not as a pronoun
        renamed = low in ("i", "you") and word.lower() not in ("i", "you", "he", "she", "they", "we")
        out.append(word + ws)
    sentence = "".join(out).strip()
    sentence = re.sub(r"\bcan not\b", "cannot", sentence)
    sentence = re.sub(
        r"([.!?][\"'\u201d\u2019]? )([a-z])", lambda m: m.group(1) + m.group(2).upper(), sentence
    )
    return sentence.rstrip(" .!;,")


def _calls(t) -> bool:
    """Whether the name ``t`` is said to someone: opening a sentence before ", you" or closing one after a comma."""
    if t.pos_ != "PROPN" or not t.is_alpha or not t.text[:1].isupper():
        return False
    doc = t.doc
    opens = (t.i == 0 or doc[t.i - 1].is_punct) and [a.text for a in doc[t.i + 1 : t.i + 3]] in (
        [",", "you"],
        [",", "your"],
    )
    closes = t.i > 0 and doc[t.i - 1].text == "," and (t.i + 1 == len(doc) or doc[t.i + 1].is_sent_end)
    return opens or closes


def inside_quotes(doc) -> set[int]:
    """Token indices between a pair of quotation marks ("he sent this: 'I'ma mess you up'").

    A mark opens when the tagger says so or when it stands before a word with a space before it
    ("drunk 'you'd ..."), and closes at the next mark after a word; a possessive's "'" with no
    mark open before it quotes nothing, and neither does an unclosed mark."""
    text, inside, opened = doc.text, set(), None
    for t in doc:
        if t.text not in ("'", '"', "\u2018", "\u2019", "\u201c", "\u201d", "``", "''"):
            continue
        before = text[t.idx - 1] if t.idx else " "
        after = text[t.idx + 1] if t.idx + 1 < len(text) else " "
        if opened is None and (t.tag_ == "``" or (before.isspace() and (after.isalnum() or after == "'"))):
            opened = t.i
        elif opened is not None and (t.tag_ == "''" or not before.isspace()):
            inside.update(range(opened + 1, t.i))
            opened = None
    return inside


def has_subject(text: str) -> bool:
    """Whether the first sentence of ``text`` has a subject (a fragment like "Mostly money." has none)."""
    doc = parse(text)
    sent = next(doc.sents, None)
    return sent is not None and any(t.dep_ in ("nsubj", "nsubjpass", "expl", "csubj") for t in sent)


#: Subjects that are the speaker (with others or not): "I", "we".
FIRST_PERSON = frozenset(("i", "me", "we", "us"))
#: Subjects that name nobody ("it would be easier if ..."), or the listener: whose act it is stays open.
OPEN_SUBJECTS = frozenset(
    ("it", "that", "this", "there", "what", "which", "who", "you", "everyone", "people")
)


def clause_subjects(text: str, words: re.Pattern[str]) -> list[str]:
    """For each word of ``text`` that ``words`` matches, the subject of its clause, lower case ("" when it
    has none): the word's own subject, else that of the verb it hangs from ("I think he's using" -> "he")."""
    out = []
    for tok in parse(text):
        if not words.fullmatch(tok.text):
            continue
        head, subject = tok, None
        for _ in range(6):
            subject = next((c for c in head.children if c.dep_ in ("nsubj", "nsubjpass", "csubj")), None)
            if subject is not None or head.head is head:
                break
            head = head.head
        out.append(subject.lower_ if subject is not None else "")
    return out


def about_someone_else(text: str, words: re.Pattern[str]) -> bool:
    """Whether every act of ``words`` in ``text`` is someone else's: its subject is a third person
    ("he", "my brother", "Adam"), never the speaker ("I", "we") nor left open ("it", none)."""
    subjects = clause_subjects(text, words)
    return bool(subjects) and all(s and s not in FIRST_PERSON and s not in OPEN_SUBJECTS for s in subjects)


#: The names of the session being drafted (``names_in``): words written with a capital where no
#: sentence starts, which stay capitalised where one does ("Reece needs ..." -> "that Reece needs").
NAMES: ContextVar[frozenset[str]] = ContextVar("names", default=frozenset())
_CAPITALISED = re.compile(r"\b[A-Z][a-z]+(?:'s)?\b")
#: Words that are never a name, whatever their case: a sentence starts after a stage direction or
#: a trailing-off ("(sighs) He wet the bed", "... That's embarrassing") without a full stop.
_NEVER_NAMES = frozenset(
    (
        "i", "he", "she", "it", "we", "they", "you", "him", "her", "his", "its", "our", "their",
        "them", "us", "me", "my", "your", "that", "this", "these", "those", "there", "then", "the",
        "a", "an", "and", "but", "or", "so", "if", "when", "because", "yeah", "yes", "no", "nah",
        "not", "well", "oh", "okay", "like", "just", "what", "why", "how", "who", "where",
    )
)  # fmt: skip


def names_in(texts: Iterable[str]) -> frozenset[str]:
    """Words capitalised in the middle of a sentence somewhere in ``texts``: names, days, months."""
    out = set()
    for text in texts:
        for m in _CAPITALISED.finditer(text):
            word = m.group(0).removesuffix("'s")
            before = text[: m.start()].rstrip(" \"'\u201c(-\u2014")
            if before and before[-1] not in ".!?:;)]\u2026\n" and word.lower() not in _NEVER_NAMES:
                out.add(word)
    return frozenset(out)


def lower_first(text: str) -> str:
    """``text`` to follow "that": its first word in lower case unless it is a name or "I"."""
    doc = parse(text)
    if (
        not len(doc)
        or (doc[0].pos_ == "PROPN" and doc[0].lower_ not in _NEVER_NAMES)
        or doc[0].text == "I"
        or (doc[0].text.isupper() and len(doc[0]) > 1)
        or doc[0].text.removesuffix("'s") in NAMES.get()
    ):
        return text
    return text[:1].lower() + text[1:]


def as_task(text: str, role: str | None, pronouns: Pronouns) -> str:
    """A plan in the words of its speaker, as a task: "Client will ...", "Worker will ...".

    A worker's request ("For this week, could you write down your worries?") is
    the client's task: the modal and "you" become "the client will". Statements
    are reported with their subject named ("I will call" -> "Client will call").
    """
    doc = parse(clean(text))
    if role == "worker" and text.rstrip().endswith("?"):
        for tok in doc:
            if tok.lower_ == "you" and tok.dep_ == "nsubj":
                modal = [
                    c
                    for c in tok.head.children
                    if c.dep_ == "aux" and c.i < tok.i and c.lower_ in REQUEST_MODALS
                ]
                if modal:
                    before = doc[: modal[0].i].text_with_ws.strip(" ,")
                    rest = report(doc[tok.i + 1 :].text, role, pronouns)
                    lead = f"{before}, the client will" if before else "Client will"
                    said = f"{lead} {rest}".rstrip(" ?")
                    return said[:1].upper() + said[1:]
    said = report(text, role, pronouns, name_subject=True, we="the worker and client")
    if role == "worker":
        # a task opens with whose it is, as "Client will ..." and "Worker will ..." do
        said = re.sub(r"^the (worker|client)\b", lambda m: m.group(1).capitalize(), said)
        said = re.sub(r"(?i)^let us\b|^let's\b", "Worker and client will", said)
    return said[:1].upper() + said[1:]


#: A worker's question with one of these before "you" asks the client to do something.
REQUEST_MODALS = frozenset(("could", "would", "can", "will", "might"))


def is_request(text: str) -> bool:
    """Whether a worker's question asks the client to do something ("could you ...?"), not for information."""
    doc = parse(clean(text))
    return any(
        t.lower_ == "you"
        and t.dep_ == "nsubj"
        and any(c.dep_ == "aux" and c.i < t.i and c.lower_ in REQUEST_MODALS for c in t.head.children)
        and not _asks_what(t.head, t.i)
        for t in doc
    )


def _asks_what(verb, before: int) -> bool:
    """Whether a wh-word of ``verb``'s own clause comes before token ``before``: "How much would you
    have?" asks for information; "When you get home, could you call her?" still asks an act."""
    return any(
        w.tag_ in ("WDT", "WP", "WP$", "WRB")
        and w.i < before
        and (w.head.i == verb.i or (w.head.head.i == verb.i and w.head.pos_ not in ("VERB", "AUX")))
        for w in verb.doc
    )


def lemmas(texts: Iterable[str]) -> set[str]:
    """Lower-case words and their lemmas in ``texts``."""
    out: set[str] = set()
    for doc in map(parse, texts):
        for t in doc:
            out.add(t.lower_)
            out.add(t.lemma_.lower())
            if t.lower_ in NEGATIONS or t.lower_ == "n't":
                out.add("not")
            out |= COLLOQUIAL[t.lower_][1] if t.lower_ in COLLOQUIAL else set()
    return out


def unfaithful(sentence: str, evidence: Iterable[str], allowed: Iterable[str] = ()) -> list[str]:
    """Words of ``sentence`` (outside its double quotes) that its ``evidence`` does not support.

    Checked: content words (nouns, verbs, adjectives, adverbs, names), numbers and
    negations; compared as lemmas. Function words, pronouns and the declared
    ``TEMPLATE_VOCABULARY`` (plus ``allowed``: the note's category names) are free.
    """
    source = lemmas(evidence)
    free = TEMPLATE_VOCABULARY | {w.lower() for a in allowed for w in re.findall(r"[A-Za-z']+", a)}
    outside = re.sub(r'"[^"]*"', " ", sentence)
    bad: list[str] = []
    for t in parse(outside):
        low, lemma = t.lower_, t.lemma_.lower()
        negation = low in NEGATIONS or low == "n't"
        number = t.like_num or t.pos_ == "NUM"
        content = t.pos_ in ("NOUN", "PROPN", "VERB", "ADJ", "ADV") and not t.is_stop
        if not (negation or number or content) or (not t.is_alpha and not number and not negation):
            continue
        if negation and "not" in source:
            continue
        if low in free or lemma in free or low in source or lemma in source:
            continue
        bad.append(t.text)
    return list(dict.fromkeys(bad))
