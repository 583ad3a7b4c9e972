"""Render letters from the administrator's templates and send them the way the addressee needs.

Callers pass a context (the variables are listed in letters.templating): at
least ``appeal``; ``institution``, ``citizen_name``, ``salutation``,
``appeal_date`` and ``portal_url`` are filled in when missing. A letter goes
by e-mail through the outbox or, when the citizen chose the post (or the body
has no e-mail), into the clerk's print queue as a PostalLetter with its PDF.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import uuid
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any, Protocol

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.template.loader import render_to_string
from django.utils import timezone, translation

from classifiers.models import Institution
from letters import names, pdf
from letters.models import TO_BODY_KINDS, LetterKind, LetterTemplate, PostalLetter
from letters.templating import compile_template, render_template
from outbox.models import OutgoingMessage
from outbox.services import queue_rendered_email


class LetterTemplateMissingError(LookupError):
    """No template row for a kind: migrations did not run, or the row was deleted."""


class Body(Protocol):
    """Another body (classifiers.ExternalBody or anything with these attributes)."""

    name: str
    postal_address: str
    email: str


@dataclass(frozen=True)
class RenderedLetter:
    subject: str
    text: str  # the e-mail's plain text: the letter, the signature, the institution's details
    html: str  # the same, escaped, in the HTML e-mail wrapper
    body: str  # the letter's text alone, as it goes on paper under the title


_BLANK_LINES = re.compile(r"\n[ \t]*\n")


def normalize_paragraphs(text: str) -> str:
    """Strip each paragraph and drop the empty ones (an `{% if %}` that came out empty)."""
    paragraphs = (
        "\n".join(line.rstrip() for line in chunk.strip().splitlines())
        for chunk in _BLANK_LINES.split(text.replace("\r\n", "\n"))
    )
    return "\n\n".join(paragraph for paragraph in paragraphs if paragraph)


# A greeting is a first line of its own ending with «!» or «,»: «Уважаемые коллеги сообщили, что…» is not one.
_GREETING = re.compile(r"^\s*((?:Уважаем(?:ый|ая|ые)|Здравствуйте|Добрый день)\b[^\n]{0,150}?[!,])[ \t]*(?:\n|$)",
                       re.IGNORECASE)


def own_greeting(text: str) -> tuple[str, str]:
    """("Уважаемая Мария Петровна!", the rest) when the text opens with a greeting line; ("", text) otherwise."""
    match = _GREETING.match(text)
    if match is None:
        return "", text
    return match.group(1).strip(), text[match.end():].lstrip("\n")


def appeal_date(appeal: Any) -> dt.date:
    """The date a letter cites the appeal by: its registration, else its receipt (local time)."""
    moment = appeal.registered_at or appeal.received_at
    return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()


def letter_context(appeal: Any, context: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return the caller's context completed with what is derived from the appeal and the institution."""
    full: dict[str, Any] = {
        "appeal": appeal,
        "portal_url": settings.PORTAL_BASE_URL,
        "status_url": "",
        "signer_name": "",
        "signer_position": "",
        "outgoing_number": "",
        "outgoing_date": None,
        "executor": "",
    }
    full.update(context or {})
    # A draft that greets the citizen itself keeps its own greeting in the
    # template's place, instead of a second one (issue 10 item 4).
    greeting, rest = own_greeting(full.get("answer_text") or "")
    if greeting:
        full["salutation"], full["answer_text"] = greeting, rest
    full.setdefault("institution", Institution.get_current())
    if appeal is not None:
        full.setdefault("appeal_date", appeal_date(appeal))
        with translation.override(settings.LANGUAGE_CODE):  # «1 марта 2026 г.» whatever the request's language
            full.setdefault("appeal_source", getattr(appeal, "source_citation", ""))
        full.setdefault("citizen_name", names.citizen_name(appeal.first_name, appeal.patronymic, appeal.last_name))
        full.setdefault("salutation", names.salutation(appeal.last_name, appeal.first_name, appeal.patronymic))
    return full


def render_letter(kind: str, context: dict[str, Any]) -> RenderedLetter:
    """Render the kind's template with the context: subject, plain text, HTML, and the letter's own text.

    The template is rendered without HTML escaping (it is plain text); the
    HTML version escapes that text and wraps it in letters/email.html. Raise
    LetterTemplateMissingError when the kind has no template row.
    """
    template = LetterTemplate.objects.filter(kind=kind).first()
    if template is None:
        raise LetterTemplateMissingError(
            f"No letter template for kind {kind!r}: run migrations (letters 0002_shipped_texts) "
            "or restore the text in the admin."
        )
    subject = " ".join(render_template(compile_template(template.subject), context).split())
    body = normalize_paragraphs(render_template(compile_template(template.body), context))
    wrapper = {**context, "subject": subject, "body": body}
    text = normalize_paragraphs(render_to_string("letters/email.txt", wrapper)) + "\n"
    html = render_to_string("letters/email.html", wrapper)
    return RenderedLetter(subject=subject, text=text, html=html, body=body)


