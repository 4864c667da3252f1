"""Checks for chapter 7 (modern CNNs): the computable parts of the exercises (sizes, counts, BN)."""
from __future__ import annotations

import torch

from ..conv import conv_output_shape
from . import Mistake, register


def _rand(*shape: int, seed: int = 0) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed))


BIAS_HINT = "每个输出单元（通道）还有一个偏置。"

# ------------------------------------------------------------------------------------ 7.1
register(
    "7.1.4a", title="书中的 AlexNet（1×224×224 输入）：第一个全连接层 nn.Linear(6400, 4096) 有多少个参数？",
    signature="answer_7_1_4a", doc="一个整数", reference=6400 * 4096 + 4096,
    mistakes=(Mistake(6400 * 4096, BIAS_HINT),
              Mistake(9216 * 4096 + 4096, "书中的第一个卷积层有填充 1，最后的特征图是 256×5×5，不是论文里的 256×6×6。")),
    hint="全连接层的参数 = 输入个数 × 输出个数 + 输出个数。")

register(
    "7.1.3", title="批量大小与显存：一批 batch 个 c×h×w 的 float32 特征图（激活值）占多少字节？",
    signature="activation_bytes(batch, c, h, w)", doc="返回字节数（每个元素是 float32）。",
    reference=lambda batch, c, h, w: 4 * batch * c * h * w,
    cases=lambda: [("AlexNet 第一层的输出、批量 128", (128, 96, 54, 54)), ("批量为 1", (1, 256, 5, 5)),
                   ("单通道", (32, 1, 28, 28))],
    mistakes=(Mistake(lambda batch, c, h, w: batch * c * h * w, "一个 float32 占 4 个字节。"),
              Mistake(lambda batch, c, h, w: 4 * c * h * w, "批量里的每个样本都有自己的激活值：乘上 batch。")),
    hint="元素个数 × 每个元素的字节数。")

# ------------------------------------------------------------------------------------ 7.2
VGG = {11: ((1, 64), (1, 128), (2, 256), (2, 512), (2, 512)),
       16: ((2, 64), (2, 128), (3, 256), (3, 512), (3, 512)),
       19: ((2, 64), (2, 128), (4, 256), (4, 512), (4, 512))}

register(
    "7.2.4", title="按 VGG 论文的表 1 写出 VGG-11/16/19 的 conv_arch：5 个块各自的 (卷积层数, 输出通道数)。",
    signature="vgg_conv_arch(depth)", doc="depth: 11、16 或 19。返回 5 个 (卷积层数, 输出通道数) 组成的元组。",
    reference=lambda depth: VGG[depth],
    cases=lambda: [("VGG-11", (11,)), ("VGG-16", (16,)), ("VGG-19", (19,))],
    mistakes=(Mistake(lambda depth: VGG[11], "不同深度的 VGG 块里卷积层数不同：卷积层总数 = 深度 − 3（最后 3 个全连接层）。"),),
    hint="卷积层总数 = 深度 − 3；通道数在各种深度下都是 64、128、256、512、512。")

register(
    "7.2.3", title="输入改成 96×96（VGG-11，原始通道数）：第一个全连接层的输入有多少个特征？",
    signature="answer_7_2_3", doc="一个整数", reference=512 * 3 * 3,
    mistakes=(Mistake(512 * 7 * 7, "这是 224×224 输入时的数目：5 个块各把高宽减半，96 像素最后剩下多少？"),
              Mistake(512 * 6 * 6, "5 个块各有一个汇聚层，高宽一共减半 5 次。")),
    hint="最后一块输出 512 个通道；高宽 = 96 / 2⁵。")

# ------------------------------------------------------------------------------------ 7.3
register(
    "7.3.3a", title="一个 NiN 块（k×k 卷积 + 两个 1×1 卷积，都带偏置）有多少个参数？",
    signature="nin_block_params(c_in, c_out, k)", doc="返回权重和偏置的个数之和。",
    reference=lambda c_in, c_out, k: c_out * (c_in * k * k + 1) + 2 * c_out * (c_out + 1),
    cases=lambda: [("第一块", (1, 96, 11)), ("最后一块", (384, 10, 3)), ("1×1 的主卷积", (8, 4, 1))],
    mistakes=(Mistake(lambda c_in, c_out, k: c_out * c_in * k * k + 2 * c_out * c_out, BIAS_HINT),
              Mistake(lambda c_in, c_out, k: c_out * (c_in * k * k + 1) + c_out * (c_out + 1),
                      "NiN 块里有两个 1×1 卷积层。")),
    hint="卷积层参数 = c_o·(c_i·k·k + 1)；两个 1×1 卷积的输入输出通道都是 c_out。")

