"""The plan: one task per plan statement or recap sentence, "Client will ..." / "Worker will ...";
a question that only asks for information is never a plan."""

from __future__ import annotations

import itertools
import re

from note_formats.common import PLAN_TITLES, quoted, title_of
from note_formats.prose.base import ProseBase, content_lemmas
from note_formats.prose.concise import tighten
from note_formats.prose.cues import (
    DOES_NOT_KNOW,
    HEADING,
    HOW_DOES_THAT_SOUND,
    LEAD_IN,
    MEANS,
    OPEN_QUESTION,
    STRENGTH_QUESTION,
    heading,
    says_what,
    timed,
)
from note_formats.prose.risk import RISK_TERMS
from note_formats.wording import NON_SPEECH, as_task, clean, is_request, lower_first, parse, report
from pipelines.components import done_in_session
from scribe.core.records import Annotation, Evidence, NoteItem

#: A worker speaking to several people at once: their task is the members', not the client's.
GROUP_ADDRESS = re.compile(
    r"(?i)\b(?:you(?:'ll|'re| will| can| could| are| two)? (?:both|all|each)|(?:both|each|all) of you|every(?:one|body))\b"
)
#: A thought that comes back ("Sometimes I think ...", "Some nights I wish ...").
THOUGHT = re.compile(
    r"(?i)\b(?:sometimes|often|some (?:days|nights)|at night|a lot of times),? I (?:think|wish|feel|wonder)\b|"
    # looking back at what one never expected ("I didn't think I'd be doing homework again at 67")
    r"\b(?:never|didn't|did not|wouldn't have) (?:thought|think|expected|imagined) (?:that )?I(?:'d| would)\b"
)

#: A fear of what will happen ("I'm scared if I eat normally I won't be able to stop") and what
#: one will not be able to do: neither is a task.
FEARED = re.compile(
    r"(?i)\b(?:scared|afraid|worried|terrified|frightened|nervous|fear|panic)\b[^.?!]*\b(?:will|won't|'ll|would|'d)\b|"
    r"\b(?:will|won't|'ll)\s+(?:not\s+|never\s+)?be able to\b"
)

#: How often something happens ("sometimes", "most nights", "by the end of the month"): what a
#: client says they'll do then is a habit (the habitual "will": "Some nights I'll just lie there").
HABIT = re.compile(
    r"(?i)\b(?:sometimes|usually|often|always|normally|typically|most (?:days|nights|mornings|weeks|of the time)|"
    r"some (?:days|nights|mornings)|a lot of (?:days|nights|times)|half the time|every time|whenever|"
    r"by the end of the (?:month|week))\b"
)
#: Talk about what is to come, in a worker's turn before the client's "I'll ...": a question about
#: next steps, a proposal, an offer. The client's answer to it commits.
FUTURE_TALK = re.compile(
    r"(?i)\b(?:will|'ll|going to|gonna|would|could|might|plan\w*|next|steps?|try|this week|tomorrow|"
    r"before|homework|commit\w*|ready|willing)\b|"
    # typed without the apostrophe: "ill ask her tonight", "ill ring monday"
    r"\bill (?=(?:ask|ring|call|phone|text|message|email|try|do|go|get|tell|see|book|talk|speak|put|take|give|"
    r"keep|check|make|start|stop|chase|sort|write|bring|come|look)\b)"
)
#: Verbs of states: in the simple present they say how things are, not what someone does each time.
STATIVE = frozenset(
    ("be", "have", "know", "want", "need", "like", "love", "hate", "seem", "feel", "think", "believe",
     "mean", "cost", "owe", "own", "look", "sound", "hope", "wish", "get")
)  # fmt: skip


def tells_a_habit(sent) -> bool:
    """Whether a sentence tells what happens again and again: a frequency ("sometimes", "by the end
    of the month"), or an action verb in the simple present ("The kids eat lunch at school")."""
    if HABIT.search(sent.text):
        return True
    root = sent.root
    return (
        root.tag_ in ("VBZ", "VBP")
        and root.lemma_.lower() not in STATIVE
        and not any(c.dep_ in ("aux", "auxpass") for c in root.children)
    )


#: A sentence that makes its action depend on something ("if ...", "unless ...").
CONDITION = re.compile(r"(?i)(?:^|[,;]\s*|\b(?:and|but|so)\s+)(?:if|unless|or else)\b")

