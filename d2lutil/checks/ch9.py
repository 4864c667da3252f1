"""Checks for chapter 9.1-9.4 (GRU, LSTM, deep and bidirectional RNNs)."""
from __future__ import annotations

import torch
from torch import nn

from . import Mistake, register


def _rand(*shape: int, seed: int = 0) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


def _gate_params(num_inputs: int, num_hiddens: int, num_gates: int, seed: int) -> tuple:
    """(W_x, W_h, b) for each gate, small random values, as in the book's from-scratch layout."""
    return tuple(t for g in range(num_gates) for t in (_rand(num_inputs, num_hiddens, seed=seed + 3 * g) * 0.5,
                                                       _rand(num_hiddens, num_hiddens, seed=seed + 3 * g + 1) * 0.5,
                                                       _rand(num_hiddens, seed=seed + 3 * g + 2) * 0.5))


# ------------------------------------------------------------------------------------ 9.1
register(
    "9.1.1", title="（书中练习 1 的简化版：只问更新门）要让时间步 t > t' 的隐状态原样保留（只记住 t' 的输入），这些时间步的更新门 Z 应取多少？",
    signature="answer_9_1_1", doc="一个数", reference=1,
    mistakes=(Mistake(0, "书中 H_t = Z ⊙ H_{t−1} + (1 − Z) ⊙ H̃_t：Z 为 0 时旧状态被完全替换。"),),
    hint="看 H_t = Z ⊙ H_{t−1} + (1 − Z) ⊙ H̃_t，哪个 Z 让 H_t = H_{t−1}？")


def _gru_step(X, H, params, swap_update: bool = False, reset_after: bool = False):
    """The book's GRU step; the flags give two wrong versions (the update gate's sides, where R acts)."""
    W_xz, W_hz, b_z, W_xr, W_hr, b_r, W_xh, W_hh, b_h = params
    Z = torch.sigmoid(X @ W_xz + H @ W_hz + b_z)
    R = torch.sigmoid(X @ W_xr + H @ W_hr + b_r)
    hidden = R * (H @ W_hh) if reset_after else (R * H) @ W_hh
    H_tilde = torch.tanh(X @ W_xh + hidden + b_h)
    Z = 1 - Z if swap_update else Z
    return Z * H + (1 - Z) * H_tilde


def _gru_cases():
    return [("批量 2", (_rand(2, 3), _rand(2, 4, seed=1), _gate_params(3, 4, 3, seed=10))),
            ("批量为 1", (_rand(1, 3), _rand(1, 4, seed=1), _gate_params(3, 4, 3, seed=20))),
            ("一个隐藏单元", (_rand(3, 2), _rand(3, 1, seed=1), _gate_params(2, 1, 3, seed=30)))]


register(
    "9.1.0", title="写出书中 GRU 的一个时间步（重置门乘在 H 上，再乘 W_hh）。",
    signature="gru_step(X, H, params)",
    doc="X: (批量, 输入维度)，H: (批量, 隐藏单元数)。\n"
        "    params = (W_xz, W_hz, b_z, W_xr, W_hr, b_r, W_xh, W_hh, b_h)，按书中的方向（X @ W_xz）：\n"
        "    W_x*: (输入维度, 隐藏单元数)，W_h*: (隐藏单元数, 隐藏单元数)，b_*: (隐藏单元数,)。\n"
        "    返回新的 H，形状与 H 相同。",
    reference=_gru_step, cases=_gru_cases,
    mistakes=(Mistake(lambda X, H, params: _gru_step(X, H, params, swap_update=True),
                      "更新门的两边反了：书中 Z 接近 1 时保留旧状态 H_{t−1}，接近 0 时换成候选状态。"),
              Mistake(lambda X, H, params: _gru_step(X, H, params, reset_after=True),
                      "这是 R ⊙ (H W_hh)（nn.GRU 的做法）；书中的公式是 (R ⊙ H) W_hh。")),
    hint="Z、R 用 sigmoid；H̃ = tanh(X W_xh + (R ⊙ H) W_hh + b_h)；H = Z ⊙ H + (1 − Z) ⊙ H̃。")

# ------------------------------------------------------------------------------------ 9.2


