"""Step 2, Capture: record in the browser, upload a recording, or dictate / type the notes.

Recording and uploading need the client's consent (the store refuses without
it); dictation and typing are the worker's own words and always work.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gradio as gr

from scribe.audio.decode import SUPPORTED_SUFFIXES
from scribe.transcripts.typed import TEXT_SUFFIXES, read_text_file
from ui import pipeline, recorder
from ui.state import Desk, user_errors
from ui.wiring import TabView, Wiring

#: gradio swaps a default Progress for the event's tracker (track_tqdm shows the transcriber's bar).
TRACK_TQDM = gr.Progress(track_tqdm=True)


def _progress(progress: Any) -> pipeline.Progress:
    """Adapt gr.Progress to the pipeline's ``(fraction, description)`` callback."""
    return lambda fraction, desc: progress(fraction, desc=desc)


# --- handlers ----------------------------------------------------------------------------


@user_errors
def transcribe_upload(
    desk: Desk, path: str | None, speakers: float, progress: Any = TRACK_TQDM
) -> tuple[Desk, str, None, gr.Tabs]:
    """An uploaded session recording -> transcript, tags, draft. Clears the upload box."""
    summary = pipeline.capture_audio(desk, path, int(speakers or 2), _progress(progress))
    return desk, summary, None, gr.Tabs(selected="transcript")


@user_errors
def transcribe_recording(
    desk: Desk, path: str | None, speakers: float, progress: Any = TRACK_TQDM
) -> tuple[Desk, str, None, gr.Tabs]:
    """A session recorded in the browser -> transcript, tags, draft. Clears the recorder."""
    if not path:
        raise gr.Error("Nothing was recorded yet: press Record, then Stop when the session ends.")
    summary = pipeline.capture_audio(desk, path, int(speakers or 2), _progress(progress))
    return desk, summary, None, gr.Tabs(selected="transcript")


@user_errors
def dictate_into_notes(desk: Desk, path: str | None, notes: str) -> tuple[Desk, str, None]:
    """Dictation -> text appended to the notes box (the dictation audio is not kept)."""
    text = pipeline.dictate(desk, path)
    joined = f"{notes.rstrip()}\n{text}" if (notes or "").strip() else text
    desk.dictated = joined
    return desk, joined, None


@user_errors
def open_text_file(desk: Desk, path: str | None) -> tuple[Desk, str]:
    """A notes, conversation or subtitles file -> its text in the notes box, to check before use.

    The uploaded copy is deleted once read: the text lives on only in the box.
    """
    if not path:
        raise gr.Error("Choose a notes or transcript file first.")
    try:
        return desk, read_text_file(path)
    finally:
        Path(path).unlink(missing_ok=True)


@user_errors
def use_notes(desk: Desk, notes: str, progress: Any = TRACK_TQDM) -> tuple[Desk, str, gr.Tabs]:
    """Typed or dictated notes (or a typed conversation) become the session's transcript, then tags and a draft."""
    source = "dictation" if desk.dictated and desk.dictated.strip() == (notes or "").strip() else "text"
    summary = pipeline.capture_text(desk, notes, source, _progress(progress))
    return desk, summary, gr.Tabs(selected="transcript")


# --- view --------------------------------------------------------------------------------


def render(desk: Desk) -> list:
    session = desk.session
    consent = bool(session and session.consent)
    if session is None:
        note = "Start or open a session first (Start tab)."
    elif consent:
        note = "Record the session here, or upload its recording. You can also dictate or type notes instead."
    else:
        note = (
            "**No consent to recording for this session**, so it cannot be recorded or uploaded. "
            "Dictate or type your notes below. (If the client agrees, record consent on the Start tab.)"
        )
    return [note, gr.Group(visible=consent)]


def build(w: Wiring) -> TabView:
    """The Capture tab."""
    kinds = ", ".join(s.lstrip(".") for s in SUPPORTED_SUFFIXES)
    result = gr.Markdown(elem_id="capture-result", render=False)  # placed at the end, used by all
    with gr.Tab("2 · Capture", id="capture", elem_id="tab-capture"):
        note = gr.Markdown(elem_id="capture-note")
        with gr.Group(visible=False) as recording_box:
            gr.Markdown("### The session recording", elem_classes=["step-title"])
            speakers = gr.Slider(
                1, 6, value=2, step=1, label="Voices in the recording (1 for a dictated summary)"
            )
            with gr.Row():
                with gr.Column():
                    mic = gr.Audio(
                        sources=["microphone"], type="filepath", label="Record in the browser", elem_id="mic"
                    )
                    mic_btn = gr.Button(
                        "Transcribe the recording", variant="primary", elem_id="transcribe-mic"
                    )
                with gr.Column():
                    upload = gr.File(
                        label=f"Or upload a recording ({kinds})",
                        file_types=list(SUPPORTED_SUFFIXES),
                        elem_id="upload",
                    )
                    upload_btn = gr.Button(
                        "Transcribe the file", variant="primary", elem_id="transcribe-file"
                    )
            recorder.build(w, speakers, result)
        with gr.Group():
            gr.Markdown("### Or dictate or type your notes", elem_classes=["step-title"])
            dictation = gr.Audio(
                sources=["microphone"], type="filepath", label="Dictate", elem_id="dictate-capture"
            )
            dictate_btn = gr.Button("Add the dictation to the notes", size="sm")
            notes = gr.Textbox(
                label="Session notes",
                info="Notes, or a conversation typed or pasted with a speaker at the start of each turn "
                "(Worker: … / Client: …).",
                lines=8,
                placeholder="What happened in the session…",
                elem_id="notes",
            )
            with gr.Row():
                text_file = gr.UploadButton(
                    f"Open a notes or transcript file ({', '.join(s.lstrip('.') for s in TEXT_SUFFIXES)})",
                    file_types=list(TEXT_SUFFIXES),
                    size="sm",
                    elem_id="notes-file",
                )
                notes_btn = gr.Button("Use these notes", elem_id="use-notes")
        result.render()
    d = w.desk
    w.on(upload_btn.click, transcribe_upload, [d, upload, speakers], [d, result, upload, w.tabs])
    w.on(mic_btn.click, transcribe_recording, [d, mic, speakers], [d, result, mic, w.tabs])
    w.on(dictate_btn.click, dictate_into_notes, [d, dictation, notes], [d, notes, dictation], refresh=False)
    w.on(notes_btn.click, use_notes, [d, notes], [d, result, w.tabs])
    w.on(text_file.upload, open_text_file, [d, text_file], [d, notes], refresh=False)
    return TabView([note, recording_box], render)
