"""Generated test speech: espeak-ng speaks a scripted dialogue, sox joins the turns.

Two (or more) clearly different voices make a dialogue whose words and turn
times are known exactly, so tests can check transcription, diarization and
tagging against a reference. Used by tests, benchmarks and scripts/make_sample.py.
"""

from __future__ import annotations

import shutil
import subprocess
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SAMPLE_RATE = 16000

#: Voices that espeak-ng renders very differently (variant + pitch + speed).
VOICES: dict[str, tuple[str, int, int]] = {
    "worker": ("en-us+m3", 35, 165),
    "client": ("en-gb+f4", 75, 155),
    "other": ("en-us+m7", 55, 175),
    "narrator": ("en-us", 50, 165),
}


@dataclass
class Turn:
    speaker: str
    text: str
    start: float = 0.0
    end: float = 0.0


def have_espeak() -> bool:
    return shutil.which("espeak-ng") is not None


def speak(text: str, voice: str = "narrator") -> np.ndarray:
    """One utterance as float32 mono 16 kHz samples."""
    name, pitch, speed = VOICES.get(voice, VOICES["narrator"])
    raw = subprocess.run(
        ["espeak-ng", "-v", name, "-p", str(pitch), "-s", str(speed), "--stdout", text],
        check=True,
        capture_output=True,
    ).stdout
    resampled = subprocess.run(
        [
            "sox",
            "-t",
            "wav",
            "-",
            "-t",
            "raw",
            "-r",
            str(SAMPLE_RATE),
            "-c",
            "1",
            "-e",
            "float",
            "-b",
            "32",
            "-",
        ],
        input=raw,
        check=True,
        capture_output=True,
    ).stdout
    return np.frombuffer(resampled, dtype=np.float32).copy()


def dialogue(
    turns: list[tuple[str, str]], pause: float = 0.6, lead: float = 0.3
) -> tuple[np.ndarray, list[Turn]]:
    """Speak ``[(speaker, text), ...]`` with pauses between turns; returns samples and timed turns."""
    gap = np.zeros(int(pause * SAMPLE_RATE), dtype=np.float32)
    parts = [np.zeros(int(lead * SAMPLE_RATE), dtype=np.float32)]
    timed: list[Turn] = []
    t = lead
    for speaker, text in turns:
        audio = speak(text, speaker)
        timed.append(Turn(speaker, text, t, t + len(audio) / SAMPLE_RATE))
        parts += [audio, gap]
        t += (len(audio) + len(gap)) / SAMPLE_RATE
    return np.concatenate(parts), timed


def write_wav(
    path: str | Path, samples: np.ndarray, sample_rate: int = SAMPLE_RATE, channels: int = 1
) -> Path:
    """Write float samples (shape (n,) or (n, channels)) as 16-bit PCM WAV."""
    path = Path(path)
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(sample_rate)
        w.writeframes(pcm.tobytes())
    return path


#: A short counselling exchange with known content: a goal in the client's words,
#: open question, reflection, scaling question, a risk denial and a plan.
COUNSELLING_TURNS: list[tuple[str, str]] = [
    ("worker", "Hi Maria, thanks for coming in today. How have things been since we last met?"),
    (
        "client",
        "Honestly, it has been a hard week. I have not been sleeping well and I feel tired all the time.",
    ),
    ("worker", "It sounds like the stress at work is really wearing you down."),
    ("client", "Yes. I want to find a job where I am not so anxious every morning."),
    ("worker", "On a scale from one to ten, how confident are you that you can start looking?"),
    ("client", "Maybe a six. I already updated my resume on Sunday."),
    ("worker", "Have you had any thoughts of hurting yourself or ending your life?"),
    ("client", "No, I have never thought about killing myself. I just feel overwhelmed."),
    ("worker", "For next week, could you apply to two jobs and write down how you sleep each night?"),
    ("client", "Okay, I will apply to two jobs by Friday."),
    ("worker", "Good. I will also refer you to the employment support program. See you next Tuesday."),
]


#: Said at the same moment, one voice per channel: lost in a mono mix, kept channel by channel.
OVERLAP = (
    "Good, so we will write that plan down together.",
    "I will call the employment office on Monday morning.",
)


