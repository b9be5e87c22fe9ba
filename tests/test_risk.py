"""Risk detection: the instrument-based bank, the clause classifier, clause scope, possible risk.

End-to-end cases run the real spaCy pipeline and the real int8 ONNX classifier. The phrasings
below come from the risk issue's own list of misses and false alarms (paraphrases of real
help-seekers' writing), not from the bank the classifier was trained on.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from note_formats import DraftOptions, build_draft
from pipelines import tag
from pipelines.policy import INDIRECT_NOTE
from pipelines.risk import (
    CLASSES,
    MODEL_INFO,
    MODEL_PATH,
    TYPES,
    RiskModel,
    base_forms,
    clause_status,
    clauses,
    load_bank,
    load_field,
)
from pipelines.tagger import load_language_model
from scribe.core.errors import ModelError
from scribe.core.records import Annotation, Evidence, Segment, Speaker, Transcript


def client_says(*texts: str) -> Transcript:
    segs = [
        Segment(id=i, start=5.0 * i, end=5.0 * i + 4.0, text=t, speaker="S2", role="client")
        for i, t in enumerate(texts)
    ]
    return Transcript(segments=segs, speakers=[Speaker("S2", "client")], source="dialogue")


def risks(text: str) -> list[Annotation]:
    return [a for a in tag(client_says(text)) if a.label == "risk"]


def current(anns: list[Annotation], certain_only: bool = False) -> list[Annotation]:
    return [
        a
        for a in anns
        if a.status == "affirmed" and not (certain_only and a.attributes.get("certainty") == "possible")
    ]


# --- the bank ---------------------------------------------------------------------------------


def test_the_bank_covers_every_type_with_sourced_groups() -> None:
    bank = load_bank()
    for kind in TYPES:
        assert bank.labels.count(kind) >= 150, kind
        groups = [k for k in bank.sources if k.startswith(f"{kind}.")]
        assert len(groups) >= 10, kind
        assert all(bank.sources[g].strip() for g in groups), "every group names the instrument it comes from"
        for status in ("negated", "historical", "other_person", "hypothetical", "figurative"):
            assert len(bank.status_examples[(kind, status)]) >= 10, (kind, status)
    assert bank.labels.count("none") >= 500


def test_a_malformed_bank_file_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text("type: arson\ngroups: []\n", encoding="utf-8")
    with pytest.raises(ModelError, match="unknown risk type 'arson'"):
        load_bank(tmp_path)
    with pytest.raises(ModelError, match="No risk bank"):
        load_bank(tmp_path / "empty")


def test_the_shipped_model_was_trained_on_the_shipped_bank() -> None:
    info = json.loads(MODEL_INFO.read_text(encoding="utf-8"))
    assert info["bank_sha256"] == load_bank().digest, "retrain: python -m pipelines.train_risk"
    assert tuple(info["classes"]) == CLASSES


def test_a_changed_model_file_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "risk_model.onnx"
    shutil.copyfile(MODEL_PATH, bad)
    with bad.open("r+b") as f:
        f.seek(1000)
        f.write(b"\0\0\0\0")
    with pytest.raises(ModelError, match="pinned checksum"):
        RiskModel(bad, MODEL_INFO)


def test_a_text_scores_the_same_whatever_is_read_beside_it() -> None:
    """Threads change when a call runs, and neighbours change from session to session: neither
    changes a text's probabilities."""
    from pipelines.risk import load_model

    model = load_model()
    texts = [
        f"{w} I keep thinking about {t}" for w in ("Honestly,", "Um,", "So") for t in load_bank().texts[:25]
    ]
    alone = model.predict(texts, workers=1)
    assert alone.shape == (75, len(CLASSES)) and np.allclose(alone.sum(axis=1), 1.0, atol=1e-4)
    assert np.array_equal(model.predict(texts, workers=2), alone)
    longer = ["My sister said the whole family is driving her up the wall this week, every one of us."]
    assert np.array_equal(model.predict(texts[:10] + longer)[:10], alone[:10])
    assert np.array_equal(model.predict(texts[::-1])[::-1], alone)


# --- the field: what each type is talked about with ---------------------------------------


def test_a_word_matches_in_its_regular_inflections() -> None:
    assert "hit" in base_forms("hitting")
    assert "bully" in base_forms("bullied")
    assert "scare" in base_forms("scared")
    assert "cut" in base_forms("cuts")
    assert "stab" in base_forms("stabbed")
    assert base_forms("me") == {"me"}


def test_the_field_names_every_type_and_a_broken_file_is_a_one_line_error(tmp_path: Path) -> None:
    field = load_field()
    assert set(field) == set(TYPES)
    assert all(len(f.words) >= 40 for f in field.values())
    (tmp_path / "risk_field.yaml").write_text("suicidal_ideation:\n  words: [die]\n", encoding="utf-8")
    with pytest.raises(ModelError, match="no words for self_harm"):
        load_field(tmp_path)
    (tmp_path / "risk_field_more.yaml").write_text("arson:\n  words: [fire]\n", encoding="utf-8")
    with pytest.raises(ModelError, match="unknown risk type: arson"):
        load_field(tmp_path)
    (tmp_path / "risk_field_more.yaml").write_text("suicidal_ideation: [", encoding="utf-8")
    with pytest.raises(ModelError, match="cannot read the risk field"):
        load_field(tmp_path)
    with pytest.raises(ModelError, match="no risk field"):
        load_field(tmp_path / "empty")


@pytest.mark.parametrize(
    ("text", "kind", "touches"),
    [
        ("Some nights I think everyone would be better off without me.", "suicidal_ideation", True),
        ("I've started wearing long sleeves so nobody sees the marks.", "self_harm", True),
        ("He checks my phone and won't let me see my sister.", "abuse_neglect", True),
        ("I had a few cans before I came in today.", "substance_crisis", True),
        ("I keep telling myself it will get easier at work.", "suicidal_ideation", False),
        ("My sister never calls me back anymore.", "abuse_neglect", False),
        ("Nothing I try seems to make any difference.", "harm_to_others", False),
    ],
)
def test_the_field_tells_risk_talk_from_distress_in_general(nlp, text: str, kind: str, touches: bool) -> None:
    assert load_field()[kind].touches(nlp(text)[:]) is touches


