"""Checks for chapter 8 (recurrent neural networks): features, vocabularies, n-grams, RNN steps, training details."""
from __future__ import annotations

import collections

import torch
import torch.nn.functional as F

from ..text import Vocab, fit_zipf
from . import Mistake, register


def _rand(*shape: int, seed: int = 0) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


# ------------------------------------------------------------------------------------ 8.1
register(
    "8.1.1b", title="没有噪声的正弦序列 x_t = sin(ωt)：用线性自回归精确预测下一个值，最少需要几个过去的观测？",
    signature="answer_8_1_1b", doc="一个整数", reference=2,
    mistakes=(Mistake(1, "只看一个值分不清正弦是在上升还是下降。"),
              Mistake(4, "4 是本节为带噪声的数据选的 τ；没有噪声时，sin 满足的二阶微分方程说明需要几个？")),
    hint="sin(a + b) + sin(a − b) = 2 sin(a) cos(b)：x_{t+1} 可以写成哪几个过去值的线性组合？")


def _features(x: torch.Tensor, tau: int):
    T = len(x)
    return torch.stack([x[i:T - tau + i] for i in range(tau)], dim=1), x[tau:].reshape(-1, 1)


register(
    "8.1.0", title="把序列 x 变成自回归的训练数据：每行特征是 τ 个连续的值，标签是紧接着的下一个值。",
    signature="make_features(x, tau)", doc="x: (T,)。返回 (特征 (T - tau, tau), 标签 (T - tau, 1))。",
    reference=_features,
    cases=lambda: [("T = 10、τ = 4", (torch.arange(10.0), 4)), ("τ = 1", (_rand(6), 1)),
                   ("序列只比 τ 长 1", (_rand(4), 3))],
    mistakes=(Mistake(lambda x, tau: (_features(x, tau)[0], x[tau - 1:-1].reshape(-1, 1)),
                      "标签是窗口之后的那个值：第 i 行的特征是 x[i:i+τ]，标签是 x[i+τ]，不是窗口里的最后一个值。"),),
    hint="特征的第 j 列是 x[j : T − τ + j]；标签是 x[τ:]。")

# ------------------------------------------------------------------------------------ 8.2
register(
    "8.2.2", title="按 `d2l.Vocab` 的规则（索引 0 是 `<unk>`，出现次数 ≥ min_freq 的词元才入表）求词表大小。",
    signature="vocab_size(tokens, min_freq)",
    doc="tokens: 字符串列表。不用 Vocab，算出 len(Vocab(tokens, min_freq)) 并返回。",
    reference=lambda tokens, min_freq: len(Vocab(tokens, min_freq)),
    cases=lambda: [("min_freq = 2", ("the time machine by the time traveller the end".split(), 2)),
                   ("min_freq = 0：全部入表", ("a b a c".split(), 0)), ("没有词元达到 min_freq", ("x y z".split(), 5))],
    mistakes=(Mistake(lambda tokens, min_freq: sum(c >= min_freq for c in collections.Counter(tokens).values()),
                      "别忘了 <unk>：它总在词表里（索引 0）。"),
              Mistake(lambda tokens, min_freq: 1 + sum(c > min_freq for c in collections.Counter(tokens).values()),
                      "出现次数正好等于 min_freq 的词元也入表：用 ≥，不是 >。")),
    hint="collections.Counter 数出每个词元的次数，数一数有几个 ≥ min_freq，再加上 <unk>。")


def _most_frequent_pair(word_freqs: dict) -> tuple:
    pairs = collections.Counter()
    for symbols, freq in word_freqs.items():
        for pair in zip(symbols, symbols[1:]):
            pairs[pair] += freq
    return max(pairs, key=pairs.get)


def _unweighted_pair(word_freqs: dict) -> tuple:
    return _most_frequent_pair({symbols: 1 for symbols in word_freqs})


