"""A draft a worker signs is short: its length rules, and whose risk or task a line is (real spaCy).

Every dialogue here is written for these tests; each rule is checked on its own small session.
"""

from __future__ import annotations

import pytest
from note_fixtures import _words

from note_formats import DraftOptions, build_draft, check_faithfulness, check_grounding
from note_formats.wording import about_someone_else, clean
from scribe.core.records import Annotation, Evidence, NoteItem, Segment, Speaker, Transcript

SPEAKERS = {"worker": "SPEAKER_00", "client": "SPEAKER_01", "other": "SPEAKER_02", "member": "SPEAKER_03"}


def dialogue(turns: list[tuple[str, str]]) -> Transcript:
    """One segment per (role, text) turn, 5 s each with 1 s gaps."""
    segments, t = [], 2.0
    for i, (role, text) in enumerate(turns):
        seg = Segment(id=i, start=t, end=t + 5.0, text=text, words=_words(text, t, t + 5.0))
        seg.speaker, seg.role = SPEAKERS[role], "client" if role == "member" else role
        segments.append(seg)
        t += 6.0
    speakers = [
        Speaker(s, "client" if r == "member" else r)
        for r, s in SPEAKERS.items()
        if any(g.speaker == s for g in segments)
    ]
    return Transcript(segments=segments, duration=t, speakers=speakers, source="audio")


def tag(tr: Transcript, aid: str, label: str, subtype: str, seg_id: int, quote: str | None = None, **kw):
    seg = tr.segment(seg_id)
    start = seg.text.index(quote) if quote else 0
    end = start + len(quote) if quote else len(seg.text)
    return Annotation(
        id=aid, label=label, subtype=subtype, text=quote or seg.text, evidence=[Evidence.of(seg, start, end)],
        speaker=seg.speaker, role=seg.role, source="hand", **kw,
    )  # fmt: skip


def soap(tr: Transcript, anns: list[Annotation], **opts):
    d = build_draft("soap", tr, anns, DraftOptions(style="prose", **opts))
    assert check_grounding(d, tr) == [] and check_faithfulness(d, tr) == []
    return d


def texts(d, key: str) -> list[str]:
    return [i.text for i in d.section(key).items if not i.deleted]


# --- whose risk ------------------------------------------------------------------------------


def test_who_does_the_risky_act_is_read_from_its_clause():
    acts = __import__("note_formats.prose.risk", fromlist=["SELF_DIRECTED_ACTS"]).SELF_DIRECTED_ACTS
    assert about_someone_else("I'm pretty sure my cousin is drinking again.", acts)
    assert about_someone_else("She told me she wants to kill herself.", acts)
    assert not about_someone_else("I've been drinking every night since he left.", acts)
    assert not about_someone_else("It would be easier if I didn't wake up, I think about dying.", acts)
    assert not about_someone_else("It's been hard.", acts)  # no act at all: nothing to attribute


def test_another_persons_risk_is_listed_as_theirs_never_the_clients():
    tr = dialogue(
        [
            ("worker", "How has the week been at home?"),
            ("client", "Rough. I'm pretty sure my cousin is drinking again, he was slurring on the phone."),
        ]
    )
    risk = tag(tr, "r1", "risk", "substance_crisis", 1, attributes={"certainty": "possible"})
    d = soap(tr, [risk], pronouns="she/her")
    [item] = d.section("risk").items
    assert item.text.startswith("Substance-related crisis concerning another person:")
    assert item.fields["kind"] == "other_person" and item.needs_review
    assert "r1" in item.annotation_ids  # listed for the worker to decide, never dropped


def test_the_clients_own_risk_stays_the_clients():
    tr = dialogue(
        [
            ("worker", "How has the week been?"),
            ("client", "I've been drinking every night since my brother moved out."),
        ]
    )
    d = soap(tr, [tag(tr, "r1", "risk", "substance_crisis", 1)], pronouns="he/him")
    [item] = d.section("risk").items
    assert item.text.startswith("Substance-related crisis: client reported that he has been drinking")
    assert "kind" not in item.fields


# --- risk lines kept short --------------------------------------------------------------------


def test_possible_indicators_of_one_kind_share_one_line_and_keep_their_words():
    tr = dialogue(
        [
            ("worker", "Tell me about the evenings."),
            ("client", "We argue about money. He shoved me against the fridge once. The kids were asleep."),
            ("worker", "And since then?"),
            ("client", "He grabbed my arm last Friday. Then he went out."),
        ]
    )
    maybe = {"certainty": "possible"}
    anns = [
        tag(tr, "r1", "risk", "abuse_neglect", 1, attributes=maybe, confidence=0.4),
        tag(tr, "r2", "risk", "abuse_neglect", 3, attributes=maybe, confidence=0.5),
    ]
    d = soap(tr, anns, pronouns="she/her")
    [item] = d.section("risk").items
    assert item.text.startswith("Possible abuse or neglect:")
    assert "shoved her against the fridge" in item.text and "grabbed her arm" in item.text
    assert "asleep" not in item.text and "money" not in item.text  # the sentences carrying the risk only
    assert set(item.annotation_ids) == {"r1", "r2"}
    assert item.review_reason == "possible risk (0.40): decide whether this is current risk"


def test_a_bare_no_is_documented_with_the_rest_of_its_answer():
    tr = dialogue(
        [
            ("worker", "Have you ever hurt yourself on purpose?"),
            ("client", "No. Never. My daughter needs me around."),
        ]
    )
    denial = tag(tr, "r1", "risk", "self_harm", 1, "No.", status="negated")
    d = soap(tr, [denial], pronouns="she/her")
    [item] = texts(d, "risk")
    assert item.startswith("Client denied self-harm: asked")
    assert "My daughter needs me around" in item  # the answer, not only "No."


def test_a_check_in_question_after_a_safety_plan_is_not_a_risk_screen():
    tr = dialogue(
        [
            (
                "worker",
                "So your brother keeps the pills at his place, and you call the crisis line if it gets bad. "
                "Does that sound right?",
            ),
            ("client", "Yes, that sounds right to me."),
        ]
    )
    d = soap(tr, [], pronouns="he/him")
    assert not any("sound right" in t for t in texts(d, "risk"))


# --- interventions: one line per technique, named as practice names it --------------------------


def objective(d) -> dict[str, str]:
    """The Objective's intervention sentences by the technique each names."""
    return {i.fields["technique"]: i.text for i in d.section("objective").items if "technique" in i.fields}


def test_questions_and_reflections_are_one_line_each():
    tr = dialogue(
        [
            ("worker", "What brings you in today?"),
            ("client", "My landlord wants me out by the end of the month."),
            ("worker", "You're worried about losing the apartment. Did he give you anything in writing?"),
            ("client", "Just a note under the door."),
            ("worker", "So it was only a note, nothing official, and that scared you."),
        ]
    )
    anns = [
        tag(tr, "i1", "intervention", "open_question", 0),
        tag(tr, "i2", "intervention", "simple_reflection", 2, "You're worried about losing the apartment."),
        tag(tr, "i3", "intervention", "closed_question", 2, "Did he give you anything in writing?"),
        tag(tr, "i4", "intervention", "complex_reflection", 4),
    ]
    lines = objective(soap(tr, anns, pronouns="she/her"))
    assert set(lines) == {"Questions", "Reflections"}
    assert lines["Questions"] == "Worker asked questions."  # what they asked shows in the answers
    assert "apartment" in lines["Reflections"] and "note" in lines["Reflections"]


def test_an_offer_or_request_put_as_a_question_names_its_technique():
    tr = dialogue(
        [
            ("client", "Honestly I have no idea how to even start looking for a lawyer."),
            ("worker", "Would it be okay if I put you in touch with the legal aid clinic on Fifth Street?"),
            ("client", "Yes please."),
            (
                "worker",
                "Would you be willing to have your son lock up the hunting rifle at his place this week?",
            ),
        ]
    )
    lines = objective(soap(tr, [], pronouns="he/him"))
    assert "legal aid clinic" in lines["Referral"]
    assert "hunting rifle" in lines["Safety planning"]


def test_psychoeducation_runs_over_the_statements_after_its_cue():
    tr = dialogue(
        [
            ("client", "My heart races and I feel like I'm dying in the grocery store."),
            (
                "worker",
                "Can I share a bit about that? Those are signs of a panic attack. Adrenaline floods in "
                "and the heartbeat speeds up. The wave usually passes within minutes.",
            ),
        ]
    )
    line = objective(soap(tr, [], pronouns="she/her"))["Psychoeducation"]
    assert "adrenaline" in line and "wave" in line


def test_a_scaling_question_is_named_by_what_it_rates_and_its_answer_reads_short():
    tr = dialogue(
        [
            (
                "worker",
                "On a scale from zero to ten, where zero is not at all and ten is completely, "
                "how hopeful do you feel about the move?",
            ),
            ("client", "Maybe a five."),
        ]
    )
    d = soap(tr, [], pronouns="they/them")
    assert "hopeful" in objective(d)["Scaling question (solution-focused)"]
    [answer] = [t for t in texts(d, "subjective") if t.startswith("Asked")]
    assert answer == 'Asked how hopeful the client feels about the move, client answered: "Maybe a five".'


def test_a_scale_given_by_its_anchors_alone_is_a_scaling_question():
    tr = dialogue(
        [
            (
                "worker",
                "Imagine a ladder. One means you feel no hope at all, and ten means totally hopeful. Where are you?",
            ),
            ("client", "About a four, I think."),
        ]
    )
    d = soap(tr, [], pronouns="they/them")
    assert "Scaling question (solution-focused)" in objective(d)
    assert any("four" in t for t in texts(d, "subjective"))


# --- plans: whose task, and a task that says what ------------------------------------------------


def test_a_task_given_to_the_whole_family_is_theirs_not_the_clients():
    tr = dialogue(
        [
            ("client", "Mornings are the worst, we're always yelling about the bus."),
            ("other", "It's true, every single morning."),
            ("worker", "So for this week, you'll both lay out clothes and bags the night before."),
        ]
    )
    d = soap(tr, [], session_type="family", pronouns="he/him")
    [task] = [i for i in d.section("plan").items if "clothes" in i.text]
    assert task.text == "For this week, participants will both lay out clothes and bags the night before."
    assert task.fields["kind"] == "group_task"