def test_an_unsure_finding_outside_the_field_is_not_kept_and_a_sure_one_is(nlp) -> None:
    """The classifier reads distress in general as risk too easily: below the affirmed probability
    a finding needs its sentence to touch the type's subject matter."""
    from pipelines.minilm import RISK_HIGH

    heads = bare_heads()

    def probs(p_si: float) -> np.ndarray:
        p = np.zeros(len(CLASSES), dtype=np.float32)
        p[heads._col["suicidal_ideation"]] = p_si
        p[heads._col["none"]] = 1 - p_si
        return p

    doc, sent, parts = first_sentence(nlp, "Everyone keeps saying they are there for me.")
    assert heads._risk(doc, sent, parts, probs(0.9), [probs(0.9)] * len(parts)) == []
    sure = heads._risk(doc, sent, parts, probs(RISK_HIGH), [probs(RISK_HIGH)] * len(parts))
    assert [(f.subtype, f.status) for f in sure] == [("suicidal_ideation", "affirmed")]
    doc, sent, parts = first_sentence(nlp, "Some days I wish I could just not wake up.")
    found = heads._risk(doc, sent, parts, probs(0.9), [probs(0.9)] * len(parts))
    assert [(f.subtype, f.status, f.certain) for f in found] == [("suicidal_ideation", "affirmed", False)]


# --- clause scope ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def nlp():
    return load_language_model()


def test_a_sentence_is_cut_where_a_new_clause_starts(nlp) -> None:
    sent = next(nlp("I'm not going to do anything, but I keep wishing I wouldn't wake up.").sents)
    assert [c.text for c in clauses(sent)] == [
        "I'm not going to do anything,",
        "but I keep wishing I wouldn't wake up.",
    ]
    short = next(nlp("No, I haven't thought about that.").sents)
    assert len(clauses(short)) == 1  # "No" alone is no clause


@pytest.mark.parametrize(
    ("text", "kind", "status"),
    [
        ("I have never once thought about suicide.", "suicidal_ideation", "negated"),
        ("My father died by suicide.", "suicidal_ideation", "other_person"),
        ("My ex used to beat me, years ago.", "abuse_neglect", "historical"),
        ("My sister's boyfriend hits her.", "abuse_neglect", "other_person"),
        # a child harmed is never just someone else's risk: a young relative, or one of a child's age
        ("Her boyfriend kicks my baby sister when she cries.", "abuse_neglect", "affirmed"),
        ("Dad slaps my cousin around, she's only nine.", "abuse_neglect", "affirmed"),
        ("Dad slaps my cousin around, she's 25.", "abuse_neglect", "other_person"),
        # an act owned by someone else: "my sister's cutting", "my dad's drinking"
        ("My cousin's cutting got worse, I saw the marks.", "self_harm", "other_person"),
        ("My boyfriend's drinking scares me.", "substance_crisis", "other_person"),
        ("My dad's drinking, I can't stand it.", "substance_crisis", "other_person"),
        ("My drinking scares my boyfriend.", "substance_crisis", "affirmed"),
        ("He hits me when he gets angry.", "abuse_neglect", "affirmed"),
        ("I don't want to live anymore.", "suicidal_ideation", "affirmed"),
        ("I can't stop drinking once I start.", "substance_crisis", "affirmed"),
        ("I self-harmed a few days ago.", "self_harm", "affirmed"),
        # an ex-partner is not a time: present talk about one is current, past talk is history
        ("I keep thinking about hurting my ex, like properly planning it.", "harm_to_others", "affirmed"),
        ("My ex punched me.", "abuse_neglect", "historical"),
        # the speaker's body or belongings make the speaker the one harmed
        ("He keeps my passport locked in his desk.", "abuse_neglect", "affirmed"),
        # a negation denies only when it governs the act
        ("I don't let myself eat when I've messed up.", "self_harm", "affirmed"),
        ("No, I don't cut.", "self_harm", "negated"),
        ("I would never do it, not with my kids to think about.", "suicidal_ideation", "negated"),
        ("I don't carry a knife or anything.", "harm_to_others", "negated"),
        ("That's never been me.", "self_harm", "negated"),
        # what is over, and what past self-harm leaves
        ("I used to burn myself, but that's all in the past now.", "self_harm", "historical"),
        ("I hit myself a lot, but I was only eleven.", "self_harm", "historical"),
        ("I still have the scars from when I used to cut.", "self_harm", "historical"),
    ],
)
def test_clause_status(nlp, text: str, kind: str, status: str) -> None:
    sent = next(nlp(text).sents)
    scope = clause_status(clauses(sent)[0], sent, kind)
    assert scope.status == status, scope


def test_the_bank_s_non_current_examples_are_rarely_read_as_current(nlp) -> None:
    """Denied, past and other people's examples were written by someone other than the rules' author."""
    bank = load_bank()
    for status in ("negated", "historical", "other_person"):
        texts = [(k, t) for (k, st), ts in bank.status_examples.items() if st == status for t in ts]
        wrong = 0
        for kind, text in texts:
            sent = next(nlp(text).sents)
            parts = clauses(sent)
            scope = clause_status(parts[0], sent, kind)
            wrong += scope.status == "affirmed" and scope.certain
        assert wrong / len(texts) <= 0.35, (status, wrong, len(texts))


# --- end to end --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Honestly I think about death pretty much constantly.", "suicidal_ideation"),
        ("The world would be better off without me in it.", "suicidal_ideation"),
        ("I hurt myself again a few days ago.", "self_harm"),
        ("My partner hurts me when he's angry.", "abuse_neglect"),
        ("I hit my little brother so hard last week he had a bruise.", "harm_to_others"),
        ("When it gets bad I punch the wall until my knuckles bleed.", "self_harm"),
        ("I'm hooked on drink and pills and can't get through a day without them.", "substance_crisis"),
    ],
)
def test_current_risk_in_everyday_words_is_found(text: str, kind: str) -> None:
    found = [a for a in current(risks(text)) if a.subtype == kind]
    assert found, (text, risks(text))
    assert found[0].evidence[0].quote.strip() in text


