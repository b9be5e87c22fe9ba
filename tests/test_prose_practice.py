"""What practice documents beyond the tags: affirmations and validation as workers word them, a
summary with what it sums up, harm reduction, and safety incidents in the risk section (real spaCy).
Every sentence here is written for these tests."""

from __future__ import annotations

from test_prose_length import dialogue, objective, soap, texts

from note_formats.prose.interventions import affirms
from note_formats.prose.plans import errand
from note_formats.prose.risk import RiskBuilder

# --- interventions -------------------------------------------------------------------------------


def test_an_affirmation_credits_the_client_with_a_strength_said_of_them_or_what_they_did():
    assert affirms("You've been really resourceful with the benefits office.")
    assert affirms("That was brave, telling your sister.")
    assert affirms("Your persistence with the landlord shows.")
    # not of the client, denied, or a strength word in another sense
    assert not affirms("Her brother is very strong.")
    assert not affirms("You weren't careful enough with the pills.")
    assert not affirms("The doctor was patient with him.")


def test_an_affirmation_worded_without_a_stock_phrase_is_named():
    tr = dialogue(
        [
            ("client", "I kept every receipt from the repair shop in a folder."),
            ("worker", "You've been really organized about the repairs."),
        ]
    )
    line = objective(soap(tr, [], pronouns="she/her"))["Affirmation"]
    assert "organized about the repairs" in line


def test_validation_names_how_hard_it_is_and_harm_reduction_is_its_own_technique():
    tr = dialogue(
        [
            ("client", "I've been up every night with the baby and working days."),
            ("worker", "That sounds exhausting, nights with the baby and then work all day."),
            ("client", "I used again on Saturday, first time in two months."),
            ("worker", "After two months off, your tolerance is lower. Keep a naloxone kit with you."),
        ]
    )
    lines = objective(soap(tr, [], pronouns="he/him"))
    assert "Validation" in lines
    assert "naloxone kit" in lines["Harm reduction"]


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
    told = RiskBuilder._tells_incident
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
