"""archive.discover.urlshapes: URL shapes, the prior, and the learner that orders a frontier."""

from __future__ import annotations

import pytest

from archive.discover.urlshapes import ShapeLearner, prior, url_shape


@pytest.mark.parametrize(
    ("url", "shape"),
    [
        ("https://n.example/2024/05/17/some-long-headline-words/", "/<yyyy>/<mm>/<dd>/<slug>/"),
        (
            "https://n.example/index.php?option=com_content&view=article&id=42&Itemid=7",
            "/index.php?Itemid=<n>&id=<n>&option=com_content&view=article",
        ),
        ("https://n.example/english/23610", "/english/<n>"),
        ("https://n.example", "/"),
        ("https://n.example/", "/"),
        ("https://n.example/politics", "/politics"),
        ("https://n.example/politics/", "/politics/"),
        ("https://n.example/news/world-us-canada-68912345", "/news/<slug>"),
        ("https://n.example/news/world-68912345", "/news/world-<n>"),
        ("https://n.example/2024/05/some-long-headline.html", "/<yyyy>/<mm>/<slug>.html"),
        ("https://n.example/news/12345.html", "/news/<n>.html"),
        ("https://n.example/2024-05-17/council_budget_vote", "/<date>/<slug>"),
        ("https://n.example/a/550e8400-e29b-41d4-a716-446655440000", "/a/<id>"),
        ("https://n.example/a/5f3c9e21ab", "/a/<id>"),
        ("https://n.example/a/deadbeef", "/a/deadbeef"),  # no digit: a word
        ("https://n.example/councilapprovesthebudgettoday", "/<slug>"),  # 25+ letters
        ("https://n.example/2024/13/x", "/<yyyy>/<n>/x"),  # no month 13
        ("https://n.example/1850/05/x", "/<n>/<n>/x"),  # not a year of the web
        ("https://n.example/?p=4242", "/?p=<n>"),
        ("https://n.example/?page=2", "/?page=<n>"),
        ("https://n.example/search?q=budget+vote&sort=new", "/search?q=budget+vote&sort=new"),
        ("https://n.example/story.php?story=abc&newsId=9&x=", "/story.php?newsId=<n>&story=<n>&x="),
        ("https://n.example/a?b=1&b=2&a=3", "/a?a=<n>&b=<n>"),
        ("https://n.example/x-y#comments", "/x-y"),
        (
            "https://n.example/%D8%A7%D9%84%D8%B3%D9%8A%D8%A7%D8%B3%D8%A9-%D8%A7%D9%84%D8%AF"
            "%D9%88%D9%84%D9%8A%D8%A9-%D8%A7%D9%84%D9%8A%D9%88%D9%85",
            "/<slug>",
        ),
    ],
)
def test_url_shape(url: str, shape: str) -> None:
    assert url_shape(url) == shape


def test_same_shape_for_the_articles_of_one_pattern() -> None:
    assert url_shape("https://a.example/2023/12/01/one-two-three") == url_shape(
        "http://a.example/2024/05/17/other-headline-here-99"
    )


@pytest.mark.parametrize(
    ("url", "value"),
    [
        ("https://n.example/2024/05/17/some-long-headline-words/", 0.95),
        ("https://n.example/some-long-headline-words", 0.85),
        ("https://n.example/news/world-us-canada-68912345", 0.9),
        ("https://n.example/2024/05/17/12345", 0.9),
        ("https://n.example/english/23610", 0.8),
        ("https://n.example/news/world-68912345", 0.8),
        ("https://n.example/index.php?option=com_content&view=article&id=42", 0.85),
        ("https://n.example/?p=4242", 0.75),
        ("https://n.example/a/550e8400-e29b-41d4-a716-446655440000", 0.7),
        ("https://n.example/article/abc123def456.html", 0.7),
        ("https://n.example/news/local/sports", 0.4),
        ("https://n.example/2024/05/17/", 0.25),
        ("https://n.example/world/europe", 0.25),
        ("https://n.example/politics", 0.15),
        ("https://n.example/tag/budget", 0.1),
        ("https://n.example/category/politics/", 0.1),
        ("https://n.example/author/jane-doe/", 0.1),
        ("https://n.example/category/politics/page/3/", 0.1),
        ("https://n.example/page/2", 0.1),
        ("https://n.example/politics?page=2", 0.1),
        ("https://n.example/about", 0.05),
        ("https://n.example/contact-us/", 0.05),
        ("https://n.example/privacy-policy", 0.05),
        ("https://n.example/terms", 0.05),
        ("https://n.example/login", 0.05),
        ("https://n.example/search", 0.05),
        ("https://n.example/", 0.05),
        ("https://n.example/wp-content/uploads/2024/05/photo-of-the-day.jpg", 0.02),
    ],
)
def test_prior(url: str, value: float) -> None:
    assert prior(url) == value


def test_prior_orders_articles_before_listings() -> None:
    article = prior("https://n.example/2024/05/17/council-approves-budget/")
    listing = prior("https://n.example/politics/")
    assert 0.0 <= listing < 0.5 < article <= 1.0


def test_learner_uses_the_prior_until_a_shape_is_seen_twice() -> None:
    learner = ShapeLearner()
    url = "https://n.example/english/23610"
    assert learner.score(url) == prior(url) == 0.8
    learner.learn("https://n.example/english/100", False)
    assert learner.score(url) == 0.8  # seen once: still the prior
    learner.learn("https://n.example/english/101", False)
    # seen twice, never an article: (0 + 0.8) / (2 + 1)
    assert learner.score(url) == pytest.approx(0.8 / 3)
    assert learner.seen(url) == (2, 0)


def test_learner_raises_a_shape_the_prior_got_wrong() -> None:
    learner = ShapeLearner()
    for n in range(10):
        learner.learn(f"https://n.example/politics/p{n}", True)
    url = "https://n.example/politics/p99"
    assert prior(url) == 0.25
    assert learner.score(url) == pytest.approx((10 + 0.25) / 11)
    assert learner.article_shapes() == ["/politics/p<n>"]


def test_article_shapes() -> None:
    learner = ShapeLearner()
    for n in range(5):
        learner.learn(f"https://n.example/2024/05/1{n}/story-number-{n}-here", True)
    for n in range(4):
        learner.learn(f"https://n.example/news/{n}5{n}5", n != 0)  # 3 of 4: 0.75
    learner.learn("https://n.example/one-off-long-headline", True)  # seen once
    learner.learn("https://n.example/tag/x", False)
    learner.learn("https://n.example/tag/y", False)
    assert learner.article_shapes() == ["/<yyyy>/<mm>/<dd>/<slug>"]
    assert len(learner) == 5


def test_learner_memory_is_bounded() -> None:
    learner = ShapeLearner(max_shapes=100)
    for _ in range(3):
        learner.learn("https://n.example/2024/05/17/kept-because-often-seen", True)
    for n in range(1000):
        learner.learn(f"https://n.example/section{'x' * (n % 500)}{chr(97 + n % 26)}", False)
        assert len(learner) <= 100
    assert learner.seen("https://n.example/2024/01/02/a-b-c") == (3, 3)


def test_scores_stay_in_range() -> None:
    learner = ShapeLearner(prior_weight=0.0)
    for n in range(3):
        learner.learn(f"https://n.example/a/{n}-b-c", True)
    assert learner.score("https://n.example/a/9-b-c") == 1.0
    for url in ("", "not a url", "https://n.example/?", "//x/y?z", "https://[bad"):
        try:
            value = prior(url)
        except ValueError:
            continue  # urlsplit refuses some, as it does for every caller
        assert 0.0 <= value <= 1.0