def store_pdf(content: bytes) -> str:
    """Save a PDF into the attachments storage under a generated name; return the name."""
    now = timezone.now()
    name = f"letters/{now:%Y}/{now:%m}/{uuid.uuid4().hex}.pdf"
    return storages["attachments"].save(name, ContentFile(content))


def citizen_addressee(appeal: Any) -> list[str]:
    """The addressee block for the citizen: the name in the dative, the address, the index."""
    return [
        names.dative_name(appeal.last_name, appeal.first_name, appeal.patronymic),
        appeal.address,
        appeal.postal_index,
    ]


def body_addressee(body: Body) -> list[str]:
    return [line for line in (body.name, body.postal_address) if line]


INSTITUTION_FIELDS = ("full_name", "full_postal_address", "phone", "email", "website")


def letter_layout(context: dict[str, Any], *, refer_to_appeal: bool = True) -> dict[str, Any]:
    """What an official letter's PDF is made of besides its addressee, title and text, as JSON.

    Kept on a postal letter (PostalLetter.layout), so that a letter re-sent to
    a corrected address is laid out again with the same details, number,
    legal date, signature and executor's mark (issue 9).
    """
    appeal = context.get("appeal")
    institution = context["institution"]

    def iso(value: Any) -> str:
        return value.isoformat() if value else ""

    return {
        "institution": {name: str(getattr(institution, name, "") or "") for name in INSTITUTION_FIELDS},
        "outgoing_number": context.get("outgoing_number") or "",
        "outgoing_date": iso(context.get("outgoing_date")),
        "appeal_number": appeal.number if appeal is not None and refer_to_appeal else "",
        "appeal_date": iso(context.get("appeal_date")) if refer_to_appeal else "",
        "signer_position": context.get("signer_position") or "",
        "signer_name": context.get("signer_name") or "",
        "executor": context.get("executor") or "",
    }


def layout_pdf(layout: dict[str, Any], *, title: str, body: str, addressee_lines: list[str]) -> bytes:
    """Lay a letter out from its layout (letter_layout), title, text and addressee (letters.pdf)."""

    def date(value: str) -> dt.date | None:
        return dt.date.fromisoformat(value) if value else None

    return pdf.render_official_letter(
        institution=SimpleNamespace(**layout["institution"]),
        outgoing_number=layout["outgoing_number"] or None,
        outgoing_date=date(layout["outgoing_date"]),
        appeal_number=layout["appeal_number"] or None,
        appeal_date=date(layout["appeal_date"]),
        addressee_lines=addressee_lines,
        title=title,
        body=body,
        signer_position=layout["signer_position"],
        signer_name=layout["signer_name"],
        executor=layout["executor"] or None,
    )


def letter_pdf(
    rendered: RenderedLetter, context: dict[str, Any], *, addressee_lines: list[str], refer_to_appeal: bool = True
) -> bytes:
    """Lay the rendered letter out as an official letter (letters.pdf)."""
    return layout_pdf(letter_layout(context, refer_to_appeal=refer_to_appeal), title=rendered.subject,
                      body=rendered.body, addressee_lines=addressee_lines)


def _file_name(kind: str, number: str) -> str:
    label = "Ответ" if kind == LetterKind.ANSWER else "Письмо"
    return f"{label} {number}.pdf".replace("/", "-")


def _queue(kind: str, to: str, rendered: RenderedLetter, *, appeal: Any,
           attachment: tuple[str, str, str] | None) -> OutgoingMessage:
    return queue_rendered_email(
        kind=f"letters.{kind}", to=to, subject=rendered.subject, text=rendered.text, html=rendered.html,
        appeal=appeal, attachment=attachment, secret=kind in SECRET_KINDS,
    )


# Letters that carry a secret (a new access code): the outbox keeps no copy of their text once sent.
SECRET_KINDS = frozenset({LetterKind.ACCESS_CODE})


