"""How practice words what the drafter looks for, shared by its builders: scaling and
risk-screening questions, offers, time words, and whether a sentence names what is to be done."""

from __future__ import annotations

import re

from note_formats.wording import parse

#: A task says what is to be done: a thing, a person, a place or a time, not only "it" or "that".
CONTENT_POS = ("NOUN", "PROPN", "NUM", "ADJ")


def says_what(text: str) -> bool:
    """Whether a plan sentence names what is to be done ("I'll think on it" names nothing); a
    place said as an adverb names it too ("I just want him home")."""
    return any(
        (t.pos_ in CONTENT_POS and not t.is_stop and t.lower_ not in GENERIC) or t.lower_ == "home"
        for t in parse(text)
    )


#: Noun phrases too general to say what an intervention was about.
GENERIC = frozenset(
    [
        "thing",
        "things",
        "lot",
        "bit",
        "way",
        "time",
        "times",
        "something",
        "anything",
        "everything",
        "question",
        "questions",
        "kind",
        "sort",
        "information",
        "today",
        "week",
    ]
)

#: A point on a rating scale, said as a word or a number.
POINT = r"(?:zero|one|two|three|four|five|six|seven|eight|nine|ten|\d{1,2})"
#: The range of a rating scale as the worker says it ("zero to ten", "1-10").
SCALE_RANGE = re.compile(r"\b(?:zero|one|0|1) ?(?:to|-) ?(?:ten|10)\b", re.I)
#: A worker's scaling question ("on a scale from zero to ten", "how would you rate").
SCALING = re.compile(
    rf"(?i)\b(?:on (?:a|the|that|this) (?:same )?(?:[\w-]+ )?scale|scale of|{SCALE_RANGE.pattern}|"
    r"put a number on|how would you rate|rate (?:it|that|your)|thermometer|"
    # the follow-ups motivational interviewing asks of a rating: why not lower, what would raise it
    rf"(?:get|go|move|bump|take|bring) (?:it |you |that )?(?:up |down )?(?:from an? {POINT} )?to an? {POINT}\b|"
    rf"\ban? {POINT},? (?:and|but) not an? {POINT}\b|\ban? {POINT} (?:rather than|instead of) an? {POINT}\b|"
    # the anchors said one by one ("Zero is no worries at all, and ten is the biggest worry ever")
    r"(?:zero|one|0|1) (?:is|means|being|=) [^.?!]{0,60}\b(?:ten|10) (?:is|means|being|=))\b"
)

