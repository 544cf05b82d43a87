"""The CLI's plain-text rendering of jobs, under the name it had before the CLI became a package: it now lives in
cli.listing (the listing and details), cli.progress (live progress) and cli.tables (tables of figures)."""

from .cli.listing import LISTING, PIPED_PROMPT, RIGHT, job_detail, job_line, jobs_header, listing_widths
from .cli.output import terminal_width
from .cli.progress import ProgressPrinter
from .cli.tables import NAME_FLOOR, table

__all__ = ["LISTING", "NAME_FLOOR", "PIPED_PROMPT", "RIGHT", "ProgressPrinter", "job_detail", "job_line",
           "jobs_header", "listing_widths", "table", "terminal_width"]