#: A worker's turn that sums up what was agreed.
RECAP = re.compile(
    r"(?i)\b(?:sum (?:it |that |this )?up|summari[sz]e|recap|to review|let me make sure|so the plan is|"
    r"so before next time|so for this week|here's the plan|here's what (?:I|we) have|here's what (?:I'll|we'll) do|"
    r"what we agreed|next steps|what we(?:'ve| have) (?:got|agreed|said|decided|planned)|"
    r"(?:say|read|go|run) (?:it |that |this |them )?(?:back|over|through) (?:what|everything|the plan)|"
    r"(?:let's|let me|we'll|I'll) (?:quickly )?(?:go|run|read) (?:back )?(?:over|through) (?:it|that|this|them|everything|the plan|what))\b|"
    r"\bbefore you go(?=\s*[,:;.!?])|^\W*plan\b|(?:^|[.!?]\s+)so:\s"
)
#: The question that closes a recap, checking it with the client ("Did I miss anything?", "Does
#: that sound right?"): a turn that ends so and names two or more times lists what was agreed.
CHECKS_BACK = re.compile(
    r"(?i)\b(?:(?:did|have) I (?:miss|missed|forget|forgotten|leave|left) (?:anything|something|out)|"
    r"anything I(?:'ve| have)? (?:missed|forgot(?:ten)?|left out)|"
    r"(?:does|did|do) (?:that|this|it all) (?:sound|seem|look) (?:right|okay|ok|about right|fair|good)|"
    r"(?:have|did) I (?:got|get) (?:that|it|everything|all that) right|is that (?:everything|it|right)|"
    r"can (?:you|we) (?:both |all )?(?:try|do) (?:that|this)|"
    rf"{HOW_DOES_THAT_SOUND}(?: to you)?)\W*$"
)
#: The number a task is given in a list said aloud ("One, you'll keep ...", "Secondly, ...", "2)").
LIST_MARKER = re.compile(
    rf"(?i)^\W*{LEAD_IN}(?:(?:one|two|three|four|five|six|seven|eight|nine|ten|first(?:ly)?|second(?:ly)?|"
    r"third(?:ly)?|fourth(?:ly)?|fifth(?:ly)?|last(?:ly)?|finally)\s*[,:]|\d{1,2}\s*[.):])\s+"
)
#: Times a turn names before its closing check to count as a recap.
RECAP_TIMES = 2
#: The words that open a recap, left out of the task they lead into ("So to sum up: tonight you'll ...").
RECAP_OPENING = re.compile(
    r"(?i)^\W*(?:(?:okay|ok|right|so),?\s*)*(?:to sum (?:it |that |this )?up|let me sum (?:it |that |this )?up|"
    r"to recap|before you go)?\s*[,:]\s*"
)
#: A heading said aloud in the worker's notes ("Plan.", "Assessment.", "New paragraph. Mood."): one
#: or two words standing as a sentence at the start of a paragraph.
PLAN_HEADING = heading(
    r"(?:the )?(?:plan|safety plan|next steps|referrals|follow[- ]up|recommendations)",
    r"|,\s+(?:discussed|agreed|signed|reviewed)\b",
)
#: What a dictating worker says to the recorder, not about the client.
DICTATION_COMMAND = re.compile(
    r"(?i)^\W*(?:(?:that's it|that is it|okay|ok|right)\W+)?(?:end of (?:dictation|note|recording)|new (?:paragraph|line)|"
    r"full stop)\W*$"
)
#: Reassurance said as the future ("You'll be fine", "I'll be fine"): a prediction, not a task.
REASSURES = re.compile(
    r"(?i)\b(?:i'll|i will|you'll|you will|you're going to|you are going to|it'll|it will|that'll|we'll)\s+be\s+(?:just\s+)?"
    r"(?:fine|okay|ok|alright|all right|grand)\b"
)


#: Nouns of a heading over a list of tasks ("Homework.", "Summary of actions.", "Next steps.").
HEADING_NOUNS = frozenset(
    ("homework", "summary", "action", "actions", "plan", "plans", "task", "tasks", "step", "steps", "recap", "point",
     "points", "item", "items")
)  # fmt: skip


def names_a_heading(text: str) -> bool:
    """Whether a sentence is a heading or a reply, not a task: three words at most, with no verb, no
    time and no noun but a heading's ("Homework.", "Summary of actions.", "Fair enough."). A terse
    dictated task names its thing ("OT referral.", "Food bank voucher.") and stays."""
    text = NON_SPEECH.sub("", text).strip()  # "(laughs) Fair enough."
    doc = parse(text)
    words = [t for t in doc if t.is_alpha]
    things = [t for t in doc if t.pos_ in ("NOUN", "PROPN", "NUM")]
    return (
        len(words) <= 3
        and not any(t.pos_ in ("VERB", "AUX") for t in doc)
        and not timed(text)
        and all(t.lower_ in HEADING_NOUNS for t in things)
    )


#: Errands of informing someone else ("I'll tell the principal", "I'll let your doctor know").
INFORMS = frozenset(("tell", "inform", "notify", "report", "let"))
#: Verbs of talking: "I'm going to ask you some questions" is what happens next in the session.
SPEECH_ACTS = frozenset(
    ("ask", "tell", "share", "explain", "talk", "say", "mention", "start", "sum", "summarize", "hear",
     "listen", "understand", "know", "learn")
)  # fmt: skip


#: How a worker says they will speak ("I'm going to be straight with you").
CANDOUR = frozenset(("honest", "straight", "frank", "direct", "upfront", "clear", "blunt", "open", "real"))


#: What the worker asks when the client is to name a change ("anything you'd want to change?",
#: "where could you be instead?"), besides ``WHAT_WOULD_YOU_DO`` and the coping questions.
ASKS_OPTIONS = re.compile(
    r"(?i)\b(?:anything|something) you(?:'d| would| could)\b|\bwhat would work\b|\bwhere could you\b|"
    r"\bwhat do you reckon\b|\bwhat(?:'s| is) one thing\b"
)
#: Where a means is taken to be used, not kept safe ("take the gun to his house").
_PLACES = r"(?:house|place|flat|home|work|school|yard|door|party|office|car|street|estate)\b"
#: The means put out of reach: handed to someone, taken away, locked up, got rid of.
MEANS_SAFE = re.compile(
    rf"(?i)\b(?:give|gives|giving|gave|hand|hands|handing|handed|pass|take|takes|taking|took|bring|move|keep|store)\b"
    rf"[^.?!]{{0,25}}\b{MEANS}\b[^.?!]{{0,30}}\b(?:to (?:my|his|her|our|their|the) (?!{_PLACES})\w+|to (?:you|me)\b|"
    rf"to (?-i:[A-Z])\w+|away|out of|off (?:me|him|her))"
    rf"|\b(?:lock(?:s|ed|ing)? (?:up|away)|get rid of|got rid of|throw(?:n)? (?:away|out)|hang onto|hold onto|"
    rf"look after|hand(?:ed)? (?:over|in))\b[^.?!]{{0,25}}\b{MEANS}\b"
    rf"|\block(?:s|ed|ing)?\s+(?:the |my |his |her |all the |all my )?{MEANS}\s+(?:up|away)\b"
    rf"|\b{MEANS}\b[^.?!]{{0,20}}\b(?:locked (?:up|away)|out of the (?:house|flat|home|apartment))"
)
#: Taking the means to use them is the opposite of making them safe.
_USES_MEANS = re.compile(
    r"(?i)\b(?:all|whole|overdose|swallow\w*|end it|kill|hurt|shoot|stab|use it on|on him|on her)\b"
)