#: A worker's risk-screening question: about harm to self or others, means, safety, abuse.
SCREENING = re.compile(
    r"(?i)\b(?:end(?:ing)? your life|suicid\w*|"
    r"self-harm|thoughts of (?:hurting|harming|killing)|thoughts? like (?:that|those|this)|"
    r"(?:hurt|harm)(?:ing|ed)? (?:you|him|her|them|anyone|anybody|someone|somebody|any|the)|"
    r"(?:hurt|harm|kill)(?:ing)? (?:yourself|yourselves|themselves|himself|herself)|"
    r"(?:think|thinking|thought|thoughts) (?:about|of) (?:hurting|harming|killing|dying|death)|about dying|"
    # violence between partners as intimate-partner screens ask it (HITS, WAST): fear, physical acts
    r"(?:get|gets|got|gotten|getting|been|become|became) physical|(?:anyone|anybody|someone) (?:ever )?(?:felt|feel|been) (?:afraid|scared)|"
    r"(?:afraid|scared) (?:of (?:him|her|them|anyone|anybody|someone|your (?:partner|husband|wife|boyfriend|girlfriend|ex|"
    r"dad|father|mum|mom|mother|stepdad|stepfather|parents?))|at home|for your (?:safety|life))|"
    r"(?:push(?:es|ed|ing)?|shov(?:e|es|ed|ing)|grab(?:s|bed|bing)?|slap(?:s|ped|ping)?|chok(?:e|es|ed|ing)|"
    r"hit(?:s|ting)?|kick(?:s|ed|ing)?|threaten(?:s|ed|ing)?|scream(?:s|ed|ing)?|insult(?:s|ed|ing)?) "
    r"(?:at )?(?:you|each other|her|him|them)\b|(?:put|puts|putting) (?:his|her|their) hands on you|"
    r"safe(?:ty)? in (?:your |the )?relationships?|"
    r"firearms?|guns?|weapons?|pills|blades?|razors?|knives|sharps|medic(?:ations?|ines?) in the (?:house|home)|"
    r"safe at home|feel safe|"
    r"how you might do it|a plan to|acted on|tried to|wish (?:that )?you (?:would|were) (?:die|dead)|"
    # the instruments' own wording: PHQ-9 item 9, C-SSRS item 1
    r"better off dead|wished you were dead|go to sleep and not wake up|"
    # plan, preparation and intent as the Columbia scale (C-SSRS) asks about them
    r"(?:done|do|did) anything (?:toward|towards|to end|to hurt)|(?:started|prepared) to do anything|"
    r"(?:did|do) you (?:have|make) a plan(?! for)|carry out (?:this|that|the) plan|intend to (?:act|carry)|"
    r"(?:want|wanting|wish|wishing) to (?:die|be dead)|not (?:wanting|want) to (?:live|go on|be here|wake up)|"
    r"intention (?:of|to) act\w*|any intention|act(?:ed|ing)? on (?:them|it|those|these|that|this|the)|"
    r"work(?:ed)? out (?:the )?details|details of how|how you would do it|"
    # substance use screening (practice asks about use, amount, driving and withdrawal)
    r"drugs or alcohol|alcohol or (?:drugs|anything)|how much (?:are|do) you (?:drink|us)\w*|"
    r"(?:were|are|have) you (?:been )?(?:drinking|using|high|drunk)|(?:want|wanting|wanted) to (?:hurt|harm|kill)|"
    r"drive after drinking|shaking|sweating|shakes|sweats|how often do you (?:have a )?drink|how many drinks|"
    # withdrawal as CIWA-Ar asks it: tremor, sweats, nausea, things seen or heard that are not there
    r"(?:seeing|hearing) (?:or (?:seeing|hearing) )?(?:things|stuff)|keep (?:anything|food|it) down|"
    r"drinks? containing alcohol|"
    # AUDIT, CAGE and DAST items in the words workers ask them: amount on a drinking day, guilt,
    # blackouts, cutting down, using alone
    r"(?:day|night)s? (?:when|that) you(?:'re| are)? (?:drinking|using)|how much would you (?:have|drink|use)|"
    r"guilty (?:after|about) (?:drinking|using)|(?:not|couldn't|can't) remember (?:the night|what happened)|"
    r"cut (?:down|back) on (?:your )?(?:drinking|using)|(?:when|while) you (?:used|were using|drank|were drinking)|"
    # financial exploitation as elder-abuse screens ask it (EASI): someone else's hand on the money
    r"access to (?:your|their|his|her) (?:accounts?|money|bank|cards?|pension|benefits)|"
    r"(?:taken|took|taking) (?:money|things) (?:from you|that belong)|"
    # how a parent disciplines, as child-protection assessment asks it (physical punishment)
    r"disciplin\w*|misbehav\w*|physical punishment|spank\w*|smack(?:s|ed|ing)? (?:them|him|her|the kids))\b"
)
#: A worker's question about symptoms, in the words of the instruments that ask them: mood and
#: interest (PHQ-2/PHQ-9), worry (GAD-7), the signs after strangulation (loss of consciousness,
#: vision, voice, swallowing, breathing), and the body's warning signs a medical check asks about
#: (chest pain, breathlessness, dizziness, swelling, fever, a wound's redness).
SYMPTOMS = re.compile(
    r"(?i)\b(?:(?:down|depressed)(?:,? (?:or |and )?(?:depressed|hopeless))+|hopeless|"
    r"(?:little|less|lost|losing|no) interest or pleasure|interest or pleasure|"
    r"(?:nervous|anxious),? (?:or |and )?(?:anxious|on edge)|on edge|(?:stop|control) (?:or control )?worrying|"
    r"trouble (?:falling|staying) asleep|sleeping too much|(?:poor|changes? in your) appetite|"
    r"trouble (?:concentrating|focusing)|feeling bad about yourself|"
    r"pass(?:ed)? out|black(?:ed)? out|los(?:e|t) consciousness|(?:see|saw|seeing) (?:spots|stars)|"
    r"(?:changes? (?:in|to) your |your )(?:voice|vision)|hoarse\w*|(?:trouble |pain )?swallowing|"
    r"trouble breathing|short(?:ness)? of breath|chest pains?|dizz\w+|light-?headed\w*|faint\w*|"
    r"swelling|swollen|fever\w*|redness|signs? of infection|infected|bleeding|"
    r"(?:any|having|get(?:ting)?) (?:headaches|nausea|pain)\b)"
)
#: The worker announcing questions to come ("I need to ask you some safety questions"): the
#: questions are the technique, the announcement tells nothing of its own.
ANNOUNCES_QUESTIONS = re.compile(
    r"(?i)\b(?:ask|asking) (?:you )?(?:some|a few|a couple of|a couple|the|a|one|two|three)(?: more)?"
    r"(?: \w+)? questions?\b|\bquestions? (?:that )?(?:I|we) ask (?:everyone|everybody|all)\b"
)
#: A screening question that refers back to what the worker just named ("Has anything like that come up?").
REFERS_BACK = re.compile(
    r"(?i)\b(?:like that|any of (?:that|this|those)|those thoughts|that come up|"
    r"(?:think|thought|thinking) (?:about|of) (?:that|it|those|this))\b"
)

