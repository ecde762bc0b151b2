"""Throughput of the batched genaug image pipeline against Albumentations on the same images.

Pipeline (both libraries): horizontal flip (p=0.5) -> affine (rotate ±10°, translate ±10 %,
scale 0.9-1.1, zero fill, bilinear) -> brightness/contrast (±20 %) -> Gaussian noise
(std 0.01-0.05). genaug runs it on a whole (B, 3, H, W) batch at once: float32 in [0, 1], and
uint8 through :func:`genaug.ops.apply_uint8` (convert, augment, round back into the uint8
buffer). Albumentations runs it image by image on HWC numpy arrays (its native layout,
prepared beforehand and not timed) in float32 (the same data) and uint8 (its fast path).

Semantics differ slightly: Albumentations' RandomBrightnessContrast adds brightness and scales
contrast about 0, genaug multiplies brightness and blends contrast with the mean grey level; the
work per pixel is comparable.

Times are CPU seconds of this process per batch (``time.process_time``; one thread per library,
so on an idle machine this is the wall time and on a shared one it leaves out the waiting);
libraries are interleaved batch by batch; the table uses the median batch. ``--profile`` adds
where genaug's time goes (torch profiler, self CPU time per operator).

Usage:
    .venv/bin/pip install -c constraints.txt -e '.[bench]'   # albumentations==2.0.8 (bench only)
    .venv/bin/python benchmarks/bench_image_pipeline.py --profile      # 32, 64, 128, 224 px
    .venv/bin/python benchmarks/bench_image_pipeline.py --device cuda  # + genaug on the GPU (wall time)

With ``--device``, genaug's pipeline also runs on batches that live on that device (its
parameters, noise included, are drawn by the CPU generator and moved, as in training); every
row is then wall time per batch, so run it on an otherwise idle machine.

Numbers on a shared machine are noisy: compare the ratio within one run, not across runs.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
import torch

from genaug.ops import Affine, Color, Flip, GaussianNoise, Sequential
from genaug.rng import as_generator

try:
    from genaug.ops.compose import apply_uint8
except ImportError:  # genaug before apply_uint8 (for before/after runs): the same steps, unfused

    def apply_uint8(augmenter, batch, *, generator=None, out=None):  # type: ignore[no-redef]
        y = augmenter(batch.float() / 255.0, generator=generator)
        return out.copy_((y * 255.0 + 0.5).floor())


def genaug_pipeline() -> Sequential:
    """The benchmarked genaug pipeline."""
    return Sequential(augmenters=[
        Flip(horizontal=True, p=0.5),
        Affine(degrees=10.0, translate=0.1, scale=(0.9, 1.1)),
        Color(brightness=0.2, contrast=0.2),
        GaussianNoise(std=(0.01, 0.05)),
    ])


def albumentations_pipeline(seed: int):
    """The same pipeline in Albumentations (per image)."""
    import albumentations as A
    import cv2

    return A.Compose([
        A.HorizontalFlip(p=0.5),
        A.Affine(rotate=(-10, 10), translate_percent=(-0.1, 0.1), scale=(0.9, 1.1),
                 interpolation=cv2.INTER_LINEAR, border_mode=cv2.BORDER_CONSTANT, fill=0, p=1.0),
        A.RandomBrightnessContrast(brightness_limit=0.2, contrast_limit=0.2, p=1.0),
        A.GaussNoise(std_range=(0.01, 0.05), p=1.0),
    ], seed=seed)


def time_interleaved(
    fns: dict[str, Callable[[], object]], *, warmup: int, repeats: int,
    clock: Callable[[], float] = time.process_time,
) -> dict[str, list[float]]:
    """Seconds per call of each function, interleaved round by round after ``warmup`` rounds.

    Interleaving makes every library see the same background load on a shared machine.
    ``clock`` is CPU time by default; with an accelerator the run uses wall time
    (``time.perf_counter``), and the device functions synchronize before returning.
    """
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    times: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(repeats):
        for name, fn in fns.items():
            start = clock()
            fn()
            times[name].append(clock() - start)
    return times


def bench_size(size: int, args: argparse.Namespace) -> dict[str, list[float]]:
    """Seconds per batch (one entry per repeat) for each library at ``size`` x ``size``."""
    images = torch.rand(args.batch_size, 3, size, size, generator=as_generator(args.seed))
    images_u8 = (images * 255).round().to(torch.uint8)
    buffer_u8 = images_u8.clone()
    aug = genaug_pipeline()
    aug_gen = as_generator(args.seed + 1)

    def genaug_uint8() -> object:
        buffer_u8.copy_(images_u8)  # in place: the uint8 batch is overwritten (copy not timed apart)
        return apply_uint8(aug, buffer_u8, generator=aug_gen, out=buffer_u8)

    fns: dict[str, Callable[[], object]] = {
        "genaug_float32": lambda: aug(images, generator=aug_gen),
        "genaug_uint8": genaug_uint8,
    }
    try:
        alb = albumentations_pipeline(args.seed)
    except ImportError:
        print("albumentations is not installed: pip install -c constraints.txt -e '.[bench]'")
    else:
        hwc_float = [np.ascontiguousarray(im) for im in images.permute(0, 2, 3, 1).numpy()]
        hwc_uint8 = [np.ascontiguousarray(im) for im in images_u8.permute(0, 2, 3, 1).numpy()]
        fns["alb_float32"] = lambda: [alb(image=im)["image"] for im in hwc_float]
        fns["alb_uint8"] = lambda: [alb(image=im)["image"] for im in hwc_uint8]
    if args.device == "cpu":
        return time_interleaved(fns, warmup=args.warmup, repeats=args.repeats)
    device = torch.device(args.device)
    images_dev, images_u8_dev = images.to(device), images_u8.to(device)
    buffer_u8_dev = images_u8_dev.clone()

    def on_device(fn: Callable[[], object]) -> Callable[[], object]:
        def run() -> object:
            out = fn()
            if device.type == "cuda":
                torch.cuda.synchronize(device)
            return out
        return run

    def device_uint8() -> object:
        buffer_u8_dev.copy_(images_u8_dev)
        return apply_uint8(aug, buffer_u8_dev, generator=aug_gen, out=buffer_u8_dev)

    fns["device_float32"] = on_device(lambda: aug(images_dev, generator=aug_gen))
    fns["device_uint8"] = on_device(device_uint8)
    return time_interleaved(fns, warmup=args.warmup, repeats=args.repeats, clock=time.perf_counter)


def profile_size(size: int, args: argparse.Namespace, top: int = 6) -> list[tuple[str, float]]:
    """genaug's float32 pipeline at ``size``: (operator, share of self CPU time), largest first."""
    from torch.profiler import ProfilerActivity, profile

    images = torch.rand(args.batch_size, 3, size, size, generator=as_generator(args.seed))
    aug = genaug_pipeline()
    aug(images, generator=0)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        for i in range(3):
            aug(images, generator=i)
    events = sorted(prof.key_averages(), key=lambda e: e.self_cpu_time_total, reverse=True)
    total = sum(e.self_cpu_time_total for e in events) or 1.0
    return [(e.key, e.self_cpu_time_total / total) for e in events[:top]]


