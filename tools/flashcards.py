"""Spaced repetition: turn the notes' self-check questions into an Anki deck.

Reading a note once is not remembering it. Spaced repetition shows each question again just before
you would forget it, and Anki is the usual tool for that. Each topic note ends with "Check yourself"
questions written as collapsible blocks:

    ??? question "Why not use accuracy as the loss?"

        Accuracy only changes when a prediction crosses the decision boundary, ...

`read_questions` finds those blocks; `build_deck` makes one Anki note per question (the answer
rendered from Markdown to HTML, tagged with its topic), with ids derived from the note's path and
the question, so that re-importing an updated deck updates cards instead of duplicating them.
`make flashcards` writes the deck for every topic note.
"""

from __future__ import annotations

import argparse
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import genanki
import markdown

DECK_NAME = "Deep Learning Notes"
DECK_ID = 1_733_270_117  # fixed, so that a new export updates the same deck in Anki
MODEL_ID = 1_733_270_118
QUESTION = re.compile(r'^\?\?\?\+? question "(?P<question>[^"]+)"\s*$')

MODEL = genanki.Model(
    MODEL_ID,
    "Deep Learning Notes question",
    fields=[{"name": "Question"}, {"name": "Answer"}, {"name": "Source"}],
    templates=[{
        "name": "Card",
        "qfmt": "{{Question}}",
        "afmt": '{{FrontSide}}<hr id="answer">{{Answer}}<p class="source">{{Source}}</p>',
    }],
    css=".card { font-family: sans-serif; font-size: 18px; text-align: left; }\n"
    ".source { color: #888; font-size: 12px; }",
)


@dataclass(frozen=True)
class Question:
    """One self-check question: its text, its answer (Markdown) and the note and topic it comes from."""

    question: str
    answer: str
    source: str
    topic: str


def read_questions(text: str, source: str, topic: str) -> list[Question]:
    """The `??? question "..."` blocks of a note, with their indented answers.

    Args:
        text: the note's Markdown.
        source: where the note lives (shown on the card), such as `docs/foundations/index.md`.
        topic: the note's topic, used as the cards' Anki tag.

    Returns:
        The questions in the order they appear.

    Raises:
        ValueError: if a question has no indented answer under it (naming the question and source).

    Example:
        >>> note = '# SGD\\n\\n??? question "What does `zero_grad` clear?"\\n\\n    The `.grad` of each parameter.\\n'
        >>> read_questions(note, "docs/foundations/index.md", "foundations")[0].answer
        'The `.grad` of each parameter.'
    """
    lines = text.splitlines()
    found = []
    for i, line in enumerate(lines):
        match = QUESTION.match(line)
        if not match:
            continue
        body = []
        for following in lines[i + 1 :]:
            if following.strip() and not following.startswith("    "):
                break
            body.append(following)
        answer = textwrap.dedent("\n".join(body)).strip()
        if not answer:
            raise ValueError(f"{source}: the question {match['question']!r} has no indented answer under it")
        found.append(Question(match["question"], answer, source, topic))
    return found


def _html(text: str) -> str:
    """Markdown to HTML; maths stays as `$...$`, which Anki shows as written."""
    return markdown.markdown(text, extensions=["tables"])


def build_deck(questions: list[Question]) -> genanki.Deck:
    """An Anki deck with one note per question, tagged with its topic.

    Raises:
        ValueError: if there are no questions, or the same question appears twice in one note.

    Example:
        >>> deck = build_deck([Question("What is SGD?", "A step against the *gradient*.", "notes.md", "foundations")])
        >>> note = deck.notes[0]
        >>> note.fields[1], list(note.tags)
        ('<p>A step against the <em>gradient</em>.</p>', ['foundations'])
    """
    if not questions:
        raise ValueError("no questions to put in the deck")
    seen = set()
    deck = genanki.Deck(DECK_ID, DECK_NAME)
    for q in questions:
        if (q.source, q.question) in seen:
            raise ValueError(f"{q.source}: the question {q.question!r} appears twice")
        seen.add((q.source, q.question))
        deck.add_note(genanki.Note(
            model=MODEL,
            fields=[_html(q.question), _html(q.answer), q.source],
            tags=[q.topic.replace(" ", "_")],
            guid=genanki.guid_for(q.source, q.question),
        ))
    return deck


def note_questions(docs: Path) -> list[Question]:
    """The questions of every topic note (`docs/<topic>/index.md`), topics in alphabetical order."""
    questions = []
    for note in sorted(docs.glob("*/index.md")):
        questions += read_questions(note.read_text(), note.as_posix(), note.parent.name)
    return questions


def main(argv: list[str] | None = None) -> None:
    """`python -m tools.flashcards --out build/flashcards.apkg`: export every note's questions."""
    parser = argparse.ArgumentParser(description="Export the notes' self-check questions to an Anki deck.")
    parser.add_argument("--docs", type=Path, default=Path("docs"), help="the site's docs folder")
    parser.add_argument("--out", type=Path, default=Path("build/flashcards.apkg"), help="the .apkg file to write")
    args = parser.parse_args(argv)
    questions = note_questions(args.docs)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    genanki.Package(build_deck(questions)).write_to_file(args.out)
    topics = sorted({q.topic for q in questions})
    print(f"{len(questions)} cards from {len(topics)} notes ({', '.join(topics)}) -> {args.out}")


if __name__ == "__main__":
    main()
