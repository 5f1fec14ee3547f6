FROM python:3.11-slim-bookworm
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core gettext nodejs npm \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml package.json ./
RUN pip install --no-cache-dir . && npm install --no-audit --no-fund --loglevel=error
COPY . .
RUN python manage.py compilemessages --ignore=node_modules \
    && DEBUG=false SECRET_KEY=build python manage.py collectstatic --noinput
EXPOSE 8000
# docker-compose.yml runs the deploy check and the migrations first; this is the web server alone.
# Access log without query strings (%(U)s); GunicornLogger masks reset tokens and e-mail addresses.
# 3 processes x 4 threads (gthread): see docs/performance.md, "Load".
CMD ["gunicorn", "collectief.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", \
     "--threads", "4", "--worker-class", "gthread", "--keep-alive", "5", \
     "--access-logfile", "-", "--access-logformat", "%(h)s %(t)s %(m)s %(U)s %(s)s %(b)s %(M)sms", \
     "--logger-class", "collectief.logging.GunicornLogger"]
