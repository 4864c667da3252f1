"""Checks for chapter 6 (convolutional neural networks): cases, reference answers and hints."""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from ..conv import conv_output_shape, corr2d
from . import Mistake, register


def _rand(*shape: int, seed: int = 0) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


FLIP_HINT = "深度学习里的“卷积”是互相关：核不翻转。你的结果像是把核上下左右翻转后算的。"

# ------------------------------------------------------------------------------------ 6.1
register(
    "6.1.1", title="Δ=0 的卷积层就是逐像素的全连接层：对每个像素位置的通道向量 x 计算 W x。",
    signature="pixelwise_linear(X, W)", doc="X: (c_i, h, w)，W: (c_o, c_i)。返回形状为 (c_o, h, w) 的输出。",
    reference=lambda X, W: torch.einsum("oi,ihw->ohw", W, X),
    cases=lambda: [("3 个输入通道、3 个输出通道", (_rand(3, 4, 4), _rand(3, 3, seed=1))),
                   ("2 个输入通道、4 个输出通道、高宽不同", (_rand(2, 3, 5), _rand(4, 2, seed=1))),
                   ("1×1 的图像", (_rand(2, 1, 1), _rand(3, 2, seed=1)))],
    mistakes=(Mistake(lambda X, W: torch.einsum("io,ihw->ohw", W, X),
                      "W 的形状是 (输出通道, 输入通道)，要算 W @ x，而不是 W.T @ x。"),),
    hint="把 X 看成 c_i 行、h·w 列的矩阵：W @ X.reshape(c_i, -1) 再恢复成 (c_o, h, w)。")

register(
    "6.1.4", title="音频是一维信号：写出一维互相关（无填充、步幅 1）。",
    signature="corr1d(x, k)", doc="x: 长 n 的信号 (n,)，k: 长 m 的核 (m,)。返回形状为 (n - m + 1,) 的互相关。",
    reference=lambda x, k: F.conv1d(x[None, None], k[None, None])[0, 0],
    cases=lambda: [("长 8 的信号、长 3 的核", (_rand(8), _rand(3, seed=1))),
                   ("核与信号一样长", (_rand(4), _rand(4, seed=1))),
                   ("长 1 的核", (_rand(5), _rand(1, seed=1)))],
    mistakes=(Mistake(lambda x, k: torch.stack([(x[i:i + len(k)] * k).sum() for i in range(len(x) - len(k))]),
                      "差了一个：核可以放在 n − m + 1 个位置上，range 的上界要加 1。"),
              Mistake(lambda x, k: F.conv1d(x[None, None], k.flip(0)[None, None])[0, 0], FLIP_HINT)),
    hint="第 i 个输出是 (x[i:i+m] * k).sum()。")