@pytest.mark.parametrize(
    "text",
    [
        "I have never once thought about suicide.",
        "My father died by suicide when I was little.",
        "My ex used to beat me, years ago.",
        "I'm ruining my life with this job.",
        "This commute is killing me.",
        "I'm dying to see the new film.",
    ],
)
def test_denials_other_people_past_and_figures_of_speech_are_not_current_risk(text: str) -> None:
    assert current(risks(text), certain_only=True) == [], risks(text)


def test_a_denial_and_a_disclosure_in_one_sentence_the_disclosure_wins() -> None:
    found = current(risks("I'm not going to do anything, but I keep wishing I wouldn't wake up."))
    assert [a.subtype for a in found] == ["suicidal_ideation"]
    beside = current(
        risks("I won't do anything stupid, I promise, but honestly I think about being dead a lot.")
    )
    assert [a.subtype for a in beside] == ["suicidal_ideation"]
    assert "being dead" in beside[0].evidence[0].quote


def bare_heads():
    """The risk component without its models: ``_risk`` is given the probabilities."""
    from pipelines.minilm import MiniLMHeads

    heads = object.__new__(MiniLMHeads)
    heads._col = {kind: k for k, kind in enumerate(CLASSES)}
    return heads


def first_sentence(nlp, text: str):
    """The doc of ``text``, its first sentence and that sentence's clauses."""
    doc = nlp(text)
    doc._.scribe_risk_sents = []
    sent = next(doc.sents)
    return doc, sent, clauses(sent)


def test_a_clause_beside_a_denial_is_the_disclosure_even_when_it_reads_weaker_alone(nlp) -> None:
    """The sentence carries the risk; its denied clause reads strongest alone; the other is kept."""
    from pipelines.minilm import RISK_BESIDE

    heads = bare_heads()
    doc, sent, parts = first_sentence(
        nlp, "I'd never go through with it, for my dad's sake, but I think about not being here a lot."
    )
    assert len(parts) == 2

    def probs(p_si: float) -> np.ndarray:
        p = np.zeros(len(CLASSES), dtype=np.float32)
        p[heads._col["suicidal_ideation"]] = p_si
        p[heads._col["none"]] = 1 - p_si
        return p

    found = heads._risk(doc, sent, parts, probs(0.99), [probs(0.9), probs(RISK_BESIDE + 0.1)])
    assert [(f.subtype, f.status, f.certain) for f in found] == [("suicidal_ideation", "affirmed", False)]
    assert doc.text[found[0].start_char : found[0].end_char].strip() == parts[1].text.strip()
    # a clause that turns from the denial with "but" is kept whatever it scores alone
    found = heads._risk(doc, sent, parts, probs(0.99), [probs(0.9), probs(0.0)])
    assert [(f.status, f.certain) for f in found] == [("affirmed", False)]
    # without the turn and below the floor, the sentence's own denial stands
    doc, sent, parts = first_sentence(
        nlp, "I'd never go through with it, for my dad's sake, and I tell him that every week."
    )
    assert len(parts) == 2
    found = heads._risk(doc, sent, parts, probs(0.99), [probs(0.9), probs(RISK_BESIDE / 2)])
    assert [f.status for f in found] == ["negated"]


def test_the_evidence_spans_every_clause_that_carries_the_risk(nlp) -> None:
    heads = bare_heads()
    doc, sent, parts = first_sentence(
        nlp, "He slapped me last week, and ever since then he shoves me whenever we argue."
    )
    assert len(parts) >= 2
    p = np.zeros(len(CLASSES), dtype=np.float32)
    p[heads._col["abuse_neglect"]] = 0.99
    none = np.zeros(len(CLASSES), dtype=np.float32)
    none[heads._col["none"]] = 1.0
    found = heads._risk(doc, sent, parts, p, [p] * len(parts))
    cited = doc.text[found[0].start_char : found[0].end_char]
    assert "slapped" in cited and "shoves" in cited
    # a clause that does not carry it is not cited
    found = heads._risk(doc, sent, parts, p, [p] + [none] * (len(parts) - 1))
    cited = doc.text[found[0].start_char : found[0].end_char]
    assert "slapped" in cited and "shoves" not in cited


def test_a_sentence_that_says_it_only_as_a_whole_is_cited_whole(nlp) -> None:
    """No clause alone carries the type (each half is harmless), the sentence does: it is scoped and cited whole."""
    heads = bare_heads()
    doc, sent, parts = first_sentence(nlp, "I've got a blade in my bag, and I know which bus he takes home.")
    assert len(parts) >= 2
    p = np.zeros(len(CLASSES), dtype=np.float32)
    p[heads._col["harm_to_others"]] = 0.95
    p[heads._col["none"]] = 0.05
    none = np.zeros(len(CLASSES), dtype=np.float32)
    none[heads._col["none"]] = 1.0
    found = heads._risk(doc, sent, parts, p, [none] * len(parts))
    assert [(f.subtype, f.status) for f in found] == [("harm_to_others", "affirmed")]
    assert doc.text[found[0].start_char : found[0].end_char] == sent.text


def test_risk_typed_by_words_the_sentence_lacks_is_kept_as_the_type_whose_words_it_has(nlp) -> None:
    heads = bare_heads()
    doc, sent, parts = first_sentence(nlp, "I make myself throw up after dinner most nights.")

    def probs(**p: float) -> np.ndarray:
        out = np.zeros(len(CLASSES), dtype=np.float32)
        for kind, v in p.items():
            out[heads._col[kind]] = v
        out[heads._col["none"]] = 1 - sum(p.values())
        return out

    p = probs(substance_crisis=0.8, self_harm=0.15)
    found = heads._risk(doc, sent, parts, p, [p] * len(parts))
    assert [(f.subtype, f.status, f.certain) for f in found] == [("self_harm", "affirmed", False)]
    # the other type must have some weight of its own
    p = probs(substance_crisis=0.8, self_harm=0.05)
    assert heads._risk(doc, sent, parts, p, [p] * len(parts)) == []


