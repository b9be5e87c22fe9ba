"""What practice documents beyond the tags: affirmations and validation as workers word them, a
summary with what it sums up, harm reduction, and safety incidents in the risk section (real spaCy).
Every sentence here is written for these tests."""

from __future__ import annotations

import pytest
from test_prose_length import dialogue, objective, soap, tag, texts

from note_formats.prose.interventions import affirms, directive
from note_formats.prose.plans import errand, makes_means_safe
from note_formats.prose.safety import tells_incident

# --- interventions -------------------------------------------------------------------------------


def test_an_affirmation_credits_the_client_with_a_strength_said_of_them_or_what_they_did():
    assert affirms("You've been really resourceful with the benefits office.")
    assert affirms("That was brave, telling your sister.")
    assert affirms("Your persistence with the landlord shows.")
    # not of the client, denied, or a strength word in another sense
    assert not affirms("Her brother is very strong.")
    assert not affirms("You weren't careful enough with the pills.")
    assert not affirms("The doctor was patient with him.")


def test_stock_phrases_of_affirmation_are_affirmations_unless_negated():
    assert affirms("That was exactly the right thing to do, those photos are good evidence.")
    assert affirms("I really respect that, it takes guts to ask for that kind of help.")
    assert affirms("Well done for getting here today.")
    assert not affirms("That was not the right thing to do.")
    assert not affirms("Is that the right form for the council?")
    assert affirms("That's really clear thinking.")
    assert affirms("You managed nearly ten days, which tells me you can do it.")
    assert affirms("You've really kept that routine going.")
    assert not affirms("That's not clear thinking.")
    assert not affirms("They kept the lights going.")


def test_an_affirmation_worded_without_a_stock_phrase_is_named():
    tr = dialogue(
        [
            ("client", "I kept every receipt from the repair shop in a folder."),
            ("worker", "You've been really organized about the repairs."),
        ]
    )
    line = objective(soap(tr, [], pronouns="she/her"))["Affirmation"]
    assert "organized about the repairs" in line


@pytest.mark.parametrize(
    ("turns", "pronouns", "technique", "said"),
    [
        (
            [
                ("client", "I've been up every night with the baby and working days."),
                ("worker", "That sounds exhausting, nights with the baby and then work all day."),
                ("client", "I used again on Saturday, first time in two months."),
                ("worker", "After two months off, your tolerance is lower. Keep a naloxone kit with you."),
            ],
            "he/him",
            "Harm reduction",
            ("naloxone kit",),
        ),
        (
            [
                ("client", "He yells and calls me stupid."),
                ("worker", "Being yelled at in your own home is not okay. You don't deserve that."),
                ("client", "I don't want the police."),
                ("worker", "There are some things we can do. Your bank can put alerts on the account."),
            ],
            "he/him",
            "Information giving",
            ("alerts", "account"),
        ),
    ],
    ids=["how hard it is; harm reduction", "not the client's to carry; options are information"],
)
def test_validation_and_the_technique_beside_it_are_named(turns, pronouns, technique, said):
    lines = objective(soap(dialogue(turns), [], pronouns=pronouns))
    assert "Validation" in lines
    assert any(words in lines[technique] for words in said)


@pytest.mark.parametrize(
    "said",
    [
        "Anything you share with me is confidential, unless there's a risk to your life or a child's safety.",
        "This stays between us. The only exception is if someone is in danger, then I have a duty to report.",
    ],
    ids=["confidential, unless", "between us; duty to report"],
)
def test_explaining_confidentiality_and_its_limits_is_documented(said):
    tr = dialogue(
        [
            ("worker", said),
            ("client", "Okay. My landlord wants us out by March and I can't sleep."),
        ]
    )
    lines = objective(soap(tr, [], pronouns="she/her"))
    assert lines["Confidentiality"].startswith("Worker explained confidentiality")
    # the client speaking of a confidential matter is not the worker explaining anything
    told = dialogue(
        [
            ("worker", "What happened at work?"),
            ("client", "HR said the complaint is confidential, so nobody will tell me anything."),
        ]
    )
    assert "Confidentiality" not in objective(soap(told, [], pronouns="she/her"))


def test_confidentiality_is_documented_with_what_stays_private_and_who_else_is_told():
    tr = dialogue(
        [
            (
                "worker",
                "Whatever we talk about stays in this room, unless I think you might be at risk of serious harm. "
                "Then I'd have to pass it on to Mrs Okafor, but I'd tell you first. That okay?",
            ),
            ("client", "Yeah, fine."),
        ]
    )
    line = objective(soap(tr, [], pronouns="he/him"))["Confidentiality"]
    assert "stays in this room" in line and "Okafor" in line, line


