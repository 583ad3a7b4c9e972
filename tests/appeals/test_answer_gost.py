"""The answer as a letter of ГОСТ Р 7.0.97 (issue 10 item 4): details, marks, page numbers, no wide gaps.

The signed answer's PDF is read back (pypdf for the text and its place on the
page, poppler's pdftotext for the words' boxes) and every page is written as a
PNG into test-results/answer-letter/ for a person to look at.
"""

from __future__ import annotations

import difflib
import itertools
import re
import shutil
import subprocess
from io import BytesIO
from pathlib import Path

import pytest
from django.test import TestCase
from pypdf import PdfReader

from appeals.models import AppealEvent, StaffProfile
from appeals.services import handling
from classifiers.models import Institution
from tests import roles as role_fixtures
from tests.postal.documents.conftest import fragments

pytestmark = pytest.mark.django_db
roles = role_fixtures.roles  # the fixture

ARTEFACTS = Path(__file__).resolve().parents[2] / "test-results" / "answer-letter"
MM = 72 / 25.4
LONG_TEXT = "\n\n".join([
    "Ваше обращение о возможности перевода с платного обучения на бесплатное рассмотрено в соответствии "
    "с Федеральным законом от 2 мая 2006 года № 59-ФЗ «О порядке рассмотрения обращений граждан Российской "
    "Федерации».",
    "Сообщаем, что переход с платного обучения на бесплатное осуществляется при наличии вакантных бюджетных "
    "мест по соответствующей образовательной программе, по специальности или направлению подготовки и форме "
    "обучения на соответствующем курсе, в порядке, установленном локальным нормативным актом университета, "
    "принятым с учётом мнения совета обучающихся.",
] * 6)


def signed(roles, *, text: str = LONG_TEXT, reply_method: str = "email", signer_name: str = "") -> tuple:
    StaffProfile.objects.update_or_create(user=roles.head, defaults={
        "position": "Проректор по учебной работе", "signature_name": "П. П. Начальников"})
    StaffProfile.objects.update_or_create(user=roles.executor_a, defaults={"phone": "+7 499 245-30-17"})
    roles.executor_a.first_name = "Анна Андреевна"
    roles.executor_a.save()
    appeal = roles.appeal("in_work", reply_method=reply_method)
    handling.save_and_submit_answer(appeal, roles.executor_a, text=text)
    preview = handling.preview_answer_pdf(appeal, roles.head)
    with TestCase.captureOnCommitCallbacks(execute=True):
        answer = handling.sign_answer(appeal, roles.head, signer_position="Проректор по учебной работе",
                                      signer_name=signer_name,
                                      results={q.pk: ("explained", False) for q in appeal.questions.all()})
    with answer.pdf.open("rb") as handle:
        return appeal, answer, preview, handle.read()


def pages_text(pdf: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(BytesIO(pdf)).pages]


def save_pngs(pdf: bytes, name: str) -> list[Path]:
    if shutil.which("pdftoppm") is None:
        pytest.skip("needs pdftoppm (poppler-utils)")
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    source = ARTEFACTS / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(["pdftoppm", "-r", "70", "-png", str(source), str(ARTEFACTS / name)], check=True)
    return sorted(ARTEFACTS.glob(f"{name}-*.png"))


def word_gaps(pdf: bytes) -> list[tuple[float, str]]:
    """(widest gap between two words in mm, the line) for every line of the text that is stretched to the width.

    A justified line runs from the left margin to the right one (x 20-200 mm);
    the last line of a paragraph, the salutation, the details and the
    signature are not justified and are left out.
    """
    if shutil.which("pdftotext") is None:
        pytest.skip("needs pdftotext (poppler-utils)")
    result = subprocess.run(["pdftotext", "-bbox-layout", "-", "-"], input=pdf, capture_output=True, check=True)
    html = result.stdout.decode()
    word = re.compile(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]*)</word>')
    found = []
    for line in re.findall(r"<line[^>]*>(.*?)</line>", html, re.S):
        words = [(float(a) / MM, float(b) / MM, text) for a, b, text in word.findall(line)]
        if len(words) < 4 or words[-1][1] < 198 or words[0][0] > 34:
            continue
        gaps = [right[0] - left[1] for left, right in itertools.pairwise(words)]
        found.append((max(gaps), " ".join(text for _a, _b, text in words)))
    return found


def test_the_signed_letter_has_the_gost_details_and_marks(roles):
    Institution.objects.filter(pk=Institution.get_current().pk).update(phone="+7 499 245-30-02")
    _appeal, answer, _preview, pdf = signed(roles)
    pages = pages_text(pdf)
    assert len(pages) >= 2
    # The institution's phone among its details, top left of the first page.
    details = " ".join(piece.text for piece in fragments(pdf) if piece.x < 105 and piece.y < 70)
    assert "тел. +7 499 245-30-02" in details
    # The signer's initials and surname from the staff record (the form left the name empty).
    assert answer.signer_name == "П. П. Начальников" and "П. П. Начальников" in pages[-1]
    # The executor's mark: the full name and the phone, at the foot of the last page only.
    last = fragments(pdf, page=len(pages) - 1)
    foot = [piece.text for piece in last if piece.y > 250]
    assert "Исп. Смирнова Анна Андреевна" in foot and "тел. +7 499 245-30-17" in foot
    assert all("Смирнова Анна Андреевна" not in text for text in pages[:-1])
    # Page numbers from the second page, at the top; none on the first.
    assert all(not (piece.y < 18 and piece.text.isdigit()) for piece in fragments(pdf, page=0))
    for number in range(2, len(pages) + 1):
        top = [piece.text for piece in fragments(pdf, page=number - 1) if piece.y < 18]
        assert top == [str(number)], top
    for path in save_pngs(pdf, "answer-signed"):
        assert path.stat().st_size > 0