def test_one_clients_own_task_in_a_family_session_stays_theirs():
    tr = dialogue(
        [
            ("client", "I keep missing the bus because I can't find my shoes."),
            ("other", "Every day."),
            ("worker", "So for this week, you'll set an alarm for six thirty."),
        ]
    )
    d = soap(tr, [], session_type="family", pronouns="he/him")
    [task] = [i for i in d.section("plan").items if "alarm" in i.text]
    assert (
        task.text == "For this week, the client will set an alarm for six thirty."
        and "kind" not in task.fields
    )


def test_a_commitment_that_names_nothing_and_a_recurring_thought_are_not_tasks():
    tr = dialogue(
        [
            ("worker", "Would you think about calling the union rep?"),
            ("client", "Okay. I'll think on it."),
            ("client", "Sometimes I think I'll just leave town for good."),
            ("client", "I'll call the union rep on Monday."),
        ]
    )
    anns = [
        tag(tr, "c1", "goal", "commitment", 1, "I'll think on it."),
        tag(tr, "c2", "goal", "commitment", 2),
        tag(tr, "c3", "goal", "commitment", 3),
    ]
    plan = texts(soap(tr, anns, pronouns="she/her"), "plan")
    assert plan == ["Client will call the union rep on Monday."]


# --- the client's report -----------------------------------------------------------------------


def test_a_dependent_clause_alone_is_not_reported_without_its_question():
    tr = dialogue(
        [
            ("worker", "When did the pain start?"),
            ("client", "Before I started the night shifts at the warehouse."),
            ("client", "I can't lift the boxes at work anymore."),
        ]
    )
    lines = texts(soap(tr, [], pronouns="he/him"), "subjective")
    assert any("cannot lift the boxes at work" in t for t in lines)
    # with its question, never as a statement of its own
    [line] = [t for t in lines if "night shifts" in t]
    assert line.startswith(
        'Asked when did the pain start, client answered: "Before I started the night shifts'
    )


def test_the_answer_to_a_strengths_or_coping_question_is_reported_with_it():
    tr = dialogue(
        [
            ("worker", "When the cravings hit after work, what has been helping, even a little?"),
            (
                "client",
                "Calling my sponsor. And walking the dog around the lake. Not going past the liquor store.",
            ),
        ]
    )
    [line] = [t for t in texts(soap(tr, [], pronouns="he/him"), "subjective") if t.startswith("Asked")]
    assert line.startswith("Asked what has been helping, even a little, client answered:")
    assert "walking the dog around the lake" in line


def test_a_short_answer_to_an_open_question_is_reported_with_it_once():
    tr = dialogue(
        [
            ("worker", "And how long has the boiler been off?"),
            ("client", "Oh, about three weeks now."),
            ("worker", "Does your landlord know?"),
            ("client", "Yeah. I rang him twice, he never came."),
            ("worker", "I can call the council's repairs team for you. How does that sound?"),
            ("client", "That sounds good, thanks so much."),
            ("worker", "Where are you staying at the moment?"),
            ("client", "Why, is that a problem?"),
            ("worker", "What does a normal day look like?"),
            ("client", "I get up at six for the early bus to the depot."),
            ("worker", "Right. Does that work for you, Tuesday at ten?"),
            ("client", "Tuesday's fine, I'm off that week."),
            ("worker", "Have I missed anything?"),
            ("client", "No, that's everything, thanks for today."),
        ]
    )
    # the last answer is the client's report already (tagged): it is not said again with its question
    anns = [tag(tr, "o1", "observation", "functioning_work", 9)]
    asked = [t for t in texts(soap(tr, anns, pronouns="she/her"), "subjective") if t.startswith("Asked")]
    assert asked == [
        'Asked how long the boiler has been off, client answered: "about three weeks now".',
        'Asked "Does your landlord know?", client answered: "Yeah. I rang him twice, he never came".',
    ]


def test_words_two_tags_share_are_reported_once():
    said = "I lost my job at the warehouse in March and I can't pay the rent now."
    tr = dialogue([("worker", "What's been going on?"), ("client", said)])
    anns = [
        tag(tr, "o1", "observation", "functioning_work", 1, "I lost my job at the warehouse in March"),
        tag(tr, "o2", "observation", "functioning_work", 1, "my job at the warehouse in March"),
    ]
    report = " ".join(texts(soap(tr, anns, pronouns="he/him"), "subjective"))
    assert report.count("warehouse") == 1, report


def test_a_question_the_client_asks_is_not_reported_as_what_they_said():
    tr = dialogue(
        [
            ("worker", "How is the flat now?"),
            ("client", "The damp is back in the bedroom. Where are the kids supposed to sleep?"),
        ]
    )
    anns = [
        tag(tr, "o1", "observation", "housing", 1, "The damp is back in the bedroom."),
        tag(tr, "o2", "observation", "housing", 1, "Where are the kids supposed to sleep?"),
    ]
    report = " ".join(texts(soap(tr, anns, pronouns="she/her"), "subjective"))
    assert "damp is back" in report
    assert "supposed to sleep" not in report and "?" not in report, report


def test_a_tag_question_left_out_takes_its_question_mark():
    assert clean("I just want to sleep for a bit, you know?") == "I just want to sleep for a bit"
    assert clean("Is it the damp, you know, or the heating?") == "Is it the damp, or the heating?"


def test_an_answer_two_rules_read_is_written_once_whole():
    tr = dialogue(
        [
            ("worker", "From zero to ten, how confident are you about getting back on the tools?"),
            ("client", "Like a five."),
            ("worker", "What makes it a five and not a two?"),
            ("client", "'Cause I know the work. I still know the old crew, and I'm fit."),
        ]
    )
    asked = [t for t in texts(soap(tr, [], pronouns="he/him"), "subjective") if "five and not a two" in t]
    assert asked == [
        "Asked what makes it a five and not a two, client answered: \"'Cause I know the work. I still know "
        "the old crew, and I'm fit\"."
    ]


def test_a_statement_said_again_later_is_reported_once_citing_both_times():
    tr = dialogue(
        [
            ("client", "The landlord turned off the heat in my apartment last week."),
            ("worker", "That sounds hard."),
            ("client", "Like I said, the landlord turned off the heat in the apartment."),
        ]
    )
    anns = [tag(tr, "o1", "observation", "housing", 0), tag(tr, "o2", "observation", "finances", 2)]
    d = soap(tr, anns, pronouns="she/her")
    heat = [i for s in d.sections for i in s.items if "heat" in i.text]
    assert len(heat) == 1
    assert {e.segment_id for e in heat[0].evidence} == {0, 2}


# --- risk screens: the question and the client's answer -------------------------------------------


def test_a_short_disclosure_is_documented_with_the_screening_question_it_answers():
    tr = dialogue(
        [
            ("worker", "Have you had any thoughts of killing yourself this month?"),
            ("client", "Sometimes. Mostly at night when I can't sleep."),
        ]
    )
    d = soap(tr, [tag(tr, "r1", "risk", "suicidal_ideation", 1, "Sometimes.")], pronouns="she/her")
    [item] = texts(d, "risk")
    assert item.startswith(
        'Suicidal ideation: asked "Have you had any thoughts of killing yourself this month?"'
    )
    assert "Mostly at night" in item


def test_the_workers_follow_up_on_how_often_goes_with_the_disclosure():
    tr = dialogue(
        [
            ("client", "Some nights I lie there wishing I could just stop existing."),
            ("worker", "That sounds really heavy. How often do those thoughts come?"),
            ("client", "Three or four nights a week. It started after the layoff in March."),
            ("worker", "Thank you for telling me. What helps you get through those nights?"),
            ("client", "Talking to my sister on the phone."),
        ]
    )
    anns = [tag(tr, "r1", "risk", "suicidal_ideation", 0, confidence=0.9)]
    [item] = texts(soap(tr, anns, pronouns="he/him"), "risk")
    assert 'asked "How often do those thoughts come?", client answered "Three or four nights a week.' in item
    assert "after the layoff in March" in item
    assert "sister" not in item  # a question that is not a follow-up on the risk stays out
    # a disclosure with no follow-up question stands alone
    tr = dialogue(
        [("client", "Some nights I lie there wishing I could just stop existing."), ("worker", "Okay.")]
    )
    [item] = texts(soap(tr, [tag(tr, "r1", "risk", "suicidal_ideation", 0, confidence=0.9)]), "risk")
    assert "asked" not in item


def test_a_denial_keeps_what_the_client_added_to_it():
    tr = dialogue(
        [
            ("worker", "Do you ever think about ending your life?"),
            ("client", "No, I would not do that. My faith matters to me. And my grandson needs me."),
        ]
    )
    denial = tag(tr, "r1", "risk", "suicidal_ideation", 1, "No, I would not do that.", status="negated")
    [item] = texts(soap(tr, [denial], pronouns="he/him"), "risk")
    # "I would not do that" denies acting; the question asked about thinking of it
    assert item.startswith(
        "Client denied intent to act (suicidal ideation itself was not denied), stating that"
    )
    assert "faith" in item and "grandson needs him" in item


def test_a_denial_is_stated_from_its_first_sentence_with_a_subject_or_else_quoted():
    from note_formats.prose.risk import stated

    assert stated("God, no. She would never harm them.") == "She would never harm them."
    assert stated("(pause) Not really. He has never hit her.") == "He has never hit her."
    assert stated("Nothing like that, not at all.") == ""
    assert stated("never tried anything like that, honestly.") is None  # says more than "no"
    tr = dialogue(
        [
            ("worker", "Any thoughts of harming the baby, even fleeting ones?"),
            ("client", "God, no. I would never harm him. When he screams I put him in his cot and step out."),
            ("worker", "Have you ever done anything to hurt yourself?"),
            ("client", "No. Never tried anything like that, honestly, not once in my life."),
        ]
    )
    anns = [
        tag(tr, "r1", "risk", "harm_to_others", 1, status="negated"),
        tag(tr, "r2", "risk", "self_harm", 3, status="negated"),
    ]
    others, herself = texts(soap(tr, anns, pronouns="she/her"), "risk")
    assert others.startswith(
        "Client denied thoughts of harming others, stating that she would never harm him."
    )
    assert herself.startswith('Client denied self-harm: "No. Never tried anything like that')