def test_means_safety_and_consent_to_contact_are_named_and_a_screen_names_the_means_asked_about():
    tr = dialogue(
        [
            ("worker", "Is there anything at home you could use to hurt someone, any weapons, a knife?"),
            ("client", "There's a kitchen knife, that's all."),
            ("worker", "I'd like us to make a plan together for the hard nights, written down by the phone."),
            ("client", "Alright."),
            ("worker", "Would you be willing to have the oxycodone go back to the pharmacy?"),
            ("client", "I suppose so."),
            (
                "worker",
                "I'd also like to talk with Dr. Amos, with your permission, about the sleeping tablets.",
            ),
            ("client", "That's fine."),
        ]
    )
    lines = objective(soap(tr, [], pronouns="she/her"))
    assert "weapons" in lines["Risk screening"], lines
    planning = [t for t in lines.values() if t.startswith("Worker completed safety planning")]
    assert planning and "pharmacy" in planning[0] and "hard nights" in planning[0], lines
    assert "Amos" in lines["Advocacy"], lines


def test_a_summary_names_what_it_sums_up():
    tr = dialogue(
        [
            ("client", "The car payment is late and the heating bill came."),
            (
                "worker",
                "Let me sum up. The car payment is two months late. The heating bill arrived this week.",
            ),
        ]
    )
    line = objective(soap(tr, [], pronouns="he/him"))["Summary"]
    assert "car payment" in line and "heating bill" in line


# --- safety incidents -----------------------------------------------------------------------------


def test_a_safety_incident_is_told_when_it_happened_not_when_supposed_denied_or_long_past():
    told = tells_incident
    assert told("This is the third time he has fallen this year.")
    assert told("The police found him at the bus station at two in the morning.")
    assert told("She was home alone until six.")
    assert told("The heat has been off since Tuesday.")
    assert not told("He fell asleep on the couch.")  # not a fall
    assert not told("We moved here last fall.")  # the season
    assert not told("If he falls again I don't know what I'll do.")  # supposed
    assert not told("No falls since the hip surgery.")  # denied
    assert not told("I fell in 2019 on the bus steps.")  # long past
    assert not told("Did you fall?")  # asked
    assert told("We ended up in the ER on Sunday night.")
    assert not told("Er, I don't know what to say about that.")  # a hesitation, not the ER
    # what would happen or what to do if it does, and a wish denied, tell no incident
    assert not told("I'd call the police straight away.")
    assert not told("Call 911 if she won't go with you.")
    assert not told("I don't want him in trouble with the police.")
    assert told("I'd fallen twice before the carer came.")
    assert told("He didn't get up after he fell.")


def test_doses_found_untaken_are_a_safety_incident_and_access_to_the_money_is_screened():
    assert tells_incident("Last week I found Thursday and Friday still sitting in the box.")
    tr = dialogue(
        [
            ("worker", "Has anybody else been helping with money, or had access to your accounts?"),
            ("client", "No, no. Nobody touches our money but me."),
        ]
    )
    risk = texts(soap(tr, [], pronouns="he/him"), "risk")
    assert any(t.startswith("Asked") and '"No, no. Nobody touches our money but me"' in t for t in risk), risk


def test_a_fall_told_without_the_word_is_a_safety_incident():
    told = tells_incident
    assert told("I was getting him onto the chair and his legs just went.")
    assert told("We both slid down to the floor, slowly.")
    assert told("My feet went on the wet tiles. And down I went.")
    assert told("She lost her balance on the stairs.")
    assert not told("I slipped up and had a drink.")  # a lapse, not a fall
    assert not told("Could his legs give way again?")  # asked


def test_a_safety_incident_is_flagged_in_the_risk_section_and_stays_in_the_report():
    tr = dialogue(
        [
            ("worker", "How was the week with your dad?"),
            ("client", "He wandered out of the house on Friday night. A neighbor found him at the bus stop."),
            ("worker", "That must have been frightening."),
        ]
    )
    d = soap(tr, [], pronouns="she/her")
    [line] = [t for t in texts(d, "risk") if "safety concern" in t]
    assert "wandered out of the house on Friday night" in line
    assert any("wandered out" in t for t in texts(d, "subjective"))
    # the worker's words are never the client's incident
    worker = dialogue([("worker", "Some people with dementia wander at night and the police find them.")])
    assert not any("safety concern" in t for t in texts(soap(worker, []), "risk"))


# --- the worker's own tasks -----------------------------------------------------------------------


def test_an_errand_the_worker_says_they_will_do_is_the_workers_task_with_or_without_a_time():
    assert errand("I'll call the school about the bus pass.")
    assert errand("I'm going to send the referral to the food bank.")
    assert not errand("You'll call the landlord.")  # the client's
    assert not errand("I'll be honest with you.")  # no errand
    tr = dialogue(
        [
            ("client", "The bus pass ran out and I can't get to school."),
            ("worker", "I'll call the school about a new bus pass. What else is getting in the way?"),
        ]
    )
    assert texts(soap(tr, [], pronouns="he/him"), "plan") == [
        "Worker will call the school about a new bus pass."
    ]