register(
    "8.2.1", title="字节对编码（BPE）的一步：在按频率加权的词里找出出现最多的相邻符号对（并列时取最先出现的那一对）。"
                    "BPE 从单个字符开始，反复把最常见的相邻符号对合并成一个新符号；每个词按它出现的次数计数，"
                    "例如 {('l','o','w'): 5, ('l','o','t'): 2} 里 ('l','o') 一共出现 5 + 2 = 7 次。",
    signature="most_frequent_pair(word_freqs)",
    doc="word_freqs: {符号元组: 次数}。返回出现最多的相邻符号对（一个元组）。",
    reference=_most_frequent_pair,
    cases=lambda: [("常见的词有高的频率", ({("l", "o", "w"): 5, ("n", "e", "w", "e", "r"): 2, ("w", "i", "d", "e", "r"): 3},)),
                   ("只有一个词", ({("a", "b", "a", "b"): 1},)),
                   ("一个高频的短词",
                    ({("t", "h", "e"): 10, ("t", "o", "p"): 1, ("o", "p", "e", "n"): 1, ("h", "o", "p"): 1},))],
    mistakes=(Mistake(_unweighted_pair, "每个词要按它在语料里出现的次数加权：一个出现 5 次的词贡献 5 次它的符号对。"),),
    hint="遍历每个词的相邻符号对 zip(symbols, symbols[1:])，把词的次数加到这个对的计数上。")

# ------------------------------------------------------------------------------------ 8.3
STORAGE_HINT = ("V² + V³ + V⁴ 是所有可能组合的个数；只需存语料里真正出现过的 n 元组，"
                "而长 N 的语料里最多只有 N − n + 1 个不同的 n 元组。")
register(
    "8.3.1", title="语料长 100000 个词元：一元到四元，最多有多少个不同的 n 元组要存计数？",
    signature="answer_8_3_1", doc="一个整数", reference=4 * 100000 - 6,
    mistakes=tuple(Mistake(v ** 2 + v ** 3 + v ** 4 + extra, STORAGE_HINT)
                   for v in (100000, 10000) for extra in (0, v)) + (
        Mistake(400000, "长 N 的语料里有 N − n + 1 个 n 元组（不是 N 个）：最后 n − 1 个词后面凑不够 n 个。"),),
    hint="语料里出现的 n 元组个数是 N − n + 1；把 n = 1, 2, 3, 4 加起来。")

register(
    "8.3.1b", title="长 num_words 的语料，1 元到 n 元语法最多要存多少个不同的计数？",
    signature="max_ngram_counts(num_words, n)", doc="返回要存的计数个数的上界。",
    reference=lambda num_words, n: sum(max(num_words - k + 1, 0) for k in range(1, n + 1)),
    cases=lambda: [("100000 个词、四元", (100000, 4)), ("10 个词、二元", (10, 2)), ("语料比 n 还短", (3, 5))],
    mistakes=(Mistake(lambda num_words, n: n * num_words,
                      "长 N 的语料里有 N − n + 1 个 n 元组（不是 N 个）：最后 n − 1 个词后面凑不够 n 个。"),
              Mistake(lambda num_words, n: sum(num_words - k + 1 for k in range(1, n + 1)),
                      "语料比 k 短时一个 k 元组也没有：个数不能是负数（用 max(…, 0)）。")),
    hint="对 k = 1..n 把 max(N − k + 1, 0) 加起来。")

register(
    "8.3.5", title="随机采样：丢掉开头 offset 个词元后，长 corpus_len 的语料能切出多少个长 num_steps 的子序列（每个都要有下一个词元作标签）？",
    signature="num_subsequences(corpus_len, num_steps, offset)", doc="返回子序列的个数。",
    reference=lambda corpus_len, num_steps, offset: max(corpus_len - offset - 1, 0) // num_steps,
    cases=lambda: [("整除之外还有剩余", (35, 5, 2)), ("长度正好是 num_steps 的倍数", (30, 5, 0)), ("语料比 num_steps 还短", (4, 5, 0))],
    mistakes=(Mistake(lambda corpus_len, num_steps, offset: (corpus_len - offset) // num_steps,
                      "标签是往后移一个词元的序列：最后一个词元只能当标签，所以可用的长度要减 1。"),),
    hint="(corpus_len − offset − 1) // num_steps。")


def _zipf(freqs: list) -> float:
    return fit_zipf(freqs)[0]


