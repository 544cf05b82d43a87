"""Pure domain: jobs, generation parameters, pricing, statuses. No I/O, no Textual, no HTTP."""