def test_what_the_worker_does_within_the_session_is_no_task():
    tr = dialogue(
        [
            ("client", "The bus took ages, I'm parched."),
            ("worker", "I'll get you a glass of water in a minute."),
            ("worker", "I'm going to be straight with you: missing the bus pass matters for the court date."),
            ("worker", "I'll call the school about the bus pass tomorrow."),
        ]
    )
    assert texts(soap(tr, [], pronouns="he/him"), "plan") == [
        "Worker will call the school about the bus pass tomorrow."
    ]
    from note_formats.prose.plans import in_session_talk

    assert in_session_talk("I'm going to be honest with you, because I think you'd want me to be.")
    assert not in_session_talk("I'll be clear with the landlord tomorrow.")  # someone else, later
    # a candour clause opening a statement: what follows is teaching, not the worker's task
    assert in_session_talk(
        "And I'll be honest with you, alcohol tends to make sleep worse in the second half of the night."
    )
    assert not in_session_talk("I'll be honest with you, you'll need to call them tomorrow.")


def test_a_recapped_task_cites_where_the_client_proposed_it():
    tr = dialogue(
        [
            ("worker", "When could you talk to your brother about the key?"),
            ("client", "He's round Thursday. Actually, I'll text him tonight so I don't chicken out."),
            ("client", "My brother texted me about the key last week, out of nowhere."),
            ("worker", "Let me sum up what we've agreed. You'll text your brother tonight about the key."),
        ]
    )
    d = soap(tr, [], pronouns="he/him")
    [task] = [i for i in d.section("plan").items if "text" in i.text]
    cited = [e.quote for e in task.evidence]
    assert cited[0].startswith("Actually, I'll text him tonight")
    assert not any("last week" in q for q in cited)  # a report that shares words proposes nothing


@pytest.mark.parametrize(
    ("said", "safe"),
    [
        ("I could give the key to my brother?", True),
        ("Our Lee could take the bat out of the flat on Saturday.", True),
        ("My mum locked the pills away in her room.", True),
        # taking a means to use it is the opposite
        ("I'd take all the pills.", False),
        ("I'm gonna take the gun to his house.", False),
        ("I brought the knife to school.", False),
        ("I take my tablets with breakfast.", False),
    ],
)
def test_a_means_put_out_of_reach_is_told_apart_from_a_means_taken_to_use(said, safe):
    assert makes_means_safe(said) is safe


def test_the_means_safety_step_is_in_the_plan_with_the_question_it_answers():
    tr = dialogue(
        [
            ("worker", "Would you be willing to have the bat out of the flat for now?"),
            ("client", "I suppose. Our Lee could take it, my brother."),
            ("worker", "Is there anything else in the house?"),
            ("client", "Just the rifle, I could give the key to my sister."),
        ]
    )
    plan = [t for t in texts(soap(tr, [], pronouns="he/him"), "plan") if t.startswith("Means safety")]
    assert len(plan) == 2
    assert "bat out of the flat" in plan[0] and "Lee could take it" in plan[0]
    assert "give the key to his sister" in plan[1]


def test_what_the_worker_asks_offers_or_arranges_is_a_task_once_agreed():
    tr = dialogue(
        [
            ("worker", "If it gets really bad at home, I want you to tell your mom or text the crisis line."),
            ("client", "Okay."),
            ("worker", "I can call the bank with you tomorrow morning."),
            ("client", "Yeah, that would help."),
            ("worker", "I'd like the nurse to look at that cut before you go back to class."),
            ("client", "I guess. Yeah."),
            ("worker", "I could write to your landlord."),
            ("client", "No, I'd rather do it myself."),
        ]
    )
    plan = texts(soap(tr, [], pronouns="she/her"), "plan")
    assert any("the client will tell her mom or text the crisis line" in t for t in plan), plan
    assert "Worker will call the bank with her tomorrow morning." in plan
    assert any("nurse to look at that cut" in t for t in plan), plan
    assert not any("landlord" in t for t in plan)  # an offer the client turned down


def test_a_heading_a_reply_or_a_reassurance_in_a_recap_is_no_task():
    tr = dialogue(
        [
            ("worker", "So, to recap. Homework. You'll write the phrase on a card tonight. You'll be fine."),
            ("client", "Fair enough."),
        ]
    )
    plan = texts(soap(tr, [], pronouns="he/him"), "plan")
    assert plan == ["Client will write the phrase on a card tonight."], plan
    # a terse dictated task names its thing: it stays
    from note_formats.prose.plans import names_a_heading

    assert names_a_heading("Summary of actions.") and names_a_heading("Fair enough.")
    assert not names_a_heading("OT referral.") and not names_a_heading("Food bank voucher.")


def test_what_the_worker_wants_the_client_to_know_is_no_task():
    tr = dialogue(
        [
            ("worker", "That isn't a lecture, it's just something I want you to know."),
            ("client", "Okay."),
            ("worker", "And I really want you to understand none of this is your fault."),
            ("client", "Yeah."),
        ]
    )
    assert texts(soap(tr, [], pronouns="he/him"), "plan") == []