def deliver_to_citizen(
    appeal: Any, kind: str, context: dict[str, Any], *, pdf: bytes | None = None, pdf_name: str | None = None,
    letter_pages: int | None = None,
) -> OutgoingMessage | PostalLetter:
    """Render the letter and send it to the citizen the way they chose (art. 10 part 4).

    By e-mail: an outbox message to appeal.email, with the PDF (stored into
    the attachments storage first) attached; the answer carries its PDF even
    when none is passed. By post: a PostalLetter in the clerk's queue with
    the PDF of the letter (the given one, or the notice laid out as an
    official letter). `letter_pages` is how many of the given PDF's pages
    are the letter itself (the rest are its enclosures), kept with the
    letter's layout so that a re-sent letter keeps its enclosures.

    Call it inside the caller's transaction, the one that records the step:
    the outbox hands the message to Celery when that transaction commits, and
    a rollback takes the message or the postal letter with it (the stored PDF
    file stays behind, unreferenced).
    """
    context = letter_context(appeal, context)
    if appeal.reply_method == "email":
        if pdf is None and kind == LetterKind.ANSWER:
            pdf = letter_pdf(render_letter(kind, context), context, addressee_lines=citizen_addressee(appeal))
        if pdf is not None:
            context["attached_pdf"] = True
        rendered = render_letter(kind, context)
        attachment = None
        if pdf is not None:
            attachment = (pdf_name or _file_name(kind, appeal.number), store_pdf(pdf), "application/pdf")
        return _queue(kind, appeal.email, rendered, appeal=appeal, attachment=attachment)
    rendered = render_letter(kind, context)
    addressee = citizen_addressee(appeal)
    if pdf is None:
        pdf = letter_pdf(rendered, context, addressee_lines=addressee)
        letter_pages = page_count(pdf)
    # A PDF given without its letter's length: readdressed_pdf finds it by laying the letter out again.
    layout = {**letter_layout(context), "letter_pages": letter_pages}
    return PostalLetter.objects.create(
        appeal=appeal,
        kind=kind,
        addressee="\n".join(addressee),
        postal_index=appeal.postal_index,
        subject=rendered.subject,
        text=rendered.body,
        pdf_path=store_pdf(pdf),
        layout=layout,
    )


def deliver_to_body(body: Body, kind: str, context: dict[str, Any], *, appeal: Any) -> OutgoingMessage | PostalLetter:
    """Send a letter to another body: by e-mail to body.email with the letter's PDF, else by post.

    Like deliver_to_citizen, call it inside the caller's transaction.
    """
    context = letter_context(appeal, {**context, "body": body})
    rendered = render_letter(kind, context)
    addressee = body_addressee(body)
    # The body has no document of its own this letter answers: no «На № … от …».
    content = letter_pdf(rendered, context, addressee_lines=addressee, refer_to_appeal=False)
    if body.email:
        context["attached_pdf"] = True
        rendered = render_letter(kind, context)
        attachment = (_file_name(kind, appeal.number), store_pdf(content), "application/pdf")
        return _queue(kind, body.email, rendered, appeal=appeal, attachment=attachment)
    index = re.search(r"\b\d{6}\b", body.postal_address or "")
    return PostalLetter.objects.create(
        appeal=appeal,
        kind=kind,
        addressee="\n".join(addressee),
        postal_index=index.group(0) if index else "",
        subject=rendered.subject,
        text=rendered.body,
        pdf_path=store_pdf(content),
        layout={**letter_layout(context, refer_to_appeal=False), "letter_pages": page_count(content)},
    )


def page_count(content: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(content)).pages)


def addressee_lines(addressee: str, postal_index: str) -> list[str]:
    """The address block as the clerk or the official typed it, with the index as its last line."""
    lines = [line.strip() for line in addressee.splitlines() if line.strip()]
    if postal_index and postal_index not in lines:
        lines.append(postal_index)
    return lines


def legacy_layout(letter: PostalLetter) -> dict[str, Any]:
    """The layout of a letter queued before layouts were kept: rebuilt from its appeal (and signed answer)."""
    appeal = letter.appeal
    context: dict[str, Any] = {"appeal": appeal, "institution": Institution.get_current(),
                               "appeal_date": appeal_date(appeal)}
    answer = getattr(appeal, "answer", None) if letter.kind == LetterKind.ANSWER else None
    if answer is not None and answer.outgoing_number:
        from appeals.services.handling import answer_context

        context.update(answer_context(answer))
    return {**letter_layout(context, refer_to_appeal=letter.kind not in TO_BODY_KINDS), "letter_pages": None}


def readdressed_pdf(letter: PostalLetter, *, addressee: str, postal_index: str) -> tuple[bytes, dict[str, Any]]:
    """The letter's PDF laid out again for a corrected address: same text, number, date, signature, enclosures.

    Returns the new PDF and its layout. The letter's own pages are rendered
    again from its layout (or, for a letter queued before layouts were kept,
    from its appeal and signed answer), the addressee block replaced; the
    pages after the letter (its enclosures) are copied from the stored PDF.
    """
    from pypdf import PdfReader, PdfWriter

    layout = dict(letter.layout) if letter.layout else legacy_layout(letter)
    with storages["attachments"].open(letter.pdf_path, "rb") as stored:
        old = stored.read()
    own_pages = layout.get("letter_pages")
    if not own_pages:  # the old letter's own length: the same layout with the old address
        own_pages = page_count(layout_pdf(layout, title=letter.subject, body=letter.text,
                                          addressee_lines=addressee_lines(letter.addressee, letter.postal_index)))
    new = layout_pdf(layout, title=letter.subject, body=letter.text,
                     addressee_lines=addressee_lines(addressee, postal_index))
    layout["letter_pages"] = page_count(new)
    enclosures = PdfReader(io.BytesIO(old)).pages[own_pages:]
    if enclosures:
        writer = PdfWriter()
        writer.append(io.BytesIO(new))
        for page in enclosures:
            writer.add_page(page)
        out = io.BytesIO()
        writer.write(out)
        new = out.getvalue()
    return new, layout