def test_risk_said_without_a_subject_is_quoted_not_reported():
    tr = dialogue(
        [
            ("worker", "How have the evenings been?"),
            ("client", "Honestly, some nights, might as well end it, you know,"),
        ]
    )
    [item] = texts(soap(tr, [tag(tr, "r1", "risk", "suicidal_ideation", 1)], pronouns="he/him"), "risk")
    assert item.startswith(
        'Suicidal ideation: client said "Honestly, some nights, might as well end it, you know".'
    )


def test_substance_use_and_harm_to_others_questions_screen_and_their_answers_are_documented():
    tr = dialogue(
        [
            ("worker", "And alcohol or drugs, how much are you using these days?"),
            ("client", "A six pack most nights. More on Fridays."),
            ("worker", "Have you thought about hurting him back?"),
            ("client", "I'm not going to touch him. I just want to move out."),
        ]
    )
    d = soap(tr, [], pronouns="she/her")
    risk = " ".join(texts(d, "risk"))
    # how much she drinks is her report of use, with its question; the harm question is a screen
    assert any("six pack most nights" in t for t in texts(d, "subjective"))
    assert "six pack" not in risk and "not going to touch him" in risk


def test_a_question_referring_back_to_the_risk_just_named_screens():
    tr = dialogue(
        [
            (
                "worker",
                "Some people who lose a partner have thoughts of wanting to die too. Has anything like that "
                "come up for you?",
            ),
            ("client", "Once or twice, late at night. I would never act on it."),
        ]
    )
    risk = " ".join(texts(soap(tr, [], pronouns="she/her"), "risk"))
    assert "Has anything like that come up for you?" in risk and "late at night" in risk


def test_a_question_referring_back_is_quoted_with_the_sentence_that_names_the_risk():
    tr = dialogue(
        [
            (
                "worker",
                "Sometimes when kids say that, they mean they think about hurting themselves, or about dying. "
                "Do you ever think about that?",
            ),
            ("client", "No! Not like that. Like disappear to my nan's house."),
        ]
    )
    risk = " ".join(texts(soap(tr, [], pronouns="she/her"), "risk"))
    assert "about hurting themselves, or about dying. Do you ever think about that?" in risk
    assert '"No! Not like that' in risk


def test_intimate_partner_and_named_person_screens_are_documented_with_the_denials_they_get():
    tr = dialogue(
        [
            (
                "worker",
                "When arguments get heated, has anyone ever felt afraid, or has anything gotten physical?",
            ),
            ("other", "Never. I would never touch her. Never."),
            ("worker", "I need to ask you straight, are you thinking about hurting Rick?"),
            ("client", "Nah. I ain't gonna hurt Rick. I just wanna get my stuff."),
        ]
    )
    risk = texts(soap(tr, [], pronouns="he/him"), "risk")
    assert any(t.startswith("Asked") and '"Never. I would never touch her' in t for t in risk), risk
    assert any(t.startswith("Asked") and "thinking about hurting Rick" in t and '"Nah' in t for t in risk), (
        risk
    )
    from note_formats.prose.cues import SCREENING

    assert SCREENING.search("Are you ever afraid of him?") and SCREENING.search("Do you feel scared at home?")
    assert not SCREENING.search("Have you ever felt scared of the exam?")
    # HITS: hurt, insult, threaten, scream
    assert SCREENING.search("Does Shawn ever put his hands on you?") and SCREENING.search(
        "Does he scream at you?"
    )


def test_a_yes_before_an_answer_that_says_it_whole_is_left_to_the_answer():
    tr = dialogue(
        [
            ("worker", "Are there any firearms in the home?"),
            ("client", "Yeah. I've got a pistol. It's in the nightstand."),
        ]
    )
    risk = texts(soap(tr, [], pronouns="he/him"), "risk")
    assert risk == [
        "In answer to a screening question, client reported: \"I've got a pistol. It's in the nightstand\"."
    ]


def test_a_wh_question_with_would_asks_for_information_and_audit_items_screen():
    from note_formats.wording import is_request

    assert not is_request("And on a typical day when you're drinking, how much would you have?")
    assert not is_request("What would you do if he came back?")
    assert is_request("When you get home, could you call her?")
    assert is_request("Would you be willing to call the clinic?")
    tr = dialogue(
        [
            ("worker", "And on a typical day when you're drinking, how much would you have?"),
            ("client", "A bottle of wine. Sometimes a bit more on a Friday."),
            ("worker", "Were you by yourself when you used?"),
            ("client", "Yeah. In the bathroom at the house."),
        ]
    )
    risk = " ".join(texts(soap(tr, [], pronouns="she/her"), "risk"))
    assert "A bottle of wine" in risk and "In the bathroom at the house" in risk


def test_the_reasons_for_living_after_a_denial_are_documented_with_the_screen_answer():
    tr = dialogue(
        [
            ("worker", "Have you had any thoughts of death, or of ending your life?"),
            (
                "client",
                "Sometimes I think it'd be easier if I just didn't wake up. Like, if I got hit by a bus, the debt "
                "would just stop. But I'd never do anything. I wouldn't. I've got my niece, and my mum, I couldn't "
                "do that to them. Anyway the bus was late again today.",
            ),
        ]
    )
    risk = " ".join(texts(soap(tr, [], pronouns="she/her"), "risk"))
    assert "I've got my niece, and my mum" in risk and "bus was late" not in risk, risk


def test_the_answer_to_a_question_about_the_preferred_future_is_the_clients_goal():
    tr = dialogue(
        [
            ("worker", "What would you want to be different, if things got even a little bit better?"),
            ("client", "just to feel useful again. be able to take the dog to the park."),
            ("worker", "What would you like to talk about today?"),
            ("client", "My son, he's been skipping school."),
            ("worker", "And if things went well, what would you want it to look like?"),
            ("client", "I don't know. I just don't want to wake up anymore."),
        ]
    )
    goals = [t for t in texts(soap(tr, [], pronouns="he/him"), "subjective") if "stated the goal" in t]
    assert goals == [
        'Client stated the goal: "just to feel useful again. be able to take the dog to the park".'
    ]


def test_informing_someone_outside_the_session_is_the_workers_task_telling_the_client_is_not():
    tr = dialogue(
        [
            (
                "worker",
                "I'm also going to tell Mrs. Dunn, the principal, because that's the school rule. "
                "I'll let your doctor know we talked. I'm going to tell you a story. I'll let you know.",
            ),
            ("client", "Okay."),
        ]
    )
    plan = texts(soap(tr, [], pronouns="she/her"), "plan")
    assert plan == [
        "Worker is also going to tell Mrs. Dunn, the principal, because that's the school rule.",
        "Worker will let her doctor know the worker and client talked.",
    ], plan


def test_the_next_meeting_named_without_a_verb_is_in_the_plan():
    tr = dialogue(
        [
            (
                "worker",
                "If anyone has a hard night, the helpline number is on your handout. Same time next Wednesday, at six.",
            ),
            ("client", "Thanks."),
            ("worker", "Same time as always, I guess?"),
            ("client", "Yeah."),
        ]
    )
    assert texts(soap(tr, [], pronouns="she/her"), "plan") == ["Same time next Wednesday, at six."]


def test_what_the_client_says_they_will_do_is_their_task_and_a_past_errand_is_not():
    from note_formats.prose.plans import AGREES, CLIENT_ACTS, errand

    assert AGREES.search("Thursday... yeah, okay.") and not AGREES.search("Not okay.")

    assert errand("I'll ring the GP.", acts=CLIENT_ACTS)
    assert not errand("I went and looked at the place on Ridgeway.", acts=CLIENT_ACTS)
    tr = dialogue(
        [
            ("worker", "Would you be willing to talk to your GP about the sleep?"),
            ("client", "I mean... yeah. I've been putting it off. But yeah. I'll ring the GP."),
            ("worker", "And the union could help with the meeting."),
            ("client", "Yeah, I'll email the union rep. I went and looked at their website already."),
        ]
    )
    plan = texts(soap(tr, [], pronouns="she/her"), "plan")
    assert "Client will ring the GP." in plan and "Client will email the union rep." in plan, plan
    assert not any("website" in t for t in plan), plan


def test_an_errand_offered_as_a_question_and_taken_up_and_the_next_visit_proposed_are_in_the_plan():
    tr = dialogue(
        [
            ("worker", "Would you let me set up a visit to the day centre so you two can just see it?"),
            ("client", "I'll look. I'm not promising anything."),
            ("worker", "Could I call your landlord about the heating?"),
            ("client", "No, I'd rather do it myself."),
            ("worker", "And I'd like to come back next Thursday, same time. Sound okay?"),
            ("client", "Okay."),
            ("worker", "Can I call the benefits office for you on Monday?"),
            ("client", "Monday... yeah, okay."),
        ]
    )
    plan = texts(soap(tr, [], pronouns="he/him"), "plan")
    assert plan == [
        "Worker will set up a visit to the day centre so the two can just see it.",
        "Worker would like to come back next Thursday, same time.",
        "Worker will call the benefits office for him on Monday.",
    ], plan


def test_discourse_fillers_are_dropped_and_questions_need_no_check():
    from note_formats.wording import clean

    assert (
        clean("It was helping, honestly, and I actually went twice.") == "It was helping, and I went twice."
    )
    tr = dialogue([("worker", "What happened after that?"), ("client", "I called the landlord again.")])
    d = soap(tr, [tag(tr, "q1", "intervention", "open_question", 0, confidence=0.3)], pronouns="she/her")
    [line] = d.section("objective").items
    assert line.text == "Worker asked open questions." and not line.needs_review