def two_channel_session(
    mono: np.ndarray, turns: list[Turn], crosstalk: float = 0.05, overlap: bool = False
) -> np.ndarray:
    """A dialogue as two lapel mics hear it: the worker left, the client right, each leaking a little.

    With ``overlap`` the two then say the ``OVERLAP`` lines at the same time.
    """
    left, right = np.zeros_like(mono), np.zeros_like(mono)
    for turn in turns:
        a, b = int(turn.start * SAMPLE_RATE), int(turn.end * SAMPLE_RATE)
        (left if turn.speaker == "worker" else right)[a:b] = mono[a:b]
    if overlap:
        worker, client = speak(OVERLAP[0], "worker"), speak(OVERLAP[1], "client")
        tail = np.zeros(max(len(worker), len(client)) + SAMPLE_RATE, dtype=np.float32)
        left = np.concatenate([left, tail])
        right = np.concatenate([right, tail])
        left[len(mono) : len(mono) + len(worker)] = worker
        right[len(mono) : len(mono) + len(client)] = client
    return np.stack([left + crosstalk * right, right + crosstalk * left], axis=1)


#: More turns of an ordinary session, for long generated recordings (``session``).
SESSION_TURNS: list[tuple[str, str]] = [
    ("worker", "Last time you mentioned the letters from the housing office. What happened with those?"),
    ("client", "I opened them finally. They want the rent arrears paid by the end of the month."),
    ("worker", "That sounds like a lot to carry on your own. Who else knows about it?"),
    ("client", "Only my sister. She said she could lend me some money but I do not want to ask."),
    ("worker", "What makes it hard to ask her?"),
    ("client", "She has her own children and I always feel like the one who needs rescuing."),
    ("worker", "You would rather sort it out yourself, and you also know the deadline is close."),
    ("client", "Exactly. I called the council helpline on Tuesday and waited for an hour."),
    ("worker", "Did you manage to speak to anyone in the end?"),
    ("client", "A woman called Grace. She said I can apply for a hardship payment."),
    ("worker", "That is a real step forward. What do you need to make the application?"),
    ("client", "Three months of bank statements and a letter from my doctor about my back."),
    ("worker", "Would it help if we went through the form together next week?"),
    ("client", "Yes, please. I get muddled with the numbers when I am stressed."),
    ("worker", "How has your mood been over the last two weeks?"),
    ("client", "Up and down. Some mornings I do not want to get out of bed, but I do."),
    ("worker", "What gets you up on those mornings?"),
    ("client", "Walking the dog, mostly. And my neighbour knocks on Thursdays for coffee."),
    ("worker", "It sounds like those small routines are holding things together."),
    ("client", "I suppose they are. I had not thought of it like that."),
    ("worker", "How are the children getting on at school this term?"),
    ("client", "My eldest got a good report. The little one is still struggling with reading."),
    ("worker", "Has the school offered any extra support for her reading?"),
    ("client", "They mentioned a reading club after school on Wednesdays. I said I would think about it."),
    ("worker", "Before we finish, let us agree what you will do before our next meeting."),
    ("client", "I will gather the bank statements and book the doctor's appointment for the letter."),
    ("worker", "And I will send you the hardship form by email tomorrow morning."),
    ("client", "Thank you. It feels less overwhelming when it is written down."),
]


def session(seconds: float, seed: int = 0) -> tuple[np.ndarray, list[Turn]]:
    """A generated two-voice session about ``seconds`` long, its turns drawn from the
    counselling and session sets in a seeded order (each distinct turn is spoken once and reused)."""
    rng = np.random.default_rng(seed)
    pool = COUNSELLING_TURNS + SESSION_TURNS
    spoken: dict[tuple[str, str], np.ndarray] = {}
    gap = np.zeros(int(0.6 * SAMPLE_RATE), dtype=np.float32)
    parts: list[np.ndarray] = [np.zeros(int(0.3 * SAMPLE_RATE), dtype=np.float32)]
    timed: list[Turn] = []
    t = 0.3
    while t < seconds:
        speaker, text = pool[int(rng.integers(len(pool)))]
        if (speaker, text) not in spoken:
            spoken[(speaker, text)] = speak(text, speaker)
        audio = spoken[(speaker, text)]
        timed.append(Turn(speaker, text, t, t + len(audio) / SAMPLE_RATE))
        parts += [audio, gap]
        t += (len(audio) + len(gap)) / SAMPLE_RATE
    return np.concatenate(parts), timed
