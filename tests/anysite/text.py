"""Invented but realistic English text for the anysite fixtures (deterministic from a seed).

Nothing here comes from a real page: the vocabularies are our own.
"""

from __future__ import annotations

import random

PLACES = [
    "Eastbrook",
    "Millford",
    "Ravenhill",
    "Corlan",
    "Dunmere",
    "Saltmarsh",
    "Westerby",
    "Halvik",
    "Brennock",
    "Oakhaven",
    "Tillbury",
    "Marrow",
    "Bay",
    "Fenwick",
    "Ashcombe",
    "Lowstead",
    "Kerran",
    "Pellham",
    "Glenmoor",
    "Starling",
    "Cross",
]
PEOPLE = [
    "Marta Olsen",
    "Daniel Okafor",
    "Priya Raman",
    "Tomasz Wilk",
    "Helen Achterberg",
    "Samuel Boateng",
    "Ines Carvalho",
    "Jonah Reyes",
    "Leila Haddad",
    "Oskar Lind",
    "Grace Mwangi",
    "Victor Lemaire",
]
SUBJECTS = [
    "the town council",
    "regional health officials",
    "the transport authority",
    "local farmers",
    "the harbour board",
    "a group of residents",
    "the state water agency",
    "teachers at two schools",
    "the regional planning office",
    "hospital managers",
    "the fire service",
    "the county court",
    "small business owners",
    "the university's research team",
    "the ferry operator",
    "volunteers from the food bank",
    "the electricity cooperative",
    "the housing trust",
]
VERBS = [
    "approved",
    "rejected",
    "delayed",
    "announced",
    "questioned",
    "defended",
    "expanded",
    "reviewed",
    "funded",
    "cancelled",
    "postponed",
    "welcomed",
    "criticised",
    "unveiled",
    "extended",
]
OBJECTS = [
    "a new ferry timetable",
    "the plan to widen the coastal road",
    "a pilot scheme for night buses",
    "the budget for flood barriers",
    "a proposal to close the old library",
    "new rules on rental housing",
    "the school meals programme",
    "a study of river pollution",
    "the hospital's winter plan",
    "a bid to host the regional games",
    "repairs to the north bridge",
    "the market square redesign",
    "a ban on lorries in the old town",
    "the solar farm near the quarry",
    "changes to waste collection",
    "a grant for rural broadband",
]
WHEN = [
    "on Monday",
    "on Tuesday",
    "late on Wednesday",
    "on Thursday morning",
    "on Friday",
    "over the weekend",
    "earlier this week",
    "after a long meeting",
    "following months of debate",
    "at a packed hearing",
]
REASONS = [
    "citing rising costs",
    "after complaints from residents",
    "because of a shortage of staff",
    "after an independent review",
    "following a vote of nine to four",
    "despite warnings from engineers",
    "after a consultation that drew hundreds of replies",
    "because the funding fell through",
    "to meet a deadline set by the ministry",
    "after a survey found strong support",
]
DETAILS = (
    "The work is expected to take {n} months and cost about {m} million.",
    "Officials said the first phase would begin in the spring, weather permitting.",
    "About {n}00 people attended the meeting, and many had to stand at the back of the hall.",
    "A spokesperson said further details would be published on the council website.",
    "The decision follows a similar move in {place} last year, which was later reversed.",
    "Opposition members said they had not been given enough time to read the documents.",
    "The agency said it had received {n} formal objections during the comment period.",
    "Residents in {place} have waited more than {n} years for the project to move ahead.",
    "Critics argued that the money would be better spent on maintaining existing services.",
    "The plan still needs the approval of the regional assembly, which meets next month.",
    "Similar schemes have been tried in {place} and {place2}, with mixed results.",
    "Figures released on the same day showed demand had risen by {n} percent since {year}.",
    "Several shop owners said they had only heard about the change from their customers.",
    "The report will be discussed again at a public session in {place} on the {n}th.",
)
QUOTES = (
    '"We have listened carefully, and this is the right step for {place}," said {person}, '
    "who chairs the committee.",
    '"Nobody asked us," said {person}, a resident of {place} for {n} years. '
    '"We found out from the newspaper."',
    '"This is a small change with a big effect on daily life," {person} told reporters.',
    '"The numbers simply do not add up," said {person}, an economist who studies local budgets.',
    '"We will keep watching closely," said {person}. "There is a lot still to decide."',
)
SECTIONS = ("local", "business", "science", "culture", "sport")
TAGS = ("transport", "housing", "health", "climate", "schools", "budget", "energy")