def test_affirmations_and_reflections_are_named_from_how_workers_word_them():
    tr = dialogue(
        [
            ("client", "I stopped smoking on my own after the scare in March."),
            ("worker", "You stopped on your own after one scare. That took real determination."),
            ("client", "My mother keeps telling me I ruined the holidays."),
            ("worker", "It sounds like you feel blamed for something that was never yours to fix."),
        ]
    )
    lines = objective(soap(tr, [], pronouns="he/him"))
    assert "determination" in lines["Affirmation"]
    reflection = lines["Complex reflection"]
    # what the client feels is named; a generic noun is never a topic of its own
    assert "feel blamed for something" in reflection
    assert "something" not in reflection.split(" (", 1)[1].rstrip(").").split("; ")


def test_an_intervention_line_names_every_use_not_only_the_first():
    tr = dialogue(
        [
            (
                "worker",
                "A lot of people find that shift work, noisy neighbours, late caffeine, bright screens and "
                "irregular meals all disturb sleep.",
            ),
            ("client", "That's me."),
            (
                "worker",
                "It's common for night nurses, bus drivers, bakers and security guards to need blackout "
                "curtains and white noise machines.",
            ),
            ("client", "Okay."),
            (
                "worker",
                "A lot of people also find that alcohol, nicotine patches, heavy dinners and evening "
                "workouts keep the body awake.",
            ),
            ("client", "Right."),
            ("worker", "It's common for grief to come in waves around anniversaries."),
        ]
    )
    line = objective(soap(tr, [], pronouns="he/him"))["Psychoeducation"]
    assert "grief" in line or "waves" in line or "anniversaries" in line


def test_a_group_check_in_round_reports_each_members_rating():
    tr = dialogue(
        [
            ("worker", "Welcome back. One to ten, how stressful was the week, and one thing that happened."),
            ("client", "Um, maybe a seven. My car broke down on Monday."),
            ("member", "I put one of those timers on the stove, like you said."),
            ("worker", "Good. And for you?"),
            ("member", "A four. Better than last week."),
        ]
    )
    d = soap(tr, [], session_type="group", pronouns="she/her")
    [line] = [t for t in texts(d, "subjective") if "participants answered" in t]
    assert line == (
        "Asked how stressful the week was, and one thing that happened, participants answered: "
        '"Um, maybe a seven"; "A four".'
    )


# --- what a short note leaves out, and partial denials ---------------------------------------------


def test_possible_indicators_whose_words_say_no_risk_share_one_line_quoting_what_was_said():
    tr = dialogue(
        [
            ("worker", "How was the weekend?"),
            ("client", "Okay. Um, so my cousin came over and we watched the game on Sunday."),
            ("worker", "And the new job?"),
            ("client", "Fine. The manager moved me to the morning shift at the bakery."),
            ("worker", "Anything else?"),
            ("client", "He shoved me into the wall again on Friday night."),
        ]
    )
    maybe = {"certainty": "possible"}
    anns = [
        tag(tr, "r1", "risk", "suicidal_ideation", 1, attributes=maybe, confidence=0.35),
        tag(tr, "r2", "risk", "substance_crisis", 3, attributes=maybe, confidence=0.45),
        tag(tr, "r3", "risk", "abuse_neglect", 5, attributes=maybe, confidence=0.45),
    ]
    d = soap(tr, anns, pronouns="she/her")
    risk = [i for i in d.section("risk").items if not i.deleted]
    guessed = [i for i in risk if "flagged by the tagger" in i.text]
    assert len(guessed) == 1  # every kind in one line
    [line] = guessed
    # the speaker's words, quoted (a short turn whole, openers and fillers trimmed), never
    # reported as what happened
    assert line.text == (
        "Possible suicidal ideation and substance-related crisis, flagged by the tagger: "
        '"my cousin came over and we watched the game on Sunday"; '
        '"Fine. The manager moved me to the morning shift at the bakery".'
    )
    assert "reported" not in line.text
    assert set(line.annotation_ids) == {"r1", "r2"} and {e.segment_id for e in line.evidence} == {1, 3}
    assert line.needs_review and "decide whether this is current risk" in line.review_reason
    worded = [i for i in risk if "shoved her into the wall" in i.text]
    assert len(worded) == 1 and worded[0].text.startswith("Possible abuse or neglect:")


def test_physical_punishment_of_a_child_is_reported_not_left_as_the_taggers_guess():
    tr = dialogue(
        [
            ("worker", "Can you walk me through what happened?"),
            ("client", "I lost it. I took my belt off and I whipped him. On the legs."),
            ("worker", "Had anything like that happened before?"),
            ("client", "Spankings, sure. With my hand."),
        ]
    )
    maybe = {"certainty": "possible"}
    anns = [
        tag(tr, "r1", "risk", "abuse_neglect", 1, "I took my belt off and I whipped him.", attributes=maybe),
        tag(tr, "r2", "risk", "abuse_neglect", 3, "Spankings, sure.", attributes=maybe),
    ]
    risk = texts(soap(tr, anns, pronouns="he/him"), "risk")
    assert not any("flagged by the tagger" in t for t in risk), risk
    assert any("belt" in t and "whipped him" in t for t in risk) and any("pankings" in t for t in risk), risk
    # the words of a punishment only as used of one: a student's goal says none
    from note_formats.prose.risk import RISK_TERMS

    assert not RISK_TERMS.search(
        "I want to beat this, get better marks and switch to a job without a belt sander."
    )


def test_a_possible_indicator_keeps_the_act_said_after_the_span_the_classifier_marked():
    tr = dialogue(
        [
            ("worker", "You said there was something you needed to tell me."),
            ("client", "He kicked me and I grabbed him. By the arm. Hard. And I maybe shook him. A bit."),
        ]
    )
    maybe = {"certainty": "possible"}
    anns = [tag(tr, "r1", "risk", "abuse_neglect", 1, "He kicked me and I grabbed him.", attributes=maybe)]
    [line] = [t for t in texts(soap(tr, anns, pronouns="he/him"), "risk") if "grabbed" in t]
    assert "shook him" in line, line


def test_you_said_between_the_clients_turns_means_the_client():
    tr = dialogue(
        [
            ("other", "You must be the social worker. Come in."),
            ("worker", "Thanks. How have things been at home?"),
            ("client", "I maybe shook him. A second, two seconds."),
            ("other", "It wasn't a maybe. You were shaking him, his head was going."),
            ("client", "It wasn't like that."),
        ]
    )
    maybe = {"certainty": "possible"}
    anns = [
        tag(tr, "r1", "risk", "abuse_neglect", 3, attributes=maybe),
        tag(tr, "o1", "observation", "functioning_family", 0),
    ]
    said = " ".join(texts(soap(tr, anns, pronouns="he/him"), "risk") + texts(soap(tr, anns), "subjective"))
    assert "the client was shaking him" in said and "the worker was shaking" not in said, said
    assert "the client must be" not in said, said


def test_words_a_taxonomy_entry_matched_are_reported_never_lumped_with_the_classifiers_guesses():
    from pipelines import tag as tagger

    tr = dialogue(
        [
            ("worker", "How safe do you feel getting home after a late shift?"),
            ("client", "Honestly? Not great. I kinda look over my shoulder at the bus stop now."),
        ]
    )
    risk = texts(soap(tr, tagger(tr), pronouns="they/them"), "risk")
    [line] = [t for t in risk if "shoulder" in t]
    assert "flagged by the tagger" not in line and "they look over their shoulder" in line, risk


def test_a_possible_indicator_that_only_acknowledges_is_named_without_a_quote():
    tr = dialogue([("worker", "Did you get the letter from the school?"), ("client", "Yeah. Okay.")])
    maybe = {"certainty": "possible"}
    d = soap(tr, [tag(tr, "r1", "risk", "self_harm", 1, attributes=maybe, confidence=0.3)])
    [line] = [i for i in d.section("risk").items if "r1" in i.annotation_ids]
    assert line.text == "Possible self-harm: flagged by the tagger only." and line.needs_review


def test_a_possible_indicator_answering_a_screen_is_not_said_twice():
    tr = dialogue(
        [
            ("worker", "Have you had thoughts of killing yourself lately?"),
            ("client", "Not really like that. I just wish I could disappear for a bit. Work has been a lot."),
        ]
    )
    maybe = {"certainty": "possible"}
    d = soap(tr, [tag(tr, "r1", "risk", "suicidal_ideation", 1, attributes=maybe, confidence=0.4)])
    risk = " ".join(texts(d, "risk"))
    assert risk.count("disappear") == 1
    [screen] = [i for i in d.section("risk").items if "disappear" in i.text]
    assert "r1" in screen.annotation_ids and screen.needs_review
    # the client's flagged words are cited on their own: the worker's question is named, never
    # cited as if it disclosed anything
    assert screen.text.startswith(
        'In answer to a screening question, client answered: "Not really like that.'
    )
    assert {e.segment_id for e in screen.evidence} == {1}


def test_a_screen_answered_by_a_plain_denial_still_cites_its_question():
    tr = dialogue(
        [
            ("worker", "Have you had thoughts of killing yourself lately?"),
            ("client", "No, not like that. Work has been a lot."),
        ]
    )
    d = soap(tr, [tag(tr, "i1", "intervention", "risk_screening", 0)])
    [screen] = [i for i in d.section("risk").items if "Work" in i.text]
    assert screen.text.startswith('Asked "Have you had thoughts of killing yourself lately?"')
    assert {e.segment_id for e in screen.evidence} == {0, 1}


