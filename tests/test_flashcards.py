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


def test_card_ids_stay_the_same_between_exports():
    q = Question("Why?", "Because.", "docs/x/index.md", "x")
    assert build_deck([q]).notes[0].guid == build_deck([q]).notes[0].guid
