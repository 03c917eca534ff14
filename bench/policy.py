"""Benchmark the compliance policy engine: texts screened per second, single core.

    python bench/policy.py [--texts 5000] [--seed 1]

Texts of 300-3,000 characters (English and French prose, some lexicon hits, amounts, dates,
phone and card numbers, URLs) are screened against a lexicon of 100 terms and one of 10,000
(the starter lexicon plus synthetic terms). The last line printed is a JSON object.
Target: >= 5,000 texts/s, and the 10,000-term lexicon at least half as fast as the 100-term one.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from approvals.policy import (
    STARTER_LEXICON,
    CompiledPolicy,
    LexiconTerm,
    LinkRules,
    PolicyConfig,
    compile_policy,
)

WORDS = (  # noqa: SIM905 (prose is easier to read and edit as a string)
    "the a our your clients bank advisor savings plan retirement home loan rate market fund "
    "portfolio year month team branch meeting insurance future project family new life "
    "with for and to of in on this that we you is are can will help build protect invest "
    "le la les nos vos clients banque conseiller épargne retraite prêt immobilier taux marché "
    "fonds année mois équipe agence rendez-vous assurance avenir projet famille nouvelle vie "
    "avec pour et de du des dans sur ce cette nous vous est sont peut aider préparer réussir "
    "déjà très été où Noël à côté intérêt sécurité qualité"
).split()
PUNCT = [".", ",", "!", "?", ":", " —", ";"]
URLS = [
    "https://www.bank.fr/epargne", "https://news.bank.fr/2024/rates?src=li", "www.amf-france.org",
    "https://bit.ly/3AbCdE", "https://example.org/article", "lnkd.in/gXyZ12",
]
SYLLABLES = "ba be bi bo bu ca ce ci co cu da de di do fa fe fi fo ga go ka ke ki ko la le li lo "\
    "ma me mi mo na ne ni no pa pe pi po ra re ri ro sa se si so ta te ti to va ve vi vo za zo"
SYLLABLES_LIST = SYLLABLES.split()


def synthetic_terms(rng: random.Random, count: int) -> list[LexiconTerm]:
    terms: list[LexiconTerm] = []
    seen = {t.term for t in STARTER_LEXICON}
    while len(terms) < count:
        words = [
            "".join(rng.choice(SYLLABLES_LIST) for _ in range(rng.randint(2, 4)))
            for _ in range(rng.randint(1, 3))
        ]
        term = " ".join(words)
        if term in seen:
            continue
        seen.add(term)
        terms.append(
            LexiconTerm(term, rng.choice(["en", "fr", "any"]), rng.choice(["block", "flag"]),
                        "synthetic")
        )
    return terms


def make_text(rng: random.Random, hit_terms: list[str]) -> str:
    target = rng.randint(300, 3000)
    parts: list[str] = []
    size = 0
    while size < target:
        roll = rng.random()
        if roll < 0.004:
            piece = rng.choice(hit_terms).upper() if rng.random() < 0.2 else rng.choice(hit_terms)
        elif roll < 0.006:
            piece = rng.choice(URLS)
        elif roll < 0.020:
            piece = rng.choice([
                f"{rng.randint(1, 99_999)} €", f"{rng.randint(1, 28)}/{rng.randint(1, 12)}/2024",
                f"{rng.uniform(0.5, 9):.2f} %", f"06 {rng.randint(10, 99)} {rng.randint(10, 99)} "
                f"{rng.randint(10, 99)} {rng.randint(10, 99)}", "4111 1111 1111 1111",
                str(rng.randint(1990, 2030)),
            ])
        elif roll < 0.025:
            piece = rng.choice(["contact@bank.fr", "@BankFR", "#épargne", "🚀", "’", "\n\n"])
        else:
            piece = rng.choice(WORDS)
            if rng.random() < 0.08:
                piece = piece.capitalize()
        parts.append(piece)
        if rng.random() < 0.1:
            parts.append(rng.choice(PUNCT))
        size += len(piece) + 1
    return " ".join(parts)[:target]


def run(
    policy: CompiledPolicy, texts: list[str], contacts: set[str], repeat: int
) -> tuple[float, float, int]:
    """Screen every text ``repeat`` times; return the best pass as texts per second of CPU time
    and of wall time, and the number of findings.

    CPU time (this process only) is the single-core figure and stays meaningful when other
    processes share the machine; the best of a few passes, as `timeit` does, filters out the
    passes other processes slowed down.
    """
    for text in texts[:50]:  # warm the caches (folding of non-ASCII characters)
        policy.screen(text, allowed_contacts=contacts)
    best_cpu = best_wall = float("inf")
    findings = 0
    for _ in range(repeat):
        findings = 0
        wall, cpu = time.perf_counter(), time.process_time()
        for text in texts:
            findings += len(policy.screen(text, allowed_contacts=contacts))
        best_cpu = min(best_cpu, time.process_time() - cpu)
        best_wall = min(best_wall, time.perf_counter() - wall)
    return len(texts) / best_cpu, len(texts) / best_wall, findings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--texts", type=int, default=5000, help="texts per lexicon size")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3, help="passes; the best one counts")
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    synthetic = synthetic_terms(rng, 10_000 - len(STARTER_LEXICON))
    lexicon_100 = list(STARTER_LEXICON) + synthetic[: 100 - len(STARTER_LEXICON)]
    lexicon_10000 = list(STARTER_LEXICON) + synthetic
    hit_terms = [t.term for t in lexicon_100]
    texts = [make_text(rng, hit_terms) for _ in range(args.texts)]
    contacts = {"contact@bank.fr", "+33 6 00 00 00 00"}
    links = LinkRules(allow={"bank.fr", "amf-france.org"}, deny={"casino.com"})

    chars = sum(map(len, texts))
    print(
        f"{len(texts)} texts, {chars / len(texts):.0f} characters on average, seed {args.seed}, "
        f"best of {max(1, args.repeat)} passes"
    )
    results = {}
    for size, lexicon in ((100, lexicon_100), (10_000, lexicon_10000)):
        t0 = time.perf_counter()
        policy = compile_policy(PolicyConfig(lexicon, links, version=size))
        build = time.perf_counter() - t0
        per_s, per_s_wall, findings = run(policy, texts, contacts, max(1, args.repeat))
        results[f"texts_per_s_{size}"] = round(per_s, 1)
        print(
            f"lexicon {size:>6} terms: built in {build * 1000:.0f} ms, "
            f"{per_s:,.0f} texts/s CPU ({per_s * chars / len(texts) / 1e6:.1f} M chars/s), "
            f"{per_s_wall:,.0f} texts/s wall, {findings} findings"
        )
    ratio = results["texts_per_s_10000"] / results["texts_per_s_100"]
    target_met = results["texts_per_s_100"] >= 5000 and ratio >= 0.5
    verdict = "met" if target_met else "MISSED"
    print(f"10,000-term speed / 100-term speed = {ratio:.2f}; target {verdict}")
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