register(
    "7.3.0", title="书中的 NiN（4 个 NiN 块、3 个 3×3 步幅 2 的最大汇聚）能接受的最小输入边长是多少？",
    signature="answer_7_3_0", doc="一个整数", reference=67,
    mistakes=(Mistake(35, "三个最大汇聚层都要算进去：最后一个汇聚层的输入也至少要 3×3。"),
              Mistake(11, "第一个卷积核 11×11 放得下还不够：后面每个 3×3 的汇聚窗口也要放得下。")),
    hint="从最后往前推：每个 3×3、步幅 2 的汇聚需要输入至少 3；步幅 4 的 11×11 卷积要输出 o 个值，输入至少 11 + 4(o − 1)。")

# ------------------------------------------------------------------------------------ 7.4
register(
    "7.4.2", title="书中的 GoogLeNet 能运行（不报错）的最小输入边长是多少？",
    signature="answer_7_4_2", doc="一个整数", reference=1,
    mistakes=(Mistake(32, "改变高宽的 5 个步幅 2 的层都带填充，输出是 ⌈n/2⌉，不会变成 0。"),
              Mistake(96, "96 是书中为了缩短训练时间（代替 224）而选的输入尺寸，不是能运行的最小尺寸。")),
    hint="步幅 2、k = 2p + 1 的层把 n 变成 ⌈n/2⌉；其余层保持大小。")


def _inception_params(c_in, c1, c2, c3, c4):
    return (c1 * (c_in + 1) + c2[0] * (c_in + 1) + c2[1] * (9 * c2[0] + 1)
            + c3[0] * (c_in + 1) + c3[1] * (25 * c3[0] + 1) + c4 * (c_in + 1))


register(
    "7.4.3", title="Inception 块的参数个数（四条路径，都带偏置）。",
    signature="inception_params(c_in, c1, c2, c3, c4)",
    doc="c2 = (1×1 卷积的通道数, 3×3 卷积的通道数)，c3 = (1×1 卷积的通道数, 5×5 卷积的通道数)。返回参数个数。",
    reference=_inception_params,
    cases=lambda: [("书中第一个 Inception 块", (192, 64, (96, 128), (16, 32), 32)),
                   ("最后一个 Inception 块", (832, 384, (192, 384), (48, 128), 128)), ("小的块", (4, 1, (2, 3), (1, 2), 1))],
    mistakes=(Mistake(lambda c_in, c1, c2, c3, c4: c1 * (c_in + 1) + c2[1] * (9 * c_in + 1) + c3[1] * (25 * c_in + 1)
                      + c4 * (c_in + 1), "路径 2 和 3 先用 1×1 卷积把通道压到 c2[0]、c3[0]，3×3、5×5 卷积看到的是压缩后的通道。"),
              Mistake(lambda c_in, c1, c2, c3, c4: c1 * c_in + c2[0] * c_in + c2[1] * 9 * c2[0] + c3[0] * c_in
                      + c3[1] * 25 * c3[0] + c4 * c_in, BIAS_HINT)),
    hint="六个卷积层逐个算 c_o·(c_i·k·k + 1)；汇聚层没有参数。")