@pytest.mark.parametrize(
    "text",
    [
        "I'd literally die if my mom found out, she'd never look at me the same.",
        "I swear I'll die of embarrassment if anyone sees.",
        "I nearly died laughing when he fell in the pool.",
        # the same idiom in a turn of short sentences, which is also read whole
        "My roommate knows. Not my parents. God, I'd literally die if my dad found out.",
    ],
)
def test_dying_as_a_figure_of_speech_is_no_ideation(text: str) -> None:
    assert not [a for a in risks(text) if a.subtype == "suicidal_ideation"]


def test_a_wish_to_die_said_with_if_stays_ideation() -> None:
    assert [a.status for a in risks("I would die if it meant the pain stopped.")] == ["affirmed"]


@pytest.mark.parametrize(
    "text",
    [
        "He yells. Calls me a stupid old man, says I'm going to die and leave it all to the church anyway.",
        "My mum says I'll end up dead in a ditch if I keep going out.",
    ],
)
def test_death_in_someone_elses_words_is_not_the_clients_ideation(text: str) -> None:
    assert not current([a for a in risks(text) if a.subtype == "suicidal_ideation"])


@pytest.mark.parametrize(
    "text",
    [
        # another's report of the client's own wish, and command hallucinations, stay the client's
        "My wife says I keep saying I want to die.",
        "The voices tell me to kill myself.",
    ],
)
def test_reported_wishes_and_commanding_voices_stay_ideation(text: str) -> None:
    assert [a.subtype for a in current(risks(text))] == ["suicidal_ideation"]


def test_unwanted_images_of_harm_that_horrify_the_parent_are_not_risk_of_harm() -> None:
    turn = (
        "I keep getting these pictures in my head. Like, I'm carrying her down the stairs and I'll "
        "suddenly see myself dropping her. And it's horrible. I would never. I love her so much."
    )
    assert not [a for a in risks(turn) if a.subtype == "harm_to_others"]


def test_thoughts_of_harm_said_with_intent_stay_risk_however_they_frighten() -> None:
    turn = "I keep thinking about hurting him when he cries, it scares me, and I feel like I'm going to shake him."
    assert [a.subtype for a in current(risks(turn))] == ["harm_to_others"]


def test_everyday_counselling_talk_raises_no_risk() -> None:
    talk = client_says(
        "I've been so tired lately, work is just a lot.",
        "My husband and I argue about money all the time.",
        "I'd like to get back to the gym and sleep better.",
        "I feel like my life is stuck and nothing ever changes.",
        "I have a glass of wine with dinner most nights.",
        "I booked the driving course and paid the deposit on Monday.",
        "Nothing I try ever seems to work out for me.",
        "Everyone says they are there for me but nobody calls.",
        "I just want to run away from all of it sometimes.",
    )
    # not even as possible risk for review: distress in general is not a disclosure
    assert [a for a in tag(talk) if a.label == "risk" and a.status == "affirmed"] == []


def test_an_indirect_disclosure_is_kept_for_the_worker() -> None:
    found = current(risks("I'm on the verge of just giving up on everything."))
    assert [a.subtype for a in found] == ["suicidal_ideation"]


@pytest.mark.parametrize(
    "text",
    [
        "Honestly I've had enough of life at this point.",
        "Some days it feels like nobody would miss me.",
        "I keep thinking I'm a burden to everyone around me.",
    ],
)
def test_a_warning_sign_said_in_other_words_is_possible_risk_for_the_worker(text: str) -> None:
    found = [a for a in current(risks(text)) if a.source == "rules"]
    assert [a.subtype for a in found] == ["suicidal_ideation"]
    assert found[0].attributes["certainty"] == "possible"
    assert "warning-sign" in found[0].attributes["context"]


@pytest.mark.parametrize(
    "text, subtype",
    [
        # HITS / Danger Assessment: a threat of harm, in the words it is said in
        (
            "He sent me a text like, you think you can play me, I'ma mess you up when I see you.",
            "abuse_neglect",
        ),
        # stalking (SHARP): watched, turned up on
        ("I kinda look over my shoulder at the bus stop now.", "abuse_neglect"),
        # withdrawal as CIWA-Ar scores it, told without the word
        ("Shaky Monday morning. Sweaty. Couldn't keep nothing down.", "substance_crisis"),
    ],
)
def test_a_threat_stalking_and_withdrawal_told_without_their_names_are_possible_risk(text, subtype) -> None:
    found = [a for a in current(risks(text)) if a.source == "rules"]
    assert [a.subtype for a in found] == [subtype]
    assert found[0].attributes["certainty"] == "possible"


def test_an_overdose_told_without_the_word_is_risk_and_past_only_is_historical() -> None:
    assert [a.subtype for a in current(risks("I took a bunch of pills last night."), True)] == [
        "substance_crisis"
    ]
    past = risks("When I was sixteen I took a bunch of pills at my old placement.")
    assert [(a.subtype, a.status) for a in past] == [("substance_crisis", "historical")]


@pytest.mark.parametrize(
    "text",
    ["I don't feel like I'm a burden, they tell me so.", "My neighbour always says she's tired of life."],
)
def test_a_warning_sign_denied_or_someone_elses_says_nothing_about_ideation(text: str) -> None:
    assert [a for a in risks(text) if a.source == "rules" and a.subtype == "suicidal_ideation"] == []


def test_a_wish_not_to_wake_up_in_its_own_words_stays_ideation() -> None:
    found = [a for a in current(risks("I just want to fall asleep and not wake up.")) if a.source == "rules"]
    assert [a.subtype for a in found] == ["suicidal_ideation"]
    assert found[0].attributes.get("context", "") != INDIRECT_NOTE


def test_indirect_phrases_must_be_a_list_of_strings(tmp_path: Path) -> None:
    from pipelines.taxonomy import load_taxonomy

    bad = tmp_path / "taxonomy.yaml"
    bad.write_text(
        "risk:\n  - subtype: suicidal_ideation\n    definition: x\n    indirect: tired of life\n",
        encoding="utf-8",
    )
    with pytest.raises(ModelError, match="indirect"):
        load_taxonomy(str(bad))


