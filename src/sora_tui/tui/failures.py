"""A failed worker said on screen, wherever it ran."""

from __future__ import annotations

from typing import Any

from textual.worker import Worker, WorkerState


class ReportsWorkerFailures:
    """Mixed into every screen and widget that runs workers. Textual posts a worker's StateChanged to the node that
    ran it and does not let it bubble, so an unexpected failure in a screen's or a widget's worker (they run with
    exit_on_error=False) went nowhere: the history browser's search simply stopped answering. Here it goes to the
    app, which says what failed and writes a report (SoraApp.report_worker_failure)."""

    app: Any

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:  # by name: @on is not collected from a mixin
        report = getattr(self.app, "report_worker_failure", None)
        if event.state == WorkerState.ERROR and report is not None:
            report(event.worker)