# ------------------------------------------------------------------------------------ 7.5
AXES_HINT = "卷积层的批量规范化对每个通道求一个均值和方差，统计范围是 (N, H, W) 三个轴：dim=(0, 2, 3)，keepdim=True。"
register(
    "7.5.0a", title="卷积层输出 X（N, C, H, W）上的批量规范化：求训练模式下使用的均值和方差（方差用有偏估计，即除以元素个数）。",
    signature="bn_stats(X)", doc="X: (N, C, H, W)。返回 (均值, 方差)，形状都是 (1, C, 1, 1)。",
    reference=lambda X: (X.mean(dim=(0, 2, 3), keepdim=True), X.var(dim=(0, 2, 3), unbiased=False, keepdim=True)),
    cases=lambda: [("4 个样本、3 个通道", (_rand(4, 3, 2, 2),)), ("批量为 1", (_rand(1, 2, 3, 3),)),
                   ("单通道、高宽不同", (_rand(2, 1, 4, 5),))],
    mistakes=(Mistake(lambda X: (X.mean(dim=0, keepdim=True), X.var(dim=0, unbiased=False, keepdim=True)), AXES_HINT),
              Mistake(lambda X: (X.mean(dim=(2, 3), keepdim=True), X.var(dim=(2, 3), unbiased=False, keepdim=True)),
                      "对每个样本分别统计是实例规范化；批量规范化还要跨批量（dim=0）统计。"),
              Mistake(lambda X: (X.mean(dim=(0, 2, 3), keepdim=True), X.var(dim=(0, 2, 3), keepdim=True)),
                      "规范化用的是有偏方差（除以元素个数 m，不是 m − 1）：unbiased=False。")),
    hint="X.mean(dim=(0, 2, 3), keepdim=True)；方差同理，用有偏方差。")

register(
    "7.5.0b", title="书中的移动平均 momentum=0.9，对应 nn.BatchNorm2d 的 momentum 取多少？",
    signature="answer_7_5_0b", doc="一个数", reference=0.1,
    mistakes=(Mistake(0.9, "PyTorch 的 momentum 是新统计量的权重，书中的 momentum 是旧的移动平均的权重：两者之和为 1。"),),
    hint="书中：moving = m·moving + (1 − m)·batch；PyTorch：running = (1 − m)·running + m·batch。")

register(
    "7.5.0c", title="按 PyTorch 的约定（nn.BatchNorm 的 momentum）更新一次移动平均。",
    signature="update_running(running, batch_value, momentum)", doc="返回更新后的移动平均。",
    reference=lambda running, batch_value, momentum: (1 - momentum) * running + momentum * batch_value,
    cases=lambda: [("默认 momentum=0.1", (_rand(3), _rand(3, seed=1), 0.1)),
                   ("momentum=0.5", (_rand(2), _rand(2, seed=1), 0.5)),
                   ("momentum=1：只用当前批量", (_rand(4), _rand(4, seed=1), 1.0))],
    mistakes=(Mistake(lambda running, batch_value, momentum: momentum * running + (1 - momentum) * batch_value,
                      "这是书中的约定；PyTorch 的 momentum 是当前批量统计量的权重（= 1 − 书中的 momentum）。"),),
    hint="running = (1 − momentum)·running + momentum·batch_value。")

register(
    "7.5.1", title="卷积层后紧跟批量规范化（训练模式）时，卷积层的偏置会改变 BN 的输出吗？填 True 或 False。",
    signature="answer_7_5_1", doc="True 或 False", reference=False,
    mistakes=(Mistake(True, "偏置对同一个通道的所有元素加同一个常数，BN 减去均值时把它正好减掉了。"),),
    hint="对每个通道加一个常数 b：均值变成 μ + b，方差不变；规范化后是什么？")

