"""Toy benchmark results: per-method summaries over seeds, the table, gap closed, negative
transfer and the rank correlation of per-class mean M with the designed shift severity."""
import math
from typing import Dict, List, Sequence

import numpy as np
from scipy.stats import spearmanr

NEGATIVE_TRANSFER_MARGIN = 1.0  # IoU points below source-only (mean over seeds) that count


def summarise(results: List[Dict], methods: Sequence[str],
              present: Sequence[str]) -> Dict[str, Dict]:
    """Per method: per-class IoU mean/std over seeds; mIoU over ``present`` and over all 19."""
    summary = {}
    for method in methods:
        runs = [r for r in results if r['method'] == method]
        if not runs:
            raise ValueError(f'no results for method {method!r}')
        classes = list(runs[0]['class_iou'])
        per_seed = np.array([[r['class_iou'][c] for c in classes] for r in runs], dtype=float)
        in_val = np.array([c in present for c in classes])
        miou_present = np.nan_to_num(per_seed[:, in_val]).mean(axis=1)
        miou_all = np.nan_to_num(per_seed).mean(axis=1)
        summary[method] = dict(
            classes=classes, seeds=[r['seed'] for r in runs],
            iou_mean=np.nan_to_num(per_seed).mean(axis=0).tolist(),
            iou_std=np.nan_to_num(per_seed).std(axis=0).tolist(),
            miou_present_per_seed=miou_present.tolist(), miou_all_per_seed=miou_all.tolist(),
            miou_present=[float(miou_present.mean()), float(miou_present.std())],
            miou_all=[float(miou_all.mean()), float(miou_all.std())])
    if 'source-only' in summary and 'oracle' in summary:
        low, high = summary['source-only']['miou_present'][0], summary['oracle']['miou_present'][0]
        for s in summary.values():
            s['gap_closed'] = (s['miou_present'][0] - low) / (high - low) if high != low else None
    if 'source-only' in summary:
        base = np.asarray(summary['source-only']['iou_mean'])
        for method, s in summary.items():
            delta = np.asarray(s['iou_mean']) - base
            s['negative_transfer'] = {c: round(float(d), 1) for c, d, p in
                                      zip(s['classes'], delta, in_val_mask(s['classes'],
                                                                            present))
                                      if p and d < -NEGATIVE_TRANSFER_MARGIN and
                                      method != 'source-only'}
    return summary


def in_val_mask(classes: Sequence[str], present: Sequence[str]) -> List[bool]:
    """Whether each class has pixels in the target val labels."""
    return [c in present for c in classes]


def format_table(summary: Dict[str, Dict], present: Sequence[str]) -> str:
    """Per-class IoU (%) with methods side by side, mIoU rows, gap closed, negative transfer."""
    methods = list(summary)
    several = len(summary[methods[0]]['seeds']) > 1
    width = max(13 if several else 12, *(len(m) + 2 for m in methods))

    def cell(mean: float, std: float) -> str:
        text = f'{mean:.1f} ± {std:.1f}' if several else f'{mean:.1f}'
        return f'{text:>{width}}'

    lines = [f'{"class":<26}' + ''.join(f'{m:>{width}}' for m in methods)]
    for i, name in enumerate(summary[methods[0]]['classes']):
        label = name if name in present else f'{name} (absent)'
        lines.append(f'{label:<26}' + ''.join(
            cell(summary[m]['iou_mean'][i], summary[m]['iou_std'][i]) for m in methods))
    lines.append(f'{f"mIoU, {len(present)} classes present":<26}' + ''.join(
        cell(*summary[m]['miou_present']) for m in methods))
    lines.append(f'{"mIoU, all 19 (absent=0)":<26}' + ''.join(
        cell(*summary[m]['miou_all']) for m in methods))
    if all('gap_closed' in summary[m] for m in methods):
        gaps = [summary[m]['gap_closed'] for m in methods]
        lines.append(f'{"gap closed (src->oracle)":<26}' + ''.join(
            f'{"n/a" if g is None else f"{100 * g:.0f}%":>{width}}' for g in gaps))
    seeds = summary[methods[0]]['seeds']
    lines.append(f'(target val split; IoU in %; seeds {seeds}'
                 + ('; mean ± std over seeds)' if several else ')'))
    for method in methods:
        negative = summary[method].get('negative_transfer')
        if negative:
            lines.append(f'negative transfer, {method} (IoU vs source-only, < -'
                         f'{NEGATIVE_TRANSFER_MARGIN:g}): '
                         + ', '.join(f'{c} {d:+.1f}' for c, d in negative.items()))
        elif negative is not None and method != 'source-only':
            lines.append(f'negative transfer, {method}: none')
    return '\n'.join(lines)


def mechanism(mean_m: Dict[str, float], shift: Dict[str, Sequence]) -> Dict:
    """Spearman rank correlation of per-class mean M with the designed shift severity."""
    names = [n for n, m in mean_m.items() if not math.isnan(m)]
    severity = [float(shift[n][1]) for n in names]
    values = [mean_m[n] for n in names]
    if len(names) < 3 or len(set(severity)) < 2 or len(set(values)) < 2:
        rho, p_value = float('nan'), float('nan')
    else:
        rho, p_value = (float(v) for v in spearmanr(severity, values))
    return dict(classes=names, severity=severity, mean_m=values, spearman_rho=rho,
                p_value=p_value)
