"""How tabs hook into the app: each tab declares its views and a render function.

After any event that changes the desk, the app re-renders every tab's views
from the desk (``render_all``), so a correction on one tab shows up on all
others without tabs knowing about each other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import gradio as gr

from ui.state import handler_kwargs


@dataclass
class TabView:
    """The components a tab shows from the desk, and how to compute their values."""

    views: list[gr.components.Component]
    render: Callable[[Any], list[Any]]


@dataclass
class Wiring:
    """Collects event listeners so the app can re-render all tabs after each one."""

    desk: gr.State
    tabs: gr.Tabs
    deps: list[Any] = field(default_factory=list)

    def on(
        self,
        trigger: Callable[..., Any],
        fn: Callable[..., Any],
        inputs: Sequence[gr.components.Component],
        outputs: Sequence[gr.components.Component],
        *,
        refresh: bool = True,
        **kwargs: Any,
    ) -> Any:
        """``trigger(fn, inputs, outputs)`` privately (no public API); re-render everything after it."""
        dep = trigger(fn, list(inputs), list(outputs), **handler_kwargs(), **kwargs)
        if refresh:
            self.deps.append(dep)
        return dep
