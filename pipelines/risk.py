"""Risk in other words: a classifier on MiniLM clause vectors, trained on a bank of phrasings
written from screening instruments, with each finding's status read from its own clause.

The bank (``pipelines/data/risk_bank/*.yaml``) lists, per risk type, what validated screening
tools ask about (C-SSRS, ASQ, PHQ-9 item 9, NSSI inventories, HITS / WAST, AUDIT / CAGE /
DAST, violence-risk guidance), each group with its source and everyday phrasings; the same
types denied, past, someone else's, feared and as figures of speech; and heavy talk that is
not risk. An agency extends it by adding sentences: the classifier is retrained from the bank
when its text changes (and cached), so the shipped weights never go stale.

The classifier answers "what is this clause about" (a risk type, or none); whether it is the
client's own current risk is a separate question, answered per clause by ``clause_status``
from the parse (negation, who it happens to, when, hypotheticals). Recall comes first: a clause
between the low and the high threshold is emitted as *possible* risk, for the worker to decide.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml
from spacy.tokens import Doc, Span

from pipelines.components import sentences
from pipelines.taxonomy import load_context
from scribe.core.errors import ModelError

BANK_DIR = Path(__file__).parent / "data" / "risk_bank"
MODEL_PATH = Path(__file__).parent / "data" / "risk_model.onnx"
MODEL_INFO = Path(__file__).parent / "data" / "risk_model.json"
TYPES = ("suicidal_ideation", "self_harm", "harm_to_others", "abuse_neglect", "substance_crisis")
CLASSES = (*TYPES, "none")
#: Status lists whose sentences are still *about* the type (the classifier learns the topic; the
#: clause rules decide the status). Figures of speech are not about it.
TOPIC_STATUSES = ("negated", "historical", "other_person", "hypothetical", "question")


@dataclass
class RiskBank:
    """Sentences per class, with where each group comes from."""

    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    #: (type, status) -> sentences of that type that are not current risk, for checks and tests.
    status_examples: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    digest: str = ""

    def add(self, label: str, texts: Sequence[str]) -> None:
        for t in texts:
            if isinstance(t, str) and t.strip():
                self.texts.append(t.strip())
                self.labels.append(label)


def _bank_files(folder: Path | str = "") -> list[Path]:
    folder = Path(folder or os.environ.get("SCRIBE_RISK_BANK", "") or BANK_DIR)
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise ModelError(f"No risk bank found in {folder} (expected one .yaml file per risk type).")
    return files


def bank_digest(folder: Path | str = "") -> str:
    """sha256 over the bank's file names and bytes: what a trained model records it learned from."""
    h = hashlib.sha256()
    for path in _bank_files(folder):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def load_bank(folder: Path | str = "") -> RiskBank:
    """Every ``*.yaml`` in ``folder`` (default: the shipped bank); ModelError on a malformed file."""
    bank = RiskBank(digest=bank_digest(folder))
    for path in _bank_files(folder):
        raw = path.read_bytes()
        try:
            data = yaml.safe_load(raw) or {}
        except yaml.YAMLError as exc:
            raise ModelError(f"{path.name}: not valid YAML ({exc}).") from exc
        kind = data.get("type")
        if kind is None:  # heavy talk that is no risk
            for g in data.get("groups", []):
                bank.add("none", g.get("examples", []))
                bank.sources[f"none.{g.get('id', '?')}"] = g.get("source", "")
            continue
        if kind not in TYPES:
            raise ModelError(f"{path.name}: unknown risk type {kind!r} (one of {', '.join(TYPES)}).")
        for g in data.get("groups", []):
            bank.add(kind, g.get("affirmed", []))
            bank.sources[f"{kind}.{g.get('id', '?')}"] = g.get("source", "")
        for status, texts in (data.get("status_examples") or {}).items():
            bank.status_examples[(kind, status)] = [t for t in texts or [] if isinstance(t, str)]
            bank.add(kind if status in TOPIC_STATUSES else "none", texts or [])
    return bank


class RiskModel:
    """The fine-tuned MiniLM clause classifier (int8 ONNX): class probabilities per text.

    ``risk_model.json`` beside the weights gives the classes, the sha256 of the weights (checked
    before loading) and the digest of the bank it was trained on.
    """

    def __init__(self, path: Path = MODEL_PATH, info: Path = MODEL_INFO) -> None:
        from pipelines.embed import TOKENIZER_SHA256, cpu_session, default_files, load_tokenizer, verify

        try:
            meta = json.loads(info.read_text(encoding="utf-8"))
            expected, classes = meta["onnx_sha256"], tuple(meta["classes"])
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(f"The risk model's description {info} is missing or damaged ({exc}).") from exc
        if set(classes) != set(CLASSES):
            raise ModelError(f"{path.name} classifies {', '.join(classes)}; expected {', '.join(CLASSES)}.")
        verify(path, expected)
        _, tok_path = default_files()
        verify(tok_path, TOKENIZER_SHA256)
        self.tokenizer = load_tokenizer(tok_path, int(meta.get("max_tokens", 64)))
        self.session = cpu_session(path)
        self.classes = classes
        self.bank_digest = str(meta.get("bank_sha256", ""))

    def predict(self, texts: Sequence[str], batch_size: int = 1, workers: int = 0) -> np.ndarray:
        """``(len(texts), len(classes))`` probabilities; a text said twice is read once. Calls run
        on ``workers`` threads (default: one per CPU).

        The weights are int8 with activations quantized per call, over the whole padded batch, so
        a batch makes a text's probabilities depend on the texts beside it (by up to 0.6 between
        batches of 32 and reading alone): each text is read in a call of its own (``batch_size``
        1), so a sentence scores the same in any session. That costs about a quarter more of the
        model's CPU time than batches of 32.
        """
        from pipelines.embed import padded_batches, run_batches

        if len(set(texts)) < len(texts):
            unique = list(dict.fromkeys(texts))
            index = {t: i for i, t in enumerate(unique)}
            return self.predict(unique, batch_size, workers)[[index[t] for t in texts]]

        out = np.zeros((len(texts), len(self.classes)), dtype=np.float32)

        def run(batch) -> None:
            idx, ids, mask = batch
            out[idx] = self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]

        run_batches(run, padded_batches(self.tokenizer, texts, batch_size), workers)
        return out


