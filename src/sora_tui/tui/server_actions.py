"""What the palette does about the server rather than one job: import its videos, create and use cameo
characters and look them up there. A room of SoraApp like JobActions; slow work runs in workers and reports
by notification."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from rich.text import Text
from textual import work

from ..core.i18n import N_, _, ngettext
from .base import WorkbenchBase
from .messages import JobChanged


class ServerActions(WorkbenchBase):

    def action_import_videos(self) -> None:
        if self.connected_or_say():
            self.import_videos()

    @work(exclusive=True, exit_on_error=False, group="import", description=N_("import the server's videos"))
    async def import_videos(self) -> None:
        from ..service.servers import BackendError
        from .screens.modals import ConfirmScreen

        service = self.service
        try:
            remote = await service.list_remote(limit=100)
        except BackendError as exc:
            self.notify(exc.user_message(), title=_("Cannot list the server's videos"), severity="error", markup=False)
            return
        known = await asyncio.to_thread(self.opened.history.video_ids)
        missing = [v for v in remote if v.id not in known]
        if not missing:
            said = ngettext("The {n} video the server lists is already in the history.",
                            "All {n} videos the server lists are already in the history.", len(remote))
            self.notify(said.format(n=len(remote)), markup=False)
            return
        question = ngettext("The server has {n} video that the history lacks (of the {listed} newest it lists). "
                            "Import it?",
                            "The server has {n} videos that the history lacks (of the {listed} newest it lists). "
                            "Import them?", len(missing)).format(n=len(missing), listed=len(remote))
        if not await self.push_screen_wait(ConfirmScreen(_("Import from the server"), question)):
            return
        try:
            jobs = await service.import_remote(ids=[v.id for v in missing])
        except BackendError as exc:
            self.notify(exc.user_message(), severity="error", markup=False)
            return
        for job in jobs:
            self.post_message(JobChanged(job))
        self.notify(ngettext("Imported {n} video; d downloads it.", "Imported {n} videos; d downloads one.",
                             len(jobs)).format(n=len(jobs)), markup=False)

    def action_create_character(self) -> None:
        if self.connected_or_say():
            self.create_character()

    @work(exclusive=True, exit_on_error=False, group="character", description=N_("create a character"))
    async def create_character(self) -> None:
        from ..core.params import InvalidParams
        from ..service.jobs import ServiceError
        from ..service.servers import BackendError
        from .screens.characters import CharacterScreen

        request = await self.push_screen_wait(CharacterScreen())
        if request is None:
            return
        try:
            character = await self.service.create_character(request.name, Path(request.video).expanduser(),
                                                                    consent=request.consent)
        except (InvalidParams, ServiceError) as exc:
            self.notify(exc.message, severity="warning", markup=False)
            return
        except BackendError as exc:
            self.notify(exc.user_message(), title=_("Server"), severity="error", markup=False)
            return
        self.notify(_("Created character {name} ({id}). Insert it from the palette; its name must appear in the prompt "
                      "as written.").format(name=character.name, id=character.id), markup=False, timeout=10)

    def action_insert_character(self) -> None:
        self.insert_character()

    async def _choose_character(self, title: str) -> Any:
        """One of the characters created here, picked from a list (None: none made yet, or cancelled)."""
        from ..config import Paths
        from ..service.servers import character_book
        from .screens.modals import ChoiceScreen

        book = character_book(Paths.from_env().home)
        characters = await asyncio.to_thread(book.all)
        if not characters:
            self.notify(_("No characters yet: '{command}' in the palette makes one.").format(
                command=_("character: Create from a video")), severity="warning", markup=False)
            return None
        options = [(str(i + 1), c.id, f"{c.name}  ({c.profile})") for i, c in enumerate(characters[:9])]
        chosen = await self.push_screen_wait(ChoiceScreen(title, options))
        return next((c for c in characters if c.id == chosen), None)

    @work(exclusive=True, exit_on_error=False, group="character", description=N_("insert a character"))
    async def insert_character(self) -> None:
        character = await self._choose_character(_("Insert a character"))
        if character is not None:
            self.main.add_character(character)

    def action_show_character(self) -> None:
        if self.connected_or_say():
            self.show_character()

    @work(exclusive=True, exit_on_error=False, group="character", description=N_("show a character"))
    async def show_character(self) -> None:
        """GET /videos/characters/{id}: what the server itself says of the character (its status, above all)."""
        from ..core.text import one_line
        from ..service.servers import BackendError
        from .screens.modals import TextScreen

        character = await self._choose_character(_("Show a character"))
        if character is None:
            return
        try:
            data = await self.service.get_character(character.id)
        except BackendError as exc:
            self.notify(exc.user_message(), title=_("Server"), severity="error", markup=False, timeout=10)
            return
        body = Text()
        for key in ("id", "name", "status", "created_at"):
            if key in data:
                body.append(f"{key:>10}  ", style="bold")
                body.append(one_line(str(data[key]), 200) + "\n")
        body.append("\n" + _("Created here from {source} (profile {profile}).").format(
            source=one_line(character.source, 200), profile=character.profile), style="dim")
        title = _("Character {name}").format(name=one_line(character.name, 60))
        self.push_screen(TextScreen(title, body))