def test_justified_lines_have_no_wide_gaps(roles, monkeypatch):
    _appeal, _answer, _preview, pdf = signed(roles)
    gaps = word_gaps(pdf)
    assert len(gaps) > 20
    widest = max(gaps)
    # A space of PT Serif at 13 pt is about 1.1 mm; hyphenated, a stretched line stays within 2.6 mm.
    assert widest[0] < 2.6, widest

    # Without the hyphenation the same text has gaps of 4 mm and more: the test sees them.
    import letters.pdf

    monkeypatch.setattr(letters.pdf, "hyphenate", lambda text: text)
    from letters.pdf import answer_pdf
    from letters.services import letter_context

    unhyphenated = answer_pdf(letter_context(_appeal, {"answer_text": LONG_TEXT}))
    assert max(word_gaps(unhyphenated))[0] > 3.0


def test_the_hyphens_are_not_in_the_text_but_at_line_ends(roles):
    _appeal, _answer, _preview, pdf = signed(roles)
    text = "".join(pages_text(pdf))
    assert "\u00ad" not in text
    assert re.search(r"[а-яё]-\n[а-яё]", text), "no word broken at a line's end"


def test_a_postal_answers_preview_is_the_signed_letter_but_for_the_number_date_and_rating_code(roles):
    from feedback.services import PREVIEW_CODE

    _appeal, answer, preview, pdf = signed(roles, text="Сообщаем, что перевод возможен при наличии мест.",
                                           reply_method="post")
    before, after = " ".join(pages_text(preview)).split(), " ".join(pages_text(pdf)).split()
    assert PREVIEW_CODE in " ".join(before)  # the paragraph the post letter gets, its code blank
    date = f"{answer.outgoing_date:%d.%m.%Y}"
    code = re.search(r"код оценки ответа ([A-Z0-9]{4}-[A-Z0-9]{4})", " ".join(after))
    assert code, after
    changed = [(before[i1:i2], after[j1:j2]) for tag, i1, i2, j1, j2 in
               difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes() if tag != "equal"]
    for removed, added in changed:
        assert all(word.strip("№.,") in ("", "от") or PREVIEW_CODE in word for word in removed), changed
        assert all(answer.outgoing_number in word or date in word or code.group(1) in word
                   or word.strip("№.,") in ("", "от") for word in added), changed


def test_the_head_corrects_the_text_before_signing_and_the_history_keeps_the_previous(roles):
    appeal = roles.appeal("on_approval")
    original = appeal.answer.text
    corrected = original + " Дополнительно сообщаем, что заявление подаётся до 1 июля."
    assert handling.correct_answer(appeal, roles.head, text=corrected) is True
    assert handling.correct_answer(appeal, roles.head, text=corrected) is False  # nothing changed: no entry
    event = AppealEvent.objects.get(appeal=appeal, action="answer.corrected")
    assert event.before == {"answer_text": original} and event.after == {"answer_text": corrected}
    assert event.actor == roles.head
    assert "до 1 июля" in " ".join(pages_text(handling.preview_answer_pdf(appeal, roles.head)))
    with pytest.raises(handling.AppealError):
        handling.correct_answer(appeal, roles.executor_a, text="x")  # only who signs
    # Corrected in the sign form itself: the signed letter has the new text, the history both.
    with TestCase.captureOnCommitCallbacks(execute=True):
        answer = handling.sign_answer(appeal, roles.head, signer_position="Проректор", text=corrected + " Итог.",
                                      results={q.pk: ("explained", False) for q in appeal.questions.all()})
    assert answer.text.endswith("Итог.")
    assert AppealEvent.objects.filter(appeal=appeal, action="answer.corrected").count() == 2
    with answer.pdf.open("rb") as handle:
        assert "Итог." in " ".join(pages_text(handle.read()))


def test_the_sign_form_saves_a_correction_and_shows_it_in_the_history(client, roles):
    from django.urls import reverse

    appeal = roles.appeal("on_approval")
    url = reverse("admin:appeals_appeal_step", args=[appeal.pk, "sign_answer"])
    client.force_login(roles.head)
    html = client.get(url).content.decode()
    assert 'name="text"' in html and "Сохранить правку" in html and appeal.answer.text in html
    response = client.post(url, {"signer_position": "Проректор", "signer_name": "", "text": "",
                                 "correct_only": "1"})
    assert "Текст ответа пуст." in response.content.decode()
    response = client.post(url, {"signer_position": "Проректор", "signer_name": "",
                                 "text": "Исправленный текст ответа.", "correct_only": "1"})
    assert response.status_code == 302, re.findall(r"errorlist[^>]*>(.*?)</ul>", response.content.decode(), re.S)
    assert response["Location"] == url
    appeal.refresh_from_db()
    assert appeal.status == "on_approval" and appeal.answer.text == "Исправленный текст ответа."
    page = client.get(reverse("admin:appeals_appeal_change", args=[appeal.pk])).content.decode()
    assert "текст ответа" in page and "Исправленный текст ответа." in page
