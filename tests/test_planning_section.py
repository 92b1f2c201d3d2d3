import json
from html.parser import HTMLParser

import pytest

from tests.planning_fixture import cheap_plan
from zsa_sim.errors import ResultsError
from zsa_sim.experiment.results import dumps_json
from zsa_sim.planning.section import format_plan, latest_plan, load_plan, planning_section


class Collect(HTMLParser):
    """Checks that tags are balanced and gathers the text."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.text: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.stack.append(tag)
        self.tags.append(tag)

    def handle_endtag(self, tag):
        assert self.stack.pop() == tag

    def handle_data(self, data):
        self.text.append(data)


def test_text_table_says_the_answer_and_confirmation_in_german():
    plan = cheap_plan()
    text = format_plan(plan, "de")
    fte = f"{plan.fte:.2f}".replace(".", ",")
    below = f"{plan.fte - 0.25:.2f}".replace(".", ",")
    assert f"Ergebnis: {fte} VZÄ in der ZSA (Schlüssel zsa.staff; im Szenario 1,50 VZÄ)" in text
    assert f"{fte} VZÄ erfüllen das Ziel, {below} VZÄ verfehlen es." in text
    for name in ("Adorf", "Bdorf (Elbe)", "Wartezeit p90 ≤ 3 Tage", "Break-even-Volumen"):
        assert name in text
    assert "Personalkosten je Antrag" in text and " EUR" in text


def test_text_table_in_english():
    text = format_plan(cheap_plan(), "en")
    assert "Answer:" in text and "FTE at the ZSA" in text and "waiting time p90 ≤ 3 days" in text
    assert "Break-even volume" in text


def test_html_section_is_balanced_escaped_and_self_contained():
    html = planning_section(cheap_plan(), "de")
    parser = Collect()
    parser.feed(html)
    parser.close()
    assert parser.stack == [] and parser.tags[0] == "section"
    assert not {"script", "style", "img", "link"} & set(parser.tags)
    text = " ".join(parser.text)
    assert "Personalbedarf der ZSA" in text and "Bdorf (Elbe)" in text and "synthetisch" in text


def test_html_escapes_names():
    data = json.loads(dumps_json(cheap_plan().to_dict()))
    data["municipality_names"]["Adorf"] = "<b>Adorf & Co</b>"
    html = planning_section(data, "en")
    assert "&lt;b&gt;Adorf &amp; Co&lt;/b&gt;" in html and "<b>" not in html


def test_load_plan_from_a_folder_or_refuses(tmp_path):
    (tmp_path / "plan.json").write_text(dumps_json(cheap_plan().to_dict()), encoding="utf-8")
    assert load_plan(tmp_path)["fte"] == cheap_plan().fte
    assert load_plan(tmp_path / "plan.json") == load_plan(cheap_plan())
    with pytest.raises(ResultsError, match=r"no plan\.json"):
        load_plan(tmp_path / "nothing")
    (tmp_path / "other.json").write_text("{}", encoding="utf-8")
    with pytest.raises(ResultsError, match="not a plan written by zsa-sim plan"):
        load_plan(tmp_path / "other.json")


def test_infeasible_plan_says_so():
    data = json.loads(dumps_json(cheap_plan().to_dict()))
    data.update(fte=None, found=False, confirmed=False, economics=None, reason="plateau")
    data["confirmation"] = {"above": None, "below": None}
    data["notes"] = [{"code": "infeasible", "params": {"reason": "plateau", "fte": 12.0}}]
    text = format_plan(data, "de")
    assert "Das Ziel ist im Suchbereich nicht erreichbar" in text
    assert "Mit ZSA-Personal allein nicht erreichbar: die Verdopplung auf 12,00 VZÄ" in text


def test_latest_plan_is_the_newest_complete_plan_folder(tmp_path):
    assert latest_plan(tmp_path, "pilot") is None
    for name in ("plan-2026-11-25T10-00-00", "plan-2026-11-25T11-00-00",
                 "plan-2026-11-25T11-00-00-2", "2026-11-25T12-00-00"):  # fmt: skip
        (tmp_path / "pilot" / name).mkdir(parents=True)
        (tmp_path / "pilot" / name / "plan.json").write_text("{}", encoding="utf-8")
    (tmp_path / "pilot" / "plan-2026-11-25T13-00-00").mkdir()  # no plan.json: incomplete
    assert latest_plan(tmp_path, "pilot") == tmp_path / "pilot" / "plan-2026-11-25T11-00-00-2"