@lru_cache(maxsize=1)
def load_model() -> RiskModel:
    """The shipped risk model, loaded once per process. Warns when the bank changed after training."""
    model = RiskModel()
    try:
        digest = bank_digest()
    except ModelError:
        digest = model.bank_digest
    if digest != model.bank_digest:
        warnings.warn(
            "The risk bank changed since the risk model was trained: run `python -m pipelines.train_risk` "
            "(needs torch and onnx) so the new phrasings are learned.",
            stacklevel=2,
        )
    return model


#: Each risk type's field of words: every ``risk_field*.yaml`` here, read together.
FIELD_DIR = Path(__file__).parent / "data"


@lru_cache(maxsize=65536)
def base_forms(word: str) -> frozenset[str]:
    """``word`` and the base forms its regular English inflection may come from
    ("hitting" -> "hit", "bullied" -> "bully", "scared" -> "scare", "cuts" -> "cut")."""
    out = {word}
    for suffix in ("ing", "ed", "es", "s", "d"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            stem = word[: -len(suffix)]
            out |= {stem, stem + "e"}
            if len(stem) > 2 and stem[-1] == stem[-2]:
                out.add(stem[:-1])  # hitting, stabbed
            if stem.endswith("i"):
                out.add(stem[:-1] + "y")  # bullied, worries
    return frozenset(out)


@dataclass(frozen=True)
class RiskField:
    """The words one risk type is talked about with (``pipelines/data/risk_field.yaml``)."""

    words: frozenset[str]
    phrases: re.Pattern[str] | None

    def touches(self, span: Span) -> bool:
        """Whether ``span`` holds one of the field's words (in any regular inflection) or phrases."""
        if any(base_forms(t.lower_.replace("\u2019", "'")) & self.words for t in span):
            return True
        return bool(self.phrases and self.phrases.search(span.text.lower().replace("\u2019", "'")))


@lru_cache(maxsize=1)
def load_field(folder: Path | str = FIELD_DIR) -> dict[str, RiskField]:
    """Each risk type's field of words, from every ``risk_field*.yaml`` in ``folder`` together."""
    words: dict[str, set[str]] = {kind: set() for kind in TYPES}
    phrases: dict[str, list[str]] = {kind: [] for kind in TYPES}
    paths = sorted(Path(folder).glob("risk_field*.yaml"))
    if not paths:
        raise ModelError(f"no risk field (risk_field*.yaml) in {folder}")
    for path in paths:
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise ModelError(f"cannot read the risk field {path}: {exc}") from exc
        unknown = sorted(set(raw) - set(TYPES)) if isinstance(raw, dict) else ["(not a mapping)"]
        if unknown:
            raise ModelError(f"the risk field {path} has an unknown risk type: {', '.join(unknown)}")
        for kind, entry in raw.items():
            words[kind] |= {w.lower() for w in entry.get("words") or []}
            phrases[kind] += [re.escape(p.lower()) for p in entry.get("phrases") or []]
    missing = [kind for kind in TYPES if not words[kind]]
    if missing:
        raise ModelError(f"the risk field in {folder} has no words for {', '.join(missing)}")
    return {
        kind: RiskField(
            frozenset(words[kind]),
            re.compile(r"\b(?:" + "|".join(phrases[kind]) + r")\b") if phrases[kind] else None,
        )
        for kind in TYPES
    }


# --- units: the clauses a finding is scoped to ------------------------------------------------

#: Words that start a new clause after a comma or a conjunction ("I used to cut, but now I ...").
#: Words that turn a sentence against what came before.
CONTRAST = {"but", "though", "although", "however", "except", "yet", "whereas"}
_SUBJECT_START = {"i", "he", "she", "they", "we", "it", "my", "his", "her", "their", "our", "you", "nobody"}
#: A piece shorter than this many words joins the next one ("No, I haven't" is one clause).
_MIN_CLAUSE = 3


def clauses(sent: Span) -> list[Span]:
    """``sent`` cut into clauses at contrast words, semicolons, and "and" / "," before a new subject.

    Risk scope is per clause: "I'm not going to do anything, but I keep wishing I wouldn't wake up"
    holds a denial and a disclosure.
    """
    doc = sent.doc
    cuts = [sent.start]
    for tok in sent[1:]:
        i = tok.i
        nxt = doc[i + 1].lower_ if i + 1 < sent.end else ""
        if (
            tok.lower_ in CONTRAST
            or tok.text in (";", "—", "–")
            or (
                tok.lower_ in ("and", "so", "because", "cause")
                and nxt in _SUBJECT_START
                and doc[i - 1].text != ","
            )
            or (tok.text == "," and nxt in _SUBJECT_START | CONTRAST | {"and", "so"})
        ):
            cuts.append(i + 1 if tok.text == "," else i)  # a comma ends the clause before it
    cuts = sorted({*cuts, sent.end})
    parts: list[Span] = []
    start = cuts[0]
    for end in cuts[1:]:
        words = sum(1 for t in doc[start:end] if t.is_alpha)
        if words >= _MIN_CLAUSE or end == sent.end:
            if words == 0 and parts:
                parts[-1] = doc[parts[-1].start : end]
            elif words < _MIN_CLAUSE and parts and end == sent.end:
                parts[-1] = doc[parts[-1].start : end]  # a short tail ("..., no.") joins its clause
            else:
                parts.append(doc[start:end])
            start = end
    return parts or [sent]


#: Sentences with fewer words say no risk on their own ("Yeah.", "Okay, sure."); an answer to a
#: screening question is read with its question, and "I'm suicidal" is in the lexicon.
MIN_WORDS = 3


def units_of(doc: Doc) -> list[tuple[Span, list[Span]]]:
    """(sentence, its clauses) for every sentence of ``doc`` with at least ``MIN_WORDS`` words."""
    return [(s, clauses(s)) for s in sentences(doc) if sum(t.is_alpha for t in s) >= MIN_WORDS]


# --- status of one clause ----------------------------------------------------------------------

#: A note's "Client denied / denies ..." is a negation like the client's own "no".
_NEG = {
    "not", "n't", "never", "no", "nobody", "nothing", "none", "neither", "nor", "without", "nope", "nah",
    "denied", "denies", "deny", "denying",
}  # fmt: skip
#: After a negation, these make the clause a disclosure, not a denial: a negated wish to live or to
#: go on ("I don't want to live", "I can't go on", "I see no point"), lost control ("I can't stop").
_NEGATED_LIFE = re.compile(
    r"^\W*(?:\w+\W+){0,3}?(?:want to (?:live|be (?:here|alive|around))|wanna (?:live|be here)|"
    r"live|living|alive|be here|be around|being (?:here|alive|around)|wake|waking|go on|going on|keep going|carry on|exist|survive|"
    r"(?:see|find) (?:the|a|any) point|point|reason to|future|care (?:if|whether|what)|cope|coping|"
    r"handle|take (?:it|this|much)|stop|quit|help (?:it|myself)|control|deserve|matter|belong|worth|"
    r"get through|function|go (?:a|one|without)|(?:live|manage|sleep|cope|do) without|face|"
    r"trust myself|feel safe|safe)\b",
    re.I,
)
#: Words that look like negations but deny nothing ("no one cares", "no longer want to live").
_PSEUDO_NEG = re.compile(
    r"\b(?:no one|no longer|not only|not just|no matter|not sure|don't know|do not know|dont know|"
    r"no idea|no doubt|never mind|nothing (?:helps|matters|works|to live for))\b",
    re.I,
)
_PAST_ONLY = re.compile(
    r"\b(used to|use to|years ago|a long time ago|long ago|in the past|back then|back when|back in|"
    r"when i was (?:a |an |in |little|young|younger|small|\d+|(?:\w+ )?(?:kid|child|teen|teenager|girl|boy))|"
    r"as a (?:kid|child|teen|teenager|little (?:girl|boy)|young (?:girl|boy|woman|man))|"
    r"growing up|in (?:high|middle|elementary|primary|secondary|grade) school|in college|in year \d+|"
    r"at (?:age |the age of )?(?:\d+|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|"
    r"sixteen|seventeen)\b|"
    r"i was (?:like |only |about |just |maybe )?(?:\d+|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
    r"fourteen|fifteen|sixteen|seventeen)\b|childhood|previous relationship|last relationship|once before|in my (?:teens|twenties|thirties)|"
    r"(?:in|back in|during) (?:19|20)\d\d|(?:my|the) (?:first|last) (?:depression|episode|marriage))",
    re.I,
)
#: Said of a past risk: it is over.
_RESOLVED = re.compile(
    r"\b(behind me|i(?:'ve| have) changed|(?:i'm|i am) (?:fine|good|ok|okay|better) now|in recovery|"
    r"(?:sober|clean) (?:since|for)|(?:years?|months?) (?:clean|sober)|haven't (?:\w+ ){0,3}since|"
    r"have not (?:\w+ ){0,3}since|not anymore|no longer|found better ways|it'?s all in the past|"
    r"(?:been|was) good for (?:years|months)|stopped (?:\w+ ){0,3}ago|(?:it|that|it's|that's|all) (?:is )?(?:all )?in the past|moved out|left (?:him|her|them|my \w+)|escaped|escape from|divorced|"
    r"broke up|got out of (?:that|the|an|a|my))\b",
    re.I,
)
#: Scars and marks are what past self-harm leaves: "I've still got the scars" says nothing current.
_SCARS = r"(?! (?:got|have|has) (?:the |some |my |a few )?(?:scars?|marks?))"
_CURRENT = re.compile(
    r"\b(still" + _SCARS + r"|again|continues?|continued|continuing|keeps?|kept|lately|recently|these days|"
    r"currently|right now|this (?:week|month|year|morning|weekend)|today|tonight|yesterday|"
    r"last (?:night|week|weekend|month)|(?:a|one|two|three|few|couple of) (?:days?|weeks?) ago|"
    r"every (?:day|night|week|time)|always|constantly|all the time|daily|often|sometimes|"
    r"starting to|want to|wanna|urges?|tempted)\b",
    re.I,
)
#: Said of a past risk: it has not stopped.
_GOES_ON = re.compile(
    r"\b(still"
    + _SCARS
    + r"|continues?|continued|continuing|again|ongoing|to this day|ever since|keeps? (?:on|happening))\b",
    re.I,
)
_HYPOTHETICAL = re.compile(
    r"^\W*(?:what if|if|in case|suppose|imagine|would you|will you|do you have to|are you going to)\b|"
    r"\b(?:what if|what would (?:you|happen)|how (?:somebody|someone|anyone|people) (?:could|would|can)|"
    r"if i (?:ever|told|said))\b",
    re.I,
)
_FEAR = re.compile(r"\b(afraid|scared|worried|worry|fear|terrified|paranoid)\b", re.I)
_FIRST_VICTIM = {"me", "us", "myself", "ourselves", "i", "we"}
#: Verbs of telling and showing: their "me" is whoever heard it, not whom it happened to ("my niece
#: told me her stepdad touches her").
_TELLING = {
    "tell", "tells", "told", "telling", "say", "says", "said", "show", "shows", "showed", "shown",
    "ask", "asks", "asked", "text", "texts", "texted", "message", "messaged", "write", "wrote",
    "confide", "confided", "admit", "admitted", "explain", "explained", "warn", "warned",
}  # fmt: skip


#: Dying as a figure of speech: embarrassment, fear of being found out, laughter ("I'd literally die
#: if my mom found out", "I nearly died laughing", "I'll die of shame"). Said of the speaker's own
#: death only; a threat to kill someone else is never read away.
_DEATH_HYPERBOLE = re.compile(
    r"\b(?:i'd|i would|i'll|i will|i'm gonna|i am going to|i could(?: have| of)?|i could've|i nearly|"
    r"i almost|i just about)\s+(?:\w+ly\s+|just\s+|like\s+)?(?:die|died|drop dead)\s+"
    r"(?:laughing|(?:of|from) (?:embarrassment|shame|boredom|laughter|laughing|fright|cringe|happiness|excitement)"
    r"|(?:if|when)\b(?:\s+[\w']+){1,4}?\s+(?:found out|find out|finds out|saw|see|sees|knew|know|knows|"
    r"heard|hear|hears|caught|catch|catches|read|reads|told))\b",
    re.I,
)


#: Drowning as a figure of being overwhelmed ("I feel like I'm drowning", "drowning in bills"),
#: not as a method: no "myself", and no other word of dying in the sentence.
_DROWNING = re.compile(
    r"\b(?:feel(?:s|ing)? like (?:i'm|i am|i was)|i'm|i am|i was|i've been|i have been|we're|we are)"
    r"(?: \w+ly| just| kind of| sort of)? drowning\b(?! myself)|\bdrowning (?:in|under)\b",
    re.I,
)
_DYING = re.compile(r"\b(?:die|dying|dead|death|kill\w*|suicid\w*|end it|alive|wake up|myself)\b", re.I)


#: "It'll be the death of me", "those stairs will be the death of me": a burden, said as dying.
_DEATH_OF_ME = re.compile(
    r"\b(?:will|'ll|gonna|going to|would|'d|is|'s)\s+be\s+the\s+death\s+of\s+me\b", re.I
)


def death_hyperbole(text: str) -> bool:
    """Whether ``text`` speaks of the speaker dying only as a figure of speech."""
    text = text.replace("\u2019", "'")
    return (
        bool(_DEATH_HYPERBOLE.search(text))
        or bool(_DEATH_OF_ME.search(text))
        or bool(_DROWNING.search(text) and not _DYING.search(text))
    )


#: "I'd rather die than <do something>": aversion to a task, said by comparing it with dying. Dying
#: compared with living ("than go on like this", "than wake up to another day") is a wish to be dead.
_RATHER_DIE = re.compile(
    r"\b(?:i'd|i would|id)\s+(?:\w+ly\s+|just\s+|honestly\s+)?rather\s+(?:\w+ly\s+)?die\b", re.I
)
_RATHER_DIE_THAN_TASK = re.compile(
    _RATHER_DIE.pattern
    + r"\s+than\s+(?!(?:[\w']+\s+){0,2}?(?:live|living|lives|go on|going on|carry on|keep (?:going|living|on)|"
    r"feel(?:ing)?|be (?:like|here|alive|this|me)|wake|face|continue|exist|spend|stay|suffer|hurt|be in pain|"
    r"deal with (?:this|it|life)|another day|do this (?:anymore|any more)))",
    re.I,
)


def rather_die(sentence: str, turn: str) -> bool:
    """Whether "I'd rather die" in ``sentence`` compares dying with a task ("than stand up in front
    of everyone"), there or in the same turn ("... than do the speech. Honestly, I'd rather die.")."""
    sentence, turn = sentence.replace("\u2019", "'"), turn.replace("\u2019", "'")
    said = _RATHER_DIE.search(sentence)
    if said is None:
        return False
    if _RATHER_DIE_THAN_TASK.search(sentence):
        return True
    # a bare "I'd rather die" takes its comparison from the turn
    return not re.search(r"\bthan\b", sentence[said.end() :], re.I) and bool(
        _RATHER_DIE_THAN_TASK.search(turn)
    )


#: Being in trouble said as being killed: a parent, teacher or boss who will "kill" or "murder" the
#: speaker when they find out, see the report, or if the speaker fails or is late ("my mum's gonna
#: murder me if I fail it"). A threat reported ("he said he'd kill me"), a partner's or anyone
#: else's words, or a condition of telling, leaving or going to the police is never read away.
_SCOLDS = (
    r"(?:mum|mom|mam|mummy|mommy|ma|mother|dad|daddy|father|parents|folks|nan|nana|gran|grandma|"
    r"teacher|coach|boss|manager|sister|brother)"
)
#: "... is gonna kill me", "... 'd literally murder me": the words after the one who would.
_KILLS_ME = (
    r"(?:(?:gonna|going to|literally|actually|totally|so|absolutely|be)\s+)*(?:kill|murder|slaughter)\s+me\b"
)
_IN_TROUBLE = re.compile(
    rf"\b(?:my\s+)?{_SCOLDS}(?:'s|\s+is|\s+will|'ll|\s+would|'d|\s+are|'re)?\s+{_KILLS_ME}", re.I
)
_A_CONDITION = re.compile(r"\b(?:if|when|once|as soon as|as long as|unless)\b", re.I)
#: "she'll kill me" of a parent the turn names, or said with a disavowal ("not literally")
_PRONOUN_KILLS = re.compile(
    rf"\b(?:she|he|they)(?:'ll|'d|'s|\s+will|\s+would|\s+is|\s+are)?\s+{_KILLS_ME}", re.I
)
_NOT_MEANT = re.compile(r"\b(?:not literally|lol|haha|joking|kidding|laughs)\b", re.I)
#: A threat reported in the words that say it ("he said he'd kill me"), or tied to telling or leaving.
_REAL_THREAT = re.compile(
    r"\b(?:said|says|told|tells|threaten\w*|swore|swears|promised|warned|"
    r"if i (?:tell|told|leave|left|go to|went to|call|called|report|talk|say|said)|police|cops)\b",
    re.I,
)
#: Words that make a threat of anything in the turn: a reported "said" elsewhere in it ("She says
#: stuff when she's mad") is about something else.
_THREAT_IN_TURN = re.compile(r"\b(?:threaten\w*|swore|swears|warned|police|cops)\b", re.I)
#: "My mum would kill me": the counterfactual is the condition ("... if she knew").
_WOULD_KILL = re.compile(rf"\b(?:my\s+)?{_SCOLDS}(?:\s+would|'d)\s+{_KILLS_ME}", re.I)


def in_trouble(sentence: str, turn: str) -> bool:
    """Whether ``sentence`` says a parent, teacher or boss will "kill" the speaker for a mishap: a
    figure of speech when a condition of it is in the turn and no threat is reported or tied to
    telling or leaving. "Like, actually murder me." after such a sentence is the same figure."""
    sentence, turn = sentence.replace("\u2019", "'"), turn.replace("\u2019", "'")
    if _REAL_THREAT.search(sentence) or _THREAT_IN_TURN.search(turn):
        return False
    if _IN_TROUBLE.search(sentence) or (
        re.search(r"\b(?:kill|murder)\s+me\b", sentence, re.I) and _IN_TROUBLE.search(turn)
    ):
        return bool(_A_CONDITION.search(turn) or _WOULD_KILL.search(turn))
    if _PRONOUN_KILLS.search(sentence):
        named = re.search(rf"\b{_SCOLDS}\b", turn, re.I) and _A_CONDITION.search(turn)
        return bool(named or _NOT_MEANT.search(turn))
    return False


#: Verbs by which someone else's words are reported ("he says I'm going to die alone", "calls me").
_SAYING = _TELLING | {"call", "shout", "scream", "yell", "threaten"}
#: Words that make reported words the speaker's own wish or talk ("my wife says I keep saying I
#: want to die"): another's report of what the client wants or says is still the client's.
_OWN_WISH = frozenset({
    "want", "wish", "think", "thought", "plan", "try", "feel", "felt", "talk", "say", "said", "keep", "kept",
    "mean", "meant", "rather",
})  # fmt: skip
_DEATH = frozenset({"die", "dead", "death", "kill"})
#: Who may tell the client to die and still be the client's risk: command hallucinations.
_INNER_VOICES = {"voice", "voices", "it", "something", "head", "mind", "brain", "thought", "thoughts"}


def _said_by_another(span: Span) -> bool:
    """Whether the span's death words are someone else's, reported: an insult, a prediction or an
    order ("calls me useless, says I'm going to die alone", "my mum says I'll end up dead", "he told
    me to kill myself") is what another person said to the client, not the client's ideation."""
    sent = span.sent if span.doc.has_annotation("SENT_START") else span.doc[:]
    for tok in span:
        if not base_forms(tok.lower_) & _DEATH:
            continue
        head = tok
        while head.head.i != head.i and sent.start <= head.head.i < sent.end:
            if head.i != tok.i and base_forms(head.lower_) & _OWN_WISH:
                break
            head = head.head
            if not base_forms(head.lower_) & _SAYING or not head.tag_.startswith("VB"):
                continue
            subj = next((c for c in head.children if c.dep_ in ("nsubj", "nsubjpass")), None)
            if subj is None and head.dep_ == "conj":
                subj = next((c for c in head.head.children if c.dep_ in ("nsubj", "nsubjpass")), None)
            if subj is None:
                if head.tag_ == "VBZ":
                    return True  # "Calls me a stupid old man, says I'm going to die": he, not I
                break
            if subj.lower_ in _FIRST_VICTIM or subj.lower_ in _INNER_VOICES:
                break
            return True
    return False


#: Harm imagined against one's will: images or thoughts that intrude ("pictures in my head", "I
#: see myself dropping her", "they just pop in") ...
_INTRUSIVE = re.compile(
    r"\b(?:pictures?|images?|flash(?:es)?|visions?|thoughts?)\b[^.?!]{0,30}\b(?:in my head|pop|popping|"
    r"come|comes|coming|keep|flash)\b|\bin my head\b|\bpop(?:s|ping)? (?:in|into)\b|\bsee myself\b|"
    r"\bpicture myself\b|\bimagin(?:e|ing) myself\b|\bintrusive\b|\bkeep (?:getting|having|seeing)\b",
    re.I,
)
#: ... that horrify the speaker, who says they would never act on them: perinatal and OCD guidance
#: reads such ego-dystonic thoughts as unwanted, not as intent, and the worker asks about intent.
_UNWANTED = re.compile(
    r"\b(?:i(?:'d| would)(?: \w+)? never|i could never|horrible|horrif\w*|terrif\w*|scares? me|"
    r"frighten\w*|disgust\w*|sickens me|monster|unwanted|make (?:it|them) stop|"
    r"i love (?:her|him|them|my \w+) so much)",
    re.I,
)
#: Intent or voices in the same turn keep the thoughts risk.
_INTENT = re.compile(
    r"\b(?:want(?:ed)? to|going to|gonna|plan(?:ning)? to)\s+(?:\w+\s+)?(?:hurt|hit|kill|harm|smother|shake|"
    r"drop|drown|stab)\b|\bvoices?\b",
    re.I,
)


def unwanted_images(doc_text: str) -> bool:
    """Whether a turn tells of intrusive, unwanted thoughts of harm that horrify the speaker."""
    text = doc_text.replace("\u2019", "'")
    return bool(_INTRUSIVE.search(text) and _UNWANTED.search(text) and not _INTENT.search(text))


#: Anger said as what one could do to a person ("I could kill him", "I could strangle my sister"):
#: the modal of a feeling, not of intent. "I could murder a cup of tea" names no person.
_COULD_HARM = re.compile(
    r"\bi could(?:'ve| have| of| just| \w+ly)*\s+(?:kill|murder|strangle|throttle|choke|wring|smack|slap|"
    r"punch|thump|deck|batter|kick|shake|brain)\s+(?!a\b|an\b|some\b)(?:him|her|them|you|my|the|his|that|this|"
    r"(?-i:[A-Z])\w+)\b",
    re.I,
)
#: What makes such anger a figure of speech in the same turn: a disavowal, a softener, or the
#: tie the speaker names ("but I'd never touch him", "sometimes", "lol", "she's my sister").
_SOFTENED = re.compile(
    r"\b(?:i(?:'d| would)(?: \w+)? never|i(?:'m| am) not (?:gonna|going to)|not really|not literally|"
    r"sometimes|lol|haha|joking|kidding|(?:she|he)(?:'s| is) my \w+|i love (?:her|him|them))\b",
    re.I,
)


def could_harm(text: str) -> bool:
    """Whether ``text`` says what the speaker could do to a person in anger ("I could kill him")."""
    return bool(_COULD_HARM.search(text.replace("\u2019", "'")))


def anger_said(sentence: str, turn: str) -> bool:
    """Whether ``sentence`` says only what the speaker could do to a person in anger ("I could kill
    him"), with no intent or voices in the turn: the worker asks about intent."""
    return could_harm(sentence) and not _INTENT.search(turn.replace("\u2019", "'"))


def anger_hyperbole(sentence: str, turn: str) -> bool:
    """Whether "I could kill him" is a figure of speech: softened or disavowed in the turn, with
    no intent, plan or voices."""
    return anger_said(sentence, turn) and bool(_SOFTENED.search(turn.replace("\u2019", "'")))


def read_away(kind: str, span: Span) -> bool:
    """Whether words of ``kind``'s field in ``span`` are not the speaker's risk of it: dying as a
    figure of speech (a task one would rather die than do) or in someone else's mouth; harm in
    thoughts that intrude against one's will, in anger said as a softened figure of speech, told as
    a dream, or a parent's or boss's anger at a mishap said as being killed."""
    # a clause is read in its sentence: "..., and they always try to hurt me" is still the dream;
    # a span of several sentences (a whole turn) is read as it is
    within = span.doc.has_annotation("SENT_START") and span.end <= span.sent.end
    sentence = span.sent.text if within else span.text
    if kind == "suicidal_ideation":
        return death_hyperbole(span.text) or rather_die(sentence, span.doc.text) or _said_by_another(span)
    if kind == "harm_to_others":
        return (
            unwanted_images(span.doc.text)
            or anger_hyperbole(span.text, span.doc.text)
            or dreamt(sentence)
            or in_trouble(sentence, span.doc.text)
        )
    if kind == "abuse_neglect":
        return dreamt(sentence) or in_trouble(sentence, span.doc.text)
    return False


#: Harm in a dream ("I have these dreams of men, and they always try to hurt me"): what the
#: sentence tells is the dream, for the worker to hear as such, not an act or a threat. Harm told
#: before the dream is named ("he hit me after I told him about my nightmares") is no dream.
_DREAM = re.compile(r"\b(?:dreams?|dreamt|dreamed|dreaming|nightmares?)\b", re.I)
_HARM = re.compile(
    r"\b(?:hurt|hit|beat|kill|attack|rape|touch|abus|chok|strangl|stab|punch|kick|slap|shov|push|threat)\w*",
    re.I,
)


def dreamt(sentence: str) -> bool:
    """Whether the harm ``sentence`` tells is told as a dream or nightmare."""
    dream, harm = _DREAM.search(sentence), _HARM.search(sentence)
    return dream is not None and (harm is None or dream.start() < harm.start())


def _listener(tok) -> bool:
    """Whether a first-person word is the hearer of a telling verb ("she told me", "said to me")."""
    head = tok.head.head if tok.dep_ == "pobj" and tok.head.lower_ == "to" else tok.head
    return tok.dep_ in ("dative", "dobj", "pobj") and head.lower_ in _TELLING


#: Who counts as someone else: the ConText trigger file's people and third-person pronouns.
_CONTEXT = load_context()
_THIRD = _CONTEXT.other_pronouns | _CONTEXT.reflexives
OTHERS = _CONTEXT.other_nouns
CHILDREN = {
    "kid", "kids", "child", "children", "baby", "babies", "son", "daughter", "sons", "daughters", "toddler",
    "infant", "newborn", "stepson", "stepdaughter", "grandson", "granddaughter", "grandkids", "grandchildren",
}  # fmt: skip
#: Words that make a relative a child: "my little brother", "her baby sister", "our younger cousin".
_YOUNG = {"little", "baby", "younger", "youngest", "kid", "infant", "toddler", "wee", "small"}
_AGES = [
    "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen",
]  # fmt: skip
#: An age under 18 said of someone ("he's only six", "she's 12", "my 9-year-old niece").
_CHILD_AGE = re.compile(
    rf"\b(?:he's|she's|he is|she is|only|just|aged?)\s+(?:{'|'.join(_AGES)}|1[0-7]|[1-9])"
    r"(?=\s*(?:[,.;!?]|$|years?\b|yrs?\b|and\b|now\b))"
    rf"|\b(?:{'|'.join(_AGES)}|1[0-7]|[1-9])[- ](?:year|yr)s?[- ]old\b",
    re.I,
)


def _a_child(tok) -> bool:
    """Whether a person word names a child: a child word, or a relative said to be young or a child's age."""
    if tok.lower_ in CHILDREN:
        return True
    if any(c.lower_ in _YOUNG and c.dep_ in ("amod", "compound", "nmod") for c in tok.children):
        return True
    return bool(_CHILD_AGE.search(tok.sent.text))


@dataclass(frozen=True)
class Scope:
    status: str
    #: False when the status is a judgement the worker should check (timing, a fear, a conditional).
    certain: bool
    note: str = ""


#: The words that negate (a note's "Client denied / denies ..." among them), as a regex prefix.
#: Typed without the apostrophe too: "dont", "didnt", "havent", "cant", "wont", "wouldnt".
_NEGATOR = (
    r"(?:\b(?:not|never|no|nobody|no one|nothing|denie[sd]|deny|denying|"
    r"(?:do|does|did|have|has|had|is|are|was|were|would|could|should|ca|wo|ai)nt)|n't)\W+"
)
#: The acts a negation must govern to deny a risk, or their pro-forms ("do it", "act on it").
_DO_IT = r"do (?:it|that|this|anything|something|owt|nothing)|act on|go through with|"


def _denial(acts: str, reach: int = 4, pro_forms: bool = True) -> re.Pattern[str]:
    """A negation followed, within ``reach`` words, by one of ``acts`` (or a pro-form of the act)."""
    return re.compile(
        _NEGATOR + rf"(?:\w+\W+){{0,{reach}}}?(?:" + (_DO_IT if pro_forms else "") + acts + r")\b", re.I
    )


#: A negation denies a risk only when it governs the act: "I'd never actually do it", "I don't cut"
#: and "he has never hit me" deny; "I don't let myself eat", "I haven't decided when", "I won't need
#: it where I'm going" say the act. Abuse and neglect are often told with a negation ("I'm not
#: allowed to see my sister", "the kids go without dinner"): only a negated act of harm denies them.
_DENIED_ACT = {
    "suicidal_ideation": _denial(
        r"suicid\w*|kill|killing|die|dying|dead|end (?:it|my life|things|everything)|take my (?:own )?life|"
        r"hurt(?:ing)? myself|harm(?:ing)? myself|thought|thoughts|think|thinking|plan|plans|planned|intend|"
        r"want(?:ed)? to die|wish(?:ed)?"
    ),
    "self_harm": _denial(
        r"cut|cuts|cutting|self[- ]?harm\w*|hurt(?:ing)? myself|harm(?:ing)? myself|burn\w*|"
        r"hit(?:ting)? myself|scratch\w*|pick\w*|purg\w*|(?:make|made) myself (?:sick|throw up)|"
        r"bang\w*|punch\w*|starv\w*"
    ),
    "harm_to_others": _denial(
        r"hurt|hurting|harm|harming|kill|killing|hit|hitting|touch|stab\w*|shoot\w*|attack\w*|punch\w*|"
        r"beat|beating|lay a hand|laid a hand|(?:put|lay|laid) (?:my |a )?(?:hands?|finger) on|violent|"
        r"threaten\w*|go after|get (?:him|her|them)|(?:own|have|got|carry|keep) (?:a |any )?(?:weapons?|guns?|"
        r"knife|knives|blade)"
    ),
    "abuse_neglect": _denial(
        r"hit|hits|hurt|hurts|harm|abuse[sd]?|abusive|beat|beats|touch(?:ed|es)?|threaten(?:s|ed)?|"
        r"push(?:ed|es)?|slap(?:ped|s)?|kick(?:ed|s)?|choke[sd]?|laid a hand|lay a hand|force[sd]?|rape[sd]?|"
        r"bull(?:y|ied|ies)|scare[sd]?|afraid",
        reach=3,
        pro_forms=False,
    ),
    "substance_crisis": _denial(
        r"drink\w*|drank|drunk|use|used|using|take|taking|took|smok\w*|high|pills?|drugs?|touch(?:ed)? "
        r"(?:it|the stuff|a drop)|relaps\w*|a problem"
    ),
}
#: A negated clause this short is a denial whatever it names ("No, never.", "Not really.").
_SHORT_DENIAL = 4
#: Said with an ex-partner and in the past tense, abuse or violence is history ("my ex hit me");
#: in the present it is not ("I've been thinking about hurting my ex").
_EX = re.compile(r"\b(?:(?:my|an|her|his) ex\b|ex-(?:husband|wife|boyfriend|girlfriend|partner))", re.I)
#: A negation inside a clause introduced by one of these belongs to that clause, not to the risk:
#: "if he don't pay up by friday I'm gonna stab him" threatens, it denies nothing.
_SUBORDINATORS = {"if", "unless", "when", "whenever", "because", "since", "until", "till", "before", "after"}


def _negated(clause: Span) -> bool:
    """A negation of the clause's own predicate that does not deny a wish to live or go on.

    One negated wish to live or to go on makes the clause a disclosure, whatever else it denies
    ("I can't get through a day without them").
    """
    text = clause.text
    pseudo = [(m.start(), m.end()) for m in _PSEUDO_NEG.finditer(text)]
    found = False
    for tok in clause:
        word = tok.lower_
        # typed without the apostrophe, "dont" parses as "do" + "nt", whose norm is "not"
        if not (word in _NEG or word.endswith("n't") or tok.norm_ == "not"):
            continue
        at = tok.idx - clause.start_char
        if any(s <= at < e for s, e in pseudo):
            continue
        head = tok.head
        if head.dep_ == "relcl" or any(
            c.dep_ == "mark" and c.lower_ in _SUBORDINATORS for c in head.children
        ):
            continue
        if _NEGATED_LIFE.match(text[at + len(tok.text) :]):
            return False
        found = True
    return found


def goes_on(sentence: Span) -> bool:
    """Whether a sentence says a past risk has not stopped ("I used to cut, and I want to again")."""
    return bool(_GOES_ON.search(sentence.text)) and not _RESOLVED.search(sentence.text)


def _denies(clause: Span, kind: str) -> bool:
    """Whether a negated clause denies risk of type ``kind`` (not merely holds a negation)."""
    if sum(t.is_alpha for t in clause) <= _SHORT_DENIAL:
        return True
    return bool(_DENIED_ACT[kind].search(clause.text))


def _subject(clause: Span):
    """The clause's main grammatical subject (the first subject whose verb heads the clause)."""
    subjects = [t for t in clause if t.dep_ in ("nsubj", "nsubjpass")]
    for t in subjects:
        if t.head.i == clause.root.i or t.head.dep_ in ("ROOT", "conj", "ccomp", "advcl"):
            return t
    return subjects[0] if subjects else None


def _is_other(tok, conversation: bool) -> bool:
    word = tok.lower_
    if word in OTHERS or word.removesuffix("s") in OTHERS:
        return True
    own = ("my", "our") if conversation else ("my", "our", "her", "his", "their")
    if any(c.dep_ == "poss" and c.lower_ not in own for c in tok.children):
        return True  # "her son", "my sister's boyfriend"; in notes "her" is the client's
    return conversation and word in _THIRD


#: The client as the object of a worker's note ("her partner hit her", "he threatened the client").
_NOTES_CLIENT = {"her", "him", "them", "client", "patient", "pt"}


#: Nouns that name a risky act or habit of whoever owns them ("his overdose", "her habit").
_ACT_NOUNS = {"overdose", "addiction", "habit", "attempt", "suicide", "relapse", "self-harm", "selfharm"}


def _an_act(tok) -> bool:
    """Whether a noun names an act: a gerund ("cutting", "drinking") or an act noun ("his overdose")."""
    return tok.tag_.startswith(("NN", "VBG")) and (tok.lower_.endswith("ing") or tok.lower_ in _ACT_NOUNS)


def _about_other(clause: Span, kind: str, conversation: bool) -> str:
    """Who else the clause's risk belongs to, or "" if it is the speaker's (or a child's in their care)."""
    words = {t.lower_ for t in clause}
    subj = _subject(clause)
    if kind == "abuse_neglect":
        # The other person is usually the one doing it: the speaker is at risk when "me", "us" or
        # "I" is in the clause; "she was raped" / "he beats her" is another victim. A child is never
        # just "someone else" here: a child at risk is the worker's to assess.
        if any(t.lower_ in _FIRST_VICTIM and not _listener(t) for t in clause):
            return ""
        # In a worker's notes the client is "her", "him", "them" or "client": "her partner hit her".
        own = ("my", "our") if conversation else ("my", "our", "her", "his", "their")
        if not conversation and any(
            t.lower_ in _NOTES_CLIENT and t.dep_ in ("dobj", "pobj", "nsubjpass", "dative") for t in clause
        ):
            return ""
        if any(t.lower_ in own and t.dep_ == "poss" and not _is_other(t.head, conversation) for t in clause):
            return ""  # "he grabs my wrist", "she has my pension card": the speaker's body or things
        victims = [
            t
            for t in clause
            if t.dep_ in ("dobj", "pobj", "nsubjpass", "dative")
            and _is_other(t, True)
            and not _a_child(t)
            and not (t.dep_ == "pobj" and t.head.lower_ in ("before", "after", "since", "until"))
        ]
        if victims:
            return victims[0].text  # "she said she was raped", "he hits my little brother"
        if words & CHILDREN:
            return ""
        return subj.text if subj is not None and subj.dep_ == "nsubjpass" and _is_other(subj, True) else ""
    owner = next(
        (t for t in clause if t.dep_ == "poss" and _an_act(t.head) and _is_other(t, conversation)), None
    )
    if owner is not None:
        return owner.text  # "my sister's cutting", "my dad's drinking": the act is the owner's
    if subj is None or subj.lower_ in _FIRST_VICTIM or subj.lower_ in ("you", "it", "that", "this", "there"):
        return ""
    if any(t.dep_ in ("nsubj", "nsubjpass") and t.lower_ in _FIRST_VICTIM for t in clause):
        return ""  # "my cousin owes me and if he don't pay up I'm gonna stab him": the speaker acts
    if _is_other(subj, conversation):
        return subj.text  # "my father died by suicide", "my brother cuts himself"
    return ""


def clause_status(clause: Span, sentence: Span, kind: str, conversation: bool = True) -> Scope:
    """The status of risk of type ``kind`` found in ``clause`` (part of ``sentence``)."""
    text = clause.text
    other = _about_other(clause, kind, conversation)
    if other:
        return Scope("other_person", True, f"about someone else ({other})")
    negated = _negated(clause)
    if negated and _denies(clause, kind):
        return Scope("negated", True, "denied")
    if _HYPOTHETICAL.search(text):
        return Scope("affirmed", False, "conditional or hypothetical wording; check")
    current = _CURRENT.search(text)
    past = _PAST_ONLY.search(text)
    resolved = _RESOLVED.search(sentence.text)
    if (past or resolved) and not current:
        if goes_on(sentence):
            # "hurt me in the past, and some continue to do so": past, and not over
            return Scope("affirmed", False, "began in the past and goes on; check")
        return Scope("historical", True, f"past: {(past or resolved).group(0)}")
    # the tense of the clause's own verbs, not of a verb inside a phrase ("a thing of hitting myself")
    tenses = {
        t.tag_
        for t in clause
        if t.tag_.startswith(("VB", "MD")) and t.dep_ not in ("pcomp", "xcomp", "acl", "amod")
    }
    past_tense = bool(tenses) and tenses <= {"VBD", "VBN"}
    if (
        past_tense
        and not current
        and (_PAST_ONLY.search(sentence.text) or _EX.search(text))
        and not _CURRENT.search(sentence.text)
    ):
        return Scope("historical", True, "past, in a sentence about the past")
    if _FEAR.search(text) and not current:
        return Scope("affirmed", False, "a fear of it; check")
    if past_tense and not current:
        return Scope("affirmed", False, "past tense without a time; check whether current")
    if negated:
        # A negation that does not name the act may still deny it ("No, I feel safe with him"):
        # the worker decides.
        return Scope("affirmed", False, "said with a negation; check whether denied")
    return Scope("affirmed", True)
