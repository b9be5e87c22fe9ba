"""``scribe record``, ``scribe dictate`` and ``scribe recover``: live capture from the microphone."""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import click

from scribe.asr.live import LiveSession, dictate, dictate_audio, split_section_command
from scribe.asr.transcribe import Transcriber
from scribe.audio.decode import check_file
from scribe.audio.recorder import list_devices as input_devices
from scribe.audio.recorder import resolve_device
from scribe.audio.wavfile import is_unfinished, repair_wav
from scribe.cli.sessions import check_saving, open_store_for_saving
from scribe.core.errors import ConsentError, RecordingError, ScribeError
from scribe.core.records import TranscriptionSettings
from scribe.core.timefmt import clock
from scribe.store.securefile import wipe_file
from scribe.transcripts.writers import WRITERS
from scribe.workflow import save_session

#: Files a recorded session folder holds.
AUDIO_NAME, JSON_NAME, TEXT_NAME = "session.wav", "transcript.json", "transcript.txt"
#: How often a status line is printed when stderr is not a terminal (logs, CI).
PLAIN_STATUS_SECONDS = 60.0
#: Why a recording is refused: a client's voice is kept only with their consent; without it only
#: dictation and typing remain.
NO_CONSENT = (
    "Recording needs the client's consent: pass --consent if they agreed to being recorded. "
    "Without it, dictate the note ('scribe dictate') or type it ('scribe note --text FILE')."
)


def register(group: click.Group) -> None:
    group.add_command(record_cmd)
    group.add_command(dictate_cmd)
    group.add_command(recover_cmd)


def meter_line(seconds: float, level_db: float, paused: bool, transcribed: float, width: int = 24) -> str:
    """One status line: state, time, a level bar from -60 to 0 dBFS, and how far the transcript is."""
    filled = round(width * min(1.0, max(0.0, (level_db + 60.0) / 60.0)))
    bar = "#" * filled + "." * (width - filled)
    state = "PAUSED" if paused else "REC   "
    return f"{state} {clock(seconds)} [{bar}] {level_db:6.1f} dB  transcribed to {clock(transcribed)}"


@contextlib.contextmanager
def _keys() -> Iterator[Callable[[], str]]:
    """Read single key presses from a terminal without Enter (Ctrl-C still raises SIGINT)."""
    if not sys.stdin.isatty():
        yield lambda: ""
        return
    import select
    import termios
    import tty

    fd = sys.stdin.fileno()
    saved = termios.tcgetattr(fd)
    tty.setcbreak(fd)

    def read() -> str:
        ready, _, _ = select.select([fd], [], [], 0)
        return os.read(fd, 1).decode(errors="ignore") if ready else ""

    try:
        yield read
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, saved)


@contextlib.contextmanager
def _signals(requests: list[str]) -> Iterator[None]:
    """Ctrl-C / SIGTERM ask to stop, SIGUSR1 / SIGUSR2 to pause / resume: the main loop acts on them."""
    wanted = {
        signal.SIGINT: "stop",
        signal.SIGTERM: "stop",
        signal.SIGUSR1: "pause",
        signal.SIGUSR2: "resume",
    }
    saved = {sig: signal.signal(sig, lambda s, _f: requests.append(wanted[s])) for sig in wanted}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def _transcriber(model: str | None, language: str):
    return Transcriber(model, TranscriptionSettings(language=language))


def _session_dir(out_dir: Path | None, create: bool = False) -> Path:
    """The session folder: refuse one that already holds a recording; create it (private) if asked."""
    out_dir = out_dir or Path(f"session-{datetime.now():%Y%m%d-%H%M%S}")
    audio = out_dir / AUDIO_NAME
    if audio.exists():
        if is_unfinished(audio):
            raise RecordingError(
                f"{out_dir} holds a recording that was interrupted. Run 'scribe recover {out_dir}' to "
                "repair and transcribe it, or choose another folder."
            )
        raise RecordingError(f"{out_dir} already holds a recording; choose another folder with -o.")
    if create:
        try:
            out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)  # a client's voice: private folder
        except OSError as exc:
            raise RecordingError(f"Cannot create the folder {out_dir}: {exc.strerror}.") from exc
    return out_dir


def _write_transcript(out_dir: Path, transcript) -> list[str]:
    """Write transcript.json and .txt; on a full disk, print the text instead so it is not lost."""
    written = []
    for name, fmt in ((JSON_NAME, "json"), (TEXT_NAME, "txt")):
        path = out_dir / name
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(WRITERS[fmt](transcript))
            written.append(name)
        except OSError as exc:
            click.echo(f"Warning: could not save {path} ({exc.strerror}). The transcript follows:", err=True)
            click.echo(WRITERS["txt"](transcript), nl=False)
            break
    return written