class TextMaker:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.used_headlines: set[str] = set()

    def _fill(self, template: str) -> str:
        r = self.rng
        place, place2 = r.sample(PLACES, 2)
        return template.format(
            n=r.randint(2, 19),
            m=r.randint(2, 90),
            place=place,
            place2=place2,
            person=r.choice(PEOPLE),
            year=r.randint(2015, 2022),
        )

    def headline(self) -> str:
        r = self.rng
        for _ in range(1000):
            subject = r.choice(SUBJECTS)
            text = f"{r.choice(PLACES)}: {subject} {r.choice(VERBS)} {r.choice(OBJECTS)}"
            if r.random() < 0.3:
                text = f"{subject.capitalize()} in {r.choice(PLACES)} {r.choice(VERBS)} "
                text += f"{r.choice(OBJECTS)}"
            if text not in self.used_headlines:
                self.used_headlines.add(text)
                return text
        raise RuntimeError("ran out of headlines")

    def sentence(self) -> str:
        r = self.rng
        roll = r.random()
        if roll < 0.35:
            subject = r.choice(SUBJECTS)
            text = f"{subject} {r.choice(VERBS)} {r.choice(OBJECTS)} {r.choice(WHEN)}, "
            text += f"{r.choice(REASONS)}."
            return text[0].upper() + text[1:]
        if roll < 0.5:
            return self._fill(r.choice(QUOTES))
        return self._fill(r.choice(DETAILS))

    def paragraph(self, sentences: int) -> str:
        return " ".join(self.sentence() for _ in range(sentences))

    def paragraphs(self, min_words: int) -> list[str]:
        out: list[str] = []
        while sum(len(p.split()) for p in out) < min_words:
            out.append(self.paragraph(self.rng.randint(2, 4)))
        return out

    def legal(self, min_words: int, topic: str) -> list[str]:
        """Long policy-style text (terms, privacy) for non-article pages."""
        r = self.rng
        clauses = (
            f"By using this website you agree to the {topic} set out on this page.",
            "We may change these terms at any time by publishing a revised version here.",
            "Personal data is processed only for the purposes described in this section.",
            "You may ask us for a copy of the information we hold about you at any time.",
            "Content on this site may not be reproduced without prior written permission.",
            "Cookies are small files stored on your device to remember your preferences.",
            "We keep server logs for a limited period to protect the service against abuse.",
            "Links to other websites are provided for convenience and do not imply approval.",
            "Subscriptions renew automatically unless cancelled before the renewal date.",
            "Questions about these terms can be sent to the address given at the bottom.",
        )
        out: list[str] = []
        section = 1
        while sum(len(p.split()) for p in out) < min_words:
            body = " ".join(r.sample(clauses, 4))
            out.append(f"{section}. {body}")
            section += 1
        return out

    def history(self, min_words: int, site: str) -> list[str]:
        r = self.rng
        out: list[str] = []
        year = 1921
        while sum(len(p.split()) for p in out) < min_words:
            year += r.randint(4, 15)
            person = r.choice(PEOPLE)
            place = r.choice(PLACES)
            out.append(
                f"In {year}, {site} moved its newsroom to {place}, where {person} became "
                f"editor. The paper grew to {r.randint(3, 40)} pages and opened bureaus in "
                f"{r.choice(PLACES)} and {r.choice(PLACES)}. " + self.paragraph(2)
            )
        return out

    def bio(self, min_words: int, person: str) -> list[str]:
        r = self.rng
        out = [
            f"{person} joined the newsroom in {r.randint(2005, 2019)} and covers local "
            f"government, transport and the environment."
        ]
        while sum(len(p.split()) for p in out) < min_words:
            out.append(
                f"Before that, {person.split()[0]} worked in {r.choice(PLACES)} as a "
                f"{r.choice(('court reporter', 'sub-editor', 'radio producer', 'photographer'))}"
                f" for {r.randint(2, 9)} years. " + self.paragraph(2)
            )
        return out