@pytest.mark.parametrize("style", ["prose", "quotes"])
def test_possible_risk_is_shown_as_possible_in_the_draft_and_needs_a_decision(style: str) -> None:
    tr = client_says("I don't know how much longer I can keep doing this.")
    quote = tr.segments[0].text
    ann = Annotation(
        id="a1",
        label="risk",
        subtype="suicidal_ideation",
        text="Possible suicidal ideation",
        evidence=[Evidence.of(tr.segments[0], 0, len(quote))],
        speaker="S2",
        role="client",
        confidence=0.4,
        attributes={"certainty": "possible"},
    )
    options = DraftOptions(client_id="C-1", style=style)

    def risk_items(a: Annotation):
        return next(s for s in build_draft("soap", tr, [a], options).sections if s.key == "risk").items

    items = risk_items(ann)
    assert len(items) == 1
    if style == "quotes":
        assert items[0].text.split(" — ")[0] == "Possible suicidal ideation (for the worker to decide)"
    else:
        assert items[0].text.startswith("Possible suicidal ideation: client reported")
    assert items[0].needs_review and "decide whether this is current risk" in items[0].review_reason
    certain = risk_items(Annotation(**{**ann.__dict__, "attributes": {}}))
    assert certain[0].text.startswith("Suicidal ideation" + (" — client said" if style == "quotes" else ""))
    assert not certain[0].text.startswith("Possible")


def note_risks(text: str) -> list[Annotation]:
    from pipelines import tag_text

    return [a for a in tag_text(text)[1] if a.label == "risk"]


def test_a_worker_s_plain_report_in_notes_is_not_read_as_risk() -> None:
    """The classifier learned from clients' words; a worker's third-person account needs a higher bar."""
    quiet = note_risks(
        "Met with client for a scheduled session. Client reported sleeping four hours a night.\n\n"
        "Client reported going to bed at 3am most nights and feeling tired at work."
    )
    assert quiet == [], quiet
    # what the worker writes of risk is still read, and "her" in the notes is the client
    found = note_risks("Client reported that her boyfriend checks her phone and takes her wages.")
    assert [(a.subtype, a.status) for a in found] == [("abuse_neglect", "affirmed")]
    assert [
        (a.subtype, a.status) for a in note_risks("Client disclosed cutting her forearm two days ago.")
    ] == [("self_harm", "affirmed")]


@pytest.mark.parametrize(
    ("text", "status"),
    [
        ("Her partner hit her on Saturday.", "affirmed"),
        ("He took her bank card and her pension.", "affirmed"),
        ("Her friend was raped at a party.", "other_person"),
    ],
)
def test_in_notes_the_client_is_her_or_him(nlp, text: str, status: str) -> None:
    sent = next(nlp(text).sents)
    assert clause_status(clauses(sent)[0], sent, "abuse_neglect", conversation=False).status == status


@pytest.mark.parametrize(
    "text",
    [
        "My manager pushed me to the point of tears in the meeting today.",
        "Losing the house drove me over the edge this spring.",
    ],
)
def test_a_risk_word_that_runs_into_a_figure_of_speech_is_no_risk(text: str) -> None:
    assert current(risks(text)) == []


def test_someone_elses_abuse_reported_inside_the_speakers_sentence_is_theirs() -> None:
    found = risks("I can't sleep since my cousin told me she was raped by her stepfather.")
    assert current(found) == []
    assert any(a.subtype == "abuse_neglect" and a.status == "other_person" for a in found)
    # the speaker's own, in the same shape, stays current
    found = risks("I can't sleep because he told me he hits me when he's drunk.")
    assert any(a.subtype == "abuse_neglect" for a in current(found))


def test_the_one_who_was_told_is_not_the_victim() -> None:
    found = risks("My neighbour's girl told me her mum's boyfriend hurts her when nobody is home.")
    assert current(found) == []
    # the hearer who is also the victim stays the victim
    found = risks("He told me he would hurt me if I ever left him.")
    assert any(a.subtype == "abuse_neglect" for a in current(found))


# --- the second reading: nearest bank sentences ------------------------------------------------


def test_the_shipped_bank_vectors_are_those_of_the_shipped_bank_and_encoder() -> None:
    from pipelines.neighbours import SHIPPED, _key

    with np.load(SHIPPED) as f:
        assert str(f["key"]) == _key(load_bank().digest), "rebuild: python -m pipelines.neighbours"
        assert len(f["labels"]) == len(load_bank().texts)


def test_a_sentence_is_read_by_its_nearest_bank_sentences() -> None:
    from pipelines.neighbours import VOTE, load_neighbours

    near = load_neighbours()
    votes = near.votes(
        [
            "He goes through my phone and decides who I'm allowed to see.",
            "I went to the shop and bought some bread.",
        ]
    )
    assert votes[0][TYPES.index("abuse_neglect")] >= VOTE
    assert votes[1].max() < VOTE
    # a vector already encoded is used as given
    probe = np.zeros_like(near.vectors[0])
    probe[:] = near.vectors[near.labels.tolist().index("substance_crisis")]
    assert near.votes(["anything"], {"anything": probe})[0][TYPES.index("substance_crisis")] > 0


def test_what_the_classifier_weighs_too_low_is_kept_when_it_sits_near_the_bank(nlp) -> None:
    heads = bare_heads()
    doc = nlp("He goes through my phone and decides who I'm allowed to see.")
    doc._.scribe_source = "dialogue"
    sent = next(doc.sents)
    p = np.zeros(len(CLASSES), dtype=np.float32)
    p[heads._col["none"]] = 0.9
    p[heads._col["abuse_neglect"]] = 0.1
    found = heads._near_the_bank([doc], [(0, sent, [sent])], [(p, set())], {})
    assert [(f.subtype, f.status, f.certain) for _, f in found] == [("abuse_neglect", "affirmed", False)]
    # what the classifier rules out, or already found, is not read again
    p[heads._col["abuse_neglect"]] = 0.0
    assert heads._near_the_bank([doc], [(0, sent, [sent])], [(p, set())], {}) == []
    p[heads._col["abuse_neglect"]] = 0.1
    assert heads._near_the_bank([doc], [(0, sent, [sent])], [(p, {"abuse_neglect"})], {}) == []


