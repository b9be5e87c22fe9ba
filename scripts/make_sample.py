"""Regenerate the bundled sample session (samples/session.ogg + samples/session.txt).

A scripted, fictional counselling session spoken by two espeak-ng voices. Every
name and detail is invented. Run: python scripts/make_sample.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import synth  # noqa: E402

TURNS: list[tuple[str, str]] = [
    ("worker", "Hi Dana, thanks for coming in today. How have things been since our last session?"),
    ("client", "Honestly, it has been a rough couple of weeks. I have been sleeping maybe four hours a night."),
    ("worker", "What do you think is keeping you up at night?"),
    ("client", "Mostly worrying about money. The rent went up and I am behind on the electric bill."),
    ("worker", "So the money worries are following you to bed, and it is hard to switch off."),
    ("client", "Exactly. And then I am exhausted at work and I snap at my kids when I get home."),
    ("worker", "You are carrying a lot right now, and you still got your kids to school every day. That takes real strength."),
    ("client", "I guess so. I just want to get back on my feet and stop feeling like I am drowning."),
    ("worker", "Can I share some information about how stress affects sleep?"),
    ("client", "Sure."),
    ("worker", "When we are stressed, the body stays on alert, so a short wind down routine and writing worries down before bed can help the mind let go."),
    ("client", "I could try that. I want to be more patient with my kids."),
    ("worker", "On a scale from one to ten, how ready are you to work on the budget this week?"),
    ("client", "Probably a seven. I already called the electric company on Monday."),
    ("worker", "I need to ask you some safety questions. Have you had any thoughts of harming yourself or ending your life?"),
    ("client", "No, I have never thought about killing myself. I would never do that to my kids."),
    ("worker", "Thank you for telling me. Has anyone at home harmed you or the children?"),
    ("client", "No, nothing like that. My mother helps me a lot."),
    ("worker", "For this week, could you write down your worries before bed and track your sleep each night?"),
    ("client", "Okay, I will write them down every night and bring the sleep log next time."),
    ("worker", "I will refer you to the emergency rental assistance program and send you the application today."),
    ("client", "That would really help. I will fill it out by Friday."),
    ("worker", "Good. Let us meet again next Thursday at ten."),
]


def main() -> None:
    samples, turns = synth.dialogue(TURNS, pause=0.7)
    out = ROOT / "samples"
    with tempfile.TemporaryDirectory() as tmp:
        wav = synth.write_wav(Path(tmp) / "session.wav", samples)
        subprocess.run(
            ["sox", str(wav), "-C", "6", str(out / "session.ogg")],
            check=True,
        )
    lines = [f"{t.start:7.2f}\t{t.end:7.2f}\t{t.speaker}\t{t.text}" for t in turns]
    (out / "session.txt").write_text("start\tend\tspeaker\ttext\n" + "\n".join(lines) + "\n", encoding="utf-8")
    print(f"Wrote {out / 'session.ogg'} ({len(samples) / synth.SAMPLE_RATE:.0f} s) and session.txt")


if __name__ == "__main__":
    main()