register(
    "8.3.3", title="用最小二乘在双对数坐标下拟合齐普夫定律 n_i ∝ i^(−α)，用全部排名（不截取区间）拟合，返回 α（正数）。"
                    "尾部的台阶会把斜率拉平，所以得到的 α 比正文只用第 10–1000 名时小。",
    signature="zipf_exponent(freqs)", doc="freqs: 从高到低排好的词频。返回 alpha。",
    reference=_zipf,
    cases=lambda: [("α = 1.2 的理想数据", ([1000 * r ** -1.2 for r in range(1, 51)],)),
                   ("α = 0.5 的理想数据", ([500 * r ** -0.5 for r in range(1, 21)],)),
                   ("真实的计数", ([120, 60, 41, 30, 22, 20, 17, 15, 13, 12],))],
    mistakes=(Mistake(lambda freqs: -_zipf(freqs), "log n_i = −α log i + c：直线的斜率是 −α，α 是斜率的相反数。"),),
    hint="x = log(rank)、y = log(freq)，最小二乘拟合 y = a·x + b，α = −a。")

# ------------------------------------------------------------------------------------ 8.4
register(
    "8.4.1", title="用 RNN 预测字符级《时间机器》（词表大小 28）的下一个字符：每个时间步的输出有几维？",
    signature="answer_8_4_1", doc="一个整数", reference=28,
    mistakes=(Mistake(1, "输出不是一个索引，而是词表上每个词元的分数（softmax 之后是概率分布）。"),),
    hint="输出层要给每个可能的下一个词元一个分数。")


def _rnn_step(X, H, W_xh, W_hh, b_h):
    return torch.tanh(X @ W_xh + H @ W_hh + b_h)


register(
    "8.4.0a", title="写出 RNN 的一个时间步：H_t = tanh(X_t W_xh + H_{t−1} W_hh + b_h)。",
    signature="rnn_step(X, H, W_xh, W_hh, b_h)", doc="X: (批量, d)，H: (批量, h)，W_xh: (d, h)，W_hh: (h, h)，b_h: (h,)。返回形状为 (批量, h) 的新状态。",
    reference=_rnn_step,
    cases=lambda: [("批量 2",
                    (_rand(2, 4), _rand(2, 3, seed=1), _rand(4, 3, seed=2), _rand(3, 3, seed=3), _rand(3, seed=4))),
                   ("批量为 1",
                    (_rand(1, 4), _rand(1, 3, seed=1), _rand(4, 3, seed=2), _rand(3, 3, seed=3), _rand(3, seed=4))),
                   ("输入维度为 1",
                    (_rand(3, 1), _rand(3, 2, seed=1), _rand(1, 2, seed=2), _rand(2, 2, seed=3), _rand(2, seed=4)))],
    mistakes=(Mistake(lambda X, H, W_xh, W_hh, b_h: X @ W_xh + H @ W_hh + b_h, "别忘了激活函数 tanh。"),
              Mistake(lambda X, H, W_xh, W_hh, b_h: torch.tanh(X @ W_xh + H @ W_hh.T + b_h),
                      "行是样本：H 的形状是 (批量, h)，右乘 W_hh（形状 (h, h)），不要转置。")),
    hint="torch.tanh(X @ W_xh + H @ W_hh + b_h)。")

register(
    "8.4.0b", title="字符级 RNN 语言模型（独热输入、一个隐藏层、输出层）一共有多少个参数？按本节公式（一个偏置 b_h，不是 nn.RNN 的两个偏置）。",
    signature="rnn_num_params(vocab_size, num_hiddens)", doc="返回参数个数。",
    reference=lambda V, H: V * H + H * H + H + H * V + V,
    cases=lambda: [("书中的设置", (28, 512)), ("很小的模型", (3, 2)), ("一个隐藏单元", (10, 1))],
    mistakes=(Mistake(lambda V, H: V * H + H * H + H, "还有输出层：W_hq (h×V) 和 b_q (V)。"),
              Mistake(lambda V, H: V * H + H + H * V + V, "循环的关键是 W_hh (h×h)：把上一个隐状态带进来。")),
    hint="W_xh (V×h)、W_hh (h×h)、b_h (h)、W_hq (h×V)、b_q (V)。")