def test_the_clients_answer_to_what_they_could_do_is_their_safety_plan():
    tr = dialogue(
        [
            ("worker", "And if those thoughts get stronger, what could you do?"),
            ("client", "Tell my husband. Wake him up, even. And call you?"),
        ]
    )
    [line] = texts(soap(tr, [], pronouns="she/her"), "plan")
    assert line == "Client will tell her husband; wake him up, even; call the worker."


def test_the_clients_list_after_the_workers_own_is_their_tasks():
    tr = dialogue(
        [
            ("worker", "So here's my list: I'll write the letter by Monday. What's on yours?"),
            (
                "client",
                "Screenshot my pay stubs. Email my English teacher tonight. Ask Tasha about day shifts.",
            ),
        ]
    )
    plan = texts(soap(tr, [], pronouns="they/them"), "plan")
    assert any(
        t.startswith("Client will screenshot their pay stubs; email their English teacher tonight")
        for t in plan
    ), plan


# --- risk lines -----------------------------------------------------------------------------------


def test_a_screen_answered_in_a_sentence_of_its_own_is_the_clients_report_without_the_question():
    tr = dialogue(
        [
            ("worker", "Are there any firearms in the home?"),
            ("client", "Yeah. I've got a pistol. It's in the nightstand."),
            ("worker", "Have you had thoughts of ending your life?"),
            ("client", "Once or twice, late at night."),
        ]
    )
    d = soap(tr, [], pronouns="he/him")
    pistol = next(i for i in d.section("risk").items if "pistol" in i.text)
    # the answer to a screen is kept in the client's own words
    assert pistol.text.startswith("In answer to a screening question, client reported: \"I've got a pistol")
    assert [e.segment_id for e in pistol.evidence] == [1]  # the question is the worker's, not a disclosure
    # an answer that needs its question keeps it
    assert (
        'Asked "Have you had thoughts of ending your life?", client answered "Once or twice, late at night".'
        in texts(d, "risk")
    )


def test_a_generic_you_in_an_answer_to_a_screen_is_never_the_worker():
    tr = dialogue(
        [
            ("worker", "Have you had any intention of acting on those thoughts?"),
            ("client", "No. It's against my religion, you just don't do that."),
        ]
    )
    risk = texts(soap(tr, [], pronouns="she/her"), "risk")
    assert any("you just don't do that" in t for t in risk)
    assert not any("the worker" in t for t in risk)


def test_means_and_substance_questions_screen_and_handing_over_the_means_is_safety_planning():
    tr = dialogue(
        [
            ("worker", "Do you still have the blade?"),
            ("client", "It's in my pencil case."),
            ("worker", "Would you be willing to give it to me? It would be one less thing within reach."),
            ("client", "Fine. Here."),
            ("worker", "And were you drinking on Friday, when it happened?"),
            ("client", "Yeah. I'd had a few beers."),
        ]
    )
    d = soap(tr, [], pronouns="she/her")
    risk = " ".join(texts(d, "risk"))
    assert "pencil case" in risk and "a few beers" in risk
    assert "Safety planning" in objective(d)


def test_missed_medicines_a_tumble_and_money_taken_are_safety_concerns():
    told = tells_incident
    assert told("I take them when I remember, so sometimes I skip my pills.")
    assert told("I had a tumble in the bathroom two weeks ago.")
    assert told("My nephew has my bank card and he never pays me back.")
    assert not told("I take my pills every morning with breakfast.")


def test_each_follow_up_and_an_answer_paired_with_its_question_are_documented_with_the_risk():
    from scribe.core.records import Annotation, Evidence

    tr = dialogue(
        [
            ("client", "Some cuts. On my thigh."),
            ("worker", "How often?"),
            ("client", "Maybe a couple of times a week."),
            ("worker", "When was the last time?"),
            ("client", "Sunday night. So two days ago."),
            ("worker", "What does the cutting do for you, in those moments?"),
            ("client", "It's like... everything's too loud, and then it gets quiet."),
        ]
    )
    cuts = Annotation(
        id="r1", label="risk", subtype="self_harm", text="cuts", source="hand", role="client",
        evidence=[Evidence.of(tr.segment(0), 0, len("Some cuts."))], speaker=tr.segment(0).speaker,
    )  # fmt: skip
    q, a = tr.segment(5), tr.segment(6)
    paired = Annotation(
        id="r2", label="risk", subtype="self_harm", text="asked", source="hand", role="client",
        evidence=[Evidence.of(q, 0, len(q.text)), Evidence.of(a, 0, len("It's like..."))],
        speaker=a.speaker,
    )  # fmt: skip
    risk = texts(soap(tr, [cuts, paired], pronouns="she/her"), "risk")
    first = next(t for t in risk if "cuts" in t)
    assert "a couple of times a week" in first and "Sunday night" in first  # both follow-ups
    # "It's like..." says nothing without the question the tagger paired it with
    asked = next(t for t in risk if "too loud" in t)
    assert asked.startswith('Self-harm: asked "What does the cutting do for you')