def _lstm_step(X, H, C, params, squash: bool = True, input_gate: bool = True):
    W_xi, W_hi, b_i, W_xf, W_hf, b_f, W_xo, W_ho, b_o, W_xc, W_hc, b_c = params
    I = torch.sigmoid(X @ W_xi + H @ W_hi + b_i)
    F_ = torch.sigmoid(X @ W_xf + H @ W_hf + b_f)
    O = torch.sigmoid(X @ W_xo + H @ W_ho + b_o)
    C_tilde = torch.tanh(X @ W_xc + H @ W_hc + b_c)
    C = F_ * C + (I if input_gate else 1) * C_tilde
    return O * (torch.tanh(C) if squash else C), C


register(
    "9.2.0a", title="写出 LSTM 的一个时间步，返回新的 (H, C)。",
    signature="lstm_step(X, H, C, params)",
    doc="X: (批量, 输入维度)，H、C: (批量, 隐藏单元数)。\n"
        "    params = (W_xi, W_hi, b_i, W_xf, W_hf, b_f, W_xo, W_ho, b_o, W_xc, W_hc, b_c)，按书中的方向（X @ W_xi）。\n"
        "    返回新的 (H, C)。",
    reference=_lstm_step,
    cases=lambda: [("批量 2",
                    (_rand(2, 3), _rand(2, 4, seed=1), _rand(2, 4, seed=2) * 3, _gate_params(3, 4, 4, seed=10))),
                   ("批量为 1",
                    (_rand(1, 3), _rand(1, 4, seed=1), _rand(1, 4, seed=2) * 3, _gate_params(3, 4, 4, seed=50))),
                   ("一个隐藏单元",
                    (_rand(3, 2), _rand(3, 1, seed=1), _rand(3, 1, seed=2) * 3, _gate_params(2, 1, 4, seed=90)))],
    mistakes=(Mistake(lambda X, H, C, params: _lstm_step(X, H, C, params, squash=False),
                      "H = O ⊙ tanh(C)：记忆元 C 累加了很多步，可能远超出 (−1, 1)，输出前要再用 tanh 压回来。"),
              Mistake(lambda X, H, C, params: _lstm_step(X, H, C, params, input_gate=False),
                      "候选记忆元要先乘输入门 I：C = F ⊙ C + I ⊙ C̃。")),
    hint="I、F、O 用 sigmoid，C̃ 用 tanh；C = F ⊙ C + I ⊙ C̃；H = O ⊙ tanh(C)。")

GATES = {"rnn": 1, "gru": 3, "lstm": 4}
register(
    "9.2.0b", title="一层循环网络（书中的从零实现：每组权重 W_x、W_h 和一个偏置）有多少个参数？比较 RNN、GRU、LSTM。"
                    "只算循环层，不含输出层 W_hq、b_q；`num_inputs` 是输入维度 d。",
    signature="recurrent_params(kind, num_inputs, num_hiddens)",
    doc="kind: 'rnn'、'gru' 或 'lstm'；num_inputs: 输入维度 d。返回循环层的参数个数。",
    reference=lambda kind, d, h: GATES[kind] * (d * h + h * h + h),
    cases=lambda: [("RNN", ("rnn", 28, 32)),
                   ("GRU", ("gru", 28, 32)), ("LSTM", ("lstm", 28, 32)), ("LSTM、一个隐藏单元", ("lstm", 5, 1))],
    mistakes=(Mistake(lambda kind, d, h: {"rnn": 1, "gru": 2, "lstm": 3}[kind] * (d * h + h * h + h),
                      "除了门，候选隐状态（LSTM 的候选记忆元）也有一组权重：GRU 是 2 个门 + 1 个候选，LSTM 是 3 个门 + 1 个候选。"),),
    hint="每组 = d·h + h·h + h；RNN 1 组、GRU 3 组、LSTM 4 组。")

# ------------------------------------------------------------------------------------ 9.3


def _gru_cell(x, H, p):
    """One step of nn.GRU's cell: the reset gate multiplies H W_hh + b_hh."""
    W_xz, W_hz, b_z, W_xr, W_hr, b_r, W_xh, W_hh, b_xh, b_hh = p
    Z = torch.sigmoid(x @ W_xz + H @ W_hz + b_z)
    R = torch.sigmoid(x @ W_xr + H @ W_hr + b_r)
    return Z * H + (1 - Z) * torch.tanh(x @ W_xh + b_xh + R * (H @ W_hh + b_hh))


