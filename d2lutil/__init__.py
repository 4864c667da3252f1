"""d2lutil: the small helper package of the course (PyTorch, chapters 6-9 of Dive into Deep Learning).

Names follow the book's ``d2l`` helpers so that the book's code reads the same. One module per
concern: profiles, devices, metrics, plotting, datafiles, fashion_mnist, text, cnn, blocks and
models (chapter 6-7 networks), rnn, gated (GRU/LSTM cells), masked (the masked-character task),
training, and widgets (one module per topic).
"""
from .blocks import DenseBlock, Residual, conv_block, transition_block
from .checks import check, progress as check_progress
from .cnn import conv2d_cost, conv_output_shape, corr2d, receptive_field
from .datafiles import data_dir, data_file
from .devices import set_seed, try_all_gpus, try_gpu
from .fashion_mnist import (ImageBatches, get_fashion_mnist_labels, load_data_fashion_mnist,
                            read_fashion_mnist)
from .gated import (gate_activations, get_gru_params, get_lstm_params, gru, gru_params_from_torch,
                    gru_reset_after, init_gru_state, init_lstm_state, lstm, lstm_params_from_torch,
                    show_gates)
from .masked import MASK, MaskedCharRNN, load_data_masked_chars, masked_char_windows
from .metrics import Accumulator, Timer
from .models import (GOOGLENET_INCEPTIONS, VGG11_ARCH, Inception, alexnet, densenet, googlenet, lenet,
                     lenet_bn, lenet_modern, nin, nin_block, resnet18, vgg, vgg_block)
from .plotting import Animator, plot, set_axes, set_figsize, show_images, use_svg_display
from .profiles import PROFILES, active_profile, by_profile
from .rnn import (RNNModel, RNNModelScratch, check_prefix, get_params, init_rnn_state, one_hot_tokens,
                  predict_ch8, rnn)
from .text import (HELD_OUT_FRACTION, SeqDataLoader, Vocab, count_corpus, count_ngrams, fit_zipf, load_corpus, load_corpus_time_machine,
                   load_data_book, load_data_time_machine, load_data_war_of_the_worlds, load_held_out_time_machine, read_book,
                   read_time_machine, read_war_of_the_worlds, seq_data_iter_random,
                   seq_data_iter_sequential, tokenize)
from .training import (accuracy, book_vs_run, detach_state, evaluate_accuracy_gpu, evaluate_loss,
                       evaluate_perplexity, grad_clipping, init_cnn, load_array, perplexity_table, sgd,
                       train_ch6, train_ch8, train_epoch_ch8)

__version__ = "0.1.0"
