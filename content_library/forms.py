"""Forms: field validators only; the rules live in the services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
    URLField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from advisor_hub.i18n import LANGUAGE_NAMES
from content_library.limits import NETWORK_LABELS, NETWORKS
from content_library.rendering import ITEM_PLACEHOLDERS, NAME_MAX

LANGUAGE_CHOICES = list(LANGUAGE_NAMES.items())


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class ItemForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    text = TextAreaField(_l("Post text"), validators=[DataRequired()],
                         render_kw={"rows": 8, "data-counter": "true"})
    link_url = URLField(_l("Link (optional)"), validators=[Optional(), Length(max=2000)])
    image = FileField(_l("Image (PNG, JPEG or WebP; optional)"),
                      render_kw={"accept": "image/png,image/jpeg,image/webp"})
    remove_image = BooleanField(_l("Remove the current image"))
    networks = MultiCheckboxField(_l("Networks"), choices=[(n, NETWORK_LABELS[n])
                                                           for n in NETWORKS])
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    tags = StringField(_l("Tags (comma-separated)"), validators=[Optional(), Length(max=600)])
    campaign = StringField(_l("Campaign (optional)"), validators=[Optional(), Length(max=120)])
    audience = RadioField(_l("Audience"), choices=[("all", _l("All advisors")),
                                                   ("branches", _l("Chosen branches"))],
                          default="all")
    branch_ids = MultiCheckboxField(_l("Branches"), coerce=int)
    available_from = DateTimeLocalField(_l("Available from (your time zone; optional)"),
                                        validators=[Optional()])
    expires_at = DateTimeLocalField(_l("Expires at (your time zone; optional)"),
                                    validators=[Optional()])
    placeholders = MultiCheckboxField(
        _l("Advisors may personalise"),
        choices=[(p, "{" + p + "}") for p in ITEM_PLACEHOLDERS])
    submit = SubmitField(_l("Save draft"))


class TemplateForm(FlaskForm):
    type_id = SelectField(_l("Life event"), coerce=int)
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    text = TextAreaField(_l("Message"), validators=[DataRequired()],
                         render_kw={"rows": 6, "data-counter": "true"})
    submit = SubmitField(_l("Save draft"))


class EventTypeForm(FlaskForm):
    label_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=120)])
    label_fr = StringField(_l("Name in French"), validators=[Optional(), Length(max=120)])
    submit = SubmitField(_l("Add the life-event type"))


class ImportForm(FlaskForm):
    file = FileField(_l("CSV or JSON file"), validators=[DataRequired()],
                     render_kw={"accept": ".csv,.json"})
    skip_invalid = BooleanField(_l("Import the good rows even if some rows are invalid"))
    submit = SubmitField(_l("Import"))


class LifeEventForm(FlaskForm):
    """The advisor's life-event page: a POST form (it changes nothing, but the client's first
    name must not end up in URLs, logs and browser history)."""

    event = SelectField(_l("Life event"), coerce=int)
    language = SelectField(_l("Language"), choices=LANGUAGE_CHOICES)
    client_first_name = StringField(_l("Client's first name"),
                                    validators=[DataRequired(), Length(max=NAME_MAX)])
    submit = SubmitField(_l("Show the message"))


class ConfirmForm(FlaskForm):
    """An empty form: the CSRF token behind an action button."""
