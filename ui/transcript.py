"""Step 3, Transcript review: listen, correct the words, say who is speaking.

Click a segment to hear it and correct it. Segments the recogniser was unsure
of are marked ⚠ and tinted. Any change is saved as a new transcript version and
flows on: the tags are found again (keeping your decisions) and the draft follows.
"""

from __future__ import annotations

import gradio as gr
import pandas as pd

from scribe.core.errors import TranscriptError
from scribe.core.records import Transcript
from scribe.transcripts import editing
from ui import pipeline, playback
from ui.state import Desk, span, user_errors
from ui.wiring import TabView, Wiring

COLUMNS = ["#", "Time", "Speaker", "Role", "Text", "Check"]
SPEAKER_COLUMNS = ["Speaker", "Name", "Role", "Role set by"]
FLAG_STYLE = "background-color: #fff3cd"
#: Choices offered when the transcript does not know its speakers yet (no diarization, typed notes).
DEFAULT_SPEAKERS = ("S1", "S2")


def speaker_name(transcript: Transcript, speaker: str | None) -> str:
    if speaker is None:
        return "—"
    for spk in transcript.speakers:
        if spk.id == speaker and spk.label:
            return f"{spk.label} ({speaker})"
    return speaker


def speaker_ids(transcript: Transcript) -> list[str]:
    ids = [s.id for s in transcript.speakers] + [s.speaker for s in transcript.segments if s.speaker]
    return list(dict.fromkeys(ids)) or list(DEFAULT_SPEAKERS)