def _torch_two_layer_gru(X, H0, layers):
    """The answer of nn.GRU(num_layers=2) with the given weights copied into it."""
    gru = nn.GRU(X.shape[-1], H0.shape[-1], num_layers=2)
    with torch.no_grad():
        for layer, p in enumerate(layers):
            W_xz, W_hz, b_z, W_xr, W_hr, b_r, W_xh, W_hh, b_xh, b_hh = p
            getattr(gru, f"weight_ih_l{layer}").copy_(torch.cat([W_xr, W_xz, W_xh], dim=1).T)
            getattr(gru, f"weight_hh_l{layer}").copy_(torch.cat([W_hr, W_hz, W_hh], dim=1).T)
            getattr(gru, f"bias_ih_l{layer}").copy_(torch.cat([b_r, b_z, b_xh]))
            getattr(gru, f"bias_hh_l{layer}").copy_(torch.cat([torch.zeros_like(b_r), torch.zeros_like(b_z), b_hh]))
        outputs, state = gru(X, H0)
    return outputs, state


def _two_layer_loop(X, H0, layers, second_cell=_gru_cell, shared_state=False):
    states, outputs = list(H0), []
    for x in X:
        for layer, p in enumerate(layers):
            cell = _gru_cell if layer == 0 else second_cell
            x = cell(x, states[0 if shared_state else layer], p)
            states[0 if shared_state else layer] = x
        outputs.append(x)
    return torch.stack(outputs), torch.stack([states[0], states[0]] if shared_state else states)


def _rnn_cell(x, H, p):
    W_xh, W_hh, b_xh, b_hh = p[6:]
    return torch.tanh(x @ W_xh + b_xh + H @ W_hh + b_hh)


def _deep_gru_cases():
    def case(T, B, d, h, seed):
        layers = [_gate_params(d, h, 3, seed) + (_rand(h, seed=seed + 9) * 0.5,),
                  _gate_params(h, h, 3, seed + 20) + (_rand(h, seed=seed + 29) * 0.5,)]
        return (_rand(T, B, d, seed=seed + 40), _rand(2, B, h, seed=seed + 41), layers)
    return [("4 个时间步、批量 2", case(4, 2, 3, 5, 0)), ("批量为 1", case(3, 1, 2, 4, 100)),
            ("只有一个时间步", case(1, 2, 3, 2, 200))]


register(
    "9.3.0b", title="从零实现两层 GRU（按 nn.GRU 的公式，见本节开头），与 nn.GRU(num_layers=2) 对照。"
                    "注意：参数的排列与本节的 gru_cell 不同，见函数的文档字符串。",
    signature="two_layer_gru(X, H0, layers)",
    doc="X: (T, B, d)，H0: (2, B, h)；layers: 两个元组（每层一个）(W_xz, W_hz, b_z, W_xr, W_hr, b_r, W_xh, W_hh, b_xh, b_hh)。\n"
        "    参数按书中的方向排列，与本节 gru_cell 的 PyTorch 排列（堆叠的 W_ih、x @ W_ih.T）不同：\n"
        "    W_x*: (这一层的输入维度, h)，W_h*: (h, h)，用 x @ W_xz、H @ W_hz；\n"
        "    b_z、b_r: (h,)，已是 PyTorch 两份偏置之和；b_xh、b_hh: (h,)，候选状态的两份偏置。\n"
        "    Z = σ(x W_xz + H W_hz + b_z)，R = σ(x W_xr + H W_hr + b_r)，\n"
        "    H̃ = tanh(x W_xh + b_xh + R ⊙ (H W_hh + b_hh))，新的 H = Z ⊙ H + (1 − Z) ⊙ H̃。\n"
        "    返回 (最上层每个时间步的输出 (T, B, h), 两层最终的状态 (2, B, h))。",
    reference=_torch_two_layer_gru, cases=_deep_gru_cases,
    mistakes=(Mistake(lambda X, H0, layers: _two_layer_loop(X, H0, layers, shared_state=True),
                      "每一层有自己的隐状态：第 1 层用 H0[0] 并更新它，第 2 层用 H0[1]；两层共用一个状态就把它们混在一起了。"),
              Mistake(lambda X, H0, layers: _two_layer_loop(X, H0, layers, second_cell=_rnn_cell),
                      "第 2 层也是 GRU（有更新门和重置门），不是普通的 tanh RNN：两层用同一个单元函数，只是参数不同。")),
    hint="对每个时间步：x 先进第 1 层（状态 H[0]），它的输出再进第 2 层（状态 H[1]）；"
         "输出是第 2 层每步的状态，最终状态是两层各自最后的状态。")


