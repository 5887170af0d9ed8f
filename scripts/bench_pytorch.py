#!/usr/bin/python3
"""PyTorch eager baseline for `dresnet bench`: the same measurements on the
same device (the CPU, or the GPU with --device cuda), with torchvision's models.

Training throughput: SGD momentum steps (forward, cross-entropy, backward,
update) on a random batch; img/s = batch * steps / seconds. Inference latency:
batch-1 forward in eval mode under no_grad, median of the runs, with each batch
norm folded into the convolution before it (torch.nn.utils.fusion, as `dresnet
bench` folds its models). Peak RSS: the
process's VmHWM after both, as src/measure reads ours (one model per process,
as `dresnet bench` runs it, makes it that model's). Called by src/measure/pytorch.ts. Prints one JSON
object on stdout: {"torch_version": ..., "threads": ..., "models": {name: {...}}}.
Models without a torchvision counterpart (dresnet) are reported as skipped.

Needs torch and torchvision: Debian's python3-torch and python3-torchvision
(/usr/bin/python3) on CPU, or any PyTorch install (dresnet bench --python).
"""
import argparse
import contextlib
import json
import re
import resource
import statistics
import sys
import time

import torch
import torch.nn.utils.fusion
import torchvision


def peak_rss_mib():
    """VmHWM of this process, as src/measure/memory.ts reads ours: not
    ru_maxrss, which Linux carries across fork and exec from the parent."""
    try:
        with open('/proc/self/status') as f:
            return int(re.search(r'^VmHWM:\s+(\d+) kB$', f.read(), re.M).group(1)) / 1024
    except (OSError, AttributeError):
        # ru_maxrss is in KiB on Linux.
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(name, classes):
    factories = {
        'resnet18': torchvision.models.resnet18,
        'resnet50': torchvision.models.resnet50,
        'mobilenet_v2': torchvision.models.mobilenet_v2,
        'shufflenet_v2': torchvision.models.shufflenet_v2_x1_0,
    }
    factory = factories.get(name)
    return factory(num_classes=classes) if factory else None


def train_throughput(model, size, batch, classes, warmup, steps, channels_last, device):
    model.train()
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = torch.randn(batch, 3, size, size, device=device)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, classes, (batch,), device=device)
    loss_fn = torch.nn.CrossEntropyLoss()

    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(warmup):
        step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    seconds = time.perf_counter() - start
    return batch * steps / seconds, seconds / steps


def fold_batch_norms(module):
    """Folds every BatchNorm2d registered right after a Conv2d in the same
    parent into that conv, and replaces it by Identity. torchvision's ResNet,
    MobileNet v2 and ShuffleNet v2 register them in the order their forward
    calls them; latency_ms checks that the outputs did not change."""
    children = list(module.named_children())
    for (conv_name, conv), (bn_name, bn) in zip(children, children[1:]):
        if isinstance(conv, torch.nn.Conv2d) and isinstance(bn, torch.nn.BatchNorm2d):
            setattr(module, conv_name, torch.nn.utils.fusion.fuse_conv_bn_eval(conv, bn))
            setattr(module, bn_name, torch.nn.Identity())
    for _, child in children:
        fold_batch_norms(child)


@contextlib.contextmanager
def exact_float32():
    """TF32 off while checking the fold (PyTorch's cuDNN convolutions use it by
    default, and its 1e-3 rounding would hide a wrong fold or fail a right one)."""
    saved = torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32
    torch.backends.cudnn.allow_tf32 = torch.backends.cuda.matmul.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cudnn.allow_tf32, torch.backends.cuda.matmul.allow_tf32 = saved


def latency_ms(model, size, warmup, runs, channels_last, device):
    model.eval()
    x = torch.randn(1, 3, size, size, device=device)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    with torch.no_grad(), exact_float32():
        # Non-trivial running statistics, so that the check below could fail.
        for m in model.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 1.5)
        want = model(x)
        fold_batch_norms(model)
        got = model(x)
        if any(isinstance(m, torch.nn.BatchNorm2d) for m in model.modules()) or \
                not torch.allclose(got, want, rtol=1e-4, atol=1e-4 * want.abs().max().item()):
            raise RuntimeError('folding the batch norms changed the model')
    times = []
    with torch.no_grad():
        for i in range(warmup + runs):
            start = time.perf_counter()
            # .cpu() waits for the GPU, as the tfjs side's dataSync does.
            model(x).cpu()
            if i >= warmup:
                times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--models', default='resnet50,mobilenet_v2,shufflenet_v2,dresnet')
    p.add_argument('--size', type=int, default=128)
    p.add_argument('--batch', type=int, default=32)
    p.add_argument('--threads', type=int, default=2)
    p.add_argument('--classes', type=int, default=1000)
    p.add_argument('--warmup', type=int, default=1)
    p.add_argument('--steps', type=int, default=3)
    p.add_argument('--latency-runs', type=int, default=20)
    p.add_argument('--latency-warmup', type=int, default=20)
    p.add_argument('--device', default='cpu', help='cpu or cuda')
    p.add_argument('--channels-last', action='store_true', help='run PyTorch in channels_last too (default: its NCHW default)')
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    out = {'torch_version': torch.__version__, 'threads': torch.get_num_threads(), 'device': args.device, 'models': {}}
    if args.device == 'cuda':
        out['gpu'] = torch.cuda.get_device_name(0)
    for name in args.models.split(','):
        model = build(name, args.classes)
        if model is None:
            out['models'][name] = {'skipped': 'no torchvision counterpart'}
            continue
        model = model.to(args.device)
        if args.channels_last:
            model = model.to(memory_format=torch.channels_last)
        img_s, step_s = train_throughput(model, args.size, args.batch, args.classes, args.warmup, args.steps,
                                         args.channels_last, args.device)
        lat = latency_ms(model, args.size, args.latency_warmup, args.latency_runs, args.channels_last, args.device)
        out['models'][name] = {'train_img_s': img_s, 'step_s': step_s, 'latency_ms': lat, 'peak_rss_mib': peak_rss_mib()}
        print(f'pytorch {name}: {img_s:.1f} img/s, batch-1 latency {lat:.2f} ms', file=sys.stderr)
    json.dump(out, sys.stdout)


if __name__ == '__main__':
    main()