def test_a_changed_bank_is_encoded_once_into_the_data_directory(tmp_path: Path, monkeypatch) -> None:
    import pipelines.neighbours as nb

    bank = tmp_path / "bank"
    bank.mkdir()
    (bank / "abuse.yaml").write_text(
        "type: abuse_neglect\ngroups:\n  - id: hits\n    source: HITS\n    affirmed: ['He hits me when he is drunk.']\n",
        encoding="utf-8",
    )
    (bank / "none.yaml").write_text(
        "groups:\n  - id: talk\n    source: everyday\n    examples: ['I went shopping.', 'Work was busy.']\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("SCRIBE_RISK_BANK", str(bank))
    monkeypatch.setenv("SCRIBE_HOME", str(tmp_path / "home"))
    nb.load_neighbours.cache_clear()
    try:
        near = nb.load_neighbours()
        assert sorted(near.labels.tolist()) == ["abuse_neglect", "none", "none"]
        assert (tmp_path / "home" / "cache" / "risk_neighbours.npz").exists()
        assert near.votes(["He hit me again last night."])[0][TYPES.index("abuse_neglect")] == pytest.approx(
            1 / 3
        )
    finally:
        nb.load_neighbours.cache_clear()


def dialogue(*turns: tuple[str, str]) -> Transcript:
    """Segments in order, ``(role, text)`` each, the worker's and the client's voices."""
    segs = [
        Segment(
            id=i,
            start=i * 5.0,
            end=i * 5.0 + 4,
            text=text,
            speaker="S1" if role == "worker" else "S2",
            role=role,
        )
        for i, (role, text) in enumerate(turns)
    ]
    return Transcript(
        segments=segs, speakers=[Speaker("S1", "worker"), Speaker("S2", "client")], source="dialogue"
    )


def answered(tr: Transcript) -> set[tuple[str, str]]:
    return {(a.subtype, a.status) for a in tag(tr) if a.label == "risk" and a.source == "rules+qa"}


@pytest.mark.parametrize("split", [True, False], ids=["turn cut into segments", "one segment"])
def test_no_answers_the_question_put_not_the_words_that_announce_it(split: bool) -> None:
    preamble = "I need to ask you something I ask everyone who tells me about self-harm."
    question = "Have you had any thoughts of killing yourself?"
    worker = [("worker", preamble), ("worker", question)] if split else [("worker", f"{preamble} {question}")]
    tr = dialogue(*worker, ("client", "No, no, it's not like that."))
    assert answered(tr) == {("suicidal_ideation", "negated")}


def test_no_to_two_screening_questions_in_one_turn_denies_both() -> None:
    tr = dialogue(
        ("worker", "Have you had thoughts of hurting yourself? Or of ending your life?"),
        ("client", "No. Neither."),
    )
    assert answered(tr) == {("self_harm", "negated"), ("suicidal_ideation", "negated")}


@pytest.mark.parametrize(
    ("answer", "found"),
    [
        (
            "Yeah, sometimes. They go on at me, like, go round there and smash his windows.",
            {"harm_to_others"},
        ),
        ("No, they just talk about me, mostly.", set()),
        ("Sometimes, yeah. Mostly to tidy up. It's weird.", set()),
    ],
)
def test_a_yes_to_the_command_voices_screen_naming_an_act_is_possible_risk_of_that_act(
    answer: str, found: set[str]
) -> None:
    tr = dialogue(
        ("worker", "You said the voices have been worse this week. Do they ever tell you to do things?"),
        ("client", answer),
    )
    anns = [a for a in tag(tr) if a.label == "risk"]
    assert {a.subtype for a in anns} == found
    assert all(a.possible and a.status == "affirmed" for a in anns)


@pytest.mark.parametrize(
    "text",
    [
        "If he touches my sister again he'll regret it.",
        "That boy needs to get got, that's all I'm saying.",
        "Next time I see him I'll batter him.",
    ],
)
def test_a_veiled_threat_or_street_word_for_an_assault_is_possible_harm_to_others(text: str) -> None:
    found = [a for a in risks(text) if a.subtype == "harm_to_others"]
    assert found and {a.status for a in found} == {"affirmed"}


@pytest.mark.parametrize(
    "text", ["I'll regret it if I don't go to the gym.", "My dad says I'll regret it if I quit school."]
)
def test_regret_of_ones_own_choice_is_no_threat(text: str) -> None:
    assert not [a for a in risks(text) if a.subtype == "harm_to_others"]


@pytest.mark.parametrize(
    ("text", "subtype"),
    [
        # CTQ emotional abuse, HITS "insult"
        ("Growing up my father told me I was a waste of space.", "abuse_neglect"),
        ("She tells me I'm good for nothing, every single day.", "abuse_neglect"),
        # CTQ physical neglect
        ("Most nights mum was too high to look after us.", "abuse_neglect"),
        # Danger Assessment: threats to kill or take the children, strangulation
        ("He's threatened to take the kids if I ever leave.", "abuse_neglect"),
        ("Last month he put his hands around my neck.", "abuse_neglect"),
        # AUDIT loss of control and morning drinking
        ("Once I've had one I can't stop once I start, that's the thing.", "substance_crisis"),
        ("I've been drinking myself to sleep most nights.", "substance_crisis"),
        # NSSI euphemism
        ("When it gets bad I take it out on myself.", "self_harm"),
        # hopelessness about life itself; preparatory behaviour (C-SSRS)
        ("Honestly, what's the point of living like this?", "suicidal_ideation"),
        ("This month I've been getting my affairs in order, quietly.", "suicidal_ideation"),
        # a veiled threat (threat-assessment leakage)
        ("I told the landlord straight, he'd regret it.", "harm_to_others"),
        # supervision neglect; neglecting the family for use (DAST-10)
        ("The little ones were home alone till gone midnight.", "abuse_neglect"),
        ("I spent the rent on gear again last week.", "substance_crisis"),
    ],
)
def test_an_instrument_item_in_everyday_words_is_possible_risk_of_its_type(text: str, subtype: str) -> None:
    found = [a for a in current(risks(text)) if a.subtype == subtype]
    assert found, text
    rules = [a for a in found if a.source == "rules"]
    assert all(a.attributes["certainty"] == "possible" for a in rules)


@pytest.mark.parametrize(
    ("text", "subtype"),
    [
        # the speaker's own words about themself are no one's abuse
        ("I said I was stupid to leave it so late.", "abuse_neglect"),
        ("My teacher said I was good at drawing.", "abuse_neglect"),
        # another person's threat to himself is not abuse of the speaker
        ("My brother threatened to kill himself at Christmas.", "abuse_neglect"),
        # someone else's drinking is not the speaker's harmful use
        ("My husband drinks too much at weekends.", "substance_crisis"),
    ],
)
def test_the_instrument_items_keep_to_the_speakers_own_risk(text: str, subtype: str) -> None:
    assert not [
        a for a in risks(text) if a.source == "rules" and a.subtype == subtype and a.status == "affirmed"
    ]


def test_indirect_patterns_must_be_token_patterns(tmp_path: Path) -> None:
    from pipelines.taxonomy import load_taxonomy

    bad = tmp_path / "taxonomy.yaml"
    bad.write_text(
        "risk:\n  - subtype: self_harm\n    definition: x\n    indirect_patterns: [do things to myself]\n",
        encoding="utf-8",
    )
    with pytest.raises(ModelError, match="indirect_patterns"):
        load_taxonomy(str(bad))


@pytest.mark.parametrize(
    "text",
    [
        "He winds me up so much I could kill him, but I'd never lay a finger on him.",
        "Honestly I could throttle my brother sometimes, he's my brother though.",
        "I could murder a cup of tea.",
    ],
)
def test_anger_said_as_a_softened_figure_of_speech_is_no_risk(text: str) -> None:
    # "I'd never lay a finger on him" may be documented as what it is: a denial
    assert all(a.status == "negated" for a in risks(text) if a.subtype == "harm_to_others")


def test_what_the_client_could_do_in_anger_is_possible_risk_to_ask_about() -> None:
    found = [
        a for a in risks("I could kill him for what he said to my mum.") if a.subtype == "harm_to_others"
    ]
    assert found and all(a.status == "affirmed" and a.possible for a in found)


def test_anger_with_intent_stays_risk() -> None:
    found = [
        a
        for a in risks("I could kill him, and I'm going to hurt him when I see him.")
        if a.subtype == "harm_to_others" and a.status == "affirmed"
    ]
    assert found and not all(a.possible for a in found)


@pytest.mark.parametrize(
    "text",
    [
        "Between the bills and the baby I feel like I'm drowning.",
        "We've been drowning in debt since March.",
        "This hill will be the death of me, honestly, with my bad hip.",
        # a task one would rather die than do
        "The wedding speech is on Saturday and I'd rather die than read it out in front of his family.",
        "Dance class is the worst. I'd honestly rather die than do the recital. I'd rather die, seriously.",
    ],
)
def test_drowning_and_dying_as_figures_of_speech_are_no_ideation(text: str) -> None:
    assert not [a for a in risks(text) if a.subtype == "suicidal_ideation"]


def test_drowning_oneself_stays_ideation() -> None:
    assert [
        a
        for a in current(risks("Some nights I think about drowning myself."))
        if a.subtype == "suicidal_ideation"
    ]


def test_harm_told_as_a_dream_is_no_current_risk() -> None:
    assert not [
        a
        for a in risks("I keep having nightmares where he comes back and hurts me.")
        if a.status == "affirmed"
    ]


def test_harm_told_before_a_dream_is_named_stays_risk() -> None:
    found = current(risks("He hit me last night after I told him about my nightmares."))
    assert [a.subtype for a in found] == ["abuse_neglect"]


def test_dying_rather_than_going_on_stays_ideation() -> None:
    found = [
        a
        for a in risks("Most mornings I'd rather die than go on like this.")
        if a.subtype == "suicidal_ideation"
    ]
    assert current(found)


@pytest.mark.parametrize(
    "text",
    [
        "If I miss the bus again my dad is going to kill me, he already took my phone.",
        "My coach will murder me when he sees I skipped practice.",
        "Please don't mention the party to my dad. He'd kill me. Not literally, but still.",
        # a "says" about something else in the turn reports no threat
        "Mum says I'm lazy. Honestly my dad's going to kill me when he sees the grades.",
        # the counterfactual is its own condition
        "No, never. My brother would actually kill me.",
    ],
)
def test_a_parents_anger_at_a_mishap_said_as_being_killed_is_no_risk(text: str) -> None:
    assert not current([a for a in risks(text) if a.subtype in ("abuse_neglect", "harm_to_others")])


@pytest.mark.parametrize(
    "text",
    [
        "My dad said he'll kill me if I tell anyone what happened.",
        "My stepdad is going to kill me if I leave.",
        "He gets so angry. He's going to kill me one day.",
    ],
)
def test_a_threat_to_silence_or_to_stop_leaving_stays_risk(text: str) -> None:
    assert [a for a in current(risks(text)) if a.subtype in ("abuse_neglect", "harm_to_others")]


def test_a_denial_typed_without_the_apostrophe_is_a_denial() -> None:
    found = [
        a
        for a in risks("honestly i dont want to die, i just want the bills to stop")
        if a.subtype == "suicidal_ideation"
    ]
    assert any(a.status == "negated" for a in found)
    assert not current(found, certain_only=True)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (
            "I told him to stop but he kept going, and afterwards he acted like nothing happened.",
            "abuse_neglect",
        ),
        ("When we argue he stands in the doorway until I say sorry.", "abuse_neglect"),
        ("My uncle told me if I tell my mum he'll say I'm lying.", "abuse_neglect"),
        ("I know where he lives and one of these days he'll find out.", "harm_to_others"),
        ("At work I daydream about hurting him, properly hurting him.", "harm_to_others"),
        ("I checked whether my life insurance pays out if it's suicide.", "suicidal_ideation"),
        ("We do nangs most nights now, it's like two boxes a weekend.", "substance_crisis"),
        ("I get shaky and sweaty if I miss a day, so I keep a bottle in the car.", "substance_crisis"),
        ("I don't have the login, I can't see the balance or anything.", "abuse_neglect"),
        ("He goes through my phone at night, but that's normal, right?", "abuse_neglect"),
        ("He's been a handful lately, and I popped him a couple times.", "abuse_neglect"),
        # a threat quoted as said to the speaker
        ("He texted me 'you'll be sorry, just wait' at three in the morning.", "abuse_neglect"),
        # stalking: turning up where the speaker or the children are
        ("Last week she showed up at my work and just sat in the car park.", "abuse_neglect"),
        # verbal aggression up close
        ("I ended up yelling right in her face over the dishes.", "harm_to_others"),
    ],
)
def test_instrument_items_said_in_other_words_are_current_risk(text: str, kind: str) -> None:
    assert [a for a in current(risks(text)) if a.subtype == kind]