def _full_conv2d(f: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
    return F.conv_transpose2d(f[None, None], g[None, None])[0, 0]


def _full_corr2d(f: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
    return F.conv2d(F.pad(f, (g.shape[1] - 1,) * 2 + (g.shape[0] - 1,) * 2)[None, None], g[None, None])[0, 0]


register(
    "6.1.6", title="写出二维离散卷积 $(f*g)[i,j] = \\sum_{a,b} f[a,b]\\,g[i-a,j-b]$（完整输出），再看 $f*g$ 与 $g*f$ 是否相等。",
    signature="convolve2d(f, g)", doc="f: (h_f, w_f)，g: (h_g, w_g)。返回完整的卷积，形状为 (h_f + h_g - 1, w_f + w_g - 1)。",
    reference=_full_conv2d,
    cases=lambda: [("f 为 3×3、g 为 2×2", (_rand(3, 3), _rand(2, 2, seed=1))),
                   ("交换：f 为 2×2、g 为 3×3", (_rand(2, 2, seed=1), _rand(3, 3))),
                   ("g 为 1×3", (_rand(2, 4), _rand(1, 3, seed=1)))],
    mistakes=(Mistake(_full_corr2d, "卷积与互相关不同：卷积的下标是 g[i−a, j−b]，相当于把 g 翻转后再滑动。"),
              Mistake(lambda f, g: F.conv2d(f[None, None], g.flip(0, 1)[None, None])[0, 0],
                      "这里要完整的卷积：输出大小是 (h_f + h_g − 1, w_f + w_g − 1)，也就是在 f 四周补 0 后再滑动。")),
    hint="对所有 (a, b) 把 f[a, b] * g 加到输出的 [a:a+h_g, b:b+w_g] 位置上。")

# ------------------------------------------------------------------------------------ 6.2
register(
    "6.2.1", title="X = torch.tril(torch.ones(6, 6))，K = torch.tensor([[1.0, -1.0]])。分别求 corr2d(X, K)、"
                   "corr2d(X.T, K)、corr2d(X, K.T) 所有元素之和。",
    signature="answer_6_2_1", doc="三个数组成的元组", reference=(5.0, -5.0, -5.0),
    mistakes=(Mistake((5.0, 5.0, 5.0), "边缘的方向反过来时（0→1 变成 1→0），差分的符号也反过来。"),
              Mistake((5.0, -5.0, 0.0), "K.T 检测上下相邻两行的变化；对角线边缘在竖直方向上也有变化，结果不是 0。")),
    hint="用 d2l.corr2d 算一算，或者数一数每一行（列）里 1 和 0 的交界出现几次、方向如何。")

register(
    "6.2.3", title="把二维互相关写成一次矩阵乘法（提示：把每个窗口展开成一列，`F.unfold`）。",
    signature="corr2d_matmul(X, K)", doc="X: (n_h, n_w)，K: (k_h, k_w)。用一次矩阵乘法算出 corr2d(X, K) 并返回。",
    reference=corr2d,
    cases=lambda: [("4×5 的输入、2×3 的核", (_rand(4, 5), _rand(2, 3, seed=1))),
                   ("核与输入一样大", (_rand(3, 3), _rand(3, 3, seed=1))),
                   ("1×1 的核", (_rand(3, 4), _rand(1, 1, seed=1)))],
    mistakes=(Mistake(lambda X, K: corr2d(X, K.flip(0, 1)), FLIP_HINT),),
    hint="F.unfold(X[None, None], K.shape) 把每个窗口变成一列，再与 K.reshape(-1) 相乘，最后 reshape 成输出形状。")

register(
    "6.2.4a", title="给出二阶导数（二阶差分）的最小核，作为 1 行的二维张量（作用在 x² 的采样上应得到 +2）。",
    signature="answer_6_2_4a", doc="形状为 (1, k) 的浮点张量", reference=torch.tensor([[1.0, -2.0, 1.0]]),
    mistakes=(Mistake(torch.tensor([[1.0, -1.0]]), "[1, −1] 是一阶差分；二阶差分是一阶差分的差分。"),
              Mistake(torch.tensor([[-1.0, 2.0, -1.0]]), "符号反了：把核作用在 x² 的采样上应该得到 +2。")),
    hint="二阶差分 = (x[i+2] − x[i+1]) − (x[i+1] − x[i])。")

register(
    "6.2.4c", title="要得到 d 阶导数（差分），核最少要有多少个元素？写成 d 的函数。",
    signature="min_kernel_size(d)", doc="返回 d 阶差分所需的最短核长。",
    reference=lambda d: d + 1,
    cases=lambda: [("d = 1", (1,)), ("d = 2", (2,)), ("d = 5", (5,)), ("d = 0（恒等）", (0,))],
    mistakes=(Mistake(lambda d: d, "差了一个：一阶差分 [1, −1] 就已经要用两个点。"),
              Mistake(lambda d: 2 * d + 1, "居中的差分核也能用，但它不是最小的：从 [1, −1]、[1, −2, 1] 数起。")),
    hint="d 阶差分是 d 次一阶差分的合成；每合成一次，核长加几？")

# ------------------------------------------------------------------------------------ 6.3
FLOOR_HINT = "步幅不能整除时，最后放不下一整个窗口的行（列）被丢掉：公式里要向下取整（用 //）。"
PER_SIDE_HINT = "填充 p 是每一侧的：上下（左右）两侧一共补 2p 行（列）。"

register(
    "6.3.1", title="本节最后的例子：8×8 输入、核 (3, 5)、填充 (0, 1)、步幅 (3, 4)，输出的 (高, 宽) 是多少？",
    signature="answer_6_3_1", doc="元组 (高, 宽)", reference=(2, 2),
    mistakes=(Mistake((8 / 3, 2.25), FLOOR_HINT), Mistake((1, 1), "别忘了公式末尾的 +1：第一个窗口本身就产生一个输出。")),
    hint="每个维度：⌊(n + 2p − k) / s⌋ + 1。")


def _per_side_once(n_h, n_w, k_h, k_w, p_h, p_w, s_h, s_w):
    return (n_h + p_h - k_h) // s_h + 1, (n_w + p_w - k_w) // s_w + 1


register(
    "6.3.2", title="写出任意输入、核、填充（每侧）和步幅下卷积输出的形状。",
    signature="output_shape(n_h, n_w, k_h, k_w, p_h, p_w, s_h, s_w)", doc="返回 (o_h, o_w)，两个整数。",
    reference=lambda n_h, n_w, k_h, k_w, p_h, p_w, s_h, s_w: conv_output_shape((n_h, n_w), (k_h, k_w),
                                                                                 (p_h, p_w), (s_h, s_w)),
    cases=lambda: [("奇数核、偶数填充", (8, 8, 3, 3, 2, 2, 1, 1)),
                   ("步幅大于核", (9, 10, 2, 2, 0, 0, 3, 3)),
                   ("高宽不同的核、填充和步幅", (8, 8, 3, 5, 0, 1, 3, 4)),
                   ("核与填充后的输入一样大", (3, 3, 5, 5, 1, 1, 2, 2))],
    mistakes=(Mistake(_per_side_once, PER_SIDE_HINT),
              Mistake(lambda n_h, n_w, k_h, k_w, p_h, p_w, s_h, s_w:
                      ((n_h + 2 * p_h - k_h) / s_h + 1, (n_w + 2 * p_w - k_w) / s_w + 1), FLOOR_HINT),
              Mistake(lambda n_h, n_w, k_h, k_w, p_h, p_w, s_h, s_w:
                      (math.ceil((n_h + 2 * p_h - k_h) / s_h) + 1, math.ceil((n_w + 2 * p_w - k_w) / s_w) + 1),
                      "向上取整会多算一个放不下的窗口：要向下取整。")),
    hint="每个维度：⌊(n + 2p − k) / s⌋ + 1，p 是每侧的填充。")

register(
    "6.3.3", title="16 kHz（每秒 16000 个采样）的音频经过步幅为 2 的一维卷积（核 3、填充 1），输出每秒有多少个值？",
    signature="answer_6_3_3", doc="一个数", reference=8000,
    mistakes=(Mistake(32000, "步幅 2 是每隔一个采样才算一个输出，输出更稀疏，而不是更密。"),),
    hint="步幅 s 把采样率除以 s（相当于降采样）。")

register(
    "6.3.4", title="32×32 输入、3×3 核、填充 1：高宽两个方向的步幅都从 1 改为 2，乘加次数减少为原来的几分之一？"
                   "填写倍数（例如 3 表示减到 1/3）。",
    signature="answer_6_3_4", doc="一个数", reference=4,
    mistakes=(Mistake(2, "高和宽两个方向都减半，输出元素个数减少得更多。"),),
    hint="乘加次数与输出元素个数成正比；算一算两种步幅下的输出形状。")

# ------------------------------------------------------------------------------------ 6.4
register(
    "6.4.1a", title="两个单通道卷积（互相关）K1、K2 直接相连：求一个核 K，使 corr2d(corr2d(X, K1), K2) = corr2d(X, K)。",
    signature="compose_kernels(K1, K2)", doc="K1: (h_1, w_1)，K2: (h_2, w_2)。返回形状为 (h_1 + h_2 - 1, w_1 + w_2 - 1) 的核。",
    reference=_full_conv2d,
    cases=lambda: [("2×2 与 3×3", (_rand(2, 2), _rand(3, 3, seed=1))),
                   ("1×3 与 3×1", (_rand(1, 3), _rand(3, 1, seed=1))),
                   ("1×1 与 2×2", (_rand(1, 1), _rand(2, 2, seed=1)))],
    mistakes=(Mistake(_full_corr2d, "合成核是 K1 与 K2 的真正卷积（不是互相关）：K[c] = Σ_{a+b=c} K1[a]·K2[b]。"),),
    hint="把 corr2d(corr2d(X, K1), K2) 的一个输出展开：X[i+a+b] 的系数是所有 a+b 相同的 K1[a]·K2[b] 之和。")

register(
    "6.4.1b", title="大小为 k1 和 k2 的两个卷积核直接相连，等效的单个核有多大（每个维度）？",
    signature="combined_kernel_size(k1, k2)", doc="返回等效核的边长。",
    reference=lambda k1, k2: k1 + k2 - 1,
    cases=lambda: [("3 和 3", (3, 3)), ("1 和 5", (1, 5)), ("2 和 4", (2, 4))],
    mistakes=(Mistake(lambda k1, k2: k1 + k2, "差了一个：两个核共用中间的那一个位置（1×1 的核不改变大小）。"),
              Mistake(lambda k1, k2: k1 * k2, "感受野是相加着变大的，不是相乘。")),
    hint="一个输出看 k2 个中间值，每个中间值看 k1 个输入，相邻的中间值共享 k1 − 1 个输入。")


def _conv_macs(c_i, h, w, c_o, k_h, k_w, p_h, p_w, s_h, s_w):
    o_h, o_w = conv_output_shape((h, w), (k_h, k_w), (p_h, p_w), (s_h, s_w))
    return c_o * o_h * o_w * c_i * k_h * k_w


register(
    "6.4.2a", title="一个卷积层的前向传播要做多少次乘加（不计偏置，批量为 1）？",
    signature="conv_macs(c_i, h, w, c_o, k_h, k_w, p_h, p_w, s_h, s_w)", doc="返回乘加次数。",
    reference=_conv_macs,
    cases=lambda: [("步幅 1、保持大小", (3, 8, 8, 4, 3, 3, 1, 1, 1, 1)),
                   ("步幅 2、奇数输入", (3, 7, 7, 2, 3, 3, 1, 1, 2, 2)),
                   ("1×1 核、单输入通道", (1, 5, 6, 8, 1, 1, 0, 0, 1, 1))],
    mistakes=(Mistake(lambda c_i, h, w, c_o, k_h, k_w, p_h, p_w, s_h, s_w: c_o * h * w * c_i * k_h * k_w,
                      "乘加次数由输出元素个数决定，不是输入的 h·w：先用填充和步幅算出输出形状。"),
              Mistake(lambda c_i, h, w, c_o, k_h, k_w, p_h, p_w, s_h, s_w:
                      _conv_macs(1, h, w, c_o, k_h, k_w, p_h, p_w, s_h, s_w),
                      "每个输出元素要在所有 c_i 个输入通道上求和，别漏了 c_i。")),
    hint="c_o · o_h · o_w 个输出，每个是长 c_i · k_h · k_w 的点积。")

register(
    "6.4.3", title="输入通道数和输出通道数都加倍（其余不变），乘加次数变为原来的几倍？",
    signature="answer_6_4_3", doc="一个数", reference=4,
    mistakes=(Mistake(2, "c_i 和 c_o 都出现在乘加次数里，各贡献一个 2 倍。"),),
    hint="乘加次数 = c_o · o_h · o_w · c_i · k_h · k_w。")

register(
    "6.4.4", title="1×1 卷积等于一次矩阵乘法：用 matmul 实现它。",
    signature="conv1x1(X, K)", doc="X: (c_i, h, w)，K: (c_o, c_i, 1, 1)。返回形状为 (c_o, h, w) 的输出。",
    reference=lambda X, K: F.conv2d(X[None], K)[0],
    cases=lambda: [("3 个输入通道、2 个输出通道", (_rand(3, 4, 4), _rand(2, 3, 1, 1, seed=1))),
                   ("高宽不同", (_rand(2, 2, 5), _rand(3, 2, 1, 1, seed=1))),
                   ("单输入通道", (_rand(1, 3, 3), _rand(2, 1, 1, 1, seed=1)))],
    mistakes=(Mistake(lambda X, K: (X.reshape(-1, X.shape[0]) @ K[:, :, 0, 0].T).T.reshape(K.shape[0], *X.shape[1:]),
                      "X.reshape(h·w, c_i) 会把不同通道的像素混在一起；X.reshape(c_i, h·w) 才让每个通道占一行。"),),
    hint="K.reshape(c_o, c_i) @ X.reshape(c_i, h * w)，再 reshape 成 (c_o, h, w)。")

register(
    "6.4.6", title="核不是 1×1 时也用矩阵乘法实现多通道卷积（无填充、步幅 1）。",
    signature="conv_matmul(X, K)", doc="X: (c_i, h, w)，K: (c_o, c_i, k_h, k_w)。返回形状为 (c_o, o_h, o_w) 的输出。",
    reference=lambda X, K: F.conv2d(X[None], K)[0],
    cases=lambda: [("2 个输入通道、3×3 核", (_rand(2, 5, 5), _rand(3, 2, 3, 3, seed=1))),
                   ("高宽不同的核", (_rand(3, 4, 6), _rand(2, 3, 2, 3, seed=1))),
                   ("核与输入一样大", (_rand(1, 3, 3), _rand(2, 1, 3, 3, seed=1)))],
    mistakes=(Mistake(lambda X, K: F.conv2d(X[None], K.flip(2, 3))[0], FLIP_HINT),),
    hint="F.unfold(X[None], (k_h, k_w)) 得到 (c_i·k_h·k_w, o_h·o_w) 的矩阵，左乘 K.reshape(c_o, -1)。")

# ------------------------------------------------------------------------------------ 6.5


def _pooling_behaviour(layer) -> dict:
    """What a pooling replacement does: its type and its output on a fixed input."""
    X = _rand(1, getattr(layer, "in_channels", 3), 6, 6)
    with torch.no_grad():
        return {"层的类型": type(layer).__name__, "输出": layer(X)}


def _avg_pool_conv(channels: int, pool_size: int) -> nn.Conv2d:
    conv = nn.Conv2d(channels, channels, pool_size, stride=pool_size, groups=channels, bias=False)
    nn.init.constant_(conv.weight, 1 / pool_size ** 2)
    return conv


def _avg_pool_conv_no_groups(channels: int, pool_size: int) -> nn.Conv2d:
    conv = nn.Conv2d(channels, channels, pool_size, stride=pool_size, bias=False)
    nn.init.constant_(conv.weight, 1 / pool_size ** 2)
    return conv


def _avg_pool_conv_no_stride(channels: int, pool_size: int) -> nn.Conv2d:
    conv = nn.Conv2d(channels, channels, pool_size, groups=channels, bias=False)
    nn.init.constant_(conv.weight, 1 / pool_size ** 2)
    return conv


CONV_NOT_POOL = "题目要的是一个卷积层（nn.Conv2d）：用常数核 1/(p·p)、groups=channels 表达平均汇聚，而不是调用汇聚本身。"
register(
    "6.5.1", title="把平均汇聚写成一个卷积层：返回一个 nn.Conv2d，它的输出等于 `nn.AvgPool2d(pool_size)`（步幅等于窗口）的输出；"
                   "每个通道单独汇聚（提示：`nn.Conv2d` 的 `groups` 参数）。",
    signature="avg_pool_conv(channels, pool_size)", doc="返回一个算出 pool_size×pool_size 平均汇聚的 nn.Conv2d。",
    reference=_avg_pool_conv, observe=_pooling_behaviour,
    cases=lambda: [("1 个通道、2×2 窗口", (1, 2)), ("3 个通道、2×2 窗口", (3, 2)), ("3 个通道、3×3 窗口", (3, 3))],
    mistakes=(Mistake(lambda channels, pool_size: nn.AvgPool2d(pool_size), CONV_NOT_POOL),
              Mistake(lambda channels, pool_size: (lambda X: F.avg_pool2d(X, pool_size)), CONV_NOT_POOL),
              Mistake(_avg_pool_conv_no_groups, "不加 groups 时每个输出通道把所有输入通道加在一起；"
                                                "用 groups=channels 让每个通道单独汇聚。"),
              Mistake(_avg_pool_conv_no_stride, "汇聚窗口互不重叠：步幅要等于窗口大小（stride=pool_size）。")),
    hint="nn.Conv2d(channels, channels, pool_size, stride=pool_size, groups=channels, bias=False)，"
         "再把权重全部设成 1/(p·p)。")

register(
    "6.5.2", title="最大值也能由线性运算和 ReLU 得到：只用加减和 ReLU 写出逐元素的 max(a, b)。",
    signature="max_via_relu(a, b)", doc="a, b: 形状相同的张量。返回它们逐元素的最大值。",
    reference=torch.maximum,
    cases=lambda: [("随机值", (_rand(5), _rand(5, seed=1))), ("全是负数", (-_rand(4).abs(), -_rand(4, seed=1).abs())),
                   ("a 与 b 相等", (_rand(3), _rand(3)))],
    mistakes=(Mistake(lambda a, b: F.relu(a) + F.relu(b), "ReLU(a) + ReLU(b) 在两个数都是负数时得 0，"
                                                         "而且两个都为正时是它们的和。想想 max(a, b) − b 等于什么。"),
              Mistake(lambda a, b: F.relu(a - b), "ReLU(a − b) 是 max(a, b) − b：还要把 b 加回来。")),
    hint="max(a, b) = b + max(a − b, 0)。")


def _pool_cost(c, h, w, p_h, p_w, s_h, s_w):
    o_h, o_w = conv_output_shape((h, w), (p_h, p_w), (p_h, p_w), (s_h, s_w))
    return c * o_h * o_w * p_h * p_w


register(
    "6.5.3", title="输入 c×h×w、窗口 p_h×p_w、每侧填充 (p_h, p_w)（PyTorch 的汇聚层不接受这么大的填充，这里只按公式计数）、"
                   "步幅 (s_h, s_w)：每个输出读 p_h·p_w 个数，一共读多少个数（记作运算次数）？",
    signature="pool_cost(c, h, w, p_h, p_w, s_h, s_w)", doc="返回 c · o_h · o_w · p_h · p_w（o_h、o_w 为输出的高和宽）。",
    reference=_pool_cost,
    cases=lambda: [("2×2 窗口、步幅 2", (3, 8, 8, 2, 2, 2, 2)), ("3×3 窗口、步幅 1、奇数输入", (1, 5, 7, 3, 3, 1, 1)),
                   ("步幅大于窗口", (2, 9, 9, 2, 2, 3, 3))],
    mistakes=(Mistake(lambda c, h, w, p_h, p_w, s_h, s_w: c * h * w * p_h * p_w,
                      "运算次数由输出的个数决定：先按填充和步幅算出输出形状。"),
              Mistake(lambda c, h, w, p_h, p_w, s_h, s_w: _pool_cost(1, h, w, p_h, p_w, s_h, s_w),
                      "汇聚对每个通道分别计算，别漏了通道数 c。")),
    hint="输出形状用卷积的公式：⌊(n + 2p − k) / s⌋ + 1，这里窗口 k 和填充 p 都等于 p_h（p_w）。")

register(
    "6.5.5", title="用已有的最大汇聚写出最小汇聚（步幅等于窗口）。",
    signature="min_pool(X, pool_size)", doc="X: (N, C, H, W)。返回 pool_size×pool_size 的最小汇聚（步幅等于窗口）。",
    reference=lambda X, pool_size: -F.max_pool2d(-X, pool_size),
    cases=lambda: [("批量为 1、单通道", (_rand(1, 1, 4, 4), 2)), ("2 个样本、3 个通道、3×3 窗口", (_rand(2, 3, 6, 6), 3)),
                   ("全是负数", (-_rand(1, 2, 4, 4).abs(), 2))],
    mistakes=(Mistake(lambda X, p: F.max_pool2d(-X, p), "min(x) = −max(−x)：最后还要再取一次负号。"),
              Mistake(lambda X, p: -F.max_pool2d(X, p), "min(x) = −max(−x)：输入也要先取负号。")),
    hint="min(x) = −max(−x)。")

# ------------------------------------------------------------------------------------ 6.6


def _lenet_flat(n, k1, p1, k2):
    o = conv_output_shape(n, k1, p1)[0] // 2
    return 16 * ((o - k2 + 1) // 2) ** 2


register(
    "6.6.2a", title="改变 LeNet 的卷积窗口：n×n 输入 → 卷积(6, k1, 填充 p1) → 2×2 平均汇聚 → 卷积(16, k2) → 2×2 平均汇聚，"
                    "展平后有多少个特征？（卷积(c, k, 填充 p) 指 c 个输出通道、k×k 的卷积核、步幅 1；尺寸为奇数时汇聚向下取整。）",
    signature="lenet_flat_features(n, k1, p1, k2)", doc="返回进入第一个全连接层的特征个数。",
    reference=_lenet_flat,
    cases=lambda: [("书中的设置", (28, 5, 2, 5)), ("3×3 的窗口", (28, 3, 1, 3)), ("奇数尺寸（汇聚时丢掉一行）", (29, 5, 2, 4))],
    mistakes=(Mistake(lambda n, k1, p1, k2: 16 * ((((n + 2 * p1 - k1 + 1) / 2) - k2 + 1) / 2) ** 2, FLOOR_HINT),
              Mistake(lambda n, k1, p1, k2: ((conv_output_shape(n, k1, p1)[0] // 2 - k2 + 1) // 2) ** 2,
                      "展平时要乘上通道数 16。")),
    hint="逐层用 ⌊(n + 2p − k) / s⌋ + 1；2×2 汇聚的步幅是 2。")

def _conv_params(c_i, c_o, k):
    return c_o * (c_i * k * k + 1)


register(
    "6.6.2b", title="输入 c_i 个通道、输出 c_o 个通道的 k×k 卷积层（含偏置）有多少个参数？",
    signature="conv_params(c_i, c_o, k)", doc="返回权重和偏置的个数之和。",
    reference=_conv_params,
    cases=lambda: [("LeNet 第一层", (1, 6, 5)), ("LeNet 第二层", (6, 16, 5)), ("1×1 卷积", (8, 4, 1))],
    mistakes=(Mistake(lambda c_i, c_o, k: c_o * c_i * k * k, "每个输出通道还有一个偏置。"),
              Mistake(lambda c_i, c_o, k: c_o * (k * k + 1), "每个输出通道对每个输入通道都有一个 k×k 的核，别漏了 c_i。")),
    hint="权重形状是 (c_o, c_i, k, k)，偏置形状是 (c_o,)。")


def _lenet_params(c1, c2, flat=None, conv2_inputs=None, bias=1):
    """LeNet (1×28×28 input, 10 classes) whose two convolutions have c1 and c2 output channels; the keyword
    arguments give wrong versions (a fixed 400 flat features, conv2 seeing one input channel, no biases)."""
    flat = c2 * 5 * 5 if flat is None else flat
    conv2_inputs = c1 if conv2_inputs is None else conv2_inputs
    return (c1 * (1 * 25 + bias) + c2 * (conv2_inputs * 25 + bias)
            + 120 * (flat + bias) + 84 * (120 + bias) + 10 * (84 + bias))


register(
    "6.6.2c", title="只改 LeNet 的输出通道数：两个 5×5 卷积层输出 c1、c2 个通道（书中是 6 和 16），其余不变"
                    "（输入 1×28×28，全连接层 120、84、10），一共有多少个参数（含偏置）？",
    signature="lenet_params(c1, c2)", doc="返回整个网络的参数个数（权重和偏置）。",
    reference=_lenet_params,
    cases=lambda: [("书中的通道数", (6, 16)), ("通道数加倍", (12, 32)), ("很窄的网络", (1, 2))],
    mistakes=(Mistake(lambda c1, c2: _lenet_params(c1, c2, flat=400),
                      "第一个全连接层的输入是 c2·5·5 个特征：第二个卷积层的输出通道变了，它也跟着变。"),
              Mistake(lambda c1, c2: _lenet_params(c1, c2, conv2_inputs=1),
                      "第二个卷积层的每个输出通道对 c1 个输入通道各有一个 5×5 的核，别漏了 c1。"),
              Mistake(lambda c1, c2: _lenet_params(c1, c2, bias=0), "每个卷积层和全连接层还有偏置：每个输出通道（单元）一个。")),
    hint="逐层相加：卷积层 c_o·(c_i·5·5 + 1)（6.6.2b），全连接层 out·(in + 1)；展平后有 c2·5·5 个特征。")