#: An answer that agrees to move the means a question named ("Our Lee could take it", "he can have them").
TAKES_IT = re.compile(
    r"(?i)\b(?:take|takes|have|has|hold|keep|mind|give|hand|lock|bin|get rid of)\b[^.?!]{0,12}\b(?:it|them|those)\b"
)


def _restated(task: Evidence, proposed: list[tuple[set[str], Evidence]]) -> list[Evidence]:
    """The (at most two) client proposals a recapped task restates: those sharing at least two
    content words with it, the closest first, given in time order."""
    want = content_lemmas(task.quote) - RECAP_COMMON
    shared = [(len(words & want), ev) for words, ev in proposed]
    best = sorted((se for se in shared if se[0] >= 2), key=lambda se: -se[0])[:2]
    return sorted((ev for _, ev in best), key=lambda e: (e.start, e.char_start))


#: Share of a plan line's content words a recap sentence must say again to restate it.
RESTATES = 0.5


def doer(task: str) -> str | None:
    """Who a plan line says will act, when it opens with them: "worker", "client", or None."""
    found = re.match(r"(?i)(worker|client|the client|participants)\b", task)
    return None if found is None else found.group(1).lower().removeprefix("the ")


def _once(items: list[NoteItem], recapped: list[NoteItem]) -> list[NoteItem]:
    """The plan with each task the worker's recap restates written once, citing both times: the
    recap's line stands, unless the other is a means-safety line (the more specific). A recap line
    restates another when it says at least two of its content words and ``RESTATES`` of them."""
    words = {id(i): content_lemmas(i.text) - RECAP_COMMON - {"client", "worker", "will"} for i in items}
    gone: set[int] = set()
    for recap in recapped:
        for other in items:
            if other is recap or id(other) in gone or id(recap) in gone or any(other is r for r in recapped):
                continue
            if None not in (doer(recap.text), doer(other.text)) and doer(recap.text) != doer(other.text):
                continue  # "Client will call the pantry" does not restate "Worker will give her the number"
            shared = words[id(recap)] & words[id(other)]
            if len(shared) < 2 or len(shared) < RESTATES * min(len(words[id(recap)]), len(words[id(other)])):
                continue
            keep, drop = (other, recap) if other.text.startswith("Means safety") else (recap, other)
            keep.evidence = sorted(
                {(e.segment_id, e.char_start): e for e in [*keep.evidence, *drop.evidence]}.values(),
                key=lambda e: (e.start, e.segment_id, e.char_start),
            )
            keep.annotation_ids = list(dict.fromkeys([*keep.annotation_ids, *drop.annotation_ids]))
            gone.add(id(drop))
    return [i for i in items if id(i) not in gone]


def _says_a_step(sent) -> bool:
    """Whether an answer's sentence is a step said as an instruction ("Call Grandma.", "Don't open
    the door.", "And text Priya.")."""
    words = [t for t in sent if t.is_alpha or t.lower_ == "n't"]
    words = list(itertools.dropwhile(lambda t: t.lower_ in ("and", "um", "uh", "then", "or"), words))
    if len(words) >= 3 and words[0].lower_ == "do" and words[1].lower_ in ("n't", "not"):
        return words[2].tag_ == "VB"  # "Don't open the door"
    return bool(words) and words[0].tag_ == "VB"


def makes_means_safe(text: str) -> bool:
    """Whether ``text`` tells a lethal means put out of reach (``MEANS_SAFE``), not taken to be used."""
    return bool(MEANS_SAFE.search(text)) and not _USES_MEANS.search(text)


#: Words of a recap too common to show that the client proposed the same step.
RECAP_COMMON = frozenset(
    ("go", "get", "do", "make", "try", "want", "need", "think", "know", "say", "tell", "thing", "time")
)


def _candid(verb) -> bool:
    """Whether ``verb`` says how the speaker will speak: "be" with a word of candour ("be honest")."""
    return verb.lemma_ == "be" and any(c.dep_ == "acomp" and c.lower_ in CANDOUR for c in verb.children)


def in_session_talk(text: str) -> bool:
    """Whether a sentence only announces talk in the session ("I'm going to ask you some questions")."""
    doc = parse(text)
    root = next((t for t in doc if t.dep_ == "ROOT"), None)
    if root is None:
        return False
    # "I'm going to ask ...", "I'd like to hear ...": the talk is the verb the first one leads to
    leads = root.lemma_ in ("go", "like", "want", "love")
    main = next((c for c in root.children if c.dep_ == "xcomp"), root) if leads else root
    # "I'd like you to tell your doctor": the client's task, not talk here; the "you" of "I'm going
    # to ask you" is the one asked
    if main is not root and any(t.lower_ == "you" and t.i < main.i for t in (*root.children, *main.children)):
        return False
    # "I'll be honest with you, alcohol makes sleep worse": a candour clause opening the sentence
    # says how the worker speaks now; what follows it is no task of theirs
    opening = next(
        (
            c
            for c in root.lefts
            if c.dep_ in ("ccomp", "advcl")
            and _candid(c)
            and any(g.dep_ == "nsubj" and g.lower_ == "i" for g in c.children)
        ),
        None,
    )
    if opening is not None and not any(
        t.lower_ in ("you", "we") and t.dep_ == "nsubj" and t.head.i > opening.i for t in doc
    ):
        text, main = doc[opening.left_edge.i : opening.right_edge.i + 1].text, opening
    if _candid(main):
        # "I'm going to be honest with you": how the worker will speak now, to the client
        with_whom = [w for t in main.subtree if t.lower_ == "with" for w in t.children if w.dep_ == "pobj"]
        return all(w.lower_ == "you" for w in with_whom) and not timed(text)
    told = [c for c in main.children if c.dep_ in ("dobj", "dative")]
    if main.lemma_.lower() in INFORMS and told and all(c.pos_ in ("PROPN", "NOUN") for c in told):
        return False  # "I'm going to tell Mrs. Dunn": someone outside the session is told
    return main.lemma_.lower() in SPEECH_ACTS and not timed(text)


