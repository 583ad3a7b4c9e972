# The portal's image: gunicorn serves it; the same image runs the Celery
# worker and beat (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

RUN groupadd --system portal \
    && useradd --system --gid portal --home-dir /app --shell /usr/sbin/nologin portal

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

COPY . .

ENV PORTAL_ENV=production \
    PORTAL_VAR_DIR=/app/var \
    PRIVATE_STORAGE_ROOT=/data/private

# Static files are collected into the image (whitenoise serves them). The key
# only lets settings load here; the containers get the real one at run time.
RUN SECRET_KEY=collectstatic-only-not-a-secret python manage.py collectstatic --noinput \
    && mkdir -p /data/private \
    && chown -R portal:portal /data /app/var

USER portal
EXPOSE 8000
CMD ["gunicorn", "appeals_portal.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--timeout", "60", "--access-logfile", "-"]
