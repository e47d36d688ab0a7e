"""Collections read into Articles and questions: our JSONL, SQuAD v1.1 and BEIR. Every record here is invented."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.errors import BadQuestionFile, ConfigError
from qa.evaluation.datasets import load_beir, load_questions, load_squad


def squad_file(path: Path, articles: list[tuple[str, list[tuple[str, list[tuple[str, str]]]]]]) -> Path:
    """A SQuAD v1.1 file: articles of (title, paragraphs of (context, [(question, answer text)]))."""
    data = []
    n = 0
    for title, paragraphs in articles:
        paras = []
        for context, qas in paragraphs:
            items = []
            for question, answer in qas:
                n += 1
                items.append({"id": f"q{n}", "question": question,
                              "answers": [{"answer_start": context.index(answer), "text": answer}]})  # fmt: skip
            paras.append({"context": context, "qas": items})
        data.append({"title": title, "paragraphs": paras})
    path.write_text(json.dumps({"version": "1.1", "data": data}), encoding="utf-8")
    return path


TWO_ARTICLES = [
    (
        "Quillon_Bridge",
        [
            ("The Quillon bridge opened in 1931.", [("When did the Quillon bridge open?", "1931")]),
            ("Its engineer was Maud Everley. She also built a dam.", [("Who was the engineer?", "Maud Everley")]),
        ],
    ),
    ("Tarn_Festival", [("The Tarn festival lasts nine days.", [("How long is the festival?", "nine days")])]),
    ("Osk_Mill", [("The Osk mill grinds oats.", [("What does the mill grind?", "oats")])]),
]


class TestOurQuestions:
    def test_reads_expectations_and_optional_answers(self, tmp_path: Path) -> None:
        path = tmp_path / "q.jsonl"
        path.write_text(
            '{"id": "a", "question": "Who?", "expect": ["Maud Everley", "Everley"], "answer": "Maud"}\n'
            "\n"
            '{"id": "b", "question": "When?", "expect": "1931"}\n',
            encoding="utf-8",
        )
        first, second = load_questions(path)
        assert (first.id, first.expect, first.answer) == ("a", ("Maud Everley", "Everley"), "Maud")
        assert (second.id, second.expect, second.answer) == ("b", ("1931",), None)

    @pytest.mark.parametrize(
        ("content", "message"),
        [
            ('{"id": "a", "question": "Who?"}\n', 'line 1 needs "expect"'),
            ('{"id": "a", "question": "Who?", "expect": []}\n', 'line 1 needs "expect"'),
            ('{"id": "a", "expect": ["x"]}\n', 'line 1 has no "question"'),
            ('{"id": "a", "question": "Who?", "expect": ["x"]}\n{oops\n', "line 2 is not valid JSON"),
            ('["a list"]\n', "line 1 is not a JSON object"),
            ('{"id": "a", "question": "Q", "expect": ["x"]}\n{"id": "a", "question": "Q", "expect": ["y"]}\n',
             "line 2 repeats id 'a'"),
            ("\n\n", "holds no questions"),
        ],
    )  # fmt: skip
    def test_bad_files_name_the_line(self, tmp_path: Path, content: str, message: str) -> None:
        path = tmp_path / "q.jsonl"
        path.write_text(content, encoding="utf-8")
        with pytest.raises(BadQuestionFile, match=message):
            load_questions(path)

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(BadQuestionFile, match="does not exist"):
            load_questions(tmp_path / "nope.jsonl")


class TestSquad:
    def test_paragraphs_join_into_one_article_with_answer_offsets_in_it(self, tmp_path: Path) -> None:
        data = load_squad(squad_file(tmp_path / "dev.json", TWO_ARTICLES))
        bridge = data.articles[0]
        assert bridge.source == "Quillon_Bridge" and bridge.title == "Quillon Bridge"
        assert (
            bridge.text == "The Quillon bridge opened in 1931.\n\nIts engineer was Maud Everley. She also built a dam."
        )
        assert bridge.blocks == ((0, len(bridge.text)),)
        for q in data.questions:
            article = next(a for a in data.articles if a.source == q.source)
            ((start, end),) = q.answers
            assert article.text[start:end] in {"1931", "Maud Everley", "nine days", "oats"}
        engineer = data.questions[1]
        assert engineer.answers == ((bridge.text.index("Maud"), bridge.text.index("Maud") + len("Maud Everley")),)

    def test_duplicate_gold_answers_collapse(self, tmp_path: Path) -> None:
        path = squad_file(tmp_path / "dev.json", TWO_ARTICLES[:1])
        raw = json.loads(path.read_text())
        qa = raw["data"][0]["paragraphs"][0]["qas"][0]
        qa["answers"] = qa["answers"] * 3 + [{"answer_start": 29, "text": "1931."}]
        path.write_text(json.dumps(raw))
        assert load_squad(path).questions[0].answers == ((29, 33), (29, 34))

    def test_an_answer_not_at_its_offset_is_refused(self, tmp_path: Path) -> None:
        path = squad_file(tmp_path / "dev.json", TWO_ARTICLES[:1])
        raw = json.loads(path.read_text())
        raw["data"][0]["paragraphs"][0]["qas"][0]["answers"][0]["answer_start"] = 3
        path.write_text(json.dumps(raw))
        with pytest.raises(ConfigError, match="not at its answer_start"):
            load_squad(path)

    def test_not_squad(self, tmp_path: Path) -> None:
        (tmp_path / "x.json").write_text('{"rows": []}')
        with pytest.raises(ConfigError, match="not a SQuAD"):
            load_squad(tmp_path / "x.json")

    def test_limit_keeps_only_the_articles_asked_about_unless_all(self, tmp_path: Path) -> None:
        data = load_squad(squad_file(tmp_path / "dev.json", TWO_ARTICLES))
        limited = data.subset(limit=2)
        assert [q.id for q in limited.questions] == ["q1", "q2"]
        assert [a.source for a in limited.articles] == ["Quillon_Bridge"]
        assert len(data.subset(limit=2, all_articles=True).articles) == 3

    def test_articles_keeps_the_first_k_with_all_their_questions(self, tmp_path: Path) -> None:
        data = load_squad(squad_file(tmp_path / "dev.json", TWO_ARTICLES))
        two = data.subset(articles=2)
        assert [a.source for a in two.articles] == ["Quillon_Bridge", "Tarn_Festival"]
        assert [q.id for q in two.questions] == ["q1", "q2", "q3"]
        assert [q.id for q in data.subset(articles=2, limit=1).questions] == ["q1"]
        assert len(data.subset(articles=2, limit=1).articles) == 2

    def test_per_article_sample_and_halves(self, tmp_path: Path) -> None:
        data = load_squad(squad_file(tmp_path / "dev.json", TWO_ARTICLES))
        assert [q.id for q in data.per_article(1).questions] == ["q1", "q3", "q4"]
        indexed, held_out = data.split()
        assert [a.source for a in indexed.articles] == ["Quillon_Bridge", "Tarn_Festival"]
        assert [q.id for q in held_out.questions] == ["q4"]


class TestBeir:
    def write(self, folder: Path) -> Path:
        (folder / "qrels").mkdir(parents=True)
        docs = [
            {"_id": "d1", "title": "Moss growth", "text": "Moss grows faster in shade."},
            {"_id": "d2", "title": "", "text": "Lichens tolerate drought."},
            {"_id": "d3", "title": "Empty", "text": ""},
            {"_id": "d4", "title": "", "text": "  "},
        ]
        (folder / "corpus.jsonl").write_text("\n".join(json.dumps(d) for d in docs) + "\n")
        queries = [{"_id": "1", "text": "Does moss like shade?"}, {"_id": "2", "text": "Unjudged query"}]
        (folder / "queries.jsonl").write_text("\n".join(json.dumps(q) for q in queries) + "\n")
        (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n1\td1\t1\n1\td2\t0\n")
        return folder

    def test_documents_become_articles_and_only_judged_queries_are_kept(self, tmp_path: Path) -> None:
        data = load_beir(self.write(tmp_path / "beir"))
        assert [(a.source, a.text) for a in data.articles] == [
            ("d1", "Moss growth\n\nMoss grows faster in shade."),
            ("d2", "Lichens tolerate drought."),
            ("d3", "Empty"),
        ]
        assert data.queries == (("1", "Does moss like shade?"),)
        assert data.qrels == {"1": {"d1": 1.0, "d2": 0.0}}

    def test_missing_parts_are_named(self, tmp_path: Path) -> None:
        folder = self.write(tmp_path / "beir")
        (folder / "qrels" / "test.tsv").unlink()
        with pytest.raises(ConfigError, match=r"qrels/test\.tsv is missing"):
            load_beir(folder)