#: A one-word answer to a yes-or-no question, said as a sentence of its own ("No." "Never!").
#: The words of a bare "no", and of a bare "yes".
SAYS_NO, SAYS_YES = r"(?:no+|nope|nah)", r"(?:yes|yeah|yep|yup)"
YES_NO = re.compile(rf"(?i)\W*(?:(?:{SAYS_NO}|never|{SAYS_YES})\W*)+")

#: A worker's question that offers an action ("would it be okay if I called your school?").
OFFER = re.compile(
    r"(?i)\b(?:would it (?:be okay|be all right|help) if I|can I|could I|shall I|do you want me to|"
    r"would you (?:be willing|consider|like me to))\b"
)

#: Words that put a plan in time ("tomorrow", "Thursday", "next week").
TIME_WORDS = frozenset(
    [
        "today",
        "tonight",
        "tomorrow",
        "week",
        "weekend",
        "month",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "morning",
        "afternoon",
        "evening",
        "next",
        "before",
        "after",
        "by",
        "until",
        "daily",
        "nightly",
        "every",
    ]
)


def timed(text: str) -> bool:
    """Whether a sentence names a day or a time."""
    return any(t.lower_ in TIME_WORDS or t.lemma_.lower() in TIME_WORDS for t in parse(text)) or bool(
        re.search(r"(?i)\b(?:\d{1,2}(?::\d\d)?\s*(?:a\.?m\.?|p\.?m\.?)|o'clock)\b", text)
    )


#: A question about the client's preferred future, as solution-focused and motivational practice
#: asks it (the miracle question, best hopes, "what would you want to be different"): the answer is
#: the client's goal in their own words.
GOAL_QUESTION = re.compile(
    r"(?i)\b(?:what would you (?:want|like|love|hope)(?: (?:it|them|things|life|that|this))? to (?:be different|look like|change|happen)|"
    r"what (?:would|do) you (?:want|like|hope) (?:to be|things to be|it to be) different|"
    r"what are you hoping (?:for|to get|will change)|what(?:'s| is| are) your (?:goals?|hopes?|best hopes?)|"
    r"where would you like to be|miracle|(?:if|when) (?:things|it|life) (?:got|went|were|was|get|goes) (?:even )?(?:a (?:little )?)?(?:bit )?"
    r"(?:better|well|as well as)|what would (?:a good|a better) (?:day|week|life) look like)"
)