# ------------------------------------------------------------------------------------ 8.5
register(
    "8.5.1", title="独热编码再乘嵌入矩阵 E，等于按索引取出 E 的行：用独热编码和矩阵乘法实现它。",
    signature="one_hot_embed(ids, E)",
    doc="ids: (批量, 时间步数) 的 int64 张量，E: (V, d)。用 one_hot @ E 算出形状为 (批量, 时间步数, d) 的结果并返回。",
    reference=lambda ids, E: E[ids],
    cases=lambda: [("用到最大索引", (torch.tensor([[0, 4, 2], [1, 1, 3]]), _rand(5, 3))),
                   ("没有用到最大索引", (torch.tensor([[0, 1], [2, 1]]), _rand(6, 2))),
                   ("批量为 1", (torch.tensor([[3]]), _rand(4, 2)))],
    mistakes=(Mistake(lambda ids, E: F.one_hot(ids).float() @ E,
                      "F.one_hot 默认的长度是 ids.max() + 1：要写 num_classes=E.shape[0]。"),),
    hint="F.one_hot(ids, num_classes=E.shape[0]).float() @ E（独热是整数，先转成浮点数）。")

register(
    "8.5.3b", title="写出把 P^α 重新归一化后的分布 q ∝ P^α（对最后一维归一化；生成时再从 q 中采样）。",
    signature="sharpen(probs, alpha)", doc="probs: (..., V)，最后一维的和为 1。返回重新归一化后的 probs ** alpha。",
    reference=lambda probs, alpha: probs ** alpha / (probs ** alpha).sum(dim=-1, keepdim=True),
    cases=lambda: [("α = 2", (torch.tensor([0.5, 0.3, 0.2]), 2.0)), ("α = 1：不变", (torch.tensor([0.1, 0.6, 0.3]), 1.0)),
                   ("一批分布、α = 0.5", (torch.softmax(_rand(2, 4), dim=-1), 0.5))],
    mistakes=(Mistake(lambda probs, alpha: probs ** alpha, "P^α 的和不再是 1：还要除以它们的和。"),
              Mistake(lambda probs, alpha: probs * alpha / (probs * alpha).sum(dim=-1, keepdim=True),
                      "是 α 次幂（probs ** alpha），乘以 α 再归一化什么都不改变。")),
    hint="q = P**α / (P**α).sum(dim=-1, keepdim=True)。")


def _clip(grads: list, theta: float) -> list:
    norm = torch.sqrt(sum((g ** 2).sum() for g in grads))
    return [g * theta / norm if norm > theta else g for g in grads]


register(
    "8.5.4", title="梯度裁剪：所有参数的梯度拼成一个向量，它的范数超过 θ 时整体缩放到 θ。",
    signature="clip_gradients(grads, theta)", doc="grads: 张量的列表。返回裁剪后的张量列表。",
    reference=_clip,
    cases=lambda: [("两个参数、范数超过 θ", ([torch.tensor([3.0, 0.0]), torch.tensor([[0.0, 4.0]])], 1.0)),
                   ("范数小于 θ：不变", ([_rand(3) * 0.1, _rand(2, seed=1) * 0.1], 10.0)), ("只有一个参数", ([_rand(4) * 5], 1.0))],
    mistakes=(Mistake(lambda grads, theta: [g * min(1.0, theta / g.norm().item()) for g in grads],
                      "要裁剪的是全局范数：所有参数的梯度合在一起算一个范数，再用同一个比例缩放每个梯度，"
                      "这样梯度的方向不变。逐个参数裁剪会改变方向。"),),
    hint="norm = sqrt(Σ (g**2).sum())；若 norm > θ，每个 g 乘以 θ / norm。")


def _state_behaviour(state) -> dict:
    return {"数值": state.detach(), "仍连着上一批的计算图": bool(state.requires_grad)}


def _sequential_state():
    W = _rand(3, 4).requires_grad_()
    return torch.tanh(_rand(2, 3, seed=1) @ W)


register(
    "8.5.5", title="顺序分区：处理下一个小批量之前，隐状态应该变成什么？",
    signature="carry_state(state)",
    doc="state：一个张量（不是元组），处理完一个小批量后的隐状态。返回处理下一个小批量时用的状态。",
    reference=lambda state: state.detach(), observe=_state_behaviour,
    cases=lambda: [("上一批算出的隐状态", (_sequential_state(),)), ("批量为 1", (_sequential_state()[:1],))],
    mistakes=(Mistake(lambda state: state, "要 detach 隐状态：不分离时，反向传播会一直穿过之前所有的小批量，越来越慢，"
                                           "还会对已经更新过的计算图求梯度。"),
              Mistake(lambda state: torch.zeros_like(state).detach(),
                      "顺序分区中相邻小批量首尾相接：保留隐状态的值（只切断计算图），不要重新初始化。")),
    hint="值保留，计算图切断：state.detach()。")