# ------------------------------------------------------------------------------------ 7.6
register(
    "7.6.0", title="残差块（3×3 卷积、填充 1、第一个卷积的步幅为 strides，需要时捷径上用 1×1 卷积）输出的形状。",
    signature="residual_output_shape(c, h, w, num_channels, strides)", doc="返回 (通道数, 高, 宽)。",
    reference=lambda c, h, w, num_channels, strides: (num_channels, *conv_output_shape((h, w), 3, 1, strides)),
    cases=lambda: [("保持形状", (64, 8, 8, 64, 1)), ("通道加倍、步幅 2", (64, 8, 8, 128, 2)),
                   ("奇数高宽、步幅 2", (3, 7, 9, 6, 2))],
    mistakes=(Mistake(lambda c, h, w, num_channels, strides: (num_channels, h // strides, w // strides),
                      "3×3、填充 1、步幅 2 的卷积把 7 变成 4（⌊(7 + 2 − 3)/2⌋ + 1），不是 7 // 2。"),
              Mistake(lambda c, h, w, num_channels, strides: (c, *conv_output_shape((h, w), 3, 1, strides)),
                      "输出通道数是 num_channels：主路径的卷积改变了通道数，捷径的 1×1 卷积跟着改。")),
    hint="每个维度用 ⌊(n + 2p − k)/s⌋ + 1；通道数由卷积的输出通道决定。")

register(
    "7.6.2", title="ResNet-34 的四个阶段各有几个残差块？",
    signature="answer_7_6_2", doc="四个整数组成的元组", reference=(3, 4, 6, 3),
    mistakes=(Mistake((2, 2, 2, 2), "这是 ResNet-18。ResNet-34 的阶段里块更多：见论文表 1。"),),
    hint="ResNet-34 有 1 + 2·(块数之和) + 1 = 34 层（含第一个卷积层和最后的全连接层）。")

register(
    "7.6.3", title="瓶颈块（1×1 降维 → 3×3 → 1×1 升维，不计偏置、BN 和捷径）有多少个卷积权重？",
    signature="bottleneck_params(c_in, c_mid, c_out)", doc="返回卷积权重的个数。",
    reference=lambda c_in, c_mid, c_out: c_in * c_mid + 9 * c_mid * c_mid + c_mid * c_out,
    cases=lambda: [("ResNet-50 第一阶段", (256, 64, 256)), ("升维的块", (64, 64, 256)), ("很窄的块", (4, 1, 4))],
    mistakes=(Mistake(lambda c_in, c_mid, c_out: c_in * c_mid + c_mid * c_mid + c_mid * c_out, "中间的卷积是 3×3：乘 9。"),),
    hint="三个卷积：c_in·c_mid·1·1、c_mid·c_mid·3·3、c_mid·c_out·1·1。")

# ------------------------------------------------------------------------------------ 7.7
register(
    "7.7.0a", title="输入 c_in 个通道、有 num_convs 个卷积块、增长率为 growth_rate 的稠密块：输出有多少个通道？",
    signature="dense_block_channels(c_in, num_convs, growth_rate)", doc="返回输出通道数。",
    reference=lambda c_in, num_convs, growth_rate: c_in + num_convs * growth_rate,
    cases=lambda: [("书中的第一个稠密块", (64, 4, 32)), ("一个卷积块", (3, 1, 10)), ("增长率 1", (8, 5, 1))],
    mistakes=(Mistake(lambda c_in, num_convs, growth_rate: num_convs * growth_rate,
                      "稠密块把输入也连结在输出里：别漏了 c_in。"),
              Mistake(lambda c_in, num_convs, growth_rate: c_in + growth_rate,
                      "每个卷积块都再连结 growth_rate 个通道，一共 num_convs 次。")),
    hint="每个卷积块把 growth_rate 个新通道连结到它的输入上。")

register(
    "7.7.0b", title="过渡层（1×1 卷积把通道减半、2×2 步幅 2 的平均汇聚）输出的形状。",
    signature="transition_output_shape(c, h, w)", doc="返回 (通道数, 高, 宽)。",
    reference=lambda c, h, w: (c // 2, h // 2, w // 2),
    cases=lambda: [("偶数", (128, 8, 8)), ("奇数高宽", (96, 7, 5)), ("高宽为 2", (10, 2, 2))],
    mistakes=(Mistake(lambda c, h, w: (c // 2, (h + 1) // 2, (w + 1) // 2), "没有填充的 2×2、步幅 2 汇聚向下取整，最后多出的一行（列）被丢掉。"),
              Mistake(lambda c, h, w: (c, h // 2, w // 2), "过渡层的 1×1 卷积把通道数减半。")),
    hint="汇聚的输出形状：⌊(n − 2)/2⌋ + 1。")

register(
    "7.7.4", title="DenseNet-121 的四个稠密块各有几个卷积块（论文表 1；论文的卷积块是 1×1 卷积接 3×3 卷积的瓶颈块，"
                    "不是本节只有一个 3×3 卷积的 conv_block）？",
    signature="answer_7_7_4", doc="四个整数组成的元组", reference=(6, 12, 24, 16),
    mistakes=(Mistake((4, 4, 4, 4), "这是书中缩小的版本；DenseNet-121 的块大小各不相同，见论文表 1。"),),
    hint="121 = 1 + 2·(块大小之和) + 3（过渡层）+ 1；每个卷积块含 1×1 和 3×3 两个卷积。")
