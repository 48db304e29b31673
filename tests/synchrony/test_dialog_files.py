"""Loading dialogs (CSV / JSONL, text or vectors) and the artifact format, with errors naming row and column."""
import json

import numpy as np
import pytest

from lab.synchrony import DIMENSIONS, DialogFileError, load_dialogs, load_turn_metrics, style_vector

V1, V2, V3 = ([float(i + k) for i in range(8)] for k in (0, 10, 20))


def write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_csv_of_vectors_ordered_by_turn_with_labels_and_bot_rows_skipped(tmp_path):
    f = write(tmp_path / "d.csv", "dialog_id,turn,speaker,kind,vector\n"
              f'a,2,user,x,"{V2}"\n'
              f'a,1,user,x,"{V1}"\n'
              f'a,1,bot,x,"{V3}"\n'
              f'b,1,user,y,"{V3}"\n')
    d = load_dialogs(f, labels=("kind",))
    assert d.ids == ("a", "b") and d.labels["kind"] == ("x", "y")
    assert np.array_equal(d.user[0], [V1, V2]) and np.array_equal(d.user[1], [V3])


def test_csv_of_dimension_columns_and_jsonl_of_text(tmp_path):
    header = "dialog_id," + ",".join(DIMENSIONS)
    f = write(tmp_path / "d.csv", header + "\n" + "a," + ",".join(map(str, V1)) + "\n")
    assert np.array_equal(load_dialogs(f).user[0], [V1])
    lines = [{"dialog_id": "a", "text": "hey lol"}, {"dialog_id": "a", "text": "The report is attached."}]
    g = write(tmp_path / "d.jsonl", "\n".join(json.dumps(x) for x in lines) + "\n\n")
    d = load_dialogs(g)
    assert np.allclose(d.user[0], [style_vector("hey lol"), style_vector("The report is attached.")])


@pytest.mark.parametrize("row, message", [
    ('a,1,"[1, 2, 3]"', "row 2, column 'vector': must be a list of 8 numbers"),
    ('a,1,"[1, 2, oops]"', "row 2, column 'vector': not a JSON list"),
    ('a,1,"[1, 2, 3, 4, 5, 6, 7, ""x""]"', "row 2, column 'vector\\[7\\]': 'x' is not a number"),
    ('a,1,"[1, 2, 3, 4, 5, 6, 7, NaN]"', "row 2, column 'vector\\[7\\]': nan is not a finite number"),
    (',1,"[1, 2, 3, 4, 5, 6, 7, 8]"', "row 2, column 'dialog_id': missing"),
    ('a,first,"[1, 2, 3, 4, 5, 6, 7, 8]"', "row 2, column 'turn': 'first' is not a number"),
    ("a,1,", "row 2, column 'vector': the turn has no style"),
])
def test_a_malformed_row_is_named_with_its_column(tmp_path, row, message):
    f = write(tmp_path / "d.csv", f'dialog_id,turn,vector\na,0,"{V1}"\n{row}\n')
    with pytest.raises(DialogFileError, match=message):
        load_dialogs(f)


def test_file_level_errors_are_clear(tmp_path):
    with pytest.raises(DialogFileError, match="no such dialog file"):
        load_dialogs(tmp_path / "missing.csv")
    with pytest.raises(DialogFileError, match="unknown dialog file format '.txt'"):
        load_dialogs(write(tmp_path / "d.txt", "x"))
    with pytest.raises(DialogFileError, match="line 2 is not valid JSON"):
        load_dialogs(write(tmp_path / "d.jsonl", '{"dialog_id": "a", "text": "hi"}\n{oops\n'))
    with pytest.raises(DialogFileError, match="row 2, column 'kind'.*one value per dialog"):
        load_dialogs(write(tmp_path / "k.csv", f'dialog_id,kind,vector\na,x,"{V1}"\na,y,"{V2}"\n'), labels=("kind",))
    with pytest.raises(DialogFileError, match="row 1, column 'text': the utterance is empty"):
        load_dialogs(write(tmp_path / "e.jsonl", '{"dialog_id": "a", "text": " "}\n'))


ARTIFACT_HEADER = ("participant_id,session_id,turn_number,condition,synchrony_lsm,synchrony_embedding,"
                   "stability_score,coherence_score,user_style_vector,bot_style_vector\n")


def test_the_artifact_format_reads_sessions_ordered_by_turn(tmp_path):
    f = write(tmp_path / "t.csv", ARTIFACT_HEADER
              + f'p,s1,2,adaptive,0.5,0.5,0.1,0.2,"{V2}","{V3}"\n'
              + f'p,s1,1,adaptive,0.5,0.5,,0.2,"{V1}","{V2}"\n')
    d = load_turn_metrics(f)
    assert d.ids == ("s1",) and d.labels["condition"] == ("adaptive",)
    assert np.array_equal(d.user[0], [V1, V2]) and np.array_equal(d.bot[0], [V2, V3])
    assert np.isnan(d.turn_values["stability_score"][0][0]) and d.turn_values["stability_score"][0][1] == 0.1


def test_a_malformed_artifact_row_is_named_with_its_column(tmp_path):
    f = write(tmp_path / "t.csv", ARTIFACT_HEADER
              + f'p,s1,1,adaptive,0.5,0.5,,0.2,"{V1}","{V2}"\n'
              + f'p,s1,2,adaptive,0.5,0.5,0.1,0.2,"{V1}","[0.1, 0.2]"\n')
    with pytest.raises(DialogFileError, match="row 2, column 'bot_style_vector': must be a list of 8"):
        load_turn_metrics(f)
    g = write(tmp_path / "u.csv", ARTIFACT_HEADER + f'p,s1,1,adaptive,0.5,high,,0.2,"{V1}","{V2}"\n')
    with pytest.raises(DialogFileError, match="row 1, column 'synchrony_embedding': 'high' is not a number"):
        load_turn_metrics(g)
    h = write(tmp_path / "v.csv", "session_id,turn_number\ns,1\n")
    with pytest.raises(DialogFileError, match="missing columns"):
        load_turn_metrics(h)
