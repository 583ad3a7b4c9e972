"""Topic suggestion (issue 12 item 3): training, the cold start, the refusals, the retraining task."""

from __future__ import annotations

import random
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from appeals.management.commands.generate_appeals import Generator
from appeals.models import Appeal
from classifiers.models import Topic
from suggestions import topics
from suggestions.topics import service, store
from suggestions.topics.model import TopicModel
from suggestions.topics.tasks import retrain_topic_model
from suggestions.topics.training import Sample, fit

pytestmark = pytest.mark.django_db

# The questions the institution's form offers (classifiers' data migration).
CODES = [f"0000.0000.0000.{q}" for q in ("0046", "0120", "0272", "0277", "0527", "0654", "0658")]
DORMITORY = "Соседи по комнате в общежитии шумят по ночам, прошу переселить меня в другую комнату."


@pytest.fixture(autouse=True)
def topic_store(settings):
    """Versions go to memory; every check looks at the pointer; no model is loaded from an earlier test."""
    settings.STORAGES = {**settings.STORAGES, "topics": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    settings.TOPICS_STORAGE = "topics"
    settings.TOPICS_RELOAD_SECONDS = 0
    settings.TOPICS_MIN_APPEALS_PER_TOPIC = 20
    settings.TOPICS_MIN_CONFIDENCE_PERCENT = 40
    service.loaded.forget()
    yield
    service.loaded.forget()


def generated_text(rng: random.Random, code: str) -> str:
    """A text as the load generator writes it for the topic (generate_appeals.Generator.text)."""
    return Generator.text(SimpleNamespace(rng=rng), SimpleNamespace(code=code, title=""))  # type: ignore[arg-type]


def add_registered(per_topic: int, *, seed: int = 1, registered: bool = True, only: list[Topic] | None = None,
                   start: int = 1) -> None:
    """Bulk-insert registered appeals with generated texts, `per_topic` for each offered topic."""
    rng = random.Random(seed)
    now = timezone.now()
    rows = []
    sequence = start
    for topic in only or list(Topic.objects.offered()):
        for _ in range(per_topic):
            rows.append(Appeal(
                number=f"ОГ-{now.year}-{sequence:06d}", year=now.year, sequence=sequence,
                status=Appeal.Status.REGISTERED if registered else Appeal.Status.RECEIVED,
                received_at=now - timedelta(days=2), registered_at=now - timedelta(days=1) if registered else None,
                topic=topic, topic_code=topic.code, topic_title=topic.title, kind="primary",
                text=generated_text(rng, topic.code), last_name="Петров", first_name="Пётр",
                address="г. Москва, ул. Мира, д. 1", postal_index="129090", phone="+79160000000",
                email="p.petrov@mail.ru", reply_method="email", identification_method="email",
                identified_as="p.petrov@mail.ru", access_code_hash="x",
            ))
            sequence += 1
    Appeal.objects.bulk_create(rows)


@pytest.fixture(scope="module")
def small_model() -> TopicModel:
    """A model trained on 40 generated texts per offered topic, in memory (no database)."""
    rng = random.Random(7)
    samples = [Sample(i + 1, generated_text(rng, CODES[i % len(CODES)]), CODES[i % len(CODES)])
               for i in range(40 * len(CODES))]
    return fit(lambda: iter(samples), codes=CODES, counts=dict.fromkeys(CODES, 40))


def install(model: TopicModel) -> str:
    """Store the model and make it current, as retrain() does."""
    version = store.save_model(model)
    store.make_current(version, model)
    return version


def test_training_learns_the_topics_from_registered_appeals():
    add_registered(40)

    version = service.retrain()

    assert version is not None
    assert store.read_pointer()["version"] == version
    model = store.load_model(version)
    offered = sorted(Topic.objects.offered().values_list("code", flat=True))
    assert model.codes == offered
    assert model.meta["counts"] == {code: 40 for code in offered}
    # Every 20th appeal was kept out of training and scores the version.
    assert model.meta["holdout"]["size"] == 14
    assert model.meta["holdout"]["top1"] == 1.0
    suggestions = topics.suggest(DORMITORY)
    assert suggestions[0][0] == "0000.0000.0000.0527"
    assert len(suggestions) == 3
    confidences = [p for _, p in suggestions]
    assert confidences == sorted(confidences, reverse=True) and 0.4 <= confidences[0] <= 1


def test_only_registered_appeals_of_offered_topics_are_learned():
    add_registered(40)
    add_registered(30, registered=False, start=1000)
    retired = Topic.objects.create(code="0000.0000.0000.0999", title="Снятый вопрос", is_offered=False)
    add_registered(30, only=[retired], start=2000)

    model = store.load_model(service.retrain())  # type: ignore[arg-type]

    assert "0000.0000.0000.0999" not in model.codes
    assert set(model.meta["counts"].values()) == {40}


def test_cold_start_suggests_nothing():
    assert store.read_pointer()["version"] is None
    assert topics.suggest(DORMITORY) == []


def test_too_few_appeals_of_one_topic_trains_nothing_and_switches_suggestions_off(settings):
    add_registered(40)
    assert service.retrain() is not None
    assert topics.suggest(DORMITORY) != []
    # A topic the form starts offering has two registered appeals: the model
    # never learned it, so nothing is suggested until it has enough.
    new = Topic.objects.create(code="0000.0000.0000.0318", title="Стипендии", is_offered=True)
    assert topics.suggest(DORMITORY) == []
    add_registered(2, only=[new], start=5000)

    assert service.retrain() is None

    pointer = store.read_pointer()
    assert pointer["version"] is None
    assert pointer["counts"]["0000.0000.0000.0318"] == 2
    assert "0000.0000.0000.0318: 2" in pointer["reason"]
    assert topics.suggest(DORMITORY) == []
    assert len(store.versions()) == 1  # the earlier version is kept; it is just not current


def test_low_confidence_is_refused(settings, small_model):
    install(small_model)
    vague = "Прошу помочь."
    best = small_model.top(vague)[0][1]
    settings.TOPICS_MIN_CONFIDENCE_PERCENT = int(best * 100) + 1
    assert topics.suggest(vague) == []
    settings.TOPICS_MIN_CONFIDENCE_PERCENT = int(best * 100)
    assert topics.suggest(vague)[0][1] == pytest.approx(best, abs=1e-4)
    # With the default threshold a clear text passes, a vague one and an empty one do not.
    settings.TOPICS_MIN_CONFIDENCE_PERCENT = 40
    assert best < 0.4
    assert topics.suggest(DORMITORY)[0][0] == "0000.0000.0000.0527"
    assert topics.suggest(vague) == [] and topics.suggest("   ") == []


def test_retraining_task_stores_a_new_version_that_running_processes_pick_up(settings):
    add_registered(40, seed=1)
    first = retrain_topic_model.delay().get()
    assert topics.suggest(DORMITORY)[0][0] == "0000.0000.0000.0527"
    assert service.loaded.version == first

    # The registrar registers more: dormitory complaints now speak of the commandant too.
    dormitory = Topic.objects.get(code="0000.0000.0000.0527")
    add_registered(20, seed=2, only=[dormitory], start=3000)
    settings.TOPICS_RELOAD_SECONDS = 3600
    second = retrain_topic_model.delay().get()

    assert second != first and store.versions() == sorted([first, second])
    assert store.read_pointer()["version"] == second
    assert store.load_model(second).meta["counts"]["0000.0000.0000.0527"] == 60
    # A process looks again only after TOPICS_RELOAD_SECONDS...
    topics.suggest(DORMITORY)
    assert service.loaded.version == first
    # ...then loads the new version once.
    settings.TOPICS_RELOAD_SECONDS = 0
    topics.suggest(DORMITORY)
    assert service.loaded.version == second


def test_old_versions_are_pruned_but_the_current_one_stays(settings, small_model):
    settings.TOPICS_KEEP_VERSIONS = 2
    made = [store.save_model(small_model) for _ in range(3)]
    store.make_current(made[0], small_model)  # an administrator pointed back to the oldest

    assert store.prune() == [made[1]]
    assert store.versions() == [made[0], made[2]]


def test_a_stored_version_loads_without_pickle_and_predicts_the_same(small_model):
    version = store.save_model(small_model)
    again = store.load_model(version)
    assert again.codes == small_model.codes
    before, after = small_model.top(DORMITORY), again.top(DORMITORY)
    assert [code for code, _ in after] == [code for code, _ in before]
    # The weights are stored as float32.
    assert [p for _, p in after] == pytest.approx([p for _, p in before], abs=1e-5)
    with store.storage().open(store.version_path(version), "rb") as fh:
        assert fh.read(2) == b"PK"  # a zip of .npy arrays, read with allow_pickle=False


def test_an_unreadable_version_suggests_nothing(small_model):
    version = install(small_model)
    store.storage().delete(store.version_path(version))
    service.loaded.forget()
    assert topics.suggest(DORMITORY) == []


def test_beat_runs_the_retraining_and_the_worker_imports_its_module(settings):
    from appeals_portal.celery import app

    entry = settings.CELERY_BEAT_SCHEDULE["suggestions-retrain-topics"]
    assert entry["task"] == retrain_topic_model.name
    assert "suggestions.topics.tasks" in app.conf.imports


def test_a_text_counts_the_same_alone_and_in_a_training_chunk():
    from suggestions.topics.features import FEW, WordGramHasher

    rng = random.Random(3)
    texts = [DORMITORY, "Ёлки-палки, общежитие!", ""] + [generated_text(rng, CODES[i % 7]) for i in range(FEW)]
    vectorizer = WordGramHasher()
    together = vectorizer.transform(texts)
    assert together.shape[0] >= FEW  # the vocabulary's way
    for row, text in enumerate(texts[:5]):
        alone = vectorizer.transform([text])  # hashed n-gram by n-gram
        assert (abs(alone - together[row]) > 1e-12).nnz == 0, text


def test_a_topic_the_form_no_longer_offers_is_not_suggested(settings, small_model):
    # The rest of the probability is spread thin: let every confidence through to see the ranking.
    settings.TOPICS_MIN_CONFIDENCE_PERCENT = 0
    install(small_model)
    assert topics.suggest(DORMITORY)[0][0] == "0000.0000.0000.0527"
    Topic.objects.filter(code="0000.0000.0000.0527").update(is_offered=False)
    service.loaded.forget()

    suggestions = topics.suggest(DORMITORY)

    assert len(suggestions) == 3 and "0000.0000.0000.0527" not in [code for code, _ in suggestions]


def test_a_damaged_pointer_or_version_suggests_nothing(small_model):
    from django.core.files.base import ContentFile

    version = install(small_model)
    store.storage().delete(store.version_path(version))
    store.storage().save(store.version_path(version), ContentFile(b"not a zip"))
    service.loaded.forget()
    assert topics.suggest(DORMITORY) == []

    store.storage().delete(store.POINTER)
    store.storage().save(store.POINTER, ContentFile(b"\xff{"))
    service.loaded.forget()
    assert store.read_pointer()["version"] is None
    assert topics.suggest(DORMITORY) == []


def test_the_registrars_proposals_take_the_trained_models_topics(small_model):
    from suggestions import services as proposals

    text = generated_text(random.Random(3), CODES[0])
    assert proposals.topic_suggestions(text) == []  # cold start: no model stored yet
    install(small_model)
    expected = topics.suggest(text)
    assert expected and expected[0][0] == CODES[0]
    assert proposals.topic_suggestions(text) == [(code, pytest.approx(confidence)) for code, confidence in expected]
