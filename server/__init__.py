"""码上联络站: the app factory."""

from __future__ import annotations

import os

from flask import Flask

from server.api.errors import guard_api, register_error_handlers
from server.platform.db import db, init_database, migrate
from server.platform.logs import configure as configure_logging
from server.platform.logs import init_request_ids
from server.platform.safety import init_transport_security, refuse_unsafe_start
from server.settings import load_config

MIGRATIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "migrations")


def create_app(overrides: dict | None = None) -> Flask:
    config = load_config(overrides)
    # Before anything connects or listens: a production start with a missing or sandbox
    # setting exits here, naming each (web, `flask worker` and `flask scheduler` alike).
    refuse_unsafe_start(config)
    app = Flask(__name__, instance_relative_config=False)
    app.config.update(config)
    app.instance_path = app.config["INSTANCE_PATH"]
    app.json.ensure_ascii = False  # Chinese as is in JSON answers
    os.makedirs(app.instance_path, exist_ok=True)
    configure_logging(app.config["LOG_LEVEL"], app.config["LOG_FORMAT"])

    from server import models  # noqa: F401  (registers the tables)

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS, render_as_batch=True, compare_type=True)
    init_database(app)

    from server.api.openapi import init_api
    from server.platform.limits import init_limits

    init_limits(app)
    init_transport_security(app)
    init_request_ids(app)
    if app.config["PROXY_FIX"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    api = init_api(app)
    from server.api.calendar import blp as calendar_blp
    from server.api.citizen import blp as intake_blp
    from server.api.deputy import blp as deputy_blp
    from server.api.identity import blp as identity_blp
    from server.api.receptions import blp as receptions_blp
    from server.api.suggestions import blp as suggestions_blp
    from server.api.unit_suggestions import blp as unit_suggestions_blp
    from server.api.units import blp as units_blp
    from server.api.web import blp as web_blp

    blueprints = (identity_blp, intake_blp, deputy_blp, calendar_blp, units_blp, web_blp,
                  suggestions_blp, unit_suggestions_blp, receptions_blp)  # fmt: skip
    for blueprint in blueprints:
        api.register_blueprint(blueprint, url_prefix="/api/v1")

    from server.api.health import bp as health_bp
    from server.public.landing import bp as landing_bp
    from server.public.pages import bp as public_bp
    from server.public.pages import document as document_public_feeds
    from server.public.webform import bp as webform_bp
    from server.wechat.callback import bp as callback_bp

    app.register_blueprint(health_bp)
    app.register_blueprint(landing_bp)
    app.register_blueprint(public_bp)
    document_public_feeds(api, app)
    app.register_blueprint(webform_bp)
    app.register_blueprint(callback_bp)

    from server.admin import init_admin

    init_admin(app)  # the staff dashboard under /admin (its own CSRF check; /api/ is exempt)

    # Registered last so our JSON error shape wins over flask-smorest's.
    register_error_handlers(app)
    guard_api(app)

    from server.cli import register_cli

    register_cli(app)
    return app
