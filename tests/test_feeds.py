"""archive.discover.feeds: RSS 2.0, RSS 1.0 (RDF), Atom and JSON Feed as sites emit them."""

from __future__ import annotations

import json

import pytest

from archive.discover.feeds import FeedEntry, FeedError, read_feed

# WordPress's RSS 2.0: dc:creator, a guid that is not a permalink, content:encoded
RSS2 = b"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
\txmlns:content="http://purl.org/rss/1.0/modules/content/"
\txmlns:wfw="http://wellformedweb.org/CommentAPI/"
\txmlns:dc="http://purl.org/dc/elements/1.1/"
\txmlns:atom="http://www.w3.org/2005/Atom"
\txmlns:sy="http://purl.org/rss/1.0/modules/syndication/">
<channel>
\t<title>The Example Times</title>
\t<atom:link href="https://news.example/feed/" rel="self" type="application/rss+xml" />
\t<link>https://news.example</link>
\t<item>
\t\t<title>Council approves budget</title>
\t\t<link>https://news.example/2024/05/17/council-approves-budget/</link>
\t\t<dc:creator><![CDATA[Jane Doe]]></dc:creator>
\t\t<pubDate>Fri, 17 May 2024 09:12:44 +0000</pubDate>
\t\t<guid isPermaLink="false">https://news.example/?p=4242</guid>
\t\t<description><![CDATA[<p>The council&#8230;</p>]]></description>
\t</item>
\t<item>
\t\t<title><![CDATA[Storm &amp; floods close schools]]></title>
\t\t<link>
\t\t\thttps://news.example/2024/05/16/storm-closes-schools/
\t\t</link>
\t\t<dc:date>2024-05-16T18:01:02Z</dc:date>
\t</item>
\t<item>
\t\t<title>Guid only</title>
\t\t<guid>https://news.example/2024/05/15/guid-only-story/</guid>
\t</item>
\t<item>
\t\t<title>Guid not a permalink</title>
\t\t<guid isPermaLink="false">https://news.example/2024/05/14/not-a-link/</guid>
\t</item>
\t<item>
\t\t<title>Guid not a URL</title>
\t\t<guid>tag:news.example,2024:123</guid>
\t</item>
</channel>
</rss>
"""

RDF = b"""<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
  xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://news.example/rss">
    <title>Example</title>
    <link>https://news.example/</link>
    <items><rdf:Seq>
      <rdf:li rdf:resource="https://news.example/a/1001"/>
      <rdf:li rdf:resource="https://news.example/a/1002"/>
    </rdf:Seq></items>
  </channel>
  <item rdf:about="https://news.example/a/1001">
    <title>First</title>
    <link>https://news.example/a/1001</link>
    <dc:date>2024-05-17T10:00:00+09:00</dc:date>
  </item>
  <item rdf:about="https://news.example/a/1002">
    <title>Second</title>
  </item>
</rdf:RDF>
"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://news.example/">
  <title>Example</title>
  <link rel="self" href="https://news.example/atom.xml"/>
  <link href="https://news.example/"/>
  <updated>2024-05-17T10:00:00Z</updated>
  <entry>
    <title type="html">Budget &lt;b&gt;passes&lt;/b&gt;</title>
    <link rel="replies" type="text/html" href="https://news.example/budget#comments"/>
    <link rel="alternate" type="application/pdf" href="https://news.example/budget.pdf"/>
    <link rel="alternate" type="text/html" href="https://news.example/2024/05/budget"/>
    <id>tag:news.example,2024:1</id>
    <published>2024-05-17T09:00:00Z</published>
    <updated>2024-05-17T10:00:00Z</updated>
  </entry>
  <entry>
    <title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">Relative <b>link</b></div></title>
    <link href="2024/05/relative-story"/>
    <id>tag:news.example,2024:2</id>
    <updated>2024-05-16T10:00:00Z</updated>
  </entry>
  <entry>
    <title>Id only</title>
    <id>https://news.example/2024/05/id-only</id>
  </entry>
  <entry>
    <title>Nothing</title>
    <link rel="edit" href="https://news.example/edit/4"/>
    <id>urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a</id>
  </entry>
</feed>
"""


def test_rss2() -> None:
    assert read_feed(RSS2) == (
        FeedEntry(
            "https://news.example/2024/05/17/council-approves-budget/",
            "Council approves budget",
            "Fri, 17 May 2024 09:12:44 +0000",
        ),
        FeedEntry(
            "https://news.example/2024/05/16/storm-closes-schools/",
            "Storm &amp; floods close schools",
            "2024-05-16T18:01:02Z",
        ),
        FeedEntry("https://news.example/2024/05/15/guid-only-story/", "Guid only", None),
    )


def test_rdf() -> None:
    assert read_feed(RDF) == (
        FeedEntry("https://news.example/a/1001", "First", "2024-05-17T10:00:00+09:00"),
        FeedEntry("https://news.example/a/1002", "Second", None),  # from rdf:about
    )


def test_atom() -> None:
    assert read_feed(ATOM) == (
        FeedEntry(
            "https://news.example/2024/05/budget",
            "Budget <b>passes</b>",
            "2024-05-17T09:00:00Z",
        ),
        FeedEntry(
            "https://news.example/2024/05/relative-story",
            "Relative link",
            "2024-05-16T10:00:00Z",
        ),
        FeedEntry("https://news.example/2024/05/id-only", "Id only", None),
    )


def test_atom_without_namespace_prefers_html_alternate() -> None:
    body = (
        b"<feed><entry><link rel='alternate' type='audio/mpeg' href='https://n.example/a.mp3'/>"
        b"<link rel='alternate' href='https://n.example/a'/></entry>"
        b"<entry><link rel='enclosure' href='https://n.example/b.mp3'/>"
        b"<link href='https://n.example/b'/></entry></feed>"
    )
    assert read_feed(body) == (
        FeedEntry("https://n.example/a.mp3"),
        FeedEntry("https://n.example/b"),
    )


def test_feedburner_orig_link_and_atom_link_in_item() -> None:
    body = (
        b'<rss version="2.0" xmlns:feedburner="http://rssnamespace.org/feedburner/ext/1.0"'
        b' xmlns:atom="http://www.w3.org/2005/Atom"><channel>'
        b"<item><link>https://feedproxy.google.com/~r/x/~3/abc/</link>"
        b"<feedburner:origLink>https://n.example/real-story</feedburner:origLink></item>"
        b'<item><atom:link rel="alternate" href="https://n.example/atom-in-rss"/></item>'
        b"</channel></rss>"
    )
    assert read_feed(body) == (
        FeedEntry("https://n.example/real-story"),
        FeedEntry("https://n.example/atom-in-rss"),
    )


def test_json_feed() -> None:
    body = json.dumps(
        {
            "version": "https://jsonfeed.org/version/1.1",
            "title": "Example",
            "items": [
                {
                    "id": "1",
                    "url": "https://n.example/2024/05/first-story",
                    "title": " First ",
                    "date_published": "2024-05-17T09:00:00Z",
                },
                {"id": "https://n.example/2024/05/id-is-url"},
                {"id": "3", "content_text": "no url"},
                "not an item",
                {"id": "4", "url": 42},
                {"url": "https://n.example/2024/05/first-story", "title": "dup"},
            ],
        }
    ).encode()
    assert read_feed(body) == (
        FeedEntry("https://n.example/2024/05/first-story", "First", "2024-05-17T09:00:00Z"),
        FeedEntry("https://n.example/2024/05/id-is-url"),
    )


def test_bom_and_empty_channel() -> None:
    assert read_feed(b"\xef\xbb\xbf<rss><channel><title>x</title></channel></rss>") == ()
    assert read_feed(b'<feed xmlns="http://www.w3.org/2005/Atom"/>') == ()


def test_truncated_feed_gives_entries_before_the_cut() -> None:
    cut = RSS2[: RSS2.index(b"Guid only")]
    assert [e.url for e in read_feed(cut)] == [
        "https://news.example/2024/05/17/council-approves-budget/",
        "https://news.example/2024/05/16/storm-closes-schools/",
    ]


def test_entities_not_resolved() -> None:
    body = (
        b'<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        b"<rss><channel><item><link>&xxe;</link></item>"
        b"<item><link>https://n.example/ok</link></item></channel></rss>"
    )
    assert read_feed(body) == (FeedEntry("https://n.example/ok"),)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "empty body"),
        (b"  \n", "empty body"),
        (b"<html><body><p>Not a feed</p></body></html>", "not a feed: the root element is <html>"),
        (b"<urlset><url><loc>https://n.example/</loc></url></urlset>", "not a feed: the root"),
        (b"<<<", "not XML: "),
        (b"{not json", "not JSON: "),
        (b'{"items": []}', "not a JSON Feed: no version and items"),
        (b"[1, 2]", "not a feed: starts with"),
        (b"plain text", "not a feed: starts with b'plain text'"),
    ],
)
def test_garbage(body: bytes, message: str) -> None:
    with pytest.raises(FeedError) as info:
        read_feed(body)
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)