def test_a_statement_an_accepted_risk_line_writes_is_not_reported_again():
    tr = dialogue(
        [
            ("worker", "How was the weekend?"),
            ("client", "My cousin came over and we watched the game on Sunday at his place."),
            ("worker", "And the job?"),
            ("client", "The manager cut my hours at the bakery to ten a week."),
        ]
    )
    maybe = {"certainty": "possible"}
    flag = tag(tr, "r1", "risk", "substance_crisis", 1, attributes=maybe, confidence=0.35)
    hours = tag(tr, "o1", "observation", "employment", 3)

    def drafted():
        d = soap(tr, [flag, hours], pronouns="she/her")
        # the risk keeps its line and its words: never dropped to save words
        assert [i for i in d.section("risk").items if "r1" in i.annotation_ids and "cousin" in i.text]
        report = " ".join(texts(d, "subjective"))
        assert "cut her hours at the bakery" in report  # a statement no other line writes stays
        return report

    # undecided, the flag is the worker's to decide: the report keeps what it quotes
    assert "cousin came over" in drafted()
    # accepted, the risk section documents it: said once
    flag.review = "accepted"
    assert "cousin" not in drafted()


def test_a_goal_said_again_is_written_once_but_another_speakers_words_stay_theirs():
    tr = dialogue(
        [
            ("worker", "What would you like to get out of our meetings?"),
            ("client", "I want to get my driver's license back this spring."),
            ("worker", "Okay. What does your mom think?"),
            ("other", "She wants her driver's license back this spring, and I want her to drive to work."),
            ("worker", "And what is the first step?"),
            ("client", "My license back this spring, that is the thing I want."),
        ]
    )
    goal = tag(tr, "g1", "goal", "goal", 1)
    d = soap(tr, [goal], pronouns="she/her", session_type="family")
    assert any("driver's license back this spring" in t for t in texts(d, "subjective") if "goal" in t)
    report = [t for t in texts(d, "subjective") if "goal" not in t]
    # the mother's words are her report, whatever the client's goal says
    assert any(t.startswith("Another participant") and "license" in t for t in report)
    # the client's restatement is her goal, written once
    assert not any("thing" in t for t in report)


def test_a_suggestion_the_client_takes_up_is_their_task_cited_with_the_agreement():
    tr = dialogue(
        [
            ("worker", "Until it's checked, maybe leave the car parked here and take the bus to work?"),
            ("client", "Ugh. But yeah. Yeah, I'll do it. For a couple days."),
            ("worker", "Would you be willing to ask Marcus to keep the tablets for now?"),
            ("client", "Yeah. I'll ask him tonight."),
            ("worker", "Would you say the mornings are worse?"),
            ("client", "Yeah, mornings."),
            ("worker", "Could you tell me more about the bus?"),
            ("client", "Okay."),
        ]
    )
    d = soap(tr, [], pronouns="she/her")
    plan = {i.text: {e.segment_id for e in i.evidence} for i in d.section("plan").items}
    assert plan.get("Client will leave the car parked here and take the bus to work.") == {0, 1}, plan
    assert plan.get("Client will ask Marcus to keep the tablets for now.") == {2, 3}, plan
    # a question asking a view, or for talk in the session, sets no task
    assert not any("morning" in t or "tell" in t for t in plan), plan


def test_a_wish_told_as_past_is_no_goal_but_a_present_one_is():
    tr = dialogue(
        [
            ("worker", "Why didn't you call your sponsor?"),
            ("client", "I didn't wanna bug him on a Saturday."),
            ("worker", "And now?"),
            ("client", "I want to stay sober for my kids."),
        ]
    )
    anns = [tag(tr, "g1", "goal", "goal", 1), tag(tr, "g2", "goal", "goal", 3)]
    goals = [t for t in texts(soap(tr, anns, pronouns="he/him"), "subjective") if "goal" in t]
    assert goals == ['Client stated the goal: "I want to stay sober for my kids."'], goals  # one stop


def test_statements_of_one_turn_read_as_one_sentence():
    tr = dialogue(
        [
            ("worker", "How are things at home?"),
            (
                "client",
                "The landlord raised the rent again in March. My son stopped going to practice after that.",
            ),
        ]
    )
    anns = [
        tag(tr, "o1", "observation", "housing", 1, "The landlord raised the rent again in March."),
        tag(tr, "o2", "observation", "functioning_family", 1, "My son stopped going to practice after that."),
    ]
    d = soap(tr, anns, pronouns="she/her")
    [line] = [t for t in texts(d, "subjective") if "rent" in t]
    assert line.count("Client reported") == 1 and "her son stopped going to practice" in line


@pytest.mark.parametrize(
    ("asked", "answered", "denial", "opens"),
    [
        # acting on the thoughts denied, not the thoughts
        (
            "When you say you'd rather not be around, are you having thoughts of suicide?",
            "No, not like that. I'd never do anything. I just feel tired of all of it.",
            "No, not like that.",
            "Client denied intent to act (suicidal ideation itself was not denied)",
        ),
        # asked about attempts: attempts denied
        (
            "Have you ever tried to end your life before?",
            "No. I would never do that, my brothers need me.",
            "No.",
            "Client denied past attempts (suicidal ideation itself was not denied)",
        ),
        # the answer names an attempt
        (
            "Have you ever done anything, or got anything ready, to end your life?",
            "No. Never attempted or anything like that.",
            "Never attempted or anything like that.",
            "Client denied past attempts",
        ),
        # asked about the thoughts: the thoughts denied
        (
            "Have you had any thoughts of ending your life, or tried to?",
            "No, never. My brothers need me.",
            "No, never.",
            "Client denied suicidal ideation",
        ),
        # asked about a plan: the plan denied, the thoughts stand
        (
            "Do you have a plan for how you would do it?",
            "No. No plan.",
            "No.",
            "Client denied a plan (suicidal ideation itself was not denied)",
        ),
        # the word repeated as a question after the denial: the denial that opens the answer is quoted
        (
            "Have you had any thoughts like that, of ending your life?",
            "No, nothing like that. I'm not going to do anything silly. End my life? No.",
            "End my life?",
            'Client denied suicidal ideation: asked "Have you had any thoughts like that, of ending your life?", '
            'client answered "No, nothing like that.',
        ),
    ],
)
def test_a_denial_denies_what_was_asked_or_named(asked, answered, denial, opens):
    tr = dialogue([("worker", asked), ("client", answered)])
    ann = tag(tr, "r1", "risk", "suicidal_ideation", 1, denial, status="negated")
    [item] = texts(soap(tr, [ann], pronouns="he/him"), "risk")
    assert item.startswith(opens), item
    if not opens.startswith("Client denied suicidal ideation"):
        assert "Client denied suicidal ideation" not in item


def test_a_question_about_plan_or_preparation_screens_and_its_answer_is_documented():
    tr = dialogue(
        [
            ("client", "Last winter I thought everyone would be better off without me."),
            ("worker", "Thank you for telling me. Did you do anything toward it back then?"),
            ("client", "No. I called my sister that night and slept at her place."),
        ]
    )
    risk = " ".join(texts(soap(tr, [], pronouns="she/her"), "risk"))
    assert "Did you do anything toward it back then?" in risk and "slept at her place" in risk


# --- where the client's words go, and what a short answer leaves out ---------------------------------


def test_the_clients_strengths_and_stressors_are_subjective_in_prose_and_assessment_in_quotes():
    tr = dialogue(
        [
            ("worker", "Who helps you out?"),
            ("client", "My neighbour drives me to the clinic every Tuesday and checks on me."),
        ]
    )
    anns = [tag(tr, "o1", "observation", "strength", 1)]
    d = soap(tr, anns, pronouns="she/her")
    assert any("neighbour drives her to the clinic" in t for t in texts(d, "subjective"))
    assert not any("neighbour" in t for t in texts(d, "assessment"))
    quoted = build_draft("soap", tr, anns, DraftOptions(style="quotes"))
    assert any("neighbour" in t for t in texts(quoted, "assessment"))


def test_a_short_answer_to_a_screen_keeps_what_the_rest_of_the_turn_discloses():
    tr = dialogue(
        [
            ("worker", "Have you had thoughts of ending your life?"),
            (
                "client",
                "Not lately. Back in the spring I stood on the bridge for a long time. "
                "My dog needed feeding so I went home. I wanted to be dead that night.",
            ),
        ]
    )
    d = soap(tr, [tag(tr, "r1", "risk", "suicidal_ideation", 1, "Not lately.")], pronouns="he/him")
    [item] = texts(d, "risk")
    assert item.startswith('Suicidal ideation: asked "Have you had thoughts of ending your life?"')
    assert "I wanted to be dead that night" in item and "dog" not in item


def test_amounts_and_dates_the_client_states_are_reported_without_a_tag():
    tr = dialogue(
        [
            ("worker", "Tell me about the house."),
            ("client", "There are fourteen stairs up to the bathroom at my place."),
        ]
    )
    assert any("fourteen stairs" in t for t in texts(soap(tr, [], pronouns="he/him"), "subjective"))


def test_a_sentence_only_a_possible_indicator_cites_is_still_the_clients_report():
    tr = dialogue(
        [
            ("worker", "How was the week?"),
            ("client", "My landlord says I owe two months of rent by Friday."),
        ]
    )
    maybe = {"certainty": "possible"}
    anns = [tag(tr, "r1", "risk", "abuse_neglect", 1, attributes=maybe, confidence=0.3)]
    d = soap(tr, anns, pronouns="she/her")
    assert any("owes two months of rent" in t or "owe two months" in t for t in texts(d, "subjective"))


def test_offers_to_act_safety_planning_and_group_referrals_are_named_from_their_wording():
    tr = dialogue(
        [
            ("worker", "Would it be okay if I called your probation officer about the curfew?"),
            ("client", "Yeah, that's fine."),
            (
                "worker",
                "It could help to keep a bag packed at your cousin's with your papers and your inhaler.",
            ),
            ("client", "Okay."),
            ("worker", "There's a group for dads that meets at the rec center on Mondays."),
        ]
    )
    lines = objective(soap(tr, [], pronouns="he/him"))
    assert "probation officer" in lines["Advocacy"]
    assert "Safety planning" in lines
    assert "rec center" in lines["Referral"]


def test_teaching_thanks_and_a_withdrawal_screen_are_named_from_their_wording():
    tr = dialogue(
        [
            ("worker", "Ray, thank you for being honest with us about that."),
            ("client", "Yeah."),
            (
                "worker",
                "When you stopped Monday, any shakes, sweats, seeing or hearing stuff that wasn't there?",
            ),
            ("client", "Little shaky. Sweaty. It's better today."),
            (
                "worker",
                "Hands on your neck where you can't breathe is one of the most dangerous things we see.",
            ),
        ]
    )
    lines = objective(soap(tr, [], pronouns="he/him"))
    assert "Affirmation" in lines, lines
    assert "Risk screening" in lines and "Psychoeducation" in lines, lines