def test_what_the_client_enjoys_doing_is_reported_with_the_question():
    tr = dialogue(
        [
            ("worker", "What do you like doing, when you get some time to yourself?"),
            ("client", "I draw. Mostly anime stuff. When I'm drawing I don't think about anything else."),
        ]
    )
    subjective = " ".join(texts(soap(tr, [], pronouns="she/her"), "subjective"))
    assert "Asked what does the client like doing" in subjective and "anime" in subjective


def test_what_someone_else_says_about_the_speaker_is_no_disclosure_of_theirs():
    from note_formats.prose.risk import SELF_DIRECTED_ACTS, quoted_speech

    assert quoted_speech("Calls me a stupid old man, says I'm going to die anyway.", SELF_DIRECTED_ACTS)
    assert quoted_speech("He told me I should kill myself.", SELF_DIRECTED_ACTS)
    assert not quoted_speech("I told him I wanted to die.", SELF_DIRECTED_ACTS)  # the speaker's own
    assert not quoted_speech("She said she wants to die.", SELF_DIRECTED_ACTS)  # hers, told


def test_a_possible_indicator_quotes_the_sentence_that_says_a_risk_before_those_that_qualify_it():
    from scribe.core.records import Annotation, Evidence

    tr = dialogue(
        [
            ("worker", "How has the week been?"),
            ("client", "Not great. I did something I'm not proud of. I punched the wall in the hallway."),
        ]
    )
    seg = tr.segment(1)
    flagged = Annotation(
        id="r1", label="risk", subtype="self_harm", text="the turn", source="hand", role="client",
        evidence=[Evidence.of(seg, 0, len(seg.text))], speaker=seg.speaker,
        attributes={"certainty": "possible"},
    )  # fmt: skip
    [line] = texts(soap(tr, [flagged], pronouns="he/him"), "risk")
    assert line.startswith("Possible self-harm") and "punched the wall in the hallway" in line


def test_a_fear_of_what_will_happen_is_no_task():
    tr = dialogue(
        [
            ("worker", "What worries you most about eating more?"),
            ("client", "I'm just scared if I eat normally I won't be able to stop."),
        ]
    )
    assert texts(soap(tr, [], pronouns="she/her"), "plan") == []


def test_a_goal_said_over_several_sentences_is_one_goal_line():
    tr = dialogue(
        [
            ("worker", "What would you like to be different?"),
            ("client", "I want to go to dinner with my friends. And I want my period back, honestly."),
        ]
    )
    anns = [
        tag(tr, "g1", "goal", "desire", 1, "I want to go to dinner with my friends."),
        tag(
            tr,
            "g2",
            "goal",
            "desire",
            1,
            "I want to go to dinner with my friends. And I want my period back, honestly.",
        ),
    ]
    goals = [t for t in texts(soap(tr, anns, pronouns="she/her"), "subjective") if "goal" in t]
    assert len(goals) == 1 and "dinner with my friends" in goals[0] and "period back" in goals[0]


def test_questions_about_symptoms_are_a_symptom_screen_naming_what_was_asked():
    tr = dialogue(
        [
            ("worker", "Over the past two weeks, have you been feeling down, depressed or hopeless?"),
            ("client", "Most days, yeah."),
            ("worker", "Since then, any chest pain, or feeling light-headed when you stand up?"),
            ("client", "A little dizzy in the mornings."),
            ("worker", "How was the drive over here?"),
            ("client", "Fine, the bus was late."),
        ]
    )
    lines = objective(soap(tr, [], pronouns="he/him"))
    screen = lines["Symptom screening"]
    assert screen.startswith("Worker screened for symptoms")
    assert "hopeless" in screen and "chest pain" in screen and "light-headed" in screen, lines
    assert "drive" not in screen  # a question about nothing an instrument asks is no screen


def test_a_scaling_question_names_its_range_and_the_follow_up_that_asks_what_would_raise_it():
    tr = dialogue(
        [
            ("worker", "From zero to ten, how confident are you that you can keep the appointments?"),
            ("client", "Maybe a five."),
            ("worker", "What would it take to move you from a five to a six?"),
            ("client", "If the bus pass came through."),
        ]
    )
    [item] = [
        i for i in soap(tr, []).section("objective").items if i.text.startswith("Worker asked a scaling")
    ]
    assert "confident" in item.text and "zero to ten" in item.text, item.text
    assert len(item.evidence) == 2  # the follow-up is the same technique


def test_the_answer_to_a_first_small_step_question_is_the_clients_task():
    tr = dialogue(
        [
            ("worker", "What feels like a small enough first step before I see you next week?"),
            ("client", "Sort the pile of mail by the door. And call the clinic about the meter."),
        ]
    )
    plan = texts(soap(tr, [], pronouns="he/him"), "plan")
    assert any("sort the pile of mail by the door" in t and "call the clinic" in t for t in plan), plan