def _lstm_layer_params(d, h, L, bias_sets=2):
    return sum(4 * (inputs * h + h * h + bias_sets * h) for inputs in [d] + [h] * (L - 1))


register(
    "9.3.0a", title="nn.LSTM(input_size, num_hiddens, num_layers) 有多少个参数？"
                    "（LSTM 每层有 4 组门和候选记忆元，GRU 是 3 组：把上面 GRU 形状里的 3H 换成 4H。）",
    signature="nn_lstm_num_params(input_size, num_hiddens, num_layers)",
    doc="返回 sum(p.numel() for p in layer.parameters())。",
    reference=_lstm_layer_params,
    cases=lambda: [("书中的两层 LSTM", (28, 256, 2)), ("一层", (10, 4, 1)), ("三层、一个隐藏单元", (3, 1, 3))],
    mistakes=(Mistake(lambda d, h, L: _lstm_layer_params(d, h, L, bias_sets=1),
                      "PyTorch 的每个门有两个偏置（bias_ih 和 bias_hh）。"),
              Mistake(lambda d, h, L: L * 4 * (d * h + h * h + 2 * h),
                      "第二层以上的输入是下一层的隐状态：输入维度是 num_hiddens，不是 input_size。")),
    hint="每层 4 组（3 个门 + 候选记忆元），每组 (输入维度)·h + h·h + 2h。")

# ------------------------------------------------------------------------------------ 9.4
register(
    "9.4.1", title="正向用 h_fwd 个隐藏单元、反向用 h_bwd 个：连结后的输出形状是什么（按 (时间步, 批量, 特征) 的顺序返回）？",
    signature="birnn_output_shape(num_steps, batch_size, h_fwd, h_bwd)", doc="返回输出的形状（一个元组）。",
    reference=lambda T, B, f, b: (T, B, f + b),
    cases=lambda: [("两个方向一样", (5, 2, 4, 4)), ("两个方向不同", (5, 2, 3, 7)), ("批量为 1", (1, 1, 2, 1))],
    mistakes=(Mistake(lambda T, B, f, b: (T, B, 2 * f), "两个方向的隐藏单元数不同时，连结后的宽度是两者之和，不是 2 倍。"),),
    hint="每个时间步把正向和反向的隐状态沿最后一维连结。")


def _birnn_cases():
    def case(T, B, d, h, seed):
        torch.manual_seed(seed)
        layer = nn.GRU(d, h, bidirectional=True)
        with torch.no_grad():
            return (layer(_rand(T, B, d, seed=seed))[0], h)
    return [("4 个时间步、批量 2", case(4, 2, 3, 5, 0)), ("批量为 1", case(3, 1, 2, 3, 1)), ("一个隐藏单元", (case(2, 2, 2, 1, 2)))]


FIRST_UNIT_HINT = ("output[:, :, 0] 只是一个隐藏单元；双向层的输出在最后一维上是 [正向的 H 个单元 | 反向的 H 个单元]，"
                   "正向那一半是 output[..., :H]。")
register(
    "9.4.0a", title="从双向 nn.GRU 的输出 (T, B, 2H) 中取出正向的那一半。",
    signature="forward_half(output, num_hiddens)",
    doc="output: (T, B, 2H)。返回正向的状态，形状为 (T, B, H)。",
    reference=lambda output, H: output[..., :H], cases=_birnn_cases,
    mistakes=(Mistake(lambda output, H: output[:, :, 0], FIRST_UNIT_HINT),
              Mistake(lambda output, H: output[..., H:], "后一半是反向的状态：PyTorch 先放正向，再放反向。")),
    hint="output[..., :num_hiddens]。")

register(
    "9.4.0b", title="从双向层的输出中取出两个方向各自读完整个序列后的状态。",
    signature="final_states(output, num_hiddens)",
    doc="output: (T, B, 2H)。返回 (正向的最终状态 (B, H), 反向的最终状态 (B, H))。",
    reference=lambda output, H: (output[-1, :, :H], output[0, :, H:]), cases=_birnn_cases,
    mistakes=(Mistake(lambda output, H: (output[-1, :, :H], output[-1, :, H:]),
                      "反向从最后一个时间步读到第一个：它读完整个序列的状态在 t = 0（output[0, :, H:]）。"),
              Mistake(lambda output, H: (output[-1, :, 0], output[0, :, 1]), FIRST_UNIT_HINT)),
    hint="正向的最终状态在最后一个时间步，反向的在第一个时间步。")