#: A question asking for information: it opens with a wh-word.
#: A sentence that gives someone a task.
TASK_MARK = re.compile(
    r"(?i)\b(?:you'll|you will|you're going to|you are going to|I'll|I will|we'll|we will|let's)\b"
)
#: A statement of something that will happen.
FUTURE = re.compile(
    r"(?i)\b(?:I'll|I will|we'll|we will|(?:I'm|we're) (?:also |just |then |first )?going to|see you|let's|let us)\b"
)


#: What a worker does for the client between sessions (case management): calls, letters, referrals,
#: forms, finding things out. "I'll call the housing office" is the worker's task, said with a time or not.
ERRANDS = frozenset(
    ("call", "phone", "email", "e-mail", "text", "send", "mail", "fax", "contact", "refer", "write", "check",
     "find", "reach", "schedule", "book", "bring", "drop", "give", "get", "put", "submit", "follow",
     "speak", "fill", "complete", "arrange", "connect", "request", "coordinate", "print", "look", "sign",
     "set", "make", "update", "ask")
) | INFORMS  # fmt: skip


#: The next meeting named without a verb ("Same time next week", "Next session Thursday at two").
NEXT_MEETING = re.compile(
    r"(?i)^\W*(?:(?:so|and|okay|ok|right),?\s+)?(?:same time|(?:our )?next (?:session|appointment|group|meeting|visit|check-in)|"
    r"back here)\b"
)

#: The worker proposing the next contact ("I'd like to come back next Thursday, same time").
COMES_BACK = re.compile(
    r"(?i)\b(?:I|we)(?:'d| would) like to (?:come back|come by|come out|see you|meet|visit|check in|follow up|call you)\b"
)

#: What the worker tells the client to do when something happens, a step of a safety plan ("If you
#: faint, or your heart won't settle, you go to the ER"; "When the urge comes, you text Priya").
IF_THEN = re.compile(
    r"(?i)^\W*(?:and |so )?(?:if|when|whenever)\b[^.?!]{3,}?,\s*(?:then\s+)?you\s+(?!might\b|may\b|could\b|would\b|can\b|"
    r"should\b|feel\b|think\b|know\b|see\b|want\b|need\b|have\b|are\b|were\b|'re\b|'d\b)[a-z]+"
)
#: A worker asking the client to do something: "I want you to ...", "I'd like you to ...". "I want
#: you to know" (understand, hear, feel) asks for no act: it frames what the worker says.
ASKS_TO = re.compile(
    r"(?i)\b(?:I|we) (?:really )?(?:want|need|'d like|would like) you to\b"
    r"(?!\s+(?:just\s+)?(?:know|understand|hear|feel|realise|realize|be aware)\b)"
)
#: A worker offering to act: "I can call the bank with you", "we could fill it in together".
OFFERS = re.compile(r"(?i)\b(I|we) (?:can|could)\b")
#: A worker arranging for someone else to act: "I'd like the nurse to take a look at that".
ARRANGES = re.compile(r"(?i)\b(?:I|we)(?:'d| would) like (?:the|your|our|a|my) \w+(?: \w+)? to\b")
#: A client taking up an offer.
AGREES = re.compile(
    r"(?i)^\W*(?:(?:well|um|uh|so|oh|i guess)\W+)*(?:(?!(?:not|no|never|nah)\b)[a-z]+\W+)?(?:yes|yeah|yep|aye|ok|okay|alright|all right|sure|please|that'd|that would|go on|"
    r"sounds good|fine|let's|I'll (?:look|try|think about it|give it a go))\b|\b(?:sign me up|do it|that would help|I'd like that)\b"
)
#: A worker offering an errand as a question, before its verb ("Would you let me set up a visit?").
OFFER_OPENER = re.compile(
    r"(?i)^\W*(?:(?:and|so|okay|ok|well|now),?\s+)?(?:can I|could I|shall I|should I|do you want me to|"
    r"would you like me to|would you let me|how about I|what if I)\s+"
)
#: A client turning an offer down: "No, I'd rather do it myself."
REFUSES = re.compile(r"(?i)^\W*(?:no|nope|nah|not really|I'd rather not|I don't)\b")
#: A worker asking what the client could do (in a crisis, when it gets bad): a safety or coping plan.
WHAT_WOULD_YOU_DO = re.compile(
    r"(?i)\bwhat (?:could|would|can|will|might) you do\b|\bwho (?:could|would|can) you (?:call|tell|reach|talk to)\b|"
    r"\bwhat(?:'s| is| would be) (?:the|your) plan\b|"
    # the client's half of the tasks, asked after the worker's own ("So here's my list ... What's on yours?")
    r"\bwhat(?:'s| is) on (?:yours|your list)\b|\bwhat (?:are|will) you (?:going to |gonna )?do (?:this week|before|by)\b|"
    # the first small step motivational and solution-focused practice asks the client to choose
    r"\bwhat(?:'s| is| would be| could be| feels like| seems like)? (?:a |the |one |your )?(?:small|smallest|first|next|"
    r"realistic|manageable|doable)(?: enough)?(?: first)? (?:step|thing you could do)\b"
)