def test_home_hazards_from_fire_and_safe_sleep_checklists_are_safety_concerns_with_what_says_what():
    tr = dialogue(
        [
            (
                "worker",
                "Before we start, I can see the candle on the shelf is right up against a pile of magazines.",
            ),
            ("client", "Oh, I'll move it."),
            ("worker", "Is there a smoke alarm?"),
            ("client", "It beeped all night so I took the battery out."),
            ("worker", "Where will the baby sleep when she comes home?"),
            ("client", "I thought she could sleep in the bed with me for now."),
            ("worker", "And the shotgun in the closet, is it kept loaded?"),
            ("client", "Yeah, it's loaded."),
        ]
    )
    risk = [t for t in texts(soap(tr, [], pronouns="she/her"), "risk") if "safety concern" in t]
    assert any(
        t.startswith("Possible safety concern the worker observed:") and "magazines" in t for t in risk
    ), risk
    assert any("took the battery out" in t for t in risk), risk
    assert any("sleep in the bed with" in t for t in risk), risk
    assert any(
        'asked "And the shotgun in the closet, is it kept loaded?"' in t and "it's loaded" in t for t in risk
    )


def test_advice_names_what_was_advised_and_a_named_service_is_a_referral():
    tr = dialogue(
        [
            ("client", "He thrashes around in his sleep and I try to shake him awake."),
            ("worker", "What we usually suggest is wake him from the doorway, not by touching him."),
            ("worker", "There's also a family shelter on Pine Street if you ever need to leave."),
            ("worker", "My job is to make sure you're safe."),
        ]
    )
    lines = objective(soap(tr, [], pronouns="she/her"))
    assert lines["Advice"] == "Worker advised the client: wake him from the doorway, not by touching him."
    assert "family shelter" in lines["Referral"]
    assert sum(t.startswith("Worker advised") for t in lines.values()) == 1  # the worker's role is no advice


def test_advice_said_as_an_imperative_is_named_with_its_condition_and_courtesies_are_not():
    tr = dialogue(
        [
            ("client", "He keeps messaging me, like fifty texts last night."),
            ("worker", "Okay. Please don't delete any of those, screenshot them and keep a copy."),
            ("worker", "If you can't talk, dial 999 and press 55 when they ask."),
            ("worker", "Take your time. Tell me what happened after that."),
            ("worker", "Grab whichever chair you like."),
            ("client", "Sometimes I just want to disappear."),
            ("worker", "Sometimes you want to disappear, not be here for a while."),
        ]
    )
    lines = objective(soap(tr, [], pronouns="she/her"))
    assert lines["Advice"] == (
        "Worker advised the client: do not delete any of those, screenshot them and keep a copy; "
        "if the client cannot talk, dial 999 and press 55 when they ask."
    ), lines


@pytest.mark.parametrize(
    "said",
    [
        "Take your time.",
        "Tell me more about that.",
        "Go on.",
        "Let's think about what you'd say.",
        "Thank you for telling me.",
        "Don't apologise.",
        "Be safe.",
        "Okay, type one.",
        "Face hot, jaw grinding, standing up.",
        "What would you do then?",
    ],
)
def test_a_courtesy_a_fragment_or_a_question_is_no_directive(said):
    assert directive(said) == ""


def test_a_crisis_resource_is_named_by_its_service_and_number_not_by_the_turn_s_other_topics():
    tr = dialogue(
        [
            ("client", "The nights are the worst, when Jordan's asleep and the flat is quiet."),
            (
                "worker",
                "If you ever feel you might act on those thoughts, call Samaritans on 116 123, any time, day "
                "or night, or ring 999. Jordan and the flat can wait.",
            ),
        ]
    )
    lines = objective(soap(tr, [], pronouns="she/her"))
    [line] = [t for t in lines.values() if t.startswith("Worker provided crisis resources")]
    assert line == "Worker provided crisis resources (Samaritans; 116 123; 999).", line


# --- lethal means at hand and the falls screen ------------------------------------------------------


def test_an_answer_naming_means_at_hand_is_documented_as_access_in_the_risk_section():
    tr = dialogue(
        [
            ("worker", "Do you keep any medications at home, anything you'd worry about?"),
            ("client", "Um. Well, there's my mum's old heart tablets. A full bottle. On top of the fridge."),
            ("worker", "Would you be okay with your neighbour holding onto those tablets for now?"),
            ("client", "Yeah, alright."),
        ]
    )
    risk = texts(soap(tr, [], pronouns="he/him"), "risk")
    [line] = [t for t in risk if t.startswith("Access to lethal means")]
    assert "heart tablets. A full bottle. On top of the fridge" in line and '"Um' not in line
    # asking to put the means away plans; it asks nothing about access
    assert not any("neighbour" in t for t in risk if t.startswith("Access"))
    # no means at hand: nothing to document as access
    none = dialogue([("worker", "Are there any guns in the house?"), ("client", "No, none.")])
    assert not any(t.startswith("Access") for t in texts(soap(none, []), "risk"))