def _store_flags(client_id: str) -> str:
    return f"--client {shlex.quote(client_id)} --consent"


def _store_recording(
    store, audio: Path, transcript, client_id: str, *, wipe_plain: bool, why_kept: str = ""
) -> None:
    """Save the recording and its transcript in the encrypted store, then wipe the plain files if asked.

    If the store cannot be written (a full disk), nothing is wiped and the error says
    where the files are and how to store them later.
    """
    folder = audio.parent
    try:
        session_id = save_session(store, client_id, True, transcript, audio=audio)
    except (ScribeError, OSError) as exc:
        kept = [n for n in (audio.name, JSON_NAME, TEXT_NAME) if (folder / n).is_file()]
        raise click.ClickException(
            f"The session was NOT saved in the encrypted store: {str(exc).rstrip('.')}. "
            f"Its files are kept in {folder} ({', '.join(kept)}); once that is fixed, store them with: "
            f"scribe recover {shlex.quote(str(folder))} {_store_flags(client_id)}"
        ) from exc
    saved = f"Saved session {session_id[:8]} in the encrypted store (audio and transcript)"
    if not wipe_plain:
        click.echo(f"{saved}. The plain files in {folder} stay{why_kept}: delete them when done.", err=True)
        return
    # The encrypted copy is committed: the plaintext voice and words of the session go.
    for path in (audio, folder / JSON_NAME, folder / TEXT_NAME):
        wipe_file(path)
    with contextlib.suppress(OSError):
        folder.rmdir()  # only if empty: never anything else the folder holds
    click.echo(f"{saved}; the plain files were wiped from {folder}.", err=True)


@click.command("record")
@click.option("--device", "-d", default=None, help="Input device: its number or (part of) its name.")
@click.option(
    "-o",
    "--output",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Session folder (default: ./session-DATE-TIME).",
)
@click.option("--list-devices", is_flag=True, help="List the input devices and exit.")
@click.option(
    "--model", "-m", default=None, help="tiny.en, base (default) or a model folder. Env: SCRIBE_MODEL."
)
@click.option("--language", default="en", show_default=True, help="Spoken language.")
@click.option(
    "--window",
    type=click.FloatRange(5, 600),
    default=20.0,
    show_default=True,
    help="Transcribe in the background in pieces of about this many seconds, cut at pauses.",
)
@click.option(
    "--max-minutes", type=click.FloatRange(min=0, min_open=True), default=None, help="Stop after this long."
)
@click.option("--client", "client_id", default="", help="Client identifier (case number or initials).")
@click.option(
    "--consent/--no-consent",
    default=None,
    help="Whether the client consented to being recorded (required unless --no-store; --no-consent refuses).",
)
@click.option(
    "--no-store", is_flag=True, help="Do not save in the encrypted store: keep plain files in the folder."
)
def record_cmd(
    device: str | None,
    out_dir: Path | None,
    list_devices: bool,
    model: str | None,
    language: str,
    window: float,
    max_minutes: float | None,
    client_id: str,
    consent: bool | None,
    no_store: bool,
) -> None:
    """Record a session and transcribe it while it records.

    Needs the client's consent (--consent) and identifier (--client). Ctrl-C stops
    and finishes: the audio and transcript are saved in the encrypted store, and the
    plain session.wav, transcript.json and transcript.txt are then wiped from the
    folder, because a plain copy of a session on disk is a liability. With -o FOLDER
    they stay there (you chose where they go). If the store cannot be written, they
    stay in the folder and the message says where. --no-store saves nothing in the
    store: the folder keeps the three files.

    Space (or p) pauses and resumes; so do SIGUSR1 / SIGUSR2. The audio is saved as
    it is recorded: after a crash, 'scribe recover FOLDER'.
    """
    if list_devices:
        found = input_devices()
        if not found:
            click.echo("No input devices found. Is a microphone connected and the sound server running?")
        for d in found:
            mark = "*" if d.is_default else " "
            click.echo(
                f"{mark} {d.index:3d}  {d.name}  ({d.hostapi}, {d.channels} ch, {d.default_rate:.0f} Hz)"
            )
        return
    # Consent is checked before the microphone opens. --no-store alone keeps the plain-files recorder.
    if consent is False or (consent is None and not no_store):
        raise ConsentError(NO_CONSENT)
    if not no_store:
        check_saving(client_id, recording=True, consent=consent)
    chosen_dir = out_dir is not None
    out_dir = _session_dir(out_dir)
    resolve_device(device)  # a wrong --device fails now, not after loading the model
    # Ask for the passphrase now, not after an hour of recording.
    store = None if no_store else open_store_for_saving(client_id, recording=True, consent=consent)
    try:
        _record(out_dir, device, model, language, window, max_minutes, store, client_id, chosen_dir)
    finally:
        if store is not None:
            store.close()


