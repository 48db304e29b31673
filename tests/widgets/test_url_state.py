"""The URL's text → a control's value (widgets/url_state.py): each kind of control takes only what it allows,
and a hostile query is read within its bounds."""
import panel as pn
import pytest

from widgets.url_state import MAX_FIELDS, MAX_QUERY_CHARS, MAX_TEXT, as_text, read_query, slug, value_from_text


def test_a_choice_takes_only_one_of_its_options():
    select = pn.widgets.Select(options=[0.0, 1.0, 2.0], value=1.0)
    assert value_from_text(select, "2.0") == 2.0
    with pytest.raises(ValueError, match="one of 0.0, 1.0, 2.0"):
        value_from_text(select, "3")
    several = pn.widgets.MultiChoice(options=["single", "twin", "ensemble"], value=["single"])
    assert value_from_text(several, "twin, ensemble") == ["twin", "ensemble"]
    with pytest.raises(ValueError, match="choice among single, twin, ensemble"):
        value_from_text(several, "twin,<script>")


def test_numbers_flags_and_texts_convert_by_the_control_type():
    assert value_from_text(pn.widgets.IntInput(value=3), "-12") == -12
    assert value_from_text(pn.widgets.FloatSlider(value=0.5, start=0, end=1), "1e-3") == 1e-3
    assert value_from_text(pn.widgets.Checkbox(value=False), "TRUE") is True
    assert value_from_text(pn.widgets.TextInput(value="a"), "b c") == "b c"
    for widget, text, allowed in [(pn.widgets.IntInput(value=3), "1.5", "an integer"),
                                  (pn.widgets.IntInput(value=3), "9" * 40, "an integer"),
                                  (pn.widgets.FloatSlider(value=0.5), "nan", "a finite number"),
                                  (pn.widgets.FloatSlider(value=0.5), "__import__('os')", "a finite number"),
                                  (pn.widgets.Checkbox(value=False), "1", "true or false"),
                                  (pn.widgets.TextInput(value="a"), "x" * (MAX_TEXT + 1), "at most")]:
        with pytest.raises(ValueError, match=allowed):
            value_from_text(widget, text)


def test_a_value_written_reads_back_the_same():
    for widget in [pn.widgets.Select(options=["grpo", "minirl"], value="minirl"), pn.widgets.Checkbox(value=True),
                   pn.widgets.MultiChoice(options=["a", "b", "c"], value=["c", "a"]),
                   pn.widgets.IntInput(value=-7), pn.widgets.FloatSlider(value=3e-4, start=0, end=1)]:
        assert value_from_text(widget, as_text(widget.value)) == widget.value


def test_a_hostile_query_is_read_within_its_bounds():
    assert read_query("?lab=critic-values&critic-values.lr=0.001") == {"lab": "critic-values",
                                                                       "critic-values.lr": "0.001"}
    many = read_query("?" + "&".join(f"k{i}=v" for i in range(10 * MAX_FIELDS)))
    assert len(many) <= MAX_FIELDS
    long = read_query("?a=" + "[" * (10 * MAX_QUERY_CHARS))
    assert len(long["a"]) < MAX_QUERY_CHARS


def test_a_lab_title_becomes_a_url_name():
    assert slug("LLM-RL stability") == "llm-rl-stability"
    assert slug("Policy Cliff") == "policy-cliff"