def primitive_costs(size: int, args: argparse.Namespace) -> dict[str, float]:
    """CPU nanoseconds per output value of the kernels a pipeline at ``size`` is made of.

    The floor any implementation built on them pays: torch's bilinear ``grid_sample`` (a
    rotation + scale grid, as the affine step uses), ``torch.randn`` / ``torch.rand`` (noise),
    and, when OpenCV is installed, ``cv2.warpAffine`` (float32 and uint8, what Albumentations
    calls) and ``cv2.randn`` (Albumentations' noise). Best of ``args.repeats`` calls.
    """
    b, c = args.batch_size, 3
    n = b * c * size * size
    gen = as_generator(args.seed)
    images = torch.rand(b, c, size, size, generator=gen)
    angle = torch.tensor(0.1)
    theta = torch.tensor([[angle.cos() * 0.95, -angle.sin(), 0.02], [angle.sin(), angle.cos() * 0.95, -0.03]])
    grid = torch.nn.functional.affine_grid(theta.expand(b, 2, 3), [b, c, size, size], align_corners=False)

    def best_ns(fn: Callable[[], object]) -> float:
        fn()
        times = []
        for _ in range(args.repeats):
            start = time.process_time()
            fn()
            times.append(time.process_time() - start)
        return min(times) / n * 1e9

    costs = {
        "torch grid_sample (bilinear, float32)": best_ns(
            lambda: torch.nn.functional.grid_sample(images, grid, align_corners=False)),
        "torch.randn (float32)": best_ns(lambda: torch.randn(b, c, size, size, generator=gen)),
        "torch.rand (float32)": best_ns(lambda: torch.rand(b, c, size, size, generator=gen)),
    }
    try:
        import cv2
    except ImportError:
        return costs
    matrix = theta.numpy().astype(np.float32)
    hwc = np.ascontiguousarray(images.permute(0, 2, 3, 1).numpy())
    hwc_u8 = (hwc * 255).round().astype(np.uint8)

    def cv_warp(batch: np.ndarray) -> None:
        out = np.empty_like(batch[0])
        for im in batch:
            cv2.warpAffine(im, matrix, (size, size), dst=out, flags=cv2.INTER_LINEAR,
                           borderMode=cv2.BORDER_CONSTANT)

    noise = np.empty((size, size * c), np.float32)

    def cv_randn() -> None:
        for _ in range(b):
            cv2.randn(noise, 0.0, 1.0)

    costs["cv2.warpAffine (bilinear, float32)"] = best_ns(lambda: cv_warp(hwc))
    costs["cv2.warpAffine (bilinear, uint8)"] = best_ns(lambda: cv_warp(hwc_u8))
    costs["cv2.randn (float32)"] = best_ns(cv_randn)
    return costs


