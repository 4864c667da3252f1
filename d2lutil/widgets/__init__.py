"""Interactive explorers for the notebooks, one module per topic.

Each widget is a thin ``ipywidgets.interactive`` around a plain function that computes what to
show and returns it (usually as text), so tests can drive a widget by setting its ``.value``s
and reading ``widget.result``. Bad settings are reported as a message, never a traceback. Only
the API shared by ipywidgets 7.7 (Colab) and 8 is used.
"""
from .architecture import ARCHITECTURES, architecture_explorer, architecture_summary, format_layer_table, layer_table
from .batch_norm import batch_norm_explorer, draw_batch_norm, normalize_batch
from .bptt import bptt_explorer, rnn_gradient_norms, scaled_recurrent_matrix
from .conv import corr2d_explorer, corr2d_window, draw_corr2d_window
from .feature_maps import draw_feature_maps, feature_map_explorer, layer_outputs
from .gates import gate_explorer
from .generation import generate, generation_explorer, next_char_probs
from .padding import draw_kernel_positions, kernel_positions, padding_explorer
from .pooling import draw_pooling, pool_image, pooling_explorer
from .rnn_shapes import describe_rnn_shapes, rnn_shapes, rnn_shapes_explorer
from .sequence import ar_explorer, partition_explorer
