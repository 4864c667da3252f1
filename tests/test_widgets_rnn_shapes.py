"""Unit tests for d2lutil.widgets.rnn_shapes: output / h_n shapes with layers and directions."""
import pytest
import torch

from d2lutil.widgets.rnn_shapes import describe_rnn_shapes, rnn_shapes, rnn_shapes_explorer


def checks(info):
    return dict((claim.split("  ")[0], holds) for claim, holds in info["checks"])


@pytest.mark.parametrize("cell", ["RNN", "GRU", "LSTM"])
@pytest.mark.parametrize("num_layers", [1, 3])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
def test_shapes_match_the_formula(cell, num_layers, bidirectional, batch_first):
    H, D = 5, 2 if bidirectional else 1
    info = rnn_shapes(num_layers, bidirectional, H, batch_first, cell=cell,
                      input_size=4, num_steps=6, batch_size=2)
    shapes = info["shapes"]
    assert shapes["input"] == ((2, 6, 4) if batch_first else (6, 2, 4))
    assert shapes["output"] == ((2, 6, D * H) if batch_first else (6, 2, D * H))
    assert shapes["h_n"] == (num_layers * D, 2, H)       # h_n is never batch-first
    assert ("c_n" in shapes) == (cell == "LSTM")
    assert info["num_directions"] == D


def test_bidirectional_slices_time_major():
    found = checks(rnn_shapes(2, True, 3, False))
    assert found == {"output[-1, :, :H] == h_n[-2]": True, "output[0, :, H:] == h_n[-1]": True,
                     "output[-1, :, H:] == h_n[-1]": False}


def test_batch_first_moves_the_time_axis_in_the_claims():
    found = checks(rnn_shapes(2, True, 3, True))
    assert found == {"output[:, -1, :H] == h_n[-2]": True, "output[:, 0, H:] == h_n[-1]": True,
                     "output[:, -1, H:] == h_n[-1]": False}


def test_one_direction_last_step_is_h_n_of_top_layer():
    info = rnn_shapes(3, False, 4, False, cell="LSTM")
    assert checks(info) == {"output[-1, :, :H] == h_n[-1]": True}
    assert "h_n[l] holds layer l" in info["layout"]


def test_claims_agree_with_an_independent_computation():
    torch.manual_seed(0)
    layer = torch.nn.GRU(4, 3, 2, bidirectional=True)
    X = torch.randn(5, 3, 4)
    out, h_n = layer(X)
    assert torch.equal(out[-1, :, :3], h_n[2]) and torch.equal(out[0, :, 3:], h_n[3])
    assert not torch.equal(out[-1, :, 3:], h_n[3])


def test_describe_lists_shapes_and_verdicts():
    text = describe_rnn_shapes(rnn_shapes(2, True, 3, False, cell="LSTM"))
    assert "output (5, 3, 6)" in text and "h_n    (4, 3, 3)" in text and "c_n    (4, 3, 3)" in text
    assert "True   output[0, :, H:] == h_n[-1]" in text
    assert "False  output[-1, :, H:] == h_n[-1]" in text
    assert "h_n[l * 2 + d]" in text


@pytest.mark.parametrize("kwargs, name", [
    (dict(num_layers=0), "num_layers"), (dict(hidden_size=0), "hidden_size"),
    (dict(num_steps=0), "num_steps"), (dict(batch_size=-1), "batch_size"),
    (dict(input_size=2.5), "input_size"), (dict(cell="Transformer"), "cell")])
def test_bad_settings_name_the_argument(kwargs, name):
    args = dict(num_layers=1, bidirectional=False, hidden_size=3, batch_first=False)
    args.update(kwargs)
    with pytest.raises(ValueError, match=name):
        rnn_shapes(**args)


def test_widget_updates_and_reports_bad_settings():
    w = rnn_shapes_explorer()
    controls = {c.description: c for c in w.children if hasattr(c, "description") and c.description}
    assert "output (5, 3, 6)" in w.result                  # default: GRU, 2 layers, H=3, bidirectional
    controls["batch_first"].value = True
    assert "output[:, -1, :H] == h_n[-2]" in w.result
    controls["bidirectional"].value = False
    assert "output (3, 5, 3)" in w.result and "h_n    (2, 3, 3)" in w.result
    controls["cell"].value = "LSTM"
    assert "c_n" in w.result
    controls["num_layers"].value = 0
    assert w.result.startswith("No such layer") and "num_layers" in w.result
    controls["num_layers"].value = 1
    controls["hidden_size"].value = 0
    assert "hidden_size" in w.result
