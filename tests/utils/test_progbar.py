"""Progress bar output, checked as exact text (Keras 3 format)."""

from __future__ import annotations

import io
import re
import sys

import pytest

from jitnet.utils import progbar as progbar_module
from jitnet.utils.progbar import Progbar, format_eta, format_step_time, format_value

ANSI = re.compile(r"\x1b\[[0-9;]*m")
BAR20 = "━" * 20


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, t: float = 0.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


class FakeTTY(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture
def not_interactive(monkeypatch):
    """Make sure neither a Jupyter kernel nor PyCharm makes the display dynamic."""
    monkeypatch.delitem(sys.modules, "ipykernel", raising=False)
    monkeypatch.delenv("PYCHARM_HOSTED", raising=False)


def use_tty(monkeypatch) -> FakeTTY:
    """Make ``sys.stdout`` a fake terminal; call it in the test body, since
    pytest's capture resets ``sys.stdout`` after fixtures run."""
    stream = FakeTTY()
    monkeypatch.setattr(sys, "stdout", stream)
    return stream


# --------------------------------------------------------------- formatting
@pytest.mark.parametrize(
    "seconds, text",
    [(2.0, "2s/step"), (0.0, "0s/step"), (1.0, "1s/step"), (0.0042, "4ms/step"),
     (0.001, "1ms/step"), (0.000087, "87us/step"), (12.6, "13s/step")],
)  # fmt: skip
def test_format_step_time(seconds, text):
    assert format_step_time(seconds) == text


def test_format_step_time_unit_name():
    assert format_step_time(0.25, "sample") == "250ms/sample"


@pytest.mark.parametrize(
    "seconds, text",
    [(0.9, "0s"), (42.7, "42s"), (60.0, "60s"), (63.0, "1:03"), (119.9, "1:59"),
     (3663.0, "1:01:03")],
)  # fmt: skip
def test_format_eta(seconds, text):
    assert format_eta(seconds) == text


@pytest.mark.parametrize(
    "value, text",
    [(0.92544, "0.9254"), (0.26251, "0.2625"), (12.5, "12.5000"), (-0.5, "-0.5000"),
     (0.0005, "5.0000e-04"), (0.0, "0.0000e+00"), (-0.0005, "-5.0000e-04"),
     (0.001, "1.0000e-03"), (float("nan"), "nan")],
)  # fmt: skip
def test_format_value(value, text):
    assert format_value(value) == text


# ------------------------------------------------------------- not a tty
def test_verbose1_not_a_tty_prints_one_line_when_finalized(capsys, not_interactive):
    clock = Clock(0.0)
    bar = Progbar(469, clock=clock)
    clock.t = 0.5
    bar.update(1, [("accuracy", 0.5), ("loss", 1.0)])
    clock.t = 1.0
    bar.update(200, [("accuracy", 0.9), ("loss", 0.3)])
    assert capsys.readouterr().out == ""
    # (2.374 - 0.5) / 468 steps = 4.004 ms/step; the first step is left out.
    clock.t = 2.374
    bar.update(469, [("accuracy", 0.92544), ("loss", 0.26251),
                     ("val_accuracy", 0.96), ("val_loss", 0.13)])  # fmt: skip
    assert capsys.readouterr().out == (
        f"469/469 {BAR20} 2s 4ms/step - accuracy: 0.9254 - loss: 0.2625"
        " - val_accuracy: 0.9600 - val_loss: 0.1300\n"
    )


def test_verbose2_one_summary_line(capsys, not_interactive):
    clock = Clock(0.0)
    bar = Progbar(469, verbose=2, clock=clock)
    clock.t = 0.5
    bar.update(1, [("accuracy", 0.5), ("loss", 1.0)])
    assert capsys.readouterr().out == ""
    clock.t = 2.374
    bar.update(469, [("accuracy", 0.92544), ("loss", 0.26251)])
    assert capsys.readouterr().out == (
        "469/469 - 2s - 4ms/step - accuracy: 0.9254 - loss: 0.2625\n"
    )


def test_verbose2_on_a_tty_is_the_same_line(monkeypatch, not_interactive):
    tty = use_tty(monkeypatch)
    clock = Clock(0.0)
    bar = Progbar(10, verbose=2, clock=clock)
    clock.t = 65.0
    bar.update(10, [("loss", 0.0004)])
    # Without a step-1 update, time per step is elapsed / steps = 6.5 s.
    assert tty.getvalue() == "10/10 - 65s - 6s/step - loss: 4.0000e-04\n"


def test_count_is_padded_to_the_target_width(capsys, not_interactive):
    clock = Clock(0.0)
    bar = Progbar(100, verbose=2, clock=clock)
    clock.t = 0.05
    bar.update(7, [("loss", 0.5)], finalize=True)
    assert capsys.readouterr().out == "  7/100 - 0s - 7ms/step - loss: 0.5000\n"


def test_unknown_target(capsys, not_interactive):
    clock = Clock(0.0)
    bar = Progbar(None, clock=clock)
    clock.t = 1.0
    bar.update(7, [("loss", 0.5)])  # never finalizes by itself
    assert capsys.readouterr().out == ""
    bar.update(7, [("loss", 0.5)], finalize=True)
    assert capsys.readouterr().out == "      7/Unknown 1s 143ms/step - loss: 0.5000\n"


def test_verbose0_prints_nothing(capsys, monkeypatch, not_interactive):
    tty = use_tty(monkeypatch)
    bar = Progbar(3, verbose=0, clock=Clock())
    bar.update(3, [("loss", 1.0)])
    assert tty.getvalue() == ""


def test_writes_to_the_stdout_of_the_moment(monkeypatch, not_interactive):
    clock = Clock(0.0)
    bar = Progbar(2, verbose=2, clock=clock)
    later = io.StringIO()
    monkeypatch.setattr(sys, "stdout", later)
    bar.update(2, [("loss", 1.0)])
    assert later.getvalue() == "2/2 - 0s - 0s/step - loss: 1.0000\n"


def test_add_advances_from_the_last_step(capsys, not_interactive):
    clock = Clock(0.0)
    bar = Progbar(4, verbose=2, clock=clock)
    bar.add(2, [("loss", 1.0)])
    clock.t = 4.0
    bar.add(2, [("loss", 0.5)])
    # step 2 at t=0: no step-1 time, so 4 s / 4 steps.
    assert capsys.readouterr().out == "4/4 - 4s - 1s/step - loss: 0.5000\n"


# --------------------------------------------------------------- on a tty
def _plain(text: str) -> str:
    return ANSI.sub("", text)


def test_tty_first_draw_is_exact_keras_text(monkeypatch, not_interactive):
    tty = use_tty(monkeypatch)
    clock = Clock(0.0)
    bar = Progbar(10, width=10, clock=clock)
    clock.t = 0.1
    bar.update(1, [("loss", 0.5)])
    assert tty.getvalue() == (
        "\r\x1b[1m 1/10\x1b[0m \x1b[32m━\x1b[0m\x1b[37m━━━━━━━━━\x1b[0m"
        " \x1b[1m0s\x1b[0m 100ms/step - loss: 0.5000"
    )


def test_tty_redraws_in_place_and_is_throttled(monkeypatch, not_interactive):
    tty = use_tty(monkeypatch)
    clock = Clock(0.0)
    bar = Progbar(10, width=10, clock=clock)
    clock.t = 0.1
    bar.update(1, [("loss", 0.5)])
    first = tty.getvalue()
    # Visible width: " 1/10 " + 10 bar + " 0s" + " 100ms/step" + " - loss: 0.5000"
    assert len(_plain(first)) - 1 == 6 + 10 + 3 + 11 + 15 == 45

    clock.t = 0.14  # 40 ms after the last draw: below the 50 ms interval
    bar.update(3, [("loss", 0.4)])
    assert tty.getvalue() == first

    clock.t = 0.2  # 100 ms after the last draw: drawn, over the old line
    bar.update(5, [("loss", 0.3)])
    second = tty.getvalue()[len(first):]
    # 25 ms/step, 5 steps left -> ETA "0s"; the line is one character
    # shorter than before, so one space blanks the old last character.
    assert second.startswith("\b" * 45 + "\r")
    # loss is averaged with weights = steps since the previous update call
    # (update(3) was recorded though not drawn): (0.5*1 + 0.4*2 + 0.3*2) / 5.
    assert _plain(second[46:]) == " 5/10 ━━━━━━━━━━ 0s 25ms/step - loss: 0.3800 "

    clock.t = 0.21  # 10 ms later, but the final update always draws
    bar.update(10, [("loss", 0.25)])
    final = tty.getvalue()[len(first) + len(second):]
    assert final.startswith("\b" * 44 + "\r")
    assert final.endswith("\n")
    assert _plain(final[45:]) == "10/10 ━━━━━━━━━━ 0s 12ms/step - loss: 0.2500\n"
    assert tty.getvalue().count("\r") == 3


def test_tty_interval_zero_draws_every_update(monkeypatch, not_interactive):
    tty = use_tty(monkeypatch)
    clock = Clock(0.0)
    bar = Progbar(4, width=4, interval=0.0, clock=clock)
    for step in range(1, 4):
        clock.t = step * 0.001
        bar.update(step, [("loss", 1.0)])
    assert tty.getvalue().count("\r") == 3


def test_tty_stateful_metrics_are_shown_as_given(monkeypatch, not_interactive):
    tty = use_tty(monkeypatch)
    clock = Clock(0.0)
    bar = Progbar(4, width=4, interval=0.0, stateful_metrics=["acc"], clock=clock)
    clock.t = 1.0
    bar.update(2, [("acc", 1.0), ("loss", 1.0)])
    clock.t = 2.0
    bar.update(3, [("acc", 0.0), ("loss", 0.0)])
    last = tty.getvalue().rsplit("\r", 1)[1]
    # loss is averaged over steps (1.0 * 2 + 0.0 * 1) / 3; acc is the last value.
    assert _plain(last).endswith("- acc: 0.0000e+00 - loss: 0.6667")


def test_tty_unknown_target_has_no_bar(monkeypatch, not_interactive):
    tty = use_tty(monkeypatch)
    clock = Clock(0.0)
    bar = Progbar(None, clock=clock)
    clock.t = 3.0
    bar.update(30, [("loss", 0.5)])
    assert tty.getvalue() == "\r     30/Unknown \x1b[1m3s\x1b[0m 100ms/step - loss: 0.5000"


def test_jupyter_kernel_counts_as_dynamic(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "ipykernel", object())
    bar = Progbar(2, clock=Clock())
    bar.update(1, [("loss", 1.0)])
    assert capsys.readouterr().out.startswith("\r")


def test_default_clock_is_replaceable(monkeypatch, capsys, not_interactive):
    clock = Clock(10.0)
    monkeypatch.setattr(progbar_module, "_default_clock", clock)
    bar = Progbar(1, verbose=2)
    clock.t = 12.0
    bar.update(1)
    assert capsys.readouterr().out == "1/1 - 2s - 2s/step\n"
