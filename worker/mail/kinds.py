"""The kinds of email the notifier sends."""

from __future__ import annotations

from enum import StrEnum


class MailKind(StrEnum):
    INVITATION = "invitation"
    NEW_MESSAGE_NOTICE = "new_message_notice"
    DIGEST = "digest"
    SECURITY_NEW_LOGIN = "security_new_login"
    SECURITY_PASSWORD_CHANGED = "security_password_changed"
    SECURITY_RECOVERY_USED = "security_recovery_used"
    OVERDUE_REPLY_REMINDER = "overdue_reply_reminder"
    LIVE_SESSION_SOON = "live_session_soon"
    LIVE_SESSION_CHANGED = "live_session_changed"
    JOURNALING_PROMPT = "journaling_prompt"
    URGENT_NOTICE = "urgent_notice"
    ACCOUNT_DELETED = "account_deleted"

    @property
    def is_security(self) -> bool:
        """Security notices always go out: no unsubscribe link, no opting out."""
        return self in SECURITY_KINDS


SECURITY_KINDS = frozenset(
    {
        MailKind.SECURITY_NEW_LOGIN,
        MailKind.SECURITY_PASSWORD_CHANGED,
        MailKind.SECURITY_RECOVERY_USED,
    }
)