def test_grounding_and_paced_breathing_talked_through_are_named():
    from pipelines import tag as tagger

    tr = dialogue(
        [
            ("worker", "Put both feet flat on the floor and type me three things you can see."),
            ("client", "ok. lamp, mug, my phone"),
            ("worker", "Good. Now a slow breath in for four, and out for six."),
        ]
    )
    lines = objective(soap(tr, tagger(tr), pronouns="she/her"))
    assert any("grounding" in t.lower() for t in lines), lines


def test_a_task_a_risk_line_quotes_is_still_in_the_plan():
    tr = dialogue(
        [
            (
                "client",
                "My nephew keeps taking money out of my account. I'll call the bank with my daughter on Monday.",
            ),
            ("worker", "That sounds like a good first step."),
        ]
    )
    task = "I'll call the bank with my daughter on Monday."
    anns = [
        tag(tr, "r1", "risk", "abuse_neglect", 0),
        tag(tr, "p1", "plan", "homework", 0, task),
    ]
    d = soap(tr, anns, pronouns="she/her")
    assert any("call the bank" in t for t in texts(d, "risk"))  # the risk line quotes the whole turn
    assert any(t.startswith("Client will call the bank") for t in texts(d, "plan"))


def test_a_goal_said_over_several_sentences_is_quoted_whole_and_a_wish_to_die_is_not_part_of_it():
    tr = dialogue(
        [
            ("worker", "What would you like to be different?"),
            (
                "client",
                "I want my own room in a quiet place. And I want to stay close to my school. "
                "Sometimes I want to die. The bus takes an hour.",
            ),
        ]
    )
    anns = [tag(tr, "g1", "goal", "desire", 1, "And I want to stay close to my school.")]
    [goal] = [t for t in texts(soap(tr, anns, pronouns="they/them"), "subjective") if "goal" in t]
    assert '"I want my own room in a quiet place. And I want to stay close to my school' in goal
    assert "die" not in goal and "bus" not in goal


def test_a_possible_indicator_and_its_denial_answering_a_screen_are_documented_with_the_screen():
    tr = dialogue(
        [
            ("worker", "Have you had thoughts of suicide?"),
            (
                "client",
                "Some days I wish I could skip the whole week. Not like that though. I don't want to die.",
            ),
        ]
    )
    maybe = {"certainty": "possible"}
    anns = [
        tag(tr, "r1", "risk", "suicidal_ideation", 1, "Some days I wish I could skip the whole week.",
            attributes=maybe, confidence=0.35),
        tag(tr, "r2", "risk", "suicidal_ideation", 1, "I don't want to die.", status="negated"),
    ]  # fmt: skip
    d = soap(tr, anns, pronouns="she/her")
    risk = [i for i in d.section("risk").items if not i.deleted]
    assert not any(i.text.startswith("Possible suicidal ideation: client reported") for i in risk)
    [screen] = [i for i in risk if i.text.startswith("In answer to a screening question")]
    assert {"r1", "r2"} <= set(screen.annotation_ids) and "skip the whole week" in screen.text
    assert {e.segment_id for e in screen.evidence} == {1}  # the client's words, not the question


# --- one page: wording that says each thing once, and what gives way when a draft runs long ------


def test_hedges_and_pauses_are_dropped_but_an_estimate_and_a_kind_of_thing_stay():
    from note_formats.wording import clean

    assert clean("It's been, like, so hard since the move.") == "It's been so hard since the move."
    assert clean("My aunt kind of helps with the baby, I guess.") == "My aunt helps with the baby"
    assert clean("It's sort of scary at night.") == "It's scary at night."
    assert clean("The fridge is kinda empty.") == "The fridge is empty."
    assert clean("I'd say like a five.") == "I'd say like a five."  # an estimate, not a pause
    assert clean("What kind of job would that be?") == "What kind of job would that be?"
    assert clean("That kind of thing scares me.") == "That kind of thing scares me."


def test_the_statements_and_fragments_of_one_turn_share_one_lead_in():
    tr = dialogue(
        [
            ("worker", "How have the evenings been?"),
            ("client", "My shifts got moved to nights. I barely see my daughter now. Maybe an hour a day."),
        ]
    )
    anns = [
        tag(tr, "o1", "observation", "employment", 1, "My shifts got moved to nights."),
        tag(tr, "o2", "observation", "functioning_family", 1, "I barely see my daughter now."),
        tag(tr, "o3", "observation", "functioning_family", 1, "Maybe an hour a day."),
    ]
    [line] = texts(soap(tr, anns, pronouns="he/him"), "subjective")
    assert line.count("reported") == 1 and ", and that" not in line
    assert "his shifts got moved to nights; he barely sees his daughter now; maybe an hour a day" in line


def _report_line(text: str, seconds: int = 5) -> NoteItem:
    seg = Segment(id=0, start=0.0, end=float(seconds), text=text)
    seg.speaker, seg.role = "SPEAKER_01", "client"
    return NoteItem(id="", text=f"Client reported that {text}", evidence=[Evidence.of(seg, 0, len(text))])


def test_a_long_draft_leaves_out_only_report_lines_that_say_nothing_of_their_own():
    from note_formats.prose.length import fit, specifics, words

    empty = _report_line("It was like that, you know.")
    short = _report_line("I feel lonely.")  # a feeling is content, however short
    rich = _report_line("The heater broke in January and the landlord won't answer.")
    kept = _report_line("It was like that again.")
    assert specifics(empty) == 0 and specifics(short) >= 1 and specifics(rich) >= 3
    lines = [empty, short, rich, kept]
    every = sum(words(i) for i in lines)
    assert fit(lines, [], 0, every) == lines  # within its length nothing is left out
    shorter = fit(lines, [kept], 0, every - 1)
    assert shorter == [short, rich, kept]  # over it, the empty line goes; the kept one stays
    assert fit(lines, [kept], 0, 1) == [short, rich, kept]  # a line with content never goes for length


def test_a_short_session_keeps_every_line_and_the_budget_grows_with_the_session():
    from note_formats.common import DraftOptions, Material
    from note_formats.prose.length import WORDS_PER_50_MIN, budget

    tr = dialogue([("worker", "How was the week?"), ("client", "It was like that, you know.")])
    anns = [tag(tr, "o1", "observation", "mood", 1)]
    assert any("like that" in t for t in texts(soap(tr, anns), "subjective"))  # room to spare: kept
    short = budget(Material(tr, [], DraftOptions()))
    tr.segments[-1].end = tr.duration = 100 * 60.0
    assert budget(Material(tr, [], DraftOptions())) - short == WORDS_PER_50_MIN  # 100 minutes: twice the page


def test_a_fragment_joins_the_line_that_already_cites_its_turn():
    tr = dialogue(
        [
            ("worker", "How is sleep?"),
            ("client", "I can't fall asleep before three in the morning."),
            ("worker", "And this week?"),
            ("client", "I still can't fall asleep before three in the morning. Four hours, tops."),
        ]
    )
    anns = [
        tag(tr, "o1", "observation", "sleep", 1),
        tag(tr, "o2", "observation", "sleep", 3, "I still can't fall asleep before three in the morning."),
        tag(tr, "o3", "observation", "mood", 3, "Four hours, tops."),
    ]
    [line] = texts(soap(tr, anns, pronouns="she/her"), "subjective")
    assert line.count("reported") == 1 and "four hours, tops" in line.lower()


def test_a_long_flagged_turn_is_quoted_by_its_most_telling_sentence_and_at_most_four_turns():
    long_turn = (
        "Yeah. It was fine, I guess. My landlord finally sent the plumber over on Wednesday afternoon "
        "to fix the kitchen sink and the leaking bathroom pipe. Then we ate."
    )
    turns = [("worker", "How was the week?"), ("client", long_turn)]
    for n in range(5):
        turns += [("worker", "And then?"), ("client", f"We went to the park on day {n + 1}.")]
    tr = dialogue(turns)
    maybe = {"certainty": "possible"}
    anns = [
        tag(tr, f"r{n}", "risk", "self_harm", n, attributes=maybe, confidence=0.3) for n in range(1, 12, 2)
    ]
    d = soap(tr, anns)
    [line] = [i for i in d.section("risk").items if "flagged by the tagger" in i.text]
    assert line.text.startswith(
        'Possible self-harm, flagged by the tagger: "My landlord finally sent the plumber over on Wednesday '
        'afternoon to fix the kitchen sink and the leaking bathroom pipe"; "We went to the park on day 1";'
    )
    assert line.text.endswith('"We went to the park on day 3" (and more).')
    assert {e.segment_id for e in line.evidence} == {1, 3, 5, 7, 9, 11}  # every flagged turn cited


def test_a_sentence_only_the_taggers_guesses_cite_is_still_the_clients_report():
    tr = dialogue(
        [
            ("worker", "Who else is around to help?"),
            ("client", "Nobody really. He's in Ohio. He never calls."),
            ("worker", "What would tell you you're ready to go back to work?"),
            ("client", "I'd sleep through the night without waking up in a sweat."),
        ]
    )
    maybe = {"certainty": "possible"}
    anns = [
        tag(tr, "r1", "risk", "abuse_neglect", 1, attributes=maybe, confidence=0.4),
        # the model's generic goal reading, which the goal builder does not write
        Annotation(
            id="g1", label="goal", subtype="goal", text=tr.segment(3).text,
            evidence=[Evidence.of(tr.segment(3))], speaker=tr.segment(3).speaker, role="client",
            source="minilm-head", confidence=0.6,
        ),
    ]  # fmt: skip
    d = soap(tr, anns, pronouns="he/him")
    subjective = " ".join(texts(d, "subjective"))
    # flagged (and quoted in the risk section for the worker to decide): reported even without a
    # problem word, so rejecting the flag loses nothing
    assert "in Ohio" in subjective and "never calls" in subjective
    assert any("He's in Ohio" in t for t in texts(d, "risk"))
    assert "sleep through the night" in subjective