def test_a_risk_word_repeated_as_a_question_is_answered_by_what_follows_it() -> None:
    """ "Kill myself? No." echoes the worker's word to deny it; with no answer after it the worker
    decides; a question that says something of its own ("Is it normal that I want to die?") discloses."""
    [echo] = risks("I'm just tired. But kill myself? No. Never.")
    assert echo.status == "negated"
    [open_echo] = risks("Hurt myself? Sometimes I think about it.")
    assert open_echo.status == "affirmed" and open_echo.attributes.get("certainty") == "possible"
    assert current(risks("Is it normal that I want to die?"))


def test_an_answer_to_a_screen_that_tells_of_the_past_is_a_history_unless_it_comes_up_to_now() -> None:
    from test_prose_length import dialogue

    def screened(answer: str) -> list[Annotation]:
        tr = dialogue([("worker", "Have you ever tried to hurt yourself?"), ("client", answer)])
        return [a for a in tag(tr) if a.label == "risk" and a.source == "rules+qa"]

    told = screened("Um. Back in middle school, a couple of times. Not since.")
    assert told and {a.status for a in told} == {"historical"}
    again = screened("Um. Back in middle school, and then again two weeks ago.")
    assert again and {a.status for a in again} == {"affirmed"}


def test_a_request_to_hear_the_question_again_is_not_its_answer() -> None:
    tr = dialogue(
        ("worker", "Have you had any thoughts of killing yourself?"),
        ("client", "Sorry?"),
        ("worker", "ANY THOUGHTS OF KILLING YOURSELF?"),
        ("client", "No. Never."),
    )
    found = [a for a in tag(tr) if a.label == "risk" and a.source == "rules+qa"]
    assert [(a.subtype, a.status) for a in found] == [("suicidal_ideation", "negated")]
    assert found[0].evidence[-1].quote.startswith("No")


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        # the echo, then thoughts, then a no: the thoughts are not denied with it
        (
            "(sighs) Doing away with myself, you mean. ... It crosses your mind, some nights. But no. Not really.",
            "affirmed",
        ),
        # the echo and straight away a no
        ("Doing away with myself, you mean. No. Never.", "negated"),
    ],
)
def test_an_answer_that_gives_the_question_back_is_read_to_its_yes_or_no(answer, status) -> None:
    tr = dialogue(("worker", "Have you had thoughts of ending your life?"), ("client", answer))
    [found] = [a for a in tag(tr) if a.label == "risk" and a.source == "rules+qa"]
    assert (found.subtype, found.status) == ("suicidal_ideation", status)
    # quoted from the echo to the yes or no, without the stage direction
    quote = found.evidence[-1].quote
    assert quote.startswith("Doing away") and quote.rstrip(".").endswith(("Not really", "Never"))


