"""`email`: sends one message over SMTP, with retries and backoff.

Exactly-once: a row keyed by the workflow and activity is marked `sent` in the same
step that follows the SMTP hand-off, and an attempt that finds it `sent` returns
without sending. A crash after the row is marked but before Temporal hears of it
therefore sends nothing more. The one window left is a crash between the SMTP
server accepting the message and the row's commit; the Message-ID is stable across
attempts so a receiving system can drop that duplicate.

With the app database down an attempt fails before sending and is retried with
backoff (`RETRY`: 8 attempts over about 90 s), so a short outage only delays the mail.
"""

from __future__ import annotations

import re
import smtplib
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from pydantic import BaseModel, Field, field_validator
from temporalio import activity, workflow
from temporalio.common import RetryPolicy, VersioningBehavior
from temporalio.exceptions import ApplicationError

from app.jobs.base import JobActivities, JobContext, JobInput, JobType, OnDatabaseDown

with workflow.unsafe.imports_passed_through():
    from sqlalchemy import select

    from app.db import utcnow
    from app.models import EmailDelivery
    from app.settings import Settings

EMAIL_ADDRESS = re.compile(r"^[^@\s<>\"',;]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=30),
    maximum_attempts=8,
)


class EmailInput(JobInput):
    to: str = Field(max_length=254, description="recipient address")
    subject: str = Field(min_length=1, max_length=200)
    body: str = Field(max_length=20_000)

    @field_validator("to")
    @classmethod
    def _is_address(cls, value: str) -> str:
        if not EMAIL_ADDRESS.match(value):
            raise ValueError("must be an email address like name@example.com")
        return value

    @field_validator("subject")
    @classmethod
    def _single_line(cls, value: str) -> str:
        if "\r" in value or "\n" in value:
            raise ValueError("must be a single line")
        return value


class EmailResult(BaseModel):
    recipient: str
    message_id: str
    attempts: int
    already_sent: bool


class EmailActivities(JobActivities):
    @activity.defn(name="send_email")
    def send_email(self, data: EmailInput) -> EmailResult:
        info = activity.info()
        key = f"{info.workflow_id}/{info.activity_id}"
        with self.database.session() as session:
            delivery = session.scalar(
                select(EmailDelivery).where(EmailDelivery.key == key).with_for_update()
            )
            if delivery is None:
                delivery = EmailDelivery(
                    key=key,
                    recipient=data.to,
                    subject=data.subject,
                    message_id=make_msgid(domain=_sender_domain(self.settings)),
                    status="pending",
                    attempts=0,
                )
                session.add(delivery)
            if delivery.status == "sent":
                return _result(delivery, already_sent=True)
            delivery.attempts += 1
            message_id = delivery.message_id
        deliver(self.settings, _message(self.settings, data, message_id))
        with self.database.session() as session:
            delivery = session.get_one(EmailDelivery, key)
            delivery.status = "sent"
            delivery.sent_at = utcnow()
            return _result(delivery, already_sent=False)


def deliver(settings: Settings, message: EmailMessage) -> None:
    """Hand the message to the SMTP server. A 5xx answer is permanent: no retry."""
    try:
        with smtplib.SMTP(
            settings.smtp_host, settings.smtp_port, timeout=settings.smtp_timeout_seconds
        ) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_username and settings.smtp_password:
                smtp.login(settings.smtp_username, settings.smtp_password.get_secret_value())
            smtp.send_message(message)
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        detail = "; ".join(
            f"{who}: {code} {text.decode(errors='replace')}"
            for who, (code, text) in error.recipients.items()
        )
        raise ApplicationError(
            f"SMTP refused the recipient ({detail})", non_retryable=all(c >= 500 for c in codes)
        ) from None
    except smtplib.SMTPResponseException as error:
        text = (
            error.smtp_error.decode(errors="replace")
            if isinstance(error.smtp_error, bytes)
            else str(error.smtp_error)
        )
        raise ApplicationError(
            f"SMTP answered {error.smtp_code} {text}", non_retryable=error.smtp_code >= 500
        ) from None


def _message(settings: Settings, data: EmailInput, message_id: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = settings.smtp_sender
    message["To"] = data.to
    message["Subject"] = data.subject
    message["Message-ID"] = message_id
    message.set_content(data.body)
    return message


def _sender_domain(settings: Settings) -> str:
    return settings.smtp_sender.rpartition("@")[2] or "localhost"


def _result(delivery: EmailDelivery, *, already_sent: bool) -> EmailResult:
    return EmailResult(
        recipient=delivery.recipient,
        message_id=delivery.message_id,
        attempts=delivery.attempts,
        already_sent=already_sent,
    )


# One activity whose retries live in the activity: any build can finish it.
@workflow.defn(name="email", versioning_behavior=VersioningBehavior.AUTO_UPGRADE)
class EmailWorkflow:
    @workflow.run
    async def run(self, job: JobContext, data: EmailInput) -> EmailResult:
        return await workflow.execute_activity_method(
            EmailActivities.send_email,
            data,
            start_to_close_timeout=timedelta(seconds=60),
            retry_policy=RETRY,
        )


JOB = JobType(
    EmailWorkflow,
    description="Sends one email over SMTP, retrying with backoff; sent exactly once.",
    activities=lambda deps: [EmailActivities(deps).send_email],
    on_database_down=OnDatabaseDown.RETRY,
)
