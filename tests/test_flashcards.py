"""Self-check questions in every topic note, and their export to an Anki deck (`make flashcards`)."""

from __future__ import annotations

import re
import sqlite3
import zipfile

import pytest

from tools import ROOT
from tools.flashcards import Question, build_deck, main, read_questions
from tools.sitemetrics import TOPIC_NOTES

NOTES = TOPIC_NOTES


@pytest.mark.parametrize("note", NOTES, ids=lambda p: p.parent.name)
def test_every_topic_note_ends_with_collapsible_questions(note):
    text = note.read_text()
    sections = re.findall(r"^## (.+)$", text, re.M)
    assert sections[-1] == "Check yourself", f"{note}: the last section is {sections[-1]!r}"
    questions = read_questions(text, str(note), note.parent.name)
    assert len(questions) >= 5
    # collapsed by default (??? not ???+), so the answer opens on click
    assert text.count('??? question "') == len(questions) and '???+ question' not in text


def test_the_deck_holds_every_question_and_reads_back(tmp_path, capsys):
    out = tmp_path / "deck.apkg"
    main(["--docs", str(ROOT / "docs"), "--out", str(out)])
    expected = sum(n.read_text().count('??? question "') for n in NOTES)
    assert f"{expected} cards from {len(NOTES)} notes" in capsys.readouterr().out

    with zipfile.ZipFile(out) as package:
        package.extract("collection.anki2", tmp_path)
    with sqlite3.connect(tmp_path / "collection.anki2") as db:
        notes = db.execute("select flds, tags from notes").fetchall()
        cards = db.execute("select count(*) from cards").fetchone()[0]
    assert len(notes) == cards == expected
    fields = {flds.split("\x1f")[0]: (flds.split("\x1f"), tags) for flds, tags in notes}
    (_, answer, source), tags = fields["<p>Why not use accuracy as the loss?</p>"]
    assert "its gradient is zero" in answer and answer.startswith("<p>")
    assert source.endswith("docs/foundations/index.md") and tags.strip() == "foundations"


def test_a_question_without_an_answer_is_refused_with_its_name():
    note = '## Check yourself\n\n??? question "What is a tensor?"\n\nNot indented, so not an answer.\n'
    with pytest.raises(ValueError, match="'What is a tensor\\?' has no indented answer"):
        read_questions(note, "docs/x/index.md", "x")


def test_an_empty_or_repeated_deck_is_refused():
    with pytest.raises(ValueError, match="no questions"):
        build_deck([])
    q = Question("Why?", "Because.", "docs/x/index.md", "x")
    with pytest.raises(ValueError, match="appears twice"):
        build_deck([q, q])


def _guid(question: str, answer: str, source: str = "docs/x/index.md") -> str:
    return build_deck([Question(question, answer, source, "x")]).notes[0].guid


def test_a_card_keeps_its_id_when_only_its_answer_is_edited():
    """Re-importing a deck with a corrected answer must update the card in Anki, not add a second one."""
    assert _guid("Why?", "Because.") == _guid("Why?", "Because the gradient is zero almost everywhere.")


def test_a_card_gets_a_new_id_when_its_question_or_note_changes():
    """A different question is a different card, and so is the same question asked in another note."""
    assert _guid("Why?", "Because.") != _guid("Why not?", "Because.")
    assert _guid("Why?", "Because.") != _guid("Why?", "Because.", source="docs/y/index.md")


def test_each_answer_ends_where_the_next_question_or_text_begins():
    """An answer is its indented block only: blank lines inside it are kept, the next question is not."""
    note = (
        "## Check yourself\n"
        "\n"
        '??? question "What is a tensor?"\n'
        "\n"
        "    An array of numbers\n"
        "    with a shape.\n"
        "\n"
        "    It can live on a GPU.\n"
        "\n"
        '??? question "Why shuffle the training set?"\n'
        "\n"
        "    So that each batch is a different mix.\n"
        "\n"
        "Text after the questions, not part of any answer.\n"
        "\n"
        "    An indented line after that text.\n"
    )
    questions = read_questions(note, "docs/x/index.md", "x")
    assert [(q.question, q.answer) for q in questions] == [
        ("What is a tensor?", "An array of numbers\nwith a shape.\n\nIt can live on a GPU."),
        ("Why shuffle the training set?", "So that each batch is a different mix."),
    ]
    assert {(q.source, q.topic) for q in questions} == {("docs/x/index.md", "x")}
