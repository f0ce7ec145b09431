"""Whether a run fails, and why, in words every report can end with.

A run fails on findings at or above ``fail-on`` that the baseline does not record, on a score
under ``fail-under``, and, only when asked with ``fail-on-stale``, on stale baseline entries:
one appears exactly when recorded debt was paid, which should not break the build that paid it.
"""

from __future__ import annotations

from tfa_lint.baseline import StaleBaselineEntry
from tfa_lint.config import Config
from tfa_lint.engine import ScanResult
from tfa_lint.score import Scorecard


def gate(result: ScanResult, card: Scorecard, config: Config) -> tuple[str, ...]:
    """The reasons the run fails, each a short phrase; empty when it passes."""
    severities = {r.id: r.severity for r in result.rules}
    stale = [f for f in result.findings if f.rule == StaleBaselineEntry.id]
    failing = [f for f in result.findings
               if f.rule != StaleBaselineEntry.id and severities[f.rule].rank >= config.fail_on.rank]
    reasons = []
    if failing:
        levels = {"error": "error", "warning": "warning or error", "note": "note, warning or error"}
        noun = "finding" if len(failing) == 1 else "findings"
        reasons.append(f"{len(failing)} {noun} of severity {levels[config.fail_on.value]} (--fail-on "
                       f"{config.fail_on.value})")
    if stale and config.fail_on_stale:
        reasons.append(f"{len(stale)} stale baseline entr{'y' if len(stale) == 1 else 'ies'} (--fail-on-stale): "
                       "prune with --write-baseline")
    if config.fail_under is not None and card.overall is not None and card.overall < config.fail_under:
        reasons.append(f"score {card.overall} is under --fail-under {config.fail_under}")
    return tuple(reasons)


def failure_line(failures: tuple[str, ...], *, exit_zero: bool = False) -> str:
    """``failed: 3 findings of severity warning or error (--fail-on warning); score 23 is under
    --fail-under 90``: the last line of a failed run."""
    line = "failed: " + "; ".join(failures)
    return line + " (exit code 0: --exit-zero)" if exit_zero else line