def test_a_client_saying_where_a_means_is_kept_is_access():
    tr = dialogue(
        [
            ("worker", "What's been going on at night?"),
            ("client", "My husband has a pistol. It's in the glove box of his truck, most of the time."),
        ]
    )
    [line] = [t for t in texts(soap(tr, [], pronouns="she/her"), "risk") if t.startswith("Access")]
    assert "pistol" in line and "glove box" in line


def test_the_answer_to_the_falls_screen_is_a_safety_concern_with_its_question():
    tr = dialogue(
        [
            ("worker", "Have you had any falls lately?"),
            ("client", "Pardon?"),
            ("worker", "ANY FALLS? HAVE YOU FALLEN OVER?"),
            ("client", "Not really falls. Went down by the bins last month. Twice, I think."),
        ]
    )
    risk = [t for t in texts(soap(tr, [], pronouns="he/him"), "risk") if "safety concern" in t]
    assert len(risk) == 1 and "bins" in risk[0] and "Twice" in risk[0]
    assert "Pardon" not in risk[0]


# --- means safety, instrument wording, use reports, a parent's goal ---------------------------------


def test_putting_a_means_out_of_reach_is_means_safety_naming_the_means():
    tr = dialogue(
        [
            ("client", "I keep the razor blades in my desk."),
            (
                "worker",
                "And the blades in your desk. Would you be okay with your dad holding onto them for a while?",
            ),
            ("client", "I guess."),
        ]
    )
    line = objective(soap(tr, [], pronouns="she/her"))["Means safety"]
    assert line.startswith("Worker discussed means safety (blades") and "dad" in line


def test_the_instruments_own_screening_words_name_what_was_asked():
    tr = dialogue(
        [
            (
                "worker",
                "Over the last two weeks, how often have you been bothered by thoughts that you would be better off dead?",
            ),
            ("client", "Several days."),
        ]
    )
    assert "better off dead" in objective(soap(tr, [], pronouns="he/him"))["Risk screening"]


def test_how_much_the_client_drinks_is_reported_with_its_question_not_as_a_risk_screen():
    tr = dialogue(
        [
            ("worker", "How many drinks would you have on a typical day when you're drinking?"),
            ("client", "Four or five cans."),
        ]
    )
    d = soap(tr, [], pronouns="she/her")
    assert any("Four or five cans" in t and t.startswith("Asked") for t in texts(d, "subjective"))
    assert not any("Four or five cans" in t for t in texts(d, "risk"))


def test_a_parent_wanting_a_child_home_states_a_goal_and_a_pointing_back_sentence_is_not_reported():
    from pipelines import tag

    tr = dialogue(
        [
            ("worker", "What are you hoping for from today?"),
            ("client", "Honestly? I just want her home. That's, like, the only thing."),
        ]
    )
    d = soap(tr, tag(tr), pronouns="she/her")
    subjective = texts(d, "subjective")
    assert any(t.startswith("Client stated the goal") and "want her home" in t for t in subjective)
    assert not any("only thing" in t for t in subjective)
    # a sentence that opens with a clause of its own is reported, "that's all" and all
    from note_formats.prose.reports import says_nothing_alone
    from note_formats.wording import parse

    assert not says_nothing_alone(next(parse("I just miss her terribly, that's all.").sents))
    assert says_nothing_alone(next(parse("That's, like, the only thing.").sents))


def test_what_the_worker_notices_before_asking_is_an_observation():
    tr = dialogue(
        [
            ("worker", "I'm noticing you keep rubbing your wrist, what happened there?"),
            ("client", "Caught it on the door."),
        ]
    )
    observed = [
        t for t in texts(soap(tr, [], pronouns="she/her"), "objective") if t.startswith("Worker observed")
    ]
    assert observed == ["Worker observed the client keeps rubbing her wrist."]


@pytest.mark.parametrize("reply", ["Aye, go on then.", "Go on. Why not."])
def test_an_offer_taken_up_as_people_say_yes_in_other_dialects_is_the_workers_task(reply):
    tr = dialogue([("worker", "Would you let me put your name down for the lunch club?"), ("client", reply)])
    plan = texts(soap(tr, [], pronouns="he/him"), "plan")
    assert any("lunch club" in t and t.startswith("Worker will") for t in plan)
    refused = dialogue(
        [("worker", "Would you let me put your name down for the lunch club?"), ("client", "No.")]
    )
    assert not any("lunch club" in t for t in texts(soap(refused, [], pronouns="he/him"), "plan"))


