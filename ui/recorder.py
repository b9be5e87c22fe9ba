"""Capture through the recorder: this computer's microphone, transcribed while it records.

The desk runs on the worker's own computer, so its microphone is the worker's.
Unlike the browser's recorder, ``scribe.asr.live.LiveSession`` writes the audio to
disk as it comes (a crash keeps what was said) and transcribes in the
background, so Stop leaves little to do. Needs the client's consent, like any
session recording.
"""

from __future__ import annotations

import logging
from typing import Any

import gradio as gr

from scribe import workflow
from scribe.asr.live import LiveSession
from scribe.audio.recorder import list_devices
from scribe.core.errors import NoSpeechError, RecordingError
from scribe.core.timefmt import clock
from ui import pipeline
from ui.state import Desk, user_errors
from ui.wiring import Wiring

log = logging.getLogger(__name__)

RECORDING_NAME = "recording.wav"
#: Seconds between updates of the recording meter.
METER_SECONDS = 2.0
TRACK = gr.Progress()


def devices() -> list[tuple[str, str]]:
    """Input devices as (label, value) choices; the system default first."""
    try:
        found = list_devices()
    except RecordingError as exc:
        log.info("no input devices: %s", exc)
        found = []
    return [("System default", "")] + [(f"{d.name} ({d.hostapi})", str(d.index)) for d in found]


# --- handlers ----------------------------------------------------------------------------


@user_errors
def start_recording(desk: Desk, device: str | None) -> tuple[Desk, str, gr.Timer]:
    """Start recording the session from ``device`` (refused without the client's consent)."""
    store, session = desk.need_store(), desk.need_session()
    store.require_recording_consent(session.id)
    workflow.require_unsigned(desk.draft)
    if desk.live is not None:
        raise gr.Error("A recording is already running: stop it first.")
    model = pipeline.transcriber(desk.model)
    path = desk.work() / RECORDING_NAME
    path.unlink(missing_ok=True)
    # The dropdown gives a device number as text ("" for the default); a name also works.
    chosen: int | str | None = int(device) if device and str(device).isdigit() else (device or None)
    desk.live = LiveSession(path, model, chosen).start()
    name = desk.live.recorder.device.name
    return desk, f"**Recording** from {name}. Press Stop when the session ends.", gr.Timer(active=True)


@user_errors
def pause_or_resume(desk: Desk) -> tuple[Desk, str]:
    if desk.live is None:
        raise gr.Error("Nothing is being recorded.")
    if desk.live.recorder.paused:
        desk.live.resume()
        return desk, meter(desk)
    desk.live.pause()
    return desk, meter(desk)


def meter(desk: Desk) -> str:
    """One line: state, time, level and how far the transcript has got."""
    live = desk.live
    if live is None:
        return ""
    rec = live.recorder
    state = "Paused" if rec.paused else "Recording"
    line = (
        f"**{state}** {clock(rec.seconds)} · level {rec.level:.0f} dB · "
        f"transcribed up to {clock(live.live.transcribed_seconds)}"
    )
    if live.done.is_set():
        line += " · **the recording stopped by itself: press Stop to keep it**"
    return line


def tick(desk: Desk) -> Any:
    """The meter, every few seconds while recording."""
    return meter(desk) if desk.live is not None else gr.skip()


@user_errors
def stop_recording(desk: Desk, speakers: float, progress: Any = TRACK) -> tuple[Desk, str, gr.Timer, gr.Tabs]:
    """Stop, finish the transcript, then the same steps as an uploaded recording."""
    if desk.live is None:
        raise gr.Error("Nothing is being recorded.")
    progress(0.1, desc="Finishing the transcript")
    live, desk.live = desk.live, None
    result = live.finish()
    if not result.transcript.segments:
        raise NoSpeechError(
            f"No speech was recognised in {clock(result.recording.seconds)} of recording. "
            "Check the microphone (is it muted, or the wrong device?) and record again."
        )
    notices = [*result.warnings]
    summary = pipeline.finish_audio(
        desk,
        result.transcript,
        result.audio_path,
        int(speakers or 2),
        lambda fraction, text: progress(fraction, desc=text),
        notices,
    )
    return desk, summary, gr.Timer(active=False), gr.Tabs(selected="transcript")


# --- view --------------------------------------------------------------------------------


def build(w: Wiring, speakers: gr.Slider, result: gr.Markdown) -> None:
    """The recorder controls (inside the Capture tab's recording group)."""
    with gr.Accordion("Or record with this computer's microphone (saved as it records)", open=False):
        with gr.Row():
            device = gr.Dropdown(
                label="Microphone", choices=devices(), value="", elem_id="rec-device", scale=3
            )
            refresh = gr.Button("Look for microphones", size="sm", scale=1)
        with gr.Row():
            start_btn = gr.Button("Start recording", variant="primary", elem_id="rec-start")
            pause_btn = gr.Button("Pause / resume", elem_id="rec-pause")
            stop_btn = gr.Button("Stop and transcribe", elem_id="rec-stop")
        status = gr.Markdown(elem_id="rec-status")
        timer = gr.Timer(METER_SECONDS, active=False)
    d = w.desk
    w.on(refresh.click, lambda: gr.Dropdown(choices=devices()), [], [device], refresh=False)
    w.on(start_btn.click, start_recording, [d, device], [d, status, timer], refresh=False)
    w.on(pause_btn.click, pause_or_resume, [d], [d, status], refresh=False)
    w.on(timer.tick, tick, [d], [status], refresh=False, show_progress="hidden")
    w.on(stop_btn.click, stop_recording, [d, speakers], [d, result, timer, w.tabs])
