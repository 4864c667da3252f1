"""The book's ``d2l`` helper names of chapters 6-9 (and the earlier ones those chapters call) exist
at d2lutil's top level, so the book's code runs with ``import d2lutil as d2l``."""
import pytest

import d2lutil as d2l

BOOK_HELPERS = {
    "earlier chapters": ["Timer", "Accumulator", "Animator", "accuracy", "plot", "set_axes", "set_figsize",
                         "use_svg_display", "show_images", "try_gpu", "try_all_gpus", "load_array", "sgd",
                         "evaluate_loss", "load_data_fashion_mnist", "get_fashion_mnist_labels"],
    "6 CNN": ["corr2d", "evaluate_accuracy_gpu", "train_ch6"],
    "7 modern CNN": ["Residual"],
    "8 RNN": ["read_time_machine", "tokenize", "Vocab", "count_corpus", "load_corpus_time_machine",
              "seq_data_iter_random", "seq_data_iter_sequential", "SeqDataLoader", "load_data_time_machine",
              "RNNModelScratch", "predict_ch8", "grad_clipping", "train_epoch_ch8", "train_ch8", "RNNModel"],
}


@pytest.mark.parametrize("name", [n for names in BOOK_HELPERS.values() for n in names])
def test_book_helper_is_at_the_top_level(name):
    assert callable(getattr(d2l, name, None)), f"d2lutil has no top-level {name}"


def test_residual_has_the_book_signature():
    block = d2l.Residual(3, 6, use_1x1conv=True, strides=2)
    assert block.conv1.stride == (2, 2) and block.conv3 is not None