# --- what an intervention line names ------------------------------------------------------------


def test_an_affirmation_names_what_the_client_did_and_a_reflection_what_they_feel():
    tr = dialogue(
        [
            ("client", "I phoned the housing office on Tuesday and again Thursday."),
            ("worker", "You already chased the housing office twice this week. That took real persistence."),
            ("client", "I don't know if I can keep the apartment though."),
            ("worker", "Part of you wants to fight for the apartment, and part of you is worn out."),
            ("client", "Yeah."),
            ("worker", "It sounds like you're not ready to give up on it."),
        ]
    )
    lines = objective(soap(tr, [], pronouns="she/her"))
    assert "chased the housing office twice this week" in lines["Affirmation"]
    reflection = lines["Complex reflection"]
    assert "wants to fight for the apartment" in reflection
    # the verb "be" is left out, its negation kept
    assert "not ready to give up on it" in reflection


def test_crisis_resources_name_the_line_given_and_psychoeducation_what_it_explained():
    tr = dialogue(
        [
            ("client", "My heart races and I think I'm dying, like twice a week."),
            (
                "worker",
                "What you're describing is called a panic attack. Your body is reacting as if there's "
                "danger when there isn't. It's not a sign that something is wrong with your heart.",
            ),
            ("client", "Okay, that helps."),
            (
                "worker",
                "And if it ever gets really bad, you can call the crisis line any time, day or night.",
            ),
        ]
    )
    lines = objective(soap(tr, [], pronouns="he/him"))
    assert "panic attack" in lines["Psychoeducation"]
    assert "sign that something is wrong" not in lines["Psychoeducation"]  # denied: not what it taught
    assert "crisis line" in lines["Crisis resources"]


def test_the_answer_to_a_screen_keeps_the_reasons_said_after_a_denial():
    tr = dialogue(
        [
            ("worker", "Have you had any thoughts of ending your life?"),
            (
                "client",
                "Sometimes I wish I could just stop, you know. But not like that. I wouldn't. "
                "My dog needs me, and my sister would be crushed. Anyway, the job thing.",
            ),
        ]
    )
    d = soap(tr, [], pronouns="she/her")
    [line] = [t for t in texts(d, "risk") if t.startswith("Asked")]
    assert "wish" in line and "not like that" in line
    assert "dog needs me" in line and "sister would be crushed" in line


def test_a_client_sentence_naming_things_is_reported_without_a_problem_word():
    tr = dialogue(
        [
            ("worker", "Tell me about the family."),
            (
                "client",
                "My brother Sam moved to Denver with his girlfriend. It was like that, you know, whatever.",
            ),
        ]
    )
    subjective = " ".join(texts(soap(tr, [], pronouns="he/him"), "subjective"))
    assert "brother Sam moved to Denver" in subjective
    assert "whatever" not in subjective  # names nothing: not a report


def test_what_goes_on_in_the_clients_mind_is_reported_without_a_category():
    tr = dialogue(
        [
            ("worker", "What else has been going on?"),
            ("client", "I'll suddenly see myself dropping her on the stairs. They just pop in."),
        ]
    )
    subjective = " ".join(texts(soap(tr, [], pronouns="she/her"), "subjective"))
    assert "dropping her on the stairs" in subjective


def test_a_speakers_account_over_two_turns_shares_one_lead_in():
    tr = dialogue(
        [
            ("client", "My landlord raised the rent by two hundred dollars in March."),
            ("worker", "Mm-hm."),
            ("client", "And my hours at the warehouse got cut to twenty a week."),
            ("worker", "What did you do then?"),
            ("other", "She called the union rep the next morning."),
        ]
    )
    anns = [
        tag(tr, "o1", "observation", "housing", 0),
        tag(tr, "o2", "observation", "functioning_work", 2),
        tag(tr, "o3", "observation", "functioning_work", 4),
    ]
    lines = texts(soap(tr, anns, pronouns="she/her"), "subjective")
    [account] = [t for t in lines if "rent" in t]
    assert account.count("reported") == 1 and "warehouse" in account
    assert not any("union rep" in t and "rent" in t for t in lines)  # another speaker: a line of their own


def test_the_worker_naming_what_the_client_lives_through_is_psychoeducation():
    tr = dialogue(
        [
            ("client", "My ex keeps texting my friends about me and posting my address online."),
            ("worker", "What he's doing is harassment, and you can report it."),
        ]
    )
    lines = objective(soap(tr, [], pronouns="she/her"))
    assert "harassment" in lines["Psychoeducation"]


def test_an_answer_that_leans_on_its_question_is_reported_with_it():
    tr = dialogue(
        [
            ("worker", "What would tell you that you're ready to drive again?"),
            ("client", "Um, when my knee can take the brake pedal without pain. That's when."),
            ("worker", "Okay."),
            ("client", "Because I keep thinking about it."),
        ]
    )
    lines = texts(soap(tr, [], pronouns="he/him"), "subjective")
    [line] = [t for t in lines if "brake pedal" in t]
    assert line == (
        "Asked what would tell him that the client is ready to drive again, client answered: "
        '"when my knee can take the brake pedal without pain".'
    )
    assert not any("keep thinking" in t for t in lines)  # no question before it: nothing to lean on


def test_problem_solving_is_named_from_how_practice_words_it():
    tr = dialogue(
        [
            ("client", "I owe the dentist three hundred and I can't pay it this month."),
            (
                "worker",
                "Okay, let's work out what you could offer them. One option is a payment plan of fifty a month.",
            ),
            ("client", "I could do fifty."),
            ("worker", "Let's write down what you'll say when you call the billing office."),
        ]
    )
    line = objective(soap(tr, [], pronouns="she/her"))["Problem-solving"]
    assert "payment plan" in line or "billing office" in line


def test_a_denial_cut_into_sentence_segments_is_documented_whole_with_its_screen():
    """Whisper cuts a turn at its sentences: the reasons after "No." are still the screen's answer,
    and "I would never do that to my kids" is never reported beside another topic's "my kids"."""
    from pipelines import tag

    tr = dialogue(
        [
            ("client", "I keep snapping at my kids when I get home from work."),
            ("worker", "Have you had any thoughts of harming yourself or ending your life?"),
            ("client", "No."),
            ("client", "I have never thought about killing myself."),
            ("client", "I would never do that to my kids."),
            ("worker", "Thank you for telling me."),
        ]
    )
    d = soap(tr, tag(tr), pronouns="she/her")
    [line] = [t for t in texts(d, "risk") if "denied" in t]
    assert "never thought about killing myself" in line and "never do that to my kids" in line
    assert not any("never do that" in t for t in texts(d, "subjective"))


def test_a_sentence_that_only_dates_a_statement_goes_with_it():
    tr = dialogue(
        [
            ("worker", "Is there anything at home you've thought about using?"),
            (
                "client",
                "Um, I mean. My mum's sleeping tablets are still in the kitchen drawer. I took them out "
                "once. Two days ago. I just held them, and I put them back.",
            ),
        ]
    )
    said = [
        tag(tr, f"o{n}", "observation", "other", 1, quote)
        for n, quote in enumerate(["Um, I mean.", "I took them out once."])
    ]
    report = " ".join(texts(soap(tr, said, pronouns="she/her"), "subjective"))
    assert "she took them out once two days ago" in report
    assert "; ." not in report and "; ;" not in report  # "Um, I mean." says nothing


def test_a_dropped_filler_leaves_no_stray_comma_after_a_stop():
    from note_formats.prose.concise import tighten

    assert tighten("she did not wake up. Like, if she got hit by a bus") == (
        "she did not wake up. If she got hit by a bus"
    )


def test_digits_said_as_words_are_not_a_repeat():
    from note_formats.wording import clean

    assert clean("you can call nine eight eight, any time") == "you can call nine eight eight, any time"
    assert clean("it was really really bad") == "it was really bad"


def test_a_task_the_recap_restates_is_written_once_citing_both_times():
    tr = dialogue(
        [
            ("worker", "I'll ring your GP today about the swelling in your knee."),
            ("client", "Thanks. And I'll ask my neighbour about the shopping."),
            ("worker", "I'm going to give you the number for the carers' line as well."),
            ("client", "Okay."),
            (
                "worker",
                "So to sum up. I'll ring your GP today about your knee. You'll call the carers' line "
                "this week. I'll phone you on Friday.",
            ),
        ]
    )
    plan = soap(tr, [], pronouns="she/her").section("plan").items
    gp = [i for i in plan if "GP" in i.text]
    assert len(gp) == 1 and {e.segment_id for e in gp[0].evidence} == {0, 4}
    # the worker giving the number and the client calling the line are two tasks
    assert len([i for i in plan if "carers" in i.text]) == 2


def test_a_parents_answer_about_discipline_is_documented_with_the_risk_screen():
    tr = dialogue(
        [
            ("worker", "How do you discipline them when they won't listen?"),
            ("client", "I send them to their room. I don't smack them, ever."),
        ]
    )
    risk = texts(soap(tr, [], pronouns="he/him"), "risk")
    assert any(t.startswith("Asked") and "I don't smack them, ever" in t for t in risk), risk


def test_a_risk_screen_asked_is_named_with_what_it_asked_about():
    tr = dialogue(
        [
            ("client", "It's been rough since the move."),
            (
                "worker",
                "I ask everyone this. Have you had thoughts of killing yourself, or wishing you were dead?",
            ),
            ("client", "No."),
            ("worker", "And how often do you have a drink containing alcohol?"),
            ("client", "Weekends, mostly."),
        ]
    )
    line = objective(soap(tr, [], pronouns="she/her"))["Risk screening"]
    assert "killing" in line and "drink" in line