def segment_rows(transcript: Transcript) -> pd.DataFrame:
    rows = []
    for seg in transcript.segments:
        if seg.needs_review:
            check = "⚠ " + (", ".join(seg.review_reasons) or "unclear")
        else:
            check = "✓ corrected" if seg.edited else ""
        rows.append(
            [
                seg.id,
                # typed text has no times: its place is a paragraph number, as the draft cites it
                span(seg.start, seg.end) if transcript.timed else f"¶{seg.id + 1}",
                speaker_name(transcript, seg.speaker),
                seg.role or "",
                seg.text,
                check,
            ]
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def segment_table(transcript: Transcript | None):
    """The segments as a styled table: rows that need a check are tinted (and say so in words)."""
    if transcript is None:
        return pd.DataFrame([], columns=COLUMNS)
    df = segment_rows(transcript)
    flagged = {seg.id for seg in transcript.segments if seg.needs_review}

    def tint(row: pd.Series) -> list[str]:
        return [FLAG_STYLE if row["#"] in flagged else ""] * len(row)

    return df.style.apply(tint, axis=1).hide(axis="index")


# --- handlers ----------------------------------------------------------------------------


@user_errors
def open_segment(desk: Desk, segment_id: int) -> tuple[Desk, str, gr.Audio, str, gr.Dropdown]:
    """Select a segment: its details, a clip of it to play, its text and speaker for editing."""
    t = desk.need_transcript()
    seg = t.segment(int(segment_id))
    desk.selected_segment = seg.id
    audio = playback.clip(desk, seg.start, seg.end) if t.source == "audio" else None
    info = describe(desk)
    if t.source == "audio" and audio is None:
        info += "\n\n(The recording of this session was deleted, so it cannot be played.)"
    player = gr.Audio(value=audio, visible=audio is not None)
    return desk, info, player, seg.text, gr.Dropdown(choices=speaker_ids(t), value=seg.speaker)


def describe(desk: Desk) -> str:
    """The selected segment: time, speaker, role, why it needs a listen, what the recogniser first heard."""
    t = desk.transcript
    if t is None or desk.selected_segment is None:
        return "Click a segment above."
    try:
        seg = t.segment(desk.selected_segment)
    except TranscriptError:
        return "Click a segment above."
    info = f"**Segment {seg.id}** · {span(seg.start, seg.end)} · {speaker_name(t, seg.speaker)}"
    if seg.role:
        info += f" ({seg.role})"
    if seg.needs_review:
        info += f" · ⚠ check: {', '.join(seg.review_reasons) or 'unclear'}"
    elif seg.edited:
        info += " · ✓ corrected"
    if seg.edited and seg.original_text:
        info += f"\n\nThe recogniser heard: “{seg.original_text}”"
    return info


def on_select(desk: Desk, evt: gr.SelectData) -> tuple[Desk, str, gr.Audio, str, gr.Dropdown]:
    """A click on a row of the segment table."""
    row = evt.row_value or []
    if not row:
        raise gr.Error("Click on a segment row.")
    return open_segment(desk, int(row[0]))


def _selected(desk: Desk):
    t = desk.need_transcript()
    if desk.selected_segment is None:
        raise gr.Error("Click a segment in the table first.")
    return t, t.segment(desk.selected_segment)


@user_errors
def correct_segment(desk: Desk, text: str, speaker: str | None) -> tuple[Desk, str]:
    """Save the worker's wording (and speaker) of the selected segment; tags and draft follow."""
    t, seg = _selected(desk)
    if not editing.correct_segment(t, seg.id, text, speaker):
        return desk, "Nothing changed."
    notices = pipeline.accept_transcript(desk, t)
    return desk, "\n\n".join([f"Segment {seg.id} saved; tags and draft updated.", *notices])


@user_errors
def mark_checked(desk: Desk) -> tuple[Desk, str]:
    """The worker listened and the words are right: clear the ⚠ mark."""
    t, seg = _selected(desk)
    if not editing.mark_checked(t, seg.id):
        return desk, f"Segment {seg.id} was not marked for checking."
    notices = pipeline.accept_transcript(desk, t)
    return desk, "\n\n".join([f"Segment {seg.id} marked as checked.", *notices])


@user_errors
def save_speaker(desk: Desk, speaker: str | None, name: str, role: str | None) -> tuple[Desk, str]:
    """Rename a speaker and/or set their role (worker, client, other)."""
    t = desk.need_transcript()
    if not speaker:
        raise gr.Error("Choose the speaker to change.")
    if speaker not in speaker_ids(t):
        raise TranscriptError(f"The transcript has no speaker {speaker}.")
    editing.name_speaker(t, speaker, name, role)  # type: ignore[arg-type]
    notices = pipeline.accept_transcript(desk, t)
    return desk, "\n\n".join([f"Speaker {speaker} saved.", *notices])


@user_errors
def swap_roles(desk: Desk) -> tuple[Desk, str]:
    """Worker and client were guessed the wrong way round: swap them."""
    t = desk.need_transcript()
    worker, client = editing.swap_roles(t)
    notices = pipeline.accept_transcript(desk, t)
    return desk, "\n\n".join([f"Swapped: {worker} is now the worker, {client} the client.", *notices])


# --- view --------------------------------------------------------------------------------


def render(desk: Desk) -> list:
    t = desk.transcript
    speakers = []
    if t is not None:
        speakers = [
            [s.id, s.label, s.role or "", {"user": "you", "guess": "guessed"}.get(s.role_source, "")]
            for s in t.speakers
        ]
    if t is None:
        head = "No transcript yet. Capture the session first."
    else:
        flagged = sum(s.needs_review for s in t.segments)
        head = f"{len(t.segments)} segments. Click one to hear it and correct it."
        if flagged:
            head += f" **{flagged} marked ⚠ need a listen** (tinted)."
    choices = speaker_ids(t) if t is not None else []
    return [
        head,
        describe(desk),
        segment_table(t),
        pd.DataFrame(speakers, columns=SPEAKER_COLUMNS),
        gr.Dropdown(choices=choices),
    ]


def build(w: Wiring) -> TabView:
    """The Transcript review tab."""
    with gr.Tab("3 · Transcript review", id="transcript", elem_id="tab-transcript"):
        head = gr.Markdown(elem_id="transcript-head")
        table = gr.Dataframe(
            headers=COLUMNS,
            interactive=False,
            wrap=True,
            column_widths=["5%", "11%", "11%", "8%", "50%", "15%"],
            max_height=420,
            elem_id="segments",
        )
        with gr.Group():
            info = gr.Markdown("Click a segment above.", elem_id="segment-info", elem_classes=["detail"])
            clip = gr.Audio(
                label="This moment", interactive=False, autoplay=True, visible=False, elem_id="segment-audio"
            )
            with gr.Row():
                text = gr.Textbox(label="What was said", lines=2, scale=4, elem_id="segment-text")
                seg_speaker = gr.Dropdown(label="Speaker", choices=[], scale=1, elem_id="segment-speaker")
            with gr.Row():
                save_btn = gr.Button("Save correction", variant="primary", elem_id="save-segment")
                checked_btn = gr.Button("Words are right", elem_id="segment-checked")
        message = gr.Markdown(elem_id="transcript-message")
        with gr.Accordion("Speakers: names and roles", open=True):
            speakers = gr.Dataframe(headers=SPEAKER_COLUMNS, interactive=False, elem_id="speakers")
            with gr.Row():
                pick = gr.Dropdown(label="Speaker", choices=[], elem_id="speaker-pick")
                name = gr.Textbox(label="Name shown (optional)", elem_id="speaker-name")
                role = gr.Dropdown(label="Role", choices=list(pipeline.ROLE_CHOICES), elem_id="speaker-role")
            with gr.Row():
                speaker_btn = gr.Button("Save speaker", elem_id="save-speaker")
                swap_btn = gr.Button("Swap worker and client", elem_id="swap-roles")
    d = w.desk
    w.on(table.select, on_select, [d], [d, info, clip, text, seg_speaker], refresh=False)
    w.on(save_btn.click, correct_segment, [d, text, seg_speaker], [d, message])
    w.on(checked_btn.click, mark_checked, [d], [d, message])
    w.on(speaker_btn.click, save_speaker, [d, pick, name, role], [d, message])
    w.on(swap_btn.click, swap_roles, [d], [d, message])
    return TabView([head, info, table, speakers, pick], render)
