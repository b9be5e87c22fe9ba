"""Typed shorthand read as what it stands for: "ill" typed for "I'll".

spaCy's tokenizer already splits "youll", "dont" and "im" (its exceptions), but not "ill", since
"ill" is also the adjective. This component, placed before the tagger, splits "ill" into "i" +
"ll" (norm "will") only where the adjective cannot stand: it opens a clause and a verb's place
follows ("ok ill try", "yeah ill give kyle the pills"). The text of the doc is unchanged.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

#: Words a typed message opens a clause with before "ill" = "I'll" ("yeah ill text him").
OPENERS = frozenset(
    ("yeah", "ye", "yea", "yes", "yep", "ok", "okay", "k", "kk", "so", "then", "maybe", "prob", "probs",
     "probably", "think", "guess", "hope", "promise", "lol", "lmao", "ngl", "tbh", "honestly", "fine",
     "sure", "alright", "and", "but", "or", "just", "def", "defo", "definitely")
)  # fmt: skip
#: What follows the adjective "ill" ("ill health", "ill at ease", "ill for weeks"), never a verb.
AFTER_ADJECTIVE = frozenset(
    ("health", "effects", "effect", "will", "feeling", "feelings", "treatment", "treated", "people",
     "person", "patients", "at", "with", "in", "and", "or", "from", "for", "to", "after", "since",
     "because", "again", "all", "lately", "today", "now", "tbh", "lol", "too", "as", "but", "so")
)  # fmt: skip


def stands_for_i_will(doc: Doc, i: int) -> bool:
    """Whether token ``i`` is "ill" typed for "I'll": it opens a clause and a word that can be a verb follows."""
    token = doc[i]
    if token.lower_ != "ill" or token.text not in ("ill", "Ill") or i + 1 >= len(doc):
        return False
    after = doc[i + 1]
    if not after.is_alpha or after.lower_ in AFTER_ADJECTIVE:
        return False
    before = doc[i - 1] if i else None
    return before is None or before.is_punct or before.lower_ in OPENERS


@Language.component("scribe_typed_shorthand")
def split_typed_shorthand(doc: Doc) -> Doc:
    found = [i for i in range(len(doc)) if stands_for_i_will(doc, i)]
    if found:
        with doc.retokenize() as retokenizer:
            for i in found:
                token = doc[i]
                retokenizer.split(
                    token,
                    [token.text[0], token.text[1:]],
                    heads=[(token, 1), (token, 1)],
                    attrs={"NORM": ["i", "will"]},
                )
    return doc


def add_typed_shorthand(nlp: Language) -> Language:
    """Put the splitter first in ``nlp`` (before the tagger and parser read the tokens)."""
    if "scribe_typed_shorthand" not in nlp.pipe_names:
        nlp.add_pipe("scribe_typed_shorthand", first=True)
    return nlp
