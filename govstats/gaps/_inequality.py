"""Array kernels for weighted Theil and Gini decompositions.

Notation (Dagum 1997; Shorrocks 1980): ``y`` incomes, ``w`` weights, ``W = sum w``,
``mu = sum w y / W``; group ``j`` has weight ``W_j``, mean ``mu_j``, population share
``p_j = W_j / W`` and income share ``s_j = W_j mu_j / (W mu)``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["abs_diff_sums", "gini_components", "theil_components"]


def theil_components(
    y: np.ndarray, w: np.ndarray, codes: np.ndarray, n_groups: int, *, want_l: bool
) -> np.ndarray:
    """Theil T (GE(1)) and, if ``want_l``, Theil L (GE(0)) with their group split.

    Parameters
    ----------
    y, w : (n,) incomes (>= 0; > 0 when ``want_l``) and weights (>= 0).
    codes : (n,) int group code 0..n_groups-1.

    Returns
    -------
    numpy.ndarray
        ``[T, T_within, T_between, T_0..T_{G-1}]`` followed, if ``want_l``, by the same
        for L. ``T = sum_g s_g T_g + sum_g s_g ln(mu_g/mu)``;
        ``L = sum_g p_g L_g + sum_g p_g ln(mu/mu_g)``.
    """
    W = w.sum()
    mu = (w @ y) / W
    Wg = np.bincount(codes, weights=w, minlength=n_groups)
    Sg = np.bincount(codes, weights=w * y, minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        mug = Sg / Wg
    pos = y > 0
    ylny = np.zeros_like(y)
    ylny[pos] = y[pos] * np.log(y[pos])
    # T_g = (1/(W_g mu_g)) sum w y ln y - ln mu_g, written with sums to stay exact per group
    sum_ylny = np.bincount(codes, weights=w * ylny, minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        t_g = sum_ylny / Sg - np.log(mug)
    # a group whose members all have zero income has no inequality inside it
    t_g[(Wg > 0) & (Sg == 0)] = 0.0
    t_all = (w @ ylny) / (W * mu) - np.log(mu)
    s_g = Sg / (W * mu)
    p_g = Wg / W
    keep = Wg > 0
    t_within = float(np.sum(s_g[keep] * t_g[keep]))
    with np.errstate(divide="ignore"):
        log_ratio = np.where(mug[keep] > 0, np.log(np.where(mug[keep] > 0, mug[keep], 1.0) / mu), 0)
    t_between = float(np.sum(s_g[keep] * log_ratio))
    out = [np.array([t_all, t_within, t_between]), t_g]
    if want_l:
        lny = np.log(y)
        sum_lny = np.bincount(codes, weights=w * lny, minlength=n_groups)
        with np.errstate(invalid="ignore", divide="ignore"):
            l_g = np.log(mug) - sum_lny / Wg
        l_all = np.log(mu) - (w @ lny) / W
        l_within = float(np.sum(p_g[keep] * l_g[keep]))
        l_between = float(np.sum(p_g[keep] * np.log(mu / mug[keep])))
        out += [np.array([l_all, l_within, l_between]), l_g]
    return np.concatenate(out)


def abs_diff_sums(
    ya: np.ndarray, wa: np.ndarray, yb: np.ndarray, wb: np.ndarray
) -> tuple[float, float]:
    """Weighted sums of absolute and of positive differences between two sets.

    Returns ``(sum_ab w_a w_b |y_a - y_b|, sum_{y_a > y_b} w_a w_b (y_a - y_b))`` in
    O((n_a + n_b) log n_b) using cumulative sums over the sorted second set.
    """
    order = np.argsort(yb, kind="stable")
    ys = yb[order]
    ws = wb[order]
    cum_w = np.concatenate([[0.0], np.cumsum(ws)])
    cum_s = np.concatenate([[0.0], np.cumsum(ws * ys)])
    k = np.searchsorted(ys, ya, side="left")  # number of b strictly below each a
    below_w = cum_w[k]
    below_s = cum_s[k]
    positive = float(wa @ (ya * below_w - below_s))
    negative = float(wa @ ((cum_s[-1] - below_s) - ya * (cum_w[-1] - below_w)))
    return positive + negative, positive


def gini_components(y: np.ndarray, w: np.ndarray, codes: np.ndarray, n_groups: int) -> np.ndarray:
    """Gini coefficient with Dagum's (1997) decomposition.

    Returns
    -------
    numpy.ndarray
        ``[G, G_within, G_net_between, G_transvariation, G_jj for every group,
        G_jh for every pair j < h, D_jh for every pair j < h]``. ``G_jh`` is the
        between-group Gini ``sum w_i w_r |y_i - y_r| / (W_j W_h (mu_j + mu_h))`` and
        ``D_jh = (d_jh - p_jh) / (d_jh + p_jh)`` the relative economic affluence (sign
        follows the richer group), so that ``G = G_w + G_nb + G_t`` exactly.
    """
    W = w.sum()
    mu = (w @ y) / W
    total, _ = abs_diff_sums(y, w, y, w)
    gini = total / (2 * W * W * mu)
    idx = [np.flatnonzero(codes == g) for g in range(n_groups)]
    Wg = np.array([w[i].sum() for i in idx])
    mug = np.array([(w[i] @ y[i]) / Wg[g] if Wg[g] > 0 else np.nan for g, i in enumerate(idx)])
    p = Wg / W
    s = Wg * mug / (W * mu)
    g_jj = np.empty(n_groups)
    for g, i in enumerate(idx):
        sjj, _ = abs_diff_sums(y[i], w[i], y[i], w[i])
        # a group whose members all have zero income has no inequality inside it
        g_jj[g] = sjj / (2 * Wg[g] ** 2 * mug[g]) if Wg[g] > 0 and mug[g] > 0 else 0.0
    g_w = float(np.nansum(g_jj * p * s))
    g_jh, d_jh, g_nb, g_t = [], [], 0.0, 0.0
    for j in range(n_groups):
        for h in range(j + 1, n_groups):
            sjh, pos_jh = abs_diff_sums(y[idx[j]], w[idx[j]], y[idx[h]], w[idx[h]])
            gjh = sjh / (Wg[j] * Wg[h] * (mug[j] + mug[h]))
            neg_jh = sjh - pos_jh
            # d: mean positive gap from the richer group's side; p: the reverse
            d, q = (pos_jh, neg_jh) if mug[j] >= mug[h] else (neg_jh, pos_jh)
            djh = (d - q) / (d + q) if d + q > 0 else 0.0
            weight = p[j] * s[h] + p[h] * s[j]
            g_nb += gjh * weight * djh
            g_t += gjh * weight * (1 - djh)
            g_jh.append(gjh)
            d_jh.append(djh)
    return np.concatenate([[gini, g_w, g_nb, g_t], g_jj, g_jh, d_jh])