def _record(
    out_dir: Path,
    device: str | None,
    model: str | None,
    language: str,
    window: float,
    max_minutes: float | None,
    store,
    client_id: str,
    chosen_dir: bool,
) -> None:
    """Record into ``out_dir`` until stopped, finish the transcript and keep the session."""
    _session_dir(out_dir, create=True)
    click.echo("Loading the speech model...", err=True)
    transcriber = _transcriber(model, language)
    session = LiveSession(
        out_dir / AUDIO_NAME,
        transcriber,
        device,
        window_seconds=window,
        max_seconds=max_minutes * 60 if max_minutes else None,
    )
    rec = session.recorder
    requests: list[str] = []
    tty = sys.stderr.isatty()
    with _signals(requests), _keys() as read_key:
        session.start()
        click.echo(
            f"Recording from '{rec.device.name}' into {out_dir}. Ctrl-C stops; "
            + ("space pauses/resumes." if sys.stdin.isatty() else "SIGUSR1 pauses, SIGUSR2 resumes."),
            err=True,
        )
        _control_loop(session, requests, read_key)
        recording = rec.stop()  # the audio file is complete and closed from here on
    if tty:
        click.echo("", err=True)
    if recording.message:
        click.echo(f"Warning: {recording.message}", err=True)
    click.echo(f"Recorded {clock(recording.seconds)}. Finishing the transcript...", err=True)
    try:
        result = session.finish()
    except KeyboardInterrupt:
        later = f"scribe recover {shlex.quote(str(out_dir))}" + (
            f" {_store_flags(client_id)}" if store is not None else ""
        )
        raise click.ClickException(
            f"Transcription interrupted. The audio is saved in {out_dir / AUDIO_NAME}; "
            f"transcribe it later with: {later}"
        ) from None
    for warning in result.transcript.warnings:
        if warning != recording.message:
            click.echo(f"Warning: {warning}", err=True)
    # The plain files first: if the store then fails, nothing of the session is lost.
    written = _write_transcript(out_dir, result.transcript)
    ready = f"{len(result.transcript.segments)} segments, ready {result.stop_latency:.1f} s after stop"
    if store is None:
        files = ", ".join(written) or "no transcript files"
        click.echo(f"Saved {out_dir}: {AUDIO_NAME}, {files} ({ready}).", err=True)
    else:
        click.echo(f"Transcript done ({ready}). Saving in the encrypted store...", err=True)
        _store_recording(
            store,
            result.audio_path,
            result.transcript,
            client_id,
            wipe_plain=not chosen_dir,
            why_kept=" (you chose the folder with -o)",
        )
    if recording.stopped_by in ("disk_full", "device_lost", "error"):
        raise click.ClickException(f"The recording ended early: {recording.message}")


def _control_loop(session, requests: list[str], read_key: Callable[[], str]) -> None:
    """Until stopped: act on keys and signals, and draw the meter (a status line a minute without a terminal)."""
    rec = session.recorder
    tty = sys.stderr.isatty()
    announced, last_plain = False, time.monotonic()
    while True:
        if not announced and rec.started.is_set():
            click.echo("Recording started.", err=True)  # audio is reaching the disk
            announced = True
        key = read_key()
        if key in (" ", "p", "P"):
            requests.append("resume" if rec.paused else "pause")
        elif key in ("q", "Q"):
            requests.append("stop")
        stop_now = False
        while requests and not stop_now:
            what = requests.pop(0)
            stop_now = what == "stop"
            was = rec.paused
            if what == "pause":
                session.pause()
            elif what == "resume":
                session.resume()
            if was != rec.paused:
                click.echo(("\n" if tty else "") + ("Paused." if rec.paused else "Resumed."), err=True)
        if stop_now or session.done.is_set():
            return
        if not announced:  # no meter before audio arrives
            time.sleep(0.05)
            continue
        line = meter_line(rec.seconds, rec.level, rec.paused, session.live.transcribed_seconds)
        if tty:
            click.echo("\r" + line, nl=False, err=True)
        elif time.monotonic() - last_plain >= PLAIN_STATUS_SECONDS:
            click.echo(line, err=True)
            last_plain = time.monotonic()
        time.sleep(0.1)