#: A worker asking what the client will agree to, or when they could do a task (motivational
#: interviewing's elicited plan): the client's answer, in their words, is the plan.
WILLING = re.compile(
    r"(?i)\bwhat (?:would|are|will) you (?:be )?willing to (?:do|try|agree to|change)\b|"
    r"\bwhat (?:could|would|might) (?:an|the|our|your|that) (?:agreement|deal|plan) look like\b|"
    r"\bwhat can you agree to\b|\bwhat (?:might|could|would) help(?: you)?(?: then| with that| tonight| at night)?\?|"
    r"\bwhen (?:do you think )?(?:you could|could you|will you|would you|can you|might you) "
    r"(?:send|call|ring|email|text|do|go|start|try|talk|tell|book|make|write|see|visit)\b"
)

#: What a client says they will do between sessions, beside the worker's errands ("I'll ring the
#: GP", "I'll try the group once", "I'm going to apply for the flat").
CLIENT_ACTS = ERRANDS | frozenset(
    ("ring", "try", "start", "attend", "join", "visit", "apply", "pay", "walk", "show", "hand", "move",
     "download", "save", "read", "practise", "practice", "talk")
)  # fmt: skip


def errand(text: str, offered: bool = False, acts: frozenset[str] = ERRANDS) -> bool:
    """Whether a sentence says its speaker will do an errand ("I'll call the school about the bus",
    "I'm going to send the referral to the food bank"): a verb of ``acts`` with an object or a place
    after it, whose subject is the speaker ("I", "we"); with ``offered``, the speaker offering it
    ("I can call the bank with you tomorrow")."""
    for t in parse(text):
        if t.lemma_.lower() not in acts or t.pos_ != "VERB":
            continue
        subject = next((c for c in t.children if c.dep_ == "nsubj"), None)
        # "I'm going to call ...": the subject is go's ("I went and looked" is no future)
        going = t.head.lemma_ == "go" and t.head.tag_ == "VBG" and any(c.lower_ == "to" for c in t.children)
        if subject is None and going:
            subject = next((c for c in t.head.children if c.dep_ == "nsubj"), None)
        modals = ("can", "could") if offered else ("will",)  # the norm of "'ll", "wo" and typed "ll"
        future = any(c.norm_ in modals for c in t.children) or (not offered and going)
        if subject is None or subject.lower_ not in ("i", "we") or not future:
            continue
        # "I'll ask you a few things" asks in the session; an errand has something or someone else
        objects = [c for c in t.children if c.dep_ in ("dobj", "prep", "dative", "prt", "xcomp")]
        if t.lemma_.lower() in INFORMS and any(c.lower_ == "you" for c in objects):
            continue  # "I'm going to tell you a story": telling the client is the session itself
        if t.lemma_.lower() == "let":  # "I'll let your doctor know": the one who will know is told
            objects = [s for c in t.children if c.dep_ == "ccomp" for s in c.children if s.dep_ == "nsubj"]
        if any(c.lower_ not in ("you", "it", "that", "this") for c in objects):
            return True
    return False


#: A worker's suggestion put as a question, before its verb: "Maybe leave it parked here?", "How
#: about you call her tonight?", "Would you be willing to ask Marcus ...?".
SUGGESTION = re.compile(
    r"(?i)^\W*(?:(?:and|so|okay|ok|well|now|then),?\s+)?"
    # when it is to be done may come first: "And until it's checked, maybe leave it here?"
    r"(?:(?:until|when|if|once|after|before|for now|tonight|this week|in the meantime)\b[^,?]{0,40},\s*)?"
    r"(?:(?:maybe|perhaps|how about|what about)(?:\s+you)?|"
    r"(?:would|could|can|will) you(?: be)? (?:willing|able|open|up for it|okay|ok) to|would you|could you|can you|will you)\s+"
)


#: Verbs of a suggestion that ask for talk or a view here, not a task: "Would you say ...?",
#: "Could you tell me more?", "Can you think of a time ...?".
VIEWS = frozenset(
    ("say", "think", "feel", "like", "want", "mind", "be", "have", "describe", "imagine", "see", "agree")
)


def suggested(question: str) -> str:
    """The task a worker's suggestion asks of the client, as "you will ..." ("" if it asks none:
    "Would you say it's worse?" asks a view, "Could you tell me more?" is talk here)."""
    match = SUGGESTION.match(question)
    if match is None:
        return ""
    rest = question[match.end() :].rstrip(" ?")
    doc = parse(rest)
    first = doc[0] if len(doc) else None
    if first is None or first.tag_ != "VB" or first.lemma_.lower() in VIEWS:
        return ""
    if len(doc) > 1 and doc[1].lower_ in ("me", "us"):
        return ""  # "tell me", "walk us through": talk in the session
    # a task names what it is done to or where: "leave it parked here and take the bus to work"
    if not any(
        t.pos_ in ("NOUN", "PROPN")
        or (t.pos_ == "PRON" and t.lower_ not in ("me", "us", "it", "that", "this"))
        for t in doc[1:]
    ):
        return ""
    return f"you will {rest}"


class Tasked:
    """The spans already made a task: a span mostly inside one of them ("ill save the number" in
    "ye ill save the number.") is the same task."""

    def __init__(self) -> None:
        self.spans: list[tuple[int, int, int]] = []

    def add(self, ev: Evidence) -> None:
        self.spans.append((ev.segment_id, ev.char_start, ev.char_end))

    def __contains__(self, ev: Evidence) -> bool:
        length = max(1, ev.char_end - ev.char_start)
        return any(
            seg == ev.segment_id and min(end, ev.char_end) - max(start, ev.char_start) >= 0.8 * length
            for seg, start, end in self.spans
        )


