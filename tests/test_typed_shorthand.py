"""Typed shorthand ("ill" for "I'll", "dont", "im") read as what it stands for, in tags and drafts."""

from __future__ import annotations

import pytest

import pipelines
from note_formats import DraftOptions, build_draft, check_faithfulness, check_grounding
from note_formats.wording import Pronouns, as_task, parse, report
from scribe.transcripts.typed import text_to_transcript


@pytest.mark.parametrize(
    "text, split",
    [
        ("yeah ill give kyle the pills", True),
        ("ok ill try", True),
        ("Ill call them tomorrow.", True),
        ("i feel ill and tired", False),
        ("he was ill for weeks", False),
        ("she is mentally ill", False),
        ("ill health runs in the family", False),
        ("so ill.", False),
    ],
)
def test_ill_is_i_will_only_where_it_opens_a_clause_before_a_verb(text, split):
    doc = parse(text)
    assert doc.text == text  # the words the note cites are never changed
    assert any(t.lower_ == "ll" and t.norm_ == "will" for t in doc) is split, [t.text for t in doc]


def test_typed_clitics_are_reported_in_full_words():
    he = Pronouns.parse("he/him")
    assert report("i dont know", "client", he) == "he does not know"
    assert report("ive been stressed", "client", he) == "he has been stressed"
    assert as_task("ye ill save the number", "client", he) == "Client will save the number"


def test_a_typed_chat_gives_the_clients_tasks_once_each():
    chat = (
        "Worker: For the money side, the gambling helpline is free. Would you give them a call this week?\n"
        "Client: ye ill save the number. need to sort the money out before my mum finds out\n"
        "Worker: Will you take the pills with you and give them to your brother?\n"
        "Client: yeah ill give kyle the pills\n"
    )
    tr = text_to_transcript(chat, "text")
    d = build_draft("soap", tr, pipelines.tag(tr), DraftOptions(style="prose", pronouns="he/him"))
    assert check_grounding(d, tr) == [] and check_faithfulness(d, tr) == []
    plan = [i.text for i in d.section("plan").items if not i.deleted]
    assert plan.count("Client will save the number.") == 1, plan
    # the worker's suggestion, taken up in the client's typed words, is one task
    assert sum("pills" in t for t in plan) == 1, plan