@pytest.mark.parametrize(
    "said",
    [
        "That's a brave decision, to ask for help with the bills.",
        "That's wonderful, you kept going to class.",
    ],
)
def test_praise_of_a_choice_or_said_outright_is_an_affirmation(said: str):
    tr = dialogue([("client", "I went back to class on Monday."), ("worker", said)])
    assert "Affirmation" in objective(soap(tr, [], pronouns="he/him"))


def test_a_follow_up_on_a_screen_answer_is_documented_with_it():
    tr = dialogue(
        [
            ("worker", "Have you had any thoughts of ending your life?"),
            ("client", "Sometimes I wish I could just not wake up. I wouldn't do anything."),
            ("worker", "Thank you for telling me. How often are those thoughts coming?"),
            ("client", "Most evenings. Since about March."),
        ]
    )
    risk = texts(soap(tr, [], pronouns="he/him"), "risk")
    assert any('asked "How often are those thoughts coming?"' in t and "Since about March" in t for t in risk)


def test_the_announcement_of_a_screen_is_no_technique_of_its_own():
    tr = dialogue(
        [
            ("worker", "I need to ask you some safety questions."),
            ("worker", "Have you had any thoughts of ending your life?"),
            ("client", "No, never."),
        ]
    )
    guess = tag(tr, "i1", "intervention", "information_giving", 0)
    guess.source = "minilm-head"
    lines = objective(soap(tr, [guess], pronouns="she/her"))
    assert "Information giving" not in lines and "Risk screening" in lines


def test_what_the_worker_says_to_do_when_something_happens_is_a_task():
    tr = dialogue(
        [
            ("worker", "If you feel faint, or your chest won't settle, you go straight to the ER."),
            ("client", "Okay, I will."),
        ]
    )
    plan = texts(soap(tr, [], pronouns="she/her"), "plan")
    assert any("the client goes straight to the ER" in t for t in plan), plan


def test_another_participants_safety_steps_are_theirs_and_a_dont_is_kept():
    tr = dialogue(
        [
            ("worker", "If he turns up drunk again, what's the plan?"),
            ("other", "Don't let him in. Call my nan."),
        ]
    )
    plan = texts(soap(tr, [], pronouns="she/her"), "plan")
    assert "Another participant will not let him in; call their nan." in plan


def test_a_word_in_capitals_is_no_hesitation():
    from note_formats.wording import clean

    assert clean("you go to the ER, not wait it out") == "you go to the ER, not wait it out"
    assert clean("Er, I went home.") == "I went home."


def test_looking_back_at_what_one_never_expected_is_no_task():
    tr = dialogue(
        [
            ("worker", "How is it, helping with school at your age?"),
            ("client", "I never thought I'd be doing homework again at seventy."),
        ]
    )
    anns = [tag(tr, "p1", "plan", "homework", 1)]
    assert texts(soap(tr, anns, pronouns="she/her"), "plan") == []


def test_a_recap_before_the_client_goes_lists_the_plan_and_what_came_before_it_stays():
    tr = dialogue(
        [
            ("client", "Okay, I'll try the front room."),
            (
                "worker",
                "I'll ask the advocate to be here that morning. So, before you go: the nurse checks your "
                "wrist today. You'll think about leaving a bag at Jean's. And you meet the advocate on the 14th.",
            ),
        ]
    )
    plan = texts(soap(tr, [], pronouns="she/her"), "plan")
    assert any("advocate to be here that morning" in t for t in plan), plan
    assert any(
        t.startswith("The nurse checks her wrist today") or "nurse checks her wrist" in t for t in plan
    )
    assert any("bag at Jean's" in t for t in plan)


def test_a_typed_ill_without_its_apostrophe_proposes_a_step_the_recap_cites():
    from note_formats.prose.plans import FUTURE_TALK

    assert FUTURE_TALK.search("ok ill ring monday morning first thing")
    assert not FUTURE_TALK.search("i was ill all weekend")


def test_a_list_of_what_was_agreed_checked_with_the_client_is_a_recap():
    tr = dialogue(
        [
            ("client", "I can probably manage that."),
            (
                "worker",
                "Okay, let me read back what I have. Tomorrow, you'll phone the housing office about the "
                "repairs. Saturday, your brother picks up the kids. Marco, on Monday you drop the forms "
                "at the clinic. And I'll see you both on the 3rd at two. Did I miss anything?",
            ),
        ]
    )
    plan = texts(soap(tr, [], pronouns="she/her"), "plan")
    # a time said first is the task's time, never the person it is said to
    assert any(t.startswith("Tomorrow, the client will phone the housing office") for t in plan), plan
    assert any("Saturday, her brother picks up the kids" in t for t in plan), plan
    assert any("Marco drops the forms at the clinic" in t for t in plan), plan
    assert any(t.startswith("Worker will see them both on the 3rd") for t in plan), plan


def test_a_numbered_list_gone_over_at_the_end_is_the_plan_without_its_numbers():
    tr = dialogue(
        [
            ("client", "Yeah, the library's fine."),
            (
                "worker",
                "Right, let's go over it. One, you'll ring the dentist on Monday about the abscess. "
                "Two, I'm sending the housing letter to your caseworker tomorrow. Three, you'll bring "
                "the rent book next time. How does that sound?",
            ),
        ]
    )
    plan = texts(soap(tr, [], pronouns="he/him"), "plan")
    assert any(t.startswith("Client will ring the dentist on Monday") for t in plan), plan
    assert any(t.startswith("Worker is sending the housing letter") for t in plan), plan
    assert any(t.startswith("Client will bring the rent book next time") for t in plan), plan
    from note_formats.prose.plans import LIST_MARKER

    assert (
        LIST_MARKER.sub("", "So, one, I'm referring you to the clinic.") == "I'm referring you to the clinic."
    )
    assert LIST_MARKER.sub("", "So, before next week you'll call.") == "So, before next week you'll call."


def test_a_reflection_checked_with_the_client_is_no_recap():
    tr = dialogue(
        [
            ("client", "Since March it's been bad, and the job made it worse."),
            (
                "worker",
                "So you've felt low since March, and the job loss made it harder. Does that sound right?",
            ),
        ]
    )
    assert not texts(soap(tr, [], pronouns="she/her"), "plan")


def test_what_the_worker_wants_to_hear_in_the_session_is_no_plan():
    tr = dialogue(
        [
            ("worker", "I'd like to hear how things have been from you, not just from the school."),
            ("client", "It's been okay I guess."),
            ("worker", "I'm going to ask you some direct questions, and I ask everybody these."),
            ("client", "Okay."),
            ("worker", "I'd like to see you again next Tuesday at four."),
        ]
    )
    plan = texts(soap(tr, [], pronouns="he/him"), "plan")
    assert not any("hear" in t or "questions" in t for t in plan), plan
    assert any("next Tuesday at four" in t for t in plan), plan


def test_a_short_answer_to_a_symptom_question_is_written_with_its_question():
    tr = dialogue(
        [
            ("worker", "In the past two weeks, how often have you had trouble relaxing?"),
            ("client", "Pretty much every day."),
            ("worker", "What did you have for lunch?"),
            ("client", "Just a sandwich."),
        ]
    )
    said = texts(soap(tr, [], pronouns="she/her"), "subjective")
    assert any(t.startswith("Asked how often") and '"Pretty much every day"' in t for t in said), said
    assert not any("sandwich" in t and t.startswith("Asked") for t in said)


def test_a_ruler_asked_without_its_scale_is_a_scaling_question_when_answered_with_a_number():
    tr = dialogue(
        [
            ("worker", "On a scale of one to ten, how important is it to you to get back to work?"),
            ("client", "A nine."),
            ("worker", "And how confident are you that you could start applying?"),
            ("client", "Maybe a three, to be honest."),
            ("worker", "How confident are you about the bus route?"),
            ("client", "Not very, it changed in May."),
        ]
    )
    said = texts(soap(tr, [], pronouns="he/him"), "subjective")
    assert any(t.startswith("Asked how confident") and "a three" in t for t in said), said
    assert not any(t.startswith("Asked how confident") and "bus route" in t for t in said), said


def test_a_checklist_item_after_a_disclosure_is_not_its_follow_up():
    tr = dialogue(
        [
            ("worker", "Does he ever hurt you?"),
            ("client", "He grabbed my arm last month and left a bruise."),
            ("worker", "How often does that happen?"),
            ("client", "Maybe once a month, when he's been drinking."),
            ("worker", "Over the last two weeks, how often have you felt down, depressed, or hopeless?"),
            ("client", "More than half the days, I cry a lot."),
        ]
    )
    anns = [tag(tr, "r1", "risk", "abuse_neglect", 1)]
    line = next(t for t in texts(soap(tr, anns, pronouns="she/her"), "risk") if "arm" in t)
    assert "once a month" in line
    assert "hopeless" not in line and "cry" not in line


def test_a_bare_yes_tagged_as_risk_is_written_with_what_it_answers():
    tr = dialogue(
        [
            ("worker", "Have you been using more than you meant to?"),
            ("client", "Yes."),
            ("worker", "Would it help if I gave you some information about naloxone?"),
            ("client", "Yes. I want that in the house."),
        ]
    )
    anns = [
        tag(tr, "r1", "risk", "substance_crisis", 1),
        tag(tr, "r2", "risk", "substance_crisis", 3, "Yes."),
    ]
    risk = texts(soap(tr, anns, pronouns="she/her"), "risk")
    assert any(
        'asked "Have you been using more than you meant to?", client answered "Yes' in t for t in risk
    ), risk
    # "Yes." to an offer is said with what the client went on to say, not with the offer
    assert any('client said "Yes. I want that in the house"' in t for t in risk), risk
    assert not any("reported that yes" in t.lower() or "naloxone" in t for t in risk), risk


def test_a_no_said_before_a_statement_is_left_out_of_the_report():
    tr = dialogue(
        [
            ("worker", "Is it any calmer at home now?"),
            ("client", "No. Yelling, sure, there's been a lot of yelling lately."),
        ]
    )
    anns = [tag(tr, "o1", "observation", "functioning_family", 1)]
    report = " ".join(texts(soap(tr, anns, pronouns="he/him"), "subjective"))
    assert "lot of yelling" in report and "that no." not in report.lower(), report
