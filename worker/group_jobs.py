"""Job handlers for group threads: the notices about a post, per recipient's preferences."""

from __future__ import annotations

from messaging import group_posts
from messaging.errors import PermanentJobFailure
from messaging.jobs import JobRegistry
from messaging.storage.database import Database
from messaging.storage.jobs import JobRecord
from worker.outgoing import Outgoing, payload_uuid


class GroupJobs:
    def __init__(self, database: Database, outgoing: Outgoing) -> None:
        self._database = database
        self._outgoing = outgoing

    def register(self, registry: JobRegistry) -> None:
        registry.register(group_posts.NOTICES_KIND, self.notices)

    async def notices(self, job: JobRecord) -> None:
        audience = job.payload.get("audience")
        if audience not in ("members", "moderators"):
            raise PermanentJobFailure("job payload has no valid audience")
        async with self._database.unit_of_work() as uow:
            await group_posts.send_notices(
                uow, self._outgoing.context, payload_uuid(job, "message_id"), audience
            )