# ------------------------------------------------------------------------------------ 8.6
register(
    "8.6.0", title="nn.RNN(vocab_size, num_hiddens, num_layers) 处理 (num_steps, batch_size, vocab_size) 的输入："
          "输出 Y 和最终状态的形状？",
    signature="rnn_shapes(num_steps, batch_size, vocab_size, num_hiddens, num_layers)",
    doc="返回 (Y.shape, state.shape)，两个元组。",
    reference=lambda T, B, V, H, L: ((T, B, H), (L, B, H)),
    cases=lambda: [("书中的设置", (35, 32, 28, 256, 1)), ("两层", (5, 2, 10, 8, 2)), ("批量为 1、一个时间步", (1, 1, 4, 3, 3))],
    mistakes=(Mistake(lambda T, B, V, H, L: ((T, B, H), (B, H)), "状态的第一维是层数（双向时是层数 × 2），即使只有一层。"),
              Mistake(lambda T, B, V, H, L: ((T, B, V), (L, B, H)), "nn.RNN 不含输出层：Y 是每个时间步最后一层的隐状态，宽度是 num_hiddens。")),
    hint="Y：(时间步, 批量, 隐藏单元)；状态：(层数, 批量, 隐藏单元)。")


def _nn_rnn_params(I, H, L):
    return (H * I + H * H + 2 * H) + (L - 1) * (2 * H * H + 2 * H)


register(
    "8.6.2", title="多层 nn.RNN(input_size, num_hiddens, num_layers) 有多少个参数？",
    signature="nn_rnn_num_params(input_size, num_hiddens, num_layers)",
    doc="返回 sum(p.numel() for p in layer.parameters())。",
    reference=_nn_rnn_params,
    cases=lambda: [("一层", (28, 16, 1)), ("三层", (28, 16, 3)), ("输入维度为 1", (1, 4, 2))],
    mistakes=(Mistake(lambda I, H, L: (H * I + H * H + H) + (L - 1) * (2 * H * H + H),
                      "PyTorch 的每层有两个偏置：bias_ih 和 bias_hh（数学上可以合并，参数表里却各有一份）。"),
              Mistake(lambda I, H, L: L * (H * I + H * H + 2 * H),
                      "第二层以上的输入是下一层的隐状态：输入维度是 num_hiddens，不是 input_size。")),
    hint="第一层：H·I + H·H + 2H；以后每层：H·H + H·H + 2H。")

# ------------------------------------------------------------------------------------ 8.7


def _power_direction(M, x, k):
    x = x / x.norm()
    for _ in range(k):
        x = M @ x
        x = x / x.norm()
    return x


def _symmetric(n: int, seed: int) -> torch.Tensor:
    A = _rand(n, n, seed=seed).double()
    return (A + A.T) / 2


register(
    "8.7.1b", title="幂迭代：计算 M^k x 的方向（单位向量）；k 大时它趋向 M 的主特征向量 v_1。",
    signature="power_direction(M, x, k)", doc="M: (n, n) 对称矩阵，x: (n,)。返回 M^k x / ||M^k x||。",
    reference=_power_direction,
    cases=lambda: [("k = 3", (_symmetric(4, 0), _rand(4, seed=9).double(), 3)),
                   ("k = 300：数值会溢出吗？", (_symmetric(5, 1) * 10, _rand(5, seed=9).double(), 300)),
                   ("k = 0", (_symmetric(3, 2), _rand(3, seed=9).double(), 0))],
    mistakes=(Mistake(lambda M, x, k: torch.linalg.matrix_power(M, k) @ x,
                      "M^k x 的长度按 |λ_1|^k 增长或衰减，会溢出或下溢：返回单位向量（每一步都归一化）。"),),
    hint="重复 k 次：x = M @ x；x = x / x.norm()。k = 0 时也要归一化。")

register(
    "8.7.1c", title="梯度连乘 50 次同一个对称矩阵，它模最大的特征值（谱半径）为 1.1："
                   "沿对应的特征向量，梯度放大多少倍？（精确到 4 位有效数字）",
    signature="answer_8_7_1c", doc="一个数", reference=1.1 ** 50,
    mistakes=(Mistake(1.1 * 50, "每一步是乘以 1.1，50 步是连乘（幂），不是连加。"),
              Mistake(1.1, "一步放大 1.1 倍，50 步后要连乘 50 次。")),
    hint="λ^k。")