def print_table(title: str, rows: list[tuple[int, dict[str, float]]]) -> None:
    """One row per size: images/second per library and the genaug/albumentations ratios."""
    columns = ("size", "genaug f32", "alb f32", "ratio", "genaug u8", "alb u8", "ratio", "f32/alb u8")
    widths = (7, 10, 8, 6, 10, 8, 6, 10)
    header = " | ".join(f"{c:>{w}}" for c, w in zip(columns, widths, strict=True))
    print(title)
    print(header)
    print("-" * len(header))
    nan = float("nan")
    for size, r in rows:
        gf, gu = r["genaug_float32"], r["genaug_uint8"]
        af, au = r.get("alb_float32", nan), r.get("alb_uint8", nan)
        cells = (f"{size}x{size}", f"{gf:.0f}", f"{af:.0f}", f"{gf / af:.2f}", f"{gu:.0f}", f"{au:.0f}",
                 f"{gu / au:.2f}", f"{gf / au:.2f}")
        print(" | ".join(f"{c:>{w}}" for c, w in zip(cells, widths, strict=True)))
        if "device_float32" in r:
            df, du = r["device_float32"], r["device_uint8"]
            print(f"{'':>7} | on the device: float32 {df:.0f} ({df / gf:.1f}x genaug CPU, "
                  f"{df / au:.1f}x alb u8), uint8 {du:.0f} ({du / gu:.1f}x genaug CPU)")
    print()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=10, help="timed batches per library and size")
    parser.add_argument("--warmup", type=int, default=3, help="untimed batches before timing")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--sizes", type=int, nargs="+", default=[32, 64, 128, 224],
                        help="square image sides")
    parser.add_argument("--profile", action="store_true", help="also print where genaug's time goes")
    parser.add_argument("--primitives", action="store_true",
                        help="also print CPU ns per value of the kernels (warp, noise) at the largest size")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch intra-op threads and OpenCV threads (same for both libraries)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu",
                        help="also run genaug on this device (e.g. cuda); every row then uses wall time")
    args = parser.parse_args(argv)

    torch.set_num_threads(args.threads)
    try:
        import cv2

        cv2.setNumThreads(args.threads)
        cv_version = cv2.__version__
        import albumentations

        alb_version = albumentations.__version__
    except ImportError:
        cv_version = alb_version = "not installed"
    import kornia

    print(f"torch {torch.__version__} (threads={torch.get_num_threads()}), kornia {kornia.__version__}, "
          f"albumentations {alb_version}, opencv {cv_version} (threads={args.threads})")
    print(f"batch={args.batch_size}, channels=3, float32 in [0, 1] and uint8, warmup={args.warmup}, "
          f"repeats={args.repeats} (libraries interleaved per repeat; "
          f"{'CPU' if args.device == 'cpu' else 'wall'} seconds per batch)\n")

    median_rows, best_rows = [], []
    for size in args.sizes:
        times = bench_size(size, args)
        median_rows.append((size, {k: args.batch_size / statistics.median(v) for k, v in times.items()}))
        best_rows.append((size, {k: args.batch_size / min(v) for k, v in times.items()}))
    print_table("images/second from the median batch time:", median_rows)
    print_table("images/second from the best batch time:", best_rows)
    print("ratio = genaug images/s / albumentations images/s on the same dtype (> 1: genaug is faster);")
    print("f32/alb u8 = genaug on float32 against Albumentations on uint8")
    if args.profile:
        print("\nwhere genaug's float32 time goes (share of self CPU time, top operators):")
        for size in args.sizes:
            shares = ", ".join(f"{name} {100 * share:.0f}%" for name, share in profile_size(size, args))
            print(f"  {size}x{size}: {shares}")
    if args.primitives:
        size = max(args.sizes)
        print(f"\nkernel floor at {size}x{size} (CPU ns per output value, best of {args.repeats}):")
        for name, ns in primitive_costs(size, args).items():
            print(f"  {name:<40} {ns:6.2f}")
        for name, t in dict(median_rows)[size].items():
            print(f"  whole pipeline, {name:<24} {1e9 / (t * 3 * size * size):6.2f}")


if __name__ == "__main__":
    main()