def test_an_echo_of_the_risk_words_answered_no_is_a_denial() -> None:
    tr = dialogue(
        ("worker", "Any thoughts of killing yourself?"), ("client", "Killing myself, you mean? No. Never.")
    )
    found = [a for a in tag(tr) if a.label == "risk"]
    assert found and all(a.status == "negated" for a in found)


def test_a_denial_said_with_someone_elses_suicide_is_still_a_denial() -> None:
    tr = dialogue(
        ("worker", "Have you ever tried to end your life?"),
        ("client", "No. Never. My cousin did. Hanged himself, back in 2004."),
    )
    risk = [(a.subtype, a.status) for a in tag(tr) if a.label == "risk"]
    assert ("suicidal_ideation", "negated") in risk
    assert ("suicidal_ideation", "other_person") in risk
    # with no "no" the answer tells only the other person's risk, never the client's past
    tr = dialogue(
        ("worker", "Have you ever tried to end your life?"),
        ("client", "My cousin did. Hanged himself, back in 2004."),
    )
    assert [(a.subtype, a.status) for a in tag(tr) if a.label == "risk"] == [
        ("suicidal_ideation", "other_person")
    ]


def test_asking_whether_a_fall_hurt_is_no_self_harm_screen() -> None:
    tr = dialogue(
        ("client", "I tripped on the back step and ended up on the floor."),
        ("worker", "Oh no. Did you hurt yourself?"),
        ("client", "Scraped my elbow. Nothing much."),
    )
    found = tag(tr)
    assert not [a for a in found if a.subtype in ("self_harm", "risk_screening")]
    # the same words with no mishap told do screen
    tr = dialogue(("worker", "Have you hurt yourself on purpose this week?"), ("client", "No."))
    assert [a for a in tag(tr) if a.subtype == "risk_screening"]


@pytest.mark.parametrize(
    "text",
    [
        "Most days I'm just waiting to go, honestly.",
        "I'm ninety. I've had my innings.",
        "I won't be sorry when my time comes.",
        "Some nights I'd be fine with not waking up.",
    ],
)
def test_a_passive_wish_to_be_dead_as_older_adults_say_it_is_possible_ideation(text: str) -> None:
    assert [a for a in current(risks(text)) if a.subtype == "suicidal_ideation"]


@pytest.mark.parametrize(
    "text", ["We were waiting to go in to see the judge.", "I'm waiting to go to the shop."]
)
def test_waiting_to_go_somewhere_is_no_risk(text: str) -> None:
    assert not [a for a in current(risks(text)) if a.subtype == "suicidal_ideation"]


def test_never_laying_a_finger_on_a_partner_is_a_denial() -> None:
    found = [a for a in risks("I've never laid a finger on him, not once.") if a.subtype == "harm_to_others"]
    assert found and all(a.status == "negated" for a in found)
    assert not [a for a in current(risks("My aunt turned up at the house with a cake."))]