@pytest.mark.parametrize(
    ("said", "quoted"),
    [
        ("Well, on your own at night, you think things.", '"on your own at night, you think things"'),
        (
            "You get used to the noise after a while, honestly.",
            '"You get used to the noise after a while, honestly"',
        ),
    ],
)
def test_you_said_of_anyone_is_quoted_not_made_the_worker(said, quoted):
    tr = dialogue(
        [
            ("worker", "How are the nights?"),
            ("client", f"{said} The flat is freezing and the boiler is broken."),
        ]
    )
    lines = [t for t in texts(soap(tr, tag_all(tr), pronouns="he/him"), "subjective") if quoted in t]
    assert lines and not any("the worker" in t for t in lines)


def tag_all(tr):
    from pipelines import tag

    return tag(tr)


def test_the_clients_answer_to_what_they_are_willing_to_do_is_the_plan_in_their_words():
    tr = dialogue(
        [
            ("worker", "So what would you be willing to do this week?"),
            ("client", "Only two cans on a weeknight. And none before the school run."),
            ("worker", "How was the football on Saturday?"),
            ("client", "Great game, we won three nil."),
        ]
    )
    plan = texts(soap(tr, [], pronouns="he/him"), "plan")
    assert plan == [
        'Asked what the client would be willing to do this week, client answered: "Only two cans on a weeknight. And none before the school run".'
    ]


def test_a_question_about_health_and_medicines_asks_about_no_means():
    tr = dialogue(
        [("worker", "Any conditions, any meds?"), ("client", "I'm diabetic. Type 1, since I was a kid.")]
    )
    assert not any(t.startswith("Access") for t in texts(soap(tr, [], pronouns="he/him"), "risk"))


# --- how the client says they feel ------------------------------------------------------------------


def test_how_the_client_says_they_feel_is_reported_with_no_tag_but_not_a_bland_state_or_a_risk():
    tr = dialogue(
        [
            ("worker", "Who's your personal tutor?"),
            ("client", "Dr Okafor. I just feel so embarrassed to email her."),
            ("worker", "How are you doing otherwise?"),
            ("client", "I'm fine, honestly. I'm knackered."),
            ("worker", "Anything else on your mind?"),
            ("client", "I've wished I was dead."),
        ]
    )
    said = " ".join(texts(soap(tr, [], pronouns="he/him"), "subjective"))
    assert "he feels so embarrassed to email her" in said, said
    assert "he is knackered" in said, said
    assert "fine" not in said and "dead" not in said, said


def test_what_the_client_says_they_did_is_reported_with_no_tag_but_not_a_denied_act_or_talk():
    tr = dialogue(
        [
            ("worker", "Okay."),
            ("client", "I cleared out the spare room."),
            ("worker", "Mm."),
            ("client", "I didn't ring the council. I said it was fine."),
        ]
    )
    said = " ".join(texts(soap(tr, [], pronouns="she/her"), "subjective"))
    assert "she cleared out the spare room" in said, said
    assert "council" not in said and "fine" not in said, said


def test_practical_help_offered_is_named_by_what_was_offered():
    tr = dialogue(
        [
            ("client", "I've been out here since Tuesday. I'm frozen."),
            ("worker", "I bet. Can I get you a hot drink? I've got a flask here."),
            ("client", "Go on then."),
            ("worker", "What I can do right now is get you a proper sleeping bag, a winter one."),
        ]
    )
    lines = objective(soap(tr, [], pronouns="he/him"))
    assert lines["Practical help"] == (
        "Worker offered practical help: get him a hot drink; get him a proper sleeping bag, a winter one."
    ), lines


def test_long_advice_is_cut_at_its_first_break_and_advice_after_a_cue_keeps_its_clause():
    assert (
        directive(
            "If he turns up, call 999 straight away - and if you can't speak, stay on the line and press 55 "
            "when they ask so they know it's a real emergency."
        )
        == "If he turns up, call 999 straight away"
    )
    tr = dialogue(
        [
            ("client", "I'm on the library computer."),
            ("worker", "I'd suggest you don't save this page and clear the browser history when we finish."),
        ]
    )
    lines = objective(soap(tr, [], pronouns="she/her"))
    assert lines["Advice"] == (
        "Worker advised the client: do not save this page and clear the browser history when we finish."
    ), lines


# --- context -------------------------------------------------------------------------------------


def test_a_strength_or_stressor_said_as_absent_is_not_named_one():
    from pipelines.tagger import tag as tag_all

    tr = dialogue(
        [
            ("worker", "Who helps you when things get hard?"),
            ("client", "My sister is really supportive, she has the kids on Fridays."),
            ("worker", "And how have things been since the argument?"),
            ("client", "I shouted at him last week and I'm not proud of it."),
            ("client", "Honestly there's no pressure at work at the moment."),
        ]
    )
    anns = tag_all(tr)
    assert {(a.subtype, a.status) for a in anns} >= {("strength", "affirmed"), ("strength", "negated")}
    said = texts(soap(tr, anns, pronouns="she/her"), "subjective")
    assert [t for t in said if "supportive" in t]
    titled = [t for t in said if t.startswith(("Strength", "Stressor"))]
    assert not [t for t in titled if "proud" in t or "pressure" in t]