#: A worker's strengths or coping question (strengths-based and solution-focused practice).
STRENGTH_QUESTION = re.compile(
    r"(?i)\bwhat (?:else )?(?:helps|helped|has (?:been )?help(?:ed|ing)|would help|could help)\b|"
    r"\bwhat (?:are )?(?:some )?(?:things )?(?:can|could|do) you do (?:when|to|on your own|if)\b|"
    r"\b(?:things|something) you (?:can|could) do\b|"
    r"\bwhat (?:are|were) you good at\b|\bwhat makes it (?:a|an|not)\b|\bwhat(?:'s| is| has) (?:been )?(?:going|gone|went) (?:well|right)\b|"
    r"\bwhat gets you through\b|\bwhat keeps you going\b|\bwho (?:can|could|would) you (?:call|reach|talk to|turn to|tell)\b|"
    # interests and what the client enjoys: resources for coping and activation
    r"\bwhat do you (?:like|love|enjoy) (?:doing|to do)\b|\bwhat do you do for fun\b|\bwhat are you into\b|"
    r"\bwhat (?:are|were) (?:some of )?your (?:hobbies|interests)\b|\bwhat makes you (?:happy|smile|feel better)\b"
)


#: A heading in the worker's dictation ("Plan.", "Supervisor consultation.", "New paragraph"): it
#: ends the part the heading before it opened.
HEADING = re.compile(r"(?i)^\W*(?:new paragraph\b|[a-z]+(?: [a-z]+)?[.:](?:\s|$))")


#: Words a question or a listed item may open with ("And how ...", "So, did ...", "So, one, ...").
LEAD_IN = r"(?:(?:and|so|okay|ok|right|and so),?\s+)?"
#: An open question: what, how, when, where, who, which or why.
OPEN_QUESTION = re.compile(rf"(?i)^\W*{LEAD_IN}(?:how|what|when|where|who|which|why)\b")
#: A yes-no question about the client's circumstances ("Have you kept the messages?", "Does the
#: school know?"); not one about the worker ("Have I missed anything?") or what the worker just
#: said ("Does that work?", "Is that okay?"), nor an offer ("Would you like ...?", "Can I ...?").
YES_NO_QUESTION = re.compile(
    rf"(?i)^{LEAD_IN}(?:have|has|had|did|does|do|is there|are there|was|were)\s+(?!I\b|that\b|this\b|it\b|we\b)"
)
#: The worker asking what the client makes of what was just proposed or summed up.
HOW_DOES_THAT_SOUND = r"how (?:does|do|would|did) (?:that|this|it|all that|that all|this all) (?:sound|seem)"


def heading(names: str, also: str = "") -> re.Pattern[str]:
    """A dictated heading that names a part of the note (``names``): "Plan.", "New paragraph.
    Assessment:"; ``also`` gives other ways the heading may end (", agreed with ...")."""
    return re.compile(rf"(?i)^\W*(?:new paragraph\W+)?(?:{names})(?:[.:]{also})(?:\s|$)")


#: How much and how often the client drinks or uses, as AUDIT-C asks it: a report of use, which
#: the note gives with its question in the client's report, not as a risk screen.
USE_AMOUNT = re.compile(
    r"(?i)\bhow (?:often|many|much)\b[^?]*\b(?:drinks?|drinking|alcohol|using|use|smoke|smoking)\b[^?]*\?\s*$"
    r"|\bsix or more drinks\b"
)


#: A lethal means (firearms, blades, medicines, ligatures, a weapon kept for someone) or the key to it.
MEANS = (
    r"(?:guns?|rifles?|shotguns?|firearms?|pistols?|weapons?|knife|knives|blades?|razors?|bat|pills|tablets|"
    r"meds|medications?|medicines?|insulin|key|keys|ammo|ammunition|rope|cord)"
)
#: A means as people name it beside the cue's words: medicines by their everyday names, and the
#: tools of self-harm NSSI inventories list (paperclips, sharpeners, lighters).
NAMED_MEANS = rf"(?:{MEANS}|painkillers?|sleeping (?:pills|tablets)|paperclips?|sharpeners?|lighters?)"
#: An answer that names nothing: "I don't know", "dunno know".
DOES_NOT_KNOW = re.compile(r"(?i)\b(?:don't|do not|dunno) know\b")