@click.command("dictate")
@click.option("--section", "-s", default=None, help="Note section the text is for (e.g. objective).")
@click.option("--device", "-d", default=None, help="Input device: its number or (part of) its name.")
@click.option(
    "--seconds", type=click.FloatRange(min=0, min_open=True), default=None, help="Record this long."
)
@click.option(
    "--silence",
    type=click.FloatRange(min=0),
    default=2.0,
    show_default=True,
    help="Stop after this many seconds of quiet once speech was heard (0: only Ctrl-C or --seconds).",
)
@click.option(
    "--file",
    "audio_file",
    type=click.Path(path_type=Path),
    default=None,
    help="Transcribe this file instead.",
)
@click.option("--model", "-m", default=None, help="tiny.en, base (default) or a model folder.")
@click.option("--language", default="en", show_default=True, help="Spoken language.")
@click.option("--json", "as_json", is_flag=True, help='Print {"section": ..., "text": ...}.')
def dictate_cmd(
    section: str | None,
    device: str | None,
    seconds: float | None,
    silence: float,
    audio_file: Path | None,
    model: str | None,
    language: str,
    as_json: bool,
) -> None:
    """Dictate a short note and print its text.

    Say "Add to objective: ..." to name the section by voice, or pass --section.
    Recording stops after a pause (see --silence), after --seconds, or on Ctrl-C.
    """
    transcriber = _transcriber(model, language)
    if audio_file is not None:
        text = dictate_audio(audio_file, transcriber)
    else:
        stop, ready = threading.Event(), threading.Event()
        requests: list[str] = []
        hint = f" (for {section})" if section else ""
        watcher = threading.Thread(target=_watch, args=(requests, stop, ready, hint), daemon=True)
        with _signals(requests):
            watcher.start()
            try:
                text = dictate(
                    seconds, device, transcriber, silence_seconds=silence or None, stop=stop, ready=ready
                )
            finally:
                stop.set()
    spoken, body = split_section_command(text)
    section = section or spoken
    if as_json:
        click.echo(json.dumps({"section": section, "text": body}, ensure_ascii=False))
    else:
        click.echo(body)


def _watch(requests: list[str], stop: threading.Event, ready: threading.Event, hint: str) -> None:
    """Say "speak now" once audio flows, and turn a Ctrl-C (seen by the signal handler) into ``stop``."""
    while not stop.wait(0.05):
        if ready.is_set():
            click.echo(f"Listening{hint}: speak now. Ctrl-C ends.", err=True)
            ready.clear()
        if "stop" in requests:
            stop.set()


@click.command("recover")
@click.argument("target", type=click.Path(exists=True, path_type=Path))
@click.option("--model", "-m", default=None, help="tiny.en, base (default) or a model folder.")
@click.option("--language", default="en", show_default=True, help="Spoken language.")
@click.option("--client", "client_id", default="", help="Client identifier (case number or initials).")
@click.option(
    "--consent/--no-consent",
    default=None,
    help="Whether the client consented to being recorded (needed to store the recording).",
)
@click.option("--no-store", is_flag=True, help="Only repair and transcribe: do not save in the store.")
def recover_cmd(
    target: Path, model: str | None, language: str, client_id: str, consent: bool | None, no_store: bool
) -> None:
    """Repair and transcribe a recording that was interrupted (crash, power cut, killed).

    TARGET is the session folder or its session.wav. Writes transcript.json and .txt
    beside it, then saves the audio and transcript in the encrypted store (needs
    --client and --consent; --no-store skips it). The files in the folder are left
    where they are: delete them once the session is stored.
    """
    if not no_store and not consent:
        raise ConsentError(
            "Storing a recording needs the client's consent: pass --consent if they agreed to being "
            "recorded, or --no-store to only repair and transcribe it here."
        )
    audio = check_file(target / AUDIO_NAME if target.is_dir() else target)
    store = None if no_store else open_store_for_saving(client_id, recording=True, consent=consent)
    try:
        seconds = repair_wav(audio)
        click.echo(f"{audio}: {clock(seconds)} of audio recovered. Transcribing...", err=True)
        transcript = _transcriber(model, language).transcribe_file(audio)
        written = _write_transcript(audio.parent, transcript)
        click.echo(
            f"Saved {', '.join(written)} in {audio.parent} ({len(transcript.segments)} segments).", err=True
        )
        if store is not None:
            _store_recording(store, audio, transcript, client_id, wipe_plain=False)
    finally:
        if store is not None:
            store.close()
