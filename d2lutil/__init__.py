"""d2lutil: the small helper package of the course (PyTorch, chapters 6-9 of Dive into Deep Learning).

Names follow the book's ``d2l`` helpers so that the book's code reads the same. Modules, in the order
a learner meets them: profiles (profiles, devices, seeds), plotting, datasets (data files and
Fashion-MNIST), conv (convolution basics), convnets (the chapter 6-7 networks and their blocks), text
(books, tokens, vocabularies, minibatches), rnn (the chapter 8-9 recurrent networks), training (loops,
timers, result tables), validation (argument checks), widgets/ (one module per topic) and checks/
(the exercise checks).
"""
from .checks import check
from .checks import progress as check_progress
from .conv import conv2d_cost, conv_output_shape, corr2d, receptive_field
from .convnets import (GOOGLENET_INCEPTIONS, VGG11_ARCH, DenseBlock, Inception, Residual, alexnet, conv_block,
                       densenet, googlenet, lenet, lenet_bn, lenet_modern, nin, nin_block, resnet18,
                       transition_block, vgg, vgg_block)
from .datasets import (ImageBatches, data_dir, data_file, get_fashion_mnist_labels, load_data_fashion_mnist,
                       read_fashion_mnist)
from .plotting import Animator, plot, set_axes, set_figsize, show_images, use_svg_display
from .profiles import PROFILES, active_profile, by_profile, set_seed, try_all_gpus, try_gpu
from .rnn import (MASK, MaskedCharRNN, RNNModel, RNNModelScratch, check_prefix, gate_activations,
                  get_gru_params, get_lstm_params, get_params, gru, gru_params_from_torch, gru_reset_after,
                  init_gru_state, init_lstm_state, init_rnn_state, load_data_masked_chars, lstm,
                  lstm_params_from_torch, masked_char_windows, one_hot_tokens, predict_ch8, rnn, show_gates)
from .text import (HELD_OUT_FRACTION, SeqDataLoader, Vocab, count_corpus, count_ngrams, fit_zipf, load_corpus,
                   load_corpus_time_machine, load_data_book, load_data_time_machine, load_data_war_of_the_worlds,
                   load_held_out_time_machine, read_book, read_time_machine, read_war_of_the_worlds,
                   seq_data_iter_random, seq_data_iter_sequential, tokenize)
from .training import (Accumulator, Timer, accuracy, book_vs_run, detach_state, evaluate_accuracy_gpu,
                       evaluate_loss, evaluate_perplexity, grad_clipping, init_cnn, load_array, perplexity_table,
                       sgd, train_ch6, train_ch8, train_epoch_ch8)

__version__ = "0.1.0"