class PlanBuilder(ProseBase):
    # --- plan ------------------------------------------------------------------------------

    def plans(self) -> list[NoteItem]:
        """One task per plan statement; questions that only ask for information are left out.

        A worker's recap at the end ("So let me sum up. Today ... You'll call the pantry
        this week. I'll call you tomorrow.") lists the plan: each of its statements is a task.
        Talk about what happens next in the session ("I'm going to ask you some questions")
        is not a plan.
        """
        items = []
        recapped: list[NoteItem] = []  # the tasks the worker's recap lists
        seen = Tasked()
        planning = False  # the worker's notes: a "Plan." heading runs on until the next heading
        for seg in self.m.transcript.segments:
            planning = self.m.notes and (
                bool(PLAN_HEADING.match(seg.text)) or (planning and not HEADING.match(seg.text))
            )
            if planning or (
                (seg.role == "worker" or self.m.notes) and (RECAP.search(seg.text) or self._checked_back(seg))
            ):
                anns = [a for a in self.m.select("plan") if any(e.segment_id == seg.id for e in a.evidence)]
                sentences = self._sentences(Evidence.of(seg, 0, len(seg.text.rstrip())), min_words=2)
                cue = next((n for n, ev in enumerate(sentences) if RECAP.search(ev.quote)), -1)
                # what the recap lists: the cue sentence when it names tasks itself ("So before next
                # time, you'll ...", "So, before you go: Nurse Patel checks your neck today"), and the
                # sentences after it
                said = sentences[cue].quote if cue >= 0 else ""
                after_colon = said.split(":", 1)[1] if ":" in said else ""
                names = bool(TASK_MARK.search(said)) or len(after_colon.split()) >= 3
                start = cue if names else cue + 1
                proposed = self._proposals(seg) if not self.m.notes else []
                for ev in sentences[start:]:
                    if DICTATION_COMMAND.match(ev.quote):
                        continue
                    if ev.quote.endswith("?"):
                        items += self._proposed_time([], ev, seen)
                        continue
                    words = RECAP_OPENING.sub("", ev.quote, count=1) if RECAP.search(ev.quote) else ""
                    task = self._task(anns, ev, "worker", seen, words)
                    for item in task:
                        agreed = _restated(ev, proposed)
                        item.evidence[:0] = agreed
                        self.use(agreed)
                        recapped.append(item)
                    items += task
                # what the turn says before the recap is read as any other worker's words
                first = sentences[max(cue, 0)].char_start if sentences and not planning else 0
                self.use([Evidence.of(seg, first, len(seg.text.rstrip()))])
        # the worker's own future actions with a time ("I'll see you Monday during advisory"), errands
        # the worker will run or offers to run once the client agrees, and what the worker asks the
        # client to do ("I want you to tell your mom")
        for seg in self.m.transcript.segments:
            if seg.role != "worker" or self.m.notes:
                continue
            for ev in self._sentences(Evidence.of(seg, 0, len(seg.text.rstrip())), min_words=2):
                if ev.quote.endswith("?") and (offer := OFFER_OPENER.match(ev.quote)) and self._agreed(seg):
                    # "Would you let me set up a visit?" "I'll look.": the worker's errand, taken up
                    words = "I will " + ev.quote[offer.end() :].rstrip(" ?")
                    if errand(words):
                        items += self._task([], ev, "worker", seen, words, errand=True)
                elif ev.quote.endswith("?") and self._agreed(seg) and (words := suggested(ev.quote)):
                    # "Maybe leave it parked here and take the bus?" "Yeah, I'll do it.": the client's
                    # task, cited with the agreement
                    for item in self._task([], ev, "worker", seen, words):
                        reply = self._reply(seg)
                        said = self._sentences(Evidence.of(reply, 0, len(reply.text.rstrip())), 1)
                        # "Yeah." alone, or "yeah" split off "ill give kyle the pills": the words after it too
                        last = said[1] if len(said[0].quote.split()) < 3 and len(said) > 1 else said[0]
                        agreed = Evidence.of(reply, said[0].char_start, last.char_end)
                        item.evidence.append(agreed)
                        seen.add(agreed)  # the client's "I'll give Kyle the pills" is this task
                        items.append(item)
                elif ev.quote.endswith("?"):
                    items += self._proposed_time([], ev, seen)
                elif (
                    FUTURE.search(ev.quote)
                    and (timed(ev.quote) or errand(ev.quote))
                    and not done_in_session(ev.quote)
                ):
                    items += self._task([], ev, "worker", seen, errand=errand(ev.quote))
                elif IF_THEN.search(ev.quote) and says_what(ev.quote):
                    items += self._task([], ev, "worker", seen)  # "If you faint, you go to the ER"
                elif (NEXT_MEETING.search(ev.quote) or COMES_BACK.search(ev.quote)) and timed(ev.quote):
                    items += self._task([], ev, "worker", seen)  # "Same time next Wednesday, at six."
                elif ASKS_TO.search(ev.quote) and says_what(ev.quote):
                    items += self._task([], ev, "worker", seen, ASKS_TO.sub("you will", ev.quote, count=1))
                elif errand(ev.quote, offered=True) and self._agreed(seg):
                    words = OFFERS.sub(r"\1 will", ev.quote, count=1)
                    items += self._task([], ev, "worker", seen, words, errand=True)
                elif ARRANGES.search(ev.quote) and (timed(ev.quote) or self._agreed(seg)):
                    items += self._task([], ev, "worker", seen)  # "I'd like the nurse to look at it"
        # what the client says they will do ("Yeah, I'll email them."), tagged as a plan or not
        for seg in self.m.transcript.segments:
            if seg.role not in ("client", "other") or self.m.notes:
                continue
            for ev in self._sentences(Evidence.of(seg, 0, len(seg.text.rstrip())), min_words=2):
                if (
                    not ev.quote.endswith("?")
                    and errand(ev.quote, acts=CLIENT_ACTS)
                    and not self.habitual(ev)
                    and not done_in_session(ev.quote)
                    and not RISK_TERMS.search(ev.quote)  # "I'll take the pills" is never filed as a task
                ):
                    items += self._task([], ev, seg.role, seen, errand=True)
        items += self.safety_steps(seen)
        items += self.elicited(seen)
        items += self.means_safety(seen)
        anns = [
            *self.m.select("plan"),
            *self.m.select("goal", subtypes=("commitment",), exclude_roles=("worker",)),
        ]
        anns.sort(key=lambda a: (a.evidence[0].start, a.evidence[0].segment_id))
        for ann in anns:
            spoken = self.m.spoken(ann)
            role = self.m.role(ann)
            if ann.status == "negated" or self.said(spoken, besides_risk=True):
                continue
            if any(self._is_question(e) for e in spoken) and not all(is_request(e.quote) for e in spoken):
                continue  # "Where would you like to be by the end of the month?" asks, it does not plan
            if role != "worker" and not self.m.notes and all(self.habitual(e) for e in spoken):
                # "The kids eat at school. I'll skip dinner so they have more": what they do, not a plan
                self.habits |= {(e.segment_id, e.char_start) for e in spoken}
                continue
            for ev in [s for e in spoken for s in self._sentences(e)]:
                items += self._task([ann], ev, "worker" if self.m.notes else role, seen)
            self.use(spoken)
        items = _once(items, recapped)
        return sorted(items, key=lambda i: min((e.start, e.segment_id, e.char_start) for e in i.evidence))

    def _checked_back(self, seg) -> bool:
        """Whether a worker's turn lists what was agreed without naming it a summary: it ends by
        checking it with the client and names ``RECAP_TIMES`` or more times in its sentences."""
        if seg.role != "worker" or not CHECKS_BACK.search(seg.text.rstrip()):
            return False
        sentences = self._sentences(Evidence.of(seg, 0, len(seg.text.rstrip())), min_words=2)
        return sum(bool(timed(ev.quote)) for ev in sentences if not ev.quote.endswith("?")) >= RECAP_TIMES

    def _proposals(self, recap) -> list[tuple[set[str], Evidence]]:
        """The steps the client proposed before the worker's recap, with their content words: said
        of the future ("I'll text him tonight", "I could give the key to my brother") or in answer
        to a question about what they could do ("What else helps?", "Anything you'd change?")."""
        out = []
        asked = ""  # the worker's last words before the client's turn
        for seg in self.m.transcript.segments:
            if seg.id == recap.id:
                break
            if seg.role == "worker":
                asked = seg.text
            if seg.role != "client":
                continue
            options = any(p.search(asked) for p in (WHAT_WOULD_YOU_DO, STRENGTH_QUESTION, ASKS_OPTIONS))
            for ev in self._sentences(Evidence.of(seg, 0, len(seg.text.rstrip())), min_words=2):
                if not ev.quote.endswith("?") and (options or FUTURE_TALK.search(ev.quote)):
                    out.append((content_lemmas(ev.quote), ev))
        return out

    def habitual(self, ev: Evidence) -> bool:
        """Whether a client's "I'll ..." tells what they do again and again, not what they are to do.

        Commitment language answers talk about what comes next (Amrhein's commitment and MISC's
        "commitment": an intention about future change). Said with no time of its own, unasked,
        within a report of how things keep going ("The fridge is almost empty by the end of the
        month. ... I'll skip dinner so they have more."), it is the habitual "will".
        """
        if timed(ev.quote) and not HABIT.search(ev.quote):
            return False
        if HABIT.search(ev.quote):
            return True
        asked = self.question_before(ev)
        before = self.worker_turn_before(ev)
        if (asked is not None and FUTURE_TALK.search(asked.quote)) or (
            asked is None and before is not None and FUTURE_TALK.search(before)
        ):
            return False
        seg = self.m.transcript.segment(ev.segment_id)
        told = [x for x in parse(seg.text).sents if x.end_char <= ev.char_start]
        if any(FUTURE.search(x.text) or (timed(x.text) and not HABIT.search(x.text)) for x in told[-2:]):
            return False  # "Rent is due Friday. I'll call the landlord."
        return any(tells_a_habit(x) for x in told)

    def worker_turn_before(self, ev: Evidence) -> str | None:
        """The text of the worker's last turn before ``ev``."""
        at = self.position(ev.segment_id) or 0
        return next(
            (seg.text for seg in reversed(self.m.transcript.segments[:at]) if seg.role == "worker"), None
        )

    def _proposed_time(self, anns: list[Annotation], ev: Evidence, seen: Tasked) -> list[NoteItem]:
        """A yes/no question that names a day or a time ("Same time next Monday, eleven o'clock?")
        proposes the next appointment; a wh-question ("What would that look like by Wednesday?") asks."""
        if (
            OPEN_QUESTION.search(ev.quote)
            or not timed(ev.quote)
            or self.said([ev], besides_risk=True)
            or ev in seen
        ):
            return []
        if not re.search(
            r"(?i)\b(?:same time|see you|meet|come (?:back|in)|next (?:session|appointment|visit|group))\b",
            ev.quote,
        ):
            return []
        seen.add(ev)
        text = f"Next appointment: {lower_first(clean(ev.quote).rstrip('?'))}."
        return [self.item(anns, text, f"Next appointment: {quoted([ev], 1)}", [ev])]

    def _reply(self, seg):
        """The client's (or another participant's) turn right after the worker's ``seg``, if any."""
        at = self.position(seg.id)
        segs = self.m.transcript.segments
        if at is None or at + 1 >= len(segs) or segs[at + 1].role not in ("client", "other"):
            return None
        return segs[at + 1]

    def _agreed(self, seg) -> bool:
        """Whether the client's next turn after the worker's ``seg`` takes up what it offered."""
        reply = self._reply(seg)
        return reply is not None and bool(AGREES.search(reply.text)) and not REFUSES.match(reply.text)

    def means_safety(self, seen: Tasked) -> list[NoteItem]:
        """Where the client says how a lethal means will be put out of reach ("I could give the key
        to my brother", "our Lee could take the bat"): the means-safety step of a safety plan
        (Stanley-Brown step 6, CALM), one line per sentence, said as the client said it."""
        if self.m.notes:
            return []
        items = []
        asked: Evidence | None = None  # the worker's last question, when it asks to put a means away
        for seg in self.m.transcript.segments:
            if seg.role == "worker":
                q = self.question_in(seg)
                asked = q if q is not None and makes_means_safe(q.quote) else None
                continue
            if seg.role not in ("client", "other"):
                continue
            for ev in self._sentences(Evidence.of(seg, 0, len(seg.text.rstrip())), min_words=3):
                own = makes_means_safe(ev.quote)
                # "Our Lee could take it": the means is the one the worker's question named
                answers = (
                    asked is not None and bool(TAKES_IT.search(ev.quote)) and not _USES_MEANS.search(ev.quote)
                )
                if ev in seen or not (own or answers) or self.said([ev], besides_risk=True):
                    continue
                seen.add(ev)
                said = tighten(self.in_third_person(ev, seg.role).rstrip("?"))
                who = self.named(seg.role, seg.speaker)
                cited = [ev] if own or asked is None else [asked, ev]
                if len(cited) > 1:
                    question = report(cited[0].quote, "worker", self.pronouns).rstrip("?")
                    text = (
                        f"Means safety: asked {lower_first(question)}, {who} said that {lower_first(said)}."
                    )
                else:
                    text = f"Means safety: {who} said that {lower_first(said)}."
                items.append(self.item([], text, f"Means safety: {quoted(cited, 2)}", cited))
                self.use([ev])
        return items

    def safety_steps(self, seen: Tasked) -> list[NoteItem]:
        """The client's answer to the worker asking what they could do ("If those thoughts get
        stronger, what could you do?" - "Tell Dev. And call you."): steps of a safety or coping plan,
        the client's own, said as what they would do."""
        items = []
        for seg in self.m.transcript.segments:
            if seg.role != "worker":
                continue
            q = self.question_in(seg, WHAT_WOULD_YOU_DO)
            answer = self.answer_to(q, sentences=3) if q is not None else None
            if answer is None or self.said([answer], besides_risk=True):
                continue
            steps = [x for x in parse(answer.quote).sents if _says_a_step(x)]
            if not steps or answer in seen:
                continue
            seen.add(answer)
            seg = self.m.transcript.segment(answer.segment_id)
            role = "other" if seg.role == "other" else "client"
            said = "; ".join(
                lower_first(
                    report(
                        re.sub(r"(?i)^\W*(?:and|or|then|but|um|uh)\b\W*", "", x.text),
                        role,
                        self.pronouns_of(role),
                    ).rstrip("?")
                ).removeprefix("do ")  # "Don't open the door" -> "will not open the door"
                for x in steps
            )
            text = f"{self.who(seg.role, seg.speaker)} will {said}."
            items.append(self.item([], text, f"Task: {quoted([q, answer], 2)}", [q, answer]))
            self.use([answer])
        return items

    def elicited(self, seen: Tasked) -> list[NoteItem]:
        """The client's answer to the worker asking what they will agree to or when they could do
        it ("What would you be willing to do?" - "No more pills that aren't mine."): the plan in the
        client's words, with its question."""
        items = []
        for seg in self.m.transcript.segments:
            if seg.role != "worker" or self.m.notes:
                continue
            q = self.question_in(seg, WILLING)
            answer = self.answer_to(q, sentences=3, yes_no=False) if q is not None else None
            if (
                answer is None
                or answer in seen
                or self._covered(answer, besides_risk=True) > 0  # a task of it is written already
                or DOES_NOT_KNOW.search(answer.quote)
                or not says_what(answer.quote)
            ):
                continue
            seen.add(answer)
            items.append(
                self.item(
                    [], self.answered(self.asked(q), answer), f"Task: {quoted([q, answer], 2)}", [q, answer]
                )
            )
            self.use([answer])
        return items

    def _task(
        self,
        anns: list[Annotation],
        ev: Evidence,
        role: str | None,
        seen: Tasked,
        words: str = "",
        errand: bool = False,
    ) -> list[NoteItem]:
        """``ev`` as a task, unless it is said already, talk about the session, a condition or a
        threat, a recurring thought, or names nothing to do (an ``errand`` names its act)."""
        if ev in seen or self.said([ev], besides_risk=True) or in_session_talk(ev.quote):
            return []
        if role != "worker" and CONDITION.search(ev.quote):
            return []  # "if you keep this up I'll send you to your father": a condition or threat, not a task
        if THOUGHT.search(ev.quote):
            return []  # "Sometimes I think I'll go too": a recurring thought, not something planned
        if role != "worker" and FEARED.search(ev.quote):
            return []  # "I'm scared I won't be able to stop": a fear, not a task
        if not errand and not says_what(ev.quote):
            return []  # "I'll think on it", "Here's what I'll do": no task a note can state
        if names_a_heading(ev.quote) or REASSURES.search(ev.quote) or DICTATION_COMMAND.match(ev.quote):
            return []  # "Homework.", "Fair enough.", "You'll be fine.", "That's it, end of dictation."
        seen.add(ev)
        text = as_task(LIST_MARKER.sub("", words or ev.quote, count=1), role, self.pronouns) + "."
        together = role == "worker" and self.shared() and GROUP_ADDRESS.search(ev.quote)
        if together:  # "you both", "each of you": the members' task, not the client's alone
            text = re.sub(r"\b(?:[Tt]he client|Client) will\b", "participants will", text, count=1)
            text = text[:1].upper() + text[1:]
        ann = anns[0] if anns else None
        title = (
            title_of(ann.subtype, PLAN_TITLES, "plan") if ann is not None and ann.label == "plan" else "Task"
        )
        item = self.item(anns, text, f"{title}: {quoted([ev], 1)}", [ev])
        if together:
            item.fields["kind"] = "group_task"
        return [item]
